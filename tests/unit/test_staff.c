/* Unit tests for core/staff: a desk's day of accounts. The first person to
 * open cardroll becomes its admin, colleagues are added, people sign in with
 * their name and PIN, and nobody can learn a PIN or a name by trying. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <time.h>

#include "store/db.h"
#include "roster/roster.h"
#include "desk/staff.h"
#include "testutil.h"

#define ADMIN     "Margaret Okafor"
#define ADMIN_PIN "246813"

/* The library's first morning: Margaret opens cardroll and is its admin. */
static long long add_first_admin(struct tu_env *e)
{
	struct cr_err err = { 0 };
	long long id = 0;

	assert_int_equal(staff_count(e->db), 0);
	if (staff_add(e->db, ADMIN, STAFF_ADMIN, ADMIN_PIN, &id, &err) != CR_OK)
		fail_msg("adding the first admin: %s", err.msg);
	assert_true(id > 0);
	return id;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void the_first_admin_is_added_and_signs_in(void **state)
{
	struct tu_env *e = *state;
	struct staff_who who;
	struct cr_err err = { 0 };
	long long id = add_first_admin(e);

	assert_int_equal(staff_count(e->db), 1);
	assert_int_equal(staff_verify(e->db, ADMIN, ADMIN_PIN, &who, &err), CR_OK);
	assert_int_equal(who.id, id);
	assert_string_equal(who.name, ADMIN);
	assert_int_equal(who.role, STAFF_ADMIN);
}

static void the_first_account_must_be_an_admin(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err = { 0 };

	assert_int_equal(staff_add(e->db, "Sam Volunteer", STAFF_VOLUNTEER, "1111", NULL, &err), CR_EDATA);
	assert_non_null(strstr(err.msg, "first account must be an admin"));
	assert_int_equal(staff_count(e->db), 0);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit", NULL), 0);
}

static void typing_the_name_in_another_case_or_with_spaces_still_signs_in(void **state)
{
	struct tu_env *e = *state;
	struct staff_who who;
	struct cr_err err = { 0 };

	add_first_admin(e);
	assert_int_equal(staff_verify(e->db, "  margaret OKAFOR ", ADMIN_PIN, &who, &err), CR_OK);
	assert_string_equal(who.name, ADMIN);
}

static void a_wrong_pin_and_an_unknown_name_get_the_same_message_and_time(void **state)
{
	struct tu_env *e = *state;
	struct staff_who who;
	struct cr_err wrong_pin = { 0 }, wrong_name = { 0 };
	struct timespec t0;
	double t_pin, t_name;

	add_first_admin(e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(staff_verify(e->db, ADMIN, "135792", &who, &wrong_pin), CR_EDATA);
	t_pin = seconds_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(staff_verify(e->db, "Nobody Here", ADMIN_PIN, &who, &wrong_name), CR_EDATA);
	t_name = seconds_since(&t0);

	assert_string_equal(wrong_pin.msg, "name or PIN not recognised");
	assert_string_equal(wrong_name.msg, wrong_pin.msg);
	assert_int_equal(who.id, 0);
	/* Both ran one argon2id verify (~0.1 s); an unknown name is not a
	 * shortcut. Generous bounds: this is a check, not a benchmark. */
	if (t_name < t_pin / 3)
		fail_msg("an unknown name took %.3f s, a wrong PIN %.3f s: names can be probed", t_name, t_pin);
}

static void a_pin_of_letters_or_three_digits_is_refused_with_what_a_pin_must_be(void **state)
{
	struct tu_env *e = *state;
	static const char *const bad[] = { "abcd", "123", "12 34", "1234567890123", "", "１２３４" };
	struct cr_err err = { 0 };

	add_first_admin(e);
	for (size_t i = 0; i < TU_LEN(bad); i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(staff_add(e->db, "Leo Park", STAFF_LIBRARIAN, bad[i], NULL, &err), CR_EDATA);
		assert_non_null(strstr(err.msg, "a desk PIN is 4 to 12 digits"));
		if (*bad[i])
			assert_null(strstr(err.msg, bad[i]));
	}
	assert_int_equal(staff_count(e->db), 1);
}

static void a_name_must_be_printable_and_short(void **state)
{
	struct tu_env *e = *state;
	static const char *const bad[] = {
		"", "   ", "Leo\tPark", "Leo\033[2JPark", "Leo\xc2\x85Park", "Le\xffo",
		"Abcdefghij Abcdefghij Abcdefghij Abcdefghij Abcdefghij Abcdefghij", /* 65 */
	};
	char clean[STAFF_NAME_MAX + 1];
	struct cr_err err = { 0 };

	for (size_t i = 0; i < TU_LEN(bad); i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(staff_name_clean(bad[i], clean, &err), CR_EDATA);
		assert_non_null(strstr(err.msg, "a staff name is 1 to 64 characters"));
	}
	/* Trimmed and stored in NFC: "José" typed with a combining accent is the same José. */
	assert_int_equal(staff_name_clean("  Jose\xcc\x81 Ruiz ", clean, &err), CR_OK);
	assert_string_equal(clean, "Jos\xc3\xa9 Ruiz");
	assert_int_equal(staff_add(e->db, "Leo\tPark", STAFF_ADMIN, "1234", NULL, &err), CR_EDATA);
	assert_int_equal(staff_count(e->db), 0);
}

static void a_duplicate_name_is_refused(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err = { 0 };

	add_first_admin(e);
	assert_int_equal(staff_add_as(e->db, 1, NULL, "margaret okafor", STAFF_LIBRARIAN, "9753", NULL, &err), CR_EDATA);
	assert_string_equal(err.msg, "staff margaret okafor already exists");
	assert_int_equal(staff_count(e->db), 1);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action = 'staff-add'", NULL), 1);
}

static void the_stored_pin_is_an_argon2id_hash_not_the_pin(void **state)
{
	struct tu_env *e = *state;
	const char *hash;

	add_first_admin(e);
	hash = tu_q_str(e->db, "SELECT pin_hash FROM staff WHERE name = ?1", ADMIN);
	assert_non_null(hash);
	assert_memory_equal(hash, "$argon2id$", strlen("$argon2id$"));
	assert_non_null(strstr(hash, "m=12288,t=3,p=1$"));
	assert_null(strstr(hash, ADMIN_PIN));
}

static void a_disabled_account_cannot_sign_in(void **state)
{
	struct tu_env *e = *state;
	struct staff_who who;
	struct cr_err err = { 0 };

	add_first_admin(e);
	assert_int_equal(staff_add_as(e->db, 1, NULL, "Leo Park", STAFF_VOLUNTEER, "8642", NULL, &err), CR_OK);
	assert_int_equal(staff_count(e->db), 2);
	/* Leo's term of volunteering ended. */
	assert_int_equal(db_exec(e->db, "UPDATE staff SET disabled = 1 WHERE name = 'Leo Park'", &err), CR_OK);
	assert_int_equal(staff_count(e->db), 1);
	assert_int_equal(staff_verify(e->db, "Leo Park", "8642", &who, &err), CR_EDATA);
	assert_string_equal(err.msg, "name or PIN not recognised");
}

static void adding_staff_leaves_an_audit_row_without_the_pin(void **state)
{
	struct tu_env *e = *state;
	long long id = add_first_admin(e);
	const char *detail;
	char id_text[32];

	snprintf(id_text, sizeof id_text, "%lld", id);
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE action = 'staff-add' "
					  "AND object_kind = 'staff' AND object_id = CAST(?1 AS INTEGER)",
				  id_text), 1);
	assert_true(tu_q_int(e->db, "SELECT at FROM audit", NULL) > 1600000000);
	detail = tu_q_str(e->db, "SELECT detail FROM audit", NULL);
	assert_non_null(detail);
	assert_non_null(strstr(detail, "admin"));
	assert_null(strstr(detail, ADMIN_PIN));
	assert_null(strstr(detail, "argon2"));
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM audit WHERE instr(coalesce(detail, '') || "
					  "coalesce(desk, '') || action, ?1) > 0", ADMIN_PIN), 0);
}

