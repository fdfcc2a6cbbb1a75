/* csv: streaming RFC 4180 reader (see csv.h). Bytes come through a read
 * callback into one buffer; a record is copied into one growable data
 * buffer, so memory stays near max_record + the buffer whatever the input. */
#include "csv.h"
#include "text/i18n.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CSV_BUFSIZE (64u * 1024u)

struct csv_reader {
	csv_read_fn  read;
	void        *ctx;
	int          fd;            /* for csv_open_fd's callback */
	char        *name;

	/* Input window: buf[pos..end) is unread; base is the file offset of
	 * buf[0]. In memory mode buf is the caller's buffer (not copied). */
	const char  *buf;
	char        *own;           /* our buffer, NULL in memory mode */
	size_t       pos, end;
	unsigned long long base;
	int          eof;           /* the callback said 0: never call it again */
	int          started;       /* BOM check done */
	int          bom;

	size_t       max_record;
	long         line;          /* physical line of buf[pos] */

	/* The record being built: fields back to back, each NUL-terminated;
	 * field i starts right after field i-1's NUL, so lengths suffice. */
	char        *data;
	size_t       data_len, data_cap;
	size_t      *lens;
	char       **fields;
	size_t       nfields, lens_cap, fields_cap;
	long         err_field;    /* CSV_END_LONG: the 0-based field it was in, else -1 */

	char         err[512];
	long         err_line;
};

/* ---- input ---- */

static ssize_t csv_read_fd(void *ctx, char *buf, size_t n)
{
	const struct csv_reader *r = ctx;
	ssize_t got;

	do
		got = read(r->fd, buf, n);
	while (got < 0 && errno == EINTR);
	return got;
}

/* Replaces the window with the next chunk. Returns 1 when bytes came, 0 at
 * end of input, -1 on a read error. */
static int csv_fill(struct csv_reader *r)
{
	ssize_t got;

	r->base += r->end;
	r->pos = r->end = 0;
	if (r->eof || !r->own)
		return r->eof = 1, 0;
	errno = 0;
	got = r->read(r->ctx, r->own, CSV_BUFSIZE);
	if (got < 0)
		return -1;
	if (got == 0)
		return r->eof = 1, 0;
	r->end = (size_t)got > CSV_BUFSIZE ? CSV_BUFSIZE : (size_t)got;
	return 1;
}

static void csv_set_error(struct csv_reader *r, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void csv_set_error(struct csv_reader *r, long line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(r->err, sizeof r->err, "%s:%ld: ", r->name, line);
	if (n < 0 || (size_t)n >= sizeof r->err)
		n = 0;
	va_start(ap, fmt);
	/* in the reader's language (xgettext: csv_set_error:3) */
	vsnprintf(r->err + n, sizeof r->err - (size_t)n, dgettext(CR_TEXTDOMAIN, fmt), ap);
	va_end(ap);
	r->err_line = line;
	r->err_field = -1;
}

static enum csv_result csv_io_error(struct csv_reader *r)
{
	int e = errno;

	csv_set_error(r, r->line, "read failed: %s", e ? strerror(e) : _("error from reader"));
	return CSV_IO_ERROR;
}

/* The BOM may arrive split over several short reads, so gather three bytes
 * (or all there is) before looking. */
static int csv_start(struct csv_reader *r)
{
	static const char bom[3] = { '\xEF', '\xBB', '\xBF' };

	r->started = 1;
	while (r->own && !r->eof && r->end < sizeof bom) {
		ssize_t got;

		errno = 0;
		got = r->read(r->ctx, r->own + r->end, CSV_BUFSIZE - r->end);
		if (got < 0)
			return -1;
		if (got == 0)
			r->eof = 1;
		if ((size_t)got > CSV_BUFSIZE - r->end)
			got = (ssize_t)(CSV_BUFSIZE - r->end);
		r->end += (size_t)got;
	}
	if (r->end >= sizeof bom && memcmp(r->buf, bom, sizeof bom) == 0) {
		r->bom = 1;
		r->pos = sizeof bom;
	}
	return 0;
}

/* ---- record storage ---- */

/* A bigger copy of array p (doubling past need elements), or NULL. */
static void *csv_grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;

	while (n < need)
		n *= 2;
	p = realloc(p, n * size);
	if (p)
		*cap = n;
	return p;
}

static int csv_reserve(struct csv_reader *r, size_t n)
{
	char *d;

	if (r->data_cap - r->data_len >= n)
		return 0;
	d = csv_grow(r->data, &r->data_cap, r->data_len + n, 1);
	if (!d)
		return -1;
	r->data = d;
	return 0;
}

static int csv_put(struct csv_reader *r, const char *s, size_t n)
{
	if (csv_reserve(r, n + 1) < 0)
		return -1;
	memcpy(r->data + r->data_len, s, n);
	r->data_len += n;
	return 0;
}

