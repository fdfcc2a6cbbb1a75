/* preview: a slip on the screen, QR in half blocks. */
#ifndef CR_TUI_PREVIEW_H
#define CR_TUI_PREVIEW_H

#include "screen.h"
#include "template.h"

/* Opens the preview of the slip these fields make (with the desk's slip
 * templates); says why on the status line when it cannot. */
void preview_open(struct tui *t, const struct slip_fields *f);

#endif
