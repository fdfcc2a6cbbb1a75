/* oneroster_import: a whole OneRoster package: the maps prepared, indexes set
 * aside and rebuilt, the files read in order, and what a bulk did not name withdrawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kept_fold.h"
#include "oneroster.h"
#include "oneroster_int.h"

/* ---- the whole package ------------------------------------------------------------------- */

static long long count_rows(struct imp *im, const char *sql)
{
	sqlite3_stmt *st = db_prepare(im->db, sql, NULL);
	long long n = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, im->district_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* A file's line count as a size hint, at most IMP_PRESIZE_MAX. */
static size_t lines_hint(struct imp *im, const char *name)
{
	unsigned long long n = package_count_lines(im->pkg, name);

	return n > IMP_PRESIZE_MAX ? IMP_PRESIZE_MAX : (size_t)n;
}

/* The maps, sized up front: growing a million-entry table doubles memory
 * for a moment, and the import has a budget. */
enum cr_status oneroster_prepare(struct imp *im)
{
	size_t classes = 0, users = 0;
	enum cr_status st;

	if (im->mode[F_CLASSES] == MODE_BULK)
		classes = lines_hint(im, or_files[F_CLASSES].name);
	im->teachers = idmap_new(1024);
	if (!im->teachers)
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	if (im->mode[F_ROLES] &&
	    !(im->roles = idmap_new(lines_hint(im, or_files[F_ROLES].name))))
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	if ((st = or_map_load(im, &im->schools,
			      "SELECT id, sourced_id FROM school WHERE district_id = ?1", MAP_PLAIN, 256)) != CR_OK)
		return st;
	/* A delta looks classes up one by one; only a bulk needs them all. */
	if (im->mode[F_CLASSES] == MODE_BULK || im->mode[F_ENROLLMENTS] == MODE_BULK) {
		classes += (size_t)count_rows(im, "SELECT count(*) FROM class WHERE district_id = ?1");
		st = or_map_load(im, &im->classes,
				 "SELECT id, sourced_id, school_id FROM class WHERE district_id = ?1",
				 MAP_SCHOOL, classes);
		if (st != CR_OK)
			return st;
	} else if (!(im->classes = idmap_new(classes))) {
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	}
	if (im->mode[F_USERS] == MODE_BULK) {
		users = lines_hint(im, or_files[F_USERS].name);
		im->had_students = count_rows(im, "SELECT count(*) FROM student WHERE district_id = ?1 "
					      "AND status_code <> 'w'");
		users += (size_t)count_rows(im, "SELECT count(*) FROM student WHERE district_id = ?1");
		if ((st = or_map_load(im, &im->students,
				      "SELECT id, sourced_id, status_code FROM student WHERE district_id = ?1", MAP_STATUS,
				      users)) != CR_OK)
			return st;
	}
	return CR_OK;
}

/* ---- bulk: indexes and search triggers set aside, then rebuilt ---------------------------- */

/* The kept coverage counts' triggers (migration 0008) would fire for every
 * student and enrollment a bulk writes: they are set aside too (?1), and
 * the counts marked stale, to be counted again once before they are next
 * read (core/desk/coverage_kept.c). A delta sets the student and
 * enrollment ones aside (?2) and folds its changes into the counts at the
 * end (kept_fold.c); when the counts are stale already it leaves them to
 * be counted again, as a bulk does. */
static const char bulk_deferred_sql[] =
	"SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
	"((type = 'index' AND name IN ('student_sid', 'student_by_number', 'student_by_school')) "
	" OR (type = 'trigger' AND name LIKE 'student_fts_%') "
	" OR (?1 AND type = 'trigger' AND name LIKE 'coverage_kept_%') "
	" OR (?2 AND type = 'trigger' AND (name LIKE 'coverage_kept_student_%' "
	"     OR name LIKE 'coverage_kept_enrollment_%'))) "
	"ORDER BY type, name";

/* Whether the kept counts are to be counted again anyway (1), or not (0);
 * -1 when that cannot be read. */
static int kept_stale(struct imp *im)
{
	sqlite3_stmt *st = db_prepare(im->db, "SELECT stale FROM coverage_kept WHERE id = 1", im->err);
	int v = -1, rc;

	if (!st)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0) != 0;
	else if (rc == SQLITE_DONE)
		v = 1;
	else
		db_fail(im->db, im->err, rc, "reading the coverage counts");
	sqlite3_reset(st);
	return v;
}

