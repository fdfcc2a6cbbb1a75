/* slips: print jobs in the database (queued -> sending -> done or failed,
 * for the printers issue to drive) and the text preview of a slip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slips.h"
#include "perm.h"
#include "text/text.h"

static enum cr_status slips_job(struct cr_db *db, long long class_id, long long staff, const char *driver,
				long long *job, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO print_job (created_at, created_by, class_id, driver, state, "
				      "updated_at) VALUES (?1, ?2, ?3, ?4, 'queued', ?1)", err);
	int rc;

	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, (long long)time(NULL));
	if (staff > 0)
		sqlite3_bind_int64(st, 2, staff);
	if (class_id > 0)
		sqlite3_bind_int64(st, 3, class_id);
	sqlite3_bind_text(st, 4, driver && *driver ? driver : "preview", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "queueing the slips");
	*job = sqlite3_last_insert_rowid(db_handle(db));
	return CR_OK;
}

enum cr_status slips_queue_class(struct cr_db *db, long long class_id, long long staff, const char *driver,
				 long long *job, int *count, struct cr_err *err)
{
	/* The class roll's children with a card, by family name (how a
	 * teacher hands them out). */
	static const char items_sql[] =
		"INSERT INTO print_item (job_id, seq, card_id) "
		"SELECT ?2, row_number() OVER (ORDER BY s.family_name, s.given_name, s.id), k.id "
		"FROM class c JOIN student s ON s.school_id = c.school_id AND s.status_code = 'a' "
		"JOIN enrollment e ON e.student_id = s.id AND e.class_id = c.id "
		"JOIN card k ON k.student_id = s.id AND k.status = 'active' WHERE c.id = ?1 "
		"UNION ALL SELECT ?2, 100000 + row_number() OVER (ORDER BY s.family_name, s.given_name, s.id), k.id "
		"FROM enrollment_away a JOIN student s ON s.id = a.student_id AND s.status_code = 'a' "
		"JOIN card k ON k.student_id = s.id AND k.status = 'active' WHERE a.class_id = ?1";
	enum cr_status rc;
	sqlite3_stmt *st;

	*job = 0;
	*count = 0;
	if ((rc = db_begin_immediate(db, err)) != CR_OK)
		return rc;
	if ((rc = perm_check_class(db, staff, PERM_PRINT, class_id, err)) != CR_OK)
		goto fail;
	if ((rc = slips_job(db, class_id, staff, driver, job, err)) != CR_OK)
		goto fail;
	if (!(st = db_prepare(db, items_sql, err))) {
		rc = err->status;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, class_id);
	sqlite3_bind_int64(st, 2, *job);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		rc = db_fail(db, err, sqlite3_errcode(db_handle(db)), "queueing the slips");
		goto fail;
	}
	sqlite3_reset(st);
	*count = sqlite3_changes(db_handle(db));
	if (*count == 0) {
		db_rollback(db);
		*job = 0;
		return CR_OK;
	}
	return db_commit(db, err);
fail:
	db_rollback(db);
	*job = 0;
	return rc;
}

/* The active card with this number (0 when none). */
static long long slips_card_id(struct cr_db *db, const char *number)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT id FROM card WHERE number = ?1 AND status = 'active'", NULL);
	long long id = 0;

	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

enum cr_status slips_queue_cards(struct cr_db *db, const char *const *numbers, int n, long long staff,
				 const char *driver, long long *job, struct cr_err *err)
{
	enum cr_status rc;
	sqlite3_stmt *st;

	*job = 0;
	if (n <= 0)
		return cr_fail(err, CR_EUSAGE, "no card number given");
	if ((rc = db_begin_immediate(db, err)) != CR_OK)
		return rc;
	if ((rc = slips_job(db, 0, staff, driver, job, err)) != CR_OK)
		goto fail;
	for (int i = 0; i < n; i++) {
		if (!(st = db_prepare(db, "INSERT INTO print_item (job_id, seq, card_id) "
				      "SELECT ?2, ?3, id FROM card WHERE number = ?1 AND status = 'active'", err))) {
			rc = err->status;
			goto fail;
		}
		sqlite3_bind_text(st, 1, numbers[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, *job);
		sqlite3_bind_int(st, 3, i + 1);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			rc = db_fail(db, err, sqlite3_errcode(db_handle(db)), "queueing the slip");
			goto fail;
		}
		sqlite3_reset(st);
		if (sqlite3_changes(db_handle(db)) == 0) {
			rc = cr_fail(err, CR_ENOINPUT, "no card in use has the number given (card %d of %d)", i + 1, n);
			goto fail;
		}
		if ((rc = perm_check_card(db, staff, PERM_PRINT, slips_card_id(db, numbers[i]), err)) != CR_OK)
			goto fail;
	}
	return db_commit(db, err);
fail:
	db_rollback(db);
	*job = 0;
	return rc;
}

enum cr_status slips_queue_card(struct cr_db *db, const char *number, long long staff, const char *driver,
				long long *job, struct cr_err *err)
{
	return slips_queue_cards(db, &number, 1, staff, driver, job, err);
}

static void slips_put(char *buf, size_t len, size_t *at, const char *label, const char *value)
{
	char *safe = text_inert(value ? value : "", 0);
	int n;

	n = snprintf(buf + *at, *at < len ? len - *at : 0, "%-12s %s\n", label, safe ? safe : "?");
	free(safe);
	if (n > 0)
		*at += (size_t)n;
}

enum cr_status slips_text(struct cr_db *db, const char *number, char *buf, size_t len, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT s.given_name, s.family_name, coalesce(s.preferred_name, ''), coalesce(sc.name, ''), "
		" coalesce((SELECT c.title FROM enrollment e JOIN class c ON c.id = e.class_id "
		"   WHERE e.student_id = s.id AND c.school_id IS s.school_id ORDER BY c.title LIMIT 1), ''), "
		" k.number, coalesce(k.expires, ''), d.name "
		"FROM card k JOIN student s ON s.id = k.student_id JOIN district d ON d.id = s.district_id "
		"LEFT JOIN school sc ON sc.id = s.school_id WHERE k.number = ?1 AND k.status = 'active'", err);
	size_t at = 0;
	char name[512];
	int rc;

	if (!st)
		return err->status;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? cr_fail(err, CR_ENOINPUT, "no card in use has the number given")
					 : db_fail(db, err, rc, "reading the card");
	}
	buf[0] = '\0';
	snprintf(name, sizeof name, "%s %s",
		 *sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2)
					     : (const char *)sqlite3_column_text(st, 0),
		 (const char *)sqlite3_column_text(st, 1));
	at += (size_t)snprintf(buf, len, "Your library card\n-----------------\n");
	slips_put(buf, len, &at, "Name", name);
	slips_put(buf, len, &at, "School", (const char *)sqlite3_column_text(st, 3));
	slips_put(buf, len, &at, "Class", (const char *)sqlite3_column_text(st, 4));
	slips_put(buf, len, &at, "Card number", (const char *)sqlite3_column_text(st, 5));
	slips_put(buf, len, &at, "Valid until", (const char *)sqlite3_column_text(st, 6));
	slips_put(buf, len, &at, "District", (const char *)sqlite3_column_text(st, 7));
	if (at < len)
		snprintf(buf + at, len - at, "\nWith your card: e-books and audiobooks, homework help,\n"
			 "databases for school projects, and every book in the library.\n");
	sqlite3_reset(st);
	return CR_OK;
}