static int csv_push_len(struct csv_reader *r, size_t len)
{
	if (r->nfields == r->lens_cap) {
		size_t *l = csv_grow(r->lens, &r->lens_cap, r->nfields + 1, sizeof *l);

		if (!l)
			return -1;
		r->lens = l;
	}
	r->lens[r->nfields++] = len;
	return 0;
}

/* Ends the field that began at data offset start. */
static int csv_end_field(struct csv_reader *r, size_t start)
{
	if (csv_reserve(r, 1) < 0 || csv_push_len(r, r->data_len - start) < 0)
		return -1;
	r->data[r->data_len++] = '\0';
	return 0;
}

static int csv_publish(struct csv_reader *r, struct csv_record *rec, long line, long lines, int qnl)
{
	char *p = r->data;
	size_t i;

	if (r->nfields > r->fields_cap) {
		char **f = csv_grow(r->fields, &r->fields_cap, r->nfields, sizeof *f);

		if (!f)
			return -1;
		r->fields = f;
	}
	for (i = 0; i < r->nfields; i++) {
		r->fields[i] = p;
		p += r->lens[i] + 1;
	}
	rec->nfields = r->nfields;
	rec->field = r->fields;
	rec->len = r->lens;
	rec->line = line;
	rec->lines = lines;
	rec->quoted_newline = qnl;
	return 0;
}

/* ---- parsing ---- */

/* A whole line sits in the window and holds no quote: copy it once and cut
 * it at the commas. This is the path almost every roster row takes. */
static int csv_fast_line(struct csv_reader *r, const char *p, size_t n)
{
	char *d, *c, *end;
	size_t start = 0;

	if (n && p[n - 1] == '\r')
		n--;
	if (csv_reserve(r, n + 1) < 0)
		return -1;
	d = r->data;
	memcpy(d, p, n);
	d[n] = '\0';
	r->data_len = n + 1;
	end = d + n;
	r->nfields = 0;
	for (c = d; (c = memchr(c, ',', (size_t)(end - c))) != NULL; c++) {
		*c = '\0';
		if (csv_push_len(r, (size_t)(c - d) - start) < 0)
			return -1;
		start = (size_t)(c - d) + 1;
	}
	return csv_push_len(r, n - start);
}

/* Skips to just past the next line break after an over-long record. */
static int csv_skip_line(struct csv_reader *r)
{
	for (;;) {
		const char *nl;
		int rc;

		if (r->pos < r->end) {
			nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
			if (nl) {
				r->pos = (size_t)(nl - r->buf) + 1;
				r->line++;
				return 0;
			}
			r->pos = r->end;
		}
		rc = csv_fill(r);
		if (rc <= 0)
			return rc;
	}
}

