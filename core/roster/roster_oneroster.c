/* roster_oneroster: reading a OneRoster 1.1/1.2 CSV package (bulk or delta)
 * into the roster tables. Each row is checked and cleaned; a bad row is
 * reported with file, line and field and skipped, the rest import. Only
 * what a card needs is read: no demographics but the birth date, never a
 * password. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ini.h>

#include "text/names.h"
#include "roster_int.h"
#include "text/text.h"

/* ---- files and their columns ------------------------------------------ */

struct col_spec {
	const char *name;
	int         required;
};

struct file_spec {
	const char            *name;      /* users.csv */
	const char            *key;       /* file.users in the manifest */
	const struct col_spec *cols;      /* known columns, NULL-terminated */
};

static const struct col_spec orgs_cols[] = {
	{ "sourcedId", 1 }, { "status", 0 }, { "dateLastModified", 0 }, { "name", 1 },
	{ "type", 1 }, { "identifier", 0 }, { "parentSourcedId", 0 }, { NULL, 0 },
};
static const struct col_spec sessions_cols[] = {
	{ "sourcedId", 1 }, { "status", 0 }, { "dateLastModified", 0 }, { "title", 1 },
	{ "type", 0 }, { "startDate", 0 }, { "endDate", 0 }, { "parentSourcedId", 0 },
	{ "schoolYear", 0 }, { NULL, 0 },
};
static const struct col_spec classes_cols[] = {
	{ "sourcedId", 1 }, { "status", 0 }, { "dateLastModified", 0 }, { "title", 1 },
	{ "grades", 0 }, { "courseSourcedId", 0 }, { "classCode", 0 }, { "classType", 0 },
	{ "location", 0 }, { "schoolSourcedId", 1 }, { "termSourcedIds", 0 }, { "subjects", 0 },
	{ "subjectCodes", 0 }, { "periods", 0 }, { "resources", 0 }, { NULL, 0 },
};
static const struct col_spec roles_cols[] = {
	{ "sourcedId", 0 }, { "status", 0 }, { "dateLastModified", 0 }, { "userSourcedId", 1 },
	{ "roleType", 0 }, { "role", 1 }, { "beginDate", 0 }, { "endDate", 0 },
	{ "orgSourcedId", 0 }, { "userProfileSourcedId", 0 }, { NULL, 0 },
};
static const struct col_spec demographics_cols[] = {
	{ "sourcedId", 1 }, { "status", 0 }, { "dateLastModified", 0 }, { "birthDate", 0 },
	{ "sex", 0 }, { "americanIndianOrAlaskaNative", 0 }, { "asian", 0 },
	{ "blackOrAfricanAmerican", 0 }, { "nativeHawaiianOrOtherPacificIslander", 0 },
	{ "white", 0 }, { "demographicRaceTwoOrMoreRaces", 0 }, { "hispanicOrLatinoEthnicity", 0 },
	{ "countryOfBirthCode", 0 }, { "stateOfBirthAbbreviation", 0 }, { "cityOfBirth", 0 },
	{ "publicSchoolResidenceStatus", 0 }, { NULL, 0 },
};
static const struct col_spec users_cols[] = {
	{ "sourcedId", 1 }, { "status", 0 }, { "dateLastModified", 0 }, { "enabledUser", 0 },
	{ "orgSourcedIds", 0 }, { "role", 0 }, { "username", 0 }, { "userIds", 0 },
	{ "givenName", 1 }, { "familyName", 1 }, { "middleName", 0 }, { "identifier", 0 },
	{ "email", 0 }, { "sms", 0 }, { "phone", 0 }, { "agentSourcedIds", 0 }, { "grades", 0 },
	{ "password", 0 }, { "userMasterIdentifier", 0 }, { "resourceSourcedIds", 0 },
	{ "preferredGivenName", 0 }, { "preferredMiddleName", 0 }, { "preferredFamilyName", 0 },
	{ "primaryOrgSourcedId", 0 }, { "pronouns", 0 }, { "preferredFirstName", 0 },
	{ "preferredLastName", 0 }, { NULL, 0 },
};
static const struct col_spec enrollments_cols[] = {
	{ "sourcedId", 1 }, { "status", 0 }, { "dateLastModified", 0 }, { "classSourcedId", 1 },
	{ "schoolSourcedId", 0 }, { "userSourcedId", 1 }, { "role", 1 }, { "primary", 0 },
	{ "beginDate", 0 }, { "endDate", 0 }, { NULL, 0 },
};

static const struct file_spec files[F_COUNT] = {
	[F_ORGS]         = { "orgs.csv",             "file.orgs",             orgs_cols },
	[F_SESSIONS]     = { "academicSessions.csv", "file.academicSessions", sessions_cols },
	[F_CLASSES]      = { "classes.csv",          "file.classes",          classes_cols },
	[F_ROLES]        = { "roles.csv",            "file.roles",            roles_cols },
	[F_DEMOGRAPHICS] = { "demographics.csv",     "file.demographics",     demographics_cols },
	[F_USERS]        = { "users.csv",            "file.users",            users_cols },
	[F_ENROLLMENTS]  = { "enrollments.csv",      "file.enrollments",      enrollments_cols },
};

#define MAX_COLS 64

/* A header mapped to known columns: idx[i] is the position of cols[i] or -1. */
struct header {
	const struct file_spec *spec;
	int    idx[MAX_COLS];
	size_t ncols;            /* columns in the header */
	int    optout_col;       /* a metadata.* directory opt-out column, or -1 */
	const char *optout_name;
	char   optout_buf[128];
};

/* Callers pass the same string literals the tables hold, so a pointer
 * comparison finds the column first; the text comparison is the fallback. */
static int col_index(const struct header *hd, const char *name)
{
	const struct col_spec *c = hd->spec->cols;

	for (int i = 0; c[i].name; i++)
		if (c[i].name == name)
			return hd->idx[i];
	for (int i = 0; c[i].name; i++)
		if (strcmp(c[i].name, name) == 0)
			return hd->idx[i];
	return -1;
}

/* Edit distance, for "did you mean". Names are short. */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int prev = row[0];

		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cur = row[j];
			int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			int best = prev + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static const char *closest(const char *name, const char *const *cands, size_t stride_unused)
{
	const char *best = NULL;
	int bestd = 3;

	(void)stride_unused;
	for (size_t i = 0; cands[i]; i++) {
		int d = edit_distance(name, cands[i]);

		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return best;
}

static const char *closest_col(const struct file_spec *spec, const char *name)
{
	const char *names[MAX_COLS + 1];
	size_t n = 0;

	for (; spec->cols[n].name && n < MAX_COLS; n++)
		names[n] = spec->cols[n].name;
	names[n] = NULL;
	return closest(name, names, 0);
}

/* "metadata.directoryOptOut", "metadata.ferpaOptOut" and similar. */
static int is_optout_column(const char *name)
{
	char low[128];
	size_t n = 0;

	if (strncasecmp(name, "metadata.", 9) != 0)
		return 0;
	for (const char *p = name + 9; *p && n + 1 < sizeof low; p++)
		if (isalnum((unsigned char)*p))
			low[n++] = (char)tolower((unsigned char)*p);
	low[n] = '\0';
	return (strstr(low, "directory") || strstr(low, "ferpa")) && strstr(low, "opt");
}

/* Maps the header record; reports unknown and misspelled columns. Returns
 * CR_OK, or CR_EDATA when a required column is missing (the file cannot be
 * read). */
static enum cr_status header_read(struct imp *im, const struct file_spec *spec,
				  const struct csv_record *rec, struct header *hd)
{
	int missing = 0;

	memset(hd, 0, sizeof *hd);
	hd->spec = spec;
	hd->optout_col = -1;
	hd->ncols = rec->nfields;
	for (int i = 0; i < MAX_COLS; i++)
		hd->idx[i] = -1;
	for (size_t c = 0; c < rec->nfields; c++) {
		const char *name = rec->field[c];
		int found = 0;

		while (*name == ' ')
			name++;
		for (int i = 0; spec->cols[i].name; i++) {
			if (strcmp(spec->cols[i].name, name) == 0) {
				if (hd->idx[i] >= 0)
					imp_issue(im, spec->name, rec->line, spec->cols[i].name, 0,
						  "column '%s' appears twice; the first is used", name);
				else
					hd->idx[i] = (int)c;
				found = 1;
				break;
			}
		}
		if (found)
			continue;
		for (int i = 0; spec->cols[i].name; i++) {
			if (strcasecmp(spec->cols[i].name, name) == 0 && hd->idx[i] < 0) {
				imp_issue(im, spec->name, rec->line, spec->cols[i].name, 0,
					  "column '%s' should be spelled '%s'; used as that", name,
					  spec->cols[i].name);
				hd->idx[i] = (int)c;
				found = 1;
				break;
			}
		}
		if (found)
			continue;
		if (is_optout_column(name)) {
			hd->optout_col = (int)c;
			snprintf(hd->optout_buf, sizeof hd->optout_buf, "%s", name);
			hd->optout_name = hd->optout_buf;
		} else if (strncasecmp(name, "metadata.", 9) == 0) {
			continue;     /* extensions are allowed and ignored */
		} else if (!*name) {
			imp_issue(im, spec->name, rec->line, "", 0,
				  "column %zu has no name; ignored", c + 1);
		} else {
			const char *near = closest_col(spec, name);

			if (near)
				imp_issue(im, spec->name, rec->line, "", 0,
					  "unknown column '%.60s' (did you mean '%s'?); ignored", name, near);
			else
				imp_issue(im, spec->name, rec->line, "", 0,
					  "unknown column '%.60s'; ignored", name);
		}
	}
	for (int i = 0; spec->cols[i].name; i++) {
		if (spec->cols[i].required && hd->idx[i] < 0) {
			imp_issue(im, spec->name, rec->line, spec->cols[i].name, 1,
				  "required column '%s' is missing; the file cannot be read",
				  spec->cols[i].name);
			missing++;
		}
	}
	if (missing)
		return cr_fail(im->err, CR_EDATA, "%s:%ld: %d required column%s missing (see the report)",
			       spec->name, rec->line, missing, missing > 1 ? "s are" : " is");
	return CR_OK;
}

/* ---- rows --------------------------------------------------------------- */

struct row {
	struct imp             *im;
	const struct header    *hd;
	const struct csv_record *rec;
	unsigned                text_flags;   /* union of text_clean flags */
	char                    flagged_fields[160];
	int                     bad;          /* a field could not be read */
	char                   *owned[16];
	int                     nowned;
};

static void row_init(struct row *r, struct imp *im, const struct header *hd, const struct csv_record *rec)
{
	memset(r, 0, sizeof *r);
	r->im = im;
	r->hd = hd;
	r->rec = rec;
}

static void row_done(struct row *r)
{
	for (int i = 0; i < r->nowned; i++)
		free(r->owned[i]);
	r->nowned = 0;
}

/* The raw cell of a column, "" when the column is absent or the row short. */
static const char *row_raw(const struct row *r, const char *col, size_t *len)
{
	int i = col_index(r->hd, col);

	if (i < 0 || (size_t)i >= r->rec->nfields) {
		if (len)
			*len = 0;
		return "";
	}
	if (len)
		*len = r->rec->len[i];
	return r->rec->field[i];
}

static void row_note_field(struct row *r, const char *col)
{
	size_t n = strlen(r->flagged_fields);

	if (strstr(r->flagged_fields, col))
		return;
	snprintf(r->flagged_fields + n, sizeof r->flagged_fields - n, "%s%s", n ? ", " : "", col);
}

/* An identifier: must be clean UTF-8 without controls; returned raw. */
static const char *row_id(struct row *r, const char *col)
{
	size_t len;
	const char *s = row_raw(r, col, &len);

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '\0') {
			imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 1,
				  "%s holds control characters; the row is skipped", col);
			r->bad = 1;
			return "";
		}
		if (c >= 0x80 && !text_valid_utf8(s, len)) {
			imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 1,
				  "%s is not valid UTF-8; the row is skipped", col);
			r->bad = 1;
			return "";
		}
	}
	return s;
}

/* A text cell cleaned for storage (NFC, no controls, trimmed). */
static const char *row_text(struct row *r, const char *col)
{
	size_t len;
	const char *s = row_raw(r, col, &len);
	unsigned flags = 0;
	char *out = NULL;

	if (len == 0)
		return "";
	if (text_clean(s, len, &out, &flags) != 0) {
		r->bad = 1;
		return "";
	}
	if (flags & TEXT_BAD_UTF8) {
		imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 1,
			  "%s is not valid UTF-8 (nor Latin-1); the row is skipped", col);
		r->bad = 1;
		free(out);
		return "";
	}
	if (memchr(s, '\n', len) || memchr(s, '\r', len)) {
		imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 0,
			  "%s held a line break; joined with a space", col);
		flags &= ~(unsigned)TEXT_CONTROL;
	}
	if (flags) {
		r->text_flags |= flags;
		row_note_field(r, col);
	}
	if (r->nowned == (int)(sizeof r->owned / sizeof r->owned[0])) {
		free(out);
		return "";
	}
	r->owned[r->nowned++] = out;
	return out;
}

