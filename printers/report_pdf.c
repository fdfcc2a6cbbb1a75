/* report_pdf: the progress report as a PDF (report_pdf.h). Everything is
 * laid out first as a list of blocks with their heights, paginated, then
 * drawn, so every footer can say "page x of y". Units are mm (the context
 * is scaled), fonts are the slips' (render.h). */
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "render.h"
#include "report_pdf.h"
#include "text/text.h"

#define PT_PER_MM   (72.0 / 25.4)
#define MARGIN      15.0     /* left, right and top */
#define FOOT_H      22.0     /* the footer's band at the bottom */
#define ROW_H       5.0      /* one row of the bar chart */
#define DIST_H      6.5      /* a district's heading in the chart */
#define COLHEAD_H   7.0      /* the chart's column heads, at the top of each page of it */
#define BAR_W       45.0     /* the bar's track: 100% of the enrolled */
#define BAR_H       3.2
#define NUM_W       13.0     /* each figure's column */
#define CHART_H     42.0     /* the signups chart's plot */
#define MAX_SERIES  2000     /* periods the signups line draws at most */

/* The bars' colours: a dark blue for carded through the programme, a
 * light blue for carded before, a light grey track (apart in grey too). */
#define INK_CARDED  0.13, 0.33, 0.58
#define INK_BEFORE  0.45, 0.65, 0.85
#define INK_TRACK   0.88, 0.88, 0.88

enum { T_BOLD = 1, T_WRAP = 2, T_RIGHT = 4, T_GREY = 8 };

enum block_kind { B_TITLE, B_PROFILE, B_PARTNERS, B_TOTALS, B_GOALS_HEAD, B_GOAL, B_CHART, B_SECTION,
		  B_DISTRICT, B_ROW, B_TOTAL_ROW };

struct block {
	enum block_kind kind;
	size_t          i;         /* the row or goal */
	double          h;         /* its height, mm */
	int             page;
	double          y;
	int             colhead;   /* the chart's column heads go first (top of a page) */
};

struct rp {
	const struct report_pdf *in;
	cairo_t                 *cr;
	PangoContext            *pc;
	PangoLayout             *l;
	PangoFontDescription    *fd;
	double                   pw, ph;        /* the page, mm */
	int                      draw;          /* 0: measure only */
	struct block            *b;
	size_t                   nb, cap;
	int                      npages;
	FILE                    *f;
	int                      write_failed;
};

/* ---- text ------------------------------------------------------------------- */

/* Lays s out w mm wide at pt points (one line, ellipsized, unless T_WRAP);
 * draws it at (x, y) when drawing. Returns its height. */
