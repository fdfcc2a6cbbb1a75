/* cups_list: the CUPS queues this desk can print to, each with a sentence on
 * its state, for `cardroll printers`. The queues come from the print server
 * libcups finds (CUPS_SERVER, client.conf, or the local cupsd). */
#ifndef CR_CUPS_LIST_H
#define CR_CUPS_LIST_H

#include "store/status.h"

/* Calls each(name, state_sentence, arg) once per queue, in the server's order.
 * state_sentence is what state() of the cups driver says: "ready",
 * "printing", "stopped: <reason>", "offline", "out of paper", ...
 * Fails with CR_EUNAVAILABLE when the print server cannot be reached. */
enum cr_status cups_list_queues(void (*each)(const char *name, const char *state_sentence, void *arg),
				void *arg, struct cr_err *err);

#endif
