/* What the sync target unit tests share: roster text that breaks naive
 * writers and a hand-made sync_item (test_sync_webhook.c, test_sync_file.c). */
#ifndef CR_SYNC_FIXTURES_H
#define CR_SYNC_FIXTURES_H

#include <stdlib.h>

#include "testutil.h"
#include "sync/sync.h"

#define SF_UNUSED __attribute__((unused))

/* Roster text that breaks naive writers. */
SF_UNUSED static const char NASTY_FAMILY[] = "O'Brien, \"Junior\"\nback\\slash \x01 Jos\xC3\xA9 \xE2\x80\xA8 end";
SF_UNUSED static const char NASTY_GIVEN[] = "=HYPERLINK(\"http://x\")";
/* NASTY_FAMILY in a CSV file: the line break folded to a space (both
 * loaders read a line at a time) */
SF_UNUSED static const char NASTY_FAMILY_CSV[] = "O'Brien, \"Junior\" back\\slash \x01 Jos\xC3\xA9 \xE2\x80\xA8 end";

SF_UNUSED static struct sync_item item(const char *uuid, const char *kind, const char *stu, long long outbox_id)
{
	struct sync_item it = {
		.outbox_id = outbox_id, .event_id = outbox_id, .uuid = uuid, .kind = kind, .student_id = outbox_id,
		.student_number = stu, .given = "Ana", .family = "Lopez", .birth_date = "2015-03-04",
		.grade = "04", .school = "Lincoln Elementary", .card = "21234000000015", .expires = "2030-06-30",
		.category = "JUV", .consent = "", .remote_id = "",
	};
	return it;
}

SF_UNUSED static char *slurp(const char *path, size_t *n)
{
	char *p;

	*n = 0;
	p = tu_slurp(path, n);
	if (p) {  /* tu_slurp leaves room but no NUL */
		char *q = realloc(p, *n + 1);

		if (!q)
			abort();
		p = q;
		p[*n] = '\0';
	}
	return p;
}

#endif