/* One warning per row for whatever cleaning did. */
static void row_report_cleaning(struct row *r)
{
	const char *f = r->hd->spec->name;
	long line = r->rec->line;
	unsigned fl = r->text_flags;

	if (fl & TEXT_LATIN1)
		imp_issue(r->im, f, line, r->flagged_fields, 0,
			  "not UTF-8; read as Latin-1 (check the spelling)");
	if (fl & TEXT_ESCAPE)
		imp_issue(r->im, f, line, r->flagged_fields, 0,
			  "held a terminal escape sequence; removed");
	if (fl & (TEXT_CONTROL | TEXT_NUL))
		imp_issue(r->im, f, line, r->flagged_fields, 0,
			  "held control characters; removed");
	if ((fl & TEXT_TRIMMED) && !(fl & (TEXT_LATIN1 | TEXT_ESCAPE | TEXT_CONTROL)))
		imp_issue(r->im, f, line, r->flagged_fields, 0,
			  "had white space around the text; trimmed");
}

static int is_bool(const char *s)
{
	return !*s || !strcasecmp(s, "true") || !strcasecmp(s, "false") || !strcmp(s, "1") ||
	       !strcmp(s, "0") || !strcasecmp(s, "yes") || !strcasecmp(s, "no");
}

static const char *const known_roles[] = {
	"student", "teacher", "administrator", "aide", "guardian", "parent", "relative",
	"proctor", "districtAdministrator", "siteAdministrator", "systemAdministrator",
	"principal", "counselor", "manager", "member", "proxy", "officeStaff", "staff",
	"learner", "instructor", "other", NULL,
};

/* Typed columns hold what their type says. A row whose email has no '@' or
 * whose boolean is not a boolean has its columns shifted (an unquoted
 * comma in a name), so its names cannot be trusted. Returns the first
 * column that does not fit, or NULL. */
static const char *row_misfit(const struct row *r)
{
	const char *v;
	int known = 0;

	v = row_raw(r, "email", NULL);
	if (*v && !strchr(v, '@'))
		return "email";
	v = row_raw(r, "enabledUser", NULL);
	if (!is_bool(v))
		return "enabledUser";
	v = row_raw(r, "primary", NULL);
	if (!is_bool(v))
		return "primary";
	v = row_raw(r, "role", NULL);
	if (!*v)
		return NULL;
	for (int i = 0; known_roles[i]; i++)
		known |= !strcasecmp(v, known_roles[i]);
	return known ? NULL : "role";
}

/* Column count against the header: too few is a broken row; extra columns
 * are tolerated when empty (a trailing comma), otherwise the row is broken
 * (an unquoted comma shifted the columns). Returns 0 when the row must be
 * skipped. */
static int row_shape_ok(struct row *r)
{
	const struct csv_record *rec = r->rec;
	const char *f = r->hd->spec->name;

	if (rec->nfields < r->hd->ncols) {
		imp_issue(r->im, f, rec->line, "", 1,
			  "row has %zu of %zu columns (cut short?); skipped", rec->nfields, r->hd->ncols);
		return 0;
	}
	if (rec->nfields > r->hd->ncols) {
		for (size_t i = r->hd->ncols; i < rec->nfields; i++) {
			if (rec->len[i] != 0) {
				imp_issue(r->im, f, rec->line, "", 1,
					  "row has %zu columns, the header %zu (an unquoted comma?); skipped",
					  rec->nfields, r->hd->ncols);
				return 0;
			}
		}
		if (row_misfit(r)) {
			imp_issue(r->im, f, rec->line, row_misfit(r), 1,
				  "row has %zu columns, the header %zu, and %s does not fit: the columns "
				  "are shifted (an unquoted comma?); skipped", rec->nfields, r->hd->ncols,
				  row_misfit(r));
			return 0;
		}
		imp_issue(r->im, f, rec->line, "", 0,
			  "%zu empty column%s past the header; ignored", rec->nfields - r->hd->ncols,
			  rec->nfields - r->hd->ncols > 1 ? "s" : "");
	}
	return 1;
}

static int is_true(const char *s)
{
	return !strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1") ||
	       !strcasecmp(s, "y") || !strcasecmp(s, "t");
}

/* Row status: 0 active, 1 tobedeleted (1.0's "inactive" too), -1 bad. */
static int row_status(struct row *r)
{
	const char *s = row_raw(r, "status", NULL);

	if (!*s || !strcasecmp(s, "active"))
		return 0;
	if (!strcasecmp(s, "tobedeleted") || !strcasecmp(s, "inactive"))
		return 1;
	imp_issue(r->im, r->hd->spec->name, r->rec->line, "status", 1,
		  "status '%.20s' is not active or tobedeleted; the row is skipped", s);
	return -1;
}

/* ---- dates and grades ---------------------------------------------------- */

static int days_from_civil(int y, int m, int d)
{
	/* Days since 1900-01-01, for the compact birth-date store. */
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 693901;    /* 693901 = days from 0000-03-01 to 1900-01-01 */
}

static void civil_from_days(int z, char out[16])
{
	z += 719468 - 25567;   /* to days since 1970, then the civil algorithm */
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int y = yoe + era * 400;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	int d = doy - (153 * mp + 2) / 5 + 1;
	int m = mp + (mp < 10 ? 3 : -9);

	snprintf(out, 16, "%04d-%02d-%02d", (y + (m <= 2)) % 10000, m % 100, d % 100);
}

/* YYYY-MM-DD, a real calendar date. Returns days since 1900 or -1. */
static int parse_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	if (y < 1900 || y > 2079)
		return -1;
	return days_from_civil(y, m, d);
}

static int today_days(const struct imp *im)
{
	struct tm tm;
	time_t t = im->now;

	gmtime_r(&t, &tm);
	return days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* A birth date cell: days since 1900, or -1 with a warning (never shows the
 * date itself in the report). */
static int row_birth_date(struct row *r, const char *col)
{
	const char *s = row_raw(r, col, NULL);
	char iso[16];
	int days;

	if (!*s)
		return -1;
	if (r->im->date_order && strlen(s) == 10 && s[2] == '/' && s[5] == '/') {
		/* MM/DD/YYYY or DD/MM/YYYY, as the column mapping says. */
		int us = r->im->date_order == 1;

		snprintf(iso, sizeof iso, "%.4s-%.2s-%.2s", s + 6, us ? s : s + 3, us ? s + 3 : s);
		s = iso;
	} else if (r->im->date_order) {
		s = "";
	}
	days = parse_date(s);
	if (days < 0) {
		static const char *const forms[] = { "YYYY-MM-DD", "MM/DD/YYYY", "DD/MM/YYYY" };

		imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 0,
			  "%s is not a real date in %s form; left empty", col, forms[r->im->date_order]);
		return -1;
	}
	if (days > today_days(r->im)) {
		imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 0,
			  "%s is in the future; left empty", col);
		return -1;
	}
	if (days > today_days(r->im) - 3 * 365) {
		imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 0,
			  "%s makes the child younger than three; left empty", col);
		return -1;
	}
	if (days < today_days(r->im) - 30 * 366) {
		imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 0,
			  "%s is more than 30 years ago; left empty", col);
		return -1;
	}
	return days;
}

static const char *const ceds_grades[] = {
	"IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09",
	"10", "11", "12", "13", "PS", "UG", "Other", NULL,
};

/* The first grade of a cell, as a CEDS code; "1" reads as "01" with a
 * warning. buf gets the code or "". */
static void row_grade(struct row *r, char buf[8])
{
	const char *s = row_raw(r, "grades", NULL);
	char first[16];
	size_t n = strcspn(s, ",");

	buf[0] = '\0';
	while (n > 0 && *s == ' ') {
		s++;
		n--;
	}
	if (n == 0)
		return;
	if (n >= sizeof first)
		n = sizeof first - 1;
	memcpy(first, s, n);
	first[n] = '\0';
	while (n > 0 && first[n - 1] == ' ')
		first[--n] = '\0';
	for (int i = 0; ceds_grades[i]; i++) {
		if (strcasecmp(first, ceds_grades[i]) == 0) {
			snprintf(buf, 8, "%s", ceds_grades[i]);
			return;
		}
	}
	if (n == 1 && isdigit((unsigned char)first[0])) {
		snprintf(buf, 8, "0%c", first[0]);
		imp_issue(r->im, r->hd->spec->name, r->rec->line, "grades", 0,
			  "grade '%s' is not a CEDS code; read as '%s'", first, buf);
		return;
	}
	if (!strcasecmp(first, "K") || !strcasecmp(first, "0") || !strcasecmp(first, "00")) {
		snprintf(buf, 8, "KG");
		imp_issue(r->im, r->hd->spec->name, r->rec->line, "grades", 0,
			  "grade '%s' is not a CEDS code; read as 'KG'", first);
		return;
	}
	imp_issue(r->im, r->hd->spec->name, r->rec->line, "grades", 0,
		  "grade '%.12s' is not a CEDS code (PK, KG, 01-13, ...); left empty", first);
}

/* A users.csv row we could not read must not withdraw the child it names;
 * a new child's enrollments are then reported as belonging to a rejected row. */
static void users_keep(struct imp *im, const char *sid)
{
	struct idmap_entry *k;

	if (!im->students || !sid || !*sid)
		return;
	k = idmap_put(im->students, idmap_hash(sid, strlen(sid)), NULL);
	if (k && (k->flags & SF_EXISTS))
		k->flags |= SF_SEEN;
	else if (k)
		k->flags |= SF_REJECTED;
}

/* ---- reading a file --------------------------------------------------------- */

typedef enum cr_status (*row_fn)(struct imp *im, struct row *r);

/* Streams one file through fn. A bad record (unterminated quote, a huge
 * line) is reported and skipped; reading goes on. */
