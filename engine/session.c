/* The session state machine (session.h). Passthrough path:
 *   accept -> [PROXY header] -> tcp-request connection rules
 *   -> inspect (tcp-request content rules, inspect-delay)
 *   -> use_backend / default_backend -> server (lb, queue)
 *   -> connect (retries, redispatch) -> relay -> close + log.
 * This file holds the states, accept, inspection, kills and the end of a
 * session; from use-server to the relay it is session_connect.c. */
#include "engine/session.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/event.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/http.h"
#include "engine/lb.h"
#include "engine/log.h"
#include "engine/relay.h"
#include "engine/server.h"
#include "engine/session_int.h"
#include "engine/smp_eval.h"
#include "engine/sni_stats.h"
#include "engine/xprt.h"
#include "lib/log.h"
#include "parser/bind.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"
#include "proto/proxyproto.h"

static void sess_end(struct session *s, char c0, char c1, bool log);

void
sess_close(struct session *s, char c0, char c1)
{
	/* HTTP mode: a server phase failure is answered (503) and the
	 * session goes on (engine/http.h) */
	if (s->http && http_on_close(s, c0, c1))
		return;
	sess_end(s, c0, c1, true);
}

void
sess_close_nolog(struct session *s, char c0, char c1)
{
	sess_end(s, c0, c1, false);
}

static void choose_backend(struct session *s);
static void start_tls_or_session(struct session *s);

static const char *const state_names[] = {
	[SS_PROXY_HDR] = "proxy-hdr", [SS_TLS_ACCEPT] = "tls-accept",
	[SS_INSPECT] = "inspect", [SS_QUEUED] = "queued",
	[SS_TURNAROUND] = "turnaround", [SS_CONNECTING] = "connecting",
	[SS_TLS_CONNECT] = "tls-connect", [SS_HTTP] = "http",
	[SS_FORWARD] = "forward", [SS_HANDOFF] = "handoff", [SS_CLOSED] = "closed",
};

/* The only place that changes a session's state. */
void
sess_set_state(struct session *s, enum sess_state st)
{
	if (s->w->eng->opts.debug)
		log_debug("session %p: %s -> %s", (void *)s, state_names[s->st], state_names[st]);
	s->st = st;
}

static void
arm(struct event *ev, uint32_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };
	event_add(ev, ms ? &tv : NULL);
}

/* (Re)programs the session's state timer: an event must not be assigned
 * while pending, so it is deleted first. ms 0 = no deadline. */
void
sess_set_timer(struct session *s, event_callback_fn cb, uint32_t ms)
{
	event_del(s->tmr);
	event_assign(s->tmr, s->w->base, -1, 0, cb, s);
	if (ms)
		arm(s->tmr, ms);
}

/* Same for the client-side event. */
void
sess_watch_client(struct session *s, event_callback_fn cb)
{
	event_del(s->cev);
	/* EV_CLOSED as the relay's client event has it (engine/relay.c):
	 * the same epoll mask, so the hand-over costs no epoll_ctl */
	event_assign(s->cev, s->w->base, s->cfd, EV_READ | EV_CLOSED | EV_PERSIST, cb, s);
	event_add(s->cev, NULL);
}

static long long
wall_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

uint32_t
sess_px_timeout(const struct cfg_proxy *px, enum px_timeout_id id)
{
	return px ? px->timeout[id] : 0;
}

/* ---- per-thread caches -------------------------------------------------- */

/* The inspection buffer (first size) and the parsed ClientHello (4.5 KB)
 * live only until forwarding starts. Freed, these large blocks get split
 * by later allocations, leaving holes between long-lived sessions; kept
 * per thread and reused, they fragment the heap less and cost no
 * malloc/free per connection. */
#define REQ_FIRST 4096
#define TCACHE_MAX 16

struct tcache {
	void *v[TCACHE_MAX];
	int n;
};

static _Thread_local struct tcache req_cache, ch_cache;

static void *
tcache_get(struct tcache *c, size_t size)
{
	return c->n > 0 ? c->v[--c->n] : xmalloc(size);
}

static void
tcache_put(struct tcache *c, void *p)
{
	if (p == NULL)
		return;
	if (c->n < TCACHE_MAX)
		c->v[c->n++] = p;
	else
		free(p);
}

static void
tcache_clear(struct tcache *c)
{
	while (c->n > 0)
		free(c->v[--c->n]);
}

/* Releases s's inspection buffer and parsed hello to the caches. */
void
sess_release_inspect(struct session *s)
{
	if (s->req_cap == REQ_FIRST)
		tcache_put(&req_cache, s->req);
	else
		free(s->req);
	s->req = NULL;
	s->req_cap = 0;
	s->sctx.req = NULL;
	tcache_put(&ch_cache, s->sctx.ch);
	s->sctx.ch = NULL;
	s->sctx.ch_parsed = false;
}

