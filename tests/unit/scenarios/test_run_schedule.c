/* Unit tests for the run's blocks (scenarios/run_schedule.c) and settle specs (run_settle.c):
 * every measured iteration scheduled once, blocks as even as reps allow, a pace:idle case's
 * iterations each alone, each pace's plan, the same seed the same order, and the settle grammar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "scenarios/run_schedule.h"
#include "scenarios/run_settle.h"

/* n cases of one plan. */
static int make(size_t n, unsigned reps, unsigned block, unsigned primers, unsigned long long seed,
		struct run_schedule *s)
{
	struct run_case_plan plans[32];

	for (size_t i = 0; i < n; i++)
		plans[i] = (struct run_case_plan){ reps, block, primers, false };
	return run_schedule_make(plans, n, seed, s);
}

static void every_measured_iteration_once_in_even_blocks(void **state)
{
	struct run_schedule s;
	unsigned measured[3] = { 0 }, blocks[3] = { 0 };

	(void)state;
	assert_int_equal(make(3, 42, 10, 1, 7, &s), 0);
	/* 42 in blocks of at most 10: 5 blocks of 8 or 9, never 10+10+10+10+2. */
	assert_int_equal(s.n, 15);
	for (size_t i = 0; i < s.n; i++) {
		assert_true(s.blocks[i].case_index < 3);
		assert_int_equal(s.blocks[i].primers, 1);
		assert_in_range(s.blocks[i].measured, 8, 9);
		measured[s.blocks[i].case_index] += s.blocks[i].measured;
		blocks[s.blocks[i].case_index]++;
	}
	for (int c = 0; c < 3; c++) {
		assert_int_equal(measured[c], 42);
		assert_int_equal(blocks[c], 5);
	}
	assert_int_equal(s.iterations, 3 * (42 + 5));
	run_schedule_free(&s);
}

static void block_of_one_is_the_old_interleaving(void **state)
{
	struct run_schedule s;

	(void)state;
	assert_int_equal(make(2, 5, 1, 0, 1, &s), 0);
	assert_int_equal(s.n, 10);
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(s.blocks[i].measured, 1);
	run_schedule_free(&s);
	/* A block larger than reps is one block of reps. */
	assert_int_equal(make(2, 5, 100, 2, 1, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.blocks[0].measured, 5);
	assert_int_equal(s.iterations, 14);
	run_schedule_free(&s);
}

static void idle_cases_run_each_iteration_alone(void **state)
{
	const struct run_case_plan plans[] = { { 10, 5, 1, false }, { 4, 1, 0, true } };
	struct run_schedule s;
	unsigned idle = 0;

	(void)state;
	assert_int_equal(run_schedule_make(plans, 2, 3, &s), 0);
	assert_int_equal(s.n, 2 + 4);
	for (size_t i = 0; i < s.n; i++) {
		if (s.blocks[i].case_index != 1) {
			assert_false(s.blocks[i].idle);
			continue;
		}
		assert_true(s.blocks[i].idle);
		assert_int_equal(s.blocks[i].measured, 1);
		assert_int_equal(s.blocks[i].primers, 0);
		idle++;
	}
	assert_int_equal(idle, 4);
	assert_int_equal(s.iterations, 12 + 4);
	run_schedule_free(&s);
}

/* Which pace gets which plan: an idle case's iteration alone and unprimed, an after-teardown
 * one led by exactly one primer (the start that is torn down), both after an idle settle; the
 * others at the run's blocks and primers. */
static void each_pace_has_its_plan(void **state)
{
	struct run_case_plan p;

	(void)state;
	p = run_case_plan_for(PACE_SUITE, 40, 5, 2);
	assert_true(p.reps == 40 && p.block == 5 && p.primers == 2 && !p.idle);
	p = run_case_plan_for(PACE_BACK_TO_BACK, 40, 5, 2);
	assert_true(p.reps == 40 && p.block == 5 && p.primers == 2 && !p.idle);
	p = run_case_plan_for(PACE_IDLE, 40, 5, 2);
	assert_true(p.reps == 40 && p.block == 1 && p.primers == 0 && p.idle);
	p = run_case_plan_for(PACE_AFTER_TEARDOWN, 40, 5, 0);
	assert_true(p.reps == 40 && p.block == 1 && p.primers == 1 && p.idle);
}

static void same_seed_same_order_other_seed_other_order(void **state)
{
	struct run_schedule a, b, c;
	bool differs = false;

	(void)state;
	assert_int_equal(make(20, 40, 10, 1, 5, &a), 0);
	assert_int_equal(make(20, 40, 10, 1, 5, &b), 0);
	assert_int_equal(make(20, 40, 10, 1, 6, &c), 0);
	assert_memory_equal(a.blocks, b.blocks, a.n * sizeof(*a.blocks));
	for (size_t i = 0; i < a.n; i++)
		differs |= a.blocks[i].case_index != c.blocks[i].case_index;
	assert_true(differs);
	run_schedule_free(&a);
	run_schedule_free(&b);
	run_schedule_free(&c);
}

static void settle_specs_parse_and_name_back(void **state)
{
	static const struct {
		const char *in, *name;
		unsigned gp, us;
	} ok[] = {
		{ "none", "none", 0, 0 },
		{ "gp", "gp", 1, 0 },
		{ "3gp", "3gp", 3, 0 },
		{ "5ms", "5ms", 0, 5000 },
		{ "gp+2ms", "gp+2ms", 1, 2000 },
		{ "250us", "250us", 0, 250 },
		{ "2ms+gp+500us", "gp+2500us", 1, 2500 },
	};
	static const char *const bad[] = { "", "+", "gp+", "ms", "5", "5s", "x", "gp++1ms" };
	struct run_settle s;
	struct bb_error err = { 0 };
	char name[32];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(run_settle_parse("--settle", ok[i].in, &s, &err), 0);
		assert_int_equal(s.grace_periods, ok[i].gp);
		assert_int_equal(s.sleep_us, ok[i].us);
		run_settle_name(&s, name, sizeof(name));
		assert_string_equal(name, ok[i].name);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run_settle_parse("--settle", bad[i], &s, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "--settle"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_measured_iteration_once_in_even_blocks),
		cmocka_unit_test(block_of_one_is_the_old_interleaving),
		cmocka_unit_test(idle_cases_run_each_iteration_alone),
		cmocka_unit_test(each_pace_has_its_plan),
		cmocka_unit_test(same_seed_same_order_other_seed_other_order),
		cmocka_unit_test(settle_specs_parse_and_name_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
