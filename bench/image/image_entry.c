/* Creating one entry of a layer in the directory image_path.c opened for it: files (their data
 * held to --max-bytes), directories, links and devices, with owner, mode, xattrs and times. */
#include "image_unpack_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/fsutil.h"

/* ---- replacing what is there ---- */

/* Removes name (a whole tree if a directory) from directory dfd without following symlinks. */
static int remove_at(int dfd, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd, e = 0;

	if (!unlinkat(dfd, name, 0) || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -errno;
	fchmodat(dfd, name, 0700, AT_SYMLINK_NOFOLLOW);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		e = -errno;
		close(fd);
		return e;
	}
	while (!e && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			e = remove_at(dirfd(d), de->d_name);
	closedir(d);
	if (!e && unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		e = -errno;
	return e;
}

/* Makes room at (pfd, base) for the entry at path: a directory stays for a directory; anything
 * else there (an earlier entry of the same name, this layer's whiteout) goes. */
int unpack_make_room(struct unpacker *u, int pfd, const char *base, const char *path, bool for_dir)
{
	struct node_list below;
	struct stat st;
	int e;

	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0
				       : unpack_io_error(u, "cannot look at what is there", errno);
	if (S_ISDIR(st.st_mode) && for_dir)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		/* A later entry replaces a directory: what this layer put below it goes too. */
		e = node_collect(u, path, &below);
		if (e)
			return e;
		for (size_t i = 0; i < below.n; i++) {
			tdelete(below.v[i], &u->tree, node_cmp);
			node_free(below.v[i]);
		}
		free(below.v);
	}
	e = remove_at(pfd, base);
	return e ? unpack_io_error(u, "cannot replace what an earlier entry put there", -e) : 0;
}

/* ---- metadata ---- */

bool is_overlay_xattr(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

/* The entry's xattrs (pax SCHILY.xattr.* and the like), on fd or else on (pfd, base) via
 * /proc/self/fd so that a symlink itself gets them. */
static int apply_xattrs(struct unpacker *u, struct archive_entry *e, int fd, int pfd,
			const char *base)
{
	const char *name;
	const void *value;
	size_t size;
	char proc[PATH_MAX];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", pfd, base);
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		int r;

		if (is_overlay_xattr(name))
			return unpack_refuse(
				u, UNPACK_UNSAFE, EPERM,
				"carries the overlayfs xattr '%s', which would change what "
				"overlayfs shows (whiteouts, redirects, metacopy)",
				name);
		r = fd >= 0 ? fsetxattr(fd, name, value, size, 0)
			    : lsetxattr(proc, name, value, size, 0);
		if (r == 0)
			continue;
		/* Labels of another LSM, or the file system's own: not ours to insist on. */
		if ((errno == EOPNOTSUPP || errno == EPERM || errno == EACCES) &&
		    !strncmp(name, "security.", 9) && strcmp(name, "security.capability"))
			continue;
		/* Linux allows user.* xattrs on regular files and directories only. */
		if (errno == EPERM && fd < 0 && !strncmp(name, "user.", 5))
			continue;
		return unpack_refuse(u, UNPACK_IO, errno, "cannot set the xattr '%s': %s (%s)",
				     name, errno_name(errno),
				     errno == EPERM
					     ? "trusted.* and security.* xattrs need root"
					     : "the file system of the destination refuses it");
	}
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

/* Owner, then mode (chown clears setuid and setgid), then xattrs (chown also drops
 * security.capability), then times (xattrs do not touch mtime, but do it last anyway). As
 * non-root the owner cannot be given away; like tar, keep ours. */
static int apply_meta(struct unpacker *u, struct archive_entry *e, int fd, int pfd,
		      const char *base, bool is_symlink)
{
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	mode_t mode = archive_entry_perm(e) & 07777;
	struct timespec ts[2];
	int r;

	r = fd >= 0 ? fchown(fd, uid, gid) : fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW);
	if (r < 0 && (u->is_root || errno != EPERM))
		return unpack_io_error(u, "cannot set its owner", errno);
	if (!is_symlink) {
		r = fd >= 0 ? fchmod(fd, mode) : fchmodat(pfd, base, mode, AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			return unpack_io_error(u, "cannot set its mode", errno);
	}
	r = apply_xattrs(u, e, fd, pfd, base);
	if (r)
		return r;
	entry_times(e, ts);
	r = fd >= 0 ? futimens(fd, ts) : utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
	return r < 0 ? unpack_io_error(u, "cannot set its times", errno) : 0;
}

/* ---- the kinds of entries ---- */

static int write_data(struct unpacker *u, struct archive *a, struct archive_entry *e, int fd)
{
	la_int64_t off, end = 0;
	const void *buf;
	size_t len;
	int r;

	while ((r = archive_read_data_block(a, &buf, &len, &off)) != ARCHIVE_EOF) {
		const char *p = buf;

		/* Go's archive/tar (umoci, docker) may end a layer right after the last file's
		 * data, without the padding to a 512-byte block or the end-of-archive blocks;
		 * libarchive then fails to skip the padding. The whole file is there and the
		 * stream is at its end: take that as the end of the archive. (A compressed
		 * stream's own damage still shows in layer_stream_finish().) */
		if (r < ARCHIVE_WARN && !archive_entry_sparse_count(e) &&
		    end == archive_entry_size(e)) {
			u->at_end = true;
			return 0;
		}
		if (r < ARCHIVE_WARN)
			return unpack_refuse(u, UNPACK_CORRUPT, EIO, "cannot read its data: %s",
					     archive_error_string(a) ? archive_error_string(a)
								     : "unknown error");
		if (off + (la_int64_t)len > end)
			end = off + (la_int64_t)len;
		if (u->o->bytes_before + u->st->bytes + len > u->o->max_bytes)
			return unpack_refuse(
				u, UNPACK_TOO_BIG, EFBIG,
				"file data passes the limit of %llu bytes (--max-bytes)",
				u->o->max_bytes);
		while (len) {
			ssize_t n = pwrite(fd, p, len, off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return unpack_io_error(u, "cannot write its data",
						       n < 0 ? errno : EIO);
			p += n;
			off += n;
			len -= (size_t)n;
			u->st->bytes += (unsigned long long)n;
		}
	}
	return 0;
}

int unpack_file(struct unpacker *u, struct archive *a, struct archive_entry *e, int pfd,
		const char *base, const char *path)
{
	la_int64_t size = archive_entry_size(e);
	int fd, r;

	/* Fail early when the size alone says so; a sparse file's size is no measure of the
	 * data it brings, write_data() counts that. */
	if (archive_entry_size_is_set(e) && size > 0 && !archive_entry_sparse_count(e) &&
	    u->o->bytes_before + u->st->bytes + (unsigned long long)size > u->o->max_bytes)
		return unpack_refuse(u, UNPACK_TOO_BIG, EFBIG,
				     "its %lld bytes pass the limit of %llu bytes of file data "
				     "(--max-bytes)",
				     (long long)size, u->o->max_bytes);
	fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return unpack_io_error(u, "cannot create it", errno);
	r = write_data(u, a, e, fd);
	/* A sparse file's data ends before its size: the rest is a hole. */
	if (!r && archive_entry_size_is_set(e) && ftruncate(fd, size) < 0)
		r = unpack_io_error(u, "cannot set its size", errno);
	if (!r)
		r = apply_meta(u, e, fd, pfd, base, false);
	close(fd);
	if (!r && !node_put(u, path, N_FILE))
		r = unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	return r;
}

/* fresh: the layer deleted this name before (a whiteout): the directory is a new one, see
 * unpack_open_dir(). */
int unpack_dir(struct unpacker *u, struct archive_entry *e, int pfd, const char *base,
	       const char *path, bool fresh)
{
	struct node *n;
	int fd, r;

	if (*path && mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
		return unpack_io_error(u, "cannot create it", errno);
	n = node_put(u, path, N_DIR);
	if (!n)
		return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	/* Owner, mode and times wait for the end of the layer; xattrs go on now. */
	n->have_meta = true;
	if (fresh)
		n->fresh = n->opaque = true;
	n->uid = (uid_t)archive_entry_uid(e);
	n->gid = (gid_t)archive_entry_gid(e);
	n->mode = archive_entry_perm(e) & 07777;
	entry_times(e, n->times);
	fd = openat(pfd, *path ? base : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return unpack_io_error(u, "cannot open it", errno);
	r = apply_xattrs(u, e, fd, pfd, base);
	close(fd);
	return r;
}

int unpack_symlink(struct unpacker *u, struct archive_entry *e, int pfd, const char *base,
		   const char *path)
{
	const char *target = archive_entry_symlink(e);
	struct node *n;

	if (!target || !*target)
		return unpack_refuse(u, UNPACK_INVALID, EINVAL, "symlink without a target");
	/* The target alone; unpack_check_links() follows it through the other symlinks once the
	 * whole layer is there. */
	if (!symlink_stays_inside(path, target))
		return unpack_refuse(u, UNPACK_UNSAFE, EPERM,
				     "symlink to '%.200s' points outside the layer", target);
	if (symlinkat(target, pfd, base) < 0)
		return unpack_io_error(u, "cannot create it", errno);
	n = node_put(u, path, N_SYMLINK);
	if (!n || node_set_target(n, target))
		return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	return apply_meta(u, e, -1, pfd, base, true);
}

/* The target of a hard link entry: inside the layer, and something the layer already holds
 * that a link can point at. Checked before anything at the link's own path is replaced. */
int unpack_link_target(struct unpacker *u, const char *link, char *tpath, size_t len,
		       struct node **t)
{
	struct unpack_place pl;
	/* The target's directory as the image has it, like the entry's own; its last component
	 * is the link's to point at, symlink or not. */
	int r = unpack_place(u, link, "its hard link target", &pl);

	if (r)
		return r;
	if ((size_t)snprintf(tpath, len, "%s", pl.path) >= len)
		return unpack_refuse(u, UNPACK_INVALID, ENAMETOOLONG,
				     "its hard link target '%.200s' is too long", link);
	*t = node_get(u, tpath);
	if (!*t || (*t)->kind == N_DIR || (*t)->kind == N_WHITEOUT)
		return unpack_refuse(u, UNPACK_UNSAFE, EPERM,
				     "hard link to '%.200s', which this layer does not hold (links "
				     "may only point at files the layer unpacked before them)",
				     link);
	return 0;
}

int unpack_hardlink(struct unpacker *u, int pfd, const char *base, const char *path,
		    const char *tpath)
{
	char tdir[PATH_MAX];
	const char *tbase;
	struct node *t;
	int tfd, r = 0;

	memcpy(tdir, tpath, strlen(tpath) + 1);
	tbase = unpack_split_base(tdir);
	tfd = unpack_open_dir(u, tdir);
	if (tfd < 0)
		return tfd;
	t = node_get(u, tpath);
	if (t && t->kind == N_SYMLINK) {
		/* A second name for a symlink is read from its own dir: it must stay inside too. */
		char text[PATH_MAX];
		ssize_t n = readlinkat(tfd, tbase, text, sizeof(text) - 1);

		if (n < 0)
			r = unpack_io_error(u, "cannot read the linked symlink", errno);
		else if (text[n] = '\0', !symlink_stays_inside(path, text))
			r = unpack_refuse(u, UNPACK_UNSAFE, EPERM,
					  "hard link to a symlink to '%.200s', which from here "
					  "points outside the layer",
					  text);
	}
	if (!r && linkat(tfd, tbase, pfd, base, 0) < 0)
		r = unpack_io_error(u, "cannot create the hard link", errno);
	close(tfd);
	if (!r) {
		struct node *n = node_put(u, path, t ? t->kind : N_FILE);

		if (!n || (t && t->target && node_set_target(n, t->target)))
			r = unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	}
	return r;
}

int unpack_special(struct unpacker *u, struct archive_entry *e, int pfd, const char *base,
		   const char *path, mode_t type)
{
	if (type == AE_IFSOCK || ((type == AE_IFCHR || type == AE_IFBLK) && !u->o->make_devices)) {
		u->st->devices_skipped++;
		return 0;
	}
	if (mknodat(pfd, base, type | 0600, type == AE_IFIFO ? 0 : archive_entry_rdev(e)) < 0)
		return unpack_io_error(u, "cannot create it", errno);
	if (!node_put(u, path, N_OTHER))
		return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	return apply_meta(u, e, -1, pfd, base, false);
}
