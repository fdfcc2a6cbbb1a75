/* signup: the rules a card must pass, and the one transaction that issues
 * it. The rules are checked inside the transaction that writes, so what two
 * desks see and do can never disagree. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "signup.h"
#include "perm.h"
#include "store/audit.h"
#include "text/i18n.h"

struct signup_child {
	char      status;          /* a, i, w */
	char      grade[8];
	char      birth[16];
	char      name_fold[256];
	char      number[128];
	char      consent[16];
	long long district;
};

/* Sets the outcome, why, and the sentence the desk reads. */
static enum cr_status signup_say(struct signup_result *res, enum signup_outcome o, enum signup_why why,
				 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum cr_status signup_say(struct signup_result *res, enum signup_outcome o, enum signup_why why,
				 const char *fmt, ...)
{
	va_list ap;

	res->outcome = o;
	res->why = why;
	va_start(ap, fmt);
	/* the sentence in the reader's language (xgettext: signup_say:4, signup_refuse_why:3) */
	vsnprintf(res->reason, sizeof res->reason, dgettext(CR_TEXTDOMAIN, fmt), ap);
	va_end(ap);
	return CR_OK;
}

#define signup_refuse_why(res, why, ...) signup_say(res, SIGNUP_REFUSED, why, __VA_ARGS__)

static void signup_copy(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, n, "%s", t ? (const char *)t : "");
}

/* 0 when found, 1 when there is no such student. */
static int signup_load(struct cr_db *db, long long id, struct signup_child *c, struct cr_err *err, int *rc)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT s.status_code, coalesce(s.grade, ''), coalesce(s.birth_date, ''), s.name_fold, "
		" coalesce(s.student_number, ''), coalesce(c.state, 'none'), s.district_id "
		"FROM student s LEFT JOIN consent c ON c.student_id = s.id WHERE s.id = ?1", err);

	*rc = SQLITE_ERROR;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	*rc = sqlite3_step(st);
	if (*rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return *rc == SQLITE_DONE ? 1 : -1;
	}
	c->status = (char)sqlite3_column_text(st, 0)[0];
	signup_copy(c->grade, sizeof c->grade, st, 1);
	signup_copy(c->birth, sizeof c->birth, st, 2);
	signup_copy(c->name_fold, sizeof c->name_fold, st, 3);
	signup_copy(c->number, sizeof c->number, st, 4);
	signup_copy(c->consent, sizeof c->consent, st, 5);
	c->district = sqlite3_column_int64(st, 6);
	sqlite3_reset(st);
	*rc = SQLITE_OK;
	return 0;
}

/* "just now", "today at 10:42", or the date. */
static void signup_when(long long at, char *buf, size_t n)
{
	time_t now = time(NULL), t = (time_t)at;
	struct tm tm, tn;

	if (now - t < 120) {
		snprintf(buf, n, "%s", _("just now"));
		return;
	}
	localtime_r(&t, &tm);
	localtime_r(&now, &tn);
	if (tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday)
		strftime(buf, n, _("today at %H:%M"), &tm);
	else
		strftime(buf, n, _("on %Y-%m-%d"), &tm);
}

