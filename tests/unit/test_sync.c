/* The sync engine with a pretend library system: order per child, retries,
 * parking, refused credentials, crash leftovers and what is remembered. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db.h"
#include "roster/roster.h"
#include "desk/signup.h"
#include "desk/staff.h"
#include "sync/sync.h"
#include "testutil.h"

#define MANIFEST "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n" \
	"file.orgs,bulk\nfile.users,bulk\n"
#define ORGS "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n" \
	"d1,,,Harbor Schools,district,,\ns1,,,Harbor Elementary,school,,d1\n"
#define USERS "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username," \
	"userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n" \
	"u1,,,true,s1,student,,,Ana,Silva,,1001,,,,,03,\n" \
	"u2,,,true,s1,student,,,Ben,Okafor,,1002,,,,,03,\n" \
	"u3,,,true,s1,student,,,Cai,Wong,,1003,,,,,04,\n"

/* ---- a library system that does what each test says ---------------------- */

struct fake_ils {
	/* what happens to a child's events, by student ID; DONE otherwise */
	const char        *number;
	enum sync_outcome  outcome;
	int                retry_after;
	const char        *reason;
	int                unreachable;   /* send() answers nothing at all */
	int                nomem;         /* send() runs out of memory before a word is sent */
	/* what it saw */
	char               log[64][48];   /* "kind number remote confirm" */
	int                nlog;
	int                opened, closed;
};

static struct fake_ils ils;

static enum cr_status fake_open(const struct sync_settings *s, void **state, struct cr_err *err)
{
	ils.opened++;
	*state = &ils;
	return CR_OK;
}

static enum cr_status fake_send(void *state, const struct sync_item *items, int n, struct sync_result *results,
				struct cr_err *err)
{
	struct fake_ils *f = state;

	if (f->unreachable)
		return cr_fail(err, CR_EUNAVAILABLE, "the library system did not answer: connection refused");
	if (f->nomem)
		return cr_fail(err, CR_ENOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		struct sync_result *r = &results[i];

		memset(r, 0, sizeof *r);
		if (f->nlog < 64)
			snprintf(f->log[f->nlog++], sizeof f->log[0], "%s %s %s %d", items[i].kind,
				 items[i].student_number, items[i].remote_id[0] ? items[i].remote_id : "-",
				 items[i].confirm_not_duplicate);
		if (f->number && !strcmp(f->number, items[i].student_number)) {
			r->outcome = f->outcome;
			r->retry_after_s = f->retry_after;
			snprintf(r->reason, sizeof r->reason, "%s", f->reason ? f->reason : "");
		} else {
			r->outcome = SYNC_DONE;
			snprintf(r->remote_id, sizeof r->remote_id, "P%s", items[i].student_number);
		}
	}
	return CR_OK;
}

static void fake_close(void *state)
{
	ils.closed++;
}

static const struct sync_target fake_target = {
	.name = "fake", .open = fake_open, .send = fake_send, .close = fake_close,
};

/* ---- the day at the desk --------------------------------------------------- */

static struct sync_settings settings(void)
{
	struct cr_config cfg;

	config_defaults(&cfg);
	snprintf(cfg.sync.target, sizeof cfg.sync.target, "fake");
	cfg.sync.batch = 2;
	return cfg.sync;
}

static void harbor(struct tu_env *e)
{
	struct roster_summary sum;
	struct cr_err err;

	memset(&ils, 0, sizeof ils);
	tu_put(e, "h/manifest.csv", MANIFEST);
	tu_put(e, "h/orgs.csv", ORGS);
	tu_put(e, "h/users.csv", USERS);
	assert_int_equal(tu_import(e->db, tu_at(e, "h"), 0, &sum, &err), CR_OK);
}

static long long child(struct tu_env *e, const char *number)
{
	long long id;
	int n;
	struct cr_err err;

	assert_int_equal(signup_find_student(e->db, number, &id, &n, &err), CR_OK);
	assert_int_equal(n, 1);
	return id;
}

static void issue(struct tu_env *e, const char *number)
{
	struct cr_config cfg;
	struct signup_request rq = { .student = child(e, number), .desk = "Front" };
	struct signup_result res;
	struct cr_err err = { 0 };

	config_defaults(&cfg);
	assert_int_equal(signup_issue(e->db, &cfg.programme, &rq, &res, &err), CR_OK);
	assert_int_equal(res.outcome, SIGNUP_ISSUED);
}

static void void_card(struct tu_env *e, const char *number)
{
	struct cr_err err = { 0 };
	const char *card = tu_q_str(e->db, "SELECT c.number FROM card c JOIN student s ON s.id = c.student_id "
				    "WHERE s.student_number = ?1 AND c.status = 'active'", number);

	assert_non_null(card);
	assert_int_equal(signup_void(e->db, card, "wrong child", 0, "Front", &err), CR_OK);
}

