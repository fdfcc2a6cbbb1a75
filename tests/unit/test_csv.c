/* Unit tests for core/csv: the rows real district exports contain, read
 * whole, byte by byte and in odd chunks, which must all agree. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "testutil.h"

/* Asserts field i of record t is the C string s. */
#define assert_field(t, i, s) do { \
		assert_true((i) < (t)->nfields); \
		assert_int_equal((t)->len[i], strlen(s)); \
		assert_memory_equal((t)->field[i], (s), strlen(s) + 1); \
	} while (0)

/* Reads text whole and in 1-, 2-, 3- and 7-byte chunks; all must agree. */
static struct tu_recs read_all_ways(const char *text, size_t size, size_t max_record)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 4096 };
	struct tu_recs whole = tu_read_mem(text, size, max_record);
	size_t i;

	for (i = 0; i < TU_LEN(chunks); i++) {
		struct tu_recs part = tu_read_chunked(text, size, chunks[i], max_record);
		const char *diff = tu_recs_diff(&whole, &part);

		if (diff)
			fail_msg("chunk size %zu: %s", chunks[i], diff);
		tu_recs_free(&part);
	}
	return whole;
}

#define READ(lit) read_all_ways(TU_BYTES(lit), 0)

static void test_empty_file_is_eof(void **state)
{
	struct csv_reader *r = csv_open_mem("", 0, "empty.csv", 0);
	struct csv_record rec;

	assert_non_null(r);
	assert_int_equal(csv_next(r, &rec), CSV_EOF);
	assert_int_equal(csv_next(r, &rec), CSV_EOF);
	assert_int_equal(csv_had_bom(r), 0);
	assert_string_equal(csv_error(r), "");
	csv_close(r);
}

static void test_bom_only_file(void **state)
{
	struct tu_recs all = READ("\xEF\xBB\xBF");

	assert_int_equal(all.n, 0);
	assert_int_equal(all.bom, 1);
	assert_int_equal(all.offset, 3);
	tu_recs_free(&all);
}

static void test_bom_is_skipped(void **state)
{
	struct tu_recs all = READ("\xEF\xBB\xBFsourcedId,givenName\nu1,Ann\n");

	assert_int_equal(all.n, 2);
	assert_int_equal(all.bom, 1);
	assert_field(&all.r[0], 0, "sourcedId");
	assert_field(&all.r[1], 1, "Ann");
	tu_recs_free(&all);
}

static void test_bom_later_is_data(void **state)
{
	struct tu_recs all = READ("a\n\xEF\xBB\xBF" "b\n");

	assert_int_equal(all.bom, 0);
	assert_field(&all.r[1], 0, "\xEF\xBB\xBF" "b");
	tu_recs_free(&all);
}

static void test_crlf_file(void **state)
{
	struct tu_recs all = READ("id,name\r\n1,Ann\r\n2,Bob\r\n");

	assert_int_equal(all.n, 3);
	assert_field(&all.r[1], 1, "Ann");
	assert_field(&all.r[2], 1, "Bob");
	assert_int_equal(all.r[2].line, 3);
	assert_int_equal(all.r[2].lines, 1);
	tu_recs_free(&all);
}

static void test_crlf_row_in_lf_file(void **state)
{
	struct tu_recs all = READ("id,name\n1,Ann\r\n2,Bob\n3,\"Cy\"\r\n");

	assert_int_equal(all.n, 4);
	assert_field(&all.r[1], 1, "Ann");
	assert_field(&all.r[2], 1, "Bob");
	assert_field(&all.r[3], 1, "Cy");
	assert_int_equal(all.r[3].line, 4);
	tu_recs_free(&all);
}

static void test_lone_cr_is_data(void **state)
{
	/* Only LF and CRLF end a line; a CR elsewhere stays for text_clean. */
	struct tu_recs all = READ("a\rb,c\n");

	assert_int_equal(all.n, 1);
	assert_field(&all.r[0], 0, "a\rb");
	tu_recs_free(&all);
}

