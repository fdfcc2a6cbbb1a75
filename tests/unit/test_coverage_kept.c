/* Kept coverage counts (issue 12): after every kind of change a desk or an
 * import makes (cards issued and voided, consent answers, a delta that
 * withdraws, adds and moves children, school and grade changes, enrollments
 * dropped, a bulk import again), the kept rows equal what direct SQL counts
 * from the roster, row for row, both ways. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "roster/roster.h"
#include "desk/coverage.h"
#include "desk/coverage_kept.h"
#include "desk/dashboard.h"
#include "testutil.h"

#define BASE 1767571200LL

static void exec(struct cr_db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db_handle(db), sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

/* The truth, counted from the roster, cards and consent. */
#define DIRECT_CELLS \
	"SELECT s.district_id, coalesce(s.school_id, 0), coalesce(s.grade, ''), count(*), count(c.id), " \
	" coalesce(sum(k.state = 'opted_out'), 0), coalesce(sum(k.state = 'pending'), 0) " \
	"FROM student s LEFT JOIN card c ON c.student_id = s.id AND c.status = 'active' " \
	"LEFT JOIN consent k ON k.student_id = s.id WHERE s.status_code = 'a' GROUP BY 1, 2, 3"
#define KEPT_CELLS \
	"SELECT district_id, school_id, grade, enrolled, carded, opted_out, pending FROM coverage_cell " \
	"WHERE enrolled <> 0 OR carded <> 0 OR opted_out <> 0 OR pending <> 0"
#define DIRECT_CLASSES \
	"SELECT e.class_id, coalesce(s.grade, ''), count(*), count(c.id), " \
	" coalesce(sum(k.state = 'opted_out'), 0), coalesce(sum(k.state = 'pending'), 0) " \
	"FROM student s JOIN enrollment e ON e.student_id = s.id " \
	"LEFT JOIN card c ON c.student_id = s.id AND c.status = 'active' " \
	"LEFT JOIN consent k ON k.student_id = s.id WHERE s.status_code = 'a' GROUP BY 1, 2"
#define KEPT_CLASSES \
	"SELECT class_id, grade, enrolled, carded, opted_out, pending FROM coverage_class " \
	"WHERE enrolled <> 0 OR carded <> 0 OR opted_out <> 0 OR pending <> 0"

#define KEPT_TRIGGERS "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'coverage_kept_%'"

static long long count_of(struct cr_db *db, const char *sql)
{
	return tu_q_int(db, sql, NULL);
}

/* Kept and direct are the same set of rows; the stage names a failure. */
static void reconciles(struct cr_db *db, const char *stage)
{
	static const char *const pairs[][2] = {
		{ DIRECT_CELLS, KEPT_CELLS }, { DIRECT_CLASSES, KEPT_CLASSES },
	};

	assert_int_equal(coverage_kept_stale(db), 0);
	for (size_t i = 0; i < TU_LEN(pairs); i++) {
		char sql[4096];
		long long a, b, n;

		snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s EXCEPT %s)", pairs[i][0], pairs[i][1]);
		a = count_of(db, sql);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s EXCEPT %s)", pairs[i][1], pairs[i][0]);
		b = count_of(db, sql);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s)", pairs[i][0]);
		n = count_of(db, sql);
		if (a != 0 || b != 0)
			fail_msg("%s: %s: %lld rows only counted directly, %lld only kept (of %lld)", stage,
				 i ? "classes" : "cells", a, b, n);
		assert_true(n > 0);
	}
	/* No count below zero anywhere, even in rows that are all zero. */
	assert_int_equal(count_of(db, "SELECT count(*) FROM coverage_cell WHERE min(enrolled, carded, opted_out, "
				  "pending) < 0"), 0);
	assert_int_equal(count_of(db, "SELECT count(*) FROM coverage_class WHERE min(enrolled, carded, "
				  "opted_out, pending) < 0"), 0);
}

static int group_setup(void **state)
{
	struct tu_env *e;
	char args[1024];

	if (tu_env_setup(state) != 0)
		return -1;
	e = *state;
	snprintf(args, sizeof args, "python3 tests/tools/genroster --students 2000 --seed 21 --out %s >/dev/null",
		 tu_at(e, "bulk"));
	if (tu_sh("%s", args) != 0)
		return -1;
	snprintf(args, sizeof args, "python3 tests/tools/genroster --delta-from %s --seed 22 --change-rate 0.04 "
		 "--out %s >/dev/null", tu_at(e, "bulk"), tu_at(e, "delta"));
	if (tu_sh("%s", args) != 0)
		return -1;
	snprintf(args, sizeof args, "python3 tests/tools/genroster --delta-from %s --seed 23 --change-rate 0.05 "
		 "--out %s >/dev/null", tu_at(e, "bulk"), tu_at(e, "delta2"));
	return tu_sh("%s", args) != 0 ? -1 : 0;
}

