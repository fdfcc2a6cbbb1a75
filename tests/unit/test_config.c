/* Unit tests for core/config: the settings file a library's IT person edits
 * by hand. A typo must never quietly fall back to a default: every unknown
 * section or key and every bad value is an error naming file:line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "store/config.h"
#include "sync/sync.h"
#include "testutil.h"

struct place {
	char dir[128];
	char path[256];
};

static int place_setup(void **state)
{
	struct place *p = calloc(1, sizeof *p);

	if (!p)
		return -1;
	tu_tmpdir(p->dir, sizeof p->dir, "config");
	snprintf(p->path, sizeof p->path, "%s/cardroll.ini", p->dir);
	*state = p;
	return 0;
}

static int place_teardown(void **state)
{
	struct place *p = *state;

	tu_rmtree(p->dir);
	free(p);
	return 0;
}

/* Loads text as the settings file; returns the status, message in err. */
static enum cr_status load(struct place *p, const char *text, struct cr_config *cfg, struct cr_err *err)
{
	tu_write(p->path, text);
	config_defaults(cfg);
	memset(err, 0, sizeof *err);
	return config_load(cfg, p->path, 1, err);
}

/* The load fails as a configuration error naming path:line and, when
 * given, the word that is wrong. */
static void expect_error_at(struct place *p, const char *text, int line, const char *word)
{
	struct cr_config cfg;
	struct cr_err err;
	enum cr_status st = load(p, text, &cfg, &err);
	char where[300];

	snprintf(where, sizeof where, "%s:%d:", p->path, line);
	if (st != CR_ECONFIG)
		fail_msg("expected CR_ECONFIG for line %d, got %s: %s", line, cr_status_name(st), err.msg);
	assert_int_equal(err.status, CR_ECONFIG);
	assert_int_equal(cr_status_exit_code(st), 65);
	if (!strstr(err.msg, where))
		fail_msg("the message does not name %s: %s", where, err.msg);
	if (word && !strstr(err.msg, word))
		fail_msg("the message does not name '%s': %s", word, err.msg);
}

static void test_defaults_without_a_file(void **state)
{
	struct place *p = *state;
	struct cr_config cfg;
	struct cr_err err = { 0 };

	config_defaults(&cfg);
	assert_int_equal(cfg.busy_timeout_ms, 10000);
	assert_int_equal(cfg.roster_max_age_days, 60);
	assert_true(cfg.desk[0] != '\0');
	assert_string_equal(cfg.db_path, "");
	assert_string_equal(cfg.source_path, "");
	/* A settings file nobody wrote is fine unless it was asked for. */
	assert_int_equal(config_load(&cfg, p->path, 0, &err), CR_OK);
	assert_int_equal(cfg.busy_timeout_ms, 10000);
	assert_int_equal(config_load(&cfg, p->path, 1, &err), CR_ENOINPUT);
	assert_true(strstr(err.msg, p->path) != NULL);
}

static void test_a_good_file_sets_every_key(void **state)
{
	struct place *p = *state;
	struct cr_config cfg;
	struct cr_err err;

	assert_int_equal(load(p,
		"; cardroll settings for the Main Street branch\n"
		"# comments either way\n"
		"\n"
		"[storage]\n"
		"database = /srv/cardroll/main.db\n"
		"busy_timeout_ms=2500\n"
		"\n"
		"[desk]\n"
		"name = Main Street circulation desk\n"
		"\n"
		"[roster]\n"
		"max_age_days = 14\n", &cfg, &err), CR_OK);
	assert_string_equal(cfg.db_path, "/srv/cardroll/main.db");
	assert_int_equal(cfg.busy_timeout_ms, 2500);
	assert_string_equal(cfg.desk, "Main Street circulation desk");
	assert_int_equal(cfg.roster_max_age_days, 14);
	assert_string_equal(cfg.source_path, p->path);
}

