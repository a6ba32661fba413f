/* Unit tests for compare's pairing and verdicts (bench/results/compare.c, compare_judge.c)
 * through their public API, on small synthetic results: every verdict, the between-run spread
 * from the rows and from a baseline, --strip-param, --normalize's shift and the context
 * checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result_fixture.h"
#include "results/compare.h"

static const struct compare_opts defaults = { .alpha = 0.05, .threshold = 0.05, .fdr = 0.05 };

/* A hyperfine file from "name=t1,t2,...;name=..." with the times in µs. */
static void load_times(const char *spec, struct result *r)
{
	char json[8192], path[64], *copy = strdup(spec), *save = NULL;
	struct bb_error err = { 0 };
	size_t len = 0;

	assert_non_null(copy);
	len += snprintf(json + len, sizeof(json) - len, "{\"results\": [");
	for (char *c = strtok_r(copy, ";", &save); c; c = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(c, '='), *s2 = NULL;

		assert_non_null(eq);
		*eq = '\0';
		len += snprintf(json + len, sizeof(json) - len,
				"%s{\"command\": \"%s\", \"times\": [",
				json[len - 1] == '[' ? "" : ",", c);
		for (char *t = strtok_r(eq + 1, ",", &s2); t; t = strtok_r(NULL, ",", &s2))
			len += snprintf(json + len, sizeof(json) - len, "%s%se-6",
					json[len - 1] == '[' ? "" : ",", t);
		len += snprintf(json + len, sizeof(json) - len, "]}");
	}
	snprintf(json + len, sizeof(json) - len, "]}");
	free(copy);
	if (fixture_load(json, RESULT_NEED_PRINTABLE, r, &err, path, sizeof(path)))
		fail_msg("%s: %s", json, err.msg);
}

