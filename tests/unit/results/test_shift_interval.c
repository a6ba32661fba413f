/* Unit tests for the gate's statistics against hand-computed values: the Hodges-Lehmann shift
 * and its rank interval (bench/results/shift_interval.c), Benjamini-Hochberg (fdr.c) and the
 * normal quantile (normal_dist.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>

#include "results/fdr.h"
#include "results/normal_dist.h"
#include "results/shift_interval.h"

#define near(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* b = 2 a on five primes: the differences are log 2 + log(p_j / p_i), whose median is log 2
 * (the 25 ratios pair off as r and 1/r around the five 1s). No value repeats, so k is exact:
 * for 5 x 5 at alpha 0.05 the table's critical U is 2 (P(U <= 2) = 4/252, two-sided 0.032;
 * P(U <= 3) = 7/252, 0.056), so k = 3: the third smallest ratio p_j / p_i is 5/13 (after 3/13
 * and 3/11), the third largest 13/5. */
static void shift_of_a_doubled_sample_and_its_exact_interval(void **state)
{
	const double a[] = { 3, 5, 7, 11, 13 }, b[] = { 6, 10, 14, 22, 26 };
	struct shift_interval si;

	(void)state;
	assert_int_equal(shift_interval(a, 5, b, 5, 0.05, &si, NULL), 0);
	near(si.shift, log(2), 1e-12);
	assert_true(si.exact);
	assert_int_equal(si.k, 3);
	near(si.lo, log(2.0 * 5 / 13), 1e-12);
	near(si.hi, log(2.0 * 13 / 5), 1e-12);
	/* The other way round: the negative shift, the interval mirrored. */
	assert_int_equal(shift_interval(b, 5, a, 5, 0.05, &si, NULL), 0);
	near(si.shift, -log(2), 1e-12);
	near(si.lo, -log(2.0 * 13 / 5), 1e-12);
}

/* 60 a side is past the exact table: k = floor(N/2 - z sqrt(N (n1 + n2 + 1) / 12)) with
 * N = 3600: 1800 - 1.959964 x sqrt(36300) = 1800 - 373.43, so k = 1426. b = a e^0.1 makes
 * the differences 0.1 + log(j / i), whose middle two are both 0.1. */
static void large_samples_take_the_normal_approximation(void **state)
{
	double a[60], b[60];
	struct shift_interval si;

	(void)state;
	for (int i = 0; i < 60; i++) {
		a[i] = 1000 + 10 * i;
		b[i] = a[i] * exp(0.1);
	}
	assert_int_equal(shift_interval(a, 60, b, 60, 0.05, &si, NULL), 0);
	assert_false(si.exact);
	assert_int_equal(si.k, 1426);
	near(si.shift, 0.1, 1e-12);
	assert_true(si.lo < 0.1 && si.hi > 0.1);
	near(si.lo - 0.1, -(si.hi - 0.1), 1e-9); /* symmetric samples, symmetric interval */
}

/* 3 against 3 has no U extreme enough for 95% (the smallest two-sided p is 2/20): no interval. */
static void too_few_samples_have_no_interval(void **state)
{
	const double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 };
	struct shift_interval si;

	(void)state;
	assert_int_equal(shift_interval(a, 3, b, 3, 0.05, &si, NULL), 0);
	assert_int_equal(si.k, 0);
	assert_true(isinf(si.lo) && si.lo < 0 && isinf(si.hi) && si.hi > 0);
	assert_int_equal(shift_interval(a, 0, b, 3, 0.05, &si, NULL), -EINVAL);
	{
		const double z[] = { 1, 0, 3 };

		assert_int_equal(shift_interval(z, 3, b, 3, 0.05, &si, NULL), -EINVAL);
	}
}

/* The k-th difference without forming them, against the sorted list by hand:
 * y - x for x = {0, 1, 3}, y = {2, 4}: 2, 1, -1, 4, 3, 1 -> -1, 1, 1, 2, 3, 4. */
static void kth_difference_walks_the_sorted_differences(void **state)
{
	const double x[] = { 0, 1, 3 }, y[] = { 2, 4 }, want[] = { -1, 1, 1, 2, 3, 4 };

	(void)state;
	for (size_t k = 1; k <= 6; k++)
		near(shift_kth_difference(x, 3, y, 2, k), want[k - 1], 1e-12);
}

/* p = {0.01, 0.04, 0.03, 0.005}: ranked 0.005, 0.01, 0.03, 0.04; p x 4 / rank = 0.02, 0.02,
 * 0.04, 0.04; the running minimum from the top leaves them so. */
static void benjamini_hochberg_by_hand(void **state)
{
	const double p[] = { 0.01, 0.04, 0.03, 0.005 }, want[] = { 0.02, 0.04, 0.04, 0.02 };
	const double p2[] = { 0.5, 0.001, NAN }, want2[] = { 0.75, 0.003, 1 };
	double adj[4];

	(void)state;
	assert_int_equal(fdr_bh_adjust(p, 4, adj), 0);
	for (int i = 0; i < 4; i++)
		near(adj[i], want[i], 1e-15);
	/* NaN counts as 1; 0.5 x 3 / 2 = 0.75; 0.001 x 3 / 1. */
	assert_int_equal(fdr_bh_adjust(p2, 3, adj), 0);
	for (int i = 0; i < 3; i++)
		near(adj[i], want2[i], 1e-15);
}

static void normal_quantile_against_tables(void **state)
{
	(void)state;
	near(normal_quantile(0.975), 1.959963984540054, 1e-12);
	near(normal_quantile(0.5), 0, 1e-15);
	near(normal_quantile(0.05), -1.644853626951472, 1e-12);
	near(normal_quantile(1e-10), -6.361340902404056, 1e-9);
	near(normal_quantile(1 - 1e-6), 4.753424308822899, 1e-9);
	near(normal_cdf(1.96), 0.9750021048517795, 1e-14);
	assert_true(isinf(normal_quantile(0)) && isinf(normal_quantile(1)));
	assert_true(isnan(normal_quantile(1.5)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shift_of_a_doubled_sample_and_its_exact_interval),
		cmocka_unit_test(large_samples_take_the_normal_approximation),
		cmocka_unit_test(too_few_samples_have_no_interval),
		cmocka_unit_test(kth_difference_walks_the_sorted_differences),
		cmocka_unit_test(benjamini_hochberg_by_hand),
		cmocka_unit_test(normal_quantile_against_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
