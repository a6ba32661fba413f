/* Pairing and verdicts for `boxbench compare`; the medians and CVs are recomputed from the
 * iteration rows so boxbench, google/benchmark and hyperfine files are judged alike. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "stats.h"

const char *const compare_context_keys[] = {
	"kernel_release", "driver",	   "backing_fs",      "backing_store",
	"cgroup_mode",	  "probe_sources", "overlay_options", NULL,
};

const char *compare_verdict_name(enum compare_verdict v)
{
	static const char *const names[] = {
		[VERDICT_SAME] = "same",
		[VERDICT_REGRESSION] = "regression",
		[VERDICT_IMPROVEMENT] = "improvement",
		[VERDICT_UNSTABLE] = "unstable",
		[VERDICT_ADDED] = "added",
		[VERDICT_REMOVED] = "removed",
	};

	return v < VERDICT_COUNT ? names[v] : "?";
}

/* ASCII only: the values are printed to a terminal, and a file's strings are anyone's. */
static char *json_text(json_t *v)
{
	return v ? json_dumps(v,
			      JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_ENSURE_ASCII)
		 : strdup("(absent)");
}

const char *compare_context_missing(const struct result *f)
{
	if (!f->context)
		return "it has no context";
	for (size_t i = 0; compare_context_keys[i]; i++)
		if (json_object_get(f->context, compare_context_keys[i]))
			return NULL;
	return "its context has none of the fields compared";
}

int compare_contexts(const struct result *old, const struct result *new, char ***diffs, size_t *n,
		     struct bb_error *err)
{
	char **lines = NULL;

	*diffs = NULL;
	*n = 0;
	if (!old->context || !new->context)
		return 0;
	for (size_t i = 0; compare_context_keys[i]; i++) {
		json_t *a = json_object_get(old->context, compare_context_keys[i]);
		json_t *b = json_object_get(new->context, compare_context_keys[i]);
		char *ta, *tb, *line = NULL, **grown;

		if ((!a && !b) || (a && b && json_equal(a, b)))
			continue;
		ta = json_text(a);
		tb = json_text(b);
		grown = realloc(lines, (*n + 1) * sizeof(*lines));
		if (!ta || !tb || !grown ||
		    asprintf(&line, "%s: %s (old) vs %s (new)", compare_context_keys[i], ta, tb) <
			    0) {
			free(ta);
			free(tb);
			if (grown)
				lines = grown;
			for (size_t j = 0; j < *n; j++)
				free(lines[j]);
			free(lines);
			*n = 0;
			return bb_err(err, ENOMEM, "out of memory comparing contexts");
		}
		free(ta);
		free(tb);
		lines = grown;
		lines[(*n)++] = line;
	}
	*diffs = lines;
	return 0;
}

char *compare_strip_params(const char *name, const char *const *keys, size_t n_keys)
{
	char *out = strdup(name), *seg;

	if (!out)
		return NULL;
	/* The first segment is the scenario, never a parameter: start looking after it. */
	seg = strchr(out, '/');
	while (seg) {
		char *next = strchr(seg + 1, '/');
		bool drop = false;

		for (size_t k = 0; k < n_keys && !drop; k++) {
			size_t len = strlen(keys[k]);

			drop = !strncmp(seg + 1, keys[k], len) && seg[1 + len] == ':';
		}
		if (drop) {
			if (next)
				memmove(seg, next, strlen(next) + 1);
			else
				*seg = '\0';
			seg = next ? seg : NULL;
		} else {
			seg = next;
		}
	}
	return out;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* A case's wall times, the one number compare judges (malloc'd; NULL when out of memory). */
static double *wall_times(const struct result_case *c)
{
	double *v = malloc((c->n + 1) * sizeof(*v));

	for (size_t i = 0; v && i < c->n; i++)
		v[i] = c->samples[i].wall_ns;
	return v;
}

