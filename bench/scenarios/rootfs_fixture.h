/* A container's root made by any storage driver, without a container: what the lookup, copyup
 * and mount scenarios run on for the drivers other than kernel overlay (whose cases keep
 * ovl_fixture.h's thinner path). The driver's image of the stack is the run's shared one
 * (run_driver.h); the root's dirs, init layer and writable layer are the fixture's own. Mounted
 * in the harness's private mount namespace, so a killed run leaves no mount behind. */
#ifndef BOXBENCH_ROOTFS_FIXTURE_H
#define BOXBENCH_ROOTFS_FIXTURE_H

#include <stdbool.h>

#include "scenario.h"
#include "storage/driver.h"

struct rootfs_fixture {
	struct driver_config cfg;
	const struct driver_image *image; /* shared; put back by release */
	struct rootfs rfs;
	char dir[400];
	bool prepared, mounted;
};

/* Opens (or shares) the driver's image of stack and prepares a root under the work dir, its
 * init layer written; mounts nothing. */
int rootfs_fixture_init(struct rootfs_fixture *f, const struct run_ctx *ctx,
			const struct storage_driver *d, const struct layer_stack *stack,
			const char *tag, struct bb_error *err);
/* t, when given, brackets the driver's call (clock_ns). */
int rootfs_fixture_mount(struct rootfs_fixture *f, unsigned long long *t, struct bb_error *err);
int rootfs_fixture_umount(struct rootfs_fixture *f, unsigned long long *t, struct bb_error *err);
/* A fresh writable layer (release, prepare, init layer, synced): the next mount is a new
 * container's. Only while unmounted. */
int rootfs_fixture_wipe(struct rootfs_fixture *f, struct bb_error *err);
/* Unmounts if mounted, releases the root and puts the image back; safe on a zeroed one. */
void rootfs_fixture_release(struct rootfs_fixture *f);

#endif
