/* The benchmark matrix: a scenario is one kind of operation (mount, copyup, ...); a case is
 * a scenario with its parameters fixed ("copyup/fs:ext4/depth:32/size:1MiB/trigger:open-w");
 * an iteration does the operation once. bench/run.c plans every scenario's cases, sets them
 * up, runs warm-up and measured iterations interleaved in a seeded random order, matches each
 * iteration with the kernel's view from the probes, and tears everything down.
 *
 * A scenario file (bench/scenario_<name>.c) defines one `const struct scenario`, listed in
 * scenario.c. Its functions never print; they return a negative errno with a message. */
#ifndef BOXBENCH_SCENARIO_H
#define BOXBENCH_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness/container.h"
#include "common/error.h"
#include "common/sys.h" /* clock_ns(), the clock of spans */
#include "probes/probes.h"
#include "harness/session.h"
#include "run_schedule.h" /* enum case_pace */
#include "run_settle.h"

enum suite { SUITE_QUICK, SUITE_DEFAULT, SUITE_FULL };

#define RUN_LIST_MAX 16

/* What the user asked for (tools/run.c fills it from the command line). */
struct run_config {
	enum suite suite;
	unsigned repetitions; /* measured iterations per case; 0: the suite's */
	unsigned warmup; /* untimed primers leading each block; ~0u: the suite's */
	unsigned block; /* measured iterations per block (run_schedule.h); 0: the suite's */
	struct run_settle settle; /* between blocks (run_settle.h); when settle_set */
	bool settle_set;
	/* Before each iteration of a pace:idle case: long enough for the kernel's lazy state to
	 * go idle (an rcu_sync takes two grace periods); when idle_settle_set. */
	struct run_settle idle_settle;
	bool idle_settle_set;
	/* --cache: the cache states lookup and readdir run (bit 1 << enum cache_state); 0: the
	 * suite's. */
	unsigned caches;
	unsigned long long seed;
	unsigned depths[RUN_LIST_MAX]; /* --depth; n_depths == 0: each scenario's suite list */
	size_t n_depths;
	unsigned long long sizes[RUN_LIST_MAX]; /* --size (bytes); same rule */
	size_t n_sizes;
	enum probe_mode probe_mode;
	bool probe_overhead; /* start cases twice, probes attached and detached, interleaved */
	/* The file system the stacks will be on, for case names made before the session
	 * exists; NULL: the cache dir's. */
	const char *stack_fs;
	/* --image: every stack-based case runs on this imported image instead of a synthetic
	 * stack (image_stack_open()); its name goes into the cases as image:<name>. */
	const struct layer_stack *image;
	const char *image_name;
	/* --driver: the storage drivers to compare; n_drivers == 0: the suite's (run_driver.h) */
	const struct storage_driver *drivers[RUN_LIST_MAX];
	size_t n_drivers;
};

/* What every scenario function gets. */
struct run_ctx {
	const struct run_config *cfg;
	struct session *session; /* work dir, stack cache, agent fd, cgroup run */
	struct probes *probes; /* p->plan says what the probes can see */
};

#define SAMPLE_EXTRA_MAX 12

/* One iteration's numbers. The scenario sets wall_ns and the span; run.c fills k from the
 * probes: the syscalls of span.tid wholly inside [span.t0, span.t1], and the case's
 * func_metric's time in the same window. A scenario whose operation spans several threads
 * (start) sets span.tid = 0 and fills k itself. extra[] holds the case's named extra
 * numbers (bench_case.extra_names), e.g. the phases of a start. */
struct sample {
	unsigned long long wall_ns;
	struct span_kernel k;
	unsigned long long extra[SAMPLE_EXTRA_MAX];
};

struct timed_span {
	pid_t tid; /* the thread that did the operation (a child's pid is fine) */
	unsigned long long t0, t1; /* CLOCK_MONOTONIC ns, as clock_ns() reads it */
};

#define CASE_PARAMS_MAX 8
#define CASE_NAME_MAX	200

/* The dentry and inode caches a lookup or readdir case starts from (its cache: parameter).
 *  warm:    one overlay mount held for the run, the name resolved before: the caches of a
 *           running container's second look.
 *  cold:    a fresh overlay mount before each iteration: overlay's own dentries and inodes are
 *           new, the layers' own (the backing file system's) stay cached, as on a host that
 *           already ran the image.
 *  dropped: cold, with the layers' dentries and inodes dropped too (vm.drop_caches=2, then a
 *           grace period for the freeing), as for the first container of an image after boot.
 *           Global and slow: in the full suite and where --cache asks for it. Their data
 *           pages stay: on the memory store there is no disk to read. */
enum cache_state { CACHE_COLD, CACHE_WARM, CACHE_DROPPED, CACHE_NR };

