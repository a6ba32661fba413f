/* Storage drivers: how a container's root file system is made from a layer stack.
 *
 * A driver works in three steps, as container engines do:
 *  - image_open: what the driver makes of a stack once, for all its containers (the image
 *    store's cost): nothing for overlay, a full copy per layer for vfs, a subvolume per layer
 *    for btrfs, an erofs metadata image and a content store for composefs-style stacks.
 *  - prepare: one container's own dirs: its init layer (init_layer.h: /etc/hosts and the mount
 *    points, written per container) and its writable layer (an upper dir, a copy of the
 *    image's top, a snapshot). release removes what prepare made.
 *  - mount / umount: the root at rfs->merged, in the caller's mount namespace (the container's,
 *    so it dies with the container).
 * Every function returns 0 or a negative errno with a message in err; none prints. */
#ifndef BOXBENCH_DRIVER_H
#define BOXBENCH_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "layer_stack.h"
#include "ovl_mount.h"

struct driver_config {
	const struct storage_driver *driver;
	enum mount_api api; /* the overlay-based drivers' mount API */
	struct ovl_options ovl; /* the overlay-based drivers' options */
	bool read_only; /* no writable layer */
	/* Where image_open may keep its stores (created if missing); the run's work dir. */
	const char *store_dir;
};

/* What a driver made of one stack: shared by every container on it. */
struct driver_image {
	const struct storage_driver *driver;
	const struct layer_stack *stack;
	char dir[560]; /* the driver's own dir for this stack; "" when it keeps none */
	/* The overlay-style drivers' lower dirs, top first, the init layer not included. */
	char **lowers;
	unsigned n_lowers;
	void *priv; /* the driver's own */
};

/* One container's root. */
struct rootfs {
	const struct driver_image *image;
	char dir[512]; /* the container's own dir, holding everything below */
	char init[560]; /* where the init layer is written: a lower dir, or the copy's root */
	char upper[560]; /* the writable layer: overlay's upper, vfs's copy, btrfs's snapshot */
	char work[560];
	char merged[560]; /* the mount point */
	pid_t daemon; /* fuse-overlayfs: the daemon serving the mount; 0 when none */
};

struct storage_driver {
	const char *name; /* "overlay", as --driver and case names say it */
	const char *summary; /* one line for --help and doctor */
	/* Whether it can work here at all, cheaply (a tool, a file system type, a syscall); 0,
	 * or -errno with a message naming the reason and the fix (the package, the option). */
	int (*available)(const struct driver_config *cfg, struct bb_error *err);
	int (*image_open)(const struct driver_config *cfg, const struct layer_stack *stack,
			  struct driver_image *img, struct bb_error *err);
	/* Removes everything image_open made; safe on a zeroed or half-opened one. */
	void (*image_close)(const struct driver_config *cfg, struct driver_image *img);
	/* Makes the container's dirs under dir; owner is the uid/gid that will own its
	 * writable and init layers (the mapped root of a user namespace), or 0. The init
	 * layer's contents are init_layer_write()'s, after prepare. */
	int (*prepare)(const struct driver_config *cfg, const struct driver_image *img,
		       const char *dir, uid_t owner, struct rootfs *rfs, struct bb_error *err);
	int (*mount)(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err);
	int (*umount)(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err);
	/* Removes everything prepare made (unmounting first if needed); safe to repeat. */
	int (*release)(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err);
	/* "overlay (fsconfig, redirect_dir=on)" */
	void (*describe)(const struct driver_config *cfg, char *buf, size_t len);
};

extern const struct storage_driver driver_overlay, driver_fuse_overlayfs, driver_vfs, driver_btrfs,
	driver_composefs, driver_overlay_idmap;

/* Every driver, overlay (the reference) first. */
extern const struct storage_driver *const storage_drivers[];
extern const size_t n_storage_drivers;

/* Finds a driver by name ("overlay"); NULL if there is none. */
const struct storage_driver *driver_find(const char *name);
/* Parses "overlay,vfs" (or "all") into out[] (at most max); EINVAL naming the drivers for an
 * unknown name or a repeat. Returns the count, or a negative errno. */
int driver_list_parse(const char *s, const struct storage_driver **out, size_t max,
		      struct bb_error *err);

/* The overlay-style drivers' lowers of a stack, top first, into img (lowers, n_lowers). */
int driver_image_list_lowers(struct driver_image *img, const struct layer_stack *stack,
			     struct bb_error *err);
void driver_image_free_lowers(struct driver_image *img);
/* A zeroed rootfs with its dirs named under dir (init, upper, work, merged) and made: init
 * and merged always, upper and work unless read_only, upper and work and init given to
 * owner when it is not 0. */
int rootfs_dirs_make(struct rootfs *rfs, const struct driver_image *img, const char *dir,
		     bool read_only, uid_t owner, struct bb_error *err);

/* The copying drivers' (vfs, btrfs) mount and umount: rfs->upper, the container's own tree,
 * bind-mounted on rfs->merged (read-only when cfg says). */
int rootfs_bind_mount(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err);
int rootfs_bind_umount(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err);

#endif
