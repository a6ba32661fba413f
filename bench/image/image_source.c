/* Planning an import from an OCI layout, a docker save archive or layer tarballs: see
 * image_source.h. Blobs in a tar are found by walking its headers; a plain tar on a file
 * skips member data by seeking, so a walk costs little even for big images. */
#include "image_source.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JSON_MAX_BYTES (16u << 20) /* index, manifests and configs are kilobytes in practice */

static const char *const oci_ref_keys[] = { "org.opencontainers.image.ref.name",
					    "io.containerd.image.name" };

static const struct {
	const char *type;
	enum layer_compression c;
} media_types[] = {
	{ "application/vnd.oci.image.layer.v1.tar", LAYER_PLAIN },
	{ "application/vnd.oci.image.layer.v1.tar+gzip", LAYER_GZIP },
	{ "application/vnd.oci.image.layer.v1.tar+zstd", LAYER_ZSTD },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar", LAYER_PLAIN },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", LAYER_GZIP },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", LAYER_ZSTD },
	{ "application/vnd.docker.image.rootfs.diff.tar", LAYER_PLAIN },
	{ "application/vnd.docker.image.rootfs.diff.tar.gzip", LAYER_GZIP },
	{ "application/vnd.docker.image.rootfs.diff.tar.zstd", LAYER_ZSTD },
	{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", LAYER_GZIP },
};

