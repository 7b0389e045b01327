/* HTTP mode (http.h): the transaction state machine of a session.
 *   HP_REQ  read + parse the head -> frontend rules -> stats/service
 *           -> use_backend -> backend rules -> forwardfor -> connection
 *           headers -> HP_SRV (session_connect.c: lb, queue, connect,
 *           or an idle connection of this session to that server)
 *   HP_XFER head + body to the server; response head -> rules -> head +
 *           body to the client (1xx interim forwarded, 101 -> tunnel)
 *   then the transaction is logged and the next one starts on the same
 *   connection (keep-alive, pipelining) or the session closes.
 * Answers made here (errors, rules, stats page) go through HP_LOCAL.
 * Requests: http_req.c; responses and tunnels: http_res.c; kept server
 * connections: http_conn.c; I/O and bodies: http_io.c; answers, logs
 * and counters: http_txn.c. */
#include "engine/http_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/log.h"
#include "engine/http_local.h"
#include "engine/relay.h"
#include "engine/server.h"
#include "engine/session.h"
#include "engine/session_int.h"
#include "engine/smp_eval.h"
#include "lib/util.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

static void txn_begin(struct http_sess *h, bool first);
static void arm_timer(struct http_sess *h);

const struct http_log_info *
http_log_info(const struct session *s)
{
	return s->http ? &s->http->log : NULL;
}

uint32_t
http_px_tmo(const struct cfg_proxy *px, enum px_timeout_id id)
{
	return px ? px->timeout[id] : 0;
}

/* The frontend's wait for a request: "timeout http-request", else
 * "timeout client"; between requests "timeout http-keep-alive" first. */
static uint32_t
px_req_timeout(const struct cfg_proxy *px, bool keepalive)
{
	uint32_t t = 0;
	if (keepalive)
		t = http_px_tmo(px, PX_TO_HTTP_KEEP_ALIVE);
	if (t == 0)
		t = http_px_tmo(px, PX_TO_HTTP_REQUEST);
	if (t == 0)
		t = http_px_tmo(px, PX_TO_CLIENT);
	return t;
}

static uint32_t
req_timeout(const struct http_sess *h, bool keepalive)
{
	return px_req_timeout(h->s->fe->px, keepalive);
}

static void begin(struct session *s, long long since);

/* The wait for the first byte of a connection's first request (lazy
 * start): fired by the client event or by the request timeout. */
static void
on_first_wake(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	(void)what;
	long long since = s->t_connect;
	s->t_connect = -1;
	/* neither fires again: the HTTP engine re-arms both its own way */
	event_del(s->cev);
	event_del(s->tmr);
	begin(s, since);
}

/* An idle connection waiting for its first request holds no http_sess
 * (1.5 KiB; HAProxy makes its stream on the first bytes too): the
 * session's client event and timer wait, and the first readiness (bytes,
 * close, error) or the request timeout starts it as if it had started at
 * once: the deadline and %Th/%Ti count from the wait's start, which
 * s->t_connect holds meanwhile (no server connection before a request).
 * Bytes already there (after a PROXY header, or decrypted by OpenSSL
 * with the handshake's last record) start it at once. */
void
http_sess_start(struct session *s)
{
	long long now = now_ms();
	sess_set_state(s, SS_HTTP);
	/* a TLS side reads ahead since its handshake (session_tls.c): the
	 * HTTP reads look at xprt_buffered() (http_io.c) */
	struct xprt cx = { s->cfd, s->cli_ssl };
	if ((s->req_len > 0 && s->cli_ssl == NULL) || xprt_buffered(&cx) || s->cev == NULL ||
	    s->tmr == NULL) {
		begin(s, now);
		return;
	}
	sess_release_inspect(s);
	s->req_len = 0;
	s->t_connect = now;
	s->sctx.cli_ssl = s->cli_ssl;
	sess_watch_client(s, on_first_wake);
	sess_set_timer(s, on_first_wake, px_req_timeout(s->fe->px, false));
}

