/* find_bench: the desk's type-ahead latency at district scale. Builds N
 * queries from real students in an imported database (name prefixes as a
 * person types them, two-word prefixes, exact student IDs) with a fixed seed,
 * times each search_find() in-process, and for contrast times a LIKE scan of
 * student.name_fold (what search would cost without the FTS5 index).
 *
 * Build: cc -O2 -std=c11 -D_DEFAULT_SOURCE -Icore bench/find_bench.c \
 *          build/libcardroll.a $(pkg-config --libs sqlite3 libutf8proc libzip inih) -lm
 * Run:   find_bench [--queries N] [--seed S] [--limit L] [--like N] [--slowest N] DB */
#include <math.h>
#include <sys/resource.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db.h"
#include "desk/search.h"
#include "text/text.h"

#define FIND_BENCH_BUDGET_MS 5.0

enum find_bench_kind { FB_GIVEN, FB_FAMILY, FB_TWO_WORDS, FB_NUMBER, FB_KINDS };

static const char *const find_bench_kind_name[FB_KINDS] = {
	"given-prefix", "family-prefix", "two-words", "student-id",
};

struct find_bench_query {
	char text[160];
	enum find_bench_kind kind;
	double ms;       /* wall clock */
	double cpu_ms;   /* this thread's CPU time: the work without preemption */
	int hits;
};

struct find_bench_opts {
	const char *db_path;
	long queries;
	uint64_t seed;
	int limit;
	int like;
	int slowest;
};

/* splitmix64: small, fixed-seed, the same sequence on every machine. */
static uint64_t find_bench_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static long find_bench_below(uint64_t *state, long n)
{
	return (long)(find_bench_rand(state) % (uint64_t)n);
}

static double find_bench_clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double find_bench_now_ms(void)
{
	return find_bench_clock_ms(CLOCK_MONOTONIC);
}

/* Bytes of the first n characters of UTF-8 s (whole s when shorter). */
static size_t find_bench_chars(const char *s, int n)
{
	size_t i = 0;

	while (s[i] && n > 0) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		n--;
	}
	return i;
}

/* Appends a 1-6 character prefix of name to out, as a person types it:
 * trailing blanks dropped. */
static void find_bench_prefix(char *out, size_t cap, const char *name, uint64_t *rng)
{
	int letters = 1 + (int)find_bench_below(rng, 6);
	size_t n = find_bench_chars(name, letters), len = strlen(out);

	while (n > 0 && name[n - 1] == ' ')
		n--;
	if (len + n + 2 > cap)
		return;
	if (len > 0)
		out[len++] = ' ';
	memcpy(out + len, name, n);
	out[len + n] = '\0';
}

/* One student picked at random; 0 when none could be read. */
static int find_bench_student(sqlite3 *h, sqlite3_stmt *st, long long lo, long long hi,
			      uint64_t *rng, char *given, char *family, char *number, size_t cap)
{
	for (int tries = 0; tries < 100; tries++) {
		long long id = lo + (long long)(find_bench_rand(rng) % (uint64_t)(hi - lo + 1));
		int found = 0;

		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(given, cap, "%s", (const char *)sqlite3_column_text(st, 0));
			snprintf(family, cap, "%s", (const char *)sqlite3_column_text(st, 1));
			snprintf(number, cap, "%s", sqlite3_column_type(st, 2) == SQLITE_NULL ? ""
				 : (const char *)sqlite3_column_text(st, 2));
			found = 1;
		}
		sqlite3_reset(st);
		if (found)
			return 1;
	}
	fprintf(stderr, "find_bench: no students found: %s\n", sqlite3_errmsg(h));
	return 0;
}

/* Fills q[0..n) from real students: 35% given-name prefix, 30% family-name
 * prefix, 25% both (given first 4 times in 5), 10% exact student ID. */
