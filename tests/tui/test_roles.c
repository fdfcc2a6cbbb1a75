/* TUI tests of staff and roles: what each role sees at the desk (the keys
 * offered, a child's birth date), a volunteer refused outside the school
 * an admin assigned, and the idle lock (the same person's PIN goes back to
 * the same screen; someone else starts at home). The real binary in a pty. */
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

/* Ximena Muñoz Núñez is at Marie Curie Elementary; Ximena Sánchez Rodríguez
 * at Hidden Valley Secondary School (the demo district). */
#define NORTH_KID   "2100152"
#define NORTH_NAME  "Muñoz Núñez, Ximena"
#define NORTH_BIRTH "2015-09-09"
#define SOUTH_KID   "2100297"
#define SOUTH_NAME  "Sánchez Rodríguez, Ximena"

static const char *const t_maria[] = { "CARDROLL_STAFF=Maria Lopez", "CARDROLL_PIN=2468", NULL };
static const char *const t_leo[] = { "CARDROLL_STAFF=Leo Park", "CARDROLL_PIN=1357", NULL };
static const char *const t_val[] = { "CARDROLL_STAFF=Val Helper", "CARDROLL_PIN=9753", NULL };

struct fixture {
	char           dir[64];
	char           db[128];
	char           conf[128];
	char           idle[128];
	struct h_term *h;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	const char *bin = getenv("CARDROLL_BIN");

	if (!f || t_fixture(f->dir, f->db, "roles", T_DEMO) != 0) {
		free(f);
		return -1;
	}
	t_ini(f->conf, f->dir, "front.ini", "[desk]\nname = Front\n");
	t_ini(f->idle, f->dir, "idle.ini", "[desk]\nname = Front\nidle_lock_s = 5\n");
	t_run("CARDROLL_STAFF='Maria Lopez' CARDROLL_PIN=2468 CARDROLL_NEW_PIN=1357 '%s' --db '%s' "
	      "staff add 'Leo Park' --role librarian >/dev/null", bin, f->db);
	t_run("CARDROLL_STAFF='Maria Lopez' CARDROLL_PIN=2468 CARDROLL_NEW_PIN=9753 '%s' --db '%s' "
	      "staff add 'Val Helper' --role volunteer >/dev/null", bin, f->db);
	t_run("CARDROLL_STAFF='Maria Lopez' CARDROLL_PIN=2468 '%s' --db '%s' "
	      "staff assign 'Val Helper' --school 'Marie Curie Elementary' >/dev/null", bin, f->db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int status = t_stop(f->h, "cardroll");

	t_remove_db(f->db);
	unlink(f->conf);
	unlink(f->idle);
	rmdir(f->dir);
	free(f);
	return status == 0 ? 0 : -1;
}

static struct h_term *t_open(struct fixture *f, const char *conf, const char *const *env)
{
	const char *argv[] = { "--db", f->db, "--config", conf, NULL };
	struct h_opts o = { .cols = 100, .rows = 30, .home = f->dir, .argv = argv, .env = env };

