/* classroll: one class's roll, a child a row, with each child's state in
 * words. `i` issues to the selected child; `A` issues to every eligible
 * child after a summary and a y, a few cards a turn so Esc still stops it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draw.h"
#include "desk/perm.h"
#include "printing.h"
#include "printq.h"
#include "prompt.h"
#include "desk/roll.h"
#include "search_ui.h"
#include "text/text.h"
#include "desk/slips.h"
#include "screens.h"
#include "desk/signup.h"
#include "text/i18n.h"

#define ROLL_STEP_MAX 4     /* cards issued per turn of the main loop */
#define ROLL_STEP_MS  40    /* and no longer than this per turn */

struct roll_row {
	long long       id;
	char           *number, *given, *family, *card, *reason;
	enum roll_state state;
};

enum roll_mode {
	ROLL_BROWSE,
	ROLL_CONFIRM,   /* the summary is shown: y issues, anything else cancels */
	ROLL_BATCH,     /* issuing one by one */
};

static struct classroll {
	long long        class_id;
	char             sid[96];       /* the class ID `cardroll issue --class` takes */
	char            *title, *teacher;
	struct roll_row *rows;
	int              n;
	int              sel, top, page;
	enum roll_mode   mode;
	char             line[400];     /* the summary, progress or result */
	char             ask[200];      /* under the summary: the question, or "" */
	enum theme_role  line_role;
	/* The batch: students to issue to, and how it went. */
	long long       *queue;
	int              total, next;
	int              issued, already, refused;
	char             find[128];     /* folded: the last "/" search within the class */
} roll;

/* The last issue-all at this desk, to undo in one go: the cards it made,
 * which class, and who was signed in (an undo is theirs alone). Kept when
 * the roll is closed and opened again, forgotten at the next batch. */
static struct roll_undo {
	long long  staff, class_id;
	long long *cards;
	int        n, cap;
} undo;

/* ---- the model ---- */

static void roll_free_row(struct roll_row *r)
{
	free(r->number);
	free(r->given);
	free(r->family);
	free(r->card);
	free(r->reason);
}

static void roll_unload(void)
{
	for (int i = 0; i < roll.n; i++)
		roll_free_row(&roll.rows[i]);
	free(roll.rows);
	roll.rows = NULL;
	roll.n = 0;
}

static char *roll_dup(const char *s)
{
	return strdup(s ? s : "");
}

static int roll_add(const struct roll_child *c, void *ctx)
{
	struct roll_row *a = realloc(roll.rows, (size_t)(roll.n + 1) * sizeof *a);
	struct roll_row r = {
		.id = c->id,
		.number = roll_dup(c->student_number),
		.given = roll_dup(c->preferred_name && *c->preferred_name ? c->preferred_name : c->given_name),
		.family = roll_dup(c->family_name),
		.card = roll_dup(c->card),
		.reason = roll_dup(c->reason),
		.state = c->state,
	};

	if (a)
		roll.rows = a;
	if (!a || !r.number || !r.given || !r.family || !r.card || !r.reason) {
		roll_free_row(&r);
		return 1;
	}
	roll.rows[roll.n++] = r;
	return 0;
}

static void roll_load(struct tui *t)
{
	struct cr_err err = { 0 };
	long long selected = roll.sel >= 0 && roll.sel < roll.n ? roll.rows[roll.sel].id : 0;

	roll_unload();
	if (roll_children(t->db, &t->cfg->programme, roll.class_id, roll_add, NULL, &err) != CR_OK)
		tui_say(t, ROLE_ERROR, "could not read the roll: %s", err.msg);
	/* The same child stays selected when the rows move. */
	for (int i = 0; i < roll.n; i++)
		if (roll.rows[i].id == selected)
			roll.sel = i;
	if (roll.sel >= roll.n)
		roll.sel = roll.n > 0 ? roll.n - 1 : 0;
	tui_mark(t, TUI_DIRTY_BODY);
}

