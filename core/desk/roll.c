/* roll: class lists and class rolls. Enrollments are stored child by child,
 * so a class is read through its school's active children (a few hundred
 * key probes) plus enrollment_away for children of other schools. */
#include <stdlib.h>
#include <string.h>

#include "roll.h"
#include "signup.h"
#include "text/i18n.h"

const char *roll_state_name(enum roll_state s)
{
	static const char *const names[] = {
		/* N_: the desk translates them where it shows them */
		N_("has a card"), N_("needs a card"), N_("consent pending"), N_("opted out"), N_("problem"),
	};

	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static const char *roll_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}

enum cr_status roll_classes(struct cr_db *db, long long school, roll_class_fn fn, void *ctx, struct cr_err *err)
{
	/* Counts per class from the school's children and their enrollments,
	 * then the classes; a class nobody is in shows 0 of 0. */
	sqlite3_stmt *st = db_prepare(db,
		"WITH kids AS (SELECT s.id, EXISTS (SELECT 1 FROM card k WHERE k.student_id = s.id "
		"   AND k.status = 'active') AS carded FROM student s WHERE s.school_id = ?1 AND s.status_code = 'a'), "
		" per AS (SELECT e.class_id, count(*) AS n, sum(kids.carded) AS c FROM kids "
		"   JOIN enrollment e ON e.student_id = kids.id GROUP BY e.class_id) "
		"SELECT c.id, c.sourced_id, c.title, coalesce(c.teacher, ''), coalesce(c.grades, ''), "
		" coalesce(c.periods, ''), coalesce(per.n, 0), coalesce(per.c, 0) "
		"FROM class c LEFT JOIN per ON per.class_id = c.id "
		"WHERE c.school_id = ?1 AND c.status = 'active' ORDER BY c.title, c.id", err);
	int rc;

	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, school);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct roll_class c = {
			.id = sqlite3_column_int64(st, 0),
			.sourced_id = roll_text(st, 1),
			.title = roll_text(st, 2),
			.teacher = roll_text(st, 3),
			.grades = roll_text(st, 4),
			.periods = roll_text(st, 5),
			.enrolled = sqlite3_column_int(st, 6),
			.carded = sqlite3_column_int(st, 7),
		};
		if (fn(&c, ctx))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading the classes");
	return CR_OK;
}

struct roll_row {
	long long id;
	char     *number, *given, *family, *preferred, *grade;
};

static void roll_rows_free(struct roll_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].number);
		free(rows[i].given);
		free(rows[i].family);
		free(rows[i].preferred);
		free(rows[i].grade);
	}
	free(rows);
}

/* The roll's children, read whole first: each child's state is a query of
 * its own, which must not run inside this one. */
static enum cr_status roll_read(struct cr_db *db, long long class_id, struct roll_row **out, size_t *n,
				struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT s.id, coalesce(s.student_number, ''), s.given_name, s.family_name, "
		" coalesce(s.preferred_name, ''), coalesce(s.grade, '') FROM class c "
		" JOIN student s ON s.school_id = c.school_id AND s.status_code = 'a' "
		" JOIN enrollment e ON e.student_id = s.id AND e.class_id = c.id WHERE c.id = ?1 "
		"UNION SELECT s.id, coalesce(s.student_number, ''), s.given_name, s.family_name, "
		" coalesce(s.preferred_name, ''), coalesce(s.grade, '') FROM enrollment_away a "
		" JOIN student s ON s.id = a.student_id WHERE a.class_id = ?1 AND s.status_code = 'a' "
		"ORDER BY 4, 3, 1", err);
	struct roll_row *rows = NULL;
	size_t cap = 0;
	int rc;

	*n = 0;
	*out = NULL;
	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, class_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct roll_row *r;

		if (*n == cap) {
			size_t c2 = cap ? cap * 2 : 32;
			struct roll_row *n2 = realloc(rows, c2 * sizeof *n2);

			if (!n2)
				break;
			rows = n2;
			cap = c2;
		}
		r = &rows[*n];
		r->id = sqlite3_column_int64(st, 0);
		r->number = strdup(roll_text(st, 1));
		r->given = strdup(roll_text(st, 2));
		r->family = strdup(roll_text(st, 3));
		r->preferred = strdup(roll_text(st, 4));
		r->grade = strdup(roll_text(st, 5));
		(*n)++;
		if (!r->number || !r->given || !r->family || !r->preferred || !r->grade)
			break;
	}
	sqlite3_reset(st);
	*out = rows;
	if (rc == SQLITE_ROW) {
		roll_rows_free(rows, *n);
		*out = NULL;
		*n = 0;
		return cr_fail(err, CR_ENOMEM, "out of memory");
	}
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading the class roll");
	return CR_OK;
}

static enum roll_state roll_state_of(const struct signup_result *r)
{
	if (r->outcome == SIGNUP_ALREADY)
		return ROLL_HAS_CARD;
	if (r->outcome == SIGNUP_ISSUED)
		return ROLL_NEEDS_CARD;
	if (r->why == WHY_OPTED_OUT)
		return ROLL_OPTED_OUT;
	if (r->why == WHY_NEEDS_CONSENT)
		return ROLL_CONSENT_PENDING;
	return ROLL_PROBLEM;
}

enum cr_status roll_children(struct cr_db *db, const struct programme *pg, long long class_id,
			     roll_child_fn fn, void *ctx, struct cr_err *err)
{
	struct roll_row *rows = NULL;
	enum cr_status st;
	size_t n = 0;

	if ((st = roll_read(db, class_id, &rows, &n, err)) != CR_OK)
		return st;
	for (size_t i = 0; i < n && st == CR_OK; i++) {
		struct signup_result r;
		struct roll_child c;

		if ((st = signup_check(db, pg, rows[i].id, 0, &r, err)) != CR_OK)
			break;
		c = (struct roll_child) {
			.id = rows[i].id, .student_number = rows[i].number, .given_name = rows[i].given,
			.family_name = rows[i].family, .preferred_name = rows[i].preferred, .grade = rows[i].grade,
			.state = roll_state_of(&r), .card = r.outcome == SIGNUP_ALREADY ? r.card : "",
			.reason = r.outcome == SIGNUP_ALREADY ? "" : r.reason,
		};
		if (fn(&c, ctx))
			break;
	}
	roll_rows_free(rows, n);
	return st;
}

static int roll_count(const struct roll_child *c, void *ctx)
{
	struct roll_summary *s = ctx;

	s->children++;
	switch (c->state) {
	case ROLL_HAS_CARD:        s->carded++; break;
	case ROLL_NEEDS_CARD:      s->eligible++; break;
	case ROLL_CONSENT_PENDING: s->need_consent++; break;
	case ROLL_OPTED_OUT:       s->opted_out++; break;
	case ROLL_PROBLEM:         s->problems++; break;
	}
	return 0;
}

enum cr_status roll_summarise(struct cr_db *db, const struct programme *pg, long long class_id,
			      struct roll_summary *sum, struct cr_err *err)
{
	memset(sum, 0, sizeof *sum);
	return roll_children(db, pg, class_id, roll_count, sum, err);
}
