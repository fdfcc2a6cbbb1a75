/* search_ui: keeps the query as UTF-8 bytes, re-runs search_find on every
 * change, and draws the box and the results as aligned columns. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "draw.h"
#include "screen.h"
#include "desk/search.h"
#include "search_ui.h"
#include "desk/signup.h"
#include "text/text.h"
#include "text/i18n.h"

/* Result columns for a window cols wide. */
struct search_ui_cols {
	int name, number, school, grade, status;   /* x of each */
	int name_w, number_w, school_w, grade_w, status_w;
};

static void search_ui_layout(struct tui *t, int cols, struct search_ui_cols *c)
{
	int rest;

	c->number_w = draw_col_width(t, 11, _("Student ID"));
	c->grade_w = draw_col_width(t, 5, _("Grade"));
	c->status_w = draw_col_width(t, 9, _("Status"));
	c->status_w = draw_col_width(t, c->status_w, _("withdrawn"));
	/* 1 column of margin each side and 1 between each pair of columns. */
	rest = cols - 2 - 4 - c->number_w - c->grade_w - c->status_w;
	c->name_w = rest * 55 / 100;
	c->school_w = rest - c->name_w;
	c->name = 1;
	c->number = c->name + c->name_w + 1;
	c->school = c->number + c->number_w + 1;
	c->grade = c->school + c->school_w + 1;
	c->status = c->grade + c->grade_w + 1;
}

static char *search_ui_dup(const char *s)
{
	return strdup(s ? s : "");
}

void search_ui_hit_free(struct search_ui_hit *h)
{
	free(h->student_number);
	free(h->given_name);
	free(h->family_name);
	free(h->preferred_name);
	free(h->school);
	free(h->grade);
	free(h->status);
	free(h->district);
	memset(h, 0, sizeof *h);
}

/* Copies the eight strings of a hit, in struct order, into dst. */
static int search_ui_fill(struct search_ui_hit *dst, long long rowid, const char *const f[8])
{
	char **to[8] = {
		&dst->student_number, &dst->given_name, &dst->family_name, &dst->preferred_name,
		&dst->school, &dst->grade, &dst->status, &dst->district,
	};
	int ok = 1;

	dst->student_rowid = rowid;
	for (int i = 0; i < 8; i++)
		ok &= (*to[i] = search_ui_dup(f[i])) != NULL;
	if (!ok)
		search_ui_hit_free(dst);
	return ok ? 0 : -1;
}

int search_ui_hit_copy(struct search_ui_hit *dst, const struct search_ui_hit *src)
{
	const char *const f[8] = {
		src->student_number, src->given_name, src->family_name, src->preferred_name,
		src->school, src->grade, src->status, src->district,
	};

	return search_ui_fill(dst, src->student_rowid, f);
}

char *search_ui_name(const struct search_ui_hit *h)
{
	int preferred = h->preferred_name[0] && strcmp(h->preferred_name, h->given_name) != 0;
	size_t n = strlen(h->family_name) + strlen(h->given_name) + strlen(h->preferred_name) + 8;
	char *s = malloc(n);

	if (!s)
		return NULL;
	if (preferred)
		snprintf(s, n, "%s, %s (%s)", h->family_name, h->given_name, h->preferred_name);
	else
		snprintf(s, n, "%s, %s", h->family_name, h->given_name);
	return s;
}

static void search_ui_drop_hits(struct search_ui *s)
{
	for (int i = 0; i < s->nhits; i++)
		search_ui_hit_free(&s->hits[i]);
	free(s->hits);
	s->hits = NULL;
	s->nhits = 0;
}

void search_ui_open(struct search_ui *s)
{
	s->active = 1;
}

void search_ui_clear(struct search_ui *s)
{
	s->query[0] = '\0';
	s->selected = 0;
	s->stale = 1;
	search_ui_drop_hits(s);
}

void search_ui_close(struct search_ui *s)
{
	search_ui_clear(s);
	s->active = 0;
}

int search_ui_type(struct search_ui *s, wint_t ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t ps;
	size_t n, len = strlen(s->query);

	if (!iswprint(ch))
		return 0;
	memset(&ps, 0, sizeof ps);
	n = wcrtomb(mb, (wchar_t)ch, &ps);
	if (n == (size_t)-1 || len + n >= sizeof s->query)
		return 0;
	memcpy(s->query + len, mb, n);
	s->query[len + n] = '\0';
	s->selected = 0;
	s->stale = 1;
	return 1;
}

