/* The file systems the storage drivers are benchmarked on: tmpfs, or a sparse image made with
 * mkfs and loop-mounted (ext4, xfs with reflink, btrfs). Read-only erofs images are
 * erofs_image.h's. */
#ifndef BOXBENCH_BACKING_FS_H
#define BOXBENCH_BACKING_FS_H

#include <stdbool.h>

#include "common/error.h"

enum backing_fs { FS_TMPFS, FS_EXT4, FS_XFS, FS_BTRFS };
#define BACKING_FS_COUNT 4

/* One mounted backing file system; owns the mount and the image file (the loop device is owned
 * by the mount, through autoclear). */
struct backing_fs_mount {
	enum backing_fs fs;
	bool mounted;
	char mountpoint[256];
	char image[256]; /* the image file; "" for tmpfs */
	char loop[32]; /* "/dev/loopN" it was mounted from; "" for tmpfs */
};

/* "tmpfs", "ext4", "xfs", "btrfs"; "unknown" for anything else. */
const char *backing_fs_name(enum backing_fs fs);

/* The inverse of backing_fs_name(); -EINVAL (and a message listing the names) for others. */
int backing_fs_parse(const char *name, enum backing_fs *fs, struct bb_error *err);

/* statfs()'s f_type for a mount of fs. */
unsigned long backing_fs_magic(enum backing_fs fs);

/* The smallest image its mkfs accepts (xfs 300 MiB, btrfs 110 MiB); 0 for tmpfs. */
unsigned long long backing_fs_min_size(enum backing_fs fs);

/* Mounts fs on mountpoint (an existing dir). For tmpfs, size_bytes is its size= (0: the
 * default) and image_dir is unused. Otherwise it creates a sparse image of size_bytes (0: 1 GiB)
 * in image_dir, runs mkfs (xfs with reflink=1) and loop-mounts it. On failure nothing is left
 * behind. */
int backing_fs_mount(struct backing_fs_mount *m, enum backing_fs fs, const char *image_dir,
		     const char *mountpoint, unsigned long long size_bytes, struct bb_error *err);

/* Unmounts and deletes the image; the loop device clears itself as the mount goes. If the mount
 * is busy it is detached lazily and -EBUSY returned. Safe on a zeroed or unmounted struct. */
int backing_fs_umount(struct backing_fs_mount *m, struct bb_error *err);

/* Whether the file system holding dir shares data between files (FICLONE of one real file into
 * another works): what lets overlayfs copy-up clone instead of copy. */
int fs_supports_reflink(const char *dir, bool *yes, struct bb_error *err);

/* Runs a mkfs tool (argv[0]); when it fails, its output, on one line, is the message. */
int backing_fs_mkfs(char *const argv[], struct bb_error *err);

#endif
