/* syncing: the outbox drains to the ILS in a worker process of the desk's
 * own, so a slow or absent network never freezes the keys. The worker
 * syncs when the desk starts, every SYNC_EVERY_S seconds after, and at
 * once when asked (F5); the engine records how it went in sync_state, and
 * the desk's status line reads that: online or offline, how many events
 * wait, when the last sync succeeded, the last error in a sentence. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sync/sync.h"
#include "syncing.h"
#include "worker.h"
#include "text/i18n.h"

#define SYNC_EVERY_S 30
#define SYNCING_SAID N_("syncing with the library system...")

static struct {
	pid_t pid;
	int   to;       /* a byte: sync now */
	int   from;     /* a byte back after each run (non-blocking) */
	int   running;  /* a run was asked for and has not answered */
	int   online;   /* what the last run found: 1 online, 0 offline, -1 not known yet */
	long long waiting;  /* events not yet in the ILS (the outbox); -1 unknown */
} sw = { .online = -1, .waiting = -1 };

/* The worker: a run now, then one every SYNC_EVERY_S or when poked. */
static void syncing_worker(void *arg, int in, int out)
{
	struct tui *t = arg;
	const char *path = db_path(t->db);
	const struct sync_settings *s = &t->cfg->sync;
	struct cr_db *db = NULL;

	for (;;) {
		struct sync_summary sum = { 0 };
		struct cr_err err = { 0 };
		struct pollfd p = { .fd = in, .events = POLLIN };
		char c = 0;
		int rc;

		if (!db && db_open(path, DB_NOCREATE, &db, &err) != CR_OK)
			db = NULL;
		if (db)
			sync_run(db, s, 0, &sum, &err);
		c = sum.online ? '1' : '0';
		if (write(out, &c, 1) != 1)
			break;
		rc = poll(&p, 1, SYNC_EVERY_S * 1000);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc > 0) {
			char buf[16];

			/* Every poke since the last run is answered by one run. */
			if (read(in, buf, sizeof buf) <= 0)
				break;   /* the desk closed: leave */
		}
	}
	if (db)
		db_close(db);
	_exit(0);
}

/* How many events wait for the library system (through the outbox index). */
static void syncing_count(struct tui *t)
{
	sqlite3_stmt *st = db_prepare(t->db, "SELECT count(*) FROM outbox WHERE target = 'ils' "
				      "AND state IN ('pending', 'sending', 'waiting', 'parked')", NULL);

	sw.waiting = -1;
	if (!st)
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		sw.waiting = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	tui_mark(t, TUI_DIRTY_STATUS);
}

/* The worker starts only when [sync] names a target; it syncs at once. */
static void syncing_spawn(struct tui *t)
{
	pid_t pid;

	if (sw.pid || !t->cfg->sync.target[0])
		return;
	if ((pid = worker_start(&sw.to, &sw.from, syncing_worker, t)) < 0)
		return;
	sw.pid = pid;
	sw.running = 1;
}

static void syncing_end(void)
{
	if (!sw.pid)
		return;
	close(sw.to);
	close(sw.from);
	kill(sw.pid, SIGTERM);
	waitpid(sw.pid, NULL, WNOHANG);
	sw.pid = 0;
	sw.running = 0;
}

void syncing_now(struct tui *t)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	char c = 's';
	ssize_t w;

	if (!t->cfg->sync.target[0]) {
		tui_say(t, ROLE_WARNING, "sync is not set up: [sync] target and url in the settings");
		return;
	}
	if (!sw.pid)
		syncing_spawn(t);
	if (!sw.pid) {
		tui_say(t, ROLE_ERROR, "could not start syncing");
		return;
	}
	sigaction(SIGPIPE, &ign, &old);
	w = write(sw.to, &c, 1);
	sigaction(SIGPIPE, &old, NULL);
	if (w != 1) {
		tui_say(t, ROLE_ERROR, "syncing stopped; it starts again with F5");
		syncing_end();
		return;
	}
	sw.running = 1;
	tui_say(t, ROLE_NORMAL, "%s", _(SYNCING_SAID));
	tui_mark(t, TUI_DIRTY_STATUS);
}

/* Notices finished runs. */
static void syncing_poll(struct tui *t)
{
	char buf[16];
	ssize_t r;

	if (!sw.pid)
		return;
	while ((r = read(sw.from, buf, sizeof buf)) > 0) {
		sw.online = buf[r - 1] == '1';
		sw.running = 0;
		/* The run answered: the status line itself now says how it went. */
		if (!strcmp(t->message, SYNCING_SAID))
			t->message[0] = '\0';
		tui_changed(t);   /* counts and the status line from sync_state */
	}
	if (r == 0) {
		syncing_end();
		tui_mark(t, TUI_DIRTY_STATUS);
	}
}

int syncing_line(struct tui *t, char *buf, size_t len)
{
	struct sync_status st;
	struct cr_err err = { 0 };
	char when[32];

	if (!t->cfg->sync.target[0])
		return 0;
	snprintf(when, sizeof when, "%s", _("never"));
	if (sync_status_read(t->db, &st, &err) != CR_OK) {
		snprintf(buf, len, _("sync: %s"), err.msg);
		return 1;
	}
	if (st.last_ok > 0) {
		time_t at = (time_t)st.last_ok;
		struct tm tm;

		localtime_r(&at, &tm);
		strftime(when, sizeof when, "%H:%M", &tm);
	}
	if (sw.running && sw.online < 0)
		snprintf(buf, len, _("syncing %s %lld waiting"), t->glyph->dot, st.waiting);
	else if (sw.online > 0)
		snprintf(buf, len, _("online %s %lld waiting %s synced %s"), t->glyph->dot, st.waiting,
			 t->glyph->dot, when);
	else
		snprintf(buf, len, _("offline %s %lld waiting %s %s"), t->glyph->dot, st.waiting, t->glyph->dot,
			 st.last_error[0] ? st.last_error : _("the library system did not answer"));
	if (st.parked) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, _(" %s %lld need a person (cardroll sync --parked)"), t->glyph->dot, st.parked);
	}
	return 1;
}

/* Only true things: with nothing set up to sync, the desk is offline and
 * says how many signups, voids and consent changes wait for the library.
 * Set up, the status line reads sync_state as it is (a message may cut it). */
static int syncing_status(struct tui *t, char *buf, size_t len, int brief)
{
	if (syncing_line(t, buf, len))
		;
	else if (sw.waiting >= 0 && brief)
		snprintf(buf, len, _("offline %s %lld waiting"), t->glyph->dot, sw.waiting);
	else if (sw.waiting >= 0)
		snprintf(buf, len, _("offline (sync not set up) %s %lld waiting for the library"), t->glyph->dot,
			 sw.waiting);
	else
		snprintf(buf, len, "%s", _("offline (sync not set up)"));
	return 1;
}

static void syncing_start(struct tui *t)
{
	syncing_count(t);
	syncing_spawn(t);
}

static void syncing_stop(struct tui *t)
{
	syncing_end();
}

static void syncing_key_now(struct tui *t)
{
	syncing_now(t);
}

static const struct key_binding syncing_key_rows[] = {
	{ 1, KEY_F(5), "F5", NULL, N_("sync with the library system now (when [sync] is set up)"), syncing_key_now },
};

static const struct keys_table syncing_keys = KEYS_TABLE(N_("Syncing"), syncing_key_rows);

const struct tui_worker_ops syncing_ops = {
	.name = "syncing",
	.keys = &syncing_keys,
	.start = syncing_start,
	.poll = syncing_poll,
	.data_changed = syncing_count,
	.status = syncing_status,
	.stop = syncing_stop,
};