enum cr_status or_bulk_defer(struct imp *im, int triggers_only)
{
	sqlite3_stmt *st;
	enum cr_status s = CR_OK;
	char drop[160];
	int rc, kept = 0, again = im->mode[F_USERS] == MODE_BULK || im->mode[F_ENROLLMENTS] == MODE_BULK;
	long long first_new = 0;

	if (!again && (again = kept_stale(im)) < 0)
		return im->err->status;
	if (!again && (s = kept_fold_begin(im->db, &im->fold, im->err)) != CR_OK)
		return s;
	if (!(st = db_prepare(im->db, bulk_deferred_sql, im->err)))
		return im->err->status;
	sqlite3_bind_int(st, 1, again);
	sqlite3_bind_int(st, 2, im->fold != NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && im->ndeferred < IMP_MAX_DEFERRED) {
		char *sql;

		if (triggers_only && strcmp((const char *)sqlite3_column_text(st, 0), "trigger") != 0)
			continue;
		sql = strdup((const char *)sqlite3_column_text(st, 2));

		if (!sql) {
			s = cr_fail(im->err, CR_ENOMEM, "out of memory");
			break;
		}
		im->deferred[im->ndeferred++] = sql;
		kept |= again && strncmp((const char *)sqlite3_column_text(st, 1), "coverage_kept_", 14) == 0;
		snprintf(drop, sizeof drop, "DROP %s %s", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1));
		/* Executed after the loop: the schema must not change under a running query. */
		im->deferred_drop[im->ndeferred - 1] = strdup(drop);
		if (!im->deferred_drop[im->ndeferred - 1]) {
			s = cr_fail(im->err, CR_ENOMEM, "out of memory");
			break;
		}
	}
	/* A failed step (no memory, a full disk) ends the loop too: it must
	 * fail the import, not leave the indexes half dropped. */
	if (s == CR_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		s = db_fail(im->db, im->err, rc, "reading the roster's indexes");
	sqlite3_reset(st);
	/* The first child in tier 1 (migration 0011), found in its small index
	 * before the indexes go: a delta's new children are the newest rows. */
	if (s == CR_OK && !triggers_only)
		first_new = or_lookup_id(im, "SELECT min(id) FROM student WHERE sid_tier = 1", 0, "");
	for (int i = 0; s == CR_OK && i < im->ndeferred; i++)
		s = db_exec(im->db, im->deferred_drop[i], im->err);
	if (s == CR_OK && kept)
		s = db_exec(im->db, "UPDATE coverage_kept SET stale = 1", im->err);
	/* With student_sid set aside, every child goes back to tier 0
	 * (migration 0011): the rebuilt student_sid holds them all again.
	 * student_sid_new stays: it is small, and building it again would read
	 * every child. */
	if (s == CR_OK && first_new > 0) {
		sqlite3_stmt *up = db_prepare(im->db, "UPDATE student SET sid_tier = 0 WHERE id >= ?1 AND sid_tier <> 0",
					      im->err);

		if (!up)
			return im->err->status;
		sqlite3_bind_int64(up, 1, first_new);
		s = imp_step_done(im, up, "moving the new children into the main index");
	}
	return s;
}

/* A delta's new children wait in tier 1 (migration 0011) until they are a
 * sixteenth of all the children ever imported: then this delta moves them
 * all into student_sid at once (a few thousand random inserts into the big
 * index once every dozen deltas, not every night). */
static enum cr_status sid_tier_merge(struct imp *im)
{
	sqlite3_stmt *st = db_prepare(im->db, "SELECT (SELECT count(*) FROM student WHERE sid_tier = 1) * 16 "
				      "> (SELECT coalesce(max(id), 0) FROM student)", im->err);
	int rc, due;

	if (!st)
		return im->err->status;
	rc = sqlite3_step(st);
	due = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(im->db, im->err, rc, "counting the new children");
	return due ? db_exec(im->db, "UPDATE student SET sid_tier = 0 WHERE sid_tier = 1", im->err) : CR_OK;
}

static enum cr_status bulk_restore(struct imp *im, int whole)
{
	enum cr_status s = CR_OK;

	if (im->opt->progress) {
		struct roster_progress p = {
			.file = "(rebuilding indexes)", .bytes_done = im->bytes_total,
			.bytes_total = im->bytes_total, .rows = im->rows,
		};
		im->opt->progress(&p, im->opt->progress_ctx);
	}

