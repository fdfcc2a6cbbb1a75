/* classes: the roster's classes with the IDs commands take (`cardroll
 * classes`, `issue --class`, `slips --class`), and a class named by its ID
 * or by its title. */
#ifndef CR_CLASSES_H
#define CR_CLASSES_H

#include "roll.h"
#include "store/db.h"

struct classes_row {
	const struct roll_class *c;       /* id, sourced_id (the class ID), title, teacher, counts */
	const char              *school;  /* school name */
	const char              *school_id;   /* the school's sourcedId */
};

typedef int (*classes_fn)(const struct classes_row *row, void *ctx);

/* The active classes of every school, or of the schools school names (its
 * sourcedId, its identifier, or its name, case ignored); by school, then
 * title. A school filter that matches no school is CR_ENOINPUT. */
enum cr_status classes_list(struct cr_db *db, const char *school, classes_fn fn, void *ctx, struct cr_err *err);

/* The class named by what: its class ID (the roster's sourcedId) or its
 * title (case ignored) when one active class has it. *class_id gets
 * class.id and sid (when not NULL) its class ID. None: CR_ENOINPUT; a
 * title several classes have: CR_EDATA, the message listing them with their
 * IDs. */
enum cr_status classes_resolve(struct cr_db *db, const char *what, long long *class_id, char *sid, size_t sidlen,
			       struct cr_err *err);

/* The active school a person named (`--school`): its sourcedId, its
 * identifier or its name, case ignored. None, or a name several schools
 * have: CR_EDATA with a sentence saying which. */
enum cr_status classes_school(struct cr_db *db, const char *what, long long *id, struct cr_err *err);

#endif
