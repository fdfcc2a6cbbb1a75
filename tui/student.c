/* student: one student's details from the roster and whether they can have
 * a card, in words; issues the card at the desk, and takes the next scan. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draw.h"
#include "desk/perm.h"
#include "ilscheck.h"
#include "preview.h"
#include "printing.h"
#include "prompt.h"
#include "desk/slips.h"
#include "screens.h"
#include "search_ui.h"
#include "desk/signup.h"
#include "text/i18n.h"

#define STUDENT_SCAN_MAX 32   /* digits of a student ID being typed or scanned */

static struct student_panel {
	struct search_ui_hit hit;
	struct signup_result check;          /* what signup_check says now */
	int                  checked;        /* check is valid */
	struct signup_facts  facts;          /* card, consent, classes */
	char                 issued[CARDNO_MAX];  /* the card issued here, while this child is shown */
	char                 note[320];      /* what to remember about that card */
	char                 scan[STUDENT_SCAN_MAX + 1];
} panel;

/* A refusal a person may overrule: the rules found a likely duplicate. */
static int student_is_duplicate(void)
{
	return panel.checked && panel.check.outcome == SIGNUP_REFUSED &&
	       panel.check.why == WHY_DUPLICATE;
}

static void student_check(struct tui *t)
{
	struct cr_err err = { 0 };

	panel.checked = signup_check(t->db, &t->cfg->programme, panel.hit.student_rowid, 0,
				     &panel.check, &err) == CR_OK;
	if (!panel.checked)
		tui_say(t, ROLE_ERROR, "%s", err.msg);
	else if (perm_facts(t->db, t->staff.id, panel.hit.student_rowid, &panel.facts, &err) != CR_OK)
		tui_say(t, ROLE_ERROR, "%s", err.msg);
	tui_mark(t, TUI_DIRTY_BODY | TUI_DIRTY_FOOTER);
}

void student_show(struct tui *t, const struct search_ui_hit *hit)
{
	struct search_ui_hit copy = { 0 };

	/* Copy first: hit may be the panel's own, or freed with the old one. */
	if (search_ui_hit_copy(&copy, hit) != 0) {
		tui_say(t, ROLE_ERROR, "out of memory");
		return;
	}
	search_ui_hit_free(&panel.hit);
	memset(&panel, 0, sizeof panel);
	panel.hit = copy;
	if (tui_top(t) == &student_screen) {
		student_check(t);
		ilscheck_start(t, panel.hit.student_rowid, panel.hit.student_number, panel.facts.card);
	} else
		tui_push(t, &student_screen);
}

/* ---- actions ---- */

static void student_issue_with(struct tui *t, int confirm, const char *stock)
{
	struct signup_request rq = {
		.student = panel.hit.student_rowid,
		.staff = t->staff.id,
		.desk = t->cfg->desk,
		.stock_number = stock,
		.confirm_not_duplicate = confirm,
	};
	struct signup_result res;
	struct cr_err err = { 0 };

	if (signup_issue(t->db, &t->cfg->programme, &rq, &res, &err) != CR_OK) {
		tui_say(t, ROLE_ERROR, "%s", err.msg);
	} else if (res.outcome == SIGNUP_ISSUED) {
		snprintf(panel.issued, sizeof panel.issued, "%s", res.card);
		snprintf(panel.note, sizeof panel.note, "%s", res.reason);
		tui_say(t, ROLE_NORMAL, "card %s issued; v voids it if a mistake", res.card);
		tui_changed(t);
	} else {
		/* Another desk got there first, the rules changed under us, or a
		 * scanned card was refused. */
		tui_say(t, ROLE_WARNING, "not issued: %s", res.reason);
	}
	student_check(t);
}

/* Pre-printed card stock: the clerk scans the card that will be handed over. */
static int student_confirming;

static void student_stock_scanned(struct tui *t, const char *number)
{
	student_issue_with(t, student_confirming, number);
}

static const struct prompt_spec student_stock_prompt = {
	.title = N_("Scan the pre-printed card"),
	.question = N_("Card number"),
	.hint = N_("Scan the barcode on the card you will hand over, or type it; Esc to cancel."),
	.digits_only = 1,
	.required = 1,
	.done = student_stock_scanned,
};

