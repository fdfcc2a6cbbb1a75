/* package: folder, zip and single-file access for roster imports. A zip is
 * read in place (never extracted), and entries whose path would leave the
 * package are refused and reported, not opened. A zip bomb is refused
 * whole before anything is inflated: too many entries, an entry or a total
 * too big once inflated, or an entry that inflates too many times its
 * packed size (the limits below); and an entry that inflates past the size
 * it declared is stopped there. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "package.h"

#define PACKAGE_MAX_REFUSED 64

/* Zip limits. A OneRoster package is a dozen files; a district of a million
 * students is about 1 GB of CSV, its largest file (enrollments) ~600 MB,
 * and CSV deflates 5 to 30 times. A zip bomb inflates ~1000 times per
 * layer. A small entry may have any ratio (an almost empty file does). */
#define PACKAGE_ZIP_MAX_ENTRIES   1000
#define PACKAGE_ZIP_MAX_ENTRY     (2ULL << 30)    /* 2 GiB inflated, one entry */
#define PACKAGE_ZIP_MAX_TOTAL     (8ULL << 30)    /* 8 GiB inflated, all entries */
#define PACKAGE_ZIP_MAX_RATIO     200             /* inflated / packed, for entries over... */
#define PACKAGE_ZIP_RATIO_FROM    (1ULL << 20)    /* ...1 MiB inflated */

enum package_kind { PKG_FOLDER, PKG_ZIP, PKG_FILE };

struct package {
	enum package_kind kind;
	char   *path;
	char   *name;
	zip_t  *zip;
	char   *refused[PACKAGE_MAX_REFUSED];
	int     nrefused;
	int     fd;            /* the open file behind the current reader (folder/file) */
	zip_file_t *zf;        /* the open zip entry behind the current reader */
	unsigned long long zgot, zdeclared;  /* bytes inflated from it, and its declared size */
	char    read_error[300];  /* why a zip entry's reading was stopped, "" when it was not */
};

static int package_is_zip_path(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && strcasecmp(path + n - 4, ".zip") == 0;
}

/* A zip entry is safe when it is relative and has no ".." component. */
static int package_entry_safe(const char *e)
{
	const char *p = e;

	if (e[0] == '/' || e[0] == '\\' || strchr(e, '\\') || (e[0] && e[1] == ':'))
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		if (*p == '/')
			p++;
	}
	return 1;
}

static void package_check_zip(struct package *p)
{
	zip_int64_t n = zip_get_num_entries(p->zip, 0);

	for (zip_int64_t i = 0; i < n; i++) {
		const char *e = zip_get_name(p->zip, (zip_uint64_t)i, 0);

		if (e && !package_entry_safe(e) && p->nrefused < PACKAGE_MAX_REFUSED)
			p->refused[p->nrefused++] = strdup(e);
	}
}

static void package_gib(unsigned long long n, char *out, size_t len)
{
	if (n >= (1ULL << 30))
		snprintf(out, len, "%.1f GiB", (double)n / (double)(1ULL << 30));
	else if (n >= (1ULL << 20))
		snprintf(out, len, "%.1f MiB", (double)n / (double)(1ULL << 20));
	else
		snprintf(out, len, "%llu bytes", n);
}

/* Refuses a zip bomb from its central directory, before inflating a byte:
 * too many entries, an entry or all of them too big inflated, or an entry
 * inflating more than PACKAGE_ZIP_MAX_RATIO times its packed size. */
static enum cr_status package_check_bomb(struct package *p, struct cr_err *err)
{
	zip_int64_t n = zip_get_num_entries(p->zip, 0);
	unsigned long long total = 0;
	char a[32], b[32];

