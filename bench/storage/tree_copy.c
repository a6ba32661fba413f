/* Whole-tree copies for vfs: see tree_copy.h. */
#include "tree_copy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "ovl_marks.h"

#define PATH_BUF 4096

static bool overlay_mark(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

int tree_copy_xattrs(const char *src, const char *dst, struct bb_error *err)
{
	char names[4096], value[4096];
	ssize_t len = llistxattr(src, names, sizeof(names));

	if (len < 0)
		return errno == ENOTSUP ? 0
					: bb_err(err, errno, "cannot list the xattrs of %s: %s",
						 src, errno_name(errno));
	for (ssize_t off = 0; off < len; off += (ssize_t)strlen(names + off) + 1) {
		const char *name = names + off;
		ssize_t vlen;

		if (overlay_mark(name))
			continue;
		vlen = lgetxattr(src, name, value, sizeof(value));
		if (vlen < 0 || lsetxattr(dst, name, value, (size_t)vlen, 0) < 0)
			return bb_err(err, errno, "cannot copy the xattr %s of %s: %s", name, src,
				      errno_name(errno));
	}
	return 0;
}

static int copy_data(int in, int out, const struct stat *st, struct tree_copy_stats *stats,
		     const char *src, struct bb_error *err)
{
	off_t left = st->st_size;

	if (ioctl(out, FICLONE, in) == 0) {
		stats->cloned++;
		return 0;
	}
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);

		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP)) {
			char buf[65536];

			n = read(in, buf, sizeof(buf));
			if (n > 0 && write(out, buf, (size_t)n) != n)
				n = -1;
		}
		if (n <= 0)
			return bb_err(err, n < 0 ? errno : EIO, "cannot copy %s: %s", src,
				      n < 0 ? errno_name(errno) : "it shrank while copied");
		left -= n;
	}
	return 0;
}

