/* HTTP mode, the request side of a transaction (http_int.h): from a
 * parsed head to the server phase: framing checks, tcp-request content
 * and http-request rules, the stats page and services, use_backend,
 * option forwardfor, the connection headers towards the server. */
#include "engine/http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/http_cookie.h"
#include "engine/http_local.h"
#include "engine/log.h"
#include "engine/relay.h"
#include "engine/server.h"
#include "engine/session.h"
#include "engine/session_int.h"
#include "engine/smp_eval.h"
#include "lib/util.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"

/* The backend for the request: use_backend rules, default_backend, a
 * listen's own servers; NULL: none. */
static const struct cfg_proxy *
pick_backend(struct session *s)
{
	const struct cfg_proxy *fe = s->fe->px;
	struct engine *eng = s->w->eng;
	for (size_t i = 0; i < fe->use_backends.n; i++) {
		const struct px_switch *sw = fe->use_backends.v[i];
		if (acl_cond_eval(sw->cond, &s->sctx) != ACL_PASS)
			continue;
		if (sw->dyn == NULL)
			return sw->be;
		/* dynamic name: an unknown one falls back to the default */
		struct sbuf name = { 0 };
		const struct cfg_proxy *be = NULL;
		if (lf_render(sw->dyn, &s->sctx, &name) == 0 && name.len > 0) {
			struct backend *b = engine_backend_by_name(eng, name.s);
			be = b ? b->px : NULL;
		}
		free(name.s);
		if (be)
			return be;
		break;
	}
	if (fe->default_be)
		return fe->default_be;
	return (fe->cap & PX_CAP_BE) ? fe : NULL;
}

/* HAProxy's connection mode of a transaction: httpclose on either side
 * wins, then http-server-close, else keep-alive. */
static enum px_http_conn
conn_mode(const struct cfg_proxy *fe, const struct cfg_proxy *be)
{
	if (fe->http_conn == PX_HTTP_CLO || (be && be->http_conn == PX_HTTP_CLO))
		return PX_HTTP_CLO;
	if (fe->http_conn == PX_HTTP_SCL || (be && be->http_conn == PX_HTTP_SCL))
		return PX_HTTP_SCL;
	return PX_HTTP_KAL;
}

/* Removes the "close" and "keep-alive" tokens of the Connection fields
 * (the hop's own business), keeping the others ("upgrade"...) in place,
 * as HAProxy does; true when "upgrade" is among them. */
bool
http_strip_connection(struct hmsg *m)
{
	bool upgrade = false;
	long i = 0;
	for (size_t n = 0; (i = hmsg_find(m, "connection", 10, n)) >= 0;) {
		struct sbuf keep = { 0 };
		const char *v = m->hdrs[i].value;
		size_t vl = m->hdrs[i].value_len, p = 0;
		bool changed = false;
		while (p < vl) {
			size_t q = p;
			while (q < vl && v[q] != ',')
				q++;
			size_t a = p, b = q;
			while (a < b && (v[a] == ' ' || v[a] == '\t'))
				a++;
			while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
				b--;
			bool drop = (b - a == 5 && strncasecmp(v + a, "close", 5) == 0) ||
			            (b - a == 10 && strncasecmp(v + a, "keep-alive", 10) == 0);
			if (b - a == 7 && strncasecmp(v + a, "upgrade", 7) == 0)
				upgrade = true;
			if (drop)
				changed = true;
			else if (b > a) {
				if (keep.len)
					sbuf_adds(&keep, ", ");
				sbuf_addn(&keep, v + a, b - a);
			}
			p = q + 1;
		}
		if (keep.len == 0) {
			hmsg_remove(m, (size_t)i);
		} else {
			if (changed)
				hmsg_set_value(m, (size_t)i, keep.s, keep.len);
			n++;
		}
		free(keep.s);
	}
	return upgrade;
}

