/* harness: a pseudo-terminal (forkpty) for the program, libvterm for the
 * screen it draws. Keys go through libvterm's keyboard so that keypad-mode
 * changes the program makes are honoured, exactly as in a real terminal. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define H_MAX_ARGS  32
#define H_ROW_BYTES 4096
#define H_STEP_MS   20      /* how long one poll waits while waiting for something */

struct h_term {
	pid_t          pid;
	int            fd;          /* the pty's master side */
	int            rows, cols;
	VTerm         *vt;
	VTermScreen   *screen;
	unsigned char *raw;         /* everything the program wrote */
	size_t         nraw, capraw;
	int            eof;         /* the program closed its terminal */
	int            exited;
	int            status;
	long long      last_us;     /* monotonic time of the last byte read */
};

static long h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes all of buf to the program, waiting (boundedly) when the pty is full. */
static void h_write(struct h_term *h, const char *buf, size_t n)
{
	long deadline = h_now_ms() + 2000;

	while (n > 0 && h_now_ms() < deadline) {
		ssize_t w = write(h->fd, buf, n);

		if (w > 0) {
			buf += w;
			n -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd p = { .fd = h->fd, .events = POLLOUT };

			poll(&p, 1, H_STEP_MS);
		} else {
			return;   /* the program is gone */
		}
	}
}

/* What libvterm wants to send back: key presses, answers to queries. */
static void h_forward(struct h_term *h)
{
	char buf[256];
	size_t n;

	while ((n = vterm_output_read(h->vt, buf, sizeof buf)) > 0)
		h_write(h, buf, n);
}

static void h_keep_raw(struct h_term *h, const char *buf, size_t n)
{
	if (h->nraw + n > h->capraw) {
		size_t cap = (h->capraw ? h->capraw * 2 : 65536) + n;
		unsigned char *p = realloc(h->raw, cap);

		if (!p)
			return;
		h->raw = p;
		h->capraw = cap;
	}
	memcpy(h->raw + h->nraw, buf, n);
	h->nraw += n;
}

/* Reads what the program wrote, waiting at most timeout_ms for the first
 * byte; returns the bytes read. */
static size_t h_pump(struct h_term *h, int timeout_ms)
{
	struct pollfd p = { .fd = h->fd, .events = POLLIN };
	char buf[8192];
	size_t got = 0;

	if (h->eof || poll(&p, 1, timeout_ms) <= 0)
		return 0;
	for (;;) {
		ssize_t n = read(h->fd, buf, sizeof buf);

		if (n > 0) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			h->last_us = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
			h_keep_raw(h, buf, (size_t)n);
			vterm_input_write(h->vt, buf, (size_t)n);
			got += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			/* EAGAIN: drained for now; 0 or EIO: the program closed it. */
			if (n == 0 || errno != EAGAIN)
				h->eof = 1;
			break;
		}
	}
	h_forward(h);
	return got;
}

static void h_child(const char *bin, char **argv, const struct h_opts *o)
{
	/* Only what the test chose: no settings or locale leak in from outside. */
	clearenv();
	setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
	setenv("TERM", o->term ? o->term : "xterm-256color", 1);
	setenv("LANG", o->lang ? o->lang : "C.UTF-8", 1);
	setenv("HOME", o->home ? o->home : "/nonexistent", 1);
	for (int i = 0; o->env && o->env[i]; i++)
		putenv((char *)o->env[i]);
	execv(bin, argv);
	_exit(127);
}

struct h_term *h_start(const struct h_opts *o)
{
	const char *bin = getenv("CARDROLL_BIN");
	char *argv[H_MAX_ARGS + 2];
	struct winsize ws = { 0 };
	struct h_term *h;
	int n = 0;

