/* Cases, their names, and the suite lists of depths and sizes: see scenario.h. */
#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fsutil.h"

struct bench_case *case_add(struct case_list *l, const struct scenario *sc, struct bb_error *err)
{
	struct bench_case *c;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct bench_case *grown = realloc(l->items, cap * sizeof(*grown));

		if (!grown) {
			bb_err(err, ENOMEM, "out of memory planning cases");
			return NULL;
		}
		l->items = grown;
		l->cap = cap;
	}
	c = &l->items[l->n++];
	memset(c, 0, sizeof(*c));
	c->scenario = sc;
	c->func_metric = -1;
	snprintf(c->name, sizeof(c->name), "%s", sc->name);
	return c;
}

void case_param(struct bench_case *c, const char *key, const char *fmt, ...)
{
	size_t len = strlen(c->name);
	va_list ap;

	if (c->n_params == CASE_PARAMS_MAX)
		return;
	snprintf(c->keys[c->n_params], sizeof(c->keys[0]), "%s", key);
	va_start(ap, fmt);
	vsnprintf(c->values[c->n_params], sizeof(c->values[0]), fmt, ap);
	va_end(ap);
	/* Formatted from copies: snprintf must not read the struct it writes into. */
	{
		char k[sizeof(c->keys[0])], v[sizeof(c->values[0])];

		memcpy(k, c->keys[c->n_params], sizeof(k));
		memcpy(v, c->values[c->n_params], sizeof(v));
		snprintf(c->name + len, sizeof(c->name) - len, "/%s:%s", k, v);
	}
	c->n_params++;
}

const char *case_value(const struct bench_case *c, const char *key)
{
	for (size_t i = 0; i < c->n_params; i++)
		if (!strcmp(c->keys[i], key))
			return c->values[i];
	return NULL;
}

void case_list_free(struct case_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].samples);
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

void sample_span(struct sample *s, struct timed_span *span, pid_t tid, unsigned long long t0,
		 unsigned long long t1)
{
	span->tid = tid;
	span->t0 = t0;
	span->t1 = t1;
	s->wall_ns = t1 - t0;
}

void size_name(unsigned long long bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	/* Only exact multiples move up a unit, so a name never rounds. */
	while (u < 4 && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, "%llu%s", bytes, units[u]);
}

int run_stack(const struct run_ctx *ctx, struct bench_case *c, const struct layer_stack_params *p,
	      struct layer_stack *out, struct bb_error *err)
{
	int e = ctx->cfg->image ? layer_stack_copy(out, ctx->cfg->image, err)
				: layer_stack_build(out, p, ctx->session->cache_dir, err);

	if (!e)
		snprintf(c->stack_key, sizeof(c->stack_key), "%s", out->key);
	return e;
}

void case_image_param(const struct run_ctx *ctx, struct bench_case *c)
{
	if (ctx->cfg->image)
		case_param(c, "image", "%s", ctx->cfg->image_name);
}

size_t run_depths(const struct run_ctx *ctx, const unsigned *quick, size_t nq,
		  const unsigned *deflt, size_t nd, const unsigned *full, size_t nf,
		  const unsigned **out)
{
	if (ctx->cfg->image) {
		*out = &ctx->cfg->image->params.depth;
		return 1;
	}
	if (ctx->cfg->n_depths) {
		*out = ctx->cfg->depths;
		return ctx->cfg->n_depths;
	}
	switch (ctx->cfg->suite) {
	case SUITE_QUICK:
		*out = quick;
		return nq;
	case SUITE_FULL:
		*out = full;
		return nf;
	default:
		*out = deflt;
		return nd;
	}
}

size_t run_sizes(const struct run_ctx *ctx, const unsigned long long *quick, size_t nq,
		 const unsigned long long *deflt, size_t nd, const unsigned long long *full,
		 size_t nf, const unsigned long long **out)
{
	if (ctx->cfg->n_sizes) {
		*out = ctx->cfg->sizes;
		return ctx->cfg->n_sizes;
	}
	switch (ctx->cfg->suite) {
	case SUITE_QUICK:
		*out = quick;
		return nq;
	case SUITE_FULL:
		*out = full;
		return nf;
	default:
		*out = deflt;
		return nd;
	}
}

const char *case_pace_name(enum case_pace p)
{
	switch (p) {
	case PACE_IDLE:
		return "idle";
	case PACE_BACK_TO_BACK:
		return "back-to-back";
	case PACE_AFTER_TEARDOWN:
		return "after-teardown";
	default:
		return NULL;
	}
}

static const char *const cache_names[CACHE_NR] = {
	[CACHE_COLD] = "cold",
	[CACHE_WARM] = "warm",
	[CACHE_DROPPED] = "dropped",
};

const char *cache_state_name(enum cache_state c)
{
	return c < CACHE_NR ? cache_names[c] : "unknown";
}

int cache_state_parse(const char *name, enum cache_state *out)
{
	for (int c = 0; c < CACHE_NR; c++)
		if (!strcmp(name, cache_names[c])) {
			*out = c;
			return 0;
		}
	return -EINVAL;
}

size_t run_cache_states(const struct run_ctx *ctx, enum cache_state out[CACHE_NR])
{
	unsigned want = ctx->cfg->caches;
	size_t n = 0;

	if (!want)
		want = 1u << CACHE_COLD | 1u << CACHE_WARM |
		       (ctx->cfg->suite == SUITE_FULL ? 1u << CACHE_DROPPED : 0);
	for (int c = 0; c < CACHE_NR; c++)
		if (want & 1u << c)
			out[n++] = c;
	return n;
}

int run_drop_dentries(struct bb_error *err)
{
	struct run_settle gp = { 1, 0 };
	int e;

	if ((e = write_file("/proc/sys/vm/drop_caches", "2", 1, err)))
		return bb_err_wrap(err, "cannot drop the dentry and inode caches for a "
					"cache:dropped case");
	/* Dentries and inodes are freed after a grace period: let that pass outside the span. */
	if ((e = run_settle_wait(&gp)))
		return bb_err(err, -e, "cannot wait for a grace period (membarrier): %s",
			      errno_name(-e));
	return 0;
}
