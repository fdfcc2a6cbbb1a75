/* jsonc: see jsonc.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonc.h"

/* ---- reading ---------------------------------------------------------- */

static void say(char *err, size_t errlen, const char *what, size_t at)
{
	if (err && errlen)
		snprintf(err, errlen, "%s at byte %zu", what, at);
}

struct json_object *jsonc_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *v;
	enum json_tokener_error e;
	size_t start = 0, end;

	if (err && errlen)
		err[0] = '\0';
	if (!text) {
		say(err, errlen, "no text", 0);
		return NULL;
	}
	if (len > INT_MAX) {
		say(err, errlen, "too long", 0);
		return NULL;
	}
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		start = 3;
	if (!(tok = json_tokener_new_ex(JSONC_MAX_DEPTH))) {
		say(err, errlen, "out of memory", 0);
		return NULL;
	}
	v = json_tokener_parse_ex(tok, text + start, (int)(len - start));
	e = json_tokener_get_error(tok);
	end = start + json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (e != json_tokener_success) {
		json_object_put(v);
		say(err, errlen, e == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(e), end);
		return NULL;
	}
	while (end < len && (text[end] == ' ' || text[end] == '\t' || text[end] == '\n' || text[end] == '\r'))
		end++;
	if (end != len) {
		json_object_put(v);
		say(err, errlen, "trailing text", end);
		return NULL;
	}
	return v;
}

int jsonc_is(const struct json_object *v, enum json_type t)
{
	return v && json_object_get_type(v) == t;
}

struct json_object *jsonc_get(const struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!jsonc_is(obj, json_type_object) || !key || !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

size_t jsonc_len(const struct json_object *arr)
{
	return jsonc_is(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

struct json_object *jsonc_at(const struct json_object *arr, size_t i)
{
	return i < jsonc_len(arr) ? json_object_array_get_idx(arr, i) : NULL;
}

const char *jsonc_str(const struct json_object *v)
{
	/* json-c's getter takes no const; it does not change a string */
	return jsonc_is(v, json_type_string) ? json_object_get_string((struct json_object *)v) : NULL;
}

const char *jsonc_get_str(const struct json_object *obj, const char *key)
{
	return jsonc_str(jsonc_get(obj, key));
}

int jsonc_num(const struct json_object *v, double *d)
{
	if (!jsonc_is(v, json_type_int) && !jsonc_is(v, json_type_double))
		return 0;
	*d = json_object_get_double(v);
	return 1;
}

double jsonc_get_num(const struct json_object *obj, const char *key, double dflt)
{
	double d;

	return jsonc_num(jsonc_get(obj, key), &d) ? d : dflt;
}

/* ---- writing ---------------------------------------------------------- */

int jsonc_add(struct json_object *obj, const char *key, struct json_object *v)
{
	if (!obj || !v || json_object_object_add(obj, key, v) < 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

int jsonc_add_str(struct json_object *obj, const char *key, const char *s)
{
	struct json_object *v = NULL;

	if (s && !(v = json_object_new_string(s)))
		return -1;
	if (!obj || json_object_object_add(obj, key, v) < 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

int jsonc_add_str_nonempty(struct json_object *obj, const char *key, const char *s)
{
	return s && *s ? jsonc_add_str(obj, key, s) : 0;
}

int jsonc_push(struct json_object *arr, struct json_object *v)
{
	if (!arr || !v || json_object_array_add(arr, v) < 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

char *jsonc_take(struct json_object *v, size_t *len)
{
	const char *s;
	size_t n = 0, extra = 0, o = 0;
	char *out = NULL;

	if (len)
		*len = 0;
	if (!v)
		return NULL;
	s = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (!s)
		goto out;
	/* DEL (1 byte -> 6) and U+2028/9 (3 -> 6): outside strings the printed
	 * text is ASCII punctuation, so any such bytes are inside a string. */
	for (size_t i = 0; i < n; i++)
		if (s[i] == 0x7f)
			extra += 5;
		else if (s[i] == '\xE2' && i + 2 < n && s[i + 1] == '\x80' && (s[i + 2] == '\xA8' || s[i + 2] == '\xA9'))
			extra += 3;
	if (!(out = malloc(n + extra + 1)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == 0x7f) {
			memcpy(out + o, "\\u007f", 6);
			o += 6;
		} else if (s[i] == '\xE2' && i + 2 < n && s[i + 1] == '\x80' && (s[i + 2] == '\xA8' || s[i + 2] == '\xA9')) {
			memcpy(out + o, s[i + 2] == '\xA8' ? "\\u2028" : "\\u2029", 6);
			o += 6;
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	if (len)
		*len = o;
out:
	json_object_put(v);
	return out;
}
