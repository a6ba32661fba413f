/* The ns scenario: what creating each kind of namespace costs, alone and all together, by
 * unshare(2) in a fresh child and by clone3(2) from the agent (a small static process of its
 * own), with 1..8 children doing it at once; and what a new mount namespace costs when the
 * namespace it copies holds 0, 100 or 1000 mounts. Every worker starts in a state no other
 * case changes: a mount namespace held since set-up, an address space not the harness's. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "harness/agent/protocol.h"
#include "harness/mntns_holder.h"
#include "scenario.h"
#include "common/spawn.h"
#include "common/sys.h"

extern const struct scenario scenario_ns;

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define NS_ALL                                                                                     \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWUSER | \
	 CLONE_NEWCGROUP | CLONE_NEWTIME)

/* "none" is clone3 with no namespace at all: what a clone3 costs before any namespace (without
 * CLONE_VM it copies the caller's address space: the agent's, small and the same in every
 * run). "all" is the eight together, user included, as a rootless container asks for them. */
static const struct {
	const char *name;
	unsigned long flags;
	const char *config; /* the kernel option that provides it, for EINVAL */
} ns_types[] = {
	{ "none", 0, "" },
	{ "mnt", CLONE_NEWNS, "" },
	{ "uts", CLONE_NEWUTS, "CONFIG_UTS_NS" },
	{ "ipc", CLONE_NEWIPC, "CONFIG_IPC_NS" },
	{ "net", CLONE_NEWNET, "CONFIG_NET_NS" },
	{ "pid", CLONE_NEWPID, "CONFIG_PID_NS" },
	{ "user", CLONE_NEWUSER, "CONFIG_USER_NS" },
	{ "cgroup", CLONE_NEWCGROUP, "CONFIG_CGROUPS" },
	{ "time", CLONE_NEWTIME, "CONFIG_TIME_NS (Linux 5.6)" },
	{ "all", NS_ALL, "every CONFIG_*_NS" },
};
#define N_NS_TYPES (sizeof(ns_types) / sizeof(ns_types[0]))

enum ns_method { NS_UNSHARE, NS_CLONE3 };

#define NS_MAX_WORKERS 8
/* How long a worker may take to get ready or to report before it is called stuck. */
#define NS_WORKER_TIMEOUT_MS 30000

/* c->arg[]: what a case does. */
enum { ARG_TYPE, ARG_METHOD, ARG_CONCURRENCY, ARG_MOUNTS };

/* Extra numbers of a concurrency > 1 case (sample.extra[]). */
enum { EXTRA_ALL, EXTRA_SLOWEST };

struct ns_state {
	int mntns_fd; /* the mount namespace workers join first (mnt, all); else -1 */
	char mnt_dir[300]; /* the mount points of those mounts, made in setup */
};

/* What a worker tells the harness, first when it is ready, then when it is done, is the agent's
 * struct agent_ns_msg (agent/protocol.h): clone3 workers send it from the agent itself. */

static const char *ns_hint(int e, int type)
{
	static char buf[160];

	switch (e) {
	case EPERM:
		return "boxbench needs root with CAP_SYS_ADMIN; inside a container a seccomp "
		       "profile may forbid namespaces: run it on the host";
	case EINVAL:
		snprintf(buf, sizeof(buf), "this kernel lacks the namespace type: build it with %s",
			 ns_types[type].config);
		return buf;
	case ENOSPC:
	case EUSERS:
		snprintf(buf, sizeof(buf),
			 "a namespace limit is reached: raise /proc/sys/user/max_%s_namespaces",
			 ns_types[type].flags == NS_ALL ? "*" : ns_types[type].name);
		return buf;
	case ENOMEM:
		return "out of memory; free some or lower --repetitions";
	case ETIMEDOUT:
		return "a worker got stuck in the kernel; see dmesg";
	case EPIPE:
		return "a worker died without reporting: killed (by the OOM killer?) or crashed; "
		       "see dmesg";
	default:
		return strerror(e);
	}
}

