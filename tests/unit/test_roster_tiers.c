/* The sourcedId index in two tiers (migration 0011, issue 9): a delta's new
 * children go to a small index of their own (sid_tier 1), are found there by
 * the next delta, and move into student_sid when there are enough of them
 * or at the next bulk. A sourcedId key shared across the tiers is refused as
 * the one index refused it. One district, changed test by test in order. */
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
#include "testutil.h"

static long long n_of(struct cr_db *db, const char *sql)
{
	return tu_q_int(db, sql, NULL);
}

#define TIER1 "SELECT count(*) FROM student WHERE sid_tier = 1"

static int group_setup(void **state)
{
	struct tu_env *e;
	char cmd[2048];

	if (tu_env_setup(state) != 0)
		return -1;
	e = *state;
	snprintf(cmd, sizeof cmd, "python3 tests/tools/genroster --students 2000 --seed 31 --out %s >/dev/null && "
		 "python3 tests/tools/genroster --delta-from %s --seed 32 --change-rate 0.004 --out %s >/dev/null && "
		 "python3 tests/tools/genroster --delta-from %s --seed 33 --change-rate 0.05 --out %s >/dev/null",
		 tu_at(e, "bulk"), tu_at(e, "bulk"), tu_at(e, "small"), tu_at(e, "bulk"), tu_at(e, "big"));
	if (tu_sh("%s", cmd) != 0)
		return -1;
	/* "again": the small delta's first new child once more, renamed Zephyrine. */
	snprintf(cmd, sizeof cmd,
		 "python3 -c 'import csv, sys, os\n"
		 "src, out = sys.argv[1], sys.argv[2]\n"
		 "os.makedirs(out)\n"
		 "new = [r[\"sourcedId\"] for r in csv.DictReader(open(src + \"/_changes.csv\")) if r[\"change\"] == \"added\"]\n"
		 "rows = list(csv.DictReader(open(src + \"/users.csv\", newline=\"\")))\n"
		 "row = next(r for r in rows if r[\"sourcedId\"] == new[0])\n"
		 "row[\"givenName\"] = \"Zephyrine\"\n"
		 "w = csv.DictWriter(open(out + \"/users.csv\", \"w\", newline=\"\"), fieldnames=list(rows[0].keys()))\n"
		 "w.writeheader(); w.writerow(row)\n"
		 "open(out + \"/id\", \"w\").write(new[0])\n"
		 "open(out + \"/manifest.csv\", \"w\").write(\"propertyName,value\\nmanifest.version,1.0\\n"
		 "oneroster.version,1.1\\nfile.users,delta\\n\")' %s %s",
		 tu_at(e, "small"), tu_at(e, "again"));
	return tu_sh("%s", cmd) != 0 ? -1 : 0;
}

/* A first bulk: every child in tier 0, both tiers' indexes partial. */
static void a_bulk_puts_every_child_in_tier_0(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_err err;

	assert_int_equal(tu_import(e->db, tu_at(e, "bulk"), 0, &sum, &err), CR_OK);
	assert_true(sum.added >= 2000);
	assert_int_equal(n_of(e->db, TIER1), 0);
	assert_int_equal(n_of(e->db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
			      "AND name IN ('student_sid', 'student_sid_new') AND sql LIKE '%WHERE sid_tier = _'"), 2);
}

/* A few new children stay in tier 1; the next delta finds one there and
 * changes it, not adds it again. */
static void new_children_of_a_delta_wait_in_their_own_tier(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_err err;
	long long children;
	char sql[256], id[128];
	size_t n = 0;
	char *raw;

	assert_int_equal(tu_import(e->db, tu_at(e, "small"), 0, &sum, &err), CR_OK);
	assert_true(sum.added > 0);
	assert_true(sum.added * 16 < 2000);     /* too few to move yet */
	assert_int_equal(n_of(e->db, TIER1), sum.added);
	children = n_of(e->db, "SELECT count(*) FROM student");

	assert_int_equal(tu_import(e->db, tu_at(e, "again"), 0, &sum, &err), CR_OK);
	assert_int_equal(sum.added, 0);
	assert_int_equal(sum.updated, 1);
	assert_int_equal(n_of(e->db, "SELECT count(*) FROM student"), children);
	raw = tu_slurp(tu_at(e, "again/id"), &n);
	assert_non_null(raw);
	assert_true(n > 0 && n < sizeof id);
	memcpy(id, raw, n);
	id[n] = '\0';
	free(raw);
	snprintf(sql, sizeof sql, "SELECT sid_tier FROM student WHERE given_name = 'Zephyrine' AND sourced_id = '%s'",
		 id);
	assert_int_equal(n_of(e->db, sql), 1);
}

