/* TUI tests for the desk as librarians use it (issue 11): a name that
 * begins with q is a search, not the way out; everything that matters fits
 * 80x24; Esc and help go back where the person came from; only keys that
 * can act are offered; a card names who issued it; a class issued by
 * mistake can be undone in one go. */
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

struct fixture {
	char           dir[64];
	char           db[128];
	char           conf[128];
	struct h_term *h;
};

/* The demo district, Maria Lopez the admin (PIN 2468), a desk named Front. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	if (!f || t_fixture(f->dir, f->db, "lib", T_DEMO) != 0) {
		free(f);
		return -1;
	}
	t_ini(f->conf, f->dir, "front.ini", "[desk]\nname = Front\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	int status = t_stop(f->h, "cardroll");

	t_remove_db(f->db);
	unlink(f->conf);
	rmdir(f->dir);
	free(f);
	return status == 0 ? 0 : -1;
}

/* cardroll at cols x rows; env NULL: nobody signed in yet. */
static struct h_term *t_open_sized(struct fixture *f, int cols, int rows, const char *lang,
				   const char *const *env)
{
	const char *argv[] = { "--db", f->db, "--config", f->conf, NULL };
	struct h_opts o = { .cols = cols, .rows = rows, .lang = lang, .home = f->dir, .argv = argv, .env = env };

	f->h = h_start(&o);
	assert_non_null(f->h);
	return f->h;
}

static struct h_term *t_open_home(struct fixture *f)
{
	struct h_term *h = t_open_sized(f, 80, 24, NULL, t_maria);

	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	return h;
}

static long long t_query(const struct fixture *f, const char *sql)
{
	return t_db_int(f->db, sql);
}

/* ---- 1. quitting is never a letter a name can begin with ---- */

