/* Writing a run's results: a superset of google/benchmark's JSON (context + benchmarks, one
 * row per repetition and aggregate rows), with boxbench's extras (kernel_ns, func_ns, source,
 * p90/p99, the in-kernel share). Keys are described by results/schema.json. */
#ifndef BOXBENCH_RESULT_WRITE_H
#define BOXBENCH_RESULT_WRITE_H

#include <jansson.h>

#include "result_summary.h"
#include "scenarios/scenario.h"

struct run_meta {
	double wall_time_s; /* the whole run */
	unsigned repetitions, warmup; /* warmup: the untimed primers leading each block */
	unsigned block; /* measured iterations per block */
	const char *settle; /* between blocks: "gp", "none", ... (run_settle_name()) */
	const char *idle_settle; /* before each iteration of a pace:idle case */
	const char *driver; /* "overlay" */
	const char *overlay_options;
	const char *partial; /* why the run stopped before the end; NULL when it ran to the end */
};

/* Builds the result document (the caller json_decref()s it). */
json_t *result_build(const struct run_ctx *ctx, const struct case_list *cases,
		     const struct run_meta *meta, struct bb_error *err);
/* Writes doc to path with the atomic writer (atomic_file.h): a reader never sees half, and
 * no other user can redirect the write. */
int result_write(json_t *doc, const char *path, struct bb_error *err);
/* The source of a case's kernel numbers: "fentry", "kprobe", "tracepoint" or "wall". */
const char *case_source(const struct run_ctx *ctx, const struct bench_case *c);
/* The summary of a measured case's samples (c->n_samples >= 1), the one its aggregate rows
 * are written from: run's table prints it too. -EINVAL for a case without samples, -ENOMEM.
 * err may be NULL. */
int result_case_summary(const struct bench_case *c, struct result_summary *out,
			struct bb_error *err);

#endif