static void roll_batch_free(void)
{
	free(roll.queue);
	roll.queue = NULL;
	roll.total = roll.next = 0;
}

void roll_show(struct tui *t, long long class_id, const char *class_sid, const char *title, const char *teacher)
{
	char *tc = strdup(title ? title : ""), *te = strdup(teacher ? teacher : "");

	if (!tc || !te) {
		free(tc);
		free(te);
		tui_say(t, ROLE_ERROR, "out of memory");
		return;
	}
	roll_unload();
	roll_batch_free();
	free(roll.title);
	free(roll.teacher);
	memset(&roll, 0, sizeof roll);
	roll.class_id = class_id;
	snprintf(roll.sid, sizeof roll.sid, "%s", class_sid ? class_sid : "");
	roll.title = tc;
	roll.teacher = te;
	tui_push(t, &roll_screen);
}

static void roll_set_line(struct tui *t, enum theme_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void roll_set_line(struct tui *t, enum theme_role role, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(roll.line, sizeof roll.line, fmt, ap);
	va_end(ap);
	roll.ask[0] = '\0';
	roll.line_role = role;
	tui_mark(t, TUI_DIRTY_BODY);
}

/* ---- issuing ---- */

/* Issues to one child; 0 when decided (issued, already, refused), -1 when
 * the database failed (said on the status line). */
static int roll_issue_one(struct tui *t, long long student, struct signup_result *res)
{
	struct signup_request rq = {
		.student = student,
		.staff = t->staff.id,
		.desk = t->cfg->desk,
	};
	struct cr_err err = { 0 };

	if (signup_issue(t->db, &t->cfg->programme, &rq, res, &err) != CR_OK) {
		tui_say(t, ROLE_ERROR, "%s", err.msg);
		return -1;
	}
	return 0;
}

static void roll_issue(struct tui *t)
{
	const struct roll_row *r = roll.sel < roll.n ? &roll.rows[roll.sel] : NULL;
	struct signup_result res;

	if (!r)
		return;
	if (roll_issue_one(t, r->id, &res) != 0)
		return;
	if (res.outcome == SIGNUP_ISSUED)
		/* Short, so the sync state keeps its place on the status line. */
		tui_say(t, ROLE_NORMAL, "card %s issued; Enter, then v voids it", res.card);
	else if (res.outcome == SIGNUP_ALREADY)
		tui_say(t, ROLE_NORMAL, "%s", res.reason);
	else
		tui_say(t, ROLE_WARNING, "not issued: %s", res.reason);
	tui_changed(t);
}

/* s: the class's slips as one print job, for the teacher to hand out,
 * printed while the desk goes on. A job of this class that failed (the
 * printer was off) is printed again rather than queued twice. */
static void roll_slips(struct tui *t)
{
	struct cr_err err = { 0 };
	long long job = 0;
	int n = 0;

	if (printq_waiting_for_class(t->db, roll.class_id, &job, &err) != CR_OK) {
		tui_say(t, ROLE_ERROR, "%s", err.msg);
		return;
	}
	if (job) {
		if (printing_start(t, job) == 0)
			tui_say(t, ROLE_NORMAL, "printing this class's waiting slips again (print job %lld)", job);
		return;
	}
	if (slips_queue_class(t->db, roll.class_id, t->staff.id, t->cfg->print.driver, &job, &n, &err) != CR_OK)
		tui_say(t, ROLE_ERROR, "%s", err.msg);
	else if (n == 0)
		tui_say(t, ROLE_WARNING, "no child in this class has a card yet: no slips to print");
	else if (printing_start(t, job) == 0)
		tui_say(t, ROLE_NORMAL, P_("printing %d slip for this class (print job %lld)",
					   "printing %d slips for this class (print job %lld)", n), n, job);
}

/* A: what issuing to everyone would do, and y to go on. */
static void roll_issue_all(struct tui *t)
{
	struct roll_summary sum = { 0 };
	struct cr_err err = { 0 };

	if (roll_summarise(t->db, &t->cfg->programme, roll.class_id, &sum, &err) != CR_OK) {
		tui_say(t, ROLE_ERROR, "%s", err.msg);
		return;
	}
	if (sum.eligible == 0) {
		roll_set_line(t, ROLE_WARNING,
			      P_("nobody to issue to: %d eligible, %d need consent, %d opted out, %d problem",
				 "nobody to issue to: %d eligible, %d need consent, %d opted out, %d problems",
				 sum.problems),
			      sum.eligible, sum.need_consent, sum.opted_out, sum.problems);
		return;
	}
	roll_set_line(t, ROLE_NAME, P_("%d eligible, %d need consent, %d opted out, %d problem",
				       "%d eligible, %d need consent, %d opted out, %d problems", sum.problems),
		      sum.eligible, sum.need_consent, sum.opted_out, sum.problems);
	/* The question on a line of its own, so no width cuts it. */
	snprintf(roll.ask, sizeof roll.ask,
		 P_("Press y to issue %d card, any other key to cancel (U undoes it).",
		    "Press y to issue %d cards, any other key to cancel (U undoes them all).", sum.eligible),
		 sum.eligible);
	roll.mode = ROLL_CONFIRM;
	tui_mark(t, TUI_DIRTY_FOOTER);
}

static void roll_cancel(struct tui *t)
{
	roll.mode = ROLL_BROWSE;
	roll_set_line(t, ROLE_DIM, "%s", _("cancelled: no cards issued"));
	tui_mark(t, TUI_DIRTY_FOOTER);
}

/* y: the queue is the children the roll says need a card, read afresh. */
static void roll_confirm(struct tui *t)
{
	roll_load(t);
	roll_batch_free();
	roll.issued = roll.already = roll.refused = 0;
	roll.queue = calloc((size_t)(roll.n > 0 ? roll.n : 1), sizeof *roll.queue);
	if (!roll.queue) {
		roll.mode = ROLL_BROWSE;
		tui_say(t, ROLE_ERROR, "out of memory");
		return;
	}
	for (int i = 0; i < roll.n; i++)
		if (roll.rows[i].state == ROLL_NEEDS_CARD)
			roll.queue[roll.total++] = roll.rows[i].id;
	free(undo.cards);
	memset(&undo, 0, sizeof undo);
	undo.staff = t->staff.id;
	undo.class_id = roll.class_id;
	roll.mode = ROLL_BATCH;
	roll_set_line(t, ROLE_NAME, _("issued 0 of %d"), roll.total);
	tui_mark(t, TUI_DIRTY_FOOTER);
}

static void roll_batch_done(struct tui *t, int stopped)
{
	char more[160] = "";
	int len = 0;

	if (roll.already)
		len += snprintf(more + len, sizeof more - (size_t)len,
				P_(", %d had one already", ", %d had one already", roll.already), roll.already);
	if (roll.refused && len < (int)sizeof more)
		snprintf(more + len, sizeof more - (size_t)len, P_(", %d refused", ", %d refused", roll.refused),
			 roll.refused);
	/* TRANSLATORS: the last %s is ", 2 had one already, 1 refused" or "". */
	if (stopped)
		roll_set_line(t, ROLE_WARNING, P_("stopped: issued %d of %d card%s", "stopped: issued %d of %d cards%s",
						  roll.total), roll.issued, roll.total, more);
	else
		roll_set_line(t, ROLE_NAME, P_("done: issued %d of %d card%s", "done: issued %d of %d cards%s",
					       roll.total), roll.issued, roll.total, more);
	if (undo.n > 0) {
		size_t end = strlen(roll.line);

		snprintf(roll.line + end, sizeof roll.line - end, "%s",
			 undo.n == 1 ? _("; U undoes it") : _("; U undoes them all"));
	}
	roll.mode = ROLL_BROWSE;
	roll_batch_free();
	tui_changed(t);
	tui_mark(t, TUI_DIRTY_FOOTER);
}

static void roll_stop(struct tui *t)
{
	roll_batch_done(t, 1);
}

static long roll_ms_since(const struct timespec *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - a->tv_sec) * 1000 + (now.tv_nsec - a->tv_nsec) / 1000000;
}

