/* sync: the engine that drains the outbox to the configured target, in
 * order per child, surviving crashes, outages and refusals (sync.h). */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "desk/before.h"
#include "desk/perm.h"
#include "sync.h"
#include "store/audit.h"
#include "text/i18n.h"

/* The outbox target every event is queued for (core/signup.c) and the key
 * of its sync_state row. */
#define SYNC_OUTBOX_TARGET "ils"

#define SYNC_STOP_MSG "the ILS refused cardroll's credentials: check [sync] user/password (or client_id/client_secret)"

/* Ready rows with every field a target may send, oldest first. A row waits
 * while an earlier event of the same child is not done (event_by_student).
 * 'sending' rows are crash leftovers (only one sync runs at a time: the
 * lock below). Waiting rows are due against the run's start time, so a row
 * retried during this run is not tried again in it. */
static const char ready_sql[] =
	"SELECT o.id, e.id, e.uuid, e.kind, e.student_id, coalesce(s.student_number, ''), "
	" coalesce(nullif(s.preferred_name, ''), s.given_name), s.family_name, coalesce(s.birth_date, ''), "
	" coalesce(s.grade, ''), coalesce(sc.name, ''), coalesce(c.number, ''), coalesce(c.expires, ''), "
	" coalesce(c.category, ''), coalesce(e.detail, cs.state, ''), "
	" coalesce(nullif(c.ils_patron_id, ''), (SELECT o3.remote_id FROM event e3 CROSS JOIN outbox o3 "
	"   WHERE o3.event_id = e3.id AND o3.target = '" SYNC_OUTBOX_TARGET "' "
	"   AND e3.student_id = e.student_id AND e3.id < e.id AND o3.state = 'done' "
	"   AND coalesce(o3.remote_id, '') <> '' ORDER BY e3.id DESC LIMIT 1), ''), "
	" o.confirm_not_duplicate, o.attempts, o.server_errors "
	"FROM outbox o JOIN event e ON e.id = o.event_id JOIN student s ON s.id = e.student_id "
	" LEFT JOIN school sc ON sc.id = s.school_id LEFT JOIN card c ON c.id = e.card_id "
	" LEFT JOIN consent cs ON cs.student_id = e.student_id "
	"WHERE o.target = '" SYNC_OUTBOX_TARGET "' "
	" AND o.state IN ('pending', 'sending', 'waiting') "
	" AND (o.state <> 'waiting' OR coalesce(o.next_at, 0) <= ?1) "
	/* the child's earlier events through event_by_student, each one's row
	 * through the outbox's (event_id, target) key: CROSS JOIN keeps that order */
	" AND NOT EXISTS (SELECT 1 FROM event e2 CROSS JOIN outbox o2 "
	"   WHERE e2.student_id = e.student_id AND e2.id < e.id "
	"   AND o2.event_id = e2.id AND o2.target = '" SYNC_OUTBOX_TARGET "' AND o2.state <> 'done') "
	"ORDER BY o.id LIMIT ?2";

/* The strings of one item, owned. */
enum { F_UUID, F_KIND, F_NUMBER, F_GIVEN, F_FAMILY, F_BIRTH, F_GRADE, F_SCHOOL, F_CARD, F_EXPIRES,
       F_CATEGORY, F_CONSENT, F_REMOTE, F_COUNT };

struct sync_batch {
	int               n;
	struct sync_item *items;
	char            **owned;            /* n * F_COUNT strings */
	struct sync_result *results;
};

static void batch_free(struct sync_batch *b)
{
	if (b->owned)
		for (int i = 0; i < b->n * F_COUNT; i++)
			free(b->owned[i]);
	free(b->owned);
	free(b->items);
	free(b->results);
	memset(b, 0, sizeof *b);
}

static const char *col(sqlite3_stmt *st, int c)
{
	const unsigned char *t = sqlite3_column_text(st, c);

	return t ? (const char *)t : "";
}

