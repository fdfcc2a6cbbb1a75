/* cli: what the headless commands share: finding the database, JSON output. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "store/paths.h"

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
