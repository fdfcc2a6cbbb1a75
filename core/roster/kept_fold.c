/* kept_fold: a delta's changes to the kept coverage counts, summed once a
 * cell at the end (see kept_fold.h). The triggers of migration 0008 cost a
 * 1M-student delta about a fifth of its time: four statements with three
 * lookups each for every child moved or withdrawn, one or two for every
 * enrollment row. Here a change costs an array entry while the import runs,
 * and each child touched costs two reads at the end. */
/* sqlite3.h declares the pre-update hook only when asked; Debian's
 * libsqlite3 is built with it (the session extension needs it). */
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include "kept_fold.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

/* A child's state before the import first changed it. */
struct kf_child {
	sqlite3_int64 id;
	sqlite3_int64 district, school;   /* school 0: none (the cells' coalesce) */
	uint32_t      seq;                /* the order of changes: the first one counts */
	int32_t       grade;              /* interned; 0 is '' */
	uint8_t       present, active;
};

/* An enrollment row added (+1) or removed (-1). */
struct kf_enrol {
	sqlite3_int64 student, klass;
	int           d;
};

/* A change to one kept row: a cell (district, school, grade) or a class
 * (class, 0, grade). */
struct kf_delta {
	sqlite3_int64 a, b;
	int32_t       grade;
	int           enrolled, carded, opted_out, pending;
};

struct kf_vec {
	void  *v;
	size_t n, cap, size;
};

struct kept_fold {
	struct cr_db *db;
	sqlite3      *h;
	int           c_district, c_school, c_grade, c_status;   /* student's columns */
	int           e_student, e_class;                        /* enrollment's */
	struct kf_vec children, enrols, cells, classes;
	char        **grades;              /* interned grade texts; [0] is "" */
	size_t        ngrades, cap_grades;
	struct idmap *grade_ids;           /* hash of a grade -> index + 1 */
	uint32_t      seq;
	int           broken;              /* count again instead (kept_fold.h) */
	int           hooked;
};

static void *kf_push(struct kept_fold *f, struct kf_vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		void *p = realloc(v->v, cap * v->size);

		if (!p) {
			f->broken = 1;
			return NULL;
		}
		v->v = p;
		v->cap = cap;
	}
	return (char *)v->v + v->n++ * v->size;
}

/* The grade's number, 0 for none or ''; -1 when out of memory. */
static int32_t kf_grade(struct kept_fold *f, sqlite3_value *v)
{
	const char *g = sqlite3_value_type(v) == SQLITE_NULL ? "" : (const char *)sqlite3_value_text(v);
	size_t len = g ? strlen(g) : 0;
	struct idmap_entry *e;
	int added;

	if (!g)
		return -1;
	if (len == 0)
		return 0;
	if (!(e = idmap_put(f->grade_ids, idmap_hash(g, len), &added)))
		return -1;
	if (!added) {
		/* Two grades with one 64-bit hash: not worth a table of its own. */
		if (strcmp(f->grades[e->rowid - 1], g) != 0)
			return -1;
		return (int32_t)e->rowid - 1;
	}
	if (f->ngrades == f->cap_grades) {
		size_t cap = f->cap_grades * 2;
		char **p = realloc(f->grades, cap * sizeof *p);

		if (!p)
			return -1;
		f->grades = p;
		f->cap_grades = cap;
	}
	if (!(f->grades[f->ngrades] = strdup(g)))
		return -1;
	e->rowid = (uint32_t)++f->ngrades;
	return (int32_t)f->ngrades - 1;
}

