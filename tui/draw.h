/* draw: putting text on the screen safely. Outside text (the roster, the
 * settings file) is made inert and cut to its column here, never raw. */
#ifndef CR_TUI_DRAW_H
#define CR_TUI_DRAW_H

#include "curses.h"
#include "theme.h"

struct tui;

enum draw_align { DRAW_LEFT, DRAW_RIGHT };

/* Draws text in exactly cols columns at (y, x): padded, or cut at a
 * character boundary with an ellipsis. Wide characters keep their columns. */
void draw_cell(const struct tui *t, WINDOW *w, int y, int x, int cols,
	       const char *text, enum draw_align align);

/* Draws text from (y, x) up to at most cols columns, without padding;
 * returns the columns used. */
int draw_text(const struct tui *t, WINDOW *w, int y, int x, int cols, const char *text);

/* Like draw_text with a printf format; for our own words and numbers. */
int draw_fmt(const struct tui *t, WINDOW *w, int y, int x, int cols, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Draws text from (y, x) in lines of at most cols columns, broken at
 * spaces, on at most rows lines (the last one cut with an ellipsis);
 * returns the lines used. */
int draw_wrap(const struct tui *t, WINDOW *w, int y, int x, int cols, int rows, const char *text);

/* Lines draw_wrap needs for text in cols columns (at least 1). */
int draw_wrap_lines(const struct tui *t, int cols, const char *text);

/* Columns text takes once made inert for this terminal. */
int draw_width(const struct tui *t, const char *text);

/* The wider of min and text's columns: a table column as wide as its
 * numbers or its heading in the person's language. */
int draw_col_width(const struct tui *t, int min, const char *text);

/* Spaces from (y, x) for cols columns in the current attributes. */
void draw_blank(WINDOW *w, int y, int x, int cols);

/* Sets the attributes for what is drawn next. */
void draw_role(WINDOW *w, enum theme_role role);

/* A box of h rows and cols columns with its top-left corner at (y, x). */
void draw_box(const struct tui *t, WINDOW *w, int y, int x, int h, int cols);

#endif