static int find_bench_build(struct cr_db *db, struct find_bench_query *q, long n, uint64_t seed)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *range = NULL, *pick = NULL;
	long long lo = 0, hi = 0;
	uint64_t rng = seed;
	char given[128], family[128], number[128];
	int ok = 0;

	if (sqlite3_prepare_v2(h, "SELECT min(id), max(id) FROM student", -1, &range, NULL) != SQLITE_OK
	    || sqlite3_step(range) != SQLITE_ROW || sqlite3_column_type(range, 0) == SQLITE_NULL) {
		fprintf(stderr, "find_bench: the database has no students\n");
		goto out;
	}
	lo = sqlite3_column_int64(range, 0);
	hi = sqlite3_column_int64(range, 1);
	if (sqlite3_prepare_v2(h, "SELECT given_name, family_name, student_number FROM student "
			       "WHERE id = ?1", -1, &pick, NULL) != SQLITE_OK) {
		fprintf(stderr, "find_bench: %s\n", sqlite3_errmsg(h));
		goto out;
	}
	for (long i = 0; i < n; i++) {
		long r = find_bench_below(&rng, 100);

		if (!find_bench_student(h, pick, lo, hi, &rng, given, family, number, sizeof given))
			goto out;
		q[i].text[0] = '\0';
		if (r < 10 && number[0]) {
			q[i].kind = FB_NUMBER;
			snprintf(q[i].text, sizeof q[i].text, "%s", number);
		} else if (r < 35) {
			q[i].kind = FB_TWO_WORDS;
			if (find_bench_below(&rng, 5) < 4) {
				find_bench_prefix(q[i].text, sizeof q[i].text, given, &rng);
				find_bench_prefix(q[i].text, sizeof q[i].text, family, &rng);
			} else {
				find_bench_prefix(q[i].text, sizeof q[i].text, family, &rng);
				find_bench_prefix(q[i].text, sizeof q[i].text, given, &rng);
			}
		} else if (r < 70) {
			q[i].kind = FB_GIVEN;
			find_bench_prefix(q[i].text, sizeof q[i].text, given, &rng);
		} else {
			q[i].kind = FB_FAMILY;
			find_bench_prefix(q[i].text, sizeof q[i].text, family, &rng);
		}
	}
	ok = 1;
out:
	sqlite3_finalize(range);
	sqlite3_finalize(pick);
	return ok;
}

/* Uses every hit the way the desk would (reads each string). */
static int find_bench_on_hit(const struct search_hit *hit, void *ctx)
{
	size_t *bytes = ctx;

	*bytes += strlen(hit->given_name) + strlen(hit->family_name) + strlen(hit->school)
		+ strlen(hit->student_number) + strlen(hit->status);
	return 0;
}

static int find_bench_one(struct cr_db *db, struct find_bench_query *q, int limit, size_t *bytes)
{
	struct cr_err err = {0};
	double c0 = find_bench_clock_ms(CLOCK_THREAD_CPUTIME_ID), t0 = find_bench_now_ms();
	enum cr_status st = search_find(db, q->text, limit, find_bench_on_hit, bytes, &q->hits, &err);

	q->ms = find_bench_now_ms() - t0;
	q->cpu_ms = find_bench_clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
	if (st != CR_OK) {
		fprintf(stderr, "find_bench: \"%s\": %s\n", q->text, err.msg);
		return 0;
	}
	return 1;
}

static int find_bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int find_bench_cmp_slowest(const void *a, const void *b)
{
	const struct find_bench_query *x = a, *y = b;

	return (x->ms < y->ms) - (x->ms > y->ms);
}

