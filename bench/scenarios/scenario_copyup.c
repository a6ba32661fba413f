/* The copyup scenario: what the first modification of a lower file costs on overlay, by its
 * size, the layer it comes from, the call that triggers the copy (open for write, truncate,
 * chmod, link) and the mount's options (metacopy copies only metadata on chmod and link;
 * volatile skips the fsync that ends every copy-up of data).
 *
 * Every iteration needs a file not yet copied up, and a stack holds one per size and layer, so
 * each iteration mounts a fresh overlay on an emptied upper/work pair, outside the timed span.
 * Also outside it: copying up the file's parent dir and resolving the file, so the span holds
 * the file's own copy-up and nothing the lookup scenario already measures.
 *
 * The layers and the upper dir share one file system: the stack cache's (fs:<its name>), and in
 * the full suite also xfs and btrfs on loop images made for the run (reflink lets a copy-up
 * clone instead of copy), with the stack built on them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/backing_fs.h"
#include "common/fsutil.h"
#include "ovl_fixture.h"
#include "rootfs_fixture.h"
#include "run_driver.h"
#include "scenario.h"
#include "harness/session.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

extern const struct scenario scenario_copyup;

enum trigger { TRIG_OPEN_W, TRIG_TRUNCATE, TRIG_CHMOD, TRIG_LINK, N_TRIGGERS };
enum copyup_opts { OPTS_DEFAULT, OPTS_METACOPY, OPTS_VOLATILE, N_OPTS };

static const char *const trigger_names[] = { "open-w", "truncate", "chmod", "link" };
static const char *const opts_names[] = { "default", "metacopy", "volatile" };

#define KiB 1024ULL
#define MiB (1024ULL * 1024)
#define GiB (1024ULL * 1024 * 1024)

static const unsigned quick_depths[] = { 8 }, default_depths[] = { 8, 64 },
		      full_depths[] = { 8, 64 };
static const unsigned long long quick_sizes[] = { 4 * KiB, 1 * MiB },
				default_sizes[] = { 0, 4 * KiB, 64 * KiB, 1 * MiB, 16 * MiB },
				full_sizes[] = {
					0, 4 * KiB, 64 * KiB, 1 * MiB, 16 * MiB, 64 * MiB
				};
/* Full adds one sparse file: 4 KiB of data, then a hole to 1 GiB (copy-up skips holes). */
#define SPARSE_SIZE GiB

enum { ARG_DEPTH, ARG_SIZE, ARG_TOP, ARG_TRIGGER, ARG_OPTS, ARG_SPARSE, ARG_LOOPFS, ARG_DRIVER };

/* The file systems full runs on loop images besides the cache's own, at its first depth. */
static const enum backing_fs loop_fs[] = { FS_EXT4, FS_XFS, FS_BTRFS };

#define LOOP_IMAGE_SIZE (4 * GiB) /* sparse: the stacks (~170 MiB) and one upper at a time */
#define NO_LOOPFS	(-1)

/* One loop-mounted file system per kind, shared by every case on it: the first case to need it
 * mounts it and builds the stack there, the last one's teardown takes it away. */
static struct loop_backing {
	struct backing_fs_mount m;
	char dir[320]; /* the mount point; the stacks and the cases' dirs are inside */
	unsigned users;
	char error[300]; /* why it could not be made: every case on it fails the same way */
} loops[N(loop_fs)];

struct copyup_state {
	struct layer_stack stack;
	struct ovl_fixture fx; /* kernel overlay's cases */
	struct rootfs_fixture rf; /* the other drivers' (use_rf) */
	bool use_rf;
	char path[256]; /* the planted file, relative to the merged root */
	char link[272]; /* where TRIG_LINK puts its new name */
	struct loop_backing *loop; /* the loop file system it holds, or NULL */
	int cwd; /* where to come back after working inside the mount */
	bool have_cwd;
};

static size_t copyup_sizes(const struct run_ctx *ctx, const unsigned long long **out)
{
	return run_sizes(ctx, quick_sizes, N(quick_sizes), default_sizes, N(default_sizes),
			 full_sizes, N(full_sizes), out);
}

