/* cardroll audit and cardroll purge: an admin reads the audit log, and
 * forgets the children the retention rules say to forget. */
#include <dirent.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "desk/access.h"
#include "desk/coverage.h"
#include "desk/purge.h"
#include "store/audit.h"
#include "text/text.h"
#include "text/i18n.h"

enum audit_format { AF_TEXT, AF_CSV, AF_JSON };

/* Signs the admin in (CARDROLL_STAFF, CARDROLL_PIN) for action. */
static enum cr_status audit_admin(struct cli *cli, struct cr_db *db, const char *action, struct staff_who *who,
				  struct cr_err *err)
{
	int audit = !strcmp(action, "audit");
	enum cr_status st = cli_sign_in(cli, db, NULL, audit ? C_("who is ...?", "reading the audit") : C_("who is ...?", "purging"), who, err);

	if (st != CR_OK)
		return st;
	if (!access_allows(who, action))
		return audit ? cr_fail(err, CR_EUSAGE, "only an admin can read the audit")
			     : cr_fail(err, CR_EUSAGE, "only an admin can purge");
	return CR_OK;
}

struct audit_out {
	enum audit_format fmt;
	int               n;
};

static void audit_csv_cell(const char *s)
{
	fputc('"', stdout);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', stdout);
		fputc(*s, stdout);
	}
	fputc('"', stdout);
}

static int audit_print(const struct audit_row *r, void *ctx)
{
	struct audit_out *o = ctx;
	char when[32], object[160] = "";
	time_t t = (time_t)r->at;
	struct tm tm;

	if (o->fmt == AF_JSON) {
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("%s\n  {\"id\": %lld, \"at\": \"%s\", \"staff_id\": ", o->n ? "," : "", r->id, when);
		if (r->staff)
			printf("%lld", r->staff);
		else
			fputs("null", stdout);
		fputs(", \"staff\": ", stdout);
		cli_json_string(stdout, r->staff_name);
		fputs(", \"desk\": ", stdout);
		cli_json_string(stdout, r->desk);
		fputs(", \"action\": ", stdout);
		cli_json_string(stdout, r->action);
		fputs(", \"object_kind\": ", stdout);
		cli_json_string(stdout, r->object_kind);
		fputs(", \"object_id\": ", stdout);
		if (r->object_id)
			printf("%lld", r->object_id);
		else
			fputs("null", stdout);
		fputs(", \"subject\": ", stdout);
		if (r->subject[0])
			cli_json_string(stdout, r->subject);
		else
			fputs("null", stdout);
		fputs(", \"student_id\": ", stdout);
		if (r->student)
			printf("%lld", r->student);
		else
			fputs("null", stdout);
		fputs(", \"student_number\": ", stdout);
		if (r->student)
			cli_json_string(stdout, r->student_number);
		else
			fputs("null", stdout);
		fputs(", \"purged\": ", stdout);
		fputs(r->subject[0] && !r->student ? "true" : "false", stdout);
		fputs(", \"detail\": ", stdout);
		cli_json_string(stdout, r->detail);
		fputs("}", stdout);
	} else if (o->fmt == AF_CSV) {
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("%lld,%s,", r->id, when);
		if (r->staff)
			printf("%lld", r->staff);
		fputc(',', stdout);
		audit_csv_cell(r->staff_name);
		fputc(',', stdout);
		audit_csv_cell(r->desk);
		printf(",%s,%s,", r->action, r->object_kind);
		if (r->object_id)
			printf("%lld", r->object_id);
		printf(",%s,", r->subject);
		if (r->student)
			printf("%lld", r->student);
		fputc(',', stdout);
		audit_csv_cell(r->student_number);
		printf(",%s,", r->subject[0] && !r->student ? "yes" : "no");
		audit_csv_cell(r->detail);
		fputc('\n', stdout);
	} else {
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		if (r->subject[0] && r->student)
			snprintf(object, sizeof object, _("student %lld%s%s"), r->student, r->student_number[0] ? " #" : "",
				 r->student_number);
		else if (r->subject[0])
			snprintf(object, sizeof object, _("purged child %.12s"), r->subject);
		else if (r->object_kind[0] && r->object_id)
			snprintf(object, sizeof object, "%s %lld", r->object_kind, r->object_id);
		else
			snprintf(object, sizeof object, "%s", r->object_kind[0] ? r->object_kind : "-");
		printf("%6lld  %s  %-16.16s  %-12.12s  %-22s  ", r->id, when,
		       r->staff_name[0] ? r->staff_name : "-", r->desk[0] ? r->desk : "-", r->action);
		/* padded by display width: a translation may have accents */
		printf("%s%*s  %s\n", object, text_width(object) < 28 ? 28 - text_width(object) : 0, "", r->detail);
	}
	o->n++;
	return 0;
}