static void a_bulk_import_leaves_the_counts_to_count_again(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_err err = { 0 };

	assert_int_equal(coverage_kept_stale(e->db), 1);   /* a new database */
	assert_int_equal(coverage_kept_ready(e->db, &err), CR_OK);
	assert_int_equal(coverage_kept_stale(e->db), 0);
	assert_int_equal(tu_import(e->db, tu_at(e, "bulk"), 0, &sum, &err), CR_OK);
	assert_int_equal(coverage_kept_stale(e->db), 1);
	/* The import put the triggers back. */
	assert_int_equal(count_of(e->db, KEPT_TRIGGERS), 12);
	assert_int_equal(coverage_kept_ready(e->db, &err), CR_OK);
	reconciles(e->db, "after the bulk import");
}

static void cards_voids_and_consent_keep_them_right(void **state)
{
	struct tu_env *e = *state;

	exec(e->db, "INSERT INTO card (number, student_id, scheme, issued_at) "
		    "SELECT 'K' || id, id, 'student-id', 1767571200 + id FROM student WHERE id % 3 = 0");
	reconciles(e->db, "after the cards");
	exec(e->db, "UPDATE card SET status = 'void', void_reason = 'mistake' WHERE student_id % 7 = 0");
	reconciles(e->db, "after the voids");
	exec(e->db, "INSERT INTO card (number, student_id, scheme, issued_at) "
		    "SELECT 'V' || id, id, 'student-id', 1767571200 + id FROM student WHERE id % 21 = 0");
	exec(e->db, "INSERT INTO consent (student_id, state, recorded_at) "
		    "SELECT id, CASE WHEN id % 2 = 0 THEN 'opted_out' ELSE 'pending' END, 0 FROM student "
		    "WHERE id % 5 = 0");
	reconciles(e->db, "after the consent answers");
	exec(e->db, "UPDATE consent SET state = 'signed' WHERE student_id % 15 = 0");
	exec(e->db, "UPDATE consent SET state = 'pending' WHERE state = 'opted_out' AND student_id % 4 = 0");
	exec(e->db, "DELETE FROM consent WHERE student_id % 25 = 0");
	exec(e->db, "DELETE FROM card WHERE status = 'active' AND student_id % 33 = 0");
	reconciles(e->db, "after consent changed and cards removed");
}

static void a_delta_with_withdrawals_and_moves_keeps_them_right(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_err err = { 0 };

	assert_int_equal(tu_import(e->db, tu_at(e, "delta"), 0, &sum, &err), CR_OK);
	assert_true(sum.withdrawn > 0);
	assert_int_equal(coverage_kept_stale(e->db), 0);   /* a delta keeps them as it goes */
	assert_true(count_of(e->db, "SELECT count(*) FROM student s JOIN card c ON c.student_id = s.id "
			     "AND c.status = 'active' WHERE s.status_code = 'w'") > 0);
	reconciles(e->db, "after the delta");
}

/* A delta folds its changes into the counts at the end (core/roster/
 * kept_fold.c), with the student and enrollment triggers set aside for its
 * transaction. A dry run folds, then rolls it all back: the triggers are
 * there again and nothing watches the connection any more, so the desk's
 * changes after it are counted by the triggers (and a hook left behind
 * would be read after it was freed: ASan). */
static void a_dry_run_delta_changes_nothing_and_leaves_the_triggers(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_err err = { 0 };
	long long before = count_of(e->db, "SELECT total(enrolled * 7 + carded * 5) FROM coverage_class");

	assert_int_equal(tu_import(e->db, tu_at(e, "delta2"), 1, &sum, &err), CR_OK);
	assert_true(sum.withdrawn > 0);
	assert_int_equal(count_of(e->db, KEPT_TRIGGERS), 12);
	assert_int_equal(count_of(e->db, "SELECT total(enrolled * 7 + carded * 5) FROM coverage_class"), before);
	reconciles(e->db, "after a dry run");
	exec(e->db, "UPDATE student SET school_id = (SELECT min(id) FROM school), grade = '03' WHERE id % 13 = 0");
	exec(e->db, "DELETE FROM enrollment WHERE (student_id * 3 + class_id) % 11 = 0");
	reconciles(e->db, "after the desk's changes that followed a dry run");
}

