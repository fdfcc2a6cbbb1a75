/* TUI tests for the home screen: a librarian opens cardroll at the desk,
 * sees the district at a glance, finds children by name or ID, and leaves.
 * Each test drives the real binary in a pseudo-terminal (see harness.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/db.h"
#include "harness.h"
#include "tutil.h"
#include "desk/staff.h"
#include "text/text.h"

#define WAIT_MS 3000   /* generous for a loaded machine; a pass takes far less */
#define DAY     86400

/* The desk asks who is there first; these sign in without the form. */
static const char *const t_signed_in[] = { "CARDROLL_STAFF=Maria Lopez", "CARDROLL_PIN=2468", NULL };

struct fixture {
	char           dir[64];
	char           db[128];
	char           config[128];
	struct h_term *h;
};

/* ---- making a small district ---- */

static void t_exec(struct cr_db *db, const char *sql)
{
	struct cr_err err = { 0 };

	if (db_exec(db, sql, &err) != CR_OK)
		fail_msg("%s: %s", sql, err.msg);
}

static void t_add_student(struct cr_db *db, int school, const char *number, const char *given,
			  const char *family, const char *grade, const char *status)
{
	sqlite3 *s = db_handle(db);
	sqlite3_stmt *st;
	char whole[512];
	char *fold;

	/* The same folding the importer does, so search finds what it would. */
	snprintf(whole, sizeof whole, "%s %s %s", given, family, "");
	fold = text_fold(whole);
	assert_non_null(fold);
	assert_int_equal(sqlite3_prepare_v2(s,
		"INSERT INTO student (district_id, sourced_id, student_number, given_name, family_name, "
		"grade, school_id, status_code, name_fold) VALUES (1, ?1, ?1, ?2, ?3, ?4, ?5, "
		"CASE ?6 WHEN 'active' THEN 'a' WHEN 'inactive' THEN 'i' ELSE 'w' END, ?7)",
		-1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, given, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, family, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, grade, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, school);
	sqlite3_bind_text(st, 6, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, fold, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	free(fold);
}

static void t_add_import(struct cr_db *db, long long finished)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db_handle(db),
		"INSERT INTO import_run (district_id, started_at, finished_at, source, kind, dry_run, outcome) "
		"VALUES (1, ?1 - 5, ?1, 'roster.zip', 'oneroster-bulk', 0, 'ok')", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, finished);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* Lakeside Unified: two schools, three classes, ten active students (one
 * with an escape sequence in her given name), one withdrawn, one card. */
static void t_make_district(const char *path, long long imported)
{
	struct cr_db *db;
	struct cr_err err = { 0 };

	if (db_open(path, 0, &db, &err) != CR_OK)
		fail_msg("db_open %s: %s", path, err.msg);
	t_exec(db, "INSERT INTO district (id, sourced_id, name) VALUES (1, 'd-1', 'Lakeside Unified')");
	t_exec(db, "INSERT INTO school (id, district_id, sourced_id, name) VALUES "
		   "(1, 1, 's-1', 'Lakeside Elementary'), (2, 1, 's-2', 'Riverbend Middle')");
	t_exec(db, "INSERT INTO class (district_id, sourced_id, school_id, title) VALUES "
		   "(1, 'c-1', 1, 'Grade 4 Ms Okafor'), (1, 'c-2', 1, 'Grade 5 Mr Lund'), "
		   "(1, 'c-3', 2, 'Grade 7 Ms Park')");
	t_add_student(db, 1, "100001", "José", "Muñoz", "04", "active");
	t_add_student(db, 1, "100002", "An", "Nguyễn", "04", "active");
	t_add_student(db, 1, "100003", "小龙", "李", "04", "active");
	t_add_student(db, 1, "100004", "Fatima", "Al-Sayed", "05", "active");
	t_add_student(db, 1, "100005", "Max\x1b[2J", "Tester", "05", "active");
	t_add_student(db, 2, "200001", "Olivia", "Smith", "07", "active");
	t_add_student(db, 2, "200002", "Liam", "Johnson", "07", "active");
	t_add_student(db, 2, "200003", "Emma", "Brown", "07", "active");
	t_add_student(db, 2, "200004", "Noah", "Davis", "08", "active");
	t_add_student(db, 2, "200005", "Ava", "Wilson", "08", "active");
	t_add_student(db, 2, "200006", "Ethan", "Miller", "08", "withdrawn");
	t_exec(db, "INSERT INTO card (number, student_id, scheme, issued_at) "
		   "SELECT 'LIB100004', id, 'student-id', unixepoch() FROM student WHERE student_number = '100004'");
	if (imported)
		t_add_import(db, imported);
	db_close(db);
}

static void t_write_config(const struct fixture *f)
{
	FILE *c = fopen(f->config, "w");

	assert_non_null(c);
	fputs("[desk]\nname = Main Street desk\n[roster]\nmax_age_days = 30\n", c);
	fclose(c);
}

static int t_setup_with(void **state, int district, long long imported)
{
	struct fixture *f = calloc(1, sizeof *f);

	if (!f || t_fixture(f->dir, f->db, "tui", NULL) != 0) {
		free(f);
		return -1;
	}
	snprintf(f->config, sizeof f->config, "%s/cardroll.ini", f->dir);
	t_write_config(f);
	if (district)
		t_make_district(f->db, imported);
	{
		struct cr_db *db;
		struct cr_err err = { 0 };

		assert_int_equal(db_open(f->db, 0, &db, &err), CR_OK);
		assert_int_equal(staff_add(db, "Maria Lopez", STAFF_ADMIN, "2468", NULL, &err), CR_OK);
		db_close(db);
	}
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return t_setup_with(state, 1, (long long)time(NULL));
}

static int setup_old_roster(void **state)
{
	return t_setup_with(state, 1, (long long)time(NULL) - 40 * DAY - 3600);
}

static int setup_empty(void **state)
{
	return t_setup_with(state, 0, 0);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	/* Wherever a test left it, F10 must still end the program cleanly. */
	int status = t_stop(f->h, "cardroll");

	t_remove_db(f->db);
	unlink(f->config);
	rmdir(f->dir);
	free(f);
	return status == 0 ? 0 : -1;
}

/* Opens cardroll on the fixture's database, in a terminal of this kind. */
static struct h_term *t_open(struct fixture *f, const char *term, const char *lang, int cols, int rows)
{
	const char *argv[] = { "--db", f->db, "--config", f->config, NULL };
	struct h_opts o = { .cols = cols, .rows = rows, .term = term, .lang = lang,
			    .home = f->dir, .argv = argv, .env = t_signed_in };

	f->h = h_start(&o);
	assert_non_null(f->h);
	return f->h;
}

static struct h_term *t_open_home(struct fixture *f)
{
	struct h_term *h = t_open(f, NULL, NULL, 0, 0);

	assert_int_equal(h_wait_text(h, "Riverbend Middle", WAIT_MS), 0);
	return h;
}

/* The row that shows anchor also shows want, further right (waits for the
 * program to finish drawing it). */
static void t_assert_row_has(struct h_term *h, const char *anchor, const char *want)
{
	if (h_wait_row(h, anchor, want, WAIT_MS) != 0)
		fail_msg("no row shows \"%s\" followed by \"%s\"", anchor, want);
}

/* ---- a librarian's day ---- */

static void home_shows_the_district_and_its_schools(void **state)
{
	struct h_term *h = t_open_home(*state);

	assert_int_equal(h_wait_text(h, "cardroll \u2014 Main Street desk", WAIT_MS), 0);
	assert_true(h_screen_has(h, "Lakeside Unified"));
	assert_true(h_screen_has(h, "2 schools"));
	assert_true(h_screen_has(h, "10 active students"));
	assert_true(h_screen_has(h, "roster imported today"));
	t_assert_row_has(h, "Lakeside Elementary", "1/5  20%");
	t_assert_row_has(h, "Riverbend Middle", "0/5   0%");
	t_assert_row_has(h, "School", "Classes");
	t_assert_row_has(h, "offline (sync not set up)", "waiting for the library");
}

/* Two districts of one name (another sourcedId, as a second roster source
 * may bring): home tells them apart instead of merging their schools. */
static void two_districts_of_one_name_are_told_apart(void **state)
{
	struct fixture *f = *state;
	struct cr_db *db;
	struct cr_err err = { 0 };
	struct h_term *h;

	assert_int_equal(db_open(f->db, 0, &db, &err), CR_OK);
	t_exec(db, "INSERT INTO district (id, sourced_id, name) VALUES (2, 'd-2', 'Lakeside Unified')");
	t_exec(db, "INSERT INTO school (id, district_id, sourced_id, name) VALUES (3, 2, 's-3', 'Harbor School')");
	db_close(db);
	h = t_open_home(f);
	assert_int_equal(h_wait_text(h, "Lakeside Unified (d-1)", WAIT_MS), 0);
	assert_true(h_screen_has(h, "Lakeside Unified (d-2)"));
	assert_int_equal(h_wait_text(h, "Harbor School", WAIT_MS), 0);
}

static void typing_a_name_finds_students_as_you_type(void **state)
{
	struct h_term *h = t_open_home(*state);

	h_send_text(h, "jose mu");
	assert_int_equal(h_wait_text(h, "Mu\u00f1oz, Jos\u00e9", WAIT_MS), 0);
	t_assert_row_has(h, "Mu\u00f1oz, Jos\u00e9", "100001");
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Riverbend Middle", WAIT_MS), 0);
	h_send_text(h, "nguyen");
	assert_int_equal(h_wait_text(h, "Nguy\u1ec5n, An", WAIT_MS), 0);
	/* Backspace edits the query; the results follow. */
	h_send_key(h, VTERM_KEY_BACKSPACE);
	assert_int_equal(h_wait_text(h, "Find a student: nguye", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Nguy\u1ec5n, An", WAIT_MS), 0);
}

static void q_in_the_search_box_is_a_letter_not_quit(void **state)
{
	struct h_term *h = t_open_home(*state);

	h_send_text(h, "/");
	assert_int_equal(h_wait_text(h, "Esc Back", WAIT_MS), 0);
	h_send_text(h, "q");
	assert_int_equal(h_wait_text(h, "No student matches \"q\"", WAIT_MS), 0);
	assert_int_equal(h_wait_exit(h, 200), -1);
}

static void enter_shows_the_selected_students_details(void **state)
{
	struct h_term *h = t_open_home(*state);

	h_send_text(h, "fatima");
	assert_int_equal(h_wait_text(h, "Al-Sayed, Fatima", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "grade 5", WAIT_MS), 0);
	t_assert_row_has(h, "Student ID", "100004");
	t_assert_row_has(h, "School", "Lakeside Elementary");
	t_assert_row_has(h, "Status", "active");
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "grade 5", WAIT_MS), 0);
	assert_true(h_screen_has(h, "Al-Sayed, Fatima"));
}

static void arrow_keys_choose_which_student_opens(void **state)
{
	struct h_term *h = t_open_home(*state);
	char second[4096], *cut;
	int r;

	h_send_text(h, "a");
	assert_int_equal(h_wait_text(h, "Al-Sayed, Fatima", WAIT_MS), 0);
	h_settle(h, 100, 1000);
	assert_int_equal(h_screen_find(h, "Name", &r, NULL), 0);
	h_screen_row(h, r + 2, second, sizeof second);
	/* The second result's name: up to the gap before its student ID. */
	if ((cut = strstr(second + 1, "  ")) != NULL)
		*cut = '\0';
	assert_true(strlen(second) > 3);
	h_send_key(h, VTERM_KEY_DOWN);
	h_settle(h, 100, 1000);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Student ID", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, second + 1, WAIT_MS), 0);
}

static void a_scanned_student_id_opens_the_student(void **state)
{
	struct h_term *h = t_open_home(*state);

	/* A scanner is a fast keyboard ending with Enter. */
	h_send_text(h, "100004\r");
	assert_int_equal(h_wait_text(h, "grade 5", WAIT_MS), 0);
	assert_true(h_screen_has(h, "Al-Sayed, Fatima"));
}

/* Splits the footer into "KEY Label" items: two spaces between items. */
static int t_footer_items(char *footer, char *items[], int max)
{
	int n = 0;

	for (char *p = footer; *p && n < max; ) {
		char *end = strstr(p, "  ");

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		items[n++] = p;
		if (!end)
			break;
		*end = '\0';
		p = end + 2;
	}
	return n;
}

static void help_lists_every_key_in_the_footer(void **state)
{
	struct h_term *h = t_open_home(*state);
	char footer[4096], *items[32];
	int n;

	h_settle(h, 100, 1000);
	h_screen_row(h, h_rows(h) - 1, footer, sizeof footer);
	n = t_footer_items(footer, items, 32);
	assert_true(n >= 3);
	h_send_text(h, "?");
	assert_int_equal(h_wait_text(h, "Keys on the Home screen", WAIT_MS), 0);
	h_settle(h, 100, 1000);
	for (int i = 0; i < n; i++) {
		char key[64], *label = strchr(items[i], ' ');
		int r;

		assert_non_null(label);
		/* "? More" stands for the keys a full footer leaves to the help. */
		if (strcmp(items[i], "? More") == 0)
			continue;
		snprintf(key, sizeof key, "   %.*s ", (int)(label - items[i]), items[i]);
		/* The key's row on the help screen carries the same label. */
		if (h_screen_find(h, key, &r, NULL) != 0) {
			h_screen_dump(h, "help");
			fail_msg("footer key '%s' is not on the help screen", items[i]);
		}
		t_assert_row_has(h, key, label + 1);
	}
	h_send_text(h, "x");
	assert_int_equal(h_wait_gone(h, "Keys on the Home screen", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Riverbend Middle", WAIT_MS), 0);
}

static void esc_then_y_quits_cleanly(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_home(f);

	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Leave cardroll?", WAIT_MS), 0);
	h_send_text(h, "y");
	assert_int_equal(h_wait_exit(h, WAIT_MS), 0);
}

static void f10_quits_from_the_search_box(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_home(f);

	h_send_text(h, "jose");
	assert_int_equal(h_wait_text(h, "Mu\u00f1oz, Jos\u00e9", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_FUNCTION(10));
	assert_int_equal(h_wait_exit(h, WAIT_MS), 0);
}

static void a_small_terminal_says_so_until_it_grows(void **state)
{
	struct h_term *h = t_open_home(*state);
	int r;

	h_resize(h, 60, 20);
	assert_int_equal(h_wait_text(h, "terminal too small (need 80x24, have 60x20)", WAIT_MS), 0);
	h_resize(h, 100, 30);
	assert_int_equal(h_wait_gone(h, "too small", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Riverbend Middle", WAIT_MS), 0);
	/* The status line and footer sit on the new bottom rows. */
	t_assert_row_has(h, "/ Search", "F10 Quit");
	assert_int_equal(h_screen_find(h, "F10 Quit", &r, NULL), 0);
	assert_int_equal(r, 29);
	assert_int_equal(h_screen_find(h, "offline (sync not set up)", &r, NULL), 0);
	assert_int_equal(r, 28);
}

static void a_vt100_shows_the_home_screen(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, "vt100", NULL, 0, 0);

	assert_int_equal(h_wait_text(h, "Riverbend Middle", WAIT_MS), 0);
	assert_true(h_screen_has(h, "10 active students"));
	h_send_text(h, "jose");
	assert_int_equal(h_wait_text(h, "Mu\u00f1oz, Jos\u00e9", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_DOWN);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "grade 4", WAIT_MS), 0);
	h_send_text(h, "q");
	assert_int_equal(h_wait_gone(h, "grade 4", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Riverbend Middle", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Leave cardroll?", WAIT_MS), 0);
	h_send_text(h, "y");
	assert_int_equal(h_wait_exit(h, WAIT_MS), 0);
}

static void a_plain_c_locale_gets_ascii_only(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, NULL, "C", 0, 0);
	const unsigned char *raw;
	size_t n;

	assert_int_equal(h_wait_text(h, "cardroll - Main Street desk", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Lakeside Unified | 2 schools | 10 active students", WAIT_MS), 0);
	h_send_text(h, "jose");
	assert_int_equal(h_wait_text(h, "Munoz, Jose", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Riverbend Middle", WAIT_MS), 0);
	h_send_text(h, "nguyen");
	assert_int_equal(h_wait_text(h, "Nguyen, An", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "grade 4", WAIT_MS), 0);
	h_send_text(h, "q");
	assert_int_equal(h_wait_gone(h, "grade 4", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Riverbend Middle", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Leave cardroll?", WAIT_MS), 0);
	h_send_text(h, "y");
	assert_int_equal(h_wait_exit(h, WAIT_MS), 0);
	raw = h_raw(h, &n);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		if (raw[i] >= 0x80)
			fail_msg("byte 0x%02x at offset %zu of the program's output", raw[i], i);
}

static void an_escape_sequence_in_a_name_stays_inert(void **state)
{
	struct h_term *h = t_open_home(*state);
	const unsigned char *raw;
	size_t n;

	h_send_text(h, "tester");
	assert_int_equal(h_wait_text(h, "Tester, Max", WAIT_MS), 0);
	h_settle(h, 150, 1000);
	/* Had ESC [2J reached the terminal, everything above would be gone. */
	assert_true(h_screen_has(h, "[2J"));
	assert_true(h_screen_has(h, "Tester, Max\xef\xbf\xbd[2J"));
	assert_true(h_screen_has(h, "cardroll \u2014 Main Street desk"));
	assert_true(h_screen_has(h, "Find a student: tester"));
	raw = h_raw(h, &n);
	for (size_t i = 0; i + 4 <= n; i++)
		assert_false(memcmp(raw + i, "Max\x1b", 4) == 0);
}

static void a_chinese_name_keeps_the_columns_aligned(void **state)
{
	struct h_term *h = t_open_home(*state);
	int r1, c1, r2, c2, s1, s2;

	h_send_text(h, "\u674e");
	assert_int_equal(h_wait_text(h, "\u674e, \u5c0f\u9f99", WAIT_MS), 0);
	h_settle(h, 100, 1000);
	assert_int_equal(h_screen_find(h, "100003", &r1, &c1), 0);
	assert_int_equal(h_screen_find(h, "Lakeside Elementary", NULL, &s1), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Riverbend Middle", WAIT_MS), 0);
	h_send_text(h, "fatima");
	assert_int_equal(h_wait_text(h, "Al-Sayed, Fatima", WAIT_MS), 0);
	h_settle(h, 100, 1000);
	assert_int_equal(h_screen_find(h, "100004", &r2, &c2), 0);
	assert_int_equal(h_screen_find(h, "Lakeside Elementary", NULL, &s2), 0);
	assert_int_equal(r1, r2);
	assert_int_equal(c1, c2);
	assert_int_equal(s1, s2);
}

static void another_desk_adding_a_student_updates_the_counts(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_home(f);
	struct cr_db *db;
	struct cr_err err = { 0 };

	assert_int_equal(h_wait_text(h, "10 active students", WAIT_MS), 0);
	t_assert_row_has(h, "Riverbend Middle", "0/5   0%");
	assert_int_equal(db_open(f->db, 0, &db, &err), CR_OK);
	t_add_student(db, 2, "200007", "Mia", "Garcia", "07", "active");
	db_close(db);
	assert_int_equal(h_wait_text(h, "11 active students", 2500), 0);
	t_assert_row_has(h, "Riverbend Middle", "0/6   0%");
}

static void an_old_roster_is_flagged(void **state)
{
	struct h_term *h = t_open_home(*state);

	assert_int_equal(h_wait_text(h, "roster imported 40 days ago", WAIT_MS), 0);
	assert_true(h_screen_has(h, "older than 30 days"));
}

static void an_empty_database_says_how_to_import(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, NULL, NULL, 0, 0);

	assert_int_equal(h_wait_text(h, "No roster imported yet", WAIT_MS), 0);
	assert_true(h_screen_has(h, "cardroll import PATH"));
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Leave cardroll?", WAIT_MS), 0);
	h_send_text(h, "y");
	assert_int_equal(h_wait_exit(h, WAIT_MS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(home_shows_the_district_and_its_schools, setup, teardown),
		cmocka_unit_test_setup_teardown(two_districts_of_one_name_are_told_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(typing_a_name_finds_students_as_you_type, setup, teardown),
		cmocka_unit_test_setup_teardown(q_in_the_search_box_is_a_letter_not_quit, setup, teardown),
		cmocka_unit_test_setup_teardown(enter_shows_the_selected_students_details, setup, teardown),
		cmocka_unit_test_setup_teardown(arrow_keys_choose_which_student_opens, setup, teardown),
		cmocka_unit_test_setup_teardown(a_scanned_student_id_opens_the_student, setup, teardown),
		cmocka_unit_test_setup_teardown(help_lists_every_key_in_the_footer, setup, teardown),
		cmocka_unit_test_setup_teardown(esc_then_y_quits_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(f10_quits_from_the_search_box, setup, teardown),
		cmocka_unit_test_setup_teardown(a_small_terminal_says_so_until_it_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(a_vt100_shows_the_home_screen, setup, teardown),
		cmocka_unit_test_setup_teardown(a_plain_c_locale_gets_ascii_only, setup, teardown),
		cmocka_unit_test_setup_teardown(an_escape_sequence_in_a_name_stays_inert, setup, teardown),
		cmocka_unit_test_setup_teardown(a_chinese_name_keeps_the_columns_aligned, setup, teardown),
		cmocka_unit_test_setup_teardown(another_desk_adding_a_student_updates_the_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(an_old_roster_is_flagged, setup_old_roster, teardown),
		cmocka_unit_test_setup_teardown(an_empty_database_says_how_to_import, setup_empty, teardown),
	};

	return cmocka_run_group_tests_name("tui-home", tests, NULL, NULL);
}
