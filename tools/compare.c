/* boxbench compare: the regression gate. Pairs two result files' benchmarks by name, judges each
 * pair with a rank test, the size of the change and the samples' ranges, and says it as a
 * table, Markdown for a CI comment, or JSON; the exit status is the verdict. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "results/compare.h"

#define EXIT_CONTEXT 3
#define MAX_STRIP    16

static const char compare_help[] =
	"usage: boxbench compare [options] OLD.json NEW.json\n"
	"\n"
	"Pairs the benchmarks of two result files by name and gives each pair a verdict.\n"
	"A row is a regression (or an improvement) only when all of these hold:\n"
	"  - two-sided Mann-Whitney U p < --alpha (exact for small samples without ties,\n"
	"    normal approximation with tie correction otherwise)\n"
	"  - the median changed by more than max(--threshold, 2 x the noisier side's CV)\n"
	"  - the two samples' ranges do not overlap\n"
	"CV here is the robust one, 1.4826 x MAD / median: latencies are skewed, and one\n"
	"preempted sample must not decide. A side with fewer than 5 samples makes the row\n"
	"'unstable'; so does a CV above --max-cv, unless all three conditions hold anyway\n"
	"(samples that do not even overlap are no noise). Rows in one file only are\n"
	"'added' or 'removed' (not failures).\n"
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
	"  --alpha P          significance level (default 0.01)\n"
	"  --threshold PCT    smallest median change that counts, in % (default 5)\n"
	"  --max-cv PCT       a side noisier than this is unstable, in % (default 10)\n"
	"  --strip-param KEY  drop '/KEY:VALUE' from every name before pairing, so e.g.\n"
	"                     '--strip-param depth' pairs depth:8 with depth:64 (repeatable)\n"
	"  --normalize        divide the new samples by the machine-wide shift (the median\n"
	"                     of all rows' new/old median ratios) before judging: on shared\n"
	"                     CI runners a whole run can be 10-20%% slower, and this judges\n"
	"                     each row by how it moved against the others instead. A change\n"
	"                     that slows every row alike is then invisible: keep one gate\n"
	"                     without it\n"
	"  --force            compare even when the contexts differ\n"
	"  --markdown         a GitHub-flavoured table and a summary line, for a CI comment\n"
	"  --json             the rows and the summary as JSON\n"
	"  -h, --help         this text\n"
	"\n"
	"exit status: 0 no regression, 1 regression, 2 usage or input error, 3 the contexts\n"
	"differ or cannot be checked (without --force).\n";

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

static void fmt_cells(const struct compare_row *r, char *old, char *new, char *chg, char *p,
		      size_t len)
{
	strcpy(old, "-");
	strcpy(new, "-");
	strcpy(chg, "-");
	strcpy(p, "-");
	if (r->has_old)
		fmt_ns(old, len, r->old.median);
	if (r->has_new)
		fmt_ns(new, len, r->new.median);
	if (r->has_old && r->has_new) {
		snprintf(chg, len, "%+.1f%%", 100 * r->change);
		snprintf(p, len, "%.2g", r->mw.p);
	}
}

static void summary_line(FILE *f, const struct compare_result *res, const struct compare_opts *o,
			 bool md)
{
	const size_t *c = res->count;

	fprintf(f,
		"%s%zu regression%s%s, %zu improvement%s, %zu unstable, %zu same, %zu added, "
		"%zu removed (alpha %g, threshold %g%%, max robust cv %g%%)\n",
		md && c[VERDICT_REGRESSION] ? "**" : "", c[VERDICT_REGRESSION],
		c[VERDICT_REGRESSION] == 1 ? "" : "s", md && c[VERDICT_REGRESSION] ? "**" : "",
		c[VERDICT_IMPROVEMENT], c[VERDICT_IMPROVEMENT] == 1 ? "" : "s", c[VERDICT_UNSTABLE],
		c[VERDICT_SAME], c[VERDICT_ADDED], c[VERDICT_REMOVED], o->alpha, 100 * o->threshold,
		100 * o->max_cv);
	if (!res->n_shift)
		return;
	fprintf(f, "%smachine-wide shift: new/old medians %.3fx (median over %zu paired rows)%s\n",
		md ? "\n" : "", res->shift, res->n_shift,
		o->normalize ? "; rows judged after dividing the new samples by it"
		: fabs(res->shift - 1) > o->threshold
			? "; every row moved together, so the machine may have changed between the "
			  "runs: rerun both, or --normalize"
			: "");
}

static void print_table(const struct compare_result *res, const struct compare_opts *o)
{
	char old[32], new[32], chg[32], p[32];
	int w = (int)strlen("benchmark");

	for (size_t i = 0; i < res->n; i++)
		if ((int)strlen(res->rows[i].name) > w)
			w = (int)strlen(res->rows[i].name);
	printf("%-*s  %12s  %12s  %8s  %8s  %s\n", w, "benchmark", "old median", "new median",
	       "change", "p", "verdict");
	for (size_t i = 0; i < res->n; i++) {
		const struct compare_row *r = &res->rows[i];

		fmt_cells(r, old, new, chg, p, sizeof(old));
		printf("%-*s  %12s  %12s  %8s  %8s  %s\n", w, r->name, old, new, chg, p,
		       compare_verdict_name(r->verdict));
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
	char old[32], new[32], chg[32], p[32];

	printf("| benchmark | old median | new median | change | p | verdict |\n"
	       "|---|---:|---:|---:|---:|---|\n");
	for (size_t i = 0; i < res->n; i++) {
		const struct compare_row *r = &res->rows[i];
		bool loud = r->verdict == VERDICT_REGRESSION;

		fmt_cells(r, old, new, chg, p, sizeof(old));
		/* hyperfine's names are shell commands: they hold '|' and '`'. */
		printf("| ");
		md_code(r->name);
		printf(" | %s | %s | %s | %s | %s%s%s |\n", old, new, chg, p, loud ? "**" : "",
		       compare_verdict_name(r->verdict), loud ? "**" : "");
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