/* Reads up to limit ready rows into b (b->n may be 0). */
static enum cr_status batch_load(struct cr_db *db, long long due, int limit, struct sync_batch *b,
				 struct cr_err *err)
{
	static const int text_cols[F_COUNT] = {
		[F_UUID] = 2, [F_KIND] = 3, [F_NUMBER] = 5, [F_GIVEN] = 6, [F_FAMILY] = 7, [F_BIRTH] = 8,
		[F_GRADE] = 9, [F_SCHOOL] = 10, [F_CARD] = 11, [F_EXPIRES] = 12, [F_CATEGORY] = 13,
		[F_CONSENT] = 14, [F_REMOTE] = 15,
	};
	sqlite3_stmt *st = db_prepare(db, ready_sql, err);
	int rc = SQLITE_DONE;

	memset(b, 0, sizeof *b);
	if (!st)
		return err->status;
	b->items = calloc((size_t)limit, sizeof *b->items);
	b->results = calloc((size_t)limit, sizeof *b->results);
	b->owned = calloc((size_t)limit * F_COUNT, sizeof *b->owned);
	if (!b->items || !b->results || !b->owned) {
		batch_free(b);
		return cr_fail(err, CR_ENOMEM, "out of memory");
	}
	sqlite3_bind_int64(st, 1, due);
	sqlite3_bind_int(st, 2, limit);
	while (b->n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sync_item *it = &b->items[b->n];
		char **s = &b->owned[b->n * F_COUNT];

		for (int f = 0; f < F_COUNT; f++)
			if (!(s[f] = strdup(col(st, text_cols[f])))) {
				b->n++;
				sqlite3_reset(st);
				batch_free(b);
				return cr_fail(err, CR_ENOMEM, "out of memory");
			}
		it->outbox_id = sqlite3_column_int64(st, 0);
		it->event_id = sqlite3_column_int64(st, 1);
		it->student_id = sqlite3_column_int64(st, 4);
		it->confirm_not_duplicate = sqlite3_column_int(st, 16);
		it->attempts = sqlite3_column_int(st, 17);
		it->server_errors = sqlite3_column_int(st, 18);
		it->uuid = s[F_UUID];
		it->kind = s[F_KIND];
		it->student_number = s[F_NUMBER];
		it->given = s[F_GIVEN];
		it->family = s[F_FAMILY];
		it->birth_date = s[F_BIRTH];
		it->grade = s[F_GRADE];
		it->school = s[F_SCHOOL];
		it->card = s[F_CARD];
		it->expires = s[F_EXPIRES];
		it->category = s[F_CATEGORY];
		it->consent = s[F_CONSENT];
		it->remote_id = s[F_REMOTE];
		b->n++;
	}
	if (b->n < limit && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		batch_free(b);
		return db_fail(db, err, rc, "reading the outbox");
	}
	sqlite3_reset(st);
	return CR_OK;
}

static enum cr_status step_done(struct cr_db *db, sqlite3_stmt *st, const char *what, struct cr_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(db, err, rc, what);
	return CR_OK;
}

/* Marks the batch 'sending' (one more attempt) in a short transaction, so
 * a crash while the target works leaves rows that are sent again. */
static enum cr_status batch_mark_sending(struct cr_db *db, struct sync_batch *b, long long now, struct cr_err *err)
{
	sqlite3_stmt *st;
	enum cr_status s;

	if ((s = db_begin_immediate(db, err)) != CR_OK)
		return s;
	if (!(st = db_prepare(db, "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2 "
			      "WHERE id = ?1", err)))
		goto fail;
	for (int i = 0; i < b->n; i++) {
		sqlite3_bind_int64(st, 1, b->items[i].outbox_id);
		sqlite3_bind_int64(st, 2, now);
		if ((s = step_done(db, st, "marking events as sending", err)) != CR_OK)
			goto fail;
		b->items[i].attempts++;
	}
	return db_commit(db, err);
fail:
	db_rollback(db);
	return err->status != CR_OK ? err->status : CR_EINTERNAL;
}

/* A random number in [0, 1) for jitter: not for secrets. */
static double sync_random(void)
{
	static unsigned long long x;

	if (!x) {
		if (getrandom(&x, sizeof x, GRND_NONBLOCK) != (ssize_t)sizeof x)
			x = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);
		x |= 1;
	}
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (double)(x >> 11) / 9007199254740992.0;
}

