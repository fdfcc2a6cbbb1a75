/* json_speed: times a JSON library on the JSON cardroll handles, read the
 * way cardroll reads it and written the way cardroll writes it:
 *
 *   koha_list     a Koha GET /api/v1/patrons reply (a list of one patron,
 *                 the fields Koha 23.11 returns, extended_attributes
 *                 embedded): parse, read id, card, names, the student ID
 *                 attribute (sync_koha.c koha_patron_read)
 *   koha_created  a Koha POST /api/v1/patrons 201 reply: parse, read
 *                 patron_id
 *   roster_page   a OneRoster 1.2 REST page of 500 users (the shape
 *                 tests/sync/rosterd.py serves): parse, read every column
 *                 of users.csv as roster_pull.c cell_value does
 *   webhook_res   a webhook reply for a batch of 50 ({"results":[...]}):
 *                 parse, find each event's result by id (sync_webhook.c)
 *   w_patron      write a Koha patron body (koha_patron_json)
 *   w_webhook50   write a webhook batch of 50 events (put_event)
 *   w_folio1000   write a FOLIO user-import file of 1,000 users
 *
 * One source, one binary per library (json-c and jansson share symbol
 * names, e.g. json_object_get, so they cannot be linked together):
 *
 *   cc -O2 -DUSE_JSONC   bench/json_speed.c $(pkg-config --cflags --libs json-c)  -o json_speed_jsonc
 *   cc -O2 -DUSE_JANSSON bench/json_speed.c $(pkg-config --cflags --libs jansson) -o json_speed_jansson
 *
 * With -DUSE_OLD it times the reads of the hand-written core/text/json.c
 * that json-c replaced (json_speed.sh takes it from git: JSON_OLD=COMMIT).
 *
 * (bench/json_speed.sh builds and runs both, 3 rounds, and checks that they
 * read the same values and write the same bytes: each line ends with an FNV
 * checksum of what was read or written.) Output: one line per workload,
 * "name iterations ns_per_op MB_per_s checksum". */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(USE_JSONC)
#include <json.h>
#define LIB "json-c"
typedef struct json_object node;
#elif defined(USE_JANSSON)
#include <jansson.h>
#define LIB "jansson"
typedef json_t node;
#elif defined(USE_OLD)
#include "json.h"   /* the hand-written core/text/json.h of before, from git (json_speed.sh) */
#define LIB "hand-written"
typedef const struct json_value node;
#else
#error "build with -DUSE_JSONC or -DUSE_JANSSON"
#endif

/* ---- the library, behind six reads and five writes -------------------- */

#if defined(USE_JSONC)
static node *lib_parse(const char *s, size_t n)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	node *v = json_tokener_parse_ex(tok, s, (int)n);

	json_tokener_free(tok);
	return v;
}
static void lib_free(node *v) { json_object_put(v); }
static node *lib_get(node *o, const char *k)
{
	node *v = NULL;

	return json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v) ? v : NULL;
}
static size_t lib_len(node *a) { return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0; }
static node *lib_at(node *a, size_t i) { return i < lib_len(a) ? json_object_array_get_idx(a, i) : NULL; }
static const char *lib_str(node *v) { return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL; }
static double lib_num(node *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double) ?
	       json_object_get_double(v) : 0;
}

