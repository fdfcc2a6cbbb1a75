/* csv_speed: times core/csv (and optionally text_clean/text_fold on every
 * field) over roster files, for comparing with wc -l and sqlite3 .import.
 * Build: cc -O2 -Icore bench/csv_speed.c core/roster/csv.c core/text/text.c -lutf8proc */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "roster/csv.h"
#include "text/text.h"

static double csv_speed_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Cleans (and with fold > 1 also folds) one field; returns 1 if rejected. */
static int csv_speed_text(const struct csv_record *rec, size_t i, int fold)
{
	char *out;
	unsigned issues;

	if (text_clean(rec->field[i], rec->len[i], &out, &issues) < 0) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	if (!out)
		return 1;
	if (fold > 1)
		free(text_fold(out));
	free(out);
	return 0;
}

static int csv_speed_file(const char *path, int text)
{
	int fd = open(path, O_RDONLY);
	struct csv_reader *r;
	struct csv_record rec;
	enum csv_result res;
	unsigned long long records = 0, fields = 0, bad = 0;
	double t0 = csv_speed_now();

	if (fd < 0 || !(r = csv_open_fd(fd, path, 0))) {
		perror(path);
		return 1;
	}
	while ((res = csv_next(r, &rec)) != CSV_EOF) {
		if (res == CSV_IO_ERROR) {
			fprintf(stderr, "%s\n", csv_error(r));
			break;
		}
		if (res == CSV_BAD_RECORD) {
			bad++;
			continue;
		}
		records++;
		fields += rec.nfields;
		for (size_t i = 0; text && i < rec.nfields; i++)
			bad += (unsigned long long)csv_speed_text(&rec, i, text);
	}
	printf("%s: %llu records, %llu fields, %llu bad, %llu bytes, %.3f s\n", path,
	       records, fields, bad, csv_offset(r), csv_speed_now() - t0);
	csv_close(r);
	close(fd);
	return res == CSV_IO_ERROR;
}

int main(int argc, char **argv)
{
	int text = 0, rc = 0, i = 1;

	if (argc > 1 && strcmp(argv[1], "--clean") == 0)
		text = 1, i++;
	else if (argc > 1 && strcmp(argv[1], "--fold") == 0)
		text = 2, i++;
	if (i >= argc) {
		fprintf(stderr, "usage: csv_speed [--clean|--fold] FILE.csv...\n");
		return 64;
	}
	for (; i < argc; i++)
		rc |= csv_speed_file(argv[i], text);
	return rc;
}
