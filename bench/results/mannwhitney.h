/* The two-sided Mann-Whitney U (Wilcoxon rank-sum) test that `boxbench compare` judges a change
 * with: it asks only whether one sample tends to be larger, so a few slow outliers (page
 * faults, a preempted vCPU) cannot fake or hide a change the way they move a mean. */
#ifndef BOXBENCH_MANNWHITNEY_H
#define BOXBENCH_MANNWHITNEY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* Up to this many samples a side (and without ties) p is exact; the U distribution table then
 * needs (n1 + 1) * (n1 * n2 + 1) doubles, about 1 MiB at 50 x 50. */
#define MW_EXACT_MAX 50

struct mw_result {
	double u1; /* U of the first sample: pairs (a, b) with a > b, ties counting 1/2 */
	double u2; /* n1 * n2 - u1 */
	double p; /* two-sided */
	double z; /* the normal approximation's z (continuity corrected); 0 when exact */
	bool exact; /* p from the exact distribution rather than the normal approximation */
	bool ties; /* some value occurs in both samples or twice in one */
};

/* Tests a[0..n1) against b[0..n2); neither array is changed. Exact p when there are no ties
 * and both sides have at most MW_EXACT_MAX samples, otherwise the normal approximation with
 * the tie correction of the variance and a continuity correction of 1/2. -EINVAL when either
 * side is empty, -ENOMEM. err may be NULL. */
int mw_test(const double *a, size_t n1, const double *b, size_t n2, struct mw_result *out,
	    struct bb_error *err);

/* Exact two-sided p of U = u for samples of n1 and n2 without ties: 2 * P(U <= min(u, n1 n2 -
 * u)), at most 1. -EINVAL when a side is empty or larger than MW_EXACT_MAX, -ENOMEM. */
int mw_exact_p(size_t n1, size_t n2, double u, double *p);

/* The largest U whose exact two-sided p is <= alpha (what published tables list as the
 * critical value), or -1 when no U is that extreme. -EINVAL/-ENOMEM as for mw_exact_p. */
int mw_critical_u(size_t n1, size_t n2, double alpha, long *u);

#endif
