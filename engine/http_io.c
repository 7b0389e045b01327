/* HTTP mode I/O (http_int.h): one input buffer per direction (tune.bufsize),
 * socket reads and writes through engine/xprt.h, and the forwarding of
 * bodies straight from the input buffer of one side to the socket of the
 * other: a body byte is copied once (kernel to buffer) whatever its size,
 * and a side stops reading while its buffer is full (bounded memory). */
#include "engine/http_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "engine/engine.h"
#include "engine/relay.h"
#include "engine/session.h"
#include "engine/session_int.h"
#include "lib/util.h"

/* A side holds a buffer only while it has bytes in it, so an idle
 * keep-alive connection costs no 2 x tune.bufsize; empty buffers go back
 * to the thread's cache the relay also uses (engine/relay.h). */
void
http_buf_alloc(struct http_buf *b, size_t cap)
{
	if (b->b)
		return;
	b->b = relay_buf_get(cap);
	b->cap = cap;
	b->off = b->len = 0;
}

void
http_buf_free(struct http_buf *b)
{
	if (b->b)
		relay_buf_put(b->b, b->cap);
	b->b = NULL;
	b->off = b->len = b->cap = 0;
}

/* Moves the unconsumed bytes to the front (room at the end). */
void
http_buf_compact(struct http_buf *b)
{
	if (b->off == 0)
		return;
	if (b->len > b->off)
		memmove(b->b, b->b + b->off, b->len - b->off);
	b->len -= b->off;
	b->off = 0;
}

/* Reads into buf from x; shared by both sides. */
static int
side_read(struct xprt *x, struct http_buf *b, size_t cap, bool *ready, short *want,
          bool *eof, uint64_t *count)
{
	http_buf_alloc(b, cap);
	if (b->off == b->len)
		b->off = b->len = 0;
	if (b->len == b->cap)
		http_buf_compact(b);
	if (b->len == b->cap)
		return 0;
	size_t n = 0;
	short w = EV_READ;
	enum xprt_rc rc = xprt_recv(x, b->b + b->len, b->cap - b->len, &n, &w);
	switch (rc) {
	case XPRT_OK:
		/* a short read drained the socket: the (level-triggered)
		 * event says when more comes, which spares a read that would
		 * only answer EAGAIN; bytes OpenSSL holds (decrypted, or read
		 * ahead: http_sess_start) are read at once */
		if (n < b->cap - b->len && !xprt_buffered(x))
			*ready = false;
		b->len += n;
		if (count)
			*count += n;
		*want = EV_READ;
		return 1;
	case XPRT_AGAIN:
		*ready = false;
		*want = w;
		if (b->len == 0)
			http_buf_free(b); /* idle: hold no buffer */
		return 0;
	case XPRT_EOF:
		*eof = true;
		*ready = false;
		return 1;
	default:
		*ready = false;
		return -1;
	}
}

int
http_cli_read(struct http_sess *h)
{
	if (!h->c_rd || h->cli_eof)
		return 0;
	return side_read(&h->cx, &h->in, h->lim.bufsize, &h->c_rd, &h->c_rwant, &h->cli_eof,
	                 &h->s->bytes_in);
}

int
http_srv_read(struct http_sess *h)
{
	if (!h->s_rd || h->srv_eof || h->sx.fd < 0)
		return 0;
	return side_read(&h->sx, &h->rin, h->lim.bufsize, &h->s_rd, &h->s_rwant, &h->srv_eof,
	                 NULL);
}

/* Sends buf[0..len) to x: 1 when some went, 0 none (AGAIN), -1 error. */
static int
side_send(struct xprt *x, const char *buf, size_t len, size_t *sent, bool *ready,
          short *want)
{
	size_t n = 0;
	short w = EV_WRITE;
	*sent = 0;
	if (len == 0)
		return 0;
	enum xprt_rc rc = xprt_send(x, buf, len, &n, &w);
	if (rc == XPRT_OK) {
		*sent = n;
		*want = EV_WRITE;
		return 1;
	}
	if (rc == XPRT_AGAIN) {
		*ready = false;
		*want = w;
		return 0;
	}
	*ready = false;
	return -1;
}

void
http_rechunk_init(struct http_rechunk *rc, size_t max_line)
{
	h1c_init(&rc->ck, max_line);
	sbuf_reset(&rc->out);
	rc->out_off = 0;
	sbuf_reset(&rc->trl);
	rc->in_trl = false;
	rc->done = false;
}

