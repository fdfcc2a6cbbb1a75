/* cardroll staff add|list: desk accounts from the command line. The PIN comes
 * from CARDROLL_PIN or the terminal with echo off; it is never printed. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "desk/assign.h"
#include "desk/perm.h"
#include "desk/staff.h"
#include "text/i18n.h"
#include "text/text.h"

#define PIN_BUF   64   /* a line longer than this is no desk PIN */
#define PIN_TRIES 3

static void staff_help(FILE *f)
{
	fputs(_("usage: cardroll staff add NAME [--role admin|librarian|volunteer]\n"
		"       cardroll staff list [--json]\n"
		"       cardroll staff disable NAME\n"
		"       cardroll staff reset-pin NAME\n"
		"       cardroll staff assign NAME --school NAME|ID | --class CLASS [--remove]\n"
		"\n"
		"Desk staff sign in with their name and a PIN of 4 to 12 digits. After the\n"
		"first account, only an admin manages staff: sign in with CARDROLL_STAFF\n"
		"(your name) and CARDROLL_PIN (your PIN).\n"
		"\n"
		"  add NAME      adds an account. The first account must be an admin and\n"
		"                is one by default; later ones default to librarian.\n"
		"                The first account's PIN is read from CARDROLL_PIN; after that\n"
		"                the new PIN is read from CARDROLL_NEW_PIN, or asked for twice\n"
		"                on the terminal (not shown as it is typed).\n"
		"  --role ROLE   admin (settings, staff, exports, purge, reports, and all a\n"
		"                librarian does), librarian (issue, void, consent, print,\n"
		"                reports) or volunteer (issue and print in the schools and\n"
		"                classes assigned, never sees birth dates)\n"
		"  list          name, role, active or disabled, and a volunteer's schools\n"
		"                and classes\n"
		"  --json        a JSON array of objects instead of lines\n"
		"  disable NAME  the account can no longer sign in; its history stays. The\n"
		"                last admin cannot be disabled.\n"
		"  reset-pin NAME  a new PIN (CARDROLL_NEW_PIN or the terminal); enables the\n"
		"                account again and lifts a lock after failed sign-ins\n"
		"  assign NAME   a volunteer's school (--school: name, sourcedId or\n"
		"                identifier) or class (--class: class ID or title);\n"
		"                --remove takes it away\n"), f);
}

/* Shown inert: a name never reaches the terminal raw. */
static void staff_print_text(FILE *f, const char *s)
{
	char *safe = text_inert(s, 0);

	fputs(safe ? safe : "?", f);
	free(safe);
}

/* ---- reading a PIN from the terminal ------------------------------------ */

static volatile sig_atomic_t pin_signal;

static void pin_on_signal(int sig)
{
	pin_signal = sig;
}

static void tty_puts(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* One line from the terminal with echo off; the terminal is put back even
 * when Ctrl-C arrives (read is interrupted: no SA_RESTART). */
static enum cr_status tty_read_secret(int fd, const char *prompt, char buf[PIN_BUF], struct cr_err *err)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa, old[sizeof sigs / sizeof sigs[0]];
	struct termios saved, quiet;
	enum cr_status st = CR_OK;
	size_t n = 0, i;
	int too_long = 0;
	char c;

	if (tcgetattr(fd, &saved) != 0)
		return cr_fail(err, CR_EUSAGE, "no PIN: set CARDROLL_PIN or run from a terminal");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = pin_on_signal;
	sigemptyset(&sa.sa_mask);
	pin_signal = 0;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, &old[i]);
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	quiet.c_lflag |= ICANON;
	tcsetattr(fd, TCSAFLUSH, &quiet);

	tty_puts(fd, prompt);
	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR && !pin_signal)
			continue;
		if (r < 0 && errno == EINTR) {
			st = cr_fail(err, CR_EINTERRUPTED, "interrupted: no staff account was added");
			break;
		}
		if (r <= 0) {
			st = cr_fail(err, CR_EUSAGE, "no PIN was typed");
			break;
		}
		if (c == '\n')
			break;
		if (n + 1 < PIN_BUF)
			buf[n++] = c;
		else
			too_long = 1;
	}
	explicit_bzero(&c, sizeof c);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';

	tcsetattr(fd, TCSAFLUSH, &saved);
	tty_puts(fd, "\n");
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (st == CR_OK && too_long)
		st = cr_fail(err, CR_EDATA, "the PIN is too long: a desk PIN is 4 to 12 digits (0-9), nothing else");
	if (st != CR_OK)
		explicit_bzero(buf, PIN_BUF);
	return st;
}

