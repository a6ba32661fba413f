/* The table of storage drivers: see driver.h. */
#include "driver.h"

#include <string.h>

static const struct storage_driver *const drivers[] = { &driver_overlay };

const struct storage_driver *driver_find(const char *name)
{
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (!strcmp(drivers[i]->name, name))
			return drivers[i];
	return NULL;
}