static int ns_plan_one(struct case_list *cases, size_t type, enum ns_method m, unsigned conc,
		       int mounts, struct bb_error *err)
{
	struct bench_case *c = case_add(cases, &scenario_ns, err);

	if (!c)
		return -ENOMEM;
	case_param(c, "type", "%s", ns_types[type].name);
	case_param(c, "method", "%s", m == NS_UNSHARE ? "unshare" : "clone3");
	if (mounts >= 0)
		case_param(c, "mounts", "%d", mounts);
	else
		case_param(c, "concurrency", "%u", conc);
	c->arg[ARG_TYPE] = (long long)type;
	c->arg[ARG_METHOD] = m;
	c->arg[ARG_CONCURRENCY] = conc;
	c->arg[ARG_MOUNTS] = mounts;
	/* create_new_namespaces() does the work of every type but user (created before it, by
	 * unshare_userns/copy_creds), and only when some other flag is set; for net alone,
	 * copy_net_ns() is the step itself. */
	if (ns_types[type].flags == CLONE_NEWNET)
		c->func_metric = FUNC_NET_NS;
	else if (ns_types[type].flags & ~(unsigned long)CLONE_NEWUSER)
		c->func_metric = FUNC_NEW_NS;
	if (conc > 1) {
		c->extra_names[EXTRA_ALL] = "all"; /* all_ns in the results */
		c->extra_names[EXTRA_SLOWEST] = "slowest";
		c->n_extra = 2;
	}
	return 0;
}

static size_t ns_type_index(const char *name)
{
	for (size_t i = 0; i < N_NS_TYPES; i++)
		if (!strcmp(ns_types[i].name, name))
			return i;
	return 0;
}

static int ns_plan(const struct run_ctx *ctx, struct case_list *cases, struct bb_error *err)
{
	static const char *const quick_types[] = { "uts", "mnt", "net", "all" };
	static const unsigned concs[] = { 1, 2, 4, 8 };
	static const int quick_mounts[] = { 0, 1000 }, mounts[] = { 0, 100, 1000 };
	size_t all = ns_type_index("all");
	int e = 0;

	switch (ctx->cfg->suite) {
	case SUITE_QUICK:
		/* Enough to see the spread (uts is among the cheapest, net the dearest) and
		 * that every path works: unshare, clone3, concurrent, mounts. */
		for (size_t i = 0; i < 4 && !e; i++)
			e = ns_plan_one(cases, ns_type_index(quick_types[i]), NS_UNSHARE, 1, -1,
					err);
		if (!e)
			e = ns_plan_one(cases, all, NS_CLONE3, 1, -1, err);
		if (!e)
			e = ns_plan_one(cases, all, NS_UNSHARE, 2, -1, err);
		for (size_t i = 0; i < 2 && !e; i++)
			e = ns_plan_one(cases, ns_type_index("mnt"), NS_UNSHARE, 1, quick_mounts[i],
					err);
		return e;
	case SUITE_DEFAULT:
		/* Every type both ways alone; concurrency only for all of them together. */
		e = ns_plan_one(cases, 0, NS_CLONE3, 1, -1, err);
		for (size_t t = 1; t < N_NS_TYPES && !e; t++)
			for (int m = NS_UNSHARE; m <= NS_CLONE3 && !e; m++)
				e = ns_plan_one(cases, t, m, 1, -1, err);
		for (size_t k = 1; k < 3 && !e; k++)
			for (int m = NS_UNSHARE; m <= NS_CLONE3 && !e; m++)
				e = ns_plan_one(cases, all, m, concs[k], -1, err);
		break;
	default:
		for (size_t k = 0; k < 4 && !e; k++)
			e = ns_plan_one(cases, 0, NS_CLONE3, concs[k], -1, err);
		for (size_t t = 1; t < N_NS_TYPES && !e; t++)
			for (int m = NS_UNSHARE; m <= NS_CLONE3 && !e; m++)
				for (size_t k = 0; k < 4 && !e; k++)
					e = ns_plan_one(cases, t, m, concs[k], -1, err);
		break;
	}
	for (size_t i = 0; i < 3 && !e; i++)
		e = ns_plan_one(cases, ns_type_index("mnt"), NS_UNSHARE, 1, mounts[i], err);
	return e;
}

static void ns_reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* The unshare itself, in the worker. */
static __attribute__((noinline)) void ns_unshare(unsigned long flags, struct agent_ns_msg *msg)
{
	long r;

	msg->t0 = clock_ns();
	r = unshare((int)flags);
	msg->t1 = clock_ns();
	if (r < 0) {
		msg->err = errno;
		snprintf(msg->step, sizeof(msg->step), "unshare");
	}
}

/* A clone3 worker becomes the agent's (agent/protocol.h), which makes the call from an address
 * space of its own: copying the harness's instead would cost by how much the rest of the run
 * has allocated (2x in the default suite against the scenario alone, measured). Returns only
 * when the exec failed. */
static void ns_exec_clone3(const struct bench_case *c, int agent_fd, int release_fd, int report_fd)
{
	char spec[64], env[48];
	char *argv[] = { "boxbench-agent", spec, NULL }, *envp[] = { env, NULL };

	snprintf(spec, sizeof(spec), AGENT_NS_CLONE3 "%#lx:%d", ns_types[c->arg[ARG_TYPE]].flags,
		 release_fd);
	snprintf(env, sizeof(env), AGENT_FD_ENV "=%d", report_fd);
	/* These two go through the exec; every other fd of the harness is close-on-exec. */
	fcntl(release_fd, F_SETFD, 0);
	fcntl(report_fd, F_SETFD, 0);
	syscall(SYS_execveat, agent_fd, "", argv, envp, AT_EMPTY_PATH);
}

