/* The cgroup scenario: the single syscalls a runtime makes on cgroups, each timed alone in the
 * harness thread: mkdir and rmdir of an empty group, one limit write, an attach by cgroup.procs,
 * and clone3(CLONE_INTO_CGROUP), on each hierarchy (v1 per controller, v2) the host has. Groups
 * go below the session's run group (bench/cgroup.h), or below one of the case's own when the
 * session's run does not carry the controller. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenario.h"
#include "common/spawn.h"
#include "common/sys.h"

extern const struct scenario scenario_cgroup;

enum cg_op { OP_MKDIR, OP_LIMIT, OP_ATTACH, OP_RMDIR, OP_CLONE_INTO, N_OPS };

static const char *const op_names[N_OPS] = {
	[OP_MKDIR] = "mkdir", [OP_LIMIT] = "limit",	      [OP_ATTACH] = "attach",
	[OP_RMDIR] = "rmdir", [OP_CLONE_INTO] = "clone-into",
};

/* c->arg[]: what a case does; ARG_CTRL is an enum cgroup_ctrl or -1 for none. */
enum { ARG_OP, ARG_V2, ARG_CTRL };

/* The limit each controller's write sets, in each version's file; iterations alternate between
 * the two values so that every write changes the limit. */
static const struct {
	const char *file[2]; /* v1, v2 */
	const char *value[2][2]; /* [v2][iteration & 1] */
} limits[CGROUP_NR_CTRLS] = {
	[CGROUP_MEMORY] = { { "memory.limit_in_bytes", "memory.max" },
			    { { "268435456", "536870912" }, { "268435456", "536870912" } } },
	[CGROUP_CPU] = { { "cpu.cfs_quota_us", "cpu.max" },
			 { { "50000", "100000" }, { "50000 100000", "100000 100000" } } },
	[CGROUP_PIDS] = { { "pids.max", "pids.max" }, { { "512", "1024" }, { "512", "1024" } } },
};

struct cg_state {
	struct cgroup_run own; /* when the session's run has no group for the case */
	bool have_own;
	int parent_fd; /* the run's group in the case's hierarchy; owned by whichever run */
	char parent[CGROUP_PATH_MAX];
	bool made[2]; /* the case's standing groups "a" and "b" (limit, attach, clone-into) */
	int fd[2]; /* limit: the limit file of a; attach: cgroup.procs of a and b;
		    * clone-into: a's directory */
	pid_t parked; /* attach: the process moved back and forth */
	int park_fd; /* its release pipe */
	char standing[2][24]; /* the names of a and b */
	char pending[32]; /* a group an iteration made and could not remove */
	unsigned long id; /* numbers this case's groups apart from other cases' in the parent */
	unsigned long count;
};

/* Moving a process between groups takes the cgroup threadgroup rwsem for write; its rcu_sync
 * makes that a synchronize_rcu() unless another writer came within the last two grace periods.
 * So an attach costs ~10 µs on a busy host and ~10 ms for a lone container start (measured
 * here, v1 memory). Attach and clone-into, which takes only the read side, are measured at
 * both paces. The rwsem is one for all controllers: pace:idle is planned for the memory
 * controller and the controller-less v2 group, and for every controller in the full suite. */
static bool cg_has_pace(int op)
{
	return op == OP_ATTACH || op == OP_CLONE_INTO;
}

static int cg_plan_ops(struct case_list *cases, bool v2, int ctrl, bool idle, struct bb_error *err)
{
	static const enum case_pace paces[] = { PACE_BACK_TO_BACK, PACE_IDLE };

	for (int op = 0; op < N_OPS; op++) {
		/* A group without a controller has no limit to set; v1 takes no clone3 fd. */
		if ((op == OP_LIMIT && ctrl < 0) || (op == OP_CLONE_INTO && !v2))
			continue;
		for (size_t p = 0; p < (cg_has_pace(op) && idle ? 2u : 1u); p++) {
			struct bench_case *c = case_add(cases, &scenario_cgroup, err);

			if (!c)
				return -ENOMEM;
			case_param(c, "op", "%s", op_names[op]);
			case_param(c, "version", "%s", v2 ? "v2" : "v1");
			case_param(c, "controller", "%s",
				   ctrl < 0 ? "none" : cgroup_ctrl_name(ctrl));
			if (cg_has_pace(op)) {
				c->pace = paces[p];
				case_param(c, "pace", "%s", case_pace_name(c->pace));
			}
			c->arg[ARG_OP] = op;
			c->arg[ARG_V2] = v2;
			c->arg[ARG_CTRL] = ctrl;
		}
	}
	return 0;
}

