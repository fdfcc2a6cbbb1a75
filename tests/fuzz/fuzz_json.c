/* libFuzzer target for core/json: any bytes either fail to parse or give a
 * tree whose strings, written back by the writer and parsed again, come
 * back the same (the reader reads what the writer writes, for every string
 * the reader can produce). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_json: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* Writes v back (strings without NUL bytes only: the writer takes C strings). */
static int write_back(struct json_buf *b, const struct json_value *v)
{
	switch (v->type) {
	case JSON_NULL: json_null(b); return 0;
	case JSON_BOOL: json_bool(b, v->boolean); return 0;
	case JSON_NUMBER: json_int(b, 0); return 0;
	case JSON_STRING:
		if (strlen(v->string) != v->string_len)
			return -1;
		json_string(b, v->string);
		return 0;
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (v->type == JSON_ARRAY)
			json_array_begin(b);
		else
			json_object_begin(b);
		for (size_t i = 0; i < v->n; i++) {
			if (v->type == JSON_OBJECT) {
				if (strchr(v->keys[i], '\0') == NULL)
					return -1;
				json_key(b, v->keys[i]);
			}
			if (write_back(b, v->items[i]) < 0)
				return -1;
		}
		if (v->type == JSON_ARRAY)
			json_array_end(b);
		else
			json_object_end(b);
		return 0;
	}
	return -1;
}

static void same(const struct json_value *a, const struct json_value *b)
{
	FUZZ_CHECK(a->type == b->type);
	if (a->type == JSON_STRING)
		FUZZ_CHECK(strcmp(a->string, b->string) == 0);
	if (a->type == JSON_BOOL)
		FUZZ_CHECK(a->boolean == b->boolean);
	if (a->type == JSON_ARRAY || a->type == JSON_OBJECT) {
		FUZZ_CHECK(a->n == b->n);
		for (size_t i = 0; i < a->n; i++) {
			if (a->type == JSON_OBJECT)
				FUZZ_CHECK(strcmp(a->keys[i], b->keys[i]) == 0);
			same(a->items[i], b->items[i]);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[80];
	struct json_value *v = json_parse((const char *)data, size, err, sizeof(err));
	struct json_buf b;

	if (!v) {
		FUZZ_CHECK(err[0] != '\0');
		return 0;
	}
	json_buf_init(&b);
	if (write_back(&b, v) == 0 && !b.oom && v->type != JSON_NUMBER) {
		size_t n;
		char *text = json_buf_take(&b, &n);
		struct json_value *w;

		FUZZ_CHECK(text != NULL);
		w = json_parse(text, n, err, sizeof(err));
		FUZZ_CHECK(w != NULL);
		same(v, w);
		json_free(w);
		free(text);
	}
	json_buf_free(&b);
	json_free(v);
	return 0;
}
