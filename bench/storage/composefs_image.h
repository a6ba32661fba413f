/* A composefs-style image of a merged tree, made with Debian's tools only: each regular file's
 * data moved into a content store (data/<2 hex>/<sha256 hex>, one copy per content), the file
 * itself left as a sparse stub of the same size, mode, owner and times carrying
 * trusted.overlay.metacopy and trusted.overlay.redirect = "/<2 hex>/<sha256 hex>", and the tree
 * of stubs made into an erofs image (mkfs.erofs, chunked so the stubs' holes take no space).
 * Mounted as overlay's lowest layer over the content store as a data-only layer, the stubs'
 * data comes from the store. */
#ifndef BOXBENCH_COMPOSEFS_IMAGE_H
#define BOXBENCH_COMPOSEFS_IMAGE_H

#include "common/error.h"

struct composefs_stats {
	unsigned long long files; /* regular files with data, made stubs */
	unsigned long long unique; /* distinct contents put in the store */
	unsigned long long bytes; /* the files' sizes, summed */
	unsigned long long image_bytes; /* the erofs image's size */
};

/* Moves the data of every regular file of tree (not crossing mounts) into the content store
 * store (created if missing) and leaves a metacopy stub in its place. tmp is a path on tree's
 * file system, not inside it, used for one stub at a time. Empty files stay as they are: they
 * have no data to redirect to. */
int composefs_split(const char *tree, const char *store, const char *tmp,
		    struct composefs_stats *stats, struct bb_error *err);

/* mkfs.erofs of tree into image, xattrs kept, chunked (--chunksize=4096: holes are null
 * chunks, not zero blocks); its size into stats->image_bytes. */
int composefs_mkfs(const char *tree, const char *image, struct composefs_stats *stats,
		   struct bb_error *err);

#endif
