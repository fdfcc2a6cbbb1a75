/* Card numbers: the schemes a programme can choose, checked the way a desk
 * meets them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "desk/cardno.h"

/* Known Luhn numbers: 79927398713 is the textbook example. */
static void test_luhn_check_digits_match_known_numbers(void **state)
{
	(void)state;
	assert_int_equal(cardno_luhn_digit("7992739871", 10), 3);
	assert_true(cardno_luhn_ok("79927398713"));
	assert_false(cardno_luhn_ok("79927398710"));
	assert_int_equal(cardno_luhn_digit("12a4", 4), -1);
	assert_int_equal(cardno_luhn_digit("", 0), -1);
	/* A one-digit slip is always caught. */
	for (char c = '0'; c <= '9'; c++) {
		char n[] = "79927398713";

		if (c == n[4])
			continue;
		n[4] = c;
		assert_false(cardno_luhn_ok(n));
	}
}

static void test_the_virtual_card_is_the_student_id_with_a_prefix(void **state)
{
	struct cr_err err = { 0 };
	char out[CARDNO_MAX];

	(void)state;
	assert_int_equal(cardno_from_student("SL", "100234", 0, out, &err), CR_OK);
	assert_string_equal(out, "SL100234");
	assert_int_equal(cardno_from_student("77", "100234", 1, out, &err), CR_OK);
	assert_int_equal(strlen(out), 9);
	assert_true(cardno_luhn_ok(out));
	assert_int_equal(cardno_from_student("SL", "100234", 1, out, &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "digits only"));
	assert_int_equal(cardno_from_student("SL", "", 0, out, &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "no student ID"));
	assert_int_equal(cardno_from_student("SL", "12 34", 0, out, &err), CR_EDATA);
}

static void test_library_range_barcodes_have_fourteen_digits_and_check(void **state)
{
	struct cr_err err = { 0 };
	char out[15];

	(void)state;
	assert_int_equal(cardno_library("1234", 42, out, &err), CR_OK);
	assert_int_equal(strlen(out), 14);
	assert_memory_equal(out, "2123400000042", 13);
	assert_true(cardno_luhn_ok(out));
	assert_int_equal(cardno_library_serial(out, "1234"), 42);
	assert_int_equal(cardno_library_serial(out, "9999"), -1);
	out[13] = (char)(out[13] == '9' ? '0' : out[13] + 1);
	assert_int_equal(cardno_library_serial(out, "1234"), -1);
	assert_int_equal(cardno_library("12a4", 1, out, &err), CR_ECONFIG);
	assert_int_equal(cardno_library("1234", 100000000LL, out, &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "used up"));
}

static void test_scanned_stock_is_checked_for_pattern_and_check_digit(void **state)
{
	struct cardno_stock rule = { .prefix = "2123", .length = 14, .luhn = 1 };
	struct cr_err err = { 0 };
	char good[15], out[CARDNO_MAX], scanned[32];

	(void)state;
	assert_int_equal(cardno_library("1234", 7, good, &err), CR_OK);
	assert_int_equal(cardno_check_stock(good, &rule, out, &err), CR_OK);
	assert_string_equal(out, good);
	/* Codabar start/stop letters and the scanner's Enter are dropped. */
	snprintf(scanned, sizeof scanned, "A%sB\r\n", good);
	assert_int_equal(cardno_check_stock(scanned, &rule, out, &err), CR_OK);
	assert_string_equal(out, good);
	/* A mistyped digit. */
	snprintf(scanned, sizeof scanned, "%s", good);
	scanned[8] = (char)(scanned[8] == '9' ? '0' : scanned[8] + 1);
	assert_int_equal(cardno_check_stock(scanned, &rule, out, &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "check digit"));
	/* Another library's card, a short number, letters. */
	assert_int_equal(cardno_check_stock("29999000000074", &rule, out, &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "start with 2123"));
	assert_int_equal(cardno_check_stock("2123", &rule, out, &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "4 digits"));
	assert_int_equal(cardno_check_stock("hello", &rule, out, &err), CR_EDATA);
	assert_int_equal(cardno_check_stock("   ", &rule, out, &err), CR_EDATA);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_luhn_check_digits_match_known_numbers),
		cmocka_unit_test(test_the_virtual_card_is_the_student_id_with_a_prefix),
		cmocka_unit_test(test_library_range_barcodes_have_fourteen_digits_and_check),
		cmocka_unit_test(test_scanned_stock_is_checked_for_pattern_and_check_digit),
	};

	return cmocka_run_group_tests_name("cardno", tests, NULL, NULL);
}
