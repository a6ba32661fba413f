/* Descriptive statistics over one case's samples (ns), for the result file and the summary
 * table: pure functions that neither print nor touch the caller's array. */
#ifndef BOXBENCH_STATS_H
#define BOXBENCH_STATS_H

#include <stddef.h>

#include "common/error.h"

/*
 * Percentiles (p5 ... p99, the median, and the median inside the MAD) all use ONE definition:
 * linear interpolation between closest ranks, Hyndman & Fan type 7 -- R's quantile() default,
 * numpy.percentile()'s default "linear", Python's statistics.quantiles(method="inclusive"),
 * and Excel's PERCENTILE.INC. With the samples sorted as x[0] <= ... <= x[n-1] and q in [0, 1]:
 *
 *	h = (n - 1) * q,  lo = floor(h),  Q(q) = x[lo] + (h - lo) * (x[lo + 1] - x[lo])
 *
 * so Q(0) is the minimum, Q(1) the maximum, Q(0.5) the usual median (the mean of the two
 * middle samples when n is even), and every percentile lies within the observed range.
 */
struct stats {
	size_t n;
	double mean;
	double median;
	double stddev; /* sample standard deviation (divides by n - 1); 0 when n == 1 */
	double cv; /* stddev / mean as a fraction (0.05 is 5%); 0 when mean is 0 */
	double min, max;
	double p5, p90, p95, p99;
	double mad; /* median absolute deviation from the median, unscaled (not x1.4826) */
};

/* Fills *out from n samples; samples is only read. Returns 0, -EINVAL when n is 0, or
 * -ENOMEM; on failure *out is all zeroes. err may be NULL. */
int stats_compute(const unsigned long long *samples, size_t n, struct stats *out,
		  struct bb_error *err);
/* The same over doubles (result_summary.c): times read back from a file need not be whole ns. */
int stats_compute_double(const double *samples, size_t n, struct stats *out, struct bb_error *err);

/* Sorts v[0..n) ascending (qsort; NaN-free input). */
void stats_sort(double *v, size_t n);

/* The type-7 quantile q (clamped to [0, 1]) of n >= 1 values sorted ascending. */
double stats_quantile_sorted(const double *sorted, size_t n, double q);

/* num->median / den->median ("1.07": num is 7% slower). -EDOM when either is empty or den's
 * median is 0, which no ratio describes; *ratio is then 0. err may be NULL. */
int stats_median_ratio(const struct stats *num, const struct stats *den, double *ratio,
		       struct bb_error *err);

/* A field by its aggregate name as result rows spell it: "mean", "median", "stddev", "cv",
 * "min", "max", "p5", "p90", "p95", "p99", "mad". -ENOENT for any other name. */
int stats_get(const struct stats *st, const char *name, double *value);

#endif