static void
begin(struct session *s, long long since)
{
	const struct cfg_global *g = s->w->eng->cfg->global;
	struct http_sess *h = xcalloc(1, sizeof(*h));
	s->http = h;
	h->s = s;
	sess_set_state(s, SS_HTTP);
	h->cx.fd = s->cfd;
	h->cx.ssl = s->cli_ssl;
	h->sx.fd = -1;
	h1q_limits_default(&h->lim);
	if (g->tune_bufsize > 0)
		h->lim.bufsize = (size_t)g->tune_bufsize;
	if (g->tune_maxrewrite >= 0 && (size_t)g->tune_maxrewrite < h->lim.bufsize)
		h->lim.maxrewrite = (size_t)g->tune_maxrewrite;
	if (g->tune_http_maxhdr > 0)
		h->lim.maxhdr = (size_t)g->tune_http_maxhdr;
	h->max_head = h->lim.bufsize;
	h->qhdrs = http_thread_qhdrs(h->lim.maxhdr);
	h->resp = http_thread_resp();
	h->c_rd = h->c_wr = true;
	h->c_rwant = h->s_rwant = EV_READ;
	h->c_wwant = h->s_wwant = EV_WRITE;
	h->c_ev = h->s_ev = -1;
	h->watch_fd = -1;
	h->tmr_at = -1;
	s->sctx.cli_ssl = s->cli_ssl;
	/* what came after a PROXY header in the same read, or what a
	 * hand-off passed on (session_handoff.c: up to the inspection
	 * buffer, which may exceed tune.bufsize): all of it */
	if (s->req_len > 0 && s->cli_ssl == NULL) {
		http_buf_alloc(&h->in, s->req_len > h->lim.bufsize ? s->req_len : h->lim.bufsize);
		memcpy(h->in.b, s->req, s->req_len);
		h->in.len = s->req_len;
	}
	sess_release_inspect(s);
	s->req_len = 0;
	txn_begin(h, true);
	/* a lazy start: the wait began at since */
	h->log.th = (long)(since - s->t0);
	h->cli_exp = since + req_timeout(h, false);
	http_run(h);
}

/* A new transaction: the session's per-transaction view starts over. */
static void
txn_begin(struct http_sess *h, bool first)
{
	struct session *s = h->s;
	long long now = now_ms();
	if (!first) {
		s->t_accept_wall_ms += now - s->t0;
		s->t0 = now;
	}
	memset(&h->log, 0, sizeof(h->log));
	h->log.th = first ? (long)(now - s->t0) : 0;
	h->log.ti = h->log.tr = h->log.tw = h->log.tc = h->log.tres = -1;
	h->log.status = -1;
	h->log.cookie[0] = h->log.cookie[1] = '-';
	h->ck_srv = -1;
	s->t_queue = s->t_connect = s->t_established = -1;
	s->bytes_in = s->bytes_out = 0;
	s->term[0] = s->term[1] = 0;
	s->retries_done = 0;
	s->be_qpos = 0;
	s->conn_tries = 0;
	s->prev_srv = NULL;
	h->logged = false;
	h->txn_open = false;
	http_set_phase(h, HP_REQ);
	h->cli_exp = now + req_timeout(h, !first);
	h->srv_exp = 0;
}

void
http_set_phase(struct http_sess *h, enum http_phase ph)
{
	h->ph = ph;
	/* HAProxy's H1 mux makes a stream once a request head is whole
	 * and ends it with the answer (observed on 2.6.12: not listed
	 * while a head is partial nor between keep-alive requests); one
	 * closing is gone for show sess too */
	atomic_store_explicit(&h->s->http_stream, ph != HP_REQ && ph != HP_DONE,
	                      memory_order_relaxed);
}

/* Closes s, logging the transaction in progress with c0c1 (http_sess_end
 * does it from sess_end). */
void
http_finish(struct http_sess *h, char c0, char c1)
{
	struct session *s = h->s;
	http_set_phase(h, HP_DONE);
	sess_close(s, c0, c1);
}

/* ---- the server connection --------------------------------------------- */

