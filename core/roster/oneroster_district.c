/* oneroster_district: which district a package belongs to (its district row
 * in orgs.csv, the schools it already holds, or the manifest's source). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oneroster_int.h"

/* ---- district --------------------------------------------------------------------- */

struct district_scan {
	char   sid[256];
	char   name[256];
	char   identifier[256];
	long   line;               /* the district row's line in orgs.csv */
	int    ndistricts;
	char   first_school[256];
	char   first_school_name[256];
	char   school_parent[256];
	long long known_district;   /* a district already holding one of these schools */
};

/* A district about to be created whose name and identifier are those of a
 * district already here under another sourcedId (an SIS moved to new IDs,
 * or two exports of one district): said in the report, naming both. */
static void district_twin_warn(struct imp *im, const char *sid, const char *name, const char *identifier,
			       long line)
{
	sqlite3_stmt *st;

	if (!identifier || !name[0] || or_lookup_id(im, "SELECT id FROM district WHERE sourced_id = ?1", 0, sid) > 0)
		return;
	st = db_prepare(im->db,
		"SELECT sourced_id FROM district WHERE sourced_id <> ?1 AND name = ?2 "
		"AND coalesce(identifier, '') = ?3 ORDER BY id LIMIT 1", NULL);
	if (!st)
		return;
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, identifier, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		imp_issue(im, "orgs.csv", line, "sourcedId", 0,
			  "district '%.80s' (identifier '%.40s') is already here under sourcedId '%.80s'; "
			  "this package's sourcedId '%.80s' makes it a second district of that name "
			  "(check the export)", name, identifier, (const char *)sqlite3_column_text(st, 0), sid);
	sqlite3_reset(st);
}

/* Creates or renames the district (when im->district_id is not known yet)
 * and puts its name in the summary. identifier is the district org's (NULL
 * when there is no district row, or for a plain CSV). */
enum cr_status or_district_save(struct imp *im, const char *sid, const char *name, const char *identifier,
				long line)
{
	sqlite3_stmt *st;

	if (!im->district_id) {
		district_twin_warn(im, sid, name, identifier, line);
		st = db_prepare(im->db,
			"INSERT INTO district (sourced_id, name, identifier) VALUES (?1, ?2, ?3) "
			"ON CONFLICT (sourced_id) DO UPDATE SET name = excluded.name, "
			" identifier = coalesce(excluded.identifier, identifier) RETURNING id", im->err);
		if (!st)
			return im->err->status;
		sqlite3_bind_text(st, 1, sid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, name[0] ? name : sid, -1, SQLITE_TRANSIENT);
		imp_bind_text(st, 3, identifier);
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
enum cr_status or_district_resolve(struct imp *im)
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
				or_header_read(im, &or_files[F_ORGS], &rec, &hd);
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
			or_row_init(&r, im, &hd, &rec);
			type = or_row_raw(&r, "type", NULL);
			sid = or_row_raw(&r, "sourcedId", NULL);
			if (!strcasecmp(type, "district") && *sid) {
				if (ds.ndistricts++ == 0) {
					snprintf(ds.sid, sizeof ds.sid, "%s", sid);
					snprintf(ds.name, sizeof ds.name, "%s", or_row_text(&r, "name"));
					snprintf(ds.identifier, sizeof ds.identifier, "%s",
						 or_row_text(&r, "identifier"));
					ds.line = rec.line;
				}
			} else if (*sid && !ds.first_school[0]) {
				snprintf(ds.first_school, sizeof ds.first_school, "%s", sid);
				snprintf(ds.first_school_name, sizeof ds.first_school_name, "%s", or_row_text(&r, "name"));
				snprintf(ds.school_parent, sizeof ds.school_parent, "%s",
					 or_row_raw(&r, "parentSourcedId", NULL));
			}
			if (*sid && !ds.known_district && strcasecmp(type, "district"))
				ds.known_district = or_lookup_id(im,
					"SELECT district_id FROM school WHERE sourced_id = ?1", 0, sid);
			or_row_done(&r);
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
	return or_district_save(im, ds.sid, ds.name, ds.line ? ds.identifier : NULL, ds.line);
}