/* A child in tier 0 whose key is the new child's (made by hand: the same
 * key, another sourcedId): the new child is refused with the reason, and
 * nothing else changes. */
static void a_key_shared_with_tier_0_is_refused(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_err err;
	long long children;

	assert_int_equal(sqlite3_exec(db_handle(e->db), "UPDATE student SET sourced_id = 'someone-else', sid_tier = 0 "
				      "WHERE given_name = 'Zephyrine'", NULL, NULL, NULL), SQLITE_OK);
	children = n_of(e->db, "SELECT count(*) FROM student");
	assert_int_equal(tu_import(e->db, tu_at(e, "again"), 0, &sum, &err), CR_OK);
	assert_int_equal(sum.added, 0);
	assert_int_equal(n_of(e->db, "SELECT count(*) FROM student"), children);
	assert_int_equal(n_of(e->db, "SELECT count(*) FROM import_issue WHERE run_id = (SELECT max(id) FROM import_run) "
			      "AND field = 'sourcedId' AND severity = 'error' AND reason LIKE '%internal key%'"), 1);
}

/* A bulk puts the children still waiting in tier 1 back into tier 0, and
 * the rebuilt indexes find every one of them. */
static void a_bulk_moves_the_waiting_children_to_tier_0(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_err err;
	long long waiting = n_of(e->db, TIER1), children = n_of(e->db, "SELECT count(*) FROM student");

	assert_true(waiting > 0);
	assert_int_equal(tu_import(e->db, tu_at(e, "bulk"), 0, &sum, &err), CR_OK);
	assert_int_equal(n_of(e->db, TIER1), 0);
	assert_int_equal(n_of(e->db, "SELECT count(*) FROM student"), children);
	/* The small delta again finds its children (now in tier 0): none added. */
	assert_int_equal(tu_import(e->db, tu_at(e, "small"), 0, &sum, &err), CR_OK);
	assert_int_equal(sum.added, 0);
	assert_int_equal(n_of(e->db, TIER1), 0);
}

/* Enough new children (more than a sixteenth of all) move into student_sid
 * at the end of the delta that brings them. */
static void enough_new_children_move_to_tier_0(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_err err;

	assert_int_equal(n_of(e->db, TIER1), 0);
	assert_int_equal(tu_import(e->db, tu_at(e, "big"), 0, &sum, &err), CR_OK);
	assert_true(sum.added * 16 > n_of(e->db, "SELECT max(id) FROM student"));
	assert_int_equal(n_of(e->db, TIER1), 0);
	/* Every child is found again: a second run of the same delta adds none. */
	assert_int_equal(tu_import(e->db, tu_at(e, "big"), 0, &sum, &err), CR_OK);
	assert_int_equal(sum.added, 0);
	assert_int_equal(tu_import(e->db, tu_at(e, "small"), 0, &sum, &err), CR_OK);
	assert_int_equal(sum.added, 0);
	assert_int_equal(tu_import(e->db, tu_at(e, "bulk"), 0, &sum, &err), CR_OK);
	assert_int_equal(sum.added, 0);
	assert_int_equal(n_of(e->db, TIER1), 0);
	assert_int_equal(n_of(e->db, "SELECT count(*) FROM (SELECT district_id, sid_key FROM student "
			      "WHERE sid_key IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1)"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_bulk_puts_every_child_in_tier_0),
		cmocka_unit_test(new_children_of_a_delta_wait_in_their_own_tier),
		cmocka_unit_test(a_key_shared_with_tier_0_is_refused),
		cmocka_unit_test(a_bulk_moves_the_waiting_children_to_tier_0),
		cmocka_unit_test(enough_new_children_move_to_tier_0),
	};

	return cmocka_run_group_tests_name("roster_tiers", tests, group_setup, tu_env_teardown);
}
