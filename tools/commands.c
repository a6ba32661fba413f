/* The dispatch table of the boxbench command (builtin.h): main.c runs what it finds here,
 * `boxbench --help` lists it, and doctor names a subcommand only if it is here. */
#include <string.h>

#include "builtin.h"

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

const struct subcommand *subcommand_at(size_t i)
{
	return i < N_SUBCOMMANDS ? &subcommands[i] : NULL;
}

const struct subcommand *subcommand_find(const char *name)
{
	for (size_t i = 0; i < N_SUBCOMMANDS; i++)
		if (!strcmp(subcommands[i].name, name))
			return &subcommands[i];
	return NULL;
}
