/* Unit tests for core/roster: bad input in an otherwise good package:
 * empty and misspelled files and columns, a 100 MB line, Latin-1, escape
 * sequences, opt-outs, passwords, field limits.
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

/* ---- 7. bad input -------------------------------------------------------- */

static void test_empty_users_file_does_not_withdraw_the_whole_district(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	struct cr_err err;
	enum cr_status st;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);

	/* The SIS export broke off: users.csv arrived with 0 bytes. */
	write_lake(e, "empty", "");
	st = tu_import(e->db, tu_at(e, "empty"), 0, &sum, &err);
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", -1, NULL, NULL, NULL) && !strstr(err.msg, "users.csv")) {
		tu_issues_print(&is);
		fail_msg("nothing says users.csv is empty");
	}
	tu_issues_free(&is);
	/* An empty file is no roster: nobody may leave because of it. */
	if (count_of(e, "SELECT count(*) FROM student WHERE status = 'active'") != 5)
		fail_msg("an empty users.csv withdrew %lld of 5 students (import returned %s, withdrawn=%ld)",
			 5 - count_of(e, "SELECT count(*) FROM student WHERE status = 'active'"),
			 cr_status_name(st), sum.withdrawn);
}

static void test_misspelled_column_is_an_error_with_a_suggestion(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	const struct tu_issue *hint;
	char *before, *after;
	struct cr_err err;
	enum cr_status st;
	char users[sizeof lake_users + 8];

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	before = roster_dump(e->db);

	snprintf(users, sizeof users, "%s", lake_users);
	memcpy(strstr(users, "givenName"), "givneName", 9);
	write_lake(e, "typo", users);
	st = tu_import(e->db, tu_at(e, "typo"), 0, &sum, &err);
	assert_int_equal(st, CR_EDATA);
	assert_true(strstr(err.msg, "users.csv:1") != NULL);
	is = tu_issues_of(e->db, sum.run_id);
	hint = tu_issue_find(&is, "users.csv", 1, NULL, NULL, "'givneName'");
	if (!hint || !strstr(hint->reason, "'givenName'") ||
	    !tu_issue_find(&is, "users.csv", 1, "error", "givenName", NULL)) {
		tu_issues_print(&is);
		fail_msg("users.csv:1 should be an error naming 'givneName' and suggesting 'givenName'");
	}
	tu_issues_free(&is);
	after = roster_dump(e->db);
	assert_same_roster(before, after, "misspelled column");
	free(before);
	free(after);
}

static void test_unknown_extra_column_is_a_warning_and_rows_import(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;

	write_lake_users_only(e, "lake",
		   "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,givenName,familyName,"
		   "identifier,grades,favouriteColour\n"
		   "stu-1,,,true,sch-north,student,Ana,García,5001,03,green\n"
		   "stu-2,,,true,sch-north,student,Ben,Okafor,5002,03,blue\n");
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_int_equal(sum.added, 2);
	assert_int_equal(sum.rejected, 0);
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", 1, "warning", NULL, "favouriteColour")) {
		tu_issues_print(&is);
		fail_msg("no warning naming the unknown column at users.csv:1");
	}
	tu_issues_free(&is);
	assert_string_equal(student_col(e, "given_name", "stu-2"), "Ben");
}

static void test_a_100_mb_line_is_reported_and_memory_stays_bounded(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	struct timespec t0;
	char *chunk;
	FILE *f;
	long rss0;
	double secs;

	write_lake(e, "huge", NULL);
	/* Line 5 holds a given name of 100 MB, written a megabyte at a time. */
	f = fopen(tu_at(e, "huge/users.csv"), "wb");
	assert_non_null(f);
	fputs(USERS_HDR U_TEACHER U_1 U_2, f);
	fputs("stu-huge,,,true,sch-north,student,,,", f);
	chunk = tu_xmalloc(1 << 20);
	memset(chunk, 'A', 1 << 20);
	for (int i = 0; i < 100; i++)
		assert_int_equal(fwrite(chunk, 1, 1 << 20, f), 1 << 20);
	free(chunk);
	fputs(",Huge,,9999,,,,,03,\n" U_3 U_4 U_5, f);
	assert_int_equal(fclose(f), 0);

	rss0 = max_rss_kb();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	import_ok(e, tu_at(e, "huge"), &sum);
	secs = seconds_since(&t0);
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", 5, "error", NULL, NULL)) {
		tu_issues_print(&is);
		fail_msg("the 100 MB line users.csv:5 was not reported");
	}
	tu_issues_free(&is);
	assert_int_equal(sum.added, 5);
	assert_int_equal(student_id(e, "stu-huge"), -1);
	assert_true(student_id(e, "stu-3") > 0);
	if (secs > 10)
		fail_msg("importing past a 100 MB line took %.1f s", secs);
	if (max_rss_kb() - rss0 > 64 * 1024)
		fail_msg("memory grew by %ld MB reading a 100 MB line", (max_rss_kb() - rss0) / 1024);
}

