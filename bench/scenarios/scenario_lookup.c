/* The lookup scenario: resolving a path on an overlay, by where its name is in the stack (found
 * at the top or bottom layer, whited out at the top or just above the bottom, hidden under an
 * opaque dir, in no layer) and by depth, with the overlay's dentries cold or warm. The whiteout
 * overhead is the difference to a plain hit or miss of the same depth, so results need nothing
 * but these cases to show it.
 *
 * The cache states are scenario.h's enum cache_state: cold is a fresh overlay mount before
 * every iteration, so every component goes through ovl_lookup and down the layers, whose own
 * dentries stay cached; dropped drops those too; warm is the same fstatat repeated on one
 * mount held for the whole run. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovl_fixture.h"
#include "rootfs_fixture.h"
#include "run_driver.h"
#include "scenario.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

extern const struct scenario scenario_lookup;

/* Case target names, which are also the stack's planted roles. */
static const char *const targets[] = { "found-top",	  "found-bottom", "whiteout-top",
				       "whiteout-bottom", "opaque",	  "absent" };

struct lookup_state {
	struct layer_stack stack;
	struct ovl_fixture fx; /* kernel overlay's cases */
	struct rootfs_fixture rf; /* the other drivers' (use_rf) */
	bool use_rf;
	const struct planted *target;
	int root; /* O_PATH fd of the merged root while mounted; -1 otherwise */
};

static int lookup_plan(const struct run_ctx *ctx, struct case_list *cases, struct bb_error *err)
{
	static const unsigned quick[] = { 8, 64 }, deflt[] = { 1, 8, 32, 64, 128 },
			      full[] = { 1, 8, 32, 64, 128, 256, 500 };
	const unsigned *depths;
	size_t nd = run_depths(ctx, quick, N(quick), deflt, N(deflt), full, N(full), &depths);
	enum cache_state caches[CACHE_NR];
	size_t nc = run_cache_states(ctx, caches);

	const struct storage_driver *drivers[RUN_LIST_MAX];
	size_t n_drivers = run_drivers(ctx, drivers);

	for (size_t d = 0; d < n_drivers; d++)
		for (size_t i = 0; i < nd; i++) {
			bool overlay = drivers[d] == &driver_overlay;

			/* Kernel overlay's names carry no driver: they were there first. */
			if (!overlay && depths[i] > RUN_DRIVER_MAX_DEPTH)
				continue;
			for (size_t t = 0; t < N(targets); t++) {
				/* A single layer has nothing to white out or hide: only hits
				 * and misses. */
				if (depths[i] < 2 && strncmp(targets[t], "found", 5) &&
				    strcmp(targets[t], "absent"))
					continue;
				/* An image has what it has: no whiteouts, no lookups of one. */
				if (ctx->cfg->image &&
				    !layer_stack_find_role(ctx->cfg->image, targets[t]))
					continue;
				for (size_t k = 0; k < nc; k++) {
					struct bench_case *c =
						case_add(cases, &scenario_lookup, err);

					if (!c)
						return -ENOMEM;
					if (!overlay)
						case_driver_param(c, drivers[d]);
					case_image_param(ctx, c);
					case_param(c, "depth", "%u", depths[i]);
					case_param(c, "target", "%s", targets[t]);
					case_param(c, "cache", "%s", cache_state_name(caches[k]));
					c->arg[0] = depths[i];
					c->arg[1] = (long long)t;
					c->arg[2] = caches[k];
					c->arg[3] = !overlay;
					c->func_metric = FUNC_LOOKUP;
				}
			}
		}
	return 0;
}

static const char *merged(const struct lookup_state *st)
{
	return st->use_rf ? st->rf.rfs.merged : st->fx.merged;
}

static int root_mount(struct lookup_state *st, struct bb_error *err)
{
	return st->use_rf ? rootfs_fixture_mount(&st->rf, NULL, err)
			  : ovl_fixture_mount(&st->fx, NULL, err);
}

static int root_umount(struct lookup_state *st, struct bb_error *err)
{
	return st->use_rf ? rootfs_fixture_umount(&st->rf, NULL, err)
			  : ovl_fixture_umount(&st->fx, NULL, err);
}

/* Resolves the planted path once; checks that the answer is the one the stack planted, so a
 * stack that is not what it claims cannot pass for a measurement. */
