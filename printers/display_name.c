/* The name as a slip shows it (display_name.h). Apart from render.c so the
 * preview driver, which the desk runs, needs no cairo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "display_name.h"

/* Han, kana, hangul: names written family first with no space. */
static int is_cjk_start(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned cp;

	if (!u || u[0] < 0xE0 || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80)
		return 0;  /* (a NUL stops the checks before reading past it) */
	if (u[0] < 0xF0)
		cp = ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
	else if ((u[3] & 0xC0) == 0x80)
		cp = ((u[0] & 0x07u) << 18) | ((u[1] & 0x3Fu) << 12) | ((u[2] & 0x3Fu) << 6) | (u[3] & 0x3Fu);
	else
		return 0;
	return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

char *render_display_name(const char *given, const char *family)
{
	const char *g = given ? given : "", *f = family ? family : "";
	int cjk = is_cjk_start(g) && is_cjk_start(f);
	size_t n = strlen(g) + strlen(f) + 2;
	char *out = malloc(n);

	if (!out)
		return NULL;
	if (cjk)
		snprintf(out, n, "%s%s", f, g);
	else if (*g && *f)
		snprintf(out, n, "%s %s", g, f);
	else
		snprintf(out, n, "%s", *g ? g : f);
	return out;
}
