/* A layer blob through two libarchive readers: see layer_stream.h.
 *
 * The first reader has the decompression filters and the "raw" format: its data is the
 * uncompressed tar. The second reads that as a tar, through a callback that hashes it on the
 * way; so each byte of the blob is read once, and both digests come out of the same pass. */
#include "layer_stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOB_CHUNK (256 * 1024)

struct layer_stream {
	layer_read_fn read;
	void *ctx;
	struct archive *raw, *tar;
	struct sha256 blob, diff;
	unsigned long long blob_bytes, tar_bytes;
	long long max_blob_bytes;
	enum layer_compression want;
	bool raw_eof;
	struct bb_error src_err; /* why the source failed, for the tar reader's message */
	char buf[BLOB_CHUNK];
};

bool layer_stream_has_zstd(void)
{
	struct archive *a = archive_read_new();
	bool ok = a && archive_read_support_filter_zstd(a) == ARCHIVE_OK;

	archive_read_free(a);
	return ok;
}

const char *layer_compression_name(enum layer_compression c)
{
	switch (c) {
	case LAYER_GZIP:
		return "gzip";
	case LAYER_ZSTD:
		return "zstd";
	case LAYER_PLAIN:
		return "tar";
	default:
		return "unknown";
	}
}

static la_ssize_t raw_read(struct archive *a, void *data, const void **out)
{
	struct layer_stream *ls = data;
	ssize_t n = ls->read(ls->ctx, ls->buf, sizeof(ls->buf), &ls->src_err);

	if (n < 0) {
		archive_set_error(a, (int)-n, "%s", ls->src_err.msg);
		return -1;
	}
	ls->blob_bytes += (unsigned long long)n;
	if (ls->max_blob_bytes >= 0 && ls->blob_bytes > (unsigned long long)ls->max_blob_bytes) {
		bb_err(&ls->src_err, EFBIG,
		       "the blob is longer than the %lld bytes its descriptor gives",
		       ls->max_blob_bytes);
		archive_set_error(a, EFBIG, "%s", ls->src_err.msg);
		return -1;
	}
	sha256_update(&ls->blob, ls->buf, (size_t)n);
	*out = ls->buf;
	return n;
}

static la_ssize_t tar_read(struct archive *a, void *data, const void **out)
{
	struct layer_stream *ls = data;
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	if (ls->raw_eof)
		return 0;
	r = archive_read_data_block(ls->raw, &buf, &len, &off);
	if (r == ARCHIVE_EOF) {
		ls->raw_eof = true;
		return 0;
	}
	if (r < ARCHIVE_WARN) {
		archive_set_error(a, archive_errno(ls->raw) > 0 ? archive_errno(ls->raw) : EIO,
				  "%s",
				  archive_error_string(ls->raw) ? archive_error_string(ls->raw)
								: "cannot decompress the blob");
		return -1;
	}
	sha256_update(&ls->diff, buf, len);
	ls->tar_bytes += len;
	*out = buf;
	return (la_ssize_t)len;
}

static enum layer_compression filter_seen(struct archive *raw)
{
	switch (archive_filter_code(raw, 0)) {
	case ARCHIVE_FILTER_GZIP:
		return LAYER_GZIP;
	case ARCHIVE_FILTER_ZSTD:
		return LAYER_ZSTD;
	case ARCHIVE_FILTER_NONE:
		return LAYER_PLAIN;
	default:
		return LAYER_DETECT;
	}
}

int layer_stream_open(struct layer_stream **out, layer_read_fn read, void *ctx,
		      enum layer_compression compression, long long max_blob_bytes,
		      struct bb_error *err)
{
	struct layer_stream *ls = calloc(1, sizeof(*ls));
	struct archive_entry *e;
	int r;

