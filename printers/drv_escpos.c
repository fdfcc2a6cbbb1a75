/* drv_escpos: card slips on ESC/POS thermal receipt printers (58 or 80 mm).
 * "raster" draws each slip with render_slip and sends it as a bit image, so
 * every script prints; "text" uses the printer's own font and code page
 * (faster, crisper) and draws a slip as raster only when some of its text
 * is not in the code page: a name never prints as '?'. */
#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cairo.h>
#include <qrencode.h>
#include "printer.h"
#include "render.h"
#include "sink.h"
#include "text/text.h"

#define ESCPOS_DOTS_PER_MM   8
#define ESCPOS_BAND_ROWS     128   /* most printers' GS v 0 buffer limit */
#define ESCPOS_MAX_ROWS      16000 /* 2 m of paper: a slip longer is a bug */
#define ESCPOS_FONT_A_DOTS   12    /* Font A is 12 x 24 dots */
#define ESCPOS_CUT_FEED      16    /* dots fed past the cutter before GS V B cuts */
#define ESCPOS_QR_MODULE     4     /* raster QR module, dots (0.5 mm) */

/* ESC t numbers are Epson's; most clones follow them. */
static const struct escpos_codepage {
	const char *name;      /* as in the [print] settings */
	const char *iconv;     /* glibc's name for it */
	unsigned char esc_t;
} escpos_codepages[] = {
	{ "cp437",  "IBM437", 0 },
	{ "cp858",  "IBM858", 19 },
	{ "cp1252", "CP1252", 16 },
};

struct escpos_job {
	struct sink *out;
	int lent;              /* out is printer_opts.out: the caller closes it */
	int dots;              /* printable width: 384 (58 mm) or 576 (80 mm) */
	int text;              /* layout "text" */
	int native_qr;
	enum printer_barcode barcode;
	const struct escpos_codepage *cp;
	iconv_t conv;          /* UTF-8 -> cp, text layout only */
};

/* The bytes of one slip, built whole before any reach the sink, so a slip
 * that turns out to need raster leaves no half text behind. */
struct escpos_buf {
	unsigned char *p;
	size_t len, cap;
	int oom;
};

static void escpos_add(struct escpos_buf *b, const void *data, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n)
			cap *= 2;
		unsigned char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

#define ESCPOS_CMD(b, ...) do { \
		static const unsigned char escpos_cmd_[] = { __VA_ARGS__ }; \
		escpos_add((b), escpos_cmd_, sizeof escpos_cmd_); \
	} while (0)

static void escpos_cmd2(struct escpos_buf *b, unsigned char c0, unsigned char c1, unsigned char n)
{
	unsigned char cmd[3] = { c0, c1, n };
	escpos_add(b, cmd, sizeof cmd);
}

static void escpos_cut(struct escpos_buf *b)
{
	unsigned char cut[4] = { 0x1D, 0x56, 0x42, ESCPOS_CUT_FEED };  /* GS V B n: feed, partial cut */
	escpos_add(b, cut, sizeof cut);
}

/* GS v 0 in bands: bits are rows of rowbytes bytes, MSB leftmost, 1 = black. */
static void escpos_raster(struct escpos_buf *b, const unsigned char *bits, int rowbytes, int rows)
{
	for (int y = 0; y < rows; y += ESCPOS_BAND_ROWS) {
		int h = rows - y < ESCPOS_BAND_ROWS ? rows - y : ESCPOS_BAND_ROWS;
		unsigned char hdr[8] = { 0x1D, 0x76, 0x30, 0x00,
					 (unsigned char)(rowbytes & 0xFF), (unsigned char)(rowbytes >> 8),
					 (unsigned char)(h & 0xFF), (unsigned char)(h >> 8) };
		escpos_add(b, hdr, sizeof hdr);
		escpos_add(b, bits + (size_t)y * (size_t)rowbytes, (size_t)h * (size_t)rowbytes);
	}
}

