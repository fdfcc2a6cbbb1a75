/* drv_preview: the slips as a plain UTF-8 text file, QR code in half
 * blocks, every roster string made inert: for checking a job without paper. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "printer.h"
#include "qrtext.h"
#include "display_name.h"
#include "sink.h"
#include "text/text.h"
#include "text/i18n.h"

struct preview_job {
	struct sink *sink;
	int count;
};

static enum cr_status put(struct preview_job *j, struct cr_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum cr_status put(struct preview_job *j, struct cr_err *err, const char *fmt, ...)
{
	char small[1024], *buf = small;
	va_list ap;
	int n;
	enum cr_status st;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return cr_fail(err, CR_EINTERNAL, "preview: cannot format a line");
	if ((size_t)n >= sizeof small) {
		buf = malloc((size_t)n + 1);
		if (!buf)
			return cr_fail(err, CR_ENOMEM, "preview: out of memory");
		va_start(ap, fmt);
		vsnprintf(buf, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	st = sink_write(j->sink, buf, (size_t)n, err);
	if (buf != small)
		free(buf);
	return st;
}

/* "Label:   value" with value made inert; absent values are left out. */
static enum cr_status field(struct preview_job *j, const char *label, const char *raw, struct cr_err *err)
{
	char *v;
	enum cr_status st;

	if (!raw || !raw[0])
		return CR_OK;
	v = text_inert(raw, 0);
	if (!v)
		return cr_fail(err, CR_ENOMEM, "preview: out of memory");
	st = put(j, err, "%-9s %s\n", label, v);
	free(v);
	return st;
}

/* Template text made inert and wrapped at PREVIEW_COLS terminal columns on
 * spaces (a word longer than a line gets a line of its own, never cut). */
#define PREVIEW_COLS 72
static enum cr_status paragraph(struct preview_job *j, const char *raw, struct cr_err *err)
{
	char *v, *word, *save = NULL;
	char line[1024];
	int col = 0;
	enum cr_status st = CR_OK;

	if (!raw || !raw[0])
		return CR_OK;
	v = text_inert(raw, 0);
	if (!v)
		return cr_fail(err, CR_ENOMEM, "preview: out of memory");
	line[0] = '\0';
	for (word = strtok_r(v, " ", &save); word && st == CR_OK; word = strtok_r(NULL, " ", &save)) {
		int w = text_width(word);

		if (col > 0 && (col + 1 + w > PREVIEW_COLS || strlen(line) + strlen(word) + 2 > sizeof line)) {
			st = put(j, err, "%s\n", line);
			line[0] = '\0';
			col = 0;
		}
		if (strlen(word) + 2 > sizeof line) { /* one enormous word: its own line */
			st = st == CR_OK ? put(j, err, "%s\n", word) : st;
			continue;
		}
		if (col > 0) {
			strcat(line, " ");
			col++;
		}
		strcat(line, word);
		col += w;
	}
	if (st == CR_OK && col > 0)
		st = put(j, err, "%s\n", line);
	free(v);
	return st;
}

static enum cr_status preview_open(const struct printer_opts *o, void **state, struct cr_err *err)
{
	struct preview_job *j = calloc(1, sizeof *j);
	enum cr_status st;

	*state = NULL;
	if (!j)
		return cr_fail(err, CR_ENOMEM, "preview: out of memory");
	st = sink_open(o->target, &j->sink, err);
	if (st != CR_OK) {
		free(j);
		return st;
	}
	*state = j;
	return CR_OK;
}

static enum cr_status preview_slip(void *state, const struct slip *s, struct cr_err *err)
{
	struct preview_job *j = state;
	char *name = render_display_name(s->given, s->family);
	const char *qr = s->qr && s->qr[0] ? s->qr : s->card;
	char **lines = NULL;
	int nlines = 0;
	enum cr_status st;

	if (!name)
		return cr_fail(err, CR_ENOMEM, "preview: out of memory");
	st = put(j, err, "%s==== slip %d ====\n", j->count ? "\n" : "", j->count + 1);
	if (st == CR_OK)
		st = field(j, "Name:", name, err);
	free(name);
	if (st == CR_OK)
		st = field(j, "Card:", s->card, err);
	if (st == CR_OK)
		st = field(j, "School:", s->school, err);
	if (st == CR_OK)
		st = field(j, "Class:", s->class_name, err);
	if (st == CR_OK)
		st = field(j, "Grade:", s->grade, err);
	if (st == CR_OK)
		st = field(j, "Expires:", s->expires, err);
	for (int i = 0; st == CR_OK && i < s->nlang && i < 4; i++) {
		st = put(j, err, "\n");
		if (st == CR_OK)
			st = paragraph(j, s->heading[i], err);
		if (st == CR_OK)
			st = paragraph(j, s->body[i], err);
	}
	if (st == CR_OK)
		st = put(j, err, "\n");
	if (st == CR_OK)
		st = field(j, "QR:", qr, err);
	if (st == CR_OK && qr && qr[0])
		st = qrtext_draw(qr, 0, &lines, &nlines, err);
	for (int i = 0; st == CR_OK && i < nlines; i++)
		st = put(j, err, "%s\n", lines[i]);
	qrtext_free(lines, nlines);
	if (st == CR_OK)
		j->count++;
	return st;
}

static enum cr_status preview_close(void *state, int commit, struct cr_err *err)
{
	struct preview_job *j = state;
	enum cr_status st;

	if (!j)
		return CR_OK;
	st = sink_close(j->sink, commit, commit ? err : NULL);
	free(j);
	return commit ? st : CR_OK;
}

const struct printer_driver printer_preview = {
	.name = "preview",
	.summary = N_("a plain text file of the slips, QR code in block characters"),
	.open = preview_open,
	.slip = preview_slip,
	.close = preview_close,
	.state = NULL,
};
