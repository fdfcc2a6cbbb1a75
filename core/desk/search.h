/* search: type-ahead over the roster by name prefix (any word order, case-
 * and accent-insensitive) or by exact student ID, through FTS5. */
#ifndef CR_SEARCH_H
#define CR_SEARCH_H

#include "store/db.h"

struct search_hit {
	long long   student_rowid;   /* student.id */
	const char *student_number;  /* district student ID, may be "" */
	const char *given_name;
	const char *family_name;
	const char *preferred_name;  /* may be "" */
	const char *school;          /* school name, may be "" */
	const char *grade;           /* CEDS code, may be "" */
	const char *status;          /* active, inactive, withdrawn */
	const char *district;        /* district name */
};

/* Called once per hit, in order; return non-zero to stop early. The hit's
 * strings are valid only during the call. */
typedef int (*search_fn)(const struct search_hit *hit, void *ctx);

/* Finds up to limit students for query. An exact student ID match comes
 * first; then name-prefix matches where every word of the query is a prefix
 * of some word of the name. An empty query finds nothing. Returns CR_OK and
 * the number of hits in *count (may be NULL). */
enum cr_status search_find(struct cr_db *db, const char *query, int limit,
			   search_fn fn, void *ctx, int *count, struct cr_err *err);

/* The one student with this student.id, as a hit (fn is not called when
 * there is none). */
enum cr_status search_student(struct cr_db *db, long long student, search_fn fn, void *ctx, struct cr_err *err);

#endif
