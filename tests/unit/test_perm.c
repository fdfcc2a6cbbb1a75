/* Staff and roles: every action tried by every role through the real core
 * functions (issue, void, consent, slips, staff changes, what a child's
 * panel shows) and the permission table for the actions whose commands sit
 * outside core (report, export, import, settings, purge, audit); then
 * signing in with a growing delay kept in the database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "store/db.h"
#include "store/config.h"
#include "roster/roster.h"
#include "desk/assign.h"
#include "desk/lockout.h"
#include "desk/perm.h"
#include "desk/dashboard.h"
#include "desk/signup.h"
#include "desk/slips.h"
#include "desk/staff.h"
#include "testutil.h"

#define USERS_HDR "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username," \
	"userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n"
#define USER(sid, school, given, family, ident, grade) \
	sid ",,,true," school ",student,,," given "," family ",," ident ",,,,," grade ",\n"

/* Two schools: North (Room 3) and South (Art). Ana and Ben at North, Ana in
 * Room 3; Eve at South, in Art. */
struct crew {
	long long admin, librarian, vol_north, vol_art, vol_none;
};

static void bay(struct tu_env *e, struct crew *c)
{
	struct roster_summary sum;
	struct cr_err err = { 0 };

	tu_put(e, "b/manifest.csv", "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
	       "file.orgs,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\nfile.demographics,bulk\n");
	tu_put(e, "b/orgs.csv", "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
	       "d,,,Bay Schools,district,,\nn,,,North,school,,d\ns,,,South,school,,d\n");
	tu_put(e, "b/classes.csv", "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
	       "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
	       "c3,,,Room 3,03,,3,homeroom,,n,,,,HR\nart,,,Art,04,,A,scheduled,,s,,,,P2\n");
	tu_put(e, "b/users.csv", USERS_HDR
	       USER("u1", "n", "Ana", "Silva", "1", "03") USER("u2", "n", "Ben", "Okafor", "2", "03")
	       USER("u5", "s", "Eve", "Moss", "5", "04"));
	tu_put(e, "b/enrollments.csv", "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
	       "userSourcedId,role,primary,beginDate,endDate\n"
	       "e1,,,c3,n,u1,student,false,,\ne6,,,art,s,u5,student,false,,\n");
	tu_put(e, "b/demographics.csv", "sourcedId,status,dateLastModified,birthDate\n"
	       "u1,,,2017-04-01\nu2,,,2017-05-02\nu5,,,2016-02-02\n");
	assert_int_equal(tu_import(e->db, tu_at(e, "b"), 0, &sum, &err), CR_OK);

	assert_int_equal(staff_add(e->db, "Ada Admin", STAFF_ADMIN, "1111", &c->admin, &err), CR_OK);
	assert_int_equal(staff_add_as(e->db, c->admin, "Front", "Lin Librarian", STAFF_LIBRARIAN, "2222",
				      &c->librarian, &err), CR_OK);
	assert_int_equal(staff_add_as(e->db, c->admin, "Front", "Val North", STAFF_VOLUNTEER, "3333",
				      &c->vol_north, &err), CR_OK);
	assert_int_equal(staff_add_as(e->db, c->admin, "Front", "Art Helper", STAFF_VOLUNTEER, "4444",
				      &c->vol_art, &err), CR_OK);
	assert_int_equal(staff_add_as(e->db, c->admin, "Front", "New Helper", STAFF_VOLUNTEER, "5555",
				      &c->vol_none, &err), CR_OK);
	assert_int_equal(assign_set(e->db, c->admin, "Front", "Val North", "North", NULL, 0, &err), CR_OK);
	assert_int_equal(assign_set(e->db, c->admin, "Front", "Art Helper", NULL, "art", 0, &err), CR_OK);
}

static long long child(struct tu_env *e, const char *number)
{
	struct cr_err err = { 0 };
	long long id = 0;
	int n = 0;

	assert_int_equal(signup_find_student(e->db, number, &id, &n, &err), CR_OK);
	assert_int_equal(n, 1);
	return id;
}

static long long class_id(struct tu_env *e, const char *sid)
{
	return tu_q_int(e->db, "SELECT id FROM class WHERE sourced_id = ?1", sid);
}

