/* The Hodges-Lehmann shift and its rank interval: see shift_interval.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "mannwhitney.h"
#include "normal_dist.h"
#include "shift_interval.h"
#include "stats.h"

/* How many differences y[j] - x[i] are <= v. As j rises, the first x with y[j] - x[i] <= v
 * only moves right: one pass over both. (The test is on the difference as it is computed, so
 * that it agrees with the value returned.) */
static size_t count_at_most(const double *x, size_t n1, const double *y, size_t n2, double v)
{
	size_t i = 0, count = 0;

	for (size_t j = 0; j < n2; j++) {
		while (i < n1 && y[j] - x[i] > v)
			i++;
		count += n1 - i;
	}
	return count;
}

/* The largest difference y[j] - x[i] that is <= v: for each j the smallest x at or above
 * y[j] - v, the same walk as count_at_most. */
static double largest_at_most(const double *x, size_t n1, const double *y, size_t n2, double v)
{
	double best = -INFINITY;
	size_t i = 0;

	for (size_t j = 0; j < n2; j++) {
		while (i < n1 && y[j] - x[i] > v)
			i++;
		if (i < n1 && y[j] - x[i] > best)
			best = y[j] - x[i];
	}
	return best;
}

double shift_kth_difference(const double *x, size_t n1, const double *y, size_t n2, size_t k)
{
	double lo = y[0] - x[n1 - 1], hi = y[n2 - 1] - x[0];

	/* The smallest v with at least k differences <= v is the k-th difference itself: bisect
	 * down to it, then take the difference there, exactly as y[j] - x[i] computes it. */
	if (count_at_most(x, n1, y, n2, lo) >= k)
		return lo;
	for (int it = 0; it < 200; it++) {
		double mid = lo + (hi - lo) / 2;

		if (mid <= lo || mid >= hi)
			break; /* adjacent doubles */
		if (count_at_most(x, n1, y, n2, mid) >= k)
			hi = mid;
		else
			lo = mid;
	}
	return largest_at_most(x, n1, y, n2, hi);
}

/* The logs of v[0..n), sorted; NULL when out of memory. */
static double *sorted_logs(const double *v, size_t n)
{
	double *out = malloc(n * sizeof(*out));

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++)
		out[i] = log(v[i]);
	stats_sort(out, n);
	return out;
}

/* Whether any value occurs twice in the two sorted samples together. */
static bool any_tie(const double *x, size_t n1, const double *y, size_t n2)
{
	size_t i = 0, j = 0;
	double last = NAN;

	while (i < n1 || j < n2) {
		double v = j >= n2 || (i < n1 && x[i] <= y[j]) ? x[i++] : y[j++];

		if (v == last)
			return true;
		last = v;
	}
	return false;
}

/* k for the interval at 1 - alpha: one more than the largest U whose two-sided p is <= alpha
 * (exact), or N/2 - z sqrt(N (n1 + n2 + 1) / 12) rounded down (the normal approximation).
 * 0: no U is that extreme, no interval. */
static int interval_rank(size_t n1, size_t n2, double alpha, bool exact, size_t *k)
{
	double n = (double)n1 * (double)n2, c;

	if (exact) {
		long u;
		int e = mw_critical_u(n1, n2, alpha, &u);

		if (e)
			return e;
		*k = (size_t)(u + 1);
		return 0;
	}
	c = floor(n / 2 - normal_quantile(1 - alpha / 2) * sqrt(n * (double)(n1 + n2 + 1) / 12));
	*k = c < 1 ? 0 : (size_t)c;
	return 0;
}

int shift_interval(const double *a, size_t n1, const double *b, size_t n2, double alpha,
		   struct shift_interval *out, struct bb_error *err)
{
	double *x = NULL, *y = NULL;
	size_t n = n1 * n2;
	int e = 0;

	out->shift = out->lo = out->hi = 0;
	out->k = 0;
	out->exact = false;
	if (!n1 || !n2)
		return bb_err(err, EINVAL, "a shift needs samples on both sides");
	for (size_t i = 0; i < n1 + n2; i++) {
		double v = i < n1 ? a[i] : b[i - n1];

		if (!(v > 0) || isinf(v))
			return bb_err(err, EINVAL, "a latency of %g: the shift is of logs", v);
	}
	x = sorted_logs(a, n1);
	y = sorted_logs(b, n2);
	if (!x || !y) {
		e = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	/* The median of n differences: the middle one, or the mean of the middle two. */
	out->shift = shift_kth_difference(x, n1, y, n2, (n + 1) / 2);
	if (n % 2 == 0)
		out->shift = (out->shift + shift_kth_difference(x, n1, y, n2, n / 2 + 1)) / 2;
	out->exact = n1 <= MW_EXACT_MAX && n2 <= MW_EXACT_MAX && !any_tie(x, n1, y, n2);
	if ((e = interval_rank(n1, n2, alpha, out->exact, &out->k))) {
		e = bb_err(err, -e, "out of memory");
		goto out;
	}
	if (!out->k || out->k > n) {
		out->k = 0;
		out->lo = -INFINITY;
		out->hi = INFINITY;
	} else {
		out->lo = shift_kth_difference(x, n1, y, n2, out->k);
		out->hi = shift_kth_difference(x, n1, y, n2, n + 1 - out->k);
	}
out:
	free(x);
	free(y);
	return e;
}
