/* oneroster: the readers the import driver (roster.c) runs inside its
 * transaction: a OneRoster package, or a plain CSV through a column mapping.
 *
 * A OneRoster 1.1/1.2 CSV package (bulk or delta) is read into the roster
 * tables. Each row is checked and cleaned; a bad row is reported with file,
 * line and field and skipped, the rest import. Only what a card needs is
 * read: no demographics but the birth date, never a password. */
#ifndef CR_ONEROSTER_H
#define CR_ONEROSTER_H

#include "store/status.h"

struct imp;

/* A OneRoster 1.0/1.1/1.2 CSV package, bulk or delta (oneroster_import.c). */
enum cr_status oneroster_import(struct imp *im);
/* A plain CSV, one row a student, read with the OneRoster row handlers
 * (oneroster_plain.c). */
enum cr_status plain_import(struct imp *im);

#endif
