/* Unit tests for the result reader (bench/results/result_read*.c): its three adapters
 * (boxbench, google/benchmark, hyperfine) on small files written out here, and the checks
 * every format goes through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "result_fixture.h"

static int load(const char *json, unsigned need, struct result *r, struct bb_error *err)
{
	char path[64];

	bb_err_clear(err);
	return fixture_load(json, need, r, err, path, sizeof(path));
}

/* The message of a file that load() refuses with code. */
static const char *refused(const char *json, unsigned need, int code)
{
	static struct bb_error err;
	struct result r;

	assert_int_equal(load(json, need, &r, &err), -code);
	assert_int_equal(r.n_cases, 0);
	assert_null(r.cases);
	return err.msg;
}

#define BOXBENCH_CONTEXT                                                                   \
	"\"context\": {\"schema_version\": 1, \"kernel_release\": \"6.1.0-test\", "        \
	"\"host_name\": \"h\", \"boxbench_version\": \"0.1.0\", \"driver\": \"overlay\", " \
	"\"backing_fs\": \"ext4\", \"cgroup_mode\": \"v2\", \"suite\": \"quick\"}"

static void boxbench_file_reads_iterations_and_context(void **state)
{
	const char *json =
		"{" BOXBENCH_CONTEXT ", \"benchmarks\": ["
		"{\"name\": \"mount/depth:1\", \"run_type\": \"iteration\", \"repetition_index\": 0,"
		" \"real_time\": 3000.0, \"kernel_ns\": 1500.0, \"func_ns\": 100.0, \"time_unit\": \"ns\","
		" \"source\": \"fentry\"},"
		"{\"name\": \"lookup/depth:8\", \"run_type\": \"iteration\", \"repetition_index\": 0,"
		" \"real_time\": 50.0, \"source\": \"wall\"},"
		"{\"name\": \"mount/depth:1\", \"run_type\": \"iteration\", \"repetition_index\": 1,"
		" \"real_time\": 1000.0, \"kernel_ns\": 900.0, \"time_unit\": \"ns\", \"source\": \"fentry\"},"
		"{\"name\": \"mount/depth:1\", \"run_type\": \"iteration\", \"repetition_index\": 2,"
		" \"real_time\": 2000.0, \"kernel_ns\": null, \"source\": \"fentry\"},"
		"{\"name\": \"start/x\", \"run_type\": \"iteration\", \"error_occurred\": true,"
		" \"error_message\": \"EPERM\", \"real_time\": 0},"
		"{\"name\": \"mount/depth:1_median\", \"run_type\": \"aggregate\","
		" \"aggregate_name\": \"median\", \"real_time\": 99999.0, \"kernel_share\": 0.9}]}";
	struct bb_error err;
	struct result r;
	const struct result_case *m;

	(void)state;
	assert_int_equal(load(json, RESULT_NEED_CONTEXT | RESULT_NEED_PRINTABLE, &r, &err), 0);
	assert_int_equal(r.format, RESULT_BOXBENCH);
	assert_string_equal(result_format_name(r.format), "boxbench");
	assert_non_null(r.context);
	assert_string_equal(r.kernel, "6.1.0-test");
	assert_string_equal(r.host, "h");
	assert_string_equal(r.version, "0.1.0");
	assert_string_equal(r.driver, "overlay");
	assert_string_equal(r.backing_fs, "ext4");
	assert_string_equal(r.cgroup_mode, "v2");
	assert_string_equal(r.suite, "quick");
	/* The failed case and the aggregate row are no cases; the order is the file's. */
	assert_int_equal(r.n_cases, 2);
	m = &r.cases[0];
	assert_string_equal(m->name, "mount/depth:1");
	assert_string_equal(m->source, "fentry");
	assert_string_equal(r.cases[1].name, "lookup/depth:8");
	assert_string_equal(r.cases[1].source, "wall");
	assert_int_equal(m->n, 3);
	assert_int_equal(m->samples[1].repetition, 1);
	assert_true(m->samples[0].wall_ns == 3000 && m->samples[0].kernel_ns == 1500 &&
		    m->samples[0].func_ns == 100);
	/* Absent and null are both "the probes did not see it". */
	assert_true(isnan(m->samples[1].func_ns));
	assert_true(isnan(m->samples[2].kernel_ns));
	/* The summary is the samples', not the file's aggregate row (99999). */
	assert_int_equal(m->sum.n, 3);
	assert_true(m->sum.wall.median == 2000);
	assert_int_equal(m->sum.n_kernel, 2);
	assert_true(m->sum.kernel.median == 1200);
	assert_int_equal(m->sum.n_func, 1);
	result_free(&r);
	assert_null(r.cases);
}

