/* The fuse-overlayfs storage driver: not built yet. */
#include "driver.h"

#include <errno.h>

static int fuse_overlayfs_available(const struct driver_config *cfg, struct bb_error *err)
{
	(void)cfg;
	return bb_err(err, ENOSYS, "the fuse-overlayfs driver is not built yet");
}

const struct storage_driver driver_fuse_overlayfs = {
	.name = "fuse-overlayfs",
	.summary = "not built yet",
	.available = fuse_overlayfs_available,
};
