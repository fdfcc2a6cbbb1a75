/* libFuzzer target for pulling a roster over HTTP (core/roster/pull_*.c):
 * the input is a run of HTTP replies (tests/fuzz/fuzz_http.h) served on
 * loopback to `sync --roster` into a scratch database. The first byte
 * picks OneRoster REST (no auth, or OAuth2 with a token endpoint) or a
 * package .zip by URL. Whatever the server says (tokens, pages, totals,
 * ETags, a zip), the pull ends with a status and a sentence when it
 * failed, no transaction is left open, the foreign keys hold, and the
 * private download folder is gone. Corpus: tests/fuzz/corpus/fuzz_rest. */
#include "fuzz_http.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "roster/roster_pull.h"
#include "store/db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_rest: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static char fuzz_dir[64];
static struct cr_db *fuzz_db;

static void fuzz_cleanup(void)
{
	static const char *const leftovers[] = { "fuzz.db-wal", "fuzz.db-shm", "fuzz.db", "tmp", "" };
	char path[160];

	db_close(fuzz_db);
	fuzz_db = NULL;
	for (size_t i = 0; i < sizeof leftovers / sizeof leftovers[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", fuzz_dir, leftovers[i]);
		remove(path);
	}
}

static void fuzz_setup(void)
{
	struct cr_err err = { 0 };
	char path[160];

	snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/cardroll-fuzz-rest-XXXXXX");
	if (!mkdtemp(fuzz_dir))
		abort();
	snprintf(path, sizeof path, "%s/tmp", fuzz_dir);
	mkdir(path, 0700);
	setenv("TMPDIR", path, 1);   /* the pull's download folder goes here */
	snprintf(path, sizeof path, "%s/fuzz.db", fuzz_dir);
	if (db_open(path, 0, &fuzz_db, &err) != CR_OK) {
		fprintf(stderr, "fuzz_rest: %s\n", err.msg);
		abort();
	}
	atexit(fuzz_cleanup);
	db_exec(fuzz_db, "PRAGMA synchronous = OFF", NULL);
}

/* Nothing left in the download folder's parent: the pull cleans up. */
static int fuzz_tmp_empty(void)
{
	char path[160];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof path, "%s/tmp", fuzz_dir);
	if (!(d = opendir(path)))
		return 1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sync_settings s;
	struct roster_pull_result r;
	struct cr_err err = { 0 };
	unsigned mode = size ? data[0] : 0;
	enum cr_status st;
	sqlite3_stmt *q;

	fh_start();
	if (!fuzz_db)
		fuzz_setup();
	if (size) {
		data++;
		size--;
	}
	memset(&s, 0, sizeof s);
	memset(&r, 0, sizeof r);
	s.timeout_ms = 3000;
	s.probe_timeout_ms = 1000;
	if ((mode & 3) == 3) {
		snprintf(s.roster_url, sizeof s.roster_url, "http://127.0.0.1:%d/export/district.zip", fh.port);
		snprintf(s.roster_auth, sizeof s.roster_auth, "none");
	} else {
		snprintf(s.roster_url, sizeof s.roster_url, "http://127.0.0.1:%d/ims/oneroster/rostering/v1p2",
			 fh.port);
		snprintf(s.roster_auth, sizeof s.roster_auth, "%s", mode & 1 ? "oauth2" : "none");
		snprintf(s.roster_client_id, sizeof s.roster_client_id, "id");
		snprintf(s.roster_client_secret, sizeof s.roster_client_secret, "secret");
		snprintf(s.roster_token_url, sizeof s.roster_token_url, "http://127.0.0.1:%d/oauth/token", fh.port);
	}
	fh_load(data, size);
	st = roster_pull(fuzz_db, &s, &r, &err);
	if (st != CR_OK)
		FUZZ_CHECK(err.msg[0] != '\0');
	FUZZ_CHECK(memchr(err.msg, '\0', sizeof err.msg));
	FUZZ_CHECK(sqlite3_get_autocommit(db_handle(fuzz_db)));
	FUZZ_CHECK(fuzz_tmp_empty());
	FUZZ_CHECK(sqlite3_prepare_v2(db_handle(fuzz_db), "PRAGMA foreign_key_check", -1, &q, NULL) == SQLITE_OK);
	FUZZ_CHECK(sqlite3_step(q) != SQLITE_ROW);
	sqlite3_finalize(q);
	return 0;
}