	if (!bin || !*bin) {
		fprintf(stderr, "h_start: CARDROLL_BIN is not set (run through `make tui-tests`)\n");
		return NULL;
	}
	argv[n++] = (char *)bin;
	for (int i = 0; o->argv && o->argv[i] && n <= H_MAX_ARGS; i++)
		argv[n++] = (char *)o->argv[i];
	argv[n] = NULL;
	if (!(h = calloc(1, sizeof *h)))
		return NULL;
	h->cols = o->cols > 0 ? o->cols : 80;
	h->rows = o->rows > 0 ? o->rows : 24;
	ws.ws_col = (unsigned short)h->cols;
	ws.ws_row = (unsigned short)h->rows;
	h->pid = forkpty(&h->fd, NULL, NULL, &ws);
	if (h->pid < 0) {
		perror("h_start: forkpty");
		free(h);
		return NULL;
	}
	if (h->pid == 0)
		h_child(bin, argv, o);
	fcntl(h->fd, F_SETFL, fcntl(h->fd, F_GETFL) | O_NONBLOCK);
	fcntl(h->fd, F_SETFD, FD_CLOEXEC);
	h->vt = vterm_new(h->rows, h->cols);
	vterm_set_utf8(h->vt, 1);
	h->screen = vterm_obtain_screen(h->vt);
	vterm_screen_enable_altscreen(h->screen, 1);
	vterm_screen_reset(h->screen, 1);
	return h;
}

void h_send_text(struct h_term *h, const char *s)
{
	h_write(h, s, strlen(s));
}

void h_send_key(struct h_term *h, VTermKey key)
{
	vterm_keyboard_key(h->vt, key, VTERM_MOD_NONE);
	h_forward(h);
}

void h_send_char(struct h_term *h, uint32_t c)
{
	vterm_keyboard_unichar(h->vt, c, VTERM_MOD_NONE);
	h_forward(h);
}

static size_t h_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* One row as UTF-8; col_at[i] (when given) is the screen column of byte i. */
static size_t h_row(struct h_term *h, int row, char *buf, size_t size, int *col_at)
{
	size_t n = 0;

	for (int col = 0; col < h->cols; col++) {
		VTermScreenCell cell;
		VTermPos pos = { .row = row, .col = col };

		vterm_screen_get_cell(h->screen, pos, &cell);
		if (cell.chars[0] == (uint32_t)-1)
			continue;   /* the right half of a wide character */
		for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL; i++) {
			uint32_t c = cell.chars[i];
			char u[4];
			size_t k;

			if (i > 0 && !c)
				break;
			k = h_utf8(u, c ? c : ' ');
			if (n + k + 1 > size)
				goto out;
			for (size_t j = 0; col_at && j < k; j++)
				col_at[n + j] = col;
			memcpy(buf + n, u, k);
			n += k;
			if (!c)
				break;
		}
	}
out:
	buf[n] = '\0';
	return n;
}

char *h_screen_row(struct h_term *h, int row, char *buf, size_t size)
{
	size_t n = h_row(h, row, buf, size, NULL);

	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
	return buf;
}

int h_screen_find(struct h_term *h, const char *text, int *row, int *col)
{
	int col_at[H_ROW_BYTES];
	char buf[H_ROW_BYTES];

	for (int r = 0; r < h->rows; r++) {
		const char *p;

		h_row(h, r, buf, sizeof buf, col_at);
		if ((p = strstr(buf, text)) != NULL) {
			if (row)
				*row = r;
			if (col)
				*col = col_at[p - buf];
			return 0;
		}
	}
	return -1;
}

int h_screen_has(struct h_term *h, const char *text)
{
	return h_screen_find(h, text, NULL, NULL) == 0;
}

void h_screen_dump(struct h_term *h, const char *why)
{
	char buf[H_ROW_BYTES];

	fprintf(stderr, "---- screen %dx%d: %s ----\n", h->cols, h->rows, why);
	for (int r = 0; r < h->rows; r++)
		fprintf(stderr, "%2d|%s\n", r, h_screen_row(h, r, buf, sizeof buf));
	fprintf(stderr, "---- end of screen ----\n");
}

int h_rows(const struct h_term *h)
{
	return h->rows;
}

