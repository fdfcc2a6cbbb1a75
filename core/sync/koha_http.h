/* koha_http: how the koha target (sync_koha.c) talks to Koha. One libcurl
 * multi handle keeps one connection to the server (kept alive between
 * requests and runs of a batch). Requests go one at a time, except a
 * batch's patron creates, which go all at once when the connection turned
 * out to be HTTP/2 (streams multiplexed on that one connection; [sync]
 * http2). Basic or OAuth2 client-credentials auth. Nothing here logs:
 * credentials and children's data never reach a message. Private to
 * core/sync. */
#ifndef CR_KOHA_HTTP_H
#define CR_KOHA_HTTP_H

#include <curl/curl.h>

#include "text/buf.h"
#include "text/jsonc.h"
#include "sync.h"

/* One transfer and its answer. */
struct koha_xfer {
	CURL              *h;
	struct curl_slist *hdr;
	char              *post;          /* a body koha_many owns while in flight */
	CURLcode           rc;            /* CURLE_OK: an HTTP answer came */
	long               status;
	struct buf         body;
	char               location[256];
	int                retry_after;   /* seconds, from Retry-After */
};

struct koha {
	struct sync_settings s;
	CURLM              *multi;
	char                base[1024];    /* the URL without a trailing slash */
	char                token[2048];   /* oauth2 */
	long long           token_until;
	int                 multiplex;     /* the server answered in HTTP/2: creates go together */
	struct koha_xfer    x;             /* the last answer (koha_request, koha_take) */
	struct json_object *doc;           /* x's body parsed, once read (koha_json) */
	int                 parsed;
	struct koha_xfer   *many;          /* koha_many's transfers */
	int                 nmany;
};

/* Member key of obj as text into out ("" when absent, null or not a
 * scalar; a number in its shortest round-trip spelling). */
void koha_text(const struct json_object *obj, const char *key, char *out, size_t len);

/* The sentence for a transfer that got no HTTP answer. */
void koha_curl_reason(CURLcode rc, char *out, size_t len);

/* One request; CURLE_OK when an HTTP answer came (k->x.status, body). */
CURLcode koha_request(struct koha *k, const char *method, const char *path, const char *ctype, const char *body,
		      const char *const *extra, int auth, long timeout_ms);

/* The connection went away under a request that was sent (an HTTP/2
 * GOAWAY, a reset stream): whether the server acted on it is not known. */
int koha_conn_lost(CURLcode rc);

/* A request with auth: with OAuth2 a refused token is fetched again once. */
CURLcode koha_call(struct koha *k, const char *method, const char *path, const char *body,
		   const char *const *extra, long timeout_ms, char *why, size_t len);

/* OAuth2 client credentials: a token, kept until shortly before it ends. */
CURLcode koha_token(struct koha *k, int fresh, char *why, size_t len);

/* The last answer's body ("" when none) and the same as JSON (NULL when
 * it is not JSON). */
const char *koha_body(const struct koha *k);
const struct json_object *koha_json(struct koha *k);

/* POSTs each of the n JSON bodies to /api/v1/patrons, all in flight at
 * once on the one connection; takes the bodies (freed here). Then
 * k->many[i].rc / status hold each answer; koha_take(k, i) makes one the
 * last answer. -1 when out of memory (nothing sent). */
int koha_many(struct koha *k, char **bodies, int n);
void koha_take(struct koha *k, int i);

enum cr_status koha_http_open(struct koha *k, struct cr_err *err);
void koha_http_close(struct koha *k);

#endif
