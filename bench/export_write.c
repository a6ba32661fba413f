/* The export formats, written from a loaded result: what CI dashboards (Bencher,
 * github-action-benchmark), Prometheus (node_exporter's textfile collector) and spreadsheets
 * read. All times come from the iteration rows (export_load.c). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

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
static int write_bmf(FILE *f, const struct export_result *res, struct bb_error *err)
{
	json_t *root = json_object();

	for (size_t i = 0; root && i < res->n_cases; i++) {
		const struct stats *st = &res->cases[i].wall;

		json_object_set_new(root, res->cases[i].name,
				    json_pack("{s:{s:f,s:f,s:f}}", "latency", "value", st->median,
					      "lower_value", st->p5, "upper_value", st->p95));
	}
	return write_json(f, root, err);
}

/* github-action-benchmark's customSmallerIsBetter: it shows range and extra verbatim. */
static int write_gh_benchmark(FILE *f, const struct export_result *res, struct bb_error *err)
{
	json_t *root = json_array();

	for (size_t i = 0; root && i < res->n_cases; i++) {
		const struct export_case *c = &res->cases[i];
		char range[64], share[32], extra[256];

		snprintf(range, sizeof(range), "± %.1f", c->wall.stddev);
		if (c->has_kernel)
			snprintf(share, sizeof(share), "%.1f%%", 100 * c->kernel_share);
		else
			snprintf(share, sizeof(share), "n/a");
		snprintf(extra, sizeof(extra), "samples: %zu; kernel share: %s; source: %s", c->n,
			 share, c->source);
		json_array_append_new(root, json_pack("{s:s,s:s,s:f,s:s,s:s}", "name", c->name,
						      "unit", "ns", "value", c->wall.median,
						      "range", range, "extra", extra));
	}
	return write_json(f, root, err);
}

/* Label values escape backslash, double quote and line feed (OpenMetrics, "ABNF"). */
static void om_label(FILE *f, const char *key, const char *value, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", key);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f), fputc(*p, f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Metric names allow [a-zA-Z0-9_:]; scenario names are lower-case words today. */
static void om_metric_name(const char *scenario, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "boxbench_%s_duration_seconds", scenario);

	for (size_t i = 0; i < n && i < len; i++)
		if (!(buf[i] == '_' || (buf[i] >= 'a' && buf[i] <= 'z') ||
		      (buf[i] >= 'A' && buf[i] <= 'Z') || (buf[i] >= '0' && buf[i] <= '9')))
			buf[i] = '_';
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

static void om_case(FILE *f, const char *metric, const struct export_case *c)
{
	const char *rest = strchr(c->name, '/');
	double sum = 0;

	rest = rest ? rest + 1 : "";
	for (size_t i = 0; i < c->n; i++)
		sum += c->samples[i].wall_ns / 1e9;
	for (size_t b = 0; b <= N_BOUNDS; b++) {
		double bound = b < N_BOUNDS ? strtod(om_bounds[b], NULL) : INFINITY;
		size_t count = 0;

		for (size_t i = 0; i < c->n; i++)
			if (c->samples[i].wall_ns / 1e9 <= bound)
				count++;
		fprintf(f, "%s_bucket{", metric);
		om_label(f, "case", rest, true);
		om_label(f, "source", c->source, false);
		om_label(f, "le", b < N_BOUNDS ? om_bounds[b] : "+Inf", false);
		fprintf(f, "} %zu\n", count);
	}
	fprintf(f, "%s_sum{", metric);
	om_label(f, "case", rest, true);
	om_label(f, "source", c->source, false);
	fprintf(f, "} %.9g\n%s_count{", sum, metric);
	om_label(f, "case", rest, true);
	om_label(f, "source", c->source, false);
	fprintf(f, "} %zu\n", c->n);
}

/* One histogram family per scenario. A family's samples must not be interleaved with
 * another's, so the cases are grouped by scenario whatever order the file has them in. */
static int write_openmetrics(FILE *f, const struct export_result *res, struct bb_error *err)
{
	for (size_t i = 0; i < res->n_cases; i++) {
		char scen[64], metric[128], prev[64];
		bool seen = false;

		export_case_scenario(res->cases[i].name, scen, sizeof(scen));
		for (size_t j = 0; j < i && !seen; j++) {
			export_case_scenario(res->cases[j].name, prev, sizeof(prev));
			seen = !strcmp(prev, scen);
		}
		if (seen)
			continue;
		om_metric_name(scen, metric, sizeof(metric));
		fprintf(f, "# TYPE %s histogram\n", metric);
		fprintf(f, "# UNIT %s seconds\n", metric);
		fprintf(f, "# HELP %s Wall time of one repetition of a boxbench %s case.\n", metric,
			scen);
		for (size_t j = i; j < res->n_cases; j++) {
			export_case_scenario(res->cases[j].name, prev, sizeof(prev));
			if (!strcmp(prev, scen))
				om_case(f, metric, &res->cases[j]);
		}
	}
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

static void csv_number(FILE *f, double v)
{
	char buf[32] = "";

	if (!isnan(v))
		snprintf(buf, sizeof(buf), "%.15g", v);
	csv_field(f, buf, false);
}

/* One line per repetition: the raw samples, for tools that compute their own statistics.
 * Lines end in CRLF as RFC 4180 says; every CSV reader takes it. */
static int write_csv(FILE *f, const struct export_result *res, struct bb_error *err)
{
	fputs("name,repetition,wall_ns,kernel_ns,func_ns,source\r\n", f);
	for (size_t i = 0; i < res->n_cases; i++) {
		const struct export_case *c = &res->cases[i];

		for (size_t s = 0; s < c->n; s++) {
			char rep[16];

			snprintf(rep, sizeof(rep), "%d", c->samples[s].repetition);
			csv_field(f, c->name, false);
			csv_field(f, rep, false);
			csv_number(f, c->samples[s].wall_ns);
			csv_number(f, c->samples[s].kernel_ns);
			csv_number(f, c->samples[s].func_ns);
			csv_field(f, c->source, true);
		}
	}
	return ferror(f) ? bb_err(err, EIO, "cannot write the export") : 0;
}

int export_write(FILE *f, const struct export_result *res, enum export_format fmt,
		 struct bb_error *err)
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