static void gbench_time_units_scale_and_aggregates_are_skipped(void **state)
{
	/* google/benchmark: no schema_version, time_unit per row, no run_type without
	 * repetitions, aggregates and errors beside the iterations. */
	const char *json =
		"{\"context\": {\"host_name\": \"g\", \"library_version\": \"v1.8.3\"}, \"benchmarks\": ["
		"{\"name\": \"BM_a\", \"run_type\": \"iteration\", \"real_time\": 2, \"time_unit\": \"us\"},"
		"{\"name\": \"BM_a\", \"run_type\": \"iteration\", \"real_time\": 0.003, \"time_unit\": \"ms\"},"
		"{\"name\": \"BM_a\", \"run_type\": \"iteration\", \"real_time\": 4e-6, \"time_unit\": \"s\"},"
		"{\"name\": \"BM_a\", \"run_type\": \"iteration\", \"real_time\": 5000, \"time_unit\": \"ns\"},"
		"{\"name\": \"BM_a\", \"run_type\": \"iteration\", \"real_time\": 6000},"
		"{\"name\": \"BM_a_mean\", \"run_type\": \"aggregate\", \"aggregate_name\": \"mean\","
		" \"real_time\": 1, \"time_unit\": \"us\"},"
		"{\"name\": \"BM_b\", \"real_time\": 7, \"time_unit\": \"us\"},"
		"{\"name\": \"BM_c\", \"run_type\": \"iteration\", \"error_occurred\": true,"
		" \"error_message\": \"x\", \"real_time\": 0}]}";
	const double want[] = { 2000, 3000, 4000, 5000, 6000 };
	struct bb_error err;
	struct result r;

	(void)state;
	assert_int_equal(load(json, 0, &r, &err), 0);
	assert_int_equal(r.format, RESULT_GBENCH);
	assert_string_equal(result_format_name(r.format), "google/benchmark");
	assert_string_equal(r.host, "g");
	assert_string_equal(r.kernel, "");
	assert_int_equal(r.n_cases, 2);
	assert_string_equal(r.cases[0].name, "BM_a");
	assert_int_equal(r.cases[0].n, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_true(fabs(r.cases[0].samples[i].wall_ns - want[i]) < 1e-6);
		/* No repetition_index: a sample's place among its case's. */
		assert_int_equal(r.cases[0].samples[i].repetition, (int)i);
		assert_true(isnan(r.cases[0].samples[i].kernel_ns));
	}
	assert_string_equal(r.cases[0].source, "wall");
	/* A row without run_type is a run of its own. */
	assert_string_equal(r.cases[1].name, "BM_b");
	assert_true(r.cases[1].samples[0].wall_ns == 7000);
	result_free(&r);
}

static void gbench_unknown_time_unit_is_refused(void **state)
{
	(void)state;
	assert_non_null(
		strstr(refused("{\"benchmarks\": [{\"name\": \"BM_a\", \"real_time\": 1, "
			       "\"time_unit\": \"min\"}]}",
			       0, EINVAL),
		       "benchmarks[0] ('BM_a') has time_unit 'min': not one of ns, us, ms, s"));
}

