/* sync_webhook: the generic JSON webhook target (DESIGN §2.5).
 *
 * One POST per batch to [sync] url:
 *
 *   {"events":[{"id":UUID,"kind":"signup|void|consent|optout","card":...,
 *     "student_id":...,"surname":...,"firstname":...,"date_of_birth":...,
 *     "expiry_date":...,"category":...,"library_id":...,"school":...,
 *     "grade":...,"consent":...}, ...]}          (empty fields left out)
 *
 * Headers:
 *   Content-Type: application/json
 *   Idempotency-Key: UUID1,UUID2,...   one key per event. A batch carries
 *       many events, and a single key for the whole batch would stop a
 *       receiver from telling a replayed event inside a differently-cut
 *       batch; so the header lists every event's id (comma-separated, in
 *       body order) AND each event carries its own "id" in the body. A
 *       receiver should de-duplicate per event id; the header is there for
 *       proxies and logs that only look at headers. (37 bytes an event:
 *       receivers with an 8 KB header limit want [sync] batch <= 200.)
 *   X-Cardroll-Signature: sha256=HEX   HMAC-SHA256 of the exact body bytes
 *       with the shared secret ([sync] secret, or CARDROLL_SYNC_SECRET).
 *
 * Reply: 2xx with {"results":[{"id":UUID,"status":"done|retry|rejected",
 * "remote_id":"...","reason":"...","patron_since":"YYYY-MM-DD"}]} gives
 * each event its outcome (patron_since, optional: the ILS already had the
 * patron the card went to, enrolled that day: carded before) (an
 * event missing from the reply retries). 401/403: stop (bad secret).
 * 429/503: everything retries after Retry-After. Other 5xx, timeouts and
 * resets: everything retries. Other 4xx without per-event results: the
 * batch is parked with the status. When the connection cannot be made at
 * all, send returns CR_EUNAVAILABLE (nothing was sent).
 *
 * Never logged or put in a message: the secret, the body, the reply body
 * (the server's per-event "reason" is kept: staff need it). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "text/buf.h"
#include "text/jsonc.h"
#include "text/text.h"
#include "sync.h"
#include "text/i18n.h"

#define WH_MAX_REPLY (4u << 20)
#ifndef CR_VERSION
#define CR_VERSION "dev"  /* the fuzz build does not pass it */
#endif

struct webhook {
	struct sync_settings s;
	char  secret[256];
	char  host[256];        /* for messages: scheme://host[:port] only */
	CURL *curl;
	CURLSH *share;          /* the connection cache the handles share */
};

struct reply {
	char  *p;
	size_t len;
	int    too_big;
	int    retry_after_s;
};

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* The scheme, host and port of a URL, never its user info, path or query. */
static void url_host(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;

	copy(out, n, "the webhook");
	if (!u)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port)
			snprintf(out, n, "%s://%s:%s", scheme, host, port);
		else
			snprintf(out, n, "%s://%s", scheme, host);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

static enum cr_status wh_open(const struct sync_settings *s, void **state, struct cr_err *err)
{
	const char *env = getenv("CARDROLL_SYNC_SECRET");
	struct webhook *w;

	*state = NULL;
	if (!s->url[0])
		return cr_fail(err, CR_ECONFIG, "the webhook target needs [sync] url");
	if (strncmp(s->url, "https://", 8) != 0 && strncmp(s->url, "http://", 7) != 0)
		return cr_fail(err, CR_ECONFIG, "[sync] url must start with https:// (or http://)");
	w = calloc(1, sizeof(*w));
	if (!w)
		return cr_fail(err, CR_ENOMEM, "out of memory");
	w->s = *s;
	copy(w->secret, sizeof(w->secret), env && *env ? env : s->secret);
	if (!w->secret[0]) {
		free(w);
		return cr_fail(err, CR_ECONFIG,
			       "the webhook target needs a shared secret: [sync] secret or CARDROLL_SYNC_SECRET");
	}
	if (w->s.timeout_ms <= 0)
		w->s.timeout_ms = 10000;
	if (w->s.probe_timeout_ms <= 0)
		w->s.probe_timeout_ms = 2000;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(w);
		return cr_fail(err, CR_EINTERNAL, "cannot start libcurl");
	}
	url_host(s->url, w->host, sizeof(w->host));
	*state = w;
	return CR_OK;
}