static void test_keys_not_set_keep_their_defaults(void **state)
{
	struct place *p = *state;
	struct cr_config cfg;
	struct cr_err err;

	assert_int_equal(load(p, "[desk]\nname = Bookmobile\n", &cfg, &err), CR_OK);
	assert_string_equal(cfg.desk, "Bookmobile");
	assert_int_equal(cfg.busy_timeout_ms, 10000);
	assert_int_equal(cfg.roster_max_age_days, 60);
	assert_string_equal(cfg.db_path, "");
}

static void test_windows_line_endings_and_bom_are_read(void **state)
{
	struct place *p = *state;
	struct cr_config cfg;
	struct cr_err err;

	assert_int_equal(load(p, "\xef\xbb\xbf[storage]\r\nbusy_timeout_ms = 3000\r\n[desk]\r\nname = Front\r\n",
			      &cfg, &err), CR_OK);
	assert_int_equal(cfg.busy_timeout_ms, 3000);
	assert_string_equal(cfg.desk, "Front");
}

static void test_unknown_key_is_an_error_naming_file_and_line(void **state)
{
	expect_error_at(*state, "[storage]\ndatabase = /srv/c.db\ndatabse_path = /srv/d.db\n", 3, "databse_path");
	expect_error_at(*state, "[desk]\nname = Front\n\n[roster]\nmax_age = 30\n", 5, "max_age");
}

static void test_unknown_section_is_an_error_naming_file_and_line(void **state)
{
	expect_error_at(*state, "[desk]\nname = Front\n[printer]\ndriver = escpos\n", 4, "printer");
	/* A key before any section belongs to no known section. */
	expect_error_at(*state, "database = /srv/c.db\n", 1, "database");
}

static void test_bad_number_is_an_error_naming_file_and_line(void **state)
{
	expect_error_at(*state, "[storage]\nbusy_timeout_ms = soon\n", 2, "busy_timeout_ms");
	expect_error_at(*state, "[storage]\nbusy_timeout_ms = 10s\n", 2, "busy_timeout_ms");
	expect_error_at(*state, "[storage]\nbusy_timeout_ms = 99999999999999999999\n", 2, "busy_timeout_ms");
	expect_error_at(*state, "[storage]\nbusy_timeout_ms = -5\n", 2, "busy_timeout_ms");
	expect_error_at(*state, "[storage]\nbusy_timeout_ms =\n", 2, "busy_timeout_ms");
	expect_error_at(*state, "\n\n[roster]\nmax_age_days = 0\n", 4, "max_age_days");
	expect_error_at(*state, "[roster]\nmax_age_days = 3651\n", 2, "max_age_days");
}

/* The file target's loader settings: read, defaulted, and a bad value
 * named with file, line and key. */
static void test_file_target_loader_settings(void **state)
{
	struct cr_config cfg;
	struct cr_err err;

	assert_int_equal(load(*state, "[sync]\nformat = koha-csv\n", &cfg, &err), CR_OK);
	assert_int_equal(cfg.sync.evergreen_binary, 0);
	assert_string_equal(cfg.sync.folio_source_type, "");
	assert_int_equal(load(*state, "[sync]\nevergreen_loader_binary = yes\nfolio_source_type = sis_1-a\n", &cfg,
			      &err),
			 CR_OK);
	assert_int_equal(cfg.sync.evergreen_binary, 1);
	assert_string_equal(cfg.sync.folio_source_type, "sis_1-a");
	expect_error_at(*state, "[sync]\nevergreen_loader_binary = maybe\n", 2, "evergreen_loader_binary");
	expect_error_at(*state, "[sync]\n\nfolio_source_type = a b\n", 3, "folio_source_type");
	expect_error_at(*state, "[sync]\nfolio_source_type = a\"*\n", 2, "folio_source_type");
}

/* [retention]: the school year's end (a real date, or empty: not set) and
 * the days a withdrawn child is kept. */
