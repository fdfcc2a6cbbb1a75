/* testutil: small helpers shared by the unit tests (include after cmocka.h).
 * Reading every record of a CSV into owned copies lets a test compare whole
 * files read different ways. */
#ifndef CR_TESTUTIL_H
#define CR_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "roster/csv.h"

#define TU_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* A string literal and its length, NUL bytes included: TU_BYTES("a\0b"). */
#define TU_BYTES(lit) (lit), (sizeof(lit) - 1)

/* One csv_next result, copied out of the reader. */
struct tu_rec {
	enum csv_result result;
	size_t   nfields;
	char   **field;
	size_t  *len;
	long     line, lines;
	int      quoted_newline;
	char    *error;       /* csv_error() for CSV_BAD_RECORD/IO_ERROR */
};

struct tu_recs {
	size_t         n;
	struct tu_rec *r;
	int            bom;
	unsigned long long offset;  /* csv_offset() at the end */
};

static inline void *tu_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "testutil: out of memory\n");
		abort();
	}
	return p;
}

static inline char *tu_memdup(const char *s, size_t n)
{
	char *p = tu_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Reads until CSV_EOF or CSV_IO_ERROR, keeping every result; closes r. */
static inline struct tu_recs tu_read_all(struct csv_reader *r)
{
	struct tu_recs all = { 0, NULL, 0, 0 };
	size_t cap = 0;

	for (;;) {
		struct csv_record rec;
		enum csv_result res = csv_next(r, &rec);
		struct tu_rec *t;
		size_t i;

		if (res == CSV_EOF)
			break;
		if (all.n == cap) {
			cap = cap ? 2 * cap : 16;
			all.r = realloc(all.r, cap * sizeof *all.r);
			if (!all.r)
				abort();
		}
		t = &all.r[all.n++];
		memset(t, 0, sizeof *t);
		t->result = res;
		if (res != CSV_RECORD) {
			t->error = tu_memdup(csv_error(r), strlen(csv_error(r)));
			t->line = csv_error_line(r);
			if (res == CSV_IO_ERROR)
				break;
			continue;
		}
		t->nfields = rec.nfields;
		t->field = tu_xmalloc(rec.nfields * sizeof *t->field);
		t->len = tu_xmalloc(rec.nfields * sizeof *t->len);
		for (i = 0; i < rec.nfields; i++) {
			t->field[i] = tu_memdup(rec.field[i], rec.len[i]);
			t->len[i] = rec.len[i];
		}
		t->line = rec.line;
		t->lines = rec.lines;
		t->quoted_newline = rec.quoted_newline;
	}
	all.bom = csv_had_bom(r);
	all.offset = csv_offset(r);
	csv_close(r);
	return all;
}

static inline void tu_recs_free(struct tu_recs *all)
{
	size_t i, j;

	for (i = 0; i < all->n; i++) {
		for (j = 0; j < all->r[i].nfields; j++)
			free(all->r[i].field[j]);
		free(all->r[i].field);
		free(all->r[i].len);
		free(all->r[i].error);
	}
	free(all->r);
	all->r = NULL;
	all->n = 0;
}

/* NULL when a and b hold the same results, else a line saying where they
 * first differ (static buffer). */
static inline const char *tu_recs_diff(const struct tu_recs *a, const struct tu_recs *b)
{
	static char why[256];
	size_t i, j;

	if (a->bom != b->bom || a->offset != b->offset)
		return "BOM flag or final offset differ";
	for (i = 0; i < a->n && i < b->n; i++) {
		const struct tu_rec *x = &a->r[i], *y = &b->r[i];

		snprintf(why, sizeof why, "result %zu (line %ld vs %ld) differs", i, x->line, y->line);
		if (x->result != y->result || x->nfields != y->nfields || x->line != y->line ||
		    x->lines != y->lines || x->quoted_newline != y->quoted_newline)
			return why;
		if ((x->error || y->error) && (!x->error || !y->error || strcmp(x->error, y->error)))
			return why;
		for (j = 0; j < x->nfields; j++)
			if (x->len[j] != y->len[j] || memcmp(x->field[j], y->field[j], x->len[j]))
				return why;
	}
	if (a->n != b->n) {
		snprintf(why, sizeof why, "%zu results vs %zu", a->n, b->n);
		return why;
	}
	return NULL;
}

/* A read callback handing out an in-memory file a few bytes at a time. */
struct tu_chunks {
	const char *data;
	size_t      size, off;
	size_t      chunk;   /* bytes per call (at least 1) */
};

static inline ssize_t tu_chunk_read(void *ctx, char *buf, size_t n)
{
	struct tu_chunks *c = ctx;
	size_t k = c->size - c->off;

	if (k > c->chunk)
		k = c->chunk;
	if (k > n)
		k = n;
	memcpy(buf, c->data + c->off, k);
	c->off += k;
	return (ssize_t)k;
}

static inline struct tu_recs tu_read_mem(const char *data, size_t size, size_t max_record)
{
	return tu_read_all(csv_open_mem(data, size, "t.csv", max_record));
}

static inline struct tu_recs tu_read_chunked(const char *data, size_t size, size_t chunk, size_t max_record)
{
	struct tu_chunks c = { data, size, 0, chunk ? chunk : 1 };

	return tu_read_all(csv_open(tu_chunk_read, &c, "t.csv", max_record));
}

/* The whole file at path, or NULL (size in *size). */
static inline char *tu_slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*size = n;
	return buf;
}