static void student_issue_or_scan(struct tui *t, int confirm)
{
	if (t->cfg->programme.scheme == CARD_STOCK) {
		student_confirming = confirm;
		prompt_open(t, &student_stock_prompt);
		return;
	}
	student_issue_with(t, confirm, NULL);
}

/* ---- the slip ---- */

static void student_slip_fields(struct slip_fields *f)
{
	const struct search_ui_hit *h = &panel.hit;
	char *comma = strchr(panel.facts.classes, ',');

	/* The first class only: a slip has room for one. */
	if (comma)
		*comma = '\0';
	f->given = h->preferred_name && *h->preferred_name ? h->preferred_name : h->given_name;
	f->family = h->family_name;
	f->card = panel.facts.card;
	f->school = h->school;
	f->class_name = panel.facts.classes;
	f->grade = h->grade;
	f->expires = panel.facts.expires;
}

static void student_preview(struct tui *t)
{
	struct slip_fields f;

	if (!panel.facts.card[0]) {
		tui_say(t, ROLE_WARNING, "no card yet: a slip comes with the card");
		return;
	}
	student_slip_fields(&f);
	preview_open(t, &f);
	student_check(t);   /* facts.classes was cut to one class */
}

static void student_print(struct tui *t)
{
	struct cr_err err = { 0 };
	long long job = 0;

	if (!panel.facts.card[0]) {
		tui_say(t, ROLE_WARNING, "no card yet: a slip comes with the card");
		return;
	}
	if (slips_queue_card(t->db, panel.facts.card, t->staff.id, t->cfg->print.driver, &job, &err) != CR_OK)
		tui_say(t, ROLE_ERROR, "%s", err.msg);
	else if (printing_start(t, job) == 0)
		tui_say(t, ROLE_NORMAL, "printing the slip of card %s (print job %lld)", panel.facts.card, job);
}

/* ---- mistakes and the family's answer ---- */

static void student_voided(struct tui *t, const char *reason)
{
	struct cr_err err = { 0 };
	char card[CARDNO_MAX];

	snprintf(card, sizeof card, "%s", panel.facts.card);
	if (signup_void(t->db, card, reason, t->staff.id, t->cfg->desk, &err) != CR_OK) {
		tui_say(t, ROLE_ERROR, "%s", err.msg);
		return;
	}
	panel.issued[0] = panel.note[0] = '\0';
	tui_say(t, ROLE_NORMAL, "card %s is void; the library system will be told", card);
	tui_changed(t);
	student_check(t);
}

static const struct prompt_spec student_void_prompt = {
	.title = N_("Void this child's card"),
	.question = N_("Why"),
	.hint = N_("Say why, e.g. \"issued to the wrong child\". Nothing is deleted; the void syncs to the library."),
	.required = 1,
	.done = student_voided,
};

static void student_void(struct tui *t)
{
	if (!panel.facts.card[0]) {
		tui_say(t, ROLE_WARNING, "this child has no card to void");
		return;
	}
	prompt_open(t, &student_void_prompt);
}

static void student_consent(struct tui *t, const char *state, const char *said)
{
	struct cr_err err = { 0 };

	if (signup_consent(t->db, panel.hit.student_rowid, state, t->staff.id, t->cfg->desk, &err) != CR_OK) {
		tui_say(t, ROLE_ERROR, "%s", err.msg);
		return;
	}
	tui_say(t, ROLE_NORMAL, "%s", _(said));
	tui_changed(t);
	student_check(t);
}

static void student_opt_out(struct tui *t)
{
	student_consent(t, "opted_out", N_("recorded: the family said no to a card"));
}

static void student_consent_given(struct tui *t)
{
	if (t->cfg->programme.consent == CONSENT_SIGNATURE)
		student_consent(t, "signed", N_("recorded: the guardian's signature is in"));
	else
		student_consent(t, "given", N_("recorded: a guardian said yes"));
}

static void student_issue(struct tui *t)
{
	student_issue_or_scan(t, 0);
}

static void student_confirm(struct tui *t)
{
	student_issue_or_scan(t, 1);
}

/* Esc drops a half-typed student ID first, then goes back. */
static void student_back(struct tui *t)
{
	if (panel.scan[0]) {
		panel.scan[0] = '\0';
		tui_mark(t, TUI_DIRTY_BODY);
		return;
	}
	tui_pop(t);
}

