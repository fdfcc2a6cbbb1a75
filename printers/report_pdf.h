/* report_pdf: the progress report (`cardroll report --format pdf`) as a
 * printable PDF, drawn with cairo + pango in the slips' fonts: the
 * community's commitment, the partnership and the goals at the head, the
 * signups over time as a line, a bar for each row of the report (each
 * school by default), and on every page the date, "page x of y" and the
 * suppression note. It draws only what it is given: a hidden count is
 * printed as "*", and a bar is drawn only where every count it is made of
 * is shown, so no bar gives a hidden cell back. */
#ifndef CR_REPORT_PDF_H
#define CR_REPORT_PDF_H

#include <stddef.h>
#include <stdio.h>

#include "desk/coverage.h"
#include "desk/profile.h"

/* One goal as the report states it (goals.h, copied out of goal_each). */
struct report_pdf_goal {
	char      scope[300];      /* the school's name, "" for the whole programme */
	double    target_pct;
	char      due[11];         /* YYYY-MM-DD */
	double    pct;
	long long needed, per_week;
	long      days_left;
	int       hidden;          /* pct, needed and pace suppressed */
};

struct report_pdf {
	const char                    *paper;    /* [report] paper: "a4", "letter", or "auto"/NULL: the
						  * locale's LC_PAPER (letter when its width is 216 mm,
						  * else a4; setlocale must have run) */
	const char                    *today;    /* YYYY-MM-DD, in the footer */
	const char                    *since;    /* signups from this day, or NULL */
	const struct profile          *prof;
	const struct coverage         *cov;      /* the rows drawn as bars, any level, suppressed */
	const struct coverage         *schools;  /* school level: the districts and schools in the partnership */
	const struct coverage_signups *su;
	const struct report_pdf_goal  *goals;
	size_t                         ngoals;
	const char                    *suppression;  /* the sentence; NULL when nothing is suppressed */
	int                            max_pages;    /* the most pages made (0: no limit) */
};

/* The page budget `cardroll report` keeps unless told otherwise: a PDF by
 * class of a large district (4,099 pages at a million children) is a
 * spreadsheet's work, not a printer's. */
#define REPORT_PDF_MAX_PAGES 250

/* Writes the whole PDF to f. CR_ECANTCREATE when f refuses the bytes;
 * CR_EUSAGE, before anything is written, when it would take more than
 * max_pages pages (the message says how many, and what to do). */
enum cr_status report_pdf_write(const struct report_pdf *r, FILE *f, struct cr_err *err);

#endif