static void audit_help(FILE *f)
{
	fputs(_("usage: cardroll audit [--since YYYY-MM-DD] [--format text|csv|json]\n"
		"\n"
		"The audit log, oldest first: every issue, void, consent, print, export,\n"
		"report, import, purge, sign-in and failed sign-in, with who, when and at\n"
		"which desk. A child is kept only as a keyed hash: a child still in the\n"
		"database is shown by internal id and student ID, a purged one as a hash.\n"
		"For admins: CARDROLL_STAFF and CARDROLL_PIN sign in.\n"
		"\n"
		"exit: 0 ok; 64 usage or not an admin; 65 name or PIN not recognised;\n"
		"66 no database\n"), f);
}

enum cr_status cmd_audit(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "since",  required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct audit_out o = { .fmt = AF_TEXT };
	const char *since = NULL;
	long long from = 0;
	struct staff_who who;
	struct cr_db *db;
	enum cr_status st;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "s:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': since = optarg; break;
		case 'f':
			if (!strcmp(optarg, "text"))
				o.fmt = AF_TEXT;
			else if (!strcmp(optarg, "csv"))
				o.fmt = AF_CSV;
			else if (!strcmp(optarg, "json"))
				o.fmt = AF_JSON;
			else
				return cr_fail(err, CR_EUSAGE, "--format: '%.40s' is not text, csv or json", optarg);
			break;
		case 'h': audit_help(stdout); return CR_OK;
		default: audit_help(stderr); return CR_EUSAGE;
		}
	}
	if (optind < argc) {
		audit_help(stderr);
		return cr_fail(err, CR_EUSAGE, "audit takes no arguments ('%.40s')", argv[optind]);
	}
	if (since) {
		struct tm tm = { 0 };

		if (!coverage_valid_date(since))
			return cr_fail(err, CR_EUSAGE, "--since: '%.40s' is not a date (YYYY-MM-DD)", since);
		sscanf(since, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		tm.tm_isdst = -1;
		from = (long long)mktime(&tm);
	}
	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	if ((st = audit_admin(cli, db, "audit", &who, err)) != CR_OK)
		goto out;
	if (o.fmt == AF_CSV)
		puts("id,at,staff_id,staff,desk,action,object_kind,object_id,subject,student_id,student_number,purged,detail");
	else if (o.fmt == AF_JSON)
		fputs("[", stdout);
	st = audit_read(db, from, audit_print, &o, err);
	if (o.fmt == AF_JSON)
		fputs(o.n ? "\n]\n" : "]\n", stdout);
	if (st == CR_OK)
		st = audit_write(db, &(struct audit_entry){ .staff = who.id, .desk = cli->cfg.desk, .action = "audit",
							    .detail = since ? since : "all" }, err);
out:
	db_close(db);
	return st;
}

/* ---- purge ------------------------------------------------------------------- */

struct purge_paths {
	char   **v;
	size_t   n;
};

static void purge_paths_add(struct purge_paths *p, const char *path)
{
	struct stat sb;
	char **nv;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return;
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i], path))
			return;
	if (!(nv = realloc(p->v, (p->n + 1) * sizeof *nv)))
		return;
	p->v = nv;
	if ((p->v[p->n] = strdup(path)))
		p->n++;
}

/* The files cardroll writes that hold children: the slip preview beside
 * the database, the desk's printer file, and the batch files of a
 * [sync] target = file folder. */
static void purge_paths_find(const struct cli *cli, struct purge_paths *p)
{
	const struct print_settings *ps = &cli->cfg.print;
	char dir[4096], path[8192];
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof dir, "%s", cli->db_path);
	snprintf(path, sizeof path, "%s/slips-preview.txt", dirname(dir));
	purge_paths_add(p, path);
	if (ps->target[0] && strncmp(ps->target, "tcp://", 6) && strncmp(ps->target, "/dev/", 5) &&
	    strcmp(ps->driver, "cups"))
		purge_paths_add(p, ps->target);
	if (strcmp(cli->cfg.sync.target, "file") || !cli->cfg.sync.folder[0] || !(d = opendir(cli->cfg.sync.folder)))
		return;
	for (int guard = 0; guard < 1000000 && (e = readdir(d)); guard++) {
		if (strncmp(e->d_name, "cardroll-", 9))
			continue;
		snprintf(path, sizeof path, "%s/%s", cli->cfg.sync.folder, e->d_name);
		purge_paths_add(p, path);
	}
	closedir(d);
}

