/* pull_util: what every part of a pull shares: secrets
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

/* ---- timestamps ------------------------------------------------------- */

/* n decimal digits at s, or -1. */
static int ts_digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms). */
static long long ts_days(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void ts_civil(long long z, long long *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int pull_ts_canon(const char *s, char *out, size_t len)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, se, micro = 0, off = 0, m2, d2;
	long long t, days, y2;

	if (!s || strlen(s) < 19 || len < 28)
		return 0;
	y = ts_digits(s, 4);
	mo = ts_digits(s + 5, 2);
	d = ts_digits(s + 8, 2);
	h = ts_digits(s + 11, 2);
	mi = ts_digits(s + 14, 2);
	se = ts_digits(s + 17, 2);
	if (y < 0 || s[4] != '-' || mo < 1 || mo > 12 || s[7] != '-' || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || h < 0 || h > 23 || s[13] != ':' ||
	    mi < 0 || mi > 59 || s[16] != ':' || se < 0 || se > 60)
		return 0;
	s += 19;
	if (*s == '.' || *s == ',') {   /* fractional seconds: microseconds kept, the rest dropped */
		int n = 0;

		for (s++; *s >= '0' && *s <= '9'; s++, n++)
			if (n < 6)
				micro = micro * 10 + (*s - '0');
		if (!n)
			return 0;
		for (; n < 6; n++)
			micro *= 10;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {   /* +hh:mm, +hhmm or +hh */
		int sign = *s == '-' ? -1 : 1, oh = ts_digits(s + 1, 2), om = 0;

		if (oh < 0 || oh > 23)
			return 0;
		s += 3;
		if (*s == ':')
			s++;
		if (*s) {
			if ((om = ts_digits(s, 2)) < 0 || om > 59)
				return 0;
			s += 2;
		}
		off = sign * (oh * 3600 + om * 60);
	}   /* no zone: taken as UTC (OneRoster's dateLastModified is UTC) */
	if (*s)
		return 0;
	t = ts_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	t -= days * 86400;
	ts_civil(days, &y2, &m2, &d2);
	if (y2 < 1 || y2 > 9999)
		return 0;
	snprintf(out, len, "%04lld-%02d-%02dT%02d:%02d:%02d.%06dZ", y2, m2, d2, (int)(t / 3600), (int)(t / 60 % 60),
		 (int)(t % 60), micro);
	return 1;
}
