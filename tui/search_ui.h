/* search_ui: the type-ahead box and its live results (name prefix or
 * student ID through search_find), shared by every screen that finds a
 * student: home now, the walk-up desk later. */
#ifndef CR_TUI_SEARCH_UI_H
#define CR_TUI_SEARCH_UI_H

#include "curses.h"
#include "store/db.h"

struct tui;

/* One result, copied out of search_find's callback (its strings are ours). */
struct search_ui_hit {
	long long student_rowid;
	char     *student_number;
	char     *given_name;
	char     *family_name;
	char     *preferred_name;
	char     *school;
	char     *grade;
	char     *status;
	char     *district;
};

struct search_ui {
	char                  query[256];   /* UTF-8, as typed */
	int                   active;       /* the box has the keyboard */
	int                   stale;        /* query or data changed since the last run */
	int                   limit;        /* rows asked for in the last run */
	struct search_ui_hit *hits;
	int                   nhits;
	int                   selected;
};

/* Gives the box the keyboard. */
void search_ui_open(struct search_ui *s);
/* Empties the box and its results and takes the keyboard away. */
void search_ui_close(struct search_ui *s);
/* Appends a typed character; 0 when it is not printable or does not fit. */
int  search_ui_type(struct search_ui *s, wint_t ch);
/* Removes the last character (never half of one). */
void search_ui_erase(struct search_ui *s);
void search_ui_clear(struct search_ui *s);
void search_ui_move(struct search_ui *s, int delta);
/* Runs the query for at most limit rows, keeping the selection on the same
 * student when they are still found. */
enum cr_status search_ui_run(struct search_ui *s, struct cr_db *db, int limit, struct cr_err *err);
const struct search_ui_hit *search_ui_selected(const struct search_ui *s);

/* 1 when query is a student ID's shape: digits only (what a scanner types). */
int  search_ui_is_id(const char *query);
/* The one student whose student ID is exactly query, copied into *out with
 * *found = 1; *found = 0 when the ID is not a digits-only one, nobody has
 * it, or several districts share it (then the list decides). */
enum cr_status search_ui_exact(struct cr_db *db, const char *query, struct search_ui_hit *out,
			       int *found, struct cr_err *err);

/* The student with this student.id (from a class roll), as search_ui_exact. */
enum cr_status search_ui_student(struct cr_db *db, long long student, struct search_ui_hit *out, int *found,
				 struct cr_err *err);

/* "Family, Given (Preferred)" in a fresh string (caller frees), or NULL. */
char *search_ui_name(const struct search_ui_hit *h);
int  search_ui_hit_copy(struct search_ui_hit *dst, const struct search_ui_hit *src);
void search_ui_hit_free(struct search_ui_hit *h);

/* The box on row y from column x, cols wide; places the cursor when active. */
void search_ui_draw_box(struct tui *t, WINDOW *w, int y, int x, int cols, const struct search_ui *s);
/* The results as a table from row y, h rows tall. */
void search_ui_draw_results(struct tui *t, WINDOW *w, int y, int h, const struct search_ui *s);
/* How many result rows fit in h rows (the rest is the heading). */
int  search_ui_rows(int h);

#endif
