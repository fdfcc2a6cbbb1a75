/* Unit tests for the file sync target (Koha and Evergreen CSV, FOLIO
 * JSON), called directly with hand-made sync_items, writing batches in a
 * temp folder and reading them back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "sync_fixtures.h"
#include "text/jsonc.h"

/* ---- file target -------------------------------------------------------- */

/* A tiny RFC 4180 reader, independent of core/roster/csv.c: rows of fields. */
struct row {
	int  n;
	char f[16][256];
};

static int parse_csv(const char *s, struct row *rows, int max)
{
	int nr = 0;

	while (*s && nr < max) {
		struct row *r = &rows[nr++];
		size_t k = 0;

		memset(r, 0, sizeof(*r));
		for (;;) {
			char *out = r->f[r->n];

			k = 0;
			if (*s == '"') {
				s++;
				for (;;) {
					assert_true(*s != '\0');  /* unterminated */
					if (*s == '"' && s[1] == '"') {
						out[k++] = '"';
						s += 2;
					} else if (*s == '"') {
						s++;
						break;
					} else {
						out[k++] = *s++;
					}
					assert_true(k < 255);
				}
			} else {
				while (*s && *s != ',' && *s != '\r' && *s != '\n') {
					assert_true(*s != '"');  /* bare quote: bad CSV */
					out[k++] = *s++;
					assert_true(k < 255);
				}
			}
			out[k] = '\0';
			r->n++;
			if (*s == ',') {
				s++;
				continue;
			}
			if (*s == '\r')
				s++;
			if (*s == '\n')
				s++;
			break;
		}
	}
	return nr;
}

static int col(const struct row *header, const char *name)
{
	for (int i = 0; i < header->n; i++)
		if (strcmp(header->f[i], name) == 0)
			return i;
	fail_msg("column %s missing", name);
	return -1;
}

/* The one cardroll file in dir (asserts exactly one and no temp file). */
static char *only_file(const char *dir, const char *prefix, const char *ext, int *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	static char path[512];
	int n = 0;

	assert_non_null(d);
	path[0] = '\0';
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0))
			continue;
		assert_null(strstr(e->d_name, ".tmp"));
		assert_int_equal(strncmp(e->d_name, prefix, strlen(prefix)), 0);
		assert_non_null(strstr(e->d_name, ext));
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	*count = n;
	return path;
}

static void file_settings(struct sync_settings *ss, const char *dir, const char *format)
{
	memset(ss, 0, sizeof(*ss));
	snprintf(ss->target, sizeof(ss->target), "file");
	snprintf(ss->folder, sizeof(ss->folder), "%s", dir);
	snprintf(ss->format, sizeof(ss->format), "%s", format);
	snprintf(ss->library_id, sizeof(ss->library_id), "MAIN");
	snprintf(ss->category, sizeof(ss->category), "KID");
	snprintf(ss->attribute, sizeof(ss->attribute), "STUID");
	ss->batch = 50;
}

