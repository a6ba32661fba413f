// SPDX-License-Identifier: GPL-2.0
/* The portable probe set: every syscall of a tracked process, timed from enter to exit, plus
 * the fork/exec/exit and cgroup events that tell what a container start did. It must load on
 * any kernel with BTF. Each event has three attach variants (tp_btf, raw_tp, tracepoint); all
 * are "?" programs and the loader enables the one kind the kernel takes. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "common.bpf.h"

struct entry {
	__u64 ts;
	__u64 nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tid */
	__type(value, struct entry);
} entries SEC(".maps");

static __always_inline int on_enter(long nr)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct entry e = { .ts = bpf_ktime_get_ns(), .nr = (__u64)nr };

	if (!is_tracked(id >> 32))
		return 0;
	bpf_map_update_elem(&entries, &tid, &e, BPF_ANY);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns();
	__u32 tid = (__u32)id, nr;
	struct entry *en;
	struct event *ev;

	/* A fork's child returns from clone without having entered it: no entry, no event. */
	en = bpf_map_lookup_elem(&entries, &tid);
	if (!en)
		return 0;
	nr = (__u32)en->nr;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (ev) {
		fill_common(ev, EV_SYSCALL, nr, id);
		ev->start_ns = en->ts;
		ev->end_ns = now;
		ev->ret = ret;
		bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
	}
	bpf_map_delete_elem(&entries, &tid);
	return 0;
}

/* A process forked by a tracked one is tracked too: that is how a container's processes,
 * started by the harness or by a traced runtime, are followed. */
static __always_inline int on_fork(__u32 parent_tgid, __u32 child_tgid)
{
	__u8 one = 1;
	struct event *ev;

	if (!is_tracked(parent_tgid))
		return 0;
	bpf_map_update_elem(&tracked, &child_tgid, &one, BPF_ANY);
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (ev) {
		fill_common(ev, EV_FORK, 0, bpf_get_current_pid_tgid());
		ev->start_ns = ev->end_ns = bpf_ktime_get_ns();
		ev->aux = child_tgid;
		bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
	}
	return 0;
}

static __always_inline int on_mark(__u32 kind, __u32 aux)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event *ev;

	if (!is_tracked(id >> 32))
		return 0;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (ev) {
		fill_common(ev, kind, 0, id);
		ev->start_ns = ev->end_ns = bpf_ktime_get_ns();
		ev->aux = aux;
		bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
	}
	return 0;
}

static __always_inline int on_exit_task(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;

	if (tgid != tid || !is_tracked(tgid))
		return 0;
	on_mark(EV_EXIT, 0);
	bpf_map_delete_elem(&tracked, &tgid);
	return 0;
}

/* ---- tp_btf: typed, no tracefs needed ---- */

SEC("?tp_btf/sys_enter")
int BPF_PROG(btf_sys_enter, struct pt_regs *regs, long nr)
{
	return on_enter(nr);
}

SEC("?tp_btf/sys_exit")
int BPF_PROG(btf_sys_exit, struct pt_regs *regs, long ret)
{
	return on_exit(ret);
}

SEC("?tp_btf/sched_process_fork")
int BPF_PROG(btf_fork, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(BPF_CORE_READ(parent, tgid), BPF_CORE_READ(child, tgid));
}

SEC("?tp_btf/sched_process_exec")
int BPF_PROG(btf_exec)
{
	return on_mark(EV_EXEC, 0);
}

SEC("?tp_btf/sched_process_exit")
int BPF_PROG(btf_exit)
{
	return on_exit_task();
}

SEC("?tp_btf/cgroup_mkdir")
int BPF_PROG(btf_cgroup_mkdir)
{
	return on_mark(EV_CGROUP_MKDIR, 0);
}

SEC("?tp_btf/cgroup_rmdir")
int BPF_PROG(btf_cgroup_rmdir)
{
	return on_mark(EV_CGROUP_RMDIR, 0);
}

SEC("?tp_btf/cgroup_attach_task")
int BPF_PROG(btf_cgroup_attach, struct cgroup *dst, const char *path, struct task_struct *task)
{
	return on_mark(EV_CGROUP_ATTACH, BPF_CORE_READ(task, tgid));
}

/* ---- raw_tp: untyped arguments, no tracefs needed ---- */

SEC("?raw_tp/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	return on_enter((long)ctx->args[1]);
}

SEC("?raw_tp/sys_exit")
int raw_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exit((long)ctx->args[1]);
}

SEC("?raw_tp/sched_process_fork")
int raw_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];

	return on_fork(BPF_CORE_READ(parent, tgid), BPF_CORE_READ(child, tgid));
}

SEC("?raw_tp/sched_process_exec")
int raw_exec(struct bpf_raw_tracepoint_args *ctx)
{
	return on_mark(EV_EXEC, 0);
}

SEC("?raw_tp/sched_process_exit")
int raw_exit(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exit_task();
}

SEC("?raw_tp/cgroup_mkdir")
int raw_cgroup_mkdir(struct bpf_raw_tracepoint_args *ctx)
{
	return on_mark(EV_CGROUP_MKDIR, 0);
}

SEC("?raw_tp/cgroup_rmdir")
int raw_cgroup_rmdir(struct bpf_raw_tracepoint_args *ctx)
{
	return on_mark(EV_CGROUP_RMDIR, 0);
}

SEC("?raw_tp/cgroup_attach_task")
int raw_cgroup_attach(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[2];

	return on_mark(EV_CGROUP_ATTACH, BPF_CORE_READ(task, tgid));
}

/* ---- tracefs tracepoints: the classic interface ---- */

SEC("?tracepoint/raw_syscalls/sys_enter")
int tp_sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ctx->id);
}

SEC("?tracepoint/raw_syscalls/sys_exit")
int tp_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("?tracepoint/sched/sched_process_fork")
int tp_fork(struct trace_event_raw_sched_process_fork *ctx)
{
	/* This format carries tids only: a new process's tid is its tgid, and a new thread
	 * of a tracked process is tracked through its tgid already. */
	return on_fork(bpf_get_current_pid_tgid() >> 32, (__u32)ctx->child_pid);
}

SEC("?tracepoint/sched/sched_process_exec")
int tp_exec(void *ctx)
{
	return on_mark(EV_EXEC, 0);
}

SEC("?tracepoint/sched/sched_process_exit")
int tp_exit(void *ctx)
{
	return on_exit_task();
}

SEC("?tracepoint/cgroup/cgroup_mkdir")
int tp_cgroup_mkdir(void *ctx)
{
	return on_mark(EV_CGROUP_MKDIR, 0);
}

SEC("?tracepoint/cgroup/cgroup_rmdir")
int tp_cgroup_rmdir(void *ctx)
{
	return on_mark(EV_CGROUP_RMDIR, 0);
}

SEC("?tracepoint/cgroup/cgroup_attach_task")
int tp_cgroup_attach(struct trace_event_raw_cgroup_migrate *ctx)
{
	return on_mark(EV_CGROUP_ATTACH, (__u32)ctx->pid);
}

char LICENSE[] SEC("license") = "GPL";
