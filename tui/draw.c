/* draw: every string that reaches the terminal from outside goes through
 * text_inert (no escape sequence or control character passes) and is cut
 * with text_fit, so a wide character is never split and columns line up. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "draw.h"
#include "screen.h"
#include "text/text.h"
#include "text/i18n.h"

void draw_role(WINDOW *w, enum theme_role role)
{
	wattrset(w, theme_attr(role));
}

void draw_blank(WINDOW *w, int y, int x, int cols)
{
	if (cols > 0)
		mvwhline(w, y, x, ' ', cols);
}

/* The inert form of text for this terminal; falls back to "?" without memory. */
static char *draw_inert(const struct tui *t, const char *text)
{
	return text_inert(text ? text : "", !t->utf8);
}

int draw_width(const struct tui *t, const char *text)
{
	char *safe = draw_inert(t, text);
	int width = text_width(safe ? safe : "?");

	free(safe);
	return width;
}

int draw_col_width(const struct tui *t, int min, const char *text)
{
	int width = draw_width(t, text);

	return width > min ? width : min;
}

void draw_cell(const struct tui *t, WINDOW *w, int y, int x, int cols,
	       const char *text, enum draw_align align)
{
	char *safe;
	const char *s;
	int width, used = 0;

	if (cols <= 0)
		return;
	safe = draw_inert(t, text);
	s = safe ? safe : "?";
	width = text_width(s);
	if (width <= cols) {
		draw_blank(w, y, x, cols);
		mvwaddstr(w, y, x + (align == DRAW_RIGHT ? cols - width : 0), s);
	} else {
		const char *ell = t->glyph->ellipsis;
		int ew = text_width(ell);
		size_t n = text_fit(s, cols - ew, &used);

		mvwaddnstr(w, y, x, s, (int)n);
		mvwaddstr(w, y, x + used, ell);
		draw_blank(w, y, x + used + ew, cols - used - ew);
	}
	free(safe);
}

int draw_text(const struct tui *t, WINDOW *w, int y, int x, int cols, const char *text)
{
	char *safe;
	const char *s;
	int used = 0;
	size_t n;

	if (cols <= 0)
		return 0;
	safe = draw_inert(t, text);
	s = safe ? safe : "?";
	n = text_fit(s, cols, &used);
	mvwaddnstr(w, y, x, s, (int)n);
	free(safe);
	return used;
}

/* Bytes of the next line of s in cols columns: up to the last space that
 * fits, or a hard cut when one word is wider than the line. */
static size_t draw_line_end(const char *s, int cols)
{
	size_t fit = text_fit(s, cols, NULL), cut = fit;

	if (!s[fit] || s[fit] == ' ')
		return fit;
	while (cut > 0 && s[cut - 1] != ' ')
		cut--;
	return cut > 0 ? cut : fit;
}

int draw_wrap(const struct tui *t, WINDOW *w, int y, int x, int cols, int rows, const char *text)
{
	char *safe;
	const char *s;
	int used = 0;

	if (cols <= 0 || rows <= 0)
		return 0;
	safe = draw_inert(t, text);
	s = safe ? safe : "?";
	while (*s && used < rows) {
		size_t n = draw_line_end(s, cols);

		if (used == rows - 1 && s[n]) {
			/* The last line there is room for: say there was more. */
			draw_cell(t, w, y + used, x, cols, s, DRAW_LEFT);
			used++;
			break;
		}
		mvwaddnstr(w, y + used, x, s, (int)n);
		used++;
		s += n;
		while (*s == ' ')
			s++;
	}
	free(safe);
	return used;
}

int draw_wrap_lines(const struct tui *t, int cols, const char *text)
{
	char *safe;
	const char *s;
	int lines = 0;

	if (cols <= 0)
		return 1;
	safe = draw_inert(t, text);
	s = safe ? safe : "?";
	while (*s) {
		s += draw_line_end(s, cols);
		lines++;
		while (*s == ' ')
			s++;
	}
	free(safe);
	return lines > 0 ? lines : 1;
}

int draw_fmt(const struct tui *t, WINDOW *w, int y, int x, int cols, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return draw_text(t, w, y, x, cols, buf);
}

void draw_box(const struct tui *t, WINDOW *w, int y, int x, int h, int cols)
{
	const struct theme_glyphs *g = t->glyph;

	if (h < 2 || cols < 2)
		return;
	for (int c = 1; c < cols - 1; c++) {
		mvwaddstr(w, y, x + c, g->hline);
		mvwaddstr(w, y + h - 1, x + c, g->hline);
	}
	for (int r = 1; r < h - 1; r++) {
		mvwaddstr(w, y + r, x, g->vline);
		mvwaddstr(w, y + r, x + cols - 1, g->vline);
	}
	mvwaddstr(w, y, x, g->corner[0]);
	mvwaddstr(w, y, x + cols - 1, g->corner[1]);
	mvwaddstr(w, y + h - 1, x, g->corner[2]);
	mvwaddstr(w, y + h - 1, x + cols - 1, g->corner[3]);
}