static void test_quoted_comma(void **state)
{
	struct tu_recs all = READ("familyName,givenName\n\"Walker, III\",Tom\n");

	assert_int_equal(all.r[1].nfields, 2);
	assert_field(&all.r[1], 0, "Walker, III");
	assert_field(&all.r[1], 1, "Tom");
	tu_recs_free(&all);
}

static void test_doubled_quotes(void **state)
{
	struct tu_recs all = READ("\"Jose \"\"Tony\"\"\",Perez,\"\"\"\"\n");

	assert_int_equal(all.r[0].nfields, 3);
	assert_field(&all.r[0], 0, "Jose \"Tony\"");
	assert_field(&all.r[0], 2, "\"");
	tu_recs_free(&all);
}

static void test_quoted_newline_keeps_start_line(void **state)
{
	struct tu_recs all = READ("id,address\n1,\"12 Oak St\nApt 4\n\"\n2,\"x\"\n");

	assert_int_equal(all.n, 3);
	assert_int_equal(all.r[1].line, 2);
	assert_int_equal(all.r[1].lines, 3);
	assert_int_equal(all.r[1].quoted_newline, 1);
	assert_field(&all.r[1], 1, "12 Oak St\nApt 4\n");
	assert_int_equal(all.r[2].line, 5);
	assert_int_equal(all.r[2].lines, 1);
	assert_int_equal(all.r[2].quoted_newline, 0);
	tu_recs_free(&all);
}

static void test_quoted_crlf_is_kept(void **state)
{
	struct tu_recs all = READ("\"a\r\nb\"\r\nc\r\n");

	assert_int_equal(all.n, 2);
	assert_field(&all.r[0], 0, "a\r\nb");
	assert_int_equal(all.r[1].line, 3);
	tu_recs_free(&all);
}

static void test_field_counts_are_reported(void **state)
{
	struct tu_recs all = READ("a,b,c\n1,2\n1,2,3,4\n,,\nx,\n\"\"\n");

	assert_int_equal(all.n, 6);
	assert_int_equal(all.r[1].nfields, 2);
	assert_int_equal(all.r[2].nfields, 4);
	assert_int_equal(all.r[3].nfields, 3);
	assert_field(&all.r[3], 2, "");
	assert_int_equal(all.r[4].nfields, 2);
	assert_field(&all.r[4], 1, "");
	/* "" is one empty field, not a blank line. */
	assert_int_equal(all.r[5].nfields, 1);
	assert_field(&all.r[5], 0, "");
	tu_recs_free(&all);
}

static void test_no_final_newline(void **state)
{
	struct tu_recs all = READ("a,b\n1,2");

	assert_int_equal(all.n, 2);
	assert_field(&all.r[1], 1, "2");
	assert_int_equal(all.r[1].line, 2);
	tu_recs_free(&all);

	all = READ("a,\"b\"");
	assert_int_equal(all.n, 1);
	assert_field(&all.r[0], 1, "b");
	tu_recs_free(&all);

	all = READ("a,b\r");
	assert_int_equal(all.n, 1);
	assert_field(&all.r[0], 1, "b");
	tu_recs_free(&all);

	all = READ("a,");
	assert_int_equal(all.r[0].nfields, 2);
	tu_recs_free(&all);
}

static void test_blank_lines_are_skipped(void **state)
{
	struct tu_recs all = READ("\na\n\n\r\nb\n\n\r");

	assert_int_equal(all.n, 2);
	assert_field(&all.r[0], 0, "a");
	assert_int_equal(all.r[0].line, 2);
	assert_field(&all.r[1], 0, "b");
	assert_int_equal(all.r[1].line, 5);
	tu_recs_free(&all);
}

static void test_stray_quote_in_unquoted_field(void **state)
{
	struct tu_recs all = READ("O\"Brien,5'11\",x\"\n");

	assert_int_equal(all.r[0].nfields, 3);
	assert_field(&all.r[0], 0, "O\"Brien");
	assert_field(&all.r[0], 1, "5'11\"");
	assert_field(&all.r[0], 2, "x\"");
	tu_recs_free(&all);
}