/* Years of age today from YYYY-MM-DD, or -1. */
static int signup_age(const char *birth)
{
	int y, m, d;
	time_t now = time(NULL);
	struct tm tm;

	if (sscanf(birth, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return -1;
	localtime_r(&now, &tm);
	return tm.tm_year + 1900 - y - ((tm.tm_mon + 1 < m || (tm.tm_mon + 1 == m && tm.tm_mday < d)) ? 1 : 0);
}

/* Another child with a card who may be this one: same folded name and birth
 * date, or the same student ID in another district. */
static int signup_duplicate(struct cr_db *db, long long id, const struct signup_child *c, char *card, size_t n)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT k.number FROM student s JOIN card k ON k.student_id = s.id AND k.status = 'active' "
		"WHERE s.id <> ?1 AND ((?2 <> '' AND s.birth_date = ?2 AND s.name_fold = ?3) "
		" OR (?4 <> '' AND s.student_number = ?4 AND s.district_id <> ?5)) LIMIT 1", NULL);
	int found = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, c->birth, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->name_fold, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->number, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, c->district);
	if (sqlite3_step(st) == SQLITE_ROW) {
		signup_copy(card, n, st, 0);
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

/* The rules, in the order a person would explain them. */
static enum cr_status signup_rules(struct cr_db *db, const struct programme *pg, long long id, int confirm,
				   struct signup_child *c, struct signup_result *res, struct cr_err *err)
{
	sqlite3_stmt *st;
	char when[64], dup[CARDNO_MAX];
	int rc, g, age;

	memset(res, 0, sizeof *res);
	switch (signup_load(db, id, c, err, &rc)) {
	case 1:
		return signup_refuse_why(res, WHY_NOT_FOUND, "there is no such student in the roster");
	case -1:
		return db_fail(db, err, rc, "reading the student");
	}
	st = db_prepare(db, "SELECT c.id, c.number, coalesce(c.desk, ''), c.issued_at, coalesce(s.name, '') "
			"FROM card c LEFT JOIN staff s ON s.id = c.issued_by "
			"WHERE c.student_id = ?1 AND c.status = 'active'", err);
	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		res->card_id = sqlite3_column_int64(st, 0);
		signup_copy(res->card, sizeof res->card, st, 1);
		signup_when(sqlite3_column_int64(st, 3), when, sizeof when);
		/* Who issued it, in whose name it is recorded, and at which desk. */
		if (*sqlite3_column_text(st, 4))
			signup_say(res, SIGNUP_ALREADY, WHY_NONE, "already has card %s, issued by %s at %s %s",
				   res->card, (const char *)sqlite3_column_text(st, 4),
				   *sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : _("a desk"), when);
		else
			signup_say(res, SIGNUP_ALREADY, WHY_NONE, "already has card %s, issued by %s %s", res->card,
				   *sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : _("a desk"), when);
		sqlite3_reset(st);
		return CR_OK;
	}
	sqlite3_reset(st);
	if (c->status == 'w')
		return signup_refuse_why(res, WHY_WITHDRAWN, "has left the district (withdrawn in the roster)");
	if (c->status != 'a')
		return signup_refuse_why(res, WHY_INACTIVE, "is not active in the district's roster");
	g = grade_index(c->grade);
	if (pg->grades != ~0u && (g < 0 || !(pg->grades & (1u << g))))
		return signup_refuse_why(res, WHY_GRADE, g < 0 ? N_("has no grade in the roster, and this "
				     "programme is for some grades only") : N_("is in grade %s, which this programme "
				     "does not cover"), c->grade);
	age = signup_age(c->birth);
	if ((pg->min_age || pg->max_age) && age >= 0) {
		if (pg->min_age && age < pg->min_age)
			return signup_refuse_why(res, WHY_AGE, "is %d; cards start at age %d", age, pg->min_age);
		if (pg->max_age && age > pg->max_age)
			return signup_refuse_why(res, WHY_AGE, "is %d; this programme is for children up to %d",
					     age, pg->max_age);
	}
	if (!strcmp(c->consent, "opted_out"))
		return signup_refuse_why(res, WHY_OPTED_OUT, "the family opted out of a library card");
	if (pg->consent == CONSENT_OPT_IN && strcmp(c->consent, "given") && strcmp(c->consent, "signed"))
		return signup_refuse_why(res, WHY_NEEDS_CONSENT, "needs a guardian's consent first (opt-in programme)");
	if (!confirm && signup_duplicate(db, id, c, dup, sizeof dup))
		return signup_refuse_why(res, WHY_DUPLICATE, "may be the same child as the holder of card %s (same "
				     "name and birth date, or the same student ID in another district): look, then "
				     "confirm to issue anyway", dup);
	res->outcome = SIGNUP_ISSUED;
	if (pg->consent == CONSENT_SIGNATURE && strcmp(c->consent, "signed"))
		snprintf(res->reason, sizeof res->reason, "%s", _("hold the slip until a guardian has signed"));
	return CR_OK;
}

enum cr_status signup_check(struct cr_db *db, const struct programme *pg, long long student,
			    int confirm_not_duplicate, struct signup_result *res, struct cr_err *err)
{
	struct signup_child c;

	return signup_rules(db, pg, student, confirm_not_duplicate, &c, res, err);
}

/* ---- card numbers --------------------------------------------------- */

/* The next serial of this desk's block of the library range; a new block
 * when the desk has none left (blocks never overlap: made inside the
 * signup's write transaction). */