/* Seconds until the next try: the server's Retry-After or exponential
 * backoff (2^attempts, capped, ±20% jitter), whichever is longer. */
static long long sync_delay(const struct sync_settings *s, int attempts, int retry_after)
{
	long long cap = s->backoff_max_s > 0 ? s->backoff_max_s : 3600;
	double backoff = attempts >= 40 ? (double)cap : (double)(1LL << (attempts < 1 ? 1 : attempts));
	long long d;

	if (backoff > (double)cap)
		backoff = (double)cap;
	backoff *= 0.8 + 0.4 * sync_random();
	d = (long long)(backoff + 0.5);
	if (retry_after > 0 && retry_after > d)
		d = retry_after > 7 * 86400 ? 7 * 86400 : retry_after;
	return d < 1 ? 1 : d;
}

/* Writes what the target said, all in one transaction. */
static enum cr_status batch_record(struct cr_db *db, const struct sync_settings *s, struct sync_batch *b,
				   long long now, struct sync_summary *sum, int *stopped, struct cr_err *err)
{
	sqlite3_stmt *st;
	enum cr_status rs;
	int server_error;

	*stopped = 0;
	if ((rs = db_begin_immediate(db, err)) != CR_OK)
		return rs;
	for (int i = 0; i < b->n; i++) {
		const struct sync_item *it = &b->items[i];
		struct sync_result *r = &b->results[i];

		r->remote_id[sizeof r->remote_id - 1] = '\0';
		r->reason[sizeof r->reason - 1] = '\0';
		switch (r->outcome) {
		case SYNC_DONE:
			st = db_prepare(db, "UPDATE outbox SET state = 'done', remote_id = nullif(?2, ''), "
					"next_at = NULL, last_error = NULL, updated_at = ?3 WHERE id = ?1", err);
			if (!st)
				goto fail;
			sqlite3_bind_int64(st, 1, it->outbox_id);
			sqlite3_bind_text(st, 2, r->remote_id[0] ? r->remote_id : it->remote_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, now);
			if ((rs = step_done(db, st, "recording a sent event", err)) != CR_OK)
				goto fail;
			if (!strcmp(it->kind, "signup") && r->remote_id[0]) {
				st = db_prepare(db, "UPDATE card SET ils_patron_id = ?2 "
						"WHERE id = (SELECT card_id FROM event WHERE id = ?1)", err);
				if (!st)
					goto fail;
				sqlite3_bind_int64(st, 1, it->event_id);
				sqlite3_bind_text(st, 2, r->remote_id, -1, SQLITE_STATIC);
				if ((rs = step_done(db, st, "recording the ILS patron", err)) != CR_OK)
					goto fail;
			}
			if (!strcmp(it->kind, "signup") && r->remote_id[0] && r->patron_since[0] &&
			    (rs = before_record(db, it->event_id, r->remote_id, r->patron_since, NULL, err)) != CR_OK)
				goto fail;
			sum->done++;
			break;
		case SYNC_RETRY:
			server_error = r->http_status >= 500 && r->http_status != 503;
			if (server_error && it->server_errors + 1 >= SYNC_SERVER_ERROR_TRIES) {
				/* The same body fails the same way: a person must look. */
				char why[sizeof r->reason];

				snprintf(why, sizeof why, _("the library system failed this event %d times (HTTP %d), "
					 "so cardroll stopped retrying it: %.280s"), it->server_errors + 1, r->http_status,
					 r->reason[0] ? r->reason : _("no reason given"));
				memcpy(r->reason, why, sizeof why);
				goto park;
			}
			st = db_prepare(db, "UPDATE outbox SET state = 'waiting', next_at = ?2, "
					"last_error = nullif(?3, ''), updated_at = ?4, server_errors = server_errors + ?5 "
					"WHERE id = ?1", err);
			if (!st)
				goto fail;
			sqlite3_bind_int64(st, 1, it->outbox_id);
			sqlite3_bind_int64(st, 2, now + sync_delay(s, it->attempts, r->retry_after_s));
			sqlite3_bind_text(st, 3, r->reason, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, now);
			sqlite3_bind_int(st, 5, server_error);
			if ((rs = step_done(db, st, "recording a retry", err)) != CR_OK)
				goto fail;
			if (r->reason[0])
				snprintf(sum->last_error, sizeof sum->last_error, "%s", r->reason);
			sum->waiting++;
			break;
		case SYNC_PARK:
		park:
			st = db_prepare(db, "UPDATE outbox SET state = 'parked', next_at = NULL, last_error = ?2, "
					"updated_at = ?3, server_errors = server_errors + ?4 WHERE id = ?1", err);
			if (!st)
				goto fail;
			sqlite3_bind_int64(st, 1, it->outbox_id);
			sqlite3_bind_text(st, 2, r->reason[0] ? r->reason : _("the library system refused it"), -1,
					  SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, now);
			sqlite3_bind_int(st, 4, r->outcome == SYNC_RETRY);   /* the 8th server error */
			if ((rs = step_done(db, st, "parking an event", err)) != CR_OK)
				goto fail;
			sum->parked++;
			break;
		case SYNC_STOP:
		default:
			/* Not this event's fault: back to pending, the try not counted. */
			st = db_prepare(db, "UPDATE outbox SET state = 'pending', attempts = max(attempts - 1, 0), "
					"updated_at = ?2 WHERE id = ?1", err);
			if (!st)
				goto fail;
			sqlite3_bind_int64(st, 1, it->outbox_id);
			sqlite3_bind_int64(st, 2, now);
			if ((rs = step_done(db, st, "putting an event back", err)) != CR_OK)
				goto fail;
			*stopped = 1;
			break;
		}
	}
	return db_commit(db, err);
fail:
	db_rollback(db);
	return err->status != CR_OK ? err->status : CR_EINTERNAL;
}

