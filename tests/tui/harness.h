/* harness: runs the real cardroll binary in a pseudo-terminal with libvterm
 * as its screen, for the TUI tests (DESIGN §8). Every wait is bounded. */
#ifndef CR_TEST_HARNESS_H
#define CR_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <vterm.h>

struct h_term;

struct h_opts {
	int                 cols, rows;  /* 0: 80x24 */
	const char         *term;        /* TERM; NULL: xterm-256color */
	const char         *lang;        /* LANG; NULL: C.UTF-8 */
	const char         *home;        /* HOME; NULL: /nonexistent */
	const char *const  *argv;        /* arguments after the program, NULL-terminated */
	const char *const  *env;         /* more "NAME=value" for the program, NULL-terminated */
};

/* Starts $CARDROLL_BIN with o->argv in a fresh terminal. NULL on failure. */
struct h_term *h_start(const struct h_opts *o);

/* Types bytes as they are (text, or a scanner's digits). */
void h_send_text(struct h_term *h, const char *s);
/* Presses a key (VTERM_KEY_UP, VTERM_KEY_FUNCTION(10), ...) the way a
 * terminal would in its current keypad mode. */
void h_send_key(struct h_term *h, VTermKey key);
/* Types one Unicode character through the terminal's keyboard. */
void h_send_char(struct h_term *h, uint32_t c);

/* Waits until text is anywhere on the screen: 0, or -1 after timeout_ms,
 * having printed the screen to stderr. */
int h_wait_text(struct h_term *h, const char *text, int timeout_ms);
/* Waits until text is nowhere on the screen: 0 or -1 (screen printed). */
int h_wait_gone(struct h_term *h, const char *text, int timeout_ms);
/* Waits until one row holds anchor and, further right, also: 0 or -1. */
int h_wait_row(struct h_term *h, const char *anchor, const char *also, int timeout_ms);
/* Reads output until the program has been quiet for quiet_ms (at most max_ms). */
void h_settle(struct h_term *h, int quiet_ms, int max_ms);

/* Row of the screen as UTF-8 without trailing blanks; returns buf. */
char *h_screen_row(struct h_term *h, int row, char *buf, size_t size);
/* Where text starts on the screen, in cells: 0, or -1 when it is not there. */
int h_screen_find(struct h_term *h, const char *text, int *row, int *col);
int h_screen_has(struct h_term *h, const char *text);
void h_screen_dump(struct h_term *h, const char *why);
int h_rows(const struct h_term *h);
int h_cols(const struct h_term *h);

/* Every byte the program wrote to the terminal so far. */
const unsigned char *h_raw(const struct h_term *h, size_t *len);

/* When the program last wrote anything (CLOCK_MONOTONIC, microseconds):
 * for timing how long a key takes to be answered. */
long long h_last_output_us(const struct h_term *h);
/* The program's process id (for reading its memory use). */
int h_pid(const struct h_term *h);

/* Resizes the terminal; the program gets SIGWINCH. */
void h_resize(struct h_term *h, int cols, int rows);

/* Waits for the program to end by itself: its exit status (128+signal when
 * killed), or -1 when it is still running after timeout_ms. */
int h_wait_exit(struct h_term *h, int timeout_ms);
/* Ends the program (F10, then SIGTERM, then SIGKILL), frees h, and returns
 * the exit status as h_wait_exit does. */
int h_stop(struct h_term *h);

#endif
