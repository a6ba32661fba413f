/* boxbench compare: the regression gate. Pairs result files' benchmarks by name, judges each
 * pair by its change and that change's interval (bench/results/compare.h), and says it as a
 * table, Markdown for a CI comment, or JSON; the exit status is the verdict. */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builtin.h"
#include "results/compare.h"

#define EXIT_CONTEXT 3
#define MAX_STRIP    16

static const char compare_help[] =
	"usage: boxbench compare [options] OLD.json NEW.json\n"
	"       boxbench compare [options] --baseline 'DIR/*.json' NEW.json\n"
	"\n"
	"The regression gate. Pairs the benchmarks of the result files by name and gives\n"
	"each pair a verdict from the size of its change and the uncertainty of that size:\n"
	"  change    new/old as the Hodges-Lehmann ratio: the median of all pairwise\n"
	"            ratios of a new and an old sample (one slow outlier moves it by at\n"
	"            most one rank)\n"
	"  interval  1 - alpha, approximate: the distribution-free rank interval of the\n"
	"            change (Mann-Whitney) read as a standard error and widened by how far\n"
	"            the row moves between runs on this machine: its own spread over a\n"
	"            baseline of 3 runs or more (never below the next), else the scatter\n"
	"            of its scenario's rows, else of all rows (Qn, robust: rows that really\n"
	"            changed do not count; what their samples explain taken out)\n"
	"  regression / improvement  the change lies beyond +-threshold, with the false\n"
	"            discovery rate over all rows held at --fdr (Benjamini-Hochberg), so 180\n"
	"            rows are not 180 chances of a false alarm\n"
	"  same      the interval lies within +-threshold: evidence of no change\n"
	"  inconclusive  neither: the noise is too large to tell\n"
	"Rows with fewer than 5 samples a side are inconclusive; rows in one file only are\n"
	"'added' or 'removed' (not failures). Every row says its resolution: the smallest\n"
	"change it would flag, and the repetitions that would bring that to twice the\n"
	"threshold. The summary gives the run-wide shift (the median of the rows'\n"
	"changes) with its interval: when most rows moved together, that is the machine,\n"
	"or a change that slows everything.\n"
	"Reads boxbench and google/benchmark JSON (iteration rows) and hyperfine's\n"
	"--export-json (times in seconds).\n"
	"\n"
	"Results measured under different conditions (kernel_release, driver, backing_fs,\n"
	"backing_store, cgroup_mode, probe_sources, overlay_options) are refused unless\n"
	"--force, and so are results whose conditions cannot be checked: a file without a\n"
	"context (hyperfine's) or whose context has none of those fields (google/benchmark's).\n"
	"Times must be positive; a name must hold no control characters.\n"
	"\n"
	"options:\n"
	"  --threshold PCT    the smallest change that matters, in % (default 5)\n"
	"  --alpha P          intervals at 1 - P, and the level of 'same' (default 0.05)\n"
	"  --fdr Q            false discovery rate over the rows (default 0.05)\n"
	"  --baseline GLOB    the old side is every file GLOB matches (quote it): several\n"
	"                     runs of the same suite on the same machine; with 3 or more,\n"
	"                     each row's own between-run spread joins its interval\n"
	"  --normalize        judge each row against the run-wide shift instead of against\n"
	"                     no change: on shared CI runners a whole run can be 10-20%\n"
	"                     slower. A change that slows every row alike is then\n"
	"                     invisible: keep one gate without it\n"
	"  --fail-on-inconclusive  exit 1 when a row is inconclusive, too\n"
	"  --strip-param KEY  drop '/KEY:VALUE' from every name before pairing, so e.g.\n"
	"                     '--strip-param depth' pairs depth:8 with depth:64 (repeatable)\n"
	"  --force            compare even when the contexts differ\n"
	"  --markdown         a GitHub-flavoured table and a summary, for a CI comment\n"
	"  --json             the rows and the summary as JSON\n"
	"  -h, --help         this text\n"
	"\n"
	"exit status: 0 no regression, 1 regression (or, with --fail-on-inconclusive, an\n"
	"inconclusive row), 2 usage or input error (or no row could be judged), 3 the\n"
	"contexts differ or cannot be checked (without --force).\n";

