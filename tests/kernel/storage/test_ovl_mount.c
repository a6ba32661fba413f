/* The overlay mount layer on the real kernel: mounts through both APIs in a private mount
 * namespace on a tmpfs scratch dir (needs root). The option string alone is a unit test
 * (tests/unit/storage/test_ovl_options.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/mntns.h"
#include "storage/ovl_mount.h"

#define N_MANY 501

struct fixture {
	bool ready; /* root, in a private mount namespace, layers made */
	struct scratch scratch;
	char top[PATH_MAX], mid[PATH_MAX], bottom[PATH_MAX];
	char upper[PATH_MAX], work[PATH_MAX], merged[PATH_MAX];
	char many[N_MANY][PATH_MAX];
};

static void path_join(char *out, const char *dir, const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, name);
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	path_join(path, dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The first line of dir/name, "" if it cannot be read. */
static const char *read_file(const char *dir, const char *name)
{
	static char text[128];
	char path[PATH_MAX];
	FILE *f;

	text[0] = '\0';
	path_join(path, dir, name);
	f = fopen(path, "r");
	if (!f)
		return text;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	return text;
}

static int overlay_mounts(void)
{
	char line[8192];
	int n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " - overlay "))
			n++;
	fclose(f);
	return n;
}

static int make_layers(struct fixture *fx)
{
	char *dirs[] = { fx->top, fx->mid, fx->bottom, fx->upper, fx->work, fx->merged };
	const char *names[] = { "top", "mid", "bottom", "upper", "work", "merged" };
	char store[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		path_join(dirs[i], fx->scratch.path, names[i]);
		if (mkdir(dirs[i], 0755) < 0)
			return -1;
	}
	if (write_file(fx->bottom, "only-bottom", "bottom\n") ||
	    write_file(fx->bottom, "shadowed", "bottom\n") ||
	    write_file(fx->top, "shadowed", "top\n"))
		return -1;
	/* Long names, so that N_MANY absolute paths are far over a page. */
	path_join(store, fx->scratch.path, "a-layer-store-with-a-rather-long-name");
	if (mkdir(store, 0755) < 0)
		return -1;
	for (int i = 0; i < N_MANY; i++) {
		snprintf(fx->many[i], PATH_MAX, "%s/%03d", store, i);
		if (mkdir(fx->many[i], 0755) < 0)
			return -1;
	}
	return write_file(fx->many[OVL_MAX_STACK - 1], "deepest", "500\n");
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx) {
		scratch_destroy(&fx->scratch);
		free(fx);
		*state = NULL;
	}
	return 0;
}

/* One group, so the test runner counts every test: without root the kernel tests skip. */
static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct bb_error err = { 0 };

	*state = fx;
	if (!fx)
		return -1;
	if (geteuid() != 0)
		return 0;
	if (mntns_enter_private(&err) || scratch_create(&fx->scratch, "test-ovl", &err)) {
		fprintf(stderr, "test_ovl_mount: %s\n", err.msg);
		goto fail;
	}
	if (make_layers(fx)) {
		fprintf(stderr, "test_ovl_mount: cannot make layers: %s\n", strerror(errno));
		goto fail;
	}
	fx->ready = true;
	return 0;
fail:
	teardown(state);
	return -1;
}

static struct fixture *kernel_fixture(void **state)
{
	struct fixture *fx = *state;

	if (!fx->ready)
		skip(); /* not root */
	return fx;
}

typedef int (*mount_fn)(const char *, const char *const *, size_t, const char *const *, size_t,
			const char *, const char *, const struct ovl_options *, struct bb_error *);

