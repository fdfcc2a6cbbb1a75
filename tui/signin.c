/* signin: who is at the desk. On the first run it creates the admin account
 * (name, PIN twice); after that a name and a PIN sign in. PINs show as '*'. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>
#include <sys/wait.h>
#include <unistd.h>

#include "draw.h"
#include "screens.h"
#include "desk/lockout.h"
#include "desk/staff.h"
#include "worker.h"
#include "text/text.h"
#include "text/i18n.h"

enum signin_field { SIGNIN_NAME, SIGNIN_PIN, SIGNIN_PIN2 };

#define SIGNIN_LABEL_W 11   /* "PIN again" and a gap */

static struct signin {
	int  first_run;                     /* no account yet: make the admin */
	int  field;                         /* enum signin_field with the keyboard */
	char name[STAFF_NAME_MAX + 1];      /* UTF-8, as typed */
	char pin[STAFF_PIN_MAX + 1];
	char pin2[STAFF_PIN_MAX + 1];
	char error[600];                    /* why the last try failed; stays until the next */
} signin;

/* Why CARDROLL_STAFF/CARDROLL_PIN did not sign in, for the form to say. */
static char signin_env_error[600];

/* PINs do not linger in memory after they are used. */
static void signin_forget_pins(void)
{
	explicit_bzero(signin.pin, sizeof signin.pin);
	explicit_bzero(signin.pin2, sizeof signin.pin2);
}

static int signin_last_field(void)
{
	return signin.first_run ? SIGNIN_PIN2 : SIGNIN_PIN;
}

static char *signin_field_text(int field, size_t *size)
{
	switch (field) {
	case SIGNIN_PIN:  *size = sizeof signin.pin;  return signin.pin;
	case SIGNIN_PIN2: *size = sizeof signin.pin2; return signin.pin2;
	default:          *size = sizeof signin.name; return signin.name;
	}
}

/* ---- signing in ---- */

static void signin_done(struct tui *t, const struct staff_who *who)
{
	t->staff = *who;
	signin_forget_pins();
	tui_replace(t, &home_screen);
	tui_say(t, ROLE_NORMAL, "signed in as %s", who->name);
}

static void signin_failed(struct tui *t, const char *why, int field)
{
	snprintf(signin.error, sizeof signin.error, "%s", why);
	tui_say(t, ROLE_ERROR, "%s", why);
	signin_forget_pins();
	signin.field = field;
	tui_mark(t, TUI_DIRTY_BODY);
}

/* ---- the PIN work, apart ----
 * Argon2id takes 12 MiB for a moment (staff.c). Done in a short-lived
 * child with its own database connection, that memory never becomes the
 * desk's: the desk stays small for the whole day (issue 3: under 24 MB at
 * 1M students). The child answers with the outcome through a pipe. */

struct signin_apart {
	const char      *path, *desk, *name, *pin;
	int              create;      /* 1: add the first admin; 0: verify */
	/* the answer */
	enum cr_status   st;
	struct staff_who who;
	char             msg[sizeof ((struct cr_err *)0)->msg];
};

static void signin_apart_body(void *arg, int in, int out)
{
	struct signin_apart *a = arg;
	struct cr_db *db = NULL;
	struct cr_err err = { 0 };

	memset(&a->who, 0, sizeof a->who);
	if ((a->st = db_open(a->path, DB_NOCREATE, &db, &err)) == CR_OK) {
		if (a->create) {
			a->who.role = STAFF_ADMIN;
			a->st = staff_add_as(db, 0, a->desk, a->name, STAFF_ADMIN, a->pin, &a->who.id, &err);
		} else {
			a->st = staff_signin(db, a->name, a->pin, a->desk, (long long)time(NULL), &a->who, &err);
		}
		db_close(db);
	}
	snprintf(a->msg, sizeof a->msg, "%s", err.msg);
	if (write(out, a, sizeof *a) != (ssize_t)sizeof *a)
		_exit(1);
	_exit(0);
}