/* A worker: joins the case's mount namespace if it has one, says it is ready, waits for the
 * release (EOF on release_fd, so that all workers wake together), does the operation and
 * reports it. Its namespaces die when it exits, and the harness reaps it before the next
 * iteration, so their teardown is over before a later sample starts. All but one part: a
 * network namespace is torn down afterwards by a kworker (cleanup_net, 30-40 ms here, mostly
 * waiting for RCU grace periods). Measured, a net namespace made right after one died costs
 * no more than one made after 80 ms of quiet (less: the caches are warm), so nothing waits
 * for it; keeping them all alive until teardown instead made each new one dearer. */
static __attribute__((noreturn)) void ns_worker(const struct bench_case *c, int mntns_fd,
						int agent_fd, int release_fd, int report_fd)
{
	struct agent_ns_msg m = { .pid = getpid() };
	char b;

	if (mntns_fd >= 0 && setns(mntns_fd, CLONE_NEWNS) < 0) {
		m.err = errno;
		snprintf(m.step, sizeof(m.step), "setns");
	}
	if (!m.err && c->arg[ARG_METHOD] == NS_CLONE3) {
		ns_exec_clone3(c, agent_fd, release_fd, report_fd);
		m.err = errno;
		snprintf(m.step, sizeof(m.step), "exec");
	}
	/* A forked child maps the harness's code lazily, page by page, and each first touch is a
	 * minor fault (several µs each on this guest). Mapping ns_unshare's pages now, and a
	 * no-op call of the syscall's wrapper, keep those faults out of the timed call. */
	madvise((void *)((uintptr_t)ns_unshare & ~(uintptr_t)4095), 8192, MADV_POPULATE_READ);
	unshare(0);
	if (write(report_fd, &m, sizeof(m)) != sizeof(m) || m.err)
		_exit(1);
	while (read(release_fd, &b, 1) < 0 && errno == EINTR)
		;
	ns_unshare(ns_types[c->arg[ARG_TYPE]].flags, &m);
	if (write(report_fd, &m, sizeof(m)) != sizeof(m))
		_exit(1);
	_exit(0);
}

static int ns_fail(const struct bench_case *c, int e, const char *step, const char *where,
		   struct bb_error *err)
{
	return bb_err(err, e, "cannot %s(%s) %s: %s (%s)", step, ns_types[c->arg[ARG_TYPE]].name,
		      where, errno_name(e), ns_hint(e, (int)c->arg[ARG_TYPE]));
}

static int ns_msg_cmp(const void *a, const void *b)
{
	const struct agent_ns_msg *x = a, *y = b;
	uint64_t dx = x->t1 - x->t0, dy = y->t1 - y->t0;

	return dx < dy ? -1 : dx > dy;
}

/* Runs the case's workers once. With N > 1 the sample is the upper median worker (rank
 * N/2+1 of N by latency, so that with 2 it is the one that waited): one real syscall, with
 * its own kernel time. The time for all N, first t0 to last t1, and the slowest worker's go
 * to the extras. */
static int ns_run_workers(struct run_ctx *ctx, struct bench_case *c, struct sample *s,
			  struct timed_span *span, struct bb_error *err)
{
	struct ns_state *st = c->priv;
	unsigned n = (unsigned)c->arg[ARG_CONCURRENCY], started = 0;
	struct agent_ns_msg msgs[NS_MAX_WORKERS];
	int rel[2] = { -1, -1 }, rep[2] = { -1, -1 }, e = 0;
	pid_t pids[NS_MAX_WORKERS], parent = getpid();
	uint64_t first = ~0ULL, last = 0;

