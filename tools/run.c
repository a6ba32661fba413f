/* boxbench run: the benchmark matrix. Plans the scenarios' cases, runs them interleaved in a
 * seeded random order with the probes attached, prints a table and writes the results. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "builtin.h"
#include "scenarios/image_stack.h"
#include "common/parse.h"
#include "results/result_write.h"
#include "scenarios/run.h"
#include "scenarios/run_driver.h"
#include "common/stop.h"

static void print_help(void)
{
	printf("usage: boxbench run [options]\n"
	       "\n"
	       "Runs the benchmark matrix on real namespaces, cgroups and overlay mounts, with\n"
	       "the kernel's own view from eBPF beside every sample. By default every measured\n"
	       "iteration is led by an untimed primer of the same case and all cases' iterations\n"
	       "run in one seeded random order; a pace:idle case's go unprimed, each after the\n"
	       "kernel has settled (--idle-settle), and a pace:after-teardown case's each\n"
	       "follow one untimed iteration of their case, torn down, after the same settle.\n"
	       "Prints one line per case (median, p90, p99,\n"
	       "the share spent inside the kernel, samples) and writes the results as JSON (a\n"
	       "superset of google/benchmark's format; keys in results/README.md and\n"
	       "results/schema.json).\n"
	       "\n"
	       "options:\n"
	       "  --suite S          quick (seconds), default (under a minute) or full\n"
	       "  --scenario LIST    comma-separated, from:");
	for (size_t i = 0; i < n_scenarios; i++)
		printf("%s %s", i ? "," : "", scenarios[i]->name);
	printf("\n"
	       "  --depth LIST       layer depths, e.g. 1,8,64 (default: each scenario's suite list)\n"
	       "  --size LIST        file sizes for copyup, e.g. 4K,1M (same rule)\n"
	       "  --repetitions N    measured iterations per case (quick 5, default 40, full 60)\n"
	       "  --warmup N         untimed primers leading each block (1)\n"
	       "  --block N          a case's measured iterations come in blocks of N consecutive\n"
	       "                     ones, each led by its primers; the blocks of all cases run\n"
	       "                     in a seeded random order (1: blocks of more let a case's\n"
	       "                     samples share one cache state, which hides its spread)\n"
	       "  --settle S         what the run waits for between blocks, untimed, so that the\n"
	       "                     kernel's deferred work of one block does not land on the\n"
	       "                     next: none, grace periods (gp, 2gp: RCU, by membarrier) and\n"
	       "                     a sleep (5ms, 500us), joined by + (none)\n"
	       "  --cache LIST       the dentry caches lookup and readdir start from: cold (a\n"
	       "                     fresh overlay mount, the layers' dentries cached), warm\n"
	       "                     (one mount, the name looked up before) and dropped (the\n"
	       "                     layers' dentries and inodes dropped too: drop_caches=2,\n"
	       "                     global); default cold,warm, and dropped too in full\n"
	       "  --idle-settle S    what a pace:idle case waits for before each of its\n"
	       "                     iterations, which run one at a time and unprimed: long\n"
	       "                     enough for the kernel's lazy state to go idle, as before a\n"
	       "                     lone container start (default 3gp; same grammar)\n"
	       "  --seed N           seeds the stacks and the case order (default 1)\n"
	       "  --probe-mode MODE  auto (default), tracepoint, fentry, kprobe or off\n"
	       "  --out FILE         where the JSON goes (default results/<date>-<host>.json)\n"
	       "  --cache-dir DIR    layer stack cache (default " SESSION_DEFAULT_CACHE_DIR ")\n"
	       "  --work-dir DIR     where the run's dir goes (default " SESSION_DEFAULT_WORK_ROOT
	       ")\n"
	       "  --backing FS       where the layers and upper dirs live: ext4 (default), xfs,\n"
	       "                     btrfs or tmpfs: a file system made for the run on a loop\n"
	       "                     device in RAM, so no disk latency and no other writer's\n"
	       "                     journal commits land in the numbers; or host: the stack\n"
	       "                     cache and work dir on the host's disk (the default when\n"
	       "                     --cache-dir is given), to measure that disk too\n"
	       "  --probe-overhead   run every start case twice, probes attached and detached,\n"
	       "                     interleaved: the ratio of their medians is the probes' cost\n"
	       "  --image DIR        run on an image made by 'boxbench image import': its layers\n"
	       "                     at its own depth, lookups and copy-ups of its own files\n"
	       "                     (its largest at the bottom and at the top), whiteouts and\n"
	       "                     opaque dirs where it has them, its fullest dir listed;\n"
	       "                     cases are named image:<DIR's name>\n"
	       "  --driver LIST      storage drivers to compare, comma-separated, or all:");
	for (size_t i = 0; i < n_storage_drivers; i++)
		printf("%s %s", i ? "," : "", storage_drivers[i]->name);
	printf("\n"
	       "                     (default: overlay, every driver in full); each case that\n"
	       "                     names a driver runs on each, on the same stacks; a driver\n"
	       "                     that cannot work here is refused when named, its cases\n"
	       "                     skipped with the reason in full\n"
	       "  --list             print the cases the options give, run nothing\n"
	       "  -h, --help         this text\n"
	       "\n"
	       "scenarios:\n");
	for (size_t i = 0; i < n_scenarios; i++)
		printf("  %-10s %s\n", scenarios[i]->name, scenarios[i]->summary);
	printf("\n"
	       "Ctrl-C, SIGTERM or SIGHUP stop the run after the iteration under way: what was\n"
	       "measured is written (marked partial in the results' context) and everything the\n"
	       "run made is removed.\n"
	       "\n"
	       "exit status: 0 every case was measured; 1 a case failed (the results are written,\n"
	       "the failed cases marked, and a last line says how many failed and why) or the run\n"
	       "could not be done; 2 usage error; 130, 143 or 129 stopped by SIGINT, SIGTERM or\n"
	       "SIGHUP. Needs root.\n");
}

struct run_opts {
	struct run_config cfg;
	struct session_options session;
	const char *scenario_names[32];
	size_t n_names;
	char names_buf[512];
	const char *out;
	bool list;
	bool backing_given;
	const char *image_dir;
	struct layer_stack image;
	char image_name[64];
};

static int parse_list(const char *s, const char *what, bool sizes, struct run_config *cfg,
		      struct bb_error *err)
{
	char buf[512], *save = NULL;
	size_t *n = sizes ? &cfg->n_sizes : &cfg->n_depths;
	int e;

	snprintf(buf, sizeof(buf), "%s", s);
	*n = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned long long v;

		if (*n == RUN_LIST_MAX)
			return bb_err(err, EINVAL, "%s: at most %d values", what, RUN_LIST_MAX);
		e = sizes ? parse_size(t, what, &v, err)
			  : parse_uint(t, what, 1, LAYER_STACK_MAX_DEPTH, &v, err);
		if (e)
			return e;
		if (sizes)
			cfg->sizes[(*n)++] = v;
		else
			cfg->depths[(*n)++] = (unsigned)v;
	}
	return *n ? 0 : bb_err(err, EINVAL, "%s: give at least one value", what);
}

enum {
	O_SUITE = 256,
	O_SCEN,
	O_DEPTH,
	O_SIZE,
	O_REPS,
	O_WARM,
	O_BLOCK,
	O_SETTLE,
	O_IDLE_SETTLE,
	O_CACHE_STATES,
	O_SEED,
	O_PROBE,
	O_OUT,
	O_CACHE,
	O_WORK,
	O_LIST,
	O_OVERHEAD,
	O_BACKING,
	O_IMAGE,
	O_DRIVER,
};

/* --backing: a memory store of one of these file systems, or "host". */
static int parse_backing(const char *s, struct run_opts *o, struct bb_error *err)
{
	if (!strcmp(s, "host")) {
		o->session.store = STORE_HOST;
		o->backing_given = true;
		return 0;
	}
	o->session.store = STORE_MEMORY;
	o->backing_given = true;
	if (backing_fs_parse(s, &o->session.memory_fs, err))
		return bb_err(err, EINVAL,
			      "--backing: unknown '%s': choose ext4, xfs, btrfs or tmpfs (a file "
			      "system made in RAM for the run) or host (the host's disk)",
			      s);
	return 0;
}

