/* roster_fixtures: what the roster unit tests (test_roster_*.c) share: the
 * hand-written Lakeview district, writing packages and zips, importing and
 * dumping the roster, and the small oracles (UTF-8, controls, NFC, memory).
 * Include after cmocka.h and testutil.h. */
#ifndef CR_ROSTER_FIXTURES_H
#define CR_ROSTER_FIXTURES_H

#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <utf8proc.h>

#include "store/db.h"
#include "roster/roster.h"

#define TU_UNUSED __attribute__((unused))

/* ---- a small district written by hand: Lakeview ------------------------ */

#define MANIFEST_HEAD "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
#define ORGS_HDR "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
#define CLASSES_HDR "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode," \
	"classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
#define USERS_HDR "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username," \
	"userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n"
#define ENR_HDR "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId," \
	"role,primary,beginDate,endDate\n"
#define DEMO_HDR "sourcedId,status,dateLastModified,birthDate,sex,cityOfBirth\n"

/* One users.csv row of 18 columns, the ones cardroll reads filled in. */
#define USER(sid, school, role, given, family, ident, grade) \
	sid ",,,true," school "," role ",,," given "," family ",," ident ",,,,," grade ",\n"
/* The same for a delta: with status and dateLastModified. */
#define USERD(sid, status, date, school, given, family, ident, grade) \
	sid "," status "," date ",true," school ",student,,," given "," family ",," ident ",,,,," grade ",\n"

#define U_TEACHER USER("t-rivera", "sch-north", "teacher", "Marta", "Rivera", "", "")
#define U_1 USER("stu-1", "sch-north", "student", "Ana", "García", "5001", "03")
#define U_2 USER("stu-2", "sch-north", "student", "Ben", "Okafor", "5002", "03")
#define U_3 USER("stu-3", "sch-south", "student", "Chloé", "Dubois", "5003", "07")
#define U_4 USER("stu-4", "sch-south", "student", "Dev", "Patel", "5004", "07")
#define U_5 USER("stu-5", "sch-north", "student", "Emma", "Larsen", "5005", "03")

TU_UNUSED static const char lake_manifest[] = MANIFEST_HEAD
	"file.orgs,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\n"
	"file.demographics,bulk\nsource.systemName,Lakeview SIS\n";
TU_UNUSED static const char lake_orgs[] = ORGS_HDR
	"d-lake,,,Lakeview School District,district,,\n"
	"sch-north,,,North Elementary,school,N01,d-lake\n"
	"sch-south,,,South Middle School,school,S01,d-lake\n";
TU_UNUSED static const char lake_classes[] = CLASSES_HDR
	"cls-3a,,,Room 3A,03,,3A,homeroom,,sch-north,,,,\n"
	"cls-7b,,,Homeroom 7B,07,,7B,homeroom,,sch-south,,,,\n";
TU_UNUSED static const char lake_users[] = USERS_HDR U_TEACHER U_1 U_2 U_3 U_4 U_5;
TU_UNUSED static const char lake_enrollments[] = ENR_HDR
	"e-t,,,cls-3a,sch-north,t-rivera,teacher,true,,\n"
	"e-1,,,cls-3a,sch-north,stu-1,student,false,,\n"
	"e-2,,,cls-3a,sch-north,stu-2,student,false,,\n"
	"e-3,,,cls-7b,sch-south,stu-3,student,false,,\n"
	"e-4,,,cls-7b,sch-south,stu-4,student,false,,\n"
	"e-5,,,cls-3a,sch-north,stu-5,student,false,,\n";
TU_UNUSED static const char lake_demographics[] = DEMO_HDR
	"stu-1,,,2017-03-14,female,Zzyzxville\n"
	"stu-2,,,2017-06-01,male,\n"
	"stu-3,,,2013-01-20,female,\n"
	"stu-4,,,2013-11-02,male,\n"
	"stu-5,,,2016-12-24,female,\n";

