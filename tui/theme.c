/* theme: roles are looked up, never hard-coded at the drawing site, so a
 * monochrome terminal still tells a selection or a warning apart. */
#include "theme.h"

struct theme_entry {
	short  fg, bg;      /* -1: the terminal's default */
	attr_t colour;      /* extra attributes when colours work */
	attr_t mono;        /* everything, when they do not */
};

static const struct theme_entry theme_table[ROLE_COUNT] = {
	/*                   fg             bg           colour     mono */
	[ROLE_NORMAL]   = { -1,            -1,          A_NORMAL,  A_NORMAL },
	[ROLE_TITLE]    = { COLOR_WHITE,   COLOR_BLUE,  A_BOLD,    A_REVERSE | A_BOLD },
	[ROLE_HEADING]  = { COLOR_CYAN,    -1,          A_BOLD,    A_UNDERLINE },
	[ROLE_NAME]     = { -1,            -1,          A_BOLD,    A_BOLD },
	[ROLE_SELECTED] = { COLOR_BLACK,   COLOR_CYAN,  A_NORMAL,  A_REVERSE },
	[ROLE_WARNING]  = { COLOR_YELLOW,  -1,          A_BOLD,    A_BOLD | A_UNDERLINE },
	[ROLE_ERROR]    = { COLOR_RED,     -1,          A_BOLD,    A_BOLD | A_REVERSE },
	[ROLE_DIM]      = { -1,            -1,          A_DIM,     A_NORMAL },
	[ROLE_KEY]      = { COLOR_BLACK,   COLOR_WHITE, A_NORMAL,  A_REVERSE },
	[ROLE_INPUT]    = { -1,            -1,          A_UNDERLINE, A_UNDERLINE },
	[ROLE_STATUS]   = { -1,            -1,          A_NORMAL,  A_NORMAL },
};

static int theme_colour;

static const struct theme_glyphs theme_utf8 = {
	"\u2014", "\u00b7", "\u2026", "\u2500", "\u2502",
	{ "\u250c", "\u2510", "\u2514", "\u2518" },
	"\u2588", "\u00b7",
	{ NULL, "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589" },
};

static const struct theme_glyphs theme_ascii = {
	"-", "|", "~", "-", "|", { "+", "+", "+", "+" },
	"#", ".", { NULL },
};

void theme_init(void)
{
	short deffg = COLOR_WHITE, defbg = COLOR_BLACK;

	theme_colour = has_colors() && start_color() == OK && COLOR_PAIRS > ROLE_COUNT;
	if (!theme_colour)
		return;
	/* The person's own background stays when the terminal allows it. */
	if (use_default_colors() == OK)
		deffg = defbg = -1;
	for (int r = 1; r < ROLE_COUNT; r++) {
		short fg = theme_table[r].fg < 0 ? deffg : theme_table[r].fg;
		short bg = theme_table[r].bg < 0 ? defbg : theme_table[r].bg;

		init_pair((short)r, fg, bg);
	}
}

attr_t theme_attr(enum theme_role role)
{
	if (role < 0 || role >= ROLE_COUNT)
		role = ROLE_NORMAL;
	if (!theme_colour)
		return theme_table[role].mono;
	return theme_table[role].colour | (role ? (attr_t)COLOR_PAIR(role) : 0);
}

const struct theme_glyphs *theme_glyphs(int utf8)
{
	return utf8 ? &theme_utf8 : &theme_ascii;
}