static enum cr_status run(struct tu_env *e, struct sync_summary *sum, struct cr_err *err)
{
	struct sync_settings s = settings();

	memset(err, 0, sizeof *err);
	return sync_run_with(e->db, &s, &fake_target, 0, sum, err);
}

static const char *state_of(struct tu_env *e, const char *kind, const char *number)
{
	static char sql[256];

	snprintf(sql, sizeof sql, "SELECT o.state FROM outbox o JOIN event e ON e.id = o.event_id "
		 "JOIN student s ON s.id = e.student_id WHERE e.kind = '%s' AND s.student_number = ?1 "
		 "ORDER BY o.id DESC LIMIT 1", kind);
	return tu_q_str(e->db, sql, number);
}

/* Three signups and a void: all go, the void after its signup, and the
 * ILS patron is kept on the card and handed to the void. */
static void test_a_class_goes_to_the_library_in_order(void **state)
{
	struct tu_env *e = *state;
	struct sync_summary sum;
	struct cr_err err;
	int signup_at = -1, void_at = -1;

	harbor(e);
	issue(e, "1001");
	issue(e, "1002");
	void_card(e, "1001");
	issue(e, "1003");
	assert_int_equal(run(e, &sum, &err), CR_OK);
	assert_int_equal(sum.sent, 4);
	assert_int_equal(sum.done, 4);
	assert_int_equal(sum.waiting + sum.parked + sum.left, 0);
	assert_true(sum.online);
	assert_int_equal(ils.opened, 1);
	assert_int_equal(ils.closed, 1);
	for (int i = 0; i < ils.nlog; i++) {
		if (!strcmp(ils.log[i], "signup 1001 - 0"))
			signup_at = i;
		if (!strcmp(ils.log[i], "void 1001 P1001 0"))
			void_at = i;
	}
	assert_true(signup_at >= 0 && void_at > signup_at);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card WHERE ils_patron_id = 'P' || ?1", "1002"), 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM outbox WHERE state = 'done' AND remote_id IS NOT NULL",
				  NULL), 4);
	assert_non_null(tu_q_str(e->db, "SELECT last_ok FROM sync_state WHERE target = 'ils' AND last_error IS NULL",
				 NULL));
}

/* The ILS is busy for Ana: her signup waits (with the server's Retry-After)
 * and her void waits behind it; Ben's goes. */
static void test_a_void_waits_for_its_signup(void **state)
{
	struct tu_env *e = *state;
	struct sync_summary sum;
	struct cr_err err;
	long long now = (long long)time(NULL);

	harbor(e);
	issue(e, "1001");
	void_card(e, "1001");
	issue(e, "1002");
	ils.number = "1001";
	ils.outcome = SYNC_RETRY;
	ils.retry_after = 120;
	ils.reason = "the library system is busy (HTTP 503)";
	assert_int_equal(run(e, &sum, &err), CR_OK);
	assert_int_equal(sum.done, 1);
	assert_int_equal(sum.waiting, 1);
	assert_int_equal(sum.left, 1);     /* the void */
	assert_string_equal(state_of(e, "signup", "1001"), "waiting");
	assert_string_equal(state_of(e, "void", "1001"), "pending");
	assert_string_equal(state_of(e, "signup", "1002"), "done");
	assert_true(tu_q_int(e->db, "SELECT next_at FROM outbox WHERE state = 'waiting'", NULL) >= now + 120);
	assert_int_equal(tu_q_int(e->db, "SELECT attempts FROM outbox WHERE state = 'waiting'", NULL), 1);
	for (int i = 0; i < ils.nlog; i++)
		assert_null(strstr(ils.log[i], "void"));
	/* Run again at once: nothing is due yet. */
	ils.nlog = 0;
	assert_int_equal(run(e, &sum, &err), CR_OK);
	assert_int_equal(sum.sent, 0);
	assert_int_equal(ils.nlog, 0);
}

