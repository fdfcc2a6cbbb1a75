/* lockout: failed sign-ins, counted per name tried, in the database. */
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "lockout.h"
#include "staff_audit.h"

long long lockout_delay(int failures)
{
	long long d = LOCKOUT_FIRST_S;

	if (failures <= LOCKOUT_FREE_TRIES)
		return 0;
	for (int i = LOCKOUT_FREE_TRIES + 1; i < failures && d < LOCKOUT_MAX_S; i++)
		d *= 2;
	return d < LOCKOUT_MAX_S ? d : LOCKOUT_MAX_S;
}

/* The key of a name: SHA-256 (hex) of the cleaned name with ASCII case
 * folded, as the database compares staff names. A name that is not a
 * staff name at all is keyed as typed. */
static void lockout_key(const char *name, char out[65])
{
	char clean[STAFF_NAME_MAX + 1], folded[4 * STAFF_NAME_MAX + 8];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	const char *src = clean;

	if (staff_name_clean(name, clean, NULL) != CR_OK)
		src = name ? name : "";
	snprintf(folded, sizeof folded, "%s", src);
	for (char *p = folded; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!EVP_Digest(folded, strlen(folded), md, &len, EVP_sha256(), NULL))
		len = 0;
	for (unsigned int i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[2 * (len < 32 ? len : 32)] = '\0';
	explicit_bzero(folded, sizeof folded);
}

struct lockout_row {
	int       failures;
	long long last_at;
	long long locked_until;
};

static enum cr_status lockout_read(struct cr_db *db, const char *key, struct lockout_row *r, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT failures, last_at, locked_until FROM signin_failure "
				      "WHERE name_key = ?1", err);
	int rc;

	memset(r, 0, sizeof *r);
	if (!st)
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->failures = sqlite3_column_int(st, 0);
		r->last_at = sqlite3_column_int64(st, 1);
		r->locked_until = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading failed sign-ins");
	return CR_OK;
}

/* The account's id when name is one (for the audit row), else 0. */
static long long lockout_account(struct cr_db *db, const char *name)
{
	char clean[STAFF_NAME_MAX + 1];
	sqlite3_stmt *st;
	long long id = 0;

	if (staff_name_clean(name, clean, NULL) != CR_OK ||
	    !(st = db_prepare(db, "SELECT id FROM staff WHERE name = ?1 COLLATE NOCASE ORDER BY id LIMIT 1", NULL)))
		return 0;
	sqlite3_bind_text(st, 1, clean, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* Counts one failure at now, in one transaction with its audit rows.
 * *lock gets the seconds of the lock it starts (0: none). */
static enum cr_status lockout_fail(struct cr_db *db, const char *name, const char *key, const char *desk,
				   long long now, long long *lock, struct cr_err *err)
{
	struct lockout_row r;
	enum cr_status st;
	sqlite3_stmt *q;
	long long account;
	char detail[96];
	int rc;

	*lock = 0;
	if ((st = db_begin_immediate(db, err)) != CR_OK)
		return st;
	if ((st = lockout_read(db, key, &r, err)) != CR_OK)
		goto fail;
	if (now - r.last_at > LOCKOUT_FORGET_S)
		r.failures = 0;
	r.failures++;
	*lock = lockout_delay(r.failures);
	if (!(q = db_prepare(db, "INSERT INTO signin_failure (name_key, failures, last_at, locked_until) "
			     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name_key) DO UPDATE SET "
			     "failures = excluded.failures, last_at = excluded.last_at, "
			     "locked_until = excluded.locked_until", err))) {
		st = err ? err->status : CR_EINTERNAL;
		goto fail;
	}
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, r.failures);
	sqlite3_bind_int64(q, 3, now);
	sqlite3_bind_int64(q, 4, *lock ? now + *lock : 0);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		st = db_fail(db, err, rc, "recording a failed sign-in");
		goto fail;
	}
	/* By account id when the name is an account's; an unknown name leaves
	 * no trace of what was typed. */
	account = lockout_account(db, name);
	snprintf(detail, sizeof detail, "failure %d in a row", r.failures);
	if ((st = staff_audit(db, 0, desk, "sign-in-failed", account ? "staff" : NULL, account, detail, err))
	    != CR_OK)
		goto fail;
	if (*lock) {
		snprintf(detail, sizeof detail, "locked for %lld s after %d failures in a row", *lock, r.failures);
		if ((st = staff_audit(db, 0, desk, "sign-in-locked", account ? "staff" : NULL, account, detail, err))
		    != CR_OK)
			goto fail;
	}
	return db_commit(db, err);
fail:
	db_rollback(db);
	return st;
}

static enum cr_status lockout_forget(struct cr_db *db, const char *key, struct cr_err *err)
{
	sqlite3_stmt *q = db_prepare(db, "DELETE FROM signin_failure WHERE name_key = ?1", err);
	int rc;

	if (!q)
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? CR_OK : db_fail(db, err, rc, "clearing failed sign-ins");
}

enum cr_status lockout_clear(struct cr_db *db, const char *name, struct cr_err *err)
{
	char key[65];

	lockout_key(name, key);
	return lockout_forget(db, key, err);
}

enum cr_status staff_signin(struct cr_db *db, const char *name, const char *pin, const char *desk, long long now,
			    struct staff_who *who, struct cr_err *err)
{
	struct lockout_row r;
	struct cr_err why = { 0 };
	enum cr_status st;
	long long lock;
	char key[65];

	memset(who, 0, sizeof *who);
	lockout_key(name, key);
	if ((st = lockout_read(db, key, &r, err)) != CR_OK)
		return st;
	if (r.locked_until > now)
		return cr_fail(err, CR_ETEMP, "too many tries for this name: wait %lld s, then try again",
			       r.locked_until - now);
	st = staff_verify(db, name, pin, who, &why);
	if (st == CR_OK) {
		if (r.failures && (st = lockout_forget(db, key, err)) != CR_OK)
			return st;
		return staff_audit(db, who->id, desk, "sign-in", "staff", who->id, NULL, err);
	}
	if (st != CR_EDATA)   /* the database or memory failed: not the person's mistake */
		return cr_fail(err, st, "%s", why.msg);
	if ((st = lockout_fail(db, name, key, desk, now, &lock, err)) != CR_OK)
		return st;
	if (lock)
		return cr_fail(err, CR_ETEMP, "%s; too many tries for this name: wait %lld s, then try again",
			       why.msg, lock);
	return cr_fail(err, CR_EDATA, "%s", why.msg);
}
