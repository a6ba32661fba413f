/* An imported image as a layer stack: see image_stack.h. One walk of every layer collects
 * candidates (the largest files, whiteouts, opaque dirs, the fullest dir); overlay_which()
 * then keeps only those whose merged answer is what the role claims. */
#include "image_stack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image_marker.h"
#include "inspect/layer_scan.h"
#include "storage/ovl_marks.h"
#include "inspect/overlay_which.h"

/* Candidates kept per kind and layer: enough that some survive the lookup replay. */
#define KEEP 8

struct candidate {
	char path[256];
	unsigned long long size; /* files: bytes; dirs: entries */
};

/* The best KEEP by size (largest first); equal sizes keep the first seen (name order). */
struct shortlist {
	struct candidate c[KEEP];
	size_t n;
};

struct layer_finds {
	struct shortlist files, dirs;
	struct shortlist whiteouts, opaque; /* first seen, size unused */
};

static void shortlist_add(struct shortlist *l, const char *path, unsigned long long size)
{
	size_t at = l->n;

	if (strlen(path) >= sizeof(l->c[0].path))
		return;
	while (at > 0 && l->c[at - 1].size < size)
		at--;
	if (at == KEEP)
		return;
	if (l->n < KEEP)
		l->n++;
	memmove(&l->c[at + 1], &l->c[at], (l->n - 1 - at) * sizeof(l->c[0]));
	snprintf(l->c[at].path, sizeof(l->c[at].path), "%s", path);
	l->c[at].size = size;
}

static unsigned long long count_entries(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	unsigned long long n = 0;
	struct dirent *d;
	DIR *dir;

	if (fd < 0)
		return 0;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 0;
	}
	while ((d = readdir(dir)))
		n += strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
	closedir(dir);
	return n;
}

static int collect(void *ctx, const struct layer_entry *e, struct bb_error *err)
{
	struct layer_finds *f = ctx;
	const struct stat *st = e->st;

	(void)err;
	if (ovl_is_whiteout(st, e->marks))
		shortlist_add(&f->whiteouts, e->path, 0);
	else if (S_ISREG(st->st_mode))
		shortlist_add(&f->files, e->path, (unsigned long long)st->st_size);
	else if (S_ISDIR(st->st_mode)) {
		if (e->marks && e->marks->opaque == 'y')
			shortlist_add(&f->opaque, e->path, 0);
		shortlist_add(&f->dirs, e->path, count_entries(e->dirfd, e->name));
	}
	return 0;
}

/* The xattr prefix image.json records; -1 (either) when there is none. Refuses what a
 * reader of an image must (an import still writing it, a planted image.json). */
static int image_prefix(const char *dir, int *prefix, struct bb_error *err)
{
	json_t *doc, *v;
	int e;

	*prefix = -1;
	if ((e = image_dir_manifest(dir, &doc, err)) || !doc)
		return e;
	v = json_object_get(doc, "xattr_prefix");
	if (json_is_string(v))
		*prefix = ovl_prefix_parse(json_string_value(v));
	json_decref(doc);
	return 0;
}

struct replay {
	struct which_layer *layers; /* top first */
	size_t n;
	struct which_opts opts;
};

/* The answer for path, as the stack's layer number (0 = bottom) of the deciding layer, or -1
 * when it is not `want`. */
static int replay_layer(const struct replay *r, const char *path, enum which_result want,
			unsigned long long *size)
{
	struct which_answer a = { 0 };
	struct bb_error err = { 0 };
	int layer = -1;

	if (overlay_which(r->layers, r->n, &r->opts, path, &a, &err))
		return -1;
	if (a.result == want) {
		layer = a.layer >= 0 ? (int)(r->n - 1 - (size_t)a.layer) : 0;
		if (want == WHICH_FOUND && size && S_ISREG(a.type)) {
			char *p = a.layer_path ? a.layer_path : (char *)path;
			struct stat st;

			if (fstatat(r->layers[a.layer].fd, p[0] == '/' ? p + 1 : p, &st,
				    AT_SYMLINK_NOFOLLOW) == 0)
				*size = (unsigned long long)st.st_size;
		} else if (want == WHICH_FOUND && size) {
			layer = -1; /* a directory is not the file the role wants */
		}
	}
	which_answer_free(&a);
	return layer;
}

