/* oneroster_users: users.csv: students (inserted, updated, withdrawn, their
 * search names) and teachers (remembered to label their classes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oneroster_int.h"
#include "text/names.h"

/* ---- users --------------------------------------------------------------------------------- */

/* The district student ID: identifier, else the SIS entry of userIds
 * ("{SIS:12345},{StateID:999}"). */
static void student_number(struct row *r, char *buf, size_t len)
{
	const char *id = or_row_text(r, "identifier");
	const char *ids, *p;

	buf[0] = '\0';
	if (*id) {
		snprintf(buf, len, "%s", id);
		return;
	}
	ids = or_row_raw(r, "userIds", NULL);
	for (p = ids; (p = strchr(p, '{')) != NULL; p++) {
		if (strncasecmp(p + 1, "SIS:", 4) == 0) {
			size_t n = strcspn(p + 5, "}");

			if (n > 0 && n < len) {
				memcpy(buf, p + 5, n);
				buf[n] = '\0';
			}
			return;
		}
	}
}

static void teacher_remember(struct imp *im, const char *sid, const char *given, const char *family)
{
	size_t need = strlen(given) + strlen(family) + 2;
	struct idmap_entry *e;

	if (im->teacher_len + need > im->teacher_cap) {
		size_t cap = im->teacher_cap ? im->teacher_cap * 2 : 65536;
		char *n;

		while (cap < im->teacher_len + need)
			cap *= 2;
		if (cap > UINT32_MAX || !(n = realloc(im->teacher_names, cap)))
			return;
		im->teacher_names = n;
		im->teacher_cap = cap;
	}
	e = idmap_put(im->teachers, idmap_hash(sid, strlen(sid)), NULL);
	if (!e)
		return;
	e->rowid = (uint32_t)im->teacher_len + 1;
	im->teacher_len += (size_t)snprintf(im->teacher_names + im->teacher_len, need, "%s%s%s",
					    given, *given ? " " : "", family) + 1;
}

/* SQL or markup in a name: harmless here (every value is bound, every
 * screen makes text inert), but a sign that the export went wrong. */
static int name_looks_like_code(const char *s)
{
	static const char *const marks[] = {
		"--", ";", "/*", "drop table", "select ", "insert into", "delete from", "update ",
		" or 1=1", "' or '", "<script", "</", "${", NULL,
	};
	char low[256];
	size_t n = 0;

	for (; s[n] && n + 1 < sizeof low; n++)
		low[n] = (char)((s[n] >= 'A' && s[n] <= 'Z') ? s[n] + 32 : s[n]);
	low[n] = '\0';
	for (int i = 0; marks[i]; i++)
		if (strstr(low, marks[i]))
			return 1;
	return 0;
}

/* Characters, not bytes, for what a person reads. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* student.status_code by student_in.status (0 active, 1 inactive, 2 withdrawn). */
static const char status_codes[][2] = { "a", "i", "w" };

struct student_in {
	const char *sid, *given, *family, *preferred, *modified;
	char        number[128];
	char        grade[8];
	char        birth[16];
	long long   school;
	int         status;      /* 0 active, 1 inactive, 2 withdrawn */
	int         optout;
	int         has_birth;   /* demographics supplied a date (bulk) */
};

static char *student_fold(const struct student_in *s)
{
	return names_index_fold(s->given, s->family, s->preferred);
}

