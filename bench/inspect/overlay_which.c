/* overlay's lookup, replayed on the layer dirs: see overlay_which.h. It ports
 * fs/overlayfs/namei.c (ovl_lookup_layers, ovl_lookup_layer, ovl_lookup_single and
 * ovl_check_redirect, as in Linux 6.18) onto the layers' own entries, so the answer is what a
 * fresh mount would give, failures included: nothing is read through the overlay, whose
 * dentry cache may know better only while it is mounted. Every name is looked up beneath its
 * layer's root without following a symlink, so a redirect or a layer changed meanwhile can
 * never make the replay read the host's files. */
#include "overlay_which.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "storage/ovl_marks.h"

const char *which_result_name(enum which_result r)
{
	static const char *const names[] = {
		[WHICH_FOUND] = "found",
		[WHICH_DELETED] = "deleted",
		[WHICH_HIDDEN] = "hidden",
		[WHICH_ABSENT] = "absent",
		[WHICH_NOT_DIR] = "not_a_directory",
		[WHICH_SYMLINK] = "symlink",
		[WHICH_REFUSED] = "refused",
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

/* dir/name, name being the first len bytes of comp. */
static char *join(const char *dir, const char *comp, size_t len)
{
	char *s;

	if (asprintf(&s, "%s%s%.*s", dir, dir[0] ? "/" : "", (int)len, comp) < 0)
		return NULL;
	return s;
}

/* ---- looking inside one layer, never outside it ---- */

static bool is_dot_or_dotdot(const char *c, size_t len)
{
	return (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.');
}

/* The parent dir of rel opened beneath the layer, as the kernel walks it: no symlink, no
 * "..", no magic link. -ENOENT when it is no directory there. */
static int open_parent(int layer_fd, const char *rel, const char **name)
{
	const char *slash = strrchr(rel, '/');
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	char parent[PATH_MAX];
	long fd;

	*name = rel;
	if (!slash)
		return layer_fd;
	if ((size_t)(slash - rel) >= sizeof(parent))
		return -ENOENT; /* the kernel's lookups say ENAMETOOLONG: not there */
	memcpy(parent, rel, (size_t)(slash - rel));
	parent[slash - rel] = '\0';
	*name = slash + 1;
	fd = syscall(SYS_openat2, layer_fd, parent, &how, sizeof(how));
	if (fd >= 0)
		return (int)fd;
	/* A symlink, a non-directory or a missing parent: the name is not in this layer. */
	if (errno == ELOOP || errno == ENOTDIR || errno == ENOENT || errno == EXDEV ||
	    errno == ENAMETOOLONG)
		return -ENOENT;
	return -errno;
}

/* Every component of rel must be a name: a "." or ".." would leave the path the kernel
 * looks up (and could leave the layer). */
static bool only_names(const char *rel)
{
	for (const char *p = rel; *p;) {
		const char *end = strchrnul(p, '/');

		if (is_dot_or_dotdot(p, (size_t)(end - p)))
			return false;
		p = *end ? end + 1 : end;
	}
	return true;
}

/* lstat and marks of rel in a layer: 0, -ENOENT when it is not there (also when a parent
 * is not a directory), or another negative errno. */
static int probe(int fd, const char *rel, struct stat *st, struct ovl_marks *m)
{
	const char *name;
	int dfd, e = 0;

	if (!only_names(rel))
		return -ENOENT;
	dfd = open_parent(fd, rel, &name);
	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, name[0] ? name : ".", st, AT_SYMLINK_NOFOLLOW) < 0)
		e = errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG ? -ENOENT : -errno;
	else if (m)
		e = ovl_marks_read(dfd, name[0] ? name : NULL, st->st_mode, m);
	if (dfd != fd)
		close(dfd);
	return e;
}

int layer_lstat(int layer_fd, const char *rel, struct stat *st)
{
	return probe(layer_fd, rel, st, NULL);
}

/* ovl_get_redirect_xattr's check of the value, then lookup_one's of each component. */
int redirect_check(const char *r)
{
	if (!r[0])
		return -EINVAL;
	if (r[0] != '/')
		return strchr(r, '/') ? -EINVAL : is_dot_or_dotdot(r, strlen(r)) ? -EACCES : 0;
	for (const char *s = r; *s;) {
		const char *next = strchrnul(s + 1, '/');

		if (next == s + 1)
			return -EINVAL; /* "//" or a trailing '/' */
		if (is_dot_or_dotdot(s + 1, (size_t)(next - s - 1)))
			return -EACCES;
		s = next;
	}
	return 0;
}

/* ---- the kernel's lookup of one name ---- */

/* The state of one name's lookup (ovl_lookup_data in the kernel). */
struct lookup {
	char name[PATH_MAX]; /* a name, or "/a/b" from the layers' roots after a redirect */
	bool is_dir, opaque, stop, last, metacopy, absolute_redirect;
	bool redirected; /* a redirect was taken (d->redirect, d->upperredirect) */
	size_t redirect_layer, metacopy_layer;
	long whiteout_layer;
	int refused; /* the errno the kernel's lookup fails with; 0 while it does not */
	size_t refused_layer;
	const char *why;
};

/* What every step of a lookup needs. */
struct walk {
	const struct which_layer *layers;
	size_t n;
	const struct which_opts *o;
	size_t bottom; /* the lowest lower layer (not data-only): ovl_numlower(roe) */
	bool has_data; /* data-only layers: ofs->numdatalayer */
	struct which_answer *a;
};

/* What ovl_lookup_layer found in one layer: its path there, or NULL. */
struct entry {
	char *path;
	mode_t mode;
	bool metacopy;
};

#define REFUSED 1 /* returned (positive) once d->refused is set */

static int refuse(struct lookup *d, int code, size_t layer, const char *why)
{
	d->refused = code;
	d->refused_layer = layer;
	d->why = why;
	d->stop = true;
	return REFUSED;
}

/* ovl_check_redirect: a redirect on the entry at path (in layer at) replaces the name, the
 * whole of it when absolute, else the component at prelen; post is what follows it. */
static int check_redirect(struct walk *w, struct lookup *d, size_t at, const char *path,
			  const struct ovl_mark_set *s, size_t prelen, const char *post)
{
	char buf[PATH_MAX];
	int e, n;

	d->absolute_redirect = false;
	if (!s->has_redirect)
		return 0;
	if ((e = add_event(w->a, WHICH_EV_REDIRECT, at, path, s->redirect)))
		return e;
	if (redirect_check(s->redirect) == -EINVAL)
		return refuse(d, EINVAL, at,
			      "a malformed redirect (an empty component, or a '/' in a relative "
			      "one): the kernel's ovl_get_redirect_xattr refuses it");
	if (s->redirect[0] == '/') {
		d->absolute_redirect = true;
		d->stop = false; /* an absolute redirect overrides an opaque parent */
		n = snprintf(buf, sizeof(buf), "%s%s", s->redirect, post);
	} else {
		n = snprintf(buf, sizeof(buf), "%.*s%s%s", (int)prelen, d->name, s->redirect, post);
	}
	if (n >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(d->name, buf, (size_t)n + 1);
	d->redirected = true;
	d->redirect_layer = at;
	return 0;
}

/* ovl_lookup_single: the component comp (len bytes) in the dir base of layer at. */
static int lookup_single(struct walk *w, struct lookup *d, size_t at, const char *base,
			 const char *comp, size_t len, size_t prelen, const char *post,
			 struct entry *out)
{
	bool last_element = !post[0];
	const struct ovl_mark_set *s;
	struct ovl_marks m;
	struct stat st;
	char *path;
	int e;

	out->path = NULL;
	/* Only a redirect can bring these (the caller's path has none), so name its layer. */
	if (!len || is_dot_or_dotdot(comp, len))
		return refuse(d, EACCES, d->redirected ? d->redirect_layer : at,
			      "a redirect leads the lookup to a \".\" or \"..\" component, which "
			      "the kernel's lookup_one refuses");
	if (!(path = join(base, comp, len)))
		return -ENOMEM;
	e = probe(w->layers[at].fd, path, &st, &m);
	if (e) {
		free(path);
		return e == -ENOENT ? 0 : e;
	}
	s = ovl_marks_pick(&m, w->o->prefix);
	if (ovl_is_whiteout(&st, s)) {
		d->stop = d->opaque = true;
		if (last_element)
			d->whiteout_layer = (long)at;
		e = add_event(w->a, WHICH_EV_WHITEOUT, at, path, NULL);
		free(path);
		return e;
	}
	/* Below a metacopy file only a regular file can hold its data. */
	if ((last_element && d->metacopy && !S_ISREG(st.st_mode)) ||
	    (!S_ISDIR(st.st_mode) && (d->is_dir || !last_element))) {
		d->stop = true;
		free(path);
		return 0;
	}
	*out = (struct entry){ .path = path, .mode = st.st_mode };
	if (!S_ISDIR(st.st_mode)) {
		d->metacopy = out->metacopy = S_ISREG(st.st_mode) && s->metacopy;
		d->stop = !d->metacopy;
		if (d->metacopy) {
			d->metacopy_layer = at;
			if ((e = add_event(w->a, WHICH_EV_METACOPY, at, path, NULL)))
				return e;
		}
		if (!d->metacopy || d->last)
			return 0;
	} else {
		if (last_element)
			d->is_dir = true;
		if (d->last)
			return s->has_redirect ? add_event(w->a, WHICH_EV_REDIRECT_IGNORED, at,
							   path, s->redirect)
					       : 0;
		if (s->opaque == 'y') {
			/* The kernel reads no redirect on an opaque dir. */
			d->stop = true;
			d->opaque |= last_element;
			return add_event(w->a, WHICH_EV_OPAQUE, at, path, NULL);
		}
	}
	return check_redirect(w, d, at, path, s, prelen, post);
}

/* ovl_lookup_layer: d->name in layer at, below base for a name, from the layer's root one
 * component at a time for an absolute path (whose prefix a redirect may change midway). */
static int lookup_layer(struct walk *w, struct lookup *d, size_t at, const char *base,
			struct entry *out)
{
	size_t rem;
	char *dir;

	if (d->name[0] != '/')
		return lookup_single(w, d, at, base, d->name, strlen(d->name), 0, "", out);
	rem = strlen(d->name) - 1; /* counted from the end: the prefix can change */
	if (!(dir = strdup("")))
		return -ENOMEM;
	for (;;) {
		size_t len = strlen(d->name);
		const char *s = d->name + len - rem, *next = strchrnul(s, '/');
		size_t thislen = (size_t)(next - s);
		bool end = !next[0];
		char post[PATH_MAX];
		int e;

		snprintf(post, sizeof(post), "%s", next);
		e = lookup_single(w, d, at, dir, s, thislen, len - rem, post, out);
		free(dir);
		if (e || !out->path || end)
			return e;
		dir = out->path; /* a directory: anything else ended the walk */
		out->path = NULL;
		rem -= thislen + 1;
	}
}

/* The layers an absolute redirect found at `at` sends the lookup to: every lower layer
 * below it, from its root. */
static int root_below(const struct walk *w, size_t at, struct hits *root)
{
	hits_free(root);
	for (size_t i = at + 1; i < w->n; i++)
		if (w->layers[i].role == OVL_LAYER_LOWER && w->layers[i].fd >= 0) {
			int e = hits_add(root, i, "", S_IFDIR, false);

			if (e)
				return e;
		}
	return 0;
}

/* One layer's turn: look the name up there and keep where it was found. */
static int step(struct walk *w, struct lookup *d, const struct hit *p, struct hits *found,
		bool *hit)
{
	struct entry this = { 0 };
	int e = lookup_layer(w, d, p->layer, d->name[0] == '/' ? "" : p->path, &this);

	*hit = this.path != NULL;
	if (!e && this.path)
		e = hits_add(found, p->layer, this.path, this.mode, this.metacopy);
	free(this.path);
	return e;
}

/* ovl_check_follow_redirect: what this mount refuses to follow. */
static int check_follow(const struct walk *w, struct lookup *d)
{
	if (d->metacopy && w->o->refuse_metacopy)
		return refuse(d, EPERM, d->metacopy_layer,
			      "a metacopy file on a mount without metacopy=on: the kernel "
			      "refuses to follow it to its data");
	if (d->redirected && !w->o->follow_redirects)
		return refuse(d, EPERM, d->redirect_layer,
			      "a redirect on a mount that does not follow them (redirect_dir="
			      "nofollow, or off without redirect_always_follow)");
	return 0;
}

/* ovl_lookup_layers: one name looked up in its parent's layers (top first), filling found
 * with every layer it is found in until the lookup stops. Returns REFUSED (d says why)
 * where the kernel's lookup fails. */
static int lookup_name(struct walk *w, const struct hits *parents, const char *name,
		       struct lookup *d, struct hits *found)
{
	bool check_redirect = w->o->follow_redirects || w->has_data, hit, upper = false;
	const struct hits *cand = parents;
	struct hits root = { 0 };
	size_t i = 0;
	int e = 0;

	memset(d, 0, sizeof(*d));
	d->whiteout_layer = -1;
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (cand->n && w->layers[cand->v[0].layer].role == OVL_LAYER_UPPER) {
		d->last = check_redirect ? false : cand->n == 1;
		if ((e = step(w, d, &cand->v[0], found, &hit)))
			goto out;
		upper = hit;
		i = 1;
		if (d->redirected && d->name[0] == '/') {
			if ((e = root_below(w, cand->v[0].layer, &root)))
				goto out;
			cand = &root;
			i = 0;
		}
	}
	while (!d->stop && i < cand->n) {
		const struct hit *p = &cand->v[i++];
		size_t at = p->layer;

		if ((e = check_follow(w, d)))
			goto out;
		if (!check_redirect)
			d->last = i == cand->n;
		else if (d->is_dir || !w->has_data)
			d->last = at == w->bottom;
		if ((e = step(w, d, p, found, &hit)))
			goto out;
		if (!hit || d->stop)
			continue;
		if (d->redirected && d->name[0] == '/' && cand != &root) {
			if ((e = root_below(w, at, &root)))
				goto out;
			cand = &root;
			i = 0;
		}
	}
	/* A metacopy file with an absolute redirect finds its data in a data-only layer at
	 * first open; anything else must have had its data below by now. */
	if (d->metacopy && found->n > upper && w->has_data && d->absolute_redirect)
		goto out;
	if ((e = check_follow(w, d)))
		goto out;
	if (d->metacopy)
		e = refuse(d, EIO, d->metacopy_layer,
			   "a metacopy file with no data below it: the kernel aborts the lookup");
out:
	hits_free(&root);
	return e;
}

/* ---- the whole path ---- */

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
	if (d->name[0] != '/')
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (layers[i].role != OVL_LAYER_DATA || layers[i].fd < 0)
			continue;
		if (layer_lstat(layers[i].fd, d->name + 1, &st) == 0 && S_ISREG(st.st_mode)) {
			a->data_layer = (long)i;
			return (a->data_path = strdup(d->name + 1)) ? 0 : -ENOMEM;
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
		    layer_lstat(layers[i].fd, path, &st) < 0)
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

/* The path as it is in the layers, from its components: the user's "a//./b" is "a/b". */
static void join_comps(char *out, size_t len, char *const *comps, size_t n)
{
	out[0] = '\0';
	for (size_t k = 0; k < n; k++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", k ? "/" : "", comps[k]);
}

int overlay_which(const struct which_layer *layers, size_t n, const struct which_opts *o,
		  const char *path, struct which_answer *a, struct bb_error *err)
{
	char buf[PATH_MAX], merged[PATH_MAX] = "", rel[PATH_MAX], *comps[PATH_MAX / 2];
	struct hits parents = { 0 }, found = { 0 };
	struct walk w = { .layers = layers, .n = n, .o = o, .a = a };
	struct lookup d = { .whiteout_layer = -1 };
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
	join_comps(rel, sizeof(rel), comps, n_comps);
	for (size_t i = 0; i < n && !e; i++) {
		if (layers[i].role == OVL_LAYER_DATA)
			w.has_data = true;
		else
			w.bottom = i;
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
		e = lookup_name(&w, &parents, comps[k], &d, &found);
		if (e == REFUSED) {
			a->layer = (long)d.refused_layer;
			a->error = d.refused;
			a->why = d.why;
			e = set_stop(a, WHICH_REFUSED, merged);
			goto out;
		}
		if (e)
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
	hits_free(&parents);
	hits_free(&found);
	if (e)
		return bb_err(err, -e, "--which %s: cannot read the layers: %s", path,
			      errno_name(-e));
	return 0;
}
