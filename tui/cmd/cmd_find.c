/* cardroll find QUERY: the desk's search, one line (or JSON object) a match. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "desk/perm.h"
#include "desk/search.h"
#include "text/i18n.h"
#include "text/text.h"

struct find_out {
	int json;
	int first;
};

static void find_help(FILE *f)
{
	fputs(_("usage: cardroll find [--limit N] [--json] QUERY...\n"
		"\n"
		"Finds students by name prefix (words in any order, case and accents\n"
		"ignored: 'ximena mu' finds Ximena Muñoz Núñez) or by exact student ID.\n"
		"Prints one line per match: student ID, name, school, grade, status.\n"
		"\n"
		"  --limit N   at most N matches (default 20)\n"
		"  --json      a JSON array of objects instead of lines\n"
		"\n"
		"exit: 0 some student matched; 1 none did (\"no student matches\" on stderr,\n"
		"and [] with --json), as grep does; 64 usage; 66 no database\n"), f);
}

static void find_print_text(const char *s)
{
	/* Roster text never reaches the terminal raw. */
	char *safe = text_inert(s, 0);

	fputs(safe ? safe : "?", stdout);
	free(safe);
}

static int find_emit(const struct search_hit *h, void *ctx)
{
	struct find_out *o = ctx;

	if (o->json) {
		fputs(o->first ? "\n  " : ",\n  ", stdout);
		o->first = 0;
		fputs("{\"student_id\": ", stdout);
		cli_json_string(stdout, h->student_number);
		fputs(", \"given_name\": ", stdout);
		cli_json_string(stdout, h->given_name);
		fputs(", \"family_name\": ", stdout);
		cli_json_string(stdout, h->family_name);
		fputs(", \"preferred_name\": ", stdout);
		cli_json_string(stdout, h->preferred_name);
		fputs(", \"school\": ", stdout);
		cli_json_string(stdout, h->school);
		fputs(", \"grade\": ", stdout);
		cli_json_string(stdout, h->grade);
		fputs(", \"status\": ", stdout);
		cli_json_string(stdout, h->status);
		fputs(", \"district\": ", stdout);
		cli_json_string(stdout, h->district);
		fputs("}", stdout);
		return 0;
	}
	find_print_text(*h->student_number ? h->student_number : "-");
	fputc('\t', stdout);
	find_print_text(h->family_name);
	fputs(", ", stdout);
	find_print_text(h->given_name);
	if (*h->preferred_name && strcmp(h->preferred_name, h->given_name) != 0) {
		fputs(" (", stdout);
		find_print_text(h->preferred_name);
		fputc(')', stdout);
	}
	fputc('\t', stdout);
	find_print_text(*h->school ? h->school : "-");
	fputc('\t', stdout);
	find_print_text(*h->grade ? h->grade : "-");
	fputc('\t', stdout);
	find_print_text(h->status);
	fputc('\n', stdout);
	return 0;
}

enum cr_status cmd_find(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "json",  no_argument,       NULL, 'j' },
		{ "help",  no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct find_out out = { .first = 1 };
	struct cr_db *db;
	long long me = 0;
	enum cr_status st;
	char query[1024] = "";
	int limit = 20, count = 0, c;
	char *end;

	optind = 0;  /* 0: glibc starts getopt afresh for this argv */
	while ((c = getopt_long(argc, argv, "n:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			limit = (int)strtol(optarg, &end, 10);
			if (*end || limit < 1 || limit > 10000)
				return cr_fail(err, CR_EUSAGE, "--limit takes a number from 1 to 10000");
			break;
		case 'j': out.json = 1; break;
		case 'h': find_help(stdout); return CR_OK;
		default:  find_help(stderr); return CR_EUSAGE;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (strlen(query) + strlen(argv[i]) + 2 > sizeof query)
			return cr_fail(err, CR_EUSAGE, "the query is too long");
		if (query[0])
			strcat(query, " ");
		strcat(query, argv[i]);
	}
	if (!query[0]) {
		find_help(stderr);
		return cr_fail(err, CR_EUSAGE, "find needs a name or student ID");
	}
	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	if ((st = cli_actor(cli, db, PERM_SEARCH, &me, err)) != CR_OK) {
		db_close(db);
		return st;
	}
	if (out.json)
		fputs("[", stdout);
	st = search_find(db, query, limit, find_emit, &out, &count, err);
	if (out.json)
		fputs(count ? "\n]\n" : "]\n", stdout);
	db_close(db);
	if (st == CR_OK && count == 0)
		st = cr_fail(err, CR_ENOMATCH, "no student matches");
	return st;
}