/* Default keeps the size sweep for the plain first write, and each other trigger, option and
 * layer at the sizes that tell most (4 KiB: all overhead; 1 MiB: mostly data; 16 MiB where the
 * option changes the data part); the second depth only checks that depth changes little. Quick
 * touches every trigger, option and layer once per size, for the tests. Full runs it all. */
static bool copyup_wanted(const struct run_ctx *ctx, bool first_depth, unsigned long long size,
			  bool top, enum trigger tr, enum copyup_opts o)
{
	bool user_sizes = ctx->cfg->n_sizes > 0;
	bool pair = user_sizes || size == 4 * KiB || size == 1 * MiB;
	bool trio = pair || size == 16 * MiB;

	switch (ctx->cfg->suite) {
	case SUITE_FULL:
		return true;
	case SUITE_QUICK:
		return (!top && tr == TRIG_OPEN_W && o == OPTS_DEFAULT) ||
		       (top && tr == TRIG_TRUNCATE && o == OPTS_DEFAULT) ||
		       (!top && tr == TRIG_CHMOD && o == OPTS_METACOPY) ||
		       (!top && tr == TRIG_LINK && o == OPTS_VOLATILE);
	default:
		break;
	}
	if (!first_depth)
		return pair && tr == TRIG_OPEN_W && o == OPTS_DEFAULT;
	if (tr == TRIG_OPEN_W && o == OPTS_DEFAULT)
		return !top || pair;
	if (top)
		return false;
	if (o == OPTS_DEFAULT)
		return pair;
	if (o == OPTS_METACOPY)
		return trio && tr == TRIG_CHMOD;
	return trio && tr == TRIG_OPEN_W;
}

static int add_case_on(const struct run_ctx *ctx, struct case_list *cases,
		       const struct storage_driver *d, const char *fs, int loopfs, unsigned depth,
		       unsigned long long size, bool sparse, bool top, enum trigger tr,
		       enum copyup_opts o, struct bb_error *err)
{
	struct bench_case *c = case_add(cases, &scenario_copyup, err);
	char sz[32];

	if (!c)
		return -ENOMEM;
	size_name(size, sz, sizeof(sz));
	case_driver_param(c, d);
	c->arg[ARG_DRIVER] = d != &driver_overlay;
	case_image_param(ctx, c);
	case_param(c, "fs", "%s", fs);
	case_param(c, "depth", "%u", depth);
	case_param(c, "size", "%s%s", sz, sparse ? "-sparse" : "");
	case_param(c, "at", "%s", top ? "top" : "bottom");
	case_param(c, "trigger", "%s", trigger_names[tr]);
	case_param(c, "opts", "%s", opts_names[o]);
	c->arg[ARG_DEPTH] = depth;
	c->arg[ARG_SIZE] = (long long)size;
	c->arg[ARG_TOP] = top;
	c->arg[ARG_TRIGGER] = tr;
	c->arg[ARG_OPTS] = o;
	c->arg[ARG_SPARSE] = sparse;
	c->arg[ARG_LOOPFS] = loopfs;
	c->func_metric = FUNC_COPY_UP;
	return 0;
}

static int add_case(const struct run_ctx *ctx, struct case_list *cases, const char *fs, int loopfs,
		    unsigned depth, unsigned long long size, bool sparse, bool top, enum trigger tr,
		    enum copyup_opts o, struct bb_error *err)
{
	return add_case_on(ctx, cases, &driver_overlay, fs, loopfs, depth, size, sparse, top, tr, o,
			   err);
}

/* The other drivers' cases: the first write of a file from the bottom layer, each size, on
 * the cache's file system: what a container pays for its first write on that driver (on vfs
 * and btrfs the file is already the container's: the write is the whole cost). */
static int plan_drivers(const struct run_ctx *ctx, struct case_list *cases, const char *fs,
			unsigned depth, const unsigned long long *sizes, size_t ns,
			struct bb_error *err)
{
	const struct storage_driver *drivers[RUN_LIST_MAX];
	size_t n_drivers = run_drivers(ctx, drivers);
	int e;

