/* slips: queuing card slips for printing, and the plain-text slip the
 * desk previews. (The printers issue draws real slips from templates.) */
#ifndef CR_SLIPS_H
#define CR_SLIPS_H

#include <stddef.h>
#include "store/db.h"

/* Queues one print job holding the slips of every active card of the
 * class's children (a class's slips are one job). *job gets its id and
 * *count how many slips; a class with no cards queues nothing (job 0). */
enum cr_status slips_queue_class(struct cr_db *db, long long class_id, long long staff, const char *driver,
				 long long *job, int *count, struct cr_err *err);

/* Queues the slip of one card. */
enum cr_status slips_queue_card(struct cr_db *db, const char *number, long long staff, const char *driver,
				long long *job, struct cr_err *err);

/* Queues the slips of several cards as one job, in the order given; a
 * number that is not a card in use is an error and queues nothing. */
enum cr_status slips_queue_cards(struct cr_db *db, const char *const *numbers, int n, long long staff,
				 const char *driver, long long *job, struct cr_err *err);

/* The slip of an active card as plain text (names made inert, never raw
 * roster text). */
enum cr_status slips_text(struct cr_db *db, const char *number, char *buf, size_t len, struct cr_err *err);

#endif
