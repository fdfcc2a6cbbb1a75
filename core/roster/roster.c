/* roster: the import driver. One import is one transaction: the roster is
 * either wholly updated or exactly as it was. The row report is recorded
 * with the run either way, so a person can see why an import failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kept_fold.h"
#include "oneroster.h"
#include "roster_int.h"
#include "store/audit.h"
#include "text/i18n.h"

/* ---- recording the run ----------------------------------------------- */

static enum cr_status imp_record_issues(struct imp *im, long long run_id)
{
	sqlite3_stmt *st = db_prepare(im->db,
		"INSERT INTO import_issue (run_id, seq, file, line, field, severity, reason) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", im->err);
	enum cr_status s;

	if (!st)
		return im->err->status;
	for (size_t i = 0; i < im->nissues; i++) {
		const struct imp_issue *is = &im->issues[i];

		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_int64(st, 2, (long long)i + 1);
		sqlite3_bind_text(st, 3, is->file, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, is->line);
		sqlite3_bind_text(st, 5, is->field, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, is->error ? "error" : "warning", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, is->reason, -1, SQLITE_STATIC);
		if ((s = imp_step_done(im, st, "saving the import report")) != CR_OK)
			return s;
	}
	if (im->dropped_issues) {
		char buf[128];

		snprintf(buf, sizeof buf, P_("%ld further problem was counted but not listed",
					     "%ld further problems were counted but not listed", im->dropped_issues),
			 im->dropped_issues);
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_int64(st, 2, (long long)im->nissues + 1);
		sqlite3_bind_text(st, 3, "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, 0);
		sqlite3_bind_text(st, 5, "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, "warning", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, buf, -1, SQLITE_TRANSIENT);
		if ((s = imp_step_done(im, st, "saving the import report")) != CR_OK)
			return s;
	}
	return CR_OK;
}

/* The import's audit row: the run and its counts, never a row's content. */
static enum cr_status imp_audit(struct imp *im, long long run_id)
{
	const struct roster_summary *s = im->sum;
	char detail[200];

	snprintf(detail, sizeof detail, "%s%s %s: %ld added, %ld updated, %ld withdrawn, %ld rejected",
		 im->opt->dry_run ? "dry run, " : "", s->kind[0] ? s->kind : "unknown", s->outcome, s->added,
		 s->updated, s->withdrawn, s->rejected);
	return audit_write(im->db, &(struct audit_entry){ .action = "import", .object_kind = "import_run",
							 .object_id = run_id, .detail = detail }, im->err);
}

/* Writes the import_run row (and its report) over the 'running' row the
 * run started with. Inside the import's own transaction for a committed
 * import, in a fresh one otherwise. */
static enum cr_status imp_record_run(struct imp *im, long long run_id, const char *message)
{
	struct roster_summary *s = im->sum;
	sqlite3_stmt *st = db_prepare(im->db,
		"INSERT INTO import_run (id, district_id, started_at, finished_at, source, kind, dry_run, "
		" outcome, added, updated, withdrawn, rejected, warnings, message, refused_files) "
		"VALUES (?1, (SELECT id FROM district WHERE id = ?2), ?3, unixepoch(), ?4, ?5, ?6, ?7, ?8, "
		" ?9, ?10, ?11, ?12, ?13, ?14) "
		"ON CONFLICT (id) DO UPDATE SET district_id = excluded.district_id, "
		" finished_at = excluded.finished_at, kind = excluded.kind, dry_run = excluded.dry_run, "
		" outcome = excluded.outcome, added = excluded.added, updated = excluded.updated, "
		" withdrawn = excluded.withdrawn, rejected = excluded.rejected, warnings = excluded.warnings, "
		" message = excluded.message, refused_files = excluded.refused_files", im->err);
	enum cr_status rc;

	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, run_id);
	if (im->district_id > 0)
		sqlite3_bind_int64(st, 2, im->district_id);
	sqlite3_bind_int64(st, 3, (long long)im->now);
	sqlite3_bind_text(st, 4, im->opt->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, s->kind[0] ? s->kind : "unknown", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, im->opt->dry_run ? 1 : 0);
	sqlite3_bind_text(st, 7, s->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, s->added);
	sqlite3_bind_int64(st, 9, s->updated);
	sqlite3_bind_int64(st, 10, s->withdrawn);
	sqlite3_bind_int64(st, 11, s->rejected);
	sqlite3_bind_int64(st, 12, s->warnings);
	imp_bind_text(st, 13, message);
	sqlite3_bind_int64(st, 14, s->refused_files);
	if ((rc = imp_step_done(im, st, "saving the import run")) != CR_OK ||
	    (rc = imp_record_issues(im, run_id)) != CR_OK)
		return rc;
	return imp_audit(im, run_id);
}

static long long imp_next_run_id(struct imp *im)
{
	sqlite3_stmt *st = db_prepare(im->db, "SELECT coalesce(max(id), 0) + 1 FROM import_run", NULL);
	long long id = 1;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return id;
}

/* A run still 'running' whose import holds no transaction was killed (or
 * the computer stopped) before it finished: it is marked interrupted. */
#define IMP_KILLED_MSG "the import stopped before it finished (the program was killed or the " \
	"computer stopped); the roster was left as it was"

static enum cr_status imp_mark_killed_runs(struct cr_db *db, struct cr_err *err)
{
	return db_exec(db, "UPDATE import_run SET outcome = 'interrupted', message = '" IMP_KILLED_MSG "' "
		       "WHERE outcome = 'running'", err);
}

/* Records the run as started, in a committed transaction of its own before
 * the import's, so a killed import still leaves its run behind. */
static enum cr_status imp_record_start(struct imp *im)
{
	enum cr_status st;
	sqlite3_stmt *ins;