static int lookup_once(struct lookup_state *st, unsigned long long *t, struct bb_error *err)
{
	const struct planted *pl = st->target;
	bool want_found = pl->kind == PLANT_FOUND;
	struct stat sb;
	int r, code;

	t[0] = clock_ns();
	r = fstatat(st->root, pl->path, &sb, AT_SYMLINK_NOFOLLOW);
	t[1] = clock_ns();
	code = r < 0 ? errno : 0;
	if (want_found && code)
		return bb_err(err, code,
			      "stat of %s on the overlay at %s failed: %s (the name is planted in "
			      "layer %d of %s; remove that stack dir to have it rebuilt)",
			      pl->path, merged(st), errno_name(code), pl->layer, st->stack.dir);
	if (!want_found && code != ENOENT)
		return bb_err(err, code ? code : EEXIST,
			      "stat of %s on the overlay at %s gave %s, not ENOENT (it is %s at "
			      "layer %d of %s and must not resolve; remove that stack dir to have "
			      "it rebuilt)",
			      pl->path, merged(st), code ? errno_name(code) : "success",
			      planted_kind_name(pl->kind), pl->layer, st->stack.dir);
	return 0;
}

static int open_root(struct lookup_state *st, struct bb_error *err)
{
	st->root = open(merged(st), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (st->root < 0)
		return bb_err(err, errno, "cannot open the overlay's root %s: %s", merged(st),
			      errno_name(errno));
	return 0;
}

static void close_root(struct lookup_state *st)
{
	if (st->root >= 0)
		close(st->root);
	st->root = -1;
}

static int lookup_setup(struct run_ctx *ctx, struct bench_case *c, struct bb_error *err)
{
	struct lookup_state *st = calloc(1, sizeof(*st));
	struct layer_stack_params p;
	unsigned long long t[2];
	int e;

	if (!st)
		return bb_err(err, ENOMEM, "out of memory");
	st->root = -1;
	c->priv = st;
	layer_stack_params_default(&p);
	p.depth = (unsigned)c->arg[0];
	p.seed = ctx->cfg->seed;
	if ((e = run_stack(ctx, c, &p, &st->stack, err)))
		return e;
	st->target = layer_stack_find_role(&st->stack, targets[c->arg[1]]);
	if (!st->target)
		return bb_err(err, ENOENT,
			      "the depth-%u stack plants no '%s' name (whiteouts and opaque dirs "
			      "need depth 2 or more)",
			      p.depth, targets[c->arg[1]]);
	/* The mount API changes nothing after the mount; mount(2) is one syscall where fsconfig
	 * makes one per layer, so a cold iteration's untimed part stays short (and its probe
	 * events few). Docker and podman mount this way too. */
	st->use_rf = c->arg[3];
	if (st->use_rf)
		e = rootfs_fixture_init(&st->rf, ctx, c->driver, &st->stack, "lookup", err);
	else
		e = ovl_fixture_init(&st->fx, &st->stack, ctx->session->workdir, "lookup",
				     MOUNT_API_LEGACY, NULL, err);
	if (e)
		return e;
	if (c->arg[2] != CACHE_WARM)
		return 0;
	/* Warm: one mount for the whole run, and the name resolved once already. */
	if ((e = root_mount(st, err)) || (e = open_root(st, err)))
		return e;
	return lookup_once(st, t, err);
}

static int lookup_iterate(struct run_ctx *ctx, struct bench_case *c, struct sample *s,
			  struct timed_span *span, struct bb_error *err)
{
	struct lookup_state *st = c->priv;
	unsigned long long t[2];
	int e;

	(void)ctx;
	if (c->arg[2] == CACHE_DROPPED && (e = run_drop_dentries(err)))
		return e;
	if (c->arg[2] != CACHE_WARM && ((e = root_mount(st, err)) || (e = open_root(st, err))))
		return e;
	e = lookup_once(st, t, err);
	if (c->arg[2] != CACHE_WARM) {
		/* The upper layer only ever sees lookups, so it stays empty: no wipe needed. */
		close_root(st);
		if (!e)
			e = root_umount(st, err);
	}
	if (e)
		return e;
	sample_span(s, span, getpid(), t[0], t[1]);
	return 0;
}

static void lookup_teardown(struct run_ctx *ctx, struct bench_case *c)
{
	struct lookup_state *st = c->priv;

	(void)ctx;
	if (st) {
		close_root(st);
		ovl_fixture_release(&st->fx);
		rootfs_fixture_release(&st->rf);
		layer_stack_free(&st->stack);
	}
	free(st);
	c->priv = NULL;
}

const struct scenario scenario_lookup = {
	.name = "lookup",
	.summary = "path lookup on overlay by where the name is (found, whited out, opaque, "
		   "absent), depth, cold, warm or dropped dentries",
	.plan = lookup_plan,
	.setup = lookup_setup,
	.iterate = lookup_iterate,
	.teardown = lookup_teardown,
};
