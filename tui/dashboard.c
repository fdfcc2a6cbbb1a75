/* dashboard: the programme's progress at a glance, a key from home. A table
 * of districts, then a district's schools, a school's grades and a grade's
 * classes (Enter goes down, Esc comes back up), each row with its counts and
 * a bar of the share covered. It follows other desks' signups as they
 * commit. Counts only: no child is ever named here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "desk/dashboard.h"
#include "screens.h"
#include "text/i18n.h"

#define DASH_DEPTH 4

/* A level opened: where, its title in the trail, and where the arrow was. */
struct dash_stop {
	struct dash_scope scope;
	char             *title;
	long long         sel_id;       /* the selected row's id (grades: none) */
	char             *sel_label;    /* ... and label, to find it again after a reload */
	int               sel, top;
};

static struct dash {
	struct dash_stop  stop[DASH_DEPTH];
	int               depth;        /* stops open; the last is shown */
	struct dash_view  view;
	int               page;
} dash;

static struct dash_stop *dash_here(void)
{
	return &dash.stop[dash.depth - 1];
}

/* ---- the model ---- */

static void dash_remember(struct dash_stop *s)
{
	free(s->sel_label);
	s->sel_label = NULL;
	s->sel_id = 0;
	if (s->sel >= 0 && (size_t)s->sel < dash.view.nrows) {
		s->sel_id = dash.view.rows[s->sel].id;
		s->sel_label = strdup(dash.view.rows[s->sel].label);
	}
}

/* Reads the level shown; remember: the rows shown are this level's (a
 * reload), so its selection is noted first and found again after. */
static void dash_load(struct tui *t, int remember)
{
	struct dash_stop *s = dash_here();
	struct cr_err err = { 0 };

	if (remember)
		dash_remember(s);
	dash_free(&dash.view);
	if (dash_read(t->db, t->staff.id, &s->scope, &dash.view, &err) != CR_OK)
		tui_say(t, ROLE_ERROR, "could not read the progress: %s", err.msg);
	/* The same row stays selected when rows come and go around it. */
	for (size_t i = 0; s->sel_label && i < dash.view.nrows; i++)
		if (dash.view.rows[i].id == s->sel_id && strcmp(dash.view.rows[i].label, s->sel_label) == 0)
			s->sel = (int)i;
	if ((size_t)s->sel >= dash.view.nrows)
		s->sel = dash.view.nrows ? (int)dash.view.nrows - 1 : 0;
	tui_mark(t, TUI_DIRTY_BODY);
}

static void dash_stop_free(struct dash_stop *s)
{
	free(s->title);
	free(s->sel_label);
	memset(s, 0, sizeof *s);
}

/* ---- actions ---- */

static void dash_move(struct tui *t, int delta)
{
	struct dash_stop *s = dash_here();

	s->sel += delta;
	if (s->sel >= (int)dash.view.nrows)
		s->sel = (int)dash.view.nrows - 1;
	if (s->sel < 0)
		s->sel = 0;
	tui_mark(t, TUI_DIRTY_BODY);
}

static void dash_up(struct tui *t)
{
	dash_move(t, -1);
}

static void dash_down(struct tui *t)
{
	dash_move(t, 1);
}

static void dash_page_up(struct tui *t)
{
	dash_move(t, -(dash.page > 1 ? dash.page - 1 : 1));
}

static void dash_page_down(struct tui *t)
{
	dash_move(t, dash.page > 1 ? dash.page - 1 : 1);
}

