/* tui: the desk's main loop. It owns the terminal: sets up curses, lays out
 * the header, body, status and footer windows, reads one key a turn, notices
 * when another desk changed the database, and draws what is dirty with a
 * single doupdate(). Screens only mark; this loop draws. Which screens,
 * workers and global keys there are it learns from desk.c (struct tui_desk)
 * and never by name. */
#include <langinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "desk/perm.h"
#include "draw.h"
#include "screen.h"
#include "tui.h"
#include "text/i18n.h"

#define TUI_TICK_MS  250    /* get_wch wakes this often to look around */
#define TUI_POLL_MS  1000   /* how often we ask whether another desk wrote */
/* How long after an Esc byte curses waits for the rest of a key's escape
 * sequence (an arrow is ESC O B) before taking it for the Esc key, which is
 * then answered that much later. A terminal on this machine writes a whole
 * sequence at once, so the bytes arrive together and a short wait is safe
 * (10 ms: Esc is answered within a 16 ms frame). Over SSH (or mosh) the
 * bytes can come apart on a slow link: 60 ms there (SSH_CONNECTION,
 * SSH_CLIENT or SSH_TTY set) reads a sequence whole with gaps of up to 60 ms
 * between its bytes (tests/tui/test_keys.c sends them 30 ms apart).
 * ESCDELAY in the environment, ncurses' own, overrides both. */
#define TUI_ESC_LOCAL_MS  10
#define TUI_ESC_REMOTE_MS 60
#define TUI_CTRL(c)  ((c) & 0x1f)

/* Each registered worker, in desk.c's order. */
#define TUI_EACH_WORKER(t, w) \
	for (const struct tui_worker_ops *const *w = (t)->desk->workers; w && *w; w++)

void tui_mark(struct tui *t, unsigned dirty)
{
	t->dirty |= dirty;
}

const struct screen_ops *tui_top(const struct tui *t)
{
	return t->depth > 0 ? t->stack[t->depth - 1] : NULL;
}

const struct screen_ops *tui_below(const struct tui *t)
{
	return t->depth > 1 ? t->stack[t->depth - 2] : NULL;
}

void tui_push(struct tui *t, const struct screen_ops *s)
{
	if (t->depth == TUI_STACK_MAX) {
		tui_say(t, ROLE_ERROR, "too many screens open; press Esc to go back");
		return;
	}
	t->stale_under &= ~(1u << t->depth);
	t->stack[t->depth++] = s;
	if (s->enter)
		s->enter(t);
	tui_mark(t, TUI_DIRTY_HEADER | TUI_DIRTY_BODY | TUI_DIRTY_FOOTER);
}

void tui_pop(struct tui *t)
{
	const struct screen_ops *s = tui_top(t);

	if (!s)
		return;
	if (s->leave)
		s->leave(t);
	t->depth--;
	if (t->depth == 0)
		t->quit = 1;
	/* Shown again after missing another desk's write: reload now. */
	if (t->depth > 0 && (t->stale_under & (1u << (t->depth - 1)))) {
		t->stale_under &= ~(1u << (t->depth - 1));
		if (t->stack[t->depth - 1]->data_changed)
			t->stack[t->depth - 1]->data_changed(t);
	}
	tui_mark(t, TUI_DIRTY_HEADER | TUI_DIRTY_BODY | TUI_DIRTY_FOOTER);
}

void tui_replace(struct tui *t, const struct screen_ops *s)
{
	const struct screen_ops *top = tui_top(t);

	if (top) {
		if (top->leave)
			top->leave(t);
		t->depth--;
	}
	tui_push(t, s);
}

void tui_quit(struct tui *t)
{
	t->quit = 1;
}

void tui_say(struct tui *t, enum theme_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->message, sizeof t->message, dgettext(CR_TEXTDOMAIN, fmt), ap);
	va_end(ap);
	t->message_role = role;
	tui_mark(t, TUI_DIRTY_STATUS);
}

void tui_cursor(struct tui *t, int y, int x)
{
	t->cursor_y = y;
	t->cursor_x = x;
}

/* The loop's own global keys: leaving and repainting are the terminal's
 * business, which is the loop's. */
static void tui_key_quit(struct tui *t)
{
	tui_quit(t);
}

