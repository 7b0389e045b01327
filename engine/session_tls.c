/* TLS handshakes of a session (session.h): with the client on a
 * "bind ... ssl" listener (SS_TLS_ACCEPT, after the PROXY header if any,
 * before the tcp-request session rules, as HAProxy), and with the
 * server of a "server ... ssl" line (SS_TLS_CONNECT, after connect()
 * and the PROXY header, before the relay). The contexts come from
 * engine/tls.h; the I/O goes through engine/xprt.h. */
#include "engine/session.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/bio.h>
#include <openssl/err.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/log.h"
#include "engine/server.h"
#include "engine/session_int.h"
#include "engine/smp_eval.h"
#include "engine/tls.h"
#include "engine/xprt.h"
#include "lib/util.h"
#include "parser/bind.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

/* (Re)arms ev on fd for what (EV_READ or EV_WRITE) with cb, only when
 * that changes (a handshake usually waits for reading throughout). */
static void
watch(struct session *s, struct event *ev, int fd, short what,
      event_callback_fn cb)
{
	if (event_pending(ev, EV_READ | EV_WRITE, NULL) &&
	    (event_get_events(ev) & (EV_READ | EV_WRITE)) == what &&
	    event_get_callback(ev) == cb)
		return;
	event_del(ev);
	event_assign(ev, s->w->base, fd, what | EV_PERSIST, cb, s);
	event_add(ev, NULL);
}

/* ---- client side ---------------------------------------------------------- */

/* Bytes already read from the client before the handshake (what came
 * after a PROXY header in the same segment) are the start of its
 * ClientHello: OpenSSL reads them from a memory BIO first, then from
 * the socket (the swap happens when it has drained them). */
static void
prefill(SSL *ssl, const uint8_t *p, size_t n)
{
	BIO *mem = BIO_new(BIO_s_mem());
	if (mem == NULL)
		return;
	BIO_write(mem, p, (int)n);
	BIO_set_mem_eof_return(mem, -1); /* empty: "retry", not EOF */
	/* the socket BIO stays the write side (and is owned by it) */
	SSL_set0_rbio(ssl, mem);
}

/* After a prefill: true (and the socket is read from now on) when the
 * memory BIO is drained. */
static bool
unprefill(SSL *ssl)
{
	BIO *r = SSL_get_rbio(ssl), *w = SSL_get_wbio(ssl);
	if (r == w || BIO_ctrl_pending(r) > 0)
		return false;
	BIO_up_ref(w);
	SSL_set0_rbio(ssl, w);
	return true;
}

/* A handshake that failed: the connection error line (reference §4.7;
 * with dontlognull, not for a client that sent nothing useful or
 * reset, as HAProxy), counted in ssl_failed_handshake, and closed
 * without a session line (HAProxy logs none for it). */
static void
accept_failed(struct session *s, const char *why, char c0)
{
	atomic_fetch_add(&s->fe->ssl_failed_hs, 1);
	bool empty = !strcmp(why, "Connection closed during SSL handshake") ||
	             !strcmp(why, "Connection error during SSL handshake");
	if (!(empty && PX_OPT(s->fe->px, PXO_DONTLOGNULL))) {
		/* log_conn_error applies dontlognull to sessions that
		 * received nothing; these errors are logged regardless
		 * (sess_end recomputes bytes_in) */
		s->bytes_in = 1;
		log_conn_error(s->w->eng->logs, s, why);
	}
	sess_close_nolog(s, c0, 'R');
}

/* A client certificate refused by "verify required|optional": HAProxy
 * names it (CO_ER_SSL_CA_FAIL / CO_ER_SSL_CRT_FAIL) rather than the
 * generic handshake failure. The verify callback (engine/tls.h) kept the
 * first error above depth 0 and the one at depth 0. */
static const char *
verify_why(const SSL *ssl, const char *why)
{
	if (SSL_get_verify_result(ssl) == X509_V_OK)
		return why;
	int crt = 0, ca = 0, depth = 0;
	tls_verify_errors(ssl, &crt, &ca, &depth);
	if (ca)
		return "SSL client CA chain cannot be verified";
	if (crt)
		return "SSL client certificate not trusted";
	return why;
}

static void
on_accept_step(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	if (what & EV_TIMEOUT) {
		accept_failed(s, "Timeout during SSL handshake", 'c');
		return;
	}
	struct xprt x = { s->cfd, s->cli_ssl };
	short want = EV_READ;
	const char *why = NULL;
	enum xprt_rc rc;
	while ((rc = xprt_handshake(&x, &want, &why)) == XPRT_AGAIN &&
	       want == EV_READ && unprefill(s->cli_ssl))
		;
	if (rc == XPRT_AGAIN) {
		watch(s, s->cev, s->cfd, want, on_accept_step);
		return;
	}
	if (rc == XPRT_ERROR) {
		accept_failed(s, verify_why(s->cli_ssl, why), 'C');
		return;
	}
	/* bytes after the ClientHello in the prefilled segment (before
	 * the server's answer: no early data is accepted) would be left
	 * behind the socket's: a protocol error */
	if (SSL_get_rbio(s->cli_ssl) != SSL_get_wbio(s->cli_ssl) && !unprefill(s->cli_ssl)) {
		accept_failed(s, "SSL handshake failure", 'C');
		return;
	}
	/* HAProxy's ssl_sess counts the full handshakes only (observed:
	 * 3 new + 7 resumed give 3 and 7) */
	atomic_fetch_add(SSL_session_reused(s->cli_ssl) ? &s->fe->ssl_reused_sess
	                                                : &s->fe->ssl_sess, 1);
	event_del(s->cev);
	event_del(s->tmr);
	/* then as a plain connection: tcp-request session rules, content
	 * inspection (of decrypted bytes, through xprt), backend, server.
	 * A mode http frontend's engine (engine/http.c) takes the session
	 * from there as it does for plain connections. */
	sess_start_session(s);
}