/* ---- smp_ctx --------------------------------------------------------- */

const struct ch_info *
sctx_hello(struct smp_ctx *ctx, enum ch_result *rc)
{
	if (!ctx->ch_parsed || ctx->ch_parsed_len != ctx->req_len) {
		if (ctx->ch == NULL)
			ctx->ch = tcache_get(&ch_cache, sizeof(*ctx->ch));
		ctx->ch_rc = ch_parse(ctx->req, ctx->req_len, ctx->ch);
		ctx->ch_parsed = true;
		ctx->ch_parsed_len = ctx->req_len;
	}
	*rc = ctx->ch_rc;
	return ctx->ch_rc == CH_OK ? ctx->ch : NULL;
}

void
sess_sync_ctx(struct session *s, bool final)
{
	struct smp_ctx *c = &s->sctx;
	c->req = s->req;
	c->req_len = s->req ? s->req_len : 0;
	c->final = final;
	c->be = s->be ? s->be->px : NULL;
	c->srv = s->srv ? s->srv->cfg : NULL;
}

/* ---- closing ------------------------------------------------------------ */

static bool
set_nolinger(int fd)
{
	struct linger lg = { 1, 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	return true;
}

/* Reads what the client sent and nobody will use, so that closing does
 * not answer it with a reset (which would also discard what we sent). */
static void
drain_client(int fd)
{
	char buf[4096];
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
	}
}

void
sess_free_setup_events(struct session *s)
{
	struct event **evs[] = { &s->cev, &s->sev, &s->tmr, &s->qwake };
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		if (*evs[i]) {
			event_free(*evs[i]);
			*evs[i] = NULL;
		}
	}
}

void
sess_release_server(struct session *s)
{
	if (s->srv == NULL)
		return;
	struct backend *be = s->be;
	srv_sess_detach(s->srv, s); /* server.c: on-marked-down/up links */
	lb_release(be->lb, s->srv);
	s->srv = NULL;
	backend_slot_freed(be);
}

/* The listener whose counters a session feeds ("option socket-stats"),
 * or NULL. */
static struct listener *
li_stats(const struct session *s)
{
	return PX_OPT(s->fe->px, PXO_SOCKET_STATS) ? s->l : NULL;
}

/* Stats at the end of a session that reached a backend (HAProxy's
 * stream_update_time_stats() and its abort counters): a client or server
 * error in the data phase counts as cli_abrt / srv_abrt; the times of a
 * session that got connected feed the qtime/ctime/rtime/ttime averages
 * (rtime is 0 in TCP mode, where HAProxy takes t_data = t_connect). */
static void
count_end(struct session *s, struct srv_counters *sc)
{
	struct backend *be = s->be;
	if (s->term[1] == 'D' && (s->term[0] == 'C' || s->term[0] == 'S')) {
		bool cli = s->term[0] == 'C';
		atomic_fetch_add(cli ? &be->cli_abrt : &be->srv_abrt, 1);
		if (sc)
			atomic_fetch_add(cli ? &sc->cli_abrt : &sc->srv_abrt, 1);
		/* a server abort is a response error too (observed) */
		if (!cli) {
			atomic_fetch_add(&be->eresp, 1);
			if (sc)
				atomic_fetch_add(&sc->eresp, 1);
		}
	}
	/* a tunnel ended by timeout counts as an abort of that side too,
	 * without eresp (observed on 2.6.12: "cD" cli_abrt, "sD" srv_abrt;
	 * HTTP mode counts its own in http_txn.c, and releases s->be) */
	if (s->term[1] == 'D' && (s->term[0] == 'c' || s->term[0] == 's')) {
		bool cli = s->term[0] == 'c';
		atomic_fetch_add(cli ? &be->cli_abrt : &be->srv_abrt, 1);
		if (sc)
			atomic_fetch_add(cli ? &sc->cli_abrt : &sc->srv_abrt, 1);
	}
	if (s->t_established < 0)
		return;
	long long q = s->t_connect >= 0 ? s->t_connect - s->t0 : s->t_established - s->t0;
	unsigned tq = (unsigned)(q < 0 ? 0 : q);
	unsigned tc = (unsigned)(s->t_established - s->t0 - (long long)tq);
	unsigned tt = (unsigned)(now_ms() - s->t0);
	ctr_times_add(&be->times, atomic_load(&be->lbtot), tq, tc, 0, tt);
	if (sc)
		ctr_times_add(&sc->times, atomic_load(&sc->lbtot), tq, tc, 0, tt);
}

/* ---- the worker's registry (stats socket) ------------------------------ */

