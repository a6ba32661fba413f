/* The result document: see result_write.h. */
#include "result_write.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/host_info.h"
#include "harness/cgroup.h"
#include "result.h"
#include "stats.h"

const char *case_source(const struct run_ctx *ctx, const struct bench_case *c)
{
	const struct probe_plan *plan = &ctx->probes->plan;

	if (plan->syscalls == SOURCE_NONE || c->detached)
		return "wall";
	if (c->func_metric >= 0 && plan->func[c->func_metric].source != SOURCE_NONE)
		return probe_source_name(plan->func[c->func_metric].source);
	return "tracepoint";
}

static void add_config(void *arg, const char *name, const char *value)
{
	json_object_set_new(arg, name, json_string(value));
}

static json_t *context_json(const struct run_ctx *ctx, const struct run_meta *meta)
{
	const struct run_config *cfg = ctx->cfg;
	json_t *c = json_object(), *config = json_object(), *sources = json_object();
	struct cgroup_layout layout;
	double load[3] = { 0 };
	char date[32], host[256] = "";
	struct utsname uts;
	const char *src;
	time_t now = time(NULL);

	/* RFC 3339 wants the offset as +hh:mm; strftime's %z gives +hhmm. */
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
	{
		size_t len = strlen(date);

		if (len >= 5 && len + 2 < sizeof(date)) {
			memmove(date + len - 1, date + len - 2, 3);
			date[len - 2] = ':';
		}
	}
	gethostname(host, sizeof(host) - 1);
	uname(&uts);
	getloadavg(load, 3);
	json_object_set_new(c, "schema_version", json_integer(RESULT_SCHEMA_VERSION));
	json_object_set_new(c, "date", json_string(date));
	json_object_set_new(c, "host_name", json_string(host));
	json_object_set_new(c, "executable", json_string("boxbench run"));
	json_object_set_new(c, "num_cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_set_new(c, "mhz_per_cpu", json_integer(host_mhz_per_cpu()));
	json_object_set_new(c, "load_avg", json_pack("[f,f,f]", load[0], load[1], load[2]));
	json_object_set_new(c, "library_version", json_string("boxbench " BOXBENCH_VERSION));
	json_object_set_new(c, "boxbench_version", json_string(BOXBENCH_VERSION));
	json_object_set_new(c, "git_commit", json_string(BOXBENCH_COMMIT));
	json_object_set_new(c, "kernel_release", json_string(uts.release));
	json_object_set_new(c, "machine", json_string(uts.machine));
	src = host_kernel_config(add_config, config);
	json_object_set_new(c, "kernel_config", config);
	json_object_set_new(c, "kernel_config_source", json_string(src ? src : "unavailable"));
	json_object_set_new(c, "cgroup_mode",
			    json_string(cgroup_layout_detect(&layout, NULL) == 0
						? cgroup_mode_name(layout.mode)
						: "none"));
	json_object_set_new(c, "backing_fs", json_string(host_fs_name(ctx->session->cache_dir)));
	json_object_set_new(c, "work_fs", json_string(host_fs_name(ctx->session->workdir)));
	if (ctx->cfg->image) {
		const struct layer_stack *im = ctx->cfg->image;
		json_t *img = json_object(), *roles = json_object();

		for (size_t i = 0; i < im->n_planted; i++)
			json_object_set_new(roles, im->planted[i].role,
					    json_string(im->planted[i].path));
		json_object_set_new(img, "dir", json_string(im->dir));
		json_object_set_new(img, "name", json_string(ctx->cfg->image_name));
		json_object_set_new(img, "layers", json_integer(im->params.depth));
		json_object_set_new(img, "roles", roles);
		json_object_set_new(c, "image", img);
	}
	/* memory: a file system made in RAM for the run; host: the host's disk (see --backing). */
	json_object_set_new(c, "backing_store",
			    json_string(ctx->session->store == STORE_MEMORY ? "memory" : "host"));
	json_object_set_new(c, "driver", json_string(meta->driver));
	json_object_set_new(c, "overlay_options", json_string(meta->overlay_options));
	json_object_set_new(c, "probe_mode", json_string(probe_mode_name(cfg->probe_mode)));
	json_object_set_new(sources, "syscalls",
			    json_string(probe_source_name(ctx->probes->plan.syscalls)));
	for (int m = 0; m < FUNC_METRIC_MAX; m++)
		json_object_set_new(
			sources, func_metric_name(m),
			json_string(probe_source_name(ctx->probes->plan.func[m].source)));
	json_object_set_new(c, "probe_sources", sources);
	json_object_set_new(c, "suite",
			    json_string(cfg->suite == SUITE_QUICK  ? "quick"
					: cfg->suite == SUITE_FULL ? "full"
								   : "default"));
	json_object_set_new(c, "seed", json_integer((json_int_t)cfg->seed));
	json_object_set_new(c, "repetitions", json_integer(meta->repetitions));
	json_object_set_new(c, "warmup", json_integer(meta->warmup));
	json_object_set_new(c, "block", json_integer(meta->block));
	json_object_set_new(c, "settle", json_string(meta->settle ? meta->settle : "none"));
	json_object_set_new(c, "idle_settle",
			    json_string(meta->idle_settle ? meta->idle_settle : "none"));
	/* Blocks of one case's iterations, each led by primers, in a seeded random order. */
	json_object_set_new(c, "case_order", json_string("blocks-random"));
	json_object_set_new(c, "wall_time_s", json_real(meta->wall_time_s));
	if (meta->partial) {
		json_object_set_new(c, "partial", json_true());
		json_object_set_new(c, "partial_reason", json_string(meta->partial));
	}
	return c;
}

static json_t *row(const struct bench_case *c, size_t family, const char *run_type, size_t reps)
{
	json_t *r = json_object();

	json_object_set_new(r, "name", json_string(c->name));
	json_object_set_new(r, "family_index", json_integer((json_int_t)family));
	json_object_set_new(r, "per_family_instance_index", json_integer(0));
	json_object_set_new(r, "run_name", json_string(c->name));
	json_object_set_new(r, "run_type", json_string(run_type));
	json_object_set_new(r, "repetitions", json_integer((json_int_t)reps));
	json_object_set_new(r, "threads", json_integer(1));
	json_object_set_new(r, "iterations", json_integer(1));
	json_object_set_new(r, "time_unit", json_string("ns"));
	if (c->stack_key[0])
		json_object_set_new(r, "stack_key", json_string(c->stack_key));
	return r;
}

int result_case_summary(const struct bench_case *c, struct result_summary *out,
			struct bb_error *err)
{
	struct result_sample *s = c->n_samples ? calloc(c->n_samples, sizeof(*s)) : NULL;
	int ret;

	if (c->n_samples && !s) {
		memset(out, 0, sizeof(*out));
		return bb_err(err, ENOMEM, "out of memory summarizing %s", c->name);
	}
	/* Exact below 2^53 ns (104 days): no single operation comes near. */
	for (size_t i = 0; i < c->n_samples; i++) {
		const struct sample *x = &c->samples[i];

		s[i].repetition = (int)i;
		s[i].wall_ns = (double)x->wall_ns;
		s[i].kernel_ns = x->k.has_kernel ? (double)x->k.kernel_ns : NAN;
		s[i].func_ns = x->k.has_func ? (double)x->k.func_ns : NAN;
	}
	ret = result_summary_compute(s, c->n_samples, out, err);
	free(s);
	return ret;
}

/* The extra numbers of every sample (start's phases, ...): statistics of their own. */
static int extra_stats(const struct bench_case *c, struct stats *extra, struct bb_error *err)
{
	unsigned long long *col = malloc(c->n_samples * sizeof(*col));

	if (!col)
		return bb_err(err, ENOMEM, "out of memory writing results");
	for (size_t x = 0; x < c->n_extra; x++) {
		for (size_t i = 0; i < c->n_samples; i++)
			col[i] = c->samples[i].extra[x];
		stats_compute(col, c->n_samples, &extra[x], NULL);
	}
	free(col);
	return 0;
}

/* An aggregate of st by name; names come from the fixed list below, all known to stats. */
static double stat_field(const struct stats *st, const char *agg)
{
	double v = 0;

	stats_get(st, agg, &v);
	return v;
}

static void add_failed_row(json_t *rows, const struct bench_case *c, size_t family)
{
	json_t *r = row(c, family, "iteration", 0);

	json_object_set_new(r, "error_occurred", json_true());
	if (c->skipped)
		json_object_set_new(r, "skipped", json_true());
	json_object_set_new(r, "error_message", json_string(c->error[0] ? c->error : "no samples"));
	json_object_set_new(r, "real_time", json_real(0));
	json_object_set_new(r, "cpu_time", json_real(0));
	json_array_append_new(rows, r);
}

static void add_iteration_rows(json_t *rows, const struct bench_case *c, size_t family,
			       const char *source)
{
	for (size_t i = 0; i < c->n_samples; i++) {
		const struct sample *s = &c->samples[i];
		json_t *r = row(c, family, "iteration", c->n_samples);

		json_object_set_new(r, "repetition_index", json_integer((json_int_t)i));
		/* No per-iteration CPU clock is kept: cpu_time repeats the wall time, as
		 * google/benchmark does for manual-time benchmarks. */
		json_object_set_new(r, "real_time", json_real((double)s->wall_ns));
		json_object_set_new(r, "cpu_time", json_real((double)s->wall_ns));
		if (s->k.has_kernel)
			json_object_set_new(r, "kernel_ns", json_real((double)s->k.kernel_ns));
		if (s->k.has_func)
			json_object_set_new(r, "func_ns", json_real((double)s->k.func_ns));
		json_object_set_new(r, "source", json_string(source));
		for (size_t x = 0; x < c->n_extra; x++) {
			char key[64];

			snprintf(key, sizeof(key), "%s_ns", c->extra_names[x]);
			json_object_set_new(r, key, json_real((double)s->extra[x]));
		}
		json_array_append_new(rows, r);
	}
}

static int add_case_rows(json_t *rows, const struct run_ctx *ctx, const struct bench_case *c,
			 size_t family, struct bb_error *err)
{
	static const char *const aggs[] = { "mean", "median", "stddev", "cv",
					    "p90",  "p99",    "min",	"max" };
	const char *source = case_source(ctx, c);
	struct stats extra[SAMPLE_EXTRA_MAX];
	struct result_summary sum;

	if (c->error[0] || !c->n_samples) {
		add_failed_row(rows, c, family);
		return 0;
	}
	add_iteration_rows(rows, c, family, source);
	if (result_case_summary(c, &sum, err) || extra_stats(c, extra, err))
		return -err->code;

	for (size_t a = 0; a < sizeof(aggs) / sizeof(aggs[0]); a++) {
		json_t *r = row(c, family, "aggregate", c->n_samples);
		bool pct = !strcmp(aggs[a], "cv");
		char name[CASE_NAME_MAX + 16];
		double v = stat_field(&sum.wall, aggs[a]), share;

		snprintf(name, sizeof(name), "%s_%s", c->name, aggs[a]);
		json_object_set_new(r, "name", json_string(name));
		json_object_set_new(r, "aggregate_name", json_string(aggs[a]));
		json_object_set_new(r, "aggregate_unit", json_string(pct ? "percentage" : "time"));
		json_object_set_new(r, "real_time", json_real(v));
		json_object_set_new(r, "cpu_time", json_real(v));
		json_object_set_new(r, "samples", json_integer((json_int_t)c->n_samples));
		json_object_set_new(r, "source", json_string(source));
		/* Kernel aggregates over the samples that have a kernel time; a share only by
		 * the summary's rule, the one every reader of the results shows. */
		if (sum.n_kernel) {
			json_object_set_new(r, "kernel_ns",
					    json_real(stat_field(&sum.kernel, aggs[a])));
			if (result_summary_share(&sum, aggs[a], &share))
				json_object_set_new(r, "kernel_share", json_real(share));
		}
		if (sum.n_func)
			json_object_set_new(r, "func_ns",
					    json_real(stat_field(&sum.func, aggs[a])));
		for (size_t x = 0; x < c->n_extra; x++) {
			char key[64];

			snprintf(key, sizeof(key), "%s_ns", c->extra_names[x]);
			json_object_set_new(r, key, json_real(stat_field(&extra[x], aggs[a])));
		}
		json_array_append_new(rows, r);
	}
	return 0;
}

json_t *result_build(const struct run_ctx *ctx, const struct case_list *cases,
		     const struct run_meta *meta, struct bb_error *err)
{
	json_t *doc = json_object(), *rows = json_array();

	json_object_set_new(doc, "context", context_json(ctx, meta));
	for (size_t i = 0; i < cases->n; i++) {
		if (add_case_rows(rows, ctx, &cases->items[i], i, err) < 0) {
			json_decref(rows);
			json_decref(doc);
			return NULL;
		}
	}
	json_object_set_new(doc, "benchmarks", rows);
	return doc;
}

int result_write(json_t *doc, const char *path, struct bb_error *err)
{
	struct atomic_file af;
	int r = atomic_file_open(&af, path, 0644, err);

	if (r)
		return r;
	if (json_dumpf(doc, af.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
	    fputc('\n', af.f) == EOF) {
		atomic_file_abort(&af);
		return bb_err(err, EIO, "cannot write results to %s: %s", path,
			      errno_name(errno ? errno : EIO));
	}
	return atomic_file_commit(&af, err);
}
