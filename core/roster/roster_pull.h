/* roster_pull: the district's roster over the network into the importer
 * (`cardroll sync --roster`, DESIGN §2.1, §7).
 *
 * [sync] roster_url is either
 *  - a file: an https://, http:// or sftp:// URL of a OneRoster package
 *    (.zip). Fetched with a conditional GET (If-None-Match /
 *    If-Modified-Since from the last pull; sftp compares the file time);
 *    304 means nothing to do. A lone .csv is refused: a OneRoster package is
 *    a zip of CSV files.
 *  - a OneRoster 1.2 REST base (path ending /ims/oneroster/rostering/v1p2):
 *    OAuth2 client credentials at [sync] roster_token_url (required with
 *    roster_auth = oauth2: OneRoster does not say where the token endpoint
 *    is), orgs, academicSessions, courses, classes, users, enrollments and
 *    demographics read with limit/offset paging (X-Total-Count), written as
 *    a OneRoster CSV package. The first pull is bulk; once one committed,
 *    later pulls ask for filter=dateLastModified>='the mark' (delta). The
 *    mark is the newest dateLastModified applied, parsed (ISO 8601: Z or an
 *    offset, fractional seconds or none) to UTC with microseconds, with the
 *    records applied at that instant: those come back (>=) and are
 *    skipped, so a record stamped in the same second as the mark is never
 *    missed and none is applied or reported twice. Every dateLastModified
 *    reaches the importer in that one form; one that is no date and time
 *    stops the pull with an error naming the record and the field.
 *
 * Either way the package goes through roster_import (one transaction, same
 * report). What the server said (ETag, Last-Modified, the delta mark) is
 * kept in roster_source only after the import committed. Downloads live in
 * a private temporary folder (0700, files 0600) removed in every case.
 * TLS is always verified ([sync] ca_file adds a CA) unless [sync] insecure.
 * Secrets come from the settings or the environment
 * (CARDROLL_SYNC_PASSWORD, CARDROLL_ROSTER_CLIENT_SECRET) and never appear
 * in messages; URLs in messages lose their user info and query. */
#ifndef CR_ROSTER_PULL_H
#define CR_ROSTER_PULL_H

#include <stdio.h>

#include "store/config.h"
#include "store/db.h"
#include "roster.h"

struct roster_pull_result {
	int   rest;                 /* 1: OneRoster REST; 0: a package file */
	int   unchanged;            /* the server said nothing changed: nothing imported */
	int   imported;             /* roster_import ran; summary is filled */
	char  mode[8];              /* REST: bulk | delta */
	char  source[1024];         /* the URL as shown (no user info, no query) */
	char  since[64];            /* unchanged: the server's Last-Modified, else the last pull (local time) */
	long  records;              /* REST: records read */
	int   skipped_demographics; /* REST: the server did not give demographics (no birth dates) */
	struct roster_summary summary;
};

/* Pulls [sync] roster_url and imports it. CR_OK with r->unchanged when there
 * was nothing new; otherwise roster_import's status (r->imported tells
 * whether it ran), or a network/server failure with a sentence in err. */
enum cr_status roster_pull(struct cr_db *db, const struct sync_settings *s, struct roster_pull_result *r,
			   struct cr_err *err);

/* One page of the OneRoster REST collection endpoint ("users", "orgs", ...)
 * as the pull reads it: the JSON text's records as CSV rows (no header) of
 * that collection's file into csv, *rows the rows written. The pull's own
 * step, exposed for the fuzzer (tests/fuzz/fuzz_json.c) and tests. */
enum cr_status roster_pull_rest_page(const char *endpoint, const char *text, size_t len, int delta, FILE *csv,
				     long *rows, struct cr_err *err);

/* Copies url without user info and query/fragment into out (for messages). */
void roster_pull_redact(const char *url, char *out, size_t len);

#endif