/* After a noisy program wrote over us (wall, a kernel message). */
static void tui_key_repaint(struct tui *t)
{
	clearok(curscr, TRUE);
	tui_mark(t, TUI_DIRTY_ALL);
}

static const struct key_binding tui_key_rows[] = {
	{ 1, KEY_F(10),      "F10", N_("Quit"), N_("leave cardroll from any screen"), tui_key_quit },
	{ 0, TUI_CTRL('l'),  "^L",  NULL,   N_("repaint the screen"), tui_key_repaint },
};

const struct keys_table tui_keys = KEYS_TABLE(N_("Desk"), tui_key_rows);

static enum cr_status tui_add_keys(struct tui *t, const struct keys_table *kt, struct cr_err *err)
{
	for (size_t i = 0; kt && i < kt->n; i++) {
		if (t->global.n == TUI_KEYS_MAX)
			return cr_fail(err, CR_EINTERNAL, "more than %d keys work everywhere (TUI_KEYS_MAX)",
				       TUI_KEYS_MAX);
		t->global_rows[t->global.n++] = kt->rows[i];
	}
	return CR_OK;
}

/* One "Everywhere" table from the desk's key tables and then the workers':
 * the footer, the help screen and the key lookup all read this one, so a
 * key costs what it did when the table was written out by hand. */
static enum cr_status tui_gather_keys(struct tui *t, struct cr_err *err)
{
	enum cr_status st = CR_OK;

	t->global.title = N_("Everywhere");
	t->global.rows = t->global_rows;
	t->global.n = 0;
	for (const struct keys_table *const *kt = t->desk->keys; st == CR_OK && kt && *kt; kt++)
		st = tui_add_keys(t, *kt, err);
	TUI_EACH_WORKER(t, w)
		if (st == CR_OK)
			st = tui_add_keys(t, (*w)->keys, err);
	return st;
}

void tui_changed(struct tui *t)
{
	TUI_EACH_WORKER(t, w)
		if ((*w)->data_changed)
			(*w)->data_changed(t);
	for (int i = 0; i < t->depth; i++)
		if (t->stack[i]->data_changed)
			t->stack[i]->data_changed(t);
	t->stale_under = 0;
	tui_mark(t, TUI_DIRTY_BODY);
}

/* One step of any screen's background work; 1 while some remains. */
static int tui_work(struct tui *t)
{
	int more = 0;

	for (int i = 0; i < t->depth; i++)
		if (t->stack[i]->work && t->stack[i]->work(t))
			more = 1;
	return more;
}

static void tui_free_windows(struct tui *t)
{
	WINDOW **w[] = { &t->header, &t->body, &t->status, &t->footer };

	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
		if (*w[i])
			delwin(*w[i]);
		*w[i] = NULL;
	}
}

/* Header, body, status line, footer; or nothing when the terminal is too
 * small to be useful. */
static void tui_layout(struct tui *t)
{
	int rows, cols;

	tui_free_windows(t);
	getmaxyx(stdscr, rows, cols);
	/* stdscr is only the background; refreshing it now keeps get_wch from
	 * repainting it over our windows later. */
	werase(stdscr);
	wnoutrefresh(stdscr);
	t->dirty = TUI_DIRTY_ALL & ~TUI_DIRTY_LAYOUT;
	t->too_small = rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS;
	t->quit_asked = 0;
	if (t->too_small)
		return;
	t->header = newwin(1, cols, 0, 0);
	t->body = newwin(rows - 3, cols, 1, 0);
	t->status = newwin(1, cols, rows - 2, 0);
	t->footer = newwin(1, cols, rows - 1, 0);
	if (!t->header || !t->body || !t->status || !t->footer) {
		tui_free_windows(t);
		t->too_small = 1;
	}
}

static void tui_draw_too_small(struct tui *t)
{
	int rows, cols;
	char line[96];

	getmaxyx(stdscr, rows, cols);
	werase(stdscr);
	snprintf(line, sizeof line, _("terminal too small (need %dx%d, have %dx%d)"),
		 TUI_MIN_COLS, TUI_MIN_ROWS, cols, rows);
	draw_role(stdscr, ROLE_WARNING);
	mvwaddstr(stdscr, rows / 2 > 0 ? rows / 2 - 1 : 0, 0, line);
	draw_role(stdscr, ROLE_NORMAL);
	if (t->quit_asked)
		waddstr(stdscr, _("\nleave cardroll? y leaves, any other key stays"));
	else
		waddstr(stdscr, _("\nmake the window bigger, or press q to quit"));
	curs_set(0);
	wnoutrefresh(stdscr);
}

