/* overlay's lookup, replayed on the layer dirs: see overlay_which.h. It follows
 * fs/overlayfs/namei.c's rules (ovl_lookup, ovl_lookup_single, ovl_check_redirect) on the
 * layers' own entries, so the answer is what a fresh mount would give: nothing is read
 * through the overlay, whose dentry cache may know better only while it is mounted. */
#include "overlay_which.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ovl_marks.h"

const char *which_result_name(enum which_result r)
{
	static const char *const names[] = {
		[WHICH_FOUND] = "found",
		[WHICH_DELETED] = "deleted",
		[WHICH_HIDDEN] = "hidden",
		[WHICH_ABSENT] = "absent",
		[WHICH_NOT_DIR] = "not_a_directory",
		[WHICH_SYMLINK] = "symlink",
	};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

const char *which_event_name(enum which_event_kind k)
{
	static const char *const names[] = {
		[WHICH_EV_WHITEOUT] = "whiteout", [WHICH_EV_OPAQUE] = "opaque",
		[WHICH_EV_REDIRECT] = "redirect", [WHICH_EV_REDIRECT_IGNORED] = "redirect_ignored",
		[WHICH_EV_METACOPY] = "metacopy", [WHICH_EV_UNREADABLE] = "unreadable",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

void which_answer_free(struct which_answer *a)
{
	for (size_t i = 0; i < a->n_events; i++) {
		free(a->events[i].path);
		free(a->events[i].target);
	}
	free(a->events);
	free(a->layer_path);
	free(a->data_path);
	free(a->merged);
	free(a->below);
	free(a->stopped_at);
	memset(a, 0, sizeof(*a));
	a->layer = a->data_layer = -1;
}

/* A layer where the current name was found, and under which path. */
struct hit {
	size_t layer;
	char *path;
	mode_t mode;
	bool metacopy;
};

struct hits {
	struct hit *v;
	size_t n;
};

static void hits_free(struct hits *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].path);
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

static int hits_add(struct hits *h, size_t layer, const char *path, mode_t mode, bool metacopy)
{
	struct hit *grown = realloc(h->v, (h->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	h->v = grown;
	grown[h->n] = (struct hit){
		.layer = layer, .path = strdup(path), .mode = mode, .metacopy = metacopy
	};
	if (!grown[h->n].path)
		return -ENOMEM;
	h->n++;
	return 0;
}

static int add_event(struct which_answer *a, enum which_event_kind kind, size_t layer,
		     const char *path, const char *target)
{
	struct which_event *grown = realloc(a->events, (a->n_events + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	a->events = grown;
	grown[a->n_events] = (struct which_event){ .kind = kind,
						   .layer = layer,
						   .path = strdup(path),
						   .target = target ? strdup(target) : NULL };
	if (!grown[a->n_events].path || (target && !grown[a->n_events].target)) {
		free(grown[a->n_events].path);
		free(grown[a->n_events].target);
		return -ENOMEM;
	}
	a->n_events++;
	return 0;
}

static char *join(const char *dir, const char *name)
{
	char *s;

	if (!dir[0])
		return strdup(name);
	if (asprintf(&s, "%s/%s", dir, name) < 0)
		return NULL;
	return s;
}

/* lstat and marks of rel in a layer: 0, -ENOENT when it is not there (also when a parent
 * is not a directory), or another negative errno. */
static int probe(int fd, const char *rel, struct stat *st, struct ovl_marks *m)
{
	int e;

	if (fstatat(fd, rel[0] ? rel : ".", st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -errno;
	e = ovl_marks_read(fd, rel[0] ? rel : NULL, st->st_mode, m);
	return e;
}

/* An absolute redirect is looked up from the layer's root one component at a time, as
 * ovl_lookup_layer does: a missing, whited-out or non-directory parent means "not here";
 * an opaque parent (its path into opaque, else "" stays) means "here, but nothing below
 * this layer" unless the entry's own absolute redirect says otherwise. */
static int probe_parents(int fd, const char *rel, int prefix, char *opaque, size_t len)
{
	char buf[PATH_MAX];
	struct ovl_marks m;
	struct stat st;

	opaque[0] = '\0';
	snprintf(buf, sizeof(buf), "%s", rel);
	for (char *slash = strchr(buf, '/'); slash; slash = strchr(slash + 1, '/')) {
		const struct ovl_mark_set *s;
		int e;

		*slash = '\0';
		e = probe(fd, buf, &st, &m);
		if (e)
			return e;
		s = ovl_marks_pick(&m, prefix);
		if (!S_ISDIR(st.st_mode) || ovl_is_whiteout(&st, s))
			return -ENOENT;
		if (s->opaque == 'y')
			snprintf(opaque, len, "%s", buf);
		*slash = '/';
	}
	return 0;
}

/* A redirect's value is valid as ovl_check_redirect takes it: "/a/b" without empty
 * components, or one name without '/'. */
static bool redirect_valid(const char *r)
{
	if (!r[0])
		return false;
	if (r[0] != '/')
		return !strchr(r, '/');
	for (const char *s = r; *s; s++)
		if (s[0] == '/' && (s[1] == '/' || !s[1]))
			return false;
	return true;
}

/* The state of one component's lookup (ovl_lookup_data in the kernel). */
struct lookup {
	char name[PATH_MAX]; /* relative to each parent, or from the root when absolute */
	bool absolute;
	bool stop, is_dir, metacopy;
	long whiteout_layer;
	const struct hits *cand; /* the parents being asked, top first */
	size_t next; /* the next of them to ask */
	struct hits root; /* the root's layers, once an absolute redirect asks them */
};

/* Follows a redirect found at layer `at` (on a directory, or on a metacopy file for its
 * data), as ovl_check_redirect does: an absolute one is then looked up from the root of
 * every layer below `at`; a relative one replaces the last component of the name. */
static int follow_redirect(const struct which_layer *layers, size_t n, const struct which_opts *o,
			   struct lookup *d, size_t at, const char *rel, const char *redirect,
			   struct which_answer *a)
{
	int e;

	if (!o->follow_redirects || !redirect_valid(redirect))
		return add_event(a, WHICH_EV_REDIRECT_IGNORED, at, rel, redirect);
	if ((e = add_event(a, WHICH_EV_REDIRECT, at, rel, redirect)))
		return e;
	if (redirect[0] == '/') {
		snprintf(d->name, sizeof(d->name), "%s", redirect + 1);
		d->absolute = true;
		d->stop = false; /* an absolute redirect overrides an opaque parent */
		hits_free(&d->root);
		for (size_t i = at + 1; i < n; i++)
			if (layers[i].role != OVL_LAYER_DATA && layers[i].fd >= 0 &&
			    (e = hits_add(&d->root, i, "", S_IFDIR, false)))
				return e;
		d->cand = &d->root;
		d->next = 0;
	} else {
		char *slash = strrchr(d->name, '/');
		size_t keep = slash ? (size_t)(slash - d->name) + 1 : 0;

		snprintf(d->name + keep, sizeof(d->name) - keep, "%s", redirect);
	}
	return 0;
}

/* Replays the lookup of one name in the parent's layers (parents, top first). Fills found
 * with every layer the name is found in until the lookup stops. */
static int lookup_name(const struct which_layer *layers, size_t n, const struct which_opts *o,
		       const struct hits *parents, const char *name, struct lookup *d,
		       struct hits *found, struct which_answer *a)
{
	int e = 0;

	hits_free(&d->root);
	memset(d, 0, sizeof(*d));
	d->whiteout_layer = -1;
	d->cand = parents;
	snprintf(d->name, sizeof(d->name), "%s", name);
	while (!d->stop && d->next < d->cand->n && !e) {
		const struct hit *p = &d->cand->v[d->next++];
		size_t at = p->layer; /* p dies when an absolute redirect rebuilds d->root */
		const struct ovl_mark_set *s;
		char opaque_parent[PATH_MAX] = "";
		struct ovl_marks m;
		struct stat st;
		char *rel = d->absolute ? strdup(d->name) : join(p->path, d->name);

		if (!rel)
			return -ENOMEM;
		if (d->absolute)
			e = probe_parents(layers[at].fd, rel, o->prefix, opaque_parent,
					  sizeof(opaque_parent));
		if (!e)
			e = probe(layers[at].fd, rel, &st, &m);
		if (e) {
			free(rel);
			if (e == -ENOENT)
				e = 0;
			continue;
		}
		s = ovl_marks_pick(&m, o->prefix);
		if (ovl_is_whiteout(&st, s)) {
			d->stop = true;
			d->whiteout_layer = (long)at;
			e = add_event(a, WHICH_EV_WHITEOUT, at, rel, NULL);
		} else if (!S_ISDIR(st.st_mode)) {
			bool meta = S_ISREG(st.st_mode) && s->metacopy;

			if (d->is_dir) {
				d->stop = true; /* hidden by the directory above */
			} else {
				e = hits_add(found, at, rel, st.st_mode, meta);
				/* A metacopy file has its metadata here; the lookup goes on
				 * below for the data. Anything else ends it. */
				d->metacopy = meta;
				d->stop = !meta;
				if (!e && meta)
					e = add_event(a, WHICH_EV_METACOPY, at, rel, NULL);
				if (!e && meta && s->has_redirect)
					e = follow_redirect(layers, n, o, d, at, rel, s->redirect,
							    a);
			}
		} else if (d->metacopy) {
			d->stop = true; /* a directory below a metacopy file holds no data */
		} else {
			d->is_dir = true;
			e = hits_add(found, at, rel, st.st_mode, false);
			if (!e && s->opaque == 'y') {
				/* Opaque: the kernel reads no redirect on it either. */
				d->stop = true;
				e = add_event(a, WHICH_EV_OPAQUE, at, rel, NULL);
			} else if (!e) {
				if (opaque_parent[0]) {
					d->stop = true;
					e = add_event(a, WHICH_EV_OPAQUE, at, opaque_parent, NULL);
				}
				if (!e && s->has_redirect)
					e = follow_redirect(layers, n, o, d, at, rel, s->redirect,
							    a);
			}
		}
		free(rel);
	}
	return e;
}

/* Metacopy data: the first non-metacopy hit below, or a data-only layer holding the
 * absolute redirect. */
static int find_data(const struct which_layer *layers, size_t n, const struct hits *found,
		     const struct lookup *d, struct which_answer *a)
{
	for (size_t i = 1; i < found->n; i++)
		if (!found->v[i].metacopy && S_ISREG(found->v[i].mode)) {
			a->data_layer = (long)found->v[i].layer;
			return (a->data_path = strdup(found->v[i].path)) ? 0 : -ENOMEM;
		}
	if (!d->absolute)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct ovl_marks m;
		struct stat st;

		if (layers[i].role != OVL_LAYER_DATA || layers[i].fd < 0)
			continue;
		if (probe(layers[i].fd, d->name, &st, &m) == 0 && S_ISREG(st.st_mode)) {
			a->data_layer = (long)i;
			return (a->data_path = strdup(d->name)) ? 0 : -ENOMEM;
		}
	}
	return 0;
}

/* Layers below `from` that hold the very path: what a whiteout or opaque dir hides. */
static int find_below(const struct which_layer *layers, size_t n, long from, const char *path,
		      struct which_answer *a)
{
	for (size_t i = from < 0 ? 0 : (size_t)from + 1; i < n; i++) {
		struct stat st;
		long *grown;

		if (layers[i].fd < 0 || layers[i].role == OVL_LAYER_DATA ||
		    fstatat(layers[i].fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (ovl_is_chardev_whiteout(&st))
			continue;
		if (!(grown = realloc(a->below, (a->n_below + 1) * sizeof(*grown))))
			return -ENOMEM;
		a->below = grown;
		grown[a->n_below++] = (long)i;
	}
	return 0;
}

static int set_stop(struct which_answer *a, enum which_result r, const char *merged_path)
{
	a->result = r;
	return (a->stopped_at = strdup(merged_path)) ? 0 : -ENOMEM;
}

/* The components of path: "" and "." dropped; -EINVAL for "..". */
static int split_path(const char *path, char *buf, size_t len, char **comps, size_t *n)
{
	char *save = NULL;

	*n = 0;
	if (snprintf(buf, len, "%s", path) >= (int)len)
		return -ENAMETOOLONG;
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, ".."))
			return -EINVAL;
		comps[(*n)++] = c;
	}
	return 0;
}

int overlay_which(const struct which_layer *layers, size_t n, const struct which_opts *o,
		  const char *path, struct which_answer *a, struct bb_error *err)
{
	char buf[PATH_MAX], merged[PATH_MAX] = "", *comps[PATH_MAX / 2];
	struct hits parents = { 0 }, found = { 0 };
	struct lookup d = { .whiteout_layer = -1 };
	const char *rel = path[0] == '/' ? path + 1 : path;
	long opaque_layer = -1;
	size_t n_comps;
	int e;

	memset(a, 0, sizeof(*a));
	a->layer = a->data_layer = -1;
	if ((e = split_path(path, buf, sizeof(buf), comps, &n_comps)))
		return bb_err(err, -e,
			      e == -EINVAL ? "--which %s: '..' is not walked: give the path from "
					     "the merged root without it"
					   : "--which %s: path too long",
			      path);
	for (size_t i = 0; i < n && !e; i++) {
		if (layers[i].fd < 0)
			e = add_event(a, WHICH_EV_UNREADABLE, i, "", NULL);
		else if (layers[i].role != OVL_LAYER_DATA)
			e = hits_add(&parents, i, "", S_IFDIR, false);
	}
	a->result = WHICH_FOUND;
	for (size_t k = 0; k < n_comps && !e; k++) {
		size_t before = a->n_events;

		snprintf(merged + strlen(merged), sizeof(merged) - strlen(merged), "%s%s",
			 k ? "/" : "", comps[k]);
		hits_free(&found);
		if ((e = lookup_name(layers, n, o, &parents, comps[k], &d, &found, a)))
			break;
		for (size_t i = before; i < a->n_events && opaque_layer < 0; i++)
			if (a->events[i].kind == WHICH_EV_OPAQUE)
				opaque_layer = (long)a->events[i].layer;
		if (!found.n) {
			if (d.whiteout_layer >= 0) {
				a->layer = d.whiteout_layer;
				e = set_stop(a, WHICH_DELETED, merged);
				if (!e)
					e = find_below(layers, n, a->layer, rel, a);
			} else {
				e = set_stop(a, WHICH_ABSENT, merged);
				if (!e && opaque_layer >= 0) {
					e = find_below(layers, n, opaque_layer, rel, a);
					if (!e && a->n_below) {
						a->result = WHICH_HIDDEN;
						a->layer = opaque_layer;
					}
				}
			}
			goto out;
		}
		if (!S_ISDIR(found.v[0].mode) && k + 1 < n_comps) {
			a->layer = (long)found.v[0].layer;
			e = set_stop(a, S_ISLNK(found.v[0].mode) ? WHICH_SYMLINK : WHICH_NOT_DIR,
				     merged);
			goto out;
		}
		hits_free(&parents);
		parents = found;
		found = (struct hits){ 0 };
	}
	if (e)
		goto out;
	/* parents holds where the last component was found (the root's layers for "/"). */
	if (!parents.n) {
		e = set_stop(a, WHICH_ABSENT, merged);
		goto out;
	}
	a->layer = (long)parents.v[0].layer;
	a->type = parents.v[0].mode & S_IFMT;
	if (!(a->layer_path = strdup(parents.v[0].path))) {
		e = -ENOMEM;
		goto out;
	}
	if (S_ISDIR(a->type)) {
		if (!(a->merged = calloc(parents.n, sizeof(*a->merged)))) {
			e = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < parents.n; i++)
			a->merged[a->n_merged++] = parents.v[i].layer;
	} else if (parents.v[0].metacopy) {
		a->metacopy = true;
		e = find_data(layers, n, &parents, &d, a);
	}
out:
	hits_free(&d.root);
	hits_free(&parents);
	hits_free(&found);
	if (e)
		return bb_err(err, -e, "--which %s: cannot read the layers: %s", path,
			      errno_name(-e));
	return 0;
}
