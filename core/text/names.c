/* names: folding children's names for the search index and for queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "text.h"

/* Apostrophes people may or may not type: ' ` U+2019 U+02BC U+2018. */
static size_t names_apostrophe(const unsigned char *p)
{
	if (p[0] == '\'' || p[0] == '`')
		return 1;
	if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x99 || p[2] == 0x98))
		return 3;
	if (p[0] == 0xCA && p[1] == 0xBC)
		return 2;
	return 0;
}

/* A copy of s with apostrophes removed (joined) or turned into spaces. */
static char *names_apostrophes(const char *s, int to_space, int *had)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	*had = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; ) {
		size_t n = names_apostrophe(p);

		if (n) {
			*had = 1;
			if (to_space)
				*o++ = ' ';
			p += n;
		} else {
			*o++ = (char)*p++;
		}
	}
	*o = '\0';
	return out;
}

/* Han, Kana, Hangul: scripts written without spaces between the names. */
static int names_cjk(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (p[0] == 0xE3 && p[1] >= 0x81)      /* U+3041.. kana, CJK ext A from U+3400 */
			return 1;
		if (p[0] >= 0xE4 && p[0] <= 0xE9)      /* U+4E00..U+9FFF Han */
			return 1;
		if (p[0] >= 0xEA && p[0] <= 0xED && !(p[0] == 0xEA && p[1] < 0xB0))
			return 1;                      /* U+AC00..U+D7FF Hangul */
	}
	return 0;
}

char *names_query_fold(const char *query)
{
	int had;
	char *joined = names_apostrophes(query ? query : "", 0, &had);
	char *f;

	if (!joined)
		return NULL;
	f = text_fold(joined);
	free(joined);
	return f;
}

char *names_index_fold(const char *given, const char *family, const char *preferred)
{
	size_t n = strlen(given) + strlen(family) + strlen(preferred) * 2 + 8;
	char *all = malloc(n * 2 + 8), *spaced = NULL, *f, *g = NULL;
	int had = 0;

	if (!all)
		return NULL;
	snprintf(all, n, "%s %s %s", given, family, preferred);
	/* Family name first and joined, as a CJK name is written. */
	if (names_cjk(family) || names_cjk(given))
		snprintf(all + strlen(all), n * 2 + 8 - strlen(all), " %s%s", family, given);
	spaced = names_apostrophes(all, 1, &had);
	if (!spaced) {
		free(all);
		return NULL;
	}
	if (had) {
		/* Both "obrien" and "o brien" find O'Brien. */
		char *joined = names_apostrophes(all, 0, &had);
		size_t m;

		if (!joined) {
			free(all);
			free(spaced);
			return NULL;
		}
		m = strlen(joined) + strlen(spaced) + 2;
		g = malloc(m);
		if (g)
			snprintf(g, m, "%s %s", joined, spaced);
		free(joined);
		if (!g) {
			free(all);
			free(spaced);
			return NULL;
		}
	}
	f = text_fold(g ? g : all);
	free(g);
	free(spaced);
	free(all);
	return f;
}
