/* Signups at the desk: the programme's rules, the card number schemes, and
 * two desks on one database. */
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
#include "store/audit.h"
#include "testutil.h"

#define MANIFEST "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n" \
	"file.orgs,bulk\nfile.users,bulk\nfile.demographics,bulk\n"
#define ORGS "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n" \
	"d1,,,Harbor Schools,district,,\ns1,,,Harbor Elementary,school,,d1\n"
#define USERS_HDR "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username," \
	"userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n"
#define USER(sid, enabled, given, family, ident, grade) \
	sid ",,," enabled ",s1,student,,," given "," family ",," ident ",,,,," grade ",\n"

/* Ana and Ben are ordinary; Cai's account is disabled; Dara is in grade 9;
 * Eli and Eli (twins? or one child twice?) share name and birth date. */
static void harbor(struct tu_env *e, const char *extra_users)
{
	char users[4096];
	struct roster_summary sum;
	struct cr_err err;

	tu_put(e, "h/manifest.csv", MANIFEST);
	tu_put(e, "h/orgs.csv", ORGS);
	snprintf(users, sizeof users, "%s%s%s%s%s%s%s%s", USERS_HDR,
		 USER("u1", "true", "Ana", "Silva", "1001", "03"),
		 USER("u2", "true", "Ben", "Okafor", "1002", "03"),
		 USER("u3", "false", "Cai", "Wong", "1003", "04"),
		 USER("u4", "true", "Dara", "Quinn", "1004", "09"),
		 USER("u5", "true", "Eli", "Stone", "1005", "02"),
		 USER("u6", "true", "Eli", "Stone", "2005", "02"),
		 extra_users ? extra_users : "");
	tu_put(e, "h/users.csv", users);
	tu_put(e, "h/demographics.csv", "sourcedId,status,dateLastModified,birthDate\n"
	       "u1,,,2017-04-01\nu5,,,2018-02-02\nu6,,,2018-02-02\n");
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

static struct signup_result issue(struct tu_env *e, const struct programme *pg, const char *number,
				  const char *desk)
{
	struct signup_request rq = { .student = child(e, number), .desk = desk };
	struct signup_result res;
	struct cr_err err = { 0 };

	assert_int_equal(signup_issue(e->db, pg, &rq, &res, &err), CR_OK);
	return res;
}

static struct programme defaults(void)
{
	struct cr_config cfg;

	config_defaults(&cfg);
	return cfg.programme;
}

/* A card lasts to the end of the school year, or with expiry = graduation
 * to the end of the year the child finishes grade 12. */
static void test_cards_expire_at_the_end_of_the_year_or_at_graduation(void **state)
{
	struct programme pg = defaults();
	struct tm tm = { .tm_year = 2026 - 1900, .tm_mon = 10, .tm_mday = 28, .tm_hour = 12, .tm_isdst = -1 };
	struct tm june = { .tm_year = 2027 - 1900, .tm_mon = 5, .tm_mday = 15, .tm_hour = 12, .tm_isdst = -1 };
	time_t now = mktime(&tm), before_end = mktime(&june);
	char out[16];

	signup_expiry(&pg, "03", now, out);
	assert_string_equal(out, "2027-06-30");
	signup_expiry(&pg, "03", before_end, out);
	assert_string_equal(out, "2027-06-30");
	pg.expiry_graduation = 1;
	signup_expiry(&pg, "03", now, out);
	assert_string_equal(out, "2036-06-30");
	signup_expiry(&pg, "12", now, out);
	assert_string_equal(out, "2027-06-30");
	signup_expiry(&pg, "KG", now, out);
	assert_string_equal(out, "2039-06-30");
	signup_expiry(&pg, "PK", now, out);
	assert_string_equal(out, "2040-06-30");
	/* Ungraded: the school year, not a guess. */
	signup_expiry(&pg, "UG", now, out);
	assert_string_equal(out, "2027-06-30");
}

/* The card carries the patron category of the child's grade band. */
static void test_the_card_gets_the_grade_bands_category(void **state)
{
	struct tu_env *e = *state;
	struct programme pg = defaults();
	struct signup_result r;

	harbor(e, NULL);
	snprintf(pg.category[0].code, sizeof pg.category[0].code, "JUV");
	pg.category[0].grades = (1u << grade_index("KG")) | (1u << grade_index("03"));
	pg.ncategories = 1;
	r = issue(e, &pg, "1001", "Front");   /* Ana, grade 3 */
	assert_int_equal(r.outcome, SIGNUP_ISSUED);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card WHERE number = ?1 AND category = 'JUV'", r.card), 1);
	r = issue(e, &pg, "1004", "Front");   /* Dara, grade 9: no band */
	assert_int_equal(r.outcome, SIGNUP_ISSUED);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card WHERE number = ?1 AND category IS NULL", r.card), 1);
}

static void test_a_signup_writes_card_event_outbox_and_audit_together(void **state)
{
	struct tu_env *e = *state;
	char h[AUDIT_HASH_HEX];
	struct programme pg = defaults();
	struct signup_result r;

	harbor(e, NULL);
	snprintf(pg.prefix, sizeof pg.prefix, "HB");
	r = issue(e, &pg, "1001", "Front");
	assert_int_equal(r.outcome, SIGNUP_ISSUED);
	assert_string_equal(r.card, "HB1001");
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card WHERE number = ?1 AND desk = 'Front' "
				  "AND status = 'active' AND expires LIKE '____-06-30'", "HB1001"), 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM event e JOIN outbox o ON o.event_id = e.id "
				  "WHERE e.kind = 'signup' AND length(e.uuid) = 36 AND o.state = 'pending' "
				  "AND e.card_id = (SELECT id FROM card WHERE number = ?1)", "HB1001"), 1);
	/* The audit names the child only by keyed hash: no card or row id. */
	assert_int_equal(audit_subject(e->db, tu_q_int(e->db, "SELECT student_id FROM card WHERE number = ?1", "HB1001"),
				       h, NULL), CR_OK);
	assert_int_equal(strlen(h), 64);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action = 'issue' AND object_id IS NULL "
				  "AND subject = ?1", h), 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE instr(coalesce(detail, '') || "
				  "coalesce(subject, ''), ?1) > 0", "HB1001"), 0);
}

