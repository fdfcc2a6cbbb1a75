/* The program's side of the printing module (module.h): the pdf, escpos
 * and cups drivers, the CUPS queue list and the PDF report as proxies that load
 * cardroll-print.so on first use. The registry (printers/printer.c) lists
 * them as if they were the drivers themselves; a job's state is the real
 * driver's, handed through untouched. Linked into the program only (the
 * unit tests link the real drivers from libcardroll.a). */
#include <stddef.h>

#include "module.h"
#include "cups_list.h"
#include "text/i18n.h"

static const struct cr_print_module *print_mod(struct cr_err *err)
{
	return module_load("cardroll-print.so", "cardroll_print_module", C_("module", "printing"), err);
}

/* slip and close come after a successful open, so the module is loaded. */
static const struct cr_print_module *loaded(void)
{
	return print_mod(NULL);
}

#define PROXY_DRIVER(NAME)                                                                             \
	static enum cr_status NAME##_open(const struct printer_opts *o, void **state, struct cr_err *err) \
	{                                                                                              \
		const struct cr_print_module *m = print_mod(err);                                      \
		return m ? m->NAME->open(o, state, err) : CR_EUNAVAILABLE;                             \
	}                                                                                              \
	static enum cr_status NAME##_slip(void *state, const struct slip *s, struct cr_err *err)       \
	{                                                                                              \
		return loaded()->NAME->slip(state, s, err);                                            \
	}                                                                                              \
	static enum cr_status NAME##_close(void *state, int commit, struct cr_err *err)                \
	{                                                                                              \
		return loaded()->NAME->close(state, commit, err);                                      \
	}

PROXY_DRIVER(pdf)
PROXY_DRIVER(escpos)
PROXY_DRIVER(cups)

static enum cr_status cups_state(const struct printer_opts *o, char *msg, size_t len, struct cr_err *err)
{
	const struct cr_print_module *m = print_mod(err);

	if (!m)
		return CR_EUNAVAILABLE;
	return m->cups->state ? m->cups->state(o, msg, len, err) : CR_OK;
}

/* The summaries are the drivers' own (drv_pdf.c, drv_escpos.c, drv_cups.c),
 * here so that `cardroll printers` lists them without loading the module. */
const struct printer_driver printer_pdf = {
	.name = "pdf",
	.summary = N_("PDF sheets: 8 slips a page (letter or a4), or 10 CR80 cards a page"),
	.open = pdf_open,
	.slip = pdf_slip,
	.close = pdf_close,
	.state = NULL,
};

const struct printer_driver printer_escpos = {
	.name = "escpos",
	.summary = N_("ESC/POS thermal receipt printers, 58 or 80 mm (USB, network or file)"),
	.open = escpos_open,
	.slip = escpos_slip,
	.close = escpos_close,
	.state = NULL,
};

const struct printer_driver printer_cups = {
	.name = "cups",
	.summary = N_("a CUPS print queue (PDF or ESC/POS document inside)"),
	.open = cups_open,
	.slip = cups_slip,
	.close = cups_close,
	.state = cups_state,
};

enum cr_status cups_list_queues(void (*each)(const char *name, const char *state_sentence, void *arg), void *arg,
				struct cr_err *err)
{
	const struct cr_print_module *m = print_mod(err);

	return m ? m->cups_list_queues(each, arg, err) : CR_EUNAVAILABLE;
}

/* cardroll report --format pdf (printers/report_pdf.c). */
enum cr_status report_pdf_write(const struct report_pdf *r, FILE *f, struct cr_err *err)
{
	const struct cr_print_module *m = print_mod(err);

	return m ? m->report_pdf_write(r, f, err) : CR_EUNAVAILABLE;
}
