/* help: the keys of the screen underneath, drawn from the same tables as
 * its footer, plus the global ones. Any key closes it. */
#include "draw.h"
#include "screen.h"

static void help_close(struct tui *t)
{
	tui_pop(t);
}

static const struct key_binding help_rows[] = {
	{ 0, 27, "Esc", "Back", "close the help (any other key does too)", help_close },
};

static const struct keys_table help_keys_table = KEYS_TABLE("Help", help_rows);

static const struct keys_table *help_keys(struct tui *t)
{
	return &help_keys_table;
}

static int help_key(struct tui *t, const struct tui_key *k)
{
	help_close(t);
	return 1;
}

static void help_draw(struct tui *t, WINDOW *w)
{
	const struct screen_ops *below = tui_below(t);
	int rows = getmaxy(w), cols = getmaxx(w), y = 0;

	/* Tight at the top: a screen's tables plus the global keys must fit 24 rows. */
	draw_role(w, ROLE_NAME);
	draw_fmt(t, w, y, 1, cols - 2, "Keys on the %s screen", below ? below->name : "");
	y += 1;
	if (below && below->help) {
		for (const struct keys_table *const *kt = below->help; *kt; kt++)
			y = keys_draw_help(t, w, y, *kt);
	} else if (below && below->keys) {
		y = keys_draw_help(t, w, y, below->keys(t));
	}
	if (!below || !(below->flags & SCREEN_MODAL))
		y = keys_draw_help(t, w, y, &keys_global);
	if (below && below->help_note && y < rows - 1) {
		draw_role(w, ROLE_NORMAL);
		y += draw_wrap(t, w, y, 1, cols - 2, rows - 1 - y, below->help_note);
	}
	if (y < rows) {
		draw_role(w, ROLE_DIM);
		draw_text(t, w, rows - 1, 1, cols - 2, "Press any key to go back.");
	}
	draw_role(w, ROLE_NORMAL);
}

const struct screen_ops help_screen = {
	.name = "Help",
	.flags = SCREEN_MODAL,
	.key = help_key,
	.draw = help_draw,
	.keys = help_keys,
};