void
http_rechunk_free(struct http_rechunk *rc)
{
	FREE_NULL(rc->out.s);
	rc->out.len = rc->out.cap = 0;
	FREE_NULL(rc->trl.s);
	rc->trl.len = rc->trl.cap = 0;
	rc->out_off = 0;
	rc->in_trl = rc->done = false;
}

/* The trailer section collected in rc->trl, re-written: lower-case
 * names, values without surrounding blanks. */
static void
put_trailers(struct http_rechunk *rc)
{
	const char *p = rc->trl.s ? rc->trl.s : "";
	size_t n = rc->trl.len, i = 0;
	sbuf_adds(&rc->out, "0\r\n");
	while (i < n) {
		size_t e = i;
		while (e < n && p[e] != '\n')
			e++;
		size_t le = e;
		if (le > i && p[le - 1] == '\r')
			le--;
		const char *c = memchr(p + i, ':', le - i);
		if (c) {
			for (const char *q = p + i; q < c; q++)
				sbuf_addc(&rc->out, (char)((*q >= 'A' && *q <= 'Z') ? *q + 32 : *q));
			sbuf_adds(&rc->out, ": ");
			const char *v = c + 1, *ve = p + le;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			sbuf_addn(&rc->out, v, (size_t)(ve - v));
			sbuf_adds(&rc->out, "\r\n");
		}
		i = e + 1;
	}
	sbuf_adds(&rc->out, "\r\n");
}

/* Re-frames the chunked bytes at the front of b into rc->out (at most
 * about a buffer's worth at a time); -1 on a malformed chunk. */
static int
rechunk(struct http_buf *b, struct http_rechunk *rc, size_t limit)
{
	while (!rc->done && b->off < b->len && rc->out.len < limit) {
		const char *p = b->b + b->off;
		size_t avail = b->len - b->off, used = 0, data = 0;
		bool trl = rc->in_trl;
		enum h1c_result r = h1c_step(&rc->ck, p, avail, &used, &data);
		if (r == H1C_BAD)
			return -1;
		if (trl)
			sbuf_addn(&rc->trl, p, used);
		b->off += used;
		if (r == H1C_DATA && data) {
			sbuf_addf(&rc->out, "%zx\r\n", data);
			sbuf_addn(&rc->out, p + used, data);
			sbuf_adds(&rc->out, "\r\n");
			b->off += data;
		} else if (r == H1C_TRAILERS) {
			rc->in_trl = true;
		} else if (r == H1C_DONE) {
			put_trailers(rc);
			rc->done = true;
		}
	}
	if (b->off == b->len)
		b->off = b->len = 0;
	return 0;
}

/* Sends the re-framed chunked body of b to x: 1 progress, 0 none, -1
 * send error, -2 malformed chunk; *finished once all of it went. */
static int
send_chunked(struct xprt *x, struct http_buf *b, struct http_rechunk *rc, size_t limit,
             bool *ready, short *want, uint64_t *count, bool *finished)
{
	int progress = 0;
	size_t n;
	*finished = false;
	for (;;) {
		if (rc->out_off < rc->out.len) {
			if (!*ready)
				return progress;
			int r = side_send(x, rc->out.s + rc->out_off, rc->out.len - rc->out_off, &n,
			                  ready, want);
			if (r < 0)
				return -1;
			if (r == 0)
				return progress;
			rc->out_off += n;
			if (count)
				*count += n;
			progress = 1;
			continue;
		}
		sbuf_reset(&rc->out);
		rc->out_off = 0;
		if (rc->done) {
			*finished = true;
			return 1;
		}
		if (rechunk(b, rc, limit) < 0)
			return -2;
		if (rc->out.len == 0)
			return progress;
	}
}