static double rp_text(struct rp *p, double x, double y, double w, double pt, unsigned flags, const char *s)
{
	int h = 0;

	pango_font_description_set_size(p->fd, (gint)(pt * PANGO_SCALE));
	pango_font_description_set_weight(p->fd, (flags & T_BOLD) ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(p->l, p->fd);
	pango_layout_set_width(p->l, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(p->l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_ellipsize(p->l, (flags & T_WRAP) ? PANGO_ELLIPSIZE_NONE : PANGO_ELLIPSIZE_END);
	pango_layout_set_alignment(p->l, (flags & T_RIGHT) ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
	pango_layout_set_text(p->l, s, -1);
	pango_layout_get_size(p->l, NULL, &h);
	if (p->draw) {
		double grey = (flags & T_GREY) ? 0.35 : 0.0;

		cairo_set_source_rgb(p->cr, grey, grey, grey);
		cairo_move_to(p->cr, x, y);
		pango_cairo_show_layout(p->cr, p->l);
		cairo_new_path(p->cr);   /* the text leaves a current point behind */
	}
	return (double)h / PANGO_SCALE;
}

/* Roster and profile text (cleaned at import, made inert once more). */
static double rp_label(struct rp *p, double x, double y, double w, double pt, unsigned flags, const char *s)
{
	char *safe = text_inert(s ? s : "", 0);
	double h = rp_text(p, x, y, w, pt, flags, safe ? safe : "?");

	free(safe);
	return h;
}

static const char *num(long long v, int hidden, char *buf, size_t len)
{
	if (hidden)
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "%lld", v);
	return buf;
}

static const char *pct(double v, int hidden, char *buf, size_t len)
{
	if (hidden)
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "%.1f%%", v);
	return buf;
}

/* ---- the head of the report ------------------------------------------------ */

static const char *const level_name[] = { "district", "school", "grade", "class" };

static double rp_title(struct rp *p, double y)
{
	const struct report_pdf *in = p->in;
	char sub[200];
	double h = rp_text(p, MARGIN, y, p->pw - 2 * MARGIN, 16, T_BOLD, "Library cards for every child: progress report");

	snprintf(sub, sizeof sub, "Coverage by %s as of %s%s%s", level_name[in->cov->by], in->today,
		 in->since ? "; signups since " : "", in->since ? in->since : "");
	return h + 1.0 + rp_text(p, MARGIN, y + h + 1.0, p->pw - 2 * MARGIN, 9, T_GREY, sub) + 3.0;
}

static double rp_profile(struct rp *p, double y)
{
	const struct profile *pr = p->in->prof;
	double w = p->pw - 2 * MARGIN, h;
	char line[1000];

	h = rp_text(p, MARGIN, y, w, 10, T_BOLD, "The community's commitment");
	y += h + 0.8;
	if (!pr->chief[0] && !pr->superintendent[0] && !pr->director[0] && !pr->committed[0])
		return h + 0.8 + rp_text(p, MARGIN, y, w, 9, T_WRAP, "Not recorded yet (cardroll profile).") + 2.5;
	snprintf(line, sizeof line, "Signed %s%s by %s (chief elected official), %s (superintendent) and %s "
		 "(library director).", pr->committed[0] ? "on " : "", pr->committed[0] ? pr->committed : "(date not recorded)",
		 pr->chief[0] ? pr->chief : "-", pr->superintendent[0] ? pr->superintendent : "-",
		 pr->director[0] ? pr->director : "-");
	return h + 0.8 + rp_label(p, MARGIN, y, w, 9, T_WRAP, line) + 2.5;
}

/* "District (n schools), ..." from the school level's rows. */
static double rp_partners(struct rp *p, double y)
{
	const struct coverage *s = p->in->schools;
	double w = p->pw - 2 * MARGIN, h;
	size_t cap = 64, len = 0, i = 0, ndist = 0, nschools = 0;
	char *txt = malloc(cap);

	if (!txt)
		return 0;
	txt[0] = '\0';
	while (s && i < s->nrows) {
		long long d = s->rows[i].district_rowid;
		size_t n = 0, j = i;
		char part[300];
		int k;

		for (; j < s->nrows && s->rows[j].district_rowid == d; j++)
			n += s->rows[j].school_rowid != 0;
		k = snprintf(part, sizeof part, "%s%s (%zu school%s)", ndist ? ", " : "", s->rows[i].district, n,
			     n == 1 ? "" : "s");
		if (len + (size_t)k + 1 > cap) {
			char *t2 = realloc(txt, 2 * cap + (size_t)k);

			if (!t2)
				break;
			txt = t2;
			cap = 2 * cap + (size_t)k;
		}
		memcpy(txt + len, part, (size_t)k + 1);
		len += (size_t)k;
		ndist++;
		nschools += n;
		i = j;
	}
	{
		char head[120];

		snprintf(head, sizeof head, "In the partnership: %zu district%s, %zu school%s", ndist, ndist == 1 ? "" : "s",
			 nschools, nschools == 1 ? "" : "s");
		h = rp_text(p, MARGIN, y, w, 10, T_BOLD, head);
	}
	h += 0.8 + rp_label(p, MARGIN, y + h + 0.8, w, 9, T_WRAP, len ? txt : "No roster imported yet.") + 2.5;
	free(txt);
	return h;
}

static double rp_totals(struct rp *p, double y)
{
	const struct coverage_row *t = &p->in->cov->total;
	char line[600], a[24], b[24], c[24], d[24], e[24], f[24];

	snprintf(line, sizeof line, "All children: %s enrolled, %s carded through the programme, %s carded before "
		 "(already library patrons), %s opted out, %s consent pending; %s covered.",
		 num(t->n[COV_ENROLLED], t->hidden >> COV_ENROLLED & 1, a, sizeof a),
		 num(t->n[COV_CARDED], t->hidden >> COV_CARDED & 1, b, sizeof b),
		 num(t->n[COV_CARDED_BEFORE], t->hidden >> COV_CARDED_BEFORE & 1, c, sizeof c),
		 num(t->n[COV_OPTED_OUT], t->hidden >> COV_OPTED_OUT & 1, d, sizeof d),
		 num(t->n[COV_PENDING], t->hidden >> COV_PENDING & 1, e, sizeof e),
		 pct(coverage_pct(t), (t->hidden & COVERAGE_PCT_HIDDEN) != 0, f, sizeof f));
	return rp_text(p, MARGIN, y, p->pw - 2 * MARGIN, 10, T_WRAP, line) + 3.0;
}

static double rp_goal(struct rp *p, double y, const struct report_pdf_goal *g)
{
	char line[800], now[24];

	pct(g->pct, g->hidden, now, sizeof now);
	if (g->hidden)
		snprintf(line, sizeof line, "%s: %g%% by %s; now %s; children needed and pace suppressed (small counts).",
			 g->scope[0] ? g->scope : "The whole programme", g->target_pct, g->due, now);
	else if (g->needed == 0)
		snprintf(line, sizeof line, "%s: %g%% by %s; now %s: met.", g->scope[0] ? g->scope : "The whole programme",
			 g->target_pct, g->due, now);
	else if (g->days_left < 0)
		snprintf(line, sizeof line, "%s: %g%% by %s; now %s; %lld more children needed; the date passed %ld days ago.",
			 g->scope[0] ? g->scope : "The whole programme", g->target_pct, g->due, now, g->needed,
			 -g->days_left);
	else
		snprintf(line, sizeof line, "%s: %g%% by %s; now %s; %lld more children needed, %lld a week for %ld days.",
			 g->scope[0] ? g->scope : "The whole programme", g->target_pct, g->due, now, g->needed,
			 g->per_week, g->days_left);
	return rp_label(p, MARGIN + 3, y, p->pw - 2 * MARGIN - 3, 9, T_WRAP, line) + 0.8;
}

/* ---- signups over time ----------------------------------------------------- */

/* Days since 1970-01-01 of a valid YYYY-MM-DD. */
static long day_number(const char *s)
{
	long y = atol(s), m = atol(s + 5), d = atol(s + 8), era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void date_of(long days, char *out, size_t len)
{
	long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1, m = mp + (mp < 10 ? 3 : -9);

	snprintf(out, len, "%04ld-%02ld-%02ld", y + (m <= 2), m, d);
}

/* A round top for the axis: 1, 2 or 5 times a power of ten. */
static long long nice_top(long long v)
{
	long long p = 1;

	if (v < 5)
		return 5;
	while (p <= v / 10)
		p *= 10;
	for (;;) {
		if (p >= v)
			return p;
		if (2 * p >= v)
			return 2 * p;
		if (5 * p >= v)
			return 5 * p;
		p *= 10;
	}
}

static double rp_chart(struct rp *p, double y)
{
	const struct coverage_signups *su = p->in->su;
	const struct coverage_count *v;
	size_t n, i, np;
	int weekly, step;
	long first, last;
	double w = p->pw - 2 * MARGIN, x0 = MARGIN + 12, x1 = MARGIN + w - 2, top, bot, h;
	long long max = 0, ymax;
	char lab[64];

	if (su->ndays && day_number(su->days[su->ndays - 1].day) - day_number(su->days[0].day) > 62) {
		weekly = 1, v = su->weeks, n = su->nweeks, step = 7;
	} else {
		weekly = 0, v = su->days, n = su->ndays, step = 1;
	}
	y += 2;   /* apart from the goals above */
	h = rp_text(p, MARGIN, y, w, 10, T_BOLD, weekly ? "Signups per week (Monday to Sunday)" : "Signups per day");
	h += 0.5 + rp_text(p, MARGIN, y + h + 0.5, w, 7.5, T_GREY | T_WRAP,
			   "Cards issued through the programme and still active. A gap in the line is a count "
			   "suppressed to protect small numbers (*).");
	top = y + h + 3;
	bot = top + CHART_H;
	for (i = 0; i < n; i++)
		if (!v[i].hidden && v[i].n > max)
			max = v[i].n;
	ymax = nice_top(max);
	first = n ? day_number(v[0].day) : 0;
	last = n ? day_number(v[n - 1].day) : 0;
	np = n ? (size_t)((last - first) / step) + 1 : 0;
	if (np > MAX_SERIES)
		np = MAX_SERIES;
	if (p->draw) {
		cairo_t *cr = p->cr;

		cairo_set_line_width(cr, 0.2);
		for (int g = 0; g <= 2; g++) {
			double gy = bot - (bot - top) * g / 2.0;

			cairo_set_source_rgb(cr, g ? 0.85 : 0.4, g ? 0.85 : 0.4, g ? 0.85 : 0.4);
			cairo_move_to(cr, x0, gy);
			cairo_line_to(cr, x1, gy);
			cairo_stroke(cr);
			snprintf(lab, sizeof lab, "%lld", ymax * g / 2);
			rp_text(p, MARGIN, gy - 1.6, 10.5, 7, T_RIGHT | T_GREY, lab);
		}
		if (!n) {
			rp_text(p, x0 + 4, top + CHART_H / 2 - 2, w - 20, 9, T_GREY, "No signups yet.");
		} else {
			/* Every period from the first to the last: one without a
			 * signup is 0, as it is in the CSV (absent). */
			double px = 0, py = 0;
			int drawn = 0;
			size_t k = 0;

			cairo_set_source_rgb(cr, INK_CARDED);
			cairo_set_line_width(cr, 0.5);
			for (i = 0; i < np; i++) {
				long day = first + (long)i * step;
				double x = np > 1 ? x0 + (x1 - x0) * (double)i / (double)(np - 1) : (x0 + x1) / 2;
				long long val = 0;
				int hidden = 0;

				while (k < n && day_number(v[k].day) < day)
					k++;
				if (k < n && day_number(v[k].day) == day)
					val = v[k].n, hidden = v[k].hidden;
				if (hidden) {
					drawn = 0;
					continue;
				}
				double yy = bot - (bot - top) * (double)val / (double)ymax;

				if (drawn) {
					cairo_move_to(cr, px, py);
					cairo_line_to(cr, x, yy);
					cairo_stroke(cr);
				}
				if (np <= 120) {
					cairo_new_path(cr);
					cairo_arc(cr, x, yy, 0.6, 0, 6.2832);
					cairo_fill(cr);
				}
				px = x, py = yy, drawn = 1;
			}
			rp_text(p, x0 - 1, bot + 1, 30, 7, T_GREY, v[0].day);
			date_of(first + (long)(np - 1) * step, lab, sizeof lab);
			if (np > 1)
				rp_text(p, x1 - 29, bot + 1, 30, 7, T_GREY | T_RIGHT, lab);
		}
	}
	return (bot - y) + 10.0;
}

/* ---- the bar chart ------------------------------------------------------------ */

static const char *const col_head[] = { "enrolled", "carded", "before", "opted out", "pending", "covered" };

static double label_w(const struct rp *p)
{
	return p->pw - 2 * MARGIN - BAR_W - 2 - 6 * NUM_W;
}

static double rp_section(struct rp *p, double y)
{
	char head[80];
	double w = p->pw - 2 * MARGIN, h;

	snprintf(head, sizeof head, "Coverage by %s", level_name[p->in->cov->by]);
	h = rp_text(p, MARGIN, y, w, 10, T_BOLD, head);
	h += 0.5 + rp_text(p, MARGIN, y + h + 0.5, w, 7.5, T_GREY | T_WRAP,
			   "Bar: dark, carded through the programme; light, carded before (already a library patron); "
			   "the grey track is every enrolled child. Covered = (carded + before) / enrolled. No bar is "
			   "drawn where a count is suppressed (*).");
	return h + 2.0;
}

static void rp_colhead(struct rp *p, double y)
{
	double x = MARGIN + label_w(p) + BAR_W + 2;

	rp_text(p, MARGIN, y + 2, label_w(p), 7, T_GREY | T_BOLD, level_name[p->in->cov->by]);
	rp_text(p, MARGIN + label_w(p), y + 2, BAR_W, 7, T_GREY | T_BOLD, "0 to 100% of enrolled");
	for (int c = 0; c < 6; c++)
		rp_text(p, x + c * NUM_W, y + 2, NUM_W - 0.5, 7, T_GREY | T_BOLD | T_RIGHT, col_head[c]);
	cairo_set_source_rgb(p->cr, 0.5, 0.5, 0.5);
	cairo_set_line_width(p->cr, 0.2);
	cairo_move_to(p->cr, MARGIN, y + COLHEAD_H - 0.8);
	cairo_line_to(p->cr, p->pw - MARGIN, y + COLHEAD_H - 0.8);
	cairo_stroke(p->cr);
}

/* The bar only where enrolled, carded and before are all shown (the
 * percentage is hidden whenever one of them is): a suppressed count is
 * never drawn. */
static void rp_bar(struct rp *p, double x, double y, const struct coverage_row *r)
{
	double e = (double)r->n[COV_ENROLLED], wc, wb;

	cairo_set_source_rgb(p->cr, INK_TRACK);
	cairo_rectangle(p->cr, x, y, BAR_W, BAR_H);
	cairo_fill(p->cr);
	if ((r->hidden & (COVERAGE_PCT_HIDDEN | 1u << COV_ENROLLED | 1u << COV_CARDED | 1u << COV_CARDED_BEFORE)) ||
	    e <= 0)
		return;
	wc = BAR_W * (double)r->n[COV_CARDED] / e;
	wb = BAR_W * (double)r->n[COV_CARDED_BEFORE] / e;
	if (wc > BAR_W)
		wc = BAR_W;
	if (wc + wb > BAR_W)
		wb = BAR_W - wc;
	cairo_set_source_rgb(p->cr, INK_CARDED);
	cairo_rectangle(p->cr, x, y, wc, BAR_H);
	cairo_fill(p->cr);
	cairo_set_source_rgb(p->cr, INK_BEFORE);
	cairo_rectangle(p->cr, x + wc, y, wb, BAR_H);
	cairo_fill(p->cr);
}

static void row_label(const struct rp *p, const struct coverage_row *r, char *buf, size_t len)
{
	switch (p->in->cov->by) {
	case COVERAGE_DISTRICT: snprintf(buf, len, "%s", r->district); break;
	case COVERAGE_SCHOOL:   snprintf(buf, len, "%s", r->school); break;
	case COVERAGE_GRADE:    snprintf(buf, len, "grade %s", r->grade[0] ? r->grade : "unknown"); break;
	case COVERAGE_CLASS:    snprintf(buf, len, "%s: %s", r->school, r->class_title); break;
	}
}

static double rp_row(struct rp *p, double y, const struct coverage_row *r, int total)
{
	char label[600], v[24];
	double x = MARGIN + label_w(p) + BAR_W + 2;
	unsigned f = total ? T_BOLD : 0;

	if (!p->draw)
		return total ? ROW_H + 1 : ROW_H;
	if (total)
		snprintf(label, sizeof label, "All children");
	else
		row_label(p, r, label, sizeof label);
	rp_label(p, MARGIN, y + 0.9, label_w(p) - 1.5, 8, f, label);
	rp_bar(p, MARGIN + label_w(p), y + 0.9, r);
	for (int c = 0; c < COV_NCOLS; c++)
		rp_text(p, x + c * NUM_W, y + 0.9, NUM_W - 0.5, 8, f | T_RIGHT,
			num(r->n[c], (int)(r->hidden >> c) & 1, v, sizeof v));
	rp_text(p, x + 5 * NUM_W, y + 0.9, NUM_W - 0.5, 8, f | T_RIGHT,
		pct(coverage_pct(r), (r->hidden & COVERAGE_PCT_HIDDEN) != 0, v, sizeof v));
	return total ? ROW_H + 1 : ROW_H;
}

static double rp_district(struct rp *p, double y, const struct coverage_row *r)
{
	if (p->draw)
		rp_label(p, MARGIN, y + 1.8, p->pw - 2 * MARGIN, 8.5, T_BOLD, r->district);
	return DIST_H;
}

/* ---- blocks, pages ------------------------------------------------------------- */

static double rp_block(struct rp *p, const struct block *b, double y)
{
	const struct report_pdf *in = p->in;

	switch (b->kind) {
	case B_TITLE:      return rp_title(p, y);
	case B_PROFILE:    return rp_profile(p, y);
	case B_PARTNERS:   return rp_partners(p, y);
	case B_TOTALS:     return rp_totals(p, y);
	case B_GOALS_HEAD: return rp_text(p, MARGIN, y, p->pw - 2 * MARGIN, 10, T_BOLD, "Goals") + 0.8;
	case B_GOAL:       return rp_goal(p, y, &in->goals[b->i]);
	case B_CHART:      return rp_chart(p, y);
	case B_SECTION:    return rp_section(p, y);
	case B_DISTRICT:   return rp_district(p, y, &in->cov->rows[b->i]);
	case B_ROW:        return rp_row(p, y, &in->cov->rows[b->i], 0);
	case B_TOTAL_ROW:  return rp_row(p, y, &in->cov->total, 1);
	}
	return 0;
}

static int rp_add(struct rp *p, enum block_kind k, size_t i)
{
	if (p->nb == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct block *b2 = realloc(p->b, cap * sizeof *b2);

		if (!b2)
			return -1;
		p->b = b2;
		p->cap = cap;
	}
	p->b[p->nb++] = (struct block){ .kind = k, .i = i };
	return 0;
}

static int in_table(enum block_kind k)
{
	return k == B_DISTRICT || k == B_ROW || k == B_TOTAL_ROW;
}

/* Every block, measured and placed: a table block at the top of a page
 * gets the column heads; a district heading stays with its first row. */
static int rp_paginate(struct rp *p)
{
	const struct coverage *cv = p->in->cov;
	double top = MARGIN, bottom = p->ph - FOOT_H, y = top;
	int page = 0, heads = 0;
	size_t i;

	if (rp_add(p, B_TITLE, 0) || rp_add(p, B_PROFILE, 0) || rp_add(p, B_PARTNERS, 0) || rp_add(p, B_TOTALS, 0))
		return -1;
	if (p->in->ngoals && rp_add(p, B_GOALS_HEAD, 0))
		return -1;
	for (i = 0; i < p->in->ngoals; i++)
		if (rp_add(p, B_GOAL, i))
			return -1;
	if (rp_add(p, B_CHART, 0) || rp_add(p, B_SECTION, 0))
		return -1;
	for (i = 0; i < cv->nrows; i++) {
		if (cv->by != COVERAGE_DISTRICT && (i == 0 || cv->rows[i].district_rowid != cv->rows[i - 1].district_rowid) &&
		    rp_add(p, B_DISTRICT, i))
			return -1;
		if (rp_add(p, B_ROW, i))
			return -1;
	}
	if (rp_add(p, B_TOTAL_ROW, 0))
		return -1;
	p->draw = 0;
	for (i = 0; i < p->nb; i++) {
		struct block *b = &p->b[i];
		double need;

		b->h = rp_block(p, b, y);
		need = b->h + (in_table(b->kind) && !heads ? COLHEAD_H : 0);
		if (b->kind == B_DISTRICT && i + 1 < p->nb)
			need += ROW_H;
		if (y + need > bottom && y > top) {
			page++;
			y = top;
			heads = 0;
		}
		b->page = page;
		b->colhead = in_table(b->kind) && !heads;
		if (b->colhead)
			heads = 1, y += COLHEAD_H;
		b->y = y;
		y += b->h;
	}
	p->npages = page + 1;
	return 0;
}

static void rp_footer(struct rp *p, int page)
{
	const struct report_pdf *in = p->in;
	double y = p->ph - FOOT_H + 4, w = p->pw - 2 * MARGIN;
	char left[120], right[64];

	cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(p->cr, 0.2);
	cairo_move_to(p->cr, MARGIN, y);
	cairo_line_to(p->cr, p->pw - MARGIN, y);
	cairo_stroke(p->cr);
	snprintf(left, sizeof left, "cardroll progress report, %s. Counts only: no names, IDs or card numbers.",
		 in->today);
	snprintf(right, sizeof right, "page %d of %d", page + 1, p->npages);
	rp_text(p, MARGIN, y + 1, w - 25, 7, T_GREY, left);
	rp_text(p, p->pw - MARGIN - 25, y + 1, 25, 7, T_GREY | T_RIGHT, right);
	if (in->suppression) {
		char note[600];

		snprintf(note, sizeof note, "*: %s.", in->suppression);
		rp_text(p, MARGIN, y + 5, w, 6.5, T_GREY | T_WRAP, note);
	}
}

static void rp_pages(struct rp *p)
{
	int page = 0;

	p->draw = 1;
	for (size_t i = 0; i < p->nb; i++) {
		const struct block *b = &p->b[i];

		while (b->page > page) {
			rp_footer(p, page++);
			cairo_show_page(p->cr);
		}
		if (b->colhead)
			rp_colhead(p, b->y - COLHEAD_H);
		rp_block(p, b, b->y);
	}
	rp_footer(p, page);
	cairo_show_page(p->cr);
}

/* ---- entry points --------------------------------------------------------------- */

static cairo_status_t rp_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct rp *p = closure;

	if (p->write_failed || fwrite(data, 1, len, p->f) != len) {
		p->write_failed = 1;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/* The page for a [report] paper setting (report_pdf.h). */
static const char *report_pdf_paper(const char *setting)
{
	if (setting && (!strcmp(setting, "a4") || !strcmp(setting, "letter")))
		return setting;
#ifdef __GLIBC__
	{
		/* glibc hands the width in mm back as a word in the pointer's place */
		union { char *string; unsigned int word; } u;

		u.string = nl_langinfo(_NL_PAPER_WIDTH);
		if (u.word == 216)
			return "letter";
	}
#endif
	return "a4";
}

enum cr_status report_pdf_write(const struct report_pdf *in, FILE *f, struct cr_err *err)
{
	struct rp p = { .in = in, .f = f };
	cairo_surface_t *surface;
	cairo_font_options_t *fo;
	enum cr_status st = CR_OK;

	if (!strcmp(report_pdf_paper(in->paper), "letter"))
		p.pw = 215.9, p.ph = 279.4;
	else
		p.pw = 210.0, p.ph = 297.0;
	p.pc = pango_font_map_create_context(pango_cairo_font_map_get_default());
	/* 1 user unit = 1 mm, as on the slips (render.c) */
	pango_cairo_context_set_resolution(p.pc, 25.4);
	pango_context_set_round_glyph_positions(p.pc, FALSE);
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(p.pc, fo);
	cairo_font_options_destroy(fo);
	p.l = pango_layout_new(p.pc);
	p.fd = pango_font_description_from_string(RENDER_FONT);
	if (rp_paginate(&p) != 0) {
		st = cr_fail(err, CR_ENOMEM, "out of memory laying out the PDF report");
		goto out;
	}
	if (in->max_pages > 0 && p.npages > in->max_pages) {
		/* counted before a page is drawn: nothing is written */
		st = cr_fail(err, CR_EUSAGE,
			     "the PDF would be %d pages (%zu rows, --by %s), over the limit of %d: take the rows as "
			     "CSV (--format csv) for a spreadsheet, or print them all with --max-pages %d",
			     p.npages, in->cov->nrows, level_name[in->cov->by], in->max_pages, p.npages);
		goto out;
	}
	surface = cairo_pdf_surface_create_for_stream(rp_write, &p, p.pw * PT_PER_MM, p.ph * PT_PER_MM);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, "Library cards for every child: progress report");
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "cardroll");
	p.cr = cairo_create(surface);
	if (cairo_status(p.cr) == CAIRO_STATUS_SUCCESS) {
		cairo_scale(p.cr, PT_PER_MM, PT_PER_MM);
		rp_pages(&p);
	}
	if (cairo_status(p.cr) != CAIRO_STATUS_SUCCESS && !p.write_failed)
		st = cr_fail(err, CR_EINTERNAL, "cairo could not draw the report: %s",
			     cairo_status_to_string(cairo_status(p.cr)));
	cairo_destroy(p.cr);
	cairo_surface_finish(surface);
	if (st == CR_OK && (p.write_failed || cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS))
		st = cr_fail(err, CR_ECANTCREATE, "the PDF report could not be written%s",
			     p.write_failed ? " (the disk refused it)" : "");
	cairo_surface_destroy(surface);
out:
	free(p.b);
	pango_font_description_free(p.fd);
	g_object_unref(p.l);
	g_object_unref(p.pc);
	return st;
}
