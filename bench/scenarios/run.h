/* Running the matrix: plan the scenarios' cases, set them up, run their iterations in blocks
 * of one case each, led by untimed primers and shuffled in a seeded order (run_schedule.h: a
 * case measures itself, and drift in the machine spreads over all cases instead of biasing
 * one), settle between blocks (run_settle.h), put the kernel's view beside every sample,
 * tear down. */
#ifndef BOXBENCH_RUN_H
#define BOXBENCH_RUN_H

#include "scenario.h"

/* The suite's repetitions, primers per block, block size and settle when the user gave none. */
unsigned suite_repetitions(enum suite s);
unsigned suite_warmup(enum suite s);
unsigned suite_block(enum suite s);
struct run_settle suite_settle(enum suite s);
/* What a pace:idle case waits for before each iteration, unless --idle-settle says otherwise. */
extern const struct run_settle run_idle_settle_default;
const char *suite_name(enum suite s);
int suite_parse(const char *s, enum suite *out, struct bb_error *err);

/* Plans the cases of the named scenarios (all when n_names is 0). */
int run_plan(const struct run_ctx *ctx, const char *const *names, size_t n_names,
	     struct case_list *cases, struct bb_error *err);

/* Called after every iteration: done of total, and the case just run. */
typedef void (*run_progress_fn)(void *arg, size_t done, size_t total, const struct bench_case *c);

/* Runs every case. A case that fails records why in c->error and is dropped from the rest of
 * the run; the run itself fails only when it cannot go on at all. A stop (stop.h) ends it
 * between iterations: what was measured is kept, cases with no sample yet say they were not
 * measured, and every case is torn down as at the end. */
int run_execute(struct run_ctx *ctx, struct case_list *cases, run_progress_fn progress, void *arg,
		struct bb_error *err);

#endif
