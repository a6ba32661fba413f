/* Unit tests for the backing file systems' names: --backing's parser and its inverse, and the
 * refusal of a name it does not know (zfs). Pure: no mount (the mounts are
 * tests/kernel/storage/test_backing_fs.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "storage/backing_fs.h"

static void names_parse_and_zfs_is_refused(void **state)
{
	struct bb_error err = { 0 };
	enum backing_fs fs = FS_TMPFS;

	(void)state;
	for (int i = 0; i < BACKING_FS_COUNT; i++) {
		assert_int_equal(backing_fs_parse(backing_fs_name((enum backing_fs)i), &fs, &err),
				 0);
		assert_int_equal(fs, i);
	}
	assert_string_equal(backing_fs_name(FS_XFS), "xfs");
	assert_int_equal(backing_fs_parse("xfs", &fs, &err), 0);
	assert_int_equal(fs, FS_XFS);
	assert_int_equal(backing_fs_parse("zfs", &fs, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "'zfs'"));
	assert_int_equal(fs, FS_XFS);
	assert_int_equal(backing_fs_parse("XFS", &fs, NULL), -EINVAL);
	assert_int_equal(backing_fs_parse("", &fs, NULL), -EINVAL);
	assert_int_equal(backing_fs_parse(NULL, &fs, NULL), -EINVAL);
	assert_string_equal(backing_fs_name((enum backing_fs)BACKING_FS_COUNT), "unknown");
	assert_int_equal(backing_fs_magic((enum backing_fs)99), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_parse_and_zfs_is_refused),
	};
	return cmocka_run_group_tests_name("backing_fs_names", tests, NULL, NULL);
}
