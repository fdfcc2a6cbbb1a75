/* coverage: how many enrolled children hold a card, by district, school,
 * grade or class; signups per day and week; small-cell suppression for the
 * reports that leave the building (`cardroll report`). Aggregates only. */
#ifndef CR_COVERAGE_H
#define CR_COVERAGE_H

#include <stddef.h>
#include "store/db.h"

enum coverage_by { COVERAGE_DISTRICT, COVERAGE_SCHOOL, COVERAGE_GRADE, COVERAGE_CLASS };

/* The counts of a row, all about active (enrolled) children:
 *   ENROLLED      active students
 *   CARDED        ... holding an active card issued through the programme,
 *                 and not carded before
 *   CARDED_BEFORE ... already a patron before the programme, as the ILS
 *                 said when sync linked the card to an existing patron
 *                 (before.h, ils_patron_before); such a child is not also
 *                 counted as CARDED.
 *   OPTED_OUT     ... whose family said no (consent opted_out)
 *   PENDING       ... whose consent is recorded as pending
 * A child may be in several (carded and pending a signature), so the
 * columns are not parts of ENROLLED. */
enum coverage_col { COV_ENROLLED, COV_CARDED, COV_CARDED_BEFORE, COV_OPTED_OUT, COV_PENDING, COV_NCOLS };

/* The column names used by CSV and JSON. */
extern const char *const coverage_col_name[COV_NCOLS];

/* hidden: a bit per enum coverage_col, and COVERAGE_PCT_HIDDEN. */
#define COVERAGE_PCT_HIDDEN (1u << COV_NCOLS)

/* A row's labels point into text its struct coverage owns (one copy per
 * run of equal labels: a class report's 200,000 rows share their school's). */
struct coverage_row {
	const char *district;
	const char *school;          /* "" for district and grade rows */
	const char *grade;           /* grade rows: the CEDS code, "" unknown */
	const char *class_id;        /* class rows: the roster's sourcedId */
	const char *class_title;
	long long   school_rowid;    /* school and class rows: school.id (0: no school) */
	long long   district_rowid;
	long long   n[COV_NCOLS];
	unsigned    hidden;
};

struct coverage_text;            /* the labels' storage */

struct coverage {
	enum coverage_by      by;
	struct coverage_row  *rows;
	size_t                nrows;
	struct coverage_row   total;   /* every active child once (class rows overlap) */
	int                   min_cell;   /* 0: not suppressed */
	int                   suppressed; /* cells hidden */
	struct coverage_text *text;
};

/* Reads the coverage at one level from the kept counts (coverage_kept.h,
 * counted again first when a bulk import left them stale). Rows ordered by
 * district, then school, grade or class. Free with coverage_free. */
enum cr_status coverage_read(struct cr_db *db, enum coverage_by by, struct coverage *out, struct cr_err *err);
/* The same from a school-level coverage already read (schools: unsuppressed,
 * by COVERAGE_SCHOOL): schools and districts need no pass of their own, and
 * classes take its total. */
enum cr_status coverage_read_with(struct cr_db *db, enum coverage_by by, const struct coverage *schools,
				  struct coverage *out, struct cr_err *err);
void coverage_free(struct coverage *c);
/* A copy of from (rows of its own) into to. */
enum cr_status coverage_copy(const struct coverage *from, struct coverage *to, struct cr_err *err);

/* The share covered: (carded + carded before) / enrolled, in percent; 0
 * when nobody is enrolled. */
double coverage_pct(const struct coverage_row *r);

/* Hides every count from 1 to min_cell - 1, then more cells so that no sum
 * gives a hidden one back (each column's rows and its total), and the
 * percentage wherever one of its inputs is hidden. */
void coverage_suppress(struct coverage *c, int min_cell);

/* Signups: active cards by the local day they were issued (a voided card
 * is not a signup), and by week (Monday to Sunday). */
struct coverage_count {
	char      day[11];     /* YYYY-MM-DD; a week's Monday */
	long long n;
	int       hidden;
};

struct coverage_signups {
	struct coverage_count *days, *weeks;
	size_t                 ndays, nweeks;
	struct coverage_count  total;   /* day is "" */
	int                    suppressed;
};

/* Signups since the local day since (YYYY-MM-DD, NULL: all). */
enum cr_status coverage_signups_read(struct cr_db *db, const char *since, struct coverage_signups *out,
				     struct cr_err *err);
void coverage_signups_free(struct coverage_signups *s);
/* As coverage_suppress: each week is the sum of its days, the total the
 * sum of the weeks. */
void coverage_signups_suppress(struct coverage_signups *s, int min_cell);

/* The suppression itself, on any cells: hidden[i] is set for 0 < v[i] <
 * min_cell, then, while some equation (a total and the cells it sums) has
 * exactly one hidden cell, the smallest non-zero shown cell of that
 * equation (else its total, else any shown cell) is hidden too. Returns
 * how many cells are hidden. */
struct suppress_eq {
	size_t        total;      /* index of the total cell */
	const size_t *members;    /* indexes of the cells it sums */
	size_t        n;
};
size_t suppress_cells(const long long *v, unsigned char *hidden, size_t ncells, const struct suppress_eq *eq,
		      size_t neq, long min_cell);

/* 1 when s is a real date YYYY-MM-DD. */
int coverage_valid_date(const char *s);

#endif
