/* coverage: the programme's reach, counted in SQL by group (indexed
 * columns: student_by_school, card_one_active, card_issued), and the
 * small-cell suppression of exported reports. Aggregates only, never names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "before.h"
#include "coverage.h"
#include "store/config.h"

const char *const coverage_col_name[COV_NCOLS] = {
	"enrolled", "carded", "carded_before", "opted_out", "consent_pending",
};

/* Enrolled, carded, opted out and pending, each counted where it is
 * cheapest: active students and their cards through the partial index
 * student_by_school (in school order, probing card_one_active: no
 * sorting), consent rows from their own small table; children without a
 * school by district. CROSS JOIN keeps SQLite from scanning the cards and
 * reading a million student rows. */
#define COV_BY_SCHOOL_CTE \
	"WITH k(school_id, nsd, e, c, o, p) AS (" \
	" SELECT school_id, NULL, count(*), 0, 0, 0 FROM student " \
	"  WHERE school_id IS NOT NULL AND status_code = 'a' GROUP BY school_id " \
	" UNION ALL SELECT s.school_id, NULL, 0, count(*), 0, 0 " \
	"  FROM student s CROSS JOIN card c ON c.student_id = s.id AND c.status = 'active' " \
	"  WHERE s.school_id IS NOT NULL AND s.status_code = 'a' GROUP BY s.school_id " \
	" UNION ALL SELECT NULL, s.district_id, count(*), count(c.student_id), 0, 0 " \
	"  FROM student s LEFT JOIN card c ON c.student_id = s.id AND c.status = 'active' " \
	"  WHERE s.school_id IS NULL AND s.status_code = 'a' GROUP BY s.district_id " \
	" UNION ALL SELECT s.school_id, CASE WHEN s.school_id IS NULL THEN s.district_id END, 0, 0, " \
	"  sum(c.state = 'opted_out'), sum(c.state = 'pending') " \
	"  FROM consent c JOIN student s ON s.id = c.student_id " \
	"  WHERE c.state IN ('opted_out', 'pending') AND s.status_code = 'a' GROUP BY 1, 2) "

static const char cov_school_sql[] = COV_BY_SCHOOL_CTE
	"SELECT coalesce(d.name, ''), coalesce(sc.name, '(no school)'), '', '', '', coalesce(k.school_id, 0), "
	" coalesce(d.id, 0), sum(k.e), sum(k.c), sum(k.o), sum(k.p) "
	"FROM k LEFT JOIN school sc ON sc.id = k.school_id "
	"LEFT JOIN district d ON d.id = coalesce(sc.district_id, k.nsd) "
	"GROUP BY d.id, k.school_id ORDER BY d.name, d.id, sc.name IS NULL, sc.name, k.school_id";

/* Grades are not indexed (no index would pay for itself against what
 * every import writes): one straight pass over the student table for the
 * enrolled and one probing card_one_active for the carded. NOT INDEXED and
 * CROSS JOIN: through an index SQLite would look a million rows up one by
 * one, three times slower. */
static const char cov_grade_sql[] =
	"WITH k(district_id, grade, e, c, o, p) AS ("
	" SELECT district_id, coalesce(grade, ''), count(*), 0, 0, 0 FROM student NOT INDEXED "
	"  WHERE status_code = 'a' GROUP BY 1, 2 "
	" UNION ALL SELECT s.district_id, coalesce(s.grade, ''), 0, count(*), 0, 0 "
	"  FROM student s NOT INDEXED CROSS JOIN card c ON c.student_id = s.id AND c.status = 'active' "
	"  WHERE s.status_code = 'a' GROUP BY 1, 2 "
	" UNION ALL SELECT s.district_id, coalesce(s.grade, ''), 0, 0, "
	"  sum(c.state = 'opted_out'), sum(c.state = 'pending') "
	"  FROM consent c JOIN student s ON s.id = c.student_id "
	"  WHERE c.state IN ('opted_out', 'pending') AND s.status_code = 'a' GROUP BY 1, 2) "
	"SELECT d.name, '', k.grade, '', '', 0, d.id, sum(k.e), sum(k.c), sum(k.o), sum(k.p) "
	"FROM k JOIN district d ON d.id = k.district_id "
	"GROUP BY k.district_id, k.grade ORDER BY d.name, d.id, k.grade";