static void a_name_starting_with_q_searches_and_does_not_quit(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_home(f);

	h_send_text(h, "quinn");
	assert_int_equal(h_wait_exit(h, 300), -1);
	assert_int_equal(h_wait_text(h, "Anderson, Quinn", WAIT_MS), 0);
	/* Esc leaves the search, and Esc on the overview only asks. */
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Anderson, Quinn", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Leave cardroll?", WAIT_MS), 0);
	h_send_text(h, "q");
	assert_int_equal(h_wait_exit(h, 300), -1);
	assert_int_equal(h_wait_gone(h, "Leave cardroll?", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Leave cardroll?", WAIT_MS), 0);
	h_send_text(h, "y");
	assert_int_equal(h_wait_exit(h, WAIT_MS), 0);
}

static void a_staff_name_starting_with_q_is_typed_at_sign_in(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_sized(f, 80, 24, NULL, NULL);

	assert_int_equal(h_wait_text(h, "Sign in at Front", WAIT_MS), 0);
	h_send_text(h, "quinn");
	assert_int_equal(h_wait_exit(h, 300), -1);
	assert_int_equal(h_wait_text(h, "quinn", WAIT_MS), 0);
}

/* A terminal made too small while signed in: q asks, y leaves. */
static void q_in_a_too_small_terminal_asks_once_signed_in(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_home(f);

	h_resize(h, 60, 20);
	assert_int_equal(h_wait_text(h, "too small", WAIT_MS), 0);
	h_send_text(h, "q");
	assert_int_equal(h_wait_text(h, "leave cardroll?", WAIT_MS), 0);
	assert_int_equal(h_wait_exit(h, 300), -1);
	h_send_text(h, "y");
	assert_int_equal(h_wait_exit(h, WAIT_MS), 0);
}

/* ---- 2. everything that matters fits 80x24 ---- */

/* Nothing on the screen is cut (no ellipsis), and the footer keeps the way
 * back (Esc) and, but on a modal screen, the help (F1). */
static void t_fits(struct h_term *h, const char *where, int f1)
{
	char row[1024];
	int rows = h_rows(h);

	h_settle(h, 150, 1500);
	for (int r = 0; r < rows; r++)
		if (strstr(h_screen_row(h, r, row, sizeof row), "\u2026")) {
			h_screen_dump(h, where);
			fail_msg("%s: row %d is cut: %s", where, r, row);
		}
	h_screen_row(h, rows - 1, row, sizeof row);
	if (!strstr(row, "Esc ") || (f1 && !strstr(row, "F1 Help"))) {
		h_screen_dump(h, where);
		fail_msg("%s: the footer lacks Esc or F1 Help: %s", where, row);
	}
}

/* F1, every page of the help checked, then back. */
static void t_help_fits(struct h_term *h, const char *where)
{
	h_send_key(h, VTERM_KEY_FUNCTION(1));
	assert_int_equal(h_wait_text(h, "Keys on the", WAIT_MS), 0);
	for (int page = 0; page < 10; page++) {
		t_fits(h, where, 0);
		if (!h_screen_has(h, "more below"))
			break;
		h_send_key(h, VTERM_KEY_PAGEDOWN);
	}
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Keys on the", WAIT_MS), 0);
}

static void every_screen_fits_80x24(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_home(f);

	t_fits(h, "home", 1);
	t_help_fits(h, "home help");
	/* A child at the desk: the panel, a card, the void question, the slip
	 * (its headings in English and Spanish). */
	h_send_text(h, "2100312\r");
	assert_int_equal(h_wait_text(h, "Student ID", WAIT_MS), 0);
	t_fits(h, "student", 1);
	t_help_fits(h, "student help");
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Card issued", WAIT_MS), 0);
	h_send_text(h, "v");
	assert_int_equal(h_wait_text(h, "Void this child's card", WAIT_MS), 0);
	t_fits(h, "void question", 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Void this child's card", WAIT_MS), 0);
	h_send_text(h, "s");
	assert_int_equal(h_wait_text(h, "Tu tarjeta", WAIT_MS), 0);
	t_fits(h, "slip preview", 1);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Birth date", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Birth date", WAIT_MS), 0);
	h_settle(h, 100, 1000);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Marie Curie Elementary", WAIT_MS), 0);
	/* A school, a class, and the question before issuing to all of it. */
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Teacher", WAIT_MS), 0);
	t_fits(h, "classes", 1);
	t_help_fits(h, "classes help");
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Family name", WAIT_MS), 0);
	t_fits(h, "class roll", 1);
	t_help_fits(h, "class roll help");
	h_send_text(h, "A");
	assert_int_equal(h_wait_text(h, "cards, any other key to cancel", WAIT_MS), 0);
	t_fits(h, "issue-all question", 1);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "cancelled", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Family name", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	/* The library system. */
	h_send_key(h, VTERM_KEY_FUNCTION(4));
	assert_int_equal(h_wait_text(h, "The library system", WAIT_MS), 0);
	t_fits(h, "library system", 1);
	t_help_fits(h, "library system help");
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	/* Progress: districts, a district's schools, a school's grades (class
	 * titles are the roster's own and may be cut to fit). */
	h_send_key(h, VTERM_KEY_FUNCTION(2));
	assert_int_equal(h_wait_text(h, "All districts", WAIT_MS), 0);
	t_fits(h, "progress", 1);
	t_help_fits(h, "progress help");
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Hidden Valley Secondary School", WAIT_MS), 0);
	t_fits(h, "progress: schools", 1);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "> Hidden Valley Secondary School", WAIT_MS), 0);
	t_fits(h, "progress: grades", 1);
}

/* At 100 columns too the question is whole. */
static void the_issue_all_question_is_whole_at_100_columns(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_sized(f, 100, 30, NULL, t_maria);

	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Teacher", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Family name", WAIT_MS), 0);
	h_send_text(h, "A");
	assert_int_equal(h_wait_text(h, "Press y to issue 23 cards, any other key to cancel", WAIT_MS), 0);
	t_fits(h, "issue-all question at 100 columns", 1);
}

/* ---- 3. help and Esc go back where the person came from ---- */

static void a_child_opened_from_the_roll_goes_back_to_the_roll(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_home(f);

	/* From the search, the help says the search results. */
	h_send_text(h, "2100312\r");
	assert_int_equal(h_wait_text(h, "Birth date", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_FUNCTION(1));
	assert_int_equal(h_wait_text(h, "back to the search results", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Birth date", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Birth date", WAIT_MS), 0);
	h_settle(h, 100, 1000);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Marie Curie Elementary", WAIT_MS), 0);
	/* From a class roll, the roll. */
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Teacher", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Family name", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Birth date", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_FUNCTION(1));
	assert_int_equal(h_wait_text(h, "back to the class roll", WAIT_MS), 0);
	assert_false(h_screen_has(h, "search results"));
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Birth date", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Family name", WAIT_MS), 0);
}

/* ---- 4. only keys that can act are offered ---- */

