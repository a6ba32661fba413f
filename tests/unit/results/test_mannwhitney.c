/* Unit tests for bench/mannwhitney.c: exact critical values against the published table, the
 * exact distribution against brute-force enumeration, and the normal approximation (with ties)
 * against values worked out by hand (the arithmetic is in the comments). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>

#include "results/mannwhitney.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define assert_near(actual, expected, tol) \
	assert_near_at(actual, expected, tol, #actual, __FILE__, __LINE__)

static void assert_near_at(double actual, double expected, double tol, const char *what,
			   const char *file, int line)
{
	if (!(fabs(actual - expected) <= tol)) {
		print_error("%s: expected %.17g, got %.17g\n", what, expected, actual);
		_fail(file, line);
	}
}

static long critical(size_t n1, size_t n2, double alpha)
{
	long u;

	assert_int_equal(mw_critical_u(n1, n2, alpha, &u), 0);
	return u;
}

/*
 * Critical values of U for a two-sided test, from the standard table (e.g. Zar, Biostatistical
 * Analysis, table B.11; the same numbers are in most statistics textbooks' "Critical values of
 * the Mann-Whitney U" table): reject when U <= the value.
 */
static void critical_values_match_the_table(void **state)
{
	static const struct {
		size_t n1, n2;
		long u05, u01; /* alpha 0.05 and 0.01, two-sided */
	} table[] = {
		{ 5, 5, 2, 0 },	    { 5, 10, 8, 4 },	{ 6, 6, 5, 2 },	      { 8, 8, 13, 7 },
		{ 10, 10, 23, 16 }, { 12, 15, 49, 37 }, { 20, 20, 127, 105 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(table); i++) {
		assert_int_equal(critical(table[i].n1, table[i].n2, 0.05), table[i].u05);
		assert_int_equal(critical(table[i].n1, table[i].n2, 0.01), table[i].u01);
		/* The test is symmetric in which sample comes first. */
		assert_int_equal(critical(table[i].n2, table[i].n1, 0.05), table[i].u05);
	}
	/* 3 against 3: even U = 0 has p = 2/20 = 0.1, so nothing is significant at 0.05. */
	assert_int_equal(critical(3, 3, 0.05), -1);
}

/* n1 = 4, n2 = 6: all C(10, 4) = 210 orderings enumerated (itertools.combinations over rank
 * positions); the counts of U = 0, 1, 2, ... are 1, 1, 2, 3, 5, 7, 9, 11, 14, 16, 18, 19, 20
 * up to the middle, so p(U = 3) = 2 * (1 + 1 + 2 + 3) / 210 = 14/210. */
static void exact_p_matches_enumeration(void **state)
{
	static const double want[] = {
		2.0 / 210,   4.0 / 210,	  8.0 / 210,  14.0 / 210,  24.0 / 210,
		36.0 / 210,  54.0 / 210,  74.0 / 210, 100.0 / 210, 128.0 / 210,
		160.0 / 210, 192.0 / 210, 1, /* U = 12 is the middle: 2 * 115/210 > 1, capped */
	};
	double p;

	(void)state;
	for (size_t u = 0; u < ARRAY_LEN(want); u++) {
		assert_int_equal(mw_exact_p(4, 6, (double)u, &p), 0);
		assert_near(p, want[u], 1e-15);
		/* Symmetric: U and n1 n2 - U are equally extreme. */
		assert_int_equal(mw_exact_p(4, 6, (double)(24 - u), &p), 0);
		assert_near(p, want[u], 1e-15);
	}
}

static void separated_samples_are_exact(void **state)
{
	const double a[] = { 3, 1, 2 }, b[] = { 6, 4, 5 };
	struct mw_result r;

	(void)state;
	assert_int_equal(mw_test(a, 3, b, 3, &r, NULL), 0);
	assert_true(r.exact);
	assert_false(r.ties);
	/* No a beats any b: U1 = 0, U2 = 9; P(U <= 0) = 1/C(6,3) = 1/20, two-sided 0.1. */
	assert_near(r.u1, 0, 0);
	assert_near(r.u2, 9, 0);
	assert_near(r.p, 0.1, 1e-15);
}

static void interleaved_samples(void **state)
{
	const double a[] = { 1, 3, 5, 7, 9 }, b[] = { 2, 4, 6, 8, 10 };
	struct mw_result r;

	(void)state;
	assert_int_equal(mw_test(a, 5, b, 5, &r, NULL), 0);
	/* a beats 0 + 1 + 2 + 3 + 4 of the b's: U1 = 10. For 5 x 5 the counts of U = 0..10 are
	 * 1 1 2 3 5 7 9 11 14 16 18 (sum 87) of C(10, 5) = 252: p = 2 * 87/252 = 0.6904761904... */
	assert_near(r.u1, 10, 0);
	assert_near(r.p, 174.0 / 252, 1e-15);
	/* Swapping the samples gives the other U and the same p. */
	assert_int_equal(mw_test(b, 5, a, 5, &r, NULL), 0);
	assert_near(r.u1, 15, 0);
	assert_near(r.p, 174.0 / 252, 1e-15);
}

static void one_tie_uses_the_normal_approximation(void **state)
{
	const double a[] = { 1, 2, 3 }, b[] = { 3, 4, 5 };
	struct mw_result r;

	(void)state;
	assert_int_equal(mw_test(a, 3, b, 3, &r, NULL), 0);
	assert_false(r.exact);
	assert_true(r.ties);
	/*
	 * Ranks 1 2 3.5 | 3.5 5 6: R1 = 6.5, U1 = 6.5 - 3 * 4 / 2 = 0.5. mu = 9/2 = 4.5.
	 * One tie of 2: sum(t^3 - t) = 6. var = 9/12 * (7 - 6 / (6 * 5)) = 0.75 * 6.8 = 5.1.
	 * z = (|0.5 - 4.5| - 0.5) / sqrt(5.1) = 3.5 / 2.2583179... = 1.5498260496951668,
	 * p = erfc(z / sqrt(2)) = 0.12118327283746322.
	 */
	assert_near(r.u1, 0.5, 0);
	assert_near(r.z, 1.5498260496951668, 1e-12);
	assert_near(r.p, 0.12118327283746322, 1e-12);
}

static void runs_of_ties(void **state)
{
	const double a[] = { 10, 20, 20, 30, 40, 50 }, b[] = { 20, 30, 30, 60, 70, 80, 90 };
	struct mw_result r;

	(void)state;
	assert_int_equal(mw_test(a, 6, b, 7, &r, NULL), 0);
	/*
	 * Sorted: 10a | 20a 20a 20b (ranks 2-4: 3) | 30a 30b 30b (5-7: 6) | 40a 8 | 50a 9 | 60..90b.
	 * R1 = 1 + 3 + 3 + 6 + 8 + 9 = 30, U1 = 30 - 6 * 7 / 2 = 9; mu = 42 / 2 = 21.
	 * Two ties of 3: sum(t^3 - t) = 48. var = 42/12 * (14 - 48 / (13 * 12)) = 47.923076923...
	 * z = (12 - 0.5) / sqrt(47.923...) = 1.6612136583292296, p = 0.09667054340670096.
	 */
	assert_near(r.u1, 9, 0);
	assert_near(r.z, 1.6612136583292296, 1e-12);
	assert_near(r.p, 0.09667054340670096, 1e-12);
}

static void large_samples_use_the_normal_approximation(void **state)
{
	double a[60], b[60];
	struct mw_result r;

	(void)state;
	for (int i = 0; i < 60; i++) {
		a[i] = i + 1;
		b[i] = i + 31.5;
	}
	assert_int_equal(mw_test(a, 60, b, 60, &r, NULL), 0);
	/* 60 > MW_EXACT_MAX. a's values 32..60 beat 1..29 of b's (values 31.5 + 0..28):
	 * U1 = sum_{k=1}^{29} k = 435. mu = 1800, var = 3600/12 * 121 = 36300 (no ties),
	 * z = (1365 - 0.5) / sqrt(36300) = 7.1617676573567675, p = 7.964332670470494e-13. */
	assert_false(r.exact);
	assert_near(r.u1, 435, 0);
	assert_near(r.z, 7.1617676573567675, 1e-12);
	assert_near(r.p, 7.964332670470494e-13, 1e-22);
}

static void all_equal_is_p_one(void **state)
{
	const double a[] = { 5, 5, 5 }, b[] = { 5, 5 };
	struct mw_result r;

	(void)state;
	assert_int_equal(mw_test(a, 3, b, 2, &r, NULL), 0);
	assert_near(r.u1, 3, 0);
	assert_near(r.p, 1, 0);
}

static void empty_side_is_rejected(void **state)
{
	const double a[] = { 1 };
	struct bb_error err = { 0 };
	struct mw_result r;
	double p;

	(void)state;
	assert_int_equal(mw_test(a, 1, a, 0, &r, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(mw_exact_p(0, 3, 0, &p), -EINVAL);
	assert_int_equal(mw_exact_p(3, MW_EXACT_MAX + 1, 0, &p), -EINVAL);
}

/* The far tail at the largest exact size: only additions, so the relative error stays tiny.
 * P(U = 0) = 1 / C(100, 50) = 1 / 100891344545564193334812497256. */
static void extreme_tail_keeps_precision(void **state)
{
	double p;

	(void)state;
	assert_int_equal(mw_exact_p(50, 50, 0, &p), 0);
	assert_near(p / (2 / 100891344545564193334812497256.0), 1, 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(critical_values_match_the_table),
		cmocka_unit_test(exact_p_matches_enumeration),
		cmocka_unit_test(separated_samples_are_exact),
		cmocka_unit_test(interleaved_samples),
		cmocka_unit_test(one_tie_uses_the_normal_approximation),
		cmocka_unit_test(runs_of_ties),
		cmocka_unit_test(large_samples_use_the_normal_approximation),
		cmocka_unit_test(all_equal_is_p_one),
		cmocka_unit_test(empty_side_is_rejected),
		cmocka_unit_test(extreme_tail_keeps_precision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
