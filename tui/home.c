/* home: the programme at a glance (districts, roster age, schools with
 * coverage) and the search box: start typing a name or student ID, or scan
 * a card, and the results follow every key. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

#include "draw.h"
#include "desk/perm.h"
#include "desk/overview.h"
#include "screens.h"
#include "search_ui.h"
#include "text/i18n.h"

#define HOME_DAY 86400

struct home_district {
	char      *name;
	long       schools, students;
	long long  last_import;
};

struct home_school {
	char      *district;
	char      *name;
	long long  rowid;
	long       classes, students, carded;
};

/* The schools table as it is shown: district headings (when there is more
 * than one district) and schools, one per row. */
struct home_row {
	const struct home_district *district;   /* a heading when set */
	const struct home_school   *school;
};

static struct home {
	struct home_district *districts;
	int                   ndistricts;
	struct home_school   *schools;
	int                   nschools;
	int                   top;          /* first school row shown */
	int                   sel;          /* the selected school, for Enter */
	int                   page;         /* school rows that fit, from the last draw */
	int                   leaving;      /* Esc asked "leave cardroll?": y leaves */
	struct search_ui      search;
} home;

/* ---- the model: counts from core/overview ---- */

static void home_unload(void)
{
	for (int i = 0; i < home.ndistricts; i++)
		free(home.districts[i].name);
	for (int i = 0; i < home.nschools; i++) {
		free(home.schools[i].district);
		free(home.schools[i].name);
	}
	free(home.districts);
	free(home.schools);
	home.districts = NULL;
	home.schools = NULL;
	home.ndistricts = home.nschools = 0;
}

/* Grows an array by one element; NULL without memory. */
static void *home_grow(void *array, int n, size_t size)
{
	return realloc(array, (size_t)(n + 1) * size);
}

static int home_add_district(const struct overview_district *d, void *ctx)
{
	struct home_district *a = home_grow(home.districts, home.ndistricts, sizeof *a);
	char *name = strdup(d->name ? d->name : "");

	if (a)
		home.districts = a;
	if (!a || !name) {
		free(name);
		return 1;
	}
	a[home.ndistricts++] = (struct home_district){ name, d->schools, d->students, d->last_import };
	return 0;
}

static int home_add_school(const struct overview_school *s, void *ctx)
{
	struct home_school *a = home_grow(home.schools, home.nschools, sizeof *a);
	char *district = strdup(s->district ? s->district : "");
	char *name = strdup(s->school ? s->school : "");

	if (a)
		home.schools = a;
	if (!a || !district || !name) {
		free(district);
		free(name);
		return 1;
	}
	a[home.nschools++] = (struct home_school){ district, name, s->school_rowid, s->classes, s->students,
						   s->carded };
	return 0;
}

static void home_load(struct tui *t)
{
	struct cr_err err = { 0 };

	home_unload();
	if (overview_districts(t->db, home_add_district, NULL, &err) != CR_OK ||
	    overview_schools(t->db, home_add_school, NULL, &err) != CR_OK)
		tui_say(t, ROLE_ERROR, "could not read the overview: %s", err.msg);
	if (home.sel >= home.nschools)
		home.sel = home.nschools > 0 ? home.nschools - 1 : 0;
}

/* ---- actions ---- */

static void home_search_start(struct tui *t)
{
	search_ui_open(&home.search);
	tui_mark(t, TUI_DIRTY_BODY | TUI_DIRTY_FOOTER);
}

static void home_search_leave(struct tui *t)
{
	search_ui_close(&home.search);
	tui_mark(t, TUI_DIRTY_BODY | TUI_DIRTY_FOOTER);
}

static void home_search_erase(struct tui *t)
{
	search_ui_erase(&home.search);
	tui_mark(t, TUI_DIRTY_BODY);
}

static void home_search_clear(struct tui *t)
{
	search_ui_clear(&home.search);
	tui_mark(t, TUI_DIRTY_BODY);
}

static void home_search_up(struct tui *t)
{
	search_ui_move(&home.search, -1);
	tui_mark(t, TUI_DIRTY_BODY);
}

static void home_search_down(struct tui *t)
{
	search_ui_move(&home.search, 1);
	tui_mark(t, TUI_DIRTY_BODY);
}

/* Enter on a student ID (a scanner's digits) opens exactly that student,
 * whatever the list shows; otherwise the selected row. */
