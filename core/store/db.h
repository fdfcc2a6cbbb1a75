/* db: the one SQLite database (WAL, foreign keys, busy timeout, numbered
 * migrations), opened 0600, shared by several cardroll processes. */
#ifndef CR_DB_H
#define CR_DB_H

#include <sqlite3.h>
#include "status.h"

struct cr_db;

enum db_open_flags {
	DB_READONLY = 1 << 0,   /* do not create or migrate */
	DB_NOCREATE = 1 << 1,   /* fail when the file does not exist */
};

/* How long a database opened from now on waits for another connection's
 * write lock before saying it is busy (ms; [storage] busy_timeout_ms;
 * default 10000). */
void db_set_busy_timeout(int ms);

/* Opens (creating with mode 0600 and migrating when needed) the database at
 * path. On failure *out is NULL and err says why. */
enum cr_status db_open(const char *path, unsigned flags, struct cr_db **out, struct cr_err *err);
void db_close(struct cr_db *db);

sqlite3 *db_handle(struct cr_db *db);
const char *db_path(const struct cr_db *db);
/* Schema version (PRAGMA user_version). */
int db_schema_version(struct cr_db *db);
/* The newest schema version this build knows. */
int db_schema_latest(void);

/* A cached prepared statement for sql (the same text returns the same
 * statement, reset and with bindings cleared). NULL on error (err set). */
sqlite3_stmt *db_prepare(struct cr_db *db, const char *sql, struct cr_err *err);

/* Runs sql (no results wanted); err names the statement's failure. */
enum cr_status db_exec(struct cr_db *db, const char *sql, struct cr_err *err);

/* Transactions. db_begin_immediate retries on SQLITE_BUSY up to the busy
 * timeout; never shows SQLITE_BUSY to a person. */
enum cr_status db_begin_immediate(struct cr_db *db, struct cr_err *err);
enum cr_status db_commit(struct cr_db *db, struct cr_err *err);
void db_rollback(struct cr_db *db);

/* PRAGMA data_version: changes when another connection commits. */
long long db_data_version(struct cr_db *db);

/* Maps an SQLite result code to a status and a sentence in err. */
enum cr_status db_fail(struct cr_db *db, struct cr_err *err, int rc, const char *what);

#endif
