/* Unit tests for core/roster: whole packages as districts send them: the
 * sample packages in tests/data (OneRoster 1.1 and 1.2, a spreadsheet
 * save), zipped packages, and the privacy of the database file.
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

/* ---- 1. the sample packages (tests/data) ------------------------------- */

static void test_small_sample_imports_and_the_manifest_typo_is_named(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	const struct tu_issue *typo;
	struct tu_issues is;
	char src[512];

	tu_data(src, sizeof src, "oneroster-1.1-quoted");
	import_ok(e, src, &sum);
	assert_string_equal(sum.kind, "oneroster-bulk");
	assert_string_equal(sum.outcome, "ok");
	assert_int_equal(sum.added, 20);
	assert_int_equal(sum.rejected, 0);
	assert_int_equal(sum.classes, 5);
	assert_int_equal(sum.enrollments, 25);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student WHERE status = 'active'"), 20);
	assert_string_equal(tu_q_str(e->db, "SELECT name FROM school", NULL), "Maple Hollow Elementary");

	/* The typo 'fiel.demographics' is a warning at its own line. */
	is = tu_issues_of(e->db, sum.run_id);
	typo = tu_issue_find(&is, "manifest.csv", 10, "warning", NULL, "fiel.demographics");
	if (!typo) {
		tu_issues_print(&is);
		fail_msg("no warning naming manifest.csv:10 'fiel.demographics'");
	}
	tu_issues_free(&is);
}

static void test_minimal_sample_imports_students_only_and_never_the_password(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	char src[512];
	const char *where;

	tu_data(src, sizeof src, "oneroster-1.1-minimal");
	import_ok(e, src, &sum);
	assert_string_equal(sum.kind, "oneroster-bulk");
	/* Rosa, Tomas and Priya are the students; teachers and the parent are not. */
	assert_int_equal(sum.added, 3);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 3);
	assert_true(student_id(e, "hv-u-812") > 0);
	assert_true(student_id(e, "hv-u-814") > 0);
	assert_int_equal(student_id(e, "hv-u-501"), -1);
	assert_int_equal(student_id(e, "hv-u-640"), -1);
	/* Files without a final newline still give their last row. */
	assert_int_equal(sum.classes, 2);
	assert_non_null(tu_q_str(e->db, "SELECT id FROM class WHERE title = 'World History - 2'", NULL));
	/* The teacher is kept only as the class's label. */
	assert_string_equal(tu_q_str(e->db, "SELECT teacher FROM class WHERE title = 'World History - 2'", NULL),
			    "Lena Okafor");
	/* Victor Haines is a teacher in users.csv but enrolled as a student: reported. */
	is = tu_issues_of(e->db, sum.run_id);
	assert_non_null(tu_issue_find(&is, "enrollments.csv", 3, "error", "userSourcedId", NULL));
	assert_non_null(tu_issue_find(&is, "enrollments.csv", 6, "error", "userSourcedId", NULL));
	tu_issues_free(&is);
	assert_int_equal(sum.enrollments, 2);

	where = db_files_holding(e, "Kestrel-7-pass");
	if (where)
		fail_msg("the SIS password from users.csv was stored in %s", where);
}

/* OneRoster 1.2 moves the role to roles.csv and adds preferred names. */
static void test_oneroster_12_roles_file_says_who_is_a_student(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;

	put_in(e, "v12", "manifest.csv", "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
	       "file.orgs,bulk\nfile.roles,bulk\nfile.users,bulk\n");
	put_in(e, "v12", "orgs.csv", lake_orgs);
	put_in(e, "v12", "users.csv",
	       "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,"
	       "identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,"
	       "resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,"
	       "primaryOrgSourcedId,pronouns\n"
	       "u-1,,,true,,,Alexander,Petrov,,6001,,,,,04,,,,Sasha,,,sch-north,\n"
	       "u-2,,,true,,\"{SIS:6002}\",Mei,Chen,,,,,,,04,,,,,,,sch-south,\n"
	       "t-1,,,true,,,Marta,Rivera,,,,,,,,,,,,,,sch-north,\n"
	       "p-1,,,true,,,Olga,Petrova,,,,,,,,,,,,,,,\n");
	put_in(e, "v12", "roles.csv",
	       "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,"
	       "userProfileSourcedId\n"
	       "r-1,,,u-1,primary,student,,,sch-north,\n"
	       "r-2,,,u-2,primary,student,,,sch-south,\n"
	       "r-3,,,t-1,primary,teacher,,,sch-north,\n"
	       "r-4,,,p-1,primary,guardian,,,sch-north,\n");
	import_ok(e, tu_at(e, "v12"), &sum);
	assert_int_equal(sum.added, 2);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 2);
	assert_string_equal(student_col(e, "preferred_name", "u-1"), "Sasha");
	assert_string_equal(student_col(e, "student_number", "u-1"), "6001");
	/* The student ID only inside userIds as {SIS:...}. */
	assert_string_equal(student_col(e, "student_number", "u-2"), "6002");
	assert_string_equal(tu_q_str(e->db, "SELECT sc.sourced_id FROM student s JOIN school sc "
				     "ON sc.id = s.school_id WHERE s.sourced_id = ?1", "u-2"), "sch-south");
	assert_int_equal(student_id(e, "t-1"), -1);
	assert_int_equal(student_id(e, "p-1"), -1);
}