	if (pipe2(rel, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		e = bb_err(err, errno,
			   "cannot make the workers' pipes: %s (too many open files? "
			   "raise ulimit -n)",
			   errno_name(errno));
		goto out;
	}
	for (; started < n; started++) {
		pid_t pid = fork();

		if (pid == 0) {
			spawn_die_with_parent(parent);
			close(rel[1]);
			close(rep[0]);
			ns_worker(c, st->mntns_fd, ctx->session->agent_fd, rel[0], rep[1]);
		}
		if (pid < 0) {
			e = bb_err(err, errno, "cannot fork a namespace worker: %s (%s)",
				   errno_name(errno),
				   errno == EAGAIN ? "the process limit is reached; raise ulimit -u"
						   : strerror(errno));
			goto out;
		}
		pids[started] = pid;
	}
	/* Ours closed, a read returns EOF once every worker is gone: a crashed one is seen. */
	close(rep[1]);
	rep[1] = -1;
	for (unsigned i = 0; i < n; i++) {
		int r = read_full_timeout(rep[0], &msgs[i], sizeof(msgs[i]), NS_WORKER_TIMEOUT_MS);

		if (r < 0) {
			e = bb_err(err, -r, "a namespace worker did not get ready: %s (%s)",
				   errno_name(-r), ns_hint(-r, (int)c->arg[ARG_TYPE]));
			goto out;
		}
		if (msgs[i].err) {
			e = bb_err(err, msgs[i].err,
				   "cannot join the case's mount namespace (%lld extra mounts): "
				   "setns: %s (%s)",
				   c->arg[ARG_MOUNTS] > 0 ? c->arg[ARG_MOUNTS] : 0,
				   errno_name(msgs[i].err),
				   msgs[i].err == EPERM ? "needs CAP_SYS_ADMIN and CAP_SYS_CHROOT"
							: strerror(msgs[i].err));
			goto out;
		}
	}
	close(rel[1]); /* the release: every worker's read returns at once */
	rel[1] = -1;
	for (unsigned i = 0; i < n; i++) {
		int r = read_full_timeout(rep[0], &msgs[i], sizeof(msgs[i]), NS_WORKER_TIMEOUT_MS);

		if (r < 0) {
			e = ns_fail(c, -r, c->arg[ARG_METHOD] == NS_UNSHARE ? "unshare" : "clone3",
				    "in a worker", err);
			goto out;
		}
		if (msgs[i].err) {
			e = ns_fail(c, msgs[i].err, msgs[i].step, "in a worker", err);
			goto out;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		first = msgs[i].t0 < first ? msgs[i].t0 : first;
		last = msgs[i].t1 > last ? msgs[i].t1 : last;
	}
	qsort(msgs, n, sizeof(msgs[0]), ns_msg_cmp);
	sample_span(s, span, msgs[n / 2].pid, msgs[n / 2].t0, msgs[n / 2].t1);
	if (n > 1) {
		s->extra[EXTRA_ALL] = last - first;
		s->extra[EXTRA_SLOWEST] = msgs[n - 1].t1 - msgs[n - 1].t0;
	}
out:
	/* On failure the workers still waiting are killed; on success they are leaving. */
	for (unsigned i = 0; i < started; i++) {
		if (e)
			kill(pids[i], SIGKILL);
		ns_reap(pids[i]);
	}
	for (int i = 0; i < 2; i++) {
		if (rel[i] >= 0)
			close(rel[i]);
		if (rep[i] >= 0)
			close(rep[i]);
	}
	return e;
}

static int ns_setup(struct run_ctx *ctx, struct bench_case *c, struct bb_error *err)
{
	struct ns_state *st = calloc(1, sizeof(*st));
	unsigned n = c->arg[ARG_MOUNTS] > 0 ? (unsigned)c->arg[ARG_MOUNTS] : 0;

	if (!st)
		return bb_err(err, ENOMEM, "out of memory");
	st->mntns_fd = -1;
	c->priv = st;
	/* A new mount namespace costs per mount copied. Workers copy one held since set-up,
	 * made before copyup, lookup and readdir hold their mounts, so what else runs does not
	 * change these cases; mounts:0 is the same as type:mnt, the base of its series. */
	if (!(ns_types[c->arg[ARG_TYPE]].flags & CLONE_NEWNS))
		return 0;
	if (n)
		snprintf(st->mnt_dir, sizeof(st->mnt_dir), "%s/ns-mounts-%u", ctx->session->workdir,
			 n);
	return mntns_hold_mounts(st->mnt_dir, n, &st->mntns_fd, err);
}

static void ns_teardown(struct run_ctx *ctx, struct bench_case *c)
{
	struct ns_state *st = c->priv;

	(void)ctx;
	if (!st)
		return;
	/* The last reference: the namespace and its mounts go now, after every sample. */
	if (st->mntns_fd >= 0)
		close(st->mntns_fd);
	if (st->mnt_dir[0])
		remove_tree(st->mnt_dir, NULL);
	free(st);
	c->priv = NULL;
}

const struct scenario scenario_ns = {
	.name = "ns",
	.summary = "namespace creation per type (unshare in a child, clone3), 1..8 at once (the "
		   "upper-median worker), and mount namespaces over 0..1000 mounts",
	.plan = ns_plan,
	.setup = ns_setup,
	.iterate = ns_run_workers,
	.teardown = ns_teardown,
};
