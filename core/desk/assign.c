/* assign: a volunteer's schools and classes. */
#include <stdio.h>
#include <string.h>

#include "assign.h"
#include "classes.h"
#include "perm.h"
#include "staff.h"
#include "staff_audit.h"
#include "text/i18n.h"

/* The volunteer's staff.id; CR_ENOINPUT / CR_EDATA naming what is wrong. */
static enum cr_status assign_volunteer(struct cr_db *db, const char *name, long long *id, struct cr_err *err)
{
	char clean[STAFF_NAME_MAX + 1];
	sqlite3_stmt *st;
	enum cr_status s;
	char role[16] = "";
	int disabled = 0, rc;

	*id = 0;
	if ((s = staff_name_clean(name, clean, err)) != CR_OK)
		return s;
	if (!(st = db_prepare(db, "SELECT id, role, disabled FROM staff WHERE name = ?1 COLLATE NOCASE "
			      "ORDER BY id LIMIT 1", err)))
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_text(st, 1, clean, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(role, sizeof role, "%s", (const char *)sqlite3_column_text(st, 1));
		disabled = sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading staff accounts");
	if (!*id)
		return cr_fail(err, CR_ENOINPUT, "there is no staff account %s", clean);
	if (disabled)
		return cr_fail(err, CR_EDATA, "%s is disabled: reset the PIN first (cardroll staff reset-pin)", clean);
	if (strcmp(role, "volunteer"))
		return role[0] == 'a'
			? cr_fail(err, CR_EDATA, "%s is an %s, who works in every school: only a volunteer is assigned "
				  "schools or classes", clean, role)
			: cr_fail(err, CR_EDATA, "%s is a %s, who works in every school: only a volunteer is assigned "
				  "schools or classes", clean, role);
	return CR_OK;
}

enum cr_status assign_set(struct cr_db *db, long long actor, const char *desk, const char *name, const char *school,
			  const char *klass, int remove, struct cr_err *err)
{
	long long staff = 0, object = 0;
	enum cr_status s;
	sqlite3_stmt *st;
	int rc;

	if (!school == !klass)
		return cr_fail(err, CR_EUSAGE, "assign one thing at a time: --school NAME|ID or --class CLASS");
	if ((s = db_begin_immediate(db, err)) != CR_OK)
		return s;
	if ((s = perm_check(db, actor, PERM_STAFF, err)) != CR_OK ||
	    (s = assign_volunteer(db, name, &staff, err)) != CR_OK)
		goto fail;
	if (school)
		s = classes_school(db, school, &object, err);
	else
		s = classes_resolve(db, klass, &object, NULL, 0, err);
	if (s != CR_OK)
		goto fail;
	if (remove)
		st = db_prepare(db, school ? "DELETE FROM staff_assignment WHERE staff_id = ?1 AND school_id = ?2"
				: "DELETE FROM staff_assignment WHERE staff_id = ?1 AND class_id = ?2", err);
	else
		st = db_prepare(db, school ? "INSERT OR IGNORE INTO staff_assignment (staff_id, school_id) VALUES (?1, ?2)"
				: "INSERT OR IGNORE INTO staff_assignment (staff_id, class_id) VALUES (?1, ?2)", err);
	if (!st) {
		s = err ? err->status : CR_EINTERNAL;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, staff);
	sqlite3_bind_int64(st, 2, object);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		s = db_fail(db, err, rc, "saving the assignment");
		goto fail;
	}
	if (remove && sqlite3_changes(db_handle(db)) == 0) {
		s = school ? cr_fail(err, CR_ENOMATCH, "%s was not assigned to that school", name)
			   : cr_fail(err, CR_ENOMATCH, "%s was not assigned to that class", name);
		goto fail;
	}
	if ((s = staff_audit(db, actor, desk, remove ? "staff-unassign" : "staff-assign", school ? "school" : "class",
			     object, NULL, err)) != CR_OK)
		goto fail;
	return db_commit(db, err);
fail:
	db_rollback(db);
	return s;
}

enum cr_status assign_each(struct cr_db *db, long long staff,
			   int (*fn)(const char *kind, const char *sid, const char *label, void *ctx), void *ctx,
			   struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT 'school', s.sourced_id, s.name FROM staff_assignment a JOIN school s ON s.id = a.school_id "
		"WHERE a.staff_id = ?1 UNION ALL "
		"SELECT 'class', c.sourced_id, c.title FROM staff_assignment a JOIN class c ON c.id = a.class_id "
		"WHERE a.staff_id = ?1 ORDER BY 1 DESC, 3", err);
	int rc;

	if (!st)
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_int64(st, 1, staff);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
		       (const char *)sqlite3_column_text(st, 2), ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading assignments");
	return CR_OK;
}
