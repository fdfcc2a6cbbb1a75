/* The driver registry: every driver cardroll knows, in the order
 * `cardroll printers` lists them. Adding a driver is one line here. */
#include <string.h>
#include "printer.h"

/* Each driver file defines one of these; add its line to both lists. */
extern const struct printer_driver printer_pdf;
extern const struct printer_driver printer_cups;
extern const struct printer_driver printer_escpos;
extern const struct printer_driver printer_zpl;
extern const struct printer_driver printer_preview;

static const struct printer_driver *const drivers[] = {
	&printer_pdf,
	&printer_cups,
	&printer_escpos,
	&printer_zpl,
	&printer_preview,
	NULL,
};

const struct printer_driver *const *printer_all(void)
{
	return drivers;
}

const struct printer_driver *printer_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; drivers[i]; i++)
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	return NULL;
}
