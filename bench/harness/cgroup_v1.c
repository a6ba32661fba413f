/* cgroup v1: one hierarchy per controller (or per co-mounted set), each with its own file names
 * for limits and OOM counts, and no cgroup.kill (cgroup_util.c empties a v1 group). Called by
 * the front in cgroup.c. */
#include "cgroup_internal.h"

#include <errno.h>
#include <stdio.h>

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
	return cgroup_oom_killed_at(dirfd, dir, "memory.oom_control", " (kernels before 4.13)",
				    killed, err);
}
