/* The audit (append-only, children only as keyed hashes) and purge
 * (forgetting by the retention rules, the report's numbers kept). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/audit.h"
#include "store/config.h"
#include "store/db.h"
#include "roster/roster.h"
#include "desk/coverage.h"
#include "desk/purge.h"
#include "desk/signup.h"
#include "testutil.h"

#define MANIFEST "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n" \
	"file.orgs,bulk\nfile.users,bulk\n"
#define ORGS "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n" \
	"d1,,,Harbor Schools,district,,\ns1,,,Harbor Elementary,school,,d1\n"
#define USERS_HDR "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username," \
	"userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n"
#define USER(sid, enabled, given, family, ident) \
	sid ",,," enabled ",s1,student,,," given "," family ",," ident ",,,,,03,\n"
#define ANA  USER("u1", "true", "Ana", "Silva", "10001")
#define BEN  USER("u2", "true", "Ben", "Okafor", "10002")
#define CAI  USER("u3", "true", "Cai", "Wong", "10003")
#define DARA USER("u4", "true", "Dara", "Quinn", "10004")
#define ELI  USER("u5", "false", "Eli", "Stone", "10005")

static void import_users(struct tu_env *e, const char *users)
{
	char text[4096];
	struct roster_summary sum;
	struct cr_err err;

	tu_put(e, "h/manifest.csv", MANIFEST);
	tu_put(e, "h/orgs.csv", ORGS);
	snprintf(text, sizeof text, "%s%s", USERS_HDR, users);
	tu_put(e, "h/users.csv", text);
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

/* Ana, Ben and Cai get cards; all five are imported; then Ben and Dara
 * leave (a bulk without them withdraws them); Eli is inactive. */
static void school_year(struct tu_env *e)
{
	import_users(e, ANA BEN CAI DARA ELI);
	issue(e, "10001");
	issue(e, "10002");
	issue(e, "10003");
	import_users(e, ANA CAI ELI);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM student WHERE status_code = 'w'", NULL), 2);
}

struct report_snapshot {
	long long enrolled, carded, opted_out, pending, signups;
	char      days[256];
};

static struct report_snapshot snapshot(struct tu_env *e)
{
	struct report_snapshot r = { 0 };
	struct coverage c;
	struct coverage_signups s;
	struct cr_err err;

	assert_int_equal(coverage_read(e->db, COVERAGE_SCHOOL, &c, &err), CR_OK);
	r.enrolled = c.total.n[COV_ENROLLED];
	r.carded = c.total.n[COV_CARDED];
	r.opted_out = c.total.n[COV_OPTED_OUT];
	r.pending = c.total.n[COV_PENDING];
	coverage_free(&c);
	assert_int_equal(coverage_signups_read(e->db, NULL, &s, &err), CR_OK);
	r.signups = s.total.n;
	for (size_t i = 0; i < s.ndays; i++)
		snprintf(r.days + strlen(r.days), sizeof r.days - strlen(r.days), "%s=%lld;", s.days[i].day,
			 s.days[i].n);
	coverage_signups_free(&s);
	return r;
}

static void outbox_sent(struct tu_env *e)
{
	assert_int_equal(db_exec(e->db, "UPDATE outbox SET state = 'done'", NULL), CR_OK);
}

static void test_the_audit_refuses_changes_and_keeps_children_as_hashes(void **state)
{
	struct tu_env *e = *state;
	char h[AUDIT_HASH_HEX];
	struct cr_err err;

	import_users(e, ANA BEN);
	issue(e, "10001");
	assert_int_equal(audit_subject(e->db, child(e, "10001"), h, &err), CR_OK);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE subject = ?1", h), 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action = 'import'", NULL), 1);
	/* Nothing about the child in the clear: not its student ID, not its sourcedId. */
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE instr(coalesce(detail, '') || "
				  "coalesce(object_id, '') || coalesce(subject, ''), ?1) > 0", "10001"), 0);
	assert_int_not_equal(db_exec(e->db, "UPDATE audit SET detail = 'x'", &err), CR_OK);
	assert_non_null(strstr(err.msg, "append-only"));
	assert_int_not_equal(db_exec(e->db, "DELETE FROM audit", &err), CR_OK);
	assert_int_not_equal(db_exec(e->db, "UPDATE audit_key SET key = randomblob(32)", &err), CR_OK);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit", NULL), 2);
	/* Another database has another key: the same child, another hash. */
	{
		struct tu_env e2 = { 0 };
		void *st2 = &e2;
		char h2[AUDIT_HASH_HEX];

		assert_int_equal(tu_env_setup(&st2), 0);
		import_users(st2, ANA);
		assert_int_equal(audit_subject(((struct tu_env *)st2)->db, child(st2, "10001"), h2, &err), CR_OK);
		assert_string_not_equal(h, h2);
		tu_env_teardown(&st2);
	}
}

