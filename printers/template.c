/* template: reads LANG.slip files ("key = value", continuation lines start
 * with white space, # comments) and fills their {placeholders}. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "template.h"
#include "text/i18n.h"

enum tkey { TK_LANGUAGE, TK_HEADING, TK_QR, TK_BODY, TK_COUNT };
static const char *const tkey_names[TK_COUNT] = { "language", "heading", "qr", "body" };

static const char *const placeholders[] = {
	"given", "family", "card", "school", "class", "grade", "expires", NULL,
};

struct template {
	char  lang[32];
	char  where[512];       /* "DIR/en.slip" or "built-in en.slip", for errors */
	char *value[TK_COUNT];  /* NULL when the file does not set the key */
	int   line[TK_COUNT];
	char *filled[TK_COUNT]; /* the last fill */
};

struct template_set {
	int n;
	struct template t[TEMPLATE_MAX_LANGS];
};

/* ---------------------------------------------------------------- parsing */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Checks every {name} in v; `{{` and `}}` are literal braces. */
static enum cr_status check_placeholders(const struct template *t, const char *v, int line, struct cr_err *err)
{
	for (const char *p = v; *p; p++) {
		if (p[0] == '{' && p[1] == '{') {
			p++;
			continue;
		}
		if (p[0] == '}' && p[1] == '}') {
			p++;
			continue;
		}
		if (*p != '{')
			continue;
		const char *end = strchr(p, '}');
		size_t n;
		int ok = 0;

		if (!end)
			return cr_fail(err, CR_EDATA, "%s:%d: a \"{\" is not closed (write {{ for a literal brace)",
				       t->where, line);
		n = (size_t)(end - p - 1);
		for (int i = 0; placeholders[i]; i++)
			if (strlen(placeholders[i]) == n && strncmp(p + 1, placeholders[i], n) == 0)
				ok = 1;
		if (!ok)
			return cr_fail(err, CR_EDATA,
				       "%s:%d: unknown placeholder {%.*s} (known: {given} {family} {card} {school} "
				       "{class} {grade} {expires})", t->where, line, (int)(n > 40 ? 40 : n), p + 1);
		p = end;
	}
	return CR_OK;
}

static enum cr_status append_value(char **v, const char *more, struct cr_err *err)
{
	size_t a = *v ? strlen(*v) : 0, b = strlen(more);
	char *n = realloc(*v, a + b + 2);

	if (!n)
		return cr_fail(err, CR_ENOMEM, "template: out of memory");
	if (a && b)
		n[a++] = ' ';
	memcpy(n + a, more, b + 1);
	*v = n;
	return CR_OK;
}

static enum cr_status parse_text(struct template *t, const char *text, struct cr_err *err)
{
	int lineno = 0, cur = -1;
	const char *s = text;

	while (*s) {
		size_t n = strcspn(s, "\n");
		char buf[4096], *line, *eq;
		enum cr_status st;

		lineno++;
		if (n >= sizeof buf)
			return cr_fail(err, CR_EDATA, "%s:%d: line is longer than %zu bytes", t->where, lineno,
				       sizeof buf - 1);
		memcpy(buf, s, n);
		buf[n] = '\0';
		s += n + (s[n] == '\n');
		if (lineno == 1 && strncmp(buf, "\xEF\xBB\xBF", 3) == 0) /* a BOM from Windows editors */
			memmove(buf, buf + 3, strlen(buf + 3) + 1);
		line = trim(buf);
		if (*line == '#')
			continue;
		if (!*line) {
			cur = -1;
			continue;
		}
		if ((buf[0] == ' ' || buf[0] == '\t')) {
			if (cur < 0)
				return cr_fail(err, CR_EDATA, "%s:%d: an indented line continues a value, but there is "
					       "no \"key = value\" line before it", t->where, lineno);
			st = check_placeholders(t, line, lineno, err);
			if (st == CR_OK)
				st = append_value(&t->value[cur], line, err);
			if (st != CR_OK)
				return st;
			continue;
		}
		eq = strchr(line, '=');
		if (!eq)
			return cr_fail(err, CR_EDATA, "%s:%d: expected \"key = value\"", t->where, lineno);
		*eq = '\0';
		char *key = trim(line), *val = trim(eq + 1);
		cur = -1;
		for (int k = 0; k < TK_COUNT; k++)
			if (strcmp(key, tkey_names[k]) == 0)
				cur = k;
		if (cur < 0)
			return cr_fail(err, CR_EDATA, "%s:%d: unknown key \"%.40s\" (known: language, heading, qr, body)",
				       t->where, lineno, key);
		if (t->value[cur])
			return cr_fail(err, CR_EDATA, "%s:%d: \"%s\" is already set on line %d", t->where, lineno,
				       key, t->line[cur]);
		t->line[cur] = lineno;
		st = check_placeholders(t, val, lineno, err);
		if (st == CR_OK)
			st = append_value(&t->value[cur], val, err);
		if (st != CR_OK)
			return st;
	}
	return CR_OK;
}

