/* roster_pull: [sync] roster_url into the importer (see roster_pull.h). */
#include "roster_pull.h"

#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "text/jsonc.h"

#define PULL_PAGE_LIMIT   500                  /* records asked per REST page */
#define PULL_MAX_PAGES    20000                /* per collection: a runaway server stops here */
#define PULL_MAX_BODY     (256u << 20)         /* one REST page or token answer, bytes */
#define PULL_MAX_FILE     (4ull << 30)         /* a package download, bytes */

static const char SCOPE_CORE[] = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly";
static const char SCOPE_DEMO[] = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-demographics.readonly";

/* ---- small helpers ---------------------------------------------------- */

struct sbuf {
	char  *p;
	size_t len, cap;
	int    oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(np = realloc(b->p, cap))) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_clear(struct sbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

static const char *sb_text(const struct sbuf *b)
{
	return b->p ? b->p : "";
}

void roster_pull_redact(const char *url, char *out, size_t len)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *end = host + strcspn(host, "/?#");
	const char *at = NULL, *q;
	size_t n;

	for (q = host; q < end; q++)
		if (*q == '@')
			at = q;
	n = strcspn(url, "?#");
	if (at)
		snprintf(out, len, "%.*s%.*s", (int)(host - url), url, (int)(url + n - (at + 1)), at + 1);
	else
		snprintf(out, len, "%.*s", (int)n, url);
}

/* The URL's path (no query), for extension checks. */
static int url_path_ends(const char *url, const char *suffix)
{
	size_t n = strcspn(url, "?#"), m = strlen(suffix);

	return n >= m && strncasecmp(url + n - m, suffix, m) == 0;
}

static int url_is_rest(const char *url)
{
	static const char tail[] = "/ims/oneroster/rostering/v1p2";
	size_t n = strcspn(url, "?#"), m = sizeof tail - 1;

	while (n > 0 && url[n - 1] == '/')
		n--;
	return n >= m && strncasecmp(url + n - m, tail, m) == 0;
}

static const char *secret(const char *env, const char *cfg)
{
	const char *v = getenv(env);

	return v && *v ? v : cfg;
}

static void wipe(char *p, size_t n)
{
	volatile char *v = p;

	while (n--)
		*v++ = 0;
}

/* ---- the temporary folder --------------------------------------------- */

static enum cr_status tmp_make(char *dir, size_t len, struct cr_err *err)
{
	const char *base = getenv("TMPDIR");

	if (!base || !*base)
		base = "/tmp";
	if ((size_t)snprintf(dir, len, "%s/cardroll-roster-XXXXXX", base) >= len)
		return cr_fail(err, CR_ECANTCREATE, "TMPDIR is too long");
	if (!mkdtemp(dir)) {
		int e = errno;

		dir[0] = '\0';
		return cr_fail(err, CR_ECANTCREATE, "cannot make a temporary folder in %s: %s", base, strerror(e));
	}
	return CR_OK;
}

