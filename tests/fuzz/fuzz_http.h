/* fuzz_http: a loopback HTTP server for the fuzz targets of what cardroll
 * reads from a server (fuzz_koha.c, fuzz_webhook.c, fuzz_rest.c). It
 * listens on 127.0.0.1 (never anything else) on a port of its own and
 * answers each request with the next reply the fuzz input describes:
 *
 *     reply  := STATUS "\n" { HEADER-LINE "\n" } "\n" BODY
 *     input  := reply { "\n===\n" reply }
 *
 * STATUS is the leading digits of the first line (200 when there are none,
 * clamped to 100..599); header lines are sent as they are, except a
 * Location header (so nothing is ever redirected off this machine) and
 * Content-Length / Connection, which the server writes itself. Once the
 * replies run out every request gets a 404. Each connection carries one
 * request and is closed after the reply, and a client gets at most
 * FH_MAX_REQUESTS replies per input: bounded in requests and in time.
 * Include from one fuzz target only (the functions are static). */
#ifndef CR_FUZZ_HTTP_H
#define CR_FUZZ_HTTP_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define FH_MAX_REQUESTS 48
#define FH_SEP "\n===\n"

struct fh_server {
	int             fd;
	int             port;
	pthread_t       thread;
	pthread_mutex_t lock;
	const uint8_t  *data;       /* the current input (valid while a client runs) */
	size_t          size, off;  /* the next reply starts at off */
	int             served;
	char            last_request[256];  /* the request line and path of the last request */
};

static struct fh_server fh;

/* memmem and strcasestr are GNU: these two small ones are portable. */
static inline const uint8_t *fh_find(const uint8_t *p, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (!memcmp(p + i, needle, k))
			return p + i;
	return NULL;
}

static inline const char *fh_find_nocase(const char *s, const char *needle)
{
	size_t k = strlen(needle);

	for (; *s; s++)
		if (!strncasecmp(s, needle, k))
			return s;
	return NULL;
}

/* The next reply of the input as bytes to send (caller frees). */
static inline char *fh_next_reply(size_t *outlen)
{
	const uint8_t *p, *end, *sep;
	size_t n;
	long status = 0;
	char *out, *w;
	const char *line, *eol;
	const uint8_t *body;
	size_t bodylen, cap;

	if (fh.off >= fh.size || fh.served >= FH_MAX_REQUESTS) {
		static const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

		out = strdup(nf);
		*outlen = out ? strlen(out) : 0;
		return out;
	}
	p = fh.data + fh.off;
	n = fh.size - fh.off;
	sep = fh_find(p, n, FH_SEP);
	end = sep ? sep : p + n;
	fh.off = sep ? (size_t)(sep - fh.data) + sizeof FH_SEP - 1 : fh.size;
	fh.served++;

	cap = (size_t)(end - p) + 128;
	if (!(out = malloc(cap)))
		return NULL;
	line = (const char *)p;
	eol = memchr(line, '\n', (size_t)(end - p));
	if (!eol)
		eol = (const char *)end;
	for (const char *c = line; c < eol && *c >= '0' && *c <= '9' && status < 1000; c++)
		status = status * 10 + (*c - '0');
	if (status < 100 || status > 599)
		status = 200;
	w = out + sprintf(out, "HTTP/1.1 %ld X\r\n", status);
	body = (const uint8_t *)end;
	/* headers until an empty line */
	line = eol < (const char *)end ? eol + 1 : (const char *)end;
	while (line < (const char *)end) {
		size_t len;

		eol = memchr(line, '\n', (size_t)((const char *)end - line));
		if (!eol)
			eol = (const char *)end;
		len = (size_t)(eol - line);
		if (len == 0) {
			line = eol + 1;
			break;
		}
		/* no redirects off this machine; the length and connection are ours */
		if (!(len >= 9 && !strncasecmp(line, "location:", 9)) &&
		    !(len >= 15 && !strncasecmp(line, "content-length:", 15)) &&
		    !(len >= 11 && !strncasecmp(line, "connection:", 11)) &&
		    !(len >= 18 && !strncasecmp(line, "transfer-encoding:", 18)) &&
		    !memchr(line, '\r', len) && !memchr(line, '\0', len) && memchr(line, ':', len)) {
			memcpy(w, line, len);
			w += len;
			*w++ = '\r';
			*w++ = '\n';
		}
		line = eol + 1;
	}
	if (line > (const char *)end)
		line = (const char *)end;
	body = (const uint8_t *)line;
	bodylen = (size_t)(end - body);
	{
		char tail[80];
		int k = snprintf(tail, sizeof tail, "Content-Length: %zu\r\nConnection: close\r\n\r\n", bodylen);
		size_t used = (size_t)(w - out);
		char *grown = realloc(out, used + (size_t)k + bodylen + 1);

		if (!grown) {
			free(out);
			return NULL;
		}
		out = grown;
		memcpy(out + used, tail, (size_t)k);
		memcpy(out + used + (size_t)k, body, bodylen);
		*outlen = used + (size_t)k + bodylen;
	}
	return out;
}