static void home_search_open(struct tui *t)
{
	const struct search_ui_hit *hit = search_ui_selected(&home.search);
	struct search_ui_hit exact = { 0 };
	struct cr_err err = { 0 };
	int found = 0;

	if (search_ui_is_id(home.search.query)) {
		if (search_ui_exact(t->db, home.search.query, &exact, &found, &err) != CR_OK) {
			tui_say(t, ROLE_ERROR, "%s", err.msg);
			return;
		}
		if (found) {
			student_show(t, &exact);
			search_ui_hit_free(&exact);
			return;
		}
	}
	if (hit)
		student_show(t, hit);
}

/* Moves the selection among the schools; drawing scrolls to keep it shown. */
static void home_scroll(struct tui *t, int delta)
{
	home.sel += delta;
	if (home.sel >= home.nschools)
		home.sel = home.nschools - 1;
	if (home.sel < 0)
		home.sel = 0;
	tui_mark(t, TUI_DIRTY_BODY);
}

/* Enter on a school: its classes, class by class. */
static void home_open_school(struct tui *t)
{
	if (home.sel < 0 || home.sel >= home.nschools) {
		tui_say(t, ROLE_WARNING, "no school to open: import a roster first");
		return;
	}
	classes_show(t, home.schools[home.sel].rowid, home.schools[home.sel].name);
}

static void home_scroll_up(struct tui *t)
{
	home_scroll(t, -1);
}

static void home_scroll_down(struct tui *t)
{
	home_scroll(t, 1);
}

static void home_page_up(struct tui *t)
{
	home_scroll(t, -(home.page > 1 ? home.page - 1 : 1));
}

static void home_page_down(struct tui *t)
{
	home_scroll(t, home.page > 1 ? home.page - 1 : 1);
}

/* Esc on the overview asks first: every letter here starts a search, so
 * leaving is never one key a name could begin with. */
static void home_quit_ask(struct tui *t)
{
	home.leaving = 1;
	tui_say(t, ROLE_WARNING, "Leave cardroll? y leaves, any other key stays");
	tui_mark(t, TUI_DIRTY_FOOTER);
}

static void home_quit(struct tui *t)
{
	tui_quit(t);
}

static void home_stay(struct tui *t)
{
	home.leaving = 0;
	tui_mark(t, TUI_DIRTY_FOOTER);
}

/* ---- keys ---- */

static void home_ils(struct tui *t)
{
	tui_push(t, &ilsq_screen);
}

static void home_progress(struct tui *t)
{
	tui_push(t, &dashboard_screen);
}

static const struct key_binding home_browse_rows[] = {
	{ 0, '/',        "/",     N_("Search"), N_("find a student by name or student ID, or just type"), home_search_start },
	{ 1, KEY_DOWN,   "Up/Dn", N_("Select"), N_("select a school in the list"), home_scroll_down },
	{ 1, KEY_UP,     "Up",    NULL,     NULL, home_scroll_up },
	{ 1, KEY_NPAGE,  "PgDn",  NULL,     N_("scroll a page at a time (PgUp goes back)"), home_page_down },
	{ 1, KEY_PPAGE,  "PgUp",  NULL,     NULL, home_page_up },
	{ 0, '\r',       "Enter", N_("Classes"), N_("open the selected school's classes, class by class"), home_open_school },
	{ 0, '\n',       "Enter", NULL,     NULL, home_open_school },
	{ 1, KEY_ENTER,  "Enter", NULL,     NULL, home_open_school },
	{ 1, KEY_F(4),   "F4",    N_("Library"), N_("the library system: sync, and events parked for a person"), home_ils },
	{ 1, KEY_F(2),   "F2",    N_("Progress"), N_("coverage by district, school, grade and class, live"), home_progress },
	{ 0, 27,         "Esc",   N_("Quit"),   N_("leave cardroll (asks first; F10 leaves at once)"), home_quit_ask },
};

static const struct key_binding home_leave_rows[] = {
	{ 0, 'y', "y",   N_("Leave"), N_("leave cardroll"), home_quit },
	{ 0, 27,  "Esc", N_("Stay"),  N_("stay (any other key does too)"), home_stay },
};

