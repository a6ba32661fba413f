/* The hyperfine adapter of the result reader (see result_read_internal.h): --export-json
 * writes one entry per command, its times in seconds. hyperfine records no context. */
#include <limits.h>
#include <math.h>

#include "result_read_internal.h"

int result_read_hyperfine(const char *path, json_t *results, struct result_rows *out,
			  struct bb_error *err)
{
	size_t i, j;
	json_t *res, *t;

	json_array_foreach(results, i, res)
	{
		const char *name = json_string_value(json_object_get(res, "command"));
		json_t *times = json_object_get(res, "times");

		if (!name || !json_is_array(times))
			return bb_err(err, EINVAL,
				      "%s: results[%zu] has no command or times[]: not a hyperfine "
				      "export",
				      path, i);
		json_array_foreach(times, j, t)
		{
			struct result_row r = { .name = name, .at = i, .time = j };

			if (!json_is_number(t))
				return bb_err(err, EINVAL,
					      "%s: results[%zu].times[%zu] is not a number", path,
					      i, j);
			r.s.repetition = j <= INT_MAX ? (int)j : -1;
			r.s.wall_ns = json_number_value(t) * 1e9;
			r.s.kernel_ns = r.s.func_ns = NAN;
			if (result_rows_push(out, &r))
				return bb_err(err, ENOMEM, "%s: out of memory", path);
		}
	}
	return 0;
}
