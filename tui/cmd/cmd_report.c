/* cardroll report: coverage by district, school, grade or class, signups
 * per day and week, and the goals, as text, CSV, JSON or a PDF (drawn by
 * printers/report_pdf.c); aggregates only, small cells suppressed in
 * whatever leaves the terminal. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "desk/perm.h"
#include "desk/coverage.h"
#include "desk/goals.h"
#include "desk/profile.h"
#include "report_pdf.h"
#include "store/audit.h"
#include "text/i18n.h"
#include "text/text.h"

/* The version of the CSV and JSON layouts (README "Reports"). */
#define REPORT_VERSION 1

enum report_format { FMT_TEXT, FMT_CSV, FMT_JSON, FMT_PDF };

static const char *const by_name[] = { "district", "school", "grade", "class" };
/* The same, for a person (text and PDF). */
static const char *const by_label[] = { N_("by district"), N_("by school"), N_("by grade"), N_("by class") };

struct report {
	enum report_format      format;
	int                     suppress;   /* min_cell, 0: show every count */
	const char             *since;
	char                    today[16];
	char                    generated[32];
	struct coverage         cov;
	struct coverage         schools;    /* school level, for the goals' suppression */
	struct coverage_signups su;
	struct profile          prof;
	FILE                   *f;
	int                     ngoals;
	int                     label_width;  /* text: the first column */
	struct report_pdf_goal *pdf_goals;    /* pdf: the goals, copied out of goal_each */
	size_t                  pdf_ngoals, pdf_cap;
};

static void report_help(FILE *f)
{
	fprintf(f, _("usage: cardroll report [--format text|csv|json|pdf] [--out FILE]\n"
		"                       [--by district|school|grade|class] [--since YYYY-MM-DD]\n"
		"                       [--max-pages N]\n"
		"\n"
		"Coverage (enrolled, carded, carded before, opted out, consent pending,\n"
		"%% covered) by district, school (default), grade or class; signups per day\n"
		"and per week (--since: from that day); and each goal (`cardroll goal`) with\n"
		"the children still needed and the pace a week to reach it. Counts only: no\n"
		"names, IDs or cards.\n"
		"\n"
		"CSV, JSON, PDF, and text written with --out hide every count under [report]\n"
		"min_cell (default 5) and the cells that would give one back; the report says\n"
		"how many. --out writes FILE (mode 0600) instead of standard output. PDF: a\n"
		"printable report (the commitment, the goals, signups over time, a bar a row)\n"
		"on [report] paper (a4, letter, or auto: the locale's); it needs --out or a\n"
		"pipe, not a terminal. A PDF longer than --max-pages (default 250) is refused\n"
		"before it is written, saying how long it would be.\n"
		"\n"
		"exit: 0 ok; 64 usage; 66 no database; 73 FILE cannot be created\n"));
}

/* ---- one value, in each format ------------------------------------------- */

static void put_text(FILE *f, const char *s)
{
	char *safe = text_inert(s, 0);

	fputs(safe ? safe : "?", f);
	free(safe);
}

