/* lock: the desk after [desk] idle_lock_s without a key. It covers every
 * screen (they keep their place beneath it) and shows no child: the same
 * person's PIN opens it where they were; another person signing in starts
 * at home, in their own name. F10 still leaves. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "draw.h"
#include "screens.h"
#include "text/text.h"
#include "text/i18n.h"

enum lock_field { LOCK_NAME, LOCK_PIN };

#define LOCK_LABEL_W 7

static struct lock {
	int  field;
	char name[STAFF_NAME_MAX + 1];
	char pin[STAFF_PIN_MAX + 1];
	char error[600];
} lock;

static char *lock_text(int field, size_t *size)
{
	if (field == LOCK_PIN) {
		*size = sizeof lock.pin;
		return lock.pin;
	}
	*size = sizeof lock.name;
	return lock.name;
}

static void lock_open(struct tui *t, const struct staff_who *who)
{
	explicit_bzero(lock.pin, sizeof lock.pin);
	if (who->id == t->staff.id) {
		/* The same person: back where they were. */
		tui_pop(t);
		tui_changed(t);
		tui_say(t, ROLE_NORMAL, "welcome back, %s", who->name);
		return;
	}
	/* Someone else: nothing of the last person's work stays open. */
	t->staff = *who;
	while (t->depth > 0) {
		const struct screen_ops *s = tui_top(t);

		if (s->leave)
			s->leave(t);
		t->depth--;
	}
	tui_push(t, &home_screen);
	tui_say(t, ROLE_NORMAL, "signed in as %s", who->name);
	tui_mark(t, TUI_DIRTY_ALL & ~TUI_DIRTY_LAYOUT);
}

static void lock_submit(struct tui *t)
{
	struct staff_who who;
	struct cr_err err = { 0 };

	if (!lock.name[0] || !lock.pin[0]) {
		snprintf(lock.error, sizeof lock.error, "%s", !lock.name[0] ? _("type your name") : _("type your PIN"));
		lock.field = !lock.name[0] ? LOCK_NAME : LOCK_PIN;
		tui_mark(t, TUI_DIRTY_BODY);
		return;
	}
	if (signin_check(t, lock.name, lock.pin, &who, &err) != CR_OK) {
		snprintf(lock.error, sizeof lock.error, "%s", err.msg);
		explicit_bzero(lock.pin, sizeof lock.pin);
		lock.field = LOCK_PIN;
		tui_mark(t, TUI_DIRTY_BODY);
		return;
	}
	lock_open(t, &who);
}

static void lock_enter(struct tui *t)
{
	if (lock.field == LOCK_NAME) {
		lock.field = LOCK_PIN;
		tui_mark(t, TUI_DIRTY_BODY);
		return;
	}
	lock_submit(t);
}

static void lock_next(struct tui *t)
{
	lock.field = lock.field == LOCK_NAME ? LOCK_PIN : LOCK_NAME;
	tui_mark(t, TUI_DIRTY_BODY);
}

static void lock_erase(struct tui *t)
{
	size_t size;

	text_drop_last(lock_text(lock.field, &size));
	tui_mark(t, TUI_DIRTY_BODY);
}

static void lock_clear(struct tui *t)
{
	size_t size;
	char *s = lock_text(lock.field, &size);

	explicit_bzero(s, size);
	tui_mark(t, TUI_DIRTY_BODY);
}

static void lock_quit(struct tui *t)
{
	explicit_bzero(lock.pin, sizeof lock.pin);
	tui_quit(t);
}

static const struct key_binding lock_rows[] = {
	{ 0, '\r',          "Enter", N_("Unlock"), N_("go to the PIN; in the PIN box, sign in"), lock_enter },
	{ 0, '\n',          "Enter", NULL,     NULL, lock_enter },
	{ 1, KEY_ENTER,     "Enter", NULL,     NULL, lock_enter },
	{ 0, '\t',          "Tab",   N_("Next"),   N_("between the name and the PIN"), lock_next },
	{ 1, KEY_DOWN,      "Down",  NULL,     NULL, lock_next },
	{ 1, KEY_UP,        "Up",    NULL,     NULL, lock_next },
	{ 1, KEY_BACKSPACE, "Bksp",  NULL,     N_("erase the last character"), lock_erase },
	{ 0, 127,           "Bksp",  NULL,     NULL, lock_erase },
	{ 0, 8,             "Bksp",  NULL,     NULL, lock_erase },
	{ 0, 21,            "^U",    NULL,     N_("empty the box"), lock_clear },
	{ 1, KEY_F(10),     "F10",   N_("Quit"),   N_("leave cardroll"), lock_quit },
};

