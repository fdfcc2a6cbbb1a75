/* keys: key bindings as tables. One table per screen (or per mode of a
 * screen) plus the global one the loop gathers from its parts; the footer and the help screen are drawn from
 * the same tables, so what a person reads is what the keys do. */
#ifndef CR_TUI_KEYS_H
#define CR_TUI_KEYS_H

#include <stddef.h>
#include "curses.h"

struct tui;

/* One key press as get_wch reports it. */
struct tui_key {
	int    fn;    /* 1: ch is a KEY_* code (KEY_CODE_YES); 0: a character */
	wint_t ch;
};

struct key_binding {
	int         fn;         /* as in struct tui_key */
	wint_t      code;
	const char *mnemonic;   /* the key's name on screen: "F1", "?", "Esc" */
	const char *label;      /* footer word; NULL keeps the row off the footer */
	const char *help;       /* sentence for the help screen; NULL for an alias */
	void      (*action)(struct tui *t);
};

struct keys_table {
	const char               *title;   /* heading on the help screen */
	const struct key_binding *rows;
	size_t                    n;
};

#define KEYS_TABLE(title, rows) { (title), (rows), sizeof(rows) / sizeof((rows)[0]) }

/* The binding for k in kt, or NULL. */
const struct key_binding *keys_find(const struct keys_table *kt, const struct tui_key *k);

/* Draws the footer: the labelled rows of each table in turn, as many as fit. */
void keys_draw_footer(struct tui *t, WINDOW *w, const struct keys_table *const *tables, size_t n);

/* Rows one table takes on the help screen in cols columns. */
int keys_help_height(struct tui *t, const struct keys_table *kt, int cols);

/* Draws one table for the help screen from row y; returns the next free row. */
int keys_draw_help(struct tui *t, WINDOW *w, int y, const struct keys_table *kt);

#endif
