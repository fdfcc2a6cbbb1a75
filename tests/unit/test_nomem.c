/* Out of memory during an import (issue 14's allocation faults, as unit
 * tests): whichever allocation fails, ours (malloc and friends, wrapped at
 * link time: see the Makefile) or SQLite's (SQLITE_CONFIG_MALLOC), the
 * import either succeeds with every student or fails with a sentence and
 * leaves the roster as it was. Two bugs this caught: a cell whose cleaning
 * ran out of memory skipped its row without a word (the import said ok
 * with a child missing), and a statement SQLite failed with SQLITE_NOMEM
 * rolled the import's transaction back under it, after which the rest of
 * the import committed row by row; the same in a signup (told it failed,
 * the card and its outbox row were saved all the same). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "desk/signup.h"
#include "roster/roster.h"
#include "store/config.h"
#include "store/db.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

enum { HOOK_OFF, HOOK_OURS, HOOK_SQLITE };
static int           hook;        /* which allocations count */
static unsigned long counted;
static unsigned long fail_at;     /* 0: none */

static int fail_now(int kind)
{
	if (hook != kind)
		return 0;
	counted++;
	if (fail_at && counted == fail_at) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *__wrap_malloc(size_t n)
{
	return fail_now(HOOK_OURS) ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	return fail_now(HOOK_OURS) ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	return n && fail_now(HOOK_OURS) ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail_now(HOOK_OURS) ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fail_now(HOOK_OURS) ? NULL : __real_strndup(s, n);
}

/* SQLite's allocator over the same counter (a header keeps the size). */
static void *sq_malloc(int n)
{
	size_t *p;

	if (fail_now(HOOK_SQLITE) || !(p = __real_malloc((size_t)n + 16)))
		return NULL;
	p[0] = (size_t)n;
	return (char *)p + 16;
}

static void sq_free(void *v)
{
	if (v)
		free((char *)v - 16);
}

static void *sq_realloc(void *v, int n)
{
	size_t *p;

	if (!v)
		return sq_malloc(n);
	if (fail_now(HOOK_SQLITE) || !(p = __real_realloc((char *)v - 16, (size_t)n + 16)))
		return NULL;
	p[0] = (size_t)n;
	return (char *)p + 16;
}

static int sq_size(void *v)
{
	return v ? (int)*(size_t *)((char *)v - 16) : 0;
}

static int sq_roundup(int n)
{
	return (n + 7) & ~7;
}

static int sq_init(void *x)
{
	(void)x;
	return SQLITE_OK;
}

static void sq_shutdown(void *x)
{
	(void)x;
}

static const sqlite3_mem_methods sq_methods = {
	sq_malloc, sq_free, sq_realloc, sq_size, sq_roundup, sq_init, sq_shutdown, NULL
};

/* ---- a fresh database for each try ---- */

#define PKG "tests/data/oneroster-1.1-quoted"

static char dir[64], tmpl[128], run[128];

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t r;

	assert_true(in >= 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(out >= 0);
	while ((r = read(in, buf, sizeof buf)) > 0)
		assert_int_equal(write(out, buf, (size_t)r), r);
	close(in);
	close(out);
}

static long long count_in(const char *path, const char *sql)
{
	struct cr_db *db;
	struct cr_err err = { 0 };
	sqlite3_stmt *st;
	long long n = -1;

	assert_int_equal(db_open(path, DB_NOCREATE, &db, &err), CR_OK);
	assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	db_close(db);
	return n;
}

static long long students(const char *path)
{
	return count_in(path, "SELECT count(*) FROM student");
}

/* One import into a copy of the empty template with allocation k of kind
 * failing (k 0: none); returns the status, *count the allocations seen. */
static enum cr_status import_once(int kind, unsigned long k, unsigned long *count, struct cr_err *err)
{
	struct roster_options opt = { .source = PKG };
	struct roster_summary sum;
	struct cr_db *db;
	enum cr_status st;
	char side[160];

	snprintf(side, sizeof side, "%s-wal", run);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", run);
	unlink(side);
	copy_file(tmpl, run);
	memset(err, 0, sizeof *err);
	assert_int_equal(db_open(run, DB_NOCREATE, &db, err), CR_OK);
	assert_int_equal(sqlite3_exec(db_handle(db), "PRAGMA synchronous = OFF", NULL, NULL, NULL), SQLITE_OK);
	counted = 0;
	fail_at = k;
	hook = kind;
	st = roster_import(db, &opt, &sum, err);
	hook = HOOK_OFF;
	fail_at = 0;
	*count = counted;
	db_close(db);
	return st;
}

static void sweep(int kind, unsigned long max_tries)
{
	struct cr_err err;
	unsigned long n, stride;
	long long all;

	assert_int_equal(import_once(kind, 0, &n, &err), CR_OK);
	all = students(run);
	assert_true(all > 0);
	assert_true(n > 0);
	stride = n / max_tries + 1;
	for (unsigned long k = 1; k <= n; k += stride) {
		unsigned long seen;
		enum cr_status st = import_once(kind, k, &seen, &err);
		long long have = students(run);

		if (st == CR_OK && have != all)
			fail_msg("allocation %lu of %lu failing: the import said ok with %lld of %lld students",
				 k, n, have, all);
		if (st != CR_OK && have != 0)
			fail_msg("allocation %lu of %lu failing: a failed import (%s) left %lld students",
				 k, n, err.msg, have);
		if (st != CR_OK && !err.msg[0])
			fail_msg("allocation %lu of %lu failing: status %d without a sentence", k, n, (int)st);
	}
}

/* A signup on a copy of the imported roster with SQLite's allocation k
 * failing: the card, its event and its outbox row are saved together when
 * it says issued, and nothing at all when it says it failed. */
static void sqlite_allocation_failing_in_a_signup_saves_all_or_nothing(void **state)
{
	char roster[160];
	unsigned long n = 0, stride = 1;
	struct cr_err err;
	struct cr_config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(import_once(HOOK_OFF, 0, &n, &err), CR_OK);
	snprintf(roster, sizeof roster, "%s/roster.db", dir);
	copy_file(run, roster);   /* closed and checkpointed by db_close */
	for (unsigned long k = 0;; k += stride) {
		struct signup_request rq = { .desk = "Torture" };
		struct signup_result res;
		struct cr_db *db;
		enum cr_status st;
		int matches = 0;

		copy_file(roster, run);
		memset(&err, 0, sizeof err);
		assert_int_equal(db_open(run, DB_NOCREATE, &db, &err), CR_OK);
		assert_int_equal(signup_find_student(db, "MH4101", &rq.student, &matches, &err), CR_OK);
		assert_int_equal(matches, 1);
		counted = 0;
		fail_at = k;
		hook = HOOK_SQLITE;
		st = signup_issue(db, &cfg.programme, &rq, &res, &err);
		hook = HOOK_OFF;
		fail_at = 0;
		db_close(db);
		if (k == 0) {
			assert_int_equal(st, CR_OK);
			assert_int_equal(res.outcome, SIGNUP_ISSUED);
			n = counted;
			stride = n / 400 + 1;
			continue;
		}
		{
			long long cards = count_in(run, "SELECT count(*) FROM card");
			long long rows = count_in(run, "SELECT count(*) FROM outbox");

			if (st == CR_OK && res.outcome == SIGNUP_ISSUED && (cards != 1 || rows != 1))
				fail_msg("allocation %lu of %lu failing: issued, with %lld cards and %lld outbox rows",
					 k, n, cards, rows);
			if (st != CR_OK && (cards != 0 || rows != 0))
				fail_msg("allocation %lu of %lu failing: a failed signup (%s) saved %lld cards, %lld outbox rows",
					 k, n, err.msg, cards, rows);
		}
		if (k > n)
			break;
	}
	unlink(roster);
}

static void our_allocation_failing_never_loses_a_child_quietly(void **state)
{
	(void)state;
	sweep(HOOK_OURS, 100000);   /* each one in turn */
}

static void sqlite_allocation_failing_leaves_the_roster_as_it_was(void **state)
{
	(void)state;
	sweep(HOOK_SQLITE, 1000);
}

static int setup(void **state)
{
	struct cr_db *db;
	struct cr_err err = { 0 };

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/cardroll-nomem-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(tmpl, sizeof tmpl, "%s/empty.db", dir);
	snprintf(run, sizeof run, "%s/run.db", dir);
	if (db_open(tmpl, 0, &db, &err) != CR_OK)
		return -1;
	/* One file, no -wal beside it: the template is copied as it is. */
	sqlite3_exec(db_handle(db), "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	db_close(db);
	return 0;
}

static int teardown(void **state)
{
	char path[160];

	(void)state;
	for (const char *const *f = (const char *const[]){ "empty.db", "run.db", "run.db-wal", "run.db-shm",
							   "run.db-journal", "roster.db", NULL }; *f; f++) {
		snprintf(path, sizeof path, "%s/%s", dir, *f);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(our_allocation_failing_never_loses_a_child_quietly),
		cmocka_unit_test(sqlite_allocation_failing_leaves_the_roster_as_it_was),
		cmocka_unit_test(sqlite_allocation_failing_in_a_signup_saves_all_or_nothing),
	};

	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &sq_methods) != SQLITE_OK)
		return 70;
	return cmocka_run_group_tests(tests, setup, teardown);
}
