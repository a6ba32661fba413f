/* Fuzz target: `boxbench export` of a result file from anywhere, in every format, each output
 * checked by a reader of that format: OpenMetrics (what a Prometheus textfile collector
 * parses; a label value or HELP text that breaks a line makes the whole file rejected, or
 * injects a metric), CSV (RFC 4180: six fields a record, one record a sample), and the JSON
 * of Bencher and github-action-benchmark (parses, one entry a case). */
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results/export.h"
#include "glue.h"

/* ---- OpenMetrics, the text format's ABNF, as far as boxbench's output uses it ---- */

struct om {
	const char *text; /* the whole output, for messages */
	char family[256], type[32];
	char **seen; /* every sample's name{labels}, and "#TYPE name" per family */
	size_t n_seen;
};

static void __attribute__((noreturn, format(printf, 3, 4)))
om_fail(const struct om *om, const char *line, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fz_fail("OpenMetrics output: line '%.300s': %s\n--- output\n%.3000s", line, why, om->text);
}

static bool is_name_char(char c, bool first, bool colon)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && c >= '0' && c <= '9') || (colon && c == ':');
}

/* A metric or label name at *p; its length (0: none). */
static size_t name_len(const char *p, bool colon)
{
	size_t n = 0;

	while (is_name_char(p[n], n == 0, colon))
		n++;
	return n;
}

/* An escaped-string (\\, \" and \n only) up to the closing quote, or to the end of the line
 * for HELP (quote == 0). Returns its length, or -1 when an escape or a quote is bad. */
static long escaped_len(const char *p, char quote)
{
	long n = 0;

	for (; p[n] && p[n] != quote; n++) {
		if (p[n] == '\\') {
			if (p[n + 1] != '\\' && p[n + 1] != '"' && p[n + 1] != 'n')
				return -1;
			n++;
		} else if (quote && p[n] == '"') {
			return -1;
		}
	}
	return quote && p[n] != quote ? -1 : n;
}

static bool is_number(const char *s)
{
	char *end;

	if (!strcmp(s, "+Inf") || !strcmp(s, "-Inf") || !strcmp(s, "NaN"))
		return true;
	if (!*s || strchr(s, 'x') || strchr(s, 'X') || strchr(s, 'n') || strchr(s, 'N') ||
	    strchr(s, 'i') || strchr(s, 'I'))
		return false;
	strtod(s, &end);
	return !*end;
}

static void om_seen(struct om *om, const char *line, const char *key)
{
	for (size_t i = 0; i < om->n_seen; i++)
		if (!strcmp(om->seen[i], key))
			om_fail(om, line, "'%s' appears twice", key);
	om->seen = realloc(om->seen, (om->n_seen + 1) * sizeof(*om->seen));
	if (!om->seen || !(om->seen[om->n_seen++] = strdup(key)))
		fz_fail("out of memory");
}

static bool sample_of_family(const struct om *om, const char *name, size_t len)
{
	static const char *const hist[] = { "_bucket", "_count", "_sum", "_created" };
	size_t fl = strlen(om->family);

	if (len == fl && !strncmp(name, om->family, fl))
		return strcmp(om->type, "histogram") != 0;
	if (strcmp(om->type, "histogram") || len <= fl || strncmp(name, om->family, fl))
		return false;
	for (size_t i = 0; i < sizeof(hist) / sizeof(hist[0]); i++)
		if (len - fl == strlen(hist[i]) && !strncmp(name + fl, hist[i], len - fl))
			return true;
	return false;
}

static void om_meta(struct om *om, const char *line)
{
	const char *p = line + 2, *rest;
	size_t kl = strcspn(p, " "), nl;
	char key[300];

	if (p[kl] != ' ')
		om_fail(om, line, "a comment line that is no TYPE, UNIT, HELP or EOF");
	nl = name_len(p + kl + 1, true);
	rest = p + kl + 1 + nl;
	if (!nl || nl >= sizeof(om->family) || *rest != ' ')
		om_fail(om, line, "no metric name after '# %.*s'", (int)kl, p);
	if (!strncmp(p, "TYPE", kl) && kl == 4) {
		static const char *const types[] = { "counter",	       "gauge",	   "histogram",
						     "gaugehistogram", "stateset", "info",
						     "summary",	       "unknown" };
		bool ok = false;

		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			ok |= !strcmp(rest + 1, types[i]);
		if (!ok)
			om_fail(om, line, "unknown metric type");
		snprintf(om->family, sizeof(om->family), "%.*s", (int)nl, p + kl + 1);
		snprintf(om->type, sizeof(om->type), "%s", rest + 1);
		snprintf(key, sizeof(key), "#TYPE %s", om->family);
		om_seen(om, line, key);
		return;
	}
	if (strlen(om->family) != nl || strncmp(p + kl + 1, om->family, nl))
		om_fail(om, line, "metadata of a family other than the current one");
	if (kl == 4 && !strncmp(p, "UNIT", 4)) {
		if (name_len(rest + 1, false) != strlen(rest + 1))
			om_fail(om, line, "a unit that is no name");
	} else if (kl == 4 && !strncmp(p, "HELP", 4)) {
		if (escaped_len(rest + 1, 0) < 0)
			om_fail(om, line, "HELP text with a bad escape");
	} else {
		om_fail(om, line, "a comment line that is no TYPE, UNIT, HELP or EOF");
	}
}