void
http_on_server_ready(struct session *s, size_t pp_sent)
{
	struct http_sess *h = s->http;
	sess_set_state(s, SS_HTTP);
	h->sx.fd = s->sfd;
	h->sx.ssl = s->srv_ssl;
	if (!h->reused)
		h->uses = 1;
	h->s_rd = h->s_wr = true;
	h->s_rwant = EV_READ;
	h->s_wwant = EV_WRITE;
	/* a watched idle connection taken again keeps its event as it is */
	if (s->sfd != h->watch_fd)
		h->s_ev = -1;
	h->watch_fd = -1;
	h->tmr_at = -1; /* session_connect.c used the timer */
	s->sctx.srv = s->srv ? s->srv->cfg : NULL;
	sbuf_reset(&h->sout);
	h->sout_off = 0;
	if (s->pp_hdr && s->pp_len > pp_sent)
		sbuf_addn(&h->sout, (const char *)s->pp_hdr + pp_sent, s->pp_len - pp_sent);
	hmsg_write(&h->hreq, &h->sout);
	/* a small body already here goes with the head: one write */
	size_t avail = h->in.len - h->in.off;
	if (h->rb == HB_CLEN && avail && h->rb_left <= SMALL_BODY) {
		size_t n = avail < h->rb_left ? avail : (size_t)h->rb_left;
		sbuf_addn(&h->sout, h->in.b + h->in.off, n);
		h->in.off += n;
		h->rb_left -= n;
		if (h->rb_left == 0)
			h->rb = HB_NONE;
	}
	h->req_sent = false;
	http_set_phase(h, HP_XFER);
	h->srv_exp = now_ms() + http_px_tmo(s->be->px, PX_TO_SERVER);
	if (http_px_tmo(s->be->px, PX_TO_SERVER) == 0)
		h->srv_exp = 0;
	h->cli_exp = 0;
	if (h->busy)
		h->again = true;
	else
		http_run(h);
}

bool
http_on_close(struct session *s, char c0, char c1)
{
	struct http_sess *h = s->http;
	if (h == NULL || h->ph != HP_SRV || (c0 != 'S' && c0 != 's'))
		return false;
	/* no server, queue or connect failure: HAProxy answers 503 */
	s->term[0] = c0;
	s->term[1] = c1;
	h->tmr_at = -1; /* session_connect.c's timer callback is replaced */
	http_answer(h, 503, c0, c1);
	if (h->busy)
		h->again = true;
	else
		http_run(h);
	return true;
}

void
http_sess_end(struct session *s, char c0, char c1)
{
	struct http_sess *h = s->http;
	if (h == NULL)
		return;
	/* (a hard stop ends the sessions without their lines, as HAProxy) */
	if (!h->logged && (h->txn_open || s->be)) {
		if (s->w->eng->stopping == 2)
			h->txn_open = false;
		http_txn_end(h, c0, c1);
	}
	http_idle_drop_all(h);
	http_txn_reset(h);
	http_buf_free(&h->in);
	http_buf_free(&h->rin);
	free(h->sout.s);
	free(h->cout.s);
	s->sctx.http = NULL;
	s->sctx.http_res = NULL;
	s->http = NULL;
	free(h);
}

/* ---- request ------------------------------------------------------------ */









/* ---- response ----------------------------------------------------------- */


/* ---- tunnel (101) -------------------------------------------------------- */



/* ---- the loop ------------------------------------------------------------- */

/* The client went away or failed; c1 the phase. */
static int
client_gone(struct http_sess *h, char c0)
{
	/* a request body still on its way is the data phase for HAProxy
	 * 2.6.12 too (observed: "CD--", counted in cli_abrt) */
	bool body_due = !h->req_sent && h->rb != HB_NONE;
	char c1 = h->ph == HP_REQ ? 'R' : h->res_head_sent || body_due ? 'D' : 'H';
	if (h->ph == HP_REQ && (h->txn_open || h->nreq == 0)) {
		/* in the middle of a request, or before the first one:
		 * HAProxy counts a bad request (400, "CR") and logs it,
		 * except a connection that sent nothing under dontlognull;
		 * one idle between requests just closes */
		http_count_bad_req(h);
		http_count_status(h, 400);
		if (!h->txn_open && !PX_OPT(h->s->fe->px, PXO_DONTLOGNULL))
			h->txn_open = true;
		if (h->txn_open && h->log.status < 0)
			h->log.status = 400;
	}
	http_finish(h, c0, c1);
	return -1;
}

