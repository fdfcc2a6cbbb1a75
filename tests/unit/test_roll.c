/* Class by class: a school's classes with their coverage, and a class roll
 * with each child's state, as the media specialist sees them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "roster/roster.h"
#include "desk/roll.h"
#include "desk/signup.h"
#include "desk/slips.h"
#include "testutil.h"

#define USERS_HDR "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username," \
	"userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n"
#define USER(sid, school, given, family, ident, grade) \
	sid ",,,true," school ",student,,," given "," family ",," ident ",,,,," grade ",\n"

static void bay(struct tu_env *e)
{
	struct roster_summary sum;
	struct cr_err err;

	tu_put(e, "b/manifest.csv", "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
	       "file.orgs,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\n");
	tu_put(e, "b/orgs.csv", "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
	       "d,,,Bay Schools,district,,\nn,,,North,school,,d\ns,,,South,school,,d\n");
	tu_put(e, "b/classes.csv", "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
	       "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
	       "c3,,,Room 3,03,,3,homeroom,,n,,,,HR\nc4,,,Room 4,04,,4,homeroom,,n,,,,HR\n"
	       "art,,,Art (shared),04,,A,scheduled,,s,,,,P2\n");
	tu_put(e, "b/users.csv", USERS_HDR
	       "t,,,true,n,teacher,,,Tess,Ray,,,,,,,,\n"
	       USER("u1", "n", "Ana", "Silva", "1", "03") USER("u2", "n", "Ben", "Okafor", "2", "03")
	       USER("u3", "n", "Cai", "Wong", "3", "03") USER("u4", "n", "Dev", "Patel", "4", "04")
	       USER("u5", "s", "Eve", "Moss", "5", "04"));
	tu_put(e, "b/enrollments.csv", "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
	       "userSourcedId,role,primary,beginDate,endDate\n"
	       "e0,,,c3,n,t,teacher,true,,\n"
	       "e1,,,c3,n,u1,student,false,,\ne2,,,c3,n,u2,student,false,,\ne3,,,c3,n,u3,student,false,,\n"
	       "e4,,,c4,n,u4,student,false,,\ne5,,,art,s,u4,student,false,,\ne6,,,art,s,u5,student,false,,\n");
	assert_int_equal(tu_import(e->db, tu_at(e, "b"), 0, &sum, &err), CR_OK);
}

struct seen {
	char text[1024];
};

static int add_class(const struct roll_class *c, void *ctx)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof s->text - n, "%s|%s|%ld/%ld;", c->title, c->teacher, c->carded, c->enrolled);
	return 0;
}

static int add_child(const struct roll_child *c, void *ctx)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof s->text - n, "%s:%s;", c->given_name, roll_state_name(c->state));
	return 0;
}

static long long id_of(struct tu_env *e, const char *sql, const char *arg)
{
	return tu_q_int(e->db, sql, arg);
}

static void test_a_school_lists_its_classes_with_coverage(void **state)
{
	struct tu_env *e = *state;
	struct seen s = { "" };
	struct cr_config cfg;
	struct signup_request rq = { .desk = "Library" };
	struct signup_result r;
	struct cr_err err;

	bay(e);
	config_defaults(&cfg);
	rq.student = id_of(e, "SELECT id FROM student WHERE sourced_id = ?1", "u1");
	assert_int_equal(signup_issue(e->db, &cfg.programme, &rq, &r, &err), CR_OK);
	assert_int_equal(roll_classes(e->db, id_of(e, "SELECT id FROM school WHERE sourced_id = ?1", "n"),
				      add_class, &s, &err), CR_OK);
	assert_string_equal(s.text, "Room 3|Tess Ray|1/3;Room 4||0/1;");
}

static void test_a_class_roll_shows_each_childs_state(void **state)
{
	struct tu_env *e = *state;
	struct seen s = { "" };
	struct cr_config cfg;
	struct roll_summary sum;
	struct signup_request rq = { .desk = "Library" };
	struct signup_result r;
	struct cr_err err;
	long long c3 = 0;

	bay(e);
	config_defaults(&cfg);
	c3 = id_of(e, "SELECT id FROM class WHERE sourced_id = ?1", "c3");
	rq.student = id_of(e, "SELECT id FROM student WHERE sourced_id = ?1", "u1");
	assert_int_equal(signup_issue(e->db, &cfg.programme, &rq, &r, &err), CR_OK);
	assert_int_equal(signup_consent(e->db, id_of(e, "SELECT id FROM student WHERE sourced_id = ?1", "u3"),
					"opted_out", 0, "Library", &err), CR_OK);
	assert_int_equal(roll_children(e->db, &cfg.programme, c3, add_child, &s, &err), CR_OK);
	assert_string_equal(s.text, "Ben:needs a card;Ana:has a card;Cai:opted out;");
	assert_int_equal(roll_summarise(e->db, &cfg.programme, c3, &sum, &err), CR_OK);
	assert_int_equal(sum.children, 3);
	assert_int_equal(sum.carded, 1);
	assert_int_equal(sum.eligible, 1);
	assert_int_equal(sum.opted_out, 1);

	/* Opt-in: Ben now waits for his guardian. */
	cfg.programme.consent = CONSENT_OPT_IN;
	assert_int_equal(roll_summarise(e->db, &cfg.programme, c3, &sum, &err), CR_OK);
	assert_int_equal(sum.need_consent, 1);
	assert_int_equal(sum.eligible, 0);
}

