/* boxbench: dispatch to one subcommand per file, in the style of git and bpftool; the table
 * is in commands.c. */
#include <stdio.h>
#include <string.h>

#include "builtin.h"

static void print_help(FILE *f)
{
	const struct subcommand *s;

	fprintf(f, "usage: boxbench <command> [options]\n\n"
		   "Benchmarks and explains the Linux kernel's container start path: namespaces,\n"
		   "cgroups, overlay mounts, pivot_root, copy-up and lookups across layer depths,\n"
		   "timed by the harness and from inside the kernel with eBPF.\n\n"
		   "commands:\n");
	for (size_t i = 0; (s = subcommand_at(i)); i++)
		fprintf(f, "  %-10s %s\n", s->name, s->summary);
	fprintf(f, "\n'boxbench <command> --help' tells more about each. Most commands need root:\n"
		   "they load BPF programs and mount file systems (in a private mount namespace,\n"
		   "so nothing is left mounted on the host).\n");
}

int main(int argc, char **argv)
{
	const struct subcommand *s;

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
	s = subcommand_find(argv[1]);
	if (s)
		return s->fn(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return usage_error(NULL, "unknown option '%s'", argv[1]);
	return usage_error(NULL, "'%s' is not a boxbench command", argv[1]);
}