static void test_text_after_closing_quote(void **state)
{
	struct tu_recs all = READ("\"Smith\" Jr,\"a\"b\"c\",z\n");

	assert_int_equal(all.r[0].nfields, 3);
	assert_field(&all.r[0], 0, "Smith Jr");
	assert_field(&all.r[0], 1, "ab\"c\"");
	assert_field(&all.r[0], 2, "z");
	tu_recs_free(&all);
}

static void test_unterminated_quote_at_eof(void **state)
{
	struct tu_recs all = READ("id,name\n1,Ann\n2,\"Bob\n3,Cy\n");

	assert_int_equal(all.n, 3);
	assert_int_equal(all.r[1].result, CSV_RECORD);
	assert_int_equal(all.r[2].result, CSV_BAD_RECORD);
	assert_string_equal(all.r[2].error, "t.csv:3: unterminated quoted field");
	assert_int_equal(all.r[2].line, 3);
	tu_recs_free(&all);
}

static void test_nul_byte_in_field(void **state)
{
	struct tu_recs all = READ("a\0b,c\n\"q\0\",d\n");

	assert_int_equal(all.n, 2);
	assert_int_equal(all.r[0].len[0], 3);
	assert_memory_equal(all.r[0].field[0], "a\0b", 4);
	assert_int_equal(all.r[1].len[0], 2);
	assert_memory_equal(all.r[1].field[0], "q\0", 3);
	tu_recs_free(&all);
}

static void test_fields_are_nul_terminated(void **state)
{
	struct csv_reader *r = csv_open_mem(TU_BYTES("ab,\"c,d\",e\nx\n"), "t.csv", 0);
	struct csv_record rec;
	size_t i;

	assert_int_equal(csv_next(r, &rec), CSV_RECORD);
	assert_int_equal(rec.nfields, 3);
	for (i = 0; i < rec.nfields; i++)
		assert_int_equal(rec.field[i][rec.len[i]], '\0');
	assert_string_equal(rec.field[1], "c,d");
	assert_int_equal(csv_next(r, &rec), CSV_RECORD);
	assert_string_equal(rec.field[0], "x");
	assert_int_equal(csv_offset(r), 13);
	assert_int_equal(csv_next(r, &rec), CSV_EOF);
	csv_close(r);
}

/* "h\n", then a line of n 'x', then "after,1\n". */
static char *long_line_file(size_t n, size_t *size)
{
	char *buf = tu_xmalloc(n + 16);

	memcpy(buf, "h\n", 2);
	memset(buf + 2, 'x', n);
	memcpy(buf + 2 + n, "\nafter,1\n", 9);
	*size = n + 11;
	return buf;
}

static void test_five_mb_line_is_skipped(void **state)
{
	size_t size;
	char *buf = long_line_file(5u << 20, &size);
	struct tu_recs all = tu_read_mem(buf, size, 1u << 20);
	struct tu_recs part = tu_read_chunked(buf, size, 100000, 1u << 20);

	assert_int_equal(all.n, 3);
	assert_field(&all.r[0], 0, "h");
	assert_int_equal(all.r[1].result, CSV_BAD_RECORD);
	assert_string_equal(all.r[1].error, "t.csv:2: record longer than 1048576 bytes; skipped");
	assert_int_equal(all.r[2].result, CSV_RECORD);
	assert_field(&all.r[2], 0, "after");
	assert_int_equal(all.r[2].line, 3);
	assert_null(tu_recs_diff(&all, &part));
	tu_recs_free(&all);
	tu_recs_free(&part);
	free(buf);
}

static void test_record_exactly_at_limit(void **state)
{
	/* 16 bytes pass with max_record 16 (quotes count); 17 do not. */
	struct tu_recs all = read_all_ways(TU_BYTES("0123456789abcdef\n0123456789abcdefg\n\"123456789abcde\"\nok\r\n"), 16);

	assert_int_equal(all.n, 4);
	assert_int_equal(all.r[0].result, CSV_RECORD);
	assert_int_equal(all.r[1].result, CSV_BAD_RECORD);
	assert_int_equal(all.r[2].result, CSV_RECORD);
	assert_field(&all.r[2], 0, "123456789abcde");
	assert_field(&all.r[3], 0, "ok");
	assert_int_equal(all.r[3].line, 4);
	tu_recs_free(&all);
}

