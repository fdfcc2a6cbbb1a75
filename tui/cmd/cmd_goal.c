/* cardroll goal: set, list or remove the coverage goals partners agree on
 * (a target share carded by a date, for the programme or one school). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "desk/perm.h"
#include "desk/goals.h"
#include "text/i18n.h"
#include "text/text.h"

static void goal_help(FILE *f)
{
	fprintf(f, _("usage: cardroll goal set [--school NAME|ID] --target PCT --date YYYY-MM-DD\n"
		"       cardroll goal list [--json]\n"
		"       cardroll goal remove [--school NAME|ID]\n"
		"\n"
		"A goal is a share of enrolled children carded (1-100%%) by a date after today,\n"
		"for the whole programme or one school (its name or ID); setting a scope's\n"
		"goal again replaces it. `list` and `cardroll report` show how far each is and\n"
		"the pace needed (children a week).\n"
		"\n"
		"exit: 0 ok; 1 remove: that scope had no goal; 64 usage; 65 bad --target,\n"
		"--date or --school (the message names it); 66 no database\n"));
}

struct goal_list {
	int json, n;
};

static int goal_print(const struct goal_progress *g, void *ctx)
{
	struct goal_list *l = ctx;

	if (l->json) {
		fputs(l->n ? ",\n  " : "\n  ", stdout);
		fputs("{\"scope\": ", stdout);
		cli_json_string(stdout, g->school_rowid ? "school" : "programme");
		fputs(", \"school\": ", stdout);
		cli_json_string(stdout, g->school);
		printf(", \"target_pct\": %g, \"due\": \"%s\", \"enrolled\": %lld, \"covered\": %lld, "
		       "\"pct_covered\": %.1f, \"needed\": %lld, \"days_left\": %ld, \"per_week\": %lld}",
		       g->target_pct, g->due, g->enrolled, g->covered, g->pct, g->needed, g->days_left, g->per_week);
	} else {
		char *safe = text_inert(g->school_rowid ? g->school : _("the whole programme"), 0);

		/* TRANSLATORS: scope, target %, due date, now %, covered, enrolled
		 * (tab-separated columns). */
		printf(_("%s\t%g%% by %s\tnow %.1f%% (%lld of %lld)\t"), safe ? safe : "?", g->target_pct, g->due,
		       g->pct, g->covered, g->enrolled);
		free(safe);
		if (g->needed == 0)
			puts(C_("goal", "met"));
		else if (g->days_left < 0)
			printf(P_("%lld more needed; the date passed\n", "%lld more needed; the date passed\n", g->needed),
			       g->needed);
		else
			printf(P_("%lld more needed: %lld a week\n", "%lld more needed: %lld a week\n", g->needed),
			       g->needed, g->per_week);
	}
	l->n++;
	return 0;
}

enum cr_status cmd_goal(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "school", required_argument, NULL, 's' },
		{ "target", required_argument, NULL, 't' },
		{ "date",   required_argument, NULL, 'd' },
		{ "json",   no_argument,       NULL, 'j' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *school = NULL, *target = NULL, *date = NULL, *verb;
	struct goal_list l = { 0, 0 };
	struct cr_db *db;
	long long me = 0;
	enum cr_status st;
	double pct = 0;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "s:t:d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's': school = optarg; break;
		case 't': target = optarg; break;
		case 'd': date = optarg; break;
		case 'j': l.json = 1; break;
		case 'h': goal_help(stdout); return CR_OK;
		default:  goal_help(stderr); return CR_EUSAGE;
		}
	}
	if (optind + 1 != argc) {
		goal_help(stderr);
		return cr_fail(err, CR_EUSAGE, "goal needs one of: set, list, remove");
	}
	verb = argv[optind];
	if (!strcmp(verb, "set")) {
		char *end;

		if (!target || !date)
			return cr_fail(err, CR_EUSAGE, "goal set needs --target PCT and --date YYYY-MM-DD");
		pct = strtod(target, &end);
		if (end == target || (*end && strcmp(end, "%")))
			return cr_fail(err, CR_EDATA, "--target: '%.40s' is not a percentage", target);
	} else if (strcmp(verb, "list") && strcmp(verb, "remove")) {
		goal_help(stderr);
		return cr_fail(err, CR_EUSAGE, "goal: '%.40s' is not set, list or remove", verb);
	}
	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	/* Setting or removing a goal is a setting; listing them is the report's. */
	if ((st = cli_actor(cli, db, strcmp(verb, "list") ? PERM_SETTINGS : PERM_REPORT, &me, err)) != CR_OK) {
		db_close(db);
		return st;
	}
	if (!strcmp(verb, "set")) {
		st = goal_set(db, school, pct, date, NULL, err);
		if (st == CR_OK)
			st = goal_each(db, NULL, goal_print, &l, err);
	} else if (!strcmp(verb, "remove")) {
		st = goal_remove(db, school, err);
	} else {
		if (l.json)
			fputs("[", stdout);
		st = goal_each(db, NULL, goal_print, &l, err);
		if (l.json)
			fputs(l.n ? "\n]\n" : "]\n", stdout);
	}
	db_close(db);
	return st;
}
