/* The session state machine (session.h). Passthrough path:
 *   accept -> [PROXY header] -> tcp-request connection rules
 *   -> inspect (tcp-request content rules, inspect-delay)
 *   -> use_backend / default_backend -> server (lb, queue)
 *   -> connect (retries, redispatch) -> relay -> close + log. */
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
#include "engine/lb.h"
#include "engine/log.h"
#include "engine/relay.h"
#include "engine/server.h"
#include "engine/smp_eval.h"
#include "engine/sni_stats.h"
#include "lib/log.h"
#include "parser/bind.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"
#include "proto/proxyproto.h"

/* Room for the PROXY header we send: v2 with every TLV we may add. */
#define PP_HDR_MAX 536

/* Largest request kept while inspecting: a ClientHello of 16 KiB plus its
 * record headers fits; more is considered final (HAProxy: buffer full). */
#define INSPECT_MAX (16384 + 5 * 4 + 2048)

static void sess_end(struct session *s, char c0, char c1, bool log);

static void
sess_close(struct session *s, char c0, char c1)
{
	sess_end(s, c0, c1, true);
}

static void choose_backend(struct session *s);
static void start_session(struct session *s);
static void start_server(struct session *s);
static void try_connect(struct session *s);

static const char *const state_names[] = {
	"proxy-hdr", "inspect", "queued", "turnaround", "connecting", "forward", "closed",
};

/* The only place that changes a session's state. */
static void
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
static void
set_timer(struct session *s, event_callback_fn cb, uint32_t ms)
{
	event_del(s->tmr);
	event_assign(s->tmr, s->w->base, -1, 0, cb, s);
	if (ms)
		arm(s->tmr, ms);
}

/* Same for the client-side event. */
static void
watch_client(struct session *s, event_callback_fn cb)
{
	event_del(s->cev);
	event_assign(s->cev, s->w->base, s->cfd, EV_READ | EV_PERSIST, cb, s);
	event_add(s->cev, NULL);
}

static long long
wall_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static uint32_t
px_timeout(const struct cfg_proxy *px, enum px_timeout_id id)
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
static void
release_inspect(struct session *s)
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

static void
sync_ctx(struct session *s, bool final)
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

static void
release_server(struct session *s)
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
	registry_unlink(s);
	if (s->term[0] == 0) {
		s->term[0] = c0;
		s->term[1] = c1;
	}
	if (s->queued)
		backend_dequeue(s->be, s);
	sess_set_state(s, SS_CLOSED);
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
	release_server(s);
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
	sync_ctx(s, true);
	if (log)
		log_session(eng->logs, s);
	s->srv = NULL;

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
	release_inspect(s);
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
static int
read_client(struct session *s)
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
	sync_ctx(s, final);
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

static void start_server_phase(struct session *s);
static void wait_client(evutil_socket_t fd, short what, void *arg);

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
	 * connected cost two. */
	watch_client(s, wait_client);
	event_del(s->tmr);
	if (px == s->fe->px)
		choose_backend(s);
	else
		start_server_phase(s);
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

static void
on_inspect_read(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	bool timed_out = (what & EV_TIMEOUT) != 0;
	if (!timed_out) {
		int r = read_client(s);
		if (r < 0 && !s->cli_eof) {
			sess_close(s, 'C', 'R'); /* client error while waiting */
			return;
		}
		if (r == 0 && s->req_len < INSPECT_MAX)
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
		int r = read_client(s);
		if (r < 0 && !s->cli_eof) {
			sess_close(s, 'C', 'R');
			return;
		}
		inspect_step(s, true);
		return;
	}
	watch_client(s, on_inspect_read);
	set_timer(s, on_inspect_read, px->tcp_req_inspect_delay);
	/* data may already be there */
	int r = read_client(s);
	if (r < 0 && !s->cli_eof) {
		sess_close(s, 'C', 'R');
		return;
	}
	if (r > 0 || s->cli_eof)
		inspect_step(s, false);
}

/* After the PROXY header (if any): tcp-request session rules, then the
 * frontend's content inspection. */
