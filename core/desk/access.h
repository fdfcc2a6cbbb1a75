/* access: signing in with the audit's record of it, and what a role may
 * do with the audit and purge (perm.c's table says it). */
#ifndef CR_ACCESS_H
#define CR_ACCESS_H

#include "staff.h"

/* staff_signin (lockout.h: the growing delay after failures), which writes
 * the audit's 'sign-in' (who, at which desk), 'sign-in-failed' or
 * 'sign-in-locked' row (no name kept: the name typed may be anyone's). */
enum cr_status access_sign_in(struct cr_db *db, const char *desk, const char *name, const char *pin,
			      struct staff_who *who, struct cr_err *err);

/* 1 when who may do action ("audit", "purge": perm.c's table). */
int access_allows(const struct staff_who *who, const char *action);

#endif
