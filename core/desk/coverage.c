/* coverage: the programme's reach, read from the kept counts
 * (coverage_kept.h) by group, signups from the card_issued index, and the
 * small-cell suppression of exported reports. Aggregates only, never names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "before.h"
#include "coverage.h"
#include "coverage_kept.h"
#include "store/config.h"

const char *const coverage_col_name[COV_NCOLS] = {
	"enrolled", "carded", "carded_before", "opted_out", "consent_pending",
};

/* Every level reads the kept counts (migration 0008): a few thousand cells
 * by district, school and grade, and a row per class and grade. Rows with
 * nobody enrolled are left out, as a class or school without active
 * children was before the counts were kept. */
static const char cov_school_sql[] =
	"SELECT d.name, coalesce(sc.name, '(no school)'), '', '', '', k.school_id, d.id, "
	" sum(k.enrolled), sum(k.carded), sum(k.opted_out), sum(k.pending) "
	"FROM coverage_cell k JOIN district d ON d.id = k.district_id LEFT JOIN school sc ON sc.id = k.school_id "
	"GROUP BY k.district_id, k.school_id HAVING sum(k.enrolled) > 0 "
	"ORDER BY d.name, d.id, sc.name IS NULL, sc.name, k.school_id";

static const char cov_grade_sql[] =
	"SELECT d.name, '', k.grade, '', '', 0, d.id, "
	" sum(k.enrolled), sum(k.carded), sum(k.opted_out), sum(k.pending) "
	"FROM coverage_cell k JOIN district d ON d.id = k.district_id "
	"GROUP BY k.district_id, k.grade HAVING sum(k.enrolled) > 0 ORDER BY d.name, d.id, k.grade";

/* A child counts in each active class they are enrolled in; the class's
 * grades are summed (the kept rows are by class and grade). Read in no
 * order: cov_class_order sorts the rows as ORDER BY d.name, d.id, sc.name,
 * cl.title, cl.sourced_id would, by the ranks of a few hundred districts
 * and schools instead of SQLite sorting 200,000 rows with their names (a
 * quarter of the class report at a million children). */
static const char cov_class_sql[] =
	"SELECT d.name, coalesce(sc.name, '(no school)'), '', cl.sourced_id, cl.title, coalesce(cl.school_id, 0), "
	" d.id, k.e, k.c, k.o, k.p "
	"FROM (SELECT class_id, sum(enrolled) AS e, sum(carded) AS c, sum(opted_out) AS o, sum(pending) AS p "
	"      FROM coverage_class GROUP BY class_id HAVING sum(enrolled) > 0) k "
	"JOIN class cl ON cl.id = k.class_id JOIN district d ON d.id = cl.district_id "
	"LEFT JOIN school sc ON sc.id = cl.school_id "
	"WHERE cl.status = 'active'";

/* ---- the labels' storage: blocks that never move ---------------------------- */

struct coverage_text {
	struct coverage_text *next;
	size_t                used, cap;
	char                  bytes[];
};

#define COV_TEXT_BLOCK 65536

static void cov_text_free(struct coverage_text *t)
{
	while (t) {
		struct coverage_text *n = t->next;

		free(t);
		t = n;
	}
}

/* A copy of s in c's text, or prev when s equals it (rows in order share
 * their district's and school's label). NULL without memory. */
static const char *cov_intern(struct coverage *c, const char *s, const char *prev)
{
	size_t len = strlen(s) + 1;
	struct coverage_text *t = c->text;
	char *p;

	if (prev && strcmp(prev, s) == 0)
		return prev;
	if (!t || t->cap - t->used < len) {
		size_t cap = len > COV_TEXT_BLOCK ? len : COV_TEXT_BLOCK;

		if (!(t = malloc(sizeof *t + cap)))
			return NULL;
		t->next = c->text;
		t->used = 0;
		t->cap = cap;
		c->text = t;
	}
	p = t->bytes + t->used;
	memcpy(p, s, len);
	t->used += len;
	return p;
}

static const char *cov_col(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}

/* The labels of r into c's text (prev: the row before, or NULL). */
static int cov_labels(struct coverage *c, struct coverage_row *r, const struct coverage_row *prev,
		      const char *district, const char *school, const char *grade, const char *cid, const char *title)
{
	return !(r->district = cov_intern(c, district, prev ? prev->district : NULL)) ||
	       !(r->school = cov_intern(c, school, prev ? prev->school : NULL)) ||
	       !(r->grade = cov_intern(c, grade, prev ? prev->grade : NULL)) ||
	       !(r->class_id = cov_intern(c, cid, NULL)) ||
	       !(r->class_title = cov_intern(c, title, prev ? prev->class_title : NULL));
}