/* The kept triggers there while the import runs, counted at its last
 * progress report (just before the set-aside triggers come back). */
struct seen_triggers {
	struct cr_db *db;
	long long     n;
};

static int count_triggers(const struct roster_progress *p, void *ctx)
{
	struct seen_triggers *t = ctx;

	(void)p;
	t->n = count_of(t->db, KEPT_TRIGGERS);
	return 0;
}

/* A second delta over counts that are kept: moved, withdrawn and returning
 * children, each child's enrollments changed again. It runs with only the
 * card and consent triggers (the fold does the rest), and puts the others
 * back. */
static void a_second_delta_keeps_them_right(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_err err = { 0 };
	struct seen_triggers seen = { e->db, -1 };
	struct roster_options opt = {
		.source = tu_at(e, "delta2"), .progress = count_triggers, .progress_ctx = &seen,
	};

	assert_int_equal(roster_import(e->db, &opt, &sum, &err), CR_OK);
	assert_int_equal(seen.n, 6);
	assert_true(sum.updated > 0);
	assert_int_equal(coverage_kept_stale(e->db), 0);
	assert_int_equal(count_of(e->db, KEPT_TRIGGERS), 12);
	reconciles(e->db, "after the second delta");
}

/* Counts already stale (a bulk import not yet read) are counted again
 * anyway: a delta leaves them stale rather than adjust them. */
static void a_delta_over_stale_counts_leaves_them_to_count_again(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_err err = { 0 };

	exec(e->db, "UPDATE coverage_kept SET stale = 1");
	assert_int_equal(tu_import(e->db, tu_at(e, "delta"), 0, &sum, &err), CR_OK);
	assert_int_equal(coverage_kept_stale(e->db), 1);
	assert_int_equal(count_of(e->db, KEPT_TRIGGERS), 12);
	assert_int_equal(coverage_kept_ready(e->db, &err), CR_OK);
	reconciles(e->db, "after a delta over stale counts, counted again");
}

static void school_grade_and_enrollment_changes_keep_them_right(void **state)
{
	struct tu_env *e = *state;

	/* A school move by hand, a grade change, a return from withdrawal. */
	exec(e->db, "UPDATE student SET school_id = (SELECT max(id) FROM school) WHERE id % 17 = 0");
	exec(e->db, "UPDATE student SET grade = '12' WHERE id % 19 = 0");
	exec(e->db, "UPDATE student SET grade = NULL, school_id = NULL WHERE id % 53 = 0");
	exec(e->db, "UPDATE student SET status_code = 'a' WHERE status_code = 'w' AND id % 2 = 0");
	exec(e->db, "UPDATE student SET status_code = 'i' WHERE id % 31 = 0");
	reconciles(e->db, "after moves, grades and returns");
	exec(e->db, "DELETE FROM enrollment WHERE (student_id + class_id) % 9 = 0");
	exec(e->db, "INSERT OR IGNORE INTO enrollment (student_id, class_id) "
		    "SELECT s.id, (SELECT min(id) FROM class) FROM student s WHERE s.id % 23 = 0");
	/* One enrollment changed in place: a child not in the last class moves into it. */
	exec(e->db, "CREATE TEMP TABLE moving AS SELECT min(student_id) AS sid FROM enrollment WHERE student_id NOT IN "
		    "(SELECT student_id FROM enrollment WHERE class_id = (SELECT max(id) FROM class))");
	exec(e->db, "UPDATE enrollment SET class_id = (SELECT max(id) FROM class) WHERE student_id = "
		    "(SELECT sid FROM moving) AND class_id = (SELECT min(class_id) FROM enrollment "
		    "WHERE student_id = (SELECT sid FROM moving))");
	/* A child with nothing attached leaves the database altogether. */
	exec(e->db, "DELETE FROM enrollment WHERE student_id = (SELECT max(id) FROM student WHERE status_code = 'a' "
		    "AND id NOT IN (SELECT student_id FROM card) AND id NOT IN (SELECT student_id FROM consent))");
	exec(e->db, "DELETE FROM student_modified WHERE student_id = (SELECT max(id) FROM student WHERE status_code = "
		    "'a' AND id NOT IN (SELECT student_id FROM card) AND id NOT IN (SELECT student_id FROM consent))");
	exec(e->db, "DELETE FROM student WHERE id = (SELECT max(id) FROM student WHERE status_code = 'a' "
		    "AND id NOT IN (SELECT student_id FROM card) AND id NOT IN (SELECT student_id FROM consent) "
		    "AND id NOT IN (SELECT student_id FROM event))");
	reconciles(e->db, "after enrollments changed and a child removed");
}

