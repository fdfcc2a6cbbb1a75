/* db: opening, migrating and sharing the SQLite database. Several cardroll
 * processes may hold it at once (a terminal server), so every write waits
 * politely for the others instead of failing with SQLITE_BUSY. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "db_migrations.h"
#include "text/i18n.h"

#define DB_STMT_CACHE 32
#define DB_BUSY_MS    10000

static int db_busy_ms = DB_BUSY_MS;

void db_set_busy_timeout(int ms)
{
	db_busy_ms = ms > 0 ? ms : DB_BUSY_MS;
}

struct db_cached {
	const char   *sql;      /* the caller's string literal: compared by pointer, then text */
	sqlite3_stmt *stmt;
};

struct cr_db {
	sqlite3          *h;
	char             *path;
	int               busy_ms;
	int               txn;         /* inside db_begin_immediate .. db_commit/db_rollback */
	int               committing;  /* db_commit's own COMMIT */
	struct db_cached  cache[DB_STMT_CACHE];
	int               ncache;
};

enum cr_status db_fail(struct cr_db *db, struct cr_err *err, int rc, const char *what)
{
	const char *detail = db && db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);

	what = _(what);   /* English where db_fail is called (xgettext: db_fail:4) */

	if (rc == SQLITE_CONSTRAINT_COMMITHOOK)
		return cr_fail(err, CR_EINTERNAL, "%s: the database undid the change after an earlier error "
			       "(out of memory, or the disk); nothing was saved, try again", what);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return cr_fail(err, CR_ETEMP, "%s: the database%s%s is busy (another desk or program is writing to it); "
			       "try again", what, db && db->path ? " " : "", db && db->path ? db->path : "");
	case SQLITE_FULL:
		return cr_fail(err, CR_ECANTCREATE, "%s: the disk holding %s is full; nothing was saved", what,
			       db && db->path ? db->path : _("the database"));
	case SQLITE_CANTOPEN:
		return cr_fail(err, CR_ECANTCREATE, "%s: cannot open the database file (%s)", what, detail);
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return cr_fail(err, CR_ECANTCREATE, "%s: the database%s%s is read-only to this user (cardroll "
			       "needs to write to it and to its folder: %s)", what,
			       db && db->path ? " " : "", db && db->path ? db->path : "", detail);
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return cr_fail(err, CR_EDATA, "%s: the file is not a cardroll database or is damaged (%s)", what, detail);
	case SQLITE_IOERR:
		if (rc == SQLITE_IOERR_READ || rc == SQLITE_IOERR_SHORT_READ)
			return cr_fail(err, CR_ECANTCREATE, "%s: the database file %s could not be read (is the disk "
				       "full or failing?); nothing was saved", what, db && db->path ? db->path : "");
		return cr_fail(err, CR_ECANTCREATE, "%s: the database file %s could not be written (is the disk full "
			       "or failing?); nothing was saved", what, db && db->path ? db->path : "");
	case SQLITE_INTERRUPT:
		return cr_fail(err, CR_EINTERRUPTED, "%s: interrupted", what);
	default:
		return cr_fail(err, CR_EINTERNAL, "%s: %s", what, detail);
	}
}

/* SQLite may roll a transaction back by itself when a statement fails
 * with no memory, a full disk or an I/O error. A caller that went on
 * would then write in autocommit, each statement committed alone: half a
 * signup or half an import saved. While one of our transactions is open,
 * every commit but db_commit's own is turned into a rollback, so such a
 * statement fails instead (and the caller reports it). */
static int db_commit_guard(void *ctx)
{
	const struct cr_db *db = ctx;

	return db->txn && !db->committing;
}

/* Creates the file 0600 ourselves: SQLite would honour the umask (often 0644),
 * and children's data must not be world-readable. */
static enum cr_status db_create_private(const char *path, struct cr_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0) {
		if (errno == EEXIST)
			return CR_OK;
		return cr_fail(err, CR_ECANTCREATE, "cannot create database %s: %s", path, strerror(errno));
	}
	close(fd);
	return CR_OK;
}