/* Writes the Lakeview package into dir/pkg; users.csv is users when not NULL. */
static inline void write_lake(const struct tu_env *e, const char *pkg, const char *users)
{
	char rel[256];

	snprintf(rel, sizeof rel, "%s/manifest.csv", pkg);
	tu_put(e, rel, lake_manifest);
	snprintf(rel, sizeof rel, "%s/orgs.csv", pkg);
	tu_put(e, rel, lake_orgs);
	snprintf(rel, sizeof rel, "%s/classes.csv", pkg);
	tu_put(e, rel, lake_classes);
	snprintf(rel, sizeof rel, "%s/users.csv", pkg);
	tu_put(e, rel, users ? users : lake_users);
	snprintf(rel, sizeof rel, "%s/enrollments.csv", pkg);
	tu_put(e, rel, lake_enrollments);
	snprintf(rel, sizeof rel, "%s/demographics.csv", pkg);
	tu_put(e, rel, lake_demographics);
}

static inline void put_in(const struct tu_env *e, const char *pkg, const char *file, const char *text);

/* Lakeview's orgs and the given users.csv, nothing else. */
static inline void write_lake_users_only(const struct tu_env *e, const char *pkg, const char *users)
{
	put_in(e, pkg, "manifest.csv", MANIFEST_HEAD "file.orgs,bulk\nfile.users,bulk\n");
	put_in(e, pkg, "orgs.csv", lake_orgs);
	put_in(e, pkg, "users.csv", users);
}

static inline void put_in(const struct tu_env *e, const char *pkg, const char *file, const char *text)
{
	char rel[256];

	snprintf(rel, sizeof rel, "%s/%s", pkg, file);
	tu_put(e, rel, text);
}

#define assert_imported(st, err) do { \
		if ((st) != CR_OK) \
			fail_msg("import failed: %s: %s", cr_status_name(st), (err).msg); \
	} while (0)

/* Imports path (a folder or zip) and asserts it went through. */
static inline void import_ok(struct tu_env *e, const char *path, struct roster_summary *sum)
{
	struct cr_err err;
	enum cr_status st = tu_import(e->db, path, 0, sum, &err);

	assert_imported(st, err);
}

static inline long long student_id(struct tu_env *e, const char *sid)
{
	return tu_q_int(e->db, "SELECT id FROM student WHERE sourced_id = ?1", sid);
}

static inline const char *student_col(struct tu_env *e, const char *col, const char *sid)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT %s FROM student WHERE sourced_id = ?1", col);
	return tu_q_str(e->db, sql, sid);
}

static inline long long count_of(struct tu_env *e, const char *sql)
{
	return tu_q_int(e->db, sql, NULL);
}

/* Every roster row and the schema, as text: two dumps are equal exactly
 * when the roster is (created_at is left out: it is a clock reading). */
static inline char *roster_dump(struct cr_db *db)
{
	static const char *const sql[] = {
		"SELECT id, sourced_id, name FROM district ORDER BY id",
		"SELECT * FROM school ORDER BY id",
		"SELECT * FROM term ORDER BY id",
		"SELECT * FROM class ORDER BY id",
		"SELECT * FROM student ORDER BY id",
		"SELECT * FROM enrollment ORDER BY class_id, student_id",
		"SELECT * FROM card ORDER BY id",
		"SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name",
	};
	struct tu_buf b = { 0 };

	for (size_t i = 0; i < TU_LEN(sql); i++) {
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(db_handle(db), sql[i], -1, &st, NULL) != SQLITE_OK)
			fail_msg("%s: %s", sql[i], sqlite3_errmsg(db_handle(db)));
		tu_buf_printf(&b, "-- %s\n", sql[i]);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				if (sqlite3_column_type(st, c) == SQLITE_NULL)
					tu_buf_printf(&b, "%sNULL", c ? "|" : "");
				else
					tu_buf_printf(&b, "%s'%s'", c ? "|" : "", sqlite3_column_text(st, c));
			}
			tu_buf_add(&b, "\n", 1);
		}
		sqlite3_finalize(st);
	}
	return b.s;
}

