/* The print queue: a class's slips as one job through a real driver, the
 * states a job goes through, a printer that is off (failed with the reason,
 * kept, printed later), a reprint, void cards left out. Runs under ASan
 * too, so the drawing code (cairo, pango, qrencode, zint) is exercised
 * with the sanitizers on. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "store/db.h"
#include "roster/roster.h"
#include "printq.h"
#include "desk/signup.h"
#include "desk/slips.h"
#include "testutil.h"

/* The demo district with its first class issued; *class_id gets it. */
static int printq_setup(void **state)
{
	struct tu_env *e;
	struct roster_summary sum;
	struct cr_err err;
	struct cr_config cfg;
	sqlite3_stmt *st;

	if (tu_env_setup(state) != 0)
		return -1;
	e = *state;
	if (tu_import(e->db, "assets/demo/district", 0, &sum, &err) != CR_OK)
		return -1;
	config_defaults(&cfg);
	st = db_prepare(e->db, "SELECT e.student_id FROM enrollment e WHERE e.class_id = "
			"(SELECT id FROM class ORDER BY title LIMIT 1)", &err);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct signup_request rq = { .student = sqlite3_column_int64(st, 0), .desk = "Front" };
		struct signup_result res;
		struct cr_err e2;

		signup_issue(e->db, &cfg.programme, &rq, &res, &e2);
	}
	sqlite3_reset(st);
	return 0;
}

static long long first_class(struct tu_env *e)
{
	return tu_q_int(e->db, "SELECT id FROM class ORDER BY title LIMIT 1", NULL);
}

static struct print_settings settings(const char *driver)
{
	struct cr_config cfg;

	config_defaults(&cfg);
	snprintf(cfg.print.driver, sizeof cfg.print.driver, "%s", driver);
	return cfg.print;
}

static void test_a_class_prints_as_one_pdf_job(void **state)
{
	struct tu_env *e = *state;
	struct print_settings ps = settings("pdf");
	struct printq_dest d = { .ps = &ps, .target = tu_at(e, "class.pdf"), .desk = "Front" };
	struct cr_err err = { 0 };
	long long job, ran;
	int n, printed, skipped;
	size_t size;
	char *pdf;

	assert_int_equal(slips_queue_class(e->db, first_class(e), 0, "pdf", &job, &n, &err), CR_OK);
	assert_true(n > 10);
	assert_int_equal(printq_run(e->db, &d, job, &ran, &printed, &skipped, &err), CR_OK);
	assert_int_equal(ran, job);
	assert_int_equal(printed, n);
	assert_int_equal(skipped, 0);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM print_job WHERE state = 'done' AND error IS NULL", NULL), 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action = 'print'", NULL), 1);
	pdf = tu_slurp(tu_at(e, "class.pdf"), &size);
	assert_non_null(pdf);
	assert_true(size > 1000);
	assert_memory_equal(pdf, "%PDF", 4);
	free(pdf);
	/* Printed again: a reprint, a new job with the same slips. */
	assert_int_equal(printq_run(e->db, &d, job, &ran, &printed, &skipped, &err), CR_OK);
	assert_true(ran != job);
	assert_int_equal(printed, n);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM print_job WHERE state = 'done'", NULL), 2);
}

/* A free loopback port, nothing listening on it. */
static int closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

static int note_pending(long long job, void *ctx)
{
	long long *seen = ctx;

	*seen = job;
	return 0;
}

static void test_a_printer_that_is_off_fails_and_the_job_waits(void **state)
{
	struct tu_env *e = *state;
	struct print_settings ps = settings("escpos");
	char target[64];
	struct printq_dest d = { .ps = &ps, .target = target };
	struct cr_err err = { 0 };
	long long job, ran, seen = 0;
	int n, printed, skipped;
	char st[16], why[400];

	snprintf(target, sizeof target, "tcp://127.0.0.1:%d", closed_port());
	assert_int_equal(slips_queue_class(e->db, first_class(e), 0, "escpos", &job, &n, &err), CR_OK);
	assert_int_not_equal(printq_run(e->db, &d, job, &ran, &printed, &skipped, &err), CR_OK);
	assert_non_null(strstr(err.msg, "refused the connection"));
	assert_int_equal(printq_state(e->db, job, st, sizeof st, why, sizeof why, &err), CR_OK);
	assert_string_equal(st, "failed");
	assert_non_null(strstr(why, "refused the connection"));
	assert_int_equal(printq_pending(e->db, note_pending, &seen, &err), CR_OK);
	assert_int_equal(seen, job);
	/* The printer is back (here: a file): the same job prints. */
	d.target = tu_at(e, "later.bin");
	assert_int_equal(printq_run(e->db, &d, job, &ran, &printed, &skipped, &err), CR_OK);
	assert_int_equal(ran, job);
	assert_int_equal(printed, n);
	assert_true(tu_exists(tu_at(e, "later.bin")));
	seen = 0;
	assert_int_equal(printq_pending(e->db, note_pending, &seen, &err), CR_OK);
	assert_int_equal(seen, 0);
}

static void test_void_cards_are_left_out(void **state)
{
	struct tu_env *e = *state;
	struct print_settings ps = settings("preview");
	struct printq_dest d = { .ps = &ps, .target = tu_at(e, "slips.txt") };
	struct cr_err err = { 0 };
	long long job, ran;
	int n, printed, skipped;
	const char *card = tu_q_str(e->db, "SELECT number FROM card ORDER BY number LIMIT 1", NULL);
	char number[64];

	snprintf(number, sizeof number, "%s", card);
	assert_int_equal(slips_queue_class(e->db, first_class(e), 0, "preview", &job, &n, &err), CR_OK);
	assert_int_equal(signup_void(e->db, number, "wrong child", 0, "Front", &err), CR_OK);
	assert_int_equal(printq_run(e->db, &d, job, &ran, &printed, &skipped, &err), CR_OK);
	assert_int_equal(skipped, 1);
	assert_int_equal(printed, n - 1);
}

static void test_a_driver_without_a_target_says_so(void **state)
{
	struct tu_env *e = *state;
	struct print_settings ps = settings("zpl");
	struct printq_dest d = { .ps = &ps };
	struct cr_err err = { 0 };
	long long job, ran;
	int printed, skipped;
	const char *card = tu_q_str(e->db, "SELECT number FROM card LIMIT 1", NULL);

	assert_int_equal(slips_queue_card(e->db, card, 0, "zpl", &job, &err), CR_OK);
	assert_int_equal(printq_run(e->db, &d, job, &ran, &printed, &skipped, &err), CR_ECONFIG);
	assert_non_null(strstr(err.msg, "needs a target"));
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM print_job WHERE state = 'failed'", NULL), 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, printq_setup, tu_env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_class_prints_as_one_pdf_job),
		T(test_a_printer_that_is_off_fails_and_the_job_waits),
		T(test_void_cards_are_left_out),
		T(test_a_driver_without_a_target_says_so),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