static void test_retention_settings(void **state)
{
	struct cr_config cfg;
	struct cr_err err;

	assert_int_equal(load(*state, "[desk]\nname = Front\n", &cfg, &err), CR_OK);
	assert_string_equal(cfg.school_year_end, "");
	assert_int_equal(cfg.withdrawn_days, 90);
	assert_int_equal(load(*state, "[retention]\nschool_year_end = 2028-02-29\nwithdrawn_days = 0\n", &cfg, &err),
			 CR_OK);
	assert_string_equal(cfg.school_year_end, "2028-02-29");
	assert_int_equal(cfg.withdrawn_days, 0);
	assert_int_equal(load(*state, "[retention]\nschool_year_end =\n", &cfg, &err), CR_OK);
	assert_string_equal(cfg.school_year_end, "");
	expect_error_at(*state, "[retention]\nschool_year_end = 2027-02-29\n", 2, "school_year_end");
	expect_error_at(*state, "[retention]\n\nschool_year_end = 06-30\n", 3, "school_year_end");
	expect_error_at(*state, "[retention]\nschool_year_end = 2027-06-30x\n", 2, "school_year_end");
	expect_error_at(*state, "[retention]\nwithdrawn_days = -1\n", 2, "withdrawn_days");
	expect_error_at(*state, "[retention]\nwithdrawn_days = 3651\n", 2, "withdrawn_days");
}

static void test_empty_desk_name_is_an_error_naming_file_and_line(void **state)
{
	expect_error_at(*state, "[desk]\nname =\n", 2, "name");
}

/* A database on a deep network share has a long path. One that fits a
 * settings line (198 characters) is read whole; a longer one is an error
 * at its own line that names the setting. */
static void test_long_values_are_read_whole_or_named_at_their_line(void **state)
{
	struct place *p = *state;
	struct tu_buf text = { 0 }, path = { 0 };
	struct cr_config cfg;
	struct cr_err err;
	enum cr_status st;

	tu_buf_printf(&path, "/srv/share");
	while (path.n < 150)
		tu_buf_printf(&path, "/branch-%02zu", path.n % 100);
	tu_buf_printf(&text, "[storage]\ndatabase = %s\n[desk]\nname = Front\n", path.s);
	st = load(p, text.s, &cfg, &err);
	tu_buf_free(&text);
	if (st != CR_OK) {
		size_t n = path.n;

		tu_buf_free(&path);
		fail_msg("a %zu-character database path was refused: %s", n, err.msg);
	}
	if (strcmp(cfg.db_path, path.s)) {
		tu_buf_free(&path);
		fail_msg("the database path was not read whole: '%s'", cfg.db_path);
	}
	tu_buf_free(&path);
	assert_string_equal(cfg.desk, "Front");

	tu_buf_printf(&text, "[storage]\ndatabase = /");
	for (int i = 0; i < 5000; i++)
		tu_buf_add(&text, "x", 1);
	tu_buf_add(&text, "\n", 1);
	tu_write(p->path, text.s);
	tu_buf_free(&text);
	config_defaults(&cfg);
	st = config_load(&cfg, p->path, 1, &err);
	assert_int_equal(st, CR_ECONFIG);
	if (!strstr(err.msg, ":2:") || !strstr(err.msg, "database"))
		fail_msg("a 5000-character database path should be refused at line 2: %s", err.msg);
}

/* A long comment or a long line that is no setting is named by file, line
 * and the limit; only a real "key =" line names its key (issue 11). */
