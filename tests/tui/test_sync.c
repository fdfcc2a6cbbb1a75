/* TUI tests for syncing at the desk, against a Koha-like server on
 * loopback (tests/sync/ilsd.py): the status line says online or offline
 * and what waits, F5 syncs now while the keys are answered, and the child's
 * panel says whether the library system already knows the child. */
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
#include <signal.h>
#include <sys/wait.h>

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

/* A read of the database as another program would see it. */
static long long t_query(const struct fixture *f, const char *sql)
{
	return t_db_int(f->db, sql);
}

struct sfix {
	struct fixture f;
	int            srv;       /* ilsd's pid */
	int            port;
};

static void t_start_ilsd(struct sfix *s, const char *faults)
{
	char cmd[600], portfile[160];
	FILE *fp;
	int i;

	snprintf(portfile, sizeof portfile, "%s/port", s->f.dir);
	unlink(portfile);
	snprintf(cmd, sizeof cmd, "python3 tests/sync/ilsd.py --port 0 --port-file '%s' --user desk --password pw "
		 "%s%s 2>/dev/null & echo $! > '%s/srv.pid'", portfile, faults ? "--faults " : "", faults ? faults : "",
		 s->f.dir);
	t_run("%s", cmd);
	for (i = 0; i < 200; i++) {
		if ((fp = fopen(portfile, "r")) != NULL) {
			int ok = fscanf(fp, "%d", &s->port) == 1;

			fclose(fp);
			if (ok)
				break;
		}
		usleep(50000);
	}
	assert_true(s->port > 0);
	snprintf(cmd, sizeof cmd, "%s/srv.pid", s->f.dir);
	assert_non_null(fp = fopen(cmd, "r"));
	assert_int_equal(fscanf(fp, "%d", &s->srv), 1);
	fclose(fp);
}

static void t_stop_ilsd(struct sfix *s)
{
	if (s->srv > 0) {
		kill(s->srv, SIGTERM);
		waitpid(s->srv, NULL, 0);
	}
	s->srv = 0;
}

/* How many patrons the server holds. */
static int t_patrons(struct sfix *s)
{
	char cmd[300];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof cmd, "python3 -c 'import json,urllib.request as u; "
		 "print(json.load(u.urlopen(\"http://127.0.0.1:%d/_control/stats\"))[\"patrons\"])'", s->port);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static int setup(void **state)
{
	struct sfix *s = calloc(1, sizeof *s);
	char ini[512];

	if (!s || t_fixture(s->f.dir, s->f.db, "tsync", "--quiet " T_DEMO) != 0) {
		free(s);
		return -1;
	}
	t_start_ilsd(s, NULL);
	snprintf(ini, sizeof ini, "[desk]\nname = Front\n[sync]\ntarget = koha\nurl = http://127.0.0.1:%d\n"
		 "user = desk\npassword = pw\nlibrary_id = CPL\ncategory = ST\ntimeout_ms = 2000\n"
		 "probe_timeout_ms = 500\nbackoff_max_s = 1\n"
		 /* ilsd by default is a Koha that honours x-confirm-not-duplicate */
		 "koha_confirm_duplicates = yes\n", s->port);
	t_ini(s->f.front, s->f.dir, "front.ini", ini);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct sfix *s = *state;
	int status = 0;

	if (s->f.h && (status = h_stop(s->f.h)) != 0)
		fprintf(stderr, "cardroll ended with status %d\n", status);
	t_stop_ilsd(s);
	t_run("rm -rf '%s'", s->f.dir);
	free(s);
	return status == 0 ? 0 : -1;
}

static struct h_term *t_desk(struct sfix *s)
{
	const char *argv[] = { "--db", s->f.db, "--config", s->f.front, NULL };
	struct h_opts o = { .home = s->f.dir, .argv = argv, .env = t_maria };

	s->f.h = h_start(&o);
	assert_non_null(s->f.h);
	assert_int_equal(h_wait_text(s->f.h, "Find a student", WAIT_MS), 0);
	return s->f.h;
}

