/* The table of storage drivers and what they share: see driver.h. */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fsutil.h"

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

int driver_image_list_lowers(struct driver_image *img, const struct layer_stack *stack,
			     struct bb_error *err)
{
	unsigned depth = stack->params.depth;

	img->lowers = calloc(depth ? depth : 1, sizeof(*img->lowers));
	if (!img->lowers)
		return bb_err(err, ENOMEM, "out of memory listing %u layers", depth);
	img->n_lowers = depth;
	/* overlay lists lower layers top first; the stack numbers them from the bottom. */
	for (unsigned i = 0; i < depth; i++) {
		char path[700];

		layer_stack_layer_path(stack, depth - 1 - i, path, sizeof(path));
		img->lowers[i] = strdup(path);
		if (!img->lowers[i])
			return bb_err(err, ENOMEM, "out of memory listing %u layers", depth);
	}
	return 0;
}

void driver_image_free_lowers(struct driver_image *img)
{
	for (unsigned i = 0; img->lowers && i < img->n_lowers; i++)
		free(img->lowers[i]);
	free(img->lowers);
	img->lowers = NULL;
	img->n_lowers = 0;
}

int rootfs_dirs_make(struct rootfs *rfs, const struct driver_image *img, const char *dir,
		     bool read_only, uid_t owner, struct bb_error *err)
{
	int e;

	memset(rfs, 0, sizeof(*rfs));
	rfs->fd = -1;
	rfs->image = img;
	snprintf(rfs->dir, sizeof(rfs->dir), "%s", dir);
	snprintf(rfs->init, sizeof(rfs->init), "%s/init", dir);
	snprintf(rfs->upper, sizeof(rfs->upper), "%s/upper", dir);
	snprintf(rfs->work, sizeof(rfs->work), "%s/work", dir);
	snprintf(rfs->merged, sizeof(rfs->merged), "%s/merged", dir);
	if ((e = mkdir_p(rfs->merged, 0755, err)) || (e = mkdir_p(rfs->init, 0755, err)))
		return e;
	if (!read_only &&
	    ((e = mkdir_p(rfs->upper, 0755, err)) || (e = mkdir_p(rfs->work, 0755, err))))
		return e;
	/* The writable layer belongs to the container's root, as rootless engines arrange it. */
	if (owner && (chown(rfs->init, owner, owner) < 0 ||
		      (!read_only && (chown(rfs->upper, owner, owner) < 0 ||
				      chown(rfs->work, owner, owner) < 0))))
		return bb_err(err, errno, "cannot hand %s to uid %u: %s", rfs->dir, (unsigned)owner,
			      errno_name(errno));
	return 0;
}
