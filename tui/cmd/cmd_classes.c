/* cardroll classes: the classes with the IDs `issue --class` and `slips
 * --class` take, their teacher and how many of the roll have a card. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "desk/perm.h"
#include "desk/classes.h"
#include "text/i18n.h"
#include "text/text.h"

struct classes_out {
	int  json;
	long count;
};

static void classes_help(FILE *f)
{
	fputs(_("usage: cardroll classes [--school NAME|ID] [--json]\n"
		"\n"
		"Lists the roster's active classes, school by school: the class ID (what\n"
		"`issue --class` and `slips --class` take; a class's exact title works too),\n"
		"the title, the teacher, the school, how many active children are enrolled\n"
		"and how many of them have a card.\n"
		"\n"
		"  --school NAME|ID   only this school (its name, case ignored, or its ID)\n"
		"  --json             a JSON array of objects: class_id, title, teacher,\n"
		"                     school, school_id, grades, enrolled, carded\n"), f);
}

static void classes_text(const char *s)
{
	/* Roster text never reaches the terminal raw. */
	char *safe = text_inert(*s ? s : "-", 0);

	fputs(safe ? safe : "?", stdout);
	free(safe);
}

static int classes_emit(const struct classes_row *r, void *ctx)
{
	struct classes_out *o = ctx;

	if (o->json) {
		fputs(o->count ? ",\n  " : "\n  ", stdout);
		fputs("{\"class_id\": ", stdout);
		cli_json_string(stdout, r->c->sourced_id);
		fputs(", \"title\": ", stdout);
		cli_json_string(stdout, r->c->title);
		fputs(", \"teacher\": ", stdout);
		cli_json_string(stdout, r->c->teacher);
		fputs(", \"school\": ", stdout);
		cli_json_string(stdout, r->school);
		fputs(", \"school_id\": ", stdout);
		cli_json_string(stdout, r->school_id);
		fputs(", \"grades\": ", stdout);
		cli_json_string(stdout, r->c->grades);
		printf(", \"enrolled\": %ld, \"carded\": %ld}", r->c->enrolled, r->c->carded);
	} else {
		/* class ID, title, teacher, school, enrolled, carded */
		classes_text(r->c->sourced_id);
		fputc('\t', stdout);
		classes_text(r->c->title);
		fputc('\t', stdout);
		classes_text(r->c->teacher);
		fputc('\t', stdout);
		classes_text(r->school);
		/* TRANSLATORS: the counts of the class's line (tab-separated). */
		printf(_("\t%ld enrolled\t%ld carded\n"), r->c->enrolled, r->c->carded);
	}
	o->count++;
	return 0;
}

enum cr_status cmd_classes(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "school", required_argument, NULL, 's' },
		{ "json",   no_argument,       NULL, 'j' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct classes_out out = { 0 };
	const char *school = NULL;
	struct cr_db *db;
	long long me = 0;
	enum cr_status st;
	int c;

	optind = 0;  /* 0: glibc starts getopt afresh for this argv */
	while ((c = getopt_long(argc, argv, "s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's': school = optarg; break;
		case 'j': out.json = 1; break;
		case 'h': classes_help(stdout); return CR_OK;
		default:  classes_help(stderr); return CR_EUSAGE;
		}
	}
	if (optind != argc) {
		classes_help(stderr);
		return cr_fail(err, CR_EUSAGE, "classes takes no arguments: --school NAME|ID chooses a school");
	}
	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	if ((st = cli_actor(cli, db, PERM_SEARCH, &me, err)) != CR_OK) {
		db_close(db);
		return st;
	}
	if (out.json)
		fputs("[", stdout);
	st = classes_list(db, school, classes_emit, &out, err);
	if (out.json)
		fputs(out.count ? "\n]\n" : "]\n", stdout);
	db_close(db);
	return st;
}
