/* cardroll sync: the outbox to the ILS, and the roster from the district. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "desk/perm.h"
#include "sync/sync.h"
#include "text/i18n.h"
#include "text/text.h"

static void sync_help(FILE *f)
{
	fputs(_("usage: cardroll sync [--json] [--max N] [--roster]\n"
		"       cardroll sync --parked [--json]\n"
		"       cardroll sync --confirm OUTBOX_ID\n"
		"\n"
		"Sends every signup, void and consent change waiting in the outbox to the\n"
		"library system ([sync] in the settings), in order per child, and prints\n"
		"one line: how many were sent, done, waiting and parked, and whether the\n"
		"library system answered.\n"
		"\n"
		"  --max N          send at most N events this run\n"
		"  --roster         pull the roster ([sync] roster_url) first\n"
		"  --parked         list the events a person must look at (no names)\n"
		"  --confirm ID     a parked likely-duplicate is a different child: send it again\n"
		"                   with the library system's override\n"
		"  --json           one JSON object instead of the line\n"
		"\n"
		"exit: 0 the outbox is empty; 75 some wait for a retry (or --max); 69 the\n"
		"library system is unreachable or refused the credentials; 65 some are parked\n"), f);
}

static void sync_print(const struct sync_summary *sum, int json)
{
	if (json) {
		printf("{\"sent\": %d, \"done\": %d, \"waiting\": %d, \"parked\": %d, \"left\": %d, "
		       "\"online\": %s, \"stopped\": %s, \"last_error\": ",
		       sum->sent, sum->done, sum->waiting, sum->parked, sum->left, sum->online ? "true" : "false",
		       sum->stopped ? "true" : "false");
		if (sum->last_error[0])
			cli_json_string(stdout, sum->last_error);
		else
			fputs("null", stdout);
		fputs("}\n", stdout);
		return;
	}
	/* TRANSLATORS: sent, done, waiting, parked; then "online" or "offline",
	 * and the library system's last error, if any. */
	printf(_("sync: %d sent, %d done, %d waiting, %d parked; %s%s%s\n"), sum->sent, sum->done, sum->waiting,
	       sum->parked, sum->online && !sum->stopped ? C_("sync state", "online") : C_("sync state", "offline"), sum->last_error[0] ? ": " : "",
	       sum->last_error);
}

/* The parked events: what a person must look at. Student ID and card, not
 * names: this goes to terminals and logs. */
static enum cr_status sync_parked(struct cr_db *db, int json, struct cr_err *err)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT o.id, e.kind, coalesce(s.student_number, s.sourced_id), coalesce(c.number, ''), "
		" coalesce(o.last_error, '') FROM outbox o JOIN event e ON e.id = o.event_id "
		" JOIN student s ON s.id = e.student_id LEFT JOIN card c ON c.id = e.card_id "
		"WHERE o.target = 'ils' AND o.state = 'parked' ORDER BY o.id", err);
	int rc;

	if (!st)
		return err->status;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *f[4];

		for (int i = 0; i < 4; i++)
			f[i] = (const char *)sqlite3_column_text(st, i + 1);
		if (json) {
			printf("{\"outbox_id\": %lld, \"kind\": ", sqlite3_column_int64(st, 0));
			cli_json_string(stdout, f[0]);
			fputs(", \"student_id\": ", stdout);
			cli_json_string(stdout, f[1]);
			fputs(", \"card\": ", stdout);
			cli_json_string(stdout, f[2]);
			fputs(", \"reason\": ", stdout);
			cli_json_string(stdout, f[3]);
			fputs("}\n", stdout);
		} else {
			char *safe[4];

			for (int i = 0; i < 4; i++)
				safe[i] = text_inert(f[i], 0);
			printf("%lld\t%s\t%s\t%s\t%s\n", sqlite3_column_int64(st, 0), safe[0] ? safe[0] : "?",
			       safe[1] ? safe[1] : "?", safe[2] ? safe[2] : "?", safe[3] ? safe[3] : "?");
			for (int i = 0; i < 4; i++)
				free(safe[i]);
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, err, rc, "reading the parked events");
	return CR_OK;
}

