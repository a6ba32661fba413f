/* The composefs storage driver: not built yet. */
#include "driver.h"

#include <errno.h>

static int composefs_available(const struct driver_config *cfg, struct bb_error *err)
{
	(void)cfg;
	return bb_err(err, ENOSYS, "the composefs driver is not built yet");
}

const struct storage_driver driver_composefs = {
	.name = "composefs",
	.summary = "not built yet",
	.available = composefs_available,
};