/* ---- files and folders for tests that need a place of their own ---------
 * Every test makes its own folder under /tmp and removes it afterwards. */

/* Makes /tmp/cardroll-TAG-XXXXXX into buf; aborts when it cannot. */
static inline void tu_tmpdir(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/cardroll-%s-XXXXXX", tag);
	if (!mkdtemp(buf)) {
		fprintf(stderr, "testutil: mkdtemp %s: %s\n", buf, strerror(errno));
		abort();
	}
}

/* Removes path and everything under it (never follows symlinks). */
static inline void tu_rmtree(const char *path)
{
	struct stat sb;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &sb) != 0)
		return;
	if (!S_ISDIR(sb.st_mode)) {
		unlink(path);
		return;
	}
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			size_t n;
			char *sub;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			n = strlen(path) + strlen(de->d_name) + 2;
			sub = tu_xmalloc(n);
			snprintf(sub, n, "%s/%s", path, de->d_name);
			tu_rmtree(sub);
			free(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* Creates the folders of path (mkdir -p), mode 0700. */
static inline void tu_mkdirs(const char *path)
{
	char *p = tu_memdup(path, strlen(path));

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0700);
		*s = '/';
	}
	mkdir(p, 0700);
	free(p);
}

/* Writes len bytes to path (folders made as needed); aborts on failure. */
static inline void tu_write_bytes(const char *path, const void *data, size_t len)
{
	const char *slash = strrchr(path, '/');
	FILE *f;

	if (slash && slash != path) {
		char *dir = tu_memdup(path, (size_t)(slash - path));

		tu_mkdirs(dir);
		free(dir);
	}
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "testutil: cannot write %s: %s\n", path, strerror(errno));
		abort();
	}
}

static inline void tu_write(const char *path, const char *text)
{
	tu_write_bytes(path, text, strlen(text));
}

/* 1 when path exists. */
static inline int tu_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* 1 when the n bytes of needle occur in hay (hlen bytes). */
static inline int tu_has_bytes(const char *hay, size_t hlen, const char *needle, size_t n)
{
	if (n == 0)
		return 1;
	for (size_t i = 0; i + n <= hlen; i++) {
		const char *p = memchr(hay + i, needle[0], hlen - i - n + 1);

		if (!p)
			return 0;
		i = (size_t)(p - hay);
		if (memcmp(p, needle, n) == 0)
			return 1;
	}
	return 0;
}

/* Runs a shell command (formatted); returns its exit status, or -1 when
 * it could not run or died by a signal. */
static inline int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int tu_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	fflush(NULL);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

/* A growing string for building CSV files and table dumps. */
struct tu_buf {
	char  *s;
	size_t n, cap;
};

