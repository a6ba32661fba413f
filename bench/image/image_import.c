/* Importing an image into DEST: see image_import.h. Layers are unpacked bottom first, each onto
 * the ones below it. Layers that are files (an OCI layout directory, tarballs) are read one
 * after the other; layers inside an archive are taken as a walk over it meets them in that
 * order, in as many walks as it takes (an old 'docker save' lists the top layer first; a walk
 * seeks over the members it does not read). */
#include "image_import.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/sys.h"
#include "image_marker.h"
#include "image_source.h"
#include "image_unpack.h"
#include "layer_stream.h"

struct layer_done {
	struct unpack_stats st;
	struct layer_stream_result ls;
	bool done;
	size_t links; /* hard links followed to find its blob in an archive */
};

struct importer {
	const struct image_import_opts *o;
	struct image_source src;
	struct layer_done *layers;
	struct image_links links; /* of the layers unpacked so far (image_unpack.h) */
	unsigned long long bytes; /* file data written so far, all layers */
	bool created_dest;
	struct image_marker marker; /* DEST is being written: see image_marker.h */
	struct bb_error *err;
	enum image_import_failure failure;
};

static int fail(struct importer *im, enum image_import_failure kind, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct importer *im, enum image_import_failure kind, int code, const char *fmt, ...)
{
	char msg[sizeof(im->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	im->failure = kind;
	return bb_err(im->err, code, "%s", msg);
}

/* "layer 2 (sha256:ab12cd34ef56…)", or the file or member name when there is no digest. */
static void layer_label(const struct importer *im, size_t i, char *buf, size_t len)
{
	const struct image_layer_ref *l = &im->src.layers[i];

	if (*l->digest)
		snprintf(buf, len, "layer %zu (%.19s…)", i, l->digest);
	else
		snprintf(buf, len, "layer %zu (%s)", i, l->path);
}

/* ---- DEST ---- */

static int check_dest(struct importer *im)
{
	const char *dest = im->o->dest;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(dest, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return fail(im, IMPORT_BAD_INPUT, errno, "cannot use %s as DEST: %s", dest,
			    errno_name(errno));
	}
	if (S_ISLNK(st.st_mode))
		return fail(im, IMPORT_BAD_INPUT, ELOOP,
			    "DEST %s is a symlink; give the directory it names, or a new path",
			    dest);
	if (!S_ISDIR(st.st_mode))
		return fail(im, IMPORT_BAD_INPUT, EEXIST,
			    "DEST %s exists and is not a directory; give a new path or an empty "
			    "directory",
			    dest);
	/* Anyone else who can write to DEST could swap l/ for a symlink mid-import and have
	 * the layers written wherever it points. */
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return fail(im, IMPORT_BAD_INPUT, EPERM,
			    "DEST %s is %s: another user could redirect the import through it; "
			    "give a new path, or an empty directory of your own that only you can "
			    "write to",
			    dest,
			    st.st_uid != geteuid() ? "owned by another user"
						   : "writable by group or others");
	d = opendir(dest);
	if (!d)
		return fail(im, IMPORT_BAD_INPUT, errno, "cannot read DEST %s: %s", dest,
			    errno_name(errno));
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			fail(im, IMPORT_BAD_INPUT, ENOTEMPTY,
			     "DEST %s is not empty (it holds '%s'); import only into a new or empty "
			     "directory: remove it or choose another",
			     dest, de->d_name);
			closedir(d);
			return -ENOTEMPTY;
		}
	closedir(d);
	return 0;
}

static int make_dest(struct importer *im)
{
	char path[PATH_MAX];

	struct stat st;

	if (mkdir(im->o->dest, 0755) == 0)
		im->created_dest = true;
	else if (errno == EEXIST &&
		 (lstat(im->o->dest, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()))
		/* It appeared (or changed) after check_dest(): someone else is in there. */
		return fail(im, IMPORT_BAD_INPUT, EEXIST,
			    "DEST %s changed while the import started (now %s); give a new path "
			    "in a directory only you can write to",
			    im->o->dest, S_ISLNK(st.st_mode) ? "a symlink" : "not yours");
	else if (errno == ENOENT)
		return fail(im, IMPORT_BAD_INPUT, ENOENT,
			    "cannot create DEST %s: its parent directory does not exist; create it "
			    "first (mkdir -p)",
			    im->o->dest);
	else if (errno != EEXIST)
		return fail(im, IMPORT_FAILED, errno, "cannot create DEST %s: %s", im->o->dest,
			    errno_name(errno));
	if (image_marker_begin(&im->marker, im->o->dest, im->created_dest, im->err)) {
		im->failure = IMPORT_FAILED;
		return -im->err->code;
	}
	/* 0700: an image's device nodes and setuid files are for the containers that mount it,
	 * not for every user of the host. */
	snprintf(path, sizeof(path), "%s/l", im->o->dest);
	if (mkdir(path, 0700) < 0)
		return fail(im, IMPORT_FAILED, errno, "cannot create %s: %s", path,
			    errno_name(errno));
	return 0;
}

/* Everything import created: DEST/l, and DEST itself if it made it. */
static void undo_dest(struct importer *im)
{
	char path[PATH_MAX];
	struct bb_error e = { 0 };

	snprintf(path, sizeof(path), "%s/l", im->o->dest);
	if (unpack_remove_tree(path, &e) < 0) {
		size_t n = strlen(im->err->msg);

		snprintf(im->err->msg + n, sizeof(im->err->msg) - n,
			 "; and removing what was unpacked failed: %s", e.msg);
		return;
	}
	if (im->created_dest)
		rmdir(im->o->dest);
}

/* ---- one layer ---- */

/* A layer's reader that gives up once the caller asks the import to stop. */
struct stoppable_read {
	layer_read_fn read;
	void *ctx;
	bool (*stop)(void);
};

static ssize_t read_unless_stopped(void *ctx, void *buf, size_t len, struct bb_error *err)
{
	struct stoppable_read *s = ctx;

	if (s->stop && s->stop())
		return bb_err(err, EINTR, "stopped by a signal; what was unpacked is removed");
	return s->read(s->ctx, buf, len, err);
}

static int layer_failed(struct importer *im, size_t i, enum unpack_failure why)
{
	char label[128], msg[sizeof(im->err->msg)];
	int code = im->err->code ? im->err->code : EIO;

	layer_label(im, i, label, sizeof(label));
	snprintf(msg, sizeof(msg), "%s", im->err->msg);
	switch (why) {
	case UNPACK_UNSAFE:
		return fail(im, IMPORT_REFUSED, code,
			    "refusing %s %s; the archive is unsafe to unpack — nothing was written",
			    label, msg);
	case UNPACK_TOO_BIG:
		return fail(im, IMPORT_REFUSED, code,
			    "refusing %s %s; if the image really is that big, raise --max-bytes — "
			    "nothing was written",
			    label, msg);
	case UNPACK_IO:
		return fail(im, IMPORT_FAILED, code,
			    "cannot unpack %s into %s/l/%zu: %s — nothing was written", label,
			    im->o->dest, i, msg);
	case UNPACK_INVALID:
		return fail(im, IMPORT_REFUSED, code, "refusing %s %s — nothing was written", label,
			    msg);
	case UNPACK_TRUNCATED:
		return fail(im, IMPORT_REFUSED, code, "refusing %s: %s — nothing was written",
			    label, msg);
	default:
		return fail(im, IMPORT_REFUSED, code,
			    "cannot read %s: %s; the blob is damaged or truncated — nothing was "
			    "written",
			    label, msg);
	}
}

static int verify_layer(struct importer *im, size_t i)
{
	const struct image_layer_ref *l = &im->src.layers[i];
	const struct layer_stream_result *got = &im->layers[i].ls;
	char label[128];

	layer_label(im, i, label, sizeof(label));
	if (*l->digest && strcmp(l->digest, got->digest))
		return fail(im, IMPORT_REFUSED, EBADMSG,
			    "refusing %s: the blob %s does not match its digest %s: its content "
			    "hashes to %s (the image is corrupt or was altered) — nothing was "
			    "written",
			    label, l->path, l->digest, got->digest);
	if (l->size >= 0 && got->blob_bytes != (unsigned long long)l->size)
		return fail(im, IMPORT_REFUSED, EBADMSG,
			    "refusing %s: the blob %s is %llu bytes, its descriptor says %lld — "
			    "nothing was written",
			    label, l->path, got->blob_bytes, l->size);
	if (*l->diff_id && strcmp(l->diff_id, got->diff_id))
		return fail(im, IMPORT_REFUSED, EBADMSG,
			    "refusing %s: the tar in %s hashes to %s, the config's diff_id says %s "
			    "(the image is corrupt or was altered) — nothing was written",
			    label, l->path, got->diff_id, l->diff_id);
	return 0;
}

/* A layer tarball that is really an image archive (a 'docker save' or an OCI layout packed
 * with tar, compressed or given with other tarballs): its root holds nothing but an image's
 * files. */
static bool holds_an_image(const char *dir)
{
	bool manifest = false, index = false, layout = false, other = false;
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return false;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			manifest |= !strcmp(de->d_name, "manifest.json");
			index |= !strcmp(de->d_name, "index.json");
			layout |= !strcmp(de->d_name, "oci-layout");
			other |= !image_member_is_image_part(de->d_name);
		}
	closedir(d);
	return !other && (manifest || (index && layout));
}

/* Whether the layer's tar may end without its end-of-archive blocks: its blob digest or its
 * diff_id vouches that it is whole once verify_layer() has checked it (Go's archive/tar, which
 * umoci and docker use, may leave them out), or the user said so. A layer nothing vouches for
 * could have been cut at an entry boundary. */
static bool end_optional(const struct importer *im, size_t i)
{
	const struct image_layer_ref *l = &im->src.layers[i];

	return im->o->allow_truncated || *l->digest || *l->diff_id;
}

static int import_layer(struct importer *im, size_t i, layer_read_fn read, void *ctx)
{
	const struct image_layer_ref *l = &im->src.layers[i];
	struct unpack_opts uo = {
		.whiteout = im->o->whiteout,
		.userxattr = im->o->userxattr,
		.make_devices = geteuid() == 0,
		.end_optional = end_optional(im, i),
		.max_bytes = im->o->max_bytes,
		.bytes_before = im->bytes,
		.links = &im->links,
		.stop = im->o->stop,
	};
	struct layer_done *d = &im->layers[i];
	struct stoppable_read sr = { read, ctx, im->o->stop };
	struct layer_stream *ls = NULL;
	unsigned long long left;
	char dir[PATH_MAX];
	int r;

	snprintf(dir, sizeof(dir), "%s/l/%zu", im->o->dest, i);
	r = layer_stream_open(&ls, read_unless_stopped, &sr, l->compression, l->size, im->err);
	if (r) {
		r = layer_failed(im, i, UNPACK_CORRUPT);
		goto out;
	}
	r = image_unpack(layer_stream_tar(ls), dir, &uo, &d->st, im->err);
	if (r) {
		r = layer_failed(im, i, d->st.failure);
		goto out;
	}
	/* What follows the tar's end is hashed, not written: it still counts against
	 * --max-bytes, or a small blob could make the import decompress without end. */
	left = uo.max_bytes - im->bytes - d->st.bytes;
	r = layer_stream_finish(ls, left, &d->ls, im->err);
	if (r) {
		r = layer_failed(im, i, UNPACK_CORRUPT);
		goto out;
	}
	r = verify_layer(im, i);
	if (r)
		goto out;
	if (im->src.kind == IMAGE_SOURCE_TARBALLS && holds_an_image(dir)) {
		r = fail(im, IMPORT_BAD_INPUT, EINVAL,
			 "%s is an image archive (a 'docker save' or an OCI layout packed with "
			 "tar), not a layer tarball: give it as the only SRC%s — nothing was "
			 "written",
			 l->path,
			 d->ls.compression != LAYER_PLAIN ? ", decompressed first ('gunzip -k' "
							    "or 'zstd -d')"
							  : "");
		goto out;
	}
	im->bytes += d->st.bytes;
	d->done = true;
out:
	layer_stream_free(ls);
	return r;
}

static int import_files(struct importer *im)
{
	for (size_t i = 0; i < im->src.n_layers; i++) {
		int fd = open(im->src.layers[i].path,
			      O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC),
		    r;
		struct stat st;

		if (fd < 0)
			return fail(im, IMPORT_BAD_INPUT, errno,
				    "cannot read layer %zu's blob %s: %s%s", i,
				    im->src.layers[i].path, errno_name(errno),
				    errno == ELOOP
					    ? " (a symlink: blobs must be files of the image)"
					    : "");
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return fail(im, IMPORT_BAD_INPUT, EINVAL,
				    "layer %zu's blob %s is not a regular file; a blob must be a "
				    "file of the image, not a device, fifo or dir",
				    i, im->src.layers[i].path);
		}
		r = import_layer(im, i, layer_read_fd, &fd);
		close(fd);
		if (r)
			return r;
	}
	return 0;
}

