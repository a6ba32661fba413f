/* Benjamini-Hochberg: with many rows in one comparison, each tested at level q, some would be
 * flagged by chance alone (186 rows at 5% is nine false alarms). The adjusted p-values keep the
 * expected share of false discoveries among the flagged rows at q or below: flag a row when
 * its adjusted p is <= q. */
#ifndef BOXBENCH_FDR_H
#define BOXBENCH_FDR_H

#include <stddef.h>

/* adj[i] = min over the rows ranked at or above p[i] of p * n / rank, at most 1 (ranks from the
 * smallest p; ties in p get the same adjusted value). p is only read; NaN counts as 1.
 * -ENOMEM, else 0. */
int fdr_bh_adjust(const double *p, size_t n, double *adj);

#endif
