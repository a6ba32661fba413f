/* The upper layer held against the lowers: see upper_changes.h. One layer_scan() walk with
 * a visitor that tracks, per depth, where the current directory lives in the lower layers
 * (NULL under a new or opaque directory, whose entries cannot have a lower counterpart
 * unless a redirect names one). */
#include "upper_changes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "storage/ovl_marks.h"

const char *upper_change_kind_name(enum upper_change_kind k)
{
	static const char *const names[] = {
		[UPPER_DATA] = "data",	       [UPPER_METACOPY] = "metacopy", [UPPER_DIR] = "dir",
		[UPPER_OTHER] = "other",       [UPPER_REPLACED] = "replaced", [UPPER_NEW] = "new",
		[UPPER_WHITEOUT] = "whiteout", [UPPER_REFUSED] = "refused",
	};

	return (unsigned)k < UPPER_KIND_MAX ? names[k] : "?";
}

void upper_changes_free(struct upper_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].lower_path);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* lower_dir's mark for a directory whose redirect the kernel refuses. */
static char refused_dir[] = "";

struct visit {
	const struct which_layer *layers;
	size_t n;
	struct upper_changes *out;
	/* per depth: the directory's path in the lowers, NULL, or refused_dir */
	char **lower_dir;
	size_t *dir_at; /* per depth: the directory's index in out->v */
	size_t depth_cap;
};

/* The path below that corresponds to an upper entry, NULL when it can have none, or
 * refused_dir when the kernel refuses its lookup. */
static char *lower_path_of(const char *parent, const struct layer_entry *e)
{
	const struct ovl_mark_set *s = e->marks;
	const char *name = e->name;
	char *p;

	/* A redirect is read on directories and metacopy files, and is then looked up below:
	 * one that leaves the path (or is malformed) fails in the kernel, never to be
	 * followed out of the layers here either. */
	if (parent == refused_dir || (s->has_redirect && (S_ISDIR(e->st->st_mode) || s->metacopy) &&
				      redirect_check(s->redirect)))
		return refused_dir;
	if (s->has_redirect && s->redirect[0] == '/')
		return strdup(s->redirect + 1);
	if (s->has_redirect && !strchr(s->redirect, '/'))
		name = s->redirect;
	if (!parent)
		return NULL;
	if (!parent[0])
		return strdup(name);
	return asprintf(&p, "%s/%s", parent, name) < 0 ? NULL : p;
}

static int set_depth(struct visit *v, unsigned depth, char *lower)
{
	if (depth >= v->depth_cap) {
		size_t cap = depth + 16;
		char **grown = realloc(v->lower_dir, cap * sizeof(*grown));
		size_t *at;

		if (grown)
			v->lower_dir = grown;
		at = grown ? realloc(v->dir_at, cap * sizeof(*at)) : NULL;
		if (!at) {
			free(lower);
			return -ENOMEM;
		}
		v->dir_at = at;
		for (size_t i = v->depth_cap; i < cap; i++) {
			grown[i] = NULL;
			at[i] = 0;
		}
		v->depth_cap = cap;
	}
	if (v->lower_dir[depth] != refused_dir)
		free(v->lower_dir[depth]);
	v->lower_dir[depth] = lower;
	return 0;
}

static int classify(void *ctx, const struct layer_entry *e, struct bb_error *err)
{
	struct visit *v = ctx;
	struct upper_changes *out = v->out;
	const char *parent = v->lower_dir[e->depth - 1];
	char *lower = lower_path_of(parent, e);
	mode_t type = e->st->st_mode & S_IFMT, ltype = 0;
	struct upper_change *c, *grown;
	long at = -1;

	for (size_t i = 0; lower && lower != refused_dir && i < v->n && at < 0; i++) {
		struct stat st;

		if (v->layers[i].role != OVL_LAYER_LOWER || v->layers[i].fd < 0 ||
		    layer_lstat(v->layers[i].fd, lower, &st) < 0 || ovl_is_chardev_whiteout(&st))
			continue;
		at = (long)i;
		ltype = st.st_mode & S_IFMT;
	}
	grown = realloc(out->v, (out->n + 1) * sizeof(*grown));
	if (!grown) {
		if (lower != refused_dir)
			free(lower);
		return bb_err(err, ENOMEM, "out of memory");
	}
	out->v = grown;
	c = &out->v[out->n];
	memset(c, 0, sizeof(*c));
	c->type = type;
	c->lower = at;
	if (lower == refused_dir)
		c->kind = UPPER_REFUSED;
	else if (ovl_is_whiteout(e->st, e->marks))
		c->kind = UPPER_WHITEOUT;
	else if (at < 0)
		c->kind = UPPER_NEW;
	else if (ltype != type || (type == S_IFDIR && e->marks->opaque == 'y'))
		c->kind = UPPER_REPLACED;
	else if (type == S_IFDIR)
		c->kind = UPPER_DIR;
	else if (type == S_IFREG)
		c->kind = e->marks->metacopy ? UPPER_METACOPY : UPPER_DATA;
	else
		c->kind = UPPER_OTHER;
	if (!(c->path = strdup(e->path)) || (at >= 0 && !(c->lower_path = strdup(lower)))) {
		free(c->path);
		if (lower != refused_dir)
			free(lower);
		return bb_err(err, ENOMEM, "out of memory");
	}
	out->n++;
	out->count[c->kind]++;
	/* Every ancestor directory that was copied up is the parent of a change; once one is
	 * marked, so are those above it. */
	for (unsigned d = e->depth - 1; d >= 1; d--) {
		struct upper_change *a = &out->v[v->dir_at[d]];

		if (a->parent)
			break;
		a->parent = true;
		out->parents += a->kind == UPPER_DIR;
	}
	if (type != S_IFDIR) {
		if (lower != refused_dir)
			free(lower);
		return 0;
	}
	/* Below an opaque directory nothing maps down, but for an absolute redirect. */
	if (lower != refused_dir && (e->marks->opaque == 'y' || at < 0 || ltype != S_IFDIR)) {
		free(lower);
		lower = NULL;
	}
	if (set_depth(v, e->depth, lower))
		return bb_err(err, ENOMEM, "out of memory");
	v->dir_at[e->depth] = out->n - 1;
	return 0;
}

int upper_changes_scan(const struct which_layer *layers, size_t n, const char *upper_dir,
		       int prefix, struct upper_changes *out, struct bb_error *err)
{
	struct visit v = { .layers = layers, .n = n, .out = out };
	int e;

	memset(out, 0, sizeof(*out));
	if ((e = set_depth(&v, 0, strdup(""))) || !v.lower_dir[0]) {
		e = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	e = layer_scan(upper_dir, prefix, &out->layer, classify, &v, err);
out:
	for (size_t i = 0; i < v.depth_cap; i++)
		if (v.lower_dir[i] != refused_dir)
			free(v.lower_dir[i]);
	free(v.lower_dir);
	free(v.dir_at);
	if (e)
		upper_changes_free(out);
	return e;
}
