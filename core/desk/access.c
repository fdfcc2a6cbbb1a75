/* access: sign-in with its audit row; what a role may do. */
#include <string.h>
#include <time.h>

#include "access.h"
#include "lockout.h"
#include "perm.h"

enum cr_status access_sign_in(struct cr_db *db, const char *desk, const char *name, const char *pin,
			      struct staff_who *who, struct cr_err *err)
{
	/* lockout.c signs in with the growing delay and writes the audit's
	 * 'sign-in', 'sign-in-failed' or 'sign-in-locked' row. */
	return staff_signin(db, name, pin, desk, (long long)time(NULL), who, err);
}

int access_allows(const struct staff_who *who, const char *action)
{
	if (!who || who->id <= 0)
		return 0;
	if (!strcmp(action, "audit"))
		return perm_role_may(who->role, PERM_AUDIT);
	if (!strcmp(action, "purge"))
		return perm_role_may(who->role, PERM_PURGE);
	return 1;
}
