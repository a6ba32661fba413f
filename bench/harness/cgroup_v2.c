/* cgroup v2: one tree, controllers handed down through cgroup.subtree_control, limits in
 * memory.max / cpu.max / pids.max, and cgroup.kill. Called by the front in cgroup.c. */
#include "cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "common/sys.h"

int cgroup_v2_enable(int dirfd, const char *dir, unsigned ctrls, unsigned *enabled,
		     struct bb_error *err)
{
	char cur[256], op[16], what[64];
	long n;
	int ret;

	*enabled = 0;
	n = cgroup_read_at(dirfd, dir, "cgroup.subtree_control", cur, sizeof(cur), err);
	if (n < 0)
		return (int)n;
	/* One controller per write, so a refusal names the controller refused. */
	for (int c = 0; c < CGROUP_NR_CTRLS; c++) {
		if (!(ctrls & CGROUP_WANT(c)) || cgroup_words_have(cur, cgroup_ctrl_name(c)))
			continue;
		snprintf(op, sizeof(op), "+%s", cgroup_ctrl_name(c));
		snprintf(what, sizeof(what), "enable the %s controller below %s",
			 cgroup_ctrl_name(c), dir);
		ret = cgroup_write_at(dirfd, dir, "cgroup.subtree_control", op, what, err);
		if (ret)
			return ret;
		*enabled |= CGROUP_WANT(c);
	}
	return 0;
}

int cgroup_v2_disable(int dirfd, const char *dir, unsigned ctrls, struct bb_error *err)
{
	char op[16], what[64];
	struct bb_error this;

	for (int c = 0; c < CGROUP_NR_CTRLS; c++) {
		int ret;

		if (!(ctrls & CGROUP_WANT(c)))
			continue;
		snprintf(op, sizeof(op), "-%s", cgroup_ctrl_name(c));
		snprintf(what, sizeof(what), "disable the %s controller below %s",
			 cgroup_ctrl_name(c), dir);
		ret = cgroup_write_at(dirfd, dir, "cgroup.subtree_control", op, what, &this);
		/* EBUSY: a group below (another run, another tool) uses it now; it stays on. */
		if (ret && ret != -EBUSY) {
			if (err)
				*err = this;
			return ret;
		}
	}
	return 0;
}

int cgroup_v2_set_limit(int dirfd, const char *dir, enum cgroup_ctrl c,
			const struct cgroup_limits *lim, struct bb_error *err)
{
	char v[48];
	int ret;

	switch (c) {
	case CGROUP_MEMORY:
		snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->memory_max);
		ret = cgroup_write_at(dirfd, dir, "memory.max", v, "set memory limit", err);
		/* memory.max does not count swap: without this a container swaps past its limit.
		 * The file is absent when the kernel does no swap accounting. */
		if (ret || !cgroup_file_exists(dirfd, "memory.swap.max"))
			return ret;
		return cgroup_write_at(dirfd, dir, "memory.swap.max", "0",
				       "cap swap at the memory limit", err);
	case CGROUP_CPU:
		snprintf(v, sizeof(v), "%llu %llu", (unsigned long long)lim->cpu_quota_us,
			 (unsigned long long)(lim->cpu_period_us ? lim->cpu_period_us : 100000));
		return cgroup_write_at(dirfd, dir, "cpu.max", v, "set CPU quota", err);
	case CGROUP_PIDS:
		snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->pids_max);
		return cgroup_write_at(dirfd, dir, "pids.max", v, "set pids limit", err);
	default:
		return bb_err(err, EINVAL, "no such cgroup controller: %d", (int)c);
	}
}

int cgroup_v2_oom_killed(int dirfd, const char *dir, bool *killed, struct bb_error *err)
{
	return cgroup_oom_killed_at(dirfd, dir, "memory.events", "", killed, err);
}

/* Reads "populated" from an open cgroup.events: 1, 0, or a negative errno. */
static int populated(int fd, const char *dir, struct bb_error *err)
{
	unsigned long long v;
	char buf[128];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return bb_err(err, errno, "cannot read %s/cgroup.events: %s", dir,
			      errno_name(errno));
	buf[n] = '\0';
	if (cgroup_keyed_value(buf, "populated", &v))
		return bb_err(err, EPROTO, "%s/cgroup.events has no populated line", dir);
	return v != 0;
}

int cgroup_v2_empty(int dirfd, const char *dir, struct bb_error *err)
{
	long long deadline = clock_ms() + CGROUP_EMPTY_TIMEOUT_MS, left;
	pid_t pids[64];
	int fd, ret;
	long n;

	if (!cgroup_file_exists(dirfd, "cgroup.kill")) /* before 5.14 */
		return cgroup_kill_listed(dirfd, dir, err);
	fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bb_err(err, errno, "cannot open %s/cgroup.events: %s", dir,
			      errno_name(errno));
	ret = populated(fd, dir, err);
	if (ret <= 0)
		goto out;
	/* cgroup.kill takes the whole subtree, so look for ourselves before pulling it. */
	n = cgroup_read_pids(dirfd, dir, pids, sizeof(pids) / sizeof(pids[0]), err);
	for (long i = 0; i < n; i++) {
		if (pids[i] == getpid()) {
			ret = bb_err(err, EBUSY,
				     "boxbench itself (pid %d) is in cgroup %s and will not kill "
				     "itself; move it out and retry",
				     (int)getpid(), dir);
			goto out;
		}
	}
	ret = cgroup_write_at(dirfd, dir, "cgroup.kill", "1", "kill the tasks in the group", err);
	if (ret)
		goto out;
	/* The kill is asynchronous; the kernel signals POLLPRI on cgroup.events as the group
	 * empties. The poll is capped so that a missed wakeup costs 100 ms, not the timeout. */
	while ((ret = populated(fd, dir, err)) > 0) {
		struct pollfd p = { .fd = fd, .events = POLLPRI };

		left = deadline - clock_ms();
		if (left <= 0) {
			ret = bb_err(
				err, EBUSY,
				"tasks in %s outlived cgroup.kill for %d s, stuck in the kernel "
				"(D state?); retry `boxbench cleanup` once they are gone",
				dir, CGROUP_EMPTY_TIMEOUT_MS / 1000);
			goto out;
		}
		poll(&p, 1, left < 100 ? (int)left : 100);
	}
out:
	close(fd);
	return ret < 0 ? ret : 0;
}
