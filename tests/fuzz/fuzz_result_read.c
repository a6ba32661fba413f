/* Fuzz target: the result reader, result_load(), on a file that came from anywhere, as each
 * subcommand reads it: compare's way (names must be printable) and export's and plot's (a
 * context is needed). A file read compare's way is then compared with itself, which can hold
 * no regression or improvement and no context difference; a file read either way keeps its
 * summaries in order, and its in-kernel shares by the one rule (result_summary.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "glue.h"
#include "results/compare.h"
#include "results/export.h"
#include "results/result.h"

static void compare_with_itself(const struct result *f)
{
	struct compare_opts o = { .alpha = 0.05, .threshold = 0.05, .fdr = 0.05 };
	const struct result *olds[] = { f };
	struct compare_result res;
	struct bb_error err = { 0 };
	char **diffs = NULL;
	size_t n_diffs = 0;

	if (compare_contexts(f, f, &diffs, &n_diffs, &err))
		fz_fail("compare_contexts of a file with itself failed: %s", err.msg);
	if (n_diffs)
		fz_fail("a file's context differs from itself: %s", diffs[0]);
	free(diffs);
	for (int normalize = 0; normalize < 2; normalize++) {
		o.normalize = normalize;
		if (compare_results(olds, 1, f, &o, &res, &err))
			fz_fail("compare_results of a file with itself failed: %s", err.msg);
		if (res.n != f->n_cases)
			fz_fail("%zu cases paired into %zu rows", f->n_cases, res.n);
		for (size_t i = 0; i < res.n; i++)
			if (res.rows[i].verdict == VERDICT_REGRESSION ||
			    res.rows[i].verdict == VERDICT_IMPROVEMENT || !res.rows[i].has_old ||
			    !res.rows[i].has_new)
				fz_fail("'%s' compared with itself is '%s' (%s)", res.rows[i].name,
					compare_verdict_name(res.rows[i].verdict),
					res.rows[i].why ? res.rows[i].why : "");
		compare_result_free(&res);
	}
}

static void check_summaries(const struct result *r)
{
	static const char *const aggs[] = { "mean", "median", "p90", "p99", "min", "max" };

	for (size_t i = 0; i < r->n_cases; i++) {
		const struct result_case *c = &r->cases[i];
		const struct result_summary *sum = &c->sum;
		const struct stats *s = &sum->wall;
		size_t n_kernel = 0;
		char scen[64];
		double share;

		if (!c->name || !c->source || !c->n || sum->n != c->n || s->n != c->n)
			fz_fail("case %zu: %zu samples, a summary of %zu, stats of %zu", i, c->n,
				sum->n, s->n);
		for (size_t k = 0; k < c->n; k++)
			n_kernel += !isnan(c->samples[k].kernel_ns);
		if (sum->n_kernel != n_kernel || (n_kernel && sum->kernel.n != n_kernel))
			fz_fail("case '%s': %zu kernel times, a summary of %zu", c->name, n_kernel,
				sum->n_kernel);
		export_case_scenario(c->name, scen, sizeof(scen));
		if (isfinite(s->max) && !(s->min <= s->p5 && s->p5 <= s->median &&
					  s->median <= s->p95 && s->p95 <= s->max))
			fz_fail("case '%s': min %g p5 %g median %g p95 %g max %g out of order",
				c->name, s->min, s->p5, s->median, s->p95, s->max);
		for (size_t a = 0; a < sizeof(aggs) / sizeof(aggs[0]); a++)
			if (result_summary_share(sum, aggs[a], &share) &&
			    (n_kernel != c->n || !(share >= 0 && share <= 1)))
				fz_fail("case '%s': a %s share of %g from %zu of %zu kernel times",
					c->name, aggs[a], share, n_kernel, c->n);
		if (result_summary_share(sum, "stddev", &share) ||
		    result_summary_share(sum, "cv", &share))
			fz_fail("case '%s': a share of a spread", c->name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fz_memfd(data, size, path, sizeof(path));
	struct result r;
	struct bb_error err = { 0 };

	if (!result_load(path, RESULT_NEED_PRINTABLE, &r, &err)) {
		check_summaries(&r);
		compare_with_itself(&r);
		result_free(&r);
	}
	if (!result_load(path, RESULT_NEED_CONTEXT, &r, &err)) {
		check_summaries(&r);
		result_free(&r);
	}
	close(fd);
	return 0;
}
