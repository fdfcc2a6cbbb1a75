/* json: see json.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* ---- writer ---------------------------------------------------------- */

void json_buf_init(struct json_buf *b)
{
	memset(b, 0, sizeof(*b));
	b->first[0] = 1;
}

void json_buf_free(struct json_buf *b)
{
	free(b->p);
	json_buf_init(b);
}

char *json_buf_take(struct json_buf *b, size_t *len)
{
	char *p = b->oom ? NULL : b->p;

	if (!p && !b->oom) {
		p = malloc(1);
		if (p)
			p[0] = '\0';
	}
	if (len)
		*len = p ? b->len : 0;
	if (b->oom)
		free(b->p);
	json_buf_init(b);
	return p;
}

void json_raw(struct json_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1) {
			if (cap > SIZE_MAX / 2) {
				b->oom = 1;
				return;
			}
			cap *= 2;
		}
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void put(struct json_buf *b, const char *s)
{
	json_raw(b, s, strlen(s));
}

/* Before any value or key: the comma when this level already has one. */
static void sep(struct json_buf *b)
{
	if (b->after_key) {
		b->after_key = 0;
		return;
	}
	if (!b->first[b->depth])
		put(b, ",");
	b->first[b->depth] = 0;
}

static void open_level(struct json_buf *b, const char *c)
{
	sep(b);
	put(b, c);
	if (b->depth + 1 >= JSON_MAX_DEPTH) {
		b->oom = 1;  /* a bug in the caller: refuse rather than write bad JSON */
		return;
	}
	b->depth++;
	b->first[b->depth] = 1;
}

static void close_level(struct json_buf *b, const char *c)
{
	if (b->depth > 0)
		b->depth--;
	b->after_key = 0;
	put(b, c);
}

void json_object_begin(struct json_buf *b) { open_level(b, "{"); }
void json_object_end(struct json_buf *b) { close_level(b, "}"); }
void json_array_begin(struct json_buf *b) { open_level(b, "["); }
void json_array_end(struct json_buf *b) { close_level(b, "]"); }

static void put_escaped(struct json_buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0;

	put(b, "\"");
	for (size_t i = 0;; i++) {
		unsigned char c = u[i];
		const char *esc = NULL;
		char hex[8];

		if (c == '\0') {
			json_raw(b, s + i - run, run);
			break;
		}
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c == '\b')
			esc = "\\b";
		else if (c == '\f')
			esc = "\\f";
		else if (c < 0x20 || c == 0x7f) {
			snprintf(hex, sizeof(hex), "\\u%04x", c);
			esc = hex;
		} else if (c == 0xE2 && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)) {
			/* U+2028/2029: valid JSON, but they end lines in JavaScript */
			json_raw(b, s + i - run, run);
			run = 0;
			put(b, u[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
			i += 2;
			continue;
		}
		if (esc) {
			json_raw(b, s + i - run, run);
			run = 0;
			put(b, esc);
		} else {
			run++;
		}
	}
	put(b, "\"");
}

void json_key(struct json_buf *b, const char *key)
{
	sep(b);
	put_escaped(b, key);
	put(b, ":");
	b->after_key = 1;
}

void json_string(struct json_buf *b, const char *s)
{
	sep(b);
	if (!s)
		put(b, "null");
	else
		put_escaped(b, s);
}

void json_int(struct json_buf *b, long long v)
{
	char num[32];

	sep(b);
	snprintf(num, sizeof(num), "%lld", v);
	put(b, num);
}

void json_bool(struct json_buf *b, int v)
{
	sep(b);
	put(b, v ? "true" : "false");
}

void json_null(struct json_buf *b)
{
	sep(b);
	put(b, "null");
}

void json_member_str(struct json_buf *b, const char *key, const char *s)
{
	json_key(b, key);
	json_string(b, s);
}

void json_member_str_nonempty(struct json_buf *b, const char *key, const char *s)
{
	if (s && *s)
		json_member_str(b, key, s);
}

