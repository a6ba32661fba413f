/* The table of storage drivers, and finding them by name: see driver.h. Apart from driver.c,
 * which the drivers use: the table uses the drivers. */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const struct storage_driver *const storage_drivers[] = {
	&driver_overlay, &driver_fuse_overlayfs, &driver_vfs,
	&driver_btrfs,	 &driver_composefs,	 &driver_overlay_idmap,
};
const size_t n_storage_drivers = sizeof(storage_drivers) / sizeof(storage_drivers[0]);

const struct storage_driver *driver_find(const char *name)
{
	for (size_t i = 0; i < n_storage_drivers; i++)
		if (!strcmp(storage_drivers[i]->name, name))
			return storage_drivers[i];
	return NULL;
}

static void driver_names(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n_storage_drivers && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 storage_drivers[i]->name);
}

int driver_list_parse(const char *s, const struct storage_driver **out, size_t max,
		      struct bb_error *err)
{
	char buf[256], names[200], *save = NULL;
	size_t n = 0;

	driver_names(names, sizeof(names));
	if (!strcmp(s, "all")) {
		for (size_t i = 0; i < n_storage_drivers && n < max; i++)
			out[n++] = storage_drivers[i];
		return (int)n;
	}
	if (strlen(s) >= sizeof(buf))
		return bb_err(err, EINVAL,
			      "the driver list '%.40s...' is too long; the drivers "
			      "are %s, or all",
			      s, names);
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct storage_driver *d = driver_find(tok);

		if (!d)
			return bb_err(err, EINVAL,
				      "unknown storage driver '%s'; the drivers are %s, "
				      "or all",
				      tok, names);
		for (size_t i = 0; i < n; i++)
			if (out[i] == d)
				return bb_err(err, EINVAL, "the driver '%s' is named twice", tok);
		if (n == max)
			return bb_err(err, E2BIG, "more than %zu drivers named", max);
		out[n++] = d;
	}
	if (!n)
		return bb_err(err, EINVAL, "no driver named; the drivers are %s, or all", names);
	return (int)n;
}
