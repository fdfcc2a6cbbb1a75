/* overview: counts for the home screen. Aggregates only, never names. */
#include "overview.h"

/* A district's name as shown; two districts of one name (another
 * sourcedId) are told apart by their sourcedIds. */
#define DISTRICT_LABEL \
	"CASE WHEN (SELECT count(*) FROM district o WHERE o.name = d.name) > 1 " \
	"THEN d.name || ' (' || d.sourced_id || ')' ELSE d.name END"

static const char overview_districts_sql[] =
	"SELECT d.id, " DISTRICT_LABEL ", "
	" (SELECT count(*) FROM school WHERE district_id = d.id AND status = 'active'), "
	" (SELECT count(*) FROM school sc JOIN student s ON s.school_id = sc.id "
	"   WHERE sc.district_id = d.id AND s.status_code = 'a'), "
	" (SELECT coalesce(max(finished_at), 0) FROM import_run "
	"   WHERE district_id = d.id AND outcome = 'ok' AND dry_run = 0) "
	"FROM district d ORDER BY d.name, d.sourced_id";

static const char overview_schools_sql[] =
	"SELECT " DISTRICT_LABEL ", sc.name, sc.id, "
	" (SELECT count(*) FROM class WHERE school_id = sc.id AND status = 'active'), "
	" (SELECT count(*) FROM student WHERE school_id = sc.id AND status_code = 'a'), "
	" (SELECT count(*) FROM student s JOIN card c ON c.student_id = s.id AND c.status = 'active' "
	"   WHERE s.school_id = sc.id AND s.status_code = 'a') "
	"FROM school sc JOIN district d ON d.id = sc.district_id "
	"WHERE sc.status = 'active' ORDER BY d.name, d.sourced_id, sc.name";

enum cr_status overview_districts(struct cr_db *db, overview_district_fn fn, void *ctx, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, overview_districts_sql, err);
	int rc;

	if (!st)
		return err ? err->status : CR_EINTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct overview_district d = {
			.district_rowid = sqlite3_column_int64(st, 0),
			.name = (const char *)sqlite3_column_text(st, 1),
			.schools = sqlite3_column_int(st, 2),
			.students = sqlite3_column_int(st, 3),
			.last_import = sqlite3_column_int64(st, 4),
		};
		if (fn(&d, ctx))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading districts");
	return CR_OK;
}

enum cr_status overview_schools(struct cr_db *db, overview_school_fn fn, void *ctx, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, overview_schools_sql, err);
	int rc;

	if (!st)
		return err ? err->status : CR_EINTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct overview_school s = {
			.district = (const char *)sqlite3_column_text(st, 0),
			.school = (const char *)sqlite3_column_text(st, 1),
			.school_rowid = sqlite3_column_int64(st, 2),
			.classes = sqlite3_column_int(st, 3),
			.students = sqlite3_column_int(st, 4),
			.carded = sqlite3_column_int(st, 5),
		};
		if (fn(&s, ctx))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading schools");
	return CR_OK;
}
