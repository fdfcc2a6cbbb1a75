/* TUI tests for the desk: staff sign in, a child walks up (or their ID is
 * scanned), the rules say yes or why not, and a card is issued in the
 * signed-in person's name, once, even with two desks on one database. */
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

#include "store/db.h"
#include "harness.h"
#include "tutil.h"

#define WAIT_MS 4000   /* generous for a loaded machine; argon2 alone takes a moment */

/* Children of the demo district (assets/demo/district). */
#define MAHNOOR  "105599728"   /* Patel, Mahnoor: KG, Marie Curie Elementary */
#define VIVAAN   "20810958"    /* Patel, Vivaan: grade 4 */
#define VIVAAN_KG "105599771"  /* Patel, Vivaan: another one, in KG */
#define ADITI    "20810937"    /* Patel, Aditi: grade 3; her family opts out here */
#define KARTHIK  "1025796"     /* Patel, Karthik: grade 9 */

static const char *const t_maria[] = { "CARDROLL_STAFF=Maria Lopez", "CARDROLL_PIN=2468", NULL };

struct fixture {
	char           dir[64];
	char           db[128];
	char           front[128];   /* settings of the desk named Front */
	char           back[128];    /* and of the one named Back */
	struct h_term *h, *h2;
};

/* ---- setting up a library's database ---- */

/* An empty database (migrated), or the demo district with Maria Lopez as
 * the admin (PIN 2468). */
static int t_setup_with(void **state, int district)
{
	struct fixture *f = calloc(1, sizeof *f);

	if (!f || t_fixture(f->dir, f->db, "desk", district ? T_DEMO : NULL) != 0) {
		free(f);
		return -1;
	}
	t_ini(f->front, f->dir, "front.ini", "[desk]\nname = Front\n");
	t_ini(f->back, f->dir, "back.ini", "[desk]\nname = Back\n");
	if (!district) {
		struct cr_db *db;
		struct cr_err err = { 0 };

		assert_int_equal(db_open(f->db, 0, &db, &err), CR_OK);
		db_close(db);
	}
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return t_setup_with(state, 1);
}

