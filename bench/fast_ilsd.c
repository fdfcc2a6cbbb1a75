/* fast_ilsd: a tiny single-threaded keep-alive HTTP/1.1 server for the sync
 * benchmark (bench/sync.sh), so the server is never what is measured.
 * Loopback only. Every POST /api/v1/patrons: 201 with a small patron
 * object and a Location; every GET under /api/v1/patrons: [] (no one yet);
 * POST /api/v1/oauth/token: a token; GET /_stats: request counts; any other
 * GET: {}. No auth check, no body parsing beyond Content-Length.
 *
 *   cc -O2 -o fast_ilsd bench/fast_ilsd.c
 *   ./fast_ilsd PORTFILE     (writes the chosen port there, then serves)
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 64
#define BUFSZ 65536

struct conn {
	int    fd;
	size_t len;
	char   buf[BUFSZ + 1];
};

static struct conn conns[MAXC];
static long long n_post, n_get, n_other, next_id = 1;

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int reply(int fd, int status, const char *reason, const char *extra, const char *body)
{
	char out[1024];
	int  n = snprintf(out, sizeof out,
			  "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\n\r\n%s",
			  status, reason, extra, strlen(body), body);
	return send_all(fd, out, (size_t)n);
}

/* Handles every complete request in c->buf; -1 closes the connection. */
static int serve(struct conn *c)
{
	for (;;) {
		char *end = NULL;
		for (size_t i = 0; i + 3 < c->len; i++)
			if (!memcmp(c->buf + i, "\r\n\r\n", 4)) {
				end = c->buf + i + 4;
				break;
			}
		if (!end)
			return c->len >= BUFSZ ? -1 : 0;
		size_t hlen = (size_t)(end - c->buf), blen = 0;
		int    close_after = 0;
		for (char *l = strstr(c->buf, "\r\n"); l && l + 2 < end; l = strstr(l + 2, "\r\n")) {
			if (!strncasecmp(l + 2, "Content-Length:", 15))
				blen = (size_t)strtoul(l + 17, NULL, 10);
			else if (!strncasecmp(l + 2, "Connection: close", 17))
				close_after = 1;
		}
		if (hlen + blen > BUFSZ)
			return -1;
		if (c->len < hlen + blen)
			return 0;
		int rc;
		if (!strncmp(c->buf, "POST /api/v1/patrons ", 21) || !strncmp(c->buf, "POST /api/v1/patrons?", 21)) {
			char body[160], loc[64];
			long long id = next_id++;
			n_post++;
			snprintf(body, sizeof body, "{\"patron_id\":%lld,\"surname\":\"x\",\"library_id\":\"CPL\",\"category_id\":\"ST\"}",
				 id);
			snprintf(loc, sizeof loc, "Location: /api/v1/patrons/%lld\r\n", id);
			rc = reply(c->fd, 201, "Created", loc, body);
		} else if (!strncmp(c->buf, "GET /api/v1/patrons", 19)) {
			n_get++;
			rc = reply(c->fd, 200, "OK", "X-Total-Count: 0\r\n", "[]");
		} else if (!strncmp(c->buf, "POST /api/v1/oauth/token", 24)) {
			n_other++;
			rc = reply(c->fd, 200, "OK", "", "{\"access_token\":\"t\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
		} else if (!strncmp(c->buf, "GET /_stats", 11)) {
			char body[160];
			snprintf(body, sizeof body, "{\"post\":%lld,\"get\":%lld,\"other\":%lld}", n_post, n_get, n_other);
			rc = reply(c->fd, 200, "OK", "", body);
		} else if (!strncmp(c->buf, "GET ", 4) || !strncmp(c->buf, "HEAD ", 5)) {
			n_other++;
			rc = reply(c->fd, 200, "OK", "", "{}");
		} else {
			n_other++;
			rc = reply(c->fd, 404, "Not Found", "", "{\"error\":\"Not found\"}");
		}
		if (rc < 0 || close_after)
			return -1;
		memmove(c->buf, c->buf + hlen + blen, c->len - hlen - blen);
		c->len -= hlen + blen;
		c->buf[c->len] = '\0';
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);

	signal(SIGPIPE, SIG_IGN);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 64) < 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &al) < 0) {
		perror("fast_ilsd");
		return 1;
	}
	if (argc > 1) {
		FILE *f = fopen(argv[1], "w");
		if (!f)
			return 1;
		fprintf(f, "%d\n", ntohs(a.sin_port));
		fclose(f);
	} else {
		printf("%d\n", ntohs(a.sin_port));
		fflush(stdout);
	}
	for (int i = 0; i < MAXC; i++)
		conns[i].fd = -1;
	for (;;) {
		struct pollfd p[MAXC + 1];
		int           map[MAXC + 1], n = 0;
		p[n].fd = ls;
		p[n].events = POLLIN;
		map[n++] = -1;
		for (int i = 0; i < MAXC; i++)
			if (conns[i].fd >= 0) {
				p[n].fd = conns[i].fd;
				p[n].events = POLLIN;
				map[n++] = i;
			}
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (int k = 0; k < n; k++) {
			if (!p[k].revents)
				continue;
			if (map[k] < 0) {
				int fd = accept(ls, NULL, NULL);
				if (fd < 0)
					continue;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
				int i;
				for (i = 0; i < MAXC && conns[i].fd >= 0; i++)
					;
				if (i == MAXC) {
					close(fd);
					continue;
				}
				conns[i].fd = fd;
				conns[i].len = 0;
				continue;
			}
			struct conn *c = &conns[map[k]];
			ssize_t      r = recv(c->fd, c->buf + c->len, BUFSZ - c->len, 0);
			if (r > 0) {
				c->len += (size_t)r;
				c->buf[c->len] = '\0';
			}
			if (r <= 0 || serve(c) < 0) {
				close(c->fd);
				c->fd = -1;
			}
		}
	}
}
