/* cardno: building and checking library card numbers. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cardno.h"

int cardno_luhn_digit(const char *digits, size_t len)
{
	int sum = 0, dbl = 1;

	if (len == 0)
		return -1;
	/* From the right: the digit next to the check digit is doubled. */
	for (size_t i = len; i-- > 0; ) {
		int d;

		if (!isdigit((unsigned char)digits[i]))
			return -1;
		d = digits[i] - '0';
		if (dbl) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		dbl = !dbl;
	}
	return (10 - sum % 10) % 10;
}

int cardno_luhn_ok(const char *number)
{
	size_t n = strlen(number);
	int d;

	if (n < 2 || !isdigit((unsigned char)number[n - 1]))
		return 0;
	d = cardno_luhn_digit(number, n - 1);
	return d >= 0 && d == number[n - 1] - '0';
}

static int cardno_all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Letters, digits and '-' only: what prints as a barcode and types back. */
static int cardno_printable(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

enum cr_status cardno_from_student(const char *prefix, const char *student_number, int luhn,
				   char out[CARDNO_MAX], struct cr_err *err)
{
	size_t n;
	int d;

	out[0] = '\0';
	if (!student_number || !*student_number)
		return cr_fail(err, CR_EDATA, "the student has no student ID, which this card scheme needs");
	if (!cardno_printable(prefix) || !cardno_printable(student_number))
		return cr_fail(err, CR_EDATA, "a card number may hold only letters, digits and '-'");
	n = strlen(prefix) + strlen(student_number);
	if (n + (luhn ? 1 : 0) >= CARDNO_MAX)
		return cr_fail(err, CR_EDATA, "the card number would be longer than %d characters", CARDNO_MAX - 1);
	memcpy(out, prefix, strlen(prefix));
	memcpy(out + strlen(prefix), student_number, strlen(student_number) + 1);
	if (luhn) {
		if (!cardno_all_digits(out)) {
			out[0] = '\0';
			return cr_fail(err, CR_EDATA,
				       "a check digit needs a prefix and student ID of digits only");
		}
		d = cardno_luhn_digit(out, n);
		out[n] = (char)('0' + d);
		out[n + 1] = '\0';
	}
	return CR_OK;
}

enum cr_status cardno_library(const char *institution, long long serial, char out[15],
			      struct cr_err *err)
{
	out[0] = '\0';
	if (!institution || strlen(institution) != 4 || !cardno_all_digits(institution))
		return cr_fail(err, CR_ECONFIG, "the institution code must be 4 digits");
	if (serial < 0 || serial > 99999999LL)
		return cr_fail(err, CR_EDATA, "the card range is used up (serial %lld is past 99999999)", serial);
	snprintf(out, 15, "2%s%08lld", institution, serial);
	out[13] = (char)('0' + cardno_luhn_digit(out, 13));
	out[14] = '\0';
	return CR_OK;
}

long long cardno_library_serial(const char *number, const char *institution)
{
	long long serial = 0;

	if (strlen(number) != 14 || number[0] != '2' || !cardno_all_digits(number) ||
	    strncmp(number + 1, institution, 4) != 0 || !cardno_luhn_ok(number))
		return -1;
	for (int i = 5; i < 13; i++)
		serial = serial * 10 + (number[i] - '0');
	return serial;
}

enum cr_status cardno_check_stock(const char *scanned, const struct cardno_stock *rule,
				  char out[CARDNO_MAX], struct cr_err *err)
{
	const char *s = scanned;
	size_t n, plen = strlen(rule->prefix);

	out[0] = '\0';
	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	/* Codabar start and stop characters, when the scanner sends them. */
	if (n >= 2 && strchr("ABCDabcd", s[0]) && strchr("ABCDabcd", s[n - 1])) {
		s++;
		n -= 2;
	}
	if (n == 0)
		return cr_fail(err, CR_EDATA, "nothing was scanned");
	if (n >= CARDNO_MAX)
		return cr_fail(err, CR_EDATA, "that is not a library card: it is too long");
	memcpy(out, s, n);
	out[n] = '\0';
	if (!cardno_all_digits(out)) {
		out[0] = '\0';
		return cr_fail(err, CR_EDATA, "that is not a library card: a card number is digits only");
	}
	if (rule->length > 0 && (int)n != rule->length) {
		out[0] = '\0';
		return cr_fail(err, CR_EDATA, "that is not one of our cards: it has %zu digits, ours have %d",
			       n, rule->length);
	}
	if (plen && strncmp(out, rule->prefix, plen) != 0) {
		out[0] = '\0';
		return cr_fail(err, CR_EDATA, "that is not one of our cards: ours start with %s", rule->prefix);
	}
	if (rule->luhn && !cardno_luhn_ok(out)) {
		out[0] = '\0';
		return cr_fail(err, CR_EDATA,
			       "the card's check digit is wrong: scan it again, or type the number carefully");
	}
	return CR_OK;
}