	if ((st = db_begin_immediate(im->db, im->err)) != CR_OK)
		return st;
	if ((st = imp_mark_killed_runs(im->db, im->err)) != CR_OK)
		goto fail;
	im->run_id = imp_next_run_id(im);
	if (!(ins = db_prepare(im->db,
		"INSERT INTO import_run (id, started_at, source, kind, dry_run, outcome) "
		"VALUES (?1, ?2, ?3, 'unknown', ?4, 'running')", im->err))) {
		st = im->err->status;
		goto fail;
	}
	sqlite3_bind_int64(ins, 1, im->run_id);
	sqlite3_bind_int64(ins, 2, (long long)im->now);
	sqlite3_bind_text(ins, 3, im->opt->source, -1, SQLITE_STATIC);
	sqlite3_bind_int(ins, 4, im->opt->dry_run ? 1 : 0);
	if ((st = imp_step_done(im, ins, "recording the import run")) != CR_OK)
		goto fail;
	if ((st = db_commit(im->db, im->err)) != CR_OK) {
		im->run_id = 0;
		return st;
	}
	return CR_OK;
fail:
	im->run_id = 0;
	db_rollback(im->db);
	return st;
}

/* After a rollback (failure, cancel, dry run): the run and its report in
 * a transaction of their own, so the report survives. */
static void imp_record_after_rollback(struct imp *im, const char *message)
{
	struct cr_err e2 = { 0 };
	struct cr_err *saved = im->err;
	long long id;

	im->err = &e2;
	if (db_begin_immediate(im->db, &e2) != CR_OK)
		goto out;
	/* The 'running' row the run started with, when it got that far. */
	id = im->run_id > 0 ? im->run_id : imp_next_run_id(im);
	/* A district new in this import was rolled back with it: the run is
	 * then recorded without one (the subquery in imp_record_run). */
	if (imp_record_run(im, id, message) == CR_OK && db_commit(im->db, &e2) == CR_OK)
		im->sum->run_id = id;
	else
		db_rollback(im->db);
out:
	im->err = saved;
}

/* ---- the driver ------------------------------------------------------ */

static void imp_cleanup(struct imp *im)
{
	idmap_free(im->students);
	idmap_free(im->classes);
	idmap_free(im->schools);
	idmap_free(im->teachers);
	idmap_free(im->roles);
	idmap_free(im->delta_students);
	idmap_free(im->school_slots);
	free(im->moved);
	idmap_free(im->issue_keys);
	free(im->plain_map);
	free(im->teacher_names);
	for (int i = 0; i < im->ndeferred; i++) {
		free(im->deferred[i]);
		free(im->deferred_drop[i]);
	}
	kept_fold_free(im->fold);
	imp_free_issues(im);
	package_close(im->pkg);
}

enum cr_status roster_import(struct cr_db *db, const struct roster_options *opt,
			     struct roster_summary *sum, struct cr_err *err)
{
	struct imp im = { .db = db, .h = db_handle(db), .opt = opt, .sum = sum, .err = err };
	enum cr_status st;
	int began = 0;