static void om_sample(struct om *om, const char *line)
{
	size_t nl = name_len(line, true);
	const char *p = line + nl;
	char labels[16][64];
	size_t n_labels = 0;

	if (!nl)
		om_fail(om, line, "a sample line without a metric name");
	if (!*om->family || !sample_of_family(om, line, nl))
		om_fail(om, line, "a sample outside its family '%s' (%s)", om->family, om->type);
	if (*p == '{') {
		p++;
		while (*p != '}') {
			size_t ll = name_len(p, false);
			long vl;

			if (!ll || p[ll] != '=' || p[ll + 1] != '"')
				om_fail(om, line, "a label that is not name=\"value\"");
			for (size_t i = 0; i < n_labels; i++)
				if (strlen(labels[i]) == ll && !strncmp(labels[i], p, ll))
					om_fail(om, line, "label '%.*s' twice", (int)ll, p);
			if (n_labels < 16)
				snprintf(labels[n_labels++], sizeof(labels[0]), "%.*s", (int)ll, p);
			vl = escaped_len(p + ll + 2, '"');
			if (vl < 0)
				om_fail(om, line,
					"a label value with a bad escape or no end quote");
			p += ll + 2 + vl + 1;
			if (*p == ',')
				p++;
			else if (*p != '}')
				om_fail(om, line, "labels not separated by ','");
		}
		p++;
	}
	if (*p != ' ' || !is_number(p + 1))
		om_fail(om, line, "no number after the labels: '%s'", p);
	{
		char key[4096];

		snprintf(key, sizeof(key), "%.*s", (int)(p - line), line);
		om_seen(om, line, key);
	}
}

static void check_openmetrics(const char *text, size_t len)
{
	struct om om = { .text = text };
	char *copy = strndup(text, len), *line = copy, *nl;
	bool eof = false;

	if (!copy)
		fz_fail("out of memory");
	if (strlen(copy) != len)
		om_fail(&om, "", "a NUL byte in the output");
	if (!len || text[len - 1] != '\n')
		om_fail(&om, "", "the output does not end in a newline");
	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		if (eof)
			om_fail(&om, line, "a line after '# EOF'");
		if (!strcmp(line, "# EOF"))
			eof = true;
		else if (line[0] == '#' && line[1] == ' ')
			om_meta(&om, line);
		else
			om_sample(&om, line);
	}
	if (!eof)
		om_fail(&om, "", "no '# EOF' line");
	for (size_t i = 0; i < om.n_seen; i++)
		free(om.seen[i]);
	free(om.seen);
	free(copy);
}

/* ---- CSV, RFC 4180 ---- */

static void check_csv(const char *text, size_t len, size_t want_records)
{
	size_t records = 0, fields = 0, i = 0;

	while (i < len) {
		if (text[i] == '"') {
			for (i++;; i++) {
				if (i >= len)
					fz_fail("CSV: a quoted field never ends\n%.2000s", text);
				if (text[i] == '"' && i + 1 < len && text[i + 1] == '"')
					i++;
				else if (text[i] == '"')
					break;
			}
			i++;
		} else {
			while (i < len && !strchr(",\"\r\n", text[i]))
				i++;
		}
		fields++;
		if (i < len && text[i] == ',') {
			i++;
			continue;
		}
		if (i + 1 >= len || text[i] != '\r' || text[i + 1] != '\n')
			fz_fail("CSV: record %zu: field %zu is followed by neither ',' nor CRLF\n"
				"%.2000s",
				records + 1, fields, text);
		if (fields != 6)
			fz_fail("CSV: record %zu has %zu fields, not 6\n%.2000s", records + 1,
				fields, text);
		i += 2;
		records++;
		fields = 0;
	}
	if (records != want_records)
		fz_fail("CSV: %zu records for %zu samples and a header", records, want_records);
}

static void check_json(const char *text, size_t len, const char *format, size_t n_cases)
{
	json_error_t jerr;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	size_t n;

	if (!j)
		fz_fail("%s: the output is not JSON: %s\n%.2000s", format, jerr.text, text);
	n = json_is_object(j) ? json_object_size(j) : json_array_size(j);
	if (n != n_cases)
		fz_fail("%s: %zu entries for %zu cases", format, n, n_cases);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const formats[] = { "openmetrics", "csv", "bmf", "gh-benchmark" };
	char path[64];
	int fd = fz_memfd(data, size, path, sizeof(path));
	struct result r;
	struct bb_error err = { 0 };
	size_t samples = 0;

	if (result_load(path, RESULT_NEED_CONTEXT, &r, &err)) {
		close(fd);
		return 0;
	}
	for (size_t i = 0; i < r.n_cases; i++)
		samples += r.cases[i].n;
	for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
		enum export_format fmt;
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);

		if (!f || export_format_parse(formats[k], &fmt))
			fz_fail("cannot set up the %s export", formats[k]);
		if (export_write(f, &r, fmt, &err))
			fz_fail("%s export of a loaded result failed: %s", formats[k], err.msg);
		fclose(f);
		if (fmt == EXPORT_OPENMETRICS)
			check_openmetrics(out, len);
		else if (fmt == EXPORT_CSV)
			check_csv(out, len, samples + 1);
		else
			check_json(out, len, formats[k], r.n_cases);
		free(out);
	}
	result_free(&r);
	close(fd);
	return 0;
}
