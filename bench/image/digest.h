/* SHA-256 over a stream (a thin layer on OpenSSL's EVP) and the "sha256:<hex>" digest strings
 * OCI and docker use to name blobs. */
#ifndef BOXBENCH_DIGEST_H
#define BOXBENCH_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define SHA256_HEX_LEN	  64
#define DIGEST_STRING_MAX (sizeof("sha256:") + SHA256_HEX_LEN) /* with the NUL */

struct sha256 {
	void *md; /* EVP_MD_CTX */
};

int sha256_init(struct sha256 *s, struct bb_error *err);
void sha256_update(struct sha256 *s, const void *p, size_t n);
/* "sha256:<64 hex>" into out (DIGEST_STRING_MAX bytes); the context can be freed after. */
void sha256_final(struct sha256 *s, char out[DIGEST_STRING_MAX]);
void sha256_free(struct sha256 *s);
/* The digest of a buffer, as "sha256:<hex>". */
int sha256_buffer(const void *p, size_t n, char out[DIGEST_STRING_MAX], struct bb_error *err);

/* Whether s is "sha256:" and 64 lowercase hex digits, the only form boxbench can verify. */
bool digest_is_sha256(const char *s);

#endif