	if (n > PACKAGE_ZIP_MAX_ENTRIES)
		return cr_fail(err, CR_EDATA, "%s holds %lld entries (a roster package has a few dozen; the limit is "
			       "%d): refused as a possible zip bomb, nothing was read", p->name, (long long)n,
			       PACKAGE_ZIP_MAX_ENTRIES);
	/* sizes first (each, then all), then ratios */
	for (int pass = 0; pass < 2; pass++) {
		for (zip_int64_t i = 0; i < n; i++) {
			zip_stat_t zs;
			const char *e;

			zip_stat_init(&zs);
			if (zip_stat_index(p->zip, (zip_uint64_t)i, 0, &zs) != 0)
				return cr_fail(err, CR_EDATA, "%s: entry %lld cannot be read: %s", p->name,
					       (long long)i + 1, zip_strerror(p->zip));
			e = (zs.valid & ZIP_STAT_NAME) && zs.name ? zs.name : "?";
			if (!(zs.valid & ZIP_STAT_SIZE))
				continue;
			if (pass == 0 && zs.size > PACKAGE_ZIP_MAX_ENTRY) {
				package_gib(zs.size, a, sizeof a);
				package_gib(PACKAGE_ZIP_MAX_ENTRY, b, sizeof b);
				return cr_fail(err, CR_EDATA, "%s: entry '%.100s' would inflate to %s, over the limit of %s "
					       "for one file: refused as a possible zip bomb, nothing was read", p->name, e,
					       a, b);
			}
			if (pass == 0 && (total += zs.size) > PACKAGE_ZIP_MAX_TOTAL) {
				package_gib(total, a, sizeof a);
				package_gib(PACKAGE_ZIP_MAX_TOTAL, b, sizeof b);
				return cr_fail(err, CR_EDATA, "%s would inflate to %s or more, over the limit of %s for a "
					       "package: refused as a possible zip bomb, nothing was read", p->name, a, b);
			}
			if (pass == 1 && zs.size > PACKAGE_ZIP_RATIO_FROM && (zs.valid & ZIP_STAT_COMP_SIZE) &&
			    zs.size / PACKAGE_ZIP_MAX_RATIO > zs.comp_size) {
				package_gib(zs.size, a, sizeof a);
				package_gib(zs.comp_size, b, sizeof b);
				return cr_fail(err, CR_EDATA, "%s: entry '%.100s' would inflate from %s to %s, %llu times "
					       "its size (the limit is %d times): refused as a possible zip bomb, nothing "
					       "was read", p->name, e, b, a,
					       (unsigned long long)(zs.comp_size ? zs.size / zs.comp_size : zs.size),
					       PACKAGE_ZIP_MAX_RATIO);
			}
		}
	}
	return CR_OK;
}

enum cr_status package_open(const char *path, struct package **out, struct cr_err *err)
{
	struct package *p;
	struct stat sb;
	const char *slash;

	*out = NULL;
	if (stat(path, &sb) != 0)
		return cr_fail(err, CR_ENOINPUT, "cannot open %s: %s", path, strerror(errno));
	p = calloc(1, sizeof *p);
	if (!p || !(p->path = strdup(path))) {
		free(p);
		return cr_fail(err, CR_ENOMEM, "out of memory");
	}
	p->fd = -1;
	slash = strrchr(path, '/');
	while (slash && slash[1] == '\0' && slash > path) {
		/* "dir/" names the folder before the slash. */
		const char *q = slash - 1;

		while (q > path && *q != '/')
			q--;
		slash = (*q == '/') ? q : NULL;
	}
	p->name = strdup(slash ? slash + 1 : path);
	if (p->name) {
		size_t n = strlen(p->name);

		while (n > 1 && p->name[n - 1] == '/')
			p->name[--n] = '\0';
	}
	if (S_ISDIR(sb.st_mode)) {
		p->kind = PKG_FOLDER;
	} else if (package_is_zip_path(path)) {
		int zerr = 0;

		p->kind = PKG_ZIP;
		p->zip = zip_open(path, ZIP_RDONLY, &zerr);
		if (!p->zip) {
			zip_error_t ze;

			zip_error_init_with_code(&ze, zerr);
			cr_fail(err, CR_EDATA, "%s is not a readable zip file: %s", path, zip_error_strerror(&ze));
			zip_error_fini(&ze);
			package_close(p);
			return CR_EDATA;
		}
		if (package_check_bomb(p, err) != CR_OK) {
			package_close(p);
			return CR_EDATA;
		}
		package_check_zip(p);
	} else if (S_ISREG(sb.st_mode)) {
		p->kind = PKG_FILE;
	} else {
		package_close(p);
		return cr_fail(err, CR_ENOINPUT, "%s is neither a folder, a .zip nor a file", path);
	}
	*out = p;
	return CR_OK;
}