static enum cr_status cov_rows(struct cr_db *db, const char *sql, struct coverage *out, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);
	size_t cap = 0;
	int rc;

	if (!st)
		return err ? err->status : CR_EINTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct coverage_row *r;

		if (out->nrows == cap) {
			struct coverage_row *r2;

			cap = cap ? cap + cap / 2 : 64;
			r2 = realloc(out->rows, cap * sizeof *r2);
			if (!r2)
				goto nomem;
			out->rows = r2;
		}
		r = &out->rows[out->nrows];
		memset(r, 0, sizeof *r);
		if (cov_labels(out, r, out->nrows ? &out->rows[out->nrows - 1] : NULL, cov_col(st, 0), cov_col(st, 1),
			       cov_col(st, 2), cov_col(st, 3), cov_col(st, 4)))
			goto nomem;
		out->nrows++;
		r->school_rowid = sqlite3_column_int64(st, 5);
		r->district_rowid = sqlite3_column_int64(st, 6);
		r->n[COV_ENROLLED] = sqlite3_column_int64(st, 7);
		r->n[COV_CARDED] = sqlite3_column_int64(st, 8);
		r->n[COV_CARDED_BEFORE] = 0;   /* before_apply moves them from carded */
		r->n[COV_OPTED_OUT] = sqlite3_column_int64(st, 9);
		r->n[COV_PENDING] = sqlite3_column_int64(st, 10);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		coverage_free(out);
		return db_fail(db, err, rc, "counting the coverage");
	}
	return CR_OK;
nomem:
	sqlite3_reset(st);
	coverage_free(out);
	return cr_fail(err, CR_ENOMEM, "out of memory reading the coverage");
}

/* ---- the class rows' order ------------------------------------------------- */

struct cov_rank {
	long long id;
	unsigned  rank;
};

struct cov_sorted {
	unsigned                   drank, srank;
	const struct coverage_row *r;   /* NULL once its row is in place */
};

static int cov_rank_id_cmp(const void *a, const void *b)
{
	long long x = ((const struct cov_rank *)a)->id, y = ((const struct cov_rank *)b)->id;

	return (x > y) - (x < y);
}

/* Each id of sql's rows (id, name) by its place in sql's order; rows with
 * the same name share a place when same_name. Sorted by id for lookup. */
static enum cr_status cov_ranks(struct cr_db *db, const char *sql, int same_name, struct cov_rank **out, size_t *n,
				struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);
	struct cov_rank *v = NULL;
	size_t cap = 0;
	char *prev = NULL;
	unsigned rank = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return err ? err->status : CR_EINTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = cov_col(st, 1);

		if (*n == cap) {
			struct cov_rank *v2;

			cap = cap ? cap * 2 : 64;
			if (!(v2 = realloc(v, cap * sizeof *v2)))
				goto nomem;
			v = v2;
		}
		if (!same_name) {
			rank++;
		} else if (!prev || strcmp(prev, name) != 0) {
			rank++;
			free(prev);
			if (!(prev = strdup(name)))
				goto nomem;
		}
		v[*n].id = sqlite3_column_int64(st, 0);
		v[(*n)++].rank = rank;
	}
	sqlite3_reset(st);
	free(prev);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return db_fail(db, err, rc, "ordering the coverage");
	}
	if (*n)
		qsort(v, *n, sizeof *v, cov_rank_id_cmp);
	*out = v;
	return CR_OK;
nomem:
	sqlite3_reset(st);
	free(prev);
	free(v);
	*n = 0;
	return cr_fail(err, CR_ENOMEM, "out of memory ordering the coverage");
}

/* The rank of id; 0 (first, as SQL sorts a NULL name) when it has none. */
static unsigned cov_rank_of(const struct cov_rank *v, size_t n, long long id)
{
	struct cov_rank key = { .id = id };
	const struct cov_rank *hit = n ? bsearch(&key, v, n, sizeof *v, cov_rank_id_cmp) : NULL;

	return hit ? hit->rank : 0;
}

static int cov_sorted_cmp(const void *a, const void *b)
{
	const struct cov_sorted *x = a, *y = b;
	int c;

	if (x->drank != y->drank)
		return x->drank < y->drank ? -1 : 1;
	if (x->srank != y->srank)
		return x->srank < y->srank ? -1 : 1;
	if ((c = strcmp(x->r->class_title, y->r->class_title)) != 0)
		return c;
	return strcmp(x->r->class_id, y->r->class_id);
}

