/* The pivot scenario: what switching a process's root costs, by pivot_root(".", ".") and a
 * detaching umount of the old root (as crun and runc do), by chroot(".") alone, and by
 * mount(".", "/", MS_MOVE) then chroot(".") (as switch_root does where pivot_root cannot), with
 * 0 or 100 (1000 in full) extra mounts in the namespace, which pivot_root's umount detaches. */
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <linux/magic.h>
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
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "harness/mntns_holder.h"
#include "scenario.h"
#include "common/spawn.h"
#include "common/sys.h"

extern const struct scenario scenario_pivot;

enum pivot_method { PIVOT_ROOT, PIVOT_CHROOT, PIVOT_MOVE, N_METHODS };

static const char *const method_names[N_METHODS] = {
	[PIVOT_ROOT] = "pivot_root",
	[PIVOT_CHROOT] = "chroot",
	[PIVOT_MOVE] = "move",
};

/* How long a child may take to report before it is called stuck. */
#define PIVOT_TIMEOUT_MS 30000

/* c->arg[]: what a case does. ARG_SETTLED: pivot_root's detach of the old root waits for an
 * RCU grace period when none has passed since the namespace's mounts were copied (~150-250
 * µs here), and does not once one has (~20-40 µs): settled cases let one pass first
 * (membarrier(MEMBARRIER_CMD_GLOBAL) is a synchronize_rcu()), unsettled ones switch right
 * after the unshare, as a runtime that pivots at once does. */
enum { ARG_METHOD, ARG_MOUNTS, ARG_SETTLED };

struct pivot_state {
	char dir[300]; /* the case's dir in the work dir: root/ and the mount points m/<i> */
	int mntns_fd; /* the namespace holding the extra mounts, which every child copies */
};

/* What a child reports: the span, or the step that failed and its errno. */
struct pivot_msg {
	int32_t err;
	uint64_t t0, t1;
	char step[40];
};

static int pivot_plan(const struct run_ctx *ctx, struct case_list *cases, struct bb_error *err)
{
	static const unsigned mounts[] = { 0, 100, 1000 };
	size_t nm = ctx->cfg->suite == SUITE_FULL ? 3 : 2;

	for (int m = 0; m < N_METHODS; m++) {
		for (size_t i = 0; i < nm; i++) {
			/* Only pivot_root detaches mounts: the others need no settled twin. */
			for (int settled = 0; settled <= (m == PIVOT_ROOT); settled++) {
				struct bench_case *c = case_add(cases, &scenario_pivot, err);

				if (!c)
					return -ENOMEM;
				case_param(c, "method", "%s", method_names[m]);
				case_param(c, "mounts", "%u", mounts[i]);
				if (m == PIVOT_ROOT)
					case_param(c, "settled", "%s", settled ? "yes" : "no");
				c->arg[ARG_METHOD] = m;
				c->arg[ARG_MOUNTS] = mounts[i];
				c->arg[ARG_SETTLED] = settled;
				if (m == PIVOT_ROOT)
					c->func_metric = FUNC_PIVOT_ROOT;
			}
		}
	}
	return 0;
}

static void pivot_reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void pivot_step_failed(struct pivot_msg *m, const char *step)
{
	m->err = errno;
	snprintf(m->step, sizeof(m->step), "%s", step);
}

static int pivot_setup(struct run_ctx *ctx, struct bench_case *c, struct bb_error *err)
{
	static unsigned long cases;
	struct pivot_state *st = calloc(1, sizeof(*st));
	unsigned n = (unsigned)c->arg[ARG_MOUNTS];
	char path[400];
	int e;

	if (!st)
		return bb_err(err, ENOMEM, "out of memory");
	st->mntns_fd = -1;
	c->priv = st;
	snprintf(st->dir, sizeof(st->dir), "%s/pivot-%lu", ctx->session->workdir, cases++);
	snprintf(path, sizeof(path), "%s/root", st->dir);
	if ((e = mkdir_p(path, 0755, err)))
		return e;
	/* Every child starts from a copy of the harness's namespace as set-up finds it, with
	 * n tmpfs mounts on m/<i>: the mounts other scenarios hold later change nothing here. */
	snprintf(path, sizeof(path), "%s/m", st->dir);
	return mntns_hold_mounts(path, n, &st->mntns_fd, err);
}

/* The switch itself, [t0, t1]. Its own function, so that the child can map its code before
 * running it (see pivot_child). The strings live on the stack, which the child has written
 * already: a string constant would be read from a page of the binary the child has not touched
 * yet, and that page fault would be timed inside the syscall. */
static __attribute__((noinline)) void pivot_switch(enum pivot_method method, struct pivot_msg *m)
{
	char dot[] = ".", slash[] = "/";

	switch (method) {
	case PIVOT_ROOT:
		/* The old root ends up stacked on "." and its umount takes it, and every mount
		 * below it, away: no directory for it in the new root is needed. */
		m->t0 = clock_ns();
		if (syscall(SYS_pivot_root, dot, dot) < 0) {
			pivot_step_failed(m, "pivot_root(\".\", \".\")");
			break;
		}
		if (umount2(dot, MNT_DETACH) < 0) {
			pivot_step_failed(m, "umount2(\".\", MNT_DETACH)");
			break;
		}
		m->t1 = clock_ns();
		break;
	case PIVOT_CHROOT:
		m->t0 = clock_ns();
		if (chroot(dot) < 0) {
			pivot_step_failed(m, "chroot(\".\")");
			break;
		}
		m->t1 = clock_ns();
		break;
	default:
		m->t0 = clock_ns();
		if (mount(dot, slash, NULL, MS_MOVE, NULL) < 0) {
			pivot_step_failed(m, "mount(\".\", \"/\", MS_MOVE)");
			break;
		}
		if (chroot(dot) < 0) {
			pivot_step_failed(m, "chroot(\".\")");
			break;
		}
		m->t1 = clock_ns();
		break;
	}
}

