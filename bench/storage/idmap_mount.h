/* Idmapped mounts (mount_setattr MOUNT_ATTR_IDMAP, Linux 5.12+), as container engines make
 * them for user-namespaced containers: a user namespace that only carries a mapping, and
 * detached clones of dirs idmapped to it. */
#ifndef BOXBENCH_IDMAP_MOUNT_H
#define BOXBENCH_IDMAP_MOUNT_H

#include <sys/types.h>

#include "common/error.h"

/* Whether mount_setattr(2) exists: 0, or -ENOSYS naming the kernel it needs. */
int idmap_supported(struct bb_error *err);

/* An fd of a new user namespace mapping uids and gids [inside, inside + count) to [outside,
 * outside + count): a child unshares one and waits while this process writes its maps and opens
 * /proc/<pid>/ns/user; the child is reaped before it returns. Needs CAP_SETUID/CAP_SETGID over
 * outside (root of the initial namespace). *fd is -1 on error. */
int idmap_userns_open(uid_t inside, uid_t outside, unsigned count, int *fd, struct bb_error *err);

/* A detached clone of the dir at path (open_tree OPEN_TREE_CLONE), idmapped to the user
 * namespace userns_fd; *fd is -1 on error. EINVAL from the kernel when path's file system
 * lacks FS_ALLOW_IDMAP or the mount is already idmapped; EPERM without CAP_SYS_ADMIN over the
 * file system's user namespace (inside a user namespace, as a rule). */
int idmap_clone(const char *path, int userns_fd, int *fd, struct bb_error *err);

/* Attaches a detached mount (fd) on the dir target (move_mount MOVE_MOUNT_F_EMPTY_PATH). */
int idmap_attach(int fd, const char *target, struct bb_error *err);

#endif
