/* printer: one driver interface for every way a slip leaves the desk.
 * Each driver is a `const struct printer_driver` in its own file
 * (drv_pdf.c, drv_escpos.c, drv_zpl.c, drv_cups.c, drv_preview.c), listed
 * in the registry in printer.c. A job opens the driver once, hands it
 * every slip in order, then closes it (commit) or aborts it. */
#ifndef CR_PRINTER_H
#define CR_PRINTER_H

#include <stddef.h>
#include "store/status.h"

struct sink;

/* One card slip, every field already expanded from the template and the
 * roster. Strings are UTF-8 straight from the roster: a driver never sends
 * them as printer commands (ESC/POS and ZPL control bytes are dropped or
 * printed as text). NULL and "" mean absent. */
struct slip {
	const char *given;       /* preferred given name where the roster has one */
	const char *family;
	const char *card;        /* card number, digits (and letters for some schemes) */
	const char *school;
	const char *class_name;  /* the homeroom / class title */
	const char *grade;
	const char *expires;     /* YYYY-MM-DD */
	const char *qr;          /* QR payload, from the template's qr line */
	/* Template text per language, in print order (English and Spanish by
	 * default); each is what the template file for that language says,
	 * with placeholders already filled in. */
	int         nlang;
	const char *heading[4];  /* "Your library card" */
	const char *body[4];     /* what the card unlocks, a few lines */
};

enum printer_barcode {
	PRINTER_CODABAR,         /* A<digits>A (default) */
	PRINTER_CODE39,
};

/* What the desk's settings say about the printer ([print] in the INI). */
struct printer_opts {
	const char *target;      /* file path, /dev/usb/lp0, tcp://HOST:9100, or a CUPS queue */
	const char *paper;       /* pdf: "letter" | "a4"; escpos: "58" | "80" (mm) */
	const char *layout;      /* pdf: "sheet" (8 a page) | "cr80" (10 cards a page);
	                            escpos: "raster" | "text" */
	enum printer_barcode barcode;
	int         native_qr;   /* escpos text mode: GS ( k QR instead of a raster QR */
	const char *codepage;    /* escpos text mode: "cp437" (default) | "cp858" | "cp1252" */
	const char *inner;       /* cups: the driver that makes the document ("pdf" or "escpos") */
	/* When not NULL, the driver writes its document to this sink instead of
	 * opening target, and leaves it open at close (the caller owns it).
	 * drv_cups.c uses it to get the inner driver's bytes from a memory sink
	 * (sink_open(NULL, ...), sink_data) and hand them to CUPS. */
	struct sink *out;
};

struct printer_driver {
	const char *name;        /* "pdf", "escpos", "zpl", "cups", "preview" */
	const char *summary;     /* one line for `cardroll printers` */
	/* Starts a job; *state is the driver's own. Nothing reaches the
	 * target until close(commit=1) for file targets (written to a
	 * temporary name, then renamed), so a failed job leaves no half file. */
	enum cr_status (*open)(const struct printer_opts *o, void **state, struct cr_err *err);
	enum cr_status (*slip)(void *state, const struct slip *s, struct cr_err *err);
	/* commit=1: finish and deliver; commit=0: throw the job away. Frees state
	 * either way. */
	enum cr_status (*close)(void *state, int commit, struct cr_err *err);
	/* Optional: a sentence on the printer's state ("ready", "offline",
	 * "out of paper", "stopped"); NULL when the driver cannot tell. */
	enum cr_status (*state)(const struct printer_opts *o, char *msg, size_t len, struct cr_err *err);
};

/* The registry. printer_find returns NULL for an unknown name. */
const struct printer_driver *printer_find(const char *name);
/* NULL-terminated list of every driver, in the order `printers` shows. */
const struct printer_driver *const *printer_all(void);

#endif
