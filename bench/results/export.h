/* The export formats of a result read back (result.h): Bencher, github-action-benchmark,
 * OpenMetrics, CSV. Never prints. */
#ifndef BOXBENCH_EXPORT_H
#define BOXBENCH_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "common/error.h"
#include "result.h"

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
int export_write(FILE *f, const struct result *res, enum export_format fmt, struct bb_error *err);

#endif
