/* ilscheck: is the child already a patron in the library system? */
#ifndef CR_TUI_ILSCHECK_H
#define CR_TUI_ILSCHECK_H

#include <stddef.h>
#include "screen.h"

enum { ILSCHECK_NONE, ILSCHECK_ASKING, ILSCHECK_FOUND, ILSCHECK_NOT_FOUND, ILSCHECK_OFFLINE };

/* Asks in the background (nothing when sync is not set up). */
void ilscheck_start(struct tui *t, long long student, const char *number, const char *card);
/* Takes the answer when it has come: 1 then (the screen is marked). */
int ilscheck_poll(struct tui *t);
/* The answer about student as a sentence: 1, or 0 when there is none. */
int ilscheck_text(long long student, char *buf, size_t len);
/* Forgets the question (the panel closed). */
void ilscheck_stop(void);

#endif
