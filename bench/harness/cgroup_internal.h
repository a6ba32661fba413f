/* Between the cgroup files only, as crun keeps cgroup-internal.h: the helpers of cgroup_util.c
 * that cgroup.c, cgroup_mode.c, cgroup_v1.c and cgroup_v2.c share, and the v1 and v2 sides the
 * front in cgroup.c sends each operation to. Nothing outside bench/harness/cgroup*.c includes
 * it: cgroup.h is the API. The calls go one way: cgroup.c to the others, all to cgroup_util.c. */
#ifndef BOXBENCH_CGROUP_INTERNAL_H
#define BOXBENCH_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"

/* cgroup_util.c */

/* Why a cgroup file refused with errno e, and what to do, for a message's parenthesis. */
const char *cgroup_hint(const char *file, int e);
/* Writes value to dir/file; on failure "cannot <what>: <dir>/<file>: <ERRNO> (<why; fix>)". */
int cgroup_write_at(int dirfd, const char *dir, const char *file, const char *value,
		    const char *what, struct bb_error *err);
/* Reads dir/file NUL-terminated into buf; returns the length or a negative errno. */
long cgroup_read_at(int dirfd, const char *dir, const char *file, char *buf, size_t len,
		    struct bb_error *err);
/* The number after "key " on a line of a flat-keyed file (cgroup.events, memory.events). */
int cgroup_keyed_value(const char *text, const char *key, unsigned long long *val);
bool cgroup_file_exists(int dirfd, const char *file);
/* Whether a space-separated list (cgroup.controllers) holds tok as a whole word. */
bool cgroup_words_have(const char *words, const char *tok);
/* Whether the oom_kill count in dir/file (memory.events, memory.oom_control) is above 0; a file
 * without the line is EOPNOTSUPP, hint (" (kernels before 4.13)", or "") saying why. */
int cgroup_oom_killed_at(int dirfd, const char *dir, const char *file, const char *hint,
			 bool *killed, struct bb_error *err);
/* SIGKILLs each task listed in cgroup.procs until none is left: v1's way of emptying a group,
 * and v2's before cgroup.kill (5.14). Never signals boxbench itself: that is EBUSY. */
int cgroup_kill_listed(int dirfd, const char *dir, struct bb_error *err);

/* cgroup_v1.c */

int cgroup_v1_set_limit(int dirfd, const char *dir, enum cgroup_ctrl c,
			const struct cgroup_limits *lim, struct bb_error *err);
int cgroup_v1_oom_killed(int dirfd, const char *dir, bool *killed, struct bb_error *err);

/* cgroup_v2.c */

/* Enables ctrls in dir's cgroup.subtree_control; *enabled gets those that were not on before. */
int cgroup_v2_enable(int dirfd, const char *dir, unsigned ctrls, unsigned *enabled,
		     struct bb_error *err);
int cgroup_v2_disable(int dirfd, const char *dir, unsigned ctrls, struct bb_error *err);
int cgroup_v2_set_limit(int dirfd, const char *dir, enum cgroup_ctrl c,
			const struct cgroup_limits *lim, struct bb_error *err);
int cgroup_v2_oom_killed(int dirfd, const char *dir, bool *killed, struct bb_error *err);
/* cgroup.kill, then waits for cgroup.events to say "populated 0" (cgroup_kill_listed() before
 * 5.14). */
int cgroup_v2_empty(int dirfd, const char *dir, struct bb_error *err);

#endif
