/* Coverage, signups and goals (issue 12): every number cross-checked against
 * direct SQL on a generated district with withdrawals, a delta that moves
 * children between schools, voided cards and children carded before (some
 * with a programme card, some without, some withdrawn); suppression checked
 * so that no hidden cell can be worked out from the totals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/config.h"
#include "roster/roster.h"
#include "desk/before.h"
#include "desk/coverage.h"
#include "desk/goals.h"
#include "desk/profile.h"
#include "testutil.h"

/* 2026-01-05 00:00 UTC, a Monday. */
#define BASE 1767571200LL

static void gen(const char *args)
{
	int rc = tu_sh("python3 tests/tools/genroster %s >/dev/null", args);

	if (rc != 0)
		fail_msg("tests/tools/genroster %s exited %d", args, rc);
}

static void exec(struct cr_db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db_handle(db), sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

/* Cards for about a third of the children, spread over 20 days; every
 * seventh of those voided (some then issued again); consent answers. */
static void cards(struct cr_db *db, int round)
{
	char sql[2048];

	snprintf(sql, sizeof sql,
		 "INSERT INTO card (number, student_id, scheme, issued_at, status, void_reason) "
		 "SELECT 'R%d-' || id, id, 'student-id', %lld + (id %% 20) * 86400 + 36000 + %d * 86400 * 7, "
		 " CASE WHEN id %% 7 = 0 THEN 'void' ELSE 'active' END, CASE WHEN id %% 7 = 0 THEN 'mistake' END "
		 "FROM student s WHERE id %% 3 = %d AND NOT EXISTS "
		 " (SELECT 1 FROM card c WHERE c.student_id = s.id AND c.status = 'active')",
		 round, BASE, round, round);
	exec(db, sql);
	snprintf(sql, sizeof sql,
		 "INSERT INTO card (number, student_id, scheme, issued_at, status) "
		 "SELECT 'A%d-' || id, id, 'student-id', %lld + 86400 * 30, 'active' FROM student s "
		 "WHERE id %% 14 = 0 AND id %% 3 = %d AND NOT EXISTS "
		 " (SELECT 1 FROM card c WHERE c.student_id = s.id AND c.status = 'active')",
		 round, BASE, round);
	exec(db, sql);
	snprintf(sql, sizeof sql,
		 "INSERT OR REPLACE INTO consent (student_id, state, recorded_at) "
		 "SELECT id, CASE WHEN id %% 11 = 0 THEN 'opted_out' WHEN id %% 13 = 0 THEN 'pending' "
		 " WHEN id %% 17 = 0 THEN 'given' ELSE 'signed' END, %lld FROM student "
		 "WHERE (id %% 11 = 0 OR id %% 13 = 0 OR id %% 17 = 0 OR id %% 19 = 0) AND id %% 2 = %d",
		 BASE, round);
	exec(db, sql);
}

static int group_setup(void **state)
{
	struct tu_env *e;
	struct roster_summary sum;
	struct cr_err err;

	if (tu_env_setup(state) != 0)
		return -1;
	e = *state;
	{
		char args[1024];

		snprintf(args, sizeof args, "--students 2500 --seed 12 --out %s", tu_at(e, "bulk"));
		gen(args);
		snprintf(args, sizeof args, "--delta-from %s --seed 13 --change-rate 0.04 --out %s", tu_at(e, "bulk"),
			 tu_at(e, "delta"));
		gen(args);
	}
	if (tu_import(e->db, tu_at(e, "bulk"), 0, &sum, &err) != CR_OK) {
		fprintf(stderr, "bulk import: %s\n", err.msg);
		return -1;
	}
	cards(e->db, 0);
	if (tu_import(e->db, tu_at(e, "delta"), 0, &sum, &err) != CR_OK) {
		fprintf(stderr, "delta import: %s\n", err.msg);
		return -1;
	}
	cards(e->db, 1);
	/* Carded before, as sync records it (before.h): every tenth child. */
	exec(e->db, "INSERT INTO ils_patron_before (student_id, patron_id, patron_since) "
		    "SELECT id, 'P' || id, '2019-09-03' FROM student WHERE id % 10 = 4");
	return 0;
}

static void the_district_is_what_the_test_needs(void **state)
{
	struct tu_env *e = *state;

	assert_true(tu_q_int(e->db, "SELECT count(*) FROM student WHERE status = 'withdrawn' "
			     "AND id IN (SELECT student_id FROM card WHERE status = 'active')", NULL) > 0);
	assert_true(tu_q_int(e->db, "SELECT count(*) FROM card WHERE status = 'void'", NULL) > 20);
	assert_true(tu_q_int(e->db, "SELECT count(DISTINCT school_id) FROM student WHERE status = 'active'", NULL) > 2);
	/* The delta moved children: some child's school differs from the bulk's. */
	assert_true(tu_sh("grep -q moved %s/delta/_changes.csv", e->dir) == 0);
}

/* One number by direct SQL, a ?1 text and ?2 text bound. */
static long long q2(struct cr_db *db, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db_handle(db)));
	sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The set of children of a row as a WHERE on student s (?1, ?2 bound). */