/* Without a Retry-After, the wait grows with each try and is capped. */
static void test_retries_back_off(void **state)
{
	struct tu_env *e = *state;
	struct sync_summary sum;
	struct cr_err err;
	long long now = (long long)time(NULL), wait;

	harbor(e);
	issue(e, "1001");
	ils.number = "1001";
	ils.outcome = SYNC_RETRY;
	assert_int_equal(run(e, &sum, &err), CR_OK);
	wait = tu_q_int(e->db, "SELECT next_at FROM outbox", NULL) - now;
	assert_true(wait >= 1 && wait <= 4);         /* 2 s ± 20 %, rounded */
	assert_int_equal(tu_q_int(e->db, "UPDATE outbox SET next_at = 0, attempts = 9 RETURNING attempts", NULL), 9);
	now = (long long)time(NULL);
	assert_int_equal(run(e, &sum, &err), CR_OK);
	wait = tu_q_int(e->db, "SELECT next_at FROM outbox", NULL) - now;
	assert_true(wait >= 800 && wait <= 1300);     /* 2^10 s ± 20 % */
	assert_int_equal(tu_q_int(e->db, "SELECT attempts FROM outbox", NULL), 10);
}

/* A refusal parks the event with the library system's reason; staff can
 * confirm a likely duplicate and it is sent again with the override. */
static void test_a_parked_event_keeps_the_reason_until_staff_decide(void **state)
{
	struct tu_env *e = *state;
	struct sync_summary sum;
	struct sync_status st;
	struct cr_err err;
	long long id, admin = 0, vol = 0;

	harbor(e);
	issue(e, "1001");
	issue(e, "1002");
	ils.number = "1001";
	ils.outcome = SYNC_PARK;
	ils.reason = "the library system says a patron matching this child already exists";
	assert_int_equal(run(e, &sum, &err), CR_OK);
	assert_int_equal(sum.parked, 1);
	assert_int_equal(sum.done, 1);
	assert_string_equal(state_of(e, "signup", "1001"), "parked");
	assert_string_equal(tu_q_str(e->db, "SELECT last_error FROM outbox WHERE state = 'parked'", NULL), ils.reason);
	assert_int_equal(sync_status_read(e->db, &st, &err), CR_OK);
	assert_int_equal(st.parked, 1);
	assert_int_equal(st.waiting, 0);
	assert_true(st.last_ok > 0);

	id = tu_q_int(e->db, "SELECT id FROM outbox WHERE state = 'parked'", NULL);
	/* Deciding is PERM_RESOLVE, checked in core: once staff exist, neither
	 * a volunteer nor no one may; an admin may. */
	assert_int_equal(staff_add(e->db, "Ada Admin", STAFF_ADMIN, "1111", &admin, &err), CR_OK);
	assert_int_equal(staff_add_as(e->db, admin, "Front", "Val Helper", STAFF_VOLUNTEER, "3333", &vol, &err),
			 CR_OK);
	assert_int_equal(sync_confirm_not_duplicate(e->db, vol, id, &err), CR_EUSAGE);
	assert_non_null(strstr(err.msg, "volunteer"));
	assert_int_equal(sync_retry(e->db, vol, id, &err), CR_EUSAGE);
	assert_int_equal(sync_confirm_not_duplicate(e->db, 0, id, &err), CR_EUSAGE);
	assert_string_equal(state_of(e, "signup", "1001"), "parked");
	assert_int_equal(sync_confirm_not_duplicate(e->db, admin, id + 100, &err), CR_ENOINPUT);
	assert_int_equal(sync_confirm_not_duplicate(e->db, admin, id, &err), CR_OK);
	ils.number = NULL;
	ils.nlog = 0;
	assert_int_equal(run(e, &sum, &err), CR_OK);
	assert_int_equal(sum.done, 1);
	assert_int_equal(ils.nlog, 1);
	assert_string_equal(ils.log[0], "signup 1001 - 1");
}

/* Refused credentials stop everything with a sentence naming the settings;
 * the events wait untouched (their try not counted). */
static void test_refused_credentials_stop_the_run(void **state)
{
	struct tu_env *e = *state;
	struct sync_summary sum;
	struct cr_err err;

	harbor(e);
	issue(e, "1001");
	issue(e, "1002");
	issue(e, "1003");
	ils.number = "1001";
	ils.outcome = SYNC_STOP;
	assert_int_equal(run(e, &sum, &err), CR_EUNAVAILABLE);
	assert_non_null(strstr(err.msg, "refused cardroll's credentials"));
	assert_non_null(strstr(err.msg, "[sync] user/password"));
	assert_true(sum.stopped);
	assert_string_equal(state_of(e, "signup", "1001"), "pending");
	assert_int_equal(tu_q_int(e->db, "SELECT attempts FROM outbox o JOIN event e ON e.id = o.event_id "
				  "JOIN student s ON s.id = e.student_id WHERE s.student_number = ?1", "1001"), 0);
	assert_string_equal(state_of(e, "signup", "1003"), "pending");   /* never tried */
	assert_int_equal(tu_q_int(e->db, "SELECT stopped FROM sync_state WHERE target = 'ils'", NULL), 1);
	/* Credentials fixed: the next run sends everything and clears the stop. */
	ils.number = NULL;
	assert_int_equal(run(e, &sum, &err), CR_OK);
	assert_int_equal(sum.done, 2);       /* Ben's went in the first run's batch */
	assert_int_equal(tu_q_int(e->db, "SELECT stopped FROM sync_state WHERE target = 'ils'", NULL), 0);
}