/* Enter: the selected row's own rows, one level down. */
static void dash_open(struct tui *t)
{
	struct dash_stop *s = dash_here(), *n;
	const struct dash_row *r;
	char title[160];

	if (s->sel < 0 || (size_t)s->sel >= dash.view.nrows) {
		tui_say(t, ROLE_WARNING, "nothing to open here");
		return;
	}
	if (s->scope.level == DASH_CLASSES) {
		tui_say(t, ROLE_NORMAL, "classes are the last level (a class's roll: Home, Enter on its school)");
		return;
	}
	r = &dash.view.rows[s->sel];
	if (s->scope.level == DASH_GRADES) {
		if (r->label[0])
			snprintf(title, sizeof title, _("Grade %s"), r->label);
		else
			snprintf(title, sizeof title, "%s", _("(no grade)"));
	} else {
		snprintf(title, sizeof title, "%s", r->label);
	}
	dash_remember(s);
	n = &dash.stop[dash.depth];
	memset(n, 0, sizeof *n);
	n->scope = s->scope;
	n->scope.level = s->scope.level + 1;
	if (s->scope.level == DASH_DISTRICTS)
		n->scope.district = r->id;
	else if (s->scope.level == DASH_SCHOOLS)
		n->scope.school = r->id;
	else
		snprintf(n->scope.grade, sizeof n->scope.grade, "%s", r->label);
	if (!(n->title = strdup(title))) {
		tui_say(t, ROLE_ERROR, "out of memory");
		return;
	}
	dash.depth++;
	dash_load(t, 0);
}

/* Esc: one level up, or back home from the top. */
static void dash_back(struct tui *t)
{
	if (dash.depth <= 1) {
		tui_pop(t);
		return;
	}
	dash_stop_free(dash_here());
	dash.depth--;
	dash_load(t, 0);
}

static const struct key_binding dash_rows[] = {
	{ 1, KEY_DOWN,  "Up/Dn", N_("Select"), N_("select a row"), dash_down },
	{ 1, KEY_UP,    "Up",    NULL,     NULL, dash_up },
	{ 1, KEY_NPAGE, "PgDn",  NULL,     N_("move a page at a time (PgUp goes back)"), dash_page_down },
	{ 1, KEY_PPAGE, "PgUp",  NULL,     NULL, dash_page_up },
	{ 0, '\r',      "Enter", N_("Open"),   N_("district -> schools -> grades -> classes"), dash_open },
	{ 0, '\n',      "Enter", NULL,     NULL, dash_open },
	{ 1, KEY_ENTER, "Enter", NULL,     NULL, dash_open },
	{ 0, 27,        "Esc",   N_("Back"),   N_("up a level; from the districts, back home"), dash_back },
	{ 0, 'q',       "q",     NULL,     N_("the same as Esc"), dash_back },
};

static const struct keys_table dash_keys_table = KEYS_TABLE(N_("Progress"), dash_rows);

static const struct keys_table *dash_keys(struct tui *t)
{
	return &dash_keys_table;
}

/* ---- drawing ---- */

/* Enrolled, carded, opted out, pending: widths that hold a million. */
static const int dash_num_w[4] = { 8, 7, 7, 7 };
/* Their headings, in the person's language (the columns widen to fit). */
static const char *const dash_num_heading[4] = { N_("Enrolled"), N_("Carded"), N_("Opt-out"), N_("Pending") };
#define DASH_PCT_W   5     /* "99.9%", "100%" */
#define DASH_BAR_MIN 8
#define DASH_NAME_MAX 40

struct dash_cols {
	int name, name_w, num[4], num_w[4], pct, pct_w, bar, bar_w;
};

/* At 80 columns a 30-character school name and an 8-cell bar; wider
 * terminals give the name up to 40, then the bar the rest. */
static void dash_layout(struct tui *t, int cols, struct dash_cols *c)
{
	int fixed, room;

	c->pct_w = draw_col_width(t, DASH_PCT_W, _("Cover"));
	fixed = 2 + c->pct_w + 1;
	for (int i = 0; i < 4; i++) {
		c->num_w[i] = draw_col_width(t, dash_num_w[i], _(dash_num_heading[i]));
		fixed += c->num_w[i] + 1;
	}
	room = cols - fixed - 1;   /* name and bar, and the space between them */
	c->name_w = room - DASH_BAR_MIN;
	if (c->name_w > DASH_NAME_MAX)
		c->name_w = DASH_NAME_MAX;
	c->bar_w = room - c->name_w;
	c->name = 1;
	c->num[0] = c->name + c->name_w + 1;
	for (int i = 1; i < 4; i++)
		c->num[i] = c->num[i - 1] + c->num_w[i - 1] + 1;
	c->pct = c->num[3] + c->num_w[3] + 1;
	c->bar = c->pct + c->pct_w + 1;
}