/* Sends signup (nasty names), signup (default category), void, consent. */
static char *write_batch(const char *format, char *dir, size_t dirlen, int *count)
{
	struct sync_settings ss;
	struct cr_err err = { 0 };
	void *f = NULL;
	struct sync_result res[4];
	struct sync_item items[4];
	const struct sync_target *t = sync_target_find("file");

	snprintf(dir, dirlen, "/tmp/cr-file-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_non_null(t);
	items[0] = item("u0", "signup", "111", 41);
	items[0].family = NASTY_FAMILY;
	items[0].given = NASTY_GIVEN;
	items[1] = item("u1", "signup", "222", 42);
	items[1].card = "21234000000023";
	items[1].category = "";
	items[1].given = "+1 @x -2";
	items[2] = item("u2", "void", "333", 43);
	items[2].card = "21234000000031";
	items[3] = item("u3", "consent", "444", 44);
	items[3].card = "";
	items[3].consent = "granted";
	file_settings(&ss, dir, format);
	ss.evergreen_binary = 1;  /* NASTY_FAMILY is not ASCII: see test_file_evergreen_parks_non_ascii */
	assert_int_equal(t->open(&ss, &f, &err), CR_OK);
	assert_int_equal(t->probe(f, &err), CR_OK);
	assert_int_equal(t->send(f, items, 4, res, &err), CR_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(res[i].outcome, SYNC_DONE);
	t->close(f);

	char prefix[64];

	snprintf(prefix, sizeof(prefix), "cardroll-%s-", format);
	char *path = only_file(dir, prefix, strstr(format, "json") ? "-41.json" : "-41.csv", count);
	struct stat sb;

	assert_int_equal(*count, 1);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	return path;
}

static void rm_rf(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void yesterday(char *out, size_t n)
{
	time_t now = time(NULL) - 86400;
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(out, n, "%Y-%m-%d", &tm);
}

static void test_file_koha_csv(void **st)
{
	char dir[64], day[16], *text;
	int count;
	size_t n;
	static struct row rows[8];

	(void)st;
	yesterday(day, sizeof(day));
	char *path = write_batch("koha-csv", dir, sizeof(dir), &count);

	text = slurp(path, &n);
	assert_non_null(text);
	assert_int_equal(parse_csv(text, rows, 8), 4);  /* header + 2 signups + void */
	const struct row *h = &rows[0];

	assert_string_equal(h->f[0], "cardnumber");
	assert_int_equal(h->n, 8);
	for (int i = 0; i < h->n; i++)  /* Koha keeps an existing patron's when the column is absent */
		assert_string_not_equal(h->f[i], "dateenrolled");
	assert_string_equal(rows[1].f[col(h, "surname")], NASTY_FAMILY_CSV);
	/* no formula guard: Koha stores a cell as written */
	assert_string_equal(rows[1].f[col(h, "firstname")], NASTY_GIVEN);
	assert_string_equal(rows[2].f[col(h, "firstname")], "+1 @x -2");
	assert_string_equal(rows[1].f[col(h, "patron_attributes")], "STUID:111");
	assert_string_equal(rows[1].f[col(h, "dateofbirth")], "2015-03-04");
	assert_string_equal(rows[1].f[col(h, "branchcode")], "MAIN");
	assert_string_equal(rows[1].f[col(h, "categorycode")], "JUV");
	assert_string_equal(rows[2].f[col(h, "categorycode")], "KID");
	assert_string_equal(rows[1].f[col(h, "dateexpiry")], "2030-06-30");
	/* the void: same card, expired as of yesterday */
	assert_string_equal(rows[3].f[col(h, "cardnumber")], "21234000000031");
	assert_string_equal(rows[3].f[col(h, "dateexpiry")], day);
	free(text);
	rm_rf(dir);
}

/* Sends one event per student ID in stu[] with format; fills res. */
static char *send_ids(const char *format, const char *const *stu, int n, struct sync_result *res, char *dir,
		      size_t dirlen, int *count, void (*tweak)(struct sync_settings *))
{
	struct sync_settings ss;
	struct cr_err err = { 0 };
	void *f = NULL;
	struct sync_item items[8];
	const struct sync_target *t = sync_target_find("file");
	static char cards[8][32];
	char prefix[64];

	assert_true(n <= 8);
	snprintf(dir, dirlen, "/tmp/cr-file-XXXXXX");
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < n; i++) {
		items[i] = item("u", "signup", stu[i], 50 + i);
		snprintf(cards[i], sizeof(cards[i]), "2123400000%04d", i);
		items[i].card = cards[i];
	}
	file_settings(&ss, dir, format);
	if (tweak)
		tweak(&ss);
	assert_int_equal(t->open(&ss, &f, &err), CR_OK);
	assert_int_equal(t->send(f, items, n, res, &err), CR_OK);
	t->close(f);
	snprintf(prefix, sizeof(prefix), "cardroll-%s-", format);
	return only_file(dir, prefix, "", count);
}

/* Koha parses patron_attributes again as a CSV list: an item with a comma,
 * quote or space is quoted whole ("STUID:12,3", never STUID:"12,3"). */
static void test_file_koha_attribute_quoting(void **st)
{
	static const char *const stu[] = { "12,3", "a\"b", " sp ace", "Jos\xC3\xA9", "plain-1", "c\xE2\x80\x9Cq" };
	static const char *const want[] = { "\"STUID:12,3\"", "\"STUID:a\"\"b\"", "\"STUID: sp ace\"",
					    "\"STUID:Jos\xC3\xA9\"", "STUID:plain-1" };
	struct sync_result res[6];
	static struct row rows[8];
	char dir[64], *text;
	int count;
	size_t n;

	(void)st;
	char *path = send_ids("koha-csv", stu, 6, res, dir, sizeof(dir), &count, NULL);

	assert_int_equal(count, 1);
	for (int i = 0; i < 5; i++)
		assert_int_equal(res[i].outcome, SYNC_DONE);
	/* a curly quote: Koha turns it into a straight one before parsing */
	assert_int_equal(res[5].outcome, SYNC_PARK);
	assert_non_null(strstr(res[5].reason, "curly quote"));
	text = slurp(path, &n);
	assert_non_null(text);
	assert_int_equal(parse_csv(text, rows, 8), 6);
	for (int i = 0; i < 5; i++)
		assert_string_equal(rows[i + 1].f[col(&rows[0], "patron_attributes")], want[i]);
	free(text);
	rm_rf(dir);
}

static void test_file_evergreen_csv(void **st)
{
	char dir[64], day[16], *text;
	int count;
	size_t n;
	static struct row rows[8];

	(void)st;
	yesterday(day, sizeof(day));
	char *path = write_batch("evergreen-csv", dir, sizeof(dir), &count);

	text = slurp(path, &n);
	assert_non_null(text);
	assert_int_equal(parse_csv(text, rows, 8), 4);
	const struct row *h = &rows[0];

	assert_int_equal(h->n, 12);
	assert_string_equal(rows[1].f[col(h, "cardnumber")], "21234000000015");
	assert_string_equal(rows[1].f[col(h, "usrname")], "21234000000015");
	assert_string_equal(rows[1].f[col(h, "family_name")], NASTY_FAMILY_CSV);
	assert_string_equal(rows[1].f[col(h, "first_given_name")], NASTY_GIVEN);
	assert_string_equal(rows[1].f[col(h, "ident_type")], "3");
	assert_string_equal(rows[1].f[col(h, "ident_value")], "111");
	assert_string_equal(rows[1].f[col(h, "juvenile")], "t");
	assert_string_equal(rows[1].f[col(h, "active")], "t");
	assert_string_equal(rows[1].f[col(h, "home_library")], "MAIN");
	assert_string_equal(rows[1].f[col(h, "profile")], "JUV");
	assert_string_equal(rows[1].f[col(h, "expire_date")], "2030-06-30");
	/* the void: expired as of yesterday and inactive */
	assert_string_equal(rows[3].f[col(h, "expire_date")], day);
	assert_string_equal(rows[3].f[col(h, "active")], "f");
	free(text);
	rm_rf(dir);
}

static void eg_binary(struct sync_settings *ss)
{
	ss->evergreen_binary = 1;
}

/* The stock patron_loader skips, without a word, a row that is not plain
 * ASCII: parked with the reason unless the loader is said to be patched;
 * a child with neither card nor student ID is parked too. */
static void test_file_evergreen_parks_non_ascii(void **st)
{
	static const char *const stu[] = { "111", "222" };
	struct sync_result res[2];
	struct sync_settings ss;
	struct sync_item it[2];
	struct cr_err err = { 0 };
	void *f = NULL;
	const struct sync_target *t = sync_target_find("file");
	char dir[64], *text;
	int count;
	size_t n;

	(void)st;
	/* the names: item() gives ASCII ones; make the first non-ASCII */
	snprintf(dir, sizeof(dir), "/tmp/cr-file-XXXXXX");
	assert_non_null(mkdtemp(dir));
	it[0] = item("u0", "signup", stu[0], 60);
	it[0].family = "Jos\xC3\xA9";
	it[1] = item("u1", "signup", stu[1], 61);
	file_settings(&ss, dir, "evergreen-csv");
	assert_int_equal(t->open(&ss, &f, &err), CR_OK);
	assert_int_equal(t->send(f, it, 2, res, &err), CR_OK);
	t->close(f);
	assert_int_equal(res[0].outcome, SYNC_PARK);
	assert_non_null(strstr(res[0].reason, "ASCII"));
	assert_non_null(strstr(res[0].reason, "evergreen_loader_binary"));
	assert_int_equal(res[1].outcome, SYNC_DONE);
	text = slurp(only_file(dir, "cardroll-evergreen-csv-", "-61.csv", &count), &n);
	assert_int_equal(count, 1);
	assert_null(strstr(text, "Jos"));
	free(text);
	rm_rf(dir);

	/* patched loader: written */
	(void)send_ids("evergreen-csv", stu, 1, res, dir, sizeof(dir), &count, eg_binary);
	assert_int_equal(res[0].outcome, SYNC_DONE);
	rm_rf(dir);

	/* neither card nor student ID */
	snprintf(dir, sizeof(dir), "/tmp/cr-file-XXXXXX");
	assert_non_null(mkdtemp(dir));
	it[0] = item("u0", "signup", "", 62);
	it[0].card = "";
	file_settings(&ss, dir, "evergreen-csv");
	assert_int_equal(t->open(&ss, &f, &err), CR_OK);
	assert_int_equal(t->send(f, it, 1, res, &err), CR_OK);
	t->close(f);
	assert_int_equal(res[0].outcome, SYNC_PARK);
	assert_non_null(strstr(res[0].reason, "neither a card number nor a student ID"));
	only_file(dir, "", "", &count);
	assert_int_equal(count, 0);
	rm_rf(dir);
}

static void test_file_folio_json(void **st)
{
	char dir[64], cmd[700];
	int count;
	size_t n;

	(void)st;
	char *path = write_batch("folio-json", dir, sizeof(dir), &count);

	/* an independent parser first */
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
		 "assert d[\"totalRecords\"]==3 and len(d[\"users\"])==3; "
		 "assert d[\"deactivateMissingUsers\"] is False and d[\"updateOnlyPresentFields\"] is True; "
		 "assert \"sourceType\" not in d; "
		 "assert [u[\"active\"] for u in d[\"users\"]]==[True,True,False]' '%s'",
		 path);
	if (system("python3 -c '' 2>/dev/null") == 0)
		assert_int_equal(system(cmd), 0);

	char *text = slurp(path, &n);
	struct json_object *v = jsonc_parse(text, n, NULL, 0);

	assert_non_null(v);
	const struct json_object *u = jsonc_at(jsonc_get(v, "users"), 0);

	assert_string_equal(jsonc_get_str(u, "externalSystemId"), "111");
	assert_string_equal(jsonc_get_str(u, "barcode"), "21234000000015");
	assert_string_equal(jsonc_get_str(u, "username"), "21234000000015");
	assert_string_equal(jsonc_get_str(u, "patronGroup"), "JUV");
	assert_string_equal(jsonc_get_str(u, "expirationDate"), "2030-06-30");
	assert_string_equal(jsonc_get_str(jsonc_get(u, "personal"), "lastName"), NASTY_FAMILY);
	assert_string_equal(jsonc_get_str(jsonc_get(u, "personal"), "firstName"), NASTY_GIVEN);
	assert_string_equal(jsonc_get_str(jsonc_get(u, "personal"), "dateOfBirth"), "2015-03-04");
	assert_string_equal(jsonc_get_str(jsonc_get(u, "personal"), "preferredContactTypeId"), "mail");
	assert_string_equal(jsonc_get_str(jsonc_at(jsonc_get(v, "users"), 1), "patronGroup"), "KID");
	json_object_put(v);
	free(text);
	rm_rf(dir);
}

static void folio_prefix(struct sync_settings *ss)
{
	snprintf(ss->folio_source_type, sizeof(ss->folio_source_type), "school");
}

/* sourceType only when set; a child with neither card nor student ID is
 * parked (FOLIO requires username and externalSystemId). */
static void test_file_folio_source_type_and_park(void **st)
{
	static const char *const stu[] = { "111" };
	struct sync_result res[2];
	struct sync_settings ss;
	struct sync_item it[2];
	struct cr_err err = { 0 };
	void *f = NULL;
	const struct sync_target *t = sync_target_find("file");
	char dir[64];
	int count;
	size_t n;

	(void)st;
	char *path = send_ids("folio-json", stu, 1, res, dir, sizeof(dir), &count, folio_prefix);
	char *text = slurp(path, &n);
	struct json_object *v = jsonc_parse(text, n, NULL, 0);

	assert_int_equal(res[0].outcome, SYNC_DONE);
	assert_non_null(v);
	assert_string_equal(jsonc_get_str(v, "sourceType"), "school");
	/* the bare ID: FOLIO adds the prefix itself */
	assert_string_equal(jsonc_get_str(jsonc_at(jsonc_get(v, "users"), 0), "externalSystemId"), "111");
	json_object_put(v);
	free(text);
	rm_rf(dir);

	snprintf(dir, sizeof(dir), "/tmp/cr-file-XXXXXX");
	assert_non_null(mkdtemp(dir));
	it[0] = item("u0", "signup", "", 70);
	it[0].card = "";
	it[1] = item("u1", "void", "", 71);
	it[1].card = "";
	file_settings(&ss, dir, "folio-json");
	assert_int_equal(t->open(&ss, &f, &err), CR_OK);
	assert_int_equal(t->send(f, it, 2, res, &err), CR_OK);
	t->close(f);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(res[i].outcome, SYNC_PARK);
		assert_non_null(strstr(res[i].reason, "username and an externalSystemId"));
	}
	only_file(dir, "", "", &count);
	assert_int_equal(count, 0);
	rm_rf(dir);
}

