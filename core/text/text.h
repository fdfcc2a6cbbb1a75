/* text: checking, cleaning and folding of roster text, and terminal widths.
 * No curses here: the TUI and the printers both use these helpers. */
#ifndef CR_TEXT_H
#define CR_TEXT_H

#include <stddef.h>

/* What text_clean found and did, as bit flags. */
enum text_issue {
	TEXT_LATIN1     = 1 << 0,  /* not UTF-8; converted from Latin-1 */
	TEXT_BAD_UTF8   = 1 << 1,  /* not UTF-8 and not plausible Latin-1: rejected */
	TEXT_CONTROL    = 1 << 2,  /* control characters removed */
	TEXT_ESCAPE     = 1 << 3,  /* terminal/printer escape sequences removed */
	TEXT_TRIMMED    = 1 << 4,  /* leading/trailing white space (incl. NBSP) removed */
	TEXT_NUL        = 1 << 5,  /* NUL bytes removed */
};

/* Cleans one field of outside text into a fresh NUL-terminated UTF-8 string
 * in *out (caller frees): checks UTF-8; invalid input whose high bytes are
 * all printable Latin-1 (0xA0-0xFF) is converted from Latin-1 and flagged
 * TEXT_LATIN1, anything else invalid is flagged TEXT_BAD_UTF8 and *out is
 * NULL; removes escape sequences (ESC [ ... final byte, ESC ] ... BEL/ST,
 * other ESC x) and C0/C1 controls and DEL (tab, CR, LF become one space);
 * folds runs of white space to one space and trims the ends (incl. U+00A0);
 * normalises to NFC. *issues gets the flags. Returns 0, or -1 only when out
 * of memory. */
int text_clean(const char *in, size_t len, char **out, unsigned *issues);

/* Search form of a name: NFKC, case-folded, accents stripped, punctuation
 * other than letters/digits turned into spaces, runs of spaces folded.
 * "José Muñoz" -> "jose munoz", "Nguyễn" -> "nguyen". Caller frees; NULL
 * only when out of memory. */
char *text_fold(const char *s);

/* Terminal columns the UTF-8 string takes (wide CJK/emoji count 2,
 * combining marks 0, control characters 1 as they are shown inert). */
int text_width(const char *s);

/* Bytes of the longest prefix of s that fits in cols columns without
 * splitting a character; *width (may be NULL) gets that prefix's width. */
size_t text_fit(const char *s, int cols, int *width);

/* A copy safe to show on a terminal: C0/C1 controls and DEL are shown as
 * U+FFFD (or '?' when ascii is set), ESC never passes; non-ASCII is kept
 * unless ascii is set, when each non-ASCII character becomes its
 * accent-stripped ASCII letter or '?'. Invalid UTF-8 bytes become U+FFFD/'?'.
 * Caller frees. */
char *text_inert(const char *s, int ascii);

/* 1 when s is well-formed UTF-8 of length len. */
int text_valid_utf8(const char *s, size_t len);

/* Decodes the UTF-8 character at p (left bytes available) into *cp: its
 * length in bytes, or 0 when it is not valid UTF-8 (overlong, surrogate,
 * truncated). */
size_t text_utf8_next(const unsigned char *p, size_t left, unsigned *cp);

/* Backspace in a typed field: removes the last UTF-8 character of s (with
 * its continuation bytes) in place. */
void text_drop_last(char *s);

#endif
