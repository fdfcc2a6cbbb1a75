/* prompt: a one-line question on a screen of its own (the reason for a
 * void, a pre-printed card to scan, a name to look for in a class). Enter
 * answers, Esc cancels; the text survives a resize because the screen is
 * drawn from its state every time. */
#ifndef CR_TUI_PROMPT_H
#define CR_TUI_PROMPT_H

#include "screen.h"

struct prompt_spec {
	const char *title;        /* the header line, e.g. "Void card 2000100000017" */
	const char *question;     /* the label before the box */
	const char *hint;         /* a sentence under the box, or NULL */
	int         digits_only;  /* a scanned card: digits and letters A-D only */
	int         required;     /* Enter on an empty box says so instead of answering */
	/* Called after the prompt has left the stack, with what was typed. */
	void      (*done)(struct tui *t, const char *text);
};

/* Opens the prompt; spec must outlive it (use a static). */
void prompt_open(struct tui *t, const struct prompt_spec *spec);

#endif
