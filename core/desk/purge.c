/* purge: forgetting children once the rules say so, in one transaction;
 * files that hold them are removed after it commits (purge_file). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "purge.h"
#include "perm.h"
#include "store/audit.h"

#define PURGE_TOKEN_MIN 4          /* shorter IDs could match anything in a file */
#define PURGE_FILE_MAX  (64L << 20)

struct purge_tokens {
	char  **v;
	size_t  n, cap;
};

static int purge_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void purge_tokens_free(struct purge_tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* Runs sql; *changes (may be NULL) gets the rows it changed. */
static enum cr_status purge_step(struct cr_db *db, const char *sql, long long *changes, const char *what,
				 struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);
	int rc;

	if (!st)
		return err ? err->status : CR_EINTERNAL;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(db, err, rc, what);
	if (changes)
		*changes = sqlite3_changes64(db_handle(db));
	return CR_OK;
}

static long long purge_count(struct cr_db *db, const char *sql)
{
	sqlite3_stmt *st = db_prepare(db, sql, NULL);
	long long n = 0;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return n;
}

/* The first second after the local day ymd: when the school year is over. */
static time_t purge_day_after(const char *ymd)
{
	struct tm tm = { 0 };
	int y, m, d;

	if (!ymd || sscanf(ymd, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return 0;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + 1;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* Who goes: the rules, then those still owed to the library system held. */
static enum cr_status purge_select(struct cr_db *db, const struct purge_settings *ps, struct purge_counts *c,
				   struct cr_err *err)
{
	time_t year_end = ps->school_year_end && *ps->school_year_end ? purge_day_after(ps->school_year_end) : 0;
	sqlite3_stmt *st;
	enum cr_status s;
	int rc;

	c->year_over = year_end > 0 && ps->now >= year_end;
	if ((s = db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS purge_set (id INTEGER PRIMARY KEY, why TEXT NOT NULL);"
			 "CREATE TEMP TABLE IF NOT EXISTS purge_jobs (id INTEGER PRIMARY KEY);"
			 "DELETE FROM temp.purge_set; DELETE FROM temp.purge_jobs;", err)) != CR_OK)
		return s;
	if (!(st = db_prepare(db,
		"INSERT INTO temp.purge_set (id, why) "
		"SELECT s.id, CASE WHEN s.status_code = 'w' AND coalesce(r.started_at, 0) <= ?1 THEN 'w' ELSE 'y' END "
		"FROM student s LEFT JOIN import_run r ON r.id = s.seen_run "
		"WHERE (s.status_code = 'w' AND coalesce(r.started_at, 0) <= ?1) "
		"   OR (?2 AND s.status_code <> 'a' AND coalesce(r.started_at, 0) < ?3 "
		"       AND NOT EXISTS (SELECT 1 FROM card c WHERE c.student_id = s.id))", err)))
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_int64(st, 1, (long long)ps->now - (long long)ps->withdrawn_days * 86400);
	sqlite3_bind_int(st, 2, c->year_over);
	sqlite3_bind_int64(st, 3, (long long)year_end);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "choosing the children to forget");
	if ((s = purge_step(db, "DELETE FROM temp.purge_set WHERE id IN (SELECT e.student_id FROM event e "
			    "JOIN outbox o ON o.event_id = e.id WHERE o.state <> 'done')", &c->held,
			    "holding children the library system still waits for", err)) != CR_OK)
		return s;
	c->withdrawn = purge_count(db, "SELECT count(*) FROM temp.purge_set WHERE why = 'w'");
	c->never_carded = purge_count(db, "SELECT count(*) FROM temp.purge_set WHERE why = 'y'");
	return CR_OK;
}

/* The student IDs and card numbers of the children going, sorted. */
static enum cr_status purge_collect(struct cr_db *db, struct purge_tokens *t, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT student_number FROM student WHERE id IN (SELECT id FROM temp.purge_set) "
				      "UNION SELECT number FROM card WHERE student_id IN (SELECT id FROM temp.purge_set)",
				      err);
	int rc;

	if (!st)
		return err ? err->status : CR_EINTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		if (!v || strlen(v) < PURGE_TOKEN_MIN)
			continue;
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 256;
			char **nv = realloc(t->v, cap * sizeof *nv);

			if (!nv)
				break;
			t->v = nv;
			t->cap = cap;
		}
		if (!(t->v[t->n] = strdup(v)))
			break;
		t->n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_ROW)
			return cr_fail(err, CR_ENOMEM, "out of memory listing what the purge removes");
		return db_fail(db, err, rc, "listing what the purge removes");
	}
	qsort(t->v, t->n, sizeof *t->v, purge_strcmp);
	return CR_OK;
}

