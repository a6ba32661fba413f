/* The Mann-Whitney U test: exact null distribution by the counting recurrence for small samples
 * without ties, the normal approximation with tie correction otherwise. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mannwhitney.h"

/*
 * Fills cdf[0..n1*n2] with P(U <= k) under the null hypothesis. The number of orderings of n1
 * and n2 values with U = k follows from where the largest value is: if it belongs to the
 * first sample it beats all n2 others, so
 *
 *	f(i, j, k) = f(i - 1, j, k - j) + f(i, j - 1, k),  f(i, 0, 0) = f(0, j, 0) = 1.
 *
 * Only additions of non-negative counts: no cancellation, so even the far tails (p ~ 1e-29
 * at 50 x 50) keep full relative precision in doubles. Rolling over j keeps one row per i.
 */
static int mw_exact_cdf(size_t n1, size_t n2, double **cdf_out)
{
	size_t width = n1 * n2 + 1;
	double *f, *cdf, total = 0;

	if (!n1 || !n2 || n1 > MW_EXACT_MAX || n2 > MW_EXACT_MAX)
		return -EINVAL;
	f = calloc((n1 + 1) * width, sizeof(*f));
	cdf = calloc(width, sizeof(*cdf));
	if (!f || !cdf) {
		free(f);
		free(cdf);
		return -ENOMEM;
	}
	for (size_t i = 0; i <= n1; i++)
		f[i * width] = 1; /* j = 0: U is 0 */
	for (size_t j = 1; j <= n2; j++)
		for (size_t i = 1; i <= n1; i++) {
			double *row = f + i * width;
			const double *prev = f + (i - 1) * width; /* already at j */

			/* Downwards is not needed (different rows), but k only reaches i * j. */
			for (size_t k = j; k <= i * j; k++)
				row[k] += prev[k - j];
		}
	for (size_t k = 0; k < width; k++) {
		total += f[n1 * width + k];
		cdf[k] = total;
	}
	for (size_t k = 0; k < width; k++)
		cdf[k] /= total;
	free(f);
	*cdf_out = cdf;
	return 0;
}

/* 2 * P(U <= min(u, n1 n2 - u)): the distribution is symmetric about n1 n2 / 2. */
static double two_sided_from_cdf(const double *cdf, size_t n1, size_t n2, double u)
{
	double lo = fmin(u, (double)(n1 * n2) - u);
	double p;

	if (lo < 0)
		return 0;
	p = 2 * cdf[(size_t)floor(lo)];
	return p > 1 ? 1 : p;
}

int mw_exact_p(size_t n1, size_t n2, double u, double *p)
{
	double *cdf;
	int ret = mw_exact_cdf(n1, n2, &cdf);

	if (ret)
		return ret;
	*p = two_sided_from_cdf(cdf, n1, n2, u);
	free(cdf);
	return 0;
}

int mw_critical_u(size_t n1, size_t n2, double alpha, long *u)
{
	double *cdf;
	int ret = mw_exact_cdf(n1, n2, &cdf);

	if (ret)
		return ret;
	*u = -1;
	/* p grows with U up to the middle; the critical value is the last U still <= alpha. */
	for (size_t k = 0; 2 * k <= n1 * n2; k++) {
		if (two_sided_from_cdf(cdf, n1, n2, (double)k) > alpha)
			break;
		*u = (long)k;
	}
	free(cdf);
	return 0;
}

struct ranked {
	double v;
	unsigned char first; /* from the first sample */
};

static int ranked_cmp(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	return (a->v > b->v) - (a->v < b->v);
}

int mw_test(const double *a, size_t n1, const double *b, size_t n2, struct mw_result *out,
	    struct bb_error *err)
{
	size_t n = n1 + n2;
	struct ranked *all;
	double r1 = 0, tie_sum = 0, mu, var, diff;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!n1 || !n2)
		return bb_err(err, EINVAL, "Mann-Whitney U needs samples on both sides (%zu, %zu)",
			      n1, n2);
	all = malloc(n * sizeof(*all));
	if (!all)
		return bb_err(err, ENOMEM, "out of memory ranking %zu samples", n);
	for (size_t i = 0; i < n1; i++)
		all[i] = (struct ranked){ a[i], 1 };
	for (size_t i = 0; i < n2; i++)
		all[n1 + i] = (struct ranked){ b[i], 0 };
	qsort(all, n, sizeof(*all), ranked_cmp);

	/* Mid-ranks for runs of equal values; t^3 - t of each run feeds the variance correction. */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double t, rank;

		while (j + 1 < n && all[j + 1].v == all[i].v)
			j++;
		t = (double)(j - i + 1);
		rank = (double)(i + j + 2) / 2; /* ranks are 1-based */
		for (size_t k = i; k <= j; k++)
			if (all[k].first)
				r1 += rank;
		tie_sum += t * t * t - t;
		i = j + 1;
	}
	free(all);

	out->u1 = r1 - (double)n1 * (double)(n1 + 1) / 2;
	out->u2 = (double)n1 * (double)n2 - out->u1;
	out->ties = tie_sum > 0;

	if (!out->ties && n1 <= MW_EXACT_MAX && n2 <= MW_EXACT_MAX) {
		out->exact = true;
		ret = mw_exact_p(n1, n2, out->u1, &out->p);
		if (ret)
			return bb_err(err, -ret,
				      "out of memory for the exact U distribution (%zu x %zu)", n1,
				      n2);
		return 0;
	}

	mu = (double)n1 * (double)n2 / 2;
	var = (double)n1 * (double)n2 / 12 *
	      ((double)(n + 1) - tie_sum / ((double)n * (double)(n - 1)));
	if (var <= 0) {
		/* Every value equal: nothing tells the samples apart. */
		out->p = 1;
		return 0;
	}
	diff = fabs(out->u1 - mu) - 0.5;
	out->z = diff > 0 ? diff / sqrt(var) : 0;
	out->p = erfc(out->z / M_SQRT2);
	if (out->p > 1)
		out->p = 1;
	return 0;
}
