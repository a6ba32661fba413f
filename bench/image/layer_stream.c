/* A layer blob through a decoder and a libarchive tar reader: see layer_stream.h.
 *
 * The blob is read in chunks that are hashed as they come (the digest). A decoder turns them
 * into the tar stream, which is hashed again (the diff_id) on its way to the tar reader; so
 * each byte of the blob is read once, and both digests come out of the same pass.
 *
 * gzip is decoded here with zlib, not by libarchive: libarchive skips the gzip trailer
 * unchecked, so a flipped bit in the data would unpack as a damaged file. zstd goes through
 * libarchive's filter (its "raw" format), which has libzstd check the frame checksum and
 * reports a frame cut short. */
#include "layer_stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define BLOB_CHUNK (256 * 1024)

struct layer_stream {
	layer_read_fn read;
	void *ctx;
	enum layer_compression want, kind;
	struct archive *zstd, *tar;
	z_stream z;
	bool z_open, gz_member_done;
	struct sha256 blob, diff;
	unsigned long long blob_bytes, tar_bytes;
	long long max_blob_bytes;
	bool src_eof, out_eof;
	int failed; /* the decoder failed (negative errno): it says so again on every call */
	struct bb_error src_err; /* why the source failed */
	struct bb_error dec_err; /* why the decoder failed, for the tar reader's message */
	size_t in_off, in_len; /* in[in_off, in_len) is read but not decoded yet */
	unsigned char in[BLOB_CHUNK], out[BLOB_CHUNK];
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

/* ---- the blob ---- */

/* Reads more of the blob after what in[] holds; 0 at its end, or a negative errno (in
 * ls->src_err). */
static ssize_t src_more(struct layer_stream *ls)
{
	ssize_t n;

	if (ls->src_eof)
		return 0;
	if (ls->in_off == ls->in_len) {
		ls->in_off = ls->in_len = 0;
	} else if (ls->in_off) {
		memmove(ls->in, ls->in + ls->in_off, ls->in_len - ls->in_off);
		ls->in_len -= ls->in_off;
		ls->in_off = 0;
	}
	n = ls->read(ls->ctx, ls->in + ls->in_len, sizeof(ls->in) - ls->in_len, &ls->src_err);
	if (n < 0)
		return n;
	if (!n) {
		ls->src_eof = true;
		return 0;
	}
	ls->blob_bytes += (unsigned long long)n;
	if (ls->max_blob_bytes >= 0 && ls->blob_bytes > (unsigned long long)ls->max_blob_bytes)
		return bb_err(&ls->src_err, EFBIG,
			      "the blob is longer than the %lld bytes its descriptor gives",
			      ls->max_blob_bytes);
	sha256_update(&ls->blob, ls->in + ls->in_len, (size_t)n);
	ls->in_len += (size_t)n;
	return n;
}

/* Whether at least n unread bytes are in in[] (reading more if need be); < 0 on error. */
static int src_have(struct layer_stream *ls, size_t n)
{
	while (ls->in_len - ls->in_off < n) {
		ssize_t r = src_more(ls);

		if (r <= 0)
			return r < 0 ? (int)r : 0;
	}
	return 1;
}

/* ---- decoders: each gives the next piece of the tar stream, 0 at its end ---- */

static ssize_t decode_fail(struct layer_stream *ls, int code, const char *msg)
{
	ls->failed = -code;
	bb_err(&ls->dec_err, code, "%s", msg);
	return ls->failed;
}

static ssize_t plain_decode(struct layer_stream *ls, const void **out)
{
	ssize_t n;

	if (ls->in_off == ls->in_len) {
		n = src_more(ls);
		if (n <= 0)
			return n < 0 ? decode_fail(ls, -(int)n, ls->src_err.msg) : 0;
	}
	*out = ls->in + ls->in_off;
	n = (ssize_t)(ls->in_len - ls->in_off);
	ls->in_off = ls->in_len;
	return n;
}

/* One gzip member after another, as gzip -d and Go's gzip reader take them; anything else
 * after a member is damage (or data appended to the blob), as it is to Go's reader. */
static ssize_t gzip_next_member(struct layer_stream *ls)
{
	int r = src_have(ls, 1);

	if (r < 0)
		return decode_fail(ls, -r, ls->src_err.msg);
	if (!r) {
		ls->out_eof = true;
		return 0;
	}
	r = src_have(ls, 2);
	if (r < 0)
		return decode_fail(ls, -r, ls->src_err.msg);
	if (!r || ls->in[ls->in_off] != 0x1f || ls->in[ls->in_off + 1] != 0x8b)
		return decode_fail(ls, EBADMSG,
				   "the blob goes on after the end of its gzip stream with bytes "
				   "that are not gzip (damaged, or data appended to it)");
	if (inflateReset(&ls->z) != Z_OK)
		return decode_fail(ls, EIO, "cannot restart the gzip decoder");
	ls->gz_member_done = false;
	return 1;
}

static ssize_t gzip_decode(struct layer_stream *ls, const void **out)
{
	char msg[160];
	ssize_t n;
	int r;

	ls->z.next_out = ls->out;
	ls->z.avail_out = sizeof(ls->out);
	while (ls->z.avail_out == sizeof(ls->out) && !ls->out_eof) {
		if (ls->gz_member_done) {
			n = gzip_next_member(ls);
			if (n <= 0)
				return n;
		}
		if (ls->in_off == ls->in_len) {
			n = src_more(ls);
			if (n < 0)
				return decode_fail(ls, -(int)n, ls->src_err.msg);
			if (!n)
				return decode_fail(ls, EBADMSG,
						   "the gzip stream is cut short: the blob ends "
						   "before its end (truncated)");
		}
		ls->z.next_in = ls->in + ls->in_off;
		ls->z.avail_in = (uInt)(ls->in_len - ls->in_off);
		r = inflate(&ls->z, Z_NO_FLUSH);
		ls->in_off = ls->in_len - ls->z.avail_in;
		if (r == Z_STREAM_END) {
			ls->gz_member_done = true;
		} else if (r != Z_OK && r != Z_BUF_ERROR) {
			snprintf(msg, sizeof(msg), "the gzip stream is damaged: %s",
				 r == Z_DATA_ERROR && ls->z.msg && strstr(ls->z.msg, "check")
					 ? "its CRC-32 or length does not match the data"
				 : ls->z.msg ? ls->z.msg
					     : "zlib cannot decode it");
			return decode_fail(ls, r == Z_MEM_ERROR ? ENOMEM : EBADMSG, msg);
		}
	}
	*out = ls->out;
	return (ssize_t)(sizeof(ls->out) - ls->z.avail_out);
}

static la_ssize_t zstd_src(struct archive *a, void *data, const void **buf)
{
	struct layer_stream *ls = data;
	ssize_t n;

	if (ls->in_off == ls->in_len) {
		n = src_more(ls);
		if (n < 0) {
			archive_set_error(a, (int)-n, "%s", ls->src_err.msg);
			return -1;
		}
		if (!n)
			return 0;
	}
	*buf = ls->in + ls->in_off;
	n = (ssize_t)(ls->in_len - ls->in_off);
	ls->in_off = ls->in_len;
	return n;
}

static ssize_t zstd_decode(struct layer_stream *ls, const void **out)
{
	la_int64_t off;
	size_t len;
	int r = archive_read_data_block(ls->zstd, out, &len, &off);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN)
		return decode_fail(ls, archive_errno(ls->zstd) > 0 ? archive_errno(ls->zstd) : EIO,
				   archive_error_string(ls->zstd) ? archive_error_string(ls->zstd)
								  : "cannot decompress the blob");
	return (ssize_t)len;
}

