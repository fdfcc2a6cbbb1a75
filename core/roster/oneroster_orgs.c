/* oneroster_orgs: the row handlers of the files read before users.csv: orgs
 * (schools), academicSessions (terms), classes, roles (1.2) and demographics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oneroster_int.h"

/* ---- orgs ---------------------------------------------------------------------- */

enum cr_status or_orgs_row(struct imp *im, struct row *r)
{
	const char *sid = or_row_id(r, "sourcedId");
	const char *type = or_row_raw(r, "type", NULL);
	const char *name, *ident;
	int status = or_row_status(r);
	sqlite3_stmt *st;
	struct idmap_entry *e;
	int rc;

	if (r->bad || status < 0)
		return CR_OK;
	if (!*sid) {
		imp_issue(im, r->hd->spec->name, r->rec->line, "sourcedId", 1, "sourcedId is empty; skipped");
		return CR_OK;
	}
	if (!strcasecmp(type, "district") || !strcasecmp(type, "state") || !strcasecmp(type, "national")) {
		/* The district row was read before (oneroster_district.c, with
		 * its text cleaned); what the cleaning removed is said here, at
		 * its line, as for any other row. */
		if (!strcasecmp(type, "district")) {
			or_row_text(r, "name");
			or_row_text(r, "identifier");
			if (!r->bad)
				or_row_report_cleaning(r);
		}
		return CR_OK;
	}
	if (im->plain && (e = or_map_lookup(im->schools, sid)) != NULL && (e->flags & SF_SEEN))
		return CR_OK;    /* a plain CSV names the school on every row */
	name = or_row_text(r, "name");
	ident = or_row_text(r, "identifier");
	if (r->bad)
		return CR_OK;
	or_row_report_cleaning(r);
	if (!*name) {
		imp_issue(im, r->hd->spec->name, r->rec->line, "name", 0, "the school has no name; its sourcedId is shown instead");
		name = sid;
	}
	st = db_prepare(im->db,
		"INSERT INTO school (district_id, sourced_id, name, identifier, status, seen_run) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
		"ON CONFLICT (district_id, sourced_id) DO UPDATE SET name = excluded.name, "
		" identifier = excluded.identifier, status = excluded.status, seen_run = excluded.seen_run "
		"RETURNING id", im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
	imp_bind_text(st, 4, ident);
	sqlite3_bind_text(st, 5, status ? "withdrawn" : "active", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, im->run_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(im->db, im->err, rc, "saving a school");
	}
	e = idmap_put(im->schools, idmap_hash(sid, strlen(sid)), NULL);
	if (e) {
		e->rowid = (uint32_t)sqlite3_column_int64(st, 0);
		e->flags |= SF_SEEN;
	}
	sqlite3_reset(st);
	return e ? CR_OK : cr_fail(im->err, CR_ENOMEM, "out of memory");
}

/* ---- academic sessions ------------------------------------------------------------------ */

enum cr_status or_sessions_row(struct imp *im, struct row *r)
{
	const char *sid = or_row_id(r, "sourcedId");
	const char *title = or_row_text(r, "title");
	int status = or_row_status(r);
	sqlite3_stmt *st;

	if (r->bad || status < 0 || !*sid)
		return CR_OK;
	or_row_report_cleaning(r);
	st = db_prepare(im->db,
		"INSERT INTO term (district_id, sourced_id, title, type, start_date, end_date, school_year, status, seen_run) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
		"ON CONFLICT (district_id, sourced_id) DO UPDATE SET title = excluded.title, type = excluded.type, "
		" start_date = excluded.start_date, end_date = excluded.end_date, "
		" school_year = excluded.school_year, status = excluded.status, seen_run = excluded.seen_run",
		im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, *title ? title : sid, -1, SQLITE_TRANSIENT);
	imp_bind_text(st, 4, or_row_raw(r, "type", NULL));
	imp_bind_text(st, 5, or_row_raw(r, "startDate", NULL));
	imp_bind_text(st, 6, or_row_raw(r, "endDate", NULL));
	imp_bind_text(st, 7, or_row_raw(r, "schoolYear", NULL));
	sqlite3_bind_text(st, 8, status ? "withdrawn" : "active", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, im->run_id);
	return imp_step_done(im, st, "saving a term");
}

/* ---- classes ---------------------------------------------------------------------------- */

/* Saves one class (insert or update) and remembers its row. */
enum cr_status or_class_save(struct imp *im, struct row *r, const struct class_in *c)
{
	long long school = 0;
	sqlite3_stmt *st;
	struct idmap_entry *e;
	int rc;

