/* student: one student's details from the roster, opened from the search
 * results. For now it only shows; signing up comes later. */
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "screen.h"
#include "search_ui.h"

static struct search_ui_hit student;

void student_show(struct tui *t, const struct search_ui_hit *hit)
{
	search_ui_hit_free(&student);
	if (search_ui_hit_copy(&student, hit) != 0) {
		tui_say(t, ROLE_ERROR, "out of memory");
		return;
	}
	tui_push(t, &student_screen);
}

static void student_back(struct tui *t)
{
	tui_pop(t);
}

static const struct key_binding student_rows[] = {
	{ 0, 27,  "Esc", "Back", "back to the search results", student_back },
	{ 0, 'q', "q",   NULL,   "the same as Esc", student_back },
};

static const struct keys_table student_keys_table = KEYS_TABLE("Student", student_rows);

static const struct keys_table *student_keys(struct tui *t)
{
	return &student_keys_table;
}

/* CEDS grade codes in the words a librarian uses. */
static void student_grade(const char *code, char *buf, size_t n)
{
	char *end;
	long g = strtol(code, &end, 10);

	if (!*code)
		snprintf(buf, n, "not on the roster");
	else if (strcmp(code, "PK") == 0)
		snprintf(buf, n, "pre-kindergarten (PK)");
	else if (strcmp(code, "KG") == 0)
		snprintf(buf, n, "kindergarten (KG)");
	else if (!*end && g >= 1 && g <= 13)
		snprintf(buf, n, "grade %ld", g);
	else
		snprintf(buf, n, "%s", code);
}

static void student_field(struct tui *t, WINDOW *w, int y, int x, int cols,
			  const char *label, const char *value, enum theme_role role)
{
	draw_role(w, ROLE_DIM);
	draw_cell(t, w, y, x, 12, label, DRAW_LEFT);
	draw_role(w, role);
	draw_cell(t, w, y, x + 13, cols - 13, value, DRAW_LEFT);
}

static void student_draw(struct tui *t, WINDOW *w)
{
	int cols = getmaxx(w), bw = cols - 4 < 72 ? cols - 4 : 72, x = (cols - bw) / 2, y = 1;
	int active = strcmp(student.status, "active") == 0;
	char *name = search_ui_name(&student);
	char grade[64];

	student_grade(student.grade, grade, sizeof grade);
	draw_role(w, ROLE_NORMAL);
	draw_box(t, w, y, x, 9, bw);
	draw_role(w, ROLE_NAME);
	draw_cell(t, w, y + 1, x + 2, bw - 4, name ? name : "?", DRAW_LEFT);
	student_field(t, w, y + 3, x + 2, bw - 4, "Student ID",
		      student.student_number[0] ? student.student_number : "none on the roster", ROLE_NORMAL);
	student_field(t, w, y + 4, x + 2, bw - 4, "School", student.school[0] ? student.school : "none", ROLE_NORMAL);
	student_field(t, w, y + 5, x + 2, bw - 4, "Grade", grade, ROLE_NORMAL);
	student_field(t, w, y + 6, x + 2, bw - 4, "Status", student.status, active ? ROLE_NORMAL : ROLE_WARNING);
	student_field(t, w, y + 7, x + 2, bw - 4, "District", student.district, ROLE_NORMAL);
	draw_role(w, ROLE_NORMAL);
	free(name);
}

static void student_leave(struct tui *t)
{
	search_ui_hit_free(&student);
}

const struct screen_ops student_screen = {
	.name = "Student",
	.draw = student_draw,
	.leave = student_leave,
	.keys = student_keys,
};
