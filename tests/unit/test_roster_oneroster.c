/* Unit tests for core/roster: what a OneRoster roster does to the roster
 * kept: a dirty district's every defect reported at its file and line, a
 * new bulk as the whole truth (withdrawn, never deleted).
 * Each test works in a mkdtemp folder of its own with a fresh database;
 * the shared district and helpers are in roster_fixtures.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>

#include "store/db.h"
#include "roster/roster.h"
#include "testutil.h"
#include "roster_fixtures.h"

/* ---- 2. a dirty district: every injected defect in the report ---------- */

struct defect {
	const char *file, *kind, *sid, *field, *detail;
	long        line;
};

/* Python's repr() of a string, undone: 'a "b"' -> a "b". */
static char *unrepr(const char *s)
{
	size_t n = strlen(s);
	char *out = tu_xmalloc(n + 1), *o = out;

	if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0]) {
		s++;
		n -= 2;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			*o++ = s[i];
			continue;
		}
		i++;
		switch (s[i]) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'x':
		case 'u': {
			/* \xNN and \uNNNN name a code point: written as UTF-8. */
			size_t digits = s[i] == 'x' ? 2 : 4;
			char hex[5] = { 0 };

			if (i + digits >= n) {          /* cut short: keep it as written */
				*o++ = s[i];
				break;
			}
			memcpy(hex, s + i + 1, digits);
			o += utf8proc_encode_char((utf8proc_int32_t)strtol(hex, NULL, 16), (utf8proc_uint8_t *)o);
			i += digits;
			break;
		}
		default: *o++ = s[i]; break;
		}
	}
	*o = '\0';
	return out;
}

static int is_ceds_grade(const char *g)
{
	static const char *const ceds[] = {
		"IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09",
		"10", "11", "12", "13", "PS", "UG", "Other",
	};

	for (size_t i = 0; i < TU_LEN(ceds); i++)
		if (!strcmp(g, ceds[i]))
			return 1;
	return 0;
}

/* Checks one defect against the report and the roster. Returns NULL when
 * it was handled as a librarian would expect, else why not (static). */
