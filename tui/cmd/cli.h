/* cli: the headless commands (`cardroll import`, `cardroll find`, ...). */
#ifndef CR_CLI_H
#define CR_CLI_H

#include "text/i18n.h"   /* _, P_, C_ */

#include <stdio.h>
#include "store/config.h"
#include "store/db.h"
#include "desk/staff.h"

struct cli {
	struct cr_config cfg;
	char             db_path[4096];
	int              quiet;
};

/* Opens the database the person chose (--db, CARDROLL_DB, settings, XDG). */
enum cr_status cli_open_db(struct cli *cli, unsigned flags, struct cr_db **db, struct cr_err *err);

/* Who acts: --staff NAME (or CARDROLL_STAFF) with the PIN from
 * CARDROLL_PIN, signed in with the growing delay after failures (lockout.h);
 * *id gets staff.id. doing completes "who is ...?" when nobody is named
 * ("issuing", "printing"). Needs a staff account to exist. */
enum cr_status cli_staff(struct cli *cli, struct cr_db *db, const char *name, const char *doing, long long *id,
			 struct cr_err *err);

/* Who may do action (perm.h's enum perm_action) here: before the first
 * staff account exists nobody signs in (*id 0: the first run, e.g. the
 * demo's import); after, CARDROLL_STAFF and CARDROLL_PIN sign in and the
 * role must allow action (CR_EUSAGE naming the action and the role). */
enum cr_status cli_actor(struct cli *cli, struct cr_db *db, int action, long long *id, struct cr_err *err);
/* The same, with the role: who signed in (the sign-in is in the audit). */
enum cr_status cli_sign_in(struct cli *cli, struct cr_db *db, const char *name, const char *doing,
			   struct staff_who *who, struct cr_err *err);

/* Writes s as a JSON string literal (with quotes). */
void cli_json_string(FILE *f, const char *s);

enum cr_status cmd_import(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_classes(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_find(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_staff(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_issue(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_consent(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_void(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_slips(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_print(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_printers(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_sync(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_report(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_goal(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_audit(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_purge(struct cli *cli, int argc, char **argv, struct cr_err *err);
enum cr_status cmd_profile(struct cli *cli, int argc, char **argv, struct cr_err *err);
/* `cardroll sync --roster`: pulls the roster ([sync] roster_url) into the
 * importer (tui/cmd/cmd_sync_roster.c); json as --json. */
enum cr_status cmd_sync_roster(struct cli *cli, int json, struct cr_err *err);
/* "N rows were rejected ..." and "N files ... were refused ...", in the
 * person's language (a static buffer each). */
const char *import_rejected_msg(long n);
const char *import_refused_msg(long n);

#endif