struct seen {
	int matched, purged;
};

static int count_rows(const struct audit_row *r, void *ctx)
{
	struct seen *s = ctx;

	if (r->subject[0] && r->student)
		s->matched++;
	else if (r->subject[0])
		s->purged++;
	return 0;
}

static void test_purge_forgets_the_withdrawn_and_keeps_the_report(void **state)
{
	struct tu_env *e = *state;
	struct purge_settings ps = { .withdrawn_days = 30, .desk = "Front" };
	struct report_snapshot before, after;
	struct purge_counts c;
	struct seen seen = { 0 };
	struct cr_err err;
	long long audit_rows, ben = 0;

	school_year(e);
	ben = tu_q_int(e->db, "SELECT id FROM student WHERE student_number = '10002'", NULL);
	outbox_sent(e);
	before = snapshot(e);
	assert_int_equal(before.signups, 3);   /* Ben's card is still active */
	audit_rows = tu_q_int(e->db, "SELECT count(*) FROM audit", NULL);

	/* Withdrawn today: not yet. */
	ps.now = time(NULL);
	assert_int_equal(purge_run(e->db, &ps, 0, &c, &err), CR_OK);
	assert_int_equal(c.withdrawn, 0);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM student", NULL), 5);

	/* 31 days on, a dry run says what would go and changes nothing. */
	ps.now = time(NULL) + 31 * 86400;
	assert_int_equal(purge_run(e->db, &ps, 1, &c, &err), CR_OK);
	assert_int_equal(c.withdrawn, 2);
	assert_int_equal(c.cards, 1);
	assert_int_equal(c.cards_active, 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM student", NULL), 5);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM purged_signups", NULL), 0);

	assert_int_equal(purge_run(e->db, &ps, 0, &c, &err), CR_OK);
	assert_int_equal(c.withdrawn, 2);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM student WHERE student_number IN ('10002', '10004')",
				  NULL), 0);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card", NULL), 2);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM event WHERE student_id NOT IN (SELECT id FROM student)",
				  NULL), 0);
	{
		char id[32];

		snprintf(id, sizeof id, "%lld", ben);
		assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM event WHERE student_id = ?1", id), 0);
		assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM consent WHERE student_id = ?1", id), 0);
	}
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM student_fts WHERE student_fts MATCH 'okafor'", NULL), 0);

	/* The report adds up as before. */
	after = snapshot(e);
	assert_int_equal(after.enrolled, before.enrolled);
	assert_int_equal(after.carded, before.carded);
	assert_int_equal(after.signups, before.signups);
	assert_string_equal(after.days, before.days);

	/* The audit is whole (one purge row and one dry run more), and Ben's
	 * issue row is now only a hash. */
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit", NULL), audit_rows + 3);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action = 'purge' AND detail LIKE ?1",
				  "dry run:%"), 1);
	assert_int_equal(audit_read(e->db, 0, count_rows, &seen, &err), CR_OK);
	assert_int_equal(seen.matched, 2);
	assert_int_equal(seen.purged, 1);
}

static void test_a_child_still_owed_to_the_ils_is_held(void **state)
{
	struct tu_env *e = *state;
	struct purge_settings ps = { .withdrawn_days = 0, .now = time(NULL) + 60 };
	struct purge_counts c;
	struct cr_err err;

	school_year(e);   /* Ben's signup event is still pending */
	assert_int_equal(purge_run(e->db, &ps, 0, &c, &err), CR_OK);
	assert_int_equal(c.held, 1);
	assert_int_equal(c.withdrawn, 1);   /* Dara never had a card */
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM student WHERE student_number = '10002'", NULL), 1);
}

