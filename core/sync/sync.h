/* sync: the outbox to the library's ILS, online or not (DESIGN §2.5, §7).
 *
 * Every signup, void and consent change is an event written in the same
 * transaction as the change (event + outbox row, target 'ils'). The engine
 * (sync.c) takes ready outbox rows in order, hands them to the configured
 * target (one `const struct sync_target` each: sync_koha.c,
 * sync_webhook.c, sync_file.c) and records what happened:
 *
 *   pending --> sending --> done            (remote_id kept: the ILS patron)
 *                      \--> waiting until next_at (retry: 429/503 with
 *                           Retry-After, other 5xx, timeouts, resets;
 *                           exponential backoff with jitter, capped)
 *                      \--> parked, with the server's reason, for a person
 *                           (also a server failure, 5xx but 503, that is
 *                           answered SYNC_SERVER_ERROR_TRIES times)
 *
 * Order per child is kept: an event is not sent while an earlier event of
 * the same child is not done (a void never overtakes its signup). A row
 * left in 'sending' by a crash is sent again; targets make that safe (koha
 * looks the child up before creating when an earlier try was recorded,
 * item->attempts > 1, so a replay links instead of making a second
 * patron). Because a batch holds at most one event per child, a target may
 * send a batch's items in parallel. Credentials never appear in logs or
 * messages; request and response bodies (children's data) are never
 * logged. */
#ifndef CR_SYNC_H
#define CR_SYNC_H

#include "store/config.h"
#include "store/db.h"

/* One outbox row with everything a target may send. Strings are "" when
 * absent (never NULL). */
struct sync_item {
	long long   outbox_id;
	long long   event_id;
	const char *uuid;            /* the event's idempotency key */
	const char *kind;            /* signup, void, consent, optout */
	long long   student_id;
	const char *student_number;  /* the district student ID (extended attribute) */
	const char *given, *family;  /* preferred given name where the roster has one */
	const char *birth_date;      /* YYYY-MM-DD where kept */
	const char *grade;           /* CEDS */
	const char *school;
	const char *card;            /* the card number (signup, void) */
	const char *expires;         /* YYYY-MM-DD */
	const char *category;        /* the grade band's patron category, or "" (target default) */
	const char *consent;         /* consent/optout: the state recorded */
	const char *remote_id;       /* the child's ILS patron id from an earlier event, or "" */
	int         confirm_not_duplicate;  /* staff said "not a duplicate": send the override */
	int         attempts;        /* tries so far */
	int         server_errors;   /* 5xx answers (not 503) so far: 8 park the event */
};

enum sync_outcome {
	SYNC_DONE,      /* the ILS has it; remote_id set when the target learned one */
	SYNC_RETRY,     /* try again later: retry_after_s > 0 when the server said when */
	SYNC_PARK,      /* a person must look: reason says why (the server's words) */
	SYNC_STOP,      /* stop this target now (bad credentials): reason says what to check */
};

struct sync_result {
	enum sync_outcome outcome;
	char              remote_id[64];
	int               retry_after_s;
	int               http_status;  /* the server's answer to this one event (koha), 0 when none; a
					 * batch target (webhook, file) leaves it 0: one 5xx there is
					 * the whole batch's, not this event's */
	char              reason[400];
	/* The ILS's enrolment date (YYYY-MM-DD) of the patron a signup's card
	 * was linked to, when the target learned one (koha: date_enrolled);
	 * "" otherwise. Before the card's issue day, the engine records the
	 * child as carded before (desk/before.h). Set it with
	 * sync_result_patron_since. */
	char              patron_since[11];
};

/* A target found the patron it linked the card to already in the ILS,
 * enrolled on date (YYYY-MM-DD, or a date-time read by its day; NULL or
 * not a date: nothing). */
void sync_result_patron_since(struct sync_result *r, const char *date);

/* A SYNC_RETRY whose http_status says the server failed (5xx but 503, its
 * "busy") is the same body failing the same way: once the server has failed
 * the event this many times (outbox.server_errors, counted apart from tries
 * of any kind) it is parked with the server's words instead of being
 * retried without end. Network failures, 503 and 429 keep retrying and do
 * not count. */
#define SYNC_SERVER_ERROR_TRIES 8

