/* Unit tests for core/roster: a district's OneRoster roster coming into the
 * library's database the way real exports arrive (the sample packages in
 * tests/data, a dirty synthetic district, re-imports, deltas, zips, broken
 * files), and the roster staying whole whatever goes wrong. Each test works
 * in a mkdtemp folder of its own with a fresh database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <utf8proc.h>

#include "store/db.h"
#include "roster/roster.h"
#include "testutil.h"

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

static const char lake_manifest[] = MANIFEST_HEAD
	"file.orgs,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\n"
	"file.demographics,bulk\nsource.systemName,Lakeview SIS\n";
static const char lake_orgs[] = ORGS_HDR
	"d-lake,,,Lakeview School District,district,,\n"
	"sch-north,,,North Elementary,school,N01,d-lake\n"
	"sch-south,,,South Middle School,school,S01,d-lake\n";
static const char lake_classes[] = CLASSES_HDR
	"cls-3a,,,Room 3A,03,,3A,homeroom,,sch-north,,,,\n"
	"cls-7b,,,Homeroom 7B,07,,7B,homeroom,,sch-south,,,,\n";
static const char lake_users[] = USERS_HDR U_TEACHER U_1 U_2 U_3 U_4 U_5;
static const char lake_enrollments[] = ENR_HDR
	"e-t,,,cls-3a,sch-north,t-rivera,teacher,true,,\n"
	"e-1,,,cls-3a,sch-north,stu-1,student,false,,\n"
	"e-2,,,cls-3a,sch-north,stu-2,student,false,,\n"
	"e-3,,,cls-7b,sch-south,stu-3,student,false,,\n"
	"e-4,,,cls-7b,sch-south,stu-4,student,false,,\n"
	"e-5,,,cls-3a,sch-north,stu-5,student,false,,\n";
static const char lake_demographics[] = DEMO_HDR
	"stu-1,,,2017-03-14,female,Zzyzxville\n"
	"stu-2,,,2017-06-01,male,\n"
	"stu-3,,,2013-01-20,female,\n"
	"stu-4,,,2013-11-02,male,\n"
	"stu-5,,,2016-12-24,female,\n";

/* Writes the Lakeview package into dir/pkg; users.csv is users when not NULL. */
static void write_lake(const struct tu_env *e, const char *pkg, const char *users)
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

static void put_in(const struct tu_env *e, const char *pkg, const char *file, const char *text);

/* Lakeview's orgs and the given users.csv, nothing else. */
static void write_lake_users_only(const struct tu_env *e, const char *pkg, const char *users)
{
	put_in(e, pkg, "manifest.csv", MANIFEST_HEAD "file.orgs,bulk\nfile.users,bulk\n");
	put_in(e, pkg, "orgs.csv", lake_orgs);
	put_in(e, pkg, "users.csv", users);
}

static void put_in(const struct tu_env *e, const char *pkg, const char *file, const char *text)
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
static void import_ok(struct tu_env *e, const char *path, struct roster_summary *sum)
{
	struct cr_err err;
	enum cr_status st = tu_import(e->db, path, 0, sum, &err);

	assert_imported(st, err);
}

static long long student_id(struct tu_env *e, const char *sid)
{
	return tu_q_int(e->db, "SELECT id FROM student WHERE sourced_id = ?1", sid);
}

static const char *student_col(struct tu_env *e, const char *col, const char *sid)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT %s FROM student WHERE sourced_id = ?1", col);
	return tu_q_str(e->db, sql, sid);
}

static long long count_of(struct tu_env *e, const char *sql)
{
	return tu_q_int(e->db, sql, NULL);
}

/* Every roster row and the schema, as text: two dumps are equal exactly
 * when the roster is (created_at is left out: it is a clock reading). */
static char *roster_dump(struct cr_db *db)
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
static void assert_same_roster(const char *before, const char *after, const char *what)
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
static const char *last_run_col(struct tu_env *e, const char *col)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT %s FROM import_run ORDER BY id DESC LIMIT 1", col);
	return tu_q_str(e->db, sql, NULL);
}

static int valid_utf8(const char *s)
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
static int has_control(const char *s)
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
static char *nfc(const char *s)
{
	char *r = (char *)utf8proc_NFC((const utf8proc_uint8_t *)s);

	return r ? r : tu_memdup(s, strlen(s));
}

/* Runs the project's district generator (tests/tools/genroster). */
static void gen_roster(const char *args)
{
	int rc = tu_sh("python3 tests/tools/genroster %s >/dev/null", args);

	if (rc != 0)
		fail_msg("tests/tools/genroster %s exited %d", args, rc);
}

/* A CSV file read whole with core/csv (records and bad records). */
static struct tu_recs read_csv(const char *path)
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
static const char *db_files_holding(struct tu_env *e, const char *needle)
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

/* ---- 1. the sample packages (tests/data) ------------------------------- */

static void test_small_sample_imports_and_the_manifest_typo_is_named(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	const struct tu_issue *typo;
	struct tu_issues is;
	char src[512];

	tu_data(src, sizeof src, "oneroster-1.1-quoted");
	import_ok(e, src, &sum);
	assert_string_equal(sum.kind, "oneroster-bulk");
	assert_string_equal(sum.outcome, "ok");
	assert_int_equal(sum.added, 20);
	assert_int_equal(sum.rejected, 0);
	assert_int_equal(sum.classes, 5);
	assert_int_equal(sum.enrollments, 25);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student WHERE status = 'active'"), 20);
	assert_string_equal(tu_q_str(e->db, "SELECT name FROM school", NULL), "Maple Hollow Elementary");

	/* The typo 'fiel.demographics' is a warning at its own line. */
	is = tu_issues_of(e->db, sum.run_id);
	typo = tu_issue_find(&is, "manifest.csv", 10, "warning", NULL, "fiel.demographics");
	if (!typo) {
		tu_issues_print(&is);
		fail_msg("no warning naming manifest.csv:10 'fiel.demographics'");
	}
	tu_issues_free(&is);
}

static void test_minimal_sample_imports_students_only_and_never_the_password(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	char src[512];
	const char *where;

	tu_data(src, sizeof src, "oneroster-1.1-minimal");
	import_ok(e, src, &sum);
	assert_string_equal(sum.kind, "oneroster-bulk");
	/* Rosa, Tomas and Priya are the students; teachers and the parent are not. */
	assert_int_equal(sum.added, 3);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 3);
	assert_true(student_id(e, "hv-u-812") > 0);
	assert_true(student_id(e, "hv-u-814") > 0);
	assert_int_equal(student_id(e, "hv-u-501"), -1);
	assert_int_equal(student_id(e, "hv-u-640"), -1);
	/* Files without a final newline still give their last row. */
	assert_int_equal(sum.classes, 2);
	assert_non_null(tu_q_str(e->db, "SELECT id FROM class WHERE title = 'World History - 2'", NULL));
	/* The teacher is kept only as the class's label. */
	assert_string_equal(tu_q_str(e->db, "SELECT teacher FROM class WHERE title = 'World History - 2'", NULL),
			    "Lena Okafor");
	/* Victor Haines is a teacher in users.csv but enrolled as a student: reported. */
	is = tu_issues_of(e->db, sum.run_id);
	assert_non_null(tu_issue_find(&is, "enrollments.csv", 3, "error", "userSourcedId", NULL));
	assert_non_null(tu_issue_find(&is, "enrollments.csv", 6, "error", "userSourcedId", NULL));
	tu_issues_free(&is);
	assert_int_equal(sum.enrollments, 2);

	where = db_files_holding(e, "Kestrel-7-pass");
	if (where)
		fail_msg("the SIS password from users.csv was stored in %s", where);
}

/* OneRoster 1.2 moves the role to roles.csv and adds preferred names. */
static void test_oneroster_12_roles_file_says_who_is_a_student(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;

	put_in(e, "v12", "manifest.csv", "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
	       "file.orgs,bulk\nfile.roles,bulk\nfile.users,bulk\n");
	put_in(e, "v12", "orgs.csv", lake_orgs);
	put_in(e, "v12", "users.csv",
	       "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,"
	       "identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,"
	       "resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,"
	       "primaryOrgSourcedId,pronouns\n"
	       "u-1,,,true,,,Alexander,Petrov,,6001,,,,,04,,,,Sasha,,,sch-north,\n"
	       "u-2,,,true,,\"{SIS:6002}\",Mei,Chen,,,,,,,04,,,,,,,sch-south,\n"
	       "t-1,,,true,,,Marta,Rivera,,,,,,,,,,,,,,sch-north,\n"
	       "p-1,,,true,,,Olga,Petrova,,,,,,,,,,,,,,,\n");
	put_in(e, "v12", "roles.csv",
	       "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,"
	       "userProfileSourcedId\n"
	       "r-1,,,u-1,primary,student,,,sch-north,\n"
	       "r-2,,,u-2,primary,student,,,sch-south,\n"
	       "r-3,,,t-1,primary,teacher,,,sch-north,\n"
	       "r-4,,,p-1,primary,guardian,,,sch-north,\n");
	import_ok(e, tu_at(e, "v12"), &sum);
	assert_int_equal(sum.added, 2);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 2);
	assert_string_equal(student_col(e, "preferred_name", "u-1"), "Sasha");
	assert_string_equal(student_col(e, "student_number", "u-1"), "6001");
	/* The student ID only inside userIds as {SIS:...}. */
	assert_string_equal(student_col(e, "student_number", "u-2"), "6002");
	assert_string_equal(tu_q_str(e->db, "SELECT sc.sourced_id FROM student s JOIN school sc "
				     "ON sc.id = s.school_id WHERE s.sourced_id = ?1", "u-2"), "sch-south");
	assert_int_equal(student_id(e, "t-1"), -1);
	assert_int_equal(student_id(e, "p-1"), -1);
}

/* The 1.2 package above as a spreadsheet saves it: each header ends in two
 * columns without a name that the rows stop before, and columns are
 * misspelled by one letter (dataLastModified, famlyName). */
