/* imp: what every reader of an import shares with the driver: the row report
 * (imp_issue), progress and cancel (imp_tick), binding and stepping statements. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roster_int.h"
#include "text/i18n.h"

/* ---- the row report -------------------------------------------------- */

void imp_issue(struct imp *im, const char *file, long line, const char *field, int error,
	       const char *fmt, ...)
{
	struct imp_issue *is;
	va_list ap;
	char buf[512];

	/* The reason in the reader's language (xgettext: imp_issue:6); the
	 * file, line, field and severity stay as they are. */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, dgettext(CR_TEXTDOMAIN, fmt), ap);
	va_end(ap);
	if (im->field_alias && field)
		field = im->field_alias(im, field);
	/* A plain CSV is read in several passes: say each thing once. */
	if (im->issue_keys) {
		char key[64];
		uint64_t h;
		int added = 0;

		snprintf(key, sizeof key, "%ld\x1f%s", line, field ? field : "");
		h = idmap_hash(key, strlen(key)) ^ idmap_hash(buf, strlen(buf));
		if (idmap_put(im->issue_keys, h ? h : 1, &added) && !added)
			return;
	}
	if (error)
		im->sum->rejected++;
	else
		im->sum->warnings++;
	if (im->nissues >= IMP_MAX_ISSUES) {
		im->dropped_issues++;
		return;
	}
	if (im->nissues == im->cap_issues) {
		size_t cap = im->cap_issues ? im->cap_issues * 2 : 64;
		struct imp_issue *n = realloc(im->issues, cap * sizeof *n);

		if (!n) {
			im->dropped_issues++;
			return;
		}
		im->issues = n;
		im->cap_issues = cap;
	}
	is = &im->issues[im->nissues];
	is->reason = strdup(buf);
	if (!is->reason) {
		im->dropped_issues++;
		return;
	}
	is->file = file;
	is->line = line;
	is->field = strdup(field ? field : "");
	if (!is->field) {
		free(is->reason);
		im->dropped_issues++;
		return;
	}
	is->error = error;
	im->nissues++;
}

void imp_refuse_file(struct imp *im, const char *file, const char *field, const char *reason)
{
	long rejected = im->sum->rejected;

	imp_issue(im, file, 0, field, 1, "%s", _(reason));   /* xgettext: imp_refuse_file:4 */
	if (im->sum->rejected > rejected) {
		im->sum->rejected = rejected;
		im->sum->refused_files++;
	}
}

void imp_free_issues(struct imp *im)
{
	for (size_t i = 0; i < im->nissues; i++) {
		free(im->issues[i].reason);
		free(im->issues[i].field);
	}
	free(im->issues);
	im->issues = NULL;
	im->nissues = im->cap_issues = 0;
}

int imp_tick(struct imp *im)
{
	im->rows++;
	if ((im->rows & 4095) != 0)
		return 0;
	if (im->opt->cancel && *im->opt->cancel)
		return 1;
	if (im->opt->progress && (im->rows & 65535) == 0) {
		struct roster_progress p = {
			.file = im->cur_file,
			.bytes_done = im->bytes_before + (im->cur_reader ? csv_offset(im->cur_reader) : 0),
			.bytes_total = im->bytes_total,
			.rows = im->rows,
		};
		if (im->opt->progress(&p, im->opt->progress_ctx))
			return 1;
	}
	return 0;
}

void imp_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

enum cr_status imp_step_done(struct imp *im, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return CR_OK;
	return db_fail(im->db, im->err, rc, what);
}