/* The target did not answer at all: the batch waits, with backoff. */
static enum cr_status batch_unreachable(struct cr_db *db, const struct sync_settings *s, struct sync_batch *b,
					long long now, const char *why, struct sync_summary *sum, struct cr_err *err)
{
	for (int i = 0; i < b->n; i++) {
		b->results[i].outcome = SYNC_RETRY;
		b->results[i].retry_after_s = 0;
		snprintf(b->results[i].reason, sizeof b->results[i].reason, "%.399s", why);
	}
	return batch_record(db, s, b, now, sum, &(int){ 0 }, err);
}

/* The last success and the last error, for the status line. */
static enum cr_status sync_state_write(struct cr_db *db, const struct sync_summary *sum, long long now,
				       struct cr_err *err)
{
	int clean = sum->online && !sum->stopped && !sum->last_error[0];
	sqlite3_stmt *st = db_prepare(db,
		"INSERT INTO sync_state (target, last_ok, last_error, last_error_at, stopped) "
		"VALUES ('" SYNC_OUTBOX_TARGET "', CASE WHEN ?1 THEN ?4 END, nullif(?2, ''), "
		" CASE WHEN ?2 <> '' THEN ?4 END, ?3) "
		"ON CONFLICT (target) DO UPDATE SET "
		" last_ok = CASE WHEN ?1 THEN ?4 ELSE last_ok END, "
		" last_error = CASE WHEN ?2 <> '' THEN ?2 WHEN ?5 THEN NULL ELSE last_error END, "
		" last_error_at = CASE WHEN ?2 <> '' THEN ?4 ELSE last_error_at END, "
		" stopped = ?3", err);

	if (!st)
		return err->status;
	sqlite3_bind_int(st, 1, sum->online && (clean || sum->done > 0));
	sqlite3_bind_text(st, 2, sum->last_error, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, sum->stopped);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int(st, 5, clean);
	return step_done(db, st, "saving the sync state", err);
}

/* One sync at a time per database: a second would take the first's
 * 'sending' rows for crash leftovers. The lock goes with the process. */
static int sync_lock(struct cr_db *db, struct cr_err *err)
{
	const char *path = db_path(db);
	char lock[4200];
	int fd;

	if (!path || !*path || !strcmp(path, ":memory:"))
		return -2;
	snprintf(lock, sizeof lock, "%s.sync-lock", path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -2;     /* a read-only folder: go on without it */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		cr_fail(err, CR_ETEMP, "another cardroll sync is running on this database");
		return -1;
	}
	return fd;
}