static int setup_first_run(void **state)
{
	return t_setup_with(state, 0);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int status = t_stop(f->h, "cardroll"), s2 = t_stop(f->h2, "the second cardroll");
	char path[160];

	t_remove_db(f->db);
	unlink(f->front);
	unlink(f->back);
	snprintf(path, sizeof path, "%s/slips-preview.txt", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return status == 0 && s2 == 0 ? 0 : -1;
}

/* ---- the desk ---- */

/* Opens cardroll at a desk; env NULL means nobody is signed in yet. */
static struct h_term *t_open_at(struct fixture *f, const char *config, const char *const *env)
{
	const char *argv[] = { "--db", f->db, "--config", config, NULL };
	struct h_opts o = { .home = f->dir, .argv = argv, .env = env };
	struct h_term *h = h_start(&o);

	assert_non_null(h);
	return h;
}

static struct h_term *t_open_signed_in(struct fixture *f)
{
	f->h = t_open_at(f, f->front, t_maria);
	assert_int_equal(h_wait_text(f->h, "Find a student", WAIT_MS), 0);
	return f->h;
}

/* Searches for text and opens the first result (the exact ID when digits). */
static void t_open_student(struct h_term *h, const char *query, const char *name)
{
	h_send_text(h, query);
	assert_int_equal(h_wait_text(h, name, WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Student ID", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, name, WAIT_MS), 0);
}

/* A read of the database as another program would see it. */
static long long t_query(const struct fixture *f, const char *sql)
{
	return t_db_int(f->db, sql);
}

static void t_exec(const struct fixture *f, const char *sql)
{
	sqlite3 *s;
	char *why = NULL;

	assert_int_equal(sqlite3_open(f->db, &s), SQLITE_OK);
	sqlite3_busy_timeout(s, 2000);
	if (sqlite3_exec(s, sql, NULL, NULL, &why) != SQLITE_OK)
		fail_msg("%s: %s", sql, why ? why : "?");
	sqlite3_close(s);
}

static int t_raw_has(struct h_term *h, const char *text)
{
	size_t n, k = strlen(text);
	const unsigned char *raw = h_raw(h, &n);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(raw + i, text, k) == 0)
			return 1;
	return 0;
}

/* ---- a librarian's day ---- */

static void the_first_run_creates_the_admin_account(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = f->h = t_open_at(f, f->front, NULL);

	assert_int_equal(h_wait_text(h, "First run: create the admin account", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "PIN again", WAIT_MS), 0);
	h_send_text(h, "Maria Lopez\r");
	h_send_text(h, "2468\r");
	h_send_text(h, "2468\r");
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "cardroll \u2014 Front \u00b7 Maria Lopez", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM staff WHERE name = 'Maria Lopez' AND role = 'admin'"), 1);
}

static void two_different_pins_on_the_first_run_are_caught(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = f->h = t_open_at(f, f->front, NULL);

	assert_int_equal(h_wait_text(h, "First run", WAIT_MS), 0);
	h_send_text(h, "Maria Lopez\r2468\r2469\r");
	assert_int_equal(h_wait_text(h, "not the same", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM staff"), 0);
	h_send_text(h, "2468\r2468\r");
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
}

static void a_wrong_pin_is_not_recognised_and_the_right_one_signs_in(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = f->h = t_open_at(f, f->front, NULL);

	assert_int_equal(h_wait_text(h, "Sign in at Front", WAIT_MS), 0);
	h_settle(h, 100, 1000);
	assert_false(h_screen_has(h, "PIN again"));
	h_send_text(h, "Maria Lopez\r1357\r");
	assert_int_equal(h_wait_text(h, "name or PIN not recognised", WAIT_MS), 0);
	assert_false(h_screen_has(h, "Find a student"));
	/* The PIN box is empty and has the keyboard again. */
	h_send_text(h, "2468\r");
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Front \u00b7 Maria Lopez", WAIT_MS), 0);
	/* Both are in the audit, at this desk; the failure keeps no name. */
	assert_int_equal(t_query(f, "SELECT count(*) FROM audit WHERE action = 'sign-in-failed' AND desk = 'Front' "
				    "AND staff_id IS NULL AND instr(coalesce(detail, ''), 'Maria') = 0"), 1);
	assert_int_equal(t_query(f, "SELECT count(*) FROM audit a JOIN staff s ON s.id = a.staff_id "
				    "WHERE a.action = 'sign-in' AND a.desk = 'Front' AND s.name = 'Maria Lopez'"), 1);
}

static void the_pin_never_appears_on_screen(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = f->h = t_open_at(f, f->front, NULL);

	assert_int_equal(h_wait_text(h, "Sign in at Front", WAIT_MS), 0);
	h_send_text(h, "Maria Lopez\r8642097");
	assert_int_equal(h_wait_text(h, "*******", WAIT_MS), 0);
	h_settle(h, 100, 1000);
	assert_false(h_screen_has(h, "8642097"));
	h_send_text(h, "\r");
	assert_int_equal(h_wait_text(h, "not recognised", WAIT_MS), 0);
	assert_false(t_raw_has(h, "8642097"));
	h_send_text(h, "2468");
	assert_int_equal(h_wait_text(h, "****", WAIT_MS), 0);
	assert_false(h_screen_has(h, "2468"));
	h_send_text(h, "\r");
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	assert_false(h_screen_has(h, "2468"));
}

static void esc_on_the_sign_in_screen_quits(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = f->h = t_open_at(f, f->front, NULL);

	assert_int_equal(h_wait_text(h, "Sign in at Front", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_exit(h, WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 0);
}

static void a_child_walks_up_and_gets_a_card(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_signed_in(f);
	long long maria = t_query(f, "SELECT id FROM staff WHERE name = 'Maria Lopez'");

	t_open_student(h, "mahnoor", "Patel, Mahnoor");
	assert_int_equal(h_wait_text(h, "Can have a card", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "i Issue card", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "0 waiting for the library", WAIT_MS), 0);
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Card issued: " MAHNOOR, WAIT_MS), 0);
	/* The status line counts what waits for the library system. */
	assert_int_equal(h_wait_text(h, "offline \u00b7 1 waiting", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 1);
	assert_int_equal(t_query(f, "SELECT issued_by FROM card WHERE number = '" MAHNOOR "'"), maria);
	/* The rules now say why not, and a second press issues nothing. */
	assert_int_equal(h_wait_text(h, "Already has card " MAHNOOR ", issued by Maria Lopez at Front", WAIT_MS), 0);
	h_send_text(h, "i");
	h_settle(h, 150, 1000);
	assert_int_equal(h_wait_text(h, "Already has card", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 1);
	assert_false(h_screen_has(h, "i Issue card"));
}

static void the_student_keys_are_in_the_help(void **state)
{
	struct h_term *h = t_open_signed_in(*state);

	t_open_student(h, "mahnoor", "Patel, Mahnoor");
	assert_int_equal(h_wait_text(h, "i Issue card", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_FUNCTION(1));
	assert_int_equal(h_wait_text(h, "Keys on the Student screen", WAIT_MS), 0);
	if (h_wait_row(h, "   i ", "Issue card", WAIT_MS) != 0 ||
	    h_wait_row(h, "   c ", "confirm and issue", WAIT_MS) != 0)
		fail_msg("the help does not list i and c");
	h_send_text(h, "x");
	assert_int_equal(h_wait_text(h, "Can have a card", WAIT_MS), 0);
}

static void a_scanned_student_id_opens_that_child(void **state)
{
	struct h_term *h = t_open_signed_in(*state);

	/* A scanner: the digits and Enter at once, no pause for the list. */
	h_send_text(h, VIVAAN "\r");
	assert_int_equal(h_wait_text(h, "Student ID", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Patel, Vivaan", WAIT_MS), 0);
	if (h_wait_row(h, "Student ID", VIVAAN, WAIT_MS) != 0)
		fail_msg("the details are not Vivaan's");
	/* The next child's card, scanned on the details screen. */
	h_send_text(h, MAHNOOR "\r");
	assert_int_equal(h_wait_text(h, "Patel, Mahnoor", WAIT_MS), 0);
	if (h_wait_row(h, "Student ID", MAHNOOR, WAIT_MS) != 0)
		fail_msg("scanning on the details screen did not open Mahnoor");
	h_settle(h, 100, 1000);
	assert_false(h_screen_has(h, "Patel, Vivaan"));
	assert_int_equal(h_wait_text(h, "Can have a card", WAIT_MS), 0);
}

/* The desk issue's measure: a walk-up signup from a scanned student ID
 * takes the scan plus at most 2 keys. Here: the scan, then i. */
static void a_scan_and_one_key_issue_a_walk_up_card(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_signed_in(f);

	h_send_text(h, MAHNOOR "\r");               /* the scan */
	assert_int_equal(h_wait_text(h, "Can have a card", WAIT_MS), 0);
	h_send_text(h, "i");                          /* the one key */
	assert_int_equal(h_wait_text(h, "Card issued: " MAHNOOR, WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card WHERE number = '" MAHNOOR "'"), 1);
}

static void an_opted_out_child_is_refused_and_cannot_be_issued(void **state)
{
	struct fixture *f = *state;
	struct h_term *h;

	t_exec(f, "INSERT INTO consent (student_id, state, recorded_at) "
		  "SELECT id, 'opted_out', unixepoch() FROM student WHERE student_number = '" ADITI "'");
	h = t_open_signed_in(f);
	t_open_student(h, ADITI, "Patel, Aditi");
	assert_int_equal(h_wait_text(h, "Refused:", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "opted out", WAIT_MS), 0);
	h_settle(h, 100, 1000);
	assert_false(h_screen_has(h, "Issue card"));
	h_send_text(h, "i");
	h_send_text(h, "c");
	h_settle(h, 200, 1000);
	assert_int_equal(h_wait_text(h, "Refused:", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 0);
}

static void a_likely_duplicate_is_issued_only_when_confirmed(void **state)
{
	struct fixture *f = *state;
	struct h_term *h;

	/* Two Vivaan Patels with one birth date: the KG one already has a card. */
	t_exec(f, "UPDATE student SET birth_date = '2016-03-01' WHERE student_number IN ('" VIVAAN "', '" VIVAAN_KG "')");
	t_run("CARDROLL_STAFF='Maria Lopez' CARDROLL_PIN=2468 '%s' --db '%s' issue " VIVAAN_KG " >/dev/null",
	      getenv("CARDROLL_BIN"), f->db);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 1);
	h = t_open_signed_in(f);
	t_open_student(h, VIVAAN, "Patel, Vivaan");
	assert_int_equal(h_wait_text(h, "Refused: may be the same child", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "c Confirm", WAIT_MS), 0);
	h_send_text(h, "i");
	h_settle(h, 150, 1000);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 1);
	h_send_text(h, "c");
	assert_int_equal(h_wait_text(h, "Card issued: " VIVAAN, WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 2);
}

static void a_second_desk_sees_the_card_the_first_desk_issued(void **state)
{
	struct fixture *f = *state;
	struct h_term *front = t_open_signed_in(f);
	struct h_term *back = f->h2 = t_open_at(f, f->back, t_maria);

	assert_int_equal(h_wait_text(back, "cardroll \u2014 Back", WAIT_MS), 0);
	/* Both desks have Karthik open and are told he can have a card. */
	t_open_student(back, KARTHIK, "Patel, Karthik");
	assert_int_equal(h_wait_text(back, "Can have a card", WAIT_MS), 0);
	t_open_student(front, KARTHIK, "Patel, Karthik");
	assert_int_equal(h_wait_text(front, "Can have a card", WAIT_MS), 0);
	h_send_text(front, "i");
	assert_int_equal(h_wait_text(front, "Card issued: " KARTHIK, WAIT_MS), 0);
	/* Back notices without a key press, and no longer offers to issue. */
	assert_int_equal(h_wait_text(back, "Already has card " KARTHIK ", issued by Maria Lopez at Front", WAIT_MS), 0);
	assert_int_equal(h_wait_gone(back, "i Issue card", WAIT_MS), 0);
	h_send_text(back, "i");
	h_settle(back, 200, 1000);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 1);
	/* A third look, from scratch, says the same. */
	h_send_key(back, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(back, "Birth date", WAIT_MS), 0);
	h_send_key(back, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(back, "Already has card " KARTHIK ", issued by Maria Lopez at Front", WAIT_MS), 0);
}

/* The check digit that makes digits pass Luhn. */
static char t_luhn(const char *digits)
{
	int sum = 0, dbl = 1;

	for (int i = (int)strlen(digits) - 1; i >= 0; i--, dbl = !dbl) {
		int d = digits[i] - '0';

		if (dbl && (d *= 2) > 9)
			d -= 9;
		sum += d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

/* Pre-printed stock: the clerk scans the card; a bad check digit and a
 * card already handed out are refused with the reason, a good one issues. */
static void pre_printed_cards_are_checked_when_scanned(void **state)
{
	struct fixture *f = *state;
	struct h_term *h;
	char good[32], bad[32];

	t_write(f->front, "[desk]\nname = Front\n[cards]\nscheme = stock\nstock_prefix = 21234\n"
			  "stock_length = 14\nstock_check_digit = yes\n");
	snprintf(good, sizeof good, "2123400000042");
	snprintf(good + 13, sizeof good - 13, "%c", t_luhn(good));
	snprintf(bad, sizeof bad, "%.13s%c", good, good[13] == '9' ? '0' : good[13] + 1);
	h = t_open_signed_in(f);
	t_open_student(h, MAHNOOR, "Patel, Mahnoor");
	assert_int_equal(h_wait_text(h, "Can have a card", WAIT_MS), 0);
	/* i asks for the card; a wrong check digit is caught. */
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Scan the pre-printed card", WAIT_MS), 0);
	h_send_text(h, bad);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "check digit is wrong", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 0);
	/* The right card issues. */
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Scan the pre-printed card", WAIT_MS), 0);
	h_send_text(h, good);
	h_send_text(h, "\r");
	assert_int_equal(h_wait_text(h, "Card issued: ", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, good, WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card WHERE scheme = 'stock'"), 1);
	/* The same card scanned for another child: already used. */
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Birth date", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_open_student(h, VIVAAN, "Patel, Vivaan");
	assert_int_equal(h_wait_text(h, "Can have a card", WAIT_MS), 0);
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Scan the pre-printed card", WAIT_MS), 0);
	h_send_text(h, good);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "is already used", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 1);
}

static void a_withdrawn_child_is_refused_with_the_reason(void **state)
{
	struct fixture *f = *state;
	struct h_term *h;

	t_run("sqlite3 '%s' \"UPDATE student SET status_code = 'w' WHERE student_number = '%s'\"", f->db, VIVAAN);
	h = t_open_signed_in(f);
	t_open_student(h, VIVAAN, "Patel, Vivaan");
	assert_int_equal(h_wait_text(h, "Refused: ", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "withdrawn", WAIT_MS), 0);
	assert_false(h_screen_has(h, "i Issue card"));
	h_send_text(h, "i");
	h_settle(h, 200, 1000);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card"), 0);
}

/* v voids a card with a reason: the card stays, marked void, with an event
 * for the library system; the child can then be issued again. */
static void a_card_issued_by_mistake_is_voided(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_signed_in(f);

	t_open_student(h, MAHNOOR, "Patel, Mahnoor");
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Card issued: ", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "v Void", WAIT_MS), 0);
	h_send_text(h, "v");
	assert_int_equal(h_wait_text(h, "Void this child's card", WAIT_MS), 0);
	/* Enter on an empty reason asks for one. */
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Type an answer first", WAIT_MS), 0);
	h_send_text(h, "issued to the wrong child");
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "is void", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Can have a card", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM card WHERE status = 'void' "
				    "AND void_reason = 'issued to the wrong child'"), 1);
	assert_int_equal(t_query(f, "SELECT count(*) FROM event WHERE kind = 'void'"), 1);
	assert_int_equal(t_query(f, "SELECT count(*) FROM outbox"), 2);
}

/* s shows the slip with its QR code on the screen; p prints it (here to
 * the preview printer, a text file beside the database). */
static void a_slip_is_previewed_on_screen_and_printed(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open_signed_in(f);
	char path[160], line[256];
	FILE *fp;
	int found = 0;

	t_open_student(h, MAHNOOR, "Patel, Mahnoor");
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Card issued: ", WAIT_MS), 0);
	h_send_text(h, "s");
	assert_int_equal(h_wait_text(h, "Slip of card " MAHNOOR, WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Mahnoor Patel", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Tu tarjeta de la biblioteca", WAIT_MS), 0);
	/* The QR's finder pattern in half blocks: a solid top edge. */
	assert_int_equal(h_wait_text(h, "\u2588\u2580\u2580\u2580\u2580\u2580\u2588", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(h, "Birth date", WAIT_MS), 0);
	h_send_text(h, "p");
	assert_int_equal(h_wait_text(h, "print job 1 printed", WAIT_MS), 0);
	assert_int_equal(t_query(f, "SELECT count(*) FROM print_job WHERE state = 'done'"), 1);
	snprintf(path, sizeof path, "%s/slips-preview.txt", f->dir);
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof line, fp))
		found += strstr(line, "Mahnoor") != NULL && strstr(line, "Patel") != NULL;
	fclose(fp);
	assert_true(found > 0);
}

/* In a terminal that is not UTF-8 the QR is drawn with ASCII blocks. */
static void a_slip_preview_in_the_c_locale_is_ascii(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = { "--db", f->db, "--config", f->front, NULL };
	struct h_opts o = { .home = f->dir, .argv = argv, .env = t_maria, .lang = "C" };
	const unsigned char *raw;
	size_t n;

	f->h = h_start(&o);
	assert_non_null(f->h);
	assert_int_equal(h_wait_text(f->h, "Find a student", WAIT_MS), 0);
	t_open_student(f->h, MAHNOOR, "Patel, Mahnoor");
	h_send_text(f->h, "i");
	assert_int_equal(h_wait_text(f->h, "Card issued: ", WAIT_MS), 0);
	h_send_text(f->h, "s");
	assert_int_equal(h_wait_text(f->h, "Slip of card " MAHNOOR, WAIT_MS), 0);
	assert_int_equal(h_wait_text(f->h, "#\"\"\"\"\"#", WAIT_MS), 0);
	h_send_key(f->h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_text(f->h, "Birth date", WAIT_MS), 0);
	raw = h_raw(f->h, &n);
	for (size_t i = 0; i < n; i++)
		if (raw[i] >= 0x80)
			fail_msg("byte 0x%02x at offset %zu of the program's output", raw[i], i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_first_run_creates_the_admin_account, setup_first_run, teardown),
		cmocka_unit_test_setup_teardown(two_different_pins_on_the_first_run_are_caught, setup_first_run, teardown),
		cmocka_unit_test_setup_teardown(a_wrong_pin_is_not_recognised_and_the_right_one_signs_in, setup, teardown),
		cmocka_unit_test_setup_teardown(the_pin_never_appears_on_screen, setup, teardown),
		cmocka_unit_test_setup_teardown(esc_on_the_sign_in_screen_quits, setup, teardown),
		cmocka_unit_test_setup_teardown(a_child_walks_up_and_gets_a_card, setup, teardown),
		cmocka_unit_test_setup_teardown(the_student_keys_are_in_the_help, setup, teardown),
		cmocka_unit_test_setup_teardown(a_scanned_student_id_opens_that_child, setup, teardown),
		cmocka_unit_test_setup_teardown(a_scan_and_one_key_issue_a_walk_up_card, setup, teardown),
		cmocka_unit_test_setup_teardown(an_opted_out_child_is_refused_and_cannot_be_issued, setup, teardown),
		cmocka_unit_test_setup_teardown(a_likely_duplicate_is_issued_only_when_confirmed, setup, teardown),
		cmocka_unit_test_setup_teardown(a_second_desk_sees_the_card_the_first_desk_issued, setup, teardown),
		cmocka_unit_test_setup_teardown(pre_printed_cards_are_checked_when_scanned, setup, teardown),
		cmocka_unit_test_setup_teardown(a_withdrawn_child_is_refused_with_the_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(a_card_issued_by_mistake_is_voided, setup, teardown),
		cmocka_unit_test_setup_teardown(a_slip_is_previewed_on_screen_and_printed, setup, teardown),
		cmocka_unit_test_setup_teardown(a_slip_preview_in_the_c_locale_is_ascii, setup, teardown),
	};

	return cmocka_run_group_tests_name("tui-desk", tests, NULL, NULL);
}