static enum cr_status read_file(struct imp *im, enum imp_file f, row_fn fn, const struct header *given)
{
	const struct file_spec *spec = given ? given->spec : &files[f];
	struct csv_record rec;
	struct csv_reader *rd;
	struct header hd;
	enum csv_result cr;
	enum cr_status st = CR_OK;
	int have_header = 0;

	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rd = package_csv(im->pkg, spec->name, 0, im->err);
	if (!rd)
		return im->err->status;
	im->cur_file = spec->name;
	im->cur_reader = rd;
	while ((cr = csv_next(rd, &rec)) != CSV_EOF) {
		if (cr == CSV_IO_ERROR) {
			st = cr_fail(im->err, CR_ENOINPUT, "%s", csv_error(rd));
			break;
		}
		if (cr == CSV_BAD_RECORD) {
			imp_issue(im, spec->name, csv_error_line(rd), "", 1, "%s",
				  strchr(csv_error(rd), ' ') ? strchr(csv_error(rd), ' ') + 1 : csv_error(rd));
			continue;
		}
		if (!have_header) {
			have_header = 1;
			if (given)
				hd = *given;      /* a plain CSV: its header was mapped already */
			else if ((st = header_read(im, spec, &rec, &hd)) != CR_OK)
				break;
			continue;
		}
		if (imp_tick(im)) {
			st = cr_fail(im->err, CR_EINTERRUPTED, "import cancelled while reading %s", spec->name);
			break;
		}
		{
			struct row r;

			row_init(&r, im, &hd, &rec);
			if (row_shape_ok(&r))
				st = fn(im, &r);
			else if (f == F_USERS)
				users_keep(im, row_raw(&r, "sourcedId", NULL));
			row_done(&r);
		}
		if (st != CR_OK)
			break;
	}
	if (st == CR_OK && !have_header) {
		/* An empty users.csv in a bulk would withdraw every child. */
		if (im->mode[f] == MODE_BULK && (f == F_USERS || f == F_ORGS))
			st = cr_fail(im->err, CR_EDATA, "%s is empty (not even a header) but the manifest says "
				     "bulk: refusing to treat the whole district as gone", spec->name);
		else
			imp_issue(im, spec->name, 0, "", 0, "the file is empty (no header); nothing read from it");
	}
	im->bytes_before += package_size(im->pkg, spec->name);
	im->cur_reader = NULL;
	package_csv_close(im->pkg, rd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (getenv("CARDROLL_TIMING"))
		fprintf(stderr, "timing: %s %.2f s\n", spec->name,
			(double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return st;
}

/* ---- manifest ------------------------------------------------------------------- */

static enum imp_mode parse_mode(const char *v)
{
	if (!strcasecmp(v, "bulk"))
		return MODE_BULK;
	if (!strcasecmp(v, "delta"))
		return MODE_DELTA;
	if (!strcasecmp(v, "absent"))
		return MODE_ABSENT;
	return (enum imp_mode)-1;
}

static const char *manifest_known_keys[] = {
	"manifest.version", "oneroster.version", "source.systemName", "source.systemCode",
	"file.orgs", "file.academicSessions", "file.classes", "file.roles", "file.users",
	"file.enrollments", "file.categories", "file.classResources", "file.courses",
	"file.courseResources", "file.demographics", "file.lineItems", "file.resources",
	"file.results", "file.userProfiles", "file.userResources", "file.lineItemLearningObjectiveIds",
	"file.lineItemScoreScales", "file.resultLearningObjectiveIds", "file.resultScoreScales",
	"file.scoreScales", "file.assessmentLineItems", "file.assessmentResults", NULL,
};

static enum cr_status manifest_line(struct imp *im, const struct csv_record *rec)
{
	const char *key = rec->field[0];
	const char *val = rec->nfields > 1 ? rec->field[1] : "";
	int known = 0;

	if (rec->nfields != 2)
		imp_issue(im, "manifest.csv", rec->line, "", 0,
			  "expected 2 columns (propertyName, value), found %zu", rec->nfields);
	for (int i = 0; manifest_known_keys[i]; i++)
		if (strcmp(manifest_known_keys[i], key) == 0)
			known = 1;
	if (!known) {
		const char *near = closest(key, manifest_known_keys, 0);

		if (near)
			imp_issue(im, "manifest.csv", rec->line, "propertyName", 0,
				  "unknown property '%.60s' (did you mean '%s'?); ignored", key, near);
		else if (strncmp(key, "metadata.", 9) != 0)
			imp_issue(im, "manifest.csv", rec->line, "propertyName", 0,
				  "unknown property '%.60s'; ignored", key);
		return CR_OK;
	}
	if (!strcmp(key, "oneroster.version")) {
		if (strcmp(val, "1.0") && strcmp(val, "1.1") && strcmp(val, "1.2"))
			imp_issue(im, "manifest.csv", rec->line, "value", 0,
				  "oneroster.version '%.20s' is not 1.0, 1.1 or 1.2; read as 1.1", val);
		snprintf(im->version, sizeof im->version, "%s", val);
	} else if (!strcmp(key, "source.systemName")) {
		snprintf(im->source_name, sizeof im->source_name, "%s", val);
	} else if (!strncmp(key, "file.", 5)) {
		enum imp_mode m = parse_mode(val);

		if ((int)m < 0) {
			for (int f = 0; f < F_COUNT; f++)
				if (!strcmp(files[f].key, key))
					return cr_fail(im->err, CR_EDATA,
						       "manifest.csv:%ld: %s is '%.20s', not bulk, delta or absent",
						       rec->line, key, val);
			imp_issue(im, "manifest.csv", rec->line, "value", 0,
				  "%s is '%.20s', not bulk, delta or absent; ignored", key, val);
			return CR_OK;
		}
		for (int f = 0; f < F_COUNT; f++)
			if (!strcmp(files[f].key, key))
				im->mode[f] = m;
	}
	return CR_OK;
}

static enum cr_status manifest_read(struct imp *im)
{
	struct csv_reader *rd;
	struct csv_record rec;
	enum csv_result cr;
	enum cr_status st = CR_OK;
	int first = 1;

	if (!package_has(im->pkg, "manifest.csv"))
		return cr_fail(im->err, CR_ENOINPUT,
			       "%s has no manifest.csv: not a OneRoster package (for a plain CSV use --map)",
			       package_name(im->pkg));
	rd = package_csv(im->pkg, "manifest.csv", 65536, im->err);
	if (!rd)
		return im->err->status;
	while ((cr = csv_next(rd, &rec)) != CSV_EOF) {
		if (cr == CSV_IO_ERROR) {
			st = cr_fail(im->err, CR_ENOINPUT, "%s", csv_error(rd));
			break;
		}
		if (cr == CSV_BAD_RECORD) {
			imp_issue(im, "manifest.csv", csv_error_line(rd), "", 0, "%s", csv_error(rd));
			continue;
		}
		if (first) {
			first = 0;
			if (rec.nfields >= 2 && !strcmp(rec.field[0], "propertyName"))
				continue;
			imp_issue(im, "manifest.csv", rec.line, "", 0,
				  "expected the header 'propertyName,value'");
		}
		if ((st = manifest_line(im, &rec)) != CR_OK)
			break;
	}
	package_csv_close(im->pkg, rd);
	if (st != CR_OK)
		return st;
	if (im->mode[F_USERS] == MODE_ABSENT && im->mode[F_ENROLLMENTS] == MODE_ABSENT &&
	    im->mode[F_DEMOGRAPHICS] == MODE_ABSENT && im->mode[F_ORGS] == MODE_ABSENT)
		return cr_fail(im->err, CR_EDATA,
			       "manifest.csv lists none of orgs, users, enrollments or demographics as bulk or delta");
	for (int f = 0; f < F_COUNT; f++) {
		int has = package_has(im->pkg, files[f].name);

		if (im->mode[f] != MODE_ABSENT && !has)
			return cr_fail(im->err, CR_ENOINPUT, "manifest.csv lists %s as %s but %s has no such file",
				       files[f].name, im->mode[f] == MODE_BULK ? "bulk" : "delta",
				       package_name(im->pkg));
		if (im->mode[f] == MODE_ABSENT && has)
			imp_issue(im, files[f].name, 0, "", 0,
				  "manifest.csv says %s is absent, but the file is there; not read", files[f].name);
	}
	return CR_OK;
}

/* ---- district --------------------------------------------------------------------- */

static long long lookup_id(struct imp *im, const char *sql, long long a, const char *b)
{
	sqlite3_stmt *st = db_prepare(im->db, sql, NULL);
	long long id = 0;

	if (!st)
		return -1;
	if (a)
		sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_text(st, a ? 2 : 1, b, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

struct district_scan {
	char   sid[256];
	char   name[256];
	int    ndistricts;
	char   first_school[256];
	char   first_school_name[256];
	char   school_parent[256];
	long long known_district;   /* a district already holding one of these schools */
};

/* Creates or renames the district (when im->district_id is not known yet)
 * and puts its name in the summary. */
static enum cr_status district_save(struct imp *im, const char *sid, const char *name)
{
	sqlite3_stmt *st;

	if (!im->district_id) {
		st = db_prepare(im->db,
			"INSERT INTO district (sourced_id, name) VALUES (?1, ?2) "
			"ON CONFLICT (sourced_id) DO UPDATE SET name = excluded.name RETURNING id", im->err);
		if (!st)
			return im->err->status;
		sqlite3_bind_text(st, 1, sid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, name[0] ? name : sid, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			im->district_id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (!im->district_id)
			return db_fail(im->db, im->err, sqlite3_errcode(im->h), "saving the district");
	}
	st = db_prepare(im->db, "SELECT name FROM district WHERE id = ?1", NULL);
	if (st) {
		sqlite3_bind_int64(st, 1, im->district_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(im->sum->district, sizeof im->sum->district, "%s", sqlite3_column_text(st, 0));
		sqlite3_reset(st);
	}
	return CR_OK;
}

/* Finds (or creates) the district the package belongs to: the district org
 * of orgs.csv; else the district that already holds the package's schools;
 * else one named from the manifest. One district per package. */
static enum cr_status district_resolve(struct imp *im)
{
	struct district_scan ds = { 0 };
	struct csv_reader *rd = NULL;
	struct csv_record rec;
	struct header hd;
	enum csv_result cr;
	int have_header = 0;

	if (im->mode[F_ORGS] != MODE_ABSENT) {
		rd = package_csv(im->pkg, "orgs.csv", 0, im->err);
		if (!rd)
			return im->err->status;
		while ((cr = csv_next(rd, &rec)) != CSV_EOF && cr != CSV_IO_ERROR) {
			struct row r;
			const char *type, *sid;

			if (cr != CSV_RECORD)
				continue;
			if (!have_header) {
				struct cr_err quiet = { 0 };
				struct cr_err *saved = im->err;
				size_t before = im->nissues;
				long rej = im->sum->rejected, warn = im->sum->warnings;

				/* The header is checked (and reported) when orgs.csv is read. */
				im->err = &quiet;
				header_read(im, &files[F_ORGS], &rec, &hd);
				im->err = saved;
				for (size_t i = before; i < im->nissues; i++) {
					free(im->issues[i].reason);
					free(im->issues[i].field);
				}
				im->nissues = before;
				im->sum->rejected = rej;
				im->sum->warnings = warn;
				have_header = 1;
				continue;
			}
			row_init(&r, im, &hd, &rec);
			type = row_raw(&r, "type", NULL);
			sid = row_raw(&r, "sourcedId", NULL);
			if (!strcasecmp(type, "district") && *sid) {
				if (ds.ndistricts++ == 0) {
					snprintf(ds.sid, sizeof ds.sid, "%s", sid);
					snprintf(ds.name, sizeof ds.name, "%s", row_text(&r, "name"));
				}
			} else if (*sid && !ds.first_school[0]) {
				snprintf(ds.first_school, sizeof ds.first_school, "%s", sid);
				snprintf(ds.first_school_name, sizeof ds.first_school_name, "%s", row_text(&r, "name"));
				snprintf(ds.school_parent, sizeof ds.school_parent, "%s",
					 row_raw(&r, "parentSourcedId", NULL));
			}
			if (*sid && !ds.known_district && strcasecmp(type, "district"))
				ds.known_district = lookup_id(im,
					"SELECT district_id FROM school WHERE sourced_id = ?1", 0, sid);
			row_done(&r);
		}
		package_csv_close(im->pkg, rd);
	}
	if (ds.ndistricts > 1)
		return cr_fail(im->err, CR_EDATA,
			       "orgs.csv holds %d districts; cardroll imports one district per package",
			       ds.ndistricts);
	if (!ds.sid[0] && ds.known_district > 0) {
		im->district_id = ds.known_district;
	} else if (!ds.sid[0]) {
		/* No district row: a delta, or a school-level package. */
		sqlite3_stmt *one = db_prepare(im->db, "SELECT min(id), count(*) FROM district", im->err);

		if (!one)
			return im->err->status;
		if (sqlite3_step(one) == SQLITE_ROW && sqlite3_column_int(one, 1) == 1 &&
		    im->mode[F_ORGS] != MODE_BULK)
			im->district_id = sqlite3_column_int64(one, 0);
		sqlite3_reset(one);
		if (!im->district_id && ds.first_school[0]) {
			snprintf(ds.sid, sizeof ds.sid, "%s", ds.school_parent[0] ? ds.school_parent : ds.first_school);
			snprintf(ds.name, sizeof ds.name, "%s",
				 im->source_name[0] && strcmp(im->source_name, "absent") ? im->source_name
				 : ds.first_school_name);
			imp_issue(im, "orgs.csv", 0, "type", 0,
				  "no district row in orgs.csv; the roster is filed under '%.80s'", ds.name);
		}
		if (!im->district_id && !ds.sid[0])
			return cr_fail(im->err, CR_EDATA,
				       "cannot tell which district this package belongs to: orgs.csv has no district "
				       "and the database holds %s", "no single district it could be");
	}
	return district_save(im, ds.sid, ds.name);
}

/* ---- maps ---------------------------------------------------------------------- */

/* student.sid_key: the same hash the import's maps use. */
static long long sid_key(const char *sid)
{
	return (long long)idmap_hash(sid, strlen(sid));
}

static struct idmap_entry *map_lookup(struct idmap *m, const char *sid)
{
	return m ? idmap_get(m, idmap_hash(sid, strlen(sid))) : NULL;
}

/* A school as a small number, so the maps can say in their spare 16 bits
 * which school a child or a class belongs to (an enrollment in a class of
 * another school goes to enrollment_away). Slot 0: not known here, ask the
 * database; slot 1: no school; then one per school. */
#define SLOT_UNKNOWN 0
#define SLOT_NONE    1

static uint16_t school_slot(struct imp *im, long long school)
{
	struct idmap_entry *e;
	int added = 0;

	if (school <= 0)
		return SLOT_NONE;
	if (!im->school_slots && !(im->school_slots = idmap_new(256)))
		return SLOT_UNKNOWN;
	e = idmap_put(im->school_slots, (uint64_t)school, &added);
	if (!e)
		return SLOT_UNKNOWN;
	if (added) {
		if (im->nslots >= 0xFFFE)
			return SLOT_UNKNOWN;
		e->extra = (uint16_t)(2 + im->nslots++);
	}
	return e->extra;
}

/* A delta looks rows up one at a time; what it found once is kept in the
 * map (a delta's enrollments name the students its users.csv just
 * touched). */
static long long remember(struct imp *im, struct idmap *m, const char *sid, long long id,
			  long long school)
{
	struct idmap_entry *e;

	if (m && id > 0 && id <= UINT32_MAX && (e = idmap_put(m, idmap_hash(sid, strlen(sid)), NULL))) {
		e->rowid = (uint32_t)id;
		e->extra = school_slot(im, school);
		e->flags |= SF_SLOT;
	}
	return id;
}

/* A row and its school by (district, sourcedId); 0 when there is none. */
static long long lookup_with_school(struct imp *im, const char *sql, const char *sid, long long *school)
{
	sqlite3_stmt *st = db_prepare(im->db, sql, NULL);
	long long id = 0;

	*school = 0;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_TRANSIENT);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, sid_key(sid));
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		*school = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return id;
}

/* Loads sourcedId -> row for a roster table of this district. */
enum map_extra { MAP_PLAIN, MAP_STATUS, MAP_SCHOOL };

static enum cr_status map_load(struct imp *im, struct idmap **out, const char *sql, enum map_extra kind,
			       size_t expected)
{
	sqlite3_stmt *st = db_prepare(im->db, sql, im->err);
	struct idmap *m;
	int rc;

	if (!st)
		return im->err->status;
	m = idmap_new(expected);
	if (!m)
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	sqlite3_bind_int64(st, 1, im->district_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sid = (const char *)sqlite3_column_text(st, 1);
		struct idmap_entry *e = idmap_put(m, idmap_hash(sid, strlen(sid)), NULL);

		if (!e) {
			sqlite3_reset(st);
			idmap_free(m);
			return cr_fail(im->err, CR_ENOMEM, "out of memory");
		}
		e->rowid = (uint32_t)sqlite3_column_int64(st, 0);
		e->flags |= SF_EXISTS;
		if (kind == MAP_STATUS && sqlite3_column_text(st, 2)[0] == 'w')
			e->flags |= SF_WITHDRAWN;
		if (kind == MAP_SCHOOL) {
			e->extra = school_slot(im, sqlite3_column_int64(st, 2));
			e->flags |= SF_SLOT;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		idmap_free(m);
		return db_fail(im->db, im->err, rc, "reading the roster");
	}
	*out = m;
	return CR_OK;
}

/* ---- orgs ---------------------------------------------------------------------- */

static enum cr_status orgs_row(struct imp *im, struct row *r)
{
	const char *sid = row_id(r, "sourcedId");
	const char *type = row_raw(r, "type", NULL);
	const char *name, *ident;
	int status = row_status(r);
	sqlite3_stmt *st;
	struct idmap_entry *e;
	int rc;

	if (r->bad || status < 0)
		return CR_OK;
	if (!*sid) {
		imp_issue(im, r->hd->spec->name, r->rec->line, "sourcedId", 1, "sourcedId is empty; skipped");
		return CR_OK;
	}
	if (!strcasecmp(type, "district") || !strcasecmp(type, "state") || !strcasecmp(type, "national"))
		return CR_OK;
	if (im->plain && (e = map_lookup(im->schools, sid)) != NULL && (e->flags & SF_SEEN))
		return CR_OK;    /* a plain CSV names the school on every row */
	name = row_text(r, "name");
	ident = row_text(r, "identifier");
	if (r->bad)
		return CR_OK;
	row_report_cleaning(r);
	if (!*name) {
		imp_issue(im, r->hd->spec->name, r->rec->line, "name", 0, "the school has no name; its sourcedId is shown instead");
		name = sid;
	}
	st = db_prepare(im->db,
		"INSERT INTO school (district_id, sourced_id, name, identifier, status, seen_run) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
		"ON CONFLICT (district_id, sourced_id) DO UPDATE SET name = excluded.name, "
		" identifier = excluded.identifier, status = excluded.status, seen_run = excluded.seen_run "
		"RETURNING id", im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
	imp_bind_text(st, 4, ident);
	sqlite3_bind_text(st, 5, status ? "withdrawn" : "active", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, im->run_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(im->db, im->err, rc, "saving a school");
	}
	e = idmap_put(im->schools, idmap_hash(sid, strlen(sid)), NULL);
	if (e) {
		e->rowid = (uint32_t)sqlite3_column_int64(st, 0);
		e->flags |= SF_SEEN;
	}
	sqlite3_reset(st);
	return e ? CR_OK : cr_fail(im->err, CR_ENOMEM, "out of memory");
}

/* ---- academic sessions ------------------------------------------------------------------ */

static enum cr_status sessions_row(struct imp *im, struct row *r)
{
	const char *sid = row_id(r, "sourcedId");
	const char *title = row_text(r, "title");
	int status = row_status(r);
	sqlite3_stmt *st;

	if (r->bad || status < 0 || !*sid)
		return CR_OK;
	row_report_cleaning(r);
	st = db_prepare(im->db,
		"INSERT INTO term (district_id, sourced_id, title, type, start_date, end_date, school_year, status, seen_run) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
		"ON CONFLICT (district_id, sourced_id) DO UPDATE SET title = excluded.title, type = excluded.type, "
		" start_date = excluded.start_date, end_date = excluded.end_date, "
		" school_year = excluded.school_year, status = excluded.status, seen_run = excluded.seen_run",
		im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, *title ? title : sid, -1, SQLITE_TRANSIENT);
	imp_bind_text(st, 4, row_raw(r, "type", NULL));
	imp_bind_text(st, 5, row_raw(r, "startDate", NULL));
	imp_bind_text(st, 6, row_raw(r, "endDate", NULL));
	imp_bind_text(st, 7, row_raw(r, "schoolYear", NULL));
	sqlite3_bind_text(st, 8, status ? "withdrawn" : "active", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, im->run_id);
	return imp_step_done(im, st, "saving a term");
}

/* ---- classes ---------------------------------------------------------------------------- */

static long long school_row_id(struct imp *im, const char *sid)
{
	struct idmap_entry *e = map_lookup(im->schools, sid);

	if (e)
		return e->rowid;
	return lookup_id(im, "SELECT id FROM school WHERE district_id = ?1 AND sourced_id = ?2",
			 im->district_id, sid);
}

struct class_in {
	const char *sid, *school_sid, *title, *code, *grades, *periods, *terms, *teacher;
	int         status;
};

/* Saves one class (insert or update) and remembers its row. */
static enum cr_status class_save(struct imp *im, struct row *r, const struct class_in *c)
{
	long long school = 0;
	sqlite3_stmt *st;
	struct idmap_entry *e;
	int rc;

	if (*c->school_sid && (school = school_row_id(im, c->school_sid)) <= 0) {
		imp_issue(im, r->hd->spec->name, r->rec->line, "schoolSourcedId", 0,
			  "schoolSourcedId names no school in orgs.csv; the class is kept without a school");
		school = 0;
	}
	st = db_prepare(im->db,
		"INSERT INTO class (district_id, sourced_id, school_id, title, class_code, grades, periods, "
		" term_ids, status, seen_run, teacher) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
		"ON CONFLICT (district_id, sourced_id) DO UPDATE SET school_id = excluded.school_id, "
		" title = excluded.title, class_code = excluded.class_code, grades = excluded.grades, "
		" periods = excluded.periods, term_ids = excluded.term_ids, status = excluded.status, "
		" seen_run = excluded.seen_run, teacher = coalesce(excluded.teacher, teacher) RETURNING id",
		im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, c->sid, -1, SQLITE_TRANSIENT);
	if (school > 0)
		sqlite3_bind_int64(st, 3, school);
	sqlite3_bind_text(st, 4, *c->title ? c->title : (*c->code ? c->code : c->sid), -1, SQLITE_TRANSIENT);
	imp_bind_text(st, 5, c->code);
	imp_bind_text(st, 6, c->grades);
	imp_bind_text(st, 7, c->periods);
	imp_bind_text(st, 8, c->terms);
	sqlite3_bind_text(st, 9, c->status ? "withdrawn" : "active", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, im->run_id);
	imp_bind_text(st, 11, c->teacher);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(im->db, im->err, rc, "saving a class");
	}
	e = idmap_put(im->classes, idmap_hash(c->sid, strlen(c->sid)), NULL);
	if (e) {
		e->rowid = (uint32_t)sqlite3_column_int64(st, 0);
		e->extra = school_slot(im, school);
		e->flags |= SF_SEEN | SF_SLOT;
	}
	sqlite3_reset(st);
	im->sum->classes++;
	return e ? CR_OK : cr_fail(im->err, CR_ENOMEM, "out of memory");
}

static enum cr_status classes_row(struct imp *im, struct row *r)
{
	struct class_in c = {
		.sid = row_id(r, "sourcedId"),
		.school_sid = row_id(r, "schoolSourcedId"),
		.title = row_text(r, "title"),
		.code = row_text(r, "classCode"),
		.grades = row_text(r, "grades"),
		.periods = row_text(r, "periods"),
		.terms = row_raw(r, "termSourcedIds", NULL),
		.teacher = "",
		.status = row_status(r),
	};

	if (r->bad || c.status < 0)
		return CR_OK;
	if (!*c.sid) {
		imp_issue(im, r->hd->spec->name, r->rec->line, "sourcedId", 1, "sourcedId is empty; skipped");
		return CR_OK;
	}
	row_report_cleaning(r);
	return class_save(im, r, &c);
}

/* ---- roles (1.2) --------------------------------------------------------------------------- */

static enum cr_status roles_row(struct imp *im, struct row *r)
{
	const char *user = row_id(r, "userSourcedId");
	const char *role = row_raw(r, "role", NULL);
	struct idmap_entry *e;

	if (r->bad || !*user)
		return CR_OK;
	e = idmap_put(im->roles, idmap_hash(user, strlen(user)), NULL);
	if (!e)
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	e->flags |= SF_ROLES;
	if (!strcasecmp(role, "student"))
		e->flags |= SF_STUDENT;
	return CR_OK;
}

/* ---- demographics --------------------------------------------------------------------------- */

static enum cr_status demographics_row(struct imp *im, struct row *r)
{
	const char *sid = row_id(r, "sourcedId");
	int days, status = row_status(r);
	struct idmap_entry *e;
	sqlite3_stmt *st;
	char date[16];

	if (r->bad || status != 0 || !*sid)
		return CR_OK;
	days = row_birth_date(r, "birthDate");
	if (days < 0)
		return CR_OK;
	if (im->students) {
		/* Bulk: kept in the map until users.csv writes the student. */
		e = idmap_put(im->students, idmap_hash(sid, strlen(sid)), NULL);
		if (!e)
			return cr_fail(im->err, CR_ENOMEM, "out of memory");
		e->extra = (uint16_t)days;
		e->flags |= SF_BDATE;
		return CR_OK;
	}
	/* Delta: users.csv was applied first; update the student directly,
	 * by row when users.csv named them. */
	civil_from_days(days, date);
	if ((e = map_lookup(im->delta_students, sid)) != NULL) {
		st = db_prepare(im->db, "UPDATE student SET birth_date = ?2 WHERE id = ?1 "
				"AND birth_date IS NOT ?2", im->err);
		if (!st)
			return im->err->status;
		sqlite3_bind_int64(st, 1, e->rowid);
		sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
		return imp_step_done(im, st, "saving a birth date");
	}
	st = db_prepare(im->db,
		"UPDATE student SET birth_date = ?3 WHERE district_id = ?1 AND sid_key = ?4 "
		"AND sourced_id = ?2 AND birth_date IS NOT ?3", im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, sid_key(sid));
	return imp_step_done(im, st, "saving a birth date");
}

/* A child who moved school: which of their classes are "away" changes. */
static enum cr_status enrollment_rehome(struct imp *im, long long student_id)
{
	sqlite3_stmt *st = db_prepare(im->db,
		"DELETE FROM enrollment_away WHERE student_id = ?1", im->err);
	enum cr_status s;

	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, student_id);
	if ((s = imp_step_done(im, st, "moving enrollments")) != CR_OK)
		return s;
	st = db_prepare(im->db,
		"INSERT INTO enrollment_away (class_id, student_id) "
		"SELECT e.class_id, e.student_id FROM enrollment e JOIN class c ON c.id = e.class_id "
		"JOIN student s ON s.id = e.student_id "
		"WHERE e.student_id = ?1 AND c.school_id IS NOT s.school_id", im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, student_id);
	return imp_step_done(im, st, "moving enrollments");
}

/* Moves are rehomed after the enrollments file has been applied: most of a
 * moved child's enrollments change in it anyway, and their pages are then
 * already in memory. */
static enum cr_status rehome_later(struct imp *im, long long student_id)
{
	if (im->nmoved == im->cap_moved) {
		size_t cap = im->cap_moved ? im->cap_moved * 2 : 256;
		long long *n = realloc(im->moved, cap * sizeof *n);

		if (!n)
			return cr_fail(im->err, CR_ENOMEM, "out of memory");
		im->moved = n;
		im->cap_moved = cap;
	}
	im->moved[im->nmoved++] = student_id;
	return CR_OK;
}

static enum cr_status rehome_moved(struct imp *im)
{
	enum cr_status st = CR_OK;

	for (size_t i = 0; i < im->nmoved && st == CR_OK; i++)
		st = enrollment_rehome(im, im->moved[i]);
	im->nmoved = 0;
	return st;
}

/* ---- users --------------------------------------------------------------------------------- */

/* The district student ID: identifier, else the SIS entry of userIds
 * ("{SIS:12345},{StateID:999}"). */
static void student_number(struct row *r, char *buf, size_t len)
{
	const char *id = row_text(r, "identifier");
	const char *ids, *p;

	buf[0] = '\0';
	if (*id) {
		snprintf(buf, len, "%s", id);
		return;
	}
	ids = row_raw(r, "userIds", NULL);
	for (p = ids; (p = strchr(p, '{')) != NULL; p++) {
		if (strncasecmp(p + 1, "SIS:", 4) == 0) {
			size_t n = strcspn(p + 5, "}");

			if (n > 0 && n < len) {
				memcpy(buf, p + 5, n);
				buf[n] = '\0';
			}
			return;
		}
	}
}

static void teacher_remember(struct imp *im, const char *sid, const char *given, const char *family)
{
	size_t need = strlen(given) + strlen(family) + 2;
	struct idmap_entry *e;

	if (im->teacher_len + need > im->teacher_cap) {
		size_t cap = im->teacher_cap ? im->teacher_cap * 2 : 65536;
		char *n;

		while (cap < im->teacher_len + need)
			cap *= 2;
		if (cap > UINT32_MAX || !(n = realloc(im->teacher_names, cap)))
			return;
		im->teacher_names = n;
		im->teacher_cap = cap;
	}
	e = idmap_put(im->teachers, idmap_hash(sid, strlen(sid)), NULL);
	if (!e)
		return;
	e->rowid = (uint32_t)im->teacher_len + 1;
	im->teacher_len += (size_t)snprintf(im->teacher_names + im->teacher_len, need, "%s%s%s",
					    given, *given ? " " : "", family) + 1;
}

/* SQL or markup in a name: harmless here (every value is bound, every
 * screen makes text inert), but a sign that the export went wrong. */
static int name_looks_like_code(const char *s)
{
	static const char *const marks[] = {
		"--", ";", "/*", "drop table", "select ", "insert into", "delete from", "update ",
		" or 1=1", "' or '", "<script", "</", "${", NULL,
	};
	char low[256];
	size_t n = 0;

	for (; s[n] && n + 1 < sizeof low; n++)
		low[n] = (char)((s[n] >= 'A' && s[n] <= 'Z') ? s[n] + 32 : s[n]);
	low[n] = '\0';
	for (int i = 0; marks[i]; i++)
		if (strstr(low, marks[i]))
			return 1;
	return 0;
}

/* Characters, not bytes, for what a person reads. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* student.status_code by student_in.status (0 active, 1 inactive, 2 withdrawn). */
static const char status_codes[][2] = { "a", "i", "w" };

struct student_in {
	const char *sid, *given, *family, *preferred, *modified;
	char        number[128];
	char        grade[8];
	char        birth[16];
	long long   school;
	int         status;      /* 0 active, 1 inactive, 2 withdrawn */
	int         optout;
	int         has_birth;   /* demographics supplied a date (bulk) */
};


static char *student_fold(const struct student_in *s)
{
	return names_index_fold(s->given, s->family, s->preferred);
}

static enum cr_status student_insert(struct imp *im, const struct student_in *s, const char *fold,
				     long long *rowid)
{
	sqlite3_stmt *st = db_prepare(im->db,
		"INSERT INTO student (district_id, sourced_id, student_number, given_name, family_name, "
		" preferred_name, grade, school_id, birth_date, directory_optout, status_code, name_fold, "
		" seen_run, sid_key) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?14, ?16)", im->err);
	int rc;

	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, s->sid, -1, SQLITE_STATIC);
	imp_bind_text(st, 3, s->number);
	sqlite3_bind_text(st, 4, s->given, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, s->family, -1, SQLITE_STATIC);
	imp_bind_text(st, 6, s->preferred);
	imp_bind_text(st, 7, s->grade);
	if (s->school > 0)
		sqlite3_bind_int64(st, 8, s->school);
	if (s->has_birth)
		sqlite3_bind_text(st, 9, s->birth, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, s->optout);
	sqlite3_bind_text(st, 11, status_codes[s->status], 1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, fold, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, im->run_id);
	sqlite3_bind_int64(st, 16, sid_key(s->sid));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT) {
		/* Two sourcedIds with one 64-bit hash: about one district in a
		 * hundred million. Refused, not mixed up. */
		*rowid = 0;
		return CR_EDATA;
	}
	if (rc != SQLITE_DONE)
		return db_fail(im->db, im->err, rc, "saving a student");
	*rowid = sqlite3_last_insert_rowid(im->h);
	im->sum->added++;
	return CR_OK;
}

/* Updates in place (a rename or a move keeps the row, so cards and history
 * stay with the child). Counts updated or unchanged. keep_birth: the
 * package carried no birth date for this child; the stored one stays. */
static enum cr_status student_update(struct imp *im, long long rowid, const struct student_in *s,
				     const char *fold, int was_withdrawn)
{
	sqlite3_stmt *st = db_prepare(im->db,
		"UPDATE student SET student_number = ?2, given_name = ?3, family_name = ?4, "
		" preferred_name = ?5, grade = ?6, school_id = ?7, "
		" birth_date = CASE WHEN ?14 THEN ?8 ELSE birth_date END, directory_optout = ?9, "
		" status_code = ?10, name_fold = ?11, seen_run = ?13 "
		"WHERE id = ?1 AND (student_number IS NOT ?2 OR given_name IS NOT ?3 OR family_name IS NOT ?4 "
		" OR preferred_name IS NOT ?5 OR grade IS NOT ?6 OR school_id IS NOT ?7 "
		" OR (?14 AND birth_date IS NOT ?8) OR directory_optout IS NOT ?9 OR status_code IS NOT ?10)",
		im->err);
	int rc;

	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, rowid);
	imp_bind_text(st, 2, s->number);
	sqlite3_bind_text(st, 3, s->given, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->family, -1, SQLITE_STATIC);
	imp_bind_text(st, 5, s->preferred);
	imp_bind_text(st, 6, s->grade);
	if (s->school > 0)
		sqlite3_bind_int64(st, 7, s->school);
	if (s->has_birth)
		sqlite3_bind_text(st, 8, s->birth, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, s->optout);
	sqlite3_bind_text(st, 10, status_codes[s->status], 1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, fold, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 13, im->run_id);
	sqlite3_bind_int(st, 14, s->has_birth);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(im->db, im->err, rc, "updating a student");
	if (sqlite3_changes(im->h) == 0)
		im->sum->unchanged++;
	else if (s->status == 2 && !was_withdrawn)
		im->sum->withdrawn++;
	else
		im->sum->updated++;
	return CR_OK;
}

/* Keeps the row's dateLastModified (when it has one) for the next delta. */
static enum cr_status student_modified(struct imp *im, long long rowid, const char *modified)
{
	sqlite3_stmt *st;

	if (!modified || !*modified || rowid <= 0)
		return CR_OK;
	st = db_prepare(im->db, "INSERT OR REPLACE INTO student_modified (student_id, modified_at) "
			"VALUES (?1, ?2)", im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, rowid);
	sqlite3_bind_text(st, 2, modified, -1, SQLITE_TRANSIENT);
	return imp_step_done(im, st, "saving a change date");
}

static enum cr_status student_collision(struct imp *im, const char *fname, long line)
{
	imp_issue(im, fname, line, "sourcedId", 1,
		  "this sourcedId shares its internal key with another student's (a one in "
		  "billions chance); the row is skipped, please report it");
	return CR_OK;
}

/* The student's school: the first of orgSourcedIds (1.1) or
 * primaryOrgSourcedId (1.2) that is a school of this district. */
static long long student_school(struct imp *im, struct row *r)
{
	const char *primary = row_raw(r, "primaryOrgSourcedId", NULL);
	const char *orgs = row_raw(r, "orgSourcedIds", NULL);
	char one[256];
	long long id;

	if (*primary && (id = school_row_id(im, primary)) > 0)
		return id;
	while (*orgs) {
		size_t n = strcspn(orgs, ",");
		const char *p = orgs;

		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
		if (n > 0 && n < sizeof one) {
			memcpy(one, p, n);
			one[n] = '\0';
			while (n > 0 && one[n - 1] == ' ')
				one[--n] = '\0';
			if ((id = school_row_id(im, one)) > 0)
				return id;
		}
		orgs += strcspn(orgs, ",");
		if (*orgs == ',')
			orgs++;
	}
	return 0;
}

/* The directory opt-out flag from a metadata column, when the file has one. */
static int student_optout(struct row *r)
{
	int c = r->hd->optout_col;

	return c >= 0 && (size_t)c < r->rec->nfields && is_true(r->rec->field[c]);
}

/* Delta: the stored row, its last dateLastModified and whether withdrawn. */
static long long student_find(struct imp *im, const char *sid, char *modified, size_t len,
				int *withdrawn, char **old_fold, long long *school)
{
	sqlite3_stmt *st = db_prepare(im->db,
		"SELECT s.id, coalesce(m.modified_at, ''), s.status_code, s.name_fold, coalesce(s.school_id, 0) "
		"FROM student s LEFT JOIN student_modified m ON m.student_id = s.id "
		"WHERE s.district_id = ?1 AND s.sid_key = ?3 AND s.sourced_id = ?2", NULL);
	long long id = 0;

	modified[0] = '\0';
	*withdrawn = 0;
	*old_fold = NULL;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_text(st, 2, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, sid_key(sid));
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		snprintf(modified, len, "%s", sqlite3_column_text(st, 1));
		*withdrawn = sqlite3_column_text(st, 2)[0] == 'w';
		*old_fold = strdup((const char *)sqlite3_column_text(st, 3));
		*school = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	return id;
}

/* ---- search index in a delta ------------------------------------------------------------
 * FTS5 flushes its pending terms at every statement savepoint, so a trigger
 * that touches the index once per row writes a tiny segment per row. A delta
 * notes the changed names instead and applies them in two statements. */

static enum cr_status fts_note(struct imp *im, long long id, const char *old_fold)
{
	sqlite3_stmt *st;
	enum cr_status s;

	if (old_fold) {
		st = db_prepare(im->db, "INSERT OR IGNORE INTO temp.fts_old (id, fold) VALUES (?1, ?2)", im->err);
		if (!st)
			return im->err->status;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, old_fold, -1, SQLITE_TRANSIENT);
		if ((s = imp_step_done(im, st, "noting a name change")) != CR_OK)
			return s;
	}
	st = db_prepare(im->db, "INSERT OR IGNORE INTO temp.fts_new (id) VALUES (?1)", im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, id);
	return imp_step_done(im, st, "noting a name change");
}

static enum cr_status fts_delta_begin(struct imp *im)
{
	return db_exec(im->db,
		"CREATE TEMP TABLE IF NOT EXISTS fts_old (id INTEGER PRIMARY KEY, fold TEXT NOT NULL);"
		"CREATE TEMP TABLE IF NOT EXISTS fts_new (id INTEGER PRIMARY KEY);"
		"DELETE FROM temp.fts_old; DELETE FROM temp.fts_new;", im->err);
}

static enum cr_status fts_delta_apply(struct imp *im)
{
	return db_exec(im->db,
		"INSERT INTO student_fts (student_fts, rowid, name_fold) "
		" SELECT 'delete', id, fold FROM temp.fts_old;"
		"INSERT INTO student_fts (rowid, name_fold) "
		" SELECT s.id, s.name_fold FROM temp.fts_new n JOIN student s ON s.id = n.id;"
		"DELETE FROM temp.fts_old; DELETE FROM temp.fts_new;", im->err);
}

/* 1.1 says the role in users.csv; 1.2 in roles.csv. */
static int user_is_student(struct imp *im, struct row *r)
{
	const char *sid;
	struct idmap_entry *e;

	if (im->plain)
		return 1;
	if (col_index(r->hd, "role") >= 0)
		return !strcasecmp(row_raw(r, "role", NULL), "student");
	sid = row_raw(r, "sourcedId", NULL);
	e = im->roles ? map_lookup(im->roles, sid) : NULL;
	return e && (e->flags & SF_STUDENT);
}

static enum cr_status users_row(struct imp *im, struct row *r)
{
	struct student_in s = { 0 };
	const char *fname = r->hd->spec->name;
	long line = r->rec->line;
	int status = row_status(r);
	int delta = im->mode[F_USERS] == MODE_DELTA;
	struct idmap_entry *e = NULL;
	enum cr_status st;
	long long rowid = 0;
	char *fold;
	int was_withdrawn = 0;