/* Fails showing the first line where the two dumps differ. */
static inline void assert_same_roster(const char *before, const char *after, const char *what)
{
	size_t i = 0, line = 1, start = 0;

	if (strcmp(before, after) == 0)
		return;
	while (before[i] && before[i] == after[i]) {
		if (before[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	fail_msg("%s: the roster changed at dump line %zu:\n  before: %.200s\n  after:  %.200s", what, line,
		 before + start, after + start);
}

/* The newest import_run row's column, as text. */
static inline const char *last_run_col(struct tu_env *e, const char *col)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT %s FROM import_run ORDER BY id DESC LIMIT 1", col);
	return tu_q_str(e->db, sql, NULL);
}

static inline int valid_utf8(const char *s)
{
	utf8proc_int32_t cp;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t n = (utf8proc_ssize_t)strlen(s);

	while (n > 0) {
		utf8proc_ssize_t k = utf8proc_iterate(p, n, &cp);

		if (k <= 0)
			return 0;
		p += k;
		n -= k;
	}
	return 1;
}

/* 1 when s holds a C0 or C1 control character or DEL. */
static inline int has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 1;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 1;
	}
	return 0;
}

/* NFC of s (caller frees), as utf8proc makes it: the oracle for names. */
static inline char *nfc(const char *s)
{
	char *r = (char *)utf8proc_NFC((const utf8proc_uint8_t *)s);

	return r ? r : tu_memdup(s, strlen(s));
}

/* Runs the project's district generator (tests/tools/genroster). */
static inline void gen_roster(const char *args)
{
	int rc = tu_sh("python3 tests/tools/genroster %s >/dev/null", args);

	if (rc != 0)
		fail_msg("tests/tools/genroster %s exited %d", args, rc);
}

/* A CSV file read whole with core/csv (records and bad records). */
static inline struct tu_recs read_csv(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct tu_recs all;

	if (fd < 0)
		fail_msg("cannot open %s", path);
	all = tu_read_all(csv_open_fd(fd, path, 1u << 24));
	close(fd);
	return all;
}

/* Closes the database (so the WAL is folded in), looks for needle in the
 * bytes of the database, its -wal and -shm, and opens it again. Returns
 * the file holding it, or NULL. */
static inline const char *db_files_holding(struct tu_env *e, const char *needle)
{
	static char found[300];
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	struct cr_err err = { 0 };
	const char *hit = NULL;

	db_close(e->db);
	e->db = NULL;
	for (size_t i = 0; i < TU_LEN(suffix) && !hit; i++) {
		size_t size = 0;
		char *bytes;

		snprintf(found, sizeof found, "%s%s", e->db_path, suffix[i]);
		bytes = tu_slurp(found, &size);
		if (bytes && tu_has_bytes(bytes, size, needle, strlen(needle)))
			hit = found;
		free(bytes);
	}
	if (db_open(e->db_path, 0, &e->db, &err) != CR_OK)
		fail_msg("reopening the database: %s", err.msg);
	return hit;
}

TU_UNUSED static const char delta_manifest[] = MANIFEST_HEAD "file.users,delta\n";

/* Imports dir/pkg expecting the whole import to fail with want; checks the
 * roster is byte for byte as before and the failed run is on record. */