static void wh_close(void *state)
{
	struct webhook *w = state;

	if (!w)
		return;
	if (w->curl)
		curl_easy_cleanup(w->curl);
	if (w->share)
		curl_share_cleanup(w->share);
	explicit_bzero(w, sizeof(*w));  /* the secret and every other credential copied in */
	free(w);
	curl_global_cleanup();
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct reply *r = ctx;
	size_t n = size * nmemb;

	if (r->too_big || r->len + n > WH_MAX_REPLY) {
		r->too_big = 1;
		return n;  /* keep reading, drop it */
	}
	char *p = realloc(r->p, r->len + n + 1);

	if (!p)
		return 0;
	r->p = p;
	memcpy(p + r->len, data, n);
	r->len += n;
	p[r->len] = '\0';
	return n;
}

/* Retry-After: delta-seconds or an HTTP date. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct reply *r = ctx;
	size_t n = size * nmemb;
	static const char name[] = "retry-after:";

	if (n > sizeof(name) - 1 && n < 200 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
		char v[200];
		size_t i = sizeof(name) - 1, k = 0;

		while (i < n && (data[i] == ' ' || data[i] == '\t'))
			i++;
		while (i < n && data[i] != '\r' && data[i] != '\n' && k + 1 < sizeof(v))
			v[k++] = data[i++];
		v[k] = '\0';
		if (k && isdigit((unsigned char)v[0])) {
			long secs = strtol(v, NULL, 10);

			r->retry_after_s = secs < 0 ? 0 : secs > 86400 ? 86400 : (int)secs;
		} else if (k) {
			time_t t = curl_getdate(v, NULL);
			time_t now = time(NULL);

			if (t > now)
				r->retry_after_s = t - now > 86400 ? 86400 : (int)(t - now);
		}
	}
	return n;
}

/* A fresh easy handle for every request, sharing one connection cache
 * (keep-alive is kept): libcurl 7.88 (Debian 12) reads freed memory when a
 * reply on a reused handle starts its headers with a folded (indented)
 * line, which a broken or hostile server can send (found by
 * tests/fuzz/fuzz_koha, fuzz_webhook and fuzz_rest). */
static CURL *handle(struct webhook *w, long timeout_ms)
{
	if (w->curl)
		curl_easy_cleanup(w->curl);
	w->curl = curl_easy_init();
	if (!w->share && (w->share = curl_share_init()))
		curl_share_setopt(w->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	if (!w->curl)
		return NULL;
	CURL *c = w->curl;

	if (w->share)
		curl_easy_setopt(c, CURLOPT_SHARE, w->share);

	curl_easy_setopt(c, CURLOPT_URL, w->s.url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cardroll/" CR_VERSION);
	if (w->s.ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, w->s.ca_file);
	if (w->s.insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	return c;
}

/* The connection itself could not be made: nothing reached the server. */
static int no_connection(CURLcode rc)
{
	return rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
	       rc == CURLE_COULDNT_CONNECT || rc == CURLE_SSL_CONNECT_ERROR ||
	       rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
	       rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_UNSUPPORTED_PROTOCOL ||
	       rc == CURLE_URL_MALFORMAT;
}

static enum cr_status unreachable(struct webhook *w, CURLcode rc, struct cr_err *err)
{
	const char *hint = "";

	if (rc == CURLE_PEER_FAILED_VERIFICATION)
		hint = _(" (its TLS certificate is not trusted: set [sync] ca_file)");
	return cr_fail(err, CR_EUNAVAILABLE, "cannot reach %s: %s%s", w->host, curl_easy_strerror(rc), hint);
}

static enum cr_status wh_probe(void *state, struct cr_err *err)
{
	struct webhook *w = state;
	CURL *c = handle(w, w->s.probe_timeout_ms);
	CURLcode rc;

	if (!c)
		return cr_fail(err, CR_ENOMEM, "out of memory");
	/* TCP (and TLS) only: a webhook need not answer anything but POST */
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	rc = curl_easy_perform(c);
	curl_easy_cleanup(c);  /* a connect-only handle is not reused */
	w->curl = NULL;
	if (rc != CURLE_OK)
		return unreachable(w, rc, err);
	return CR_OK;
}

/* One event, appended to the array events; empty fields are left out.
 * 0, or -1 out of memory. */
static int put_event(struct json_object *events, const struct webhook *w, const struct sync_item *it)
{
	struct json_object *o = json_object_new_object();
	int bad = !o;

	bad |= jsonc_add_str(o, "id", it->uuid);
	bad |= jsonc_add_str_nonempty(o, "kind", it->kind);
	bad |= jsonc_add_str_nonempty(o, "card", it->card);
	bad |= jsonc_add_str_nonempty(o, "student_id", it->student_number);
	bad |= jsonc_add_str_nonempty(o, "surname", it->family);
	bad |= jsonc_add_str_nonempty(o, "firstname", it->given);
	bad |= jsonc_add_str_nonempty(o, "date_of_birth", it->birth_date);
	bad |= jsonc_add_str_nonempty(o, "expiry_date", it->expires);
	bad |= jsonc_add_str_nonempty(o, "category", it->category && *it->category ? it->category : w->s.category);
	bad |= jsonc_add_str_nonempty(o, "library_id", w->s.library_id);
	bad |= jsonc_add_str_nonempty(o, "school", it->school);
	bad |= jsonc_add_str_nonempty(o, "grade", it->grade);
	bad |= jsonc_add_str_nonempty(o, "consent", it->consent);
	if (bad) {
		json_object_put(o);
		return -1;
	}
	return jsonc_push(events, o);
}

/* "sha256=" + lowercase hex of HMAC-SHA256(secret, body). */
static int sign(const char *secret, const char *body, size_t len, char *out, size_t n)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	static const char hex[] = "0123456789abcdef";

	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, mac, &maclen))
		return -1;
	if (n < 8 + 2 * (size_t)maclen)
		return -1;
	memcpy(out, "sha256=", 7);
	for (unsigned i = 0; i < maclen; i++) {
		out[7 + 2 * i] = hex[mac[i] >> 4];
		out[8 + 2 * i] = hex[mac[i] & 15];
	}
	out[7 + 2 * maclen] = '\0';
	explicit_bzero(mac, sizeof(mac));
	return 0;
}

