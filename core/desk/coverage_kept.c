/* coverage_kept: counting the kept coverage again after a bulk import. In
 * SQL this is a GROUP BY over five million enrollments (a sort of them all,
 * 4-5 s at a million students); here it is three straight scans (students,
 * cards and consent, enrollments) into arrays by student rowid and an array
 * by class rowid (a class's first grade in place, any other grade in a
 * hash), then the rows written in key order. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coverage_kept.h"

enum { KF_CARDED = 1, KF_OPTED_OUT = 2, KF_PENDING = 4 };

/* A class and grade's key: class rowid * KEPT_PER + grade number + 1, a
 * layout fixed before the grades are all known (they are learned while the
 * enrollments are already being counted). */
#define KEPT_PER       ((long long)1 << 20)
#define KEPT_MAXGRADES ((size_t)KEPT_PER - 2)

/* A school and grade of a district, as coverage_cell keeps it. */
struct kept_cell {
	long long district, school;
	char     *grade;
	uint32_t  gidx;                /* the grade's number in kept.grades */
	long long n[4];                /* enrolled, carded, opted out, pending */
};

/* A class and grade, in an open-addressing table keyed class * ngrades + gidx. */
struct kept_class {
	long long key;                 /* 0: empty slot (class rowids start at 1) */
	int32_t   n[4];
};

/* A class's first grade, by class rowid: one place a class, no probing for
 * the five or six million enrollments of a million children. */
struct kept_first {
	int32_t g1;                    /* the grade's number + 1; 0: nobody yet */
	int32_t n[4];
};

struct kept {
	struct kept_cell  *cells;
	size_t             ncells, capcells;
	uint32_t          *cell_of;    /* by student rowid: cell index + 1, 0 not active */
	unsigned char     *flags;      /* by student rowid: KF_* */
	long long          maxid;
	char             **grades;     /* distinct grade texts */
	size_t             ngrades, capgrades;
	struct kept_first *first;      /* by class rowid, 0..maxclass */
	long long          maxclass;
	struct kept_class *classes;    /* the other grades of a class, and rowids past maxclass */
	size_t             nclasses, capclasses;   /* capclasses a power of two */
	long              *cell_slots;  /* hash of cells: index + 1, 0 empty */
	size_t             capslots;    /* a power of two, over twice ncells */
};

static void kept_free(struct kept *k)
{
	for (size_t i = 0; i < k->ngrades; i++)
		free(k->grades[i]);
	free(k->grades);
	free(k->cells);
	free(k->cell_of);
	free(k->flags);
	free(k->classes);
	free(k->first);
	free(k->cell_slots);
	memset(k, 0, sizeof *k);
}

/* The number of a grade text, added when new; -1 without memory. */
static long kept_grade(struct kept *k, const char *g)
{
	for (size_t i = 0; i < k->ngrades; i++)
		if (strcmp(k->grades[i], g) == 0)
			return (long)i;
	if (k->ngrades >= KEPT_MAXGRADES)
		return -1;
	if (k->ngrades == k->capgrades) {
		size_t cap = k->capgrades ? k->capgrades * 2 : 32;
		char **v = realloc(k->grades, cap * sizeof *v);

		if (!v)
			return -1;
		k->grades = v;
		k->capgrades = cap;
	}
	if (!(k->grades[k->ngrades] = strdup(g)))
		return -1;
	return (long)k->ngrades++;
}