/* The lowest layer not done yet: layers are unpacked bottom first, each onto the ones below
 * it (a symlink of a lower layer decides where an upper layer's entries go). */
static size_t next_layer(const struct importer *im)
{
	size_t i = 0;

	while (i < im->src.n_layers && im->layers[i].done)
		i++;
	return i;
}

/* The first layer not done yet whose blob is this member. */
static long layer_for_member(struct importer *im, const char *name)
{
	for (size_t i = 0; i < im->src.n_layers; i++)
		if (!im->layers[i].done && !strcmp(im->src.layers[i].path, name))
			return (long)i;
	return -1;
}

static int import_archive_pass(struct importer *im, bool *progress)
{
	const char *src = im->src.archive;
	struct archive_entry *e;
	struct archive *a = archive_read_new();
	int h, r = 0;

	if (!a)
		return fail(im, IMPORT_FAILED, ENOMEM, "out of memory");
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, src, 256 * 1024) != ARCHIVE_OK) {
		r = fail(im, IMPORT_BAD_INPUT, EIO, "cannot read %s: %s", src,
			 archive_error_string(a) ? archive_error_string(a) : "not a tar");
		goto out;
	}
	while ((h = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		const char *name = archive_entry_pathname(e), *link;
		long i;

		if (h < ARCHIVE_WARN) {
			r = fail(
				im, IMPORT_REFUSED, EIO,
				"cannot read %s: %s; the archive is damaged or truncated — nothing "
				"was written",
				src,
				archive_error_string(a) ? archive_error_string(a) : "bad header");
			goto out;
		}
		while (name && name[0] == '.' && name[1] == '/')
			name += 2;
		i = name ? layer_for_member(im, name) : -1;
		if (i < 0)
			continue;
		link = archive_entry_hardlink(e);
		if (link) {
			/* The archive stores this blob once and links the repeat to it. */
			char *target;

			*progress = true;
			while (link[0] == '.' && link[1] == '/')
				link += 2;
			target = strdup(link);
			if (!target) {
				r = fail(im, IMPORT_FAILED, ENOMEM, "out of memory");
				goto out;
			}
			free(im->src.layers[i].path);
			im->src.layers[i].path = target;
			/* A chain of links longer than the archive has layers is a loop. */
			if (++im->layers[i].links > im->src.n_layers + 1) {
				r = fail(im, IMPORT_BAD_INPUT, ELOOP,
					 "layer %ld's blob in %s is a loop of hard links (%s); the "
					 "archive is malformed — nothing was written",
					 i, src, target);
				goto out;
			}
			continue;
		}
		if (archive_entry_filetype(e) != AE_IFREG) {
			r = fail(im, IMPORT_BAD_INPUT, EINVAL,
				 "layer %ld's blob %s in %s is not a regular file", i, name, src);
			goto out;
		}
		/* A layer whose lower layers are still to come waits for a later pass. */
		i = (long)next_layer(im);
		if (strcmp(im->src.layers[i].path, name))
			continue;
		*progress = true;
		r = import_layer(im, (size_t)i, layer_read_member, a);
		if (r)
			goto out;
	}
out:
	archive_read_free(a);
	return r;
}