/* ---- raster layout ------------------------------------------------------ */

/* Thresholds the drawn slip to one bit a dot (luma below half = black). */
static unsigned char *escpos_threshold(cairo_surface_t *surf, int width, int rows, int rowbytes)
{
	unsigned char *bits = calloc((size_t)rows, (size_t)rowbytes);
	if (!bits)
		return NULL;
	cairo_surface_flush(surf);
	const unsigned char *data = cairo_image_surface_get_data(surf);
	int stride = cairo_image_surface_get_stride(surf);
	for (int y = 0; y < rows; y++) {
		const unsigned char *row = data + (size_t)y * (size_t)stride;
		for (int x = 0; x < width; x++) {
			uint32_t px;
			memcpy(&px, row + 4 * (size_t)x, sizeof px);
			unsigned r = (px >> 16) & 0xFF, g = (px >> 8) & 0xFF, bl = px & 0xFF;
			if (r * 299 + g * 587 + bl * 114 < 128 * 1000)
				bits[(size_t)y * (size_t)rowbytes + (size_t)(x >> 3)] |= (unsigned char)(0x80 >> (x & 7));
		}
	}
	return bits;
}

static enum cr_status escpos_raster_slip(struct escpos_job *j, const struct slip *s,
					 struct escpos_buf *b, struct cr_err *err)
{
	struct render_opts ro = {
		.width_mm = (double)j->dots / ESCPOS_DOTS_PER_MM,
		.max_height_mm = 0,
		.dots_per_mm = ESCPOS_DOTS_PER_MM,
		.barcode = j->barcode,
		.compact = 0,
	};
	double h_mm = 0;
	enum cr_status st = render_slip_height(s, &ro, &h_mm, err);
	if (st != CR_OK)
		return st;
	int rows = (int)ceil(h_mm * ESCPOS_DOTS_PER_MM);
	if (rows <= 0 || rows > ESCPOS_MAX_ROWS)
		return cr_fail(err, CR_EINTERNAL, "escpos: the slip for card %s would be %.0f mm long",
			       s->card ? s->card : "(none)", h_mm);
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, j->dots, rows);
	cairo_t *cr = cairo_create(surf);
	unsigned char *bits = NULL;
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		st = cr_fail(err, CR_ENOMEM, "escpos: cannot make a %dx%d image for card %s: %s", j->dots, rows,
			     s->card ? s->card : "(none)", cairo_status_to_string(cairo_status(cr)));
		goto out;
	}
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_scale(cr, ESCPOS_DOTS_PER_MM, ESCPOS_DOTS_PER_MM);
	double used = 0;
	st = render_slip(cr, s, &ro, &used, err);
	if (st != CR_OK)
		goto out;
	/* The height estimate is the paper we feed; drawing may end sooner. */
	int used_rows = (int)ceil(used * ESCPOS_DOTS_PER_MM);
	if (used_rows > 0 && used_rows < rows)
		rows = used_rows;
	int rowbytes = j->dots / 8;
	bits = escpos_threshold(surf, j->dots, rows, rowbytes);
	if (!bits) {
		st = cr_fail(err, CR_ENOMEM, "escpos: out of memory for the slip of card %s", s->card ? s->card : "(none)");
		goto out;
	}
	ESCPOS_CMD(b, 0x1B, 0x61, 0x00);  /* ESC a 0: a full-width image needs no centring */
	escpos_raster(b, bits, rowbytes, rows);
	escpos_cut(b);
out:
	free(bits);
	cairo_destroy(cr);
	cairo_surface_destroy(surf);
	return st;
}

/* ---- text layout -------------------------------------------------------- */


/* Typographic punctuation that cp437 and cp858 lack ("Room 12 – Ms.
 * Rivera", "O’Brien") has a plain ASCII twin that reads the same; without
 * this one dash would send a whole class's slips to raster. Letters are
 * never folded: "Nguyễn" is not "Nguyen". */
