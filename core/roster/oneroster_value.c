/* oneroster_value: the typed values of a row: dates, birth dates, grades
 * (CEDS codes) and booleans. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "oneroster_int.h"

/* ---- booleans ------------------------------------------------------------ */

int or_is_true(const char *s)
{
	return !strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1") ||
	       !strcasecmp(s, "y") || !strcasecmp(s, "t");
}

/* ---- dates and grades ---------------------------------------------------- */

static int days_from_civil(int y, int m, int d)
{
	/* Days since 1900-01-01, for the compact birth-date store. */
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 693901;    /* 693901 = days from 0000-03-01 to 1900-01-01 */
}

void or_civil_from_days(int z, char out[16])
{
	z += 719468 - 25567;   /* to days since 1970, then the civil algorithm */
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int y = yoe + era * 400;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	int d = doy - (153 * mp + 2) / 5 + 1;
	int m = mp + (mp < 10 ? 3 : -9);

	snprintf(out, 16, "%04d-%02d-%02d", (y + (m <= 2)) % 10000, m % 100, d % 100);
}

/* YYYY-MM-DD, a real calendar date. Returns days since 1900 or -1. */
static int parse_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	if (y < 1900 || y > 2079)
		return -1;
	return days_from_civil(y, m, d);
}

static int today_days(const struct imp *im)
{
	struct tm tm;
	time_t t = im->now;

	gmtime_r(&t, &tm);
	return days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* A birth date cell: days since 1900, or -1 with a warning (never shows the
 * date itself in the report). */
int or_row_birth_date(struct row *r, const char *col)
{
	const char *s = or_row_raw(r, col, NULL);
	char iso[16];
	int days;

	if (!*s)
		return -1;
	if (r->im->date_order && strlen(s) == 10 && s[2] == '/' && s[5] == '/') {
		/* MM/DD/YYYY or DD/MM/YYYY, as the column mapping says. */
		int us = r->im->date_order == 1;

		snprintf(iso, sizeof iso, "%.4s-%.2s-%.2s", s + 6, us ? s : s + 3, us ? s + 3 : s);
		s = iso;
	} else if (r->im->date_order) {
		s = "";
	}
	days = parse_date(s);
	if (days < 0) {
		static const char *const forms[] = { "YYYY-MM-DD", "MM/DD/YYYY", "DD/MM/YYYY" };

		imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 0,
			  "%s is not a real date in %s form; left empty", col, forms[r->im->date_order]);
		return -1;
	}
	if (days > today_days(r->im)) {
		imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 0,
			  "%s is in the future; left empty", col);
		return -1;
	}
	if (days > today_days(r->im) - 3 * 365) {
		imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 0,
			  "%s makes the child younger than three; left empty", col);
		return -1;
	}
	if (days < today_days(r->im) - 30 * 366) {
		imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 0,
			  "%s is more than 30 years ago; left empty", col);
		return -1;
	}
	return days;
}

static const char *const ceds_grades[] = {
	"IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09",
	"10", "11", "12", "13", "PS", "UG", "Other", NULL,
};

/* The first grade of a cell, as a CEDS code; "1" reads as "01" with a
 * warning. buf gets the code or "". */
void or_row_grade(struct row *r, char buf[8])
{
	const char *s = or_row_raw(r, "grades", NULL);
	char first[16];
	size_t n = strcspn(s, ",");

	buf[0] = '\0';
	while (n > 0 && *s == ' ') {
		s++;
		n--;
	}
	if (n == 0)
		return;
	if (n >= sizeof first)
		n = sizeof first - 1;
	memcpy(first, s, n);
	first[n] = '\0';
	while (n > 0 && first[n - 1] == ' ')
		first[--n] = '\0';
	for (int i = 0; ceds_grades[i]; i++) {
		if (strcasecmp(first, ceds_grades[i]) == 0) {
			snprintf(buf, 8, "%s", ceds_grades[i]);
			return;
		}
	}
	if (n == 1 && isdigit((unsigned char)first[0])) {
		snprintf(buf, 8, "0%c", first[0]);
		imp_issue(r->im, r->hd->spec->name, r->rec->line, "grades", 0,
			  "grade '%s' is not a CEDS code; read as '%s'", first, buf);
		return;
	}
	if (!strcasecmp(first, "K") || !strcasecmp(first, "0") || !strcasecmp(first, "00")) {
		snprintf(buf, 8, "KG");
		imp_issue(r->im, r->hd->spec->name, r->rec->line, "grades", 0,
			  "grade '%s' is not a CEDS code; read as 'KG'", first);
		return;
	}
	imp_issue(r->im, r->hd->spec->name, r->rec->line, "grades", 0,
		  "grade '%.12s' is not a CEDS code (PK, KG, 01-13, ...); left empty", first);
}