static const char *defect_check(struct tu_env *e, const struct tu_issues *is, const struct defect *d,
				const struct tu_issue **entry)
{
	static char why[256];
	const struct tu_issue *any = tu_issue_find(is, d->file, d->line, NULL, NULL, NULL);
	const struct tu_issue *err = tu_issue_find(is, d->file, d->line, "error", NULL, NULL);
	int users = !strcmp(d->file, "users.csv");
	long long sid_rows = users || !strcmp(d->file, "demographics.csv") ?
		tu_q_int(e->db, "SELECT count(*) FROM student WHERE sourced_id = ?1", d->sid) : 0;
	const char *k = d->kind;

	*entry = any;
	/* Whole-file encodings: the header must still have been read. */
	if (!strcmp(k, "bom") || !strcmp(k, "crlf"))
		return err ? "an error at the header: the file was not read" : NULL;

	/* Valid CSV that only looks odd: the row imports exactly. */
	if (!strcmp(k, "crlf_row") || !strcmp(k, "embedded_comma") || !strcmp(k, "embedded_quote") ||
	    !strcmp(k, "embedded_newline")) {
		const char *stored = NULL;
		char *want = unrepr(d->detail);
		int same = 1;

		if (err) {
			free(want);
			return "rejected, but the row is valid CSV";
		}
		if (users) {
			if (sid_rows != 1) {
				free(want);
				return "the student is missing";
			}
			if (!strcmp(d->field, "givenName") || !strcmp(d->field, "familyName"))
				stored = student_col(e, !strcmp(d->field, "givenName") ? "given_name" : "family_name",
						     d->sid);
		} else if (!strcmp(d->file, "classes.csv")) {
			stored = tu_q_str(e->db, "SELECT title FROM class WHERE sourced_id = ?1", d->sid);
			if (!stored) {
				free(want);
				return "the class is missing";
			}
			if (strcmp(d->field, "title"))
				stored = NULL;
		}
		if (!strcmp(k, "embedded_comma") || !strcmp(k, "embedded_quote"))
			same = !stored || !strcmp(stored, want);
		if (!strcmp(k, "embedded_newline") && stored) {
			/* A line break inside a name is suspicious: reported, joined. */
			same = !strchr(stored, '\n') && !strchr(stored, '\r');
			if (!any) {
				free(want);
				return "a line break inside a stored name was not reported";
			}
		}
		if (!strcmp(k, "crlf_row")) {
			const char *g = student_col(e, "given_name", d->sid);
			const char *f = student_col(e, "family_name", d->sid);

			same = g && f && !strchr(g, '\r') && !strchr(f, '\r');
		}
		if (!same) {
			snprintf(why, sizeof why, "stored as '%.60s', expected '%.60s'", stored ? stored : "?", want);
			free(want);
			return why;
		}
		free(want);
		return NULL;
	}

	if (!strcmp(k, "unusual_grade")) {
		char *g = unrepr(d->detail);
		const char *stored = student_col(e, "grade", d->sid);
		int ceds = is_ceds_grade(g);

		if (sid_rows != 1) {
			free(g);
			return "the student is missing";
		}
		if (ceds && (!stored || strcmp(stored, g))) {
			snprintf(why, sizeof why, "CEDS grade '%s' stored as '%s'", g, stored ? stored : "NULL");
			free(g);
			return why;
		}
		free(g);
		if (!ceds && !any)
			return "a grade that is not a CEDS code was not reported";
		return NULL;
	}

	/* Everything else must be in the report at its file and line. */
	if (!any)
		return "no report entry at this file and line";

	if (!strcmp(k, "too_few_columns") || !strcmp(k, "too_many_columns")) {
		if (!err)
			return "reported only as a warning; the row's columns cannot be trusted";
		return sid_rows ? "the broken row was imported" : NULL;
	}
	if (!strcmp(k, "long_name")) {
		/* 300 characters: over the 200-character limit for a name. */
		if (!err || !strstr(err->reason, "300 characters"))
			return "a name over the 200-character limit was not rejected with its length";
		return sid_rows ? "the row with the over-long name was imported" : NULL;
	}
	if (!strcmp(k, "duplicate_sourcedId"))
		return users && sid_rows != 1 ? "the student is not there exactly once" : NULL;
	if (!strcmp(k, "orphan_enrollment_user") || !strcmp(k, "orphan_enrollment_class"))
		return err ? NULL : "an enrollment naming nothing was not rejected";
	if (!strcmp(k, "future_birthDate") || !strcmp(k, "bad_date_format"))
		return student_col(e, "birth_date", d->sid) ? "the bad birth date was stored" : NULL;
	if (!users)
		return NULL;

	/* A users.csv row that is suspicious but readable. */
	if (err) {
		if (!strcmp(k, "invalid_utf8") && sid_rows == 0)
			return NULL;     /* rejecting bytes that are not text is fair */
		return "rejected, but the row is readable";
	}
	if (sid_rows != 1)
		return "the student is missing";
	{
		const char *g = student_col(e, "given_name", d->sid);
		const char *f = student_col(e, "family_name", d->sid);
		char both[1024];

		snprintf(both, sizeof both, "%s|%s", g ? g : "", f ? f : "");
		if (!valid_utf8(both))
			return "a stored name is not valid UTF-8";
		if (has_control(both))
			return "a stored name holds control characters";
		if (!strcmp(k, "terminal_escape") && strstr(both, "[2J"))
			return "the escape sequence's text is still in the name";
		if (!strcmp(k, "padded_whitespace") &&
		    (both[0] == ' ' || strstr(both, " |") || strstr(both, "| ") ||
		     strstr(both, "\xc2\xa0") || both[strlen(both) - 1] == ' '))
			return "the name was not trimmed";
		if (!strcmp(k, "latin1_row")) {
			/* detail: "row encoded as Latin-1 (Martín Muñoz)" */
			const char *open = strrchr(d->detail, '(');
			char want[256];

			snprintf(want, sizeof want, "%s", open ? open + 1 : "");
			if (strchr(want, ')'))
				*strchr(want, ')') = '\0';
			if (strchr(want, ' '))
				*strchr(want, ' ') = '|';
			if (strcmp(both, want)) {
				snprintf(why, sizeof why, "stored as '%.80s', expected '%.80s'", both, want);
				return why;
			}
		}
		if (!strcmp(k, "sql_injection")) {
			char *want = unrepr(d->detail);
			const char *stored = student_col(e, strcmp(d->field, "givenName") ? "family_name" : "given_name",
							 d->sid);

			if (!stored || strcmp(stored, want)) {
				snprintf(why, sizeof why, "not stored as written ('%.60s')", want);
				free(want);
				return why;
			}
			free(want);
		}
	}
	return NULL;
}