static int escpos_fold_punct(unsigned cp)
{
	if (cp == 0x00A0 || cp == 0x2007 || cp == 0x202F)
		return ' ';
	if (cp >= 0x2010 && cp <= 0x2015)
		return '-';
	if (cp == 0x2018 || cp == 0x2019 || cp == 0x201B || cp == 0x2032)
		return '\'';
	if (cp == 0x201C || cp == 0x201D || cp == 0x2033)
		return '"';
	if (cp == 0x2022 || cp == 0x00B7 || cp == 0x2027)
		return '-';
	return -1;
}

/* Converts roster or template text to the code page into out (cap bytes).
 * Control characters (C0, DEL, C1) and invalid UTF-8 are dropped so no
 * roster byte can become a printer command; a newline becomes a space.
 * Returns the length, or -1 when a character is not in the code page. */
static long escpos_encode(struct escpos_job *j, const char *text, unsigned char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t left = strlen((const char *)p), len = 0;
	while (left) {
		unsigned cp;
		size_t n = text_utf8_next(p, left, &cp);
		const unsigned char *ch = p;
		p += n ? n : 1;
		left -= n ? n : 1;
		if (n == 0 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || (cp < 0x20 && cp != '\n' && cp != '\t'))
			continue;
		if (len + 1 >= cap)
			break;  /* longer than any line we print; the rest would not fit */
		if (cp < 0x80) {
			out[len++] = cp < 0x20 ? ' ' : (unsigned char)cp;
			continue;
		}
		char *in = (char *)ch, *o = (char *)out + len;
		size_t inleft = n, outleft = 1;
		iconv(j->conv, NULL, NULL, NULL, NULL);
		if (iconv(j->conv, &in, &inleft, &o, &outleft) == (size_t)-1 || inleft != 0) {
			int ascii = escpos_fold_punct(cp);
			if (ascii < 0)
				return -1;
			out[len++] = (unsigned char)ascii;
			continue;
		}
		/* Some code pages map symbols to 0x01..0x1F glyphs; those bytes
		 * are commands to the printer, so treat them as missing. */
		if (out[len] < 0x20 || out[len] == 0x7F)
			return -1;
		len++;
	}
	return (long)len;
}

/* Adds encoded text wrapped at spaces to cols characters a line. */
static void escpos_wrapped(struct escpos_buf *b, const unsigned char *t, size_t n, int cols)
{
	size_t start = 0;
	while (start < n) {
		while (start < n && t[start] == ' ')
			start++;
		if (start >= n)
			break;
		size_t end = n - start <= (size_t)cols ? n : start + (size_t)cols;
		if (end < n) {
			/* at a space, else after a hyphen ("Ñúñez-" / "Ólafsdóttir"),
			 * else mid-word as the printer itself would */
			size_t sp = end;
			while (sp > start && t[sp] != ' ')
				sp--;
			if (sp == start)
				for (sp = end; sp > start && t[sp - 1] != '-'; sp--)
					;
			if (sp > start)
				end = sp;
		}
		escpos_add(b, t + start, end - start);
		escpos_add(b, "\n", 1);
		start = end;
	}
}

/* One line of text (a, then sep and b when both are there), wrapped.
 * Returns -1 when the text is not in the code page. */
static int escpos_line(struct escpos_job *j, struct escpos_buf *b, const char *a, const char *sep,
		       const char *c, int cols)
{
	unsigned char line[1024];
	long n = escpos_encode(j, a, line, sizeof line - 8);  /* room for sep */
	if (n < 0)
		return -1;
	if (a && *a && c && *c) {
		size_t sl = strlen(sep);
		memcpy(line + n, sep, sl);
		n += (long)sl;
	}
	long m = escpos_encode(j, c, line + n, sizeof line - (size_t)n);
	if (m < 0)
		return -1;
	escpos_wrapped(b, line, (size_t)(n + m), cols);
	return 0;
}

