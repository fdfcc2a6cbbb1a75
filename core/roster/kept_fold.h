/* kept_fold: a delta import's changes to the kept coverage counts
 * (migration 0008's coverage_cell and coverage_class), made once a cell at
 * the end of the import instead of by a trigger a row.
 *
 * While the fold is on, SQLite's pre-update hook notes each child's state
 * (district, school, grade, active) before the import first changes it and
 * every enrollment row added or removed. kept_fold_apply then reads each
 * such child as the import leaves them, takes the old contribution away and
 * adds the new one, summed per cell and per class. The caller sets the
 * student and enrollment triggers aside for the transaction (the card and
 * consent triggers stay: an import never writes cards or consent). Whatever
 * the fold cannot account for (no memory, a value it does not expect) marks
 * the counts stale, to be counted again before they are next read: slower,
 * never wrong. */
#ifndef CR_KEPT_FOLD_H
#define CR_KEPT_FOLD_H

#include "store/db.h"

struct kept_fold;

/* Starts noting changes on db. *out is NULL (and CR_OK returned) when this
 * database's student table is not laid out as the fold expects: the caller
 * then keeps the triggers. */
enum cr_status kept_fold_begin(struct cr_db *db, struct kept_fold **out, struct cr_err *err);
/* Stops noting and writes the summed changes (or marks the counts stale). */
enum cr_status kept_fold_apply(struct kept_fold *f, struct cr_err *err);
/* Stops noting (if still on) and frees; NULL is fine. */
void kept_fold_free(struct kept_fold *f);

#endif