/* Runs the PIN work in a child and waits for its answer (a sign-in is the
 * one moment the desk waits: about a tenth of a second). */
static enum cr_status signin_apart(struct tui *t, struct signin_apart *a, struct staff_who *who, struct cr_err *err)
{
	struct signin_apart back;
	size_t got = 0;
	int fd, status;
	pid_t pid;

	a->path = db_path(t->db);
	a->desk = t->cfg->desk;
	if ((pid = worker_start(NULL, &fd, signin_apart_body, a)) < 0)
		return cr_fail(err, CR_EINTERNAL, "could not start checking the PIN");
	while (got < sizeof back) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 30000) <= 0)
			break;
		r = read(fd, (char *)&back + got, sizeof back - got);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	waitpid(pid, &status, 0);
	if (got != sizeof back)
		return cr_fail(err, CR_EINTERNAL, "checking the PIN failed; try again");
	*who = back.who;
	if (back.st != CR_OK)
		return cr_fail(err, back.st, "%s", back.msg);
	return CR_OK;
}

enum cr_status signin_check(struct tui *t, const char *name, const char *pin, struct staff_who *who,
			    struct cr_err *err)
{
	struct signin_apart a = { .name = name, .pin = pin };

	return signin_apart(t, &a, who, err);
}

int signin_from_env(struct tui *t)
{
	const char *name = getenv("CARDROLL_STAFF"), *pin = getenv("CARDROLL_PIN");
	struct staff_who who;
	struct cr_err err = { 0 };

	struct signin_apart a = { .name = name, .pin = pin };

	if (!name || !*name || !pin || !*pin)
		return 0;
	if (signin_apart(t, &a, &who, &err) != CR_OK) {
		snprintf(signin_env_error, sizeof signin_env_error,
			 _("CARDROLL_STAFF and CARDROLL_PIN: %s; sign in here"), err.msg);
		return 0;
	}
	t->staff = who;
	return 1;
}

static void signin_verify(struct tui *t)
{
	struct staff_who who;
	struct cr_err err = { 0 };
	struct signin_apart a = { .name = signin.name, .pin = signin.pin };

	if (signin_apart(t, &a, &who, &err) != CR_OK) {
		signin_failed(t, err.msg, SIGNIN_PIN);
		return;
	}
	signin_done(t, &who);
}

static void signin_create_admin(struct tui *t)
{
	struct staff_who who = { .role = STAFF_ADMIN };
	struct cr_err err = { 0 };
	struct signin_apart a = { .name = signin.name, .pin = signin.pin, .create = 1 };

	if (staff_pin_check(signin.pin, &err) != CR_OK) {
		signin_failed(t, err.msg, SIGNIN_PIN);
		return;
	}
	if (strcmp(signin.pin, signin.pin2) != 0) {
		signin_failed(t, _("the two PINs are not the same; type the PIN again"), SIGNIN_PIN);
		return;
	}
	if (signin_apart(t, &a, &who, &err) != CR_OK) {
		/* Another desk may have made the admin first: then sign in instead. */
		if (staff_count(t->db) > 0) {
			signin.first_run = 0;
			signin_failed(t, _("an admin account was just created at another desk; sign in"), SIGNIN_NAME);
			return;
		}
		signin_failed(t, err.msg, SIGNIN_NAME);
		return;
	}
	if (staff_name_clean(signin.name, who.name, NULL) != CR_OK)
		snprintf(who.name, sizeof who.name, "%s", signin.name);
	signin_done(t, &who);
}

static void signin_submit(struct tui *t)
{
	if (!signin.name[0]) {
		signin_failed(t, _("type your name first"), SIGNIN_NAME);
		return;
	}
	if (!signin.pin[0]) {
		signin_failed(t, _("type your PIN"), SIGNIN_PIN);
		return;
	}
	if (signin.first_run)
		signin_create_admin(t);
	else
		signin_verify(t);
}

