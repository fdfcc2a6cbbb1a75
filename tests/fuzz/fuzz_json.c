/* libFuzzer target for what cardroll does with untrusted JSON (json-c reads
 * it; this fuzzes our code around it). Every input is given, as the body
 * a server sent, to:
 *   - the koha target's reading of a GET /api/v1/patrons reply
 *     (sync_koha_read_patron): the patron's fields always fit and end, and
 *     "found" means an id came back;
 *   - the roster pull's reading of a OneRoster REST page of users and of
 *     orgs (roster_pull_rest_page), bulk and delta: a status always, a
 *     reason with any failure, and the CSV rows it wrote read back with
 *     core/roster/csv.c as exactly that many records of one width;
 *   - the webhook target's reading of a reply to a batch of three events
 *     (sync_webhook_read_results): each event gets a known outcome and a
 *     reason that ends, and a retry-after within a day.
 * Corpus: tests/fuzz/corpus/fuzz_json. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roster/csv.h"
#include "roster/roster_pull.h"
#include "sync/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_json: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static void fuzz_koha(const char *text)
{
	struct sync_koha_patron p;
	int found = sync_koha_read_patron(text, "STUID", &p);

	FUZZ_CHECK(memchr(p.id, '\0', sizeof p.id) && memchr(p.card, '\0', sizeof p.card));
	FUZZ_CHECK(memchr(p.surname, '\0', sizeof p.surname) && memchr(p.firstname, '\0', sizeof p.firstname));
	FUZZ_CHECK(memchr(p.student, '\0', sizeof p.student));
	FUZZ_CHECK(found == (p.id[0] != '\0'));
}

static void fuzz_roster(const char *endpoint, const char *text, size_t len, int delta)
{
	struct cr_err err = { 0 };
	char *csv = NULL;
	size_t csvlen = 0;
	long rows = -1, records = 0;
	FILE *f = open_memstream(&csv, &csvlen);
	enum cr_status st;

	if (!f)
		return;
	st = roster_pull_rest_page(endpoint, text, len, delta, f, &rows, &err);
	FUZZ_CHECK(fclose(f) == 0);
	FUZZ_CHECK(rows >= 0);
	if (st != CR_OK) {
		FUZZ_CHECK(err.msg[0] != '\0');
	} else {
		struct csv_reader *r = csv_open_mem(csv, csvlen, "page.csv", 0);
		struct csv_record rec;
		enum csv_result res;
		size_t width = 0;

		FUZZ_CHECK(r != NULL);
		while ((res = csv_next(r, &rec)) != CSV_EOF) {
			FUZZ_CHECK(res == CSV_RECORD);
			if (!records)
				width = rec.nfields;
			FUZZ_CHECK(rec.nfields == width);
			records++;
		}
		csv_close(r);
		FUZZ_CHECK(records == rows);
	}
	free(csv);
}

static void fuzz_webhook(const char *text, size_t len)
{
	static const char *const ids[] = { "a", "0e8d0001-5a1c-4c2e-9b1e-000000000007", "P1" };
	struct sync_item items[3];
	struct sync_result res[3];

	memset(items, 0, sizeof items);
	for (int i = 0; i < 3; i++) {
		items[i].uuid = ids[i];
		items[i].kind = "signup";
	}
	if (sync_webhook_read_results(text, len, items, 3, res, 5) < 0)
		return;
	for (int i = 0; i < 3; i++) {
		FUZZ_CHECK(res[i].outcome == SYNC_DONE || res[i].outcome == SYNC_RETRY || res[i].outcome == SYNC_PARK);
		FUZZ_CHECK(memchr(res[i].reason, '\0', sizeof res[i].reason));
		FUZZ_CHECK(memchr(res[i].remote_id, '\0', sizeof res[i].remote_id));
		FUZZ_CHECK(res[i].retry_after_s >= 0 && res[i].retry_after_s < 86400);
		FUZZ_CHECK(res[i].outcome != SYNC_PARK || res[i].reason[0]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);   /* the koha target reads up to a NUL */

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_koha(text);
	fuzz_roster("users", (const char *)data, size, 0);
	fuzz_roster("orgs", (const char *)data, size, 1);
	fuzz_webhook((const char *)data, size);
	free(text);
	return 0;
}