/* Digits then Enter: a scanned (or typed) student ID opens that student. */
static void student_scan_open(struct tui *t)
{
	struct search_ui_hit hit = { 0 };
	struct cr_err err = { 0 };
	int found = 0;

	if (!panel.scan[0])
		return;
	if (search_ui_exact(t->db, panel.scan, &hit, &found, &err) != CR_OK)
		tui_say(t, ROLE_ERROR, "%s", err.msg);
	else if (!found)
		tui_say(t, ROLE_WARNING, "no student has the ID %s", panel.scan);
	else
		student_show(t, &hit);
	search_ui_hit_free(&hit);
	panel.scan[0] = '\0';
	tui_mark(t, TUI_DIRTY_BODY);
}

static void student_scan_erase(struct tui *t)
{
	size_t n = strlen(panel.scan);

	if (n > 0) {
		panel.scan[n - 1] = '\0';
		tui_mark(t, TUI_DIRTY_BODY);
	}
}

/* ---- keys: which ones are in force depends on what the rules said ---- */

/* Esc goes back where the child was opened from, and says so: the search
 * results on home, or the class roll. */
#define STUDENT_COMMON_ROWS(back) \
	{ 0, 27,            "Esc",   N_("Back"), back, student_back }, \
	{ 0, 'q',           "q",     NULL,   N_("the same as Esc"), student_back }, \
	{ 0, '\r',          "Enter", NULL,   N_("after a scanned or typed student ID: open that student"), student_scan_open }, \
	{ 0, '\n',          "Enter", NULL,   NULL, student_scan_open }, \
	{ 1, KEY_ENTER,     "Enter", NULL,   NULL, student_scan_open }, \
	{ 1, KEY_BACKSPACE, "Bksp",  NULL,   NULL, student_scan_erase }, \
	{ 0, 127,           "Bksp",  NULL,   NULL, student_scan_erase }, \
	{ 0, 8,             "Bksp",  NULL,   NULL, student_scan_erase }

#define STUDENT_VOID_ROW \
	{ 0, 'p', "p", N_("Print slip"), N_("print this child's slip on the desk's printer"), student_print }, \
	{ 0, 's', "s", N_("Slip"), N_("show the slip on the screen, QR code and all"), student_preview }, \
	{ 0, 'v', "v", N_("Void"), N_("void this child's card, with a reason (nothing is deleted)"), student_void }
#define STUDENT_FAMILY_ROWS \
	{ 0, 'o', "o", N_("Opted out"), N_("record that the family said no to a card"), student_opt_out }, \
	{ 0, 'g', "g", N_("Consent"), N_("record a guardian's yes (or the signature, in signature mode)"), \
	  student_consent_given }

#define STUDENT_ISSUE_ROW \
	{ 0, 'i', "i", N_("Issue card"), N_("issue a library card to this child now"), student_issue }
#define STUDENT_CONFIRM_ROW \
	{ 0, 'c', "c", N_("Confirm"), N_("confirm and issue: not the same child as the other card's holder"), \
	  student_confirm }

/* The tables in force in each state of the panel, for one way back. */
struct student_tables {
	const struct keys_table        plain, common, card, issue, confirm;
	const struct keys_table *const help[5];
};

