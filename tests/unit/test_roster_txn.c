/* Unit tests for core/roster: one import is one transaction (a failure,
 * a cancel or a kill leaves the roster as it was, and the run is on
 * record), and the report again (import --show-last).
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

/* ---- 5. one import, one transaction ------------------------------------ */

static void test_manifest_naming_a_missing_file_fails_and_changes_nothing(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);

	/* The manifest says users.csv is bulk, but the file never arrived. */
	write_lake(e, "broken", USERS_HDR U_1);
	unlink(tu_at(e, "broken/users.csv"));
	import_fails_cleanly(e, "broken", CR_ENOINPUT, "users.csv");
	assert_integrity_ok(e);
}

static void test_missing_required_column_fails_and_changes_nothing(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);

	/* No familyName column at all (and Dev missing: nobody may be withdrawn). */
	write_lake(e, "broken",
		   "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,givenName,identifier\n"
		   "stu-1,,,true,sch-north,student,Ana,5001\n");
	import_fails_cleanly(e, "broken", CR_EDATA, "users.csv:1");
	is = tu_issues_of(e->db, count_of(e, "SELECT max(id) FROM import_run"));
	if (!tu_issue_find(&is, "users.csv", 1, "error", "familyName", NULL)) {
		tu_issues_print(&is);
		fail_msg("the failed run's report does not name users.csv:1 familyName");
	}
	tu_issues_free(&is);
	assert_integrity_ok(e);

	/* The indexes and search triggers are back: the next import works. */
	write_lake(e, "lake2", USERS_HDR U_TEACHER U_1 U_2 U_3 U_5);
	import_ok(e, tu_at(e, "lake2"), &sum);
	assert_int_equal(sum.withdrawn, 1);
	assert_integrity_ok(e);
}

static void test_failure_in_the_last_file_undoes_the_earlier_files(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);

	/* users.csv renames Ana and drops Dev; then enrollments.csv is unusable. */
	write_lake(e, "broken", USERS_HDR U_TEACHER
		   USER("stu-1", "sch-north", "student", "Anita", "García", "5001", "03") U_2 U_3 U_5);
	put_in(e, "broken", "enrollments.csv", "sourcedId,userSourcedId,role\ne-1,stu-1,student\n");
	import_fails_cleanly(e, "broken", CR_EDATA, "enrollments.csv");
	assert_string_equal(student_col(e, "given_name", "stu-1"), "Ana");
	assert_string_equal(student_col(e, "status", "stu-4"), "active");
	assert_integrity_ok(e);
}

static void test_dry_run_changes_nothing_but_is_recorded(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum, shown;
	struct cr_err err;
	enum cr_status st;
	char *before, *after;
	long long run;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	before = roster_dump(e->db);

	write_lake(e, "lake2", USERS_HDR U_TEACHER U_1 U_2 U_3 U_5
		   USER("stu-6", "sch-north", "student", "Farah", "Haddad", "5006", "03"));
	st = tu_import(e->db, tu_at(e, "lake2"), 1, &sum, &err);
	assert_imported(st, err);
	assert_int_equal(sum.dry_run, 1);
	assert_string_equal(sum.outcome, "ok");
	/* It says what would happen... */
	assert_int_equal(sum.added, 1);
	assert_int_equal(sum.withdrawn, 1);
	/* ...and nothing happened. */
	after = roster_dump(e->db);
	assert_same_roster(before, after, "dry run");
	free(before);
	free(after);
	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	assert_true(run > 0);
	assert_int_equal(run, sum.run_id);
	assert_int_equal(roster_run_summary(e->db, run, &shown, NULL, 0, NULL, &err), CR_OK);
	assert_int_equal(shown.dry_run, 1);
	assert_string_equal(shown.outcome, "ok");
	assert_int_equal(shown.added, 1);
	assert_int_equal(count_of(e, "SELECT count(*) FROM import_run WHERE dry_run = 1"), 1);
}

/* The first thing a librarian does with a new district's export is a dry
 * run on an empty database: its summary and report must be kept. */
