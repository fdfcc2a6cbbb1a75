/* profile: one row of community_profile (migration 0003), read and set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "coverage.h"
#include "text/text.h"

static void profile_copy(char *dst, size_t len, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

enum cr_status profile_get(struct cr_db *db, struct profile *p, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT chief_elected_official, superintendent, library_director, "
				      "commitment_date FROM community_profile WHERE id = 1", err);
	int rc;

	memset(p, 0, sizeof *p);
	if (!st)
		return err ? err->status : CR_EINTERNAL;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		profile_copy(p->chief, sizeof p->chief, st, 0);
		profile_copy(p->superintendent, sizeof p->superintendent, st, 1);
		profile_copy(p->director, sizeof p->director, st, 2);
		profile_copy(p->committed, sizeof p->committed, st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading the community profile");
	return CR_OK;
}

/* A cleaned copy of a name into dst, or CR_EDATA naming opt. */
static enum cr_status profile_name(const char *in, const char *opt, char *dst, size_t len, struct cr_err *err)
{
	char *clean = NULL;
	unsigned issues = 0;

	if (!in)
		return CR_OK;
	if (text_clean(in, strlen(in), &clean, &issues) != 0)
		return cr_fail(err, CR_ENOMEM, "out of memory");
	if (!clean)
		return cr_fail(err, CR_EDATA, "%s: not UTF-8 text", opt);
	if (strlen(clean) >= len) {
		free(clean);
		return cr_fail(err, CR_EDATA, "%s: longer than %zu bytes", opt, len - 1);
	}
	snprintf(dst, len, "%s", clean);
	free(clean);
	return CR_OK;
}

enum cr_status profile_set(struct cr_db *db, const char *chief, const char *superintendent,
			   const char *director, const char *committed, struct cr_err *err)
{
	struct profile p;
	sqlite3_stmt *st;
	enum cr_status s;
	int rc;

	if (committed && *committed && !coverage_valid_date(committed))
		return cr_fail(err, CR_EDATA, "--committed: '%.40s' is not a date (YYYY-MM-DD)", committed);
	if ((s = db_begin_immediate(db, err)) != CR_OK)
		return s;
	if ((s = profile_get(db, &p, err)) != CR_OK ||
	    (s = profile_name(chief, "--chief", p.chief, sizeof p.chief, err)) != CR_OK ||
	    (s = profile_name(superintendent, "--superintendent", p.superintendent, sizeof p.superintendent, err)) != CR_OK ||
	    (s = profile_name(director, "--director", p.director, sizeof p.director, err)) != CR_OK) {
		db_rollback(db);
		return s;
	}
	if (committed)
		snprintf(p.committed, sizeof p.committed, "%s", committed);
	st = db_prepare(db, "INSERT OR REPLACE INTO community_profile (id, chief_elected_official, superintendent, "
			"library_director, commitment_date, updated_at) "
			"VALUES (1, nullif(?1, ''), nullif(?2, ''), nullif(?3, ''), nullif(?4, ''), unixepoch())", err);
	if (!st) {
		db_rollback(db);
		return err ? err->status : CR_EINTERNAL;
	}
	sqlite3_bind_text(st, 1, p.chief, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p.superintendent, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p.director, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, p.committed, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		s = db_fail(db, err, rc, "saving the community profile");
		db_rollback(db);
		return s;
	}
	return db_commit(db, err);
}
