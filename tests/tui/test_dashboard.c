#define _GNU_SOURCE
/* TUI tests for the progress dashboard (issue 12): F2 from home opens the
 * districts; Enter goes down to schools, grades and classes and Esc comes
 * back up; every number is the database's; a signup at another desk shows
 * up without a key; it reads in monochrome and in ASCII under LANG=C, and
 * fits 80x24. Each test drives the real binary in a pseudo-terminal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tutil.h"

#define WAIT_MS 4000

static const char *const t_maria[] = { "CARDROLL_STAFF=Maria Lopez", "CARDROLL_PIN=2468", NULL };

#define SCHOOL "Marie Curie Elementary"
#define SCHOOL_ID "(SELECT id FROM school WHERE name = '" SCHOOL "')"

struct fixture {
	char           dir[64];
	char           db[128];
	struct h_term *h;
};

/* The demo district (two schools, 300 children), a withdrawn child, a
 * voided card, cards for half of one school, and Maria Lopez at the desk. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	if (!f || t_fixture(f->dir, f->db, "dash", T_DEMO) != 0) {
		free(f);
		return -1;
	}
	t_run("sqlite3 '%s' \"UPDATE student SET status_code = 'w' WHERE id = (SELECT min(id) FROM student "
	      "WHERE school_id = " SCHOOL_ID "); "
	      "INSERT INTO card (number, student_id, scheme, issued_at, status) SELECT 'T1', max(id), 'student-id', "
	      "1767571200, 'void' FROM student WHERE school_id = " SCHOOL_ID "; "
	      "INSERT INTO card (number, student_id, scheme, issued_at) SELECT 'T2', max(id), 'student-id', "
	      "1767571200 FROM student WHERE school_id = " SCHOOL_ID "; "
	      "INSERT INTO card (number, student_id, scheme, issued_at) SELECT 'H' || id, id, 'student-id', "
	      "1767571200 FROM student WHERE school_id = " SCHOOL_ID " AND id %% 2 = 0 AND id NOT IN "
	      "(SELECT student_id FROM card WHERE status = 'active');\"", f->db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int status = t_stop(f->h, "cardroll");

	t_remove_db(f->db);
	rmdir(f->dir);
	free(f);
	return status == 0 ? 0 : -1;
}

static struct h_term *t_open(struct fixture *f, const char *term, const char *lang)
{
	const char *argv[] = { "--db", f->db, NULL };
	struct h_opts o = { .cols = 80, .rows = 24, .term = term, .lang = lang, .home = f->dir, .argv = argv,
			    .env = t_maria };

	f->h = h_start(&o);
	assert_non_null(f->h);
	assert_int_equal(h_wait_text(f->h, "Find a student", WAIT_MS), 0);
	h_send_key(f->h, VTERM_KEY_FUNCTION(2));
	assert_int_equal(h_wait_text(f->h, "All districts", WAIT_MS), 0);
	return f->h;
}

/* "     139       1" as the table draws enrolled and carded. */
static void t_counts(char *buf, size_t len, const struct fixture *f, const char *where)
{
	char sql[512];
	long long e, c;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM student s WHERE s.status_code = 'a' AND %s", where);
	e = t_db_int(f->db, sql);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM student s JOIN card c ON c.student_id = s.id "
		 "AND c.status = 'active' WHERE s.status_code = 'a' AND %s", where);
	c = t_db_int(f->db, sql);
	assert_true(e > 0);
	snprintf(buf, len, "%8lld %7lld", e, c);
}

static void t_row_is(struct h_term *h, const char *anchor, const char *counts)
{
	if (h_wait_row(h, anchor, counts, WAIT_MS) != 0)
		fail_msg("no row '%s' with '%s'", anchor, counts);
}

