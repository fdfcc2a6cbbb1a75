/* ilsq: the library system at the desk (L from home): how syncing goes,
 * and the events parked for a person, each with the server's reason. A
 * likely duplicate the staff know to be a different child is sent again
 * with the ILS's override (c); any other parked event is sent again as it
 * is once the record was fixed in the ILS (r). F5 syncs now. */
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "screens.h"
#include "sync/sync.h"
#include "syncing.h"
#include "text/i18n.h"

struct ilsq_row {
	long long id;
	char     *kind, *number, *card, *reason;
	int       duplicate;
};

static struct {
	struct ilsq_row *rows;
	int              n, sel, top;
} q;

static void ilsq_free(void)
{
	for (int i = 0; i < q.n; i++) {
		free(q.rows[i].kind);
		free(q.rows[i].number);
		free(q.rows[i].card);
		free(q.rows[i].reason);
	}
	free(q.rows);
	q.rows = NULL;
	q.n = 0;
}

static int ilsq_add(const struct sync_parked *p, void *ctx)
{
	struct ilsq_row *a = realloc(q.rows, (size_t)(q.n + 1) * sizeof *a), r;

	if (!a)
		return 1;
	q.rows = a;
	r.id = p->outbox_id;
	r.kind = strdup(p->kind);
	r.number = strdup(p->student_number);
	r.card = strdup(p->card);
	r.reason = strdup(p->reason);
	r.duplicate = p->duplicate;
	q.rows[q.n++] = r;
	return !r.kind || !r.number || !r.card || !r.reason;
}

static void ilsq_load(struct tui *t)
{
	struct cr_err err = { 0 };
	long long was = q.sel < q.n ? q.rows[q.sel].id : 0;

	ilsq_free();
	if (sync_parked_each(t->db, ilsq_add, NULL, &err) != CR_OK)
		tui_say(t, ROLE_ERROR, "%s", err.msg);
	for (int i = 0; i < q.n; i++)
		if (q.rows[i].id == was)
			q.sel = i;
	if (q.sel >= q.n)
		q.sel = q.n > 0 ? q.n - 1 : 0;
	tui_mark(t, TUI_DIRTY_BODY | TUI_DIRTY_FOOTER);
}

static const struct ilsq_row *ilsq_selected(void)
{
	return q.sel < q.n ? &q.rows[q.sel] : NULL;
}

static void ilsq_confirm(struct tui *t)
{
	const struct ilsq_row *r = ilsq_selected();
	struct cr_err err = { 0 };

	if (!r)
		return;
	if (!r->duplicate) {
		tui_say(t, ROLE_WARNING, "the library system did not call this one a duplicate: r sends it again");
		return;
	}
	if (sync_confirm_not_duplicate(t->db, t->staff.id, r->id, &err) != CR_OK) {
		tui_say(t, ROLE_ERROR, "%s", err.msg);
		return;
	}
	tui_say(t, ROLE_NORMAL, "a different child: sent again with the override at the next sync");
	tui_changed(t);
	syncing_now(t);
}

static void ilsq_retry(struct tui *t)
{
	const struct ilsq_row *r = ilsq_selected();
	struct cr_err err = { 0 };

	if (!r)
		return;
	if (sync_retry(t->db, t->staff.id, r->id, &err) != CR_OK) {
		tui_say(t, ROLE_ERROR, "%s", err.msg);
		return;
	}
	tui_say(t, ROLE_NORMAL, "sent again at the next sync");
	tui_changed(t);
	syncing_now(t);
}

static void ilsq_move(struct tui *t, int d)
{
	q.sel += d;
	if (q.sel >= q.n)
		q.sel = q.n - 1;
	if (q.sel < 0)
		q.sel = 0;
	tui_mark(t, TUI_DIRTY_BODY | TUI_DIRTY_FOOTER);
}

static void ilsq_up(struct tui *t)
{
	ilsq_move(t, -1);
}

static void ilsq_down(struct tui *t)
{
	ilsq_move(t, 1);
}

static void ilsq_back(struct tui *t)
{
	tui_pop(t);
}

static void ilsq_sync(struct tui *t)
{
	syncing_now(t);
}

#define ILSQ_CONFIRM_ROW \
	{ 0, 'c', "c", N_("Different child"), N_("a likely duplicate is a different child: send it with the override"), \
	  ilsq_confirm }
#define ILSQ_RETRY_ROW \
	{ 0, 'r', "r", N_("Send again"), N_("send the event again as it is (after fixing the record in the ILS)"), ilsq_retry }
#define ILSQ_SELECT_ROWS \
	{ 1, KEY_DOWN, "Up/Dn", N_("Select"), N_("select an event"), ilsq_down }, \
	{ 1, KEY_UP, "Up", NULL, NULL, ilsq_up }
#define ILSQ_SYNC_ROW \
	{ 1, KEY_F(5), "F5", N_("Sync"), N_("sync with the library system now"), ilsq_sync }