	for (int i = 0; s == CR_OK && i < im->ndeferred; i++)
		s = db_exec(im->db, im->deferred[i], im->err);
	/* The search index built whole, with FTS5's buffer of pending terms at
	 * 16 MB rather than 1 MB for the rebuild only: it flushes a segment
	 * each time the buffer fills, and the desk's search looks a word up in
	 * every segment (8 at 1M students with 1 MB, 2 with 16 MB: a two-word
	 * search's p50 0.20 -> 0.14 ms, bench/RESULTS.md). The buffer is back
	 * to 1 MB for deltas and the desk. */
	if (s == CR_OK && whole)
		s = db_exec(im->db, "INSERT INTO student_fts (student_fts, rank) VALUES ('hashsize', 16777216); "
			    "INSERT INTO student_fts (student_fts) VALUES ('rebuild'); "
			    "INSERT INTO student_fts (student_fts, rank) VALUES ('hashsize', 1048576)", im->err);
	else if (s == CR_OK)
		s = or_fts_delta_apply(im);
	if (s != CR_OK && !strstr(im->err->msg, "rebuilding"))
		cr_fail(im->err, s, "rebuilding the roster indexes: %.400s", im->err->msg);
	return s;
}

/* Bulk: every student of the district this users.csv did not name leaves. */
static int withdraw_one(struct idmap_entry *e, void *ctx)
{
	struct imp *im = ctx;
	sqlite3_stmt *st;

	if (!(e->flags & SF_EXISTS) || (e->flags & (SF_SEEN | SF_WITHDRAWN)))
		return 0;
	st = db_prepare(im->db,
		"UPDATE student SET status_code = 'w', seen_run = ?2 WHERE id = ?1 AND status_code <> 'w'", im->err);
	if (!st)
		return 1;
	sqlite3_bind_int64(st, 1, e->rowid);
	sqlite3_bind_int64(st, 2, im->run_id);
	if (imp_step_done(im, st, "withdrawing a student") != CR_OK)
		return 1;
	im->sum->withdrawn += sqlite3_changes(im->h);
	return 0;
}

/* After the rows: what a bulk did not name leaves (schools and classes
 * closed, students withdrawn), and the set-aside indexes come back. */
enum cr_status or_import_finish(struct imp *im)
{
	struct timespec t0, t1;
	enum cr_status st;

	if ((st = or_rehome_moved(im)) != CR_OK)
		return st;

