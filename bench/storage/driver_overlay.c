/* The overlayfs storage driver: the stack's layers as lowerdirs under the container's init
 * layer, a private upper and work dir per container, mounted with either mount API
 * (ovl_mount.c). The reference every other driver is shown against. */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "common/fsutil.h"
#include "driver_check.h"
#include "driver_overlay_internal.h"

static int overlay_available(const struct driver_config *cfg, struct bb_error *err)
{
	(void)cfg;
	return fs_type_known("overlay",
			     "the kernel's overlayfs (CONFIG_OVERLAY_FS, or modprobe "
			     "overlay)",
			     err);
}

static int overlay_image_open(const struct driver_config *cfg, const struct layer_stack *stack,
			      struct driver_image *img, struct bb_error *err)
{
	(void)cfg;
	memset(img, 0, sizeof(*img));
	img->stack = stack;
	return driver_image_list_lowers(img, stack, err);
}

static void overlay_image_close(const struct driver_config *cfg, struct driver_image *img)
{
	(void)cfg;
	driver_image_free_lowers(img);
}

bool overlay_init_as_lower(const struct driver_config *cfg, const struct rootfs *rfs,
			   const char *const *lowers, unsigned n)
{
	struct ovl_mount_data *md;
	const char **all;
	bool fits;

	if (cfg->read_only)
		return true; /* no upper to hold it: it must be a layer (or the mount fails) */
	if (n + 1 > OVL_MAX_STACK)
		return false;
	if (cfg->api != MOUNT_API_LEGACY)
		return true;
	if (!(md = malloc(sizeof(*md))) ||
	    overlay_lowers_with_init(rfs, lowers, n, &all, NULL) < 0) {
		free(md);
		return true;
	}
	fits = ovl_options_string(md, all, n + 1, NULL, 0, rfs->upper, rfs->work, &cfg->ovl,
				  NULL) == 0;
	free(all);
	free(md);
	return fits;
}

static int overlay_prepare(const struct driver_config *cfg, const struct driver_image *img,
			   const char *dir, uid_t owner, struct rootfs *rfs, struct bb_error *err)
{
	int e = rootfs_dirs_make(rfs, img, dir, cfg->read_only, owner, err);

	/* No room for one more lower (overlay's 500, or mount(2)'s page, which the init
	 * layer's path outside the stack's dir fills sooner): its files go in the upper. */
	if (!e && !overlay_init_as_lower(cfg, rfs, (const char *const *)img->lowers, img->n_lowers))
		snprintf(rfs->init, sizeof(rfs->init), "%s", rfs->upper);
	return e;
}

int overlay_lowers_with_init(const struct rootfs *rfs, const char *const *lowers, unsigned n,
			     const char ***out, struct bb_error *err)
{
	bool own = strcmp(rfs->init, rfs->upper) != 0; /* else the init is in the upper */
	const char **all = calloc(n + 1, sizeof(*all));

	if (!all)
		return bb_err(err, ENOMEM, "out of memory listing %u layers", n + 1);
	if (own)
		all[0] = rfs->init;
	for (unsigned i = 0; i < n; i++)
		all[i + own] = lowers[i];
	*out = all;
	return own;
}

int overlay_mount_layers(const struct driver_config *cfg, const struct rootfs *rfs,
			 const char *const *lowers, unsigned n, const char *const *data,
			 unsigned n_data, const struct ovl_options *o, struct bb_error *err)
{
	const char **all;
	const char *upper = cfg->read_only ? NULL : rfs->upper;
	const char *work = cfg->read_only ? NULL : rfs->work;
	int e = overlay_lowers_with_init(rfs, lowers, n, &all, err);

	if (e < 0)
		return e;
	n += (unsigned)e; /* the init layer, when it is a lower */
	if (cfg->api == MOUNT_API_FSCONFIG)
		e = ovl_mount_fsconfig(rfs->merged, all, n, data, n_data, upper, work, o, err);
	else
		e = ovl_mount_legacy(rfs->merged, all, n, data, n_data, upper, work, o, err);
	free(all);
	return e;
}

static int overlay_mount(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err)
{
	const struct driver_image *img = rfs->image;

	return overlay_mount_layers(cfg, rfs, (const char *const *)img->lowers, img->n_lowers, NULL,
				    0, &cfg->ovl, err);
}

static int overlay_umount(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err)
{
	(void)cfg;
	return ovl_umount(rfs->merged, err);
}

int overlay_release(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err)
{
	(void)cfg;
	if (!rfs->dir[0])
		return 0;
	/* A container's mount dies with its namespace; a scenario's may still be there. */
	umount2(rfs->merged, MNT_DETACH);
	return remove_tree(rfs->dir, err);
}

void overlay_options_describe(const struct driver_config *cfg, const char *name, char *buf,
			      size_t len)
{
	const struct ovl_options *o = &cfg->ovl;

	snprintf(buf, len, "%s (%s%s%s%s%s%s%s%s%s%s)", name, mount_api_name(cfg->api),
		 o->redirect_dir ? ", redirect_dir=on" : "", o->metacopy ? ", metacopy=on" : "",
		 o->index ? ", index=on" : "", o->xino ? ", xino=on" : "",
		 o->volatile_mount ? ", volatile" : "", o->userxattr ? ", userxattr" : "",
		 o->extra ? ", " : "", o->extra ? o->extra : "",
		 cfg->read_only ? ", read-only" : "");
}

static void overlay_describe(const struct driver_config *cfg, char *buf, size_t len)
{
	overlay_options_describe(cfg, "overlay", buf, len);
}

const struct storage_driver driver_overlay = {
	.name = "overlay",
	.summary = "kernel overlayfs: the image's layers as lowerdirs, an upper per container",
	.available = overlay_available,
	.image_open = overlay_image_open,
	.image_close = overlay_image_close,
	.prepare = overlay_prepare,
	.mount = overlay_mount,
	.umount = overlay_umount,
	.release = overlay_release,
	.describe = overlay_describe,
};
