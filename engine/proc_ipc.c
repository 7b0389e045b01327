/* The master's line to each worker's CLI (HAProxy's sockpair@): a
 * socketpair per worker over which the master passes, for every command,
 * one end of a fresh socketpair; the worker serves it as a stats socket
 * connection at level admin (stats/cli.c). Used by the master CLI's
 * "@1 <command>" / "@!<pid> <command>" and by the reload, which asks the
 * current worker for "show servers state" and carries the answer to the
 * next worker in an unlinked file (proc_state.h). */
#include "engine/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/compat_proc.h"
#include "lib/util.h"

int
proc_ipc_send_fd(int chan, int fd)
{
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	                      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t r;
	do
		r = sendmsg(chan, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r == 1 ? 0 : -1;
}

int
proc_ipc_recv_fd(int chan)
{
	char byte;
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	                      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t r;
	do
		r = recvmsg(chan, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return -2;
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : -2;
	int fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int k;
			memcpy(&k, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = k;
			else
				close(k); /* one connection per message */
		}
	}
	return fd;
}

static long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
proc_ipc_query(int chan, const char *cmd, struct sbuf *out, int timeout_ms)
{
	int sp[2] = { -1, -1 };
	int rc = -1;
	if (chan < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return -1;
	if (proc_ipc_send_fd(chan, sp[1]) < 0)
		goto out;
	close(sp[1]);
	sp[1] = -1;
	char *line = xasprintf("%s\n", cmd);
	size_t len = strlen(line), off = 0;
	long long end = now_ms() + timeout_ms;
	while (off < len) {
		ssize_t r = send(sp[0], line + off, len - off, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	free(line);
	if (off < len)
		goto out;
	/* the worker answers one command and closes (non-interactive) */
	shutdown(sp[0], SHUT_WR);
	for (;;) {
		long long left = end - now_ms();
		if (left <= 0)
			goto out;
		struct pollfd pf = { sp[0], POLLIN, 0 };
		int p = poll(&pf, 1, (int)left);
		if (p < 0 && errno == EINTR)
			continue;
		if (p <= 0)
			goto out;
		char buf[4096];
		ssize_t r = recv(sp[0], buf, sizeof(buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		sbuf_addn(out, buf, (size_t)r);
	}
	rc = 0;
out:
	for (int i = 0; i < 2; i++)
		if (sp[i] >= 0)
			close(sp[i]);
	return rc;
}

int
proc_ipc_stash(const char *data, size_t len)
{
	int fd = compat_memfd("sluice-server-state");
	if (fd < 0) {
		char tmpl[] = "/tmp/sluice-state.XXXXXX";
		fd = mkstemp(tmpl);
		if (fd < 0)
			return -1;
		unlink(tmpl);
	}
	size_t off = 0;
	while (off < len) {
		ssize_t r = write(fd, data + off, len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)r;
	}
	return fd;
}

char *
proc_ipc_read_fd(int fd, size_t *len)
{
	struct sbuf b = { 0 };
	char buf[4096];
	off_t pos = 0;
	for (;;) {
		/* pread: the master's copy of the descriptor shares the offset */
		ssize_t r = pread(fd, buf, sizeof(buf), pos);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		sbuf_addn(&b, buf, (size_t)r);
		pos += r;
	}
	*len = b.len;
	return b.s;
}

/* ---- -x and "expose-fd listeners": HAProxy's _getsocks ------------------------ */

/* The wire format, as haproxy 2.6 speaks it (observed): the server sends
 * the number of descriptors (a native int), then batches of at most
 * GETSOCKS_BATCH descriptors, each one sendmsg() whose data carries per
 * descriptor a namespace (length byte + name), an interface (length byte
 * + name) and 4 bytes of listener options; the client answers each batch
 * with an int (the count received so far), which the sender waits for
 * after a full batch only. */
#define GETSOCKS_BATCH 253
#define GETSOCKS_TIMEOUT_MS 5000

/* Waits until fd is ready for events (POLLIN/POLLOUT). */
static bool
wait_fd(int fd, short events)
{
	struct pollfd pf = { fd, events, 0 };
	int r;
	do
		r = poll(&pf, 1, GETSOCKS_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r > 0 && (pf.revents & (events | POLLHUP | POLLERR));
}

static int
send_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	while (n > 0) {
		if (!wait_fd(fd, POLLOUT))
			return -1;
		ssize_t r = send(fd, s, n, MSG_NOSIGNAL);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		s += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
recv_all(int fd, void *p, size_t n)
{
	char *s = p;
	while (n > 0) {
		if (!wait_fd(fd, POLLIN))
			return -1;
		ssize_t r = recv(fd, s, n, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		s += r;
		n -= (size_t)r;
	}
	return 0;
}

int
proc_getsocks_send(int conn, const int *fds, size_t nfds)
{
	int tot = (int)nfds;
	if (send_all(conn, &tot, sizeof(tot)) < 0)
		return -1;
	for (size_t off = 0; off < nfds; off += GETSOCKS_BATCH) {
		size_t n = nfds - off < GETSOCKS_BATCH ? nfds - off : GETSOCKS_BATCH;
		/* no namespace, no interface, no options: 6 zero bytes each */
		char data[GETSOCKS_BATCH * 6];
		memset(data, 0, sizeof(data));
		struct iovec iov = { data, n * 6 };
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(GETSOCKS_BATCH * sizeof(int))];
		} u;
		memset(&u, 0, sizeof(u));
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
		                      .msg_control = u.buf, .msg_controllen = CMSG_SPACE(n * sizeof(int)) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(c), fds + off, n * sizeof(int));
		ssize_t r;
		for (;;) {
			if (!wait_fd(conn, POLLOUT))
				return -1;
			r = sendmsg(conn, &msg, MSG_NOSIGNAL);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			break;
		}
		if (r < 0)
			return -1;
		/* the rest of the data, without the descriptors */
		if ((size_t)r < n * 6 && send_all(conn, data + r, n * 6 - (size_t)r) < 0)
			return -1;
		/* HAProxy waits for the client's ack after a full batch only */
		int ack;
		if (n == GETSOCKS_BATCH && recv_all(conn, &ack, sizeof(ack)) < 0)
			return -1;
	}
	return 0;
}

/* Keeps a received descriptor when it is a listening TCP socket (the
 * engine adopts it instead of binding, proc_fd_take); closes it
 * otherwise (HAProxy also passes its UNIX stats sockets: sluice binds
 * its own). */
static void
adopt(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int type = 0, acc = 0;
	socklen_t tl = sizeof(type), al = sizeof(acc);
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) &&
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_STREAM &&
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) == 0 && acc) {
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		proc_fd_add(fd, &ss, true);
		return;
	}
	close(fd);
}

int
proc_getsocks_fetch(const char *path)
{
	struct sockaddr_un sun;
	int rc = -1;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (s < 0 || str_copy(sun.sun_path, sizeof(sun.sun_path), path) < 0 ||
	    connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		proc_msg("WARNING", "Failed to connect to the old process socket '%s'", path);
		goto out;
	}
	int tot = 0;
	if (send_all(s, "_getsocks\n", 10) < 0 || recv_all(s, &tot, sizeof(tot)) < 0 ||
	    tot < 0 || tot > 1000000) {
		proc_msg("WARNING", "Failed to get the number of sockets to be transferred !");
		goto out;
	}
	char *data = xmalloc(65536);
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(GETSOCKS_BATCH * sizeof(int))];
	} u;
	int got = 0;
	while (got < tot) {
		struct iovec iov = { data, 65536 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
		                      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
		ssize_t r;
		do {
			if (!wait_fd(s, POLLIN)) {
				r = -1;
				break;
			}
			r = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
		} while (r < 0 && (errno == EINTR || errno == EAGAIN));
		if (r <= 0) {
			proc_msg("WARNING", "Failed to receive sockets from the old process (%d of %d)", got, tot);
			free(data);
			goto out;
		}
		int batch = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < n; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				adopt(fd);
				batch++;
			}
		}
		if (batch == 0)
			continue; /* the rest of a batch's data */
		got += batch;
		/* the per-descriptor data may still be arriving: it is only
		 * names and options, read and ignored with the next batch.
		 * After the last batch the sender may be gone already. */
		if (send_all(s, &got, sizeof(got)) < 0 && got < tot) {
			free(data);
			goto out;
		}
	}
	free(data);
	rc = 0;
out:
	if (s >= 0)
		close(s);
	if (rc < 0)
		proc_msg("ALERT", "Failed to get the sockets from the old process!");
	return rc;
}
