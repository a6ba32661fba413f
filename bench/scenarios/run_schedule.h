/* The order a run takes its iterations in. Each case's measured iterations come in blocks of
 * consecutive ones, each block led by untimed primers of the same case; the blocks of every
 * case are shuffled together (seeded). Within a block an iteration follows its own case, as
 * when the case runs alone, so it inherits its own state and not its neighbours' (CPU caches,
 * the kernel's deferred work); across blocks, the shuffle still spreads the machine's drift
 * over every case. Between blocks the run settles (run_settle.h). */
#ifndef BOXBENCH_RUN_SCHEDULE_H
#define BOXBENCH_RUN_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

/* How a case's iterations follow one another: its pace: parameter, where it has one. Most
 * cases run at the suite's pace. Where the kernel's state between operations is itself the
 * question, the case says which state it measures. */
enum case_pace {
	PACE_SUITE, /* blocks led by primers, the run's settle between them */
	/* Each iteration on its own, after the kernel has gone idle (the run's idle settle):
	 * what a user's single container start costs, grace-period waits included. */
	PACE_IDLE,
	/* As PACE_SUITE, named for what it is: the operation on a busy host, many in a row. */
	PACE_BACK_TO_BACK,
	/* Each iteration right after one untimed iteration of the same case, the kernel idle
	 * before that one: a start that follows another's teardown, whose deferred work (the
	 * net namespace cleanup, the dropped mounts' grace periods) is still running. */
	PACE_AFTER_TEARDOWN,
};

/* How one case's iterations are to be run. */
struct run_case_plan {
	unsigned reps; /* measured iterations */
	unsigned block; /* at most this many in a block (>= 1) */
	unsigned primers; /* untimed iterations leading each block */
	/* Each block waits for the kernel to go idle first (pace:idle cases: a lone start's
	 * conditions), not just for the usual settle. */
	bool idle;
};

struct run_block {
	size_t case_index;
	unsigned primers; /* untimed iterations first */
	unsigned measured;
	bool idle; /* settle to idle before it (run_case_plan.idle) */
};

struct run_schedule {
	struct run_block *blocks;
	size_t n;
	size_t iterations; /* primers and measured, of all blocks */
};

/* The blocks of n_cases cases, plans[i] saying how case i runs: its reps split as evenly as
 * it goes into blocks of at most plans[i].block (40 in blocks of at most 10 is 4 of 10; 42 is
 * 5 of 8 or 9), each led by plans[i].primers; all shuffled with seed. -ENOMEM, else 0. */
int run_schedule_make(const struct run_case_plan *plans, size_t n_cases, unsigned long long seed,
		      struct run_schedule *out);
void run_schedule_free(struct run_schedule *s);

/* The plan of a case at pace p, reps measured iterations, the run's block and primers. */
struct run_case_plan run_case_plan_for(enum case_pace p, unsigned reps, unsigned block,
				       unsigned primers);

#endif