static const struct key_binding home_search_rows[] = {
	{ 1, KEY_DOWN,      "Up/Dn", N_("Move"),  N_("move through the results"), home_search_down },
	{ 1, KEY_UP,        "Up",    NULL,    NULL, home_search_up },
	{ 0, '\r',          "Enter", N_("Open"),  N_("show the selected student"), home_search_open },
	{ 0, '\n',          "Enter", NULL,    NULL, home_search_open },
	{ 1, KEY_ENTER,     "Enter", NULL,    NULL, home_search_open },
	{ 0, 27,            "Esc",   N_("Back"),  N_("clear the search and go back to the overview"), home_search_leave },
	{ 1, KEY_BACKSPACE, "Bksp",  NULL,    N_("erase the last character"), home_search_erase },
	{ 0, 127,           "Bksp",  NULL,    NULL, home_search_erase },
	{ 0, 8,             "Bksp",  NULL,    NULL, home_search_erase },
	{ 0, 21,            "^U",    NULL,    N_("empty the search box"), home_search_clear },
};

static const struct keys_table home_browse_keys = KEYS_TABLE(N_("Home"), home_browse_rows);
static const struct keys_table home_search_keys = KEYS_TABLE(N_("Searching"), home_search_rows);
static const struct keys_table home_leave_keys = KEYS_TABLE(N_("Leaving"), home_leave_rows);
static const struct keys_table *const home_help[] = { &home_browse_keys, &home_search_keys, NULL };

static const struct keys_table *home_keys(struct tui *t)
{
	if (home.leaving)
		return &home_leave_keys;
	return home.search.active ? &home_search_keys : &home_browse_keys;
}

/* Typing: a letter or digit on the overview starts a search (a scanner
 * types digits, then Enter); in the box every printable key is text. */
static int home_key(struct tui *t, const struct tui_key *k)
{
	if (home.leaving) {
		/* Any key but y stays; a function key (F10, F1) also does its job. */
		home_stay(t);
		return !k->fn;
	}
	if (k->fn)
		return 0;
	if (!home.search.active) {
		if (!iswalnum(k->ch))
			return 0;
		search_ui_open(&home.search);
		tui_mark(t, TUI_DIRTY_FOOTER);
	}
	if (!search_ui_type(&home.search, k->ch))
		return 0;
	tui_mark(t, TUI_DIRTY_BODY);
	return 1;
}

/* ---- drawing ---- */

static void home_draw_roster_age(struct tui *t, WINDOW *w, int y, const struct home_district *d)
{
	int cols = getmaxx(w) - 4;
	long long age = (long long)time(NULL) - d->last_import;
	long days = age > 0 ? (long)(age / HOME_DAY) : 0;
	char when[96];

	if (!d->last_import) {
		draw_role(w, ROLE_WARNING);
		draw_fmt(t, w, y, 3, cols, _("no roster imported yet %s run: cardroll import PATH"), t->glyph->dash);
		return;
	}
	if (days == 0)
		snprintf(when, sizeof when, "%s", _("roster imported today"));
	else
		snprintf(when, sizeof when, P_("roster imported %ld day ago", "roster imported %ld days ago", days),
			 days);
	if (days > t->cfg->roster_max_age_days) {
		draw_role(w, ROLE_WARNING);
		/* TRANSLATORS: the first %s is "roster imported 40 days ago". */
		draw_fmt(t, w, y, 3, cols, P_("%s %s older than %d day; import a fresh one",
					      "%s %s older than %d days; import a fresh one",
					      t->cfg->roster_max_age_days),
			 when, t->glyph->dash, t->cfg->roster_max_age_days);
		return;
	}
	draw_role(w, ROLE_NORMAL);
	draw_text(t, w, y, 3, cols, when);
}

/* "Lakeside Unified · 2 schools · 10 active students", then the roster's age. */
static int home_draw_district(struct tui *t, WINDOW *w, int y, const struct home_district *d)
{
	int cols = getmaxx(w);
	char facts[160];
	int fw, nw;

	char schools[48], students[64];

	snprintf(schools, sizeof schools, P_("%ld school", "%ld schools", d->schools), d->schools);
	snprintf(students, sizeof students, P_("%ld active student", "%ld active students", d->students),
		 d->students);
	snprintf(facts, sizeof facts, " %s %s %s %s", t->glyph->dot, schools, t->glyph->dot, students);
	fw = draw_width(t, facts);
	nw = draw_width(t, d->name);
	if (nw > cols - 2 - fw)
		nw = cols - 2 - fw;
	draw_role(w, ROLE_NAME);
	draw_cell(t, w, y, 1, nw, d->name, DRAW_LEFT);
	draw_role(w, ROLE_NORMAL);
	draw_text(t, w, y, 1 + nw, fw, facts);
	home_draw_roster_age(t, w, y + 1, d);
	return y + 2;
}

