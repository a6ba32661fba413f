/* Unit tests for doctor's claims (doctor_claims.c): a claim is worded only when its driver or
 * subcommand exists, so doctor cannot tell of a driver or a command that is not there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "doctor/doctor_claims.h"
#include "storage/driver.h"

/* Drivers from the real driver table; subcommands from a stand-in for tools/commands.c, which
 * is the boxbench command's and not in the library. */
static bool exists(enum claim_kind kind, const char *name)
{
	if (kind == CLAIM_DRIVER)
		return driver_find(name) != NULL;
	return !strcmp(name, "doctor") || !strcmp(name, "run");
}

static const char *means_of(const struct check_list *l, char *buf, size_t len)
{
	check_means(&l->items[l->n - 1], exists, buf, len);
	return buf;
}

static void claim_of_a_missing_driver_or_command_says_nothing(void **state)
{
	struct check_list l = { 0 };
	char buf[CHECK_MEANS_MAX];

	(void)state;
	assert_int_equal(check_add(&l, "fs", "fuse", true, 0, "FUSE file systems mount", "yes"), 0);
	assert_int_equal(check_claim(&l, CLAIM_DRIVER, "no-such-driver", "run"), 0);
	assert_int_equal(check_claim(&l, CLAIM_COMMAND, "no-such-command", "can time %s", "x"), 0);
	assert_string_equal(means_of(&l, buf, sizeof(buf)), "FUSE file systems mount");
	/* A check with nothing but such claims has nothing to say. */
	assert_int_equal(check_add(&l, "fs", "x", true, 0, "", "yes"), 0);
	assert_int_equal(check_claim(&l, CLAIM_DRIVER, "no-such-driver", "run"), 0);
	assert_string_equal(means_of(&l, buf, sizeof(buf)), "");
	check_list_free(&l);
}

static void claim_of_an_existing_driver_or_command_is_worded(void **state)
{
	struct check_list l = { 0 };
	char buf[CHECK_MEANS_MAX];

	(void)state;
	assert_int_equal(check_add(&l, "overlay", "available", true, 0, "overlay merges", "yes"),
			 0);
	assert_int_equal(check_claim(&l, CLAIM_DRIVER, "overlay", "run"), 0);
	assert_int_equal(check_claim(&l, CLAIM_COMMAND, "run", "can time %s starts", "crun"), 0);
	assert_string_equal(means_of(&l, buf, sizeof(buf)),
			    "overlay merges; the driver:overlay cases run; `boxbench run` can time "
			    "crun starts");
	/* Without a fact, the first sentence stands alone. */
	assert_int_equal(check_add(&l, "runtime", "crun", false, 0, "", "no"), 0);
	assert_int_equal(check_claim(&l, CLAIM_COMMAND, "doctor", "cannot"), 0);
	assert_string_equal(means_of(&l, buf, sizeof(buf)), "`boxbench doctor` cannot");
	check_list_free(&l);
}

static void only_the_existing_claims_of_a_check_are_worded_in_order(void **state)
{
	struct check_list l = { 0 };
	char buf[CHECK_MEANS_MAX];

	(void)state;
	assert_int_equal(check_add(&l, "overlay", "available", false, 0, "no overlay", "no"), 0);
	assert_int_equal(check_claim(&l, CLAIM_DRIVER, "vfs-not-yet", "do not need it"), 0);
	assert_int_equal(check_claim(&l, CLAIM_DRIVER, "overlay", "are skipped"), 0);
	assert_int_equal(check_claim(&l, CLAIM_COMMAND, "trace-not-yet", "cannot"), 0);
	assert_int_equal(check_claim(&l, CLAIM_COMMAND, "doctor", "says so"), 0);
	assert_string_equal(means_of(&l, buf, sizeof(buf)),
			    "no overlay; the driver:overlay cases are skipped; `boxbench doctor` "
			    "says so");
	check_list_free(&l);
}

static void claims_are_bounded_and_belong_to_a_check(void **state)
{
	struct check_list l = { 0 };
	char buf[24];

	(void)state;
	assert_int_equal(check_claim(&l, CLAIM_DRIVER, "overlay", "run"), -EINVAL);
	assert_int_equal(check_add(&l, "g", "c", true, 0, "a fact", "yes"), 0);
	for (int i = 0; i < CHECK_MAX_CLAIMS; i++)
		assert_int_equal(check_claim(&l, CLAIM_DRIVER, "overlay", "run"), 0);
	assert_int_equal(check_claim(&l, CLAIM_DRIVER, "overlay", "run"), -ENOSPC);
	assert_int_equal(l.items[0].n_claims, CHECK_MAX_CLAIMS);
	/* A short buffer gets a terminated prefix. */
	assert_string_equal(means_of(&l, buf, sizeof(buf)), "a fact; the driver:over");
	check_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(claim_of_a_missing_driver_or_command_says_nothing),
		cmocka_unit_test(claim_of_an_existing_driver_or_command_is_worded),
		cmocka_unit_test(only_the_existing_claims_of_a_check_are_worded_in_order),
		cmocka_unit_test(claims_are_bounded_and_belong_to_a_check),
	};
	return cmocka_run_group_tests_name("doctor_claims", tests, NULL, NULL);
}