static int find_bench_cmp_cpu(const void *a, const void *b)
{
	const struct find_bench_query *x = a, *y = b;

	return (x->cpu_ms < y->cpu_ms) - (x->cpu_ms > y->cpu_ms);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double find_bench_pct(const double *v, long n, double p)
{
	long k = (long)ceil(p / 100.0 * (double)n);

	if (k < 1)
		k = 1;
	return v[k - 1];
}

static void find_bench_report(const char *label, struct find_bench_query *q, long n,
			      enum find_bench_kind only)
{
	double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v), sum = 0;
	double *c = malloc((size_t)(n > 0 ? n : 1) * sizeof *c);
	long m = 0, over = 0, zero = 0;

	if (!v || !c) {
		free(v);
		free(c);
		return;
	}
	for (long i = 0; i < n; i++) {
		if (only != FB_KINDS && q[i].kind != only)
			continue;
		c[m] = q[i].cpu_ms;
		v[m++] = q[i].ms;
		sum += q[i].ms;
		over += q[i].ms > FIND_BENCH_BUDGET_MS;
		zero += q[i].hits == 0;
	}
	if (m > 0) {
		qsort(v, (size_t)m, sizeof *v, find_bench_cmp_double);
		qsort(c, (size_t)m, sizeof *c, find_bench_cmp_double);
		printf("%-14s n=%-6ld p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_ms=%.3f "
		       "over_5ms=%ld zero_hits=%ld cpu_p99_ms=%.3f cpu_max_ms=%.3f\n", label, m,
		       find_bench_pct(v, m, 50), find_bench_pct(v, m, 90), find_bench_pct(v, m, 99),
		       v[m - 1], sum / (double)m, over, zero, find_bench_pct(c, m, 99), c[m - 1]);
	}
	free(v);
	free(c);
}

/* The same prefixes through a LIKE scan of name_fold: no index can serve it. */
static void find_bench_like(struct cr_db *db, struct find_bench_query *q, long n, int want,
			    int limit)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *st = NULL;
	double like_sum = 0, fts_sum = 0, like_max = 0, like_min = 1e12;
	int done = 0;

	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM student WHERE name_fold LIKE ?1",
			       -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "find_bench: %s\n", sqlite3_errmsg(h));
		return;
	}
	for (long i = 0; i < n && done < want; i++) {
		struct find_bench_query again;
		char *folded, pattern[200];
		size_t bytes = 0, w;
		double t0, ms;
		long long count = 0;

		if (q[i].kind == FB_NUMBER || q[i].kind == FB_TWO_WORDS)
			continue;
		if (!(folded = text_fold(q[i].text)))
			continue;
		w = strcspn(folded, " ");
		snprintf(pattern, sizeof pattern, "%.*s%%", (int)w, folded);
		free(folded);
		if (w == 0)
			continue;
		t0 = find_bench_now_ms();
		sqlite3_bind_text(st, 1, pattern, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			count = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		ms = find_bench_now_ms() - t0;
		like_sum += ms;
		like_max = ms > like_max ? ms : like_max;
		like_min = ms < like_min ? ms : like_min;
		again = q[i];
		find_bench_one(db, &again, limit, &bytes);
		fts_sum += again.ms;
		printf("like: %-12s %8.2f ms (%lld rows) | search_find \"%s\" %.3f ms (%d hits)\n",
		       pattern, ms, count, again.text, again.ms, again.hits);
		done++;
	}
	sqlite3_finalize(st);
	if (done > 0)
		printf("like_scan      n=%-6d mean_ms=%.2f min_ms=%.2f max_ms=%.2f | search_find "
		       "same queries mean_ms=%.3f | scan/index=%.0fx\n", done, like_sum / done,
		       like_min, like_max, fts_sum / done,
		       fts_sum > 0 ? like_sum / fts_sum : 0.0);
}

static int find_bench_args(int argc, char **argv, struct find_bench_opts *o)
{
	*o = (struct find_bench_opts){ .queries = 10000, .seed = 20251128, .limit = 20,
				       .like = 20, .slowest = 10 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--queries") == 0 && v)
			o->queries = strtol(v, NULL, 10), i++;
		else if (strcmp(a, "--seed") == 0 && v)
			o->seed = strtoull(v, NULL, 10), i++;
		else if (strcmp(a, "--limit") == 0 && v)
			o->limit = atoi(v), i++;
		else if (strcmp(a, "--like") == 0 && v)
			o->like = atoi(v), i++;
		else if (strcmp(a, "--slowest") == 0 && v)
			o->slowest = atoi(v), i++;
		else if (a[0] != '-' && !o->db_path)
			o->db_path = a;
		else
			return 0;
	}
	return o->db_path && o->queries > 0 && o->limit > 0;
}

