// SPDX-License-Identifier: GPL-2.0
/* One tiny program per attach kind, each counting its own firings for one process. The user
 * side enables exactly one (they are all "?" programs), loads, attaches, makes the syscall
 * and checks the count: an attach kind is usable only if all three steps work. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "feature.h"

const volatile __u32 target_tgid = 0;
__u64 hits[ATTACH_KIND_MAX] = {};

static __always_inline int count_hit(int kind)
{
	if ((bpf_get_current_pid_tgid() >> 32) == target_tgid)
		__sync_fetch_and_add(&hits[kind], 1);
	return 0;
}

SEC("?tracepoint/syscalls/sys_enter_unlinkat")
int probe_tracepoint(void *ctx)
{
	return count_hit(ATTACH_TRACEPOINT);
}

SEC("?raw_tp/sys_enter")
int probe_raw_tp(void *ctx)
{
	return count_hit(ATTACH_RAW_TP);
}

SEC("?tp_btf/sys_enter")
int BPF_PROG(probe_tp_btf, struct pt_regs *regs, long id)
{
	return count_hit(ATTACH_TP_BTF);
}

/* do_unlinkat: present under that name from 4.x to 6.18, reached by unlinkat(2). */
SEC("?fentry/do_unlinkat")
int BPF_PROG(probe_fentry)
{
	return count_hit(ATTACH_FENTRY);
}

SEC("?fexit/do_unlinkat")
int BPF_PROG(probe_fexit)
{
	return count_hit(ATTACH_FEXIT);
}

SEC("?kprobe/do_unlinkat")
int BPF_KPROBE(probe_kprobe)
{
	return count_hit(ATTACH_KPROBE);
}

SEC("?kretprobe/do_unlinkat")
int BPF_KRETPROBE(probe_kretprobe)
{
	return count_hit(ATTACH_KRETPROBE);
}

char LICENSE[] SEC("license") = "GPL";
