/* Dashboard benchmark (issue 12): how long after another desk's signup
 * commits the progress table on screen shows it. Drives the real binary in
 * a pty (the TUI tests' harness) open at a district's schools; each round
 * this program, as another desk, commits a card for a child of the first
 * school shown and times from the COMMIT's return to the moment the
 * school's row shows the new count. The baseline of the same run: a plain
 * SELECT school_id, count(*) ... GROUP BY school_id.
 * Usage: dash_latency DB [ROUNDS]  (env CARDROLL_BIN, CARDROLL_STAFF, CARDROLL_PIN) */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define MAX_ROUNDS 200
#define WAIT_MS    10000

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---- the database, read directly ---- */

static long long q_int(sqlite3 *s, const char *sql, long long arg)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(s));
		exit(2);
	}
	sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The baseline: the plain count by school, run to the end. */
static double baseline_ms(sqlite3 *s)
{
	sqlite3_stmt *st;
	long long t0 = now_us();

	if (sqlite3_prepare_v2(s, "SELECT school_id, count(*) FROM student WHERE status_code = 'a' "
			       "GROUP BY school_id", -1, &st, NULL) != SQLITE_OK)
		exit(2);
	while (sqlite3_step(st) == SQLITE_ROW)
		;
	sqlite3_finalize(st);
	return (double)(now_us() - t0) / 1000.0;
}

/* Another desk's signup: an active card for the child, committed on a
 * connection of our own (as `cardroll issue` commits it, less its event
 * and outbox rows, which the table does not read). Returns when COMMIT
 * has returned: the moment every other connection can see it. */
static long long signup(sqlite3 *s, long long student, int r)
{
	char sql[256];

	snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; INSERT INTO card (number, student_id, scheme, issued_at) "
		 "VALUES ('DASHBENCH-%d-%lld', %lld, 'student-id', unixepoch()); COMMIT", r, student, student);
	if (sqlite3_exec(s, sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "dash_latency: signup: %s\n", sqlite3_errmsg(s));
		exit(2);
	}
	return now_us();
}

int main(int argc, char **argv)
{
	const char *bin = getenv("CARDROLL_BIN"), *db;

	int rounds = argc > 2 ? atoi(argv[2]) : 20, n = 0;
	static double lat[MAX_ROUNDS], base[MAX_ROUNDS];
	char name[256] = "";
	long long school, enrolled, carded, students[MAX_ROUNDS];
	struct h_term *h;
	sqlite3 *s;

	if (argc < 2 || !bin) {
		fprintf(stderr, "usage: dash_latency DB [ROUNDS] (CARDROLL_BIN set)\n");
		return 2;
	}
	db = argv[1];
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 20;
	if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return 2;
	sqlite3_busy_timeout(s, 5000);
	/* The first school the table lists (by name) in the first district. */
	school = q_int(s, "SELECT id FROM school WHERE district_id = (SELECT id FROM district ORDER BY name, id "
		       "LIMIT 1) AND id IN (SELECT school_id FROM student WHERE status_code = 'a') "
		       "ORDER BY name, id LIMIT 1", 0);
	{
		sqlite3_stmt *st;
		int i = 0;

		sqlite3_prepare_v2(s, "SELECT name FROM school WHERE id = ?1", -1, &st, NULL);
		sqlite3_bind_int64(st, 1, school);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(name, sizeof name, "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		sqlite3_prepare_v2(s, "SELECT id FROM student WHERE school_id = ?1 AND status_code = 'a' "
				   "AND id NOT IN (SELECT student_id FROM card WHERE status = 'active') "
				   "ORDER BY id LIMIT ?2", -1, &st, NULL);
		sqlite3_bind_int64(st, 1, school);
		sqlite3_bind_int(st, 2, rounds);
		while (i < rounds && sqlite3_step(st) == SQLITE_ROW)
			students[i++] = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		rounds = i;
	}
	if (!name[0] || rounds == 0) {
		fprintf(stderr, "dash_latency: no school with children to card\n");
		return 2;
	}
	{
		const char *hargv[] = { "--db", db, NULL };
		static char staff[256], pin[64];
		const char *henv[] = { staff, pin, NULL };
		struct h_opts o = { .cols = 80, .rows = 24, .argv = hargv, .home = getenv("HOME"), .env = henv };

		snprintf(staff, sizeof staff, "CARDROLL_STAFF=%s", getenv("CARDROLL_STAFF") ? getenv("CARDROLL_STAFF") : "");
		snprintf(pin, sizeof pin, "CARDROLL_PIN=%s", getenv("CARDROLL_PIN") ? getenv("CARDROLL_PIN") : "");
		h = h_start(&o);
	}
	if (!h || h_wait_text(h, "Find a student", 60000) || (h_send_key(h, VTERM_KEY_FUNCTION(2)), 0) ||
	    h_wait_text(h, "All districts", 60000) || (h_send_key(h, VTERM_KEY_ENTER), 0) ||
	    h_wait_text(h, name, 60000)) {
		fprintf(stderr, "dash_latency: the dashboard did not open\n");
		return 2;
	}
	h_settle(h, 300, 5000);
	for (int r = 0; r < rounds; r++) {
		char want[64];
		long long committed, shown;

		enrolled = q_int(s, "SELECT sum(enrolled) FROM coverage_cell WHERE school_id = ?1", school);
		carded = q_int(s, "SELECT sum(carded) FROM coverage_cell WHERE school_id = ?1", school);
		snprintf(want, sizeof want, "%8lld %7lld", enrolled, carded + 1);
		base[r] = baseline_ms(s);
		h_settle(h, 100, 2000);
		committed = signup(s, students[r], r);
		if (h_wait_row(h, name, want, WAIT_MS) != 0) {
			fprintf(stderr, "dash_latency: round %d: the new count never showed\n", r);
			return 1;
		}
		shown = h_last_output_us(h);
		lat[n++] = (double)(shown - committed) / 1000.0;
	}
	h_stop(h);
	qsort(lat, (size_t)n, sizeof lat[0], cmp);
	qsort(base, (size_t)n, sizeof base[0], cmp);
	printf("rounds=%d school=\"%s\" median_ms=%.1f p90_ms=%.1f max_ms=%.1f baseline_median_ms=%.1f "
	       "ratio=%.2f\n", n, name, lat[n / 2], lat[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], lat[n - 1],
	       base[n / 2], base[n / 2] > 0 ? lat[n / 2] / base[n / 2] : 0.0);
	sqlite3_close(s);
	return 0;
}
