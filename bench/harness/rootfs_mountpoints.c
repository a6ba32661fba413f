/* Making a container's missing mount points in its upper layer: see rootfs_mountpoints.h.
 * Whether the merged view has the directory is overlay's lookup replayed on the stack's layers
 * (overlay_which), so the answer is the kernel's, whiteouts and opaque dirs included. */
#include "rootfs_mountpoints.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "storage/ovl_marks.h"
#include "inspect/overlay_which.h"

/* What the start path mounts in the new root (container.c's child_main). */
static const char *const mount_points[] = { "proc" };

/* Whether the stack's merged view has a directory at name. */
static int merged_has_dir(const struct driver_config *cfg, const struct layer_stack *s,
			  const char *name, bool *dir, struct bb_error *err)
{
	unsigned depth = s->params.depth;
	struct which_layer *layers = calloc(depth ? depth : 1, sizeof(*layers));
	struct which_opts o = { .prefix = cfg->ovl.userxattr ? OVL_PREFIX_USER : OVL_PREFIX_TRUSTED,
				.follow_redirects = true };
	struct which_answer a = { 0 };
	int e = 0;

	if (!layers)
		return bb_err(err, ENOMEM, "out of memory");
	for (unsigned i = 0; i < depth; i++)
		layers[i].fd = -1;
	for (unsigned i = 0; i < depth; i++) {
		char path[700];

		/* overlay lists lower layers top first; the stack numbers them from the bottom. */
		layer_stack_layer_path(s, depth - 1 - i, path, sizeof(path));
		layers[i].role = OVL_LAYER_LOWER;
		layers[i].fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (layers[i].fd < 0) {
			e = bb_err(err, errno, "cannot open the layer %s: %s", path,
				   errno_name(errno));
			break;
		}
	}
	if (!e && !(e = overlay_which(layers, depth, &o, name, &a, err)))
		*dir = a.result == WHICH_FOUND && S_ISDIR(a.type);
	which_answer_free(&a);
	for (unsigned i = 0; i < depth; i++)
		if (layers[i].fd >= 0)
			close(layers[i].fd);
	free(layers);
	return e;
}

static int make_in_upper(const struct driver_config *cfg, const struct rootfs *rfs,
			 const char *name, uid_t owner, struct bb_error *err)
{
	const char *opaque = cfg->ovl.userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
	char path[700];

	snprintf(path, sizeof(path), "%s/%s", rfs->upper, name);
	if (mkdir(path, 0555) < 0 && errno != EEXIST)
		return bb_err(err, errno, "cannot create the mount point %s: %s", path,
			      errno_name(errno));
	if (lsetxattr(path, opaque, "y", 1, 0) < 0)
		return bb_err(err, errno, "cannot make the mount point %s opaque (%s): %s", path,
			      opaque, errno_name(errno));
	if (owner && lchown(path, owner, owner) < 0)
		return bb_err(err, errno, "cannot hand %s to uid %u: %s", path, (unsigned)owner,
			      errno_name(errno));
	return 0;
}

int rootfs_make_mount_points(const struct driver_config *cfg, const struct rootfs *rfs, uid_t owner,
			     struct bb_error *err)
{
	for (size_t i = 0; i < sizeof(mount_points) / sizeof(mount_points[0]); i++) {
		bool dir = false;
		int e = merged_has_dir(cfg, rfs->stack, mount_points[i], &dir, err);

		if (e)
			return bb_err_wrap(err, "while looking for /%s in the image",
					   mount_points[i]);
		if (dir)
			continue;
		if (cfg->read_only)
			return bb_err(
				err, ENOENT,
				"the image has no /%s directory to mount %s on, and a read-only "
				"root has no upper layer to make one in: add the directory to "
				"the image, or run without read-only",
				mount_points[i], mount_points[i]);
		if ((e = make_in_upper(cfg, rfs, mount_points[i], owner, err)))
			return e;
	}
	return 0;
}