/* Whether path is a directory in the merged view. */
static bool replay_is_dir(const struct replay *r, const char *path)
{
	struct which_answer a = { 0 };
	struct bb_error err = { 0 };
	bool dir;

	if (overlay_which(r->layers, r->n, &r->opts, path, &a, &err))
		return false;
	dir = a.result == WHICH_FOUND && S_ISDIR(a.type);
	which_answer_free(&a);
	return dir;
}

static int plant(struct layer_stack *s, const char *path, enum planted_kind kind, int layer,
		 const char *role, unsigned long long size, struct bb_error *err)
{
	if (layer_stack_plant(s, path, kind, layer, role, size))
		return bb_err(err, ENOMEM, "out of memory");
	return 0;
}

/* The largest file layer k provides in the merged view, planted as both roles. */
static int plant_file(struct layer_stack *s, const struct replay *r, const struct layer_finds *f,
		      int k, const char *found_role, const char *copyup_role, struct bb_error *err)
{
	for (size_t i = 0; i < f[k].files.n; i++) {
		const char *p = f[k].files.c[i].path;
		unsigned long long size = 0;
		int e;

		if (replay_layer(r, p, WHICH_FOUND, &size) != k)
			continue;
		if ((e = plant(s, p, PLANT_FOUND, k, found_role, size, err)) ||
		    (e = plant(s, p, PLANT_FOUND, k, copyup_role, size, err)))
			return e;
		return 0;
	}
	return 0;
}

/* A whiteout of layer k that deletes its name in the merged view. */
static int plant_whiteout(struct layer_stack *s, const struct replay *r,
			  const struct layer_finds *f, int k, const char *role,
			  struct bb_error *err)
{
	for (size_t i = 0; i < f[k].whiteouts.n; i++)
		if (replay_layer(r, f[k].whiteouts.c[i].path, WHICH_DELETED, NULL) == k)
			return plant(s, f[k].whiteouts.c[i].path, PLANT_WHITEOUT, k, role, 0, err);
	return 0;
}

