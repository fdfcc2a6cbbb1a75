/* render: one card slip drawn with cairo + pango (names shaped in every
 * script), a QR code (libqrencode) and the card's barcode (libzint). The
 * same code measures (draw = 0) and draws, so heights always agree. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pango/pangocairo.h>
#include <qrencode.h>
#include <zint.h>

#include "display_name.h"
#include "render.h"
#include "text/text.h"

#define RENDER_MONO      "DejaVu Sans Mono, Noto Sans Mono CJK SC, monospace"
#define NAME_MAX_PT      20.0
#define NAME_MIN_PT      11.0
#define BODY_MAX_PT      7.5
#define BODY_MIN_PT      5.5
#define QR_QUIET         4         /* modules of quiet zone around the QR */

/* The slip's text after cleaning: no control characters, no escapes. */
struct slip_clean {
	char *name, *school_line, *card, *expires_line, *qr;
	int   nlang;
	char *heading[4], *body[4];
};

struct render_ctx {
	cairo_t              *cr;
	PangoContext         *pc;
	PangoFontDescription *font, *mono;  /* per-call copies whose size we change */
	int                   draw;
	double                dpm;          /* dots per mm, 0 for vector output */
	double                grid;         /* dots per mm that QR modules and bars snap to */
	double                name_pt;      /* the name's largest size */
	int                   body_cut;     /* the bodies did not fit even at their smallest */
};

/* ---------------------------------------------------------------- text */

/* One field of roster or template text made safe to draw: escape
 * sequences and C0/C1 controls removed, NFC; never NULL unless out of memory. */
static char *clean_field(const char *s)
{
	char *out = NULL;
	unsigned issues = 0;

	if (!s)
		return strdup("");
	if (text_clean(s, strlen(s), &out, &issues) < 0)
		return NULL;
	if (!out) /* not UTF-8: show the bytes as inert text */
		out = text_inert(s, 1);
	return out;
}

/* Like clean_field, but keeps the line breaks a template's body has. */
static char *clean_lines(const char *s)
{
	size_t cap = 1, len = 0;
	char *all;

	if (!s)
		return strdup("");
	cap = strlen(s) * 3 + 4;  /* U+FFFD fallbacks can triple a byte */
	all = malloc(cap);
	if (!all)
		return NULL;
	all[0] = '\0';
	while (*s) {
		size_t n = strcspn(s, "\n");
		char *line = malloc(n + 1), *c;

		if (!line) {
			free(all);
			return NULL;
		}
		memcpy(line, s, n);
		line[n] = '\0';
		c = clean_field(line);
		free(line);
		if (!c) {
			free(all);
			return NULL;
		}
		if (len + strlen(c) + 2 <= cap) {
			if (len > 0 && c[0]) {
				all[len++] = '\n';
			}
			memcpy(all + len, c, strlen(c) + 1);
			len += strlen(c);
		}
		free(c);
		s += n;
		if (*s == '\n')
			s++;
	}
	return all;
}

static void slip_clean_free(struct slip_clean *c)
{
	free(c->name);
	free(c->school_line);
	free(c->card);
	free(c->expires_line);
	free(c->qr);
	for (int i = 0; i < 4; i++) {
		free(c->heading[i]);
		free(c->body[i]);
	}
}

static enum cr_status slip_clean_make(const struct slip *s, struct slip_clean *c, struct cr_err *err)
{
	char *given = clean_field(s->given), *family = clean_field(s->family);
	char *school = clean_field(s->school), *cls = clean_field(s->class_name);
	char *grade = clean_field(s->grade), *exp = clean_field(s->expires);
	int ok = given && family && school && cls && grade && exp;

