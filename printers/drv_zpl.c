/* drv_zpl: card slips as ZPL labels for Zebra-style label printers, one
 * 4x3 inch label at 203 dpi per slip, text in UTF-8 (^CI28).
 *
 * Roster text goes through ^FH hex escapes rather than being stripped:
 * '^' and '~' start ZPL commands (a '~' is even acted on the moment it
 * arrives, so "~JA" in a name would cancel the queue), and escaping keeps a
 * name such as "O^Brien" printed as written instead of silently changed.
 * Control characters are dropped; they have no place on a slip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "printer.h"
#include "sink.h"
#include "text/text.h"
#include "text/i18n.h"

/* 203 dpi = 8 dots/mm; a 4 x 3 inch label. */
#define ZPL_WIDTH   812
#define ZPL_HEIGHT  609
#define ZPL_MARGIN  30
/* The ^FH escape character; chosen because names rarely contain it, and
 * it is escaped itself when they do. */
#define ZPL_HEX     '_'

struct zpl_job {
	struct sink *out;
	enum printer_barcode barcode;
};

static enum cr_status zpl_put(struct zpl_job *j, const char *s, struct cr_err *err)
{
	return sink_write(j->out, s, strlen(s), err);
}


/* Writes text as ^FD data for a field that has ^FH: valid UTF-8 only,
 * control characters (C0, DEL, C1) dropped, ^ ~ _ \ as hex escapes.
 * newline_to_break: '\n' becomes ^FB's "\&" line break (template body). */
static enum cr_status zpl_put_text(struct zpl_job *j, const char *text, int newline_to_break,
				   struct cr_err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t left = strlen((const char *)p);
	enum cr_status st = CR_OK;
	while (left && st == CR_OK) {
		unsigned cp;
		size_t n = text_utf8_next(p, left, &cp);
		if (n == 0) {
			p++;
			left--;
			continue;
		}
		if (cp == '\n' && newline_to_break) {
			st = zpl_put(j, "\\&", err);
		} else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
			/* dropped */
		} else if (cp == '^' || cp == '~' || cp == ZPL_HEX || cp == '\\') {
			char esc[3] = { ZPL_HEX, hex[cp >> 4], hex[cp & 15] };
			st = sink_write(j->out, esc, sizeof esc, err);
		} else {
			st = sink_write(j->out, p, n, err);
		}
		p += n;
		left -= n;
	}
	return st;
}

/* A text field: ^FO x,y, font height h, wrapped in a block w wide with at
 * most `lines` lines. */
static enum cr_status zpl_field(struct zpl_job *j, int x, int y, int h, int w, int lines,
				const char *a, const char *sep, const char *b, struct cr_err *err)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "^FO%d,%d^A0N,%d,%d^FB%d,%d,4,L,0^FH%c^FD", x, y, h, h, w, lines, ZPL_HEX);
	enum cr_status st = zpl_put(j, cmd, err);
	if (st == CR_OK)
		st = zpl_put_text(j, a, 1, err);
	if (st == CR_OK && a && *a && b && *b)
		st = zpl_put(j, sep, err);
	if (st == CR_OK)
		st = zpl_put_text(j, b, 1, err);
	if (st == CR_OK)
		st = zpl_put(j, "^FS\n", err);
	return st;
}

/* The card number as barcode data: letters, digits and '-' only, so no
 * Code 128 '>' invocation or Code 39 stray character gets in. */