const char *cache_state_name(enum cache_state c);
int cache_state_parse(const char *name, enum cache_state *out);
/* The cache states to plan: --cache's, else cold and warm (and dropped in full). */
size_t run_cache_states(const struct run_ctx *ctx, enum cache_state out[CACHE_NR]);
/* What a cache:dropped iteration does before its mount, outside the span. */
int run_drop_dentries(struct bb_error *err);

/* "idle", "back-to-back", "after-teardown"; NULL for PACE_SUITE (no pace: parameter). */
const char *case_pace_name(enum case_pace p);

struct bench_case {
	char name[CASE_NAME_MAX]; /* "<scenario>/<key>:<value>/..." in the order params were set */
	const struct scenario *scenario;
	char keys[CASE_PARAMS_MAX][24], values[CASE_PARAMS_MAX][40];
	size_t n_params;
	long long arg[8]; /* the scenario's own numbers (depth, size, kind, ...) */
	int func_metric; /* enum func_metric that times this case's operation, or -1 */
	bool detached; /* runs with the probes detached: its numbers are wall only */
	enum case_pace pace;
	const struct storage_driver *driver; /* its driver: parameter's, or NULL */
	/* It cannot run here (its driver cannot work here); error says why. Not a failure. */
	bool skipped;
	char stack_key[17]; /* the layer stack's cache key (<cache>/<key>); "" if none */
	const char *extra_names[SAMPLE_EXTRA_MAX]; /* names of sample.extra[], ns each */
	size_t n_extra;
	void *priv; /* the scenario's state between setup and teardown */
	bool set_up; /* setup was called (and teardown is still owed) */
	struct sample *samples; /* measured iterations only */
	size_t n_samples, cap_samples;
	char error[300]; /* why the case failed; it is then skipped, the run goes on */
};

struct case_list {
	struct bench_case *items;
	size_t n, cap;
};

struct scenario {
	const char *name; /* "mount" */
	const char *summary; /* one line for --help */
	/* Appends the cases this scenario runs for ctx->cfg (suite, depths, sizes). */
	int (*plan)(const struct run_ctx *ctx, struct case_list *cases, struct bb_error *err);
	/* Makes what every iteration of one case needs (stacks, mounts); optional. */
	int (*setup)(struct run_ctx *ctx, struct bench_case *c, struct bb_error *err);
	/* Does the operation once. Sets s->wall_ns and *span; anything not to be timed
	 * (preparing a fresh upper dir, dropping caches) happens outside [t0, t1]. */
	int (*iterate)(struct run_ctx *ctx, struct bench_case *c, struct sample *s,
		       struct timed_span *span, struct bb_error *err);
	/* Undoes setup; must be safe after a failed or partial setup. Optional. */
	void (*teardown)(struct run_ctx *ctx, struct bench_case *c);
};

/* Appends a case named after the scenario; set its parameters with case_param(). */
struct bench_case *case_add(struct case_list *l, const struct scenario *sc, struct bb_error *err);
/* Adds key:value to the case's name and parameter list. */
void case_param(struct bench_case *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *case_value(const struct bench_case *c, const char *key); /* NULL if unset */
void case_list_free(struct case_list *l);

/* One operation by thread tid over [t0, t1]: the span run.c reads the probes in, and the
 * sample's wall time. */
void sample_span(struct sample *s, struct timed_span *span, pid_t tid, unsigned long long t0,
		 unsigned long long t1);

/* "1MiB", "4KiB", "0B": sizes as case names show them. */
void size_name(unsigned long long bytes, char *buf, size_t len);

/* The stack case c runs on: the --image one (a copy), or the synthetic stack of p, built or
 * taken from the session's cache. Its key goes into c->stack_key, for the results. */
int run_stack(const struct run_ctx *ctx, struct bench_case *c, const struct layer_stack_params *p,
	      struct layer_stack *out, struct bb_error *err);
/* Adds image:<name> to a stack-based case when the run is on an image. */
void case_image_param(const struct run_ctx *ctx, struct bench_case *c);

/* The depths (or sizes) a scenario runs: the image's depth with --image, else --depth if
 * given, else the suite's list. */
size_t run_depths(const struct run_ctx *ctx, const unsigned *quick, size_t nq,
		  const unsigned *deflt, size_t nd, const unsigned *full, size_t nf,
		  const unsigned **out);
size_t run_sizes(const struct run_ctx *ctx, const unsigned long long *quick, size_t nq,
		 const unsigned long long *deflt, size_t nd, const unsigned long long *full,
		 size_t nf, const unsigned long long **out);

/* Every scenario, in the order --scenario lists them. */
extern const struct scenario *const scenarios[];
extern const size_t n_scenarios;
const struct scenario *scenario_find(const char *name);

#endif