static int cg_plan(const struct run_ctx *ctx, struct case_list *cases, struct bb_error *err)
{
	const struct cgroup_layout *l = &ctx->session->layout;
	struct cgroup_layout detected;
	struct bb_error ignored;
	int e = 0;

	/* Plans are made before the session exists (and with --list, without one): look at
	 * the host directly then. No cgroup file system at all: nothing to plan. */
	if (!l->mode) {
		if (cgroup_layout_detect(&detected, &ignored))
			return 0;
		l = &detected;
	}
	for (int c = 0; c < CGROUP_NR_CTRLS && !e; c++) {
		if (l->ctrl[c].where == CGROUP_NOWHERE)
			continue;
		/* quick: the memory controller, the one every container is limited by. */
		if (ctx->cfg->suite == SUITE_QUICK && c != CGROUP_MEMORY)
			continue;
		e = cg_plan_ops(cases, l->ctrl[c].where == CGROUP_ON_V2, c,
				ctx->cfg->suite == SUITE_FULL || c == CGROUP_MEMORY, err);
	}
	/* The v2 tree without a controller: still groups, attach, and CLONE_INTO_CGROUP. */
	if (!e && l->v2_root[0])
		e = cg_plan_ops(cases, true, -1, true, err);
	return e;
}

/* rmdir, retried while a process that left the group is still being counted in it (it died
 * but is not yet unlinked from its cgroups). */
static int cg_rmdir_settled(int parent_fd, const char *parent, const char *name,
			    struct bb_error *err)
{
	long long deadline = clock_ms() + CGROUP_EMPTY_TIMEOUT_MS;

	while (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0) {
		int e = errno;

		if (e == ENOENT)
			return 0;
		if (e != EBUSY || clock_ms() > deadline)
			return bb_err(err, e, "cannot remove cgroup %s/%s: %s (%s)", parent, name,
				      errno_name(e),
				      e == EBUSY ? "a process is still inside; `boxbench cleanup` "
						   "removes it once boxbench has exited"
						 : strerror(e));
		sleep_ms(1);
	}
	return 0;
}

static int cg_mkdir_error(const struct cg_state *st, const char *name, int e, struct bb_error *err)
{
	return bb_err(err, e, "cannot create cgroup %s/%s: %s (%s)", st->parent, name,
		      errno_name(e),
		      e == EAGAIN   ? "cgroup.max.descendants or cgroup.max.depth of a parent "
				      "is reached; raise it"
		      : e == ENOSPC ? "the controller's group limit is reached (64K memory "
				      "groups, offline ones included); wait for them to be freed"
		      : e == EACCES || e == EPERM
			      ? "boxbench needs root with CAP_SYS_ADMIN over the cgroup tree"
			      : strerror(e));
}

/* The session's run group for the case, if the session's run carries its controller (or, for
 * none, is the v2 group without any). */
static struct cgroup_hier *cg_session_hier(struct session *s, bool v2, int ctrl)
{
	if (!s->have_cgroups)
		return NULL;
	for (int i = 0; i < s->cgroups.nr_hiers; i++) {
		struct cgroup_hier *h = &s->cgroups.hiers[i];

		if (h->fd < 0 || h->v2 != v2)
			continue;
		if (ctrl < 0 ? h->ctrls == 0 : (h->ctrls & CGROUP_WANT(ctrl)) != 0)
			return h;
	}
	return NULL;
}

