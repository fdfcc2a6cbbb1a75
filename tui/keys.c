/* keys: looking up bindings, and drawing the footer and the help lists from
 * the same tables. The keys that work everywhere come from the parts desk.c
 * registers (the loop gathers them), not from here. */
#include <string.h>

#include "draw.h"
#include "keys.h"
#include "text/i18n.h"

const struct key_binding *keys_find(const struct keys_table *kt, const struct tui_key *k)
{
	if (!kt)
		return NULL;
	for (size_t i = 0; i < kt->n; i++)
		if (kt->rows[i].fn == k->fn && kt->rows[i].code == k->ch)
			return &kt->rows[i];
	return NULL;
}

/* One "F1 Help" item at x; returns the columns used. */
static int keys_footer_item(struct tui *t, WINDOW *w, int x, int room, const char *mnemonic, const char *label)
{
	int used;

	draw_role(w, ROLE_KEY);
	used = draw_text(t, w, 0, x, room, mnemonic);
	draw_role(w, ROLE_NORMAL);
	used += draw_text(t, w, 0, x + used, room - used, " ");
	used += draw_text(t, w, 0, x + used, room - used, _(label));
	return used;
}

/* Columns of "F1 Help" with the label in the person's language. */
static int keys_footer_width(struct tui *t, const struct key_binding *b)
{
	return draw_width(t, b->mnemonic) + 1 + draw_width(t, _(b->label));
}

/* The keys a footer never drops: the way back (Esc) and the help (F1),
 * which lists the rest. */
static int keys_footer_kept(const struct key_binding *b)
{
	return (!b->fn && b->code == 27) || (b->fn && b->code == KEY_F(1));
}

#define KEYS_MORE_MNEMONIC "?"
#define KEYS_MORE_LABEL    N_("More")

/* Every labelled key in order when they fit; otherwise as many as fit in
 * order, then Esc and F1 wherever they come, and "? More" for the rest, so
 * the way back and the help are never the ones cut. */
void keys_draw_footer(struct tui *t, WINDOW *w, const struct keys_table *const *tables, size_t n)
{
	int cols = getmaxx(w), x = 0, total = 0, kept = 0, dropped = 0;
	int more = 2 + draw_width(t, KEYS_MORE_MNEMONIC) + 1 + draw_width(t, _(KEYS_MORE_LABEL));

	werase(w);
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; tables[i] && r < tables[i]->n; r++) {
			const struct key_binding *b = &tables[i]->rows[r];

			if (!b->label)
				continue;
			total += (total ? 2 : 0) + keys_footer_width(t, b);
			if (keys_footer_kept(b))
				kept += 2 + keys_footer_width(t, b);
		}
	for (size_t i = 0; i < n; i++) {
		for (size_t r = 0; tables[i] && r < tables[i]->n; r++) {
			const struct key_binding *b = &tables[i]->rows[r];
			int need, is_kept;

			if (!b->label)
				continue;
			need = (x > 0 ? 2 : 0) + keys_footer_width(t, b);
			is_kept = keys_footer_kept(b);
			if (total > cols && !is_kept &&
			    (dropped || x + need + kept + more > cols)) {
				dropped = 1;
				continue;
			}
			if (is_kept)
				kept -= 2 + keys_footer_width(t, b);
			if (x + need > cols)
				return;
			x += need - keys_footer_width(t, b);
			x += keys_footer_item(t, w, x, cols - x, b->mnemonic, b->label);
		}
	}
	if (dropped && x + more <= cols)
		keys_footer_item(t, w, x + 2, cols - x - 2, KEYS_MORE_MNEMONIC, KEYS_MORE_LABEL);
}

#define KEYS_HELP_LABEL_X 12

/* Where a table's sentences start on the help screen: after its widest
 * label, so no label is cut ("Different child"). */
static int keys_help_x(struct tui *t, const struct keys_table *kt)
{
	int w = 10;

	for (size_t i = 0; i < kt->n; i++)
		if (kt->rows[i].help && kt->rows[i].label && draw_width(t, _(kt->rows[i].label)) > w)
			w = draw_width(t, _(kt->rows[i].label));
	return KEYS_HELP_LABEL_X + w + 1;
}

/* Rows kt takes on the help screen in cols columns: its title, each
 * sentence (wrapped), a blank line. */
int keys_help_height(struct tui *t, const struct keys_table *kt, int cols)
{
	int n = 2, x = keys_help_x(t, kt);

	for (size_t i = 0; i < kt->n; i++)
		if (kt->rows[i].help)
			n += draw_wrap_lines(t, cols - x - 1, _(kt->rows[i].help));
	return n;
}

int keys_draw_help(struct tui *t, WINDOW *w, int y, const struct keys_table *kt)
{
	int rows = getmaxy(w), cols = getmaxx(w), x = keys_help_x(t, kt);

	if (y >= rows)
		return y;
	draw_role(w, ROLE_HEADING);
	draw_text(t, w, y++, 1, cols - 2, _(kt->title));
	for (size_t i = 0; i < kt->n && y < rows; i++) {
		const struct key_binding *b = &kt->rows[i];

		if (!b->help)
			continue;
		draw_role(w, ROLE_KEY);
		draw_text(t, w, y, 3, 8, b->mnemonic);
		draw_role(w, ROLE_NAME);
		draw_cell(t, w, y, KEYS_HELP_LABEL_X, x - 1 - KEYS_HELP_LABEL_X, b->label ? _(b->label) : "", DRAW_LEFT);
		draw_role(w, ROLE_NORMAL);
		/* A long sentence goes on under itself rather than being cut. */
		y += draw_wrap(t, w, y, x, cols - x - 1, rows - y, _(b->help));
	}
	return y + 1;
}
