/* keys: looking up bindings, and drawing the footer and the help lists from
 * the same tables. The keys that work everywhere come from the parts desk.c
 * registers (the loop gathers them), not from here. */
#include <string.h>

#include "draw.h"
#include "keys.h"

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
