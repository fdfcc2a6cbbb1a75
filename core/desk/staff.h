/* staff: the people who work the desk, their roles, and signing in with a
 * name and a desk PIN (stored only as an argon2id hash). No curses here. */
#ifndef CR_STAFF_H
#define CR_STAFF_H

#include <stddef.h>

#include "store/db.h"
#include "store/status.h"

enum staff_role { STAFF_ADMIN, STAFF_LIBRARIAN, STAFF_VOLUNTEER };

#define STAFF_NAME_MAX  64   /* characters, and bytes of UTF-8 */
#define STAFF_PIN_MIN   4    /* digits */
#define STAFF_PIN_MAX   12

/* Who signed in. */
struct staff_who {
	long long       id;
	char            name[STAFF_NAME_MAX + 1];
	enum staff_role role;
};

/* "admin", "librarian", "volunteer" (as stored in the database). */
const char *staff_role_name(enum staff_role role);
/* The role named by word (exactly as above), or -1 for any other word. */
int staff_role_parse(const char *word);

/* The name as it is stored: trimmed, NFC, 1..64 characters in at most 64
 * bytes, no control characters. out holds STAFF_NAME_MAX + 1 bytes.
 * CR_EDATA with a sentence saying what a name must be. */
enum cr_status staff_name_clean(const char *name, char out[STAFF_NAME_MAX + 1], struct cr_err *err);

/* CR_OK when pin is a desk PIN (4 to 12 digits), else CR_EDATA saying what
 * a PIN must be. The message never repeats the PIN. */
enum cr_status staff_pin_check(const char *pin, struct cr_err *err);

/* Adds a staff account (the first account must be an admin), storing an
 * argon2id hash of pin and an audit row ('staff-add') in one transaction.
 * A name already taken (case ignored) is CR_EDATA "staff NAME already
 * exists". *id (may be NULL) gets the new account's id. */
enum cr_status staff_add(struct cr_db *db, const char *name, enum staff_role role, const char *pin,
			 long long *id, struct cr_err *err);
/* The same, with the admin who adds (staff.id; 0, no one, only for the
 * very first account) and the desk recorded in the audit row. Anyone but
 * an admin is refused (perm.h). */
enum cr_status staff_add_as(struct cr_db *db, long long actor, const char *desk, const char *name,
			    enum staff_role role, const char *pin, long long *id, struct cr_err *err);

/* Disables the account named name (actor: an admin's staff.id), keeping
 * its history; its school assignments are removed. The last active admin
 * cannot be disabled. Audit row 'staff-disable'. */
enum cr_status staff_disable(struct cr_db *db, long long actor, const char *desk, const char *name,
			     struct cr_err *err);

/* Gives the account named name a new PIN (actor: an admin), enables it
 * again if it was disabled, and forgets its failed sign-ins (the lock).
 * Audit row 'staff-reset-pin'; never the PIN. */
enum cr_status staff_reset_pin(struct cr_db *db, long long actor, const char *desk, const char *name,
			       const char *pin, struct cr_err *err);

/* Signs in: CR_OK and *who filled when name (case ignored) is an active
 * account whose PIN is pin. An unknown name, a wrong PIN and a disabled
 * account all give the same CR_EDATA "name or PIN not recognised", and take
 * the same time (one argon2id verify each), so names cannot be probed. */
enum cr_status staff_verify(struct cr_db *db, const char *name, const char *pin, struct staff_who *who,
			    struct cr_err *err);

/* Active (not disabled) accounts; -1 when the database cannot be read.
 * 0 means the first run: ask for an admin. */
int staff_count(struct cr_db *db);

/* Calls fn for each account, by name; a non-zero return from fn stops the
 * walk (still CR_OK). Hashes never leave this module. */
enum cr_status staff_list(struct cr_db *db,
			  int (*fn)(long long id, const char *name, const char *role, int disabled, void *ctx),
			  void *ctx, struct cr_err *err);

#endif
