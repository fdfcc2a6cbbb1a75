/* allocfail: allocation-fault torture for core (issue 14), on the model of
 * curl's torture mode. Each case runs once counting allocations, then once
 * per allocation with that one allocation failing (allocation 1, 2, ... N),
 * each run in a forked child so one crash cannot hide the next. A run must
 * end without a crash (a signal, ASan or UBSan), with either success or a
 * clean error (a status and a sentence), without a leak, and, when it says
 * it succeeded, with the right result in the database.
 *
 * Hooks: the link wraps malloc, calloc, realloc, free, strdup and strndup
 * (-Wl,--wrap=...) for our own code (core/, this file), and SQLite gets the
 * same counter through sqlite3_config(SQLITE_CONFIG_MALLOC). Other
 * libraries (utf8proc, libzip, json-c, glibc's own buffers) are not failed
 * and not counted: a leak there is theirs, and their failures reach us as
 * their documented error returns. Every block a hooked allocation returns
 * is remembered until freed; what is left when a case ends is a leak.
 *
 *   allocfail WORKDIR [CASE...] [--every K] [--offset J]
 *
 * WORKDIR holds what tests/torture/alloc.sh prepared (empty.db, demo.db,
 * the minimal package, settings). --every K fails every K-th allocation
 * only (the shortened run), starting at J. Exit 0 when every run was clean. */
#define _GNU_SOURCE 1   /* dladdr */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "desk/signup.h"
#include "roster/csv.h"
#include "roster/roster.h"
#include "store/config.h"
#include "store/db.h"
#include "sync/sync.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

/* ---- the hook: a counter, the one allocation to fail, the live blocks ---- */

#define LIVE_SLOTS (1u << 20)
#define TOMB ((void *)1)

static int            g_on;        /* counting and tracking */
static unsigned long  g_count;     /* allocations seen since g_on */
static unsigned long  g_fail_at;   /* 0: none */
static unsigned long  g_failed;    /* how many were failed (0 or 1) */
static void          *g_live[LIVE_SLOTS];
static void          *g_site[LIVE_SLOTS];
static unsigned long  g_nlive;
static int            g_trace;     /* ALLOCFAIL_TRACE: print where the failed allocation was */

static size_t slot_of(const void *p)
{
	uintptr_t h = (uintptr_t)p;

	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 12) & (LIVE_SLOTS - 1);
}

static void live_add(void *p, void *site)
{
	size_t i = slot_of(p);

	if (!g_on || !p)
		return;
	for (size_t k = 0; k < LIVE_SLOTS; k++, i = (i + 1) & (LIVE_SLOTS - 1)) {
		if (g_live[i] == NULL || g_live[i] == TOMB) {
			g_live[i] = p;
			g_site[i] = site;
			g_nlive++;
			return;
		}
	}
	fprintf(stderr, "allocfail: too many live blocks\n");
	abort();
}

static void live_del(void *p)
{
	size_t i = slot_of(p);

	if (!p || !g_nlive)
		return;
	for (size_t k = 0; k < LIVE_SLOTS && g_live[i]; k++, i = (i + 1) & (LIVE_SLOTS - 1)) {
		if (g_live[i] == p) {
			g_live[i] = TOMB;
			g_nlive--;
			return;
		}
	}
}

static void live_reset(void)
{
	memset(g_live, 0, sizeof g_live);
	g_nlive = 0;
}

