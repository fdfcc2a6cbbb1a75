/* Unit tests for what the fuzzers found in the replies of servers
 * (tests/fuzz/fuzz_koha, fuzz_webhook, fuzz_rest), each crash kept as a
 * test: the same loopback server the fuzzers use (tests/fuzz/fuzz_http.h,
 * in this process, 127.0.0.1 only) answers the real targets.
 *   - a reply whose headers start with a folded (indented) line, on the
 *     second request of a handle: libcurl 7.88 read freed memory (ASan:
 *     heap-use-after-free; `make asan` runs these);
 *   - a server's words with control bytes reached the parked reason,
 *     which `cardroll sync --parked` prints on a terminal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../fuzz/fuzz_http.h"

#include "roster/roster_pull.h"
#include "store/db.h"
#include "sync/sync.h"
#include "testutil.h"

/* The replies in fuzz_http.h's form: a literal of several replies. */
#define REPLIES(lit) (const uint8_t *)(lit), sizeof(lit) - 1

static void koha_settings(struct sync_settings *s)
{
	memset(s, 0, sizeof *s);
	snprintf(s->target, sizeof s->target, "koha");
	snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", fh.port);
	snprintf(s->auth, sizeof s->auth, "basic");
	snprintf(s->user, sizeof s->user, "u");
	snprintf(s->password, sizeof s->password, "p");
	snprintf(s->library_id, sizeof s->library_id, "CPL");
	snprintf(s->category, sizeof s->category, "J");
	snprintf(s->attribute, sizeof s->attribute, "STUID");
	s->timeout_ms = 3000;
	s->probe_timeout_ms = 1000;
	s->batch = 3;
}

static struct sync_item signup(const char *uuid)
{
	struct sync_item it = {
		.outbox_id = 1, .event_id = 1, .uuid = uuid, .kind = "signup", .student_id = 1,
		.student_number = "5001", .given = "Ana", .family = "Lopez", .birth_date = "2015-03-04",
		.grade = "04", .school = "North", .card = "21234000000015", .expires = "2030-06-30",
		.category = "", .consent = "", .remote_id = "",
	};
	return it;
}

/* No C0 or C1 control, no DEL: what a terminal may be given. */
static void assert_inert(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c < 0x20 || *c == 0x7f || (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f))
			fail_msg("a control byte 0x%02x at %zu of '%s'", *c, (size_t)(c - (const unsigned char *)s), s);
	}
}

static void send_koha(const uint8_t *replies, size_t n, struct sync_result *res, int items)
{
	const struct sync_target *t = sync_target_find("koha");
	struct sync_settings s;
	struct sync_item it[3] = { signup("u-1"), signup("u-2"), signup("u-3") };
	struct cr_err err = { 0 };
	void *state = NULL;

	fh_start();
	koha_settings(&s);
	fh_load(replies, n);
	assert_int_equal(t->open(&s, &state, &err), CR_OK);
	memset(res, 0, sizeof *res * (size_t)items);
	if (t->send(state, it, items, res, &err) != CR_OK)
		assert_true(err.msg[0] != '\0');
	t->close(state);
}

/* fuzz_koha's crash, minimized: an empty search, then a reply whose first
 * header line is folded. */
static void test_koha_folded_header_on_a_reused_handle(void **st)
{
	struct sync_result res[1];

	send_koha(REPLIES("200\n\n[]\n===\n200\n {\"\":}"), res, 1);
	/* the second reply is a 200 without a patron id: done, or a retry */
	assert_true(res[0].outcome == SYNC_DONE || res[0].outcome == SYNC_RETRY || res[0].outcome == SYNC_PARK);
	assert_inert(res[0].reason);
}

/* fuzz_koha's first finding: a 409 whose "conflict" holds a control byte
 * was quoted as it was in the parked reason. */
static void test_koha_conflict_with_control_bytes_is_quoted_inert(void **st)
{
	struct sync_result res[1];

	/* A first try sends the POST without a lookup (koha asks first only
	 * when the outbox cannot know): the 409 is the first reply. */
	send_koha(REPLIES("409\n\n{\"error\":\"Duplicate \\u001b[2J ID\",\"conflict\":\"user\\u000b\\u001b]0;x\\u0007id\\u009b\"}"),
		  res, 1);
	assert_int_equal(res[0].outcome, SYNC_PARK);
	assert_non_null(strstr(res[0].reason, "user"));
	assert_inert(res[0].reason);
}

