/* libFuzzer target for every reply the Koha target reads: the input is a
 * run of HTTP replies (tests/fuzz/fuzz_http.h) served on loopback to a
 * real koha target (core/sync/sync_koha.c) sending a batch of events, then
 * looking a child up. The first byte picks the settings and the batch
 * (basic or OAuth2; signup, void, consent; a known patron or not;
 * duplicates confirmed or not). Whatever the server says, every event
 * ends with a known outcome and a reason that ends, a park or a stop says
 * why, a retry-after stays within a week, and a remote id is what a patron
 * id can be. Corpus: tests/fuzz/corpus/fuzz_koha. */
#include "fuzz_http.h"

#include "sync/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_koha: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static void fuzz_results(const struct sync_result *res, int n)
{
	for (int i = 0; i < n; i++) {
		const struct sync_result *r = &res[i];

		FUZZ_CHECK(r->outcome == SYNC_DONE || r->outcome == SYNC_RETRY || r->outcome == SYNC_PARK ||
			   r->outcome == SYNC_STOP);
		FUZZ_CHECK(memchr(r->reason, '\0', sizeof r->reason));
		FUZZ_CHECK(memchr(r->remote_id, '\0', sizeof r->remote_id));
		FUZZ_CHECK(r->retry_after_s >= 0 && r->retry_after_s <= 7 * 86400);   /* koha caps a week */
		FUZZ_CHECK(r->outcome == SYNC_DONE || r->reason[0]);
		FUZZ_CHECK(r->http_status == 0 || (r->http_status >= 100 && r->http_status <= 599));
		/* the reason is a sentence for the desk: no control bytes */
		for (const char *c = r->reason; *c; c++)
			FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f &&
				   !((unsigned char)c[0] == 0xc2 && (unsigned char)c[1] >= 0x80 && (unsigned char)c[1] <= 0x9f));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sync_target *t = sync_target_find("koha");
	struct sync_settings s;
	struct sync_item items[3];
	struct sync_result res[3];
	struct cr_err err = { 0 };
	void *state = NULL;
	unsigned mode = size ? data[0] : 0;
	char remote[64] = "";
	int found = -1;

	fh_start();
	if (size) {
		data++;
		size--;
	}
	memset(&s, 0, sizeof s);
	snprintf(s.target, sizeof s.target, "koha");
	snprintf(s.url, sizeof s.url, "http://127.0.0.1:%d/", fh.port);
	snprintf(s.auth, sizeof s.auth, "%s", mode & 1 ? "oauth2" : "basic");
	snprintf(s.user, sizeof s.user, "cardroll");
	snprintf(s.password, sizeof s.password, "pw");
	snprintf(s.client_id, sizeof s.client_id, "id");
	snprintf(s.client_secret, sizeof s.client_secret, "secret");
	snprintf(s.library_id, sizeof s.library_id, "CPL");
	snprintf(s.category, sizeof s.category, "J");
	snprintf(s.attribute, sizeof s.attribute, "STUID");
	s.timeout_ms = 3000;
	s.probe_timeout_ms = 1000;
	s.batch = 3;
	s.koha_confirm_duplicates = (mode >> 1) & 1;

	memset(items, 0, sizeof items);
	for (int i = 0; i < 3; i++) {
		static const char *const kinds[] = { "signup", "void", "consent", "signup" };
		static const char *const uuids[] = { "u-1", "u-2", "u-3" };

		items[i].outbox_id = i + 1;
		items[i].event_id = i + 1;
		items[i].uuid = uuids[i];
		items[i].kind = kinds[(mode >> (2 + 2 * i)) & 3];
		items[i].student_id = i + 1;
		items[i].student_number = i == 1 ? "5002" : "5001";
		items[i].given = "Ana";
		items[i].family = "García";
		items[i].birth_date = "2017-03-14";
		items[i].grade = "03";
		items[i].school = "North";
		items[i].card = i == 2 ? "" : "21234000000420";
		items[i].expires = "2027-06-30";
		items[i].category = "";
		items[i].consent = "given";
		items[i].remote_id = (mode & 0x80) && i == 0 ? "17" : "";
		items[i].confirm_not_duplicate = (mode >> 6) & 1;
		items[i].attempts = 1;
	}
	fh_load(data, size);
	FUZZ_CHECK(t && t->open(&s, &state, &err) == CR_OK);
	memset(res, 0, sizeof res);
	if (t->send(state, items, 3, res, &err) == CR_OK)
		fuzz_results(res, 3);
	else
		FUZZ_CHECK(err.msg[0] != '\0');
	if (t->lookup) {
		err.msg[0] = '\0';
		if (t->lookup(state, mode & 0x20 ? "5001" : "", mode & 0x20 ? "" : "21234000000420", &found, remote,
			      sizeof remote, &err) == CR_OK)
			FUZZ_CHECK((found == 0 || found == 1) && memchr(remote, '\0', sizeof remote));
		else
			FUZZ_CHECK(err.msg[0] != '\0');
	}
	t->close(state);
	return 0;
}