/* The server failed before or during its response. */
static int
server_gone(struct http_sess *h, char c0)
{
	struct session *s = h->s;
	int i = s->srv ? backend_srv_index(s->be, s->srv) : -1;
	if (!h->res_head_sent && h->cout.len == 0 && c0 == 'S' && h->nreq > 1 &&
	    h->rin.len == h->rin.off && !h->have_res) {
		/* a later request of a keep-alive connection: the client may
		 * send it again, so HAProxy closes without an answer */
		atomic_fetch_add(&s->be->eresp, 1);
		if (i >= 0)
			atomic_fetch_add(&s->be->sc[i].eresp, 1);
		h->cli_ka = false;
		http_finish(h, c0, 'H');
		return -1;
	}
	if (!h->res_head_sent && h->cout.len == 0) {
		http_close_server(h);
		atomic_fetch_add(&s->be->eresp, 1);
		if (i >= 0)
			atomic_fetch_add(&s->be->sc[i].eresp, 1);
		/* the rest of a request body cannot be skipped: the answer
		 * closes and says so (HAProxy 2.6.12, observed) */
		if (!h->req_sent && h->rb != HB_NONE)
			h->cli_ka = false;
		http_answer(h, c0 == 's' ? 504 : 502, c0, 'H');
		return 1;
	}
	http_finish(h, c0, 'D');
	return -1;
}

/* HAProxy 2.6 answers 413 to an HTTP/1.0 GET, HEAD or DELETE request
 * with a payload (Content-Length > 0 or chunked) unless the global
 * h1-accept-payload-with-any-method is set (observed). */
static bool
payload_refused(const struct cfg_global *g, const struct h1q_req *q)
{
	if (g->h1_accept_payload_with_any_method || q->major != 1 || q->minor != 0)
		return false;
	if (!(q->body == H1Q_BODY_CHUNKED ||
	      (q->body == H1Q_BODY_CLEN && q->content_length > 0)))
		return false;
	return (q->method_len == 3 && memcmp(q->method, "GET", 3) == 0) ||
	       (q->method_len == 4 && memcmp(q->method, "HEAD", 4) == 0) ||
	       (q->method_len == 6 && memcmp(q->method, "DELETE", 6) == 0);
}

/* True when the body bytes that arrived with a chunked head (msg[0..len),
 * head_len bytes of head) hold a malformed chunk framing; the bytes are
 * only looked at, not consumed. */
static bool
chunks_refused(const struct http_sess *h, const char *msg, size_t len, size_t head_len)
{
	struct h1c ck;
	size_t used = 0;
	if (len <= head_len)
		return false;
	h1c_init(&ck, h->lim.bufsize);
	return h1c_feed(&ck, msg + head_len, len - head_len, &used) == H1C_BAD;
}

/* Whether a server's head fits HAProxy's buffer as a request's must
 * (proto/http1_req.h): beyond, HAProxy answers 502 (observed on 2.6.12). */
static bool
resp_head_fits(const struct http_sess *h, const struct h1r_resp *r)
{
	/* the version is "HTTP/x.y", the status three digits */
	size_t cost = h1q_cost_line(8 + 3 + r->reason_len);
	for (size_t i = 0; i < r->nhdrs; i++)
		cost += h1q_cost_field(r->hdrs[i].name_len, r->hdrs[i].value_len);
	return h1q_head_fits(&h->lim, r->head_len, cost);
}

