/* Unit tests for core/text: names as district exports spell them, the
 * encodings and control bytes they arrive with, and terminal widths. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"
#include "text/text.h"

/* Cleans a byte string, checks output and flags; want NULL = rejected. */
static void check_clean(const char *in, size_t len, const char *want, unsigned want_issues)
{
	char *out = (char *)1;
	unsigned issues = 0xFFFF;

	assert_int_equal(text_clean(in, len, &out, &issues), 0);
	if (issues != want_issues)
		fail_msg("clean(\"%s\"): issues 0x%x, want 0x%x", in, issues, want_issues);
	if (!want) {
		assert_null(out);
		return;
	}
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

#define CLEAN(lit, want, issues) check_clean(TU_BYTES(lit), (want), (issues))

static void check_fold(const char *in, const char *want)
{
	char *out = text_fold(in);

	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void test_clean_plain_ascii_is_unchanged(void **state)
{
	CLEAN("Ann Lee", "Ann Lee", 0);
	CLEAN("", "", 0);
	CLEAN("O'Brien-Smith", "O'Brien-Smith", 0);
}

static void test_clean_trims_and_folds_spaces(void **state)
{
	CLEAN("  Ann   Lee ", "Ann Lee", TEXT_TRIMMED);
	CLEAN(" Ana\xc2\xa0", "Ana", TEXT_TRIMMED);
	CLEAN("Ann\xc2\xa0Lee", "Ann Lee", 0);
	CLEAN("Ann\t\tLee", "Ann Lee", 0);
	CLEAN("Mary\r\nJane", "Mary Jane", 0);
	CLEAN("Ann\xe3\x80\x80Lee", "Ann Lee", 0);           /* ideographic space */
	CLEAN("\xe2\x80\x83", "", TEXT_TRIMMED);            /* em space only */
}

static void test_clean_latin1_is_converted(void **state)
{
	CLEAN("Sof\xed" "a G\xf3mez", "Sof\xc3\xad" "a G\xc3\xb3mez", TEXT_LATIN1);
	CLEAN("Ren\xe9\xa0", "Ren\xc3\xa9", TEXT_LATIN1 | TEXT_TRIMMED);
}

static void test_clean_rejects_bad_utf8(void **state)
{
	CLEAN("\x80" "abc", NULL, TEXT_BAD_UTF8);
	CLEAN("Caf\x92s", NULL, TEXT_BAD_UTF8);              /* CP1252 apostrophe */
	CLEAN("\xe2\x82", NULL, TEXT_BAD_UTF8);              /* truncated euro sign */
	CLEAN("\xed\xa0\x80", NULL, TEXT_BAD_UTF8);          /* surrogate */
}

static void test_clean_removes_escapes(void **state)
{
	CLEAN("Bob\x1b[2JSmith", "BobSmith", TEXT_ESCAPE);
	CLEAN("A\x1b]0;owned\x07" "B", "AB", TEXT_ESCAPE);
	CLEAN("A\x1b]8;;http://x\x1b\\B", "AB", TEXT_ESCAPE);
	CLEAN("A\x1b" "cB", "AB", TEXT_ESCAPE);
	CLEAN("A\xc2\x9b" "31mB", "AB", TEXT_ESCAPE);
	CLEAN("A\xc2\x9d" "2;t\xc2\x9c" "B", "AB", TEXT_ESCAPE);
	CLEAN("Ann\x1b", "Ann", TEXT_ESCAPE);
	CLEAN("\x1b[1m Ann \x1b[0m", "Ann", TEXT_ESCAPE | TEXT_TRIMMED);
}

static void test_clean_removes_controls(void **state)
{
	CLEAN("\x07" "Ann\x0c", "Ann", TEXT_CONTROL);
	CLEAN("A\x7f" "B", "AB", TEXT_CONTROL);
	CLEAN("A\xc2\x85" "B", "AB", TEXT_CONTROL);
	CLEAN("A\xe2\x80\xaeolleh", "Aolleh", TEXT_CONTROL);  /* bidi override */
	CLEAN("A\0B", "AB", TEXT_NUL);
}

static void test_clean_normalises_to_nfc(void **state)
{
	CLEAN("Jose\xcc\x81", "Jos\xc3\xa9", 0);
	CLEAN("Nguye\xcc\x82\xcc\x83n", "Nguy\xe1\xbb\x85n", 0);
}

static void test_clean_output_keeps_ascii_fast_path_semantics(void **state)
{
	/* A control inside pure ASCII must not leave a double space. */
	CLEAN("Ann \x01 Lee", "Ann Lee", TEXT_CONTROL);
}

static void test_fold_names(void **state)
{
	check_fold("Jos\xc3\xa9 Mu\xc3\xb1oz", "jose munoz");
	check_fold("Nguy\xe1\xbb\x85n", "nguyen");
	check_fold("S\xc3\xb8ren \xc3\x98" "deg\xc3\xa5rd", "soren odegard");
	check_fold("Stra\xc3\x9f" "e", "strasse");
	check_fold("\xc5\x81ukasz \xc4\x90or\xc4\x91" "e", "lukasz dorde");
	check_fold("\xc3\x86sa \xc5\x92uvre", "aesa oeuvre");
	check_fold("\xc3\x9e\xc3\xb3r \xc3\xb0", "thor d");
	check_fold("O'Brien-Smith, Jr.", "o brien smith jr");
	check_fold("  Ann   LEE  ", "ann lee");
	check_fold("\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3", "abc");  /* full-width ABC */
	check_fold("\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99", "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99");
	check_fold("", "");
	check_fold("--", "");
}

static void test_fold_survives_bad_utf8(void **state)
{
	check_fold("Jos\xe9 L\xc3\xb3pez", "jos lopez");
}

static void test_width(void **state)
{
	assert_int_equal(text_width("abc"), 3);
	assert_int_equal(text_width(""), 0);
	assert_int_equal(text_width("\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99"), 6);
	assert_int_equal(text_width("e\xcc\x81"), 1);
	assert_int_equal(text_width("a\x1b" "b"), 3);
	assert_int_equal(text_width("\xff"), 1);
}

static void test_fit(void **state)
{
	int w = -1;

	assert_int_equal(text_fit("\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99", 5, &w), 6);
	assert_int_equal(w, 4);
	assert_int_equal(text_fit("e\xcc\x81x", 1, &w), 3);
	assert_int_equal(w, 1);
	assert_int_equal(text_fit("abc", 10, &w), 3);
	assert_int_equal(w, 3);
	assert_int_equal(text_fit("abc", 0, &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(text_fit("abc", 2, NULL), 2);
}

static void test_inert(void **state)
{
	char *s = text_inert("a\x1b[2Jb", 0);

	assert_null(strchr(s, 0x1b));
	assert_string_equal(s, "a\xef\xbf\xbd[2Jb");
	free(s);
	s = text_inert("Jos\xc3\xa9 \xe6\x9d\x8e", 1);
	assert_string_equal(s, "Jose ?");
	free(s);
	s = text_inert("S\xc3\xb8ren \xc3\x98" "deg\xc3\xa5rd\x07", 1);
	assert_string_equal(s, "Soren Odegard?");
	free(s);
	s = text_inert("Jos\xc3\xa9\xc2\x9b\xff", 0);
	assert_string_equal(s, "Jos\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	s = text_inert("Jose\xcc\x81", 1);
	assert_string_equal(s, "Jose");
	free(s);
}

/* Backspace in a typed field takes one character, not one byte. */
static void test_drop_last(void **state)
{
	char a[] = "Mu\xc3\xb1", b[] = "\xe9\x9d\x99", c[] = "", d[] = "ab";

	(void)state;
	text_drop_last(a);
	assert_string_equal(a, "Mu");
	text_drop_last(b);
	assert_string_equal(b, "");
	text_drop_last(c);
	assert_string_equal(c, "");
	text_drop_last(d);
	assert_string_equal(d, "a");
}

static void test_valid_utf8(void **state)
{
	assert_true(text_valid_utf8(TU_BYTES("plain ascii text longer than eight")));
	assert_true(text_valid_utf8(TU_BYTES("\xf0\x9f\x98\x80 emoji")));
	assert_true(text_valid_utf8(TU_BYTES("a\0b")));
	assert_false(text_valid_utf8(TU_BYTES("\xc0\xaf")));          /* overlong */
	assert_false(text_valid_utf8(TU_BYTES("\xe0\x80\xaf")));      /* overlong */
	assert_false(text_valid_utf8(TU_BYTES("\xed\xa0\x80")));      /* surrogate */
	assert_false(text_valid_utf8(TU_BYTES("\xf4\x90\x80\x80")));  /* > U+10FFFF */
	assert_false(text_valid_utf8(TU_BYTES("abcdefgh\xc3")));      /* truncated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_plain_ascii_is_unchanged),
		cmocka_unit_test(test_clean_trims_and_folds_spaces),
		cmocka_unit_test(test_clean_latin1_is_converted),
		cmocka_unit_test(test_clean_rejects_bad_utf8),
		cmocka_unit_test(test_clean_removes_escapes),
		cmocka_unit_test(test_clean_removes_controls),
		cmocka_unit_test(test_clean_normalises_to_nfc),
		cmocka_unit_test(test_clean_output_keeps_ascii_fast_path_semantics),
		cmocka_unit_test(test_fold_names),
		cmocka_unit_test(test_fold_survives_bad_utf8),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_inert),
		cmocka_unit_test(test_valid_utf8),
		cmocka_unit_test(test_drop_last),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
