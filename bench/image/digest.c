/* SHA-256 digests through OpenSSL EVP: see digest.h. */
#include "digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

int sha256_init(struct sha256 *s, struct bb_error *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	s->md = NULL;
	if (!md)
		return bb_err(err, ENOMEM, "cannot start a SHA-256 digest: out of memory");
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return bb_err(err, EIO,
			      "cannot start a SHA-256 digest: OpenSSL refused (is its "
			      "default provider available?)");
	}
	s->md = md;
	return 0;
}

void sha256_update(struct sha256 *s, const void *p, size_t n)
{
	if (n)
		EVP_DigestUpdate(s->md, p, n);
}

void sha256_final(struct sha256 *s, char out[DIGEST_STRING_MAX])
{
	unsigned char raw[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	char *o = out + strlen("sha256:");

	EVP_DigestFinal_ex(s->md, raw, &len);
	memcpy(out, "sha256:", strlen("sha256:"));
	for (unsigned i = 0; i < len && i < SHA256_HEX_LEN / 2; i++, o += 2)
		snprintf(o, 3, "%02x", raw[i]);
	*o = '\0';
}

void sha256_free(struct sha256 *s)
{
	EVP_MD_CTX_free(s->md);
	s->md = NULL;
}

int sha256_buffer(const void *p, size_t n, char out[DIGEST_STRING_MAX], struct bb_error *err)
{
	struct sha256 s;
	int e = sha256_init(&s, err);

	if (e)
		return e;
	sha256_update(&s, p, n);
	sha256_final(&s, out);
	sha256_free(&s);
	return 0;
}

bool digest_is_sha256(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7))
		return false;
	s += 7;
	for (int i = 0; i < SHA256_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[SHA256_HEX_LEN] == '\0';
}