static enum cr_status signup_serial(struct cr_db *db, const struct programme *pg, const char *desk,
				    long long *serial, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT id, next_serial FROM card_block WHERE desk = ?1 AND institution = ?2 "
		"AND next_serial <= last_serial ORDER BY id LIMIT 1", err);
	long long block = 0, first;

	if (!st)
		return err->status;
	sqlite3_bind_text(st, 1, desk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pg->institution, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		block = sqlite3_column_int64(st, 0);
		*serial = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (!block) {
		st = db_prepare(db, "SELECT coalesce(max(last_serial), 0) FROM card_block WHERE institution = ?1", err);
		if (!st)
			return err->status;
		sqlite3_bind_text(st, 1, pg->institution, -1, SQLITE_STATIC);
		first = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) + 1 : 1;
		sqlite3_reset(st);
		if (first > 99999999LL)
			return cr_fail(err, CR_EDATA, "the library card range of institution %s is used up",
				       pg->institution);
		st = db_prepare(db, "INSERT INTO card_block (desk, institution, first_serial, last_serial, "
				"next_serial) VALUES (?1, ?2, ?3, min(?3 + ?4 - 1, 99999999), ?3)", err);
		if (!st)
			return err->status;
		sqlite3_bind_text(st, 1, desk, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, pg->institution, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, first);
		sqlite3_bind_int(st, 4, pg->block_size);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return db_fail(db, err, sqlite3_errcode(db_handle(db)), "reserving card numbers");
		}
		sqlite3_reset(st);
		block = sqlite3_last_insert_rowid(db_handle(db));
		*serial = first;
	}
	st = db_prepare(db, "UPDATE card_block SET next_serial = next_serial + 1 WHERE id = ?1", err);
	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, block);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return db_fail(db, err, sqlite3_errcode(db_handle(db)), "reserving card numbers");
	}
	sqlite3_reset(st);
	return CR_OK;
}

/* The card number by the programme's scheme; a refusal in res when the
 * child or the scanned card cannot have one. */
static enum cr_status signup_number(struct cr_db *db, const struct programme *pg, const struct signup_request *rq,
				    const struct signup_child *c, struct signup_result *res, struct cr_err *err)
{
	struct cr_err why = { 0 };
	enum cr_status st;
	long long serial = 0;

	switch (pg->scheme) {
	case CARD_STUDENT_ID:
		if (cardno_from_student(pg->prefix, c->number, pg->luhn, res->card, &why) != CR_OK)
			return signup_refuse_why(res, WHY_CARD_NUMBER, "%s", why.msg);
		return CR_OK;
	case CARD_RANGE:
		if ((st = signup_serial(db, pg, rq->desk, &serial, err)) != CR_OK)
			return st;
		if (cardno_library(pg->institution, serial, res->card, &why) != CR_OK)
			return signup_refuse_why(res, WHY_CARD_NUMBER, "%s", why.msg);
		return CR_OK;
	case CARD_STOCK:
		if (!rq->stock_number || !*rq->stock_number)
			return signup_refuse_why(res, WHY_CARD_NUMBER, "scan the new card from the card stock first");
		if (cardno_check_stock(rq->stock_number, &pg->stock, res->card, &why) != CR_OK)
			return signup_refuse_why(res, WHY_CARD_NUMBER, "%s", why.msg);
		return CR_OK;
	}
	return cr_fail(err, CR_EINTERNAL, "unknown card scheme");
}

/* ---- writing ---------------------------------------------------------- */

/* A random (version 4) UUID: the event's idempotency key for the ILS. */
static void signup_uuid(char out[37])
{
	unsigned char b[16];

	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		/* Not expected on Linux; still unique enough with the time mixed in. */
		long long t = (long long)time(NULL) ^ ((long long)clock() << 20);

		for (int i = 0; i < 16; i++)
			b[i] = (unsigned char)((t >> ((i % 8) * 8)) ^ (rand() & 0xff));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
}

/* Years of school after this one for a CEDS grade (0 for grade 12 and
 * up), or -1 when the grade says nothing (ungraded, unknown). */
static int signup_years_left(const char *grade)
{
	char *end;
	long g;

	if (!grade || !*grade)
		return -1;
	if (!strcmp(grade, "KG") || !strcmp(grade, "TK"))
		return 12;
	if (!strcmp(grade, "PK"))
		return 13;
	g = strtol(grade, &end, 10);
	if (*end || g < 1 || g > 13)
		return -1;
	return g >= 12 ? 0 : (int)(12 - g);
}

