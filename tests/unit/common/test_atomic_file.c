/* Unit tests for the atomic writer: whole files or none, never through a planted link, never
 * into a directory others can write to; both the O_TMPFILE and the O_EXCL fallback path. No
 * root needed: the refusals of what another user owns are tests/kernel/common/
 * test_atomic_file_owners.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/fsutil.h"

static char tmp[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/bbunit-atomic.XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	atomic_file_test_no_tmpfile = false;
	return remove_tree(tmp, NULL);
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmp, name);
}

/* The names in dir, sorted and joined by spaces: what a writer left there. */
static void listing(const char *dir, char *buf, size_t len)
{
	struct dirent **de;
	int n = scandir(dir, &de, NULL, alphasort);
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(de[i]->d_name, ".") && strcmp(de[i]->d_name, ".."))
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "",
						 de[i]->d_name);
		free(de[i]);
	}
	free(de);
}

static void write_text(const char *path, const char *text)
{
	struct bb_error err = { 0 };

	assert_int_equal(write_file(path, text, strlen(text), &err), 0);
}

static void assert_file_is(const char *path, const char *text)
{
	char buf[256];
	struct bb_error err = { 0 };

	assert_int_equal(read_file(path, buf, sizeof(buf), &err), (long)strlen(text));
	assert_string_equal(buf, text);
}

static void write_through_writer(const char *path, const char *text, int expect)
{
	struct atomic_file af;
	struct bb_error err = { 0 };
	int r = atomic_file_open(&af, path, 0644, &err);

	if (r) {
		assert_int_equal(r, expect);
		return;
	}
	fputs(text, af.f);
	assert_int_equal(atomic_file_commit(&af, &err), expect);
}

static void writes_whole_file_and_leaves_nothing_else(bool named)
{
	char path[128], names[256];
	struct atomic_file af;
	struct bb_error err = { 0 };
	struct stat st;

	atomic_file_test_no_tmpfile = named;
	path_of(path, sizeof(path), "out.json");
	umask(077);
	write_through_writer(path, "new\n", 0);
	umask(022);
	assert_file_is(path, "new\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644); /* exactly the mode asked, not the umask */
	assert_int_equal(atomic_file_open(&af, path, 0644, &err), 0);
	fputs("newer\n", af.f);
	fflush(af.f);
	/* Until the commit, readers see the old file; an O_TMPFILE has no name at all. */
	assert_file_is(path, "new\n");
	listing(tmp, names, sizeof(names));
	if (named)
		assert_int_equal(strncmp(names, ".out.json.", 10), 0);
	else
		assert_string_equal(names, "out.json");
	assert_int_equal(atomic_file_commit(&af, &err), 0);
	assert_file_is(path, "newer\n");
	listing(tmp, names, sizeof(names));
	assert_string_equal(names, "out.json");
}

static void o_tmpfile_path_writes_whole_file(void **state)
{
	(void)state;
	writes_whole_file_and_leaves_nothing_else(false);
}

static void o_excl_fallback_writes_whole_file(void **state)
{
	(void)state;
	writes_whole_file_and_leaves_nothing_else(true);
}

static void abort_leaves_the_old_file(void **state)
{
	char path[128], names[256];
	struct atomic_file af;
	struct bb_error err = { 0 };

	(void)state;
	for (int named = 0; named < 2; named++) {
		atomic_file_test_no_tmpfile = named;
		path_of(path, sizeof(path), "keep.txt");
		write_text(path, "old\n");
		assert_int_equal(atomic_file_open(&af, path, 0644, &err), 0);
		fputs("half", af.f);
		atomic_file_abort(&af);
		assert_file_is(path, "old\n");
		listing(tmp, names, sizeof(names));
		assert_string_equal(names, "keep.txt");
	}
}

/* A link planted at the target is refused, before and after the data is written, and
 * what it points to is untouched. */
static void symlink_at_target_is_refused(void **state)
{
	char path[128], canary[128], names[256];
	struct atomic_file af;
	struct bb_error err = { 0 };

	(void)state;
	path_of(canary, sizeof(canary), "canary");
	path_of(path, sizeof(path), "out.json");
	write_text(canary, "canary\n");
	assert_int_equal(symlink(canary, path), 0);
	write_through_writer(path, "evil\n", -ELOOP);
	assert_file_is(canary, "canary\n");

	/* Planted while the file is being written: the rename is refused too. */
	unlink(path);
	assert_int_equal(atomic_file_open(&af, path, 0644, &err), 0);
	fputs("evil\n", af.f);
	assert_int_equal(symlink(canary, path), 0);
	assert_int_equal(atomic_file_commit(&af, &err), -ELOOP);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_file_is(canary, "canary\n");
	listing(tmp, names, sizeof(names));
	assert_string_equal(names, "canary out.json");
}

static void directory_and_fifo_targets_are_refused(void **state)
{
	char path[128], inside[160];
	struct bb_error err = { 0 };

	(void)state;
	path_of(path, sizeof(path), "d");
	assert_int_equal(mkdir(path, 0755), 0);
	write_through_writer(path, "x", -EISDIR);
	assert_int_equal(atomic_file_check(path, &err), -EISDIR);
	snprintf(inside, sizeof(inside), "%s/", path);
	assert_int_equal(atomic_file_check(inside, &err), -EISDIR);
	path_of(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0644), 0);
	write_through_writer(path, "x", -EEXIST);
	assert_int_equal(atomic_file_check(path, &err), -EEXIST);
}

