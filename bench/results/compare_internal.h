/* Between compare.c (pairing) and compare_judge.c (the verdicts). */
#ifndef BOXBENCH_COMPARE_INTERNAL_H
#define BOXBENCH_COMPARE_INTERNAL_H

#include "compare.h"

/* One row's samples, wall ns: the old runs' together, the new run's, and per old run its log
 * median and that log median's variance (for the row's between-run spread). */
struct compare_pair {
	double *old, *new;
	size_t n_old, n_new;
	double *run_log_median, *run_var;
	size_t n_runs;
	/* The row's name as the first old file has it, and that file: several old runs pair
	 * their rows by the stripped name only where their full names agree. */
	const char *old_name, *old_path;
};

int compare_side_compute(const double *ns, size_t n, struct compare_side *side);

/* Judges every row of out (paired with pairs[0..out->n)) and fills the summary. */
int compare_judge(struct compare_result *out, const struct compare_pair *pairs,
		  const struct compare_opts *opts, struct bb_error *err);

#endif
