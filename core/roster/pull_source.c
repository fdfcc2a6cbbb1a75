/* pull_source: roster_source, what the server said at the last pull (ETag,
 * Last-Modified, the delta mark), and running the importer on a download. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pull_int.h"
#include "text/i18n.h"

/* ---- roster_source ---------------------------------------------------- */

static void col_copy(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

enum cr_status pull_source_load(struct cr_db *db, const char *url, struct source_state *ss, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT etag, last_modified, last_delta_at, coalesce(pulled_at, 0) FROM roster_source WHERE url = ?1",
		err);
	int rc;

	memset(ss, 0, sizeof *ss);
	if (!st)
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_copy(st, 0, ss->etag, sizeof ss->etag);
		col_copy(st, 1, ss->last_modified, sizeof ss->last_modified);
		const char *mark = (const char *)sqlite3_column_text(st, 2);

		if (mark) {   /* the mark, then the records applied at it */
			size_t n = strcspn(mark, "\n");

			snprintf(ss->last_delta_at, sizeof ss->last_delta_at, "%.*s", (int)n, mark);
			if (mark[n] && mark[n + 1] && !(ss->delta_seen = strdup(mark + n + 1))) {
				sqlite3_reset(st);
				return cr_fail(err, CR_ENOMEM, "out of memory");
			}
		}
		ss->pulled_at = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading roster_source");
	return CR_OK;
}

void pull_source_clear(struct source_state *ss)
{
	free(ss->delta_seen);
	ss->delta_seen = NULL;
}

static void bind_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* After the import committed: what the server said, and the run's source
 * shown as the URL instead of the temporary path. */
enum cr_status pull_source_save(struct cr_db *db, const char *url, const struct source_state *ss, int save,
				long long run_id, struct cr_err *err)
{
	enum cr_status st;
	sqlite3_stmt *q;
	int rc;

	if ((st = db_begin_immediate(db, err)) != CR_OK)
		return st;
	if (save) {
		if (!(q = db_prepare(db,
			"INSERT INTO roster_source (url, etag, last_modified, last_delta_at, pulled_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, "
			"last_modified = excluded.last_modified, last_delta_at = excluded.last_delta_at, "
			"pulled_at = excluded.pulled_at", err)))
			goto fail;
		sqlite3_bind_text(q, 1, url, -1, SQLITE_TRANSIENT);
		bind_or_null(q, 2, ss->etag);
		bind_or_null(q, 3, ss->last_modified);
		if (*ss->last_delta_at && ss->delta_seen && *ss->delta_seen) {
			char *mark = sqlite3_mprintf("%s\n%s", ss->last_delta_at, ss->delta_seen);

			if (!mark) {
				st = cr_fail(err, CR_ENOMEM, "out of memory");
				goto out;
			}
			sqlite3_bind_text(q, 4, mark, -1, sqlite3_free);
		} else {
			bind_or_null(q, 4, ss->last_delta_at);
		}
		sqlite3_bind_int64(q, 5, (sqlite3_int64)time(NULL));
		rc = sqlite3_step(q);
		sqlite3_reset(q);
		if (rc != SQLITE_DONE) {
			st = db_fail(db, err, rc, "saving roster_source");
			goto out;
		}
	}
	if (run_id > 0) {
		if (!(q = db_prepare(db, "UPDATE import_run SET source = ?1 WHERE id = ?2", err)))
			goto fail;
		sqlite3_bind_text(q, 1, url, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 2, run_id);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
		if (rc != SQLITE_DONE) {
			st = db_fail(db, err, rc, "naming the import's source");
			goto out;
		}
	}
	return db_commit(db, err);
fail:
	st = err ? err->status : CR_EINTERNAL;
out:
	db_rollback(db);
	return st;
}

void pull_http_date_local(const char *http_date, long long fallback, char *out, size_t len)
{
	time_t t = *http_date ? curl_getdate(http_date, NULL) : (time_t)-1;
	struct tm tm;

	if (t == (time_t)-1)
		t = (time_t)fallback;
	if (t > 0 && localtime_r(&t, &tm))
		strftime(out, len, "%Y-%m-%d %H:%M", &tm);
	else
		snprintf(out, len, "%s", _("the last pull"));
}

enum cr_status pull_run_import(struct cr_db *db, struct pull *p, const char *source,
			       struct roster_pull_result *r, struct cr_err *err)
{
	struct roster_options opt = { .source = source };

	r->imported = 1;
	return roster_import(db, &opt, &r->summary, err);
}