static void tmp_remove(const char *dir)
{
	DIR *d;
	struct dirent *e;
	char path[4352];

	if (!dir || !*dir || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static FILE *tmp_open(const char *dir, const char *name, struct cr_err *err)
{
	char path[4352];
	int fd;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		cr_fail(err, CR_ECANTCREATE, "cannot write %s: %s", path, strerror(e));
		return NULL;
	}
	return f;
}

/* ---- roster_source ---------------------------------------------------- */

struct source_state {
	char      etag[512];
	char      last_modified[128];
	char      last_delta_at[64];
	long long pulled_at;
};

static void col_copy(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

static enum cr_status source_load(struct cr_db *db, const char *url, struct source_state *ss, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT etag, last_modified, last_delta_at, coalesce(pulled_at, 0) FROM roster_source WHERE url = ?1",
		err);
	int rc;

	memset(ss, 0, sizeof *ss);
	if (!st)
		return err ? err->status : CR_EINTERNAL;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_copy(st, 0, ss->etag, sizeof ss->etag);
		col_copy(st, 1, ss->last_modified, sizeof ss->last_modified);
		col_copy(st, 2, ss->last_delta_at, sizeof ss->last_delta_at);
		ss->pulled_at = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading roster_source");
	return CR_OK;
}

static void bind_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* After the import committed: what the server said, and the run's source
 * shown as the URL instead of the temporary path. */
static enum cr_status source_save(struct cr_db *db, const char *url, const struct source_state *ss, int save,
				  long long run_id, struct cr_err *err)
{
	enum cr_status st;
	sqlite3_stmt *q;
	int rc;

	if ((st = db_begin_immediate(db, err)) != CR_OK)
		return st;
	if (save) {
		if (!(q = db_prepare(db,
			"INSERT INTO roster_source (url, etag, last_modified, last_delta_at, pulled_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, "
			"last_modified = excluded.last_modified, last_delta_at = excluded.last_delta_at, "
			"pulled_at = excluded.pulled_at", err)))
			goto fail;
		sqlite3_bind_text(q, 1, url, -1, SQLITE_TRANSIENT);
		bind_or_null(q, 2, ss->etag);
		bind_or_null(q, 3, ss->last_modified);
		bind_or_null(q, 4, ss->last_delta_at);
		sqlite3_bind_int64(q, 5, (sqlite3_int64)time(NULL));
		rc = sqlite3_step(q);
		sqlite3_reset(q);
		if (rc != SQLITE_DONE) {
			st = db_fail(db, err, rc, "saving roster_source");
			goto out;
		}
	}
	if (run_id > 0) {
		if (!(q = db_prepare(db, "UPDATE import_run SET source = ?1 WHERE id = ?2", err)))
			goto fail;
		sqlite3_bind_text(q, 1, url, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 2, run_id);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
		if (rc != SQLITE_DONE) {
			st = db_fail(db, err, rc, "naming the import's source");
			goto out;
		}
	}
	return db_commit(db, err);
fail:
	st = err ? err->status : CR_EINTERNAL;
out:
	db_rollback(db);
	return st;
}

/* ---- HTTP ------------------------------------------------------------- */

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
	sb_add(&p->mem, data, len);
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

static enum cr_status pull_setup(struct pull *p, const char *url)
{
	const struct sync_settings *s = p->s;
	CURL *c;

	if (!(p->curl = c = curl_easy_init()))
		return cr_fail(p->err, CR_ENOMEM, "cannot start the HTTP client");
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
			curl_easy_setopt(c, CURLOPT_PASSWORD, secret("CARDROLL_SYNC_PASSWORD", s->password));
			curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		}
	}
	return CR_OK;
}

/* A transport failure as a sentence (never the URL's secrets). */
static enum cr_status pull_curl_fail(struct pull *p, CURLcode rc, const char *what)
{
	const struct sync_settings *s = p->s;

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
			       "that signed it)%s", *s->ca_file ? ", not even with the CA in [sync] ca_file" : "");
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

