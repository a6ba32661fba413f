/* A result file read back: boxbench's own JSON, google/benchmark's (the same shape) and
 * hyperfine's --export-json, as per-case samples and their summary. One reader for every
 * subcommand that reads results (compare, export, plot); adapters translate each format's
 * rows (result_read_gbench.c, result_read_hyperfine.c). Only measured rows count: every
 * statistic is recomputed from them, so a file edited by hand or by another tool cannot carry
 * aggregates that disagree with its samples. */
#ifndef BOXBENCH_RESULT_H
#define BOXBENCH_RESULT_H

#include <jansson.h>
#include <stddef.h>

#include "common/error.h"
#include "result_summary.h"

/* The result schema: the writer writes it into context.schema_version, and the reader refuses
 * a newer one, in which a key may mean something else (results/README.md). */
#define RESULT_SCHEMA_VERSION 1

/* The longest time one row may claim, in ns (about 31 years): a larger number is a unit error
 * or a forgery, and sums of such numbers overflow. */
#define RESULT_MAX_NS 1e18

enum result_format {
	RESULT_BOXBENCH, /* google/benchmark shape with context.schema_version */
	RESULT_GBENCH, /* google/benchmark shape, no schema_version */
	RESULT_HYPERFINE,
};

/* One case (a benchmark, a hyperfine command): its measured rows, in file order. */
struct result_case {
	char *name; /* "lookup/depth:8/target:absent/cache:cold" */
	char *source; /* its first row's: "wall", "tracepoint", "fentry", "kprobe" */
	struct result_sample *samples;
	size_t n, cap;
	struct result_summary sum;
};

struct result {
	char *path;
	enum result_format format;
	json_t *context; /* owned; NULL when the file has none (hyperfine's never has) */
	/* From the context; "" when the file does not say. */
	char *kernel, *host, *version, *driver, *backing_fs, *cgroup_mode, *suite;
	struct result_case *cases; /* in the order the file first has them */
	size_t n_cases, cap;
	json_t *index; /* name -> position in cases: big files read in linear time */
};

/* What a reader needs of a file beyond measured rows. */
enum result_need {
	/* A 'context' object beside 'benchmarks' (export and plot, which report it). */
	RESULT_NEED_CONTEXT = 1 << 0,
	/* Names without control characters (compare prints them as they are, to a terminal
	 * and into Markdown for a CI comment; the exports escape them for their formats). */
	RESULT_NEED_PRINTABLE = 1 << 1,
};

/* Reads path into *r. Failed rows (error_occurred) and aggregate rows are left out. Every
 * failure (missing, a directory, empty, not JSON, truncated, in no format known, a schema
 * newer than RESULT_SCHEMA_VERSION, no measured rows, a wall time not in (0, RESULT_MAX_NS]
 * or a kernel or function time not in [0, RESULT_MAX_NS], what `need` asks for missing)
 * returns a negative errno with a message that names the file, the row and the reason; *r
 * is then empty. Names and context strings are kept as they are, whatever they hold. */
int result_load(const char *path, unsigned need, struct result *r, struct bb_error *err);

void result_free(struct result *r);

/* "boxbench", "google/benchmark", "hyperfine". */
const char *result_format_name(enum result_format format);

#endif
