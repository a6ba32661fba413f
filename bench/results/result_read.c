/* The result reader (see result.h): loads a file, tells its format, checks the schema
 * version, has the format's adapter list its measured rows, checks every row by the same
 * rules, groups the rows into cases by name and summarizes each case. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "result.h"
#include "result_read_internal.h"

const char *result_format_name(enum result_format format)
{
	switch (format) {
	case RESULT_BOXBENCH:
		return "boxbench";
	case RESULT_GBENCH:
		return "google/benchmark";
	case RESULT_HYPERFINE:
		return "hyperfine";
	}
	return "unknown";
}

void result_free(struct result *r)
{
	for (size_t i = 0; i < r->n_cases; i++) {
		free(r->cases[i].name);
		free(r->cases[i].source);
		free(r->cases[i].samples);
	}
	free(r->cases);
	free(r->path);
	free(r->kernel);
	free(r->host);
	free(r->version);
	free(r->driver);
	free(r->backing_fs);
	free(r->cgroup_mode);
	free(r->suite);
	json_decref(r->context);
	json_decref(r->index);
	memset(r, 0, sizeof(*r));
}

/* The case named name, added (with its first row's source) when it is new. The index keeps
 * lookups constant-time; cases keeps the file's order. */
static struct result_case *case_get(struct result *r, const char *name, const char *source)
{
	json_t *at = json_object_get(r->index, name);
	struct result_case *c;

	if (at)
		return &r->cases[json_integer_value(at)];
	if (r->n_cases == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct result_case *grown = realloc(r->cases, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		r->cases = grown;
		r->cap = cap;
	}
	if (!r->index && !(r->index = json_object()))
		return NULL;
	c = &r->cases[r->n_cases];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	c->source = strdup(source ? source : "wall");
	if (!c->name || !c->source ||
	    json_object_set_new(r->index, name, json_integer((json_int_t)r->n_cases))) {
		free(c->name);
		free(c->source);
		return NULL;
	}
	r->n_cases++;
	return c;
}

static int case_add(struct result_case *c, const struct result_sample *s)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct result_sample *grown = realloc(c->samples, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		c->samples = grown;
		c->cap = cap;
	}
	c->samples[c->n] = *s;
	/* Without a repetition_index, a sample's place among its case's. */
	if (c->samples[c->n].repetition < 0)
		c->samples[c->n].repetition = (int)c->n;
	c->n++;
	return 0;
}

/* "benchmarks[3]" or "results[0].times[2]": where a row is, for messages. */
static const char *row_place(const struct result *r, const struct result_row *row, char *buf,
			     size_t len)
{
	if (r->format == RESULT_HYPERFINE)
		snprintf(buf, len, "results[%zu].times[%zu]", row->at, row->time);
	else
		snprintf(buf, len, "benchmarks[%zu]", row->at);
	return buf;
}

/* compare prints names to a terminal and into Markdown for a CI comment: control characters
 * (C0, DEL, C1) could move the cursor, rewrite lines or end the table row. */
static int name_check(const struct result *r, const struct result_row *row, struct bb_error *err)
{
	const unsigned char *name = (const unsigned char *)row->name;

	for (const unsigned char *p = name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0))
			return bb_err(
				err, EINVAL,
				"%s: %s[%zu] has a name with a control character (byte 0x%02x "
				"at offset %zu), which boxbench will not print: rename it",
				r->path, r->format == RESULT_HYPERFINE ? "results" : "benchmarks",
				row->at, *p == 0xc2 ? p[1] : *p, (size_t)(p - name));
	return 0;
}

/* Zero, negative or endless wall times would pass for improvements (or break the statistics);
 * a kernel or function time may be 0 (no syscall inside the span), never less. */
static int time_check(const struct result *r, const struct result_row *row, struct bb_error *err)
{
	const struct result_sample *s = &row->s;
	char place[64];

	row_place(r, row, place, sizeof(place));
	if (!(s->wall_ns > 0 && s->wall_ns <= RESULT_MAX_NS))
		return bb_err(err, EINVAL,
			      "%s: %s ('%s') has %s %g ns: a measured time must be positive and at "
			      "most %g ns",
			      r->path, place, row->name,
			      r->format == RESULT_HYPERFINE ? "a time of" : "real_time", s->wall_ns,
			      RESULT_MAX_NS);
	for (int k = 0; k < 2; k++) {
		double ns = k ? s->func_ns : s->kernel_ns;

		if (!isnan(ns) && !(ns >= 0 && ns <= RESULT_MAX_NS))
			return bb_err(
				err, EINVAL,
				"%s: %s ('%s') has %s %g ns: a kernel or function time must be "
				"0 or more and at most %g ns",
				r->path, place, row->name, k ? "func_ns" : "kernel_ns", ns,
				RESULT_MAX_NS);
	}
	return 0;
}