static void test_spreadsheet_saved_12_package_is_read_with_warnings(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	int unnamed = 0;

	put_in(e, "v12", "manifest.csv", "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
	       "file.orgs,bulk\nfile.roles,bulk\nfile.users,bulk\n");
	put_in(e, "v12", "orgs.csv", lake_orgs);
	put_in(e, "v12", "users.csv",
	       "sourcedId,status,dataLastModified,enabledUser,username,userIds,givenName,famlyName,"
	       "identifier,primaryOrgSourcedId,,\n"
	       "u-1,,2026-09-01T00:00:00Z,true,,,Alexander,Petrov,6001,sch-north\n"
	       "u-2,,2026-09-01T00:00:00Z,true,,,Mei,Chen,6002,sch-south\n"
	       "t-1,,2026-09-01T00:00:00Z,true,,,Marta,Rivera,,sch-north\n");
	put_in(e, "v12", "roles.csv",
	       "sourcedId,status,dataLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,,\n"
	       "r-1,,,u-1,primary,student,,,sch-north\n"
	       "r-2,,,u-2,primary,student,,,sch-south\n"
	       "r-3,,,t-1,primary,teacher,,,sch-north\n");
	import_ok(e, tu_at(e, "v12"), &sum);
	is = tu_issues_of(e->db, sum.run_id);
	if (sum.rejected != 0 || sum.added != 2) {
		tu_issues_print(&is);
		fail_msg("added %ld, rejected %ld: want every student read (2 added, 0 rejected)", sum.added,
			 sum.rejected);
	}
	assert_string_equal(student_col(e, "family_name", "u-2"), "Chen");
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM student_modified WHERE modified_at LIKE '2026-09-01%'",
				  NULL), 2);
	/* Said once a file: the unnamed columns, and each guess. */
	for (size_t i = 0; i < is.n; i++)
		unnamed += strstr(is.v[i].reason, "no name") != NULL;
	if (unnamed != 2 || !tu_issue_find(&is, "users.csv", 1, "warning", NULL, "dataLastModified") ||
	    !tu_issue_find(&is, "users.csv", 1, "warning", "familyName", "famlyName") ||
	    !tu_issue_find(&is, "roles.csv", 1, "warning", "dateLastModified", "dataLastModified")) {
		tu_issues_print(&is);
		fail_msg("want one warning a file for the unnamed columns and one for each misspelled column");
	}
	tu_issues_free(&is);
}

/* ---- 2. a dirty district: every injected defect in the report ---------- */

struct defect {
	const char *file, *kind, *sid, *field, *detail;
	long        line;
};

/* Python's repr() of a string, undone: 'a "b"' -> a "b". */
static char *unrepr(const char *s)
{
	size_t n = strlen(s);
	char *out = tu_xmalloc(n + 1), *o = out;

	if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0]) {
		s++;
		n -= 2;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 >= n) {
			*o++ = s[i];
			continue;
		}
		i++;
		switch (s[i]) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'x':
		case 'u': {
			/* \xNN and \uNNNN name a code point: written as UTF-8. */
			size_t digits = s[i] == 'x' ? 2 : 4;
			char hex[5] = { 0 };

			if (i + digits >= n) {          /* cut short: keep it as written */
				*o++ = s[i];
				break;
			}
			memcpy(hex, s + i + 1, digits);
			o += utf8proc_encode_char((utf8proc_int32_t)strtol(hex, NULL, 16), (utf8proc_uint8_t *)o);
			i += digits;
			break;
		}
		default: *o++ = s[i]; break;
		}
	}
	*o = '\0';
	return out;
}

static int is_ceds_grade(const char *g)
{
	static const char *const ceds[] = {
		"IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09",
		"10", "11", "12", "13", "PS", "UG", "Other",
	};

	for (size_t i = 0; i < TU_LEN(ceds); i++)
		if (!strcmp(g, ceds[i]))
			return 1;
	return 0;
}

/* Checks one defect against the report and the roster. Returns NULL when
 * it was handled as a librarian would expect, else why not (static). */
static const char *defect_check(struct tu_env *e, const struct tu_issues *is, const struct defect *d,
				const struct tu_issue **entry)
{
	static char why[256];
	const struct tu_issue *any = tu_issue_find(is, d->file, d->line, NULL, NULL, NULL);
	const struct tu_issue *err = tu_issue_find(is, d->file, d->line, "error", NULL, NULL);
	int users = !strcmp(d->file, "users.csv");
	long long sid_rows = users || !strcmp(d->file, "demographics.csv") ?
		tu_q_int(e->db, "SELECT count(*) FROM student WHERE sourced_id = ?1", d->sid) : 0;
	const char *k = d->kind;

	*entry = any;
	/* Whole-file encodings: the header must still have been read. */
	if (!strcmp(k, "bom") || !strcmp(k, "crlf"))
		return err ? "an error at the header: the file was not read" : NULL;

	/* Valid CSV that only looks odd: the row imports exactly. */
	if (!strcmp(k, "crlf_row") || !strcmp(k, "embedded_comma") || !strcmp(k, "embedded_quote") ||
	    !strcmp(k, "embedded_newline")) {
		const char *stored = NULL;
		char *want = unrepr(d->detail);
		int same = 1;

		if (err) {
			free(want);
			return "rejected, but the row is valid CSV";
		}
		if (users) {
			if (sid_rows != 1) {
				free(want);
				return "the student is missing";
			}
			if (!strcmp(d->field, "givenName") || !strcmp(d->field, "familyName"))
				stored = student_col(e, !strcmp(d->field, "givenName") ? "given_name" : "family_name",
						     d->sid);
		} else if (!strcmp(d->file, "classes.csv")) {
			stored = tu_q_str(e->db, "SELECT title FROM class WHERE sourced_id = ?1", d->sid);
			if (!stored) {
				free(want);
				return "the class is missing";
			}
			if (strcmp(d->field, "title"))
				stored = NULL;
		}
		if (!strcmp(k, "embedded_comma") || !strcmp(k, "embedded_quote"))
			same = !stored || !strcmp(stored, want);
		if (!strcmp(k, "embedded_newline") && stored) {
			/* A line break inside a name is suspicious: reported, joined. */
			same = !strchr(stored, '\n') && !strchr(stored, '\r');
			if (!any) {
				free(want);
				return "a line break inside a stored name was not reported";
			}
		}
		if (!strcmp(k, "crlf_row")) {
			const char *g = student_col(e, "given_name", d->sid);
			const char *f = student_col(e, "family_name", d->sid);

			same = g && f && !strchr(g, '\r') && !strchr(f, '\r');
		}
		if (!same) {
			snprintf(why, sizeof why, "stored as '%.60s', expected '%.60s'", stored ? stored : "?", want);
			free(want);
			return why;
		}
		free(want);
		return NULL;
	}

	if (!strcmp(k, "unusual_grade")) {
		char *g = unrepr(d->detail);
		const char *stored = student_col(e, "grade", d->sid);
		int ceds = is_ceds_grade(g);

		if (sid_rows != 1) {
			free(g);
			return "the student is missing";
		}
		if (ceds && (!stored || strcmp(stored, g))) {
			snprintf(why, sizeof why, "CEDS grade '%s' stored as '%s'", g, stored ? stored : "NULL");
			free(g);
			return why;
		}
		free(g);
		if (!ceds && !any)
			return "a grade that is not a CEDS code was not reported";
		return NULL;
	}

	/* Everything else must be in the report at its file and line. */
	if (!any)
		return "no report entry at this file and line";

	if (!strcmp(k, "too_few_columns") || !strcmp(k, "too_many_columns")) {
		if (!err)
			return "reported only as a warning; the row's columns cannot be trusted";
		return sid_rows ? "the broken row was imported" : NULL;
	}
	if (!strcmp(k, "long_name")) {
		/* 300 characters: over the 200-character limit for a name. */
		if (!err || !strstr(err->reason, "300 characters"))
			return "a name over the 200-character limit was not rejected with its length";
		return sid_rows ? "the row with the over-long name was imported" : NULL;
	}
	if (!strcmp(k, "duplicate_sourcedId"))
		return users && sid_rows != 1 ? "the student is not there exactly once" : NULL;
	if (!strcmp(k, "orphan_enrollment_user") || !strcmp(k, "orphan_enrollment_class"))
		return err ? NULL : "an enrollment naming nothing was not rejected";
	if (!strcmp(k, "future_birthDate") || !strcmp(k, "bad_date_format"))
		return student_col(e, "birth_date", d->sid) ? "the bad birth date was stored" : NULL;
	if (!users)
		return NULL;

	/* A users.csv row that is suspicious but readable. */
	if (err) {
		if (!strcmp(k, "invalid_utf8") && sid_rows == 0)
			return NULL;     /* rejecting bytes that are not text is fair */
		return "rejected, but the row is readable";
	}
	if (sid_rows != 1)
		return "the student is missing";
	{
		const char *g = student_col(e, "given_name", d->sid);
		const char *f = student_col(e, "family_name", d->sid);
		char both[1024];

		snprintf(both, sizeof both, "%s|%s", g ? g : "", f ? f : "");
		if (!valid_utf8(both))
			return "a stored name is not valid UTF-8";
		if (has_control(both))
			return "a stored name holds control characters";
		if (!strcmp(k, "terminal_escape") && strstr(both, "[2J"))
			return "the escape sequence's text is still in the name";
		if (!strcmp(k, "padded_whitespace") &&
		    (both[0] == ' ' || strstr(both, " |") || strstr(both, "| ") ||
		     strstr(both, "\xc2\xa0") || both[strlen(both) - 1] == ' '))
			return "the name was not trimmed";
		if (!strcmp(k, "latin1_row")) {
			/* detail: "row encoded as Latin-1 (Martín Muñoz)" */
			const char *open = strrchr(d->detail, '(');
			char want[256];

			snprintf(want, sizeof want, "%s", open ? open + 1 : "");
			if (strchr(want, ')'))
				*strchr(want, ')') = '\0';
			if (strchr(want, ' '))
				*strchr(want, ' ') = '|';
			if (strcmp(both, want)) {
				snprintf(why, sizeof why, "stored as '%.80s', expected '%.80s'", both, want);
				return why;
			}
		}
		if (!strcmp(k, "sql_injection")) {
			char *want = unrepr(d->detail);
			const char *stored = student_col(e, strcmp(d->field, "givenName") ? "family_name" : "given_name",
							 d->sid);

			if (!stored || strcmp(stored, want)) {
				snprintf(why, sizeof why, "not stored as written ('%.60s')", want);
				free(want);
				return why;
			}
			free(want);
		}
	}
	return NULL;
}

/* 1 when record i's first field (its sourcedId) appeared in an earlier record. */
static int seen_before(const struct tu_recs *all, size_t i)
{
	for (size_t j = 1; j < i; j++)
		if (all->r[j].result == CSV_RECORD && all->r[j].nfields > 0 &&
		    !strcmp(all->r[j].field[0], all->r[i].field[0]))
			return 1;
	return 0;
}