static node *w_obj(void) { return json_object_new_object(); }
static node *w_arr(void) { return json_object_new_array(); }
static void w_add(node *o, const char *k, node *v) { json_object_object_add(o, k, v); }
static void w_push(node *a, node *v) { json_object_array_add(a, v); }
static node *w_str(const char *s) { return json_object_new_string(s); }
static node *w_int(long long v) { return json_object_new_int64(v); }
static node *w_bool(int v) { return json_object_new_boolean(v); }
static char *w_dump(node *v, size_t *len)
{
	size_t n;
	const char *s = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	char *out = malloc(n + 1);

	memcpy(out, s, n + 1);
	*len = n;
	json_object_put(v);
	return out;
}
#elif defined(USE_OLD)
/* Reads only: the old writer had no tree to build. */
static node *lib_parse(const char *s, size_t n) { return json_parse(s, n, NULL, 0); }
static void lib_free(node *v) { json_free((struct json_value *)v); }
static node *lib_get(node *o, const char *k) { return json_get(o, k); }
static size_t lib_len(node *a) { return a && a->type == JSON_ARRAY ? json_len(a) : 0; }
static node *lib_at(node *a, size_t i) { return i < lib_len(a) ? json_at(a, i) : NULL; }
static const char *lib_str(node *v) { return v && v->type == JSON_STRING ? v->string : NULL; }
static double lib_num(node *v) { return v && v->type == JSON_NUMBER ? v->number : 0; }
#else
static node *lib_parse(const char *s, size_t n) { return json_loadb(s, n, 0, NULL); }
static void lib_free(node *v) { json_decref(v); }
static node *lib_get(node *o, const char *k) { return json_object_get(o, k); }
static size_t lib_len(node *a) { return json_array_size(a); }
static node *lib_at(node *a, size_t i) { return json_array_get(a, i); }
static const char *lib_str(node *v) { return json_string_value(v); }
static double lib_num(node *v) { return json_number_value(v); }

static node *w_obj(void) { return json_object(); }
static node *w_arr(void) { return json_array(); }
static void w_add(node *o, const char *k, node *v) { json_object_set_new(o, k, v); }
static void w_push(node *a, node *v) { json_array_append_new(a, v); }
static node *w_str(const char *s) { return json_string(s); }
static node *w_int(long long v) { return json_integer(v); }
static node *w_bool(int v) { return json_boolean(v); }
static char *w_dump(node *v, size_t *len)
{
	char *s = json_dumps(v, JSON_COMPACT);

	*len = strlen(s);
	json_decref(v);
	return s;
}
#endif

/* ---- checksums and clocks --------------------------------------------- */