/* ---- actions ---- */

static void signin_next(struct tui *t)
{
	signin.field = signin.field < signin_last_field() ? signin.field + 1 : SIGNIN_NAME;
	tui_mark(t, TUI_DIRTY_BODY);
}

static void signin_prev(struct tui *t)
{
	signin.field = signin.field > SIGNIN_NAME ? signin.field - 1 : signin_last_field();
	tui_mark(t, TUI_DIRTY_BODY);
}

/* Enter moves on like a paper form; in the last box it signs in. */
static void signin_enter(struct tui *t)
{
	if (signin.field < signin_last_field())
		signin_next(t);
	else
		signin_submit(t);
}

static void signin_erase(struct tui *t)
{
	size_t size;

	text_drop_last(signin_field_text(signin.field, &size));
	tui_mark(t, TUI_DIRTY_BODY);
}

static void signin_clear(struct tui *t)
{
	size_t size;
	char *s = signin_field_text(signin.field, &size);

	explicit_bzero(s, size);
	tui_mark(t, TUI_DIRTY_BODY);
}

static void signin_quit(struct tui *t)
{
	signin_forget_pins();
	tui_quit(t);
}


static const struct key_binding signin_rows[] = {
	{ 0, '\r',          "Enter", N_("Sign in"), N_("go to the next box; in the last box, sign in"), signin_enter },
	{ 0, '\n',          "Enter", NULL,      NULL, signin_enter },
	{ 1, KEY_ENTER,     "Enter", NULL,      NULL, signin_enter },
	{ 0, '\t',          "Tab",   N_("Next"),    N_("move to the next box (Shift-Tab or Up goes back)"), signin_next },
	{ 1, KEY_DOWN,      "Down",  NULL,      NULL, signin_next },
	{ 1, KEY_BTAB,      "S-Tab", NULL,      NULL, signin_prev },
	{ 1, KEY_UP,        "Up",    NULL,      NULL, signin_prev },
	{ 1, KEY_BACKSPACE, "Bksp",  NULL,      N_("erase the last character"), signin_erase },
	{ 0, 127,           "Bksp",  NULL,      NULL, signin_erase },
	{ 0, 8,             "Bksp",  NULL,      NULL, signin_erase },
	{ 0, 21,            "^U",    NULL,      N_("empty the box"), signin_clear },
	{ 0, 27,            "Esc",   N_("Quit"),    N_("leave cardroll without signing in"), signin_quit },
};

static const struct keys_table signin_keys_table = KEYS_TABLE(N_("Signing in"), signin_rows);

static const struct keys_table *signin_keys(struct tui *t)
{
	return &signin_keys_table;
}

/* Appends ch to the box with the keyboard: any printable character to the
 * name, digits only to a PIN. */
static int signin_type(struct tui *t, wint_t ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t ps;
	size_t size, n, len;
	char *s = signin_field_text(signin.field, &size);

	if (!iswprint(ch))
		return 0;
	if (signin.field != SIGNIN_NAME && (ch < '0' || ch > '9')) {
		tui_say(t, ROLE_WARNING, "a PIN is digits only");
		return 1;
	}
	memset(&ps, 0, sizeof ps);
	n = wcrtomb(mb, (wchar_t)ch, &ps);
	len = strlen(s);
	if (n == (size_t)-1 || len + n >= size)
		return 1;
	memcpy(s + len, mb, n);
	s[len + n] = '\0';
	tui_mark(t, TUI_DIRTY_BODY);
	return 1;
}

static int signin_key(struct tui *t, const struct tui_key *k)
{
	if (k->fn)
		return 0;
	return signin_type(t, k->ch);
}

/* ---- drawing ---- */