static void t_open_child(struct h_term *h, const char *id, const char *name)
{
	h_send_text(h, id);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, name, WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "Birth date", WAIT_MS), 0);
}

/* Online: the status line says so; a card issued and F5: the library
 * system has the child, and the panel says so next time. */
static void online_the_card_reaches_the_library_system(void **state)
{
	struct sfix *s = *state;
	struct h_term *h = t_desk(s);

	assert_int_equal(h_wait_text(h, "online \u00b7 0 waiting \u00b7 synced ", WAIT_MS), 0);
	t_open_child(h, MAHNOOR, "Patel, Mahnoor");
	assert_int_equal(h_wait_text(h, "Library system: not a patron yet", WAIT_MS), 0);
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Card issued: " MAHNOOR, WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_FUNCTION(5));
	assert_int_equal(h_wait_text(h, "online \u00b7 0 waiting", WAIT_MS), 0);
	for (int i = 0; i < 40 && t_patrons(s) != 1; i++)
		usleep(100000);
	assert_int_equal(t_patrons(s), 1);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Birth date", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	t_open_child(h, MAHNOOR, "Patel, Mahnoor");
	assert_int_equal(h_wait_text(h, "Library system: already a patron there", WAIT_MS), 0);
}

/* The server goes away: the desk says offline and what waits, and the
 * panel says it could not check; nothing is lost. */
static void offline_the_desk_says_so_and_keeps_the_card(void **state)
{
	struct sfix *s = *state;
	struct h_term *h = t_desk(s);

	assert_int_equal(h_wait_text(h, "online \u00b7 0 waiting", WAIT_MS), 0);
	t_stop_ilsd(s);
	t_open_child(h, MAHNOOR, "Patel, Mahnoor");
	assert_int_equal(h_wait_text(h, "Library system: could not check", WAIT_MS), 0);
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Card issued: " MAHNOOR, WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_FUNCTION(5));
	assert_int_equal(h_wait_text(h, "offline \u00b7 1 waiting", WAIT_MS), 0);
	assert_int_equal(t_query(&s->f, "SELECT count(*) FROM outbox WHERE state IN ('pending', 'waiting')"), 1);
}

/* A slow library system: F5, and the keys are answered meanwhile. */
static void a_slow_library_system_never_freezes_the_keys(void **state)
{
	struct sfix *s = *state;
	struct h_term *h;

	t_stop_ilsd(s);
	t_start_ilsd(s, "slow:4");
	{
		char ini[512];

		snprintf(ini, sizeof ini, "[desk]\nname = Front\n[sync]\ntarget = koha\nurl = http://127.0.0.1:%d\n"
			 "user = desk\npassword = pw\nlibrary_id = CPL\ncategory = ST\ntimeout_ms = 8000\n"
			 "probe_timeout_ms = 500\nbackoff_max_s = 1\n", s->port);
		t_write(s->f.front, ini);
	}
	h = t_desk(s);
	t_open_child(h, MAHNOOR, "Patel, Mahnoor");
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Card issued: " MAHNOOR, WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_FUNCTION(5));
	/* While the server sits on the request, the desk answers: Esc goes back,
	 * typing searches, Enter opens. */
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Birth date", 500), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	h_send_text(h, VIVAAN);
	h_send_key(h, VTERM_KEY_ENTER);
	assert_int_equal(h_wait_text(h, "Patel, Vivaan", 1000), 0);
	assert_int_equal(t_query(&s->f, "SELECT count(*) FROM outbox WHERE state = 'done'"), 0);
	/* Then the slow answer lands. */
	assert_int_equal(h_wait_text(h, "online \u00b7 0 waiting", 15000), 0);
	assert_int_equal(t_patrons(s), 1);
}

/* A patron already in the ILS with the child's name and birth date but
 * another card: the ILS calls the signup a likely duplicate. */
