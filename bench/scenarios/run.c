/* The run loop: see run.h. */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/stop.h"
#include "common/sys.h"
#include "run_schedule.h"

/* Two grace periods take an rcu_sync (the cgroup threadgroup rwsem's) back to idle: measured
 * here, a cgroup.procs write costs ~10 µs after one and ~10 ms (a synchronize_rcu) after two.
 * A third for margin. */
const struct run_settle run_idle_settle_default = { 3, 0 };

/* Per suite: measured iterations, the primers leading each block, the block size, and how
 * the run settles between blocks (run_schedule.h, run_settle.h). */
static const struct {
	const char *name;
	unsigned repetitions, warmup, block;
	struct run_settle settle;
} suites[] = {
	[SUITE_QUICK] = { "quick", 5, 1, 1, { 0, 0 } },
	[SUITE_DEFAULT] = { "default", 40, 1, 1, { 0, 0 } },
	[SUITE_FULL] = { "full", 60, 1, 1, { 0, 0 } },
};

unsigned suite_repetitions(enum suite s)
{
	return suites[s].repetitions;
}

unsigned suite_warmup(enum suite s)
{
	return suites[s].warmup;
}

unsigned suite_block(enum suite s)
{
	return suites[s].block;
}

struct run_settle suite_settle(enum suite s)
{
	return suites[s].settle;
}

const char *suite_name(enum suite s)
{
	return s <= SUITE_FULL ? suites[s].name : "unknown";
}

int suite_parse(const char *s, enum suite *out, struct bb_error *err)
{
	for (int i = SUITE_QUICK; i <= SUITE_FULL; i++) {
		if (!strcmp(s, suites[i].name)) {
			*out = i;
			return 0;
		}
	}
	return bb_err(err, EINVAL, "unknown suite '%s': choose quick, default or full", s);
}

int run_plan(const struct run_ctx *ctx, const char *const *names, size_t n_names,
	     struct case_list *cases, struct bb_error *err)
{
	int e;

	for (size_t i = 0; i < n_names; i++)
		if (!scenario_find(names[i]))
			return bb_err(err, EINVAL, "unknown scenario '%s' (the list is in --help)",
				      names[i]);
	for (size_t i = 0; i < n_scenarios; i++) {
		bool wanted = n_names == 0;

		for (size_t j = 0; j < n_names; j++)
			wanted |= !strcmp(names[j], scenarios[i]->name);
		if (wanted && (e = scenarios[i]->plan(ctx, cases, err)))
			return bb_err_wrap(err, "cannot plan the %s scenario", scenarios[i]->name);
	}
	if (!cases->n)
		return bb_err(err, EINVAL,
			      "nothing to run: the scenarios and options chosen "
			      "give no case");
	return 0;
}

