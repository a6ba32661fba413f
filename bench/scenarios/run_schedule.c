/* The run's blocks of iterations: see run_schedule.h. */
#include "run_schedule.h"

#include <errno.h>
#include <stdlib.h>

#include "common/sys.h"

static unsigned blocks_of(const struct run_case_plan *p)
{
	unsigned block = p->block ? p->block : 1;

	return p->reps ? (p->reps + block - 1) / block : 0;
}

int run_schedule_make(const struct run_case_plan *plans, size_t n_cases, unsigned long long seed,
		      struct run_schedule *out)
{
	size_t n = 0, cap = 0;

	out->n = 0;
	out->iterations = 0;
	for (size_t c = 0; c < n_cases; c++)
		cap += blocks_of(&plans[c]);
	out->blocks = calloc(cap ? cap : 1, sizeof(*out->blocks));
	if (!out->blocks)
		return -ENOMEM;
	for (size_t c = 0; c < n_cases; c++) {
		const struct run_case_plan *p = &plans[c];
		unsigned per_case = blocks_of(p);

		for (unsigned b = 0; b < per_case; b++) {
			/* Block b ends where the b+1'th share of reps does. */
			unsigned end = (unsigned)((unsigned long long)p->reps * (b + 1) / per_case);
			unsigned start = (unsigned)((unsigned long long)p->reps * b / per_case);

			out->blocks[n++] =
				(struct run_block){ c, p->primers, end - start, p->idle };
			out->iterations += p->primers + end - start;
		}
	}
	/* Fisher-Yates with the run's seed: the same seed gives the same order. */
	for (size_t i = n; i > 1; i--) {
		size_t j = splitmix64(&seed) % i;
		struct run_block t = out->blocks[i - 1];

		out->blocks[i - 1] = out->blocks[j];
		out->blocks[j] = t;
	}
	out->n = n;
	return 0;
}

void run_schedule_free(struct run_schedule *s)
{
	free(s->blocks);
	s->blocks = NULL;
	s->n = 0;
}

struct run_case_plan run_case_plan_for(enum case_pace p, unsigned reps, unsigned block,
				       unsigned primers)
{
	switch (p) {
	case PACE_IDLE:
		/* A primer would make the iteration the second of two in a row. */
		return (struct run_case_plan){ reps, 1, 0, true };
	case PACE_AFTER_TEARDOWN:
		return (struct run_case_plan){ reps, 1, 1, true };
	default:
		return (struct run_case_plan){ reps, block, primers, false };
	}
}