static void tui_draw_header(struct tui *t)
{
	WINDOW *w = t->header;
	const struct screen_ops *s = tui_top(t);
	int cols = getmaxx(w), right = s ? draw_width(t, _(s->name)) + 2 : 0;

	draw_role(w, ROLE_TITLE);
	draw_blank(w, 0, 0, cols);
	/* Who is at the desk, so a shared terminal is not used in someone else's name. */
	if (t->staff.id > 0)
		draw_fmt(t, w, 0, 1, cols - right - 2, "cardroll %s %s %s %s", t->glyph->dash, t->cfg->desk,
			 t->glyph->dot, t->staff.name);
	else
		draw_fmt(t, w, 0, 1, cols - right - 2, "cardroll %s %s", t->glyph->dash, t->cfg->desk);
	if (s)
		draw_text(t, w, 0, cols - right + 1, right - 1, _(s->name));
}

/* What the workers have to say on the status line (the sync state), each
 * part after the last with a dot between; "" when none says anything. */
static void tui_status_parts(struct tui *t, char *buf, size_t len, int brief)
{
	size_t used = 0;

	buf[0] = '\0';
	TUI_EACH_WORKER(t, w) {
		size_t sep = 0;

		if (!(*w)->status)
			continue;
		if (used)
			sep = (size_t)snprintf(buf + used, len - used, " %s ", t->glyph->dot);
		/* Each writes straight into what is left of buf, which cuts it. */
		if (used + sep + 1 < len && (*w)->status(t, buf + used + sep, len - used - sep, brief))
			used += strlen(buf + used);
		else
			buf[used] = '\0';
	}
}

static void tui_draw_status(struct tui *t)
{
	WINDOW *w = t->status;
	int cols = getmaxx(w), x = 1, need;
	char parts[160];

	/* With a message the workers say less, and the message comes first. */
	tui_status_parts(t, parts, sizeof parts, t->message[0] != '\0');
	werase(w);
	draw_role(w, ROLE_STATUS);
	if (!t->message[0]) {
		/* Cut with an ellipsis when a long reason does not fit. */
		draw_cell(t, w, 0, x, cols - 2, parts, DRAW_LEFT);
		return;
	}
	/* The message first (it answers the last key); the workers' parts at
	 * the right when there is room. */
	draw_role(w, t->message_role);
	if (draw_width(t, t->message) > cols - 2) {
		/* Too long for the line (a long path in an error): cut, and say so. */
		draw_cell(t, w, 0, x, cols - 2, t->message, DRAW_LEFT);
		return;
	}
	x += draw_text(t, w, 0, x, cols - 2, t->message);
	need = draw_width(t, parts);
	if (need > 0 && x + 3 + need < cols - 1) {
		draw_role(w, ROLE_STATUS);
		draw_text(t, w, 0, cols - 1 - need, need, parts);
	}
}

const struct keys_table *tui_keys_gated(struct tui *t, const struct screen_ops *s, const struct keys_table *kt,
					struct tui_gated *buf)
{
	size_t n = 0;
	int closed = 0;

	if (!kt || !s || !s->gates || t->staff.id <= 0)
		return kt;
	for (size_t i = 0; i < kt->n; i++) {
		int shut = 0;

		for (const struct key_gate *g = s->gates; g->action; g++)
			if (g->action == kt->rows[i].action &&
			    !perm_role_may(t->staff.role, (enum perm_action)g->perm))
				shut = 1;
		closed |= shut;
		if (!shut && n < TUI_GATED_MAX)
			buf->rows[n++] = kt->rows[i];
	}
	if (!closed)
		return kt;
	buf->table.title = kt->title;
	buf->table.rows = buf->rows;
	buf->table.n = n;
	return &buf->table;
}

static const struct keys_table *tui_keys_now(struct tui *t)
{
	const struct screen_ops *s = tui_top(t);

	return s && s->keys ? tui_keys_gated(t, s, s->keys(t), &t->gated) : NULL;
}

static void tui_draw_footer(struct tui *t)
{
	const struct screen_ops *s = tui_top(t);
	const struct keys_table *tables[2] = {
		tui_keys_now(t),
		s && (s->flags & SCREEN_MODAL) ? NULL : &t->global,
	};

	keys_draw_footer(t, t->footer, tables, 2);
}

