/* Paths of one layer as the image resolves them, through the symlinks of this layer and the
 * layers below (image_links.c), all within the image root: where an entry's parent really is
 * (usrmerge's lib -> usr/lib in a lower layer puts a later layer's lib/x in usr/lib/x, as umoci
 * and Docker do), and whether a symlink, followed link by link, climbs out of the image.
 *
 * Both walk a path the way the kernel does: component by component, a symlink replaced by its
 * target (from the root when absolute), '..' taken from where the walk really is. Names the
 * image does not hold (yet) are walked into as directories: a later entry or layer could make
 * them one, so the check holds whatever comes. */
#include "image_unpack_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define MAX_LINKS 40 /* the kernel's MAXSYMLINKS: a walk that needs more fails with ELOOP */

struct walk {
	char cur[PATH_MAX]; /* where the walk is: a directory of the image, "" for the root */
	char rest[PATH_MAX]; /* what is left to walk, from off */
	size_t off;
	int links; /* symlinks followed */
	char via[PATH_MAX]; /* the last of them */
};

/* The next component to walk into comp, skipping empty ones and '.': 1, or 0 at the end, or
 * -ENAMETOOLONG for a component longer than any name can be (where the kernel stops). */
static int walk_next(struct walk *w, char comp[NAME_MAX + 1])
{
	for (;;) {
		const char *p = w->rest + w->off, *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (!*p)
			return 0;
		w->off += n + !!*end;
		if (!n || (n == 1 && *p == '.'))
			continue;
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, p, n);
		comp[n] = '\0';
		return 1;
	}
}

/* '..': up one directory; false at the root. */
static bool walk_up(struct walk *w)
{
	char *slash = strrchr(w->cur, '/');

	if (!*w->cur)
		return false;
	if (slash)
		*slash = '\0';
	else
		w->cur[0] = '\0';
	return true;
}