/* A body: its own lines, each wrapped. */
static int escpos_body(struct escpos_job *j, struct escpos_buf *b, const char *body, int cols)
{
	const char *p = body ? body : "";
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char one[1024];
		if (n >= sizeof one)
			n = sizeof one - 1;
		memcpy(one, p, n);
		one[n] = '\0';
		if (n == 0)
			escpos_add(b, "\n", 1);
		else if (escpos_line(j, b, one, "", NULL, cols) < 0)
			return -1;
		p = nl ? nl + 1 : p + n;
	}
	return 0;
}

/* GS k with the card number, or -1 when the card has characters the
 * symbology cannot carry (the slip then prints as raster). */
static int escpos_barcode(struct escpos_job *j, struct escpos_buf *b, const char *card)
{
	size_t n = card ? strlen(card) : 0;
	unsigned char data[80];
	size_t len = 0;
	if (n == 0)
		return 0;
	if (n + 2 > sizeof data)
		return -1;
	int codabar = j->barcode != PRINTER_CODE39;
	if (codabar)
		data[len++] = 'A';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)card[i];
		if (codabar && !((c >= '0' && c <= '9') || strchr("-$:/.+", c)))
			return -1;
		if (!codabar && c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		if (!codabar && !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || strchr("-. $/+%", c)))
			return -1;
		data[len++] = c;
	}
	if (codabar)
		data[len++] = 'A';
	/* ~13 module widths a character; narrow bars of 2 dots when they fit. */
	unsigned char w = (int)len * 13 * 2 <= j->dots ? 2 : 1;
	escpos_cmd2(b, 0x1D, 0x68, 80);           /* GS h: 10 mm tall */
	escpos_cmd2(b, 0x1D, 0x77, w);            /* GS w: module width */
	escpos_cmd2(b, 0x1D, 0x48, 2);            /* GS H: digits below */
	unsigned char hdr[4] = { 0x1D, 0x6B, (unsigned char)(codabar ? 71 : 69), (unsigned char)len };
	escpos_add(b, hdr, sizeof hdr);
	escpos_add(b, data, len);
	escpos_add(b, "\n", 1);
	return 0;
}

/* GS ( k: model 2, module size, error correction M, store, print. */
static void escpos_qr_native(struct escpos_job *j, struct escpos_buf *b, const char *payload)
{
	size_t n = strlen(payload);
	if (n > 7089)
		n = 7089;  /* a QR code's byte capacity */
	ESCPOS_CMD(b, 0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00);
	unsigned char size[8] = { 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, (unsigned char)(j->dots >= 576 ? 6 : 5) };
	escpos_add(b, size, sizeof size);
	ESCPOS_CMD(b, 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31);
	size_t pl = n + 3;
	unsigned char store[8] = { 0x1D, 0x28, 0x6B, (unsigned char)(pl & 0xFF), (unsigned char)(pl >> 8),
				   0x31, 0x50, 0x30 };
	escpos_add(b, store, sizeof store);
	escpos_add(b, payload, n);
	ESCPOS_CMD(b, 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30);
	escpos_add(b, "\n", 1);
}

