/* Unit tests for the per-case summary (bench/results/result_summary.c) and its in-kernel share
 * rule, and for the result writer's use of it: the writer's aggregate rows, run's table and
 * every export show the share only where the rule gives one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/result.h"
#include "results/result_summary.h"
#include "results/result_write.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const time_aggs[] = { "mean", "median", "p90", "p99", "min", "max" };

/* n samples of wall[i] and kernel[i] (NAN: none), no function time. */
static struct result_summary summarize(const double *wall, const double *kernel, size_t n)
{
	struct result_sample s[16];
	struct result_summary sum;
	struct bb_error err = { 0 };

	assert_true(n <= ARRAY_LEN(s));
	for (size_t i = 0; i < n; i++)
		s[i] = (struct result_sample){ .repetition = (int)i,
					       .wall_ns = wall[i],
					       .kernel_ns = kernel[i],
					       .func_ns = NAN };
	assert_int_equal(result_summary_compute(s, n, &sum, &err), 0);
	assert_int_equal(sum.n, n);
	return sum;
}

static void every_sample_with_a_kernel_time_has_a_share(void **state)
{
	const double wall[] = { 100, 200, 300, 400, 500 }, kernel[] = { 50, 100, 150, 200, 250 };
	struct result_summary sum = summarize(wall, kernel, 5);
	double share;

	(void)state;
	assert_int_equal(sum.n_kernel, 5);
	assert_true(sum.wall.median == 300 && sum.kernel.median == 150);
	for (size_t a = 0; a < ARRAY_LEN(time_aggs); a++) {
		assert_true(result_summary_share(&sum, time_aggs[a], &share));
		assert_true(fabs(share - 0.5) < 1e-12);
	}
	/* A spread is no time: kernel stddev over wall stddev is no share of anything. */
	assert_false(result_summary_share(&sum, "stddev", &share));
	assert_false(result_summary_share(&sum, "cv", &share));
	assert_true(isnan(share));
	assert_false(result_summary_share(&sum, "p50", &share));
}

/* Run's table took the kernel median over the samples that had one, the JSON none: both now
 * say there is no share, as the two sides do not cover the same samples. */
static void partial_kernel_times_have_no_share(void **state)
{
	const double wall[] = { 100, 200, 300, 400, 500 }, kernel[] = { 50, NAN, 150, 200, 250 };
	struct result_summary sum = summarize(wall, kernel, 5);
	double share;

	(void)state;
	/* The kernel statistics are still there, over the 4 samples that have one. */
	assert_int_equal(sum.n_kernel, 4);
	assert_int_equal(sum.kernel.n, 4);
	assert_true(sum.kernel.median == 175);
	for (size_t a = 0; a < ARRAY_LEN(time_aggs); a++)
		assert_false(result_summary_share(&sum, time_aggs[a], &share));
}

/* Export took kernel over wall without a bound and printed 150%; the JSON had none. */
static void kernel_above_wall_has_no_share(void **state)
{
	const double wall[] = { 100, 200, 300 }, kernel[] = { 150, 300, 450 };
	const double wall2[] = { 100, 200, 300 }, kernel2[] = { 90, 190, 400 };
	struct result_summary sum = summarize(wall, kernel, 3),
			      mixed = summarize(wall2, kernel2, 3);
	double share;

	(void)state;
	for (size_t a = 0; a < ARRAY_LEN(time_aggs); a++)
		assert_false(result_summary_share(&sum, time_aggs[a], &share));
	/* Per aggregate: the median's share is one, the max's (400 of 300) is not. */
	assert_true(result_summary_share(&mixed, "median", &share));
	assert_true(fabs(share - 0.95) < 1e-12);
	assert_false(result_summary_share(&mixed, "max", &share));
	assert_false(result_summary_share(&mixed, "mean", &share)); /* 226.7 of 200 */
}

static void a_kernel_time_of_zero_is_a_share_of_zero(void **state)
{
	const double wall[] = { 100, 200 }, kernel[] = { 0, 0 };
	struct result_summary sum = summarize(wall, kernel, 2);
	double share = -1;

	(void)state;
	assert_true(result_summary_share(&sum, "median", &share));
	assert_true(share == 0);
}

static void function_times_are_summarized_over_the_samples_that_have_one(void **state)
{
	const struct result_sample s[] = {
		{ 0, 100, 10, 5 },
		{ 1, 300, 30, NAN },
		{ 2, 200, 20, 7 },
	};
	struct result_summary sum;

	(void)state;
	assert_int_equal(result_summary_compute(s, 3, &sum, NULL), 0);
	assert_int_equal(sum.n_func, 2);
	assert_true(sum.func.median == 6 && sum.func.max == 7);
	assert_true(sum.wall.median == 200 && sum.wall.p90 == 280);
	assert_int_equal(result_summary_compute(s, 0, &sum, NULL), -EINVAL);
	assert_int_equal(sum.n, 0);
}

