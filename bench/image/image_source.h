/* What an image source holds: which kind of SRC it is (an OCI image layout, a 'docker save'
 * archive, or layer tarballs), and its layers in order, bottom first, each with where its blob
 * is and the digests it must have. Reads only the small JSON files (index, manifest, config),
 * verifying their digests; the layers themselves are streamed later by image_import.c. */
#ifndef BOXBENCH_IMAGE_SOURCE_H
#define BOXBENCH_IMAGE_SOURCE_H

#include <stddef.h>

#include "digest.h"
#include "common/error.h"
#include "layer_stream.h"

#define IMAGE_MAX_LAYERS 500 /* overlayfs' OVL_MAX_STACK, like layer_stack.h */

enum image_source_kind {
	IMAGE_SOURCE_OCI_LAYOUT, /* a directory, or a tar holding one (index.json, oci-layout) */
	IMAGE_SOURCE_DOCKER_ARCHIVE, /* 'docker save': a tar with manifest.json */
	IMAGE_SOURCE_TARBALLS, /* layer tarballs given one by one, bottom first */
};

struct image_layer_ref {
	char *path; /* a file, or a member of the archive (without a leading "./") */
	char digest[DIGEST_STRING_MAX]; /* the digest the source names the blob by; "" if none */
	char diff_id[DIGEST_STRING_MAX]; /* the config's rootfs.diff_ids entry; "" if none */
	char media_type[128]; /* the descriptor's; "" when the source gives none */
	enum layer_compression compression;
	long long size; /* the descriptor's size; -1 when unknown */
};

struct image_source {
	enum image_source_kind kind;
	char *archive; /* the tar every blob is a member of; NULL when blobs are files */
	char ref[256]; /* the chosen image's name or tag; "" if it has none */
	struct image_layer_ref *layers;
	size_t n_layers;
};

/* Works out what srcs are and plans the layers. want_ref picks one image of several (an OCI
 * ref name annotation, or a RepoTags entry of a docker archive); NULL for none. Errors name the
 * file or blob; -EBADMSG means a blob did not match its digest (the source is corrupt or was
 * altered), any other error that the source is not something boxbench can import. */
int image_source_open(struct image_source *s, const char *const *srcs, size_t n_srcs,
		      const char *want_ref, struct bb_error *err);
void image_source_free(struct image_source *s);

const char *image_source_kind_name(enum image_source_kind kind); /* "oci-layout", ... */
/* Whether a name at the top of a tar is one an image archive has there (manifest.json,
 * index.json, oci-layout, repositories, blobs, <hex>/, <hex>.json): a layer has none of them. */
bool image_member_is_image_part(const char *name);
/* A layer media type: its compression, or -1 for one boxbench does not unpack. */
int image_media_type_compression(const char *media_type, enum layer_compression *c);

#endif
