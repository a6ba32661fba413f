/* The cgroup section of `boxbench doctor`: the mode; for memory, cpu and pids the hierarchy each
 * is on and whether a group there really takes a limit and a process; and CLONE_INTO_CGROUP. */
#include "doctor.h"
#include "common/sys.h"
#include "harness/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define GROUP "cgroup"

/* A child parked on a pipe until released, so that it can be placed and then looked for. */
struct parked {
	pid_t pid;
	int release_fd;
};

/* The child only reads and exits: after clone3 no libc state can be trusted. */
static void parked_child(int read_fd)
{
	char c;

	while (read(read_fd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* Forks (cgroup_fd < 0) or clone3s into a cgroup a parked child. */
static int park_child(struct parked *p, int cgroup_fd, struct bb_error *err)
{
	struct bb_clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
	int fds[2], e;

	p->pid = -1;
	p->release_fd = -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return bb_err(err, errno, "cannot make a pipe: %s", errno_name(errno));
	if (cgroup_fd >= 0) {
		args.cgroup = (uint64_t)cgroup_fd;
		p->pid = bb_clone3(&args, sizeof(args));
	} else {
		p->pid = fork();
	}
	if (p->pid == 0) {
		close(fds[1]);
		parked_child(fds[0]);
	}
	e = errno;
	close(fds[0]);
	if (p->pid < 0) {
		close(fds[1]);
		return bb_err(err, e, "%s failed: %s",
			      cgroup_fd >= 0 ? "clone3(CLONE_INTO_CGROUP)" : "fork", errno_name(e));
	}
	p->release_fd = fds[1];
	return 0;
}

static void release_child(struct parked *p)
{
	if (p->release_fd >= 0)
		close(p->release_fd);
	if (p->pid > 0)
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
	p->pid = -1;
	p->release_fd = -1;
}

static bool group_lists(const struct cgroup *cg, int i, pid_t pid)
{
	pid_t pids[64];
	long n = cgroup_read_pids(cg->h[i].dir_fd, cg->h[i].path, pids, 64, NULL);

	for (long k = 0; k < n; k++)
		if (pids[k] == pid)
			return true;
	return false;
}

/* Undoes a probe's run and group, keeping the probe's own error when there is one. */
static int probe_teardown(struct cgroup *cg, struct cgroup_run *run, int ret, struct bb_error *e)
{
	struct bb_error undo;
	int r;

	if (cg) {
		r = cgroup_destroy(cg, ret ? &undo : e);
		ret = ret ? ret : r;
	}
	r = cgroup_run_destroy(run, ret ? &undo : e);
	return ret ? ret : r;
}

/* Really uses controller c: a group with a limit, a child attached and seen there, removal. */
static int try_controller(const struct cgroup_layout *l, enum cgroup_ctrl c, struct bb_error *e)
{
	struct cgroup_limits lim = { 0 };
	struct parked child;
	struct cgroup_run run;
	struct cgroup cg;
	char name[CGROUP_NAME_MAX];
	int ret;

	snprintf(name, sizeof(name), "boxbench-doctor-%d", (int)getpid());
	ret = cgroup_run_create(&run, l, name, CGROUP_WANT(c), e);
	if (ret)
		return ret;
	if (c == CGROUP_MEMORY)
		lim.memory_max = 64 << 20;
	else if (c == CGROUP_CPU)
		lim.cpu_quota_us = 50000;
	else
		lim.pids_max = 64;
	ret = cgroup_create(&cg, &run, "probe", &lim, e);
	if (ret)
		return probe_teardown(NULL, &run, ret, e);
	ret = park_child(&child, -1, e);
	if (ret)
		return probe_teardown(&cg, &run, ret, e);
	ret = cgroup_attach(&cg, child.pid, e);
	if (!ret && !group_lists(&cg, 0, child.pid))
		ret = bb_err(e, ESRCH,
			     "process %d was attached to %s but its cgroup.procs does not "
			     "list it",
			     (int)child.pid, cg.h[0].path);
	release_child(&child);
	return probe_teardown(&cg, &run, ret, e);
}

static const char *where_name(enum cgroup_where w)
{
	return w == CGROUP_ON_V1 ? "v1" : w == CGROUP_ON_V2 ? "v2" : "none";
}

static int report_controller(struct check_list *out, const struct cgroup_layout *l,
			     enum cgroup_ctrl c)
{
	static const char *const limits[CGROUP_NR_CTRLS] = {
		[CGROUP_MEMORY] = "memory limits",
		[CGROUP_CPU] = "CPU quotas",
		[CGROUP_PIDS] = "process-count limits",
	};
	static const char *const files[CGROUP_NR_CTRLS][2] = {
		[CGROUP_MEMORY] = { "memory.limit_in_bytes, OOM kills from memory.oom_control",
				    "memory.max, OOM kills from memory.events" },
		[CGROUP_CPU] = { "cpu.cfs_quota_us", "cpu.max" },
		[CGROUP_PIDS] = { "pids.max", "pids.max" },
	};
	enum cgroup_where w = l->ctrl[c].where;
	struct bb_error e = { 0 };
	char means[256];
	bool usable;
	int ret;

	usable = try_controller(l, c, &e) == 0;
	if (usable)
		snprintf(means, sizeof(means), "containers get %s (%s)", limits[c],
			 files[c][w == CGROUP_ON_V2]);
	else
		snprintf(means, sizeof(means), "containers cannot get %s here; run without them",
			 limits[c]);
	if (w == CGROUP_NOWHERE)
		ret = check_add(out, GROUP, cgroup_ctrl_name(c), false, ENOENT, means,
				"not mounted");
	else
		ret = check_add(out, GROUP, cgroup_ctrl_name(c), usable, usable ? 0 : e.code, means,
				"%s, %s", where_name(w), usable ? "usable" : "not usable");
	if (ret)
		return ret;
	if (usable)
		check_detail(out, "a group in %s took a limit and a process, and was removed",
			     l->ctrl[c].root);
	else
		check_detail(out, "%s", e.msg);
	return 0;
}

/* Whether clone3 puts a child straight into a v2 group, checked in that group's cgroup.procs. */
static int try_clone_into(const struct cgroup_layout *l, pid_t *placed, struct bb_error *e)
{
	struct parked child;
	struct cgroup_run run;
	struct cgroup cg;
	char name[CGROUP_NAME_MAX];
	unsigned want = CGROUP_WANT_V2_GROUP;
	int ret;

	for (int c = 0; c < CGROUP_NR_CTRLS; c++)
		if (l->ctrl[c].where == CGROUP_ON_V2)
			want |= CGROUP_WANT(c);
	*placed = 0;
	snprintf(name, sizeof(name), "boxbench-doctor-%d", (int)getpid());
	ret = cgroup_run_create(&run, l, name, want, e);
	if (ret)
		return ret;
	ret = cgroup_create(&cg, &run, "probe", NULL, e);
	if (ret)
		return probe_teardown(NULL, &run, ret, e);
	ret = park_child(&child, cgroup_v2_dirfd(&cg), e);
	if (ret)
		return probe_teardown(&cg, &run, ret, e);
	if (group_lists(&cg, 0, child.pid))
		*placed = child.pid;
	else
		ret = bb_err(e, ESRCH,
			     "clone3(CLONE_INTO_CGROUP) made process %d, but %s does not "
			     "list it",
			     (int)child.pid, cg.h[0].path);
	release_child(&child);
	ret = probe_teardown(&cg, &run, ret, e);
	if (!ret)
		snprintf(e->msg, sizeof(e->msg), "clone3 put process %d in %s", (int)*placed,
			 cg.h[0].path);
	return ret;
}

static int report_clone_into(struct check_list *out, const struct cgroup_layout *l)
{
	struct bb_error e = { 0 };
	char means[256], on_v1[64] = "";
	pid_t placed;
	int ret, n_v1 = 0;
	bool works;

	for (int c = 0; c < CGROUP_NR_CTRLS; c++) {
		if (l->ctrl[c].where != CGROUP_ON_V1)
			continue;
		snprintf(on_v1 + strlen(on_v1), sizeof(on_v1) - strlen(on_v1), "%s%s",
			 n_v1++ ? ", " : "", cgroup_ctrl_name(c));
	}
	if (!l->v2_root[0]) {
		ret = check_add(out, GROUP, "clone_into_cgroup", false, ENOENT,
				"no cgroup2 tree to clone into: containers are attached by writing "
				"cgroup.procs on v1",
				"no");
		if (!ret)
			check_detail(out, "no cgroup2 file system is mounted");
		return ret;
	}
	works = try_clone_into(l, &placed, &e) == 0;
	if (!works)
		snprintf(means, sizeof(means),
			 "containers are attached by writing cgroup.procs after they start%s",
			 e.code == ENOSYS || e.code == E2BIG ? " (clone3 or CLONE_INTO_CGROUP "
							       "needs Linux 5.7)"
							     : "");
	else if (n_v1)
		snprintf(means, sizeof(means),
			 "it places a child in the v2 tree only; %s %s on v1, so containers are "
			 "attached by writing cgroup.procs on v1",
			 on_v1, n_v1 > 1 ? "are" : "is");
	else
		snprintf(means, sizeof(means),
			 "containers start inside their cgroup (clone3): no separate attach step");
	ret = check_add(out, GROUP, "clone_into_cgroup", works, works ? 0 : e.code, means, "%s",
			works ? "yes" : "no");
	if (!ret)
		check_detail(out, "%s", e.msg);
	return ret;
}

static int report_mode(struct check_list *out, const struct cgroup_layout *l)
{
	char means[256], detail[256] = "", on[2][64] = { "", "" };
	int ret;

	for (int c = 0; c < CGROUP_NR_CTRLS; c++) {
		char *s = on[l->ctrl[c].where == CGROUP_ON_V2];

		if (l->ctrl[c].where != CGROUP_NOWHERE)
			snprintf(s + strlen(s), 64 - strlen(s), "%s%s", s[0] ? ", " : "",
				 cgroup_ctrl_name(c));
	}
	if (l->mode == CGROUP_V2)
		snprintf(means, sizeof(means),
			 "one tree: limits in memory.max, cpu.max, pids.max, and BPF events carry "
			 "each container's cgroup id");
	else if (l->mode == CGROUP_HYBRID)
		snprintf(means, sizeof(means),
			 "limits go to v1 hierarchies (%s)%s%s; the cgroup2 tree at %s gives BPF "
			 "events a cgroup id per container",
			 on[0][0] ? on[0] : "none", on[1][0] ? ", v2 has " : "", on[1], l->v2_root);
	else
		snprintf(means, sizeof(means),
			 "each controller has its own hierarchy and there is no cgroup2 tree: BPF "
			 "events carry no container cgroup id, so containers are told apart by "
			 "mount namespace");
	ret = check_add(out, GROUP, "mode", true, 0, means, "%s", cgroup_mode_name(l->mode));
	if (ret)
		return ret;
	if (l->v2_root[0])
		snprintf(detail, sizeof(detail), "cgroup2 at %s, controllers: %s; ", l->v2_root,
			 l->v2_controllers[0] ? l->v2_controllers : "none");
	if (l->nr_v1)
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), "v1 at:");
	for (int i = 0; i < l->nr_v1; i++) {
		const char *base = strrchr(l->v1_roots[i], '/');

		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), " %s",
			 base ? base + 1 : l->v1_roots[i]);
	}
	check_detail(out, "%s", detail);
	return 0;
}

int doctor_cgroup_probe(struct check_list *out, struct bb_error *err)
{
	struct cgroup_layout l;
	struct bb_error e = { 0 };
	int ret;

	ret = cgroup_layout_detect(&l, &e);
	if (ret) {
		ret = check_add(out, GROUP, "mode", false, -ret,
				"boxbench cannot limit containers or place them in cgroups",
				"unknown");
		if (!ret)
			check_detail(out, "%s", e.msg);
		goto out;
	}
	ret = report_mode(out, &l);
	for (int c = 0; c < CGROUP_NR_CTRLS && !ret; c++)
		ret = report_controller(out, &l, c);
	if (!ret)
		ret = report_clone_into(out, &l);
out:
	if (ret)
		return bb_err(err, ENOMEM, "cannot record the cgroup checks: out of memory");
	return 0;
}
