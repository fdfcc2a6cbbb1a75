/* oneroster_enrollments: enrollments.csv: a student in a class (with
 * enrollment_away across schools), a teacher's name on a class, and moves. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oneroster_int.h"

/* ---- enrollments ------------------------------------------------------------------------- */

/* A child who moved school: which of their classes are "away" changes. */
static enum cr_status enrollment_rehome(struct imp *im, long long student_id)
{
	sqlite3_stmt *st = db_prepare(im->db,
		"DELETE FROM enrollment_away WHERE student_id = ?1", im->err);
	enum cr_status s;

	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, student_id);
	if ((s = imp_step_done(im, st, "moving enrollments")) != CR_OK)
		return s;
	st = db_prepare(im->db,
		"INSERT INTO enrollment_away (class_id, student_id) "
		"SELECT e.class_id, e.student_id FROM enrollment e JOIN class c ON c.id = e.class_id "
		"JOIN student s ON s.id = e.student_id "
		"WHERE e.student_id = ?1 AND c.school_id IS NOT s.school_id", im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, student_id);
	return imp_step_done(im, st, "moving enrollments");
}

/* Moves are rehomed after the enrollments file has been applied: most of a
 * moved child's enrollments change in it anyway, and their pages are then
 * already in memory. */
enum cr_status or_rehome_later(struct imp *im, long long student_id)
{
	if (im->nmoved == im->cap_moved) {
		size_t cap = im->cap_moved ? im->cap_moved * 2 : 256;
		long long *n = realloc(im->moved, cap * sizeof *n);

		if (!n)
			return cr_fail(im->err, CR_ENOMEM, "out of memory");
		im->moved = n;
		im->cap_moved = cap;
	}
	im->moved[im->nmoved++] = student_id;
	return CR_OK;
}

enum cr_status or_rehome_moved(struct imp *im)
{
	enum cr_status st = CR_OK;

	for (size_t i = 0; i < im->nmoved && st == CR_OK; i++)
		st = enrollment_rehome(im, im->moved[i]);
	im->nmoved = 0;
	return st;
}

/* Adds (or with remove, deletes) one enrollment, keeping enrollment_away
 * for a child in a class of another school. Returns 1 when a row changed. */
int or_enrollment_apply(struct imp *im, long long class_id, uint16_t cslot, long long student_id,
			uint16_t sslot, int remove, enum cr_status *stp)
{
	int known = cslot != SLOT_UNKNOWN && sslot != SLOT_UNKNOWN;
	sqlite3_stmt *st;
	int changed;

	st = db_prepare(im->db, remove
		? "DELETE FROM enrollment WHERE student_id = ?1 AND class_id = ?2"
		: "INSERT OR IGNORE INTO enrollment (student_id, class_id) VALUES (?1, ?2)", im->err);
	if (!st || (sqlite3_bind_int64(st, 1, student_id), sqlite3_bind_int64(st, 2, class_id),
		    (*stp = imp_step_done(im, st, "saving an enrollment")) != CR_OK)) {
		if (!st)
			*stp = im->err->status;
		return 0;
	}
	changed = sqlite3_changes(im->h) > 0;
	if (!changed || (known && cslot == sslot))
		return changed;
	if (remove)
		st = db_prepare(im->db, "DELETE FROM enrollment_away WHERE class_id = ?1 AND student_id = ?2",
				im->err);
	else if (known)
		st = db_prepare(im->db, "INSERT OR IGNORE INTO enrollment_away (class_id, student_id) "
				"VALUES (?1, ?2)", im->err);
	else
		st = db_prepare(im->db, "INSERT OR IGNORE INTO enrollment_away (class_id, student_id) "
				"SELECT ?1, ?2 WHERE (SELECT school_id FROM class WHERE id = ?1) IS NOT "
				"(SELECT school_id FROM student WHERE id = ?2)", im->err);
	if (!st) {
		*stp = im->err->status;
		return changed;
	}
	sqlite3_bind_int64(st, 1, class_id);
	sqlite3_bind_int64(st, 2, student_id);
	*stp = imp_step_done(im, st, "saving an enrollment");
	return changed;
}

