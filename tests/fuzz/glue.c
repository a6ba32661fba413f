/* The fuzz targets' shared glue: see glue.h. Every failure here aborts: a fuzz target has no
 * caller to return an error to, and a setup that silently did nothing would fuzz nothing. */
#include "glue.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: invariant broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

size_t fz_split(const uint8_t *data, size_t n, const char *sep, struct fz_part *parts, size_t max)
{
	size_t k = 0, sl = strlen(sep);
	const uint8_t *p = data, *end = data + n, *hit;

	while (k + 1 < max && (hit = memmem(p, (size_t)(end - p), sep, sl))) {
		parts[k++] = (struct fz_part){ p, (size_t)(hit - p) };
		p = hit + sl;
	}
	parts[k++] = (struct fz_part){ p, (size_t)(end - p) };
	return k;
}

char *fz_strdup(const struct fz_part *part)
{
	char *s = strndup((const char *)part->p, part->n);

	if (!s)
		fz_fail("out of memory");
	return s;
}

static void write_all(int fd, const void *data, size_t n, const char *what)
{
	const char *p = data;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			fz_fail("cannot write %s: %s", what, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

int fz_memfd(const void *data, size_t n, char *path, size_t path_len)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);

	if (fd < 0)
		fz_fail("memfd_create: %s", strerror(errno));
	write_all(fd, data, n, "the memfd");
	snprintf(path, path_len, "/proc/self/fd/%d", fd);
	return fd;
}

void fz_tempdir(const char *what, char *path, size_t path_len)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(path, path_len, "%s/bbfz-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", what);
	if (!mkdtemp(path))
		fz_fail("mkdtemp %s: %s", path, strerror(errno));
}

void fz_write_file(const char *dir, const char *name, const void *data, size_t n)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		fz_fail("cannot create %s: %s", path, strerror(errno));
	write_all(fd, data, n, path);
	close(fd);
}

/* A layer may hold 0555 dirs and 0000 files: give the owner access back, then remove. */
static int loosen(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D || type == FTW_DNR)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) && errno != ENOENT)
		fz_fail("cannot remove %s: %s", path, strerror(errno));
	return 0;
}

void fz_rmtree(const char *path)
{
	nftw(path, loosen, 16, FTW_PHYS | FTW_MOUNT);
	if (nftw(path, remove_one, 16, FTW_PHYS | FTW_DEPTH | FTW_MOUNT) && errno != ENOENT)
		fz_fail("cannot remove %s: %s", path, strerror(errno));
}

/* ---- tree prints ---- */

struct lines {
	char **v;
	size_t n, cap;
};

static struct lines *print_acc;

static void add_line(struct lines *l, char *s)
{
	if (!s)
		fz_fail("out of memory");
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			fz_fail("out of memory");
	}
	l->v[l->n++] = s;
}

static char *xattrs_of(const char *path)
{
	char names[4096], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	ssize_t n = llistxattr(path, names, sizeof(names));

	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		char val[256];
		ssize_t vl = lgetxattr(path, names + i, val, sizeof(val));

		fprintf(f, " %s=%.*s", names + i, vl > 0 ? (int)vl : 0, val);
	}
	fclose(f);
	return out;
}

static int print_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char target[PATH_MAX] = "", *line, *xa = xattrs_of(path);
	ssize_t tl;

	(void)type;
	(void)ftw;
	if (S_ISLNK(st->st_mode) && (tl = readlink(path, target, sizeof(target) - 1)) > 0)
		target[tl] = '\0';
	if (asprintf(&line,
		     "%s %o %u:%u size %lld nlink %lu mtime %lld.%09ld ctime %lld.%09ld%s%s%s",
		     path, st->st_mode, st->st_uid, st->st_gid, (long long)st->st_size,
		     (unsigned long)st->st_nlink, (long long)st->st_mtim.tv_sec,
		     st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec,
		     xa ? xa : "", *target ? " -> " : "", target) < 0)
		line = NULL;
	free(xa);
	add_line(print_acc, line);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *fz_tree_print(const char *dir)
{
	struct lines l = { 0 };
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	print_acc = &l;
	if (nftw(dir, print_one, 16, FTW_PHYS))
		add_line(&l, strdup("(cannot walk)"));
	print_acc = NULL;
	qsort(l.v, l.n, sizeof(*l.v), cmp_str);
	f = open_memstream(&out, &len);
	if (!f)
		fz_fail("out of memory");
	for (size_t i = 0; i < l.n; i++) {
		fprintf(f, "%s\n", l.v[i]);
		free(l.v[i]);
	}
	free(l.v);
	fclose(f);
	return out;
}

int fz_sandboxed(void)
{
	const char *s = getenv("BBFZ_SANDBOX");

	return s && !strcmp(s, "1");
}
