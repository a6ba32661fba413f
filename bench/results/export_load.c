/* Reads a `boxbench run` result back into per-case samples, for export and plot. Only the
 * iteration rows are used: every statistic is recomputed from them, so a file edited by hand
 * or by another tool cannot carry aggregates that disagree with its samples. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "export.h"
#include "result_read.h"

static char *context_str(json_t *ctx, const char *key)
{
	const char *s = json_string_value(json_object_get(ctx, key));

	return strdup(s ? s : "");
}

static double number_or_nan(json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* index maps a name to its place in res->cases (a jansson object is a hash table): a file of
 * many thousands of cases loads in linear time. */
static struct export_case *case_find_or_add(struct export_result *res, json_t *index,
					    const char *name, const char *source, size_t *cap)
{
	json_t *at = json_object_get(index, name);
	struct export_case *c;

	if (at)
		return &res->cases[json_integer_value(at)];
	if (res->n_cases == *cap) {
		size_t grown = *cap ? 2 * *cap : 64;

		c = realloc(res->cases, grown * sizeof(*c));
		if (!c)
			return NULL;
		res->cases = c;
		*cap = grown;
	}
	c = &res->cases[res->n_cases];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	c->source = strdup(source ? source : "wall");
	if (!c->name || !c->source ||
	    json_object_set_new(index, name, json_integer((json_int_t)res->n_cases))) {
		free(c->name);
		free(c->source);
		return NULL;
	}
	res->n_cases++;
	return c;
}

static int case_add_sample(struct export_case *c, json_t *row)
{
	json_t *idx = json_object_get(row, "repetition_index");
	struct export_sample *s;

	if (c->n == c->cap) {
		size_t grown = c->cap ? 2 * c->cap : 16;

		s = realloc(c->samples, grown * sizeof(*s));
		if (!s)
			return -ENOMEM;
		c->samples = s;
		c->cap = grown;
	}
	s = &c->samples[c->n++];
	s->repetition = json_is_integer(idx) && json_integer_value(idx) >= 0 &&
					json_integer_value(idx) <= INT_MAX
				? (int)json_integer_value(idx)
				: (int)c->n - 1;
	s->wall_ns = json_number_value(json_object_get(row, "real_time"));
	s->kernel_ns = number_or_nan(row, "kernel_ns");
	s->func_ns = number_or_nan(row, "func_ns");
	return 0;
}

/* A name as messages show it: a crafted file's control characters (a terminal's escape
 * sequences) as '?'. The name itself is kept as it is: each writer makes it safe. */
