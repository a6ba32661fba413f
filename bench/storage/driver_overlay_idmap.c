/* The overlay-idmap storage driver, as containerd and podman mount user-namespaced containers:
 * each lower layer is cloned (open_tree), idmapped to a user namespace (mount_setattr
 * MOUNT_ATTR_IDMAP, 0 -> 100000 for 65536 ids), attached under <rfs->dir>/idmap/<i>, then
 * the overlay is mounted over those; the layer mounts are detached once the overlay holds its
 * own private clones. The init layer and the upper are not idmapped (as containerd). Its cost
 * over plain overlay grows with the layers: one clone, setattr, attach and detach each, plus a
 * user namespace made per mount. */
#include "driver.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "driver_check.h"
#include "driver_overlay_internal.h"
#include "idmap_mount.h"

#define IDMAP_INSIDE  0
#define IDMAP_OUTSIDE 100000
#define IDMAP_COUNT   65536

static int overlay_idmap_available(const struct driver_config *cfg, struct bb_error *err)
{
	int e;

	(void)cfg;
	e = fs_type_known("overlay",
			  "the kernel's overlayfs (CONFIG_OVERLAY_FS, or modprobe overlay)", err);
	return e ? e : idmap_supported(err);
}

static int overlay_idmap_image_open(const struct driver_config *cfg,
				    const struct layer_stack *stack, struct driver_image *img,
				    struct bb_error *err)
{
	(void)cfg;
	memset(img, 0, sizeof(*img));
	img->stack = stack;
	return driver_image_list_lowers(img, stack, err);
}

static void overlay_idmap_image_close(const struct driver_config *cfg, struct driver_image *img)
{
	(void)cfg;
	driver_image_free_lowers(img);
}

static int idmap_dir(const struct rootfs *rfs, char *out, size_t len)
{
	return path_join(out, len, rfs->dir, "idmap");
}

static int overlay_idmap_prepare(const struct driver_config *cfg, const struct driver_image *img,
				 const char *dir, uid_t owner, struct rootfs *rfs,
				 struct bb_error *err)
{
	char path[600];
	int e = rootfs_dirs_make(rfs, img, dir, cfg->read_only, owner, err);

	if (e)
		return e;
	if (idmap_dir(rfs, path, sizeof(path)))
		return bb_err(err, ENAMETOOLONG, "cannot name the idmap dir under %s: too long",
			      rfs->dir);
	return mkdir_p(path, 0755, err);
}

/* The idmapped layers' mount points and fds, undone in one place. */
struct idmap_layers {
	unsigned n;
	char **paths; /* <rfs->dir>/idmap/<i>, top first */
	unsigned attached; /* paths[0..attached) are mounted */
};

static void idmap_layers_undo(struct idmap_layers *l)
{
	for (unsigned i = 0; i < l->attached; i++)
		umount2(l->paths[i], MNT_DETACH);
	l->attached = 0;
	if (l->paths)
		for (unsigned i = 0; i < l->n; i++)
			free(l->paths[i]);
	free(l->paths);
	l->paths = NULL;
}

/* Whether this process is in a user namespace other than the initial one: its uid_map is not
 * the identity over all 2^32 - 1 ids. */
static bool in_child_userns(void)
{
	char map[128] = "";
	unsigned a = 0, b = 0, n = 0;
	struct bb_error ignored = { 0 };

	if (read_file("/proc/self/uid_map", map, sizeof(map), &ignored) < 0)
		return false;
	return sscanf(map, "%u %u %u", &a, &b, &n) != 3 || a || b || n != 4294967295u;
}

static int overlay_idmap_mount(const struct driver_config *cfg, struct rootfs *rfs,
			       struct bb_error *err)
{
	const struct driver_image *img = rfs->image;
	struct idmap_layers l = { .n = img->n_lowers };
	char base[600];
	int ns = -1, e;

