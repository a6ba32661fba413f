/* Shared by the BPF programs (syscalls.bpf.c, funcs.bpf.c) and their loader (probes.c): the
 * events they send and the metrics the function-level probes time. No libc here. */
#ifndef BOXBENCH_EVENTS_H
#define BOXBENCH_EVENTS_H

enum event_kind {
	EV_SYSCALL = 1, /* a syscall of a tracked process, enter to exit */
	EV_FUNC, /* a kernel function (func_metric in id), entry to return */
	EV_FORK, /* a tracked process forked: aux is the child's pid */
	EV_EXEC, /* a tracked process executed a new image */
	EV_EXIT, /* a tracked process's leader exited */
	EV_CGROUP_MKDIR, /* a tracked process created a cgroup */
	EV_CGROUP_RMDIR, /* ... removed one */
	EV_CGROUP_ATTACH, /* ... moved a task (aux) into one */
};

/* What the function-level probes time; each is retargeted at run time to the first kernel
 * function of its candidate list that this kernel's BTF has (probes.c). */
enum func_metric {
	FUNC_COPY_UP, /* ovl_copy_up_one / ovl_copy_up_flags */
	FUNC_LOOKUP, /* ovl_lookup */
	FUNC_READDIR, /* ovl_dir_read_merged / ovl_iterate */
	FUNC_FILL_SUPER, /* ovl_fill_super / ovl_get_tree */
	FUNC_NEW_NS, /* create_new_namespaces */
	FUNC_NET_NS, /* copy_net_ns */
	FUNC_MNT_NS, /* copy_mnt_ns */
	FUNC_PIVOT_ROOT, /* path_pivot_root / the pivot_root syscall body */
	FUNC_METRIC_MAX,
};

struct event {
	__u32 kind; /* enum event_kind */
	__u32 id; /* syscall number, or enum func_metric */
	__u32 pid; /* tgid, in the initial pid namespace */
	__u32 tid;
	__u64 start_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC, as the harness reads it */
	__u64 end_ns;
	__s64 ret; /* the syscall's return value */
	__u64 cgroup_id; /* cgroup v2 id of the task (0 without a v2 hierarchy) */
	__u32 mntns; /* mount namespace inode of the task */
	__u32 aux; /* EV_FORK: child pid; EV_CGROUP_ATTACH: the task moved */
};

#endif
