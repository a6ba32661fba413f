/* Storage drivers: how a container's root file system is made from a layer stack. Each driver
 * prepares a container's private dirs, mounts its root (inside the container's own mount
 * namespace, so the mount dies with the container), and releases what it prepared. Later
 * drivers (fuse-overlayfs, a plain copy, btrfs snapshots, erofs data-only layers) sit behind
 * the same operations. */
#ifndef BOXBENCH_DRIVER_H
#define BOXBENCH_DRIVER_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "layer_stack.h"
#include "ovl_mount.h"

struct driver_config {
	const struct storage_driver *driver;
	enum mount_api api;
	struct ovl_options ovl;
	bool read_only; /* no upper layer */
};

/* One container's root: the stack below it and its private dirs. */
struct rootfs {
	const struct layer_stack *stack;
	char dir[512]; /* the container's own dir, holding the three below */
	char upper[560];
	char work[560];
	char merged[560]; /* the mount point */
};

struct storage_driver {
	const char *name;
	/* Makes rfs->dir and the driver's dirs in it; owner is the uid/gid that will own the
	 * upper layer (the mapped root of a user namespace), or 0. */
	int (*prepare)(const struct driver_config *cfg, const struct layer_stack *stack,
		       const char *dir, uid_t owner, struct rootfs *rfs, struct bb_error *err);
	/* Mounts the root at rfs->merged in the caller's mount namespace. */
	int (*mount)(const struct driver_config *cfg, const struct rootfs *rfs,
		     struct bb_error *err);
	int (*umount)(const struct driver_config *cfg, const struct rootfs *rfs,
		      struct bb_error *err);
	/* Removes everything prepare made. */
	int (*release)(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err);
	/* "overlay (fsconfig; redirect_dir=on,metacopy=on)" */
	void (*describe)(const struct driver_config *cfg, char *buf, size_t len);
};

extern const struct storage_driver driver_overlay;

/* Finds a driver by name ("overlay"); NULL if there is none. */
const struct storage_driver *driver_find(const char *name);

#endif
