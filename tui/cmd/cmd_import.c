/* cardroll import SOURCE: a roster into the database, with the row report
 * on screen (or as JSON) and kept with the run for --show-last. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "desk/perm.h"
#include "roster/roster.h"
#include "text/i18n.h"
#include "text/text.h"

static volatile sig_atomic_t import_cancel;

static void import_on_signal(int sig)
{
	(void)sig;
	import_cancel = 1;
}

static void import_help(FILE *f)
{
	fputs(_("usage: cardroll import [--dry-run] [--json] [--quiet] SOURCE\n"
		"       cardroll import --map NAME [--map-file FILE] [--dry-run] [--json]\n"
		"                       FILE.csv\n"
		"       cardroll import --show-last [--json]\n"
		"\n"
		"Imports a district roster: a OneRoster 1.1 or 1.2 CSV package (a folder or a\n"
		".zip; bulk or delta, as its manifest.csv says). One import is one transaction:\n"
		"if it fails or is interrupted, the roster stays exactly as it was. A bulk file\n"
		"is the whole truth: students it no longer lists are marked withdrawn (never\n"
		"deleted). Bad rows are reported with file, line and field, and skipped; the\n"
		"good rows import.\n"
		"\n"
		"A plain CSV export (one row a student) is read through a column mapping:\n"
		"--map-file FILE gives it (an INI file, see cardroll(1)) and saves it as NAME;\n"
		"later imports need only --map NAME.\n"
		"\n"
		"  --dry-run     check and report, change nothing\n"
		"  --json        print the summary and every report entry as one JSON object\n"
		"  --quiet       print nothing but errors\n"
		"  --show-last   show the last import's summary and report again\n"
		"  --map NAME    read a plain CSV through the saved column mapping NAME\n"
		"  --map-file F  the column mapping to use (saved as NAME for next time)\n"
		"\n"
		"exit: 0 imported cleanly; 65 imported but some rows were rejected, or the\n"
		"package is unusable; 66 SOURCE or a required file is missing; 73 the\n"
		"database cannot be written; 75 interrupted (nothing changed)\n"), f);
}

struct import_cli {
	int json, quiet, shown, first;
	int limit;          /* text mode: issues shown before "... more" */
	long total;
};

static void import_progress_line(const struct roster_progress *p, time_t started)
{
	double secs = difftime(time(NULL), started);
	double rate = secs > 0 ? p->rows / secs : 0;
	double frac = p->bytes_total ? (double)p->bytes_done / (double)p->bytes_total : 0;
	long eta = (frac > 0.01 && secs > 0) ? (long)(secs / frac - secs) : -1;

	fprintf(stderr, "\r\033[K%-22s %3.0f%%  ", p->file ? p->file : "", frac * 100);
	fprintf(stderr, P_("%ld row  %.0f rows/s", "%ld rows  %.0f rows/s", p->rows), p->rows, rate);
	if (eta >= 0)
		fprintf(stderr, _("  ETA %ld:%02ld"), eta / 60, eta % 60);
}

static time_t import_started;

static int import_progress(const struct roster_progress *p, void *ctx)
{
	(void)ctx;
	import_progress_line(p, import_started);
	return 0;
}

static int import_issue_out(const struct roster_issue *is, void *ctx)
{
	struct import_cli *ic = ctx;

	ic->total++;
	if (ic->json) {
		fputs(ic->first ? "\n    " : ",\n    ", stdout);
		ic->first = 0;
		fputs("{\"file\": ", stdout);
		cli_json_string(stdout, is->file);
		printf(", \"line\": %ld, \"field\": ", is->line);
		cli_json_string(stdout, is->field);
		fputs(", \"severity\": ", stdout);
		cli_json_string(stdout, is->severity);
		fputs(", \"reason\": ", stdout);
		cli_json_string(stdout, is->reason);
		fputs("}", stdout);
		return 0;
	}
	if (ic->quiet || (ic->limit > 0 && ic->shown >= ic->limit))
		return 0;
	ic->shown++;
	{
		char *reason = text_inert(is->reason, 0);

		if (is->line > 0)
			printf("  %s:%ld", is->file, is->line);
		else
			printf("  %s", is->file);
		if (*is->field)
			printf(" [%s]", is->field);
		printf(": %s: %s\n", !strcmp(is->severity, "error") ? C_("import severity", "error")
		       : !strcmp(is->severity, "warning") ? C_("import severity", "warning") : is->severity, reason ? reason : "?");
		free(reason);
	}
	return 0;
}