static void test_file_consent_only_writes_nothing(void **st)
{
	char dir[64] = "/tmp/cr-file-XXXXXX";
	struct sync_settings ss;
	struct cr_err err = { 0 };
	void *f = NULL;
	struct sync_result res[1];
	struct sync_item it = item("u9", "optout", "9", 9);
	const struct sync_target *t = sync_target_find("file");
	int count;

	(void)st;
	assert_non_null(mkdtemp(dir));
	file_settings(&ss, dir, "koha-csv");
	assert_int_equal(t->open(&ss, &f, &err), CR_OK);
	assert_int_equal(t->send(f, &it, 1, res, &err), CR_OK);
	assert_int_equal(res[0].outcome, SYNC_DONE);
	t->close(f);
	only_file(dir, "", "", &count);
	assert_int_equal(count, 0);
	rm_rf(dir);
}

static void test_file_unwritable_folder(void **st)
{
	char dir[64] = "/tmp/cr-file-XXXXXX", bad[128];
	struct sync_settings ss;
	struct cr_err err = { 0 };
	void *f = NULL;
	struct sync_result res[1];
	struct sync_item it = item("u9", "signup", "9", 9);
	const struct sync_target *t = sync_target_find("file");

	(void)st;
	assert_non_null(mkdtemp(dir));
	/* missing */
	snprintf(bad, sizeof(bad), "%s/missing", dir);
	file_settings(&ss, bad, "koha-csv");
	assert_int_equal(t->open(&ss, &f, &err), CR_OK);
	assert_int_equal(t->probe(f, &err), CR_EUNAVAILABLE);
	assert_non_null(strstr(err.msg, "cannot write to "));
	assert_non_null(strstr(err.msg, bad));
	assert_non_null(strstr(err.msg, "No such file or directory"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(t->send(f, &it, 1, res, &err), CR_EUNAVAILABLE);
	assert_non_null(strstr(err.msg, "cannot write to "));
	t->close(f);
	/* a file where the folder should be */
	snprintf(bad, sizeof(bad), "%s/file", dir);
	int fd = open(bad, O_WRONLY | O_CREAT, 0600);

	assert_true(fd >= 0);
	close(fd);
	file_settings(&ss, bad, "folio-json");
	assert_int_equal(t->open(&ss, &f, &err), CR_OK);
	assert_int_equal(t->probe(f, &err), CR_EUNAVAILABLE);
	assert_non_null(strstr(err.msg, "Not a directory"));
	assert_int_equal(t->send(f, &it, 1, res, &err), CR_EUNAVAILABLE);
	t->close(f);
	/* a bad format is a configuration error */
	file_settings(&ss, dir, "marc");
	assert_int_equal(t->open(&ss, &f, &err), CR_ECONFIG);
	rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_koha_csv),
		cmocka_unit_test(test_file_koha_attribute_quoting),
		cmocka_unit_test(test_file_evergreen_csv),
		cmocka_unit_test(test_file_evergreen_parks_non_ascii),
		cmocka_unit_test(test_file_folio_source_type_and_park),
		cmocka_unit_test(test_file_folio_json),
		cmocka_unit_test(test_file_consent_only_writes_nothing),
		cmocka_unit_test(test_file_unwritable_folder),
	};

	return cmocka_run_group_tests_name("sync_file", tests, NULL, NULL);
}
