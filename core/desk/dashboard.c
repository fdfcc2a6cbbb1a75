/* dashboard: a level of the progress table from the kept counts: a few
 * hundred rows read through their keys, so the desk can redraw it as soon
 * as another desk signs a child up. */
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "coverage_kept.h"
#include "perm.h"
#include "store/config.h"

#define DASH_SUMS "sum(k.enrolled), sum(k.carded), sum(k.opted_out), sum(k.pending)"

static const char *const dash_sql[] = {
	[DASH_DISTRICTS] =
		"SELECT d.id, d.name, " DASH_SUMS " FROM coverage_cell k JOIN district d ON d.id = k.district_id "
		"GROUP BY k.district_id HAVING sum(k.enrolled) > 0 ORDER BY d.name, d.id",
	[DASH_SCHOOLS] =
		"SELECT k.school_id, coalesce(sc.name, '(no school)'), " DASH_SUMS " FROM coverage_cell k "
		"LEFT JOIN school sc ON sc.id = k.school_id WHERE k.district_id = ?1 "
		"GROUP BY k.school_id HAVING sum(k.enrolled) > 0 ORDER BY sc.name IS NULL, sc.name, k.school_id",
	[DASH_GRADES] =
		"SELECT 0, k.grade, k.enrolled, k.carded, k.opted_out, k.pending FROM coverage_cell k "
		"WHERE k.district_id = ?1 AND k.school_id = ?2 AND k.enrolled > 0",
	/* Classes of the school (through class_by_school), each with the
	 * children of this grade in it. */
	[DASH_CLASSES] =
		"SELECT cl.id, cl.title, k.enrolled, k.carded, k.opted_out, k.pending FROM class cl "
		"JOIN coverage_class k ON k.class_id = cl.id AND k.grade = ?3 "
		"WHERE cl.school_id = ?2 AND cl.district_id = ?1 AND cl.status = 'active' AND k.enrolled > 0 "
		"ORDER BY cl.title, cl.sourced_id",
};

/* Children without a school may be in classes without one. */
static const char dash_classes_no_school_sql[] =
	"SELECT cl.id, cl.title, k.enrolled, k.carded, k.opted_out, k.pending FROM class cl "
	"JOIN coverage_class k ON k.class_id = cl.id AND k.grade = ?3 "
	"WHERE cl.school_id IS NULL AND cl.district_id = ?1 AND cl.status = 'active' AND k.enrolled > 0 "
	"ORDER BY cl.title, cl.sourced_id";

static const char dash_grade_total_sql[] =
	"SELECT enrolled, carded, opted_out, pending FROM coverage_cell "
	"WHERE district_id = ?1 AND school_id = ?2 AND grade = ?3";

static int dash_grade_cmp(const void *a, const void *b)
{
	const struct dash_row *x = a, *y = b;
	int gx = grade_index(x->label), gy = grade_index(y->label);

	gx = gx < 0 ? 1000 : gx;
	gy = gy < 0 ? 1000 : gy;
	if (gx != gy)
		return gx < gy ? -1 : 1;
	return strcmp(x->label, y->label);
}

/* The kept columns (enrolled, carded, opted out, pending) from column col on. */
static void dash_counts(sqlite3_stmt *st, int col, long long *n)
{
	n[COV_ENROLLED] = sqlite3_column_int64(st, col);
	n[COV_CARDED] = sqlite3_column_int64(st, col + 1);
	n[COV_CARDED_BEFORE] = 0;   /* not stored yet: see coverage.h */
	n[COV_OPTED_OUT] = sqlite3_column_int64(st, col + 2);
	n[COV_PENDING] = sqlite3_column_int64(st, col + 3);
}

static sqlite3_stmt *dash_bind(struct cr_db *db, const char *sql, const struct dash_scope *sc, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);

	if (!st)
		return NULL;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, sc->district);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, sc->school);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_text(st, 3, sc->grade, -1, SQLITE_STATIC);
	return st;
}

static enum cr_status dash_rows(struct cr_db *db, sqlite3_stmt *st, struct dash_view *out, struct cr_err *err)
{
	size_t cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *label = sqlite3_column_text(st, 1);
		struct dash_row *r;

		if (out->nrows == cap) {
			struct dash_row *v = realloc(out->rows, (cap = cap ? cap * 2 : 32) * sizeof *v);

			if (!v)
				goto nomem;
			out->rows = v;
		}
		r = &out->rows[out->nrows];
		r->id = sqlite3_column_int64(st, 0);
		if (!(r->label = strdup(label ? (const char *)label : "")))
			goto nomem;
		out->nrows++;
		dash_counts(st, 2, r->n);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? CR_OK : db_fail(db, err, rc, "reading the progress table");
nomem:
	sqlite3_reset(st);
	return cr_fail(err, CR_ENOMEM, "out of memory reading the progress table");
}

enum cr_status dash_read(struct cr_db *db, long long staff, const struct dash_scope *sc, struct dash_view *out,
			 struct cr_err *err)
{
	const char *sql;
	sqlite3_stmt *st;
	enum cr_status s;

	memset(out, 0, sizeof *out);
	if ((s = perm_check(db, staff, PERM_REPORT, err)) != CR_OK)
		return s;
	if ((unsigned)sc->level > DASH_CLASSES)
		return cr_fail(err, CR_EUSAGE, "unknown level of the progress table");
	if ((s = coverage_kept_ready(db, err)) != CR_OK)
		return s;
	sql = sc->level == DASH_CLASSES && sc->school == 0 ? dash_classes_no_school_sql : dash_sql[sc->level];
	if (!(st = dash_bind(db, sql, sc, err)))
		return err ? err->status : CR_EINTERNAL;
	if ((s = dash_rows(db, st, out, err)) != CR_OK) {
		dash_free(out);
		return s;
	}
	if (sc->level == DASH_GRADES)
		qsort(out->rows, out->nrows, sizeof *out->rows, dash_grade_cmp);
	if (sc->level != DASH_CLASSES) {
		for (size_t i = 0; i < out->nrows; i++)
			for (int c = 0; c < COV_NCOLS; c++)
				out->total[c] += out->rows[i].n[c];
		return CR_OK;
	}
	/* Classes overlap: the grade's own cell counts each child once. */
	if (!(st = dash_bind(db, dash_grade_total_sql, sc, err))) {
		dash_free(out);
		return err ? err->status : CR_EINTERNAL;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		dash_counts(st, 0, out->total);
	sqlite3_reset(st);
	return CR_OK;
}

void dash_free(struct dash_view *v)
{
	for (size_t i = 0; i < v->nrows; i++)
		free(v->rows[i].label);
	free(v->rows);
	memset(v, 0, sizeof *v);
}
