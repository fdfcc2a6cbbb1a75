/* Unit tests for core's messages in the reader's language (issue 13): real
 * failures of core/ and printers/ (a busy database, a roster file with a
 * missing column and a short row, a settings file with a bad value, a bad
 * printer target) read in Spanish under es_US.UTF-8, with the same file,
 * line and numbers, and exactly as before in English under the C locale.
 *
 * The Spanish locale is made with localedef in the test's own folder
 * (LOCPATH), since none is installed system-wide; the catalog is the
 * build's, build/share/locale (found beside this binary, build/tests/, or
 * in $CARDROLL_LOCALEDIR). Skipped only when localedef is missing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libgen.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>

#include "store/db.h"
#include "store/config.h"
#include "roster/roster.h"
#include "sink.h"
#include "text/i18n.h"
#include "testutil.h"
#include "roster_fixtures.h"

static char g_dir[128];          /* the test's folder: the locale and files */
static char g_locpath[256];      /* g_dir/locale: es_US.UTF-8 made by localedef */
static char g_catalogs[PATH_MAX];
static int  g_no_localedef;

/* The build's catalogs: $CARDROLL_LOCALEDIR, or share/locale in the folder above
 * this binary (build/tests/test_i18n_core -> build/share/locale). */
static int find_catalogs(void)
{
	const char *env = getenv("CARDROLL_LOCALEDIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(g_catalogs, sizeof g_catalogs, "%s", env);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n <= 0)
			return -1;
		exe[n] = '\0';
		snprintf(g_catalogs, sizeof g_catalogs, "%s/share/locale", dirname(dirname(exe)));
	}
	{
		char mo[PATH_MAX + 64];

		snprintf(mo, sizeof mo, "%s/es/LC_MESSAGES/cardroll.mo", g_catalogs);
		if (!tu_exists(mo)) {
			fprintf(stderr, "test_i18n_core: %s is missing (make all builds it)\n", mo);
			return -1;
		}
	}
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	tu_tmpdir(g_dir, sizeof g_dir, "i18n");
	snprintf(g_locpath, sizeof g_locpath, "%s/locale", g_dir);
	tu_mkdirs(g_locpath);
	if (find_catalogs() != 0)
		return -1;
	if (tu_sh("command -v localedef >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_i18n_core: SKIP: localedef is missing (Debian package locales)\n");
		g_no_localedef = 1;
		return 0;
	}
	/* localedef warns about things of no matter here; exit 1 is a warning */
	if (tu_sh("localedef -i es_US -f UTF-8 '%s/es_US.UTF-8' >/dev/null 2>&1; test -d '%s/es_US.UTF-8'",
		  g_locpath, g_locpath) != 0) {
		fprintf(stderr, "test_i18n_core: localedef could not make es_US.UTF-8 in %s\n", g_locpath);
		return -1;
	}
	if (setenv("LOCPATH", g_locpath, 1) != 0)
		return -1;
	unsetenv("LANGUAGE");
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	if (!bindtextdomain(CR_TEXTDOMAIN, g_catalogs) || !bind_textdomain_codeset(CR_TEXTDOMAIN, "UTF-8"))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C");
	tu_rmtree(g_dir);
	return 0;
}

/* Spanish (es_US.UTF-8 from the test's LOCPATH) or English (C). */
static void speak(int spanish)
{
	if (g_no_localedef)
		skip();
	if (spanish) {
		if (!setlocale(LC_ALL, "es_US.UTF-8"))
			fail_msg("setlocale es_US.UTF-8 failed (LOCPATH=%s)", g_locpath);
	} else if (!setlocale(LC_ALL, "C")) {
		fail_msg("setlocale C failed");
	}
}

static void expect(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		fail_msg("%s:\n  got  '%s'\n  want '%s'", what, got, want);
}

/* ---- a busy database: two connections, one holding the write lock ------- */

static void busy_message(int spanish, char *out, size_t len, enum cr_status *st, char *path, size_t plen)
{
	struct cr_db *a = NULL, *b = NULL;
	struct cr_err err = { 0 };
	char dir[160];

	snprintf(dir, sizeof dir, "%s/busy-%d", g_dir, spanish);
	tu_mkdirs(dir);
	snprintf(path, plen, "%s/cardroll.db", dir);
	speak(spanish);
	db_set_busy_timeout(100);
	assert_int_equal(db_open(path, 0, &a, &err), CR_OK);
	assert_int_equal(db_open(path, 0, &b, &err), CR_OK);
	assert_int_equal(db_begin_immediate(a, &err), CR_OK);
	*st = db_begin_immediate(b, &err);
	snprintf(out, len, "%s", err.msg);
	db_rollback(a);
	db_close(b);
	db_close(a);
}

static void test_busy_database_in_spanish_and_english(void **state)
{
	char es[512], en[512], want[700], path[256];
	enum cr_status st;

	(void)state;
	busy_message(1, es, sizeof es, &st, path, sizeof path);
	assert_int_equal(st, CR_ETEMP);
	snprintf(want, sizeof want, "iniciando una transacción: la base de datos %s está ocupada (otro puesto u "
		 "otro programa está escribiendo en ella); inténtelo de nuevo", path);
	expect("busy, es_US", es, want);
	expect("status message, es_US", cr_status_message(st), "fallo temporal, inténtelo de nuevo");

	busy_message(0, en, sizeof en, &st, path, sizeof path);
	assert_int_equal(st, CR_ETEMP);
	snprintf(want, sizeof want, "starting a transaction: the database %s is busy (another desk or program is "
		 "writing to it); try again", path);
	expect("busy, C", en, want);
	expect("status message, C", cr_status_message(st), "temporary failure, try again");
}

