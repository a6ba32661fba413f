/* A real container, started the way runtimes start one: clone3() with the namespaces asked
 * for (and CLONE_INTO_CGROUP where cgroup v2 holds the controllers), uid/gid maps for a user
 * namespace, a cgroup with limits, the root file system mounted by a storage driver inside
 * the new mount namespace, /proc, pivot_root(".", "."), then execve of the static agent,
 * which runs the requested operations and reports each timing. Every phase boundary is a
 * CLOCK_MONOTONIC timestamp in the result; nothing here prints. */
#ifndef BOXBENCH_CONTAINER_H
#define BOXBENCH_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "storage/driver.h"
#include "common/error.h"
#include "probes/probes.h"
#include "storage/layer_stack.h"

enum phase {
	PHASE_PREPARE, /* harness: the driver makes the container's dirs and writable layer */
	PHASE_INIT, /* harness: write the container's init layer (/etc/hosts, mount points) */
	PHASE_CGROUP, /* harness: create the container's cgroup and write its limits */
	PHASE_CLONE, /* harness: clone3(), which creates the namespaces */
	PHASE_IDMAP, /* harness: write uid_map/gid_map (user namespaces only) */
	PHASE_ATTACH, /* harness: write the pid to cgroup.procs (when not CLONE_INTO_CGROUP) */
	PHASE_MOUNT, /* child: make mounts private and mount the root file system */
	PHASE_PROC, /* child: mount /proc in the new root */
	PHASE_PIVOT, /* child: pivot_root(".", ".") and detach the old root */
	PHASE_EXEC, /* child: execve of the agent, until its first instruction */
	PHASE_FIRST_OP, /* agent: the first requested operation */
	PHASE_EXIT, /* agent's last word until the harness has reaped it */
	PHASE_TEARDOWN, /* harness: remove the cgroup and the container's dirs */
	PHASE_MAX,
};

struct phase_span {
	unsigned long long start, end; /* CLOCK_MONOTONIC ns; both 0 if the phase did not run */
};

#define CONTAINER_NS_ALL                                                           \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | \
	 CLONE_NEWCGROUP | CLONE_NEWTIME)

struct container_spec {
	unsigned long namespaces; /* CLONE_NEW* flags; CLONE_NEWNS is always added */
	bool userns; /* a user namespace, root inside mapped to uid_base outside */
	uid_t uid_base; /* first host uid/gid of the 65536 mapped */
	const char *hostname; /* set in a new UTS namespace; NULL for "boxbench" */
	const struct driver_config *driver;
	const struct driver_image *image; /* what the driver made of the stack (image_open) */
	const char *dir; /* the container's private dir (upper, work, merged) */
	struct cgroup_run *cgroups; /* NULL: no cgroup */
	struct cgroup_limits limits;
	const char *name; /* the cgroup's name below the run's parent */
	int agent_fd; /* an fd of the agent binary (see container_open_agent) */
	char *const *ops; /* the agent's operations (protocol.h), NULL-terminated */
};

struct agent_op {
	char name[24];
	int rc, err;
	unsigned long long start, end;
	long long value;
	struct span_kernel k;
};

struct container_result {
	struct phase_span phase[PHASE_MAX];
	struct span_kernel kphase[PHASE_MAX];
	bool into_cgroup; /* placed by CLONE_INTO_CGROUP rather than cgroup.procs */
	unsigned long long cgroup_id; /* its cgroup v2 id (as BPF sees it), 0 without one */
	pid_t pid; /* on the host */
	int exit_status; /* the agent's, when it exited */
	int term_signal; /* the signal that killed it, or 0 */
	bool oom_killed; /* the cgroup's OOM killer did it */
	char hostname[65]; /* as the agent saw it (hostname op) */
	char rootfs_type[32]; /* "/" as the agent saw it in its mountinfo (rootfs op) */
	char child_error[512]; /* why the container failed before exec, or "" */
	struct agent_op *ops;
	size_t n_ops;
};

/* Opens the agent binary for execveat(): BOXBENCH_AGENT, else boxbench-agent next to the
 * running executable, else the installed one. Returns the fd or a negative errno. */
int container_open_agent(struct bb_error *err);

/* Whether the kernel can start a container of this spec at all (a user namespace needs its own
 * pid namespace for /proc): 0, or -EINVAL with the reason and the fix. container_run() checks
 * it first; callers check it early to refuse options before any work. */
int container_spec_check(const struct container_spec *spec, struct bb_error *err);

/* Starts the container, runs its agent to the end, tears it down. Returns 0 when the
 * container ran (it may still have failed or been killed: see result), or a negative errno
 * when it could not be started (-EINTR when a stop, stop.h, ended it); in either case nothing
 * of it is left behind. */
int container_run(const struct container_spec *spec, struct container_result *res,
		  struct bb_error *err);
void container_result_free(struct container_result *res);

const char *phase_name(enum phase p);

/* Puts the kernel's view beside the harness's (container_annotate.c): for each phase and each
 * agent operation, the time its thread spent in syscalls and in the kernel function that does
 * the work, from the events p collected. harness: the tid that ran the harness's side of the
 * start (clone3, cgroup writes). Leaves the spans zeroed when the probes are off. */
void container_annotate(const struct probes *p, pid_t harness, struct container_result *r);
const struct agent_op *container_find_op(const struct container_result *res, const char *name);

#endif
