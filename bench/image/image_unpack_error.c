/* Failing an entry of a layer: the one message shape ("entry '<name>': <why>") and the kind of
 * failure in the stats, for every file of the unpacker. A leaf: it calls none of them. */
#include "image_unpack_internal.h"

#include <stdarg.h>
#include <stdio.h>

int unpack_refuse(struct unpacker *u, enum unpack_failure kind, int code, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	u->st->failure = kind;
	return bb_err(u->err, code, "entry '%.200s': %s", u->entry ? u->entry : "", why);
}

int unpack_io_error(struct unpacker *u, const char *what, int code)
{
	return unpack_refuse(u, UNPACK_IO, code, "%s: %s", what, errno_name(code));
}
