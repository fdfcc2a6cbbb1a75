/* oneroster_manifest: manifest.csv: the OneRoster version, the source and
 * which files are bulk, delta or absent. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "oneroster_int.h"

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
		const char *near = or_closest(key, manifest_known_keys, 0);

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
				if (!strcmp(or_files[f].key, key))
					return cr_fail(im->err, CR_EDATA,
						       "manifest.csv:%ld: %s is '%.20s', not bulk, delta or absent",
						       rec->line, key, val);
			imp_issue(im, "manifest.csv", rec->line, "value", 0,
				  "%s is '%.20s', not bulk, delta or absent; ignored", key, val);
			return CR_OK;
		}
		for (int f = 0; f < F_COUNT; f++)
			if (!strcmp(or_files[f].key, key))
				im->mode[f] = m;
	}
	return CR_OK;
}

enum cr_status or_manifest_read(struct imp *im)
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
		int has = package_has(im->pkg, or_files[f].name);

		if (im->mode[f] != MODE_ABSENT && !has)
			return cr_fail(im->err, CR_ENOINPUT, "manifest.csv lists %s as %s but %s has no such file",
				       or_files[f].name, im->mode[f] == MODE_BULK ? "bulk" : "delta",
				       package_name(im->pkg));
		if (im->mode[f] == MODE_ABSENT && has)
			imp_issue(im, or_files[f].name, 0, "", 0,
				  "manifest.csv says %s is absent, but the file is there; not read", or_files[f].name);
	}
	return CR_OK;
}