static enum cr_status student_insert(struct imp *im, const struct student_in *s, const char *fold,
				     long long *rowid)
{
	sqlite3_stmt *st;
	int rc, delta = im->mode[F_USERS] == MODE_DELTA;

	/* A delta's new child goes to tier 1 (migration 0011), whose unique
	 * index does not see tier 0: a key shared with a child there is
	 * refused here, as the one index refused it before. */
	if (delta) {
		if (!(st = db_prepare(im->db, "SELECT 1 FROM student WHERE district_id = ?1 AND sid_key = ?2 "
				      "AND sid_tier = 0", im->err)))
			return im->err->status;
		sqlite3_bind_int64(st, 1, im->district_id);
		sqlite3_bind_int64(st, 2, or_sid_key(s->sid));
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_ROW) {
			*rowid = 0;
			return CR_EDATA;
		}
		if (rc != SQLITE_DONE)
			return db_fail(im->db, im->err, rc, "saving a student");
	}
	st = db_prepare(im->db,
		"INSERT INTO student (district_id, sourced_id, student_number, given_name, family_name, "
		" preferred_name, grade, school_id, birth_date, directory_optout, status_code, name_fold, "
		" seen_run, sid_key, sid_tier) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?14, ?16, ?17)", im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, s->sid, -1, SQLITE_STATIC);
	imp_bind_text(st, 3, s->number);
	sqlite3_bind_text(st, 4, s->given, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, s->family, -1, SQLITE_STATIC);
	imp_bind_text(st, 6, s->preferred);
	imp_bind_text(st, 7, s->grade);
	if (s->school > 0)
		sqlite3_bind_int64(st, 8, s->school);
	if (s->has_birth)
		sqlite3_bind_text(st, 9, s->birth, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, s->optout);
	sqlite3_bind_text(st, 11, status_codes[s->status], 1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, fold, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, im->run_id);
	sqlite3_bind_int64(st, 16, or_sid_key(s->sid));
	sqlite3_bind_int(st, 17, delta);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT) {
		/* Two sourcedIds with one 64-bit hash: about one district in a
		 * hundred million. Refused, not mixed up. */
		*rowid = 0;
		return CR_EDATA;
	}
	if (rc != SQLITE_DONE)
		return db_fail(im->db, im->err, rc, "saving a student");
	*rowid = sqlite3_last_insert_rowid(im->h);
	im->sum->added++;
	return CR_OK;
}

/* Updates in place (a rename or a move keeps the row, so cards and history
 * stay with the child). Counts updated or unchanged. keep_birth: the
 * package carried no birth date for this child; the stored one stays.
 *
 * SQLite rewrites the entry of every index whose column an UPDATE sets, even
 * to the same value. In a delta (the indexes are live) the indexed columns
 * (student_number: student_by_number; school_id and status_code:
 * student_by_school) are therefore set by statements of their own, only when
 * they change: a rename then leaves both indexes alone. The first statement
 * keeps the whole comparison, so it alone says whether the row changed. */
