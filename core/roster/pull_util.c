/* pull_util: what every part of a pull shares: a growable buffer, secrets
 * (from the environment, wiped after use) and the private temporary folder. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pull_int.h"

/* ---- small helpers ---------------------------------------------------- */

void pull_sb_add(struct sbuf *b, const char *s, size_t n)
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

void pull_sb_str(struct sbuf *b, const char *s)
{
	pull_sb_add(b, s, strlen(s));
}

void pull_sb_clear(struct sbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

const char *pull_sb_text(const struct sbuf *b)
{
	return b->p ? b->p : "";
}

const char *pull_secret(const char *env, const char *cfg)
{
	const char *v = getenv(env);

	return v && *v ? v : cfg;
}

void pull_wipe(char *p, size_t n)
{
	volatile char *v = p;

	while (n--)
		*v++ = 0;
}

/* ---- the temporary folder --------------------------------------------- */

enum cr_status pull_tmp_make(char *dir, size_t len, struct cr_err *err)
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

void pull_tmp_remove(const char *dir)
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

FILE *pull_tmp_open(const char *dir, const char *name, struct cr_err *err)
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
