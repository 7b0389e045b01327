/* The relay: see relay.h. One direction at a time holds at most one
 * buffer or one pipe of data; reading stops while it is not delivered
 * (backpressure), and the buffer or pipe goes back to a per-thread cache
 * as soon as it is empty. */
#include "engine/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "engine/engine.h"
#include "lib/util.h"

#define CACHE_MAX 64

/* Per-thread caches of empty buffers and pipes. */
static _Thread_local void *buf_cache[CACHE_MAX];
static _Thread_local size_t buf_cache_size, nbuf_cache;
static _Thread_local int pipe_cache[CACHE_MAX][2];
static _Thread_local int npipe_cache;

struct dir {
	struct relay *r;
	int from, to;
	bool from_cli;          /* client -> server */
	struct event *rev, *wev;
	uint8_t *buf;           /* copy: bytes buf[off..len) to deliver */
	size_t len, off;
	int pfd[2];             /* splice: pipe holding in_pipe bytes */
	size_t in_pipe;
	bool eof, shut;
	bool bulk;              /* a copy read filled the buffer: splice from now */
	uint64_t bytes;
};

struct relay {
	struct event_base *base;
	struct dir d[2];        /* [0] client -> server, [1] server -> client */
	struct event *tmr;
	long long cli_act, srv_act;
	struct relay_opts o;
	relay_done_fn done;
	void *arg;
	bool finished;
	bool cli_closed_first, first_close_seen;
};

static void *
buf_get(size_t size)
{
	if (nbuf_cache > 0 && buf_cache_size == size)
		return buf_cache[--nbuf_cache];
	return xmalloc(size);
}

static void
buf_put(void *b, size_t size)
{
	if (nbuf_cache < CACHE_MAX && (nbuf_cache == 0 || buf_cache_size == size)) {
		buf_cache_size = size;
		buf_cache[nbuf_cache++] = b;
		return;
	}
	free(b);
}

#ifdef HAVE_SPLICE
static int
pipe_get(int pfd[2])
{
	if (npipe_cache > 0) {
		npipe_cache--;
		pfd[0] = pipe_cache[npipe_cache][0];
		pfd[1] = pipe_cache[npipe_cache][1];
		return 0;
	}
	return pipe2(pfd, O_NONBLOCK | O_CLOEXEC);
}

static void
pipe_put(int pfd[2])
{
	if (npipe_cache < CACHE_MAX) {
		pipe_cache[npipe_cache][0] = pfd[0];
		pipe_cache[npipe_cache][1] = pfd[1];
		npipe_cache++;
	} else {
		close(pfd[0]);
		close(pfd[1]);
	}
	pfd[0] = pfd[1] = -1;
}
#endif

void
relay_thread_cleanup(void)
{
	while (nbuf_cache > 0)
		free(buf_cache[--nbuf_cache]);
	while (npipe_cache > 0) {
		npipe_cache--;
		close(pipe_cache[npipe_cache][0]);
		close(pipe_cache[npipe_cache][1]);
	}
}

static void arm_timer(struct relay *r);

static void
finish(struct relay *r, enum relay_end why)
{
	if (r->finished)
		return;
	r->finished = true;
	for (int i = 0; i < 2; i++) {
		event_del(r->d[i].rev);
		event_del(r->d[i].wev);
	}
	if (r->tmr)
		event_del(r->tmr);
	struct relay_stats st;
	relay_stats(r, &st);
	r->done(r->arg, why, &st);
}

static void
touch(struct relay *r, int fd)
{
	long long t = now_ms();
	if (fd == r->d[0].from)
		r->cli_act = t;
	else
		r->srv_act = t;
}

static bool
pending(const struct dir *d)
{
	return d->len > d->off || d->in_pipe > 0;
}

/* Sets which events a direction waits for, propagates a half-close when
 * its data is delivered, and ends the relay when both are shut. */