/* The next piece of the tar stream, hashed into the diff_id; 0 at its end. */
static ssize_t decode(struct layer_stream *ls, const void **out)
{
	ssize_t n;

	if (ls->failed)
		return ls->failed;
	if (ls->out_eof)
		return 0;
	n = ls->kind == LAYER_GZIP   ? gzip_decode(ls, out)
	    : ls->kind == LAYER_ZSTD ? zstd_decode(ls, out)
				     : plain_decode(ls, out);
	if (n > 0) {
		sha256_update(&ls->diff, *out, (size_t)n);
		ls->tar_bytes += (unsigned long long)n;
	} else if (!n) {
		ls->out_eof = true;
	}
	return n;
}

static la_ssize_t tar_read(struct archive *a, void *data, const void **out)
{
	struct layer_stream *ls = data;
	ssize_t n = decode(ls, out);

	if (n < 0) {
		archive_set_error(a, (int)-n, "%s", ls->dec_err.msg);
		return -1;
	}
	return n;
}

/* ---- setting up ---- */

/* What the first bytes say the blob is. */
static enum layer_compression sniff(const struct layer_stream *ls)
{
	static const unsigned char gzip[] = { 0x1f, 0x8b }, zstd[] = { 0x28, 0xb5, 0x2f, 0xfd };
	const unsigned char *p = ls->in + ls->in_off;
	size_t n = ls->in_len - ls->in_off;