	if (im->mode[F_ORGS] == MODE_BULK &&
	    (st = or_bulk_withdraw(im, "UPDATE school SET status = 'withdrawn' WHERE district_id = ?1 "
				   "AND status <> 'withdrawn' AND seen_run IS NOT ?2", "closing schools")) != CR_OK)
		return st;
	if (im->mode[F_CLASSES] == MODE_BULK &&
	    (st = or_bulk_withdraw(im, "UPDATE class SET status = 'withdrawn' WHERE district_id = ?1 "
				   "AND status <> 'withdrawn' AND seen_run IS NOT ?2", "closing classes")) != CR_OK)
		return st;
	if (im->mode[F_USERS] == MODE_BULK && im->seen_students == 0 && im->had_students > 0)
		return cr_fail(im->err, CR_EDATA,
			       "the bulk users.csv names no students, which would withdraw all %lld of the "
			       "district's students: refusing (is it the right file?)", im->had_students);
	if (im->mode[F_USERS] == MODE_BULK) {
		idmap_each(im->students, withdraw_one, im);
		if (im->err->status != CR_OK && im->err->msg[0])
			return im->err->status;
	}
	if (im->mode[F_USERS] == MODE_DELTA && (st = sid_tier_merge(im)) != CR_OK)
		return st;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* A delta's changes to the kept counts, after its last row written. */
	if (im->fold && (st = kept_fold_apply(im->fold, im->err)) != CR_OK)
		return st;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (getenv("CARDROLL_TIMING") && im->fold)
		fprintf(stderr, "timing: coverage counts %.2f s\n",
			(double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (im->ndeferred) {
		/* A bulk read every student (the search index is rebuilt whole).
		 * The maps have served the rows: give their memory back before
		 * the index builds, which are the import's peak (at 1M students
		 * the students' map alone is 20 MB). */
		int whole = im->students != NULL;

		idmap_free(im->students);
		idmap_free(im->classes);
		idmap_free(im->roles);
		im->students = im->classes = im->roles = NULL;
		if ((st = bulk_restore(im, whole)) != CR_OK)
			return st;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (getenv("CARDROLL_TIMING"))
			fprintf(stderr, "timing: indexes and search %.2f s\n",
				(double)(t0.tv_sec - t1.tv_sec) + (t0.tv_nsec - t1.tv_nsec) / 1e9);
	}
	return CR_OK;
}

enum cr_status oneroster_import(struct imp *im)
{
	static const row_fn handlers[F_COUNT] = {
		[F_ORGS] = or_orgs_row, [F_SESSIONS] = or_sessions_row, [F_CLASSES] = or_classes_row,
		[F_ROLES] = or_roles_row, [F_DEMOGRAPHICS] = or_demographics_row, [F_USERS] = or_users_row,
		[F_ENROLLMENTS] = or_enrollments_row,
	};
	/* Bulk reads demographics before users (birth dates wait in the map);
	 * delta applies them after, straight to the stored students. */
	static const enum imp_file bulk_order[] = {
		F_ORGS, F_SESSIONS, F_CLASSES, F_ROLES, F_DEMOGRAPHICS, F_USERS, F_ENROLLMENTS,
	};
	static const enum imp_file delta_order[] = {
		F_ORGS, F_SESSIONS, F_CLASSES, F_ROLES, F_USERS, F_DEMOGRAPHICS, F_ENROLLMENTS,
	};
	const enum imp_file *order;
	enum cr_status st;
	int any_bulk = 0, any_delta = 0;

	for (int i = 0; package_refused(im->pkg, i); i++)
		imp_refuse_file(im, package_name(im->pkg), package_refused(im->pkg, i),
				"zip entry path leaves the package (absolute or '..'); refused");
	if ((st = or_manifest_read(im)) != CR_OK)
		return st;
	for (int f = 0; f < F_COUNT; f++) {
		any_bulk |= im->mode[f] == MODE_BULK;
		any_delta |= im->mode[f] == MODE_DELTA;
		im->bytes_total += im->mode[f] ? package_size(im->pkg, or_files[f].name) : 0;
	}
	snprintf(im->sum->kind, sizeof im->sum->kind, "%s",
		 any_bulk && any_delta ? "oneroster-mixed" : any_bulk ? "oneroster-bulk" : "oneroster-delta");
	if (im->mode[F_USERS] != MODE_ABSENT && im->mode[F_ORGS] == MODE_ABSENT &&
	    im->mode[F_USERS] == MODE_BULK)
		imp_issue(im, "manifest.csv", 0, "file.orgs", 0,
			  "users.csv is bulk but orgs.csv is absent; schools come from earlier imports");
	if ((st = or_district_resolve(im)) != CR_OK)
		return st;
	if ((st = oneroster_prepare(im)) != CR_OK)
		return st;
	/* A bulk rebuilds the indexes and the search index after its rows; a
	 * delta keeps the indexes and applies name changes to search at the end. */
	/* Statement journals stay in memory (see roster_import), but a bulk's
	 * index sorts would fill it: they go to temporary files. */
	if (im->mode[F_USERS] == MODE_BULK)
		st = db_exec(im->db, "PRAGMA temp_store = FILE", im->err) == CR_OK ? or_bulk_defer(im, 0)
		     : im->err->status;
	else if (!(im->delta_students = idmap_new(1024)))
		st = cr_fail(im->err, CR_ENOMEM, "out of memory");
	else if ((st = or_bulk_defer(im, 1)) == CR_OK)
		st = or_fts_delta_begin(im);
	if (st != CR_OK)
		return st;

	order = im->mode[F_USERS] == MODE_DELTA ? delta_order : bulk_order;
	for (int i = 0; i < F_COUNT; i++) {
		enum imp_file f = order[i];

		if (im->mode[f] == MODE_ABSENT)
			continue;
		/* A bulk enrollments file is the whole truth: start from none. */
		if (f == F_ENROLLMENTS && im->mode[f] == MODE_BULK &&
		    (st = or_enrollments_clear(im)) != CR_OK)
			return st;
		if ((st = or_read_file(im, f, handlers[f], NULL)) != CR_OK)
			return st;
	}

	return or_import_finish(im);
}