static void hyperfine_times_are_seconds(void **state)
{
	const char *json = "{\"results\": [{\"command\": \"sleep 0.1\", \"mean\": 0.1, "
			   "\"times\": [0.1, 0.2, 0.15]}, {\"command\": \"true\", "
			   "\"times\": [0.001]}]}";
	struct bb_error err;
	struct result r;

	(void)state;
	assert_int_equal(load(json, RESULT_NEED_PRINTABLE, &r, &err), 0);
	assert_int_equal(r.format, RESULT_HYPERFINE);
	assert_string_equal(result_format_name(r.format), "hyperfine");
	/* hyperfine records no context. */
	assert_null(r.context);
	assert_string_equal(r.kernel, "");
	assert_int_equal(r.n_cases, 2);
	assert_string_equal(r.cases[0].name, "sleep 0.1");
	assert_int_equal(r.cases[0].n, 3);
	assert_true(fabs(r.cases[0].samples[1].wall_ns - 2e8) < 1e-3);
	assert_int_equal(r.cases[0].samples[2].repetition, 2);
	assert_true(fabs(r.cases[0].sum.wall.median - 1.5e8) < 1e-3);
	assert_true(fabs(r.cases[1].samples[0].wall_ns - 1e6) < 1e-6);
	result_free(&r);
	/* export and plot report a context: a hyperfine file has none to give them. */
	assert_non_null(strstr(refused(json, RESULT_NEED_CONTEXT, EINVAL),
			       "is not a boxbench result: it needs a 'context' object"));
	assert_non_null(strstr(refused("{\"results\": [{\"command\": \"x\"}]}", 0, EINVAL),
			       "results[0] has no command or times[]"));
	assert_non_null(strstr(
		refused("{\"results\": [{\"command\": \"x\", \"times\": [\"1\"]}]}", 0, EINVAL),
		"results[0].times[0] is not a number"));
}

static void a_newer_schema_is_refused(void **state)
{
	(void)state;
	assert_non_null(strstr(refused("{\"context\": {\"schema_version\": 2}, \"benchmarks\": "
				       "[{\"name\": \"a\", \"real_time\": 1}]}",
				       0, EPROTO),
			       "has schema_version 2, newer than this boxbench reads (1)"));
	assert_non_null(strstr(refused("{\"context\": {\"schema_version\": \"1\"}, \"benchmarks\": "
				       "[{\"name\": \"a\", \"real_time\": 1}]}",
				       0, EINVAL),
			       "context.schema_version is not a version"));
}

static void times_that_are_no_times_are_refused(void **state)
{
	static const struct {
		const char *row, *why;
	} bad[] = {
		{ "\"real_time\": 0", "benchmarks[0] ('a') has real_time 0 ns" },
		{ "\"real_time\": -5", "benchmarks[0] ('a') has real_time -5 ns" },
		{ "\"real_time\": 1e300, \"time_unit\": \"s\"",
		  "benchmarks[0] ('a') has real_time inf ns" },
		{ "\"real_time\": 2e18", "benchmarks[0] ('a') has real_time 2e+18 ns" },
		{ "\"real_time\": 1, \"kernel_ns\": -1",
		  "benchmarks[0] ('a') has kernel_ns -1 ns" },
		{ "\"real_time\": 1, \"func_ns\": 1e19",
		  "benchmarks[0] ('a') has func_ns 1e+19 ns" },
		{ "\"real_time\": 1, \"kernel_ns\": \"5\"",
		  "('a') has a kernel_ns that is not a number" },
		{ "\"real_time\": \"5\"", "benchmarks[0] ('a') has no numeric real_time" },
	};
	char json[256];
	struct bb_error err;
	struct result r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json), "{\"benchmarks\": [{\"name\": \"a\", %s}]}",
			 bad[i].row);
		if (!strstr(refused(json, 0, EINVAL), bad[i].why))
			fail_msg("%s: message '%s' lacks '%s'", bad[i].row,
				 refused(json, 0, EINVAL), bad[i].why);
	}
	assert_non_null(
		strstr(refused("{\"results\": [{\"command\": \"c\", \"times\": [0.1, -0.001]}]}", 0,
			       EINVAL),
		       "results[0].times[1] ('c') has a time of -1e+06 ns"));
	/* A kernel time of 0 is one: no syscall inside the span. */
	assert_int_equal(
		load("{\"benchmarks\": [{\"name\": \"a\", \"real_time\": 1, \"kernel_ns\": 0}]}", 0,
		     &r, &err),
		0);
	assert_true(r.cases[0].samples[0].kernel_ns == 0);
	result_free(&r);
}