static void import_summary_text(const struct roster_summary *s, const char *source, long long finished)
{
	char when[64] = "";
	struct tm tm;
	time_t t = (time_t)finished;

	if (finished > 0 && localtime_r(&t, &tm))
		strftime(when, sizeof when, _(" on %Y-%m-%d %H:%M"), &tm);
	/* TRANSLATORS: the district (or "the roster"), the kind (bulk, delta,
	 * csv), the source, the time (" on 2026-09-01 10:00" or nothing). */
	printf(s->dry_run ? _("Dry run of %s (%s) from %s%s\n")
	       : !strcmp(s->outcome, "ok") ? _("Imported %s (%s) from %s%s\n") : _("Import failed for %s (%s) from %s%s\n"),
	       s->district[0] ? s->district : C_("import summary", "the roster"), s->kind, source, when);
	printf(_("  added %ld, updated %ld, withdrawn %ld, rejected rows %ld, warnings %ld"),
	       s->added, s->updated, s->withdrawn, s->rejected, s->warnings);
	if (s->refused_files)
		printf(_(", refused files %ld"), s->refused_files);
	putchar('\n');
	if (s->dry_run)
		fputs(_("  (dry run: nothing was changed)\n"), stdout);
}

static void import_summary_json(const struct roster_summary *s, const char *source)
{
	printf("{\n  \"run_id\": %lld,\n  \"source\": ", s->run_id);
	cli_json_string(stdout, source);
	fputs(",\n  \"kind\": ", stdout);
	cli_json_string(stdout, s->kind);
	fputs(",\n  \"district\": ", stdout);
	cli_json_string(stdout, s->district);
	fputs(",\n  \"outcome\": ", stdout);
	cli_json_string(stdout, s->outcome);
	printf(",\n  \"dry_run\": %s,\n  \"summary\": {\"added\": %ld, \"updated\": %ld, "
	       "\"withdrawn\": %ld, \"rejected\": %ld, \"warnings\": %ld, \"refused_files\": %ld},\n"
	       "  \"issues\": [",
	       s->dry_run ? "true" : "false", s->added, s->updated, s->withdrawn, s->rejected, s->warnings,
	       s->refused_files);
}

static enum cr_status import_show(struct cr_db *db, long long run_id, struct import_cli *ic,
				  struct cr_err *err)
{
	struct roster_summary sum;
	char source[4096];
	long long finished = 0;
	enum cr_status st;

	if ((st = roster_run_summary(db, run_id, &sum, source, sizeof source, &finished, err)) != CR_OK)
		return st;
	if (ic->json)
		import_summary_json(&sum, source);
	else if (!ic->quiet)
		import_summary_text(&sum, source, finished);
	ic->first = 1;
	if (!ic->json && !ic->quiet && (sum.rejected || sum.warnings || sum.refused_files))
		fputs(_("Report:\n"), stdout);
	st = roster_run_issues(db, run_id, import_issue_out, ic, err);
	if (ic->json)
		fputs(ic->first ? "]\n}\n" : "\n  ]\n}\n", stdout);
	else if (!ic->quiet && ic->limit > 0 && ic->total > ic->shown)
		printf(_("  ... and %ld more: cardroll import --show-last\n"), ic->total - ic->shown);
	return st;
}

