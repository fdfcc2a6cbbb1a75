/* pull_http: the HTTP(S)/SFTP client a pull talks through (libcurl): set up
 * once, one request at a time, failures as sentences without secrets. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pull_int.h"
#include "text/i18n.h"

#define PULL_MAX_BODY     (256u << 20)         /* one REST page or token answer, bytes */
#define PULL_MAX_FILE     (4ull << 30)         /* a package download, bytes */

/* ---- HTTP ------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct pull *p = ctx;
	size_t len = size * n;

	if (p->out) {
		if (p->written + len > PULL_MAX_FILE) {
			p->too_big = 1;
			return 0;
		}
		p->written += len;
		return fwrite(data, 1, len, p->out) == len ? len : 0;
	}
	if (p->mem.len + len > PULL_MAX_BODY) {
		p->too_big = 1;
		return 0;
	}
	buf_add(&p->mem, data, len);
	return p->mem.oom ? 0 : len;
}

/* "Name: value" when name matches: the trimmed value into out. */
static void header_value(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
	size_t m = strlen(name), a, b;

	if (len <= m || strncasecmp(line, name, m) != 0 || line[m] != ':')
		return;
	for (a = m + 1; a < len && (line[a] == ' ' || line[a] == '\t'); a++)
		;
	for (b = len; b > a && isspace((unsigned char)line[b - 1]); b--)
		;
	if (b - a < outlen)
		snprintf(out, outlen, "%.*s", (int)(b - a), line + a);
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
	struct pull *p = ctx;
	size_t len = size * n;
	char total[32] = "";

	if (len >= 5 && !strncmp(line, "HTTP/", 5)) {   /* a new response (redirect, 100): forget the last */
		p->etag[0] = p->last_modified[0] = '\0';
		p->total = -1;
		return len;
	}
	header_value(line, len, "ETag", p->etag, sizeof p->etag);
	header_value(line, len, "Last-Modified", p->last_modified, sizeof p->last_modified);
	header_value(line, len, "X-Total-Count", total, sizeof total);
	if (*total) {
		char *end;
		long long v = strtoll(total, &end, 10);

		if (end != total && !*end && v >= 0)
			p->total = v;
	}
	return len;
}

static int timeout_s(const struct sync_settings *s)
{
	int t = s->timeout_ms > 0 ? (s->timeout_ms + 999) / 1000 : 10;

	return t < 1 ? 1 : t;
}

/* sftp public-key login: libcurl's default is $HOME/.ssh/id_rsa with the
 * public key derived from it, which fails with libssh2 1.10 (Debian 12) for
 * other key types; and its RSA signatures are ssh-rsa (SHA-1), which OpenSSH
 * 8.8+ servers refuse. So name the pair: $HOME/.ssh/id_ed25519, else id_rsa,
 * with its .pub when present. Neither: libcurl's defaults (and password). */
static void ssh_key_files(CURL *c)
{
	static const char *const names[] = { "id_ed25519", "id_rsa" };
	const char *home = getenv("HOME");
	char key[4096], pub[4100];

	if (!home || !*home)
		return;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(key, sizeof key, "%s/.ssh/%s", home, names[i]);
		if (access(key, R_OK))
			continue;
		curl_easy_setopt(c, CURLOPT_SSH_PRIVATE_KEYFILE, key);
		snprintf(pub, sizeof pub, "%s.pub", key);
		if (!access(pub, R_OK))
			curl_easy_setopt(c, CURLOPT_SSH_PUBLIC_KEYFILE, pub);
		return;
	}
}

enum cr_status pull_setup(struct pull *p, const char *url)
{
	const struct sync_settings *s = p->s;
	CURL *c;

