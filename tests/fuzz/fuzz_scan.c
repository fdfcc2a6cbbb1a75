/* libFuzzer target for what a barcode scanner (or a person) types at the
 * desk: the input is one scanned line, checked as pre-printed card stock
 * (cardno_check_stock, with four stock rules the first byte picks from),
 * as a library range barcode, for its check digit, and searched for in a
 * small district (search_find: an exact student ID first, then name
 * prefixes through FTS5). Whatever the bytes, a card accepted is all
 * digits of the stock's length and prefix (with a good check digit when
 * the stock has one), a refusal says why, and the search ends with a
 * status and well-formed hits. Corpus: tests/fuzz/corpus/fuzz_scan. */
#include "fuzz_db.h"

#include "desk/cardno.h"
#include "desk/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_hit(const struct search_hit *h, void *ctx)
{
	int *n = ctx;

	FD_CHECK(h->student_rowid > 0);
	FD_CHECK(h->given_name && h->family_name && h->student_number && h->status && h->district);
	(*n)++;
	return 0;
}

static void fuzz_stock(const char *scanned, const struct cardno_stock *rule)
{
	char out[CARDNO_MAX];
	struct cr_err err = { 0 };

	memset(out, 0x55, sizeof out);
	if (cardno_check_stock(scanned, rule, out, &err) == CR_OK) {
		size_t n = strnlen(out, sizeof out);

		FD_CHECK(n < sizeof out);
		FD_CHECK(strspn(out, "0123456789") == n);
		FD_CHECK(rule->length == 0 || n == (size_t)rule->length);
		FD_CHECK(strncmp(out, rule->prefix, strlen(rule->prefix)) == 0);
		FD_CHECK(!rule->luhn || cardno_luhn_ok(out));
	} else {
		FD_CHECK(err.msg[0] != '\0' && memchr(err.msg, '\0', sizeof err.msg));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cardno_stock rules[] = {
		{ "", 0, 0 }, { "2123", 14, 1 }, { "9", 10, 0 }, { "", 8, 1 },
	};
	struct cr_err err = { 0 };
	char *line = malloc(size + 1);
	int n = 0, count = -1;
	long long serial;

	if (!line)
		return 0;
	if (!fd_db) {
		struct roster_options opt = { 0 };
		struct roster_summary sum;

		fd_setup("fuzz-scan");
		fd_put_district("pkg");
		fd_put("pkg/manifest.csv", "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
		       "file.orgs,bulk\nfile.classes,bulk\nfile.users,bulk\nfile.enrollments,bulk\n");
		opt.source = fd_at("pkg");
		FD_CHECK(roster_import(fd_db, &opt, &sum, &err) == CR_OK);
	}
	memcpy(line, data, size);
	line[size] = '\0';
	fuzz_stock(line, &rules[size ? data[0] % 4 : 0]);
	fuzz_stock(line, &rules[1]);
	serial = cardno_library_serial(line, "1234");
	FD_CHECK(serial >= -1 && serial < 100000000LL);
	if (cardno_luhn_ok(line))
		FD_CHECK(strspn(line, "0123456789") == strlen(line) && line[0]);
	if (search_find(fd_db, line, 20, fuzz_hit, &n, &count, &err) == CR_OK)
		FD_CHECK(count == n && n <= 20);
	else
		FD_CHECK(err.msg[0] != '\0');
	fd_check_db();
	free(line);
	return 0;
}
