/* module: the printing and network code, loaded only when first used.
 *
 * The program (the desk and every command) does not link pango, cairo,
 * libzint, libcups, libcurl or OpenSSL: a process that prints nothing and
 * syncs nothing never maps them. They live in two shared objects built from
 * the same sources as libcardroll.a, each exporting one table:
 *
 *   cardroll-print.so  cardroll_print_module: the pdf, escpos and cups
 *                      drivers, the CUPS queue list and the PDF report
 *                      (printers/)
 *   cardroll-net.so    cardroll_net_module: the koha and webhook sync
 *                      targets and the roster pull (core/sync, core/roster)
 *
 * The program's side (load.c, print_stub.c, net_stub.c) defines the same
 * names the rest of the code calls (printer_pdf, sync_target_koha,
 * roster_pull, cups_list_queues, ...) as small proxies that load the module
 * on first use; a module that is missing or does not load is an error
 * naming the file and dlerror(), and everything else keeps working. The
 * unit tests link libcardroll.a with everything in it and never load a
 * module. */
#ifndef CR_MODULE_H
#define CR_MODULE_H

#include "printer.h"
#include "report_pdf.h"
#include "roster/roster_pull.h"
#include "sync/sync.h"

/* Bumped whenever a table below changes shape. */
#define CR_MODULE_ABI 2

struct cr_print_module {
	int         abi;        /* CR_MODULE_ABI */
	const char *version;    /* CR_VERSION of the build */
	const struct printer_driver *pdf, *escpos, *cups;
	enum cr_status (*cups_list_queues)(void (*each)(const char *name, const char *state_sentence, void *arg),
					   void *arg, struct cr_err *err);
	enum cr_status (*report_pdf_write)(const struct report_pdf *r, FILE *f, struct cr_err *err);
};

struct cr_net_module {
	int         abi;
	const char *version;
	const struct sync_target *koha, *webhook;
	enum cr_status (*roster_pull)(struct cr_db *db, const struct sync_settings *s, struct roster_pull_result *r,
				      struct cr_err *err);
};

/* Finds FILE (e.g. "cardroll-print.so") beside the program: first in
 * ../lib/cardroll/ from the executable's folder (installed), then in the
 * executable's own folder (the build tree), then in the folder compiled in
 * (CR_MODULE_DIR); loads it once and returns its ENTRY table after checking
 * its ABI and version. NULL with err set (CR_EUNAVAILABLE, a sentence that
 * starts with WHAT, e.g. "printing", and names the file and dlerror()). */
const void *module_load(const char *file, const char *entry, const char *what, struct cr_err *err);

#endif
