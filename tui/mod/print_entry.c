/* The printing module's one export (module.h): linked into
 * cardroll-print.so with render.c and the drivers that need cairo, pango,
 * libzint and libcups. */
#include "module.h"
#include "cups_list.h"

extern const struct printer_driver printer_pdf;
extern const struct printer_driver printer_escpos;
extern const struct printer_driver printer_cups;

extern const struct cr_print_module cardroll_print_module;
const struct cr_print_module cardroll_print_module = {
	.abi = CR_MODULE_ABI,
	.version = CR_VERSION,
	.pdf = &printer_pdf,
	.escpos = &printer_escpos,
	.cups = &printer_cups,
	.cups_list_queues = cups_list_queues,
	.report_pdf_write = report_pdf_write,
};