/* The card lasts to the end of the school year (the next MM-DD), or with
 * expiry = graduation to the end of the year the child finishes grade 12. */
void signup_expiry(const struct programme *pg, const char *grade, time_t now, char out[16])
{
	struct tm tm;
	int y, left = pg->expiry_graduation ? signup_years_left(grade) : 0;

	localtime_r(&now, &tm);
	y = tm.tm_year + 1900;
	if (tm.tm_mon + 1 > pg->expiry_month || (tm.tm_mon + 1 == pg->expiry_month && tm.tm_mday > pg->expiry_day))
		y++;
	if (left > 0)
		y += left;
	snprintf(out, 16, "%04d-%02d-%02d", y % 10000, pg->expiry_month % 100, pg->expiry_day % 100);
}

static enum cr_status signup_step(struct cr_db *db, sqlite3_stmt *st, const char *what, struct cr_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(db, err, rc, what);
	return CR_OK;
}

/* The event (with its idempotency key, for the library system), its outbox
 * row and the audit row: what every change at a desk writes, inside the
 * caller's transaction. */
static enum cr_status signup_record(struct cr_db *db, const char *kind, long long student, long long card,
				    long long staff, const char *desk, const char *detail, const char *action,
				    const char *object_kind, struct cr_err *err)
{
	long long now = (long long)time(NULL);
	sqlite3_stmt *st;
	enum cr_status s;
	char uuid[37];

	signup_uuid(uuid);
	st = db_prepare(db, "INSERT INTO event (uuid, kind, student_id, card_id, staff_id, desk, at, detail) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", err);
	if (!st)
		return err->status;
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, student);
	if (card > 0)
		sqlite3_bind_int64(st, 4, card);
	if (staff > 0)
		sqlite3_bind_int64(st, 5, staff);
	sqlite3_bind_text(st, 6, desk, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	if (detail)
		sqlite3_bind_text(st, 8, detail, -1, SQLITE_STATIC);
	if ((s = signup_step(db, st, "saving the event", err)) != CR_OK)
		return s;
	st = db_prepare(db, "INSERT INTO outbox (event_id, target, state, updated_at) "
			"VALUES (?1, 'ils', 'pending', ?2)", err);
	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(db_handle(db)));
	sqlite3_bind_int64(st, 2, now);
	if ((s = signup_step(db, st, "queueing it for the library system", err)) != CR_OK)
		return s;
	/* The audit keeps the consent word, never a void's reason: free text
	 * typed at the desk may name the child (the reason stays with the card). */
	struct audit_entry a = { .staff = staff, .desk = desk, .action = action, .object_kind = object_kind,
				  .student = student, .detail = strcmp(action, "void") ? detail : NULL };

	return audit_write(db, &a, err);
}

/* The child's grade code ("" when the roster has none). */
static void signup_grade(struct cr_db *db, long long student, char *out, size_t len)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT grade FROM student WHERE id = ?1", NULL);

	out[0] = '\0';
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, student);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
}

/* A person looked at a likely duplicate and said "a different child": the
 * decision is kept in the audit log with who made it, at which desk. */
static enum cr_status signup_decision(struct cr_db *db, const struct signup_request *rq, long long card,
				      struct cr_err *err)
{
	struct audit_entry a = { .staff = rq->staff, .desk = rq->desk, .action = "confirm-not-duplicate",
				  .object_kind = "student", .student = rq->student,
				  .detail = "staff confirmed: not the same child as the likely duplicate" };

	(void)card;
	return audit_write(db, &a, err);
}

