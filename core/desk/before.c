/* before: "carded before", recorded when sync links a card to a patron the
 * ILS enrolled before the card was issued, and moved from "carded" in the
 * report's rows (before.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "before.h"

/* Only when the ILS enrolled the patron before the card's (local) issue
 * day: a patron made by our own POST, or by staff by hand after a parked
 * duplicate, is enrolled on or after it. */
static const char before_record_sql[] =
	"INSERT INTO ils_patron_before (student_id, patron_id, patron_since, card_id, recorded_at) "
	"SELECT c.student_id, ?2, ?3, c.id, unixepoch() FROM event e JOIN card c ON c.id = e.card_id "
	"WHERE e.id = ?1 AND ?3 < date(c.issued_at, 'unixepoch', 'localtime') "
	"ON CONFLICT (student_id) DO UPDATE SET patron_id = excluded.patron_id, "
	" patron_since = excluded.patron_since, card_id = excluded.card_id, recorded_at = excluded.recorded_at";

enum cr_status before_record(struct cr_db *db, long long event_id, const char *patron_id, const char *since,
			     int *recorded, struct cr_err *err)
{
	char day[11];
	sqlite3_stmt *st;
	int rc;

	if (recorded)
		*recorded = 0;
	if (!since || strlen(since) < 10 || !patron_id || !*patron_id)
		return CR_OK;
	memcpy(day, since, 10);
	day[10] = '\0';
	if (!coverage_valid_date(day))
		return CR_OK;
	if (!(st = db_prepare(db, before_record_sql, err)))
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_int64(st, 1, event_id);
	sqlite3_bind_text(st, 2, patron_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, day, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "recording a child carded before");
	if (recorded)
		*recorded = sqlite3_changes(db_handle(db)) > 0;
	return CR_OK;
}

/* The recorded children by the keys of each level's rows: district,
 * school, grade, class; then how many, and how many of them hold an active
 * card (counted as carded by coverage.c). A small table: read whole, and
 * first (CROSS JOIN fixes the order): with the table empty, or with no
 * statistics for it, the planner would otherwise walk every class and
 * search the students for each, minutes at 100,000 children. */
#define BEFORE_FROM \
	"FROM ils_patron_before b CROSS JOIN student s ON s.id = b.student_id " \
	"LEFT JOIN card c ON c.student_id = s.id AND c.status = 'active' "
static const char *const before_sql[] = {
	[COVERAGE_SCHOOL] =
	"SELECT coalesce(sc.district_id, s.district_id), coalesce(s.school_id, 0), '', '', count(*), count(c.id) "
	BEFORE_FROM "LEFT JOIN school sc ON sc.id = s.school_id WHERE s.status_code = 'a' GROUP BY 1, 2",
	[COVERAGE_GRADE] =
	"SELECT s.district_id, 0, coalesce(s.grade, ''), '', count(*), count(c.id) "
	BEFORE_FROM "WHERE s.status_code = 'a' GROUP BY 1, 3",
	[COVERAGE_CLASS] =
	"SELECT cl.district_id, coalesce(cl.school_id, 0), '', cl.sourced_id, count(*), count(c.id) "
	BEFORE_FROM "CROSS JOIN enrollment en ON en.student_id = s.id CROSS JOIN class cl ON cl.id = en.class_id "
	"WHERE s.status_code = 'a' AND cl.status = 'active' GROUP BY cl.id",
};

const char *before_sql_of(enum coverage_by by)
{
	return by >= 0 && (size_t)by < sizeof before_sql / sizeof before_sql[0] ? before_sql[by] : NULL;
}

static int key_cmp(const struct coverage_row *a, const struct coverage_row *b)
{
	int c;

	if (a->district_rowid != b->district_rowid)
		return a->district_rowid < b->district_rowid ? -1 : 1;
	if (a->school_rowid != b->school_rowid)
		return a->school_rowid < b->school_rowid ? -1 : 1;
	if ((c = strcmp(a->grade ? a->grade : "", b->grade ? b->grade : "")) != 0)
		return c;
	return strcmp(a->class_id ? a->class_id : "", b->class_id ? b->class_id : "");
}

static int idx_cmp(const void *x, const void *y)
{
	return key_cmp(*(const struct coverage_row *const *)x, *(const struct coverage_row *const *)y);
}

enum cr_status before_apply(struct cr_db *db, enum coverage_by by, struct coverage_row *rows, size_t nrows,
			    struct cr_err *err)
{
	struct coverage_row **idx = NULL, key;
	sqlite3_stmt *st;
	int rc;

	if (by != COVERAGE_SCHOOL && by != COVERAGE_GRADE && by != COVERAGE_CLASS)
		return cr_fail(err, CR_EINTERNAL, "carded before: no level of its own for %d", (int)by);
	if (!(st = db_prepare(db, before_sql[by], err)))
		return err ? err->status : CR_EINTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *g = sqlite3_column_text(st, 2), *cl = sqlite3_column_text(st, 3);
		struct coverage_row *kp = &key, **hit;

		if (!idx) {
			/* the first recorded child: index the rows by their keys */
			if (!(idx = malloc((nrows ? nrows : 1) * sizeof *idx))) {
				sqlite3_reset(st);
				return cr_fail(err, CR_ENOMEM, "out of memory counting the children carded before");
			}
			for (size_t i = 0; i < nrows; i++)
				idx[i] = &rows[i];
			qsort(idx, nrows, sizeof *idx, idx_cmp);
		}
		memset(&key, 0, sizeof key);
		key.district_rowid = sqlite3_column_int64(st, 0);
		key.school_rowid = sqlite3_column_int64(st, 1);
		key.grade = g ? (const char *)g : "";
		key.class_id = cl ? (const char *)cl : "";
		hit = nrows ? bsearch(&kp, idx, nrows, sizeof *idx, idx_cmp) : NULL;
		if (!hit)
			continue;   /* a row coverage.c does not show (e.g. a class with nobody active) */
		(*hit)->n[COV_CARDED_BEFORE] += sqlite3_column_int64(st, 4);
		(*hit)->n[COV_CARDED] -= sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	free(idx);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "counting the children carded before");
	return CR_OK;
}