/* One pass over what can move in phase HP_REQ. */
static int
step_req(struct http_sess *h)
{
	struct session *s = h->s;
	int rd = http_cli_read(h);
	if (rd < 0)
		return client_gone(h, 'C');
	size_t avail = h->in.len - h->in.off;
	if (avail == 0) {
		if (h->cli_eof) {
			s->cli_eof = true;
			return client_gone(h, 'C');
		}
		return rd;
	}
	if (h->log.t_req == 0) {
		h->log.t_req = now_ms();
		h->log.ti = (long)(h->log.t_req - s->t0 - h->log.th);
		h->txn_open = true;
		h->cli_exp = now_ms() + req_timeout(h, false);
	} else if (rd > 0 && http_px_tmo(s->fe->px, PX_TO_HTTP_REQUEST) == 0) {
		/* without "timeout http-request", HAProxy's "timeout client"
		 * runs between the chunks of a head, not over the whole head:
		 * each read restarts it (reference §1.9; observed on 2.6.12:
		 * a head trickled faster than the client timeout is not cut) */
		h->cli_exp = now_ms() + req_timeout(h, false);
	}
	h->req.hdrs = h->qhdrs;
	h->req.hdrs_cap = h->lim.maxhdr;
	enum h1q_result rc = h1q_parse(h->in.b + h->in.off, avail, &h->lim, &h->req);
	if (rc == H1Q_NEED_MORE) {
		if (avail < h->lim.bufsize && !h->cli_eof)
			return rd;
		if (h->cli_eof)
			return client_gone(h, 'C');
		rc = H1Q_BAD; /* does not fit in the buffer */
	}
	if (rc != H1Q_OK) {
		http_count_bad_req(h);
		h->in.off = h->in.len; /* nothing after it is read */
		http_raw_error(h, rc == H1Q_UNPROCESSABLE ? 422 : 400, 'P', 'R');
		return 1;
	}
	if (payload_refused(s->w->eng->cfg->global, &h->req)) {
		/* as HAProxy's H1 parser: an invalid request, answered 413 */
		http_count_bad_req(h);
		h->in.off = h->in.len;
		http_raw_error(h, 413, 'P', 'R');
		return 1;
	}
	if (h->req.body == H1Q_BODY_CHUNKED &&
	    chunks_refused(h, h->in.b + h->in.off, avail, h->req.head_len)) {
		/* HAProxy parses the chunk sizes that came with the head
		 * before any server is chosen: a bad one is a request error
		 * (PR--, <NOSRV>), not a server's */
		http_count_bad_req(h);
		h->in.off = h->in.len;
		http_raw_error(h, 400, 'P', 'R');
		return 1;
	}
	return http_process_request(h);
}

static int
step_xfer(struct http_sess *h)
{
	int progress = 0, r;
	if (!h->req_sent) {
		r = http_to_srv(h);
		if (r == -2) {
			atomic_fetch_add(&h->s->fe->failed_req, 1);
			h->cli_ka = false;
			if (!h->res_head_sent && h->cout.len == 0) {
				http_close_server(h);
				http_raw_error(h, 400, 'P', 'D');
				return 1;
			}
			http_finish(h, 'P', 'D');
			return -1;
		}
		if (r < 0)
			return server_gone(h, 'S');
		progress |= r;
	}
	r = http_cli_read(h);
	if (r < 0)
		return client_gone(h, 'C');
	progress |= r;
	if (h->cli_eof && !h->req_sent && h->rb != HB_NONE && h->in.len == h->in.off &&
	    !(h->rb == HB_CHUNKED && h->rq.done))
		return client_gone(h, 'C'); /* body cut short */
	if (!h->res_done) {
		r = http_srv_read(h);
		if (r < 0)
			return server_gone(h, 'S');
		progress |= r;
	}
	while (!h->res_head_sent && h->ph == HP_XFER && h->rin.len > h->rin.off) {
		enum h1r_result pr = h1r_parse(h->rin.b + h->rin.off, h->rin.len - h->rin.off,
		                               h->resp);
		if (pr == H1R_NEED_MORE) {
			if (h->rin.len - h->rin.off < h1q_raw_room(&h->lim))
				break;
			pr = H1R_MALFORMED;
		}
		if (pr == H1R_OK && !resp_head_fits(h, h->resp))
			pr = H1R_MALFORMED;
		/* as for requests, the chunk sizes that came with the head
		 * are parsed with it (HAProxy: a 502 before any 2xx counted) */
		if (pr == H1R_OK && h->resp->body == H1R_BODY_CHUNKED &&
		    chunks_refused(h, h->rin.b + h->rin.off, h->rin.len - h->rin.off,
		                   h->resp->head_len))
			pr = H1R_MALFORMED;
		if (pr == H1R_MALFORMED) {
			http_close_server(h);
			atomic_fetch_add(&h->s->be->eresp, 1);
			/* and the server's (HAProxy's failed_resp) */
			struct srv_counters *esc = ctr_srv(h->s->be, h->s->srv);
			if (esc)
				atomic_fetch_add(&esc->eresp, 1);
			http_answer(h, 502, 'P', 'H');
			return 1;
		}
		r = http_process_response(h);
		if (r < 0)
			return -1;
		progress = 1;
	}
	if (h->ph != HP_XFER)
		return 1;
	if (!h->res_head_sent && h->srv_eof && h->rin.len == h->rin.off && h->cout.len == 0)
		return server_gone(h, 'S');
	r = http_to_cli(h);
	if (r == -2) {
		atomic_fetch_add(&h->s->be->eresp, 1);
		http_finish(h, 'S', 'D');
		return -1;
	}
	if (r < 0)
		return client_gone(h, 'C');
	progress |= r;
	if (h->res_head_sent && !h->res_done && h->srv_eof && h->rin.len == h->rin.off)
		return server_gone(h, 'S'); /* body cut short */
	if (h->res_done && h->cout.len == 0) {
		if (!h->req_sent) {
			/* answered before the whole request: no reuse */
			h->srv_ka = false;
			h->cli_ka = false;
		}
		return 2; /* transaction complete */
	}
	return progress;
}

