/* Fuzz target: the result readers, on a file that came from anywhere: result_read() (compare's
 * reader of boxbench, google/benchmark and hyperfine JSON) and export_result_load() (export's
 * and plot's). A file read by compare is then compared with itself, which can hold no
 * regression or improvement and no context difference; a loaded export result keeps its
 * statistics in order. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "results/compare.h"
#include "results/export.h"
#include "glue.h"
#include "results/result_read.h"

static void compare_with_itself(const struct result_file *f)
{
	struct compare_opts o = { .alpha = 0.01, .threshold = 0.05, .max_cv = 0.10 };
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
		if (compare_results(f, f, &o, &res, &err))
			fz_fail("compare_results of a file with itself failed: %s", err.msg);
		if (res.n != f->n)
			fz_fail("%zu series paired into %zu rows", f->n, res.n);
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

static void check_export(const struct export_result *r)
{
	for (size_t i = 0; i < r->n_cases; i++) {
		const struct export_case *c = &r->cases[i];
		const struct stats *s = &c->wall;
		char scen[64];

		if (!c->name || !c->source || !c->n || s->n != c->n)
			fz_fail("case %zu: %zu samples, stats of %zu", i, c->n, s->n);
		export_case_scenario(c->name, scen, sizeof(scen));
		if (isfinite(s->max) && !(s->min <= s->p5 && s->p5 <= s->median &&
					  s->median <= s->p95 && s->p95 <= s->max))
			fz_fail("case '%s': min %g p5 %g median %g p95 %g max %g out of order",
				c->name, s->min, s->p5, s->median, s->p95, s->max);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fz_memfd(data, size, path, sizeof(path));
	struct result_file f = { 0 };
	struct export_result r;
	struct bb_error err = { 0 };

	if (!result_read(path, &f, &err)) {
		compare_with_itself(&f);
		result_file_free(&f);
	}
	if (!export_result_load(path, &r, &err)) {
		check_export(&r);
		export_result_free(&r);
	}
	close(fd);
	return 0;
}
