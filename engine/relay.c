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
#include <event2/event_struct.h>

#include "engine/engine.h"
#include "engine/xprt.h"
#include "lib/util.h"

#define CACHE_MAX 64

/* The TLS paths are kept out of line (and marked cold) so that the
 * passthrough path compiles as it did without them. */
#define TLS_PATH __attribute__((noinline, cold))

/* Per-thread caches of empty buffers and pipes. */
static _Thread_local void *buf_cache[CACHE_MAX];
static _Thread_local size_t buf_cache_size, nbuf_cache;
static _Thread_local int pipe_cache[CACHE_MAX][2];
static _Thread_local int npipe_cache;
/* and of freed relays: a new connection takes one without malloc's slow
 * path (connections end out of order, its tcache is often empty) */
static _Thread_local struct relay *relay_cache[CACHE_MAX];
static _Thread_local int nrelay_cache;

/* The thread's relay deadlines: a binary min-heap with one libevent
 * timer armed for its top. A struct event per relay would cost 128
 * bytes per idle tunnel; this costs 16 and a heap slot. */
static _Thread_local struct relay **theap;
static _Thread_local size_t theap_n, theap_cap;
static _Thread_local struct event *theap_ev;
static _Thread_local long long theap_armed = -1; /* its deadline, or -1 */

/* EV_CLOSED when the thread's event base reports a peer's FIN with its
 * data (EPOLLRDHUP), else 0: then a read shorter than the buffer is known
 * to be the last one, and the recv() that would return 0 is saved (as
 * HAProxy does). Set with the thread's first relay. */
static _Thread_local uint8_t ev_closed;

/* The time of the socket event being handled (now_ms clock): one clock
 * read per event rather than one per recv and send. */
static _Thread_local long long ev_now;

/* Packed (56 bytes, not 80): it lives as long as an idle tunnel. Sizes
 * fit 32 bits: a buffer is tune.bufsize or the first bytes (under
 * 20 KiB), a pipe holds at most 4 buffers. */
struct dir {
	struct relay *r;
	uint8_t *buf;           /* copy: bytes buf[off..len) to deliver */
	uint64_t bytes;
	uint32_t len, off;
	uint32_t in_pipe;       /* splice: bytes in pfd */
	int from, to;
	int pfd[2];
	bool from_cli;          /* client -> server */
	bool eof, shut;
	bool bulk;              /* a copy read filled the buffer: splice from now */
};

/* One event per socket, not one per direction and state, and no timer
 * event of its own (the thread's deadline heap below): an idle tunnel
 * holds two socket events, allocated with the relay (smaller idle
 * sessions, fewer allocations per connection). A socket's event waits
 * for what its two directions need (sync_sock). */
struct relay {
	struct dir d[2];        /* [0] client -> server, [1] server -> client */
	struct event ev[2];     /* [0] client socket, [1] server socket */
	uint8_t evmask[2];      /* what ev[i] waits for now (EV_READ|EV_WRITE) */
	/* bit-fields: with the above they fill 4 bytes, the relay stays
	 * within a smaller malloc size class */
	bool finished : 1;
	bool tls : 1;           /* a side has an SSL (o.cli_ssl, o.srv_ssl) */
	bool cli_closed_first : 1, first_close_seen : 1;
	/* TLS: reading socket i needs it writable (OpenSSL must write
	 * first: rd_w), writing to it needs it readable (wr_r); see
	 * rwant() and wwant() */
	bool rd_w0 : 1, rd_w1 : 1, wr_r0 : 1, wr_r1 : 1;
	uint32_t hidx;          /* 1 + its index in the deadline heap; 0 none */
	long long deadline;     /* next timeout check (ms, now_ms clock) */
	long long cli_act, srv_act;
	struct relay_opts o;
	relay_done_fn done;
	void *arg;
};

void *
relay_buf_get(size_t size)
{
	if (nbuf_cache > 0 && buf_cache_size == size)
		return buf_cache[--nbuf_cache];
	return xmalloc(size);
}

/* What reading socket i waits for, what writing to it waits for. */
static inline uint8_t
rwant(const struct relay *r, int i)
{
	return (i ? r->rd_w1 : r->rd_w0) ? EV_WRITE : EV_READ;
}

static inline uint8_t
wwant(const struct relay *r, int i)
{
	return (i ? r->wr_r1 : r->wr_r0) ? EV_READ : EV_WRITE;
}

static void
set_rwant(struct relay *r, int i, short want)
{
	if (i)
		r->rd_w1 = want == EV_WRITE;
	else
		r->rd_w0 = want == EV_WRITE;
}