	if (!(p->curl = c = curl_easy_init()) || !(p->share = curl_share_init()) ||
	    curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK)
		return cr_fail(p->err, CR_ENOMEM, "cannot start the HTTP client");
	curl_easy_setopt(c, CURLOPT_SHARE, p->share);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(s->timeout_ms > 0 ? s->timeout_ms : 10000));
	/* a server that goes quiet for the timeout is a server that did not answer */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)timeout_s(s));
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,sftp");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, strncasecmp(url, "http:", 5) ? "https" : "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cardroll/" CR_VERSION);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, p);
	if (*s->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
	if (s->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (!strncasecmp(url, "sftp:", 5)) {
		const char *home = getenv("HOME");
		char kh[4096];

		if (home && *home) {
			snprintf(kh, sizeof kh, "%s/.ssh/known_hosts", home);
			curl_easy_setopt(c, CURLOPT_SSH_KNOWNHOSTS, kh);
		}
	}
	if (!strncasecmp(url, "sftp:", 5))
		ssh_key_files(c);
	if (!strcmp(s->roster_auth, "basic") || !strncasecmp(url, "sftp:", 5)) {
		if (*s->user) {
			curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
			curl_easy_setopt(c, CURLOPT_PASSWORD, pull_secret("CARDROLL_SYNC_PASSWORD", s->password));
			curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		}
	}
	return CR_OK;
}

/* A transport failure as a sentence (never the URL's secrets). */
static enum cr_status pull_curl_fail(struct pull *p, CURLcode rc, const char *what)
{
	const struct sync_settings *s = p->s;

	what = _(what);   /* xgettext: pull_perform:5 */
	if (rc == CURLE_PEER_FAILED_VERIFICATION && !strncasecmp(s->roster_url, "sftp:", 5))
		return cr_fail(p->err, CR_EUNAVAILABLE, "the roster server's host key is not in ~/.ssh/known_hosts, "
			       "or does not match it (add it with ssh-keyscan after checking its fingerprint)");
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return cr_fail(p->err, CR_ETEMP, "the roster server did not answer within %d s (%s)", timeout_s(s), what);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		if (rc == CURLE_SSL_CACERT_BADFILE && *s->ca_file)
			return cr_fail(p->err, CR_ECONFIG, "cannot read the CA file [sync] ca_file = %s", s->ca_file);
		return cr_fail(p->err, CR_EUNAVAILABLE,
			       "the roster server's certificate could not be verified (set [sync] ca_file to the CA "
			       "that signed it)%s", *s->ca_file ? _(", not even with the CA in [sync] ca_file") : "");
	case CURLE_SSL_CONNECT_ERROR:
		return cr_fail(p->err, CR_EUNAVAILABLE, "no secure connection to the roster server at %s "
			       "(TLS handshake failed)", p->shown);
	case CURLE_COULDNT_RESOLVE_HOST:
		return cr_fail(p->err, CR_EUNAVAILABLE, "the roster server's name in %s cannot be found (offline?)",
			       p->shown);
	case CURLE_COULDNT_CONNECT:
		return cr_fail(p->err, CR_EUNAVAILABLE, "cannot reach the roster server at %s (offline, or it is down)",
			       p->shown);
	case CURLE_LOGIN_DENIED:
	case CURLE_REMOTE_ACCESS_DENIED:
		return cr_fail(p->err, CR_ECONFIG, "the roster server refused the credentials ([sync] user and "
			       "password or CARDROLL_SYNC_PASSWORD)");
	case CURLE_REMOTE_FILE_NOT_FOUND:
		return cr_fail(p->err, CR_ENOINPUT, "no roster at %s", p->shown);
	default:
		break;
	}
	if (rc == CURLE_WRITE_ERROR && p->too_big)
		return cr_fail(p->err, CR_EDATA, "the roster server sent more than this pull accepts (%s)", what);
	if (rc == CURLE_UNSUPPORTED_PROTOCOL)
		return cr_fail(p->err, CR_ECONFIG, "[sync] roster_url must be an https://, http:// or sftp:// URL "
			       "(or a redirect went to another protocol)");
	if (rc == CURLE_SSH || rc == CURLE_SSL_CERTPROBLEM)
		return cr_fail(p->err, CR_EUNAVAILABLE, "the roster server's host key or certificate was not "
			       "accepted (%s; for sftp, is the host in ~/.ssh/known_hosts?)", curl_easy_strerror(rc));
	return cr_fail(p->err, rc == CURLE_WRITE_ERROR ? CR_ECANTCREATE : CR_EUNAVAILABLE,
		       "pulling the roster failed (%s): %s", what, curl_easy_strerror(rc));
}

enum cr_status pull_http_fail(struct pull *p, long code, const char *what)
{
	what = _(what);   /* xgettext: pull_http_fail:3 */
	if (code == 401 || code == 403)
		return cr_fail(p->err, CR_ECONFIG, "the roster server refused the credentials (HTTP %ld for %s; check "
			       "[sync] roster_auth and its user/password or client id/secret)", code, what);
	if (code == 404 || code == 410)
		return cr_fail(p->err, CR_ENOINPUT, "no roster at %s (HTTP %ld for %s)", p->shown, code, what);
	if (code == 408 || code == 429 || code >= 500)
		return cr_fail(p->err, CR_ETEMP, "the roster server is busy or failing (HTTP %ld for %s); try again "
			       "later", code, what);
	return cr_fail(p->err, CR_EUNAVAILABLE, "the roster server answered HTTP %ld for %s", code, what);
}

/* One request; *code gets the HTTP status (0 for sftp). */
enum cr_status pull_perform(struct pull *p, const char *url, struct curl_slist *hdrs, long *code,
			    const char *what)
{
	CURLcode rc;

	p->etag[0] = p->last_modified[0] = '\0';
	p->total = -1;
	p->too_big = 0;
	p->written = 0;
	buf_clear(&p->mem);
	/* A fresh copy of the handle (its options) for every request, sharing one connection cache
	 * (keep-alive is kept): libcurl 7.88 (Debian 12) reads freed memory when a
	 * reply on a reused handle starts its headers with a folded (indented)
	 * line, which a broken or hostile server can send (found by
	 * tests/fuzz/fuzz_koha, fuzz_webhook and fuzz_rest). */
	{
		CURL *fresh = curl_easy_duphandle(p->curl);

		if (!fresh)
			return cr_fail(p->err, CR_ENOMEM, "out of memory");
		curl_easy_cleanup(p->curl);
		p->curl = fresh;
		curl_easy_setopt(p->curl, CURLOPT_SHARE, p->share);
	}
	curl_easy_setopt(p->curl, CURLOPT_URL, url);
	curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(p->curl);
	*code = 0;
	curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, code);
	if (rc != CURLE_OK)
		return pull_curl_fail(p, rc, what);
	if (p->mem.oom)
		return cr_fail(p->err, CR_ENOMEM, "out of memory reading the roster server's answer");
	return CR_OK;
}