enum output { OUT_TABLE, OUT_MARKDOWN, OUT_JSON };

/* A duration in the unit that keeps 3-4 significant digits readable. */
static void fmt_ns(char *buf, size_t len, double ns)
{
	if (ns >= 1e9)
		snprintf(buf, len, "%.3f s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else
		snprintf(buf, len, "%.1f ns", ns);
}

/* A change as a signed percentage; "-" when the row was not judged. */
static void fmt_pct(char *buf, size_t len, double frac)
{
	if (isinf(frac))
		snprintf(buf, len, "%sinf", frac < 0 ? "-" : "+");
	else
		snprintf(buf, len, "%+.1f%%", 100 * frac);
}

struct cells {
	char old[32], new[32], chg[32], ci[48], res[32];
};

static void fmt_cells(const struct compare_row *r, struct cells *c)
{
	char lo[20], hi[20];

	strcpy(c->old, "-");
	strcpy(c->new, "-");
	strcpy(c->chg, "-");
	strcpy(c->ci, "-");
	strcpy(c->res, "-");
	if (r->has_old)
		fmt_ns(c->old, sizeof(c->old), r->old.median);
	if (r->has_new)
		fmt_ns(c->new, sizeof(c->new), r->new.median);
	if (!r->judged)
		return;
	fmt_pct(c->chg, sizeof(c->chg), r->change);
	fmt_pct(lo, sizeof(lo), r->lo);
	fmt_pct(hi, sizeof(hi), r->hi);
	snprintf(c->ci, sizeof(c->ci), "[%s, %s]", lo, hi);
	snprintf(c->res, sizeof(c->res), "%.0f%%", 100 * r->resolution);
}

static void summary_line(FILE *f, const struct compare_result *res, const struct compare_opts *o,
			 bool md)
{
	const size_t *c = res->count;
	bool moved = res->n_judged &&
		     (res->shift_lo > 1 + o->threshold || res->shift_hi < 1 / (1 + o->threshold));

	fprintf(f,
		"%s%zu regression%s%s, %zu improvement%s, %zu inconclusive, %zu same, %zu added, "
		"%zu removed (threshold %g%%, %g%% intervals, FDR %g%% over %zu rows%s)\n",
		md && c[VERDICT_REGRESSION] ? "**" : "", c[VERDICT_REGRESSION],
		c[VERDICT_REGRESSION] == 1 ? "" : "s", md && c[VERDICT_REGRESSION] ? "**" : "",
		c[VERDICT_IMPROVEMENT], c[VERDICT_IMPROVEMENT] == 1 ? "" : "s",
		c[VERDICT_INCONCLUSIVE], c[VERDICT_SAME], c[VERDICT_ADDED], c[VERDICT_REMOVED],
		100 * o->threshold, 100 * (1 - o->alpha), 100 * o->fdr, res->n_judged,
		res->n_baseline > 1 ? ", a baseline of several runs" : "");
	if (!res->n_judged)
		return;
	if (isnan(res->shift_lo))
		fprintf(f,
			"%srun-wide shift: new/old %.3fx (median of %zu rows: too few for an "
			"interval, and mostly their own changes)\n",
			md ? "\n" : "", res->shift, res->n_judged);
	else
		fprintf(f, "%srun-wide shift: new/old %.3fx [%.3f, %.3f] (median of %zu rows)%s\n",
			md ? "\n" : "", res->shift, res->shift_lo, res->shift_hi, res->n_judged,
			!moved ? ""
			: o->normalize
				? "; most rows moved together (the machine, or a change that slows "
				  "everything): rows judged against it"
				: "; most rows moved together: the machine, or a change that slows "
				  "everything; rerun both, or --normalize to judge rows against it");
	if (o->normalize)
		fprintf(f,
			"%swith --normalize a change that slows every row alike is invisible: "
			"it is the shift\n",
			md ? "\n" : "");
	if (res->n_baseline >= COMPARE_MIN_BASELINE)
		fprintf(f,
			"%sbetween-run spread: each row's own over the %zu baseline runs where it "
			"has %d or more and that is wider than its scenario's or all rows' scatter "
			"(%.1f%%), else that scatter\n",
			md ? "\n" : "", res->n_baseline, COMPARE_MIN_BASELINE,
			100 * expm1(res->spread));
	else if (res->spread_estimated)
		fprintf(f,
			"%sbetween-run spread: %.1f%% (from how these rows' changes scatter; a "
			"baseline of %d runs gives each row its own)\n",
			md ? "\n" : "", 100 * expm1(res->spread), COMPARE_MIN_BASELINE);
	else
		fprintf(f,
			"%sbetween-run spread: not estimated (fewer than %d rows, no baseline of "
			"%d runs): the intervals hold the samples' noise only, and a row that moves "
			"between runs can be flagged falsely\n",
			md ? "\n" : "", COMPARE_MIN_SPREAD_ROWS, COMPARE_MIN_BASELINE);
	fprintf(f,
		"%sresolution: changes under %.0f%% (the median row; %.0f%% the noisiest) "
		"cannot be told from noise here",
		md ? "\n" : "", 100 * res->resolution_median, 100 * res->resolution_max);
	if (res->reps_needed_median)
		fprintf(f, "; %zu repetitions would bring the median row to %.0f%%\n",
			res->reps_needed_median, 100 * expm1(2 * log1p(o->threshold)));
	else
		fprintf(f,
			"; no number of repetitions brings most rows to %.0f%%: their "
			"between-run spread alone is too large\n",
			100 * expm1(2 * log1p(o->threshold)));
}

static void print_table(const struct compare_result *res, const struct compare_opts *o)
{
	struct cells c;
	int w = (int)strlen("benchmark");

	for (size_t i = 0; i < res->n; i++)
		if ((int)strlen(res->rows[i].name) > w)
			w = (int)strlen(res->rows[i].name);
	printf("%-*s  %12s  %12s  %8s  %18s  %10s  %s\n", w, "benchmark", "old median",
	       "new median", "change", "interval", "resolution", "verdict");
	for (size_t i = 0; i < res->n; i++) {
		const struct compare_row *r = &res->rows[i];

		fmt_cells(r, &c);
		printf("%-*s  %12s  %12s  %8s  %18s  %10s  %s\n", w, r->name, c.old, c.new, c.chg,
		       c.ci, c.res, compare_verdict_name(r->verdict));
	}
	summary_line(stdout, res, o, false);
}

/* A name as a code span in a GFM table cell: fenced by one backtick more than its longest run
 * of them (spaced when it starts or ends with one), '|' escaped as the table wants even inside
 * code. Inside a code span nothing else is markup; control characters never get here
 * (result_load refuses them). */
static void md_code(const char *name)
{
	size_t run = 0, longest = 0, len = strlen(name);
	bool pad = len && (name[0] == '`' || name[len - 1] == '`');

	for (const char *p = name; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (size_t i = 0; i <= longest; i++)
		putchar('`');
	if (pad)
		putchar(' ');
	for (const char *p = name; *p; p++) {
		if (*p == '|')
			putchar('\\');
		putchar(*p);
	}
	if (pad)
		putchar(' ');
	for (size_t i = 0; i <= longest; i++)
		putchar('`');
}

static void print_markdown(const struct compare_result *res, const struct compare_opts *o)
{
	struct cells c;

	printf("| benchmark | old median | new median | change | interval | resolution | verdict "
	       "|\n"
	       "|---|---:|---:|---:|---:|---:|---|\n");
	for (size_t i = 0; i < res->n; i++) {
		const struct compare_row *r = &res->rows[i];
		bool loud = r->verdict == VERDICT_REGRESSION;

		fmt_cells(r, &c);
		/* hyperfine's names are shell commands: they hold '|' and '`'. */
		printf("| ");
		md_code(r->name);
		printf(" | %s | %s | %s | %s | %s | %s%s%s |\n", c.old, c.new, c.chg, c.ci, c.res,
		       loud ? "**" : "", compare_verdict_name(r->verdict), loud ? "**" : "");
	}
	printf("\n");
	summary_line(stdout, res, o, true);
}

static json_t *side_json(const struct compare_side *s)
{
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "n", (json_int_t)s->n, "median",
			 s->median, "mean", s->mean, "cv", s->cv, "robust_cv", s->rcv, "min",
			 s->min, "max", s->max);
}

/* A number, or null where it is not finite (JSON has no infinity). */
static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *row_json(const struct compare_row *r)
{
	json_t *row = json_object();

	json_object_set_new(row, "name", json_string(r->name));
	json_object_set_new(row, "old", r->has_old ? side_json(&r->old) : json_null());
	json_object_set_new(row, "new", r->has_new ? side_json(&r->new) : json_null());
	json_object_set_new(row, "change", r->judged ? num(r->change) : json_null());
	json_object_set_new(row, "interval",
			    r->judged ? json_pack("[o, o]", num(r->lo), num(r->hi)) : json_null());
	json_object_set_new(row, "se_samples", r->judged ? num(r->se_samples) : json_null());
	json_object_set_new(row, "spread", r->judged ? num(r->spread) : json_null());
	json_object_set_new(row, "spread_from",
			    r->judged && r->spread_from ? json_string(r->spread_from)
							: json_null());
	json_object_set_new(row, "p", r->judged ? num(r->p) : json_null());
	json_object_set_new(row, "q", r->judged ? num(r->q) : json_null());
	json_object_set_new(row, "resolution", r->judged ? num(r->resolution) : json_null());
	json_object_set_new(row, "reps_needed",
			    r->judged && r->reps_needed ? json_integer((json_int_t)r->reps_needed)
							: json_null());
	json_object_set_new(row, "verdict", json_string(compare_verdict_name(r->verdict)));
	json_object_set_new(row, "why", json_string(r->why));
	return row;
}

static void print_json(const struct compare_result *res, const struct compare_opts *o, char **oldp,
		       size_t n_old, const char *newp, char **diffs, size_t n_diffs)
{
	json_t *root = json_object(), *rows = json_array(), *sum = json_object(), *d = json_array();
	json_t *olds = json_array();

	for (size_t i = 0; i < n_diffs; i++)
		json_array_append_new(d, json_string(diffs[i]));
	for (size_t i = 0; i < n_old; i++)
		json_array_append_new(olds, json_string(oldp[i]));
	for (size_t i = 0; i < res->n; i++)
		json_array_append_new(rows, row_json(&res->rows[i]));
	for (int v = 0; v < VERDICT_COUNT; v++)
		json_object_set_new(sum, compare_verdict_name(v),
				    json_integer((json_int_t)res->count[v]));
	json_object_set_new(root, "old", n_old == 1 ? json_string(oldp[0]) : olds);
	if (n_old == 1)
		json_decref(olds);
	json_object_set_new(root, "new", json_string(newp));
	json_object_set_new(root, "threshold", json_real(o->threshold));
	json_object_set_new(root, "alpha", json_real(o->alpha));
	json_object_set_new(root, "fdr", json_real(o->fdr));
	json_object_set_new(root, "normalized", json_boolean(o->normalize));
	json_object_set_new(root, "rows_judged", json_integer((json_int_t)res->n_judged));
	json_object_set_new(root, "shift",
			    res->n_judged
				    ? json_pack("{s:o, s:[o, o]}", "ratio", num(res->shift),
						"interval", num(res->shift_lo), num(res->shift_hi))
				    : json_null());
	json_object_set_new(root, "spread", res->spread_estimated ? num(res->spread) : json_null());
	json_object_set_new(root, "baseline_runs", json_integer((json_int_t)res->n_baseline));
	json_object_set_new(root, "z_gate", num(res->z_gate));
	json_object_set_new(
		root, "resolution",
		res->n_judged
			? json_pack("{s:f, s:f, s:o}", "median", res->resolution_median, "max",
				    res->resolution_max, "reps_needed_median",
				    res->reps_needed_median
					    ? json_integer((json_int_t)res->reps_needed_median)
					    : json_null())
			: json_null());
	json_object_set_new(root, "context_differences", d);
	json_object_set_new(root, "rows", rows);
	json_object_set_new(root, "summary", sum);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

/* A run stopped by a signal wrote what it had measured: its cases have fewer samples (wider
 * intervals) and the ones it never reached are missing from the comparison. Said, not
 * refused: the rows it has are real measurements. */
static void warn_partial(const char *path, const struct result *f, const char *which)
{
	const char *why;

	if (!f->context || !json_is_true(json_object_get(f->context, "partial")))
		return;
	why = json_string_value(json_object_get(f->context, "partial_reason"));
	fprintf(stderr,
		"boxbench compare: %s (%s) is a partial run (%s): the cases it did not reach are "
		"missing, the others have fewer samples\n",
		path, which, why ? why : "no reason recorded");
}

/* Says which file's conditions cannot be checked; true when that stops the comparison. */
static bool context_unchecked(const char *oldp, const struct result *old, const char *newp,
			      const struct result *new, bool force)
{
	const char *why_old = compare_context_missing(old), *why_new = compare_context_missing(new);

	if (!why_old && !why_new)
		return false;
	fprintf(stderr,
		"boxbench compare: %s: nothing says both results were measured under the same "
		"conditions (kernel_release, driver, backing_fs, ...):\n",
		force ? "comparing anyway (--force)" : "cannot check the conditions");
	if (why_old)
		fprintf(stderr, "  %s (old): %s\n", oldp, why_old);
	if (why_new)
		fprintf(stderr, "  %s (new): %s\n", newp, why_new);
	if (!force)
		fprintf(stderr, "use --force to compare them anyway\n");
	return !force;
}

/* A number in (lo, hi]; a trailing '%' is allowed (the percent options). */
static int parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || (*end && strcmp(end, "%")) || !(v > lo) || !(v <= hi))
		return -1;
	*out = v;
	return 0;
}