/* 1 when record i's first field (its sourcedId) appeared in an earlier record. */
static int seen_before(const struct tu_recs *all, size_t i)
{
	for (size_t j = 1; j < i; j++)
		if (all->r[j].result == CSV_RECORD && all->r[j].nfields > 0 &&
		    !strcmp(all->r[j].field[0], all->r[i].field[0]))
			return 1;
	return 0;
}

static void test_dirty_district_reports_every_defect_at_its_file_and_line(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_recs defects, users;
	struct defect *dv;
	struct tu_issues is;
	struct tu_buf table = { 0 };
	size_t nd = 0, bad = 0;
	long long expected = 0, missing = 0, misnamed = 0;
	char args[1024];

	snprintf(args, sizeof args, "--students 400 --seed 3 --dirty --out %s", tu_at(e, "dirty"));
	gen_roster(args);
	import_ok(e, tu_at(e, "dirty"), &sum);
	assert_string_equal(sum.kind, "oneroster-bulk");
	assert_string_equal(sum.district, "Riverbend Public Schools");
	assert_true(sum.rejected > 0);
	is = tu_issues_of(e->db, sum.run_id);

	defects = read_csv(tu_at(e, "dirty/_defects.csv"));
	assert_true(defects.n > 20);
	dv = tu_xmalloc(defects.n * sizeof *dv);
	for (size_t i = 1; i < defects.n; i++) {       /* record 0 is the header */
		const struct tu_rec *r = &defects.r[i];

		assert_int_equal(r->result, CSV_RECORD);
		assert_int_equal(r->nfields, 7);
		dv[nd++] = (struct defect){ r->field[0], r->field[3], r->field[4], r->field[5], r->field[6],
					    atol(r->field[1]) };
	}

	tu_buf_printf(&table, "%-24s %-24s %-7s %s\n", "defect kind", "file:line", "verdict", "report entry");
	for (size_t i = 0; i < nd; i++) {
		const struct tu_issue *entry = NULL;
		const char *why = defect_check(e, &is, &dv[i], &entry);
		char where[64];

		snprintf(where, sizeof where, "%s:%ld", dv[i].file, dv[i].line);
		tu_buf_printf(&table, "%-24s %-24s %-7s %s%s%s%s%s\n", dv[i].kind, where, why ? "FAIL" : "ok",
			      entry ? entry->severity : "(none)", entry ? " [" : "", entry ? entry->field : "",
			      entry ? "] " : "", entry ? entry->reason : "");
		if (why) {
			tu_buf_printf(&table, "%57s^ %s\n", "", why);
			bad++;
		}
	}

	/* Every student whose rows carry no defect is there, as written (NFC). */
	users = read_csv(tu_at(e, "dirty/users.csv"));
	for (size_t i = 1; i < users.n; i++) {
		const struct tu_rec *r = &users.r[i];
		int defective = 0, rejected = 0;

		if (r->result != CSV_RECORD || r->nfields < 12 || strcmp(r->field[5], "student"))
			continue;
		for (size_t k = 0; k < nd; k++) {
			if (strcmp(dv[k].sid, r->field[0]))
				continue;
			defective = 1;
			rejected |= !strcmp(dv[k].kind, "too_few_columns") || !strcmp(dv[k].kind, "too_many_columns") ||
				    !strcmp(dv[k].kind, "long_name");
		}
		if (rejected)
			continue;
		if (seen_before(&users, i))
			continue;        /* the second row of a duplicate */
		expected++;
		if (student_id(e, r->field[0]) <= 0) {
			missing++;
			tu_buf_printf(&table, "missing student %s (users.csv:%ld)\n", r->field[0], r->line);
			continue;
		}
		if (!defective) {
			char *g = nfc(r->field[8]), *f = nfc(r->field[9]);
			const char *sg = student_col(e, "given_name", r->field[0]);
			const char *sf = student_col(e, "family_name", r->field[0]);

			if (!sg || !sf || strcmp(sg, g) || strcmp(sf, f)) {
				misnamed++;
				tu_buf_printf(&table, "users.csv:%ld stored as '%s %s', written '%s %s'\n", r->line,
					      sg ? sg : "?", sf ? sf : "?", g, f);
			}
			free(g);
			free(f);
		}
	}
	if (bad || missing || misnamed) {
		fflush(stdout);
		fputs(table.s, stderr);
		fputs("  the whole report:\n", stderr);
		tu_issues_print(&is);
	}
	tu_buf_free(&table);
	tu_recs_free(&users);
	tu_recs_free(&defects);
	free(dv);
	tu_issues_free(&is);
	if (bad || missing || misnamed)
		fail_msg("%zu defect(s) not handled as expected, %lld clean student(s) missing, %lld misnamed",
			 bad, missing, misnamed);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), expected);
}