/* A child counts in each active class they are enrolled in. One straight
 * pass over the students (NOT INDEXED), each child's card and consent
 * looked up once, then their enrollments: five million at a million
 * students, the slowest level (bench/RESULTS.md). */
static const char cov_class_sql[] =
	"WITH k(class_id, e, c, o, p) AS ("
	" SELECT e.class_id, count(*), count(c.student_id), "
	"  coalesce(sum(k.state = 'opted_out'), 0), coalesce(sum(k.state = 'pending'), 0) "
	"  FROM student s NOT INDEXED "
	"  LEFT JOIN card c ON c.student_id = s.id AND c.status = 'active' "
	"  LEFT JOIN consent k ON k.student_id = s.id "
	"  CROSS JOIN enrollment e ON e.student_id = s.id "
	"  WHERE s.status_code = 'a' GROUP BY e.class_id) "
"SELECT d.name, coalesce(sc.name, '(no school)'), '', cl.sourced_id, cl.title, coalesce(cl.school_id, 0), "
	" d.id, k.e, k.c, k.o, k.p "
	"FROM k JOIN class cl ON cl.id = k.class_id JOIN district d ON d.id = cl.district_id "
	"LEFT JOIN school sc ON sc.id = cl.school_id "
	"WHERE cl.status = 'active' "
	"ORDER BY d.name, d.id, sc.name, cl.title, cl.sourced_id";

static void cov_copy(char *dst, size_t len, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

static enum cr_status cov_rows(struct cr_db *db, const char *sql, struct coverage_row **rows, size_t *nrows,
			       struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*nrows = 0;
	if (!st)
		return err ? err->status : CR_EINTERNAL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct coverage_row *r;

		if (*nrows == cap) {
			struct coverage_row *r2;

			cap = cap ? 2 * cap : 32;
			r2 = realloc(*rows, cap * sizeof *r2);
			if (!r2) {
				sqlite3_reset(st);
				free(*rows);
				*rows = NULL;
				return cr_fail(err, CR_ENOMEM, "out of memory reading the coverage");
			}
			*rows = r2;
		}
		r = &(*rows)[(*nrows)++];
		memset(r, 0, sizeof *r);
		cov_copy(r->district, sizeof r->district, st, 0);
		cov_copy(r->school, sizeof r->school, st, 1);
		cov_copy(r->grade, sizeof r->grade, st, 2);
		cov_copy(r->class_id, sizeof r->class_id, st, 3);
		cov_copy(r->class_title, sizeof r->class_title, st, 4);
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
		free(*rows);
		*rows = NULL;
		*nrows = 0;
		return db_fail(db, err, rc, "counting the coverage");
	}
	return CR_OK;
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
			d->school[0] = '\0';
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
	/* Schools and districts come from the one school pass; grades and
	 * classes have passes of their own. */
	if (by == COVERAGE_SCHOOL || by == COVERAGE_DISTRICT) {
		if (schools)
			st = coverage_copy(schools, out, err);
		else
			st = cov_rows(db, sql[by], &out->rows, &out->nrows, err);
	} else {
		st = cov_rows(db, sql[by], &out->rows, &out->nrows, err);
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
	snprintf(out->total.district, sizeof out->total.district, "all");
	if (by == COVERAGE_CLASS) {
		if (!schools) {
			if ((st = cov_rows(db, cov_school_sql, &base.rows, &base.nrows, err)) != CR_OK ||
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

enum cr_status coverage_copy(const struct coverage *from, struct coverage *to, struct cr_err *err)
{
	*to = *from;
	to->rows = malloc(from->nrows ? from->nrows * sizeof *to->rows : 1);
	if (!to->rows) {
		to->nrows = 0;
		return cr_fail(err, CR_ENOMEM, "out of memory copying the coverage");
	}
	if (from->nrows)
		memcpy(to->rows, from->rows, from->nrows * sizeof *to->rows);
	return CR_OK;
}

void coverage_free(struct coverage *c)
{
	free(c->rows);
	c->rows = NULL;
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

static const char cov_signups_sql[] =
	"SELECT date(issued_at, 'unixepoch', 'localtime') AS day, "
	" date(issued_at, 'unixepoch', 'localtime', 'weekday 0', '-6 days'), count(*) "
	"FROM card WHERE status = 'active' "
	" AND issued_at >= coalesce(CAST(strftime('%s', ?1, 'utc') AS INTEGER), 0) "
	"GROUP BY day ORDER BY day";

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
