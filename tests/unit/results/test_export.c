/* Unit tests for the export writers (bench/results/export.c) on one small fixed result: each
 * format's whole output (OpenMetrics: its telling lines), worked out by hand. The second case
 * has kernel times above its wall times: no share, where export printed 125% before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result_fixture.h"
#include "results/export.h"

static const char fixed[] =
	"{\"context\": {\"schema_version\": 1, \"kernel_release\": \"6.1.0-test\", "
	"\"host_name\": \"h\\\"q\", \"boxbench_version\": \"0.1.0\", \"driver\": \"overlay\", "
	"\"backing_fs\": \"ext4\", \"cgroup_mode\": \"v2\", \"suite\": \"quick\"}, \"benchmarks\": ["
	"{\"name\": \"mount/depth:1/op:mount\", \"run_type\": \"iteration\", \"repetition_index\": 0,"
	" \"real_time\": 1000, \"kernel_ns\": 500, \"func_ns\": 100, \"source\": \"tracepoint\"},"
	"{\"name\": \"mount/depth:1/op:mount\", \"run_type\": \"iteration\", \"repetition_index\": 1,"
	" \"real_time\": 4000, \"kernel_ns\": 2000, \"source\": \"tracepoint\"},"
	"{\"name\": \"mount/depth:1/op:mount\", \"run_type\": \"iteration\", \"repetition_index\": 2,"
	" \"real_time\": 2000, \"kernel_ns\": 1000, \"source\": \"tracepoint\"},"
	"{\"name\": \"=lookup/depth:8/target:a,b\", \"run_type\": \"iteration\","
	" \"repetition_index\": 0, \"real_time\": 3000000, \"kernel_ns\": 4000000, \"source\": \"wall\"},"
	"{\"name\": \"=lookup/depth:8/target:a,b\", \"run_type\": \"iteration\","
	" \"repetition_index\": 1, \"real_time\": 5000000, \"kernel_ns\": 6000000, \"source\": \"wall\"},"
	"{\"name\": \"mount/depth:1/op:mount_median\", \"run_type\": \"aggregate\","
	" \"aggregate_name\": \"median\", \"real_time\": 1, \"kernel_share\": 0.99}]}";

/* fixed, exported as name says; the caller frees the text. */
static char *exported(const char *name)
{
	struct bb_error err = { 0 };
	enum export_format fmt;
	struct result r;
	char path[64], *out = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(export_format_parse(name, &fmt), 0);
	assert_int_equal(fixture_load(fixed, RESULT_NEED_CONTEXT, &r, &err, path, sizeof(path)), 0);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(export_write(f, &r, fmt, &err), 0);
	fclose(f);
	result_free(&r);
	return out;
}

/* Median and the p5-p95 bounds: of 1000, 2000, 4000 p5 is 1000 + 0.1 x 1000, p95 2000 + 0.9 x
 * 2000; of 3e6 and 5e6, 3e6 + 0.05 x 2e6 and 3e6 + 0.95 x 2e6. */
static void bmf_is_median_and_p5_p95(void **state)
{
	char *out = exported("bmf");

	(void)state;
	assert_string_equal(out, "{\n"
				 "  \"mount/depth:1/op:mount\": {\n"
				 "    \"latency\": {\n"
				 "      \"value\": 2000.0,\n"
				 "      \"lower_value\": 1100.0,\n"
				 "      \"upper_value\": 3800.0\n"
				 "    }\n"
				 "  },\n"
				 "  \"=lookup/depth:8/target:a,b\": {\n"
				 "    \"latency\": {\n"
				 "      \"value\": 4000000.0,\n"
				 "      \"lower_value\": 3100000.0,\n"
				 "      \"upper_value\": 4900000.0\n"
				 "    }\n"
				 "  }\n"
				 "}\n");
	free(out);
}

/* stddev of 1000, 2000, 4000: sqrt(4666666.7 / 2) = 1527.5; of 3e6, 5e6: sqrt(2e12) =
 * 1414213.6. The kernel share is the summary's: 1000 of 2000, and none where kernel > wall. */
static void gh_benchmark_has_the_summary_share(void **state)
{
	char *out = exported("gh-benchmark");

	(void)state;
	assert_string_equal(
		out, "[\n"
		     "  {\n"
		     "    \"name\": \"mount/depth:1/op:mount\",\n"
		     "    \"unit\": \"ns\",\n"
		     "    \"value\": 2000.0,\n"
		     "    \"range\": \"± 1527.5\",\n"
		     "    \"extra\": \"samples: 3; kernel share: 50.0%; source: tracepoint\"\n"
		     "  },\n"
		     "  {\n"
		     "    \"name\": \"=lookup/depth:8/target:a,b\",\n"
		     "    \"unit\": \"ns\",\n"
		     "    \"value\": 4000000.0,\n"
		     "    \"range\": \"± 1414213.6\",\n"
		     "    \"extra\": \"samples: 2; kernel share: n/a; source: wall\"\n"
		     "  }\n"
		     "]\n");
	free(out);
}