static int side_compute(const double *ns, size_t n, struct compare_side *side)
{
	double *sorted, sum = 0, ss = 0;

	memset(side, 0, sizeof(*side));
	side->n = n;
	if (!n)
		return 0;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, ns, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += sorted[i];
	side->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (sorted[i] - side->mean) * (sorted[i] - side->mean);
	if (n > 1 && side->mean > 0)
		side->cv = sqrt(ss / (double)(n - 1)) / side->mean;
	side->median = stats_quantile_sorted(sorted, n, 0.5);
	side->min = sorted[0];
	side->max = sorted[n - 1];
	/* The spread that judges a row is robust: 1.4826 x MAD / median, the CV a normal
	 * sample would have. Latencies are skewed, and one preempted sample can triple the
	 * plain stddev without moving the median: the plain CV called every lookup row of a
	 * quiet run unstable here (21-109%), the robust one separates noise from change. */
	for (size_t i = 0; i < n; i++)
		sorted[i] = fabs(sorted[i] - side->median);
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	if (side->median > 0)
		side->rcv = 1.4826 * stats_quantile_sorted(sorted, n, 0.5) / side->median;
	free(sorted);
	return 0;
}

static int case_side(const struct result_case *c, struct compare_side *side)
{
	double *ns = wall_times(c);
	int ret = ns ? side_compute(ns, c->n, side) : -ENOMEM;

	free(ns);
	return ret;
}

static void judge(struct compare_row *r, const struct compare_opts *o)
{
	double noisier = fmax(r->old.rcv, r->new.rcv);
	double need = fmax(o->threshold, 2 * noisier);
	bool separate = r->new.min > r->old.max || r->new.max < r->old.min;

	if (r->old.n < COMPARE_MIN_SAMPLES || r->new.n < COMPARE_MIN_SAMPLES) {
		r->verdict = VERDICT_UNSTABLE;
		r->why = "fewer than 5 samples";
	} else if (noisier > o->max_cv &&
		   !(separate && r->mw.p < o->alpha && fabs(r->change) > need)) {
		/* Noise decides nothing either way, except a change so large that the two
		 * samples do not even overlap and the rank test agrees: that is no noise. */
		r->verdict = VERDICT_UNSTABLE;
		r->why = "robust cv above the limit";
	} else if (!(r->mw.p < o->alpha)) {
		r->verdict = VERDICT_SAME;
		r->why = "p not below alpha";
	} else if (!(fabs(r->change) > need)) {
		r->verdict = VERDICT_SAME;
		r->why = "change within threshold";
	} else if (!separate) {
		r->verdict = VERDICT_SAME;
		r->why = "ranges overlap";
	} else {
		r->verdict = r->change > 0 ? VERDICT_REGRESSION : VERDICT_IMPROVEMENT;
		r->why = "p, change and ranges agree";
	}
}

/* The stripped names of one file, checked for names that --strip-param made collide, and an
 * index of them (name -> position; a jansson object is a hash table), so that files of many
 * thousands of rows pair in linear time. */
