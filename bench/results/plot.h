/* SVG plots of results with gnuplot: latency against layer depth (mount, lookup, readdir) and
 * against file size (copy-up), one line per case kind and input file. Never prints. */
#ifndef BOXBENCH_PLOT_H
#define BOXBENCH_PLOT_H

#include <stddef.h>

#include "common/error.h"
#include "result.h"

struct plot_paths {
	char **paths; /* the SVGs written, in out_dir */
	size_t n;
};

/* Plots n results into out_dir (created), running gnuplot on data and a script in a temp
 * dir that is removed again. A plot whose scenario no input has is not written. -ENOENT
 * when no input has any plotted scenario; -errno with a message when gnuplot fails.
 * *written lists what was written even on failure; free it with plot_paths_free(). */
int plot_results(const struct result *res, size_t n, const char *out_dir,
		 struct plot_paths *written, struct bb_error *err);
void plot_paths_free(struct plot_paths *p);

#endif