/* --cache cold,warm,dropped */
static int parse_caches(const char *arg, struct run_config *cfg, struct bb_error *err)
{
	char buf[128], *save = NULL;
	enum cache_state c;

	snprintf(buf, sizeof(buf), "%s", arg);
	cfg->caches = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (cache_state_parse(t, &c) < 0)
			return bb_err(
				err, EINVAL,
				"--cache: unknown cache state '%s': give a list of cold, warm "
				"and dropped",
				t);
		cfg->caches |= 1u << c;
	}
	if (!cfg->caches)
		return bb_err(err, EINVAL, "--cache: give a list of cold, warm and dropped");
	return 0;
}

static int parse_args(int argc, char **argv, struct run_opts *o, struct bb_error *err)
{
	static const struct option options[] = {
		{ "suite", required_argument, NULL, O_SUITE },
		{ "scenario", required_argument, NULL, O_SCEN },
		{ "depth", required_argument, NULL, O_DEPTH },
		{ "size", required_argument, NULL, O_SIZE },
		{ "repetitions", required_argument, NULL, O_REPS },
		{ "warmup", required_argument, NULL, O_WARM },
		{ "block", required_argument, NULL, O_BLOCK },
		{ "settle", required_argument, NULL, O_SETTLE },
		{ "idle-settle", required_argument, NULL, O_IDLE_SETTLE },
		{ "cache", required_argument, NULL, O_CACHE_STATES },
		{ "seed", required_argument, NULL, O_SEED },
		{ "probe-mode", required_argument, NULL, O_PROBE },
		{ "out", required_argument, NULL, O_OUT },
		{ "cache-dir", required_argument, NULL, O_CACHE },
		{ "work-dir", required_argument, NULL, O_WORK },
		{ "list", no_argument, NULL, O_LIST },
		{ "probe-overhead", no_argument, NULL, O_OVERHEAD },
		{ "backing", required_argument, NULL, O_BACKING },
		{ "image", required_argument, NULL, O_IMAGE },
		{ "driver", required_argument, NULL, O_DRIVER },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long long v;
	char *save = NULL;
	int opt, e = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1 && !e) {
		switch (opt) {
		case O_SUITE:
			e = suite_parse(optarg, &o->cfg.suite, err);
			break;
		case O_SCEN:
			snprintf(o->names_buf, sizeof(o->names_buf), "%s", optarg);
			o->n_names = 0;
			for (char *t = strtok_r(o->names_buf, ",", &save); t && o->n_names < 32;
			     t = strtok_r(NULL, ",", &save))
				o->scenario_names[o->n_names++] = t;
			break;
		case O_DEPTH:
			e = parse_list(optarg, "--depth", false, &o->cfg, err);
			break;
		case O_SIZE:
			e = parse_list(optarg, "--size", true, &o->cfg, err);
			break;
		case O_REPS:
			e = parse_uint(optarg, "--repetitions", 1, 100000, &v, err);
			o->cfg.repetitions = (unsigned)v;
			break;
		case O_WARM:
			e = parse_uint(optarg, "--warmup", 0, 100000, &v, err);
			o->cfg.warmup = (unsigned)v;
			break;
		case O_BLOCK:
			e = parse_uint(optarg, "--block", 1, 100000, &v, err);
			o->cfg.block = (unsigned)v;
			break;
		case O_SETTLE:
			e = run_settle_parse("--settle", optarg, &o->cfg.settle, err);
			o->cfg.settle_set = true;
			break;
		case O_CACHE_STATES:
			e = parse_caches(optarg, &o->cfg, err);
			break;
		case O_IDLE_SETTLE:
			e = run_settle_parse("--idle-settle", optarg, &o->cfg.idle_settle, err);
			o->cfg.idle_settle_set = true;
			break;
		case O_SEED:
			/* JSON integers are signed 64-bit: a larger seed could not be recorded. */
			e = parse_uint(optarg, "--seed", 0, 9223372036854775807ULL, &o->cfg.seed,
				       err);
			break;
		case O_PROBE:
			e = probe_mode_parse(optarg, &o->cfg.probe_mode, err);
			break;
		case O_OUT:
			o->out = optarg;
			break;
		case O_CACHE:
			o->session.cache_dir = optarg;
			break;
		case O_WORK:
			o->session.work_root = optarg;
			break;
		case O_LIST:
			o->list = true;
			break;
		case O_OVERHEAD:
			o->cfg.probe_overhead = true;
			break;
		case O_BACKING:
			e = parse_backing(optarg, o, err);
			break;
		case O_IMAGE:
			o->image_dir = optarg;
			break;
		case O_DRIVER:
			e = driver_list_parse(optarg, o->cfg.drivers, RUN_LIST_MAX, err);
			if (e > 0) {
				o->cfg.n_drivers = (size_t)e;
				e = 0;
			}
			break;
		case 'h':
			return 1;
		default:
			e = usage_option_error(opt, argv, err);
		}
	}
	if (!e && optind < argc)
		e = usage_option_error(-1, argv, err);
	return e;
}

