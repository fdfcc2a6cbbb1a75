/* staff_audit: the one way this part writes an audit row (who by staff.id,
 * the desk, the action, the object by kind and id; never a name, a PIN or
 * a child's data in detail). */
#ifndef CR_STAFF_AUDIT_H
#define CR_STAFF_AUDIT_H

#include "store/db.h"
#include "store/status.h"

/* actor 0 and object 0 are stored as NULL; desk and detail may be NULL. */
enum cr_status staff_audit(struct cr_db *db, long long actor, const char *desk, const char *action,
			   const char *kind, long long object, const char *detail, struct cr_err *err);

#endif
