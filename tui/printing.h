/* printing: print jobs run in a child process while the desk goes on. */
#ifndef CR_TUI_PRINTING_H
#define CR_TUI_PRINTING_H

#include "screen.h"

/* The print worker, for desk.c's list: forked when the desk starts (the
 * fonts load in it meanwhile), let go when it closes. */
extern const struct tui_worker_ops printing_ops;

/* Starts printing job (already queued); 0, or -1 when it could not start
 * (said on the status line; the job stays queued). */
int printing_start(struct tui *t, long long job);
/* 1 while a job is printing. */
int printing_busy(void);

#endif
