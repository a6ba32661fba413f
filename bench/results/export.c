/* The export formats, written from a loaded result: what CI dashboards (Bencher,
 * github-action-benchmark), Prometheus (node_exporter's textfile collector) and spreadsheets
 * read. Every number comes from the iteration rows and their summary (result_summary.h), the
 * same numbers run's table and the result's aggregate rows show. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

void export_case_scenario(const char *name, char *buf, size_t len)
{
	size_t n = strcspn(name, "/");

	if (n >= len)
		n = len - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
}

int export_format_parse(const char *name, enum export_format *fmt)
{
	static const struct {
		const char *name;
		enum export_format fmt;
	} formats[] = {
		{ "bmf", EXPORT_BMF },
		{ "gh-benchmark", EXPORT_GH_BENCHMARK },
		{ "openmetrics", EXPORT_OPENMETRICS },
		{ "csv", EXPORT_CSV },
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(name, formats[i].name)) {
			*fmt = formats[i].fmt;
			return 0;
		}
	return -EINVAL;
}

static int write_json(FILE *f, json_t *root, struct bb_error *err)
{
	int ret = 0;

	if (!root)
		return bb_err(err, ENOMEM, "out of memory");
	if (json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) ||
	    fputc('\n', f) == EOF)
		ret = bb_err(err, EIO, "cannot write the export");
	json_decref(root);
	return ret;
}

/* Bencher Metric Format: one measure, "latency", in ns; the bounds are p5 and p95 so one
 * outlier does not stretch them the way min and max would. */
static int write_bmf(FILE *f, const struct result *res, struct bb_error *err)
{
	json_t *root = json_object();

	for (size_t i = 0; root && i < res->n_cases; i++) {
		const struct stats *st = &res->cases[i].sum.wall;

		json_object_set_new(root, res->cases[i].name,
				    json_pack("{s:{s:f,s:f,s:f}}", "latency", "value", st->median,
					      "lower_value", st->p5, "upper_value", st->p95));
	}
	return write_json(f, root, err);
}

/* github-action-benchmark's customSmallerIsBetter: it shows range and extra verbatim. */
static int write_gh_benchmark(FILE *f, const struct result *res, struct bb_error *err)
{
	json_t *root = json_array();

	for (size_t i = 0; root && i < res->n_cases; i++) {
		const struct result_case *c = &res->cases[i];
		char range[64], share[32], extra[256];
		double k;

		snprintf(range, sizeof(range), "± %.1f", c->sum.wall.stddev);
		if (result_summary_share(&c->sum, "median", &k))
			snprintf(share, sizeof(share), "%.1f%%", 100 * k);
		else
			snprintf(share, sizeof(share), "n/a");
		snprintf(extra, sizeof(extra), "samples: %zu; kernel share: %s; source: %s", c->n,
			 share, c->source);
		json_array_append_new(root, json_pack("{s:s,s:s,s:f,s:s,s:s}", "name", c->name,
						      "unit", "ns", "value", c->sum.wall.median,
						      "range", range, "extra", extra));
	}
	return write_json(f, root, err);
}

/* Label values escape backslash, double quote and line feed (OpenMetrics, "ABNF"). Other
 * control characters have no escape, and a raw CR ends the line for many a reader (Python's,
 * in text mode): they go as U+FFFD. */