int db_schema_latest(void)
{
	int v = 0;

	for (int i = 0; i < db_migration_count; i++)
		if (db_migrations[i].version > v)
			v = db_migrations[i].version;
	return v;
}

int db_schema_version(struct cr_db *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

enum cr_status db_exec(struct cr_db *db, const char *sql, struct cr_err *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);

	sqlite3_free(msg);
	if (rc != SQLITE_OK)
		return db_fail(db, err, rc, "database");
	return CR_OK;
}

static enum cr_status db_check_not_newer(struct cr_db *db, struct cr_err *err)
{
	int have = db_schema_version(db);

	if (have < 0)
		return db_fail(db, err, sqlite3_errcode(db->h), "reading the schema version");
	if (have > db_schema_latest())
		return cr_fail(err, CR_EDATA,
			       "%s has schema version %d, newer than this cardroll knows (%d); it was left "
			       "untouched: update cardroll", db->path, have, db_schema_latest());
	return CR_OK;
}

static enum cr_status db_migrate(struct cr_db *db, struct cr_err *err)
{
	int have = db_schema_version(db);
	enum cr_status st;

	if (have < 0)
		return db_fail(db, err, sqlite3_errcode(db->h), "reading the schema version");
	if (have > db_schema_latest())
		return db_check_not_newer(db, err);
	for (int i = 0; i < db_migration_count; i++) {
		const struct db_migration *m = &db_migrations[i];
		char pragma[64];

		if (m->version <= have)
			continue;
		if ((st = db_begin_immediate(db, err)) != CR_OK)
			return st;
		/* Another process may have migrated while we waited for the lock. */
		if (db_schema_version(db) >= m->version) {
			db_rollback(db);
			continue;
		}
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", m->version);
		if ((st = db_exec(db, m->sql, err)) != CR_OK ||
		    (st = db_exec(db, pragma, err)) != CR_OK) {
			db_rollback(db);
			return cr_fail(err, st, "schema migration %s failed: %s", m->name, err ? err->msg : "");
		}
		if ((st = db_commit(db, err)) != CR_OK)
			return st;
	}
	return CR_OK;
}

enum cr_status db_open(const char *path, unsigned flags, struct cr_db **out, struct cr_err *err)
{
	struct cr_db *db;
	enum cr_status st;
	int oflags = SQLITE_OPEN_NOMUTEX;
	int rc;

	*out = NULL;
	if (!path || !*path)
		return cr_fail(err, CR_EUSAGE, "no database path given");
	if (flags & (DB_READONLY | DB_NOCREATE)) {
		if (access(path, F_OK) != 0)
			return cr_fail(err, CR_ENOINPUT, "database %s does not exist", path);
	} else if ((st = db_create_private(path, err)) != CR_OK) {
		return st;
	}
	oflags |= (flags & DB_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;

	db = calloc(1, sizeof *db);
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return cr_fail(err, CR_ENOMEM, "out of memory");
	}
	rc = sqlite3_open_v2(path, &db->h, oflags, NULL);
	if (rc != SQLITE_OK) {
		st = db_fail(db, err, rc, path);
		db_close(db);
		return st;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_commit_hook(db->h, db_commit_guard, db);
	db->busy_ms = db_busy_ms;
	sqlite3_busy_timeout(db->h, db->busy_ms);
	st = db_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;", err);
	/* A database from a newer cardroll is refused before anything is
	 * written to it (not even the journal mode). */
	if (st == CR_OK)
		st = db_check_not_newer(db, err);
	/* A file this user may not write (SQLite then opens it read-only):
	 * current, it can still be read (find, report); a write says
	 * read-only, naming it. It is never migrated or switched to WAL. */
	if (st == CR_OK && !(flags & DB_READONLY) && sqlite3_db_readonly(db->h, "main") == 1) {
		if (db_schema_version(db) != db_schema_latest())
			st = cr_fail(err, CR_ECANTCREATE, "%s is read-only and needs a schema update "
				     "(version %d to %d) that only a writable database can have", path,
				     db_schema_version(db), db_schema_latest());
		flags |= DB_READONLY;
	}
	if (st == CR_OK && !(flags & DB_READONLY))
		st = db_exec(db, "PRAGMA journal_mode = WAL;", err);
	if (st == CR_OK && !(flags & DB_READONLY))
		st = db_migrate(db, err);
	if (st == CR_OK && (flags & DB_READONLY) && db_schema_version(db) != db_schema_latest())
		st = cr_fail(err, CR_EDATA, "%s has schema version %d; this cardroll reads version %d", path,
			     db_schema_version(db), db_schema_latest());
	if (st != CR_OK) {
		db_close(db);
		return st;
	}
	*out = db;
	return CR_OK;
}

void db_close(struct cr_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < db->ncache; i++)
		sqlite3_finalize(db->cache[i].stmt);
	sqlite3_close_v2(db->h);
	free(db->path);
	free(db);
}

