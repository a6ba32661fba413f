/* The one per-case summary of a result: the statistics of its wall, kernel and function times
 * and the rule for its in-kernel share. The result writer's aggregate rows, run's table, every
 * export and plot take their numbers from it, so no two of them can disagree. */
#ifndef BOXBENCH_RESULT_SUMMARY_H
#define BOXBENCH_RESULT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "stats.h"

/* One measured repetition of a case, in ns. kernel_ns and func_ns are NAN where the probes
 * did not see it. */
struct result_sample {
	int repetition;
	double wall_ns, kernel_ns, func_ns;
};

struct result_summary {
	size_t n; /* measured samples */
	struct stats wall; /* over all n */
	size_t n_kernel; /* samples with a kernel time */
	struct stats kernel; /* over those, when n_kernel > 0 */
	size_t n_func; /* samples with a function time */
	struct stats func; /* over those, when n_func > 0 */
};

/* Summarizes n >= 1 samples into *out. -EINVAL when n is 0, -ENOMEM; *out is then zeroes.
 * err may be NULL. */
int result_summary_compute(const struct result_sample *s, size_t n, struct result_summary *out,
			   struct bb_error *err);

/* The in-kernel share of one aggregate ("median", "mean", "p90", "p99", "min", "max"): kernel
 * over wall. A share only when it is one: every sample has a kernel time (the two sides cover
 * the same samples), the wall aggregate is positive and the kernel one no larger. Never for
 * "stddev" or "cv", which are no times to divide. Returns whether there is one. */
bool result_summary_share(const struct result_summary *s, const char *agg, double *share);

#endif
