/* tui/curses.h: the one place that includes curses. Every tui file includes
 * this wrapper, so all of them see the same wide-character curses API. */
#ifndef CR_TUI_CURSES_H
#define CR_TUI_CURSES_H

/* get_wch, cchar_t and friends exist only with the X/Open extended API. */
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <ncursesw/curses.h>

#endif