/* ---- a roster file: a required column missing, and a short row ---------- */

static void roster_messages(int spanish, char *fail, size_t flen, char *row, size_t rlen, long *row_line)
{
	struct tu_env *e;
	struct roster_summary sum;
	struct tu_issues is;
	struct cr_err err = { 0 };
	const struct tu_issue *t;
	void *st = NULL;
	/* familyName spelled "surname": the header lacks a required column */
	static const char no_family[] =
		"sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
		"userIds,givenName,surname,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n"
		U_1;
	/* a row cut short at line 4 (after the header and two good rows) */
	static const char short_row[] = USERS_HDR U_1 U_2 "stu-9,,,true\n" U_3;

	speak(spanish);
	if (tu_env_setup(&st) != 0 || !(e = st))
		abort();
	write_lake(e, "bad", no_family);
	assert_int_not_equal(tu_import(e->db, tu_at(e, "bad"), 0, &sum, &err), CR_OK);
	snprintf(fail, flen, "%s", err.msg);

	write_lake(e, "short", short_row);
	assert_int_equal(tu_import(e->db, tu_at(e, "short"), 0, &sum, &err), CR_OK);
	is = tu_issues_of(e->db, sum.run_id);
	t = tu_issue_find(&is, "users.csv", -1, "error", NULL, NULL);
	if (!t) {
		tu_issues_print(&is);
		fail_msg("no error in users.csv for the short row");
	}
	snprintf(row, rlen, "%s", t->reason);
	*row_line = t->line;
	tu_issues_free(&is);
	tu_env_teardown(&st);
}

static void test_roster_file_errors_in_spanish_and_english(void **state)
{
	char fail[512], row[512];
	long line = 0;

	(void)state;
	roster_messages(1, fail, sizeof fail, row, sizeof row, &line);
	expect("missing column, es_US", fail, "users.csv:1: falta 1 columna obligatoria (vea el informe); la lista de estudiantes "
	       "se dejó como estaba");
	expect("short row, es_US", row, "la fila tiene 4 de 18 columnas (¿cortada?); se omitió");
	assert_int_equal(line, 4);

	roster_messages(0, fail, sizeof fail, row, sizeof row, &line);
	expect("missing column, C", fail, "users.csv:1: 1 required column is missing (see the report); the roster was left "
	       "as it was");
	expect("short row, C", row, "row has 4 of 18 columns (cut short?); skipped");
	assert_int_equal(line, 4);
}

/* ---- a settings file with a bad value on line 3 ------------------------ */

static void settings_message(int spanish, char *out, size_t len, char *path, size_t plen)
{
	struct cr_config *cfg = calloc(1, sizeof *cfg);
	struct cr_err err = { 0 };

	assert_non_null(cfg);
	snprintf(path, plen, "%s/cardroll-%d.ini", g_dir, spanish);
	tu_write(path, "[storage]\n# how long to wait for another desk\nbusy_timeout_ms = 50\n");
	speak(spanish);
	assert_int_equal(config_load(cfg, path, 1, &err), CR_ECONFIG);
	snprintf(out, len, "%s", err.msg);
	free(cfg);
}

static void test_settings_error_in_spanish_and_english(void **state)
{
	char got[512], want[700], path[256];

	(void)state;
	settings_message(1, got, sizeof got, path, sizeof path);
	snprintf(want, sizeof want, "%s:3: [storage] busy_timeout_ms: '50' no es un número entero de 100 a 600000",
		 path);
	expect("settings, es_US", got, want);

	settings_message(0, got, sizeof got, path, sizeof path);
	snprintf(want, sizeof want, "%s:3: [storage] busy_timeout_ms: '50' is not a whole number from 100 to 600000",
		 path);
	expect("settings, C", got, want);
}

/* ---- a printer target that is no target -------------------------------- */

static void test_printer_target_error_in_spanish_and_english(void **state)
{
	struct sink *s = NULL;
	struct cr_err err = { 0 };

	(void)state;
	speak(1);
	assert_int_equal(sink_open("tcp://[::1", &s, &err), CR_ECONFIG);
	expect("IPv6 target, es_US", err.msg, "destino de impresora tcp://[::1: falta ']' después de la dirección IPv6");
	assert_int_equal(sink_open("tcp://192.0.2.7:70000", &s, &err), CR_ECONFIG);
	expect("port, es_US", err.msg,
	       "destino de impresora tcp://192.0.2.7:70000: el puerto debe ser un número de 1 a 65535");

	speak(0);
	assert_int_equal(sink_open("tcp://[::1", &s, &err), CR_ECONFIG);
	expect("IPv6 target, C", err.msg, "printer target tcp://[::1: missing ']' after the IPv6 address");
	assert_int_equal(sink_open("tcp://192.0.2.7:70000", &s, &err), CR_ECONFIG);
	expect("port, C", err.msg, "printer target tcp://192.0.2.7:70000: the port must be a number from 1 to 65535");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busy_database_in_spanish_and_english),
		cmocka_unit_test(test_roster_file_errors_in_spanish_and_english),
		cmocka_unit_test(test_settings_error_in_spanish_and_english),
		cmocka_unit_test(test_printer_target_error_in_spanish_and_english),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
