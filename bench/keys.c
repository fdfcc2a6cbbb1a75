/* Desk benchmark: every key answered (screen settled) within 50 ms at p99
 * with a 1,000,000-student roster, and the TUI's peak memory under 24 MB.
 * Drives the real binary in a pty with libvterm as the screen (the TUI
 * tests' harness): types names letter by letter into the search, erases
 * them, moves through the results, scans student IDs (digits + Enter) and
 * goes back, timing each key from the write to the program's last byte of
 * answer. Run against the big database and a small baseline database in
 * the same run; see bench/keys.sh.
 * Usage: keys DB NAMES_FILE IDS_FILE [ROUNDS]  (env CARDROLL_BIN, staff env) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define QUIET_MS 30      /* no output for this long: the screen has settled */
#define MAX_KEY_MS 3000  /* give up waiting on one key after this */
#define MAX_KEYS 20000

static double lat[MAX_KEYS];
static int nlat;

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sends one key (text or special) and records how long the answer took. */
static void timed(struct h_term *h, const char *text, VTermKey key)
{
	long long t0 = now_us(), last;

	h_settle(h, 5, 200);   /* nothing left over from the key before */
	t0 = now_us();
	if (text)
		h_send_text(h, text);
	else
		h_send_key(h, key);
	h_settle(h, QUIET_MS, MAX_KEY_MS);
	last = h_last_output_us(h);
	if (nlat < MAX_KEYS)
		lat[nlat++] = last > t0 ? (double)(last - t0) / 1000.0 : 0.0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static long peak_rss_kb(int pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* KEYS_SMAPS=FILE: a copy of the desk's /proc/PID/smaps at the end of the
 * run, for the PSS split that bench/keys.sh prints (libraries, heap, ...). */
static void save_smaps(int pid, const char *out)
{
	char path[64], buf[8192];
	FILE *f, *o;
	size_t n;

	snprintf(path, sizeof path, "/proc/%d/smaps", pid);
	if (!(f = fopen(path, "r")))
		return;
	if ((o = fopen(out, "w"))) {
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			fwrite(buf, 1, n, o);
		fclose(o);
	}
	fclose(f);
}

static int read_lines(const char *path, char lines[][64], int max)
{
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -1;
	while (n < max && fgets(lines[n], 64, f)) {
		lines[n][strcspn(lines[n], "\r\n")] = '\0';
		if (lines[n][0])
			n++;
	}
	fclose(f);
	return n;
}

static char names[200][64], ids[200][64];

int main(int argc, char **argv)
{
	const char *args[] = { "--db", argc > 1 ? argv[1] : "", NULL };
	static char staff[160], pin[64];
	const char *env[] = { staff, pin, NULL };
	struct h_opts o = { .argv = args, .home = "/tmp", .env = env };
	struct h_term *h;
	int nn, ni, rounds = argc > 4 ? atoi(argv[4]) : 1;
	long rss;

	if (argc < 4) {
		fprintf(stderr, "usage: keys DB NAMES_FILE IDS_FILE [ROUNDS]\n");
		return 2;
	}
	snprintf(staff, sizeof staff, "CARDROLL_STAFF=%s", getenv("CARDROLL_STAFF") ? getenv("CARDROLL_STAFF") : "");
	snprintf(pin, sizeof pin, "CARDROLL_PIN=%s", getenv("CARDROLL_PIN") ? getenv("CARDROLL_PIN") : "");
	nn = read_lines(argv[2], names, 200);
	ni = read_lines(argv[3], ids, 200);
	if (nn <= 0 || ni <= 0) {
		fprintf(stderr, "keys: no names or IDs to type\n");
		return 2;
	}
	if (!(h = h_start(&o)) || h_wait_text(h, "Find a student", 20000) != 0) {
		fprintf(stderr, "keys: the desk did not open\n");
		return 2;
	}
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < nn; i++) {
			/* A name as a person types it, then the results, then erased. */
			size_t len = strlen(names[i]);
			int typed = 0;

			for (size_t k = 0; k < len && typed < 6; k++, typed++) {
				char one[2] = { names[i][k], '\0' };

				timed(h, one, 0);
			}
			timed(h, NULL, VTERM_KEY_DOWN);
			timed(h, NULL, VTERM_KEY_DOWN);
			timed(h, NULL, VTERM_KEY_UP);
			timed(h, NULL, VTERM_KEY_ENTER);     /* the student panel */
			timed(h, NULL, VTERM_KEY_ESCAPE);    /* back to the results */
			for (int k = 0; k < typed; k++)
				timed(h, NULL, VTERM_KEY_BACKSPACE);
			timed(h, NULL, VTERM_KEY_ESCAPE);    /* the overview */
			/* A scanned student ID: a burst of digits and Enter. */
			{
				char scan[80];

				snprintf(scan, sizeof scan, "%s\r", ids[i % ni]);
				timed(h, scan, 0);
				timed(h, NULL, VTERM_KEY_ESCAPE);
				timed(h, NULL, VTERM_KEY_ESCAPE);
			}
		}
	}
	rss = peak_rss_kb(h_pid(h));
	if (getenv("KEYS_SMAPS"))
		save_smaps(h_pid(h), getenv("KEYS_SMAPS"));
	/* KEYS_AT_END=CMD: runs CMD (sh -c) with CARDROLL_PID set while the desk
	 * is still up, e.g. gdb asking SQLite how much of the heap is its own. */
	if (getenv("KEYS_AT_END")) {
		char pid[32];

		snprintf(pid, sizeof pid, "%d", h_pid(h));
		setenv("CARDROLL_PID", pid, 1);
		if (system(getenv("KEYS_AT_END")) != 0)
			fprintf(stderr, "keys: KEYS_AT_END failed\n");
	}
	h_stop(h);
	qsort(lat, (size_t)nlat, sizeof lat[0], cmp);
	printf("keys=%d p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f peak_rss_kb=%ld\n", nlat,
	       lat[nlat / 2], lat[nlat * 9 / 10], lat[nlat * 99 / 100], lat[nlat - 1], rss);
	return 0;
}