static void tui_draw(struct tui *t)
{
	const struct screen_ops *s = tui_top(t);

	if (t->dirty & TUI_DIRTY_LAYOUT)
		tui_layout(t);
	if (!t->dirty)
		return;
	if (t->too_small) {
		tui_draw_too_small(t);
		t->dirty = 0;
		doupdate();
		return;
	}
	/* The body first: drawing it may leave a message for the status line. */
	if (t->dirty & TUI_DIRTY_BODY) {
		werase(t->body);
		t->cursor_y = -1;
		if (s && s->draw)
			s->draw(t, t->body);
	}
	if (t->dirty & TUI_DIRTY_HEADER)
		tui_draw_header(t);
	if (t->dirty & TUI_DIRTY_STATUS)
		tui_draw_status(t);
	if (t->dirty & TUI_DIRTY_FOOTER)
		tui_draw_footer(t);
	wnoutrefresh(t->header);
	wnoutrefresh(t->status);
	wnoutrefresh(t->footer);
	/* The body goes last so the terminal's cursor ends in its search box. */
	if (t->cursor_y >= 0) {
		curs_set(1);
		wmove(t->body, t->cursor_y, t->cursor_x);
	} else {
		curs_set(0);
	}
	wnoutrefresh(t->body);
	doupdate();
	t->dirty = 0;
}

static void tui_dispatch(struct tui *t, const struct tui_key *k)
{
	const struct screen_ops *s = tui_top(t);
	const struct key_binding *b = keys_find(tui_keys_now(t), k);

	if (t->message[0]) {
		t->message[0] = '\0';
		tui_mark(t, TUI_DIRTY_STATUS);
	}
	if (b) {
		b->action(t);
		return;
	}
	if (s->key && s->key(t, k))
		return;
	if (s->flags & SCREEN_MODAL)
		return;
	if ((b = keys_find(&t->global, k)) != NULL)
		b->action(t);
}

/* Too small to draw a screen: only leaving works. F10 leaves at once; q
 * asks first once someone is signed in (a name being typed may begin with
 * q), and y then leaves. */
static void tui_too_small_key(struct tui *t, const struct tui_key *k)
{
	int q = !k->fn && (k->ch == 'q' || k->ch == 'Q');

	if ((k->fn && k->ch == KEY_F(10)) || (t->quit_asked && !k->fn && (k->ch == 'y' || k->ch == 'Y')) ||
	    (q && t->staff.id <= 0)) {
		tui_quit(t);
		return;
	}
	t->quit_asked = q && !t->quit_asked;
	tui_mark(t, TUI_DIRTY_ALL & ~TUI_DIRTY_LAYOUT);
}

static void tui_read_key(struct tui *t)
{
	struct tui_key k;
	wint_t ch;
	int rc = wget_wch(stdscr, &ch);

	if (rc == ERR)
		return;
	if (rc == KEY_CODE_YES && ch == KEY_RESIZE) {
		tui_mark(t, TUI_DIRTY_LAYOUT);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t->last_key);
	k.fn = rc == KEY_CODE_YES;
	k.ch = ch;
	if (t->too_small)
		tui_too_small_key(t, &k);
	else
		tui_dispatch(t, &k);
}

static long tui_ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* How often to look for other desks' writes: the top screen may ask for
 * more often than the loop's once a second (a live table). */
static long tui_poll_ms(const struct tui *t)
{
	const struct screen_ops *top = tui_top(t);

	return top && top->poll_ms > 0 && top->poll_ms < TUI_POLL_MS ? top->poll_ms : TUI_POLL_MS;
}

/* Another desk (or `cardroll import`) committed: every open screen reloads.
 * Under a live screen (one that follows other desks, poll_ms) only it and
 * the workers reload, and it is drawn at once; the screens under it reload
 * when they are shown again, so a stream of signups never waits on them
 * (home's counts take a second on a million children). */