/* The refusal names the action's role and the role that was refused. */
static void assert_refused(enum cr_status st, const struct cr_err *err, const char *role, const char *words)
{
	if (st != CR_EUSAGE)
		fail_msg("expected a refusal (%s, %s), got status %d: %s", role, words, (int)st, err->msg);
	if (!strstr(err->msg, role) || !strstr(err->msg, words))
		fail_msg("the refusal '%s' should name '%s' and '%s'", err->msg, role, words);
}

static struct signup_result issue_as(struct tu_env *e, const struct cr_config *cfg, long long staff,
				     const char *number, enum cr_status *st, struct cr_err *err)
{
	struct signup_request rq = { .student = child(e, number), .staff = staff, .desk = "Front" };
	struct signup_result res;

	memset(err, 0, sizeof *err);
	*st = signup_issue(e->db, &cfg->programme, &rq, &res, err);
	return res;
}

static void issuing_follows_the_role_and_a_volunteers_schools(void **state)
{
	struct tu_env *e = *state;
	struct cr_config cfg;
	struct cr_err err;
	struct crew c;
	enum cr_status st;
	struct signup_result r;

	config_defaults(&cfg);
	bay(e, &c);
	/* A volunteer with nothing assigned may not issue at all. */
	r = issue_as(e, &cfg, c.vol_none, "1", &st, &err);
	assert_refused(st, &err, "volunteer", "none is assigned");
	assert_int_equal(r.outcome, SIGNUP_REFUSED);
	/* Art Helper has the Art class at South: not Ana (North, Room 3), a
	 * refusal of that child with the reason. */
	r = issue_as(e, &cfg, c.vol_art, "1", &st, &err);
	assert_int_equal(st, CR_OK);
	assert_int_equal(r.outcome, SIGNUP_REFUSED);
	assert_int_equal(r.why, WHY_NOT_ASSIGNED);
	assert_non_null(strstr(r.reason, "not allowed: a volunteer may issue cards only"));
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card", NULL), 0);
	/* ... but Eve, who is in Art. */
	r = issue_as(e, &cfg, c.vol_art, "5", &st, &err);
	assert_int_equal(st, CR_OK);
	assert_int_equal(r.outcome, SIGNUP_ISSUED);
	/* Val has all of North: Ana (in a class there) and Ben (in none). */
	r = issue_as(e, &cfg, c.vol_north, "1", &st, &err);
	assert_int_equal(st, CR_OK);
	assert_int_equal(r.outcome, SIGNUP_ISSUED);
	r = issue_as(e, &cfg, c.vol_north, "2", &st, &err);
	assert_int_equal(st, CR_OK);
	assert_int_equal(r.outcome, SIGNUP_ISSUED);
	/* Librarian and admin issue anywhere (both void first to issue again). */
	assert_int_equal(signup_void(e->db, "5", "test", c.librarian, "Front", &err), CR_OK);
	r = issue_as(e, &cfg, c.librarian, "5", &st, &err);
	assert_int_equal(st, CR_OK);
	assert_int_equal(r.outcome, SIGNUP_ISSUED);
	assert_int_equal(signup_void(e->db, "5", "test", c.admin, "Front", &err), CR_OK);
	r = issue_as(e, &cfg, c.admin, "5", &st, &err);
	assert_int_equal(st, CR_OK);
	assert_int_equal(r.outcome, SIGNUP_ISSUED);
	/* No one signed in, with staff on record: refused, nothing written. */
	issue_as(e, &cfg, 0, "2", &st, &err);
	assert_refused(st, &err, "no one is signed in", "'issue'");
}

static void voiding_and_consent_are_for_librarians_and_admins(void **state)
{
	struct tu_env *e = *state;
	struct cr_config cfg;
	struct cr_err err = { 0 };
	struct crew c;
	enum cr_status st;
	long long vols[3];

	config_defaults(&cfg);
	bay(e, &c);
	vols[0] = c.vol_north, vols[1] = c.vol_art, vols[2] = c.vol_none;
	issue_as(e, &cfg, c.admin, "1", &st, &err);
	assert_int_equal(st, CR_OK);
	for (int i = 0; i < 3; i++) {
		memset(&err, 0, sizeof err);
		assert_refused(signup_void(e->db, "1", "mistake", vols[i], "Front", &err), &err, "volunteer", "'void'");
		memset(&err, 0, sizeof err);
		assert_refused(signup_consent(e->db, child(e, "1"), "given", vols[i], "Front", &err), &err,
			       "volunteer", "'consent'");
		memset(&err, 0, sizeof err);
		assert_refused(signup_void_batch(e->db, (long long[]){ 1 }, 1, "mistake", vols[i], "Front", 0,
						 &(int){ 0 }, &err), &err, "volunteer", "'void'");
	}
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM card WHERE status = 'active'", NULL), 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM consent", NULL), 0);
	assert_int_equal(signup_consent(e->db, child(e, "1"), "given", c.librarian, "Front", &err), CR_OK);
	assert_int_equal(signup_consent(e->db, child(e, "2"), "given", c.admin, "Front", &err), CR_OK);
	assert_int_equal(signup_void(e->db, "1", "mistake", c.librarian, "Front", &err), CR_OK);
}