static void
update(struct dir *d)
{
	struct relay *r = d->r;
	if (r->finished)
		return;
	if (pending(d)) {
		event_del(d->rev);
		event_add(d->wev, NULL);
	} else {
		event_del(d->wev);
		if (!d->eof)
			event_add(d->rev, NULL);
		else
			event_del(d->rev);
	}
	if (d->eof && !pending(d) && !d->shut) {
		/* The last half-close is left to close(), which follows at
		 * once: one system call less per connection. */
		const struct dir *other = &r->d[d == &r->d[0] ? 1 : 0];
		if (!other->shut)
			shutdown(d->to, SHUT_WR);
		d->shut = true;
		arm_timer(r); /* a fin timeout may now apply */
	}
	if (r->d[0].shut && r->d[1].shut)
		finish(r, RELAY_DONE);
}

static void
dir_error(struct dir *d, int fd)
{
	struct relay *r = d->r;
	finish(r, fd == r->d[0].from ? RELAY_CLI_ERROR : RELAY_SRV_ERROR);
}

static void
note_eof(struct dir *d)
{
	struct relay *r = d->r;
	d->eof = true;
	arm_timer(r); /* a fin timeout may now apply */
	if (!r->first_close_seen) {
		r->first_close_seen = true;
		r->cli_closed_first = d->from_cli;
	}
}

/* Delivers what the direction holds; returns false on a fatal error. */
static bool
flush_dir(struct dir *d)
{
	while (d->len > d->off) {
		ssize_t n = send(d->to, d->buf + d->off, d->len - d->off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			if (errno == EINTR)
				continue;
			dir_error(d, d->to);
			return false;
		}
		d->off += (size_t)n;
		d->bytes += (uint64_t)n;
		touch(d->r, d->to);
	}
	if (d->buf) {
		buf_put(d->buf, d->r->o.bufsize);
		d->buf = NULL;
		d->len = d->off = 0;
	}
#ifdef HAVE_SPLICE
	while (d->in_pipe > 0) {
		ssize_t n = splice(d->pfd[0], NULL, d->to, NULL, d->in_pipe,
		                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n < 0) {
			if (errno == EAGAIN)
				return true;
			if (errno == EINTR)
				continue;
			dir_error(d, d->to);
			return false;
		}
		d->in_pipe -= (size_t)n;
		d->bytes += (uint64_t)n;
		touch(d->r, d->to);
	}
	if (d->pfd[0] >= 0)
		pipe_put(d->pfd);
#endif
	return true;
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct dir *d = arg;
	struct relay *r = d->r;
	(void)what;
	if (pending(d))
		return;
#ifdef HAVE_SPLICE
	/* Like HAProxy's splice-auto: small messages are copied (one recv and
	 * one send beat two splices and a pipe); a direction that fills a
	 * whole buffer carries bulk data and is spliced from then on. */
	if (r->o.splice && d->bulk) {
		if (d->pfd[0] < 0 && pipe_get(d->pfd) < 0) {
			r->o.splice = false; /* out of fds for pipes: copy instead */
			goto copy;
		}
		ssize_t n = splice(fd, NULL, d->pfd[1], NULL, r->o.bufsize * 4,
		                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			d->in_pipe = (size_t)n;
			touch(r, fd);
		} else if (n == 0) {
			note_eof(d);
		} else if (errno == EINVAL || errno == ENOSYS) {
			r->o.splice = false; /* this socket pair cannot splice */
			pipe_put(d->pfd);
			goto copy;
		} else if (errno != EAGAIN && errno != EINTR) {
			dir_error(d, fd);
			return;
		}
		if (d->in_pipe == 0 && d->pfd[0] >= 0)
			pipe_put(d->pfd);
		if (flush_dir(d))
			update(d);
		return;
	}
copy:
#endif
	if (d->buf == NULL)
		d->buf = buf_get(r->o.bufsize);
	ssize_t n = recv(fd, d->buf, r->o.bufsize, 0);
	if (n > 0) {
		d->len = (size_t)n;
		d->off = 0;
		if ((size_t)n == r->o.bufsize)
			d->bulk = true;
		touch(r, fd);
	} else if (n == 0) {
		note_eof(d);
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		dir_error(d, fd);
		return;
	}
	if (flush_dir(d))
		update(d);
}

static void
on_write(evutil_socket_t fd, short what, void *arg)
{
	struct dir *d = arg;
	(void)fd;
	(void)what;
	if (flush_dir(d))
		update(d);
}

/* A side is half-closed once it sent its FIN or we sent it ours; then
 * its fin timeout (if set) replaces the inactivity timeout. */
