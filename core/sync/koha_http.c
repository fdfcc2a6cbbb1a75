/* koha_http: the koha target's requests over one libcurl connection, one at
 * a time or, on HTTP/2, a batch's creates multiplexed (koha_http.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "koha_http.h"
#include "text/i18n.h"

#define KOHA_BODY_MAX (4u << 20)    /* a patron list for one card is tiny */

void koha_text(const struct json_object *obj, const char *key, char *out, size_t len)
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
	/* A string "null" counts as null, as it always did here. */
	if (n < 0 || (size_t)n >= len || !strcmp(out, "null"))
		out[0] = '\0';
}

static size_t koha_write(char *data, size_t size, size_t n, void *ctx)
{
	struct koha_xfer *x = ctx;

	if (x->body.len + size * n > KOHA_BODY_MAX)
		return 0;
	buf_add(&x->body, data, size * n);
	return x->body.oom ? 0 : size * n;
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
	struct koha_xfer *x = ctx;
	size_t len = size * n;
	char line[512];

	if (len >= sizeof line)
		return len;
	memcpy(line, data, len);
	line[len] = '\0';
	if (!strncasecmp(line, "HTTP/", 5)) {
		/* a new response (after 100 Continue, say): forget the last one's headers */
		x->location[0] = '\0';
		x->retry_after = 0;
	} else if (!strncasecmp(line, "Retry-After:", 12)) {
		x->retry_after = koha_retry_after(line + 12);
	} else if (!strncasecmp(line, "Location:", 9)) {
		const char *v = line + 9;

		while (*v == ' ')
			v++;
		snprintf(x->location, sizeof x->location, "%.*s", (int)strcspn(v, "\r\n"), v);
	}
	return len;
}

void koha_curl_reason(CURLcode rc, char *out, size_t len)
{
	if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
	    rc == CURLE_SSL_CONNECT_ERROR)
		snprintf(out, len, _("the library system's TLS certificate was not accepted (check [sync] url and "
			 "ca_file): %s"), curl_easy_strerror(rc));
	else
		snprintf(out, len, _("the library system did not answer: %s"), curl_easy_strerror(rc));
}

/* Forgets x's last answer (keeps the handle). */
static void xfer_clear(struct koha_xfer *x)
{
	buf_free(&x->body);
	curl_slist_free_all(x->hdr);
	x->hdr = NULL;
	free(x->post);
	x->post = NULL;
	x->rc = CURLE_OK;
	x->status = 0;
	x->location[0] = '\0';
	x->retry_after = 0;
}

static int hdr_add(struct koha_xfer *x, const char *line)
{
	struct curl_slist *t = curl_slist_append(x->hdr, line);

	if (!t)
		return 1;
	x->hdr = t;
	return 0;
}

/* Sets x up for one request (a fresh handle; the connection stays
 * in the multi handle's pool). 0, or -1 when out of memory. */
static int xfer_setup(struct koha *k, struct koha_xfer *x, const char *method, const char *path, const char *ctype,
		      const char *body, const char *const *extra, int auth, long timeout_ms)
{
	char url[2048 + 1024], authz[2100];
	long version = CURL_HTTP_VERSION_2TLS;   /* auto: HTTP/2 where TLS offers it */
	int bad = 0;

	xfer_clear(x);
	snprintf(url, sizeof url, "%s%s", k->base, path);
	/* A fresh easy handle for every request; the connections stay in the
	 * multi handle's pool, so keep-alive and HTTP/2 are kept. libcurl 7.88
	 * (Debian 12) reads freed memory when a reply on a reused handle starts
	 * its headers with a folded (indented) line, which a broken or hostile
	 * server can send (found by tests/fuzz/fuzz_koha). */
	{
		CURL *fresh = curl_easy_init();

		if (!fresh)
			return -1;
		curl_easy_cleanup(x->h);
		x->h = fresh;
	}
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, koha_write);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, koha_header);
	curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->h, CURLOPT_USERAGENT, "cardroll/" CR_VERSION);
	/* Not h2c over plain http:// (prior knowledge): Debian 12's libcurl
	 * 7.88 fails every request after the first on such a connection
	 * ("Error in the HTTP2 framing layer", curl issue 10634, fixed in 8.0). */
	if (!strcmp(k->s.http2, "no"))
		version = CURL_HTTP_VERSION_1_1;
	curl_easy_setopt(x->h, CURLOPT_HTTP_VERSION, version);
	/* Wait for the one connection rather than open a second. */
	curl_easy_setopt(x->h, CURLOPT_PIPEWAIT, 1L);
	if (k->s.ca_file[0])
		curl_easy_setopt(x->h, CURLOPT_CAINFO, k->s.ca_file);
	if (k->s.insecure) {
		curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	bad |= hdr_add(x, "Accept: application/json");
	/* No "Expect: 100-continue" round trip for bigger bodies. */
	bad |= hdr_add(x, "Expect:");
	if (ctype) {
		char line[128];

		snprintf(line, sizeof line, "Content-Type: %s", ctype);
		bad |= hdr_add(x, line);
	}
	for (int i = 0; extra && extra[i]; i++)
		bad |= hdr_add(x, extra[i]);
	if (auth && !strcmp(k->s.auth, "oauth2")) {
		snprintf(authz, sizeof authz, "Authorization: Bearer %s", k->token);
		bad |= hdr_add(x, authz);
		memset(authz, 0, sizeof authz);
	} else if (auth) {
		curl_easy_setopt(x->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(x->h, CURLOPT_USERNAME, k->s.user);
		curl_easy_setopt(x->h, CURLOPT_PASSWORD, k->s.password);
	}
	if (bad)
		return -1;   /* xfer_clear frees what was made */
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdr);
	if (!strcmp(method, "GET")) {
		curl_easy_setopt(x->h, CURLOPT_HTTPGET, 1L);
	} else {
		/* libcurl reads the body while sending: it must outlive the transfer */
		curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
		if (strcmp(method, "POST"))
			curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, method);
	}
	return 0;
}