/* A crash while sending leaves 'sending' rows: the next run sends them. */
static void test_a_crash_leftover_is_sent_again(void **state)
{
	struct tu_env *e = *state;
	struct sync_summary sum;
	struct cr_err err;

	harbor(e);
	issue(e, "1001");
	assert_int_equal(tu_q_int(e->db, "UPDATE outbox SET state = 'sending', attempts = 1 RETURNING 1", NULL), 1);
	assert_int_equal(run(e, &sum, &err), CR_OK);
	assert_int_equal(sum.done, 1);
	assert_string_equal(state_of(e, "signup", "1001"), "done");
	assert_int_equal(tu_q_int(e->db, "SELECT attempts FROM outbox", NULL), 2);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card WHERE ils_patron_id = 'P1001'", NULL), 1);
}

/* No answer at all: the batch waits with backoff and the run says offline. */
static void test_an_unreachable_library_system_leaves_events_waiting(void **state)
{
	struct tu_env *e = *state;
	struct sync_summary sum;
	struct sync_status st;
	struct cr_err err;

	harbor(e);
	issue(e, "1001");
	issue(e, "1002");
	issue(e, "1003");
	ils.unreachable = 1;
	assert_int_equal(run(e, &sum, &err), CR_EUNAVAILABLE);
	assert_false(sum.online);
	assert_int_equal(sum.waiting, 2);    /* one batch; the run ended there */
	assert_non_null(strstr(sum.last_error, "did not answer"));
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM outbox WHERE state = 'waiting' AND next_at > 0", NULL), 2);
	assert_int_equal(sync_status_read(e->db, &st, &err), CR_OK);
	assert_int_equal(st.waiting, 3);
	assert_non_null(strstr(st.last_error, "did not answer"));
}

/* max_events bounds a run; an unknown target is a settings error. */
static void test_a_run_is_bounded_and_needs_a_target(void **state)
{
	struct tu_env *e = *state;
	struct sync_settings s = settings();
	struct sync_summary sum;
	struct cr_err err = { 0 };

	harbor(e);
	issue(e, "1001");
	issue(e, "1002");
	issue(e, "1003");
	assert_int_equal(sync_run_with(e->db, &s, &fake_target, 1, &sum, &err), CR_OK);
	assert_int_equal(sum.sent, 1);
	assert_int_equal(sum.left, 2);
	assert_int_equal(sync_run(e->db, &s, 0, &sum, &err), CR_ECONFIG);
	assert_non_null(strstr(err.msg, "[sync] target"));
	s.target[0] = '\0';
	assert_int_equal(sync_run(e->db, &s, 0, &sum, &err), CR_ECONFIG);
	assert_non_null(strstr(err.msg, "[sync] target is not set"));
}

/* Out of memory while sending (issue 14's allocation pass found the events
 * put on a backoff as if the library system were down): the run fails as
 * out of memory, and the next run sends everything at once, nothing
 * parked, nothing waiting. */
static void test_out_of_memory_is_a_crash_not_an_outage(void **state)
{
	struct tu_env *e = *state;
	struct sync_summary sum;
	struct cr_err err;

	harbor(e);
	issue(e, "1001");
	issue(e, "1002");
	ils.nomem = 1;
	assert_int_equal(run(e, &sum, &err), CR_ENOMEM);
	assert_non_null(strstr(err.msg, "out of memory"));
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM outbox WHERE state = 'waiting' OR state = 'parked'",
				  NULL), 0);
	ils.nomem = 0;
	assert_int_equal(run(e, &sum, &err), CR_OK);
	assert_int_equal(sum.done, 2);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM outbox WHERE state <> 'done'", NULL), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, tu_env_setup, tu_env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_a_class_goes_to_the_library_in_order),
		T(test_a_void_waits_for_its_signup),
		T(test_retries_back_off),
		T(test_a_parked_event_keeps_the_reason_until_staff_decide),
		T(test_refused_credentials_stop_the_run),
		T(test_a_crash_leftover_is_sent_again),
		T(test_an_unreachable_library_system_leaves_events_waiting),
		T(test_out_of_memory_is_a_crash_not_an_outage),
		T(test_a_run_is_bounded_and_needs_a_target),
	};

	return cmocka_run_group_tests_name("sync", tests, NULL, NULL);
}
