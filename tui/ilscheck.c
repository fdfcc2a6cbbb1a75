/* ilscheck: before a card is issued, the desk asks the library system
 * whether the child is already a patron there. The question goes from a
 * short-lived child process (the network may be slow or absent; the keys
 * never wait), the answer comes back through a pipe, and the student panel
 * shows it: already a patron, not yet, or could not check (offline). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ilscheck.h"
#include "worker.h"
#include "sync/sync.h"
#include "text/i18n.h"

static struct {
	pid_t     pid;
	int       fd;
	long long student;   /* whom the answer is about */
	char      answer[600];
	size_t    got;
	int       state;     /* ILSCHECK_* */
} ic = { .fd = -1 };

struct ilscheck_ask {
	const struct sync_settings *s;
	const char                 *number, *card;
};

static void ilscheck_child(void *arg, int in, int out)
{
	const struct ilscheck_ask *a = arg;
	const struct sync_settings *s = a->s;
	const char *number = a->number, *card = a->card;
	const struct sync_target *tg = sync_target_find(s->target);
	struct cr_err err = { 0 };
	char buf[600], remote[64] = "";
	void *state = NULL;
	int found = 0;

	if (!tg || !tg->lookup)
		snprintf(buf, sizeof buf, "U");
	else if (tg->open(s, &state, &err) != CR_OK ||
		 tg->lookup(state, number, card, &found, remote, sizeof remote, &err) != CR_OK)
		snprintf(buf, sizeof buf, "E%s", err.msg[0] ? err.msg : _("the library system did not answer"));
	else
		snprintf(buf, sizeof buf, found ? "F%s" : "N", remote);
	if (state)
		tg->close(state);
	if (write(out, buf, strlen(buf)) < 0)
		_exit(1);
	_exit(0);
}

static void ilscheck_reap(void)
{
	if (ic.fd >= 0)
		close(ic.fd);
	if (ic.pid > 0) {
		kill(ic.pid, SIGKILL);
		waitpid(ic.pid, NULL, 0);
	}
	ic.fd = -1;
	ic.pid = 0;
}

void ilscheck_start(struct tui *t, long long student, const char *number, const char *card)
{
	struct ilscheck_ask a = { &t->cfg->sync, number ? number : "", card ? card : "" };
	pid_t pid;

	ilscheck_reap();
	memset(ic.answer, 0, sizeof ic.answer);
	ic.got = 0;
	ic.student = student;
	ic.state = ILSCHECK_NONE;
	if (!t->cfg->sync.target[0])
		return;
	if ((pid = worker_start(NULL, &ic.fd, ilscheck_child, &a)) < 0) {
		ic.fd = -1;
		return;
	}
	ic.pid = pid;
	ic.state = ILSCHECK_ASKING;
}

int ilscheck_poll(struct tui *t)
{
	ssize_t r;

	if (ic.fd < 0)
		return 0;
	while ((r = read(ic.fd, ic.answer + ic.got, sizeof ic.answer - 1 - ic.got)) > 0)
		ic.got += (size_t)r;
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* The child wrote its answer and left. */
	ic.answer[ic.got] = '\0';
	ilscheck_reap();
	switch (ic.answer[0]) {
	case 'F': ic.state = ILSCHECK_FOUND; break;
	case 'N': ic.state = ILSCHECK_NOT_FOUND; break;
	case 'U': ic.state = ILSCHECK_NONE; break;
	default:  ic.state = ILSCHECK_OFFLINE; break;
	}
	tui_mark(t, TUI_DIRTY_BODY);
	return 1;
}

int ilscheck_text(long long student, char *buf, size_t len)
{
	if (student != ic.student)
		return 0;
	switch (ic.state) {
	case ILSCHECK_ASKING:
		snprintf(buf, len, "%s", _("Library system: checking whether this child is already a patron..."));
		return 1;
	case ILSCHECK_FOUND:
		if (ic.answer[1])
			snprintf(buf, len, _("Library system: already a patron there, patron %s (the card will be "
					     "linked to it)"), ic.answer + 1);
		else
			snprintf(buf, len, "%s", _("Library system: already a patron there (the card will be linked to it)"));
		return 1;
	case ILSCHECK_NOT_FOUND:
		snprintf(buf, len, "%s", _("Library system: not a patron yet"));
		return 1;
	case ILSCHECK_OFFLINE:
		snprintf(buf, len, _("Library system: could not check (%s)"), ic.answer + 1);
		return 1;
	default:
		return 0;
	}
}

void ilscheck_stop(void)
{
	ilscheck_reap();
	ic.state = ILSCHECK_NONE;
	ic.student = 0;
}
