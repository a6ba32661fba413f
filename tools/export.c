/* boxbench export: a result file in a format other tools read (Bencher, github-action-benchmark,
 * OpenMetrics for Prometheus, CSV). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/atomic_file.h"
#include "builtin.h"
#include "results/export.h"

static const char export_help[] =
	"usage: boxbench export RESULT.json --format FORMAT [--out FILE]\n"
	"\n"
	"Writes a 'boxbench run' result in another format. Every number is computed from the\n"
	"file's iteration rows (one per repetition); failed cases are left out.\n"
	"\n"
	"formats:\n"
	"  bmf           Bencher Metric Format: {name: {latency: {value: median,\n"
	"                lower_value: p5, upper_value: p95}}}, ns\n"
	"  gh-benchmark  github-action-benchmark 'customSmallerIsBetter': [{name, unit: \"ns\",\n"
	"                value: median, range: \"± stddev\", extra}]\n"
	"  openmetrics   a histogram per scenario, boxbench_<scenario>_duration_seconds, labelled\n"
	"                by case, and a boxbench_host_info gauge; for node_exporter's textfile\n"
	"                collector, write it with --out to a *.prom file\n"
	"  csv           name,repetition,wall_ns,kernel_ns,func_ns,source (RFC 4180); a name\n"
	"                that starts with = + - or @ gets a leading ' (a spreadsheet would\n"
	"                run it as a formula)\n"
	"\n"
	"options:\n"
	"  -f, --format FORMAT  one of the above (required)\n"
	"  -o, --out FILE       write FILE instead of stdout; it is written to a temporary file\n"
	"                       in the same directory and renamed, so a reader never sees half;\n"
	"                       refused when that directory is another user's or others may\n"
	"                       write to it (unless it is sticky), or when FILE is a link\n"
	"  -h, --help           this text\n"
	"\n"
	"exit status: 0 written, 1 the output could not be written, 2 usage or input error\n"
	"(a missing, empty or malformed result, an unknown format); then nothing is written.\n";

/* Through the atomic writer: a textfile collector reads only *.prom, and sees the old file or
 * the whole new one, never a part. 0644: the collector usually runs as another user. */
static int write_out(const char *path, const struct result *res, enum export_format fmt)
{
	struct bb_error err = { 0 };
	struct atomic_file af;

	if (atomic_file_open(&af, path, 0644, &err))
		goto fail;
	if (export_write(af.f, res, fmt, &err)) {
		atomic_file_abort(&af);
		goto fail;
	}
	if (atomic_file_commit(&af, &err))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "boxbench export: %s\n", err.msg);
	return 1;
}

int cmd_export(int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *format = NULL, *out = NULL;
	struct result res;
	struct bb_error err = { 0 };
	enum export_format fmt;
	int opt, status;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":f:o:h", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(export_help, stdout);
			return 0;
		default:
			return usage_bad_option("export", opt, argv);
		}
	}
	if (optind >= argc)
		return usage_error("export", "which result? Give one RESULT.json");
	if (optind + 1 < argc)
		return usage_error("export", "unexpected argument '%s' (one result at a time)",
				   argv[optind + 1]);
	if (!format)
		return usage_error("export", "--format is required (bmf, gh-benchmark, openmetrics "
					     "or csv)");
	if (export_format_parse(format, &fmt))
		return usage_error("export",
				   "unknown format '%s' (bmf, gh-benchmark, openmetrics or csv)",
				   format);
	if (result_load(argv[optind], RESULT_NEED_CONTEXT, &res, &err)) {
		fprintf(stderr, "boxbench export: %s\n", err.msg);
		return EXIT_USAGE;
	}
	if (out) {
		status = write_out(out, &res, fmt);
	} else {
		status = export_write(stdout, &res, fmt, &err) || fflush(stdout) ? 1 : 0;
		if (status)
			fprintf(stderr, "boxbench export: cannot write to stdout: %s\n",
				err.code ? err.msg : errno_name(errno));
	}
	result_free(&res);
	return status;
}