/* Asks for the PIN twice until both agree and it is a desk PIN (three
 * tries), on the terminal fd. */
static enum cr_status tty_ask_pin(int fd, const char *name, char pin[PIN_BUF], struct cr_err *err)
{
	char again[PIN_BUF], prompt[256], *safe = text_inert(name, 0);
	enum cr_status st = CR_EDATA;

	snprintf(prompt, sizeof prompt, _("PIN for %s: "), safe ? safe : "?");
	free(safe);
	for (int tries = 0; tries < PIN_TRIES; tries++) {
		if ((st = tty_read_secret(fd, prompt, pin, err)) == CR_OK)
			st = staff_pin_check(pin, err);
		if (st == CR_EDATA) {
			tty_puts(fd, err->msg);
			tty_puts(fd, "\n");
			continue;
		}
		if (st != CR_OK)
			break;
		if ((st = tty_read_secret(fd, _("PIN again: "), again, err)) != CR_OK)
			break;
		if (strcmp(pin, again) == 0)
			break;
		st = cr_fail(err, CR_EDATA, "the two PINs were not the same");
		tty_puts(fd, _("The two PINs were not the same; once more.\n"));
	}
	explicit_bzero(again, sizeof again);
	if (st != CR_OK)
		explicit_bzero(pin, PIN_BUF);
	return st;
}

/* The new account's PIN: CARDROLL_NEW_PIN (for the first account also
 * CARDROLL_PIN) when set, else the terminal. */
static enum cr_status staff_get_pin(const char *name, int first, char pin[PIN_BUF], struct cr_err *err)
{
	const char *env = getenv("CARDROLL_NEW_PIN");
	enum cr_status st;
	int fd;

	if (!env && first)
		env = getenv("CARDROLL_PIN");
	if (env) {
		struct cr_err why = { 0 };

		if ((st = staff_pin_check(env, &why)) != CR_OK)
			return cr_fail(err, st, "the new PIN: %s", why.msg);
		memcpy(pin, env, strlen(env) + 1);
		return CR_OK;
	}
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || !isatty(fd)) {
		if (fd >= 0)
			close(fd);
		return first ? cr_fail(err, CR_EUSAGE, "no PIN: set CARDROLL_PIN or run from a terminal")
			     : cr_fail(err, CR_EUSAGE, "no PIN for the new account: set CARDROLL_NEW_PIN or run from a terminal");
	}
	st = tty_ask_pin(fd, name, pin, err);
	close(fd);
	return st;
}

/* ---- staff add -------------------------------------------------------------- */

struct staff_taken {
	const char *name;
	int         taken;
};

/* The same comparison as the database's (ASCII case ignored). */
static int staff_note_taken(long long id, const char *name, const char *role, int disabled, void *ctx)
{
	struct staff_taken *t = ctx;

	(void)id, (void)role, (void)disabled;
	t->taken = strcasecmp(name, t->name) == 0;
	return t->taken;
}