static void send_webhook(const uint8_t *replies, size_t n, struct sync_result *res, int rounds)
{
	const struct sync_target *t = sync_target_find("webhook");
	struct sync_settings s;
	struct sync_item it[1] = { signup("a") };
	struct cr_err err = { 0 };
	void *state = NULL;

	fh_start();
	memset(&s, 0, sizeof s);
	snprintf(s.target, sizeof s.target, "webhook");
	snprintf(s.url, sizeof s.url, "http://127.0.0.1:%d/hook", fh.port);
	snprintf(s.secret, sizeof s.secret, "s");
	s.timeout_ms = 3000;
	s.probe_timeout_ms = 1000;
	s.batch = 1;
	fh_load(replies, n);
	assert_int_equal(t->open(&s, &state, &err), CR_OK);
	for (int r = 0; r < rounds; r++) {
		memset(res, 0, sizeof *res);
		if (t->send(state, it, 1, res, &err) != CR_OK)
			assert_true(err.msg[0] != '\0');
	}
	t->close(state);
}

/* fuzz_webhook's crash, minimized: the same folded header on the second
 * batch. */
static void test_webhook_folded_header_on_a_reused_handle(void **st)
{
	struct sync_result res[1];

	send_webhook(REPLIES("g \"\"\n===\nt\r\r\n {\"\":}"), res, 2);
	assert_true(res[0].outcome == SYNC_RETRY || res[0].outcome == SYNC_PARK);
}

static void test_webhook_reason_with_escapes_is_quoted_inert(void **st)
{
	struct sync_result res[1];

	send_webhook(REPLIES("200\n\n{\"results\":[{\"id\":\"a\",\"status\":\"rejected\","
			     "\"reason\":\"bad \\u001b[31mgrade\\u001b]0;pwned\\u0007 \\u009b2J\"}]}"), res, 1);
	assert_int_equal(res[0].outcome, SYNC_PARK);
	assert_non_null(strstr(res[0].reason, "grade"));
	assert_inert(res[0].reason);
}

/* fuzz_rest's crash: a page, then a folded header on the next page. */
static void test_roster_pull_folded_header_on_the_next_page(void **st)
{
	struct sync_settings s;
	struct roster_pull_result r;
	struct cr_err err = { 0 };
	struct cr_db *db = NULL;
	char dir[] = "/tmp/cardroll-unit-XXXXXX", path[64];
	enum cr_status status;

	fh_start();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.db", dir);
	assert_int_equal(db_open(path, 0, &db, &err), CR_OK);
	memset(&s, 0, sizeof s);
	memset(&r, 0, sizeof r);
	s.timeout_ms = 3000;
	snprintf(s.roster_url, sizeof s.roster_url, "http://127.0.0.1:%d/ims/oneroster/rostering/v1p2", fh.port);
	snprintf(s.roster_auth, sizeof s.roster_auth, "none");
	fh_load(REPLIES("200\nX-Total-Count: 0\n\n{\"orgs\":[]}\n===\n200\n {\"\":}\n\n{}"));
	status = roster_pull(db, &s, &r, &err);
	/* nothing to import: a failure with a sentence, never a crash */
	assert_int_not_equal(status, CR_OK);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(tu_q_int(db, "SELECT count(*) FROM student", NULL), 0);
	db_close(db);
	tu_sh("rm -rf '%s'", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_koha_folded_header_on_a_reused_handle),
		cmocka_unit_test(test_koha_conflict_with_control_bytes_is_quoted_inert),
		cmocka_unit_test(test_webhook_folded_header_on_a_reused_handle),
		cmocka_unit_test(test_webhook_reason_with_escapes_is_quoted_inert),
		cmocka_unit_test(test_roster_pull_folded_header_on_the_next_page),
	};

	return cmocka_run_group_tests_name("hostile_replies", tests, NULL, NULL);
}