static void t_seed_lookalike(struct sfix *s)
{
	t_run("python3 -c 'import urllib.request as u; u.urlopen(u.Request(\"http://127.0.0.1:%d/_control/patrons\", "
	      "data=b\"{\\\"surname\\\":\\\"Patel\\\",\\\"firstname\\\":\\\"Mahnoor\\\","
	      "\\\"date_of_birth\\\":\\\"2019-01-02\\\",\\\"library_id\\\":\\\"CPL\\\","
	      "\\\"category_id\\\":\\\"ST\\\",\\\"cardnumber\\\":\\\"X9000001\\\"}\", method=\"POST\"))'",
	      s->port);
	assert_int_equal(t_patrons(s), 1);
}

/* The ILS parks a likely duplicate; F4 shows it with the server's words,
 * and c (a different child) sends it again with the override. */
static void a_parked_duplicate_is_decided_at_the_desk(void **state)
{
	struct sfix *s = *state;
	struct h_term *h;

	t_seed_lookalike(s);
	h = t_desk(s);
	t_open_child(h, MAHNOOR, "Patel, Mahnoor");
	h_send_text(h, "i");
	assert_int_equal(h_wait_text(h, "Card issued: " MAHNOOR, WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_FUNCTION(5));
	assert_int_equal(h_wait_text(h, "1 need a person", WAIT_MS), 0);
	assert_int_equal(t_query(&s->f, "SELECT count(*) FROM outbox WHERE state = 'parked'"), 1);
	h_send_key(h, VTERM_KEY_ESCAPE);
	assert_int_equal(h_wait_gone(h, "Birth date", WAIT_MS), 0);
	h_send_key(h, VTERM_KEY_ESCAPE);
	h_send_key(h, VTERM_KEY_FUNCTION(4));
	assert_int_equal(h_wait_text(h, "1 event parked for a person", WAIT_MS), 0);
	assert_int_equal(h_wait_row(h, "signup", MAHNOOR, WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "already exists", WAIT_MS), 0);
	/* A likely duplicate: both keys can act, so both are offered. */
	assert_int_equal(h_wait_text(h, "c Different child", WAIT_MS), 0);
	assert_true(h_screen_has(h, "r Send again"));
	h_send_text(h, "c");
	assert_int_equal(h_wait_text(h, "Nothing is parked", 15000), 0);
	/* Nothing parked: neither is offered. */
	assert_int_equal(h_wait_gone(h, "Different child", WAIT_MS), 0);
	assert_false(h_screen_has(h, "Send again"));
	for (int i = 0; i < 40 && t_patrons(s) != 2; i++)
		usleep(100000);
	assert_int_equal(t_patrons(s), 2);
	assert_int_equal(t_query(&s->f, "SELECT count(*) FROM outbox WHERE state = 'done'"), 1);
}

/* A help longer than the screen scrolls: the last global key is reached. */
static void a_long_help_scrolls(void **state)
{
	struct sfix *s = *state;
	struct h_term *h = t_desk(s);

	t_open_child(h, MAHNOOR, "Patel, Mahnoor");
	h_send_key(h, VTERM_KEY_FUNCTION(1));
	assert_int_equal(h_wait_text(h, "Keys on the Student screen", WAIT_MS), 0);
	assert_int_equal(h_wait_text(h, "more below", WAIT_MS), 0);
	assert_false(h_screen_has(h, "sync with the library system now"));
	for (int i = 0; i < 12; i++)
		h_send_key(h, VTERM_KEY_DOWN);
	assert_int_equal(h_wait_text(h, "sync with the library system now", WAIT_MS), 0);
	assert_int_equal(h_wait_gone(h, "more below", WAIT_MS), 0);
	h_send_text(h, "x");
	assert_int_equal(h_wait_text(h, "Birth date", WAIT_MS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(online_the_card_reaches_the_library_system, setup, teardown),
		cmocka_unit_test_setup_teardown(offline_the_desk_says_so_and_keeps_the_card, setup, teardown),
		cmocka_unit_test_setup_teardown(a_slow_library_system_never_freezes_the_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(a_parked_duplicate_is_decided_at_the_desk, setup, teardown),
		cmocka_unit_test_setup_teardown(a_long_help_scrolls, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
