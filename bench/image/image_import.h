/* boxbench image import, the library side: an image source (see image_source.h) unpacked
 * layer by layer into DEST/l/<n> (0 = bottom, as in layer_stack.h), every blob checked against
 * its digest on the way, and DEST/image.json written last. Either the whole image is there, or
 * nothing import created is left. */
#ifndef BOXBENCH_IMAGE_IMPORT_H
#define BOXBENCH_IMAGE_IMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "storage/ovl_marks.h" /* enum whiteout_form */

#define IMAGE_JSON_VERSION	1
#define IMAGE_DEFAULT_MAX_BYTES (16ULL << 30)

struct image_import_opts {
	const char *const *srcs; /* an OCI layout, a docker save archive, or layer tarballs */
	size_t n_srcs;
	const char *dest; /* must not exist, or be an empty directory */
	const char *ref; /* which image of several; NULL for the only one */
	enum whiteout_form whiteout;
	bool userxattr;
	unsigned long long max_bytes; /* file data of all layers together */
	/* Take a layer tarball that stops after an entry without the tar's end-of-archive blocks
	 * (a layer the image names by a digest may do that anyway: the digest vouches for it). */
	bool allow_truncated;
	/* Asked before each read of a layer: once it says true (a signal came, say), the import
	 * stops and removes what it wrote, as on any failure. NULL: never. */
	bool (*stop)(void);
};

enum image_import_failure {
	IMPORT_OK,
	IMPORT_BAD_INPUT, /* SRC is no image boxbench can read, or DEST is in use: nothing done */
	IMPORT_REFUSED, /* a layer is unsafe, corrupt, not what its digest says, or too big */
	IMPORT_FAILED, /* writing DEST failed */
};

struct image_import_result {
	/* What DEST/image.json holds (the caller json_decref()s it): boxbench_image, source (the
	 * SRCs as given, joined by spaces), sources (the same as a list), source_kind, ref,
	 * whiteout, xattr_prefix, layers (bottom first: dir, digest, diff_id, media_type,
	 * compressed_bytes, bytes, entries, whiteouts, opaque_dirs, devices_skipped) and
	 * total_bytes. */
	json_t *image;
	unsigned long long total_bytes;
	long long elapsed_ns;
	enum image_import_failure failure;
};

int image_import(const struct image_import_opts *o, struct image_import_result *res,
		 struct bb_error *err);

#endif
