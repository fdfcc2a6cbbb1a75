/* audit: the append-only record of who did what, when, at which desk.
 * Every row goes through audit_write. A row never holds a name, a student
 * ID or a card number; a row about a child holds only the child's keyed
 * hash (HMAC-SHA256 of the district's and the child's sourcedId under the
 * database's own random key, audit_key), so purging the child leaves
 * nothing to rewrite: the database refuses UPDATE and DELETE on audit. */
#ifndef CR_AUDIT_H
#define CR_AUDIT_H

#include "db.h"

/* The actions written (the audit's "what"):
 *   issue void consent confirm-not-duplicate undo_batch   a child's card or consent
 *   print            a print job (object print_job)
 *   export           events sent to the library system (detail: how many, where)
 *   report           a progress report made (detail: format and level)
 *   import           a roster import (object import_run)
 *   purge            a purge run (detail: the counts)
 *   sign-in          a staff sign-in
 *   sign-in-failed   a name or PIN not recognised (no name kept)
 *   staff-add        a staff account added (object staff)
 *   audit            someone read the audit */
struct audit_entry {
	long long   staff;        /* staff.id of who acted, 0 when nobody is signed in */
	const char *desk;         /* NULL: none */
	const char *action;
	const char *object_kind;  /* NULL: none */
	long long   object_id;    /* 0: none */
	long long   student;      /* student.id the row is about: stored only as its hash; 0 none */
	const char *detail;       /* counts and reasons; never a name, student ID or card number */
};

/* Writes one row (inside the caller's transaction when there is one). */
enum cr_status audit_write(struct cr_db *db, const struct audit_entry *e, struct cr_err *err);

#define AUDIT_HASH_HEX 65

/* The keyed hash of a student row (64 hex digits). CR_ENOINPUT when the
 * student does not exist. */
enum cr_status audit_subject(struct cr_db *db, long long student, char out[AUDIT_HASH_HEX], struct cr_err *err);

/* One row as `cardroll audit` shows it. */
struct audit_row {
	long long   id;
	long long   at;             /* unix time */
	long long   staff;          /* 0: none */
	const char *staff_name;     /* "" when none */
	const char *desk;           /* "" when none */
	const char *action;
	const char *object_kind;    /* "" when none */
	long long   object_id;      /* 0: none */
	const char *subject;        /* the child's hash, "" when the row is about no child */
	long long   student;        /* the living child's student.id, 0: purged or none */
	const char *student_number; /* the living child's student ID, "" when unknown */
	const char *detail;         /* "" when none */
};

/* Calls fn for each row at or after since (unix time, 0: all), oldest
 * first; a non-zero return stops the walk. A child's hash is matched
 * against the children in the database now. */
enum cr_status audit_read(struct cr_db *db, long long since, int (*fn)(const struct audit_row *r, void *ctx),
			  void *ctx, struct cr_err *err);

#endif
