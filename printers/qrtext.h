/* qrtext: a QR code drawn with characters, for the text preview and the
 * desk's screen (no curses here: the caller prints the lines). */
#ifndef CR_QRTEXT_H
#define CR_QRTEXT_H

#include "store/status.h"

/* Encodes payload (EC level M) and draws it with a 4-module quiet zone,
 * dark modules as ink: in UTF-8 half blocks (U+2580, U+2584, U+2588, space;
 * two module rows a line), or with ascii set "##"/"  " for each module (one
 * row a line, for a terminal that is not UTF-8). *lines gets nlines
 * NUL-terminated strings; free them with qrtext_free. */
enum cr_status qrtext_draw(const char *payload, int ascii, char ***lines, int *nlines, struct cr_err *err);
void qrtext_free(char **lines, int n);

#endif
