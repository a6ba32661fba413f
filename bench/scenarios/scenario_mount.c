/* The mount scenario: what mounting and unmounting an overlay costs, by the number of lower
 * layers and the mount API (one page of mount(2) data, or one fsconfig call per layer). Each
 * iteration mounts on a fresh upper/work pair, as a container's first mount does; the pair is
 * wiped outside the timed span. When the layers' absolute paths pass mount(2)'s one page (about
 * depth 100 with the default cache dir), mount(2) names them relative to the stack's l/ dir, as
 * containers/storage does, and changes into it outside the span. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "ovl_fixture.h"
#include "run_driver.h"
#include "storage/init_layer.h"
#include "scenario.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

extern const struct scenario scenario_mount;

enum mount_op { OP_MOUNT, OP_UMOUNT, OP_ROOTFS };

/* What op:rootfs times, in order: a container's root made, mounted, taken away. */
enum { RF_PREPARE, RF_INIT, RF_MOUNT, RF_UMOUNT, RF_RELEASE, RF_N };
static const char *const rootfs_steps[RF_N] = { "prepare", "init", "mount", "umount", "release" };

/* op:rootfs runs at these depths of the planned ones. */
static bool rootfs_depth(unsigned d)
{
	return d == 1 || d == 8 || d == 64;
}

struct mount_state {
	struct layer_stack stack;
	struct ovl_fixture fx;
	/* op:rootfs */
	struct driver_config cfg;
	const struct driver_image *image;
	unsigned long counter;
};

/* op:rootfs: what a runtime pays to get a root on each driver (vfs's copy, btrfs's snapshot,
 * a FUSE daemon, an overlay mount), from its dirs to their removal; the driver's image of the
 * stack is made once, in set-up (an image store's cost, not a container's). */
static int plan_rootfs(const struct run_ctx *ctx, struct case_list *cases, const unsigned *depths,
		       size_t nd, struct bb_error *err)
{
	const struct storage_driver *drivers[RUN_LIST_MAX];
	size_t n_drivers = run_drivers(ctx, drivers);

	for (size_t d = 0; d < n_drivers; d++)
		for (size_t i = 0; i < nd; i++) {
			struct bench_case *c;

			if (!rootfs_depth(depths[i]) && !ctx->cfg->n_depths && !ctx->cfg->image)
				continue;
			if (depths[i] > RUN_DRIVER_MAX_DEPTH && drivers[d] != &driver_overlay)
				continue;
			if (!(c = case_add(cases, &scenario_mount, err)))
				return -ENOMEM;
			case_driver_param(c, drivers[d]);
			case_image_param(ctx, c);
			case_param(c, "depth", "%u", depths[i]);
			case_param(c, "op", "rootfs");
			c->arg[0] = depths[i];
			c->arg[1] = MOUNT_API_FSCONFIG;
			c->arg[2] = OP_ROOTFS;
			c->func_metric = -1;
			for (size_t k = 0; k < RF_N; k++)
				c->extra_names[c->n_extra++] = rootfs_steps[k];
		}
	return 0;
}

static int mount_plan(const struct run_ctx *ctx, struct case_list *cases, struct bb_error *err)
{
	static const unsigned quick[] = { 1, 8 }, deflt[] = { 1, 2, 4, 8, 16, 32, 64, 128 },
			      full[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 500 };
	static const enum mount_api apis[] = { MOUNT_API_LEGACY, MOUNT_API_FSCONFIG };
	const unsigned *depths;
	size_t nd = run_depths(ctx, quick, N(quick), deflt, N(deflt), full, N(full), &depths);

	for (size_t a = 0; a < 2; a++) {
		for (size_t i = 0; i < nd; i++) {
			for (int op = OP_MOUNT; op <= OP_UMOUNT; op++) {
				struct bench_case *c = case_add(cases, &scenario_mount, err);

				if (!c)
					return -ENOMEM;
				case_param(c, "driver", "overlay");
				case_image_param(ctx, c);
				case_param(c, "api", "%s", mount_api_name(apis[a]));
				case_param(c, "depth", "%u", depths[i]);
				case_param(c, "op", "%s", op == OP_MOUNT ? "mount" : "umount");
				c->arg[0] = depths[i];
				c->arg[1] = apis[a];
				c->arg[2] = op;
				/* umount's superblock teardown runs as task work on the way out of
				 * the syscall: no probed function brackets it. */
				c->func_metric = op == OP_MOUNT ? FUNC_FILL_SUPER : -1;
			}
		}
	}
	return plan_rootfs(ctx, cases, depths, nd, err);
}

