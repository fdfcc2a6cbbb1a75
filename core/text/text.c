/* text: cleaning, folding and measuring roster text (see text.h). Most
 * fields are plain ASCII, so every function has a path that never calls
 * utf8proc; utf8proc does normalisation, categories and widths. */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

typedef unsigned char uchar;

/* ---- UTF-8 decoding ---- */

/* Length of the well-formed sequence at s (n bytes left) with its code
 * point in *cp, or 0 when it is not well-formed (overlong, surrogate,
 * beyond U+10FFFF, truncated). */
static size_t text_decode(const uchar *s, size_t n, int32_t *cp)
{
	uchar c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xC2 || c > 0xF4)
		return 0;
	if (c < 0xE0) {
		if (n < 2 || (s[1] & 0xC0) != 0x80)
			return 0;
		*cp = (int32_t)(c & 0x1F) << 6 | (s[1] & 0x3F);
		return 2;
	}
	if (c < 0xF0) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F))
			return 0;
		*cp = (int32_t)(c & 0x0F) << 12 | (int32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
		return 3;
	}
	if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
		return 0;
	if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
		return 0;
	*cp = (int32_t)(c & 0x07) << 18 | (int32_t)(s[1] & 0x3F) << 12 |
	      (int32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
	return 4;
}

/* Like text_decode, but an ill-formed byte reads as one U+FFFD. */
static size_t text_next(const uchar *s, size_t n, int32_t *cp)
{
	size_t l = text_decode(s, n, cp);

	if (l)
		return l;
	*cp = 0xFFFD;
	return 1;
}

int text_valid_utf8(const char *str, size_t len)
{
	const uchar *s = (const uchar *)str;
	size_t i = 0, l;
	int32_t cp;

	while (i < len) {
		/* Eight ASCII bytes at a time: names are mostly ASCII. */
		while (len - i >= 8) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i == len)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		l = text_decode(s + i, len - i, &cp);
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

static int text_is_c0c1(int32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

static int text_is_space_cat(int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

/* ---- text_clean ---- */

/* Printable ASCII, no space at either end, no two spaces in a row: the
 * field is already clean. */
static int text_plain_ascii(const uchar *s, size_t n)
{
	size_t i;

	if (n && (s[0] == ' ' || s[n - 1] == ' '))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] >= 0x7F)
			return 0;
		if (s[i] == ' ' && s[i + 1] == ' ')
			return 0;
	}
	return 1;
}

/* Invalid UTF-8 is taken for Latin-1 only when every high byte is a
 * printable Latin-1 character; 0x80-0x9F suggests CP1252 or garbage. */
static int text_latin1_plausible(const uchar *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 0x80 && s[i] < 0xA0)
			return 0;
	return 1;
}

static uchar *text_from_latin1(const uchar *s, size_t n, size_t *outlen)
{
	uchar *o = malloc(2 * n + 1), *p = o;
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] < 0x80) {
			*p++ = s[i];
		} else {
			*p++ = (uchar)(0xC0 | s[i] >> 6);
			*p++ = (uchar)(0x80 | (s[i] & 0x3F));
		}
	}
	*p = '\0';
	*outlen = (size_t)(p - o);
	return o;
}

/* Skips a CSI's parameters, intermediates and final byte from s[i]. */
static size_t text_skip_csi(const uchar *s, size_t n, size_t i)
{
	while (i < n && s[i] >= 0x20 && s[i] <= 0x3F)
		i++;
	if (i < n && s[i] >= 0x40 && s[i] <= 0x7E)
		i++;
	return i;
}

/* Skips an OSC string from s[i]: it ends at BEL, ST (ESC \ or U+009C), or
 * before any other ESC, which then starts a sequence of its own. */
static size_t text_skip_osc(const uchar *s, size_t n, size_t i)
{
	for (; i < n; i++) {
		if (s[i] == 0x07)
			return i + 1;
		if (s[i] == 0x1B)
			return i + 1 < n && s[i + 1] == '\\' ? i + 2 : i;
		if (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0x9C)
			return i + 2;
	}
	return n;
}

/* s[i] starts an escape (ESC, U+009B CSI, U+009D OSC; the input is valid
 * UTF-8). Returns the index just past the whole sequence. */
