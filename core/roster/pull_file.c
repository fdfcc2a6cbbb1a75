/* pull_file: a OneRoster package (.zip) over https/http with a conditional GET,
 * or over sftp by the file's time, then imported. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pull_int.h"

/* ---- a package file --------------------------------------------------- */

/* The URL's path (no query), for extension checks. */
static int url_path_ends(const char *url, const char *suffix)
{
	size_t n = strcspn(url, "?#"), m = strlen(suffix);

	return n >= m && strncasecmp(url + n - m, suffix, m) == 0;
}

enum cr_status pull_file(struct cr_db *db, struct pull *p, struct roster_pull_result *r)
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
	if ((st = pull_source_load(db, p->shown, &ss, p->err)) != CR_OK)
		return st;
	pull_source_clear(&ss);   /* a REST delta's records: not a file's business */
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
				pull_http_date_local(ss.last_modified, ss.pulled_at, r->since, sizeof r->since);
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
	if ((st = pull_tmp_make(p->dir, sizeof p->dir, p->err)) != CR_OK)
		goto out;
	if (!(p->out = pull_tmp_open(p->dir, "roster.zip", p->err))) {
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
		pull_http_date_local(ss.last_modified, ss.pulled_at, r->since, sizeof r->since);
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
	st = pull_run_import(db, p, path, r, p->err);
	{
		struct cr_err e2 = { 0 };
		int ok = st == CR_OK && !strcmp(r->summary.outcome, "ok") && !r->summary.dry_run;
		enum cr_status st2 = pull_source_save(db, p->shown, &now, ok, r->summary.run_id, &e2);

		if (st == CR_OK && st2 != CR_OK) {
			*p->err = e2;
			st = st2;
		}
	}
out:
	curl_slist_free_all(hdrs);
	return st;
}
