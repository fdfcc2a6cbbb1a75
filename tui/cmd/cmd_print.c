/* cardroll print and cardroll printers: the print queue from a script, and
 * what printers this desk can reach. */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cups_list.h"
#include "printer.h"
#include "printq.h"
#include "desk/slips.h"
#include "text/i18n.h"

#define PRINT_MAX_CARDS 64

static void print_usage(FILE *f)
{
	fputs(_("usage: cardroll print --class CLASS_ID | --card NUMBER... | --job N | --pending\n"
	      "                      [--driver NAME] [--target TARGET] [--out FILE]\n"
	      "                      [--paper letter|a4|58|80]\n"
	      "                      [--layout sheet|cr80|raster|text]\n"
	      "Prints card slips through the desk's printer ([print] in the settings):\n"
	      "  --class CLASS_ID  the class's slips as one job (CLASS_ID: the roster's\n"
	      "                    sourcedId)\n"
	      "  --card NUMBER     one card's slip; repeat for several (one job)\n"
	      "  --job N           print job N again (a job already printed is copied: a\n"
	      "                    reprint)\n"
	      "  --pending         every job waiting or failed (say, the printer was off)\n"
	      "  --out FILE        the driver's output to FILE: a PDF for pdf, the bytes for\n"
	      "                    escpos and zpl\n"
	      "Acts as --staff NAME or CARDROLL_STAFF, with the PIN from CARDROLL_PIN.\n"), f);
}

struct print_run {
	struct cr_db            *db;
	struct printq_dest       dest;
	int                      quiet;
	int                      failed;
	struct cr_err            first;    /* the first failure, for the exit status */
};

static void print_say_target(const struct printq_dest *d)
{
	const char *t = d->target ? d->target : d->ps->target;

	printf(_(" to %s (%s)\n"), t && *t ? t : "?", d->ps->driver);
}

/* Prints one job and says how it went; 0 to go on. */
static int print_job(long long job, void *ctx)
{
	struct print_run *r = ctx;
	struct cr_err err = { 0 };
	long long ran = job;
	int n = 0, skipped = 0;

	if (printq_run(r->db, &r->dest, job, &ran, &n, &skipped, &err) != CR_OK) {
		fprintf(stderr, _("cardroll: print job %lld failed: %s\n"), ran, err.msg);
		if (!r->failed++)
			r->first = err;
		return 0;
	}
	if (!r->quiet && ran == 0)
		printf(_("job %lld was printed meanwhile at another desk\n"), job);
	else if (!r->quiet) {
		printf(P_("printed %d slip (job %lld", "printed %d slips (job %lld", n), n, ran);
		if (ran != job)
			printf(_(", a reprint of job %lld"), job);
		if (skipped)
			printf(P_("; %d void card left out", "; %d void cards left out", skipped), skipped);
		fputs(")", stdout);
		print_say_target(&r->dest);
	}
	return 0;
}

static long long print_class_id(struct cr_db *db, const char *sid, struct cr_err *err)
{
	sqlite3_stmt *q = db_prepare(db, "SELECT id FROM class WHERE sourced_id = ?1", err);
	long long id = 0;

	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return id;
}