static enum cr_status staff_cmd_add(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "help", no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char name[STAFF_NAME_MAX + 1], pin[PIN_BUF] = "";
	struct staff_taken taken = { name, 0 };
	struct cr_db *db;
	enum cr_status st;
	long long id, admin = 0;
	int role = -1, active, c;

	optind = 0;  /* 0: glibc starts getopt afresh for this argv */
	while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if ((role = staff_role_parse(optarg)) < 0)
				return cr_fail(err, CR_EUSAGE, "unknown role '%s': the roles are admin, librarian and volunteer",
					       optarg);
			break;
		case 'h': staff_help(stdout); return CR_OK;
		default:  staff_help(stderr); return CR_EUSAGE;
		}
	}
	if (argc - optind != 1) {
		staff_help(stderr);
		return cr_fail(err, CR_EUSAGE, "staff add needs one NAME (quote a name with spaces)");
	}
	if ((st = staff_name_clean(argv[optind], name, err)) != CR_OK)
		return st;
	if ((st = cli_open_db(cli, 0, &db, err)) != CR_OK)
		return st;
	if ((active = staff_count(db)) < 0) {
		st = cr_fail(err, CR_EINTERNAL, "could not count the staff accounts in %s", db_path(db));
		goto out;
	}
	/* Ask nothing that will be refused: settle the role before the PIN. */
	if (active == 0 && role >= 0 && role != STAFF_ADMIN) {
		st = cr_fail(err, CR_EUSAGE,
			     "there is no staff account yet: the first account must be an admin "
			     "(leave out --role, or use --role admin)");
		goto out;
	}
	if (role < 0)
		role = active == 0 ? STAFF_ADMIN : STAFF_LIBRARIAN;
	/* After the first admin, only an admin adds staff: whoever can write
	 * the database file must not be able to make themselves one. */
	if (active > 0 && (st = cli_actor(cli, db, PERM_STAFF, &admin, err)) != CR_OK)
		goto out;
	/* staff_add checks again under the write lock; this only spares
	 * typing a PIN twice for a name that is taken. */
	if ((st = staff_list(db, staff_note_taken, &taken, err)) != CR_OK)
		goto out;
	if (taken.taken) {
		st = cr_fail(err, CR_EDATA, "staff %s already exists", name);
		goto out;
	}
	if ((st = staff_get_pin(name, active == 0, pin, err)) != CR_OK)
		goto out;
	if ((st = staff_add_as(db, admin, cli->cfg.desk, name, (enum staff_role)role, pin, &id, err)) != CR_OK)
		goto out;
	if (!cli->quiet) {
		char *safe = text_inert(name, 0);

		/* TRANSLATORS: the name, then the role (admin, librarian, volunteer). */
		printf(_("added %s (%s)\n"), safe ? safe : "?", staff_role_name((enum staff_role)role));
		free(safe);
	}
out:
	explicit_bzero(pin, sizeof pin);
	db_close(db);
	return st;
}

/* ---- staff list ------------------------------------------------------------- */

struct staff_out {
	int           json;
	int           count;
	int           nassigned;
	struct cr_db *db;
};

/* One of a volunteer's schools or classes, after the account. */
static int staff_emit_assigned(const char *kind, const char *sid, const char *label, void *ctx)
{
	struct staff_out *o = ctx;

	if (o->json) {
		fputs(o->nassigned ? ", " : "", stdout);
		fputs("{\"kind\": ", stdout);
		cli_json_string(stdout, kind);
		fputs(", \"id\": ", stdout);
		cli_json_string(stdout, sid);
		fputs(", \"name\": ", stdout);
		cli_json_string(stdout, label);
		fputs("}", stdout);
	} else {
		fputs(o->nassigned ? ", " : "\t", stdout);
		fputs(kind, stdout);
		fputc(' ', stdout);
		staff_print_text(stdout, label);
		fputs(" (", stdout);
		staff_print_text(stdout, sid);
		fputc(')', stdout);
	}
	o->nassigned++;
	return 0;
}

static int staff_emit(long long id, const char *name, const char *role, int disabled, void *ctx)
{
	struct staff_out *o = ctx;

	if (o->json) {
		fputs(o->count ? ",\n  " : "\n  ", stdout);
		fputs("{\"name\": ", stdout);
		cli_json_string(stdout, name);
		fputs(", \"role\": ", stdout);
		cli_json_string(stdout, role);
		fprintf(stdout, ", \"disabled\": %s, \"assigned\": [", disabled ? "true" : "false");
		o->nassigned = 0;
		assign_each(o->db, id, staff_emit_assigned, o, NULL);
		fputs("]}", stdout);
	} else {
		staff_print_text(stdout, name);
		fputc('\t', stdout);
		staff_print_text(stdout, role);
		fputs(disabled ? "\tdisabled" : "\tactive", stdout);
		o->nassigned = 0;
		assign_each(o->db, id, staff_emit_assigned, o, NULL);
		fputc('\n', stdout);
	}
	o->count++;
	return 0;
}

