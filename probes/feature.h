/* Shared by feature.bpf.c and feature_probe.c: which attach kind fired how often. */
#ifndef BOXBENCH_FEATURE_H
#define BOXBENCH_FEATURE_H

enum attach_kind {
	ATTACH_TRACEPOINT,
	ATTACH_RAW_TP,
	ATTACH_TP_BTF,
	ATTACH_FENTRY,
	ATTACH_FEXIT,
	ATTACH_KPROBE,
	ATTACH_KRETPROBE,
	ATTACH_KIND_MAX,
};

#endif