static enum cr_status signup_write(struct cr_db *db, const struct programme *pg, const struct signup_request *rq,
				   long long reuse, struct signup_result *res, struct cr_err *err)
{
	sqlite3_stmt *st;
	enum cr_status s;
	char expires[16], grade[16] = "";
	const char *category;
	long long now = (long long)time(NULL);

	signup_grade(db, rq->student, grade, sizeof grade);
	signup_expiry(pg, grade, (time_t)now, expires);
	category = programme_category(pg, grade);
	/* A card voided by mistake and issued again keeps its row (numbers are
	 * unique); otherwise a new card. */
	st = db_prepare(db, reuse
		? "UPDATE card SET number = ?1, student_id = ?2, scheme = ?3, issued_at = ?4, issued_by = ?5, "
		  "desk = ?6, expires = ?7, category = ?9, status = 'active', void_reason = NULL WHERE id = ?8"
		: "INSERT INTO card (number, student_id, scheme, issued_at, issued_by, desk, expires, category) "
		  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9)", err);
	if (!st)
		return err->status;
	sqlite3_bind_text(st, 1, res->card, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, rq->student);
	sqlite3_bind_text(st, 3, pg->scheme == CARD_STUDENT_ID ? "student-id" : pg->scheme == CARD_RANGE ? "range" : "stock",
			  -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if (rq->staff > 0)
		sqlite3_bind_int64(st, 5, rq->staff);
	sqlite3_bind_text(st, 6, rq->desk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, expires, -1, SQLITE_STATIC);
	if (reuse)
		sqlite3_bind_int64(st, 8, reuse);
	if (category)
		sqlite3_bind_text(st, 9, category, -1, SQLITE_STATIC);
	if ((s = signup_step(db, st, "saving the card", err)) != CR_OK)
		return s;
	res->card_id = reuse ? reuse : sqlite3_last_insert_rowid(db_handle(db));

	return signup_record(db, "signup", rq->student, res->card_id, rq->staff, rq->desk, NULL,
			     "issue", "student", err);
}

/* Is the number taken (a stock card scanned twice, or the same student ID
 * with the same prefix in two districts)? A void card of this same child
 * is not: it is issued again (*reuse gets its row). */
static int signup_number_taken(struct cr_db *db, const char *number, long long student, long long *reuse)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT id, student_id, status FROM card WHERE number = ?1", NULL);
	int taken = 0;

	*reuse = 0;
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_int64(st, 1) == student && !strcmp((const char *)sqlite3_column_text(st, 2), "void"))
			*reuse = sqlite3_column_int64(st, 0);
		else
			taken = 1;
	}
	sqlite3_reset(st);
	return taken;
}

enum cr_status signup_issue(struct cr_db *db, const struct programme *pg, const struct signup_request *rq,
			    struct signup_result *res, struct cr_err *err)
{
	struct signup_child c;
	enum cr_status st;

	/* A printed slip means a durable row. */
	db_exec(db, "PRAGMA synchronous = FULL", NULL);
	memset(res, 0, sizeof *res);
	res->outcome = SIGNUP_REFUSED;
	if ((st = db_begin_immediate(db, err)) != CR_OK)
		return st;
	/* Who may issue at all is an error (nothing can go on); a child outside
	 * a volunteer's schools and classes is that child's refusal. */
	if ((st = perm_check(db, rq->staff, PERM_ISSUE, err)) != CR_OK) {
		db_rollback(db);
		snprintf(res->reason, sizeof res->reason, "%.300s", err ? err->msg : _("not allowed"));
		return st;
	}
	{
		struct cr_err why = { 0 };

		if ((st = perm_check_student(db, rq->staff, PERM_ISSUE, rq->student, &why)) != CR_OK) {
			db_rollback(db);
			if (st != CR_EUSAGE)
				return cr_fail(err, st, "%s", why.msg);
			return signup_refuse_why(res, WHY_NOT_ASSIGNED, "%.300s", why.msg);
		}
	}
	st = signup_rules(db, pg, rq->student, rq->confirm_not_duplicate, &c, res, err);
	if (st == CR_OK && res->outcome == SIGNUP_ISSUED) {
		char note[sizeof res->reason];
		long long reuse = 0;

		snprintf(note, sizeof note, "%s", res->reason);
		st = signup_number(db, pg, rq, &c, res, err);
		if (st == CR_OK && res->outcome == SIGNUP_ISSUED && signup_number_taken(db, res->card, rq->student, &reuse))
			signup_refuse_why(res, WHY_CARD_NUMBER, pg->scheme == CARD_STOCK
				      ? N_("card %s is already used: take another card from the stock")
				      : N_("card number %s already belongs to another child"), res->card);
		if (st == CR_OK && res->outcome == SIGNUP_ISSUED) {
			snprintf(res->reason, sizeof res->reason, "%s", note);
			st = signup_write(db, pg, rq, reuse, res, err);
		}
		if (st == CR_OK && res->outcome == SIGNUP_ISSUED && rq->confirm_not_duplicate)
			st = signup_decision(db, rq, res->card_id, err);
	}
	if (st != CR_OK || res->outcome != SIGNUP_ISSUED) {
		db_rollback(db);
		if (res->outcome != SIGNUP_ALREADY && res->outcome != SIGNUP_ISSUED)
			res->card_id = 0;
		return st;
	}
	return db_commit(db, err);
}