	memset(c, 0, sizeof *c);
	if (ok) {
		size_t n = strlen(school) + strlen(cls) + strlen(grade) + 32;

		c->name = render_display_name(given, family);
		c->school_line = malloc(n);
		if (c->school_line) {
			/* "School · Class · Grade 3", leaving out what is absent */
			c->school_line[0] = '\0';
			const char *parts[3] = { school, cls, grade };
			for (int i = 0; i < 3; i++) {
				if (!parts[i][0])
					continue;
				if (c->school_line[0])
					strcat(c->school_line, " \xC2\xB7 ");
				if (i == 2 && strspn(grade, "0123456789") == strlen(grade))
					strcat(c->school_line, "Grade ");
				strcat(c->school_line, parts[i]);
			}
		}
		c->expires_line = malloc(strlen(exp) + 16);
		if (c->expires_line)
			sprintf(c->expires_line, "%s%s", exp[0] ? "Valid until " : "", exp);
		ok = c->name && c->school_line && c->expires_line;
	}
	free(given);
	free(family);
	free(school);
	free(cls);
	free(grade);
	free(exp);
	c->card = clean_field(s->card);
	c->qr = s->qr && s->qr[0] ? clean_field(s->qr) : clean_field(s->card);
	ok = ok && c->card && c->qr;
	c->nlang = s->nlang < 0 ? 0 : s->nlang > 4 ? 4 : s->nlang;
	for (int i = 0; i < c->nlang && ok; i++) {
		c->heading[i] = clean_field(s->heading[i]);
		c->body[i] = clean_lines(s->body[i]);
		ok = c->heading[i] && c->body[i];
	}
	if (!ok) {
		slip_clean_free(c);
		return cr_fail(err, CR_ENOMEM, "render: out of memory cleaning the slip's text");
	}
	return CR_OK;
}

/* ---------------------------------------------------------------- drawing helpers */

/* Moves (x, y) onto the dot grid in device space, wherever the caller put
 * the slip: thermal dots, or 1/200 inch on a PDF page (so 200/400/600-dpi
 * printers and scans see every module and bar the same number of dots). */
static void snap_xy(const struct render_ctx *c, double *x, double *y)
{
	double sx = 1, sy = 0, step;

	cairo_user_to_device_distance(c->cr, &sx, &sy);
	step = fabs(sx) / c->grid;  /* device units per dot */
	if (step <= 0)
		return;
	cairo_user_to_device(c->cr, x, y);
	*x = round(*x / step) * step;
	*y = round(*y / step) * step;
	cairo_device_to_user(c->cr, x, y);
}

static PangoLayout *layout_new(struct render_ctx *c, PangoFontDescription *fd, double pt, int bold)
{
	PangoLayout *l = pango_layout_new(c->pc);

	pango_font_description_set_size(fd, (gint)(pt * PANGO_SCALE));
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, fd);
	return l;
}

