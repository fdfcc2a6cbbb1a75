/* Unit tests for the webhook and file sync targets and text/jsonc, called
 * directly (no engine, no database) with hand-made sync_items: the webhook
 * against tests/sync/webhookd.py on a free loopback port (skipped when
 * python3 or the script is missing), the file target in a temp folder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include "testutil.h"
#include "text/jsonc.h"
#include "sync/sync.h"

#define WEBHOOKD "tests/sync/webhookd.py"
#define WH (sync_target_find("webhook"))

/* Roster text that breaks naive writers. */
static const char NASTY_FAMILY[] = "O'Brien, \"Junior\"\nback\\slash \x01 Jos\xC3\xA9 \xE2\x80\xA8 end";
static const char NASTY_GIVEN[] = "=HYPERLINK(\"http://x\")";
/* NASTY_FAMILY in a CSV file: the line break folded to a space (both
 * loaders read a line at a time) */
static const char NASTY_FAMILY_CSV[] = "O'Brien, \"Junior\" back\\slash \x01 Jos\xC3\xA9 \xE2\x80\xA8 end";

static struct sync_item item(const char *uuid, const char *kind, const char *stu, long long outbox_id)
{
	struct sync_item it = {
		.outbox_id = outbox_id, .event_id = outbox_id, .uuid = uuid, .kind = kind, .student_id = outbox_id,
		.student_number = stu, .given = "Ana", .family = "Lopez", .birth_date = "2015-03-04",
		.grade = "04", .school = "Lincoln Elementary", .card = "21234000000015", .expires = "2030-06-30",
		.category = "JUV", .consent = "", .remote_id = "",
	};
	return it;
}

static char *slurp(const char *path, size_t *n)
{
	char *p;

	*n = 0;
	p = tu_slurp(path, n);
	if (p) {  /* tu_slurp leaves room but no NUL */
		char *q = realloc(p, *n + 1);

		if (!q)
			abort();
		p = q;
		p[*n] = '\0';
	}
	return p;
}

/* ---- json ------------------------------------------------------------ */

static void test_json_writer_escapes(void **st)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	size_t n;

	(void)st;
	assert_int_equal(jsonc_add_str(o, "s", "a\"b\\c\n\x01\x1f\x7f" "\xC3\xA9\xE2\x80\xA8"), 0);
	assert_int_equal(jsonc_add_str_nonempty(o, "empty", ""), 0);
	assert_int_equal(jsonc_push(a, json_object_new_int(-12)), 0);
	assert_int_equal(jsonc_push(a, json_object_new_boolean(1)), 0);
	assert_int_equal(json_object_array_add(a, NULL), 0);
	assert_int_equal(jsonc_push(a, json_object_new_object()), 0);
	assert_int_equal(jsonc_add(o, "a", a), 0);
	assert_int_equal(jsonc_add_str(o, "slash", "a/b"), 0);
	char *s = jsonc_take(o, &n);

	assert_non_null(s);
	assert_string_equal(s, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u001f\\u007f\xC3\xA9\\u2028\",\"a\":[-12,true,null,{}],"
			    "\"slash\":\"a/b\"}");
	assert_int_equal(n, strlen(s));
	struct json_object *v = jsonc_parse(s, n, NULL, 0);

	assert_non_null(v);
	assert_string_equal(jsonc_get_str(v, "s"), "a\"b\\c\n\x01\x1f\x7f" "\xC3\xA9\xE2\x80\xA8");
	assert_int_equal(jsonc_len(jsonc_get(v, "a")), 4);
	assert_true(jsonc_get_num(v, "missing", 7) == 7);
	double d = 0;

	assert_true(jsonc_num(jsonc_at(jsonc_get(v, "a"), 0), &d) && d == -12);
	json_object_put(v);
	free(s);
}