static enum cr_status pull_http_fail(struct pull *p, long code, const char *what)
{
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
static enum cr_status pull_perform(struct pull *p, const char *url, struct curl_slist *hdrs, long *code,
				   const char *what)
{
	CURLcode rc;

	p->etag[0] = p->last_modified[0] = '\0';
	p->total = -1;
	p->too_big = 0;
	p->written = 0;
	sb_clear(&p->mem);
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

/* ---- a package file --------------------------------------------------- */

static void http_date_local(const char *http_date, long long fallback, char *out, size_t len)
{
	time_t t = *http_date ? curl_getdate(http_date, NULL) : (time_t)-1;
	struct tm tm;

	if (t == (time_t)-1)
		t = (time_t)fallback;
	if (t > 0 && localtime_r(&t, &tm))
		strftime(out, len, "%Y-%m-%d %H:%M", &tm);
	else
		snprintf(out, len, "the last pull");
}

static enum cr_status run_import(struct cr_db *db, struct pull *p, const char *source,
				 struct roster_pull_result *r, struct cr_err *err)
{
	struct roster_options opt = { .source = source };

	r->imported = 1;
	return roster_import(db, &opt, &r->summary, err);
}

static enum cr_status pull_file(struct cr_db *db, struct pull *p, struct roster_pull_result *r)
{
	const struct sync_settings *s = p->s;
	int sftp = !strncasecmp(s->roster_url, "sftp:", 5);
	struct source_state ss, now;
	struct curl_slist *hdrs = NULL;
	char path[4352], line[700];
	enum cr_status st;
	long code = 0;

	if (url_path_ends(s->roster_url, ".csv"))
		return cr_fail(p->err, CR_ECONFIG, "[sync] roster_url names a single .csv file; a OneRoster package is "
			       "a .zip of CSV files (manifest.csv, orgs.csv, users.csv, ...): point roster_url at the "
			       "package's .zip, or at a OneRoster 1.2 REST base (.../ims/oneroster/rostering/v1p2)");
	if ((st = source_load(db, p->shown, &ss, p->err)) != CR_OK)
		return st;
	memset(&now, 0, sizeof now);

	if (sftp) {
		/* no conditional GET over sftp: compare the file's time */
		curl_off_t ft = -1;
		long code0;

		curl_easy_setopt(p->curl, CURLOPT_NOBODY, 1L);
		curl_easy_setopt(p->curl, CURLOPT_FILETIME, 1L);
		if ((st = pull_perform(p, s->roster_url, NULL, &code0, "checking the file")) != CR_OK)
			return st;
		curl_easy_getinfo(p->curl, CURLINFO_FILETIME_T, &ft);
		curl_easy_setopt(p->curl, CURLOPT_NOBODY, 0L);
		if (ft > 0) {
			time_t t = (time_t)ft;
			struct tm tm;

			if (gmtime_r(&t, &tm))
				strftime(now.last_modified, sizeof now.last_modified, "%a, %d %b %Y %H:%M:%S GMT", &tm);
			if (*ss.last_modified && !strcmp(ss.last_modified, now.last_modified)) {
				r->unchanged = 1;
				http_date_local(ss.last_modified, ss.pulled_at, r->since, sizeof r->since);
				return CR_OK;
			}
		}
	} else {
		if (*ss.etag) {
			snprintf(line, sizeof line, "If-None-Match: %s", ss.etag);
			hdrs = curl_slist_append(hdrs, line);
		}
		if (*ss.last_modified) {
			snprintf(line, sizeof line, "If-Modified-Since: %s", ss.last_modified);
			hdrs = curl_slist_append(hdrs, line);
		}
	}
	if ((st = tmp_make(p->dir, sizeof p->dir, p->err)) != CR_OK)
		goto out;
	if (!(p->out = tmp_open(p->dir, "roster.zip", p->err))) {
		st = p->err->status;
		goto out;
	}
	st = pull_perform(p, s->roster_url, hdrs, &code, "downloading the package");
	if (fclose(p->out) != 0 && st == CR_OK)
		st = cr_fail(p->err, CR_ECANTCREATE, "cannot write the downloaded roster: %s", strerror(errno));
	p->out = NULL;
	if (st != CR_OK)
		goto out;
	if (code == 304) {
		r->unchanged = 1;
		http_date_local(ss.last_modified, ss.pulled_at, r->since, sizeof r->since);
		goto out;
	}
	if (!sftp && code != 200) {
		st = pull_http_fail(p, code, "the package");
		goto out;
	}
	if (!sftp) {
		snprintf(now.etag, sizeof now.etag, "%s", p->etag);
		snprintf(now.last_modified, sizeof now.last_modified, "%s", p->last_modified);
	}
	snprintf(path, sizeof path, "%s/roster.zip", p->dir);
	st = run_import(db, p, path, r, p->err);
	{
		struct cr_err e2 = { 0 };
		int ok = st == CR_OK && !strcmp(r->summary.outcome, "ok") && !r->summary.dry_run;
		enum cr_status st2 = source_save(db, p->shown, &now, ok, r->summary.run_id, &e2);

		if (st == CR_OK && st2 != CR_OK) {
			*p->err = e2;
			st = st2;
		}
	}
out:
	curl_slist_free_all(hdrs);
	return st;
}

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
static void scalar(const struct json_object *v, struct sbuf *b)
{
	char num[64];
	double d;

	if (jsonc_is(v, json_type_string)) {
		sb_str(b, jsonc_str(v));   /* stops at an embedded NUL */
	} else if (jsonc_num(v, &d)) {
		/* whole numbers in range as integers (the cast of one out of
		 * range is undefined: the fuzzer found 1e26) */
		if (d > -9.2e18 && d < 9.2e18 && d == (double)(long long)d)
			snprintf(num, sizeof num, "%lld", (long long)d);
		else
			snprintf(num, sizeof num, "%.17g", d);
		sb_str(b, num);
	} else if (jsonc_is(v, json_type_boolean)) {
		sb_str(b, json_object_get_boolean(v) ? "true" : "false");
	}
}

/* Whether the comma list b already holds the item s. */
static int list_has(const struct sbuf *b, const char *s)
{
	const char *p = sb_text(b);
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

static void list_add(struct sbuf *b, const char *s)
{
	if (!s || !*s)
		return;
	if (b->len)
		sb_add(b, ",", 1);
	sb_str(b, s);
}

static void cell_value(const struct json_object *obj, const struct rest_col *c, struct sbuf *b)
{
	const struct json_object *v = jsonc_get(obj, c->json);
	struct sbuf one = { 0 };
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

			sb_clear(&one);
			scalar(jsonc_is(e, json_type_object) ? jsonc_get(e, "sourcedId") : e, &one);
			list_add(b, sb_text(&one));
		}
		break;
	case C_LIST:
		if (v && !jsonc_is(v, json_type_array)) {
			scalar(v, b);
			break;
		}
		for (i = 0; i < jsonc_len(v); i++) {
			sb_clear(&one);
			scalar(jsonc_at(v, i), &one);
			list_add(b, sb_text(&one));
		}
		break;
	case C_USERIDS:
		for (i = 0; i < jsonc_len(v); i++) {
			const struct json_object *e = jsonc_at(v, i);
			const char *type = jsonc_get_str(e, "type"), *id = jsonc_get_str(e, "identifier");

			if (!id || !*id)
				continue;
			sb_clear(&one);
			sb_str(&one, "{");
			sb_str(&one, type ? type : "");
			sb_str(&one, ":");
			sb_str(&one, id);
			sb_str(&one, "}");
			list_add(b, sb_text(&one));
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

			sb_clear(&one);
			scalar(jsonc_is(org, json_type_object) ? jsonc_get(org, "sourcedId") : org, &one);
			/* once each */
			if (one.len && !list_has(b, sb_text(&one)))
				list_add(b, sb_text(&one));
		}
		if (!b->len) {
			const struct json_object *orgs = jsonc_get(obj, "orgs");

			for (i = 0; i < jsonc_len(orgs); i++) {
				const struct json_object *e = jsonc_at(orgs, i);

				sb_clear(&one);
				scalar(jsonc_is(e, json_type_object) ? jsonc_get(e, "sourcedId") : e, &one);
				list_add(b, sb_text(&one));
			}
		}
		break;
	}
	free(one.p);
}

/* One page of a collection (the JSON text of the answer): its records as
 * CSV rows of rf's columns into f, through cell (a scratch buffer);
 * *rows, *records and p->maxmod move on, *n gets the page's length. */
static enum cr_status rest_page(struct pull *p, const struct rest_file *rf, const char *text, size_t len, int delta,
				FILE *f, struct sbuf *cell, long *rows, long *records, size_t *n)
{
	struct json_object *root;
	const struct json_object *arr;
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
		const char *status = jsonc_get_str(o, "status"), *mod = jsonc_get_str(o, "dateLastModified");

		if (!jsonc_is(o, json_type_object))
			continue;
		(*records)++;
		if (mod && strlen(mod) < sizeof p->maxmod && strcmp(mod, p->maxmod) > 0)
			snprintf(p->maxmod, sizeof p->maxmod, "%s", mod);
		if (!delta && status && !strcmp(status, "tobedeleted"))
			continue;   /* a bulk is what is: the gone are simply absent */
		for (int c = 0; rf->cols[c].csv; c++) {
			sb_clear(cell);
			cell_value(o, &rf->cols[c], cell);
			csv_cell(f, sb_text(cell), c == 0);
		}
		fputc('\n', f);
		(*rows)++;
	}
	json_object_put(root);
	return cell->oom ? cr_fail(p->err, CR_ENOMEM, "out of memory") : CR_OK;
}