static void test_dirty_district_reports_every_defect_at_its_file_and_line(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_recs defects, users;
	struct defect *dv;
	struct tu_issues is;
	struct tu_buf table = { 0 };
	size_t nd = 0, bad = 0;
	long long expected = 0, missing = 0, misnamed = 0;
	char args[1024];

	snprintf(args, sizeof args, "--students 400 --seed 3 --dirty --out %s", tu_at(e, "dirty"));
	gen_roster(args);
	import_ok(e, tu_at(e, "dirty"), &sum);
	assert_string_equal(sum.kind, "oneroster-bulk");
	assert_string_equal(sum.district, "Riverbend Public Schools");
	assert_true(sum.rejected > 0);
	is = tu_issues_of(e->db, sum.run_id);

	defects = read_csv(tu_at(e, "dirty/_defects.csv"));
	assert_true(defects.n > 20);
	dv = tu_xmalloc(defects.n * sizeof *dv);
	for (size_t i = 1; i < defects.n; i++) {       /* record 0 is the header */
		const struct tu_rec *r = &defects.r[i];

		assert_int_equal(r->result, CSV_RECORD);
		assert_int_equal(r->nfields, 7);
		dv[nd++] = (struct defect){ r->field[0], r->field[3], r->field[4], r->field[5], r->field[6],
					    atol(r->field[1]) };
	}

	tu_buf_printf(&table, "%-24s %-24s %-7s %s\n", "defect kind", "file:line", "verdict", "report entry");
	for (size_t i = 0; i < nd; i++) {
		const struct tu_issue *entry = NULL;
		const char *why = defect_check(e, &is, &dv[i], &entry);
		char where[64];

		snprintf(where, sizeof where, "%s:%ld", dv[i].file, dv[i].line);
		tu_buf_printf(&table, "%-24s %-24s %-7s %s%s%s%s%s\n", dv[i].kind, where, why ? "FAIL" : "ok",
			      entry ? entry->severity : "(none)", entry ? " [" : "", entry ? entry->field : "",
			      entry ? "] " : "", entry ? entry->reason : "");
		if (why) {
			tu_buf_printf(&table, "%57s^ %s\n", "", why);
			bad++;
		}
	}

	/* Every student whose rows carry no defect is there, as written (NFC). */
	users = read_csv(tu_at(e, "dirty/users.csv"));
	for (size_t i = 1; i < users.n; i++) {
		const struct tu_rec *r = &users.r[i];
		int defective = 0, rejected = 0;

		if (r->result != CSV_RECORD || r->nfields < 12 || strcmp(r->field[5], "student"))
			continue;
		for (size_t k = 0; k < nd; k++) {
			if (strcmp(dv[k].sid, r->field[0]))
				continue;
			defective = 1;
			rejected |= !strcmp(dv[k].kind, "too_few_columns") || !strcmp(dv[k].kind, "too_many_columns") ||
				    !strcmp(dv[k].kind, "long_name");
		}
		if (rejected)
			continue;
		if (seen_before(&users, i))
			continue;        /* the second row of a duplicate */
		expected++;
		if (student_id(e, r->field[0]) <= 0) {
			missing++;
			tu_buf_printf(&table, "missing student %s (users.csv:%ld)\n", r->field[0], r->line);
			continue;
		}
		if (!defective) {
			char *g = nfc(r->field[8]), *f = nfc(r->field[9]);
			const char *sg = student_col(e, "given_name", r->field[0]);
			const char *sf = student_col(e, "family_name", r->field[0]);

			if (!sg || !sf || strcmp(sg, g) || strcmp(sf, f)) {
				misnamed++;
				tu_buf_printf(&table, "users.csv:%ld stored as '%s %s', written '%s %s'\n", r->line,
					      sg ? sg : "?", sf ? sf : "?", g, f);
			}
			free(g);
			free(f);
		}
	}
	if (bad || missing || misnamed) {
		fflush(stdout);
		fputs(table.s, stderr);
		fputs("  the whole report:\n", stderr);
		tu_issues_print(&is);
	}
	tu_buf_free(&table);
	tu_recs_free(&users);
	tu_recs_free(&defects);
	free(dv);
	tu_issues_free(&is);
	if (bad || missing || misnamed)
		fail_msg("%zu defect(s) not handled as expected, %lld clean student(s) missing, %lld misnamed",
			 bad, missing, misnamed);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), expected);
}

/* ---- 3. a new bulk roster is the whole truth, but nobody is deleted ---- */

static void test_student_missing_from_new_bulk_is_withdrawn_not_deleted(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	long long dev, card;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_int_equal(sum.added, 5);
	dev = student_id(e, "stu-4");
	assert_true(dev > 0);
	/* Dev got a card at the desk last week. */
	assert_int_equal(sqlite3_exec(db_handle(e->db),
		"INSERT INTO card (number, student_id, scheme, issued_at) "
		"SELECT 'LV-0004', id, 'student-id', 1700000000 FROM student WHERE sourced_id = 'stu-4'",
		NULL, NULL, NULL), SQLITE_OK);
	card = count_of(e, "SELECT id FROM card WHERE number = 'LV-0004'");

	/* This week's export no longer lists Dev (he moved away). */
	write_lake(e, "lake2", USERS_HDR U_TEACHER U_1 U_2 U_3 U_5);
	import_ok(e, tu_at(e, "lake2"), &sum);
	assert_int_equal(sum.withdrawn, 1);
	assert_int_equal(sum.added, 0);
	assert_int_equal(sum.updated, 0);
	assert_int_equal(student_id(e, "stu-4"), dev);
	assert_string_equal(student_col(e, "status", "stu-4"), "withdrawn");
	/* When: the import that withdrew him. */
	assert_non_null(tu_q_str(e->db, "SELECT r.finished_at FROM student s JOIN import_run r "
				 "ON r.id = s.seen_run WHERE s.sourced_id = ?1", "stu-4"));
	assert_string_equal(student_col(e, "given_name", "stu-4"), "Dev");
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 5);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student WHERE status = 'active'"), 4);
	/* His card is exactly as it was. */
	assert_int_equal(count_of(e, "SELECT count(*) FROM card"), 1);
	assert_int_equal(count_of(e, "SELECT id FROM card WHERE number = 'LV-0004' AND status = 'active'"), card);
	assert_int_equal(tu_q_int(e->db, "SELECT student_id FROM card WHERE number = ?1", "LV-0004"), dev);
	/* The next bulk without him withdraws nobody again. */
	import_ok(e, tu_at(e, "lake2"), &sum);
	assert_int_equal(sum.withdrawn, 0);

	/* He comes back: the same row, active again. */
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_int_equal(student_id(e, "stu-4"), dev);
	assert_string_equal(student_col(e, "status", "stu-4"), "active");
	assert_int_equal(sum.added, 0);
	assert_int_equal(sum.withdrawn, 0);
}

static void test_rename_and_school_move_keep_the_same_student_row(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	long long ana, ben;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	ana = student_id(e, "stu-1");
	ben = student_id(e, "stu-2");

	write_lake(e, "lake2", USERS_HDR U_TEACHER
		   USER("stu-1", "sch-north", "student", "Ana", "García-López", "5001", "03")
		   USER("stu-2", "sch-south", "student", "Ben", "Okafor", "5002", "07")
		   U_3 U_4 U_5);
	import_ok(e, tu_at(e, "lake2"), &sum);
	assert_int_equal(sum.updated, 2);
	assert_int_equal(sum.added, 0);
	assert_int_equal(sum.withdrawn, 0);
	assert_int_equal(student_id(e, "stu-1"), ana);
	assert_string_equal(student_col(e, "family_name", "stu-1"), "García-López");
	assert_string_equal(student_col(e, "name_fold", "stu-1"), "ana garcia lopez");
	assert_int_equal(student_id(e, "stu-2"), ben);
	assert_string_equal(tu_q_str(e->db, "SELECT sc.sourced_id FROM student s JOIN school sc "
				     "ON sc.id = s.school_id WHERE s.sourced_id = ?1", "stu-2"), "sch-south");
	assert_string_equal(student_col(e, "grade", "stu-2"), "07");
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 5);
}

/* The class roll as the desk will read it: the class's school's active
 * children who are in the class, plus children from other schools. */
static const char class_roll_sql[] =
	"SELECT group_concat(sid, ' ') FROM (SELECT s.sourced_id AS sid FROM class c "
	" JOIN student s ON s.school_id = c.school_id AND s.status = 'active' "
	" JOIN enrollment e ON e.student_id = s.id AND e.class_id = c.id WHERE c.sourced_id = ?1 "
	"UNION SELECT s.sourced_id FROM class c JOIN enrollment_away a ON a.class_id = c.id "
	" JOIN student s ON s.id = a.student_id WHERE c.sourced_id = ?1 ORDER BY 1)";

/* Emma goes to North but takes a class at South (a shared-time programme):
 * South's class roll lists her; when she moves to South, North's class
 * roll still does, and South's treats her as one of its own. */
static void test_a_child_in_a_class_of_another_school_is_on_its_roll(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	char enr[2048];

	write_lake(e, "lake", NULL);
	snprintf(enr, sizeof enr, "%s%s", lake_enrollments, "e-6,,,cls-7b,sch-south,stu-5,student,false,,\n");
	put_in(e, "lake", "enrollments.csv", enr);
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_string_equal(tu_q_str(e->db, class_roll_sql, "cls-7b"), "stu-3 stu-4 stu-5");
	assert_string_equal(tu_q_str(e->db, class_roll_sql, "cls-3a"), "stu-1 stu-2 stu-5");
	assert_int_equal(count_of(e, "SELECT count(*) FROM enrollment_away"), 1);

	/* A delta moves her to South; her enrollments stay as they were. */
	put_in(e, "move", "manifest.csv", MANIFEST_HEAD "file.users,delta\n");
	put_in(e, "move", "users.csv", USERS_HDR
	       USERD("stu-5", "active", "2025-01-10T00:00:00Z", "sch-south", "Emma", "Larsen", "5005", "03"));
	import_ok(e, tu_at(e, "move"), &sum);
	assert_int_equal(sum.updated, 1);
	assert_string_equal(tu_q_str(e->db, class_roll_sql, "cls-7b"), "stu-3 stu-4 stu-5");
	assert_string_equal(tu_q_str(e->db, class_roll_sql, "cls-3a"), "stu-1 stu-2 stu-5");
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM enrollment_away a JOIN class c "
				  "ON c.id = a.class_id WHERE c.sourced_id = ?1", "cls-3a"), 1);

	/* A delta removing her North enrollment takes her off North's roll. */
	put_in(e, "leave", "manifest.csv", MANIFEST_HEAD "file.enrollments,delta\n");
	put_in(e, "leave", "enrollments.csv", ENR_HDR
	       "e-5,tobedeleted,2025-02-01T00:00:00Z,cls-3a,sch-north,stu-5,student,false,,\n");
	import_ok(e, tu_at(e, "leave"), &sum);
	assert_string_equal(tu_q_str(e->db, class_roll_sql, "cls-3a"), "stu-1 stu-2");
	assert_int_equal(count_of(e, "SELECT count(*) FROM enrollment_away"), 0);
}