static size_t kept_cell_hash(long long district, long long school, long g, size_t cap)
{
	unsigned long long h = (unsigned long long)district * 0x9E3779B97F4A7C15ull;

	h ^= (unsigned long long)school * 0xC2B2AE3D27D4EB4Full + (unsigned long long)g * 0x165667B19E3779F9ull;
	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

/* The hash slot of (district, school, grade number): its cell, or empty. */
static long *kept_cell_slot(struct kept *k, long long district, long long school, long g)
{
	size_t i = kept_cell_hash(district, school, g, k->capslots);

	while (k->cell_slots[i]) {
		const struct kept_cell *c = &k->cells[k->cell_slots[i] - 1];

		if (c->district == district && c->school == school && (long)c->gidx == g)
			break;
		i = (i + 1) & (k->capslots - 1);
	}
	return &k->cell_slots[i];
}

static int kept_cells_grow(struct kept *k)
{
	size_t cap = k->capslots ? k->capslots * 2 : 1024;
	long *slots = calloc(cap, sizeof *slots);
	struct kept_cell *v = realloc(k->cells, cap / 2 * sizeof *v);

	if (!slots || !v) {
		free(slots);
		if (v)
			k->cells = v;
		return -1;
	}
	k->cells = v;
	k->capcells = cap / 2;
	free(k->cell_slots);
	k->cell_slots = slots;
	k->capslots = cap;
	for (size_t i = 0; i < k->ncells; i++)
		*kept_cell_slot(k, k->cells[i].district, k->cells[i].school, (long)k->cells[i].gidx) = (long)i + 1;
	return 0;
}

/* The cell of (district, school, grade); children come in rowid order, so
 * the last cell found is usually the one. -1 without memory. */
static long kept_cell(struct kept *k, long long district, long long school, const char *grade, long *last)
{
	long g, *slot;

	if (*last >= 0) {
		struct kept_cell *c = &k->cells[*last];

		if (c->district == district && c->school == school && strcmp(c->grade, grade) == 0)
			return *last;
	}
	if ((g = kept_grade(k, grade)) < 0)
		return -1;
	if (k->ncells + 1 > k->capcells && kept_cells_grow(k))
		return -1;
	slot = kept_cell_slot(k, district, school, g);
	if (*slot)
		return *last = *slot - 1;
	k->cells[k->ncells] = (struct kept_cell){ district, school, k->grades[g], (uint32_t)g, { 0 } };
	*slot = (long)k->ncells + 1;
	return *last = (long)k->ncells++;
}

static struct kept_class *kept_class_slot(struct kept_class *t, size_t cap, long long key)
{
	size_t i = (size_t)((unsigned long long)key * 0x9E3779B97F4A7C15ull >> 20) & (cap - 1);

	while (t[i].key && t[i].key != key)
		i = (i + 1) & (cap - 1);
	return &t[i];
}

static int kept_class_grow(struct kept *k)
{
	size_t cap = k->capclasses ? k->capclasses * 2 : 4096;
	struct kept_class *t = calloc(cap, sizeof *t);

	if (!t)
		return -1;
	for (size_t i = 0; k->classes && i < k->capclasses; i++)
		if (k->classes[i].key)
			*kept_class_slot(t, cap, k->classes[i].key) = k->classes[i];
	free(k->classes);
	k->classes = t;
	k->capclasses = cap;
	return 0;
}

static int kept_class_add(struct kept *k, long long class_id, const struct kept_cell *c, unsigned char f)
{
	long long key = class_id * KEPT_PER + (long long)c->gidx + 1;
	struct kept_class *e;

	if (class_id <= k->maxclass) {
		struct kept_first *d = &k->first[class_id];

		if (!d->g1)
			d->g1 = (int32_t)c->gidx + 1;
		if (d->g1 == (int32_t)c->gidx + 1) {
			d->n[0]++;
			d->n[1] += (f & KF_CARDED) != 0;
			d->n[2] += (f & KF_OPTED_OUT) != 0;
			d->n[3] += (f & KF_PENDING) != 0;
			return 0;
		}
	}

	if ((k->nclasses + 1) * 10 > k->capclasses * 7 && kept_class_grow(k))
		return -1;
	e = kept_class_slot(k->classes, k->capclasses, key);
	if (!e->key) {
		e->key = key;
		k->nclasses++;
	}
	e->n[0]++;
	e->n[1] += (f & KF_CARDED) != 0;
	e->n[2] += (f & KF_OPTED_OUT) != 0;
	e->n[3] += (f & KF_PENDING) != 0;
	return 0;
}

static long long kept_scalar(struct cr_db *db, const char *sql)
{
	sqlite3_stmt *st = db_prepare(db, sql, NULL);
	long long v = 0;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return v;
}

/* Cards and consent first: a flag on each child (counted with the child's
 * cell when the students are read). */
static enum cr_status kept_flags(struct cr_db *db, struct kept *k, struct cr_err *err)
{
	static const char *const sql[] = {
		"SELECT student_id, 1 FROM card WHERE status = 'active'",
		"SELECT student_id, CASE state WHEN 'opted_out' THEN 2 ELSE 4 END FROM consent "
		"WHERE state IN ('opted_out', 'pending')",
	};

	for (int q = 0; q < 2; q++) {
		sqlite3_stmt *st = db_prepare(db, sql[q], err);
		int rc;

		if (!st)
			return err ? err->status : CR_EINTERNAL;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			long long id = sqlite3_column_int64(st, 0);

			if (id > 0 && id <= k->maxid)
				k->flags[id] |= (unsigned char)sqlite3_column_int(st, 1);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_fail(db, err, rc, "counting the coverage");
	}
	return CR_OK;
}

/* ---- the enrollments, read beside the students --------------------------------
 *
 * Both come in student rowid order, so one pass merges them: the students
 * are read (on the database's own connection) just far enough ahead for
 * each enrollment's child to have a cell. The enrollments (five or six
 * million at a million children, the longest read) come from a second,
 * read-only connection in a thread of their own, in chunks through a small
 * ring; the counting transaction has written nothing yet, so that
 * connection reads what this one would. Without a second connection or a
 * thread, the same chunks are read here, in turn. */

#define FEED_CHUNK 8192
#define FEED_RING  6

struct feed_chunk {
	size_t    n;
	long long v[2 * FEED_CHUNK];   /* student, class */
};

struct feed {
	pthread_mutex_t    mu;
	pthread_cond_t     cv;
	struct feed_chunk *chunk[FEED_RING + 2];
	struct feed_chunk *full[FEED_RING + 2];   /* a queue: head, count */
	size_t             head, count;
	struct feed_chunk *spare[FEED_RING + 2];
	size_t             nspare;
	int                done, rc, stop, threaded;
	sqlite3           *h;                      /* the second connection, or NULL */
	sqlite3_stmt      *st;
};

static const char feed_sql[] = "SELECT student_id, class_id FROM enrollment ORDER BY student_id, class_id";

/* Fills c from f->st; the step's last result. */
static int feed_fill(struct feed *f, struct feed_chunk *c)
{
	int rc = SQLITE_ROW;

	c->n = 0;
	while (c->n < FEED_CHUNK && (rc = sqlite3_step(f->st)) == SQLITE_ROW) {
		c->v[2 * c->n] = sqlite3_column_int64(f->st, 0);
		c->v[2 * c->n + 1] = sqlite3_column_int64(f->st, 1);
		c->n++;
	}
	return rc;
}

static void *feed_thread(void *arg)
{
	struct feed *f = arg;

	for (;;) {
		struct feed_chunk *c;
		int rc;

		pthread_mutex_lock(&f->mu);
		while (!f->nspare && !f->stop)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->stop) {
			f->done = 1;
			pthread_cond_broadcast(&f->cv);
			pthread_mutex_unlock(&f->mu);
			return NULL;
		}
		c = f->spare[--f->nspare];
		pthread_mutex_unlock(&f->mu);
		rc = feed_fill(f, c);
		pthread_mutex_lock(&f->mu);
		f->full[(f->head + f->count++) % (FEED_RING + 2)] = c;
		if (rc != SQLITE_ROW) {
			f->done = 1;
			f->rc = rc;
		}
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
		if (rc != SQLITE_ROW)
			return NULL;
	}
}