static int home_draw_districts(struct tui *t, WINDOW *w, int y)
{
	int rows = getmaxy(w), cols = getmaxx(w);
	/* Leave the schools table at least a heading and a few rows. */
	int fit = (rows - y - 6) / 2, i;

	if (home.ndistricts == 0) {
		draw_role(w, ROLE_WARNING);
		draw_fmt(t, w, y, 1, cols - 2, _("No roster imported yet %s run: cardroll import PATH"), t->glyph->dash);
		draw_role(w, ROLE_DIM);
		draw_text(t, w, y + 1, 1, cols - 2,
			  _("(a OneRoster package, folder or .zip, or a CSV export from the district)"));
		return y + 3;
	}
	if (fit < 1)
		fit = 1;
	for (i = 0; i < home.ndistricts && i < fit; i++)
		y = home_draw_district(t, w, y, &home.districts[i]);
	if (i < home.ndistricts) {
		draw_role(w, ROLE_DIM);
		draw_fmt(t, w, y++, 1, cols - 2, P_("and %d more district", "and %d more districts", home.ndistricts - i),
			 home.ndistricts - i);
	}
	return y + 1;
}

/* Columns of the schools table. */
struct home_cols {
	int name, classes, students, carded;
	int name_w, classes_w, students_w, carded_w;
};

#define HOME_CLASSES_W  7
#define HOME_STUDENTS_W 8
#define HOME_CARDED_W   14

static void home_layout(struct tui *t, int cols, struct home_cols *c)
{
	c->classes_w = draw_col_width(t, HOME_CLASSES_W, _("Classes"));
	c->students_w = draw_col_width(t, HOME_STUDENTS_W, _("Students"));
	c->carded_w = draw_col_width(t, HOME_CARDED_W, _("Carded"));
	c->name = 1;
	c->name_w = cols - 2 - 3 - c->classes_w - c->students_w - c->carded_w;
	c->classes = c->name + c->name_w + 1;
	c->students = c->classes + c->classes_w + 1;
	c->carded = c->students + c->students_w + 1;
}

static void home_draw_school(struct tui *t, WINDOW *w, int y, const struct home_cols *c,
			     const struct home_school *s)
{
	char classes[24], students[24], carded[64];
	/* Under district headings, schools step in to show they belong. */
	int indent = home.ndistricts > 1 ? 2 : 0;
	int selected = s == &home.schools[home.sel];

	snprintf(classes, sizeof classes, "%ld", s->classes);
	snprintf(students, sizeof students, "%ld", s->students);
	if (s->students > 0)
		snprintf(carded, sizeof carded, "%ld/%ld %3ld%%", s->carded, s->students,
			 s->carded * 100 / s->students);
	else
		snprintf(carded, sizeof carded, "%ld/0    -", s->carded);
	draw_role(w, selected ? ROLE_SELECTED : ROLE_NORMAL);
	if (selected)
		draw_blank(w, y, 0, getmaxx(w));
	draw_cell(t, w, y, c->name + indent, c->name_w - indent, s->name, DRAW_LEFT);
	draw_cell(t, w, y, c->classes, c->classes_w, classes, DRAW_RIGHT);
	draw_cell(t, w, y, c->students, c->students_w, students, DRAW_RIGHT);
	draw_cell(t, w, y, c->carded, c->carded_w, carded, DRAW_RIGHT);
}

/* Flattens districts and their schools into the rows of the table. */
static int home_rows(struct home_row *out, int max)
{
	int n = 0;

	for (int i = 0; i < home.nschools && n < max; i++) {
		const struct home_school *s = &home.schools[i];

		if (home.ndistricts > 1 && (i == 0 || strcmp(s->district, home.schools[i - 1].district) != 0)) {
			for (int d = 0; d < home.ndistricts; d++)
				if (strcmp(home.districts[d].name, s->district) == 0)
					out[n].district = &home.districts[d];
			out[n++].school = NULL;
			if (n == max)
				break;
		}
		out[n].district = NULL;
		out[n++].school = s;
	}
	return n;
}

