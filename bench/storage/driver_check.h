/* The cheap checks behind a driver's available(): is a file system type known to the kernel,
 * is a tool installed. Each failure's message names the fix. */
#ifndef BOXBENCH_DRIVER_CHECK_H
#define BOXBENCH_DRIVER_CHECK_H

#include <stddef.h>

#include "common/error.h"

/* 0 when fstype is in /proc/filesystems or a module of that name is installed for this
 * kernel (a mount loads it); else -ENODEV saying "needs <what>". */
int fs_type_known(const char *fstype, const char *what, struct bb_error *err);
/* The tool's path (searched in PATH, then /usr/sbin and /sbin) into path; -ENOENT naming the
 * Debian package to install when it is nowhere. */
int tool_find(const char *tool, const char *package, char *path, size_t len, struct bb_error *err);

#endif
