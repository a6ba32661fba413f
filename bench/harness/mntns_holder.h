/* A mount namespace held by an fd: a copy of the caller's, with n tmpfs mounts on <dir>/<i>.
 * The ns and pivot scenarios start every child from one, so the mounts other scenarios hold
 * in the harness's namespace during a run never change what those children copy or detach. */
#ifndef BOXBENCH_MNTNS_HOLDER_H
#define BOXBENCH_MNTNS_HOLDER_H

#include "common/error.h"

/* Makes <dir>/0..n-1 (dir is unused when n is 0), then a child unshares a mount namespace, mounts a small tmpfs on each,
 * and leaves once the caller holds its /proc/<pid>/ns/mnt open in *fd (join it with setns).
 * On failure nothing is left: no child, no fd. */
int mntns_hold_mounts(const char *dir, unsigned n, int *fd, struct bb_error *err);

#endif