/* A bar of the share covered in width cells: whole cells, then eighths
 * where the terminal has them, then the empty rest (readable without
 * colour). */
static void dash_bar(struct tui *t, WINDOW *w, int y, int x, int width, double pct)
{
	const struct theme_glyphs *g = t->glyph;
	long eighths = (long)(pct / 100.0 * width * 8 + 0.5), i;

	if (eighths > (long)width * 8)
		eighths = (long)width * 8;
	if (eighths < 0)
		eighths = 0;
	wmove(w, y, x);
	for (i = 0; i < width; i++) {
		long left = eighths - i * 8;
		const char *cell = left >= 8 ? g->bar_full : left > 0 && g->bar_part[left] ? g->bar_part[left]
				   : g->bar_empty;

		waddstr(w, cell);
	}
}

static double dash_pct(const long long *n)
{
	if (n[COV_ENROLLED] <= 0)
		return 0.0;
	return 100.0 * (double)(n[COV_CARDED] + n[COV_CARDED_BEFORE]) / (double)n[COV_ENROLLED];
}

static void dash_draw_counts(struct tui *t, WINDOW *w, int y, const struct dash_cols *c, const long long *n)
{
	static const int col[4] = { COV_ENROLLED, COV_CARDED, COV_OPTED_OUT, COV_PENDING };
	char buf[32];

	for (int i = 0; i < 4; i++) {
		snprintf(buf, sizeof buf, "%lld", n[col[i]]);
		draw_cell(t, w, y, c->num[i], c->num_w[i], buf, DRAW_RIGHT);
	}
	if (n[COV_ENROLLED] > 0 && dash_pct(n) >= 99.95)
		snprintf(buf, sizeof buf, "100%%");
	else if (n[COV_ENROLLED] > 0)
		snprintf(buf, sizeof buf, "%.1f%%", dash_pct(n));
	else
		snprintf(buf, sizeof buf, "-");
	draw_cell(t, w, y, c->pct, c->pct_w, buf, DRAW_RIGHT);
	dash_bar(t, w, y, c->bar, c->bar_w, dash_pct(n));
}

static void dash_draw_row(struct tui *t, WINDOW *w, int y, const struct dash_cols *c, const struct dash_row *r,
			  enum dash_level level, int selected)
{
	char label[160];

	if (level == DASH_GRADES)
		snprintf(label, sizeof label, "%s", r->label[0] ? r->label : _("(none)"));
	draw_role(w, selected ? ROLE_SELECTED : ROLE_NORMAL);
	if (selected)
		draw_blank(w, y, 0, getmaxx(w));
	draw_cell(t, w, y, c->name, c->name_w, level == DASH_GRADES ? label : r->label, DRAW_LEFT);
	dash_draw_counts(t, w, y, c, r->n);
}

/* "All districts > Lakeside Unified > Lincoln Elementary > Grade 01" */
static void dash_draw_trail(struct tui *t, WINDOW *w, int y, int cols)
{
	int x = 1;

	draw_role(w, ROLE_NAME);
	x += draw_text(t, w, y, x, cols - 2, _("All districts"));
	for (int i = 1; i < dash.depth && x < cols - 1; i++) {
		x += draw_fmt(t, w, y, x, cols - 1 - x, " > ");
		x += draw_text(t, w, y, x, cols - 1 - x, dash.stop[i].title);
	}
}

static const char *const dash_name_heading[] = { N_("District"), N_("School"), N_("Grade"), N_("Class") };