/* Runs the n transfers to the end on the multi handle (each has its own
 * timeout, so this ends). */
static void xfer_run(struct koha *k, struct koha_xfer **xs, int n)
{
	int running = 0, added = 0;

	for (int i = 0; i < n; i++) {
		if (curl_multi_add_handle(k->multi, xs[i]->h) != CURLM_OK) {
			xs[i]->rc = CURLE_OUT_OF_MEMORY;
			continue;
		}
		xs[i]->rc = CURLE_AGAIN;   /* not finished yet */
		added++;
	}
	while (added > 0) {
		CURLMsg *msg;
		int left;

		if (curl_multi_perform(k->multi, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(k->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (int i = 0; i < n; i++)
				if (xs[i]->h == msg->easy_handle && xs[i]->rc == CURLE_AGAIN) {
					xs[i]->rc = msg->data.result;
					curl_multi_remove_handle(k->multi, xs[i]->h);
					added--;
					break;
				}
		}
		if (added > 0 && running == 0)
			break;   /* libcurl holds nothing more: what is left failed */
		if (added > 0 && curl_multi_poll(k->multi, NULL, 0, 1000, NULL) != CURLM_OK)
			break;
	}
	for (int i = 0; i < n; i++) {
		long version = 0;

		if (xs[i]->rc == CURLE_AGAIN) {   /* the multi handle failed: give it back */
			curl_multi_remove_handle(k->multi, xs[i]->h);
			xs[i]->rc = CURLE_RECV_ERROR;
		}
		if (xs[i]->rc != CURLE_OK)
			continue;
		curl_easy_getinfo(xs[i]->h, CURLINFO_RESPONSE_CODE, &xs[i]->status);
		if (curl_easy_getinfo(xs[i]->h, CURLINFO_HTTP_VERSION, &version) == CURLE_OK &&
		    version == CURL_HTTP_VERSION_2_0 && strcmp(k->s.http2, "no"))
			k->multiplex = 1;
	}
}

static void koha_forget(struct koha *k)
{
	json_object_put(k->doc);
	k->doc = NULL;
	k->parsed = 0;
}

CURLcode koha_request(struct koha *k, const char *method, const char *path, const char *ctype, const char *body,
		      const char *const *extra, int auth, long timeout_ms)
{
	struct koha_xfer *x = &k->x;

	/* A GET or PUT whose connection the server closed under it (an HTTP/2
	 * GOAWAY: nginx closes after 1000 requests by default) is sent once
	 * more on a new one; both mean the same the second time. A POST is
	 * not: koha_signup asks Koha first. */
	for (int round = 0; round < 2; round++) {
		koha_forget(k);
		if (xfer_setup(k, x, method, path, ctype, body, extra, auth, timeout_ms) != 0) {
			xfer_clear(x);
			return CURLE_OUT_OF_MEMORY;
		}
		xfer_run(k, &x, 1);
		/* The headers (an OAuth2 token among them) are not kept. */
		curl_slist_free_all(x->hdr);
		x->hdr = NULL;
		if (!koha_conn_lost(x->rc) || !strcmp(method, "POST"))
			break;
	}
	return x->rc;
}

int koha_conn_lost(CURLcode rc)
{
	return rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM;
}

const char *koha_body(const struct koha *k)
{
	return k->x.body.p ? k->x.body.p : "";
}

const struct json_object *koha_json(struct koha *k)
{
	if (!k->parsed) {
		const char *body = koha_body(k);

		k->parsed = 1;
		k->doc = jsonc_parse(body, strlen(body), NULL, 0);
	}
	return k->doc;
}

CURLcode koha_token(struct koha *k, int fresh, char *why, size_t len)
{
	struct buf form = { 0 };
	char *id, *secret, expires[32];
	CURLcode rc;

	if (!fresh && k->token[0] && (long long)time(NULL) < k->token_until)
		return CURLE_OK;
	memset(k->token, 0, sizeof k->token);
	id = curl_easy_escape(k->x.h, k->s.client_id, 0);
	secret = curl_easy_escape(k->x.h, k->s.client_secret, 0);
	if (!id || !secret) {
		curl_free(id);
		curl_free(secret);
		snprintf(why, len, "%s", _("out of memory"));
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
		snprintf(why, len, "%s", _("out of memory"));
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
	if (k->x.status == 200)
		koha_text(koha_json(k), "access_token", k->token, sizeof k->token);
	if (!k->token[0]) {
		snprintf(why, len, _("the library system gave no OAuth2 token (HTTP %ld)"), k->x.status);
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

CURLcode koha_call(struct koha *k, const char *method, const char *path, const char *body,
		   const char *const *extra, long timeout_ms, char *why, size_t len)
{
	int oauth = !strcmp(k->s.auth, "oauth2");
	CURLcode rc;

	for (int round = 0; round < 2; round++) {
		if (oauth) {
			if ((rc = koha_token(k, round > 0, why, len)) != CURLE_OK)
				return rc;
			if (!k->token[0]) {
				k->x.status = 401;  /* no token: the credentials were refused */
				return CURLE_OK;
			}
		}
		rc = koha_request(k, method, path, body ? "application/json" : NULL, body, extra, 1, timeout_ms);
		if (rc != CURLE_OK) {
			koha_curl_reason(rc, why, len);
			return rc;
		}
		if (!oauth || (k->x.status != 401 && k->x.status != 403))
			return CURLE_OK;
	}
	return CURLE_OK;
}

int koha_many(struct koha *k, char **bodies, int n)
{
	struct koha_xfer **xs;

	if (n > k->nmany) {
		struct koha_xfer *more = realloc(k->many, (size_t)n * sizeof *more);

		if (!more)
			goto oom;
		k->many = more;
		for (; k->nmany < n; k->nmany++) {
			memset(&k->many[k->nmany], 0, sizeof *more);
			if (!(k->many[k->nmany].h = curl_easy_init()))
				goto oom;
		}
	}
	if (!(xs = calloc((size_t)n, sizeof *xs)))
		goto oom;
	for (int i = 0; i < n; i++) {
		xs[i] = &k->many[i];
		if (xfer_setup(k, xs[i], "POST", "/api/v1/patrons", "application/json", bodies[i], NULL, 1,
			       k->s.timeout_ms) != 0) {
			for (int j = 0; j <= i; j++)
				xfer_clear(xs[j]);
			free(xs);
			goto oom;
		}
		xs[i]->post = bodies[i];   /* freed with the answer */
		bodies[i] = NULL;
	}
	xfer_run(k, xs, n);
	for (int i = 0; i < n; i++) {
		curl_slist_free_all(xs[i]->hdr);
		xs[i]->hdr = NULL;
		free(xs[i]->post);
		xs[i]->post = NULL;
	}
	free(xs);
	return 0;
oom:
	for (int i = 0; i < n; i++) {
		free(bodies[i]);
		bodies[i] = NULL;
	}
	return -1;
}

void koha_take(struct koha *k, int i)
{
	struct koha_xfer *m = &k->many[i];
	struct buf tmp = k->x.body;

	koha_forget(k);
	k->x.body = m->body;
	m->body = tmp;
	buf_clear(&m->body);
	k->x.rc = m->rc;
	k->x.status = m->status;
	k->x.retry_after = m->retry_after;
	memcpy(k->x.location, m->location, sizeof k->x.location);
}

enum cr_status koha_http_open(struct koha *k, struct cr_err *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cr_fail(err, CR_EINTERNAL, "libcurl would not start");
	if (!(k->x.h = curl_easy_init()) || !(k->multi = curl_multi_init())) {
		koha_http_close(k);
		return cr_fail(err, CR_EINTERNAL, "libcurl would not start");
	}
	/* One connection: HTTP/1.1 requests queue for it (kept alive); on
	 * HTTP/2 they share it as streams. */
	curl_multi_setopt(k->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(k->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
	return CR_OK;
}

void koha_http_close(struct koha *k)
{
	xfer_clear(&k->x);
	for (int i = 0; i < k->nmany; i++) {
		xfer_clear(&k->many[i]);
		if (k->many[i].h)
			curl_easy_cleanup(k->many[i].h);
	}
	free(k->many);
	k->many = NULL;
	k->nmany = 0;
	if (k->x.h)
		curl_easy_cleanup(k->x.h);
	k->x.h = NULL;
	if (k->multi)
		curl_multi_cleanup(k->multi);
	k->multi = NULL;
	koha_forget(k);
}
