/* Result file reading for compare: only iteration rows count (aggregates are recomputed from
 * them, so every format is judged the same way), failed rows are skipped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "result_read.h"

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

void result_file_free(struct result_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->series[i].name);
		free(f->series[i].ns);
	}
	free(f->series);
	json_decref(f->context);
	json_decref(f->index);
	memset(f, 0, sizeof(*f));
}

static struct result_series *series_get(struct result_file *f, const char *name)
{
	json_t *at = json_object_get(f->index, name);
	struct result_series *s;

	/* The index keeps lookups constant-time; series keeps the file's order. */
	if (at)
		return &f->series[json_integer_value(at)];
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 32;
		struct result_series *grown = realloc(f->series, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		f->series = grown;
		f->cap = cap;
	}
	if (!f->index && !(f->index = json_object()))
		return NULL;
	s = &f->series[f->n];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	if (!s->name || json_object_set_new(f->index, name, json_integer((json_int_t)f->n))) {
		free(s->name);
		return NULL;
	}
	f->n++;
	return s;
}

/* A name is printed to a terminal and into Markdown for a CI comment: control characters
 * (C0, DEL, C1) could move the cursor, rewrite lines or end the table row. */
static int name_check(const char *path, const char *what, size_t i, const char *name,
		      struct bb_error *err)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0))
			return bb_err(
				err, EINVAL,
				"%s: %s[%zu] has a name with a control character (byte 0x%02x "
				"at offset %zu), which boxbench will not print: rename it",
				path, what, i, *p == 0xc2 ? p[1] : *p,
				(size_t)(p - (const unsigned char *)name));
	return 0;
}

/* Zero, negative or endless times would pass for improvements (or break the statistics). */
static int time_check(const char *path, const char *what, size_t i, size_t j, const char *name,
		      double ns, struct bb_error *err)
{
	char row[64];

	if (ns > 0 && ns <= RESULT_MAX_NS)
		return 0;
	if (j == (size_t)-1)
		snprintf(row, sizeof(row), "%s[%zu]", what, i);
	else
		snprintf(row, sizeof(row), "%s[%zu].times[%zu]", what, i, j);
	return bb_err(err, EINVAL,
		      "%s: %s (%s) has a time of %g ns: a measured time must be positive and at "
		      "most %g ns",
		      path, row, name, ns, RESULT_MAX_NS);
}

static int series_add(struct result_series *s, double ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		double *grown = realloc(s->ns, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		s->ns = grown;
		s->cap = cap;
	}
	s->ns[s->n++] = ns;
	return 0;
}

/* google/benchmark writes time_unit ns, us, ms or s; absent means ns. */
static int unit_scale(const char *unit, double *scale)
{
	static const struct {
		const char *name;
		double scale;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };

	if (!unit) {
		*scale = 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(unit, units[i].name)) {
			*scale = units[i].scale;
			return 0;
		}
	return -EINVAL;
}

static int read_benchmarks(const char *path, json_t *rows, struct result_file *out,
			   struct bb_error *err)
{
	size_t i;
	json_t *row;

	json_array_foreach(rows, i, row)
	{
		const char *name = json_string_value(json_object_get(row, "name"));
		const char *type = json_string_value(json_object_get(row, "run_type"));
		json_t *t = json_object_get(row, "real_time");
		struct result_series *s;
		double scale;

		if (!json_is_object(row) || !name)
			return bb_err(err, EINVAL,
				      "%s: benchmarks[%zu] has no name: not a result file", path,
				      i);
		/* Without repetitions google/benchmark writes no run_type: each row is a run. */
		if (type && strcmp(type, "iteration"))
			continue;
		if (json_is_true(json_object_get(row, "error_occurred")))
			continue;
		/* First: the messages below print the name. */
		if (name_check(path, "benchmarks", i, name, err))
			return -err->code;
		if (!json_is_number(t))
			return bb_err(err, EINVAL,
				      "%s: benchmarks[%zu] (%s) has no numeric real_time", path, i,
				      name);
		if (unit_scale(json_string_value(json_object_get(row, "time_unit")), &scale))
			return bb_err(err, EINVAL,
				      "%s: benchmarks[%zu] (%s) has an unknown time_unit", path, i,
				      name);
		if (time_check(path, "benchmarks", i, (size_t)-1, name,
			       json_number_value(t) * scale, err))
			return -err->code;
		s = series_get(out, name);
		if (!s || series_add(s, json_number_value(t) * scale))
			return bb_err(err, ENOMEM, "%s: out of memory", path);
	}
	return 0;
}