static void test_latin1_row_is_converted_with_a_warning(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;

	/* Line 7 comes from an old Windows export: Sofía Dueñas in Latin-1. */
	write_lake(e, "lake", USERS_HDR U_TEACHER U_1 U_2 U_3 U_4
		   USER("stu-6", "sch-north", "student", "Sof\xed" "a", "Due\xf1" "as", "5006", "03") U_5);
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_string_equal(student_col(e, "given_name", "stu-6"), "Sof\xc3\xad" "a");
	assert_string_equal(student_col(e, "family_name", "stu-6"), "Due\xc3\xb1" "as");
	assert_string_equal(student_col(e, "name_fold", "stu-6"), "sofia duenas");
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", 7, "warning", NULL, "Latin-1")) {
		tu_issues_print(&is);
		fail_msg("no Latin-1 warning at users.csv:7");
	}
	tu_issues_free(&is);
	/* And a name already in NFD is stored composed (NFC). */
	write_lake(e, "lake2", USERS_HDR U_TEACHER U_1 U_2 U_3 U_4 U_5
		   USER("stu-7", "sch-north", "student", "Jose\xcc\x81", "Mun\xcc\x83oz", "5007", "03"));
	import_ok(e, tu_at(e, "lake2"), &sum);
	assert_string_equal(student_col(e, "given_name", "stu-7"), "Jos\xc3\xa9");
	assert_string_equal(student_col(e, "family_name", "stu-7"), "Mu\xc3\xb1oz");
}

static void test_escape_sequences_never_reach_the_roster(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;

	write_lake(e, "lake", USERS_HDR U_TEACHER U_1 U_2 U_3 U_4 U_5
		   USER("stu-6", "sch-north", "student", "\x1b[2J\x1b[HMax", "Power\x1b]0;pwned\x07\x1b[31m", "5006", "03"));
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_string_equal(student_col(e, "given_name", "stu-6"), "Max");
	assert_string_equal(student_col(e, "family_name", "stu-6"), "Power");
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", 8, "warning", NULL, "escape")) {
		tu_issues_print(&is);
		fail_msg("no warning about the escape sequence at users.csv:8");
	}
	tu_issues_free(&is);
}

static void test_directory_opt_out_is_kept(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;

	write_lake_users_only(e, "lake",
		   "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,givenName,familyName,"
		   "identifier,grades,metadata.directoryOptOut\n"
		   "stu-1,,,true,sch-north,student,Ana,García,5001,03,true\n"
		   "stu-2,,,true,sch-north,student,Ben,Okafor,5002,03,false\n"
		   "stu-3,,,true,sch-south,student,Chloé,Dubois,5003,07,\n"
		   "stu-4,,,true,sch-south,student,Dev,Patel,5004,07,TRUE\n");
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_int_equal(sum.rejected, 0);
	assert_string_equal(student_col(e, "directory_optout", "stu-1"), "1");
	assert_string_equal(student_col(e, "directory_optout", "stu-2"), "0");
	assert_string_equal(student_col(e, "directory_optout", "stu-3"), "0");
	assert_string_equal(student_col(e, "directory_optout", "stu-4"), "1");

	/* The family changes its mind; the next bulk says so. */
	write_lake_users_only(e, "lake2",
		   "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,givenName,familyName,"
		   "identifier,grades,metadata.directoryOptOut\n"
		   "stu-1,,,true,sch-north,student,Ana,García,5001,03,false\n"
		   "stu-2,,,true,sch-north,student,Ben,Okafor,5002,03,true\n"
		   "stu-3,,,true,sch-south,student,Chloé,Dubois,5003,07,\n"
		   "stu-4,,,true,sch-south,student,Dev,Patel,5004,07,TRUE\n");
	import_ok(e, tu_at(e, "lake2"), &sum);
	assert_string_equal(student_col(e, "directory_optout", "stu-1"), "0");
	assert_string_equal(student_col(e, "directory_optout", "stu-2"), "1");
	assert_int_equal(sum.updated, 2);
}

static void test_passwords_are_never_stored_anywhere(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	const char *where;

	write_lake(e, "lake", USERS_HDR
		   "t-rivera,,,true,sch-north,teacher,mrivera,,Marta,Rivera,,,,,,,,Tch-Secret-Pw-771\n"
		   "stu-1,,,true,sch-north,student,ana,,Ana,García,,5001,,,,,03,Stu-Secret-Pw-123\n"
		   "stu-2,,,true,sch-north,student,ben,,Ben,Okafor,,5002,,,,,3,Stu-Secret-Pw-456\n"
		   "stu-3,,,true,sch-south,student,chloe,,Chloé,Dubois,,5003,,,,,07,\"Stu,Secret,Pw,789\"\n");
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_int_equal(sum.added, 3);
	is = tu_issues_of(e->db, sum.run_id);
	for (size_t i = 0; i < is.n; i++)
		assert_null(strstr(is.v[i].reason, "Secret"));
	tu_issues_free(&is);
	where = db_files_holding(e, "Secret");
	if (where)
		fail_msg("a password from users.csv was stored in %s", where);
}

