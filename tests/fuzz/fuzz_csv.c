/* libFuzzer target for core/csv and core/text: any bytes, read whole and in
 * chunks the input itself decides, must give the same records, and every
 * field must clean and fold into well-formed, inert UTF-8. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roster/csv.h"
#include "text/text.h"

/* Mostly 4096; a first byte >= 0x80 picks a tiny bound instead, so that
 * over-long records and where they are cut get explored as well. */
static size_t fuzz_max_record(const uint8_t *data, size_t size)
{
	if (size == 0 || data[0] < 0x80)
		return 4096;
	return 1 + (size_t)(data[0] & 0x7F) / 4;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_csv: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* Hands out the input in chunks of 1..16 bytes, sizes taken from the input
 * bytes themselves, so the fuzzer explores buffer boundaries too. */
struct fuzz_chunks {
	const uint8_t *data;
	size_t size, off, turn;
};

static ssize_t fuzz_read(void *ctx, char *buf, size_t n)
{
	struct fuzz_chunks *c = ctx;
	size_t k = c->size - c->off;
	size_t want = c->size ? (size_t)(c->data[c->turn++ % c->size] & 15) + 1 : 1;

	if (k > want)
		k = want;
	if (k > n)
		k = n;
	memcpy(buf, c->data + c->off, k);
	c->off += k;
	return (ssize_t)k;
}

static void fuzz_check_text(const char *s, size_t len)
{
	char *clean = NULL, *fold;
	unsigned issues = 0;
	size_t i, n;

	FUZZ_CHECK(text_clean(s, len, &clean, &issues) == 0);
	if (issues & TEXT_BAD_UTF8) {
		FUZZ_CHECK(clean == NULL);
		return;
	}
	FUZZ_CHECK(clean != NULL);
	n = strlen(clean);
	FUZZ_CHECK(text_valid_utf8(clean, n));
	for (i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)clean[i] >= 0x20 && clean[i] != 0x7F);
	FUZZ_CHECK(n == 0 || (clean[0] != ' ' && clean[n - 1] != ' '));
	FUZZ_CHECK(strstr(clean, "  ") == NULL);
	FUZZ_CHECK(strstr(clean, "\xc2\x9b") == NULL && strstr(clean, "\xc2\x9d") == NULL);

	fold = text_fold(clean);
	FUZZ_CHECK(fold != NULL);
	FUZZ_CHECK(text_valid_utf8(fold, strlen(fold)));
	free(fold);
	fold = text_fold(s);  /* raw bytes, possibly invalid UTF-8 */
	FUZZ_CHECK(fold != NULL);
	FUZZ_CHECK(text_valid_utf8(fold, strlen(fold)));
	free(fold);

	{
		char *a = text_inert(s, 0), *b = text_inert(s, 1);
		int w = 0;
		size_t fit = text_fit(clean, 7, &w);

		FUZZ_CHECK(a && b && !strchr(a, 0x1b) && !strchr(b, 0x1b));
		FUZZ_CHECK(text_valid_utf8(a, strlen(a)));
		for (i = 0; b[i]; i++)
			FUZZ_CHECK((unsigned char)b[i] >= 0x20 && (unsigned char)b[i] < 0x7F);
		FUZZ_CHECK(fit <= n && w <= 7 && text_valid_utf8(clean, fit));
		free(a);
		free(b);
	}
	free(clean);
}

/* Reads one record from each reader and checks they agree. */
static int fuzz_step(struct csv_reader *a, struct csv_reader *b, size_t max)
{
	struct csv_record x, y;
	enum csv_result ra = csv_next(a, &x), rb = csv_next(b, &y);
	size_t i;

	FUZZ_CHECK(ra == rb);
	FUZZ_CHECK(csv_offset(a) == csv_offset(b));
	if (ra != CSV_RECORD) {
		FUZZ_CHECK(strcmp(csv_error(a), csv_error(b)) == 0);
		FUZZ_CHECK(ra != CSV_IO_ERROR);
		if (ra == CSV_BAD_RECORD)
			FUZZ_CHECK(csv_error(a)[0] != '\0');
		return ra == CSV_BAD_RECORD;
	}
	FUZZ_CHECK(x.nfields >= 1 && x.nfields == y.nfields);
	FUZZ_CHECK(x.line == y.line && x.lines == y.lines && x.lines >= 1);
	FUZZ_CHECK(x.quoted_newline == y.quoted_newline);
	for (i = 0; i < x.nfields; i++) {
		FUZZ_CHECK(x.len[i] == y.len[i] && x.len[i] <= max);
		FUZZ_CHECK(memcmp(x.field[i], y.field[i], x.len[i]) == 0);
		FUZZ_CHECK(x.field[i][x.len[i]] == '\0');
		fuzz_check_text(x.field[i], x.len[i]);
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_chunks c = { data, size, 0, 0 };
	size_t max = fuzz_max_record(data, size);
	struct csv_reader *a = csv_open_mem((const char *)data, size, "fuzz.csv", max);
	struct csv_reader *b = csv_open(fuzz_read, &c, "fuzz.csv", max);

	FUZZ_CHECK(a && b);
	while (fuzz_step(a, b, max))
		;
	FUZZ_CHECK(csv_offset(a) == size);
	FUZZ_CHECK(csv_had_bom(a) == csv_had_bom(b));
	csv_close(a);
	csv_close(b);
	return 0;
}
