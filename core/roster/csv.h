/* csv: a streaming RFC 4180 reader for roster files, tolerant of what real
 * SIS exports do (BOM, CRLF, quoted commas/quotes/newlines, files without a
 * final newline) and bounded against what they should not (huge lines). */
#ifndef CR_CSV_H
#define CR_CSV_H

#include <stddef.h>
#include <sys/types.h>

struct csv_reader;

/* Reads up to n bytes into buf; returns bytes read, 0 at end, -1 on error. */
typedef ssize_t (*csv_read_fn)(void *ctx, char *buf, size_t n);

/* A record: fields are NUL-terminated (a NUL byte inside a field is kept
 * and len says the real length). Valid until the next csv_next call. */
struct csv_record {
	size_t       nfields;
	char       **field;
	size_t      *len;
	long         line;     /* physical line (1-based) where the record starts */
	long         lines;    /* physical lines it spans (>1 with quoted newlines) */
	int          quoted_newline; /* a quoted field held a line break */
};

enum csv_result {
	CSV_RECORD = 0,   /* *rec holds a record */
	CSV_EOF,          /* no more records */
	CSV_BAD_RECORD,   /* a record was skipped; csv_error() says why and where;
	                     the reader has resynchronised: call csv_next again */
	CSV_IO_ERROR,     /* reading failed; csv_error() says why; stop */
};

/* Default bound on one record: a longer one is skipped with CSV_BAD_RECORD
 * (reading resumes at the next line break), so a 100 MB line never sits in
 * memory. */
#define CSV_MAX_RECORD (1u << 20)

/* name is used in messages ("users.csv"); it is copied. max_record 0 means
 * CSV_MAX_RECORD. Returns NULL when out of memory. */
struct csv_reader *csv_open(csv_read_fn read, void *ctx, const char *name, size_t max_record);
struct csv_reader *csv_open_mem(const char *buf, size_t len, const char *name, size_t max_record);
/* Reads an open file descriptor; does not close it. */
struct csv_reader *csv_open_fd(int fd, const char *name, size_t max_record);
void csv_close(struct csv_reader *r);

enum csv_result csv_next(struct csv_reader *r, struct csv_record *rec);

/* The last problem, as "users.csv:42: unterminated quoted field" style
 * text naming file and line. Empty when none. */
const char *csv_error(const struct csv_reader *r);
/* For a record over the bound: the 0-based field it was in when the bound
 * was hit (the field that is too long, or the one that tipped it over);
 * -1 for any other problem. */
long csv_error_field(const struct csv_reader *r);
/* Line number where the last CSV_BAD_RECORD began. */
long csv_error_line(const struct csv_reader *r);
/* 1 when the file started with a UTF-8 byte order mark (it is skipped). */
int csv_had_bom(const struct csv_reader *r);
/* Bytes consumed so far (for progress). */
unsigned long long csv_offset(const struct csv_reader *r);

#endif