struct progress {
	bool tty;
	unsigned long long start;
	size_t done, total; /* iterations, for a stopped run's partial_reason */
};

static void show_progress(void *arg, size_t done, size_t total, const struct bench_case *c)
{
	struct progress *p = arg;
	double el = (clock_ns() - p->start) / 1e9, eta = done ? el * (total - done) / done : 0;

	p->done = done;
	p->total = total;
	if (!p->tty)
		return;
	fprintf(stderr, "\r\033[K[%zu/%zu] %.0fs elapsed, eta %.0fs  %.60s", done, total, el, eta,
		c->name);
	if (done == total)
		fprintf(stderr, "\r\033[K");
}

/* From the summary the JSON's aggregate rows are written from: the table and the file cannot
 * disagree, the in-kernel share included ("-" where the JSON has no kernel_share). */
static bool case_median(const struct bench_case *c, double *median)
{
	struct result_summary sum;

	if (c->error[0] || !c->n_samples || result_case_summary(c, &sum, NULL))
		return false;
	*median = sum.wall.median;
	return true;
}

static void print_row(const struct run_ctx *ctx, const struct bench_case *c, size_t width,
		      const struct bench_case *ref)
{
	struct result_summary sum;
	double share, base;

	if (c->error[0] || !c->n_samples) {
		printf("%-*s  %s: %s\n", (int)width, c->name, c->skipped ? "skipped" : "failed",
		       c->error[0] ? c->error : "no samples");
		return;
	}
	if (result_case_summary(c, &sum, NULL))
		return;
	printf("%-*s %11.1f %11.1f %11.1f", (int)width, c->name, sum.wall.median / 1e3,
	       sum.wall.p90 / 1e3, sum.wall.p99 / 1e3);
	if (result_summary_share(&sum, "median", &share))
		printf(" %6.0f%%", 100 * share);
	else
		printf(" %7s", "-");
	printf(" %7zu  %s", c->n_samples, case_source(ctx, c));
	if (ref && ref != c && case_median(ref, &base) && base > 0)
		printf("  x%.2f overlay", sum.wall.median / base);
	printf("\n");
}

