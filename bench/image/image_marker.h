/* What tells a finished image from one being imported or left half-written by a killed
 * import. While `image import` writes DEST it holds two files, each with flock(LOCK_EX) for
 * as long as it runs (the kernel drops the locks when it dies, even by kill -9):
 *   DEST/.boxbench-import                  made before anything else in DEST; holds the pid
 *   /run/boxbench/imports/<pid>.<random>   "dest=<absolute DEST>\ncreated=<0|1>\n", so that
 *                                          `boxbench cleanup` can find DEST (root only)
 * Both go once image.json is in place, or once a failed import has removed what it wrote.
 * Readers of an image dir (inspect, run --image) refuse one that has the marker. */
#ifndef BOXBENCH_IMAGE_MARKER_H
#define BOXBENCH_IMAGE_MARKER_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

#define IMAGE_MARKER_NAME ".boxbench-import"
#define IMAGE_IMPORTS_DIR "/run/boxbench/imports"

struct image_marker {
	bool active; /* begun and not ended; a zeroed struct is inactive */
	int fd, reg_fd; /* the marker and the registration, both locked; -1 for none */
	char dest[PATH_MAX]; /* absolute */
	char reg_path[PATH_MAX];
	bool created; /* the import made DEST */
};

/* At the import's start, once DEST exists (created_dest: the import made it) and before
 * anything is written in it. Where the registry cannot be written (not root), the import
 * goes on with the marker alone. */
int image_marker_begin(struct image_marker *m, const char *dest, bool created_dest,
		       struct bb_error *err);

/* At the import's end. After success (image.json in place), or after a failure that removed
 * DEST/l, the marker and the registration go, and after a failure DEST too when the import
 * made it and it is empty. When DEST/l is still there after a failure, both stay (unlocked)
 * for `boxbench cleanup`. Does nothing on an inactive marker. */
void image_marker_end(struct image_marker *m, bool failed);

/* For readers of an image dir: 0 when dir holds no marker; -EBUSY when an import is still
 * writing it, -ESTALE when the import that wrote it is gone; a message says which and what
 * to do. */
int image_marker_check(const char *dir, struct bb_error *err);

/* An image dir's manifest, as its readers take it: refused while the marker is there
 * (image_marker_check), else DIR/image.json loaded with json_file_load(); *doc is NULL (and
 * 0 returned) when there is none, as in a hand-made stack of l/<n>. */
int image_dir_manifest(const char *dir, json_t **doc, struct bb_error *err);

/* A registration's content: the absolute DEST and whether the import made it. */
int image_registration_parse(const char *text, char *dest, size_t len, bool *created);

#endif
