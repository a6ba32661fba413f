/* Running helper programs (mkfs.*, fuse-overlayfs, crun --version) and collecting their
 * output, without a shell. */
#ifndef BOXBENCH_SPAWN_H
#define BOXBENCH_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Runs argv[0] (looked up in PATH) with stdin from /dev/null, stdout and stderr collected
 * into out (NUL-terminated, truncated to outlen). Returns the exit status (0..255), or a
 * negative errno if it could not run or was killed by a signal. */
int spawn_capture(char *const argv[], char *out, size_t outlen, struct bb_error *err);

/* The first run of digits and dots after "version" on the line of text that holds label (the
 * first line when label is NULL): "1.8.1" from "crun version 1.8.1", "1.1.5" from "runc
 * version 1.1.5+ds1". False when there is none or it does not fit in buf. */
bool text_version(const char *text, const char *label, char *buf, size_t len);

#endif