/* A WebSocket key as RFC 6455 makes it: 16 bytes in base64. */
static bool
ws_key_ok(const char *v, size_t n)
{
	if (n != 24 || v[22] != '=' || v[23] != '=')
		return false;
	for (size_t i = 0; i < 22; i++) {
		char c = v[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/'))
			return false;
	}
	return true;
}

void
http_one_clen(struct hmsg *m, unsigned long long len)
{
	long i = hmsg_find(m, "content-length", 14, 0);
	char num[24];
	int nl = snprintf(num, sizeof(num), "%llu", len);
	if (i >= 0 && ((size_t)nl != m->hdrs[i].value_len ||
	               memcmp(num, m->hdrs[i].value, (size_t)nl) != 0))
		hmsg_set_value(m, (size_t)i, num, (size_t)nl);
	long j;
	while ((j = hmsg_find(m, "content-length", 14, 1)) >= 0)
		hmsg_remove(m, (size_t)j);
}

/* Body framing headers as HAProxy's H1 parser leaves them: with
 * Transfer-Encoding, Content-Length is dropped (and the client
 * connection closed after the exchange); identical Content-Length values
 * become one field; a WebSocket upgrade needs a valid key. False: 400. */
static bool
framing_fixup(struct http_sess *h)
{
	struct hmsg *m = &h->hreq;
	if (h->req.body == H1Q_BODY_CHUNKED) {
		if (hmsg_del(m, "content-length", 14) > 0)
			h->cli_ka = false;
	} else if (h->req.body == H1Q_BODY_CLEN) {
		http_one_clen(m, h->req.content_length);
	}
	long u = hmsg_find(m, "upgrade", 7, 0);
	if (u >= 0 && m->hdrs[u].value_len == 9 &&
	    strncasecmp(m->hdrs[u].value, "websocket", 9) == 0) {
		long c = hmsg_find(m, "connection", 10, 0);
		bool upg = false;
		for (size_t n = 0; c >= 0; c = hmsg_find(m, "connection", 10, ++n)) {
			const char *v = m->hdrs[c].value;
			size_t vl = m->hdrs[c].value_len;
			for (size_t k = 0; k + 7 <= vl; k++)
				if (strncasecmp(v + k, "upgrade", 7) == 0)
					upg = true;
		}
		long k = hmsg_find(m, "sec-websocket-key", 17, 0);
		if (upg && (k < 0 || !ws_key_ok(m->hdrs[k].value, m->hdrs[k].value_len)))
			return false;
	}
	return true;
}

/* Runs the tcp-request content rules of the frontend on the request
 * (HAProxy evaluates them before the http-request rules in mode http):
 * false when one rejected it. */
static bool
tcp_content_rules(struct http_sess *h)
{
	struct session *s = h->s;
	const struct cfg_proxy *px = s->fe->px;
	for (size_t i = 0; i < px->tcp_req_cont.n; i++) {
		const struct px_rule *r = px->tcp_req_cont.v[i];
		if (acl_cond_eval(r->cond, &s->sctx) != ACL_PASS)
			continue;
		if (r->act == PX_ACT_ACCEPT)
			return true;
		if (r->act == PX_ACT_REJECT || r->act == PX_ACT_SILENT_DROP)
			return false;
		smp_action_exec(r, &s->sctx);
	}
	return true;
}

/* A verdict of a rule set: 0 go on, 1 answered (phase set), -1 gone. */
/* The 103 Early Hints the rules made (http_act.h: reply.interim) go
 * out before what is not sent yet (the answer a rule made, if any), as
 * HAProxy sends them at once (added by D). */
static void
http_send_interim(struct http_sess *h)
{
	if (h->reply.interim.len == 0)
		return;
	struct sbuf b = { 0 };
	sbuf_addn(&b, h->cout.s ? h->cout.s : "", h->cout_off);
	sbuf_addn(&b, h->reply.interim.s, h->reply.interim.len);
	sbuf_addn(&b, h->cout.s ? h->cout.s + h->cout_off : "", h->cout.len - h->cout_off);
	free(h->cout.s);
	h->cout = b;
	sbuf_reset(&h->reply.interim);
}

/* A request denied or tarpitted once its backend is known still has
 * its persistence cookie read, for the log's letters (HAProxy: "allow
 * cookie logging"); no server phase follows. */
static void
deny_cookie_log(struct http_sess *h)
{
	if (h->s->sctx.be == NULL)
		return;
	http_cookie_request(h);
	h->s->persist_srv = NULL;
}

static int
verdict(struct http_sess *h, enum http_verdict v, const char *service)
{
	struct session *s = h->s;
	switch (v) {
	case HTTP_V_CONTINUE:
	case HTTP_V_ALLOW:
		return 0;
	case HTTP_V_REPLY:
	case HTTP_V_FAIL:
		h->have_reply = true;
		if (v == HTTP_V_FAIL)
			ctr_http_event(s->fe, s->be, NULL, CTR_HTTP_FAILED_REWRITE);
		else if (!h->reply.denied)
			ctr_http_event(s->fe, s->be, NULL, CTR_HTTP_INTERCEPTED);
		if (h->reply.denied) {
			deny_cookie_log(h);
			atomic_fetch_add(&s->fe->denied_req, 1);
			if (s->be && s->be->px != s->fe->px)
				atomic_fetch_add(&s->be->denied_req, 1);
			http_answer(h, 0, 'P', 'R');
		} else {
			http_answer(h, 0, v == HTTP_V_FAIL ? 'P' : 'L', 'R');
		}
		return 1;
	case HTTP_V_TARPIT: {
		h->have_reply = true;
		deny_cookie_log(h);
		atomic_fetch_add(&s->fe->denied_req, 1);
		uint32_t t = http_px_tmo(s->fe->px, PX_TO_TARPIT);
		if (t == 0)
			t = http_px_tmo(s->be ? s->be->px : NULL, PX_TO_TARPIT);
		if (t == 0)
			t = http_px_tmo(s->fe->px, PX_TO_CLIENT);
		http_set_phase(h, HP_TARPIT);
		h->tarpit_end = now_ms() + t;
		h->cli_exp = 0;
		return 1;
	}
	case HTTP_V_SILENT:
	case HTTP_V_REJECT:
		atomic_fetch_add(&s->fe->denied_req, 1);
		if (v == HTTP_V_SILENT) {
			struct linger lg = { 1, 0 };
			setsockopt(s->cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			s->dropped = true;
		}
		h->log.status = -1;
		http_finish(h, 'P', 'R');
		return -1;
	case HTTP_V_SERVICE:
		if (service && strcmp(service, "prometheus-exporter") == 0) {
			http_serve_local(h, true);
			return 1;
		}
		http_answer(h, 500, 'P', 'R');
		return 1;
	case HTTP_V_WAIT:
	default:
		/* wait-for-body is refused by support.c */
		http_answer(h, 500, 'P', 'R');
		return 1;
	}
}

/* "<method> <uri> HTTP/<major>.<minor>" for the logs: without printf,
 * which cost 10% of a keep-alive request's instructions here */
static char *
req_line_of(const struct h1q_req *q)
{
	if (q->major < 0 || q->major > 9 || q->minor < 0 || q->minor > 9 ||
	    memchr(q->method, '\0', q->method_len) || memchr(q->uri, '\0', q->uri_len))
		return xasprintf("%.*s %.*s HTTP/%d.%d", (int)q->method_len, q->method,
		                 (int)q->uri_len, q->uri, q->major, q->minor);
	size_t n = q->method_len + 1 + q->uri_len;
	char *l = xmalloc(n + sizeof(" HTTP/1.1"));
	memcpy(l, q->method, q->method_len);
	l[q->method_len] = ' ';
	memcpy(l + q->method_len + 1, q->uri, q->uri_len);
	memcpy(l + n, " HTTP/1.1", sizeof(" HTTP/1.1"));
	l[n + 6] = (char)('0' + q->major);
	l[n + 8] = (char)('0' + q->minor);
	return l;
}

/* A complete request head is in h->req: everything up to the server
 * phase. 1 progress, -1 gone. */
int
http_process_request(struct http_sess *h)
{
	struct session *s = h->s;
	struct engine *eng = s->w->eng;
	struct frontend *fe = s->fe;
	long long now = now_ms();
	const struct h1q_req *q = &h->req;

	h->t_req_head = now;
	h->log.tr = (long)(now - h->log.t_req);
	h->nreq++;
	h->log.first_req = h->nreq == 1;
	free(h->req_line);
	h->req_line = req_line_of(q);
	h->log.req_line = h->req_line;
	h->log.req_line_len = strlen(h->req_line);
	/* the request line kept for logs and capture.req.*: 1023 bytes by
	 * default, tune.http.logurilen bytes when set (haproxy 2.6.12,
	 * observed: "tune.http.logurilen 10" keeps "GET /abcde") */
	size_t urilen = eng->cfg->global->tune_http_logurilen > 0 ?
	                (size_t)eng->cfg->global->tune_http_logurilen : 1023;
	if (h->log.req_line_len > urilen)
		h->log.req_line_len = urilen;
	if (hmsg_from_req(&h->hreq, q, h->max_head) < 0) {
		h->in.off += q->head_len;
		http_answer(h, 500, 'P', 'R');
		return 1;
	}
	h->have_req = true;
	h->log.req = &h->hreq;
	log_capture_headers(h->s->fe->px, true, &h->hreq, &h->log.req_caps,
	                    &h->log.n_req_caps);
	log_capture_cookie(h->s->fe->px, true, &h->hreq, &h->log.cli_cookie);
	h->in.off += q->head_len;
	h->rb = q->body == H1Q_BODY_CHUNKED ? HB_CHUNKED :
	        q->body == H1Q_BODY_CLEN && q->content_length > 0 ? HB_CLEN : HB_NONE;
	h->rb_left = q->content_length;
	if (h->rb == HB_CHUNKED)
		http_rechunk_init(&h->rq, h->lim.bufsize);
	h->head_req = q->method_len == 4 && memcmp(q->method, "HEAD", 4) == 0;
	h->cli_ka = q->keep_alive && !eng->stopping &&
	            conn_mode(fe->px, NULL) != PX_HTTP_CLO;
	if (!framing_fixup(h)) {
		http_count_bad_req(h);
		http_raw_error(h, 400, 'P', 'R');
		return 1;
	}

	atomic_fetch_add(&fe->http_req, 1);
	ctr_max(&fe->rps_max, ctr_freq_add(&fe->req_rate, 1, (uint32_t)now));

	s->sctx.http = hmsg_req_view(&h->hreq);
	s->sctx.final = true;
	s->sctx.be = NULL;
	s->sctx.srv = NULL;
	if (h->rb == HB_CLEN && h->in.len - h->in.off >= h->rb_left) {
		s->sctx.http_body = h->in.b + h->in.off;
		s->sctx.http_body_len = (size_t)h->rb_left;
	}

	if (!tcp_content_rules(h)) {
		atomic_fetch_add(&fe->denied_req, 1);
		http_finish(h, 'P', 'R');
		return -1;
	}
	const char *service = NULL;
	/* (the verdict first: service is set by the call) */
	enum http_verdict v = http_req_rules(fe->px, &h->hreq, &s->sctx, &h->reply, &service);
	int r = verdict(h, v, service);
	http_send_interim(h);
	if (r)
		return r;
	if (stats_page_match(fe->px, s->sctx.http)) {
		/* the admin form's POST: the page needs its body */
		if (h->rb == HB_CLEN && h->in.len - h->in.off < h->rb_left &&
		    h->rb_left <= h->lim.bufsize) {
			const struct h1q_hdr *e = h1q_header(s->sctx.http, "expect", 0);
			if (e && e->value_len == 12 && strncasecmp(e->value, "100-continue", 12) == 0)
				sbuf_adds(&h->cout, "HTTP/1.1 100 Continue\r\n\r\n");
			http_set_phase(h, HP_BODY);
			return 1;
		}
		http_serve_local(h, false);
		return 1;
	}
	const struct cfg_proxy *bpx = pick_backend(s);
	if (bpx == NULL) {
		/* HAProxy logs no request time then (observed: TR -1) */
		h->log.tr = -1;
		http_answer(h, 503, 'S', 'C');
		return 1;
	}
	struct backend *be = engine_backend(eng, bpx);
	s->be = be;
	s->sctx.be = bpx;
	ctr_max(&be->conn_max, (unsigned)atomic_fetch_add(&be->cur_conn, 1) + 1);
	atomic_fetch_add(&be->cum_conn, 1);
	ctr_max(&be->sps_max, ctr_freq_add(&be->sess_rate, 1, (uint32_t)now));
	atomic_store(&be->last_sess_ms, now);
	s->retries_left = bpx->retries_set ? (int)bpx->retries : 3;
	if (bpx != fe->px) {
		v = http_req_rules(bpx, &h->hreq, &s->sctx, &h->reply, &service);
		r = verdict(h, v, service);
		http_send_interim(h);
		if (r)
			return r;
	}
	/* the persistence cookie, before X-Forwarded-For as HAProxy */
	http_cookie_request(h);
	if (http_forwardfor(fe->px, bpx, &h->hreq, &s->sctx) < 0) {
		http_answer(h, 500, 'P', 'R');
		return 1;
	}

	/* connection headers towards the server, as HAProxy 2.6 */
	enum px_http_conn mode = conn_mode(fe->px, bpx);
	if (mode == PX_HTTP_CLO)
		h->cli_ka = false;
	h->srv_ka = mode == PX_HTTP_KAL;
	h->upgrade = http_strip_connection(&h->hreq) && hmsg_find(&h->hreq, "upgrade", 7, 0) >= 0;
	if (!h->upgrade) {
		if (h->srv_ka && h->hreq.minor == 0)
			hmsg_add(&h->hreq, "connection", 10, "keep-alive", 10);
		else if (!h->srv_ka && h->hreq.minor >= 1)
			hmsg_add(&h->hreq, "connection", 10, "close", 5);
	}
	s->sctx.http = hmsg_req_view(&h->hreq);

	http_set_phase(h, HP_SRV);
	h->cli_exp = 0;
	h->reused = false;
	s->t_connect = -1;
	/* the server phase may come back at once (http_on_server_ready,
	 * http_on_close): run() loops on h->again */
	sess_start_server_phase(s);
	return 1;
}
