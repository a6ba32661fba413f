/* tracefs is needed by SEC("tracepoint/...") attachment (libbpf reads event ids from it). It
 * is not mounted by default on every host; boxbench mounts it inside its private mount
 * namespace, never on the host. */
#ifndef BOXBENCH_TRACEFS_H
#define BOXBENCH_TRACEFS_H

#include <stdbool.h>

#include "common/error.h"

#define TRACEFS_PATH "/sys/kernel/tracing"

bool tracefs_mounted(void);
/* Mounts tracefs at TRACEFS_PATH if it is not there yet; call only in a private namespace.
 * *mounted_here tells the caller whether this call did the mount. */
int tracefs_ensure(bool *mounted_here, struct bb_error *err);

#endif
