/* printq: the print queue, driving a printer driver through a job. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "desk/perm.h"
#include "printer.h"
#include "printq.h"
#include "template.h"
#include "store/audit.h"

/* One slip's roster facts, copied out of the database before printing so
 * no transaction stays open while a printer is slow. */
struct printq_row {
	char *card, *given, *family, *school, *class_name, *grade, *expires;
};

struct printq_rows {
	struct printq_row *row;
	int                n, cap;
	int                skipped;   /* void cards left out */
};

static void printq_rows_free(struct printq_rows *r)
{
	for (int i = 0; i < r->n; i++) {
		struct printq_row *x = &r->row[i];

		free(x->card);
		free(x->given);
		free(x->family);
		free(x->school);
		free(x->class_name);
		free(x->grade);
		free(x->expires);
	}
	free(r->row);
	memset(r, 0, sizeof *r);
}

static char *printq_col(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	return strdup(v ? (const char *)v : "");
}

static enum cr_status printq_load(struct cr_db *db, long long job, struct printq_rows *r, struct cr_err *err)
{
	/* The class of a class job; else the child's first class by title. */
	sqlite3_stmt *st = db_prepare(db,
		"SELECT c.number, coalesce(nullif(s.preferred_name, ''), s.given_name), s.family_name, "
		"       coalesce(sc.name, ''), "
		"       coalesce(k.title, (SELECT k2.title FROM enrollment e JOIN class k2 ON k2.id = e.class_id "
		"                          WHERE e.student_id = s.id AND k2.status = 'active' ORDER BY k2.title LIMIT 1), ''), "
		"       coalesce(s.grade, ''), coalesce(c.expires, ''), c.status "
		"FROM print_item i JOIN print_job j ON j.id = i.job_id JOIN card c ON c.id = i.card_id "
		"JOIN student s ON s.id = c.student_id LEFT JOIN school sc ON sc.id = s.school_id "
		"LEFT JOIN class k ON k.id = j.class_id WHERE i.job_id = ?1 ORDER BY i.seq", err);
	enum cr_status out = CR_OK;
	int rc;

	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, job);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct printq_row x;

		if (strcmp((const char *)sqlite3_column_text(st, 7), "active") != 0) {
			r->skipped++;
			continue;
		}
		if (r->n == r->cap) {
			int cap = r->cap ? r->cap * 2 : 32;
			struct printq_row *p = realloc(r->row, (size_t)cap * sizeof *p);

			if (!p) {
				out = cr_fail(err, CR_ENOMEM, "out of memory reading print job %lld", job);
				break;
			}
			r->row = p;
			r->cap = cap;
		}
		x.card = printq_col(st, 0);
		x.given = printq_col(st, 1);
		x.family = printq_col(st, 2);
		x.school = printq_col(st, 3);
		x.class_name = printq_col(st, 4);
		x.grade = printq_col(st, 5);
		x.expires = printq_col(st, 6);
		r->row[r->n++] = x;
		if (!x.card || !x.given || !x.family || !x.school || !x.class_name || !x.grade || !x.expires) {
			out = cr_fail(err, CR_ENOMEM, "out of memory reading print job %lld", job);
			break;
		}
	}
	if (out == CR_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		out = db_fail(db, err, rc, "reading the print job");
	sqlite3_reset(st);
	return out;
}

/* Who is printing a job right now: a process printing job N holds byte N
 * of "<database>.print-lock" (an fcntl lock). The kernel drops a killed
 * process's locks, so a job left in 'sending' by a desk that died can be
 * sent again at once, while one another desk is still sending is left
 * alone. One descriptor per process: closing any descriptor of the file
 * would drop all of the process's locks on it. */
static struct {
	int  fd;
	char path[4200];
} printq_lk = { -1, "" };

/* The lock file's descriptor, or -1 (a memory database, a read-only folder). */
static int printq_lock_fd(struct cr_db *db)
{
	const char *path = db_path(db);
	char lock[sizeof printq_lk.path];

	if (!path || !*path || !strcmp(path, ":memory:"))
		return -1;
	snprintf(lock, sizeof lock, "%s.print-lock", path);
	if (printq_lk.fd >= 0 && !strcmp(printq_lk.path, lock))
		return printq_lk.fd;
	if (printq_lk.fd >= 0)
		close(printq_lk.fd);
	snprintf(printq_lk.path, sizeof printq_lk.path, "%s", lock);
	printq_lk.fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	return printq_lk.fd;
}

