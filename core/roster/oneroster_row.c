/* oneroster_row: reading a OneRoster CSV file: the files and their columns, a
 * header mapped to them, each row's cells read, checked and cleaned. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oneroster_int.h"
#include "text/text.h"

/* ---- files and their columns ------------------------------------------ */

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

const struct file_spec or_files[F_COUNT] = {
	[F_ORGS]         = { "orgs.csv",             "file.orgs",             orgs_cols },
	[F_SESSIONS]     = { "academicSessions.csv", "file.academicSessions", sessions_cols },
	[F_CLASSES]      = { "classes.csv",          "file.classes",          classes_cols },
	[F_ROLES]        = { "roles.csv",            "file.roles",            roles_cols },
	[F_DEMOGRAPHICS] = { "demographics.csv",     "file.demographics",     demographics_cols },
	[F_USERS]        = { "users.csv",            "file.users",            users_cols },
	[F_ENROLLMENTS]  = { "enrollments.csv",      "file.enrollments",      enrollments_cols },
};

/* Callers pass the same string literals the tables hold, so a pointer
 * comparison finds the column first; the text comparison is the fallback. */
int or_col_index(const struct header *hd, const char *name)
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

const char *or_closest(const char *name, const char *const *cands, size_t stride_unused)
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
	return or_closest(name, names, 0);
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

static const char *header_name(const struct csv_record *rec, size_t c)
{
	const char *name = rec->field[c];

	while (*name == ' ')
		name++;
	return name;
}

/* The column an unknown header name surely means: one letter off a column
 * of the file not in the header, and no other column within two letters.
 * -1 when there is no such guess. */
static int header_guess(const struct header *hd, const char *name)
{
	const struct col_spec *cols = hd->spec->cols;
	int best = -1, near = 0;

	for (int i = 0; cols[i].name; i++) {
		int d = edit_distance(name, cols[i].name);

		if (d <= 2)
			near++;
		if (d == 1)
			best = i;
	}
	return near == 1 && best >= 0 && hd->idx[best] < 0 ? best : -1;
}

/* Maps the header record; reports unknown and misspelled columns. A name
 * one letter off a column of the file is read as that column (with a
 * warning) when the guess is unambiguous; empty names at the end of the
 * header (a spreadsheet's save) are ignored, and rows may stop before
 * them. Returns CR_OK, or CR_EDATA when a required column is missing (the
 * file cannot be read). */
enum cr_status or_header_read(struct imp *im, const struct file_spec *spec,
			      const struct csv_record *rec, struct header *hd)
{
	int missing = 0, nunknown = 0;
	/* Unknown names, said once every known column is placed. */
	unsigned char *unknown = calloc(rec->nfields ? rec->nfields : 1, 1);

	memset(hd, 0, sizeof *hd);
	hd->spec = spec;
	hd->optout_col = -1;
	hd->ncols = rec->nfields;
	hd->named = rec->nfields;
	while (hd->named > 1 && !*header_name(rec, hd->named - 1))
		hd->named--;
	if (hd->ncols - hd->named > 1)
		imp_issue(im, spec->name, rec->line, "", 0,
			  "the header ends in %zu columns with no name (saved by a spreadsheet?); ignored, "
			  "and rows that stop before them are read", hd->ncols - hd->named);
	else if (hd->named < hd->ncols)
		imp_issue(im, spec->name, rec->line, "", 0,
			  "the header ends in %zu column with no name (saved by a spreadsheet?); ignored, "
			  "and rows that stop before it are read", hd->ncols - hd->named);
	for (int i = 0; i < MAX_COLS; i++)
		hd->idx[i] = -1;
	for (size_t c = 0; c < hd->named; c++) {
		const char *name = header_name(rec, c);
		int found = 0;

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
		} else if (unknown) {
			unknown[c] = 1;
			nunknown++;
		} else {
			imp_issue(im, spec->name, rec->line, "", 0, "unknown column '%.60s'; ignored", name);
		}
	}
	for (size_t c = 0; nunknown > 0 && c < hd->named; c++) {
		const char *name = header_name(rec, c);
		const char *near;
		int guess;

		if (!unknown[c])
			continue;
		if ((guess = header_guess(hd, name)) >= 0) {
			hd->idx[guess] = (int)c;
			imp_issue(im, spec->name, rec->line, spec->cols[guess].name, 0,
				  "column '%.60s' read as '%s' (misspelled?)", name, spec->cols[guess].name);
		} else if ((near = closest_col(spec, name)) != NULL) {
			imp_issue(im, spec->name, rec->line, "", 0,
				  "unknown column '%.60s' (did you mean '%s'?); ignored", name, near);
		} else {
			imp_issue(im, spec->name, rec->line, "", 0,
				  "unknown column '%.60s'; ignored", name);
		}
	}
	free(unknown);
	for (int i = 0; spec->cols[i].name; i++) {
		if (spec->cols[i].required && hd->idx[i] < 0) {
			imp_issue(im, spec->name, rec->line, spec->cols[i].name, 1,
				  "required column '%s' is missing; the file cannot be read",
				  spec->cols[i].name);
			missing++;
		}
	}
	if (missing)
		return missing > 1
			? cr_fail(im->err, CR_EDATA, "%s:%ld: %d required columns are missing (see the report)",
				  spec->name, rec->line, missing)
			: cr_fail(im->err, CR_EDATA, "%s:%ld: %d required column is missing (see the report)",
				  spec->name, rec->line, missing);
	return CR_OK;
}