const char *import_rejected_msg(long n)
{
	static char msg[256];

	snprintf(msg, sizeof msg,
		 P_("%ld row was rejected (see the report above); the good rows were imported",
		    "%ld rows were rejected (see the report above); the good rows were imported", n), n);
	return msg;
}

const char *import_refused_msg(long n)
{
	static char msg[256];

	snprintf(msg, sizeof msg,
		 P_("%ld file of the package was refused (see the report above); the rest was imported",
		    "%ld files of the package were refused (see the report above); the rest was imported", n), n);
	return msg;
}

enum cr_status cmd_import(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "dry-run",   no_argument, NULL, 'n' },
		{ "json",      no_argument, NULL, 'j' },
		{ "quiet",     no_argument, NULL, 'q' },
		{ "show-last", no_argument, NULL, 'l' },
		{ "map",       required_argument, NULL, 'm' },
		{ "map-file",  required_argument, NULL, 'M' },
		{ "help",      no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct roster_options opt = { .cancel = &import_cancel };
	struct import_cli ic = { .limit = 50 };
	struct roster_summary sum;
	struct sigaction sa = { 0 };
	struct cr_db *db;
	long long me = 0;
	enum cr_status st, shown;
	int show_last = 0, c;

	optind = 0;  /* 0: glibc starts getopt afresh for this argv */
	while ((c = getopt_long(argc, argv, "njqlhm:M:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': opt.dry_run = 1; break;
		case 'j': ic.json = 1; break;
		case 'q': ic.quiet = 1; break;
		case 'l': show_last = 1; break;
		case 'm': opt.map_name = optarg; break;
		case 'M': opt.map_file = optarg; break;
		case 'h': import_help(stdout); return CR_OK;
		default:  import_help(stderr); return CR_EUSAGE;
		}
	}
	if (show_last) {
		long long run;

		if (optind != argc)
			return cr_fail(err, CR_EUSAGE, "--show-last takes no SOURCE");
		if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
			return st;
		if ((st = cli_actor(cli, db, PERM_IMPORT, &me, err)) != CR_OK) {
			db_close(db);
			return st;
		}
		if ((st = roster_last_run(db, &run, err)) == CR_OK) {
			ic.limit = 0;
			st = run ? import_show(db, run, &ic, err)
				 : cr_fail(err, CR_ENOINPUT, "no import has been run on %s yet", cli->db_path);
		}
		db_close(db);
		return st;
	}
	if (optind + 1 != argc) {
		import_help(stderr);
		return cr_fail(err, CR_EUSAGE, "import needs exactly one SOURCE (a folder, .zip or .csv)");
	}
	if (opt.map_file && !opt.map_name)
		return cr_fail(err, CR_EUSAGE, "--map-file needs --map NAME to save the mapping under");
	opt.source = argv[optind];
	if ((st = cli_open_db(cli, 0, &db, err)) != CR_OK)
		return st;
	if ((st = cli_actor(cli, db, PERM_IMPORT, &me, err)) != CR_OK) {
		db_close(db);
		return st;
	}

	sa.sa_handler = import_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!ic.json && !ic.quiet && isatty(STDERR_FILENO)) {
		import_started = time(NULL);
		opt.progress = import_progress;
	}
	st = roster_import(db, &opt, &sum, err);
	if (opt.progress)
		fputs("\r\033[K", stderr);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);

	if (sum.run_id) {
		struct cr_err e2 = { 0 };

		shown = import_show(db, sum.run_id, &ic, &e2);
		if (shown != CR_OK && st == CR_OK) {
			*err = e2;
			st = shown;
		}
	}
	if (st == CR_OK && sum.rejected > 0)
		st = cr_fail(err, CR_EDATA, "%s", import_rejected_msg(sum.rejected));
	else if (st == CR_OK && sum.refused_files > 0)
		st = cr_fail(err, CR_EDATA, "%s", import_refused_msg(sum.refused_files));
	db_close(db);
	return st;
}