int
http_to_srv(struct http_sess *h)
{
	int progress = 0;
	size_t n;
	if (!h->s_wr || h->sx.fd < 0)
		return 0;
	while (h->sout_off < h->sout.len) {
		int r = side_send(&h->sx, h->sout.s + h->sout_off, h->sout.len - h->sout_off, &n,
		                  &h->s_wr, &h->s_wwant);
		if (r < 0)
			return -1;
		if (r == 0)
			return progress;
		h->sout_off += n;
		progress = 1;
	}
	if (h->rb == HB_CHUNKED) {
		bool fin;
		int r = send_chunked(&h->sx, &h->in, &h->rq, h->lim.bufsize, &h->s_wr, &h->s_wwant,
		                     NULL, &fin);
		if (r < 0)
			return r;
		progress |= r;
		if (fin)
			h->rb = HB_NONE;
	}
	while (h->rb == HB_CLEN && h->s_wr) {
		size_t avail = h->in.len - h->in.off;
		size_t a = avail < h->rb_left ? avail : (size_t)h->rb_left;
		if (a == 0)
			break;
		int r = side_send(&h->sx, h->in.b + h->in.off, a, &n, &h->s_wr, &h->s_wwant);
		if (r < 0)
			return -1;
		if (r == 0)
			return progress;
		progress = 1;
		h->in.off += n;
		h->rb_left -= n;
		if (h->in.off == h->in.len)
			h->in.off = h->in.len = 0;
	}
	if (h->rb == HB_CLEN && h->rb_left == 0)
		h->rb = HB_NONE;
	if (h->rb == HB_NONE && h->sout_off == h->sout.len && !h->req_sent) {
		h->req_sent = true;
		sbuf_reset(&h->sout);
		h->sout_off = 0;
		progress = 1;
	}
	return progress;
}

int
http_cout_flush(struct http_sess *h)
{
	int progress = 0;
	size_t n;
	while (h->c_wr && h->cout_off < h->cout.len) {
		int r = side_send(&h->cx, h->cout.s + h->cout_off, h->cout.len - h->cout_off, &n,
		                  &h->c_wr, &h->c_wwant);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		h->cout_off += n;
		h->s->bytes_out += n;
		progress = 1;
	}
	if (h->cout_off == h->cout.len && h->cout.len) {
		sbuf_reset(&h->cout);
		h->cout_off = 0;
	}
	return progress;
}

int
http_to_cli(struct http_sess *h)
{
	int progress = http_cout_flush(h);
	size_t n;
	if (progress < 0)
		return -1;
	if (h->cout.len || !h->res_head_sent || h->res_done)
		return progress;
	bool done = false;
	if (h->sb == HB_CHUNKED) {
		int r = send_chunked(&h->cx, &h->rin, &h->rs, h->lim.bufsize, &h->c_wr, &h->c_wwant,
		                     &h->s->bytes_out, &done);
		if (r < 0)
			return r;
		progress |= r;
	}
	while ((h->sb == HB_CLEN || h->sb == HB_CLOSE) && h->c_wr) {
		size_t avail = h->rin.len - h->rin.off;
		size_t a = h->sb == HB_CLOSE || avail < h->sb_left ? avail : (size_t)h->sb_left;
		if (a == 0)
			break;
		int r = side_send(&h->cx, h->rin.b + h->rin.off, a, &n, &h->c_wr, &h->c_wwant);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		progress = 1;
		h->rin.off += n;
		h->s->bytes_out += n;
		if (h->sb == HB_CLEN)
			h->sb_left -= n;
		if (h->rin.off == h->rin.len)
			h->rin.off = h->rin.len = 0;
	}
	switch (h->sb) {
	case HB_NONE:
		done = true;
		break;
	case HB_CLEN:
		done = h->sb_left == 0;
		break;
	case HB_CHUNKED:
		break;
	case HB_CLOSE:
		done = h->srv_eof && h->rin.off == h->rin.len;
		break;
	}
	if (done) {
		h->sb = HB_NONE;
		h->res_done = true;
		progress = 1;
	}
	return progress;
}

/* Whether a side has bytes to write now. */
static bool
cli_has_output(const struct http_sess *h)
{
	if (h->cout_off < h->cout.len)
		return true;
	if (h->ph != HP_XFER || !h->res_head_sent || h->res_done)
		return false;
	return h->rin.len > h->rin.off || h->rs.out_off < h->rs.out.len;
}

static bool
srv_has_output(const struct http_sess *h)
{
	if (h->sout_off < h->sout.len)
		return true;
	if (h->ph != HP_XFER || h->rb == HB_NONE)
		return false;
	return h->in.len > h->in.off || h->rq.out_off < h->rq.out.len;
}

static void on_cli_event(evutil_socket_t fd, short what, void *arg);
static void on_srv_event(evutil_socket_t fd, short what, void *arg);

/* Arms ev on fd for want (0: none) when it changed. */
static void
set_event(struct http_sess *h, struct event **evp, int fd, short want, short *cur,
          event_callback_fn cb)
{
	if (want == *cur)
		return;
	struct event_base *base = h->s->w->base;
	if (*evp == NULL) {
		*evp = event_new(base, fd, want | EV_PERSIST, cb, h);
	} else {
		event_del(*evp);
		event_assign(*evp, base, fd, want | EV_PERSIST, cb, h);
	}
	if (want)
		event_add(*evp, NULL);
	*cur = want;
}