static int mount_setup(struct run_ctx *ctx, struct bench_case *c, struct bb_error *err)
{
	struct mount_state *st = calloc(1, sizeof(*st));
	struct layer_stack_params p;
	int e;

	if (!st)
		return bb_err(err, ENOMEM, "out of memory");
	c->priv = st;
	/* The default stack of each depth: the one start and lookup use, so it is built once. */
	layer_stack_params_default(&p);
	p.depth = (unsigned)c->arg[0];
	p.seed = ctx->cfg->seed;
	if ((e = run_stack(ctx, c, &p, &st->stack, err)))
		return e;
	if (c->arg[2] == OP_ROOTFS) {
		run_driver_config(ctx, c->driver, &st->cfg);
		return run_driver_image_get(&st->cfg, &st->stack, &st->image, err);
	}
	return ovl_fixture_init(&st->fx, &st->stack, ctx->session->workdir, "mount",
				(enum mount_api)c->arg[1], NULL, err);
}

static int rootfs_iterate(struct run_ctx *ctx, struct mount_state *st, struct sample *s,
			  struct timed_span *span, struct bb_error *err)
{
	const struct storage_driver *d = st->cfg.driver;
	unsigned long long t[RF_N + 1];
	struct rootfs rfs;
	char dir[400];
	int e;

	snprintf(dir, sizeof(dir), "%s/rootfs-%s-%lu", ctx->session->workdir, d->name,
		 st->counter++);
	t[0] = clock_ns();
	e = d->prepare(&st->cfg, st->image, dir, 0, &rfs, err);
	t[1] = clock_ns();
	if (!e)
		e = init_layer_write(rfs.init, "boxbench", 0, err);
	t[2] = clock_ns();
	if (!e)
		e = d->mount(&st->cfg, &rfs, err);
	t[3] = clock_ns();
	if (!e)
		e = d->umount(&st->cfg, &rfs, err);
	t[4] = clock_ns();
	if (e) {
		d->release(&st->cfg, &rfs, NULL);
		remove_tree(dir, NULL);
		return e;
	}
	if ((e = d->release(&st->cfg, &rfs, err)))
		return e;
	t[5] = clock_ns();
	for (size_t k = 0; k < RF_N; k++)
		s->extra[k] = t[k + 1] - t[k];
	sample_span(s, span, getpid(), t[0], t[RF_N]);
	return 0;
}

static int mount_iterate(struct run_ctx *ctx, struct bench_case *c, struct sample *s,
			 struct timed_span *span, struct bb_error *err)
{
	struct mount_state *st = c->priv;
	unsigned long long tm[2], tu[2], *t = c->arg[2] == OP_MOUNT ? tm : tu;
	int e;

	if (c->arg[2] == OP_ROOTFS)
		return rootfs_iterate(ctx, st, s, span, err);
	if ((e = ovl_fixture_wipe(&st->fx, err)) || (e = ovl_fixture_mount(&st->fx, tm, err)) ||
	    (e = ovl_fixture_umount(&st->fx, tu, err)))
		return e;
	sample_span(s, span, getpid(), t[0], t[1]);
	return 0;
}

static void mount_teardown(struct run_ctx *ctx, struct bench_case *c)
{
	struct mount_state *st = c->priv;

	(void)ctx;
	if (st) {
		ovl_fixture_release(&st->fx);
		if (st->image)
			run_driver_image_put(st->image);
		layer_stack_free(&st->stack);
	}
	free(st);
	c->priv = NULL;
}

const struct scenario scenario_mount = {
	.name = "mount",
	.summary = "overlay mount and umount by depth, mount(2) vs fsopen/fsconfig; a root made, "
		   "mounted and removed on each driver (op:rootfs)",
	.plan = mount_plan,
	.setup = mount_setup,
	.iterate = mount_iterate,
	.teardown = mount_teardown,
};