static void print_json(const struct compare_result *res, const struct compare_opts *o,
		       const char *oldp, const char *newp, char **diffs, size_t n_diffs)
{
	json_t *root = json_object(), *rows = json_array(), *sum = json_object(), *d = json_array();

	for (size_t i = 0; i < n_diffs; i++)
		json_array_append_new(d, json_string(diffs[i]));
	for (size_t i = 0; i < res->n; i++) {
		const struct compare_row *r = &res->rows[i];
		bool both = r->has_old && r->has_new;
		json_t *row = json_object();

		json_object_set_new(row, "name", json_string(r->name));
		json_object_set_new(row, "old", r->has_old ? side_json(&r->old) : json_null());
		json_object_set_new(row, "new", r->has_new ? side_json(&r->new) : json_null());
		json_object_set_new(row, "change", both ? json_real(r->change) : json_null());
		json_object_set_new(row, "p", both ? json_real(r->mw.p) : json_null());
		json_object_set_new(row, "u", both ? json_real(r->mw.u1) : json_null());
		json_object_set_new(row, "exact", json_boolean(both && r->mw.exact));
		json_object_set_new(row, "verdict", json_string(compare_verdict_name(r->verdict)));
		json_object_set_new(row, "why", json_string(r->why));
		json_array_append_new(rows, row);
	}
	for (int v = 0; v < VERDICT_COUNT; v++)
		json_object_set_new(sum, compare_verdict_name(v),
				    json_integer((json_int_t)res->count[v]));
	json_object_set_new(root, "old", json_string(oldp));
	json_object_set_new(root, "new", json_string(newp));
	json_object_set_new(root, "alpha", json_real(o->alpha));
	json_object_set_new(root, "threshold", json_real(o->threshold));
	json_object_set_new(root, "max_cv", json_real(o->max_cv));
	json_object_set_new(root, "shift", res->n_shift ? json_real(res->shift) : json_null());
	json_object_set_new(root, "shift_rows", json_integer((json_int_t)res->n_shift));
	json_object_set_new(root, "normalized", json_boolean(o->normalize));
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

int cmd_compare(int argc, char **argv)
{
	static const struct option options[] = {
		{ "alpha", required_argument, NULL, 'a' },
		{ "threshold", required_argument, NULL, 't' },
		{ "max-cv", required_argument, NULL, 'c' },
		{ "strip-param", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		{ "normalize", no_argument, NULL, 'n' },
		{ "markdown", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *strip[MAX_STRIP];
	struct compare_opts o = {
		.alpha = 0.01, .threshold = 0.05, .max_cv = 0.10, .strip = strip
	};
	struct result old = { 0 }, new = { 0 };
	struct compare_result res = { 0 };
	struct bb_error err = { 0 };
	enum output out = OUT_TABLE;
	bool force = false;
	char **diffs = NULL;
	size_t n_diffs = 0;
	double pct;
	int opt, status = EXIT_USAGE;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case 'a':
			if (parse_num(optarg, 0, 0.5, &o.alpha) || strchr(optarg, '%'))
				return usage_error("compare",
						   "--alpha wants a number in (0, 0.5], not '%s'",
						   optarg);
			break;
		case 't':
			if (parse_num(optarg, -1e-300, 1000, &pct))
				return usage_error("compare",
						   "--threshold wants a percentage, not '%s'",
						   optarg);
			o.threshold = pct / 100;
			break;
		case 'c':
			if (parse_num(optarg, 0, 1000, &pct))
				return usage_error("compare",
						   "--max-cv wants a percentage, not '%s'", optarg);
			o.max_cv = pct / 100;
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
	if (argc - optind != 2)
		return usage_error("compare", "wants two result files, OLD and NEW (got %d)",
				   argc - optind);

	/* Both files are read and checked before anything is printed: a bad input writes
	 * nothing to stdout, so a CI step never posts half a comment. */
	if (result_load(argv[optind], RESULT_NEED_PRINTABLE, &old, &err) ||
	    result_load(argv[optind + 1], RESULT_NEED_PRINTABLE, &new, &err)) {
		fprintf(stderr, "boxbench compare: %s\n", err.msg);
		goto out;
	}
	if (context_unchecked(argv[optind], &old, argv[optind + 1], &new, force)) {
		status = EXIT_CONTEXT;
		goto out;
	}
	if (compare_contexts(&old, &new, &diffs, &n_diffs, &err))
		goto fail;
	if (n_diffs) {
		fprintf(stderr, "boxbench compare: %s measured under different conditions:\n",
			force ? "comparing anyway (--force) results" : "the results were");
		for (size_t i = 0; i < n_diffs; i++)
			fprintf(stderr, "  %s\n", diffs[i]);
		if (!force) {
			fprintf(stderr, "a change between them may be the conditions', not the "
					"code's; use --force to compare anyway\n");
			status = EXIT_CONTEXT;
			goto out;
		}
	}
	warn_partial(argv[optind], &old, "old");
	warn_partial(argv[optind + 1], &new, "new");
	if (compare_results(&old, &new, &o, &res, &err))
		goto fail;
	if (out == OUT_JSON)
		print_json(&res, &o, argv[optind], argv[optind + 1], diffs, n_diffs);
	else if (out == OUT_MARKDOWN)
		print_markdown(&res, &o);
	else
		print_table(&res, &o);
	status = res.count[VERDICT_REGRESSION] ? 1 : 0;
	goto out;
fail:
	fprintf(stderr, "boxbench compare: %s\n", err.msg);
out:
	for (size_t i = 0; i < n_diffs; i++)
		free(diffs[i]);
	free(diffs);
	compare_result_free(&res);
	result_free(&old);
	result_free(&new);
	return status;
}
