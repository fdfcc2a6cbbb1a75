/* printing: the desk prints through a worker process of its own, so a slow
 * or missing printer never freezes the keys, and the fonts and drawing
 * libraries a slip needs never weigh on the desk itself. The worker is
 * forked when the desk starts, loads the fonts once (a throwaway slip in
 * Latin, Chinese and Arabic: the first real job is then as quick as the
 * rest), and prints the jobs the desk hands it, one at a time, on its own
 * database connection (print_job holds each job's state). The desk learns
 * from a pipe when a job ends and says how it went. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "printer.h"
#include "printing.h"
#include "worker.h"
#include "printq.h"
#include "template.h"
#include "text/i18n.h"

static struct {
	pid_t pid;
	int   to;       /* job ids to the worker */
	int   from;     /* job ids back when done (non-blocking) */
	long long busy; /* jobs handed over and not yet back */
} worker;

/* What the desk hands the worker: a job and who asked for it. */
struct printing_msg {
	long long job, staff;
};

/* Draws one slip to memory so the fonts are loaded before a job waits. */
static void printing_warm(const struct cr_config *cfg)
{
	const struct printer_driver *d = printer_find("pdf");
	struct printer_opts o = { .target = "" };
	struct slip_fields f = { .given = "Ana \xe5\xb0\x8f\xe6\x98\x8e", .family = "\xd8\xb9\xd8\xa8\xd8\xaf Nguy\xe1\xbb\x85n",
				 .card = "21234000000420", .school = "School", .class_name = "Class",
				 .grade = "03", .expires = "2027-06-30" };
	struct template_set *set = NULL;
	struct cr_err err = { 0 };
	struct slip s;
	void *state = NULL;

	if (!d || template_set_load(cfg->print.templates[0] ? cfg->print.templates : NULL, cfg->print.languages,
				    &set, &err) != CR_OK)
		return;
	if (template_set_fill(set, &f, &s, &err) == CR_OK && d->open(&o, &state, &err) == CR_OK) {
		d->slip(state, &s, &err);
		d->close(state, 0, &err);
	}
	template_set_free(set);
}

static int printing_read_all(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The worker: jobs in, job ids out, until the desk closes the pipe. */
static void printing_worker(void *arg, int in, int out)
{
	struct tui *t = arg;
	const struct cr_config *cfg = t->cfg;
	const char *path = db_path(t->db);
	struct printq_dest d = { .ps = &cfg->print, .desk = cfg->desk };
	struct printing_msg msg;
	char dir[4096], preview[4200];
	struct cr_db *db = NULL;

	if (!cfg->print.target[0] && !strcmp(cfg->print.driver, "preview")) {
		snprintf(dir, sizeof dir, "%s", path);
		snprintf(preview, sizeof preview, "%s/slips-preview.txt", dirname(dir));
		d.target = preview;
	}
	printing_warm(cfg);
	while (printing_read_all(in, &msg, sizeof msg) == 0) {
		struct cr_err err = { 0 };
		long long ran;
		int n, skipped;

		if (!db && db_open(path, DB_NOCREATE, &db, &err) != CR_OK)
			db = NULL;
		d.staff = msg.staff;
		if (db)
			printq_run(db, &d, msg.job, &ran, &n, &skipped, &err);
		if (write(out, &msg.job, sizeof msg.job) != (ssize_t)sizeof msg.job)
			break;
	}
	if (db)
		db_close(db);
	_exit(0);
}

/* Forked when the desk starts, and again for a job if it was lost. */
static void printing_spawn(struct tui *t)
{
	pid_t pid;

	if (worker.pid)
		return;
	if ((pid = worker_start(&worker.to, &worker.from, printing_worker, t)) < 0)
		return;
	worker.pid = pid;
	worker.busy = 0;
}

static void printing_lost(struct tui *t)
{
	if (worker.busy)
		tui_say(t, ROLE_ERROR, P_("printing stopped unexpectedly; %lld job waits in the queue "
					  "(s prints a class's again)",
					  "printing stopped unexpectedly; %lld jobs wait in the queue "
					  "(s prints a class's again)", worker.busy), worker.busy);
	close(worker.to);
	close(worker.from);
	if (worker.pid > 0) {
		kill(worker.pid, SIGTERM);
		waitpid(worker.pid, NULL, 0);
	}
	memset(&worker, 0, sizeof worker);
}

int printing_start(struct tui *t, long long job)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	struct printing_msg msg = { .job = job, .staff = t->staff.id };
	ssize_t w;

	if (!worker.pid)
		printing_spawn(t);
	if (!worker.pid) {
		tui_say(t, ROLE_ERROR, "could not start printing; job %lld waits in the queue", job);
		return -1;
	}
	/* Printed in the name of whoever is signed in now. */
	sigaction(SIGPIPE, &ign, &old);
	w = write(worker.to, &msg, sizeof msg);
	sigaction(SIGPIPE, &old, NULL);
	if (w != (ssize_t)sizeof msg) {
		printing_lost(t);
		tui_say(t, ROLE_ERROR, "could not start printing; job %lld waits in the queue", job);
		return -1;
	}
	worker.busy++;
	return 0;
}

int printing_busy(void)
{
	return worker.busy > 0;
}

/* Reaps finished jobs and says how each went. */
static void printing_poll(struct tui *t)
{
	long long job;
	ssize_t r;

	if (!worker.pid)
		return;
	while ((r = read(worker.from, &job, sizeof job)) == (ssize_t)sizeof job) {
		char state[16] = "", error[400] = "";
		struct cr_err err = { 0 };

		if (worker.busy > 0)
			worker.busy--;
		if (printq_state(t->db, job, state, sizeof state, error, sizeof error, &err) != CR_OK)
			tui_say(t, ROLE_ERROR, "%s", err.msg);
		else if (!strcmp(state, "done"))
			tui_say(t, ROLE_NORMAL, "print job %lld printed", job);
		else if (error[0])
			tui_say(t, ROLE_ERROR, "print job %lld failed: %s (it waits; s prints it again)", job, error);
		else
			tui_say(t, ROLE_ERROR, "print job %lld did not finish; it waits in the queue", job);
		tui_changed(t);
	}
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		printing_lost(t);
}

/* The desk is closing: the worker finishes the job it has (a slow printer
 * must not hold the desk's exit) and leaves when it reads the pipe's end. */
static void printing_stop(struct tui *t)
{
	if (!worker.pid)
		return;
	close(worker.to);
	close(worker.from);
	waitpid(worker.pid, NULL, WNOHANG);
	memset(&worker, 0, sizeof worker);
}

/* Registered in desk.c; printing has no keys or status of its own (the
 * screens that queue jobs call printing_start). */
const struct tui_worker_ops printing_ops = {
	.name = "printing",
	.start = printing_spawn,
	.poll = printing_poll,
	.stop = printing_stop,
};
