/* Fitting an unpacked layer onto the layers below it, as overlayfs will stack them: see
 * unpack_settle() in image_unpack.h. */
#include "image_unpack_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/fsutil.h"

/* ---- implicit directories take after the layers below ---- */

enum lower_find { LOWER_ABSENT, LOWER_HIDDEN, LOWER_FOUND };

static bool dir_is_opaque(int fd, const char *x_opaque)
{
	char proc[64], v[2];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return getxattr(proc, x_opaque, v, sizeof(v)) == 1 && v[0] == 'y';
}

/* Looks path up in one lower layer as overlayfs would: a non-directory on the way (a whiteout,
 * a symlink, a file) hides the layers further down, and so does an opaque parent. On
 * LOWER_FOUND, *fd is the directory (O_PATH). */
static enum lower_find find_in_lower(const char *lower, const char *path, const char *x_opaque,
				     int *fd)
{
	int cur = open(lower, O_PATH | O_DIRECTORY | O_CLOEXEC);
	bool opaque = false;
	struct stat st;

	if (cur < 0)
		return LOWER_ABSENT;
	for (const char *p = path; *p;) {
		const char *end = strchrnul(p, '/');
		char comp[NAME_MAX + 1];
		int next;

		snprintf(comp, sizeof(comp), "%.*s", (int)(end - p), p);
		p = *end ? end + 1 : end;
		if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			close(cur);
			return opaque ? LOWER_HIDDEN : LOWER_ABSENT;
		}
		next = S_ISDIR(st.st_mode) ? unpack_open_beneath(cur, comp, O_PATH | O_DIRECTORY)
					   : -1;
		close(cur);
		if (next < 0)
			return LOWER_HIDDEN;
		cur = next;
		if (*p)
			opaque |= dir_is_opaque(cur, x_opaque);
	}
	*fd = cur;
	return LOWER_FOUND;
}

static int copy_xattrs(int from, int to)
{
	char proc[64], names[4096], value[65536];
	ssize_t len;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", from);
	len = listxattr(proc, names, sizeof(names));
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(names + i) + 1) {
		ssize_t v;

		if (is_overlay_xattr(names + i))
			continue;
		v = getxattr(proc, names + i, value, sizeof(value));
		if (v >= 0 && fsetxattr(to, names + i, value, (size_t)v, 0) < 0 &&
		    strncmp(names + i, "security.", 9))
			return -errno;
	}
	return 0;
}

/* The directory path as the layers below show it: *fd is it (O_PATH) in the nearest layer that
 * has it, unless a layer above that one hides it. */
static bool find_below(const char *const *lowers, size_t n_lowers, const char *path,
		       const char *x_opaque, int *fd)
{
	enum lower_find f = LOWER_ABSENT;

	for (size_t k = 0; k < n_lowers && f == LOWER_ABSENT; k++)
		f = find_in_lower(lowers[k], path, x_opaque, fd);
	return f == LOWER_FOUND;
}

/* Removes the whiteout at path of the layer at root, keeping its directory's times (and, as
 * non-root, getting past a mode without write permission for a moment). */
static int drop_whiteout(int root, const char *path)
{
	char dir[PATH_MAX];
	const char *base;
	struct stat st;
	int fd, e = 0;

	memcpy(dir, path, strlen(path) + 1);
	base = unpack_split_base(dir);
	fd = unpack_open_beneath(root, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		e = -errno;
	} else {
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		bool loosen = geteuid() != 0 && !(st.st_mode & 0200);

		if (loosen)
			fchmod(fd, st.st_mode | 0200);
		if (unlinkat(fd, base, 0) < 0)
			e = -errno;
		if (loosen)
			fchmod(fd, st.st_mode & 07777);
		if (!e && futimens(fd, ts) < 0)
			e = -errno;
	}
	close(fd);
	return e;
}

int unpack_settle(const char *dir, struct unpack_stats *st, const struct unpack_opts *o,
		  struct bb_error *err)
{
	const char *const *lowers = o->lowers;
	size_t n_lowers = o->n_lowers;
	const char *prefix = o->userxattr ? "user" : "trusted";
	int root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), r = 0;
	char x_opaque[32];

	snprintf(x_opaque, sizeof(x_opaque), "%s.overlay.opaque", prefix);
	if (root < 0)
		return bb_err(err, errno, "cannot open %s: %s", dir, errno_name(errno));
	/* A whiteout whose directory no layer below has: it is the lowest layer of that
	 * directory, where overlayfs lists whiteouts as entries (see finish_layer()). */
	for (size_t i = 0; !r && i < st->n_whiteout_paths; i++) {
		char parent[PATH_MAX];
		int fd = -1;

		memcpy(parent, st->whiteout_paths[i], strlen(st->whiteout_paths[i]) + 1);
		unpack_split_base(parent);
		if (find_below(lowers, n_lowers, parent, x_opaque, &fd)) {
			close(fd);
			continue;
		}
		r = drop_whiteout(root, st->whiteout_paths[i]);
		if (r)
			r = bb_err(err, -r,
				   "cannot drop the whiteout %s/%s, which has nothing below "
				   "it to hide: %s",
				   dir, st->whiteout_paths[i], errno_name(-r));
		else
			st->whiteouts--;
	}
	/* Deepest first, as at the end of a layer: a parent's mode may shut its children. */
	for (size_t i = st->n_implicit_dirs; !r && i-- > 0;) {
		const char *path = st->implicit_dirs[i];
		int from = -1, to;
		struct stat lst;

		if (!find_below(lowers, n_lowers, path, x_opaque, &from))
			continue;
		to = unpack_open_beneath(root, path, O_RDONLY | O_DIRECTORY);
		if (to < 0 || fstat(from, &lst) < 0) {
			r = bb_err(err, to < 0 ? -to : errno, "cannot open %s/%s: %s", dir, path,
				   errno_name(to < 0 ? -to : errno));
		} else {
			struct timespec ts[2] = { lst.st_atim, lst.st_mtim };
			int e = 0;

			if (fchown(to, lst.st_uid, lst.st_gid) < 0 &&
			    (!geteuid() || errno != EPERM))
				e = errno;
			if (!e)
				e = -copy_xattrs(from, to);
			if (!e && (fchmod(to, lst.st_mode & 07777) < 0 || futimens(to, ts) < 0))
				e = errno;
			if (e)
				r = bb_err(err, e,
					   "cannot give %s/%s the owner, mode and xattrs it has in "
					   "the layer below: %s",
					   dir, path, errno_name(e));
		}
		if (to >= 0)
			close(to);
		close(from);
	}
	close(root);
	return r;
}