static int import_archive(struct importer *im)
{
	for (;;) {
		size_t i = next_layer(im);
		bool progress = false;
		int r;

		if (i == im->src.n_layers)
			return 0;
		r = import_archive_pass(im, &progress);
		if (r)
			return r;
		if (!progress)
			return fail(im, IMPORT_BAD_INPUT, ENOENT,
				    "layer %zu's blob %s is missing from %s (the archive is "
				    "incomplete) — nothing was written",
				    i, im->src.layers[i].path, im->src.archive);
	}
}

/* Bottom first, each layer onto the symlinks of those below. */
static int import_layers(struct importer *im)
{
	int r = im->src.archive ? import_archive(im) : import_files(im);

	image_links_free(&im->links);
	return r;
}

/* Once every layer is down, bottom up: each layer fitted to the ones below it (see
 * unpack_settle()). */
static int settle_layers(struct importer *im)
{
	size_t n = im->src.n_layers;
	char **lowers = calloc(n, sizeof(*lowers)), dir[PATH_MAX];
	int r = 0;

	if (!lowers)
		return fail(im, IMPORT_FAILED, ENOMEM, "out of memory");
	for (size_t i = 0; i < n && !r; i++)
		if (asprintf(&lowers[i], "%s/l/%zu", im->o->dest, i) < 0) {
			lowers[i] = NULL;
			r = fail(im, IMPORT_FAILED, ENOMEM, "out of memory");
		}
	for (size_t i = 0; i < n && !r; i++) {
		const char *below[IMAGE_MAX_LAYERS];
		struct unpack_opts uo = { .whiteout = im->o->whiteout,
					  .userxattr = im->o->userxattr,
					  .lowers = below,
					  .n_lowers = i };

		for (size_t k = 0; k < i; k++)
			below[k] = lowers[i - 1 - k];
		snprintf(dir, sizeof(dir), "%s/l/%zu", im->o->dest, i);
		r = unpack_settle(dir, &im->layers[i].st, &uo, im->err);
		if (r)
			r = fail(im, IMPORT_FAILED, im->err->code, "%s — nothing was written",
				 im->err->msg);
	}
	for (size_t i = 0; i < n; i++)
		free(lowers[i]);
	free(lowers);
	return r;
}