static double layout_h(PangoLayout *l)
{
	int w, h;

	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static double layout_w(PangoLayout *l)
{
	int w, h;

	pango_layout_get_size(l, &w, &h);
	return (double)w / PANGO_SCALE;
}

static void layout_show(struct render_ctx *c, PangoLayout *l, double x, double y, double grey)
{
	if (!c->draw)
		return;
	cairo_set_source_rgb(c->cr, grey, grey, grey);
	cairo_move_to(c->cr, x, y);
	pango_cairo_show_layout(c->cr, l);
}

/* Layouts of text that repeats from slip to slip (headings, bodies, a
 * class's school line), kept between calls: shaping them is most of a
 * slip's time. Guarded by render_lock with the shared context. */
#define LAYOUT_CACHE 32
static struct cached_layout {
	char          *text;
	double         pt, w;
	int            bold, max_lines;  /* max_lines < 0: at most -max_lines lines */
	PangoAlignment align;
	PangoLayout   *l;
} layout_cache[LAYOUT_CACHE];
static int layout_cache_next;

static PangoLayout *layout_cached(struct render_ctx *c, const char *t, double w, double pt, int bold,
				  PangoAlignment align, int max_lines)
{
	struct cached_layout *e;
	PangoLayout *l;
	char *copy;

	for (int i = 0; i < LAYOUT_CACHE; i++) {
		e = &layout_cache[i];
		if (e->l && e->pt == pt && e->w == w && e->bold == bold && e->align == align &&
		    e->max_lines == max_lines && strcmp(e->text, t) == 0)
			return e->l;
	}
	l = layout_new(c, c->font, pt, bold);
	pango_layout_set_width(l, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, align);
	if (max_lines < 0) {
		pango_layout_set_height(l, max_lines);
		pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	}
	pango_layout_set_text(l, t, -1);
	copy = strdup(t);
	e = &layout_cache[layout_cache_next];
	layout_cache_next = (layout_cache_next + 1) % LAYOUT_CACHE;
	if (e->l) {
		g_object_unref(e->l);
		free(e->text);
	}
	e->text = copy ? copy : strdup("");  /* out of memory: never matches again, still owned */
	e->pt = pt;
	e->w = w;
	e->bold = bold;
	e->align = align;
	e->max_lines = max_lines;
	e->l = l;
	return l;
}

/* A paragraph wrapped to w mm; returns its height. */
static double text_block(struct render_ctx *c, const char *t, double x, double y, double w, double pt,
			 int bold, double grey, PangoAlignment align, int max_lines)
{
	PangoLayout *l;
	double h;

	if (!t || !t[0])
		return 0;
	l = layout_cached(c, t, w, pt, bold, align, max_lines);
	h = layout_h(l);
	layout_show(c, l, x, y, grey);
	return h;
}

/* The name as big as fits on one line, down to NAME_MIN_PT, then wrapped
 * at word (else character) boundaries; past three lines it ends in "...". */
static double name_block(struct render_ctx *c, const char *name, double x, double y, double w, double max_pt)
{
	PangoLayout *l = layout_new(c, c->font, max_pt, 1);
	double pt = max_pt, natural, h;

	pango_layout_set_text(l, name, -1);
	natural = layout_w(l);
	if (natural > w) {
		/* unhinted text scales with its size: one guess, then small steps */
		pt = fmax(NAME_MIN_PT, floor(max_pt * w / natural * 2) / 2);
		pango_font_description_set_size(c->font, (gint)(pt * PANGO_SCALE));
		pango_layout_set_font_description(l, c->font);
		while (pt > NAME_MIN_PT && layout_w(l) > w) {
			pt = fmax(NAME_MIN_PT, pt - 0.5);
			pango_font_description_set_size(c->font, (gint)(pt * PANGO_SCALE));
			pango_layout_set_font_description(l, c->font);
		}
	}
	pango_layout_set_width(l, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_height(l, -3);
	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	h = layout_h(l);
	layout_show(c, l, x, y, 0);
	g_object_unref(l);
	return h;
}

/* The QR code with its quiet zone, side mm wide at most, the quiet zone's
 * top-right corner at (right, y). *used gets the side used. */
static enum cr_status qr_block(struct render_ctx *c, const char *payload, double right, double y, double side,
			       double *used, struct cr_err *err)
{
	QRcode *q = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	double m;
	int n;

	if (!q)
		return cr_fail(err, CR_EDATA, "render: the QR payload (%zu bytes) cannot be encoded as a QR code",
			       strlen(payload));
	n = q->width + 2 * QR_QUIET;
	m = side / n;
	m = floor(m * c->grid) / c->grid;
	if (m < 2 / c->grid)
		m = 2 / c->grid;
	*used = m * n;
	if (c->draw) {
		double ox = right - *used, oy = y;

		snap_xy(c, &ox, &oy);
		ox += QR_QUIET * m;
		oy += QR_QUIET * m;

		cairo_save(c->cr);
		if (c->dpm > 0)
			cairo_set_antialias(c->cr, CAIRO_ANTIALIAS_NONE);
		cairo_set_source_rgb(c->cr, 0, 0, 0);
		for (int r = 0; r < q->width; r++) {
			const unsigned char *row = q->data + (size_t)r * (size_t)q->width;
			for (int col = 0; col < q->width; col++) {
				int run = 0;

				while (col + run < q->width && (row[col + run] & 1))
					run++;
				if (run) {
					/* a hair wider so adjacent runs/rows leave no seam in PDF viewers */
					cairo_rectangle(c->cr, ox + col * m, oy + r * m, run * m, m);
					col += run;
				}
			}
		}
		cairo_fill(c->cr);
		cairo_restore(c->cr);
	}
	QRcode_free(q);
	return CR_OK;
}

/* An element (bar or space) of m modules in narrow units: 1, or at
 * least ratio for a wide one. */
static double element_units(long m, double ratio)
{
	if (m <= 0)
		return 0;
	if (m == 1)
		return 1;
	return fmax((double)m, ratio);
}

/* The barcode's width in narrow units. */
static double barcode_units(const struct zint_symbol *z, double unit, double ratio)
{
	double total = 0;
	long prev = 0;

	for (const struct zint_vector_rect *r = z->vector->rectangles; r; r = r->next) {
		long m0 = lround(r->x / unit), mw = lround(r->width / unit);

		total += element_units(m0 - prev, ratio) + element_units(mw, ratio);
		prev = m0 + mw;
	}
	return total;
}

/* The card's barcode, centred in [x, x + w], h mm tall. */
static enum cr_status barcode_block(struct render_ctx *c, const char *card, enum printer_barcode kind,
				    double x, double y, double w, double h, struct cr_err *err)
{
	struct zint_symbol *z;
	char data[96];
	int rc;
	long prev;
	double unit, bx, by, xdim, total, at, ratio = 2.5;
	enum cr_status st = CR_OK;

	if (!c->draw)
		return CR_OK;
	if (!card[0])
		return CR_OK;
	if (strlen(card) > 60)
		return cr_fail(err, CR_EDATA, "render: card number \"%.20s...\" is too long for a barcode", card);
	/* Codabar holds digits only: a card number with letters (a prefixed
	 * student ID) falls back to Code 39 rather than failing the job */
	if (kind != PRINTER_CODE39 && strspn(card, "0123456789") != strlen(card))
		kind = PRINTER_CODE39;
	z = ZBarcode_Create();
	if (!z)
		return cr_fail(err, CR_ENOMEM, "render: out of memory creating the barcode");
	z->show_hrt = 0;
	z->whitespace_width = 0;
	z->output_options |= BARCODE_NO_QUIET_ZONES;
	if (kind == PRINTER_CODE39) {
		z->symbology = BARCODE_CODE39;
		snprintf(data, sizeof data, "%s", card);
	} else {
		z->symbology = BARCODE_CODABAR;
		snprintf(data, sizeof data, "A%sA", card);
	}
	rc = ZBarcode_Encode(z, (const unsigned char *)data, (int)strlen(data));
	if (rc < ZINT_ERROR)
		rc = ZBarcode_Buffer_Vector(z, 0);
	if (rc >= ZINT_ERROR || !z->vector || z->width <= 0) {
		st = cr_fail(err, CR_EDATA, "render: card number \"%s\" cannot be drawn as %s: %s", card,
			     kind == PRINTER_CODE39 ? "Code 39" : "Codabar", z->errtxt);
		goto out;
	}
	/* zint draws wide elements 2 modules wide (Codabar); scanners read a
	 * 2.5:1 ratio far better from a coarse bitmap, so the bars are laid
	 * out again in narrow units: wide = max(zint's width, 2.5) */
	unit = z->vector->width / z->width;
	total = barcode_units(z, unit, ratio);
	if (total <= 0)
		goto out;
	xdim = fmin(0.36, w / total);
	if (c->dpm > 0) {
		/* whole dots: narrow n dots, wide round(2.5 n) dots (on PDF the
		 * bars stay continuous: 2 dots at 200 dpi is too thin, 3 too wide) */
		double n = fmax(2, floor(xdim * c->grid));

		ratio = round(2.5 * n) / n;
		total = barcode_units(z, unit, ratio);
		xdim = n / c->grid;
	}
	bx = fmax(0, x + (w - xdim * total) / 2);
	by = y;
	if (c->dpm > 0)
		snap_xy(c, &bx, &by);
	cairo_save(c->cr);
	if (c->dpm > 0)
		cairo_set_antialias(c->cr, CAIRO_ANTIALIAS_NONE);
	cairo_set_source_rgb(c->cr, 0, 0, 0);
	at = 0;
	prev = 0;
	for (struct zint_vector_rect *r = z->vector->rectangles; r; r = r->next) {
		long m0 = lround(r->x / unit), mw = lround(r->width / unit);
		double bw = element_units(mw, ratio);

		at += element_units(m0 - prev, ratio);
		if (bw > 0)
			cairo_rectangle(c->cr, bx + at * xdim, by, bw * xdim, h);
		at += bw;
		prev = m0 + mw;
	}
	cairo_fill(c->cr);
	cairo_restore(c->cr);
out:
	ZBarcode_Delete(z);
	return st;
}

/* ---------------------------------------------------------------- layouts */

/* The languages' bodies: side by side when there is room for two columns
 * (sheets), else one under another. Shrinks to fit avail_h when set. */
static double bodies(struct render_ctx *c, const struct slip_clean *t, double x, double y, double w,
		     double avail_h)
{
	int cols = (t->nlang >= 2 && avail_h > 0 && w >= 80) ? t->nlang : 1;
	double colw = (w - (cols - 1) * 3.0) / cols;
	double pt = BODY_MAX_PT, total = 0;
	int draw = c->draw, fits = 1;

	if (t->nlang == 0)
		return 0;
	for (;;) {
		double col_h[4] = { 0 };

		c->draw = 0;
		for (int i = 0; i < t->nlang; i++)
			col_h[cols > 1 ? i : 0] += text_block(c, t->body[i], 0, 0, colw, pt, 0, 0, PANGO_ALIGN_LEFT, 0) +
						   (cols > 1 ? 0 : 1.5);
		total = 0;
		for (int i = 0; i < cols; i++)
			total = fmax(total, col_h[i]);
		fits = avail_h <= 0 || total <= avail_h;
		if (fits || pt <= BODY_MIN_PT)
			break;
		pt -= 0.5;
	}
	c->draw = draw;
	if (!fits)
		c->body_cut = 1;
	if (draw) {
		double yy = y;

		for (int i = 0; i < t->nlang; i++) {
			double xx = cols > 1 ? x + i * (colw + 3.0) : x;

			if (fits) {
				double bh = text_block(c, t->body[i], xx, cols > 1 ? y : yy, colw, pt, 0, 0.15,
						       PANGO_ALIGN_LEFT, 0);

				if (cols == 1)
					yy += bh + 1.5;
				continue;
			}
			/* even the smallest size is too big: end with "..." */
			PangoLayout *l = layout_new(c, c->font, pt, 0);

			pango_layout_set_width(l, (int)(colw * PANGO_SCALE));
			pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
			pango_layout_set_height(l, (int)((avail_h - (cols > 1 ? 0 : yy - y)) * PANGO_SCALE));
			pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
			pango_layout_set_text(l, t->body[i], -1);
			layout_show(c, l, xx, cols > 1 ? y : yy, 0.15);
			if (cols == 1)
				yy += layout_h(l) + 1.5;
			g_object_unref(l);
		}
	}
	return total;
}

/* The card number under the barcode, and the expiry beside it when both
 * fit on one line (else under it); returns the height used. */
static double number_line(struct render_ctx *c, const struct slip_clean *t, double x, double y, double w,
			  double num_pt, double exp_pt)
{
	PangoLayout *num = layout_new(c, c->mono, num_pt, 1);
	PangoLayout *exp = layout_new(c, c->font, exp_pt, 0);
	double wn, we, hn, he, h;

	pango_layout_set_text(num, t->card, -1);
	pango_layout_set_text(exp, t->expires_line, -1);
	wn = layout_w(num);
	we = t->expires_line[0] ? layout_w(exp) : 0;
	hn = layout_h(num);
	he = layout_h(exp);
	if (we > 0 && wn + 5 + we <= w) {
		double x0 = x + (w - (wn + 5 + we)) / 2;

		layout_show(c, num, x0, y, 0);
		layout_show(c, exp, x0 + wn + 5, y + (hn - he) * 0.7, 0.1);
		h = hn;
	} else {
		layout_show(c, num, x + (w - wn) / 2, y, 0);
		if (we > 0)
			layout_show(c, exp, x + (w - fmin(we, w)) / 2, y + hn, 0.1);
		h = hn + (we > 0 ? he : 0);
	}
	g_object_unref(num);
	g_object_unref(exp);
	return h;
}

/* A sheet slot or a thermal slip: text left, QR top right, then the
 * barcode across, then what the card unlocks in each language. */
static enum cr_status layout_slip(struct render_ctx *c, const struct slip_clean *t, const struct render_opts *o,
				  double *height, struct cr_err *err)
{
	int sheet = o->max_height_mm > 0;
	double pad = sheet ? 4.5 : 2.0, w = o->width_mm;
	double qside = fmin(sheet ? 23.0 : 28.0, w * 0.38), qused = 0, y = pad, x = pad;
	double lw, bh = sheet ? 8.5 : 12.0, small = sheet ? 8.0 : 9.0;
	enum cr_status st;

	/* the quiet zone may run into the white margin, never under text */
	st = qr_block(c, t->qr, w - pad + 1.5, pad - 1.5, qside, &qused, err);
	if (st != CR_OK)
		return st;
	lw = w - 2 * pad + 1.5 - qused;
	for (int i = 0; i < t->nlang; i++) {
		if (!t->heading[i][0])
			continue;
		y += text_block(c, t->heading[i], x, y, lw, i == 0 ? small + 2 : small, i == 0, i == 0 ? 0 : 0.3,
				PANGO_ALIGN_LEFT, -2);
	}
	y += 1.0;
	y += name_block(c, t->name, x, y, lw, c->name_pt);
	y += 0.5;
	y += text_block(c, t->school_line, x, y, lw, small, 0, 0.1, PANGO_ALIGN_LEFT, -2);
	y = fmax(y, pad - 1.5 + qused) + 1.0;
	st = barcode_block(c, t->card, o->barcode, x, y, w - 2 * pad, bh, err);
	if (st != CR_OK)
		return st;
	y += bh + 0.3;
	y += number_line(c, t, x, y, w - 2 * pad, sheet ? 9 : 10, small) + 1.5;
	if (sheet) {
		double avail = o->max_height_mm - pad + 1.0 - y;

		if (avail > 2)
			bodies(c, t, x, y, w - 2 * pad, avail);
		*height = o->max_height_mm;
	} else {
		y += bodies(c, t, x, y, w - 2 * pad, 0);
		*height = ceil(y + pad);
	}
	return CR_OK;
}

/* A CR80 card: name and QR on top, barcode and number at the bottom. */
static enum cr_status layout_card(struct render_ctx *c, const struct slip_clean *t, const struct render_opts *o,
				  double *height, struct cr_err *err)
{
	double pad = 3.5, w = o->width_mm, h = o->max_height_mm > 0 ? o->max_height_mm : 54.0;
	double qused = 0, bh = 10.0, numh = 4.5, by;
	enum cr_status st;

	st = qr_block(c, t->qr, w - pad + 1.5, pad - 1.5, 24.0, &qused, err);
	if (st != CR_OK)
		return st;
	if (t->nlang > 0 && t->heading[0][0])
		text_block(c, t->heading[0], pad, pad, w - 2 * pad + 1.5 - qused, 8, 0, 0.3, PANGO_ALIGN_LEFT, -1);
	name_block(c, t->name, pad, pad + 5.0, w - 2 * pad + 1.5 - qused, 16);
	by = h - pad - numh - bh;
	st = barcode_block(c, t->card, o->barcode, pad, by, w - 2 * pad, bh, err);
	if (st != CR_OK)
		return st;
	{
		PangoLayout *l = layout_new(c, c->mono, 9, 1);

		pango_layout_set_text(l, t->card, -1);
		pango_layout_set_width(l, (int)((w - 2 * pad) * PANGO_SCALE));
		pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
		layout_show(c, l, pad, by + bh + 0.5, 0);
		g_object_unref(l);
	}
	*height = h;
	return CR_OK;
}

/* ---------------------------------------------------------------- entry points */

static pthread_mutex_t render_lock = PTHREAD_MUTEX_INITIALIZER;
static PangoContext *shared_pc;

static PangoFontDescription *font_cached(int mono)
{
	/* parsed once; callers get copies, so this is never changed */
	static PangoFontDescription *fd[2];

	if (!fd[mono])
		fd[mono] = pango_font_description_from_string(mono ? RENDER_MONO : RENDER_FONT);
	return fd[mono];
}

static enum cr_status render_run(cairo_t *cr, int draw, const struct slip *s, const struct render_opts *o,
				 double *height_mm, struct cr_err *err)
{
	struct render_ctx c = { .cr = cr, .draw = draw, .dpm = o->dots_per_mm,
				.grid = o->dots_per_mm > 0 ? o->dots_per_mm : 200 / 25.4 };
	struct slip_clean t;
	cairo_font_options_t *fo;
	enum cr_status st;
	double h = 0;

	if (!s || !o || o->width_mm <= 20)
		return cr_fail(err, CR_EUSAGE, "render: a slip needs a width of more than 20 mm (got %.1f)",
			       o ? o->width_mm : 0.0);
	st = slip_clean_make(s, &t, err);
	if (st != CR_OK)
		return st;
	pthread_mutex_lock(&render_lock);
	if (!shared_pc) {
		/* one context for every surface: its matrix stays the identity
		 * (cairo scales the glyphs), so layouts made once serve PDF pages,
		 * thermal bitmaps and measuring alike */
		shared_pc = pango_font_map_create_context(pango_cairo_font_map_get_default());
		/* 1 user unit = 1 mm, so a point is 25.4/72 units; no hinting, so the
		 * measured height matches the drawn one on every surface */
		pango_cairo_context_set_resolution(shared_pc, 25.4);
		/* glyph positions rounded to whole user units would be whole mm */
		pango_context_set_round_glyph_positions(shared_pc, FALSE);
		fo = cairo_font_options_create();
		cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
		cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
		pango_cairo_context_set_font_options(shared_pc, fo);
		cairo_font_options_destroy(fo);
	}
	c.pc = shared_pc;
	c.font = pango_font_description_copy(font_cached(0));
	c.mono = pango_font_description_copy(font_cached(1));
	if (o->compact) {
		st = layout_card(&c, &t, o, &h, err);
	} else if (o->max_height_mm > 0) {
		/* a fixed slot: a smaller name when that lets the bodies fit */
		static const double sizes[] = { 18, 15, NAME_MIN_PT };

		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			c.name_pt = sizes[i];
			c.body_cut = 0;
			c.draw = 0;
			st = layout_slip(&c, &t, o, &h, err);
			if (st != CR_OK || !c.body_cut)
				break;
		}
		c.draw = draw;
		if (st == CR_OK && draw)
			st = layout_slip(&c, &t, o, &h, err);
	} else {
		c.name_pt = NAME_MAX_PT;
		st = layout_slip(&c, &t, o, &h, err);
	}
	pango_font_description_free(c.font);
	pango_font_description_free(c.mono);
	pthread_mutex_unlock(&render_lock);
	slip_clean_free(&t);
	if (st == CR_OK && cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		st = cr_fail(err, CR_EINTERNAL, "render: cairo: %s", cairo_status_to_string(cairo_status(cr)));
	if (st == CR_OK && height_mm)
		*height_mm = h;
	return st;
}

enum cr_status render_slip(cairo_t *cr, const struct slip *s, const struct render_opts *o, double *height_mm,
			   struct cr_err *err)
{
	enum cr_status st;

	cairo_save(cr);
	st = render_run(cr, 1, s, o, height_mm, err);
	cairo_restore(cr);
	return st;
}

enum cr_status render_slip_height(const struct slip *s, const struct render_opts *o, double *height_mm,
				  struct cr_err *err)
{
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	cairo_t *cr = cairo_create(surf);
	enum cr_status st = render_run(cr, 0, s, o, height_mm, err);

	cairo_destroy(cr);
	cairo_surface_destroy(surf);
	return st;
}
