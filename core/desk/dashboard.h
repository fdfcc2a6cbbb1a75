/* dashboard: the desk's progress table, one level at a time: districts,
 * a district's schools, a school's grades, a grade's classes, each row with
 * the coverage counts kept in the database (coverage_kept.h). Counts only,
 * never a child. */
#ifndef CR_DASHBOARD_H
#define CR_DASHBOARD_H

#include <stddef.h>
#include "coverage.h"

enum dash_level { DASH_DISTRICTS, DASH_SCHOOLS, DASH_GRADES, DASH_CLASSES };

/* Where the table is: the level and the rows opened to reach it. */
struct dash_scope {
	enum dash_level level;
	long long       district;      /* district.id: schools, grades, classes */
	long long       school;        /* school.id, 0 for children without one: grades, classes */
	char            grade[32];     /* classes: the grade ('' unknown) */
};

struct dash_row {
	long long id;                  /* district.id, school.id (0: none), class.id; grades 0 */
	char     *label;               /* name, grade code or class title */
	long long n[COV_NCOLS];
};

struct dash_view {
	struct dash_row *rows;
	size_t           nrows;
	/* Every child of the scope once (a grade's children, though its
	 * classes overlap). */
	long long        total[COV_NCOLS];
};

/* The rows of a scope, in order (names; grades in CEDS order), for staff
 * (staff.id; 0 = no one signed in), who must be allowed PERM_REPORT
 * (checked here: a volunteer is refused). */
enum cr_status dash_read(struct cr_db *db, long long staff, const struct dash_scope *scope, struct dash_view *out,
			 struct cr_err *err);
void dash_free(struct dash_view *v);

#endif