static void counting_again_gives_the_same_rows(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err = { 0 };
	long long before = count_of(e->db, "SELECT total(enrolled * 7 + carded * 5 + opted_out * 3 + pending) "
				    "FROM coverage_class");

	assert_int_equal(coverage_kept_rebuild(e->db, &err), CR_OK);
	reconciles(e->db, "after counting again");
	assert_int_equal(count_of(e->db, "SELECT total(enrolled * 7 + carded * 5 + opted_out * 3 + pending) "
				  "FROM coverage_class"), before);
}

/* Counted inside a transaction that has already changed enrollments and
 * cards, the counts include those changes: the enrollments are then read on
 * the same connection, never on a second one that would read the last
 * commit. (Outside one, counting_again_gives_the_same_rows reads them on
 * a second connection.) */
static void counting_inside_a_transaction_sees_its_changes(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err = { 0 };

	exec(e->db, "BEGIN IMMEDIATE");
	exec(e->db, "DELETE FROM enrollment WHERE student_id IN (SELECT id FROM student WHERE id % 9 = 1)");
	exec(e->db, "INSERT OR IGNORE INTO enrollment (student_id, class_id) "
		    "SELECT s.id, (SELECT max(id) FROM class) FROM student s WHERE s.id % 11 = 3");
	exec(e->db, "UPDATE card SET status = 'void', void_reason = 'test' WHERE id % 4 = 0 AND status = 'active'");
	exec(e->db, "UPDATE coverage_kept SET stale = 1");
	assert_int_equal(coverage_kept_ready(e->db, &err), CR_OK);
	reconciles(e->db, "counted inside a transaction");
	exec(e->db, "ROLLBACK");
	assert_int_equal(coverage_kept_stale(e->db), 0);
	reconciles(e->db, "after the transaction was rolled back");
}

static void a_second_bulk_import_is_counted_again(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_err err = { 0 };
	struct coverage cv = { 0 };

	assert_int_equal(tu_import(e->db, tu_at(e, "bulk"), 0, &sum, &err), CR_OK);
	assert_int_equal(coverage_kept_stale(e->db), 1);
	/* Reading the report counts them again first. */
	assert_int_equal(coverage_read(e->db, COVERAGE_CLASS, &cv, &err), CR_OK);
	assert_int_equal(coverage_kept_stale(e->db), 0);
	assert_true(cv.nrows > 0);
	coverage_free(&cv);
	reconciles(e->db, "after the second bulk import");
}