/* ---- 3. a new bulk roster is the whole truth, but nobody is deleted ---- */

static void test_student_missing_from_new_bulk_is_withdrawn_not_deleted(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	long long dev, card;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_int_equal(sum.added, 5);
	dev = student_id(e, "stu-4");
	assert_true(dev > 0);
	/* Dev got a card at the desk last week. */
	assert_int_equal(sqlite3_exec(db_handle(e->db),
		"INSERT INTO card (number, student_id, scheme, issued_at) "
		"SELECT 'LV-0004', id, 'student-id', 1700000000 FROM student WHERE sourced_id = 'stu-4'",
		NULL, NULL, NULL), SQLITE_OK);
	card = count_of(e, "SELECT id FROM card WHERE number = 'LV-0004'");

	/* This week's export no longer lists Dev (he moved away). */
	write_lake(e, "lake2", USERS_HDR U_TEACHER U_1 U_2 U_3 U_5);
	import_ok(e, tu_at(e, "lake2"), &sum);
	assert_int_equal(sum.withdrawn, 1);
	assert_int_equal(sum.added, 0);
	assert_int_equal(sum.updated, 0);
	assert_int_equal(student_id(e, "stu-4"), dev);
	assert_string_equal(student_col(e, "status", "stu-4"), "withdrawn");
	/* When: the import that withdrew him. */
	assert_non_null(tu_q_str(e->db, "SELECT r.finished_at FROM student s JOIN import_run r "
				 "ON r.id = s.seen_run WHERE s.sourced_id = ?1", "stu-4"));
	assert_string_equal(student_col(e, "given_name", "stu-4"), "Dev");
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 5);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student WHERE status = 'active'"), 4);
	/* His card is exactly as it was. */
	assert_int_equal(count_of(e, "SELECT count(*) FROM card"), 1);
	assert_int_equal(count_of(e, "SELECT id FROM card WHERE number = 'LV-0004' AND status = 'active'"), card);
	assert_int_equal(tu_q_int(e->db, "SELECT student_id FROM card WHERE number = ?1", "LV-0004"), dev);
	/* The next bulk without him withdraws nobody again. */
	import_ok(e, tu_at(e, "lake2"), &sum);
	assert_int_equal(sum.withdrawn, 0);

	/* He comes back: the same row, active again. */
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_int_equal(student_id(e, "stu-4"), dev);
	assert_string_equal(student_col(e, "status", "stu-4"), "active");
	assert_int_equal(sum.added, 0);
	assert_int_equal(sum.withdrawn, 0);
}