static void check_creates_nothing(void **state)
{
	char path[128], names[256];
	struct bb_error err = { 0 };

	(void)state;
	path_of(path, sizeof(path), "later.json");
	assert_int_equal(atomic_file_check(path, &err), 0);
	listing(tmp, names, sizeof(names));
	assert_string_equal(names, "");
	path_of(path, sizeof(path), "no/such/dir/x.json");
	assert_int_equal(atomic_file_check(path, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "does not exist"));
	listing(tmp, names, sizeof(names));
	assert_string_equal(names, "");
}

/* Others may write into a sticky dir (as /tmp) but not into a plain one. */
static void dir_writable_by_others_is_refused_unless_sticky(void **state)
{
	char dir[128], path[160];
	struct bb_error err = { 0 };

	(void)state;
	path_of(dir, sizeof(dir), "shared");
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	snprintf(path, sizeof(path), "%s/out.json", dir);
	assert_int_equal(atomic_file_check(path, &err), -EPERM);
	assert_non_null(strstr(err.msg, dir));
	assert_non_null(strstr(err.msg, "chmod go-w"));
	write_through_writer(path, "x", -EPERM);
	assert_int_equal(chmod(dir, 01777), 0);
	write_through_writer(path, "ok\n", 0);
	assert_file_is(path, "ok\n");
}

/* A link on the way that we own is followed (refused when another user owns it: that needs
 * root, in tests/kernel/common/test_atomic_file_owners.c). */
static void symlinked_dir_we_own_is_followed(void **state)
{
	char real[128], link[128], path[160];

	(void)state;
	path_of(real, sizeof(real), "real");
	path_of(link, sizeof(link), "via");
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink("real", link), 0);
	snprintf(path, sizeof(path), "%s/out.json", link);
	write_through_writer(path, "ok\n", 0);
	snprintf(path, sizeof(path), "%s/out.json", real);
	assert_file_is(path, "ok\n");
}

static void out_dir_open_creates_missing_dirs(void **state)
{
	char dir[128], tdir[128];
	struct stat st;
	struct bb_error err = { 0 };
	int fd;

	(void)state;
	path_of(dir, sizeof(dir), "a/b/c");
	assert_int_equal(out_dir_open(dir, false, &err), -ENOENT);
	umask(022);
	fd = out_dir_open(dir, true, &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	fd = out_dir_mkdtemp(tmp, "bbunit-x", tdir, sizeof(tdir), &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(tdir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(strncmp(tdir + strlen(tmp), "/bbunit-x.", 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(o_tmpfile_path_writes_whole_file, setup, teardown),
		cmocka_unit_test_setup_teardown(o_excl_fallback_writes_whole_file, setup, teardown),
		cmocka_unit_test_setup_teardown(abort_leaves_the_old_file, setup, teardown),
		cmocka_unit_test_setup_teardown(symlink_at_target_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(directory_and_fifo_targets_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(check_creates_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(dir_writable_by_others_is_refused_unless_sticky,
						setup, teardown),
		cmocka_unit_test_setup_teardown(symlinked_dir_we_own_is_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(out_dir_open_creates_missing_dirs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
