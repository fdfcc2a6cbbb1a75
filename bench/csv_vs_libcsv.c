/* csv_vs_libcsv: reads a CSV file with our reader (core/roster/csv.c) or
 * with libcsv (Debian libcsv-dev, 3.0.3), counting records and fields and
 * taking an FNV-1a checksum of every field's bytes in order, so the two
 * can be checked to read the same thing. Prints
 *   reader records fields checksum seconds MB/s
 * One source, two binaries (both define csv_error()):
 *   cc -O2 -Icore -DUSE_OURS   bench/csv_vs_libcsv.c core/roster/csv.c -o csv_ours
 *   cc -O2        -DUSE_LIBCSV bench/csv_vs_libcsv.c -lcsv -o csv_libcsv
 * (bench/csv_vs_libcsv.sh builds both and times them, 3 rounds.) libcsv
 * is a bench dependency only: the program does not link it.
 *
 * To read the same fields as ours, libcsv is told not to trim spaces and
 * tabs around unquoted fields (its default does), and the UTF-8 BOM is
 * skipped here (libcsv would hand it over as part of the first field).
 * Both read the file in 64 KiB blocks from one descriptor. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(USE_OURS)
#include "roster/csv.h"
#elif defined(USE_LIBCSV)
#include <csv.h>
#else
#error "build with -DUSE_OURS or -DUSE_LIBCSV"
#endif

static uint64_t fnv = 14695981039346656037ull;
static unsigned long long records, fields;

static void field(const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		fnv = (fnv ^ s[i]) * 1099511628211ull;
	fnv = (fnv ^ 0x100) * 1099511628211ull;   /* field end */
	fields++;
}

static void record_end(void)
{
	fnv = (fnv ^ 0x200) * 1099511628211ull;
	records++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#if defined(USE_OURS)
#define READER "ours"
static int read_file(int fd, const char *path)
{
	struct csv_reader *r = csv_open_fd(fd, path, 0);
	struct csv_record rec;
	enum csv_result res;

	if (!r)
		return -1;
	while ((res = csv_next(r, &rec)) != CSV_EOF) {
		if (res != CSV_RECORD) {
			fprintf(stderr, "%s\n", csv_error(r));
			if (res == CSV_IO_ERROR)
				break;
			continue;
		}
		for (size_t i = 0; i < rec.nfields; i++)
			field(rec.field[i], rec.len[i]);
		record_end();
	}
	csv_close(r);
	return 0;
}
#else
#define READER "libcsv"
static void cb_field(void *s, size_t n, void *ctx)
{
	(void)ctx;
	field(s, n);
}
static void cb_record(int c, void *ctx)
{
	(void)c;
	(void)ctx;
	record_end();
}
static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}
static int read_file(int fd, const char *path)
{
	static char buf[1 << 16];
	struct csv_parser p;
	ssize_t n;
	int first = 1;

	if (csv_init(&p, CSV_APPEND_NULL) != 0)
		return -1;
	csv_set_space_func(&p, no_space);
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		const char *s = buf;

		if (first && n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) {
			s += 3;
			n -= 3;
		}
		first = 0;
		if (csv_parse(&p, s, (size_t)n, cb_field, cb_record, NULL) != (size_t)n) {
			fprintf(stderr, "%s: %s\n", path, csv_strerror(csv_error(&p)));
			csv_free(&p);
			return -1;
		}
	}
	csv_fini(&p, cb_field, cb_record, NULL);
	csv_free(&p);
	return n < 0 ? -1 : 0;
}
#endif

int main(int argc, char **argv)
{
	double t0, secs;
	off_t size;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE.csv\n", argv[0]);
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, 0, SEEK_SET);
	t0 = now();
	if (read_file(fd, argv[1]) < 0) {
		fprintf(stderr, "%s: cannot read\n", argv[1]);
		return 1;
	}
	secs = now() - t0;
	close(fd);
	printf("%s %llu %llu %016llx %.3f %.0f\n", READER, records, fields, (unsigned long long)fnv, secs,
	       (double)size / secs / 1e6);
	return 0;
}
