/* Unit tests for reading mounts back: mountinfo lines and their octal escapes, and overlay's
 * super options in both syntaxes. The overlay lines are what Linux 6.18 printed for mounts
 * made by hand with mount(2) and with fsconfig (lowerdir+/datadir+). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "inspect/mountinfo.h"
#include "inspect/ovl_mounted.h"

static void unescape_undoes_octal_escapes_only(void **state)
{
	char a[] = "/tmp/a\\040b", b[] = "back\\134slash", c[] = "not\\12octal\\",
	     d[] = "\\0401\\011tab", e[] = "\\134:";

	(void)state;
	assert_int_equal(mountinfo_unescape(a), strlen("/tmp/a b"));
	assert_string_equal(a, "/tmp/a b");
	mountinfo_unescape(b);
	assert_string_equal(b, "back\\slash");
	/* Fewer than three octal digits, or none: left as they are. */
	mountinfo_unescape(c);
	assert_string_equal(c, "not\\12octal\\");
	mountinfo_unescape(d);
	assert_string_equal(d, " 1\ttab");
	/* One level only: an escaped backslash does not start a second escape. */
	mountinfo_unescape(e);
	assert_string_equal(e, "\\:");
}

static void line_with_optional_fields_parses(void **state)
{
	struct mountinfo_entry e;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(mountinfo_parse_line("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 "
					      "shared:7 - ext3 /dev/root rw,errors=continue\n",
					      &e, &err),
			 0);
	assert_int_equal(e.mount_id, 36);
	assert_int_equal(e.parent_id, 35);
	assert_int_equal(e.major, 98);
	assert_int_equal(e.minor, 0);
	assert_string_equal(e.root, "/mnt1");
	assert_string_equal(e.mount_point, "/mnt2");
	assert_string_equal(e.mount_options, "rw,noatime");
	assert_string_equal(e.fstype, "ext3");
	assert_string_equal(e.source, "/dev/root");
	assert_string_equal(e.super_options, "rw,errors=continue");
	mountinfo_entry_free(&e);
}

static void spaces_in_paths_are_unescaped_but_super_options_are_not(void **state)
{
	struct mountinfo_entry e;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(mountinfo_parse_line("4545 3501 0:1508 / /tmp/my\\040merged rw,relatime "
					      "- overlay my\\040ov ro,lowerdir=/tmp/a\\040b",
					      &e, &err),
			 0);
	assert_string_equal(e.mount_point, "/tmp/my merged");
	assert_string_equal(e.source, "my ov");
	assert_string_equal(e.fstype, "overlay");
	/* Split on ',' before unescaping, or an escaped ',' (\054) would split a value. */
	assert_string_equal(e.super_options, "ro,lowerdir=/tmp/a\\040b");
	mountinfo_entry_free(&e);
}

static void a_pids_root_after_pivot_root_is_slash(void **state)
{
	struct mountinfo_entry e;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(
		mountinfo_parse_line(
			"95 66 0:40 / / rw,relatime - overlay overlay rw,lowerdir=/c/k/l/3:/c/k/l/2,"
			"upperdir=/var/tmp/boxbench-run-1/c0/upper,workdir=/var/tmp/boxbench-run-1/"
			"c0/work,uuid=on",
			&e, &err),
		0);
	assert_string_equal(e.mount_point, "/");
	assert_string_equal(e.root, "/");
	mountinfo_entry_free(&e);
}

static void malformed_lines_are_refused_with_the_line(void **state)
{
	struct mountinfo_entry e;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(
		mountinfo_parse_line("36 35 98:0 /mnt1 /mnt2 rw ext3 /dev/root rw", &e, &err),
		-EINVAL);
	assert_non_null(strstr(err.msg, "separator"));
	assert_int_equal(mountinfo_parse_line("36 35 98:0 /mnt1", &e, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "36 35 98:0 /mnt1"));
	assert_int_equal(mountinfo_parse_line("x 35 98:0 / / rw - ext4 /dev/a rw", &e, &err),
			 -EINVAL);
	assert_int_equal(mountinfo_parse_line("36 35 98:0 / / rw -", &e, &err), -EINVAL);
}

/* The layer at position i: its role, index, path and whether it is relative. */
static void assert_layer(const struct ovl_mounted *m, size_t i, enum ovl_layer_role role,
			 unsigned index, const char *path)
{
	assert_true(i < m->n_layers);
	assert_int_equal(m->layers[i].role, role);
	assert_int_equal(m->layers[i].index, index);
	assert_string_equal(m->layers[i].path, path);
	assert_int_equal(m->layers[i].relative, path[0] != '/');
}

