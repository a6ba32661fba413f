/* The harness's cgroups: where each controller lives (cgroup_mode.c), the v1 and v2 file formats
 * (cgroup_v1.c, cgroup_v2.c), and the front that picks a hierarchy per controller (cgroup.c).
 * This is their API; what the files share among themselves is in cgroup_internal.h. */
#ifndef BOXBENCH_CGROUP_H
#define BOXBENCH_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* As crun tells them apart: cgroup2 on /sys/fs/cgroup is v2; a tmpfs there with cgroup2 on
 * /sys/fs/cgroup/unified is hybrid; anything else is v1. */
enum cgroup_mode { CGROUP_V1 = 1, CGROUP_V2, CGROUP_HYBRID };

/* The controllers boxbench limits containers with. */
enum cgroup_ctrl { CGROUP_MEMORY, CGROUP_CPU, CGROUP_PIDS, CGROUP_NR_CTRLS };

/* Bits of the `want` mask of cgroup_run_create(). CGROUP_WANT_V2_GROUP asks for a group on the
 * v2 tree even when no wanted controller is there (hybrid hosts): it gives containers the cgroup
 * id BPF events carry and makes CLONE_INTO_CGROUP possible. */
#define CGROUP_WANT(c) (1u << (c))
#define CGROUP_WANT_ALL \
	(CGROUP_WANT(CGROUP_MEMORY) | CGROUP_WANT(CGROUP_CPU) | CGROUP_WANT(CGROUP_PIDS))
#define CGROUP_WANT_V2_GROUP (1u << CGROUP_NR_CTRLS)

/* A controller is bound to one hierarchy at a time: while a v1 hierarchy holds it, the v2 tree
 * does not list it. */
enum cgroup_where { CGROUP_NOWHERE, CGROUP_ON_V1, CGROUP_ON_V2 };

#define CGROUP_PATH_MAX 256
#define CGROUP_NAME_MAX 64
#define CGROUP_MAX_V1	16
/* One per controller, plus the v2 tree when it carries none of them. */
#define CGROUP_MAX_HIERS (CGROUP_NR_CTRLS + 1)

struct cgroup_layout {
	enum cgroup_mode mode;
	char v2_root[CGROUP_PATH_MAX]; /* "" when no cgroup2 is mounted */
	char v2_controllers[256]; /* the v2 root's cgroup.controllers, "hugetlb" */
	char v2_subtree_control[256]; /* the v2 root's cgroup.subtree_control */
	int nr_v1; /* every mounted v1 hierarchy, once, for cleanup */
	char v1_roots[CGROUP_MAX_V1][CGROUP_PATH_MAX];
	struct {
		enum cgroup_where where;
		char root[CGROUP_PATH_MAX]; /* its hierarchy's mount point; "" when nowhere */
		bool v2_enabled; /* on v2 and already in the root's subtree_control */
	} ctrl[CGROUP_NR_CTRLS];
};

/* Reads the mode and where memory, cpu and pids live. Fails only when no cgroup file system is
 * mounted at all; a controller mounted nowhere is CGROUP_NOWHERE, not an error. */
int cgroup_layout_detect(struct cgroup_layout *l, struct bb_error *err);

const char *cgroup_mode_name(enum cgroup_mode mode); /* "v1", "v2", "hybrid" */
const char *cgroup_ctrl_name(enum cgroup_ctrl c); /* "memory", "cpu", "pids" */

/* 0 means "no limit" for every field. */
struct cgroup_limits {
	uint64_t memory_max; /* bytes; swap is capped too, so a container cannot swap past it */
	uint64_t cpu_quota_us; /* CPU time per period */
	uint64_t cpu_period_us; /* 0 with a quota: the kernel's default, 100000 */
	uint64_t pids_max;
};

/* One group per hierarchy. */
struct cgroup_hier {
	bool v2;
	unsigned ctrls; /* CGROUP_WANT() bits of the controllers it carries for us */
	char root[CGROUP_PATH_MAX]; /* the hierarchy's mount point */
	char path[CGROUP_PATH_MAX]; /* the run's group in it */
	int fd; /* that group, flock()ed while the run lives; -1 if not made */
};

