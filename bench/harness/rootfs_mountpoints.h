/* The mount points a container's start needs in its root (/proc, where child_main mounts
 * proc), made the way runtimes make them for an image that lacks one: a directory in the
 * container's own upper layer, never in the image's layers, and only where the merged view
 * has no directory of that name. */
#ifndef BOXBENCH_ROOTFS_MOUNTPOINTS_H
#define BOXBENCH_ROOTFS_MOUNTPOINTS_H

#include <sys/types.h>

#include "storage/driver.h"
#include "common/error.h"

/* After the driver's prepare (rfs->upper exists unless cfg->read_only), before the mount:
 * each missing mount point becomes an opaque directory (mode 0555, owned by owner) in
 * rfs->upper, opaque so that nothing below it (a file, a whiteout, a redirect) decides what
 * the merged view has there. A read-only root that lacks one is an error saying so. */
int rootfs_make_mount_points(const struct driver_config *cfg, const struct rootfs *rfs, uid_t owner,
			     struct bb_error *err);

#endif
