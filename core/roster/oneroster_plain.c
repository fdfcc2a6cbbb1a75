/* oneroster_plain: a plain CSV (one row a student) read through a saved column
 * mapping, with the OneRoster row handlers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ini.h>

#include "oneroster.h"
#include "oneroster_int.h"
#include "text/text.h"
#include "text/i18n.h"

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
					 _("birth_date format '%.40s' is not YYYY-MM-DD, MM/DD/YYYY or DD/MM/YYYY"), value);
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
		near = strcmp(section, "columns") ? NULL : or_closest(name, keys, 0);
		if (near)
			snprintf(m->reason, sizeof m->reason, _("unknown key '%.40s' in [%.20s] (did you mean '%s'?)"),
				 name, section, near);
		else
			snprintf(m->reason, sizeof m->reason, _("unknown key '%.40s' in [%.20s]"), name, section);
	}
	return 0;
}

static enum cr_status plain_parse(struct imp *im, struct plain_map *m, const char *text)
{
	int line = ini_parse_string(text, plain_ini, m);

	if (line != 0)
		return cr_fail(im->err, CR_EDATA, "%s:%d: %s", m->where, line,
			       m->reason[0] ? m->reason : _("not a 'key = value' line or [section]"));
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
		snprintf(m->where, sizeof m->where, _("saved mapping '%s'"), name);
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
			near = or_closest(m->col[i], names, 0);
			if (near)
				imp_issue(im, im->plain_name, rec.line, m->col[i], 1,
					  "the mapping's %s column '%.60s' is not in the header (did you mean '%.60s'?)",
					  plain_fields[i].key, m->col[i], near);
			else
				imp_issue(im, im->plain_name, rec.line, m->col[i], 1,
					  "the mapping's %s column '%.60s' is not in the header", plain_fields[i].key,
					  m->col[i]);
			st = cr_fail(im->err, CR_EDATA, "%s:%ld: column '%.60s' (%s in %s) is missing",
				     im->plain_name, rec.line, m->col[i], plain_fields[i].key, m->where);
		}
	}
	for (int f = 0; f < F_COUNT; f++) {
		m->spec[f] = or_files[f];
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
	if ((e = or_map_lookup(im->classes, key)) != NULL && (e->flags & SF_SEEN))
		return CR_OK;
	c.sid = key;
	c.school_sid = plain_cell(r, m->idx[PF_SCHOOL_ID] >= 0 ? PF_SCHOOL_ID : PF_SCHOOL);
	c.title = or_row_text(r, "title");
	if (r->bad)
		return CR_OK;
	if (m->idx[PF_TEACHER] >= 0 && *plain_cell(r, PF_TEACHER)) {
		const char *t = plain_cell(r, PF_TEACHER);

		if (text_clean(t, strlen(t), &teacher, &flags) != 0)
			return cr_fail(im->err, CR_ENOMEM, "out of memory");
		c.teacher = teacher ? teacher : "";
	}
	st = or_class_save(im, r, &c);
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
	class_id = or_class_row_id(im, key, &cslot);
	student_id = or_student_row_id(im, sid, &sslot);
	if (class_id <= 0 || student_id <= 0)
		return CR_OK;    /* the row's own problem was reported in an earlier pass */
	if (or_enrollment_apply(im, class_id, cslot, student_id, sslot, 0, &s))
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
	if ((st = or_district_save(im, m->district_key, m->district_name, NULL, 0)) != CR_OK)
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
	    (st = or_bulk_defer(im, 0)) != CR_OK)
		return st;

	{
		const struct plain_pair p[] = { { "sourcedId", school_key }, { "name", PF_SCHOOL } };

		plain_hd(m, &hd, F_ORGS, p, 2);
		if ((st = or_read_file(im, F_ORGS, or_orgs_row, &hd)) != CR_OK)
			return st;
	}
	if (im->mode[F_CLASSES]) {
		const struct plain_pair p[] = { { "title", PF_CLASS }, { "schoolSourcedId", school_key } };

		plain_hd(m, &hd, F_CLASSES, p, 2);
		if ((st = or_read_file(im, F_CLASSES, plain_class_row, &hd)) != CR_OK)
			return st;
	}
	if (im->mode[F_DEMOGRAPHICS]) {
		const struct plain_pair p[] = { { "sourcedId", PF_STUDENT_ID }, { "birthDate", PF_BIRTH } };

		plain_hd(m, &hd, F_DEMOGRAPHICS, p, 2);
		if ((st = or_read_file(im, F_DEMOGRAPHICS, or_demographics_row, &hd)) != CR_OK)
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
		if ((st = or_read_file(im, F_USERS, or_users_row, &hd)) != CR_OK)
			return st;
	}
	if (im->mode[F_ENROLLMENTS]) {
		if ((st = or_enrollments_clear(im)) != CR_OK)
			return st;
		plain_hd(m, &hd, F_ENROLLMENTS, NULL, 0);
		if ((st = or_read_file(im, F_ENROLLMENTS, plain_enrollment_row, &hd)) != CR_OK)
			return st;
	}
	return or_import_finish(im);
}