/* ---- image.json ---- */

static json_t *digest_or_null(const char *d)
{
	return *d ? json_string(d) : json_null();
}

static const char *media_type_of(const struct image_layer_ref *l,
				 const struct layer_stream_result *ls)
{
	if (*l->media_type)
		return l->media_type;
	switch (ls->compression) {
	case LAYER_GZIP:
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	case LAYER_ZSTD:
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	default:
		return "application/vnd.oci.image.layer.v1.tar";
	}
}

static json_t *image_json(struct importer *im)
{
	json_t *doc = json_object(), *layers = json_array(), *sources = json_array();
	char source[4096] = "";
	size_t o = 0;

	for (size_t i = 0; i < im->o->n_srcs; i++) {
		o += (size_t)snprintf(source + o, o < sizeof(source) ? sizeof(source) - o : 0,
				      "%s%s", i ? " " : "", im->o->srcs[i]);
		json_array_append_new(sources, json_string(im->o->srcs[i]));
	}
	for (size_t i = 0; i < im->src.n_layers; i++) {
		const struct image_layer_ref *l = &im->src.layers[i];
		const struct layer_done *d = &im->layers[i];
		char dir[32];

		snprintf(dir, sizeof(dir), "l/%zu", i);
		json_array_append_new(
			layers,
			json_pack("{s:s, s:o, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "dir", dir,
				  "digest", digest_or_null(l->digest), "diff_id", d->ls.diff_id,
				  "media_type", media_type_of(l, &d->ls), "compressed_bytes",
				  (json_int_t)d->ls.blob_bytes, "bytes", (json_int_t)d->st.bytes,
				  "entries", (json_int_t)d->st.entries, "whiteouts",
				  (json_int_t)d->st.whiteouts, "opaque_dirs",
				  (json_int_t)d->st.opaque_dirs, "devices_skipped",
				  (json_int_t)d->st.devices_skipped));
	}
	json_object_set_new(doc, "boxbench_image", json_integer(IMAGE_JSON_VERSION));
	json_object_set_new(doc, "source", json_string(source));
	json_object_set_new(doc, "sources", sources);
	json_object_set_new(doc, "source_kind", json_string(image_source_kind_name(im->src.kind)));
	json_object_set_new(doc, "ref", *im->src.ref ? json_string(im->src.ref) : json_null());
	json_object_set_new(doc, "whiteout",
			    json_string(im->o->whiteout == WHITEOUT_XATTR ? "xattr" : "chardev"));
	json_object_set_new(doc, "xattr_prefix",
			    json_string(im->o->userxattr ? "user" : "trusted"));
	json_object_set_new(doc, "layers", layers);
	json_object_set_new(doc, "total_bytes", json_integer((json_int_t)im->bytes));
	return doc;
}

