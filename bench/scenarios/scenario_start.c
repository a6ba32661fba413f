/* The start scenario: a whole container start (cgroup, clone3 with every namespace, rootfs
 * mount, /proc, pivot_root, exec of the agent), with and without a network namespace, timed
 * from clone3 to the agent's first instruction and broken into phases. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/layer_stack.h"
#include "common/parse.h"
#include "run_driver.h"
#include "scenario.h"

extern const struct scenario scenario_start;

struct start_state {
	struct layer_stack stack;
	struct driver_config driver;
	const struct driver_image *image;
	unsigned long counter;
};

/* The phases a start is made of, up to the agent's first instruction, in order. */
static const enum phase start_phases[] = { PHASE_PREPARE, PHASE_INIT,	PHASE_CGROUP, PHASE_CLONE,
					   PHASE_IDMAP,	  PHASE_ATTACH, PHASE_MOUNT,  PHASE_PROC,
					   PHASE_PIVOT,	  PHASE_EXEC };
#define N_START_PHASES (sizeof(start_phases) / sizeof(start_phases[0]))

static int start_plan(const struct run_ctx *ctx, struct case_list *cases, struct bb_error *err)
{
	static const unsigned quick[] = { 8 }, deflt[] = { 8, 64 }, full[] = { 1, 8, 64, 256 };
	static const enum case_pace paces[] = { PACE_BACK_TO_BACK, PACE_IDLE, PACE_AFTER_TEARDOWN };
	const unsigned *depths;
	size_t nd = run_depths(ctx, quick, 1, deflt, 2, full, 4, &depths);

	/* With --probe-overhead every case also runs with the probes detached, interleaved
	 * with the attached one in the same run: their ratio is the probes' cost. */
	int modes = ctx->cfg->probe_overhead && ctx->cfg->probe_mode != PROBE_MODE_OFF ? 2 : 1;

	const struct storage_driver *drivers[RUN_LIST_MAX];
	size_t n_drivers = run_drivers(ctx, drivers);

	for (size_t d = 0; d < n_drivers; d++) {
		for (size_t i = 0; i < nd; i++) {
			if (drivers[d] != &driver_overlay && depths[i] > RUN_DRIVER_MAX_DEPTH)
				continue;
			for (int k = 0; k < 6 * modes; k++) {
				int net = !(k % 2), detached = k / 6;
				enum case_pace pace = paces[k / 2 % 3];
				struct bench_case *c;

				/* A lone start waits for grace periods a busy host's do not (the
				 * cgroup attach's rcu_sync), and one right after a teardown meets
				 * that teardown's deferred work: both in the full suite at every
				 * depth, in the others at the first; for overlay alone, the
				 * reference (the pace is the cgroup's, not the driver's). */
				if (pace != PACE_BACK_TO_BACK &&
				    ((ctx->cfg->suite != SUITE_FULL && i > 0) ||
				     drivers[d] != &driver_overlay))
					continue;
				c = case_add(cases, &scenario_start, err);
				if (!c)
					return -ENOMEM;
				case_driver_param(c, drivers[d]);
				case_image_param(ctx, c);
				case_param(c, "depth", "%u", depths[i]);
				case_param(c, "netns", "%s", net ? "yes" : "no");
				case_param(c, "pace", "%s", case_pace_name(pace));
				c->pace = pace;
				if (modes == 2)
					case_param(c, "probes", "%s",
						   detached ? "detached" : "attached");
				c->arg[0] = depths[i];
				c->arg[1] = net;
				c->arg[2] = detached;
				c->detached = detached;
				for (size_t p = 0; p < N_START_PHASES; p++)
					c->extra_names[c->n_extra++] = phase_name(start_phases[p]);
			}
		}
	}
	return 0;
}

static int start_setup(struct run_ctx *ctx, struct bench_case *c, struct bb_error *err)
{
	struct start_state *st = calloc(1, sizeof(*st));
	struct layer_stack_params p;
	int e;

	if (!st)
		return bb_err(err, ENOMEM, "out of memory");
	layer_stack_params_default(&p);
	p.depth = (unsigned)c->arg[0];
	p.seed = ctx->cfg->seed;
	/* mount(2) takes 500 layers only through short relative names; fsconfig has no limit
	 * and is what new runtimes use (run_driver_config's). */
	run_driver_config(ctx, c->driver, &st->driver);
	c->priv = st;
	if ((e = run_stack(ctx, c, &p, &st->stack, err)))
		return e;
	return run_driver_image_get(&st->driver, &st->stack, &st->image, err);
}

static int start_iterate(struct run_ctx *ctx, struct bench_case *c, struct sample *s,
			 struct timed_span *span, struct bb_error *err)
{
	static char *ops[] = { "pid", NULL };
	struct start_state *st = c->priv;
	struct container_spec spec = { 0 };
	struct container_result r;
	char dir[400];
	int e;

	snprintf(dir, sizeof(dir), "%s/start-%lu", ctx->session->workdir, st->counter++);
	parse_namespaces("all", &spec.namespaces, &spec.userns, NULL);
	if (!c->arg[1])
		spec.namespaces &= ~(unsigned long)CLONE_NEWNET;
	spec.driver = &st->driver;
	spec.image = st->image;
	spec.dir = dir;
	spec.cgroups = ctx->session->have_cgroups ? &ctx->session->cgroups : NULL;
	spec.limits.memory_max = 256ULL << 20;
	spec.limits.pids_max = 512;
	spec.name = "start";
	spec.agent_fd = ctx->session->agent_fd;
	spec.ops = ops;
	/* Detaching and attaching again happen outside the timed start. */
	if (c->arg[2])
		probes_pause(ctx->probes);
	e = container_run(&spec, &r, err);
	if (c->arg[2] && probes_resume(ctx->probes, e ? NULL : err) < 0 && !e)
		e = -EIO;
	if (e)
		return e;
	if (r.child_error[0]) {
		e = bb_err(err, EIO, "the container failed before its agent ran: %s",
			   r.child_error);
		goto out;
	}
	s->wall_ns = r.phase[PHASE_EXEC].end - r.phase[PHASE_CLONE].start;
	if (probes_active(ctx->probes) && !c->arg[2]) {
		probes_drain(ctx->probes);
		container_annotate(ctx->probes, getpid(), &r);
		s->k.has_kernel = true;
	}
	for (size_t p = 0; p < N_START_PHASES; p++) {
		const struct phase_span *ph = &r.phase[start_phases[p]];

		s->extra[p] = ph->end > ph->start ? ph->end - ph->start : 0;
		/* The kernel share of a start counts from clone3 on, like its wall time. */
		if (start_phases[p] > PHASE_CGROUP)
			s->k.kernel_ns += r.kphase[start_phases[p]].kernel_ns;
	}
	span->tid = 0; /* several threads: k is filled here */
out:
	container_result_free(&r);
	return e;
}

static void start_teardown(struct run_ctx *ctx, struct bench_case *c)
{
	struct start_state *st = c->priv;

	(void)ctx;
	if (st) {
		if (st->image)
			run_driver_image_put(st->image);
		layer_stack_free(&st->stack);
	}
	free(st);
	c->priv = NULL;
}

const struct scenario scenario_start = {
	.name = "start",
	.summary = "a whole container start, clone3 to the agent's first instruction, by phase",
	.plan = start_plan,
	.setup = start_setup,
	.iterate = start_iterate,
	.teardown = start_teardown,
};
