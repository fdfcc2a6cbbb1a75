/* perm: the table of action x role, and a volunteer's assigned schools and
 * classes. Messages name the action and the role, never a child. */
#include <stdio.h>
#include <string.h>

#include "perm.h"
#include "signup.h"
#include "text/i18n.h"

/* Y: allowed; S: allowed in the assigned schools and classes only; -: refused. */
enum { N = 0, Y = 1, S = 2 };

static const struct {
	const char   *name;
	const char   *doing;             /* completes "may not ..." (N_: shown with _()) */
	unsigned char may[3];            /* admin, librarian, volunteer */
} perm_table[PERM_COUNT] = {
	[PERM_SEARCH]     = { "search",     N_("look children up"),                  { Y, Y, Y } },
	[PERM_ISSUE]      = { "issue",      N_("issue cards"),                       { Y, Y, S } },
	[PERM_PRINT]      = { "print",      N_("print slips"),                       { Y, Y, S } },
	[PERM_VOID]       = { "void",       N_("void cards"),                        { Y, Y, N } },
	[PERM_CONSENT]    = { "consent",    N_("record a family's answer"),          { Y, Y, N } },
	[PERM_RESOLVE]    = { "resolve",    N_("decide a parked library-system event"), { Y, Y, N } },
	[PERM_REPORT]     = { "report",     N_("see the progress report"),           { Y, Y, N } },
	[PERM_EXPORT]     = { "export",     N_("export a report (CSV, JSON or a file)"), { Y, N, N } },
	[PERM_BIRTH_DATE] = { "birth-date", N_("see birth dates"),                   { Y, Y, N } },
	[PERM_IMPORT]     = { "import",     N_("import a roster"),                   { Y, N, N } },
	[PERM_SETTINGS]   = { "settings",   N_("change goals, the profile or column maps"), { Y, N, N } },
	[PERM_STAFF]      = { "staff",      N_("manage staff accounts"),             { Y, N, N } },
	[PERM_PURGE]      = { "purge",      N_("purge old records"),                 { Y, N, N } },
	[PERM_AUDIT]      = { "audit",      N_("read the audit log"),                { Y, N, N } },
};

static int perm_valid(enum staff_role role, enum perm_action a)
{
	return (int)a >= 0 && a < PERM_COUNT && (int)role >= 0 && (int)role <= (int)STAFF_VOLUNTEER;
}

const char *perm_action_name(enum perm_action a)
{
	return (int)a >= 0 && a < PERM_COUNT ? perm_table[a].name : "unknown";
}

int perm_role_may(enum staff_role role, enum perm_action a)
{
	return perm_valid(role, a) && perm_table[a].may[role] != N;
}

int perm_scoped(enum staff_role role, enum perm_action a)
{
	return perm_valid(role, a) && perm_table[a].may[role] == S;
}

/* "admin and librarian": the roles that may do a. */
static void perm_who_may(enum perm_action a, char *out, size_t n)
{
	size_t at = 0;
	int count = 0;

	out[0] = '\0';
	for (int r = STAFF_ADMIN; r <= STAFF_VOLUNTEER; r++) {
		if (perm_table[a].may[r] == N)
			continue;
		at += (size_t)snprintf(out + at, at < n ? n - at : 0, "%s%s", count ? _(" and ") : "",
				       staff_role_name((enum staff_role)r));
		if (at >= n)
			break;
		count++;
	}
}

static enum cr_status perm_refuse(struct cr_err *err, enum staff_role role, enum perm_action a)
{
	char who[64];

	perm_who_may(a, who, sizeof who);
	return cr_fail(err, CR_EUSAGE, "not allowed: a %s may not %s (the '%s' action is for %s only)",
		       staff_role_name(role), _(perm_table[a].doing), perm_table[a].name, who);
}

int perm_role_of(struct cr_db *db, long long staff, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT role FROM staff WHERE id = ?1 AND disabled = 0", err);
	int role = -1, rc;

	if (!st)
		return -2;
	sqlite3_bind_int64(st, 1, staff);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		role = staff_role_parse((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_fail(db, err, rc, "reading the staff account's role");
		return -2;
	}
	return role;
}

/* A volunteer's assignments; -1 when they could not be counted (err). */
static int perm_assigned_count(struct cr_db *db, long long staff, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT count(*) FROM staff_assignment WHERE staff_id = ?1", err);
	int n = -1, rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, staff);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		db_fail(db, err, rc == SQLITE_DONE ? SQLITE_ERROR : rc, "reading a volunteer's assignments");
	return n;
}

/* Status of a failed read that may not have set err. */
static enum cr_status perm_read_failed(const struct cr_err *err)
{
	return err && err->status != CR_OK ? err->status : CR_EINTERNAL;
}

static enum cr_status perm_none_assigned(struct cr_err *err, enum perm_action a)
{
	return cr_fail(err, CR_EUSAGE, "not allowed: a volunteer may %s only in the schools or classes an "
		       "admin assigned, and none is assigned yet (cardroll staff assign)", _(perm_table[a].doing));
}

/* The role check alone; *role gets the actor's role, -1 for the first run
 * (no staff at all, no one signed in). */
static enum cr_status perm_role_check(struct cr_db *db, long long staff, enum perm_action a, int *role,
				      struct cr_err *err)
{
	int n;