/* ---- reader ---------------------------------------------------------- */

struct parser {
	const char *s;
	size_t      len, pos;
	int         depth;
	char       *err;
	size_t      errlen;
	int         failed;
};

static void fail(struct parser *p, const char *what)
{
	if (p->failed)
		return;
	p->failed = 1;
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s at byte %zu", what, p->pos);
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			p->pos++;
		else
			break;
	}
}

static struct json_value *new_value(struct parser *p, enum json_type t)
{
	struct json_value *v = calloc(1, sizeof(*v));

	if (!v)
		fail(p, "out of memory");
	else
		v->type = t;
	return v;
}

void json_free(struct json_value *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		json_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->string);
	free(v);
}

static int hex4(struct parser *p, unsigned *out)
{
	unsigned v = 0;

	if (p->pos + 4 > p->len) {
		fail(p, "short \\u escape");
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else {
			fail(p, "bad \\u escape");
			return -1;
		}
	}
	*out = v;
	return 0;
}

static size_t utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* At the opening quote; returns a malloc'd decoded string. */
static char *parse_string(struct parser *p, size_t *outlen)
{
	size_t start = ++p->pos, end = start;

	/* the decoded text is never longer than the source */
	while (end < p->len && p->s[end] != '"') {
		if (p->s[end] == '\\')
			end++;
		end++;
	}
	if (end >= p->len) {
		fail(p, "unterminated string");
		return NULL;
	}
	char *o = malloc(end - start + 1);
	size_t n = 0;

	if (!o) {
		fail(p, "out of memory");
		return NULL;
	}
	while (p->pos < end) {
		char c = p->s[p->pos++];

		if (c != '\\') {
			o[n++] = c;
			continue;
		}
		c = p->s[p->pos++];
		switch (c) {
		case '"': o[n++] = '"'; break;
		case '\\': o[n++] = '\\'; break;
		case '/': o[n++] = '/'; break;
		case 'b': o[n++] = '\b'; break;
		case 'f': o[n++] = '\f'; break;
		case 'n': o[n++] = '\n'; break;
		case 'r': o[n++] = '\r'; break;
		case 't': o[n++] = '\t'; break;
		case 'u': {
			unsigned cp, lo;

			if (hex4(p, &cp) < 0)
				goto bad;
			if (cp >= 0xD800 && cp < 0xDC00 && p->pos + 6 <= end && p->s[p->pos] == '\\' &&
			    p->s[p->pos + 1] == 'u') {
				size_t save = p->pos;

				p->pos += 2;
				if (hex4(p, &lo) < 0)
					goto bad;
				if (lo >= 0xDC00 && lo < 0xE000)
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				else
					p->pos = save;
			}
			if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD;  /* a lone surrogate: tolerated, replaced */
			/* \uXXXX is 6 source bytes, at most 3 output bytes; a pair is 12 -> 4 */
			n += utf8_put(o + n, cp);
			break;
		}
		default:
			fail(p, "bad escape");
			goto bad;
		}
	}
	p->pos = end + 1;
	o[n] = '\0';
	*outlen = n;
	return o;
bad:
	free(o);
	return NULL;
}

static struct json_value *parse_value(struct parser *p);

static int add_item(struct parser *p, struct json_value *v, char *key, struct json_value *item)
{
	struct json_value **items = realloc(v->items, (v->n + 1) * sizeof(*items));

	if (!items)
		goto oom;
	v->items = items;
	if (v->type == JSON_OBJECT) {
		char **keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));

		if (!keys)
			goto oom;
		v->keys = keys;
		keys[v->n] = key;
	}
	items[v->n++] = item;
	return 0;
oom:
	fail(p, "out of memory");
	free(key);
	json_free(item);
	return -1;
}

static struct json_value *parse_container(struct parser *p, int object)
{
	struct json_value *v = new_value(p, object ? JSON_OBJECT : JSON_ARRAY);
	char close = object ? '}' : ']';

