/* purge: forgetting children (`cardroll purge`). Removes, in one
 * transaction, the children withdrawn longer than [retention]
 * withdrawn_days, and, once [retention] school_year_end is past, the
 * children who never took a card and are no longer enrolled (their last
 * roster change on or before that day). A child with an event still on
 * its way to the library system is held until it is sent. Their cards,
 * consent, events, enrollments and slips in print jobs go with them; the
 * report's numbers stay right (cards still active are kept as counts by
 * the day they were issued, purged_signups), and the audit, which only
 * ever held each child's keyed hash, is not touched. Files handed in that
 * hold a purged child's student ID or card number are removed too. */
#ifndef CR_PURGE_H
#define CR_PURGE_H

#include <stddef.h>
#include <time.h>

#include "store/db.h"

struct purge_settings {
	const char        *school_year_end;   /* YYYY-MM-DD, "" or NULL: not set */
	int                withdrawn_days;
	time_t             now;
	long long          staff;             /* who purges, for the audit */
	const char        *desk;
	const char *const *files;             /* files cardroll wrote that may hold children */
	size_t             nfiles;
};

/* What a purge removes (or, dry run, would remove). Counts only. */
struct purge_counts {
	int       year_over;       /* school_year_end is set and past */
	long long withdrawn;       /* children withdrawn longer than withdrawn_days */
	long long never_carded;    /* other children: never carded, not enrolled, year over */
	long long held;            /* would go, but an event still waits for the ILS */
	long long cards, cards_active, consents, events, enrollments, slips, print_jobs;
	long long files;           /* files removed */
};

enum cr_status purge_run(struct cr_db *db, const struct purge_settings *ps, int dry_run, struct purge_counts *out,
			 struct cr_err *err);

#endif
