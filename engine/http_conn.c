/* HTTP mode server connections (http_int.h): closing one, keeping it
 * idle for the next requests (this client connection's own, or the
 * worker thread's shared pool with "http-reuse aggressive|always") and
 * finding one for a request; and the per-thread parser arrays. */
#include "engine/http_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "engine/backend.h"
#include "engine/counters.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "engine/session_int.h"
#include "engine/smp_eval.h"
#include "lib/util.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

/* The parsers' output arrays, one per thread: a head is parsed and
 * copied (engine/http_msg.h) within one step, so no session needs its
 * own (6 KiB less per connection). */
static _Thread_local struct h1q_hdr *tl_qhdrs;
static _Thread_local size_t tl_qcap;
static _Thread_local struct h1r_resp *tl_resp;

struct h1q_hdr *
http_thread_qhdrs(size_t n)
{
	if (tl_qcap < n) {
		free(tl_qhdrs);
		tl_qhdrs = xcalloc(n, sizeof(*tl_qhdrs));
		tl_qcap = n;
	}
	return tl_qhdrs;
}

struct h1r_resp *
http_thread_resp(void)
{
	if (tl_resp == NULL)
		tl_resp = xmalloc(sizeof(*tl_resp));
	return tl_resp;
}

void
http_close_server(struct http_sess *h)
{
	struct session *s = h->s;
	if (s->sfd < 0)
		return;
	if (s->sev)
		event_del(s->sev);
	h->s_ev = -1;
	if (s->srv_ssl) {
		SSL_free(s->srv_ssl);
		s->srv_ssl = NULL;
	}
	close(s->sfd);
	s->sfd = -1;
	h->sx.fd = -1;
	h->sx.ssl = NULL;
}

static void
idle_close(struct http_idle *e)
{
	if (e->ssl)
		SSL_free(e->ssl);
	close(e->fd);
}

static void
idle_drop(struct http_sess *h, int i)
{
	if (h->idle[i].fd == h->watch_fd)
		http_unwatch_idle(h);
	idle_close(&h->idle[i]);
	h->idle[i] = h->idle[--h->nidle];
}

/* Idle server connections that any client connection of this thread
 * may use ("http-reuse aggressive|always"): per thread, as a session
 * never leaves its thread. */
#define HTTP_POOL_MAX 64
static _Thread_local struct http_idle pool[HTTP_POOL_MAX];
static _Thread_local int npool;

void
http_thread_cleanup(void)
{
	while (npool > 0)
		idle_close(&pool[--npool]);
	FREE_NULL(tl_qhdrs);
	tl_qcap = 0;
	FREE_NULL(tl_resp);
}

/* Keeps the server connection of the transaction for the next ones:
 * this session's own (HAProxy keeps up to max-session-srv-conns per
 * session), or the thread's shared ones with aggressive/always reuse. */
void
http_park_server(struct http_sess *h)
{
	struct session *s = h->s;
	enum px_reuse mode = s->be->px->http_reuse;
	struct http_idle e = { s->sfd, s->srv_ssl, s->srv, h->uses };
	if (mode == PX_REUSE_AGGRESSIVE || mode == PX_REUSE_ALWAYS) {
		if (npool == HTTP_POOL_MAX) {
			idle_close(&pool[0]);
			pool[0] = pool[--npool];
		}
		pool[npool++] = e;
		if (s->sev)
			event_del(s->sev);
		h->s_ev = -1;
	} else {
		if (h->nidle == HTTP_IDLE_MAX)
			idle_drop(h, 0);
		h->idle[h->nidle++] = e;
		/* its event stays, for reading only: a close by the server
		 * is seen at once (http_idle_event), and reusing it costs
		 * neither a check nor an event change */
		http_watch_idle(h, e.fd);
	}
	s->sfd = -1;
	s->srv_ssl = NULL;
	h->sx.fd = -1;
	h->sx.ssl = NULL;
}

/* An idle connection still usable: the server did not close it nor
 * send anything unasked. */
static bool
idle_alive(const struct http_idle *e)
{
	char c;
	ssize_t n = recv(e->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* An idle connection to s->srv fits this request: with "sni <expr>"
 * on the server line, only one made for the same name (HAProxy keys its
 * idle connections by it). */
static bool
idle_fits(struct session *s, const struct http_idle *e)
{
	const struct cfg_server *c = s->srv->cfg;
	if (e->srv != s->srv)
		return false;
	if (!c->sni || e->ssl == NULL)
		return true;
	struct sbuf v = { 0 };
	sess_sync_ctx(s, true);
	const char *want = smp_eval_str(c->sni, &s->sctx, &v) == SMP_RES_OK && v.len ? v.s : NULL;
	const char *had = SSL_get_servername(e->ssl, TLSEXT_NAMETYPE_host_name);
	bool same = (want == NULL && had == NULL) ||
	            (want && had && strcmp(want, had) == 0);
	free(v.s);
	return same;
}

/* Takes the idle connection e for s. */
static void
take_idle(struct session *s, const struct http_idle *e)
{
	struct http_sess *h = s->http;
	s->sfd = e->fd;
	s->srv_ssl = e->ssl;
	h->uses = e->uses + 1;
	long long now = now_ms();
	if (s->t_connect < 0)
		s->t_connect = now;
	s->t_established = now;
	h->reused = true;
	ctr_http_event(NULL, s->be, ctr_srv(s->be, s->srv), CTR_HTTP_REUSE);
}

bool
http_try_reuse(struct session *s)
{
	struct http_sess *h = s->http;
	/* (even "http-reuse never" keeps the client connection's own
	 * server connections for its next requests, as HAProxy) */
	if (h == NULL)
		return false;
	/* a retry after a failed connect: session_connect.c took s->sev */
	if (h->watch_fd >= 0 && (s->sev == NULL || event_get_fd(s->sev) != h->watch_fd ||
	                         !event_pending(s->sev, EV_READ, NULL))) {
		h->watch_fd = -1;
		h->s_ev = -1;
	}
	for (int i = 0; i < h->nidle; i++) {
		if (!idle_fits(s, &h->idle[i]))
			continue;
		if (h->idle[i].fd != h->watch_fd && !idle_alive(&h->idle[i])) {
			idle_drop(h, i);
			break;
		}
		struct http_idle e = h->idle[i];
		h->idle[i] = h->idle[--h->nidle];
		take_idle(s, &e);
		http_on_server_ready(s, s->pp_len);
		return true;
	}
	enum px_reuse mode = s->be->px->http_reuse;
	if (mode != PX_REUSE_AGGRESSIVE && mode != PX_REUSE_ALWAYS)
		return false;
	for (int i = npool - 1; i >= 0; i--) {
		if (!idle_fits(s, &pool[i]))
			continue;
		/* aggressive: a first request only on a connection that
		 * proved it can carry several */
		if (mode == PX_REUSE_AGGRESSIVE && h->nreq <= 1 && pool[i].uses < 2)
			continue;
		struct http_idle e = pool[i];
		pool[i] = pool[--npool];
		if (!idle_alive(&e)) {
			idle_close(&e);
			continue;
		}
		take_idle(s, &e);
		http_on_server_ready(s, s->pp_len);
		return true;
	}
	return false;
}

void
http_idle_event(struct http_sess *h, int fd)
{
	for (int i = 0; i < h->nidle; i++)
		if (h->idle[i].fd == fd) {
			idle_drop(h, i);
			return;
		}
	http_unwatch_idle(h);
}

void
http_idle_drop_all(struct http_sess *h)
{
	while (h->nidle > 0)
		idle_drop(h, h->nidle - 1);
}
