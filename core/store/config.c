/* config: reads the INI settings file with inih. Every key is known here;
 * anything else is an error that names the file and line, because a typo in
 * a settings file should never silently fall back to a default. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ini.h>

#include "config.h"
#include "text/i18n.h"

struct config_parse {
	struct cr_config *cfg;
	char reason[256];        /* the first problem, without the line */
	int  saw_roster_auth;    /* [sync] roster_auth is set in this file */
};

typedef int (*config_set_fn)(struct cr_config *cfg, const char *value, char *why, size_t whylen);

/* why a value is refused, in the reader's language (xgettext: config_why:3) */
static void config_why(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void config_why(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, dgettext(CR_TEXTDOMAIN, fmt), ap);
	va_end(ap);
}

static int config_set_string(char *dst, size_t dstlen, const char *value, char *why, size_t whylen)
{
	if (strlen(value) >= dstlen) {
		config_why(why, whylen, "value is longer than %zu characters", dstlen - 1);
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
		config_why(why, whylen, "'%s' is not a whole number from %d to %d", value, lo, hi);
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
		config_why(why, n, "desk name must not be empty");
		return 0;
	}
	return config_set_string(c->desk, sizeof c->desk, v, why, n);
}

/* [desk] idle_lock_s: seconds without a key before the desk locks and asks
 * for the PIN again (5 s to an hour; never off: children's data is on it). */
static int set_idle_lock(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->idle_lock_s, v, 5, 3600, why, n);
}

static int set_max_age(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->roster_max_age_days, v, 1, 3650, why, n);
}

/* [report] min_cell: the smallest count an exported report shows (1 .. 2
 * would let a single child be seen, so 3 is the floor). */
static int set_min_cell(struct cr_config *c, const char *v, char *why, size_t n)
{
	char *end;
	long k = strtol(v, &end, 10);

	if (end != v && !*end && k < 3) {
		config_why(why, n, "'%s' is below 3: a report would show cells of one or two children", v);
		return 0;
	}
	return config_set_int(&c->report_min_cell, v, 3, 1000, why, n);
}

/* [retention] school_year_end: the last day of the school year, after
 * which `cardroll purge` forgets the children who never took a card. */
static int set_year_end(struct cr_config *c, const char *v, char *why, size_t n)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;
	char tail;

	if (!*v) {   /* empty: not set */
		c->school_year_end[0] = '\0';
		return 1;
	}
	if (strlen(v) != 10 || sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 2000 || m < 1 || m > 12 ||
	    d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)))) {
		config_why(why, n, "'%s' is not a date such as 2026-06-30", v);
		return 0;
	}
	return config_set_string(c->school_year_end, sizeof c->school_year_end, v, why, n);
}

static int set_withdrawn_days(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->withdrawn_days, v, 0, 3650, why, n);
}

static const char *const grade_codes[] = {
	"IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09",
	"10", "11", "12", "13", "PS", "UG", "Other", NULL,
};

int grade_index(const char *code)
{
	for (int i = 0; grade_codes[i]; i++)
		if (!strcmp(grade_codes[i], code))
			return i;
	return -1;
}

/* "KG-05, 06" style lists of CEDS codes and ranges, as grade bits. */
static int parse_grades(const char *v, unsigned *out, char *why, size_t n)
{
	unsigned bits = 0;
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof buf, "%s", v);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		char *dash = strchr(tok, '-');
		int a, b;

		if (dash)
			*dash = '\0';
		a = grade_index(tok);
		b = dash ? grade_index(dash + 1) : a;
		if (a < 0 || b < 0 || b < a) {
			config_why(why, n, "'%s' is not a CEDS grade or range such as KG-05 (codes: IT PR PK TK KG 01-13 PS UG Other)",
				 dash ? v : tok);
			return 0;
		}
		for (int i = a; i <= b; i++)
			bits |= 1u << i;
	}
	if (!bits) {
		config_why(why, n, "no grades given");
		return 0;
	}
	*out = bits;
	return 1;
}

static int set_grades(struct cr_config *c, const char *v, char *why, size_t n)
{
	return parse_grades(v, &c->programme.grades, why, n);
}

/* [categories] CODE = GRADES: the ILS patron category of a grade band.
 * A grade in two bands is an error (which category would it be?). */
