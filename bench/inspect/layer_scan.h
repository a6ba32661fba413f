/* Counting what one overlay layer holds: files, directories, symlinks, both forms of
 * whiteout, opaque directories, redirects, metacopy files and bytes. The walk stays on the
 * layer's file system and follows no symlink; a visitor sees every entry (the upper layer's
 * copy-up analysis rides on it). */
#ifndef BOXBENCH_LAYER_SCAN_H
#define BOXBENCH_LAYER_SCAN_H

#include <sys/stat.h>

#include "common/error.h"
#include "storage/ovl_marks.h"

struct layer_counts {
	unsigned long long files; /* regular files; xattr whiteouts are counted apart */
	unsigned long long dirs; /* below the layer's root */
	unsigned long long symlinks;
	unsigned long long others; /* fifos, sockets, devices other than 0/0 */
	unsigned long long whiteouts_chardev; /* 0/0 character devices */
	unsigned long long whiteouts_xattr; /* regular files with overlay.whiteout */
	unsigned long long opaque_dirs; /* overlay.opaque=y */
	unsigned long long xwhiteout_dirs; /* overlay.opaque=x: holds xattr whiteouts */
	unsigned long long redirects; /* overlay.redirect (renamed dirs, metacopy data paths) */
	unsigned long long metacopy; /* overlay.metacopy: metadata-only copies */
	unsigned long long bytes; /* st_size of regular files */
	unsigned long long alloc_bytes; /* st_blocks * 512 of regular files */
	/* Entries with marks under the prefix the mount does not read: the kernel ignores
	 * them (a trusted.* stack on a userxattr mount, or the other way round). */
	unsigned long long foreign_marks;
	unsigned long long other_fs; /* directories on another file system, not entered */
};

struct layer_entry {
	const char *path; /* relative to the layer's root */
	const char *name; /* the last component */
	unsigned depth; /* 1 for the root's own entries */
	int dirfd; /* the parent directory */
	const struct stat *st;
	const struct ovl_mark_set *marks; /* the set the mount honours */
};

/* Called before a directory's entries; a negative errno (with err filled) stops the walk. */
typedef int (*layer_visit_fn)(void *ctx, const struct layer_entry *e, struct bb_error *err);

/* Walks dir (the layer's root), adding into *c. prefix is the enum ovl_prefix the mount
 * honours, or -1 when unknown (then whichever prefix an entry has counts). visit may be NULL.
 * Entries come in name order. */
int layer_scan(const char *dir, int prefix, struct layer_counts *c, layer_visit_fn visit, void *ctx,
	       struct bb_error *err);

#endif