static int add_rows(struct result *r, const struct result_rows *rows, unsigned need,
		    struct bb_error *err)
{
	for (size_t i = 0; i < rows->n; i++) {
		const struct result_row *row = &rows->v[i];
		struct result_case *c;

		/* First: the messages below print the name. */
		if ((need & RESULT_NEED_PRINTABLE) && name_check(r, row, err))
			return -err->code;
		if (time_check(r, row, err))
			return -err->code;
		c = case_get(r, row->name, row->source);
		if (!c || case_add(c, &row->s))
			return bb_err(err, ENOMEM, "%s: out of memory", r->path);
	}
	if (!r->n_cases)
		return bb_err(err, ENODATA,
			      "%s has no measured rows (every case failed, or only aggregates were "
			      "written)",
			      r->path);
	for (size_t i = 0; i < r->n_cases; i++)
		if (result_summary_compute(r->cases[i].samples, r->cases[i].n, &r->cases[i].sum,
					   err))
			return bb_err_wrap(err, "%s, case '%s'", r->path, r->cases[i].name);
	return 0;
}

static char *context_str(json_t *ctx, const char *key)
{
	const char *s = json_string_value(json_object_get(ctx, key));

	return strdup(s ? s : "");
}

static int read_context(struct result *r, json_t *ctx, struct bb_error *err)
{
	if (json_is_object(ctx))
		r->context = json_incref(ctx);
	r->kernel = context_str(r->context, "kernel_release");
	r->host = context_str(r->context, "host_name");
	r->version = context_str(r->context, "boxbench_version");
	r->driver = context_str(r->context, "driver");
	r->backing_fs = context_str(r->context, "backing_fs");
	r->cgroup_mode = context_str(r->context, "cgroup_mode");
	r->suite = context_str(r->context, "suite");
	if (!r->kernel || !r->host || !r->version || !r->driver || !r->backing_fs ||
	    !r->cgroup_mode || !r->suite)
		return bb_err(err, ENOMEM, "%s: out of memory", r->path);
	return 0;
}

/* A newer schema may have changed what a key means: refuse rather than misread it. */
static int version_check(const struct result *r, json_t *ctx, struct bb_error *err)
{
	json_t *ver = json_is_object(ctx) ? json_object_get(ctx, "schema_version") : NULL;

	if (!ver)
		return 0;
	if (!json_is_integer(ver) || json_integer_value(ver) < 1)
		return bb_err(err, EINVAL, "%s: context.schema_version is not a version", r->path);
	if (json_integer_value(ver) > RESULT_SCHEMA_VERSION)
		return bb_err(
			err, EPROTO,
			"%s has schema_version %lld, newer than this boxbench reads (%d): use "
			"a newer boxbench",
			r->path, (long long)json_integer_value(ver), RESULT_SCHEMA_VERSION);
	return 0;
}

/* Tells the format, checks it is one the caller can use, and has its adapter list the rows. */
static int read_document(struct result *r, json_t *root, unsigned need, struct result_rows *rows,
			 struct bb_error *err)
{
	json_t *benchmarks = json_object_get(root, "benchmarks");
	json_t *results = json_object_get(root, "results");
	json_t *ctx = json_object_get(root, "context");
	int ret;

	if (!json_is_object(root))
		return bb_err(err, EINVAL, "%s is not a result: the top level is not an object",
			      r->path);
	if (!json_is_array(benchmarks) && !json_is_array(results))
		return bb_err(err, EINVAL,
			      "%s is not a result: no 'benchmarks' array (boxbench, "
			      "google/benchmark) nor 'results' array (hyperfine)",
			      r->path);
	if ((need & RESULT_NEED_CONTEXT) && (!json_is_array(benchmarks) || !json_is_object(ctx)))
		return bb_err(err, EINVAL,
			      "%s is not a boxbench result: it needs a 'context' object and a "
			      "'benchmarks' array",
			      r->path);
	if (json_is_array(benchmarks)) {
		ret = version_check(r, ctx, err);
		if (ret)
			return ret;
		r->format = json_is_object(ctx) && json_object_get(ctx, "schema_version")
				    ? RESULT_BOXBENCH
				    : RESULT_GBENCH;
		ret = read_context(r, ctx, err);
		return ret ?: result_read_gbench(r->path, benchmarks, rows, err);
	}
	r->format = RESULT_HYPERFINE;
	ret = read_context(r, NULL, err);
	return ret ?: result_read_hyperfine(r->path, results, rows, err);
}

int result_load(const char *path, unsigned need, struct result *r, struct bb_error *err)
{
	struct result_rows rows = { 0 };
	json_error_t jerr;
	struct stat st;
	json_t *root;
	int ret;

	memset(r, 0, sizeof(*r));
	if (stat(path, &st))
		return bb_err(err, errno, "cannot read %s: %s", path, errno_name(errno));
	if (S_ISDIR(st.st_mode))
		return bb_err(err, EISDIR, "cannot read %s: it is a directory", path);
	if (st.st_size == 0)
		return bb_err(err, ENODATA, "%s is empty: not a result file", path);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		/* jansson says "premature end of input" for a truncated file. */
		return bb_err(err, EINVAL, "%s is not valid JSON: %s at line %d, column %d", path,
			      jerr.text, jerr.line, jerr.column);
	r->path = strdup(path);
	ret = r->path ? read_document(r, root, need, &rows, err)
		      : bb_err(err, ENOMEM, "out of memory reading %s", path);
	/* The rows borrow their names from the document: grouped before it goes. */
	ret = ret ?: add_rows(r, &rows, need, err);
	free(rows.v);
	json_decref(root);
	if (ret)
		result_free(r);
	return ret;
}
