/* The verdicts of `boxbench compare`, row by row and over the whole comparison.
 *
 * For a row: d = the Hodges-Lehmann shift of log latencies (shift_interval.h), less the log of
 * the run-wide shift with --normalize. Its standard error from the samples, se_s, is read off
 * its rank interval at 1 - alpha (half the width over z(1 - alpha/2)). Samples of one run
 * cannot show how far a row moves between runs: caches, placement and a shared host differ
 * from run to run, and on a VM like CI's that spread is as large as the samples' own. It
 * joins as a second variance: se^2 = se_s^2 + spread^2, with spread the row's own (its log
 * medians over a baseline of COMPARE_MIN_BASELINE runs or more, less what their samples
 * explain, never below the next), else its scenario's, else the whole comparison's (how far
 * those rows' shifts scatter, robustly: Rousseeuw and Croux's Qn, which needs no centre, less
 * what their samples explain).
 *
 * With h = log(1 + threshold):
 *   p = 2 P(Z > (|d| - h) / se), of the hypothesis that the change is within +-threshold;
 *   regression / improvement: p adjusted over all judged rows (Benjamini-Hochberg) <= fdr;
 *   same: d -+ z(1 - alpha) se within (-h, h), two one-sided tests at alpha (the
 *         equivalence test: positive evidence of no change that matters);
 *   inconclusive: neither. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_internal.h"
#include "fdr.h"
#include "normal_dist.h"
#include "shift_interval.h"
#include "stats.h"

/* Median of v[0..n) (sorted in place). */
static double median_of(double *v, size_t n)
{
	stats_sort(v, n);
	return stats_quantile_sorted(v, n, 0.5);
}

/* The row's own between-run spread (log sd) from its baseline runs: the sample variance of their
 * log medians less the mean variance those medians have from their samples alone, times
 * 1 + 1/K for the difference of one new run and the mean of K. -1: too few runs. */
static double row_spread(const struct compare_pair *pr)
{
	double mean = 0, var = 0, own = 0;

	if (pr->n_runs < COMPARE_MIN_BASELINE)
		return -1;
	for (size_t k = 0; k < pr->n_runs; k++)
		mean += pr->run_log_median[k] / (double)pr->n_runs;
	for (size_t k = 0; k < pr->n_runs; k++) {
		var += (pr->run_log_median[k] - mean) * (pr->run_log_median[k] - mean) /
		       (double)(pr->n_runs - 1);
		own += pr->run_var[k] / (double)pr->n_runs;
	}
	/* The new run's own spread, against the mean of K runs whose spread is 1/K of it. */
	return sqrt(fmax(0, var - own) * (1 + 1.0 / (double)pr->n_runs));
}

/* The scenario of a row name: up to its first '/' (all of it without one). */
static size_t group_len(const char *name)
{
	const char *slash = strchr(name, '/');

	return slash ? (size_t)(slash - name) : strlen(name);
}

static bool same_group(const char *a, const char *b)
{
	size_t n = group_len(a);

	return n == group_len(b) && !strncmp(a, b, n);
}

/* At most this many rows go into a Qn (every k-th of more): its pairs grow as n^2. */
#define QN_MAX_ROWS 2000

/* A between-run spread from the rows of this comparison (the judged rows in `group`'s scenario,
 * or all of them when group is NULL): Rousseeuw and Croux's Qn of their log shifts, 2.2219 x
 * the C(h, 2)-th smallest of the |d_i - d_j|, h = n/2 + 1, less (in variance) the median of
 * their samples' variances. Qn needs no centre: rows that really changed form clusters of
 * their own, and the pairs inside a cluster still measure the noise; up to half the rows may
 * change, by any amounts, without moving it. A change common to a whole scenario is not
 * spread. -1 with fewer than COMPARE_MIN_SPREAD_ROWS rows. */
