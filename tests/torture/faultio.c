/* faultio: an LD_PRELOAD shim for make torture's I/O faults (issue 14): a
 * disk that fills up (or fails) part way through. Writes to files whose
 * path contains FAULTIO_PATH succeed until FAULTIO_AFTER bytes have been
 * written to such files in this process; from then on every write, and
 * every fsync of such a file, fails with FAULTIO_ERRNO (ENOSPC, the default,
 * or EIO). Nothing else is touched. When the fault first fires, a line goes
 * to the file FAULTIO_LOG (if set), so the test knows it fired.
 * FAULTIO_AFTER=-1 never fails (with FAULTIO_COUNT, to measure a run).
 *
 *   LD_PRELOAD=build/tests/faultio.so FAULTIO_PATH=/tmp/x/desk.db FAULTIO_AFTER=40000 cardroll ...
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long budget = -1;   /* bytes left; -1: not read yet */
static int       fault_errno;
static const char *match;
static int       fired;
static long long written;       /* bytes written to matching files */

static void setup(void)
{
	const char *after, *e;

	if (budget != -1)
		return;
	match = getenv("FAULTIO_PATH");
	after = getenv("FAULTIO_AFTER");
	budget = after ? atoll(after) : 0;
	if (budget < 0)
		budget = 1LL << 62;
	e = getenv("FAULTIO_ERRNO");
	fault_errno = e && strcmp(e, "EIO") == 0 ? EIO : ENOSPC;
}

static int matches(int fd)
{
	char link[64], path[4096];
	ssize_t n;

	setup();
	if (!match || !*match)
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return 0;
	path[n] = 0;
	return strstr(path, match) != NULL;
}

static void note_fired(void)
{
	const char *log = getenv("FAULTIO_LOG");
	int fd;

	if (fired++ || !log)
		return;
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		static const char line[] = "fired\n";
		long r = syscall(SYS_write, fd, line, sizeof line - 1);

		(void)r;
		close(fd);
	}
}

/* FAULTIO_COUNT names a file that gets, at exit, how many bytes were
 * written to matching files: how far a fault can be placed. */
__attribute__((destructor)) static void report_count(void)
{
	const char *path = getenv("FAULTIO_COUNT");
	char line[32];
	int fd, n;

	if (!path)
		return;
	n = snprintf(line, sizeof line, "%lld\n", written);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		long r = syscall(SYS_write, fd, line, (size_t)n);

		(void)r;
		close(fd);
	}
}

/* 1 when a write of n bytes to fd must fail. */
static int must_fail(int fd, size_t n)
{
	if (!matches(fd))
		return 0;
	if (fired || (long long)n > budget) {
		budget = 0;
		note_fired();
		errno = fault_errno;
		return 1;
	}
	budget -= (long long)n;
	written += (long long)n;
	return 0;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef int (*sync_fn)(int);
typedef int (*fallocate_fn)(int, int, off_t, off_t);

/* The next definition of name (libc's), looked up once. */
static void *next(void **cache, const char *name)
{
	if (!*cache)
		*cache = dlsym(RTLD_NEXT, name);
	return *cache;
}

static void *c_write, *c_pwrite, *c_pwrite64, *c_writev, *c_fsync, *c_fdatasync, *c_fallocate;

ssize_t write(int fd, const void *buf, size_t n)
{
	if (must_fail(fd, n))
		return -1;
	return ((write_fn)next(&c_write, "write"))(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (must_fail(fd, n))
		return -1;
	return ((pwrite_fn)next(&c_pwrite, "pwrite"))(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	if (must_fail(fd, n))
		return -1;
	return ((pwrite_fn)next(&c_pwrite64, "pwrite64"))(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	size_t n = 0;

	for (int i = 0; i < cnt; i++)
		n += iov[i].iov_len;
	if (must_fail(fd, n))
		return -1;
	return ((writev_fn)next(&c_writev, "writev"))(fd, iov, cnt);
}

/* An fsync after the disk filled fails too (the data never reached it). */
static int sync_fails(int fd)
{
	if (matches(fd) && fired) {
		errno = fault_errno;
		return 1;
	}
	return 0;
}

int fsync(int fd)
{
	if (sync_fails(fd))
		return -1;
	return ((sync_fn)next(&c_fsync, "fsync"))(fd);
}

int fdatasync(int fd)
{
	if (sync_fails(fd))
		return -1;
	return ((sync_fn)next(&c_fdatasync, "fdatasync"))(fd);
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
	if (must_fail(fd, (size_t)len))
		return -1;
	return ((fallocate_fn)next(&c_fallocate, "fallocate"))(fd, mode, off, len);
}
