/* audit: writing the append-only audit log, and reading it back with each
 * child's keyed hash matched to a child still in the database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "audit.h"

#define AUDIT_KEY_LEN 32

static enum cr_status audit_key(struct cr_db *db, unsigned char key[AUDIT_KEY_LEN], struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT key FROM audit_key WHERE id = 1", err);
	enum cr_status s = CR_OK;
	int rc;

	if (!st)
		return err ? err->status : CR_EINTERNAL;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == AUDIT_KEY_LEN)
		memcpy(key, sqlite3_column_blob(st, 0), AUDIT_KEY_LEN);
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		s = cr_fail(err, CR_EDATA, "the database's audit key is missing or damaged");
	else
		s = db_fail(db, err, rc, "reading the audit key");
	sqlite3_reset(st);
	return s;
}

/* HMAC-SHA256(key, district sourcedId 0x1f student sourcedId), in hex. */
static int audit_hash(const unsigned char *key, const char *district, const char *sourced,
		      char out[AUDIT_HASH_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t dl = strlen(district), sl = strlen(sourced);
	unsigned char *msg = malloc(dl + sl + 1);

	if (!msg)
		return -1;
	memcpy(msg, district, dl);
	msg[dl] = 0x1f;
	memcpy(msg + dl + 1, sourced, sl);
	if (!HMAC(EVP_sha256(), key, AUDIT_KEY_LEN, msg, dl + sl + 1, mac, &maclen) || maclen != 32) {
		free(msg);
		return -1;
	}
	free(msg);
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

enum cr_status audit_subject(struct cr_db *db, long long student, char out[AUDIT_HASH_HEX], struct cr_err *err)
{
	unsigned char key[AUDIT_KEY_LEN];
	sqlite3_stmt *st;
	enum cr_status s;
	int rc;

	out[0] = '\0';
	if ((s = audit_key(db, key, err)) != CR_OK)
		return s;
	if (!(st = db_prepare(db, "SELECT d.sourced_id, s.sourced_id FROM student s "
				  "JOIN district d ON d.id = s.district_id WHERE s.id = ?1", err)))
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_int64(st, 1, student);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (audit_hash(key, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
			       out) != 0)
			s = cr_fail(err, CR_EINTERNAL, "computing the audit hash failed");
	} else if (rc == SQLITE_DONE) {
		s = cr_fail(err, CR_ENOINPUT, "no such student for the audit");
	} else {
		s = db_fail(db, err, rc, "reading the student for the audit");
	}
	sqlite3_reset(st);
	explicit_bzero(key, sizeof key);
	return s;
}

enum cr_status audit_write(struct cr_db *db, const struct audit_entry *e, struct cr_err *err)
{
	char subject[AUDIT_HASH_HEX] = "";
	sqlite3_stmt *st;
	enum cr_status s;
	int rc;

	if (e->student > 0 && (s = audit_subject(db, e->student, subject, err)) != CR_OK)
		return s;
	if (!(st = db_prepare(db, "INSERT INTO audit (at, staff_id, desk, action, object_kind, object_id, detail, "
				  "subject) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", err)))
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_int64(st, 1, (long long)time(NULL));
	if (e->staff > 0)
		sqlite3_bind_int64(st, 2, e->staff);
	if (e->desk && *e->desk)
		sqlite3_bind_text(st, 3, e->desk, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, e->action, -1, SQLITE_TRANSIENT);
	if (e->object_kind)
		sqlite3_bind_text(st, 5, e->object_kind, -1, SQLITE_TRANSIENT);
	if (e->object_id > 0)
		sqlite3_bind_int64(st, 6, e->object_id);
	if (e->detail)
		sqlite3_bind_text(st, 7, e->detail, -1, SQLITE_TRANSIENT);
	if (subject[0])
		sqlite3_bind_text(st, 8, subject, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "writing the audit log");
	return CR_OK;
}

/* The hashes the rows to show name, sorted, with the child each matched. */
struct audit_match {
	char      hash[AUDIT_HASH_HEX];
	long long student;
	char     *number;
};

static int audit_match_cmp(const void *a, const void *b)
{
	return strcmp(((const struct audit_match *)a)->hash, ((const struct audit_match *)b)->hash);
}

static enum cr_status audit_matches(struct cr_db *db, long long since, struct audit_match **out, size_t *n,
				    struct cr_err *err)
{
	sqlite3_stmt *st;
	struct audit_match *m = NULL;
	size_t cap = 0, left;
	unsigned char key[AUDIT_KEY_LEN];
	enum cr_status s = CR_OK;
	int rc;

	*out = NULL;
	*n = 0;
	if (!(st = db_prepare(db, "SELECT DISTINCT subject FROM audit WHERE subject IS NOT NULL AND at >= ?1 "
				  "ORDER BY subject", err)))
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_int64(st, 1, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);

		if (*n == cap) {
			struct audit_match *nm = realloc(m, (cap ? cap * 2 : 64) * sizeof *m);

			if (!nm) {
				s = cr_fail(err, CR_ENOMEM, "out of memory reading the audit");
				break;
			}
			m = nm;
			cap = cap ? cap * 2 : 64;
		}
		memset(&m[*n], 0, sizeof m[*n]);
		snprintf(m[*n].hash, sizeof m[*n].hash, "%s", h ? h : "");
		(*n)++;
	}
	sqlite3_reset(st);
	if (s == CR_OK && rc != SQLITE_DONE)
		s = db_fail(db, err, rc, "reading the audit");
	if (s != CR_OK || *n == 0 || (s = audit_key(db, key, err)) != CR_OK) {
		*out = m;
		return s;
	}
	/* One hash a child still here until every hash is matched. */
	left = *n;
	if (!(st = db_prepare(db, "SELECT s.id, d.sourced_id, s.sourced_id, coalesce(s.student_number, '') "
				  "FROM student s JOIN district d ON d.id = s.district_id", err))) {
		*out = m;
		return err ? err->status : CR_EINTERNAL;
	}
	while (left > 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_match probe, *hit;

		if (audit_hash(key, (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
			       probe.hash) != 0)
			continue;
		hit = bsearch(&probe, m, *n, sizeof *m, audit_match_cmp);
		if (!hit || hit->student)
			continue;
		hit->student = sqlite3_column_int64(st, 0);
		hit->number = strdup((const char *)sqlite3_column_text(st, 3));
		left--;
	}
	if (left > 0 && rc != SQLITE_DONE)
		s = db_fail(db, err, rc, "matching the audit to the roster");
	sqlite3_reset(st);
	explicit_bzero(key, sizeof key);
	*out = m;
	return s;
}

static const char *audit_col(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? t : "";
}

enum cr_status audit_read(struct cr_db *db, long long since, int (*fn)(const struct audit_row *r, void *ctx),
			  void *ctx, struct cr_err *err)
{
	struct audit_match *m = NULL;
	size_t n = 0;
	sqlite3_stmt *st = NULL;
	enum cr_status s;
	int rc = SQLITE_DONE;

	if ((s = audit_matches(db, since, &m, &n, err)) != CR_OK)
		goto out;
	if (!(st = db_prepare(db, "SELECT a.id, a.at, coalesce(a.staff_id, 0), coalesce(s.name, ''), a.desk, "
				  "a.action, a.object_kind, coalesce(a.object_id, 0), a.subject, a.detail "
				  "FROM audit a LEFT JOIN staff s ON s.id = a.staff_id WHERE a.at >= ?1 ORDER BY a.id",
			      err))) {
		s = err ? err->status : CR_EINTERNAL;
		goto out;
	}
	sqlite3_bind_int64(st, 1, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_row r = {
			.id = sqlite3_column_int64(st, 0),
			.at = sqlite3_column_int64(st, 1),
			.staff = sqlite3_column_int64(st, 2),
			.staff_name = audit_col(st, 3),
			.desk = audit_col(st, 4),
			.action = audit_col(st, 5),
			.object_kind = audit_col(st, 6),
			.object_id = sqlite3_column_int64(st, 7),
			.subject = audit_col(st, 8),
			.student_number = "",
			.detail = audit_col(st, 9),
		};

		if (r.subject[0]) {
			struct audit_match probe, *hit;

			snprintf(probe.hash, sizeof probe.hash, "%s", r.subject);
			if ((hit = bsearch(&probe, m, n, sizeof *m, audit_match_cmp)) && hit->student) {
				r.student = hit->student;
				r.student_number = hit->number ? hit->number : "";
			}
		}
		if (fn(&r, ctx) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		s = db_fail(db, err, rc, "reading the audit");
	sqlite3_reset(st);
out:
	for (size_t i = 0; i < n; i++)
		free(m[i].number);
	free(m);
	return s;
}