struct roll_call {
	int  n;
	char line[8][96];
};

static int note_staff(long long id, const char *name, const char *role, int disabled, void *ctx)
{
	struct roll_call *r = ctx;

	assert_true(id > 0);
	if (r->n < 8)
		snprintf(r->line[r->n], sizeof r->line[0], "%s/%s%s", name, role, disabled ? "/disabled" : "");
	r->n++;
	return 0;
}

static void the_staff_list_names_everyone_and_their_role(void **state)
{
	struct tu_env *e = *state;
	struct roll_call r = { 0 };
	struct cr_err err = { 0 };

	add_first_admin(e);
	assert_int_equal(staff_add_as(e->db, 1, NULL, "Leo Park", STAFF_LIBRARIAN, "1357", NULL, &err), CR_OK);
	assert_int_equal(staff_add_as(e->db, 1, NULL, "ana Silva", STAFF_VOLUNTEER, "97531", NULL, &err), CR_OK);
	assert_int_equal(db_exec(e->db, "UPDATE staff SET disabled = 1 WHERE name = 'ana Silva'", &err), CR_OK);
	assert_int_equal(staff_list(e->db, note_staff, &r, &err), CR_OK);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.line[0], "ana Silva/volunteer/disabled");
	assert_string_equal(r.line[1], "Leo Park/librarian");
	assert_string_equal(r.line[2], ADMIN "/admin");
}

static void roles_have_their_names(void **state)
{
	(void)state;
	assert_string_equal(staff_role_name(STAFF_ADMIN), "admin");
	assert_string_equal(staff_role_name(STAFF_LIBRARIAN), "librarian");
	assert_string_equal(staff_role_name(STAFF_VOLUNTEER), "volunteer");
	assert_int_equal(staff_role_parse("volunteer"), STAFF_VOLUNTEER);
	assert_int_equal(staff_role_parse("admin"), STAFF_ADMIN);
	assert_int_equal(staff_role_parse("Admin"), -1);
	assert_int_equal(staff_role_parse("root"), -1);
	assert_int_equal(staff_role_parse(""), -1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, tu_env_setup, tu_env_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roles_have_their_names),
		T(the_first_admin_is_added_and_signs_in),
		T(the_first_account_must_be_an_admin),
		T(typing_the_name_in_another_case_or_with_spaces_still_signs_in),
		T(a_wrong_pin_and_an_unknown_name_get_the_same_message_and_time),
		T(a_pin_of_letters_or_three_digits_is_refused_with_what_a_pin_must_be),
		T(a_name_must_be_printable_and_short),
		T(a_duplicate_name_is_refused),
		T(the_stored_pin_is_an_argon2id_hash_not_the_pin),
		T(a_disabled_account_cannot_sign_in),
		T(adding_staff_leaves_an_audit_row_without_the_pin),
		T(the_staff_list_names_everyone_and_their_role),
	};
#undef T
	return cmocka_run_group_tests_name("staff", tests, NULL, NULL);
}