static void printing_follows_the_volunteers_schools(void **state)
{
	struct tu_env *e = *state;
	struct cr_config cfg;
	struct cr_err err = { 0 };
	struct crew c;
	enum cr_status st;
	long long job = 0;
	int n = 0;

	config_defaults(&cfg);
	bay(e, &c);
	issue_as(e, &cfg, c.admin, "1", &st, &err);
	issue_as(e, &cfg, c.admin, "5", &st, &err);
	/* Room 3 is at North: Val yes, Art Helper no, New Helper no. */
	assert_int_equal(slips_queue_class(e->db, class_id(e, "c3"), c.vol_north, "preview", &job, &n, &err), CR_OK);
	assert_int_equal(n, 1);
	memset(&err, 0, sizeof err);
	assert_refused(slips_queue_class(e->db, class_id(e, "c3"), c.vol_art, "preview", &job, &n, &err), &err,
		       "volunteer", "print slips");
	memset(&err, 0, sizeof err);
	assert_refused(slips_queue_card(e->db, "1", c.vol_art, "preview", &job, &err), &err, "volunteer",
		       "print slips");
	memset(&err, 0, sizeof err);
	assert_refused(slips_queue_card(e->db, "5", c.vol_none, "preview", &job, &err), &err, "volunteer",
		       "none is assigned");
	assert_int_equal(slips_queue_card(e->db, "5", c.vol_art, "preview", &job, &err), CR_OK);
	assert_int_equal(slips_queue_class(e->db, class_id(e, "art"), c.librarian, "preview", &job, &n, &err), CR_OK);
	assert_int_equal(slips_queue_card(e->db, "1", c.admin, "preview", &job, &err), CR_OK);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM print_job", NULL), 4);
}

static void a_volunteer_never_gets_a_birth_date(void **state)
{
	struct tu_env *e = *state;
	struct signup_facts f;
	struct cr_err err = { 0 };
	struct crew c;
	long long who[5];

	bay(e, &c);
	who[0] = c.admin, who[1] = c.librarian, who[2] = c.vol_north, who[3] = c.vol_art, who[4] = c.vol_none;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(perm_facts(e->db, who[i], child(e, "1"), &f, &err), CR_OK);
		if (i < 2)
			assert_string_equal(f.birth_date, "2017-04-01");
		else
			assert_string_equal(f.birth_date, "");
	}
	memset(&err, 0, sizeof err);
	assert_refused(perm_facts(e->db, 0, child(e, "1"), &f, &err), &err, "no one is signed in", "'search'");
}

static int interrupt_now(void *ctx)
{
	(void)ctx;
	return 1;
}

/* A role that cannot be read (the torture run found it by failing an
 * allocation; here SQLite is interrupted) is an error, never "disabled or
 * gone", and the facts come back empty: no birth date on the chance. */
static void a_role_that_cannot_be_read_is_an_error(void **state)
{
	struct tu_env *e = *state;
	struct signup_facts f;
	struct cr_err err = { 0 };
	struct crew c;
	enum cr_status st;
	long long ana;

	bay(e, &c);
	ana = child(e, "1");
	sqlite3_progress_handler(db_handle(e->db), 1, interrupt_now, NULL);
	st = perm_check(e->db, c.librarian, PERM_ISSUE, &err);
	assert_int_not_equal(st, CR_OK);
	assert_int_not_equal(st, CR_EUSAGE);
	assert_null(strstr(err.msg, "disabled"));
	memset(&err, 0, sizeof err);
	memset(&f, 'x', sizeof f);
	assert_int_not_equal(perm_facts(e->db, c.admin, ana, &f, &err), CR_OK);
	assert_null(strstr(err.msg, "disabled"));
	assert_string_equal(f.birth_date, "");
	sqlite3_progress_handler(db_handle(e->db), 0, NULL, NULL);
	memset(&err, 0, sizeof err);
	assert_int_equal(perm_check(e->db, c.librarian, PERM_ISSUE, &err), CR_OK);
	assert_int_equal(perm_facts(e->db, c.admin, ana, &f, &err), CR_OK);
	assert_string_equal(f.birth_date, "2017-04-01");
}