/* ---------------------------------------------------------------- finding files */

static const char *builtin_text(const char *lang)
{
	char name[48];

	snprintf(name, sizeof name, "%s.slip", lang);
	for (int i = 0; slip_builtin[i].name; i++)
		if (strcmp(slip_builtin[i].name, name) == 0)
			return slip_builtin[i].text;
	return NULL;
}

static enum cr_status read_file(const char *path, char **out, struct cr_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	*out = NULL;
	if (!f)
		return errno == ENOENT ? CR_OK : cr_fail(err, CR_ENOINPUT, "%s: %s", path, strerror(errno));
	do {
		if (cap - len < 4096) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > (1u << 20)) {
				free(buf);
				fclose(f);
				return cr_fail(err, CR_EDATA, "%s: a slip template should be well under 1 MB", path);
			}
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return cr_fail(err, CR_ENOMEM, "template: out of memory reading %s", path);
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return cr_fail(err, CR_ENOINPUT, "%s: read error", path);
	}
	fclose(f);
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		free(buf);
		return cr_fail(err, CR_EDATA, "%s: has a NUL byte; a slip template is plain UTF-8 text", path);
	}
	*out = buf;
	return CR_OK;
}

/* "en, es (built-in); fr (in DIR)" for the unknown-language error. */
static void list_languages(const char *dir, char *buf, size_t len)
{
	size_t used = 0;
	DIR *d;

	buf[0] = '\0';
	for (int i = 0; slip_builtin[i].name; i++) {
		const char *dot = strrchr(slip_builtin[i].name, '.');
		int n = dot ? (int)(dot - slip_builtin[i].name) : (int)strlen(slip_builtin[i].name);

		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%.*s", i ? ", " : "", n,
					 slip_builtin[i].name);
	}
	if (used < len)
		used += (size_t)snprintf(buf + used, len - used, " (built-in)");
	if (dir && (d = opendir(dir))) {
		struct dirent *e;
		int first = 1;

		while ((e = readdir(d))) {
			size_t n = strlen(e->d_name);

			if (n > 5 && strcmp(e->d_name + n - 5, ".slip") == 0 && used < len) {
				used += (size_t)snprintf(buf + used, len - used, "%s%.*s", first ? "; " : ", ",
							 (int)(n - 5), e->d_name);
				first = 0;
			}
		}
		closedir(d);
		if (!first && used < len)
			snprintf(buf + used, len - used, " (in %s)", dir);
	}
}

static enum cr_status load_one(const char *dir, struct template *t, struct cr_err *err)
{
	char *text = NULL, lang[sizeof t->lang];
	enum cr_status st;

	memcpy(lang, t->lang, sizeof lang);
	if (dir) {
		snprintf(t->where, sizeof t->where, "%s/%s.slip", dir, lang);
		st = read_file(t->where, &text, err);
		if (st != CR_OK)
			return st;
	}
	if (!text) {
		const char *b = builtin_text(t->lang);
		char known[300];

		if (!b) {
			list_languages(dir, known, sizeof known);
			return cr_fail(err, CR_ECONFIG, "no slip template for language \"%s\"; there are: %s",
				       t->lang, known);
		}
		snprintf(t->where, sizeof t->where, _("built-in %s.slip"), lang);
		return parse_text(t, b, err);
	}
	st = parse_text(t, text, err);
	free(text);
	return st;
}

static int lang_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

enum cr_status template_set_load(const char *dir, const char *langs, struct template_set **out,
				 struct cr_err *err)
{
	struct template_set *set;
	const char *p = langs && *langs ? langs : "en";
	enum cr_status st = CR_OK;

