/* Small file-system chores shared by bench/: recursive removal, mkdir -p, whole-file writes. */
#ifndef BOXBENCH_FSUTIL_H
#define BOXBENCH_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* rm -rf, staying on path's file system (never crosses into a mount below it). Missing path
 * is success. */
int remove_tree(const char *path, struct bb_error *err);
int mkdir_p(const char *path, unsigned mode, struct bb_error *err);
/* syncfs(2) of the file system path is on: what was written there is on it now. -ENOENT (no
 * message) when path does not exist. */
int sync_fs(const char *path, struct bb_error *err);
/* Writes buf to path (O_TRUNC); for sysfs/cgroupfs/procfs knobs as well as plain files. */
int write_file(const char *path, const char *buf, size_t len, struct bb_error *err);
/* Reads at most len-1 bytes and NUL-terminates; returns bytes read or negative errno. */
long read_file(const char *path, char *buf, size_t len, struct bb_error *err);
/* "dir/name" into out; -ENAMETOOLONG (out truncated) when it does not fit in size. */
int path_join(char *out, size_t size, const char *dir, const char *name);
/* Whether dir/name exists (following a symlink at the end). */
bool path_exists_in(const char *dir, const char *name);

/* Reads exactly len bytes from a pipe, waiting at most timeout_ms for each part. Returns 0,
 * -ETIMEDOUT, -EPIPE when the writer closed first, or another negative errno. For records
 * children send the harness: a child that hangs or dies must not hang the run. */
int read_full_timeout(int fd, void *buf, size_t len, int timeout_ms);

/* Whether the file (fd, or the file at path) is on overlayfs. mknod of a 0/0 character device
 * fails there with EPERM whatever the caller may do: overlayfs keeps such devices for its own
 * whiteouts and refuses to make one through its merged view (a dir inside a container's root,
 * a CI job's overlay). OVERLAYFS_NO_CHARDEV_WHY says so in an error message. */
bool fd_on_overlayfs(int fd);
bool path_on_overlayfs(const char *path);
#define OVERLAYFS_NO_CHARDEV_WHY                                                         \
	"on overlayfs, which refuses to create 0/0 devices through its merged view (it " \
	"keeps them for its own whiteouts)"

#endif
