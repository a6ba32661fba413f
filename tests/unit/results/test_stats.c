/* Unit tests for bench/stats.c against values worked out by hand (the arithmetic is in the
 * comments) for the type-7 percentile definition stats.h documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "results/stats.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Hand-computed values are exact decimals or square roots: a relative 1e-12 is far tighter
 * than any definition mix-up (type 6 vs 7 moves p90 of 5 samples by whole units). */
#define assert_near(actual, expected) assert_near_at(actual, expected, #actual, __FILE__, __LINE__)

static void assert_near_at(double actual, double expected, const char *what, const char *file,
			   int line)
{
	double tol = fabs(expected) * 1e-12 > 1e-9 ? fabs(expected) * 1e-12 : 1e-9;

	if (!(fabs(actual - expected) <= tol)) {
		print_error("%s: expected %.17g, got %.17g\n", what, expected, actual);
		_fail(file, line);
	}
}

static struct stats compute(const unsigned long long *x, size_t n)
{
	struct bb_error err = { 0 };
	struct stats st;

	assert_int_equal(stats_compute(x, n, &st, &err), 0);
	assert_int_equal(err.code, 0);
	assert_int_equal(st.n, n);
	return st;
}

static void one_sample_has_no_spread(void **state)
{
	const unsigned long long x[] = { 42 };
	struct stats st = compute(x, 1);

	(void)state;
	assert_near(st.mean, 42);
	assert_near(st.median, 42);
	assert_near(st.min, 42);
	assert_near(st.max, 42);
	assert_near(st.p5, 42);
	assert_near(st.p99, 42);
	/* n - 1 = 0: the sample stddev is undefined; stats.h promises 0, and so a cv of 0. */
	assert_near(st.stddev, 0);
	assert_near(st.cv, 0);
	assert_near(st.mad, 0);
}

static void two_samples(void **state)
{
	const unsigned long long x[] = { 20, 10 };
	struct stats st = compute(x, 2);

	(void)state;
	/* sorted 10 20; mean (10 + 20) / 2 = 15 */
	assert_near(st.mean, 15);
	/* h = (2 - 1) * 0.5 = 0.5: 10 + 0.5 * (20 - 10) = 15 */
	assert_near(st.median, 15);
	/* deviations -5, 5: (25 + 25) / (2 - 1) = 50, sqrt(50) = 7.0710678118654755 */
	assert_near(st.stddev, 7.0710678118654755);
	/* 7.0710678118654755 / 15 */
	assert_near(st.cv, 0.47140452079103170);
	/* h = 0.05 -> 10 + 0.05 * 10 = 10.5; h = 0.9 -> 19; 0.95 -> 19.5; 0.99 -> 19.9 */
	assert_near(st.p5, 10.5);
	assert_near(st.p90, 19);
	assert_near(st.p95, 19.5);
	assert_near(st.p99, 19.9);
	/* |10 - 15| = |20 - 15| = 5 */
	assert_near(st.mad, 5);
	assert_near(st.min, 10);
	assert_near(st.max, 20);
}

static void odd_count(void **state)
{
	const unsigned long long x[] = { 50, 10, 40, 20, 30 };
	struct stats st = compute(x, ARRAY_LEN(x));

	(void)state;
	/* sorted 10 20 30 40 50; mean 150 / 5 = 30; median h = 4 * 0.5 = 2 -> x[2] = 30 */
	assert_near(st.mean, 30);
	assert_near(st.median, 30);
	/* deviations -20 -10 0 10 20: 400 + 100 + 0 + 100 + 400 = 1000, / 4 = 250,
	 * sqrt(250) = 15.811388300841896; cv = 15.811388300841896 / 30 */
	assert_near(st.stddev, 15.811388300841896);
	assert_near(st.cv, 0.52704627669472988);
	/* p5:  h = 4 * 0.05 = 0.2  -> 10 + 0.2 * 10 = 12
	 * p90: h = 4 * 0.90 = 3.6  -> 40 + 0.6 * 10 = 46
	 * p95: h = 4 * 0.95 = 3.8  -> 40 + 0.8 * 10 = 48
	 * p99: h = 4 * 0.99 = 3.96 -> 40 + 0.96 * 10 = 49.6 */
	assert_near(st.p5, 12);
	assert_near(st.p90, 46);
	assert_near(st.p95, 48);
	assert_near(st.p99, 49.6);
	/* |x - 30| = 20 10 0 10 20 -> sorted 0 10 10 20 20 -> median 10 */
	assert_near(st.mad, 10);
}