/* One record per sample in file order, CRLF, a name with a comma quoted and one that starts
 * with '=' given a leading '. */
static void csv_has_one_record_per_sample(void **state)
{
	char *out = exported("csv");

	(void)state;
	assert_string_equal(out, "name,repetition,wall_ns,kernel_ns,func_ns,source\r\n"
				 "mount/depth:1/op:mount,0,1000,500,100,tracepoint\r\n"
				 "mount/depth:1/op:mount,1,4000,2000,,tracepoint\r\n"
				 "mount/depth:1/op:mount,2,2000,1000,,tracepoint\r\n"
				 "\"'=lookup/depth:8/target:a,b\",0,3000000,4000000,,wall\r\n"
				 "\"'=lookup/depth:8/target:a,b\",1,5000000,6000000,,wall\r\n");
	free(out);
}

static void assert_line(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (!strstr(text, want))
		fail_msg("no line '%s' in:\n%s", line, text);
}

/* A histogram family per scenario (22 bounds and +Inf, sum and count per case), then the host's
 * gauge with its quote escaped, then # EOF. 1, 2 and 4 µs fall in the first three buckets. */
static void openmetrics_has_a_histogram_per_scenario(void **state)
{
	char *out = exported("openmetrics");
	size_t lines = 0;

	(void)state;
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 2 * (3 + 23 + 2) + 3 + 1);
	assert_true(!strncmp(out, "# TYPE boxbench_mount_duration_seconds histogram\n", 49));
	assert_line(out, "# UNIT boxbench_mount_duration_seconds seconds");
	assert_line(out, "boxbench_mount_duration_seconds_bucket{case=\"depth:1/op:mount\","
			 "source=\"tracepoint\",le=\"1e-06\"} 1");
	assert_line(out, "boxbench_mount_duration_seconds_bucket{case=\"depth:1/op:mount\","
			 "source=\"tracepoint\",le=\"2.5e-06\"} 2");
	assert_line(out, "boxbench_mount_duration_seconds_bucket{case=\"depth:1/op:mount\","
			 "source=\"tracepoint\",le=\"5e-06\"} 3");
	assert_line(out, "boxbench_mount_duration_seconds_sum{case=\"depth:1/op:mount\","
			 "source=\"tracepoint\"} 7e-06");
	assert_line(out, "boxbench_mount_duration_seconds_count{case=\"depth:1/op:mount\","
			 "source=\"tracepoint\"} 3");
	/* '=' cannot stand in a metric name: '_', and the scenario as written is a label. */
	assert_line(out, "# TYPE boxbench__lookup_duration_seconds histogram");
	assert_line(out, "boxbench__lookup_duration_seconds_bucket{case=\"depth:8/target:a,b\","
			 "source=\"wall\",scenario=\"=lookup\",le=\"0.0025\"} 0");
	assert_line(out, "boxbench__lookup_duration_seconds_bucket{case=\"depth:8/target:a,b\","
			 "source=\"wall\",scenario=\"=lookup\",le=\"0.005\"} 2");
	assert_line(out, "boxbench__lookup_duration_seconds_sum{case=\"depth:8/target:a,b\","
			 "source=\"wall\",scenario=\"=lookup\"} 0.008");
	assert_line(out,
		    "boxbench_host_info{kernel=\"6.1.0-test\",host=\"h\\\"q\",version=\"0.1.0\","
		    "driver=\"overlay\",backing_fs=\"ext4\",cgroup_mode=\"v2\",suite=\"quick\"} 1");
	assert_non_null(strstr(out, "\n# EOF\n"));
	assert_string_equal(strstr(out, "\n# EOF\n"), "\n# EOF\n");
	free(out);
}

static void formats_by_name(void **state)
{
	enum export_format fmt;
	char scen[8];

	(void)state;
	assert_int_equal(export_format_parse("openmetrics", &fmt), 0);
	assert_int_equal(fmt, EXPORT_OPENMETRICS);
	assert_int_equal(export_format_parse("yaml", &fmt), -EINVAL);
	export_case_scenario("lookup/depth:8", scen, sizeof(scen));
	assert_string_equal(scen, "lookup");
	export_case_scenario("verylongscenario/x", scen, sizeof(scen));
	assert_string_equal(scen, "verylon");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bmf_is_median_and_p5_p95),
		cmocka_unit_test(gh_benchmark_has_the_summary_share),
		cmocka_unit_test(csv_has_one_record_per_sample),
		cmocka_unit_test(openmetrics_has_a_histogram_per_scenario),
		cmocka_unit_test(formats_by_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