static inline void tu_buf_add(struct tu_buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->n + n + 1)
			cap *= 2;
		b->s = realloc(b->s, cap);
		if (!b->s)
			abort();
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static inline void tu_buf_printf(struct tu_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void tu_buf_printf(struct tu_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	tu_buf_add(b, "", 0);
	if (b->n + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap;

		while (cap < b->n + (size_t)n + 1)
			cap *= 2;
		b->s = realloc(b->s, cap);
		if (!b->s)
			abort();
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

static inline void tu_buf_free(struct tu_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->n = b->cap = 0;
}

/* The project's own test data, tests/data/REL (the tests run from the
 * repository root): the path in buf; the test fails when it is missing,
 * because the data is part of the repository. */
static inline void tu_data(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "tests/data/%s", rel);
	if (!tu_exists(buf))
		fail_msg("%s is missing (run the tests from the repository root)", buf);
}


#if defined(CR_DB_H) && defined(CR_ROSTER_H)
/* ---- a fresh database in a folder of its own (roster and search tests) ----
 * Only compiled when the test includes db.h and roster.h before this file. */

struct tu_env {
	char          dir[128];
	char          db_path[256];
	struct cr_db *db;
};

/* cmocka setup/teardown: a mkdtemp folder holding roster.db. */
static inline int tu_env_setup(void **state)
{
	struct tu_env *e = calloc(1, sizeof *e);
	struct cr_err err = { 0 };

	if (!e)
		return -1;
	tu_tmpdir(e->dir, sizeof e->dir, "test");
	snprintf(e->db_path, sizeof e->db_path, "%s/roster.db", e->dir);
	if (db_open(e->db_path, 0, &e->db, &err) != CR_OK) {
		fprintf(stderr, "db_open %s: %s\n", e->db_path, err.msg);
		tu_rmtree(e->dir);
		free(e);
		return -1;
	}
	*state = e;
	return 0;
}

static inline int tu_env_teardown(void **state)
{
	struct tu_env *e = *state;

	if (!e)
		return 0;
	db_close(e->db);
	tu_rmtree(e->dir);
	free(e);
	return 0;
}

/* dir/rel, in one of 16 rotating buffers (enough for one statement). */
static inline const char *tu_at(const struct tu_env *e, const char *rel)
{
	static char bufs[16][512];
	static unsigned k;
	char *b = bufs[k++ % 16];

	snprintf(b, sizeof bufs[0], "%s/%s", e->dir, rel);
	return b;
}

static inline void tu_put(const struct tu_env *e, const char *rel, const char *text)
{
	tu_write(tu_at(e, rel), text);
}

static inline enum cr_status tu_import(struct cr_db *db, const char *source, int dry_run,
				       struct roster_summary *sum, struct cr_err *err)
{
	struct roster_options opt = { .source = source, .dry_run = dry_run };

	memset(err, 0, sizeof *err);
	return roster_import(db, &opt, sum, err);
}

/* The first column of the first row of sql (?1 bound to arg when not
 * NULL) as an integer, or -1 when there is no row. */
static inline long long tu_q_int(struct cr_db *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "testutil: %s: %s\n", sql, sqlite3_errmsg(db_handle(db)));
		abort();
	}
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The same as text in one of 8 rotating buffers; NULL when there is no
 * row or the value is NULL. */
static inline const char *tu_q_str(struct cr_db *db, const char *sql, const char *arg)
{
	static char bufs[8][8192];
	static unsigned k;
	char *b = bufs[k++ % 8];
	const char *r = NULL;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "testutil: %s: %s\n", sql, sqlite3_errmsg(db_handle(db)));
		abort();
	}
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		snprintf(b, sizeof bufs[0], "%s", (const char *)sqlite3_column_text(st, 0));
		r = b;
	}
	sqlite3_finalize(st);
	return r;
}

/* A run's report, copied out of the database. */
struct tu_issue {
	char *file, *field, *severity, *reason;
	long  line;
};

struct tu_issues {
	size_t           n, cap;
	struct tu_issue *v;
};

static inline int tu_issue_collect(const struct roster_issue *is, void *ctx)
{
	struct tu_issues *l = ctx;
	struct tu_issue *t;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		if (!l->v)
			abort();
	}
	t = &l->v[l->n++];
	t->file = tu_memdup(is->file, strlen(is->file));
	t->field = tu_memdup(is->field, strlen(is->field));
	t->severity = tu_memdup(is->severity, strlen(is->severity));
	t->reason = tu_memdup(is->reason, strlen(is->reason));
	t->line = is->line;
	return 0;
}

static inline struct tu_issues tu_issues_of(struct cr_db *db, long long run_id)
{
	struct tu_issues l = { 0, 0, NULL };
	struct cr_err err = { 0 };

	if (roster_run_issues(db, run_id, tu_issue_collect, &l, &err) != CR_OK) {
		fprintf(stderr, "testutil: roster_run_issues: %s\n", err.msg);
		abort();
	}
	return l;
}

static inline void tu_issues_free(struct tu_issues *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].file);
		free(l->v[i].field);
		free(l->v[i].severity);
		free(l->v[i].reason);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* The first entry matching: file (NULL any), line (<0 any), severity
 * (NULL any), and field/reason containing the given text (NULL any). */
static inline const struct tu_issue *tu_issue_find(const struct tu_issues *l, const char *file, long line,
						   const char *severity, const char *field_part,
						   const char *reason_part)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct tu_issue *t = &l->v[i];

		if ((file && strcmp(t->file, file)) || (line >= 0 && t->line != line) ||
		    (severity && strcmp(t->severity, severity)) ||
		    (field_part && !strstr(t->field, field_part)) ||
		    (reason_part && !strstr(t->reason, reason_part)))
			continue;
		return t;
	}
	return NULL;
}

/* The whole report as text, for a failure message. */
static inline void tu_issues_print(const struct tu_issues *l)
{
	fflush(stdout);
	for (size_t i = 0; i < l->n; i++)
		fprintf(stderr, "    %s:%ld [%s] %s: %s\n", l->v[i].file, l->v[i].line, l->v[i].field,
			l->v[i].severity, l->v[i].reason);
}
#endif

#endif