/* The class rows into district name (then id), school name, title and
 * sourcedId order (strcmp is SQLite's BINARY collation for text). */
static enum cr_status cov_class_order(struct cr_db *db, struct coverage *out, struct cr_err *err)
{
	struct cov_rank *d = NULL, *s = NULL;
	size_t nd = 0, ns = 0;
	struct cov_sorted *v = NULL;
	enum cr_status st;

	if (out->nrows < 2)
		return CR_OK;
	if ((st = cov_ranks(db, "SELECT id, name FROM district ORDER BY name, id", 0, &d, &nd, err)) != CR_OK ||
	    (st = cov_ranks(db, "SELECT id, name FROM school ORDER BY name", 1, &s, &ns, err)) != CR_OK)
		goto done;
	if (!(v = malloc(out->nrows * sizeof *v))) {
		st = cr_fail(err, CR_ENOMEM, "out of memory ordering the coverage");
		goto done;
	}
	for (size_t i = 0; i < out->nrows; i++) {
		v[i].drank = cov_rank_of(d, nd, out->rows[i].district_rowid);
		v[i].srank = out->rows[i].school_rowid ? cov_rank_of(s, ns, out->rows[i].school_rowid) : 0;
		v[i].r = &out->rows[i];
	}
	qsort(v, out->nrows, sizeof *v, cov_sorted_cmp);
	/* In place, cycle by cycle (a second copy of 200,000 rows would be
	 * 20 MB more): place i takes the row v[i].r points at. */
	for (size_t i = 0; i < out->nrows; i++) {
		struct coverage_row hold;
		size_t at = i;

		if (!v[i].r || v[i].r == &out->rows[i])
			continue;
		hold = out->rows[i];
		while (v[at].r != &out->rows[i]) {
			size_t next = (size_t)(v[at].r - out->rows);

			out->rows[at] = out->rows[next];
			v[at].r = NULL;
			at = next;
		}
		out->rows[at] = hold;
		v[at].r = NULL;
	}
done:
	free(v);
	free(d);
	free(s);
	return st;
}

/* Grades in CEDS order (KG before 01), unknown codes last by text. */
static int cov_grade_cmp(const void *a, const void *b)
{
	const struct coverage_row *x = a, *y = b;
	int c = strcmp(x->district, y->district), gx, gy;

	if (c)
		return c;
	gx = grade_index(x->grade);
	gy = grade_index(y->grade);
	if (gx < 0)
		gx = 1000;
	if (gy < 0)
		gy = 1000;
	if (gx != gy)
		return gx < gy ? -1 : 1;
	return strcmp(x->grade, y->grade);
}

/* Districts from their schools' rows (in district order): one pass over
 * the students instead of two. */
static void cov_districts(struct coverage *out)
{
	size_t n = 0;

	for (size_t i = 0; i < out->nrows; i++) {
		struct coverage_row *r = &out->rows[i], *d = n ? &out->rows[n - 1] : NULL;

		if (!d || d->district_rowid != r->district_rowid) {
			d = &out->rows[n++];
			if (d != r)
				*d = *r;
			d->school = "";
			d->school_rowid = 0;
			continue;
		}
		for (int c = 0; c < COV_NCOLS; c++)
			d->n[c] += r->n[c];
	}
	out->nrows = n;
}

enum cr_status coverage_read_with(struct cr_db *db, enum coverage_by by, const struct coverage *schools,
				  struct coverage *out, struct cr_err *err)
{
	static const char *const sql[] = {
		[COVERAGE_DISTRICT] = cov_school_sql, [COVERAGE_SCHOOL] = cov_school_sql,
		[COVERAGE_GRADE] = cov_grade_sql, [COVERAGE_CLASS] = cov_class_sql,
	};
	struct coverage base = { 0 };
	enum cr_status st;
	size_t i;