static void test_rename_and_school_move_keep_the_same_student_row(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	long long ana, ben;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	ana = student_id(e, "stu-1");
	ben = student_id(e, "stu-2");

	write_lake(e, "lake2", USERS_HDR U_TEACHER
		   USER("stu-1", "sch-north", "student", "Ana", "García-López", "5001", "03")
		   USER("stu-2", "sch-south", "student", "Ben", "Okafor", "5002", "07")
		   U_3 U_4 U_5);
	import_ok(e, tu_at(e, "lake2"), &sum);
	assert_int_equal(sum.updated, 2);
	assert_int_equal(sum.added, 0);
	assert_int_equal(sum.withdrawn, 0);
	assert_int_equal(student_id(e, "stu-1"), ana);
	assert_string_equal(student_col(e, "family_name", "stu-1"), "García-López");
	assert_string_equal(student_col(e, "name_fold", "stu-1"), "ana garcia lopez");
	assert_int_equal(student_id(e, "stu-2"), ben);
	assert_string_equal(tu_q_str(e->db, "SELECT sc.sourced_id FROM student s JOIN school sc "
				     "ON sc.id = s.school_id WHERE s.sourced_id = ?1", "stu-2"), "sch-south");
	assert_string_equal(student_col(e, "grade", "stu-2"), "07");
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 5);
}

/* The class roll as the desk will read it: the class's school's active
 * children who are in the class, plus children from other schools. */
static const char class_roll_sql[] =
	"SELECT group_concat(sid, ' ') FROM (SELECT s.sourced_id AS sid FROM class c "
	" JOIN student s ON s.school_id = c.school_id AND s.status = 'active' "
	" JOIN enrollment e ON e.student_id = s.id AND e.class_id = c.id WHERE c.sourced_id = ?1 "
	"UNION SELECT s.sourced_id FROM class c JOIN enrollment_away a ON a.class_id = c.id "
	" JOIN student s ON s.id = a.student_id WHERE c.sourced_id = ?1 ORDER BY 1)";

/* Emma goes to North but takes a class at South (a shared-time programme):
 * South's class roll lists her; when she moves to South, North's class
 * roll still does, and South's treats her as one of its own. */
static void test_a_child_in_a_class_of_another_school_is_on_its_roll(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	char enr[2048];

	write_lake(e, "lake", NULL);
	snprintf(enr, sizeof enr, "%s%s", lake_enrollments, "e-6,,,cls-7b,sch-south,stu-5,student,false,,\n");
	put_in(e, "lake", "enrollments.csv", enr);
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_string_equal(tu_q_str(e->db, class_roll_sql, "cls-7b"), "stu-3 stu-4 stu-5");
	assert_string_equal(tu_q_str(e->db, class_roll_sql, "cls-3a"), "stu-1 stu-2 stu-5");
	assert_int_equal(count_of(e, "SELECT count(*) FROM enrollment_away"), 1);

	/* A delta moves her to South; her enrollments stay as they were. */
	put_in(e, "move", "manifest.csv", MANIFEST_HEAD "file.users,delta\n");
	put_in(e, "move", "users.csv", USERS_HDR
	       USERD("stu-5", "active", "2025-01-10T00:00:00Z", "sch-south", "Emma", "Larsen", "5005", "03"));
	import_ok(e, tu_at(e, "move"), &sum);
	assert_int_equal(sum.updated, 1);
	assert_string_equal(tu_q_str(e->db, class_roll_sql, "cls-7b"), "stu-3 stu-4 stu-5");
	assert_string_equal(tu_q_str(e->db, class_roll_sql, "cls-3a"), "stu-1 stu-2 stu-5");
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM enrollment_away a JOIN class c "
				  "ON c.id = a.class_id WHERE c.sourced_id = ?1", "cls-3a"), 1);

	/* A delta removing her North enrollment takes her off North's roll. */
	put_in(e, "leave", "manifest.csv", MANIFEST_HEAD "file.enrollments,delta\n");
	put_in(e, "leave", "enrollments.csv", ENR_HDR
	       "e-5,tobedeleted,2025-02-01T00:00:00Z,cls-3a,sch-north,stu-5,student,false,,\n");
	import_ok(e, tu_at(e, "leave"), &sum);
	assert_string_equal(tu_q_str(e->db, class_roll_sql, "cls-3a"), "stu-1 stu-2");
	assert_int_equal(count_of(e, "SELECT count(*) FROM enrollment_away"), 0);
}