static void test_birth_date_is_the_only_demographic_kept(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	const char *where;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_string_equal(student_col(e, "birth_date", "stu-1"), "2017-03-14");
	assert_string_equal(student_col(e, "birth_date", "stu-3"), "2013-01-20");
	/* cityOfBirth (and sex) never reach the database. */
	where = db_files_holding(e, "Zzyzxville");
	if (where)
		fail_msg("a demographic other than the birth date was stored in %s", where);
}

static void test_damaged_row_in_new_bulk_does_not_withdraw_the_child(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	long long chloe;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	chloe = student_id(e, "stu-3");

	/* Chloé's row is cut short in the new export (line 5). */
	write_lake(e, "lake2", USERS_HDR U_TEACHER U_1 U_2 "stu-3,,,true,sch-south,student,,,Chloé\n" U_4 U_5);
	import_ok(e, tu_at(e, "lake2"), &sum);
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", 5, "error", NULL, NULL)) {
		tu_issues_print(&is);
		fail_msg("the cut-short row users.csv:5 was not reported as an error");
	}
	tu_issues_free(&is);
	assert_int_equal(sum.withdrawn, 0);
	assert_int_equal(student_id(e, "stu-3"), chloe);
	assert_string_equal(student_col(e, "status", "stu-3"), "active");
	assert_string_equal(student_col(e, "family_name", "stu-3"), "Dubois");
	/* Her class roll still has her. */
	assert_int_equal(tu_q_int(e->db, "SELECT count(*) FROM enrollment WHERE student_id = "
				  "(SELECT id FROM student WHERE sourced_id = ?1)", "stu-3"), 1);
}

static void test_two_districts_side_by_side_do_not_withdraw_each_other(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);

	put_in(e, "hill", "manifest.csv", MANIFEST_HEAD "file.orgs,bulk\nfile.users,bulk\n");
	put_in(e, "hill", "orgs.csv", ORGS_HDR "d-hill,,,Hillside Unified,district,,\n"
	       "sch-hill,,,Hillside Elementary,school,,d-hill\n");
	put_in(e, "hill", "users.csv", USERS_HDR
	       USER("h-1", "sch-hill", "student", "Femi", "Adeyemi", "7001", "02")
	       USER("h-2", "sch-hill", "student", "Greta", "Lund", "7002", "02"));
	import_ok(e, tu_at(e, "hill"), &sum);
	assert_string_equal(sum.district, "Hillside Unified");
	assert_int_equal(sum.added, 2);
	assert_int_equal(sum.withdrawn, 0);
	assert_int_equal(count_of(e, "SELECT count(*) FROM district"), 2);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student WHERE status = 'active'"), 7);

	/* Hillside's next bulk drops Greta: only Greta leaves. */
	put_in(e, "hill", "users.csv", USERS_HDR USER("h-1", "sch-hill", "student", "Femi", "Adeyemi", "7001", "02"));
	import_ok(e, tu_at(e, "hill"), &sum);
	assert_int_equal(sum.withdrawn, 1);
	assert_string_equal(student_col(e, "status", "h-2"), "withdrawn");
	assert_int_equal(count_of(e, "SELECT count(*) FROM student WHERE status = 'active'"), 6);
}

/* ---- 4. deltas: changes by status and dateLastModified ----------------- */

static void test_second_district_of_the_same_name_and_identifier_is_warned(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	const struct tu_issue *t;

	put_in(e, "a", "manifest.csv", MANIFEST_HEAD "file.orgs,bulk\nfile.users,bulk\n");
	put_in(e, "a", "orgs.csv", ORGS_HDR "d-lake,,,Lakeview School District,district,LV-01,\n"
	       "sch-north,,,North Elementary,school,N01,d-lake\n");
	put_in(e, "a", "users.csv", USERS_HDR U_1);
	import_ok(e, tu_at(e, "a"), &sum);

	/* The SIS was moved to a new server: same district, new sourcedIds. */
	put_in(e, "b", "manifest.csv", MANIFEST_HEAD "file.orgs,bulk\nfile.users,bulk\n");
	put_in(e, "b", "orgs.csv", ORGS_HDR "7f3a-d,,,Lakeview School District,district,LV-01,\n"
	       "7f3a-n,,,North Elementary,school,N01,7f3a-d\n");
	put_in(e, "b", "users.csv", USERS_HDR USER("9c1-1", "7f3a-n", "student", "Ana", "García", "5001", "03"));
	import_ok(e, tu_at(e, "b"), &sum);
	assert_int_equal(count_of(e, "SELECT count(*) FROM district"), 2);
	is = tu_issues_of(e->db, sum.run_id);
	t = tu_issue_find(&is, "orgs.csv", 2, "warning", NULL, "d-lake");
	if (!t || !strstr(t->reason, "7f3a-d") || !strstr(t->reason, "LV-01")) {
		tu_issues_print(&is);
		fail_msg("a second 'Lakeview School District' (LV-01) was created without a warning naming "
			 "both sourcedIds");
	}
	tu_issues_free(&is);

	/* Another district of the same name but another identifier: no warning. */
	put_in(e, "c", "manifest.csv", MANIFEST_HEAD "file.orgs,bulk\nfile.users,bulk\n");
	put_in(e, "c", "orgs.csv", ORGS_HDR "d-lake-or,,,Lakeview School District,district,OR-77,\n"
	       "sch-or,,,Lakeview Elementary,school,L01,d-lake-or\n");
	put_in(e, "c", "users.csv", USERS_HDR USER("or-1", "sch-or", "student", "Ola", "Berg", "8001", "03"));
	import_ok(e, tu_at(e, "c"), &sum);
	is = tu_issues_of(e->db, sum.run_id);
	if (tu_issue_find(&is, "orgs.csv", 2, "warning", NULL, "d-lake")) {
		tu_issues_print(&is);
		fail_msg("a district of the same name but another identifier was warned about");
	}
	tu_issues_free(&is);
}

static void test_delta_withdraws_renames_moves_and_adds(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_recs changes;
	struct tu_buf why = { 0 };
	long long *before;
	long withdrawn = 0, added = 0;
	char args[1024];

	snprintf(args, sizeof args, "--students 400 --seed 3 --out %s", tu_at(e, "bulk"));
	gen_roster(args);
	snprintf(args, sizeof args, "--delta-from %s --seed 8 --out %s", tu_at(e, "bulk"), tu_at(e, "delta"));
	gen_roster(args);

	import_ok(e, tu_at(e, "bulk"), &sum);
	changes = read_csv(tu_at(e, "delta/_changes.csv"));
	assert_true(changes.n > 4);
	before = tu_xmalloc(changes.n * sizeof *before);
	for (size_t i = 1; i < changes.n; i++)
		before[i] = student_id(e, changes.r[i].field[1]);

	import_ok(e, tu_at(e, "delta"), &sum);
	assert_string_equal(sum.kind, "oneroster-delta");
	assert_string_equal(sum.district, "Riverbend Public Schools");

	/* change,sourcedId,identifier,field,old,new,detail */
	for (size_t i = 1; i < changes.n; i++) {
		const struct tu_rec *c = &changes.r[i];
		const char *change = c->field[0], *sid = c->field[1];
		long long now = student_id(e, sid);

		assert_int_equal(c->nfields, 7);
		if (!strcmp(change, "added")) {
			char want[512];
			const char *g = student_col(e, "given_name", sid), *f = student_col(e, "family_name", sid);
			char *n;

			added++;
			snprintf(want, sizeof want, "%s %s", g ? g : "?", f ? f : "?");
			n = nfc(c->field[5]);
			if (before[i] > 0 || now <= 0 || strcmp(want, n))
				tu_buf_printf(&why, "added %s: row %lld -> %lld, name '%s', expected '%s'\n", sid,
					      before[i], now, want, n);
			else if (strcmp(student_col(e, "status", sid), "active"))
				tu_buf_printf(&why, "added %s is not active\n", sid);
			free(n);
			continue;
		}
		if (before[i] <= 0 || now != before[i]) {
			tu_buf_printf(&why, "%s %s: the student's row changed from %lld to %lld\n", change, sid,
				      before[i], now);
			continue;
		}
		if (!strcmp(change, "withdrawn")) {
			withdrawn++;
			if (strcmp(student_col(e, "status", sid), "withdrawn"))
				tu_buf_printf(&why, "withdrawn %s is still %s\n", sid, student_col(e, "status", sid));
		} else if (!strcmp(change, "renamed")) {
			const char *col = !strcmp(c->field[3], "givenName") ? "given_name" : "family_name";
			const char *stored = student_col(e, col, sid);
			char *want = nfc(c->field[5]);

			if (!stored || strcmp(stored, want))
				tu_buf_printf(&why, "renamed %s: %s is '%s', expected '%s'\n", sid, c->field[3],
					      stored ? stored : "NULL", want);
			free(want);
		} else if (!strcmp(change, "moved")) {
			const char *school = tu_q_str(e->db, "SELECT sc.sourced_id FROM student s JOIN school sc "
						      "ON sc.id = s.school_id WHERE s.sourced_id = ?1", sid);

			if (!school || strcmp(school, c->field[5]))
				tu_buf_printf(&why, "moved %s: school is %s, expected %s\n", sid,
					      school ? school : "none", c->field[5]);
		} else {
			tu_buf_printf(&why, "unknown change '%s' in _changes.csv\n", change);
		}
	}
	free(before);
	tu_recs_free(&changes);
	if (why.n) {
		fflush(stdout);
		fputs(why.s, stderr);
		tu_buf_free(&why);
		fail_msg("the delta's changes are not all reflected");
	}
	assert_int_equal(sum.withdrawn, withdrawn);
	assert_int_equal(sum.added, added);
	/* Withdrawn by a delta is still there, like any withdrawn child. */
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 400 + added);
}