/* The path of comp in the directory the walk is at; -ENAMETOOLONG past PATH_MAX. */
static int walk_child(const struct walk *w, const char *comp, char out[PATH_MAX])
{
	size_t n = (size_t)snprintf(out, PATH_MAX, "%s%s%s", w->cur, *w->cur ? "/" : "", comp);

	return n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* The symlink at path, with this target, is walked through: what is left becomes its target
 * followed by the rest. -ELOOP after MAX_LINKS, -ENAMETOOLONG if that does not fit. */
static int walk_follow(struct walk *w, const char *path, const char *target)
{
	char next[PATH_MAX];
	size_t n = (size_t)snprintf(next, sizeof(next), "%s/%s", target, w->rest + w->off);

	if (++w->links > MAX_LINKS)
		return -ELOOP;
	if (n >= sizeof(next))
		return -ENAMETOOLONG;
	memcpy(w->rest, next, n + 1);
	w->off = 0;
	if (target[0] == '/')
		w->cur[0] = '\0';
	snprintf(w->via, sizeof(w->via), "%s", path);
	return 0;
}

/* Whether this layer hides the layers below at path: a directory above it that the layer made
 * opaque (or made anew), or made something other than a directory. */
static bool hidden_here(struct unpacker *u, const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	do {
		const struct node *n;

		unpack_split_base(buf);
		n = node_get(u, buf);
		if (n && (n->kind != N_DIR || n->opaque))
			return true;
	} while (*buf);
	return false;
}

/* The target of the symlink at path in the image as far as it is unpacked (this layer's entry,
 * else the layers below as far as this layer lets them show); NULL if path is none. */
static const char *view_link(struct unpacker *u, const char *path)
{
	const struct node *n = node_get(u, path);

	if (n)
		return n->kind == N_SYMLINK ? n->target : NULL;
	if (!u->o->links || !u->o->links->n || hidden_here(u, path))
		return NULL;
	return image_links_find(u->o->links, path);
}

/* dir (a directory of this layer, as unpack_clean_path() gives it) with every symlink of the
 * layers below on it followed, into out. A symlink of this layer on it is left for
 * unpack_open_dir() to refuse: the entry would be written through it. '..' at the root stays
 * there, as in the container (the symlinks below were checked never to need it). */
int unpack_resolve_dir(struct unpacker *u, const char *dir, char *out, size_t len)
{
	char comp[NAME_MAX + 1], cand[PATH_MAX];
	struct walk w = { .off = 0 };
	const char *target;
	int r;

	if (!u->o->links || !u->o->links->n ||
	    snprintf(w.rest, sizeof(w.rest), "%s", dir) >= (int)sizeof(w.rest)) {
		snprintf(out, len, "%s", dir);
		return 0;
	}
	while ((r = walk_next(&w, comp)) > 0) {
		if (!strcmp(comp, "..")) {
			walk_up(&w);
			continue;
		}
		if (walk_child(&w, comp, cand))
			return unpack_refuse(u, UNPACK_INVALID, ENAMETOOLONG,
					     "its directory, through the symlinks of the layers "
					     "below, is longer than %d bytes",
					     PATH_MAX);
		target = node_get(u, cand) ? NULL : view_link(u, cand);
		if (target) {
			r = walk_follow(&w, cand, target);
			if (r == -ELOOP)
				return unpack_refuse(u, UNPACK_INVALID, ELOOP,
						     "its directory goes through more than %d "
						     "symlinks of the layers below (last '%.200s')",
						     MAX_LINKS, w.via);
			if (r)
				return unpack_refuse(u, UNPACK_INVALID, -r,
						     "its directory, through the symlink '%.200s' "
						     "of a layer below, is longer than %d bytes",
						     cand, PATH_MAX);
			continue;
		}
		memcpy(w.cur, cand, strlen(cand) + 1);
	}
	if (r < 0)
		return unpack_refuse(u, UNPACK_INVALID, -r,
				     "its directory goes through the symlink '%.200s' of a layer "
				     "below, whose target has a name longer than %d bytes",
				     w.via, NAME_MAX);
	if (strlen(w.cur) >= len)
		return unpack_refuse(u, UNPACK_INVALID, ENAMETOOLONG, "its path is too long");
	memcpy(out, w.cur, strlen(w.cur) + 1);
	return 0;
}

int unpack_place(struct unpacker *u, const char *name, const char *what, struct unpack_place *pl)
{
	int r = unpack_clean_path(u, name, what, pl->clean, sizeof(pl->clean));

	if (r)
		return r;
	pl->base = unpack_split_base(pl->clean);
	r = unpack_resolve_dir(u, pl->clean, pl->dir, sizeof(pl->dir));
	if (r)
		return r;
	if ((size_t)snprintf(pl->path, sizeof(pl->path), "%s%s%s", pl->dir, *pl->dir ? "/" : "",
			     pl->base) >= sizeof(pl->path))
		return unpack_refuse(u, UNPACK_INVALID, ENAMETOOLONG,
				     "%s, through the symlinks of the layers below, is longer than "
				     "%d bytes",
				     what, PATH_MAX);
	return 0;
}

enum climb { STAYS, CLIMBS_OUT, UNCHECKABLE };

/* Follows the symlink at path (target) as the kernel would, through every symlink the image
 * holds so far: CLIMBS_OUT if a '..' would leave the root (via: the last symlink followed,
 * "" for none). A walk the kernel gives up on (ELOOP) reaches nothing; one too long for this
 * check to hold is UNCHECKABLE. */
static enum climb link_climbs(struct unpacker *u, const char *path, const char *target, char *via,
			      size_t len)
{
	char comp[NAME_MAX + 1], cand[PATH_MAX];
	struct walk w = { .off = 0 };
	const char *t;
	int r;

	if (target[0] != '/') {
		snprintf(w.cur, sizeof(w.cur), "%s", path);
		walk_up(&w);
	}
	if (snprintf(w.rest, sizeof(w.rest), "%s", target) >= (int)sizeof(w.rest))
		return UNCHECKABLE;
	/* A name too long for the kernel (walk_next() < 0) ends its walk there too. */
	while (walk_next(&w, comp) > 0) {
		if (!strcmp(comp, "..")) {
			if (walk_up(&w))
				continue;
			snprintf(via, len, "%s", w.via);
			return CLIMBS_OUT;
		}
		if (walk_child(&w, comp, cand))
			return UNCHECKABLE;
		t = view_link(u, cand);
		if (t) {
			r = walk_follow(&w, cand, t);
			if (r == -ELOOP)
				return STAYS;
			if (r)
				return UNCHECKABLE;
			continue;
		}
		memcpy(w.cur, cand, strlen(cand) + 1);
	}
	return STAYS;
}

static bool has_dotdot(const char *target)
{
	for (const char *p = target; (p = strstr(p, "..")); p += 2)
		if ((p == target || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return true;
	return false;
}

/* A symlink at path, of this layer (own) or of one below, must not climb out of the image
 * now that this layer is complete. */
static int check_link(struct unpacker *u, const char *path, const char *target, bool own)
{
	char via[PATH_MAX] = "", what[PATH_MAX + 64] = "";
	enum climb c = link_climbs(u, path, target, via, sizeof(via));
	const struct node *v = *via ? node_get(u, via) : NULL;

	if (c == STAYS)
		return 0;
	u->entry = own || !v ? path : via;
	if (c == UNCHECKABLE)
		return unpack_refuse(
			u, UNPACK_UNSAFE, ENAMETOOLONG,
			"the symlink '%.200s' (to '%.200s') goes through symlinks "
			"whose targets together are too long to check that it stays in "
			"the image",
			path, target);
	if (*via)
		snprintf(what, sizeof(what), " through the symlink '%.200s'%s", via,
			 v ? "" : " of a layer below");
	if (own)
		return unpack_refuse(u, UNPACK_UNSAFE, EPERM,
				     "symlink to '%.200s' points outside the layer%s", target,
				     what);
	return unpack_refuse(u, UNPACK_UNSAFE, EPERM,
			     "makes the symlink '%.200s' of a layer below (to '%.200s') point "
			     "outside the image%s",
			     path, target, what);
}

/* At the end of the layer, when all of it is known: if the symlinks of the view changed
 * (hidden: those of the layers below that it hides; changed: whether it hides any or has any
 * of its own), each climbing one is followed to its end. One whose target has no '..' cannot
 * climb out by itself: it can only lead into others, which are checked. */
int unpack_check_links(struct unpacker *u, const struct node_list *all, const bool *hidden,
		       bool changed)
{
	const struct image_links *l = u->o->links;
	int r = 0;

	if (!changed)
		return 0;
	for (size_t i = 0; !r && i < all->n; i++) {
		const struct node *n = all->v[i];

		if (n->kind == N_SYMLINK && n->target && has_dotdot(n->target))
			r = check_link(u, n->path, n->target, true);
	}
	for (size_t i = 0; !r && l && i < l->n; i++)
		if (!(hidden && hidden[i]) && has_dotdot(l->v[i].target))
			r = check_link(u, l->v[i].path, l->v[i].target, false);
	return r;
}
