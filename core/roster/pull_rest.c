/* pull_rest: a OneRoster 1.2 REST client: an OAuth2 token, every collection
 * paged (limit/offset) and written as a CSV package, bulk or delta, then imported. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pull_int.h"
#include "text/jsonc.h"

#define PULL_PAGE_LIMIT   500                  /* records asked per REST page */
#define PULL_MAX_PAGES    20000                /* per collection: a runaway server stops here */

static const char SCOPE_CORE[] = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly";
static const char SCOPE_DEMO[] = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-demographics.readonly";

/* ---- OneRoster 1.2 REST ----------------------------------------------- */

enum colkind {
	C_VAL,        /* a scalar member */
	C_REF,        /* a GUIDRef member: its sourcedId */
	C_REFS,       /* an array of GUIDRefs: their sourcedIds, comma-separated */
	C_LIST,       /* an array of scalars, comma-separated */
	C_USERIDS,    /* userIds [{type, identifier}] as {type:identifier},... */
	C_ROLE,       /* users: the primary role (roles[]), else role */
	C_ROLE_ORGS,  /* users: the orgs of roles[], else orgs[] */
};

struct rest_col {
	const char  *csv;
	const char  *json;
	enum colkind kind;
};

struct rest_file {
	const char            *endpoint;   /* orgs, ... (also the JSON collection's name) */
	const char            *csv;        /* orgs.csv */
	const char            *manifest;   /* file.orgs */
	int                    optional;   /* 403/404: the server does not share it */
	const struct rest_col *cols;
};

#define STD_COLS { "sourcedId", "sourcedId", C_VAL }, { "status", "status", C_VAL }, \
	{ "dateLastModified", "dateLastModified", C_VAL }

static const struct rest_col orgs_cols[] = {
	STD_COLS, { "name", "name", C_VAL }, { "type", "type", C_VAL }, { "identifier", "identifier", C_VAL },
	{ "parentSourcedId", "parent", C_REF }, { NULL, NULL, C_VAL },
};
static const struct rest_col sessions_cols[] = {
	STD_COLS, { "title", "title", C_VAL }, { "type", "type", C_VAL }, { "startDate", "startDate", C_VAL },
	{ "endDate", "endDate", C_VAL }, { "parentSourcedId", "parent", C_REF },
	{ "schoolYear", "schoolYear", C_VAL }, { NULL, NULL, C_VAL },
};
static const struct rest_col courses_cols[] = {
	STD_COLS, { "schoolYearSourcedId", "schoolYear", C_REF }, { "title", "title", C_VAL },
	{ "courseCode", "courseCode", C_VAL }, { "grades", "grades", C_LIST }, { "orgSourcedId", "org", C_REF },
	{ "subjects", "subjects", C_LIST }, { "subjectCodes", "subjectCodes", C_LIST }, { NULL, NULL, C_VAL },
};
static const struct rest_col classes_cols[] = {
	STD_COLS, { "title", "title", C_VAL }, { "grades", "grades", C_LIST },
	{ "courseSourcedId", "course", C_REF }, { "classCode", "classCode", C_VAL },
	{ "classType", "classType", C_VAL }, { "location", "location", C_VAL },
	{ "schoolSourcedId", "school", C_REF }, { "termSourcedIds", "terms", C_REFS },
	{ "subjects", "subjects", C_LIST }, { "subjectCodes", "subjectCodes", C_LIST },
	{ "periods", "periods", C_LIST }, { NULL, NULL, C_VAL },
};
/* Never the SIS password: a card needs none of it. */
static const struct rest_col users_cols[] = {
	STD_COLS, { "enabledUser", "enabledUser", C_VAL }, { "orgSourcedIds", "roles", C_ROLE_ORGS },
	{ "role", "roles", C_ROLE }, { "username", "username", C_VAL }, { "userIds", "userIds", C_USERIDS },
	{ "givenName", "givenName", C_VAL }, { "familyName", "familyName", C_VAL },
	{ "middleName", "middleName", C_VAL }, { "identifier", "identifier", C_VAL },
	{ "email", "email", C_VAL }, { "agentSourcedIds", "agents", C_REFS }, { "grades", "grades", C_LIST },
	{ "preferredFirstName", "preferredFirstName", C_VAL },
	{ "preferredMiddleName", "preferredMiddleName", C_VAL },
	{ "preferredLastName", "preferredLastName", C_VAL },
	{ "primaryOrgSourcedId", "primaryOrg", C_REF }, { NULL, NULL, C_VAL },
};
static const struct rest_col enrollments_cols[] = {
	STD_COLS, { "classSourcedId", "class", C_REF }, { "schoolSourcedId", "school", C_REF },
	{ "userSourcedId", "user", C_REF }, { "role", "role", C_VAL }, { "primary", "primary", C_VAL },
	{ "beginDate", "beginDate", C_VAL }, { "endDate", "endDate", C_VAL }, { NULL, NULL, C_VAL },
};
/* Only the birth date: nothing else of demographics serves a card. */
static const struct rest_col demographics_cols[] = {
	STD_COLS, { "birthDate", "birthDate", C_VAL }, { NULL, NULL, C_VAL },
};

