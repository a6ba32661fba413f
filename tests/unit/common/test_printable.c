/* Unit tests for escaping names for a terminal, and for bb_err(), which applies it to every
 * message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "common/printable.h"

static const char *esc(const char *s)
{
	static char buf[256];

	return printable(buf, sizeof(buf), s);
}

static void printable_keeps_text_and_utf8(void **state)
{
	(void)state;
	assert_string_equal(esc("usr/lib/x86_64-linux-gnu/libc.so.6"),
			    "usr/lib/x86_64-linux-gnu/libc.so.6");
	/* é, €, 𝄞 and a backslash pass as they are. */
	assert_string_equal(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e a\\b"),
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e a\\b");
	assert_string_equal(esc(""), "");
}

static void printable_escapes_controls(void **state)
{
	(void)state;
	/* An OSC title change, a carriage return that would hide what came before, a tab, DEL. */
	assert_string_equal(esc("a\x1b]0;pwned\x07z"), "a\\x1b]0;pwned\\x07z");
	assert_string_equal(esc("ok\rfake"), "ok\\x0dfake");
	assert_string_equal(esc("x\ty\nz\x7f"), "x\\x09y\\x0az\\x7f");
	/* C1: U+009B is CSI on terminals that take 8-bit controls; U+00A0 is printable. */
	assert_string_equal(esc("\xc2\x9b"
				"31m"),
			    "\\xc2\\x9b31m");
	assert_string_equal(esc("\xc2\xa0"), "\xc2\xa0");
}

static void printable_escapes_invalid_utf8(void **state)
{
	(void)state;
	assert_string_equal(esc("\xff\xfe"), "\\xff\\xfe");
	/* A lone continuation byte, a cut sequence, an overlong '/', a surrogate, past U+10FFFF. */
	assert_string_equal(esc("\x80"), "\\x80");
	assert_string_equal(esc("\xe2\x82"), "\\xe2\\x82");
	assert_string_equal(esc("\xc0\xaf"), "\\xc0\\xaf");
	assert_string_equal(esc("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");
	assert_string_equal(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	assert_string_equal(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
	assert_string_equal(esc("\xf5\x80"), "\\xf5\\x80");
}

static void printable_is_idempotent_and_truncates_whole(void **state)
{
	char once[64], twice[64], small[8];

	(void)state;
	printable(once, sizeof(once), "x\x1b[2J\xff\xc3\xa9");
	printable(twice, sizeof(twice), once);
	assert_string_equal(once, twice);
	/* Room for "ab" and one escape (4 bytes) but not a second: nothing half-written. */
	assert_string_equal(printable(small, sizeof(small), "ab\x01\x02"), "ab\\x01");
	assert_string_equal(printable(small, 4, "ab\xc3\xa9"), "ab");
	assert_string_equal(printable(small, 1, "abc"), "");
}

static void printable_is_utf8_tells_what_json_can_hold(void **state)
{
	(void)state;
	assert_true(printable_is_utf8("plain"));
	assert_true(printable_is_utf8("ctl\x1b\x07 caf\xc3\xa9"));
	assert_false(printable_is_utf8("bad\xff"));
	assert_false(printable_is_utf8("cut\xe2\x82"));
	assert_false(printable_is_utf8("\xed\xa0\x80"));
}

static void bb_err_messages_are_printable(void **state)
{
	struct bb_error err = { 0 };
	char copy[sizeof(err.msg)];

	(void)state;
	bb_err(&err, EINVAL, "layer 1: entry '%s' refused", "evil\x1b]2;x\x07\n");
	assert_string_equal(err.msg, "layer 1: entry 'evil\\x1b]2;x\\x07\\x0a' refused");
	/* Wrapping and re-formatting a message escapes nothing twice. */
	bb_err_wrap(&err, "while reading '%s'", "l/\r0");
	assert_string_equal(
		err.msg,
		"while reading 'l/\\x0d0': layer 1: entry 'evil\\x1b]2;x\\x07\\x0a' refused");
	memcpy(copy, err.msg, sizeof(copy));
	bb_err(&err, err.code, "%s", copy);
	assert_string_equal(
		err.msg,
		"while reading 'l/\\x0d0': layer 1: entry 'evil\\x1b]2;x\\x07\\x0a' refused");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(printable_keeps_text_and_utf8),
		cmocka_unit_test(printable_escapes_controls),
		cmocka_unit_test(printable_escapes_invalid_utf8),
		cmocka_unit_test(printable_is_idempotent_and_truncates_whole),
		cmocka_unit_test(printable_is_utf8_tells_what_json_can_hold),
		cmocka_unit_test(bb_err_messages_are_printable),
	};
	return cmocka_run_group_tests_name("printable", tests, NULL, NULL);
}
