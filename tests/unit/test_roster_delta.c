/* Unit tests for core/roster: deltas (changes by status and
 * dateLastModified: withdrawals, renames, moves, an older row never over a
 * newer one, the indexes kept right) and a second district of one name.
 * Each test works in a mkdtemp folder of its own with a fresh database;
 * the shared district and helpers are in roster_fixtures.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>

#include "store/db.h"
#include "roster/roster.h"
#include "testutil.h"
#include "roster_fixtures.h"

/* ---- 4. deltas: changes by status and dateLastModified ----------------- */

static void test_second_district_of_the_same_name_and_identifier_is_warned(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	const struct tu_issue *t;

	put_in(e, "a", "manifest.csv", MANIFEST_HEAD "file.orgs,bulk\nfile.users,bulk\n");
	put_in(e, "a", "orgs.csv", ORGS_HDR "d-lake,,,Lakeview School District,district,LV-01,\n"
	       "sch-north,,,North Elementary,school,N01,d-lake\n");
	put_in(e, "a", "users.csv", USERS_HDR U_1);
	import_ok(e, tu_at(e, "a"), &sum);

	/* The SIS was moved to a new server: same district, new sourcedIds. */
	put_in(e, "b", "manifest.csv", MANIFEST_HEAD "file.orgs,bulk\nfile.users,bulk\n");
	put_in(e, "b", "orgs.csv", ORGS_HDR "7f3a-d,,,Lakeview School District,district,LV-01,\n"
	       "7f3a-n,,,North Elementary,school,N01,7f3a-d\n");
	put_in(e, "b", "users.csv", USERS_HDR USER("9c1-1", "7f3a-n", "student", "Ana", "García", "5001", "03"));
	import_ok(e, tu_at(e, "b"), &sum);
	assert_int_equal(count_of(e, "SELECT count(*) FROM district"), 2);
	is = tu_issues_of(e->db, sum.run_id);
	t = tu_issue_find(&is, "orgs.csv", 2, "warning", NULL, "d-lake");
	if (!t || !strstr(t->reason, "7f3a-d") || !strstr(t->reason, "LV-01")) {
		tu_issues_print(&is);
		fail_msg("a second 'Lakeview School District' (LV-01) was created without a warning naming "
			 "both sourcedIds");
	}
	tu_issues_free(&is);

	/* Another district of the same name but another identifier: no warning. */
	put_in(e, "c", "manifest.csv", MANIFEST_HEAD "file.orgs,bulk\nfile.users,bulk\n");
	put_in(e, "c", "orgs.csv", ORGS_HDR "d-lake-or,,,Lakeview School District,district,OR-77,\n"
	       "sch-or,,,Lakeview Elementary,school,L01,d-lake-or\n");
	put_in(e, "c", "users.csv", USERS_HDR USER("or-1", "sch-or", "student", "Ola", "Berg", "8001", "03"));
	import_ok(e, tu_at(e, "c"), &sum);
	is = tu_issues_of(e->db, sum.run_id);
	if (tu_issue_find(&is, "orgs.csv", 2, "warning", NULL, "d-lake")) {
		tu_issues_print(&is);
		fail_msg("a district of the same name but another identifier was warned about");
	}
	tu_issues_free(&is);
}

