/* Between the result reader (result_read.c) and its format adapters only: each adapter turns
 * its format's measured rows into result_rows, and the reader checks them and groups them into
 * cases, so every format is checked by the same rules. */
#ifndef BOXBENCH_RESULT_READ_INTERNAL_H
#define BOXBENCH_RESULT_READ_INTERNAL_H

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/error.h"
#include "result.h"

/* One measured sample as an adapter found it. */
struct result_row {
	const char *name; /* borrowed from the document */
	const char *source; /* borrowed; NULL: "wall" */
	size_t at; /* its place: benchmarks[at], or results[at].times[time] */
	size_t time; /* SIZE_MAX for a benchmarks row */
	struct result_sample s; /* wall_ns in ns; repetition -1 when the file gives none */
};

struct result_rows {
	struct result_row *v;
	size_t n, cap;
};

static inline int result_rows_push(struct result_rows *rows, const struct result_row *row)
{
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? 2 * rows->cap : 64;
		struct result_row *grown = realloc(rows->v, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		rows->v = grown;
		rows->cap = cap;
	}
	rows->v[rows->n++] = *row;
	return 0;
}

/* google/benchmark's "benchmarks" array (boxbench's own is one): its iteration rows (a row
 * without run_type is one too, as google/benchmark writes them without repetitions), failed
 * ones left out, real_time scaled by time_unit. */
int result_read_gbench(const char *path, json_t *benchmarks, struct result_rows *out,
		       struct bb_error *err);

/* hyperfine's "results" array: each command's times[], in seconds. */
int result_read_hyperfine(const char *path, json_t *results, struct result_rows *out,
			  struct bb_error *err);

#endif
