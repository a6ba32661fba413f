/* A harness session: everything a run of containers shares and must give back. It moves the
 * process into its private mount namespace, makes the run's work dir and cgroup parent, and
 * opens the agent; session_close() removes all of it. Names carry the pid
 * (/var/tmp/boxbench-run-<pid>, cgroup boxbench-<pid>) so `boxbench cleanup` can tell what a
 * killed run left from what a live one holds. */
#ifndef BOXBENCH_SESSION_H
#define BOXBENCH_SESSION_H

#include <stdbool.h>

#include "cgroup.h"
#include "error.h"

#define SESSION_DEFAULT_WORK_ROOT "/var/tmp"
#define SESSION_DEFAULT_CACHE_DIR "/var/cache/boxbench/stacks"
#define SESSION_DIR_PREFIX	  "boxbench-run-"

struct session_options {
	const char *work_root; /* where the run's dir goes; NULL: /var/tmp */
	const char *cache_dir; /* layer stacks; NULL: /var/cache/boxbench/stacks */
	bool cgroups; /* give containers cgroups at all */
	unsigned cgroup_want; /* CGROUP_WANT() bits of the controllers the limits need */
};

struct session {
	char workdir[300];
	char cache_dir[256];
	int agent_fd;
	struct cgroup_layout layout;
	struct cgroup_run cgroups;
	bool have_cgroups;
};

int session_open(struct session *s, const struct session_options *o, struct bb_error *err);
/* Safe on a zeroed or half-opened session; the first error is returned, the rest still done. */
int session_close(struct session *s, struct bb_error *err);

#endif