static void test_delta_withdraws_renames_moves_and_adds(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_recs changes;
	struct tu_buf why = { 0 };
	long long *before;
	long withdrawn = 0, added = 0;
	char args[1024];

	snprintf(args, sizeof args, "--students 400 --seed 3 --out %s", tu_at(e, "bulk"));
	gen_roster(args);
	snprintf(args, sizeof args, "--delta-from %s --seed 8 --out %s", tu_at(e, "bulk"), tu_at(e, "delta"));
	gen_roster(args);

	import_ok(e, tu_at(e, "bulk"), &sum);
	changes = read_csv(tu_at(e, "delta/_changes.csv"));
	assert_true(changes.n > 4);
	before = tu_xmalloc(changes.n * sizeof *before);
	for (size_t i = 1; i < changes.n; i++)
		before[i] = student_id(e, changes.r[i].field[1]);

	import_ok(e, tu_at(e, "delta"), &sum);
	assert_string_equal(sum.kind, "oneroster-delta");
	assert_string_equal(sum.district, "Riverbend Public Schools");

	/* change,sourcedId,identifier,field,old,new,detail */
	for (size_t i = 1; i < changes.n; i++) {
		const struct tu_rec *c = &changes.r[i];
		const char *change = c->field[0], *sid = c->field[1];
		long long now = student_id(e, sid);

		assert_int_equal(c->nfields, 7);
		if (!strcmp(change, "added")) {
			char want[512];
			const char *g = student_col(e, "given_name", sid), *f = student_col(e, "family_name", sid);
			char *n;

			added++;
			snprintf(want, sizeof want, "%s %s", g ? g : "?", f ? f : "?");
			n = nfc(c->field[5]);
			if (before[i] > 0 || now <= 0 || strcmp(want, n))
				tu_buf_printf(&why, "added %s: row %lld -> %lld, name '%s', expected '%s'\n", sid,
					      before[i], now, want, n);
			else if (strcmp(student_col(e, "status", sid), "active"))
				tu_buf_printf(&why, "added %s is not active\n", sid);
			free(n);
			continue;
		}
		if (before[i] <= 0 || now != before[i]) {
			tu_buf_printf(&why, "%s %s: the student's row changed from %lld to %lld\n", change, sid,
				      before[i], now);
			continue;
		}
		if (!strcmp(change, "withdrawn")) {
			withdrawn++;
			if (strcmp(student_col(e, "status", sid), "withdrawn"))
				tu_buf_printf(&why, "withdrawn %s is still %s\n", sid, student_col(e, "status", sid));
		} else if (!strcmp(change, "renamed")) {
			const char *col = !strcmp(c->field[3], "givenName") ? "given_name" : "family_name";
			const char *stored = student_col(e, col, sid);
			char *want = nfc(c->field[5]);

			if (!stored || strcmp(stored, want))
				tu_buf_printf(&why, "renamed %s: %s is '%s', expected '%s'\n", sid, c->field[3],
					      stored ? stored : "NULL", want);
			free(want);
		} else if (!strcmp(change, "moved")) {
			const char *school = tu_q_str(e->db, "SELECT sc.sourced_id FROM student s JOIN school sc "
						      "ON sc.id = s.school_id WHERE s.sourced_id = ?1", sid);

			if (!school || strcmp(school, c->field[5]))
				tu_buf_printf(&why, "moved %s: school is %s, expected %s\n", sid,
					      school ? school : "none", c->field[5]);
		} else {
			tu_buf_printf(&why, "unknown change '%s' in _changes.csv\n", change);
		}
	}
	free(before);
	tu_recs_free(&changes);
	if (why.n) {
		fflush(stdout);
		fputs(why.s, stderr);
		tu_buf_free(&why);
		fail_msg("the delta's changes are not all reflected");
	}
	assert_int_equal(sum.withdrawn, withdrawn);
	assert_int_equal(sum.added, added);
	/* Withdrawn by a delta is still there, like any withdrawn child. */
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 400 + added);
}

/* A delta sets the indexed columns (number; school and status) apart from
 * the rest, and only when they change: each index must still match the
 * rows whichever column changed, and the counts are as for one update. */
static void test_delta_keeps_the_student_indexes_right(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	static const char *const checks[] = {
		"SELECT count(*) FROM student INDEXED BY student_by_number WHERE student_number = '6001'",
		"SELECT count(*) FROM student NOT INDEXED WHERE student_number = '6001'",
		"SELECT count(*) FROM student INDEXED BY student_by_number WHERE student_number = '5002'",
		"SELECT count(*) FROM student NOT INDEXED WHERE student_number = '5002'",
	};

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);

	put_in(e, "d1", "manifest.csv", delta_manifest);
	put_in(e, "d1", "users.csv", USERS_HDR
	       /* the number alone; a rename alone; a withdrawal; a move; no change */
	       USERD("stu-1", "active", "2024-10-01T10:00:00.000Z", "sch-north", "Ana", "García", "6001", "03")
	       USERD("stu-2", "active", "2024-10-01T10:00:00.000Z", "sch-north", "Benjamin", "Okafor", "5002", "03")
	       USERD("stu-3", "tobedeleted", "2024-10-01T10:00:00.000Z", "sch-south", "Chloé", "Dubois", "5003", "07")
	       USERD("stu-4", "active", "2024-10-01T10:00:00.000Z", "sch-north", "Dev", "Patel", "5004", "07")
	       USERD("stu-5", "active", "2024-10-01T10:00:00.000Z", "sch-north", "Emma", "Larsen", "5005", "03"));
	import_ok(e, tu_at(e, "d1"), &sum);
	assert_int_equal(sum.updated, 3);
	assert_int_equal(sum.withdrawn, 1);
	assert_string_equal(student_col(e, "student_number", "stu-1"), "6001");
	assert_string_equal(student_col(e, "given_name", "stu-2"), "Benjamin");
	assert_string_equal(student_col(e, "status", "stu-3"), "withdrawn");
	assert_string_equal(tu_q_str(e->db, "SELECT sc.sourced_id FROM student s JOIN school sc "
				     "ON sc.id = s.school_id WHERE s.sourced_id = ?1", "stu-4"), "sch-north");
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i += 2)
		assert_int_equal(count_of(e, checks[i]), count_of(e, checks[i + 1]));
	assert_int_equal(count_of(e, checks[0]), 1);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student INDEXED BY student_by_number "
				 "WHERE student_number = '5001'"), 0);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student INDEXED BY student_by_school "
				 "WHERE school_id IS NOT NULL AND status_code = 'a'"),
			 count_of(e, "SELECT count(*) FROM student NOT INDEXED "
				  "WHERE school_id IS NOT NULL AND status_code = 'a'"));

	/* Back again: the status alone changes. */
	put_in(e, "d2", "manifest.csv", delta_manifest);
	put_in(e, "d2", "users.csv", USERS_HDR
	       USERD("stu-3", "active", "2024-10-02T10:00:00.000Z", "sch-south", "Chloé", "Dubois", "5003", "07"));
	import_ok(e, tu_at(e, "d2"), &sum);
	assert_int_equal(sum.updated, 1);
	assert_string_equal(student_col(e, "status", "stu-3"), "active");
	assert_int_equal(count_of(e, "SELECT count(*) FROM student INDEXED BY student_by_school "
				 "WHERE school_id = (SELECT id FROM school WHERE sourced_id = 'sch-south') "
				 "AND status_code = 'a'"),
			 count_of(e, "SELECT count(*) FROM student NOT INDEXED "
				  "WHERE school_id = (SELECT id FROM school WHERE sourced_id = 'sch-south') "
				  "AND status_code = 'a'"));
	assert_string_equal(tu_q_str(e->db, "PRAGMA integrity_check", NULL), "ok");
}

