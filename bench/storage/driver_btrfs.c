/* The btrfs storage driver, as docker's btrfs graph driver: a subvolume per layer of the image,
 * each a writable snapshot of the one below with its own changes applied (its whiteouts
 * delete, its opaque dirs replace), and per container a writable snapshot of the top layer,
 * bind-mounted as its root. Its cost is a snapshot (a transaction) per layer and per
 * container, whatever the data; a mount is only a bind mount.
 *
 * Everything lives on one btrfs: the store dir itself when it is on btrfs, else one btrfs per
 * process on a sparse loop-mounted image in the store dir, shared by every image and removed
 * by the last image_close. */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backing_fs.h"
#include "btrfs_subvol.h"
#include "common/fsutil.h"
#include "driver_check.h"
#include "tree_copy.h"

#define STORE_IMAGE_SIZE (4ULL << 30) /* sparse: only what is written costs */

/* The one btrfs of the process (the harness is one thread). */
static struct {
	unsigned refs;
	bool own; /* mounted by us on a loop image, unmounted by the last put */
	struct backing_fs_mount m;
	char from[512]; /* the store dir it was made for */
	char root[512]; /* where subvolumes go */
} store;

static unsigned snapshot_counter;

struct btrfs_image {
	bool store_ref;
	unsigned depth; /* layer subvolumes that may exist: image_close tries each */
};

static int store_get(const char *store_dir, struct bb_error *err)
{
	int e;

	if (!store_dir || !*store_dir)
		return bb_err(err, EINVAL,
			      "the btrfs driver needs a store dir (the run's work dir)");
	if (store.refs) {
		if (strcmp(store.from, store_dir))
			return bb_err(
				err, EINVAL,
				"the btrfs store is already on %s; one store dir per process, "
				"not also %s",
				store.from, store_dir);
		store.refs++;
		return 0;
	}
	memset(&store, 0, sizeof(store));
	if (strlen(store_dir) + 16 >= sizeof(store.root))
		return bb_err(err, ENAMETOOLONG, "store dir path too long for the btrfs store: %s",
			      store_dir);
	if ((e = mkdir_p(store_dir, 0755, err)))
		return e;
	snprintf(store.from, sizeof(store.from), "%s", store_dir);
	if (btrfs_path_is_btrfs(store_dir)) {
		snprintf(store.root, sizeof(store.root), "%s", store_dir);
	} else {
		snprintf(store.root, sizeof(store.root), "%s/btrfs-store", store_dir);
		if ((e = mkdir_p(store.root, 0755, err)))
			return e;
		e = backing_fs_mount(&store.m, FS_BTRFS, store_dir, store.root, STORE_IMAGE_SIZE,
				     err);
		if (e) {
			rmdir(store.root);
			memset(&store, 0, sizeof(store));
			return bb_err_wrap(
				err,
				"%s is not on btrfs and a btrfs image there could not be "
				"made (needs btrfs-progs, loop devices and room)",
				store_dir);
		}
		store.own = true;
	}
	store.refs = 1;
	return 0;
}

static void store_put(void)
{
	if (!store.refs || --store.refs)
		return;
	if (store.own) {
		backing_fs_umount(&store.m, NULL);
		rmdir(store.root);
	}
	memset(&store, 0, sizeof(store));
}

static int btrfs_available(const struct driver_config *cfg, struct bb_error *err)
{
	char path[512];
	int e;

	if ((e = fs_type_known("btrfs", "CONFIG_BTRFS_FS, or modprobe btrfs", err)))
		return e;
	if (cfg && cfg->store_dir && btrfs_path_is_btrfs(cfg->store_dir))
		return 0;
	/* The store is not on btrfs: it will be a btrfs image, made with mkfs.btrfs. */
	return tool_find("mkfs.btrfs", "btrfs-progs", path, sizeof(path), err);
}

static void layer_subvol_path(const struct driver_image *img, unsigned n, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%u", img->dir, n);
}

static void btrfs_image_close(const struct driver_config *cfg, struct driver_image *img)
{
	struct btrfs_image *bi = img->priv;

	(void)cfg;
	if (!bi)
		return;
	/* Each, whether it was made or not: destroying a missing one is a no-op. */
	while (img->dir[0] && bi->depth) {
		char sub[600];

		layer_subvol_path(img, --bi->depth, sub, sizeof(sub));
		btrfs_subvol_destroy(sub, NULL);
	}
	if (img->dir[0])
		remove_tree(img->dir, NULL);
	img->dir[0] = '\0';
	if (bi->store_ref)
		store_put();
	free(bi);
	img->priv = NULL;
}

static int btrfs_image_open(const struct driver_config *cfg, const struct layer_stack *stack,
			    struct driver_image *img, struct bb_error *err)
{
	int prefix = stack->params.userxattr ? OVL_PREFIX_USER : OVL_PREFIX_TRUSTED;
	struct tree_copy_stats stats = { 0 };
	unsigned depth = stack->params.depth;
	struct btrfs_image *bi;
	int e;