/* The QR as a bit image, for printers without GS ( k. */
static enum cr_status escpos_qr_raster(struct escpos_buf *b, const char *payload, const char *card,
				       struct cr_err *err)
{
	QRcode *q = QRcode_encodeString8bit(payload, 0, QR_ECLEVEL_M);
	if (!q)
		return cr_fail(err, CR_EDATA, "escpos: cannot make the QR code for card %s: %s",
			       card ? card : "(none)", strerror(errno));
	int quiet = 4, m = ESCPOS_QR_MODULE;
	int px = (q->width + 2 * quiet) * m;
	int rowbytes = (px + 7) / 8;
	unsigned char *bits = calloc((size_t)px, (size_t)rowbytes);
	if (!bits) {
		QRcode_free(q);
		return cr_fail(err, CR_ENOMEM, "escpos: out of memory for the QR code of card %s", card ? card : "(none)");
	}
	for (int y = 0; y < px; y++)
		for (int x = 0; x < px; x++) {
			int mx = x / m - quiet, my = y / m - quiet;
			if (mx >= 0 && my >= 0 && mx < q->width && my < q->width && (q->data[my * q->width + mx] & 1))
				bits[(size_t)y * (size_t)rowbytes + (size_t)(x >> 3)] |= (unsigned char)(0x80 >> (x & 7));
		}
	escpos_raster(b, bits, rowbytes, px);
	free(bits);
	QRcode_free(q);
	return CR_OK;
}

/* Builds a text-layout slip into b. *raster is set when some text is not
 * in the code page (b is then to be thrown away). */
static enum cr_status escpos_text_slip(struct escpos_job *j, const struct slip *s, struct escpos_buf *b,
				       int *raster, struct cr_err *err)
{
	int cols = j->dots / ESCPOS_FONT_A_DOTS;
	int bad = 0;
	*raster = 0;
	escpos_cmd2(b, 0x1B, 0x74, j->cp->esc_t);   /* ESC t: code page */
	ESCPOS_CMD(b, 0x1B, 0x61, 0x01);              /* ESC a 1: centred */
	for (int i = 0; i < s->nlang && i < 4; i++) {
		ESCPOS_CMD(b, 0x1B, 0x45, 0x01);
		bad |= escpos_line(j, b, s->heading[i], "", NULL, cols);
		ESCPOS_CMD(b, 0x1B, 0x45, 0x00);
	}
	escpos_add(b, "\n", 1);
	ESCPOS_CMD(b, 0x1D, 0x21, 0x11);              /* GS !: double width and height */
	bad |= escpos_line(j, b, s->given, " ", s->family, cols / 2);
	ESCPOS_CMD(b, 0x1D, 0x21, 0x00);
	bad |= escpos_line(j, b, s->school, " - ", s->class_name, cols);
	escpos_add(b, "\n", 1);
	ESCPOS_CMD(b, 0x1B, 0x45, 0x01);
	bad |= escpos_line(j, b, "Card", " ", s->card, cols);
	ESCPOS_CMD(b, 0x1B, 0x45, 0x00);
	bad |= escpos_line(j, b, s->expires && *s->expires ? "Expires" : NULL, " ", s->expires, cols);
	escpos_add(b, "\n", 1);
	bad |= escpos_barcode(j, b, s->card);
	if (bad) {
		*raster = 1;
		return CR_OK;
	}
	const char *qr = s->qr && *s->qr ? s->qr : s->card;
	if (qr && *qr) {
		escpos_add(b, "\n", 1);
		if (j->native_qr) {
			escpos_qr_native(j, b, qr);
		} else {
			enum cr_status st = escpos_qr_raster(b, qr, s->card, err);
			if (st != CR_OK)
				return st;
		}
	}
	escpos_add(b, "\n", 1);
	ESCPOS_CMD(b, 0x1B, 0x61, 0x00);              /* body reads better left-aligned */
	for (int i = 0; i < s->nlang && i < 4; i++) {
		bad |= escpos_body(j, b, s->body[i], cols);
		escpos_add(b, "\n", 1);
	}
	if (bad) {
		*raster = 1;
		return CR_OK;
	}
	ESCPOS_CMD(b, 0x1B, 0x64, 0x02);              /* ESC d 2: feed two lines */
	escpos_cut(b);
	return CR_OK;
}

/* ---- the driver ------------------------------------------------------- */

