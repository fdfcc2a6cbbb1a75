/* classes: listing classes with their IDs, and naming a class by ID or title. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classes.h"

struct classes_school {
	long long id;
	char     *name, *sid;
};

struct classes_pass {
	const struct classes_school *school;
	classes_fn                  fn;
	void                       *ctx;
	int                         stopped;
};

static int classes_each(const struct roll_class *c, void *ctx)
{
	struct classes_pass *p = ctx;
	struct classes_row row = { .c = c, .school = p->school->name, .school_id = p->school->sid };

	p->stopped = p->fn(&row, p->ctx);
	return p->stopped;
}

enum cr_status classes_list(struct cr_db *db, const char *school, classes_fn fn, void *ctx, struct cr_err *err)
{
	/* The schools first (read whole): each one's classes are a query of
	 * their own. */
	sqlite3_stmt *st = db_prepare(db,
		"SELECT id, name, sourced_id FROM school WHERE ?1 IS NULL OR sourced_id = ?1 "
		" OR identifier = ?1 OR lower(name) = lower(?1) ORDER BY name, id", err);
	struct classes_school *schools = NULL;
	size_t n = 0, cap = 0;
	enum cr_status s = CR_OK;
	int rc;

	if (!st)
		return err->status;
	if (school)
		sqlite3_bind_text(st, 1, school, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 1), *sid = sqlite3_column_text(st, 2);

		if (n == cap) {
			size_t c2 = cap ? cap * 2 : 8;
			struct classes_school *s2 = realloc(schools, c2 * sizeof *s2);

			if (!s2) {
				s = cr_fail(err, CR_ENOMEM, "out of memory");
				break;
			}
			schools = s2;
			cap = c2;
		}
		schools[n].id = sqlite3_column_int64(st, 0);
		schools[n].name = strdup(name ? (const char *)name : "");
		schools[n].sid = strdup(sid ? (const char *)sid : "");
		n++;
		if (!schools[n - 1].name || !schools[n - 1].sid) {
			s = cr_fail(err, CR_ENOMEM, "out of memory");
			break;
		}
	}
	sqlite3_reset(st);
	if (s == CR_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = db_fail(db, err, rc, "reading the schools");
	if (s == CR_OK && school && n == 0)
		s = cr_fail(err, CR_ENOINPUT, "no school '%.200s' in the roster (give its name or ID)", school);
	for (size_t i = 0; i < n && s == CR_OK; i++) {
		struct classes_pass p = { .school = &schools[i], .fn = fn, .ctx = ctx };

		s = roll_classes(db, schools[i].id, classes_each, &p, err);
		if (p.stopped)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		free(schools[i].name);
		free(schools[i].sid);
	}
	free(schools);
	return s;
}

static void classes_copy(char *sid, size_t sidlen, const unsigned char *t)
{
	if (sid && sidlen)
		snprintf(sid, sidlen, "%s", t ? (const char *)t : "");
}

enum cr_status classes_resolve(struct cr_db *db, const char *what, long long *class_id, char *sid, size_t sidlen,
			       struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT id, sourced_id FROM class WHERE sourced_id = ?1 LIMIT 2", err);
	char list[400] = "";
	size_t used = 0;
	int found = 0, rc;

	*class_id = 0;
	if (!st)
		return err->status;
	sqlite3_bind_text(st, 1, what, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*class_id = sqlite3_column_int64(st, 0);
		classes_copy(sid, sidlen, sqlite3_column_text(st, 1));
		found++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(db, err, rc, "reading the classes");
	if (found > 1)
		return cr_fail(err, CR_EDATA, "class %.200s is in more than one district's roster", what);
	if (found == 1)
		return CR_OK;

	/* Not an ID: a title, when one active class has it. */
	st = db_prepare(db,
		"SELECT c.id, c.sourced_id, coalesce(s.name, '') FROM class c LEFT JOIN school s ON s.id = c.school_id "
		"WHERE c.status = 'active' AND (c.title = ?1 OR lower(c.title) = lower(?1)) ORDER BY s.name, c.sourced_id",
		err);
	if (!st)
		return err->status;
	sqlite3_bind_text(st, 1, what, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *id = sqlite3_column_text(st, 1), *school = sqlite3_column_text(st, 2);
		int w;

		if (++found == 1) {
			*class_id = sqlite3_column_int64(st, 0);
			classes_copy(sid, sidlen, id);
		}
		if (used < sizeof list) {
			w = snprintf(list + used, sizeof list - used, "%s%s (%s)", used ? ", " : "",
				     id ? (const char *)id : "", school ? (const char *)school : "");
			used += w > 0 ? (size_t)w : 0;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading the classes");
	if (found == 0)
		return cr_fail(err, CR_ENOINPUT, "no class with the ID or name '%.200s' in the roster "
			       "(`cardroll classes` lists them)", what);
	if (found > 1) {
		*class_id = 0;
		if (sid && sidlen)
			sid[0] = '\0';
		return cr_fail(err, CR_EDATA, "%d classes are named '%.100s': give the class ID of one: %s%s", found,
			       what, list, used >= sizeof list ? "..." : "");
	}
	return CR_OK;
}

enum cr_status classes_school(struct cr_db *db, const char *what, long long *id, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT id FROM school WHERE status = 'active' AND "
		" (sourced_id = ?1 OR identifier = ?1 OR lower(name) = lower(?1)) ORDER BY id LIMIT 2", err);
	int rc, n = 0;

	if (!st)
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_text(st, 1, what, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (n++ == 0)
			*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "finding the school");
	if (n == 0)
		return cr_fail(err, CR_EDATA, "--school: no school '%.200s' in the roster (give its name or ID)", what);
	if (n > 1)
		return cr_fail(err, CR_EDATA, "--school: '%.200s' names more than one school; give the school's ID", what);
	return CR_OK;
}