/* 1 when this allocation is the one to fail. */
static int fail_now(void)
{
	if (!g_on)
		return 0;
	g_count++;
	if (g_fail_at && g_count == g_fail_at) {
		g_failed++;
		if (g_trace) {
			void *bt[24];

			backtrace_symbols_fd(bt, backtrace(bt, 24), 2);
		}
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *__wrap_malloc(size_t n)
{
	void *p;

	if (fail_now())
		return NULL;
	p = __real_malloc(n);
	live_add(p, __builtin_return_address(0));
	return p;
}

void *__wrap_calloc(size_t n, size_t m)
{
	void *p;

	if (fail_now())
		return NULL;
	p = __real_calloc(n, m);
	live_add(p, __builtin_return_address(0));
	return p;
}

void *__wrap_realloc(void *p, size_t n)
{
	void *q;

	if (n && fail_now())
		return NULL;
	q = __real_realloc(p, n);
	if (q || !n) {
		live_del(p);
		live_add(q, __builtin_return_address(0));
	}
	return q;
}

void __wrap_free(void *p)
{
	live_del(p);
	__real_free(p);
}

char *__wrap_strdup(const char *s)
{
	char *p;

	if (fail_now())
		return NULL;
	p = __real_strdup(s);
	live_add(p, __builtin_return_address(0));
	return p;
}

char *__wrap_strndup(const char *s, size_t n)
{
	char *p;

	if (fail_now())
		return NULL;
	p = __real_strndup(s, n);
	live_add(p, __builtin_return_address(0));
	return p;
}

/* SQLite's allocations through the same counter: a 16-byte header keeps the
 * size for xSize. */
static void *sq_malloc(int n)
{
	size_t *p;

	if (fail_now())
		return NULL;
	p = __real_malloc((size_t)n + 16);
	if (!p)
		return NULL;
	p[0] = (size_t)n;
	live_add(p, __builtin_return_address(0));
	return (char *)p + 16;
}

static void sq_free(void *v)
{
	if (!v)
		return;
	live_del((char *)v - 16);
	__real_free((char *)v - 16);
}

static void *sq_realloc(void *v, int n)
{
	size_t *p;

	if (!v)
		return sq_malloc(n);
	if (fail_now())
		return NULL;
	p = __real_realloc((char *)v - 16, (size_t)n + 16);
	if (!p)
		return NULL;
	live_del((char *)v - 16);
	p[0] = (size_t)n;
	live_add(p, __builtin_return_address(0));
	return (char *)p + 16;
}

static int sq_size(void *v)
{
	return v ? (int)*(size_t *)((char *)v - 16) : 0;
}

static int sq_roundup(int n)
{
	return (n + 7) & ~7;
}

static int sq_init(void *x)
{
	(void)x;
	return SQLITE_OK;
}

static void sq_shutdown(void *x)
{
	(void)x;
}

static const sqlite3_mem_methods sq_methods = {
	sq_malloc, sq_free, sq_realloc, sq_size, sq_roundup, sq_init, sq_shutdown, NULL
};

/* ---- the cases ---- */

static const char *g_dir;   /* WORKDIR */
static char g_why[600];     /* what went wrong in a run, beyond a crash or leak */

static void at(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", g_dir, name);
}

/* Copies WORKDIR/from to WORKDIR/run.db (no -wal: the templates are
 * checkpointed). Outside the counted part. */
static int copy_db(const char *from, char *out, size_t n)
{
	char src[4200], buf[65536];
	int in, o;
	ssize_t r;

	at(src, sizeof src, from);
	at(out, n, "run.db");
	unlink(out);
	for (const char *suf = "-wal"; suf; suf = strcmp(suf, "-wal") == 0 ? "-shm" : NULL) {
		char side[4300];

		snprintf(side, sizeof side, "%s%s", out, suf);
		unlink(side);
	}
	if ((in = open(src, O_RDONLY)) < 0)
		return -1;
	if ((o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0) {
		close(in);
		return -1;
	}
	while ((r = read(in, buf, sizeof buf)) > 0)
		if (write(o, buf, (size_t)r) != r)
			r = -1;
	close(in);
	close(o);
	return r < 0 ? -1 : 0;
}

/* A count read by a connection of its own, outside the counted part. */
static long long count_of(const char *db, const char *sql)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	long long v = -1;
	int was = g_on;

	g_on = 0;
	if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(s);
	g_on = was;
	return v;
}

/* A failed status must come with a sentence. */
static int clean_error(enum cr_status st, const struct cr_err *err)
{
	if (st != CR_OK && !err->msg[0]) {
		snprintf(g_why, sizeof g_why, "status %s with no message", cr_status_name(st));
		return -1;
	}
	return 0;
}

static int case_config(void)
{
	struct cr_config *cfg = __real_malloc(sizeof *cfg);
	struct cr_err err = { 0 };
	char path[4200];
	enum cr_status st;
	int rc = 0;

	if (!cfg)
		return -1;
	at(path, sizeof path, "cardroll.ini");
	config_defaults(cfg);
	st = config_load(cfg, path, 1, &err);
	rc = clean_error(st, &err);
	if (st == CR_OK && (strcmp(cfg->sync.target, "file") != 0)) {
		snprintf(g_why, sizeof g_why, "settings read as ok but wrong (target '%s')", cfg->sync.target);
		rc = -1;
	}
	__real_free(cfg);
	return rc;
}

static int case_csv(void)
{
	char path[4200];
	struct csv_reader *r;
	struct csv_record rec;
	enum csv_result res;
	long rows = 0;
	int fd, rc = 0;

	at(path, sizeof path, "pkg/users.csv");
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	r = csv_open_fd(fd, "users.csv", 1 << 20);
	if (!r) {
		close(fd);
		return 0;   /* refused to open: a clean failure */
	}
	while ((res = csv_next(r, &rec)) == CSV_RECORD)
		rows++;
	if (res != CSV_EOF && !csv_error(r)[0]) {
		snprintf(g_why, sizeof g_why, "csv stopped (%d) with no message", (int)res);
		rc = -1;
	}
	if (res == CSV_EOF && rows != atol(getenv("ALLOCFAIL_ROWS"))) {
		snprintf(g_why, sizeof g_why, "csv read %ld records to the end, not %s", rows, getenv("ALLOCFAIL_ROWS"));
		rc = -1;
	}
	csv_close(r);
	close(fd);
	return rc;
}

static int case_import(void)
{
	char db[4200], src[4200];
	struct cr_db *d = NULL;
	struct cr_err err = { 0 };
	struct roster_summary sum;
	struct roster_options opt = { 0 };
	enum cr_status st;
	int rc;

	if (copy_db("empty.db", db, sizeof db) != 0)
		return -1;
	at(src, sizeof src, "pkg");
	opt.source = src;
	st = db_open(db, 0, &d, &err);
	if ((rc = clean_error(st, &err)) != 0 || st != CR_OK)
		return rc;
	memset(&sum, 0, sizeof sum);
	st = roster_import(d, &opt, &sum, &err);
	rc = clean_error(st, &err);
	db_close(d);
	if (st == CR_OK) {
		long long want = atoll(getenv("ALLOCFAIL_STUDENTS"));
		long long have = count_of(db, "SELECT count(*) FROM student");

		if (have != want) {
			snprintf(g_why, sizeof g_why, "import said ok with %lld students of %lld", have, want);
			rc = -1;
		}
	} else if (count_of(db, "SELECT count(*) FROM student") > 0) {
		snprintf(g_why, sizeof g_why, "a failed import (%s) left students behind", err.msg);
		rc = -1;
	}
	return rc;
}

static int case_signup(void)
{
	char db[4200];
	struct cr_db *d = NULL;
	struct cr_err err = { 0 };
	struct cr_config cfg;
	struct signup_request rq = { 0 };
	struct signup_result res;
	enum cr_status st;
	long long student = 0;
	int n = 0, rc;

	if (copy_db("demo.db", db, sizeof db) != 0)
		return -1;
	config_defaults(&cfg);
	st = db_open(db, 0, &d, &err);
	if ((rc = clean_error(st, &err)) != 0 || st != CR_OK)
		return rc;
	st = signup_find_student(d, getenv("ALLOCFAIL_CHILD"), &student, &n, &err);
	if ((rc = clean_error(st, &err)) != 0 || st != CR_OK) {
		db_close(d);
		return rc;
	}
	rq.student = student;
	rq.staff = 1;
	rq.desk = "Torture";
	memset(&res, 0, sizeof res);
	st = signup_issue(d, &cfg.programme, &rq, &res, &err);
	rc = clean_error(st, &err);
	db_close(d);
	if (rc)
		return rc;
	{
		long long cards = count_of(db, "SELECT count(*) FROM card");
		long long outbox = count_of(db, "SELECT count(*) FROM outbox");

		if (st == CR_OK && (res.outcome != SIGNUP_ISSUED || cards != 1 || outbox != 1)) {
			snprintf(g_why, sizeof g_why, "signup said ok: outcome %d (%s), %lld cards, %lld outbox rows",
				 (int)res.outcome, res.reason, cards, outbox);
			return -1;
		}
		if (st != CR_OK && (cards != 0 || outbox != 0)) {
			snprintf(g_why, sizeof g_why, "a failed signup left %lld cards, %lld outbox rows", cards, outbox);
			return -1;
		}
	}
	return 0;
}

static int case_sync(void)
{
	char db[4200], ini[4200];
	struct cr_db *d = NULL;
	struct cr_err err = { 0 };
	struct cr_config *cfg = __real_malloc(sizeof *cfg);
	struct sync_summary sum;
	enum cr_status st;
	int rc, was = g_on;

	if (!cfg || copy_db("issued.db", db, sizeof db) != 0) {
		__real_free(cfg);
		return -1;
	}
	g_on = 0;   /* the settings are case_config's; here the sync */
	at(ini, sizeof ini, "cardroll.ini");
	config_defaults(cfg);
	st = config_load(cfg, ini, 1, &err);
	g_on = was;
	if (st != CR_OK) {
		__real_free(cfg);
		return -1;
	}
	st = db_open(db, 0, &d, &err);
	if ((rc = clean_error(st, &err)) != 0 || st != CR_OK) {
		__real_free(cfg);
		return rc;
	}
	memset(&sum, 0, sizeof sum);
	st = sync_run(d, &cfg->sync, 0, &sum, &err);
	rc = clean_error(st, &err);
	if (rc == 0 && st != CR_OK) {
		/* A failed run is a crash to the outbox: the next run, with memory
		 * to spare, must send everything, parking nothing. */
		g_fail_at = 0;
		memset(&sum, 0, sizeof sum);
		memset(&err, 0, sizeof err);
		st = sync_run(d, &cfg->sync, 0, &sum, &err);
		if (st != CR_OK) {
			snprintf(g_why, sizeof g_why, "the sync after the fault failed too: %s", err.msg);
			rc = -1;
		}
	}
	db_close(d);
	__real_free(cfg);
	if (rc)
		return rc;
	{
		long long total = count_of(db, "SELECT count(*) FROM outbox");
		long long done = count_of(db, "SELECT count(*) FROM outbox WHERE state = 'done'");

		if (done != total) {
			snprintf(g_why, sizeof g_why, "%lld of %lld outbox rows done after the fault and one more sync",
				 done, total);
			return -1;
		}
	}
	return 0;
}

static int case_open(void)
{
	char db[4200];
	struct cr_db *d = NULL;
	struct cr_err err = { 0 };
	enum cr_status st;
	int rc;

	at(db, sizeof db, "run.db");
	unlink(db);
	st = db_open(db, 0, &d, &err);
	rc = clean_error(st, &err);
	db_close(d);
	if (st == CR_OK && count_of(db, "PRAGMA user_version") != db_schema_latest()) {
		snprintf(g_why, sizeof g_why, "opened at schema %lld, not %d", count_of(db, "PRAGMA user_version"),
			 db_schema_latest());
		return -1;
	}
	return rc;
}

struct tcase {
	const char *name;
	int (*run)(void);
};

static const struct tcase cases[] = {
	{ "config", case_config },
	{ "csv", case_csv },
	{ "open", case_open },
	{ "import", case_import },
	{ "signup", case_signup },
	{ "sync", case_sync },
};

/* ---- the driver ---- */

static void print_site(void *site)
{
	Dl_info info;

	if (dladdr(site, &info) && info.dli_fname)
		fprintf(stderr, "      allocated at %s+0x%lx\n", info.dli_fname,
			(unsigned long)((uintptr_t)site - (uintptr_t)info.dli_fbase));
	else
		fprintf(stderr, "      allocated at %p\n", site);
}

/* Runs c in a child with allocation k failing (0: none); 0 clean, 1 bad. *count
 * gets the allocations the child saw (when k == 0). */
static int one_run(const struct tcase *c, unsigned long k, unsigned long *count)
{
	int fds[2], status;
	pid_t pid;
	unsigned long seen = 0;

	if (pipe(fds) != 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		int rc;

		close(fds[0]);
		live_reset();
		g_count = 0;
		g_failed = 0;
		g_fail_at = k;
		g_why[0] = 0;
		g_on = 1;
		rc = c->run();
		g_on = 0;
		if (write(fds[1], &g_count, sizeof g_count) != (ssize_t)sizeof g_count)
			_exit(9);
		if (rc != 0) {
			fprintf(stderr, "  %s, allocation %lu failing: %s\n", c->name, k,
				g_why[0] ? g_why : "the case could not run");
			_exit(2);
		}
		if (g_nlive) {
			int shown = 0;

			fprintf(stderr, "  %s, allocation %lu failing: %lu blocks leaked\n", c->name, k, g_nlive);
			for (size_t i = 0; i < LIVE_SLOTS && shown < 5; i++)
				if (g_live[i] && g_live[i] != TOMB) {
					print_site(g_site[i]);
					shown++;
				}
			_exit(3);
		}
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &seen, sizeof seen) != (ssize_t)sizeof seen)
		seen = 0;
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (count)
		*count = seen;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "  %s, allocation %lu failing: CRASH (signal %d)\n", c->name, k, WTERMSIG(status));
		return 1;
	}
	return WEXITSTATUS(status) != 0;
}