static void om_label(FILE *f, const char *key, const char *value, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", key);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f), fputc(*p, f);
		else if (*p == '\n')
			fputs("\\n", f);
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fputs("\xef\xbf\xbd", f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* A scenario as it can stand in a metric name ([a-zA-Z0-9_:], '_' for anything else), and in
 * its HELP text, which may then hold no '\\' or line feed to escape. */
static void om_scenario(const char *name, char *buf, size_t len)
{
	export_case_scenario(name, buf, len);
	for (char *p = buf; *p; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			*p = '_';
}

/* Fixed 1-2.5-5 buckets from 1 µs to 10 s: the cases span a uts namespace (~10 µs) to a
 * loaded start (~10 ms), and fixed bounds let histograms of different runs be summed. The
 * strings are the canonical float spellings the OpenMetrics parsers accept. */
static const char *const om_bounds[] = {
	"1e-06",  "2.5e-06", "5e-06",  "1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025",
	"0.0005", "0.001",   "0.0025", "0.005", "0.01",	   "0.025", "0.05",   "0.1",
	"0.25",	  "0.5",     "1.0",    "2.5",	"5.0",	   "10.0",
};

#define N_BOUNDS (sizeof(om_bounds) / sizeof(om_bounds[0]))

/* A series' labels: the case (its name after the scenario), its source, and, for a scenario
 * whose name a metric name cannot spell as it is (its family is shared with the scenarios that
 * spell alike), the scenario as written, so that no two cases make the same series. */
static void om_labels(FILE *f, const struct result_case *c, const char *scen)
{
	const char *rest = strchr(c->name, '/');
	size_t len = rest ? (size_t)(rest - c->name) : strlen(c->name);

	om_label(f, "case", rest ? rest + 1 : "", true);
	om_label(f, "source", c->source, false);
	if (strlen(scen) != len || strncmp(c->name, scen, len)) {
		/* Whole, however long: two scenarios that agree in their first 255 bytes are
		 * still two series (a fuzzed file found the cut). */
		char *raw = strndup(c->name, len);

		om_label(f, "scenario", raw ? raw : c->name, false);
		free(raw);
	}
}

static void om_case(FILE *f, const char *metric, const char *scen, const struct result_case *c)
{
	double sum = 0;

	for (size_t i = 0; i < c->n; i++)
		sum += c->samples[i].wall_ns / 1e9;
	for (size_t b = 0; b <= N_BOUNDS; b++) {
		double bound = b < N_BOUNDS ? strtod(om_bounds[b], NULL) : INFINITY;
		size_t count = 0;

		for (size_t i = 0; i < c->n; i++)
			if (c->samples[i].wall_ns / 1e9 <= bound)
				count++;
		fprintf(f, "%s_bucket{", metric);
		om_labels(f, c, scen);
		om_label(f, "le", b < N_BOUNDS ? om_bounds[b] : "+Inf", false);
		fprintf(f, "} %zu\n", count);
	}
	fprintf(f, "%s_sum{", metric);
	om_labels(f, c, scen);
	fprintf(f, "} %.9g\n%s_count{", sum, metric);
	om_labels(f, c, scen);
	fprintf(f, "} %zu\n", c->n);
}

/* The cases in the order they are written: grouped by family (a family's samples must not be
 * interleaved with another's), families in the order the file first has them, cases in file
 * order within each. Scenarios are grouped as their metric names are spelled, so two that
 * differ only in characters a name cannot hold share one family instead of making two of the
 * same name. A jansson object (a hash table) maps each spelling to its family. */
static int om_order(const struct result *res, size_t *order, size_t *family, size_t *n_fam)
{
	json_t *index = json_object();
	size_t *start = NULL;
	char scen[64];

	*n_fam = 0;
	for (size_t i = 0; index && i < res->n_cases; i++) {
		json_t *at;

		om_scenario(res->cases[i].name, scen, sizeof(scen));
		at = json_object_get(index, scen);
		family[i] = at ? (size_t)json_integer_value(at) : (*n_fam)++;
		if (!at && json_object_set_new(index, scen, json_integer((json_int_t)family[i]))) {
			json_decref(index);
			return -ENOMEM;
		}
	}
	start = index ? calloc(*n_fam + 1, sizeof(*start)) : NULL;
	json_decref(index);
	if (!start)
		return -ENOMEM;
	for (size_t i = 0; i < res->n_cases; i++)
		start[family[i] + 1]++;
	for (size_t k = 0; k < *n_fam; k++)
		start[k + 1] += start[k];
	for (size_t i = 0; i < res->n_cases; i++)
		order[start[family[i]]++] = i;
	free(start);
	return 0;
}

static void om_host_info(FILE *f, const struct result *res)
{
	fputs("# TYPE boxbench_host_info gauge\n"
	      "# HELP boxbench_host_info The host and build the results were measured on.\n"
	      "boxbench_host_info{",
	      f);
	om_label(f, "kernel", res->kernel, true);
	om_label(f, "host", res->host, false);
	om_label(f, "version", res->version, false);
	om_label(f, "driver", res->driver, false);
	om_label(f, "backing_fs", res->backing_fs, false);
	om_label(f, "cgroup_mode", res->cgroup_mode, false);
	om_label(f, "suite", res->suite, false);
	fputs("} 1\n# EOF\n", f);
}

/* One histogram family per scenario, then the host's gauge. */
static int write_openmetrics(FILE *f, const struct result *res, struct bb_error *err)
{
	size_t *order = calloc(res->n_cases + 1, sizeof(*order));
	size_t *family = calloc(res->n_cases + 1, sizeof(*family)), n_fam;
	int ret = order && family ? om_order(res, order, family, &n_fam) : -ENOMEM;

	for (size_t j = 0; !ret && j < res->n_cases; j++) {
		const struct result_case *c = &res->cases[order[j]];
		char scen[64], metric[128];

		om_scenario(c->name, scen, sizeof(scen));
		snprintf(metric, sizeof(metric), "boxbench_%s_duration_seconds", scen);
		if (!j || family[order[j - 1]] != family[order[j]])
			fprintf(f,
				"# TYPE %s histogram\n# UNIT %s seconds\n# HELP %s Wall time of one "
				"repetition of a boxbench %s case.\n",
				metric, metric, metric, scen);
		om_case(f, metric, scen, c);
	}
	free(order);
	free(family);
	if (ret)
		return bb_err(err, ENOMEM, "out of memory");
	om_host_info(f, res);
	return ferror(f) ? bb_err(err, EIO, "cannot write the export") : 0;
}

/* RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
static void csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputs(last ? "\r\n" : ",", f);
}

/* A text field a spreadsheet would take for a formula (=, +, -, @, or a tab or CR first: the
 * OWASP list) gets a leading ' so that it shows as text and runs nothing. Names boxbench
 * writes start with a scenario's name, so only a crafted file ever has one. */
static void csv_text(FILE *f, const char *s, bool last)
{
	char *quoted = NULL;

	if (*s && strchr("=+-@\t\r", *s) && asprintf(&quoted, "'%s", s) >= 0) {
		csv_field(f, quoted, last);
		free(quoted);
		return;
	}
	csv_field(f, s, last);
}

static void csv_number(FILE *f, double v)
{
	char buf[32] = "";

	if (!isnan(v))
		snprintf(buf, sizeof(buf), "%.15g", v);
	csv_field(f, buf, false);
}

/* One line per repetition: the raw samples, for tools that compute their own statistics.
 * Lines end in CRLF as RFC 4180 says; every CSV reader takes it. */
static int write_csv(FILE *f, const struct result *res, struct bb_error *err)
{
	fputs("name,repetition,wall_ns,kernel_ns,func_ns,source\r\n", f);
	for (size_t i = 0; i < res->n_cases; i++) {
		const struct result_case *c = &res->cases[i];

		for (size_t s = 0; s < c->n; s++) {
			char rep[16];

			snprintf(rep, sizeof(rep), "%d", c->samples[s].repetition);
			csv_text(f, c->name, false);
			csv_field(f, rep, false);
			csv_number(f, c->samples[s].wall_ns);
			csv_number(f, c->samples[s].kernel_ns);
			csv_number(f, c->samples[s].func_ns);
			csv_text(f, c->source, true);
		}
	}
	return ferror(f) ? bb_err(err, EIO, "cannot write the export") : 0;
}

int export_write(FILE *f, const struct result *res, enum export_format fmt, struct bb_error *err)
{
	switch (fmt) {
	case EXPORT_BMF:
		return write_bmf(f, res, err);
	case EXPORT_GH_BENCHMARK:
		return write_gh_benchmark(f, res, err);
	case EXPORT_OPENMETRICS:
		return write_openmetrics(f, res, err);
	case EXPORT_CSV:
		return write_csv(f, res, err);
	}
	return bb_err(err, EINVAL, "unknown export format %d", (int)fmt);
}