static size_t csv_count_nl(const char *p, const char *e)
{
	size_t n = 0;

	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

enum csv_state { CSV_S_START, CSV_S_UNQ, CSV_S_QUOTED, CSV_S_QUOTE };

/* How a general parse step or parse ended. */
enum csv_end { CSV_END_MORE, CSV_END_RECORD, CSV_END_LONG, CSV_END_UNTERM, CSV_END_IO, CSV_END_NOMEM };

/* A record being parsed by the state machine. */
struct csv_parse {
	enum csv_state st;
	size_t fstart;   /* data offset where the current field began */
	size_t unq;      /* data offset where its unquoted text began */
	long   last_line;
	int    qnl;
};

/* Unquoted text (also after a closing quote, kept as it stands: lenient,
 * as exports need) up to a comma or the line break in [p, e). */
static enum csv_end csv_step_unquoted(struct csv_reader *r, struct csv_parse *ps, const char *p, const char *e)
{
	const char *q = p;

	while (q < e && *q != ',' && *q != '\n')
		q++;
	if (csv_put(r, p, (size_t)(q - p)) < 0)
		return CSV_END_NOMEM;
	r->pos += (size_t)(q - p);
	if (q == e)
		return CSV_END_MORE;
	r->pos++;
	if (*q == ',') {
		if (csv_end_field(r, ps->fstart) < 0)
			return CSV_END_NOMEM;
		ps->fstart = r->data_len;
		ps->st = CSV_S_START;
		return CSV_END_MORE;
	}
	/* A CR typed as unquoted text just before the LF is part of the
	 * line break, not of the field. */
	if (r->data_len > ps->unq && r->data[r->data_len - 1] == '\r')
		r->data_len--;
	ps->last_line = r->line++;
	return csv_end_field(r, ps->fstart) < 0 ? CSV_END_NOMEM : CSV_END_RECORD;
}

/* Quoted text in [p, e), counting line breaks, through doubled quotes up to
 * the closing quote; what follows that is handled as unquoted text. */
static enum csv_end csv_step_quoted(struct csv_reader *r, struct csv_parse *ps, const char *p, const char *e)
{
	for (;;) {
		const char *q = memchr(p, '"', (size_t)(e - p));
		const char *stop = q ? q : e;
		size_t nl = csv_count_nl(p, stop);

		if (nl) {
			r->line += (long)nl;
			ps->qnl = 1;
		}
		if (csv_put(r, p, (size_t)(stop - p)) < 0)
			return CSV_END_NOMEM;
		r->pos += (size_t)(stop - p);
		if (!q)
			return CSV_END_MORE;
		r->pos++;
		if (q + 1 == e) {  /* what the quote means shows in the next window */
			ps->st = CSV_S_QUOTE;
			return CSV_END_MORE;
		}
		if (q[1] != '"')
			break;
		if (csv_put(r, q, 1) < 0)  /* a doubled quote */
			return CSV_END_NOMEM;
		r->pos++;
		p = q + 2;
	}
	ps->st = CSV_S_UNQ;
	ps->unq = r->data_len;
	return csv_step_unquoted(r, ps, r->buf + r->pos, e);
}

/* One step of the machine on the window from p = r->pos, at most to e. */
static enum csv_end csv_step(struct csv_reader *r, struct csv_parse *ps, const char *p, const char *e)
{
	switch (ps->st) {
	case CSV_S_START:
		if (*p == '"') {
			r->pos++;
			ps->st = CSV_S_QUOTED;
			return p + 1 < e ? csv_step_quoted(r, ps, p + 1, e) : CSV_END_MORE;
		}
		ps->st = CSV_S_UNQ;
		ps->unq = r->data_len;
		return csv_step_unquoted(r, ps, p, e);
	case CSV_S_UNQ:
		return csv_step_unquoted(r, ps, p, e);
	case CSV_S_QUOTED:
		return csv_step_quoted(r, ps, p, e);
	case CSV_S_QUOTE:
		if (*p == '"') {  /* a doubled quote */
			r->pos++;
			ps->st = CSV_S_QUOTED;
			return csv_put(r, p, 1) < 0 ? CSV_END_NOMEM : CSV_END_MORE;
		}
		ps->st = CSV_S_UNQ;  /* the closing quote */
		ps->unq = r->data_len;
		return CSV_END_MORE;
	}
	return CSV_END_MORE;
}

/* End of input in the middle of a record. */
static enum csv_end csv_parse_eof(struct csv_reader *r, struct csv_parse *ps)
{
	if (ps->st == CSV_S_QUOTED)
		return CSV_END_UNTERM;
	if (ps->st == CSV_S_UNQ && r->data_len > ps->unq && r->data[r->data_len - 1] == '\r')
		r->data_len--;
	ps->last_line = r->line;
	return csv_end_field(r, ps->fstart) < 0 ? CSV_END_NOMEM : CSV_END_RECORD;
}

/* The state machine for lines with quotes or that straddle the window.
 * No step looks past max_record bytes of the record, so where an over-long
 * record is cut does not depend on how the input was chunked. */
static enum csv_end csv_parse(struct csv_reader *r, struct csv_parse *ps, unsigned long long rec_start)
{
	unsigned long long limit = rec_start + r->max_record;
	enum csv_end how = CSV_END_MORE;

	while (how == CSV_END_MORE) {
		const char *p, *e;
		unsigned long long at;

		if (r->pos == r->end) {
			int rc = csv_fill(r);

			if (rc < 0)
				return CSV_END_IO;
			if (rc == 0)
				return csv_parse_eof(r, ps);
		}
		at = r->base + r->pos;
		p = r->buf + r->pos;
		e = r->buf + r->end;
		if (at < limit) {
			if (limit - at < (unsigned long long)(e - p))
				e = p + (limit - at);
		} else if (*p == '\n' && ps->st != CSV_S_QUOTED) {
			e = p + 1;  /* the line break that ends the record may sit here */
		} else {
			return CSV_END_LONG;
		}
		do
			how = csv_step(r, ps, r->buf + r->pos, e);
		while (how == CSV_END_MORE && r->buf + r->pos < e);
	}
	return how;
}

/* A whole line in the window without a quote takes the fast path. Returns
 * 1 when it did, 0 when the line needs the state machine, -1 out of memory. */
static int csv_try_fast(struct csv_reader *r)
{
	const char *p = r->buf + r->pos, *nl;
	size_t avail = r->end - r->pos;

	if (*p == '\n' || *p == '\r' || *p == '"')
		return 0;
	nl = memchr(p, '\n', avail > r->max_record ? r->max_record + 1 : avail);
	if (!nl || memchr(p, '"', (size_t)(nl - p)))
		return 0;
	if (csv_fast_line(r, p, (size_t)(nl - p)) < 0)
		return -1;
	r->pos += (size_t)(nl - p) + 1;
	r->line++;
	return 1;
}

/* Turns the end of a general parse into csv_next's answer; -1 means the
 * record was a blank line and the caller reads on. */
static int csv_finish(struct csv_reader *r, struct csv_record *rec, enum csv_end how,
		      const struct csv_parse *ps, long rec_line, char first)
{
	switch (how) {
	case CSV_END_RECORD:
		/* A record made only of an empty unquoted field is a blank line. */
		if (r->nfields == 1 && r->lens[0] == 0 && first != '"')
			return -1;
		if (csv_publish(r, rec, rec_line, ps->last_line - rec_line + 1, ps->qnl) < 0)
			break;
		return CSV_RECORD;
	case CSV_END_LONG:
		csv_set_error(r, rec_line, "record longer than %zu bytes; skipped", r->max_record);
		r->err_field = (long)r->nfields;   /* the field being read when the bound was hit */
		if (csv_skip_line(r) < 0)
			return csv_io_error(r);
		return CSV_BAD_RECORD;
	case CSV_END_UNTERM:
		csv_set_error(r, rec_line, "unterminated quoted field");
		return CSV_BAD_RECORD;
	case CSV_END_IO:
		return csv_io_error(r);
	case CSV_END_MORE:
	case CSV_END_NOMEM:
		break;
	}
	csv_set_error(r, r->line, "out of memory");
	return CSV_IO_ERROR;
}

enum csv_result csv_next(struct csv_reader *r, struct csv_record *rec)
{
	int res = -1;

	if (!r->started && csv_start(r) < 0)
		return csv_io_error(r);
	while (res < 0) {
		struct csv_parse ps = { CSV_S_START, 0, 0, 0, 0 };
		unsigned long long rec_start;
		long rec_line;
		char first;
		int fast;

		if (r->pos == r->end) {
			int rc = csv_fill(r);

			if (rc < 0)
				return csv_io_error(r);
			if (rc == 0)
				return CSV_EOF;
		}
		rec_start = r->base + r->pos;
		rec_line = r->line;
		r->data_len = 0;
		r->nfields = 0;
		first = r->buf[r->pos];
		fast = csv_try_fast(r);
		if (fast > 0 && csv_publish(r, rec, rec_line, 1, 0) == 0)
			return CSV_RECORD;
		if (fast != 0)
			return csv_finish(r, rec, CSV_END_NOMEM, &ps, rec_line, 0);
		ps.last_line = rec_line;
		res = csv_finish(r, rec, csv_parse(r, &ps, rec_start), &ps, rec_line, first);
	}
	return (enum csv_result)res;
}

/* ---- opening and closing ---- */

static struct csv_reader *csv_new(const char *name, size_t max_record)
{
	struct csv_reader *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->err_field = -1;
	r->name = strdup(name ? name : "(csv)");
	if (!r->name) {
		free(r);
		return NULL;
	}
	/* Capped so that offsets plus the bound cannot overflow. */
	r->max_record = max_record ? max_record : CSV_MAX_RECORD;
	if (r->max_record > SIZE_MAX / 4)
		r->max_record = SIZE_MAX / 4;
	r->line = 1;
	r->fd = -1;
	return r;
}

struct csv_reader *csv_open(csv_read_fn read, void *ctx, const char *name, size_t max_record)
{
	struct csv_reader *r = csv_new(name, max_record);

	if (!r)
		return NULL;
	r->own = malloc(CSV_BUFSIZE);
	if (!r->own) {
		csv_close(r);
		return NULL;
	}
	r->buf = r->own;
	r->read = read;
	r->ctx = ctx;
	return r;
}

struct csv_reader *csv_open_mem(const char *buf, size_t len, const char *name, size_t max_record)
{
	struct csv_reader *r = csv_new(name, max_record);

	if (!r)
		return NULL;
	/* The whole input is already the window (referenced, not copied: it
	 * must outlive the reader); csv_fill then reports EOF. */
	r->buf = len ? buf : "";
	r->end = len;
	r->eof = 1;
	return r;
}

struct csv_reader *csv_open_fd(int fd, const char *name, size_t max_record)
{
	struct csv_reader *r = csv_open(csv_read_fd, NULL, name, max_record);

	if (!r)
		return NULL;
	r->ctx = r;
	r->fd = fd;
	return r;
}

void csv_close(struct csv_reader *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->own);
	free(r->data);
	free(r->lens);
	free(r->fields);
	free(r);
}

const char *csv_error(const struct csv_reader *r)
{
	return r->err;
}

long csv_error_field(const struct csv_reader *r)
{
	return r->err_field;
}

long csv_error_line(const struct csv_reader *r)
{
	return r->err_line;
}

int csv_had_bom(const struct csv_reader *r)
{
	return r->bom;
}

unsigned long long csv_offset(const struct csv_reader *r)
{
	return r->base + r->pos;
}