int main(int argc, char **argv)
{
	unsigned long every = 1, offset = 1;
	const char *only[16];
	int nonly = 0, bad_total = 0;
	unsigned long runs_total = 0, faults_total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: allocfail WORKDIR [CASE...] [--every K] [--offset J]\n");
		return 64;
	}
	g_dir = argv[1];
	g_trace = getenv("ALLOCFAIL_TRACE") != NULL;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--every") == 0 && i + 1 < argc)
			every = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--offset") == 0 && i + 1 < argc)
			offset = strtoul(argv[++i], NULL, 10);
		else if (nonly < 16)
			only[nonly++] = argv[i];
	}
	if (every < 1)
		every = 1;
	if (offset < 1)
		offset = 1;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &sq_methods) != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0) != SQLITE_OK || sqlite3_initialize() != SQLITE_OK) {
		fprintf(stderr, "allocfail: cannot hook SQLite's allocator\n");
		return 70;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
		const struct tcase *c = &cases[ci];
		unsigned long n = 0, runs = 0, bad = 0;
		int want = nonly == 0;

		for (int i = 0; i < nonly; i++)
			want |= strcmp(only[i], c->name) == 0;
		if (!want)
			continue;
		/* Warm up in this process (lazy globals of the libraries), then count. */
		g_on = 0;
		(void)c->run();
		if (one_run(c, 0, &n) != 0) {
			fprintf(stderr, "allocfail: %s fails with no fault injected\n", c->name);
			bad_total++;
			continue;
		}
		for (unsigned long k = offset; k <= n; k += every) {
			runs++;
			bad += (unsigned long)one_run(c, k, NULL);
		}
		printf("alloc %-7s %6lu allocations, %6lu runs each failing one, %lu bad\n", c->name, n, runs, bad);
		fflush(stdout);
		runs_total += runs + 1;
		faults_total += runs;
		bad_total += bad > 0;
	}
	printf("alloc: %lu runs, %lu allocation faults injected, %d cases with a problem\n", runs_total,
	       faults_total, bad_total);
	return bad_total ? 1 : 0;
}
