/* Unit tests for telling boxbench's leftovers by name: the pid a run's dir, stack build or
 * loop image carries, so cleanup removes only what a dead run left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness/leftovers.h"

static void leftover_names_carry_their_pid(void **state)
{
	(void)state;
	assert_int_equal(leftover_pid("boxbench-run-1234"), 1234);
	assert_int_equal(leftover_pid("boxbench-doctor-77.AbC123"), 77);
	assert_int_equal(leftover_pid("0123456789abcdef.building.42"), 42);
	assert_int_equal(leftover_pid("boxbench-run-"), -1);
	assert_int_equal(leftover_pid("boxbench-run-12x"), -1);
	assert_int_equal(leftover_pid("0123456789abcdef"), -1); /* a finished stack */
	assert_int_equal(leftover_pid("other-1234"), -1);
	/* Loop images carry the run's pid too, also as a deleted file's backing_file reads. */
	assert_int_equal(leftover_pid("boxbench-ext4-4321.AbC123.img"), 4321);
	assert_int_equal(leftover_pid("boxbench-xfs-55.AbC123.img (deleted)"), 55);
	assert_int_equal(leftover_pid("boxbench-ext4.AbC123.img"), -1); /* an older name */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(leftover_names_carry_their_pid),
	};
	return cmocka_run_group_tests_name("leftovers", tests, NULL, NULL);
}
