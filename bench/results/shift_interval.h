/* How much slower one sample of latencies is than another, as a ratio with a confidence
 * interval, for `boxbench compare`. The estimate is the Hodges-Lehmann shift of the log
 * latencies: the median of all n1 x n2 differences log b[j] - log a[i]. On the log scale a
 * change of speed is a shift, whatever the spread, and the median of the differences uses
 * every sample while one preempted iteration moves it by at most one rank. Its interval is
 * distribution-free: the k-th smallest and k-th largest difference, k from the Mann-Whitney U
 * statistic's distribution (Hollander & Wolfe, ch. 4), so it covers the true shift with
 * probability 1 - alpha whatever the latencies' distribution, if the samples are independent.
 * exp() of each gives the ratio new/old and its interval. */
#ifndef BOXBENCH_SHIFT_INTERVAL_H
#define BOXBENCH_SHIFT_INTERVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct shift_interval {
	double shift; /* Hodges-Lehmann estimate of log(new) - log(old) */
	double lo, hi; /* its interval at level 1 - alpha; -inf, +inf when the samples are too
			  few for one (k = 0) */
	size_t k; /* lo is the k-th smallest difference, hi the k-th largest */
	bool exact; /* k from the exact U distribution (no ties, both sides <= MW_EXACT_MAX) */
};

/* The shift of b[0..n2) against a[0..n1), both positive latencies (neither array changed), at
 * level 1 - alpha, alpha in (0, 1). -EINVAL for an empty side or a value that is not positive,
 * -ENOMEM. err may be NULL. */
int shift_interval(const double *a, size_t n1, const double *b, size_t n2, double alpha,
		   struct shift_interval *out, struct bb_error *err);

/* The k-th smallest (1 <= k <= n1 n2) of the differences y[j] - x[i], x and y sorted ascending,
 * found without forming them: O((n1 + n2) log) time, no memory. */
double shift_kth_difference(const double *x, size_t n1, const double *y, size_t n2, size_t k);

#endif