static int set_category(struct cr_config *c, const char *code, const char *v, char *why, size_t n)
{
	struct programme *pg = &c->programme;
	unsigned bits;

	if (!*code || strlen(code) >= sizeof pg->category[0].code || strspn(code,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(code)) {
		config_why(why, n, "a patron category code is 1 to %zu letters, digits, '_' or '-'",
			 sizeof pg->category[0].code - 1);
		return 0;
	}
	if (!parse_grades(v, &bits, why, n))
		return 0;
	for (int i = 0; i < pg->ncategories; i++) {
		if (pg->category[i].grades & bits) {
			config_why(why, n, "grades %s overlap category %s's band", v, pg->category[i].code);
			return 0;
		}
	}
	if (pg->ncategories >= PROGRAMME_MAX_CATEGORIES) {
		config_why(why, n, "at most %d patron categories", PROGRAMME_MAX_CATEGORIES);
		return 0;
	}
	snprintf(pg->category[pg->ncategories].code, sizeof pg->category[0].code, "%s", code);
	pg->category[pg->ncategories++].grades = bits;
	return 1;
}

const char *programme_category(const struct programme *pg, const char *grade)
{
	int g = grade ? grade_index(grade) : -1;

	for (int i = 0; g >= 0 && i < pg->ncategories; i++)
		if (pg->category[i].grades & (1u << g))
			return pg->category[i].code;
	return NULL;
}

static int set_expiry(struct cr_config *c, const char *v, char *why, size_t n)
{
	if (!strcmp(v, "school-year"))
		c->programme.expiry_graduation = 0;
	else if (!strcmp(v, "graduation"))
		c->programme.expiry_graduation = 1;
	else {
		config_why(why, n, "'%s' is not school-year or graduation", v);
		return 0;
	}
	return 1;
}

static int set_consent(struct cr_config *c, const char *v, char *why, size_t n)
{
	if (!strcmp(v, "opt-out"))
		c->programme.consent = CONSENT_OPT_OUT;
	else if (!strcmp(v, "opt-in"))
		c->programme.consent = CONSENT_OPT_IN;
	else if (!strcmp(v, "signature"))
		c->programme.consent = CONSENT_SIGNATURE;
	else {
		config_why(why, n, "'%s' is not opt-out, opt-in or signature", v);
		return 0;
	}
	return 1;
}

static int set_min_age(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->programme.min_age, v, 0, 25, why, n);
}

static int set_max_child_age(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->programme.max_age, v, 0, 25, why, n);
}

static int set_scheme(struct cr_config *c, const char *v, char *why, size_t n)
{
	if (!strcmp(v, "student-id"))
		c->programme.scheme = CARD_STUDENT_ID;
	else if (!strcmp(v, "range"))
		c->programme.scheme = CARD_RANGE;
	else if (!strcmp(v, "stock"))
		c->programme.scheme = CARD_STOCK;
	else {
		config_why(why, n, "'%s' is not student-id, range or stock", v);
		return 0;
	}
	return 1;
}

static int set_bool(int *dst, const char *v, char *why, size_t n)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*dst = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*dst = 0;
	else {
		config_why(why, n, "'%s' is not yes or no", v);
		return 0;
	}
	return 1;
}

static int set_prefix(struct cr_config *c, const char *v, char *why, size_t n)
{
	for (const char *p = v; *p; p++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-')) {
			config_why(why, n, "a card prefix may hold only letters, digits and '-'");
			return 0;
		}
	}
	return config_set_string(c->programme.prefix, sizeof c->programme.prefix, v, why, n);
}

static int set_luhn(struct cr_config *c, const char *v, char *why, size_t n)
{
	return set_bool(&c->programme.luhn, v, why, n);
}

static int set_institution(struct cr_config *c, const char *v, char *why, size_t n)
{
	if (strlen(v) != 4 || strspn(v, "0123456789") != 4) {
		config_why(why, n, "the institution code must be 4 digits");
		return 0;
	}
	return config_set_string(c->programme.institution, sizeof c->programme.institution, v, why, n);
}

static int set_block(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->programme.block_size, v, 10, 1000000, why, n);
}

