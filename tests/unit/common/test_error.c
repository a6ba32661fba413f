/* Unit tests for the error carrier and the capability list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "doctor/check.h"
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

static void check_list_grows_and_finds(void **state)
{
	struct check_list list = { 0 };
	const struct check *c;

	(void)state;
	for (int i = 0; i < 100; i++)
		assert_int_equal(
			check_add(&list, "g", i == 70 ? "seventy" : "x", i % 2, 0, "m", "%d", i),
			0);
	assert_int_equal(list.n, 100);
	c = check_find(&list, "g", "seventy");
	assert_non_null(c);
	assert_string_equal(c->value, "70");
	assert_false(c->has_num);
	check_add_num(&list, "overlay", "max_layers", true, -EINVAL, "", 500);
	check_detail(&list, "stage %s", "load");
	c = check_find(&list, "overlay", "max_layers");
	assert_true(c->has_num);
	assert_int_equal(c->num, 500);
	assert_int_equal(c->err, EINVAL);
	assert_string_equal(c->detail, "stage load");
	assert_null(check_find(&list, "overlay", "nothing"));
	check_list_free(&list);
	assert_int_equal(list.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bb_err_returns_negative_errno_and_formats),
		cmocka_unit_test(bb_err_wrap_prefixes_context),
		cmocka_unit_test(errno_name_knows_common_codes),
		cmocka_unit_test(check_list_grows_and_finds),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