static enum cr_status student_update(struct imp *im, long long rowid, const struct student_in *s,
				     const char *fold, int was_withdrawn)
{
	int split = im->mode[F_USERS] == MODE_DELTA;
	sqlite3_stmt *st = db_prepare(im->db, split
		? "UPDATE student SET given_name = ?3, family_name = ?4, "
		  " preferred_name = ?5, grade = ?6, "
		  " birth_date = CASE WHEN ?14 THEN ?8 ELSE birth_date END, directory_optout = ?9, "
		  " name_fold = ?11, seen_run = ?13 "
		  "WHERE id = ?1 AND (student_number IS NOT ?2 OR given_name IS NOT ?3 OR family_name IS NOT ?4 "
		  " OR preferred_name IS NOT ?5 OR grade IS NOT ?6 OR school_id IS NOT ?7 "
		  " OR (?14 AND birth_date IS NOT ?8) OR directory_optout IS NOT ?9 OR status_code IS NOT ?10)"
		: "UPDATE student SET student_number = ?2, given_name = ?3, family_name = ?4, "
		  " preferred_name = ?5, grade = ?6, school_id = ?7, "
		  " birth_date = CASE WHEN ?14 THEN ?8 ELSE birth_date END, directory_optout = ?9, "
		  " status_code = ?10, name_fold = ?11, seen_run = ?13 "
		  "WHERE id = ?1 AND (student_number IS NOT ?2 OR given_name IS NOT ?3 OR family_name IS NOT ?4 "
		  " OR preferred_name IS NOT ?5 OR grade IS NOT ?6 OR school_id IS NOT ?7 "
		  " OR (?14 AND birth_date IS NOT ?8) OR directory_optout IS NOT ?9 OR status_code IS NOT ?10)",
		im->err);
	int rc, changed;

	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, rowid);
	imp_bind_text(st, 2, s->number);
	sqlite3_bind_text(st, 3, s->given, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->family, -1, SQLITE_STATIC);
	imp_bind_text(st, 5, s->preferred);
	imp_bind_text(st, 6, s->grade);
	if (s->school > 0)
		sqlite3_bind_int64(st, 7, s->school);
	if (s->has_birth)
		sqlite3_bind_text(st, 8, s->birth, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, s->optout);
	sqlite3_bind_text(st, 10, status_codes[s->status], 1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, fold, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 13, im->run_id);
	sqlite3_bind_int(st, 14, s->has_birth);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(im->db, im->err, rc, "updating a student");
	changed = sqlite3_changes(im->h) > 0;
	if (split && changed) {
		enum cr_status es;

		st = db_prepare(im->db, "UPDATE student SET student_number = ?2 "
				"WHERE id = ?1 AND student_number IS NOT ?2", im->err);
		if (!st)
			return im->err->status;
		sqlite3_bind_int64(st, 1, rowid);
		imp_bind_text(st, 2, s->number);
		if ((es = imp_step_done(im, st, "updating a student")) != CR_OK)
			return es;
		st = db_prepare(im->db, "UPDATE student SET school_id = ?2, status_code = ?3 "
				"WHERE id = ?1 AND (school_id IS NOT ?2 OR status_code IS NOT ?3)", im->err);
		if (!st)
			return im->err->status;
		sqlite3_bind_int64(st, 1, rowid);
		if (s->school > 0)
			sqlite3_bind_int64(st, 2, s->school);
		sqlite3_bind_text(st, 3, status_codes[s->status], 1, SQLITE_STATIC);
		if ((es = imp_step_done(im, st, "updating a student")) != CR_OK)
			return es;
	}
	if (!changed)
		im->sum->unchanged++;
	else if (s->status == 2 && !was_withdrawn)
		im->sum->withdrawn++;
	else
		im->sum->updated++;
	return CR_OK;
}

/* Keeps the row's dateLastModified (when it has one) for the next delta. */
static enum cr_status student_modified(struct imp *im, long long rowid, const char *modified)
{
	sqlite3_stmt *st;

	if (!modified || !*modified || rowid <= 0)
		return CR_OK;
	st = db_prepare(im->db, "INSERT OR REPLACE INTO student_modified (student_id, modified_at) "
			"VALUES (?1, ?2)", im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, rowid);
	sqlite3_bind_text(st, 2, modified, -1, SQLITE_TRANSIENT);
	return imp_step_done(im, st, "saving a change date");
}

static enum cr_status student_collision(struct imp *im, const char *fname, long line)
{
	imp_issue(im, fname, line, "sourcedId", 1,
		  "this sourcedId shares its internal key with another student's (a one in "
		  "billions chance); the row is skipped, please report it");
	return CR_OK;
}

/* The student's school: the first of orgSourcedIds (1.1) or
 * primaryOrgSourcedId (1.2) that is a school of this district. */
static long long student_school(struct imp *im, struct row *r)
{
	const char *primary = or_row_raw(r, "primaryOrgSourcedId", NULL);
	const char *orgs = or_row_raw(r, "orgSourcedIds", NULL);
	char one[256];
	long long id;

	if (*primary && (id = or_school_row_id(im, primary)) > 0)
		return id;
	while (*orgs) {
		size_t n = strcspn(orgs, ",");
		const char *p = orgs;

		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
		if (n > 0 && n < sizeof one) {
			memcpy(one, p, n);
			one[n] = '\0';
			while (n > 0 && one[n - 1] == ' ')
				one[--n] = '\0';
			if ((id = or_school_row_id(im, one)) > 0)
				return id;
		}
		orgs += strcspn(orgs, ",");
		if (*orgs == ',')
			orgs++;
	}
	return 0;
}

