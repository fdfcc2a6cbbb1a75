/* theme: colour roles (with a monochrome column for TERM=vt100 and the linux
 * console) and the glyphs we draw, UTF-8 or plain ASCII. */
#ifndef CR_TUI_THEME_H
#define CR_TUI_THEME_H

#include "curses.h"

enum theme_role {
	ROLE_NORMAL,
	ROLE_TITLE,      /* the header bar */
	ROLE_HEADING,    /* table column headings */
	ROLE_NAME,       /* a district or a screen's own title in the body */
	ROLE_SELECTED,   /* the row the arrow keys are on */
	ROLE_WARNING,    /* needs attention: an old roster, a withdrawn student */
	ROLE_ERROR,      /* something failed */
	ROLE_DIM,        /* hints and placeholders */
	ROLE_KEY,        /* a key's name in the footer */
	ROLE_INPUT,      /* a text box */
	ROLE_STATUS,     /* the status line */
	ROLE_COUNT
};

/* What we draw with; ASCII when the locale is not UTF-8. */
struct theme_glyphs {
	const char *dash;       /* "—" between a title and its detail */
	const char *dot;        /* "·" between facts on one line */
	const char *ellipsis;   /* marks text cut to fit */
	const char *hline;      /* box top and bottom */
	const char *vline;      /* box sides */
	const char *corner[4];  /* top-left, top-right, bottom-left, bottom-right */
	const char *bar_full;   /* a whole cell of a bar chart */
	const char *bar_empty;  /* the rest of the bar's width */
	const char *bar_part[8];/* [i]: i eighths of a cell; NULL where there are none (ASCII) */
};

/* Sets up colour pairs when the terminal has colours. Call after newterm. */
void theme_init(void);
/* The attributes (colour pair included) to draw a role with. */
attr_t theme_attr(enum theme_role role);
const struct theme_glyphs *theme_glyphs(int utf8);

#endif