/* The first entry of dir (in layer fd) whose merged lookup says hidden, into out. */
static bool find_hidden(const struct replay *r, int fd, const char *dir, char *out, size_t len)
{
	int dfd = openat(fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool found = false;
	struct dirent *d;
	DIR *dp;

	if (dfd < 0)
		return false;
	dp = fdopendir(dfd);
	if (!dp) {
		close(dfd);
		return false;
	}
	while (!found && (d = readdir(dp))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if ((size_t)snprintf(out, len, "%s/%s", dir, d->d_name) >= len)
			continue;
		found = replay_layer(r, out, WHICH_HIDDEN, NULL) >= 0;
	}
	closedir(dp);
	return found;
}

/* A name a lower layer has under a dir that an opaque dir above hides from the merge. */
static int plant_hidden(struct layer_stack *s, const struct replay *r, const struct layer_finds *f,
			int depth, struct bb_error *err)
{
	char path[256];

	for (int k = depth - 1; k > 0; k--)
		for (size_t i = 0; i < f[k].opaque.n; i++)
			for (int low = k - 1; low >= 0; low--)
				if (find_hidden(r, r->layers[depth - 1 - low].fd,
						f[k].opaque.c[i].path, path, sizeof(path)))
					return plant(s, path, PLANT_HIDDEN, k, "opaque", 0, err);
	return 0;
}

static int plant_roles(struct layer_stack *s, const struct replay *r, const struct layer_finds *f,
		       struct bb_error *err)
{
	int depth = (int)s->params.depth, top = depth - 1, e, lo = -1, hi = -1;
	static const char absent[] = ".boxbench-absent-name";
	const struct candidate *fullest = NULL;

	if ((e = plant_file(s, r, f, top, "found-top", "copyup-top", err)) ||
	    (depth > 1 && (e = plant_file(s, r, f, 0, "found-bottom", "copyup-bottom", err))))
		return e;
	for (int k = 0; k < depth; k++)
		if (f[k].whiteouts.n) {
			hi = k;
			lo = lo < 0 ? k : lo;
		}
	if (hi >= 0 && (e = plant_whiteout(s, r, f, hi, "whiteout-top", err)))
		return e;
	if (lo >= 0 && lo != hi && (e = plant_whiteout(s, r, f, lo, "whiteout-bottom", err)))
		return e;
	if ((e = plant_hidden(s, r, f, depth, err)))
		return e;
	if (replay_layer(r, absent, WHICH_ABSENT, NULL) >= 0 &&
	    (e = plant(s, absent, PLANT_ABSENT, -1, "absent", 0, err)))
		return e;
	/* The fullest dir of any layer that the merged view still has as a dir (a whiteout or
	 * a file above can take it away). */
	for (int k = 0; k < depth; k++)
		for (size_t i = 0; i < f[k].dirs.n; i++)
			if ((!fullest || f[k].dirs.c[i].size > fullest->size) &&
			    replay_is_dir(r, f[k].dirs.c[i].path))
				fullest = &f[k].dirs.c[i];
	if (fullest &&
	    (e = plant(s, fullest->path, PLANT_FOUND, -1, "readdir", fullest->size, err)))
		return e;
	return 0;
}

static unsigned count_layers(const char *dir)
{
	char path[PATH_MAX];
	unsigned n = 0;
	struct stat st;

	for (;; n++) {
		snprintf(path, sizeof(path), "%s/l/%u", dir, n);
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			return n;
		if (n > LAYER_STACK_MAX_DEPTH)
			return n;
	}
}

int image_stack_open(const char *dir, struct layer_stack *s, struct bb_error *err)
{
	struct replay r = { 0 };
	struct layer_finds *finds = NULL;
	char abs[PATH_MAX], path[PATH_MAX + 16];
	int e = 0, prefix;
	unsigned depth;

	memset(s, 0, sizeof(*s));
	if (!realpath(dir, abs))
		return bb_err(err, errno, "cannot use the image %s: %s", dir, errno_name(errno));
	if ((e = image_prefix(abs, &prefix, err)))
		return e;
	depth = count_layers(abs);
	if (depth == 0)
		return bb_err(err, ENOENT,
			      "%s is no imported image: it has no l/0 (make one with 'boxbench "
			      "image import SRC %s')",
			      abs, dir);
	if (depth > LAYER_STACK_MAX_DEPTH)
		return bb_err(err, E2BIG, "%s has more than %d layers: overlay stacks at most %d",
			      abs, LAYER_STACK_MAX_DEPTH, LAYER_STACK_MAX_DEPTH);
	snprintf(s->dir, sizeof(s->dir), "%s", abs);
	layer_stack_params_default(&s->params);
	s->params.depth = depth;
	s->params.n_copyup_sizes = 0;
	layer_stack_key(&s->params, s->key);

	finds = calloc(depth, sizeof(*finds));
	r.layers = calloc(depth, sizeof(*r.layers));
	if (!finds || !r.layers) {
		e = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	r.n = depth;
	for (unsigned k = 0; k < depth; k++)
		r.layers[k].fd = -1;
	r.opts.prefix = prefix;
	r.opts.follow_redirects = true;
	for (unsigned k = 0; k < depth; k++) {
		struct layer_counts counts = { 0 };
		struct which_layer *l = &r.layers[depth - 1 - k];

		snprintf(path, sizeof(path), "%s/l/%u", abs, k);
		l->role = OVL_LAYER_LOWER;
		l->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (l->fd < 0) {
			e = bb_err(err, errno, "cannot open the layer %s: %s", path,
				   errno_name(errno));
			goto out;
		}
		if ((e = layer_scan(path, r.opts.prefix, &counts, collect, &finds[k], err))) {
			bb_err_wrap(err, "while reading the image's layer %u", k);
			goto out;
		}
	}
	e = plant_roles(s, &r, finds, err);
out:
	for (size_t i = 0; r.layers && i < r.n; i++)
		if (r.layers[i].fd >= 0)
			close(r.layers[i].fd);
	free(r.layers);
	free(finds);
	if (e)
		layer_stack_free(s);
	return e;
}
