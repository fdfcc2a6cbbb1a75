/* printq: the print queue. A job (print_job, its slips in print_item) goes
 * queued -> sending -> done, or failed with the reason in a sentence; a
 * failed job is never lost: printing it again (or `cardroll print
 * --pending`) sends it when the printer is back. A done job printed again
 * is a reprint: a new job with the same slips. */
#ifndef CR_PRINTQ_H
#define CR_PRINTQ_H

#include "store/config.h"
#include "store/db.h"

/* Where and how to print: the desk's [print] settings, with the target
 * overridden by `--out` or a default file when the settings name none. */
struct printq_dest {
	const struct print_settings *ps;
	const char                  *target;   /* NULL: ps->target */
	const char                  *desk;     /* for the audit row */
	long long                    staff;    /* who prints (0: nobody signed in) */
	int                          waiting_only;   /* a job already done is left alone, not reprinted */
};

/* Prints job. *printed gets the slips sent (void cards are left out and
 * counted in *skipped). A job that is done is copied to a new job first
 * (*ran gets the job that actually printed). On a printer error the job
 * is marked failed with the message and the status is returned. With
 * d->waiting_only a job done meanwhile (another desk sent it) prints
 * nothing and *ran is 0. */
enum cr_status printq_run(struct cr_db *db, const struct printq_dest *d, long long job, long long *ran,
			  int *printed, int *skipped, struct cr_err *err);

/* Copies job's slips to a new queued job (*copy). */
enum cr_status printq_reprint(struct cr_db *db, long long job, long long staff, long long *copy,
			      struct cr_err *err);

/* Every job queued, failed, or left in sending by a desk that died mid-job
 * (no process holds its lock; without a lock file, a minute without news),
 * oldest first: calls fn until it returns non-zero. */
enum cr_status printq_pending(struct cr_db *db, int (*fn)(long long job, void *ctx), void *ctx,
			      struct cr_err *err);

/* The class's latest job still waiting (queued or failed), or 0. */
enum cr_status printq_waiting_for_class(struct cr_db *db, long long class_id, long long *job, struct cr_err *err);

/* A job's state and error sentence (for the desk's status line). */
enum cr_status printq_state(struct cr_db *db, long long job, char *state, size_t slen, char *error, size_t elen,
			    struct cr_err *err);

#endif
