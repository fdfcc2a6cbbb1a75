/* goals: a target share of children carded by a date, for the whole
 * programme or one school, and how far each goal is (`cardroll goal`,
 * `cardroll report`). */
#ifndef CR_GOALS_H
#define CR_GOALS_H

#include "store/db.h"

struct goal_progress {
	long long   school_rowid;   /* 0: the whole programme */
	const char *school;         /* "" for the whole programme */
	const char *district;       /* the school's district, "" for the whole programme */
	double      target_pct;
	const char *due;            /* YYYY-MM-DD */
	long long   enrolled;       /* active children in scope */
	long long   covered;        /* ... carded (through the programme or before) */
	double      pct;            /* covered / enrolled, percent */
	long long   needed;         /* more children to reach the target (0 when met) */
	long        days_left;      /* from today to due; negative when past */
	long long   per_week;       /* the pace needed: needed children a week (rounded up);
				     * all of needed when less than a week is left */
};

typedef int (*goal_fn)(const struct goal_progress *g, void *ctx);

/* Sets (or replaces) the goal of a scope: school NULL for the whole
 * programme, else the school's name, sourcedId or identifier (case
 * ignored). target_pct in (0, 100]; due a date after today (YYYY-MM-DD,
 * today NULL: the local date). Bad input is CR_EDATA naming the field. */
enum cr_status goal_set(struct cr_db *db, const char *school, double target_pct, const char *due,
			const char *today, struct cr_err *err);

/* Removes a scope's goal; CR_ENOMATCH when it had none. */
enum cr_status goal_remove(struct cr_db *db, const char *school, struct cr_err *err);

/* Every goal with its progress as of today (NULL: the local date): the
 * whole programme first, then schools by name. */
enum cr_status goal_each(struct cr_db *db, const char *today, goal_fn fn, void *ctx, struct cr_err *err);

/* How many goals are set. */
enum cr_status goal_count(struct cr_db *db, long *n, struct cr_err *err);

/* Days from a to b (YYYY-MM-DD, both valid). */
long goal_days_between(const char *a, const char *b);

/* The local date today into buf (11 bytes). */
void goal_today(char *buf, size_t len);

#endif