static int set_stock_prefix(struct cr_config *c, const char *v, char *why, size_t n)
{
	if (strspn(v, "0123456789") != strlen(v)) {
		config_why(why, n, "a card stock prefix is digits only");
		return 0;
	}
	return config_set_string(c->programme.stock.prefix, sizeof c->programme.stock.prefix, v, why, n);
}

static int set_stock_length(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->programme.stock.length, v, 4, 40, why, n);
}

static int set_stock_luhn(struct cr_config *c, const char *v, char *why, size_t n)
{
	return set_bool(&c->programme.stock.luhn, v, why, n);
}

static int set_expires(struct cr_config *c, const char *v, char *why, size_t n)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int m, d;
	char tail;

	if (sscanf(v, "%2d-%2d%c", &m, &d, &tail) != 2 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) {
		config_why(why, n, "'%s' is not a month and day such as 06-30", v);
		return 0;
	}
	c->programme.expiry_month = m;
	c->programme.expiry_day = d;
	return 1;
}

/* value must be one of the words in list (space-separated). */
static int config_set_word(char *dst, size_t dstlen, const char *v, const char *list, char *why, size_t n)
{
	size_t len = strlen(v);

	for (const char *p = list; *p;) {
		size_t w = strcspn(p, " ");

		if (w == len && !strncmp(p, v, len))
			return config_set_string(dst, dstlen, v, why, n);
		p += w;
		p += strspn(p, " ");
	}
	config_why(why, n, "'%s' is not one of: %s", v, list);
	return 0;
}

static int set_print_driver(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_word(c->print.driver, sizeof c->print.driver, v, "pdf escpos zpl cups preview", why, n);
}

static int set_print_target(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_string(c->print.target, sizeof c->print.target, v, why, n);
}

/* [report] paper: the PDF report's page; auto follows the locale (LC_PAPER). */
static int set_report_paper(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_word(c->report_paper, sizeof c->report_paper, v, "auto a4 letter", why, n);
}

static int set_print_paper(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_word(c->print.paper, sizeof c->print.paper, v, "letter a4 58 80", why, n);
}

static int set_print_layout(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_word(c->print.layout, sizeof c->print.layout, v, "sheet cr80 raster text", why, n);
}

static int set_print_barcode(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_word(c->print.barcode, sizeof c->print.barcode, v, "codabar code39", why, n);
}

static int set_print_codepage(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_word(c->print.codepage, sizeof c->print.codepage, v, "cp437 cp858 cp1252", why, n);
}

static int set_print_inner(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_word(c->print.inner, sizeof c->print.inner, v, "pdf escpos", why, n);
}

static int set_print_native_qr(struct cr_config *c, const char *v, char *why, size_t n)
{
	return set_bool(&c->print.native_qr, v, why, n);
}

static int set_print_languages(struct cr_config *c, const char *v, char *why, size_t n)
{
	if (!*v || strspn(v, "abcdefghijklmnopqrstuvwxyz-_, ") != strlen(v)) {
		config_why(why, n, "languages are codes such as en, es (comma-separated)");
		return 0;
	}
	return config_set_string(c->print.languages, sizeof c->print.languages, v, why, n);
}

static int set_print_templates(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_string(c->print.templates, sizeof c->print.templates, v, why, n);
}

#define SYNC_STRING(field) \
	static int set_sync_##field(struct cr_config *c, const char *v, char *why, size_t n) \
	{ \
		return config_set_string(c->sync.field, sizeof c->sync.field, v, why, n); \
	}
SYNC_STRING(url)
SYNC_STRING(user)
SYNC_STRING(password)
SYNC_STRING(client_id)
SYNC_STRING(client_secret)
SYNC_STRING(library_id)
SYNC_STRING(category)
SYNC_STRING(attribute)
SYNC_STRING(secret)
SYNC_STRING(folder)
SYNC_STRING(ca_file)
SYNC_STRING(roster_url)
SYNC_STRING(roster_client_id)
SYNC_STRING(roster_client_secret)
SYNC_STRING(roster_token_url)

static int set_sync_target(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_word(c->sync.target, sizeof c->sync.target, v, "koha webhook file", why, n);
}

static int set_sync_auth(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_word(c->sync.auth, sizeof c->sync.auth, v, "basic oauth2", why, n);
}