/* With several drivers, each case's drivers are printed together, kernel overlay first, and
 * the others with the ratio of their median to overlay's. */
static void print_table(const struct run_ctx *ctx, const struct case_list *cases)
{
	const struct storage_driver *drivers[RUN_LIST_MAX];
	bool side_by_side = run_drivers(ctx, drivers) > 1;
	bool *done = calloc(cases->n ? cases->n : 1, sizeof(*done));
	size_t width = 30;

	if (!done)
		return;
	for (size_t i = 0; i < cases->n; i++)
		if (strlen(cases->items[i].name) > width)
			width = strlen(cases->items[i].name);
	printf("%-*s %11s %11s %11s %7s %7s  %s\n", (int)width, "case", "median µs", "p90 µs",
	       "p99 µs", "kernel", "samples", side_by_side ? "source, vs overlay" : "source");
	for (size_t i = 0; i < cases->n; i++) {
		const struct bench_case *c = &cases->items[i], *ref = NULL;
		char key[CASE_NAME_MAX], other[CASE_NAME_MAX];

		if (done[i])
			continue;
		if (!side_by_side) {
			print_row(ctx, c, width, NULL);
			continue;
		}
		case_name_without_driver(c->name, key, sizeof(key));
		for (size_t j = i; j < cases->n && !ref; j++) {
			const struct bench_case *o = &cases->items[j];

			case_name_without_driver(o->name, other, sizeof(other));
			if (!strcmp(key, other) && (!o->driver || o->driver == &driver_overlay))
				ref = o;
		}
		for (size_t j = i; j < cases->n; j++) {
			case_name_without_driver(cases->items[j].name, other, sizeof(other));
			if (done[j] || strcmp(key, other))
				continue;
			if (ref && !done[ref - cases->items]) {
				done[ref - cases->items] = true;
				print_row(ctx, ref, width, NULL);
			}
			if (!done[j])
				print_row(ctx, &cases->items[j], width, ref);
			done[j] = true;
		}
	}
	free(done);
}

/* The last line of a run where cases failed: how many, in which scenarios, and the first
 * failure's words (the table above has every one). */