void
http_watch_idle(struct http_sess *h, int fd)
{
	struct session *s = h->s;
	if (h->watch_fd >= 0 && h->watch_fd != fd)
		http_unwatch_idle(h);
	if (h->s_ev != EV_READ || event_get_fd(s->sev) != fd) {
		h->s_ev = -1;
		set_event(h, &s->sev, fd, EV_READ, &h->s_ev, on_srv_event);
	}
	h->watch_fd = fd;
}

void
http_unwatch_idle(struct http_sess *h)
{
	if (h->s->sev)
		event_del(h->s->sev);
	h->s_ev = -1;
	h->watch_fd = -1;
}

void
http_update_events(struct http_sess *h)
{
	struct session *s = h->s;
	short cw = 0, sw = 0;
	bool room_in = h->in.b == NULL || h->in.off > 0 || h->in.len < h->in.cap;
	bool room_rin = h->rin.b == NULL || h->rin.off > 0 || h->rin.len < h->rin.cap;

	/* (HP_SRV too: the read event stays as it is while the server
	 * phase runs, and goes once the client is found readable) */
	if (h->ph == HP_REQ || h->ph == HP_XFER || h->ph == HP_BODY || h->ph == HP_SRV) {
		if (!h->c_rd && !h->cli_eof && room_in)
			cw |= h->c_rwant;
	}
	if (!h->c_wr && cli_has_output(h))
		cw |= h->c_wwant;
	if (h->ph == HP_XFER && h->sx.fd >= 0) {
		if (!h->s_rd && !h->srv_eof && !h->res_done && room_rin)
			sw |= h->s_rwant;
		if (!h->s_wr && srv_has_output(h))
			sw |= h->s_wwant;
	}
	if (h->ph == HP_TUNNEL || h->ph == HP_DONE)
		cw = 0;
	set_event(h, &s->cev, h->cx.fd, cw, &h->c_ev, on_cli_event);
	if (h->ph == HP_XFER && h->sx.fd >= 0)
		set_event(h, &s->sev, h->sx.fd, sw, &h->s_ev, on_srv_event);
}

static void
on_cli_event(evutil_socket_t fd, short what, void *arg)
{
	struct http_sess *h = arg;
	(void)fd;
	if (what & EV_READ) {
		if (h->c_rwant == EV_READ)
			h->c_rd = true;
		if (h->c_wwant == EV_READ)
			h->c_wr = true;
	}
	if (what & EV_WRITE) {
		if (h->c_rwant == EV_WRITE)
			h->c_rd = true;
		if (h->c_wwant == EV_WRITE)
			h->c_wr = true;
	}
	http_run(h);
}

static void
on_srv_event(evutil_socket_t fd, short what, void *arg)
{
	struct http_sess *h = arg;
	if (fd != h->sx.fd) {
		/* the idle connection watched between transactions */
		http_idle_event(h, (int)fd);
		return;
	}
	if (what & EV_READ) {
		if (h->s_rwant == EV_READ)
			h->s_rd = true;
		if (h->s_wwant == EV_READ)
			h->s_wr = true;
	}
	if (what & EV_WRITE) {
		if (h->s_rwant == EV_WRITE)
			h->s_rd = true;
		if (h->s_wwant == EV_WRITE)
			h->s_wr = true;
	}
	http_run(h);
}

bool
http_res_body_check(struct http_sess *h)
{
	if (h->sb != HB_CHUNKED)
		return true;
	return rechunk(&h->rin, &h->rs, h->lim.bufsize) == 0;
}

bool
http_skip_req_body(struct http_sess *h)
{
	size_t avail = h->in.len - h->in.off;
	if (h->rb == HB_NONE)
		return true;
	if (h->rb == HB_CLEN) {
		size_t n = avail < h->rb_left ? avail : (size_t)h->rb_left;
		h->in.off += n;
		h->rb_left -= n;
		if (h->rb_left == 0) {
			h->rb = HB_NONE;
			return true;
		}
		return false;
	}
	if (h->rb == HB_CHUNKED) {
		size_t used = 0;
		enum h1c_result r = h1c_feed(&h->rq.ck, h->in.b + h->in.off, avail, &used);
		if (r == H1C_BAD)
			return false;
		h->in.off += used;
		if (r == H1C_DONE) {
			h->rb = HB_NONE;
			return true;
		}
	}
	return false;
}
