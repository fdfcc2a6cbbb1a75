/* TUI tests for hostile roster text (issue 14): a child whose names in the
 * database hold terminal escape sequences (CSI, OSC title and hyperlink,
 * 8-bit CSI, C0 and C1 controls) -- as a database edited by hand, or a
 * roster from before the import cleaned text, would hold -- is found by a
 * scan and shown in the search list and on the child's panel, and not one
 * of those sequences reaches the terminal: the raw bytes cardroll wrote
 * are read back (h_raw), besides the screen libvterm drew. */
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

#define WAIT_MS 6000   /* generous for a loaded machine; argon2 alone takes a moment */

static const char *const t_maria[] = { "CARDROLL_STAFF=Maria Lopez", "CARDROLL_PIN=2468", NULL };

/* The names written straight into the database. */
static const char HOSTILE_GIVEN[] = "Max\x1b]0;PWNED-TITLE\x07\x1b[31mRed\xc2\x9b" "2JC1\x07";
static const char HOSTILE_FAMILY[] = "Zzyzx\x1b[2J\x1b[H\x1b]8;;http://evil\x1b\\Link\x1b]8;;\x1b\\\x7f\x01\x0e";

struct fixture {
	char           dir[64];
	char           db[128];
	char           number[64];
	struct h_term *h;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	sqlite3 *s;
	sqlite3_stmt *st;

	if (!f || t_fixture(f->dir, f->db, "hostile", T_DEMO) != 0) {
		free(f);
		return -1;
	}
	assert_int_equal(sqlite3_open(f->db, &s), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(s, "SELECT student_number FROM student WHERE status = 'active' AND "
					   "student_number <> '' ORDER BY id LIMIT 1", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(f->number, sizeof f->number, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(s, "UPDATE student SET given_name = ?1, family_name = ?2 "
					   "WHERE student_number = ?3", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, HOSTILE_GIVEN, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, HOSTILE_FAMILY, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->number, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(s);
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

/* 1 when the n bytes at p hold needle. */
static int raw_has(const unsigned char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; k <= n && i + k <= n; i++)
		if (!memcmp(p + i, needle, k))
			return 1;
	return 0;
}

static void assert_nothing_hostile_written(struct h_term *h)
{
	size_t n = 0;
	const unsigned char *raw = h_raw(h, &n);

	assert_true(n > 0);
	if (raw_has(raw, n, "PWNED-TITLE") && raw_has(raw, n, "\x1b]0;PWNED"))
		fail_msg("the OSC title sequence of the name reached the terminal");
	if (raw_has(raw, n, "\x1b]8;;http://evil"))
		fail_msg("the OSC hyperlink of the name reached the terminal");
	if (raw_has(raw, n, "\xc2\x9b") || raw_has(raw, n, "\x9b" "2J"))
		fail_msg("an 8-bit CSI of the name reached the terminal");
	if (raw_has(raw, n, "Red\xc2\x9b") || raw_has(raw, n, "\x1b[31mRed") || raw_has(raw, n, "Zzyzx\x1b[2J"))
		fail_msg("a CSI of the name reached the terminal");
	if (raw_has(raw, n, "\x0e"))
		fail_msg("a shift-out (SO, 0x0E) of the name reached the terminal");
}

/* Scanned at home: the child's panel opens; the list by name too. */
static void hostile_names_never_reach_the_terminal_raw(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = { "--db", f->db, NULL };
	struct h_opts o = { .cols = 100, .rows = 30, .home = f->dir, .argv = argv, .env = t_maria };
	struct h_term *h;

	f->h = h = h_start(&o);
	assert_non_null(h);
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	/* a scanner types the student ID and Enter */
	h_send_text(h, f->number);
	h_send_text(h, "\r");
	if (h_wait_text(h, "Zzyzx", WAIT_MS) != 0) {
		h_screen_dump(h, "the child's panel with the hostile name");
		fail_msg("the child's family name is not on the screen");
	}
	h_settle(h, 300, 2000);
	assert_nothing_hostile_written(h);
	/* the title was not changed, the screen was not cleared under us */
	assert_true(h_screen_has(h, "Max"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(hostile_names_never_reach_the_terminal_raw, setup, teardown),
	};

	return cmocka_run_group_tests_name("tui_hostile", tests, NULL, NULL);
}