static void
set_wwant(struct relay *r, int i, short want)
{
	if (i)
		r->wr_r1 = want == EV_READ;
	else
		r->wr_r0 = want == EV_READ;
}

void
relay_buf_put(void *b, size_t size)
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
	while (nrelay_cache > 0)
		free(relay_cache[--nrelay_cache]);
	while (nbuf_cache > 0)
		free(buf_cache[--nbuf_cache]);
	while (npipe_cache > 0) {
		npipe_cache--;
		close(pipe_cache[npipe_cache][0]);
		close(pipe_cache[npipe_cache][1]);
	}
	if (theap_ev)
		event_free(theap_ev);
	theap_ev = NULL;
	theap_armed = -1;
	free(theap);
	theap = NULL;
	theap_n = theap_cap = 0;
}

static void arm_timer(struct relay *r);
static void on_timer(struct relay *r);


static void
th_put(size_t i, struct relay *r)
{
	theap[i] = r;
	r->hidx = (uint32_t)(i + 1);
}

static void
th_up(size_t i)
{
	struct relay *r = theap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (theap[p]->deadline <= r->deadline)
			break;
		th_put(i, theap[p]);
		i = p;
	}
	th_put(i, r);
}

static void
th_down(size_t i)
{
	struct relay *r = theap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= theap_n)
			break;
		if (c + 1 < theap_n && theap[c + 1]->deadline < theap[c]->deadline)
			c++;
		if (r->deadline <= theap[c]->deadline)
			break;
		th_put(i, theap[c]);
		i = c;
	}
	th_put(i, r);
}

static void
th_del(struct relay *r)
{
	if (r->hidx == 0)
		return;
	size_t i = r->hidx - 1;
	r->hidx = 0;
	struct relay *last = theap[--theap_n];
	if (last == r)
		return;
	th_put(i, last);
	th_up(i);
	th_down(last->hidx - 1);
}

static void
th_set(struct relay *r, long long deadline)
{
	r->deadline = deadline;
	if (r->hidx) {
		th_up(r->hidx - 1);
		th_down(r->hidx - 1);
		return;
	}
	if (theap_n == theap_cap) {
		theap_cap = theap_cap ? theap_cap * 2 : 64;
		theap = xrealloc(theap, theap_cap * sizeof(*theap));
	}
	theap[theap_n] = r;
	r->hidx = (uint32_t)++theap_n;
	th_up(theap_n - 1);
}

/* Arms the thread's timer for the earliest deadline. */
static void
th_arm(void)
{
	if (theap_n == 0) {
		if (theap_armed >= 0)
			event_del(theap_ev);
		theap_armed = -1;
		return;
	}
	long long top = theap[0]->deadline;
	if (top == theap_armed)
		return;
	long long now = now_ms(), wait = top > now ? top - now : 0;
	struct timeval tv = { (time_t)(wait / 1000), (suseconds_t)((wait % 1000) * 1000) };
	event_add(theap_ev, &tv);
	theap_armed = top;
}

static void
on_theap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	theap_armed = -1;
	long long now = now_ms();
	/* on_timer may finish (and free) the relay, or set a new deadline;
	 * either way it leaves the top first */
	while (theap_n > 0 && theap[0]->deadline <= now) {
		struct relay *r = theap[0];
		th_del(r);
		on_timer(r);
	}
	th_arm();
}

static void
finish(struct relay *r, enum relay_end why)
{
	if (r->finished)
		return;
	r->finished = true;
	for (int i = 0; i < 2; i++) {
		if (r->evmask[i])
			event_del(&r->ev[i]);
		r->evmask[i] = 0;
	}
	th_del(r);
	th_arm();
	struct relay_stats st;
	relay_stats(r, &st);
	r->done(r->arg, why, &st);
}

/* Notes activity on fd: called from socket events only (ev_now). */
static void
touch(struct relay *r, int fd)
{
	if (fd == r->d[0].from)
		r->cli_act = ev_now;
	else
		r->srv_act = ev_now;
}

static bool
pending(const struct dir *d)
{
	return d->len > d->off || d->in_pipe > 0;
}

static void on_sock(evutil_socket_t fd, short what, void *arg);

/* sync_sock's change of socket i's event to want (out of line: the
 * common case, nothing to change, stays a few instructions). */