static void the_table_drills_down_and_comes_back(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, NULL, NULL);
	char want[64];

	t_counts(want, sizeof want, f, "1");
	t_row_is(h, "Riverbend Public Schools", want);
	t_row_is(h, "Total", want);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "All districts > Riverbend Public Schools", WAIT_MS), 0);
	t_counts(want, sizeof want, f, "s.school_id = " SCHOOL_ID);
	t_row_is(h, SCHOOL, want);
	/* Down to the school's grades. */
	{
		char line[512];

		/* Schools are by name: Hidden Valley first, so one step down. */
		h_send_key(h, VTERM_KEY_DOWN);
		h_settle(h, 100, 1000);
		h_send_key(h, VTERM_KEY_ENTER);
		assert_int_equal(h_wait_text(h, "> " SCHOOL, WAIT_MS), 0);
		assert_int_equal(h_wait_text(h, "Grade", WAIT_MS), 0);
		t_counts(want, sizeof want, f, "s.school_id = " SCHOOL_ID " AND s.grade = 'KG'");
		t_row_is(h, "KG", want);
		t_counts(want, sizeof want, f, "s.school_id = " SCHOOL_ID);
		t_row_is(h, "Total", want);
		h_send_key(h, VTERM_KEY_ENTER);
		assert_int_equal(h_wait_text(h, "> Grade KG", WAIT_MS), 0);
		assert_int_equal(h_wait_text(h, "Class", WAIT_MS), 0);
		/* Each class row counts its kindergarteners (the one homeroom has them all). */
		t_counts(want, sizeof want, f, "s.school_id = " SCHOOL_ID " AND s.grade = 'KG'");
		t_row_is(h, "The grade", want);
		h_screen_row(h, 5, line, sizeof line);
		if (!strstr(line, "Kindergarten"))
			fail_msg("the first class row is not a kindergarten class: %s", line);
	}
	/* Esc walks back up, then home. */
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "> Grade KG", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "> " SCHOOL, WAIT_MS), 0);
	/* The school stays selected where it was. */
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "> " SCHOOL, WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "> Riverbend", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "All districts", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
}

/* Another desk issues a card: the school's row changes with no key pressed. */
static void a_signup_at_another_desk_shows_without_a_key(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, NULL, NULL);
	const char *bin = getenv("CARDROLL_BIN");
	char before[64], after[64];
	long long sid;

	h_send_key(h, VTERM_KEY_ENTER);
	t_counts(before, sizeof before, f, "s.school_id = " SCHOOL_ID);
	t_row_is(h, SCHOOL, before);
	sid = t_db_int(f->db, "SELECT student_number FROM student WHERE school_id = " SCHOOL_ID
		       " AND status_code = 'a' AND id NOT IN (SELECT student_id FROM card) ORDER BY id LIMIT 1");
	assert_true(sid > 0);
	t_run("CARDROLL_STAFF='Maria Lopez' CARDROLL_PIN=2468 '%s' --db '%s' issue %lld >/dev/null", bin, f->db, sid);
	t_counts(after, sizeof after, f, "s.school_id = " SCHOOL_ID);
	assert_string_not_equal(before, after);
	t_row_is(h, SCHOOL, after);
	/* A void at another desk takes it back. */
	t_run("CARDROLL_STAFF='Maria Lopez' CARDROLL_PIN=2468 '%s' --db '%s' void \"$(sqlite3 '%s' \"SELECT number FROM card WHERE status = 'active' "
	      "ORDER BY id DESC LIMIT 1\")\" --reason 'wrong child' >/dev/null", bin, f->db, f->db);
	t_row_is(h, SCHOOL, before);
}

/* LANG=C: the bar is '#' on '.', and nothing the program writes is
 * beyond ASCII; a vt100 (no colour) shows the selected row in reverse video. */
static void ascii_and_monochrome_read_the_same(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, "vt100", "C");
	char want[64], line[512];
	int row, col;
	size_t len;
	const unsigned char *raw;

	h_send_key(h, VTERM_KEY_ENTER);
	t_counts(want, sizeof want, f, "s.school_id = " SCHOOL_ID);
	t_row_is(h, SCHOOL, want);
	assert_int_equal(h_screen_find(h, SCHOOL, &row, &col), 0);
	h_screen_row(h, row, line, sizeof line);
	if (!strstr(line, "####.") || !strstr(line, "%"))
		fail_msg("no ASCII bar on the school's row: %s", line);
	raw = h_raw(h, &len);
	assert_true(memmem(raw, len, "\x1b[7m", 4) || memmem(raw, len, ";7m", 3));
	/* A vt100 has no F10: Esc walks back home, and Esc then y leaves. */
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "> Riverbend", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Leave cardroll?", WAIT_MS), 0);
	h_send_text(h, "y");
	assert_int_equal(h_wait_exit(h, WAIT_MS), 0);
	raw = h_raw(h, &len);
	for (size_t i = 0; i < len; i++)
		if (raw[i] >= 0x80)
			fail_msg("byte 0x%02x at offset %zu of the program's output", raw[i], i);
}

/* In UTF-8 the bar is made of blocks. */
static void utf8_draws_block_bars(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, NULL, NULL);

	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, SCHOOL, WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "\u2588", WAIT_MS), 0);
	assert_true(h_screen_has(h, "\u00b7"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_table_drills_down_and_comes_back, setup, teardown),
		cmocka_unit_test_setup_teardown(a_signup_at_another_desk_shows_without_a_key, setup, teardown),
		cmocka_unit_test_setup_teardown(ascii_and_monochrome_read_the_same, setup, teardown),
		cmocka_unit_test_setup_teardown(utf8_draws_block_bars, setup, teardown),
	};

	return cmocka_run_group_tests_name("tui_dashboard", tests, NULL, NULL);
}