static void test_json_reader_tolerant_and_bounded(void **st)
{
	char err[80];
	const char *ok = "\xEF\xBB\xBF { \"a\" : [1, 2.5e1, \"\\ud83d\\ude00\\u00e9\\/\"], \"b\": false, } ";
	struct json_object *v = jsonc_parse(ok, strlen(ok), err, sizeof(err));
	double d = 0;

	(void)st;
	assert_non_null(v);
	assert_true(jsonc_num(jsonc_at(jsonc_get(v, "a"), 1), &d) && d == 25);
	assert_string_equal(jsonc_str(jsonc_at(jsonc_get(v, "a"), 2)), "\xF0\x9F\x98\x80\xC3\xA9/");
	assert_true(jsonc_is(jsonc_get(v, "b"), json_type_boolean));
	assert_int_equal(json_object_get_boolean(jsonc_get(v, "b")), 0);
	assert_null(jsonc_get_str(v, "missing"));
	assert_null(jsonc_get_str(v, "a"));        /* not a string */
	assert_int_equal(jsonc_len(jsonc_get(v, "b")), 0);
	assert_null(jsonc_at(v, 0));               /* not an array */
	json_object_put(v);

	const char *bad[] = { "", "{", "{\"a\"}", "[1,]x", "\"abc", "{\"a\":tru}", "[\"\\x\"]", "01x", "[1] [2]" };

	for (size_t i = 0; i < TU_LEN(bad); i++) {
		v = jsonc_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		assert_null(v);
		assert_true(err[0] != '\0');
	}
	/* the JSON null: no tree, and no error */
	assert_null(jsonc_parse(" null ", 6, err, sizeof(err)));
	assert_string_equal(err, "");
	char deep[400];

	memset(deep, '[', sizeof(deep));
	assert_null(jsonc_parse(deep, sizeof(deep), err, sizeof(err)));
	assert_non_null(strstr(err, "deep"));
}

/* ---- webhook: server helpers ------------------------------------------- */

struct server {
	char dir[64];
	int  port;
	int  pid;
};

/* Servers still running when a test failed half-way: stopped by the
 * group teardown (each also exits by itself after 60 s). */
static struct server *running[8];

static int have_python(void)
{
	return access(WEBHOOKD, R_OK) == 0 && system("python3 -c 'import http.server' >/dev/null 2>&1") == 0;
}

/* Starts webhookd with extra args; waits (bounded) for its port file. */
static int server_start(struct server *s, const char *extra)
{
	char cmd[1024], path[128];

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/cr-wh-XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "python3 " WEBHOOKD " --secret s3cret --lifetime 60 --port-file %s/port --pid-file %s/pid "
		 "--state %s/state.json %s </dev/null >/dev/null 2>&1 &",
		 s->dir, s->dir, s->dir, extra);
	if (system(cmd) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/port", s->dir);
	for (int i = 0; i < 200; i++) {  /* 10 s */
		FILE *f = fopen(path, "r");

		if (f) {
			int ok = fscanf(f, "%d", &s->port) == 1;

			fclose(f);
			if (ok) {
				snprintf(path, sizeof(path), "%s/pid", s->dir);
				f = fopen(path, "r");
				if (f) {
					if (fscanf(f, "%d", &s->pid) != 1)
						s->pid = 0;
					fclose(f);
				}
				for (size_t k = 0; k < TU_LEN(running); k++)
					if (!running[k]) {
						running[k] = s;
						break;
					}
				return 0;
			}
		}
		usleep(50000);
	}
	return -1;
}

static void server_stop(struct server *s)
{
	char cmd[128];

	for (size_t i = 0; i < TU_LEN(running); i++)
		if (running[i] == s)
			running[i] = NULL;

	if (s->pid > 0)
		kill(s->pid, SIGTERM);
	s->pid = 0;
	if (s->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", s->dir);
	}
}

static struct json_object *server_state(struct server *s)
{
	char path[128];
	size_t n;

	snprintf(path, sizeof(path), "%s/state.json", s->dir);
	char *text = slurp(path, &n);

	assert_non_null(text);
	struct json_object *v = jsonc_parse(text, n, NULL, 0);

	free(text);
	assert_non_null(v);
	return v;
}

static void settings_for(struct sync_settings *ss, const struct server *s, const char *secret)
{
	memset(ss, 0, sizeof(*ss));
	snprintf(ss->target, sizeof(ss->target), "webhook");
	snprintf(ss->url, sizeof(ss->url), "http://127.0.0.1:%d/hook", s->port);
	snprintf(ss->secret, sizeof(ss->secret), "%s", secret);
	snprintf(ss->library_id, sizeof(ss->library_id), "MAIN");
	ss->timeout_ms = 5000;
	ss->probe_timeout_ms = 2000;
	ss->batch = 50;
}

#define NEED_SERVER(s, extra) do { \
		if (!have_python()) { skip(); } \
		assert_int_equal(server_start((s), (extra)), 0); \
	} while (0)

