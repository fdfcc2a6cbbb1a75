/* tui: the desk's main loop (ncursesw), run on the parts desk.c registers. */
#ifndef CR_TUI_H
#define CR_TUI_H

#include "store/config.h"
#include "store/db.h"

struct tui_desk;

/* Runs the desk's screens, workers and keys (screen.h) on an open database
 * until the person quits. Returns a status; only main() turns it into an
 * exit code. */
enum cr_status tui_run(const struct tui_desk *desk, struct cr_db *db, const struct cr_config *cfg,
		       struct cr_err *err);

/* The locale from the environment, and where the message catalogs are
 * (text/i18n.h). First thing main() does. */
void i18n_init(void);

#endif
