/* syncing: the desk's sync worker and its status line. */
#ifndef CR_TUI_SYNCING_H
#define CR_TUI_SYNCING_H

#include <stddef.h>
#include "screen.h"

/* The sync worker, for desk.c's list: it brings F5 and the status line's
 * sync part (online or offline, what waits). */
extern const struct tui_worker_ops syncing_ops;

/* Sync now (F5, and the library screen's keys). */
void syncing_now(struct tui *t);
/* The sync state in a sentence; 0 when sync is not set up. */
int syncing_line(struct tui *t, char *buf, size_t len);

#endif
