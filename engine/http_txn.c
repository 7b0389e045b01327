/* HTTP mode transactions (http_int.h): answers made by sluice itself
 * (error pages, rule replies, the stats page and the Prometheus
 * exporter), response counters, and the end of a transaction: its
 * accounting, its log line, the release of its backend and server. */
#include "engine/http_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/http_local.h"
#include "engine/lb.h"
#include "engine/log.h"
#include "engine/server.h"
#include "engine/session.h"
#include "engine/session_int.h"
#include "engine/smp_eval.h"
#include "lib/util.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

/* The listener whose counters the session feeds, or NULL. */
static struct listener *
li_stats(const struct session *s)
{
	return PX_OPT(s->fe->px, PXO_SOCKET_STATS) ? s->l : NULL;
}

void
http_count_status(struct http_sess *h, int status)
{
	/* the frontend's and the backend's hrsp_* (engine/counters.h) */
	ctr_http_status(h->s->fe, h->s->be, status);
}

void
http_count_bad_req(struct http_sess *h)
{
	atomic_fetch_add(&h->s->fe->failed_req, 1);
	atomic_fetch_add(&h->s->fe->http_req, 1);
}

/* Runs the http-after-response rules (backend's, then frontend's) on an
 * answer made here: its head is parsed into an hmsg, edited, rebuilt. */
static void
after_rules_local(struct http_sess *h, struct sbuf *head)
{
	struct session *s = h->s;
	const struct cfg_proxy *fe = s->fe->px, *be = s->be ? s->be->px : NULL;
	if (fe->http_after.n == 0 && (be == NULL || be->http_after.n == 0))
		return;
	if (h1r_parse(head->s, head->len, h->resp) != H1R_OK)
		return;
	struct hmsg m = { 0 };
	if (hmsg_from_resp(&m, h->resp, h->max_head) < 0) {
		hmsg_free(&m);
		return;
	}
	s->sctx.http_res = hmsg_resp_view(&m);
	if (be && be != fe)
		http_after_rules(be, &m, &s->sctx);
	http_after_rules(fe, &m, &s->sctx);
	s->sctx.http_res = NULL;
	sbuf_reset(head);
	hmsg_write(&m, head);
	h->log.status = m.status;
	hmsg_free(&m);
}

void
http_error(struct http_sess *h, int status)
{
	struct session *s = h->s;
	const struct cfg_proxy *px = s->be ? s->be->px : s->fe->px;
	http_reply_free(&h->reply);
	memset(&h->reply, 0, sizeof(h->reply));
	http_error_reply(px, status, &s->sctx, &h->reply);
	h->have_reply = true;
}

void
http_answer(struct http_sess *h, int status, char c0, char c1)
{
	struct session *s = h->s;
	if (status > 0)
		http_error(h, status);
	s->term[0] = c0;
	s->term[1] = c1;
	/* a request body not all received yet will not be read: HAProxy
	 * closes after the answer and says so ("connection: close") */
	if (h->rb != HB_NONE && !http_skip_req_body(h))
		h->cli_ka = false;
	if (h->reply.close)
		h->cli_ka = false;
	else if (!h->cli_ka)
		/* HAProxy says "connection: close" when it closes after (D) */
		http_reply_set_close(&h->reply);
	else if (h->have_req && h->req.major == 1 && h->req.minor == 0)
		http_reply_set_keepalive(&h->reply);
	h->log.status = h->reply.status;
	struct sbuf head = { 0 };
	sbuf_addn(&head, h->reply.head.s ? h->reply.head.s : "", h->reply.head.len);
	after_rules_local(h, &head);
	sbuf_reset(&h->cout);
	h->cout_off = 0;
	sbuf_addn(&h->cout, head.s ? head.s : "", head.len);
	free(head.s);
	if (!h->head_req && h->reply.body.len)
		sbuf_addn(&h->cout, h->reply.body.s, h->reply.body.len);
	http_count_status(h, h->log.status);
	h->res_head_sent = true;
	http_set_phase(h, HP_LOCAL);
}

void
http_raw_error(struct http_sess *h, int status, char c0, char c1)
{
	struct session *s = h->s;
	const char *text = http_err_text(status);
	size_t blen = strlen(text) + 2 * strlen(http_reason(status)) + 40;
	struct sbuf body = { 0 };
	sbuf_addf(&body, "<html><body><h1>%d %s</h1>\n%s\n</body></html>\n", status,
	          http_reason(status), text);
	(void)blen;
	sbuf_reset(&h->cout);
	h->cout_off = 0;
	sbuf_addf(&h->cout, "HTTP/1.1 %d %s\r\nContent-length: %zu\r\nCache-Control: no-cache\r\n%sContent-Type: text/html\r\n\r\n",
	          status, http_reason(status), body.len,
	          status == 400 || status == 408 ? "Connection: close\r\n" : "");
	sbuf_addn(&h->cout, body.s, body.len);
	free(body.s);
	s->term[0] = c0;
	s->term[1] = c1;
	h->cli_ka = false;
	h->raw_err = true;
	h->log.status = status;
	h->log.req_line = NULL;
	http_count_status(h, status);
	h->res_head_sent = true;
	http_set_phase(h, HP_LOCAL);
}