static const char delta_manifest[] = MANIFEST_HEAD "file.users,delta\n";

/* A delta sets the indexed columns (number; school and status) apart from
 * the rest, and only when they change: each index must still match the
 * rows whichever column changed, and the counts are as for one update. */
static void test_delta_keeps_the_student_indexes_right(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	static const char *const checks[] = {
		"SELECT count(*) FROM student INDEXED BY student_by_number WHERE student_number = '6001'",
		"SELECT count(*) FROM student NOT INDEXED WHERE student_number = '6001'",
		"SELECT count(*) FROM student INDEXED BY student_by_number WHERE student_number = '5002'",
		"SELECT count(*) FROM student NOT INDEXED WHERE student_number = '5002'",
	};

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);

	put_in(e, "d1", "manifest.csv", delta_manifest);
	put_in(e, "d1", "users.csv", USERS_HDR
	       /* the number alone; a rename alone; a withdrawal; a move; no change */
	       USERD("stu-1", "active", "2024-10-01T10:00:00.000Z", "sch-north", "Ana", "García", "6001", "03")
	       USERD("stu-2", "active", "2024-10-01T10:00:00.000Z", "sch-north", "Benjamin", "Okafor", "5002", "03")
	       USERD("stu-3", "tobedeleted", "2024-10-01T10:00:00.000Z", "sch-south", "Chloé", "Dubois", "5003", "07")
	       USERD("stu-4", "active", "2024-10-01T10:00:00.000Z", "sch-north", "Dev", "Patel", "5004", "07")
	       USERD("stu-5", "active", "2024-10-01T10:00:00.000Z", "sch-north", "Emma", "Larsen", "5005", "03"));
	import_ok(e, tu_at(e, "d1"), &sum);
	assert_int_equal(sum.updated, 3);
	assert_int_equal(sum.withdrawn, 1);
	assert_string_equal(student_col(e, "student_number", "stu-1"), "6001");
	assert_string_equal(student_col(e, "given_name", "stu-2"), "Benjamin");
	assert_string_equal(student_col(e, "status", "stu-3"), "withdrawn");
	assert_string_equal(tu_q_str(e->db, "SELECT sc.sourced_id FROM student s JOIN school sc "
				     "ON sc.id = s.school_id WHERE s.sourced_id = ?1", "stu-4"), "sch-north");
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i += 2)
		assert_int_equal(count_of(e, checks[i]), count_of(e, checks[i + 1]));
	assert_int_equal(count_of(e, checks[0]), 1);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student INDEXED BY student_by_number "
				 "WHERE student_number = '5001'"), 0);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student INDEXED BY student_by_school "
				 "WHERE school_id IS NOT NULL AND status_code = 'a'"),
			 count_of(e, "SELECT count(*) FROM student NOT INDEXED "
				  "WHERE school_id IS NOT NULL AND status_code = 'a'"));

	/* Back again: the status alone changes. */
	put_in(e, "d2", "manifest.csv", delta_manifest);
	put_in(e, "d2", "users.csv", USERS_HDR
	       USERD("stu-3", "active", "2024-10-02T10:00:00.000Z", "sch-south", "Chloé", "Dubois", "5003", "07"));
	import_ok(e, tu_at(e, "d2"), &sum);
	assert_int_equal(sum.updated, 1);
	assert_string_equal(student_col(e, "status", "stu-3"), "active");
	assert_int_equal(count_of(e, "SELECT count(*) FROM student INDEXED BY student_by_school "
				 "WHERE school_id = (SELECT id FROM school WHERE sourced_id = 'sch-south') "
				 "AND status_code = 'a'"),
			 count_of(e, "SELECT count(*) FROM student NOT INDEXED "
				  "WHERE school_id = (SELECT id FROM school WHERE sourced_id = 'sch-south') "
				  "AND status_code = 'a'"));
	assert_string_equal(tu_q_str(e->db, "PRAGMA integrity_check", NULL), "ok");
}

static void test_older_delta_row_never_overwrites_a_newer_one(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	long long ana, ben, emma;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	ana = student_id(e, "stu-1");
	ben = student_id(e, "stu-2");
	emma = student_id(e, "stu-5");

	/* One delta, rows out of date order: the newest change wins. */
	put_in(e, "d1", "manifest.csv", delta_manifest);
	put_in(e, "d1", "users.csv", USERS_HDR
	       USERD("stu-1", "active", "2024-10-01T10:00:00.000Z", "sch-north", "Anita", "García", "5001", "03")
	       USERD("stu-1", "active", "2024-09-01T10:00:00.000Z", "sch-north", "Ana-Old", "García", "5001", "03")
	       USERD("stu-2", "active", "2024-09-01T10:00:00.000Z", "sch-north", "Benny", "Okafor", "5002", "03")
	       USERD("stu-2", "active", "2024-10-01T10:00:00.000Z", "sch-north", "Benjamin", "Okafor", "5002", "03")
	       USERD("stu-5", "tobedeleted", "2024-10-02T08:00:00.000Z", "sch-north", "Emma", "Larsen", "5005", "03"));
	import_ok(e, tu_at(e, "d1"), &sum);
	assert_string_equal(sum.kind, "oneroster-delta");
	assert_string_equal(student_col(e, "given_name", "stu-1"), "Anita");
	assert_string_equal(student_col(e, "given_name", "stu-2"), "Benjamin");
	assert_string_equal(student_col(e, "status", "stu-5"), "withdrawn");
	assert_int_equal(student_id(e, "stu-1"), ana);
	assert_int_equal(student_id(e, "stu-2"), ben);
	assert_int_equal(student_id(e, "stu-5"), emma);
	assert_int_equal(sum.withdrawn, 1);
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", 3, NULL, "dateLastModified", NULL)) {
		tu_issues_print(&is);
		fail_msg("the stale row users.csv:3 was not reported");
	}
	tu_issues_free(&is);
	/* Students the delta does not name are untouched. */
	assert_string_equal(student_col(e, "status", "stu-3"), "active");
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 5);

	/* A later delta carrying an older change for Ana is ignored too. */
	put_in(e, "d2", "manifest.csv", delta_manifest);
	put_in(e, "d2", "users.csv", USERS_HDR
	       USERD("stu-1", "active", "2024-08-15T00:00:00.000Z", "sch-south", "Annie", "García", "5001", "07"));
	import_ok(e, tu_at(e, "d2"), &sum);
	assert_string_equal(student_col(e, "given_name", "stu-1"), "Anita");
	assert_string_equal(student_col(e, "grade", "stu-1"), "03");
	assert_int_equal(sum.updated, 0);
}

/* ---- 5. one import, one transaction ------------------------------------ */

/* Imports dir/pkg expecting the whole import to fail with want; checks the
 * roster is byte for byte as before and the failed run is on record. */
static void import_fails_cleanly(struct tu_env *e, const char *pkg, enum cr_status want,
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

static void assert_integrity_ok(struct tu_env *e)
{
	assert_string_equal(tu_q_str(e->db, "PRAGMA integrity_check", NULL), "ok");
}

static void test_manifest_naming_a_missing_file_fails_and_changes_nothing(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);

	/* The manifest says users.csv is bulk, but the file never arrived. */
	write_lake(e, "broken", USERS_HDR U_1);
	unlink(tu_at(e, "broken/users.csv"));
	import_fails_cleanly(e, "broken", CR_ENOINPUT, "users.csv");
	assert_integrity_ok(e);
}

static void test_missing_required_column_fails_and_changes_nothing(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);

	/* No familyName column at all (and Dev missing: nobody may be withdrawn). */
	write_lake(e, "broken",
		   "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,givenName,identifier\n"
		   "stu-1,,,true,sch-north,student,Ana,5001\n");
	import_fails_cleanly(e, "broken", CR_EDATA, "users.csv:1");
	is = tu_issues_of(e->db, count_of(e, "SELECT max(id) FROM import_run"));
	if (!tu_issue_find(&is, "users.csv", 1, "error", "familyName", NULL)) {
		tu_issues_print(&is);
		fail_msg("the failed run's report does not name users.csv:1 familyName");
	}
	tu_issues_free(&is);
	assert_integrity_ok(e);

	/* The indexes and search triggers are back: the next import works. */
	write_lake(e, "lake2", USERS_HDR U_TEACHER U_1 U_2 U_3 U_5);
	import_ok(e, tu_at(e, "lake2"), &sum);
	assert_int_equal(sum.withdrawn, 1);
	assert_integrity_ok(e);
}

static void test_failure_in_the_last_file_undoes_the_earlier_files(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);

	/* users.csv renames Ana and drops Dev; then enrollments.csv is unusable. */
	write_lake(e, "broken", USERS_HDR U_TEACHER
		   USER("stu-1", "sch-north", "student", "Anita", "García", "5001", "03") U_2 U_3 U_5);
	put_in(e, "broken", "enrollments.csv", "sourcedId,userSourcedId,role\ne-1,stu-1,student\n");
	import_fails_cleanly(e, "broken", CR_EDATA, "enrollments.csv");
	assert_string_equal(student_col(e, "given_name", "stu-1"), "Ana");
	assert_string_equal(student_col(e, "status", "stu-4"), "active");
	assert_integrity_ok(e);
}

static void test_dry_run_changes_nothing_but_is_recorded(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum, shown;
	struct cr_err err;
	enum cr_status st;
	char *before, *after;
	long long run;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	before = roster_dump(e->db);

	write_lake(e, "lake2", USERS_HDR U_TEACHER U_1 U_2 U_3 U_5
		   USER("stu-6", "sch-north", "student", "Farah", "Haddad", "5006", "03"));
	st = tu_import(e->db, tu_at(e, "lake2"), 1, &sum, &err);
	assert_imported(st, err);
	assert_int_equal(sum.dry_run, 1);
	assert_string_equal(sum.outcome, "ok");
	/* It says what would happen... */
	assert_int_equal(sum.added, 1);
	assert_int_equal(sum.withdrawn, 1);
	/* ...and nothing happened. */
	after = roster_dump(e->db);
	assert_same_roster(before, after, "dry run");
	free(before);
	free(after);
	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	assert_true(run > 0);
	assert_int_equal(run, sum.run_id);
	assert_int_equal(roster_run_summary(e->db, run, &shown, NULL, 0, NULL, &err), CR_OK);
	assert_int_equal(shown.dry_run, 1);
	assert_string_equal(shown.outcome, "ok");
	assert_int_equal(shown.added, 1);
	assert_int_equal(count_of(e, "SELECT count(*) FROM import_run WHERE dry_run = 1"), 1);
}

