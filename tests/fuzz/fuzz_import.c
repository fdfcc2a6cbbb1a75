/* libFuzzer target for the import's manifest and header handling: the input
 * is split at NUL bytes into manifest.csv, orgs.csv, users.csv and
 * enrollments.csv of a package folder, which is imported into a scratch
 * database. Whatever the bytes, the import must end with a status (never a
 * crash) and leave the database consistent. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/db.h"
#include "roster/roster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64];
static struct cr_db *fuzz_db;

/* The scratch folder goes when the fuzzer exits. */
static void fuzz_cleanup(void)
{
	static const char *leftovers[] = {
		"pkg/manifest.csv", "pkg/orgs.csv", "pkg/users.csv", "pkg/enrollments.csv", "pkg",
		"fuzz.db-wal", "fuzz.db-shm", "fuzz.db", "",
	};
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
	char path[128];

	snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/cardroll-fuzz-XXXXXX");
	if (!mkdtemp(fuzz_dir))
		abort();
	snprintf(path, sizeof path, "%s/fuzz.db", fuzz_dir);
	if (db_open(path, 0, &fuzz_db, &err) != CR_OK) {
		fprintf(stderr, "fuzz_import: %s\n", err.msg);
		abort();
	}
	atexit(fuzz_cleanup);
	/* The scratch database need not survive a power cut. */
	db_exec(fuzz_db, "PRAGMA synchronous = OFF", NULL);
}

static void fuzz_write(const char *name, const uint8_t *p, size_t n)
{
	char path[128];
	int fd;

	snprintf(path, sizeof path, "%s/pkg/%s", fuzz_dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (n && write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "manifest.csv", "orgs.csv", "users.csv", "enrollments.csv" };
	struct roster_options opt = { 0 };
	struct roster_summary sum;
	struct cr_err err = { 0 };
	char pkg[128];
	size_t off = 0;
	sqlite3_stmt *st;

	if (!fuzz_db)
		fuzz_setup();
	snprintf(pkg, sizeof pkg, "%s/pkg", fuzz_dir);
	mkdir(pkg, 0700);
	for (int i = 0; i < 4; i++) {
		const uint8_t *nul = off < size ? memchr(data + off, 0, size - off) : NULL;
		size_t n = nul ? (size_t)(nul - (data + off)) : size - off;

		if (off > size)
			n = 0;
		fuzz_write(names[i], data + (off < size ? off : size), off < size ? n : 0);
		off += n + 1;
	}
	opt.source = pkg;
	roster_import(fuzz_db, &opt, &sum, &err);
	/* Whatever happened, no transaction may be left open. */
	if (!sqlite3_get_autocommit(db_handle(fuzz_db)))
		abort();
	if (sqlite3_prepare_v2(db_handle(fuzz_db), "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		abort();
	if (sqlite3_step(st) == SQLITE_ROW) {
		fprintf(stderr, "fuzz_import: foreign key violation in %s\n", sqlite3_column_text(st, 0));
		abort();
	}
	sqlite3_finalize(st);
	return 0;
}
