/* cardno: library card numbers, in the three schemes a programme can use:
 * the student ID with a prefix (the "virtual card"), a library range of
 * 14-digit barcodes (2 + institution + serial + Luhn), and pre-printed card
 * stock scanned at the desk. Pure functions: the database side (unused,
 * per-desk blocks) lives with the signup. */
#ifndef CR_CARDNO_H
#define CR_CARDNO_H

#include <stddef.h>
#include "store/config.h"   /* struct cardno_stock: the [cards] stock settings */
#include "store/status.h"

#define CARDNO_MAX 48

/* The Luhn (mod 10) check digit for a string of digits, or -1 when it holds
 * anything but digits or is empty. */
int cardno_luhn_digit(const char *digits, size_t len);
/* 1 when number is all digits and its last digit is the Luhn check digit
 * of the rest. */
int cardno_luhn_ok(const char *number);

/* prefix + student ID (+ a Luhn check digit over the digits of the whole
 * when luhn is set; then the student ID must be digits). */
enum cr_status cardno_from_student(const char *prefix, const char *student_number, int luhn,
				   char out[CARDNO_MAX], struct cr_err *err);

/* 2 + 4-digit institution code + 8-digit serial + Luhn over the first 13
 * digits: the library range barcode. */
enum cr_status cardno_library(const char *institution, long long serial, char out[15],
			      struct cr_err *err);
/* The serial of a library range barcode of that institution, or -1 when
 * number is not one (wrong length, prefix, institution or check digit). */
long long cardno_library_serial(const char *number, const char *institution);

/* Checks a scanned card against the stock's pattern and check digit and
 * writes the bare number to out. A Codabar scanner's start/stop letters
 * (A-D around the digits) and surrounding spaces are dropped first. The
 * error says which check failed, in words for the desk. */
enum cr_status cardno_check_stock(const char *scanned, const struct cardno_stock *rule,
				  char out[CARDNO_MAX], struct cr_err *err);

#endif
