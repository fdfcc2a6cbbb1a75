/* buf: see buf.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void buf_add(struct buf *b, const void *s, size_t n)
{
	if (b->oom)
		return;
	if (n > SIZE_MAX - 1 - b->len) {
		b->oom = 1;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1) {
			if (cap > SIZE_MAX / 2) {
				b->oom = 1;
				return;
			}
			cap *= 2;
		}
		if (!(p = realloc(b->p, cap))) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_clear(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

const char *buf_text(const struct buf *b)
{
	return b->p ? b->p : "";
}

void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

char *buf_take(struct buf *b, size_t *len)
{
	char *p = b->oom ? NULL : b->p;

	if (!p && !b->oom && (p = malloc(1)))
		p[0] = '\0';
	if (len)
		*len = p ? b->len : 0;
	if (b->oom)
		free(b->p);
	memset(b, 0, sizeof(*b));
	return p;
}
