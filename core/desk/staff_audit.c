/* staff_audit: audit rows for sign-ins, lockouts and staff changes,
 * written through the audit's one writer (store/audit.h). */
#include "staff_audit.h"
#include "store/audit.h"

enum cr_status staff_audit(struct cr_db *db, long long actor, const char *desk, const char *action,
			   const char *kind, long long object, const char *detail, struct cr_err *err)
{
	return audit_write(db, &(struct audit_entry){ .staff = actor > 0 ? actor : 0, .desk = desk, .action = action,
						.object_kind = kind, .object_id = object > 0 ? object : 0,
						.detail = detail }, err);
}