/* Remembers a card the batch made, for U. */
static void roll_undo_add(long long card)
{
	if (undo.n == undo.cap) {
		int cap = undo.cap ? undo.cap * 2 : 32;
		long long *a = realloc(undo.cards, (size_t)cap * sizeof *a);

		if (!a)
			return;
		undo.cards = a;
		undo.cap = cap;
	}
	undo.cards[undo.n++] = card;
}

/* The last batch can be undone here: it was this class's, in this sign-in. */
static int roll_can_undo(const struct tui *t)
{
	return undo.n > 0 && undo.class_id == roll.class_id && undo.staff == t->staff.id &&
	       roll.mode == ROLL_BROWSE;
}

static char roll_undo_title[96];

static void roll_undone(struct tui *t, const char *reason)
{
	struct cr_err err = { 0 };
	int voided = 0;

	if (signup_void_batch(t->db, undo.cards, undo.n, reason, t->staff.id, t->cfg->desk, roll.class_id,
			      &voided, &err) != CR_OK) {
		tui_say(t, ROLE_ERROR, "%s", err.msg);
		return;
	}
	roll_set_line(t, ROLE_NAME, P_("undone: %d card of the last batch void; the library system will be told",
				       "undone: %d cards of the last batch void; the library system will be told",
				       voided), voided);
	free(undo.cards);
	memset(&undo, 0, sizeof undo);
	tui_changed(t);
	tui_mark(t, TUI_DIRTY_FOOTER);
}