static void
start_session(struct session *s)
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
	start_inspect(s, fe);
}

/* ---- PROXY header (accept-proxy / expect-proxy) ------------------------- */

static void
on_proxy_read(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	if (what & EV_TIMEOUT) {
		atomic_fetch_add(&s->fe->failed_req, 1);
		if (li_stats(s))
			atomic_fetch_add(&s->l->failed_req, 1);
		sess_close(s, 'c', 'R');
		return;
	}
	int r = read_client(s);
	if (r < 0 && !s->cli_eof) {
		sess_close(s, 'C', 'R');
		return;
	}
	struct pp_info pi;
	enum pp_result pr = pp_parse(s->req, s->req_len, &pi);
	if (pr == PP_NEED_MORE && !s->cli_eof)
		return;
	if (pr != PP_OK) {
		log_conn_error(s->w->eng->logs, s, "Received something which does not look like a PROXY protocol header");
		atomic_fetch_add(&s->fe->failed_req, 1);
		if (li_stats(s))
			atomic_fetch_add(&s->l->failed_req, 1);
		sess_close(s, 'P', 'R');
		return;
	}
	/* as HAProxy, only TCP over IPv4/IPv6 replaces the addresses */
	if (!pi.local && (pi.family == AF_INET || pi.family == AF_INET6)) {
		s->src = pi.src;
		s->dst = pi.dst;
	}
	/* drop the header: what follows is the client's data */
	memmove(s->req, s->req + pi.consumed, s->req_len - pi.consumed);
	s->req_len -= pi.consumed;
	event_del(s->cev);
	event_del(s->tmr);
	start_session(s);
}

static void
start_proxy_hdr(struct session *s)
{
	sess_set_state(s, SS_PROXY_HDR);
	watch_client(s, on_proxy_read);
	/* HAProxy bounds the wait for a PROXY header by timeout client */
	set_timer(s, on_proxy_read, px_timeout(s->fe->px, PX_TO_CLIENT));
}

/* ---- backend and server --------------------------------------------------- */

static void
choose_backend(struct session *s)
{
	const struct cfg_proxy *fe = s->fe->px;
	struct engine *eng = s->w->eng;
	const struct cfg_proxy *be = NULL;

	sync_ctx(s, true);
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
	start_server_phase(s);
}

/* A session got server st (sc: its counters): smax, and lbtot when the
 * load balancer chose it (HAProxy's cum_lbconn: not use-server, not a
 * session leaving the queue). stot and the rate count connection
 * attempts (try_connect), as HAProxy's srv_inc_sess_ctr(). */
static void
count_srv_sess(struct srv_counters *sc, const struct srv_state *st, bool lb)
{
	ctr_max(&sc->conn_max, atomic_load(&st->cur_sess));
	if (lb)
		atomic_fetch_add(&sc->lbtot, 1);
}

/* use-server rules, then load balancing. */
static void
start_server_phase(struct session *s)
{
	const struct cfg_proxy *be = s->be->px;
	sync_ctx(s, true);
	for (size_t i = 0; i < be->use_servers.n; i++) {
		const struct px_switch *sw = be->use_servers.v[i];
		if (sw->srv == NULL || acl_cond_eval(sw->cond, &s->sctx) != ACL_PASS)
			continue;
		struct srv_state *st = NULL;
		for (size_t k = 0; k < s->be->nsrv; k++)
			if (s->be->srvs[k].cfg == sw->srv)
				st = &s->be->srvs[k];
		/* HAProxy uses the server if it is up (or forced by
		 * "option persist"); otherwise the rule is skipped */
		if (st == NULL || atomic_load(&st->op) != SRV_OP_UP ||
		    atomic_load(&st->admin) == SRV_ADMIN_MAINT)
			continue;
		lb_take(s->be->lb, st);
		s->srv = st;
		srv_sess_attach(st, s); /* server.c: on-marked-down/up links */
		int idx = backend_srv_index(s->be, st);
		if (idx >= 0)
			count_srv_sess(&s->be->sc[idx], st, false);
		try_connect(s);
		return;
	}
	start_server(s);
}