int h_cols(const struct h_term *h)
{
	return h->cols;
}

/* Whether a row holds anchor and, after it, also (when set). */
static int h_row_has(struct h_term *h, const char *anchor, const char *also)
{
	char buf[H_ROW_BYTES];

	for (int r = 0; r < h->rows; r++) {
		const char *p;

		h_row(h, r, buf, sizeof buf, NULL);
		if ((p = strstr(buf, anchor)) != NULL && (!also || strstr(p + strlen(anchor), also)))
			return 1;
	}
	return 0;
}

/* Waits until h_row_has(anchor, also) equals want. */
static int h_wait_for(struct h_term *h, const char *anchor, const char *also, int want, int timeout_ms)
{
	long deadline = h_now_ms() + timeout_ms;
	char why[512];

	for (;;) {
		long left;

		if (h_row_has(h, anchor, also) == want)
			return 0;
		left = deadline - h_now_ms();
		if (left <= 0 || h->eof)
			break;
		h_pump(h, left < H_STEP_MS ? (int)left : H_STEP_MS);
	}
	snprintf(why, sizeof why, "\"%s\"%s%s%s still %s after %d ms%s", anchor,
		 also ? " then \"" : "", also ? also : "", also ? "\" on one row" : "",
		 want ? "not there" : "there", timeout_ms, h->eof ? " (the program closed the terminal)" : "");
	h_screen_dump(h, why);
	return -1;
}

int h_wait_text(struct h_term *h, const char *text, int timeout_ms)
{
	return h_wait_for(h, text, NULL, 1, timeout_ms);
}

int h_wait_gone(struct h_term *h, const char *text, int timeout_ms)
{
	return h_wait_for(h, text, NULL, 0, timeout_ms);
}

int h_wait_row(struct h_term *h, const char *anchor, const char *also, int timeout_ms)
{
	return h_wait_for(h, anchor, also, 1, timeout_ms);
}

void h_settle(struct h_term *h, int quiet_ms, int max_ms)
{
	long deadline = h_now_ms() + max_ms;

	while (h_now_ms() < deadline && h_pump(h, quiet_ms) > 0)
		;
}

const unsigned char *h_raw(const struct h_term *h, size_t *len)
{
	*len = h->nraw;
	return h->raw;
}

void h_resize(struct h_term *h, int cols, int rows)
{
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };

	h->cols = cols;
	h->rows = rows;
	vterm_set_size(h->vt, rows, cols);
	/* The kernel sends SIGWINCH to the program's process group. */
	ioctl(h->fd, TIOCSWINSZ, &ws);
}

static int h_decode(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

int h_wait_exit(struct h_term *h, int timeout_ms)
{
	long deadline = h_now_ms() + timeout_ms;
	int st;

	while (!h->exited) {
		pid_t r = waitpid(h->pid, &st, WNOHANG);

		if (r == h->pid) {
			h->exited = 1;
			h->status = h_decode(st);
			break;
		}
		if (h_now_ms() >= deadline)
			return -1;
		/* Keep reading, or the program could block writing its last screen. */
		if (h->eof)
			poll(NULL, 0, H_STEP_MS / 4);
		else
			h_pump(h, H_STEP_MS / 4);
	}
	return h->status;
}

int h_stop(struct h_term *h)
{
	int st;

	if (!h)
		return -1;
	if (!h->exited && !h->eof)
		h_send_key(h, VTERM_KEY_FUNCTION(10));
	st = h_wait_exit(h, 1500);
	if (st < 0) {
		kill(h->pid, SIGTERM);
		st = h_wait_exit(h, 1000);
	}
	if (st < 0) {
		kill(h->pid, SIGKILL);
		st = h_wait_exit(h, 1000);
	}
	vterm_free(h->vt);
	close(h->fd);
	free(h->raw);
	free(h);
	return st;
}

long long h_last_output_us(const struct h_term *h)
{
	return h->last_us;
}

int h_pid(const struct h_term *h)
{
	return (int)h->pid;
}