static void test_older_delta_row_never_overwrites_a_newer_one(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	long long ana, ben, emma;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	ana = student_id(e, "stu-1");
	ben = student_id(e, "stu-2");
	emma = student_id(e, "stu-5");

	/* One delta, rows out of date order: the newest change wins. */
	put_in(e, "d1", "manifest.csv", delta_manifest);
	put_in(e, "d1", "users.csv", USERS_HDR
	       USERD("stu-1", "active", "2024-10-01T10:00:00.000Z", "sch-north", "Anita", "García", "5001", "03")
	       USERD("stu-1", "active", "2024-09-01T10:00:00.000Z", "sch-north", "Ana-Old", "García", "5001", "03")
	       USERD("stu-2", "active", "2024-09-01T10:00:00.000Z", "sch-north", "Benny", "Okafor", "5002", "03")
	       USERD("stu-2", "active", "2024-10-01T10:00:00.000Z", "sch-north", "Benjamin", "Okafor", "5002", "03")
	       USERD("stu-5", "tobedeleted", "2024-10-02T08:00:00.000Z", "sch-north", "Emma", "Larsen", "5005", "03"));
	import_ok(e, tu_at(e, "d1"), &sum);
	assert_string_equal(sum.kind, "oneroster-delta");
	assert_string_equal(student_col(e, "given_name", "stu-1"), "Anita");
	assert_string_equal(student_col(e, "given_name", "stu-2"), "Benjamin");
	assert_string_equal(student_col(e, "status", "stu-5"), "withdrawn");
	assert_int_equal(student_id(e, "stu-1"), ana);
	assert_int_equal(student_id(e, "stu-2"), ben);
	assert_int_equal(student_id(e, "stu-5"), emma);
	assert_int_equal(sum.withdrawn, 1);
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", 3, NULL, "dateLastModified", NULL)) {
		tu_issues_print(&is);
		fail_msg("the stale row users.csv:3 was not reported");
	}
	tu_issues_free(&is);
	/* Students the delta does not name are untouched. */
	assert_string_equal(student_col(e, "status", "stu-3"), "active");
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 5);

	/* A later delta carrying an older change for Ana is ignored too. */
	put_in(e, "d2", "manifest.csv", delta_manifest);
	put_in(e, "d2", "users.csv", USERS_HDR
	       USERD("stu-1", "active", "2024-08-15T00:00:00.000Z", "sch-south", "Annie", "García", "5001", "07"));
	import_ok(e, tu_at(e, "d2"), &sum);
	assert_string_equal(student_col(e, "given_name", "stu-1"), "Anita");
	assert_string_equal(student_col(e, "grade", "stu-1"), "03");
	assert_int_equal(sum.updated, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_env_setup, tu_env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_second_district_of_the_same_name_and_identifier_is_warned),
		T(test_delta_withdraws_renames_moves_and_adds),
		T(test_delta_keeps_the_student_indexes_right),
		T(test_older_delta_row_never_overwrites_a_newer_one),
	};

	return cmocka_run_group_tests_name("roster_delta", tests, NULL, NULL);
}
