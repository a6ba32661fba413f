/* Loop devices for file system images: a backing file attached to a free /dev/loopN with
 * autoclear set, so the device frees itself once its last holder (normally a mount) goes. */
#ifndef BOXBENCH_LOOPDEV_H
#define BOXBENCH_LOOPDEV_H

#include <stdbool.h>

#include "common/error.h"

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

/* A bound loop device, as the kernel shows it. */
struct loopdev_info {
	int nr;
	unsigned major, minor;
	/* /sys/block/loopN/loop/backing_file: the image's path as this process sees it (from
	 * the root of its file system when the mount holding it is in no namespace of ours),
	 * with " (deleted)" once unlinked. */
	char backing[4096];
	char name[64]; /* what the attacher recorded (lo_file_name: boxbench puts the path) */
	bool autoclear;
};

/* Calls fn for every bound loop device; stops at fn's first nonzero return and returns it, or
 * 0. A negative errno when /sys/block cannot be listed. */
int loopdev_each(int (*fn)(const struct loopdev_info *lo, void *arg), void *arg);

/* Whether /dev/loopN is bound to a file. */
bool loopdev_bound(int nr);

/* Asks the kernel to detach /dev/loopN (LOOP_CLR_FD). It does so at once when nothing else has
 * the device open; otherwise it only marks it autoclear, and the device goes with its last
 * holder: a mount in some namespace, or an open file. Waits up to wait_ms for that. Returns 0
 * once the device is unbound, -EBUSY while something still holds it, or another negative
 * errno. */
int loopdev_clear(int nr, int wait_ms);

#endif
