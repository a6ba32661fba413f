/* Pairs two result files' benchmarks by name and gives each pair a verdict, for `boxbench
 * compare`: a change is only called when the rank test, the size of the change and the
 * samples' ranges all agree, so run-to-run noise does not fail a CI job. */
#ifndef BOXBENCH_COMPARE_H
#define BOXBENCH_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "mannwhitney.h"
#include "result.h"

/* Below this many samples a side neither the rank test nor the CV mean much. */
#define COMPARE_MIN_SAMPLES 5

enum compare_verdict {
	VERDICT_SAME,
	VERDICT_REGRESSION,
	VERDICT_IMPROVEMENT,
	VERDICT_UNSTABLE,
	VERDICT_ADDED,
	VERDICT_REMOVED,
	VERDICT_COUNT,
};

struct compare_opts {
	double alpha; /* p must be below this (0.01) */
	double threshold; /* |median change| must exceed this fraction (0.05) ... */
	double max_cv; /* ... and 2x the noisier CV; above max_cv a side is unstable (0.10) */
	const char *const *strip; /* parameter keys dropped from names before pairing */
	size_t n_strip;
	/* Divide the new samples by the machine-wide shift before judging: each row is then
	 * judged by how it moved against all the others (see compare_result.shift). */
	bool normalize;
};

struct compare_side {
	size_t n;
	double median, mean, min, max;
	double cv; /* stddev / mean, reported */
	double rcv; /* 1.4826 x MAD / median: the robust spread the verdict uses */
};

struct compare_row {
	char *name; /* after --strip-param */
	bool has_old, has_new;
	struct compare_side old, new;
	double change; /* (new - old) / old median; 0 when the old median is 0 */
	struct mw_result mw; /* valid when both sides have samples */
	enum compare_verdict verdict;
	const char *why; /* a few words: "p 0.03 >= alpha", "ranges overlap", ... */
};

struct compare_result {
	struct compare_row *rows;
	size_t n;
	size_t count[VERDICT_COUNT];
	/* The median over paired rows of new median / old median, before any normalizing: far
	 * from 1 when every row moved together, which a slower or busier machine does and a
	 * code change rarely does. 0 when no row is paired. */
	double shift;
	size_t n_shift; /* the paired rows it is the median of */
};

/* Names of the context fields whose difference makes two results incomparable. */
extern const char *const compare_context_keys[];

/* Fills *diffs (malloc'd lines "kernel_release: \"6.1\" (old) vs \"6.2\" (new)") with every
 * such field that differs, or sets *n to 0. Finds nothing when a file has no context to check:
 * ask compare_context_missing() first. */
int compare_contexts(const struct result *old, const struct result *new, char ***diffs, size_t *n,
		     struct bb_error *err);

/* Why f's context cannot be checked ("it has no context", as hyperfine's files have none; "its
 * context has none of the fields compared", as google/benchmark's), or NULL when it can: then
 * nothing says both results were measured under the same conditions. */
const char *compare_context_missing(const struct result *f);

/* "lookup/depth:8/target:absent" without key "depth" -> "lookup/target:absent" (malloc'd). */
char *compare_strip_params(const char *name, const char *const *keys, size_t n_keys);

int compare_results(const struct result *old, const struct result *new,
		    const struct compare_opts *opts, struct compare_result *out,
		    struct bb_error *err);

void compare_result_free(struct compare_result *r);

const char *compare_verdict_name(enum compare_verdict v);

#endif
