/* The run loop: see run.h. */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/stop.h"
#include "common/sys.h"

static const struct {
	const char *name;
	unsigned repetitions, warmup;
} suites[] = {
	[SUITE_QUICK] = { "quick", 5, 1 },
	[SUITE_DEFAULT] = { "default", 40, 3 },
	[SUITE_FULL] = { "full", 60, 3 },
};

unsigned suite_repetitions(enum suite s)
{
	return suites[s].repetitions;
}

unsigned suite_warmup(enum suite s)
{
	return suites[s].warmup;
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

int run_execute(struct run_ctx *ctx, struct case_list *cases, run_progress_fn progress, void *arg,
		struct bb_error *err)
{
	const struct run_config *cfg = ctx->cfg;
	unsigned reps = cfg->repetitions ? cfg->repetitions : suite_repetitions(cfg->suite);
	unsigned warm = cfg->warmup != ~0u ? cfg->warmup : suite_warmup(cfg->suite);
	unsigned long long rng = cfg->seed;
	size_t n = 0, total;
	size_t *order;
	int rc = 0;

	for (size_t i = 0; i < cases->n && !stop_requested(); i++) {
		struct bench_case *c = &cases->items[i];
		struct bb_error e = { 0 };

		c->set_up = true;
		if (c->scenario->setup && c->scenario->setup(ctx, c, &e) < 0 && !stop_requested())
			case_fail(ctx, c, &e);
	}
	/* Set-up (building stacks) makes thousands of syscalls no sample is about. */
	if (probes_active(ctx->probes)) {
		probes_drain(ctx->probes);
		probes_reset(ctx->probes);
	}

	/* Every case's iterations in one list, shuffled (Fisher-Yates, seeded): a case's
	 * first `warm` turns are its warm-up, wherever they land. */
	total = cases->n * (size_t)(reps + warm);
	order = malloc((total ? total : 1) * sizeof(*order));
	if (!order) {
		rc = bb_err(err, ENOMEM, "out of memory scheduling %zu iterations", total);
		goto teardown;
	}
	for (size_t i = 0; i < cases->n; i++)
		for (unsigned r = 0; r < reps + warm; r++)
			order[n++] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = splitmix64(&rng) % i, t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}

	/* A stop is taken between iterations. The one it arrived in is dropped: the handler ran
	 * inside its span, or a syscall of it returned EINTR. */
	for (size_t i = 0; i < n && !stop_requested(); i++) {
		struct bench_case *c = &cases->items[order[i]];
		struct timed_span span = { 0 };
		struct sample s;
		struct bb_error e = { 0 };
		int r;

		if (c->error[0])
			goto next;
		memset(&s, 0, sizeof(s));
		r = c->scenario->iterate(ctx, c, &s, &span, &e);
		if (stop_requested())
			break;
		if (r < 0) {
			case_fail(ctx, c, &e);
			goto next;
		}
		if (probes_active(ctx->probes)) {
			probes_drain(ctx->probes);
			if (span.tid)
				probes_span_kernel(ctx->probes, span.tid, c->func_metric, span.t0,
						   span.t1, &s.k);
			probes_reset(ctx->probes);
		}
		if (c->done_warmup < warm) {
			c->done_warmup++;
		} else if (add_sample(c, &s) < 0) {
			rc = bb_err(err, ENOMEM, "out of memory keeping samples");
			break;
		}
next:
		if (progress)
			progress(arg, i + 1, n, c);
	}
	free(order);
teardown:
	for (size_t i = 0; i < cases->n; i++)
		case_teardown(ctx, &cases->items[i]);
	if (stop_requested())
		mark_unmeasured(cases);
	return rc;
}