/* 1 when the file holds one of the tokens as a whole word (letters, digits,
 * '-' and '_' make a word), 0 when not, -1 when it cannot be read. */
static int purge_file_holds(const char *path, const struct purge_tokens *t)
{
	FILE *f = fopen(path, "rb");
	char word[256];
	size_t len = 0;
	long total = 0;
	int ch, hit = 0, longword = 0;

	if (!f)
		return errno == ENOENT ? 0 : -1;
	while (!hit && (ch = getc(f)) != EOF && total++ < PURGE_FILE_MAX) {
		if (isalnum(ch) || ch == '-' || ch == '_' || ch >= 0x80) {
			if (len + 1 < sizeof word)
				word[len++] = (char)ch;
			else
				longword = 1;
			continue;
		}
		if (len && !longword) {
			char *w = word;

			word[len] = '\0';
			hit = bsearch(&w, t->v, t->n, sizeof *t->v, purge_strcmp) != NULL;
		}
		len = 0;
		longword = 0;
	}
	if (!hit && len && !longword) {
		char *w = word;

		word[len] = '\0';
		hit = bsearch(&w, t->v, t->n, sizeof *t->v, purge_strcmp) != NULL;
	}
	fclose(f);
	return hit;
}

static enum cr_status purge_files(struct cr_db *db, const struct purge_settings *ps, struct purge_counts *c,
				  struct cr_err *err)
{
	struct purge_tokens t = { 0 };
	enum cr_status s = CR_OK;

	if (ps->nfiles == 0)
		return CR_OK;
	if ((s = purge_collect(db, &t, err)) != CR_OK || t.n == 0)
		goto out;
	for (size_t i = 0; i < ps->nfiles && s == CR_OK; i++) {
		int h = purge_file_holds(ps->files[i], &t);
		sqlite3_stmt *st;
		int rc;

		if (h < 0) {
			s = cr_fail(err, CR_ENOINPUT, "cannot read %s to see whether it holds a child being purged: %s",
				    ps->files[i], strerror(errno));
			break;
		}
		if (!h)
			continue;
		if (!(st = db_prepare(db, "INSERT OR IGNORE INTO purge_file (path) VALUES (?1)", err))) {
			s = err ? err->status : CR_EINTERNAL;
			break;
		}
		sqlite3_bind_text(st, 1, ps->files[i], -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			s = db_fail(db, err, rc, "noting a file to remove");
		else
			c->files++;
	}
out:
	purge_tokens_free(&t);
	return s;
}

/* Everything of the children in purge_set, in an order the foreign keys allow. */
static enum cr_status purge_delete(struct cr_db *db, struct purge_counts *c, struct cr_err *err)
{
	long long n = 0;
	enum cr_status s;

	c->cards = purge_count(db, "SELECT count(*) FROM card WHERE student_id IN (SELECT id FROM temp.purge_set)");
	c->cards_active = purge_count(db, "SELECT count(*) FROM card WHERE status = 'active' "
				      "AND student_id IN (SELECT id FROM temp.purge_set)");
	if ((s = purge_step(db,
		"INSERT INTO purged_signups (day, n) "
		"SELECT date(issued_at, 'unixepoch', 'localtime'), count(*) FROM card "
		"WHERE status = 'active' AND student_id IN (SELECT id FROM temp.purge_set) GROUP BY 1 "
		"ON CONFLICT (day) DO UPDATE SET n = n + excluded.n", NULL, "keeping the signup counts", err)) != CR_OK ||
	    (s = purge_step(db,
		"INSERT OR IGNORE INTO temp.purge_jobs (id) SELECT job_id FROM print_item WHERE card_id IN "
		"(SELECT id FROM card WHERE student_id IN (SELECT id FROM temp.purge_set))", NULL,
		"finding their slips", err)) != CR_OK ||
	    (s = purge_step(db, "DELETE FROM print_item WHERE card_id IN (SELECT id FROM card WHERE student_id IN "
			    "(SELECT id FROM temp.purge_set))", &c->slips, "removing their slips", err)) != CR_OK ||
	    (s = purge_step(db, "DELETE FROM print_job WHERE id IN (SELECT id FROM temp.purge_jobs) AND NOT EXISTS "
			    "(SELECT 1 FROM print_item i WHERE i.job_id = print_job.id)", &c->print_jobs,
			    "removing print jobs left empty", err)) != CR_OK ||
	    (s = purge_step(db, "DELETE FROM outbox WHERE event_id IN (SELECT id FROM event WHERE student_id IN "
			    "(SELECT id FROM temp.purge_set))", NULL, "removing their sent events", err)) != CR_OK ||
	    (s = purge_step(db, "DELETE FROM event WHERE student_id IN (SELECT id FROM temp.purge_set)", &c->events,
			    "removing their events", err)) != CR_OK ||
	    (s = purge_step(db, "DELETE FROM card WHERE student_id IN (SELECT id FROM temp.purge_set)", NULL,
			    "removing their cards", err)) != CR_OK ||
	    (s = purge_step(db, "DELETE FROM consent WHERE student_id IN (SELECT id FROM temp.purge_set)",
			    &c->consents, "removing their consent", err)) != CR_OK ||
	    (s = purge_step(db, "DELETE FROM enrollment WHERE student_id IN (SELECT id FROM temp.purge_set)",
			    &c->enrollments, "removing their enrollments", err)) != CR_OK ||
	    (s = purge_step(db, "DELETE FROM enrollment_away WHERE student_id IN (SELECT id FROM temp.purge_set)",
			    &n, "removing their enrollments", err)) != CR_OK)
		return s;
	c->enrollments += n;
	if ((s = purge_step(db, "DELETE FROM student_modified WHERE student_id IN (SELECT id FROM temp.purge_set)",
			    NULL, "removing their roster dates", err)) != CR_OK ||
	    (s = purge_step(db, "DELETE FROM student WHERE id IN (SELECT id FROM temp.purge_set)", NULL,
			    "removing the children", err)) != CR_OK)
		return s;
	return CR_OK;
}

/* Removes the files a committed purge listed; a file gone already is done. */
static enum cr_status purge_remove_files(struct cr_db *db, struct cr_err *err)
{
	sqlite3_stmt *st;
	enum cr_status s = CR_OK;