	memset(sum, 0, sizeof *sum);
	snprintf(sum->outcome, sizeof sum->outcome, "failed");
	sum->dry_run = opt->dry_run;
	im.now = time(NULL);
	if (!opt->source || !*opt->source)
		return cr_fail(err, CR_EUSAGE, "import needs a folder, .zip or .csv to read");
	if ((st = package_open(opt->source, &im.pkg, err)) != CR_OK)
		return st;

	/* A big import wants a bigger page cache than the desk does. */
	db_exec(db, "PRAGMA cache_size = -8000", NULL);
	/* Statement journals (one a row with foreign keys on) in memory: they
	 * are small, and writing them to a file costs a delta a third of its time. */
	db_exec(db, "PRAGMA temp_store = MEMORY", NULL);
	/* Every reference an import writes comes from a row it just looked up
	 * or wrote in the same transaction, and it deletes nothing but
	 * enrollments: checking each of millions of rows again costs a tenth of
	 * the import. (The fuzz target checks foreign_key_check after imports.) */
	db_exec(db, "PRAGMA foreign_keys = OFF", NULL);
	if ((st = imp_record_start(&im)) != CR_OK)
		goto out;
	if ((st = db_begin_immediate(db, err)) != CR_OK) {
		imp_record_after_rollback(&im, err->msg);
		goto out;
	}
	began = 1;
	sum->run_id = 0;

	if (opt->map_name || opt->map_file)
		st = plain_import(&im);
	else
		st = oneroster_import(&im);