static int stripped_names(const struct result *f, const char *which, const struct compare_opts *o,
			  char ***names, json_t **index, struct bb_error *err)
{
	char **v = calloc(f->n_cases + 1, sizeof(*v));
	json_t *idx = json_object(), *at;

	if (!v || !idx)
		goto nomem;
	for (size_t i = 0; i < f->n_cases; i++) {
		v[i] = compare_strip_params(f->cases[i].name, o->strip, o->n_strip);
		if (!v[i])
			goto nomem;
		at = json_object_get(idx, v[i]);
		if (at) {
			bb_err(err, EINVAL,
			       "in the %s file, '%s' and '%s' both become '%s' without the stripped "
			       "parameters: strip fewer",
			       which, f->cases[json_integer_value(at)].name, f->cases[i].name,
			       v[i]);
			goto fail;
		}
		if (json_object_set_new(idx, v[i], json_integer((json_int_t)i)))
			goto nomem;
	}
	*names = v;
	*index = idx;
	return 0;
nomem:
	bb_err(err, ENOMEM, "out of memory");
fail:
	for (size_t i = 0; v && i < f->n_cases; i++)
		free(v[i]);
	free(v);
	json_decref(idx);
	return -err->code;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* The machine-wide shift: the median of the paired rows' median ratios. */
static int result_shift(struct compare_result *out)
{
	double *ratio = malloc((out->n + 1) * sizeof(*ratio));
	size_t n = 0;

	if (!ratio)
		return -ENOMEM;
	for (size_t i = 0; i < out->n; i++) {
		const struct compare_row *r = &out->rows[i];

		if (r->has_old && r->has_new && r->old.n && r->new.n && r->old.median > 0)
			ratio[n++] = r->new.median / r->old.median;
	}
	qsort(ratio, n, sizeof(*ratio), cmp_double);
	out->shift = n ? stats_quantile_sorted(ratio, n, 0.5) : 0;
	out->n_shift = n;
	free(ratio);
	return 0;
}

/* Judges a paired row; its new side is first divided by `scale` (1: as measured). */
static int judge_pair(struct compare_row *r, const struct result_case *oc,
		      const struct result_case *nc, double scale, const struct compare_opts *opts,
		      struct bb_error *err)
{
	double *o = wall_times(oc), *v = wall_times(nc);
	int ret = 0;

	if (!o || !v) {
		ret = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	if (scale != 1 && nc->n) {
		for (size_t i = 0; i < nc->n; i++)
			v[i] /= scale;
		if (side_compute(v, nc->n, &r->new)) {
			ret = bb_err(err, ENOMEM, "out of memory");
			goto out;
		}
	}
	r->change = r->old.median > 0 ? (r->new.median - r->old.median) / r->old.median : 0;
	r->mw.p = 1;
	if (oc->n && nc->n && (ret = mw_test(o, oc->n, v, nc->n, &r->mw, err)))
		goto out;
	judge(r, opts);
out:
	free(o);
	free(v);
	return ret;
}

int compare_results(const struct result *old, const struct result *new,
		    const struct compare_opts *opts, struct compare_result *out,
		    struct bb_error *err)
{
	const struct result_case **pairs = NULL; /* per row: old, new (NULL when absent) */
	char **on = NULL, **nn = NULL;
	json_t *oi = NULL, *ni = NULL;
	bool *paired = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = stripped_names(old, "old", opts, &on, &oi, err);
	if (!ret)
		ret = stripped_names(new, "new", opts, &nn, &ni, err);
	if (ret)
		goto out;
	out->rows = calloc(old->n_cases + new->n_cases, sizeof(*out->rows));
	pairs = calloc(2 * (old->n_cases + new->n_cases) + 1, sizeof(*pairs));
	paired = calloc(new->n_cases + 1, sizeof(*paired));
	if (!out->rows || !pairs || !paired) {
		ret = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	/* The old file's order first, then what only the new one has, in its order. */
	for (size_t pass = 0; pass < 2; pass++) {
		size_t count = pass ? new->n_cases : old->n_cases;

		for (size_t i = 0; i < count; i++) {
			struct compare_row *r = &out->rows[out->n];
			const struct result_case *os = NULL, *ns = NULL;

			if (pass == 0) {
				json_t *at = json_object_get(ni, on[i]);

				os = &old->cases[i];
				if (at) {
					ns = &new->cases[json_integer_value(at)];
					paired[json_integer_value(at)] = true;
				}
				r->name = on[i];
				on[i] = NULL;
			} else {
				if (paired[i])
					continue;
				ns = &new->cases[i];
				r->name = nn[i];
				nn[i] = NULL;
			}
			pairs[2 * out->n] = os;
			pairs[2 * out->n + 1] = ns;
			out->n++;
			r->has_old = os;
			r->has_new = ns;
			if ((os && case_side(os, &r->old)) || (ns && case_side(ns, &r->new))) {
				ret = bb_err(err, ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	if (result_shift(out)) {
		ret = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < out->n; i++) {
		struct compare_row *r = &out->rows[i];
		double scale = opts->normalize && out->shift > 0 ? out->shift : 1;

		if (!r->has_old || !r->has_new) {
			r->verdict = r->has_old ? VERDICT_REMOVED : VERDICT_ADDED;
			r->why = r->has_old ? "only in the old file" : "only in the new file";
		} else if ((ret = judge_pair(r, pairs[2 * i], pairs[2 * i + 1], scale, opts,
					     err))) {
			goto out;
		}
		out->count[r->verdict]++;
	}
out:
	free_names(on, old->n_cases);
	free_names(nn, new->n_cases);
	json_decref(oi);
	json_decref(ni);
	free(paired);
	free(pairs);
	if (ret)
		compare_result_free(out);
	return ret;
}

void compare_result_free(struct compare_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->rows[i].name);
	free(r->rows);
	memset(r, 0, sizeof(*r));
}
