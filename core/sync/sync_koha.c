/* sync_koha: the `koha` sync target, Koha's REST API (POST /api/v1/patrons)
 * over libcurl, with Basic or OAuth2 client-credentials auth (DESIGN §7).
 * Nothing here logs: credentials and children's data stay out of messages. */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "text/buf.h"
#include "text/jsonc.h"
#include "text/text.h"
#include "sync.h"

#define KOHA_BODY_MAX (4u << 20)    /* a patron list for one card is tiny */
#define KOHA_REASON_MAX 200         /* Koha's own words, clipped */

/* ---- reading Koha's answers (json-c, through text/jsonc.h) ---------------- */

/* Member key of obj as text, into out: a string as decoded, a number in
 * its shortest round-trip spelling, true/false as words; "" when absent,
 * null, not a scalar, or (for a number) too long for out. A string
 * "null" counts as null, as it always did here. */
static void koha_text(const struct json_object *obj, const char *key, char *out, size_t len)
{
	const struct json_object *v = jsonc_get(obj, key);
	double d;
	int n = 0;

	if (!len)
		return;
	out[0] = '\0';
	if (!v)
		return;
	if (jsonc_is(v, json_type_string)) {
		snprintf(out, len, "%s", jsonc_str(v));
	} else if (jsonc_is(v, json_type_boolean)) {
		n = snprintf(out, len, "%s", json_object_get_boolean(v) ? "true" : "false");
	} else if (jsonc_num(v, &d)) {
		if (d > -9007199254740992.0 && d < 9007199254740992.0 && (double)(long long)d == d)
			n = snprintf(out, len, "%lld", (long long)d);
		else
			for (int prec = 15; prec <= 17; prec++)
				if ((n = snprintf(out, len, "%.*g", prec, d)) < 0 || (size_t)n >= len ||
				    strtod(out, NULL) == d)
					break;
	}
	if (n < 0 || (size_t)n >= len || !strcmp(out, "null"))
		out[0] = '\0';
}

/* The i-th element of an array (only an array), or NULL. */
static const struct json_object *koha_index(const struct json_object *v, size_t i)
{
	return jsonc_at(v, i);
}
/* ---- the target ------------------------------------------------------------ */

struct koha {
	struct sync_settings s;
	CURL              *curl;
	CURLSH            *share;              /* the connection cache the handles share */
	char               base[1024];         /* the URL without a trailing slash */
	char               token[2048];        /* oauth2 */
	long long          token_until;
	/* the last answer */
	long               status;
	struct buf         body;
	struct json_object *doc;               /* body parsed, once read (koha_json) */
	int                parsed;
	char               location[256];
	int                retry_after;
};

static size_t koha_write(char *data, size_t size, size_t n, void *ctx)
{
	struct koha *k = ctx;

	if (k->body.len + size * n > KOHA_BODY_MAX)
		return 0;
	buf_add(&k->body, data, size * n);
	return k->body.oom ? 0 : size * n;
}

/* Retry-After: delta-seconds or an HTTP-date. */
static int koha_retry_after(const char *v)
{
	char *end;
	long n;

	while (*v == ' ')
		v++;
	n = strtol(v, &end, 10);
	if (end != v && (*end == '\0' || *end == ' ' || *end == '\r' || *end == '\n'))
		return n < 0 ? 0 : n > 7 * 86400 ? 7 * 86400 : (int)n;
	{
		char date[128];
		size_t len = strcspn(v, "\r\n");
		time_t t;

		if (len >= sizeof date)
			return 0;
		memcpy(date, v, len);
		date[len] = '\0';
		t = curl_getdate(date, NULL);
		if (t <= 0)
			return 0;
		t -= time(NULL);
		return t < 0 ? 0 : t > 7 * 86400 ? 7 * 86400 : (int)t;
	}
}

static size_t koha_header(char *data, size_t size, size_t n, void *ctx)
{
	struct koha *k = ctx;
	size_t len = size * n;
	char line[512];

	if (len >= sizeof line)
		return len;
	memcpy(line, data, len);
	line[len] = '\0';
	if (!strncasecmp(line, "HTTP/", 5)) {
		/* a new response (after 100 Continue, say): forget the last one's headers */
		k->location[0] = '\0';
		k->retry_after = 0;
	} else if (!strncasecmp(line, "Retry-After:", 12)) {
		k->retry_after = koha_retry_after(line + 12);
	} else if (!strncasecmp(line, "Location:", 9)) {
		const char *v = line + 9;

		while (*v == ' ')
			v++;
		snprintf(k->location, sizeof k->location, "%.*s", (int)strcspn(v, "\r\n"), v);
	}
	return len;
}

