/* The standard normal distribution, for the gate's z-scores and interval widths. */
#ifndef BOXBENCH_NORMAL_DIST_H
#define BOXBENCH_NORMAL_DIST_H

/* P(Z <= z). */
double normal_cdf(double z);

/* The z with P(Z <= z) = p, for p in (0, 1); -inf at 0, +inf at 1, NaN outside. Relative error
 * below 1e-12 (a rational first guess refined by Halley steps on normal_cdf). */
double normal_quantile(double p);

#endif