#define STUDENT_TABLES(name, back) \
	static const struct key_binding name##_rows[] = { STUDENT_COMMON_ROWS(back), STUDENT_FAMILY_ROWS }; \
	static const struct key_binding name##_card_rows[] = { STUDENT_VOID_ROW, STUDENT_COMMON_ROWS(back) }; \
	static const struct key_binding name##_issue_rows[] = { STUDENT_ISSUE_ROW, STUDENT_COMMON_ROWS(back), \
								STUDENT_FAMILY_ROWS }; \
	static const struct key_binding name##_confirm_rows[] = { STUDENT_CONFIRM_ROW, STUDENT_COMMON_ROWS(back), \
								  STUDENT_FAMILY_ROWS }; \
	static const struct key_binding name##_common_rows[] = { STUDENT_COMMON_ROWS(back) }; \
	static const struct student_tables name = { \
		.plain = KEYS_TABLE(N_("Student"), name##_rows), \
		.common = KEYS_TABLE(N_("Student"), name##_common_rows), \
		.card = KEYS_TABLE(N_("Student"), name##_card_rows), \
		.issue = KEYS_TABLE(N_("Student"), name##_issue_rows), \
		.confirm = KEYS_TABLE(N_("Student"), name##_confirm_rows), \
		.help = { &name.common, &student_issue_help, &student_family_help, &student_void_help, NULL }, \
	}

static const struct key_binding student_issue_help_rows[] = { STUDENT_ISSUE_ROW, STUDENT_CONFIRM_ROW };
static const struct key_binding student_family_help_rows[] = { STUDENT_FAMILY_ROWS };
static const struct key_binding student_void_help_rows[] = { STUDENT_VOID_ROW };

static const struct keys_table student_issue_help =
	KEYS_TABLE(N_("When the rules allow a card"), student_issue_help_rows);
static const struct keys_table student_family_help =
	KEYS_TABLE(N_("When the child has no card"), student_family_help_rows);
static const struct keys_table student_void_help =
	KEYS_TABLE(N_("When the child has a card"), student_void_help_rows);

STUDENT_TABLES(student_from_search, N_("back to the search results"));
STUDENT_TABLES(student_from_roll, N_("back to the class roll"));

/* Where Esc goes back to: the screen under this one. */
static const struct student_tables *student_tables(struct tui *t)
{
	int i = t->depth - 1;

	/* The panel may sit under the help or a question: find it first. */
	while (i > 0 && t->stack[i] != &student_screen)
		i--;
	return i > 0 && t->stack[i - 1] == &roll_screen ? &student_from_roll : &student_from_search;
}

static const struct keys_table *student_keys(struct tui *t)
{
	const struct student_tables *st = student_tables(t);

	if (panel.facts.card[0])
		return &st->card;
	if (panel.checked && panel.check.outcome == SIGNUP_ISSUED)
		return &st->issue;
	if (student_is_duplicate())
		return &st->confirm;
	return &st->plain;
}

static const struct keys_table *const *student_help(struct tui *t)
{
	return student_tables(t)->help;
}

/* Digits go to the scan line; a scanner is a keyboard that ends with Enter. */
static int student_key(struct tui *t, const struct tui_key *k)
{
	size_t n = strlen(panel.scan);

	if (k->fn || k->ch < '0' || k->ch > '9')
		return 0;
	if (n < STUDENT_SCAN_MAX) {
		panel.scan[n] = (char)k->ch;
		panel.scan[n + 1] = '\0';
	}
	tui_mark(t, TUI_DIRTY_BODY);
	return 1;
}

/* ---- drawing ---- */

/* CEDS grade codes in the words a librarian uses. */
static void student_grade(const char *code, char *buf, size_t n)
{
	char *end;
	long g = strtol(code, &end, 10);

	if (!*code)
		snprintf(buf, n, "%s", _("not on the roster"));
	else if (strcmp(code, "PK") == 0)
		snprintf(buf, n, "%s", _("pre-kindergarten (PK)"));
	else if (strcmp(code, "KG") == 0)
		snprintf(buf, n, "%s", _("kindergarten (KG)"));
	else if (!*end && g >= 1 && g <= 13)
		snprintf(buf, n, _("grade %ld"), g);
	else
		snprintf(buf, n, "%s", code);
}

/* The labels of the panel, in the person's language; the values start
 * after the widest of them. */
static const char *const student_labels[] = {
	N_("Student ID"), N_("School"), N_("Grade"), N_("Status"), N_("Class"), N_("Card"), N_("Issued by"),
	N_("Consent"), N_("Birth date"),
};

static int student_label_w(struct tui *t)
{
	int lw = 12;

	for (size_t i = 0; i < sizeof student_labels / sizeof student_labels[0]; i++)
		lw = draw_col_width(t, lw, _(student_labels[i]));
	return lw;
}

/* label is English (one of student_labels), translated here. */
static void student_field(struct tui *t, WINDOW *w, int y, int x, int cols,
			  const char *label, const char *value, enum theme_role role)
{
	int lw = student_label_w(t);

	draw_role(w, ROLE_DIM);
	draw_cell(t, w, y, x, lw, _(label), DRAW_LEFT);
	draw_role(w, role);
	draw_cell(t, w, y, x + lw + 1, cols - lw - 1, value, DRAW_LEFT);
}

/* Whose name the card is in, and where and when it was made: "Maria
 * Lopez at Front, 2026-09-08 10:42". */
static void student_issuer(struct tui *t, WINDOW *w, int y, int x, int cols)
{
	const struct signup_facts *f = &panel.facts;
	char by[320], when[32] = "";
	time_t at = (time_t)f->card_at;
	struct tm tm;

	if (!f->card[0]) {
		student_field(t, w, y, x, cols, "Issued by", _("no card yet"), ROLE_DIM);
		return;
	}
	if (at > 0 && localtime_r(&at, &tm))
		strftime(when, sizeof when, ", %Y-%m-%d %H:%M", &tm);
	/* TRANSLATORS: "Maria Lopez at Front, 2026-09-08 10:42"; the last %s is ", date time" or "". */
	snprintf(by, sizeof by, _("%s at %s%s"), f->card_staff[0] ? f->card_staff : _("nobody signed in"),
		 f->card_desk[0] ? f->card_desk : _("a desk"), when);
	student_field(t, w, y, x, cols, "Issued by", by, ROLE_NORMAL);
}

/* The rules' answer as a sentence: "Can have a card", "Already has card
 * 1001, issued by Front just now", "Refused: the family opted out ...". */
static enum theme_role student_verdict(char *buf, size_t n)
{
	const struct signup_result *r = &panel.check;

	if (!panel.checked) {
		snprintf(buf, n, "%s", _("Could not check the rules for this child"));
		return ROLE_ERROR;
	}
	switch (r->outcome) {
	case SIGNUP_ISSUED:
		snprintf(buf, n, "%s", _("Can have a card"));
		return ROLE_NAME;
	case SIGNUP_ALREADY:
		snprintf(buf, n, "%s", r->reason);
		if (buf[0] >= 'a' && buf[0] <= 'z')
			buf[0] = (char)(buf[0] - 'a' + 'A');
		return ROLE_NORMAL;
	default:
		snprintf(buf, n, _("Refused: %s"), r->reason);
		return ROLE_WARNING;
	}
}

/* Under the details: the rules' answer, the card just issued, the scan. */
static void student_draw_card(struct tui *t, WINDOW *w, int y, int x, int cols)
{
	char verdict[400];
	enum theme_role role = student_verdict(verdict, sizeof verdict);
	int rows = getmaxy(w);

	if (panel.issued[0]) {
		draw_role(w, ROLE_NAME);
		draw_fmt(t, w, y++, x, cols, _("Card issued: %s"), panel.issued);
		if (panel.note[0]) {
			draw_role(w, ROLE_WARNING);
			y += draw_wrap(t, w, y, x, cols, 2, panel.note);
		}
		y++;
	}
	draw_role(w, role);
	y += draw_wrap(t, w, y, x, cols, rows - y - 2 > 4 ? 4 : rows - y - 2, verdict);
	if (panel.checked && panel.check.outcome == SIGNUP_ISSUED && panel.check.reason[0]) {
		draw_role(w, ROLE_WARNING);
		y += draw_wrap(t, w, y, x, cols, 2, panel.check.reason);
	}
	{
		char ils[400];

		if (ilscheck_text(panel.hit.student_rowid, ils, sizeof ils) && y < rows - 1) {
			draw_role(w, ROLE_DIM);
			y += draw_wrap(t, w, y, x, cols, 2, ils);
		}
	}
	if (panel.scan[0] && y + 1 < rows) {
		draw_role(w, ROLE_DIM);
		draw_fmt(t, w, y + 1, x, cols, _("Typed %s %s Enter opens that student ID, Esc drops it"),
			 panel.scan, t->glyph->dot);
	}
}

static void student_draw(struct tui *t, WINDOW *w)
{
	const struct search_ui_hit *h = &panel.hit;
	int cols = getmaxx(w), bw = cols - 4 < 72 ? cols - 4 : 72, x = (cols - bw) / 2, y = 1;
	int active = strcmp(h->status, "active") == 0;
	char *name = search_ui_name(h);
	char grade[64];

	student_grade(h->grade, grade, sizeof grade);
	draw_role(w, ROLE_NORMAL);
	draw_box(t, w, y, x, 13, bw);
	draw_role(w, ROLE_NAME);
	draw_cell(t, w, y + 1, x + 2, bw - 4, name ? name : "?", DRAW_LEFT);
	student_field(t, w, y + 3, x + 2, bw - 4, "Student ID",
		      h->student_number[0] ? h->student_number : _("none on the roster"), ROLE_NORMAL);
	{
		char school[300];

		/* The district only when it fits: the school is what matters. */
		snprintf(school, sizeof school, "%s (%s)", h->school[0] ? h->school : _("none"), h->district);
		if (draw_width(t, school) > bw - 4 - student_label_w(t) - 1)
			snprintf(school, sizeof school, "%s", h->school[0] ? h->school : _("none"));
		student_field(t, w, y + 4, x + 2, bw - 4, "School", school, ROLE_NORMAL);
	}
	student_field(t, w, y + 5, x + 2, bw - 4, "Grade", grade, ROLE_NORMAL);
	/* The roster's status word (a database value), in the person's language. */
	student_field(t, w, y + 6, x + 2, bw - 4, "Status",
		      active ? _("active") : !strcmp(h->status, "withdrawn") ? _("withdrawn") : h->status,
		      active ? ROLE_NORMAL : ROLE_WARNING);
	student_field(t, w, y + 7, x + 2, bw - 4, "Class",
		      panel.facts.classes[0] ? panel.facts.classes : _("none on the roster"), ROLE_NORMAL);
	{
		char card[200], consent[64];
		const char *c = panel.facts.consent;

		if (panel.facts.card[0])
		{
			if (panel.facts.category[0])
				snprintf(card, sizeof card, _("%s (expires %s, category %s)"), panel.facts.card,
					 panel.facts.expires, panel.facts.category);
			else
				snprintf(card, sizeof card, _("%s (expires %s)"), panel.facts.card, panel.facts.expires);
		} else
			snprintf(card, sizeof card, "%s", _("none yet"));
		snprintf(consent, sizeof consent, "%s",
			 !strcmp(c, "given") ? _("a guardian said yes") : !strcmp(c, "signed") ? _("signature received")
			 : !strcmp(c, "opted_out") ? _("the family said no") : !strcmp(c, "pending") ? _("waiting for an answer")
			 : _("nothing recorded"));
		student_field(t, w, y + 8, x + 2, bw - 4, "Card", card, panel.facts.card[0] ? ROLE_NAME : ROLE_NORMAL);
		student_issuer(t, w, y + 9, x + 2, bw - 4);
		student_field(t, w, y + 10, x + 2, bw - 4, "Consent", consent,
			      !strcmp(c, "opted_out") ? ROLE_WARNING : ROLE_NORMAL);
		/* A role that may not see birth dates gets none from core (perm_facts): no row either. */
		if (perm_role_may(t->staff.role, PERM_BIRTH_DATE))
			student_field(t, w, y + 11, x + 2, bw - 4, "Birth date",
				      panel.facts.birth_date[0] ? panel.facts.birth_date : _("not kept"), ROLE_NORMAL);
	}
	student_draw_card(t, w, y + 14, x + 2, bw - 4);
	draw_role(w, ROLE_NORMAL);
	free(name);
}

/* ---- life cycle ---- */

static void student_enter(struct tui *t)
{
	student_check(t);
	ilscheck_start(t, panel.hit.student_rowid, panel.hit.student_number, panel.facts.card);
}

static void student_leave(struct tui *t)
{
	ilscheck_stop();
	search_ui_hit_free(&panel.hit);
	memset(&panel, 0, sizeof panel);
}

/* Another desk may have issued this child a card: ask the rules again. */
static void student_data_changed(struct tui *t)
{
	student_check(t);
}

/* The library system's answer, when it comes. */
static int student_work(struct tui *t)
{
	ilscheck_poll(t);
	return 0;
}

static const struct key_gate student_gates[] = {
	{ student_void, PERM_VOID },
	{ student_opt_out, PERM_CONSENT },
	{ student_consent_given, PERM_CONSENT },
	{ NULL, 0 },
};

const struct screen_ops student_screen = {
	.name = N_("Student"),
	.enter = student_enter,
	.key = student_key,
	.draw = student_draw,
	.leave = student_leave,
	.keys = student_keys,
	.help_for = student_help,
	.data_changed = student_data_changed,
	.work = student_work,
	.gates = student_gates,
};