static struct prompt_spec roll_undo_prompt = {
	.title = roll_undo_title,
	.question = N_("Why"),
	.hint = N_("One reason for them all, e.g. \"issued to the wrong class\". Nothing is deleted; "
		   "the voids sync to the library."),
	.required = 1,
	.done = roll_undone,
};

/* U: voids every card the last issue-all made, with one reason. */
static void roll_undo(struct tui *t)
{
	if (!roll_can_undo(t)) {
		tui_say(t, ROLE_WARNING, "no batch to undo here: only this sign-in's last issue-all of this class");
		return;
	}
	snprintf(roll_undo_title, sizeof roll_undo_title,
		 P_("Undo the last issue-all: void its %d card", "Undo the last issue-all: void its %d cards", undo.n),
		 undo.n);
	prompt_open(t, &roll_undo_prompt);
}

/* A few cards a turn; the rows follow. */
static int roll_work(struct tui *t)
{
	struct timespec start;
	int step = 0;

	if (roll.mode != ROLL_BATCH)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (roll.next < roll.total && step < ROLL_STEP_MAX && roll_ms_since(&start) < ROLL_STEP_MS) {
		struct signup_result res;

		if (roll_issue_one(t, roll.queue[roll.next], &res) != 0) {
			roll_batch_done(t, 1);
			return 0;
		}
		roll.next++;
		step++;
		if (res.outcome == SIGNUP_ISSUED) {
			roll.issued++;
			roll_undo_add(res.card_id);
		} else if (res.outcome == SIGNUP_ALREADY)
			roll.already++;
		else
			roll.refused++;
	}
	if (roll.next >= roll.total) {
		roll_batch_done(t, 0);
		return 0;
	}
	roll_set_line(t, ROLE_NAME, _("issued %d of %d %s Esc stops"), roll.issued, roll.total, t->glyph->dot);
	roll_load(t);
	return 1;
}

/* ---- the selected child ---- */

static const struct roll_row *roll_selected(void)
{
	return roll.sel >= 0 && roll.sel < roll.n ? &roll.rows[roll.sel] : NULL;
}

