/* The atomic writer against files another user owns: a directory of another user, and a
 * symlink on the way owned by one, are refused before anything is created. Needs root, to
 * give them to nobody; the rest of the writer's tests need no root
 * (tests/unit/common/test_atomic_file.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/fsutil.h"

#define NOBODY 65534

static char tmp[64];

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_atomic_file_owners: needs root (chown to another user)\n");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "/tmp/bbunit-owners.XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return remove_tree(tmp, NULL);
}

/* Both the check and the writer refuse path with EPERM and a message holding why; nothing is
 * created there. */
static void assert_refused(const char *path, const char *why)
{
	struct atomic_file af;
	struct bb_error err = { 0 };

	assert_int_equal(atomic_file_check(path, &err), -EPERM);
	assert_non_null(strstr(err.msg, why));
	memset(&err, 0, sizeof(err));
	assert_int_equal(atomic_file_open(&af, path, 0644, &err), -EPERM);
	assert_non_null(strstr(err.msg, why));
	assert_int_equal(access(path, F_OK), -1);
}

static void dir_of_another_user_is_refused(void **state)
{
	char dir[128], path[160];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/theirs", tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chown(dir, NOBODY, NOBODY), 0);
	snprintf(path, sizeof(path), "%s/out.json", dir);
	assert_refused(path, "belongs to uid 65534");
}

/* A link on the way that root owns is followed; once another user owns it, it is refused. */
static void symlinked_dir_owned_by_another_user_is_refused(void **state)
{
	char real[128], link[128], path[160];
	struct atomic_file af;
	struct bb_error err = { 0 };

	(void)state;
	snprintf(real, sizeof(real), "%s/real", tmp);
	snprintf(link, sizeof(link), "%s/via", tmp);
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink("real", link), 0);
	snprintf(path, sizeof(path), "%s/out.json", link);
	assert_int_equal(atomic_file_open(&af, path, 0644, &err), 0);
	atomic_file_abort(&af);
	assert_int_equal(lchown(link, NOBODY, NOBODY), 0);
	assert_refused(path, "symbolic link owned by uid 65534");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(dir_of_another_user_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(symlinked_dir_owned_by_another_user_is_refused,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("atomic_file_owners", tests, NULL, NULL);
}
