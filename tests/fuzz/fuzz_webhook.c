/* libFuzzer target for the webhook target's whole reply (status, headers,
 * body): the input is a run of HTTP replies (tests/fuzz/fuzz_http.h)
 * served on loopback to the real webhook target (core/sync/sync_webhook.c)
 * sending a batch of three events, twice. Whatever the server says, each
 * event gets a known outcome, a park or a stop says why, reasons end and
 * hold no control bytes, and a retry-after stays within a day.
 * Corpus: tests/fuzz/corpus/fuzz_webhook. */
#include "fuzz_http.h"

#include "sync/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_webhook: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ids[] = { "a", "0e8d0001-5a1c-4c2e-9b1e-000000000007", "P1" };
	static const char *const kinds[] = { "signup", "void", "consent" };
	const struct sync_target *t = sync_target_find("webhook");
	struct sync_settings s;
	struct sync_item items[3];
	struct sync_result res[3];
	struct cr_err err = { 0 };
	void *state = NULL;

	fh_start();
	memset(&s, 0, sizeof s);
	snprintf(s.target, sizeof s.target, "webhook");
	snprintf(s.url, sizeof s.url, "http://127.0.0.1:%d/hook", fh.port);
	snprintf(s.secret, sizeof s.secret, "s3cret");
	s.timeout_ms = 3000;
	s.probe_timeout_ms = 1000;
	s.batch = 3;
	memset(items, 0, sizeof items);
	for (int i = 0; i < 3; i++) {
		items[i].outbox_id = i + 1;
		items[i].uuid = ids[i];
		items[i].kind = kinds[i];
		items[i].student_number = "5001";
		items[i].given = "Ana";
		items[i].family = "García";
		items[i].birth_date = "";
		items[i].grade = "03";
		items[i].school = "North";
		items[i].card = "21234000000420";
		items[i].expires = "2027-06-30";
		items[i].category = "";
		items[i].consent = "given";
		items[i].remote_id = "";
	}
	fh_load(data, size);
	FUZZ_CHECK(t && t->open(&s, &state, &err) == CR_OK);
	for (int round = 0; round < 2; round++) {
		memset(res, 0, sizeof res);
		err.msg[0] = '\0';
		if (t->send(state, items, 3, res, &err) != CR_OK) {
			FUZZ_CHECK(err.msg[0] != '\0');
			continue;
		}
		for (int i = 0; i < 3; i++) {
			FUZZ_CHECK(res[i].outcome == SYNC_DONE || res[i].outcome == SYNC_RETRY ||
				   res[i].outcome == SYNC_PARK || res[i].outcome == SYNC_STOP);
			FUZZ_CHECK(memchr(res[i].reason, '\0', sizeof res[i].reason));
			FUZZ_CHECK(memchr(res[i].remote_id, '\0', sizeof res[i].remote_id));
			FUZZ_CHECK(res[i].retry_after_s >= 0 && res[i].retry_after_s <= 86400);
			FUZZ_CHECK(res[i].outcome == SYNC_DONE || res[i].outcome == SYNC_RETRY || res[i].reason[0]);
			for (const char *c = res[i].reason; *c; c++)
				FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f &&
				   !((unsigned char)c[0] == 0xc2 && (unsigned char)c[1] >= 0x80 && (unsigned char)c[1] <= 0x9f));
		}
	}
	t->close(state);
	return 0;
}