/* The process attach moves: parked on a pipe until teardown. */
static int cg_park(struct cg_state *st, struct bb_error *err)
{
	pid_t parent;
	int fds[2];
	char b;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return bb_err(err, errno, "cannot make a pipe: %s", errno_name(errno));
	parent = getpid();
	st->parked = fork();
	if (st->parked == 0) {
		spawn_die_with_parent(parent);
		close(fds[1]);
		while (read(fds[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(fds[0]);
	if (st->parked < 0) {
		close(fds[1]);
		return bb_err(err, errno, "cannot fork the process to attach: %s",
			      errno_name(errno));
	}
	st->park_fd = fds[1];
	return 0;
}

static int cg_setup(struct run_ctx *ctx, struct bench_case *c, struct bb_error *err)
{
	static unsigned long own_runs, cases;
	struct cg_state *st = calloc(1, sizeof(*st));
	bool v2 = c->arg[ARG_V2];
	int ctrl = (int)c->arg[ARG_CTRL], op = (int)c->arg[ARG_OP];
	struct cgroup_hier *h;
	char name[CGROUP_NAME_MAX];
	int e;

	if (!st)
		return bb_err(err, ENOMEM, "out of memory");
	st->parent_fd = st->fd[0] = st->fd[1] = st->park_fd = -1;
	st->parked = -1;
	st->id = cases++;
	for (int i = 0; i < 2; i++)
		snprintf(st->standing[i], sizeof(st->standing[i]), "case%lu%c", st->id, 'a' + i);
	c->priv = st;
	h = cg_session_hier(ctx->session, v2, ctrl);
	if (!h) {
		snprintf(name, sizeof(name), "boxbench-%d-cgroup-%lu", (int)getpid(), own_runs++);
		e = cgroup_run_create(&st->own, &ctx->session->layout, name,
				      ctrl < 0 ? CGROUP_WANT_V2_GROUP : CGROUP_WANT(ctrl), err);
		if (e)
			return bb_err_wrap(err, "cannot make a parent group for %s", c->name);
		st->have_own = true;
		h = &st->own.hiers[0];
	}
	st->parent_fd = h->fd;
	snprintf(st->parent, sizeof(st->parent), "%s", h->path);
	if (op == OP_MKDIR || op == OP_RMDIR)
		return 0;

	for (int i = 0; i < (op == OP_ATTACH ? 2 : 1); i++) {
		if (mkdirat(st->parent_fd, st->standing[i], 0755) < 0)
			return cg_mkdir_error(st, st->standing[i], errno, err);
		st->made[i] = true;
	}
	switch (op) {
	case OP_LIMIT:
		snprintf(name, sizeof(name), "%s/%s", st->standing[0], limits[ctrl].file[v2]);
		st->fd[0] = openat(st->parent_fd, name, O_WRONLY | O_CLOEXEC);
		break;
	case OP_ATTACH:
		for (int i = 0; i < 2 && (i == 0 || st->fd[0] >= 0); i++) {
			snprintf(name, sizeof(name), "%s/cgroup.procs", st->standing[i]);
			st->fd[i] = openat(st->parent_fd, name, O_WRONLY | O_CLOEXEC);
		}
		break;
	default:
		snprintf(name, sizeof(name), "%s", st->standing[0]);
		st->fd[0] = openat(st->parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		break;
	}
	if (st->fd[0] < 0 || (op == OP_ATTACH && st->fd[1] < 0))
		return bb_err(err, errno, "cannot open %s/%s: %s (%s)", st->parent, name,
			      errno_name(errno),
			      errno == ENOENT ? "the controller is not enabled for the group"
					      : strerror(errno));
	return op == OP_ATTACH ? cg_park(st, err) : 0;
}

static int cg_clone_into(struct cg_state *st, unsigned long long *t0, unsigned long long *t1,
			 struct bb_error *err)
{
	struct bb_clone_args a = { .flags = CLONE_INTO_CGROUP,
				   .exit_signal = SIGCHLD,
				   .cgroup = (uint64_t)st->fd[0] };
	long pid;

	*t0 = clock_ns();
	pid = bb_clone3(&a, sizeof(a));
	if (pid == 0)
		_exit(0);
	*t1 = clock_ns();
	if (pid < 0)
		return bb_err(
			err, errno, "cannot clone3(CLONE_INTO_CGROUP) into %s/%s: %s (%s)",
			st->parent, st->standing[0], errno_name(errno),
			errno == E2BIG || errno == EINVAL
				? "the kernel is older than 5.7, or the group is not on cgroup2"
				: strerror(errno));
	while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

/* One operation: [t0, t1] around its single syscall, what it needs before (a group to remove)
 * and after (removing the group made) outside. k picks the limit value or the group to move
 * to, alternating, so that every write changes something. */
static int cg_op(struct bench_case *c, unsigned long k, const char *name, unsigned long long *t0,
		 unsigned long long *t1, struct bb_error *err)
{
	struct cg_state *st = c->priv;
	int ctrl = (int)c->arg[ARG_CTRL], v2 = (int)c->arg[ARG_V2], r, e = 0;
	const char *v;
	char pid[16];

	switch (c->arg[ARG_OP]) {
	case OP_MKDIR:
		*t0 = clock_ns();
		r = mkdirat(st->parent_fd, name, 0755);
		*t1 = clock_ns();
		if (r < 0)
			return cg_mkdir_error(st, name, errno, err);
		if ((e = cg_rmdir_settled(st->parent_fd, st->parent, name, err)))
			snprintf(st->pending, sizeof(st->pending), "%s", name);
		return e;
	case OP_RMDIR:
		if (mkdirat(st->parent_fd, name, 0755) < 0)
			return cg_mkdir_error(st, name, errno, err);
		*t0 = clock_ns();
		r = unlinkat(st->parent_fd, name, AT_REMOVEDIR);
		*t1 = clock_ns();
		if (r < 0) {
			e = bb_err(err, errno, "cannot remove cgroup %s/%s: %s (%s)", st->parent,
				   name, errno_name(errno), strerror(errno));
			snprintf(st->pending, sizeof(st->pending), "%s", name);
		}
		return e;
	case OP_LIMIT:
		v = limits[ctrl].value[v2][k & 1];
		*t0 = clock_ns();
		r = (int)pwrite(st->fd[0], v, strlen(v), 0);
		*t1 = clock_ns();
		if (r < 0)
			return bb_err(err, errno, "cannot write %s to %s/%s/%s: %s (%s)", v,
				      st->parent, st->standing[0], limits[ctrl].file[v2],
				      errno_name(errno), strerror(errno));
		return 0;
	case OP_ATTACH:
		snprintf(pid, sizeof(pid), "%d", (int)st->parked);
		*t0 = clock_ns();
		r = (int)write(st->fd[k & 1], pid, strlen(pid));
		*t1 = clock_ns();
		if (r < 0)
			return bb_err(err, errno, "cannot attach process %s to %s/%s: %s (%s)", pid,
				      st->parent, st->standing[k & 1], errno_name(errno),
				      errno == EBUSY || errno == EOPNOTSUPP
					      ? "v2 puts processes only in leaf groups"
					      : strerror(errno));
		return 0;
	default:
		return cg_clone_into(st, t0, t1, err);
	}
}

static int cg_iterate(struct run_ctx *ctx, struct bench_case *c, struct sample *s,
		      struct timed_span *span, struct bb_error *err)
{
	struct cg_state *st = c->priv;
	unsigned long k = st->count++;
	unsigned long long t0 = 0, t1 = 0;
	char name[32];
	int e;

	(void)ctx;
	/* The same operation once untimed first. After the harness has slept waiting for a
	 * child (most ns and pivot iterations), a cgroup syscall takes 2-3 times as long in the
	 * kernel on this guest, its caches gone: without a warm path the medians would depend
	 * on which cases ran before. The untimed call also takes the probes' ring buffer
	 * wake-up (a self-IPI on the first event after a drain, a VM exit on a guest). Not at
	 * pace:idle: the operation after an idle kernel is the question there. */
	snprintf(name, sizeof(name), "case%lu-warm", st->id);
	if (c->pace != PACE_IDLE && (e = cg_op(c, k + 1, name, &t0, &t1, err)))
		return e;
	snprintf(name, sizeof(name), "case%lu-%lu", st->id, k);
	if ((e = cg_op(c, k, name, &t0, &t1, err)))
		return e;
	sample_span(s, span, getpid(), t0, t1);
	return 0;
}

static void cg_teardown(struct run_ctx *ctx, struct bench_case *c)
{
	struct cg_state *st = c->priv;
	struct bb_error ignored;

	(void)ctx;
	if (!st)
		return;
	/* The parked process first: a group it is in cannot be removed. */
	if (st->parked > 0) {
		kill(st->parked, SIGKILL);
		while (waitpid(st->parked, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (st->park_fd >= 0)
		close(st->park_fd);
	for (int i = 0; i < 2; i++) {
		if (st->fd[i] >= 0)
			close(st->fd[i]);
		if (st->made[i])
			cg_rmdir_settled(st->parent_fd, st->parent, st->standing[i], &ignored);
	}
	if (st->pending[0])
		cg_rmdir_settled(st->parent_fd, st->parent, st->pending, &ignored);
	/* Takes anything still below its group along; the session's run does the same for
	 * its own at the end of the run. */
	if (st->have_own)
		cgroup_run_destroy(&st->own, &ignored);
	free(st);
	c->priv = NULL;
}

const struct scenario scenario_cgroup = {
	.name = "cgroup",
	.summary = "one cgroup syscall at a time: mkdir, limit write, attach by cgroup.procs, "
		   "rmdir, clone3 into a group; v1 and v2",
	.plan = cg_plan,
	.setup = cg_setup,
	.iterate = cg_iterate,
	.teardown = cg_teardown,
};