static void test_a_second_signup_says_who_issued_the_card(void **state)
{
	struct tu_env *e = *state;
	struct programme pg = defaults();
	struct signup_result r;

	harbor(e, NULL);
	issue(e, &pg, "1001", "Front");
	r = issue(e, &pg, "1001", "Bookmobile");
	assert_int_equal(r.outcome, SIGNUP_ALREADY);
	assert_non_null(strstr(r.reason, "issued by Front just now"));
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card", NULL), 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM outbox", NULL), 1);
}

/* Two desks on one database (two connections): the second is told who
 * issued the card, and there is one card. */
static void test_two_desks_issuing_to_one_child_make_one_card(void **state)
{
	struct tu_env *e = *state;
	struct programme pg = defaults();
	struct cr_db *other;
	struct cr_err err = { 0 };
	struct signup_request rq = { .desk = "Back" };
	struct signup_result b;

	harbor(e, NULL);
	assert_int_equal(db_open(e->db_path, 0, &other, &err), CR_OK);
	rq.student = child(e, "1002");
	assert_int_equal(issue(e, &pg, "1002", "Front").outcome, SIGNUP_ISSUED);
	assert_int_equal(signup_issue(other, &pg, &rq, &b, &err), CR_OK);
	assert_int_equal(b.outcome, SIGNUP_ALREADY);
	assert_non_null(strstr(b.reason, "issued by Front just now"));
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card WHERE student_id = "
				  "(SELECT id FROM student WHERE student_number = ?1)", "1002"), 1);
	db_close(other);
}

static void test_the_rules_refuse_with_a_reason_a_person_understands(void **state)
{
	struct tu_env *e = *state;
	struct programme pg = defaults();
	struct signup_result r;
	struct cr_err err;

	harbor(e, NULL);
	r = issue(e, &pg, "1003", "Front");
	assert_int_equal(r.outcome, SIGNUP_REFUSED);
	assert_non_null(strstr(r.reason, "not active"));

	pg.grades = 0;
	for (int g = grade_index("KG"); g <= grade_index("05"); g++)
		pg.grades |= 1u << g;
	r = issue(e, &pg, "1004", "Front");
	assert_int_equal(r.outcome, SIGNUP_REFUSED);
	assert_non_null(strstr(r.reason, "grade 09"));

	/* A family who opted out. */
	assert_int_equal(sqlite3_exec(db_handle(e->db), "INSERT INTO consent (student_id, state, recorded_at) "
				      "SELECT id, 'opted_out', 0 FROM student WHERE student_number = '1002'",
				      NULL, NULL, NULL), SQLITE_OK);
	r = issue(e, &pg, "1002", "Front");
	assert_int_equal(r.outcome, SIGNUP_REFUSED);
	assert_non_null(strstr(r.reason, "opted out"));

	/* Opt-in: nobody without a guardian's yes. */
	pg = defaults();
	pg.consent = CONSENT_OPT_IN;
	r = issue(e, &pg, "1001", "Front");
	assert_int_equal(r.outcome, SIGNUP_REFUSED);
	assert_non_null(strstr(r.reason, "consent"));

	/* Withdrawn by the next roster. */
	pg = defaults();
	tu_put(e, "h/users.csv", USERS_HDR USER("u2", "true", "Ben", "Okafor", "1002", "03"));
	{
		struct roster_summary sum;

		assert_int_equal(tu_import(e->db, tu_at(e, "h"), 0, &sum, &err), CR_OK);
	}
	r = issue(e, &pg, "1001", "Front");
	assert_int_equal(r.outcome, SIGNUP_REFUSED);
	assert_non_null(strstr(r.reason, "left the district"));
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card", NULL), 0);
}