static void set_all(struct sync_result *res, int n, enum sync_outcome o, int retry_after, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void set_all(struct sync_result *res, int n, enum sync_outcome o, int retry_after, const char *fmt, ...)
{
	char reason[sizeof(res->reason)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), dgettext(CR_TEXTDOMAIN, fmt), ap);   /* xgettext: set_all:5 */
	va_end(ap);
	for (int i = 0; i < n; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		res[i].outcome = o;
		res[i].retry_after_s = retry_after;
		copy(res[i].reason, sizeof(res[i].reason), reason);
	}
}

/* Reads {"results":[...]}; returns 0 when the reply had that shape. */
static int per_event(const struct reply *r, const struct sync_item *items, int n, struct sync_result *res,
		     int retry_after)
{
	struct json_object *v = r->p && !r->too_big ? jsonc_parse(r->p, r->len, NULL, 0) : NULL;
	const struct json_object *results = jsonc_get(v, "results");

	if (!jsonc_is(results, json_type_array)) {
		json_object_put(v);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const struct json_object *found = NULL;

		memset(&res[i], 0, sizeof(res[i]));
		for (size_t k = 0; k < jsonc_len(results) && !found; k++) {
			const char *id = jsonc_get_str(jsonc_at(results, k), "id");

			if (id && strcmp(id, items[i].uuid) == 0)
				found = jsonc_at(results, k);
		}
		if (!found) {
			res[i].outcome = SYNC_RETRY;
			res[i].retry_after_s = retry_after;
			copy(res[i].reason, sizeof(res[i].reason), _("the webhook did not answer for this event"));
			continue;
		}
		const char *status = jsonc_get_str(found, "status");
		const char *remote = jsonc_get_str(found, "remote_id");
		const char *reason = jsonc_get_str(found, "reason");
		double ra = jsonc_get_num(found, "retry_after", 0);

		if (remote)
			copy(res[i].remote_id, sizeof(res[i].remote_id), remote);
		sync_result_patron_since(&res[i], jsonc_get_str(found, "patron_since"));
		if (status && strcmp(status, "done") == 0) {
			res[i].outcome = SYNC_DONE;
		} else if (status && strcmp(status, "rejected") == 0) {
			res[i].outcome = SYNC_PARK;
			snprintf(res[i].reason, sizeof(res[i].reason), _("the webhook rejected it: %s"),
				 reason && *reason ? reason : _("no reason given"));
		} else {
			res[i].outcome = SYNC_RETRY;
			res[i].retry_after_s = ra > 0 && ra < 86400 ? (int)ra : retry_after;
			if (status && strcmp(status, "retry") == 0)
				snprintf(res[i].reason, sizeof(res[i].reason), _("the webhook asked to retry%s%s"),
					 reason && *reason ? ": " : "", reason ? reason : "");
			else
				copy(res[i].reason, sizeof(res[i].reason),
				     _("the webhook gave this event a status cardroll does not know"));
		}
		/* the server's words go to a terminal (sync --parked, F4): no
		 * control byte of theirs (found by tests/fuzz/fuzz_webhook) */
		char *safe = text_inert(res[i].reason, 0);

		if (safe) {
			copy(res[i].reason, sizeof(res[i].reason), safe);
			free(safe);
		}
	}
	json_object_put(v);
	return 0;
}