/* The first thing a librarian does with a new district's export is a dry
 * run on an empty database: its summary and report must be kept. */
static void test_dry_run_of_a_new_district_is_recorded_with_its_report(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum, shown;
	struct tu_issues is;
	struct cr_err err;
	enum cr_status st;
	long long run = 0;

	write_lake(e, "lake", USERS_HDR U_TEACHER U_1 U_2 U_3 U_4 U_5
		   "stu-6,,,true,sch-north,student,,,Farah,Haddad,,,,,,,3,\n");
	st = tu_import(e->db, tu_at(e, "lake"), 1, &sum, &err);
	assert_imported(st, err);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 0);
	assert_int_equal(count_of(e, "SELECT count(*) FROM district"), 0);
	if (sum.run_id <= 0)
		fail_msg("the dry run was not recorded (run_id %lld, %lld runs on record)", sum.run_id,
			 count_of(e, "SELECT count(*) FROM import_run"));
	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	assert_int_equal(run, sum.run_id);
	assert_int_equal(roster_run_summary(e->db, run, &shown, NULL, 0, NULL, &err), CR_OK);
	assert_int_equal(shown.dry_run, 1);
	assert_int_equal(shown.added, 6);
	is = tu_issues_of(e->db, run);
	assert_non_null(tu_issue_find(&is, "users.csv", 8, "warning", "grades", NULL));
	tu_issues_free(&is);
}

static void test_failed_import_of_a_new_district_keeps_its_report(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	struct cr_err err;
	enum cr_status st;
	long long run = 0;

	/* Lakeview is on file; Hillside's first export has no familyName column. */
	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	put_in(e, "hill", "manifest.csv", MANIFEST_HEAD "file.orgs,bulk\nfile.users,bulk\n");
	put_in(e, "hill", "orgs.csv", ORGS_HDR "d-hill,,,Hillside Unified,district,,\n"
	       "sch-hill,,,Hillside Elementary,school,,d-hill\n");
	put_in(e, "hill", "users.csv", "sourcedId,role,givenName\nh-1,student,Femi\n");
	st = tu_import(e->db, tu_at(e, "hill"), 0, &sum, &err);
	assert_int_equal(st, CR_EDATA);
	assert_int_equal(count_of(e, "SELECT count(*) FROM district"), 1);
	if (sum.run_id <= 0)
		fail_msg("the failed import was not recorded (run_id %lld; the newest run on record is '%s')",
			 sum.run_id, last_run_col(e, "outcome"));
	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	assert_int_equal(run, sum.run_id);
	assert_string_equal(last_run_col(e, "outcome"), "failed");
	is = tu_issues_of(e->db, run);
	assert_non_null(tu_issue_find(&is, "users.csv", 1, "error", "familyName", NULL));
	tu_issues_free(&is);
}

static void test_cancelled_import_leaves_the_roster_as_it_was(void **state)
{
	struct tu_env *e = *state;
	static volatile sig_atomic_t cancel = 1;
	struct roster_options opt = { .cancel = &cancel };
	struct roster_summary sum;
	struct cr_err err = { 0 };
	enum cr_status st;
	char *before, *after;
	char args[1024];

	/* A district big enough that the import looks at the cancel flag;
	 * next week's export is being imported when the librarian cancels. */
	snprintf(args, sizeof args, "--students 1000 --seed 4 --out %s", tu_at(e, "week1"));
	gen_roster(args);
	assert_int_equal(tu_sh("cp -r '%s' '%s' && head -n -100 '%s' > '%s'", tu_at(e, "week1"), tu_at(e, "week2"),
			       tu_at(e, "week1/users.csv"), tu_at(e, "week2/users.csv")), 0);
	import_ok(e, tu_at(e, "week1"), &sum);
	before = roster_dump(e->db);
	opt.source = tu_at(e, "week2");
	st = roster_import(e->db, &opt, &sum, &err);
	assert_int_equal(st, CR_EINTERRUPTED);
	assert_string_equal(sum.outcome, "interrupted");
	after = roster_dump(e->db);
	assert_same_roster(before, after, "cancelled import");
	free(before);
	free(after);
	assert_string_equal(last_run_col(e, "outcome"), "interrupted");
	assert_integrity_ok(e);
}

/* The progress callback of a child process that dies mid-import. */
static int die_mid_import(const struct roster_progress *p, void *ctx)
{
	(void)ctx;
	if (p->rows > 0)
		_exit(0);
	return 0;
}

static void test_killed_import_is_shown_as_interrupted(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum, shown;
	struct cr_err err = { 0 };
	long long first, run = 0;
	char args[1024];
	char *before, *after;
	pid_t pid;
	int status;

	snprintf(args, sizeof args, "--students 1000 --seed 4 --out %s", tu_at(e, "week1"));
	gen_roster(args);
	import_ok(e, tu_at(e, "week1"), &sum);
	first = sum.run_id;
	before = roster_dump(e->db);

	/* The next import is killed (power cut, kill -9) while it reads. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cr_db *db;
		struct roster_options opt = { .source = tu_at(e, "week1"), .progress = die_mid_import };

		if (db_open(e->db_path, 0, &db, &err) != CR_OK)
			_exit(2);
		roster_import(db, &opt, &sum, &err);
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* import --show-last: the killed run, not the one before. */
	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	if (run == first)
		fail_msg("the killed import left no record: --show-last shows run %lld again", first);
	assert_int_equal(roster_run_summary(e->db, run, &shown, NULL, 0, NULL, &err), CR_OK);
	assert_string_equal(shown.outcome, "interrupted");
	after = roster_dump(e->db);
	assert_same_roster(before, after, "killed import");
	free(before);
	free(after);

	/* The next import goes through and leaves the killed run as it was. */
	import_ok(e, tu_at(e, "week1"), &sum);
	assert_true(sum.run_id > run);
	assert_int_equal(count_of(e, "SELECT count(*) FROM import_run WHERE outcome = 'running'"), 0);
	assert_int_equal(count_of(e, "SELECT count(*) FROM import_run WHERE outcome = 'interrupted'"), 1);
}

/* ---- 6. zipped packages ------------------------------------------------ */

/* mkzip.py OUT SRC PREFIX [NAME=FILE...]: SRC's files as PREFIX+name, then
 * extra entries under exactly the names given (zipfile keeps them raw). */
static const char mkzip_py[] =
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
static void zip_folder(struct tu_env *e, const char *zipname, const char *pkg, int top)
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
static char *import_fresh(struct tu_env *e, const char *dbname, const char *path, char **report)
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

static void test_zipped_package_imports_the_same_as_the_folder(void **state)
{
	struct tu_env *e = *state;
	char *folder, *zipped, *intop, *rf, *rz, *rt;

	/* A little mess too, so the reports have something to compare. */
	write_lake(e, "lake", USERS_HDR U_TEACHER U_1 U_2 U_3 U_4 U_5
		   "stu-6,,,true,sch-north,student,,,Farah,Haddad,,,,,,,3,\n");
	zip_folder(e, "lake.zip", "lake", 0);
	zip_folder(e, "lake-top.zip", "lake", 1);

	folder = import_fresh(e, "folder.db", tu_at(e, "lake"), &rf);
	zipped = import_fresh(e, "zip.db", tu_at(e, "lake.zip"), &rz);
	intop = import_fresh(e, "top.db", tu_at(e, "lake-top.zip"), &rt);
	assert_true(strstr(folder, "'Farah'") != NULL);
	assert_same_roster(folder, zipped, "lake.zip against the folder");
	assert_same_roster(folder, intop, "lake-top.zip (files in a top folder) against the folder");
	assert_string_equal(rf, rz);
	assert_string_equal(rf, rt);
	free(folder);
	free(zipped);
	free(intop);
	free(rf);
	free(rz);
	free(rt);
}

static void test_zip_entry_leaving_the_package_is_refused_and_named(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	static const char *const evil[] = { "../evil.csv", "/etc/x.csv", "../users.csv" };
	int rc;

	write_lake(e, "lake", NULL);
	tu_put(e, "evil.csv", "sourcedId\nnothing\n");
	/* A users.csv outside the package, naming someone who is not a pupil. */
	tu_put(e, "evil-users.csv", USERS_HDR USER("stu-evil", "sch-north", "student", "Mallory", "Intruder", "6666", "03"));
	tu_put(e, "mkzip.py", mkzip_py);
	rc = tu_sh("python3 '%s' '%s' '%s' '' '../evil.csv=%s' '/etc/x.csv=%s' '../users.csv=%s'",
		   tu_at(e, "mkzip.py"), tu_at(e, "lake-evil.zip"), tu_at(e, "lake"), tu_at(e, "evil.csv"),
		   tu_at(e, "evil.csv"), tu_at(e, "evil-users.csv"));
	if (rc == 127)
		skip();
	assert_int_equal(rc, 0);

	import_ok(e, tu_at(e, "lake-evil.zip"), &sum);
	is = tu_issues_of(e->db, sum.run_id);
	for (size_t i = 0; i < TU_LEN(evil); i++) {
		const struct tu_issue *t = tu_issue_find(&is, NULL, -1, "error", evil[i], NULL);

		if (!t || (strcmp(t->field, evil[i]) && !strstr(t->reason, evil[i]))) {
			tu_issues_print(&is);
			fail_msg("no error entry naming the zip entry '%s'", evil[i]);
		}
		assert_string_equal(t->file, "lake-evil.zip");
	}
	tu_issues_free(&is);
	/* Three refused files, not rejected rows: every row was good. */
	if (sum.rejected != 0 || sum.refused_files != 3)
		fail_msg("refused zip entries counted as %ld rejected rows and %ld refused files (want 0 and 3)",
			 sum.rejected, sum.refused_files);
	{
		struct roster_summary shown;
		struct cr_err err = { 0 };

		assert_int_equal(roster_run_summary(e->db, sum.run_id, &shown, NULL, 0, NULL, &err), CR_OK);
		assert_int_equal(shown.rejected, 0);
		assert_int_equal(shown.refused_files, 3);
	}
	/* The good files imported; the intruder did not. */
	assert_int_equal(sum.added, 5);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 5);
	assert_int_equal(student_id(e, "stu-evil"), -1);
	assert_int_equal(count_of(e, "SELECT count(*) FROM enrollment"), 5);
}

/* ---- 7. bad input -------------------------------------------------------- */