static void test_a_likely_duplicate_waits_for_a_person_to_decide(void **state)
{
	struct tu_env *e = *state;
	struct programme pg = defaults();
	struct signup_request rq = { .desk = "Front" };
	struct signup_result r;
	char h[AUDIT_HASH_HEX];
	struct cr_err err;

	harbor(e, NULL);
	assert_int_equal(issue(e, &pg, "1005", "Front").outcome, SIGNUP_ISSUED);
	r = issue(e, &pg, "2005", "Front");
	assert_int_equal(r.outcome, SIGNUP_REFUSED);
	assert_non_null(strstr(r.reason, "same child"));
	assert_non_null(strstr(r.reason, "1005"));
	rq.student = child(e, "2005");
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action = 'confirm-not-duplicate'", NULL), 0);
	rq.confirm_not_duplicate = 1;
	assert_int_equal(signup_issue(e->db, &pg, &rq, &r, &err), CR_OK);
	assert_int_equal(r.outcome, SIGNUP_ISSUED);
	/* The decision is on record, against the card it let through. */
	assert_int_equal(audit_subject(e->db, rq.student, h, NULL), CR_OK);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action = 'confirm-not-duplicate' "
				  "AND subject = ?1", h), 1);
}

/* Opt-in: the guardian's yes is recorded at the desk, then the card; an
 * opt-out recorded later refuses the next one, and both reach the outbox. */
static void test_consent_recorded_at_the_desk_decides_the_card(void **state)
{
	struct tu_env *e = *state;
	struct programme pg = defaults();
	struct cr_err err = { 0 };

	harbor(e, NULL);
	pg.consent = CONSENT_OPT_IN;
	assert_int_equal(issue(e, &pg, "1001", "Front").outcome, SIGNUP_REFUSED);
	assert_int_equal(signup_consent(e->db, child(e, "1001"), "given", 0, "Front", &err), CR_OK);
	assert_int_equal(issue(e, &pg, "1001", "Front").outcome, SIGNUP_ISSUED);
	assert_int_equal(signup_consent(e->db, child(e, "1002"), "opted_out", 0, "Front", &err), CR_OK);
	assert_int_equal(issue(e, &pg, "1002", "Front").outcome, SIGNUP_REFUSED);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM event e JOIN outbox o ON o.event_id = e.id "
				  "WHERE e.kind IN ('consent', 'optout')", NULL), 2);
	assert_int_equal(signup_consent(e->db, child(e, "1002"), "maybe", 0, "Front", &err), CR_EUSAGE);
	assert_int_equal(signup_consent(e->db, 999999, "given", 0, "Front", &err), CR_ENOINPUT);
}

/* A card issued by mistake is voided with a reason (nothing deleted, the
 * void goes to the outbox after the signup), and can be issued again. */
static void test_a_mistaken_card_is_voided_and_can_be_issued_again(void **state)
{
	struct tu_env *e = *state;
	struct programme pg = defaults();
	struct cr_err err = { 0 };

	harbor(e, NULL);
	assert_int_equal(issue(e, &pg, "1001", "Front").outcome, SIGNUP_ISSUED);
	assert_int_equal(signup_void(e->db, "1001", "", 0, "Front", &err), CR_EUSAGE);
	assert_int_equal(signup_void(e->db, "1001", "wrong child at the desk", 0, "Front", &err), CR_OK);
	assert_int_equal(signup_void(e->db, "1001", "again", 0, "Front", &err), CR_ENOINPUT);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card WHERE number = '1001' AND status = 'void' "
				  "AND void_reason = ?1", "wrong child at the desk"), 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM event e JOIN outbox o ON o.event_id = e.id "
				  "WHERE e.kind = 'void' AND o.id > (SELECT o2.id FROM outbox o2 JOIN event e2 "
				  "ON e2.id = o2.event_id WHERE e2.kind = 'signup')", NULL), 1);
	assert_int_equal(issue(e, &pg, "1001", "Front").outcome, SIGNUP_ISSUED);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card WHERE number = '1001' AND status = 'active'",
				  NULL), 1);
}

