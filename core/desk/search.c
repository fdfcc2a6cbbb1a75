/* search: the desk's type-ahead. Names are matched through FTS5 over the
 * folded name (see text_fold), every query word as a prefix; a student ID
 * is matched exactly through its index. Neither path scans a table. */
#include <stdlib.h>
#include <string.h>

#include "text/names.h"
#include "search.h"
#include "text/text.h"

#define SEARCH_COLUMNS \
	"s.id, coalesce(s.student_number, ''), s.given_name, s.family_name, " \
	"coalesce(s.preferred_name, ''), coalesce(sc.name, ''), coalesce(s.grade, ''), " \
	"s.status, d.name"

static const char search_by_number_sql[] =
	"SELECT " SEARCH_COLUMNS " FROM student s "
	"JOIN district d ON d.id = s.district_id "
	"LEFT JOIN school sc ON sc.id = s.school_id "
	"WHERE s.student_number = ?1 LIMIT ?2";

static const char search_by_name_sql[] =
	"SELECT " SEARCH_COLUMNS " FROM student_fts f "
	"JOIN student s ON s.id = f.rowid "
	"JOIN district d ON d.id = s.district_id "
	"LEFT JOIN school sc ON sc.id = s.school_id "
	"WHERE student_fts MATCH ?1 LIMIT ?2";

/* Words up to this many bytes are looked up in FTS5 prefix indexes (see the
 * schema's prefix option), which it reads incrementally; a longer prefix
 * makes FTS5 merge every matching doclist first, which for a common name
 * costs milliseconds. */
#define SEARCH_PREFIX_INDEXED 6

/* "jose mu" -> "\"jose\"* \"mu\"*". The folded words hold only letters and
 * digits, so quoting them cannot break out of the FTS5 string. With
 * exact_long, a word longer than the prefix indexes is matched as a whole
 * word (fast), for a first pass. *has_long says whether there was one. */
static char *search_match_expr(const char *query, int exact_long, int *has_long)
{
	char *folded = names_query_fold(query);
	char *expr, *o;
	const char *p;

	*has_long = 0;
	if (!folded)
		return NULL;
	/* a word of n bytes becomes at most n + 4 ("w"* and a space): one-letter
	 * words ("a b c d") are 2 bytes in and 5 out */
	expr = malloc(strlen(folded) * 3 + 8);
	if (!expr) {
		free(folded);
		return NULL;
	}
	o = expr;
	for (p = folded; *p; ) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		if (o != expr)
			*o++ = ' ';
		*o++ = '"';
		memcpy(o, p, n);
		o += n;
		*o++ = '"';
		if (n > SEARCH_PREFIX_INDEXED)
			*has_long = 1;
		if (!(exact_long && n > SEARCH_PREFIX_INDEXED))
			*o++ = '*';
		p += n;
	}
	*o = '\0';
	free(folded);
	return expr;
}

static int search_emit(sqlite3_stmt *st, search_fn fn, void *ctx)
{
	struct search_hit hit = {
		.student_rowid = sqlite3_column_int64(st, 0),
		.student_number = (const char *)sqlite3_column_text(st, 1),
		.given_name = (const char *)sqlite3_column_text(st, 2),
		.family_name = (const char *)sqlite3_column_text(st, 3),
		.preferred_name = (const char *)sqlite3_column_text(st, 4),
		.school = (const char *)sqlite3_column_text(st, 5),
		.grade = (const char *)sqlite3_column_text(st, 6),
		.status = (const char *)sqlite3_column_text(st, 7),
		.district = (const char *)sqlite3_column_text(st, 8),
	};
	return fn ? fn(&hit, ctx) : 0;
}

/* Rows already shown by an earlier pass of the same search. */
struct search_seen {
	long long *id;
	int        n, cap;
};

static int search_seen_has(const struct search_seen *s, long long id)
{
	for (int i = 0; i < s->n; i++)
		if (s->id[i] == id)
			return 1;
	return 0;
}

static void search_seen_add(struct search_seen *s, long long id)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 32;
		long long *n = realloc(s->id, (size_t)cap * sizeof *n);

		if (!n)
			return;
		s->id = n;
		s->cap = cap;
	}
	s->id[s->n++] = id;
}

static enum cr_status search_run(struct cr_db *db, const char *sql, const char *arg,
				 int limit, struct search_seen *seen, search_fn fn, void *ctx,
				 int *count, int *stopped, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db, sql, err);
	int rc = SQLITE_DONE;

	if (!st)
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit + seen->n);
	while (*count < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);

		if (search_seen_has(seen, id))
			continue;
		search_seen_add(seen, id);
		(*count)++;
		if (search_emit(st, fn, ctx)) {
			*stopped = 1;
			break;
		}
	}
	if (*count < limit && !*stopped && rc != SQLITE_DONE) {
		enum cr_status s = db_fail(db, err, rc, "searching");

		sqlite3_reset(st);
		return s;
	}
	sqlite3_reset(st);
	return CR_OK;
}

enum cr_status search_find(struct cr_db *db, const char *query, int limit,
			   search_fn fn, void *ctx, int *count, struct cr_err *err)
{
	struct search_seen seen = { 0 };
	enum cr_status st = CR_OK;
	int n = 0, stopped = 0, has_long = 0;
	char *expr = NULL;
	size_t qlen;

	if (count)
		*count = 0;
	if (!query || limit <= 0)
		return CR_OK;
	while (*query == ' ')
		query++;
	qlen = strlen(query);
	while (qlen > 0 && query[qlen - 1] == ' ')
		qlen--;
	if (qlen == 0)
		return CR_OK;

	/* An exact student ID first: a scanned card or a typed number. */
	if (strcspn(query, " ") >= qlen) {
		char *id = strndup(query, qlen);

		if (!id)
			return cr_fail(err, CR_ENOMEM, "out of memory");
		st = search_run(db, search_by_number_sql, id, limit, &seen, fn, ctx, &n, &stopped, err);
		free(id);
		if (st != CR_OK || stopped)
			goto out;
	}

	/* Names: long words as whole words first, then as prefixes to fill up. */
	for (int pass = 0; pass < 2 && n < limit && !stopped && st == CR_OK; pass++) {
		expr = search_match_expr(query, pass == 0, &has_long);
		if (!expr) {
			st = cr_fail(err, CR_ENOMEM, "out of memory");
			break;
		}
		if (*expr)
			st = search_run(db, search_by_name_sql, expr, limit, &seen, fn, ctx, &n, &stopped, err);
		free(expr);
		expr = NULL;
		if (!has_long)
			break;
	}
out:
	free(seen.id);
	if (count)
		*count = n;
	return st;
}

enum cr_status search_student(struct cr_db *db, long long student, search_fn fn, void *ctx, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT " SEARCH_COLUMNS " FROM student s "
		"JOIN district d ON d.id = s.district_id "
		"LEFT JOIN school sc ON sc.id = s.school_id WHERE s.id = ?1", err);
	int rc;

	if (!st)
		return err->status;
	sqlite3_bind_int64(st, 1, student);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		search_emit(st, fn, ctx);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cr_fail(err, CR_EINTERNAL, "reading a student: %s", sqlite3_errmsg(db_handle(db)));
	return CR_OK;
}
