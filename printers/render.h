/* render: draws one slip with cairo + pango (every script, shaped, with
 * fontconfig fallback), a QR code (libqrencode) and the card's barcode
 * (libzint). The same drawing serves PDF sheets and thermal raster, so a
 * slip looks the same wherever it prints.
 *
 * Units: the caller scales cr so that 1 user unit = 1 mm, with the slip's
 * top-left corner at (0, 0). */
#ifndef CR_RENDER_H
#define CR_RENDER_H

#include <cairo.h>
#include "printer.h"

/* The slips' fonts, in fallback order (also the PDF report's, report_pdf.c). */
#define RENDER_FONT      "Noto Sans, Noto Sans Arabic, Noto Naskh Arabic, Noto Sans CJK SC, DejaVu Sans"

struct render_opts {
	double width_mm;          /* the slip's width */
	double max_height_mm;     /* fixed slot (PDF sheets); 0 = as long as it needs (thermal) */
	double dots_per_mm;       /* > 0 for raster: QR modules and bars land on whole dots */
	enum printer_barcode barcode;
	int    compact;           /* CR80 card: name, card number, barcode, QR only */
};

/* Draws s. *height_mm gets the height used. Long names shrink, then wrap;
 * never cut mid-character. */
enum cr_status render_slip(cairo_t *cr, const struct slip *s, const struct render_opts *o,
			   double *height_mm, struct cr_err *err);

/* The height render_slip would use, without drawing. */
enum cr_status render_slip_height(const struct slip *s, const struct render_opts *o,
				  double *height_mm, struct cr_err *err);

#endif
