/* TUI tests for how the desk reads keys (issue 15): an arrow key is an
 * escape sequence (ESC O B), and the desk waits only briefly after an Esc
 * byte for the rest of it, so that Esc itself is answered within a frame.
 * A terminal on the same machine writes a sequence at once; over SSH its
 * bytes can arrive apart. These tests send the bytes with gaps, as a slow
 * link would, and check the desk still reads one Down key (the search and
 * its results stay, the highlight moves), and that Esc alone still goes
 * back. The gap the desk tolerates is tui.c's TUI_ESC_LOCAL_MS (10 ms) on
 * this machine and TUI_ESC_REMOTE_MS (60 ms) with SSH_CONNECTION set. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "tutil.h"

#define WAIT_MS 10000   /* generous: argon2 and a loaded machine */

struct fixture {
	char           dir[64];
	char           db[128];
	struct h_term *h;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	if (!f || t_fixture(f->dir, f->db, "keys", T_DEMO) != 0) {
		free(f);
		return -1;
	}
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

/* The desk signed in, "patel" searched (the demo district has several). */
static struct h_term *t_open(struct fixture *f, const char *ssh)
{
	const char *argv[] = { "--db", f->db, NULL };
	const char *env_local[] = { "CARDROLL_STAFF=Maria Lopez", "CARDROLL_PIN=2468", NULL };
	const char *env_ssh[] = { "CARDROLL_STAFF=Maria Lopez", "CARDROLL_PIN=2468", ssh, NULL };
	struct h_opts o = { .home = f->dir, .argv = argv, .env = ssh ? env_ssh : env_local };
	struct h_term *h = f->h = h_start(&o);

	assert_non_null(h);
	assert_int_equal(h_wait_text(h, "Find a student", WAIT_MS), 0);
	h_send_text(h, "patel");
	assert_int_equal(h_wait_text(h, "Mahnoor", WAIT_MS), 0);
	h_settle(h, 100, 1000);
	return h;
}

static void t_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Down as xterm sends it in keypad mode (ESC O B), gap_ms between bytes. */
static void t_slow_down(struct h_term *h, int gap_ms)
{
	h_send_text(h, "\033");
	t_sleep_ms(gap_ms);
	h_send_text(h, "O");
	t_sleep_ms(gap_ms);
	h_send_text(h, "B");
	h_settle(h, 150, 2000);
}

/* Which child the highlight is on, by the desk's own answer: Enter opens
 * the highlighted child's panel, whose Student ID row (7 rows above
 * Consent, tui/student.c) is returned. */
static void t_open_highlighted(struct h_term *h, char *id, size_t len)
{
	int row, col;
	char buf[256];

	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Consent", WAIT_MS), 0);
	h_settle(h, 100, 1000);
	assert_int_equal(h_screen_find(h, "Consent", &row, &col), 0);
	assert_true(row >= 7);
	snprintf(id, len, "%s", h_screen_row(h, row - 7, buf, sizeof buf));
	assert_non_null(strstr(id, "Student ID"));
}

/* Whether the slow Down was read as Down: the search "patel" is still
 * there and nothing of the sequence was typed into it. */
static int t_read_whole(struct h_term *h)
{
	return h_screen_has(h, "patel") && !h_screen_has(h, "patelOB") && !h_screen_has(h, "OB");
}

static void an_arrow_whose_bytes_come_5_ms_apart_is_one_key_here(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, NULL);
	char slow[256], fast[256];

	t_slow_down(h, 5);
	if (!t_read_whole(h))
		h_screen_dump(h, "after Down sent 5 ms apart");
	assert_true(t_read_whole(h));
	t_open_highlighted(h, slow, sizeof slow);
	/* The same with the terminal's own Down, all at once. */
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Consent", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_UP);
	h_settle(h, 100, 1000);
	h_send_key(h, VTERM_KEY_DOWN);
	h_settle(h, 100, 1000);
	t_open_highlighted(h, fast, sizeof fast);
	assert_string_equal(slow, fast);
}

static void over_ssh_an_arrow_whose_bytes_come_30_ms_apart_is_one_key(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, "SSH_CONNECTION=192.0.2.7 50022 192.0.2.1 22");

	t_slow_down(h, 30);
	if (!t_read_whole(h))
		h_screen_dump(h, "after Down sent 30 ms apart over SSH");
	assert_true(t_read_whole(h));
}

/* The check above can see a split: here, with 40 ms between the bytes and
 * no SSH, the desk takes the Esc alone (10 ms wait) and O and B as letters. */
static void a_split_sequence_is_seen_by_the_check(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, NULL);

	t_slow_down(h, 40);
	assert_false(t_read_whole(h));
}

static void esc_alone_still_goes_back(void **state)
{
	struct fixture *f = *state;
	struct h_term *h = t_open(f, "SSH_CONNECTION=192.0.2.7 50022 192.0.2.1 22");

	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Consent", WAIT_MS), 0);
	h_send_text(h, "\033");
	assert_int_equal(h_wait_gone(h, "Consent", WAIT_MS), 0);
	assert_true(h_screen_has(h, "patel"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(an_arrow_whose_bytes_come_5_ms_apart_is_one_key_here, setup, teardown),
		cmocka_unit_test_setup_teardown(over_ssh_an_arrow_whose_bytes_come_30_ms_apart_is_one_key, setup, teardown),
		cmocka_unit_test_setup_teardown(a_split_sequence_is_seen_by_the_check, setup, teardown),
		cmocka_unit_test_setup_teardown(esc_alone_still_goes_back, setup, teardown),
	};

	return cmocka_run_group_tests_name("desk keys", tests, NULL, NULL);
}