/* The labels' column: "PIN again" and a gap, in the person's language. */
static int signin_label_w(struct tui *t)
{
	int lw = SIGNIN_LABEL_W;

	lw = draw_col_width(t, lw, _("Name")) ;
	lw = draw_col_width(t, lw, _("PIN"));
	return draw_col_width(t, lw - 2, _("PIN again")) + 2;
}

/* One labelled box; returns the column where its text ends. */
static int signin_draw_field(struct tui *t, WINDOW *w, int y, int field, const char *label)
{
	int lw = signin_label_w(t), cols = getmaxx(w), x = 3 + lw, bw = cols - x - 2;
	size_t size;
	const char *s = signin_field_text(field, &size);
	char stars[STAFF_PIN_MAX + 1];
	int shown;

	if (bw > STAFF_NAME_MAX + 2)
		bw = STAFF_NAME_MAX + 2;
	draw_role(w, signin.field == field ? ROLE_NAME : ROLE_NORMAL);
	draw_text(t, w, y, 3, lw, _(label));
	if (field != SIGNIN_NAME) {
		/* A star per digit: the count helps, the digits never show. */
		size_t n = strlen(s);

		memset(stars, '*', n);
		stars[n] = '\0';
		s = stars;
	}
	draw_role(w, ROLE_INPUT);
	draw_cell(t, w, y, x, bw, s, DRAW_LEFT);
	shown = draw_width(t, s);
	return x + (shown < bw ? shown : bw - 1);
}

static void signin_draw(struct tui *t, WINDOW *w)
{
	int cols = getmaxx(w), y = 1, ends[3];

	draw_role(w, ROLE_NAME);
	if (signin.first_run) {
		draw_text(t, w, y++, 1, cols - 2, _("First run: create the admin account"));
		draw_role(w, ROLE_DIM);
		draw_text(t, w, y++, 1, cols - 2, _("The admin adds the other staff and looks after this desk's settings."));
	} else {
		draw_fmt(t, w, y++, 1, cols - 2, _("Sign in at %s"), t->cfg->desk);
		draw_role(w, ROLE_DIM);
		draw_text(t, w, y++, 1, cols - 2, _("Every card you issue is recorded in your name."));
	}
	y++;
	ends[SIGNIN_NAME] = signin_draw_field(t, w, y, SIGNIN_NAME, N_("Name"));
	ends[SIGNIN_PIN] = signin_draw_field(t, w, y + 1, SIGNIN_PIN, N_("PIN"));
	if (signin.first_run)
		ends[SIGNIN_PIN2] = signin_draw_field(t, w, y + 2, SIGNIN_PIN2, N_("PIN again"));
	draw_role(w, ROLE_DIM);
	draw_fmt(t, w, y + 4, 3, cols - 4, _("A PIN is %d to %d digits. Enter or Tab goes to the next box."),
		 STAFF_PIN_MIN, STAFF_PIN_MAX);
	if (signin.error[0]) {
		draw_role(w, ROLE_ERROR);
		draw_wrap(t, w, y + 6, 3, cols - 4, 3, signin.error);
	}
	draw_role(w, ROLE_NORMAL);
	tui_cursor(t, y + signin.field, ends[signin.field]);
}

/* ---- life cycle ---- */

static void signin_enter_screen(struct tui *t)
{
	memset(&signin, 0, sizeof signin);
	signin.first_run = staff_count(t->db) == 0;
	if (signin_env_error[0]) {
		snprintf(signin.error, sizeof signin.error, "%s", signin_env_error);
		signin_env_error[0] = '\0';
	}
}

static void signin_leave(struct tui *t)
{
	signin_forget_pins();
}

const struct screen_ops signin_screen = {
	.name = N_("Sign in"),
	.enter = signin_enter_screen,
	.key = signin_key,
	.draw = signin_draw,
	.leave = signin_leave,
	.keys = signin_keys,
	.help_note = N_("For a kiosk (or a test), CARDROLL_STAFF and CARDROLL_PIN in the environment sign in "
		     "without this form when both are set and right."),
};
