/* Whole-tree copies for the drivers that keep full copies (vfs): a tree cloned file by file
 * (FICLONE where the file system shares extents, a copy otherwise), and an overlay-format
 * layer applied onto a copy (its whiteouts delete, its opaque dirs replace, the rest is
 * copied over), which is what vfs makes of each layer of an image. */
#ifndef BOXBENCH_TREE_COPY_H
#define BOXBENCH_TREE_COPY_H

#include <stdbool.h>

#include "common/error.h"

struct tree_copy_stats {
	unsigned long long files, bytes;
	unsigned long long cloned; /* files shared by FICLONE rather than copied */
};

/* Copies the tree src into dst (which must not exist): dirs, regular files, symlinks and
 * device nodes, with modes, owners, times and the xattrs that are not overlay's marks.
 * Stays on src's file system. */
int tree_clone(const char *src, const char *dst, struct tree_copy_stats *stats,
	       struct bb_error *err);
/* Copies the xattrs of src that are not overlay's marks (trusted.overlay.*, user.overlay.*)
 * onto dst; neither followed if a symlink. A file system without xattrs is no error. */
int tree_copy_xattrs(const char *src, const char *dst, struct bb_error *err);
/* Applies the overlay layer at layer onto the merged copy dst: a whiteout (0/0 device, or a
 * file with <prefix>.overlay.whiteout) removes its name, an opaque dir (<prefix>.overlay.opaque
 * = y) replaces the dir's contents, other entries replace (dirs merge into) dst's. prefix is
 * an enum ovl_prefix. */
int tree_apply_layer(const char *layer, const char *dst, int prefix, struct tree_copy_stats *stats,
		     struct bb_error *err);

#endif