/* The end of a transaction: server connection kept or closed, log,
 * next transaction or close. 1 progress, -1 gone. */
static int
txn_complete(struct http_sess *h)
{
	struct session *s = h->s;
	if (s->sfd >= 0) {
		if (h->srv_ka && !h->srv_eof && h->rin.len == h->rin.off &&
		    h->sout_off == h->sout.len && s->srv)
			http_park_server(h);
		else
			http_close_server(h);
	}
	http_txn_end(h, '-', '-');
	bool more = h->in.len > h->in.off;
	if (!h->cli_ka || (h->cli_eof && !more) || s->w->eng->stopping) {
		if (h->cli_eof)
			s->cli_eof = true;
		http_finish(h, '-', '-');
		return -1;
	}
	http_txn_reset(h);
	txn_begin(h, false);
	if (!more && h->in.b) {
		/* an idle connection keeps no buffers */
		http_buf_free(&h->in);
		http_buf_free(&h->rin);
	}
	return 1;
}

static int
step(struct http_sess *h)
{
	int r;
	switch (h->ph) {
	case HP_REQ:
		return step_req(h);
	case HP_BODY:
		r = http_cout_flush(h);
		if (r < 0 || http_cli_read(h) < 0)
			return client_gone(h, 'C');
		http_buf_compact(&h->in);
		if (h->in.len - h->in.off >= h->rb_left || h->in.len == h->in.cap || h->cli_eof) {
			if (h->in.len - h->in.off >= h->rb_left) {
				h->s->sctx.http_body = h->in.b + h->in.off;
				h->s->sctx.http_body_len = (size_t)h->rb_left;
			}
			http_serve_local(h, false);
			return 1;
		}
		return r;
	case HP_SRV:
	case HP_TARPIT:
	case HP_DONE:
		return 0;
	case HP_TUNNEL:
		r = http_cout_flush(h);
		if (r < 0)
			return client_gone(h, 'C');
		if (h->cout.len == 0) {
			http_start_tunnel(h);
			return 0;
		}
		return r;
	case HP_LOCAL:
		if (h->rb != HB_NONE) {
			/* the request body the answer does not need is
			 * skipped when it is all there; else no keep-alive */
			if (http_cli_read(h) < 0)
				return client_gone(h, 'C');
			if (!http_skip_req_body(h) && (h->in.len == h->in.cap || h->cli_eof))
				h->cli_ka = false;
		}
		r = http_cout_flush(h);
		if (r < 0)
			return client_gone(h, 'C');
		if (h->cout.len == 0) {
			if (h->rb != HB_NONE)
				h->cli_ka = false;
			return txn_complete(h);
		}
		return r;
	case HP_XFER:
		r = step_xfer(h);
		if (r == 2)
			return txn_complete(h);
		return r;
	}
	return 0;
}