static void test_long_name_report_counts_characters_not_bytes(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	struct tu_buf users = { 0 }, name = { 0 };
	const struct tu_issue *t;

	/* "Мельник " repeated and cut at 300 characters ("... Мельник Мель"): 563 bytes. */
	for (int i = 0; i < 38; i++)
		tu_buf_add(&name, "\xd0\x9c\xd0\xb5\xd0\xbb\xd1\x8c\xd0\xbd\xd0\xb8\xd0\xba ", 15);
	{
		size_t chars = 0, i;

		for (i = 0; i < name.n; i++)
			if (((unsigned char)name.s[i] & 0xc0) != 0x80 && ++chars == 301)
				break;
		name.s[i] = '\0';
		name.n = i;
	}
	assert_int_equal(name.n, 563);
	tu_buf_printf(&users, "%s%s%s", USERS_HDR, U_TEACHER U_1, "stu-9,,,true,sch-north,student,,,Юлія,");
	tu_buf_printf(&users, "%s,,9009,,,,,03,\n", name.s);
	write_lake(e, "lake", users.s);
	import_ok(e, tu_at(e, "lake"), &sum);
	is = tu_issues_of(e->db, sum.run_id);
	/* Over the 200-character limit for a name: the row is rejected, and the
	 * report counts characters. */
	t = tu_issue_find(&is, "users.csv", 4, "error", "familyName", NULL);
	if (!t) {
		tu_issues_print(&is);
		fail_msg("the 300-character family name at users.csv:4 was not reported");
	}
	if (strstr(t->reason, "characters") && !strstr(t->reason, "300 characters"))
		fail_msg("a 300-character name (%zu bytes) is reported as: %s", name.n, t->reason);
	tu_issues_free(&is);
	tu_buf_free(&users);
	tu_buf_free(&name);
}

static void test_field_over_its_limit_rejects_the_row_and_the_rest_import(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	struct tu_buf users = { 0 }, big = { 0 };
	const struct tu_issue *t;

	/* A 1 MB given name (a broken export), a 256-character student ID. */
	{
		char kb[1000];

		memset(kb, 'A', sizeof kb);
		for (int i = 0; i < 1000; i++)
			tu_buf_add(&big, kb, sizeof kb);
	}
	tu_buf_printf(&users, "%s%s", USERS_HDR, U_TEACHER U_1);
	tu_buf_printf(&users, "stu-9,,,true,sch-north,student,,,%s,Big,,9009,,,,,03,\n", big.s);
	tu_buf_printf(&users, "%s", U_2);
	tu_buf_printf(&users, "stu-10,,,true,sch-north,student,,,Cy,Long,,%.256s,,,,,03,\n", big.s);
	tu_buf_printf(&users, "%s", U_3 U_4 U_5);
	write_lake(e, "lake", users.s);
	import_ok(e, tu_at(e, "lake"), &sum);
	is = tu_issues_of(e->db, sum.run_id);
	t = tu_issue_find(&is, "users.csv", 4, "error", "givenName", NULL);
	if (!t || !strstr(t->reason, "1000000 characters") || !strstr(t->reason, "200")) {
		tu_issues_print(&is);
		fail_msg("the 1 MB given name at users.csv:4 is not an error naming its length and the limit");
	}
	t = tu_issue_find(&is, "users.csv", 6, "error", "identifier", NULL);
	if (!t || !strstr(t->reason, "255")) {
		tu_issues_print(&is);
		fail_msg("the 256-character identifier at users.csv:6 is not an error naming the limit");
	}
	if (sum.rejected != 2) {
		tu_issues_print(&is);
		fail_msg("%ld rows rejected, expected 2", sum.rejected);
	}
	tu_issues_free(&is);
	assert_int_equal(student_id(e, "stu-9"), -1);
	assert_int_equal(student_id(e, "stu-10"), -1);
	assert_int_equal(count_of(e, "SELECT max(length(given_name)) FROM student") < 200, 1);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 5);
	tu_buf_free(&users);
	tu_buf_free(&big);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_env_setup, tu_env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty_users_file_does_not_withdraw_the_whole_district),
		T(test_misspelled_column_is_an_error_with_a_suggestion),
		T(test_unknown_extra_column_is_a_warning_and_rows_import),
		T(test_a_100_mb_line_is_reported_and_memory_stays_bounded),
		T(test_latin1_row_is_converted_with_a_warning),
		T(test_escape_sequences_never_reach_the_roster),
		T(test_directory_opt_out_is_kept),
		T(test_passwords_are_never_stored_anywhere),
		T(test_long_name_report_counts_characters_not_bytes),
		T(test_field_over_its_limit_rejects_the_row_and_the_rest_import),
	};

	return cmocka_run_group_tests_name("roster_input", tests, NULL, NULL);
}