	*role = -1;
	if ((int)a < 0 || a >= PERM_COUNT)
		return cr_fail(err, CR_EINTERNAL, "unknown action %d in the permission check", (int)a);
	if (staff <= 0) {
		if ((n = staff_count(db)) < 0)
			return cr_fail(err, CR_EINTERNAL, "could not read the staff accounts to check who may %s",
				       _(perm_table[a].doing));
		if (n == 0)
			return CR_OK;
		return cr_fail(err, CR_EUSAGE, "not allowed: no one is signed in, and '%s' needs a person "
			       "(sign in at the desk, or set CARDROLL_STAFF and CARDROLL_PIN)", perm_table[a].name);
	}
	if ((*role = perm_role_of(db, staff, err)) == -2) {
		*role = -1;
		return perm_read_failed(err);
	}
	if (*role < 0)
		return cr_fail(err, CR_EUSAGE, "not allowed: this staff account is disabled or gone, so it may not %s",
			       _(perm_table[a].doing));
	if (!perm_role_may((enum staff_role)*role, a))
		return perm_refuse(err, (enum staff_role)*role, a);
	return CR_OK;
}

enum cr_status perm_check(struct cr_db *db, long long staff, enum perm_action a, struct cr_err *err)
{
	enum cr_status st;
	int role;

	if ((st = perm_role_check(db, staff, a, &role, err)) != CR_OK)
		return st;
	if (role >= 0 && perm_scoped((enum staff_role)role, a)) {
		int n = perm_assigned_count(db, staff, err);

		if (n < 0)
			return perm_read_failed(err);
		if (n == 0)
			return perm_none_assigned(err, a);
	}
	return CR_OK;
}

/* 1 when the query (bound: ?1 staff, ?2 the object) finds a row. */
static int perm_in_scope(struct cr_db *db, const char *sql, long long staff, long long object, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, staff);
	sqlite3_bind_int64(st, 2, object);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_fail(db, err, rc, "reading a volunteer's assignments");
		return -1;
	}
	return rc == SQLITE_ROW;
}

static enum cr_status perm_scope(struct cr_db *db, long long staff, enum perm_action a, long long object,
				 const char *sql, const char *what, struct cr_err *err)
{
	enum cr_status st;
	int role, in;

	if ((st = perm_role_check(db, staff, a, &role, err)) != CR_OK)
		return st;
	if (role < 0 || !perm_scoped((enum staff_role)role, a))
		return CR_OK;
	if ((in = perm_assigned_count(db, staff, err)) < 0)
		return perm_read_failed(err);
	if (in == 0)
		return perm_none_assigned(err, a);
	if ((in = perm_in_scope(db, sql, staff, object, err)) < 0)
		return err && err->status != CR_OK ? err->status : CR_EINTERNAL;
	if (!in)
		return cr_fail(err, CR_EUSAGE, "not allowed: a volunteer may %s only in the schools or classes an "
			       "admin assigned, and %s is not in one of them", _(perm_table[a].doing), what);
	return CR_OK;
}

/* A child is in scope through its school or any class it is enrolled in
 * (or visits: enrollment_away). */
#define PERM_STUDENT_SQL \
	"SELECT 1 FROM student s JOIN staff_assignment a ON a.staff_id = ?1 " \
	"WHERE s.id = ?2 AND (a.school_id = s.school_id " \
	"OR a.class_id IN (SELECT class_id FROM enrollment WHERE student_id = s.id) " \
	"OR a.class_id IN (SELECT class_id FROM enrollment_away WHERE student_id = s.id)) LIMIT 1"

enum cr_status perm_check_student(struct cr_db *db, long long staff, enum perm_action a, long long student,
				  struct cr_err *err)
{
	return perm_scope(db, staff, a, student, PERM_STUDENT_SQL, "this child", err);
}

enum cr_status perm_check_class(struct cr_db *db, long long staff, enum perm_action a, long long class_id,
				struct cr_err *err)
{
	return perm_scope(db, staff, a, class_id,
			  "SELECT 1 FROM class c JOIN staff_assignment a ON a.staff_id = ?1 "
			  "WHERE c.id = ?2 AND (a.class_id = c.id OR a.school_id = c.school_id) LIMIT 1",
			  "this class", err);
}

enum cr_status perm_check_card(struct cr_db *db, long long staff, enum perm_action a, long long card,
			       struct cr_err *err)
{
	return perm_scope(db, staff, a, card,
			  "SELECT 1 FROM card k JOIN student s ON s.id = k.student_id "
			  "JOIN staff_assignment a ON a.staff_id = ?1 "
			  "WHERE k.id = ?2 AND (a.school_id = s.school_id "
			  "OR a.class_id IN (SELECT class_id FROM enrollment WHERE student_id = s.id) "
			  "OR a.class_id IN (SELECT class_id FROM enrollment_away WHERE student_id = s.id)) LIMIT 1",
			  "this card's child", err);
}

enum cr_status perm_facts(struct cr_db *db, long long staff, long long student, struct signup_facts *f,
			  struct cr_err *err)
{
	enum cr_status st;
	int role;

	memset(f, 0, sizeof *f);
	if ((st = perm_check(db, staff, PERM_SEARCH, err)) != CR_OK)
		return st;
	if ((st = signup_facts(db, student, f, err)) != CR_OK)
		return st;
	role = staff > 0 ? perm_role_of(db, staff, err) : -1;
	if (role == -2) {
		/* fail closed: nothing the role might not see is left behind */
		explicit_bzero(f, sizeof *f);
		return perm_read_failed(err);
	}
	if (role >= 0 && !perm_role_may((enum staff_role)role, PERM_BIRTH_DATE))
		explicit_bzero(f->birth_date, sizeof f->birth_date);
	return CR_OK;
}