bool
http_run(struct http_sess *h)
{
	if (h->busy) {
		h->again = true;
		return true;
	}
	h->busy = true;
	for (int guard = 0;; guard++) {
		h->again = false;
		int r = step(h);
		if (r < 0)
			return false; /* freed */
		if (r == 0 && !h->again)
			break;
		if (guard > 10000)
			break; /* never spin: the events come back */
	}
	h->busy = false;
	if (h->ph == HP_TUNNEL)
		return true;
	/* deadlines of the sides that wait */
	long long now = now_ms();
	struct session *s = h->s;
	if (h->ph == HP_XFER) {
		/* a request body that stalls before the response starts is
		 * left to "timeout server" (504, sH), not "timeout client":
		 * HAProxy 2.6.12 does so (observed); each byte forwarded
		 * restarts the server's timer below, so does a trickle */
		bool cli_wait = h->cout.len > h->cout_off || (h->res_head_sent && !h->res_done);
		uint32_t ct = http_px_tmo(s->fe->px, PX_TO_CLIENT);
		uint32_t st = http_px_tmo(s->be->px, PX_TO_SERVER);
		h->cli_exp = cli_wait && ct ? now + ct : 0;
		h->srv_exp = !h->res_done && st ? now + st : 0;
	} else if (h->ph == HP_LOCAL || h->ph == HP_BODY) {
		uint32_t ct = http_px_tmo(s->fe->px, PX_TO_CLIENT);
		h->cli_exp = ct ? now + ct : 0;
	}
	http_update_events(h);
	arm_timer(h);
	return true;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	struct http_sess *h = s->http;
	(void)fd;
	(void)what;
	long long now = now_ms();
	h->tmr_at = -1;
	if (h->ph == HP_TARPIT && now >= h->tarpit_end) {
		http_answer(h, 0, 'P', 'T');
		http_run(h);
		return;
	}
	if (h->cli_exp && now >= h->cli_exp) {
		if (h->ph == HP_REQ && (h->txn_open || h->nreq == 0)) {
			/* a partial request, or none on a new connection:
			 * 408, and close (an idle keep-alive one just closes) */
			http_count_bad_req(h);
			h->txn_open = true;
			http_raw_error(h, 408, 'c', 'R');
			http_run(h);
			return;
		}
		if (h->ph == HP_REQ) {
			http_finish(h, 'c', 'R');
			return;
		}
		http_finish(h, 'c', h->res_head_sent ? 'D' : 'H');
		return;
	}
	if (h->srv_exp && now >= h->srv_exp && h->ph == HP_XFER) {
		if (!h->req_sent && (h->in.len > h->in.off || h->sout.len > h->sout_off ||
		                     h->rq.out.len > h->rq.out_off)) {
			/* the server stopped taking the request: HAProxy's
			 * write timeout, sD and a close without an answer
			 * (observed on 2.6.12); a body that only waits for
			 * the client gets the 504 below */
			http_finish(h, 's', 'D');
			return;
		}
		if (server_gone(h, 's') < 0)
			return;
		http_run(h);
		return;
	}
	arm_timer(h);
}

/* The state timer for the earliest deadline. */
static void
arm_timer(struct http_sess *h)
{
	struct session *s = h->s;
	long long at = 0;
	if (h->ph == HP_SRV || h->ph == HP_DONE)
		return; /* session_connect.c's */
	if (h->ph == HP_TARPIT)
		at = h->tarpit_end;
	if (h->cli_exp && (at == 0 || h->cli_exp < at))
		at = h->cli_exp;
	if (h->srv_exp && (at == 0 || h->srv_exp < at))
		at = h->srv_exp;
	/* a later deadline keeps the timer armed for the earlier one: it
	 * fires, finds nothing expired and re-arms (saves re-arming it at
	 * every step of a busy connection) */
	if (at == h->tmr_at || (at && h->tmr_at > 0 && at > h->tmr_at))
		return;
	h->tmr_at = at;
	long long ms = at ? at - now_ms() : 0;
	if (at && ms <= 0)
		ms = 1;
	sess_set_timer(s, on_timer, (uint32_t)ms);
}
