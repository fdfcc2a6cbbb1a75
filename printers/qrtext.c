/* qrtext: QR codes as lines of half-block (or ASCII) characters. */
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "qrtext.h"

#define QRTEXT_QUIET 4

static int dark(const QRcode *q, int r, int c)
{
	r -= QRTEXT_QUIET;
	c -= QRTEXT_QUIET;
	if (r < 0 || c < 0 || r >= q->width || c >= q->width)
		return 0;
	return q->data[(size_t)r * (size_t)q->width + (size_t)c] & 1;
}

enum cr_status qrtext_draw(const char *payload, int ascii, char ***lines, int *nlines, struct cr_err *err)
{
	QRcode *q;
	int side, n;
	char **out;

	*lines = NULL;
	*nlines = 0;
	q = QRcode_encodeString(payload ? payload : "", 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return cr_fail(err, CR_EDATA, "qrtext: the payload (%zu bytes) cannot be encoded as a QR code",
			       payload ? strlen(payload) : 0);
	side = q->width + 2 * QRTEXT_QUIET;
	n = ascii ? side : (side + 1) / 2;
	out = calloc((size_t)n, sizeof *out);
	if (!out)
		goto oom;
	for (int i = 0; i < n; i++) {
		char *p = malloc((size_t)side * 3 + 1);

		if (!p)
			goto oom;
		out[i] = p;
		for (int c = 0; c < side; c++) {
			if (ascii) {
				memcpy(p, dark(q, i, c) ? "##" : "  ", 2);
				p += 2;
				continue;
			}
			int top = dark(q, 2 * i, c), bottom = 2 * i + 1 < side && dark(q, 2 * i + 1, c);

			if (top && bottom)
				memcpy(p, "\xE2\x96\x88", 3), p += 3;      /* U+2588 full block */
			else if (top)
				memcpy(p, "\xE2\x96\x80", 3), p += 3;      /* U+2580 upper half */
			else if (bottom)
				memcpy(p, "\xE2\x96\x84", 3), p += 3;      /* U+2584 lower half */
			else
				*p++ = ' ';
		}
		*p = '\0';
	}
	QRcode_free(q);
	*lines = out;
	*nlines = n;
	return CR_OK;
oom:
	QRcode_free(q);
	qrtext_free(out, n);
	return cr_fail(err, CR_ENOMEM, "qrtext: out of memory");
}

void qrtext_free(char **lines, int n)
{
	if (!lines)
		return;
	for (int i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}