	if (idmap_dir(rfs, base, sizeof(base)))
		return bb_err(err, ENAMETOOLONG, "cannot name the idmap dir under %s: too long",
			      rfs->dir);
	l.paths = calloc(l.n ? l.n : 1, sizeof(*l.paths));
	if (!l.paths)
		return bb_err(err, ENOMEM, "out of memory for %u idmapped layers", l.n);
	for (unsigned i = 0; i < l.n; i++)
		if (asprintf(&l.paths[i], "%s/%u", base, i) < 0) {
			l.paths[i] = NULL;
			e = bb_err(err, ENOMEM, "out of memory for %u idmapped layers", l.n);
			goto out;
		}

	if ((e = idmap_userns_open(IDMAP_INSIDE, IDMAP_OUTSIDE, IDMAP_COUNT, &ns, err)))
		goto out;
	for (unsigned i = 0; i < l.n; i++) {
		int fd;

		if (mkdir(l.paths[i], 0755) < 0 && errno != EEXIST) {
			e = bb_err(err, errno, "cannot make the mount point %s: %s", l.paths[i],
				   errno_name(errno));
			goto out;
		}
		if ((e = idmap_clone(img->lowers[i], ns, &fd, err)))
			goto out;
		e = idmap_attach(fd, l.paths[i], err);
		close(fd);
		if (e)
			goto out;
		l.attached = i + 1;
	}
	e = overlay_mount_layers(cfg, rfs, (const char *const *)l.paths, l.n, NULL, 0, &cfg->ovl,
				 err);
	if (e)
		bb_err_wrap(err, "over %u idmapped layers", l.n);
out:
	if (e && in_child_userns())
		bb_err_wrap(
			err,
			"the driver mounts inside the container's user namespace (--ns user), "
			"where neither the map nor MOUNT_ATTR_IDMAP is allowed (both need the "
			"host's root); engines idmap the layers from the host: run without user "
			"in --ns");
	/* The overlay holds private clones of its layers: ours can go, on success too. */
	idmap_layers_undo(&l);
	if (ns >= 0)
		close(ns);
	return e;
}

static int overlay_idmap_umount(const struct driver_config *cfg, struct rootfs *rfs,
				struct bb_error *err)
{
	(void)cfg;
	return ovl_umount(rfs->merged, err);
}

static int overlay_idmap_release(const struct driver_config *cfg, struct rootfs *rfs,
				 struct bb_error *err)
{
	char path[600];

	/* A container's layer mounts die with its namespace; a half-done mount() in this one
	 * detached its own. Detach anything left, then remove the dirs (idmap is in rfs->dir). */
	if (rfs->dir[0] && !idmap_dir(rfs, path, sizeof(path)) && rfs->image) {
		for (unsigned i = 0; i < rfs->image->n_lowers; i++) {
			char p[620];

			snprintf(p, sizeof(p), "%s/%u", path, i);
			umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW);
		}
	}
	return overlay_release(cfg, rfs, err);
}

static void overlay_idmap_describe(const struct driver_config *cfg, char *buf, size_t len)
{
	snprintf(buf, len, "overlay-idmap (%s, each lower idmapped %u:%u:%u%s%s)",
		 mount_api_name(cfg->api), IDMAP_INSIDE, IDMAP_OUTSIDE, IDMAP_COUNT,
		 cfg->ovl.userxattr ? ", userxattr" : "", cfg->read_only ? ", read-only" : "");
}

const struct storage_driver driver_overlay_idmap = {
	.name = "overlay-idmap",
	.summary = "kernel overlayfs over lower layers idmapped (mount_setattr) 0:100000:65536, "
		   "as engines mount user-namespaced containers",
	.available = overlay_idmap_available,
	.image_open = overlay_idmap_image_open,
	.image_close = overlay_idmap_image_close,
	.prepare = overlay_idmap_prepare,
	.mount = overlay_idmap_mount,
	.umount = overlay_idmap_umount,
	.release = overlay_idmap_release,
	.describe = overlay_idmap_describe,
};