	memset(out, 0, sizeof *out);
	if ((unsigned)by > COVERAGE_CLASS)
		return cr_fail(err, CR_EUSAGE, "unknown coverage level");
	if (schools && schools->by != COVERAGE_SCHOOL)
		return cr_fail(err, CR_EINTERNAL, "coverage_read_with needs the school level");
	if (!schools || by == COVERAGE_GRADE || by == COVERAGE_CLASS)
		if ((st = coverage_kept_ready(db, err)) != CR_OK)
			return st;
	/* Schools and districts come from the one school pass; grades and
	 * classes have passes of their own. */
	if (by == COVERAGE_SCHOOL || by == COVERAGE_DISTRICT) {
		if (schools)
			st = coverage_copy(schools, out, err);
		else
			st = cov_rows(db, sql[by], out, err);
	} else {
		st = cov_rows(db, sql[by], out, err);
		if (st == CR_OK && by == COVERAGE_CLASS && (st = cov_class_order(db, out, err)) != CR_OK)
			coverage_free(out);
	}
	/* Carded before (before.c), on rows read here: a copy has it already. */
	if (st == CR_OK && !(schools && (by == COVERAGE_SCHOOL || by == COVERAGE_DISTRICT)) &&
	    (st = before_apply(db, by == COVERAGE_DISTRICT ? COVERAGE_SCHOOL : by, out->rows, out->nrows, err)) != CR_OK)
		coverage_free(out);
	if (st != CR_OK)
		return st;
	out->by = by;
	out->min_cell = out->suppressed = 0;
	for (i = 0; i < out->nrows; i++)
		out->rows[i].hidden = 0;
	if (by == COVERAGE_GRADE)
		qsort(out->rows, out->nrows, sizeof *out->rows, cov_grade_cmp);
	if (by == COVERAGE_DISTRICT)
		cov_districts(out);
	/* The total counts every child once: the rows' sum, but for classes,
	 * which overlap, the schools' sum. */
	memset(&out->total, 0, sizeof out->total);
	out->total.district = "all";
	out->total.school = out->total.grade = out->total.class_id = out->total.class_title = "";
	if (by == COVERAGE_CLASS) {
		if (!schools) {
			if ((st = cov_rows(db, cov_school_sql, &base, err)) != CR_OK ||
			    (st = before_apply(db, COVERAGE_SCHOOL, base.rows, base.nrows, err)) != CR_OK) {
				coverage_free(&base);
				coverage_free(out);
				return st;
			}
			for (i = 0; i < base.nrows; i++)
				for (int c = 0; c < COV_NCOLS; c++)
					base.total.n[c] += base.rows[i].n[c];
			schools = &base;
		}
		for (int c = 0; c < COV_NCOLS; c++)
			out->total.n[c] = schools->total.n[c];
		coverage_free(&base);
		return CR_OK;
	}
	for (i = 0; i < out->nrows; i++)
		for (int c = 0; c < COV_NCOLS; c++)
			out->total.n[c] += out->rows[i].n[c];
	return CR_OK;
}

enum cr_status coverage_read(struct cr_db *db, enum coverage_by by, struct coverage *out, struct cr_err *err)
{
	return coverage_read_with(db, by, NULL, out, err);
}

/* The labels are copied too: the copy lives on when from is freed. */
enum cr_status coverage_copy(const struct coverage *from, struct coverage *to, struct cr_err *err)
{
	*to = *from;
	to->text = NULL;
	to->rows = malloc(from->nrows ? from->nrows * sizeof *to->rows : 1);
	if (!to->rows) {
		to->nrows = 0;
		return cr_fail(err, CR_ENOMEM, "out of memory copying the coverage");
	}
	for (size_t i = 0; i < from->nrows; i++) {
		const struct coverage_row *f = &from->rows[i];

		to->rows[i] = *f;
		if (cov_labels(to, &to->rows[i], i ? &to->rows[i - 1] : NULL, f->district, f->school, f->grade,
			       f->class_id, f->class_title)) {
			coverage_free(to);
			return cr_fail(err, CR_ENOMEM, "out of memory copying the coverage");
		}
	}
	return CR_OK;
}

void coverage_free(struct coverage *c)
{
	free(c->rows);
	cov_text_free(c->text);
	c->rows = NULL;
	c->text = NULL;
	c->nrows = 0;
}

double coverage_pct(const struct coverage_row *r)
{
	if (r->n[COV_ENROLLED] <= 0)
		return 0.0;
	return 100.0 * (double)(r->n[COV_CARDED] + r->n[COV_CARDED_BEFORE]) / (double)r->n[COV_ENROLLED];
}

/* ---- suppression -------------------------------------------------------- */

/* The cell to hide beside a lone hidden one in eq: the smallest non-zero
 * shown member (a complement of at least min_cell leaves a wide range),
 * else the total, else any shown member. SIZE_MAX when none is left. */