static void test_endless_quote_is_bounded(void **state)
{
	/* A quote that never closes is cut at max_record and reading goes on
	 * from the next line break, with line numbers still right. */
	static const char text[] = "id\n\"abc\nline3\nline4\nline5\n";
	struct tu_recs all = read_all_ways(TU_BYTES(text), 10);

	assert_int_equal(all.n, 4);
	assert_int_equal(all.r[1].result, CSV_BAD_RECORD);
	assert_string_equal(all.r[1].error, "t.csv:2: record longer than 10 bytes; skipped");
	assert_field(&all.r[2], 0, "line4");
	assert_int_equal(all.r[2].line, 4);
	assert_int_equal(all.r[3].line, 5);
	tu_recs_free(&all);
}

/* Produces "h\n", a huge line of 'x', then "tail\n", without storing it. */
struct huge {
	unsigned long long size, off;
};

static ssize_t huge_read(void *ctx, char *buf, size_t n)
{
	struct huge *h = ctx;
	size_t i;

	for (i = 0; i < n && h->off < h->size + 7; i++, h->off++) {
		if (h->off == 0)
			buf[i] = 'h';
		else if (h->off == 1 || h->off == h->size + 2)
			buf[i] = '\n';
		else if (h->off < h->size + 2)
			buf[i] = 'x';
		else
			buf[i] = "tail"[h->off - h->size - 3];
	}
	return (ssize_t)i;
}

static long max_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void test_hundred_mb_line_in_bounded_memory(void **state)
{
	struct huge h = { 100ull << 20, 0 };
	long before = max_rss_kib();
	struct tu_recs all = tu_read_all(csv_open(huge_read, &h, "big.csv", 0));

	assert_int_equal(all.n, 3);
	assert_int_equal(all.r[1].result, CSV_BAD_RECORD);
	assert_string_equal(all.r[1].error, "big.csv:2: record longer than 1048576 bytes; skipped");
	assert_field(&all.r[2], 0, "tail");
	assert_int_equal(all.r[2].line, 3);
	assert_int_equal(all.offset, h.size + 7);
	/* Holding the line would add 100 MB to the peak. */
	assert_true(max_rss_kib() - before < 32 * 1024);
	tu_recs_free(&all);
}

static int eio_calls;

static ssize_t eio_read(void *ctx, char *buf, size_t n)
{
	if (eio_calls++ == 0) {
		memcpy(buf, "a,b\nc", 5);
		return 5;
	}
	errno = EIO;
	return -1;
}

static void test_read_error_names_file_and_line(void **state)
{
	struct csv_reader *r = csv_open(eio_read, NULL, "users.csv", 0);
	struct csv_record rec;

	eio_calls = 0;
	assert_int_equal(csv_next(r, &rec), CSV_RECORD);
	assert_int_equal(csv_next(r, &rec), CSV_IO_ERROR);
	assert_string_equal(csv_error(r), "users.csv:2: read failed: Input/output error");
	csv_close(r);
}

/* Reads a file through csv_open_fd and through a 1-byte callback. */
static void compare_fd_and_bytewise(const char *path, struct tu_recs *out)
{
	size_t size;
	char *text = tu_slurp(path, &size);
	int fd = open(path, O_RDONLY);
	struct tu_recs by_fd, by_byte;
	const char *diff;

	assert_non_null(text);
	assert_true(fd >= 0);
	by_fd = tu_read_all(csv_open_fd(fd, "t.csv", 0));
	close(fd);
	by_byte = tu_read_chunked(text, size, 1, 0);
	diff = tu_recs_diff(&by_fd, &by_byte);
	if (diff)
		fail_msg("%s: %s", path, diff);
	assert_int_equal(by_fd.offset, size);
	tu_recs_free(&by_byte);
	free(text);
	*out = by_fd;
}