static inline void import_fails_cleanly(struct tu_env *e, const char *pkg, enum cr_status want,
				 const char *message_part)
{
	struct roster_summary sum, again;
	struct cr_err err;
	enum cr_status st;
	char *before = roster_dump(e->db), *after;
	long long run = 0;
	const char *msg;

	st = tu_import(e->db, tu_at(e, pkg), 0, &sum, &err);
	if (st != want)
		fail_msg("%s: expected %s, got %s: %s", pkg, cr_status_name(want), cr_status_name(st), err.msg);
	assert_string_equal(sum.outcome, "failed");
	assert_true(strstr(err.msg, message_part) != NULL);
	after = roster_dump(e->db);
	assert_same_roster(before, after, pkg);
	free(before);
	free(after);

	/* The run and why it failed are kept, for --show-last. */
	assert_true(sum.run_id > 0);
	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	assert_int_equal(run, sum.run_id);
	assert_int_equal(roster_run_summary(e->db, run, &again, NULL, 0, NULL, &err), CR_OK);
	assert_string_equal(again.outcome, "failed");
	assert_int_equal(again.dry_run, 0);
	msg = last_run_col(e, "message");
	assert_non_null(msg);
	if (!strstr(msg, message_part))
		fail_msg("the failed run's message '%s' does not name '%s'", msg, message_part);
}

static inline void assert_integrity_ok(struct tu_env *e)
{
	assert_string_equal(tu_q_str(e->db, "PRAGMA integrity_check", NULL), "ok");
}

/* mkzip.py OUT SRC PREFIX [NAME=FILE...]: SRC's files as PREFIX+name, then
 * extra entries under exactly the names given (zipfile keeps them raw). */
TU_UNUSED static const char mkzip_py[] =
	"import os, sys, zipfile\n"
	"out, src, prefix = sys.argv[1], sys.argv[2], sys.argv[3]\n"
	"with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:\n"
	"    for n in sorted(os.listdir(src)):\n"
	"        z.write(os.path.join(src, n), prefix + n)\n"
	"    for spec in sys.argv[4:]:\n"
	"        name, path = spec.split('=', 1)\n"
	"        z.writestr(zipfile.ZipInfo(name), open(path, 'rb').read())\n";

/* Zips dir/pkg into dir/zipname, flat or inside a top folder named pkg:
 * with the zip command when there is one, else python's zipfile. */
static inline void zip_folder(struct tu_env *e, const char *zipname, const char *pkg, int top)
{
	int rc;

	if (tu_sh("command -v zip >/dev/null 2>&1") == 0) {
		if (top)
			rc = tu_sh("cd '%s' && zip -q -r '%s' '%s'", e->dir, zipname, pkg);
		else
			rc = tu_sh("zip -q -j '%s' '%s'/*", tu_at(e, zipname), tu_at(e, pkg));
	} else {
		tu_put(e, "mkzip.py", mkzip_py);
		rc = tu_sh("python3 '%s' '%s' '%s' '%s%s'", tu_at(e, "mkzip.py"), tu_at(e, zipname),
			   tu_at(e, pkg), top ? pkg : "", top ? "/" : "");
		if (rc == 127)
			skip();
	}
	if (rc != 0)
		fail_msg("zipping %s exited %d", pkg, rc);
}

/* Imports path into a fresh database of its own; returns its roster dump
 * and (in *report) its report as text. */
static inline char *import_fresh(struct tu_env *e, const char *dbname, const char *path, char **report)
{
	struct roster_summary sum;
	struct cr_db *db;
	struct cr_err err = { 0 };
	struct tu_issues is;
	struct tu_buf b = { 0 };
	enum cr_status st;
	char *dump;

	if (db_open(tu_at(e, dbname), 0, &db, &err) != CR_OK)
		fail_msg("db_open: %s", err.msg);
	st = tu_import(db, path, 0, &sum, &err);
	if (st != CR_OK) {
		db_close(db);
		fail_msg("importing %s: %s", path, err.msg);
	}
	dump = roster_dump(db);
	is = tu_issues_of(db, sum.run_id);
	tu_buf_add(&b, "", 0);
	for (size_t i = 0; i < is.n; i++)
		tu_buf_printf(&b, "%s:%ld [%s] %s: %s\n", is.v[i].file, is.v[i].line, is.v[i].field,
			      is.v[i].severity, is.v[i].reason);
	tu_issues_free(&is);
	db_close(db);
	*report = b.s;
	return dump;
}

static inline double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static inline long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

#endif
