/* Pairs result files' benchmarks by name and gives each pair a verdict, for `boxbench compare`:
 * the regression gate. A row's change is a ratio with an interval (shift_interval.h) widened by
 * how far the row moves between runs on this machine; the verdict follows from where that
 * interval lies against +-threshold, with the false discovery rate controlled over all rows
 * (fdr.h), so noise is neither called a change nor allowed to silence one. */
#ifndef BOXBENCH_COMPARE_H
#define BOXBENCH_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "result.h"

/* Below this many samples a side no interval means much. */
#define COMPARE_MIN_SAMPLES 5
/* The between-run spread is estimated from the rows of one comparison when it has at least this
 * many judged rows, and per row from a baseline of at least COMPARE_MIN_BASELINE runs. */
#define COMPARE_MIN_SPREAD_ROWS 8
#define COMPARE_MIN_BASELINE	3

enum compare_verdict {
	VERDICT_SAME, /* the interval lies within +-threshold: evidence of no change */
	VERDICT_REGRESSION, /* beyond +threshold, after the FDR control */
	VERDICT_IMPROVEMENT, /* beyond -threshold, likewise */
	VERDICT_INCONCLUSIVE, /* neither: the noise is too large to tell */
	VERDICT_ADDED,
	VERDICT_REMOVED,
	VERDICT_COUNT,
};

struct compare_opts {
	double alpha; /* intervals at 1 - alpha, and the equivalence test's level (0.05) */
	double threshold; /* the smallest change that matters, a fraction (0.05) */
	double fdr; /* the false discovery rate over the rows of one comparison (0.05) */
	const char *const *strip; /* parameter keys dropped from names before pairing */
	size_t n_strip;
	/* Judge each row's change against the run-wide shift (compare_result.shift) instead of
	 * against 1: a change that slows every row alike is then invisible. */
	bool normalize;
};

struct compare_side {
	size_t n;
	double median, mean, min, max;
	double cv; /* stddev / mean */
	double rcv; /* 1.4826 x MAD / median: the robust spread */
};

struct compare_row {
	char *name; /* after --strip-param */
	bool has_old, has_new;
	struct compare_side old, new; /* old: every baseline run's samples together */
	/* The rest is for judged rows (both sides with COMPARE_MIN_SAMPLES or more). */
	bool judged;
	double change; /* new/old - 1: the Hodges-Lehmann ratio, over the shift with normalize */
	double lo, hi; /* change's interval at 1 - alpha, between-run spread included */
	double se_samples; /* standard error of log(ratio) from the samples alone */
	double spread; /* between-run standard deviation of log(ratio) that joins it */
	const char *spread_from; /* "baseline", "scenario" or "all rows" */
	double se; /* sqrt(se_samples^2 + spread^2) */
	double p; /* of "the change is within +-threshold", two-sided */
	double q; /* p adjusted over the comparison's rows (Benjamini-Hochberg) */
	/* The smallest change this pair would flag (half the time), as a fraction: threshold
	 * plus what the noise hides at the level a lone change must reach among n rows. */
	double resolution;
	/* Repetitions a side that would bring resolution to twice the threshold; 0 when none
	 * would: the between-run spread alone is larger. */
	size_t reps_needed;
	enum compare_verdict verdict;
	const char *why; /* a few words: "interval beyond +5%", ... */
};

struct compare_result {
	struct compare_row *rows;
	size_t n;
	size_t count[VERDICT_COUNT];
	size_t n_judged;
	/* The run-wide shift: the median over judged rows of their new/old ratios (before any
	 * normalizing), with its distribution-free interval at 1 - alpha. Far from 1 when the
	 * rows moved together: a slower or busier machine, or a change that slows everything.
	 * 0 when no row is judged. */
	double shift, shift_lo, shift_hi;
	/* The between-run spread for rows without one of their own or their scenario's (log
	 * sd): the scatter of this comparison's rows, when there were enough of them
	 * (spread_estimated), else 0. */
	double spread;
	bool spread_estimated;
	size_t n_baseline; /* old runs; with COMPARE_MIN_BASELINE or more, each row has its own */
	double z_gate; /* the z a lone change among n_judged rows must reach at the FDR */
	/* Over judged rows: the median and largest resolution, the median reps_needed (0 when
	 * at least half cannot reach it). */
	double resolution_median, resolution_max;
	size_t reps_needed_median;
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

/* Compares new against old[0..n_old): one old run, or a baseline of several (a row's samples of
 * every run together, and with COMPARE_MIN_BASELINE runs or more its own between-run spread).
 * A row is in the baseline when any of its runs has it. */
int compare_results(const struct result *const *old, size_t n_old, const struct result *new,
		    const struct compare_opts *opts, struct compare_result *out,
		    struct bb_error *err);

void compare_result_free(struct compare_result *r);

const char *compare_verdict_name(enum compare_verdict v);

#endif
