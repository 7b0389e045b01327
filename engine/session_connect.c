/* The server side of a session (session.h): use-server rules, load
 * balancing and the queue, connecting (retries, redispatch, source
 * address, PROXY header sent to the server) and the start of the relay.
 * The state machine, accept, inspection and the end of a session are in
 * session.c; the helpers both share are declared in session_int.h. */
#include "engine/session.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

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
#include "lib/log.h"
#include "parser/global.h"
#include "lib/sockopt.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"
#include "proto/proxyproto.h"

static void start_server(struct session *s);
static void try_connect(struct session *s);

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
void
sess_start_server_phase(struct session *s)
{
	const struct cfg_proxy *be = s->be->px;
	sess_sync_ctx(s, true);
	/* a persistence cookie's server (engine/http_cookie.c checked it is
	 * not stopped) comes before the use-server rules, as HAProxy */
	struct srv_state *ps = s->persist_srv;
	s->persist_srv = NULL;
	if (ps) {
		lb_take(s->be->lb, ps);
		s->srv = ps;
		srv_sess_attach(ps, s);
		int idx = backend_srv_index(s->be, ps);
		if (idx >= 0)
			count_srv_sess(&s->be->sc[idx], ps, false);
		try_connect(s);
		return;
	}
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
	int r = sess_read_client(s);
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
	/* HTTP mode watches its client itself (engine/http.c) */
	if (PX_OPT(s->be->px, PXO_ABORTONCLOSE) && !s->cli_eof && !s->http)
		sess_watch_client(s, on_abort_watch);
}

/* Picks a server (or queues) and connects. */
static void
start_server(struct session *s)
{
	struct backend *be = s->be;
	struct lb_key key = { 0 };
	struct sbuf hk = { 0 };
	bool full = false;

	key.src = &s->src.sa;
	const struct px_balance *bal = be->px->lb;
	if (bal && bal->hash_expr) {
		sess_sync_ctx(s, true);
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
		uint32_t qt = sess_px_timeout(be->px, PX_TO_QUEUE);
		if (qt == 0)
			qt = sess_px_timeout(be->px, PX_TO_CONNECT);
		sess_set_timer(s, on_queue_event, qt);
		return;
	}
	if (s->queued)
		backend_dequeue(be, s);
	event_del(s->tmr);
	if (srv == NULL) {
		atomic_fetch_add(&be->denied, 1);
		/* HAProxy counts it as a connection error of the backend
		 * (observed: econ 1 after a 503 for want of a server) */
		atomic_fetch_add(&be->econ, 1);
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
		memset(out, 0, sizeof(*out));
		memcpy(out, &s->dst, sess_addr_len(&s->dst));
		len = s->dst.sa.sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
		                                      : sizeof(struct sockaddr_in);
	} else {
		memcpy(out, &a->ss, sizeof(*out));
	}
	uint16_t dport = s->dst.sa.sa_family == AF_INET6 ? ntohs(s->dst.in6.sin6_port)
	                                                 : ntohs(s->dst.in.sin_port);
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
static void connected_tls(struct session *s);

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
	uint32_t tunnel = sess_px_timeout(be, PX_TO_TUNNEL);
	o.cli_timeout = tunnel ? tunnel : sess_px_timeout(fe, PX_TO_CLIENT);
	o.srv_timeout = tunnel ? tunnel : sess_px_timeout(be, PX_TO_SERVER);
	o.cli_fin_timeout = sess_px_timeout(fe, PX_TO_CLIENT_FIN);
	o.srv_fin_timeout = sess_px_timeout(be, PX_TO_SERVER_FIN);
	o.bufsize = (uint32_t)(s->w->eng->cfg->global->tune_bufsize ? s->w->eng->cfg->global->tune_bufsize : 16384);
	o.splice = splice_enabled(s);
	o.cli_ssl = s->cli_ssl;
	o.srv_ssl = s->srv_ssl;

	if (s->cli_err) {
		/* the client reset while inspected: the server got its bytes
		 * (on_connected), nobody is left to answer */
		sess_close(s, 'C', 'D');
		return;
	}
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
	sess_free_setup_events(s);
	sess_release_inspect(s);
	/* the client already shut its side; with TLS the relay finds the
	 * end again (an SSL answers it again) and sends close_notify after
	 * the first bytes */
	if (s->cli_eof && !s->cli_ssl && !s->srv_ssl)
		shutdown(s->sfd, SHUT_WR);
}

