/* The btrfs storage driver: not built yet. */
#include "driver.h"

#include <errno.h>

static int btrfs_available(const struct driver_config *cfg, struct bb_error *err)
{
	(void)cfg;
	return bb_err(err, ENOSYS, "the btrfs driver is not built yet");
}

const struct storage_driver driver_btrfs = {
	.name = "btrfs",
	.summary = "not built yet",
	.available = btrfs_available,
};
