/* access: signing in with the audit's record of it, and what a role may
 * do. The one place that says who may read the audit and purge (admins);
 * the staff-roles work replaces access_allows with its permission table. */
#ifndef CR_ACCESS_H
#define CR_ACCESS_H

#include "staff.h"

/* staff_verify, then an audit row: 'sign-in' (who, at which desk) or
 * 'sign-in-failed' (no name kept: the name typed may be anyone's). A
 * sign-in the audit cannot record is refused. */
enum cr_status access_sign_in(struct cr_db *db, const char *desk, const char *name, const char *pin,
			      struct staff_who *who, struct cr_err *err);

/* 1 when who may do action: "audit" and "purge" are an admin's. */
int access_allows(const struct staff_who *who, const char *action);

#endif