/* The server line's socket settings on a new server socket (tcp-ut,
 * tune.rcvbuf/sndbuf.server, source [interface]) before connect(). On a
 * failure to bind the source, the connection fails as HAProxy's does
 * (logged, counted, retried); returns -1 then, else 0. */
static int
sess_srv_sockopts(struct session *s)
{
	const struct cfg_global *g = s->w->eng->cfg->global;
	const struct cfg_server *c = s->srv->cfg;

	/* buffer sizes and the user timeout are hints: a refusal is harmless */
	(void)sockopt_bufsizes(s->sfd, g->tune_rcvbuf_server, g->tune_sndbuf_server);
	(void)sockopt_user_timeout(s->sfd, c->tcp_ut);
	if (sockopt_bind_device(s->sfd, c->source_interface) < 0 ||
	    (c->source.kind == ADDR_INET &&
	     sockopt_bind_source(s->sfd, &c->source.ss, c->source.port_lo,
	                         c->source.port_hi) < 0)) {
		log_warn("Cannot bind to source address before connect() for backend %s",
		         s->be->px->name);
		sess_connect_failed(s, false);
		return -1;
	}
	return 0;
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
		int n = pp_build_v2(s->pp_hdr, PP_HDR_MAX, &s->src.sa, &s->dst.sa, &t);
		free(uid.s);
		if (n > 0)
			s->pp_len = (size_t)n;
	} else if (c->send_proxy == 1) {
		int n = pp_build_v1((char *)s->pp_hdr, PP_HDR_MAX, &s->src.sa, &s->dst.sa);
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

void
sess_connect_failed(struct session *s, bool timeout)
{
	struct backend *be = s->be;
	int i = backend_srv_index(be, s->srv);
	/* server.c: passive observation (observe layer4/layer7) */
	srv_observe(s->w->eng, be, s->srv, true, NULL);
	/* NULL when connect() itself failed (a unix socket refuses at once) */
	if (s->sev)
		event_del(s->sev);
	if (s->srv_ssl) { /* a failed or timed out TLS handshake */
		SSL_free(s->srv_ssl);
		s->srv_ssl = NULL;
	}
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
		sess_release_server(s);
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
	uint32_t ta = sess_px_timeout(be->px, PX_TO_CONNECT);
	if (ta == 0 || ta > 1000)
		ta = 1000;
	sess_set_state(s, SS_TURNAROUND);
	sess_set_timer(s, on_connected, ta);
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
		sess_connect_failed(s, true);
		return;
	}
	if (s->srv->cfg->ssl) {
		connected_tls(s);
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
			sess_connect_failed(s, false);
			return;
		}
		if (n > 0)
			sent = (size_t)n;
	}
	if (sent == 0) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(s->sfd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
			sess_connect_failed(s, false);
			return;
		}
	}
	sess_connected(s, sent);
}

/* "server ... ssl": the PROXY header goes in clear before the TLS
 * handshake (as HAProxy); it is small and the socket just connected,
 * so it goes whole or the connection is broken. The connect timer
 * keeps running: "timeout connect" covers the handshake. */
static void
connected_tls(struct session *s)
{
	if (s->pp_len > 0) {
		ssize_t n = send(s->sfd, s->pp_hdr, s->pp_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n != (ssize_t)s->pp_len) {
			sess_connect_failed(s, false);
			return;
		}
	} else {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(s->sfd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
			sess_connect_failed(s, false);
			return;
		}
	}
	sess_tls_connect(s);
}

void
sess_connected(struct session *s, size_t sent)
{
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
		free(s->srv_local); /* HTTP mode connects once per server */
		s->srv_local = loc;
	}
	if (s->http) {
		http_on_server_ready(s, sent); /* engine/http.h */
		return;
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
	/* HTTP mode: this session's idle connection to that server */
	if (s->http && http_try_reuse(s))
		return;
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
	build_proxy_header(s);
	/* a frontend of this process: no socket (session_handoff.c) */
	if (sess_handoff(s, &sa, len))
		return;
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
		if (sess_srv_sockopts(s) < 0)
			return;
	}
	int rc = connect(s->sfd, (struct sockaddr *)&sa, len);
	if (rc < 0 && errno != EINPROGRESS) {
		sess_connect_failed(s, false);
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
	sess_set_timer(s, on_connected, sess_px_timeout(s->be->px, PX_TO_CONNECT));
}

