/* tuikill: the desk killed mid-work, for make torture's crash part. Starts
 * the real cardroll in a pty (tests/tui/harness), signed in through
 * CARDROLL_STAFF/CARDROLL_PIN, scans student IDs one after another and
 * issues each a card; every "Card issued" the screen shows is appended to
 * SEEN (those are signups a person saw committed). After KILL_MS it sends
 * SIGKILL to the desk, wherever it is.
 *
 *   CARDROLL_BIN=... tuikill DB CONFIG IDS_FILE SEEN_FILE KILL_MS
 *
 * Exit 0 when the desk was killed while working (or ran out of IDs), 2 when
 * the desk did not start, 64 on usage. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	const char *env[] = { NULL, NULL, NULL };
	char staff[160], pin[64], line[128];
	const char *args[] = { "--db", NULL, "--config", NULL, NULL };
	struct h_opts o = { 0 };
	struct h_term *h;
	FILE *ids, *seen;
	long long deadline;
	int issued = 0;

	if (argc != 6)
		return 64;
	snprintf(staff, sizeof staff, "CARDROLL_STAFF=%s", getenv("CARDROLL_STAFF") ? getenv("CARDROLL_STAFF") : "");
	snprintf(pin, sizeof pin, "CARDROLL_PIN=%s", getenv("CARDROLL_PIN") ? getenv("CARDROLL_PIN") : "");
	env[0] = staff;
	env[1] = pin;
	args[1] = argv[1];
	args[3] = argv[2];
	o.argv = args;
	o.env = env;
	o.home = getenv("HOME");
	if (!(ids = fopen(argv[3], "r")) || !(seen = fopen(argv[4], "a")))
		return 64;
	deadline = now_ms() + atoll(argv[5]);
	if (!(h = h_start(&o)))
		return 2;
	if (h_wait_text(h, "Find a student", 8000) != 0) {
		kill(h_pid(h), SIGKILL);
		h_stop(h);
		return 2;
	}
	while (now_ms() < deadline && fgets(line, sizeof line, ids)) {
		char want[160];
		int left;

		line[strcspn(line, "\r\n")] = 0;
		if (!line[0])
			continue;
		h_send_text(h, line);
		h_send_text(h, "\r");
		left = (int)(deadline - now_ms());
		if (left <= 0 || h_wait_row(h, "Student ID", line, left < 3000 ? left : 3000) != 0)
			break;
		h_send_text(h, "i");
		/* The default scheme: the card number is the student ID. */
		snprintf(want, sizeof want, "%s", line);
		left = (int)(deadline - now_ms());
		if (left > 0 && h_wait_row(h, "Card issued", want, left < 3000 ? left : 3000) == 0) {
			fprintf(seen, "%s\n", line);
			fflush(seen);
			issued++;
		}
		h_send_key(h, VTERM_KEY_ESCAPE);
		h_settle(h, 30, 200);
	}
	kill(h_pid(h), SIGKILL);
	h_stop(h);
	fclose(seen);
	fclose(ids);
	fprintf(stderr, "tuikill: %d cards issued on screen before the kill\n", issued);
	return 0;
}