static enum cr_status escpos_parse_opts(const struct printer_opts *o, struct escpos_job *j, struct cr_err *err)
{
	if (!o->paper || !*o->paper || strcmp(o->paper, "80") == 0)
		j->dots = 576;
	else if (strcmp(o->paper, "58") == 0)
		j->dots = 384;
	else
		return cr_fail(err, CR_ECONFIG, "print paper \"%s\" is not a receipt roll escpos knows: use 58 or 80 (mm)",
			       o->paper);
	if (!o->layout || !*o->layout || strcmp(o->layout, "raster") == 0)
		j->text = 0;
	else if (strcmp(o->layout, "text") == 0)
		j->text = 1;
	else
		return cr_fail(err, CR_ECONFIG, "print layout \"%s\" is not an escpos layout: use raster or text",
			       o->layout);
	const char *cp = o->codepage && *o->codepage ? o->codepage : "cp437";
	for (size_t i = 0; i < sizeof escpos_codepages / sizeof escpos_codepages[0]; i++)
		if (strcmp(escpos_codepages[i].name, cp) == 0)
			j->cp = &escpos_codepages[i];
	if (!j->cp)
		return cr_fail(err, CR_ECONFIG, "print codepage \"%s\" is not one escpos knows: use cp437, cp858 or cp1252",
			       cp);
	j->native_qr = o->native_qr;
	j->barcode = o->barcode;
	return CR_OK;
}

static enum cr_status escpos_open(const struct printer_opts *o, void **state, struct cr_err *err)
{
	struct escpos_job *j = calloc(1, sizeof *j);
	if (!j)
		return cr_fail(err, CR_ENOMEM, "out of memory starting an escpos print job");
	j->conv = (iconv_t)-1;
	enum cr_status st = escpos_parse_opts(o, j, err);
	if (st == CR_OK && j->text) {
		j->conv = iconv_open(j->cp->iconv, "UTF-8");
		if (j->conv == (iconv_t)-1)
			st = cr_fail(err, CR_EUNAVAILABLE, "escpos: this system cannot convert text to %s (%s)",
				     j->cp->name, strerror(errno));
	}
	if (st == CR_OK && o->out)
		j->out = o->out, j->lent = 1;
	else if (st == CR_OK)
		st = sink_open(o->target, &j->out, err);
	if (st == CR_OK) {
		static const unsigned char init[] = { 0x1B, 0x40 };  /* ESC @ */
		st = sink_write(j->out, init, sizeof init, err);
	}
	if (st != CR_OK) {
		if (j->out && !j->lent)
			sink_close(j->out, 0, NULL);
		if (j->conv != (iconv_t)-1)
			iconv_close(j->conv);
		free(j);
		return st;
	}
	*state = j;
	return CR_OK;
}

static enum cr_status escpos_slip(void *state, const struct slip *s, struct cr_err *err)
{
	struct escpos_job *j = state;
	struct escpos_buf b = { 0 };
	int raster = !j->text;
	enum cr_status st = CR_OK;
	if (j->text)
		st = escpos_text_slip(j, s, &b, &raster, err);
	if (st == CR_OK && raster) {
		b.len = 0;
		st = escpos_raster_slip(j, s, &b, err);
	}
	if (st == CR_OK && b.oom)
		st = cr_fail(err, CR_ENOMEM, "escpos: out of memory for the slip of card %s", s->card ? s->card : "(none)");
	if (st == CR_OK)
		st = sink_write(j->out, b.p, b.len, err);
	free(b.p);
	return st;
}

static enum cr_status escpos_close(void *state, int commit, struct cr_err *err)
{
	struct escpos_job *j = state;
	enum cr_status st = j->lent ? CR_OK : sink_close(j->out, commit, err);
	if (j->conv != (iconv_t)-1)
		iconv_close(j->conv);
	free(j);
	return st;
}

const struct printer_driver printer_escpos = {
	.name = "escpos",
	.summary = "ESC/POS thermal receipt printers, 58 or 80 mm (USB, network or file)",
	.open = escpos_open,
	.slip = escpos_slip,
	.close = escpos_close,
	.state = NULL,
};
