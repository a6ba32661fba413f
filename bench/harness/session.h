/* A harness session: everything a run of containers shares and must give back. It moves the
 * process into its private mount namespace, makes the run's work dir and cgroup parent, and
 * opens the agent; session_close() removes all of it. Names carry the pid
 * (/var/tmp/boxbench-run-<pid>, cgroup boxbench-<pid>) so `boxbench cleanup` can tell what a
 * killed run left from what a live one holds. */
#ifndef BOXBENCH_SESSION_H
#define BOXBENCH_SESSION_H

#include <stdbool.h>

#include "storage/backing_fs.h"
#include "cgroup.h"
#include "common/error.h"

#define SESSION_DEFAULT_WORK_ROOT "/var/tmp"
#define SESSION_DEFAULT_CACHE_DIR "/var/cache/boxbench/stacks"
#define SESSION_DIR_PREFIX	  "boxbench-run-"

/* Where the layer stacks and upper dirs live. */
enum session_store {
	/* The host's file systems: stacks in cache_dir (kept between runs), uppers under
	 * work_root. Numbers include the host disk's latency and whatever else writes to it. */
	STORE_HOST,
	/* A file system made for the session on a loop device whose image is in RAM (a tmpfs):
	 * the same file-system code, journal and fsyncs, but no disk to wait on and no other
	 * writer sharing the journal. Stacks are built afresh in it. */
	STORE_MEMORY,
};

/* The memory store's image: sparse, so only what is written takes RAM. */
#define SESSION_MEMORY_IMAGE_SIZE (8ULL << 30)

struct session_options {
	const char *work_root; /* where the run's dir goes; NULL: /var/tmp */
	const char *cache_dir; /* layer stacks; NULL: /var/cache/boxbench/stacks */
	enum session_store store;
	enum backing_fs memory_fs; /* STORE_MEMORY's file system (tmpfs: no loop device) */
	bool cgroups; /* give containers cgroups at all */
	unsigned cgroup_want; /* CGROUP_WANT() bits of the controllers the limits need */
};

struct session {
	char rundir[300]; /* <work_root>/boxbench-run-<pid>: everything of the session is in it */
	char workdir[300]; /* where scenarios make their dirs: rundir, or the memory fs in it */
	char cache_dir[256];
	enum session_store store;
	char ram_dir[320]; /* STORE_MEMORY: the tmpfs holding the image; "" otherwise */
	struct backing_fs_mount memory; /* STORE_MEMORY: the file system made on it */
	int agent_fd;
	struct cgroup_layout layout;
	struct cgroup_run cgroups;
	bool have_cgroups;
};

int session_open(struct session *s, const struct session_options *o, struct bb_error *err);
/* Safe on a zeroed or half-opened session; the first error is returned, the rest still done. */
int session_close(struct session *s, struct bb_error *err);

#endif