static size_t print_failures(const struct case_list *cases)
{
	const struct bench_case *first = NULL;
	char by[512] = "";
	size_t failed = 0, len = 0;

	for (size_t i = 0; i < n_scenarios; i++) {
		size_t n = 0;

		for (size_t j = 0; j < cases->n; j++)
			n += cases->items[j].scenario == scenarios[i] && cases->items[j].error[0] &&
			     !cases->items[j].skipped;
		if (n && len < sizeof(by))
			len += snprintf(by + len, sizeof(by) - len, "%s%s %zu", len ? ", " : "",
					scenarios[i]->name, n);
		failed += n;
	}
	for (size_t j = 0; j < cases->n && !first; j++)
		if (cases->items[j].error[0] && !cases->items[j].skipped)
			first = &cases->items[j];
	if (failed)
		fprintf(stderr, "boxbench run: %zu of %zu cases failed (%s); the first, %s: %s\n",
			failed, cases->n, by, first->name, first->error);
	return failed;
}

static bool any_sample(const struct case_list *cases)
{
	for (size_t i = 0; i < cases->n; i++)
		if (cases->items[i].n_samples)
			return true;
	return false;
}

static void default_out(char *buf, size_t len)
{
	char host[128] = "host", date[16];
	time_t now = time(NULL);

	gethostname(host, sizeof(host) - 1);
	strftime(date, sizeof(date), "%Y-%m-%d", localtime(&now));
	mkdir("results", 0755);
	snprintf(buf, len, "results/%s-%s.json", date, host);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct run_ctx ctx = { 0 };
	struct case_list cases = { 0 };
	struct session session = { 0 };
	struct probes probes = { 0 };
	struct progress prog = { 0 };
	struct run_meta meta = { 0 };
	struct bb_error err = { 0 };
	char out[1024], partial[128], settle_name[32], idle_settle_name[32], drivers[160];
	struct run_settle settle;
	json_t *doc = NULL;
	bool measured = false;
	int e, status = 1;

	o.cfg.suite = SUITE_DEFAULT;
	o.cfg.warmup = ~0u;
	o.cfg.seed = 1;
	o.cfg.probe_mode = PROBE_MODE_AUTO;
	e = parse_args(argc, argv, &o, &err);
	if (e == 1) {
		print_help();
		return 0;
	}
	if (!e && !o.backing_given) {
		/* Runs that name host dirs mean the host's disk; the rest get the memory store. */
		o.session.store = o.session.cache_dir ? STORE_HOST : STORE_MEMORY;
		o.session.memory_fs = FS_EXT4;
	}
	if (!e && o.session.store == STORE_MEMORY && o.session.cache_dir)
		e = bb_err(&err, EINVAL,
			   "--cache-dir names where host stacks are kept, but --backing %s builds "
			   "them in RAM for the run: give --backing host with it",
			   backing_fs_name(o.session.memory_fs));
	if (e)
		return usage_error("run", "%s", err.msg);
	if (o.session.store == STORE_MEMORY)
		o.cfg.stack_fs = backing_fs_name(o.session.memory_fs);
	/* A driver the user named and this machine cannot run is no usage error: say why. */
	if (run_drivers_check(&o.cfg, &err)) {
		fprintf(stderr, "boxbench run: %s\n", err.msg);
		return 1;
	}
	if (o.image_dir) {
		/* Read before planning: which cases an image has depends on what is in it. */
		if (o.cfg.n_depths || o.cfg.n_sizes)
			return usage_error("run",
					   "--image runs at the image's own depth and on its "
					   "own files: leave out --depth and --size");
		if (image_stack_open(o.image_dir, &o.image, &err)) {
			fprintf(stderr, "boxbench run: %s\n", err.msg);
			return EXIT_USAGE;
		}
		snprintf(o.image_name, sizeof(o.image_name), "%s", basename(o.image.dir));
		o.cfg.image = &o.image;
		o.cfg.image_name = o.image_name;
	}
	ctx.cfg = &o.cfg;
	ctx.session = &session;
	ctx.probes = &probes;
	/* Planning reads the cache dir (a case names the file system its layers are on), so
	 * it is known before the session opens. */
	snprintf(session.cache_dir, sizeof(session.cache_dir), "%s",
		 o.session.cache_dir ? o.session.cache_dir : SESSION_DEFAULT_CACHE_DIR);
	if (o.list) {
		/* Planning touches nothing: it needs neither root nor a session. */
		if (run_plan(&ctx, o.scenario_names, o.n_names, &cases, &err)) {
			case_list_free(&cases);
			return usage_error("run", "%s", err.msg);
		}
		for (size_t i = 0; i < cases.n; i++)
			printf("%s\n", cases.items[i].name);
		case_list_free(&cases);
		layer_stack_free(&o.image);
		return 0;
	}
	if (require_root("run", "it creates namespaces, cgroups and overlay mounts and loads "
				"BPF programs"))
		return 1;
	if (o.out)
		snprintf(out, sizeof(out), "%s", o.out);
	else
		default_out(out, sizeof(out));
	/* The results are written at the end: a path that cannot take them is refused first. */
	if (atomic_file_check(out, &err))
		return usage_error("run", "--out: %s", err.msg);

	if ((e = run_plan(&ctx, o.scenario_names, o.n_names, &cases, &err))) {
		case_list_free(&cases);
		return usage_error("run", "%s", err.msg);
	}
	o.session.cgroups = true;
	o.session.cgroup_want = CGROUP_WANT(CGROUP_MEMORY) | CGROUP_WANT(CGROUP_PIDS);
	prog.tty = isatty(2);
	prog.start = clock_ns();
	if ((e = stop_signals_catch())) {
		bb_err(&err, -e, "cannot catch SIGINT and SIGTERM: %s", errno_name(-e));
		goto fail;
	}
	if ((e = session_open(&session, &o.session, &err)) ||
	    (e = probes_open(&probes, o.cfg.probe_mode, getpid(), &err)) ||
	    (e = run_execute(&ctx, &cases, show_progress, &prog, &err)))
		goto fail;
	measured = true;
	if (stop_requested()) {
		if (prog.tty)
			fprintf(stderr, "\r\033[K");
		if (!any_sample(&cases)) {
			fprintf(stderr,
				"boxbench run: stopped by %s before anything was measured; no "
				"results written, and what the run made is removed\n",
				stop_signal_name());
			status = stop_exit_status();
			goto done;
		}
		snprintf(partial, sizeof(partial), "stopped by %s after %zu of %zu iterations",
			 stop_signal_name(), prog.done, prog.total);
		meta.partial = partial;
	}
	meta.wall_time_s = (clock_ns() - prog.start) / 1e9;
	meta.repetitions = o.cfg.repetitions ? o.cfg.repetitions : suite_repetitions(o.cfg.suite);
	meta.warmup = o.cfg.warmup != ~0u ? o.cfg.warmup : suite_warmup(o.cfg.suite);
	meta.block = o.cfg.block ? o.cfg.block : suite_block(o.cfg.suite);
	settle = o.cfg.settle_set ? o.cfg.settle : suite_settle(o.cfg.suite);
	run_settle_name(&settle, settle_name, sizeof(settle_name));
	meta.settle = settle_name;
	settle = o.cfg.idle_settle_set ? o.cfg.idle_settle : run_idle_settle_default;
	run_settle_name(&settle, idle_settle_name, sizeof(idle_settle_name));
	meta.idle_settle = idle_settle_name;
	run_driver_names(&ctx, drivers, sizeof(drivers));
	meta.driver = drivers;
	meta.overlay_options = "kernel defaults";
	doc = result_build(&ctx, &cases, &meta, &err);
	if (!doc || (e = result_write(doc, out, &err)))
		goto fail;
	print_table(&ctx, &cases);
	printf("\n%zu cases, %s suite, wall time %.1f s; results in %s\n", cases.n,
	       suite_name(o.cfg.suite), meta.wall_time_s, out);
	fflush(stdout);
	if (meta.partial) {
		fprintf(stderr, "boxbench run: %s; the results are partial\n", meta.partial);
		status = stop_exit_status();
	} else {
		status = print_failures(&cases) ? 1 : 0;
	}
	goto done;
fail:
	if (stop_requested() && !measured) {
		/* What failed was the signal's doing (an EINTR, a killed mkfs): say that. */
		fprintf(stderr,
			"boxbench run: stopped by %s during set-up; nothing was measured, and what "
			"the run made is removed\n",
			stop_signal_name());
		status = stop_exit_status();
		goto done;
	}
	fprintf(stderr, "boxbench run: %s\n", err.msg);
done:
	json_decref(doc);
	probes_close(&probes);
	case_list_free(&cases);
	if (session_close(&session, &err) && status == 0) {
		fprintf(stderr, "boxbench run: %s\n", err.msg);
		status = 1;
	}
	layer_stack_free(&o.image);
	return status;
}