static void
registry_link(struct session *s)
{
	struct worker *w = s->w;
	s->uid = atomic_fetch_add(&w->eng->sess_uid, 1);
	pthread_mutex_lock(&w->sess_lock);
	s->wprev = w->sess_tail;
	s->wnext = NULL;
	if (w->sess_tail)
		w->sess_tail->wnext = s;
	else
		w->sess_head = s;
	w->sess_tail = s;
	pthread_mutex_unlock(&w->sess_lock);
}

static void
registry_unlink(struct session *s)
{
	struct worker *w = s->w;
	pthread_mutex_lock(&w->sess_lock);
	if (s->wprev)
		s->wprev->wnext = s->wnext;
	else if (w->sess_head == s)
		w->sess_head = s->wnext;
	if (s->wnext)
		s->wnext->wprev = s->wprev;
	else if (w->sess_tail == s)
		w->sess_tail = s->wprev;
	s->wnext = s->wprev = NULL;
	pthread_mutex_unlock(&w->sess_lock);
}

bool
sess_kill(struct worker *w, const struct session *target)
{
	bool found = false;
	pthread_mutex_lock(&w->sess_lock);
	for (struct session *s = w->sess_head; s; s = s->wnext) {
		if (s != target)
			continue;
		/* alive while linked: sess_end unlinks before freeing */
		sess_request_kill(s, 'K');
		found = true;
		break;
	}
	pthread_mutex_unlock(&w->sess_lock);
	return found;
}

const char *
sess_state_name(enum sess_state st)
{
	return st <= SS_CLOSED ? state_names[st] : "?";
}

/* The only place that frees a session. c0c1 is HAProxy's termination
 * state (reference §4.6): who/what ended it, and in which phase. A
 * connection refused by tcp-request connection rules is not logged. */
static void
sess_end(struct session *s, char c0, char c1, bool log)
{
	struct engine *eng = s->w->eng;
	if (s->st == SS_CLOSED)
		return;
	bool handed = s->st == SS_HANDOFF;
	if (s->http || s->st == SS_HTTP) {
		/* HTTP mode logs each transaction itself (engine/http.h);
		 * one still waiting for its first request has none */
		http_sess_end(s, c0, c1);
		log = false;
	}
	registry_unlink(s);
	if (s->term[0] == 0) {
		s->term[0] = c0;
		s->term[1] = c1;
	}
	if (s->queued)
		backend_dequeue(s->be, s);
	sess_set_state(s, SS_CLOSED);
	if (!handed) /* else: the child's counts (sess_handoff_end) */
		s->bytes_in = s->req_len;
	if (s->relay) {
		struct relay_stats st;
		relay_stats(s->relay, &st);
		/* c2s counts the PROXY header we added */
		if (st.c2s > s->pp_len && st.c2s - s->pp_len > s->bytes_in)
			s->bytes_in = st.c2s - s->pp_len;
		s->bytes_out = st.s2c;
		relay_free(s->relay);
		s->relay = NULL;
	}
	/* a hand-off's other side is told, the parent's bytes counted */
	sess_handoff_end(s, handed);
	/* The server connection goes first: a queued session woken by the
	 * freed slot must not find this one still open (maxconn is exact). */
	if (s->sev)
		event_free(s->sev);
	/* option nolinger: close with a reset, dropping unsent data */
	if (s->sfd >= 0 && s->be && PX_OPT(s->be->px, PXO_NOLINGER))
		set_nolinger(s->sfd);
	if (s->cfd >= 0 && PX_OPT(s->fe->px, PXO_NOLINGER))
		s->dropped = set_nolinger(s->cfd);
	if (s->sfd >= 0)
		close(s->sfd);
	struct srv_state *srv = s->srv;
	struct srv_counters *sc = NULL;
	if (srv) {
		int i = backend_srv_index(s->be, srv);
		if (i >= 0) {
			sc = &s->be->sc[i];
			atomic_fetch_add(&sc->bytes_in, s->bytes_in);
			atomic_fetch_add(&sc->bytes_out, s->bytes_out);
		}
	}
	if (s->be)
		count_end(s, sc);
	if (s->be) {
		atomic_fetch_add(&s->be->bytes_in, s->bytes_in);
		atomic_fetch_add(&s->be->bytes_out, s->bytes_out);
		atomic_fetch_sub(&s->be->cur_conn, 1);
	}
	sess_release_server(s);
	atomic_fetch_add(&s->fe->bytes_in, s->bytes_in);
	atomic_fetch_add(&s->fe->bytes_out, s->bytes_out);
	struct listener *ls = li_stats(s);
	if (ls) {
		atomic_fetch_add(&ls->bytes_in, s->bytes_in);
		atomic_fetch_add(&ls->bytes_out, s->bytes_out);
		atomic_fetch_sub(&ls->cur_conn, 1);
	}
	sni_stats_end(s); /* show sni */

	/* HAProxy logs after releasing the backend and the server but while
	 * the frontend still counts the session (%ac/%fc include it, %bc/%sc
	 * do not) */
	s->srv = srv; /* for its name in the line */
	sess_sync_ctx(s, true);
	if (log)
		log_session(eng->logs, s);
	s->srv = NULL;
	sess_tls_free(s); /* after the line: its TLS fields read them */

	engine_conn_release(eng, s->fe);
	if (s->cfd >= 0 && !s->dropped && !s->cli_eof)
		drain_client(s->cfd);
	if (s->cev)
		event_free(s->cev);
	if (s->tmr)
		event_free(s->tmr);
	if (s->qwake)
		event_free(s->qwake);
	if (s->cfd >= 0)
		close(s->cfd);
	sess_release_inspect(s);
	free(s->srv_local);
	if (s->srv_addr_owned)
		free((void *)s->srv_addr);
	free(s->pp_hdr);
	smp_vars_free(&s->sctx);
	s->w->nsess--;
	free(s);
}

