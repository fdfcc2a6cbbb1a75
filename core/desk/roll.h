/* roll: class by class. The classes of a school with their coverage, and
 * a class's roll with each child's state as the desk shows it. */
#ifndef CR_ROLL_H
#define CR_ROLL_H

#include "store/config.h"
#include "store/db.h"

enum roll_state {
	ROLL_HAS_CARD,
	ROLL_NEEDS_CARD,        /* eligible: a card can be issued now */
	ROLL_CONSENT_PENDING,   /* opt-in: waiting for a guardian's yes */
	ROLL_OPTED_OUT,
	ROLL_PROBLEM,           /* a rule says no; reason says which */
};

const char *roll_state_name(enum roll_state s);

struct roll_class {
	long long   id;
	const char *sourced_id;
	const char *title;
	const char *teacher;     /* "" when unknown */
	const char *grades;
	const char *periods;
	long        enrolled;    /* active children on the roll */
	long        carded;      /* of those, with a card */
};

struct roll_child {
	long long       id;              /* student.id */
	const char     *student_number;
	const char     *given_name;
	const char     *family_name;
	const char     *preferred_name;
	const char     *grade;
	enum roll_state state;
	const char     *card;            /* "" unless ROLL_HAS_CARD */
	const char     *reason;          /* the rule's sentence, or a note; may be "" */
};

struct roll_summary {
	int children, carded, eligible, need_consent, opted_out, problems;
};

typedef int (*roll_class_fn)(const struct roll_class *c, void *ctx);
typedef int (*roll_child_fn)(const struct roll_child *c, void *ctx);

/* The school's active classes, by title. */
enum cr_status roll_classes(struct cr_db *db, long long school, roll_class_fn fn, void *ctx, struct cr_err *err);

/* A class's roll, by family name: the school's active children in the class
 * and children of other schools in it. */
enum cr_status roll_children(struct cr_db *db, const struct programme *pg, long long class_id,
			     roll_child_fn fn, void *ctx, struct cr_err *err);

/* What "issue to all" would do: how many are eligible, need consent, opted
 * out, or have a problem. */
enum cr_status roll_summarise(struct cr_db *db, const struct programme *pg, long long class_id,
			      struct roll_summary *sum, struct cr_err *err);

#endif