void
sess_tls_accept(struct session *s)
{
	struct engine *eng = s->w->eng;
	struct tls_bind *tb = tls_store_bind(eng->tls, s->l->bind);
	SSL *ssl = tb ? tls_bind_new_ssl(tb, s->cfd) : NULL;
	if (ssl == NULL) {
		ERR_clear_error();
		accept_failed(s, "SSL handshake failure", 'R');
		return;
	}
	xprt_tls_modes(ssl);
	s->cli_ssl = ssl;
	/* mode http reads TLS ahead (engine/http.c): from the handshake on,
	 * one read(2) per flight of records, not two per record */
	if (s->fe->px->mode == PX_MODE_HTTP)
		xprt_read_ahead(&(struct xprt){ s->cfd, ssl }, true);
	s->sctx.cli_ssl = ssl;
	if (s->req_len > 0) {
		prefill(ssl, s->req, s->req_len);
		s->req_len = 0;
	}
	sess_set_state(s, SS_TLS_ACCEPT);
	/* HAProxy bounds the handshake by timeout client (observed:
	 * "Timeout during SSL handshake" after it) */
	sess_set_timer(s, on_accept_step, sess_px_timeout(s->fe->px, PX_TO_CLIENT));
	on_accept_step(s->cfd, EV_READ, s);
}

/* ---- server side ---------------------------------------------------------- */

static void
on_connect_step(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	(void)what; /* the connect timer (session_connect.c) ends it on time */
	struct xprt x = { s->sfd, s->srv_ssl };
	short want = EV_READ;
	const char *why = NULL;
	enum xprt_rc rc = xprt_handshake(&x, &want, &why);
	if (rc == XPRT_AGAIN) {
		watch(s, s->sev, s->sfd, want, on_connect_step);
		return;
	}
	int i = backend_srv_index(s->be, s->srv);
	if (rc == XPRT_ERROR) {
		/* a refused certificate or a server that does not speak
		 * TLS: a connection failure as HAProxy's (retried, then
		 * "SC" and econ) */
		if (i >= 0)
			atomic_fetch_add(&s->be->sc[i].ssl_failed_hs, 1);
		sess_connect_failed(s, false);
		return;
	}
	if (i >= 0)
		atomic_fetch_add(SSL_session_reused(s->srv_ssl) ? &s->be->sc[i].ssl_reused_sess
		                                                : &s->be->sc[i].ssl_sess, 1);
	tls_srv_save_session(tls_store_srv(s->w->eng->tls, s->srv->cfg), s->srv_ssl);
	sess_connected(s, s->pp_len);
}

void
sess_tls_connect(struct session *s)
{
	const struct cfg_server *c = s->srv->cfg;
	struct tls_srv *ts = tls_store_srv(s->w->eng->tls, c);
	char *sni = NULL;
	if (c->sni) {
		struct sbuf v = { 0 };
		sess_sync_ctx(s, true);
		/* HAProxy sends no SNI when the expression finds nothing */
		if (smp_eval_str(c->sni, &s->sctx, &v) == SMP_RES_OK && v.len > 0)
			sni = v.s;
		else
			free(v.s);
	}
	SSL *ssl = ts ? tls_srv_new_ssl(ts, s->sfd, sni) : NULL;
	free(sni);
	if (ssl == NULL) {
		ERR_clear_error();
		sess_connect_failed(s, false);
		return;
	}
	xprt_tls_modes(ssl);
	s->srv_ssl = ssl;
	sess_set_state(s, SS_TLS_CONNECT);
	on_connect_step(s->sfd, EV_WRITE, s);
}

/* OpenSSL drops a session from the server cache when its SSL is freed
 * without a shutdown; HAProxy shuts quietly (no close_notify on an
 * unclean close) and keeps it resumable. A fatal alert made it not
 * resumable already. */
static void
quiet_shutdown(SSL *ssl)
{
	if (ssl && SSL_is_init_finished(ssl))
		SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
}

void
sess_tls_free(struct session *s)
{
	quiet_shutdown(s->cli_ssl);
	SSL_free(s->cli_ssl);
	s->cli_ssl = NULL;
	s->sctx.cli_ssl = NULL;
	SSL_free(s->srv_ssl);
	s->srv_ssl = NULL;
}