/* The progress table (dash_read) is PERM_REPORT, checked in core: an
 * admin and a librarian read it, a volunteer and no one are refused. */
static void the_progress_table_is_for_those_who_report(void **state)
{
	struct tu_env *e = *state;
	struct dash_scope sc = { .level = DASH_DISTRICTS };
	struct dash_view v;
	struct cr_err err = { 0 };
	struct crew c;
	long long vols[3];

	bay(e, &c);
	assert_int_equal(dash_read(e->db, c.admin, &sc, &v, &err), CR_OK);
	assert_int_equal((int)v.nrows, 1);
	dash_free(&v);
	assert_int_equal(dash_read(e->db, c.librarian, &sc, &v, &err), CR_OK);
	dash_free(&v);
	vols[0] = c.vol_north, vols[1] = c.vol_art, vols[2] = c.vol_none;
	for (int i = 0; i < 3; i++) {
		assert_refused(dash_read(e->db, vols[i], &sc, &v, &err), &err, "volunteer", "report");
		assert_int_equal((int)v.nrows, 0);
	}
	assert_refused(dash_read(e->db, 0, &sc, &v, &err), &err, "no one is signed in", "report");
}

static void only_an_admin_manages_staff(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err = { 0 };
	struct crew c;
	long long not_admins[4];
	const char *roles[4] = { "librarian", "volunteer", "volunteer", "volunteer" };

	bay(e, &c);
	not_admins[0] = c.librarian, not_admins[1] = c.vol_north, not_admins[2] = c.vol_art, not_admins[3] = c.vol_none;
	for (int i = 0; i < 4; i++) {
		memset(&err, 0, sizeof err);
		assert_refused(staff_add_as(e->db, not_admins[i], "Front", "Kim Lee", STAFF_ADMIN, "9999", NULL, &err),
			       &err, roles[i], "'staff'");
		memset(&err, 0, sizeof err);
		assert_refused(staff_disable(e->db, not_admins[i], "Front", "Ada Admin", &err), &err, roles[i], "'staff'");
		memset(&err, 0, sizeof err);
		assert_refused(staff_reset_pin(e->db, not_admins[i], "Front", "Ada Admin", "0000", &err), &err, roles[i],
			       "'staff'");
		memset(&err, 0, sizeof err);
		assert_refused(assign_set(e->db, not_admins[i], "Front", "New Helper", "South", NULL, 0, &err), &err,
			       roles[i], "'staff'");
	}
	/* No one signed in may not add a second account either. */
	memset(&err, 0, sizeof err);
	assert_refused(staff_add(e->db, "Kim Lee", STAFF_LIBRARIAN, "9999", NULL, &err), &err, "no one is signed in",
		       "'staff'");
	/* The admin may: assign, disable (not the last admin), reset a PIN. */
	assert_int_equal(assign_set(e->db, c.admin, "Front", "New Helper", "South", NULL, 0, &err), CR_OK);
	assert_int_equal(assign_set(e->db, c.admin, "Front", "Lin Librarian", "South", NULL, 0, &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "only a volunteer"));
	assert_int_equal(staff_disable(e->db, c.admin, "Front", "Ada Admin", &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "last admin"));
	assert_int_equal(staff_disable(e->db, c.admin, "Front", "Val North", &err), CR_OK);
	assert_int_equal(perm_role_of(e->db, c.vol_north, NULL), -1);
	memset(&err, 0, sizeof err);
	assert_refused(perm_check(e->db, c.vol_north, PERM_ISSUE, &err), &err, "disabled", "issue cards");
	assert_int_equal(staff_reset_pin(e->db, c.admin, "Front", "Val North", "7777", &err), CR_OK);
	assert_int_equal(perm_role_of(e->db, c.vol_north, NULL), STAFF_VOLUNTEER);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action IN ('staff-disable', "
				  "'staff-reset-pin', 'staff-assign') AND detail IS NOT 'Val North'", NULL), 5);
}