static int printq_lock_op(int fd, int cmd, short type, long long job, struct flock *fl)
{
	memset(fl, 0, sizeof *fl);
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)job;
	fl->l_len = 1;
	return fcntl(fd, cmd, fl);
}

/* 1: another process is sending job; 0: nobody is; -1: cannot tell. */
static int printq_held(struct cr_db *db, long long job)
{
	struct flock fl;
	int fd = printq_lock_fd(db);

	if (fd < 0 || printq_lock_op(fd, F_GETLK, F_WRLCK, job, &fl) != 0)
		return -1;
	return fl.l_type != F_UNLCK;
}

/* Takes job for this process: CR_ETEMP when another process has it. Without
 * a lock file (a read-only folder) printing goes on unguarded. */
static enum cr_status printq_claim(struct cr_db *db, long long job, struct cr_err *err)
{
	struct flock fl;
	int fd = printq_lock_fd(db);

	if (fd < 0 || printq_lock_op(fd, F_SETLK, F_WRLCK, job, &fl) == 0)
		return CR_OK;
	if (errno == EACCES || errno == EAGAIN)
		return cr_fail(err, CR_ETEMP, "print job %lld is being printed at another desk", job);
	return CR_OK;
}

static void printq_unclaim(struct cr_db *db, long long job)
{
	struct flock fl;
	int fd = printq_lock_fd(db);

	if (fd >= 0)
		(void)printq_lock_op(fd, F_SETLK, F_UNLCK, job, &fl);
}

/* Sets the job's state (and error sentence, or NULL) in its own transaction. */
static enum cr_status printq_set(struct cr_db *db, long long job, const char *state, const char *driver,
				 const char *target, const char *error, struct cr_err *err)
{
	sqlite3_stmt *st;
	enum cr_status s;
	int rc;

	if ((s = db_begin_immediate(db, err)) != CR_OK)
		return s;
	st = db_prepare(db, "UPDATE print_job SET state = ?2, error = ?3, updated_at = ?4, "
			    "driver = coalesce(?5, driver), target = coalesce(?6, target) WHERE id = ?1", err);
	if (!st) {
		db_rollback(db);
		return err->status;
	}
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	if (error)
		sqlite3_bind_text(st, 3, error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (long long)time(NULL));
	if (driver)
		sqlite3_bind_text(st, 5, driver, -1, SQLITE_TRANSIENT);
	if (target)
		sqlite3_bind_text(st, 6, target, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_rollback(db);
		return db_fail(db, err, rc, "saving the print job's state");
	}
	return db_commit(db, err);
}

/* The audit row: who printed which job, how many slips; never names. */
static void printq_audit(struct cr_db *db, const struct printq_dest *d, long long job, int n)
{
	char detail[64];

	snprintf(detail, sizeof detail, "%d slip%s", n, n == 1 ? "" : "s");
	(void)audit_write(db, &(struct audit_entry){ .staff = d->staff, .desk = d->desk, .action = "print",
					      .object_kind = "print_job", .object_id = job, .detail = detail }, NULL);
}

enum cr_status printq_state(struct cr_db *db, long long job, char *state, size_t slen, char *error, size_t elen,
			    struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT state, coalesce(error, '') FROM print_job WHERE id = ?1", err);
	int rc;

	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, job);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(state, slen, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(error, elen, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return cr_fail(err, CR_ENOINPUT, "there is no print job %lld", job);
	if (rc != SQLITE_ROW)
		return db_fail(db, err, rc, "reading a print job");
	return CR_OK;
}

enum cr_status printq_reprint(struct cr_db *db, long long job, long long staff, long long *copy,
			      struct cr_err *err)
{
	sqlite3_stmt *st;
	enum cr_status s;
	int rc;

	*copy = 0;
	if ((s = db_begin_immediate(db, err)) != CR_OK)
		return s;
	st = db_prepare(db, "INSERT INTO print_job (created_at, created_by, class_id, driver, target, state, updated_at) "
			    "SELECT ?2, ?3, class_id, driver, target, 'queued', ?2 FROM print_job WHERE id = ?1", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, (long long)time(NULL));
	if (staff > 0)
		sqlite3_bind_int64(st, 3, staff);
	else
		sqlite3_bind_null(st, 3);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		s = db_fail(db, err, rc, "copying the print job");
		goto fail_s;
	}
	if (sqlite3_changes(db_handle(db)) == 0) {
		db_rollback(db);
		return cr_fail(err, CR_ENOINPUT, "there is no print job %lld", job);
	}
	*copy = sqlite3_last_insert_rowid(db_handle(db));
	st = db_prepare(db, "INSERT INTO print_item (job_id, seq, card_id) SELECT ?2, seq, card_id FROM print_item "
			    "WHERE job_id = ?1", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, *copy);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		s = db_fail(db, err, rc, "copying the print job's slips");
		goto fail_s;
	}
	return db_commit(db, err);