/* A run's parent groups, named for the run, at the root of each hierarchy it needs. The flock on
 * each tells `boxbench cleanup` the run is alive; the kernel drops it when the run dies. */
struct cgroup_run {
	char name[CGROUP_NAME_MAX];
	unsigned want; /* as given to cgroup_run_create() */
	unsigned v2_root_enabled; /* what this run enabled in the v2 root; undone on destroy */
	int nr_hiers;
	struct cgroup_hier hiers[CGROUP_MAX_HIERS];
};

/* Creates the run's group in every hierarchy `want` needs and enables the wanted v2 controllers
 * in its subtree_control (and the root's when they are not yet). `name` starts with "boxbench"
 * ("boxbench-<pid>"), which is how cleanup finds what a killed run left. A wanted controller
 * that is mounted nowhere is an ENOENT error naming the option to drop. On failure nothing is
 * left behind. */
int cgroup_run_create(struct cgroup_run *run, const struct cgroup_layout *l, const char *name,
		      unsigned want, struct bb_error *err);

/* Removes the run's groups and everything below them, bottom-up, killing tasks still inside
 * (cgroup.kill on v2, SIGKILL to each listed task on v1) and waiting for them to go. Goes on
 * past a failure and reports the first. Safe on a zeroed or half-made run. */
int cgroup_run_destroy(struct cgroup_run *run, struct bb_error *err);

/* A container's group: one directory per hierarchy of its run. */
struct cgroup {
	struct cgroup_run *run;
	char name[CGROUP_NAME_MAX];
	int nr_hiers; /* the run's, in the same order */
	struct {
		char path[CGROUP_PATH_MAX];
		int dir_fd; /* O_PATH; -1 if not made */
		int procs_fd; /* its cgroup.procs, open for writing so attaching is one write(2) */
	} h[CGROUP_MAX_HIERS];
};

/* mkdir of `name` below the run in each of its hierarchies, then cgroup_set_limits() when lim is
 * not NULL. Pass NULL to time the limit writes on their own. On failure nothing is left. */
int cgroup_create(struct cgroup *cg, struct cgroup_run *run, const char *name,
		  const struct cgroup_limits *lim, struct bb_error *err);

/* Writes the limits that are set, each to the hierarchy carrying its controller. A limit whose
 * controller the run does not carry is EINVAL. */
int cgroup_set_limits(struct cgroup *cg, const struct cgroup_limits *lim, struct bb_error *err);

/* Moves process pid into the group: one write to cgroup.procs per hierarchy. */
int cgroup_attach(struct cgroup *cg, pid_t pid, struct bb_error *err);

/* A directory fd for clone3(CLONE_INTO_CGROUP) when the v2 group is the container's only one (so
 * the clone alone places it in every group), else -1. Owned by cg: do not close it. */
int cgroup_v2_dirfd(const struct cgroup *cg);

/* The v2 group's cgroup id, as bpf_get_current_cgroup_id() returns it; 0 without a v2 group. */
uint64_t cgroup_v2_id(const struct cgroup *cg);

/* Whether the kernel's OOM killer has killed a task in the group (memory.events oom_kill on v2,
 * memory.oom_control oom_kill on v1). Needs the memory controller. */
int cgroup_oom_killed(const struct cgroup *cg, bool *killed, struct bb_error *err);

/* rmdir in each hierarchy (one syscall each when the group is empty); tasks or groups still
 * inside are killed and removed first. A group already gone is not an error. Idempotent. */
int cgroup_destroy(struct cgroup *cg, struct bb_error *err);

/* Removes every boxbench* group at the top of every mounted hierarchy that no live run holds
 * (their flock is free), with everything below it. *removed counts the groups removed, one per
 * hierarchy. */
int cgroup_cleanup_leftovers(const struct cgroup_layout *l, int *removed, struct bb_error *err);

/* How long emptying a group may take before it is reported stuck. */
#define CGROUP_EMPTY_TIMEOUT_MS 5000

/* Up to max pids from dir/cgroup.procs (dirfd is dir); returns how many or a negative errno. */
long cgroup_read_pids(int dirfd, const char *dir, pid_t *pids, size_t max, struct bb_error *err);

#endif