#define ILSQ_BACK_ROWS \
	{ 0, 27, "Esc", N_("Back"), N_("back home"), ilsq_back }, \
	{ 0, 'q', "q", NULL, N_("the same as Esc"), ilsq_back }

/* Only keys that can act are offered: c on a likely duplicate, r on any
 * parked event, neither when nothing is parked. The help lists them all. */
static const struct key_binding ilsq_rows[] = {
	ILSQ_CONFIRM_ROW, ILSQ_RETRY_ROW, ILSQ_SYNC_ROW, ILSQ_SELECT_ROWS, ILSQ_BACK_ROWS,
};
static const struct key_binding ilsq_parked_rows[] = {
	ILSQ_RETRY_ROW, ILSQ_SYNC_ROW, ILSQ_SELECT_ROWS, ILSQ_BACK_ROWS,
};
static const struct key_binding ilsq_idle_rows[] = { ILSQ_SYNC_ROW, ILSQ_BACK_ROWS };

static const struct keys_table ilsq_keys_table = KEYS_TABLE(N_("Library system"), ilsq_rows);
static const struct keys_table ilsq_parked_keys = KEYS_TABLE(N_("Library system"), ilsq_parked_rows);
static const struct keys_table ilsq_idle_keys = KEYS_TABLE(N_("Library system"), ilsq_idle_rows);
static const struct keys_table *const ilsq_help[] = { &ilsq_keys_table, NULL };

static const struct keys_table *ilsq_keys(struct tui *t)
{
	const struct ilsq_row *r = ilsq_selected();

	if (!r)
		return &ilsq_idle_keys;
	return r->duplicate ? &ilsq_keys_table : &ilsq_parked_keys;
}

/* An outbox event's kind (a database value: signup, void, consent,
 * optout) in the person's language. */
static const char *ilsq_kind(const char *kind)
{
	static const char *const kinds[][2] = {
		{ "signup", N_("signup") }, { "void", N_("void") }, { "consent", N_("consent") },
		{ "optout", N_("optout") },
	};

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(kind, kinds[i][0]))
			return _(kinds[i][1]);
	return kind;
}

static void ilsq_draw(struct tui *t, WINDOW *w)
{
	int rows = getmaxy(w), cols = getmaxx(w), y = 1, page;
	char line[600];

	draw_role(w, ROLE_NAME);
	draw_text(t, w, y++, 1, cols - 2, _("The library system"));
	draw_role(w, ROLE_NORMAL);
	if (syncing_line(t, line, sizeof line))
		y += draw_wrap(t, w, y, 1, cols - 2, 2, line);
	else
		y += draw_wrap(t, w, y, 1, cols - 2, 2, _("Sync is not set up: [sync] target and url in the settings. "
				 "Cards wait in the outbox until it is."));
	y++;
	if (q.n == 0) {
		draw_role(w, ROLE_DIM);
		draw_wrap(t, w, y, 1, cols - 2, 2, _("Nothing is parked: every event the library system refused is dealt with."));
		draw_role(w, ROLE_NORMAL);
		return;
	}
	draw_role(w, ROLE_HEADING);
	draw_fmt(t, w, y++, 1, cols - 2, P_("%d event parked for a person", "%d events parked for a person", q.n), q.n);
	draw_cell(t, w, y, 1, 8, _("Event"), DRAW_LEFT);
	draw_cell(t, w, y, 10, 13, _("Student ID"), DRAW_LEFT);
	draw_cell(t, w, y++, 24, cols - 25, _("Card"), DRAW_LEFT);
	page = rows - y - 4;
	if (page < 1)
		page = 1;
	if (q.sel < q.top)
		q.top = q.sel;
	if (q.sel >= q.top + page)
		q.top = q.sel - page + 1;
	for (int i = q.top; i < q.n && i < q.top + page; i++, y++) {
		draw_role(w, i == q.sel ? ROLE_SELECTED : ROLE_NORMAL);
		if (i == q.sel)
			draw_blank(w, y, 0, cols);
		draw_cell(t, w, y, 1, 8, ilsq_kind(q.rows[i].kind), DRAW_LEFT);
		draw_cell(t, w, y, 10, 13, q.rows[i].number, DRAW_LEFT);
		draw_cell(t, w, y, 24, cols - 25, q.rows[i].card, DRAW_LEFT);
	}
	if (q.sel < q.n) {
		draw_role(w, ROLE_WARNING);
		draw_wrap(t, w, rows - 3, 1, cols - 2, 3, q.rows[q.sel].reason);
	}
	draw_role(w, ROLE_NORMAL);
}

static void ilsq_enter(struct tui *t)
{
	q.sel = q.top = 0;
	ilsq_load(t);
}

static void ilsq_leave(struct tui *t)
{
	ilsq_free();
}

static void ilsq_changed(struct tui *t)
{
	ilsq_load(t);
}

const struct screen_ops ilsq_screen = {
	.name = N_("Library system"),
	.enter = ilsq_enter,
	.draw = ilsq_draw,
	.leave = ilsq_leave,
	.keys = ilsq_keys,
	.help = ilsq_help,
	.data_changed = ilsq_changed,
};