static int add_sample(struct bench_case *c, const struct sample *s)
{
	if (c->n_samples == c->cap_samples) {
		size_t cap = c->cap_samples ? c->cap_samples * 2 : 16;
		struct sample *grown = realloc(c->samples, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		c->samples = grown;
		c->cap_samples = cap;
	}
	c->samples[c->n_samples++] = *s;
	return 0;
}

static void case_teardown(struct run_ctx *ctx, struct bench_case *c)
{
	if (c->set_up && c->scenario->teardown)
		c->scenario->teardown(ctx, c);
	c->set_up = false;
}

static void case_fail(struct run_ctx *ctx, struct bench_case *c, const struct bb_error *e)
{
	snprintf(c->error, sizeof(c->error), "%s", e->msg[0] ? e->msg : "failed");
	case_teardown(ctx, c);
}

/* After a stop, a case with no measured iteration says so instead of showing no samples. */
static void mark_unmeasured(struct case_list *cases)
{
	for (size_t i = 0; i < cases->n; i++) {
		struct bench_case *c = &cases->items[i];

		if (!c->error[0] && !c->n_samples)
			snprintf(c->error, sizeof(c->error),
				 "not measured: the run was stopped by %s first",
				 stop_signal_name());
	}
}

/* One iteration of c: measured (a sample, with the kernel's view of its span) or a primer
 * (the same work, nothing kept). A failure marks the case; only running out of memory ends
 * the run. */
static int run_one(struct run_ctx *ctx, struct bench_case *c, bool measured, struct bb_error *err)
{
	struct timed_span span = { 0 };
	struct sample s;
	struct bb_error e = { 0 };
	int r;

	memset(&s, 0, sizeof(s));
	r = c->scenario->iterate(ctx, c, &s, &span, &e);
	if (stop_requested())
		return 0;
	if (r < 0) {
		case_fail(ctx, c, &e);
		return 0;
	}
	if (probes_active(ctx->probes)) {
		probes_drain(ctx->probes);
		if (span.tid && measured)
			probes_span_kernel(ctx->probes, span.tid, c->func_metric, span.t0, span.t1,
					   &s.k);
		probes_reset(ctx->probes);
	}
	if (measured && add_sample(c, &s) < 0)
		return bb_err(err, ENOMEM, "out of memory keeping samples");
	return 0;
}

/* syncfs(2) of the file systems the stacks and the work dir are on, where they exist. */
static int sync_setup_writes(const struct run_ctx *ctx, struct bb_error *err)
{
	const char *dirs[] = { ctx->session->cache_dir, ctx->session->workdir };

	for (size_t i = 0; i < 2; i++) {
		int e = sync_fs(dirs[i], err);

		/* ENOENT: nothing was built there (a run on an image). */
		if (e && e != -ENOENT)
			return e;
	}
	return 0;
}

int run_execute(struct run_ctx *ctx, struct case_list *cases, run_progress_fn progress, void *arg,
		struct bb_error *err)
{
	const struct run_config *cfg = ctx->cfg;
	unsigned reps = cfg->repetitions ? cfg->repetitions : suite_repetitions(cfg->suite);
	unsigned warm = cfg->warmup != ~0u ? cfg->warmup : suite_warmup(cfg->suite);
	unsigned block = cfg->block ? cfg->block : suite_block(cfg->suite);
	struct run_settle settle = cfg->settle_set ? cfg->settle : suite_settle(cfg->suite);
	struct run_settle idle = cfg->idle_settle_set ? cfg->idle_settle : run_idle_settle_default;
	struct run_schedule sched = { 0 };
	struct run_case_plan *plans;
	size_t done = 0;
	int rc = 0;

	for (size_t i = 0; i < cases->n && !stop_requested(); i++) {
		struct bench_case *c = &cases->items[i];
		struct bb_error e = { 0 };

		if (c->skipped)
			continue;
		c->set_up = true;
		if (c->scenario->setup && c->scenario->setup(ctx, c, &e) < 0 && !stop_requested())
			case_fail(ctx, c, &e);
	}
	/* What set-up wrote (the stacks built, the cases' dirs) is written back now, untimed,
	 * and the grace periods of what it freed pass: otherwise the file system's next commit
	 * (ext4's comes every 5 s) and that writeback land on the first seconds of measuring,
	 * which in a short run are most of it. */
	if (!stop_requested() && (rc = sync_setup_writes(ctx, err)))
		goto teardown;
	run_settle_wait(&(struct run_settle){ 2, 0 });
	/* Set-up (building stacks) makes thousands of syscalls no sample is about. */
	if (probes_active(ctx->probes)) {
		probes_drain(ctx->probes);
		probes_reset(ctx->probes);
	}

	plans = calloc(cases->n ? cases->n : 1, sizeof(*plans));
	for (size_t i = 0; plans && i < cases->n; i++)
		plans[i] = run_case_plan_for(cases->items[i].pace, reps, block, warm);
	if (!plans || run_schedule_make(plans, cases->n, cfg->seed, &sched) < 0) {
		free(plans);
		rc = bb_err(err, ENOMEM, "out of memory scheduling %zu cases", cases->n);
		goto teardown;
	}
	free(plans);
	/* A stop is taken between iterations. The one it arrived in is dropped: the handler ran
	 * inside its span, or a syscall of it returned EINTR. */
	for (size_t b = 0; b < sched.n && !stop_requested() && !rc; b++) {
		const struct run_block *blk = &sched.blocks[b];
		struct bench_case *c = &cases->items[blk->case_index];

		if (c->error[0]) {
			done += blk->primers + blk->measured;
			continue;
		}
		/* What the blocks before left behind finishes here, untimed. */
		run_settle_wait(blk->idle ? &idle : &settle);
		for (unsigned k = 0; k < blk->primers + blk->measured && !stop_requested(); k++) {
			rc = run_one(ctx, c, k >= blk->primers, err);
			done++;
			if (progress)
				progress(arg, done, sched.iterations, c);
			if (rc || c->error[0])
				break;
		}
	}
	run_schedule_free(&sched);
teardown:
	for (size_t i = 0; i < cases->n; i++)
		case_teardown(ctx, &cases->items[i]);
	if (stop_requested())
		mark_unmeasured(cases);
	return rc;
}