/* Reads the pre-update hook's old (or new) student row into c. */
static int kf_read_child(struct kept_fold *f, int old, struct kf_child *c)
{
	int (*get)(sqlite3 *, int, sqlite3_value **) = old ? sqlite3_preupdate_old : sqlite3_preupdate_new;
	sqlite3_value *district, *school, *grade, *status;
	const unsigned char *code;

	if (get(f->h, f->c_district, &district) != SQLITE_OK || get(f->h, f->c_school, &school) != SQLITE_OK ||
	    get(f->h, f->c_grade, &grade) != SQLITE_OK || get(f->h, f->c_status, &status) != SQLITE_OK)
		return -1;
	c->district = sqlite3_value_int64(district);
	c->school = sqlite3_value_type(school) == SQLITE_NULL ? 0 : sqlite3_value_int64(school);
	code = sqlite3_value_text(status);
	c->active = code && code[0] == 'a' && code[1] == '\0';
	c->present = 1;
	return (c->grade = kf_grade(f, grade)) < 0 ? -1 : 0;
}

static void kf_note_child(struct kept_fold *f, const struct kf_child *c)
{
	struct kf_child *p = kf_push(f, &f->children);

	if (p) {
		*p = *c;
		p->seq = f->seq++;
	}
}

static void kf_student(struct kept_fold *f, int op, sqlite3_int64 k1, sqlite3_int64 k2)
{
	struct kf_child was = { .id = k1 }, now = { .id = k2 };

	switch (op) {
	case SQLITE_INSERT:
		kf_note_child(f, &now);         /* not here before: present 0 */
		return;
	case SQLITE_DELETE:
		if (kf_read_child(f, 1, &was) != 0)
			f->broken = 1;
		else
			kf_note_child(f, &was);
		return;
	case SQLITE_UPDATE:
		if (kf_read_child(f, 1, &was) != 0 || kf_read_child(f, 0, &now) != 0) {
			f->broken = 1;
			return;
		}
		/* A rename or a new birth date leaves the counts as they were. */
		if (k1 == k2 && was.active == now.active && was.district == now.district &&
		    was.school == now.school && was.grade == now.grade)
			return;
		kf_note_child(f, &was);
		if (k1 != k2) {
			struct kf_child fresh = { .id = k2 };

			kf_note_child(f, &fresh);
		}
		return;
	default:
		f->broken = 1;
	}
}

static int kf_enrol_value(struct kept_fold *f, int old, sqlite3_int64 *student, sqlite3_int64 *klass)
{
	int (*get)(sqlite3 *, int, sqlite3_value **) = old ? sqlite3_preupdate_old : sqlite3_preupdate_new;
	sqlite3_value *s, *c;

	if (get(f->h, f->e_student, &s) != SQLITE_OK || get(f->h, f->e_class, &c) != SQLITE_OK)
		return -1;
	*student = sqlite3_value_int64(s);
	*klass = sqlite3_value_int64(c);
	return 0;
}

static void kf_note_enrol(struct kept_fold *f, int old, int d)
{
	struct kf_enrol e = { .d = d }, *p;

	if (kf_enrol_value(f, old, &e.student, &e.klass) != 0) {
		f->broken = 1;
		return;
	}
	if ((p = kf_push(f, &f->enrols)))
		*p = e;
}

static void kf_hook(void *ctx, sqlite3 *h, int op, const char *zdb, const char *ztab, sqlite3_int64 k1,
		    sqlite3_int64 k2)
{
	struct kept_fold *f = ctx;

	(void)h;
	if (f->broken || strcmp(zdb, "main") != 0)
		return;
	if (strcmp(ztab, "student") == 0) {
		kf_student(f, op, k1, k2);
	} else if (strcmp(ztab, "enrollment") == 0) {
		if (op == SQLITE_DELETE || op == SQLITE_UPDATE)
			kf_note_enrol(f, 1, -1);
		if (op == SQLITE_INSERT || op == SQLITE_UPDATE)
			kf_note_enrol(f, 0, +1);
	}
}

/* The column named name of table, counted as the pre-update hook counts
 * them: in the stored record, so no generated column may come before it. */