static const char *scope_of(enum coverage_by by)
{
	switch (by) {
	case COVERAGE_DISTRICT:
		return "s.district_id = (SELECT id FROM district WHERE name = ?1) AND ?2 IS NOT NULL";
	case COVERAGE_SCHOOL:
		return "s.school_id = (SELECT id FROM school WHERE name = ?2) "
		       "AND s.district_id = (SELECT id FROM district WHERE name = ?1)";
	case COVERAGE_GRADE:
		return "s.district_id = (SELECT id FROM district WHERE name = ?1) AND coalesce(s.grade, '') = ?2";
	case COVERAGE_CLASS:
		return "s.id IN (SELECT student_id FROM enrollment WHERE class_id = "
		       "(SELECT id FROM class WHERE sourced_id = ?2 AND district_id = "
		       " (SELECT id FROM district WHERE name = ?1)))";
	}
	return "0";
}

static void check_level(struct cr_db *db, enum coverage_by by)
{
	struct coverage cv;
	struct cr_err err = { 0 };
	long long sum[COV_NCOLS] = { 0 };
	char sql[5][1024];
	const char *w = scope_of(by);

	snprintf(sql[0], sizeof sql[0], "SELECT count(*) FROM student s WHERE s.status = 'active' AND %s", w);
	snprintf(sql[1], sizeof sql[1], "SELECT count(*) FROM student s WHERE s.status = 'active' AND %s "
		 "AND EXISTS (SELECT 1 FROM card c WHERE c.student_id = s.id AND c.status = 'active') "
		 "AND s.id NOT IN (SELECT student_id FROM ils_patron_before)", w);
	snprintf(sql[4], sizeof sql[4], "SELECT count(*) FROM student s JOIN ils_patron_before b ON b.student_id = s.id "
		 "WHERE s.status = 'active' AND %s", w);
	snprintf(sql[2], sizeof sql[2], "SELECT count(*) FROM student s JOIN consent k ON k.student_id = s.id "
		 "WHERE s.status = 'active' AND k.state = 'opted_out' AND %s", w);
	snprintf(sql[3], sizeof sql[3], "SELECT count(*) FROM student s JOIN consent k ON k.student_id = s.id "
		 "WHERE s.status = 'active' AND k.state = 'pending' AND %s", w);
	assert_int_equal(coverage_read(db, by, &cv, &err), CR_OK);
	assert_true(cv.nrows > 0);
	for (size_t i = 0; i < cv.nrows; i++) {
		const struct coverage_row *r = &cv.rows[i];
		const char *key = by == COVERAGE_SCHOOL ? r->school : by == COVERAGE_GRADE ? r->grade :
				  by == COVERAGE_CLASS ? r->class_id : "";
		long long want[COV_NCOLS] = {
			q2(db, sql[0], r->district, key), q2(db, sql[1], r->district, key), q2(db, sql[4], r->district, key),
			q2(db, sql[2], r->district, key), q2(db, sql[3], r->district, key),
		};

		for (int c = 0; c < COV_NCOLS; c++) {
			if (r->n[c] != want[c])
				fail_msg("by %d, %s / %s: %s is %lld, SQL says %lld", by, r->district, key,
					 coverage_col_name[c], r->n[c], want[c]);
			sum[c] += r->n[c];
		}
		assert_true(r->n[COV_ENROLLED] > 0);
	}
	/* The total is every active child once. */
	assert_int_equal(cv.total.n[COV_ENROLLED], tu_q_int(db, "SELECT count(*) FROM student WHERE status = 'active'", NULL));
	assert_int_equal(cv.total.n[COV_CARDED], tu_q_int(db, "SELECT count(*) FROM card c JOIN student s "
		"ON s.id = c.student_id WHERE c.status = 'active' AND s.status = 'active' "
		"AND s.id NOT IN (SELECT student_id FROM ils_patron_before)", NULL));
	assert_int_equal(cv.total.n[COV_CARDED_BEFORE], tu_q_int(db, "SELECT count(*) FROM ils_patron_before b "
		"JOIN student s ON s.id = b.student_id WHERE s.status = 'active'", NULL));
	assert_true(cv.total.n[COV_CARDED_BEFORE] > 50);
	assert_int_equal(cv.total.n[COV_OPTED_OUT], tu_q_int(db, "SELECT count(*) FROM consent k JOIN student s "
		"ON s.id = k.student_id WHERE k.state = 'opted_out' AND s.status = 'active'", NULL));
	if (by != COVERAGE_CLASS)
		for (int c = 0; c < COV_NCOLS; c++)
			assert_int_equal(sum[c], cv.total.n[c]);
	else  /* every active class with an active child is a row */
		assert_int_equal((long long)cv.nrows, tu_q_int(db, "SELECT count(DISTINCT e.class_id) FROM enrollment e "
			"JOIN student s ON s.id = e.student_id JOIN class c ON c.id = e.class_id "
			"WHERE s.status = 'active' AND c.status = 'active'", NULL));
	assert_true(coverage_pct(&cv.total) > 10.0 && coverage_pct(&cv.total) < 90.0);
	assert_true(coverage_pct(&cv.total) == 100.0 * (double)(cv.total.n[COV_CARDED] + cv.total.n[COV_CARDED_BEFORE]) /
		    (double)cv.total.n[COV_ENROLLED]);
	/* The same from one school pass (what `cardroll report` does). */
	{
		struct coverage sc, cv2;

		assert_int_equal(coverage_read(db, COVERAGE_SCHOOL, &sc, &err), CR_OK);
		assert_int_equal(coverage_read_with(db, by, &sc, &cv2, &err), CR_OK);
		assert_int_equal(cv2.nrows, cv.nrows);
		assert_int_equal(cv2.by, by);
		assert_memory_equal(cv2.total.n, cv.total.n, sizeof cv.total.n);
		for (size_t i = 0; i < cv.nrows; i++) {
			assert_memory_equal(cv2.rows[i].n, cv.rows[i].n, sizeof cv.rows[i].n);
			assert_string_equal(cv2.rows[i].district, cv.rows[i].district);
			assert_string_equal(cv2.rows[i].school, cv.rows[i].school);
		}
		coverage_free(&sc);
		coverage_free(&cv2);
	}
	coverage_free(&cv);
}

