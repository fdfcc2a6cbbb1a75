/* sink: delivers a print job's bytes to a file, a device, a raw socket
 * printer or memory. Everything is held in memory until close, so an
 * aborted or failed job never leaves half a slip on paper or disk. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "sink.h"
#include "text/i18n.h"

#define SINK_CONNECT_TIMEOUT_MS 5000
/* A printer that takes no bytes for this long is treated as gone; paper
 * out on a JetDirect port usually shows up this way. */
#define SINK_SEND_TIMEOUT_MS    30000

enum sink_kind { SINK_MEMORY, SINK_FILE, SINK_DEVICE, SINK_TCP };

struct sink {
	enum sink_kind kind;
	char *target;          /* the path, or "HOST:PORT" for tcp */
	int fd;                /* device or socket, open from sink_open on */
	unsigned char *buf;
	size_t len, cap;
};

static long sink_ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Splits "HOST:PORT", "[v6]:PORT" or "HOST" (port 9100, JetDirect's). */
static enum cr_status sink_split_hostport(const char *hp, char *host, size_t hostlen,
					  char *port, size_t portlen, struct cr_err *err)
{
	const char *h = hp, *hend, *p = NULL;
	if (*hp == '[') {
		h = hp + 1;
		hend = strchr(h, ']');
		if (!hend)
			return cr_fail(err, CR_ECONFIG, "printer target tcp://%s: missing ']' after the IPv6 address", hp);
		if (hend[1] == ':')
			p = hend + 2;
		else if (hend[1])
			return cr_fail(err, CR_ECONFIG, "printer target tcp://%s: expected ':PORT' after ']'", hp);
	} else {
		hend = strrchr(hp, ':');
		if (hend)
			p = hend + 1;
		else
			hend = hp + strlen(hp);
	}
	size_t n = (size_t)(hend - h);
	if (n == 0 || n >= hostlen)
		return cr_fail(err, CR_ECONFIG, "printer target tcp://%s: the host name is missing or too long", hp);
	memcpy(host, h, n);
	host[n] = '\0';
	if (!p) {
		snprintf(port, portlen, "9100");
		return CR_OK;
	}
	char *end;
	errno = 0;
	long v = strtol(p, &end, 10);
	if (!*p || *end || errno || v < 1 || v > 65535)
		return cr_fail(err, CR_ECONFIG, "printer target tcp://%s: the port must be a number from 1 to 65535", hp);
	snprintf(port, portlen, "%ld", v);
	return CR_OK;
}

/* Non-blocking connect so an unplugged printer costs 5 s, not the
 * kernel's two minutes. The socket stays non-blocking for sending. */
static int sink_connect_one(const struct addrinfo *ai, int *why)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		*why = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		*why = errno;
		close(fd);
		return -1;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long left = SINK_CONNECT_TIMEOUT_MS - sink_ms_since(&t0);
		if (left <= 0) {
			*why = ETIMEDOUT;
			close(fd);
			return -1;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*why = errno;
			close(fd);
			return -1;
		}
		if (r == 0)
			continue;  /* the deadline check above reports it */
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr == 0)
			return fd;
		*why = soerr;
		close(fd);
		return -1;
	}
}

static enum cr_status sink_connect(struct sink *s, const char *hp, struct cr_err *err)
{
	char host[256], port[8];
	enum cr_status st = sink_split_hostport(hp, host, sizeof host, port, sizeof port, err);
	if (st != CR_OK)
		return st;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	int gr = getaddrinfo(host, port, &hints, &res);
	if (gr != 0)
		return cr_fail(err, CR_EUNAVAILABLE, "printer at %s:%s: cannot look up the host (%s)",
			       host, port, gai_strerror(gr));
	int why = 0;
	s->fd = -1;
	for (struct addrinfo *ai = res; ai && s->fd < 0; ai = ai->ai_next)
		s->fd = sink_connect_one(ai, &why);
	freeaddrinfo(res);
	if (s->fd >= 0)
		return CR_OK;
	if (why == ECONNREFUSED)
		return cr_fail(err, CR_EUNAVAILABLE, "printer at %s:%s refused the connection", host, port);
	if (why == ETIMEDOUT)
		return cr_fail(err, CR_EUNAVAILABLE, "printer at %s:%s did not answer within %d s",
			       host, port, SINK_CONNECT_TIMEOUT_MS / 1000);
	return cr_fail(err, CR_EUNAVAILABLE, "printer at %s:%s cannot be reached: %s", host, port, strerror(why));
}

/* The folder must exist and be writable now, not after a class's worth
 * of slips has been drawn. */
static enum cr_status sink_check_folder(const char *path, struct cr_err *err)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else if ((size_t)(slash - path) < sizeof dir)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	else
		return cr_fail(err, CR_ECANTCREATE, "cannot write %s: the path is too long", path);
	if (slash && !slash[1])
		return cr_fail(err, CR_ECANTCREATE, "cannot write %s: it names a folder, not a file", path);
	if (access(dir, W_OK | X_OK) != 0)
		return cr_fail(err, CR_ECANTCREATE, "cannot write %s: %s", path, strerror(errno));
	return CR_OK;
}