static void test_empty_users_file_does_not_withdraw_the_whole_district(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	struct cr_err err;
	enum cr_status st;

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);

	/* The SIS export broke off: users.csv arrived with 0 bytes. */
	write_lake(e, "empty", "");
	st = tu_import(e->db, tu_at(e, "empty"), 0, &sum, &err);
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", -1, NULL, NULL, NULL) && !strstr(err.msg, "users.csv")) {
		tu_issues_print(&is);
		fail_msg("nothing says users.csv is empty");
	}
	tu_issues_free(&is);
	/* An empty file is no roster: nobody may leave because of it. */
	if (count_of(e, "SELECT count(*) FROM student WHERE status = 'active'") != 5)
		fail_msg("an empty users.csv withdrew %lld of 5 students (import returned %s, withdrawn=%ld)",
			 5 - count_of(e, "SELECT count(*) FROM student WHERE status = 'active'"),
			 cr_status_name(st), sum.withdrawn);
}

static void test_misspelled_column_is_an_error_with_a_suggestion(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	const struct tu_issue *hint;
	char *before, *after;
	struct cr_err err;
	enum cr_status st;
	char users[sizeof lake_users + 8];

	write_lake(e, "lake", NULL);
	import_ok(e, tu_at(e, "lake"), &sum);
	before = roster_dump(e->db);

	snprintf(users, sizeof users, "%s", lake_users);
	memcpy(strstr(users, "givenName"), "givneName", 9);
	write_lake(e, "typo", users);
	st = tu_import(e->db, tu_at(e, "typo"), 0, &sum, &err);
	assert_int_equal(st, CR_EDATA);
	assert_true(strstr(err.msg, "users.csv:1") != NULL);
	is = tu_issues_of(e->db, sum.run_id);
	hint = tu_issue_find(&is, "users.csv", 1, NULL, NULL, "'givneName'");
	if (!hint || !strstr(hint->reason, "'givenName'") ||
	    !tu_issue_find(&is, "users.csv", 1, "error", "givenName", NULL)) {
		tu_issues_print(&is);
		fail_msg("users.csv:1 should be an error naming 'givneName' and suggesting 'givenName'");
	}
	tu_issues_free(&is);
	after = roster_dump(e->db);
	assert_same_roster(before, after, "misspelled column");
	free(before);
	free(after);
}

static void test_unknown_extra_column_is_a_warning_and_rows_import(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;

	write_lake_users_only(e, "lake",
		   "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,givenName,familyName,"
		   "identifier,grades,favouriteColour\n"
		   "stu-1,,,true,sch-north,student,Ana,García,5001,03,green\n"
		   "stu-2,,,true,sch-north,student,Ben,Okafor,5002,03,blue\n");
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_int_equal(sum.added, 2);
	assert_int_equal(sum.rejected, 0);
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", 1, "warning", NULL, "favouriteColour")) {
		tu_issues_print(&is);
		fail_msg("no warning naming the unknown column at users.csv:1");
	}
	tu_issues_free(&is);
	assert_string_equal(student_col(e, "given_name", "stu-2"), "Ben");
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void test_a_100_mb_line_is_reported_and_memory_stays_bounded(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	struct timespec t0;
	char *chunk;
	FILE *f;
	long rss0;
	double secs;

	write_lake(e, "huge", NULL);
	/* Line 5 holds a given name of 100 MB, written a megabyte at a time. */
	f = fopen(tu_at(e, "huge/users.csv"), "wb");
	assert_non_null(f);
	fputs(USERS_HDR U_TEACHER U_1 U_2, f);
	fputs("stu-huge,,,true,sch-north,student,,,", f);
	chunk = tu_xmalloc(1 << 20);
	memset(chunk, 'A', 1 << 20);
	for (int i = 0; i < 100; i++)
		assert_int_equal(fwrite(chunk, 1, 1 << 20, f), 1 << 20);
	free(chunk);
	fputs(",Huge,,9999,,,,,03,\n" U_3 U_4 U_5, f);
	assert_int_equal(fclose(f), 0);

	rss0 = max_rss_kb();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	import_ok(e, tu_at(e, "huge"), &sum);
	secs = seconds_since(&t0);
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", 5, "error", NULL, NULL)) {
		tu_issues_print(&is);
		fail_msg("the 100 MB line users.csv:5 was not reported");
	}
	tu_issues_free(&is);
	assert_int_equal(sum.added, 5);
	assert_int_equal(student_id(e, "stu-huge"), -1);
	assert_true(student_id(e, "stu-3") > 0);
	if (secs > 10)
		fail_msg("importing past a 100 MB line took %.1f s", secs);
	if (max_rss_kb() - rss0 > 64 * 1024)
		fail_msg("memory grew by %ld MB reading a 100 MB line", (max_rss_kb() - rss0) / 1024);
}

static void test_latin1_row_is_converted_with_a_warning(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;

	/* Line 7 comes from an old Windows export: Sofía Dueñas in Latin-1. */
	write_lake(e, "lake", USERS_HDR U_TEACHER U_1 U_2 U_3 U_4
		   USER("stu-6", "sch-north", "student", "Sof\xed" "a", "Due\xf1" "as", "5006", "03") U_5);
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_string_equal(student_col(e, "given_name", "stu-6"), "Sof\xc3\xad" "a");
	assert_string_equal(student_col(e, "family_name", "stu-6"), "Due\xc3\xb1" "as");
	assert_string_equal(student_col(e, "name_fold", "stu-6"), "sofia duenas");
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", 7, "warning", NULL, "Latin-1")) {
		tu_issues_print(&is);
		fail_msg("no Latin-1 warning at users.csv:7");
	}
	tu_issues_free(&is);
	/* And a name already in NFD is stored composed (NFC). */
	write_lake(e, "lake2", USERS_HDR U_TEACHER U_1 U_2 U_3 U_4 U_5
		   USER("stu-7", "sch-north", "student", "Jose\xcc\x81", "Mun\xcc\x83oz", "5007", "03"));
	import_ok(e, tu_at(e, "lake2"), &sum);
	assert_string_equal(student_col(e, "given_name", "stu-7"), "Jos\xc3\xa9");
	assert_string_equal(student_col(e, "family_name", "stu-7"), "Mu\xc3\xb1oz");
}

static void test_escape_sequences_never_reach_the_roster(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;

	write_lake(e, "lake", USERS_HDR U_TEACHER U_1 U_2 U_3 U_4 U_5
		   USER("stu-6", "sch-north", "student", "\x1b[2J\x1b[HMax", "Power\x1b]0;pwned\x07\x1b[31m", "5006", "03"));
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_string_equal(student_col(e, "given_name", "stu-6"), "Max");
	assert_string_equal(student_col(e, "family_name", "stu-6"), "Power");
	is = tu_issues_of(e->db, sum.run_id);
	if (!tu_issue_find(&is, "users.csv", 8, "warning", NULL, "escape")) {
		tu_issues_print(&is);
		fail_msg("no warning about the escape sequence at users.csv:8");
	}
	tu_issues_free(&is);
}

static void test_directory_opt_out_is_kept(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;

	write_lake_users_only(e, "lake",
		   "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,givenName,familyName,"
		   "identifier,grades,metadata.directoryOptOut\n"
		   "stu-1,,,true,sch-north,student,Ana,García,5001,03,true\n"
		   "stu-2,,,true,sch-north,student,Ben,Okafor,5002,03,false\n"
		   "stu-3,,,true,sch-south,student,Chloé,Dubois,5003,07,\n"
		   "stu-4,,,true,sch-south,student,Dev,Patel,5004,07,TRUE\n");
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_int_equal(sum.rejected, 0);
	assert_string_equal(student_col(e, "directory_optout", "stu-1"), "1");
	assert_string_equal(student_col(e, "directory_optout", "stu-2"), "0");
	assert_string_equal(student_col(e, "directory_optout", "stu-3"), "0");
	assert_string_equal(student_col(e, "directory_optout", "stu-4"), "1");

	/* The family changes its mind; the next bulk says so. */
	write_lake_users_only(e, "lake2",
		   "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,givenName,familyName,"
		   "identifier,grades,metadata.directoryOptOut\n"
		   "stu-1,,,true,sch-north,student,Ana,García,5001,03,false\n"
		   "stu-2,,,true,sch-north,student,Ben,Okafor,5002,03,true\n"
		   "stu-3,,,true,sch-south,student,Chloé,Dubois,5003,07,\n"
		   "stu-4,,,true,sch-south,student,Dev,Patel,5004,07,TRUE\n");
	import_ok(e, tu_at(e, "lake2"), &sum);
	assert_string_equal(student_col(e, "directory_optout", "stu-1"), "0");
	assert_string_equal(student_col(e, "directory_optout", "stu-2"), "1");
	assert_int_equal(sum.updated, 2);
}

static void test_passwords_are_never_stored_anywhere(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	const char *where;

	write_lake(e, "lake", USERS_HDR
		   "t-rivera,,,true,sch-north,teacher,mrivera,,Marta,Rivera,,,,,,,,Tch-Secret-Pw-771\n"
		   "stu-1,,,true,sch-north,student,ana,,Ana,García,,5001,,,,,03,Stu-Secret-Pw-123\n"
		   "stu-2,,,true,sch-north,student,ben,,Ben,Okafor,,5002,,,,,3,Stu-Secret-Pw-456\n"
		   "stu-3,,,true,sch-south,student,chloe,,Chloé,Dubois,,5003,,,,,07,\"Stu,Secret,Pw,789\"\n");
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_int_equal(sum.added, 3);
	is = tu_issues_of(e->db, sum.run_id);
	for (size_t i = 0; i < is.n; i++)
		assert_null(strstr(is.v[i].reason, "Secret"));
	tu_issues_free(&is);
	where = db_files_holding(e, "Secret");
	if (where)
		fail_msg("a password from users.csv was stored in %s", where);
}

