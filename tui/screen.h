/* screen: the running desk program (struct tui) and the screens it stacks.
 * A screen is a table of callbacks; tui.c owns the terminal, reads keys,
 * and draws what is marked dirty, once a turn. */
#ifndef CR_TUI_SCREEN_H
#define CR_TUI_SCREEN_H

#include <time.h>

#include "store/config.h"
#include "curses.h"
#include "store/db.h"
#include "keys.h"
#include "desk/staff.h"
#include "theme.h"

/* Which parts of the terminal need drawing on the next turn. */
enum tui_dirty {
	TUI_DIRTY_HEADER = 1 << 0,
	TUI_DIRTY_BODY   = 1 << 1,
	TUI_DIRTY_STATUS = 1 << 2,
	TUI_DIRTY_FOOTER = 1 << 3,
	TUI_DIRTY_LAYOUT = 1 << 4,   /* the terminal changed size: rebuild windows */
	TUI_DIRTY_ALL    = (1 << 5) - 1,
};

enum screen_flags {
	SCREEN_MODAL = 1 << 0,       /* takes every key: no global keys, none in the footer */
};

struct screen_ops {
	const char *name;                                   /* shown in the header */
	unsigned    flags;
	void (*enter)(struct tui *t);                       /* pushed on the stack */
	/* A key no binding claimed; returns 1 when used (typing into a box). */
	int  (*key)(struct tui *t, const struct tui_key *k);
	void (*draw)(struct tui *t, WINDOW *body);
	void (*leave)(struct tui *t);                       /* popped off */
	/* The bindings in force now (they may change with the screen's mode). */
	const struct keys_table *(*keys)(struct tui *t);
	/* Every table the help screen lists for this screen, NULL-terminated;
	 * NULL means just the table in force. */
	const struct keys_table *const *help;
	/* Another process changed the database: reload what is shown. */
	void (*data_changed)(struct tui *t);
	/* A sentence the help screen adds under the keys, or NULL. */
	const char *help_note;
	/* Work done a little at a time between keys (issuing cards to a whole
	 * class): does one bounded step, returns 1 while more remains. The loop
	 * then reads keys without waiting, so Esc still stops it. */
	int  (*work)(struct tui *t);
};

#define TUI_STACK_MAX 8

struct tui {
	SCREEN                      *term;       /* the curses session */
	struct cr_db                *db;
	const struct cr_config      *cfg;
	int                          utf8;       /* the locale's codeset is UTF-8 */
	const struct theme_glyphs   *glyph;
	const struct screen_ops     *stack[TUI_STACK_MAX];
	int                          depth;
	unsigned                     dirty;
	int                          quit;
	int                          too_small;
	WINDOW                      *header, *body, *status, *footer;
	int                          cursor_y, cursor_x;  /* in body; -1 hides it */
	char                         message[256];        /* one line for the status bar */
	enum theme_role              message_role;
	long long                    data_version;
	struct timespec              polled;
	struct staff_who             staff;      /* who signed in; id 0 until someone has */
	long long                    outbox_waiting;  /* events not yet in the ILS; -1 unknown */
};

/* The smallest terminal we draw on. */
#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24

void tui_push(struct tui *t, const struct screen_ops *s);
void tui_pop(struct tui *t);
/* Swaps the top screen for s without ending the program (sign-in -> home). */
void tui_replace(struct tui *t, const struct screen_ops *s);
void tui_quit(struct tui *t);
void tui_mark(struct tui *t, unsigned dirty);
/* The screen on top, and the one below it (NULL when there is none). */
const struct screen_ops *tui_top(const struct tui *t);
const struct screen_ops *tui_below(const struct tui *t);
/* A short sentence on the status line until the next key. */
void tui_say(struct tui *t, enum theme_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Shows the text cursor at (y, x) of the body this turn. */
void tui_cursor(struct tui *t, int y, int x);
/* This desk wrote to the database: every open screen reloads, as when
 * another desk writes (our own commits do not move data_version). */
void tui_changed(struct tui *t);

/* The screens. */
extern const struct screen_ops home_screen;
extern const struct screen_ops help_screen;
extern const struct screen_ops student_screen;
extern const struct screen_ops signin_screen;
extern const struct screen_ops classes_screen;
extern const struct screen_ops roll_screen;
extern const struct screen_ops prompt_screen;
extern const struct screen_ops preview_screen;
extern const struct screen_ops ilsq_screen;

/* Opens the classes of one school (school.id), with its name as the title. */
void classes_show(struct tui *t, long long school, const char *name);
/* Opens the roll of one class (class.id). */
void roll_show(struct tui *t, long long class_id, const char *title, const char *teacher);

/* Signs in from CARDROLL_STAFF and CARDROLL_PIN when both are set and
 * right: 1 when someone is signed in, 0 when the form must ask. */
int signin_from_env(struct tui *t);

struct search_ui_hit;
/* Opens the student panel on a copy of hit (or shows hit in the panel
 * already open, as when a card is scanned there). */
void student_show(struct tui *t, const struct search_ui_hit *hit);

#endif