static size_t supp_complement(const long long *v, const unsigned char *hidden, const struct suppress_eq *eq)
{
	size_t best = (size_t)-1, i;

	for (i = 0; i < eq->n; i++) {
		size_t m = eq->members[i];

		if (!hidden[m] && v[m] > 0 && (best == (size_t)-1 || v[m] < v[best]))
			best = m;
	}
	if (best != (size_t)-1)
		return best;
	if (!hidden[eq->total])
		return eq->total;
	for (i = 0; i < eq->n; i++)
		if (!hidden[eq->members[i]])
			return eq->members[i];
	return (size_t)-1;
}

size_t suppress_cells(const long long *v, unsigned char *hidden, size_t ncells, const struct suppress_eq *eq,
		      size_t neq, long min_cell)
{
	size_t i, e, count = 0;
	int changed = 1;

	for (i = 0; i < ncells; i++)
		hidden[i] = v[i] > 0 && v[i] < min_cell;
	while (changed) {
		changed = 0;
		for (e = 0; e < neq; e++) {
			size_t nh = hidden[eq[e].total] ? 1 : 0, c;

			for (i = 0; i < eq[e].n; i++)
				nh += hidden[eq[e].members[i]] ? 1 : 0;
			if (nh != 1)
				continue;
			c = supp_complement(v, hidden, &eq[e]);
			if (c != (size_t)-1) {
				hidden[c] = 1;
				changed = 1;
			}
		}
	}
	for (i = 0; i < ncells; i++)
		count += hidden[i] ? 1 : 0;
	return count;
}

void coverage_suppress(struct coverage *cv, int min_cell)
{
	size_t n = cv->nrows + 1, i;   /* the rows, then the total */
	long long *v = malloc(n * sizeof *v);
	unsigned char *h = malloc(n);
	size_t *members = malloc(cv->nrows ? cv->nrows * sizeof *members : 1);
	struct suppress_eq eq;

	cv->min_cell = min_cell;
	cv->suppressed = 0;
	if (!v || !h || !members) {
		/* No memory to work it out: hide everything rather than too little. */
		for (i = 0; i < cv->nrows; i++)
			cv->rows[i].hidden = ((1u << COV_NCOLS) - 1) | COVERAGE_PCT_HIDDEN;
		cv->total.hidden = ((1u << COV_NCOLS) - 1) | COVERAGE_PCT_HIDDEN;
		cv->suppressed = (int)n * (COV_NCOLS + 1);
		free(v);
		free(h);
		free(members);
		return;
	}
	for (i = 0; i < cv->nrows; i++)
		members[i] = i;
	eq = (struct suppress_eq){ .total = cv->nrows, .members = members, .n = cv->nrows };
	for (i = 0; i < cv->nrows; i++)
		cv->rows[i].hidden = 0;
	cv->total.hidden = 0;
	for (int c = 0; c < COV_NCOLS; c++) {
		for (i = 0; i < cv->nrows; i++)
			v[i] = cv->rows[i].n[c];
		v[cv->nrows] = cv->total.n[c];
		suppress_cells(v, h, n, &eq, 1, min_cell);
		for (i = 0; i < n; i++) {
			struct coverage_row *r = i < cv->nrows ? &cv->rows[i] : &cv->total;

			if (h[i])
				r->hidden |= 1u << c;
		}
	}
	/* The percentage gives back whichever of its inputs is hidden. */
	for (i = 0; i < n; i++) {
		struct coverage_row *r = i < cv->nrows ? &cv->rows[i] : &cv->total;
		unsigned in = (1u << COV_ENROLLED) | (1u << COV_CARDED) | (1u << COV_CARDED_BEFORE);

		if (r->hidden & in)
			r->hidden |= COVERAGE_PCT_HIDDEN;
		for (int c = 0; c <= COV_NCOLS; c++)
			cv->suppressed += (r->hidden >> c) & 1u;
	}
	free(v);
	free(h);
	free(members);
}

/* ---- signups -------------------------------------------------------------- */

int coverage_valid_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return 1;
}

/* Live cards by day, plus the cards of children purged since (purge.c
 * keeps them as counts by the day they were issued). */
static const char cov_signups_sql[] =
	"WITH d (day, n) AS ("
	" SELECT date(issued_at, 'unixepoch', 'localtime'), count(*) "
	" FROM card WHERE status = 'active' "
	"  AND issued_at >= coalesce(CAST(strftime('%s', ?1, 'utc') AS INTEGER), 0) GROUP BY 1 "
	" UNION ALL SELECT day, n FROM purged_signups WHERE day >= coalesce(?1, '')) "
	"SELECT day, date(day, 'weekday 0', '-6 days'), sum(n) FROM d GROUP BY day ORDER BY day";

