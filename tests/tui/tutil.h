/* tutil: small helpers the TUI tests share (include after cmocka.h and
 * sqlite3.h): a shell command that must succeed, a file written whole, and
 * a number read from the database as another program would see it; the
 * start of a test: its folder, the demo district and the admin; and the
 * end of a test: cardroll stopped as a person would, its files gone. */
#ifndef CR_TEST_TUTIL_H
#define CR_TEST_TUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

static void t_run(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));

static void t_run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if ((rc = system(cmd)) != 0)
		fail_msg("`%s` failed (%d)", cmd, rc);
}

static void __attribute__((unused)) t_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The first column of the first row of sql, read-only; -1 when no row. */
static long long __attribute__((unused)) t_db_int(const char *db, const char *sql)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(s, 2000);
	if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(s));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(s);
	return v;
}

/* The demo district, as `cardroll import` takes it (t_fixture's roster). */
#define T_DEMO "assets/demo/district"

/* The start of a test: its folder dir, /tmp/cardroll-<tag>-XXXXXX, and its
 * database db, dir/desk.db. With a roster (the arguments of `cardroll
 * import`, T_DEMO or "--quiet " T_DEMO), $CARDROLL_BIN imports it and adds
 * Maria Lopez as the admin (PIN 2468); with NULL the database is not made.
 * 0, or -1 when the folder cannot be made or CARDROLL_BIN is not set. */
static int __attribute__((unused)) t_fixture(char dir[static 64], char db[static 128], const char *tag,
					     const char *roster)
{
	const char *bin = getenv("CARDROLL_BIN");

	if (roster && !bin)
		return -1;
	snprintf(dir, 64, "/tmp/cardroll-%s-XXXXXX", tag);
	if (!mkdtemp(dir))
		return -1;
	snprintf(db, 128, "%s/desk.db", dir);
	if (roster) {
		t_run("'%s' --db '%s' import %s >/dev/null", bin, db, roster);
		t_run("CARDROLL_PIN=2468 '%s' --db '%s' staff add 'Maria Lopez' >/dev/null", bin, db);
	}
	return 0;
}

/* Writes text to dir/name, a desk's settings, and names it in path. */
static void __attribute__((unused)) t_ini(char path[static 128], const char *dir, const char *name,
					  const char *text)
{
	snprintf(path, 128, "%s/%s", dir, name);
	t_write(path, text);
}

/* Ends the cardroll in h (NULL: none was started) with F10, as a person
 * would, wherever the test left it: 0 when it ended cleanly. */
static int __attribute__((unused)) t_stop(struct h_term *h, const char *which)
{
	int status = h ? h_stop(h) : 0;

	if (status != 0)
		fprintf(stderr, "%s ended with status %d\n", which, status);
	return status;
}

/* Removes a database with its -wal, -shm and -journal. */
static void __attribute__((unused)) t_remove_db(const char *db)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal", ".print-lock" };
	char path[4200];

	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(path, sizeof path, "%s%s", db, suffix[i]);
		unlink(path);
	}
}

#endif