static void test_sample_users_fd_equals_bytewise(void **state)
{
	char path[4096];
	struct tu_recs all;
	size_t i;

	tu_data(path, sizeof path, "oneroster-1.1-quoted/users.csv");
	compare_fd_and_bytewise(path, &all);
	assert_int_equal(all.n, 21);
	assert_field(&all.r[0], 0, "sourcedId");
	for (i = 0; i < all.n; i++) {
		assert_int_equal(all.r[i].result, CSV_RECORD);
		assert_int_equal(all.r[i].nfields, all.r[0].nfields);
		assert_int_equal(all.r[i].line, (long)i + 1);
	}
	tu_recs_free(&all);
}

static void test_nasty_file_fd_equals_bytewise(void **state)
{
	static const char nasty[] =
		"\xEF\xBB\xBFsourcedId,familyName,givenName,note\r\n"
		"u1,\"Walker, III\",Tom,\r\n"
		"u2,Perez,\"Jose \"\"Tony\"\"\",\"two\nlines\"\n"
		"\n"
		"u3,O\"Brien,\"Sean\" x,\xE9t\xE9\r\n"
		"u4,Lee,Ann";
	char path[] = "/tmp/test_csv_XXXXXX";
	int fd = mkstemp(path);
	struct tu_recs all;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, nasty, sizeof nasty - 1), (ssize_t)(sizeof nasty - 1));
	close(fd);
	compare_fd_and_bytewise(path, &all);
	unlink(path);
	assert_int_equal(all.bom, 1);
	assert_int_equal(all.n, 5);
	assert_field(&all.r[2], 3, "two\nlines");
	assert_int_equal(all.r[3].line, 6);
	assert_field(&all.r[3], 2, "Sean x");
	assert_int_equal(all.r[4].line, 7);
	assert_field(&all.r[4], 2, "Ann");
	tu_recs_free(&all);
}

static void test_name_is_copied(void **state)
{
	char name[] = "first.csv";
	struct csv_reader *r = csv_open_mem(TU_BYTES("\"x"), name, 0);
	struct csv_record rec;

	memcpy(name, "other.csv", sizeof name);
	assert_int_equal(csv_next(r, &rec), CSV_BAD_RECORD);
	assert_string_equal(csv_error(r), "first.csv:1: unterminated quoted field");
	assert_int_equal(csv_error_line(r), 1);
	assert_int_equal(csv_next(r, &rec), CSV_EOF);
	csv_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_file_is_eof),
		cmocka_unit_test(test_bom_only_file),
		cmocka_unit_test(test_bom_is_skipped),
		cmocka_unit_test(test_bom_later_is_data),
		cmocka_unit_test(test_crlf_file),
		cmocka_unit_test(test_crlf_row_in_lf_file),
		cmocka_unit_test(test_lone_cr_is_data),
		cmocka_unit_test(test_quoted_comma),
		cmocka_unit_test(test_doubled_quotes),
		cmocka_unit_test(test_quoted_newline_keeps_start_line),
		cmocka_unit_test(test_quoted_crlf_is_kept),
		cmocka_unit_test(test_field_counts_are_reported),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_blank_lines_are_skipped),
		cmocka_unit_test(test_stray_quote_in_unquoted_field),
		cmocka_unit_test(test_text_after_closing_quote),
		cmocka_unit_test(test_unterminated_quote_at_eof),
		cmocka_unit_test(test_nul_byte_in_field),
		cmocka_unit_test(test_fields_are_nul_terminated),
		cmocka_unit_test(test_hundred_mb_line_in_bounded_memory),
		cmocka_unit_test(test_five_mb_line_is_skipped),
		cmocka_unit_test(test_record_exactly_at_limit),
		cmocka_unit_test(test_endless_quote_is_bounded),
		cmocka_unit_test(test_read_error_names_file_and_line),
		cmocka_unit_test(test_sample_users_fd_equals_bytewise),
		cmocka_unit_test(test_nasty_file_fd_equals_bytewise),
		cmocka_unit_test(test_name_is_copied),
	};

	return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