void
sess_close_all(struct worker *w)
{
	while (w->sess_head)
		sess_end(w->sess_head, 'K', 'D', false);
	tcache_clear(&req_cache);
	tcache_clear(&ch_cache);
}

/* ---- reading the client during PROXY header and inspection ------------- */

/* Reads what the client sent into s->req. Returns 1 when bytes came, 0
 * on EAGAIN, -1 on EOF (s->cli_eof) or error (errno set, not EAGAIN). */
int
sess_read_client(struct session *s)
{
	if (s->req_len >= INSPECT_MAX)
		return 0;
	if (s->req_cap < INSPECT_MAX) {
		size_t cap = s->req_cap ? s->req_cap * 2 : REQ_FIRST;
		if (cap > INSPECT_MAX)
			cap = INSPECT_MAX;
		if (cap > s->req_cap && s->req_len + 1024 > s->req_cap) {
			if (s->req == NULL)
				s->req = tcache_get(&req_cache, REQ_FIRST);
			else
				s->req = xrealloc(s->req, cap);
			s->req_cap = cap;
		}
	}
	if (s->cli_ssl && s->st != SS_PROXY_HDR) {
		/* decrypted bytes: what OpenSSL holds is read at once (the
		 * socket will not signal it) */
		struct xprt x = { s->cfd, s->cli_ssl };
		size_t got = 0, n;
		short want;
		enum xprt_rc rc = XPRT_AGAIN;
		while (s->req_len < s->req_cap &&
		       (rc = xprt_recv(&x, s->req + s->req_len, s->req_cap - s->req_len,
		                       &n, &want)) == XPRT_OK) {
			s->req_len += n;
			got += n;
			if (!xprt_pending(&x))
				break;
		}
		if (got > 0)
			return 1;
		if (rc == XPRT_AGAIN)
			return 0;
		if (rc == XPRT_EOF)
			s->cli_eof = true;
		errno = 0;
		return -1;
	}
	ssize_t n = recv(s->cfd, s->req + s->req_len, s->req_cap - s->req_len, 0);
	if (n > 0) {
		s->req_len += (size_t)n;
		return 1;
	}
	if (n == 0) {
		s->cli_eof = true;
		errno = 0;
		return -1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return -1;
}

/* ---- tcp-request rules -------------------------------------------------- */

enum verdict { V_CONTINUE, V_ACCEPT, V_REJECT, V_SILENT_DROP, V_WAIT };

/* Runs a rule list; stops at the first final action that applies. */
static enum verdict
run_rules(struct session *s, const struct px_rule *const *rules, size_t n,
          bool final)
{
	sess_sync_ctx(s, final);
	for (size_t i = 0; i < n; i++) {
		const struct px_rule *r = rules[i];
		enum acl_result res = acl_cond_eval(r->cond, &s->sctx);
		if (res == ACL_MISS)
			return V_WAIT;
		if (res == ACL_FAIL)
			continue;
		switch (r->act) {
		case PX_ACT_ACCEPT:
			return V_ACCEPT;
		case PX_ACT_REJECT:
			return V_REJECT;
		case PX_ACT_SILENT_DROP:
			return V_SILENT_DROP;
		case PX_ACT_EXPECT_PROXY:
			/* handled at accept (it needs the raw socket) */
			continue;
		default:
			if (smp_action_exec(r, &s->sctx) == SMP_ACT_WAIT)
				return V_WAIT;
			continue;
		}
	}
	return V_CONTINUE;
}

static void
silent_drop(struct session *s)
{
	/* RST without FIN: the client gets no clean close (HAProxy's intent
	 * is that the client keeps waiting; a reset is the portable part). */
	struct linger lg = { 1, 0 };
	setsockopt(s->cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	s->dropped = true;
}

static void wait_client(evutil_socket_t fd, short what, void *arg);
static void on_inspect_read(evutil_socket_t fd, short what, void *arg);

/* When inspection ends on a rejection or on the inspect delay, and the
 * rules looked at a ClientHello that was not a complete, valid one, a
 * connection error line says why (sluice beyond HAProxy: its tcplog line
 * only says "PR" or shows the default backend). */
static void
explain_inspection(struct session *s, bool delay_expired, bool rejected)
{
	if (!s->sctx.ch_parsed || (!rejected && !delay_expired))
		return;
	const char *why = NULL;
	switch (s->sctx.ch_rc) {
	case CH_OK:
		return;
	case CH_NEED_MORE:
		why = "inspect-delay expired before the ClientHello was complete";
		break;
	case CH_NOT_TLS:
		why = "the client did not start with a TLS ClientHello (NOT_TLS)";
		break;
	case CH_MALFORMED:
		why = "malformed TLS ClientHello (MALFORMED)";
		break;
	case CH_TOO_LARGE:
		why = "TLS ClientHello larger than 16 KiB (TOO_LARGE)";
		break;
	}
	char *msg = xasprintf("%s%s", why, rejected ? ", connection rejected" : "");
	log_conn_error(s->w->eng->logs, s, msg);
	free(msg);
}

/* Evaluates the content rules of the proxy being inspected (the frontend,
 * then the backend when it has its own); true when the session moved on
 * (or closed), false when it must wait for more data. */
static bool
inspect_step(struct session *s, bool timed_out)
{
	const struct cfg_proxy *px = s->inspect_px;
	bool final = timed_out || s->cli_eof || s->req_len >= INSPECT_MAX ||
	             px->tcp_req_inspect_delay == 0;
	enum verdict v = run_rules(s, (const struct px_rule *const *)px->tcp_req_cont.v,
	                           px->tcp_req_cont.n, final);
	if (v == V_WAIT && !final)
		return false;
	explain_inspection(s, timed_out && px->tcp_req_inspect_delay > 0,
	                   v == V_REJECT || v == V_SILENT_DROP);
	if (v == V_REJECT || v == V_SILENT_DROP) {
		atomic_fetch_add(&s->fe->denied_req, 1);
		if (li_stats(s))
			atomic_fetch_add(&s->l->denied_req, 1);
		if (px != s->fe->px && s->be)
			atomic_fetch_add(&s->be->denied_req, 1);
		if (v == V_SILENT_DROP)
			silent_drop(s);
		sess_close(s, 'P', 'R');
		return true;
	}
	/* The client socket stays polled (wait_client) until the relay
	 * takes it over: the base's changelist then merges the switch
	 * into no epoll_ctl at all, where a delete now and an add once
	 * connected cost two. Already polled by on_inspect_read, it stays
	 * so (that one stops as wait_client does): a re-watch would cost
	 * an epoll_ctl MOD. */
	if (event_get_callback(s->cev) != on_inspect_read || !event_pending(s->cev, EV_READ, NULL))
		sess_watch_client(s, wait_client);
	event_del(s->tmr);
	if (px == s->fe->px)
		choose_backend(s);
	else
		sess_start_server_phase(s);
	return true;
}

/* The client spoke (or closed) while its session waits for a server:
 * stop polling it (the relay reads it once connected). */
static void
wait_client(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	(void)what;
	event_del(s->cev);
}

/* A client error (a reset) while its bytes are inspected ends the
 * inspection as an EOF would: the rules run on what came and the server
 * gets it; the session then ends as a client abort ("CD", cli_abrt) in
 * start_forward, as HAProxy 2.6 does (observed), not as "CR" unrouted. */
static void
inspect_client_error(struct session *s)
{
	s->cli_eof = true;
	s->cli_err = true;
}

static void
on_inspect_read(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	bool timed_out = (what & EV_TIMEOUT) != 0;
	if (s->st != SS_INSPECT) { /* inspection is over: as wait_client */
		if (!timed_out)
			event_del(s->cev);
		return;
	}
	if (!timed_out) {
		int r = sess_read_client(s);
		if (r < 0 && !s->cli_eof)
			inspect_client_error(s);
		else if (r == 0 && s->req_len < INSPECT_MAX)
			return;
	}
	inspect_step(s, timed_out);
}

static void
start_inspect(struct session *s, const struct cfg_proxy *px)
{
	sess_set_state(s, SS_INSPECT);
	s->inspect_px = px;
	/* Without a delay, or without content rules, HAProxy does not wait:
	 * the rules see what is there now (usually nothing). */
	if (px->tcp_req_inspect_delay == 0 || px->tcp_req_cont.n == 0) {
		int r = sess_read_client(s);
		if (r < 0 && !s->cli_eof)
			inspect_client_error(s);
		inspect_step(s, true);
		return;
	}
	sess_watch_client(s, on_inspect_read);
	sess_set_timer(s, on_inspect_read, px->tcp_req_inspect_delay);
	/* data may already be there */
	int r = sess_read_client(s);
	if (r < 0 && !s->cli_eof)
		inspect_client_error(s);
	if (r > 0 || s->cli_eof || s->req_len > 0) /* or bytes already there */
		inspect_step(s, false);
}

/* After the PROXY header (if any): tcp-request session rules, then the
 * frontend's content inspection. */
void
sess_start_session(struct session *s)
{
	const struct cfg_proxy *fe = s->fe->px;
	/* HAProxy's "Connect from ..." line when no log format is set */
	log_accept(s->w->eng->logs, s);
	enum verdict v = run_rules(s, (const struct px_rule *const *)fe->tcp_req_sess.v,
	                           fe->tcp_req_sess.n, true);
	if (v == V_REJECT || v == V_SILENT_DROP) {
		atomic_fetch_add(&s->fe->denied_sess, 1);
		if (li_stats(s))
			atomic_fetch_add(&s->l->denied_sess, 1);
		if (v == V_SILENT_DROP)
			silent_drop(s);
		sess_close(s, 'P', 'R');
		return;
	}
	/* HAProxy counts a session (stot, rate) once these rules passed */
	atomic_fetch_add(&s->fe->cum_sess, 1);
	if (li_stats(s))
		atomic_fetch_add(&s->l->cum_sess, 1);
	uint32_t tnow = (uint32_t)now_ms();
	ctr_max(&s->fe->sps_max, ctr_freq_add(&s->fe->sess_rate, 1, tnow));
	ctr_max(&s->w->eng->sps_max, ctr_freq_add(&s->w->eng->sess_rate, 1, tnow));
	if (fe->mode == PX_MODE_HTTP) {
		http_sess_start(s); /* engine/http.h: HTTP mode owns s now */
		return;
	}
	start_inspect(s, fe);
}

/* ---- PROXY header (accept-proxy / expect-proxy) ------------------------- */

/* True when the incomplete PROXY header in s->req can never complete in
 * the inspection buffer: the buffer is full, or a v2 header announces
 * more than it holds (HAProxy calls it truncated at once). */
static bool
pp_cannot_fit(const struct session *s)
{
	return s->req_len >= INSPECT_MAX || pp_v2_total(s->req, s->req_len) > INSPECT_MAX;
}

static void
on_proxy_read(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	if (what & EV_TIMEOUT) {
		/* HAProxy has no session yet: a connection error line
		 * (reference §4.7), no traffic log line, neither ereq nor
		 * bytes counted (observed on 2.6.12) */
		log_conn_error(s->w->eng->logs, s, "Timeout while waiting for PROXY protocol header");
		s->req_len = 0;
		sess_close_nolog(s, 'c', 'R');
		return;
	}
	int r = sess_read_client(s);
	if (r < 0 && !s->cli_eof) {
		sess_close(s, 'C', 'R');
		return;
	}
	struct pp_info pi;
	enum pp_result pr = pp_parse(s->req, s->req_len, &pi);
	if (pr == PP_NEED_MORE && !s->cli_eof && !pp_cannot_fit(s))
		return;
	if (pr != PP_OK) {
		/* HAProxy's wording for each fault; as for the timeout, no
		 * traffic log line and no ereq (observed on 2.6.12) */
		log_conn_error(s->w->eng->logs, s,
		               pr == PP_NOT_PROXY ? "Received something which does not look like a PROXY protocol header" :
		               pr == PP_MALFORMED ? "Received an invalid PROXY protocol header" :
		               "Truncated PROXY protocol header received");
		s->req_len = 0;
		sess_close_nolog(s, 'P', 'R');
		return;
	}
	/* as HAProxy, only TCP over IPv4/IPv6 replaces the addresses */
	if (!pi.local && (pi.family == AF_INET || pi.family == AF_INET6)) {
		sess_addr_set(&s->src, (const struct sockaddr *)&pi.src, sizeof(pi.src));
		sess_addr_set(&s->dst, (const struct sockaddr *)&pi.dst, sizeof(pi.dst));
	}
	/* drop the header: what follows is the client's data */
	memmove(s->req, s->req + pi.consumed, s->req_len - pi.consumed);
	s->req_len -= pi.consumed;
	event_del(s->cev);
	event_del(s->tmr);
	start_tls_or_session(s);
}

static void
start_tls_or_session(struct session *s)
{
	if (s->l->bind->ssl)
		sess_tls_accept(s);
	else
		sess_start_session(s);
}

static void
start_proxy_hdr(struct session *s)
{
	sess_set_state(s, SS_PROXY_HDR);
	sess_watch_client(s, on_proxy_read);
	/* HAProxy bounds the wait for a PROXY header by timeout client */
	sess_set_timer(s, on_proxy_read, sess_px_timeout(s->fe->px, PX_TO_CLIENT));
}

/* ---- backend and server --------------------------------------------------- */

static void
choose_backend(struct session *s)
{
	const struct cfg_proxy *fe = s->fe->px;
	struct engine *eng = s->w->eng;
	const struct cfg_proxy *be = NULL;

	sess_sync_ctx(s, true);
	for (size_t i = 0; i < fe->use_backends.n && be == NULL; i++) {
		const struct px_switch *sw = fe->use_backends.v[i];
		if (acl_cond_eval(sw->cond, &s->sctx) != ACL_PASS)
			continue;
		if (sw->dyn == NULL) {
			be = sw->be;
			break;
		}
		/* dynamic name: no such backend ends the rule walk and the
		 * default backend is used */
		struct sbuf name = { 0 };
		if (lf_render(sw->dyn, &s->sctx, &name) == 0 && name.len > 0) {
			struct backend *b = engine_backend_by_name(eng, name.s);
			be = b ? b->px : NULL;
		}
		free(name.s);
		break;
	}
	if (be == NULL)
		be = fe->default_be;
	if (be == NULL && (fe->cap & PX_CAP_BE))
		be = fe; /* a listen's own servers */
	if (be == NULL) {
		/* no backend: HAProxy closes the connection (TCP) */
		sess_close(s, 'P', 'R');
		return;
	}
	s->be = engine_backend(eng, be);
	ctr_max(&s->be->conn_max, (unsigned)atomic_fetch_add(&s->be->cur_conn, 1) + 1);
	atomic_fetch_add(&s->be->cum_conn, 1);
	long long tnow = now_ms();
	ctr_max(&s->be->sps_max, ctr_freq_add(&s->be->sess_rate, 1, (uint32_t)tnow));
	atomic_store(&s->be->last_sess_ms, tnow);
	long long r = be->retries_set ? be->retries : 3;
	s->retries_left = (int)r;
	/* a backend's own tcp-request content rules run after switching */
	if (be != fe && be->tcp_req_cont.n > 0) {
		start_inspect(s, be);
		return;
	}
	sess_start_server_phase(s);
}

/* server.c asks (from any thread) to close the sessions of a server:
 * on-marked-down shutdown-sessions ('D') or, on a backup, on-marked-up
 * shutdown-backup-sessions ('U'); the second letter is the phase, as in
 * HAProxy's termination state ("DD", "UD", "DC"). */
static void
on_kill(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	(void)what;
	char why = (char)atomic_exchange(&s->kill_why, 0);
	if (s->st == SS_CLOSED || why == 0)
		return;
	if (why == 'H') {
		/* its hand-off child ended (session_handoff.c set the state) */
		sess_close(s, '-', '-');
		return;
	}
	if (why != 'K' && !s->slinked)
		return;
	if (why == 'K') {
		/* "shutdown session" / "shutdown sessions server": the
		 * phase as HAProxy's stream termination flags say it */
		static const char phase[] = {
			[SS_PROXY_HDR] = 'R', [SS_TLS_ACCEPT] = 'R', [SS_INSPECT] = 'R',
			[SS_QUEUED] = 'Q', [SS_TURNAROUND] = 'C', [SS_CONNECTING] = 'C',
			/* a relayed tunnel has no phase letter (observed on
			 * 2.6.12: "K-" in mode tcp) */
			[SS_TLS_CONNECT] = 'C', [SS_HTTP] = 'D', [SS_FORWARD] = '-',
			[SS_HANDOFF] = '-', [SS_CLOSED] = 'D',
		};
		sess_close(s, 'K', phase[s->st]);
		return;
	}
	/* a tunnel: no phase letter, as for 'K' ("D-" observed on 2.6.12) */
	sess_close(s, why, s->st == SS_HTTP ? 'D' :
	                   (s->st == SS_FORWARD || s->st == SS_HANDOFF) ? '-' : 'C');
}

/* Any thread: a session holds no event of its own for this (one less
 * per idle session); the worker's kill_ev finds the flagged ones. */
void
sess_request_kill(struct session *s, char why)
{
	atomic_store(&s->kill_why, why);
	event_active(s->w->kill_ev, EV_READ, 0);
}

void
sess_on_kill_requests(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct session **v = NULL;
	size_t n = 0, cap = 0;
	(void)fd;
	(void)what;
	/* collected under the lock, closed without it (sess_end takes it);
	 * only this thread frees its sessions, and closing one frees no
	 * other (a hand-off's other side is told through kill_why too), so
	 * the list stays valid */
	pthread_mutex_lock(&w->sess_lock);
	for (struct session *s = w->sess_head; s; s = s->wnext) {
		if (atomic_load(&s->kill_why) == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = s;
	}
	pthread_mutex_unlock(&w->sess_lock);
	for (size_t i = 0; i < n; i++)
		on_kill(-1, 0, v[i]);
	free(v);
}

/* ---- accept ------------------------------------------------------------- */

struct session *
sess_new(struct worker *w, struct listener *l, int fd, const struct sockaddr *peer,
         socklen_t peerlen, const struct sockaddr_storage *dst)
{
	struct engine *eng = w->eng;
	struct session *s = xcalloc(1, sizeof(*s));

	s->w = w;
	s->l = l;
	s->fe = l->fe;
	s->cfd = fd;
	s->sfd = -1;
	s->t0 = now_ms();
	s->t_accept_wall_ms = wall_ms();
	s->t_queue = s->t_connect = s->t_established = -1;
	sess_addr_set(&s->cli, peer, peerlen);
	s->src = s->cli;
	/* the local address: the listener's own unless it is a wildcard
	 * (saves a system call per connection on specific binds) */
	if (dst) {
		sess_addr_set(&s->dst, (const struct sockaddr *)dst, sizeof(*dst));
	} else if (l->specific) {
		sess_addr_set(&s->dst, (const struct sockaddr *)&l->addr, sizeof(l->addr));
	} else {
		struct sockaddr_storage ss;
		socklen_t dl = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &dl) < 0)
			dl = 0; /* AF_UNSPEC */
		sess_addr_set(&s->dst, (const struct sockaddr *)&ss, dl);
	}
	s->fc_dst = s->dst;
	s->fe_conn_at_accept = atomic_load(&s->fe->cur_conn);
	ctr_max(&s->fe->conn_max, (unsigned)s->fe_conn_at_accept);
	if (li_stats(s))
		ctr_max(&l->conn_max, (unsigned)atomic_fetch_add(&l->cur_conn, 1) + 1);
	s->cev = event_new(w->base, -1, 0, NULL, NULL);
	s->tmr = evtimer_new(w->base, on_inspect_read, s);
	w->nsess++;
	registry_link(s);

	struct smp_ctx *c = &s->sctx;
	c->cfg = eng->cfg;
	c->eng = eng;
	c->sess = s;
	c->fe = s->fe->px;
	c->src = &s->src;
	c->dst = &s->dst;
	c->fc_src = &s->cli;
	c->fc_dst = &s->fc_dst;
	c->thread = w->id;
	c->bind = l->bind;
	c->cfd = fd;
	c->accept_ms = s->t_accept_wall_ms;

	if (peer->sa_family != AF_UNIX) {
		int one = 1;
		/* TCP_NODELAY comes from the listening socket */
		/* option tcpka / clitcpka: kernel keep-alives on the client side */
		if (PX_OPT(s->fe->px, PXO_TCPKA) || PX_OPT(s->fe->px, PXO_CLITCPKA))
			setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	}
	return s;
}

void
sess_begin(struct session *s)
{
	struct listener *l = s->l;
	struct smp_ctx *c = &s->sctx;
	/* tcp-request connection: L4 only, before any data or PROXY header */
	const struct cfg_proxy *fe = s->fe->px;
	bool expect_proxy = l->bind->accept_proxy;
	sess_sync_ctx(s, true);
	c->conn_rules = true;
	for (size_t i = 0; i < fe->tcp_req_conn.n; i++) {
		const struct px_rule *r = fe->tcp_req_conn.v[i];
		if (acl_cond_eval(r->cond, c) != ACL_PASS)
			continue;
		if (r->act == PX_ACT_ACCEPT)
			break;
		if (r->act == PX_ACT_REJECT || r->act == PX_ACT_SILENT_DROP) {
			atomic_fetch_add(&s->fe->denied_conn, 1);
			if (li_stats(s))
				atomic_fetch_add(&l->denied_conn, 1);
			if (r->act == PX_ACT_SILENT_DROP)
				silent_drop(s);
			/* HAProxy logs nothing for a connection rejected here */
			sess_end(s, 'P', 'R', false);
			return;
		}
		if (r->act == PX_ACT_EXPECT_PROXY) {
			expect_proxy = true;
			continue;
		}
		smp_action_exec(r, c);
	}
	c->conn_rules = false;
	if (!expect_proxy) {
		start_tls_or_session(s);
		return;
	}
	start_proxy_hdr(s);
	if (s->req_len > 0) /* a hand-off's first bytes */
		on_proxy_read(s->cfd, EV_READ, s);
}

void
sess_accept(struct listener *l, int fd, const struct sockaddr *peer,
            socklen_t peerlen)
{
	sess_begin(sess_new(l->w, l, fd, peer, peerlen, NULL));
}
