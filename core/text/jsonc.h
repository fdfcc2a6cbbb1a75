/* jsonc: cardroll's thin layer over json-c (Debian libjson-c-dev), the
 * library that reads and writes the sync targets' JSON. json-c does the
 * parsing, the escaping and the printing; this layer only fixes how
 * cardroll calls it:
 *   - reading: one call that skips a BOM, bounds the depth, refuses text
 *     after the value and says why in words; lookups that take NULL and
 *     wrong types (json-c's asserts on a wrong type);
 *   - writing: add-a-member helpers that report allocation failure, and
 *     one call that prints compactly (no spaces, '/' not escaped) and
 *     frees the tree.
 * The values are json-c's own (struct json_object); a JSON null is a NULL
 * pointer, as json-c has it. */
#ifndef CR_JSONC_H
#define CR_JSONC_H

#include <stddef.h>
#include <json-c/json.h>

#define JSONC_MAX_DEPTH 64

/* ---- reading ---------------------------------------------------------- */

/* Parses len bytes: one JSON value, surrounding white space and a leading
 * UTF-8 BOM allowed, trailing commas tolerated (json-c's non-strict mode).
 * Returns the tree (json_object_put it) or NULL. NULL with err set: not
 * JSON (err says why, with the byte offset, never the text itself); NULL
 * with err "" is the JSON text null. err may be NULL. */
struct json_object *jsonc_parse(const char *text, size_t len, char *err, size_t errlen);

/* obj's member key; NULL when obj is not an object, key is absent, or its
 * value is null. */
struct json_object *jsonc_get(const struct json_object *obj, const char *key);
/* The i-th element of an array; NULL otherwise. */
struct json_object *jsonc_at(const struct json_object *arr, size_t i);
/* Array length; 0 for anything else. */
size_t jsonc_len(const struct json_object *arr);
int jsonc_is(const struct json_object *v, enum json_type t);
/* A string's text (NUL-terminated; it stops at a \u0000); NULL unless v is
 * a string. */
const char *jsonc_str(const struct json_object *v);
const char *jsonc_get_str(const struct json_object *obj, const char *key);
/* A number (integer or not) as a double into *d; 0 when v is no number. */
int jsonc_num(const struct json_object *v, double *d);
double jsonc_get_num(const struct json_object *obj, const char *key, double dflt);

/* ---- writing ---------------------------------------------------------- */

/* Member key = s (a string; null when s is NULL). 0, or -1 out of memory. */
int jsonc_add_str(struct json_object *obj, const char *key, const char *s);
/* Nothing when s is NULL or "". */
int jsonc_add_str_nonempty(struct json_object *obj, const char *key, const char *s);
/* Member key = v, which it takes (v NULL: out of memory, -1). */
int jsonc_add(struct json_object *obj, const char *key, struct json_object *v);
/* Appends v to arr, which takes it (v NULL: -1). */
int jsonc_push(struct json_object *arr, struct json_object *v);

/* Prints v compactly ({"a":"b","n":[1,true,null]}), frees v (NULL is
 * taken as out of memory) and returns the text (free it), *len its length
 * (len may be NULL). json-c escapes " \ and control characters; the
 * printed text then has DEL and U+2028/U+2029 as \u escapes too, as
 * cardroll always sent them (JavaScript ends a line at U+2028/9). NULL
 * when out of memory. */
char *jsonc_take(struct json_object *v, size_t *len);

#endif