/* Reads one request (headers and a Content-Length body, bounded). */
static inline void fh_read_request(int c)
{
	char buf[65536];
	size_t have = 0, need = 0;
	char *hdr_end = NULL;

	for (;;) {
		struct pollfd pf = { c, POLLIN, 0 };
		ssize_t k;

		if (poll(&pf, 1, 5000) <= 0)
			return;
		k = read(c, buf + have, sizeof buf - 1 - have);
		if (k <= 0)
			return;
		have += (size_t)k;
		buf[have] = '\0';
		if (!hdr_end && (hdr_end = strstr(buf, "\r\n\r\n"))) {
			const char *cl = fh_find_nocase(buf, "\r\ncontent-length:");

			need = (size_t)(hdr_end - buf) + 4 + (cl ? strtoul(cl + 17, NULL, 10) : 0);
			pthread_mutex_lock(&fh.lock);
			snprintf(fh.last_request, sizeof fh.last_request, "%.*s", (int)strcspn(buf, "\r\n"), buf);
			pthread_mutex_unlock(&fh.lock);
		}
		if (hdr_end && (have >= need || have >= sizeof buf - 1))
			return;
		if (have >= sizeof buf - 1)
			have = 0;   /* an over-long request: keep reading, keep nothing */
	}
}

static inline void *fh_serve(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(fh.fd, NULL, NULL);
		char *reply;
		size_t len = 0, off = 0;

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		fh_read_request(c);
		pthread_mutex_lock(&fh.lock);
		reply = fh_next_reply(&len);
		pthread_mutex_unlock(&fh.lock);
		while (reply && off < len) {
			ssize_t k = send(c, reply + off, len - off, MSG_NOSIGNAL);

			if (k <= 0)
				break;
			off += (size_t)k;
		}
		free(reply);
		shutdown(c, SHUT_WR);
		close(c);
	}
}

/* Starts the server once (127.0.0.1, a free port); aborts when it cannot. */
static inline void fh_start(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int one = 1;

	if (fh.fd > 0)
		return;
	pthread_mutex_init(&fh.lock, NULL);
	fh.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fh.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fh.fd < 0 || bind(fh.fd, (struct sockaddr *)&a, sizeof a) || listen(fh.fd, 64) ||
	    getsockname(fh.fd, (struct sockaddr *)&a, &al)) {
		perror("fuzz_http: loopback server");
		abort();
	}
	fh.port = ntohs(a.sin_port);
	if (pthread_create(&fh.thread, NULL, fh_serve, NULL)) {
		perror("fuzz_http: server thread");
		abort();
	}
}

/* The replies for the next client run. */
static inline void fh_load(const uint8_t *data, size_t size)
{
	pthread_mutex_lock(&fh.lock);
	fh.data = data;
	fh.size = size;
	fh.off = 0;
	fh.served = 0;
	fh.last_request[0] = '\0';
	pthread_mutex_unlock(&fh.lock);
}

#endif