static void coverage_by_district_matches_sql(void **state) { check_level(((struct tu_env *)*state)->db, COVERAGE_DISTRICT); }
static void coverage_by_school_matches_sql(void **state)   { check_level(((struct tu_env *)*state)->db, COVERAGE_SCHOOL); }
static void coverage_by_grade_matches_sql(void **state)    { check_level(((struct tu_env *)*state)->db, COVERAGE_GRADE); }
static void coverage_by_class_matches_sql(void **state)    { check_level(((struct tu_env *)*state)->db, COVERAGE_CLASS); }

/* The class rows come in SQL's ORDER BY district name, school name, title
 * and sourcedId (coverage.c sorts them itself): with two schools of one
 * name, classes of one title, a class without a school, and names whose
 * bytes sort apart from their letters. */
static void class_rows_keep_sql_order(void **state)
{
	struct tu_env *e = *state;
	struct coverage cv;
	struct cr_err err = { 0 };
	sqlite3_stmt *st = NULL;
	size_t i = 0;

	exec(e->db, "SAVEPOINT t");
	exec(e->db, "UPDATE school SET name = 'Twin Oaks' WHERE id IN (SELECT id FROM school ORDER BY id LIMIT 2)");
	exec(e->db, "UPDATE school SET name = 'zeta \xc3\xa9" "cole' WHERE id = (SELECT max(id) FROM school)");
	exec(e->db, "UPDATE class SET title = 'Same Title' WHERE id % 5 = 0");
	exec(e->db, "UPDATE class SET title = 'art' WHERE id % 7 = 0");
	exec(e->db, "UPDATE class SET school_id = NULL WHERE id = (SELECT min(class_id) FROM enrollment)");
	assert_int_equal(coverage_read(e->db, COVERAGE_CLASS, &cv, &err), CR_OK);
	assert_int_equal(sqlite3_prepare_v2(db_handle(e->db),
		"SELECT cl.sourced_id, coalesce(sc.name, '(no school)') FROM class cl "
		"JOIN district d ON d.id = cl.district_id LEFT JOIN school sc ON sc.id = cl.school_id "
		"WHERE cl.status = 'active' AND cl.id IN (SELECT class_id FROM coverage_class GROUP BY class_id "
		"HAVING sum(enrolled) > 0) ORDER BY d.name, d.id, sc.name, cl.title, cl.sourced_id", -1, &st, NULL),
		SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(i < cv.nrows);
		if (strcmp(cv.rows[i].class_id, (const char *)sqlite3_column_text(st, 0)) != 0)
			fail_msg("class row %zu is %s (%s), SQL puts %s (%s) there", i, cv.rows[i].class_id,
				 cv.rows[i].school, (const char *)sqlite3_column_text(st, 0),
				 (const char *)sqlite3_column_text(st, 1));
		assert_string_equal(cv.rows[i].school, (const char *)sqlite3_column_text(st, 1));
		i++;
	}
	sqlite3_finalize(st);
	assert_int_equal(i, cv.nrows);
	assert_true(i > 100);
	assert_string_equal(cv.rows[0].school, "(no school)");
	coverage_free(&cv);
	exec(e->db, "ROLLBACK TO t");
	exec(e->db, "RELEASE t");
}