static void even_count(void **state)
{
	const unsigned long long x[] = { 100, 400, 200, 300 };
	struct stats st = compute(x, ARRAY_LEN(x));

	(void)state;
	/* sorted 100 200 300 400; mean 1000 / 4 = 250 */
	assert_near(st.mean, 250);
	/* h = 3 * 0.5 = 1.5 -> 200 + 0.5 * 100 = 250: the mean of the two middle samples */
	assert_near(st.median, 250);
	/* deviations -150 -50 50 150: 22500 + 2500 + 2500 + 22500 = 50000, / 3 = 16666.67,
	 * sqrt = 129.09944487358056 */
	assert_near(st.stddev, 129.09944487358056);
	/* p5:  h = 3 * 0.05 = 0.15 -> 100 + 0.15 * 100 = 115
	 * p90: h = 3 * 0.90 = 2.7  -> 300 + 0.7 * 100 = 370
	 * p95: h = 3 * 0.95 = 2.85 -> 385;  p99: h = 2.97 -> 397 */
	assert_near(st.p5, 115);
	assert_near(st.p90, 370);
	assert_near(st.p95, 385);
	assert_near(st.p99, 397);
	/* |x - 250| = 150 50 50 150 -> sorted 50 50 150 150 -> h = 1.5 -> 50 + 0.5 * 100 = 100 */
	assert_near(st.mad, 100);
}

static void ties(void **state)
{
	const unsigned long long x[] = { 3, 1, 3, 3, 2, 3 };
	const unsigned long long same[] = { 1000, 1000, 1000 };
	struct stats st = compute(x, ARRAY_LEN(x));

	(void)state;
	/* sorted 1 2 3 3 3 3; mean 15 / 6 = 2.5; median h = 5 * 0.5 = 2.5 -> 3 + 0.5 * 0 = 3 */
	assert_near(st.mean, 2.5);
	assert_near(st.median, 3);
	/* deviations from 2.5: -1.5 -0.5 0.5 0.5 0.5 0.5: 2.25 + 0.25 + 4 * 0.25 = 3.5,
	 * / 5 = 0.7, sqrt(0.7) = 0.83666002653407556 */
	assert_near(st.stddev, 0.83666002653407556);
	/* p5: h = 5 * 0.05 = 0.25 -> 1 + 0.25 * (2 - 1) = 1.25; p90: h = 4.5 -> 3 */
	assert_near(st.p5, 1.25);
	assert_near(st.p90, 3);
	/* |x - 3| = 0 2 0 0 1 0 -> sorted 0 0 0 0 1 2 -> h = 2.5 -> 0: a MAD of 0 with spread
	 * present, which anyone dividing by the MAD must expect */
	assert_near(st.mad, 0);

	st = compute(same, ARRAY_LEN(same));
	assert_near(st.stddev, 0);
	assert_near(st.cv, 0);
	assert_near(st.mad, 0);
	assert_near(st.p99, 1000);
}

static void outlier_moves_mean_not_median_or_mad(void **state)
{
	const unsigned long long calm[] = { 100, 101, 102, 103, 104 };
	const unsigned long long spike[] = { 100, 101, 102, 103, 10000 };
	struct stats a = compute(calm, ARRAY_LEN(calm));
	struct stats b = compute(spike, ARRAY_LEN(spike));

	(void)state;
	/* calm: mean 510 / 5 = 102, median 102, |x - 102| = 2 1 0 1 2 -> MAD 1 */
	assert_near(a.mean, 102);
	assert_near(a.median, 102);
	assert_near(a.mad, 1);
	/* spike: median still x[2] = 102; |x - 102| = 2 1 0 1 9898 -> sorted 0 1 1 2 9898 -> 1 */
	assert_near(b.median, 102);
	assert_near(b.mad, 1);
	/* but the mean is (100 + 101 + 102 + 103 + 10000) / 5 = 10406 / 5 = 2081.2 */
	assert_near(b.mean, 2081.2);
	/* sum (x - 2081.2)^2 = 1981.2^2 + 1980.2^2 + 1979.2^2 + 1978.2^2 + 7918.8^2
	 * = 3925153.44 + 3921192.04 + 3917232.64 + 3913275.24 + 62707393.44 = 78384246.8,
	 * / 4 = 19596061.7, sqrt = 4426.7439162436311 */
	assert_near(b.stddev, 4426.7439162436311);
	/* p90: h = 3.6 -> 103 + 0.6 * (10000 - 103) = 6041.2; the tail shows the outlier */
	assert_near(b.p90, 6041.2);
	assert_near(b.max, 10000);
}

static void percentiles_of_an_even_grid(void **state)
{
	/* 0, 10, ..., 100: h = 10q and Q = x[h] interpolated = 10h = 100q exactly */
	unsigned long long x[11];
	struct stats st;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(x); i++)
		x[i] = 10 * (ARRAY_LEN(x) - 1 - i); /* descending: compute must sort */
	st = compute(x, ARRAY_LEN(x));
	assert_near(st.p5, 5);
	assert_near(st.median, 50);
	assert_near(st.p90, 90);
	assert_near(st.p95, 95);
	assert_near(st.p99, 99);
	assert_near(st.min, 0);
	assert_near(st.max, 100);
}

