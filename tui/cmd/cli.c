/* cli: what the headless commands share: finding the database, JSON output. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "desk/lockout.h"
#include "desk/perm.h"
#include "store/paths.h"
#include "text/i18n.h"

enum cr_status cli_open_db(struct cli *cli, unsigned flags, struct cr_db **db, struct cr_err *err)
{
	enum cr_status st;
	const char *env = getenv("CARDROLL_DB");

	if (!cli->db_path[0] && env && *env)
		snprintf(cli->db_path, sizeof cli->db_path, "%s", env);
	if (!cli->db_path[0] && cli->cfg.db_path[0])
		snprintf(cli->db_path, sizeof cli->db_path, "%s", cli->cfg.db_path);
	if (!cli->db_path[0]) {
		if ((st = paths_default_db(cli->db_path, sizeof cli->db_path, err)) != CR_OK)
			return st;
		if (!(flags & (DB_READONLY | DB_NOCREATE)) &&
		    (st = paths_make_parent(cli->db_path, err)) != CR_OK)
			return st;
	}
	return db_open(cli->db_path, flags, db, err);
}

void cli_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		/* a run that needs no escape goes out whole */
		const unsigned char *q = p;

		while (*q >= 0x20 && *q != 0x7f && *q != '"' && *q != '\\')
			q++;
		if (q != p) {
			fwrite(p, 1, (size_t)(q - p), f);
			if (!*q)
				break;
			p = q;
		}
		switch (*p) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

enum cr_status cli_staff(struct cli *cli, struct cr_db *db, const char *name, const char *doing, long long *id,
			 struct cr_err *err)
{
	struct staff_who who;
	enum cr_status st = cli_sign_in(cli, db, name, doing, &who, err);

	*id = st == CR_OK ? who.id : 0;
	return st;
}

enum cr_status cli_sign_in(struct cli *cli, struct cr_db *db, const char *name, const char *doing,
			   struct staff_who *who, struct cr_err *err)
{
	const char *pin = getenv("CARDROLL_PIN");

	memset(who, 0, sizeof *who);
	if (staff_count(db) == 0)
		return cr_fail(err, CR_EUSAGE, "no staff yet: add the first (an admin) with `cardroll staff add NAME`");
	if (!name || !*name)
		name = getenv("CARDROLL_STAFF");
	if (!name || !*name)
		return cr_fail(err, CR_EUSAGE, "who is %s? give --staff NAME (or CARDROLL_STAFF)", doing);
	if (!pin || !*pin)
		return cr_fail(err, CR_EUSAGE, "no PIN: set CARDROLL_PIN");
	return staff_signin(db, name, pin, cli->cfg.desk, (long long)time(NULL), who, err);
}

enum cr_status cli_actor(struct cli *cli, struct cr_db *db, int action, long long *id, struct cr_err *err)
{
	enum perm_action a = (enum perm_action)action;
	char doing[128];
	enum cr_status st;
	int n;

	*id = 0;
	if ((n = staff_count(db)) < 0)
		return cr_fail(err, CR_EINTERNAL, "could not read the staff accounts in %s", db_path(db));
	if (n == 0)
		return CR_OK;
	if (!getenv("CARDROLL_STAFF") || !*getenv("CARDROLL_STAFF"))
		return cr_fail(err, CR_EUSAGE, "not allowed: no one is signed in, and '%s' needs a person once staff "
			       "accounts exist: set CARDROLL_STAFF to your name and CARDROLL_PIN to your PIN",
			       perm_action_name(a));
	snprintf(doing, sizeof doing, C_("who is ...?", "doing '%s'"), perm_action_name(a));
	if ((st = cli_staff(cli, db, NULL, doing, id, err)) != CR_OK)
		return st;
	return perm_check(db, *id, a, err);
}
