/* syncing: the desk's sync worker and its status line. */
#ifndef CR_TUI_SYNCING_H
#define CR_TUI_SYNCING_H

#include <stddef.h>
#include "screen.h"

/* Starts the worker when [sync] names a target; it syncs at once. */
void syncing_init(struct tui *t);
/* F5: sync now. */
void syncing_now(struct tui *t);
/* Notices finished runs (every turn). */
void syncing_poll(struct tui *t);
/* The status line's sync part; 0 when sync is not set up. */
int syncing_line(struct tui *t, char *buf, size_t len);
/* The desk is closing. */
void syncing_stop(void);

#endif