	if (depth > RUN_DRIVER_MAX_DEPTH)
		return 0;
	for (size_t d = 0; d < n_drivers; d++) {
		if (drivers[d] == &driver_overlay)
			continue;
		for (size_t s = 0; s < ns; s++)
			if ((e = add_case_on(ctx, cases, drivers[d], fs, NO_LOOPFS, depth, sizes[s],
					     false, false, TRIG_OPEN_W, OPTS_DEFAULT, err)))
				return e;
	}
	return 0;
}

/* The cases of one file system at one depth. */
static int plan_fs(const struct run_ctx *ctx, struct case_list *cases, const char *fs, int loopfs,
		   unsigned depth, bool first, const unsigned long long *sizes, size_t ns,
		   struct bb_error *err)
{
	bool sparse = ctx->cfg->suite == SUITE_FULL && !ctx->cfg->n_sizes;
	int e;

	for (size_t s = 0; s < ns + sparse; s++) {
		unsigned long long size = s < ns ? sizes[s] : SPARSE_SIZE;

		for (int top = 0; top <= 1; top++)
			for (int tr = 0; tr < N_TRIGGERS; tr++)
				for (int o = 0; o < N_OPTS; o++) {
					if (!copyup_wanted(ctx, first, size, top, tr, o))
						continue;
					e = add_case(ctx, cases, fs, loopfs, depth, size, s >= ns,
						     top, tr, o, err);
					if (e)
						return e;
				}
	}
	return 0;
}

/* An image's cases: its largest file at the bottom and at the top, each with the triggers and
 * options a size that tells most gets. */
static int plan_image(const struct run_ctx *ctx, struct case_list *cases, const char *fs,
		      unsigned depth, struct bb_error *err)
{
	for (int top = 0; top <= 1; top++) {
		const struct planted *pl = layer_stack_find_role(
			ctx->cfg->image, top ? "copyup-top" : "copyup-bottom");
		int e;

		if (!pl)
			continue;
		for (int tr = 0; tr < N_TRIGGERS; tr++)
			for (int o = 0; o < N_OPTS; o++) {
				if (!copyup_wanted(ctx, true, 4 * KiB, top, tr, o))
					continue;
				e = add_case(ctx, cases, fs, NO_LOOPFS, depth, pl->size, false, top,
					     tr, o, err);
				if (e)
					return e;
			}
	}
	return 0;
}

static int copyup_plan(const struct run_ctx *ctx, struct case_list *cases, struct bb_error *err)
{
	const unsigned *depths;
	const unsigned long long *sizes;
	size_t nd = run_depths(ctx, quick_depths, N(quick_depths), default_depths,
			       N(default_depths), full_depths, N(full_depths), &depths);
	size_t ns = copyup_sizes(ctx, &sizes);
	/* The stacks live in the cache dir; the session may not have named it yet. */
	const char *fs = ctx->cfg->stack_fs
				 ? ctx->cfg->stack_fs
				 : ovl_fixture_fs_name(ctx->session->cache_dir[0]
							       ? ctx->session->cache_dir
							       : SESSION_DEFAULT_CACHE_DIR);
	int e;

	if (ctx->cfg->image)
		return plan_image(ctx, cases, fs, depths[0], err);
	if (ns > LAYER_STACK_MAX_COPYUP_SIZES)
		return bb_err(err, EINVAL,
			      "copyup takes at most %d sizes (one planted file each per layer "
			      "stack); got %zu in --size",
			      LAYER_STACK_MAX_COPYUP_SIZES, ns);
	for (size_t d = 0; d < nd; d++) {
		bool first = d == 0 || ctx->cfg->n_depths;

		if ((e = plan_fs(ctx, cases, fs, NO_LOOPFS, depths[d], first, sizes, ns, err)) ||
		    (e = plan_drivers(ctx, cases, fs, depths[d], sizes, ns, err)))
			return e;
		/* Other file systems: full only, at its first depth (depth changes little). */
		if (ctx->cfg->suite != SUITE_FULL || d)
			continue;
		for (size_t f = 0; f < N(loop_fs); f++) {
			if (!strcmp(fs, backing_fs_name(loop_fs[f])))
				continue;
			e = plan_fs(ctx, cases, backing_fs_name(loop_fs[f]), (int)f, depths[d],
				    first, sizes, ns, err);
			if (e)
				return e;
		}
	}
	return 0;
}

