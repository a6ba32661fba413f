/* Loop devices for file system images: a backing file attached to a free /dev/loopN with
 * autoclear set, so the device frees itself once its last holder (normally a mount) goes. */
#ifndef BOXBENCH_LOOPDEV_H
#define BOXBENCH_LOOPDEV_H

#include <stdbool.h>

#include "error.h"

enum loopdev_flags {
	LOOPDEV_READ_ONLY = 1 << 0,
	/* Skip LOOP_CONFIGURE (5.8+) and attach with LOOP_SET_FD + LOOP_SET_STATUS64 as older
	 * kernels must; lets the fallback be tested on a new kernel. */
	LOOPDEV_LEGACY = 1 << 1,
};

struct loopdev {
	int fd; /* open read-only on path while attached */
	int nr; /* the N of /dev/loopN */
	char path[32]; /* "/dev/loopN"; "" when not attached */
	bool legacy; /* attached by LOOP_SET_FD + LOOP_SET_STATUS64 */
};

/* Attaches backing (a regular file) to a free loop device with LO_FLAGS_AUTOCLEAR, falling back
 * to LOOP_SET_FD + LOOP_SET_STATUS64 where LOOP_CONFIGURE is unknown. On return lo holds the
 * device open read-only (so a mount can be its only writer) and lo->path can be mounted; call
 * loopdev_detach() right after the mount, whether it worked or not. */
int loopdev_attach(struct loopdev *lo, const char *backing, unsigned int flags,
		   struct bb_error *err);

/* Lets go of the device: it is cleared at once if nothing else holds it, or when the last mount
 * of it goes. Safe to call on a zeroed or already detached struct. */
void loopdev_detach(struct loopdev *lo);

/* The N of the first /dev/loopN whose backing file is `backing` (also when that file has been
 * deleted since), or -ENOENT if none is. */
int loopdev_find_backing(const char *backing);

#endif