static void
on_queue_event(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	if (s->st != SS_QUEUED)
		return;
	if (what & EV_TIMEOUT) {
		backend_dequeue(s->be, s);
		s->t_connect = now_ms(); /* HAProxy stamps t_queue at queue expiry */
		sess_close(s, 's', 'Q');
		return;
	}
	/* woken: a slot may be free */
	start_server(s);
}

/* option abortonclose: while a session waits for a server (queue,
 * connect, turn-around), a client that closes aborts it ("CQ"/"CC")
 * instead of the server connection being made for nobody. Bytes the
 * client sends meanwhile are kept for the server. */
static void
on_abort_watch(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	(void)what;
	int r = read_client(s);
	if (r < 0 || (r == 0 && s->req_len >= INSPECT_MAX)) {
		if (s->cli_eof || r < 0)
			sess_close(s, 'C', s->st == SS_QUEUED ? 'Q' : 'C');
		else
			event_del(s->cev); /* buffer full: stop watching */
	}
}

static void
watch_abort(struct session *s)
{
	if (PX_OPT(s->be->px, PXO_ABORTONCLOSE) && !s->cli_eof)
		watch_client(s, on_abort_watch);
}

/* Picks a server (or queues) and connects. */
static void
start_server(struct session *s)
{
	struct backend *be = s->be;
	struct lb_key key = { 0 };
	struct sbuf hk = { 0 };
	bool full = false;

	key.src = (const struct sockaddr *)&s->src;
	const struct px_balance *bal = be->px->lb;
	if (bal && bal->hash_expr) {
		sync_ctx(s, true);
		if (smp_eval_str(bal->hash_expr, &s->sctx, &hk) == SMP_RES_OK) {
			key.data = hk.s;
			key.len = hk.len;
		}
	}
	struct srv_state *srv = lb_pick(be->lb, &key, s->prev_srv, &full);
	free(hk.s);
	bool from_queue = s->queued;
	if (srv == NULL && full) {
		if (s->queued)
			return; /* still waiting */
		sess_set_state(s, SS_QUEUED);
		if (s->t_queue < 0)
			s->t_queue = now_ms();
		/* the wake-up event exists only for sessions that queue */
		if (s->qwake == NULL)
			s->qwake = event_new(s->w->base, -1, 0, on_queue_event, s);
		backend_enqueue(be, s);
		watch_abort(s);
		uint32_t qt = px_timeout(be->px, PX_TO_QUEUE);
		if (qt == 0)
			qt = px_timeout(be->px, PX_TO_CONNECT);
		set_timer(s, on_queue_event, qt);
		return;
	}
	if (s->queued)
		backend_dequeue(be, s);
	event_del(s->tmr);
	if (srv == NULL) {
		atomic_fetch_add(&be->denied, 1);
		sess_close(s, 'S', 'C'); /* no server available (503 in HTTP) */
		return;
	}
	s->srv = srv;
	srv_sess_attach(srv, s); /* server.c: on-marked-down/up links */
	int i = backend_srv_index(be, srv);
	if (i >= 0)
		count_srv_sess(&be->sc[i], srv, !from_queue);
	if (!from_queue)
		atomic_fetch_add(&be->lbtot, 1);
	s->srv_conn = atomic_load(&srv->cur_sess);
	try_connect(s);
}

/* The server's address for this session: its own, or the client's
 * destination (address 0.0.0.0, no port, +N/-N offsets). */