struct sync_target {
	const char *name;          /* "koha", "webhook", "file" */
	/* Reads the settings; no network yet. */
	enum cr_status (*open)(const struct sync_settings *s, void **state, struct cr_err *err);
	/* A cheap check that the ILS answers (short timeout): CR_OK online,
	 * CR_EUNAVAILABLE offline with a sentence in err. May be NULL. */
	enum cr_status (*probe)(void *state, struct cr_err *err);
	/* Sends n items (n <= s->batch); fills results[0..n-1]. A status other
	 * than CR_OK means none was sent (the whole batch retries later). */
	enum cr_status (*send)(void *state, const struct sync_item *items, int n, struct sync_result *results,
			       struct cr_err *err);
	/* Asks the ILS whether a child (by student ID or card) already has a
	 * patron record: *found 1/0, remote_id filled when found. May be NULL. */
	enum cr_status (*lookup)(void *state, const char *student_number, const char *card, int *found,
				 char *remote_id, size_t len, struct cr_err *err);
	void (*close)(void *state);
};

/* The targets cardroll knows; NULL for an unknown name. */
const struct sync_target *sync_target_find(const char *name);

/* What one run did. */
struct sync_summary {
	int  sent;          /* events handed to the target */
	int  done;
	int  waiting;       /* retry later (still in the outbox) */
	int  parked;        /* for a person */
	int  left;          /* not ready yet (waiting for their time or an earlier event) */
	int  online;        /* the target answered */
	int  stopped;       /* the target was stopped (credentials) */
	char last_error[400];
};

/* Drains the outbox through the configured target: every ready event, in
 * batches, until none is ready or the target stops or is unreachable.
 * max_events bounds the run (0: no bound). Exit codes for `cardroll sync`:
 * 0 all done, 75 some waiting, 69 target unreachable, 65 some parked. */
enum cr_status sync_run(struct cr_db *db, const struct sync_settings *s, int max_events,
			struct sync_summary *sum, struct cr_err *err);

/* sync_run with the target given rather than found from s->target: the
 * engine itself, for tests with a fake target. */
enum cr_status sync_run_with(struct cr_db *db, const struct sync_settings *s, const struct sync_target *target,
			     int max_events, struct sync_summary *sum, struct cr_err *err);

/* Counts for the desk's status line: events pending/sending/waiting, and
 * parked; last_ok (unix time of the last success, 0 never) and last_error. */
struct sync_status {
	long long waiting, parked;
	long long last_ok;
	char      last_error[400];
};
enum cr_status sync_status_read(struct cr_db *db, struct sync_status *st, struct cr_err *err);

/* Staff (staff.id, who must be allowed PERM_RESOLVE: checked here) decided
 * a parked likely-duplicate is a different child: the event goes back to
 * pending with the override. */
enum cr_status sync_confirm_not_duplicate(struct cr_db *db, long long staff, long long outbox_id,
					  struct cr_err *err);

/* One event parked for a person: student ID and card, never names. */
struct sync_parked {
	long long   outbox_id;
	const char *kind;            /* signup, void, consent, optout */
	const char *student_number;  /* or the roster's sourcedId when there is none */
	const char *card;
	const char *reason;          /* the server's words */
	int         duplicate;       /* the ILS said "likely the same person": --confirm applies */
};
typedef int (*sync_parked_fn)(const struct sync_parked *p, void *ctx);

/* The parked events in outbox order; fn returns non-zero to stop. */
enum cr_status sync_parked_each(struct cr_db *db, sync_parked_fn fn, void *ctx, struct cr_err *err);

/* A parked event goes back to pending as it is (someone fixed the record
 * in the ILS, or the reason is gone). */
enum cr_status sync_retry(struct cr_db *db, long long staff, long long outbox_id, struct cr_err *err);

/* ---- what the targets read from a server, exposed for the fuzzer -------- */
/* (tests/fuzz/fuzz_json.c feeds them untrusted replies; the targets call
 * them on every answer.) */

/* The patron the koha target takes from a GET /api/v1/patrons reply (text,
 * up to a NUL byte): a list's first element, or a lone object with a
 * patron_id; student is the value of the extended attribute `attribute`
 * ("" when none). 1 when a patron with an id came back, else 0. */
struct sync_koha_patron {
	char id[64], card[64], surname[256], firstname[256], student[128];
	char since[32];   /* date_enrolled, "" when absent */
};
int sync_koha_read_patron(const char *text, const char *attribute, struct sync_koha_patron *p);

/* The webhook target's reading of a reply {"results":[{id, status, ...}]}
 * for the n items sent: fills res[0..n-1] as a send would. 0, or -1 when
 * the reply does not have that shape (res untouched). */
int sync_webhook_read_results(const char *text, size_t len, const struct sync_item *items, int n,
			      struct sync_result *res, int retry_after);

#endif
