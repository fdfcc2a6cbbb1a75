/* oneroster_maps: sourcedId to row: the import's maps (idmap), school slots
 * and the one-row lookups behind them, shared by every file's reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oneroster_int.h"

/* ---- maps ---------------------------------------------------------------------- */

/* student.sid_key: the same hash the import's maps use. */
long long or_sid_key(const char *sid)
{
	return (long long)idmap_hash(sid, strlen(sid));
}

struct idmap_entry *or_map_lookup(struct idmap *m, const char *sid)
{
	return m ? idmap_get(m, idmap_hash(sid, strlen(sid))) : NULL;
}

uint16_t or_school_slot(struct imp *im, long long school)
{
	struct idmap_entry *e;
	int added = 0;

	if (school <= 0)
		return SLOT_NONE;
	if (!im->school_slots && !(im->school_slots = idmap_new(256)))
		return SLOT_UNKNOWN;
	/* Keyed by a mix of the row number: the raw number (its high bits zero)
	 * put every school at slot 0, so each lookup walked all the schools. */
	e = idmap_put(im->school_slots, idmap_hash_int((uint64_t)school), &added);
	if (!e)
		return SLOT_UNKNOWN;
	if (added) {
		if (im->nslots >= 0xFFFE)
			return SLOT_UNKNOWN;
		e->extra = (uint16_t)(2 + im->nslots++);
	}
	return e->extra;
}

/* A delta looks rows up one at a time; what it found once is kept in the
 * map (a delta's enrollments name the students its users.csv just
 * touched). */
long long or_remember(struct imp *im, struct idmap *m, const char *sid, long long id,
		      long long school)
{
	struct idmap_entry *e;

	if (m && id > 0 && id <= UINT32_MAX && (e = idmap_put(m, idmap_hash(sid, strlen(sid)), NULL))) {
		e->rowid = (uint32_t)id;
		e->extra = or_school_slot(im, school);
		e->flags |= SF_SLOT;
	}
	return id;
}

/* A row and its school by (district, sourcedId); 0 when there is none. */
static long long lookup_with_school(struct imp *im, const char *sql, const char *sid, long long *school)
{
	sqlite3_stmt *st = db_prepare(im->db, sql, NULL);
	long long id = 0;

	*school = 0;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_TRANSIENT);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, or_sid_key(sid));
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		*school = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return id;
}

/* Loads sourcedId -> row for a roster table of this district. */
enum cr_status or_map_load(struct imp *im, struct idmap **out, const char *sql, enum map_extra kind,
			   size_t expected)
{
	sqlite3_stmt *st = db_prepare(im->db, sql, im->err);
	struct idmap *m;
	int rc;

	if (!st)
		return im->err->status;
	m = idmap_new(expected);
	if (!m)
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	sqlite3_bind_int64(st, 1, im->district_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sid = (const char *)sqlite3_column_text(st, 1);
		struct idmap_entry *e = idmap_put(m, idmap_hash(sid, strlen(sid)), NULL);

		if (!e) {
			sqlite3_reset(st);
			idmap_free(m);
			return cr_fail(im->err, CR_ENOMEM, "out of memory");
		}
		e->rowid = (uint32_t)sqlite3_column_int64(st, 0);
		e->flags |= SF_EXISTS;
		if (kind == MAP_STATUS && sqlite3_column_text(st, 2)[0] == 'w')
			e->flags |= SF_WITHDRAWN;
		if (kind == MAP_SCHOOL) {
			e->extra = or_school_slot(im, sqlite3_column_int64(st, 2));
			e->flags |= SF_SLOT;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		idmap_free(m);
		return db_fail(im->db, im->err, rc, "reading the roster");
	}
	*out = m;
	return CR_OK;
}

/* ---- one row by sourcedId: the map first, else the database -------------------- */

long long or_lookup_id(struct imp *im, const char *sql, long long a, const char *b)
{
	sqlite3_stmt *st = db_prepare(im->db, sql, NULL);
	long long id = 0;

	if (!st)
		return -1;
	if (a)
		sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_text(st, a ? 2 : 1, b, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

long long or_school_row_id(struct imp *im, const char *sid)
{
	struct idmap_entry *e = or_map_lookup(im->schools, sid);

	if (e)
		return e->rowid;
	return or_lookup_id(im, "SELECT id FROM school WHERE district_id = ?1 AND sourced_id = ?2",
			    im->district_id, sid);
}

long long or_class_row_id(struct imp *im, const char *sid, uint16_t *slot)
{
	struct idmap_entry *e = or_map_lookup(im->classes, sid);
	long long school, id;

	if (e) {
		*slot = (e->flags & SF_SLOT) ? e->extra : SLOT_UNKNOWN;
		return e->rowid;
	}
	id = lookup_with_school(im, "SELECT id, school_id FROM class INDEXED BY class_lookup "
				"WHERE district_id = ?1 AND sourced_id = ?2",
				sid, &school);
	*slot = id > 0 ? or_school_slot(im, school) : SLOT_UNKNOWN;
	return or_remember(im, im->classes, sid, id, school);
}

long long or_student_row_id(struct imp *im, const char *sid, uint16_t *slot)
{
	struct idmap_entry *e;
	long long school, id;

	*slot = SLOT_UNKNOWN;
	if (im->students) {
		e = or_map_lookup(im->students, sid);
		if (!e || !e->rowid || !(e->flags & (SF_SEEN | SF_EXISTS)))
			return 0;
		if (e->flags & SF_SLOT)
			*slot = e->extra;
		return e->rowid;
	}
	if ((e = or_map_lookup(im->delta_students, sid)) != NULL) {
		*slot = (e->flags & SF_SLOT) ? e->extra : SLOT_UNKNOWN;
		return e->rowid;
	}
	id = lookup_with_school(im, "SELECT id, school_id FROM student WHERE id = " OR_SID_ROWID("?3"),
				sid, &school);
	*slot = id > 0 ? or_school_slot(im, school) : SLOT_UNKNOWN;
	return or_remember(im, im->delta_students, sid, id, school);
}

/* A users.csv row we could not read must not withdraw the child it names;
 * a new child's enrollments are then reported as belonging to a rejected row. */
void or_users_keep(struct imp *im, const char *sid)
{
	struct idmap_entry *k;

	if (!im->students || !sid || !*sid)
		return;
	k = or_map_lookup(im->students, sid);
	if (!k) {
		if (im->rejected_kept >= IMP_MAX_REJECTED_KEPT)
			return;    /* see IMP_MAX_REJECTED_KEPT */
		im->rejected_kept++;
		k = idmap_put(im->students, idmap_hash(sid, strlen(sid)), NULL);
	}
	if (k && (k->flags & SF_EXISTS))
		k->flags |= SF_SEEN;
	else if (k)
		k->flags |= SF_REJECTED;
}

enum cr_status or_bulk_withdraw(struct imp *im, const char *sql, const char *what)
{
	sqlite3_stmt *st = db_prepare(im->db, sql, im->err);

	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_int64(st, 2, im->run_id);
	return imp_step_done(im, st, what);
}