static int sync_ready_count(struct cr_db *db, long long due)
{
	struct sync_batch b;
	struct cr_err e = { 0 };
	int n;

	if (batch_load(db, due, 1, &b, &e) != CR_OK)
		return 0;
	n = b.n;
	batch_free(&b);
	return n;
}

enum cr_status sync_run_with(struct cr_db *db, const struct sync_settings *s, const struct sync_target *target,
			     int max_events, struct sync_summary *sum, struct cr_err *err)
{
	long long start = (long long)time(NULL);
	void *state = NULL;
	enum cr_status rs = CR_OK;
	int lock, batch = s->batch > 0 ? s->batch : 50;
	char stop_reason[400] = "";

	memset(sum, 0, sizeof *sum);
	sum->online = 1;
	/* Every request allocates and frees buffers above glibc's trim
	 * threshold, which by default gives the heap back to the kernel and asks
	 * for it again each time: two system calls and fresh zeroed pages per
	 * event (half of a 10,000-event drain's time, bench/sync.sh). Keep a
	 * little heap instead; memory stays flat either way. */
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	mallopt(M_TOP_PAD, 1 << 20);
	/* The outbox's own bookkeeping need not wait for the disk: a state lost
	 * to a power cut only sends an event again, which the targets make safe
	 * (koha and webhook find what they made; a file batch is written again,
	 * and the ILS import matches it on the card number). WAL
	 * keeps the database consistent either way. Signups stay FULL. */
	db_exec(db, "PRAGMA synchronous = NORMAL", NULL);
	if ((lock = sync_lock(db, err)) == -1)
		return err->status;
	if ((rs = target->open(s, &state, err)) != CR_OK) {
		/* e.g. the network module is missing: the run's line says why */
		if (err)
			snprintf(sum->last_error, sizeof sum->last_error, "%.399s", err->msg);
		goto out;
	}

	/* Nothing to send: a cheap look tells whether the ILS is there. */
	if (target->probe && sync_ready_count(db, start) == 0) {
		struct cr_err pe = { 0 };

		if (target->probe(state, &pe) != CR_OK) {
			sum->online = 0;
			snprintf(sum->last_error, sizeof sum->last_error, "%.399s", pe.msg);
		}
	}

	while (sum->online && (max_events <= 0 || sum->sent < max_events)) {
		struct sync_batch b;
		struct cr_err se = { 0 };
		long long now = (long long)time(NULL);
		int limit = batch, stopped = 0;

		if (max_events > 0 && max_events - sum->sent < limit)
			limit = max_events - sum->sent;
		if ((rs = batch_load(db, start, limit, &b, err)) != CR_OK)
			goto out;
		if (b.n == 0) {
			batch_free(&b);
			break;
		}
		if ((rs = batch_mark_sending(db, &b, now, err)) != CR_OK) {
			batch_free(&b);
			goto out;
		}
		sum->sent += b.n;
		/* No transaction is open while the target talks to the network. */
		if (target->send(state, b.items, b.n, b.results, &se) != CR_OK) {
			const char *why = se.msg[0] ? se.msg : _("the library system did not answer");

			if (se.status == CR_ENOMEM) {
				/* Not the library system's doing: the run ends as a
				 * crash would, the batch left 'sending' for the next
				 * run to take up again (a Koha patron looked up before
				 * it is made), with no backoff and no park. */
				sum->sent -= b.n;
				batch_free(&b);
				rs = cr_fail(err, CR_ENOMEM, "out of memory sending to the library system; nothing is "
					     "lost, the next sync sends these events again");
				goto out;
			}
			now = (long long)time(NULL);
			sum->online = 0;
			snprintf(sum->last_error, sizeof sum->last_error, "%.399s", why);
			rs = batch_unreachable(db, s, &b, now, why, sum, err);
			batch_free(&b);
			if (rs != CR_OK)
				goto out;
			break;
		}
		now = (long long)time(NULL);
		rs = batch_record(db, s, &b, now, sum, &stopped, err);
		if (rs == CR_OK && stopped) {
			for (int i = 0; i < b.n; i++) {
				if (b.results[i].outcome != SYNC_STOP)
					continue;
				sum->sent--;
				/* The target's own words (webhook: the shared secret;
				 * koha: the credentials), else the general sentence. */
				if (!stop_reason[0] && b.results[i].reason[0])
					snprintf(stop_reason, sizeof stop_reason, "%s", b.results[i].reason);
			}
		}
		batch_free(&b);
		if (rs != CR_OK)
			goto out;
		if (stopped) {
			sum->stopped = 1;
			snprintf(sum->last_error, sizeof sum->last_error, "%s", stop_reason[0] ? stop_reason : SYNC_STOP_MSG);
			break;
		}
	}
	sum->left = 0;
	{
		sqlite3_stmt *st = db_prepare(db, "SELECT count(*) FROM outbox WHERE target = '" SYNC_OUTBOX_TARGET
					      "' AND state IN ('pending', 'sending', 'waiting')", NULL);

		if (st) {
			if (sqlite3_step(st) == SQLITE_ROW)
				sum->left = sqlite3_column_int(st, 0) - sum->waiting;
			sqlite3_reset(st);
			if (sum->left < 0)
				sum->left = 0;
		}
	}
	if ((rs = sync_state_write(db, sum, (long long)time(NULL), err)) != CR_OK)
		goto out;
	if (sum->sent > 0) {   /* the export's audit row: how many went where, never who */
		char detail[160];

		snprintf(detail, sizeof detail, "%d events to %s: %d done, %d waiting, %d parked", sum->sent,
			 target->name, sum->done, sum->waiting, sum->parked);
		if ((rs = audit_write(db, &(struct audit_entry){ .action = "export", .object_kind = "sync",
								 .detail = detail }, err)) != CR_OK)
			goto out;
	}
	if (sum->stopped)
		rs = cr_fail(err, CR_EUNAVAILABLE, "%s", sum->last_error);
	else if (!sum->online)
		rs = cr_fail(err, CR_EUNAVAILABLE, "%s", sum->last_error[0] ? sum->last_error
			     : _("the library system did not answer"));
out:
	if (state)
		target->close(state);
	if (lock >= 0)
		close(lock);
	return rs;
}