void
http_serve_local(struct http_sess *h, bool promex)
{
	struct session *s = h->s;
	struct http_txn t = { 0 };
	t.eng = s->w->eng;
	t.fe = s->fe;
	t.px = s->fe->px;
	t.req = s->sctx.http;
	t.body = s->sctx.http_body;
	t.body_len = s->sctx.http_body_len;
	t.sctx = &s->sctx;
	t.close = !h->cli_ka;
	atomic_fetch_add(&s->fe->intercepted, 1);
	if (promex)
		promex_serve(&t);
	else
		stats_page_serve(&t);
	if (t.body && h->rb == HB_CLEN && h->in.len - h->in.off >= h->rb_left) {
		h->in.off += (size_t)h->rb_left;
		h->rb_left = 0;
		h->rb = HB_NONE;
	}
	sbuf_reset(&h->cout);
	h->cout_off = 0;
	sbuf_addf(&h->cout, "HTTP/1.1 %d %s\r\n", t.status, http_reason(t.status));
	sbuf_addn(&h->cout, t.hdrs.s ? t.hdrs.s : "", t.hdrs.len);
	/* an HTTP/1.0 client asking for keep-alive is told it is kept, even
	 * when the answer is a 401/403 that hangs up (HAProxy does both);
	 * the exporter says it after transfer-encoding, the page before */
	bool ka10 = !t.close && h->have_req && h->req.major == 1 && h->req.minor == 0;
	if (ka10 && !promex)
		sbuf_adds(&h->cout, "connection: keep-alive\r\n");
	if (t.chunked)
		sbuf_adds(&h->cout, "transfer-encoding: chunked\r\n");
	if (ka10 && promex)
		sbuf_adds(&h->cout, "connection: keep-alive\r\n");
	if (t.close)
		sbuf_adds(&h->cout, "connection: close\r\n");
	sbuf_adds(&h->cout, "\r\n");
	if (!h->head_req) {
		if (t.chunked) {
			if (t.out.len)
				sbuf_addf(&h->cout, "%zX\r\n", t.out.len);
			sbuf_addn(&h->cout, t.out.s ? t.out.s : "", t.out.len);
			sbuf_adds(&h->cout, t.out.len ? "\r\n0\r\n\r\n" : "0\r\n\r\n");
		} else {
			sbuf_addn(&h->cout, t.out.s ? t.out.s : "", t.out.len);
		}
	}
	if (t.close || t.hangup)
		h->cli_ka = false;
	h->log.status = t.status;
	h->log.srv_name = promex ? "<PROMEX>" : "<STATS>";
	h->log.tw = h->log.tc = h->log.tres = 0;
	s->term[0] = 'L';
	s->term[1] = 'R';
	http_count_status(h, t.status);
	h->res_head_sent = true;
	http_set_phase(h, HP_LOCAL);
	free(t.hdrs.s);
	free(t.out.s);
}

/* ---- the log line -------------------------------------------------------- */

/* The transaction's line in the frontend's format (engine/log_fmt.c,
 * log_http.c render the HTTP variables from http_log_info()). */
static void
write_log(struct http_sess *h)
{
	struct session *s = h->s;
	struct engine *eng = s->w->eng;
	if (eng->logs == NULL)
		return;
	log_session(eng->logs, s);
}

/* ---- the end of a transaction --------------------------------------------- */

/* HAProxy's stream_update_time_stats() and abort counters. */
static void
count_backend(struct http_sess *h, struct srv_counters *sc)
{
	struct session *s = h->s;
	struct backend *be = s->be;
	/* aborts and timeouts of either side during the data phase */
	char c0 = s->term[0];
	if (s->term[1] == 'D' && (c0 == 'C' || c0 == 'S' || c0 == 'c' || c0 == 's')) {
		bool cli = c0 == 'C' || c0 == 'c';
		atomic_fetch_add(cli ? &be->cli_abrt : &be->srv_abrt, 1);
		if (sc)
			atomic_fetch_add(cli ? &sc->cli_abrt : &sc->srv_abrt, 1);
	}
	if (s->t_established < 0)
		return;
	unsigned tq = h->log.tw > 0 ? (unsigned)h->log.tw : 0;
	unsigned tc = h->log.tc > 0 ? (unsigned)h->log.tc : 0;
	unsigned tr = h->log.tres > 0 ? (unsigned)h->log.tres : 0;
	unsigned tt = (unsigned)(now_ms() - (h->log.t_req ? h->log.t_req : s->t0));
	ctr_times_add(&be->times, atomic_load(&be->lbtot), tq, tc, tr, tt);
	if (sc)
		ctr_times_add(&sc->times, atomic_load(&sc->lbtot), tq, tc, tr, tt);
}

