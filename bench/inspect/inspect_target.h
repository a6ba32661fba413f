/* What `boxbench inspect` looks at, resolved to a list of layer dirs: an overlay mount
 * point, a process whose root is an overlay, or an image dir (DIR/l/<n>, layer 0 at the
 * bottom, with the image.json `image import` writes, or a synthetic stack from the cache). */
#ifndef BOXBENCH_INSPECT_TARGET_H
#define BOXBENCH_INSPECT_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "mountinfo.h"
#include "ovl_mounted.h"

enum inspect_kind { INSPECT_MOUNT, INSPECT_PID, INSPECT_IMAGE };

struct inspect_layer {
	enum ovl_layer_role role;
	unsigned index; /* lowers from the bottom (0), upper above them, data-only 0.. */
	char *dir; /* absolute; as the kernel shows it when relative */
	char *digest; /* image.json's, or NULL */
	bool relative; /* named relative to the mounter's cwd: cannot be found now */
	int fd; /* the dir (O_RDONLY|O_DIRECTORY); -1 when it could not be opened */
	int open_errno; /* why not; 0 when relative */
};

struct inspect_target {
	enum inspect_kind kind;
	pid_t pid;
	char *mount_point; /* mount/pid: as that mountinfo shows it ("/" for a pid) */
	char *dir; /* image: its absolute dir */
	struct mountinfo_entry mnt; /* mount/pid */
	struct ovl_mounted ovl; /* mount/pid */
	char *manifest; /* image: "image.json", "stack.json" or NULL */
	char *whiteout_form; /* image.json's "whiteout", or NULL */
	int prefix; /* enum ovl_prefix the overlay honours; -1 unknown (either counts) */
	const char *prefix_source; /* "userxattr option", "image.json", ... */
	bool follow_redirects; /* the mount's redirect_dir (or its default) follows them */
	bool refuse_metacopy; /* metacopy is off: the kernel refuses metacopy files (EPERM) */
	struct inspect_layer *layers; /* top to bottom: upper, lowers, data-only layers */
	size_t n_layers;
	bool has_upper;
};

/* Decides what target is (digits: a pid; else a dir that is an overlay mount point; else a
 * dir holding l/0) and opens its layers. A target that is none of these, a mount of another
 * type, or a process that does not exist is an error naming what was expected. Layers that
 * cannot be opened are no error: their fd is -1. */
int inspect_target_open(const char *target, struct inspect_target *t, struct bb_error *err);
void inspect_target_close(struct inspect_target *t);

const char *inspect_kind_name(enum inspect_kind k);

#endif