/* The 1.2 package above as a spreadsheet saves it: each header ends in two
 * columns without a name that the rows stop before, and columns are
 * misspelled by one letter (dataLastModified, famlyName). */
static void test_spreadsheet_saved_12_package_is_read_with_warnings(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	int unnamed = 0;

	put_in(e, "v12", "manifest.csv", "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
	       "file.orgs,bulk\nfile.roles,bulk\nfile.users,bulk\n");
	put_in(e, "v12", "orgs.csv", lake_orgs);
	put_in(e, "v12", "users.csv",
	       "sourcedId,status,dataLastModified,enabledUser,username,userIds,givenName,famlyName,"
	       "identifier,primaryOrgSourcedId,,\n"
	       "u-1,,2026-09-01T00:00:00Z,true,,,Alexander,Petrov,6001,sch-north\n"
	       "u-2,,2026-09-01T00:00:00Z,true,,,Mei,Chen,6002,sch-south\n"
	       "t-1,,2026-09-01T00:00:00Z,true,,,Marta,Rivera,,sch-north\n");
	put_in(e, "v12", "roles.csv",
	       "sourcedId,status,dataLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,,\n"
	       "r-1,,,u-1,primary,student,,,sch-north\n"
	       "r-2,,,u-2,primary,student,,,sch-south\n"
	       "r-3,,,t-1,primary,teacher,,,sch-north\n");
	import_ok(e, tu_at(e, "v12"), &sum);
	is = tu_issues_of(e->db, sum.run_id);
	if (sum.rejected != 0 || sum.added != 2) {
		tu_issues_print(&is);
		fail_msg("added %ld, rejected %ld: want every student read (2 added, 0 rejected)", sum.added,
			 sum.rejected);
	}
	assert_string_equal(student_col(e, "family_name", "u-2"), "Chen");
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM student_modified WHERE modified_at LIKE '2026-09-01%'",
				  NULL), 2);
	/* Said once a file: the unnamed columns, and each guess. */
	for (size_t i = 0; i < is.n; i++)
		unnamed += strstr(is.v[i].reason, "no name") != NULL;
	if (unnamed != 2 || !tu_issue_find(&is, "users.csv", 1, "warning", NULL, "dataLastModified") ||
	    !tu_issue_find(&is, "users.csv", 1, "warning", "familyName", "famlyName") ||
	    !tu_issue_find(&is, "roles.csv", 1, "warning", "dateLastModified", "dataLastModified")) {
		tu_issues_print(&is);
		fail_msg("want one warning a file for the unnamed columns and one for each misspelled column");
	}
	tu_issues_free(&is);
}

/* ---- 6. zipped packages ------------------------------------------------ */

static void test_zipped_package_imports_the_same_as_the_folder(void **state)
{
	struct tu_env *e = *state;
	char *folder, *zipped, *intop, *rf, *rz, *rt;

	/* A little mess too, so the reports have something to compare. */
	write_lake(e, "lake", USERS_HDR U_TEACHER U_1 U_2 U_3 U_4 U_5
		   "stu-6,,,true,sch-north,student,,,Farah,Haddad,,,,,,,3,\n");
	zip_folder(e, "lake.zip", "lake", 0);
	zip_folder(e, "lake-top.zip", "lake", 1);

	folder = import_fresh(e, "folder.db", tu_at(e, "lake"), &rf);
	zipped = import_fresh(e, "zip.db", tu_at(e, "lake.zip"), &rz);
	intop = import_fresh(e, "top.db", tu_at(e, "lake-top.zip"), &rt);
	assert_true(strstr(folder, "'Farah'") != NULL);
	assert_same_roster(folder, zipped, "lake.zip against the folder");
	assert_same_roster(folder, intop, "lake-top.zip (files in a top folder) against the folder");
	assert_string_equal(rf, rz);
	assert_string_equal(rf, rt);
	free(folder);
	free(zipped);
	free(intop);
	free(rf);
	free(rz);
	free(rt);
}