	f->h = h_start(&o);
	assert_non_null(f->h);
	assert_int_equal(h_wait_text(f->h, "Find a student", WAIT_MS), 0);
	return f->h;
}

static void t_open_student(struct h_term *h, const char *query, const char *name)
{
	h_send_text(h, query);
	assert_int_equal(h_wait_text(h, name, WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Student ID", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, name, WAIT_MS), 0);
}

static long long t_cards(const struct fixture *f)
{
	return t_db_int(f->db, "SELECT count(*) FROM card");
}

/* The admin and the librarian see the birth date and the family's keys;
 * the home screen offers F4 (parked library events). */
static void a_librarian_sees_the_birth_date_and_the_consent_keys(void **state)
{
	struct fixture *f = *state;
	const char *const *who[2] = { t_maria, t_leo };

	for (int i = 0; i < 2; i++) {
		struct h_term *h = t_open(f, f->conf, who[i]);

		assert_int_equal(h_wait_text(h, "Library", WAIT_MS), 0);
		t_open_student(h, NORTH_KID, NORTH_NAME);
		assert_int_equal(h_wait_text(h, "Birth date", WAIT_MS), 0);
		assert_int_equal(h_wait_text(h, NORTH_BIRTH, WAIT_MS), 0);
		assert_int_equal(h_wait_text(h, "Consent", WAIT_MS), 0);
		assert_int_equal(h_wait_text(h, "Opted out", WAIT_MS), 0);
		assert_int_equal(t_stop(h, "cardroll"), 0);
		f->h = NULL;
	}
}

/* A volunteer sees no birth date and no consent, void or F4 keys; a child
 * of the assigned school gets a card, one of another school is refused
 * with the reason on the status line and nothing written. */
static void a_volunteer_issues_only_in_the_assigned_school(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, f->conf, t_val);

	h_settle(h, 200, 1000);
	assert_false(h_screen_has(h, "Library"));
	t_open_student(h, NORTH_KID, NORTH_NAME);
	h_settle(h, 200, 1000);
	assert_false(h_screen_has(h, "Birth date"));
	assert_false(h_screen_has(h, NORTH_BIRTH));
	assert_false(h_screen_has(h, "Opted out"));
	h_send_text(h, "g");   /* the consent key does nothing for a volunteer */
	h_settle(h, 200, 1000);
	assert_int_equal(t_db_int(f->db, "SELECT count(*) FROM consent"), 0);
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Card issued: ", WAIT_MS), 0);
	assert_int_equal(t_cards(f), 1);
	h_settle(h, 200, 1000);
	assert_false(h_screen_has(h, "Void"));
	h_send_key(h, VTERM_KEY_ESCAPE);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Student ID", WAIT_MS), 0);
	t_open_student(h, SOUTH_KID, SOUTH_NAME);
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "not allowed: a volunteer may issue cards only", WAIT_MS), 0);
	assert_int_equal(t_cards(f), 1);
}

/* Idle: the desk locks and shows no child; the same PIN goes back to the
 * same child; another person's sign-in starts at home in their name. */
static void the_idle_desk_locks_and_opens_where_it_was(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, f->idle, t_maria);

	t_open_student(h, NORTH_KID, NORTH_NAME);
	assert_int_equal(h_wait_text(h, "The desk is locked", 9000), 0);
	h_settle(h, 200, 2000);   /* the lock's whole screen drawn, not only its title */
	assert_false(h_screen_has(h, "Ximena"));
	assert_false(h_screen_has(h, NORTH_BIRTH));
	/* A wrong PIN keeps it locked. */
	h_send_text(h, "1111\r");
	assert_int_equal(h_wait_text(h, "name or PIN not recognised", WAIT_MS), 0);
	assert_true(h_screen_has(h, "The desk is locked"));
	h_send_text(h, "2468\r");
	assert_int_equal(h_wait_gone(h, "The desk is locked", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, NORTH_NAME, WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Student ID", WAIT_MS), 0);
	/* Locked again; Leo signs in over it and starts at home. */
	assert_int_equal(h_wait_text(h, "The desk is locked", 9000), 0);
	h_send_key(h, VTERM_KEY_UP);
	h_send_text(h, "\x15" "Leo Park\r1357\r");
	assert_int_equal(h_wait_text(h, "signed in as Leo Park", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	assert_false(h_screen_has(h, "Student ID"));
	assert_int_equal(t_db_int(f->db, "SELECT count(*) FROM audit WHERE action = 'sign-in-failed'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_librarian_sees_the_birth_date_and_the_consent_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(a_volunteer_issues_only_in_the_assigned_school, setup, teardown),
		cmocka_unit_test_setup_teardown(the_idle_desk_locks_and_opens_where_it_was, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