static int cov_push(struct coverage_count **v, size_t *n, size_t *cap, const char *day, long long count)
{
	if (*n == *cap) {
		struct coverage_count *v2;

		*cap = *cap ? 2 * *cap : 32;
		v2 = realloc(*v, *cap * sizeof *v2);
		if (!v2)
			return -1;
		*v = v2;
	}
	memset(&(*v)[*n], 0, sizeof **v);
	snprintf((*v)[*n].day, sizeof (*v)[*n].day, "%s", day);
	(*v)[*n].n = count;
	(*n)++;
	return 0;
}

enum cr_status coverage_signups_read(struct cr_db *db, const char *since, struct coverage_signups *out,
				     struct cr_err *err)
{
	sqlite3_stmt *st;
	size_t capd = 0, capw = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (since && !coverage_valid_date(since))
		return cr_fail(err, CR_EUSAGE, "--since: '%.40s' is not a date (YYYY-MM-DD)", since);
	if (!(st = db_prepare(db, cov_signups_sql, err)))
		return err ? err->status : CR_EINTERNAL;
	if (since)
		sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *day = (const char *)sqlite3_column_text(st, 0);
		const char *week = (const char *)sqlite3_column_text(st, 1);
		long long n = sqlite3_column_int64(st, 2);

		if (!day || !week)
			continue;
		if (cov_push(&out->days, &out->ndays, &capd, day, n) ||
		    ((!out->nweeks || strcmp(out->weeks[out->nweeks - 1].day, week)) &&
		     cov_push(&out->weeks, &out->nweeks, &capw, week, 0))) {
			sqlite3_reset(st);
			coverage_signups_free(out);
			return cr_fail(err, CR_ENOMEM, "out of memory reading the signups");
		}
		out->weeks[out->nweeks - 1].n += n;
		out->total.n += n;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		coverage_signups_free(out);
		return db_fail(db, err, rc, "counting the signups");
	}
	return CR_OK;
}

void coverage_signups_free(struct coverage_signups *s)
{
	free(s->days);
	free(s->weeks);
	memset(s, 0, sizeof *s);
}

void coverage_signups_suppress(struct coverage_signups *s, int min_cell)
{
	/* Cells: the days, then the weeks, then the total. */
	size_t n = s->ndays + s->nweeks + 1, i, d = 0, w;
	long long *v = malloc(n * sizeof *v);
	unsigned char *h = malloc(n);
	size_t *members = malloc((s->ndays + s->nweeks + 1) * sizeof *members);
	struct suppress_eq *eq = malloc((s->nweeks + 1) * sizeof *eq);
	size_t m = 0;

	if (!v || !h || !members || !eq) {
		for (i = 0; i < s->ndays; i++)
			s->days[i].hidden = 1;
		for (i = 0; i < s->nweeks; i++)
			s->weeks[i].hidden = 1;
		s->total.hidden = 1;
		s->suppressed = (int)n;
		free(v);
		free(h);
		free(members);
		free(eq);
		return;
	}
	for (i = 0; i < s->ndays; i++)
		v[i] = s->days[i].n;
	for (i = 0; i < s->nweeks; i++)
		v[s->ndays + i] = s->weeks[i].n;
	v[n - 1] = s->total.n;
	/* Days are in order and each week's days follow each other. */
	for (w = 0; w < s->nweeks; w++) {
		eq[w].total = s->ndays + w;
		eq[w].members = &members[m];
		eq[w].n = 0;
		while (d < s->ndays && (w + 1 == s->nweeks || strcmp(s->days[d].day, s->weeks[w + 1].day) < 0)) {
			members[m++] = d++;
			eq[w].n++;
		}
	}
	eq[s->nweeks].total = n - 1;
	eq[s->nweeks].members = &members[m];
	eq[s->nweeks].n = s->nweeks;
	for (w = 0; w < s->nweeks; w++)
		members[m++] = s->ndays + w;
	s->suppressed = (int)suppress_cells(v, h, n, eq, s->nweeks + 1, min_cell);
	for (i = 0; i < s->ndays; i++)
		s->days[i].hidden = h[i];
	for (i = 0; i < s->nweeks; i++)
		s->weeks[i].hidden = h[s->ndays + i];
	s->total.hidden = h[n - 1];
	free(v);
	free(h);
	free(members);
	free(eq);
}
