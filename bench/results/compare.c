/* Pairing for `boxbench compare`: the rows of one or more old runs and a new one matched by
 * name, with their samples, for compare_judge.c; the medians and CVs are recomputed from the
 * iteration rows so boxbench, google/benchmark and hyperfine files are judged alike. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_internal.h"
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
		[VERDICT_INCONCLUSIVE] = "inconclusive",
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

int compare_side_compute(const double *ns, size_t n, struct compare_side *side)
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
	stats_sort(sorted, n);
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
	/* Latencies are skewed, and one preempted sample can triple the plain stddev without
	 * moving the median: the robust spread is what a reader should look at. */
	for (size_t i = 0; i < n; i++)
		sorted[i] = fabs(sorted[i] - side->median);
	stats_sort(sorted, n);
	if (side->median > 0)
		side->rcv = 1.4826 * stats_quantile_sorted(sorted, n, 0.5) / side->median;
	free(sorted);
	return 0;
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
			       "in the %s file %s, '%s' and '%s' both become '%s' without the "
			       "stripped parameters: strip fewer",
			       which, f->path ? f->path : "", f->cases[json_integer_value(at)].name,
			       f->cases[i].name, v[i]);
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

/* Appends case c's wall times to *v (n, cap), and its run's log median and the variance of
 * that log median (pi/2 x robust cv^2 / n, a median's large-sample variance) to the row's
 * per-run lists. */
static int add_run(struct compare_pair *pr, const struct result_case *c)
{
	struct compare_side one;
	double *grown = realloc(pr->old, (pr->n_old + c->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	pr->old = grown;
	for (size_t i = 0; i < c->n; i++)
		pr->old[pr->n_old++] = c->samples[i].wall_ns;
	if (compare_side_compute(grown + pr->n_old - c->n, c->n, &one))
		return -ENOMEM;
	if (c->n && one.median > 0) {
		pr->run_log_median[pr->n_runs] = log(one.median);
		pr->run_var[pr->n_runs] = M_PI / 2 * one.rcv * one.rcv / (double)c->n;
		pr->n_runs++;
	}
	return 0;
}

static void free_pairs(struct compare_pair *pairs, size_t n)
{
	for (size_t i = 0; pairs && i < n; i++) {
		free(pairs[i].old);
		free(pairs[i].new);
		free(pairs[i].run_log_median);
		free(pairs[i].run_var);
	}
	free(pairs);
}

/* A new row for `name` (taken), or -ENOMEM. */
static int add_row(struct compare_result *out, struct compare_pair *pairs, char **name,
		   size_t n_old)
{
	struct compare_pair *pr = &pairs[out->n];

	memset(pr, 0, sizeof(*pr));
	pr->run_log_median = calloc(n_old + 1, sizeof(double));
	pr->run_var = calloc(n_old + 1, sizeof(double));
	if (!pr->run_log_median || !pr->run_var) {
		free(pr->run_log_median);
		free(pr->run_var);
		pr->run_log_median = pr->run_var = NULL;
		return -ENOMEM;
	}
	out->rows[out->n].name = *name;
	*name = NULL;
	out->n++;
	return 0;
}

int compare_results(const struct result *const *old, size_t n_old, const struct result *new,
		    const struct compare_opts *opts, struct compare_result *out,
		    struct bb_error *err)
{
	struct compare_pair *pairs = NULL;
	char ***on = calloc(n_old + 1, sizeof(*on)), **nn = NULL;
	json_t **oi = calloc(n_old + 1, sizeof(*oi)), *ni = NULL, *rows_by_name = json_object();
	size_t total = new->n_cases;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->n_baseline = n_old;
	if (!on || !oi || !rows_by_name) {
		ret = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < n_old && !ret; k++) {
		ret = stripped_names(old[k], n_old > 1 ? "baseline" : "old", opts, &on[k], &oi[k],
				     err);
		total += old[k]->n_cases;
	}
	if (!ret)
		ret = stripped_names(new, "new", opts, &nn, &ni, err);
	if (ret)
		goto out;
	out->rows = calloc(total + 1, sizeof(*out->rows));
	pairs = calloc(total + 1, sizeof(*pairs));
	if (!out->rows || !pairs) {
		ret = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	/* The old runs' rows in their order first (the first run's, then any the later ones
	 * add), then what only the new one has, in its order. */
	for (size_t k = 0; k <= n_old; k++) {
		const struct result *f = k < n_old ? old[k] : new;
		char **names = k < n_old ? on[k] : nn;

		for (size_t i = 0; i < f->n_cases; i++) {
			json_t *at = json_object_get(rows_by_name, names[i]);
			size_t r;

			if (!at) {
				if (add_row(out, pairs, &names[i], n_old) ||
				    json_object_set_new(rows_by_name, out->rows[out->n - 1].name,
							json_integer((json_int_t)(out->n - 1))))
					goto nomem;
				at = json_object_get(rows_by_name, out->rows[out->n - 1].name);
			}
			r = (size_t)json_integer_value(at);
			if (k < n_old) {
				struct compare_pair *pr = &pairs[r];

				if (pr->old_name && strcmp(pr->old_name, f->cases[i].name)) {
					ret = bb_err(
						err, EINVAL,
						"'%s' in %s and '%s' in %s both become '%s' "
						"without the stripped parameters: the baseline "
						"runs would pool different cases; strip fewer",
						pr->old_name, pr->old_path, f->cases[i].name,
						f->path ? f->path : "a baseline file",
						out->rows[r].name);
					goto out;
				}
				pr->old_name = f->cases[i].name;
				pr->old_path = f->path ? f->path : "a baseline file";
				out->rows[r].has_old = true;
				if (add_run(pr, &f->cases[i]))
					goto nomem;
			} else {
				const struct result_case *c = &f->cases[i];

				out->rows[r].has_new = true;
				pairs[r].new = malloc((c->n + 1) * sizeof(double));
				if (!pairs[r].new)
					goto nomem;
				for (size_t j = 0; j < c->n; j++)
					pairs[r].new[j] = c->samples[j].wall_ns;
				pairs[r].n_new = c->n;
			}
		}
	}
	for (size_t r = 0; r < out->n; r++)
		if (compare_side_compute(pairs[r].old, pairs[r].n_old, &out->rows[r].old) ||
		    compare_side_compute(pairs[r].new, pairs[r].n_new, &out->rows[r].new))
			goto nomem;
	ret = compare_judge(out, pairs, opts, err);
	goto out;
nomem:
	ret = bb_err(err, ENOMEM, "out of memory");
out:
	for (size_t k = 0; on && k < n_old; k++) {
		free_names(on[k], old[k]->n_cases);
		json_decref(oi[k]);
	}
	free(on);
	free(oi);
	free_names(nn, new->n_cases);
	json_decref(ni);
	json_decref(rows_by_name);
	free_pairs(pairs, out->n);
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
