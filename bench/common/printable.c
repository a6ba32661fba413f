/* Escaping names for a terminal: see printable.h. UTF-8 is checked as RFC 3629 has it (the
 * ranges of the second byte rule out overlong forms, surrogates and code points past
 * U+10FFFF), so a terminal never sees a byte it could take for the start of a control. */
#include "printable.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at s (2 to 4), or 0 when it is none. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* C1 controls, U+0080..U+009F: 0xc2 0x80..0x9f. Some terminals act on them (0x9b is CSI). */
static bool is_c1(const unsigned char *s, size_t n)
{
	return n == 2 && s[0] == 0xc2 && s[1] <= 0x9f;
}

bool printable_is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = *p < 0x80 ? 1 : utf8_len(p);

		if (!n)
			return false;
		p += n;
	}
	return true;
}

char *printable(char *out, size_t len, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p) {
		size_t n = *p >= 0x20 && *p < 0x7f ? 1 : utf8_len(p);
		bool escape = n == 0 || is_c1(p, n);

		if (escape) {
			size_t k = n ? n : 1;

			if (o + 4 * k >= len)
				break;
			for (size_t i = 0; i < k; i++, o += 4)
				snprintf(out + o, 5, "\\x%02x", p[i]);
			p += k;
		} else {
			if (o + n >= len)
				break;
			memcpy(out + o, p, n);
			o += n;
			p += n;
		}
	}
	out[o] = '\0';
	return out;
}
