/* boxbench plot: SVG plots of one or more results, for a README or a report. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "builtin.h"
#include "results/plot.h"
#include "results/result.h"

static const char plot_help[] =
	"usage: boxbench plot RESULT.json [MORE.json ...] [--out DIR]\n"
	"\n"
	"Draws SVG plots of 'boxbench run' results with gnuplot: the median latency, with\n"
	"p5-p95 bars, against layer depth for mount (a line per api and op), cold lookups\n"
	"(a line per target) and readdir, and copy-up latency against file size. Given\n"
	"several results, each gets its own lines, named by kernel or driver when those\n"
	"differ, else by file name. Axes with a wide range are logarithmic.\n"
	"\n"
	"options:\n"
	"  -o, --out DIR   where the SVGs go (default plots/, created): mount.svg, lookup.svg,\n"
	"                  readdir.svg, copyup.svg, for the scenarios the results have. A DIR\n"
	"                  another user owns or may write to (unless it is sticky, as /tmp\n"
	"                  is) is refused, and so is an SVG name in it that is a link\n"
	"  -h, --help      this text\n"
	"\n"
	"exit status: 0 plotted, 1 gnuplot failed or the SVGs could not be written (see --out),\n"
	"2 usage or input error (a missing or malformed result, or nothing to plot in it).\n";

int cmd_plot(int argc, char **argv)
{
	static const struct option options[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = "plots";
	struct result *res;
	struct plot_paths written;
	struct bb_error err = { 0 };
	size_t n = 0;
	int opt, ret, status = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:h", options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(plot_help, stdout);
			return 0;
		default:
			return usage_bad_option("plot", opt, argv);
		}
	}
	if (optind >= argc)
		return usage_error("plot", "which results? Give one or more RESULT.json");
	res = calloc(argc - optind, sizeof(*res));
	if (!res) {
		fprintf(stderr, "boxbench plot: out of memory\n");
		return 1;
	}
	for (; optind < argc; optind++, n++)
		if (result_load(argv[optind], RESULT_NEED_CONTEXT, &res[n], &err)) {
			fprintf(stderr, "boxbench plot: %s\n", err.msg);
			status = EXIT_USAGE;
			goto out;
		}
	ret = plot_results(res, n, out, &written, &err);
	for (size_t i = 0; i < written.n; i++)
		printf("%s\n", written.paths[i]);
	if (ret) {
		fprintf(stderr, "boxbench plot: %s\n", err.msg);
		status = ret == -ENOENT ? EXIT_USAGE : 1;
	}
	plot_paths_free(&written);
out:
	for (size_t i = 0; i < n; i++)
		result_free(&res[i]);
	free(res);
	return status;
}