static const struct compare_row *row_named(const struct compare_result *res, const char *name)
{
	for (size_t i = 0; i < res->n; i++)
		if (!strcmp(res->rows[i].name, name))
			return &res->rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

static void compare(const char *old, const char *new, const struct compare_opts *o,
		    struct compare_result *res)
{
	struct result a, b;
	struct bb_error err = { 0 };

	const struct result *olds[] = { &a };

	load_times(old, &a);
	load_times(new, &b);
	if (compare_results(olds, 1, &b, o, res, &err))
		fail_msg("compare_results: %s", err.msg);
	result_free(&a);
	result_free(&b);
}

static void verdict_is(const char *old, const char *new, enum compare_verdict want, const char *why)
{
	struct compare_result res;

	compare(old, new, &defaults, &res);
	assert_int_equal(res.n, 1);
	if (res.rows[0].verdict != want || strcmp(res.rows[0].why, why))
		fail_msg("%s -> %s: %s (%s), not %s (%s)", old, new,
			 compare_verdict_name(res.rows[0].verdict), res.rows[0].why,
			 compare_verdict_name(want), why);
	assert_int_equal(res.count[want], 1);
	compare_result_free(&res);
}

#define BASE "a=1000,1001,1002,1003,1004,1005,1006,1007"

static void a_separated_slower_sample_is_a_regression(void **state)
{
	struct compare_result res;
	const struct compare_row *r;

	(void)state;
	verdict_is(BASE, "a=2000,2001,2002,2003,2004,2005,2006,2007", VERDICT_REGRESSION,
		   "beyond +threshold (FDR-adjusted)");
	verdict_is("a=2000,2001,2002,2003,2004,2005,2006,2007", BASE, VERDICT_IMPROVEMENT,
		   "beyond -threshold (FDR-adjusted)");
	compare(BASE, "a=2000,2001,2002,2003,2004,2005,2006,2007", &defaults, &res);
	r = &res.rows[0];
	/* The Hodges-Lehmann ratio of 2000+j over 1000+i: the median of the 64 ratios, 1.996513. */
	assert_true(fabs(r->change - 0.996513) < 1e-5);
	assert_true(r->lo > 0.9 && r->hi < 1.01 && r->lo < r->change && r->change < r->hi);
	assert_true(r->q <= 0.05 && r->p == r->q); /* one row: nothing to adjust */
	assert_true(res.rows[0].old.median == 1003500 && res.rows[0].new.n == 8);
	compare_result_free(&res);
}

static void an_interval_within_the_threshold_is_the_same(void **state)
{
	struct compare_result res;

	(void)state;
	verdict_is(BASE, BASE, VERDICT_SAME, "interval within +-threshold");
	compare(BASE, BASE, &defaults, &res);
	/* The differences of a sample with itself pair off as d and -d around its zeros. */
	assert_true(res.rows[0].change == 0);
	compare_result_free(&res);
	/* 2% slower, and sure of it: within the 5% that matters. */
	verdict_is(BASE, "a=1020,1021,1022,1023,1024,1025,1026,1027", VERDICT_SAME,
		   "interval within +-threshold");
	/* 10% slower with one new sample inside the old range: the samples overlap, the
	 * interval does not reach the threshold. */
	verdict_is(BASE, "a=1005,1100,1101,1102,1103,1104,1105,1106,1107,1108,1109,1110",
		   VERDICT_REGRESSION, "beyond +threshold (FDR-adjusted)");
}

static void noise_that_reaches_across_the_threshold_is_inconclusive(void **state)
{
	struct compare_result res;

	(void)state;
	verdict_is("a=1000,1001,1002,1003", "a=2000,2001,2002,2003", VERDICT_INCONCLUSIVE,
		   "fewer than 5 samples");
	/* A robust cv of about 30% on the new side: no change, but no proof of none. */
	verdict_is(BASE, "a=700,800,1000,1200,1300,1000,900,1100", VERDICT_INCONCLUSIVE,
		   "interval reaches across the threshold");
	compare(BASE, "a=700,800,1000,1200,1300,1000,900,1100", &defaults, &res);
	/* It says what it could have seen: more than the threshold, and more repetitions. */
	assert_true(res.rows[0].resolution > 0.10);
	assert_true(res.rows[0].reps_needed > 8);
	assert_true(res.resolution_median == res.rows[0].resolution);
	compare_result_free(&res);
	/* Noisy, but so far apart that it is no noise. */
	verdict_is(BASE, "a=7000,8000,10000,12000,13000,10000,9000,11000", VERDICT_REGRESSION,
		   "beyond +threshold (FDR-adjusted)");
}

/* Eight rows a side, "r0".."r7", each tight (its samples' own se about 0.1%), row r's new
 * samples its old ones times exp(f[r]). */
static void shifted_rows(const double *f, char *old, char *new, size_t len)
{
	size_t lo = 0, ln = 0;

	for (int r = 0; r < 8; r++) {
		lo += snprintf(old + lo, len - lo, "%sr%d=", r ? ";" : "", r);
		ln += snprintf(new + ln, len - ln, "%sr%d=", r ? ";" : "", r);
		for (int i = 0; i < 8; i++) {
			lo += snprintf(old + lo, len - lo, "%s%d", i ? "," : "", 1000 + i);
			ln += snprintf(new + ln, len - ln, "%s%.6f", i ? "," : "",
				       (1000 + i) * exp(f[r]));
		}
	}
}

/* Rows that scatter like noise, log shifts -0.06 .. +0.07: Qn is 2.2219 x the 10th smallest
 * of their 28 pairwise distances (h = 5, C(5, 2) = 10), 0.04, so the between-run spread is
 * 0.0889 (less the samples' tiny share), and at that spread none of the rows, though each is
 * sure of its own change, is evidence of anything. Rows in two clusters, four 10% faster and
 * four 10% slower: the pairs inside a cluster say there is no noise, so the clusters are
 * changes and every row is flagged. */
static void the_rows_scatter_is_a_between_run_spread(void **state)
{
	const double noise[] = { -0.06, -0.04, -0.02, 0, 0.01, 0.03, 0.05, 0.07 };
	const double two[] = { -0.1, 0.1, -0.1, 0.1, -0.1, 0.1, -0.1, 0.1 };
	char old[1024], new[1024];
	struct compare_result res;

	(void)state;
	shifted_rows(noise, old, new, sizeof(old));
	compare(old, new, &defaults, &res);
	assert_true(res.spread_estimated);
	assert_true(fabs(res.spread - 2.2219 * 0.04) < 1e-3);
	assert_int_equal(res.count[VERDICT_INCONCLUSIVE], 8);
	for (size_t i = 0; i < res.n; i++) {
		assert_true(fabs(res.rows[i].spread - res.spread) < 1e-12);
		assert_string_equal(res.rows[i].spread_from, "all rows");
	}
	compare_result_free(&res);
	shifted_rows(two, old, new, sizeof(old));
	compare(old, new, &defaults, &res);
	assert_true(res.spread_estimated);
	assert_true(res.spread < 1e-3);
	assert_int_equal(res.count[VERDICT_REGRESSION], 4);
	assert_int_equal(res.count[VERDICT_IMPROVEMENT], 4);
	compare_result_free(&res);
}

/* A baseline of three runs whose medians were 1000, 1100 and 900: the row's own spread is the
 * sd of their logs, 0.1004 (less its samples' tiny share), times sqrt(1 + 1/3) for one new run
 * against the mean of three: 0.1159. */
static void a_baseline_gives_each_row_its_own_spread(void **state)
{
	const char *runs[] = { "a=1000,1001,1002,1003,1004,1005,1006,1007",
			       "a=1100,1101,1102,1103,1104,1105,1106,1107",
			       "a=900,901,902,903,904,905,906,907" };
	struct result base[3], nr;
	const struct result *olds[] = { &base[0], &base[1], &base[2] };
	struct compare_result res;
	struct bb_error err = { 0 };
	const struct compare_row *r;

	(void)state;
	for (int i = 0; i < 3; i++)
		load_times(runs[i], &base[i]);
	load_times("a=1100,1101,1102,1103,1104,1105,1106,1107", &nr);
	assert_int_equal(compare_results(olds, 3, &nr, &defaults, &res, &err), 0);
	r = &res.rows[0];
	assert_int_equal(res.n_baseline, 3);
	assert_int_equal(r->old.n, 24); /* every run's samples on the old side */
	assert_true(fabs(r->spread - 0.1159) < 0.002);
	assert_string_equal(r->spread_from, "baseline");
	/* 10% above the pooled baseline is within what the row does between runs. */
	assert_int_equal(r->verdict, VERDICT_INCONCLUSIVE);
	compare_result_free(&res);
	for (int i = 0; i < 3; i++)
		result_free(&base[i]);
	result_free(&nr);
}

static void rows_in_one_file_only_are_added_or_removed(void **state)
{
	struct compare_result res;

	(void)state;
	compare(BASE ";gone=5,5,5,5,5", BASE ";new=5,5,5,5,5", &defaults, &res);
	assert_int_equal(res.n, 3);
	/* The old file's order, then what only the new one has. */
	assert_string_equal(res.rows[0].name, "a");
	assert_int_equal(row_named(&res, "gone")->verdict, VERDICT_REMOVED);
	assert_false(row_named(&res, "gone")->has_new);
	assert_int_equal(row_named(&res, "new")->verdict, VERDICT_ADDED);
	assert_string_equal(res.rows[2].name, "new");
	assert_int_equal(res.count[VERDICT_SAME], 1);
	assert_int_equal(res.count[VERDICT_ADDED], 1);
	assert_int_equal(res.count[VERDICT_REMOVED], 1);
	compare_result_free(&res);
}

static void strip_params_drops_only_whole_keys_after_the_scenario(void **state)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{ "lookup/depth:8/target:absent", "lookup/target:absent" },
		{ "lookup/target:absent/depth:8", "lookup/target:absent" },
		{ "lookup/depth:8/api:mount/depth:9", "lookup/api:mount" },
		{ "lookup/depthx:8/target:a", "lookup/depthx:8/target:a" },
		{ "depth:8/x:1", "depth:8/x:1" }, /* the scenario is never a parameter */
		{ "lookup/depth/x:1", "lookup/depth/x:1" }, /* no ':': no parameter */
		{ "lookup", "lookup" },
	};
	const char *keys[] = { "depth", "x" };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = compare_strip_params(cases[i].name, keys, 1);

		assert_non_null(got);
		if (strcmp(got, cases[i].want))
			fail_msg("%s -> %s, not %s", cases[i].name, got, cases[i].want);
		free(got);
	}
	{
		char *got = compare_strip_params("s/depth:1/x:2/y:3", keys, 2);

		assert_string_equal(got, "s/y:3");
		free(got);
	}
}

