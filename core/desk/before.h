/* before: the children the library system already had as patrons before
 * the programme carded them ("carded before" in `cardroll report`), as the
 * sync engine learned when a target linked a card to an existing patron.
 * Kept in ils_patron_before (migration 0009): the patron's id and the
 * ILS's enrolment date, nothing else. */
#ifndef CR_BEFORE_H
#define CR_BEFORE_H

#include <stddef.h>
#include "coverage.h"

/* The card of event event_id was linked to the ILS's patron patron_id,
 * which the ILS enrolled on since (YYYY-MM-DD; a longer date-time is read
 * by its day). When that day is before the local day the card was issued,
 * the child is recorded as carded before (once: again replaces the
 * patron). *recorded (may be NULL) is 1 when it was. A since that is not a
 * date records nothing (CR_OK). */
enum cr_status before_record(struct cr_db *db, long long event_id, const char *patron_id, const char *since,
			     int *recorded, struct cr_err *err);

/* Moves the recorded children of each coverage row, read at level by, from
 * CARDED (when they hold an active card) to CARDED_BEFORE: a child is
 * counted once. Rows are matched on district_rowid, school_rowid, grade and
 * class_id as coverage.c fills them; by COVERAGE_DISTRICT is not a level of
 * its own (apply it to the school rows they are summed from). */
enum cr_status before_apply(struct cr_db *db, enum coverage_by by, struct coverage_row *rows, size_t nrows,
			    struct cr_err *err);

/* The statement before_apply runs at level by (NULL for a level without
 * one), for the tests of its plan. */
const char *before_sql_of(enum coverage_by by);

#endif