static void mounts_three_layers(struct fixture *fx, mount_fn fn)
{
	const char *lowers[] = { fx->top, fx->mid, fx->bottom };
	struct bb_error err = { 0 };
	char upper_file[PATH_MAX];
	struct stat st;

	assert_int_equal(overlay_mounts(), 0);
	assert_int_equal(fn(fx->merged, lowers, 3, NULL, 0, fx->upper, fx->work, NULL, &err), 0);
	assert_int_equal(overlay_mounts(), 1);
	assert_string_equal(read_file(fx->merged, "only-bottom"), "bottom\n");
	assert_string_equal(read_file(fx->merged, "shadowed"), "top\n");
	/* A write lands in the upper dir, not in a lower one. */
	assert_int_equal(write_file(fx->merged, "new", "upper\n"), 0);
	path_join(upper_file, fx->upper, "new");
	assert_int_equal(stat(upper_file, &st), 0);
	assert_int_equal(ovl_umount(fx->merged, &err), 0);
	assert_int_equal(unlink(upper_file), 0);
	assert_int_equal(overlay_mounts(), 0);
	assert_string_equal(read_file(fx->merged, "only-bottom"), "");
}

static void legacy_mounts_three_layers(void **state)
{
	mounts_three_layers(kernel_fixture(state), ovl_mount_legacy);
}

static void fsconfig_mounts_three_layers(void **state)
{
	mounts_three_layers(kernel_fixture(state), ovl_mount_fsconfig);
}

static void legacy_mounts_long_stacks_by_relative_names(void **state)
{
	struct fixture *fx = kernel_fixture(state);
	const char *lowers[N_MANY];
	struct ovl_mount_data md;
	struct bb_error err = { 0 };
	char before[PATH_MAX], after[PATH_MAX];

	for (int i = 0; i < N_MANY; i++)
		lowers[i] = fx->many[i];
	/* 500 layers: the absolute form is ~35 KiB, the relative one 2 KiB. */
	assert_int_equal(ovl_options_string(&md, lowers, 500, NULL, 0, NULL, NULL, NULL, &err), 0);
	assert_true(md.abs_len > OVL_MOUNT_DATA_MAX);
	assert_non_null(getcwd(before, sizeof(before)));
	assert_int_equal(ovl_mount_legacy(fx->merged, lowers, 500, NULL, 0, NULL, NULL, NULL, &err),
			 0);
	assert_non_null(getcwd(after, sizeof(after)));
	assert_string_equal(before, after);
	assert_string_equal(read_file(fx->merged, "deepest"), "500\n");
	assert_int_equal(ovl_umount(fx->merged, &err), 0);
	/* Absolute names only: the same stack must be refused before the kernel sees it. */
	assert_int_equal(ovl_mount_legacy(fx->merged, lowers, 500, NULL, 0, NULL, NULL,
					  &(struct ovl_options){ .paths = OVL_PATHS_ABSOLUTE },
					  &err),
			 -E2BIG);
	assert_non_null(strstr(err.msg, "--mount-api=fsconfig"));
	assert_int_equal(overlay_mounts(), 0);
}

static void fsconfig_mounts_500_layers(void **state)
{
	struct fixture *fx = kernel_fixture(state);
	const char *lowers[N_MANY];
	struct bb_error err = { 0 };

	for (int i = 0; i < N_MANY; i++)
		lowers[i] = fx->many[i];
	assert_int_equal(ovl_mount_fsconfig(fx->merged, lowers, 500, NULL, 0, fx->upper, fx->work,
					    NULL, &err),
			 0);
	assert_string_equal(read_file(fx->merged, "deepest"), "500\n");
	assert_int_equal(ovl_umount(fx->merged, &err), 0);
	assert_int_equal(overlay_mounts(), 0);
}

static void both_apis_refuse_501_layers(void **state)
{
	struct fixture *fx = kernel_fixture(state);
	const char *lowers[N_MANY];
	struct bb_error err = { 0 };

	for (int i = 0; i < N_MANY; i++)
		lowers[i] = fx->many[i];
	assert_int_equal(
		ovl_mount_fsconfig(fx->merged, lowers, N_MANY, NULL, 0, NULL, NULL, NULL, &err),
		-EINVAL);
	assert_non_null(strstr(err.msg, "at most 500"));
	assert_non_null(strstr(err.msg, "got 501"));
	bb_err_clear(&err);
	assert_int_equal(
		ovl_mount_legacy(fx->merged, lowers, N_MANY, NULL, 0, NULL, NULL, NULL, &err),
		-EINVAL);
	assert_non_null(strstr(err.msg, "500"));
	assert_int_equal(overlay_mounts(), 0);
}

