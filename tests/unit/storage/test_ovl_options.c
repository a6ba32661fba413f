/* Unit tests for the overlay mount(2) option string: layer lists, escapes, and the switch to
 * names relative to the layers' common parent past a page. Pure string building: no root, no
 * mount (the real mounts are tests/kernel/storage/test_ovl_mount.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "storage/ovl_mount.h"

#define N_MANY (OVL_MAX_STACK + 1)

static void options_string_lists_layers_and_options(void **state)
{
	const char *lowers[] = { "/l/top", "/l/mid", "/l/bottom" };
	const struct ovl_options o = { .redirect_dir = true,
				       .metacopy = true,
				       .index = true,
				       .xino = true,
				       .volatile_mount = true,
				       .userxattr = true,
				       .extra = "fsync=strict" };
	struct ovl_mount_data md;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(ovl_options_string(&md, lowers, 3, NULL, 0, "/u", "/w", &o, &err), 0);
	assert_string_equal(md.data, "lowerdir=/l/top:/l/mid:/l/bottom,upperdir=/u,workdir=/w,"
				     "redirect_dir=on,metacopy=on,index=on,xino=on,volatile,"
				     "userxattr,fsync=strict");
	assert_string_equal(md.base, "");
	assert_int_equal(md.abs_len, strlen(md.data) + 1);
	/* All false (or no options at all) leaves every default to the kernel. */
	assert_int_equal(ovl_options_string(&md, lowers, 2, NULL, 0, NULL, NULL, NULL, &err), 0);
	assert_string_equal(md.data, "lowerdir=/l/top:/l/mid");
}

static void options_string_puts_data_only_layers_after_double_colons(void **state)
{
	const char *lowers[] = { "/meta" }, *data[] = { "/d1", "/d2" };
	struct ovl_mount_data md;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(ovl_options_string(&md, lowers, 1, data, 2, NULL, NULL, NULL, &err), 0);
	assert_string_equal(md.data, "lowerdir=/meta::/d1::/d2");
}

static void options_string_escapes_separators(void **state)
{
	const char *lowers[] = { "/a:b", "/c,d\\e" };
	struct ovl_mount_data md;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(ovl_options_string(&md, lowers, 2, NULL, 0, "/u,1", "/w:1", NULL, &err),
			 0);
	assert_string_equal(md.data, "lowerdir=/a\\:b:/c\\,d\\\\e,upperdir=/u\\,1,workdir=/w\\:1");
}

/* Two lowers under /base whose absolute string is exactly `total` bytes with its NUL. */
static void make_two_lowers(char *a, char *b, size_t total)
{
	/* "lowerdir=" + a + ":" + b + NUL, with a 2006 bytes long. */
	size_t b_len = total - 9 - 2006 - 1 - 1;

	strcpy(a, "/base/");
	memset(a + 6, 'a', 2000);
	a[2006] = '\0';
	strcpy(b, "/base/");
	memset(b + 6, 'b', b_len - 6);
	b[b_len] = '\0';
}

static void options_string_switches_to_relative_names_past_a_page(void **state)
{
	static char a[4096], b[4096];
	const char *lowers[] = { a, b };
	struct ovl_mount_data md;
	struct bb_error err = { 0 };

	(void)state;
	make_two_lowers(a, b, OVL_MOUNT_DATA_MAX);
	assert_int_equal(ovl_options_string(&md, lowers, 2, NULL, 0, NULL, NULL, NULL, &err), 0);
	assert_int_equal(md.abs_len, OVL_MOUNT_DATA_MAX);
	assert_string_equal(md.base, "");
	assert_int_equal(strncmp(md.data, "lowerdir=/base/aaa", 18), 0);

	/* One byte more than a page: names become relative to their shared parent; an upper
	 * below it is shortened too, a work dir elsewhere stays absolute. */
	make_two_lowers(a, b, OVL_MOUNT_DATA_MAX + 1 - strlen(",upperdir=/base/up/u,workdir=/w"));
	assert_int_equal(
		ovl_options_string(&md, lowers, 2, NULL, 0, "/base/up/u", "/w", NULL, &err), 0);
	assert_int_equal(md.abs_len, OVL_MOUNT_DATA_MAX + 1);
	assert_string_equal(md.base, "/base");
	assert_int_equal(strncmp(md.data, "lowerdir=aaa", 12), 0);
	assert_non_null(strstr(md.data, "aaa:bbb"));
	assert_non_null(strstr(md.data, "bbb,upperdir=up/u,workdir=/w"));
	assert_int_equal(md.rel_len, strlen(md.data) + 1);
	assert_int_equal(md.rel_len, md.abs_len - 2 * strlen("/base/") - strlen("/base/"));

	/* Asked to stay absolute, it must refuse rather than truncate. */
	make_two_lowers(a, b, OVL_MOUNT_DATA_MAX + 1);
	assert_int_equal(ovl_options_string(&md, lowers, 2, NULL, 0, NULL, NULL,
					    &(struct ovl_options){ .paths = OVL_PATHS_ABSOLUTE },
					    &err),
			 -E2BIG);
	assert_non_null(strstr(err.msg, "4097 bytes"));
	assert_non_null(strstr(err.msg, "--mount-api=fsconfig"));
}

