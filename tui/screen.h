/* screen: the running desk program (struct tui), and the tables its parts
 * give the loop: screens it stacks, workers it runs beside them. tui.c owns
 * the terminal, reads keys, and draws what is marked dirty, once a turn;
 * which parts there are is desk.c's business (screens.h names the screens). */
#ifndef CR_TUI_SCREEN_H
#define CR_TUI_SCREEN_H

#include <stddef.h>
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

/* A key a role may not use (perm.h's enum perm_action): the loop leaves
 * it out of the footer, the help and the keys in force. The check that
 * counts is core's; this only hides what would be refused. */
struct key_gate {
	void (*action)(struct tui *t);   /* the binding's action; NULL ends the list */
	int    perm;
};

/* The rows of one table a role may use (filled by tui_keys_gated). */
#define TUI_GATED_MAX 48
struct tui_gated {
	struct keys_table  table;
	struct key_binding rows[TUI_GATED_MAX];
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
	/* Instead of help, when what the help lists depends on the state
	 * (where the screen was opened from); NULL uses help. */
	const struct keys_table *const *(*help_for)(struct tui *t);
	/* Another process changed the database: reload what is shown. */
	void (*data_changed)(struct tui *t);
	/* A sentence the help screen adds under the keys, or NULL. */
	const char *help_note;
	/* Work done a little at a time between keys (issuing cards to a whole
	 * class): does one bounded step, returns 1 while more remains. The loop
	 * then reads keys without waiting, so Esc still stops it. */
	int  (*work)(struct tui *t);
	/* Keys only some roles may use, or NULL. */
	const struct key_gate *gates;
	/* On top, look for other desks' writes this often (ms; 0: the loop's
	 * default, once a second): a screen that follows signups live. */
	int         poll_ms;
};

/* A helper that runs beside the screens (printing, syncing), usually a
 * process of its own. The loop starts each, polls each once a turn, and
 * stops each when the desk closes, in the order desk.c lists them, without
 * knowing their names. Every hook but name may be NULL. */
struct tui_worker_ops {
	const char *name;
	/* Keys it adds to those that work everywhere (F5 syncs), after the
	 * desk's own in the footer and on the help screen. */
	const struct keys_table *keys;
	void (*start)(struct tui *t);          /* once, before the first screen */
	/* Every turn, after the key: reads what came back without waiting
	 * (the pipes are non-blocking) and says so on the status line. */
	void (*poll)(struct tui *t);
	/* The database changed, here or at another desk: recount. */
	void (*data_changed)(struct tui *t);
	/* Its part of the status line into buf; 0 when it has none. brief: a
	 * message shares the line and comes first, so say less. */
	int  (*status)(struct tui *t, char *buf, size_t len, int brief);
	void (*stop)(struct tui *t);           /* the desk is closing */
};

/* Everything the loop runs that is not the loop: desk.c fills one in, so
 * a new worker or key is added there and in its own file only. */
struct tui_desk {
	/* Keys that work on every screen but a modal one, NULL-terminated, in
	 * the order the footer and the help screen show them. */
	const struct keys_table *const *keys;
	const struct tui_worker_ops *const *workers;   /* NULL-terminated */
	/* The screen the desk opens on, once the workers have started. */
	const struct screen_ops *(*first)(struct tui *t);
	/* Pushed over everything after [desk] idle_lock_s without a key while
	 * someone is signed in (it shows no child), or NULL. */
	const struct screen_ops *lock;
};

#define TUI_STACK_MAX 8
#define TUI_KEYS_MAX  16   /* rows of the "Everywhere" table, all parts together */

struct tui {
	SCREEN                      *term;       /* the curses session */
	struct cr_db                *db;
	const struct cr_config      *cfg;
	int                          utf8;       /* the locale's codeset is UTF-8 */
	const struct theme_glyphs   *glyph;
	const struct tui_desk       *desk;       /* the registered parts */
	struct keys_table            global;     /* their keys that work everywhere */
	struct key_binding           global_rows[TUI_KEYS_MAX];
	const struct screen_ops     *stack[TUI_STACK_MAX];
	int                          depth;
	unsigned                     dirty;
	int                          quit;
	int                          too_small;
	int                          quit_asked; /* too small, signed in: q asked, y leaves */
	WINDOW                      *header, *body, *status, *footer;
	int                          cursor_y, cursor_x;  /* in body; -1 hides it */
	char                         message[256];        /* one line for the status bar */
	enum theme_role              message_role;
	long long                    data_version;
	struct timespec              polled;
	/* Screens under a live one (poll_ms) that missed another desk's
	 * write: a bit per stack place, reloaded when shown again. */
	unsigned                     stale_under;
	struct staff_who             staff;      /* who signed in; id 0 until someone has */
	struct timespec              last_key;   /* for the idle lock */
	struct tui_gated             gated;      /* the top screen's keys for this role */
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
/* A short sentence on the status line until the next key; fmt is English
 * and translated here (xgettext keyword tui_say:3). */
void tui_say(struct tui *t, enum theme_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Shows the text cursor at (y, x) of the body this turn. */
void tui_cursor(struct tui *t, int y, int x);
/* This desk wrote to the database: every open screen reloads, as when
 * another desk writes (our own commits do not move data_version). */
void tui_changed(struct tui *t);

/* kt without the rows s's gates close to the signed-in person's role
 * (kt itself when none do), built in buf. */
const struct keys_table *tui_keys_gated(struct tui *t, const struct screen_ops *s, const struct keys_table *kt,
					struct tui_gated *buf);

/* The loop's own keys, for desk.c's list: F10 leaves, ^L repaints. */
extern const struct keys_table tui_keys;

#endif