static double pooled_spread(const struct compare_result *out, const double *d, const double *se_s,
			    const char *group, double *scratch, double **pairs, size_t *cap)
{
	size_t n = 0, total = 0, stride, np = 0, h, k;
	double qn, own;

	for (size_t i = 0; i < out->n; i++)
		if (out->rows[i].judged && (!group || same_group(group, out->rows[i].name)))
			total++;
	if (total < COMPARE_MIN_SPREAD_ROWS)
		return -1;
	stride = (total + QN_MAX_ROWS - 1) / QN_MAX_ROWS;
	for (size_t i = 0, seen = 0; i < out->n; i++)
		if (out->rows[i].judged && (!group || same_group(group, out->rows[i].name)) &&
		    seen++ % stride == 0)
			scratch[n++] = d[i];
	if (n * (n - 1) / 2 > *cap) {
		double *grown = realloc(*pairs, n * (n - 1) / 2 * sizeof(**pairs));

		if (!grown)
			return -1;
		*pairs = grown;
		*cap = n * (n - 1) / 2;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			(*pairs)[np++] = fabs(scratch[i] - scratch[j]);
	stats_sort(*pairs, np);
	h = n / 2 + 1;
	k = h * (h - 1) / 2;
	qn = 2.2219 * (*pairs)[(k < np ? k : np) - 1];
	n = 0;
	for (size_t i = 0; i < out->n; i++)
		if (out->rows[i].judged && (!group || same_group(group, out->rows[i].name)))
			scratch[n++] = se_s[i] * se_s[i];
	own = median_of(scratch, n);
	return sqrt(fmax(0, qn * qn - own));
}

/* The spread for row i and where it came from: its own over the baseline (never below its
 * scenario's or all rows', which it sharpens, not replaces: three runs say little), else its
 * scenario's, else all rows'. Scenarios differ: on this VM a cold lookup moves more between
 * runs than a cgroup write. Each scenario's is worked out once (cache: name -> spread). */
static double spread_for(const struct compare_result *out, const struct compare_pair *pr,
			 const double *d, const double *se_s, size_t i, json_t *cache,
			 double *scratch, double **pairs, size_t *cap, const char **from)
{
	const char *name = out->rows[i].name;
	double own = row_spread(pr), pooled;
	char key[256];
	json_t *hit;

	snprintf(key, sizeof(key), "%.*s", (int)group_len(name), name);
	hit = json_object_get(cache, key);
	if (!hit) {
		pooled = pooled_spread(out, d, se_s, name, scratch, pairs, cap);
		hit = json_pack("[f, b]", pooled >= 0 ? pooled : out->spread, pooled >= 0);
		if (!hit || json_object_set_new(cache, key, hit))
			hit = NULL;
	}
	pooled = hit ? json_real_value(json_array_get(hit, 0)) : out->spread;
	*from = hit && json_is_true(json_array_get(hit, 1)) ? "scenario" : "all rows";
	if (own >= 0 && own > pooled) {
		*from = "baseline";
		return own;
	}
	return pooled;
}

/* The median of the judged rows' log shifts and its distribution-free interval at 1 - alpha:
 * order statistics j and n + 1 - j, j from the binomial(n, 1/2) by its normal approximation. */
static void run_shift(struct compare_result *out, const double *d, double alpha, double *scratch)
{
	size_t n = 0;
	double j;

	for (size_t i = 0; i < out->n; i++)
		if (out->rows[i].judged)
			scratch[n++] = d[i];
	if (!n)
		return;
	out->shift = exp(median_of(scratch, n));
	j = floor((double)n / 2 - normal_quantile(1 - alpha / 2) * sqrt((double)n) / 2);
	if (j < 1) {
		out->shift_lo = out->shift_hi = NAN; /* too few rows for an interval */
	} else {
		out->shift_lo = exp(scratch[(size_t)j - 1]);
		out->shift_hi = exp(scratch[n - (size_t)j]);
	}
}

/* resolution and reps_needed of a judged row (see compare.h). se_s^2 falls as 1/n: the noise
 * part z_gate x se comes down to h when se_s^2 = (h / z_gate)^2 - spread^2. */
static void row_resolution(struct compare_row *r, double h, double z_gate)
{
	double n = (double)(r->old.n < r->new.n ? r->old.n : r->new.n);
	double room = (h / z_gate) * (h / z_gate) - r->spread * r->spread;

	r->resolution = expm1(h + z_gate * r->se);
	r->reps_needed = room > 0 ? (size_t)fmax(COMPARE_MIN_SAMPLES,
						 ceil(n * r->se_samples * r->se_samples / room))
				  : 0;
}

static void judge_row(struct compare_row *r, double d, double h, double z_same, double fdr)
{
	if (r->q <= fdr) {
		r->verdict = d > 0 ? VERDICT_REGRESSION : VERDICT_IMPROVEMENT;
		r->why = d > 0 ? "beyond +threshold (FDR-adjusted)"
			       : "beyond -threshold (FDR-adjusted)";
	} else if (d - z_same * r->se > -h && d + z_same * r->se < h) {
		r->verdict = VERDICT_SAME;
		r->why = "interval within +-threshold";
	} else if (r->p <= fdr) {
		r->verdict = VERDICT_INCONCLUSIVE;
		r->why = "beyond the threshold, but not after the FDR control over the rows";
	} else {
		r->verdict = VERDICT_INCONCLUSIVE;
		r->why = "interval reaches across the threshold";
	}
}

/* The summary's resolution: median and largest over judged rows, and the median reps_needed
 * (0 when at least half the rows cannot get there). */
static void summary_resolution(struct compare_result *out, double *scratch)
{
	size_t n = 0, unreachable = 0;

	for (size_t i = 0; i < out->n; i++)
		if (out->rows[i].judged) {
			scratch[n++] = out->rows[i].resolution;
			out->resolution_max = fmax(out->resolution_max, out->rows[i].resolution);
		}
	if (!n)
		return;
	out->resolution_median = median_of(scratch, n);
	n = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (!out->rows[i].judged)
			continue;
		if (!out->rows[i].reps_needed)
			unreachable++;
		/* Unreachable sorts last. */
		scratch[n++] =
			out->rows[i].reps_needed ? (double)out->rows[i].reps_needed : INFINITY;
	}
	out->reps_needed_median = 2 * unreachable >= n ? 0 : (size_t)median_of(scratch, n);
}