void package_close(struct package *p)
{
	if (!p)
		return;
	if (p->zf)
		zip_fclose(p->zf);
	if (p->fd >= 0)
		close(p->fd);
	if (p->zip)
		zip_discard(p->zip);
	for (int i = 0; i < p->nrefused; i++)
		free(p->refused[i]);
	free(p->path);
	free(p->name);
	free(p);
}

const char *package_kind(const struct package *p)
{
	static const char *names[] = { "folder", "zip", "file" };

	return names[p->kind];
}

const char *package_name(const struct package *p)
{
	return p->name ? p->name : p->path;
}

/* The zip entry for a file name: an exact top-level name, or the
 * shallowest safe entry whose last part matches (packages zipped with
 * their folder). -1 when none. */
static zip_int64_t package_zip_find(const struct package *p, const char *name)
{
	zip_int64_t n = zip_get_num_entries(p->zip, 0), best = -1;
	int best_depth = 1 << 30;

	for (zip_int64_t i = 0; i < n; i++) {
		const char *e = zip_get_name(p->zip, (zip_uint64_t)i, 0);
		const char *base;
		int depth = 0;

		if (!e || !package_entry_safe(e))
			continue;
		base = strrchr(e, '/');
		base = base ? base + 1 : e;
		if (strcasecmp(base, name) != 0)
			continue;
		for (const char *c = e; *c; c++)
			depth += (*c == '/');
		if (depth < best_depth) {
			best = i;
			best_depth = depth;
		}
	}
	return best;
}

/* The folder entry for name (exact name). */
static char *package_folder_find(const struct package *p, const char *name)
{
	size_t n = strlen(p->path) + strlen(name) + 2;
	char *full = malloc(n);

	if (!full)
		return NULL;
	snprintf(full, n, "%s/%s", p->path, name);
	if (access(full, R_OK) == 0)
		return full;
	free(full);
	return NULL;
}

int package_has(const struct package *p, const char *name)
{
	char *f;

	switch (p->kind) {
	case PKG_ZIP:
		return package_zip_find(p, name) >= 0;
	case PKG_FOLDER:
		f = package_folder_find(p, name);
		free(f);
		return f != NULL;
	case PKG_FILE:
		return strcasecmp(p->name, name) == 0;
	}
	return 0;
}

unsigned long long package_size(const struct package *p, const char *name)
{
	struct stat sb;
	char *f;

	if (p->kind == PKG_ZIP) {
		zip_int64_t i = package_zip_find(p, name);
		zip_stat_t zs;

		if (i < 0 || zip_stat_index(p->zip, (zip_uint64_t)i, 0, &zs) != 0)
			return 0;
		return (zs.valid & ZIP_STAT_SIZE) ? zs.size : 0;
	}
	if (p->kind == PKG_FILE)
		return stat(p->path, &sb) == 0 ? (unsigned long long)sb.st_size : 0;
	f = package_folder_find(p, name);
	if (!f)
		return 0;
	if (stat(f, &sb) != 0)
		sb.st_size = 0;
	free(f);
	return (unsigned long long)sb.st_size;
}

/* Reads the open entry, stopping (with read_error) once it inflates past
 * the size it declared: the limits were checked against that size. */
static ssize_t package_zip_read(void *ctx, char *buf, size_t n)
{
	struct package *p = ctx;
	zip_int64_t got = zip_fread(p->zf, buf, n);

	if (got < 0) {
		errno = EIO;
		return -1;
	}
	p->zgot += (unsigned long long)got;
	if (p->zgot > p->zdeclared) {
		snprintf(p->read_error, sizeof p->read_error, "%s: an entry inflates past the %llu bytes it declares: "
			 "refused as a possible zip bomb", p->name, p->zdeclared);
		errno = EFBIG;
		return -1;
	}
	return (ssize_t)got;
}