static int read_hyperfine(const char *path, json_t *results, struct result_file *out,
			  struct bb_error *err)
{
	size_t i, j;
	json_t *res, *t;

	json_array_foreach(results, i, res)
	{
		const char *name = json_string_value(json_object_get(res, "command"));
		json_t *times = json_object_get(res, "times");
		struct result_series *s;

		if (!name || !json_is_array(times))
			return bb_err(err, EINVAL,
				      "%s: results[%zu] has no command or times[]: not a hyperfine "
				      "export",
				      path, i);
		if (name_check(path, "results", i, name, err))
			return -err->code;
		s = series_get(out, name);
		if (!s)
			return bb_err(err, ENOMEM, "%s: out of memory", path);
		json_array_foreach(times, j, t)
		{
			if (!json_is_number(t))
				return bb_err(err, EINVAL,
					      "%s: results[%zu].times[%zu] is not a number", path,
					      i, j);
			/* hyperfine measures in seconds. */
			if (time_check(path, "results", i, j, name, json_number_value(t) * 1e9,
				       err))
				return -err->code;
			if (series_add(s, json_number_value(t) * 1e9))
				return bb_err(err, ENOMEM, "%s: out of memory", path);
		}
	}
	return 0;
}

int result_read(const char *path, struct result_file *out, struct bb_error *err)
{
	json_error_t jerr;
	struct stat st;
	json_t *root = NULL, *rows, *ver;
	size_t measured = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
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
	if (!json_is_object(root)) {
		ret = bb_err(err, EINVAL, "%s is not a result: the top level is not an object",
			     path);
		goto out;
	}

	rows = json_object_get(root, "benchmarks");
	if (json_is_array(rows)) {
		json_t *ctx = json_object_get(root, "context");

		ver = json_is_object(ctx) ? json_object_get(ctx, "schema_version") : NULL;
		if (ver && (!json_is_integer(ver) || json_integer_value(ver) < 1)) {
			ret = bb_err(err, EINVAL, "%s: context.schema_version is not a version",
				     path);
			goto out;
		}
		if (ver && json_integer_value(ver) > RESULT_SCHEMA_VERSION) {
			ret = bb_err(
				err, EPROTO,
				"%s has schema_version %lld, newer than this boxbench reads (%d): "
				"compare it with a newer boxbench",
				path, (long long)json_integer_value(ver), RESULT_SCHEMA_VERSION);
			goto out;
		}
		out->format = ver ? RESULT_BOXBENCH : RESULT_GBENCH;
		if (json_is_object(ctx))
			out->context = json_incref(ctx);
		ret = read_benchmarks(path, rows, out, err);
	} else if (json_is_array(json_object_get(root, "results"))) {
		out->format = RESULT_HYPERFINE;
		ret = read_hyperfine(path, json_object_get(root, "results"), out, err);
	} else {
		ret = bb_err(
			err, EINVAL,
			"%s is not a result: no 'benchmarks' array (boxbench, google/benchmark) "
			"nor 'results' array (hyperfine)",
			path);
	}
	if (ret)
		goto out;
	for (size_t i = 0; i < out->n; i++)
		measured += out->series[i].n;
	if (!measured)
		ret = bb_err(err, ENODATA,
			     "%s has no measured rows (every case failed, or only "
			     "aggregates were written)",
			     path);
out:
	json_decref(root);
	if (ret)
		result_file_free(out);
	return ret;
}
