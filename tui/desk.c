/* desk: the program wired together. The one list of the workers that run
 * beside the screens, the keys that work everywhere, and the first screen:
 * a new worker or global key is added here and in its own file, never in
 * the loop (tui.c), which knows none of them by name. */
#include "desk.h"
#include "printing.h"
#include "screens.h"
#include "syncing.h"
#include "tui.h"

/* In this order in the footer and on the help screen ("F1 Help  F10 Quit");
 * the workers' keys (F5) come after. */
static const struct keys_table *const desk_keys[] = {
	&help_global_keys,   /* F1, ? */
	&tui_keys,           /* F10, ^L */
	NULL,
};

/* Started in this order, polled in it every turn, stopped in it. */
static const struct tui_worker_ops *const desk_workers[] = {
	&printing_ops,
	&syncing_ops,        /* also F5 and the status line's sync part */
	NULL,
};

/* Every card records who issued it: nobody reaches home unsigned. */
static const struct screen_ops *desk_first(struct tui *t)
{
	return signin_from_env(t) ? &home_screen : &signin_screen;
}

static const struct tui_desk desk = {
	.keys = desk_keys,
	.workers = desk_workers,
	.first = desk_first,
	.lock = &lock_screen,   /* after [desk] idle_lock_s without a key */
};

enum cr_status desk_run(struct cr_db *db, const struct cr_config *cfg, struct cr_err *err)
{
	return tui_run(&desk, db, cfg, err);
}
