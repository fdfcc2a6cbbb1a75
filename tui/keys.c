/* keys: looking up bindings, and drawing the footer and the help lists from
 * the same tables. The global table lives here too. */
#include <string.h>

#include "draw.h"
#include "keys.h"
#include "screen.h"
#include "syncing.h"

#define KEYS_CTRL(c) ((c) & 0x1f)

static void keys_help(struct tui *t)
{
	tui_push(t, &help_screen);
}

static void keys_quit(struct tui *t)
{
	tui_quit(t);
}

static void keys_sync(struct tui *t)
{
	syncing_now(t);
}

/* After a noisy program wrote over us (wall, a kernel message). */
static void keys_repaint(struct tui *t)
{
	clearok(curscr, TRUE);
	tui_mark(t, TUI_DIRTY_ALL);
}

static const struct key_binding keys_global_rows[] = {
	{ 1, KEY_F(1),        "F1",  "Help", "show the keys for this screen", keys_help },
	{ 0, '?',             "?",   NULL,   "the same as F1, when not typing in a box", keys_help },
	{ 1, KEY_F(10),       "F10", "Quit", "leave cardroll from any screen", keys_quit },
	{ 0, KEYS_CTRL('l'),  "^L",  NULL,   "repaint the screen", keys_repaint },
	{ 1, KEY_F(5),        "F5",  NULL,   "sync with the library system now (when [sync] is set up)", keys_sync },
};

const struct keys_table keys_global = KEYS_TABLE("Everywhere", keys_global_rows);

const struct key_binding *keys_find(const struct keys_table *kt, const struct tui_key *k)
{
	if (!kt)
		return NULL;
	for (size_t i = 0; i < kt->n; i++)
		if (kt->rows[i].fn == k->fn && kt->rows[i].code == k->ch)
			return &kt->rows[i];
	return NULL;
}

/* One "F1 Help" item; returns the columns used, 0 when it does not fit. */
static int keys_footer_item(struct tui *t, WINDOW *w, int x, int room, const struct key_binding *b)
{
	int need = (int)strlen(b->mnemonic) + 1 + (int)strlen(b->label);

	if (need > room)
		return 0;
	draw_role(w, ROLE_KEY);
	x += draw_text(t, w, 0, x, room, b->mnemonic);
	draw_role(w, ROLE_NORMAL);
	x += draw_text(t, w, 0, x, 1, " ");
	draw_text(t, w, 0, x, room, b->label);
	return need;
}

void keys_draw_footer(struct tui *t, WINDOW *w, const struct keys_table *const *tables, size_t n)
{
	int cols = getmaxx(w), x = 0;

	werase(w);
	for (size_t i = 0; i < n; i++) {
		for (size_t r = 0; tables[i] && r < tables[i]->n; r++) {
			const struct key_binding *b = &tables[i]->rows[r];
			int used;

			if (!b->label)
				continue;
			if (x > 0)
				x += 2;
			used = keys_footer_item(t, w, x, cols - x, b);
			if (!used)
				return;
			x += used;
		}
	}
}

int keys_draw_help(struct tui *t, WINDOW *w, int y, const struct keys_table *kt)
{
	int rows = getmaxy(w), cols = getmaxx(w);

	if (y >= rows)
		return y;
	draw_role(w, ROLE_HEADING);
	draw_text(t, w, y++, 1, cols - 2, kt->title);
	for (size_t i = 0; i < kt->n && y < rows; i++) {
		const struct key_binding *b = &kt->rows[i];

		if (!b->help)
			continue;
		draw_role(w, ROLE_KEY);
		draw_text(t, w, y, 3, 8, b->mnemonic);
		draw_role(w, ROLE_NAME);
		draw_cell(t, w, y, 12, 10, b->label ? b->label : "", DRAW_LEFT);
		draw_role(w, ROLE_NORMAL);
		draw_cell(t, w, y, 23, cols - 24, b->help, DRAW_LEFT);
		y++;
	}
	return y + 1;
}