static void home_draw_heading(struct tui *t, WINDOW *w, int y, const struct home_cols *c)
{
	draw_role(w, ROLE_HEADING);
	draw_cell(t, w, y, c->name, c->name_w, _("School"), DRAW_LEFT);
	draw_cell(t, w, y, c->classes, c->classes_w, _("Classes"), DRAW_RIGHT);
	draw_cell(t, w, y, c->students, c->students_w, _("Students"), DRAW_RIGHT);
	draw_cell(t, w, y, c->carded, c->carded_w, _("Carded"), DRAW_RIGHT);
}

static void home_draw_schools(struct tui *t, WINDOW *w, int y)
{
	int rows = getmaxy(w), cols = getmaxx(w), max = home.nschools * 2 + 1, n, shown;
	struct home_row *list;
	struct home_cols c;

	if (home.nschools == 0 || y >= rows - 1 || !(list = calloc((size_t)max, sizeof *list)))
		return;
	n = home_rows(list, max);
	home_layout(t, cols, &c);
	home_draw_heading(t, w, y++, &c);
	home.page = rows - y - (n > rows - y ? 1 : 0);
	/* Keep the selected school in view. */
	for (int i = 0; i < n; i++) {
		if (list[i].school != &home.schools[home.sel])
			continue;
		if (i < home.top)
			home.top = i > 0 && !list[i - 1].school ? i - 1 : i;
		else if (home.page > 0 && i >= home.top + home.page)
			home.top = i - home.page + 1;
	}
	if (home.top > n - home.page)
		home.top = n - home.page > 0 ? n - home.page : 0;
	for (shown = 0; shown < home.page && home.top + shown < n; shown++) {
		const struct home_row *r = &list[home.top + shown];

		if (r->school) {
			home_draw_school(t, w, y + shown, &c, r->school);
		} else {
			draw_role(w, ROLE_NAME);
			draw_cell(t, w, y + shown, 1, cols - 2, r->district ? r->district->name : "", DRAW_LEFT);
		}
	}
	if (n > home.page) {
		draw_role(w, ROLE_DIM);
		draw_fmt(t, w, y + shown, 1, cols - 2, _("rows %d-%d of %d %s Up/Dn to move"),
			 home.top + 1, home.top + shown, n, t->glyph->dot);
	}
	free(list);
}

static void home_draw_results(struct tui *t, WINDOW *w, int y)
{
	int h = getmaxy(w) - y;
	struct cr_err err = { 0 };

	/* How many results to ask for depends on the window, known only now. */
	if (home.search.stale || search_ui_rows(h) != home.search.limit) {
		if (search_ui_run(&home.search, t->db, search_ui_rows(h), &err) != CR_OK)
			tui_say(t, ROLE_ERROR, "search failed: %s", err.msg);
	}
	search_ui_draw_results(t, w, y, h, &home.search);
}

static void home_draw(struct tui *t, WINDOW *w)
{
	int cols = getmaxx(w), y = 3;

	if (home.search.active && home.search.query[0])
		home_draw_results(t, w, y);
	else
		home_draw_schools(t, w, home_draw_districts(t, w, y));
	/* Last, so the cursor it places stays put. */
	search_ui_draw_box(t, w, 1, 1, cols - 2, &home.search);
	draw_role(w, ROLE_NORMAL);
}

/* ---- life cycle ---- */

static void home_enter(struct tui *t)
{
	memset(&home, 0, sizeof home);
	home_load(t);
}

static void home_leave(struct tui *t)
{
	search_ui_close(&home.search);
	home_unload();
}

static void home_data_changed(struct tui *t)
{
	home_load(t);
	home.search.stale = 1;
}

static const struct key_gate home_gates[] = {
	{ home_ils, PERM_RESOLVE },
	{ home_progress, PERM_REPORT },
	{ NULL, 0 },
};

const struct screen_ops home_screen = {
	.name = N_("Home"),
	.enter = home_enter,
	.key = home_key,
	.draw = home_draw,
	.leave = home_leave,
	.keys = home_keys,
	.help = home_help,
	.data_changed = home_data_changed,
	.gates = home_gates,
};