static size_t text_skip_escape(const uchar *s, size_t n, size_t i, int32_t cp)
{
	int32_t next;

	if (cp == 0x9B)
		return text_skip_csi(s, n, i + 2);
	if (cp == 0x9D)
		return text_skip_osc(s, n, i + 2);
	if (++i >= n)
		return n;
	if (s[i] == '[')
		return text_skip_csi(s, n, i + 1);
	if (s[i] == ']')
		return text_skip_osc(s, n, i + 1);
	return i + text_next(s + i, n - i, &next);
}

/* Invisible characters that only serve to confuse: a stray byte order mark
 * and the bidi embeddings/overrides/isolates that reorder what follows. */
static int text_is_invisible(int32_t cp)
{
	return cp == 0xFEFF || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* What one code point of input becomes in text_clean. */
enum text_kind { TEXT_K_KEEP, TEXT_K_SPACE, TEXT_K_DROP, TEXT_K_ESCAPE };

static enum text_kind text_classify(int32_t cp, unsigned *issues)
{
	if (cp >= 0x20 && cp < 0x7F)
		return cp == ' ' ? TEXT_K_SPACE : TEXT_K_KEEP;
	if (cp == 0x1B || cp == 0x9B || cp == 0x9D)
		return TEXT_K_ESCAPE;
	if (cp == '\t' || cp == '\n' || cp == '\r')
		return TEXT_K_SPACE;
	if (cp == 0) {
		*issues |= TEXT_NUL;
		return TEXT_K_DROP;
	}
	if (text_is_c0c1(cp) || text_is_invisible(cp)) {
		*issues |= TEXT_CONTROL;
		return TEXT_K_DROP;
	}
	return text_is_space_cat(cp) ? TEXT_K_SPACE : TEXT_K_KEEP;
}

/* Copies valid UTF-8 s into o (room for n + 1 bytes) without escapes and
 * controls, white space folded and trimmed. Returns the length. */
static size_t text_clean_walk(const uchar *s, size_t n, uchar *o, unsigned *issues, int *high)
{
	size_t i = 0, len = 0;
	int space = 0;
	int32_t cp;

	while (i < n) {
		size_t l = text_next(s + i, n - i, &cp);

		switch (text_classify(cp, issues)) {
		case TEXT_K_ESCAPE:
			*issues |= TEXT_ESCAPE;
			i = text_skip_escape(s, n, i, cp);
			continue;
		case TEXT_K_SPACE:
			space = 1;
			break;
		case TEXT_K_DROP:
			break;
		case TEXT_K_KEEP:
			if (space) {
				if (len)
					o[len++] = ' ';
				else
					*issues |= TEXT_TRIMMED;
				space = 0;
			}
			memcpy(o + len, s + i, l);
			len += l;
			*high |= l > 1;
			break;
		}
		i += l;
	}
	if (space)
		*issues |= TEXT_TRIMMED;
	o[len] = '\0';
	return len;
}

static int text_clean_utf8(const uchar *s, size_t n, char **out, unsigned *issues)
{
	uchar *buf = malloc(n + 1), *nfc = NULL;
	size_t len;
	int high = 0;
	utf8proc_ssize_t r;

	if (!buf)
		return -1;
	len = text_clean_walk(s, n, buf, issues, &high);
	if (!high) {
		*out = (char *)buf;
		return 0;
	}
	r = utf8proc_map(buf, (utf8proc_ssize_t)len, &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	free(buf);
	if (r < 0)
		return -1;  /* the walk left valid UTF-8: only memory can fail */
	*out = (char *)nfc;
	return 0;
}

int text_clean(const char *in, size_t len, char **out, unsigned *issues)
{
	const uchar *s = (const uchar *)in;
	unsigned dummy;
	uchar *latin;
	size_t n;
	int rc;

	if (!issues)
		issues = &dummy;
	*issues = 0;
	*out = NULL;
	if (text_plain_ascii(s, len)) {
		char *o = malloc(len + 1);

		if (!o)
			return -1;
		memcpy(o, in, len);
		o[len] = '\0';
		*out = o;
		return 0;
	}
	if (text_valid_utf8(in, len))
		return text_clean_utf8(s, len, out, issues);
	if (!text_latin1_plausible(s, len)) {
		*issues |= TEXT_BAD_UTF8;
		return 0;
	}
	latin = text_from_latin1(s, len, &n);
	if (!latin)
		return -1;
	*issues |= TEXT_LATIN1;
	rc = text_clean_utf8(latin, n, out, issues);
	free(latin);
	return rc;
}

/* ---- text_fold ---- */

/* Letters that neither decompose nor case-fold to a base letter. */
static const char *text_fold_letter(int32_t cp)
{
	switch (cp) {
	case 0x00F8: case 0x00D8: return "o";   /* ø Ø */
	case 0x0111: case 0x0110: return "d";   /* đ Đ */
	case 0x0142: case 0x0141: return "l";   /* ł Ł */
	case 0x00E6: case 0x00C6: return "ae";  /* æ Æ */
	case 0x0153: case 0x0152: return "oe";  /* œ Œ */
	case 0x0127: case 0x0126: return "h";   /* ħ Ħ */
	case 0x0167: case 0x0166: return "t";   /* ŧ Ŧ */
	case 0x0131:              return "i";   /* ı */
	case 0x00FE: case 0x00DE: return "th";  /* þ Þ */
	case 0x00F0: case 0x00D0: return "d";   /* ð Ð */
	case 0x00DF:              return "ss";  /* ß, should casefolding miss it */
	default:                  return NULL;
	}
}

static int text_is_alnum_cat(int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	/* Modifier-letter apostrophes (ʹ ʺ ʻ ʼ ʾ ʿ) act as punctuation in names. */
	if ((cp >= 0x02B9 && cp <= 0x02BC) || cp == 0x02BE || cp == 0x02BF)
		return 0;
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

/* Appends n bytes of a word, first writing the one space a run of
 * separators left pending (none at the start). */
static void text_emit(char *o, size_t *len, int *space, const char *s, size_t n)
{
	if (*space && *len)
		o[(*len)++] = ' ';
	*space = 0;
	memcpy(o + *len, s, n);
	*len += n;
}

static char *text_fold_ascii(const char *s, size_t n)
{
	char *o = malloc(n + 1);
	size_t i, len = 0;
	int space = 0;

	if (!o)
		return NULL;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			text_emit(o, &len, &space, &c, 1);
		else
			space = 1;
	}
	o[len] = '\0';
	return o;
}

/* The mapped text (valid UTF-8) cut down to letters, digits and spaces. */
static char *text_fold_mapped(const uchar *m, size_t n)
{
	char *o = malloc(n + 1);
	size_t i = 0, len = 0;
	int space = 0;
	int32_t cp;

	if (!o)
		return NULL;
	while (i < n) {
		size_t l = text_next(m + i, n - i, &cp);
		const char *sub;

		if (cp < 0x80) {
			char c = (char)cp;

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
				text_emit(o, &len, &space, &c, 1);
			else
				space = 1;
		} else if ((sub = text_fold_letter(cp)) != NULL) {
			text_emit(o, &len, &space, sub, strlen(sub));  /* never longer than l */
		} else if (text_is_alnum_cat(cp)) {
			text_emit(o, &len, &space, (const char *)m + i, l);
		} else {
			space = 1;
		}
		i += l;
	}
	o[len] = '\0';
	return o;
}

/* A copy with every ill-formed byte replaced by a space. */
static uchar *text_repair(const uchar *s, size_t n)
{
	uchar *o = malloc(n + 1);
	size_t i = 0;
	int32_t cp;

	if (!o)
		return NULL;
	while (i < n) {
		size_t l = text_decode(s + i, n - i, &cp);

		if (!l) {
			o[i++] = ' ';
			continue;
		}
		memcpy(o + i, s + i, l);
		i += l;
	}
	o[n] = '\0';
	return o;
}

char *text_fold(const char *str)
{
	const uchar *s = (const uchar *)(str ? str : "");
	size_t n = strlen((const char *)s), i;
	uchar *fixed = NULL, *m = NULL;
	utf8proc_ssize_t r;
	char *o;

	for (i = 0; i < n && s[i] < 0x80; i++)
		;
	if (i == n)
		return text_fold_ascii((const char *)s, n);
	if (!text_valid_utf8((const char *)s, n)) {
		fixed = text_repair(s, n);
		if (!fixed)
			return NULL;
		s = fixed;
	}
	/* STRIPMARK needs COMPOSE (or DECOMPOSE) to see the marks. */
	r = utf8proc_map(s, (utf8proc_ssize_t)n, &m, UTF8PROC_STABLE | UTF8PROC_COMPOSE |
			 UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK);
	free(fixed);
	if (r < 0)
		return NULL;  /* the input is valid UTF-8 here: only memory fails */
	o = text_fold_mapped(m, (size_t)r);
	free(m);
	return o;
}

/* ---- widths ---- */

/* Columns of one code point as the screen shows it after text_inert. */
static int text_cp_width(int32_t cp)
{
	if (cp < 0x80)
		return 1;
	if (cp <= 0x9F)
		return 1;
	return utf8proc_charwidth(cp);
}

int text_width(const char *str)
{
	const uchar *s = (const uchar *)(str ? str : "");
	size_t n = strlen((const char *)s), i = 0;
	int w = 0;
	int32_t cp;

	while (i < n) {
		if (s[i] < 0x80) {
			w++;
			i++;
			continue;
		}
		i += text_next(s + i, n - i, &cp);
		w += text_cp_width(cp);
	}
	return w;
}

size_t text_fit(const char *str, int cols, int *width)
{
	const uchar *s = (const uchar *)(str ? str : "");
	size_t n = strlen((const char *)s), i = 0;
	int w = 0;
	int32_t cp;

	while (i < n) {
		size_t l = text_next(s + i, n - i, &cp);
		int cw = text_cp_width(cp);

		/* Zero-width characters (combining marks) always follow their
		 * base: they never overflow, and stop with it when it does. */
		if (cw > 0 && w + cw > cols)
			break;
		w += cw;
		i += l;
	}
	if (width)
		*width = w;
	return i;
}

/* ---- text_inert ---- */

/* The ASCII character that stands for non-ASCII cp, or 0 to drop it. */
static char text_ascii_for(int32_t cp)
{
	utf8proc_int32_t d[32];
	utf8proc_ssize_t k;
	utf8proc_category_t c;
	const char *sub;

	if (cp <= 0x9F || cp == 0xFFFD)
		return '?';
	c = utf8proc_category(cp);
	if (c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME)
		return 0;  /* an accent: its base letter already stands for it */
	if (c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP)
		return ' ';
	sub = text_fold_letter(cp);
	if (sub)
		return utf8proc_isupper(cp) ? (char)(sub[0] - 'a' + 'A') : sub[0];
	k = utf8proc_decompose_char(cp, d, 32, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_STRIPMARK, NULL);
	if (k >= 1 && k <= 32 && d[0] > 0x20 && d[0] < 0x7F)
		return (char)d[0];
	return '?';
}

char *text_inert(const char *str, int ascii)
{
	static const char repl[] = "\xEF\xBF\xBD";
	const uchar *s = (const uchar *)(str ? str : "");
	size_t n = strlen((const char *)s), i = 0, len = 0;
	char *o = malloc(3 * n + 1);
	int32_t cp;

	if (!o)
		return NULL;
	while (i < n) {
		size_t l = text_next(s + i, n - i, &cp);

		if (text_is_c0c1(cp) || cp == 0xFFFD) {
			if (ascii) {
				o[len++] = '?';
			} else {
				memcpy(o + len, repl, 3);
				len += 3;
			}
		} else if (cp < 0x80 || !ascii) {
			memcpy(o + len, s + i, l);
			len += l;
		} else {
			char c = text_ascii_for(cp);

			if (c)
				o[len++] = c;
		}
		i += l;
	}
	o[len] = '\0';
	return o;
}

size_t text_utf8_next(const unsigned char *p, size_t left, unsigned *cp)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t n;

	if (left == 0)
		return 0;
	n = utf8proc_iterate(p, left > 4 ? 4 : (utf8proc_ssize_t)left, &c);
	if (n <= 0)
		return 0;
	*cp = (unsigned)c;
	return (size_t)n;
}

void text_drop_last(char *s)
{
	size_t len = strlen(s);

	while (len > 0 && ((unsigned char)s[len - 1] & 0xc0) == 0x80)
		len--;
	if (len > 0)
		len--;
	s[len] = '\0';
}