/* Opens zip entry i as the current one (p->zf), with its declared size. */
static zip_file_t *package_zip_open(struct package *p, zip_int64_t i)
{
	zip_stat_t zs;

	zip_stat_init(&zs);
	if (zip_stat_index(p->zip, (zip_uint64_t)i, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE))
		return NULL;
	p->zgot = 0;
	p->zdeclared = zs.size;
	p->read_error[0] = '\0';
	return p->zf = zip_fopen_index(p->zip, (zip_uint64_t)i, 0);
}

const char *package_read_error(const struct package *p)
{
	return p->read_error[0] ? p->read_error : NULL;
}

static ssize_t package_fd_read(void *ctx, char *buf, size_t n)
{
	ssize_t got;

	do
		got = read(*(int *)ctx, buf, n);
	while (got < 0 && errno == EINTR);
	return got;
}

unsigned long long package_count_lines(struct package *p, const char *name)
{
	unsigned long long lines = 0;
	size_t bufsize = 1 << 20;
	char *buf = malloc(bufsize);
	zip_file_t *zf = NULL;
	int fd = -1;
	ssize_t got;

	if (!buf)
		return 0;
	if (p->kind == PKG_ZIP) {
		zip_int64_t i = package_zip_find(p, name);

		if (i >= 0 && !p->zf)
			zf = package_zip_open(p, i);
	} else {
		char *path = p->kind == PKG_FILE ? strdup(p->path) : package_folder_find(p, name);

		if (path)
			fd = open(path, O_RDONLY | O_CLOEXEC);
		free(path);
	}
	if (zf || fd >= 0) {
		while ((got = zf ? package_zip_read(p, buf, bufsize) : package_fd_read(&fd, buf, bufsize)) > 0) {
			for (char *q = buf, *e = buf + got; (q = memchr(q, '\n', (size_t)(e - q))) != NULL; q++)
				lines++;
		}
	}
	if (zf) {
		zip_fclose(zf);
		p->zf = NULL;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return lines;
}

struct csv_reader *package_csv(struct package *p, const char *name, size_t max_record, struct cr_err *err)
{
	struct csv_reader *r;
	char *path;

	if (p->fd >= 0 || p->zf) {
		cr_fail(err, CR_EINTERNAL, "package: one file at a time");
		return NULL;
	}
	if (p->kind == PKG_ZIP) {
		zip_int64_t i = package_zip_find(p, name);

		if (i < 0) {
			cr_fail(err, CR_ENOINPUT, "%s has no %s", p->name, name);
			return NULL;
		}
		if (!package_zip_open(p, i)) {
			cr_fail(err, CR_EDATA, "%s: cannot read %s: %s", p->name, name, zip_strerror(p->zip));
			return NULL;
		}
		r = csv_open(package_zip_read, p, name, max_record);
		if (!r) {
			zip_fclose(p->zf);
			p->zf = NULL;
			cr_fail(err, CR_ENOMEM, "out of memory");
		}
		return r;
	}
	path = p->kind == PKG_FILE ? strdup(p->path) : package_folder_find(p, name);
	if (!path) {
		cr_fail(err, CR_ENOINPUT, "%s has no %s", p->name, name);
		return NULL;
	}
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0) {
		cr_fail(err, CR_ENOINPUT, "cannot open %s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	free(path);
	posix_fadvise(p->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r = csv_open_fd(p->fd, name, max_record);
	if (!r) {
		close(p->fd);
		p->fd = -1;
		cr_fail(err, CR_ENOMEM, "out of memory");
	}
	return r;
}

void package_csv_close(struct package *p, struct csv_reader *r)
{
	csv_close(r);
	if (p->zf) {
		zip_fclose(p->zf);
		p->zf = NULL;
	}
	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
}

const char *package_refused(const struct package *p, int i)
{
	return (i >= 0 && i < p->nrefused) ? p->refused[i] : NULL;
}