static uint32_t
side_timeout(const struct relay *r, bool cli)
{
	const struct dir *in = &r->d[cli ? 0 : 1], *out = &r->d[cli ? 1 : 0];
	uint32_t t = cli ? r->o.cli_timeout : r->o.srv_timeout;
	uint32_t fin = cli ? r->o.cli_fin_timeout : r->o.srv_fin_timeout;
	return (in->eof || out->shut) && fin ? fin : t;
}

static void
arm_timer(struct relay *r)
{
	long long now = now_ms(), next = -1;
	for (int cli = 0; cli < 2; cli++) {
		uint32_t t = side_timeout(r, cli);
		if (t == 0)
			continue;
		long long dl = (cli ? r->cli_act : r->srv_act) + t;
		if (next < 0 || dl < next)
			next = dl;
	}
	if (next < 0)
		return;
	long long wait = next > now ? next - now : 0;
	struct timeval tv = { (time_t)(wait / 1000), (suseconds_t)((wait % 1000) * 1000) };
	event_add(r->tmr, &tv);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	long long now = now_ms();
	(void)fd;
	(void)what;
	uint32_t ct = side_timeout(r, true), st = side_timeout(r, false);
	if (ct && now >= r->cli_act + ct) {
		finish(r, RELAY_CLI_TIMEOUT);
		return;
	}
	if (st && now >= r->srv_act + st) {
		finish(r, RELAY_SRV_TIMEOUT);
		return;
	}
	arm_timer(r);
}

struct relay *
relay_start(struct event_base *base, int cfd, int sfd, const uint8_t *first,
            size_t first_len, const struct relay_opts *o, relay_done_fn done,
            void *arg)
{
	struct relay *r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->o = *o;
	if (r->o.bufsize == 0)
		r->o.bufsize = 16384;
#ifndef HAVE_SPLICE
	r->o.splice = false;
#endif
	r->done = done;
	r->arg = arg;
	r->cli_act = r->srv_act = now_ms();
	for (int i = 0; i < 2; i++) {
		struct dir *d = &r->d[i];
		d->r = r;
		d->from_cli = i == 0;
		d->from = i == 0 ? cfd : sfd;
		d->to = i == 0 ? sfd : cfd;
		d->pfd[0] = d->pfd[1] = -1;
		d->rev = event_new(base, d->from, EV_READ | EV_PERSIST, on_read, d);
		d->wev = event_new(base, d->to, EV_WRITE | EV_PERSIST, on_write, d);
	}
	r->tmr = evtimer_new(base, on_timer, r);
	if (first_len > 0) {
		struct dir *d = &r->d[0];
		size_t cap = first_len > r->o.bufsize ? first_len : r->o.bufsize;
		d->buf = xmalloc(cap);
		memcpy(d->buf, first, first_len);
		d->len = first_len;
		/* a larger buffer may go to the cache: it holds bufsize too */
		/* The connection was just established: its send buffer is
		 * empty, so try at once rather than wait to be told it is
		 * writable. Errors are left to the event loop. */
		ssize_t n = send(sfd, d->buf, d->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			d->off = (size_t)n;
			d->bytes += (uint64_t)n;
			if (d->off == d->len) {
				buf_put(d->buf, r->o.bufsize);
				d->buf = NULL;
				d->len = d->off = 0;
			}
		}
	}
	update(&r->d[0]);
	update(&r->d[1]);
	arm_timer(r);
	return r;
}

void
relay_abort(struct relay *r)
{
	finish(r, RELAY_ABORTED);
}

void
relay_stats(const struct relay *r, struct relay_stats *st)
{
	st->c2s = r->d[0].bytes;
	st->s2c = r->d[1].bytes;
	st->cli_closed_first = r->cli_closed_first;
}

void
relay_free(struct relay *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		struct dir *d = &r->d[i];
		event_free(d->rev);
		event_free(d->wev);
		if (d->buf)
			buf_put(d->buf, r->o.bufsize);
#ifdef HAVE_SPLICE
		if (d->pfd[0] >= 0) {
			/* data left in a pipe is dropped with it */
			if (d->in_pipe) {
				close(d->pfd[0]);
				close(d->pfd[1]);
			} else {
				pipe_put(d->pfd);
			}
		}
#endif
	}
	event_free(r->tmr);
	free(r);
}