/* The issue's table, written out here on its own: admin, librarian, volunteer. */
static const struct {
	enum perm_action a;
	int              may[3];
} expected[] = {
	{ PERM_SEARCH,     { 1, 1, 1 } },
	{ PERM_ISSUE,      { 1, 1, 1 } },   /* volunteer: assigned only */
	{ PERM_PRINT,      { 1, 1, 1 } },   /* volunteer: assigned only */
	{ PERM_VOID,       { 1, 1, 0 } },
	{ PERM_CONSENT,    { 1, 1, 0 } },
	{ PERM_RESOLVE,    { 1, 1, 0 } },
	{ PERM_REPORT,     { 1, 1, 0 } },
	{ PERM_EXPORT,     { 1, 0, 0 } },
	{ PERM_BIRTH_DATE, { 1, 1, 0 } },
	{ PERM_IMPORT,     { 1, 0, 0 } },
	{ PERM_SETTINGS,   { 1, 0, 0 } },
	{ PERM_STAFF,      { 1, 0, 0 } },
	{ PERM_PURGE,      { 1, 0, 0 } },
	{ PERM_AUDIT,      { 1, 0, 0 } },
};

static void every_action_by_every_role_in_the_table(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err;
	struct crew c;
	long long who[3];
	static const char *const role[3] = { "admin", "librarian", "volunteer" };

	bay(e, &c);
	who[0] = c.admin, who[1] = c.librarian, who[2] = c.vol_north;
	assert_int_equal((int)TU_LEN(expected), PERM_COUNT);
	for (size_t i = 0; i < TU_LEN(expected); i++) {
		for (int r = 0; r < 3; r++) {
			enum cr_status st;
			char quoted[40];

			memset(&err, 0, sizeof err);
			st = perm_check(e->db, who[r], expected[i].a, &err);
			assert_int_equal(perm_role_may((enum staff_role)r, expected[i].a), expected[i].may[r]);
			if (expected[i].may[r]) {
				if (st != CR_OK)
					fail_msg("%s should be allowed to %s: %s", role[r],
						 perm_action_name(expected[i].a), err.msg);
				continue;
			}
			snprintf(quoted, sizeof quoted, "'%s'", perm_action_name(expected[i].a));
			assert_refused(st, &err, role[r], quoted);
		}
	}
	/* The volunteer's issue and print are scoped; nothing else is. */
	for (int a = 0; a < PERM_COUNT; a++)
		assert_int_equal(perm_scoped(STAFF_VOLUNTEER, (enum perm_action)a), a == PERM_ISSUE || a == PERM_PRINT);
}

static void before_the_first_account_no_one_needs_to_sign_in(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err = { 0 };

	for (int a = 0; a < PERM_COUNT; a++)
		assert_int_equal(perm_check(e->db, 0, (enum perm_action)a, &err), CR_OK);
}

/* ---- signing in, failing, and the growing delay ------------------------ */