static void legacy_options_list_upper_then_lowers_top_first(void **state)
{
	struct ovl_mounted m;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(ovl_mounted_parse("rw,lowerdir=/tmp/inspx/l1:/tmp/inspx/l2,upperdir=/"
					   "tmp/inspx/u,workdir=/tmp/inspx/w,redirect_dir=on,"
					   "index=on,uuid=on,metacopy=on",
					   &m, &err),
			 0);
	assert_int_equal(m.n_layers, 3);
	assert_int_equal(m.n_lower, 2);
	assert_int_equal(m.n_data, 0);
	assert_true(m.has_upper);
	assert_false(m.append_syntax);
	assert_layer(&m, 0, OVL_LAYER_UPPER, 2, "/tmp/inspx/u");
	assert_layer(&m, 1, OVL_LAYER_LOWER, 1, "/tmp/inspx/l1");
	assert_layer(&m, 2, OVL_LAYER_LOWER, 0, "/tmp/inspx/l2");
	assert_string_equal(m.workdir, "/tmp/inspx/w");
	assert_int_equal(m.n_opts, 5);
	assert_string_equal(ovl_mounted_opt(&m, "rw"), "");
	assert_string_equal(ovl_mounted_opt(&m, "redirect_dir"), "on");
	assert_string_equal(ovl_mounted_opt(&m, "metacopy"), "on");
	assert_null(ovl_mounted_opt(&m, "userxattr"));
	assert_null(ovl_mounted_opt(&m, "lowerdir"));
	ovl_mounted_free(&m);
}

/* mount -o 'lowerdir=/tmp/inspx/a b:/tmp/inspx/c\:d:/tmp/inspx/e\,f:/tmp/inspx/g\\h' shows
 * the string as given, overlay's backslashes kept, under mountinfo's octal escapes. */
static void legacy_lowerdir_escapes_come_in_two_levels(void **state)
{
	struct ovl_mounted m;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(ovl_mounted_parse("ro,lowerdir=/tmp/inspx/a\\040b:/tmp/inspx/c\\134:d:/"
					   "tmp/inspx/e\\134\\054f:/tmp/inspx/g\\134\\134h,"
					   "redirect_dir=on",
					   &m, &err),
			 0);
	assert_int_equal(m.n_layers, 4);
	assert_false(m.has_upper);
	assert_null(m.workdir);
	assert_layer(&m, 0, OVL_LAYER_LOWER, 3, "/tmp/inspx/a b");
	assert_layer(&m, 1, OVL_LAYER_LOWER, 2, "/tmp/inspx/c:d");
	assert_layer(&m, 2, OVL_LAYER_LOWER, 1, "/tmp/inspx/e,f");
	assert_layer(&m, 3, OVL_LAYER_LOWER, 0, "/tmp/inspx/g\\h");
	assert_string_equal(ovl_mounted_opt(&m, "ro"), "");
	ovl_mounted_free(&m);
}

static void legacy_double_colons_start_data_only_layers(void **state)
{
	struct ovl_mounted m;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(ovl_mounted_parse("ro,lowerdir=/tmp/inspx/l1::/tmp/inspx/d1::/tmp/inspx/"
					   "d2,redirect_dir=on,metacopy=on",
					   &m, &err),
			 0);
	assert_int_equal(m.n_lower, 1);
	assert_int_equal(m.n_data, 2);
	assert_layer(&m, 0, OVL_LAYER_LOWER, 0, "/tmp/inspx/l1");
	assert_layer(&m, 1, OVL_LAYER_DATA, 0, "/tmp/inspx/d1");
	assert_layer(&m, 2, OVL_LAYER_DATA, 1, "/tmp/inspx/d2");
	/* Several lowers, then data: an escaped colon is no separator. */
	ovl_mounted_free(&m);
	assert_int_equal(ovl_mounted_parse("lowerdir=/a:/b\\134:c::/d", &m, &err), 0);
	assert_int_equal(m.n_lower, 2);
	assert_int_equal(m.n_data, 1);
	assert_layer(&m, 0, OVL_LAYER_LOWER, 1, "/a");
	assert_layer(&m, 1, OVL_LAYER_LOWER, 0, "/b:c");
	assert_layer(&m, 2, OVL_LAYER_DATA, 0, "/d");
	ovl_mounted_free(&m);
}