static void tui_poll_data(struct tui *t)
{
	const struct screen_ops *top = tui_top(t);
	struct timespec now;
	long long v;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (tui_ms_between(&t->polled, &now) < tui_poll_ms(t))
		return;
	t->polled = now;
	v = db_data_version(t->db);
	if (v < 0 || v == t->data_version)
		return;
	t->data_version = v;
	if (top && top->poll_ms > 0 && top->data_changed) {
		top->data_changed(t);
		tui_mark(t, TUI_DIRTY_BODY);
		tui_draw(t);
		TUI_EACH_WORKER(t, w)
			if ((*w)->data_changed)
				(*w)->data_changed(t);
		for (int i = 0; i + 1 < t->depth; i++)
			t->stale_under |= 1u << i;
		return;
	}
	tui_changed(t);
}

/* [desk] idle_lock_s without a key, someone signed in: the lock goes over
 * every screen, which keep their place beneath it. What the status line
 * said (it may name a child) goes. */
static void tui_idle_lock(struct tui *t)
{
	struct timespec now;

	if (!t->desk->lock || t->staff.id <= 0 || tui_top(t) == t->desk->lock || t->cfg->idle_lock_s <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (tui_ms_between(&t->last_key, &now) < (long)t->cfg->idle_lock_s * 1000)
		return;
	t->message[0] = '\0';
	if (t->depth == TUI_STACK_MAX)   /* no room for one more: the top gives way */
		tui_pop(t);
	tui_push(t, t->desk->lock);
	tui_mark(t, TUI_DIRTY_ALL & ~TUI_DIRTY_LAYOUT);
}

static void tui_set_escdelay(void)
{
	const char *env = getenv("ESCDELAY");
	int remote = 0;

	for (const char *const *v = (const char *const[]){ "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY", NULL }; *v; v++)
		if (getenv(*v) && *getenv(*v))
			remote = 1;

	if (env && *env)
		return;   /* ncurses read it at newterm */
	set_escdelay(remote ? TUI_ESC_REMOTE_MS : TUI_ESC_LOCAL_MS);
}

static enum cr_status tui_start(struct tui *t, struct cr_err *err)
{
	const char *term = getenv("TERM");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cr_fail(err, CR_EUSAGE,
			       "the desk needs a terminal; in scripts use a command such as `cardroll find`");
	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	t->glyph = theme_glyphs(t->utf8);
	/* newterm, not initscr: initscr would exit on an unknown terminal. */
	t->term = newterm(NULL, stdout, stdin);
	if (!t->term)
		return cr_fail(err, CR_EUSAGE, "cannot use this terminal (TERM=%s); try TERM=xterm or TERM=vt100",
			       term && *term ? term : _("not set"));
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	wtimeout(stdscr, TUI_TICK_MS);
	tui_set_escdelay();
	theme_init();
	t->data_version = db_data_version(t->db);
	clock_gettime(CLOCK_MONOTONIC, &t->polled);
	t->last_key = t->polled;
	t->dirty = TUI_DIRTY_ALL;
	return CR_OK;
}

static void tui_stop(struct tui *t)
{
	tui_free_windows(t);
	endwin();
	delscreen(t->term);
	t->term = NULL;
}

enum cr_status tui_run(const struct tui_desk *desk, struct cr_db *db, const struct cr_config *cfg,
		       struct cr_err *err)
{
	struct tui t = { .desk = desk, .db = db, .cfg = cfg, .cursor_y = -1 };
	enum cr_status st = tui_gather_keys(&t, err);
	int busy = 0;

	if (st == CR_OK)
		st = tui_start(&t, err);
	if (st != CR_OK)
		return st;
	TUI_EACH_WORKER(&t, w)
		if ((*w)->start)
			(*w)->start(&t);
	tui_push(&t, desk->first(&t));
	while (!t.quit) {
		tui_draw(&t);
		/* With work pending, a key is taken if there is one but not awaited. */
		wtimeout(stdscr, busy ? 0 : (int)(tui_poll_ms(&t) < TUI_TICK_MS ? tui_poll_ms(&t) : TUI_TICK_MS));
		tui_read_key(&t);
		if (!t.quit)
			busy = tui_work(&t);
		tui_poll_data(&t);
		if (!t.quit)
			tui_idle_lock(&t);
		TUI_EACH_WORKER(&t, w)
			if ((*w)->poll)
				(*w)->poll(&t);
	}
	while (t.depth > 0)
		tui_pop(&t);
	TUI_EACH_WORKER(&t, w)
		if ((*w)->stop)
			(*w)->stop(&t);
	tui_stop(&t);
	return CR_OK;
}