static int set_sync_roster_auth(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_word(c->sync.roster_auth, sizeof c->sync.roster_auth, v, "none basic oauth2", why, n);
}

static int set_sync_format(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_word(c->sync.format, sizeof c->sync.format, v, "koha-csv evergreen-csv folio-json", why, n);
}

static int set_sync_evergreen_binary(struct cr_config *c, const char *v, char *why, size_t n)
{
	return set_bool(&c->sync.evergreen_binary, v, why, n);
}

/* FOLIO puts it before every externalSystemId ("<type>_<id>") and queries
 * on it: letters, digits, '-' and '_' only. */
static int set_sync_folio_source_type(struct cr_config *c, const char *v, char *why, size_t n)
{
	if (strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(v)) {
		config_why(why, n, "a FOLIO source type may hold only letters, digits, '-' and '_'");
		return 0;
	}
	return config_set_string(c->sync.folio_source_type, sizeof c->sync.folio_source_type, v, why, n);
}

static int set_sync_insecure(struct cr_config *c, const char *v, char *why, size_t n)
{
	return set_bool(&c->sync.insecure, v, why, n);
}

static int set_sync_timeout(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->sync.timeout_ms, v, 100, 600000, why, n);
}

static int set_sync_probe_timeout(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->sync.probe_timeout_ms, v, 100, 60000, why, n);
}

static int set_sync_batch(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->sync.batch, v, 1, 1000, why, n);
}

static int set_sync_confirm_duplicates(struct cr_config *c, const char *v, char *why, size_t n)
{
	return set_bool(&c->sync.koha_confirm_duplicates, v, why, n);
}

static int set_sync_existing_cards(struct cr_config *c, const char *v, char *why, size_t n)
{
	return set_bool(&c->sync.existing_cards, v, why, n);
}

static int set_sync_http2(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_word(c->sync.http2, sizeof c->sync.http2, v, "auto no", why, n);
}

static int set_sync_backoff_max(struct cr_config *c, const char *v, char *why, size_t n)
{
	return config_set_int(&c->sync.backoff_max_s, v, 1, 86400, why, n);
}