int main(int argc, char **argv)
{
	struct find_bench_opts o;
	struct find_bench_query *q;
	struct cr_db *db = NULL;
	struct cr_err err = {0};
	size_t bytes = 0;
	long students = 0, failed = 0;
	double t0, total, load[3] = {0};
	struct rusage ru0, ru1;
	sqlite3_stmt *st;

	if (!find_bench_args(argc, argv, &o)) {
		fprintf(stderr, "usage: find_bench [--queries N] [--seed S] [--limit L] [--like N] "
			"[--slowest N] DB\n");
		return 64;
	}
	if (db_open(o.db_path, DB_READONLY, &db, &err) != CR_OK) {
		fprintf(stderr, "find_bench: %s\n", err.msg);
		return 66;
	}
	if (sqlite3_prepare_v2(db_handle(db), "SELECT count(*) FROM student", -1, &st, NULL) == SQLITE_OK
	    && sqlite3_step(st) == SQLITE_ROW)
		students = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	q = calloc((size_t)o.queries, sizeof *q);
	if (!q || !find_bench_build(db, q, o.queries, o.seed)) {
		db_close(db);
		free(q);
		return 70;
	}
	printf("find_bench: db=%s students=%ld queries=%ld seed=%llu limit=%d sqlite=%s\n",
	       o.db_path, students, o.queries, (unsigned long long)o.seed, o.limit,
	       sqlite3_libversion());

	getrusage(RUSAGE_SELF, &ru0);
	t0 = find_bench_now_ms();
	for (long i = 0; i < o.queries; i++)
		failed += !find_bench_one(db, &q[i], o.limit, &bytes);
	total = find_bench_now_ms() - t0;
	getrusage(RUSAGE_SELF, &ru1);

	printf("first query: \"%s\" %.3f ms (cold statement cache and SQLite page cache)\n",
	       q[0].text, q[0].ms);
	find_bench_report("all", q, o.queries, FB_KINDS);
	for (int k = 0; k < FB_KINDS; k++)
		find_bench_report(find_bench_kind_name[k], q, o.queries, (enum find_bench_kind)k);
	if (getloadavg(load, 3) < 0)
		load[0] = -1;
	printf("total_s=%.3f failed=%ld involuntary_context_switches=%ld load_1min=%.2f "
	       "(cpu_* is this thread's CPU time: a wall time far above it was preemption)\n",
	       total / 1e3, failed, ru1.ru_nivcsw - ru0.ru_nivcsw, load[0]);

	find_bench_like(db, q, o.queries, o.like, o.limit);

	qsort(q, (size_t)o.queries, sizeof *q, find_bench_cmp_slowest);
	for (int i = 0; i < o.slowest && i < o.queries; i++)
		printf("slowest: %8.3f ms (cpu %6.3f)  %-13s %3d hits  \"%s\"\n", q[i].ms,
		       q[i].cpu_ms, find_bench_kind_name[q[i].kind], q[i].hits, q[i].text);
	/* The work itself, whatever the machine's load: the most CPU. */
	qsort(q, (size_t)o.queries, sizeof *q, find_bench_cmp_cpu);
	for (int i = 0; i < o.slowest && i < o.queries; i++)
		printf("most cpu: %8.3f ms (wall %8.3f)  %-13s %3d hits  \"%s\"\n", q[i].cpu_ms,
		       q[i].ms, find_bench_kind_name[q[i].kind], q[i].hits, q[i].text);
	free(q);
	db_close(db);
	return failed ? 70 : 0;
}