void
http_txn_end(struct http_sess *h, char c0, char c1)
{
	struct session *s = h->s;
	if (s->term[0] == 0) {
		s->term[0] = c0;
		s->term[1] = c1;
	}
	struct http_log_info *l = &h->log;
	if (s->t_connect >= 0 && h->t_req_head)
		l->tw = (long)(s->t_connect - h->t_req_head);
	if (s->t_established >= 0 && s->t_connect >= 0)
		l->tc = (long)(s->t_established - s->t_connect);
	if (h->t_res_head && s->t_established >= 0)
		l->tres = (long)(h->t_res_head - s->t_established);
	if (h->raw_err) {
		/* the mux's own errors: no bytes counted, no timers (observed) */
		s->bytes_out = 0;
		l->tr = -1;
	}
	if (l->t_req == 0)
		l->ti = l->tr = -1;
	else if (h->t_req_head == 0)
		l->tr = -1;
	l->retries = s->retries_done;

	struct backend *be = s->be;
	struct srv_state *srv = s->srv;
	struct srv_counters *sc = NULL;
	if (be && s->queued)
		backend_dequeue(be, s); /* killed while waiting for a slot */
	if (be) {
		if (srv) {
			int i = backend_srv_index(be, srv);
			if (i >= 0) {
				sc = &be->sc[i];
				atomic_fetch_add(&sc->bytes_in, s->bytes_in);
				atomic_fetch_add(&sc->bytes_out, s->bytes_out);
			}
		}
		count_backend(h, sc);
		atomic_fetch_add(&be->bytes_in, s->bytes_in);
		atomic_fetch_add(&be->bytes_out, s->bytes_out);
		sess_release_server(s);
		atomic_fetch_sub(&be->cur_conn, 1);
	}
	atomic_fetch_add(&s->fe->bytes_in, s->bytes_in);
	atomic_fetch_add(&s->fe->bytes_out, s->bytes_out);
	struct listener *ls = li_stats(s);
	if (ls) {
		atomic_fetch_add(&ls->bytes_in, s->bytes_in);
		atomic_fetch_add(&ls->bytes_out, s->bytes_out);
	}
	/* HAProxy logs once the backend and the server are released (%bc
	 * and %sc do not count this transaction), with their names */
	s->srv = srv;
	if (h->txn_open)
		write_log(h);
	s->srv = NULL;
	s->be = NULL;
	s->sctx.be = NULL;
	s->sctx.srv = NULL;
	s->bytes_in = s->bytes_out = 0;
	h->logged = true;
	h->txn_open = false;
}

void
http_txn_reset(struct http_sess *h)
{
	struct session *s = h->s;
	if (h->have_req)
		hmsg_free(&h->hreq);
	if (h->have_res)
		hmsg_free(&h->hres);
	memset(&h->hreq, 0, sizeof(h->hreq));
	memset(&h->hres, 0, sizeof(h->hres));
	h->have_req = h->have_res = false;
	http_reply_free(&h->reply);
	memset(&h->reply, 0, sizeof(h->reply));
	h->have_reply = false;
	FREE_NULL(h->req_line);
	for (size_t i = 0; i < h->log.n_req_caps; i++)
		free(h->log.req_caps[i]);
	for (size_t i = 0; i < h->log.n_res_caps; i++)
		free(h->log.res_caps[i]);
	free(h->log.req_caps);
	free(h->log.res_caps);
	free(h->log.cli_cookie);
	free(h->log.srv_cookie);
	memset(&h->log, 0, sizeof(h->log));
	s->sctx.http = NULL;
	s->sctx.http_res = NULL;
	s->sctx.http_body = NULL;
	s->sctx.http_body_len = 0;
	smp_vars_txn_free(&s->sctx);
	http_rechunk_free(&h->rq);
	http_rechunk_free(&h->rs);
	h->rb = h->sb = HB_NONE;
	h->rb_left = h->sb_left = 0;
	h->req_sent = h->res_done = h->res_head_sent = false;
	h->srv_eof = false;
	h->upgrade = false;
	h->raw_err = false;
	h->reused = false;
	h->head_req = false;
	h->t_req_head = h->t_res_head = 0;
	sbuf_reset(&h->sout);
	h->sout_off = 0;
	sbuf_reset(&h->cout);
	h->cout_off = 0;
}