int sync_webhook_read_results(const char *text, size_t len, const struct sync_item *items, int n,
			      struct sync_result *res, int retry_after)
{
	struct reply r = { .p = (char *)text, .len = len };

	return per_event(&r, items, n, res, retry_after);
}

static enum cr_status wh_send(void *state, const struct sync_item *items, int n, struct sync_result *res,
			      struct cr_err *err)
{
	struct webhook *w = state;
	struct json_object *root = NULL, *events = NULL;
	struct buf keys = { 0 };
	struct reply r = { 0 };
	struct curl_slist *hdr = NULL, *h;
	char sig[128], *body = NULL, *keyline = NULL;
	size_t len = 0;
	long code = 0;
	enum cr_status st = CR_OK;

	if (n <= 0)
		return CR_OK;
	int bad = !(root = json_object_new_object()) || !(events = json_object_new_array());

	buf_str(&keys, "Idempotency-Key: ");
	for (int i = 0; i < n && !bad; i++) {
		bad |= put_event(events, w, &items[i]);
		if (i)
			buf_add(&keys, ",", 1);
		/* uuids are hex and dashes; anything else would break the header */
		for (const char *u = items[i].uuid; *u; u++)
			if (isxdigit((unsigned char)*u) || *u == '-')
				buf_add(&keys, u, 1);
	}
	bad |= jsonc_add(root, "events", events);   /* root takes events, or both go */
	if (bad)
		json_object_put(root);
	else
		body = jsonc_take(root, &len);
	keyline = buf_take(&keys, NULL);
	if (!body || !keyline) {
		st = cr_fail(err, CR_ENOMEM, "out of memory");
		goto out;
	}
	if (sign(w->secret, body, len, sig, sizeof(sig)) < 0) {
		st = cr_fail(err, CR_EINTERNAL, "cannot sign the webhook request");
		goto out;
	}
	char sighdr[160];

	snprintf(sighdr, sizeof(sighdr), "X-Cardroll-Signature: %s", sig);
	const char *lines[] = { "Content-Type: application/json", "Accept: application/json", keyline, sighdr,
				"Expect:" };

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		h = curl_slist_append(hdr, lines[i]);
		if (!h) {
			st = cr_fail(err, CR_ENOMEM, "out of memory");
			goto out;
		}
		hdr = h;
	}
	CURL *c = handle(w, w->s.timeout_ms);

	if (!c) {
		st = cr_fail(err, CR_ENOMEM, "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	CURLcode rc = curl_easy_perform(c);

	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	if (rc != CURLE_OK) {
		if (no_connection(rc)) {
			st = unreachable(w, rc, err);
			goto out;
		}
		/* it may have arrived: retry (the receiver de-duplicates by id) */
		set_all(res, n, SYNC_RETRY, 0, "the webhook at %s did not answer in full: %s", w->host,
			curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code == 401 || code == 403) {
		set_all(res, n, SYNC_STOP, 0,
			"the webhook at %s refused cardroll (HTTP %ld): check [sync] secret or CARDROLL_SYNC_SECRET",
			w->host, code);
	} else if (code == 429 || code == 503) {
		set_all(res, n, SYNC_RETRY, r.retry_after_s, "the webhook at %s is busy (HTTP %ld)", w->host, code);
	} else if (code >= 200 && code < 300) {
		if (per_event(&r, items, n, res, r.retry_after_s) < 0)
			set_all(res, n, SYNC_RETRY, 0,
				"the webhook at %s answered HTTP %ld without the per-event results cardroll expects",
				w->host, code);
	} else if (code >= 500 || code == 408) {
		set_all(res, n, SYNC_RETRY, r.retry_after_s, "the webhook at %s failed (HTTP %ld)", w->host, code);
	} else if (code >= 400 && per_event(&r, items, n, res, r.retry_after_s) == 0) {
		/* a 4xx that still says what happened to each event */
	} else if (code >= 400) {
		set_all(res, n, SYNC_PARK, 0, "the webhook at %s rejected the batch (HTTP %ld)", w->host, code);
	} else {
		set_all(res, n, SYNC_RETRY, 0, "the webhook at %s answered HTTP %ld", w->host, code);
	}
out:
	curl_slist_free_all(hdr);
	if (body)
		explicit_bzero(body, len);
	free(body);
	free(keyline);
	if (r.p)
		explicit_bzero(r.p, r.len);
	free(r.p);
	buf_free(&keys);
	return st;
}

const struct sync_target sync_target_webhook = {
	.name = "webhook",
	.open = wh_open,
	.probe = wh_probe,
	.send = wh_send,
	.lookup = NULL,
	.close = wh_close,
};
