/* cardroll sync --roster: the district's roster over the network
 * ([sync] roster_url) into the importer, with the report `cardroll import`
 * prints (core/roster/roster_pull.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "roster/roster_pull.h"
#include "text/i18n.h"

enum cr_status cmd_sync_roster(struct cli *cli, int json, struct cr_err *err)
{
	const struct sync_settings *s = &cli->cfg.sync;
	struct roster_pull_result r;
	struct cr_db *db;
	enum cr_status st;

	if (s->insecure)
		fputs(_("cardroll: warning: [sync] insecure is set: the roster server's TLS certificate is "
			"NOT checked; anyone on the network path can read or change the roster\n"), stderr);
	if (!strncasecmp(s->roster_url, "http://", 7) && strcmp(s->roster_auth, "none"))
		fputs(_("cardroll: warning: [sync] roster_url is plain http://: the roster credentials and "
			"children's data cross the network unencrypted; use https://\n"), stderr);
	if ((st = cli_open_db(cli, 0, &db, err)) != CR_OK)
		return st;
	st = roster_pull(db, s, &r, err);
	db_close(db);

	if (r.skipped_demographics && !cli->quiet)
		fputs(_("cardroll: note: the roster server does not share demographics with this client; "
			"birth dates were not updated\n"), stderr);
	if (st == CR_OK && r.unchanged) {
		const char *why = r.rest ? _("no records changed")
				  : !strncasecmp(s->roster_url, "sftp:", 5) ? _("the file's time has not changed")
				  : "304";

		if (json) {
			fputs("{\n  \"source\": ", stdout);
			cli_json_string(stdout, r.source);
			fputs(",\n  \"outcome\": \"unchanged\",\n  \"since\": ", stdout);
			cli_json_string(stdout, r.since);
			fputs("\n}\n", stdout);
		} else if (!cli->quiet) {
			printf(_("roster unchanged since %s (%s)\n"), r.since, why);
		}
		return CR_OK;
	}
	if (r.imported && r.summary.run_id) {
		/* the report of the run just made, printed as `cardroll import` prints it */
		char a_import[] = "import", a_last[] = "--show-last", a_json[] = "--json", a_quiet[] = "--quiet";
		char *argv[4] = { a_import, a_last, NULL, NULL };
		int argc = 2;
		struct cr_err e2 = { 0 };
		enum cr_status shown;

		if (json)
			argv[argc++] = a_json;
		else if (cli->quiet)
			argv[argc++] = a_quiet;
		if (!json && !cli->quiet && r.rest)
			printf(P_("Pulled %ld record from OneRoster REST (%s)\n",
				  "Pulled %ld records from OneRoster REST (%s)\n", r.records), r.records, r.mode);
		fflush(stdout);
		shown = cmd_import(cli, argc, argv, &e2);
		if (shown != CR_OK && st == CR_OK) {
			*err = e2;
			st = shown;
		}
	}
	if (st == CR_OK && r.imported && r.summary.rejected > 0)
		st = cr_fail(err, CR_EDATA, "%s", import_rejected_msg(r.summary.rejected));
	else if (st == CR_OK && r.imported && r.summary.refused_files > 0)
		st = cr_fail(err, CR_EDATA, "%s", import_refused_msg(r.summary.refused_files));
	return st;
}
