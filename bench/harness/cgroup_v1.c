/* cgroup v1: one hierarchy per controller (or per co-mounted set), each with its own file names
 * for limits and OOM counts, and no cgroup.kill. Called by the front in cgroup.c. */
#include "cgroup.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/sys.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* Tasks handled per round of emptying; a bigger group just takes more rounds. */
#define KILL_BATCH 512

int cgroup_v1_set_limit(int dirfd, const char *dir, enum cgroup_ctrl c,
			const struct cgroup_limits *lim, struct bb_error *err)
{
	char v[32];
	int ret;

	switch (c) {
	case CGROUP_MEMORY:
		snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->memory_max);
		/* memsw is memory plus swap: equal to the limit, it allows no swap. The file is
		 * absent when the kernel does no swap accounting: nothing to cap then. */
		if (!cgroup_file_exists(dirfd, "memory.memsw.limit_in_bytes"))
			return cgroup_write_at(dirfd, dir, "memory.limit_in_bytes", v,
					       "set memory limit", err);
		/* memsw may never be below the limit: lowering goes limit first, raising (the
		 * write refused with EINVAL) memsw first. */
		ret = cgroup_write_at(dirfd, dir, "memory.limit_in_bytes", v, "set memory limit",
				      err);
		if (ret == -EINVAL) {
			ret = cgroup_write_at(dirfd, dir, "memory.memsw.limit_in_bytes", v,
					      "cap swap at the memory limit", err);
			if (!ret)
				ret = cgroup_write_at(dirfd, dir, "memory.limit_in_bytes", v,
						      "set memory limit", err);
			return ret;
		}
		if (ret)
			return ret;
		return cgroup_write_at(dirfd, dir, "memory.memsw.limit_in_bytes", v,
				       "cap swap at the memory limit", err);
	case CGROUP_CPU:
		/* Period first: the quota is checked against it. */
		snprintf(v, sizeof(v), "%llu",
			 (unsigned long long)(lim->cpu_period_us ? lim->cpu_period_us : 100000));
		ret = cgroup_write_at(dirfd, dir, "cpu.cfs_period_us", v, "set CPU period", err);
		if (ret)
			return ret;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->cpu_quota_us);
		return cgroup_write_at(dirfd, dir, "cpu.cfs_quota_us", v, "set CPU quota", err);
	case CGROUP_PIDS:
		snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->pids_max);
		return cgroup_write_at(dirfd, dir, "pids.max", v, "set pids limit", err);
	default:
		return bb_err(err, EINVAL, "no such cgroup controller: %d", (int)c);
	}
}

int cgroup_v1_oom_killed(int dirfd, const char *dir, bool *killed, struct bb_error *err)
{
	unsigned long long n;
	char buf[256];
	long len;

	len = cgroup_read_at(dirfd, dir, "memory.oom_control", buf, sizeof(buf), err);
	if (len < 0)
		return (int)len;
	if (cgroup_keyed_value(buf, "oom_kill", &n))
		return bb_err(err, EOPNOTSUPP,
			      "cannot tell OOM kills: %s/memory.oom_control has no oom_kill line "
			      "(kernels before 4.13)",
			      dir);
	*killed = n > 0;
	return 0;
}

static bool listed(const pid_t *pids, long n, pid_t pid)
{
	for (long i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* SIGKILLs the listed tasks, guarding against pid reuse: a pidfd pins the process a pid named
 * when it was opened, and only those still listed after the pidfds exist are signalled, so a
 * pid that left the group and was reused outside it is never hit. */
static int kill_round(int dirfd, const char *dir, const pid_t *pids, long n, struct bb_error *err)
{
	pid_t again[KILL_BATCH];
	int pidfds[KILL_BATCH];
	bool no_pidfd = false;
	long m;

	for (long i = 0; i < n; i++) {
		pidfds[i] = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (pidfds[i] < 0 && errno == ENOSYS)
			no_pidfd = true;
	}
	m = cgroup_read_pids(dirfd, dir, again, KILL_BATCH, err);
	for (long i = 0; i < n; i++) {
		if (m > 0 && listed(again, m, pids[i])) {
			if (pidfds[i] >= 0)
				syscall(SYS_pidfd_send_signal, pidfds[i], SIGKILL, NULL, 0);
			else if (no_pidfd) /* before 5.3: kill(), with its pid-reuse race */
				kill(pids[i], SIGKILL);
		}
		if (pidfds[i] >= 0)
			close(pidfds[i]);
	}
	return m < 0 ? (int)m : 0;
}

int cgroup_v1_empty(int dirfd, const char *dir, struct bb_error *err)
{
	long long deadline = clock_ms() + CGROUP_EMPTY_TIMEOUT_MS;
	pid_t pids[KILL_BATCH];
	int delay = 1, ret;
	long n;

	for (;;) {
		n = cgroup_read_pids(dirfd, dir, pids, KILL_BATCH, err);
		if (n <= 0)
			return (int)n;
		if (listed(pids, n, getpid()))
			return bb_err(
				err, EBUSY,
				"boxbench itself (pid %d) is in cgroup %s and will not kill "
				"itself; move it out (echo %d > <hierarchy root>/cgroup.procs) "
				"and retry",
				(int)getpid(), dir, (int)getpid());
		if (clock_ms() > deadline)
			return bb_err(
				err, EBUSY,
				"tasks in %s/cgroup.procs (pid %d first) outlived SIGKILL for "
				"%d s, stuck in the kernel (D state?); retry `boxbench cleanup` "
				"once they are gone",
				dir, (int)pids[0], CGROUP_EMPTY_TIMEOUT_MS / 1000);
		ret = kill_round(dirfd, dir, pids, n, err);
		if (ret)
			return ret;
		sleep_ms(delay);
		delay = delay < 32 ? delay * 2 : delay;
	}
}