static void f4_offers_no_parked_event_keys_when_nothing_is_parked(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_home(f);

	h_send_key(h, VTERM_KEY_FUNCTION(4));
	assert_int_equal(h_wait_text(h, "Nothing is parked", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "F5 Sync", WAIT_MS), 0);
	h_settle(h, 150, 1000);
	assert_false(h_screen_has(h, "Different child"));
	assert_false(h_screen_has(h, "Send again"));
	assert_true(h_screen_has(h, "Esc Back"));
	/* The help still tells what c and r do once something is parked. */
	h_send_key(h, VTERM_KEY_FUNCTION(1));
	assert_int_equal(h_wait_text(h, "Different child", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Keys on the", WAIT_MS), 0);
}

/* ---- 5. a card names who issued it ---- */

static void the_child_panel_names_who_issued_the_card(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_home(f);

	h_send_text(h, "2100312\r");
	assert_int_equal(h_wait_text(h, "Birth date", WAIT_MS), 0);
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Card issued", WAIT_MS), 0);
	/* The sign-in promised "recorded in your name": the panel says whose. */
	assert_int_equal(h_wait_row(h, "Issued by", "Maria Lopez at Front", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "issued by Maria Lopez at Front", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card c JOIN staff s ON s.id = c.issued_by "
				 "WHERE s.name = 'Maria Lopez'"), 1);
}

/* ---- 6. a class issued by mistake is undone in one go ---- */

static void a_class_issued_by_mistake_is_undone_with_one_reason(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_home(f);

	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Teacher", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "needs a card", WAIT_MS), 0);
	/* i says what it did and how to undo it. */
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Enter, then v voids it", WAIT_MS), 0);
	/* A says how many cards y makes, and that they can be undone. */
	h_send_key(h, VTERM_KEY_DOWN);
	h_send_text(h, "A");
	assert_int_equal(h_wait_text(h, "Press y to issue 22 cards", WAIT_MS), 0);
	assert_true(h_screen_has(h, "U undoes them all"));
	h_send_text(h, "y");
	assert_int_equal(h_wait_text(h, "done: issued 22 of 22 cards", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "U Undo all", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card WHERE status = 'active'"), 23);
	/* U: one reason for the whole batch; the card issued with i stays. */
	h_send_text(h, "U");
	assert_int_equal(h_wait_text(h, "void its 22 cards", WAIT_MS), 0);
	h_send_text(h, "issued to the wrong class\r");
	assert_int_equal(h_wait_text(h, "undone: 22 cards of the last batch void", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card WHERE status = 'active'"), 1);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card WHERE status = 'void' "
				 "AND void_reason = 'issued to the wrong class'"), 22);
	assert_int_equal(t_query(f, "SELECT count(*) FROM event WHERE kind = 'void'"), 22);
	assert_int_equal(t_query(f, "SELECT count(*) FROM audit WHERE action = 'undo_batch' AND staff_id = "
				 "(SELECT id FROM staff WHERE name = 'Maria Lopez')"), 1);
	/* Once undone there is nothing left to undo: U is no longer offered. */
	assert_int_equal(h_wait_gone(h, "U Undo all", WAIT_MS), 0);
	/* On the child's panel, i says the same. */
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Birth date", WAIT_MS), 0);
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "v voids it if a mistake", WAIT_MS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_name_starting_with_q_searches_and_does_not_quit, setup, teardown),
		cmocka_unit_test_setup_teardown(a_staff_name_starting_with_q_is_typed_at_sign_in, setup, teardown),
		cmocka_unit_test_setup_teardown(q_in_a_too_small_terminal_asks_once_signed_in, setup, teardown),
		cmocka_unit_test_setup_teardown(every_screen_fits_80x24, setup, teardown),
		cmocka_unit_test_setup_teardown(the_issue_all_question_is_whole_at_100_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(a_child_opened_from_the_roll_goes_back_to_the_roll, setup, teardown),
		cmocka_unit_test_setup_teardown(f4_offers_no_parked_event_keys_when_nothing_is_parked, setup, teardown),
		cmocka_unit_test_setup_teardown(the_child_panel_names_who_issued_the_card, setup, teardown),
		cmocka_unit_test_setup_teardown(a_class_issued_by_mistake_is_undone_with_one_reason, setup, teardown),
	};

	return cmocka_run_group_tests_name("tui-librarian", tests, NULL, NULL);
}
