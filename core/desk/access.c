/* access: sign-in with its audit row; what a role may do. */
#include <string.h>

#include "access.h"
#include "store/audit.h"

enum cr_status access_sign_in(struct cr_db *db, const char *desk, const char *name, const char *pin,
			      struct staff_who *who, struct cr_err *err)
{
	struct cr_err aerr = { 0 };
	enum cr_status st = staff_verify(db, name, pin, who, err);
	struct audit_entry a = { .desk = desk };

	if (st == CR_OK) {
		a.staff = who->id;
		a.action = "sign-in";
		a.object_kind = "staff";
		a.object_id = who->id;
		a.detail = staff_role_name(who->role);
	} else if (st == CR_EDATA) {
		a.action = "sign-in-failed";
		a.detail = "name or PIN not recognised";
	} else {
		return st;   /* the check itself failed (memory, database): no sign-in happened */
	}
	if (audit_write(db, &a, &aerr) != CR_OK) {
		memset(who, 0, sizeof *who);
		if (st == CR_OK)
			return cr_fail(err, aerr.status, "signing in: %s", aerr.msg);
	}
	return st;
}

int access_allows(const struct staff_who *who, const char *action)
{
	if (!who || who->id <= 0)
		return 0;
	if (!strcmp(action, "audit") || !strcmp(action, "purge"))
		return who->role == STAFF_ADMIN;
	return 1;
}