/* The directory opt-out flag from a metadata column, when the file has one. */
static int student_optout(struct row *r)
{
	int c = r->hd->optout_col;

	return c >= 0 && (size_t)c < r->rec->nfields && or_is_true(r->rec->field[c]);
}

/* Delta: the stored row, its last dateLastModified and whether withdrawn. */
static long long student_find(struct imp *im, const char *sid, char *modified, size_t len,
				int *withdrawn, char **old_fold, long long *school)
{
	sqlite3_stmt *st = db_prepare(im->db,
		"SELECT s.id, coalesce(m.modified_at, ''), s.status_code, s.name_fold, coalesce(s.school_id, 0) "
		"FROM student s LEFT JOIN student_modified m ON m.student_id = s.id "
		"WHERE s.id = " OR_SID_ROWID("?3"), NULL);
	long long id = 0;

	modified[0] = '\0';
	*withdrawn = 0;
	*old_fold = NULL;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, or_sid_key(sid));
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		snprintf(modified, len, "%s", sqlite3_column_text(st, 1));
		*withdrawn = sqlite3_column_text(st, 2)[0] == 'w';
		*old_fold = strdup((const char *)sqlite3_column_text(st, 3));
		*school = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	return id;
}

/* ---- search index in a delta ------------------------------------------------------------
 * FTS5 flushes its pending terms at every statement savepoint, so a trigger
 * that touches the index once per row writes a tiny segment per row. A delta
 * notes the changed names instead and applies them in two statements. */

static enum cr_status fts_note(struct imp *im, long long id, const char *old_fold)
{
	sqlite3_stmt *st;
	enum cr_status s;

	if (old_fold) {
		st = db_prepare(im->db, "INSERT OR IGNORE INTO temp.fts_old (id, fold) VALUES (?1, ?2)", im->err);
		if (!st)
			return im->err->status;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, old_fold, -1, SQLITE_TRANSIENT);
		if ((s = imp_step_done(im, st, "noting a name change")) != CR_OK)
			return s;
	}
	st = db_prepare(im->db, "INSERT OR IGNORE INTO temp.fts_new (id) VALUES (?1)", im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, id);
	return imp_step_done(im, st, "noting a name change");
}

enum cr_status or_fts_delta_begin(struct imp *im)
{
	return db_exec(im->db,
		"CREATE TEMP TABLE IF NOT EXISTS fts_old (id INTEGER PRIMARY KEY, fold TEXT NOT NULL);"
		"CREATE TEMP TABLE IF NOT EXISTS fts_new (id INTEGER PRIMARY KEY);"
		"DELETE FROM temp.fts_old; DELETE FROM temp.fts_new;", im->err);
}

enum cr_status or_fts_delta_apply(struct imp *im)
{
	return db_exec(im->db,
		"INSERT INTO student_fts (student_fts, rowid, name_fold) "
		" SELECT 'delete', id, fold FROM temp.fts_old;"
		"INSERT INTO student_fts (rowid, name_fold) "
		" SELECT s.id, s.name_fold FROM temp.fts_new n JOIN student s ON s.id = n.id;"
		"DELETE FROM temp.fts_old; DELETE FROM temp.fts_new;", im->err);
}

/* 1.1 says the role in users.csv; 1.2 in roles.csv. */
static int user_is_student(struct imp *im, struct row *r)
{
	const char *sid;
	struct idmap_entry *e;

	if (im->plain)
		return 1;
	if (or_col_index(r->hd, "role") >= 0)
		return !strcasecmp(or_row_raw(r, "role", NULL), "student");
	sid = or_row_raw(r, "sourcedId", NULL);
	e = im->roles ? or_map_lookup(im->roles, sid) : NULL;
	return e && (e->flags & SF_STUDENT);
}