/* The old files: --baseline's matches (sorted, as glob(3) gives them), or the one OLD. */
static int old_paths(const char *pattern, const char *one, char ***paths, size_t *n)
{
	glob_t g;
	int e;

	*paths = NULL;
	*n = 0;
	if (!pattern) {
		*paths = malloc(sizeof(**paths));
		if (!*paths || !((*paths)[0] = strdup(one)))
			return -ENOMEM;
		*n = 1;
		return 0;
	}
	e = glob(pattern, 0, NULL, &g);
	if (e == GLOB_NOMATCH)
		return -ENOENT;
	if (e)
		return e == GLOB_NOSPACE ? -ENOMEM : -EIO;
	*paths = calloc(g.gl_pathc + 1, sizeof(**paths));
	for (size_t i = 0; *paths && i < g.gl_pathc; i++)
		if (((*paths)[i] = strdup(g.gl_pathv[i])))
			(*n)++;
	globfree(&g);
	return *paths ? 0 : -ENOMEM;
}

/* Checks one old file's conditions against the new one's; EXIT_CONTEXT when that stops the
 * comparison, -1 when out of memory, else 0. *diffs_out keeps the first file's differences
 * for --json. */
static int check_context(const char *oldp, const struct result *old, const char *newp,
			 const struct result *new, bool force, char ***diffs_out, size_t *n_out)
{
	struct bb_error err = { 0 };
	char **diffs = NULL;
	size_t n = 0;

	if (context_unchecked(oldp, old, newp, new, force))
		return EXIT_CONTEXT;
	if (compare_contexts(old, new, &diffs, &n, &err)) {
		fprintf(stderr, "boxbench compare: %s\n", err.msg);
		return -1;
	}
	if (n) {
		fprintf(stderr,
			"boxbench compare: %s %s and %s measured under different conditions:\n",
			force ? "comparing anyway (--force)" : "the results", oldp, newp);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  %s\n", diffs[i]);
		if (!force) {
			fprintf(stderr, "a change between them may be the conditions', not the "
					"code's; use --force to compare anyway\n");
			for (size_t i = 0; i < n; i++)
				free(diffs[i]);
			free(diffs);
			return EXIT_CONTEXT;
		}
	}
	if (!*diffs_out) {
		*diffs_out = diffs;
		*n_out = n;
	} else {
		for (size_t i = 0; i < n; i++)
			free(diffs[i]);
		free(diffs);
	}
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	static const struct option options[] = {
		{ "alpha", required_argument, NULL, 'a' },
		{ "threshold", required_argument, NULL, 't' },
		{ "fdr", required_argument, NULL, 'q' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "fail-on-inconclusive", no_argument, NULL, 'i' },
		{ "strip-param", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		{ "normalize", no_argument, NULL, 'n' },
		{ "markdown", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *strip[MAX_STRIP], *baseline = NULL, *newp;
	struct compare_opts o = { .alpha = 0.05, .threshold = 0.05, .fdr = 0.05, .strip = strip };
	struct result *olds = NULL, new = { 0 };
	const struct result **oldv = NULL;
	struct compare_result res = { 0 };
	struct bb_error err = { 0 };
	enum output out = OUT_TABLE;
	bool force = false, fail_inconclusive = false;
	char **diffs = NULL, **paths = NULL;
	size_t n_diffs = 0, n_old = 0, loaded = 0;
	double pct;
	int opt, status = EXIT_USAGE, e;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case 'a':
		case 'q':
			if (parse_num(optarg, 0, 0.5, opt == 'a' ? &o.alpha : &o.fdr) ||
			    strchr(optarg, '%'))
				return usage_error("compare",
						   "%s wants a number in (0, 0.5], not '%s'",
						   opt == 'a' ? "--alpha" : "--fdr", optarg);
			break;
		case 't':
			if (parse_num(optarg, 0, 1000, &pct))
				return usage_error("compare",
						   "--threshold wants a percentage above 0 and up "
						   "to 1000, such as 5, not '%s'",
						   optarg);
			o.threshold = pct / 100;
			break;
		case 'b':
			baseline = optarg;
			break;
		case 'i':
			fail_inconclusive = true;
			break;
		case 's':
			if (o.n_strip == MAX_STRIP)
				return usage_error("compare", "at most %d --strip-param",
						   MAX_STRIP);
			if (!*optarg || strpbrk(optarg, "/:"))
				return usage_error("compare",
						   "--strip-param wants a key such as 'depth', "
						   "not '%s'",
						   optarg);
			strip[o.n_strip++] = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'n':
			o.normalize = true;
			break;
		case 'm':
		case 'j':
			if (out != OUT_TABLE && out != (opt == 'm' ? OUT_MARKDOWN : OUT_JSON))
				return usage_error("compare",
						   "--markdown and --json exclude each other");
			out = opt == 'm' ? OUT_MARKDOWN : OUT_JSON;
			break;
		case 'h':
			fputs(compare_help, stdout);
			return 0;
		default:
			return usage_bad_option("compare", opt, argv);
		}
	}
	if (argc - optind != (baseline ? 1 : 2))
		return baseline ? usage_error("compare",
					      "with --baseline wants one result file, NEW (got %d)",
					      argc - optind)
				: usage_error("compare",
					      "wants two result files, OLD and NEW (got %d)",
					      argc - optind);
	newp = argv[argc - 1];
	e = old_paths(baseline, argv[optind], &paths, &n_old);
	if (e == -ENOENT) {
		fprintf(stderr,
			"boxbench compare: --baseline '%s' matches no file: give a pattern such as "
			"'baselines/*.json', quoted so that the shell leaves it to compare\n",
			baseline);
		goto out;
	}
	if (e) {
		fprintf(stderr, "boxbench compare: --baseline '%s': %s\n", baseline, strerror(-e));
		goto out;
	}
	olds = calloc(n_old + 1, sizeof(*olds));
	oldv = calloc(n_old + 1, sizeof(*oldv));
	if (!olds || !oldv) {
		fprintf(stderr, "boxbench compare: out of memory\n");
		goto out;
	}
	/* Every file is read and checked before anything is printed: a bad input writes
	 * nothing to stdout, so a CI step never posts half a comment. */
	for (; loaded < n_old; loaded++) {
		if (result_load(paths[loaded], RESULT_NEED_PRINTABLE, &olds[loaded], &err)) {
			fprintf(stderr, "boxbench compare: %s\n", err.msg);
			goto out;
		}
		oldv[loaded] = &olds[loaded];
	}
	if (result_load(newp, RESULT_NEED_PRINTABLE, &new, &err)) {
		fprintf(stderr, "boxbench compare: %s\n", err.msg);
		goto out;
	}
	for (size_t k = 0; k < n_old; k++) {
		struct stat so, sn;

		if (baseline && !stat(paths[k], &so) && !stat(newp, &sn) &&
		    so.st_dev == sn.st_dev && so.st_ino == sn.st_ino) {
			fprintf(stderr,
				"boxbench compare: %s is the new run and one of the old ones: give "
				"a --baseline pattern that leaves it out\n",
				newp);
			goto out;
		}
		e = check_context(paths[k], &olds[k], newp, &new, force, &diffs, &n_diffs);
		if (e) {
			status = e > 0 ? e : EXIT_USAGE;
			goto out;
		}
	}
	for (size_t k = 0; k < n_old; k++)
		warn_partial(paths[k], &olds[k], n_old > 1 ? "baseline" : "old");
	warn_partial(newp, &new, "new");
	if (compare_results(oldv, n_old, &new, &o, &res, &err)) {
		fprintf(stderr, "boxbench compare: %s\n", err.msg);
		goto out;
	}
	if (!res.n_judged) {
		/* A gate that judged nothing must not pass (and prints nothing: exit 2 writes no
		 * stdout): the runs share no row with 5 samples
		 * a side (renamed cases, a run that died early, an --alpha too small). */
		fprintf(stderr,
			"boxbench compare: no row could be judged: none is in both files with %d "
			"samples or more a side and an interval at --alpha %g (compare the same "
			"suite, with --repetitions 5 or more)\n",
			COMPARE_MIN_SAMPLES, o.alpha);
		status = EXIT_USAGE;
		goto out;
	}
	if (o.normalize && res.n_judged && res.n_judged < COMPARE_MIN_SPREAD_ROWS)
		fprintf(stderr,
			"boxbench compare: --normalize over %zu rows: the run-wide shift of so few "
			"rows is mostly their own changes, and dividing it out moves the others\n",
			res.n_judged);
	if (out == OUT_JSON)
		print_json(&res, &o, paths, n_old, newp, diffs, n_diffs);
	else if (out == OUT_MARKDOWN)
		print_markdown(&res, &o);
	else
		print_table(&res, &o);
	status = res.count[VERDICT_REGRESSION] ||
				 (fail_inconclusive && res.count[VERDICT_INCONCLUSIVE])
			 ? 1
			 : 0;
out:
	for (size_t i = 0; i < n_diffs; i++)
		free(diffs[i]);
	free(diffs);
	compare_result_free(&res);
	for (size_t k = 0; k < loaded; k++)
		result_free(&olds[k]);
	for (size_t k = 0; k < n_old; k++)
		free(paths[k]);
	free(paths);
	free(olds);
	free(oldv);
	result_free(&new);
	return status;
}