static void test_after_the_school_year_the_never_carded_who_left_go(void **state)
{
	struct tu_env *e = *state;
	char ye[16];
	time_t past = time(NULL) - 3 * 86400;
	struct tm tm;
	struct purge_settings ps = { .withdrawn_days = 3650, .school_year_end = ye };
	struct purge_counts c;
	struct cr_err err;
	struct report_snapshot before, after;

	school_year(e);
	outbox_sent(e);
	before = snapshot(e);
	/* The year is not over: nobody goes (withdrawn_days is ten years). */
	localtime_r(&past, &tm);
	strftime(ye, sizeof ye, "%Y-%m-%d", &tm);
	ps.now = past - 86400;
	assert_int_equal(purge_run(e->db, &ps, 0, &c, &err), CR_OK);
	assert_int_equal(c.year_over, 0);
	assert_int_equal(c.never_carded, 0);
	/* The imports were after that day: they belong to the next year. */
	ps.now = time(NULL);
	assert_int_equal(purge_run(e->db, &ps, 0, &c, &err), CR_OK);
	assert_int_equal(c.year_over, 1);
	assert_int_equal(c.never_carded, 0);
	/* A year end after the imports: Dara (withdrawn, never carded) and Eli
	 * (inactive, never carded) go; Ben (withdrawn with a card) waits for
	 * withdrawn_days; Ana and Cai are enrolled. */
	past = time(NULL) + 86400;
	localtime_r(&past, &tm);
	strftime(ye, sizeof ye, "%Y-%m-%d", &tm);
	ps.now = time(NULL) + 3 * 86400;
	assert_int_equal(purge_run(e->db, &ps, 0, &c, &err), CR_OK);
	assert_int_equal(c.never_carded, 2);
	assert_int_equal(c.withdrawn, 0);
	assert_string_equal(tu_q_str(e->db, "SELECT group_concat(student_number, ',') FROM "
				     "(SELECT student_number FROM student ORDER BY 1)", NULL), "10001,10002,10003");
	after = snapshot(e);
	assert_int_equal(after.enrolled, before.enrolled);
	assert_int_equal(after.signups, before.signups);
}

static void test_files_holding_a_purged_child_are_removed(void **state)
{
	struct tu_env *e = *state;
	char held[300], other[300], number[64];
	const char *files[2];
	struct purge_settings ps = { .withdrawn_days = 0, .now = time(NULL) + 60, .files = files, .nfiles = 2 };
	struct purge_counts c;
	struct cr_err err;

	school_year(e);
	outbox_sent(e);
	snprintf(number, sizeof number, "%s", tu_q_str(e->db, "SELECT number FROM card c JOIN student s ON "
						       "s.id = c.student_id WHERE s.student_number = '10002'", NULL));
	snprintf(held, sizeof held, "%s", tu_at(e, "slips-preview.txt"));
	snprintf(other, sizeof other, "%s", tu_at(e, "cardroll-koha-csv-1.csv"));
	{
		char text[256];

		snprintf(text, sizeof text, "Okafor, Ben\ncard %s\n", number);
		tu_write(held, text);
	}
	/* A longer number that merely contains it is another child's. */
	{
		char text[256];

		snprintf(text, sizeof text, "cardnumber\n9%s9\n", number);
		tu_write(other, text);
	}
	files[0] = held;
	files[1] = other;
	assert_int_equal(purge_run(e->db, &ps, 1, &c, &err), CR_OK);
	assert_int_equal(c.files, 1);
	assert_int_equal(access(held, F_OK), 0);
	assert_int_equal(purge_run(e->db, &ps, 0, &c, &err), CR_OK);
	assert_int_equal(c.files, 1);
	assert_int_not_equal(access(held, F_OK), 0);
	assert_int_equal(access(other, F_OK), 0);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM purge_file", NULL), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, tu_env_setup, tu_env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_the_audit_refuses_changes_and_keeps_children_as_hashes),
		T(test_purge_forgets_the_withdrawn_and_keeps_the_report),
		T(test_a_child_still_owed_to_the_ils_is_held),
		T(test_after_the_school_year_the_never_carded_who_left_go),
		T(test_files_holding_a_purged_child_are_removed),
	};

	return cmocka_run_group_tests_name("purge", tests, NULL, NULL);
}