static void test_a_long_line_names_file_line_and_limit(void **state)
{
	struct place *p = *state;
	struct tu_buf text = { 0 };
	struct cr_config cfg;
	struct cr_err err;
	enum cr_status st;
	char where[300];

	tu_buf_printf(&text, "[desk]\nname = Front\n; ");
	for (int i = 0; i < 300; i++)
		tu_buf_add(&text, "x", 1);
	tu_buf_add(&text, "\n", 1);
	tu_write(p->path, text.s);
	tu_buf_free(&text);
	config_defaults(&cfg);
	st = config_load(&cfg, p->path, 1, &err);
	assert_int_equal(st, CR_ECONFIG);
	snprintf(where, sizeof where, "%s:3:", p->path);
	if (!strstr(err.msg, where) || !strstr(err.msg, "line 3") || !strstr(err.msg, "198"))
		fail_msg("a long comment should be named by file, line 3 and the limit 198: %s", err.msg);
	if (strstr(err.msg, "xxx") || strstr(err.msg, "'; "))
		fail_msg("a long comment should not be quoted as a setting: %s", err.msg);

	/* The setting's own line: its key, the line and the limit. */
	tu_buf_printf(&text, "[storage]\nbusy_timeout_ms = 10\ndatabase = /");
	for (int i = 0; i < 300; i++)
		tu_buf_add(&text, "y", 1);
	tu_buf_add(&text, "\n", 1);
	tu_write(p->path, text.s);
	tu_buf_free(&text);
	config_defaults(&cfg);
	st = config_load(&cfg, p->path, 1, &err);
	assert_int_equal(st, CR_ECONFIG);
	snprintf(where, sizeof where, "%s:3:", p->path);
	if (!strstr(err.msg, where) || !strstr(err.msg, "line 3") || !strstr(err.msg, "198") ||
	    !strstr(err.msg, "'database'") || strstr(err.msg, "yyy"))
		fail_msg("a long setting should be named by file, line 3, 'database' and 198: %s", err.msg);
}

static void test_a_line_that_is_not_a_setting_is_an_error(void **state)
{
	expect_error_at(*state, "[desk]\nname = Front\nthis is not a setting\n", 3, NULL);
	expect_error_at(*state, "[desk\nname = Front\n", 1, NULL);
}

static void test_the_first_problem_is_the_one_named(void **state)
{
	expect_error_at(*state, "[storage]\nbusy_timeout_ms = never\n[desk]\ncolour = red\n", 2, "busy_timeout_ms");
}

static void test_a_folder_is_not_a_settings_file(void **state)
{
	struct place *p = *state;
	struct cr_config cfg;
	struct cr_err err = { 0 };

	/* --config /etc/cardroll/ by mistake must not mean "all defaults". */
	config_defaults(&cfg);
	if (config_load(&cfg, p->dir, 1, &err) == CR_OK)
		fail_msg("config_load accepted the folder %s as a settings file", p->dir);
	assert_true(strstr(err.msg, p->dir) != NULL);
}

/* [categories] CODE = GRADES: the ILS patron category of each grade band. */
static void test_patron_categories_come_from_grade_bands(void **state)
{
	struct cr_config cfg;
	struct cr_err err;

	assert_int_equal(load(*state, "[categories]\nJUV = PK-05\nYA = 06-08\n[cards]\nexpiry = graduation\n",
			      &cfg, &err), CR_OK);
	assert_string_equal(programme_category(&cfg.programme, "PK"), "JUV");
	assert_string_equal(programme_category(&cfg.programme, "03"), "JUV");
	assert_string_equal(programme_category(&cfg.programme, "07"), "YA");
	assert_null(programme_category(&cfg.programme, "10"));
	assert_null(programme_category(&cfg.programme, ""));
	assert_int_equal(cfg.programme.expiry_graduation, 1);
	expect_error_at(*state, "[categories]\nJUV = KG-05\nYA = 05-08\n", 3, "overlap");
	expect_error_at(*state, "[categories]\nJUV = grade one\n", 2, "JUV");
	expect_error_at(*state, "[categories]\nJ U V = KG\n", 2, "category");
	expect_error_at(*state, "[cards]\nexpiry = forever\n", 2, "expiry");
}

/* A koha or file target sends every new patron with a category: without
 * [sync] category, every grade the programme serves needs a band. The sync
 * refuses to start, naming the keys and the [sync] target line. */
