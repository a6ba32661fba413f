/* Whiteouts of a layer's tar turned into overlayfs's: .wh.NAME into a 0/0 character device or
 * an xattr whiteout, .wh..wh..opq into an opaque mark that image_unpack.c sets at the end. */
#include "image_unpack_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/fsutil.h"

/* Whether this layer made dir (with self) or one of its parents something other than a
 * directory: a symlink, a file, a whiteout. Whiteouts below such a name have nothing left to
 * delete (umoci writes them for the contents of a directory it replaced by a symlink), and
 * following the name to apply them could leave the layer. */
static bool under_non_dir(struct unpacker *u, const char *dir, bool self)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	memcpy(buf, dir, len + 1);
	for (size_t i = 0; i <= len; i++) {
		struct node *n;

		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (i == len && !self)
			break;
		buf[i] = '\0';
		n = node_get(u, buf);
		buf[i] = dir[i];
		if (n && n->kind != N_DIR)
			return true;
	}
	return false;
}

/* mknod of a 0/0 device fails for want of CAP_MKNOD, or on overlayfs whatever the caller may
 * do (see fd_on_overlayfs()). */
static int chardev_failed(struct unpacker *u, int pfd, int code)
{
	if (code == EPERM && fd_on_overlayfs(pfd))
		return unpack_refuse(
			u, UNPACK_IO, code,
			"cannot create the whiteout (a 0/0 character device): EPERM: the "
			"destination is " OVERLAYFS_NO_CHARDEV_WHY "; import with "
			"--whiteout xattr, or into a DEST on another file system (a volume or bind "
			"mount from the host, a tmpfs)");
	return unpack_io_error(u, "cannot create the whiteout (a 0/0 character device)", code);
}

/* .wh.NAME: NAME is deleted from the layers below. Unless this layer adds NAME itself (before
 * or after the whiteout: a layer that re-adds a deleted name), an overlay whiteout goes in its
 * place. */
int unpack_whiteout(struct unpacker *u, const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct node *n;
	int pfd, fd, r = 0;

	snprintf(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", name);
	if (under_non_dir(u, dir, true))
		return 0;
	n = node_get(u, path);
	if (n) {
		/* Lower layers lose NAME, the layer's own NAME stays: a directory of this
		 * layer must then no longer show the lower one's contents. */
		n->opaque |= n->kind == N_DIR;
		return 0;
	}
	pfd = unpack_open_dir(u, dir);
	if (pfd < 0)
		return pfd;
	if (u->o->whiteout == WHITEOUT_CHARDEV) {
		if (mknodat(pfd, name, S_IFCHR | 0000, makedev(0, 0)) < 0)
			r = chardev_failed(u, pfd, errno);
	} else {
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			r = unpack_io_error(u, "cannot create the whiteout", errno);
		} else {
			if (fsetxattr(fd, u->x_whiteout, "y", 1, 0) < 0)
				r = unpack_refuse(
					u, UNPACK_IO, errno,
					"cannot set %s: %s (the destination's file system must "
					"take %s xattrs%s)",
					u->x_whiteout, errno_name(errno),
					u->o->userxattr ? "user." : "trusted.",
					u->o->userxattr ? "" : "; as non-root use --userxattr");
			close(fd);
		}
	}
	close(pfd);
	if (r)
		return r;
	if (!node_put(u, path, N_WHITEOUT))
		return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	if (u->o->whiteout == WHITEOUT_XATTR) {
		n = node_put(u, dir, N_DIR);
		if (!n)
			return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
		n->xwhiteouts = true;
	}
	return 0;
}

/* .wh..wh..opq in D: D hides what the layers below hold in it. Only marked here; the xattr goes
 * on at the end of the layer, so entries of D in this same layer stay whatever the order. */
int unpack_opaque(struct unpacker *u, const char *dir)
{
	struct node *n;
	int fd;

	if (under_non_dir(u, dir, false))
		return 0;
	fd = unpack_open_dir(u, dir);
	if (fd < 0)
		return fd;
	close(fd);
	n = node_put(u, dir, N_DIR);
	if (!n)
		return unpack_refuse(u, UNPACK_IO, ENOMEM, "out of memory");
	n->opaque = true;
	return 0;
}