static void test_webhook_per_event_results_and_replay(void **st)
{
	static struct server srv;  /* static: the group teardown may stop it */
	struct sync_settings ss;
	struct cr_err err = { 0 };
	void *w = NULL;
	struct sync_result res[3];
	struct sync_item items[3];

	(void)st;
	NEED_SERVER(&srv, "--reject-student 222 --retry-student 333");
	settings_for(&ss, &srv, "s3cret");
	unsetenv("CARDROLL_SYNC_SECRET");
	assert_int_equal(WH->open(&ss, &w, &err), CR_OK);
	assert_int_equal(WH->probe(w, &err), CR_OK);

	items[0] = item("11111111-1111-4111-8111-111111111111", "signup", "111", 1);
	items[0].family = NASTY_FAMILY;
	items[0].given = NASTY_GIVEN;
	items[1] = item("22222222-2222-4222-8222-222222222222", "signup", "222", 2);
	items[2] = item("33333333-3333-4333-8333-333333333333", "signup", "333", 3);
	items[2].category = "";  /* the target default: none set, so left out */

	assert_int_equal(WH->send(w, items, 3, res, &err), CR_OK);
	assert_int_equal(res[0].outcome, SYNC_DONE);
	assert_string_equal(res[0].remote_id, "P1001");
	assert_int_equal(res[1].outcome, SYNC_PARK);
	assert_non_null(strstr(res[1].reason, "already in use"));
	assert_int_equal(res[2].outcome, SYNC_RETRY);

	struct json_object *v = server_state(&srv);
	const struct json_object *req = jsonc_at(jsonc_get(v, "requests"), 0);

	assert_int_equal(json_object_get_boolean(jsonc_get(req, "sig_ok")), 1);
	assert_int_equal(jsonc_len(jsonc_get(req, "idem")), 3);
	assert_string_equal(jsonc_str(jsonc_at(jsonc_get(req, "idem"), 1)), items[1].uuid);
	assert_string_equal(jsonc_get_str(req, "content_type"), "application/json");
	const struct json_object *p = jsonc_get(jsonc_get(v, "patrons"), items[0].uuid);

	/* Python decoded exactly what we meant */
	assert_string_equal(jsonc_get_str(p, "surname"), NASTY_FAMILY);
	assert_string_equal(jsonc_get_str(p, "firstname"), NASTY_GIVEN);
	assert_string_equal(jsonc_get_str(p, "student_id"), "111");
	assert_string_equal(jsonc_get_str(p, "library_id"), "MAIN");
	assert_string_equal(jsonc_get_str(p, "kind"), "signup");
	assert_null(jsonc_get(p, "consent"));  /* empty fields are left out */
	assert_true(jsonc_get_num(v, "created", 0) == 1);
	json_object_put(v);

	/* the same batch again (a crash replay): nothing is created twice */
	assert_int_equal(WH->send(w, items, 3, res, &err), CR_OK);
	assert_int_equal(res[0].outcome, SYNC_DONE);
	assert_string_equal(res[0].remote_id, "P1001");
	assert_int_equal(res[1].outcome, SYNC_PARK);
	assert_int_equal(res[2].outcome, SYNC_DONE);
	v = server_state(&srv);
	assert_true(jsonc_get_num(v, "created", 0) == 2);
	assert_null(jsonc_get(jsonc_get(jsonc_get(v, "patrons"), items[2].uuid), "category"));
	json_object_put(v);

	WH->close(w);
	server_stop(&srv);
}

static void test_webhook_wrong_secret_stops(void **st)
{
	static struct server srv;  /* static: the group teardown may stop it */
	struct sync_settings ss;
	struct cr_err err = { 0 };
	void *w = NULL;
	struct sync_result res[2];
	struct sync_item items[2];

	(void)st;
	NEED_SERVER(&srv, "");
	items[0] = item("aaaaaaaa-1111-4111-8111-111111111111", "signup", "1", 1);
	items[1] = item("aaaaaaaa-2222-4222-8222-222222222222", "consent", "2", 2);

	settings_for(&ss, &srv, "wrong");
	unsetenv("CARDROLL_SYNC_SECRET");
	assert_int_equal(WH->open(&ss, &w, &err), CR_OK);
	assert_int_equal(WH->send(w, items, 2, res, &err), CR_OK);
	assert_int_equal(res[0].outcome, SYNC_STOP);
	assert_int_equal(res[1].outcome, SYNC_STOP);
	assert_non_null(strstr(res[0].reason, "401"));
	assert_null(strstr(res[0].reason, "wrong"));  /* the secret never shows */
	WH->close(w);

	/* the environment overrides the file: right in the file, wrong in env */
	settings_for(&ss, &srv, "s3cret");
	setenv("CARDROLL_SYNC_SECRET", "nope", 1);
	assert_int_equal(WH->open(&ss, &w, &err), CR_OK);
	assert_int_equal(WH->send(w, items, 2, res, &err), CR_OK);
	assert_int_equal(res[0].outcome, SYNC_STOP);
	WH->close(w);
	/* and wrong in the file, right in env */
	settings_for(&ss, &srv, "wrong");
	setenv("CARDROLL_SYNC_SECRET", "s3cret", 1);
	assert_int_equal(WH->open(&ss, &w, &err), CR_OK);
	assert_int_equal(WH->send(w, items, 2, res, &err), CR_OK);
	assert_int_equal(res[0].outcome, SYNC_DONE);
	assert_int_equal(res[1].outcome, SYNC_DONE);
	WH->close(w);
	unsetenv("CARDROLL_SYNC_SECRET");

	/* no secret at all: a configuration error before any request */
	settings_for(&ss, &srv, "");
	assert_int_equal(WH->open(&ss, &w, &err), CR_ECONFIG);
	assert_null(w);
	server_stop(&srv);
}