enum cr_status cmd_print(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "class",   required_argument, NULL, 'c' },
		{ "card",    required_argument, NULL, 'k' },
		{ "job",     required_argument, NULL, 'j' },
		{ "pending", no_argument,       NULL, 'P' },
		{ "driver",  required_argument, NULL, 'D' },
		{ "target",  required_argument, NULL, 't' },
		{ "out",     required_argument, NULL, 'o' },
		{ "paper",   required_argument, NULL, 'p' },
		{ "layout",  required_argument, NULL, 'l' },
		{ "staff",   required_argument, NULL, 's' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *class_sid = NULL, *cards[PRINT_MAX_CARDS], *target = NULL, *staff_name = NULL;
	struct print_settings ps = cli->cfg.print;
	struct print_run run = { 0 };
	char preview[4200];
	long long job = 0;
	int ncards = 0, pending = 0, c;
	enum cr_status st;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:k:j:PD:t:o:p:l:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': class_sid = optarg; break;
		case 'k':
			if (ncards == PRINT_MAX_CARDS)
				return cr_fail(err, CR_EUSAGE, "at most %d cards at once: use --class", PRINT_MAX_CARDS);
			cards[ncards++] = optarg;
			break;
		case 'j':
			if ((job = atoll(optarg)) <= 0)
				return cr_fail(err, CR_EUSAGE, "--job needs a job number, not '%s'", optarg);
			break;
		case 'P': pending = 1; break;
		case 'D':
			if (!printer_find(optarg))
				return cr_fail(err, CR_EUSAGE, "no printer driver named '%s' (see `cardroll printers`)",
					       optarg);
			snprintf(ps.driver, sizeof ps.driver, "%s", optarg);
			break;
		case 't':
		case 'o': target = optarg; break;
		case 'p': snprintf(ps.paper, sizeof ps.paper, "%s", optarg); break;
		case 'l': snprintf(ps.layout, sizeof ps.layout, "%s", optarg); break;
		case 's': staff_name = optarg; break;
		case 'h': print_usage(stdout); return CR_OK;
		default: print_usage(stderr); return CR_EUSAGE;
		}
	}
	if (!!class_sid + !!ncards + !!job + pending != 1 || optind != argc) {
		print_usage(stderr);
		return cr_fail(err, CR_EUSAGE, "say what to print: --class, --card, --job or --pending");
	}
	if ((st = cli_open_db(cli, DB_NOCREATE, &run.db, err)) != CR_OK)
		return st;
	if ((st = cli_staff(cli, run.db, staff_name, C_("who is ...?", "printing the slips"), &run.dest.staff, err)) != CR_OK)
		goto out;
	/* The preview printer needs no setting: a text file beside the database. */
	if (!target && !ps.target[0] && !strcmp(ps.driver, "preview")) {
		char dir[4096];

		snprintf(dir, sizeof dir, "%s", db_path(run.db));
		snprintf(preview, sizeof preview, "%s/slips-preview.txt", dirname(dir));
		target = preview;
	}
	run.dest.ps = &ps;
	run.dest.target = target;
	run.dest.desk = cli->cfg.desk;
	run.quiet = cli->quiet;
	if (class_sid) {
		long long class_id = print_class_id(run.db, class_sid, err);
		int n = 0;

		if (class_id < 0) {
			st = err->status;
			goto out;
		}
		if (class_id == 0) {
			st = cr_fail(err, CR_ENOINPUT, "no class %s in the roster", class_sid);
			goto out;
		}
		if ((st = slips_queue_class(run.db, class_id, run.dest.staff, ps.driver, &job, &n, err)) != CR_OK)
			goto out;
		if (n == 0) {
			st = cr_fail(err, CR_ENOINPUT, "no child in class %s has a card yet: nothing to print", class_sid);
			goto out;
		}
	} else if (ncards) {
		if ((st = slips_queue_cards(run.db, cards, ncards, run.dest.staff, ps.driver, &job, err)) != CR_OK)
			goto out;
	}
	run.dest.waiting_only = pending;
	if (pending)
		st = printq_pending(run.db, print_job, &run, err);
	else
		print_job(job, &run);
	if (st == CR_OK && run.failed) {
		*err = run.first;
		st = run.first.status;
		/* Already said on stderr, job by job. */
		err->msg[0] = '\0';
	}
out:
	db_close(run.db);
	return st;
}

static void printers_queue(const char *name, const char *state, void *arg)
{
	int *n = arg;

	if ((*n)++ == 0)
		fputs(_("\nCUPS queues:\n"), stdout);
	printf("  %-24s %s\n", name, state);
}

enum cr_status cmd_printers(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	const struct printer_driver *const *all = printer_all();
	const struct print_settings *ps = &cli->cfg.print;
	struct cr_err cerr = { 0 };
	int n = 0;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(_("usage: cardroll printers\n"
			"Lists the printer drivers, this desk's printer and the CUPS queues.\n"), stdout);
		return CR_OK;
	}
	fputs(_("Drivers:\n"), stdout);
	/* The drivers' summaries are marked in printers/ (N_) or here. */
	for (int i = 0; all[i]; i++)
		printf("  %-9s %s%s\n", all[i]->name, _(all[i]->summary),
		       strcmp(all[i]->name, ps->driver) ? "" : _("  (this desk)"));
	printf(_("\nThis desk prints with %s to %s.\n"), ps->driver,
	       ps->target[0] ? ps->target : !strcmp(ps->driver, "preview") ? _("slips-preview.txt beside the database")
					  : _("nothing yet: set [print] target"));
	{
		const struct printer_driver *d = printer_find(ps->driver);
		char state[256];
		struct printer_opts o = { .target = ps->target, .inner = ps->inner[0] ? ps->inner : NULL };

		if (d && d->state && ps->target[0] && d->state(&o, state, sizeof state, &cerr) == CR_OK)
			printf(_("Its state: %s\n"), state);
		else if (cerr.msg[0])
			printf(_("Its state: %s\n"), cerr.msg);
	}
	memset(&cerr, 0, sizeof cerr);
	if (cups_list_queues(printers_queue, &n, &cerr) != CR_OK)
		printf("\nCUPS: %s\n", cerr.msg);
	else if (n == 0)
		fputs(_("\nCUPS: no queues.\n"), stdout);
	return CR_OK;
}
