/* A container start's spans matched with the probes' kernel events by thread and time: which
 * thread runs each phase, and which kernel function does its work. See container.h. */
#include "container.h"

#include <string.h>

/* Whose thread runs each phase, and which function does its work. */
static const struct {
	bool in_child;
	int metric; /* -1: none */
} phase_probe[PHASE_MAX] = {
	[PHASE_PREPARE] = { false, -1 },
	[PHASE_INIT] = { false, -1 },
	[PHASE_CGROUP] = { false, -1 },
	[PHASE_CLONE] = { false, FUNC_NEW_NS },
	[PHASE_IDMAP] = { false, -1 },
	[PHASE_ATTACH] = { false, -1 },
	[PHASE_MOUNT] = { true, FUNC_FILL_SUPER },
	[PHASE_PROC] = { true, -1 },
	[PHASE_PIVOT] = { true, FUNC_PIVOT_ROOT },
	[PHASE_EXEC] = { true, -1 },
	[PHASE_FIRST_OP] = { true, -1 },
	[PHASE_EXIT] = { true, -1 },
	[PHASE_TEARDOWN] = { false, -1 },
};

/* The metric that times an agent operation ("open-w" -> copy-up), or -1. */
static int op_func_metric(const char *op)
{
	if (!strcmp(op, "stat"))
		return FUNC_LOOKUP;
	if (!strcmp(op, "open-w") || !strcmp(op, "truncate") || !strcmp(op, "chmod"))
		return FUNC_COPY_UP;
	if (!strcmp(op, "readdir"))
		return FUNC_READDIR;
	return -1;
}

void container_annotate(const struct probes *p, pid_t harness, struct container_result *r)
{
	for (int ph = 0; ph < PHASE_MAX; ph++) {
		int metric = phase_probe[ph].metric;

		/* The exit phase spans two threads (the agent dying, the harness reaping). */
		if (ph == PHASE_EXIT)
			continue;
		if (ph == PHASE_FIRST_OP && r->n_ops)
			metric = op_func_metric(r->ops[0].name);
		probes_span_kernel(p, phase_probe[ph].in_child ? r->pid : harness, metric,
				   r->phase[ph].start, r->phase[ph].end, &r->kphase[ph]);
	}
	for (size_t i = 0; i < r->n_ops; i++)
		probes_span_kernel(p, r->pid, op_func_metric(r->ops[i].name), r->ops[i].start,
				   r->ops[i].end, &r->ops[i].k);
}