/* One count by direct SQL with up to three bound values (?1 ?2 integers, ?3 text). */
static long long q3(struct cr_db *db, const char *sql, long long a, long long b, const char *c)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db_handle(db)));
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	sqlite3_bind_text(st, 3, c ? c : "", -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#define ACTIVE_CARDED "(SELECT 1 FROM card c WHERE c.student_id = s.id AND c.status = 'active')"

/* The dashboard's every level, row by row, against direct SQL: districts,
 * the first district's schools, the busiest school's grades, and the
 * classes of its first grade (each counting that grade's children). */
static void the_dashboard_levels_match_sql(void **state)
{
	struct tu_env *e = *state;
	struct dash_scope sc = { .level = DASH_DISTRICTS };
	struct dash_view v = { 0 };
	struct cr_err err = { 0 };
	long long sum = 0;

	assert_int_equal(dash_read(e->db, 0, &sc, &v, &err), CR_OK);
	assert_true(v.nrows >= 1);
	for (size_t i = 0; i < v.nrows; i++) {
		assert_int_equal(v.rows[i].n[COV_ENROLLED], q3(e->db, "SELECT count(*) FROM student s WHERE "
			"s.district_id = ?1 AND s.status_code = 'a'", v.rows[i].id, 0, NULL));
		assert_int_equal(v.rows[i].n[COV_CARDED], q3(e->db, "SELECT count(*) FROM student s WHERE "
			"s.district_id = ?1 AND s.status_code = 'a' AND EXISTS " ACTIVE_CARDED, v.rows[i].id, 0, NULL));
		sum += v.rows[i].n[COV_ENROLLED];
	}
	assert_int_equal(v.total[COV_ENROLLED], sum);
	sc.district = v.rows[0].id;
	sc.level = DASH_SCHOOLS;
	dash_free(&v);
	assert_int_equal(dash_read(e->db, 0, &sc, &v, &err), CR_OK);
	assert_true(v.nrows >= 2);
	for (size_t i = 0; i < v.nrows; i++) {
		assert_int_equal(v.rows[i].n[COV_ENROLLED], q3(e->db, "SELECT count(*) FROM student s WHERE "
			"s.district_id = ?1 AND coalesce(s.school_id, 0) = ?2 AND s.status_code = 'a'", sc.district,
			v.rows[i].id, NULL));
		assert_int_equal(v.rows[i].n[COV_OPTED_OUT], q3(e->db, "SELECT count(*) FROM student s JOIN consent k "
			"ON k.student_id = s.id AND k.state = 'opted_out' WHERE s.district_id = ?1 "
			"AND coalesce(s.school_id, 0) = ?2 AND s.status_code = 'a'", sc.district, v.rows[i].id, NULL));
	}
	sc.school = q3(e->db, "SELECT school_id FROM student WHERE status_code = 'a' AND school_id IS NOT NULL "
		       "GROUP BY school_id ORDER BY count(*) DESC, school_id LIMIT 1", 0, 0, NULL);
	sc.level = DASH_GRADES;
	dash_free(&v);
	assert_int_equal(dash_read(e->db, 0, &sc, &v, &err), CR_OK);
	assert_true(v.nrows >= 1);
	for (size_t i = 0; i < v.nrows; i++) {
		assert_int_equal(v.rows[i].n[COV_ENROLLED], q3(e->db, "SELECT count(*) FROM student s WHERE "
			"s.school_id = ?2 AND coalesce(s.grade, '') = ?3 AND s.status_code = 'a'", 0, sc.school,
			v.rows[i].label));
		assert_int_equal(v.rows[i].n[COV_PENDING], q3(e->db, "SELECT count(*) FROM student s JOIN consent k "
			"ON k.student_id = s.id AND k.state = 'pending' WHERE s.school_id = ?2 "
			"AND coalesce(s.grade, '') = ?3 AND s.status_code = 'a'", 0, sc.school, v.rows[i].label));
	}
	snprintf(sc.grade, sizeof sc.grade, "%s", v.rows[0].label);
	sc.level = DASH_CLASSES;
	dash_free(&v);
	assert_int_equal(dash_read(e->db, 0, &sc, &v, &err), CR_OK);
	assert_true(v.nrows >= 1);
	for (size_t i = 0; i < v.nrows; i++) {
		assert_int_equal(v.rows[i].n[COV_ENROLLED], q3(e->db, "SELECT count(*) FROM student s JOIN enrollment e "
			"ON e.student_id = s.id AND e.class_id = ?1 WHERE coalesce(s.grade, '') = ?3 "
			"AND s.status_code = 'a'", v.rows[i].id, 0, sc.grade));
		assert_int_equal(v.rows[i].n[COV_CARDED], q3(e->db, "SELECT count(*) FROM student s JOIN enrollment e "
			"ON e.student_id = s.id AND e.class_id = ?1 WHERE coalesce(s.grade, '') = ?3 "
			"AND s.status_code = 'a' AND EXISTS " ACTIVE_CARDED, v.rows[i].id, 0, sc.grade));
		assert_int_equal(q3(e->db, "SELECT school_id FROM class WHERE id = ?1", v.rows[i].id, 0, NULL), sc.school);
	}
	/* The grade's own children once, though its classes overlap. */
	assert_int_equal(v.total[COV_ENROLLED], q3(e->db, "SELECT count(*) FROM student s WHERE s.school_id = ?2 "
		"AND coalesce(s.grade, '') = ?3 AND s.status_code = 'a'", 0, sc.school, sc.grade));
	dash_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_bulk_import_leaves_the_counts_to_count_again),
		cmocka_unit_test(cards_voids_and_consent_keep_them_right),
		cmocka_unit_test(a_delta_with_withdrawals_and_moves_keeps_them_right),
		cmocka_unit_test(a_dry_run_delta_changes_nothing_and_leaves_the_triggers),
		cmocka_unit_test(a_second_delta_keeps_them_right),
		cmocka_unit_test(a_delta_over_stale_counts_leaves_them_to_count_again),
		cmocka_unit_test(school_grade_and_enrollment_changes_keep_them_right),
		cmocka_unit_test(counting_again_gives_the_same_rows),
		cmocka_unit_test(counting_inside_a_transaction_sees_its_changes),
		cmocka_unit_test(the_dashboard_levels_match_sql),
		cmocka_unit_test(a_second_bulk_import_is_counted_again),
	};

	return cmocka_run_group_tests_name("coverage_kept", tests, group_setup, tu_env_teardown);
}