static enum cr_status staff_cmd_list(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct staff_out out = { 0 };
	struct cr_db *db;
	long long me = 0;
	enum cr_status st;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': out.json = 1; break;
		case 'h': staff_help(stdout); return CR_OK;
		default:  staff_help(stderr); return CR_EUSAGE;
		}
	}
	if (optind < argc)
		return cr_fail(err, CR_EUSAGE, "staff list takes no names ('%s')", argv[optind]);
	/* Listing never creates a database. */
	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	if ((st = cli_actor(cli, db, PERM_STAFF, &me, err)) != CR_OK) {
		db_close(db);
		return st;
	}
	out.db = db;
	if (out.json)
		fputs("[", stdout);
	st = staff_list(db, staff_emit, &out, err);
	if (out.json)
		fputs(out.count ? "\n]\n" : "]\n", stdout);
	else if (st == CR_OK && out.count == 0 && !cli->quiet)
		fputs(_("no staff accounts yet: add the first admin with 'cardroll staff add NAME'\n"), stderr);
	db_close(db);
	return st;
}

/* ---- staff disable | reset-pin | assign ------------------------------------- */

static enum cr_status staff_cmd_change(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "school", required_argument, NULL, 's' },
		{ "class",  required_argument, NULL, 'c' },
		{ "remove", no_argument,       NULL, 'r' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *verb = argv[0], *school = NULL, *klass = NULL;
	int assign = !strcmp(verb, "assign"), remove = 0, c;
	char name[STAFF_NAME_MAX + 1], pin[PIN_BUF] = "";
	struct cr_db *db;
	enum cr_status st;
	long long me = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "s:c:rh", opts, NULL)) != -1) {
		switch (c) {
		case 's': school = optarg; break;
		case 'c': klass = optarg; break;
		case 'r': remove = 1; break;
		case 'h': staff_help(stdout); return CR_OK;
		default:  staff_help(stderr); return CR_EUSAGE;
		}
	}
	if (argc - optind != 1) {
		staff_help(stderr);
		return cr_fail(err, CR_EUSAGE, "staff %s needs one NAME (quote a name with spaces)", verb);
	}
	if (!assign && (school || klass || remove))
		return cr_fail(err, CR_EUSAGE, "--school, --class and --remove go with staff assign only");
	if (assign && !school == !klass)
		return cr_fail(err, CR_EUSAGE, "staff assign needs one of --school NAME|ID or --class CLASS");
	if ((st = staff_name_clean(argv[optind], name, err)) != CR_OK)
		return st;
	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	if ((st = cli_actor(cli, db, PERM_STAFF, &me, err)) != CR_OK)
		goto out;
	if (me == 0) {
		st = cr_fail(err, CR_EUSAGE, "there is no staff account yet: add the first admin with 'cardroll staff add NAME'");
		goto out;
	}
	if (assign) {
		st = assign_set(db, me, cli->cfg.desk, name, school, klass, remove, err);
	} else if (!strcmp(verb, "disable")) {
		st = staff_disable(db, me, cli->cfg.desk, name, err);
	} else {
		if ((st = staff_get_pin(name, 0, pin, err)) == CR_OK)
			st = staff_reset_pin(db, me, cli->cfg.desk, name, pin, err);
	}
	if (st == CR_OK && !cli->quiet) {
		char *who = text_inert(name, 0), *what = text_inert(school ? school : klass ? klass : "", 0);

		if (!assign)
			printf(!strcmp(verb, "disable") ? _("%s: disabled\n") : _("%s: new PIN set\n"), who ? who : "?");
		else
			printf(school ? (remove ? _("%s: no longer assigned school %s\n") : _("%s: assigned school %s\n"))
			       : (remove ? _("%s: no longer assigned class %s\n") : _("%s: assigned class %s\n")),
			       who ? who : "?", what ? what : "?");
		free(who);
		free(what);
	}
out:
	explicit_bzero(pin, sizeof pin);
	db_close(db);
	return st;
}

enum cr_status cmd_staff(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		staff_help(stdout);
		return CR_OK;
	}
	if (!strcmp(sub, "add"))
		return staff_cmd_add(cli, argc - 1, argv + 1, err);
	if (!strcmp(sub, "list"))
		return staff_cmd_list(cli, argc - 1, argv + 1, err);
	if (!strcmp(sub, "disable") || !strcmp(sub, "reset-pin") || !strcmp(sub, "assign"))
		return staff_cmd_change(cli, argc - 1, argv + 1, err);
	staff_help(stderr);
	if (!*sub)
		return cr_fail(err, CR_EUSAGE, "staff needs a command: add, list, disable, reset-pin or assign");
	return cr_fail(err, CR_EUSAGE, "unknown staff command '%s': add, list, disable, reset-pin or assign", sub);
}