static void purge_help(FILE *f)
{
	fputs(_("usage: cardroll purge [--dry-run]\n"
		"\n"
		"Forgets children, in one transaction: those withdrawn longer than [retention]\n"
		"withdrawn_days (default 90), and, once [retention] school_year_end is past,\n"
		"those who never took a card and are no longer enrolled. Their cards, consent,\n"
		"events, enrollments and slips go with them, and the print preview and batch\n"
		"files that hold them. The report's signups keep their cards as counts; the\n"
		"audit keeps them only as hashes. A child whose event still waits for the\n"
		"library system is held. --dry-run says what would go (counts only).\n"
		"For admins: CARDROLL_STAFF and CARDROLL_PIN sign in.\n"
		"\n"
		"exit: 0 ok; 64 usage or not an admin; 65 name or PIN not recognised;\n"
		"66 no database; 73 a file could not be removed; 75 the database is busy\n"), f);
}

/* What purge did (or, dry, would do): counts only. */
static void purge_say(const struct cli *cli, int dry, const struct purge_counts *pc)
{
	const char *end = cli->cfg.school_year_end;

	if (dry)
		printf(P_("dry run: would remove %lld child withdrawn more than %d days ago\n",
			  "dry run: would remove %lld children withdrawn more than %d days ago\n", pc->withdrawn),
		       pc->withdrawn, cli->cfg.withdrawn_days);
	else
		printf(P_("removed %lld child withdrawn more than %d days ago\n",
			  "removed %lld children withdrawn more than %d days ago\n", pc->withdrawn),
		       pc->withdrawn, cli->cfg.withdrawn_days);
	if (!end[0])
		fputs(dry ? _("would remove 0 children who never took a card ([retention] school_year_end is not set)\n")
			  : _("removed 0 children who never took a card ([retention] school_year_end is not set)\n"), stdout);
	else if (!pc->year_over)
		printf(dry ? _("would remove 0 children who never took a card (the school year ends %s)\n")
			   : _("removed 0 children who never took a card (the school year ends %s)\n"), end);
	else if (dry)
		printf(P_("would remove %lld child who never took a card and is no longer enrolled (the school year "
			  "ended %s)\n",
			  "would remove %lld children who never took a card and are no longer enrolled (the school year "
			  "ended %s)\n", pc->never_carded), pc->never_carded, end);
	else
		printf(P_("removed %lld child who never took a card and is no longer enrolled (the school year "
			  "ended %s)\n",
			  "removed %lld children who never took a card and are no longer enrolled (the school year "
			  "ended %s)\n", pc->never_carded), pc->never_carded, end);
	/* TRANSLATORS: cards, active cards, consent records, events,
	 * enrollments, slips, print jobs, files. */
	printf(_("with them: %lld cards (%lld still active, kept as signup counts for the report), %lld consent "
		 "records, %lld events, %lld enrollments, %lld slips from print jobs (%lld jobs left empty), "
		 "%lld files\n"), pc->cards, pc->cards_active, pc->consents, pc->events, pc->enrollments, pc->slips,
	       pc->print_jobs, pc->files);
	if (pc->held)
		printf(P_("held: %lld child whose events still wait for the library system (`cardroll sync`, "
			  "`cardroll sync --parked`)\n",
			  "held: %lld children whose events still wait for the library system (`cardroll sync`, "
			  "`cardroll sync --parked`)\n", pc->held), pc->held);
}

enum cr_status cmd_purge(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help",    no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct purge_paths files = { 0 };
	struct purge_counts pc;
	struct staff_who who;
	struct cr_db *db;
	enum cr_status st;
	int c, dry = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': dry = 1; break;
		case 'h': purge_help(stdout); return CR_OK;
		default: purge_help(stderr); return CR_EUSAGE;
		}
	}
	if (optind < argc) {
		purge_help(stderr);
		return cr_fail(err, CR_EUSAGE, "purge takes no arguments ('%.40s')", argv[optind]);
	}
	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	if ((st = audit_admin(cli, db, "purge", &who, err)) != CR_OK)
		goto out;
	purge_paths_find(cli, &files);
	st = purge_run(db, &(struct purge_settings){ .school_year_end = cli->cfg.school_year_end,
						     .withdrawn_days = cli->cfg.withdrawn_days, .now = time(NULL),
						     .staff = who.id, .desk = cli->cfg.desk,
						     .files = (const char *const *)files.v, .nfiles = files.n },
		       dry, &pc, err);
	if (st != CR_OK)
		goto out;
	purge_say(cli, dry, &pc);
out:
	for (size_t i = 0; i < files.n; i++)
		free(files.v[i]);
	free(files.v);
	db_close(db);
	return st;
}