/* Voids one card (card.id) inside the caller's transaction: 1 when it was
 * in use and is now void, 0 when it was not in use (voided already), -1
 * on a database error (in err). */
static int signup_void_card(struct cr_db *db, long long card, const char *reason, long long staff,
			    const char *desk, struct cr_err *err)
{
	long long student = 0;
	sqlite3_stmt *q;

	if (!(q = db_prepare(db, "SELECT student_id FROM card WHERE id = ?1 AND status = 'active'", err)))
		return -1;
	sqlite3_bind_int64(q, 1, card);
	if (sqlite3_step(q) == SQLITE_ROW)
		student = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (!student)
		return 0;
	if (!(q = db_prepare(db, "UPDATE card SET status = 'void', void_reason = ?2 WHERE id = ?1", err)))
		return -1;
	sqlite3_bind_int64(q, 1, card);
	sqlite3_bind_text(q, 2, reason, -1, SQLITE_STATIC);
	if (signup_step(db, q, "voiding the card", err) != CR_OK)
		return -1;
	if (signup_record(db, "void", student, card, staff, desk, reason, "void", "student", err) != CR_OK)
		return -1;
	return 1;
}

enum cr_status signup_void_batch(struct cr_db *db, const long long *cards, int n, const char *reason,
				 long long staff, const char *desk, long long class_id, int *voided,
				 struct cr_err *err)
{
	enum cr_status st;
	char detail[64];
	int done = 0;

	*voided = 0;
	if (!reason || !*reason)
		return cr_fail(err, CR_EUSAGE, "say why the cards are void (a reason is kept with them)");
	if ((st = db_begin_immediate(db, err)) != CR_OK)
		return st;
	if ((st = perm_check(db, staff, PERM_VOID, err)) != CR_OK) {
		db_rollback(db);
		return st;
	}
	for (int i = 0; i < n; i++) {
		int r = signup_void_card(db, cards[i], reason, staff, desk, err);

		if (r < 0)
			goto fail;
		done += r;
	}
	/* One more audit row: these voids were one undo, for one reason. */
	snprintf(detail, sizeof detail, "%d of %d cards of one batch voided", done, n);
	if (audit_write(db, &(struct audit_entry){ .staff = staff, .desk = desk, .action = "undo_batch",
						 .object_kind = "class", .object_id = class_id, .detail = detail },
			 err) != CR_OK)
		goto fail;
	if ((st = db_commit(db, err)) != CR_OK)
		return st;
	*voided = done;
	return CR_OK;
fail:
	db_rollback(db);
	return err->status != CR_OK ? err->status : CR_EINTERNAL;
}

enum cr_status signup_void(struct cr_db *db, const char *number, const char *reason, long long staff,
			   const char *desk, struct cr_err *err)
{
	long long card = 0, student = 0;
	enum cr_status st;
	sqlite3_stmt *q;

	if (!reason || !*reason)
		return cr_fail(err, CR_EUSAGE, "say why the card is void (a reason is kept with it)");
	if ((st = db_begin_immediate(db, err)) != CR_OK)
		return st;
	if (!(q = db_prepare(db, "SELECT id, student_id FROM card WHERE number = ?1 AND status = 'active'", err)))
		goto fail;
	sqlite3_bind_text(q, 1, number, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		card = sqlite3_column_int64(q, 0);
		student = sqlite3_column_int64(q, 1);
	}
	sqlite3_reset(q);
	if ((st = perm_check(db, staff, PERM_VOID, err)) != CR_OK) {
		db_rollback(db);
		return st;
	}
	if (!card) {
		db_rollback(db);
		return cr_fail(err, CR_ENOINPUT, "no card in use has the number given");
	}
	if (!(q = db_prepare(db, "UPDATE card SET status = 'void', void_reason = ?2 WHERE id = ?1", err)))
		goto fail;
	sqlite3_bind_int64(q, 1, card);
	sqlite3_bind_text(q, 2, reason, -1, SQLITE_STATIC);
	if ((st = signup_step(db, q, "voiding the card", err)) != CR_OK)
		goto fail;
	if ((st = signup_record(db, "void", student, card, staff, desk, reason, "void", "student", err)) != CR_OK)
		goto fail;
	return db_commit(db, err);
fail:
	db_rollback(db);
	return err->status != CR_OK ? err->status : CR_EINTERNAL;
}

