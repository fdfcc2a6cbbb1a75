/* classes: one school's classes, class by class, with how many children in
 * each have a card; Enter opens the class's roll. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "desk/roll.h"
#include "screens.h"
#include "text/i18n.h"

struct classes_row {
	long long id;
	char     *sid, *title, *teacher, *grades, *periods;   /* sid: the class ID commands take */
	long      enrolled, carded;
};

static struct classes {
	long long           school;
	char               *name;       /* the school's */
	struct classes_row *rows;
	int                 n;
	int                 sel, top, page;
} cls;

/* ---- the model ---- */

static void classes_unload(void)
{
	for (int i = 0; i < cls.n; i++) {
		free(cls.rows[i].sid);
		free(cls.rows[i].title);
		free(cls.rows[i].teacher);
		free(cls.rows[i].grades);
		free(cls.rows[i].periods);
	}
	free(cls.rows);
	cls.rows = NULL;
	cls.n = 0;
}

static int classes_add(const struct roll_class *c, void *ctx)
{
	struct classes_row *a = realloc(cls.rows, (size_t)(cls.n + 1) * sizeof *a);
	struct classes_row r = {
		.id = c->id,
		.sid = strdup(c->sourced_id ? c->sourced_id : ""),
		.title = strdup(c->title ? c->title : ""),
		.teacher = strdup(c->teacher ? c->teacher : ""),
		.grades = strdup(c->grades ? c->grades : ""),
		.periods = strdup(c->periods ? c->periods : ""),
		.enrolled = c->enrolled,
		.carded = c->carded,
	};

	if (a)
		cls.rows = a;
	if (!a || !r.sid || !r.title || !r.teacher || !r.grades || !r.periods) {
		free(r.sid);
		free(r.title);
		free(r.teacher);
		free(r.grades);
		free(r.periods);
		return 1;
	}
	cls.rows[cls.n++] = r;
	return 0;
}

static void classes_load(struct tui *t)
{
	struct cr_err err = { 0 };

	classes_unload();
	if (roll_classes(t->db, cls.school, classes_add, NULL, &err) != CR_OK)
		tui_say(t, ROLE_ERROR, "could not read the classes: %s", err.msg);
	if (cls.sel >= cls.n)
		cls.sel = cls.n > 0 ? cls.n - 1 : 0;
	tui_mark(t, TUI_DIRTY_BODY);
}

void classes_show(struct tui *t, long long school, const char *name)
{
	char *copy = strdup(name ? name : "");

	if (!copy) {
		tui_say(t, ROLE_ERROR, "out of memory");
		return;
	}
	classes_unload();
	free(cls.name);
	memset(&cls, 0, sizeof cls);
	cls.school = school;
	cls.name = copy;
	tui_push(t, &classes_screen);
}

/* ---- actions ---- */

static void classes_move(struct tui *t, int delta)
{
	cls.sel += delta;
	if (cls.sel >= cls.n)
		cls.sel = cls.n - 1;
	if (cls.sel < 0)
		cls.sel = 0;
	tui_mark(t, TUI_DIRTY_BODY);
}

static void classes_up(struct tui *t)
{
	classes_move(t, -1);
}

static void classes_down(struct tui *t)
{
	classes_move(t, 1);
}

static void classes_page_up(struct tui *t)
{
	classes_move(t, -(cls.page > 1 ? cls.page - 1 : 1));
}

static void classes_page_down(struct tui *t)
{
	classes_move(t, cls.page > 1 ? cls.page - 1 : 1);
}

static void classes_open(struct tui *t)
{
	if (cls.sel < 0 || cls.sel >= cls.n) {
		tui_say(t, ROLE_WARNING, "this school has no classes on the roster");
		return;
	}
	roll_show(t, cls.rows[cls.sel].id, cls.rows[cls.sel].sid, cls.rows[cls.sel].title,
		  cls.rows[cls.sel].teacher);
}

static void classes_back(struct tui *t)
{
	tui_pop(t);
}

static const struct key_binding classes_rows[] = {
	{ 1, KEY_DOWN,  "Up/Dn", N_("Select"), N_("select a class"), classes_down },
	{ 1, KEY_UP,    "Up",    NULL,     NULL, classes_up },
	{ 1, KEY_NPAGE, "PgDn",  NULL,     N_("move a page at a time (PgUp goes back)"), classes_page_down },
	{ 1, KEY_PPAGE, "PgUp",  NULL,     NULL, classes_page_up },
	{ 0, '\r',      "Enter", N_("Roll"),   N_("open the class roll: every child and their card"), classes_open },
	{ 0, '\n',      "Enter", NULL,     NULL, classes_open },
	{ 1, KEY_ENTER, "Enter", NULL,     NULL, classes_open },
	{ 0, 27,        "Esc",   N_("Back"),   N_("back to the schools"), classes_back },
	{ 0, 'q',       "q",     NULL,     N_("the same as Esc"), classes_back },
};

static const struct keys_table classes_keys_table = KEYS_TABLE(N_("Classes"), classes_rows);

