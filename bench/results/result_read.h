/* Reads a result file for `boxbench compare`: boxbench's own JSON, google/benchmark's (the same
 * shape) and hyperfine's --export-json, reduced to what a comparison needs: per benchmark name,
 * its measured samples in ns, and the context that says what was measured. */
#ifndef BOXBENCH_RESULT_READ_H
#define BOXBENCH_RESULT_READ_H

#include <jansson.h>
#include <stddef.h>

#include "common/error.h"

/* The newest schema_version this reader knows; a newer file may mean something else. */
#define RESULT_SCHEMA_VERSION 1

/* The longest time one row may claim, in ns (about 31 years): a larger number is a unit error
 * or a forgery, and sums of such numbers overflow. */
#define RESULT_MAX_NS 1e18

enum result_format {
	RESULT_BOXBENCH, /* google/benchmark shape with context.schema_version */
	RESULT_GBENCH, /* google/benchmark shape, no schema_version */
	RESULT_HYPERFINE,
};

struct result_series {
	char *name;
	double *ns; /* one per measured repetition, in file order */
	size_t n, cap;
};

struct result_file {
	enum result_format format;
	json_t *context; /* owned; NULL for hyperfine, which records none */
	struct result_series *series;
	size_t n, cap;
	json_t *index; /* name -> position in series: big files read in linear time */
};

/* Reads path into *out. Every failure (missing, empty, not JSON, truncated, no benchmarks, no
 * measured rows, a schema newer than RESULT_SCHEMA_VERSION, a time that is not in
 * (0, RESULT_MAX_NS], a name with a control character, which would reach a terminal or a CI
 * comment) returns a negative errno with a message that names the file, the row and the
 * reason; *out is then empty. */
int result_read(const char *path, struct result_file *out, struct bb_error *err);

void result_file_free(struct result_file *f);

const char *result_format_name(enum result_format format);

#endif
