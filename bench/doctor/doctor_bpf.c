/* BPF attach kinds for doctor: each loaded, attached and fired for real (feature_probe.c). */
#include "doctor.h"

#include <stdio.h>

#include "probes/feature_probe.h"

static const char *means_yes(enum attach_kind kind)
{
	switch (kind) {
	case ATTACH_TRACEPOINT:
		return "syscall enter/exit timing (kernel_ns) via tracefs tracepoints";
	case ATTACH_RAW_TP:
		return "syscall timing without tracefs";
	case ATTACH_TP_BTF:
		return "typed syscall and sched events without tracefs";
	case ATTACH_FENTRY:
	case ATTACH_FEXIT:
		return "function-level timing (func_ns) of overlay and namespace steps";
	case ATTACH_KPROBE:
	case ATTACH_KRETPROBE:
		return "function-level timing (func_ns) where fentry is refused";
	default:
		return "";
	}
}

static const char *means_no(enum attach_kind kind)
{
	switch (kind) {
	case ATTACH_TRACEPOINT:
		return "raw_tp/tp_btf twins time the syscalls instead";
	case ATTACH_RAW_TP:
	case ATTACH_TP_BTF:
		return "syscall timing relies on tracefs tracepoints";
	case ATTACH_FENTRY:
	case ATTACH_FEXIT:
		return "copy-up and lookups are timed at syscall level, or by kprobes if they work";
	case ATTACH_KPROBE:
	case ATTACH_KRETPROBE:
		return "no kprobe fallback for function-level timing";
	default:
		return "";
	}
}

int doctor_bpf_probe(struct check_list *out, struct bb_error *err)
{
	for (int k = 0; k < ATTACH_KIND_MAX; k++) {
		struct attach_result res;
		int e = attach_kind_try(k, &res, err);

		if (e)
			return e;
		if (res.ok)
			check_add(out, "bpf", attach_kind_name(k), true, 0, means_yes(k), "yes");
		else {
			check_add(out, "bpf", attach_kind_name(k), false, res.err, means_no(k),
				  "no");
			check_detail(out, "refused at %s%s%s", attach_stage_name(res.stage),
				     res.detail[0] ? ": " : "", res.detail);
		}
	}
	return 0;
}
