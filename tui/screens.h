/* screens: the desk's screens by name, for the screens that open one
 * another and for desk.c, which picks the first. The loop needs none. */
#ifndef CR_TUI_SCREENS_H
#define CR_TUI_SCREENS_H

#include "screen.h"

extern const struct screen_ops home_screen;
extern const struct screen_ops student_screen;
extern const struct screen_ops signin_screen;
extern const struct screen_ops classes_screen;
extern const struct screen_ops roll_screen;
extern const struct screen_ops prompt_screen;
extern const struct screen_ops preview_screen;
extern const struct screen_ops ilsq_screen;
extern const struct screen_ops dashboard_screen;

/* F1 and ?, which open the help on any screen: for desk.c's list. */
extern const struct keys_table help_global_keys;

/* Opens the classes of one school (school.id), with its name as the title. */
void classes_show(struct tui *t, long long school, const char *name);
/* Opens the roll of one class (class.id). */
void roll_show(struct tui *t, long long class_id, const char *class_sid, const char *title, const char *teacher);

/* Signs in from CARDROLL_STAFF and CARDROLL_PIN when both are set and
 * right: 1 when someone is signed in, 0 when the form must ask. */
int signin_from_env(struct tui *t);

/* Checks name and PIN apart from the desk (argon2id in a child, with the
 * growing delay after failures): CR_OK and *who, or err says why. */
enum cr_status signin_check(struct tui *t, const char *name, const char *pin, struct staff_who *who,
			    struct cr_err *err);

extern const struct screen_ops lock_screen;

struct search_ui_hit;
/* Opens the student panel on a copy of hit (or shows hit in the panel
 * already open, as when a card is scanned there). */
void student_show(struct tui *t, const struct search_ui_hit *hit);

#endif
