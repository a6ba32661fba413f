/* What the storage drivers share: their lowers and a root's dirs (see driver.h). The table
 * of drivers is driver_table.c's. */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "common/fsutil.h"

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

int rootfs_bind_mount(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err)
{
	if (mount(rfs->upper, rfs->merged, NULL, MS_BIND, NULL) < 0)
		return bb_err(err, errno, "cannot bind-mount %s on %s: %s", rfs->upper, rfs->merged,
			      errno_name(errno));
	if (cfg->read_only &&
	    mount(NULL, rfs->merged, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) {
		int code = errno;

		umount2(rfs->merged, MNT_DETACH);
		return bb_err(err, code, "cannot make the bind mount on %s read-only: %s",
			      rfs->merged, errno_name(code));
	}
	return 0;
}

int rootfs_bind_umount(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err)
{
	(void)cfg;
	if (umount2(rfs->merged, 0) < 0)
		return bb_err(err, errno, "cannot unmount %s: %s", rfs->merged, errno_name(errno));
	return 0;
}