static const struct keys_table *classes_keys(struct tui *t)
{
	return &classes_keys_table;
}

/* ---- drawing ---- */

#define CLASSES_TEACHER_W 18
#define CLASSES_GRADE_W   5
#define CLASSES_PERIOD_W  6
#define CLASSES_COVER_W   12

struct classes_cols {
	int title, title_w, teacher, grade, period, cover;
	int grade_w, period_w, cover_w;
};

/* The short columns are as wide as their headings in the person's
 * language; the class title takes what is left. */
static void classes_layout(struct tui *t, int cols, struct classes_cols *c)
{
	c->grade_w = draw_col_width(t, CLASSES_GRADE_W, _("Grade"));
	c->period_w = draw_col_width(t, CLASSES_PERIOD_W, _("Period"));
	c->cover_w = draw_col_width(t, CLASSES_COVER_W, _("Carded"));
	c->title = 1;
	c->title_w = cols - 2 - 4 - CLASSES_TEACHER_W - c->grade_w - c->period_w - c->cover_w;
	c->teacher = c->title + c->title_w + 1;
	c->grade = c->teacher + CLASSES_TEACHER_W + 1;
	c->period = c->grade + c->grade_w + 1;
	c->cover = c->period + c->period_w + 1;
}

static void classes_draw_row(struct tui *t, WINDOW *w, int y, const struct classes_cols *c,
			     const struct classes_row *r, int selected)
{
	char cover[48];

	if (r->enrolled > 0)
		snprintf(cover, sizeof cover, "%ld/%ld %3ld%%", r->carded, r->enrolled,
			 r->carded * 100 / r->enrolled);
	else
		snprintf(cover, sizeof cover, "%ld/0    -", r->carded);
	draw_role(w, selected ? ROLE_SELECTED : ROLE_NORMAL);
	if (selected)
		draw_blank(w, y, 0, getmaxx(w));
	draw_cell(t, w, y, c->title, c->title_w, r->title, DRAW_LEFT);
	draw_cell(t, w, y, c->teacher, CLASSES_TEACHER_W, r->teacher, DRAW_LEFT);
	draw_cell(t, w, y, c->grade, c->grade_w, r->grades, DRAW_LEFT);
	draw_cell(t, w, y, c->period, c->period_w, r->periods, DRAW_LEFT);
	draw_cell(t, w, y, c->cover, c->cover_w, cover, DRAW_RIGHT);
}

static void classes_draw(struct tui *t, WINDOW *w)
{
	int rows = getmaxy(w), cols = getmaxx(w), y = 1, shown;
	struct classes_cols c;

	draw_role(w, ROLE_NAME);
	draw_fmt(t, w, y, 1, cols - 2, P_("%s %s %d class", "%s %s %d classes", cls.n), cls.name ? cls.name : "",
		 t->glyph->dot, cls.n);
	y += 2;
	if (cls.n == 0) {
		draw_role(w, ROLE_DIM);
		draw_text(t, w, y, 1, cols - 2, _("No active classes for this school on the roster."));
		return;
	}
	classes_layout(t, cols, &c);
	draw_role(w, ROLE_HEADING);
	draw_cell(t, w, y, c.title, c.title_w, _("Class"), DRAW_LEFT);
	draw_cell(t, w, y, c.teacher, CLASSES_TEACHER_W, _("Teacher"), DRAW_LEFT);
	draw_cell(t, w, y, c.grade, c.grade_w, _("Grade"), DRAW_LEFT);
	draw_cell(t, w, y, c.period, c.period_w, _("Period"), DRAW_LEFT);
	draw_cell(t, w, y, c.cover, c.cover_w, _("Carded"), DRAW_RIGHT);
	y++;
	cls.page = rows - y - (cls.n > rows - y ? 1 : 0);
	if (cls.page < 1)
		cls.page = 1;
	if (cls.sel < cls.top)
		cls.top = cls.sel;
	else if (cls.sel >= cls.top + cls.page)
		cls.top = cls.sel - cls.page + 1;
	for (shown = 0; shown < cls.page && cls.top + shown < cls.n; shown++)
		classes_draw_row(t, w, y + shown, &c, &cls.rows[cls.top + shown], cls.top + shown == cls.sel);
	if (cls.n > cls.page) {
		draw_role(w, ROLE_DIM);
		draw_fmt(t, w, y + shown, 1, cols - 2, _("classes %d-%d of %d %s Up/Dn to move"),
			 cls.top + 1, cls.top + shown, cls.n, t->glyph->dot);
	}
	draw_role(w, ROLE_NORMAL);
}

/* ---- life cycle ---- */

static void classes_enter(struct tui *t)
{
	classes_load(t);
}

static void classes_leave(struct tui *t)
{
	classes_unload();
	free(cls.name);
	cls.name = NULL;
}

static void classes_data_changed(struct tui *t)
{
	classes_load(t);
}

const struct screen_ops classes_screen = {
	.name = N_("Classes"),
	.enter = classes_enter,
	.draw = classes_draw,
	.leave = classes_leave,
	.keys = classes_keys,
	.data_changed = classes_data_changed,
};
