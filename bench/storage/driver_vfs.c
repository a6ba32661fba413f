/* The vfs storage driver, as docker's and containers/storage's: no union at all. Each layer of
 * the image is a full copy of the one below with its own changes applied (its whiteouts delete,
 * its opaque dirs replace), and each container gets a full copy of the top one, bind-mounted
 * as its root. Copies are FICLONE clones where the file system shares extents (xfs, btrfs)
 * and plain copies elsewhere (the case names do not say which). Its cost is in the copies and grows
 * with the data; a mount is only a bind mount. */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "tree_copy.h"

static int vfs_available(const struct driver_config *cfg, struct bb_error *err)
{
	(void)cfg;
	(void)err;
	return 0; /* copies and a bind mount: every kernel */
}

static void layer_copy_path(const struct driver_image *img, unsigned n, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%u", img->dir, n);
}

static int vfs_image_open(const struct driver_config *cfg, const struct layer_stack *stack,
			  struct driver_image *img, struct bb_error *err)
{
	int prefix = stack->params.userxattr ? OVL_PREFIX_USER : OVL_PREFIX_TRUSTED;
	struct tree_copy_stats stats = { 0 };
	unsigned depth = stack->params.depth;
	int e;

	memset(img, 0, sizeof(*img));
	img->stack = stack;
	snprintf(img->dir, sizeof(img->dir), "%s/vfs-%s", cfg->store_dir, stack->key);
	if ((e = remove_tree(img->dir, err)) || (e = mkdir_p(img->dir, 0755, err)))
		return e;
	for (unsigned n = 0; n < depth && !e; n++) {
		char layer[700], below[600], copy[600];

		layer_stack_layer_path(stack, n, layer, sizeof(layer));
		layer_copy_path(img, n, copy, sizeof(copy));
		if (n == 0) {
			e = mkdir(copy, 0755) < 0 ? bb_err(err, errno, "cannot create %s: %s", copy,
							   errno_name(errno))
						  : 0;
		} else {
			layer_copy_path(img, n - 1, below, sizeof(below));
			e = tree_clone(below, copy, &stats, err);
		}
		if (!e)
			e = tree_apply_layer(layer, copy, prefix, &stats, err);
	}
	if (e) {
		bb_err_wrap(err, "cannot make vfs's copies of the stack's layers in %s", img->dir);
		remove_tree(img->dir, NULL);
		img->dir[0] = '\0';
		return e;
	}
	return 0;
}

static void vfs_image_close(const struct driver_config *cfg, struct driver_image *img)
{
	(void)cfg;
	if (img->dir[0])
		remove_tree(img->dir, NULL);
	img->dir[0] = '\0';
}

static int vfs_prepare(const struct driver_config *cfg, const struct driver_image *img,
		       const char *dir, uid_t owner, struct rootfs *rfs, struct bb_error *err)
{
	struct tree_copy_stats stats = { 0 };
	char top[600];
	int e;

	memset(rfs, 0, sizeof(*rfs));
	rfs->image = img;
	snprintf(rfs->dir, sizeof(rfs->dir), "%s", dir);
	snprintf(rfs->upper, sizeof(rfs->upper), "%s/rootfs", dir);
	snprintf(rfs->init, sizeof(rfs->init), "%s", rfs->upper);
	snprintf(rfs->merged, sizeof(rfs->merged), "%s/merged", dir);
	(void)cfg;
	layer_copy_path(img, img->stack->params.depth - 1, top, sizeof(top));
	if ((e = mkdir_p(rfs->merged, 0755, err)) || (e = tree_clone(top, rfs->upper, &stats, err)))
		return e;
	if (owner && chown(rfs->upper, owner, owner) < 0)
		return bb_err(err, errno, "cannot hand %s to uid %u: %s", rfs->upper,
			      (unsigned)owner, errno_name(errno));
	return 0;
}

static int vfs_release(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err)
{
	(void)cfg;
	if (!rfs->dir[0])
		return 0;
	umount2(rfs->merged, MNT_DETACH);
	return remove_tree(rfs->dir, err);
}

static void vfs_describe(const struct driver_config *cfg, char *buf, size_t len)
{
	snprintf(buf, len, "vfs (a full copy per layer and per container, bind-mounted%s)",
		 cfg->read_only ? ", read-only" : "");
}

const struct storage_driver driver_vfs = {
	.name = "vfs",
	.summary = "a full copy per layer and per container (reflink clones where the file "
		   "system has them), bind-mounted",
	.available = vfs_available,
	.image_open = vfs_image_open,
	.image_close = vfs_image_close,
	.prepare = vfs_prepare,
	.mount = rootfs_bind_mount,
	.umount = rootfs_bind_umount,
	.release = vfs_release,
	.describe = vfs_describe,
};
