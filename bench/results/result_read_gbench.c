/* The google/benchmark adapter of the result reader (see result_read_internal.h): boxbench's
 * own files are this shape, with kernel_ns, func_ns and source beside real_time. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "result_read_internal.h"

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

/* kernel_ns or func_ns: boxbench's, always in ns whatever time_unit says; NAN when absent. */
static int optional_ns(const char *path, size_t i, const char *name, json_t *row, const char *key,
		       double *ns, struct bb_error *err)
{
	json_t *v = json_object_get(row, key);

	*ns = NAN;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return bb_err(err, EINVAL,
			      "%s: benchmarks[%zu] ('%s') has a %s that is not a number", path, i,
			      name, key);
	*ns = json_number_value(v);
	return 0;
}

static int one_row(const char *path, size_t i, json_t *row, struct result_rows *out,
		   struct bb_error *err)
{
	const char *name = json_string_value(json_object_get(row, "name"));
	const char *type = json_string_value(json_object_get(row, "run_type"));
	const char *unit = json_string_value(json_object_get(row, "time_unit"));
	json_t *t = json_object_get(row, "real_time"), *idx;
	struct result_row r = { .name = name, .at = i, .time = SIZE_MAX };
	double scale;
	int ret;

	if (!json_is_object(row) || !name)
		return bb_err(err, EINVAL, "%s: benchmarks[%zu] has no name: not a result row",
			      path, i);
	if ((type && strcmp(type, "iteration")) ||
	    json_is_true(json_object_get(row, "error_occurred")))
		return 0;
	if (!json_is_number(t))
		return bb_err(err, EINVAL, "%s: benchmarks[%zu] ('%s') has no numeric real_time",
			      path, i, name);
	if (unit_scale(unit, &scale))
		return bb_err(err, EINVAL,
			      "%s: benchmarks[%zu] ('%s') has time_unit '%s': not one of ns, us, "
			      "ms, s",
			      path, i, name, unit);
	r.s.wall_ns = json_number_value(t) * scale;
	ret = optional_ns(path, i, name, row, "kernel_ns", &r.s.kernel_ns, err);
	ret = ret ?: optional_ns(path, i, name, row, "func_ns", &r.s.func_ns, err);
	if (ret)
		return ret;
	r.source = json_string_value(json_object_get(row, "source"));
	idx = json_object_get(row, "repetition_index");
	r.s.repetition = json_is_integer(idx) && json_integer_value(idx) >= 0 &&
					 json_integer_value(idx) <= INT_MAX
				 ? (int)json_integer_value(idx)
				 : -1;
	if (result_rows_push(out, &r))
		return bb_err(err, ENOMEM, "%s: out of memory", path);
	return 0;
}

int result_read_gbench(const char *path, json_t *benchmarks, struct result_rows *out,
		       struct bb_error *err)
{
	size_t i;
	json_t *row;
	int ret;

	json_array_foreach(benchmarks, i, row)
	{
		ret = one_row(path, i, row, out, err);
		if (ret)
			return ret;
	}
	return 0;
}