static int loop_acquire(struct run_ctx *ctx, struct copyup_state *st, int f, struct bb_error *err)
{
	struct loop_backing *lb = &loops[f];
	const char *name = backing_fs_name(loop_fs[f]);
	int e;

	if (lb->error[0])
		return bb_err(err, EIO, "%s", lb->error);
	if (!lb->users) {
		snprintf(lb->dir, sizeof(lb->dir), "%s/copyup-%s", ctx->session->workdir, name);
		e = mkdir_p(lb->dir, 0755, err);
		if (!e)
			e = backing_fs_mount(&lb->m, loop_fs[f], ctx->session->workdir, lb->dir,
					     LOOP_IMAGE_SIZE, err);
		if (e) {
			rmdir(lb->dir);
			bb_err_wrap(
				err,
				"cannot make the %s file system the fs:%s cases run on (scripts/"
				"deps.sh installs its mkfs)",
				name, name);
			snprintf(lb->error, sizeof(lb->error), "%s", err->msg);
			return e;
		}
	}
	lb->users++;
	st->loop = lb;
	return 0;
}

static void loop_release(struct copyup_state *st)
{
	struct loop_backing *lb = st->loop;

	st->loop = NULL;
	if (!lb || --lb->users)
		return;
	backing_fs_umount(&lb->m, NULL);
	rmdir(lb->dir);
}

static int hold_cwd(struct copyup_state *st, struct bb_error *err)
{
	st->cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (st->cwd < 0)
		return bb_err(err, errno, "cannot hold on to the current dir: %s",
			      errno_name(errno));
	st->have_cwd = true;
	return 0;
}

/* On an image, the lowers are the image's and the uppers in the work dir, wherever each is:
 * the copy-up crosses file systems when they differ, as it does for a real image. */
static int image_setup(struct run_ctx *ctx, struct bench_case *c, struct copyup_state *st,
		       const struct ovl_options *o, struct bb_error *err)
{
	const char *role = c->arg[ARG_TOP] ? "copyup-top" : "copyup-bottom";
	const struct planted *pl;
	int e;

	if ((e = run_stack(ctx, c, NULL, &st->stack, err)))
		return e;
	pl = layer_stack_find_role(&st->stack, role);
	if (!pl)
		return bb_err(err, ENOENT, "the image %s has no %s file", st->stack.dir, role);
	snprintf(st->path, sizeof(st->path), "%s", pl->path);
	snprintf(st->link, sizeof(st->link), "%s.boxbench-link", st->path);
	if ((e = ovl_fixture_init(&st->fx, &st->stack, ctx->session->workdir, "copyup",
				  MOUNT_API_LEGACY, o, err)))
		return e;
	return hold_cwd(st, err);
}

