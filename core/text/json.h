/* json: a small JSON writer (correct escaping; commas placed for you) and a
 * tolerant reader into a tree, for the sync targets' requests and replies.
 * Not a general library: no streaming, depth bounded (JSON_MAX_DEPTH). */
#ifndef CR_JSON_H
#define CR_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 64

/* ---- writer ---------------------------------------------------------- */

/* A growing buffer. After any allocation failure `oom` is set and further
 * writes are ignored; check it once at the end. p is always NUL-terminated
 * once something was written (p may be NULL when nothing was). */
struct json_buf {
	char  *p;
	size_t len, cap;
	int    oom;
	int    depth;
	unsigned char first[JSON_MAX_DEPTH];  /* no member written yet at this level */
	int    after_key;                     /* a key was written: the value needs no comma */
};

void json_buf_init(struct json_buf *b);
void json_buf_free(struct json_buf *b);
/* Hands the text to the caller (free it); the buffer is reset. NULL when
 * out of memory. */
char *json_buf_take(struct json_buf *b, size_t *len);

void json_object_begin(struct json_buf *b);
void json_object_end(struct json_buf *b);
void json_array_begin(struct json_buf *b);
void json_array_end(struct json_buf *b);
void json_key(struct json_buf *b, const char *key);
/* A string value: " \ and control characters escaped (\n \t ... or
 * \u00XX), U+2028/U+2029 escaped, other UTF-8 passed through. NULL writes
 * null. */
void json_string(struct json_buf *b, const char *s);
void json_int(struct json_buf *b, long long v);
void json_bool(struct json_buf *b, int v);
void json_null(struct json_buf *b);
/* key + string value; the _nonempty form writes nothing when s is NULL or "". */
void json_member_str(struct json_buf *b, const char *key, const char *s);
void json_member_str_nonempty(struct json_buf *b, const char *key, const char *s);
/* Appends bytes as they are (no comma logic): for callers mixing in text. */
void json_raw(struct json_buf *b, const char *s, size_t n);

/* ---- reader ---------------------------------------------------------- */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value {
	enum json_type type;
	int     boolean;
	double  number;
	char   *string;        /* JSON_STRING: decoded UTF-8, NUL-terminated */
	size_t  string_len;    /* may hold NUL bytes from \u0000 */
	size_t  n;             /* ARRAY / OBJECT: members */
	char  **keys;          /* OBJECT: member names */
	struct json_value **items;
};

/* Parses len bytes (leading BOM and surrounding white space allowed).
 * Returns NULL on bad input or out of memory; errbuf (may be NULL) gets a
 * short reason with the byte offset (never the text itself). */
struct json_value *json_parse(const char *text, size_t len, char *errbuf, size_t errlen);
void json_free(struct json_value *v);

/* Lookups that accept NULL and wrong types (returning NULL/dflt). */
const struct json_value *json_get(const struct json_value *obj, const char *key);
const struct json_value *json_at(const struct json_value *arr, size_t i);
size_t json_len(const struct json_value *v);           /* array/object size, else 0 */
const char *json_get_str(const struct json_value *obj, const char *key);  /* NULL unless a string */
double json_get_num(const struct json_value *obj, const char *key, double dflt);

#endif
