/* The composefs-style storage driver, built with Debian's tools only (mkfs.erofs, the kernel's
 * erofs and overlayfs; no composefs tools). image_open merges the stack's layers into one tree
 * (whiteouts and opaque dirs applied, as vfs does), moves each regular file's data into a
 * content store named by its sha256 (one copy per content), leaves in its place a sparse stub
 * with trusted.overlay.metacopy and trusted.overlay.redirect = "/ab/abcd...", and makes the
 * stubs an erofs image, loop-mounted read-only. A container's root is an overlay of its init
 * layer over that image, with the content store as a data-only layer (lowerdir=meta::data,
 * or fsconfig datadir+), metacopy=on and redirect_dir=on: lookups and stats are the image's,
 * reads and copy-ups follow the redirects into the store. Its cost: one lower layer whatever
 * the stack's depth, paid for by an image build per stack. */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "composefs_image.h"
#include "driver_check.h"
#include "driver_overlay_internal.h"
#include "loopdev.h"
#include "tree_copy.h"

struct composefs_image {
	char meta[600]; /* the erofs image's mount point: the one lower */
	char data[600]; /* the content store: the data-only layer */
	const char *lowers[1];
	const char *datadirs[1];
	bool meta_mounted;
	/* fsconfig datadir+ was refused once: every later mount uses mount(2). */
	bool legacy_only;
	struct composefs_stats stats;
};

static int composefs_available(const struct driver_config *cfg, struct bb_error *err)
{
	char path[512];
	int e;

	if (cfg->ovl.userxattr)
		return bb_err(
			err, EOPNOTSUPP,
			"overlayfs refuses metacopy=on and redirects on a userxattr mount (as a user "
			"namespace's is), and a composefs-style stack needs both: run it "
			"without the user namespace, as root");
	if ((e = tool_find("mkfs.erofs", "erofs-utils", path, sizeof(path), err)) ||
	    (e = fs_type_known("erofs", "the kernel's erofs (CONFIG_EROFS_FS, or modprobe erofs)",
			       err)) ||
	    (e = fs_type_known("overlay",
			       "the kernel's overlayfs (CONFIG_OVERLAY_FS, or modprobe overlay)",
			       err)))
		return e;
	return 0;
}

static int meta_mount(const char *image, const char *mountpoint, struct bb_error *err)
{
	struct loopdev lo = { 0 };
	int e;

	if ((e = loopdev_attach(&lo, image, LOOPDEV_READ_ONLY, err)))
		return e;
	if (mount(lo.path, mountpoint, "erofs", MS_RDONLY | MS_NODEV, NULL) < 0)
		e = bb_err(err, errno,
			   "cannot mount %s (the erofs image %s) on %s: %s (is the erofs module "
			   "loaded? modprobe erofs)",
			   lo.path, image, mountpoint, errno_name(errno));
	/* Autoclear: the device goes with the mount, or now if the mount failed. */
	loopdev_detach(&lo);
	return e;
}

static void composefs_image_close(const struct driver_config *cfg, struct driver_image *img)
{
	struct composefs_image *ci = img->priv;

	(void)cfg;
	if (ci) {
		if (ci->meta_mounted && umount2(ci->meta, 0) < 0)
			umount2(ci->meta, MNT_DETACH);
		free(ci);
		img->priv = NULL;
	}
	img->lowers = NULL;
	img->n_lowers = 0;
	if (img->dir[0])
		remove_tree(img->dir, NULL);
	img->dir[0] = '\0';
}

static int composefs_image_open(const struct driver_config *cfg, const struct layer_stack *stack,
				struct driver_image *img, struct bb_error *err)
{
	int prefix = stack->params.userxattr ? OVL_PREFIX_USER : OVL_PREFIX_TRUSTED;
	struct tree_copy_stats copied = { 0 };
	char staging[600], tmp[600], image[600];
	struct composefs_image *ci;
	int e = 0;