static void options_string_finds_the_longest_common_parent(void **state)
{
	const char *lowers[] = { "/s/layers/1/diff", "/s/layers/22/diff/" };
	const char *data[] = { "/s/layers//3" };
	const char *apart[] = { "/a/x", "/b/y" };
	const struct ovl_options rel = { .paths = OVL_PATHS_RELATIVE };
	struct ovl_mount_data md;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(ovl_options_string(&md, lowers, 2, data, 1, NULL, NULL, &rel, &err), 0);
	assert_string_equal(md.base, "/s/layers");
	assert_string_equal(md.data, "lowerdir=1/diff:22/diff/::3");
	/* Layers that share only the root are named relative to it. */
	assert_int_equal(ovl_options_string(&md, apart, 2, NULL, 0, NULL, NULL, &rel, &err), 0);
	assert_string_equal(md.base, "/");
	assert_string_equal(md.data, "lowerdir=a/x:b/y");
	/* Relative layer paths cannot be shortened against a base. */
	apart[1] = "b/y";
	assert_int_equal(ovl_options_string(&md, apart, 2, NULL, 0, NULL, NULL, &rel, &err),
			 -EINVAL);
}

static void options_string_fails_when_even_relative_names_overflow(void **state)
{
	static char paths[OVL_MAX_STACK][32];
	const char *lowers[OVL_MAX_STACK];
	struct ovl_mount_data md;
	struct bb_error err = { 0 };

	(void)state;
	for (int i = 0; i < OVL_MAX_STACK; i++) {
		snprintf(paths[i], sizeof(paths[i]), "/l/layer-%07d", i);
		lowers[i] = paths[i];
	}
	/* 500 names of 13 bytes need 7000 bytes however they are spelled. */
	assert_int_equal(
		ovl_options_string(&md, lowers, OVL_MAX_STACK, NULL, 0, NULL, NULL, NULL, &err),
		-E2BIG);
	assert_int_equal(err.code, E2BIG);
	assert_non_null(strstr(err.msg, "relative to /l"));
	assert_non_null(strstr(err.msg, "--mount-api=fsconfig"));
	assert_true(md.rel_len > OVL_MOUNT_DATA_MAX);
}

static void options_string_refuses_bad_arguments(void **state)
{
	static const char *lowers[N_MANY];
	struct ovl_mount_data md;
	struct bb_error err = { 0 };

	(void)state;
	for (int i = 0; i < N_MANY; i++)
		lowers[i] = "/l";
	assert_int_equal(ovl_options_string(&md, lowers, N_MANY, NULL, 0, NULL, NULL, NULL, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "at most 500 lower layers (OVL_MAX_STACK); got 501"));
	/* Data-only layers count against the same limit. */
	assert_int_equal(ovl_options_string(&md, lowers, 499, lowers, 2, NULL, NULL, NULL, &err),
			 -EINVAL);
	assert_int_equal(ovl_options_string(&md, lowers, 0, NULL, 0, NULL, NULL, NULL, &err),
			 -EINVAL);
	assert_int_equal(ovl_options_string(&md, lowers, 2, NULL, 0, "/u", NULL, NULL, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "upperdir given without workdir"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(options_string_lists_layers_and_options),
		cmocka_unit_test(options_string_puts_data_only_layers_after_double_colons),
		cmocka_unit_test(options_string_escapes_separators),
		cmocka_unit_test(options_string_switches_to_relative_names_past_a_page),
		cmocka_unit_test(options_string_finds_the_longest_common_parent),
		cmocka_unit_test(options_string_fails_when_even_relative_names_overflow),
		cmocka_unit_test(options_string_refuses_bad_arguments),
	};
	return cmocka_run_group_tests_name("ovl_options", tests, NULL, NULL);
}