static const struct config_key {
	const char *section;
	const char *key;
	config_set_fn set;
} config_keys[] = {
	{ "storage", "database",        set_db_path },
	{ "storage", "busy_timeout_ms", set_busy },
	{ "desk",    "name",            set_desk },
	{ "desk",    "idle_lock_s",     set_idle_lock },
	{ "roster",  "max_age_days",    set_max_age },
	{ "report",  "min_cell",        set_min_cell },
	{ "retention", "school_year_end", set_year_end },
	{ "retention", "withdrawn_days", set_withdrawn_days },
	{ "report",  "paper",           set_report_paper },
	{ "programme", "consent",       set_consent },
	{ "programme", "grades",        set_grades },
	{ "programme", "min_age",       set_min_age },
	{ "programme", "max_age",       set_max_child_age },
	{ "cards",   "scheme",          set_scheme },
	{ "cards",   "prefix",          set_prefix },
	{ "cards",   "check_digit",     set_luhn },
	{ "cards",   "institution",     set_institution },
	{ "cards",   "block_size",      set_block },
	{ "cards",   "stock_prefix",    set_stock_prefix },
	{ "cards",   "stock_length",    set_stock_length },
	{ "cards",   "stock_check_digit", set_stock_luhn },
	{ "cards",   "expires",         set_expires },
	{ "cards",   "expiry",          set_expiry },
	{ "print",   "driver",          set_print_driver },
	{ "print",   "target",          set_print_target },
	{ "print",   "paper",           set_print_paper },
	{ "print",   "layout",          set_print_layout },
	{ "print",   "barcode",         set_print_barcode },
	{ "print",   "codepage",        set_print_codepage },
	{ "print",   "inner",           set_print_inner },
	{ "print",   "native_qr",       set_print_native_qr },
	{ "print",   "languages",       set_print_languages },
	{ "print",   "templates",       set_print_templates },
	{ "sync",    "target",          set_sync_target },
	{ "sync",    "url",             set_sync_url },
	{ "sync",    "auth",            set_sync_auth },
	{ "sync",    "user",            set_sync_user },
	{ "sync",    "password",        set_sync_password },
	{ "sync",    "client_id",       set_sync_client_id },
	{ "sync",    "client_secret",   set_sync_client_secret },
	{ "sync",    "library_id",      set_sync_library_id },
	{ "sync",    "category",        set_sync_category },
	{ "sync",    "attribute",       set_sync_attribute },
	{ "sync",    "secret",          set_sync_secret },
	{ "sync",    "folder",          set_sync_folder },
	{ "sync",    "format",          set_sync_format },
	{ "sync",    "evergreen_loader_binary", set_sync_evergreen_binary },
	{ "sync",    "folio_source_type", set_sync_folio_source_type },
	{ "sync",    "ca_file",         set_sync_ca_file },
	{ "sync",    "insecure",        set_sync_insecure },
	{ "sync",    "timeout_ms",      set_sync_timeout },
	{ "sync",    "probe_timeout_ms", set_sync_probe_timeout },
	{ "sync",    "batch",           set_sync_batch },
	{ "sync",    "backoff_max_s",   set_sync_backoff_max },
	{ "sync",    "koha_confirm_duplicates", set_sync_confirm_duplicates },
	{ "sync",    "existing_cards",  set_sync_existing_cards },
	{ "sync",    "http2",           set_sync_http2 },
	{ "sync",    "roster_url",      set_sync_roster_url },
	{ "sync",    "roster_auth",     set_sync_roster_auth },
	{ "sync",    "roster_client_id", set_sync_roster_client_id },
	{ "sync",    "roster_client_secret", set_sync_roster_client_secret },
	{ "sync",    "roster_token_url", set_sync_roster_token_url },
};

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct config_parse *p = user;
	int known_section = 0;
	char why[200];

	if (!strcmp(section, "categories")) {
		if (set_category(p->cfg, name, value, why, sizeof why))
			return 1;
		if (!p->reason[0])
			snprintf(p->reason, sizeof p->reason, "[categories] %s: %s", name, why);
		return 0;
	}
	for (size_t i = 0; i < sizeof config_keys / sizeof config_keys[0]; i++) {
		const struct config_key *k = &config_keys[i];

		if (strcmp(k->section, section) != 0)
			continue;
		known_section = 1;
		if (strcmp(k->key, name) != 0)
			continue;
		if (k->set(p->cfg, value, why, sizeof why)) {
			if (k->set == set_sync_roster_auth)
				p->saw_roster_auth = 1;
			return 1;
		}
		if (!p->reason[0])
			snprintf(p->reason, sizeof p->reason, "[%s] %s: %s", section, name, why);
		return 0;
	}
	if (!p->reason[0]) {
		if (known_section)
			snprintf(p->reason, sizeof p->reason, _("unknown key '%s' in section [%s]"), name, section);
		else
			snprintf(p->reason, sizeof p->reason, _("unknown section [%s] (key '%s')"), section, name);
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
			key[0] = '\0';   /* each line's own key, not the last one's */
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
		/* Only a "key =" line has a key to name: not a comment, a
		 * [section] or text without '=' (the line says enough then). */
		if (!eq || strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
			   != strlen(key))
			key[0] = '\0';
	}
	return found;
}

/* The line of the last "key =" in [section] of f (inih's rules: ';' and
 * '#' start a comment line, names are trimmed), or 0; rewinds f. */
