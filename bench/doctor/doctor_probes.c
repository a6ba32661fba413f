/* The probe plan for doctor: what `--probe-mode auto` picks here, per metric, found by
 * loading and attaching the real probe sets (probes.c), not a stand-in. */
#include "doctor.h"

#include <unistd.h>

#include "probes/probes.h"

int doctor_probes_probe(struct check_list *out, struct bb_error *err)
{
	struct probes p;
	int e = probes_open(&p, PROBE_MODE_AUTO, getpid(), err);

	if (e) {
		check_add(out, "probes", "syscalls", false, -e,
			  "no in-kernel timing: results carry wall-clock times only", "none");
		check_detail(out, "%s", err->msg);
		bb_err_clear(err);
		return 0;
	}
	check_add(out, "probes", "syscalls", true, 0,
		  "every phase and operation gets kernel_ns, its syscalls' time in the kernel",
		  "%s (%s)", probe_source_name(p.plan.syscalls),
		  attach_kind_name(p.plan.syscall_kind));
	for (int m = 0; m < FUNC_METRIC_MAX; m++) {
		const struct func_plan *f = &p.plan.func[m];

		if (f->source != SOURCE_NONE) {
			check_add(out, "probes", func_metric_name(m), true, 0,
				  "func_ns: the kernel function's own time", "%s %s",
				  probe_source_name(f->source), f->target);
		} else {
			check_add(out, "probes", func_metric_name(m), false, f->err,
				  "timed at syscall level only (kernel_ns)", "syscall level");
			check_detail(out, "%s%s%s", f->target[0] ? f->target : "",
				     f->target[0] ? ": " : "", f->why);
		}
	}
	probes_close(&p);
	return 0;
}
