/* The per-layer walk: see layer_scan.h. Directory fds down the tree, fstatat on names,
 * xattrs through the parent's fd: no full path is ever resolved, so a symlink inside the
 * layer cannot lead the walk elsewhere. */
#include "layer_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct walk {
	const char *root;
	dev_t dev;
	int prefix;
	struct layer_counts *c;
	layer_visit_fn visit;
	void *ctx;
	struct bb_error *err;
	char path[PATH_MAX];
	/* One entry's marks at a time (used before descending): two PATH_MAX redirect buffers
	 * per directory level would make deep trees a stack problem. */
	struct ovl_marks marks;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in fd, sorted, so output and visitors see a stable order. Takes fd. */
static int read_names(int fd, char ***out, size_t *n)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d) {
		int e = errno;

		close(fd);
		return -e;
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			char **grown = realloc(v, (cap = cap ? 2 * cap : 32) * sizeof(*v));

			if (!grown)
				goto nomem;
			v = grown;
		}
		if (!(v[*n] = strdup(de->d_name)))
			goto nomem;
		(*n)++;
		errno = 0;
	}
	if (errno) {
		int e = errno;

		closedir(d);
		for (size_t i = 0; i < *n; i++)
			free(v[i]);
		free(v);
		return -e;
	}
	closedir(d);
	if (*n) /* qsort(NULL, 0) is undefined */
		qsort(v, *n, sizeof(*v), by_name);
	*out = v;
	return 0;
nomem:
	closedir(d);
	for (size_t i = 0; i < *n; i++)
		free(v[i]);
	free(v);
	return -ENOMEM;
}

static void count(struct walk *w, const struct stat *st, const struct ovl_marks *m,
		  const struct ovl_mark_set *s)
{
	struct layer_counts *c = w->c;

	if (S_ISREG(st->st_mode)) {
		if (s->whiteout)
			c->whiteouts_xattr++;
		else
			c->files++;
		c->bytes += (unsigned long long)st->st_size;
		c->alloc_bytes += (unsigned long long)st->st_blocks * 512;
		c->metacopy += s->metacopy;
	} else if (S_ISDIR(st->st_mode)) {
		c->dirs++;
		c->opaque_dirs += s->opaque == 'y';
		c->xwhiteout_dirs += s->opaque == 'x';
	} else if (S_ISLNK(st->st_mode)) {
		c->symlinks++;
	} else if (ovl_is_chardev_whiteout(st)) {
		c->whiteouts_chardev++;
	} else {
		c->others++;
	}
	c->redirects += s->has_redirect;
	if (w->prefix >= 0) {
		const struct ovl_mark_set *o = &m->set[!w->prefix];

		c->foreign_marks += o->whiteout || o->opaque || o->metacopy || o->has_redirect;
	}
}

static int scan_dir(struct walk *w, int fd, size_t len, unsigned depth)
{
	char **names = NULL;
	size_t n = 0;
	int e;

	/* fdopendir takes the fd; the walk keeps its own for fstatat and openat. */
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (dup_fd < 0)
		return bb_err(w->err, errno, "cannot scan %s/%s: %s", w->root, w->path,
			      errno_name(errno));
	if ((e = read_names(dup_fd, &names, &n)))
		return bb_err(w->err, -e, "cannot read directory %s/%s: %s", w->root, w->path,
			      errno_name(-e));
	for (size_t i = 0; i < n && !e; i++) {
		struct ovl_marks *m = &w->marks;
		struct stat st;
		size_t nlen = strlen(names[i]);

		if (len + !!len + nlen >= sizeof(w->path)) {
			e = bb_err(w->err, ENAMETOOLONG, "path too long in %s: %s/%s", w->root,
				   w->path, names[i]);
			break;
		}
		if (len)
			w->path[len] = '/';
		memcpy(w->path + len + !!len, names[i], nlen + 1);
		if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT) /* removed while we looked: a live layer */
				continue;
			e = bb_err(w->err, errno, "cannot stat %s/%s: %s", w->root, w->path,
				   errno_name(errno));
			break;
		}
		if ((e = ovl_marks_read(fd, names[i], st.st_mode, m))) {
			e = bb_err(w->err, -e, "cannot read the xattrs of %s/%s: %s", w->root,
				   w->path, errno_name(-e));
			break;
		}
		const struct ovl_mark_set *s = ovl_marks_pick(m, w->prefix);

		count(w, &st, m, s);
		if (w->visit) {
			struct layer_entry ent = { .path = w->path,
						   .name = names[i],
						   .depth = depth,
						   .dirfd = fd,
						   .st = &st,
						   .marks = s };

			if ((e = w->visit(w->ctx, &ent, w->err)))
				break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub;

			if (st.st_dev != w->dev) {
				w->c->other_fs++;
				continue;
			}
			sub = openat(fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				e = bb_err(w->err, errno, "cannot open directory %s/%s: %s",
					   w->root, w->path, errno_name(errno));
				break;
			}
			e = scan_dir(w, sub, len + !!len + nlen, depth + 1);
			close(sub);
		}
	}
	w->path[len] = '\0';
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return e;
}

int layer_scan(const char *dir, int prefix, struct layer_counts *c, layer_visit_fn visit, void *ctx,
	       struct bb_error *err)
{
	struct walk w = {
		.root = dir, .prefix = prefix, .c = c, .visit = visit, .ctx = ctx, .err = err
	};
	struct stat st;
	int fd, e;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return bb_err(err, errno, "cannot open layer %s: %s", dir, errno_name(errno));
	if (fstat(fd, &st) < 0) {
		e = bb_err(err, errno, "cannot stat layer %s: %s", dir, errno_name(errno));
		goto out;
	}
	w.dev = st.st_dev;
	e = scan_dir(&w, fd, 0, 1);
out:
	close(fd);
	return e;
}
