/* goals: coverage targets kept in the goal table (migration 0003), and the
 * distance and pace to each. Counts only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "goals.h"
#include "classes.h"
#include "coverage_kept.h"
#include "coverage.h"
#include "text/i18n.h"

void goal_today(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long goal_days(const char *s)
{
	long y = atol(s), m = atol(s + 5), d = atol(s + 8), era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

long goal_days_between(const char *a, const char *b)
{
	return goal_days(b) - goal_days(a);
}

enum cr_status goal_set(struct cr_db *db, const char *school, double target_pct, const char *due,
			const char *today, struct cr_err *err)
{
	char now[16];
	long long sid = 0;
	sqlite3_stmt *st;
	enum cr_status s;
	int rc;

	if (!today) {
		goal_today(now, sizeof now);
		today = now;
	}
	if (target_pct > 100.0)
		return cr_fail(err, CR_EDATA, "--target: %g%% is over 100%%", target_pct);
	if (!(target_pct > 0.0))
		return cr_fail(err, CR_EDATA, "--target: %g%% is not above 0%%", target_pct);
	if (!coverage_valid_date(due))
		return cr_fail(err, CR_EDATA, "--date: '%.40s' is not a date (YYYY-MM-DD)", due ? due : "");
	if (goal_days_between(today, due) <= 0)
		return cr_fail(err, CR_EDATA, "--date: %s is not after today (%s)", due, today);
	if (school && (s = classes_school(db, school, &sid, err)) != CR_OK)
		return s;
	if ((s = db_begin_immediate(db, err)) != CR_OK)
		return s;
	st = db_prepare(db, "DELETE FROM goal WHERE coalesce(school_id, 0) = ?1", err);
	if (!st) {
		db_rollback(db);
		return err ? err->status : CR_EINTERNAL;
	}
	sqlite3_bind_int64(st, 1, sid);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		st = db_prepare(db, "INSERT INTO goal (school_id, target_pct, due) VALUES (nullif(?1, 0), ?2, ?3)", err);
		if (!st) {
			db_rollback(db);
			return err ? err->status : CR_EINTERNAL;
		}
		sqlite3_bind_int64(st, 1, sid);
		sqlite3_bind_double(st, 2, target_pct);
		sqlite3_bind_text(st, 3, due, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	if (rc != SQLITE_DONE) {
		s = db_fail(db, err, rc, "saving the goal");
		db_rollback(db);
		return s;
	}
	return db_commit(db, err);
}

enum cr_status goal_remove(struct cr_db *db, const char *school, struct cr_err *err)
{
	long long sid = 0;
	sqlite3_stmt *st;
	enum cr_status s;
	int rc;

	if (school && (s = classes_school(db, school, &sid, err)) != CR_OK)
		return s;
	if (!(st = db_prepare(db, "DELETE FROM goal WHERE coalesce(school_id, 0) = ?1", err)))
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_int64(st, 1, sid);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "removing the goal");
	if (sqlite3_changes(db_handle(db)) == 0)
		return school ? cr_fail(err, CR_ENOMATCH, "school %.200s has no goal", school)
			      : cr_fail(err, CR_ENOMATCH, "the programme has no goal");
	return CR_OK;
}

/* Enrolled and carded from the kept counts (coverage_kept.h). */
static const char goal_each_sql[] =
	"SELECT coalesce(g.school_id, 0), coalesce(sc.name, ''), coalesce(d.name, ''), g.target_pct, g.due, "
	" (SELECT coalesce(sum(k.enrolled), 0) FROM coverage_cell k "
	"   WHERE g.school_id IS NULL OR k.school_id = g.school_id), "
	" (SELECT coalesce(sum(k.carded), 0) FROM coverage_cell k "
	"   WHERE g.school_id IS NULL OR k.school_id = g.school_id) + "
	/* carded before without a programme card still counts as covered (before.h) */
	" (SELECT count(*) FROM ils_patron_before b CROSS JOIN student s ON s.id = b.student_id "
	"   WHERE s.status_code = 'a' AND (g.school_id IS NULL OR s.school_id = g.school_id) "
	"   AND NOT EXISTS (SELECT 1 FROM card c WHERE c.student_id = s.id AND c.status = 'active')) "
	"FROM goal g LEFT JOIN school sc ON sc.id = g.school_id LEFT JOIN district d ON d.id = sc.district_id "
	"ORDER BY g.school_id IS NOT NULL, d.name, sc.name, g.school_id";

enum cr_status goal_each(struct cr_db *db, const char *today, goal_fn fn, void *ctx, struct cr_err *err)
{
	sqlite3_stmt *st;
	enum cr_status s;
	char now[16];
	int rc;

	if ((s = coverage_kept_ready(db, err)) != CR_OK)
		return s;
	if (!(st = db_prepare(db, goal_each_sql, err)))
		return err ? err->status : CR_EINTERNAL;
	if (!today) {
		goal_today(now, sizeof now);
		today = now;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct goal_progress g = {
			.school_rowid = sqlite3_column_int64(st, 0),
			.school = (const char *)sqlite3_column_text(st, 1),
			.district = (const char *)sqlite3_column_text(st, 2),
			.target_pct = sqlite3_column_double(st, 3),
			.due = (const char *)sqlite3_column_text(st, 4),
			.enrolled = sqlite3_column_int64(st, 5),
			.covered = sqlite3_column_int64(st, 6),  /* carded, through the programme or before */
		};
		long long want;

		if (!g.due || !coverage_valid_date(g.due))
			continue;
		g.pct = g.enrolled > 0 ? 100.0 * (double)g.covered / (double)g.enrolled : 0.0;
		/* The children the target means, rounded up: 80% of 101 is 81. */
		want = (long long)((g.target_pct * (double)g.enrolled + 99.999999) / 100.0);
		g.needed = want > g.covered ? want - g.covered : 0;
		g.days_left = goal_days_between(today, g.due);
		if (g.needed == 0)
			g.per_week = 0;
		else if (g.days_left < 7)
			g.per_week = g.needed;
		else
			g.per_week = (g.needed * 7 + g.days_left - 1) / g.days_left;
		if (fn(&g, ctx))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading the goals");
	return CR_OK;
}

enum cr_status goal_count(struct cr_db *db, long *n, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT count(*) FROM goal", err);
	int rc;

	*n = 0;
	if (!st)
		return err ? err->status : CR_EINTERNAL;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, err, rc, "counting the goals");
	return CR_OK;
}