	s.sid = row_id(r, "sourcedId");
	if (r->bad || status < 0)
		goto keep;
	if (!*s.sid) {
		imp_issue(im, fname, line, "sourcedId", 1, "sourcedId is empty; skipped");
		return CR_OK;
	}
	if (im->students)
		e = map_lookup(im->students, s.sid);
	if (!user_is_student(im, r)) {
		if (col_index(r->hd, "role") >= 0 && !strcasecmp(row_raw(r, "role", NULL), "teacher") &&
		    im->teachers) {
			const char *g = row_text(r, "givenName"), *f = row_text(r, "familyName");

			if (!r->bad)
				teacher_remember(im, s.sid, g, f);
		}
		return CR_OK;
	}
	s.given = row_text(r, "givenName");
	s.family = row_text(r, "familyName");
	s.preferred = row_text(r, "preferredGivenName");
	if (!*s.preferred)
		s.preferred = row_text(r, "preferredFirstName");
	if (r->bad)
		goto keep;
	if (!*s.given && !*s.family) {
		imp_issue(im, fname, line, "givenName/familyName", 1, "the student has no name; skipped");
		goto keep;
	}
	row_report_cleaning(r);
	if (!*s.given)
		imp_issue(im, fname, line, "givenName", 0, "givenName is empty; imported with the family name only");
	if (!*s.family)
		imp_issue(im, fname, line, "familyName", 0, "familyName is empty; imported with the given name only");
	{
		size_t gl = utf8_chars(s.given), fl = utf8_chars(s.family);

		if (gl > 100 || fl > 100)
			imp_issue(im, fname, line, gl > 100 ? "givenName" : "familyName", 0,
				  "the name is %zu characters long; check the export", gl > 100 ? gl : fl);
	}
	if (name_looks_like_code(s.given) || name_looks_like_code(s.family))
		imp_issue(im, fname, line, name_looks_like_code(s.family) ? "familyName" : "givenName", 0,
			  "the name looks like a database command or script; imported as plain text, check the export");
	if (!strcasecmp(s.given, "null") || !strcasecmp(s.family, "null") ||
	    !strcasecmp(s.given, "undefined") || !strcasecmp(s.family, "n/a"))
		imp_issue(im, fname, line, !strcasecmp(s.family, "null") ? "familyName" : "givenName", 0,
			  "the name is a placeholder word such as NULL; imported as written, check the export");
	student_number(r, s.number, sizeof s.number);
	if (!s.number[0])
		imp_issue(im, fname, line, "identifier", 0,
			  "no student ID (identifier or userIds SIS); a card scheme built on the student ID "
			  "cannot serve this child");
	row_grade(r, s.grade);
	s.school = student_school(im, r);
	if (!s.school)
		imp_issue(im, fname, line, "orgSourcedIds", 0,
			  "names no school of this district; imported without a school");
	s.optout = student_optout(r);
	s.status = status == 1 ? 2 : (is_true(row_raw(r, "enabledUser", NULL)) ||
				      !*row_raw(r, "enabledUser", NULL)) ? 0 : 1;
	s.modified = row_raw(r, "dateLastModified", NULL);
	if (e && (e->flags & SF_BDATE)) {
		civil_from_days(e->extra, s.birth);
		s.has_birth = 1;
	}
	fold = student_fold(&s);
	if (!fold)
		return cr_fail(im->err, CR_ENOMEM, "out of memory");

