/* staff_audit: audit rows for sign-ins, lockouts and staff changes. */
#include <time.h>

#include "staff_audit.h"

enum cr_status staff_audit(struct cr_db *db, long long actor, const char *desk, const char *action,
			   const char *kind, long long object, const char *detail, struct cr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (!(st = db_prepare(db, "INSERT INTO audit (at, staff_id, desk, action, object_kind, object_id, detail) "
			      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err)))
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_int64(st, 1, (long long)time(NULL));
	if (actor > 0)
		sqlite3_bind_int64(st, 2, actor);
	sqlite3_bind_text(st, 3, desk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
	if (object > 0)
		sqlite3_bind_int64(st, 6, object);
	sqlite3_bind_text(st, 7, detail, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "writing the audit log");
	return CR_OK;
}
