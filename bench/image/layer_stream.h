/* A layer blob read once, front to back: its bytes are hashed as they come (the blob digest),
 * decompressed (gzip, zstd or none) and hashed again (the diff_id), and handed to a tar reader.
 * image_import.c unpacks that tar with image_unpack(), then asks here for the digests. Damage
 * to the compressed stream is an error: gzip's CRC-32 and length and zstd's checksum are
 * checked, a stream that stops inside a member or frame is refused, and so is anything but
 * another member or frame after one. */
#ifndef BOXBENCH_LAYER_STREAM_H
#define BOXBENCH_LAYER_STREAM_H

#include <stdbool.h>
#include <sys/types.h>

#include "digest.h"
#include "common/error.h"

struct archive;

enum layer_compression {
	LAYER_DETECT, /* whatever the first bytes say: gzip, zstd or a plain tar */
	LAYER_PLAIN,
	LAYER_GZIP,
	LAYER_ZSTD,
};

/* Where the blob's bytes come from: fills buf, returns the count, 0 at the end, or a negative
 * errno with a message in err. */
typedef ssize_t (*layer_read_fn)(void *ctx, void *buf, size_t len, struct bb_error *err);

struct layer_stream_result {
	char digest[DIGEST_STRING_MAX]; /* of the blob as read */
	char diff_id[DIGEST_STRING_MAX]; /* of the tar inside it */
	unsigned long long blob_bytes, tar_bytes;
	enum layer_compression compression; /* what it turned out to be */
};

struct layer_stream;

/* Whether this libarchive decompresses zstd itself (not through an external program). */
bool layer_stream_has_zstd(void);
const char *layer_compression_name(enum layer_compression c); /* "tar", "gzip", "zstd" */

/* compression other than LAYER_DETECT is enforced: a blob that is not what it says is an
 * error. max_blob_bytes >= 0 stops reading a blob that is longer than its descriptor says. */
int layer_stream_open(struct layer_stream **ls, layer_read_fn read, void *ctx,
		      enum layer_compression compression, long long max_blob_bytes,
		      struct bb_error *err);
/* The tar reader, before its first header. */
struct archive *layer_stream_tar(struct layer_stream *ls);
/* After the tar was read to its end: reads what is left of the blob (tar padding, the gzip
 * trailer) into the digests, checking the compression to its end, and gives them. More than
 * max_trailing bytes of tar stream after the tar's end is an error (EFBIG): they are hashed,
 * never written, but a small blob could make them without end. */
int layer_stream_finish(struct layer_stream *ls, unsigned long long max_trailing,
			struct layer_stream_result *res, struct bb_error *err);
void layer_stream_free(struct layer_stream *ls);

/* Readers for the two places blobs live: a file, and the current member of an outer tar
 * (ctx is the struct archive * positioned at that member). */
ssize_t layer_read_fd(void *ctx, void *buf, size_t len, struct bb_error *err);
ssize_t layer_read_member(void *ctx, void *buf, size_t len, struct bb_error *err);

#endif