static const struct rest_file rest_files[] = {
	{ "orgs",             "orgs.csv",             "file.orgs",             0, orgs_cols },
	{ "academicSessions", "academicSessions.csv", "file.academicSessions", 0, sessions_cols },
	{ "courses",          "courses.csv",          "file.courses",          1, courses_cols },
	{ "classes",          "classes.csv",          "file.classes",          0, classes_cols },
	{ "users",            "users.csv",            "file.users",            0, users_cols },
	{ "enrollments",      "enrollments.csv",      "file.enrollments",      0, enrollments_cols },
	{ "demographics",     "demographics.csv",     "file.demographics",     1, demographics_cols },
};
#define REST_NFILES (sizeof rest_files / sizeof rest_files[0])

static void csv_cell(FILE *f, const char *s, int first)
{
	if (!first)
		fputc(',', f);
	if (!*s)
		return;
	if (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[strlen(s) - 1] == ' ') {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

/* A scalar as text ("" for null, objects, arrays). */
static void scalar(const struct json_object *v, struct buf *b)
{
	char num[64];
	double d;

	if (jsonc_is(v, json_type_string)) {
		buf_str(b, jsonc_str(v));   /* stops at an embedded NUL */
	} else if (jsonc_num(v, &d)) {
		/* whole numbers in range as integers (the cast of one out of
		 * range is undefined: the fuzzer found 1e26) */
		if (d > -9.2e18 && d < 9.2e18 && d == (double)(long long)d)
			snprintf(num, sizeof num, "%lld", (long long)d);
		else
			snprintf(num, sizeof num, "%.17g", d);
		buf_str(b, num);
	} else if (jsonc_is(v, json_type_boolean)) {
		buf_str(b, json_object_get_boolean(v) ? "true" : "false");
	}
}

/* Whether the comma list b already holds the item s. */
static int list_has(const struct buf *b, const char *s)
{
	const char *p = buf_text(b);
	size_t n = strlen(s);

	while (*p) {
		size_t m = strcspn(p, ",");

		if (m == n && !strncmp(p, s, n))
			return 1;
		p += m;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void list_add(struct buf *b, const char *s)
{
	if (!s || !*s)
		return;
	if (b->len)
		buf_add(b, ",", 1);
	buf_str(b, s);
}

static void cell_value(const struct json_object *obj, const struct rest_col *c, struct buf *b)
{
	const struct json_object *v = jsonc_get(obj, c->json);
	struct buf one = { 0 };
	size_t i;

	switch (c->kind) {
	case C_VAL:
		scalar(v, b);
		break;
	case C_REF:
		if (v && jsonc_is(v, json_type_object))
			scalar(jsonc_get(v, "sourcedId"), b);
		else
			scalar(v, b);   /* tolerate a bare id */
		break;
	case C_REFS:
		for (i = 0; i < jsonc_len(v); i++) {
			const struct json_object *e = jsonc_at(v, i);

			buf_clear(&one);
			scalar(jsonc_is(e, json_type_object) ? jsonc_get(e, "sourcedId") : e, &one);
			list_add(b, buf_text(&one));
		}
		break;
	case C_LIST:
		if (v && !jsonc_is(v, json_type_array)) {
			scalar(v, b);
			break;
		}
		for (i = 0; i < jsonc_len(v); i++) {
			buf_clear(&one);
			scalar(jsonc_at(v, i), &one);
			list_add(b, buf_text(&one));
		}
		break;
	case C_USERIDS:
		for (i = 0; i < jsonc_len(v); i++) {
			const struct json_object *e = jsonc_at(v, i);
			const char *type = jsonc_get_str(e, "type"), *id = jsonc_get_str(e, "identifier");

			if (!id || !*id)
				continue;
			buf_clear(&one);
			buf_str(&one, "{");
			buf_str(&one, type ? type : "");
			buf_str(&one, ":");
			buf_str(&one, id);
			buf_str(&one, "}");
			list_add(b, buf_text(&one));
		}
		break;
	case C_ROLE: {
		const struct json_object *pick = NULL;

		for (i = 0; i < jsonc_len(v); i++) {
			const struct json_object *e = jsonc_at(v, i);
			const char *rt = jsonc_get_str(e, "roleType");

			if (!pick || (rt && !strcmp(rt, "primary")))
				pick = e;
			if (rt && !strcmp(rt, "primary"))
				break;
		}
		if (pick)
			scalar(jsonc_get(pick, "role"), b);
		else
			scalar(jsonc_get(obj, "role"), b);   /* a 1.1-shaped record */
		break;
	}
	case C_ROLE_ORGS:
		for (i = 0; i < jsonc_len(v); i++) {
			const struct json_object *org = jsonc_get(jsonc_at(v, i), "org");

			buf_clear(&one);
			scalar(jsonc_is(org, json_type_object) ? jsonc_get(org, "sourcedId") : org, &one);
			/* once each */
			if (one.len && !list_has(b, buf_text(&one)))
				list_add(b, buf_text(&one));
		}
		if (!b->len) {
			const struct json_object *orgs = jsonc_get(obj, "orgs");

			for (i = 0; i < jsonc_len(orgs); i++) {
				const struct json_object *e = jsonc_at(orgs, i);

				buf_clear(&one);
				scalar(jsonc_is(e, json_type_object) ? jsonc_get(e, "sourcedId") : e, &one);
				list_add(b, buf_text(&one));
			}
		}
		break;
	}
	free(one.p);
}

static int seen_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether the last pull applied the record key ("coll/sid") at its mark. */
static int seen_has(const struct pull *p, const char *key)
{
	return p->nseen && bsearch(&key, p->seen, p->nseen, sizeof *p->seen, seen_cmp);
}

/* p->seen from the kept text ("coll/sid\n"...), which it points into. */
static enum cr_status seen_load(struct pull *p, char *text)
{
	size_t n = 0;

	for (char *q = text; *q; q++)
		n += *q == '\n';
	if (!n)
		return CR_OK;
	if (!(p->seen = malloc(n * sizeof *p->seen)))
		return cr_fail(p->err, CR_ENOMEM, "out of memory");
	for (char *q = text, *nl; *q && (nl = strchr(q, '\n')); q = nl + 1) {
		*nl = '\0';
		if (*q)
			p->seen[p->nseen++] = q;
	}
	qsort(p->seen, p->nseen, sizeof *p->seen, seen_cmp);
	return CR_OK;
}

/* One page of a collection (the JSON text of the answer): its records as
 * CSV rows of rf's columns into f, through cell (a scratch buffer);
 * *rows, *records, p->maxmod and p->atmax move on, *n gets the page's
 * length. A delta skips the records the last pull applied at its mark
 * (asked again by >=); every dateLastModified is written as UTC with
 * microseconds, and one that is not a date and time stops the pull. */
static enum cr_status rest_page(struct pull *p, const struct rest_file *rf, const char *text, size_t len, int delta,
				FILE *f, struct buf *cell, long *rows, long *records, size_t *n)
{
	struct json_object *root;
	const struct json_object *arr;
	struct buf key = { 0 };
	enum cr_status st = CR_OK;
	char what[64], jerr[128];

	snprintf(what, sizeof what, "/%s", rf->endpoint);
	*n = 0;
	if (!(root = jsonc_parse(text, len, jerr, sizeof jerr)) && jerr[0])
		return cr_fail(p->err, CR_EDATA, "the roster server's answer for %s is not JSON (%s)", what, jerr);
	arr = jsonc_get(root, rf->endpoint);
	if (!jsonc_is(arr, json_type_array)) {
		json_object_put(root);
		return cr_fail(p->err, CR_EDATA, "the roster server's answer for %s has no \"%s\" list", what,
			       rf->endpoint);
	}
	*n = jsonc_len(arr);
	for (size_t i = 0; i < *n; i++) {
		const struct json_object *o = jsonc_at(arr, i);
		const char *status = jsonc_get_str(o, "status"), *sid = jsonc_get_str(o, "sourcedId");
		const struct json_object *modv = jsonc_get(o, "dateLastModified");
		char mod[PULL_TS_LEN] = "";
		int cmp;

		if (!jsonc_is(o, json_type_object))
			continue;
		if (modv && !jsonc_is(modv, json_type_null) &&
		    (!jsonc_is(modv, json_type_string) || !pull_ts_canon(jsonc_str(modv), mod, sizeof mod))) {
			buf_clear(cell);
			scalar(modv, cell);
			st = cr_fail(p->err, CR_EDATA, "the roster server's %s record %.200s: dateLastModified '%.60s' is "
				     "not an ISO 8601 date and time (such as 2024-09-15T08:00:00Z)", rf->endpoint,
				     sid && *sid ? sid : "(no sourcedId)", buf_text(cell));
			break;
		}
		buf_clear(&key);
		if (sid && *sid && !strchr(sid, '\n')) {
			buf_str(&key, rf->endpoint);
			buf_str(&key, "/");
			buf_str(&key, sid);
		}
		/* at the mark's instant and applied by the last pull: already here */
		if (delta && *mod && key.len && !strcmp(mod, p->mark) && seen_has(p, buf_text(&key)))
			continue;
		(*records)++;
		if (*mod && (cmp = strcmp(mod, p->maxmod)) >= 0) {
			if (cmp > 0) {   /* a newer instant: the records at it start again */
				snprintf(p->maxmod, sizeof p->maxmod, "%s", mod);
				buf_clear(&p->atmax);
			}
			if (key.len) {
				buf_add(&p->atmax, key.p, key.len);
				buf_add(&p->atmax, "\n", 1);
			}
		}
		if (!delta && status && !strcmp(status, "tobedeleted"))
			continue;   /* a bulk is what is: the gone are simply absent */
		for (int c = 0; rf->cols[c].csv; c++) {
			buf_clear(cell);
			if (*mod && !strcmp(rf->cols[c].json, "dateLastModified"))
				buf_str(cell, mod);   /* one form, so the importer's comparison holds */
			else
				cell_value(o, &rf->cols[c], cell);
			csv_cell(f, buf_text(cell), c == 0);
		}
		fputc('\n', f);
		(*rows)++;
	}
	json_object_put(root);
	free(key.p);
	if (st == CR_OK && (cell->oom || p->atmax.oom))
		st = cr_fail(p->err, CR_ENOMEM, "out of memory");
	return st;
}

enum cr_status roster_pull_rest_page(const char *endpoint, const char *text, size_t len, int delta, FILE *csv,
				     long *rows, struct cr_err *err)
{
	struct pull p = { .err = err };
	struct buf cell = { 0 };
	long records = 0;
	size_t n;
	enum cr_status st;

	*rows = 0;
	for (size_t i = 0; i < REST_NFILES; i++)
		if (!strcmp(rest_files[i].endpoint, endpoint)) {
			st = rest_page(&p, &rest_files[i], text, len, delta, csv, &cell, rows, &records, &n);
			free(cell.p);
			free(p.atmax.p);
			return st;
		}
	return cr_fail(err, CR_EUSAGE, "no OneRoster collection %s", endpoint);
}

static enum cr_status rest_token(struct pull *p, const char *token_url)
{
	const struct sync_settings *s = p->s;
	const char *csecret = pull_secret("CARDROLL_ROSTER_CLIENT_SECRET", s->roster_client_secret);
	enum cr_status st = CR_OK;
	long code = 0;

	if (!*s->roster_client_id || !*csecret)
		return cr_fail(p->err, CR_ECONFIG, "[sync] roster_auth = oauth2 needs roster_client_id and "
			       "roster_client_secret (or CARDROLL_ROSTER_CLIENT_SECRET)");
	for (int attempt = 0; attempt < 2; attempt++) {
		struct buf form = { 0 };
		char *a = curl_easy_escape(p->curl, SCOPE_CORE, 0), *b = curl_easy_escape(p->curl, SCOPE_DEMO, 0);
		struct json_object *root;
		const char *tok;

		/* core and demographics (birth dates); core alone if that is refused */
		buf_str(&form, "grant_type=client_credentials&scope=");
		buf_str(&form, a ? a : "");
		if (!attempt) {
			buf_str(&form, "%20");
			buf_str(&form, b ? b : "");
		}
		curl_free(a);
		curl_free(b);
		if (form.oom) {
			free(form.p);
			return cr_fail(p->err, CR_ENOMEM, "out of memory");
		}
		curl_easy_setopt(p->curl, CURLOPT_USERNAME, s->roster_client_id);
		curl_easy_setopt(p->curl, CURLOPT_PASSWORD, csecret);
		curl_easy_setopt(p->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, form.p);
		st = pull_perform(p, token_url, NULL, &code, "the token request");
		curl_easy_setopt(p->curl, CURLOPT_USERNAME, NULL);
		curl_easy_setopt(p->curl, CURLOPT_PASSWORD, NULL);
		curl_easy_setopt(p->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_NONE);
		curl_easy_setopt(p->curl, CURLOPT_HTTPGET, 1L);
		free(form.p);
		if (st != CR_OK)
			return st;
		if (code == 400 && !attempt && p->mem.len && strstr(buf_text(&p->mem), "invalid_scope"))
			continue;   /* no demographics for this client: ask for the core alone */
		if (code == 400 || code == 401 || code == 403)
			return cr_fail(p->err, CR_ECONFIG, "the roster server refused the credentials (HTTP %ld from the "
				       "token endpoint; check [sync] roster_client_id and roster_client_secret or "
				       "CARDROLL_ROSTER_CLIENT_SECRET)", code);
		if (code != 200)
			return pull_http_fail(p, code, "the token request");
		root = jsonc_parse(buf_text(&p->mem), p->mem.len, NULL, 0);
		tok = jsonc_get_str(root, "access_token");
		if (!tok || !*tok || strpbrk(tok, "\r\n")) {
			json_object_put(root);
			return cr_fail(p->err, CR_EUNAVAILABLE, "the token endpoint's answer has no access_token");
		}
		if (p->bearer) {
			pull_wipe(p->bearer, strlen(p->bearer));
			free(p->bearer);
		}
		if ((p->bearer = malloc(strlen(tok) + 32)))
			sprintf(p->bearer, "Authorization: Bearer %s", tok);
		pull_wipe((char *)tok, strlen(tok));
		json_object_put(root);
		pull_wipe(p->mem.p, p->mem.len);
		return p->bearer ? CR_OK : cr_fail(p->err, CR_ENOMEM, "out of memory");
	}
	return cr_fail(p->err, CR_ECONFIG, "the roster server refused the token request");
}

/* One collection, every page, as a CSV file. *rows gets the rows written;
 * *absent is set when an optional collection is not shared. */
static enum cr_status rest_collection(struct pull *p, const char *base, const char *token_url,
				      const struct rest_file *rf, const char *filter, int delta,
				      long *rows, int *absent, long *records)
{
	struct buf url = { 0 }, cell = { 0 };
	long long offset = 0;
	enum cr_status st = CR_OK;
	int refreshed = 0;
	char what[64];
	FILE *f;

	*rows = 0;
	*absent = 0;
	snprintf(what, sizeof what, "/%s", rf->endpoint);
	if (!(f = pull_tmp_open(p->dir, rf->csv, p->err)))
		return p->err->status;
	for (int c = 0; rf->cols[c].csv; c++)
		csv_cell(f, rf->cols[c].csv, c == 0);
	fputc('\n', f);

	for (long page = 0;; page++) {
		struct curl_slist *hdrs = NULL;
		char num[96];
		long code = 0;
		size_t n;

		if (page >= PULL_MAX_PAGES) {
			st = cr_fail(p->err, CR_EDATA, "the roster server kept sending pages of %s (more than %d); "
				     "stopped", rf->endpoint, PULL_MAX_PAGES);
			break;
		}
		buf_clear(&url);
		buf_str(&url, base);
		buf_str(&url, "/");
		buf_str(&url, rf->endpoint);
		snprintf(num, sizeof num, "?limit=%d&offset=%lld&sort=sourcedId&orderBy=asc", PULL_PAGE_LIMIT, offset);
		buf_str(&url, num);
		if (filter) {
			buf_str(&url, "&filter=");
			buf_str(&url, filter);
		}
		if (url.oom) {
			st = cr_fail(p->err, CR_ENOMEM, "out of memory");
			break;
		}
		if (p->bearer)
			hdrs = curl_slist_append(hdrs, p->bearer);
		hdrs = curl_slist_append(hdrs, "Accept: application/json");
		st = pull_perform(p, url.p, hdrs, &code, what);
		curl_slist_free_all(hdrs);
		if (st != CR_OK)
			break;
		if (code == 401 && token_url && !refreshed) {   /* the token ran out: one new one */
			refreshed = 1;
			if ((st = rest_token(p, token_url)) != CR_OK)
				break;
			page--;
			continue;
		}
		if (rf->optional && page == 0 && (code == 403 || code == 404)) {
			*absent = 1;
			break;
		}
		if (code != 200) {
			st = pull_http_fail(p, code, what);
			break;
		}
		if ((st = rest_page(p, rf, buf_text(&p->mem), p->mem.len, delta, f, &cell, rows, records, &n)) != CR_OK)
			break;
		offset += (long long)n;
		if (n == 0 || (p->total >= 0 && offset >= p->total))
			break;
	}
	if (fclose(f) != 0 && st == CR_OK)
		st = cr_fail(p->err, CR_ECANTCREATE, "cannot write %s in %s: %s", rf->csv, p->dir, strerror(errno));
	free(url.p);
	free(cell.p);
	return st;
}

/* The delta mark to keep: the newest instant and the records applied at it
 * (with the last pull's when the instant did not move). */
static enum cr_status mark_keep(struct pull *p, struct source_state *now)
{
	struct buf all = { 0 };

	snprintf(now->last_delta_at, sizeof now->last_delta_at, "%s", p->maxmod);
	if (!strcmp(p->maxmod, p->mark))
		for (size_t i = 0; i < p->nseen; i++) {
			buf_str(&all, p->seen[i]);
			buf_add(&all, "\n", 1);
		}
	buf_add(&all, p->atmax.p ? p->atmax.p : "", p->atmax.len);
	if (all.oom) {
		free(all.p);
		return cr_fail(p->err, CR_ENOMEM, "out of memory");
	}
	now->delta_seen = all.p;
	return CR_OK;
}

enum cr_status pull_rest(struct cr_db *db, struct pull *p, struct roster_pull_result *r)
{
	const struct sync_settings *s = p->s;
	struct source_state ss;
	char base[1024], *filter = NULL;
	int delta, modes[REST_NFILES];
	long rows[REST_NFILES];
	enum cr_status st;
	FILE *mf;
	size_t n;

	snprintf(base, sizeof base, "%.*s", (int)strcspn(s->roster_url, "?#"), s->roster_url);
	for (n = strlen(base); n > 0 && base[n - 1] == '/'; n--)
		base[n - 1] = '\0';
	/* OneRoster does not say where the token endpoint is: no guessing */
	if (!strcmp(s->roster_auth, "oauth2") && !*s->roster_token_url)
		return cr_fail(p->err, CR_ECONFIG, "%s%s[sync] roster_auth = oauth2 needs roster_token_url, the roster "
			       "server's OAuth2 token endpoint (from its documentation, e.g. "
			       "https://sis.example.org/oauth/token)", s->roster_auth_at, *s->roster_auth_at ? ": " : "");
	if ((st = pull_source_load(db, p->shown, &ss, p->err)) != CR_OK)
		return st;
	/* the mark as UTC with microseconds (an older cardroll kept the
	 * server's text); one that is no date and time means a bulk pull */
	if (*ss.last_delta_at && !pull_ts_canon(ss.last_delta_at, p->mark, sizeof p->mark))
		p->mark[0] = '\0';
	delta = *p->mark != '\0';
	if (delta && ss.delta_seen && (st = seen_load(p, ss.delta_seen)) != CR_OK)
		goto out;
	snprintf(r->mode, sizeof r->mode, "%s", delta ? "delta" : "bulk");

	if (!strcmp(s->roster_auth, "oauth2") && (st = rest_token(p, s->roster_token_url)) != CR_OK)
		goto out;
	if (delta) {
		char expr[128];

		snprintf(expr, sizeof expr, "dateLastModified>='%s'", p->mark);
		if (!(filter = curl_easy_escape(p->curl, expr, 0))) {
			st = cr_fail(p->err, CR_ENOMEM, "out of memory");
			goto out;
		}
	}
	if ((st = pull_tmp_make(p->dir, sizeof p->dir, p->err)) != CR_OK)
		goto out;
	snprintf(p->maxmod, sizeof p->maxmod, "%s", p->mark);

	for (size_t i = 0; i < REST_NFILES; i++) {
		int absent = 0;

		st = rest_collection(p, base, !strcmp(s->roster_auth, "oauth2") ? s->roster_token_url : NULL,
				     &rest_files[i], filter, delta, &rows[i], &absent, &r->records);
		if (st != CR_OK)
			goto out;
		modes[i] = absent || (delta && rows[i] == 0) ? 0 : 1;
		if (!modes[i]) {   /* absent in the manifest: no file either */
			char path[4352];

			snprintf(path, sizeof path, "%s/%s", p->dir, rest_files[i].csv);
			unlink(path);
		}
		if (absent && !strcmp(rest_files[i].endpoint, "demographics"))
			r->skipped_demographics = 1;
	}
	if (delta && r->records == 0) {   /* nothing changed since the last pull */
		r->unchanged = 1;
		pull_http_date_local("", ss.pulled_at, r->since, sizeof r->since);
		goto out;
	}
	if (!(mf = pull_tmp_open(p->dir, "manifest.csv", p->err))) {
		st = p->err->status;
		goto out;
	}
	fputs("propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n", mf);
	for (size_t i = 0; i < REST_NFILES; i++)
		fprintf(mf, "%s,%s\n", rest_files[i].manifest, !modes[i] ? "absent" : delta ? "delta" : "bulk");
	fputs("source.systemName,OneRoster 1.2 REST\n", mf);
	if (fclose(mf) != 0) {
		st = cr_fail(p->err, CR_ECANTCREATE, "cannot write the manifest in %s: %s", p->dir, strerror(errno));
		goto out;
	}
	st = pull_run_import(db, p, p->dir, r, p->err);
	{
		struct cr_err e2 = { 0 };
		int ok = st == CR_OK && !strcmp(r->summary.outcome, "ok") && !r->summary.dry_run;
		struct source_state now = { .pulled_at = 0 };
		enum cr_status st2 = ok ? mark_keep(p, &now) : CR_OK;

		if (st2 == CR_OK)
			st2 = pull_source_save(db, p->shown, &now, ok, r->summary.run_id, &e2);
		else
			e2 = *p->err;
		pull_source_clear(&now);
		if (st == CR_OK && st2 != CR_OK) {
			*p->err = e2;
			st = st2;
		}
	}
out:
	curl_free(filter);
	free(p->seen);
	p->seen = NULL;
	p->nseen = 0;
	free(p->atmax.p);
	memset(&p->atmax, 0, sizeof p->atmax);
	pull_source_clear(&ss);
	return st;
}