static int kf_column(struct cr_db *db, const char *table, const char *name, struct cr_err *err, int *col)
{
	char sql[96];
	sqlite3_stmt *st;
	int rc, n = 0;

	*col = -1;
	/* Not db_prepare: its cache knows a statement by the text's address. */
	snprintf(sql, sizeof sql, "SELECT name, hidden FROM pragma_table_xinfo('%s')", table);
	if ((rc = sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL)) != SQLITE_OK) {
		db_fail(db, err, rc, "reading the roster's columns");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);

		if (sqlite3_column_int(st, 1) != 0)
			break;                  /* generated or hidden: stop counting */
		if (c && strcmp(c, name) == 0) {
			*col = n;
			break;
		}
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_fail(db, err, rc, "reading the roster's columns");
		return -1;
	}
	return 0;
}

void kept_fold_free(struct kept_fold *f)
{
	if (!f)
		return;
	if (f->hooked)
		sqlite3_preupdate_hook(f->h, NULL, NULL);
	free(f->children.v);
	free(f->enrols.v);
	free(f->cells.v);
	free(f->classes.v);
	for (size_t i = 0; i < f->ngrades; i++)
		free(f->grades[i]);
	free(f->grades);
	idmap_free(f->grade_ids);
	free(f);
}

enum cr_status kept_fold_begin(struct cr_db *db, struct kept_fold **out, struct cr_err *err)
{
	struct kept_fold *f = calloc(1, sizeof *f);

	*out = NULL;
	if (!f || !(f->grade_ids = idmap_new(64)) || !(f->grades = malloc(16 * sizeof *f->grades)) ||
	    !(f->grades[0] = strdup(""))) {
		kept_fold_free(f);
		return cr_fail(err, CR_ENOMEM, "out of memory");
	}
	f->ngrades = 1;
	f->cap_grades = 16;
	f->db = db;
	f->h = db_handle(db);
	f->children.size = sizeof(struct kf_child);
	f->enrols.size = sizeof(struct kf_enrol);
	f->cells.size = f->classes.size = sizeof(struct kf_delta);
	if (kf_column(db, "student", "district_id", err, &f->c_district) != 0 ||
	    kf_column(db, "student", "school_id", err, &f->c_school) != 0 ||
	    kf_column(db, "student", "grade", err, &f->c_grade) != 0 ||
	    kf_column(db, "student", "status_code", err, &f->c_status) != 0 ||
	    kf_column(db, "enrollment", "student_id", err, &f->e_student) != 0 ||
	    kf_column(db, "enrollment", "class_id", err, &f->e_class) != 0) {
		kept_fold_free(f);
		return err->status;
	}
	if (f->c_district < 0 || f->c_school < 0 || f->c_grade < 0 || f->c_status < 0 || f->e_student < 0 ||
	    f->e_class < 0) {
		kept_fold_free(f);      /* laid out otherwise: the triggers do it */
		return CR_OK;
	}
	sqlite3_preupdate_hook(f->h, kf_hook, f);
	f->hooked = 1;
	*out = f;
	return CR_OK;
}

/* ---- the end: each child touched, then the sums ---------------------- */