static int copyup_setup(struct run_ctx *ctx, struct bench_case *c, struct bb_error *err)
{
	struct copyup_state *st = calloc(1, sizeof(*st));
	struct ovl_options o = { 0 };
	struct layer_stack_params p;
	const unsigned long long *sizes;
	const char *want_fs = case_value(c, "fs"), *cache = ctx->session->cache_dir,
		   *work = ctx->session->workdir;
	unsigned long long size = (unsigned long long)c->arg[ARG_SIZE];
	char loop_cache[400];
	int e;

	if (!st)
		return bb_err(err, ENOMEM, "out of memory");
	c->priv = st;
	if (c->arg[ARG_LOOPFS] != NO_LOOPFS) {
		/* Stack and upper dirs both on the loop file system, built there for the run. */
		if ((e = loop_acquire(ctx, st, (int)c->arg[ARG_LOOPFS], err)))
			return e;
		snprintf(loop_cache, sizeof(loop_cache), "%s/stacks", st->loop->dir);
		cache = loop_cache;
		work = st->loop->dir;
	}
	layer_stack_params_default(&p);
	p.depth = (unsigned)c->arg[ARG_DEPTH];
	p.seed = ctx->cfg->seed;
	if (c->arg[ARG_SPARSE]) {
		p.sparse = true;
		p.copyup_sizes[0] = size;
		p.n_copyup_sizes = 1;
	} else {
		/* Every size of the run in one stack per depth: built once, shared by all. */
		p.n_copyup_sizes = copyup_sizes(ctx, &sizes);
		memcpy(p.copyup_sizes, sizes, p.n_copyup_sizes * sizeof(*sizes));
	}
	o.metacopy = c->arg[ARG_OPTS] == OPTS_METACOPY;
	o.volatile_mount = c->arg[ARG_OPTS] == OPTS_VOLATILE;
	if (ctx->cfg->image)
		return image_setup(ctx, c, st, &o, err);
	if ((e = layer_stack_build(&st->stack, &p, cache, err)))
		return e;
	snprintf(c->stack_key, sizeof(c->stack_key), "%s", st->stack.key);
	if (strcmp(want_fs, ovl_fixture_fs_name(st->stack.dir)))
		return bb_err(
			err, EXDEV,
			"the case was named for layers on %s, but the stack cache %s is on %s: "
			"its results would carry the wrong fs, so it does not run (the run "
			"must name its cases with the cache dir it uses)",
			want_fs, cache, ovl_fixture_fs_name(st->stack.dir));
	if (strcmp(want_fs, ovl_fixture_fs_name(work)))
		return bb_err(err, EXDEV,
			      "the upper layers would be on %s (work dir %s) and the lower ones on "
			      "%s (stack cache %s): a copy-up across file systems is not what "
			      "fs:%s names; give --work-dir on the cache dir's file system",
			      ovl_fixture_fs_name(work), work, want_fs, cache, want_fs);
	snprintf(st->path, sizeof(st->path), "copyup/%s-%llu", c->arg[ARG_TOP] ? "top" : "bottom",
		 size);
	snprintf(st->link, sizeof(st->link), "%s.link", st->path);
	st->use_rf = c->arg[ARG_DRIVER];
	if (st->use_rf)
		e = rootfs_fixture_init(&st->rf, ctx, c->driver, &st->stack, "copyup", err);
	else
		/* mount(2), as for lookup: the API changes nothing once mounted. */
		e = ovl_fixture_init(&st->fx, &st->stack, work, "copyup", MOUNT_API_LEGACY, &o,
				     err);
	if (e)
		return e;
	return hold_cwd(st, err);
}

static const char *merged(const struct copyup_state *st)
{
	return st->use_rf ? st->rf.rfs.merged : st->fx.merged;
}

static const char *upper_dir(const struct copyup_state *st)
{
	return st->use_rf ? st->rf.rfs.upper : st->fx.upper;
}

static int root_mount(struct copyup_state *st, struct bb_error *err)
{
	return st->use_rf ? rootfs_fixture_mount(&st->rf, NULL, err)
			  : ovl_fixture_mount(&st->fx, NULL, err);
}

static int root_umount(struct copyup_state *st, struct bb_error *err)
{
	return st->use_rf ? rootfs_fixture_umount(&st->rf, NULL, err)
			  : ovl_fixture_umount(&st->fx, NULL, err);
}

static int root_wipe(struct copyup_state *st, struct bb_error *err)
{
	return st->use_rf ? rootfs_fixture_wipe(&st->rf, err) : ovl_fixture_wipe(&st->fx, err);
}

/* The timed call; returns 0 or an errno. */
static int trigger(const struct copyup_state *st, enum trigger tr, unsigned long long size, int *fd)
{
	switch (tr) {
	case TRIG_OPEN_W:
		*fd = open(st->path, O_WRONLY | O_CLOEXEC);
		return *fd < 0 ? errno : 0;
	case TRIG_TRUNCATE:
		/* To its own size: the copy-up is all the call does. */
		return truncate(st->path, (off_t)size) < 0 ? errno : 0;
	case TRIG_CHMOD:
		return chmod(st->path, 0600) < 0 ? errno : 0;
	case TRIG_LINK:
		return link(st->path, st->link) < 0 ? errno : 0;
	default:
		return EINVAL;
	}
}

/* Copies up the dir holding path (relative to the cwd, the mount's root), and so its parents. */
static int parent_copy_up(const char *path)
{
	const char *slash = strrchr(path, '/');
	char parent[256];
	struct stat sb;

	if (!slash)
		return 0;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	if (lstat(parent, &sb) < 0)
		return -1;
	return chmod(parent, sb.st_mode & 07777);
}