static void test_dry_run_of_a_new_district_is_recorded_with_its_report(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum, shown;
	struct tu_issues is;
	struct cr_err err;
	enum cr_status st;
	long long run = 0;

	write_lake(e, "lake", USERS_HDR U_TEACHER U_1 U_2 U_3 U_4 U_5
		   "stu-6,,,true,sch-north,student,,,Farah,Haddad,,,,,,,3,\n");
	st = tu_import(e->db, tu_at(e, "lake"), 1, &sum, &err);
	assert_imported(st, err);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 0);
	assert_int_equal(count_of(e, "SELECT count(*) FROM district"), 0);
	if (sum.run_id <= 0)
		fail_msg("the dry run was not recorded (run_id %lld, %lld runs on record)", sum.run_id,
			 count_of(e, "SELECT count(*) FROM import_run"));
	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	assert_int_equal(run, sum.run_id);
	assert_int_equal(roster_run_summary(e->db, run, &shown, NULL, 0, NULL, &err), CR_OK);
	assert_int_equal(shown.dry_run, 1);
	assert_int_equal(shown.added, 6);
	is = tu_issues_of(e->db, run);
	assert_non_null(tu_issue_find(&is, "users.csv", 8, "warning", "grades", NULL));
	tu_issues_free(&is);
}

static void test_failed_import_of_a_new_district_keeps_its_report(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	struct cr_err err;
	enum cr_status st;
	long long run = 0;

	/* Lakeview is on file; Hillside's first export has no familyName column. */
	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	put_in(e, "hill", "manifest.csv", MANIFEST_HEAD "file.orgs,bulk\nfile.users,bulk\n");
	put_in(e, "hill", "orgs.csv", ORGS_HDR "d-hill,,,Hillside Unified,district,,\n"
	       "sch-hill,,,Hillside Elementary,school,,d-hill\n");
	put_in(e, "hill", "users.csv", "sourcedId,role,givenName\nh-1,student,Femi\n");
	st = tu_import(e->db, tu_at(e, "hill"), 0, &sum, &err);
	assert_int_equal(st, CR_EDATA);
	assert_int_equal(count_of(e, "SELECT count(*) FROM district"), 1);
	if (sum.run_id <= 0)
		fail_msg("the failed import was not recorded (run_id %lld; the newest run on record is '%s')",
			 sum.run_id, last_run_col(e, "outcome"));
	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	assert_int_equal(run, sum.run_id);
	assert_string_equal(last_run_col(e, "outcome"), "failed");
	is = tu_issues_of(e->db, run);
	assert_non_null(tu_issue_find(&is, "users.csv", 1, "error", "familyName", NULL));
	tu_issues_free(&is);
}

static void test_cancelled_import_leaves_the_roster_as_it_was(void **state)
{
	struct tu_env *e = *state;
	static volatile sig_atomic_t cancel = 1;
	struct roster_options opt = { .cancel = &cancel };
	struct roster_summary sum;
	struct cr_err err = { 0 };
	enum cr_status st;
	char *before, *after;
	char args[1024];

	/* A district big enough that the import looks at the cancel flag;
	 * next week's export is being imported when the librarian cancels. */
	snprintf(args, sizeof args, "--students 1000 --seed 4 --out %s", tu_at(e, "week1"));
	gen_roster(args);
	assert_int_equal(tu_sh("cp -r '%s' '%s' && head -n -100 '%s' > '%s'", tu_at(e, "week1"), tu_at(e, "week2"),
			       tu_at(e, "week1/users.csv"), tu_at(e, "week2/users.csv")), 0);
	import_ok(e, tu_at(e, "week1"), &sum);
	before = roster_dump(e->db);
	opt.source = tu_at(e, "week2");
	st = roster_import(e->db, &opt, &sum, &err);
	assert_int_equal(st, CR_EINTERRUPTED);
	assert_string_equal(sum.outcome, "interrupted");
	after = roster_dump(e->db);
	assert_same_roster(before, after, "cancelled import");
	free(before);
	free(after);
	assert_string_equal(last_run_col(e, "outcome"), "interrupted");
	assert_integrity_ok(e);
}

/* The progress callback of a child process that dies mid-import. */
static int die_mid_import(const struct roster_progress *p, void *ctx)
{
	(void)ctx;
	if (p->rows > 0)
		_exit(0);
	return 0;
}

static void test_killed_import_is_shown_as_interrupted(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum, shown;
	struct cr_err err = { 0 };
	long long first, run = 0;
	char args[1024];
	char *before, *after;
	pid_t pid;
	int status;

	snprintf(args, sizeof args, "--students 1000 --seed 4 --out %s", tu_at(e, "week1"));
	gen_roster(args);
	import_ok(e, tu_at(e, "week1"), &sum);
	first = sum.run_id;
	before = roster_dump(e->db);

	/* The next import is killed (power cut, kill -9) while it reads. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cr_db *db;
		struct roster_options opt = { .source = tu_at(e, "week1"), .progress = die_mid_import };

		if (db_open(e->db_path, 0, &db, &err) != CR_OK)
			_exit(2);
		roster_import(db, &opt, &sum, &err);
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* import --show-last: the killed run, not the one before. */
	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	if (run == first)
		fail_msg("the killed import left no record: --show-last shows run %lld again", first);
	assert_int_equal(roster_run_summary(e->db, run, &shown, NULL, 0, NULL, &err), CR_OK);
	assert_string_equal(shown.outcome, "interrupted");
	after = roster_dump(e->db);
	assert_same_roster(before, after, "killed import");
	free(before);
	free(after);

	/* The next import goes through and leaves the killed run as it was. */
	import_ok(e, tu_at(e, "week1"), &sum);
	assert_true(sum.run_id > run);
	assert_int_equal(count_of(e, "SELECT count(*) FROM import_run WHERE outcome = 'running'"), 0);
	assert_int_equal(count_of(e, "SELECT count(*) FROM import_run WHERE outcome = 'interrupted'"), 1);
}

