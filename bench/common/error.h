/* Errors that carry an errno and a readable message from deep inside bench/ and probes/
 * up to the one place (a subcommand in tools/) that prints them. */
#ifndef BOXBENCH_ERROR_H
#define BOXBENCH_ERROR_H

#include <stddef.h>

struct bb_error {
	int code; /* positive errno, 0 when no error */
	char msg[768]; /* "cannot mount overlay on /x: EINVAL (why; what to do)" */
};

/* Records code and the formatted message; returns -code so callers can `return bb_err(...)`. */
int bb_err(struct bb_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes an existing message with more context ("while X: <old message>"). */
int bb_err_wrap(struct bb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void bb_err_clear(struct bb_error *err);

/* "EPERM", "ENOENT", ...; "E<n>" for numbers it does not know. Never NULL. */
const char *errno_name(int code);

#endif
