/* config: reads the INI settings file with inih. Every key is known here;
 * anything else is an error that names the file and line, because a typo in
 * a settings file should never silently fall back to a default. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ini.h>

#include "config.h"

struct config_parse {
	struct cr_config *cfg;
	char reason[256];        /* the first problem, without the line */
};

typedef int (*config_set_fn)(struct cr_config *cfg, const char *value, char *why, size_t whylen);

static int config_set_string(char *dst, size_t dstlen, const char *value, char *why, size_t whylen)
{
	if (strlen(value) >= dstlen) {
		snprintf(why, whylen, "value is longer than %zu characters", dstlen - 1);
		return 0;
	}
	memcpy(dst, value, strlen(value) + 1);
	return 1;
}

static int config_set_int(int *dst, const char *value, int lo, int hi, char *why, size_t whylen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < lo || v > hi) {
		snprintf(why, whylen, "'%s' is not a whole number from %d to %d", value, lo, hi);
		return 0;
	}
	*dst = (int)v;
	return 1;
}

static int set_db_path(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_string(c->db_path, sizeof c->db_path, v, why, n);
}

static int set_busy(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->busy_timeout_ms, v, 100, 600000, why, n);
}

static int set_desk(struct cr_config *c, const char *v, char *why, size_t n)
{
	if (!*v) {
		snprintf(why, n, "desk name must not be empty");
		return 0;
	}
	return config_set_string(c->desk, sizeof c->desk, v, why, n);
}

static int set_max_age(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->roster_max_age_days, v, 1, 3650, why, n);
}

static const struct config_key {
	const char *section;
	const char *key;
	config_set_fn set;
} config_keys[] = {
	{ "storage", "database",        set_db_path },
	{ "storage", "busy_timeout_ms", set_busy },
	{ "desk",    "name",            set_desk },
	{ "roster",  "max_age_days",    set_max_age },
};

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct config_parse *p = user;
	int known_section = 0;
	char why[200];

	for (size_t i = 0; i < sizeof config_keys / sizeof config_keys[0]; i++) {
		const struct config_key *k = &config_keys[i];

		if (strcmp(k->section, section) != 0)
			continue;
		known_section = 1;
		if (strcmp(k->key, name) != 0)
			continue;
		if (k->set(p->cfg, value, why, sizeof why))
			return 1;
		if (!p->reason[0])
			snprintf(p->reason, sizeof p->reason, "[%s] %s: %s", section, name, why);
		return 0;
	}
	if (!p->reason[0]) {
		if (known_section)
			snprintf(p->reason, sizeof p->reason, "unknown key '%s' in section [%s]", name, section);
		else
			snprintf(p->reason, sizeof p->reason, "unknown section [%s] (key '%s')", section, name);
	}
	return 0;
}

/* inih reads lines of at most 200 bytes (Debian's build) and splits a
 * longer one, which would then be misreported: say so ourselves, with the
 * right line. Returns the first long line's number, or 0; rewinds f. */
#define CONFIG_MAX_LINE 200

static int config_long_line(FILE *f, char *key, size_t keylen)
{
	int c, line = 1, len = 0, found = 0;
	size_t k = 0;

	key[0] = '\0';
	while (!found && (c = getc(f)) != EOF) {
		if (c == '\n') {
			line++;
			len = 0;
			k = 0;
			continue;
		}
		if (++len > CONFIG_MAX_LINE - 2)
			found = line;
		else if (k + 1 < keylen && c != '=' && !(k == 0 && (c == ' ' || c == '\t')) &&
			 !strchr(key, '='))
			key[k++] = (char)c, key[k] = '\0';
		else if (c == '=' && k + 1 < keylen)
			key[k++] = '=', key[k] = '\0';
	}
	rewind(f);
	if (found) {
		char *eq = strchr(key, '=');

		if (eq)
			*eq = '\0';
		for (k = strlen(key); k > 0 && (key[k - 1] == ' ' || key[k - 1] == '\t'); k--)
			key[k - 1] = '\0';
	}
	return found;
}

void config_defaults(struct cr_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->busy_timeout_ms = 10000;
	cfg->roster_max_age_days = 60;
	if (gethostname(cfg->desk, sizeof cfg->desk - 1) != 0 || !cfg->desk[0])
		snprintf(cfg->desk, sizeof cfg->desk, "desk");
}

enum cr_status config_load(struct cr_config *cfg, const char *path, int required, struct cr_err *err)
{
	struct config_parse p = { .cfg = cfg };
	FILE *f = fopen(path, "r");
	struct stat sb;
	char key[64];
	int line;

	if (!f) {
		if (!required && errno == ENOENT)
			return CR_OK;
		return cr_fail(err, CR_ENOINPUT, "cannot read settings %s: %s", path, strerror(errno));
	}
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return cr_fail(err, CR_ENOINPUT, "settings %s is not a file", path);
	}
	if ((line = config_long_line(f, key, sizeof key)) > 0) {
		fclose(f);
		return cr_fail(err, CR_ECONFIG, "%s:%d: the line%s%.60s%s is longer than %d characters",
			       path, line, key[0] ? " for '" : "", key, key[0] ? "'" : "", CONFIG_MAX_LINE - 2);
	}
	line = ini_parse_file(f, config_handler, &p);
	fclose(f);
	if (line < 0)
		return cr_fail(err, CR_ENOINPUT, "cannot read settings %s", path);
	if (line > 0)
		return cr_fail(err, CR_ECONFIG, "%s:%d: %s", path, line,
			       p.reason[0] ? p.reason : "not a 'key = value' line or [section]");
	snprintf(cfg->source_path, sizeof cfg->source_path, "%s", path);
	return CR_OK;
}