/* ---- 8. the report again (import --show-last) ---------------------------- */

static void test_show_last_gives_back_the_same_summary_and_report(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum, shown;
	struct tu_issues is;
	struct cr_err err = { 0 };
	long long run = 0, finished = 0;
	long errors = 0, warnings = 0;
	char source[4096];

	write_lake(e, "lake", USERS_HDR U_TEACHER U_1 U_2
		   "stu-x,gone,,true,sch-north,student,,,Xavier,Gone,,5099,,,,,03,\n"
		   "stu-6,,,true,sch-north,student,,,Farah,Haddad,,,,,,,3,\n" U_3);
	put_in(e, "lake", "enrollments.csv", ENR_HDR
	       "e-1,,,cls-3a,sch-north,stu-1,student,false,,\n"
	       "e-9,,,cls-zz,sch-north,stu-2,student,false,,\n");
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_true(sum.rejected >= 2);
	assert_true(sum.warnings >= 2);

	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	assert_int_equal(run, sum.run_id);
	assert_int_equal(roster_run_summary(e->db, run, &shown, source, sizeof source, &finished, &err), CR_OK);
	assert_int_equal(shown.run_id, sum.run_id);
	assert_string_equal(shown.kind, sum.kind);
	assert_string_equal(shown.district, "Lakeview School District");
	assert_string_equal(shown.outcome, "ok");
	assert_int_equal(shown.added, sum.added);
	assert_int_equal(shown.updated, sum.updated);
	assert_int_equal(shown.withdrawn, sum.withdrawn);
	assert_int_equal(shown.rejected, sum.rejected);
	assert_int_equal(shown.warnings, sum.warnings);
	assert_int_equal(shown.dry_run, 0);
	assert_string_equal(source, tu_at(e, "lake"));
	assert_true(finished > 0);

	/* Every counted problem is listed, each with file, line and reason. */
	is = tu_issues_of(e->db, run);
	for (size_t i = 0; i < is.n; i++) {
		assert_true(is.v[i].file[0] != '\0');
		assert_true(is.v[i].reason[0] != '\0');
		errors += !strcmp(is.v[i].severity, "error");
		warnings += !strcmp(is.v[i].severity, "warning");
	}
	assert_int_equal(errors, sum.rejected);
	assert_int_equal(warnings, sum.warnings);
	assert_non_null(tu_issue_find(&is, "users.csv", 5, "error", "status", NULL));
	assert_non_null(tu_issue_find(&is, "users.csv", 6, "warning", "identifier", NULL));
	assert_non_null(tu_issue_find(&is, "users.csv", 6, "warning", "grades", NULL));
	assert_non_null(tu_issue_find(&is, "enrollments.csv", 3, "error", "classSourcedId", NULL));
	tu_issues_free(&is);
	assert_int_equal(student_id(e, "stu-x"), -1);

	/* A run that does not exist is said to be missing. */
	assert_int_equal(roster_run_summary(e->db, run + 100, &shown, NULL, 0, NULL, &err), CR_ENOINPUT);
}

static void test_no_import_yet_means_no_last_run(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err = { 0 };
	long long run = -1;

	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	assert_int_equal(run, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_env_setup, tu_env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_manifest_naming_a_missing_file_fails_and_changes_nothing),
		T(test_missing_required_column_fails_and_changes_nothing),
		T(test_failure_in_the_last_file_undoes_the_earlier_files),
		T(test_dry_run_changes_nothing_but_is_recorded),
		T(test_dry_run_of_a_new_district_is_recorded_with_its_report),
		T(test_failed_import_of_a_new_district_keeps_its_report),
		T(test_cancelled_import_leaves_the_roster_as_it_was),
		T(test_killed_import_is_shown_as_interrupted),
		T(test_show_last_gives_back_the_same_summary_and_report),
		T(test_no_import_yet_means_no_last_run),
	};

	return cmocka_run_group_tests_name("roster_txn", tests, NULL, NULL);
}
