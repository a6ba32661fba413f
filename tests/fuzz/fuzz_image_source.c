/* Fuzz target: the JSON of an image source, through image_source_open(): an OCI layout's
 * oci-layout, index.json, manifest and config, as a dir or in a tar, and a docker save
 * archive's manifest.json and config. The input is parts split at a line "--":
 *   oci [ref=NAME]      then oci-layout, index.json, the manifest, the config
 *   oci-tar [ref=NAME]  the same, in a tar
 *   docker [ref=NAME]   then manifest.json, the config
 * Blobs are named by their digests, which a fuzzer cannot compute: a part may say @CD@, @CH@
 * and @CS@ for the config's "sha256:<hex>", <hex> and size, @M..@ for the manifest's and @L..@
 * for a small layer blob's (an empty tar) that the archive or dir also holds. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/digest.h"
#include "glue.h"
#include "image/image_source.h"

struct blob {
	char *data;
	size_t n;
	char digest[DIGEST_STRING_MAX];
};

static void blob_hash(struct blob *b)
{
	struct bb_error err = { 0 };

	if (sha256_buffer(b->data, b->n, b->digest, &err))
		fz_fail("sha256: %s", err.msg);
}

/* part with each "@<c>D@", "@<c>H@", "@<c>S@" of the blobs named so far replaced. */
static struct blob subst(const struct fz_part *part, const struct blob *const *known,
			 const char *letters)
{
	struct blob out = { 0 };
	FILE *f = open_memstream(&out.data, &out.n);

	for (size_t i = 0; i < part->n; i++) {
		const char *p = (const char *)part->p + i, *l;

		if (part->n - i >= 4 && p[0] == '@' && p[3] == '@' && p[1] &&
		    (l = strchr(letters, p[1])) && strchr("DHS", p[2])) {
			const struct blob *b = known[l - letters];

			if (p[2] == 'D')
				fputs(b->digest, f);
			else if (p[2] == 'H')
				fputs(b->digest + 7, f);
			else
				fprintf(f, "%zu", b->n);
			i += 3;
			continue;
		}
		fputc(*p, f);
	}
	fclose(f);
	blob_hash(&out);
	return out;
}

struct member {
	const char *name;
	const struct blob *b;
};

static void write_tar(const char *path, const struct member *m, size_t n)
{
	struct archive *a = archive_write_new();

	if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, path) != ARCHIVE_OK)
		fz_fail("cannot write %s", path);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)m[i].b->n);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    archive_write_data(a, m[i].b->data, m[i].b->n) != (la_ssize_t)m[i].b->n)
			fz_fail("cannot write %s: %s", path, archive_error_string(a));
		archive_entry_free(e);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		fz_fail("cannot write %s", path);
	archive_write_free(a);
}

static void write_dir(const char *root, const struct member *m, size_t n)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/blobs", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/blobs/sha256", root);
	mkdir(path, 0755);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, m[i].name);
		if (access(path, F_OK)) /* two blobs with one content are one file */
			fz_write_file(root, m[i].name, m[i].b->data, m[i].b->n);
	}
}

static void check_source(const struct image_source *s, enum image_source_kind want)
{
	if (s->kind != want)
		fz_fail("planned as %s, not %s", image_source_kind_name(s->kind),
			image_source_kind_name(want));
	if (!s->n_layers || s->n_layers > IMAGE_MAX_LAYERS)
		fz_fail("%zu layers planned", s->n_layers);
	for (size_t i = 0; i < s->n_layers; i++) {
		const struct image_layer_ref *l = &s->layers[i];

		if (!l->path || !*l->path)
			fz_fail("layer %zu has no path", i);
		if (*l->digest && !digest_is_sha256(l->digest))
			fz_fail("layer %zu's digest '%s' is no sha256 digest", i, l->digest);
		if (*l->diff_id && !digest_is_sha256(l->diff_id))
			fz_fail("layer %zu's diff_id '%s' is no sha256 digest", i, l->diff_id);
		if (s->archive && !strncmp(l->path, "./", 2))
			fz_fail("layer %zu's member name '%s' keeps its './'", i, l->path);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char empty_tar[1024];
	struct blob layer = { empty_tar, sizeof(empty_tar), "" }, cfg, man, top, layout;
	struct fz_part parts[5];
	size_t n = fz_split(data, size, "\n--\n", parts, 5);
	char *mode = fz_strdup(&parts[0]), *ref = strstr(mode, " ref="), root[PATH_MAX];
	char path[PATH_MAX], names[4][16 + SHA256_HEX_LEN];
	const char *src = path;
	struct image_source s;
	struct bb_error err = { 0 };
	bool docker = !strncmp(mode, "docker", 6), tar = docker || !strncmp(mode, "oci-tar", 7);
	struct fz_part none = { (const uint8_t *)"", 0 };

	if (ref)
		*ref = '\0', ref += 5;
	blob_hash(&layer);
	fz_tempdir("imgsrc", root, sizeof(root));
	if (docker) {
		const struct blob *known[] = { &layer, NULL };

		cfg = subst(n > 2 ? &parts[2] : &none, known, "L");
		known[1] = &cfg;
		top = subst(n > 1 ? &parts[1] : &none, known, "LC");
		snprintf(names[0], sizeof(names[0]), "%s.json", cfg.digest + 7);
		snprintf(names[1], sizeof(names[1]), "blobs/sha256/%s", cfg.digest + 7);
		snprintf(names[2], sizeof(names[2]), "blobs/sha256/%s", layer.digest + 7);
		struct member m[] = { { "manifest.json", &top },
				      { names[0], &cfg },
				      { names[1], &cfg },
				      { "layer.tar", &layer },
				      { names[2], &layer } };

		snprintf(path, sizeof(path), "%s/image.tar", root);
		write_tar(path, m, sizeof(m) / sizeof(m[0]));
		free(top.data);
		man.data = NULL;
	} else {
		const struct blob *known[] = { &layer, NULL, NULL };

		cfg = subst(n > 4 ? &parts[4] : &none, known, "L");
		known[1] = &cfg;
		man = subst(n > 3 ? &parts[3] : &none, known, "LC");
		known[2] = &man;
		top = subst(n > 2 ? &parts[2] : &none, known, "LCM");
		layout = subst(n > 1 ? &parts[1] : &none, known, "LCM");
		snprintf(names[0], sizeof(names[0]), "blobs/sha256/%s", man.digest + 7);
		snprintf(names[1], sizeof(names[1]), "blobs/sha256/%s", cfg.digest + 7);
		snprintf(names[2], sizeof(names[2]), "blobs/sha256/%s", layer.digest + 7);
		struct member m[] = { { "oci-layout", &layout },
				      { "index.json", &top },
				      { names[0], &man },
				      { names[1], &cfg },
				      { names[2], &layer } };

		if (tar) {
			snprintf(path, sizeof(path), "%s/image.tar", root);
			write_tar(path, m, sizeof(m) / sizeof(m[0]));
		} else {
			write_dir(root, m, sizeof(m) / sizeof(m[0]));
			src = root;
		}
		free(top.data);
		free(layout.data);
	}

	if (!image_source_open(&s, &src, 1, ref, &err)) {
		check_source(&s, docker ? IMAGE_SOURCE_DOCKER_ARCHIVE : IMAGE_SOURCE_OCI_LAYOUT);
		image_source_free(&s);
	} else if (!err.code || !*err.msg) {
		fz_fail("image_source_open failed without a message");
	}
	free(cfg.data);
	free(man.data);
	free(mode);
	fz_rmtree(root);
	return 0;
}