static void strip_param_pairs_cases_and_refuses_collisions(void **state)
{
	const char *keys[] = { "depth" };
	struct compare_opts o = defaults;
	struct compare_result res;
	struct result a, b;
	const struct result *olds[] = { &a };
	struct bb_error err = { 0 };

	(void)state;
	o.strip = keys;
	o.n_strip = 1;
	compare("s/depth:8/t:x=1000,1001,1002,1003,1004,1005,1006,1007",
		"s/depth:64/t:x=2000,2001,2002,2003,2004,2005,2006,2007", &o, &res);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.rows[0].name, "s/t:x");
	assert_int_equal(res.rows[0].verdict, VERDICT_REGRESSION);
	compare_result_free(&res);
	/* Two cases of one file that become one name would be paired at random. */
	load_times("s/depth:8/t:x=1,1,1,1,1;s/depth:64/t:x=2,2,2,2,2", &a);
	load_times("s/t:x=1,1,1,1,1", &b);
	assert_int_equal(compare_results(olds, 1, &b, &o, &res, &err), -EINVAL);
	assert_non_null(
		strstr(err.msg, "'s/depth:8/t:x' and 's/depth:64/t:x' both become 's/t:x'"));
	assert_int_equal(res.n, 0);
	result_free(&a);
	result_free(&b);
}

/* Baseline runs pool a row's samples by its stripped name only where their full names agree:
 * depth:8 in one run and depth:64 in another would be two cases pooled as one. */