enum cr_status sync_run(struct cr_db *db, const struct sync_settings *s, int max_events, struct sync_summary *sum,
			struct cr_err *err)
{
	const struct sync_target *t = sync_target_find(s->target);

	memset(sum, 0, sizeof *sum);
	if (!s->target[0])
		return cr_fail(err, CR_ECONFIG, "[sync] target is not set: set target = koha, webhook or file "
			       "in the settings");
	if (!t)
		return cr_fail(err, CR_ECONFIG, "[sync] target is not set: '%s' is not koha, webhook or file "
			       "(in the settings)", s->target);
	/* A new patron without a category is refused by Koha (and by the
	 * batch imports): every grade the programme serves needs one. */
	if ((!strcmp(s->target, "koha") || !strcmp(s->target, "file")) && !s->category[0] &&
	    s->category_missing[0])
		return cr_fail(err, CR_ECONFIG, "%s%sthe %s target needs a patron category for every grade the "
			       "programme serves, and grades %s have none: set [sync] category (for any grade "
			       "without a band), or add them to a band in [categories]",
			       s->category_where, s->category_where[0] ? ": " : "", s->target, s->category_missing);
	return sync_run_with(db, s, t, max_events, sum, err);
}

enum cr_status sync_status_read(struct cr_db *db, struct sync_status *out, struct cr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	st = db_prepare(db, "SELECT coalesce(sum(state <> 'parked'), 0), coalesce(sum(state = 'parked'), 0) "
			"FROM outbox INDEXED BY outbox_ready WHERE target = '" SYNC_OUTBOX_TARGET "' "
			"AND state IN ('pending', 'sending', 'waiting', 'parked')", err);
	if (!st)
		return err->status;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->waiting = sqlite3_column_int64(st, 0);
		out->parked = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, err, rc, "counting the outbox");
	st = db_prepare(db, "SELECT coalesce(last_ok, 0), coalesce(last_error, '') FROM sync_state "
			"WHERE target = '" SYNC_OUTBOX_TARGET "'", err);
	if (!st)
		return err->status;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->last_ok = sqlite3_column_int64(st, 0);
		snprintf(out->last_error, sizeof out->last_error, "%s", col(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading the sync state");
	return CR_OK;
}

enum cr_status sync_confirm_not_duplicate(struct cr_db *db, long long staff, long long outbox_id,
					  struct cr_err *err)
{
	sqlite3_stmt *st;
	enum cr_status rs;
	int changed;

	if ((rs = perm_check(db, staff, PERM_RESOLVE, err)) != CR_OK)
		return rs;
	if ((rs = db_begin_immediate(db, err)) != CR_OK)
		return rs;
	st = db_prepare(db, "UPDATE outbox SET confirm_not_duplicate = 1, state = 'pending', next_at = NULL, "
			"server_errors = 0, updated_at = unixepoch() WHERE id = ?1 AND target = '" SYNC_OUTBOX_TARGET "' "
			"AND state = 'parked'", err);
	if (!st) {
		db_rollback(db);
		return err->status;
	}
	sqlite3_bind_int64(st, 1, outbox_id);
	if ((rs = step_done(db, st, "confirming the event", err)) != CR_OK) {
		db_rollback(db);
		return rs;
	}
	changed = sqlite3_changes(db_handle(db));
	if (!changed) {
		db_rollback(db);
		return cr_fail(err, CR_ENOINPUT, "outbox event %lld is not parked (see `cardroll sync --parked`)",
			       outbox_id);
	}
	return db_commit(db, err);
}

enum cr_status sync_parked_each(struct cr_db *db, sync_parked_fn fn, void *ctx, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT o.id, e.kind, coalesce(s.student_number, s.sourced_id), coalesce(c.number, ''), "
		" coalesce(o.last_error, '') FROM outbox o JOIN event e ON e.id = o.event_id "
		" JOIN student s ON s.id = e.student_id LEFT JOIN card c ON c.id = e.card_id "
		"WHERE o.target = '" SYNC_OUTBOX_TARGET "' AND o.state = 'parked' ORDER BY o.id", err);
	int rc;

	if (!st)
		return err->status;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sync_parked p = {
			.outbox_id = sqlite3_column_int64(st, 0),
			.kind = (const char *)sqlite3_column_text(st, 1),
			.student_number = (const char *)sqlite3_column_text(st, 2),
			.card = (const char *)sqlite3_column_text(st, 3),
			.reason = (const char *)sqlite3_column_text(st, 4),
		};

		p.duplicate = strstr(p.reason, "already exists") != NULL;
		if (fn(&p, ctx))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(db, err, rc, "reading the parked events");
	return CR_OK;
}

