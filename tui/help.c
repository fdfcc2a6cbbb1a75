/* help: the keys of the screen underneath, drawn from the same tables as
 * its footer, plus the global ones. Any key closes it; F1 opens it. */
#include "draw.h"
#include "screens.h"
#include "text/i18n.h"

static void help_close(struct tui *t)
{
	tui_pop(t);
}

static int help_top, help_more;

static void help_enter(struct tui *t)
{
	help_top = 0;
	help_more = 0;
}

static const struct key_binding help_rows[] = {
	{ 0, 27, "Esc", N_("Back"), N_("close the help (any other key does too)"), help_close },
};

static const struct keys_table help_keys_table = KEYS_TABLE(N_("Help"), help_rows);

static const struct keys_table *help_keys(struct tui *t)
{
	return &help_keys_table;
}

/* Down and Up scroll a long help; any other key closes it. */
static int help_key(struct tui *t, const struct tui_key *k)
{
	/* The arrows only ever scroll (at either end they do nothing), so a
	 * person holding Down never closes the help by surprise. */
	if (k->fn && (k->ch == KEY_DOWN || k->ch == KEY_NPAGE)) {
		if (help_more > 0)
			help_top += k->ch == KEY_DOWN ? 1 : 10;
		tui_mark(t, TUI_DIRTY_BODY);
		return 1;
	}
	if (k->fn && (k->ch == KEY_UP || k->ch == KEY_PPAGE)) {
		help_top -= k->ch == KEY_UP ? 1 : 10;
		if (help_top < 0)
			help_top = 0;
		tui_mark(t, TUI_DIRTY_BODY);
		return 1;
	}
	help_close(t);
	return 1;
}


static struct tui_gated help_gated[16];

static void help_draw(struct tui *t, WINDOW *w)
{
	const struct screen_ops *below = tui_below(t);
	const struct keys_table *tables[16];
	int rows = getmaxy(w), cols = getmaxx(w), n = 0, need = 1, y;

	const struct keys_table *const *list = below && below->help_for ? below->help_for(t)
					       : below ? below->help : NULL;

	/* A role sees only the keys it may use (screen.h's gates). */
	if (list) {
		for (const struct keys_table *const *kt = list; *kt && n < 15; kt++, n++)
			tables[n] = tui_keys_gated(t, below, *kt, &help_gated[n]);
	} else if (below && below->keys) {
		tables[n] = tui_keys_gated(t, below, below->keys(t), &help_gated[n]);
		n++;
	}
	if (!below || !(below->flags & SCREEN_MODAL))
		tables[n++] = &t->global;
	for (int i = 0; i < n; i++)
		need += keys_help_height(t, tables[i], cols);
	/* Longer than the screen: Down and Up scroll, the last row says so. */
	if (help_top > need - (rows - 1))
		help_top = need - (rows - 1) > 0 ? need - (rows - 1) : 0;
	y = -help_top;
	draw_role(w, ROLE_NAME);
	if (y >= 0)
		draw_fmt(t, w, y, 1, cols - 2, _("Keys on the %s screen"), below ? _(below->name) : "");
	y++;
	for (int i = 0; i < n; i++) {
		if (y + keys_help_height(t, tables[i], cols) <= 0) {
			y += keys_help_height(t, tables[i], cols);
			continue;
		}
		y = keys_draw_help(t, w, y, tables[i]);
	}
	help_more = need - help_top - (rows - 1);
	if (help_more > 0) {
		draw_role(w, ROLE_DIM);
		draw_blank(w, rows - 1, 0, cols);
		draw_fmt(t, w, rows - 1, 1, cols - 2, P_("%d more below: Down or PgDn (Up goes back); any other key closes",
			    "%d more below: Down or PgDn (Up goes back); any other key closes", help_more),
			 help_more);
	} else if (below && below->help_note && y < rows - 1) {
		draw_role(w, ROLE_NORMAL);
		y += draw_wrap(t, w, y, 1, cols - 2, rows - 1 - y, _(below->help_note));
	}
	if (help_more <= 0 && y < rows) {
		draw_role(w, ROLE_DIM);
		draw_text(t, w, rows - 1, 1, cols - 2, help_top > 0 ? _("Up scrolls back; any other key goes back.")
			  : _("Press any key to go back."));
	}
	draw_role(w, ROLE_NORMAL);
}

static const struct screen_ops help_screen = {
	.name = N_("Help"),
	.flags = SCREEN_MODAL,
	.enter = help_enter,
	.key = help_key,
	.draw = help_draw,
	.keys = help_keys,
};

static void help_open(struct tui *t)
{
	tui_push(t, &help_screen);
}

static const struct key_binding help_global_rows[] = {
	{ 1, KEY_F(1), "F1", N_("Help"), N_("show the keys for this screen"), help_open },
	{ 0, '?',      "?",  NULL,   N_("the same as F1, when not typing in a box"), help_open },
};

const struct keys_table help_global_keys = KEYS_TABLE(N_("Help"), help_global_rows);