/* The next chunk (NULL: the enrollments are all read; f->rc says how it
 * ended). Give it back with feed_done. */
static struct feed_chunk *feed_next(struct feed *f)
{
	struct feed_chunk *c = NULL;

	if (!f->threaded) {
		if (f->done)
			return NULL;
		c = f->spare[0];
		if ((f->rc = feed_fill(f, c)) != SQLITE_ROW)
			f->done = 1;
		return c;
	}
	pthread_mutex_lock(&f->mu);
	while (!f->count && !f->done)
		pthread_cond_wait(&f->cv, &f->mu);
	if (f->count) {
		c = f->full[f->head];
		f->head = (f->head + 1) % (FEED_RING + 2);
		f->count--;
	}
	pthread_mutex_unlock(&f->mu);
	return c;
}

static void feed_done(struct feed *f, struct feed_chunk *c)
{
	if (!f->threaded)
		return;
	pthread_mutex_lock(&f->mu);
	f->spare[f->nspare++] = c;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* Reading on a second connection in a thread when both can be had; else on
 * db's own. -1 without memory. */
static int feed_start(struct feed *f, struct cr_db *db, int beside, pthread_t *tid)
{
	const char *path = db_path(db);

	memset(f, 0, sizeof *f);
	f->rc = SQLITE_ROW;
	for (size_t i = 0; i < FEED_RING + 2; i++) {
		if (!(f->chunk[i] = malloc(sizeof *f->chunk[i])))
			return -1;
		f->spare[f->nspare++] = f->chunk[i];
		if (!beside)
			break;   /* one is enough in turn */
	}
	if (beside && path && *path && strcmp(path, ":memory:") != 0 &&
	    sqlite3_open_v2(path, &f->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(f->h, 5000) == SQLITE_OK &&
	    sqlite3_prepare_v2(f->h, feed_sql, -1, &f->st, NULL) == SQLITE_OK &&
	    pthread_mutex_init(&f->mu, NULL) == 0) {
		if (pthread_cond_init(&f->cv, NULL) == 0) {
			if (pthread_create(tid, NULL, feed_thread, f) == 0) {
				f->threaded = 1;
				return 0;
			}
			pthread_cond_destroy(&f->cv);
		}
		pthread_mutex_destroy(&f->mu);
	}
	/* in turn, on db's own connection */
	sqlite3_finalize(f->st);
	f->st = NULL;
	sqlite3_close(f->h);
	f->h = NULL;
	if (!(f->st = db_prepare(db, feed_sql, NULL)))
		return -1;
	return 0;
}

/* Stops and joins the reader; frees what feed_start made. */
static void feed_end(struct feed *f, pthread_t tid)
{
	if (f->threaded) {
		pthread_mutex_lock(&f->mu);
		f->stop = 1;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
		pthread_join(tid, NULL);
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		sqlite3_finalize(f->st);
		sqlite3_close(f->h);
	} else if (f->st) {
		sqlite3_reset(f->st);   /* db's own cached statement */
	}
	for (size_t i = 0; i < FEED_RING + 2; i++)
		free(f->chunk[i]);
}

/* The active children into their cells, read up to rowid upto. */
static int kept_students_upto(struct kept *k, sqlite3_stmt *st, int *rc, long long *cur, long long upto,
			      long *last)
{
	while (*rc == SQLITE_ROW && *cur < upto) {
		long long id;
		const char *g;
		long c;

		if ((*rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		id = sqlite3_column_int64(st, 0);
		g = (const char *)sqlite3_column_text(st, 3);
		*cur = id;
		if (id <= 0 || id > k->maxid)
			continue;
		if ((c = kept_cell(k, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), g ? g : "", last)) < 0)
			return -1;
		k->cell_of[id] = (uint32_t)c + 1;
		k->cells[c].n[0]++;
		k->cells[c].n[1] += (k->flags[id] & KF_CARDED) != 0;
		k->cells[c].n[2] += (k->flags[id] & KF_OPTED_OUT) != 0;
		k->cells[c].n[3] += (k->flags[id] & KF_PENDING) != 0;
	}
	return 0;
}

/* Students (NOT INDEXED: a straight pass, not a million lookups through an
 * index) and enrollments, merged by student rowid. beside: the enrollments
 * may be read on a second connection (db's transaction has written
 * nothing). */
static enum cr_status kept_children(struct cr_db *db, struct kept *k, int beside, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT id, district_id, coalesce(school_id, 0), coalesce(grade, '') "
				      "FROM student NOT INDEXED WHERE status_code = 'a' ORDER BY id", err);
	struct feed f;
	struct feed_chunk *c;
	pthread_t tid;
	long long cur = 0;
	long last = -1;
	int rc = SQLITE_ROW, nomem = 0;
	enum cr_status s = CR_OK;

	if (!st)
		return err ? err->status : CR_EINTERNAL;
	if (feed_start(&f, db, beside, &tid) != 0) {
		feed_end(&f, tid);
		sqlite3_reset(st);
		return cr_fail(err, CR_ENOMEM, "out of memory counting the coverage");
	}
	while (!nomem && (c = feed_next(&f)) != NULL) {
		for (size_t i = 0; i < c->n && !nomem; i++) {
			long long id = c->v[2 * i], cls = c->v[2 * i + 1];

			if (kept_students_upto(k, st, &rc, &cur, id, &last) != 0) {
				nomem = 1;
				break;
			}
			if (id <= 0 || id > k->maxid || !k->cell_of[id] || cls <= 0)
				continue;
			if (kept_class_add(k, cls, &k->cells[k->cell_of[id] - 1], k->flags[id]))
				nomem = 1;
		}
		feed_done(&f, c);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			break;
	}
	/* the children enrolled in nothing, after the last enrollment */
	if (!nomem && (rc == SQLITE_ROW || rc == SQLITE_DONE) &&
	    kept_students_upto(k, st, &rc, &cur, INT64_MAX, &last) != 0)
		nomem = 1;
	if (nomem)
		s = cr_fail(err, CR_ENOMEM, "out of memory counting the coverage");
	else if (rc != SQLITE_DONE)
		s = db_fail(db, err, rc, "counting the coverage");
	else if (f.rc != SQLITE_DONE)
		s = f.threaded ? cr_fail(err, CR_EINTERNAL, "counting the coverage: reading the enrollments: %s",
					 sqlite3_errstr(f.rc))
			       : db_fail(db, err, f.rc, "counting the coverage");
	sqlite3_reset(st);
	feed_end(&f, tid);
	return s;
}

static int kept_key_cmp(const void *a, const void *b)
{
	long long x = ((const struct kept_class *)a)->key, y = ((const struct kept_class *)b)->key;

	return (x > y) - (x < y);
}

static enum cr_status kept_step(struct cr_db *db, sqlite3_stmt *st, struct cr_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? CR_OK : db_fail(db, err, rc, "saving the coverage counts");
}

static enum cr_status kept_write(struct cr_db *db, struct kept *k, struct cr_err *err)
{
	sqlite3_stmt *st;
	enum cr_status s;
	size_t n = 0;

	if ((s = db_exec(db, "DELETE FROM coverage_cell; DELETE FROM coverage_class", err)) != CR_OK)
		return s;
	if (!(st = db_prepare(db, "INSERT INTO coverage_cell (district_id, school_id, grade, enrolled, carded, "
			      "opted_out, pending) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err)))
		return err ? err->status : CR_EINTERNAL;
	for (size_t i = 0; i < k->ncells; i++) {
		const struct kept_cell *c = &k->cells[i];

		sqlite3_bind_int64(st, 1, c->district);
		sqlite3_bind_int64(st, 2, c->school);
		sqlite3_bind_text(st, 3, c->grade, -1, SQLITE_STATIC);
		for (int j = 0; j < 4; j++)
			sqlite3_bind_int64(st, 4 + j, c->n[j]);
		if ((s = kept_step(db, st, err)) != CR_OK)
			return s;
	}
	/* The other grades packed to the front and sorted, then merged with
	 * the first grades: the rows go in in key order. */
	for (size_t i = 0; i < k->capclasses; i++)
		if (k->classes[i].key)
			k->classes[n++] = k->classes[i];
	qsort(k->classes, n, sizeof *k->classes, kept_key_cmp);
	if (!(st = db_prepare(db, "INSERT INTO coverage_class (class_id, grade, enrolled, carded, opted_out, "
			      "pending) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", err)))
		return err ? err->status : CR_EINTERNAL;
	{
		long long per = KEPT_PER, cls = 1;
		size_t o = 0;

		for (;;) {
			const int32_t *cnt;
			long long key;

			while (cls <= k->maxclass && !k->first[cls].g1)
				cls++;
			if (cls > k->maxclass && o == n)
				break;
			if (o < n && (cls > k->maxclass || k->classes[o].key < cls * per + k->first[cls].g1)) {
				key = k->classes[o].key;
				cnt = k->classes[o++].n;
			} else {
				key = cls * per + k->first[cls].g1;
				cnt = k->first[cls++].n;
			}
			sqlite3_bind_int64(st, 1, key / per);
			sqlite3_bind_text(st, 2, k->grades[key % per - 1], -1, SQLITE_STATIC);
			for (int j = 0; j < 4; j++)
				sqlite3_bind_int(st, 3 + j, cnt[j]);
			if ((s = kept_step(db, st, err)) != CR_OK)
				return s;
		}
	}
	return db_exec(db, "UPDATE coverage_kept SET stale = 0", err);
}

/* Inside a transaction; beside: one this file began, with nothing written
 * yet (the enrollments may be read on a second connection). */
static enum cr_status kept_count(struct cr_db *db, int beside, struct cr_err *err)
{
	struct kept k = { 0 };
	enum cr_status s;

	k.maxid = kept_scalar(db, "SELECT coalesce(max(id), 0) FROM student");
	k.cell_of = calloc((size_t)k.maxid + 1, sizeof *k.cell_of);
	k.flags = calloc((size_t)k.maxid + 1, 1);
	if (!k.cell_of || !k.flags) {
		kept_free(&k);
		return cr_fail(err, CR_ENOMEM, "out of memory counting the coverage");
	}
	if ((s = kept_flags(db, &k, err)) == CR_OK) {
		/* Most classes hold one grade, counted in place. */
		k.maxclass = kept_scalar(db, "SELECT coalesce(max(id), 0) FROM class");
		k.first = calloc((size_t)k.maxclass + 1, sizeof *k.first);
		k.capclasses = 512;   /* kept_class_grow doubles it */
		s = !k.first || kept_class_grow(&k) ? cr_fail(err, CR_ENOMEM, "out of memory counting the coverage") : CR_OK;
		if (s == CR_OK)
			s = kept_children(db, &k, beside, err);
	}
	if (s == CR_OK)
		s = kept_write(db, &k, err);
	kept_free(&k);
	return s;
}

int coverage_kept_stale(struct cr_db *db)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT stale FROM coverage_kept WHERE id = 1", NULL);
	int v = -1, rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0) != 0;
	else if (rc == SQLITE_DONE)
		v = 1;
	sqlite3_reset(st);
	return v;
}

static enum cr_status kept_again(struct cr_db *db, int only_stale, struct cr_err *err)
{
	sqlite3 *h = db_handle(db);
	enum cr_status s;
	int stale;

	if (only_stale && (stale = coverage_kept_stale(db)) <= 0)
		return stale == 0 ? CR_OK : cr_fail(err, CR_EINTERNAL, "cannot read the coverage counts' state");
	if (!sqlite3_get_autocommit(h))
		return kept_count(db, 0, err);   /* someone else's transaction: all on this connection */
	if (sqlite3_db_readonly(h, "main") == 1)
		return cr_fail(err, CR_EUNAVAILABLE, "the coverage counts must be made again after a bulk import, "
			       "which needs write access to %s", db_path(db));
	if ((s = db_begin_immediate(db, err)) != CR_OK)
		return s;
	/* Another process may have counted while we waited for the lock. */
	if (only_stale && coverage_kept_stale(db) == 0) {
		db_rollback(db);
		return CR_OK;
	}
	if ((s = kept_count(db, 1, err)) != CR_OK) {
		db_rollback(db);
		return s;
	}
	return db_commit(db, err);
}

enum cr_status coverage_kept_ready(struct cr_db *db, struct cr_err *err)
{
	return kept_again(db, 1, err);
}

enum cr_status coverage_kept_rebuild(struct cr_db *db, struct cr_err *err)
{
	return kept_again(db, 0, err);
}