static void test_birth_date_is_the_only_demographic_kept(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	const char *where;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_string_equal(student_col(e, "birth_date", "stu-1"), "2017-03-14");
	assert_string_equal(student_col(e, "birth_date", "stu-3"), "2013-01-20");
	/* cityOfBirth (and sex) never reach the database. */
	where = db_files_holding(e, "Zzyzxville");
	if (where)
		fail_msg("a demographic other than the birth date was stored in %s", where);
}

static void test_damaged_row_in_new_bulk_does_not_withdraw_the_child(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	long long chloe;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	chloe = student_id(e, "stu-3");

	/* Chloé's row is cut short in the new export (line 5). */
	write_lake(e, "lake2", USERS_HDR U_TEACHER U_1 U_2 "stu-3,,,true,sch-south,student,,,Chloé\n" U_4 U_5);
	import_ok(e, tu_at(e, "lake2"), &sum);
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", 5, "error", NULL, NULL)) {
		tu_issues_print(&is);
		fail_msg("the cut-short row users.csv:5 was not reported as an error");
	}
	tu_issues_free(&is);
	assert_int_equal(sum.withdrawn, 0);
	assert_int_equal(student_id(e, "stu-3"), chloe);
	assert_string_equal(student_col(e, "status", "stu-3"), "active");
	assert_string_equal(student_col(e, "family_name", "stu-3"), "Dubois");
	/* Her class roll still has her. */
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM enrollment WHERE student_id = "
				  "(SELECT id FROM student WHERE sourced_id = ?1)", "stu-3"), 1);
}

static void test_two_districts_side_by_side_do_not_withdraw_each_other(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);

	put_in(e, "hill", "manifest.csv", MANIFEST_HEAD "file.orgs,bulk\nfile.users,bulk\n");
	put_in(e, "hill", "orgs.csv", ORGS_HDR "d-hill,,,Hillside Unified,district,,\n"
	       "sch-hill,,,Hillside Elementary,school,,d-hill\n");
	put_in(e, "hill", "users.csv", USERS_HDR
	       USER("h-1", "sch-hill", "student", "Femi", "Adeyemi", "7001", "02")
	       USER("h-2", "sch-hill", "student", "Greta", "Lund", "7002", "02"));
	import_ok(e, tu_at(e, "hill"), &sum);
	assert_string_equal(sum.district, "Hillside Unified");
	assert_int_equal(sum.added, 2);
	assert_int_equal(sum.withdrawn, 0);
	assert_int_equal(count_of(e, "SELECT count(*) FROM district"), 2);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student WHERE status = 'active'"), 7);

	/* Hillside's next bulk drops Greta: only Greta leaves. */
	put_in(e, "hill", "users.csv", USERS_HDR USER("h-1", "sch-hill", "student", "Femi", "Adeyemi", "7001", "02"));
	import_ok(e, tu_at(e, "hill"), &sum);
	assert_int_equal(sum.withdrawn, 1);
	assert_string_equal(student_col(e, "status", "h-2"), "withdrawn");
	assert_int_equal(count_of(e, "SELECT count(*) FROM student WHERE status = 'active'"), 6);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_env_setup, tu_env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dirty_district_reports_every_defect_at_its_file_and_line),
		T(test_student_missing_from_new_bulk_is_withdrawn_not_deleted),
		T(test_rename_and_school_move_keep_the_same_student_row),
		T(test_a_child_in_a_class_of_another_school_is_on_its_roll),
		T(test_birth_date_is_the_only_demographic_kept),
		T(test_damaged_row_in_new_bulk_does_not_withdraw_the_child),
		T(test_two_districts_side_by_side_do_not_withdraw_each_other),
	};

	return cmocka_run_group_tests_name("roster_oneroster", tests, NULL, NULL);
}