enum cr_status roster_pull_rest_page(const char *endpoint, const char *text, size_t len, int delta, FILE *csv,
				     long *rows, struct cr_err *err)
{
	struct pull p = { .err = err };
	struct sbuf cell = { 0 };
	long records = 0;
	size_t n;
	enum cr_status st;

	*rows = 0;
	for (size_t i = 0; i < REST_NFILES; i++)
		if (!strcmp(rest_files[i].endpoint, endpoint)) {
			st = rest_page(&p, &rest_files[i], text, len, delta, csv, &cell, rows, &records, &n);
			free(cell.p);
			return st;
		}
	return cr_fail(err, CR_EUSAGE, "no OneRoster collection %s", endpoint);
}

static enum cr_status rest_token(struct pull *p, const char *token_url)
{
	const struct sync_settings *s = p->s;
	const char *csecret = secret("CARDROLL_ROSTER_CLIENT_SECRET", s->roster_client_secret);
	enum cr_status st = CR_OK;
	long code = 0;

	if (!*s->roster_client_id || !*csecret)
		return cr_fail(p->err, CR_ECONFIG, "[sync] roster_auth = oauth2 needs roster_client_id and "
			       "roster_client_secret (or CARDROLL_ROSTER_CLIENT_SECRET)");
	for (int attempt = 0; attempt < 2; attempt++) {
		struct sbuf form = { 0 };
		char *a = curl_easy_escape(p->curl, SCOPE_CORE, 0), *b = curl_easy_escape(p->curl, SCOPE_DEMO, 0);
		struct json_object *root;
		const char *tok;

		/* core and demographics (birth dates); core alone if that is refused */
		sb_str(&form, "grant_type=client_credentials&scope=");
		sb_str(&form, a ? a : "");
		if (!attempt) {
			sb_str(&form, "%20");
			sb_str(&form, b ? b : "");
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
		if (code == 400 && !attempt && p->mem.len && strstr(sb_text(&p->mem), "invalid_scope"))
			continue;   /* no demographics for this client: ask for the core alone */
		if (code == 400 || code == 401 || code == 403)
			return cr_fail(p->err, CR_ECONFIG, "the roster server refused the credentials (HTTP %ld from the "
				       "token endpoint; check [sync] roster_client_id and roster_client_secret or "
				       "CARDROLL_ROSTER_CLIENT_SECRET)", code);
		if (code != 200)
			return pull_http_fail(p, code, "the token request");
		root = jsonc_parse(sb_text(&p->mem), p->mem.len, NULL, 0);
		tok = jsonc_get_str(root, "access_token");
		if (!tok || !*tok || strpbrk(tok, "\r\n")) {
			json_object_put(root);
			return cr_fail(p->err, CR_EUNAVAILABLE, "the token endpoint's answer has no access_token");
		}
		if (p->bearer) {
			wipe(p->bearer, strlen(p->bearer));
			free(p->bearer);
		}
		if ((p->bearer = malloc(strlen(tok) + 32)))
			sprintf(p->bearer, "Authorization: Bearer %s", tok);
		wipe((char *)tok, strlen(tok));
		json_object_put(root);
		wipe(p->mem.p, p->mem.len);
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
	struct sbuf url = { 0 }, cell = { 0 };
	long long offset = 0;
	enum cr_status st = CR_OK;
	int refreshed = 0;
	char what[64];
	FILE *f;

	*rows = 0;
	*absent = 0;
	snprintf(what, sizeof what, "/%s", rf->endpoint);
	if (!(f = tmp_open(p->dir, rf->csv, p->err)))
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
		sb_clear(&url);
		sb_str(&url, base);
		sb_str(&url, "/");
		sb_str(&url, rf->endpoint);
		snprintf(num, sizeof num, "?limit=%d&offset=%lld&sort=sourcedId&orderBy=asc", PULL_PAGE_LIMIT, offset);
		sb_str(&url, num);
		if (filter) {
			sb_str(&url, "&filter=");
			sb_str(&url, filter);
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
		if ((st = rest_page(p, rf, sb_text(&p->mem), p->mem.len, delta, f, &cell, rows, records, &n)) != CR_OK)
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

static enum cr_status pull_rest(struct cr_db *db, struct pull *p, struct roster_pull_result *r)
{
	const struct sync_settings *s = p->s;
	struct source_state ss;
	char base[1024], token_url[1100] = "", *filter = NULL;
	int delta, modes[REST_NFILES];
	long rows[REST_NFILES];
	enum cr_status st;
	FILE *mf;
	size_t n;

	snprintf(base, sizeof base, "%.*s", (int)strcspn(s->roster_url, "?#"), s->roster_url);
	for (n = strlen(base); n > 0 && base[n - 1] == '/'; n--)
		base[n - 1] = '\0';
	if ((st = source_load(db, p->shown, &ss, p->err)) != CR_OK)
		return st;
	delta = *ss.last_delta_at != '\0';
	snprintf(r->mode, sizeof r->mode, "%s", delta ? "delta" : "bulk");

	if (!strcmp(s->roster_auth, "oauth2")) {
		if (*s->roster_token_url) {
			snprintf(token_url, sizeof token_url, "%s", s->roster_token_url);
		} else {
			const char *ims = strstr(base, "/ims/oneroster/");

			snprintf(token_url, sizeof token_url, "%.*s/token", (int)(ims ? ims - base : (long)strlen(base)),
				 base);
		}
		if ((st = rest_token(p, token_url)) != CR_OK)
			return st;
	}
	if (delta) {
		char expr[128];

		snprintf(expr, sizeof expr, "dateLastModified>'%s'", ss.last_delta_at);
		if (!(filter = curl_easy_escape(p->curl, expr, 0)))
			return cr_fail(p->err, CR_ENOMEM, "out of memory");
	}
	if ((st = tmp_make(p->dir, sizeof p->dir, p->err)) != CR_OK)
		goto out;
	snprintf(p->maxmod, sizeof p->maxmod, "%s", ss.last_delta_at);

	for (size_t i = 0; i < REST_NFILES; i++) {
		int absent = 0;

		st = rest_collection(p, base, *token_url ? token_url : NULL, &rest_files[i], filter, delta, &rows[i],
				     &absent, &r->records);
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
		http_date_local("", ss.pulled_at, r->since, sizeof r->since);
		goto out;
	}
	if (!(mf = tmp_open(p->dir, "manifest.csv", p->err))) {
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
	st = run_import(db, p, p->dir, r, p->err);
	{
		struct cr_err e2 = { 0 };
		int ok = st == CR_OK && !strcmp(r->summary.outcome, "ok") && !r->summary.dry_run;
		struct source_state now = { .pulled_at = 0 };
		enum cr_status st2;

		snprintf(now.last_delta_at, sizeof now.last_delta_at, "%s", p->maxmod);
		st2 = source_save(db, p->shown, &now, ok, r->summary.run_id, &e2);
		if (st == CR_OK && st2 != CR_OK) {
			*p->err = e2;
			st = st2;
		}
	}
out:
	curl_free(filter);
	return st;
}

/* ---- entry ------------------------------------------------------------ */

enum cr_status roster_pull(struct cr_db *db, const struct sync_settings *s, struct roster_pull_result *r,
			   struct cr_err *err)
{
	struct pull p;
	enum cr_status st;

	memset(r, 0, sizeof *r);
	memset(&p, 0, sizeof p);
	p.s = s;
	p.err = err;
	p.total = -1;
	if (!*s->roster_url)
		return cr_fail(err, CR_ECONFIG, "no roster to pull: set [sync] roster_url (a OneRoster .zip URL or a "
			       "OneRoster 1.2 REST base)");
	roster_pull_redact(s->roster_url, p.shown, sizeof p.shown);
	snprintf(r->source, sizeof r->source, "%s", p.shown);
	if (strncasecmp(s->roster_url, "https://", 8) && strncasecmp(s->roster_url, "http://", 7) &&
	    strncasecmp(s->roster_url, "sftp://", 7))
		return cr_fail(err, CR_ECONFIG, "[sync] roster_url must start with https://, http:// or sftp://");
	r->rest = url_is_rest(s->roster_url);
	if (r->rest && strncasecmp(s->roster_url, "http", 4))
		return cr_fail(err, CR_ECONFIG, "a OneRoster REST base must be an https:// (or http://) URL");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cr_fail(err, CR_EINTERNAL, "cannot start the HTTP client");
	if ((st = pull_setup(&p, s->roster_url)) == CR_OK)
		st = r->rest ? pull_rest(db, &p, r) : pull_file(db, &p, r);
	if (p.out)
		fclose(p.out);
	tmp_remove(p.dir);
	if (p.bearer) {
		wipe(p.bearer, strlen(p.bearer));
		free(p.bearer);
	}
	if (p.mem.p) {
		wipe(p.mem.p, p.mem.cap);
		free(p.mem.p);
	}
	if (p.curl)
		curl_easy_cleanup(p.curl);
	curl_global_cleanup();
	return st;
}