static int kf_child_cmp(const void *a, const void *b)
{
	const struct kf_child *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int kf_enrol_cmp(const void *a, const void *b)
{
	const struct kf_enrol *x = a, *y = b;

	if (x->student != y->student)
		return x->student < y->student ? -1 : 1;
	return x->klass < y->klass ? -1 : x->klass > y->klass;
}

static int kf_delta_cmp(const void *a, const void *b)
{
	const struct kf_delta *x = a, *y = b;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	return x->grade < y->grade ? -1 : x->grade > y->grade;
}

/* One child as the import leaves them, with the flags that count. */
struct kf_now {
	struct kf_child c;
	int carded, opted_out, pending;
};

static void kf_add(struct kept_fold *f, struct kf_vec *v, sqlite3_int64 a, sqlite3_int64 b, int32_t grade,
		   const struct kf_now *n, int sign)
{
	struct kf_delta *d = kf_push(f, v);

	if (d)
		*d = (struct kf_delta){ a, b, grade, sign, sign * n->carded, sign * n->opted_out,
					sign * n->pending };
}

static enum cr_status kf_read_now(struct kept_fold *f, sqlite3_int64 id, struct kf_now *n, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(f->db,
		"SELECT s.id IS NOT NULL, s.district_id, coalesce(s.school_id, 0), s.grade, s.status_code, "
		" EXISTS (SELECT 1 FROM card WHERE student_id = ?1 AND status = 'active'), "
		" EXISTS (SELECT 1 FROM consent WHERE student_id = ?1 AND state = 'opted_out'), "
		" EXISTS (SELECT 1 FROM consent WHERE student_id = ?1 AND state = 'pending') "
		"FROM (SELECT 1) LEFT JOIN student s ON s.id = ?1", err);
	const unsigned char *code;
	int rc;

	memset(n, 0, sizeof *n);
	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(f->db, err, rc, "counting coverage again");
	}
	n->c.id = id;
	n->c.present = (uint8_t)sqlite3_column_int(st, 0);
	n->c.district = sqlite3_column_int64(st, 1);
	n->c.school = sqlite3_column_int64(st, 2);
	code = sqlite3_column_text(st, 4);
	n->c.active = n->c.present && code && code[0] == 'a' && code[1] == '\0';
	n->carded = sqlite3_column_int(st, 5);
	n->opted_out = sqlite3_column_int(st, 6);
	n->pending = sqlite3_column_int(st, 7);
	if (n->c.active && (n->c.grade = kf_grade(f, sqlite3_column_value(st, 3))) < 0)
		f->broken = 1;
	sqlite3_reset(st);
	return CR_OK;
}

/* The child's classes: as they are now, and as they were (now less what
 * the import added, plus what it removed). */
static enum cr_status kf_classes(struct kept_fold *f, const struct kf_child *was, const struct kf_now *now,
				 const struct kf_enrol *e, size_t ne, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(f->db, "SELECT class_id FROM enrollment WHERE student_id = ?1 "
				      "ORDER BY class_id", err);
	size_t j = 0;
	int rc = SQLITE_ROW, more;
	sqlite3_int64 klass = 0;

	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, now->c.id);
	more = (rc = sqlite3_step(st)) == SQLITE_ROW;
	if (more)
		klass = sqlite3_column_int64(st, 0);
	while (more || j < ne) {
		int in_now = 0, net = 0, in_was;
		sqlite3_int64 c;

		if (more && (j == ne || klass <= e[j].klass)) {
			c = klass;
			in_now = 1;
		} else {
			c = e[j].klass;
		}
		if (j < ne && e[j].klass == c)
			net = e[j++].d;
		in_was = in_now - net;
		if (in_was < 0 || in_was > 1) {
			f->broken = 1;          /* a change the hook did not see */
			break;
		}
		if (in_was && was->active)
			kf_add(f, &f->classes, c, 0, was->grade, now, -1);
		if (in_now && now->c.active)
			kf_add(f, &f->classes, c, 0, now->c.grade, now, +1);
		if (in_now && (more = (rc = sqlite3_step(st)) == SQLITE_ROW))
			klass = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(f->db, err, rc, "counting coverage again");
	return CR_OK;
}

/* Sums the changes per row and writes the ones that are not nothing. */
static enum cr_status kf_write(struct kept_fold *f, struct kf_vec *v, const char *sql, int cells,
			       struct cr_err *err)
{
	struct kf_delta *d = v->v;
	size_t i = 0;

