/* What a container changed: the upper layer's entries held against the lower layers. An
 * entry whose path (or redirect) exists below was copied up, with its data or (metacopy)
 * metadata only; a directory copied up may hold nothing changed itself but be the parent of
 * what was; the rest is new, or a whiteout deleting something below. */
#ifndef BOXBENCH_UPPER_CHANGES_H
#define BOXBENCH_UPPER_CHANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "layer_scan.h"
#include "overlay_which.h"

enum upper_change_kind {
	UPPER_DATA, /* a lower file copied up with its data (or rewritten) */
	UPPER_METACOPY, /* a lower file copied up for its metadata only (metacopy=on) */
	UPPER_DIR, /* a lower directory copied up (itself changed, or as a parent) */
	UPPER_OTHER, /* a lower symlink, fifo, socket or device copied up */
	UPPER_REPLACED, /* below with another type, or a directory made opaque over one */
	UPPER_NEW, /* in no lower layer */
	UPPER_WHITEOUT, /* deletes what is below */
	/* below a redirect the kernel refuses ("..", "." or malformed): its lookup fails, so
	 * the entry (and all below it) is not in the merged view */
	UPPER_REFUSED,
	UPPER_KIND_MAX,
};

struct upper_change {
	char *path; /* relative to the upper layer's root */
	enum upper_change_kind kind;
	mode_t type; /* S_IFREG, ... of the upper entry */
	long lower; /* position (in the layers array) of the lower counterpart; -1 */
	char *lower_path; /* its path there (differs after a rename with redirect_dir) */
	bool parent; /* a directory with changes below it */
};

struct upper_changes {
	struct upper_change *v; /* in name order, parents before their entries */
	size_t n;
	unsigned long long count[UPPER_KIND_MAX];
	unsigned long long parents; /* copied-up directories that hold other changes */
	struct layer_counts layer; /* the upper layer's own counts, from the same walk */
};

const char *upper_change_kind_name(enum upper_change_kind k);

/* Walks the upper layer at upper_dir and looks every entry up in the lower layers of
 * layers[] (those of role OVL_LAYER_LOWER). prefix as for layer_scan(). */
int upper_changes_scan(const struct which_layer *layers, size_t n, const char *upper_dir,
		       int prefix, struct upper_changes *out, struct bb_error *err);
void upper_changes_free(struct upper_changes *c);

#endif
