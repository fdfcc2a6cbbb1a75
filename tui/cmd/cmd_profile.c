/* cardroll profile: set or show the community's commitment (chief elected
 * official, superintendent, library director, commitment date). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "desk/perm.h"
#include "desk/profile.h"
#include "text/i18n.h"
#include "text/text.h"

static void profile_help(FILE *f)
{
	fputs(_("usage: cardroll profile [--chief NAME] [--superintendent NAME] [--director NAME]\n"
		"                        [--committed YYYY-MM-DD] [--json]\n"
		"\n"
		"Without options, shows the community profile the progress report carries:\n"
		"the chief elected official, the school superintendent and the library\n"
		"director who committed to the programme, and the date they did. With\n"
		"options, sets those fields (an empty value clears one) and shows the result.\n"
		"\n"
		"exit: 0 ok; 64 usage; 65 a bad value (the message names the option);\n"
		"66 no database\n"), f);
}

static void profile_line(const char *label, int col, const char *v)
{
	char *safe = text_inert(*v ? v : C_("profile", "(not set)"), 0);
	int w = text_width(label);

	/* the label, then the value from column col + 1 */
	printf("%s%*s%s\n", label, w < col ? col - w : 1, "", safe ? safe : "?");
	free(safe);
}

enum cr_status cmd_profile(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "chief",          required_argument, NULL, 'c' },
		{ "superintendent", required_argument, NULL, 's' },
		{ "director",       required_argument, NULL, 'd' },
		{ "committed",      required_argument, NULL, 'D' },
		{ "json",           no_argument,       NULL, 'j' },
		{ "help",           no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *chief = NULL, *sup = NULL, *dir = NULL, *committed = NULL;
	struct profile p;
	struct cr_db *db;
	long long me = 0;
	enum cr_status st;
	int json = 0, c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:s:d:D:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': chief = optarg; break;
		case 's': sup = optarg; break;
		case 'd': dir = optarg; break;
		case 'D': committed = optarg; break;
		case 'j': json = 1; break;
		case 'h': profile_help(stdout); return CR_OK;
		default:  profile_help(stderr); return CR_EUSAGE;
		}
	}
	if (optind < argc) {
		profile_help(stderr);
		return cr_fail(err, CR_EUSAGE, "profile takes options only ('%.40s')", argv[optind]);
	}
	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	if ((st = cli_actor(cli, db, chief || sup || dir || committed ? PERM_SETTINGS : PERM_REPORT, &me, err))
	    != CR_OK) {
		db_close(db);
		return st;
	}
	if (chief || sup || dir || committed)
		st = profile_set(db, chief, sup, dir, committed, err);
	if (st == CR_OK)
		st = profile_get(db, &p, err);
	db_close(db);
	if (st != CR_OK)
		return st;
	if (json) {
		fputs("{\"chief_elected_official\": ", stdout);
		cli_json_string(stdout, p.chief);
		fputs(", \"superintendent\": ", stdout);
		cli_json_string(stdout, p.superintendent);
		fputs(", \"library_director\": ", stdout);
		cli_json_string(stdout, p.director);
		fputs(", \"commitment_date\": ", stdout);
		cli_json_string(stdout, p.committed);
		fputs("}\n", stdout);
	} else {
		const char *label[4] = { C_("profile", "chief elected official"), C_("profile", "superintendent"),
					 C_("profile", "library director"), C_("profile", "commitment date") };
		const char *value[4] = { p.chief, p.superintendent, p.director, p.committed };
		int col = 24;   /* the values line up, two columns after the widest label */

		for (int i = 0; i < 4; i++)
			if (text_width(label[i]) + 2 > col)
				col = text_width(label[i]) + 2;
		for (int i = 0; i < 4; i++)
			profile_line(label[i], col, value[i]);
	}
	return CR_OK;
}
