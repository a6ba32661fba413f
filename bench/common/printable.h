/* Names from images and layers made safe for a terminal: control characters (C0, DEL, C1) and
 * bytes that are not UTF-8 become \xHH escapes, so a file named "\e]0;...\a" or holding
 * "\r" cannot rewrite what the user sees. Used wherever such names reach a terminal: every
 * bb_error message (bb_err() escapes what it formats) and inspect's tables. JSON needs none
 * of it: jansson escapes what it writes. */
#ifndef BOXBENCH_PRINTABLE_H
#define BOXBENCH_PRINTABLE_H

#include <stdbool.h>
#include <stddef.h>

/* The most bytes printable() can make of n input bytes, without the NUL. */
#define PRINTABLE_MAX(n) (4 * (n))

/* Writes s into out (len bytes, NUL included; len > 0) with every control character and
 * every byte of an invalid UTF-8 sequence (overlong forms and surrogates included) as \xHH.
 * Printable ASCII and valid UTF-8 are copied as they are, '\\' too, so escaping twice
 * changes nothing. Truncates at a whole character or escape. Returns out. */
char *printable(char *out, size_t len, const char *s);

/* Whether s is valid UTF-8 (controls allowed): what a JSON string can hold exactly. */
bool printable_is_utf8(const char *s);

#endif
