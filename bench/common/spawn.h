/* Running helper programs (mkfs.*, fuse-overlayfs, crun --version) and collecting their
 * output, without a shell; and binding any forked helper's life to the harness's. */
#ifndef BOXBENCH_SPAWN_H
#define BOXBENCH_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* First thing in a child the harness forked (parent: the harness's pid, taken before the
 * fork): the child gets SIGKILL when the harness exits, and exits at once if the harness is
 * already gone. A helper that outlived a killed run would keep its private mount namespace,
 * and every mount and loop device in it, alive. */
void spawn_die_with_parent(pid_t parent);

/* Runs argv[0] (looked up in PATH) with stdin from /dev/null, stdout and stderr collected
 * into out (NUL-terminated, truncated to outlen). The program dies with the harness, and is
 * killed when a stop (stop.h) is asked for. Returns the exit status (0..255), or a negative
 * errno if it could not run or was killed by a signal (-EINTR after a stop). */
int spawn_capture(char *const argv[], char *out, size_t outlen, struct bb_error *err);

/* The first run of digits and dots after "version" on the line of text that holds label (the
 * first line when label is NULL): "1.8.1" from "crun version 1.8.1", "1.1.5" from "runc
 * version 1.1.5+ds1". False when there is none or it does not fit in buf. */
bool text_version(const char *text, const char *label, char *buf, size_t len);

#endif