/* The sentence for a transfer that got no HTTP answer. */
static void koha_curl_reason(CURLcode rc, char *out, size_t len)
{
	if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
	    rc == CURLE_SSL_CONNECT_ERROR)
		snprintf(out, len, "the library system's TLS certificate was not accepted (check [sync] url and "
			 "ca_file): %s", curl_easy_strerror(rc));
	else
		snprintf(out, len, "the library system did not answer: %s", curl_easy_strerror(rc));
}

/* One request. CURLE_OK when an HTTP answer came (k->status, k->body). */
static CURLcode koha_request(struct koha *k, const char *method, const char *path, const char *ctype,
			     const char *body, const char *const *extra, int auth, long timeout_ms)
{
	struct curl_slist *hdr = NULL;
	char url[2048 + 1024], authz[2100];
	CURLcode rc;

	buf_free(&k->body);
	json_object_put(k->doc);
	k->doc = NULL;
	k->parsed = 0;
	k->status = 0;
	k->location[0] = '\0';
	k->retry_after = 0;
	snprintf(url, sizeof url, "%s%s", k->base, path);
	/* A fresh easy handle for every request, sharing one connection cache
	 * (keep-alive is kept): libcurl 7.88 (Debian 12) reads freed memory when a
	 * reply on a reused handle starts its headers with a folded (indented)
	 * line, which a broken or hostile server can send (found by
	 * tests/fuzz/fuzz_koha, fuzz_webhook and fuzz_rest). */
	{
		CURL *fresh = curl_easy_init();

		if (!fresh)
			return CURLE_OUT_OF_MEMORY;
		curl_easy_cleanup(k->curl);
		k->curl = fresh;
		curl_easy_setopt(k->curl, CURLOPT_SHARE, k->share);
	}
	curl_easy_setopt(k->curl, CURLOPT_URL, url);
	curl_easy_setopt(k->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(k->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(k->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(k->curl, CURLOPT_WRITEFUNCTION, koha_write);
	curl_easy_setopt(k->curl, CURLOPT_WRITEDATA, k);
	curl_easy_setopt(k->curl, CURLOPT_HEADERFUNCTION, koha_header);
	curl_easy_setopt(k->curl, CURLOPT_HEADERDATA, k);
	curl_easy_setopt(k->curl, CURLOPT_USERAGENT, "cardroll/" CR_VERSION);
	if (k->s.ca_file[0])
		curl_easy_setopt(k->curl, CURLOPT_CAINFO, k->s.ca_file);
	if (k->s.insecure) {
		curl_easy_setopt(k->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(k->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	hdr = curl_slist_append(hdr, "Accept: application/json");
	/* No "Expect: 100-continue" round trip for bigger bodies. */
	hdr = curl_slist_append(hdr, "Expect:");
	if (ctype) {
		char h[128];

		snprintf(h, sizeof h, "Content-Type: %s", ctype);
		hdr = curl_slist_append(hdr, h);
	}
	for (int i = 0; extra && extra[i]; i++)
		hdr = curl_slist_append(hdr, extra[i]);
	if (auth && !strcmp(k->s.auth, "oauth2")) {
		snprintf(authz, sizeof authz, "Authorization: Bearer %s", k->token);
		hdr = curl_slist_append(hdr, authz);
	} else if (auth) {
		curl_easy_setopt(k->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(k->curl, CURLOPT_USERNAME, k->s.user);
		curl_easy_setopt(k->curl, CURLOPT_PASSWORD, k->s.password);
	}
	curl_easy_setopt(k->curl, CURLOPT_HTTPHEADER, hdr);
	if (!strcmp(method, "GET")) {
		curl_easy_setopt(k->curl, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(k->curl, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(k->curl, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
		if (strcmp(method, "POST"))
			curl_easy_setopt(k->curl, CURLOPT_CUSTOMREQUEST, method);
	}
	rc = curl_easy_perform(k->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &k->status);
	memset(authz, 0, sizeof authz);
	curl_slist_free_all(hdr);
	return rc;
}

static const char *koha_body(const struct koha *k)
{
	return k->body.p ? k->body.p : "";
}

/* The last answer as JSON (parsed on first use; up to a NUL byte), or NULL
 * when it is not JSON. */
static const struct json_object *koha_json(struct koha *k)
{
	if (!k->parsed) {
		const char *body = koha_body(k);

		k->parsed = 1;
		k->doc = jsonc_parse(body, strlen(body), NULL, 0);
	}
	return k->doc;
}

/* OAuth2 client credentials: a token, kept until shortly before it ends. */
static CURLcode koha_token(struct koha *k, int fresh, char *why, size_t len)
{
	struct buf form = { 0 };
	char *id, *secret, expires[32];
	CURLcode rc;

	if (!fresh && k->token[0] && (long long)time(NULL) < k->token_until)
		return CURLE_OK;
	memset(k->token, 0, sizeof k->token);
	id = curl_easy_escape(k->curl, k->s.client_id, 0);
	secret = curl_easy_escape(k->curl, k->s.client_secret, 0);
	if (!id || !secret) {
		curl_free(id);
		curl_free(secret);
		snprintf(why, len, "out of memory");
		return CURLE_OUT_OF_MEMORY;
	}
	buf_str(&form, "grant_type=client_credentials&client_id=");
	buf_str(&form, id);
	buf_str(&form, "&client_secret=");
	buf_str(&form, secret);
	memset(secret, 0, strlen(secret));
	curl_free(id);
	curl_free(secret);
	if (form.oom) {
		buf_free(&form);
		snprintf(why, len, "out of memory");
		return CURLE_OUT_OF_MEMORY;
	}
	rc = koha_request(k, "POST", "/api/v1/oauth/token", "application/x-www-form-urlencoded", form.p, NULL, 0,
			  k->s.timeout_ms);
	memset(form.p, 0, form.len);
	buf_free(&form);
	if (rc != CURLE_OK) {
		koha_curl_reason(rc, why, len);
		return rc;
	}
	if (k->status == 200)
		koha_text(koha_json(k), "access_token", k->token, sizeof k->token);
	if (!k->token[0]) {
		snprintf(why, len, "the library system gave no OAuth2 token (HTTP %ld)", k->status);
		return CURLE_OK;
	}
	koha_text(koha_json(k), "expires_in", expires, sizeof expires);
	{
		/* Renewed 30 s before the end; a lifetime of 0 or none (a server
		 * that does not say) counts as an hour: a refused token is fetched
		 * again anyway (koha_call). */
		long life = expires[0] ? atol(expires) : 0;

		if (life <= 0)
			life = 3600;
		k->token_until = (long long)time(NULL) + (life > 60 ? life - 30 : life / 2);
	}
	return CURLE_OK;
}

/* A request with auth: with OAuth2 a refused token is fetched again once. */
static CURLcode koha_call(struct koha *k, const char *method, const char *path, const char *body,
			  const char *const *extra, long timeout_ms, char *why, size_t len)
{
	int oauth = !strcmp(k->s.auth, "oauth2");
	CURLcode rc;

	for (int round = 0; round < 2; round++) {
		if (oauth) {
			if ((rc = koha_token(k, round > 0, why, len)) != CURLE_OK)
				return rc;
			if (!k->token[0]) {
				k->status = 401;  /* no token: the credentials were refused */
				return CURLE_OK;
			}
		}
		rc = koha_request(k, method, path, body ? "application/json" : NULL, body, extra, 1, timeout_ms);
		if (rc != CURLE_OK) {
			koha_curl_reason(rc, why, len);
			return rc;
		}
		if (!oauth || (k->status != 401 && k->status != 403))
			return CURLE_OK;
	}
	return CURLE_OK;
}

/* Koha's "error" sentence, clipped and made plain. */
static void koha_error_text(struct koha *k, char *out, size_t len)
{
	char text[KOHA_REASON_MAX + 1];

	koha_text(koha_json(k), "error", text, sizeof text);
	for (char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	snprintf(out, len, "%s", text);
}

static int koha_set(struct sync_result *r, enum sync_outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int koha_set(struct sync_result *r, enum sync_outcome o, const char *fmt, ...)
{
	va_list ap;

	char *safe;

	r->outcome = o;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	/* The reason quotes the server (its error text, the conflicting field)
	 * and is shown on a terminal (sync --parked, the desk's F4): no
	 * control byte of the server's reaches it (found by tests/fuzz/fuzz_koha). */
	if ((safe = text_inert(r->reason, 0)) != NULL) {
		snprintf(r->reason, sizeof r->reason, "%s", safe);
		free(safe);
	}
	return 0;
}

/* What a status that is not the one hoped for means for the event. */
static void koha_classify(struct koha *k, const char *what, struct sync_result *r)
{
	char text[KOHA_REASON_MAX + 1];

	koha_error_text(k, text, sizeof text);
	r->http_status = (int)k->status;
	if (k->status == 401 || k->status == 403) {
		koha_set(r, SYNC_STOP, "the library system refused cardroll's credentials (HTTP %ld): check [sync] user/password (or client_id/client_secret)", k->status);
	} else if (k->status == 429 || k->status == 503) {
		koha_set(r, SYNC_RETRY, "the library system is busy (HTTP %ld)", k->status);
		r->retry_after_s = k->retry_after;
	} else if (k->status >= 500) {
		koha_set(r, SYNC_RETRY, "the library system failed %s (HTTP %ld)%s%s", what, k->status,
			 text[0] ? ": " : "", text);
	} else if (k->status == 404) {
		koha_set(r, SYNC_RETRY, "the library system has no patron API here (HTTP 404): check [sync] url");
	} else if (k->status == 400) {
		koha_set(r, SYNC_PARK, "the library system refused %s: %s", what, text[0] ? text : "bad request");
	} else {
		koha_set(r, SYNC_PARK, "the library system refused %s (HTTP %ld)%s%s", what, k->status,
			 text[0] ? ": " : "", text);
	}
}

/* The patron object as Koha's POST/PUT want it: only fields patron.yaml
 * knows (it rejects others). expiry overrides the card's date (a void).
 * The student ID attribute goes only on a POST (with_attrs): Koha's PUT
 * hands the body to Koha::Patron->set_from_api, which has no
 * extended_attributes column and throws, a 500 (only POST takes them
 * apart, Koha::REST::V1::Patrons::add). */
static char *koha_patron_json(const struct koha *k, const struct sync_item *it, const char *expiry, int with_card,
			      int with_attrs)
{
	struct json_object *o = json_object_new_object(), *attrs, *attr;
	int bad = !o;

	bad |= jsonc_add_str(o, "surname", it->family);
	bad |= jsonc_add_str(o, "firstname", it->given);
	if (with_card)
		bad |= jsonc_add_str_nonempty(o, "cardnumber", it->card);
	bad |= jsonc_add_str(o, "library_id", k->s.library_id);
	bad |= jsonc_add_str(o, "category_id", it->category[0] ? it->category : k->s.category);
	bad |= jsonc_add_str_nonempty(o, "date_of_birth", it->birth_date);
	bad |= jsonc_add_str_nonempty(o, "expiry_date", expiry);
	if (with_attrs && k->s.attribute[0] && it->student_number[0]) {
		attrs = json_object_new_array();
		attr = json_object_new_object();
		bad |= jsonc_add_str(attr, "type", k->s.attribute);
		bad |= jsonc_add_str(attr, "value", it->student_number);
		bad |= jsonc_push(attrs, attr);
		bad |= jsonc_add(o, "extended_attributes", attrs);
	}
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return jsonc_take(o, NULL);
}

/* The patron record found for a query (struct sync_koha_patron, sync.h):
 * the first of the list (a card number or a unique attribute matches at
 * most one). */
static void koha_patron_read(const char *attribute, const struct json_object *obj, struct sync_koha_patron *p)
{
	const struct json_object *attrs = jsonc_get(obj, "extended_attributes");

	koha_text(obj, "patron_id", p->id, sizeof p->id);
	koha_text(obj, "cardnumber", p->card, sizeof p->card);
	koha_text(obj, "surname", p->surname, sizeof p->surname);
	koha_text(obj, "firstname", p->firstname, sizeof p->firstname);
	for (size_t i = 0; attrs && attribute[0]; i++) {
		const struct json_object *a = koha_index(attrs, i);
		char type[64];

		if (!a)
			break;
		koha_text(a, "type", type, sizeof type);
		if (!strcmp(type, attribute)) {
			koha_text(a, "value", p->student, sizeof p->student);
			break;
		}
	}
}

/* The first patron of a reply; 1 when it has an id. */
static int koha_first_patron(const struct json_object *doc, const char *attribute, struct sync_koha_patron *p)
{
	const struct json_object *first = koha_index(doc, 0);

	memset(p, 0, sizeof *p);
	if (!first && jsonc_get(doc, "patron_id"))
		first = doc;
	if (first)
		koha_patron_read(attribute, first, p);
	return p->id[0] != '\0';
}

int sync_koha_read_patron(const char *text, const char *attribute, struct sync_koha_patron *p)
{
	struct json_object *doc = jsonc_parse(text, strlen(text), NULL, 0);
	int found = koha_first_patron(doc, attribute ? attribute : "", p);

	json_object_put(doc);
	return found;
}

/* GET /patrons with a filter. CURLE_OK with *found when a patron came back. */
static CURLcode koha_find(struct koha *k, const char *query, struct sync_koha_patron *p, int *found, char *why,
			  size_t len)
{
	static const char *const embed[] = { "x-koha-embed: extended_attributes", NULL };
	char path[1024];
	CURLcode rc;

	*found = 0;
	snprintf(path, sizeof path, "/api/v1/patrons?%s", query);
	if ((rc = koha_call(k, "GET", path, NULL, embed, k->s.timeout_ms, why, len)) != CURLE_OK)
		return rc;
	if (k->status != 200)
		return CURLE_OK;
	*found = koha_first_patron(koha_json(k), k->s.attribute, p);
	return CURLE_OK;
}

static CURLcode koha_find_card(struct koha *k, const char *card, struct sync_koha_patron *p, int *found, char *why,
			       size_t len)
{
	char query[512], *esc = curl_easy_escape(k->curl, card, 0);
	CURLcode rc;

	if (!esc)
		return CURLE_OUT_OF_MEMORY;
	snprintf(query, sizeof query, "cardnumber=%s&_match=exact", esc);
	curl_free(esc);
	rc = koha_find(k, query, p, found, why, len);
	/* Only the very card: _match=exact is a hint some versions ignore. */
	if (rc == CURLE_OK && *found && p->card[0] && strcmp(p->card, card))
		*found = 0;
	return rc;
}

/* The same child: the student ID attribute says so, or, without it, the
 * same names. */
static int koha_same_child(const struct sync_koha_patron *p, const struct sync_item *it)
{
	if (p->student[0] && it->student_number[0])
		return !strcmp(p->student, it->student_number);
	return !strcmp(p->surname, it->family) && !strcmp(p->firstname, it->given);
}

/* A network failure: the item waits; CURLE_COULDNT_CONNECT and friends
 * are told apart by the caller. */
static void koha_net(struct sync_result *r, const char *why)
{
	koha_set(r, SYNC_RETRY, "%s", why);
}

/* What staff do about a likely duplicate when Koha's patron API cannot be
 * told "not a duplicate" (README, Syncing: no Koha version read acts on
 * x-confirm-not-duplicate for patrons): make the patron in Koha by hand,
 * where the staff client asks about duplicates itself; cardroll's next try
 * finds it by the card number and links to it. */
static void koha_by_hand(struct sync_result *r, const struct sync_item *it, const char *first)
{
	koha_set(r, SYNC_PARK, "%s; Koha cannot be told \"not a duplicate\" ([sync] koha_confirm_duplicates "
		 "= no): the same child: give that patron card %s in Koha; a different child: add the patron in "
		 "Koha by hand with card %s; then sync --confirm %lld (or r in F4) links to it", first, it->card,
		 it->card, it->outbox_id);
}

static CURLcode koha_signup(struct koha *k, const struct sync_item *it, struct sync_result *r)
{
	char why[300], path[128];
	const char *const confirm[] = { "x-confirm-not-duplicate: 1", NULL };
	struct sync_koha_patron p;
	char *body;
	int found = 0;
	CURLcode rc;

	if (!k->s.library_id[0] || !(it->category[0] || k->s.category[0])) {
		koha_set(r, SYNC_PARK, "no library or patron category for the library system: set [sync] library_id "
			 "and category (or [categories])");
		return CURLE_OK;
	}
	if (!(body = koha_patron_json(k, it, it->expires, 1, 1)))
		return CURLE_OUT_OF_MEMORY;

	/* A new card for a child the ILS knows: update that patron (a body
	 * without the attribute, which the patron keeps). */
	if (it->remote_id[0] && strspn(it->remote_id, "0123456789") == strlen(it->remote_id)) {
		char *put = koha_patron_json(k, it, it->expires, 1, 0);

		if (!put) {
			free(body);
			return CURLE_OUT_OF_MEMORY;
		}
		snprintf(path, sizeof path, "/api/v1/patrons/%s", it->remote_id);
		rc = koha_call(k, "PUT", path, put, NULL, k->s.timeout_ms, why, sizeof why);
		free(put);
		if (rc != CURLE_OK)
			goto net;
		if (k->status == 200) {
			r->outcome = SYNC_DONE;
			snprintf(r->remote_id, sizeof r->remote_id, "%s", it->remote_id);
			goto out;
		}
		if (k->status != 404) {
			koha_classify(k, "the new card", r);
			goto out;
		}
		/* The patron is gone: make a new one. */
	}

	/* Sent before (a crash after the ILS answered)? Then link, not create. */
	if (it->card[0]) {
		if ((rc = koha_find_card(k, it->card, &p, &found, why, sizeof why)) != CURLE_OK)
			goto net;
		if (k->status == 401 || k->status == 403) {
			koha_classify(k, "the lookup", r);
			goto out;
		}
		if (found && koha_same_child(&p, it)) {
			r->outcome = SYNC_DONE;
			snprintf(r->remote_id, sizeof r->remote_id, "%s", p.id);
			goto out;
		}
	}

	/* Staff said "a different child", but this Koha would not hear it:
	 * sending the same body again only meets the same 409. */
	if (it->confirm_not_duplicate && !k->s.koha_confirm_duplicates) {
		koha_by_hand(r, it, "the library system has no patron with this card yet");
		goto out;
	}
	if ((rc = koha_call(k, "POST", "/api/v1/patrons", body, it->confirm_not_duplicate ? confirm : NULL,
			    k->s.timeout_ms, why, sizeof why)) != CURLE_OK)
		goto net;
	if (k->status == 201 || k->status == 200) {
		const struct json_object *obj = koha_index(koha_json(k), 0);

		koha_text(obj ? obj : koha_json(k), "patron_id", r->remote_id, sizeof r->remote_id);
		if (!r->remote_id[0] && k->location[0]) {
			const char *slash = strrchr(k->location, '/');

			snprintf(r->remote_id, sizeof r->remote_id, "%.63s", slash ? slash + 1 : k->location);
		}
		r->outcome = SYNC_DONE;
		goto out;
	}
	if (k->status == 409) {
		char conflict[64], text[KOHA_REASON_MAX + 1];

		koha_text(koha_json(k), "conflict", conflict, sizeof conflict);
		koha_error_text(k, text, sizeof text);
		if (!strcmp(conflict, "cardnumber")) {
			if ((rc = koha_find_card(k, it->card, &p, &found, why, sizeof why)) != CURLE_OK)
				goto net;
			if (!found)
				koha_set(r, SYNC_RETRY, "the library system says card number %s is taken but does "
					 "not show it", it->card);
			else if (koha_same_child(&p, it)) {
				r->outcome = SYNC_DONE;
				snprintf(r->remote_id, sizeof r->remote_id, "%s", p.id);
			} else {
				koha_set(r, SYNC_PARK, "card number %s belongs to another patron", it->card);
			}
		} else if (it->confirm_not_duplicate) {
			koha_set(r, SYNC_PARK, "the library system still refuses the patron%s%s (it did not act on "
				 "x-confirm-not-duplicate: set [sync] koha_confirm_duplicates = no and add the patron "
				 "in Koha by hand with card %s)", text[0] ? ": " : "", text, it->card);
		} else if (conflict[0]) {
			char first[300];

			snprintf(first, sizeof first, "the library system refused the patron: %.30s already in use%s%.60s",
				 conflict, text[0] ? ": " : "", text);
			if (k->s.koha_confirm_duplicates)
				koha_set(r, SYNC_PARK, "%s", first);
			else
				koha_by_hand(r, it, first);
		} else if (!k->s.koha_confirm_duplicates) {
			koha_by_hand(r, it, "the library system says a patron matching this child already exists");
		} else {
			koha_set(r, SYNC_PARK, "the library system says a patron matching this child already exists; "
				 "if it is a different child, confirm in cardroll (sync --confirm %lld)",
				 it->outbox_id);
		}
		goto out;
	}
	koha_classify(k, "the patron", r);
	goto out;
net:
	koha_net(r, why);
out:
	free(body);
	return rc;
}

/* A voided card: Koha's API has PUT /patrons/{id}, so the patron is
 * expired as of yesterday (Koha blocks an expired card) rather than
 * deleted: loans and history stay with the library. */
static CURLcode koha_void(struct koha *k, const struct sync_item *it, struct sync_result *r)
{
	char why[300], path[128], yesterday[16], id[64];
	time_t t = time(NULL) - 86400;
	struct sync_koha_patron p;
	struct tm tm;
	char *body;
	int found = 0;
	CURLcode rc = CURLE_OK;

	snprintf(id, sizeof id, "%s", it->remote_id);
	if (!id[0] && it->card[0]) {
		if ((rc = koha_find_card(k, it->card, &p, &found, why, sizeof why)) != CURLE_OK) {
			koha_net(r, why);
			return rc;
		}
		if (k->status == 401 || k->status == 403) {
			koha_classify(k, "the lookup", r);
			return CURLE_OK;
		}
		if (found)
			snprintf(id, sizeof id, "%s", p.id);
	}
	if (!id[0]) {
		r->outcome = SYNC_DONE;   /* never reached the ILS: nothing to disable */
		return CURLE_OK;
	}
	localtime_r(&t, &tm);
	strftime(yesterday, sizeof yesterday, "%Y-%m-%d", &tm);
	if (!(body = koha_patron_json(k, it, yesterday, 0, 0)))
		return CURLE_OUT_OF_MEMORY;
	snprintf(path, sizeof path, "/api/v1/patrons/%s", id);
	if ((rc = koha_call(k, "PUT", path, body, NULL, k->s.timeout_ms, why, sizeof why)) != CURLE_OK)
		koha_net(r, why);
	else if (k->status == 200 || k->status == 404) {
		r->outcome = SYNC_DONE;   /* 404: the library removed the patron already */
		snprintf(r->remote_id, sizeof r->remote_id, "%s", id);
	} else if (k->status == 400 || k->status == 409) {
		char text[KOHA_REASON_MAX + 1];

		koha_error_text(k, text, sizeof text);
		koha_set(r, SYNC_PARK, "the library system would not disable card %s (%s): disable it by hand",
			 it->card, text[0] ? text : "refused");
	} else {
		koha_classify(k, "disabling the card", r);
	}
	free(body);
	return rc;
}

/* Consent changes are cardroll's own business: Koha has no field for
 * them, so a "given"/"signed"/"pending" is done with nothing sent. An
 * opt-out after a patron exists needs a person (removing a patron loses
 * the library's loans and fines, so cardroll never deletes): parked. */
static void koha_consent(const struct sync_item *it, struct sync_result *r)
{
	if (!strcmp(it->kind, "optout") && it->remote_id[0])
		koha_set(r, SYNC_PARK, "the family opted out after the card was sent: remove patron %s by hand",
			 it->remote_id);
	else
		r->outcome = SYNC_DONE;
}

static int koha_unreachable(CURLcode rc)
{
	/* Nothing will change by trying the next event: a dead host, or TLS
	 * that cardroll cannot trust (a person must fix the settings). */
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
	       rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
	       rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CONNECT_ERROR;
}

static enum cr_status koha_send(void *state, const struct sync_item *items, int n, struct sync_result *results,
				struct cr_err *err)
{
	struct koha *k = state;
	int i;

	for (i = 0; i < n; i++) {
		struct sync_result *r = &results[i];
		CURLcode rc = CURLE_OK;

		memset(r, 0, sizeof *r);
		if (!strcmp(items[i].kind, "signup"))
			rc = koha_signup(k, &items[i], r);
		else if (!strcmp(items[i].kind, "void"))
			rc = koha_void(k, &items[i], r);
		else
			koha_consent(&items[i], r);
		if (rc == CURLE_OUT_OF_MEMORY)
			koha_set(r, SYNC_RETRY, "out of memory");
		if (koha_unreachable(rc)) {
			if (i == 0)
				return cr_fail(err, CR_EUNAVAILABLE, "%s", r->reason);
			break;   /* the ILS went away: the rest waits too */
		}
		/* Refused credentials, or a server asking for patience: the
		 * rest of the batch is not tried now. */
		if (r->outcome == SYNC_STOP || (r->outcome == SYNC_RETRY && r->retry_after_s > 0))
			break;
	}
	for (int j = i + 1; j < n; j++) {
		results[j] = results[i];
		results[j].remote_id[0] = '\0';
	}
	return CR_OK;
}

static enum cr_status koha_probe(void *state, struct cr_err *err)
{
	struct koha *k = state;
	char why[300];
	CURLcode rc;

	if (!strcmp(k->s.auth, "oauth2") && (rc = koha_token(k, 0, why, sizeof why)) != CURLE_OK)
		return cr_fail(err, CR_EUNAVAILABLE, "%s", why);
	rc = koha_request(k, "GET", "/api/v1/patrons?_per_page=1", NULL, NULL, NULL, 1, k->s.probe_timeout_ms);
	if (rc != CURLE_OK) {
		koha_curl_reason(rc, why, sizeof why);
		return cr_fail(err, CR_EUNAVAILABLE, "%s", why);
	}
	return CR_OK;
}

static enum cr_status koha_lookup(void *state, const char *student_number, const char *card, int *found,
				  char *remote_id, size_t len, struct cr_err *err)
{
	struct koha *k = state;
	struct sync_koha_patron p;
	char why[300];
	CURLcode rc;

	*found = 0;
	if (card && *card) {
		rc = koha_find_card(k, card, &p, found, why, sizeof why);
	} else if (student_number && *student_number && k->s.attribute[0]) {
		struct json_object *q = json_object_new_object();
		struct buf query = { 0 };
		char *text = NULL, *esc;

		if (jsonc_add_str(q, "extended_attributes.type", k->s.attribute) == 0 &&
		    jsonc_add_str(q, "extended_attributes.value", student_number) == 0)
			text = jsonc_take(q, NULL);
		else
			json_object_put(q);
		esc = text ? curl_easy_escape(k->curl, text, 0) : NULL;
		free(text);
		if (!esc)
			return cr_fail(err, CR_ENOMEM, "out of memory");
		buf_str(&query, "q=");
		buf_str(&query, esc);
		curl_free(esc);
		rc = query.oom ? CURLE_OUT_OF_MEMORY : koha_find(k, query.p, &p, found, why, sizeof why);
		buf_free(&query);
		if (rc == CURLE_OK && *found && p.student[0] && strcmp(p.student, student_number))
			*found = 0;
	} else {
		return cr_fail(err, CR_EUSAGE, "a lookup needs a card number or a student ID");
	}
	if (rc != CURLE_OK)
		return cr_fail(err, CR_EUNAVAILABLE, "%s", why);
	if (k->status == 401 || k->status == 403)
		return cr_fail(err, CR_EUNAVAILABLE, "the library system refused cardroll's credentials");
	if (k->status != 200)
		return cr_fail(err, CR_ETEMP, "the library system could not look the child up (HTTP %ld)", k->status);
	if (*found)
		snprintf(remote_id, len, "%s", p.id);
	return CR_OK;
}

static enum cr_status koha_open(const struct sync_settings *s, void **state, struct cr_err *err)
{
	const char *env;
	struct koha *k;
	size_t n;

	*state = NULL;
	if (!s->url[0])
		return cr_fail(err, CR_ECONFIG, "[sync] url is not set: the Koha address, e.g. https://koha.example.org");
	if (strncmp(s->url, "http://", 7) && strncmp(s->url, "https://", 8))
		return cr_fail(err, CR_ECONFIG, "[sync] url must start with https:// (or http:// on loopback)");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cr_fail(err, CR_EINTERNAL, "libcurl would not start");
	if (!(k = calloc(1, sizeof *k)))
		return cr_fail(err, CR_ENOMEM, "out of memory");
	k->s = *s;
	if (!k->s.auth[0])
		snprintf(k->s.auth, sizeof k->s.auth, "basic");
	if ((env = getenv("CARDROLL_SYNC_PASSWORD")) && *env)
		snprintf(k->s.password, sizeof k->s.password, "%s", env);
	if ((env = getenv("CARDROLL_SYNC_CLIENT_SECRET")) && *env)
		snprintf(k->s.client_secret, sizeof k->s.client_secret, "%s", env);
	if (k->s.timeout_ms <= 0)
		k->s.timeout_ms = 10000;
	if (k->s.probe_timeout_ms <= 0)
		k->s.probe_timeout_ms = 2000;
	snprintf(k->base, sizeof k->base, "%s", s->url);
	n = strlen(k->base);
	while (n > 0 && k->base[n - 1] == '/')
		k->base[--n] = '\0';
	if (!strcmp(k->s.auth, "oauth2") && (!k->s.client_id[0] || !k->s.client_secret[0])) {
		free(k);
		return cr_fail(err, CR_ECONFIG, "[sync] auth = oauth2 needs client_id and client_secret "
			       "(or CARDROLL_SYNC_CLIENT_SECRET)");
	}
	if (!(k->curl = curl_easy_init()) || !(k->share = curl_share_init()) ||
	    curl_share_setopt(k->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK) {
		curl_easy_cleanup(k->curl);
		curl_share_cleanup(k->share);
		free(k);
		return cr_fail(err, CR_EINTERNAL, "libcurl would not start");
	}
	*state = k;
	return CR_OK;
}

static void koha_close(void *state)
{
	struct koha *k = state;

	if (!k)
		return;
	curl_easy_cleanup(k->curl);
	curl_share_cleanup(k->share);
	buf_free(&k->body);
	json_object_put(k->doc);
	/* The secrets go with the memory. */
	memset(k, 0, sizeof *k);
	free(k);
}

const struct sync_target sync_target_koha = {
	.name = "koha",
	.open = koha_open,
	.probe = koha_probe,
	.send = koha_send,
	.lookup = koha_lookup,
	.close = koha_close,
};