enum cr_status or_users_row(struct imp *im, struct row *r)
{
	struct student_in s = { 0 };
	const char *fname = r->hd->spec->name;
	long line = r->rec->line;
	int status = or_row_status(r);
	int delta = im->mode[F_USERS] == MODE_DELTA;
	struct idmap_entry *e = NULL;
	enum cr_status st;
	long long rowid = 0;
	char *fold;
	int was_withdrawn = 0;

	s.sid = or_row_id(r, "sourcedId");
	if (r->bad || status < 0)
		goto keep;
	if (!*s.sid) {
		imp_issue(im, fname, line, "sourcedId", 1, "sourcedId is empty; skipped");
		return CR_OK;
	}
	if (im->students)
		e = or_map_lookup(im->students, s.sid);
	if (!user_is_student(im, r)) {
		if (or_col_index(r->hd, "role") >= 0 && !strcasecmp(or_row_raw(r, "role", NULL), "teacher") &&
		    im->teachers) {
			const char *g = or_row_text(r, "givenName"), *f = or_row_text(r, "familyName");

			if (!r->bad)
				teacher_remember(im, s.sid, g, f);
		}
		return CR_OK;
	}
	s.given = or_row_text(r, "givenName");
	s.family = or_row_text(r, "familyName");
	s.preferred = or_row_text(r, "preferredGivenName");
	if (!*s.preferred)
		s.preferred = or_row_text(r, "preferredFirstName");
	/* read before the cleaning is reported, so that an identifier's
	 * removed controls are said too */
	student_number(r, s.number, sizeof s.number);
	if (r->bad)
		goto keep;
	if (!*s.given && !*s.family) {
		imp_issue(im, fname, line, "givenName/familyName", 1, "the student has no name; skipped");
		goto keep;
	}
	or_row_report_cleaning(r);
	if (!*s.given)
		imp_issue(im, fname, line, "givenName", 0, "givenName is empty; imported with the family name only");
	if (!*s.family)
		imp_issue(im, fname, line, "familyName", 0, "familyName is empty; imported with the given name only");
	{
		size_t gl = utf8_chars(s.given), fl = utf8_chars(s.family);

		if (gl > 100 || fl > 100)
			imp_issue(im, fname, line, gl > 100 ? "givenName" : "familyName", 0,
				  "the name is %zu characters long; check the export", gl > 100 ? gl : fl);
	}
	if (name_looks_like_code(s.given) || name_looks_like_code(s.family))
		imp_issue(im, fname, line, name_looks_like_code(s.family) ? "familyName" : "givenName", 0,
			  "the name looks like a database command or script; imported as plain text, check the export");
	if (!strcasecmp(s.given, "null") || !strcasecmp(s.family, "null") ||
	    !strcasecmp(s.given, "undefined") || !strcasecmp(s.family, "n/a"))
		imp_issue(im, fname, line, !strcasecmp(s.family, "null") ? "familyName" : "givenName", 0,
			  "the name is a placeholder word such as NULL; imported as written, check the export");
	if (!s.number[0])
		imp_issue(im, fname, line, "identifier", 0,
			  "no student ID (identifier or userIds SIS); a card scheme built on the student ID "
			  "cannot serve this child");
	or_row_grade(r, s.grade);
	s.school = student_school(im, r);
	if (!s.school)
		imp_issue(im, fname, line, "orgSourcedIds", 0,
			  "names no school of this district; imported without a school");
	s.optout = student_optout(r);
	s.status = status == 1 ? 2 : (or_is_true(or_row_raw(r, "enabledUser", NULL)) ||
				      !*or_row_raw(r, "enabledUser", NULL)) ? 0 : 1;
	s.modified = or_row_raw(r, "dateLastModified", NULL);
	if (e && (e->flags & SF_BDATE)) {
		or_civil_from_days(e->extra, s.birth);
		s.has_birth = 1;
	}
	fold = student_fold(&s);
	if (!fold)
		return cr_fail(im->err, CR_ENOMEM, "out of memory");