/* Enter: the child's panel (details, void, consent), Esc comes back here. */
static void roll_open(struct tui *t)
{
	const struct roll_row *r = roll_selected();
	struct search_ui_hit hit = { 0 };
	struct cr_err err = { 0 };
	int found = 0;

	if (!r)
		return;
	if (search_ui_student(t->db, r->id, &hit, &found, &err) != CR_OK)
		tui_say(t, ROLE_ERROR, "%s", err.msg);
	else if (found)
		student_show(t, &hit);
	search_ui_hit_free(&hit);
}

static void roll_consent(struct tui *t, const char *state, const char *said)
{
	const struct roll_row *r = roll_selected();
	struct cr_err err = { 0 };

	if (!r)
		return;
	if (signup_consent(t->db, r->id, state, t->staff.id, t->cfg->desk, &err) != CR_OK) {
		tui_say(t, ROLE_ERROR, "%s", err.msg);
		return;
	}
	tui_say(t, ROLE_NORMAL, "%s", _(said));
	tui_changed(t);
}

static void roll_opt_out(struct tui *t)
{
	roll_consent(t, "opted_out", N_("recorded: the family said no to a card"));
}

static void roll_consent_given(struct tui *t)
{
	if (t->cfg->programme.consent == CONSENT_SIGNATURE)
		roll_consent(t, "signed", N_("recorded: the guardian's signature is in"));
	else
		roll_consent(t, "given", N_("recorded: a guardian said yes"));
}

/* "/" finds a child by name in this class (accents and case do not
 * matter); n finds the next one. */
static int roll_matches(const struct roll_row *r)
{
	char *fam = text_fold(r->family), *giv = text_fold(r->given);
	int hit = (fam && strstr(fam, roll.find)) || (giv && strstr(giv, roll.find)) ||
		  strstr(r->number, roll.find) != NULL;

	free(fam);
	free(giv);
	return hit;
}

static void roll_find_next(struct tui *t)
{
	if (!roll.find[0]) {
		tui_say(t, ROLE_WARNING, "press / first to say whom to look for");
		return;
	}
	for (int k = 1; k <= roll.n; k++) {
		int i = (roll.sel + k) % roll.n;

		if (roll_matches(&roll.rows[i])) {
			roll.sel = i;
			tui_mark(t, TUI_DIRTY_BODY);
			return;
		}
	}
	tui_say(t, ROLE_WARNING, "nobody in this class matches");
}

static void roll_found(struct tui *t, const char *text)
{
	char *folded = text_fold(text);

	snprintf(roll.find, sizeof roll.find, "%s", folded ? folded : "");
	free(folded);
	if (!roll.find[0])
		return;
	roll.sel = roll.n > 0 ? roll.n - 1 : 0;  /* so the search starts at the top */
	roll_find_next(t);
}

static const struct prompt_spec roll_find_prompt = {
	.title = N_("Find a child in this class"),
	.question = N_("Name or ID"),
	.hint = N_("Part of a name is enough; n finds the next one."),
	.required = 1,
	.done = roll_found,
};

static void roll_find(struct tui *t)
{
	prompt_open(t, &roll_find_prompt);
}

/* ---- moving and leaving ---- */

static void roll_move(struct tui *t, int delta)
{
	roll.sel += delta;
	if (roll.sel >= roll.n)
		roll.sel = roll.n - 1;
	if (roll.sel < 0)
		roll.sel = 0;
	tui_mark(t, TUI_DIRTY_BODY);
}

static void roll_up(struct tui *t)
{
	roll_move(t, -1);
}

static void roll_down(struct tui *t)
{
	roll_move(t, 1);
}

static void roll_page_up(struct tui *t)
{
	roll_move(t, -(roll.page > 1 ? roll.page - 1 : 1));
}

static void roll_page_down(struct tui *t)
{
	roll_move(t, roll.page > 1 ? roll.page - 1 : 1);
}

static void roll_back(struct tui *t)
{
	tui_pop(t);
}

/* ---- keys: browsing, the summary's question, and the batch ---- */