static int sync_number(const char *s, long long *out)
{
	char *end;

	*out = strtoll(s, &end, 10);
	return *s && !*end && *out > 0;
}

enum cr_status cmd_sync(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "json",    no_argument,       NULL, 'j' },
		{ "max",     required_argument, NULL, 'm' },
		{ "roster",  no_argument,       NULL, 'r' },
		{ "parked",  no_argument,       NULL, 'p' },
		{ "confirm", required_argument, NULL, 'c' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct sync_settings *s = &cli->cfg.sync;
	int c, json = 0, roster = 0, parked = 0;
	long long max = 0, confirm = 0;
	const char *confirm_arg = NULL;
	struct sync_summary sum;
	struct cr_db *db = NULL;
	long long me = 0;
	enum cr_status st;

	optind = 0;  /* 0: glibc starts getopt afresh for this argv */
	while ((c = getopt_long(argc, argv, "jm:rpc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'm':
			if (!sync_number(optarg, &max) || max > 100000000)
				return cr_fail(err, CR_EUSAGE, "--max wants a number of events, not '%s'", optarg);
			break;
		case 'r': roster = 1; break;
		case 'p': parked = 1; break;
		case 'c': confirm_arg = optarg; break;
		case 'h':
			sync_help(stdout);
			return CR_OK;
		default:
			sync_help(stderr);
			return cr_fail(err, CR_EUSAGE, "%s", "");
		}
	}
	if (optind != argc || (parked && confirm_arg) || ((parked || confirm_arg) && (roster || max))) {
		sync_help(stderr);
		return cr_fail(err, CR_EUSAGE, "%s", "");
	}
	if (confirm_arg && !sync_number(confirm_arg, &confirm))
		return cr_fail(err, CR_EUSAGE, "--confirm wants an outbox ID from `cardroll sync --parked`, not '%s'",
			       confirm_arg);

	if (roster && (st = cmd_sync_roster(cli, json, err)) != CR_OK)
		return st;
	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	/* Sending what staff already did needs no person (the timer runs as the
	 * system user); looking at parked events and deciding them does. */
	if ((parked || confirm_arg) && (st = cli_actor(cli, db, PERM_RESOLVE, &me, err)) != CR_OK)
		goto out;
	if (parked) {
		st = sync_parked(db, json, err);
		goto out;
	}
	if (confirm_arg) {
		if ((st = sync_confirm_not_duplicate(db, me, confirm, err)) == CR_OK && !cli->quiet)
			printf(_("event %lld goes to the library system again, marked \"not a duplicate\"\n"), confirm);
		goto out;
	}

	if (s->insecure)
		fputs(_("warning: TLS verification is off ([sync] insecure = yes)\n"), stderr);
	st = sync_run(db, s, (int)max, &sum, err);
	if (st != CR_OK && st != CR_EUNAVAILABLE)
		goto out;       /* settings or the database: err says it */
	sync_print(&sum, json);
	err->msg[0] = '\0';  /* the line said it */
	/* The exit status is about the whole outbox, not only this run: a row
	 * parked yesterday still needs a person (65); anything not yet done
	 * wants another run (75). */
	if (st == CR_EUNAVAILABLE || !sum.online || sum.stopped) {
		st = CR_EUNAVAILABLE;
	} else {
		struct sync_status ss;
		struct cr_err e2 = { 0 };

		if (sync_status_read(db, &ss, &e2) != CR_OK) {
			ss.parked = sum.parked;
			ss.waiting = sum.waiting + sum.left;
		}
		st = ss.parked > 0 ? CR_EDATA : ss.waiting > 0 ? CR_ETEMP : CR_OK;
	}
	if (st != CR_OK)
		err->status = st;
out:
	db_close(db);
	return st;
}
