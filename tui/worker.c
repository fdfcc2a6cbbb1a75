/* worker: forking the desk's helpers, one way for all of them. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "worker.h"

/* In the worker: nothing of ours may reach the desk's terminal. */
static void worker_quiet(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	signal(SIGINT, SIG_IGN);
	signal(SIGWINCH, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

pid_t worker_start(int *to, int *from, void (*body)(void *arg, int in, int out), void *arg)
{
	int in[2] = { -1, -1 }, out[2];
	pid_t pid;

	if (to && pipe(in) != 0)
		return -1;
	if (pipe(out) != 0) {
		if (to) {
			close(in[0]);
			close(in[1]);
		}
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		if (to) {
			close(in[0]);
			close(in[1]);
		}
		close(out[0]);
		close(out[1]);
		return -1;
	}
	if (pid == 0) {
		if (to)
			close(in[1]);
		close(out[0]);
		worker_quiet();
		body(arg, in[0], out[1]);
		_exit(0);
	}
	if (to) {
		close(in[0]);
		fcntl(in[1], F_SETFD, FD_CLOEXEC);
		*to = in[1];
	}
	close(out[1]);
	fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	*from = out[0];
	return pid;
}