/* Inside the mount (cwd = its root): readies the parent and the name, runs the trigger. */
static int copyup_inside(struct copyup_state *st, const struct bench_case *c, unsigned long long *t,
			 struct bb_error *err)
{
	enum trigger tr = (enum trigger)c->arg[ARG_TRIGGER];
	char upper[512];
	struct stat sb;
	int fd = -1, code;

	/* Copy the parent dirs up first (a dir copy-up is metadata only; a chmod to its own
	 * mode changes nothing else) and cache the file's dentry, so neither lands in the span. */
	if (parent_copy_up(st->path) < 0)
		return bb_err(err, errno,
			      "cannot copy up the parent of %s on the overlay at %s: %s", st->path,
			      merged(st), errno_name(errno));
	if (lstat(st->path, &sb) < 0)
		return bb_err(err, errno,
			      "%s is missing on the overlay at %s: %s (planted in %s; remove that "
			      "stack dir to have it rebuilt)",
			      st->path, merged(st), errno_name(errno), st->stack.dir);
	t[0] = clock_ns();
	code = trigger(st, tr, (unsigned long long)c->arg[ARG_SIZE], &fd);
	t[1] = clock_ns();
	if (fd >= 0)
		close(fd);
	if (code)
		return bb_err(err, code, "%s of %s on the overlay at %s failed: %s",
			      trigger_names[tr], st->path, merged(st), errno_name(code));
	/* The call must have copied the file up; a kernel that skips it times nothing. */
	snprintf(upper, sizeof(upper), "%s/%s", upper_dir(st), st->path);
	if (lstat(upper, &sb) < 0)
		return bb_err(err, errno,
			      "%s of %s did not copy it up: %s is missing (%s); the timing would "
			      "be of something else",
			      trigger_names[tr], st->path, upper, errno_name(errno));
	return 0;
}

static int copyup_iterate(struct run_ctx *ctx, struct bench_case *c, struct sample *s,
			  struct timed_span *span, struct bb_error *err)
{
	struct copyup_state *st = c->priv;
	unsigned long long t[2];
	int e, back;

	(void)ctx;
	/* The pair is empty: fresh from setup, or wiped at the end of the last iteration. */
	if ((e = root_mount(st, err)))
		return e;
	/* Names relative to the mount's root make every trigger walk the same two components. */
	if (chdir(merged(st)) < 0) {
		e = bb_err(err, errno, "cannot change into the overlay at %s: %s", merged(st),
			   errno_name(errno));
	} else {
		e = copyup_inside(st, c, t, err);
		if (fchdir(st->cwd) < 0) {
			back = errno;
			e = bb_err(err, back,
				   "cannot return from the overlay at %s to the previous dir: %s",
				   merged(st), errno_name(back));
			/* Still inside it: only a detaching unmount can take it away. */
			ovl_fixture_release(&st->fx);
			rootfs_fixture_release(&st->rf);
			return e;
		}
	}
	if (e) {
		root_umount(st, NULL);
		return e;
	}
	/* Wiped now rather than before the next mount: a case holds no copied data (up to 64 MiB)
	 * while the other cases run. */
	if ((e = root_umount(st, err)) || (e = root_wipe(st, err)))
		return e;
	sample_span(s, span, getpid(), t[0], t[1]);
	return 0;
}

static void copyup_teardown(struct run_ctx *ctx, struct bench_case *c)
{
	struct copyup_state *st = c->priv;

	(void)ctx;
	if (st) {
		ovl_fixture_release(&st->fx);
		rootfs_fixture_release(&st->rf);
		layer_stack_free(&st->stack);
		if (st->have_cwd)
			close(st->cwd);
		loop_release(st);
	}
	free(st);
	c->priv = NULL;
}

const struct scenario scenario_copyup = {
	.name = "copyup",
	.summary = "first-modification cost on overlay by size, layer, trigger (open-w, "
		   "truncate, chmod, link) and options (metacopy, volatile)",
	.plan = copyup_plan,
	.setup = copyup_setup,
	.iterate = copyup_iterate,
	.teardown = copyup_teardown,
};
