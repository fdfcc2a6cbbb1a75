/* fuzz_db: a scratch folder and database for the fuzz targets that import
 * (fuzz_manifest.c, fuzz_plain.c, fuzz_scan.c): made once per fuzzer
 * process under /tmp (0700), removed whole at exit. Include from one fuzz
 * target only (the functions are static). */
#ifndef CR_FUZZ_DB_H
#define CR_FUZZ_DB_H

#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "roster/roster.h"
#include "store/db.h"

#define FD_CHECK(cond) do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static char fd_dir[64];
static struct cr_db *fd_db;

static inline int fd_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void fd_cleanup(void)
{
	db_close(fd_db);
	fd_db = NULL;
	if (fd_dir[0])
		nftw(fd_dir, fd_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/rel for a file of the scratch folder (a static buffer of 4). */
static inline const char *fd_at(const char *rel)
{
	static char paths[4][256];
	static int turn;
	char *p = paths[turn++ % 4];

	snprintf(p, 256, "%s/%s", fd_dir, rel);
	return p;
}

static inline void fd_setup(const char *name)
{
	struct cr_err err = { 0 };

	if (fd_db)
		return;
	snprintf(fd_dir, sizeof fd_dir, "/tmp/cardroll-%s-XXXXXX", name);
	FD_CHECK(mkdtemp(fd_dir) != NULL);
	atexit(fd_cleanup);
	if (db_open(fd_at("fuzz.db"), 0, &fd_db, &err) != CR_OK) {
		fprintf(stderr, "%s: %s\n", name, err.msg);
		abort();
	}
	db_exec(fd_db, "PRAGMA synchronous = OFF", NULL);
}

static inline void fd_write(const char *rel, const void *p, size_t n)
{
	int fd = open(fd_at(rel), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	FD_CHECK(fd >= 0);
	FD_CHECK(n == 0 || write(fd, p, n) == (ssize_t)n);
	close(fd);
}

static inline void fd_put(const char *rel, const char *text)
{
	fd_write(rel, text, strlen(text));
}

/* No transaction left open, the foreign keys hold. */
static inline void fd_check_db(void)
{
	sqlite3_stmt *q;

	FD_CHECK(sqlite3_get_autocommit(db_handle(fd_db)));
	FD_CHECK(sqlite3_prepare_v2(db_handle(fd_db), "PRAGMA foreign_key_check", -1, &q, NULL) == SQLITE_OK);
	FD_CHECK(sqlite3_step(q) != SQLITE_ROW);
	sqlite3_finalize(q);
}

/* A small good district (OneRoster 1.1 CSV) in dir/rel, manifest aside. */
static inline void fd_put_district(const char *rel)
{
	char path[200];

	mkdir(fd_at(rel), 0700);
	snprintf(path, sizeof path, "%s/orgs.csv", rel);
	fd_put(path, "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
	       "d-1,,,Lakeview District,district,,\n"
	       "s-1,,,North Elementary,school,N01,d-1\n");
	snprintf(path, sizeof path, "%s/classes.csv", rel);
	fd_put(path, "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
	       "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
	       "c-1,,,Room 3A,03,,3A,homeroom,,s-1,,,,\n");
	snprintf(path, sizeof path, "%s/users.csv", rel);
	fd_put(path, "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
	       "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n"
	       "u-1,,,true,s-1,student,,,Ana,García,,5001,,,,,03,\n"
	       "u-2,,,true,s-1,student,,,Ben,Okafor,,5002,,,,,03,\n"
	       "u-3,,,true,s-1,student,,,Chloé,Dubois,,77,,,,,03,\n");
	snprintf(path, sizeof path, "%s/enrollments.csv", rel);
	fd_put(path, "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
	       "primary,beginDate,endDate\n"
	       "e-1,,,c-1,s-1,u-1,student,false,,\n"
	       "e-2,,,c-1,s-1,u-2,student,false,,\n");
}

#endif