static void dash_draw(struct tui *t, WINDOW *w)
{
	int rows = getmaxy(w), cols = getmaxx(w), y = 1, shown, n = (int)dash.view.nrows;
	struct dash_stop *s = dash_here();
	struct dash_cols c;

	dash_draw_trail(t, w, y++, cols);
	draw_role(w, ROLE_DIM);
	draw_text(t, w, y++, 1, cols - 2, s->scope.level == DASH_CLASSES
		  ? _("Active children of this grade in each class; a child counts in every class they attend.")
		  : _("Active children. Covered: carded (and carded before) of enrolled."));
	dash_layout(t, cols, &c);
	draw_role(w, ROLE_HEADING);
	draw_cell(t, w, y, c.name, c.name_w, _(dash_name_heading[s->scope.level]), DRAW_LEFT);
	for (int i = 0; i < 4; i++)
		draw_cell(t, w, y, c.num[i], c.num_w[i], _(dash_num_heading[i]), DRAW_RIGHT);
	draw_cell(t, w, y, c.pct, c.pct_w, _("Cover"), DRAW_RIGHT);
	draw_cell(t, w, y, c.bar, c.bar_w, _("to 100%"), DRAW_LEFT);
	y++;
	if (n == 0) {
		draw_role(w, ROLE_DIM);
		draw_text(t, w, y, 1, cols - 2, _("No active children here yet: import a roster first."));
		return;
	}
	/* Rows, then a line for "rows x-y of n" when they do not all fit, then the total. */
	dash.page = rows - y - 1 - (n > rows - y - 1 ? 1 : 0);
	if (dash.page < 1)
		dash.page = 1;
	if (s->sel < s->top)
		s->top = s->sel;
	else if (s->sel >= s->top + dash.page)
		s->top = s->sel - dash.page + 1;
	if (s->top > n - dash.page)
		s->top = n - dash.page > 0 ? n - dash.page : 0;
	for (shown = 0; shown < dash.page && s->top + shown < n; shown++)
		dash_draw_row(t, w, y + shown, &c, &dash.view.rows[s->top + shown], s->scope.level,
			      s->top + shown == s->sel);
	if (n > dash.page) {
		draw_role(w, ROLE_DIM);
		draw_fmt(t, w, y + shown, 1, cols - 2, _("rows %d-%d of %d %s Up/Dn to move"), s->top + 1,
			 s->top + shown, n, t->glyph->dot);
	}
	draw_role(w, ROLE_NAME);
	draw_cell(t, w, rows - 1, c.name, c.name_w, s->scope.level == DASH_CLASSES ? _("The grade") : _("Total"), DRAW_LEFT);
	dash_draw_counts(t, w, rows - 1, &c, dash.view.total);
	draw_role(w, ROLE_NORMAL);
}

/* ---- life cycle ---- */

static void dash_enter(struct tui *t)
{
	for (int i = 0; i < DASH_DEPTH; i++)
		dash_stop_free(&dash.stop[i]);
	dash_free(&dash.view);
	dash.depth = 1;
	dash.stop[0].scope.level = DASH_DISTRICTS;
	dash_load(t, 0);
}

static void dash_leave(struct tui *t)
{
	for (int i = 0; i < DASH_DEPTH; i++)
		dash_stop_free(&dash.stop[i]);
	dash_free(&dash.view);
	dash.depth = 0;
}

static void dash_data_changed(struct tui *t)
{
	if (dash.depth > 0)
		dash_load(t, 1);
}

const struct screen_ops dashboard_screen = {
	.name = N_("Progress"),
	.enter = dash_enter,
	.draw = dash_draw,
	.leave = dash_leave,
	.keys = dash_keys,
	.data_changed = dash_data_changed,
	.help_note = N_("Counts of active children, kept as cards are issued and voided, consent recorded and the "
		     "roster imported; the table follows other desks as they sign children up."),
	.poll_ms = 50,
};