static __attribute__((noinline)) void
sync_sock_set(struct relay *r, int i, uint8_t want)
{
	if (r->evmask[i])
		event_del(&r->ev[i]);
	r->evmask[i] = want;
	if (want == 0)
		return;
	event_assign(&r->ev[i], event_get_base(&r->ev[i]), r->d[i].from, want | EV_PERSIST,
	             on_sock, r);
	event_add(&r->ev[i], NULL);
}

/* Makes socket i's event wait for what its directions need: reading for
 * the direction it feeds (while that one holds nothing and saw no EOF),
 * writing for the direction it drains (while data is pending). The
 * base's changelist turns a del/add pair into at most one epoll_ctl. */
static inline void
sync_sock(struct relay *r, int i)
{
	const struct dir *rd = &r->d[i], *wd = &r->d[1 - i];
	uint8_t want = 0;
	if (!pending(rd) && !rd->eof)
		want |= r->tls ? rwant(r, i) : EV_READ;
	if (pending(wd))
		want |= r->tls ? wwant(r, i) : EV_WRITE;
	/* with TLS too (unused there): the epoll mask of the session's
	 * client event (sess_watch_client), which the relay's replaces
	 * without an epoll_ctl only when they are the same */
	if (want & EV_READ)
		want |= ev_closed;
	if (want != r->evmask[i])
		sync_sock_set(r, i, want);
}

/* Half-close towards d's destination with TLS on a side: close_notify
 * even on the last one (last: the other way is shut already), since a
 * TLS peer tells a truncation from an end by it. */
static TLS_PATH void
shutw_tls(struct dir *d, bool last)
{
	struct relay *r = d->r;
	struct xprt x = { d->to, d->from_cli ? r->o.srv_ssl : r->o.cli_ssl };
	if (x.ssl || !last)
		xprt_shutw(&x);
}

/* Sets which events the sockets wait for, propagates a half-close when
 * d's data is delivered, and ends the relay when both are shut. Returns
 * false when the relay finished (it may be freed then). */