	for (int guard = 0; guard < 100000 && s == CR_OK; guard++) {
		char path[4096];
		int rc;

		if (!(st = db_prepare(db, "SELECT path FROM purge_file ORDER BY path LIMIT 1", err)))
			return err ? err->status : CR_EINTERNAL;
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			snprintf(path, sizeof path, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW)
			return db_fail(db, err, rc, "reading the files to remove");
		if (unlink(path) != 0 && errno != ENOENT)
			return cr_fail(err, CR_ECANTCREATE, "cannot remove %s: %s", path, strerror(errno));
		if (!(st = db_prepare(db, "DELETE FROM purge_file WHERE path = ?1", err)))
			return err ? err->status : CR_EINTERNAL;
		sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			s = db_fail(db, err, rc, "noting a file removed");
	}
	return s;
}

static void purge_detail(const struct purge_counts *c, int dry_run, char *out, size_t len)
{
	snprintf(out, len, "%s%lld withdrawn, %lld never carded, %lld held for the ILS; %lld cards (%lld active), "
		 "%lld events, %lld slips, %lld files", dry_run ? "dry run: " : "", c->withdrawn, c->never_carded,
		 c->held, c->cards, c->cards_active, c->events, c->slips, c->files);
}

enum cr_status purge_run(struct cr_db *db, const struct purge_settings *ps, int dry_run, struct purge_counts *out,
			 struct cr_err *err)
{
	struct audit_entry a = { .staff = ps->staff, .desk = ps->desk, .action = "purge" };
	char detail[400];
	enum cr_status s;

	memset(out, 0, sizeof *out);
	/* Only an admin forgets (perm.c); the command asked too, this is the check that counts. */
	if ((s = perm_check(db, ps->staff, PERM_PURGE, err)) != CR_OK)
		return s;
	/* A purge killed after it committed left files to remove. */
	if (!dry_run && (s = purge_remove_files(db, err)) != CR_OK)
		return s;
	/* What is deleted is overwritten, not left in free pages. */
	if ((s = db_exec(db, "PRAGMA secure_delete = ON", err)) != CR_OK ||
	    (s = db_begin_immediate(db, err)) != CR_OK)
		return s;
	if ((s = purge_select(db, ps, out, err)) != CR_OK || (s = purge_files(db, ps, out, err)) != CR_OK ||
	    (s = purge_delete(db, out, err)) != CR_OK)
		goto fail;
	purge_detail(out, dry_run, detail, sizeof detail);
	a.detail = detail;
	if (dry_run) {
		db_rollback(db);
		return audit_write(db, &a, err);
	}
	if ((s = audit_write(db, &a, err)) != CR_OK)
		goto fail;
	if ((s = db_commit(db, err)) != CR_OK)
		return s;
	if (out->withdrawn + out->never_carded > 0) {
		/* The search index drops a removed name only when its segments
		 * merge; the WAL still holds the old pages until a checkpoint. */
		db_exec(db, "INSERT INTO student_fts (student_fts) VALUES ('optimize')", NULL);
		db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
	}
	return purge_remove_files(db, err);
fail:
	db_rollback(db);
	return s;
}