static const char *shown(const char *name, char *buf, size_t len)
{
	size_t i = 0;

	for (; name[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f ? '?' : name[i];
	buf[i] = '\0';
	return buf;
}

/* A time that would pass for a measurement only to break the statistics (or overflow them). */
static int row_times_check(const struct export_result *res, size_t i, const char *name, json_t *row,
			   struct bb_error *err)
{
	static const char *const keys[] = { "real_time", "kernel_ns", "func_ns" };
	char buf[256];

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		json_t *v = json_object_get(row, keys[k]);
		double ns = json_number_value(v);

		if (!k && !json_is_number(v))
			return bb_err(err, EINVAL,
				      "%s: benchmarks[%zu] ('%s') has no 'real_time' in ns",
				      res->path, i, shown(name, buf, sizeof(buf)));
		if (v && !json_is_null(v) &&
		    (!json_is_number(v) || !(ns >= 0) || ns > RESULT_MAX_NS || (!k && !ns)))
			return bb_err(err, EINVAL,
				      "%s: benchmarks[%zu] ('%s') has %s %g: a time in ns must be "
				      "%s and at most %g",
				      res->path, i, shown(name, buf, sizeof(buf)), keys[k], ns,
				      k ? "0 or more" : "positive", RESULT_MAX_NS);
	}
	return 0;
}

/* The same statistics `run` writes into its aggregate rows (result_json.c): wall time, and
 * the kernel share as the ratio of the medians when every sample has a kernel time. */
static int case_finish(struct export_case *c, struct bb_error *err)
{
	unsigned long long *col = calloc(c->n, sizeof(*col));
	struct stats kern;
	int ret;

	if (!col)
		return bb_err(err, ENOMEM, "out of memory");
	c->has_kernel = true;
	for (size_t i = 0; i < c->n; i++) {
		col[i] = (unsigned long long)llround(c->samples[i].wall_ns);
		if (isnan(c->samples[i].kernel_ns))
			c->has_kernel = false;
	}
	ret = stats_compute(col, c->n, &c->wall, err);
	if (!ret && c->has_kernel) {
		for (size_t i = 0; i < c->n; i++)
			col[i] = (unsigned long long)llround(c->samples[i].kernel_ns);
		ret = stats_compute(col, c->n, &kern, err);
		c->kernel_share = c->wall.median > 0 ? kern.median / c->wall.median : 0;
	}
	free(col);
	return ret;
}

static int load_rows(json_t *rows, struct export_result *res, struct bb_error *err)
{
	json_t *row, *index = json_object();
	size_t i, cap = 0;
	char name_buf[256];
	int ret = 0;

	if (!index)
		return bb_err(err, ENOMEM, "out of memory reading %s", res->path);
	json_array_foreach(rows, i, row)
	{
		const char *name = json_string_value(json_object_get(row, "name"));
		const char *type = json_string_value(json_object_get(row, "run_type"));
		struct export_case *c;

		if (!json_is_object(row) || !name || !type) {
			ret = bb_err(err, EINVAL,
				     "%s: benchmarks[%zu] is not a result row (it needs 'name' and "
				     "'run_type')",
				     res->path, i);
			goto out;
		}
		if (strcmp(type, "iteration") ||
		    json_is_true(json_object_get(row, "error_occurred")))
			continue;
		ret = row_times_check(res, i, name, row, err);
		if (ret)
			goto out;
		c = case_find_or_add(res, index, name,
				     json_string_value(json_object_get(row, "source")), &cap);
		if (!c || case_add_sample(c, row)) {
			ret = bb_err(err, ENOMEM, "out of memory reading %s", res->path);
			goto out;
		}
	}
	if (!res->n_cases)
		ret = bb_err(err, EINVAL,
			     "%s: no measured case (no iteration row without an error)", res->path);
	for (i = 0; !ret && i < res->n_cases; i++)
		if (case_finish(&res->cases[i], err))
			ret = bb_err_wrap(err, "%s, case %s", res->path,
					  shown(res->cases[i].name, name_buf, sizeof(name_buf)));
out:
	json_decref(index);
	return ret;
}

int export_result_load(const char *path, struct export_result *res, struct bb_error *err)
{
	json_t *root = NULL, *ctx, *rows, *ver;
	json_error_t jerr;
	struct stat st;
	int ret;

	memset(res, 0, sizeof(*res));
	if (stat(path, &st))
		return bb_err(err, errno, "cannot read %s: %s", path, errno_name(errno));
	if (st.st_size == 0)
		return bb_err(err, EINVAL, "%s is empty, not a boxbench result", path);
	res->path = strdup(path);
	if (!res->path)
		return bb_err(err, ENOMEM, "out of memory");
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		ret = bb_err(err, EINVAL, "%s is not valid JSON: line %d, column %d: %s", path,
			     jerr.line, jerr.column, jerr.text);
		goto out;
	}
	ctx = json_object_get(root, "context");
	rows = json_object_get(root, "benchmarks");
	if (!json_is_object(ctx) || !json_is_array(rows)) {
		ret = bb_err(err, EINVAL,
			     "%s is not a boxbench result: it needs a 'context' object and a "
			     "'benchmarks' array",
			     path);
		goto out;
	}
	/* A newer schema may have changed what a key means: refuse rather than misread it. */
	ver = json_object_get(ctx, "schema_version");
	if (json_is_integer(ver) && json_integer_value(ver) > EXPORT_SCHEMA_VERSION) {
		ret = bb_err(err, EINVAL,
			     "%s has result schema version %lld, newer than this boxbench reads "
			     "(%d); use a newer boxbench",
			     path, (long long)json_integer_value(ver), EXPORT_SCHEMA_VERSION);
		goto out;
	}
	res->kernel = context_str(ctx, "kernel_release");
	res->host = context_str(ctx, "host_name");
	res->version = context_str(ctx, "boxbench_version");
	res->driver = context_str(ctx, "driver");
	res->backing_fs = context_str(ctx, "backing_fs");
	res->cgroup_mode = context_str(ctx, "cgroup_mode");
	res->suite = context_str(ctx, "suite");
	if (!res->kernel || !res->host || !res->version || !res->driver || !res->backing_fs ||
	    !res->cgroup_mode || !res->suite) {
		ret = bb_err(err, ENOMEM, "out of memory");
		goto out;
	}
	ret = load_rows(rows, res, err);
out:
	json_decref(root);
	if (ret)
		export_result_free(res);
	return ret;
}

void export_result_free(struct export_result *res)
{
	for (size_t i = 0; i < res->n_cases; i++) {
		free(res->cases[i].name);
		free(res->cases[i].source);
		free(res->cases[i].samples);
	}
	free(res->cases);
	free(res->path);
	free(res->kernel);
	free(res->host);
	free(res->version);
	free(res->driver);
	free(res->backing_fs);
	free(res->cgroup_mode);
	free(res->suite);
	memset(res, 0, sizeof(*res));
}

void export_case_scenario(const char *name, char *buf, size_t len)
{
	size_t n = strcspn(name, "/");

	if (n >= len)
		n = len - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
}
