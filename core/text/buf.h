/* buf: a growing byte buffer for request bodies, forms, headers and batch
 * files. After an allocation failure `oom` is set and further adds are
 * ignored: check it once at the end. p is NUL-terminated once something
 * was added (p is NULL before). */
#ifndef CR_BUF_H
#define CR_BUF_H

#include <stddef.h>

struct buf {
	char  *p;
	size_t len, cap;
	int    oom;
};

void buf_add(struct buf *b, const void *s, size_t n);
void buf_str(struct buf *b, const char *s);
/* Empties the buffer for reuse, keeping its memory. */
void buf_clear(struct buf *b);
/* The text so far ("" when nothing was added). */
const char *buf_text(const struct buf *b);
/* Frees the memory; the buffer is empty again (zeroed: no bytes linger). */
void buf_free(struct buf *b);
/* Hands the text to the caller (free it; "" when nothing was added); the
 * buffer is reset. NULL when out of memory. */
char *buf_take(struct buf *b, size_t *len);

#endif