static socklen_t
server_addr(struct session *s, struct sockaddr_storage *out)
{
	const struct cfg_addr *a = &s->srv->cfg->addr;
	socklen_t len = a->sslen;
	bool port_set = false;
	/* "set server ... addr <ip> [port <p>]" from the stats socket */
	if (srv_rt_addr(s->srv, out, &port_set)) {
		len = out->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
		                                 : sizeof(struct sockaddr_in);
		if (port_set || a->port_mode == ADDR_PORT_FIXED) {
			if (!port_set) {
				uint16_t p = htons((uint16_t)a->port_lo);
				if (out->ss_family == AF_INET6)
					((struct sockaddr_in6 *)out)->sin6_port = p;
				else
					((struct sockaddr_in *)out)->sin_port = p;
			}
			return len;
		}
	} else if (a->any) {
		*out = s->dst;
		len = s->dst.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
		                                   : sizeof(struct sockaddr_in);
	} else {
		memcpy(out, &a->ss, sizeof(*out));
	}
	uint16_t dport = s->dst.ss_family == AF_INET6
	                     ? ntohs(((struct sockaddr_in6 *)&s->dst)->sin6_port)
	                     : ntohs(((struct sockaddr_in *)&s->dst)->sin_port);
	int port = -1;
	if (a->port_mode == ADDR_PORT_NONE)
		port = dport;
	else if (a->port_mode == ADDR_PORT_OFFSET)
		port = dport + a->port_off;
	else if (a->any)
		port = a->port_lo;
	if (port >= 0) {
		if (out->ss_family == AF_INET6)
			((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
		else if (out->ss_family == AF_INET)
			((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
	}
	return len;
}

static void on_connected(evutil_socket_t fd, short what, void *arg);

static void
relay_done(void *arg, enum relay_end why, const struct relay_stats *st)
{
	struct session *s = arg;
	s->bytes_out = st->s2c;
	switch (why) {
	case RELAY_DONE:
		s->cli_eof = true; /* nothing left to drain */
		sess_close(s, '-', '-');
		break;
	case RELAY_CLI_ERROR:
		sess_close(s, 'C', 'D');
		break;
	case RELAY_SRV_ERROR:
		sess_close(s, 'S', 'D');
		break;
	case RELAY_CLI_TIMEOUT:
		sess_close(s, 'c', 'D');
		break;
	case RELAY_SRV_TIMEOUT:
		sess_close(s, 's', 'D');
		break;
	case RELAY_ABORTED:
		sess_close(s, 'K', 'D');
		break;
	}
}

static bool
splice_enabled(const struct session *s)
{
	const struct engine *eng = s->w->eng;
	if (eng->opts.no_splice || eng->cfg->global->nosplice)
		return false;
	/* on by default for tunnels; "no option splice-*" turns it off */
	const struct cfg_proxy *pxs[2] = { s->fe->px, s->be->px };
	for (int i = 0; i < 2; i++) {
		uint64_t no = pxs[i]->no_opts;
		if (no & ((1ull << PXO_SPLICE_AUTO) | (1ull << PXO_SPLICE_REQUEST) |
		          (1ull << PXO_SPLICE_RESPONSE)))
			return false;
	}
	return true;
}

/* sent: how many of the first bytes (PROXY header, then the inspected
 * request) on_connected already delivered. */
static void
start_forward(struct session *s, size_t sent)
{
	const struct cfg_proxy *fe = s->fe->px, *be = s->be->px;
	struct relay_opts o = { 0 };
	uint32_t tunnel = px_timeout(be, PX_TO_TUNNEL);
	o.cli_timeout = tunnel ? tunnel : px_timeout(fe, PX_TO_CLIENT);
	o.srv_timeout = tunnel ? tunnel : px_timeout(be, PX_TO_SERVER);
	o.cli_fin_timeout = px_timeout(fe, PX_TO_CLIENT_FIN);
	o.srv_fin_timeout = px_timeout(be, PX_TO_SERVER_FIN);
	o.bufsize = (uint32_t)(s->w->eng->cfg->global->tune_bufsize ? s->w->eng->cfg->global->tune_bufsize : 16384);
	o.splice = splice_enabled(s);

	sess_set_state(s, SS_FORWARD);
	/* first the PROXY header, then what inspection read */
	uint8_t *first = NULL;
	size_t flen = s->pp_len + s->req_len;
	if (flen > sent) {
		first = xmalloc(flen);
		if (s->pp_len)
			memcpy(first, s->pp_hdr, s->pp_len);
		if (s->req_len)
			memcpy(first + s->pp_len, s->req, s->req_len);
	}
	sni_stats_route(s); /* show sni: while the ClientHello is known */
	s->relay = relay_start(s->w->base, s->cfd, s->sfd, first ? first + sent : NULL,
	                       flen - sent, sent, &o, relay_done, s);
	free(first);
	/* routing is done: an idle tunnel keeps no inspection data, and
	 * drops the events of the earlier states (the relay has its own) */
	FREE_NULL(s->pp_hdr);
	event_free(s->cev);
	s->cev = NULL;
	if (s->sev) {
		event_free(s->sev);
		s->sev = NULL;
	}
	event_free(s->tmr);
	s->tmr = NULL;
	if (s->qwake) {
		event_free(s->qwake);
		s->qwake = NULL;
	}
	release_inspect(s);
	if (s->cli_eof) /* the client already shut its side */
		shutdown(s->sfd, SHUT_WR);
}

static void
build_proxy_header(struct session *s)
{
	const struct cfg_server *c = s->srv->cfg;
	s->pp_len = 0;
	if (c->send_proxy == 0)
		return;
	if (s->pp_hdr == NULL)
		s->pp_hdr = xmalloc(PP_HDR_MAX);
	if (c->send_proxy == 2) {
		struct pp_tlvs t = { 0 };
		enum ch_result rc;
		const struct ch_info *ch = NULL;
		if (c->pp2_opts & SRV_PP2_AUTHORITY) {
			ch = sctx_hello(&s->sctx, &rc);
			if (ch && ch->has_sni)
				t.authority = ch->sni;
		}
		t.crc32c = (c->pp2_opts & SRV_PP2_CRC32C) != 0;
		/* passthrough: the client connection is not TLS for us, the SSL
		 * TLV says so (client 0, verify 0) */
		t.ssl = (c->pp2_opts & SRV_PP2_SSL) != 0;
		struct sbuf uid = { 0 };
		if ((c->pp2_opts & SRV_PP2_UNIQUE_ID) && s->fe->px->unique_id_format) {
			lf_render(s->fe->px->unique_id_format, &s->sctx, &uid);
			t.unique_id = (const uint8_t *)(uid.s ? uid.s : "");
			t.unique_id_len = uid.len;
		}
		int n = pp_build_v2(s->pp_hdr, PP_HDR_MAX, (struct sockaddr *)&s->src,
		                    (struct sockaddr *)&s->dst, &t);
		free(uid.s);
		if (n > 0)
			s->pp_len = (size_t)n;
	} else if (c->send_proxy == 1) {
		int n = pp_build_v1((char *)s->pp_hdr, PP_HDR_MAX, (struct sockaddr *)&s->src,
		                    (struct sockaddr *)&s->dst);
		if (n > 0)
			s->pp_len = (size_t)n;
	}
}

/* Active (non-backup) servers that can take sessions. */
static int
count_active(const struct backend *be)
{
	int n = 0;
	for (size_t i = 0; i < be->nsrv; i++) {
		const struct srv_state *st = &be->srvs[i];
		if (!st->cfg->backup && atomic_load(&st->op) == SRV_OP_UP &&
		    atomic_load(&st->admin) == SRV_ADMIN_READY && atomic_load(&st->uweight) > 0)
			n++;
	}
	return n;
}

static void
connect_failed(struct session *s, bool timeout)
{
	struct backend *be = s->be;
	int i = backend_srv_index(be, s->srv);
	/* server.c: passive observation (observe layer4/layer7) */
	srv_observe(s->w->eng, be, s->srv, true, NULL);
	event_del(s->sev);
	close(s->sfd);
	s->sfd = -1;
	if (s->retries_left <= 0) {
		/* HAProxy counts econ once, when the retries are exhausted */
		atomic_fetch_add(&be->econ, 1);
		if (i >= 0)
			atomic_fetch_add(&be->sc[i].econ, 1);
		sess_close(s, timeout ? 's' : 'S', 'C');
		return;
	}
	s->retries_left--;
	s->retries_done++;
	/* option redispatch [n] as HAProxy's sess_update_st_cer(): at every
	 * nth retry (-1: the last one), or at once when the server is down,
	 * or when the algorithm is not a hash and another active server
	 * exists, whatever the interval says. */
	bool redispatch = false;
	if (PX_OPT(be->px, PXO_REDISPATCH)) {
		int every = be->px->redispatch_after;
		int total = s->retries_done + s->retries_left;
		if (every > 0)
			redispatch = s->retries_done % every == 0;
		else if (every < 0 && total + 1 + every > 0)
			redispatch = s->retries_done % (total + 1 + every) == 0;
		if (atomic_load(&s->srv->op) != SRV_OP_UP)
			redispatch = true;
		if (!lb_is_hash(be->lb) && count_active(be) > 1)
			redispatch = true;
	}
	if (redispatch) {
		/* wredis, not wretr, as HAProxy's sess_update_st_cer() */
		s->prev_srv = s->srv;
		release_server(s);
		atomic_fetch_add(&be->redisp, 1);
		if (i >= 0)
			atomic_fetch_add(&be->sc[i].redisp, 1);
		start_server(s);
		return;
	}
	atomic_fetch_add(&be->retries, 1);
	if (i >= 0)
		atomic_fetch_add(&be->sc[i].retries, 1);
	/* turn-around: min(timeout connect, 1s) before retrying the same */
	uint32_t ta = px_timeout(be->px, PX_TO_CONNECT);
	if (ta == 0 || ta > 1000)
		ta = 1000;
	sess_set_state(s, SS_TURNAROUND);
	set_timer(s, on_connected, ta);
}

static void
on_connected(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	if (s->st == SS_TURNAROUND) {
		try_connect(s);
		return;
	}
	if (what & EV_TIMEOUT) {
		connect_failed(s, true);
		return;
	}
	/* The first bytes (PROXY header, inspected request) go now: a send
	 * that works proves the connection established and one that fails
	 * reports the connect error, which spares getsockopt(SO_ERROR) (a
	 * system call per connection). Nothing to send: ask the socket. */
	size_t sent = 0;
	if (s->pp_len + s->req_len > 0) {
		struct iovec iov[2] = { { s->pp_hdr, s->pp_len }, { s->req, s->req_len } };
		struct msghdr mh = { 0 };
		mh.msg_iov = s->pp_len ? iov : iov + 1;
		mh.msg_iovlen = s->pp_len ? 2 : 1;
		ssize_t n = sendmsg(s->sfd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			connect_failed(s, false);
			return;
		}
		if (n > 0)
			sent = (size_t)n;
	}
	if (sent == 0) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(s->sfd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
			connect_failed(s, false);
			return;
		}
	}
	event_del(s->sev);
	event_del(s->tmr);
	/* s->cev (abortonclose or wait_client) is freed once the relay
	 * polls the client socket (start_forward) */
	/* server.c: passive observation (observe layer4) */
	srv_observe(s->w->eng, s->be, s->srv, false, NULL);
	s->t_established = now_ms();
	if (s->fe->log_backend_addr) { /* %bi/%bp in the log format */
		struct sockaddr_storage *loc = xcalloc(1, sizeof(*loc));
		socklen_t ll = sizeof(*loc);
		getsockname(s->sfd, (struct sockaddr *)loc, &ll);
		s->srv_local = loc;
	}
	start_forward(s, sent);
}

/* Records the address connected to (log %si/%sp, show sess): usually
 * the server's configured one, pointed to rather than copied (128 bytes
 * less per session); an owned copy otherwise. An owned one changes under
 * the registry lock: show sess reads it from another thread. */
static void
set_srv_addr(struct session *s, const struct sockaddr_storage *sa, socklen_t len)
{
	const struct sockaddr_storage *cfg = &s->srv->cfg->addr.ss;
	const struct sockaddr_storage *old = s->srv_addr;
	bool old_owned = s->srv_addr_owned;
	if (memcmp(sa, cfg, len) == 0) {
		if (!old_owned) {
			s->srv_addr = cfg;
			return;
		}
		pthread_mutex_lock(&s->w->sess_lock);
		s->srv_addr = cfg;
		s->srv_addr_owned = false;
		pthread_mutex_unlock(&s->w->sess_lock);
	} else {
		struct sockaddr_storage *copy = xmalloc(sizeof(*copy));
		*copy = *sa;
		pthread_mutex_lock(&s->w->sess_lock);
		s->srv_addr = copy;
		s->srv_addr_owned = true;
		pthread_mutex_unlock(&s->w->sess_lock);
	}
	if (old_owned)
		free((void *)old);
}

static void
try_connect(struct session *s)
{
	struct sockaddr_storage sa;
	socklen_t len = server_addr(s, &sa);
	set_srv_addr(s, &sa, len);
	s->conn_tries++;
	atomic_fetch_add(&s->be->connect, 1);
	int ci = backend_srv_index(s->be, s->srv);
	if (ci >= 0) {
		struct srv_counters *sc = &s->be->sc[ci];
		long long tnow = now_ms();
		atomic_fetch_add(&sc->connect, 1);
		atomic_fetch_add(&sc->cum_sess, 1);
		ctr_max(&sc->sps_max, ctr_freq_add(&sc->sess_rate, 1, (uint32_t)tnow));
		atomic_store(&sc->last_sess_ms, tnow);
	}
	if (s->t_connect < 0)
		s->t_connect = now_ms(); /* HAProxy's t_queue: a server is assigned */
	sess_set_state(s, SS_CONNECTING);
	s->sfd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->sfd < 0) {
		log_warn("cannot create a socket to server %s/%s", s->be->px->name, s->srv->cfg->name);
		sess_close(s, 'S', 'C'); /* resource problem: don't retry */
		return;
	}
	if (sa.ss_family != AF_UNIX) {
		int one = 1;
		setsockopt(s->sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* option tcpka / srvtcpka: kernel keep-alives on the server side */
		if (PX_OPT(s->be->px, PXO_TCPKA) || PX_OPT(s->be->px, PXO_SRVTCPKA))
			setsockopt(s->sfd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	}
	build_proxy_header(s);
	int rc = connect(s->sfd, (struct sockaddr *)&sa, len);
	if (rc < 0 && errno != EINPROGRESS) {
		connect_failed(s, false);
		return;
	}
	if (s->sev == NULL) {
		s->sev = event_new(s->w->base, s->sfd, EV_WRITE, on_connected, s);
	} else {
		event_del(s->sev);
		event_assign(s->sev, s->w->base, s->sfd, EV_WRITE, on_connected, s);
	}
	event_add(s->sev, NULL);
	watch_abort(s);
	set_timer(s, on_connected, px_timeout(s->be->px, PX_TO_CONNECT));
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
	if (s->st == SS_CLOSED || why == 0 || (why != 'K' && !s->slinked))
		return;
	if (why == 'K') {
		/* "shutdown session" / "shutdown sessions server": the
		 * phase as HAProxy's stream termination flags say it */
		static const char phase[] = { 'R', 'R', 'Q', 'C', 'C', 'D', 'D' };
		sess_close(s, 'K', phase[s->st]);
		return;
	}
	sess_close(s, why, s->st == SS_FORWARD ? 'D' : 'C');
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
	 * other, so the list stays valid */
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

void
sess_accept(struct listener *l, int fd, const struct sockaddr *peer,
            socklen_t peerlen)
{
	struct worker *w = l->w;
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
	memcpy(&s->cli, peer, peerlen < sizeof(s->cli) ? peerlen : sizeof(s->cli));
	s->src = s->cli;
	/* the local address: the listener's own unless it is a wildcard
	 * (saves a system call per connection on specific binds) */
	if (l->specific) {
		memcpy(&s->dst, &l->addr, sizeof(s->dst));
	} else {
		socklen_t dl = sizeof(s->dst);
		if (getsockname(fd, (struct sockaddr *)&s->dst, &dl) < 0)
			memset(&s->dst, 0, sizeof(s->dst));
	}
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
	c->cli_real = &s->cli;
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

	/* tcp-request connection: L4 only, before any data or PROXY header */
	const struct cfg_proxy *fe = s->fe->px;
	bool expect_proxy = l->bind->accept_proxy;
	sync_ctx(s, true);
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
	if (expect_proxy)
		start_proxy_hdr(s);
	else
		start_session(s);
}
