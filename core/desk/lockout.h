/* lockout: signing in with a growing delay after repeated failures. The
 * failures are kept in the database (signin_failure), keyed by a hash of
 * the name tried, so the delay holds across processes and desks, and an
 * unknown name is answered and delayed exactly like a known one. */
#ifndef CR_LOCKOUT_H
#define CR_LOCKOUT_H

#include "staff.h"

#define LOCKOUT_FREE_TRIES  4      /* failures before the first lock */
#define LOCKOUT_FIRST_S     30     /* the first lock; each failure after it doubles */
#define LOCKOUT_MAX_S       3600
#define LOCKOUT_FORGET_S    86400  /* failures older than a day are forgotten */

/* The lock that follows failures (0: none yet): 30 s at the 5th, 60 s at
 * the 6th, ... at most an hour. */
long long lockout_delay(int failures);

/* Signs in at time now (unix seconds; the desk passes time(NULL), tests
 * their own clock). While the name is locked: CR_ETEMP "too many tries ...:
 * wait N s", without checking the PIN. Otherwise staff_verify; a failure is
 * counted (and may start a lock: the message then says so) and recorded in
 * the audit ('sign-in-failed', 'sign-in-locked', by account id when the name
 * is an account's, never the name); a success clears the count and records
 * 'sign-in'. desk may be NULL. */
enum cr_status staff_signin(struct cr_db *db, const char *name, const char *pin, const char *desk, long long now,
			    struct staff_who *who, struct cr_err *err);

/* Forgets the failures of the account's name (after an admin resets its PIN). */
enum cr_status lockout_clear(struct cr_db *db, const char *name, struct cr_err *err);

#endif