	if (delta) {
		char modified[40], *old_fold;
		long long old_school = 0;
		int existed;

		rowid = student_find(im, s.sid, modified, sizeof modified, &was_withdrawn, &old_fold, &old_school);
		existed = rowid > 0;
		if (rowid > 0 && *s.modified && *modified && strcmp(s.modified, modified) < 0) {
			imp_issue(im, fname, line, "dateLastModified", 0,
				  "older than the change already applied for this student; ignored");
			st = CR_OK;
		} else if (rowid > 0) {
			st = student_update(im, rowid, &s, fold, was_withdrawn);
			if (st == CR_OK && old_fold && strcmp(old_fold, fold) != 0)
				st = fts_note(im, rowid, old_fold);
			if (st == CR_OK)
				st = student_modified(im, rowid, s.modified);
		} else if (s.status == 2) {
			imp_issue(im, fname, line, "status", 0,
				  "withdraws a student this roster never had; ignored");
			st = CR_OK;
		} else {
			st = student_insert(im, &s, fold, &rowid);
			if (st == CR_EDATA)
				st = student_collision(im, fname, line);
			else if (st == CR_OK)
				st = fts_note(im, rowid, NULL);
			if (st == CR_OK)
				st = student_modified(im, rowid, s.modified);
		}
		free(old_fold);
		free(fold);
		if (st == CR_OK)
			or_remember(im, im->delta_students, s.sid, rowid, s.school);
		if (st == CR_OK && existed && old_school != s.school && im->mode[F_ENROLLMENTS] != MODE_BULK)
			st = or_rehome_later(im, rowid);
		return st;
	}

	if (!e && !(e = idmap_put(im->students, idmap_hash(s.sid, strlen(s.sid)), NULL))) {
		free(fold);
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	}
	if (e->flags & SF_SEEN) {
		imp_issue(im, fname, line, "sourcedId", 1,
			  "the same student (sourcedId) appears earlier in users.csv; this row is skipped");
		free(fold);
		return CR_OK;
	}
	if (e->flags & SF_EXISTS) {
		long long before = -1;

		/* Without a bulk enrollments file, a move changes which classes
		 * are away from the child's school. */
		if (im->mode[F_ENROLLMENTS] != MODE_BULK)
			before = or_lookup_id(im, "SELECT coalesce(school_id, 0) FROM student WHERE id = ?1 "
					      "AND ?2 IS NOT NULL", e->rowid, "");
		st = student_update(im, e->rowid, &s, fold, (e->flags & SF_WITHDRAWN) != 0);
		if (st == CR_OK && before >= 0 && before != s.school)
			st = or_rehome_later(im, e->rowid);
	} else {
		st = student_insert(im, &s, fold, &rowid);
		if (st == CR_EDATA) {
			free(fold);
			e->flags |= SF_REJECTED;
			return student_collision(im, fname, line);
		}
		if (st == CR_OK && rowid > UINT32_MAX)
			st = cr_fail(im->err, CR_EINTERNAL, "student row numbers have outgrown this importer");
		e->rowid = (uint32_t)rowid;
	}
	if (st == CR_OK && *s.modified)
		st = student_modified(im, e->rowid, s.modified);
	e->flags = (uint16_t)((e->flags | SF_SEEN | SF_SLOT) & ~SF_BDATE);
	e->extra = or_school_slot(im, s.school);
	im->seen_students++;
	free(fold);
	return st;
keep:
	or_users_keep(im, s.sid);
	return CR_OK;
}
