/* roster_pull internals: what the pull's files (roster_pull.c, pull_*.c)
 * share: small helpers, roster_source, the pull's state and its client. */
#ifndef CR_PULL_INT_H
#define CR_PULL_INT_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdio.h>

#include "roster_pull.h"

/* ---- small helpers (pull_util.c) ---------------------------------------- */

struct sbuf {
	char  *p;
	size_t len, cap;
	int    oom;
};

void pull_sb_add(struct sbuf *b, const char *s, size_t n);
void pull_sb_str(struct sbuf *b, const char *s);
void pull_sb_clear(struct sbuf *b);
const char *pull_sb_text(const struct sbuf *b);
/* The environment's value when set, else the setting's. */
const char *pull_secret(const char *env, const char *cfg);
void pull_wipe(char *p, size_t n);

/* The private temporary folder (0700) and a file in it (0600). */
enum cr_status pull_tmp_make(char *dir, size_t len, struct cr_err *err);
FILE *pull_tmp_open(const char *dir, const char *name, struct cr_err *err);
/* Removes the folder and the files in it. */
void pull_tmp_remove(const char *dir);

/* ---- roster_source and the import (pull_source.c) ----------------------- */

struct source_state {
	char      etag[512];
	char      last_modified[128];
	char      last_delta_at[64];
	long long pulled_at;
};

enum cr_status pull_source_load(struct cr_db *db, const char *url, struct source_state *ss, struct cr_err *err);
enum cr_status pull_source_save(struct cr_db *db, const char *url, const struct source_state *ss, int save,
				long long run_id, struct cr_err *err);
/* The server's Last-Modified (else fallback) as local time, for "unchanged since". */
void pull_http_date_local(const char *http_date, long long fallback, char *out, size_t len);

/* ---- HTTP (pull_http.c) ------------------------------------------------- */

struct pull {
	CURL                       *curl;
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
	struct sbuf                 mem;
	int                         too_big;
	char                       *bearer;        /* "Authorization: Bearer ..." */
	char                        maxmod[64];    /* the newest dateLastModified seen */
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