	*out = NULL;
	set = calloc(1, sizeof *set);
	if (!set)
		return cr_fail(err, CR_ENOMEM, "template: out of memory");
	while (*p) {
		size_t n = strcspn(p, ",");
		char name[64];

		if (n >= sizeof name) {
			st = cr_fail(err, CR_ECONFIG, "slip language \"%.20s...\" is too long", p);
			goto fail;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p += n + (p[n] == ',');
		char *lang = trim(name);
		if (!*lang)
			continue;
		if (!lang_ok(lang) || strlen(lang) >= sizeof set->t[0].lang) {
			st = cr_fail(err, CR_ECONFIG, "slip language \"%s\" is not a language code like \"en\" or "
				     "\"es\"", lang);
			goto fail;
		}
		if (set->n == TEMPLATE_MAX_LANGS) {
			st = cr_fail(err, CR_ECONFIG, "a slip holds at most %d languages (\"%s\" asks for more)",
				     TEMPLATE_MAX_LANGS, langs);
			goto fail;
		}
		snprintf(set->t[set->n].lang, sizeof set->t[0].lang, "%s", lang);
		st = load_one(dir, &set->t[set->n], err);
		set->n++;
		if (st != CR_OK)
			goto fail;
	}
	if (set->n == 0) {
		st = cr_fail(err, CR_ECONFIG, "no slip language given (for example \"en,es\")");
		goto fail;
	}
	*out = set;
	return CR_OK;
fail:
	template_set_free(set);
	return st;
}

/* ---------------------------------------------------------------- filling */

static const char *field_value(const struct slip_fields *f, const char *name, size_t n)
{
	const char *v[] = { f->given, f->family, f->card, f->school, f->class_name, f->grade, f->expires };

	for (int i = 0; placeholders[i]; i++)
		if (strlen(placeholders[i]) == n && strncmp(name, placeholders[i], n) == 0)
			return v[i] ? v[i] : "";
	return NULL;
}

/* Expands v (already checked at load) into a fresh string. */
static char *expand(const char *v, const struct slip_fields *f)
{
	size_t cap = strlen(v) + 1, len = 0;
	char *out;

	/* first pass: the size */
	for (const char *p = v; *p; p++) {
		if (*p == '{' && p[1] != '{') {
			const char *end = strchr(p, '}');
			const char *val = end ? field_value(f, p + 1, (size_t)(end - p - 1)) : NULL;

			if (val)
				cap += strlen(val);
		}
	}
	out = malloc(cap);
	if (!out)
		return NULL;
	for (const char *p = v; *p; p++) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			out[len++] = *p++;
			continue;
		}
		if (*p == '{') {
			const char *end = strchr(p, '}');
			const char *val = end ? field_value(f, p + 1, (size_t)(end - p - 1)) : NULL;

			if (val) {
				memcpy(out + len, val, strlen(val));
				len += strlen(val);
				p = end;
				continue;
			}
		}
		out[len++] = *p;
	}
	out[len] = '\0';
	return out;
}

enum cr_status template_set_fill(struct template_set *set, const struct slip_fields *f, struct slip *out,
				 struct cr_err *err)
{
	const char *qr = NULL;

	memset(out, 0, sizeof *out);
	for (int i = 0; i < set->n; i++) {
		struct template *t = &set->t[i];

		for (int k = 0; k < TK_COUNT; k++) {
			free(t->filled[k]);
			t->filled[k] = NULL;
			if (!t->value[k])
				continue;
			t->filled[k] = expand(t->value[k], f);
			if (!t->filled[k])
				return cr_fail(err, CR_ENOMEM, "template: out of memory filling %s", t->where);
		}
		out->heading[i] = t->filled[TK_HEADING] ? t->filled[TK_HEADING] : "";
		out->body[i] = t->filled[TK_BODY] ? t->filled[TK_BODY] : "";
		if (!qr && t->filled[TK_QR] && t->filled[TK_QR][0])
			qr = t->filled[TK_QR];
	}
	out->nlang = set->n;
	out->given = f->given;
	out->family = f->family;
	out->card = f->card;
	out->school = f->school;
	out->class_name = f->class_name;
	out->grade = f->grade;
	out->expires = f->expires;
	/* no template sets a qr line: the card number is what a scanner wants */
	out->qr = qr ? qr : (f->card ? f->card : "");
	return CR_OK;
}

void template_set_free(struct template_set *set)
{
	if (!set)
		return;
	for (int i = 0; i < TEMPLATE_MAX_LANGS; i++)
		for (int k = 0; k < TK_COUNT; k++) {
			free(set->t[i].value[k]);
			free(set->t[i].filled[k]);
		}
	free(set);
}