int compare_judge(struct compare_result *out, const struct compare_pair *pairs,
		  const struct compare_opts *opts, struct bb_error *err)
{
	size_t n = out->n ? out->n : 1;
	double *d = calloc(n, sizeof(*d)), *se_s = calloc(n, sizeof(*se_s));
	double *scratch = calloc(n, sizeof(*scratch));
	double h = log1p(opts->threshold), z_half = normal_quantile(1 - opts->alpha / 2);
	double z_same = normal_quantile(1 - opts->alpha), spread, center, *qn_pairs = NULL;
	size_t qn_cap = 0;
	json_t *groups = json_object();
	size_t m = 0;
	int ret = 0;

	if (!d || !se_s || !scratch || !groups) {
		ret = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < out->n; i++) {
		struct compare_row *r = &out->rows[i];
		const struct compare_pair *pr = &pairs[i];
		struct shift_interval si;

		if (!r->has_old || !r->has_new) {
			r->verdict = r->has_old ? VERDICT_REMOVED : VERDICT_ADDED;
			r->why = r->has_old ? "only in the old file" : "only in the new file";
			continue;
		}
		if (pr->n_old < COMPARE_MIN_SAMPLES || pr->n_new < COMPARE_MIN_SAMPLES) {
			r->verdict = VERDICT_INCONCLUSIVE;
			r->why = "fewer than 5 samples";
			continue;
		}
		if ((ret = shift_interval(pr->old, pr->n_old, pr->new, pr->n_new, opts->alpha, &si,
					  err)))
			goto out;
		if (!si.k) {
			r->verdict = VERDICT_INCONCLUSIVE;
			r->why = "too few samples for an interval";
			continue;
		}
		r->judged = true;
		d[i] = si.shift;
		se_s[i] = (si.hi - si.lo) / (2 * z_half);
		m++;
	}
	out->n_judged = m;
	run_shift(out, d, opts->alpha, scratch);
	center = out->shift > 0 ? log(out->shift) : 0;
	spread = pooled_spread(out, d, se_s, NULL, scratch, &qn_pairs, &qn_cap);
	out->spread_estimated = spread >= 0;
	out->spread = out->spread_estimated ? spread : 0;
	/* A lone change among m rows passes Benjamini-Hochberg when its p is <= fdr / m. */
	out->z_gate = m ? normal_quantile(1 - opts->fdr / (2 * (double)m)) : 0;
	/* Every spread from the shifts as measured, before any is normalized. */
	for (size_t i = 0; i < out->n; i++)
		if (out->rows[i].judged)
			out->rows[i].spread =
				spread_for(out, &pairs[i], d, se_s, i, groups, scratch, &qn_pairs,
					   &qn_cap, &out->rows[i].spread_from);
	for (size_t i = 0; i < out->n; i++) {
		struct compare_row *r = &out->rows[i];

		if (!r->judged)
			continue;
		if (opts->normalize)
			d[i] -= center;
		r->se_samples = se_s[i];
		r->se = sqrt(se_s[i] * se_s[i] + r->spread * r->spread);
		r->change = expm1(d[i]);
		r->lo = expm1(d[i] - z_half * r->se);
		r->hi = expm1(d[i] + z_half * r->se);
		r->p = r->se > 0 ? fmin(1, 2 * normal_cdf(-(fabs(d[i]) - h) / r->se))
				 : (fabs(d[i]) > h ? 0 : 1);
		row_resolution(r, h, out->z_gate);
	}
	m = 0;
	for (size_t i = 0; i < out->n; i++)
		if (out->rows[i].judged)
			scratch[m++] = out->rows[i].p;
	if (fdr_bh_adjust(scratch, m, scratch)) {
		ret = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	m = 0;
	for (size_t i = 0; i < out->n; i++) {
		struct compare_row *r = &out->rows[i];

		if (r->judged) {
			r->q = scratch[m++];
			judge_row(r, d[i], h, z_same, opts->fdr);
		}
		out->count[r->verdict]++;
	}
	summary_resolution(out, scratch);
out:
	free(d);
	free(se_s);
	free(scratch);
	json_decref(groups);
	free(qn_pairs);
	return ret;
}
