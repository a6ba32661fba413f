/* What both probe sets share on the kernel side: the tracked-process map, the event ring
 * buffer, and the filling of an event's common fields. Each skeleton gets its own copy of
 * the maps; the loader makes the function set reuse the portable set's, so there is one
 * tracked map and one ring buffer per run. */
#ifndef BOXBENCH_COMMON_BPF_H
#define BOXBENCH_COMMON_BPF_H

#include "events.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tgid */
	__type(value, __u8);
} tracked SEC(".maps");

/* Events are submitted with BPF_RB_NO_WAKEUP: the harness drains the buffer when it wants
 * the events, and a wakeup (a VM exit here) would land on the next timed syscall. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

static __always_inline bool is_tracked(__u32 tgid)
{
	return bpf_map_lookup_elem(&tracked, &tgid) != NULL;
}

static __always_inline __u32 current_mntns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

static __always_inline void fill_common(struct event *e, __u32 kind, __u32 id, __u64 pid_tgid)
{
	e->kind = kind;
	e->id = id;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->mntns = current_mntns();
	e->aux = 0;
	e->ret = 0;
}

#endif