/* A case as the run loop leaves it: kernel times where the probes saw the span. */
static void add_case(struct case_list *l, const char *name, const unsigned long long *wall,
		     const unsigned long long *kernel, size_t n)
{
	static const struct scenario x = { .name = "x" };
	struct bench_case *c = case_add(l, &x, NULL);

	assert_non_null(c);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->func_metric = -1;
	c->samples = calloc(n, sizeof(*c->samples));
	assert_non_null(c->samples);
	c->n_samples = c->cap_samples = n;
	for (size_t i = 0; i < n; i++) {
		c->samples[i].wall_ns = wall[i];
		c->samples[i].k.has_kernel = kernel[i] != ~0ull;
		c->samples[i].k.kernel_ns = kernel[i] != ~0ull ? kernel[i] : 0;
	}
}

static json_t *median_row(json_t *doc, const char *name)
{
	size_t i;
	json_t *row;
	char want[128];

	snprintf(want, sizeof(want), "%s_median", name);
	json_array_foreach(
		json_object_get(doc, "benchmarks"), i,
		row) if (!strcmp(json_string_value(json_object_get(row, "name")), want)) return row;
	fail_msg("no row %s", want);
	return NULL;
}

/* The writer's aggregate rows follow the rule, and result_case_summary() (what run's table
 * prints) gives the same summary the rows are written from. */
static void the_writer_writes_the_summary_share(void **state)
{
	const unsigned long long w[] = { 1000, 2000, 3000, 4000, 5000 };
	const unsigned long long k_all[] = { 500, 1000, 1500, 2000, 2500 };
	const unsigned long long k_some[] = { 500, ~0ull, 1500, 2000, 2500 };
	const unsigned long long k_over[] = { 1500, 3000, 4500, 6000, 7500 };
	struct run_config cfg = { .suite = SUITE_QUICK, .seed = 1 };
	struct session se = { .cache_dir = "/", .workdir = "/" };
	struct probes pr = { .plan.syscalls = SOURCE_TRACEPOINT };
	struct run_ctx ctx = { .cfg = &cfg, .session = &se, .probes = &pr };
	struct run_meta meta = { .repetitions = 5,
				 .driver = "overlay",
				 .overlay_options = "kernel defaults" };
	struct case_list l = { 0 };
	struct result_summary sum;
	struct bb_error err = { 0 };
	double share;
	json_t *doc, *r;

	(void)state;
	add_case(&l, "x/kernel:all", w, k_all, 5);
	add_case(&l, "x/kernel:some", w, k_some, 5);
	add_case(&l, "x/kernel:over", w, k_over, 5);
	doc = result_build(&ctx, &l, &meta, &err);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "context"),
							    "schema_version")),
			 RESULT_SCHEMA_VERSION);

	r = median_row(doc, "x/kernel:all");
	assert_true(json_real_value(json_object_get(r, "kernel_share")) == 0.5);
	assert_int_equal(result_case_summary(&l.items[0], &sum, &err), 0);
	assert_true(result_summary_share(&sum, "median", &share) && share == 0.5);

	/* Kernel aggregates over the samples that have one, and no share. */
	r = median_row(doc, "x/kernel:some");
	assert_true(json_real_value(json_object_get(r, "kernel_ns")) == 1750);
	assert_null(json_object_get(r, "kernel_share"));
	assert_int_equal(result_case_summary(&l.items[1], &sum, &err), 0);
	assert_int_equal(sum.n_kernel, 4);
	assert_false(result_summary_share(&sum, "median", &share));

	r = median_row(doc, "x/kernel:over");
	assert_true(json_real_value(json_object_get(r, "kernel_ns")) == 4500);
	assert_null(json_object_get(r, "kernel_share"));
	assert_int_equal(result_case_summary(&l.items[2], &sum, &err), 0);
	assert_false(result_summary_share(&sum, "median", &share));

	json_decref(doc);
	case_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_sample_with_a_kernel_time_has_a_share),
		cmocka_unit_test(partial_kernel_times_have_no_share),
		cmocka_unit_test(kernel_above_wall_has_no_share),
		cmocka_unit_test(a_kernel_time_of_zero_is_a_share_of_zero),
		cmocka_unit_test(function_times_are_summarized_over_the_samples_that_have_one),
		cmocka_unit_test(the_writer_writes_the_summary_share),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
