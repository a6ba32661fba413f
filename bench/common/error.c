/* The error carrier of bench/ and probes/: see error.h. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "printable.h"

/* Messages name files from images and layers, and reach terminals: escape what they hold
 * (see printable.h). Escaping is idempotent, so a message built from another is not
 * escaped twice. */
static void make_printable(struct bb_error *err)
{
	char clean[sizeof(err->msg)];

	printable(clean, sizeof(clean), err->msg);
	memcpy(err->msg, clean, sizeof(clean));
}

int bb_err(struct bb_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (code < 0)
		code = -code;
	if (code == 0)
		code = EIO;
	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		make_printable(err);
	}
	return -code;
}

int bb_err_wrap(struct bb_error *err, const char *fmt, ...)
{
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return -EIO;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(old, sizeof(old), "%s", err->msg);
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	make_printable(err);
	return -(err->code ? err->code : EIO);
}

void bb_err_clear(struct bb_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

#define NAME(e) [e] = #e
static const char *const names[] = {
	NAME(EPERM),	    NAME(ENOENT),     NAME(ESRCH),     NAME(EINTR),
	NAME(EIO),	    NAME(ENXIO),      NAME(E2BIG),     NAME(ENOEXEC),
	NAME(EBADF),	    NAME(ECHILD),     NAME(EAGAIN),    NAME(ENOMEM),
	NAME(EACCES),	    NAME(EFAULT),     NAME(ENOTBLK),   NAME(EBUSY),
	NAME(EEXIST),	    NAME(EXDEV),      NAME(ENODEV),    NAME(ENOTDIR),
	NAME(EISDIR),	    NAME(EINVAL),     NAME(ENFILE),    NAME(EMFILE),
	NAME(ENOTTY),	    NAME(ETXTBSY),    NAME(EFBIG),     NAME(ENOSPC),
	NAME(ESPIPE),	    NAME(EROFS),      NAME(EMLINK),    NAME(EPIPE),
	NAME(EDOM),	    NAME(ERANGE),     NAME(EDEADLK),   NAME(ENAMETOOLONG),
	NAME(ENOLCK),	    NAME(ENOSYS),     NAME(ENOTEMPTY), NAME(ELOOP),
	NAME(ENOMSG),	    NAME(ENODATA),    NAME(ETIME),     NAME(EPROTO),
	NAME(EOVERFLOW),    NAME(EBADMSG),    NAME(EUSERS),    NAME(ENOTSOCK),
	NAME(EOPNOTSUPP),   NAME(EADDRINUSE), NAME(ENOBUFS),   NAME(ETIMEDOUT),
	NAME(ECONNREFUSED), NAME(ESTALE),     NAME(EDQUOT),    NAME(ECANCELED),
	NAME(EKEYREJECTED),
};
#undef NAME

const char *errno_name(int code)
{
	static __thread char buf[16];

	if (code < 0)
		code = -code;
	/* The kernel's ENOTSUPP (524) leaks out of BPF attach paths; name it, it is common. */
	if (code == 524)
		return "ENOTSUPP";
	if (code > 0 && (size_t)code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	snprintf(buf, sizeof(buf), "E%d", code);
	return buf;
}
