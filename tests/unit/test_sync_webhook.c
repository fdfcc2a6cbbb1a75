/* Unit tests for the webhook sync target and text/jsonc, called directly
 * (no engine, no database) with hand-made sync_items, against
 * tests/sync/webhookd.py on a free loopback port (skipped when python3 or
 * the script is missing). The file target: test_sync_file.c. */
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

#include "sync_fixtures.h"
#include "text/jsonc.h"

#define WEBHOOKD "tests/sync/webhookd.py"
#define WH (sync_target_find("webhook"))

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
	};

	return cmocka_run_group_tests_name("sync_webhook", tests, NULL, teardown_servers);
}