	if (n >= sizeof(gzip) && !memcmp(p, gzip, sizeof(gzip)))
		return LAYER_GZIP;
	if (n >= sizeof(zstd) && !memcmp(p, zstd, sizeof(zstd)))
		return LAYER_ZSTD;
	return LAYER_PLAIN;
}

static int open_decoder(struct layer_stream *ls, struct bb_error *err)
{
	struct archive_entry *e;

	if (ls->kind == LAYER_GZIP) {
		/* 15 + 16: a gzip wrapper only, its CRC-32 and length checked at each end. */
		if (inflateInit2(&ls->z, 15 + 16) != Z_OK)
			return bb_err(err, ENOMEM, "cannot start the gzip decoder: out of memory");
		ls->z_open = true;
		return 0;
	}
	if (ls->kind != LAYER_ZSTD)
		return 0;
	if (!layer_stream_has_zstd())
		return bb_err(err, ENOTSUP,
			      "the layer is zstd-compressed and this libarchive (%s) cannot "
			      "decompress zstd itself; convert the image to gzip layers (e.g. "
			      "'skopeo copy --dest-compress-format gzip')",
			      archive_version_string());
	ls->zstd = archive_read_new();
	if (!ls->zstd)
		return bb_err(err, ENOMEM, "out of memory");
	archive_read_support_filter_zstd(ls->zstd);
	archive_read_support_format_raw(ls->zstd);
	if (archive_read_open(ls->zstd, ls, NULL, zstd_src, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(ls->zstd, &e) < ARCHIVE_WARN)
		return bb_err(err, EBADMSG, "%s",
			      archive_error_string(ls->zstd) ? archive_error_string(ls->zstd)
							     : "cannot read the zstd blob");
	return 0;
}

int layer_stream_open(struct layer_stream **out, layer_read_fn read, void *ctx,
		      enum layer_compression compression, long long max_blob_bytes,
		      struct bb_error *err)
{
	struct layer_stream *ls = calloc(1, sizeof(*ls));
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
	r = src_have(ls, 4);
	if (r < 0) {
		r = bb_err(err, -r, "%s", ls->src_err.msg);
		goto fail;
	}
	ls->kind = sniff(ls);
	if (compression != LAYER_DETECT && ls->kind != compression) {
		r = bb_err(err, EBADMSG, "its media type says %s but the blob is %s",
			   layer_compression_name(compression), layer_compression_name(ls->kind));
		goto fail;
	}
	r = open_decoder(ls, err);
	if (r)
		goto fail;
	ls->tar = archive_read_new();
	if (!ls->tar) {
		r = bb_err(err, ENOMEM, "out of memory");
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

int layer_stream_finish(struct layer_stream *ls, unsigned long long max_trailing,
			struct layer_stream_result *res, struct bb_error *err)
{
	unsigned long long trailing = 0;
	const void *buf;
	ssize_t n;

	/* The tar reader stops at the end-of-archive blocks; the diff_id covers the padding
	 * after them too, the blob digest every byte of the file, and the decoder must see its
	 * stream to the end to check it. */
	while ((n = decode(ls, &buf)) > 0) {
		trailing += (unsigned long long)n;
		if (trailing > max_trailing)
			return bb_err(err, EFBIG,
				      "more than %llu bytes follow the end of the tar in the blob "
				      "(they count against --max-bytes)",
				      max_trailing);
	}
	if (n < 0)
		return bb_err(err, -(int)n, "%s", ls->dec_err.msg);
	while ((n = src_more(ls)) > 0)
		ls->in_off = ls->in_len;
	if (n < 0)
		return bb_err(err, -(int)n, "%s", ls->src_err.msg);
	sha256_final(&ls->blob, res->digest);
	sha256_final(&ls->diff, res->diff_id);
	res->blob_bytes = ls->blob_bytes;
	res->tar_bytes = ls->tar_bytes;
	res->compression = ls->kind;
	return 0;
}

void layer_stream_free(struct layer_stream *ls)
{
	if (!ls)
		return;
	archive_read_free(ls->tar);
	archive_read_free(ls->zstd);
	if (ls->z_open)
		inflateEnd(&ls->z);
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
