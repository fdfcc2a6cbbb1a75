/* roster internals: one import's state (struct imp) and the helpers every
 * part of it shares (imp.c): the driver (roster.c) and the readers (oneroster_*.c). */
#ifndef CR_ROSTER_INT_H
#define CR_ROSTER_INT_H

#include <stdint.h>
#include <time.h>

#include "csv.h"
#include "idmap.h"
#include "package.h"
#include "roster.h"

enum imp_mode { MODE_ABSENT = 0, MODE_BULK, MODE_DELTA };

/* The OneRoster files cardroll reads, in the order it reads them. */
enum imp_file {
	F_ORGS, F_SESSIONS, F_CLASSES, F_ROLES, F_DEMOGRAPHICS, F_USERS, F_ENROLLMENTS,
	F_COUNT
};

/* Student map flags (idmap_entry.flags). */
#define SF_EXISTS   0x0001u   /* in the database before this import */
#define SF_SEEN     0x0002u   /* named by this import's users.csv */
#define SF_BDATE    0x0004u   /* extra holds a birth date (days since 1900) */
#define SF_STUDENT  0x0008u   /* roles.csv says this user is a student */
#define SF_WITHDRAWN 0x0010u  /* withdrawn before this import */
#define SF_ROLES    0x0020u   /* roles.csv named this user at all */
#define SF_REJECTED 0x0040u   /* this import's users.csv row was rejected */
#define SF_SLOT     0x0080u   /* extra holds the school slot (see or_school_slot) */

struct imp_issue {
	const char *file;
	long        line;
	char       *field;
	int         error;      /* 1 error, 0 warning */
	char       *reason;
};

#define IMP_MAX_DEFERRED 32

struct imp {
	struct cr_db                *db;
	sqlite3                     *h;
	const struct roster_options  *opt;
	struct roster_summary        *sum;
	struct cr_err                *err;
	struct package               *pkg;

	enum imp_mode  mode[F_COUNT];
	char           version[16];        /* oneroster.version */
	char           source_name[256];   /* source.systemName */
	long long      run_id;
	long long      district_id;
	time_t         now;

	struct idmap  *students;           /* bulk only: sourcedId -> student row */
	struct idmap  *classes;            /* sourcedId -> class row */
	struct idmap  *schools;            /* sourcedId -> school row */
	struct idmap  *delta_students;     /* delta: sourcedId -> student row, as found */
	struct idmap  *school_slots;       /* school row -> small number */
	int            nslots;
	long long     *moved;              /* children whose school changed: rehome */
	size_t         nmoved, cap_moved;
	struct idmap  *roles;              /* 1.2 roles.csv: userSourcedId -> SF_STUDENT */
	struct idmap  *teachers;           /* sourcedId -> offset+1 into teacher_names */
	char          *teacher_names;
	size_t         teacher_len, teacher_cap;

	struct imp_issue *issues;
	size_t         nissues, cap_issues;
	long           dropped_issues;
	long           rejected_kept;      /* new sourcedIds of rejected users.csv rows remembered */

	struct kept_fold *fold;            /* delta: the kept counts' changes (kept_fold.h) */
	char          *deferred[IMP_MAX_DEFERRED];      /* CREATE statements to run again */
	char          *deferred_drop[IMP_MAX_DEFERRED];
	int            ndeferred;

	int            plain;              /* a plain CSV read through a column mapping */
	int            date_order;         /* plain: 0 YYYY-MM-DD, 1 MM/DD/YYYY, 2 DD/MM/YYYY */
	char           plain_name[256];    /* plain: the CSV's name, for the report */
	const char   *(*field_alias)(struct imp *im, const char *field);
	void          *plain_map;
	struct idmap  *issue_keys;         /* the same issue is reported once */

	unsigned long long bytes_total, bytes_before;
	long           rows;
	long long      seen_students;      /* bulk: students named by users.csv */
	long long      had_students;       /* bulk: the district's students before */
	const char    *cur_file;
	struct csv_reader *cur_reader;
};

/* Problems listed one by one in the report (file, line, field, reason);
 * past this many they are counted, not listed, so that a hostile file of
 * millions of bad rows keeps the import within its memory bound. */
#define IMP_MAX_ISSUES 50000
/* Rejected users.csv rows of children not in the roster yet are remembered
 * (so that their enrollments say "the student's row was rejected") up to
 * this many; past it such an enrollment says it names no student. Keeps a
 * file of millions of bad rows within the import's memory bound. */
#define IMP_MAX_REJECTED_KEPT 100000
/* The maps are sized up front from a file's line count, but for at most
 * this many lines (a district of a million students fits): a file of ten
 * million rows, most of them bad, must not reserve a map for all of them.
 * A bigger real district grows its maps as it goes. */
#define IMP_PRESIZE_MAX 1500000

/* Report a problem at file:line, field. Errors count as rejected rows only
 * where the caller says so (imp_reject). */
void imp_issue(struct imp *im, const char *file, long line, const char *field, int error,
	       const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* An error entry for a file of the package that was refused (not read):
 * counted as a refused file, not a rejected row. */
void imp_refuse_file(struct imp *im, const char *file, const char *field, const char *reason);
void imp_free_issues(struct imp *im);

/* Progress and cancel; returns non-zero when the import must stop. */
int imp_tick(struct imp *im);

/* Statement helpers: bind text or NULL for "" . */
void imp_bind_text(sqlite3_stmt *st, int i, const char *s);
enum cr_status imp_step_done(struct imp *im, sqlite3_stmt *st, const char *what);

#endif