enum cr_status signup_consent(struct cr_db *db, long long student, const char *state, long long staff,
			      const char *desk, struct cr_err *err)
{
	static const char *const states[] = { "given", "signed", "opted_out", "pending", NULL };
	long long now = (long long)time(NULL);
	enum cr_status st;
	sqlite3_stmt *q;
	int known = 0;

	for (int i = 0; states[i]; i++)
		known |= !strcmp(states[i], state);
	if (!known)
		return cr_fail(err, CR_EUSAGE, "'%s' is not given, signed, opted_out or pending", state);
	if ((st = db_begin_immediate(db, err)) != CR_OK)
		return st;
	if ((st = perm_check_student(db, staff, PERM_CONSENT, student, err)) != CR_OK) {
		db_rollback(db);
		return st;
	}
	q = db_prepare(db, "INSERT INTO consent (student_id, state, recorded_at, recorded_by) "
		       "SELECT id, ?2, ?3, ?4 FROM student WHERE id = ?1 "
		       "ON CONFLICT (student_id) DO UPDATE SET state = excluded.state, "
		       "recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by", err);
	if (!q)
		goto fail;
	sqlite3_bind_int64(q, 1, student);
	sqlite3_bind_text(q, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now);
	if (staff > 0)
		sqlite3_bind_int64(q, 4, staff);
	if ((st = signup_step(db, q, "saving the consent", err)) != CR_OK)
		goto fail;
	if (sqlite3_changes(db_handle(db)) == 0) {
		db_rollback(db);
		return cr_fail(err, CR_ENOINPUT, "there is no such student in the roster");
	}
	if ((st = signup_record(db, strcmp(state, "opted_out") ? "consent" : "optout", student, 0, staff, desk,
				state, "consent", "student", err)) != CR_OK)
		goto fail;
	return db_commit(db, err);
fail:
	db_rollback(db);
	return err->status != CR_OK ? err->status : CR_EINTERNAL;
}

enum cr_status signup_find_student(struct cr_db *db, const char *student_number, long long *student,
				   int *count, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT id FROM student WHERE student_number = ?1 LIMIT 2", err);
	int rc;

	*student = 0;
	*count = 0;
	if (!st)
		return err->status;
	sqlite3_bind_text(st, 1, student_number, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!*count)
			*student = sqlite3_column_int64(st, 0);
		(*count)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "finding the student");
	return CR_OK;
}

static void signup_copy_col(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(out, len, "%s", v ? (const char *)v : "");
}

enum cr_status signup_facts(struct cr_db *db, long long student, struct signup_facts *f, struct cr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(f, 0, sizeof *f);
	st = db_prepare(db,
		"SELECT s.birth_date, s.directory_optout, c.number, c.desk, c.issued_at, c.expires, c.category, "
		"       (SELECT state FROM consent WHERE student_id = s.id), "
		"       (SELECT group_concat(title, ', ') FROM (SELECT k.title FROM enrollment e "
		"          JOIN class k ON k.id = e.class_id WHERE e.student_id = s.id AND k.status = 'active' "
		"          ORDER BY k.title LIMIT 6)), "
		"       (SELECT name FROM staff WHERE id = c.issued_by) "
		"FROM student s LEFT JOIN card c ON c.student_id = s.id AND c.status = 'active' WHERE s.id = ?1", err);
	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, student);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		signup_copy_col(st, 0, f->birth_date, sizeof f->birth_date);
		f->directory_optout = sqlite3_column_int(st, 1);
		signup_copy_col(st, 2, f->card, sizeof f->card);
		signup_copy_col(st, 3, f->card_desk, sizeof f->card_desk);
		f->card_at = sqlite3_column_int64(st, 4);
		signup_copy_col(st, 5, f->expires, sizeof f->expires);
		signup_copy_col(st, 6, f->category, sizeof f->category);
		signup_copy_col(st, 7, f->consent, sizeof f->consent);
		signup_copy_col(st, 8, f->classes, sizeof f->classes);
		signup_copy_col(st, 9, f->card_staff, sizeof f->card_staff);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cr_fail(err, CR_EINTERNAL, "reading the child's card: %s", sqlite3_errmsg(db_handle(db)));
	if (!f->consent[0])
		snprintf(f->consent, sizeof f->consent, "none");
	return CR_OK;
}