fail:
	s = err->status;
fail_s:
	db_rollback(db);
	*copy = 0;
	return s;
}

enum cr_status printq_pending(struct cr_db *db, int (*fn)(long long job, void *ctx), void *ctx,
			      struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT id, state = 'sending', updated_at < ?1 FROM print_job "
				      "WHERE state IN ('queued', 'failed', 'sending') ORDER BY id", err);
	long long ids[256];
	int n = 0, rc;

	if (!st)
		return err->status;
	/* Collect first: fn prints, which writes to print_job. A job in
	 * 'sending' is another desk's while that desk holds its lock; without
	 * a lock file to ask, a minute without news says the desk died. */
	sqlite3_bind_int64(st, 1, (long long)time(NULL) - 60);
	while (n < (int)(sizeof ids / sizeof ids[0]) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);

		if (sqlite3_column_int(st, 1)) {
			int held = printq_held(db, id);

			if (held == 1 || (held < 0 && !sqlite3_column_int(st, 2)))
				continue;
		}
		ids[n++] = id;
	}
	sqlite3_reset(st);
	for (int i = 0; i < n; i++)
		if (fn(ids[i], ctx))
			break;
	return CR_OK;
}

static enum printer_barcode printq_barcode(const char *name)
{
	return name && !strcmp(name, "code39") ? PRINTER_CODE39 : PRINTER_CODABAR;
}

/* Sends the rows through the driver. */
static enum cr_status printq_send(const struct printq_dest *d, const struct printq_rows *r, struct cr_err *err)
{
	const struct print_settings *ps = d->ps;
	const struct printer_driver *drv = printer_find(ps->driver);
	struct printer_opts o = {
		.target = d->target ? d->target : ps->target,
		.paper = ps->paper[0] ? ps->paper : NULL,
		.layout = ps->layout[0] ? ps->layout : NULL,
		.barcode = printq_barcode(ps->barcode),
		.native_qr = ps->native_qr,
		.codepage = ps->codepage[0] ? ps->codepage : NULL,
		.inner = ps->inner[0] ? ps->inner : NULL,
	};
	struct template_set *set = NULL;
	enum cr_status s;
	void *state = NULL;

	if (!drv)
		return cr_fail(err, CR_ECONFIG, "[print] driver: no printer driver named '%s'", ps->driver);
	if (!o.target || !*o.target)
		return cr_fail(err, CR_ECONFIG, "[print] target: the %s printer needs a target (a file, a device, "
			       "tcp://HOST:9100 or a CUPS queue)", drv->name);
	if ((s = template_set_load(ps->templates[0] ? ps->templates : NULL, ps->languages, &set, err)) != CR_OK)
		return s;
	if ((s = drv->open(&o, &state, err)) != CR_OK)
		goto out;
	for (int i = 0; i < r->n; i++) {
		const struct printq_row *x = &r->row[i];
		struct slip_fields f = {
			.given = x->given, .family = x->family, .card = x->card, .school = x->school,
			.class_name = x->class_name, .grade = x->grade, .expires = x->expires,
		};
		struct slip slip;

		if ((s = template_set_fill(set, &f, &slip, err)) != CR_OK ||
		    (s = drv->slip(state, &slip, err)) != CR_OK) {
			struct cr_err ignore = { 0 };

			drv->close(state, 0, &ignore);
			goto out;
		}
	}
	s = drv->close(state, 1, err);
out:
	template_set_free(set);
	return s;
}

