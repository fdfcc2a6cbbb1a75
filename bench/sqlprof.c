/* sqlprof: where an import's time goes, per SQL statement, without touching
 * the program. An LD_PRELOAD shim that registers an SQLITE_TRACE_PROFILE
 * callback on every connection and, at exit, prints the statements by total
 * time (count, total, mean) to stderr or to $SQLPROF_OUT.
 *
 * Build: cc -O2 -shared -fPIC -D_GNU_SOURCE bench/sqlprof.c -o sqlprof.so -ldl
 * Run:   LD_PRELOAD=./sqlprof.so build/cardroll --db X.db import --quiet DIR
 * Only for a dynamically linked libsqlite3 (the Debian build of cardroll). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#define SQLPROF_MAX 1024

struct sqlprof_entry {
	char *sql;
	unsigned long long calls;
	unsigned long long ns;
};

static struct sqlprof_entry sqlprof_tab[SQLPROF_MAX];
static int sqlprof_n;

static int sqlprof_on_profile(unsigned type, void *ctx, void *p, void *x)
{
	const char *sql = sqlite3_sql((sqlite3_stmt *)p);
	unsigned long long ns = (unsigned long long)*(sqlite3_int64 *)x;
	int i;

	(void)type;
	(void)ctx;
	if (!sql)
		sql = "(no text)";
	for (i = 0; i < sqlprof_n; i++)
		if (strcmp(sqlprof_tab[i].sql, sql) == 0)
			break;
	if (i == sqlprof_n) {
		if (sqlprof_n == SQLPROF_MAX)
			return 0;
		sqlprof_tab[i].sql = strdup(sql);
		if (!sqlprof_tab[i].sql)
			return 0;
		sqlprof_n++;
	}
	sqlprof_tab[i].calls++;
	sqlprof_tab[i].ns += ns;
	return 0;
}

int sqlite3_open_v2(const char *path, sqlite3 **db, int flags, const char *vfs)
{
	static int (*real_open)(const char *, sqlite3 **, int, const char *);
	int rc;

	if (!real_open)
		*(void **)&real_open = dlsym(RTLD_NEXT, "sqlite3_open_v2");
	rc = real_open(path, db, flags, vfs);
	if (rc == SQLITE_OK && *db)
		sqlite3_trace_v2(*db, SQLITE_TRACE_PROFILE, sqlprof_on_profile, NULL);
	return rc;
}

static int sqlprof_cmp(const void *a, const void *b)
{
	const struct sqlprof_entry *x = a, *y = b;

	return (x->ns < y->ns) - (x->ns > y->ns);
}

__attribute__((destructor)) static void sqlprof_report(void)
{
	const char *path = getenv("SQLPROF_OUT");
	FILE *f;
	unsigned long long total = 0;

	/* Every process the preload reaches runs this; only the one that used
	 * SQLite reports (so `time cardroll` does not overwrite SQLPROF_OUT). */
	if (sqlprof_n == 0)
		return;
	f = path ? fopen(path, "w") : stderr;
	if (!f)
		f = stderr;
	qsort(sqlprof_tab, (size_t)sqlprof_n, sizeof *sqlprof_tab, sqlprof_cmp);
	for (int i = 0; i < sqlprof_n; i++)
		total += sqlprof_tab[i].ns;
	fprintf(f, "sqlprof: %d statements, %.3f s in SQLite (statement run time, may nest)\n",
		sqlprof_n, (double)total / 1e9);
	for (int i = 0; i < sqlprof_n && i < 25; i++) {
		char one[161];
		size_t k;

		snprintf(one, sizeof one, "%s", sqlprof_tab[i].sql);
		for (k = 0; one[k]; k++)
			if (one[k] == '\n' || one[k] == '\t')
				one[k] = ' ';
		fprintf(f, "%9.3f s %8llu x %9.1f us  %s\n", (double)sqlprof_tab[i].ns / 1e9,
			sqlprof_tab[i].calls, (double)sqlprof_tab[i].ns / 1e3 / (double)sqlprof_tab[i].calls,
			one);
	}
	if (f != stderr)
		fclose(f);
}
