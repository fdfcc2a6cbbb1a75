/* preview: a child's slip on the screen before it is printed: the QR code
 * in half blocks (or ASCII in a terminal that is not UTF-8), the name, card
 * number, school, class, expiry and the slip's heading in each language. */
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "preview.h"
#include "screens.h"
#include "qrtext.h"
#include "template.h"
#include "text/i18n.h"

#define PREVIEW_TEXT 8

static struct {
	char **qr;          /* the QR as lines */
	int    nqr;
	int    ascii;       /* lines were drawn for a non-UTF-8 terminal */
	char  *text[PREVIEW_TEXT];
	int    ntext;
	char   title[160];
} pv;

static void preview_clear(void)
{
	if (pv.qr)
		qrtext_free(pv.qr, pv.nqr);
	for (int i = 0; i < pv.ntext; i++)
		free(pv.text[i]);
	memset(&pv, 0, sizeof pv);
}

static void preview_line(const char *label, const char *value)
{
	size_t n;

	if (pv.ntext == PREVIEW_TEXT || !value || !*value)
		return;
	n = strlen(label) + strlen(value) + 2;
	if ((pv.text[pv.ntext] = malloc(n)) != NULL) {
		snprintf(pv.text[pv.ntext], n, "%s%s", label, value);
		pv.ntext++;
	}
}

/* ASCII blocks: two module rows a line like the half blocks, '#' for both
 * dark, '"' for the top one, ',' for the bottom one. */
static void preview_fold_ascii(void)
{
	int out = 0;

	for (int i = 0; i < pv.nqr; i += 2) {
		const char *top = pv.qr[i], *bot = i + 1 < pv.nqr ? pv.qr[i + 1] : "";
		size_t w = strlen(top) / 2;
		char *line = malloc(w + 1);

		if (!line)
			break;
		for (size_t j = 0; j < w; j++) {
			int a = top[2 * j] == '#', b = j * 2 < strlen(bot) && bot[2 * j] == '#';

			line[j] = a && b ? '#' : a ? '"' : b ? ',' : ' ';
		}
		line[w] = '\0';
		free(pv.qr[out]);
		pv.qr[out++] = line;
	}
	for (int i = out; i < pv.nqr; i++) {
		free(pv.qr[i]);
		pv.qr[i] = NULL;
	}
	pv.nqr = out;
}

void preview_open(struct tui *t, const struct slip_fields *f)
{
	struct template_set *set = NULL;
	struct cr_err err = { 0 };
	struct slip s;
	char name[300];

	preview_clear();
	if (template_set_load(t->cfg->print.templates[0] ? t->cfg->print.templates : NULL, t->cfg->print.languages,
			      &set, &err) != CR_OK ||
	    template_set_fill(set, f, &s, &err) != CR_OK ||
	    qrtext_draw(s.qr, !t->utf8, &pv.qr, &pv.nqr, &err) != CR_OK) {
		tui_say(t, ROLE_ERROR, "no preview: %s", err.msg);
		template_set_free(set);
		preview_clear();
		return;
	}
	pv.ascii = !t->utf8;
	if (pv.ascii)
		preview_fold_ascii();
	snprintf(name, sizeof name, "%s %s", f->given ? f->given : "", f->family ? f->family : "");
	snprintf(pv.title, sizeof pv.title, _("Slip of card %s"), f->card);
	preview_line("", name);
	/* TRANSLATORS: the labels of the slip preview, padded to line up. */
	preview_line(_("Card     "), f->card);
	preview_line(_("School   "), f->school);
	preview_line(_("Class    "), f->class_name);
	preview_line(_("Expires  "), f->expires);
	for (int i = 0; i < s.nlang && i < 2; i++)
		preview_line("", s.heading[i]);
	preview_line("QR       ", s.qr);
	template_set_free(set);
	tui_push(t, &preview_screen);
}

static void preview_back(struct tui *t)
{
	tui_pop(t);
}

static const struct key_binding preview_rows[] = {
	{ 0, 27,  "Esc", N_("Back"), N_("back to the child"), preview_back },
	{ 0, 'q', "q",   NULL,   N_("the same as Esc"), preview_back },
};

static const struct keys_table preview_keys_table = KEYS_TABLE(N_("Slip preview"), preview_rows);

static const struct keys_table *preview_keys(struct tui *t)
{
	return &preview_keys_table;
}

static void preview_draw(struct tui *t, WINDOW *w)
{
	int rows = getmaxy(w), cols = getmaxx(w), qw = 0, x;

	draw_role(w, ROLE_NAME);
	draw_text(t, w, 0, 1, cols - 2, pv.title);
	draw_role(w, ROLE_NORMAL);
	/* The QR as it will scan: drawn from its own lines (our text, never roster text). */
	for (int i = 0; i < pv.nqr && 2 + i < rows; i++) {
		mvwaddstr(w, 2 + i, 1, pv.qr[i]);
		if (draw_width(t, pv.qr[i]) > qw)
			qw = draw_width(t, pv.qr[i]);
	}
	x = 1 + qw + 2;
	for (int i = 0; i < pv.ntext && 3 + i * 2 < rows; i++) {
		draw_role(w, i == 0 ? ROLE_NAME : ROLE_NORMAL);
		draw_text(t, w, 3 + i * 2, x, cols - x - 1, pv.text[i]);
	}
	draw_role(w, ROLE_NORMAL);
}

static void preview_leave(struct tui *t)
{
	preview_clear();
}

const struct screen_ops preview_screen = {
	.name = N_("Slip preview"),
	.draw = preview_draw,
	.leave = preview_leave,
	.keys = preview_keys,
};