/* ---- rows --------------------------------------------------------------- */

void or_row_init(struct row *r, struct imp *im, const struct header *hd, const struct csv_record *rec)
{
	memset(r, 0, sizeof *r);
	r->im = im;
	r->hd = hd;
	r->rec = rec;
}

void or_row_done(struct row *r)
{
	for (int i = 0; i < r->nowned; i++)
		free(r->owned[i]);
	r->nowned = 0;
}

/* The raw cell of a column, "" when the column is absent or the row short. */
const char *or_row_raw(const struct row *r, const char *col, size_t *len)
{
	int i = or_col_index(r->hd, col);

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

/* ---- field length limits (README, "Roster import") --------------------- */

#define OR_MAX_NAME  200   /* people's names, school and class names, titles */
#define OR_MAX_ID    255   /* sourcedIds and references, identifier, classCode, userIds */
#define OR_MAX_TEXT  1000  /* any other text */
#define OR_MAX_LIST  10000 /* lists of IDs: orgSourcedIds, userIds, ... */

static size_t row_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static int row_is_name_col(const char *col)
{
	static const char *const names[] = {
		"givenName", "familyName", "middleName", "preferredGivenName", "preferredFirstName",
		"preferredMiddleName", "preferredFamilyName", "preferredLastName", "name", "title", NULL,
	};

	for (int i = 0; names[i]; i++)
		if (!strcmp(col, names[i]))
			return 1;
	return 0;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

static size_t row_limit(const char *col, int id)
{
	if (ends_with(col, "Ids"))
		return OR_MAX_LIST;
	if (id || !strcmp(col, "identifier") || !strcmp(col, "classCode") || ends_with(col, "ourcedId"))
		return OR_MAX_ID;
	return row_is_name_col(col) ? OR_MAX_NAME : OR_MAX_TEXT;
}

/* A cell longer than its column's limit rejects the row (an error entry
 * naming the field); returns non-zero then. Limits count characters. */
static int row_too_long(struct row *r, const char *col, const char *s, size_t len, int id)
{
	size_t max = row_limit(col, id);
	size_t chars;

	if (len <= max || (chars = row_chars(s, len)) <= max)
		return 0;
	imp_issue(r->im, r->hd->spec->name, r->rec->line, col, 1,
		  "%s is %zu characters long, over the limit of %zu; the row is skipped", col, chars, max);
	r->bad = 1;
	return 1;
}

/* An identifier: must be clean UTF-8 without controls; returned raw. */
const char *or_row_id(struct row *r, const char *col)
{
	size_t len;
	const char *s = or_row_raw(r, col, &len);

	if (row_too_long(r, col, s, len, 1))
		return "";
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
const char *or_row_text(struct row *r, const char *col)
{
	size_t len;
	const char *s = or_row_raw(r, col, &len);
	unsigned flags = 0;
	char *out = NULL;

	if (len == 0 || row_too_long(r, col, s, len, 0))
		return "";
	if (text_clean(s, len, &out, &flags) != 0) {
		r->bad = 1;
		r->oom = 1;   /* never a row skipped without a word: or_read_file fails the import */
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
void or_row_report_cleaning(struct row *r)
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

	v = or_row_raw(r, "email", NULL);
	if (*v && !strchr(v, '@'))
		return "email";
	v = or_row_raw(r, "enabledUser", NULL);
	if (!is_bool(v))
		return "enabledUser";
	v = or_row_raw(r, "primary", NULL);
	if (!is_bool(v))
		return "primary";
	v = or_row_raw(r, "role", NULL);
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
	/* Unnamed columns ending the header: rows may stop before them. */
	size_t named = r->hd->named ? r->hd->named : r->hd->ncols;

	if (rec->nfields < named) {
		imp_issue(r->im, f, rec->line, "", 1,
			  "row has %zu of %zu columns (cut short?); skipped", rec->nfields, named);
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
		if (rec->nfields - r->hd->ncols > 1)
			imp_issue(r->im, f, rec->line, "", 0, "%zu empty columns past the header; ignored",
				  rec->nfields - r->hd->ncols);
		else
			imp_issue(r->im, f, rec->line, "", 0, "%zu empty column past the header; ignored",
				  rec->nfields - r->hd->ncols);
	}
	return 1;
}

/* Row status: 0 active, 1 tobedeleted (1.0's "inactive" too), -1 bad. */
int or_row_status(struct row *r)
{
	const char *s = or_row_raw(r, "status", NULL);

	if (!*s || !strcasecmp(s, "active"))
		return 0;
	if (!strcasecmp(s, "tobedeleted") || !strcasecmp(s, "inactive"))
		return 1;
	imp_issue(r->im, r->hd->spec->name, r->rec->line, "status", 1,
		  "status '%.20s' is not active or tobedeleted; the row is skipped", s);
	return -1;
}

/* ---- reading a file --------------------------------------------------------- */

/* Streams one file through fn. A bad record (unterminated quote, a huge
 * line) is reported and skipped; reading goes on. */
enum cr_status or_read_file(struct imp *im, enum imp_file f, row_fn fn, const struct header *given)
{
	const struct file_spec *spec = given ? given->spec : &or_files[f];
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
			if (package_read_error(im->pkg))
				st = cr_fail(im->err, CR_EDATA, "%s", package_read_error(im->pkg));
			else
				st = cr_fail(im->err, CR_ENOINPUT, "%s", csv_error(rd));
			break;
		}
		if (cr == CSV_BAD_RECORD) {
			const char *field = "";
			long fi = csv_error_field(rd);

			/* an over-long record is named by the field it was in */
			if (fi >= 0 && have_header)
				for (size_t k = 0; hd.spec->cols[k].name && k < MAX_COLS; k++)
					if (hd.idx[k] == fi)
						field = hd.spec->cols[k].name;
			imp_issue(im, spec->name, csv_error_line(rd), field, 1, "%s",
				  strchr(csv_error(rd), ' ') ? strchr(csv_error(rd), ' ') + 1 : csv_error(rd));
			continue;
		}
		if (!have_header) {
			have_header = 1;
			if (given)
				hd = *given;      /* a plain CSV: its header was mapped already */
			else if ((st = or_header_read(im, spec, &rec, &hd)) != CR_OK)
				break;
			continue;
		}
		if (imp_tick(im)) {
			st = cr_fail(im->err, CR_EINTERRUPTED, "import cancelled while reading %s", spec->name);
			break;
		}
		{
			struct row r;

			or_row_init(&r, im, &hd, &rec);
			if (row_shape_ok(&r))
				st = fn(im, &r);
			else if (f == F_USERS)
				or_users_keep(im, or_row_raw(&r, "sourcedId", NULL));
			if (st == CR_OK && r.oom)
				st = cr_fail(im->err, CR_ENOMEM, "out of memory reading %s line %ld", spec->name,
					     rec.line);
			or_row_done(&r);
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
