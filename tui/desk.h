/* desk: the interactive program, its parts wired to the main loop. */
#ifndef CR_TUI_DESK_H
#define CR_TUI_DESK_H

#include "store/config.h"
#include "store/db.h"

/* Opens the desk on an open database until the person quits. Returns a
 * status; only main() turns it into an exit code. */
enum cr_status desk_run(struct cr_db *db, const struct cr_config *cfg, struct cr_err *err);

#endif