/* fsconfig's lowerdir+/datadir+ take raw paths: ':' is no separator and '\' no escape. */
static void fsconfig_layers_are_literal_paths(void **state)
{
	struct ovl_mounted m;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(ovl_mounted_parse("ro,lowerdir+=/tmp/inspx/a\\040b,lowerdir+=/tmp/inspx/"
					   "e\\054f,datadir+=/tmp/inspx/d1,datadir+=/tmp/inspx/"
					   "g\\134h,redirect_dir=on,metacopy=on",
					   &m, &err),
			 0);
	assert_true(m.append_syntax);
	assert_int_equal(m.n_lower, 2);
	assert_int_equal(m.n_data, 2);
	assert_layer(&m, 0, OVL_LAYER_LOWER, 1, "/tmp/inspx/a b");
	assert_layer(&m, 1, OVL_LAYER_LOWER, 0, "/tmp/inspx/e,f");
	assert_layer(&m, 2, OVL_LAYER_DATA, 0, "/tmp/inspx/d1");
	assert_layer(&m, 3, OVL_LAYER_DATA, 1, "/tmp/inspx/g\\h");
	assert_int_equal(m.n_opts, 3);
	ovl_mounted_free(&m);
	assert_int_equal(ovl_mounted_parse("rw,lowerdir+=/tmp/inspx/l1,lowerdir+=/tmp/inspx/c:d,"
					   "upperdir=/tmp/inspx/u2,workdir=/tmp/inspx/w2,uuid=on",
					   &m, &err),
			 0);
	assert_layer(&m, 0, OVL_LAYER_UPPER, 2, "/tmp/inspx/u2");
	assert_layer(&m, 1, OVL_LAYER_LOWER, 1, "/tmp/inspx/l1");
	assert_layer(&m, 2, OVL_LAYER_LOWER, 0, "/tmp/inspx/c:d");
	ovl_mounted_free(&m);
}

/* The kernel removes backslash escapes from upperdir and workdir before resolving them,
 * with either API (a dir named 'u\y' given via fsconfig resolved to 'uy'). */
static void upper_and_work_lose_their_backslash_escapes(void **state)
{
	struct ovl_mounted m;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(ovl_mounted_parse("rw,lowerdir=/tmp/inspx/l1,upperdir=/tmp/inspx/"
					   "u\\134\\054x,workdir=/tmp/inspx/w\\040x,uuid=on",
					   &m, &err),
			 0);
	assert_layer(&m, 0, OVL_LAYER_UPPER, 1, "/tmp/inspx/u,x");
	assert_string_equal(m.workdir, "/tmp/inspx/w x");
	ovl_mounted_free(&m);
	assert_int_equal(ovl_mounted_parse("rw,lowerdir+=/l,upperdir=/tmp/inspx/u\\134y,"
					   "workdir=/w",
					   &m, &err),
			 0);
	assert_layer(&m, 0, OVL_LAYER_UPPER, 1, "/tmp/inspx/uy");
	ovl_mounted_free(&m);
}

/* mount(2) from a chdir'd cwd with short names: the names stay relative. */
static void relative_names_are_flagged(void **state)
{
	struct ovl_mounted m;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(ovl_mounted_parse("rw,lowerdir=l1:l2,upperdir=u,workdir=w,redirect_dir="
					   "nofollow,uuid=on,fsync=volatile,userxattr",
					   &m, &err),
			 0);
	assert_layer(&m, 0, OVL_LAYER_UPPER, 2, "u");
	assert_layer(&m, 1, OVL_LAYER_LOWER, 1, "l1");
	assert_layer(&m, 2, OVL_LAYER_LOWER, 0, "l2");
	assert_string_equal(ovl_mounted_opt(&m, "userxattr"), "");
	assert_string_equal(ovl_mounted_opt(&m, "redirect_dir"), "nofollow");
	assert_string_equal(ovl_mounted_opt(&m, "fsync"), "volatile");
	ovl_mounted_free(&m);
}

static void unreadable_lowerdirs_are_refused(void **state)
{
	struct ovl_mounted m;
	struct bb_error err = { 0 };

	(void)state;
	assert_int_equal(ovl_mounted_parse("rw,lowerdir=/a:::/b", &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "empty layer name"));
	assert_int_equal(ovl_mounted_parse("rw,lowerdir=/a::/d:/e", &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "'::'"));
	assert_int_equal(ovl_mounted_parse("rw,lowerdir=/a:", &m, &err), -EINVAL);
	assert_int_equal(ovl_mounted_parse("rw,upperdir=/u,workdir=/w", &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no lower layer"));
	assert_int_equal(ovl_mounted_parse("", &m, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unescape_undoes_octal_escapes_only),
		cmocka_unit_test(line_with_optional_fields_parses),
		cmocka_unit_test(spaces_in_paths_are_unescaped_but_super_options_are_not),
		cmocka_unit_test(a_pids_root_after_pivot_root_is_slash),
		cmocka_unit_test(malformed_lines_are_refused_with_the_line),
		cmocka_unit_test(legacy_options_list_upper_then_lowers_top_first),
		cmocka_unit_test(legacy_lowerdir_escapes_come_in_two_levels),
		cmocka_unit_test(legacy_double_colons_start_data_only_layers),
		cmocka_unit_test(fsconfig_layers_are_literal_paths),
		cmocka_unit_test(upper_and_work_lose_their_backslash_escapes),
		cmocka_unit_test(relative_names_are_flagged),
		cmocka_unit_test(unreadable_lowerdirs_are_refused),
	};
	return cmocka_run_group_tests_name("mountinfo", tests, NULL, NULL);
}