static void test_library_range_numbers_come_from_per_desk_blocks(void **state)
{
	struct tu_env *e = *state;
	struct programme pg = defaults();
	struct signup_result a, b, c;

	harbor(e, NULL);
	pg.scheme = CARD_RANGE;
	snprintf(pg.institution, sizeof pg.institution, "4321");
	pg.block_size = 100;
	a = issue(e, &pg, "1001", "Front");
	b = issue(e, &pg, "1002", "Bookmobile");
	c = issue(e, &pg, "1005", "Front");
	assert_int_equal(a.outcome, SIGNUP_ISSUED);
	assert_int_equal(cardno_library_serial(a.card, "4321"), 1);
	assert_int_equal(cardno_library_serial(b.card, "4321"), 101);
	assert_int_equal(cardno_library_serial(c.card, "4321"), 2);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card_block", NULL), 2);
}

static void test_scanned_card_stock_is_checked_and_used_once(void **state)
{
	struct tu_env *e = *state;
	struct programme pg = defaults();
	struct signup_request rq = { .desk = "Front" };
	struct signup_result r;
	struct cr_err err;
	char good[15], bad[15];

	harbor(e, NULL);
	pg.scheme = CARD_STOCK;
	snprintf(pg.stock.prefix, sizeof pg.stock.prefix, "29876");
	pg.stock.length = 14;
	pg.stock.luhn = 1;
	assert_int_equal(cardno_library("9876", 555, good, &err), CR_OK);
	memcpy(bad, good, sizeof bad);
	bad[10] = (char)(bad[10] == '9' ? '0' : bad[10] + 1);

	rq.student = child(e, "1001");
	rq.stock_number = bad;
	assert_int_equal(signup_issue(e->db, &pg, &rq, &r, &err), CR_OK);
	assert_int_equal(r.outcome, SIGNUP_REFUSED);
	assert_non_null(strstr(r.reason, "check digit"));
	rq.stock_number = good;
	assert_int_equal(signup_issue(e->db, &pg, &rq, &r, &err), CR_OK);
	assert_int_equal(r.outcome, SIGNUP_ISSUED);
	assert_string_equal(r.card, good);
	rq.student = child(e, "1002");
	assert_int_equal(signup_issue(e->db, &pg, &rq, &r, &err), CR_OK);
	assert_int_equal(r.outcome, SIGNUP_REFUSED);
	assert_non_null(strstr(r.reason, "already used"));
	rq.stock_number = NULL;
	assert_int_equal(signup_issue(e->db, &pg, &rq, &r, &err), CR_OK);
	assert_non_null(strstr(r.reason, "scan the new card"));
}

/* A batch issued by mistake is undone in one transaction with one reason:
 * each card still in use is voided (with its void event), one voided by
 * hand since is left alone, and the undo has its own audit row. */
static void test_a_batch_is_undone_with_one_reason(void **state)
{
	struct tu_env *e = *state;
	struct programme pg = defaults();
	struct cr_err err = { 0 };
	long long cards[2];
	int voided = -1;

	harbor(e, NULL);
	cards[0] = issue(e, &pg, "1001", "Front").card_id;
	cards[1] = issue(e, &pg, "1002", "Front").card_id;
	assert_int_equal(signup_void_batch(e->db, cards, 2, "", 0, "Front", 0, &voided, &err), CR_EUSAGE);
	assert_int_equal(signup_void(e->db, "1002", "by hand", 0, "Front", &err), CR_OK);
	assert_int_equal(signup_void_batch(e->db, cards, 2, "wrong class", 0, "Front", 7, &voided, &err), CR_OK);
	assert_int_equal(voided, 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card WHERE status = 'void' AND void_reason = ?1",
				  "wrong class"), 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card WHERE status = 'void' AND void_reason = ?1",
				  "by hand"), 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM event WHERE kind = 'void'", NULL), 2);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action = 'undo_batch' AND object_id = 7 "
				  "AND detail = ?1", "1 of 2 cards of one batch voided"), 1);
	/* The reason is free text typed at the desk: it stays with the cards, not in the audit. */
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE instr(coalesce(detail, ''), ?1) > 0",
				  "wrong class"), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, tu_env_setup, tu_env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_cards_expire_at_the_end_of_the_year_or_at_graduation),
		T(test_the_card_gets_the_grade_bands_category),
		T(test_a_signup_writes_card_event_outbox_and_audit_together),
		T(test_a_second_signup_says_who_issued_the_card),
		T(test_two_desks_issuing_to_one_child_make_one_card),
		T(test_the_rules_refuse_with_a_reason_a_person_understands),
		T(test_a_likely_duplicate_waits_for_a_person_to_decide),
		T(test_consent_recorded_at_the_desk_decides_the_card),
		T(test_a_mistaken_card_is_voided_and_can_be_issued_again),
		T(test_a_batch_is_undone_with_one_reason),
		T(test_library_range_numbers_come_from_per_desk_blocks),
		T(test_scanned_card_stock_is_checked_and_used_once),
	};

	return cmocka_run_group_tests_name("signup", tests, NULL, NULL);
}