static void test_zip_entry_leaving_the_package_is_refused_and_named(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	static const char *const evil[] = { "../evil.csv", "/etc/x.csv", "../users.csv" };
	int rc;

	write_lake(e, "lake", NULL);
	tu_put(e, "evil.csv", "sourcedId\nnothing\n");
	/* A users.csv outside the package, naming someone who is not a pupil. */
	tu_put(e, "evil-users.csv", USERS_HDR USER("stu-evil", "sch-north", "student", "Mallory", "Intruder", "6666", "03"));
	tu_put(e, "mkzip.py", mkzip_py);
	rc = tu_sh("python3 '%s' '%s' '%s' '' '../evil.csv=%s' '/etc/x.csv=%s' '../users.csv=%s'",
		   tu_at(e, "mkzip.py"), tu_at(e, "lake-evil.zip"), tu_at(e, "lake"), tu_at(e, "evil.csv"),
		   tu_at(e, "evil.csv"), tu_at(e, "evil-users.csv"));
	if (rc == 127)
		skip();
	assert_int_equal(rc, 0);

	import_ok(e, tu_at(e, "lake-evil.zip"), &sum);
	is = tu_issues_of(e->db, sum.run_id);
	for (size_t i = 0; i < TU_LEN(evil); i++) {
		const struct tu_issue *t = tu_issue_find(&is, NULL, -1, "error", evil[i], NULL);

		if (!t || (strcmp(t->field, evil[i]) && !strstr(t->reason, evil[i]))) {
			tu_issues_print(&is);
			fail_msg("no error entry naming the zip entry '%s'", evil[i]);
		}
		assert_string_equal(t->file, "lake-evil.zip");
	}
	tu_issues_free(&is);
	/* Three refused files, not rejected rows: every row was good. */
	if (sum.rejected != 0 || sum.refused_files != 3)
		fail_msg("refused zip entries counted as %ld rejected rows and %ld refused files (want 0 and 3)",
			 sum.rejected, sum.refused_files);
	{
		struct roster_summary shown;
		struct cr_err err = { 0 };

		assert_int_equal(roster_run_summary(e->db, sum.run_id, &shown, NULL, 0, NULL, &err), CR_OK);
		assert_int_equal(shown.rejected, 0);
		assert_int_equal(shown.refused_files, 3);
	}
	/* The good files imported; the intruder did not. */
	assert_int_equal(sum.added, 5);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 5);
	assert_int_equal(student_id(e, "stu-evil"), -1);
	assert_int_equal(count_of(e, "SELECT count(*) FROM enrollment"), 5);
}

/* ---- 9. privacy of the file itself --------------------------------------- */

static void test_database_and_its_journal_are_private_0600(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_db *db;
	struct cr_err err = { 0 };
	struct stat sb;
	mode_t old = umask(0);     /* even a careless umask must not open it up */
	char path[300], wal[310];

	snprintf(path, sizeof path, "%s/private.db", e->dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	if (db_open(path, 0, &db, &err) != CR_OK) {
		umask(old);
		fail_msg("db_open: %s", err.msg);
	}
	write_lake(e, "lake", NULL);
	if (tu_import(db, tu_at(e, "lake"), 0, &sum, &err) != CR_OK) {
		umask(old);
		db_close(db);
		fail_msg("import: %s", err.msg);
	}
	umask(old);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	if (stat(wal, &sb) == 0)
		assert_int_equal(sb.st_mode & 0777, 0600);
	db_close(db);
	assert_int_equal(stat(e->db_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_env_setup, tu_env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_small_sample_imports_and_the_manifest_typo_is_named),
		T(test_minimal_sample_imports_students_only_and_never_the_password),
		T(test_oneroster_12_roles_file_says_who_is_a_student),
		T(test_spreadsheet_saved_12_package_is_read_with_warnings),
		T(test_zipped_package_imports_the_same_as_the_folder),
		T(test_zip_entry_leaving_the_package_is_refused_and_named),
		T(test_database_and_its_journal_are_private_0600),
	};

	return cmocka_run_group_tests_name("roster_packages", tests, NULL, NULL);
}
