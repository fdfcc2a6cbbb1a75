/* printing: print jobs run in a child process while the desk goes on. */
#ifndef CR_TUI_PRINTING_H
#define CR_TUI_PRINTING_H

#include "screen.h"

/* Starts the print worker (the fonts load in it meanwhile). */
void printing_init(struct tui *t);
/* Lets the worker go when the desk closes. */
void printing_stop(void);
/* Starts printing job (already queued); 0, or -1 when it could not start
 * (said on the status line; the job stays queued). */
int printing_start(struct tui *t, long long job);
/* Reaps finished jobs and says how each went. Called every turn. */
void printing_poll(struct tui *t);
/* 1 while a job is printing. */
int printing_busy(void);

#endif