/* Written to a temporary file and renamed: a reader that finds image.json finds all of it,
 * and finds it only when every layer is complete. */
static int write_image_json(struct importer *im, json_t *doc)
{
	char path[PATH_MAX];
	struct atomic_file af;

	snprintf(path, sizeof(path), "%s/image.json", im->o->dest);
	if (atomic_file_open(&af, path, 0644, im->err))
		return fail(im, IMPORT_FAILED, im->err->code, "%s", im->err->msg);
	if (json_dumpf(doc, af.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
	    fputc('\n', af.f) == EOF) {
		atomic_file_abort(&af);
		return fail(im, IMPORT_FAILED, EIO, "cannot write %s: %s", path,
			    errno_name(errno ? errno : EIO));
	}
	if (atomic_file_commit(&af, im->err))
		return fail(im, IMPORT_FAILED, im->err->code, "%s", im->err->msg);
	return 0;
}

int image_import(const struct image_import_opts *o, struct image_import_result *res,
		 struct bb_error *err)
{
	struct importer im = { .o = o, .err = err };
	long long start = (long long)clock_ns();
	json_t *doc = NULL;
	bool started = false;
	int r;

	*res = (struct image_import_result){ 0 };
	r = check_dest(&im);
	if (r)
		goto out;
	r = image_source_open(&im.src, o->srcs, o->n_srcs, o->ref, err);
	if (r) {
		im.failure = r == -EBADMSG ? IMPORT_REFUSED : IMPORT_BAD_INPUT;
		goto out;
	}
	im.layers = calloc(im.src.n_layers, sizeof(*im.layers));
	if (!im.layers) {
		r = fail(&im, IMPORT_FAILED, ENOMEM, "out of memory");
		goto out;
	}
	r = make_dest(&im);
	started = im.created_dest || !r;
	if (r)
		goto out;
	r = import_layers(&im);
	if (!r)
		r = settle_layers(&im);
	if (r)
		goto out;
	doc = image_json(&im);
	if (!doc) {
		r = fail(&im, IMPORT_FAILED, ENOMEM, "out of memory");
		goto out;
	}
	r = write_image_json(&im, doc);
out:
	if (r && started)
		undo_dest(&im);
	image_marker_end(&im.marker, r != 0);
	if (r)
		json_decref(doc);
	else
		res->image = doc;
	res->failure = r ? im.failure : IMPORT_OK;
	res->total_bytes = im.bytes;
	res->elapsed_ns = (long long)clock_ns() - start;
	for (size_t i = 0; im.layers && i < im.src.n_layers; i++)
		unpack_stats_release(&im.layers[i].st);
	image_source_free(&im.src);
	free(im.layers);
	return r;
}
