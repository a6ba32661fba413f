/* Shared by the libFuzzer targets in tests/fuzz/: the input as a file the library can open by
 * name, inputs made of several parts, scratch dirs that are never boxbench's (so no test's
 * leftover check and no `boxbench cleanup` mistakes them), and a broken invariant reported as
 * a crash, so that libFuzzer keeps the input that broke it. */
#ifndef BOXBENCH_FUZZ_GLUE_H
#define BOXBENCH_FUZZ_GLUE_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct fz_part {
	const uint8_t *p;
	size_t n;
};

/* Splits data at each sep into at most max parts (the last one keeps any further sep).
 * Returns the number of parts, at least 1. */
size_t fz_split(const uint8_t *data, size_t n, const char *sep, struct fz_part *parts, size_t max);

/* A NUL-terminated copy (an embedded NUL ends it early, as it would in a file name). */
char *fz_strdup(const struct fz_part *part);

/* A memfd holding data; path gets "/proc/self/fd/N", which the library opens like any file.
 * The caller closes the fd. */
int fz_memfd(const void *data, size_t n, char *path, size_t path_len);

/* A fresh dir $TMPDIR/bbfz-<what>.XXXXXX (default /tmp); fz_rmtree() removes it. */
void fz_tempdir(const char *what, char *path, size_t path_len);
void fz_rmtree(const char *path);
void fz_write_file(const char *dir, const char *name, const void *data, size_t n);

/* Everything about a tree a write through it would change, one line per entry in name order:
 * type, mode, owner, size, link count, mtime, ctime, xattr names and symlink targets. For the
 * canaries around a target's output: two prints differ when anything in the tree changed. */
char *fz_tree_print(const char *dir);

/* Whether the runner put the target in its sandbox (tests/fuzz/run.sh): its own /tmp, every
 * other mount read-only. */
int fz_sandboxed(void);

/* An invariant of the code under test does not hold: says which, and aborts. */
void fz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