void search_ui_erase(struct search_ui *s)
{
	text_drop_last(s->query);
	s->selected = 0;
	s->stale = 1;
}

void search_ui_move(struct search_ui *s, int delta)
{
	if (s->nhits == 0)
		return;
	s->selected += delta;
	if (s->selected < 0)
		s->selected = 0;
	if (s->selected >= s->nhits)
		s->selected = s->nhits - 1;
}

const struct search_ui_hit *search_ui_selected(const struct search_ui *s)
{
	if (s->selected < 0 || s->selected >= s->nhits)
		return NULL;
	return &s->hits[s->selected];
}

static int search_ui_collect(const struct search_hit *hit, void *ctx)
{
	struct search_ui *s = ctx;
	const char *const f[8] = {
		hit->student_number, hit->given_name, hit->family_name, hit->preferred_name,
		hit->school, hit->grade, hit->status, hit->district,
	};

	/* limit bounds nhits, so hits was sized before the run. */
	if (search_ui_fill(&s->hits[s->nhits], hit->student_rowid, f) != 0)
		return 1;
	s->nhits++;
	return 0;
}

enum cr_status search_ui_run(struct search_ui *s, struct cr_db *db, int limit, struct cr_err *err)
{
	const struct search_ui_hit *was = search_ui_selected(s);
	long long keep = was ? was->student_rowid : -1;
	enum cr_status st;

	search_ui_drop_hits(s);
	s->stale = 0;
	s->limit = limit;
	if (limit <= 0 || !s->query[0])
		return CR_OK;
	s->hits = calloc((size_t)limit, sizeof *s->hits);
	if (!s->hits)
		return cr_fail(err, CR_ENOMEM, "out of memory");
	st = search_find(db, s->query, limit, search_ui_collect, s, NULL, err);
	s->selected = 0;
	for (int i = 0; i < s->nhits; i++)
		if (s->hits[i].student_rowid == keep)
			s->selected = i;
	return st;
}

int search_ui_is_id(const char *query)
{
	if (!*query)
		return 0;
	for (; *query; query++)
		if (*query < '0' || *query > '9')
			return 0;
	return 1;
}

struct search_ui_want {
	long long             rowid;
	struct search_ui_hit *out;
	int                   found;
	int                   nomem;
};

static int search_ui_pick(const struct search_hit *hit, void *ctx)
{
	struct search_ui_want *want = ctx;
	const char *const f[8] = {
		hit->student_number, hit->given_name, hit->family_name, hit->preferred_name,
		hit->school, hit->grade, hit->status, hit->district,
	};

	if (hit->student_rowid != want->rowid)
		return 0;
	if (search_ui_fill(want->out, hit->student_rowid, f) != 0)
		want->nomem = 1;
	else
		want->found = 1;
	return 1;
}

/* The exact ID comes first in search_find's answer, so a few rows are enough. */
#define SEARCH_UI_EXACT_ROWS 8

enum cr_status search_ui_exact(struct cr_db *db, const char *query, struct search_ui_hit *out,
			       int *found, struct cr_err *err)
{
	struct search_ui_want want = { .out = out };
	enum cr_status st;
	int count = 0;

	*found = 0;
	if (!search_ui_is_id(query))
		return CR_OK;
	if ((st = signup_find_student(db, query, &want.rowid, &count, err)) != CR_OK || count != 1)
		return st;
	st = search_find(db, query, SEARCH_UI_EXACT_ROWS, search_ui_pick, &want, NULL, err);
	if (st == CR_OK && want.nomem)
		return cr_fail(err, CR_ENOMEM, "out of memory");
	*found = want.found;
	return st;
}

int search_ui_rows(int h)
{
	return h > 1 ? h - 1 : 0;
}

/* The tail of the query that fits in cols - 1 columns (room for the cursor). */
static const char *search_ui_tail(const struct tui *t, const char *q, int cols)
{
	while (*q && draw_width(t, q) > cols - 1) {
		q++;
		while (((unsigned char)*q & 0xc0) == 0x80)
			q++;
	}
	return q;
}