static void quantile_definition(void **state)
{
	const double x[] = { 1, 2, 4, 8 };

	(void)state;
	/* h = 3q: q = 0.25 -> h = 0.75 -> 1 + 0.75 * (2 - 1) = 1.75 (numpy.percentile(x, 25));
	 * q = 1/3 -> h = 1 -> x[1] = 2; q = 0.5 -> h = 1.5 -> 2 + 0.5 * 2 = 3;
	 * q = 0.9 -> h = 2.7 -> 4 + 0.7 * 4 = 6.8 */
	assert_near(stats_quantile_sorted(x, 4, 0.25), 1.75);
	assert_near(stats_quantile_sorted(x, 4, 1.0 / 3), 2);
	assert_near(stats_quantile_sorted(x, 4, 0.5), 3);
	assert_near(stats_quantile_sorted(x, 4, 0.9), 6.8);
	assert_near(stats_quantile_sorted(x, 4, 0), 1);
	assert_near(stats_quantile_sorted(x, 4, 1), 8);
	/* outside [0, 1]: clamped, never read past the array */
	assert_near(stats_quantile_sorted(x, 4, -0.5), 1);
	assert_near(stats_quantile_sorted(x, 4, 1.5), 8);
}

static void large_values_keep_their_spread(void **state)
{
	/* About 17 minutes in ns. A one-pass sum-of-squares would subtract two numbers near
	 * 2e24 and lose the whole spread; deviations -1, 1 -> (1 + 1) / 1 = 2 -> sqrt(2). */
	const unsigned long long x[] = { 1000000000000ULL, 1000000000002ULL };
	struct stats st = compute(x, ARRAY_LEN(x));

	(void)state;
	assert_near(st.mean, 1000000000001.0);
	assert_near(st.stddev, 1.4142135623730951);
	assert_near(st.mad, 1);
}

static void input_is_left_unchanged(void **state)
{
	unsigned long long x[] = { 9, 3, 7, 1, 5, 3 };
	unsigned long long copy[ARRAY_LEN(x)];

	(void)state;
	memcpy(copy, x, sizeof(x));
	compute(x, ARRAY_LEN(x));
	assert_memory_equal(x, copy, sizeof(x));
}

static void no_samples_refused(void **state)
{
	const unsigned long long x[] = { 1 };
	struct bb_error err = { 0 };
	struct stats st;

	(void)state;
	memset(&st, 0xff, sizeof(st));
	assert_int_equal(stats_compute(x, 0, &st, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "no samples"));
	assert_int_equal(st.n, 0);
	assert_near(st.median, 0);
	/* result writers pass no error carrier */
	assert_int_equal(stats_compute(NULL, 0, &st, NULL), -EINVAL);
}

static void median_ratio(void **state)
{
	const unsigned long long old[] = { 100, 100, 120 }, new[] = { 107, 107, 900 },
				 zero[] = { 0, 0 };
	struct bb_error err = { 0 };
	struct stats a = compute(old, 3), b = compute(new, 3), z = compute(zero, 2), empty = { 0 };
	double r;

	(void)state;
	/* medians 107 / 100 */
	assert_int_equal(stats_median_ratio(&b, &a, &r, &err), 0);
	assert_near(r, 1.07);
	assert_int_equal(stats_median_ratio(&a, &z, &r, &err), -EDOM);
	assert_non_null(strstr(err.msg, "median is 0"));
	assert_near(r, 0);
	assert_int_equal(stats_median_ratio(&empty, &a, &r, NULL), -EDOM);
}

static void fields_by_aggregate_name(void **state)
{
	const unsigned long long x[] = { 50, 10, 40, 20, 30 };
	struct stats st = compute(x, ARRAY_LEN(x));
	double v;

	(void)state;
	assert_int_equal(stats_get(&st, "p90", &v), 0);
	assert_near(v, 46);
	assert_int_equal(stats_get(&st, "mad", &v), 0);
	assert_near(v, 10);
	assert_int_equal(stats_get(&st, "cv", &v), 0);
	assert_near(v, st.cv);
	assert_int_equal(stats_get(&st, "max", &v), 0);
	assert_near(v, 50);
	assert_int_equal(stats_get(&st, "p50", &v), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_sample_has_no_spread),
		cmocka_unit_test(two_samples),
		cmocka_unit_test(odd_count),
		cmocka_unit_test(even_count),
		cmocka_unit_test(ties),
		cmocka_unit_test(outlier_moves_mean_not_median_or_mad),
		cmocka_unit_test(percentiles_of_an_even_grid),
		cmocka_unit_test(quantile_definition),
		cmocka_unit_test(large_values_keep_their_spread),
		cmocka_unit_test(input_is_left_unchanged),
		cmocka_unit_test(no_samples_refused),
		cmocka_unit_test(median_ratio),
		cmocka_unit_test(fields_by_aggregate_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
