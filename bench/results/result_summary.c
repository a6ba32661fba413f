/* The per-case summary and the in-kernel share rule: see result_summary.h. */
#include "result_summary.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The kernel (or function) times of the samples that have one, into x; how many. */
static size_t seen(const struct result_sample *s, size_t n, bool kernel, double *x)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		double v = kernel ? s[i].kernel_ns : s[i].func_ns;

		if (!isnan(v))
			x[k++] = v;
	}
	return k;
}

int result_summary_compute(const struct result_sample *s, size_t n, struct result_summary *out,
			   struct bb_error *err)
{
	double *x;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!n)
		return stats_compute_double(NULL, 0, &out->wall, err);
	x = malloc(n * sizeof(*x));
	if (!x)
		return bb_err(err, ENOMEM, "out of memory summarizing %zu samples", n);
	out->n = n;
	for (size_t i = 0; i < n; i++)
		x[i] = s[i].wall_ns;
	ret = stats_compute_double(x, n, &out->wall, err);
	out->n_kernel = seen(s, n, true, x);
	if (!ret && out->n_kernel)
		ret = stats_compute_double(x, out->n_kernel, &out->kernel, err);
	out->n_func = seen(s, n, false, x);
	if (!ret && out->n_func)
		ret = stats_compute_double(x, out->n_func, &out->func, err);
	free(x);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

bool result_summary_share(const struct result_summary *s, const char *agg, double *share)
{
	double wall, kernel;

	*share = NAN;
	if (!s->n || s->n_kernel != s->n || !strcmp(agg, "stddev") || !strcmp(agg, "cv") ||
	    stats_get(&s->wall, agg, &wall) || stats_get(&s->kernel, agg, &kernel))
		return false;
	if (!(wall > 0 && kernel <= wall))
		return false;
	*share = kernel / wall;
	return true;
}
