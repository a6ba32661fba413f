/* Synthetic layer stacks: overlay lower layers generated from a seed, with names planted at
 * known layers so every lookup case has a known answer. Same parameters, same stack, byte for
 * byte; built stacks are cached under a key derived from the parameters.
 *
 * Layers are numbered from the bottom: layer 0 is laid down first, layer depth-1 is the top
 * (overlay's lowerdir lists them the other way round). On disk: <cache>/<key>/l/<n>/. */
#ifndef BOXBENCH_LAYER_STACK_H
#define BOXBENCH_LAYER_STACK_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "ovl_marks.h" /* enum whiteout_form */

#define LAYER_STACK_MAX_DEPTH	     500 /* overlayfs' OVL_MAX_STACK */
#define LAYER_STACK_MAX_COPYUP_SIZES 8

struct layer_stack_params {
	unsigned depth; /* 1..500 */
	unsigned files_per_layer; /* regular files each layer adds to shared/ */
	unsigned dirs_per_layer; /* directories each layer adds to shared/ */
	unsigned long long file_size; /* bytes in each of those files */
	bool sparse; /* files are holes but for their first 4 KiB */
	unsigned whiteouts_per_layer; /* files of lower layers each layer deletes */
	unsigned opaque_per_layer; /* directories of lower layers each layer makes opaque */
	enum whiteout_form whiteout_form;
	bool userxattr; /* user.overlay.* xattrs (for userxattr mounts) */
	unsigned long long seed;
	/* copyup/bottom-<size> in layer 0 and copyup/top-<size> in the top layer, per size */
	unsigned long long copyup_sizes[LAYER_STACK_MAX_COPYUP_SIZES];
	size_t n_copyup_sizes;
};

/* What a planted name is, seen through the merged mount. */
enum planted_kind {
	PLANT_FOUND, /* a regular file provided by `layer` */
	PLANT_WHITEOUT, /* exists in a lower layer, deleted by a whiteout at `layer` */
	PLANT_OPAQUE, /* a directory made opaque at `layer`: lower entries hidden */
	PLANT_HIDDEN, /* an entry of a lower layer hidden by an opaque directory above it */
	PLANT_ABSENT, /* in no layer at all */
};

struct planted {
	char path[256]; /* relative to the merged root, e.g. "probe/wh-top" */
	enum planted_kind kind;
	int layer; /* the layer that decides the answer; -1 for PLANT_ABSENT */
	const char *role; /* "found-top", "found-bottom", "whiteout-top", ...: lookup case names */
	unsigned long long size; /* a found regular file's size in an image; 0 otherwise */
};

struct layer_stack {
	char dir[512]; /* <cache>/<key> */
	char key[17]; /* hex digest of the parameters */
	struct layer_stack_params params;
	struct planted *planted;
	size_t n_planted;
	bool built_now; /* false when it came from the cache */
};

/* Fills params with the defaults (depth 8, a handful of files, chardev whiteouts). */
void layer_stack_params_default(struct layer_stack_params *p);
int layer_stack_params_check(const struct layer_stack_params *p, struct bb_error *err);

/* Builds the stack under cache_dir, or reuses a complete one with the same key. A failed or
 * interrupted build leaves no partial stack that a later call would trust. */
int layer_stack_build(struct layer_stack *s, const struct layer_stack_params *p,
		      const char *cache_dir, struct bb_error *err);
/* The directory of layer n (0 = bottom) into buf. */
void layer_stack_layer_path(const struct layer_stack *s, unsigned n, char *buf, size_t len);
const struct planted *layer_stack_find_role(const struct layer_stack *s, const char *role);
void layer_stack_free(struct layer_stack *s);
/* Appends a planted name (role is not copied: a string that lives as long as s). Returns 0 or
 * -ENOMEM. */
int layer_stack_plant(struct layer_stack *s, const char *path, enum planted_kind kind, int layer,
		      const char *role, unsigned long long size);
/* A deep copy (the planted list is the copy's own). */
int layer_stack_copy(struct layer_stack *dst, const struct layer_stack *src, struct bb_error *err);

const char *planted_kind_name(enum planted_kind kind);
/* The cache key of a parameter set: 16 hex digits (FNV-1a of a canonical description). */
void layer_stack_key(const struct layer_stack_params *p, char key[17]);

#endif
