/* signup: issuing a library card to a child. One signup is one BEGIN
 * IMMEDIATE transaction that checks the programme's rules again, allocates
 * the card number, and writes the card, the signup event (with its
 * idempotency key), the outbox row and the audit row together. Several desks
 * may issue at once on one database: one wins, the others are told. */
#ifndef CR_SIGNUP_H
#define CR_SIGNUP_H

#include <time.h>

#include "cardno.h"
#include "store/config.h"
#include "store/db.h"

enum signup_outcome {
	SIGNUP_ISSUED,      /* a new card */
	SIGNUP_ALREADY,     /* the child has a card already (maybe from another desk just now) */
	SIGNUP_REFUSED,     /* a rule says no; reason says which, in a sentence */
};

struct signup_request {
	long long   student;                 /* student.id */
	long long   staff;                   /* staff.id of who issues, 0 when none */
	const char *desk;                    /* the desk's name */
	const char *stock_number;            /* CARD_STOCK: the card scanned at the desk */
	int         confirm_not_duplicate;   /* staff looked at a likely duplicate and said go */
};

/* Why a child cannot have a card, for screens that sort children by it. */
enum signup_why {
	WHY_NONE,            /* no obstacle (or the child has a card) */
	WHY_NOT_FOUND,
	WHY_WITHDRAWN,
	WHY_INACTIVE,
	WHY_GRADE,
	WHY_AGE,
	WHY_OPTED_OUT,
	WHY_NEEDS_CONSENT,
	WHY_DUPLICATE,       /* a person must look: confirm_not_duplicate */
	WHY_CARD_NUMBER,     /* the scheme cannot make or accept a number */
	WHY_NOT_ASSIGNED,    /* a volunteer, and the child is outside their schools and classes */
};

struct signup_result {
	enum signup_outcome outcome;
	enum signup_why     why;
	long long           card_id;
	char                card[CARDNO_MAX];
	char                reason[320];     /* why not; or, when issued, what to remember */
};

/* Issues a card if the rules allow. CR_OK means the outcome is decided
 * (issued, already or refused: also a volunteer's child outside their
 * schools and classes, WHY_NOT_ASSIGNED); another status means nothing was
 * written: the database failed, or rq->staff may not issue at all
 * (CR_EUSAGE, perm.h: no one signed in, a disabled account, a volunteer
 * with nothing assigned). */
enum cr_status signup_issue(struct cr_db *db, const struct programme *pg, const struct signup_request *rq,
			    struct signup_result *res, struct cr_err *err);

/* The same rules without issuing: what the desk would be told. */
enum cr_status signup_check(struct cr_db *db, const struct programme *pg, long long student,
			    int confirm_not_duplicate, struct signup_result *res, struct cr_err *err);

/* Voids a card issued by mistake, with the reason (required). Nothing is
 * deleted: the card is marked void and a void event goes to the outbox. */
enum cr_status signup_void(struct cr_db *db, const char *number, const char *reason, long long staff,
			   const char *desk, struct cr_err *err);

/* Undoes a batch (a class issued by mistake): voids each of the n cards
 * (card.id) still in use, with one reason, in one transaction, plus an
 * audit row for the undo itself (class_id, 0 when none). *voided says how
 * many were in use; a card voided already is left as it is. */
enum cr_status signup_void_batch(struct cr_db *db, const long long *cards, int n, const char *reason,
				 long long staff, const char *desk, long long class_id, int *voided,
				 struct cr_err *err);

/* Records a family's answer for a child: "given" (a guardian said yes),
 * "signed" (the signature is in), "opted_out" (the family said no), or
 * "pending". An event for the ILS and an audit row are written with it. */
enum cr_status signup_consent(struct cr_db *db, long long student, const char *state, long long staff,
			      const char *desk, struct cr_err *err);

/* The student with this district student ID. *count says how many have it
 * (0: none; more than 1: the same ID in several districts). */
enum cr_status signup_find_student(struct cr_db *db, const char *student_number, long long *student,
				   int *count, struct cr_err *err);

/* What the desk shows about a child beyond the search hit. Empty strings
 * where there is nothing (no card, no birth date kept). */
struct signup_facts {
	char      classes[200];          /* class titles, comma-separated */
	char      birth_date[16];
	char      card[CARDNO_MAX];      /* the active card */
	char      card_desk[128];
	char      card_staff[128];       /* who issued it (the card is in their name); "" when unknown */
	long long card_at;               /* unix time it was issued */
	char      expires[16];
	char      category[16];
	char      consent[16];           /* none, pending, given, signed, opted_out */
	int       directory_optout;      /* the district's FERPA directory opt-out */
};

enum cr_status signup_facts(struct cr_db *db, long long student, struct signup_facts *f, struct cr_err *err);

/* When a card issued at now to a child in grade (a CEDS code) expires,
 * as YYYY-MM-DD: the end of the school year, or of grade 12's year. */
void signup_expiry(const struct programme *pg, const char *grade, time_t now, char out[16]);

#endif