	if (v->n)
		qsort(d, v->n, sizeof *d, kf_delta_cmp);
	while (i < v->n) {
		struct kf_delta sum = d[i];
		sqlite3_stmt *st;
		int k = 1;

		while (++i < v->n && kf_delta_cmp(&d[i], &sum) == 0) {
			sum.enrolled += d[i].enrolled;
			sum.carded += d[i].carded;
			sum.opted_out += d[i].opted_out;
			sum.pending += d[i].pending;
		}
		if (!sum.enrolled && !sum.carded && !sum.opted_out && !sum.pending)
			continue;
		if (!(st = db_prepare(f->db, sql, err)))
			return err->status;
		sqlite3_bind_int64(st, k++, sum.a);
		if (cells)
			sqlite3_bind_int64(st, k++, sum.b);
		sqlite3_bind_text(st, k++, f->grades[sum.grade], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, k++, sum.enrolled);
		sqlite3_bind_int(st, k++, sum.carded);
		sqlite3_bind_int(st, k++, sum.opted_out);
		sqlite3_bind_int(st, k, sum.pending);
		if ((k = sqlite3_step(st)) != SQLITE_DONE) {
			sqlite3_reset(st);
			return db_fail(f->db, err, k, "writing the coverage counts");
		}
		sqlite3_reset(st);
	}
	return CR_OK;
}

#define KF_ADD_UP " ON CONFLICT DO UPDATE SET enrolled = enrolled + excluded.enrolled, " \
	"carded = carded + excluded.carded, opted_out = opted_out + excluded.opted_out, " \
	"pending = pending + excluded.pending"

enum cr_status kept_fold_apply(struct kept_fold *f, struct cr_err *err)
{
	struct kf_child *c;
	struct kf_enrol *e;
	size_t nc = 0, i = 0, j = 0;
	enum cr_status st = CR_OK;

	sqlite3_preupdate_hook(f->h, NULL, NULL);
	f->hooked = 0;
	c = f->children.v;
	e = f->enrols.v;
	if (!f->broken && f->children.n) {
		/* The first state noted for each child is the one before the import. */
		qsort(c, f->children.n, sizeof *c, kf_child_cmp);
		for (size_t k = 0; k < f->children.n; k++)
			if (nc == 0 || c[nc - 1].id != c[k].id)
				c[nc++] = c[k];
	}
	if (!f->broken && f->enrols.n)
		qsort(e, f->enrols.n, sizeof *e, kf_enrol_cmp);
	/* Each child touched, in row order. */
	while (!f->broken && st == CR_OK && (i < nc || j < f->enrols.n)) {
		sqlite3_int64 id = i < nc && (j == f->enrols.n || c[i].id <= e[j].student) ? c[i].id : e[j].student;
		size_t j0 = j, ne = 0;
		struct kf_enrol *net = e + j0;
		struct kf_now now;
		const struct kf_child *was;

		/* This child's enrollment changes, summed a class at a time in place. */
		for (; j < f->enrols.n && e[j].student == id; j++) {
			if (ne && net[ne - 1].klass == e[j].klass)
				net[ne - 1].d += e[j].d;
			else
				net[ne++] = e[j];
		}
		if ((st = kf_read_now(f, id, &now, err)) != CR_OK)
			break;
		was = i < nc && c[i].id == id ? &c[i++] : &now.c;
		if (was->active)
			kf_add(f, &f->cells, was->district, was->school, was->grade, &now, -1);
		if (now.c.active)
			kf_add(f, &f->cells, now.c.district, now.c.school, now.c.grade, &now, +1);
		if (was->active || now.c.active)
			st = kf_classes(f, was, &now, net, ne, err);
	}
	if (st != CR_OK)
		return st;
	if (f->broken)
		return db_exec(f->db, "UPDATE coverage_kept SET stale = 1", err);
	if ((st = kf_write(f, &f->cells, "INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, "
			   "opted_out, pending) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" KF_ADD_UP, 1, err)) != CR_OK)
		return st;
	return kf_write(f, &f->classes, "INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, "
			"pending) VALUES (?1, ?2, ?3, ?4, ?5, ?6)" KF_ADD_UP, 0, err);
}