#define ROLL_MOVE_ROWS \
	{ 1, KEY_DOWN,  "Up/Dn", N_("Select"), N_("select a child"), roll_down }, \
	{ 1, KEY_UP,    "Up",    NULL,     NULL, roll_up }, \
	{ 1, KEY_NPAGE, "PgDn",  NULL,     N_("move a page at a time (PgUp goes back)"), roll_page_down }, \
	{ 1, KEY_PPAGE, "PgUp",  NULL,     NULL, roll_page_up }

#define ROLL_UNDO_ROW \
	{ 0, 'U', "U",   N_("Undo all"),  N_("void every card of this sign-in's last issue-all here, with one reason"), \
	  roll_undo }

#define ROLL_BROWSE_ROWS \
	{ 0, 'i', "i",   N_("Issue"),     N_("issue a library card to the selected child"), roll_issue }, \
	{ 0, 'A', "A",   N_("Issue all"), N_("issue a card to every eligible child in the class (asks first)"), \
	  roll_issue_all }, \
	{ 0, 's', "s",   N_("Slips"),     N_("queue the class's card slips as one print job"), roll_slips }, \
	{ 0, '\r', "Enter", N_("Child"), N_("open the selected child: details, void, consent"), roll_open }, \
	{ 0, '\n', "Enter", NULL,    NULL, roll_open }, \
	{ 1, KEY_ENTER, "Enter", NULL, NULL, roll_open }, \
	{ 0, 'o', "o",   N_("Opted out"), N_("record that the selected child's family said no"), roll_opt_out }, \
	{ 0, 'g', "g",   N_("Consent"),   N_("record a guardian's yes (or signature) for the selected child"), \
	  roll_consent_given }, \
	{ 0, '/', "/",   N_("Find"),      N_("find a child in this class by name or ID"), roll_find }, \
	{ 0, 'n', "n",   NULL,        N_("find the next child that matches"), roll_find_next }, \
	ROLL_MOVE_ROWS, \
	{ 0, 27,  "Esc", N_("Back"),      N_("back to the classes"), roll_back }, \
	{ 0, 'q', "q",   NULL,        N_("the same as Esc"), roll_back }

static const struct key_binding roll_browse_rows[] = { ROLL_BROWSE_ROWS };
static const struct key_binding roll_undo_rows[] = { ROLL_UNDO_ROW, ROLL_BROWSE_ROWS };

static const struct key_binding roll_confirm_rows[] = {
	{ 0, 'y', "y",   N_("Yes, issue"), N_("issue the cards the summary counts"), roll_confirm },
	{ 0, 27,  "Esc", N_("Cancel"),     N_("issue nothing (any other key does too)"), roll_cancel },
};

static const struct key_binding roll_batch_rows[] = {
	{ 0, 27, "Esc", N_("Stop"), N_("stop issuing; the cards issued so far stay"), roll_stop },
	ROLL_MOVE_ROWS,
};

static const struct keys_table roll_browse_keys = KEYS_TABLE(N_("Class roll"), roll_browse_rows);
static const struct keys_table roll_undo_keys = KEYS_TABLE(N_("Class roll"), roll_undo_rows);
static const struct key_binding roll_undo_help_rows[] = { ROLL_UNDO_ROW };
static const struct keys_table roll_undo_help = KEYS_TABLE(N_("After issuing to the class"), roll_undo_help_rows);
static const struct keys_table roll_confirm_keys = KEYS_TABLE(N_("Issuing to the class: the question"), roll_confirm_rows);
static const struct keys_table roll_batch_keys = KEYS_TABLE(N_("Issuing to the class"), roll_batch_rows);
static const struct keys_table *const roll_help[] = {
	&roll_browse_keys, &roll_confirm_keys, &roll_batch_keys, &roll_undo_help, NULL,
};

static const struct keys_table *roll_keys(struct tui *t)
{
	switch (roll.mode) {
	case ROLL_CONFIRM: return &roll_confirm_keys;
	case ROLL_BATCH:   return &roll_batch_keys;
	default:           return roll_can_undo(t) ? &roll_undo_keys : &roll_browse_keys;
	}
}