/* Whether d->staff may print every slip of job (a volunteer: only the
 * children of the schools and classes assigned to them). */
static enum cr_status printq_allowed(struct cr_db *db, long long staff, long long job, struct cr_err *err)
{
	sqlite3_stmt *st;
	enum cr_status s;
	long long out = 0;
	int rc, role;

	if ((s = perm_check(db, staff, PERM_PRINT, err)) != CR_OK)
		return s;
	if (staff <= 0)
		return CR_OK;
	/* read again: a role that cannot be read is an error, never "no scope" */
	if ((role = perm_role_of(db, staff, err)) == -2)
		return err && err->status != CR_OK ? err->status : CR_EINTERNAL;
	if (role < 0 || !perm_scoped((enum staff_role)role, PERM_PRINT))
		return CR_OK;
	/* The first slip whose child is outside the volunteer's schools and classes. */
	if (!(st = db_prepare(db, "SELECT i.card_id FROM print_item i JOIN card k ON k.id = i.card_id "
			      "JOIN student s ON s.id = k.student_id WHERE i.job_id = ?1 AND NOT EXISTS ("
			      "SELECT 1 FROM staff_assignment a WHERE a.staff_id = ?2 AND (a.school_id = s.school_id "
			      "OR a.class_id IN (SELECT class_id FROM enrollment WHERE student_id = s.id) "
			      "OR a.class_id IN (SELECT class_id FROM enrollment_away WHERE student_id = s.id))) "
			      "ORDER BY i.seq LIMIT 1", err)))
		return err->status;
	sqlite3_bind_int64(st, 1, job);
	sqlite3_bind_int64(st, 2, staff);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading the print job's slips");
	return out ? perm_check_card(db, staff, PERM_PRINT, out, err) : CR_OK;
}

enum cr_status printq_run(struct cr_db *db, const struct printq_dest *d, long long job, long long *ran,
			  int *printed, int *skipped, struct cr_err *err)
{
	struct printq_rows rows = { 0 };
	char state[16] = "", error[8];
	enum cr_status s;

	*printed = *skipped = 0;
	*ran = job;
	/* Claimed before its state is read: two desks sending the same job
	 * one after the other see the first one's "done". */
	if ((s = printq_claim(db, job, err)) != CR_OK)
		return s;
	if ((s = printq_state(db, job, state, sizeof state, error, sizeof error, err)) != CR_OK ||
	    (s = printq_allowed(db, d->staff, job, err)) != CR_OK) {
		printq_unclaim(db, job);
		return s;
	}
	if (!strcmp(state, "done")) {
		printq_unclaim(db, job);
		if (d->waiting_only) {
			*ran = 0;
			return CR_OK;
		}
		if ((s = printq_reprint(db, job, d->staff, ran, err)) != CR_OK)
			return s;
		job = *ran;
		if ((s = printq_claim(db, job, err)) != CR_OK)
			return s;
	}
	if ((s = printq_set(db, job, "sending", d->ps->driver, d->target ? d->target : d->ps->target, NULL, err))
	    != CR_OK) {
		printq_unclaim(db, job);
		return s;
	}
	if ((s = printq_load(db, job, &rows, err)) == CR_OK && rows.n == 0)
		s = cr_fail(err, CR_EDATA, "print job %lld has no slip to print (its cards are void)", job);
	if (s == CR_OK)
		s = printq_send(d, &rows, err);
	*skipped = rows.skipped;
	if (s == CR_OK) {
		struct cr_err e2 = { 0 };

		*printed = rows.n;
		printq_set(db, job, "done", NULL, NULL, NULL, &e2);
		printq_audit(db, d, job, rows.n);
	} else {
		struct cr_err e2 = { 0 };

		/* Never lost: the job waits, failed with the reason, for the
		 * printer to come back. */
		printq_set(db, job, "failed", NULL, NULL, err->msg, &e2);
	}
	printq_unclaim(db, job);
	printq_rows_free(&rows);
	return s;
}

enum cr_status printq_waiting_for_class(struct cr_db *db, long long class_id, long long *job, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT max(id) FROM print_job WHERE class_id = ?1 "
				      "AND state IN ('queued', 'failed')", err);

	*job = 0;
	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, class_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*job = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return CR_OK;
}
