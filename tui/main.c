/* cardroll: signs school children up for public library cards. main() reads
 * the global options, picks the command, and is the only place that exits. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "desk.h"
#include "store/paths.h"
#include "text/i18n.h"
#include "text/text.h"
#include "tui.h"

static const struct command {
	const char *name;
	enum cr_status (*run)(struct cli *cli, int argc, char **argv, struct cr_err *err);
	const char *summary;
} commands[] = {
	{ "import", cmd_import, N_("import a district roster (OneRoster package or plain CSV)") },
	{ "find",   cmd_find,   N_("find students by name prefix or student ID") },
	{ "classes", cmd_classes, N_("list the classes with their IDs, teacher, enrolled and carded") },
	{ "staff",  cmd_staff,  N_("add, list, disable desk staff; reset a PIN; assign a volunteer's schools") },
	{ "issue",  cmd_issue,  N_("issue library cards to children or a whole class") },
	{ "consent", cmd_consent, N_("record a family's answer: given, signed, opted-out") },
	{ "void",   cmd_void,   N_("void a card issued by mistake, with the reason") },
	{ "slips",  cmd_slips,  N_("queue a class's card slips, or preview one as text") },
	{ "print",  cmd_print,  N_("print a class's slips, cards' slips, a job again, or every job waiting") },
	{ "printers", cmd_printers, N_("list the printer drivers and CUPS queues, with their state") },
	{ "sync",   cmd_sync,   N_("send waiting signups to the library system; --roster pulls the roster") },
	{ "report", cmd_report, N_("coverage, signups and goals for partners (text, CSV, JSON, PDF; small counts hidden)") },
	{ "goal",   cmd_goal,   N_("set, list or remove a coverage goal (a target % by a date)") },
	{ "profile", cmd_profile, N_("set or show the community's commitment (officials, date) for the report") },
	{ "audit",  cmd_audit,  N_("the audit log: who did what, when, at which desk (admins)") },
	{ "purge",  cmd_purge,  N_("forget withdrawn children and, after the school year, those never carded (admins)") },
};

/* s word-wrapped to 80 columns (display width), each further line
 * indented by indent columns; s has no newline of its own. */
static void put_wrapped(FILE *f, const char *s, int col, int indent)
{
	while (*s) {
		size_t n = strcspn(s, " ");
		char word[512];
		int w;

		snprintf(word, sizeof word, "%.*s", (int)n, s);
		w = text_width(word);
		if (col > indent && col + 1 + w > 80) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fputs(word, f);
		col += w;
		s += n;
		while (*s == ' ')
			s++;
	}
	fputc('\n', f);
}

static void usage(FILE *f)
{
	fputs(_("usage: cardroll [--db PATH] [--config PATH] [COMMAND [ARGS]]\n"
		"\n"
		"Without a command, opens the desk (the terminal interface).\n"
		"\n"
		"commands:\n"), f);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		fprintf(f, "  %-8s ", commands[i].name);
		put_wrapped(f, _(commands[i].summary), 11, 11);
	}
	fputs(_("\n"
		"options:\n"
		"  --db PATH       database file (or CARDROLL_DB;\n"
		"                  default ~/.local/share/cardroll/cardroll.db)\n"
		"  --config PATH   settings file (or CARDROLL_CONFIG;\n"
		"                  default ~/.config/cardroll/cardroll.ini)\n"
		"  --version       print the version\n"
		"  --help          this help; `cardroll COMMAND --help` for a command\n"
		"\n"
		"The desk asks who is working (name and PIN; on first run it creates the\n"
		"admin account). CARDROLL_STAFF and CARDROLL_PIN sign in without the form,\n"
		"and are who acts in the commands: once a staff account exists, every command\n"
		"but sync and printers needs them, and the role must allow the action\n"
		"(admin, librarian, volunteer: see `man cardroll`, STAFF AND ROLES).\n"
		"\n"
		"exit codes: 0 ok, 1 find matched no student, 64 usage, 65 bad input data,\n"
		"66 missing input, 69 service unavailable, 70 internal, 73 cannot create,\n"
		"75 temporary failure\n"), f);
}

/* Settings: /etc first, then the person's own, or exactly --config. */
static enum cr_status load_settings(struct cli *cli, const char *config_path, struct cr_err *err)
{
	enum cr_status st;
	char user[4096];

	config_defaults(&cli->cfg);
	if (!config_path)
		config_path = getenv("CARDROLL_CONFIG");
	if (config_path && *config_path)
		st = config_load(&cli->cfg, config_path, 1, err);
	else if ((st = config_load(&cli->cfg, PATHS_SYSTEM_CONFIG, 0, err)) == CR_OK &&
		 paths_user_config(user, sizeof user, NULL) == CR_OK)
		st = config_load(&cli->cfg, user, 0, err);
	/* [storage] busy_timeout_ms: how long every database open here waits
	 * for another desk (or program) that is writing. */
	db_set_busy_timeout(cli->cfg.busy_timeout_ms);
	return st;
}

/* The desk itself: the one command that draws a screen. */
static enum cr_status cmd_tui(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	struct cr_db *db;
	enum cr_status st = cli_open_db(cli, 0, &db, err);

	if (st != CR_OK)
		return st;
	st = desk_run(db, &cli->cfg, err);
	db_close(db);
	return st;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db",      required_argument, NULL, 'd' },
		{ "config",  required_argument, NULL, 'c' },
		{ "version", no_argument,       NULL, 'V' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { 0 };
	struct cr_err err = { 0 };
	const char *config_path = NULL, *db_opt = NULL;
	enum cr_status st;
	int c;

	i18n_init();
	/* '+': stop at the command name; its own options are its business. */
	while ((c = getopt_long(argc, argv, "+d:c:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db_opt = optarg; break;
		case 'c': config_path = optarg; break;
		case 'V': printf("cardroll %s\n", CR_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default:  usage(stderr); return cr_status_exit_code(CR_EUSAGE);
		}
	}
	if ((st = load_settings(&cli, config_path, &err)) != CR_OK) {
		fprintf(stderr, "cardroll: %s\n", err.msg);
		return cr_status_exit_code(st);
	}
	if (db_opt)
		snprintf(cli.db_path, sizeof cli.db_path, "%s", db_opt);

	argc -= optind;
	argv += optind;
	if (argc == 0) {
		st = cmd_tui(&cli, argc, argv, &err);
	} else {
		size_t i, n = sizeof commands / sizeof commands[0];

		for (i = 0; i < n && strcmp(commands[i].name, argv[0]) != 0; i++)
			;
		if (i == n) {
			fprintf(stderr, _("cardroll: unknown command '%s'\n\n"), argv[0]);
			usage(stderr);
			return cr_status_exit_code(CR_EUSAGE);
		}
		st = commands[i].run(&cli, argc, argv, &err);
	}
	if (st != CR_OK && err.msg[0])
		fprintf(stderr, "cardroll: %s\n", err.msg);
	return cr_status_exit_code(st);
}
