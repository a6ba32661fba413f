/* Puts the kernel's view beside the harness's: for each phase of a container start and each
 * agent operation, the time its thread spent in syscalls (kernel_ns) and in the kernel
 * function that does the work (func_ns), from the events the probes collected. */
#ifndef BOXBENCH_ANNOTATE_H
#define BOXBENCH_ANNOTATE_H

#include "harness/container.h"
#include "probes.h"

/* harness: the tid that ran the harness's side of the start (clone3, cgroup writes). */
void probes_annotate(const struct probes *p, pid_t harness, struct container_result *r);

/* The kernel's view of one span: tid's syscalls wholly inside [t0, t1], and the function of
 * metric (-1: none) in the same window. Leaves k zeroed when the probes are off. */
void probes_fill_span(const struct probes *p, pid_t tid, int metric, unsigned long long t0,
		      unsigned long long t1, struct span_kernel *k);

/* The metric that times an agent operation ("open-w" → copy-up), or -1. */
int op_func_metric(const char *op);

#endif