enum cr_status sync_retry(struct cr_db *db, long long staff, long long outbox_id, struct cr_err *err)
{
	sqlite3_stmt *st;
	enum cr_status rs;

	if ((rs = perm_check(db, staff, PERM_RESOLVE, err)) != CR_OK)
		return rs;
	if ((rs = db_begin_immediate(db, err)) != CR_OK)
		return rs;
	st = db_prepare(db, "UPDATE outbox SET state = 'pending', next_at = NULL, server_errors = 0, "
			"updated_at = unixepoch() WHERE id = ?1 AND target = '" SYNC_OUTBOX_TARGET "' AND state = 'parked'", err);
	if (!st) {
		db_rollback(db);
		return err->status;
	}
	sqlite3_bind_int64(st, 1, outbox_id);
	if ((rs = step_done(db, st, "sending the event again", err)) != CR_OK) {
		db_rollback(db);
		return rs;
	}
	if (!sqlite3_changes(db_handle(db))) {
		db_rollback(db);
		return cr_fail(err, CR_ENOINPUT, "outbox event %lld is not parked", outbox_id);
	}
	return db_commit(db, err);
}

void sync_result_patron_since(struct sync_result *r, const char *date)
{
	r->patron_since[0] = '\0';
	if (date && strlen(date) >= 10) {
		memcpy(r->patron_since, date, 10);
		r->patron_since[10] = '\0';
		if (!coverage_valid_date(r->patron_since))
			r->patron_since[0] = '\0';
	}
}