static const struct keys_table lock_keys_table = KEYS_TABLE(N_("Locked"), lock_rows);

static const struct keys_table *lock_keys(struct tui *t)
{
	return &lock_keys_table;
}

static int lock_key(struct tui *t, const struct tui_key *k)
{
	char mb[MB_LEN_MAX];
	mbstate_t ps;
	size_t size, n, len;
	char *s = lock_text(lock.field, &size);

	if (k->fn || !iswprint(k->ch))
		return 1;   /* modal: nothing reaches the screens beneath */
	if (lock.field == LOCK_PIN && (k->ch < '0' || k->ch > '9'))
		return 1;
	memset(&ps, 0, sizeof ps);
	n = wcrtomb(mb, (wchar_t)k->ch, &ps);
	len = strlen(s);
	if (n == (size_t)-1 || len + n >= size)
		return 1;
	memcpy(s + len, mb, n);
	s[len + n] = '\0';
	tui_mark(t, TUI_DIRTY_BODY);
	return 1;
}

static void lock_draw(struct tui *t, WINDOW *w)
{
	/* The labels' column fits "Name" and "PIN" in the person's language. */
	int lw = draw_col_width(t, draw_col_width(t, LOCK_LABEL_W - 1, _("Name")), _("PIN")) + 1;
	int cols = getmaxx(w), x = 3 + lw, bw = cols - x - 2, y = 1;
	char stars[STAFF_PIN_MAX + 1];
	size_t n = strlen(lock.pin);
	int end;

	if (bw > STAFF_NAME_MAX + 2)
		bw = STAFF_NAME_MAX + 2;
	draw_role(w, ROLE_NAME);
	draw_fmt(t, w, y++, 1, cols - 2, _("The desk is locked (no key for %d s)"), t->cfg->idle_lock_s);
	draw_role(w, ROLE_DIM);
	/* Two lines at most: a long sentence goes on under itself, not cut. */
	y += draw_wrap(t, w, y, 1, cols - 2, 2, _("Your PIN opens it where you were. Someone else: your name and PIN "
						  "(you start at home)."));
	y++;
	draw_role(w, lock.field == LOCK_NAME ? ROLE_NAME : ROLE_NORMAL);
	draw_text(t, w, y, 3, lw, _("Name"));
	draw_role(w, ROLE_INPUT);
	draw_cell(t, w, y, x, bw, lock.name, DRAW_LEFT);
	memset(stars, '*', n);
	stars[n] = '\0';
	draw_role(w, lock.field == LOCK_PIN ? ROLE_NAME : ROLE_NORMAL);
	draw_text(t, w, y + 1, 3, lw, _("PIN"));
	draw_role(w, ROLE_INPUT);
	draw_cell(t, w, y + 1, x, bw, stars, DRAW_LEFT);
	if (lock.error[0]) {
		draw_role(w, ROLE_ERROR);
		draw_wrap(t, w, y + 3, 3, cols - 4, 3, lock.error);
	}
	draw_role(w, ROLE_NORMAL);
	end = draw_width(t, lock.field == LOCK_PIN ? stars : lock.name);
	tui_cursor(t, y + lock.field, x + (end < bw ? end : bw - 1));
}

static void lock_enter_screen(struct tui *t)
{
	memset(&lock, 0, sizeof lock);
	snprintf(lock.name, sizeof lock.name, "%s", t->staff.name);
	lock.field = LOCK_PIN;
}

static void lock_leave(struct tui *t)
{
	explicit_bzero(lock.pin, sizeof lock.pin);
}

const struct screen_ops lock_screen = {
	.name = N_("Locked"),
	.flags = SCREEN_MODAL,
	.enter = lock_enter_screen,
	.key = lock_key,
	.draw = lock_draw,
	.leave = lock_leave,
	.keys = lock_keys,
	.help_note = N_("The desk locks after [desk] idle_lock_s seconds without a key (default 300)."),
};