	if (delta) {
		char modified[40], *old_fold;
		long long old_school = 0;
		int existed;

		rowid = student_find(im, s.sid, modified, sizeof modified, &was_withdrawn, &old_fold, &old_school);
		existed = rowid > 0;
		if (rowid > 0 && *s.modified && *modified && strcmp(s.modified, modified) < 0) {
			imp_issue(im, fname, line, "dateLastModified", 0,
				  "older than the change already applied for this student; ignored");
			st = CR_OK;
		} else if (rowid > 0) {
			st = student_update(im, rowid, &s, fold, was_withdrawn);
			if (st == CR_OK && old_fold && strcmp(old_fold, fold) != 0)
				st = fts_note(im, rowid, old_fold);
			if (st == CR_OK)
				st = student_modified(im, rowid, s.modified);
		} else if (s.status == 2) {
			imp_issue(im, fname, line, "status", 0,
				  "withdraws a student this roster never had; ignored");
			st = CR_OK;
		} else {
			st = student_insert(im, &s, fold, &rowid);
			if (st == CR_EDATA)
				st = student_collision(im, fname, line);
			else if (st == CR_OK)
				st = fts_note(im, rowid, NULL);
			if (st == CR_OK)
				st = student_modified(im, rowid, s.modified);
		}
		free(old_fold);
		free(fold);
		if (st == CR_OK)
			remember(im, im->delta_students, s.sid, rowid, s.school);
		if (st == CR_OK && existed && old_school != s.school && im->mode[F_ENROLLMENTS] != MODE_BULK)
			st = rehome_later(im, rowid);
		return st;
	}

