/* printing: the desk prints in a child process, so a slow or missing
 * printer never freezes the keys, and the fonts and drawing libraries a
 * print job loads never weigh on the desk itself. The child prints one job
 * on its own database connection (print_job holds the state); the desk
 * reaps it and says how it went. */
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "printing.h"
#include "printq.h"

#define PRINTING_MAX 8   /* jobs printing at once from this desk */

static struct {
	pid_t     pid;
	long long job;
} printing[PRINTING_MAX];

/* In the child: print and leave, touching nothing of the parent's. */
static void printing_child(const char *path, const struct cr_config *cfg, long long staff, long long job)
{
	struct printq_dest d = { .ps = &cfg->print, .desk = cfg->desk, .staff = staff };
	char dir[4096], preview[4200];
	struct cr_db *db;
	struct cr_err err = { 0 };
	long long ran;
	int n, skipped, rc, fd = open("/dev/null", O_RDWR);

	/* The terminal is the desk's: nothing of ours may reach it. */
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	signal(SIGINT, SIG_IGN);
	if (!cfg->print.target[0] && !strcmp(cfg->print.driver, "preview")) {
		snprintf(dir, sizeof dir, "%s", path);
		snprintf(preview, sizeof preview, "%s/slips-preview.txt", dirname(dir));
		d.target = preview;
	}
	if (db_open(path, DB_NOCREATE, &db, &err) != CR_OK)
		_exit(3);
	rc = printq_run(db, &d, job, &ran, &n, &skipped, &err) == CR_OK ? 0 : 1;
	db_close(db);
	_exit(rc);
}

int printing_start(struct tui *t, long long job)
{
	int slot = -1;
	pid_t pid;

	for (int i = 0; i < PRINTING_MAX; i++)
		if (!printing[i].pid)
			slot = i;
	if (slot < 0) {
		tui_say(t, ROLE_WARNING, "%d print jobs are still going: job %lld waits in the queue", PRINTING_MAX, job);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		tui_say(t, ROLE_ERROR, "could not start printing job %lld; it waits in the queue", job);
		return -1;
	}
	if (pid == 0)
		printing_child(db_path(t->db), t->cfg, t->staff.id, job);
	printing[slot].pid = pid;
	printing[slot].job = job;
	return 0;
}

int printing_busy(void)
{
	for (int i = 0; i < PRINTING_MAX; i++)
		if (printing[i].pid)
			return 1;
	return 0;
}

void printing_poll(struct tui *t)
{
	for (int i = 0; i < PRINTING_MAX; i++) {
		char state[16] = "", error[400] = "";
		struct cr_err err = { 0 };
		int status;

		if (!printing[i].pid || waitpid(printing[i].pid, &status, WNOHANG) != printing[i].pid)
			continue;
		printing[i].pid = 0;
		if (printq_state(t->db, printing[i].job, state, sizeof state, error, sizeof error, &err) != CR_OK)
			tui_say(t, ROLE_ERROR, "%s", err.msg);
		else if (!strcmp(state, "done"))
			tui_say(t, ROLE_NORMAL, "print job %lld printed", printing[i].job);
		else if (error[0])
			tui_say(t, ROLE_ERROR, "print job %lld failed: %s (it waits; s prints it again)",
				printing[i].job, error);
		else
			tui_say(t, ROLE_ERROR, "print job %lld did not finish; it waits in the queue", printing[i].job);
		tui_changed(t);
	}
}