sqlite3 *db_handle(struct cr_db *db)
{
	return db->h;
}

const char *db_path(const struct cr_db *db)
{
	return db->path;
}

sqlite3_stmt *db_prepare(struct cr_db *db, const char *sql, struct cr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	/* Callers pass string literals: the pointer almost always matches, and
	 * the text comparison is only the fallback (this runs once per row of a
	 * million-row import). */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < db->ncache; i++) {
			if (pass ? strcmp(db->cache[i].sql, sql) != 0 : db->cache[i].sql != sql)
				continue;
			st = db->cache[i].stmt;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		db_fail(db, err, rc, "preparing a query");
		return NULL;
	}
	if (db->ncache == DB_STMT_CACHE) {
		/* Evict the oldest; the cache only saves prepare time. */
		sqlite3_finalize(db->cache[0].stmt);
		memmove(&db->cache[0], &db->cache[1], sizeof db->cache[0] * (DB_STMT_CACHE - 1));
		db->ncache--;
	}
	db->cache[db->ncache].sql = sql;
	db->cache[db->ncache].stmt = st;
	db->ncache++;
	return st;
}

enum cr_status db_begin_immediate(struct cr_db *db, struct cr_err *err)
{
	/* busy_timeout covers BEGIN IMMEDIATE; a few more tries cover the rare
	 * case where the busy handler is not invoked (WAL recovery). */
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int tries = 0; tries < 50; tries++) {
		int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);

		if (rc == SQLITE_OK) {
			db->txn = 1;
			return CR_OK;
		}
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			return db_fail(db, err, rc, "starting a transaction");
		/* The busy handler has waited the whole timeout already: a
		 * writer that long is not going away ([storage] busy_timeout_ms). */
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >= db->busy_ms)
			break;
		usleep(20000);
	}
	return db_fail(db, err, SQLITE_BUSY, "starting a transaction");
}

enum cr_status db_commit(struct cr_db *db, struct cr_err *err)
{
	int rc;

	if (db->txn && sqlite3_get_autocommit(db->h)) {
		/* SQLite already rolled it back (see db_commit_guard). */
		db->txn = 0;
		return cr_fail(err, CR_EINTERNAL, "saving to the database: the change was undone by the database "
			       "after an earlier error; nothing was saved, try again");
	}
	db->committing = 1;
	rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	db->committing = 0;
	if (rc == SQLITE_OK)
		db->txn = 0;
	if (rc != SQLITE_OK) {
		enum cr_status st = db_fail(db, err, rc, "saving to the database");

		db_rollback(db);
		return st;
	}
	return CR_OK;
}

void db_rollback(struct cr_db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->txn = 0;
}

long long db_data_version(struct cr_db *db)
{
	sqlite3_stmt *st = db_prepare(db, "PRAGMA data_version", NULL);
	long long v = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return v;
}