	if (st == CR_OK && opt->dry_run) {
		snprintf(sum->outcome, sizeof sum->outcome, "ok");
		db_rollback(db);
		began = 0;
		imp_record_after_rollback(&im, "dry run: nothing was changed");
	} else if (st == CR_OK) {
		snprintf(sum->outcome, sizeof sum->outcome, "ok");
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((st = imp_record_run(&im, im.run_id, NULL)) == CR_OK &&
		    (st = db_commit(db, err)) == CR_OK)
			sum->run_id = im.run_id;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (getenv("CARDROLL_TIMING"))
			fprintf(stderr, "timing: commit %.2f s\n",
				(double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
		began = 0;
	}
	if (st != CR_OK) {
		char msg[sizeof err->msg];

		if (began)
			db_rollback(db);
		began = 0;
		snprintf(sum->outcome, sizeof sum->outcome, "%s",
			 st == CR_EINTERRUPTED ? "interrupted" : "failed");
		snprintf(msg, sizeof msg, _("%.440s; the roster was left as it was"), err->msg);
		snprintf(err->msg, sizeof err->msg, "%s", msg);
		/* Counts describe what would have happened; nothing did. */
		sum->added = sum->updated = sum->withdrawn = 0;
		imp_record_after_rollback(&im, err->msg);
	}
out:
	if (began)
		db_rollback(db);
	db_exec(db, "PRAGMA cache_size = -2000", NULL);
	db_exec(db, "PRAGMA temp_store = DEFAULT", NULL);
	db_exec(db, "PRAGMA foreign_keys = ON", NULL);
	imp_cleanup(&im);
	return st;
}

/* ---- showing runs again ---------------------------------------------- */

/* Runs left 'running' by a killed import are marked interrupted, unless
 * the database is busy with a write (an import may be running right now):
 * that is tried without waiting, and looking goes on either way. */
static void roster_mark_killed_now(struct cr_db *db)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *q;
	int timeout = -1;

	if (sqlite3_db_readonly(h, "main") != 0 || !sqlite3_get_autocommit(h))
		return;
	if (sqlite3_prepare_v2(h, "PRAGMA busy_timeout", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			timeout = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	if (timeout < 0)
		return;
	sqlite3_busy_timeout(h, 0);
	sqlite3_exec(h, "UPDATE import_run SET outcome = 'interrupted', message = '" IMP_KILLED_MSG "' "
		     "WHERE outcome = 'running'", NULL, NULL, NULL);
	sqlite3_busy_timeout(h, timeout);
}

enum cr_status roster_last_run(struct cr_db *db, long long *run_id, struct cr_err *err)
{
	sqlite3_stmt *st;

	roster_mark_killed_now(db);
	st = db_prepare(db, "SELECT coalesce(max(id), 0) FROM import_run", err);
	*run_id = 0;
	if (!st)
		return err->status;
	if (sqlite3_step(st) == SQLITE_ROW)
		*run_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return CR_OK;
}

enum cr_status roster_run_summary(struct cr_db *db, long long run_id, struct roster_summary *sum,
				  char *source, size_t sourcelen, long long *finished_at, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT r.kind, coalesce(d.name, ''), r.added, r.updated, r.withdrawn, r.rejected, "
		" r.warnings, r.dry_run, r.outcome, r.source, coalesce(r.finished_at, r.started_at), "
		" r.refused_files "
		"FROM import_run r LEFT JOIN district d ON d.id = r.district_id WHERE r.id = ?1", err);
	int rc;

	if (!st)
		return err->status;
	memset(sum, 0, sizeof *sum);
	sqlite3_bind_int64(st, 1, run_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return cr_fail(err, CR_ENOINPUT, "there is no import run %lld", run_id);
	}
	sum->run_id = run_id;
	snprintf(sum->kind, sizeof sum->kind, "%s", sqlite3_column_text(st, 0));
	snprintf(sum->district, sizeof sum->district, "%s", sqlite3_column_text(st, 1));
	sum->added = sqlite3_column_int(st, 2);
	sum->updated = sqlite3_column_int(st, 3);
	sum->withdrawn = sqlite3_column_int(st, 4);
	sum->rejected = sqlite3_column_int(st, 5);
	sum->warnings = sqlite3_column_int(st, 6);
	sum->dry_run = sqlite3_column_int(st, 7);
	snprintf(sum->outcome, sizeof sum->outcome, "%s", sqlite3_column_text(st, 8));
	if (source)
		snprintf(source, sourcelen, "%s", sqlite3_column_text(st, 9));
	if (finished_at)
		*finished_at = sqlite3_column_int64(st, 10);
	sum->refused_files = sqlite3_column_int(st, 11);
	sqlite3_reset(st);
	return CR_OK;
}

enum cr_status roster_run_issues(struct cr_db *db, long long run_id, roster_issue_fn fn, void *ctx,
				 struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT file, line, coalesce(field, ''), severity, reason FROM import_issue "
		"WHERE run_id = ?1 ORDER BY seq", err);
	int rc;

	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct roster_issue is = {
			.file = (const char *)sqlite3_column_text(st, 0),
			.line = sqlite3_column_int(st, 1),
			.field = (const char *)sqlite3_column_text(st, 2),
			.severity = (const char *)sqlite3_column_text(st, 3),
			.reason = (const char *)sqlite3_column_text(st, 4),
		};
		if (fn(&is, ctx))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading the import report");
	return CR_OK;
}