static int config_key_line(FILE *f, const char *section, const char *key)
{
	char buf[CONFIG_MAX_LINE + 8], sect[64] = "";
	int line = 0, found = 0;

	while (fgets(buf, sizeof buf, f)) {
		char *s = buf, *e;
		size_t n;

		line++;
		s += strspn(s, " \t");
		if (line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
			s += 3;
		if (*s == '[') {
			n = strcspn(s + 1, "]");
			snprintf(sect, sizeof sect, "%.*s", (int)n, s + 1);
			continue;
		}
		if (*s == ';' || *s == '#' || !(e = strpbrk(s, "=:")))
			continue;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (!strcmp(sect, section) && (size_t)(e - s) == strlen(key) && !strncmp(s, key, (size_t)(e - s)))
			found = line;
	}
	rewind(f);
	return found;
}

/* Which grades the programme serves have no [categories] band, and where
 * the [sync] target is set: for sync_run's check (config.h). */
static void config_category_gaps(struct cr_config *cfg, FILE *f, const char *path)
{
	struct programme *pg = &cfg->programme;
	struct sync_settings *s = &cfg->sync;
	unsigned covered = 0, gaps;
	size_t used = 0;
	int line;

	for (int i = 0; i < pg->ncategories; i++)
		covered |= pg->category[i].grades;
	gaps = pg->grades & ~covered;
	s->category_missing[0] = '\0';
	for (int i = 0; grade_codes[i] && used < sizeof s->category_missing; i++) {
		int w;

		if (!(gaps & (1u << i)))
			continue;
		w = snprintf(s->category_missing + used, sizeof s->category_missing - used, "%s%s", used ? ", " : "",
			     grade_codes[i]);
		if (w < 0 || (size_t)w >= sizeof s->category_missing - used) {
			/* too many to list: end with an ellipsis */
			snprintf(s->category_missing + sizeof s->category_missing - 5, 5, "...");
			break;
		}
		used += (size_t)w;
	}
	if ((line = config_key_line(f, "sync", "target")) > 0)
		snprintf(s->category_where, sizeof s->category_where, "%.4096s:%d", path, line);
	else if (s->target[0] && !s->category_where[0])
		snprintf(s->category_where, sizeof s->category_where, "%.4096s", path);
}

void config_defaults(struct cr_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->busy_timeout_ms = 10000;
	cfg->roster_max_age_days = 60;
	cfg->report_min_cell = 5;
	cfg->idle_lock_s = 300;
	cfg->withdrawn_days = 90;
	snprintf(cfg->report_paper, sizeof cfg->report_paper, "auto");
	cfg->programme.consent = CONSENT_OPT_OUT;
	cfg->programme.grades = ~0u;
	cfg->programme.scheme = CARD_STUDENT_ID;
	cfg->programme.block_size = 1000;
	cfg->programme.stock.luhn = 1;
	cfg->programme.expiry_month = 6;
	cfg->programme.expiry_day = 30;
	snprintf(cfg->print.driver, sizeof cfg->print.driver, "preview");
	snprintf(cfg->print.barcode, sizeof cfg->print.barcode, "codabar");
	snprintf(cfg->print.languages, sizeof cfg->print.languages, "en,es");
	snprintf(cfg->sync.auth, sizeof cfg->sync.auth, "basic");
	snprintf(cfg->sync.attribute, sizeof cfg->sync.attribute, "STUID");
	snprintf(cfg->sync.format, sizeof cfg->sync.format, "koha-csv");
	snprintf(cfg->sync.roster_auth, sizeof cfg->sync.roster_auth, "none");
	snprintf(cfg->sync.http2, sizeof cfg->sync.http2, "auto");
	cfg->sync.timeout_ms = 10000;
	cfg->sync.probe_timeout_ms = 2000;
	cfg->sync.batch = 50;
	cfg->sync.backoff_max_s = 3600;
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
		if (key[0])
			return cr_fail(err, CR_ECONFIG, "%s:%d: line %d (setting '%.60s') is longer than the "
				       "limit of %d characters a settings line may have", path, line, line, key,
				       CONFIG_MAX_LINE - 2);
		return cr_fail(err, CR_ECONFIG, "%s:%d: line %d is longer than the limit of %d characters "
			       "a settings line may have", path, line, line, CONFIG_MAX_LINE - 2);
	}
	line = ini_parse_file(f, config_handler, &p);
	if (line == 0) {
		rewind(f);
		config_category_gaps(cfg, f, path);
	}
	if (line == 0 && p.saw_roster_auth) {   /* where it is, for the pull's messages */
		rewind(f);
		snprintf(cfg->sync.roster_auth_at, sizeof cfg->sync.roster_auth_at, "%.4096s:%d", path,
			 config_key_line(f, "sync", "roster_auth"));
	}
	fclose(f);
	if (line < 0)
		return cr_fail(err, CR_ENOINPUT, "cannot read settings %s", path);
	if (line > 0)
		return cr_fail(err, CR_ECONFIG, "%s:%d: %s", path, line,
			       p.reason[0] ? p.reason : _("not a 'key = value' line or [section]"));
	snprintf(cfg->source_path, sizeof cfg->source_path, "%s", path);
	return CR_OK;
}