/* At the question, any key but y cancels; a function key (F10, F1) then
 * also does its job. */
static int roll_key(struct tui *t, const struct tui_key *k)
{
	if (roll.mode != ROLL_CONFIRM)
		return 0;
	roll_cancel(t);
	return !k->fn;
}

/* ---- drawing ---- */

#define ROLL_FAMILY_W 18
#define ROLL_GIVEN_W  16
#define ROLL_ID_W     11
#define ROLL_STATE_W  15

/* core's roll_state_name() (marked N_ there) in the person's language. */
static const char *roll_state_word(enum roll_state s)
{
	return _(roll_state_name(s));
}

static enum theme_role roll_state_role(enum roll_state s)
{
	switch (s) {
	case ROLL_HAS_CARD:   return ROLE_NORMAL;
	case ROLL_NEEDS_CARD: return ROLE_NAME;
	case ROLL_PROBLEM:    return ROLE_WARNING;
	default:              return ROLE_DIM;
	}
}

static void roll_draw_row(struct tui *t, WINDOW *w, int y, const struct roll_row *r, int selected)
{
	int cols = getmaxx(w), x = 1;

	draw_role(w, selected ? ROLE_SELECTED : ROLE_NORMAL);
	if (selected)
		draw_blank(w, y, 0, cols);
	draw_cell(t, w, y, x, ROLL_FAMILY_W, r->family, DRAW_LEFT);
	x += ROLL_FAMILY_W + 1;
	draw_cell(t, w, y, x, ROLL_GIVEN_W, r->given, DRAW_LEFT);
	x += ROLL_GIVEN_W + 1;
	draw_cell(t, w, y, x, ROLL_ID_W, r->number, DRAW_LEFT);
	x += ROLL_ID_W + 1;
	if (!selected)
		draw_role(w, roll_state_role(r->state));
	draw_cell(t, w, y, x, ROLL_STATE_W, roll_state_word(r->state), DRAW_LEFT);
	x += ROLL_STATE_W + 1;
	if (!selected)
		draw_role(w, ROLE_NORMAL);
	draw_cell(t, w, y, x, cols - 1 - x, r->card, DRAW_LEFT);
}

/* The selected child's card, or why not, in a sentence. */
static void roll_draw_detail(struct tui *t, WINDOW *w, int y)
{
	int cols = getmaxx(w);
	const struct roll_row *r = roll.sel < roll.n ? &roll.rows[roll.sel] : NULL;

	if (!r)
		return;
	draw_role(w, roll_state_role(r->state));
	if (r->state == ROLL_HAS_CARD)
		draw_fmt(t, w, y, 1, cols - 2, _("%s, %s: card %s%s%s"), r->family, r->given, r->card,
			 r->reason[0] ? " - " : "", r->reason);
	else
		draw_fmt(t, w, y, 1, cols - 2, "%s, %s: %s%s%s", r->family, r->given, roll_state_word(r->state),
			 r->reason[0] ? " - " : "", r->reason);
}

