/* The overlay-idmap storage driver: not built yet. */
#include "driver.h"

#include <errno.h>

static int overlay_idmap_available(const struct driver_config *cfg, struct bb_error *err)
{
	(void)cfg;
	return bb_err(err, ENOSYS, "the overlay-idmap driver is not built yet");
}

const struct storage_driver driver_overlay_idmap = {
	.name = "overlay-idmap",
	.summary = "not built yet",
	.available = overlay_idmap_available,
};
