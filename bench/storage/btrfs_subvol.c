/* btrfs subvolumes through the kernel's ioctls: see btrfs_subvol.h. */
#include "btrfs_subvol.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

bool btrfs_path_is_btrfs(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 && (unsigned long)s.f_type == BTRFS_SUPER_MAGIC;
}

/* Opens path's parent dir and points *name at its last component; -errno with a message. */
static int open_parent(const char *path, char *parent, size_t len, const char **name,
		       struct bb_error *err)
{
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash || !slash[1] || (size_t)(slash - path) + 2 > len ||
	    strlen(slash + 1) >= BTRFS_PATH_NAME_MAX)
		return bb_err(err, EINVAL,
			      "bad subvolume path %s (needs dir/name, name under %d "
			      "characters)",
			      path, BTRFS_PATH_NAME_MAX);
	if (slash == path)
		snprintf(parent, len, "/");
	else
		snprintf(parent, len, "%.*s", (int)(slash - path), path);
	*name = slash + 1;
	fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return bb_err(err, errno, "cannot open %s, the parent of subvolume %s: %s", parent,
			      path, errno_name(errno));
	return fd;
}

int btrfs_subvol_create(const char *path, struct bb_error *err)
{
	struct btrfs_ioctl_vol_args args;
	char parent[4096];
	const char *name;
	int fd, e = 0;

	if ((fd = open_parent(path, parent, sizeof(parent), &name, err)) < 0)
		return fd;
	memset(&args, 0, sizeof(args));
	snprintf(args.name, sizeof(args.name), "%s", name);
	if (ioctl(fd, BTRFS_IOC_SUBVOL_CREATE, &args) < 0)
		e = bb_err(err, errno,
			   "cannot create the btrfs subvolume %s: BTRFS_IOC_SUBVOL_CREATE: %s (%s)",
			   path, errno_name(errno),
			   errno == ENOTTY   ? "the parent is not on btrfs"
			   : errno == EEXIST ? "something of that name is there already: remove it"
					     : "is the btrfs full or read-only?");
	close(fd);
	return e;
}

int btrfs_subvol_snapshot(const char *src, const char *dst, bool read_only, struct bb_error *err)
{
	struct btrfs_ioctl_vol_args_v2 args;
	char parent[4096];
	const char *name;
	int fd, sfd, e = 0;

	sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return bb_err(err, errno, "cannot open the subvolume %s to snapshot it: %s", src,
			      errno_name(errno));
	if ((fd = open_parent(dst, parent, sizeof(parent), &name, err)) < 0) {
		close(sfd);
		return fd;
	}
	memset(&args, 0, sizeof(args));
	args.fd = sfd;
	args.flags = read_only ? BTRFS_SUBVOL_RDONLY : 0;
	snprintf(args.name, sizeof(args.name), "%s", name);
	if (ioctl(fd, BTRFS_IOC_SNAP_CREATE_V2, &args) < 0)
		e = bb_err(
			err, errno,
			"cannot snapshot the btrfs subvolume %s as %s: BTRFS_IOC_SNAP_CREATE_V2: "
			"%s (%s)",
			src, dst, errno_name(errno),
			errno == EXDEV	  ? "both must be on the same btrfs"
			: errno == EINVAL ? "the source must be a subvolume's root"
			: errno == EEXIST ? "something of that name is there already: remove it"
					  : "is the btrfs full or read-only?");
	close(fd);
	close(sfd);
	return e;
}

int btrfs_subvol_destroy(const char *path, struct bb_error *err)
{
	struct btrfs_ioctl_vol_args args;
	char parent[4096];
	const char *name;
	struct stat st;
	int fd, e = 0;

	if (lstat(path, &st) < 0 && errno == ENOENT)
		return 0;
	if ((fd = open_parent(path, parent, sizeof(parent), &name, err)) < 0)
		return fd;
	memset(&args, 0, sizeof(args));
	snprintf(args.name, sizeof(args.name), "%s", name);
	if (ioctl(fd, BTRFS_IOC_SNAP_DESTROY, &args) < 0 && errno != ENOENT)
		e = bb_err(err, errno,
			   "cannot delete the btrfs subvolume %s: BTRFS_IOC_SNAP_DESTROY: %s (%s)",
			   path, errno_name(errno),
			   errno == ENOTEMPTY ? "it holds a nested subvolume: delete that first"
			   : errno == EPERM ? "needs CAP_SYS_ADMIN, or the user_subvol_rm_allowed "
					      "mount option"
			   : errno == EBUSY ? "it is mounted somewhere: unmount it first"
					    : "is it a subvolume?");
	close(fd);
	return e;
}