/* Dev goes to North but takes Art at South: Art's roll has him. */
static void test_a_shared_class_lists_children_of_other_schools(void **state)
{
	struct tu_env *e = *state;
	struct seen s = { "" };
	struct cr_config cfg;
	struct cr_err err;

	bay(e);
	config_defaults(&cfg);
	assert_int_equal(roll_children(e->db, &cfg.programme, id_of(e, "SELECT id FROM class WHERE sourced_id = ?1", "art"),
				       add_child, &s, &err), CR_OK);
	assert_string_equal(s.text, "Eve:needs a card;Dev:needs a card;");
}

/* After the class visit, the class's slips are one print job in family
 * name order, and each slip previews as text. */
static void test_a_classs_slips_are_one_job_and_preview_as_text(void **state)
{
	struct tu_env *e = *state;
	struct cr_config cfg;
	struct signup_request rq = { .desk = "Library" };
	struct signup_result r;
	struct cr_err err = { 0 };
	long long c3, c4, job;
	char text[1024];
	int n;

	bay(e);
	config_defaults(&cfg);
	c3 = id_of(e, "SELECT id FROM class WHERE sourced_id = ?1", "c3");
	c4 = id_of(e, "SELECT id FROM class WHERE sourced_id = ?1", "c4");
	assert_int_equal(slips_queue_class(e->db, c3, 0, "preview", &job, &n, &err), CR_OK);
	assert_int_equal(job, 0);
	assert_int_equal(n, 0);
	rq.student = id_of(e, "SELECT id FROM student WHERE sourced_id = ?1", "u1");
	assert_int_equal(signup_issue(e->db, &cfg.programme, &rq, &r, &err), CR_OK);
	rq.student = id_of(e, "SELECT id FROM student WHERE sourced_id = ?1", "u2");
	assert_int_equal(signup_issue(e->db, &cfg.programme, &rq, &r, &err), CR_OK);
	assert_int_equal(slips_queue_class(e->db, c3, 0, "preview", &job, &n, &err), CR_OK);
	assert_true(job > 0);
	assert_int_equal(n, 2);
	assert_string_equal(tu_q_str(e->db, "SELECT group_concat(k.number, ',') FROM (SELECT card_id FROM print_item "
				     "WHERE job_id = (SELECT max(id) FROM print_job) ORDER BY seq) i JOIN card k ON k.id = i.card_id",
				     NULL), "2,1");
	assert_string_equal(tu_q_str(e->db, "SELECT state FROM print_job ORDER BY id DESC LIMIT 1", NULL), "queued");
	assert_int_equal(slips_text(e->db, "1", text, sizeof text, &err), CR_OK);
	assert_non_null(strstr(text, "Ana Silva"));
	assert_non_null(strstr(text, "Room 3"));
	assert_non_null(strstr(text, "North"));
	assert_non_null(strstr(text, "Card number  1\n"));
	assert_int_equal(slips_text(e->db, "999", text, sizeof text, &err), CR_ENOINPUT);
	assert_int_equal(slips_queue_card(e->db, "999", 0, "preview", &job, &err), CR_ENOINPUT);
	assert_int_equal(slips_queue_class(e->db, c4, 0, "preview", &job, &n, &err), CR_OK);
	assert_int_equal(n, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, tu_env_setup, tu_env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_a_school_lists_its_classes_with_coverage),
		T(test_a_class_roll_shows_each_childs_state),
		T(test_a_shared_class_lists_children_of_other_schools),
		T(test_a_classs_slips_are_one_job_and_preview_as_text),
	};

	return cmocka_run_group_tests_name("roll", tests, NULL, NULL);
}
