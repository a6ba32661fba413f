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

#endif