/* The child: its own copy of the case's namespace, a tmpfs new root, then the switch. Only
 * the switch is inside [t0, t1]. */
static __attribute__((noreturn)) void
pivot_child(const struct pivot_state *st, enum pivot_method method, bool settled, int report_fd)
{
	char empty[] = "";
	struct pivot_msg m = { 0 };
	char root[400];
	struct statfs sfs;

	snprintf(root, sizeof(root), "%s/root", st->dir);
	if (setns(st->mntns_fd, CLONE_NEWNS) < 0)
		pivot_step_failed(&m, "setns to the case's namespace");
	else if (unshare(CLONE_NEWNS) < 0)
		pivot_step_failed(&m, "unshare(CLONE_NEWNS)");
	else if (mount("boxbench", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") < 0)
		pivot_step_failed(&m, "mount the tmpfs new root");
	else if (chdir(root) < 0)
		pivot_step_failed(&m, "chdir to the new root");
	else if (settled && syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
		pivot_step_failed(&m, "membarrier (a grace period)");
	if (m.err)
		goto report;
	/* A forked child maps the harness's code lazily, page by page, and each first touch is a
	 * minor fault (several µs each on this guest). Mapping the switch's pages now, and
	 * calls that fail at once (an empty path) for the libc wrappers, keep those faults out of
	 * the timed calls. */
	madvise((void *)((uintptr_t)pivot_switch & ~(uintptr_t)4095), 8192, MADV_POPULATE_READ);
	syscall(SYS_pivot_root, empty, empty);
	umount2(empty, MNT_DETACH);
	mount(empty, empty, NULL, MS_MOVE, NULL);
	chroot(empty);
	clock_ns();

	pivot_switch(method, &m);
	/* The switch must have happened: "/" is now the tmpfs. */
	errno = 0;
	if (!m.err && (chdir("/") < 0 || statfs("/", &sfs) < 0 || sfs.f_type != TMPFS_MAGIC)) {
		m.err = errno ? errno : EXDEV;
		snprintf(m.step, sizeof(m.step), "check that / is the new root");
	}
report:
	if (write(report_fd, &m, sizeof(m)) != sizeof(m))
		_exit(1);
	_exit(0);
}

static const char *pivot_hint(int e)
{
	switch (e) {
	case EPERM:
		return "boxbench needs root with CAP_SYS_ADMIN and CAP_SYS_CHROOT";
	case EINVAL:
		return "pivot_root and MS_MOVE refuse a shared mount or a root that is not a "
		       "mount point (an initramfs); run boxbench from a real root file system";
	case EBUSY:
		return "the new root is already the root, or is mounted twice there";
	case EXDEV:
		return "the switch returned success but / is not the new root";
	case ETIMEDOUT:
		return "the child got stuck in the kernel; see dmesg";
	case EPIPE:
		return "it was killed (by the OOM killer?) or crashed; see dmesg";
	default:
		return strerror(e);
	}
}

static int pivot_iterate(struct run_ctx *ctx, struct bench_case *c, struct sample *s,
			 struct timed_span *span, struct bb_error *err)
{
	struct pivot_state *st = c->priv;
	struct pivot_msg m = { 0 };
	int rep[2], e = 0;
	pid_t pid, parent;

	(void)ctx;
	if (pipe2(rep, O_CLOEXEC) < 0)
		return bb_err(err, errno, "cannot make a pipe: %s", errno_name(errno));
	parent = getpid();
	pid = fork();
	if (pid == 0) {
		spawn_die_with_parent(parent);
		close(rep[0]);
		pivot_child(st, (enum pivot_method)c->arg[ARG_METHOD], c->arg[ARG_SETTLED], rep[1]);
	}
	close(rep[1]);
	if (pid < 0) {
		e = bb_err(err, errno, "cannot fork: %s", errno_name(errno));
		close(rep[0]);
		return e;
	}
	if ((e = read_full_timeout(rep[0], &m, sizeof(m), PIVOT_TIMEOUT_MS)))
		e = bb_err(err, -e, "the %s child died before reporting: %s (%s)",
			   method_names[c->arg[ARG_METHOD]], errno_name(-e), pivot_hint(-e));
	else if (m.err)
		e = bb_err(err, m.err,
			   "cannot switch root by %s with %lld extra mounts: %s: %s (%s)",
			   method_names[c->arg[ARG_METHOD]], c->arg[ARG_MOUNTS], m.step,
			   errno_name(m.err), pivot_hint(m.err));
	close(rep[0]);
	/* Reaped before returning: its namespace is gone before the next iteration, and its
	 * events are in the probes' ring buffer for run.c to drain. */
	if (e)
		kill(pid, SIGKILL);
	pivot_reap(pid);
	if (e)
		return e;
	sample_span(s, span, pid, m.t0, m.t1);
	return 0;
}

static void pivot_teardown(struct run_ctx *ctx, struct bench_case *c)
{
	struct pivot_state *st = c->priv;

	(void)ctx;
	if (!st)
		return;
	/* The last reference: the namespace and its mounts go now, after every sample. */
	if (st->mntns_fd >= 0)
		close(st->mntns_fd);
	if (st->dir[0])
		remove_tree(st->dir, NULL);
	free(st);
	c->priv = NULL;
}

const struct scenario scenario_pivot = {
	.name = "pivot",
	.summary = "switching root in a new mount namespace: pivot_root + detach, chroot, MS_MOVE "
		   "+ chroot, over 0..1000 extra mounts",
	.plan = pivot_plan,
	.setup = pivot_setup,
	.iterate = pivot_iterate,
	.teardown = pivot_teardown,
};