	*out = NULL;
	if (!ls)
		return bb_err(err, ENOMEM, "out of memory");
	ls->read = read;
	ls->ctx = ctx;
	ls->max_blob_bytes = max_blob_bytes;
	ls->want = compression;
	r = sha256_init(&ls->blob, err);
	if (!r)
		r = sha256_init(&ls->diff, err);
	if (r)
		goto fail;
	ls->raw = archive_read_new();
	ls->tar = archive_read_new();
	if (!ls->raw || !ls->tar) {
		r = bb_err(err, ENOMEM, "out of memory");
		goto fail;
	}
	if (compression == LAYER_ZSTD && !layer_stream_has_zstd()) {
		r = bb_err(err, ENOTSUP,
			   "the layer is zstd-compressed and this libarchive (%s) cannot "
			   "decompress zstd itself; convert the image to gzip layers (e.g. "
			   "'skopeo copy --dest-compress-format gzip')",
			   archive_version_string());
		goto fail;
	}
	if (compression == LAYER_GZIP || compression == LAYER_DETECT)
		archive_read_support_filter_gzip(ls->raw);
	if ((compression == LAYER_ZSTD || compression == LAYER_DETECT) && layer_stream_has_zstd())
		archive_read_support_filter_zstd(ls->raw);
	archive_read_support_filter_none(ls->raw);
	archive_read_support_format_raw(ls->raw);
	if (archive_read_open(ls->raw, ls, NULL, raw_read, NULL) != ARCHIVE_OK) {
		r = bb_err(err, EIO, "%s",
			   archive_error_string(ls->raw) ? archive_error_string(ls->raw)
							 : "cannot read the blob");
		goto fail;
	}
	r = archive_read_next_header(ls->raw, &e);
	if (r == ARCHIVE_EOF) {
		ls->raw_eof = true; /* empty blob: the tar reader will say so */
	} else if (r < ARCHIVE_WARN) {
		r = bb_err(err, EIO, "%s",
			   archive_error_string(ls->raw) ? archive_error_string(ls->raw)
							 : "cannot read the blob");
		goto fail;
	}
	if (compression != LAYER_DETECT && filter_seen(ls->raw) != compression) {
		r = bb_err(err, EBADMSG, "its media type says %s but the blob is %s",
			   layer_compression_name(compression),
			   layer_compression_name(filter_seen(ls->raw)));
		goto fail;
	}
	archive_read_support_filter_none(ls->tar);
	archive_read_support_format_tar(ls->tar);
	if (archive_read_open(ls->tar, ls, NULL, tar_read, NULL) != ARCHIVE_OK) {
		r = bb_err(err, EIO, "%s",
			   archive_error_string(ls->tar) ? archive_error_string(ls->tar)
							 : "not a tar archive");
		goto fail;
	}
	*out = ls;
	return 0;
fail:
	layer_stream_free(ls);
	return r < 0 ? r : -EIO;
}

struct archive *layer_stream_tar(struct layer_stream *ls)
{
	return ls->tar;
}

int layer_stream_finish(struct layer_stream *ls, struct layer_stream_result *res,
			struct bb_error *err)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	ssize_t n;
	int r;

	/* The tar reader stops at the end-of-archive blocks; the diff_id covers the padding
	 * after them too, and the blob digest every byte of the file. */
	while (!ls->raw_eof) {
		r = archive_read_data_block(ls->raw, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return bb_err(err, EIO, "%s",
				      archive_error_string(ls->raw) ? archive_error_string(ls->raw)
								    : "cannot decompress the blob");
		sha256_update(&ls->diff, buf, len);
		ls->tar_bytes += len;
	}
	ls->raw_eof = true;
	while ((n = ls->read(ls->ctx, ls->buf, sizeof(ls->buf), err)) > 0) {
		ls->blob_bytes += (unsigned long long)n;
		if (ls->max_blob_bytes >= 0 &&
		    ls->blob_bytes > (unsigned long long)ls->max_blob_bytes)
			return bb_err(err, EFBIG,
				      "the blob is longer than the %lld bytes its descriptor gives",
				      ls->max_blob_bytes);
		sha256_update(&ls->blob, ls->buf, (size_t)n);
	}
	if (n < 0)
		return (int)n;
	sha256_final(&ls->blob, res->digest);
	sha256_final(&ls->diff, res->diff_id);
	res->blob_bytes = ls->blob_bytes;
	res->tar_bytes = ls->tar_bytes;
	res->compression = filter_seen(ls->raw);
	return 0;
}

void layer_stream_free(struct layer_stream *ls)
{
	if (!ls)
		return;
	archive_read_free(ls->tar);
	archive_read_free(ls->raw);
	sha256_free(&ls->blob);
	sha256_free(&ls->diff);
	free(ls);
}

ssize_t layer_read_fd(void *ctx, void *buf, size_t len, struct bb_error *err)
{
	int fd = *(int *)ctx;
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? bb_err(err, errno, "cannot read the blob: %s", errno_name(errno)) : n;
}

ssize_t layer_read_member(void *ctx, void *buf, size_t len, struct bb_error *err)
{
	struct archive *outer = ctx;
	la_ssize_t n = archive_read_data(outer, buf, len);

	if (n < 0)
		return bb_err(err, EIO, "cannot read it from the archive: %s",
			      archive_error_string(outer) ? archive_error_string(outer)
							  : "unknown error");
	return n;
}