static void test_a_koha_or_file_target_needs_a_category_for_every_grade(void **state)
{
	struct place *p = *state;
	struct cr_config cfg;
	struct cr_err err;
	struct sync_summary sum;
	char where[300];

	snprintf(where, sizeof where, "%s:5:", p->path);
	/* No band and no category at all: every grade is missing one. */
	assert_int_equal(load(p, "[programme]\ngrades = KG-05\n\n[sync]\ntarget = koha\nurl = http://127.0.0.1:1\n",
			      &cfg, &err), CR_OK);
	assert_string_equal(cfg.sync.category_missing, "KG, 01, 02, 03, 04, 05");
	memset(&err, 0, sizeof err);
	assert_int_equal(sync_run(NULL, &cfg.sync, 0, &sum, &err), CR_ECONFIG);
	assert_non_null(strstr(err.msg, where));
	assert_non_null(strstr(err.msg, "[sync] category"));
	assert_non_null(strstr(err.msg, "[categories]"));
	assert_non_null(strstr(err.msg, "KG, 01, 02, 03, 04, 05"));

	/* A band that leaves grades 04 and 05 out, file target. */
	assert_int_equal(load(p, "[programme]\ngrades = KG-05\n[categories]\nJUV = KG-03\n[sync]\ntarget = file\n"
			      "folder = /nonexistent\n", &cfg, &err), CR_OK);
	memset(&err, 0, sizeof err);
	assert_int_equal(sync_run(NULL, &cfg.sync, 0, &sum, &err), CR_ECONFIG);
	snprintf(where, sizeof where, "%s:6:", p->path);
	assert_non_null(strstr(err.msg, where));
	assert_non_null(strstr(err.msg, "grades 04, 05 have none"));

	/* Every grade the programme serves has a band: no gap. */
	assert_int_equal(load(p, "[programme]\ngrades = KG-05\n[categories]\nJUV = KG-03\nMID = 04-05\n"
			      "[sync]\ntarget = koha\n", &cfg, &err), CR_OK);
	assert_string_equal(cfg.sync.category_missing, "");
	/* or a category for any grade without one */
	assert_int_equal(load(p, "[programme]\ngrades = KG-05\n[sync]\ntarget = koha\ncategory = J\n", &cfg, &err),
			 CR_OK);
	assert_string_equal(cfg.sync.category, "J");
	/* koha_confirm_duplicates is a yes/no, default no */
	assert_int_equal(cfg.sync.koha_confirm_duplicates, 0);
	assert_int_equal(load(p, "[sync]\nkoha_confirm_duplicates = yes\n", &cfg, &err), CR_OK);
	assert_int_equal(cfg.sync.koha_confirm_duplicates, 1);
	expect_error_at(p, "[sync]\nkoha_confirm_duplicates = maybe\n", 2, "koha_confirm_duplicates");
}

#define T(name) cmocka_unit_test_setup_teardown(name, place_setup, place_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_patron_categories_come_from_grade_bands),
		T(test_a_koha_or_file_target_needs_a_category_for_every_grade),
		T(test_defaults_without_a_file),
		T(test_a_good_file_sets_every_key),
		T(test_keys_not_set_keep_their_defaults),
		T(test_windows_line_endings_and_bom_are_read),
		T(test_unknown_key_is_an_error_naming_file_and_line),
		T(test_unknown_section_is_an_error_naming_file_and_line),
		T(test_file_target_loader_settings),
		T(test_bad_number_is_an_error_naming_file_and_line),
		T(test_empty_desk_name_is_an_error_naming_file_and_line),
		T(test_long_values_are_read_whole_or_named_at_their_line),
		T(test_a_long_line_names_file_line_and_limit),
	T(test_a_line_that_is_not_a_setting_is_an_error),
	T(test_retention_settings),
		T(test_the_first_problem_is_the_one_named),
		T(test_a_folder_is_not_a_settings_file),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