	memset(img, 0, sizeof(*img));
	img->stack = stack;
	if (!(bi = calloc(1, sizeof(*bi))))
		return bb_err(err, ENOMEM, "out of memory");
	img->priv = bi;
	if ((e = store_get(cfg->store_dir, err)))
		goto fail;
	bi->store_ref = true;
	snprintf(img->dir, sizeof(img->dir), "%s/btrfs-%s", store.root, stack->key);
	bi->depth = depth;
	/* A dir left by a run that was killed: its subvolumes first, then the rest. */
	for (unsigned n = depth; n-- > 0;) {
		char sub[600];

		layer_subvol_path(img, n, sub, sizeof(sub));
		btrfs_subvol_destroy(sub, NULL);
	}
	if ((e = remove_tree(img->dir, err)) || (e = mkdir_p(img->dir, 0755, err)))
		goto fail;
	for (unsigned n = 0; n < depth && !e; n++) {
		char layer[700], below[600], sub[600];

		layer_stack_layer_path(stack, n, layer, sizeof(layer));
		layer_subvol_path(img, n, sub, sizeof(sub));
		if (n == 0) {
			e = btrfs_subvol_create(sub, err);
		} else {
			layer_subvol_path(img, n - 1, below, sizeof(below));
			e = btrfs_subvol_snapshot(below, sub, false, err);
		}
		if (!e)
			e = tree_apply_layer(layer, sub, prefix, &stats, err);
	}
	if (e) {
		bb_err_wrap(err, "cannot make btrfs's subvolumes of the stack's layers in %s",
			    img->dir);
		goto fail;
	}
	return 0;
fail:
	btrfs_image_close(cfg, img);
	return e;
}

static int btrfs_prepare(const struct driver_config *cfg, const struct driver_image *img,
			 const char *dir, uid_t owner, struct rootfs *rfs, struct bb_error *err)
{
	const char *base;
	char top[600], snap[560];
	int e;

	(void)cfg;
	memset(rfs, 0, sizeof(*rfs));
	rfs->image = img;
	snprintf(rfs->dir, sizeof(rfs->dir), "%s", dir);
	snprintf(rfs->merged, sizeof(rfs->merged), "%s/merged", dir);
	if (!img->priv || !store.refs)
		return bb_err(err, EINVAL, "the btrfs image of the stack is not open");
	if ((e = mkdir_p(rfs->merged, 0755, err)))
		return e;
	base = strrchr(dir, '/');
	base = base && base[1] ? base + 1 : dir;
	/* On the store's btrfs: a snapshot cannot cross file systems. */
	if (snprintf(snap, sizeof(snap), "%s/c-%s-%u", store.root, base, ++snapshot_counter) >=
	    (int)sizeof(snap))
		return bb_err(err, ENAMETOOLONG, "the container's snapshot path is too long: %s",
			      snap);
	layer_subvol_path(img, img->stack->params.depth - 1, top, sizeof(top));
	if ((e = btrfs_subvol_snapshot(top, snap, false, err)))
		return e;
	/* Recorded once it exists: release destroys it. */
	snprintf(rfs->upper, sizeof(rfs->upper), "%s", snap);
	snprintf(rfs->init, sizeof(rfs->init), "%s", rfs->upper);
	if (owner && chown(rfs->upper, owner, owner) < 0)
		return bb_err(err, errno, "cannot hand %s to uid %u: %s", rfs->upper,
			      (unsigned)owner, errno_name(errno));
	return 0;
}

static int btrfs_release(const struct driver_config *cfg, struct rootfs *rfs, struct bb_error *err)
{
	int e = 0;

	(void)cfg;
	if (rfs->merged[0])
		umount2(rfs->merged, MNT_DETACH);
	if (rfs->upper[0]) {
		if ((e = btrfs_subvol_destroy(rfs->upper, err)))
			return e; /* kept, so that a second call can try again */
		rfs->upper[0] = rfs->init[0] = '\0';
	}
	if (rfs->dir[0]) {
		if ((e = remove_tree(rfs->dir, err)))
			return e;
		rfs->dir[0] = '\0';
	}
	return 0;
}

static void btrfs_describe(const struct driver_config *cfg, char *buf, size_t len)
{
	snprintf(buf, len, "btrfs (a subvolume per layer, a snapshot per container%s)",
		 cfg->read_only ? ", read-only" : "");
}

const struct storage_driver driver_btrfs = {
	.name = "btrfs",
	.summary = "a btrfs subvolume per layer (a snapshot of the one below) and a writable "
		   "snapshot per container, bind-mounted",
	.available = btrfs_available,
	.image_open = btrfs_image_open,
	.image_close = btrfs_image_close,
	.prepare = btrfs_prepare,
	.mount = rootfs_bind_mount,
	.umount = rootfs_bind_umount,
	.release = btrfs_release,
	.describe = btrfs_describe,
};
