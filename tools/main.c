/* boxbench: dispatch to one subcommand per file, in the style of git and bpftool. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "doctor", cmd_doctor, "what this kernel lets boxbench measure, found by trying it" },
	{ "run", cmd_run, "run the benchmark matrix and write results (JSON)" },
	{ "start", cmd_start, "start one container on a layer stack and time every phase" },
	{ "cleanup", cmd_cleanup, "remove what killed runs left behind (cgroups, work dirs)" },
	{ "export", cmd_export,
	  "write a result for Bencher, github-action-benchmark, Prometheus, CSV" },
	{ "plot", cmd_plot,
	  "draw SVG plots of results against layer depth and file size (gnuplot)" },
	{ "compare", cmd_compare,
	  "judge two results: regressions by rank test, change and ranges" },
	{ "image", cmd_image, "import OCI layouts, docker save archives and layer tarballs" },
	{ "inspect", cmd_inspect,
	  "show an overlay's layers, whiteouts and copy-ups (mount point, pid or image)" },
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void print_help(FILE *f)
{
	fprintf(f, "usage: boxbench <command> [options]\n\n"
		   "Benchmarks and explains the Linux kernel's container start path: namespaces,\n"
		   "cgroups, overlay mounts, pivot_root, copy-up and lookups across layer depths,\n"
		   "timed by the harness and from inside the kernel with eBPF.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < N_SUBCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f, "\n'boxbench <command> --help' tells more about each. Most commands need root:\n"
		   "they load BPF programs and mount file systems (in a private mount namespace,\n"
		   "so nothing is left mounted on the host).\n");
}

int usage_error(const char *sub, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "boxbench%s%s: ", sub ? " " : "", sub ? sub : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see 'boxbench%s%s --help'\n", sub ? " " : "", sub ? sub : "");
	return EXIT_USAGE;
}

int require_root(const char *sub, const char *why)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr,
		"boxbench %s: needs root: %s. Run it as root (e.g. 'sudo boxbench %s'); it changes "
		"nothing on the host.\n",
		sub, why, sub);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		print_help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("boxbench %s (%s)\n", BOXBENCH_VERSION, BOXBENCH_COMMIT);
		return 0;
	}
	for (size_t i = 0; i < N_SUBCOMMANDS; i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return usage_error(NULL, "unknown option '%s'", argv[1]);
	return usage_error(NULL, "'%s' is not a boxbench command", argv[1]);
}
