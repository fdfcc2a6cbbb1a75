/* roster: importing a district's roster (OneRoster 1.1/1.2 CSV packages as a
 * folder or .zip, bulk or delta, or a plain CSV with a saved column mapping)
 * in one transaction, with a row report naming file, line and field. */
#ifndef CR_ROSTER_H
#define CR_ROSTER_H

#include <signal.h>
#include "store/db.h"

struct roster_progress {
	const char         *file;          /* current file, e.g. "users.csv" */
	unsigned long long  bytes_done;    /* of the whole package */
	unsigned long long  bytes_total;
	long                rows;          /* rows read so far, all files */
};

/* Return non-zero to cancel the import (it rolls back). */
typedef int (*roster_progress_fn)(const struct roster_progress *p, void *ctx);

struct roster_options {
	const char              *source;      /* folder, .zip or .csv */
	const char              *map_name;    /* plain CSV: saved column mapping */
	const char              *map_file;    /* plain CSV: mapping file to use (and save as map_name) */
	int                      dry_run;     /* validate and report, change nothing */
	roster_progress_fn       progress;    /* may be NULL */
	void                    *progress_ctx;
	volatile sig_atomic_t   *cancel;      /* may be NULL; set non-zero to cancel */
};

struct roster_summary {
	long long run_id;                 /* import_run.id, 0 if not recorded */
	char      kind[32];               /* oneroster-bulk, oneroster-delta, csv */
	char      district[256];          /* district name */
	long      added, updated, unchanged, withdrawn, rejected, warnings;
	long      classes, enrollments;   /* rows applied */
	long      refused_files;          /* files of the package refused (unsafe zip
	                                   * entries): error entries, not rows */
	int       dry_run;
	char      outcome[16];            /* ok, failed, interrupted */
};

/* Imports one source. Rejected rows are reported and skipped; the good rows
 * still import. A failure of the whole import (unreadable package, missing
 * required file, disk full, cancel) leaves the roster as it was; the run and
 * its report are still recorded unless the database itself failed. */
enum cr_status roster_import(struct cr_db *db, const struct roster_options *opt,
			     struct roster_summary *sum, struct cr_err *err);

struct roster_issue {
	const char *file;
	long        line;        /* 0 when the issue is about the whole file */
	const char *field;       /* "" when about the row or file */
	const char *severity;    /* error, warning */
	const char *reason;
};
typedef int (*roster_issue_fn)(const struct roster_issue *i, void *ctx);

/* The newest import run (0 if none), its summary, and its report. */
enum cr_status roster_last_run(struct cr_db *db, long long *run_id, struct cr_err *err);
enum cr_status roster_run_summary(struct cr_db *db, long long run_id, struct roster_summary *sum,
				  char *source, size_t sourcelen, long long *finished_at, struct cr_err *err);
enum cr_status roster_run_issues(struct cr_db *db, long long run_id, roster_issue_fn fn, void *ctx,
				 struct cr_err *err);

#endif
