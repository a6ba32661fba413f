/* btrfs subvolumes through the kernel's ioctls (<linux/btrfs.h>), no btrfs CLI: what the btrfs
 * storage driver makes of each layer and each container. Paths name the subvolume itself; its
 * parent dir must exist and be on btrfs. */
#ifndef BOXBENCH_BTRFS_SUBVOL_H
#define BOXBENCH_BTRFS_SUBVOL_H

#include <stdbool.h>

#include "common/error.h"

/* Whether path is on a btrfs (statfs f_type BTRFS_SUPER_MAGIC); false when it cannot be read. */
bool btrfs_path_is_btrfs(const char *path);
/* A new, empty subvolume at path (BTRFS_IOC_SUBVOL_CREATE). */
int btrfs_subvol_create(const char *path, struct bb_error *err);
/* A writable (or read-only) snapshot of the subvolume src at dst (BTRFS_IOC_SNAP_CREATE_V2);
 * both on the same btrfs. */
int btrfs_subvol_snapshot(const char *src, const char *dst, bool read_only, struct bb_error *err);
/* Deletes the subvolume at path (BTRFS_IOC_SNAP_DESTROY); it must hold no nested subvolume.
 * A missing path is success. */
int btrfs_subvol_destroy(const char *path, struct bb_error *err);

#endif
