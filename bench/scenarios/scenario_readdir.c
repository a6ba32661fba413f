/* The readdir scenario: listing a merged directory (open, getdents64 until the end, close of the
 * stack's shared/, which every layer adds entries to and deletes lower ones from), by depth,
 * entries and whiteouts per layer, in each cache state of scenario.h (cold: a fresh mount;
 * dropped: the layers' dentries dropped too; warm: one mount held for the run).
 * overlay merges the layers' lists when a directory is first read and frees the merged list on
 * the last close, so warm keeps overlay's dentries but still merges on every open. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ovl_fixture.h"
#include "scenario.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

extern const struct scenario scenario_readdir;

#define READDIR_BUF (32 * 1024) /* what glibc's readdir asks getdents64 for */

struct readdir_state {
	struct layer_stack stack;
	struct ovl_fixture fx;
	int root; /* O_PATH fd of the merged root while mounted; -1 otherwise */
	char *buf;
	char dir[256]; /* what is listed: shared/ of a synthetic stack, an image's fullest dir */
};

/* Entries and whiteouts per layer. */
struct shape {
	unsigned entries, whiteouts;
};

static int add_cases(const struct run_ctx *ctx, struct case_list *cases, unsigned depth,
		     const struct shape *sh, struct bb_error *err)
{
	enum cache_state caches[CACHE_NR];
	size_t nc = run_cache_states(ctx, caches);

	for (size_t k = 0; k < nc; k++) {
		struct bench_case *c = case_add(cases, &scenario_readdir, err);

		if (!c)
			return -ENOMEM;
		case_image_param(ctx, c);
		case_param(c, "depth", "%u", depth);
		case_param(c, "entries", "%u", sh->entries);
		if (!ctx->cfg->image)
			case_param(c, "whiteouts", "%u", sh->whiteouts);
		case_param(c, "cache", "%s", cache_state_name(caches[k]));
		c->arg[0] = depth;
		c->arg[1] = sh->entries;
		c->arg[2] = sh->whiteouts;
		c->arg[3] = caches[k];
		c->func_metric = FUNC_READDIR;
	}
	return 0;
}

static int readdir_plan(const struct run_ctx *ctx, struct case_list *cases, struct bb_error *err)
{
	static const unsigned quick[] = { 8 }, deflt[] = { 1, 8, 32, 64, 128 },
			      full[] = { 1, 8, 32, 64, 128, 256, 500 };
	/* The default stack's shape: those cases share their stacks with mount and lookup. */
	static const struct shape base = { 16, 2 };
	/* The entry and whiteout axes, at one depth in default and at every depth in full. */
	static const struct shape more[] = { { 16, 0 }, { 256, 0 }, { 256, 32 }, { 16, 16 } };
	const unsigned *depths;
	size_t nd = run_depths(ctx, quick, N(quick), deflt, N(deflt), full, N(full), &depths);
	size_t n_more = ctx->cfg->suite == SUITE_FULL	   ? 4
			: ctx->cfg->suite == SUITE_DEFAULT ? 3
							   : 0;
	int e;

	if (ctx->cfg->image) {
		/* The image's fullest directory, as it is: one listing, cold and warm. */
		const struct planted *d = layer_stack_find_role(ctx->cfg->image, "readdir");
		struct shape sh = { d ? (unsigned)d->size : 0, 0 };

		return d ? add_cases(ctx, cases, depths[0], &sh, err) : 0;
	}
	for (size_t i = 0; i < nd; i++) {
		if ((e = add_cases(ctx, cases, depths[i], &base, err)))
			return e;
		/* Default varies the shape at depth 8 only (or at every depth the user gave). */
		if (ctx->cfg->suite == SUITE_DEFAULT && !ctx->cfg->n_depths && depths[i] != 8)
			continue;
		for (size_t m = 0; m < n_more; m++) {
			/* 256 entries in each of hundreds of layers builds for minutes. */
			if (more[m].entries > 16 && depths[i] > 128)
				continue;
			if ((e = add_cases(ctx, cases, depths[i], &more[m], err)))
				return e;
		}
	}
	return 0;
}