	if (*c->school_sid && (school = or_school_row_id(im, c->school_sid)) <= 0) {
		imp_issue(im, r->hd->spec->name, r->rec->line, "schoolSourcedId", 0,
			  "schoolSourcedId names no school in orgs.csv; the class is kept without a school");
		school = 0;
	}
	st = db_prepare(im->db,
		"INSERT INTO class (district_id, sourced_id, school_id, title, class_code, grades, periods, "
		" term_ids, status, seen_run, teacher) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
		"ON CONFLICT (district_id, sourced_id) DO UPDATE SET school_id = excluded.school_id, "
		" title = excluded.title, class_code = excluded.class_code, grades = excluded.grades, "
		" periods = excluded.periods, term_ids = excluded.term_ids, status = excluded.status, "
		" seen_run = excluded.seen_run, teacher = coalesce(excluded.teacher, teacher) RETURNING id",
		im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, c->sid, -1, SQLITE_TRANSIENT);
	if (school > 0)
		sqlite3_bind_int64(st, 3, school);
	sqlite3_bind_text(st, 4, *c->title ? c->title : (*c->code ? c->code : c->sid), -1, SQLITE_TRANSIENT);
	imp_bind_text(st, 5, c->code);
	imp_bind_text(st, 6, c->grades);
	imp_bind_text(st, 7, c->periods);
	imp_bind_text(st, 8, c->terms);
	sqlite3_bind_text(st, 9, c->status ? "withdrawn" : "active", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, im->run_id);
	imp_bind_text(st, 11, c->teacher);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(im->db, im->err, rc, "saving a class");
	}
	e = idmap_put(im->classes, idmap_hash(c->sid, strlen(c->sid)), NULL);
	if (e) {
		e->rowid = (uint32_t)sqlite3_column_int64(st, 0);
		e->extra = or_school_slot(im, school);
		e->flags |= SF_SEEN | SF_SLOT;
	}
	sqlite3_reset(st);
	im->sum->classes++;
	return e ? CR_OK : cr_fail(im->err, CR_ENOMEM, "out of memory");
}

enum cr_status or_classes_row(struct imp *im, struct row *r)
{
	struct class_in c = {
		.sid = or_row_id(r, "sourcedId"),
		.school_sid = or_row_id(r, "schoolSourcedId"),
		.title = or_row_text(r, "title"),
		.code = or_row_text(r, "classCode"),
		.grades = or_row_text(r, "grades"),
		.periods = or_row_text(r, "periods"),
		.terms = or_row_raw(r, "termSourcedIds", NULL),
		.teacher = "",
		.status = or_row_status(r),
	};

	if (r->bad || c.status < 0)
		return CR_OK;
	if (!*c.sid) {
		imp_issue(im, r->hd->spec->name, r->rec->line, "sourcedId", 1, "sourcedId is empty; skipped");
		return CR_OK;
	}
	or_row_report_cleaning(r);
	return or_class_save(im, r, &c);
}

/* ---- roles (1.2) --------------------------------------------------------------------------- */

enum cr_status or_roles_row(struct imp *im, struct row *r)
{
	const char *user = or_row_id(r, "userSourcedId");
	const char *role = or_row_raw(r, "role", NULL);
	struct idmap_entry *e;

	if (r->bad || !*user)
		return CR_OK;
	e = idmap_put(im->roles, idmap_hash(user, strlen(user)), NULL);
	if (!e)
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	e->flags |= SF_ROLES;
	if (!strcasecmp(role, "student"))
		e->flags |= SF_STUDENT;
	return CR_OK;
}

/* ---- demographics --------------------------------------------------------------------------- */

enum cr_status or_demographics_row(struct imp *im, struct row *r)
{
	const char *sid = or_row_id(r, "sourcedId");
	int days, status = or_row_status(r);
	struct idmap_entry *e;
	sqlite3_stmt *st;
	char date[16];

	if (r->bad || status != 0 || !*sid)
		return CR_OK;
	days = or_row_birth_date(r, "birthDate");
	if (days < 0)
		return CR_OK;
	if (im->students) {
		/* Bulk: kept in the map until users.csv writes the student. */
		e = idmap_put(im->students, idmap_hash(sid, strlen(sid)), NULL);
		if (!e)
			return cr_fail(im->err, CR_ENOMEM, "out of memory");
		e->extra = (uint16_t)days;
		e->flags |= SF_BDATE;
		return CR_OK;
	}
	/* Delta: users.csv was applied first; update the student directly,
	 * by row when users.csv named them. */
	or_civil_from_days(days, date);
	if ((e = or_map_lookup(im->delta_students, sid)) != NULL) {
		st = db_prepare(im->db, "UPDATE student SET birth_date = ?2 WHERE id = ?1 "
				"AND birth_date IS NOT ?2", im->err);
		if (!st)
			return im->err->status;
		sqlite3_bind_int64(st, 1, e->rowid);
		sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
		return imp_step_done(im, st, "saving a birth date");
	}
	st = db_prepare(im->db,
		"UPDATE student SET birth_date = ?3 WHERE id = " OR_SID_ROWID("?4") " AND birth_date IS NOT ?3",
		im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, or_sid_key(sid));
	return imp_step_done(im, st, "saving a birth date");
}
