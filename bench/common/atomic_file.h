/* The one way boxbench writes a file (results, exports, plots, image.json): into a directory
 * no other local user can write to or redirect, through a temporary file that is fsync'd and
 * renamed over the target, so a reader sees the old file or the whole new one. Never prints.
 *
 * "Trusted" below means root, the effective user, or the user who ran sudo (SUDO_UID, honoured
 * only when running as root: that user could have had root write anywhere anyway). */
#ifndef BOXBENCH_ATOMIC_FILE_H
#define BOXBENCH_ATOMIC_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"

/* Opens dir to write into, resolving it one component at a time: a symlink on the way is
 * followed only when a trusted user owns it, and dir itself must be owned by a trusted user
 * and writable by no one else unless it is sticky (as /tmp is). With create, missing
 * components are made (mode 0755). Returns an O_DIRECTORY fd, or -errno with a message that
 * names the directory, the reason and the fix. */
int out_dir_open(const char *dir, bool create, struct bb_error *err);

/* Makes a new private (0700) directory PARENT/PREFIX.<random> in a checked PARENT, puts its
 * path in path and returns its fd. */
int out_dir_mkdtemp(const char *parent, const char *prefix, char *path, size_t len,
		    struct bb_error *err);

struct atomic_file {
	FILE *f; /* the contents go here */
	int dir_fd;
	bool named; /* tmp exists in the dir (the O_EXCL fallback, or an O_TMPFILE once linked) */
	char name[NAME_MAX + 1], tmp[NAME_MAX + 1];
	char path[PATH_MAX]; /* the target as the caller named it, for messages */
};

/* Starts writing path, with exactly mode (no umask). Refuses, before anything is created, a
 * dir out_dir_open() refuses and a path that is a symlink, a directory or anything but a
 * regular file. The data goes to an O_TMPFILE (else a new randomly named file, O_CREAT|O_EXCL|
 * O_NOFOLLOW) in the same dir. On failure nothing is left behind and *af needs no release. */
int atomic_file_open(struct atomic_file *af, const char *path, unsigned mode, struct bb_error *err);
/* The same for name in the open dir dir_fd (path names the target in messages). */
int atomic_file_openat(struct atomic_file *af, int dir_fd, const char *name, const char *path,
		       unsigned mode, struct bb_error *err);
/* Flushes and fsyncs the data, then renames it over the target (relative to the dir fd),
 * which must still be absent or a regular file. Releases *af whatever happens; on failure
 * the target is as it was and no temporary is left. */
int atomic_file_commit(struct atomic_file *af, struct bb_error *err);
/* Drops an unfinished file: the target is untouched and no temporary is left. */
void atomic_file_abort(struct atomic_file *af);

/* Whether atomic_file_open(path) would be refused, found without creating anything: for a
 * command that writes at the end (run --out) to refuse a bad path before it measures. */
int atomic_file_check(const char *path, struct bb_error *err);

/* Tests only: take the O_CREAT|O_EXCL fallback even where O_TMPFILE works. */
extern bool atomic_file_test_no_tmpfile;

#endif
