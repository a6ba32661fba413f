/* An overlay on a layer stack, as the overlay scenarios (mount, copyup, lookup, readdir) use it:
 * the layers listed once, a private upper/work pair that can be wiped between mounts, and mount
 * and umount calls thin enough that a timed span holds only their syscalls. The harness mounts
 * it in its own private mount namespace (session_open), so even a killed run leaves none. */
#ifndef BOXBENCH_OVL_FIXTURE_H
#define BOXBENCH_OVL_FIXTURE_H

#include <stdbool.h>

#include "storage/driver.h"
#include "common/error.h"
#include "storage/layer_stack.h"
#include "storage/ovl_mount.h"

struct ovl_fixture {
	const struct layer_stack *stack;
	enum mount_api api;
	struct ovl_options opts;
	char **lowers; /* top to bottom, as overlay lists them */
	unsigned n_lowers;
	char dir[320]; /* the fixture's own dir, holding the three below */
	char upper[340], work[340], merged[340];
	struct ovl_mount_data *md; /* mount(2)'s data, planned once: the paths never change */
	int cwd; /* where to return after a mount(2) with names relative to md->base */
	bool have_cwd;
	bool mounted;
};

/* Makes <workdir>/<tag>-<n>/{upper,work,merged} and plans the mount; mounts nothing. */
int ovl_fixture_init(struct ovl_fixture *f, const struct layer_stack *stack, const char *workdir,
		     const char *tag, enum mount_api api, const struct ovl_options *o,
		     struct bb_error *err);
/* Empties upper and work: the next mount is a container's first. Only while unmounted. */
int ovl_fixture_wipe(struct ovl_fixture *f, struct bb_error *err);
/* Mounts; when t is given, t[0] and t[1] (clock_ns) bracket only the mount syscalls: mount(2),
 * or fsopen to move_mount. */
int ovl_fixture_mount(struct ovl_fixture *f, unsigned long long *t, struct bb_error *err);
/* Unmounts; t as for ovl_fixture_mount (the umount2 call). */
int ovl_fixture_umount(struct ovl_fixture *f, unsigned long long *t, struct bb_error *err);
/* Unmounts if mounted and removes everything init made; safe on a zeroed or half-made one. */
void ovl_fixture_release(struct ovl_fixture *f);

/* The name of the file system holding path, or of its nearest existing parent: a dir that a
 * run will create (the stack cache on a first run) already has a file system. */
const char *ovl_fixture_fs_name(const char *path);

#endif
