/* overview: the programme at a glance for the home screen (counts only). */
#ifndef CR_OVERVIEW_H
#define CR_OVERVIEW_H

#include "store/db.h"

struct overview_school {
	const char *district;      /* district name */
	const char *school;        /* school name */
	long long   school_rowid;
	long        classes;       /* active classes */
	long        students;      /* active students */
	long        carded;        /* students with an active card */
};

struct overview_district {
	const char *name;
	long long   district_rowid;
	long        schools;
	long        students;          /* active */
	long long   last_import;       /* unix time of the last successful import, 0 if none */
};

typedef int (*overview_school_fn)(const struct overview_school *s, void *ctx);
typedef int (*overview_district_fn)(const struct overview_district *d, void *ctx);

enum cr_status overview_districts(struct cr_db *db, overview_district_fn fn, void *ctx, struct cr_err *err);
enum cr_status overview_schools(struct cr_db *db, overview_school_fn fn, void *ctx, struct cr_err *err);

#endif