static void zpl_barcode_data(const char *card, char *out, size_t len)
{
	size_t n = 0;
	for (const char *c = card ? card : ""; *c && n + 1 < len; c++)
		if ((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || *c == '-')
			out[n++] = *c;
	out[n] = '\0';
}

static enum cr_status zpl_open(const struct printer_opts *o, void **state, struct cr_err *err)
{
	struct zpl_job *j = calloc(1, sizeof *j);
	if (!j)
		return cr_fail(err, CR_ENOMEM, "out of memory starting a ZPL print job");
	j->barcode = o->barcode;
	enum cr_status st = sink_open(o->target, &j->out, err);
	if (st != CR_OK) {
		free(j);
		return st;
	}
	*state = j;
	return CR_OK;
}

static enum cr_status zpl_codes(struct zpl_job *j, const struct slip *s, int y, struct cr_err *err)
{
	char data[64], cmd[160];
	enum cr_status st = CR_OK;
	zpl_barcode_data(s->card, data, sizeof data);
	if (*data) {
		/* ZPL does have ^BK (Codabar), but label printers are set up and
		 * read back with Code 128 almost everywhere, so the Codabar
		 * setting (the default for card stock) maps to Code 128 here; the
		 * scanned value is the same card number. Code 39 stays Code 39. */
		if (j->barcode == PRINTER_CODE39)
			snprintf(cmd, sizeof cmd, "^FO%d,%d^BY2,3^B3N,N,90,Y,N^FD%s^FS\n", ZPL_MARGIN, y, data);
		else
			snprintf(cmd, sizeof cmd, "^FO%d,%d^BY2^BCN,90,Y,N,N^FD%s^FS\n", ZPL_MARGIN, y, data);
		st = zpl_put(j, cmd, err);
	}
	const char *qr = s->qr && *s->qr ? s->qr : s->card;
	if (st == CR_OK && qr && *qr) {
		/* QA: error correction Q, automatic data mode; magnification 5
		 * keeps a URL-length payload inside the right-hand column. */
		snprintf(cmd, sizeof cmd, "^FO%d,%d^BQN,2,5^FH%c^FDQA,", ZPL_WIDTH - ZPL_MARGIN - 190, y - 20, ZPL_HEX);
		st = zpl_put(j, cmd, err);
		if (st == CR_OK)
			st = zpl_put_text(j, qr, 0, err);
		if (st == CR_OK)
			st = zpl_put(j, "^FS\n", err);
	}
	return st;
}

static enum cr_status zpl_slip(void *state, const struct slip *s, struct cr_err *err)
{
	struct zpl_job *j = state;
	char head[96];
	int text_w = ZPL_WIDTH - 2 * ZPL_MARGIN;
	snprintf(head, sizeof head, "^XA\n^CI28\n^PW%d^LL%d^LH0,0\n", ZPL_WIDTH, ZPL_HEIGHT);
	enum cr_status st = zpl_put(j, head, err);
	if (st == CR_OK && s->nlang > 0)
		st = zpl_field(j, ZPL_MARGIN, 24, 30, text_w, 1, s->heading[0], "", NULL, err);
	if (st == CR_OK)
		st = zpl_field(j, ZPL_MARGIN, 64, 48, text_w, 2, s->given, " ", s->family, err);
	if (st == CR_OK)
		st = zpl_field(j, ZPL_MARGIN, 170, 26, text_w, 1, s->school, " - ", s->class_name, err);
	if (st == CR_OK)
		st = zpl_field(j, ZPL_MARGIN, 204, 26, text_w, 1, s->card, "   ", s->expires, err);
	if (st == CR_OK)
		st = zpl_codes(j, s, 260, err);
	if (st == CR_OK && s->nlang > 0 && s->body[0])
		st = zpl_field(j, ZPL_MARGIN, 400, 20, text_w - 200, 8, s->body[0], "", NULL, err);
	if (st == CR_OK)
		st = zpl_put(j, "^XZ\n", err);
	return st;
}

static enum cr_status zpl_close(void *state, int commit, struct cr_err *err)
{
	struct zpl_job *j = state;
	enum cr_status st = sink_close(j->out, commit, err);
	free(j);
	return st;
}

const struct printer_driver printer_zpl = {
	.name = "zpl",
	.summary = N_("ZPL labels (4x3 in, 203 dpi) for Zebra-style label printers"),
	.open = zpl_open,
	.slip = zpl_slip,
	.close = zpl_close,
	.state = NULL,
};