/* A patron the ILS enrolled before the card's issue day is carded before;
 * one enrolled that day or later (our own POST, or staff by hand) is not. */
static void carded_before_needs_a_patron_older_than_the_card(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err = { 0 };
	long long student, card, event;
	int rec = -1;

	exec(e->db, "SAVEPOINT t");
	student = tu_q_int(e->db, "SELECT min(id) FROM student WHERE status = 'active' "
			   "AND id NOT IN (SELECT student_id FROM ils_patron_before)", NULL);
	card = tu_q_int(e->db, "SELECT id FROM card WHERE status = 'active' AND student_id = "
			"(SELECT min(id) FROM student WHERE status = 'active' "
			"AND id NOT IN (SELECT student_id FROM ils_patron_before) "
			"AND id IN (SELECT student_id FROM card WHERE status = 'active'))", NULL);
	assert_true(student > 0 && card > 0);
	exec(e->db, "INSERT INTO event (uuid, kind, student_id, card_id, at) SELECT 'before-test', 'signup', student_id, id, 0 "
		    "FROM card WHERE id = (SELECT id FROM card WHERE status = 'active' AND student_id = "
		    "(SELECT min(id) FROM student WHERE status = 'active' AND id NOT IN "
		    "(SELECT student_id FROM ils_patron_before) AND id IN (SELECT student_id FROM card WHERE status = 'active')))");
	event = tu_q_int(e->db, "SELECT id FROM event WHERE uuid = 'before-test'", NULL);
	/* the card's issue day and later: not before */
	{
		char day[11];

		snprintf(day, sizeof day, "%s", tu_q_str(e->db, "SELECT date(issued_at, 'unixepoch', 'localtime') "
			 "FROM card WHERE id = (SELECT card_id FROM event WHERE uuid = 'before-test') AND ?1 IS NULL", NULL));
		assert_int_equal(before_record(e->db, event, "77", day, &rec, &err), CR_OK);
		assert_int_equal(rec, 0);
	}
	assert_int_equal(before_record(e->db, event, "77", "2099-01-01", &rec, &err), CR_OK);
	assert_int_equal(rec, 0);
	assert_int_equal(before_record(e->db, event, "77", "not a date", &rec, &err), CR_OK);
	assert_int_equal(rec, 0);
	assert_int_equal(before_record(e->db, event, "77", "2018-08-20T10:00:00", &rec, &err), CR_OK);
	assert_int_equal(rec, 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM ils_patron_before WHERE patron_id = '77' "
				  "AND patron_since = '2018-08-20'", NULL), 1);
	assert_int_equal(before_record(e->db, event, "78", "2018-08-21", &rec, &err), CR_OK);  /* replaces */
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM ils_patron_before WHERE student_id = "
				  "(SELECT student_id FROM event WHERE uuid = 'before-test')", NULL), 1);
	exec(e->db, "ROLLBACK TO t");
	exec(e->db, "RELEASE t");
}