	if (!e && !(e = idmap_put(im->students, idmap_hash(s.sid, strlen(s.sid)), NULL))) {
		free(fold);
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	}
	if (e->flags & SF_SEEN) {
		imp_issue(im, fname, line, "sourcedId", 1,
			  "the same student (sourcedId) appears earlier in users.csv; this row is skipped");
		free(fold);
		return CR_OK;
	}
	if (e->flags & SF_EXISTS) {
		long long before = -1;

		/* Without a bulk enrollments file, a move changes which classes
		 * are away from the child's school. */
		if (im->mode[F_ENROLLMENTS] != MODE_BULK)
			before = lookup_id(im, "SELECT coalesce(school_id, 0) FROM student WHERE id = ?1 "
					   "AND ?2 IS NOT NULL", e->rowid, "");
		st = student_update(im, e->rowid, &s, fold, (e->flags & SF_WITHDRAWN) != 0);
		if (st == CR_OK && before >= 0 && before != s.school)
			st = rehome_later(im, e->rowid);
	} else {
		st = student_insert(im, &s, fold, &rowid);
		if (st == CR_EDATA) {
			free(fold);
			e->flags |= SF_REJECTED;
			return student_collision(im, fname, line);
		}
		if (st == CR_OK && rowid > UINT32_MAX)
			st = cr_fail(im->err, CR_EINTERNAL, "student row numbers have outgrown this importer");
		e->rowid = (uint32_t)rowid;
	}
	if (st == CR_OK && *s.modified)
		st = student_modified(im, e->rowid, s.modified);
	e->flags = (uint16_t)((e->flags | SF_SEEN | SF_SLOT) & ~SF_BDATE);
	e->extra = school_slot(im, s.school);
	im->seen_students++;
	free(fold);
	return st;
keep:
	users_keep(im, s.sid);
	return CR_OK;
}

/* Bulk: every student of the district this users.csv did not name leaves. */
static int withdraw_one(struct idmap_entry *e, void *ctx)
{
	struct imp *im = ctx;
	sqlite3_stmt *st;

	if (!(e->flags & SF_EXISTS) || (e->flags & (SF_SEEN | SF_WITHDRAWN)))
		return 0;
	st = db_prepare(im->db,
		"UPDATE student SET status_code = 'w', seen_run = ?2 WHERE id = ?1 AND status_code <> 'w'", im->err);
	if (!st)
		return 1;
	sqlite3_bind_int64(st, 1, e->rowid);
	sqlite3_bind_int64(st, 2, im->run_id);
	if (imp_step_done(im, st, "withdrawing a student") != CR_OK)
		return 1;
	im->sum->withdrawn += sqlite3_changes(im->h);
	return 0;
}

/* ---- enrollments ------------------------------------------------------------------------- */

static long long class_row_id(struct imp *im, const char *sid, uint16_t *slot)
{
	struct idmap_entry *e = map_lookup(im->classes, sid);
	long long school, id;

	if (e) {
		*slot = (e->flags & SF_SLOT) ? e->extra : SLOT_UNKNOWN;
		return e->rowid;
	}
	id = lookup_with_school(im, "SELECT id, school_id FROM class INDEXED BY class_lookup "
				"WHERE district_id = ?1 AND sourced_id = ?2",
				sid, &school);
	*slot = id > 0 ? school_slot(im, school) : SLOT_UNKNOWN;
	return remember(im, im->classes, sid, id, school);
}

static long long student_row_id(struct imp *im, const char *sid, uint16_t *slot)
{
	struct idmap_entry *e;
	long long school, id;

	*slot = SLOT_UNKNOWN;
	if (im->students) {
		e = map_lookup(im->students, sid);
		if (!e || !e->rowid || !(e->flags & (SF_SEEN | SF_EXISTS)))
			return 0;
		if (e->flags & SF_SLOT)
			*slot = e->extra;
		return e->rowid;
	}
	if ((e = map_lookup(im->delta_students, sid)) != NULL) {
		*slot = (e->flags & SF_SLOT) ? e->extra : SLOT_UNKNOWN;
		return e->rowid;
	}
	id = lookup_with_school(im, "SELECT id, school_id FROM student WHERE district_id = ?1 "
				"AND sid_key = ?3 AND sourced_id = ?2", sid, &school);
	*slot = id > 0 ? school_slot(im, school) : SLOT_UNKNOWN;
	return remember(im, im->delta_students, sid, id, school);
}

/* Adds (or with remove, deletes) one enrollment, keeping enrollment_away
 * for a child in a class of another school. Returns 1 when a row changed. */
static int enrollment_apply(struct imp *im, long long class_id, uint16_t cslot, long long student_id,
			    uint16_t sslot, int remove, enum cr_status *stp)
{
	int known = cslot != SLOT_UNKNOWN && sslot != SLOT_UNKNOWN;
	sqlite3_stmt *st;
	int changed;

	st = db_prepare(im->db, remove
		? "DELETE FROM enrollment WHERE student_id = ?1 AND class_id = ?2"
		: "INSERT OR IGNORE INTO enrollment (student_id, class_id) VALUES (?1, ?2)", im->err);
	if (!st || (sqlite3_bind_int64(st, 1, student_id), sqlite3_bind_int64(st, 2, class_id),
		    (*stp = imp_step_done(im, st, "saving an enrollment")) != CR_OK)) {
		if (!st)
			*stp = im->err->status;
		return 0;
	}
	changed = sqlite3_changes(im->h) > 0;
	if (!changed || (known && cslot == sslot))
		return changed;
	if (remove)
		st = db_prepare(im->db, "DELETE FROM enrollment_away WHERE class_id = ?1 AND student_id = ?2",
				im->err);
	else if (known)
		st = db_prepare(im->db, "INSERT OR IGNORE INTO enrollment_away (class_id, student_id) "
				"VALUES (?1, ?2)", im->err);
	else
		st = db_prepare(im->db, "INSERT OR IGNORE INTO enrollment_away (class_id, student_id) "
				"SELECT ?1, ?2 WHERE (SELECT school_id FROM class WHERE id = ?1) IS NOT "
				"(SELECT school_id FROM student WHERE id = ?2)", im->err);
	if (!st) {
		*stp = im->err->status;
		return changed;
	}
	sqlite3_bind_int64(st, 1, class_id);
	sqlite3_bind_int64(st, 2, student_id);
	*stp = imp_step_done(im, st, "saving an enrollment");
	return changed;
}

static enum cr_status enrollment_teacher(struct imp *im, struct row *r, long long class_id,
					 const char *user)
{
	struct idmap_entry *t = map_lookup(im->teachers, user);
	int primary = is_true(row_raw(r, "primary", NULL));
	sqlite3_stmt *st;

	if (!t)
		return CR_OK;
	st = db_prepare(im->db,
		"UPDATE class SET teacher = ?2 WHERE id = ?1 AND (?3 OR teacher IS NULL) "
		"AND teacher IS NOT ?2", im->err);
	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, class_id);
	sqlite3_bind_text(st, 2, im->teacher_names + t->rowid - 1, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, primary);
	return imp_step_done(im, st, "labelling a class");
}

static enum cr_status enrollments_row(struct imp *im, struct row *r)
{
	const char *fname = r->hd->spec->name;
	const char *cls = row_id(r, "classSourcedId");
	const char *user = row_id(r, "userSourcedId");
	const char *role = row_raw(r, "role", NULL);
	int status = row_status(r);
	long long class_id, student_id;
	uint16_t cslot, sslot;
	enum cr_status s = CR_OK;
	int changed;

	if (r->bad || status < 0)
		return CR_OK;
	if (!*cls || !*user) {
		imp_issue(im, fname, r->rec->line, *cls ? "userSourcedId" : "classSourcedId", 1,
			  "%s is empty; skipped", *cls ? "userSourcedId" : "classSourcedId");
		return CR_OK;
	}
	class_id = class_row_id(im, cls, &cslot);
	if (class_id <= 0) {
		imp_issue(im, fname, r->rec->line, "classSourcedId", 1,
			  "classSourcedId names no class in this roster; skipped");
		return CR_OK;
	}
	if (strcasecmp(role, "student") != 0) {
		if (!strcasecmp(role, "teacher") && status == 0 && im->teachers)
			return enrollment_teacher(im, r, class_id, user);
		return CR_OK;
	}
	student_id = student_row_id(im, user, &sslot);
	if (student_id <= 0 && im->students && map_lookup(im->students, user) &&
	    (map_lookup(im->students, user)->flags & SF_REJECTED)) {
		imp_issue(im, fname, r->rec->line, "userSourcedId", 1,
			  "the student's row in users.csv was rejected; enrollment skipped");
		return CR_OK;
	}
	if (student_id <= 0) {
		imp_issue(im, fname, r->rec->line, "userSourcedId", 1,
			  "userSourcedId names no student in this roster; skipped");
		return CR_OK;
	}
	changed = enrollment_apply(im, class_id, cslot, student_id, sslot, status == 1, &s);
	if (s != CR_OK || status == 1)
		return s;
	/* A bulk starts from no enrollments, so a row already there came
	 * earlier in this file; in a delta it is simply already known. */
	if (changed)
		im->sum->enrollments++;
	else if (im->mode[F_ENROLLMENTS] == MODE_BULK)
		imp_issue(im, fname, r->rec->line, "", 0, "the same enrollment appears earlier; ignored");
	return CR_OK;
}

/* ---- bulk endings ------------------------------------------------------------------------ */

static enum cr_status bulk_withdraw(struct imp *im, const char *sql, const char *what)
{
	sqlite3_stmt *st = db_prepare(im->db, sql, im->err);

	if (!st)
		return im->err->status;
	sqlite3_bind_int64(st, 1, im->district_id);
	sqlite3_bind_int64(st, 2, im->run_id);
	return imp_step_done(im, st, what);
}

/* A bulk enrollments file is the whole truth: start from none. */
static enum cr_status enrollments_clear(struct imp *im)
{
	enum cr_status st = bulk_withdraw(im,
		"DELETE FROM enrollment WHERE ?2 IS NOT NULL AND student_id IN "
		"(SELECT id FROM student WHERE district_id = ?1)", "clearing the old enrollments");

	if (st == CR_OK)
		st = bulk_withdraw(im, "DELETE FROM enrollment_away WHERE ?2 IS NOT NULL AND class_id IN "
				   "(SELECT id FROM class WHERE district_id = ?1)", "clearing the old enrollments");
	return st;
}

/* ---- the whole package ------------------------------------------------------------------- */