static enum cr_status enrollment_teacher(struct imp *im, struct row *r, long long class_id,
					 const char *user)
{
	struct idmap_entry *t = or_map_lookup(im->teachers, user);
	int primary = or_is_true(or_row_raw(r, "primary", NULL));
	sqlite3_stmt *st;

	if (!t)
		return CR_OK;
	st = db_prepare(im->db,
		"UPDATE class SET teacher = ?2 WHERE id = ?1 AND (?3 OR teacher IS NULL) "
		"AND teacher IS NOT ?2", im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, class_id);
	sqlite3_bind_text(st, 2, im->teacher_names + t->rowid - 1, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, primary);
	return imp_step_done(im, st, "labelling a class");
}

enum cr_status or_enrollments_row(struct imp *im, struct row *r)
{
	const char *fname = r->hd->spec->name;
	const char *cls = or_row_id(r, "classSourcedId");
	const char *user = or_row_id(r, "userSourcedId");
	const char *role = or_row_raw(r, "role", NULL);
	int status = or_row_status(r);
	long long class_id, student_id;
	uint16_t cslot, sslot;
	enum cr_status s = CR_OK;
	int changed;

	if (r->bad || status < 0)
		return CR_OK;
	if (!*cls || !*user) {
		imp_issue(im, fname, r->rec->line, *cls ? "userSourcedId" : "classSourcedId", 1,
			  "%s is empty; skipped", *cls ? "userSourcedId" : "classSourcedId");
		return CR_OK;
	}
	class_id = or_class_row_id(im, cls, &cslot);
	if (class_id <= 0) {
		imp_issue(im, fname, r->rec->line, "classSourcedId", 1,
			  "classSourcedId names no class in this roster; skipped");
		return CR_OK;
	}
	if (strcasecmp(role, "student") != 0) {
		if (!strcasecmp(role, "teacher") && status == 0 && im->teachers)
			return enrollment_teacher(im, r, class_id, user);
		return CR_OK;
	}
	student_id = or_student_row_id(im, user, &sslot);
	if (student_id <= 0 && im->students && or_map_lookup(im->students, user) &&
	    (or_map_lookup(im->students, user)->flags & SF_REJECTED)) {
		imp_issue(im, fname, r->rec->line, "userSourcedId", 1,
			  "the student's row in users.csv was rejected; enrollment skipped");
		return CR_OK;
	}
	if (student_id <= 0) {
		imp_issue(im, fname, r->rec->line, "userSourcedId", 1,
			  "userSourcedId names no student in this roster; skipped");
		return CR_OK;
	}
	changed = or_enrollment_apply(im, class_id, cslot, student_id, sslot, status == 1, &s);
	if (s != CR_OK || status == 1)
		return s;
	/* A bulk starts from no enrollments, so a row already there came
	 * earlier in this file; in a delta it is simply already known. */
	if (changed)
		im->sum->enrollments++;
	else if (im->mode[F_ENROLLMENTS] == MODE_BULK)
		imp_issue(im, fname, r->rec->line, "", 0, "the same enrollment appears earlier; ignored");
	return CR_OK;
}

/* A bulk enrollments file is the whole truth: start from none. */
enum cr_status or_enrollments_clear(struct imp *im)
{
	enum cr_status st = or_bulk_withdraw(im,
		"DELETE FROM enrollment WHERE ?2 IS NOT NULL AND student_id IN "
		"(SELECT id FROM student WHERE district_id = ?1)", "clearing the old enrollments");

	if (st == CR_OK)
		st = or_bulk_withdraw(im, "DELETE FROM enrollment_away WHERE ?2 IS NOT NULL AND class_id IN "
				      "(SELECT id FROM class WHERE district_id = ?1)", "clearing the old enrollments");
	return st;
}