int image_media_type_compression(const char *media_type, enum layer_compression *c)
{
	for (size_t i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
		if (!strcmp(media_type, media_types[i].type)) {
			*c = media_types[i].c;
			return 0;
		}
	return -1;
}

const char *image_source_kind_name(enum image_source_kind kind)
{
	switch (kind) {
	case IMAGE_SOURCE_OCI_LAYOUT:
		return "oci-layout";
	case IMAGE_SOURCE_DOCKER_ARCHIVE:
		return "docker-archive";
	default:
		return "tarballs";
	}
}

void image_source_free(struct image_source *s)
{
	for (size_t i = 0; i < s->n_layers; i++)
		free(s->layers[i].path);
	free(s->layers);
	free(s->archive);
	*s = (struct image_source){ 0 };
}

/* ---- reading small files, from a directory or from the archive ---- */

/* A member's name as the image formats mean it: "./manifest.json" is "manifest.json", "./" and
 * "." are "". */
static const char *member_name(struct archive_entry *e)
{
	const char *n = archive_entry_pathname(e);

	while (n && n[0] == '.' && n[1] == '/')
		n += 2;
	return !n || !strcmp(n, ".") ? "" : n;
}

static struct archive *open_tar(const char *path, struct bb_error *err)
{
	struct archive *a = archive_read_new();

	if (!a) {
		bb_err(err, ENOMEM, "out of memory");
		return NULL;
	}
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK) {
		bb_err(err, archive_errno(a) > 0 ? archive_errno(a) : EIO, "cannot read %s: %s",
		       path, archive_error_string(a) ? archive_error_string(a) : "not a tar");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* The whole of member (at most max bytes) of the tar at path; -ENOENT when it is not there. */
static int load_member(const char *path, const char *member, size_t max, char **buf, size_t *len,
		       struct bb_error *err)
{
	struct archive *a = open_tar(path, err);
	struct archive_entry *e;
	int r, h;

	*buf = NULL;
	if (!a)
		return -(err && err->code ? err->code : EIO);
	while ((h = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		la_ssize_t n;

		if (h < ARCHIVE_WARN) {
			r = bb_err(err, EIO, "cannot read %s: %s", path,
				   archive_error_string(a) ? archive_error_string(a) : "not a tar");
			goto out;
		}
		if (strcmp(member_name(e), member) || archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (archive_entry_size(e) > (la_int64_t)max) {
			r = bb_err(err, EFBIG,
				   "%s in %s is %lld bytes, more than the %zu a JSON "
				   "file of an image may have",
				   member, path, (long long)archive_entry_size(e), max);
			goto out;
		}
		*buf = malloc((size_t)archive_entry_size(e) + 1);
		if (!*buf) {
			r = bb_err(err, ENOMEM, "out of memory");
			goto out;
		}
		n = archive_read_data(a, *buf, (size_t)archive_entry_size(e));
		if (n != archive_entry_size(e)) {
			r = bb_err(err, EIO, "cannot read %s from %s: %s", member, path,
				   n < 0 && archive_error_string(a) ? archive_error_string(a)
								    : "truncated");
			goto out;
		}
		*len = (size_t)n;
		r = 0;
		goto out;
	}
	r = bb_err(err, ENOENT, "%s has no member %s", path, member);
out:
	if (r) {
		free(*buf);
		*buf = NULL;
	}
	archive_read_free(a);
	return r;
}

static int load_file(const char *path, size_t max, char **buf, size_t *len, struct bb_error *err)
{
	/* O_NONBLOCK: a fifo planted as index.json fails the regular-file check, not the open. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	size_t got = 0;
	int r = 0;

	*buf = NULL;
	if (fd < 0)
		return bb_err(err, errno, "cannot read %s: %s", path, errno_name(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = bb_err(err, EINVAL, "cannot read %s: not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		r = bb_err(err, EFBIG,
			   "%s is %lld bytes, more than the %zu a JSON file of an image may have",
			   path, (long long)st.st_size, max);
		goto out;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		r = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = bb_err(err, n < 0 ? errno : EIO, "cannot read %s: %s", path,
				   n < 0 ? errno_name(errno) : "it shrank while being read");
			goto out;
		}
		got += (size_t)n;
	}
	*len = got;
out:
	if (r) {
		free(*buf);
		*buf = NULL;
	}
	close(fd);
	return r;
}

/* A file of the layout: from the directory root, or from the archive. */
static int load_part(const struct image_source *s, const char *root, const char *name, char **buf,
		     size_t *len, struct bb_error *err)
{
	char path[4096];

	if (s->archive)
		return load_member(s->archive, name, JSON_MAX_BYTES, buf, len, err);
	snprintf(path, sizeof(path), "%s/%s", root, name);
	return load_file(path, JSON_MAX_BYTES, buf, len, err);
}

static json_t *parse_json(const char *buf, size_t len, const char *what, struct bb_error *err)
{
	json_error_t jerr;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!j)
		bb_err(err, EINVAL, "%s is not valid JSON: line %d: %s", what, jerr.line,
		       jerr.text);
	return j;
}

/* A JSON blob of an OCI layout (manifest, config), checked against its descriptor. */
static json_t *load_blob_json(const struct image_source *s, const char *root, const char *digest,
			      json_int_t size, const char *what, struct bb_error *err)
{
	char name[128], got[DIGEST_STRING_MAX], label[192];
	size_t len = 0;
	char *buf;
	json_t *j;

	if (!digest_is_sha256(digest)) {
		bb_err(err, EINVAL,
		       "the %s's digest '%.80s' is not sha256:<64 hex digits>; boxbench verifies "
		       "sha256 digests only",
		       what, digest ? digest : "(none)");
		return NULL;
	}
	snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	if (load_part(s, root, name, &buf, &len, err)) {
		bb_err_wrap(err, "the %s blob %s is missing or unreadable", what, digest);
		return NULL;
	}
	if (sha256_buffer(buf, len, got, err)) {
		free(buf);
		return NULL;
	}
	if (strcmp(got, digest)) {
		bb_err(err, EBADMSG,
		       "the %s blob %s does not match its digest: its content hashes to %s (the "
		       "image is corrupt or was altered)",
		       what, name, got);
		free(buf);
		return NULL;
	}
	if (size >= 0 && (json_int_t)len != size) {
		bb_err(err, EBADMSG, "the %s blob %s is %zu bytes, its descriptor says %lld", what,
		       name, len, (long long)size);
		free(buf);
		return NULL;
	}
	snprintf(label, sizeof(label), "the %s blob %s", what, name);
	j = parse_json(buf, len, label, err);
	free(buf);
	return j;
}

/* ---- OCI image layout ---- */

static bool is_index_type(const char *t)
{
	return t && (!strcmp(t, "application/vnd.oci.image.index.v1+json") ||
		     !strcmp(t, "application/vnd.docker.distribution.manifest.list.v2+json"));
}

static const char *descriptor_ref(json_t *desc)
{
	json_t *ann = json_object_get(desc, "annotations");

	for (size_t k = 0; k < sizeof(oci_ref_keys) / sizeof(oci_ref_keys[0]); k++) {
		const char *v = json_string_value(json_object_get(ann, oci_ref_keys[k]));

		if (v)
			return v;
	}
	return NULL;
}

static bool descriptor_has_ref(json_t *desc, const char *ref)
{
	json_t *ann = json_object_get(desc, "annotations");

	for (size_t k = 0; k < sizeof(oci_ref_keys) / sizeof(oci_ref_keys[0]); k++) {
		const char *v = json_string_value(json_object_get(ann, oci_ref_keys[k]));

		if (v && !strcmp(v, ref))
			return true;
	}
	return false;
}

static void list_refs(json_t *manifests, char *buf, size_t len)
{
	size_t o = 0, i;
	json_t *d;

	buf[0] = '\0';
	json_array_foreach(manifests, i, d)
	{
		const char *r = descriptor_ref(d);

		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s'%s'", i ? ", " : "",
				      r ? r : "(no ref name)");
		if (o >= len)
			break;
	}
}

static json_t *pick_manifest(json_t *index, const char *want_ref, const char *where,
			     struct bb_error *err)
{
	json_t *manifests = json_object_get(index, "manifests"), *d, *found = NULL;
	char refs[512];
	size_t i, n = 0;

	if (!json_is_array(manifests) || !json_array_size(manifests)) {
		bb_err(err, EINVAL, "%s/index.json lists no manifests", where);
		return NULL;
	}
	list_refs(manifests, refs, sizeof(refs));
	if (!want_ref) {
		if (json_array_size(manifests) == 1)
			return json_array_get(manifests, 0);
		bb_err(err, EINVAL,
		       "%s/index.json lists %zu images (%s); choose one with --ref NAME", where,
		       json_array_size(manifests), refs);
		return NULL;
	}
	json_array_foreach(manifests, i, d)
	{
		if (descriptor_has_ref(d, want_ref)) {
			found = d;
			n++;
		}
	}
	if (n == 1)
		return found;
	if (!n)
		bb_err(err, EINVAL, "%s/index.json has no image named '%s' (refs: %s)", where,
		       want_ref, refs);
	else
		bb_err(err, EINVAL,
		       "%s/index.json has %zu images named '%s' (%s); a ref must name one image",
		       where, n, want_ref, refs);
	return NULL;
}

/* Fills each layer's diff_id from config.rootfs.diff_ids, when the config has them. */
static int apply_diff_ids(struct image_source *s, json_t *config, const char *what,
			  struct bb_error *err)
{
	json_t *ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids"), *id;
	size_t i;

	if (!ids)
		return 0;
	if (!json_is_array(ids) || json_array_size(ids) != s->n_layers)
		return bb_err(err, EINVAL,
			      "%s lists %zu diff_ids for %zu layers; the image is inconsistent",
			      what, json_is_array(ids) ? json_array_size(ids) : 0, s->n_layers);
	json_array_foreach(ids, i, id)
	{
		const char *v = json_string_value(id);

		if (!digest_is_sha256(v))
			return bb_err(err, EINVAL,
				      "%s: diff_ids[%zu] '%.80s' is not sha256:<64 hex digits>",
				      what, i, v ? v : "(not a string)");
		snprintf(s->layers[i].diff_id, sizeof(s->layers[i].diff_id), "%s", v);
	}
	return 0;
}

static int alloc_layers(struct image_source *s, size_t n, const char *where, struct bb_error *err)
{
	if (!n)
		return bb_err(err, EINVAL, "%s has no layers", where);
	if (n > IMAGE_MAX_LAYERS)
		return bb_err(err, E2BIG, "%s has %zu layers; overlayfs stacks at most %d", where,
			      n, IMAGE_MAX_LAYERS);
	s->layers = calloc(n, sizeof(*s->layers));
	if (!s->layers)
		return bb_err(err, ENOMEM, "out of memory");
	s->n_layers = n;
	return 0;
}

static int plan_oci(struct image_source *s, const char *root, const char *want_ref,
		    const char *where, struct bb_error *err)
{
	json_t *layout = NULL, *index = NULL, *manifest = NULL, *config = NULL, *desc, *layers, *l;
	const char *mt, *ref;
	char *buf = NULL;
	size_t len = 0, i;
	int r;

	r = load_part(s, root, "oci-layout", &buf, &len, err);
	if (r) {
		r = bb_err(err, EINVAL,
			   "%s is not an OCI image layout: it has no oci-layout file (expected "
			   "next to index.json and blobs/)",
			   where);
		goto out;
	}
	layout = parse_json(buf, len, "oci-layout", err);
	free(buf);
	buf = NULL;
	if (!layout) {
		r = -EINVAL;
		goto out;
	}
	if (!json_is_string(json_object_get(layout, "imageLayoutVersion"))) {
		r = bb_err(err, EINVAL, "%s/oci-layout has no imageLayoutVersion", where);
		goto out;
	}
	r = load_part(s, root, "index.json", &buf, &len, err);
	if (r) {
		r = bb_err_wrap(err, "%s is not an OCI image layout", where);
		goto out;
	}
	index = parse_json(buf, len, "index.json", err);
	if (!index) {
		r = -EINVAL;
		goto out;
	}
	desc = pick_manifest(index, want_ref, where, err);
	if (!desc) {
		r = -EINVAL;
		goto out;
	}
	mt = json_string_value(json_object_get(desc, "mediaType"));
	if (is_index_type(mt)) {
		r = bb_err(err, ENOTSUP,
			   "the image chosen in %s/index.json is itself an index (a "
			   "multi-platform image); boxbench does not choose platforms: copy one "
			   "out first, e.g. 'skopeo copy --override-arch amd64 oci:SRC oci:ONE'",
			   where);
		goto out;
	}
	ref = descriptor_ref(desc);
	snprintf(s->ref, sizeof(s->ref), "%s", want_ref ? want_ref : ref ? ref : "");
	manifest = load_blob_json(s, root, json_string_value(json_object_get(desc, "digest")),
				  json_is_integer(json_object_get(desc, "size"))
					  ? json_integer_value(json_object_get(desc, "size"))
					  : -1,
				  "manifest", err);
	if (!manifest) {
		r = -(err->code ? err->code : EINVAL);
		goto out;
	}
	if (is_index_type(json_string_value(json_object_get(manifest, "mediaType"))) ||
	    json_object_get(manifest, "manifests")) {
		r = bb_err(err, ENOTSUP,
			   "the manifest in %s is an index (a multi-platform image); boxbench does "
			   "not choose platforms: copy one out first, e.g. 'skopeo copy "
			   "--override-arch amd64 oci:SRC oci:ONE'",
			   where);
		goto out;
	}
	desc = json_object_get(manifest, "config");
	config = load_blob_json(s, root, json_string_value(json_object_get(desc, "digest")),
				json_is_integer(json_object_get(desc, "size"))
					? json_integer_value(json_object_get(desc, "size"))
					: -1,
				"config", err);
	if (!config) {
		r = -(err->code ? err->code : EINVAL);
		goto out;
	}
	layers = json_object_get(manifest, "layers");
	if (!json_is_array(layers)) {
		r = bb_err(err, EINVAL, "the manifest in %s has no layers array", where);
		goto out;
	}
	r = alloc_layers(s, json_array_size(layers), "the manifest", err);
	if (r)
		goto out;
	json_array_foreach(layers, i, l)
	{
		struct image_layer_ref *lr = &s->layers[i];
		const char *digest = json_string_value(json_object_get(l, "digest"));
		json_t *size = json_object_get(l, "size");

		mt = json_string_value(json_object_get(l, "mediaType"));
		if (!mt || image_media_type_compression(mt, &lr->compression)) {
			r = bb_err(err, ENOTSUP,
				   "layer %zu has media type '%.100s', which boxbench does not "
				   "unpack (it takes tar, tar+gzip%s layers)",
				   i, mt ? mt : "(none)",
				   layer_stream_has_zstd() ? " and tar+zstd" : "");
			goto out;
		}
		if (lr->compression == LAYER_ZSTD && !layer_stream_has_zstd()) {
			r = bb_err(err, ENOTSUP,
				   "layer %zu is zstd-compressed and this libarchive (%s) cannot "
				   "decompress zstd itself; convert the image to gzip layers",
				   i, archive_version_string());
			goto out;
		}
		if (!digest_is_sha256(digest)) {
			r = bb_err(err, EINVAL,
				   "layer %zu's digest '%.80s' is not sha256:<64 hex digits>", i,
				   digest ? digest : "(none)");
			goto out;
		}
		snprintf(lr->media_type, sizeof(lr->media_type), "%s", mt);
		snprintf(lr->digest, sizeof(lr->digest), "%s", digest);
		lr->size = json_is_integer(size) ? json_integer_value(size) : -1;
		if (asprintf(&lr->path, "%s%sblobs/sha256/%s", s->archive ? "" : root,
			     s->archive ? "" : "/", digest + 7) < 0) {
			lr->path = NULL;
			r = bb_err(err, ENOMEM, "out of memory");
			goto out;
		}
		if (!s->archive && access(lr->path, R_OK) < 0) {
			r = bb_err(err, errno, "layer %zu's blob %s is missing from %s: %s", i,
				   digest, where, errno_name(errno));
			goto out;
		}
	}
	r = apply_diff_ids(s, config, "the config", err);
out:
	free(buf);
	json_decref(layout);
	json_decref(index);
	json_decref(manifest);
	json_decref(config);
	return r;
}

/* ---- docker save ---- */

static bool is_hex64(const char *s, size_t n)
{
	if (n != SHA256_HEX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* The digest a member's name carries: "blobs/sha256/<hex>", or "<hex>.json" for the config
 * of older docker save archives. "" when it carries none. */
static void digest_of_name(const char *name, char out[DIGEST_STRING_MAX])
{
	size_t n = strlen(name);

	out[0] = '\0';
	if (!strncmp(name, "blobs/sha256/", 13) && is_hex64(name + 13, n - 13))
		snprintf(out, DIGEST_STRING_MAX, "sha256:%s", name + 13);
	else if (n == SHA256_HEX_LEN + 5 && !strcmp(name + SHA256_HEX_LEN, ".json") &&
		 is_hex64(name, SHA256_HEX_LEN))
		snprintf(out, DIGEST_STRING_MAX, "sha256:%.64s", name);
}

static void list_tags(json_t *images, char *buf, size_t len)
{
	size_t o = 0, i, k;
	json_t *img, *tag;

	buf[0] = '\0';
	json_array_foreach(images, i, img)
	{
		json_t *tags = json_object_get(img, "RepoTags");

		if (!json_array_size(tags))
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s(untagged)",
					      o ? ", " : "");
		json_array_foreach(tags, k, tag) o +=
			(size_t)snprintf(buf + o, o < len ? len - o : 0, "%s'%s'", o ? ", " : "",
					 json_string_value(tag));
		if (o >= len)
			break;
	}
}

static json_t *pick_image(json_t *images, const char *want_ref, const char *where, char *ref,
			  size_t ref_len, struct bb_error *err)
{
	char tags[512];
	json_t *img, *tag, *found = NULL;
	size_t i, k, n = 0;

	list_tags(images, tags, sizeof(tags));
	if (!want_ref) {
		if (json_array_size(images) == 1) {
			found = json_array_get(images, 0);
			tag = json_object_get(found, "RepoTags");
			if (json_array_size(tag) == 1)
				snprintf(ref, ref_len, "%s",
					 json_string_value(json_array_get(tag, 0)));
			return found;
		}
		bb_err(err, EINVAL, "%s holds %zu images (%s); choose one with --ref NAME:TAG",
		       where, json_array_size(images), tags);
		return NULL;
	}
	json_array_foreach(images, i, img)
	{
		json_array_foreach(json_object_get(img, "RepoTags"), k, tag)
		{
			if (json_is_string(tag) && !strcmp(json_string_value(tag), want_ref)) {
				found = img;
				n++;
				break;
			}
		}
	}
	if (n == 1) {
		snprintf(ref, ref_len, "%s", want_ref);
		return found;
	}
	if (n)
		bb_err(err, EINVAL, "%s holds %zu images tagged '%s'", where, n, want_ref);
	else
		bb_err(err, EINVAL, "%s holds no image tagged '%s' (tags: %s)", where, want_ref,
		       tags);
	return NULL;
}

static int plan_docker(struct image_source *s, const char *want_ref, struct bb_error *err)
{
	json_t *images = NULL, *img, *config = NULL, *layers, *l;
	const char *cfg_name;
	char *buf = NULL, want[DIGEST_STRING_MAX], got[DIGEST_STRING_MAX], what[512];
	size_t len = 0, i;
	int r;

	r = load_member(s->archive, "manifest.json", JSON_MAX_BYTES, &buf, &len, err);
	if (r)
		goto out;
	images = parse_json(buf, len, "manifest.json", err);
	free(buf);
	buf = NULL;
	if (!images) {
		r = -EINVAL;
		goto out;
	}
	if (!json_is_array(images) || !json_array_size(images)) {
		r = bb_err(err, EINVAL,
			   "%s: manifest.json is not a list of images (is this a 'docker save' "
			   "archive?)",
			   s->archive);
		goto out;
	}
	img = pick_image(images, want_ref, s->archive, s->ref, sizeof(s->ref), err);
	if (!img) {
		r = -EINVAL;
		goto out;
	}
	cfg_name = json_string_value(json_object_get(img, "Config"));
	layers = json_object_get(img, "Layers");
	if (!cfg_name || !json_is_array(layers)) {
		r = bb_err(err, EINVAL, "%s: the image in manifest.json has no Config or Layers",
			   s->archive);
		goto out;
	}
	while (cfg_name[0] == '.' && cfg_name[1] == '/')
		cfg_name += 2;
	r = load_member(s->archive, cfg_name, JSON_MAX_BYTES, &buf, &len, err);
	if (r) {
		r = bb_err_wrap(err, "the image's config is missing");
		goto out;
	}
	digest_of_name(cfg_name, want);
	if (*want) {
		r = sha256_buffer(buf, len, got, err);
		if (!r && strcmp(want, got))
			r = bb_err(err, EBADMSG,
				   "the config %s in %s does not match its digest: its content "
				   "hashes to %s (the archive is corrupt or was altered)",
				   cfg_name, s->archive, got);
		if (r)
			goto out;
	}
	snprintf(what, sizeof(what), "the config %s", cfg_name);
	config = parse_json(buf, len, what, err);
	if (!config) {
		r = -EINVAL;
		goto out;
	}
	r = alloc_layers(s, json_array_size(layers), "the image in manifest.json", err);
	if (r)
		goto out;
	json_array_foreach(layers, i, l)
	{
		const char *name = json_string_value(l);

		/* "./x" names the member x, as tar members are named; "./" or "." names none. */
		while (name && name[0] == '.' && name[1] == '/')
			name += 2;
		if (!name || !*name || !strcmp(name, ".")) {
			r = bb_err(err, EINVAL,
				   "%s: manifest.json's Layers[%zu] is not a file name", s->archive,
				   i);
			goto out;
		}
		s->layers[i].path = strdup(name);
		if (!s->layers[i].path) {
			r = bb_err(err, ENOMEM, "out of memory");
			goto out;
		}
		s->layers[i].compression = LAYER_DETECT;
		s->layers[i].size = -1;
		digest_of_name(name, s->layers[i].digest);
	}
	r = apply_diff_ids(s, config, what, err);
out:
	free(buf);
	json_decref(images);
	json_decref(config);
	return r;
}

/* ---- what SRC is ---- */

bool image_member_is_image_part(const char *n)
{
	const char *slash = strchr(n, '/');

	return !strcmp(n, "manifest.json") || !strcmp(n, "index.json") ||
	       !strcmp(n, "oci-layout") || !strcmp(n, "repositories") || !strncmp(n, "blobs", 5) ||
	       is_hex64(n, slash ? (size_t)(slash - n) : strlen(n)) ||
	       (strlen(n) == SHA256_HEX_LEN + 5 && is_hex64(n, SHA256_HEX_LEN));
}

/* A single file SRC: a docker save archive (manifest.json), an OCI layout in a tar (index.json
 * and oci-layout), or else one layer tarball. Compressed files are not walked (that would mean
 * decompressing them whole): they are layers, unless they start like an image archive. */
static int classify_file(const char *path, enum image_source_kind *kind, struct bb_error *err)
{
	static const unsigned char gzip[] = { 0x1f, 0x8b }, zstd[] = { 0x28, 0xb5, 0x2f, 0xfd };
	unsigned char magic[4] = { 0 };
	bool manifest = false, index = false, layout = false;
	struct archive_entry *e;
	struct archive *a;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), h;

	*kind = IMAGE_SOURCE_TARBALLS;
	if (fd < 0)
		return bb_err(err, errno, "cannot read %s: %s", path, errno_name(errno));
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n < 0)
		return bb_err(err, errno, "cannot read %s: %s", path, errno_name(errno));
	if (!memcmp(magic, gzip, sizeof(gzip)) || !memcmp(magic, zstd, sizeof(zstd))) {
		a = archive_read_new();
		if (!a)
			return bb_err(err, ENOMEM, "out of memory");
		archive_read_support_filter_all(a);
		archive_read_support_format_tar(a);
		/* The first member other than the root itself: 'tar czf X -C DIR .' starts
		 * with "./". */
		for (h = archive_read_open_filename(a, path, 64 * 1024); h == ARCHIVE_OK;) {
			h = archive_read_next_header(a, &e);
			if (h == ARCHIVE_WARN)
				h = ARCHIVE_OK;
			if (h != ARCHIVE_OK || *member_name(e))
				break;
		}
		if (h == ARCHIVE_OK && image_member_is_image_part(member_name(e))) {
			archive_read_free(a);
			return bb_err(err, ENOTSUP,
				      "%s is a compressed image archive; decompress it first (e.g. "
				      "'gunzip -k' or 'zstd -d') and import the .tar",
				      path);
		}
		archive_read_free(a);
		return 0;
	}
	a = open_tar(path, NULL);
	if (!a)
		return 0; /* not a tar: importing it as a layer says so, naming the file */
	while ((h = archive_read_next_header(a, &e)) >= ARCHIVE_WARN) {
		const char *m = member_name(e);

		manifest |= !strcmp(m, "manifest.json");
		index |= !strcmp(m, "index.json");
		layout |= !strcmp(m, "oci-layout");
	}
	archive_read_free(a);
	if (manifest)
		*kind = IMAGE_SOURCE_DOCKER_ARCHIVE;
	else if (index && layout)
		*kind = IMAGE_SOURCE_OCI_LAYOUT;
	return 0;
}

static const char *file_type_name(mode_t mode)
{
	return S_ISFIFO(mode)	? "fifo"
	       : S_ISCHR(mode)	? "character device"
	       : S_ISBLK(mode)	? "block device"
	       : S_ISSOCK(mode) ? "socket"
				: "special file";
}

/* What SRC is, found without opening it for reading: that would wait forever on a fifo with
 * no writer (and a device's open may do things). Only files and directories are images. */
static int src_stat(const char *path, struct stat *st, struct bb_error *err)
{
	int fd = open(path, O_PATH | O_CLOEXEC), r = 0;

	if (fd < 0)
		return bb_err(err, errno, "cannot read %s: %s", path, errno_name(errno));
	if (fstat(fd, st) < 0)
		r = bb_err(err, errno, "cannot read %s: %s", path, errno_name(errno));
	else if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		r = bb_err(err, EINVAL,
			   "%s is a %s, not a file or directory: an image is read more than once, "
			   "so it must be stored whole; save it to a file first (e.g. 'cat %s > "
			   "image.tar')",
			   path, file_type_name(st->st_mode), path);
	close(fd);
	return r;
}

static int plan_tarballs(struct image_source *s, const char *const *srcs, size_t n,
			 struct bb_error *err)
{
	struct stat st;
	int r;

	s->kind = IMAGE_SOURCE_TARBALLS;
	r = alloc_layers(s, n, "the list of tarballs", err);
	if (r)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = src_stat(srcs[i], &st, err);
		if (r)
			return r;
		if (!S_ISREG(st.st_mode))
			return bb_err(err, EINVAL,
				      "%s is not a file; layer tarballs are files (an OCI layout "
				      "directory must be the only SRC)",
				      srcs[i]);
		s->layers[i].path = strdup(srcs[i]);
		if (!s->layers[i].path)
			return bb_err(err, ENOMEM, "out of memory");
		s->layers[i].compression = LAYER_DETECT;
		s->layers[i].size = -1;
	}
	return 0;
}

int image_source_open(struct image_source *s, const char *const *srcs, size_t n_srcs,
		      const char *want_ref, struct bb_error *err)
{
	enum image_source_kind kind;
	struct stat st;
	int r;

	*s = (struct image_source){ 0 };
	if (!n_srcs)
		return bb_err(err, EINVAL, "no SRC given");
	if (n_srcs > 1) {
		r = plan_tarballs(s, srcs, n_srcs, err);
		goto out;
	}
	r = src_stat(srcs[0], &st, err);
	if (r)
		return r;
	if (S_ISDIR(st.st_mode)) {
		s->kind = IMAGE_SOURCE_OCI_LAYOUT;
		r = plan_oci(s, srcs[0], want_ref, srcs[0], err);
		goto out;
	}
	r = classify_file(srcs[0], &kind, err);
	if (r)
		goto out;
	if (kind == IMAGE_SOURCE_TARBALLS) {
		r = plan_tarballs(s, srcs, 1, err);
		goto out;
	}
	s->kind = kind;
	s->archive = strdup(srcs[0]);
	if (!s->archive) {
		r = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	r = kind == IMAGE_SOURCE_DOCKER_ARCHIVE ? plan_docker(s, want_ref, err)
						: plan_oci(s, NULL, want_ref, srcs[0], err);
out:
	if (!r && want_ref && s->kind == IMAGE_SOURCE_TARBALLS)
		r = bb_err(err, EINVAL,
			   "--ref picks an image of an OCI layout or docker archive; "
			   "layer tarballs have none to pick");
	if (r)
		image_source_free(s);
	return r;
}
