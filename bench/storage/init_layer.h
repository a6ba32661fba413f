/* A container's init layer, as docker's overlay2 makes it (<id>-init): the files an engine
 * writes for each container and keeps out of a commit (/etc/hosts, /etc/hostname,
 * /etc/resolv.conf) and the dirs the start path mounts on (/proc, /sys, /dev). The
 * overlay-style drivers stack it as a lower layer above the image; vfs and btrfs write it into
 * the container's own copy. */
#ifndef BOXBENCH_INIT_LAYER_H
#define BOXBENCH_INIT_LAYER_H

#include <sys/types.h>

#include "common/error.h"

/* What an init layer holds, relative to its root: dirs first, then the files. */
extern const char *const init_layer_dirs[];
extern const char *const init_layer_files[];

/* Writes the init layer into dir (which exists); hostname goes into /etc/hostname and
 * /etc/hosts. A non-directory where a dir must be (in a copy of an image) is replaced. Every
 * entry is given to owner when it is not 0. */
int init_layer_write(const char *dir, const char *hostname, uid_t owner, struct bb_error *err);

#endif