static void control_characters_in_names_are_refused_for_compare_only(void **state)
{
	const char *json = "{\"benchmarks\": [{\"name\": \"ok\", \"real_time\": 1}, "
			   "{\"name\": \"ab/\\u001b[2J\", \"real_time\": 1}]}";
	struct bb_error err;
	struct result r;

	(void)state;
	assert_non_null(strstr(refused(json, RESULT_NEED_PRINTABLE, EINVAL),
			       "benchmarks[1] has a name with a control character (byte 0x1b at "
			       "offset 3), which boxbench will not print: rename it"));
	assert_non_null(
		strstr(refused("{\"results\": [{\"command\": \"a\\u0085b\", \"times\": [1]}]}",
			       RESULT_NEED_PRINTABLE, EINVAL),
		       "results[0] has a name with a control character (byte 0x85 at "
		       "offset 1)"));
	/* The exports escape a name for their own formats: they take it as it is. */
	assert_int_equal(load(json, 0, &r, &err), 0);
	assert_string_equal(r.cases[1].name, "ab/\x1b[2J");
	result_free(&r);
}

static void files_that_are_no_results_are_refused(void **state)
{
	struct bb_error err;
	struct result r;

	(void)state;
	assert_non_null(strstr(refused("", 0, ENODATA), "is empty: not a result file"));
	assert_non_null(strstr(refused("{\"benchmarks\": [", 0, EINVAL), "is not valid JSON"));
	assert_non_null(strstr(refused("[1]", 0, EINVAL), "the top level is not an object"));
	assert_non_null(strstr(refused("{\"hello\": 1}", 0, EINVAL),
			       "no 'benchmarks' array (boxbench, google/benchmark) nor 'results'"));
	assert_non_null(strstr(refused("{\"benchmarks\": [{\"real_time\": 1}]}", 0, EINVAL),
			       "benchmarks[0] has no name"));
	assert_non_null(strstr(refused("{\"context\": {}, \"benchmarks\": [{\"name\": \"a_mean\", "
				       "\"run_type\": \"aggregate\", \"real_time\": 1}]}",
				       0, ENODATA),
			       "has no measured rows"));
	assert_non_null(strstr(refused("{\"benchmarks\": [{\"name\": \"a\", \"real_time\": 1}]}",
				       RESULT_NEED_CONTEXT, EINVAL),
			       "needs a 'context' object and a 'benchmarks' array"));
	assert_int_equal(result_load("/nonexistent/result.json", 0, &r, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "cannot read /nonexistent/result.json: ENOENT"));
	assert_int_equal(result_load("/", 0, &r, &err), -EISDIR);
	assert_non_null(strstr(err.msg, "it is a directory"));
}

/* Rows of one name far apart are one case, in the place of its first row. */
static void rows_of_one_name_group_into_one_case(void **state)
{
	const char *json =
		"{\"benchmarks\": [{\"name\": \"b\", \"real_time\": 1},"
		"{\"name\": \"a\", \"real_time\": 2}, {\"name\": \"c\", \"real_time\": 3},"
		"{\"name\": \"b\", \"real_time\": 4}, {\"name\": \"a\", \"real_time\": 5}]}";
	struct bb_error err;
	struct result r;

	(void)state;
	assert_int_equal(load(json, 0, &r, &err), 0);
	assert_int_equal(r.n_cases, 3);
	assert_string_equal(r.cases[0].name, "b");
	assert_string_equal(r.cases[1].name, "a");
	assert_string_equal(r.cases[2].name, "c");
	assert_int_equal(r.cases[0].n, 2);
	assert_true(r.cases[0].samples[1].wall_ns == 4);
	assert_true(r.cases[1].samples[1].wall_ns == 5);
	result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(boxbench_file_reads_iterations_and_context),
		cmocka_unit_test(gbench_time_units_scale_and_aggregates_are_skipped),
		cmocka_unit_test(gbench_unknown_time_unit_is_refused),
		cmocka_unit_test(hyperfine_times_are_seconds),
		cmocka_unit_test(a_newer_schema_is_refused),
		cmocka_unit_test(times_that_are_no_times_are_refused),
		cmocka_unit_test(control_characters_in_names_are_refused_for_compare_only),
		cmocka_unit_test(files_that_are_no_results_are_refused),
		cmocka_unit_test(rows_of_one_name_group_into_one_case),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
