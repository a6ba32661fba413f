/* The overlayfs storage driver: the stack's layers as lowerdirs, a private upper and work dir
 * per container, mounted with either mount API (ovl_mount.c). */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"

static int overlay_prepare(const struct driver_config *cfg, const struct layer_stack *stack,
			   const char *dir, uid_t owner, struct rootfs *rfs, struct bb_error *err)
{
	int e;

	memset(rfs, 0, sizeof(*rfs));
	rfs->stack = stack;
	snprintf(rfs->dir, sizeof(rfs->dir), "%s", dir);
	snprintf(rfs->upper, sizeof(rfs->upper), "%s/upper", dir);
	snprintf(rfs->work, sizeof(rfs->work), "%s/work", dir);
	snprintf(rfs->merged, sizeof(rfs->merged), "%s/merged", dir);
	if ((e = mkdir_p(rfs->merged, 0755, err)))
		return e;
	if (cfg->read_only)
		return 0;
	if ((e = mkdir_p(rfs->upper, 0755, err)) || (e = mkdir_p(rfs->work, 0755, err)))
		return e;
	/* The upper layer belongs to the container's root, as rootless engines arrange it. */
	if (owner && (chown(rfs->upper, owner, owner) < 0 || chown(rfs->work, owner, owner) < 0))
		return bb_err(err, errno, "cannot hand %s to uid %u: %s", rfs->dir, (unsigned)owner,
			      errno_name(errno));
	return 0;
}

static int overlay_mount(const struct driver_config *cfg, const struct rootfs *rfs,
			 struct bb_error *err)
{
	const struct layer_stack *s = rfs->stack;
	unsigned depth = s->params.depth;
	char **lowers = calloc(depth, sizeof(*lowers));
	int e = 0;

	if (!lowers)
		return bb_err(err, ENOMEM, "out of memory listing %u layers", depth);
	/* overlay lists lower layers top first; the stack numbers them from the bottom. */
	for (unsigned i = 0; i < depth && !e; i++) {
		char path[700];

		layer_stack_layer_path(s, depth - 1 - i, path, sizeof(path));
		lowers[i] = strdup(path);
		if (!lowers[i])
			e = bb_err(err, ENOMEM, "out of memory listing %u layers", depth);
	}
	if (!e) {
		const char *upper = cfg->read_only ? NULL : rfs->upper;
		const char *work = cfg->read_only ? NULL : rfs->work;

		if (cfg->api == MOUNT_API_FSCONFIG)
			e = ovl_mount_fsconfig(rfs->merged, (const char *const *)lowers, depth,
					       NULL, 0, upper, work, &cfg->ovl, err);
		else
			e = ovl_mount_legacy(rfs->merged, (const char *const *)lowers, depth, NULL,
					     0, upper, work, &cfg->ovl, err);
	}
	for (unsigned i = 0; i < depth; i++)
		free(lowers[i]);
	free(lowers);
	return e;
}

static int overlay_umount(const struct driver_config *cfg, const struct rootfs *rfs,
			  struct bb_error *err)
{
	(void)cfg;
	return ovl_umount(rfs->merged, err);
}

static int overlay_release(const struct driver_config *cfg, struct rootfs *rfs,
			   struct bb_error *err)
{
	(void)cfg;
	return rfs->dir[0] ? remove_tree(rfs->dir, err) : 0;
}

static void overlay_describe(const struct driver_config *cfg, char *buf, size_t len)
{
	const struct ovl_options *o = &cfg->ovl;

	snprintf(buf, len, "overlay (%s%s%s%s%s%s%s%s)", mount_api_name(cfg->api),
		 o->redirect_dir ? ", redirect_dir=on" : "", o->metacopy ? ", metacopy=on" : "",
		 o->index ? ", index=on" : "", o->xino ? ", xino=on" : "",
		 o->volatile_mount ? ", volatile" : "", o->userxattr ? ", userxattr" : "",
		 cfg->read_only ? ", read-only" : "");
}

const struct storage_driver driver_overlay = {
	.name = "overlay",
	.prepare = overlay_prepare,
	.mount = overlay_mount,
	.umount = overlay_umount,
	.release = overlay_release,
	.describe = overlay_describe,
};