static void webhook_mode(const char *mode, enum sync_outcome want, int retry_after)
{
	static struct server srv;  /* static: the group teardown may stop it */
	struct sync_settings ss;
	struct cr_err err = { 0 };
	void *w = NULL;
	struct sync_result res[1];
	struct sync_item items[1];
	char extra[64];

	snprintf(extra, sizeof(extra), "--mode %s", mode);
	NEED_SERVER(&srv, extra);
	items[0] = item("bbbbbbbb-1111-4111-8111-111111111111", "signup", "1", 1);
	settings_for(&ss, &srv, "s3cret");
	unsetenv("CARDROLL_SYNC_SECRET");
	assert_int_equal(WH->open(&ss, &w, &err), CR_OK);
	assert_int_equal(WH->send(w, items, 1, res, &err), CR_OK);
	assert_int_equal(res[0].outcome, want);
	assert_int_equal(res[0].retry_after_s, retry_after);
	assert_true(res[0].reason[0] != '\0');
	WH->close(w);
	server_stop(&srv);
}

static void test_webhook_busy_retries_after(void **st)
{
	(void)st;
	webhook_mode("busy", SYNC_RETRY, 7);
}

static void test_webhook_500_and_garbage_retry(void **st)
{
	(void)st;
	webhook_mode("down500", SYNC_RETRY, 0);
	webhook_mode("garbage", SYNC_RETRY, 0);
}

static void test_webhook_unreachable(void **st)
{
	struct sync_settings ss;
	struct server none = { .port = 0 };
	struct cr_err err = { 0 };
	void *w = NULL;
	struct sync_result res[1];
	struct sync_item items[1];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	(void)st;
	/* a port that was free a moment ago: bind, read it, close */
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	none.port = ntohs(a.sin_port);
	close(fd);

	items[0] = item("cccccccc-1111-4111-8111-111111111111", "signup", "1", 1);
	settings_for(&ss, &none, "s3cret");
	unsetenv("CARDROLL_SYNC_SECRET");
	assert_int_equal(WH->open(&ss, &w, &err), CR_OK);
	assert_int_equal(WH->probe(w, &err), CR_EUNAVAILABLE);
	assert_non_null(strstr(err.msg, "127.0.0.1"));
	assert_int_equal(WH->send(w, items, 1, res, &err), CR_EUNAVAILABLE);
	assert_null(strstr(err.msg, "s3cret"));
	WH->close(w);
}

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

static int teardown_servers(void **st)
{
	(void)st;
	for (size_t i = 0; i < TU_LEN(running); i++)
		if (running[i])
			server_stop(running[i]);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_writer_escapes),
		cmocka_unit_test(test_json_reader_tolerant_and_bounded),
		cmocka_unit_test(test_webhook_per_event_results_and_replay),
		cmocka_unit_test(test_webhook_wrong_secret_stops),
		cmocka_unit_test(test_webhook_busy_retries_after),
		cmocka_unit_test(test_webhook_500_and_garbage_retry),
		cmocka_unit_test(test_webhook_unreachable),
		cmocka_unit_test(test_file_koha_csv),
		cmocka_unit_test(test_file_koha_attribute_quoting),
		cmocka_unit_test(test_file_evergreen_csv),
		cmocka_unit_test(test_file_evergreen_parks_non_ascii),
		cmocka_unit_test(test_file_folio_source_type_and_park),
		cmocka_unit_test(test_file_folio_json),
		cmocka_unit_test(test_file_consent_only_writes_nothing),
		cmocka_unit_test(test_file_unwritable_folder),
	};

	return cmocka_run_group_tests_name("sync_targets", tests, NULL, teardown_servers);
}