static void missing_layer_is_named(struct fixture *fx, mount_fn fn)
{
	char missing[PATH_MAX];
	const char *lowers[] = { fx->top, missing, fx->bottom };
	struct bb_error err = { 0 };

	path_join(missing, fx->scratch.path, "no-such-layer");
	assert_int_equal(fn(fx->merged, lowers, 3, NULL, 0, fx->upper, fx->work, NULL, &err),
			 -ENOENT);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, missing));
	assert_non_null(strstr(err.msg, "ENOENT"));
	assert_int_equal(overlay_mounts(), 0);
}

static void legacy_names_a_missing_layer(void **state)
{
	missing_layer_is_named(kernel_fixture(state), ovl_mount_legacy);
}

static void fsconfig_names_a_missing_layer(void **state)
{
	missing_layer_is_named(kernel_fixture(state), ovl_mount_fsconfig);
}

/* Files of a data-only layer are reachable only through metacopy redirects, never by name. */
static void data_only_layers_stay_hidden(struct fixture *fx, mount_fn fn)
{
	const char *lowers[] = { fx->top }, *data[] = { fx->bottom };
	struct bb_error err = { 0 };

	assert_int_equal(fn(fx->merged, lowers, 1, data, 1, NULL, NULL, NULL, &err), 0);
	assert_string_equal(read_file(fx->merged, "shadowed"), "top\n");
	assert_string_equal(read_file(fx->merged, "only-bottom"), "");
	assert_int_equal(ovl_umount(fx->merged, &err), 0);
	assert_int_equal(overlay_mounts(), 0);
}

static void legacy_mounts_data_only_layers(void **state)
{
	data_only_layers_stay_hidden(kernel_fixture(state), ovl_mount_legacy);
}

static void fsconfig_mounts_data_only_layers(void **state)
{
	data_only_layers_stay_hidden(kernel_fixture(state), ovl_mount_fsconfig);
}

static void fsconfig_reports_the_kernels_reason(void **state)
{
	struct fixture *fx = kernel_fixture(state);
	const char *lowers[] = { fx->top, fx->bottom };
	const struct ovl_options bad = { .extra = "index=on,xino=sometimes" };
	struct bb_error err = { 0 };

	assert_int_equal(ovl_mount_fsconfig(fx->merged, lowers, 2, NULL, 0, NULL, NULL, &bad, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "at option xino=sometimes"));
	assert_non_null(strstr(err.msg, "(kernel: overlay: Bad value for 'xino')"));
	/* A work dir inside the upper dir is refused while filling the superblock, where the
	 * kernel logs to dmesg only: the message must say so rather than show nothing. */
	assert_int_equal(ovl_mount_fsconfig(fx->merged, lowers, 2, NULL, 0, fx->upper, fx->upper,
					    NULL, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "at FSCONFIG_CMD_CREATE"));
	assert_non_null(strstr(err.msg, "see dmesg"));
	assert_int_equal(overlay_mounts(), 0);
}

static void umount_of_nothing_fails(void **state)
{
	struct fixture *fx = kernel_fixture(state);
	struct bb_error err = { 0 };

	assert_int_equal(ovl_umount(fx->merged, &err), -EINVAL);
	assert_non_null(strstr(err.msg, fx->merged));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(legacy_mounts_three_layers),
		cmocka_unit_test(fsconfig_mounts_three_layers),
		cmocka_unit_test(legacy_mounts_long_stacks_by_relative_names),
		cmocka_unit_test(fsconfig_mounts_500_layers),
		cmocka_unit_test(both_apis_refuse_501_layers),
		cmocka_unit_test(legacy_names_a_missing_layer),
		cmocka_unit_test(fsconfig_names_a_missing_layer),
		cmocka_unit_test(legacy_mounts_data_only_layers),
		cmocka_unit_test(fsconfig_mounts_data_only_layers),
		cmocka_unit_test(fsconfig_reports_the_kernels_reason),
		cmocka_unit_test(umount_of_nothing_fails),
	};
	return cmocka_run_group_tests_name("ovl_mount", tests, setup, teardown);
}