static bool
update(struct dir *d)
{
	struct relay *r = d->r;
	if (r->finished)
		return false;
	sync_sock(r, 0);
	sync_sock(r, 1);
	if (d->eof && !pending(d) && !d->shut) {
		/* The last half-close is left to close(), which follows at
		 * once: one system call less per connection. */
		const struct dir *other = &r->d[d == &r->d[0] ? 1 : 0];
		if (r->tls) {
			shutw_tls(d, other->shut);
		} else if (!other->shut) {
			shutdown(d->to, SHUT_WR);
		}
		d->shut = true;
		arm_timer(r); /* a fin timeout may now apply */
	}
	if (r->d[0].shut && r->d[1].shut) {
		finish(r, RELAY_DONE);
		return false;
	}
	return true;
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

/* The SSL of the socket of d's source (read) or destination (write). */
static SSL *
from_ssl(const struct dir *d)
{
	return d->from_cli ? d->r->o.cli_ssl : d->r->o.srv_ssl;
}

static SSL *
to_ssl(const struct dir *d)
{
	return d->from_cli ? d->r->o.srv_ssl : d->r->o.cli_ssl;
}

/* flush_dir with TLS on a side (no pipes then). */
static TLS_PATH bool
flush_tls(struct dir *d)
{
	struct relay *r = d->r;
	struct xprt x = { d->to, to_ssl(d) };
	int ti = d->from_cli ? 1 : 0;
	while (d->len > d->off) {
		size_t n;
		short want = EV_WRITE;
		enum xprt_rc rc = xprt_send(&x, d->buf + d->off, d->len - d->off, &n, &want);
		if (rc == XPRT_AGAIN) {
			set_wwant(r, ti, want);
			return true;
		}
		if (rc != XPRT_OK) {
			dir_error(d, d->to);
			return false;
		}
		set_wwant(r, ti, EV_WRITE);
		d->off += (uint32_t)n;
		d->bytes += (uint64_t)n;
		touch(r, d->to);
	}
	if (d->buf) {
		relay_buf_put(d->buf, r->o.bufsize);
		d->buf = NULL;
		d->len = d->off = 0;
	}
	return true;
}

/* Delivers what the direction holds; returns false on a fatal error. */
static bool
flush_dir(struct dir *d)
{
	if (d->r->tls)
		return flush_tls(d);
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
		relay_buf_put(d->buf, d->r->o.bufsize);
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

/* dir_read with TLS on a side: decrypted bytes OpenSSL already holds
 * are not signalled by the socket, so they are read (and delivered) in
 * a loop until none is left or the destination is full. */
static TLS_PATH bool
read_tls(struct dir *d)
{
	struct relay *r = d->r;
	struct xprt x = { d->from, from_ssl(d) };
	int fi = d->from_cli ? 0 : 1;
	do {
		if (pending(d))
			return true;
		if (d->buf == NULL)
			d->buf = relay_buf_get(r->o.bufsize);
		size_t n;
		short want = EV_READ;
		enum xprt_rc rc = xprt_recv(&x, d->buf, r->o.bufsize, &n, &want);
		if (rc == XPRT_OK) {
			set_rwant(r, fi, EV_READ);
			d->len = (uint32_t)n;
			d->off = 0;
			touch(r, d->from);
		} else if (rc == XPRT_AGAIN) {
			set_rwant(r, fi, want);
		} else if (rc == XPRT_EOF) {
			note_eof(d);
		} else {
			dir_error(d, d->from);
			return false;
		}
		if (!flush_dir(d) || !update(d))
			return false;
	} while (!d->eof && xprt_pending(&x));
	return true;
}

/* Reads what direction d's source has and delivers it; closed: the
 * source's FIN has arrived (EV_CLOSED), so a short read is its last.
 * Returns false when the relay finished (it may be freed then). */
static bool
dir_read(struct dir *d, bool closed)
{
	struct relay *r = d->r;
	int fd = d->from;
	if (pending(d))
		return true;
	if (r->tls)
		return read_tls(d);
#ifdef HAVE_SPLICE
	/* Like HAProxy's splice-auto: small messages are copied (one recv and
	 * one send beat two splices and a pipe); a direction that fills a
	 * whole buffer carries bulk data and is spliced from then on. */
	if (r->o.splice && d->bulk) {
		if (d->pfd[0] < 0 && pipe_get(d->pfd) < 0) {
			r->o.splice = false; /* out of fds for pipes: copy instead */
			goto copy;
		}
		ssize_t n = splice(fd, NULL, d->pfd[1], NULL, (size_t)r->o.bufsize * 4,
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
			return false;
		}
		if (d->in_pipe == 0 && d->pfd[0] >= 0)
			pipe_put(d->pfd);
		return flush_dir(d) && update(d);
	}
copy:
#endif
	if (d->buf == NULL)
		d->buf = relay_buf_get(r->o.bufsize);
	ssize_t n = recv(fd, d->buf, r->o.bufsize, 0);
	if (n > 0) {
		d->len = (size_t)n;
		d->off = 0;
		if ((size_t)n == r->o.bufsize)
			d->bulk = true;
		else if (closed)
			note_eof(d); /* all before the FIN is read */
		touch(r, fd);
	} else if (n == 0) {
		note_eof(d);
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		dir_error(d, fd);
		return false;
	}
	return flush_dir(d) && update(d);
}

/* on_sock with TLS on a side: an SSL may need the other event than its
 * operation's (rwant, wwant). */
static TLS_PATH void
on_sock_tls(struct relay *r, int i, short what)
{
	struct dir *wd = &r->d[1 - i];
	if ((what & wwant(r, i)) && pending(wd)) {
		if (!flush_dir(wd) || !update(wd))
			return;
		/* room made: the source may hold decrypted bytes that its
		 * socket will not signal */
		struct xprt src = { wd->from, from_ssl(wd) };
		if (!pending(wd) && !wd->eof && xprt_pending(&src) && !dir_read(wd, false))
			return;
	}
	/* any event will do when this side's SSL holds decrypted bytes
	 * (an activation from relay_start may have been lost to a re-arm) */
	struct dir *rd = &r->d[i];
	struct xprt x = { rd->from, from_ssl(rd) };
	if (((what & rwant(r, i)) || xprt_pending(&x)) && !rd->eof)
		dir_read(rd, false);
}

/* A socket is ready: first deliver to it what waits (room was made),
 * then read from it. */
static void
on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	int i = fd == r->d[0].from ? 0 : 1;
	ev_now = now_ms();
	if (r->tls) {
		on_sock_tls(r, i, what);
		return;
	}
	if ((what & EV_WRITE) && pending(&r->d[1 - i])) {
		struct dir *wd = &r->d[1 - i];
		if (!flush_dir(wd) || !update(wd))
			return;
	}
	if ((what & (EV_READ | EV_CLOSED)) && !r->d[i].eof)
		dir_read(&r->d[i], (what & EV_CLOSED) != 0);
}

/* A side is half-closed once it sent its FIN or we sent it ours; then
 * its fin timeout (if set) replaces the inactivity timeout. */
static uint32_t
side_timeout(const struct relay *r, bool cli)
{
	const struct dir *in = &r->d[cli ? 0 : 1], *out = &r->d[cli ? 1 : 0];
	uint32_t t = cli ? r->o.cli_timeout : r->o.srv_timeout;
	uint32_t fin = cli ? r->o.cli_fin_timeout : r->o.srv_fin_timeout;
	/* HAProxy times a side out while it reads from it or has bytes to
	 * deliver to it: once that side sent its FIN and nothing waits for
	 * it, only the other side's timeout runs (observed on 2.6.12: a
	 * half-closed client and a silent server end at timeout server, "sD",
	 * whatever timeout client or client-fin say) */
	if (in->eof && !out->shut && out->len == out->off && out->in_pipe == 0)
		return 0;
	return (in->eof || out->shut) && fin ? fin : t;
}

static void
arm_timer(struct relay *r)
{
	long long next = -1;
	for (int cli = 0; cli < 2; cli++) {
		uint32_t t = side_timeout(r, cli);
		if (t == 0)
			continue;
		long long dl = (cli ? r->cli_act : r->srv_act) + t;
		if (next < 0 || dl < next)
			next = dl;
	}
	if (next < 0)
		th_del(r);
	else
		th_set(r, next);
	th_arm();
}

static void
on_timer(struct relay *r)
{
	long long now = now_ms();
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
            size_t first_len, size_t first_sent, const struct relay_opts *o,
            relay_done_fn done, void *arg)
{
	struct relay *r;
	if (nrelay_cache > 0) {
		r = relay_cache[--nrelay_cache];
		memset(r, 0, sizeof(*r));
	} else {
		r = xcalloc(1, sizeof(*r));
	}
	r->o = *o;
	if (r->o.bufsize == 0)
		r->o.bufsize = 16384;
#ifndef HAVE_SPLICE
	r->o.splice = false;
#endif
	r->tls = o->cli_ssl || o->srv_ssl;
	if (r->tls)
		r->o.splice = false; /* the kernel sees only ciphertext */
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
		/* assigned so that event_del is valid; sync_sock sets it up */
		event_assign(&r->ev[i], base, d->from, 0, on_sock, r);
	}
	if (theap_ev == NULL) {
		theap_ev = evtimer_new(base, on_theap, NULL);
		if (event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE)
			ev_closed = EV_CLOSED;
	}
	r->d[0].bytes = first_sent;
	if (first_len > 0) {
		struct dir *d = &r->d[0];
		size_t cap = first_len > r->o.bufsize ? first_len : r->o.bufsize;
		d->buf = xmalloc(cap);
		memcpy(d->buf, first, first_len);
		d->len = first_len;
		/* a larger buffer may go to the cache: it holds bufsize too */
		/* The connection was just established: its send buffer is
		 * empty, so try at once rather than wait to be told it is
		 * writable (unless the caller just tried). Errors are left
		 * to the event loop. */
		ssize_t n = 0;
		if (r->tls) {
			struct xprt x = { sfd, o->srv_ssl };
			size_t w = 0;
			short want = EV_WRITE;
			/* errors are left to the event loop, as below */
			if (xprt_send(&x, d->buf, d->len, &w, &want) == XPRT_OK)
				n = (ssize_t)w;
			else
				set_wwant(r, 1, want);
		} else if (!first_sent) {
			n = send(sfd, d->buf, d->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		if (n > 0) {
			d->off = (size_t)n;
			d->bytes += (uint64_t)n;
			if (d->off == d->len) {
				relay_buf_put(d->buf, r->o.bufsize);
				d->buf = NULL;
				d->len = d->off = 0;
			}
		}
	}
	update(&r->d[0]);
	update(&r->d[1]);
	arm_timer(r);
	/* bytes an SSL decrypted already (the client's with its Finished
	 * or after inspection, the server's after an HTTP upgrade) would
	 * wait for a socket event that never comes: have the loop read
	 * them */
	if (r->tls) {
		for (int i = 0; i < 2; i++) {
			struct xprt x = { i ? sfd : cfd, i ? o->srv_ssl : o->cli_ssl };
			if (xprt_pending(&x) && (r->evmask[i] & EV_READ))
				event_active(&r->ev[i], EV_READ, 0);
		}
	}
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
		if (r->evmask[i])
			event_del(&r->ev[i]);
		if (d->buf)
			relay_buf_put(d->buf, r->o.bufsize);
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
	th_del(r);
	th_arm();
	if (nrelay_cache < CACHE_MAX)
		relay_cache[nrelay_cache++] = r;
	else
		free(r);
}
