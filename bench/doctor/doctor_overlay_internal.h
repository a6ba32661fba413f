/* What doctor's overlay checks share (doctor_overlay.c and its parts: the rootless mount in
 * doctor_overlay_userns.c, the deepest stacks in doctor_overlay_depth.c): the layer dirs
 * every check mounts from, made once in the scratch dir. */
#ifndef BOXBENCH_DOCTOR_OVERLAY_INTERNAL_H
#define BOXBENCH_DOCTOR_OVERLAY_INTERNAL_H

#include <limits.h>

#include "common/fsutil.h"
#include "doctor.h"
#include "storage/ovl_mount.h"

#define GROUP	 "overlay"
#define N_LAYERS (OVL_MAX_STACK + 1)

struct probe {
	struct check_list *out;
	char root[PATH_MAX]; /* <scratch>/overlay: all of it is removed at the end */
	char merged[PATH_MAX]; /* the one mount point every check uses in turn */
	char data[PATH_MAX]; /* a data-only layer */
	char layers[N_LAYERS][128]; /* <root>/l/NNN, each holding a file named layer-NNN */
	const char *lowers[N_LAYERS];
};

/* dir/name holding one line: the marker files the checks look for through the overlay. */
static inline int overlay_marker(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int e = path_join(path, sizeof(path), dir, name);

	return e ? e : write_file(path, "x\n", 2, NULL);
}

/* The "userxattr" check: an overlay mounted with userxattr by the root of a new user
 * namespace, with a whiteout and an opaque dir made through it. */
void doctor_overlay_userxattr(struct probe *p);

/* The "max_layers_abs" or "max_layers_rel" check (by paths), and "max_layers_fsconfig": the
 * deepest stack each way of mounting takes. */
void doctor_overlay_max_legacy(struct probe *p, enum ovl_paths paths);
void doctor_overlay_max_fsconfig(struct probe *p);

#endif