/* One entry (not a dir) from src to dst, which does not exist. */
static int copy_entry(const char *src, const char *dst, const struct stat *st,
		      struct tree_copy_stats *stats, struct bb_error *err)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	int e = 0;

	if (S_ISREG(st->st_mode)) {
		int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out;

		if (in < 0)
			return bb_err(err, errno, "cannot open %s: %s", src, errno_name(errno));
		out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			   st->st_mode & 07777);
		if (out < 0) {
			e = bb_err(err, errno, "cannot create %s: %s", dst, errno_name(errno));
			close(in);
			return e;
		}
		e = copy_data(in, out, st, stats, src, err);
		close(in);
		close(out);
		stats->files++;
		stats->bytes += (unsigned long long)st->st_size;
	} else if (S_ISLNK(st->st_mode)) {
		char target[PATH_BUF];
		ssize_t n = readlink(src, target, sizeof(target) - 1);

		if (n < 0)
			return bb_err(err, errno, "cannot read the link %s: %s", src,
				      errno_name(errno));
		target[n] = '\0';
		if (symlink(target, dst) < 0)
			return bb_err(err, errno, "cannot create the link %s: %s", dst,
				      errno_name(errno));
	} else if (mknod(dst, st->st_mode, st->st_rdev) < 0) {
		return bb_err(err, errno, "cannot create the node %s: %s", dst, errno_name(errno));
	}
	if (e)
		return e;
	if (lchown(dst, st->st_uid, st->st_gid) < 0)
		return bb_err(err, errno, "cannot give %s its owner: %s", dst, errno_name(errno));
	if (!S_ISLNK(st->st_mode) && chmod(dst, st->st_mode & 07777) < 0)
		return bb_err(err, errno, "cannot give %s its mode: %s", dst, errno_name(errno));
	if ((e = tree_copy_xattrs(src, dst, err)))
		return e;
	utimensat(AT_FDCWD, dst, times, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int make_dir_like(const char *src, const char *dst, const struct stat *st,
			 struct bb_error *err)
{
	if (mkdir(dst, st->st_mode & 07777) < 0 && errno != EEXIST)
		return bb_err(err, errno, "cannot create %s: %s", dst, errno_name(errno));
	if (lchown(dst, st->st_uid, st->st_gid) < 0 || chmod(dst, st->st_mode & 07777) < 0)
		return bb_err(err, errno, "cannot give %s its owner and mode: %s", dst,
			      errno_name(errno));
	return tree_copy_xattrs(src, dst, err);
}

typedef int (*entry_fn)(const char *src, const char *dst, const struct stat *st, int prefix,
			struct tree_copy_stats *stats, struct bb_error *err);

static int each_entry(const char *src, const char *dst, int prefix, entry_fn fn,
		      struct tree_copy_stats *stats, struct bb_error *err)
{
	int fd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char *s = malloc(PATH_BUF), *d = malloc(PATH_BUF);
	struct dirent *de;
	DIR *dir;
	int e = 0;

	if (fd < 0 || !s || !d) {
		e = bb_err(err, fd < 0 ? errno : ENOMEM, "cannot open the dir %s: %s", src,
			   errno_name(fd < 0 ? errno : ENOMEM));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (!(dir = fdopendir(fd))) {
		e = bb_err(err, errno, "cannot read the dir %s: %s", src, errno_name(errno));
		close(fd);
		goto out;
	}
	while (!e && (errno = 0, de = readdir(dir))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (path_join(s, PATH_BUF, src, de->d_name) ||
		    path_join(d, PATH_BUF, dst, de->d_name)) {
			e = bb_err(err, ENAMETOOLONG, "the path %s/%s is too long", src,
				   de->d_name);
			break;
		}
		if (lstat(s, &st) < 0)
			e = bb_err(err, errno, "cannot stat %s: %s", s, errno_name(errno));
		else
			e = fn(s, d, &st, prefix, stats, err);
	}
	closedir(dir);
out:
	free(s);
	free(d);
	return e;
}

static int clone_one(const char *src, const char *dst, const struct stat *st, int prefix,
		     struct tree_copy_stats *stats, struct bb_error *err)
{
	int e;

	if (!S_ISDIR(st->st_mode))
		return copy_entry(src, dst, st, stats, err);
	if ((e = make_dir_like(src, dst, st, err)) ||
	    (e = each_entry(src, dst, prefix, clone_one, stats, err)))
		return e;
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	utimensat(AT_FDCWD, dst, times, AT_SYMLINK_NOFOLLOW);
	return 0;
}

int tree_clone(const char *src, const char *dst, struct tree_copy_stats *stats,
	       struct bb_error *err)
{
	struct stat st;

	if (lstat(src, &st) < 0)
		return bb_err(err, errno, "cannot stat %s: %s", src, errno_name(errno));
	if (!S_ISDIR(st.st_mode))
		return bb_err(err, ENOTDIR, "%s is not a dir to copy", src);
	return clone_one(src, dst, &st, -1, stats, err);
}

/* ovl_marks_read() wants a dir fd and a name in it. */
static int marks_of(const char *path, mode_t mode, struct ovl_marks *m)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_BUF];
	int fd, e;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if ((fd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	e = ovl_marks_read(fd, slash ? slash + 1 : path, mode, m);
	close(fd);
	return e;
}

static int apply_one(const char *src, const char *dst, const struct stat *st, int prefix,
		     struct tree_copy_stats *stats, struct bb_error *err)
{
	struct ovl_marks m;
	const struct ovl_mark_set *set;
	struct stat old;
	bool have_old = lstat(dst, &old) == 0;
	int e;

	if ((e = marks_of(src, st->st_mode, &m)) < 0)
		return bb_err(err, -e, "cannot read the overlay marks of %s: %s", src,
			      errno_name(-e));
	set = ovl_marks_pick(&m, prefix);
	if (ovl_is_whiteout(st, set))
		return have_old ? remove_tree(dst, err) : 0;
	if (!S_ISDIR(st->st_mode)) {
		if (have_old && (e = remove_tree(dst, err)))
			return e;
		return copy_entry(src, dst, st, stats, err);
	}
	/* A dir replaces a non-dir; an opaque one replaces a dir too; otherwise they merge. */
	if (have_old && (!S_ISDIR(old.st_mode) || set->opaque == 'y') &&
	    (e = remove_tree(dst, err)))
		return e;
	if ((e = make_dir_like(src, dst, st, err)))
		return e;
	return each_entry(src, dst, prefix, apply_one, stats, err);
}

int tree_apply_layer(const char *layer, const char *dst, int prefix, struct tree_copy_stats *stats,
		     struct bb_error *err)
{
	return each_entry(layer, dst, prefix, apply_one, stats, err);
}