static void roll_draw(struct tui *t, WINDOW *w)
{
	int rows = getmaxy(w), cols = getmaxx(w), y = 1, x = 1, shown, carded = 0;
	int last = rows - 4;   /* the last row of the table */

	for (int i = 0; i < roll.n; i++)
		carded += roll.rows[i].state == ROLL_HAS_CARD;
	draw_role(w, ROLE_NAME);
	if (roll.teacher && roll.teacher[0])
		draw_fmt(t, w, y, 1, cols - 2, P_("%s %s %s %s %d child, %d with a card",
						  "%s %s %s %s %d children, %d with a card", roll.n),
			 roll.title, t->glyph->dash, roll.teacher, t->glyph->dot, roll.n, carded);
	else
		draw_fmt(t, w, y, 1, cols - 2, P_("%s %s %d child, %d with a card", "%s %s %d children, %d with a card",
						  roll.n), roll.title, t->glyph->dot, roll.n, carded);
	if (roll.sid[0]) {   /* what `cardroll issue --class` and `slips --class` take */
		draw_role(w, ROLE_DIM);
		draw_fmt(t, w, y + 1, 1, cols - 2, _("class ID %s"), roll.sid);
	}
	y += 2;
	if (roll.n == 0) {
		draw_role(w, ROLE_DIM);
		draw_text(t, w, y, 1, cols - 2, _("Nobody is enrolled in this class on the roster."));
	} else {
		draw_role(w, ROLE_HEADING);
		draw_cell(t, w, y, x, ROLL_FAMILY_W, _("Family name"), DRAW_LEFT);
		x += ROLL_FAMILY_W + 1;
		draw_cell(t, w, y, x, ROLL_GIVEN_W, _("Given name"), DRAW_LEFT);
		x += ROLL_GIVEN_W + 1;
		draw_cell(t, w, y, x, ROLL_ID_W, _("Student ID"), DRAW_LEFT);
		x += ROLL_ID_W + 1;
		draw_cell(t, w, y, x, ROLL_STATE_W, _("State"), DRAW_LEFT);
		x += ROLL_STATE_W + 1;
		draw_cell(t, w, y, x, cols - 1 - x, _("Card"), DRAW_LEFT);
		y++;
		roll.page = last - y + 1;
		if (roll.page < 1)
			roll.page = 1;
		if (roll.sel < roll.top)
			roll.top = roll.sel;
		else if (roll.sel >= roll.top + roll.page)
			roll.top = roll.sel - roll.page + 1;
		if (roll.top > roll.n - roll.page)
			roll.top = roll.n - roll.page > 0 ? roll.n - roll.page : 0;
		for (shown = 0; shown < roll.page && roll.top + shown < roll.n; shown++)
			roll_draw_row(t, w, y + shown, &roll.rows[roll.top + shown], roll.top + shown == roll.sel);
		if (roll.n > roll.page) {
			draw_role(w, ROLE_DIM);
			draw_fmt(t, w, last + 1, 1, cols - 2, _("children %d-%d of %d %s Up/Dn to move"),
				 roll.top + 1, roll.top + shown, roll.n, t->glyph->dot);
		}
		roll_draw_detail(t, w, rows - 2);
	}
	if (roll.line[0]) {
		/* A question, or a line too long for one, takes the detail's
		 * line too: neither is ever cut. */
		int lines = roll.ask[0] || draw_wrap_lines(t, cols - 2, roll.line) > 1 ? 2 : 1;

		draw_role(w, roll.line_role);
		draw_blank(w, rows - lines, 0, cols);
		if (roll.ask[0]) {
			draw_wrap(t, w, rows - 2, 1, cols - 2, 1, roll.line);
			draw_role(w, ROLE_WARNING);
			draw_wrap(t, w, rows - 1, 1, cols - 2, 1, roll.ask);
		} else {
			draw_wrap(t, w, rows - lines, 1, cols - 2, lines, roll.line);
		}
	}
	draw_role(w, ROLE_NORMAL);
}

/* ---- life cycle ---- */

static void roll_enter(struct tui *t)
{
	roll_load(t);
}

static void roll_leave(struct tui *t)
{
	roll_unload();
	roll_batch_free();
	free(roll.title);
	free(roll.teacher);
	roll.title = roll.teacher = NULL;
	roll.mode = ROLL_BROWSE;
}

static void roll_data_changed(struct tui *t)
{
	roll_load(t);
}

static const struct key_gate roll_gates[] = {
	{ roll_undo, PERM_VOID },
	{ roll_opt_out, PERM_CONSENT },
	{ roll_consent_given, PERM_CONSENT },
	{ NULL, 0 },
};

const struct screen_ops roll_screen = {
	.name = N_("Class roll"),
	.enter = roll_enter,
	.key = roll_key,
	.draw = roll_draw,
	.leave = roll_leave,
	.keys = roll_keys,
	.help = roll_help,
	.data_changed = roll_data_changed,
	.work = roll_work,
	.gates = roll_gates,
};