static int open_root(struct readdir_state *st, struct bb_error *err)
{
	st->root = open(st->fx.merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (st->root < 0)
		return bb_err(err, errno, "cannot open the overlay's root %s: %s", st->fx.merged,
			      errno_name(errno));
	return 0;
}

static void close_root(struct readdir_state *st)
{
	if (st->root >= 0)
		close(st->root);
	st->root = -1;
}

/* One listing of the case's dir: the timed operation. */
static int list_once(struct readdir_state *st, unsigned long long *t, struct bb_error *err)
{
	ssize_t n;
	int fd, code = 0;

	t[0] = clock_ns();
	fd = openat(st->root, st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		while ((n = getdents64(fd, st->buf, READDIR_BUF)) > 0)
			;
		if (n < 0)
			code = errno;
		close(fd);
	} else {
		code = errno;
	}
	t[1] = clock_ns();
	if (code)
		return bb_err(err, code, "cannot list %s/%s: %s (%s of the stack %s)",
			      st->fx.merged, st->dir, errno_name(code),
			      fd < 0 ? "open" : "getdents64", st->stack.dir);
	return 0;
}

static int readdir_setup(struct run_ctx *ctx, struct bench_case *c, struct bb_error *err)
{
	struct readdir_state *st = calloc(1, sizeof(*st));
	struct layer_stack_params p;
	unsigned long long t[2];
	int e;

	if (!st)
		return bb_err(err, ENOMEM, "out of memory");
	st->root = -1;
	snprintf(st->dir, sizeof(st->dir), "shared");
	c->priv = st;
	st->buf = malloc(READDIR_BUF);
	if (!st->buf)
		return bb_err(err, ENOMEM, "out of memory");
	layer_stack_params_default(&p);
	p.depth = (unsigned)c->arg[0];
	p.files_per_layer = (unsigned)c->arg[1];
	p.whiteouts_per_layer = (unsigned)c->arg[2];
	p.seed = ctx->cfg->seed;
	if ((e = run_stack(ctx, c, &p, &st->stack, err)))
		return e;
	if (ctx->cfg->image) {
		const struct planted *d = layer_stack_find_role(&st->stack, "readdir");

		if (!d)
			return bb_err(err, ENOENT, "the image %s has no directory to list",
				      st->stack.dir);
		snprintf(st->dir, sizeof(st->dir), "%s", d->path);
	}
	/* mount(2), as for lookup: one syscall outside the span, where fsconfig makes one per
	 * layer. */
	if ((e = ovl_fixture_init(&st->fx, &st->stack, ctx->session->workdir, "readdir",
				  MOUNT_API_LEGACY, NULL, err)))
		return e;
	if (c->arg[3] != CACHE_WARM)
		return 0;
	if ((e = ovl_fixture_mount(&st->fx, NULL, err)) || (e = open_root(st, err)))
		return e;
	return list_once(st, t, err);
}

static int readdir_iterate(struct run_ctx *ctx, struct bench_case *c, struct sample *s,
			   struct timed_span *span, struct bb_error *err)
{
	struct readdir_state *st = c->priv;
	unsigned long long t[2];
	int e;

	(void)ctx;
	if (c->arg[3] == CACHE_DROPPED && (e = run_drop_dentries(err)))
		return e;
	if (c->arg[3] != CACHE_WARM &&
	    ((e = ovl_fixture_mount(&st->fx, NULL, err)) || (e = open_root(st, err))))
		return e;
	e = list_once(st, t, err);
	if (c->arg[3] != CACHE_WARM) {
		/* Listing writes nothing to the upper layer: no wipe between mounts. */
		close_root(st);
		if (!e)
			e = ovl_fixture_umount(&st->fx, NULL, err);
	}
	if (e)
		return e;
	sample_span(s, span, getpid(), t[0], t[1]);
	return 0;
}

static void readdir_teardown(struct run_ctx *ctx, struct bench_case *c)
{
	struct readdir_state *st = c->priv;

	(void)ctx;
	if (st) {
		close_root(st);
		ovl_fixture_release(&st->fx);
		layer_stack_free(&st->stack);
		free(st->buf);
	}
	free(st);
	c->priv = NULL;
}

const struct scenario scenario_readdir = {
	.name = "readdir",
	.summary = "merged directory listing (open, getdents64, close) by depth, entries and "
		   "whiteouts per layer, cold, warm or dropped dentries",
	.plan = readdir_plan,
	.setup = readdir_setup,
	.iterate = readdir_iterate,
	.teardown = readdir_teardown,
};
