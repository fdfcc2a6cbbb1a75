/* roster_pull internals: what the pull's files (roster_pull.c, pull_*.c)
 * share: small helpers, roster_source, the pull's state and its client. */
#ifndef CR_PULL_INT_H
#define CR_PULL_INT_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdio.h>

#include "roster_pull.h"
#include "text/buf.h"   /* struct buf: requests, forms and answers */

/* ---- small helpers (pull_util.c) ---------------------------------------- */

/* The environment's value when set, else the setting's. */
const char *pull_secret(const char *env, const char *cfg);
void pull_wipe(char *p, size_t n);
/* An ISO 8601 date and time (2024-09-15T08:00:00Z, ...00.5+00:00,
 * ...-05:00, no zone = UTC) as UTC with microseconds,
 * "2024-09-15T13:00:00.000000Z" (27 characters; such texts order as their
 * instants), into out (at least 28 bytes). 0 when s is not one. */
#define PULL_TS_LEN 28
int pull_ts_canon(const char *s, char *out, size_t len);

/* The private temporary folder (0700) and a file in it (0600). */
enum cr_status pull_tmp_make(char *dir, size_t len, struct cr_err *err);
FILE *pull_tmp_open(const char *dir, const char *name, struct cr_err *err);
/* Removes the folder and the files in it. */
void pull_tmp_remove(const char *dir);

/* ---- roster_source and the import (pull_source.c) ----------------------- */

/* The REST delta mark is the newest dateLastModified applied (UTC with
 * microseconds) and the records applied at that instant ("collection/
 * sourcedId", one a line): the next pull asks for dateLastModified >= the
 * mark and skips those. Kept as one text in roster_source.last_delta_at,
 * the mark, then a newline before each record. */
struct source_state {
	char      etag[512];
	char      last_modified[128];
	char      last_delta_at[64];
	char     *delta_seen;      /* NULL or malloc'd: "coll/sid\n..." */
	long long pulled_at;
};

/* Frees ss->delta_seen. */
void pull_source_clear(struct source_state *ss);

enum cr_status pull_source_load(struct cr_db *db, const char *url, struct source_state *ss, struct cr_err *err);
enum cr_status pull_source_save(struct cr_db *db, const char *url, const struct source_state *ss, int save,
				long long run_id, struct cr_err *err);
/* The server's Last-Modified (else fallback) as local time, for "unchanged since". */
void pull_http_date_local(const char *http_date, long long fallback, char *out, size_t len);

/* ---- HTTP (pull_http.c) ------------------------------------------------- */

struct pull {
	CURL                       *curl;          /* the options; each request runs on a copy (pull_perform) */
	CURLSH                     *share;         /* the connection cache the copies share */
	const struct sync_settings *s;
	struct cr_err              *err;
	char                        shown[1024];   /* roster_url without secrets */
	char                        dir[4096];     /* the private temporary folder */
	/* the last response */
	char                        etag[512];
	char                        last_modified[128];
	long long                   total;         /* X-Total-Count, -1 when absent */
	/* the body: into a file, or into mem (bounded) */
	FILE                       *out;
	unsigned long long          written;
	struct buf                 mem;
	int                         too_big;
	char                       *bearer;        /* "Authorization: Bearer ..." */
	/* REST deltas: the mark of the last pull and the records applied at it
	 * (sorted, for bsearch); the newest dateLastModified seen in this pull
	 * (UTC, microseconds) and the records at that instant ("coll/sid\n"...) */
	char                        mark[64];
	char                      **seen;
	size_t                      nseen;
	char                        maxmod[64];
	struct buf                 atmax;
};

enum cr_status pull_setup(struct pull *p, const char *url);
/* One request; *code gets the HTTP status (0 for sftp). */
enum cr_status pull_perform(struct pull *p, const char *url, struct curl_slist *hdrs, long *code,
			    const char *what);
enum cr_status pull_http_fail(struct pull *p, long code, const char *what);

enum cr_status pull_run_import(struct cr_db *db, struct pull *p, const char *source,
			       struct roster_pull_result *r, struct cr_err *err);

/* ---- the two kinds of pull (pull_file.c, pull_rest.c) ------------------- */

enum cr_status pull_file(struct cr_db *db, struct pull *p, struct roster_pull_result *r);
enum cr_status pull_rest(struct cr_db *db, struct pull *p, struct roster_pull_result *r);

#endif
