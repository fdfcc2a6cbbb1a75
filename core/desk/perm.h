/* perm: who may do what. One table of action x role, checked in core on
 * every action (the desk hides what a role cannot do, but this is the check
 * that counts, and the headless commands go through it too). A volunteer's
 * issue and print are further limited to the schools and classes an admin
 * assigned (staff_assignment). No curses here. */
#ifndef CR_PERM_H
#define CR_PERM_H

#include "staff.h"
#include "store/db.h"
#include "store/status.h"

enum perm_action {
	PERM_SEARCH,      /* find children, list classes, open a child or a class roll */
	PERM_ISSUE,       /* issue a card (volunteer: assigned schools/classes only) */
	PERM_PRINT,       /* queue or print slips (volunteer: assigned only) */
	PERM_VOID,        /* void a card, undo a batch */
	PERM_CONSENT,     /* record a family's answer */
	PERM_RESOLVE,     /* decide a parked sync event (sync --confirm, F4) */
	PERM_REPORT,      /* the progress report on this screen */
	PERM_EXPORT,      /* a report that leaves the building (CSV, JSON, --out) */
	PERM_BIRTH_DATE,  /* see a child's birth date */
	PERM_IMPORT,      /* import a roster by hand */
	PERM_SETTINGS,    /* goals, the community profile, column maps */
	PERM_STAFF,       /* add, disable, reset a PIN, assign schools */
	PERM_PURGE,       /* forget what is no longer needed */
	PERM_AUDIT,       /* read the audit log */
	PERM_COUNT
};

/* The action's word ("issue", "birth-date", ...), as messages and the
 * audit say it. */
const char *perm_action_name(enum perm_action a);

/* The table itself: 1 when role may do a (a volunteer's scoped actions
 * count as allowed here; the scope is checked with the object). */
int perm_role_may(enum staff_role role, enum perm_action a);

/* 1 when a is limited to a volunteer's assigned schools and classes. */
int perm_scoped(enum staff_role role, enum perm_action a);

/* Whether staff (staff.id; 0 = no one signed in) may do a. CR_OK, or
 * CR_EUSAGE with a sentence naming the action and the role. With no one
 * signed in it is allowed only while no staff account exists (the first
 * run, before the first admin). A disabled account may do nothing. A
 * volunteer with no school or class assigned may not issue or print. */
enum cr_status perm_check(struct cr_db *db, long long staff, enum perm_action a, struct cr_err *err);

/* The same for one child (student.id), one class (class.id) or one card
 * (card.id): a volunteer's issue and print must be in a school or class
 * assigned to them. */
enum cr_status perm_check_student(struct cr_db *db, long long staff, enum perm_action a, long long student,
				  struct cr_err *err);
enum cr_status perm_check_class(struct cr_db *db, long long staff, enum perm_action a, long long class_id,
				struct cr_err *err);
enum cr_status perm_check_card(struct cr_db *db, long long staff, enum perm_action a, long long card,
			       struct cr_err *err);

/* signup_facts (signup.h) as staff may see them: for a role that may not
 * see birth dates (a volunteer) birth_date is empty, so it never reaches
 * the desk's screen. */
struct signup_facts;
enum cr_status perm_facts(struct cr_db *db, long long staff, long long student, struct signup_facts *f,
			  struct cr_err *err);

/* The role of staff; -1 when there is no such active account; -2 when it
 * could not be read (err says why: out of memory, the disk), which must
 * never pass for "disabled or gone", nor for a role that may do more. */
int perm_role_of(struct cr_db *db, long long staff, struct cr_err *err);

#endif
