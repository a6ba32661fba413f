/* Unit tests for doctor's list of checks (doctor_check.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>

#include "doctor/doctor_check.h"

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
		cmocka_unit_test(check_list_grows_and_finds),
	};
	return cmocka_run_group_tests_name("doctor_check", tests, NULL, NULL);
}