void search_ui_draw_box(struct tui *t, WINDOW *w, int y, int x, int cols, const struct search_ui *s)
{
	const char *label = _("Find a student: ");
	int field = cols - draw_width(t, label) - 22;
	const char *tail = search_ui_tail(t, s->query, field > 36 ? 36 : field);

	if (field > 36)
		field = 36;
	draw_role(w, s->active ? ROLE_NAME : ROLE_NORMAL);
	x += draw_text(t, w, y, x, cols, label);
	if (!s->query[0]) {
		/* The placeholder sits in the box's own underline. */
		draw_role(w, ROLE_INPUT);
		draw_cell(t, w, y, x, field, "", DRAW_LEFT);
		wattron(w, theme_attr(ROLE_DIM));
		draw_text(t, w, y, x, field, _("name, student ID, or scan a card"));
		draw_role(w, ROLE_DIM);
		if (!s->active)
			draw_text(t, w, y, x + field + 2, 20, _("press / or just type"));
	} else {
		draw_role(w, ROLE_INPUT);
		draw_cell(t, w, y, x, field, tail, DRAW_LEFT);
	}
	if (s->active)
		tui_cursor(t, y, x + draw_width(t, tail));
}

static void search_ui_draw_heading(struct tui *t, WINDOW *w, int y, const struct search_ui_cols *c)
{
	draw_role(w, ROLE_HEADING);
	draw_cell(t, w, y, c->name, c->name_w, _("Name"), DRAW_LEFT);
	draw_cell(t, w, y, c->number, c->number_w, _("Student ID"), DRAW_LEFT);
	draw_cell(t, w, y, c->school, c->school_w, _("School"), DRAW_LEFT);
	draw_cell(t, w, y, c->grade, c->grade_w, _("Grade"), DRAW_LEFT);
	draw_cell(t, w, y, c->status, c->status_w, _("Status"), DRAW_LEFT);
}

static void search_ui_draw_hit(struct tui *t, WINDOW *w, int y, const struct search_ui_cols *c,
			       const struct search_ui_hit *h, int selected)
{
	char *name = search_ui_name(h);
	int withdrawn = strcmp(h->status, "active") != 0;

	draw_role(w, selected ? ROLE_SELECTED : ROLE_NORMAL);
	/* The whole row shows the selection, margins included. */
	draw_blank(w, y, 0, getmaxx(w));
	draw_cell(t, w, y, c->name, c->name_w, name ? name : "?", DRAW_LEFT);
	draw_cell(t, w, y, c->number, c->number_w, h->student_number[0] ? h->student_number : "-", DRAW_LEFT);
	draw_cell(t, w, y, c->school, c->school_w, h->school[0] ? h->school : "-", DRAW_LEFT);
	draw_cell(t, w, y, c->grade, c->grade_w, h->grade[0] ? h->grade : "-", DRAW_LEFT);
	if (withdrawn && !selected)
		draw_role(w, ROLE_WARNING);
	/* The roster's status word (a database value), in the person's language. */
	draw_cell(t, w, y, c->status, c->status_w,
		  !withdrawn ? _("active") : !strcmp(h->status, "withdrawn") ? _("withdrawn") : h->status, DRAW_LEFT);
	free(name);
}

void search_ui_draw_results(struct tui *t, WINDOW *w, int y, int h, const struct search_ui *s)
{
	struct search_ui_cols c;
	int cols = getmaxx(w);

	if (h <= 0)
		return;
	if (s->nhits == 0) {
		draw_role(w, ROLE_DIM);
		draw_fmt(t, w, y, 1, cols - 2, _("No student matches \"%s\"."), s->query);
		return;
	}
	search_ui_layout(t, cols, &c);
	search_ui_draw_heading(t, w, y, &c);
	for (int i = 0; i < s->nhits && i < search_ui_rows(h); i++)
		search_ui_draw_hit(t, w, y + 1 + i, &c, &s->hits[i], i == s->selected);
	draw_role(w, ROLE_NORMAL);
}

enum cr_status search_ui_student(struct cr_db *db, long long student, struct search_ui_hit *out, int *found,
				 struct cr_err *err)
{
	struct search_ui_want want = { .out = out, .rowid = student };
	enum cr_status st = search_student(db, student, search_ui_pick, &want, err);

	if (st == CR_OK && want.nomem)
		return cr_fail(err, CR_ENOMEM, "out of memory");
	*found = want.found;
	return st;
}
