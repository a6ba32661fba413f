/* Unit tests for parsing what users type: sizes, counts, namespace lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "common/parse.h"

static void sizes_take_binary_suffixes(void **state)
{
	struct bb_error err = { 0 };
	unsigned long long v;

	(void)state;
	assert_int_equal(parse_size("4096", "--x", &v, &err), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("64K", "--x", &v, &err), 0);
	assert_int_equal(v, 64 << 10);
	assert_int_equal(parse_size("16MiB", "--x", &v, &err), 0);
	assert_int_equal(v, 16 << 20);
	assert_int_equal(parse_size("1g", "--x", &v, &err), 0);
	assert_int_equal(v, 1ULL << 30);
	assert_int_equal(parse_size("0", "--x", &v, &err), 0);
	assert_int_equal(v, 0);
}

static void bad_sizes_name_the_option(void **state)
{
	struct bb_error err = { 0 };
	unsigned long long v;

	(void)state;
	assert_int_equal(parse_size("lots", "--memory-max", &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--memory-max"));
	assert_non_null(strstr(err.msg, "'lots'"));
	assert_int_equal(parse_size("-1M", "--x", &v, &err), -EINVAL);
	assert_int_equal(parse_size("12Q", "--x", &v, &err), -EINVAL);
	assert_int_equal(parse_size("", "--x", &v, &err), -EINVAL);
	/* 2^64 bytes does not fit: overflow is an error, not a wrap. */
	assert_int_equal(parse_size("17179869184G", "--x", &v, &err), -EINVAL);
}

static void uints_respect_their_range(void **state)
{
	struct bb_error err = { 0 };
	unsigned long long v;

	(void)state;
	assert_int_equal(parse_uint("8", "--depth", 1, 500, &v, &err), 0);
	assert_int_equal(v, 8);
	assert_int_equal(parse_uint("501", "--depth", 1, 500, &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "1 to 500"));
	assert_int_equal(parse_uint("8x", "--depth", 1, 500, &v, &err), -EINVAL);
	assert_int_equal(parse_uint("-3", "--depth", 0, 500, &v, &err), -EINVAL);
}

static void namespace_lists(void **state)
{
	struct bb_error err = { 0 };
	unsigned long flags;
	bool userns;
	char buf[128];

	(void)state;
	assert_int_equal(parse_namespaces("mnt,pid", &flags, &userns, &err), 0);
	assert_true(flags == (CLONE_NEWNS | CLONE_NEWPID));
	assert_false(userns);
	assert_int_equal(parse_namespaces("all,user", &flags, &userns, &err), 0);
	assert_true(userns);
	assert_true(flags & CLONE_NEWNET);
	assert_false(flags & CLONE_NEWUSER); /* user is a map, not a clone flag here */
	namespaces_describe(flags, userns, buf, sizeof(buf));
	assert_string_equal(buf, "mnt,uts,ipc,net,pid,cgroup,time,user");
	assert_int_equal(parse_namespaces("none", &flags, &userns, &err), 0);
	assert_int_equal(flags, 0);
	namespaces_describe(0, false, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	assert_int_equal(parse_namespaces("mnt,bogus", &flags, &userns, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'bogus'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_take_binary_suffixes),
		cmocka_unit_test(bad_sizes_name_the_option),
		cmocka_unit_test(uints_respect_their_range),
		cmocka_unit_test(namespace_lists),
	};
	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