static void put_csv(FILE *f, const char *s)
{
	char *safe = text_inert(s, 0);
	const char *p = safe ? safe : "";

	/* A cell starting with = + - @ is a formula to a spreadsheet. */
	if (strpbrk(p, ",\"\n\r") || (*p && strchr("=+-@", *p))) {
		fputc('"', f);
		if (*p && strchr("=+-@", *p))
			fputc('\'', f);
		for (; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	} else {
		fputs(p, f);
	}
	free(safe);
}

/* v in decimal, into the end of b (24 bytes): printf's parsing, a few
 * million times over in a class report, is a tenth of its time. */
static const char *dec(long long v, char b[24])
{
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	char *p = b + 23;

	*p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	return p;
}

static void put_num(const struct report *r, long long v, int hidden, int width)
{
	char b[24];

	switch (r->format) {
	case FMT_TEXT:
		if (hidden)
			fprintf(r->f, "%*s", width, "*");
		else
			fprintf(r->f, "%*lld", width, v);
		break;
	case FMT_CSV:
		fputs(hidden ? "suppressed" : dec(v, b), r->f);
		break;
	case FMT_JSON:
		fputs(hidden ? "null" : dec(v, b), r->f);
		break;
	case FMT_PDF:
		break;   /* report_pdf.c draws its own */
	}
}

static void put_pct(const struct report *r, double v, int hidden, int width)
{
	if (hidden) {
		fprintf(r->f, "%*s", r->format == FMT_TEXT ? width : 0,
			r->format == FMT_TEXT ? "*" : r->format == FMT_CSV ? "suppressed" : "null");
		return;
	}
	fprintf(r->f, "%*.1f", r->format == FMT_TEXT ? width : 0, v);
}

/* ---- the coverage table ---------------------------------------------------- */

static const char *row_label(const struct report *r, const struct coverage_row *w, char *buf, size_t len)
{
	switch (r->cov.by) {
	case COVERAGE_DISTRICT: snprintf(buf, len, "%s", w->district); break;
	case COVERAGE_SCHOOL:   snprintf(buf, len, "%s / %s", w->district, w->school); break;
	case COVERAGE_GRADE:    snprintf(buf, len, _("%s / grade %s"), w->district, w->grade[0] ? w->grade : "?"); break;
	case COVERAGE_CLASS:    snprintf(buf, len, "%s / %s / %s (%s)", w->district, w->school, w->class_title,
					 w->class_id); break;
	}
	return buf;
}

static void text_row(struct report *r, const char *label, const struct coverage_row *w)
{
	int col = 0;

	put_text(r->f, label);
	col = text_width(label);
	fprintf(r->f, "%*s", col < r->label_width ? r->label_width - col : 1, "");
	for (int c = 0; c < COV_NCOLS; c++)
		put_num(r, w->n[c], (int)(w->hidden >> c) & 1, c == 0 ? 9 : 10);
	put_pct(r, coverage_pct(w), (w->hidden & COVERAGE_PCT_HIDDEN) != 0, 9);
	fputc('\n', r->f);
}

static void csv_row(struct report *r, const char *section, const struct coverage_row *w)
{
	fprintf(r->f, "%d,%s,", REPORT_VERSION, section);
	put_csv(r->f, w->district);
	fputc(',', r->f);
	put_csv(r->f, w->school);
	fputc(',', r->f);
	put_csv(r->f, w->grade);
	fputc(',', r->f);
	put_csv(r->f, w->class_id);
	fputc(',', r->f);
	put_csv(r->f, w->class_title);
	fputs(",,", r->f);
	for (int c = 0; c < COV_NCOLS; c++) {
		put_num(r, w->n[c], (int)(w->hidden >> c) & 1, 0);
		fputc(',', r->f);
	}
	put_pct(r, coverage_pct(w), (w->hidden & COVERAGE_PCT_HIDDEN) != 0, 0);
	fputs(",,,,,,\n", r->f);
}

static void json_row(struct report *r, const struct coverage_row *w, int total)
{
	fputs("{", r->f);
	if (!total) {
		fputs("\"district\": ", r->f);
		cli_json_string(r->f, w->district);
		if (r->cov.by == COVERAGE_SCHOOL || r->cov.by == COVERAGE_CLASS) {
			fputs(", \"school\": ", r->f);
			cli_json_string(r->f, w->school);
		}
		if (r->cov.by == COVERAGE_GRADE) {
			fputs(", \"grade\": ", r->f);
			cli_json_string(r->f, w->grade);
		}
		if (r->cov.by == COVERAGE_CLASS) {
			fputs(", \"class_id\": ", r->f);
			cli_json_string(r->f, w->class_id);
			fputs(", \"class\": ", r->f);
			cli_json_string(r->f, w->class_title);
		}
		fputs(", ", r->f);
	}
	for (int c = 0; c < COV_NCOLS; c++) {
		fputc('"', r->f);
		fputs(coverage_col_name[c], r->f);
		fputs("\": ", r->f);
		put_num(r, w->n[c], (int)(w->hidden >> c) & 1, 0);
		fputs(", ", r->f);
	}
	fputs("\"pct_covered\": ", r->f);
	put_pct(r, coverage_pct(w), (w->hidden & COVERAGE_PCT_HIDDEN) != 0, 0);
	fputs("}", r->f);
}

/* ---- goals ---------------------------------------------------------------- */

/* A goal's numbers are hidden where its scope's counts are (school level). */
static int goal_hidden(const struct report *r, const struct goal_progress *g)
{
	unsigned in = (1u << COV_ENROLLED) | (1u << COV_CARDED) | COVERAGE_PCT_HIDDEN;

	if (!r->suppress)
		return 0;
	if (!g->school_rowid)
		return (r->schools.total.hidden & in) != 0;
	for (size_t i = 0; i < r->schools.nrows; i++)
		if (r->schools.rows[i].school_rowid == g->school_rowid)
			return (r->schools.rows[i].hidden & in) != 0;
	return 1;
}

static int goal_emit(const struct goal_progress *g, void *ctx)
{
	struct report *r = ctx;
	int hid = goal_hidden(r, g);
	char scope[300];

	snprintf(scope, sizeof scope, "%s", g->school_rowid ? g->school : _("the whole programme"));
	switch (r->format) {
	case FMT_TEXT:
		if (r->ngoals == 0)
			fputs(_("\nGoals\n"), r->f);
		fputs("  ", r->f);
		put_text(r->f, scope);
		fprintf(r->f, _(": %g%% by %s; now "), g->target_pct, g->due);
		put_pct(r, g->pct, hid, 0);
		fputs("%; ", r->f);
		if (hid) {
			fputs(_("children needed and pace suppressed (small counts)"), r->f);
		} else if (g->needed == 0) {
			fputs(C_("goal", "met"), r->f);
		} else {
			fprintf(r->f, P_("%lld more child needed", "%lld more children needed", g->needed), g->needed);
			if (g->days_left < 0)
				fprintf(r->f, P_("; the date passed %ld day ago", "; the date passed %ld days ago",
						 -g->days_left), -g->days_left);
			else
				fprintf(r->f, P_(", %lld a week for %ld day", ", %lld a week for %ld days", g->days_left),
					g->per_week, g->days_left);
		}
		fputc('\n', r->f);
		break;
	case FMT_CSV:
		fprintf(r->f, "%d,goal,", REPORT_VERSION);
		put_csv(r->f, g->district);
		fputc(',', r->f);
		put_csv(r->f, g->school);
		fputs(",,,,,,,,,,", r->f);
		put_pct(r, g->pct, hid, 0);
		fprintf(r->f, ",,%g,%s,", g->target_pct, g->due);
		put_num(r, g->needed, hid, 0);
		fprintf(r->f, ",%ld,", g->days_left);
		put_num(r, g->per_week, hid, 0);
		fputc('\n', r->f);
		break;
	case FMT_JSON:
		fputs(r->ngoals ? ",\n    " : "\n    ", r->f);
		fputs("{\"scope\": ", r->f);
		cli_json_string(r->f, g->school_rowid ? "school" : "programme");
		if (g->school_rowid) {
			fputs(", \"district\": ", r->f);
			cli_json_string(r->f, g->district);
			fputs(", \"school\": ", r->f);
			cli_json_string(r->f, g->school);
		}
		fprintf(r->f, ", \"target_pct\": %g, \"due\": \"%s\", \"pct_covered\": ", g->target_pct, g->due);
		put_pct(r, g->pct, hid, 0);
		fputs(", \"needed\": ", r->f);
		put_num(r, g->needed, hid, 0);
		fprintf(r->f, ", \"days_left\": %ld, \"per_week\": ", g->days_left);
		put_num(r, g->per_week, hid, 0);
		fputs("}", r->f);
		break;
	case FMT_PDF:
		break;   /* goal_keep */
	}
	r->ngoals++;
	return 0;
}

static const char *suppress_note(const struct report *r, int human, char *buf, size_t len);

/* pdf: the goals are kept for the drawing, which comes after goal_each. */
static int goal_keep(const struct goal_progress *g, void *ctx)
{
	struct report *r = ctx;
	struct report_pdf_goal *k;

	if (r->pdf_ngoals == r->pdf_cap) {
		size_t cap = r->pdf_cap ? 2 * r->pdf_cap : 8;
		struct report_pdf_goal *g2 = realloc(r->pdf_goals, cap * sizeof *g2);

		if (!g2)
			return -1;
		r->pdf_goals = g2;
		r->pdf_cap = cap;
	}
	k = &r->pdf_goals[r->pdf_ngoals++];
	memset(k, 0, sizeof *k);
	snprintf(k->scope, sizeof k->scope, "%s", g->school_rowid ? g->school : "");
	snprintf(k->due, sizeof k->due, "%s", g->due);
	k->target_pct = g->target_pct;
	k->pct = g->pct;
	k->needed = g->needed;
	k->per_week = g->per_week;
	k->days_left = g->days_left;
	k->hidden = goal_hidden(r, g);
	return 0;
}

static enum cr_status report_pdf(struct cr_db *db, struct report *r, const char *paper, int max_pages,
			         struct cr_err *err)
{
	char note[300];
	struct report_pdf in = {
		.paper = paper, .today = r->today, .since = r->since, .prof = &r->prof,
		.cov = &r->cov, .schools = &r->schools, .su = &r->su,
		.suppression = r->suppress ? suppress_note(r, 1, note, sizeof note) : NULL,
		.max_pages = max_pages,
	};
	enum cr_status st = goal_each(db, r->today, goal_keep, r, err);

	if (st != CR_OK)
		return st;
	in.goals = r->pdf_goals;
	in.ngoals = r->pdf_ngoals;
	return report_pdf_write(&in, r->f, err);
}

/* ---- the whole report ---------------------------------------------------- */

/* human: in the person's language (text, PDF); else English (JSON). */
static const char *suppress_note(const struct report *r, int human, char *buf, size_t len)
{
	int n = r->suppress - 1, cells = r->cov.suppressed + r->su.suppressed;

	if (human)
		snprintf(buf, len, _("counts from 1 to %d children are suppressed, and so are the cells that would let "
				     "them be worked out from a total or a percentage (%d cells in all)"), n, cells);
	else
		snprintf(buf, len, "counts from 1 to %d children are suppressed, and so are the cells that would let "
			 "them be worked out from a total or a percentage (%d cells in all)", n, cells);
	return buf;
}

/* A column heading right-aligned in width columns (display width), with
 * at least one space before it. */
static void text_heading(FILE *f, const char *h, int width)
{
	int w = text_width(h);

	fprintf(f, "%*s%s", w < width ? width - w : 1, "", h);
}

static enum cr_status report_write(struct cr_db *db, struct report *r, struct cr_err *err)
{
	char label[600], note[300];
	enum cr_status st = CR_OK;
	size_t i;

	switch (r->format) {
	case FMT_TEXT:
		if (r->since)
			fprintf(r->f, _("cardroll report, %s (%s, signups since %s)\n"), r->today,
				_(by_label[r->cov.by]), r->since);
		else
			fprintf(r->f, _("cardroll report, %s (%s)\n"), r->today, _(by_label[r->cov.by]));
		if (r->prof.chief[0] || r->prof.superintendent[0] || r->prof.director[0] || r->prof.committed[0]) {
			if (r->prof.committed[0])
				fprintf(r->f, _("Committed on %s: "), r->prof.committed);
			else
				fputs(_("Committed: "), r->f);
			put_text(r->f, r->prof.chief[0] ? r->prof.chief : "-");
			fputs(_(" (chief elected official), "), r->f);
			put_text(r->f, r->prof.superintendent[0] ? r->prof.superintendent : "-");
			fputs(_(" (superintendent), "), r->f);
			put_text(r->f, r->prof.director[0] ? r->prof.director : "-");
			fputs(_(" (library director)\n"), r->f);
		}
		fputc('\n', r->f);
		r->label_width = 8;
		for (i = 0; i < r->cov.nrows; i++) {
			int w = text_width(row_label(r, &r->cov.rows[i], label, sizeof label)) + 2;

			if (w > r->label_width)
				r->label_width = w;
		}
		fprintf(r->f, "%-*s", r->label_width, "");
		/* TRANSLATORS: the coverage table's column headings: at most 8
		 * columns wide each (9 for "enrolled"). */
		text_heading(r->f, C_("report heading", "enrolled"), 9);
		text_heading(r->f, C_("report heading", "carded"), 10);
		text_heading(r->f, C_("report heading", "before"), 10);
		text_heading(r->f, C_("report heading", "opted out"), 10);
		text_heading(r->f, C_("report heading", "pending"), 10);
		text_heading(r->f, C_("report heading", "covered%"), 9);
		fputc('\n', r->f);
		for (i = 0; i < r->cov.nrows; i++)
			text_row(r, row_label(r, &r->cov.rows[i], label, sizeof label), &r->cov.rows[i]);
		text_row(r, C_("report heading", "all"), &r->cov.total);
		fputs(_("\nSignups by week (Monday)\n"), r->f);
		for (i = 0; i < r->su.nweeks; i++) {
			fprintf(r->f, "  %s", r->su.weeks[i].day);
			put_num(r, r->su.weeks[i].n, r->su.weeks[i].hidden, 8);
			fputc('\n', r->f);
		}
		fputs(_("Signups by day\n"), r->f);
		for (i = 0; i < r->su.ndays; i++) {
			fprintf(r->f, "  %s", r->su.days[i].day);
			put_num(r, r->su.days[i].n, r->su.days[i].hidden, 8);
			fputc('\n', r->f);
		}
		fputs("  total     ", r->f);
		put_num(r, r->su.total.n, r->su.total.hidden, 8);
		fputc('\n', r->f);
		st = goal_each(db, r->today, goal_emit, r, err);
		fputs(_("\n\"before\": already a library patron before the programme, as the library system said when "
			"sync linked the card\n(not counted again in \"carded\").\n"), r->f);
		if (r->suppress)
			fprintf(r->f, "*: %s.\n", suppress_note(r, 1, note, sizeof note));
		break;
	case FMT_CSV:
		fputs("version,section,district,school,grade,class_id,class,period,enrolled,carded,carded_before,"
		      "opted_out,consent_pending,pct_covered,signups,target_pct,due,needed,days_left,per_week\n", r->f);
		for (i = 0; i < r->cov.nrows; i++)
			csv_row(r, "coverage", &r->cov.rows[i]);
		csv_row(r, "total", &r->cov.total);
		for (i = 0; i < r->su.ndays + r->su.nweeks; i++) {
			const struct coverage_count *c = i < r->su.ndays ? &r->su.days[i] : &r->su.weeks[i - r->su.ndays];

			fprintf(r->f, "%d,%s,,,,,,%s,,,,,,,", REPORT_VERSION, i < r->su.ndays ? "signups_day" : "signups_week",
				c->day);
			put_num(r, c->n, c->hidden, 0);
			fputs(",,,,,\n", r->f);
		}
		fprintf(r->f, "%d,signups_total,,,,,,%s,,,,,,,", REPORT_VERSION, r->since ? r->since : "");
		put_num(r, r->su.total.n, r->su.total.hidden, 0);
		fputs(",,,,,\n", r->f);
		st = goal_each(db, r->today, goal_emit, r, err);
		break;
	case FMT_PDF:
		break;   /* report_pdf */
	case FMT_JSON:
		fprintf(r->f, "{\n  \"report_version\": %d,\n  \"generated\": \"%s\",\n  \"by\": \"%s\",\n  \"since\": ",
			REPORT_VERSION, r->generated, by_name[r->cov.by]);
		if (r->since)
			fprintf(r->f, "\"%s\"", r->since);
		else
			fputs("null", r->f);
		fprintf(r->f, ",\n  \"min_cell\": %d,\n  \"suppressed_cells\": %d,\n  \"suppression\": ", r->suppress,
			r->cov.suppressed + r->su.suppressed);
		if (r->suppress)
			cli_json_string(r->f, suppress_note(r, 0, note, sizeof note));
		else
			fputs("null", r->f);
		fputs(",\n  \"profile\": {\"chief_elected_official\": ", r->f);
		cli_json_string(r->f, r->prof.chief);
		fputs(", \"superintendent\": ", r->f);
		cli_json_string(r->f, r->prof.superintendent);
		fputs(", \"library_director\": ", r->f);
		cli_json_string(r->f, r->prof.director);
		fputs(", \"commitment_date\": ", r->f);
		cli_json_string(r->f, r->prof.committed);
		fputs("}", r->f);
		fputs(",\n  \"coverage\": [", r->f);
		for (i = 0; i < r->cov.nrows; i++) {
			fputs(i ? ",\n    " : "\n    ", r->f);
			json_row(r, &r->cov.rows[i], 0);
		}
		fputs(r->cov.nrows ? "\n  ],\n  \"total\": " : "],\n  \"total\": ", r->f);
		json_row(r, &r->cov.total, 1);
		fputs(",\n  \"signups\": {\n    \"days\": [", r->f);
		for (i = 0; i < r->su.ndays; i++) {
			fprintf(r->f, "%s{\"day\": \"%s\", \"signups\": ", i ? ", " : "", r->su.days[i].day);
			put_num(r, r->su.days[i].n, r->su.days[i].hidden, 0);
			fputs("}", r->f);
		}
		fputs("],\n    \"weeks\": [", r->f);
		for (i = 0; i < r->su.nweeks; i++) {
			fprintf(r->f, "%s{\"week\": \"%s\", \"signups\": ", i ? ", " : "", r->su.weeks[i].day);
			put_num(r, r->su.weeks[i].n, r->su.weeks[i].hidden, 0);
			fputs("}", r->f);
		}
		fputs("],\n    \"total\": ", r->f);
		put_num(r, r->su.total.n, r->su.total.hidden, 0);
		fputs("\n  },\n  \"goals\": [", r->f);
		st = goal_each(db, r->today, goal_emit, r, err);
		fputs(r->ngoals ? "\n  ]\n}\n" : "]\n}\n", r->f);
		break;
	}
	return st;
}

/* Opens path for writing, mode 0600, through a temporary file beside it
 * (renamed when the report is whole). */
static enum cr_status report_open(const char *path, char *tmp, size_t len, FILE **f, struct cr_err *err)
{
	int fd;

	if ((size_t)snprintf(tmp, len, "%s.tmp-XXXXXX", path) >= len)
		return cr_fail(err, CR_EUSAGE, "--out: the path is too long");
	if ((fd = mkstemp(tmp)) < 0) {
		int e = errno;
		char dir[4096];
		const char *slash = strrchr(path, '/');

		snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
		if (e == ENOENT)
			return cr_fail(err, CR_ECANTCREATE, "cannot create %s: the folder %s does not exist", path,
				       dir[0] ? dir : "/");
		return cr_fail(err, CR_ECANTCREATE, "cannot create %s: %s", path, strerror(e));
	}
	fchmod(fd, 0600);
	if (!(*f = fdopen(fd, "w"))) {
		close(fd);
		unlink(tmp);
		return cr_fail(err, CR_ECANTCREATE, "cannot create %s: %s", path, strerror(errno));
	}
	return CR_OK;
}

enum cr_status cmd_report(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "out",    required_argument, NULL, 'o' },
		{ "by",     required_argument, NULL, 'b' },
		{ "since",  required_argument, NULL, 's' },
		{ "max-pages", required_argument, NULL, 'm' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report r = { .format = FMT_TEXT, .f = stdout };
	enum coverage_by by = COVERAGE_SCHOOL;
	const char *out = NULL;
	char tmp[4200] = "";
	struct cr_db *db;
	long long me = 0;
	enum cr_status st;
	time_t now = time(NULL);
	struct tm tm;
	long ngoals = 0;
	int c, max_pages = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "f:o:b:s:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "text"))
				r.format = FMT_TEXT;
			else if (!strcmp(optarg, "csv"))
				r.format = FMT_CSV;
			else if (!strcmp(optarg, "json"))
				r.format = FMT_JSON;
			else if (!strcmp(optarg, "pdf"))
				r.format = FMT_PDF;
			else
				return cr_fail(err, CR_EUSAGE, "--format: '%.40s' is not text, csv, json or pdf", optarg);
			break;
		case 'o': out = optarg; break;
		case 'b': {
			size_t i;

			for (i = 0; i < 4 && strcmp(by_name[i], optarg); i++)
				;
			if (i == 4)
				return cr_fail(err, CR_EUSAGE, "--by: '%.40s' is not district, school, grade or class", optarg);
			by = (enum coverage_by)i;
			break;
		}
		case 's':
			if (!coverage_valid_date(optarg))
				return cr_fail(err, CR_EUSAGE, "--since: '%.40s' is not a date (YYYY-MM-DD)", optarg);
			r.since = optarg;
			break;
		case 'm': {
			char *end = NULL;
			long n;

			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 1 || n > 1000000)
				return cr_fail(err, CR_EUSAGE, "--max-pages: '%.40s' is not a number of pages (1 to 1000000)",
					       optarg);
			max_pages = (int)n;
			break;
		}
		case 'h': report_help(stdout); return CR_OK;
		default:  report_help(stderr); return CR_EUSAGE;
		}
	}
	if (optind < argc) {
		report_help(stderr);
		return cr_fail(err, CR_EUSAGE, "report takes no arguments ('%.40s')", argv[optind]);
	}
	if (out && !*out)
		return cr_fail(err, CR_EUSAGE, "--out needs a file name");
	if (max_pages && r.format != FMT_PDF)
		return cr_fail(err, CR_EUSAGE, "--max-pages is for --format pdf");
	if (r.format == FMT_PDF && !out && isatty(STDOUT_FILENO))
		return cr_fail(err, CR_EUSAGE, "--format pdf: give --out FILE.pdf (a PDF is not for the terminal)");
	/* What leaves the terminal is suppressed: CSV and JSON always, text in a file. */
	if (r.format != FMT_TEXT || out)
		r.suppress = cli->cfg.report_min_cell >= 3 ? cli->cfg.report_min_cell : 5;
	goal_today(r.today, sizeof r.today);
	gmtime_r(&now, &tm);
	strftime(r.generated, sizeof r.generated, "%Y-%m-%dT%H:%M:%SZ", &tm);

	if ((st = cli_open_db(cli, DB_NOCREATE, &db, err)) != CR_OK)
		return st;
	/* A report that leaves the building (CSV, JSON, a file) is an export. */
	if ((st = cli_actor(cli, db, r.suppress ? PERM_EXPORT : PERM_REPORT, &me, err)) != CR_OK) {
		db_close(db);
		return st;
	}
	/* One pass by school serves the schools, the districts, the class
	 * total and the goals; a report by grade without goals needs none. */
	if ((st = goal_count(db, &ngoals, err)) != CR_OK || (st = profile_get(db, &r.prof, err)) != CR_OK)
		goto done;
	if (by != COVERAGE_GRADE || ngoals || r.format == FMT_PDF) {
		if ((st = coverage_read(db, COVERAGE_SCHOOL, &r.schools, err)) != CR_OK)
			goto done;
		st = coverage_read_with(db, by, &r.schools, &r.cov, err);
	} else {
		st = coverage_read(db, by, &r.cov, err);
	}
	if (st != CR_OK)
		goto done;
	if ((st = coverage_signups_read(db, r.since, &r.su, err)) != CR_OK)
		goto done;
	if (r.suppress) {
		coverage_suppress(&r.cov, r.suppress);
		coverage_suppress(&r.schools, r.suppress);
		coverage_signups_suppress(&r.su, r.suppress);
	}
	if (out && (st = report_open(out, tmp, sizeof tmp, &r.f, err)) != CR_OK)
		goto done;
	st = r.format == FMT_PDF ? report_pdf(db, &r, cli->cfg.report_paper, max_pages ? max_pages : REPORT_PDF_MAX_PAGES, err)
				 : report_write(db, &r, err);
	if (out) {
		if (fflush(r.f) != 0 || fsync(fileno(r.f)) != 0) {
			if (st == CR_OK)
				st = cr_fail(err, CR_ECANTCREATE, "cannot write %s: %s", out, strerror(errno));
		}
		fclose(r.f);
		if (st == CR_OK && rename(tmp, out) != 0)
			st = cr_fail(err, CR_ECANTCREATE, "cannot create %s: %s", out, strerror(errno));
		if (st != CR_OK)
			unlink(tmp);
	}
	if (st == CR_OK) {   /* what was made and where it went, never its numbers */
		static const char *const fmt_name[] = { [FMT_TEXT] = "text", [FMT_CSV] = "csv", [FMT_JSON] = "json",
							[FMT_PDF] = "pdf" };
		char detail[160];

		snprintf(detail, sizeof detail, "%s by %s%s%s, %d cells suppressed", fmt_name[r.format],
			 by_name[by], r.since ? " since " : "", r.since ? r.since : "",
			 r.cov.suppressed + r.su.suppressed);
		st = audit_write(db, &(struct audit_entry){ .desk = cli->cfg.desk, .action = "report",
							    .object_kind = out ? "file" : "stdout", .detail = detail },
				 err);
	}
done:
	coverage_free(&r.cov);
	coverage_free(&r.schools);
	coverage_signups_free(&r.su);
	free(r.pdf_goals);
	db_close(db);
	return st;
}