static void failures_lock_the_name_for_longer_each_time(void **state)
{
	struct tu_env *e = *state;
	struct staff_who who;
	struct cr_err err = { 0 };
	struct crew c;
	struct cr_db *other;
	long long t = 1900000000;

	bay(e, &c);
	assert_int_equal(lockout_delay(4), 0);
	assert_int_equal(lockout_delay(5), 30);
	assert_int_equal(lockout_delay(6), 60);
	assert_int_equal(lockout_delay(7), 120);
	assert_int_equal(lockout_delay(40), 3600);
	for (int i = 1; i <= 4; i++) {
		assert_int_equal(staff_signin(e->db, "Lin Librarian", "0000", "Front", t + i, &who, &err), CR_EDATA);
		assert_string_equal(err.msg, "name or PIN not recognised");
	}
	/* The fifth wrong PIN locks the name for 30 s. */
	assert_int_equal(staff_signin(e->db, "Lin Librarian", "0000", "Front", t + 5, &who, &err), CR_ETEMP);
	assert_non_null(strstr(err.msg, "wait 30 s"));
	/* Even the right PIN waits, in this process and in another. */
	assert_int_equal(staff_signin(e->db, "Lin Librarian", "2222", "Front", t + 20, &who, &err), CR_ETEMP);
	assert_non_null(strstr(err.msg, "wait 15 s"));
	assert_int_equal(db_open(e->db_path, DB_NOCREATE, &other, &err), CR_OK);
	assert_int_equal(staff_signin(other, "lin librarian", "2222", "Back", t + 30, &who, &err), CR_ETEMP);
	assert_non_null(strstr(err.msg, "wait 5 s"));
	db_close(other);
	/* After the lock, one more failure locks it twice as long. */
	assert_int_equal(staff_signin(e->db, "Lin Librarian", "0000", "Front", t + 36, &who, &err), CR_ETEMP);
	assert_non_null(strstr(err.msg, "wait 60 s"));
	/* The right PIN after that signs in and forgets the failures. */
	assert_int_equal(staff_signin(e->db, "Lin Librarian", "2222", "Front", t + 97, &who, &err), CR_OK);
	assert_int_equal(who.id, c.librarian);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM signin_failure", NULL), 0);
	/* Recorded by account id, never by name. */
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action = 'sign-in-failed' AND "
				  "object_id = CAST(?1 AS INTEGER)", "2"), 6);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action = 'sign-in-locked'", NULL), 2);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE instr(coalesce(detail, ''), 'Lin') > 0 "
				  "OR instr(coalesce(detail, ''), '2222') > 0", NULL), 0);
}

static void an_unknown_name_is_answered_and_delayed_the_same(void **state)
{
	struct tu_env *e = *state;
	struct staff_who who;
	struct cr_err known = { 0 }, unknown = { 0 };
	struct crew c;
	long long t = 1900000000;

	bay(e, &c);
	for (int i = 1; i <= 6; i++) {
		enum cr_status a = staff_signin(e->db, "Lin Librarian", "0000", NULL, t + 100 * i, &who, &known);
		enum cr_status b = staff_signin(e->db, "Nobody Here", "0000", NULL, t + 100 * i, &who, &unknown);

		assert_int_equal(a, b);
		assert_string_equal(known.msg, unknown.msg);
	}
	/* Locked alike, and the unknown name is kept only as a hash. */
	assert_int_equal(staff_signin(e->db, "Nobody Here", "0000", NULL, t + 601, &who, &unknown), CR_ETEMP);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM signin_failure WHERE length(name_key) = 64", NULL), 2);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM signin_failure WHERE instr(name_key, 'Nobody') > 0",
				  NULL), 0);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action = 'sign-in-failed' "
				  "AND object_id IS NULL", NULL), 6);
	/* An admin's new PIN lifts the lock at once. */
	assert_int_equal(staff_reset_pin(e->db, c.admin, "Front", "Lin Librarian", "8080", &known), CR_OK);
	assert_int_equal(staff_signin(e->db, "Lin Librarian", "8080", NULL, t + 602, &who, &known), CR_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(issuing_follows_the_role_and_a_volunteers_schools, tu_env_setup, tu_env_teardown),
		cmocka_unit_test_setup_teardown(voiding_and_consent_are_for_librarians_and_admins, tu_env_setup, tu_env_teardown),
		cmocka_unit_test_setup_teardown(printing_follows_the_volunteers_schools, tu_env_setup, tu_env_teardown),
		cmocka_unit_test_setup_teardown(a_volunteer_never_gets_a_birth_date, tu_env_setup, tu_env_teardown),
		cmocka_unit_test_setup_teardown(a_role_that_cannot_be_read_is_an_error, tu_env_setup, tu_env_teardown),
		cmocka_unit_test_setup_teardown(the_progress_table_is_for_those_who_report, tu_env_setup, tu_env_teardown),
		cmocka_unit_test_setup_teardown(only_an_admin_manages_staff, tu_env_setup, tu_env_teardown),
		cmocka_unit_test_setup_teardown(every_action_by_every_role_in_the_table, tu_env_setup, tu_env_teardown),
		cmocka_unit_test_setup_teardown(before_the_first_account_no_one_needs_to_sign_in, tu_env_setup, tu_env_teardown),
		cmocka_unit_test_setup_teardown(failures_lock_the_name_for_longer_each_time, tu_env_setup, tu_env_teardown),
		cmocka_unit_test_setup_teardown(an_unknown_name_is_answered_and_delayed_the_same, tu_env_setup, tu_env_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
