/* tui: the interactive program (ncursesw). */
#ifndef CR_TUI_H
#define CR_TUI_H

#include "store/config.h"
#include "store/db.h"

/* Runs the TUI on an open database until the person quits. Returns a
 * status; only main() turns it into an exit code. */
enum cr_status tui_run(struct cr_db *db, const struct cr_config *cfg, struct cr_err *err);

#endif