enum cr_status sink_open(const char *target, struct sink **out, struct cr_err *err)
{
	*out = NULL;
	struct sink *s = calloc(1, sizeof *s);
	if (!s)
		return cr_fail(err, CR_ENOMEM, "out of memory opening the printer output");
	s->fd = -1;
	enum cr_status st = CR_OK;
	const char *rest = target ? target : "";
	if (!*rest) {
		s->kind = SINK_MEMORY;
	} else if (strncmp(rest, "tcp://", 6) == 0) {
		s->kind = SINK_TCP;
		rest += 6;
	} else if (strncmp(rest, "/dev/", 5) == 0) {
		s->kind = SINK_DEVICE;
	} else {
		s->kind = SINK_FILE;
	}
	s->target = strdup(rest);
	if (!s->target) {
		free(s);
		return cr_fail(err, CR_ENOMEM, "out of memory opening the printer output");
	}
	switch (s->kind) {
	case SINK_MEMORY:
		break;
	case SINK_TCP:
		st = sink_connect(s, s->target, err);
		break;
	case SINK_DEVICE:
		/* Opened now so "no permission" shows before any drawing. */
		s->fd = open(s->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (s->fd < 0)
			st = cr_fail(err, CR_ECANTCREATE, "cannot open %s: %s", s->target, strerror(errno));
		break;
	case SINK_FILE:
		st = sink_check_folder(s->target, err);
		break;
	}
	if (st != CR_OK) {
		if (s->fd >= 0)
			close(s->fd);
		free(s->target);
		free(s);
		return st;
	}
	*out = s;
	return CR_OK;
}

enum cr_status sink_write(struct sink *s, const void *buf, size_t len, struct cr_err *err)
{
	if (len == 0)
		return CR_OK;
	if (len > SIZE_MAX - s->len)
		return cr_fail(err, CR_ENOMEM, "print job is too large to hold in memory");
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + len)
			cap = cap > SIZE_MAX / 2 ? s->len + len : cap * 2;
		unsigned char *nb = realloc(s->buf, cap);
		if (!nb)
			return cr_fail(err, CR_ENOMEM, "out of memory holding the print job (%zu bytes)", s->len + len);
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
	return CR_OK;
}

const unsigned char *sink_data(const struct sink *s, size_t *len)
{
	*len = s ? s->len : 0;
	return s ? s->buf : NULL;
}

/* write(2) until done: short writes and EINTR are normal on devices. */
static int sink_write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* send(2) on the non-blocking socket, waiting up to the send timeout for
 * room each time the printer's buffer is full. MSG_NOSIGNAL: a printer
 * that hangs up must give an error, not kill the desk with SIGPIPE. */
static enum cr_status sink_send_all(struct sink *s, struct cr_err *err)
{
	const unsigned char *p = s->buf;
	size_t len = s->len;
	while (len) {
		ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
			int r;
			do
				r = poll(&pfd, 1, SINK_SEND_TIMEOUT_MS);
			while (r < 0 && errno == EINTR);
			if (r == 0)
				return cr_fail(err, CR_ETEMP, "printer at %s took no data for %d s (%zu of %zu bytes sent)",
					       s->target, SINK_SEND_TIMEOUT_MS / 1000, s->len - len, s->len);
			if (r < 0)
				return cr_fail(err, CR_ETEMP, "printer at %s: %s", s->target, strerror(errno));
			continue;
		}
		return cr_fail(err, CR_ETEMP, "printer at %s stopped taking data after %zu of %zu bytes: %s",
			       s->target, s->len - len, s->len, n < 0 ? strerror(errno) : _("connection closed"));
	}
	shutdown(s->fd, SHUT_WR);
	return CR_OK;
}

/* Best effort: makes the rename itself survive a power cut. A folder that
 * cannot be opened for reading still got the file. */
static void sink_sync_folder(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else if ((size_t)(slash - path) < sizeof dir)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	else
		return;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Temp name beside the target, fsync, rename: the file is either the
 * whole job or what was there before. mkstemp makes it 0600. */
static enum cr_status sink_commit_file(struct sink *s, struct cr_err *err)
{
	size_t n = strlen(s->target);
	char *tmp = malloc(n + sizeof ".XXXXXX");
	if (!tmp)
		return cr_fail(err, CR_ENOMEM, "out of memory writing %s", s->target);
	memcpy(tmp, s->target, n);
	memcpy(tmp + n, ".XXXXXX", sizeof ".XXXXXX");
	enum cr_status st = CR_OK;
	int fd = mkstemp(tmp);
	if (fd < 0) {
		st = cr_fail(err, CR_ECANTCREATE, "cannot write %s: %s", s->target, strerror(errno));
		goto out;
	}
	if (sink_write_all(fd, s->buf, s->len) != 0 || fsync(fd) != 0) {
		st = cr_fail(err, CR_ECANTCREATE, "cannot write %s: %s", s->target, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) != 0) {
		st = cr_fail(err, CR_ECANTCREATE, "cannot write %s: %s", s->target, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, s->target) != 0) {
		st = cr_fail(err, CR_ECANTCREATE, "cannot write %s: %s", s->target, strerror(errno));
		unlink(tmp);
		goto out;
	}
	sink_sync_folder(s->target);
out:
	free(tmp);
	return st;
}

enum cr_status sink_close(struct sink *s, int commit, struct cr_err *err)
{
	if (!s)
		return CR_OK;
	enum cr_status st = CR_OK;
	if (commit) {
		switch (s->kind) {
		case SINK_MEMORY:
			break;
		case SINK_FILE:
			st = sink_commit_file(s, err);
			break;
		case SINK_DEVICE:
			if (sink_write_all(s->fd, s->buf, s->len) != 0)
				st = cr_fail(err, CR_ECANTCREATE, "cannot write to %s: %s", s->target, strerror(errno));
			break;
		case SINK_TCP:
			st = sink_send_all(s, err);
			break;
		}
	}
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s->target);
	free(s);
	return st;
}
