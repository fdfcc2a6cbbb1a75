/* testutil: small helpers shared by the unit tests (include after cmocka.h).
 * Reading every record of a CSV into owned copies lets a test compare whole
 * files read different ways. */
#ifndef CR_TESTUTIL_H
#define CR_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

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

#endif
