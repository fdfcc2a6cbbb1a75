/* oneroster internals: what the OneRoster reader files (oneroster_*.c) share:
 * the file and column tables, a header and a row, and each file's helpers. */
#ifndef CR_ONEROSTER_INT_H
#define CR_ONEROSTER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "roster_int.h"

/* ---- files and their columns (oneroster_row.c) ------------------------- */

struct col_spec {
	const char *name;
	int         required;
};

struct file_spec {
	const char            *name;      /* users.csv */
	const char            *key;       /* file.users in the manifest */
	const struct col_spec *cols;      /* known columns, NULL-terminated */
};

extern const struct file_spec or_files[F_COUNT];

#define MAX_COLS 64

/* A header mapped to known columns: idx[i] is the position of cols[i] or -1. */
struct header {
	const struct file_spec *spec;
	int    idx[MAX_COLS];
	size_t ncols;            /* columns in the header */
	size_t named;            /* up to the last column with a name (0: ncols) */
	int    optout_col;       /* a metadata.* directory opt-out column, or -1 */
	const char *optout_name;
	char   optout_buf[128];
};

struct row {
	struct imp             *im;
	const struct header    *hd;
	const struct csv_record *rec;
	unsigned                text_flags;   /* union of text_clean flags */
	char                    flagged_fields[160];
	int                     bad;          /* a field could not be read */
	int                     oom;          /* ...for want of memory: the import fails */
	char                   *owned[16];
	int                     nowned;
};

typedef enum cr_status (*row_fn)(struct imp *im, struct row *r);

/* The position of a column in the header, -1 when absent. */
int or_col_index(const struct header *hd, const char *name);
/* The candidate nearest to name (a "did you mean"), or NULL. */
const char *or_closest(const char *name, const char *const *cands, size_t stride_unused);
enum cr_status or_header_read(struct imp *im, const struct file_spec *spec,
			      const struct csv_record *rec, struct header *hd);
void or_row_init(struct row *r, struct imp *im, const struct header *hd, const struct csv_record *rec);
void or_row_done(struct row *r);
const char *or_row_raw(const struct row *r, const char *col, size_t *len);
const char *or_row_id(struct row *r, const char *col);
const char *or_row_text(struct row *r, const char *col);
void or_row_report_cleaning(struct row *r);
int or_row_status(struct row *r);
/* Streams one file through fn (given: a header already mapped, else read). */
enum cr_status or_read_file(struct imp *im, enum imp_file f, row_fn fn, const struct header *given);

/* ---- values (oneroster_value.c) ----------------------------------------- */

int or_is_true(const char *s);
void or_civil_from_days(int z, char out[16]);
int or_row_birth_date(struct row *r, const char *col);
void or_row_grade(struct row *r, char buf[8]);

/* ---- maps and lookups (oneroster_maps.c) -------------------------------- */

/* A school as a small number, so the maps can say in their spare 16 bits
 * which school a child or a class belongs to (an enrollment in a class of
					       * another school goes to enrollment_away). Slot 0: not known here, ask the
					       * database; slot 1: no school; then one per school. */
#define SLOT_UNKNOWN 0
#define SLOT_NONE    1

/* What or_map_load keeps in an entry beside the row. */
enum map_extra { MAP_PLAIN, MAP_STATUS, MAP_SCHOOL };

long long or_sid_key(const char *sid);
/* The row of the student (district ?1, sourcedId ?2, its key K: "?3"),
 * as an SQL scalar: tier 0, then the tier of a delta's new children
 * (migration 0011); NULL when there is none. */
#define OR_SID_ROWID(K) \
	"(SELECT id FROM student WHERE district_id = ?1 AND sid_key = " K " AND sourced_id = ?2 " \
	" AND sid_tier = 0 UNION ALL SELECT id FROM student WHERE district_id = ?1 AND sid_key = " K \
	" AND sourced_id = ?2 AND sid_tier = 1 LIMIT 1)"
struct idmap_entry *or_map_lookup(struct idmap *m, const char *sid);
uint16_t or_school_slot(struct imp *im, long long school);
long long or_remember(struct imp *im, struct idmap *m, const char *sid, long long id,
		      long long school);
enum cr_status or_map_load(struct imp *im, struct idmap **out, const char *sql, enum map_extra kind,
			   size_t expected);
long long or_lookup_id(struct imp *im, const char *sql, long long a, const char *b);
long long or_school_row_id(struct imp *im, const char *sid);
long long or_class_row_id(struct imp *im, const char *sid, uint16_t *slot);
long long or_student_row_id(struct imp *im, const char *sid, uint16_t *slot);
void or_users_keep(struct imp *im, const char *sid);
/* Runs sql with ?1 the district and ?2 the run. */
enum cr_status or_bulk_withdraw(struct imp *im, const char *sql, const char *what);

/* ---- manifest and district (oneroster_manifest.c, oneroster_district.c) -- */

enum cr_status or_manifest_read(struct imp *im);
enum cr_status or_district_save(struct imp *im, const char *sid, const char *name, const char *identifier,
				long line);
enum cr_status or_district_resolve(struct imp *im);

/* ---- row handlers (oneroster_orgs.c, _users.c, _enrollments.c) ---------- */

struct class_in {
	const char *sid, *school_sid, *title, *code, *grades, *periods, *terms, *teacher;
	int         status;
};

enum cr_status or_orgs_row(struct imp *im, struct row *r);
enum cr_status or_sessions_row(struct imp *im, struct row *r);
enum cr_status or_class_save(struct imp *im, struct row *r, const struct class_in *c);
enum cr_status or_classes_row(struct imp *im, struct row *r);
enum cr_status or_roles_row(struct imp *im, struct row *r);
enum cr_status or_demographics_row(struct imp *im, struct row *r);

enum cr_status or_users_row(struct imp *im, struct row *r);
/* A delta's name changes, applied to the search index at the end. */
enum cr_status or_fts_delta_begin(struct imp *im);
enum cr_status or_fts_delta_apply(struct imp *im);

enum cr_status or_enrollments_row(struct imp *im, struct row *r);
int or_enrollment_apply(struct imp *im, long long class_id, uint16_t cslot, long long student_id,
			uint16_t sslot, int remove, enum cr_status *stp);
enum cr_status or_enrollments_clear(struct imp *im);
enum cr_status or_rehome_later(struct imp *im, long long student_id);
enum cr_status or_rehome_moved(struct imp *im);

/* ---- the whole package (oneroster_import.c) ----------------------------- */

enum cr_status oneroster_prepare(struct imp *im);
enum cr_status or_bulk_defer(struct imp *im, int triggers_only);
enum cr_status or_import_finish(struct imp *im);

#endif