static long long count_rows(struct imp *im, const char *sql)
{
	sqlite3_stmt *st = db_prepare(im->db, sql, NULL);
	long long n = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, im->district_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* The maps, sized up front: growing a million-entry table doubles memory
 * for a moment, and the import has a budget. */
static enum cr_status oneroster_prepare(struct imp *im)
{
	size_t classes = 0, users = 0;
	enum cr_status st;

	if (im->mode[F_CLASSES] == MODE_BULK)
		classes = (size_t)package_count_lines(im->pkg, files[F_CLASSES].name);
	im->teachers = idmap_new(1024);
	if (!im->teachers)
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	if (im->mode[F_ROLES] &&
	    !(im->roles = idmap_new((size_t)package_count_lines(im->pkg, files[F_ROLES].name))))
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	if ((st = map_load(im, &im->schools,
			   "SELECT id, sourced_id FROM school WHERE district_id = ?1", MAP_PLAIN, 256)) != CR_OK)
		return st;
	/* A delta looks classes up one by one; only a bulk needs them all. */
	if (im->mode[F_CLASSES] == MODE_BULK || im->mode[F_ENROLLMENTS] == MODE_BULK) {
		classes += (size_t)count_rows(im, "SELECT count(*) FROM class WHERE district_id = ?1");
		st = map_load(im, &im->classes,
			      "SELECT id, sourced_id, school_id FROM class WHERE district_id = ?1",
			      MAP_SCHOOL, classes);
		if (st != CR_OK)
			return st;
	} else if (!(im->classes = idmap_new(classes))) {
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	}
	if (im->mode[F_USERS] == MODE_BULK) {
		users = (size_t)package_count_lines(im->pkg, files[F_USERS].name);
		im->had_students = count_rows(im, "SELECT count(*) FROM student WHERE district_id = ?1 "
					      "AND status_code <> 'w'");
		users += (size_t)count_rows(im, "SELECT count(*) FROM student WHERE district_id = ?1");
		if ((st = map_load(im, &im->students,
				   "SELECT id, sourced_id, status_code FROM student WHERE district_id = ?1", MAP_STATUS,
				   users)) != CR_OK)
			return st;
	}
	return CR_OK;
}

/* ---- bulk: indexes and search triggers set aside, then rebuilt ---------------------------- */

static const char bulk_deferred_sql[] =
	"SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
	"((type = 'index' AND name IN ('student_sid', 'student_by_number', 'student_by_school')) "
	" OR (type = 'trigger' AND name LIKE 'student_fts_%')) "
	"ORDER BY type, name";

static enum cr_status bulk_defer(struct imp *im, int triggers_only)
{
	sqlite3_stmt *st = db_prepare(im->db, bulk_deferred_sql, im->err);
	enum cr_status s = CR_OK;
	char drop[160];
	int rc;

	if (!st)
		return im->err->status;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && im->ndeferred < IMP_MAX_DEFERRED) {
		char *sql;

		if (triggers_only && strcmp((const char *)sqlite3_column_text(st, 0), "trigger") != 0)
			continue;
		sql = strdup((const char *)sqlite3_column_text(st, 2));

		if (!sql) {
			s = cr_fail(im->err, CR_ENOMEM, "out of memory");
			break;
		}
		im->deferred[im->ndeferred++] = sql;
		snprintf(drop, sizeof drop, "DROP %s %s", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1));
		/* Executed after the loop: the schema must not change under a running query. */
		im->deferred_drop[im->ndeferred - 1] = strdup(drop);
		if (!im->deferred_drop[im->ndeferred - 1]) {
			s = cr_fail(im->err, CR_ENOMEM, "out of memory");
			break;
		}
	}
	sqlite3_reset(st);
	for (int i = 0; s == CR_OK && i < im->ndeferred; i++)
		s = db_exec(im->db, im->deferred_drop[i], im->err);
	return s;
}

static enum cr_status bulk_restore(struct imp *im)
{
	enum cr_status s = CR_OK;

	if (im->opt->progress) {
		struct roster_progress p = {
			.file = "(rebuilding indexes)", .bytes_done = im->bytes_total,
			.bytes_total = im->bytes_total, .rows = im->rows,
		};
		im->opt->progress(&p, im->opt->progress_ctx);
	}

	for (int i = 0; s == CR_OK && i < im->ndeferred; i++)
		s = db_exec(im->db, im->deferred[i], im->err);
	if (s == CR_OK && im->students)
		s = db_exec(im->db, "INSERT INTO student_fts (student_fts) VALUES ('rebuild')", im->err);
	else if (s == CR_OK)
		s = fts_delta_apply(im);
	if (s != CR_OK && !strstr(im->err->msg, "rebuilding"))
		cr_fail(im->err, s, "rebuilding the roster indexes: %.400s", im->err->msg);
	return s;
}

/* After the rows: what a bulk did not name leaves (schools and classes
 * closed, students withdrawn), and the set-aside indexes come back. */
static enum cr_status import_finish(struct imp *im)
{
	enum cr_status st;

	if ((st = rehome_moved(im)) != CR_OK)
		return st;

	if (im->mode[F_ORGS] == MODE_BULK &&
	    (st = bulk_withdraw(im, "UPDATE school SET status = 'withdrawn' WHERE district_id = ?1 "
				"AND status <> 'withdrawn' AND seen_run IS NOT ?2", "closing schools")) != CR_OK)
		return st;
	if (im->mode[F_CLASSES] == MODE_BULK &&
	    (st = bulk_withdraw(im, "UPDATE class SET status = 'withdrawn' WHERE district_id = ?1 "
				"AND status <> 'withdrawn' AND seen_run IS NOT ?2", "closing classes")) != CR_OK)
		return st;
	if (im->mode[F_USERS] == MODE_BULK && im->seen_students == 0 && im->had_students > 0)
		return cr_fail(im->err, CR_EDATA,
			       "the bulk users.csv names no students, which would withdraw all %lld of the "
			       "district's students: refusing (is it the right file?)", im->had_students);
	if (im->mode[F_USERS] == MODE_BULK) {
		idmap_each(im->students, withdraw_one, im);
		if (im->err->status != CR_OK && im->err->msg[0])
			return im->err->status;
	}
	if (im->ndeferred && (st = bulk_restore(im)) != CR_OK)
		return st;
	return CR_OK;
}
enum cr_status oneroster_import(struct imp *im)
{
	static const row_fn handlers[F_COUNT] = {
		[F_ORGS] = orgs_row, [F_SESSIONS] = sessions_row, [F_CLASSES] = classes_row,
		[F_ROLES] = roles_row, [F_DEMOGRAPHICS] = demographics_row, [F_USERS] = users_row,
		[F_ENROLLMENTS] = enrollments_row,
	};
	/* Bulk reads demographics before users (birth dates wait in the map);
	 * delta applies them after, straight to the stored students. */
	static const enum imp_file bulk_order[] = {
		F_ORGS, F_SESSIONS, F_CLASSES, F_ROLES, F_DEMOGRAPHICS, F_USERS, F_ENROLLMENTS,
	};
	static const enum imp_file delta_order[] = {
		F_ORGS, F_SESSIONS, F_CLASSES, F_ROLES, F_USERS, F_DEMOGRAPHICS, F_ENROLLMENTS,
	};
	const enum imp_file *order;
	enum cr_status st;
	int any_bulk = 0, any_delta = 0;

	for (int i = 0; package_refused(im->pkg, i); i++)
		imp_issue(im, package_name(im->pkg), 0, package_refused(im->pkg, i), 1,
			  "zip entry path leaves the package (absolute or '..'); refused");
	if ((st = manifest_read(im)) != CR_OK)
		return st;
	for (int f = 0; f < F_COUNT; f++) {
		any_bulk |= im->mode[f] == MODE_BULK;
		any_delta |= im->mode[f] == MODE_DELTA;
		im->bytes_total += im->mode[f] ? package_size(im->pkg, files[f].name) : 0;
	}
	snprintf(im->sum->kind, sizeof im->sum->kind, "%s",
		 any_bulk && any_delta ? "oneroster-mixed" : any_bulk ? "oneroster-bulk" : "oneroster-delta");
	if (im->mode[F_USERS] != MODE_ABSENT && im->mode[F_ORGS] == MODE_ABSENT &&
	    im->mode[F_USERS] == MODE_BULK)
		imp_issue(im, "manifest.csv", 0, "file.orgs", 0,
			  "users.csv is bulk but orgs.csv is absent; schools come from earlier imports");
	if ((st = district_resolve(im)) != CR_OK)
		return st;
	if ((st = oneroster_prepare(im)) != CR_OK)
		return st;
	/* A bulk rebuilds the indexes and the search index after its rows; a
	 * delta keeps the indexes and applies name changes to search at the end. */
	/* Statement journals stay in memory (see roster_import), but a bulk's
	 * index sorts would fill it: they go to temporary files. */
	if (im->mode[F_USERS] == MODE_BULK)
		st = db_exec(im->db, "PRAGMA temp_store = FILE", im->err) == CR_OK ? bulk_defer(im, 0)
		     : im->err->status;
	else if (!(im->delta_students = idmap_new(1024)))
		st = cr_fail(im->err, CR_ENOMEM, "out of memory");
	else if ((st = bulk_defer(im, 1)) == CR_OK)
		st = fts_delta_begin(im);
	if (st != CR_OK)
		return st;

	order = im->mode[F_USERS] == MODE_DELTA ? delta_order : bulk_order;
	for (int i = 0; i < F_COUNT; i++) {
		enum imp_file f = order[i];

		if (im->mode[f] == MODE_ABSENT)
			continue;
		/* A bulk enrollments file is the whole truth: start from none. */
		if (f == F_ENROLLMENTS && im->mode[f] == MODE_BULK &&
		    (st = enrollments_clear(im)) != CR_OK)
			return st;
		if ((st = read_file(im, f, handlers[f], NULL)) != CR_OK)
			return st;
	}

	return import_finish(im);
}

/* ==== plain CSV through a saved column mapping ================================================
 *
 * A district that sends a spreadsheet export instead of OneRoster: one row a
 * student, with their school and (optionally) their class. A mapping (INI)
 * names the columns once; it is saved under a name for the next import. The
 * file is read in passes (schools, classes, birth dates, students,
 * enrollments) through the same row handlers as OneRoster, so the rules and
 * the report are the same. A plain CSV is a bulk: students it no longer lists
 * are withdrawn. */


enum plain_field {
	PF_STUDENT_ID, PF_GIVEN, PF_FAMILY, PF_PREFERRED, PF_GRADE, PF_SCHOOL, PF_SCHOOL_ID,
	PF_BIRTH, PF_CLASS, PF_TEACHER, PF_OPTOUT, PF_COUNT
};

static const struct plain_field_spec {
	const char *key;         /* in [columns] */
	const char *roster;      /* the OneRoster field it stands for, in reports */
	int         required;
} plain_fields[PF_COUNT] = {
	[PF_STUDENT_ID] = { "student_id",       "sourcedId",          1 },
	[PF_GIVEN]      = { "given_name",       "givenName",          1 },
	[PF_FAMILY]     = { "family_name",      "familyName",         1 },
	[PF_PREFERRED]  = { "preferred_name",   "preferredGivenName", 0 },
	[PF_GRADE]      = { "grade",            "grades",             0 },
	[PF_SCHOOL]     = { "school",           "name",               1 },
	[PF_SCHOOL_ID]  = { "school_id",        "orgSourcedIds",      0 },
	[PF_BIRTH]      = { "birth_date",       "birthDate",          0 },
	[PF_CLASS]      = { "class",            "classSourcedId",     0 },
	[PF_TEACHER]    = { "teacher",          "teacher",            0 },
	[PF_OPTOUT]     = { "directory_optout", "directoryOptOut",    0 },
};

struct plain_map {
	char district_key[128];
	char district_name[256];
	char col[PF_COUNT][128];
	int  idx[PF_COUNT];                 /* column positions in the CSV, -1 unmapped */
	int  date_order;
	size_t width;                       /* columns in the CSV's header */
	char where[300];                    /* the mapping's name for messages */
	char reason[300];
	struct file_spec spec[F_COUNT];     /* the OneRoster specs, renamed to the CSV */
};

static int plain_ini(void *user, const char *section, const char *name, const char *value)
{
	struct plain_map *m = user;

	if (!strcmp(section, "district") && !strcmp(name, "key")) {
		snprintf(m->district_key, sizeof m->district_key, "%s", value);
		return 1;
	}
	if (!strcmp(section, "district") && !strcmp(name, "name")) {
		snprintf(m->district_name, sizeof m->district_name, "%s", value);
		return 1;
	}
	if (!strcmp(section, "format") && !strcmp(name, "birth_date")) {
		if (!strcmp(value, "YYYY-MM-DD"))
			m->date_order = 0;
		else if (!strcmp(value, "MM/DD/YYYY"))
			m->date_order = 1;
		else if (!strcmp(value, "DD/MM/YYYY"))
			m->date_order = 2;
		else {
			if (!m->reason[0])
				snprintf(m->reason, sizeof m->reason,
					 "birth_date format '%.40s' is not YYYY-MM-DD, MM/DD/YYYY or DD/MM/YYYY", value);
			return 0;
		}
		return 1;
	}
	if (!strcmp(section, "columns")) {
		for (int i = 0; i < PF_COUNT; i++) {
			if (!strcmp(plain_fields[i].key, name)) {
				snprintf(m->col[i], sizeof m->col[i], "%s", value);
				return 1;
			}
		}
	}
	if (!m->reason[0]) {
		const char *keys[PF_COUNT + 1];
		const char *near;

		for (int i = 0; i < PF_COUNT; i++)
			keys[i] = plain_fields[i].key;
		keys[PF_COUNT] = NULL;
		near = strcmp(section, "columns") ? NULL : closest(name, keys, 0);
		if (near)
			snprintf(m->reason, sizeof m->reason, "unknown key '%.40s' in [%.20s] (did you mean '%s'?)",
				 name, section, near);
		else
			snprintf(m->reason, sizeof m->reason, "unknown key '%.40s' in [%.20s]", name, section);
	}
	return 0;
}

