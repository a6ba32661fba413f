/* Descriptive statistics over a case's samples: see stats.h for the definitions. */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void stats_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
}

double stats_quantile_sorted(const double *sorted, size_t n, double q)
{
	double h, frac;
	size_t lo;

	if (q <= 0)
		return sorted[0];
	if (q >= 1)
		return sorted[n - 1];
	h = (double)(n - 1) * q;
	lo = (size_t)h;
	/* (n - 1) * q can round up to n - 1 itself; there is no next rank to lean towards. */
	if (lo >= n - 1)
		return sorted[n - 1];
	frac = h - (double)lo;
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

int stats_compute(const unsigned long long *samples, size_t n, struct stats *out,
		  struct bb_error *err)
{
	double *x = n ? calloc(n, sizeof(*x)) : NULL;
	int ret;

	if (n && !x) {
		memset(out, 0, sizeof(*out));
		return bb_err(err, ENOMEM, "out of memory computing statistics over %zu samples",
			      n);
	}
	/* Exact below 2^53 ns (104 days): no single operation comes near. */
	for (size_t i = 0; i < n; i++)
		x[i] = (double)samples[i];
	ret = stats_compute_double(x, n, out, err);
	free(x);
	return ret;
}

int stats_compute_double(const double *samples, size_t n, struct stats *out, struct bb_error *err)
{
	double *x, *dev, sum = 0, ss = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return bb_err(err, EINVAL,
			      "no samples to compute statistics over (every iteration "
			      "of the case failed or was skipped)");
	/* Two buffers: the caller's array stays as it is, and the MAD needs its own sort. */
	x = calloc(n, sizeof(*x));
	dev = calloc(n, sizeof(*dev));
	if (!x || !dev) {
		free(x);
		free(dev);
		return bb_err(err, ENOMEM, "out of memory computing statistics over %zu samples",
			      n);
	}
	for (size_t i = 0; i < n; i++) {
		x[i] = samples[i];
		sum += x[i];
	}
	qsort(x, n, sizeof(*x), cmp_double);

	out->n = n;
	out->mean = sum / (double)n;
	/* Two passes rather than sum(x^2) - n*mean^2: at 1e12 ns that difference of two
	 * near-equal numbers near 1e24 loses every digit of the spread. */
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - out->mean) * (x[i] - out->mean);
	out->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	/* Times are not negative, so a zero mean means every sample is 0: no spread to relate. */
	out->cv = out->mean > 0 ? out->stddev / out->mean : 0;
	out->min = x[0];
	out->max = x[n - 1];
	out->median = stats_quantile_sorted(x, n, 0.5);
	out->p5 = stats_quantile_sorted(x, n, 0.05);
	out->p90 = stats_quantile_sorted(x, n, 0.90);
	out->p95 = stats_quantile_sorted(x, n, 0.95);
	out->p99 = stats_quantile_sorted(x, n, 0.99);

	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(x[i] - out->median);
	qsort(dev, n, sizeof(*dev), cmp_double);
	out->mad = stats_quantile_sorted(dev, n, 0.5);

	free(x);
	free(dev);
	return 0;
}

int stats_median_ratio(const struct stats *num, const struct stats *den, double *ratio,
		       struct bb_error *err)
{
	*ratio = 0;
	if (!num->n || !den->n)
		return bb_err(err, EDOM, "cannot compare medians: one side has no samples");
	if (den->median == 0)
		return bb_err(err, EDOM, "cannot compare medians: the baseline median is 0 ns");
	*ratio = num->median / den->median;
	return 0;
}

int stats_get(const struct stats *st, const char *name, double *value)
{
	static const struct {
		const char *name;
		size_t offset;
	} fields[] = {
		{ "mean", offsetof(struct stats, mean) },
		{ "median", offsetof(struct stats, median) },
		{ "stddev", offsetof(struct stats, stddev) },
		{ "cv", offsetof(struct stats, cv) },
		{ "min", offsetof(struct stats, min) },
		{ "max", offsetof(struct stats, max) },
		{ "p5", offsetof(struct stats, p5) },
		{ "p90", offsetof(struct stats, p90) },
		{ "p95", offsetof(struct stats, p95) },
		{ "p99", offsetof(struct stats, p99) },
		{ "mad", offsetof(struct stats, mad) },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!strcmp(name, fields[i].name)) {
			*value = *(const double *)((const char *)st + fields[i].offset);
			return 0;
		}
	}
	return -ENOENT;
}