static void test_long_name_report_counts_characters_not_bytes(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	struct tu_buf users = { 0 }, name = { 0 };
	const struct tu_issue *t;

	/* "Мельник " repeated and cut at 300 characters ("... Мельник Мель"): 563 bytes. */
	for (int i = 0; i < 38; i++)
		tu_buf_add(&name, "\xd0\x9c\xd0\xb5\xd0\xbb\xd1\x8c\xd0\xbd\xd0\xb8\xd0\xba ", 15);
	{
		size_t chars = 0, i;

		for (i = 0; i < name.n; i++)
			if (((unsigned char)name.s[i] & 0xc0) != 0x80 && ++chars == 301)
				break;
		name.s[i] = '\0';
		name.n = i;
	}
	assert_int_equal(name.n, 563);
	tu_buf_printf(&users, "%s%s%s", USERS_HDR, U_TEACHER U_1, "stu-9,,,true,sch-north,student,,,Юлія,");
	tu_buf_printf(&users, "%s,,9009,,,,,03,\n", name.s);
	write_lake(e, "lake", users.s);
	import_ok(e, tu_at(e, "lake"), &sum);
	is = tu_issues_of(e->db, sum.run_id);
	/* Over the 200-character limit for a name: the row is rejected, and the
	 * report counts characters. */
	t = tu_issue_find(&is, "users.csv", 4, "error", "familyName", NULL);
	if (!t) {
		tu_issues_print(&is);
		fail_msg("the 300-character family name at users.csv:4 was not reported");
	}
	if (strstr(t->reason, "characters") && !strstr(t->reason, "300 characters"))
		fail_msg("a 300-character name (%zu bytes) is reported as: %s", name.n, t->reason);
	tu_issues_free(&is);
	tu_buf_free(&users);
	tu_buf_free(&name);
}

static void test_field_over_its_limit_rejects_the_row_and_the_rest_import(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct tu_issues is;
	struct tu_buf users = { 0 }, big = { 0 };
	const struct tu_issue *t;

	/* A 1 MB given name (a broken export), a 256-character student ID. */
	{
		char kb[1000];

		memset(kb, 'A', sizeof kb);
		for (int i = 0; i < 1000; i++)
			tu_buf_add(&big, kb, sizeof kb);
	}
	tu_buf_printf(&users, "%s%s", USERS_HDR, U_TEACHER U_1);
	tu_buf_printf(&users, "stu-9,,,true,sch-north,student,,,%s,Big,,9009,,,,,03,\n", big.s);
	tu_buf_printf(&users, "%s", U_2);
	tu_buf_printf(&users, "stu-10,,,true,sch-north,student,,,Cy,Long,,%.256s,,,,,03,\n", big.s);
	tu_buf_printf(&users, "%s", U_3 U_4 U_5);
	write_lake(e, "lake", users.s);
	import_ok(e, tu_at(e, "lake"), &sum);
	is = tu_issues_of(e->db, sum.run_id);
	t = tu_issue_find(&is, "users.csv", 4, "error", "givenName", NULL);
	if (!t || !strstr(t->reason, "1000000 characters") || !strstr(t->reason, "200")) {
		tu_issues_print(&is);
		fail_msg("the 1 MB given name at users.csv:4 is not an error naming its length and the limit");
	}
	t = tu_issue_find(&is, "users.csv", 6, "error", "identifier", NULL);
	if (!t || !strstr(t->reason, "255")) {
		tu_issues_print(&is);
		fail_msg("the 256-character identifier at users.csv:6 is not an error naming the limit");
	}
	if (sum.rejected != 2) {
		tu_issues_print(&is);
		fail_msg("%ld rows rejected, expected 2", sum.rejected);
	}
	tu_issues_free(&is);
	assert_int_equal(student_id(e, "stu-9"), -1);
	assert_int_equal(student_id(e, "stu-10"), -1);
	assert_int_equal(count_of(e, "SELECT max(length(given_name)) FROM student") < 200, 1);
	assert_int_equal(count_of(e, "SELECT count(*) FROM student"), 5);
	tu_buf_free(&users);
	tu_buf_free(&big);
}

/* ---- 8. the report again (import --show-last) ---------------------------- */

static void test_show_last_gives_back_the_same_summary_and_report(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum, shown;
	struct tu_issues is;
	struct cr_err err = { 0 };
	long long run = 0, finished = 0;
	long errors = 0, warnings = 0;
	char source[4096];

	write_lake(e, "lake", USERS_HDR U_TEACHER U_1 U_2
		   "stu-x,gone,,true,sch-north,student,,,Xavier,Gone,,5099,,,,,03,\n"
		   "stu-6,,,true,sch-north,student,,,Farah,Haddad,,,,,,,3,\n" U_3);
	put_in(e, "lake", "enrollments.csv", ENR_HDR
	       "e-1,,,cls-3a,sch-north,stu-1,student,false,,\n"
	       "e-9,,,cls-zz,sch-north,stu-2,student,false,,\n");
	import_ok(e, tu_at(e, "lake"), &sum);
	assert_true(sum.rejected >= 2);
	assert_true(sum.warnings >= 2);

	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	assert_int_equal(run, sum.run_id);
	assert_int_equal(roster_run_summary(e->db, run, &shown, source, sizeof source, &finished, &err), CR_OK);
	assert_int_equal(shown.run_id, sum.run_id);
	assert_string_equal(shown.kind, sum.kind);
	assert_string_equal(shown.district, "Lakeview School District");
	assert_string_equal(shown.outcome, "ok");
	assert_int_equal(shown.added, sum.added);
	assert_int_equal(shown.updated, sum.updated);
	assert_int_equal(shown.withdrawn, sum.withdrawn);
	assert_int_equal(shown.rejected, sum.rejected);
	assert_int_equal(shown.warnings, sum.warnings);
	assert_int_equal(shown.dry_run, 0);
	assert_string_equal(source, tu_at(e, "lake"));
	assert_true(finished > 0);

	/* Every counted problem is listed, each with file, line and reason. */
	is = tu_issues_of(e->db, run);
	for (size_t i = 0; i < is.n; i++) {
		assert_true(is.v[i].file[0] != '\0');
		assert_true(is.v[i].reason[0] != '\0');
		errors += !strcmp(is.v[i].severity, "error");
		warnings += !strcmp(is.v[i].severity, "warning");
	}
	assert_int_equal(errors, sum.rejected);
	assert_int_equal(warnings, sum.warnings);
	assert_non_null(tu_issue_find(&is, "users.csv", 5, "error", "status", NULL));
	assert_non_null(tu_issue_find(&is, "users.csv", 6, "warning", "identifier", NULL));
	assert_non_null(tu_issue_find(&is, "users.csv", 6, "warning", "grades", NULL));
	assert_non_null(tu_issue_find(&is, "enrollments.csv", 3, "error", "classSourcedId", NULL));
	tu_issues_free(&is);
	assert_int_equal(student_id(e, "stu-x"), -1);

	/* A run that does not exist is said to be missing. */
	assert_int_equal(roster_run_summary(e->db, run + 100, &shown, NULL, 0, NULL, &err), CR_ENOINPUT);
}

static void test_no_import_yet_means_no_last_run(void **state)
{
	struct tu_env *e = *state;
	struct cr_err err = { 0 };
	long long run = -1;

	assert_int_equal(roster_last_run(e->db, &run, &err), CR_OK);
	assert_int_equal(run, 0);
}

/* ---- 9. privacy of the file itself --------------------------------------- */

static void test_database_and_its_journal_are_private_0600(void **state)
{
	struct tu_env *e = *state;
	struct roster_summary sum;
	struct cr_db *db;
	struct cr_err err = { 0 };
	struct stat sb;
	mode_t old = umask(0);     /* even a careless umask must not open it up */
	char path[300], wal[310];

	snprintf(path, sizeof path, "%s/private.db", e->dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	if (db_open(path, 0, &db, &err) != CR_OK) {
		umask(old);
		fail_msg("db_open: %s", err.msg);
	}
	write_lake(e, "lake", NULL);
	if (tu_import(db, tu_at(e, "lake"), 0, &sum, &err) != CR_OK) {
		umask(old);
		db_close(db);
		fail_msg("import: %s", err.msg);
	}
	umask(old);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	if (stat(wal, &sb) == 0)
		assert_int_equal(sb.st_mode & 0777, 0600);
	db_close(db);
	assert_int_equal(stat(e->db_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_env_setup, tu_env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_small_sample_imports_and_the_manifest_typo_is_named),
		T(test_minimal_sample_imports_students_only_and_never_the_password),
		T(test_oneroster_12_roles_file_says_who_is_a_student),
		T(test_spreadsheet_saved_12_package_is_read_with_warnings),
		T(test_dirty_district_reports_every_defect_at_its_file_and_line),
		T(test_student_missing_from_new_bulk_is_withdrawn_not_deleted),
		T(test_rename_and_school_move_keep_the_same_student_row),
		T(test_a_child_in_a_class_of_another_school_is_on_its_roll),
		T(test_birth_date_is_the_only_demographic_kept),
		T(test_damaged_row_in_new_bulk_does_not_withdraw_the_child),
		T(test_two_districts_side_by_side_do_not_withdraw_each_other),
		T(test_second_district_of_the_same_name_and_identifier_is_warned),
		T(test_delta_withdraws_renames_moves_and_adds),
		T(test_older_delta_row_never_overwrites_a_newer_one),
		T(test_delta_keeps_the_student_indexes_right),
		T(test_manifest_naming_a_missing_file_fails_and_changes_nothing),
		T(test_missing_required_column_fails_and_changes_nothing),
		T(test_failure_in_the_last_file_undoes_the_earlier_files),
		T(test_dry_run_changes_nothing_but_is_recorded),
		T(test_dry_run_of_a_new_district_is_recorded_with_its_report),
		T(test_failed_import_of_a_new_district_keeps_its_report),
		T(test_cancelled_import_leaves_the_roster_as_it_was),
		T(test_killed_import_is_shown_as_interrupted),
		T(test_zipped_package_imports_the_same_as_the_folder),
		T(test_zip_entry_leaving_the_package_is_refused_and_named),
		T(test_empty_users_file_does_not_withdraw_the_whole_district),
		T(test_misspelled_column_is_an_error_with_a_suggestion),
		T(test_unknown_extra_column_is_a_warning_and_rows_import),
		T(test_a_100_mb_line_is_reported_and_memory_stays_bounded),
		T(test_latin1_row_is_converted_with_a_warning),
		T(test_escape_sequences_never_reach_the_roster),
		T(test_directory_opt_out_is_kept),
		T(test_passwords_are_never_stored_anywhere),
		T(test_long_name_report_counts_characters_not_bytes),
		T(test_field_over_its_limit_rejects_the_row_and_the_rest_import),
		T(test_show_last_gives_back_the_same_summary_and_report),
		T(test_no_import_yet_means_no_last_run),
		T(test_database_and_its_journal_are_private_0600),
	};

	return cmocka_run_group_tests_name("roster", tests, NULL, NULL);
}
