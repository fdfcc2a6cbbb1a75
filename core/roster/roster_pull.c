/* roster_pull: [sync] roster_url into the importer (see roster_pull.h): the
 * entry, which checks the URL and hands it to the file pull or the REST client. */
#include "roster_pull.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pull_int.h"

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

static int url_is_rest(const char *url)
{
	static const char tail[] = "/ims/oneroster/rostering/v1p2";
	size_t n = strcspn(url, "?#"), m = sizeof tail - 1;

	while (n > 0 && url[n - 1] == '/')
		n--;
	return n >= m && strncasecmp(url + n - m, tail, m) == 0;
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
	pull_tmp_remove(p.dir);
	if (p.bearer) {
		pull_wipe(p.bearer, strlen(p.bearer));
		free(p.bearer);
	}
	if (p.mem.p) {
		pull_wipe(p.mem.p, p.mem.cap);
		free(p.mem.p);
	}
	if (p.curl)
		curl_easy_cleanup(p.curl);
	if (p.share)
		curl_share_cleanup(p.share);
	curl_global_cleanup();
	return st;
}
