/* assign: the schools and classes an admin assigns a volunteer (`cardroll
 * staff assign`); perm.h limits a volunteer's issue and print to them. */
#ifndef CR_ASSIGN_H
#define CR_ASSIGN_H

#include "store/db.h"
#include "store/status.h"

/* Assigns (remove 0) or unassigns (remove 1) a school (school: its name,
 * sourcedId or identifier, case ignored) or a class (klass: its class ID
 * or its title, as classes_resolve) to the volunteer named name. Exactly
 * one of school and klass. actor must be an admin. Only a volunteer is
 * assigned (the other roles work everywhere): anyone else is CR_EDATA
 * saying so. Audit row 'staff-assign' / 'staff-unassign'. */
enum cr_status assign_set(struct cr_db *db, long long actor, const char *desk, const char *name, const char *school,
			  const char *klass, int remove, struct cr_err *err);

/* Calls fn for each school ("school") and class ("class") assigned to the
 * account staff.id, with the roster's ID and name; non-zero from fn stops. */
enum cr_status assign_each(struct cr_db *db, long long staff,
			   int (*fn)(const char *kind, const char *sid, const char *label, void *ctx), void *ctx,
			   struct cr_err *err);

#endif
