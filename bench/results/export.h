/* A result file's samples, read back for `export` and `plot`, and the export formats written
 * from them (Bencher, github-action-benchmark, OpenMetrics, CSV). Never prints. */
#ifndef BOXBENCH_EXPORT_H
#define BOXBENCH_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/error.h"
#include "stats.h"

/* The newest result schema this reader understands (results/README.md). */
#define EXPORT_SCHEMA_VERSION 1

/* One iteration row of a case. kernel_ns/func_ns are NAN where the probes did not see it. */
struct export_sample {
	int repetition;
	double wall_ns, kernel_ns, func_ns;
};

/* One case: its iteration rows, in file order, and their wall-time statistics. */
struct export_case {
	char *name; /* "lookup/depth:8/target:absent/cache:cold" */
	char *source; /* "wall", "tracepoint", "fentry", "kprobe" */
	struct export_sample *samples;
	size_t n, cap;
	struct stats wall;
	bool has_kernel; /* every sample has a kernel time */
	double kernel_share; /* median kernel / median wall, when has_kernel */
};

struct export_result {
	char *path;
	/* From the context; "" when the file does not say. */
	char *kernel, *host, *version, *driver, *backing_fs, *cgroup_mode, *suite;
	struct export_case *cases;
	size_t n_cases;
};

/* Reads a `boxbench run` result. Failed cases are left out. -EINVAL (with the file and the
 * reason in err) for anything that is not a result of a schema this reader knows, that has no
 * measured case, or a time that is not in (0, RESULT_MAX_NS] (a kernel or function time may
 * be 0); -errno when it cannot be read. *res is empty on failure. Names and context strings
 * are taken as they are, whatever they hold: each writer makes them safe for its format. */
int export_result_load(const char *path, struct export_result *res, struct bb_error *err);
void export_result_free(struct export_result *res);

/* The scenario, "lookup" of "lookup/depth:8/...", into buf. */
void export_case_scenario(const char *name, char *buf, size_t len);

enum export_format {
	EXPORT_BMF,
	EXPORT_GH_BENCHMARK,
	EXPORT_OPENMETRICS,
	EXPORT_CSV,
};

/* "bmf", "gh-benchmark", "openmetrics", "csv"; -EINVAL for anything else. */
int export_format_parse(const char *name, enum export_format *fmt);

/* Writes res in fmt to f. -EIO when a write fails. */
int export_write(FILE *f, const struct export_result *res, enum export_format fmt,
		 struct bb_error *err);

#endif
