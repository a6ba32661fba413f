/* The table of storage drivers and the names of mount APIs: see driver.h. */
#include "driver.h"

#include <errno.h>
#include <string.h>

static const struct storage_driver *const drivers[] = { &driver_overlay };

const struct storage_driver *driver_find(const char *name)
{
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (!strcmp(drivers[i]->name, name))
			return drivers[i];
	return NULL;
}

const char *mount_api_name(enum mount_api api)
{
	return api == MOUNT_API_FSCONFIG ? "fsconfig" : "mount";
}

int mount_api_parse(const char *s, enum mount_api *api, struct bb_error *err)
{
	if (!strcmp(s, "mount") || !strcmp(s, "legacy")) {
		*api = MOUNT_API_LEGACY;
		return 0;
	}
	if (!strcmp(s, "fsconfig") || !strcmp(s, "new")) {
		*api = MOUNT_API_FSCONFIG;
		return 0;
	}
	return bb_err(err, EINVAL,
		      "unknown mount API '%s': use 'mount' (mount(2)) or 'fsconfig' "
		      "(fsopen/fsconfig)",
		      s);
}