static void strip_param_across_baseline_runs_refuses_to_pool_different_cases(void **state)
{
	const char *keys[] = { "depth" };
	struct compare_opts o = defaults;
	struct result a, b, n;
	const struct result *olds[] = { &a, &b };
	struct compare_result res;
	struct bb_error err = { 0 };

	(void)state;
	o.strip = keys;
	o.n_strip = 1;
	load_times("s/depth:8/t:x=1,2,3,4,5", &a);
	load_times("s/depth:64/t:x=1,2,3,4,5", &b);
	load_times("s/depth:8/t:x=1,2,3,4,5", &n);
	assert_int_equal(compare_results(olds, 2, &n, &o, &res, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'s/depth:8/t:x' in "));
	assert_non_null(strstr(err.msg, "both become 's/t:x'"));
	result_free(&a);
	result_free(&b);
	result_free(&n);
}

/* Every row 1.3x slower: the machine's change. Without --normalize every row is a regression;
 * with it, none is, and the shift is the same either way. */
static void normalize_judges_rows_against_the_machine_wide_shift(void **state)
{
	const char *old = "a=1000,1001,1002,1003,1004,1005,1006,1007;"
			  "b=2000,2002,2004,2006,2008,2010,2012,2014";
	const char *new = "a=1300,1301.3,1302.6,1303.9,1305.2,1306.5,1307.8,1309.1;"
			  "b=2600,2602.6,2605.2,2607.8,2610.4,2613,2615.6,2618.2";
	struct compare_opts o = defaults;
	struct compare_result res;

	(void)state;
	compare(old, new, &o, &res);
	assert_int_equal(res.count[VERDICT_REGRESSION], 2);
	assert_int_equal(res.n_judged, 2);
	assert_true(fabs(res.shift - 1.3) < 1e-9);
	assert_false(res.spread_estimated); /* two rows are too few to tell a spread */
	compare_result_free(&res);
	o.normalize = true;
	compare(old, new, &o, &res);
	assert_int_equal(res.count[VERDICT_REGRESSION], 0);
	assert_int_equal(res.count[VERDICT_SAME], 2);
	assert_true(fabs(res.shift - 1.3) < 1e-9);
	compare_result_free(&res);
}

static void contexts_that_differ_or_are_missing_are_named(void **state)
{
	const char *a = "{\"context\": {\"kernel_release\": \"6.1\", \"driver\": \"overlay\"},"
			" \"benchmarks\": [{\"name\": \"x\", \"real_time\": 1}]}";
	const char *b = "{\"context\": {\"kernel_release\": \"6.2\", \"driver\": \"overlay\"},"
			" \"benchmarks\": [{\"name\": \"x\", \"real_time\": 1}]}";
	const char *gb = "{\"context\": {\"host_name\": \"h\"},"
			 " \"benchmarks\": [{\"name\": \"x\", \"real_time\": 1}]}";
	struct result ra, rb, rg, rh;
	struct bb_error err = { 0 };
	char path[64], **diffs;
	size_t n;

	(void)state;
	assert_int_equal(fixture_load(a, 0, &ra, &err, path, sizeof(path)), 0);
	assert_int_equal(fixture_load(b, 0, &rb, &err, path, sizeof(path)), 0);
	assert_int_equal(fixture_load(gb, 0, &rg, &err, path, sizeof(path)), 0);
	load_times("x=1", &rh);
	assert_int_equal(compare_contexts(&ra, &rb, &diffs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(diffs[0], "kernel_release: \"6.1\" (old) vs \"6.2\" (new)");
	free(diffs[0]);
	free(diffs);
	assert_int_equal(compare_contexts(&ra, &ra, &diffs, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(compare_context_missing(&ra));
	assert_string_equal(compare_context_missing(&rg),
			    "its context has none of the fields compared");
	assert_string_equal(compare_context_missing(&rh), "it has no context");
	result_free(&ra);
	result_free(&rb);
	result_free(&rg);
	result_free(&rh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_separated_slower_sample_is_a_regression),
		cmocka_unit_test(an_interval_within_the_threshold_is_the_same),
		cmocka_unit_test(noise_that_reaches_across_the_threshold_is_inconclusive),
		cmocka_unit_test(the_rows_scatter_is_a_between_run_spread),
		cmocka_unit_test(a_baseline_gives_each_row_its_own_spread),
		cmocka_unit_test(rows_in_one_file_only_are_added_or_removed),
		cmocka_unit_test(strip_params_drops_only_whole_keys_after_the_scenario),
		cmocka_unit_test(strip_param_pairs_cases_and_refuses_collisions),
		cmocka_unit_test(strip_param_across_baseline_runs_refuses_to_pool_different_cases),
		cmocka_unit_test(normalize_judges_rows_against_the_machine_wide_shift),
		cmocka_unit_test(contexts_that_differ_or_are_missing_are_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