	if (!v)
		return NULL;
	if (++p->depth > JSON_MAX_DEPTH) {
		fail(p, "nested too deep");
		goto bad;
	}
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		p->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		size_t klen;

		skip_ws(p);
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"') {
				fail(p, "expected a member name");
				goto bad;
			}
			key = parse_string(p, &klen);
			if (!key)
				goto bad;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				free(key);
				fail(p, "expected ':'");
				goto bad;
			}
			p->pos++;
		}
		struct json_value *item = parse_value(p);

		if (!item) {
			free(key);
			goto bad;
		}
		if (add_item(p, v, key, item) < 0)
			goto bad;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			skip_ws(p);
			if (p->pos < p->len && p->s[p->pos] == close) {  /* tolerate a trailing comma */
				p->pos++;
				break;
			}
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			break;
		}
		fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
		goto bad;
	}
	p->depth--;
	return v;
bad:
	json_free(v);
	return NULL;
}

static int match(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos >= n && memcmp(p->s + p->pos, word, n) == 0) {
		p->pos += n;
		return 1;
	}
	return 0;
}

static struct json_value *parse_value(struct parser *p)
{
	struct json_value *v;

	skip_ws(p);
	if (p->pos >= p->len) {
		fail(p, "unexpected end");
		return NULL;
	}
	char c = p->s[p->pos];

	if (c == '{')
		return parse_container(p, 1);
	if (c == '[')
		return parse_container(p, 0);
	if (c == '"') {
		v = new_value(p, JSON_STRING);
		if (!v)
			return NULL;
		v->string = parse_string(p, &v->string_len);
		if (!v->string) {
			free(v);
			return NULL;
		}
		return v;
	}
	if (match(p, "true") || match(p, "false")) {
		v = new_value(p, JSON_BOOL);
		if (v)
			v->boolean = p->s[p->pos - 1] == 'e' && p->s[p->pos - 2] == 'u';
		return v;
	}
	if (match(p, "null"))
		return new_value(p, JSON_NULL);
	if (c == '-' || (c >= '0' && c <= '9')) {
		char num[64];
		size_t n = 0;

		while (p->pos < p->len && n + 1 < sizeof(num) && strchr("+-0123456789.eE", p->s[p->pos]))
			num[n++] = p->s[p->pos++];
		num[n] = '\0';
		char *endp;
		double d = strtod(num, &endp);

		if (endp == num || *endp) {
			fail(p, "bad number");
			return NULL;
		}
		v = new_value(p, JSON_NUMBER);
		if (v)
			v->number = d;
		return v;
	}
	fail(p, "unexpected character");
	return NULL;
}

struct json_value *json_parse(const char *text, size_t len, char *errbuf, size_t errlen)
{
	struct parser p = { .s = text, .len = len, .err = errbuf, .errlen = errlen };

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!text) {
		fail(&p, "no text");
		return NULL;
	}
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		p.pos = 3;
	struct json_value *v = parse_value(&p);

	if (!v)
		return NULL;
	skip_ws(&p);
	if (p.pos != p.len) {
		fail(&p, "trailing text");
		json_free(v);
		return NULL;
	}
	return v;
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT || !key)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->items[i];
	return NULL;
}

const struct json_value *json_at(const struct json_value *arr, size_t i)
{
	if (!arr || (arr->type != JSON_ARRAY && arr->type != JSON_OBJECT) || i >= arr->n)
		return NULL;
	return arr->items[i];
}

size_t json_len(const struct json_value *v)
{
	return v && (v->type == JSON_ARRAY || v->type == JSON_OBJECT) ? v->n : 0;
}

const char *json_get_str(const struct json_value *obj, const char *key)
{
	const struct json_value *v = json_get(obj, key);

	return v && v->type == JSON_STRING ? v->string : NULL;
}

double json_get_num(const struct json_value *obj, const char *key, double dflt)
{
	const struct json_value *v = json_get(obj, key);

	return v && v->type == JSON_NUMBER ? v->number : dflt;
}