/* The first step of before_apply's plan at each level, on a copy of the
 * district whose statistics are stats_sql's (a fresh connection: the
 * planner reads sqlite_stat1 when it opens). */
static void assert_before_read_first(struct tu_env *e, const char *name, const char *stats_sql)
{
	static const enum coverage_by levels[] = { COVERAGE_SCHOOL, COVERAGE_GRADE, COVERAGE_CLASS };
	char sql[2048];
	sqlite3 *h = NULL;

	snprintf(sql, sizeof sql, "VACUUM INTO '%s'", tu_at(e, name));
	exec(e->db, sql);
	assert_int_equal(sqlite3_open_v2(tu_at(e, name), &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, stats_sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(sqlite3_open_v2(tu_at(e, name), &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		sqlite3_stmt *st = NULL;
		const char *first;

		assert_non_null(before_sql_of(levels[i]));
		snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", before_sql_of(levels[i]));
		assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		first = (const char *)sqlite3_column_text(st, 3);
		if (!first || strncmp(first, "SCAN b", 6) != 0)
			fail_msg("%s, level %d: the plan starts with %s", name, (int)levels[i], first ? first : "nothing");
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
}

/* The children carded before are read first, whatever the planner knows:
 * with the table empty and statistics for everything else (a district that
 * never synced, after an ANALYZE), it once walked every class and searched
 * the students for each, minutes at 100,000 children. */
static void carded_before_is_read_first_even_when_empty(void **state)
{
	struct tu_env *e = *state;

	assert_before_read_first(e, "plan-analyzed.db", "ANALYZE");
	/* nobody carded before, and the statistics ANALYZE wrote for a district
	 * of 100,000 children in 500 schools */
	assert_before_read_first(e, "plan-never-synced.db",
				 "DELETE FROM ils_patron_before; ANALYZE; DELETE FROM sqlite_stat1; "
				 "INSERT INTO sqlite_stat1 VALUES "
				 "('district', 'sqlite_autoindex_district_1', '1 1'), "
				 "('school', 'sqlite_autoindex_school_1', '500 500 1'), "
				 "('card', 'card_issued', '38261 1595'), ('card', 'card_one_active', '38261 1'), "
				 "('card', 'sqlite_autoindex_card_1', '40000 1'), "
				 "('class', 'class_lookup', '23670 23670 1 1'), ('class', 'class_by_school', '23670 48'), "
				 "('class', 'sqlite_autoindex_class_1', '23670 23670 1'), "
				 "('student', 'student_sid', '100000 100000 1'), "
				 "('student', 'student_by_school', '100000 200'), "
				 "('student', 'student_by_number', '100000 1'), ('enrollment', 'enrollment', '559693 6 1')");
	assert_null(before_sql_of(COVERAGE_DISTRICT));
}

static void signups_by_day_and_week_match_sql(void **state)
{
	struct tu_env *e = *state;
	struct coverage_signups su;
	struct cr_err err = { 0 };
	long long days = 0;

	assert_int_equal(coverage_signups_read(e->db, NULL, &su, &err), CR_OK);
	assert_true(su.ndays >= 20);
	for (size_t i = 0; i < su.ndays; i++) {
		assert_int_equal(su.days[i].n, q2(e->db, "SELECT count(*) FROM card WHERE status = 'active' "
			"AND date(issued_at, 'unixepoch', 'localtime') = ?1 AND ?2 IS NOT NULL", su.days[i].day, ""));
		days += su.days[i].n;
		if (i)
			assert_true(strcmp(su.days[i - 1].day, su.days[i].day) < 0);
	}
	assert_int_equal(days, su.total.n);
	assert_int_equal(su.total.n, tu_q_int(e->db, "SELECT count(*) FROM card WHERE status = 'active'", NULL));
	for (size_t i = 0; i < su.nweeks; i++) {
		assert_int_equal(q2(e->db, "SELECT strftime('%w', ?1) = '1' AND ?2 IS NOT NULL", su.weeks[i].day, ""), 1);
		assert_int_equal(su.weeks[i].n, q2(e->db, "SELECT count(*) FROM card WHERE status = 'active' "
			"AND date(issued_at, 'unixepoch', 'localtime') BETWEEN ?1 AND date(?1, '+6 days') "
			"AND ?2 IS NOT NULL", su.weeks[i].day, ""));
	}
	coverage_signups_free(&su);

	assert_int_equal(coverage_signups_read(e->db, "2026-01-15", &su, &err), CR_OK);
	assert_string_equal(su.days[0].day, "2026-01-15");
	assert_int_equal(su.total.n, tu_q_int(e->db, "SELECT count(*) FROM card WHERE status = 'active' "
		"AND date(issued_at, 'unixepoch', 'localtime') >= '2026-01-15'", NULL));
	coverage_signups_free(&su);
	assert_int_equal(coverage_signups_read(e->db, "2026-02-30", &su, &err), CR_EUSAGE);
	assert_non_null(strstr(err.msg, "--since"));
}

/* No equation (a column's rows and its total) may have exactly one hidden
 * cell, no shown count may be small, and a shown percentage needs its
 * inputs shown. */
static void assert_unrecoverable(const struct coverage *cv, int k)
{
	for (int c = 0; c < COV_NCOLS; c++) {
		int hidden = (int)((cv->total.hidden >> c) & 1u);

		for (size_t i = 0; i <= cv->nrows; i++) {
			const struct coverage_row *r = i < cv->nrows ? &cv->rows[i] : &cv->total;

			if (!((r->hidden >> c) & 1u) && r->n[c] > 0 && r->n[c] < k)
				fail_msg("row %zu: %s %lld is shown", i, coverage_col_name[c], r->n[c]);
			if (i < cv->nrows)
				hidden += (int)((r->hidden >> c) & 1u);
		}
		if (hidden == 1)
			fail_msg("%s: one hidden cell, which the total gives back", coverage_col_name[c]);
	}
	for (size_t i = 0; i <= cv->nrows; i++) {
		const struct coverage_row *r = i < cv->nrows ? &cv->rows[i] : &cv->total;

		if ((r->hidden & ((1u << COV_ENROLLED) | (1u << COV_CARDED))) && !(r->hidden & COVERAGE_PCT_HIDDEN))
			fail_msg("row %zu: a percentage shown beside a hidden count", i);
	}
}

static void suppression_leaves_nothing_to_recover(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err = { 0 };
	int any = 0;

	for (int by = COVERAGE_DISTRICT; by <= COVERAGE_CLASS; by++) {
		for (int k = 3; k <= 30; k += 9) {
			struct coverage cv;

			assert_int_equal(coverage_read(e->db, (enum coverage_by)by, &cv, &err), CR_OK);
			coverage_suppress(&cv, k);
			assert_unrecoverable(&cv, k);
			any += cv.suppressed;
			coverage_free(&cv);
		}
	}
	assert_true(any > 0);   /* the district has small classes and grades */
}

static void suppression_picks_a_complement(void **state)
{
	/* 3 is small; the total would give it back, so the smallest other
	 * non-zero cell goes with it, not the zero. */
	long long v[] = { 3, 0, 200, 100, 303 };
	size_t m[] = { 0, 1, 2, 3 };
	struct suppress_eq eq = { 4, m, 4 };
	unsigned char h[5];

	assert_int_equal(suppress_cells(v, h, 5, &eq, 1, 5), 2);
	assert_true(h[0] && h[3] && !h[1] && !h[2] && !h[4]);

	/* Only a small cell and zeros: the total goes. */
	long long w[] = { 0, 4, 0, 4 };
	assert_int_equal(suppress_cells(w, h, 4, &(struct suppress_eq){ 3, m, 3 }, 1, 5), 2);
	assert_true(h[1] && h[3]);

	/* Signups: days in weeks, weeks in a total; every equation keeps 0 or
	 * at least 2 hidden cells. */
	struct coverage_signups su = { 0 };
	struct coverage_count days[] = {
		{ "2026-01-05", 2, 0 }, { "2026-01-06", 40, 0 }, { "2026-01-07", 9, 0 },
		{ "2026-01-12", 50, 0 }, { "2026-01-13", 60, 0 }, { "2026-01-20", 1, 0 },
	};
	struct coverage_count weeks[] = { { "2026-01-05", 51, 0 }, { "2026-01-12", 110, 0 }, { "2026-01-19", 1, 0 } };

	su.days = days;
	su.ndays = 6;
	su.weeks = weeks;
	su.nweeks = 3;
	su.total.n = 162;
	coverage_signups_suppress(&su, 5);
	assert_true(days[0].hidden && days[2].hidden && !days[1].hidden);   /* 2 and its complement 9 */
	assert_true(weeks[2].hidden && days[5].hidden);
	/* the week of 1 is hidden: another week (51, the smallest) goes with it;
	 * its own equation already has two hidden days */
	assert_true(weeks[0].hidden && !days[1].hidden && !weeks[1].hidden);
	assert_false(su.total.hidden);
}

static void min_cell_below_three_is_a_settings_error(void **state)
{
	struct tu_env *e = *state;
	struct cr_config cfg;
	struct cr_err err = { 0 };

	tu_put(e, "ok.ini", "[report]\nmin_cell = 3\n");
	tu_put(e, "bad.ini", "; settings\n[report]\nmin_cell = 2\n");
	config_defaults(&cfg);
	assert_int_equal(cfg.report_min_cell, 5);
	assert_int_equal(config_load(&cfg, tu_at(e, "ok.ini"), 1, &err), CR_OK);
	assert_int_equal(cfg.report_min_cell, 3);
	assert_int_equal(config_load(&cfg, tu_at(e, "bad.ini"), 1, &err), CR_ECONFIG);
	assert_non_null(strstr(err.msg, "bad.ini"));
	assert_non_null(strstr(err.msg, ":3"));
	assert_non_null(strstr(err.msg, "min_cell"));
}

struct goals_seen {
	int n;
	struct goal_progress g[4];
	char school[4][128];
};

static int goal_keep(const struct goal_progress *g, void *ctx)
{
	struct goals_seen *s = ctx;

	if (s->n < 4) {
		s->g[s->n] = *g;
		snprintf(s->school[s->n], sizeof s->school[0], "%s", g->school);
		s->n++;
	}
	return 0;
}

static void goals_report_distance_and_pace(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err = { 0 };
	struct goals_seen s = { 0 };
	const char *school = tu_q_str(e->db, "SELECT name FROM school WHERE status = 'active' ORDER BY id LIMIT 1", NULL);
	char name[128];
	long long sid, enrolled, covered, want;

	snprintf(name, sizeof name, "%s", school);
	sid = tu_q_int(e->db, "SELECT id FROM school WHERE name = ?1", name);
	assert_int_equal(goal_set(e->db, NULL, 90, "2026-03-16", "2026-01-05", &err), CR_OK);
	assert_int_equal(goal_set(e->db, name, 60, "2026-02-02", "2026-01-05", &err), CR_OK);
	assert_int_equal(goal_set(e->db, name, 75, "2026-03-16", "2026-01-05", &err), CR_OK);  /* replaces */
	assert_int_equal(goal_each(e->db, "2026-01-05", goal_keep, &s, &err), CR_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.g[0].school_rowid, 0);
	assert_int_equal(s.g[1].school_rowid, sid);
	assert_string_equal(s.school[1], name);

	enrolled = tu_q_int(e->db, "SELECT count(*) FROM student WHERE status = 'active' AND school_id = "
			    "(SELECT id FROM school WHERE name = ?1)", name);
	covered = tu_q_int(e->db, "SELECT count(*) FROM student s WHERE s.status = 'active' AND s.school_id = "
			   "(SELECT id FROM school WHERE name = ?1) AND (s.id IN (SELECT student_id FROM card "
			   "WHERE status = 'active') OR s.id IN (SELECT student_id FROM ils_patron_before))", name);
	want = (75 * enrolled + 99) / 100;
	assert_int_equal(s.g[1].enrolled, enrolled);
	assert_int_equal(s.g[1].covered, covered);
	assert_int_equal(s.g[1].needed, want > covered ? want - covered : 0);
	assert_int_equal(s.g[1].days_left, 70);
	assert_int_equal(s.g[1].per_week, (s.g[1].needed + 9) / 10);
	assert_true(s.g[0].needed > 0);

	/* Bad input names the field. */
	assert_int_equal(goal_set(e->db, NULL, 80, "2026-01-04", "2026-01-05", &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "--date"));
	assert_int_equal(goal_set(e->db, NULL, 80, "2026-01-05", "2026-01-05", &err), CR_EDATA);
	assert_int_equal(goal_set(e->db, NULL, 120, "2026-06-01", "2026-01-05", &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "--target"));
	assert_non_null(strstr(err.msg, "over 100"));
	assert_int_equal(goal_set(e->db, "Hogwarts", 80, "2026-06-01", "2026-01-05", &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "--school"));
	assert_non_null(strstr(err.msg, "Hogwarts"));
	assert_int_equal(goal_remove(e->db, name, &err), CR_OK);
	assert_int_equal(goal_remove(e->db, name, &err), CR_ENOMATCH);
	assert_int_equal(goal_days_between("2026-02-27", "2026-03-01"), 2);
	assert_int_equal(goal_days_between("2024-02-27", "2024-03-01"), 3);
}

static void the_community_profile_is_kept(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err = { 0 };
	struct profile p;

	assert_int_equal(profile_get(e->db, &p, &err), CR_OK);
	assert_string_equal(p.chief, "");
	assert_int_equal(profile_set(e->db, "  Mayor\tAna  Ruiz\x1b[31m ", NULL, "Lee Park", "2026-09-01", &err), CR_OK);
	assert_int_equal(profile_set(e->db, NULL, "Dr. Sam Okoro", NULL, NULL, &err), CR_OK);   /* the rest stays */
	assert_int_equal(profile_get(e->db, &p, &err), CR_OK);
	assert_string_equal(p.chief, "Mayor Ana Ruiz");
	assert_string_equal(p.superintendent, "Dr. Sam Okoro");
	assert_string_equal(p.director, "Lee Park");
	assert_string_equal(p.committed, "2026-09-01");
	assert_int_equal(profile_set(e->db, NULL, NULL, "", "2026-02-30", &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "--committed"));
	assert_int_equal(profile_set(e->db, NULL, NULL, "", NULL, &err), CR_OK);
	assert_int_equal(profile_get(e->db, &p, &err), CR_OK);
	assert_string_equal(p.director, "");
	assert_string_equal(p.chief, "Mayor Ana Ruiz");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_district_is_what_the_test_needs),
		cmocka_unit_test(coverage_by_district_matches_sql),
		cmocka_unit_test(coverage_by_school_matches_sql),
		cmocka_unit_test(coverage_by_grade_matches_sql),
		cmocka_unit_test(coverage_by_class_matches_sql),
		cmocka_unit_test(class_rows_keep_sql_order),
		cmocka_unit_test(carded_before_needs_a_patron_older_than_the_card),
		cmocka_unit_test(carded_before_is_read_first_even_when_empty),
		cmocka_unit_test(signups_by_day_and_week_match_sql),
		cmocka_unit_test(suppression_leaves_nothing_to_recover),
		cmocka_unit_test(suppression_picks_a_complement),
		cmocka_unit_test(min_cell_below_three_is_a_settings_error),
		cmocka_unit_test(goals_report_distance_and_pace),
		cmocka_unit_test(the_community_profile_is_kept),
	};

	return cmocka_run_group_tests_name("coverage", tests, group_setup, tu_env_teardown);
}