	memset(img, 0, sizeof(*img));
	img->stack = stack;
	if (!(ci = calloc(1, sizeof(*ci))))
		return bb_err(err, ENOMEM, "out of memory opening a composefs image");
	img->priv = ci;
	snprintf(img->dir, sizeof(img->dir), "%s/composefs-%s", cfg->store_dir, stack->key);
	snprintf(staging, sizeof(staging), "%s/staging", img->dir);
	snprintf(tmp, sizeof(tmp), "%s/stub.tmp", img->dir);
	snprintf(image, sizeof(image), "%s/meta.erofs", img->dir);
	snprintf(ci->meta, sizeof(ci->meta), "%s/meta", img->dir);
	snprintf(ci->data, sizeof(ci->data), "%s/data", img->dir);
	if ((e = remove_tree(img->dir, err)) || (e = mkdir_p(staging, 0755, err)) ||
	    (e = mkdir_p(ci->meta, 0755, err)))
		goto fail;
	/* (1) The merged tree: layer 0 first, each one's whiteouts and opaque dirs applied. */
	for (unsigned n = 0; n < stack->params.depth && !e; n++) {
		char layer[700];

		layer_stack_layer_path(stack, n, layer, sizeof(layer));
		e = tree_apply_layer(layer, staging, prefix, &copied, err);
	}
	/* (2, 3) Data into the content store, metacopy stubs in its place; (4) the image. */
	if (e || (e = composefs_split(staging, ci->data, tmp, &ci->stats, err)) ||
	    (e = composefs_mkfs(staging, image, &ci->stats, err)) ||
	    (e = remove_tree(staging, err)) || (e = meta_mount(image, ci->meta, err)))
		goto fail;
	ci->meta_mounted = true;
	ci->lowers[0] = ci->meta;
	ci->datadirs[0] = ci->data;
	img->lowers = (char **)ci->lowers;
	img->n_lowers = 1;
	return 0;
fail:
	bb_err_wrap(err, "cannot make the composefs image of the stack %s in %s", stack->key,
		    img->dir);
	composefs_image_close(cfg, img);
	return e;
}

static int composefs_prepare(const struct driver_config *cfg, const struct driver_image *img,
			     const char *dir, uid_t owner, struct rootfs *rfs, struct bb_error *err)
{
	return rootfs_dirs_make(rfs, img, dir, cfg->read_only, owner, err);
}

static int composefs_mount(const struct driver_config *cfg, struct rootfs *rfs,
			   struct bb_error *err)
{
	const struct driver_image *img = rfs->image;
	struct composefs_image *ci = img->priv;
	struct driver_config c = *cfg;
	int e;

	if (!ci || !ci->meta_mounted)
		return bb_err(err, EINVAL, "the composefs image of %s is not open", img->dir);
	/* Stubs find their data through absolute redirects into the data-only layer. */
	c.ovl.metacopy = true;
	c.ovl.redirect_dir = true;
	if (ci->legacy_only)
		c.api = MOUNT_API_LEGACY;
	e = overlay_mount_layers(&c, rfs, ci->lowers, 1, ci->datadirs, 1, &c.ovl, err);
	if (e && c.api == MOUNT_API_FSCONFIG) {
		struct bb_error first = *err;

		/* A kernel with lowerdir+ but no datadir+ (6.8 has both; a backport may not). */
		c.api = MOUNT_API_LEGACY;
		e = overlay_mount_layers(&c, rfs, ci->lowers, 1, ci->datadirs, 1, &c.ovl, err);
		if (!e)
			ci->legacy_only = true;
		else
			bb_err_wrap(err, "fsconfig refused it too (%s); with mount(2)", first.msg);
	}
	return e;
}

static int composefs_umount(const struct driver_config *cfg, struct rootfs *rfs,
			    struct bb_error *err)
{
	(void)cfg;
	return ovl_umount(rfs->merged, err);
}

static void composefs_describe(const struct driver_config *cfg, char *buf, size_t len)
{
	snprintf(buf, len,
		 "composefs (erofs metadata image + data-only content store, metacopy, %s%s)",
		 mount_api_name(cfg->api), cfg->read_only ? ", read-only" : "");
}

const struct storage_driver driver_composefs = {
	.name = "composefs",
	.summary = "composefs-style: the stack merged into an erofs image of metacopy stubs over "
		   "a content store as a data-only overlay layer",
	.available = composefs_available,
	.image_open = composefs_image_open,
	.image_close = composefs_image_close,
	.prepare = composefs_prepare,
	.mount = composefs_mount,
	.umount = composefs_umount,
	.release = overlay_release,
	.describe = composefs_describe,
};