static enum cr_status plain_parse(struct imp *im, struct plain_map *m, const char *text)
{
	int line = ini_parse_string(text, plain_ini, m);

	if (line != 0)
		return cr_fail(im->err, CR_EDATA, "%s:%d: %s", m->where, line,
			       m->reason[0] ? m->reason : "not a 'key = value' line or [section]");
	if (!m->district_key[0] || !m->district_name[0])
		return cr_fail(im->err, CR_EDATA, "%s: [district] needs both key and name", m->where);
	for (int i = 0; i < PF_COUNT; i++)
		if (plain_fields[i].required && !m->col[i][0])
			return cr_fail(im->err, CR_EDATA, "%s: [columns] needs %s = <column header>",
				       m->where, plain_fields[i].key);
	return CR_OK;
}

/* The mapping: read from --map-file (and saved under --map NAME), or the
 * one saved under NAME before. */
static enum cr_status plain_load(struct imp *im, struct plain_map *m)
{
	const char *name = im->opt->map_name;
	enum cr_status st;
	char *text = NULL;
	sqlite3_stmt *q;

	if (im->opt->map_file) {
		FILE *f = fopen(im->opt->map_file, "r");
		size_t n;

		if (!f)
			return cr_fail(im->err, CR_ENOINPUT, "cannot read the column mapping %s", im->opt->map_file);
		text = calloc(1, 65537);
		n = text ? fread(text, 1, 65536, f) : 0;
		fclose(f);
		if (!text)
			return cr_fail(im->err, CR_ENOMEM, "out of memory");
		text[n] = '\0';
		snprintf(m->where, sizeof m->where, "%s", im->opt->map_file);
	} else {
		q = db_prepare(im->db, "SELECT mapping FROM column_map WHERE name = ?1", im->err);
		if (!q)
			return im->err->status;
		sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(q) == SQLITE_ROW)
			text = strdup((const char *)sqlite3_column_text(q, 0));
		sqlite3_reset(q);
		if (!text)
			return cr_fail(im->err, CR_ENOINPUT,
				       "no saved column mapping named '%s'; give --map-file FILE to make one", name);
		snprintf(m->where, sizeof m->where, "saved mapping '%s'", name);
	}
	st = plain_parse(im, m, text);
	if (st == CR_OK && im->opt->map_file && !im->opt->dry_run) {
		q = db_prepare(im->db,
			"INSERT INTO column_map (name, district, mapping) VALUES (?1, ?2, ?3) "
			"ON CONFLICT (name) DO UPDATE SET district = excluded.district, mapping = excluded.mapping",
			im->err);
		if (!q) {
			free(text);
			return im->err->status;
		}
		sqlite3_bind_text(q, 1, name ? name : m->district_key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 2, m->district_key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 3, text, -1, SQLITE_TRANSIENT);
		st = imp_step_done(im, q, "saving the column mapping");
	}
	free(text);
	return st;
}

/* Finds each mapped column in the CSV's header. */
static enum cr_status plain_header(struct imp *im, struct plain_map *m)
{
	struct csv_reader *rd = package_csv(im->pkg, im->plain_name, 0, im->err);
	struct csv_record rec;
	enum csv_result cr;
	enum cr_status st = CR_OK;

	if (!rd)
		return im->err->status;
	while ((cr = csv_next(rd, &rec)) == CSV_BAD_RECORD)
		;
	if (cr != CSV_RECORD) {
		package_csv_close(im->pkg, rd);
		return cr_fail(im->err, CR_EDATA, "%s is empty: no header row", im->plain_name);
	}
	for (int i = 0; i < PF_COUNT; i++) {
		m->idx[i] = -1;
		if (!m->col[i][0])
			continue;
		for (size_t c = 0; c < rec.nfields && m->idx[i] < 0; c++)
			if (!strcmp(rec.field[c], m->col[i]))
				m->idx[i] = (int)c;
		for (size_t c = 0; c < rec.nfields && m->idx[i] < 0; c++)
			if (!strcasecmp(rec.field[c], m->col[i]))
				m->idx[i] = (int)c;
		if (m->idx[i] < 0) {
			const char *names[MAX_COLS + 1];
			size_t n = 0;
			const char *near;

			for (; n < rec.nfields && n < MAX_COLS; n++)
				names[n] = rec.field[n];
			names[n] = NULL;
			near = closest(m->col[i], names, 0);
			imp_issue(im, im->plain_name, rec.line, m->col[i], 1,
				  "the mapping's %s column '%.60s' is not in the header%s%.60s%s", plain_fields[i].key,
				  m->col[i], near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
			st = cr_fail(im->err, CR_EDATA, "%s:%ld: column '%.60s' (%s in %s) is missing",
				     im->plain_name, rec.line, m->col[i], plain_fields[i].key, m->where);
		}
	}
	for (int f = 0; f < F_COUNT; f++) {
		m->spec[f] = files[f];
		m->spec[f].name = im->plain_name;
	}
	m->width = rec.nfields;
	im->bytes_total = package_size(im->pkg, im->plain_name) * 4;
	package_csv_close(im->pkg, rd);
	return st;
}

static const char *plain_alias(struct imp *im, const char *field)
{
	struct plain_map *m = im->plain_map;

	if (!strcmp(field, "identifier") || !strcmp(field, "userSourcedId"))
		field = "sourcedId";
	if (!strcmp(field, "orgSourcedIds") || !strcmp(field, "schoolSourcedId"))
		return m->col[m->col[PF_SCHOOL_ID][0] ? PF_SCHOOL_ID : PF_SCHOOL];
	for (int i = 0; i < PF_COUNT; i++)
		if (!strcmp(field, plain_fields[i].roster) && m->col[i][0])
			return m->col[i];
	return field;
}

struct plain_pair {
	const char       *roster;    /* a column name of the OneRoster spec */
	enum plain_field  pf;
};

/* A header that reads the CSV's columns as the OneRoster file f. */
static void plain_hd(struct plain_map *m, struct header *hd, enum imp_file f,
		     const struct plain_pair *pairs, size_t n)
{
	memset(hd, 0, sizeof *hd);
	hd->spec = &m->spec[f];
	hd->ncols = m->width;
	hd->optout_col = m->idx[PF_OPTOUT];
	for (int i = 0; i < MAX_COLS; i++)
		hd->idx[i] = -1;
	for (size_t p = 0; p < n; p++)
		for (int i = 0; hd->spec->cols[i].name; i++)
			if (!strcmp(hd->spec->cols[i].name, pairs[p].roster))
				hd->idx[i] = m->idx[pairs[p].pf];
}

static const char *plain_cell(const struct row *r, enum plain_field pf)
{
	const struct plain_map *m = r->im->plain_map;
	int i = m->idx[pf];

	return (i >= 0 && (size_t)i < r->rec->nfields) ? r->rec->field[i] : "";
}

/* "school\x1fclass": a class is known by its name within its school. */
static void plain_class_key(const struct row *r, char *buf, size_t len)
{
	const struct plain_map *m = r->im->plain_map;

	snprintf(buf, len, "%s\x1f%s", plain_cell(r, m->idx[PF_SCHOOL_ID] >= 0 ? PF_SCHOOL_ID : PF_SCHOOL),
		 plain_cell(r, PF_CLASS));
}

static enum cr_status plain_class_row(struct imp *im, struct row *r)
{
	struct plain_map *m = im->plain_map;
	struct idmap_entry *e;
	char key[512], *teacher = NULL;
	unsigned flags = 0;
	enum cr_status st;
	struct class_in c = { .code = "", .grades = "", .periods = "", .terms = "", .teacher = "" };

	if (!*plain_cell(r, PF_CLASS))
		return CR_OK;
	plain_class_key(r, key, sizeof key);
	if ((e = map_lookup(im->classes, key)) != NULL && (e->flags & SF_SEEN))
		return CR_OK;
	c.sid = key;
	c.school_sid = plain_cell(r, m->idx[PF_SCHOOL_ID] >= 0 ? PF_SCHOOL_ID : PF_SCHOOL);
	c.title = row_text(r, "title");
	if (r->bad)
		return CR_OK;
	if (m->idx[PF_TEACHER] >= 0 && *plain_cell(r, PF_TEACHER)) {
		const char *t = plain_cell(r, PF_TEACHER);

		if (text_clean(t, strlen(t), &teacher, &flags) != 0)
			return cr_fail(im->err, CR_ENOMEM, "out of memory");
		c.teacher = teacher ? teacher : "";
	}
	st = class_save(im, r, &c);
	free(teacher);
	return st;
}

static enum cr_status plain_enrollment_row(struct imp *im, struct row *r)
{
	const char *sid = plain_cell(r, PF_STUDENT_ID);
	long long class_id, student_id;
	uint16_t cslot, sslot;
	enum cr_status s = CR_OK;
	char key[512];

	if (!*plain_cell(r, PF_CLASS) || !*sid)
		return CR_OK;
	plain_class_key(r, key, sizeof key);
	class_id = class_row_id(im, key, &cslot);
	student_id = student_row_id(im, sid, &sslot);
	if (class_id <= 0 || student_id <= 0)
		return CR_OK;    /* the row's own problem was reported in an earlier pass */
	if (enrollment_apply(im, class_id, cslot, student_id, sslot, 0, &s))
		im->sum->enrollments++;
	return s;
}

enum cr_status plain_import(struct imp *im)
{
	enum plain_field school_key;
	struct plain_map *m;
	struct header hd;
	enum cr_status st;

	if (strcmp(package_kind(im->pkg), "file") != 0)
		return cr_fail(im->err, CR_EUSAGE, "with --map, SOURCE must be a .csv file, not a %s",
			       package_kind(im->pkg));
	m = calloc(1, sizeof *m);
	if (!m)
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	im->plain_map = m;
	im->plain = 1;
	snprintf(im->plain_name, sizeof im->plain_name, "%s", package_name(im->pkg));
	snprintf(im->sum->kind, sizeof im->sum->kind, "csv");
	if ((st = plain_load(im, m)) != CR_OK)
		return st;
	im->date_order = m->date_order;
	if ((st = district_save(im, m->district_key, m->district_name)) != CR_OK)
		return st;
	if ((st = plain_header(im, m)) != CR_OK)
		return st;
	im->issue_keys = idmap_new(1024);
	if (!im->issue_keys)
		return cr_fail(im->err, CR_ENOMEM, "out of memory");
	im->field_alias = plain_alias;
	school_key = m->idx[PF_SCHOOL_ID] >= 0 ? PF_SCHOOL_ID : PF_SCHOOL;
	im->mode[F_ORGS] = im->mode[F_USERS] = MODE_BULK;
	if (m->idx[PF_BIRTH] >= 0)
		im->mode[F_DEMOGRAPHICS] = MODE_BULK;
	if (m->idx[PF_CLASS] >= 0)
		im->mode[F_CLASSES] = im->mode[F_ENROLLMENTS] = MODE_BULK;
	if ((st = oneroster_prepare(im)) != CR_OK ||
	    (st = db_exec(im->db, "PRAGMA temp_store = FILE", im->err)) != CR_OK ||
	    (st = bulk_defer(im, 0)) != CR_OK)
		return st;

	{
		const struct plain_pair p[] = { { "sourcedId", school_key }, { "name", PF_SCHOOL } };

		plain_hd(m, &hd, F_ORGS, p, 2);
		if ((st = read_file(im, F_ORGS, orgs_row, &hd)) != CR_OK)
			return st;
	}
	if (im->mode[F_CLASSES]) {
		const struct plain_pair p[] = { { "title", PF_CLASS }, { "schoolSourcedId", school_key } };

		plain_hd(m, &hd, F_CLASSES, p, 2);
		if ((st = read_file(im, F_CLASSES, plain_class_row, &hd)) != CR_OK)
			return st;
	}
	if (im->mode[F_DEMOGRAPHICS]) {
		const struct plain_pair p[] = { { "sourcedId", PF_STUDENT_ID }, { "birthDate", PF_BIRTH } };

		plain_hd(m, &hd, F_DEMOGRAPHICS, p, 2);
		if ((st = read_file(im, F_DEMOGRAPHICS, demographics_row, &hd)) != CR_OK)
			return st;
	}
	{
		const struct plain_pair p[] = {
			{ "sourcedId", PF_STUDENT_ID }, { "identifier", PF_STUDENT_ID },
			{ "givenName", PF_GIVEN }, { "familyName", PF_FAMILY },
			{ "preferredGivenName", PF_PREFERRED }, { "grades", PF_GRADE },
			{ "orgSourcedIds", school_key },
		};

		plain_hd(m, &hd, F_USERS, p, sizeof p / sizeof p[0]);
		if ((st = read_file(im, F_USERS, users_row, &hd)) != CR_OK)
			return st;
	}
	if (im->mode[F_ENROLLMENTS]) {
		if ((st = enrollments_clear(im)) != CR_OK)
			return st;
		plain_hd(m, &hd, F_ENROLLMENTS, NULL, 0);
		if ((st = read_file(im, F_ENROLLMENTS, plain_enrollment_row, &hd)) != CR_OK)
			return st;
	}
	return import_finish(im);
}
