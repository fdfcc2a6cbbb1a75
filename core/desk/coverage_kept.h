/* coverage_kept: the coverage counts kept in the database (migration 0008:
 * coverage_cell by district, school and grade; coverage_class by class and
 * grade), which triggers keep right through every card, void, consent and
 * roster change. A bulk import sets the triggers aside and marks the counts
 * stale; they are counted again here, once, before the next read. */
#ifndef CR_COVERAGE_KEPT_H
#define CR_COVERAGE_KEPT_H

#include "store/db.h"

/* Makes the kept counts ready to read: counts them again when they are
 * stale (a write transaction of its own, or inside the caller's). */
enum cr_status coverage_kept_ready(struct cr_db *db, struct cr_err *err);

/* Counts them again from the roster, cards and consent now, stale or not. */
enum cr_status coverage_kept_rebuild(struct cr_db *db, struct cr_err *err);

/* 1 when the counts are stale (the next read counts them again), 0 when
 * ready, -1 on error. */
int coverage_kept_stale(struct cr_db *db);

#endif
