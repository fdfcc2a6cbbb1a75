/* prompt: a one-line question on a screen of its own. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "draw.h"
#include "prompt.h"
#include "screens.h"
#include "text/i18n.h"

#define PROMPT_MAX 200   /* bytes of an answer */

static struct {
	const struct prompt_spec *spec;
	char                      text[PROMPT_MAX + 1];
	char                      error[160];
} prompt;

void prompt_open(struct tui *t, const struct prompt_spec *spec)
{
	memset(&prompt, 0, sizeof prompt);
	prompt.spec = spec;
	tui_push(t, &prompt_screen);
}

static void prompt_answer(struct tui *t)
{
	const struct prompt_spec *spec = prompt.spec;
	char text[PROMPT_MAX + 1];
	size_t n = strlen(prompt.text);

	/* A scanner or a person may leave spaces around the answer. */
	while (n > 0 && prompt.text[n - 1] == ' ')
		prompt.text[--n] = '\0';
	if (spec->required && !prompt.text[strspn(prompt.text, " ")]) {
		snprintf(prompt.error, sizeof prompt.error, "%s", _("Type an answer first, or Esc to cancel."));
		tui_mark(t, TUI_DIRTY_BODY);
		return;
	}
	memcpy(text, prompt.text + strspn(prompt.text, " "), sizeof text - strspn(prompt.text, " "));
	tui_pop(t);
	spec->done(t, text);
}

static void prompt_cancel(struct tui *t)
{
	tui_pop(t);
	tui_say(t, ROLE_NORMAL, "cancelled");
}

/* Erases the last character, whole (never half of a UTF-8 sequence). */
static void prompt_erase(struct tui *t)
{
	size_t n = strlen(prompt.text);

	while (n > 0 && ((unsigned char)prompt.text[n - 1] & 0xC0) == 0x80)
		n--;
	if (n > 0)
		n--;
	prompt.text[n] = '\0';
	tui_mark(t, TUI_DIRTY_BODY);
}

static void prompt_clear(struct tui *t)
{
	prompt.text[0] = '\0';
	tui_mark(t, TUI_DIRTY_BODY);
}

static const struct key_binding prompt_rows[] = {
	{ 0, '\r',          "Enter", N_("OK"),     N_("answer with what is in the box"), prompt_answer },
	{ 0, '\n',          "Enter", NULL,     NULL, prompt_answer },
	{ 1, KEY_ENTER,     "Enter", NULL,     NULL, prompt_answer },
	{ 0, 27,            "Esc",   N_("Cancel"), N_("go back without answering"), prompt_cancel },
	{ 1, KEY_F(10),     "F10",   NULL,     NULL, prompt_cancel },
	{ 1, KEY_BACKSPACE, "Bksp",  NULL,     N_("erase the last character"), prompt_erase },
	{ 0, 127,           "Bksp",  NULL,     NULL, prompt_erase },
	{ 0, 8,             "Bksp",  NULL,     NULL, prompt_erase },
	{ 0, 21,            "^U",    NULL,     N_("empty the box"), prompt_clear },
};

static const struct keys_table prompt_keys_table = KEYS_TABLE(N_("Answering"), prompt_rows);

static const struct keys_table *prompt_keys(struct tui *t)
{
	return &prompt_keys_table;
}

static int prompt_key(struct tui *t, const struct tui_key *k)
{
	char mb[MB_LEN_MAX];
	mbstate_t ps;
	size_t n, len = strlen(prompt.text);

	if (k->fn || !iswprint(k->ch))
		return 1;   /* modal: nothing else happens while a question is open */
	if (prompt.spec->digits_only && !(k->ch >= '0' && k->ch <= '9') &&
	    !(k->ch >= 'A' && k->ch <= 'D') && !(k->ch >= 'a' && k->ch <= 'd')) {
		tui_say(t, ROLE_WARNING, "a card number is digits (and A-D for Codabar)");
		return 1;
	}
	memset(&ps, 0, sizeof ps);
	n = wcrtomb(mb, (wchar_t)k->ch, &ps);
	if (n == (size_t)-1 || len + n > PROMPT_MAX)
		return 1;
	memcpy(prompt.text + len, mb, n);
	prompt.text[len + n] = '\0';
	prompt.error[0] = '\0';
	tui_mark(t, TUI_DIRTY_BODY);
	return 1;
}

static void prompt_draw(struct tui *t, WINDOW *w)
{
	const struct prompt_spec *spec = prompt.spec;
	int cols = getmaxx(w), bw = cols - 6 < 70 ? cols - 6 : 70, x = (cols - bw) / 2, y = 2;
	int qw = draw_width(t, _(spec->question)) + 1, fw = bw - 4 - qw, shown;

	draw_role(w, ROLE_NORMAL);
	draw_box(t, w, y, x, 8, bw);
	draw_role(w, ROLE_NAME);
	draw_cell(t, w, y + 1, x + 2, bw - 4, _(spec->title), DRAW_LEFT);
	draw_role(w, ROLE_NORMAL);
	draw_text(t, w, y + 3, x + 2, qw, _(spec->question));
	draw_role(w, ROLE_INPUT);
	/* A long answer shows its end, where the typing is. */
	{
		const char *s = prompt.text;

		while (*s && draw_width(t, s) >= fw) {
			s++;
			while (((unsigned char)*s & 0xC0) == 0x80)
				s++;
		}
		draw_cell(t, w, y + 3, x + 2 + qw, fw, s, DRAW_LEFT);
		shown = draw_width(t, s);
	}
	draw_role(w, prompt.error[0] ? ROLE_ERROR : ROLE_DIM);
	/* Two lines: a hint is never cut at 80 columns. */
	draw_wrap(t, w, y + 5, x + 2, bw - 4, 2,
		  prompt.error[0] ? prompt.error : spec->hint ? _(spec->hint) : _("Enter to answer, Esc to cancel."));
	draw_role(w, ROLE_NORMAL);
	tui_cursor(t, y + 3, x + 2 + qw + shown);
}

const struct screen_ops prompt_screen = {
	.name = N_("Question"),
	.flags = SCREEN_MODAL,
	.key = prompt_key,
	.draw = prompt_draw,
	.keys = prompt_keys,
};