static uint64_t fnv;
static void mix(const char *s)
{
	if (!s)
		s = "\x01";
	for (; *s; s++)
		fnv = (fnv ^ (unsigned char)*s) * 1099511628211ull;
	fnv = (fnv ^ 0xff) * 1099511628211ull;
}
static void mixn(double d)
{
	char b[32];

	snprintf(b, sizeof b, "%.17g", d);
	mix(b);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the documents ---------------------------------------------------- */

static const char *const given[] = { "Ava", "José", "Nguyễn Thị", "Zoë", "李", "Mohammed", "Siobhán", "Олег" };
static const char *const family[] = { "O'Brien", "Müller-Lüdenscheidt", "Trần", "王", "Smith", "de la Cruz",
				      "Ødegård", "\"Quoted\" Name" };

struct sbuf {
	char  *p;
	size_t len, cap;
};
static void sb(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (b->p && b->len + (size_t)n < b->cap)
			break;
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	b->len += (size_t)n;
}

static void koha_patron(struct sbuf *b, int i)
{
	sb(b, "{\"patron_id\":%d,\"cardnumber\":\"2900%08d\",\"surname\":\"%s\",\"firstname\":\"%s\","
	   "\"middle_name\":null,\"title\":null,\"other_name\":null,\"initials\":null,\"preferred_name\":\"%s\","
	   "\"pronouns\":null,\"street_number\":null,\"street_type\":null,\"address\":null,\"address2\":null,"
	   "\"city\":null,\"state\":null,\"postal_code\":null,\"country\":null,\"email\":null,\"phone\":null,"
	   "\"mobile\":null,\"fax\":null,\"secondary_email\":null,\"secondary_phone\":null,"
	   "\"date_of_birth\":\"2014-0%d-1%d\",\"library_id\":\"CPL\",\"category_id\":\"ST\","
	   "\"date_enrolled\":\"2026-09-0%d\",\"expiry_date\":\"2031-08-31\",\"date_renewed\":null,"
	   "\"incorrect_address\":false,\"patron_card_lost\":false,\"restricted\":false,\"staff_notes\":null,"
	   "\"opac_notes\":null,\"gonenoaddress\":false,\"lost\":false,\"relationship_type\":null,"
	   "\"gender\":null,\"userid\":\"2900%08d\",\"opac_notes\":null,\"altaddress_notes\":null,"
	   "\"statistics_1\":null,\"statistics_2\":null,\"autorenew_checkouts\":true,\"anonymized\":false,"
	   "\"checkouts_count\":0,\"overdues_count\":0,\"updated_on\":\"2026-11-30T10:0%d:00+00:00\","
	   "\"lang\":\"default\",\"login_attempts\":0,\"sms_number\":null,\"protected\":false,"
	   "\"extended_attributes\":[{\"extended_attribute_id\":%d,\"type\":\"GRADE\",\"value\":\"0%d\"},"
	   "{\"extended_attribute_id\":%d,\"type\":\"STUID\",\"value\":\"S%07d\"}]}",
	   1000 + i, i, family[i % 8][0] == '"' ? "Quoted" : family[i % 8], given[i % 8], given[(i + 3) % 8],
	   1 + i % 9, i % 10, 1 + i % 9, i, i % 10, 2 * i, 1 + i % 8, 2 * i + 1, i);
}

static void roster_user(struct sbuf *b, int i)
{
	sb(b, "{\"sourcedId\":\"u-%07d\",\"status\":\"%s\",\"dateLastModified\":\"2026-09-%02dT08:00:00.000Z\","
	   "\"metadata\":{},\"enabledUser\":true,\"username\":\"s%07d\",\"userIds\":[{\"type\":\"SIS\",\"identifier\":"
	   "\"S%07d\"},{\"type\":\"state\",\"identifier\":\"ST%07d\"}],\"givenName\":\"%s\",\"familyName\":\"%s\","
	   "\"middleName\":\"\",\"preferredFirstName\":\"%s\",\"roles\":[{\"roleType\":\"primary\",\"role\":\"student\","
	   "\"org\":{\"href\":\"https://sis.example/ims/oneroster/rostering/v1p2/orgs/org-%d\",\"sourcedId\":\"org-%d\","
	   "\"type\":\"org\"}}],\"identifier\":\"S%07d\",\"email\":\"s%07d@students.example\",\"sms\":\"\","
	   "\"phone\":\"\",\"agents\":[{\"href\":\"https://sis.example/users/g-%d\",\"sourcedId\":\"g-%d\","
	   "\"type\":\"user\"}],\"grades\":[\"0%d\"],\"password\":\"\"}",
	   i, i % 97 ? "active" : "tobedeleted", 1 + i % 28, i, i, i, given[i % 8],
	   family[i % 8][0] == '"' ? "Quoted" : family[i % 8], given[(i + 5) % 8], i % 40, i % 40, i, i, i, i,
	   1 + i % 8);
}

/* ---- the reads ----------------------------------------------------------- */

static double read_text(node *obj, const char *key)
{
	node *v = lib_get(obj, key);
	const char *s = lib_str(v);

	if (s)
		mix(s);
	else if (v)
		mixn(lib_num(v));
	else
		mix(NULL);
	return 0;
}

static void read_koha_patron(node *doc)
{
	node *p = lib_at(doc, 0) ? lib_at(doc, 0) : doc, *attrs = lib_get(p, "extended_attributes");

	read_text(p, "patron_id");
	read_text(p, "cardnumber");
	read_text(p, "surname");
	read_text(p, "firstname");
	for (size_t i = 0; i < lib_len(attrs); i++)
		if (lib_str(lib_get(lib_at(attrs, i), "type")) && !strcmp(lib_str(lib_get(lib_at(attrs, i), "type")), "STUID")) {
			read_text(lib_at(attrs, i), "value");
			break;
		}
}

static void read_roster_page(node *doc)
{
	node *users = lib_get(doc, "users");
	static const char *const vals[] = { "sourcedId", "status", "dateLastModified", "username", "givenName",
					    "familyName", "middleName", "identifier", "email", "sms", "phone",
					    "preferredFirstName", NULL };

	for (size_t i = 0; i < lib_len(users); i++) {
		node *u = lib_at(users, i), *a;

		for (int c = 0; vals[c]; c++)
			read_text(u, vals[c]);
		a = lib_get(u, "userIds");
		for (size_t j = 0; j < lib_len(a); j++) {
			mix(lib_str(lib_get(lib_at(a, j), "type")));
			mix(lib_str(lib_get(lib_at(a, j), "identifier")));
		}
		a = lib_get(u, "roles");
		for (size_t j = 0; j < lib_len(a); j++) {
			mix(lib_str(lib_get(lib_at(a, j), "role")));
			read_text(lib_get(lib_at(a, j), "org"), "sourcedId");
		}
		a = lib_get(u, "agents");
		for (size_t j = 0; j < lib_len(a); j++)
			read_text(lib_at(a, j), "sourcedId");
		a = lib_get(u, "grades");
		for (size_t j = 0; j < lib_len(a); j++)
			mix(lib_str(lib_at(a, j)));
	}
}

static void read_webhook(node *doc)
{
	node *res = lib_get(doc, "results");
	char id[64];

	for (int i = 0; i < 50; i++) {
		node *found = NULL;

		snprintf(id, sizeof id, "0e8d%04x-5a1c-4c2e-9b1e-%012d", i, 7 * i);
		for (size_t k = 0; k < lib_len(res) && !found; k++) {
			const char *s = lib_str(lib_get(lib_at(res, k), "id"));

			if (s && !strcmp(s, id))
				found = lib_at(res, k);
		}
		read_text(found, "status");
		read_text(found, "remote_id");
		read_text(found, "reason");
		read_text(found, "retry_after");
	}
}

/* ---- the writes ----------------------------------------------------------- */

#ifndef USE_OLD
static void add_nonempty(node *o, const char *k, const char *s)
{
	if (s && *s)
		w_add(o, k, w_str(s));
}

static node *patron_body(int i)
{
	node *o = w_obj(), *a = w_arr(), *e = w_obj();
	char card[32], stu[32];

	snprintf(card, sizeof card, "2900%08d", i);
	snprintf(stu, sizeof stu, "S%07d", i);
	w_add(o, "surname", w_str(family[i % 8]));
	w_add(o, "firstname", w_str(given[i % 8]));
	add_nonempty(o, "cardnumber", card);
	w_add(o, "library_id", w_str("CPL"));
	w_add(o, "category_id", w_str("ST"));
	add_nonempty(o, "date_of_birth", "2014-03-12");
	add_nonempty(o, "expiry_date", "2031-08-31");
	w_add(e, "type", w_str("STUID"));
	w_add(e, "value", w_str(stu));
	w_push(a, e);
	w_add(o, "extended_attributes", a);
	return o;
}

static node *webhook_event(int i)
{
	node *o = w_obj();
	char id[64], card[32], stu[32];

	snprintf(id, sizeof id, "0e8d%04x-5a1c-4c2e-9b1e-%012d", i, 7 * i);
	snprintf(card, sizeof card, "2900%08d", i);
	snprintf(stu, sizeof stu, "S%07d", i);
	w_add(o, "id", w_str(id));
	add_nonempty(o, "kind", "signup");
	add_nonempty(o, "card", card);
	add_nonempty(o, "student_id", stu);
	add_nonempty(o, "surname", family[i % 8]);
	add_nonempty(o, "firstname", given[i % 8]);
	add_nonempty(o, "date_of_birth", "2014-03-12");
	add_nonempty(o, "expiry_date", "2031-08-31");
	add_nonempty(o, "category", "ST");
	add_nonempty(o, "library_id", "CPL");
	add_nonempty(o, "school", "Riverside Elementary");
	add_nonempty(o, "grade", "03");
	add_nonempty(o, "consent", "given");
	return o;
}

static node *folio_user(int i)
{
	node *o = w_obj(), *p = w_obj();
	char card[32], stu[32];

	snprintf(card, sizeof card, "2900%08d", i);
	snprintf(stu, sizeof stu, "S%07d", i);
	add_nonempty(o, "username", card);
	add_nonempty(o, "externalSystemId", stu);
	add_nonempty(o, "barcode", card);
	w_add(o, "active", w_bool(1));
	add_nonempty(o, "patronGroup", "ST");
	w_add(p, "lastName", w_str(family[i % 8]));
	add_nonempty(p, "firstName", given[i % 8]);
	add_nonempty(p, "dateOfBirth", "2014-03-12");
	w_add(p, "preferredContactTypeId", w_str("002"));
	w_add(o, "personal", p);
	add_nonempty(o, "expirationDate", "2031-08-31");
	return o;
}

#endif

/* ---- the driver ------------------------------------------------------------ */

static void report(const char *name, long iters, double secs, size_t bytes)
{
	printf("%-13s %7ld %10.0f %8.1f %016llx\n", name, iters, secs / (double)iters * 1e9,
	       (double)bytes * (double)iters / secs / 1e6, (unsigned long long)fnv);
}

static void bench_read(const char *name, const struct sbuf *doc, long iters, void (*walk)(node *))
{
	double t0;

	fnv = 14695981039346656037ull;
	t0 = now();
	for (long it = 0; it < iters; it++) {
		node *v = lib_parse(doc->p, doc->len);

		if (!v) {
			fprintf(stderr, "%s: %s does not parse\n", LIB, name);
			exit(1);
		}
		walk(v);
		lib_free(v);
	}
	report(name, iters, now() - t0, doc->len);
}

#ifndef USE_OLD
static void bench_write(const char *name, long iters, int n, node *(*one)(int), const char *wrap)
{
	size_t bytes = 0, len;
	double t0;

	fnv = 14695981039346656037ull;
	t0 = now();
	for (long it = 0; it < iters; it++) {
		node *root, *arr = NULL;
		char *s;

		if (!wrap) {
			root = one((int)it);
		} else {
			root = w_obj();
			arr = w_arr();
			for (int i = 0; i < n; i++)
				w_push(arr, one(i));
			w_add(root, wrap, arr);
			if (!strcmp(wrap, "users")) {
				w_add(root, "totalRecords", w_int(n));
				w_add(root, "deactivateMissingUsers", w_bool(0));
				w_add(root, "updateOnlyPresentFields", w_bool(1));
				w_add(root, "sourceType", w_str("cardroll"));
			}
		}
		s = w_dump(root, &len);
		if (it < 4)
			mix(s);
		bytes = len;
		free(s);
	}
	report(name, iters, now() - t0, bytes);
}
#endif

int main(int argc, char **argv)
{
	struct sbuf list = { 0 }, created = { 0 }, page = { 0 }, hook = { 0 };
	double scale = argc > 1 ? atof(argv[1]) : 1.0;

	sb(&list, "[");
	koha_patron(&list, 7);
	sb(&list, "]");
	koha_patron(&created, 8);
	sb(&page, "{\"users\":[");
	for (int i = 0; i < 500; i++) {
		if (i)
			sb(&page, ",");
		roster_user(&page, i);
	}
	sb(&page, "]}");
	sb(&hook, "{\"results\":[");
	for (int i = 49; i >= 0; i--)   /* answered in another order than sent */
		sb(&hook, "{\"id\":\"0e8d%04x-5a1c-4c2e-9b1e-%012d\",\"status\":\"%s\",\"remote_id\":\"%d\"%s}%s", i, 7 * i,
		   i % 10 ? "done" : "retry", 5000 + i, i % 10 ? "" : ",\"reason\":\"locked\",\"retry_after\":30",
		   i ? "," : "");
	sb(&hook, "]}");

	printf("# %s; sizes: koha_list %zu B, koha_created %zu B, roster_page %zu B, webhook_res %zu B\n", LIB,
	       list.len, created.len, page.len, hook.len);
	printf("# name        iters      ns/op     MB/s checksum\n");
	bench_read("koha_list", &list, (long)(40000 * scale), read_koha_patron);
	bench_read("koha_created", &created, (long)(40000 * scale), read_koha_patron);
	bench_read("roster_page", &page, (long)(60 * scale), read_roster_page);
	bench_read("webhook_res", &hook, (long)(4000 * scale), read_webhook);
#ifndef USE_OLD
	bench_write("w_patron", (long)(100000 * scale), 0, patron_body, NULL);
	bench_write("w_webhook50", (long)(2000 * scale), 50, webhook_event, "events");
	bench_write("w_folio1000", (long)(100 * scale), 1000, folio_user, "users");
#endif
	free(list.p);
	free(created.p);
	free(page.p);
	free(hook.p);
	return 0;
}
