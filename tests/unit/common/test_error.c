/* Unit tests for the error carrier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "common/error.h"

static void bb_err_returns_negative_errno_and_formats(void **state)
{
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(bb_err(&err, EPERM, "cannot load %s", "x"), -EPERM);
	assert_int_equal(err.code, EPERM);
	assert_string_equal(err.msg, "cannot load x");
	/* A negative code is taken as an errno too; zero becomes EIO so failure never looks ok. */
	assert_int_equal(bb_err(&err, -ENOENT, "gone"), -ENOENT);
	assert_int_equal(bb_err(&err, 0, "unknown"), -EIO);
	assert_int_equal(bb_err(NULL, EINVAL, "nobody listens"), -EINVAL);
}

static void bb_err_wrap_prefixes_context(void **state)
{
	struct bb_error err = { 0 };

	(void)state;
	bb_err(&err, ENOSPC, "disk full");
	assert_int_equal(bb_err_wrap(&err, "while building layer %d", 3), -ENOSPC);
	assert_string_equal(err.msg, "while building layer 3: disk full");
}

static void errno_name_knows_common_codes(void **state)
{
	(void)state;
	assert_string_equal(errno_name(EPERM), "EPERM");
	assert_string_equal(errno_name(-EINVAL), "EINVAL");
	assert_string_equal(errno_name(524), "ENOTSUPP");
	assert_string_equal(errno_name(4000), "E4000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bb_err_returns_negative_errno_and_formats),
		cmocka_unit_test(bb_err_wrap_prefixes_context),
		cmocka_unit_test(errno_name_knows_common_codes),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
