// SPDX-License-Identifier: GPL-2.0
/* The function-level probe set: entry-to-return time of the kernel functions that do the work
 * (copy-up, overlay lookup and readdir, overlay superblock set-up, namespace creation,
 * pivot_root). A separate skeleton from the portable set, because a kernel may refuse every
 * program here (no fentry, no kprobes) and that must not take the portable set down. Each
 * metric has an fentry/fexit pair and a kprobe/kretprobe pair, all "?" programs; the loader
 * retargets the pair it uses at the function this kernel has, so a rename across kernel
 * versions is one table entry in probes.c. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* tid << 8 | metric */
	__type(value, __u64);
} starts SEC(".maps");

static __always_inline int func_enter(__u32 metric)
{
	__u64 id = bpf_get_current_pid_tgid(), key = ((__u64)(__u32)id << 8) | metric;
	__u64 now = bpf_ktime_get_ns();

	if (!is_tracked(id >> 32))
		return 0;
	bpf_map_update_elem(&starts, &key, &now, BPF_ANY);
	return 0;
}

static __always_inline int func_exit(__u32 metric)
{
	__u64 id = bpf_get_current_pid_tgid(), key = ((__u64)(__u32)id << 8) | metric;
	__u64 *start = bpf_map_lookup_elem(&starts, &key);
	struct event *ev;

	if (!start)
		return 0;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (ev) {
		fill_common(ev, EV_FUNC, metric, id);
		ev->start_ns = *start;
		ev->end_ns = bpf_ktime_get_ns();
		bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
	}
	bpf_map_delete_elem(&starts, &key);
	return 0;
}

/* The SEC() targets are placeholders that exist everywhere; probes.c retargets them. */
#define FUNC_PROBES(name, metric)           \
	SEC("?fentry/do_unlinkat")          \
	int BPF_PROG(fentry_##name)         \
	{                                   \
		return func_enter(metric);  \
	}                                   \
	SEC("?fexit/do_unlinkat")           \
	int BPF_PROG(fexit_##name)          \
	{                                   \
		return func_exit(metric);   \
	}                                   \
	SEC("?kprobe/do_unlinkat")          \
	int BPF_KPROBE(kprobe_##name)       \
	{                                   \
		return func_enter(metric);  \
	}                                   \
	SEC("?kretprobe/do_unlinkat")       \
	int BPF_KRETPROBE(kretprobe_##name) \
	{                                   \
		return func_exit(metric);   \
	}

FUNC_PROBES(copy_up, FUNC_COPY_UP)
FUNC_PROBES(lookup, FUNC_LOOKUP)
FUNC_PROBES(readdir, FUNC_READDIR)
FUNC_PROBES(fill_super, FUNC_FILL_SUPER)
FUNC_PROBES(new_ns, FUNC_NEW_NS)
FUNC_PROBES(net_ns, FUNC_NET_NS)
FUNC_PROBES(mnt_ns, FUNC_MNT_NS)
FUNC_PROBES(pivot_root, FUNC_PIVOT_ROOT)

char LICENSE[] SEC("license") = "GPL";
