/* HTTP mode, the response side of a transaction (http_int.h): a parsed
 * response head through the http-response and http-after-response
 * rules to the client, interim answers, and the switch to a tunnel
 * after 101 Switching Protocols. */
#include "engine/http_int.h"
#include "engine/http_cookie.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/http_local.h"
#include "engine/log.h"
#include "engine/relay.h"
#include "engine/server.h"
#include "engine/session.h"
#include "engine/session_int.h"
#include "engine/smp_eval.h"
#include "lib/util.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"

/* A 101 to a WebSocket upgrade carries Sec-WebSocket-Accept, the
 * base64 SHA-1 of the request's key and RFC 6455's GUID. */
static bool
ws_accept_ok(struct http_sess *h, const struct h1r_resp *r)
{
	long k = hmsg_find(&h->hreq, "sec-websocket-key", 17, 0);
	long u = hmsg_find(&h->hreq, "upgrade", 7, 0);
	if (k < 0 || u < 0 || h->hreq.hdrs[u].value_len != 9 ||
	    strncasecmp(h->hreq.hdrs[u].value, "websocket", 9) != 0)
		return true; /* not a WebSocket upgrade */
	const struct h1r_hdr *a = h1r_header(r, "sec-websocket-accept", 0);
	if (a == NULL)
		return false;
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char md[SHA_DIGEST_LENGTH];
	struct sbuf in = { 0 };
	sbuf_addn(&in, h->hreq.hdrs[k].value, h->hreq.hdrs[k].value_len);
	sbuf_adds(&in, guid);
	SHA1((const unsigned char *)in.s, in.len, md);
	free(in.s);
	unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
	int n = EVP_EncodeBlock(b64, md, SHA_DIGEST_LENGTH);
	return n > 0 && a->value_len == (size_t)n && memcmp(a->value, b64, (size_t)n) == 0;
}

/* A complete response head is in h->resp. 1 progress, -1 gone. */
int
http_process_response(struct http_sess *h)
{
	struct session *s = h->s;
	struct h1r_resp *r = h->resp;
	const struct cfg_proxy *fe = s->fe->px, *be = s->be->px;

	if (r->status == 101 && h->upgrade && !ws_accept_ok(h, r)) {
		/* a WebSocket switch the server did not prove */
		http_close_server(h);
		atomic_fetch_add(&s->be->eresp, 1);
		http_answer(h, 502, 'P', 'H');
		return 1;
	}
	if (r->status < 200) {
		/* interim: forwarded as received, the final one follows
		 * (101: the tunnel starts after it) */
		struct hmsg im = { 0 };
		if (hmsg_from_resp(&im, r, h->max_head) == 0)
			hmsg_write(&im, &h->cout);
		hmsg_free(&im);
		h->rin.off += r->head_len;
		if (r->status == 101 && h->upgrade) {
			h->t_res_head = now_ms();
			ctr_http_srv_response(ctr_srv(s->be, s->srv), 101);
			h->log.status = 101;
			/* what the server sent after it belongs to the tunnel */
			sbuf_addn(&h->cout, h->rin.b + h->rin.off, h->rin.len - h->rin.off);
			h->rin.off = h->rin.len = 0;
			http_count_status(h, 101);
			http_set_phase(h, HP_TUNNEL);
			return 1;
		}
		return 1;
	}
	h->t_res_head = now_ms();
	ctr_http_srv_response(ctr_srv(s->be, s->srv), r->status);
	if (hmsg_from_resp(&h->hres, r, h->max_head) < 0) {
		http_close_server(h);
		http_answer(h, 502, 'P', 'H');
		return 1;
	}
	h->have_res = true;
	log_capture_headers(h->s->fe->px, false, &h->hres, &h->log.res_caps,
	                    &h->log.n_res_caps);
	log_capture_cookie(h->s->fe->px, false, &h->hres, &h->log.srv_cookie);
	h->rin.off += r->head_len;
	s->sctx.http_res = hmsg_resp_view(&h->hres);
	h->sb = r->body == H1R_BODY_CHUNKED ? HB_CHUNKED :
	        r->body == H1R_BODY_CLEN && r->content_length > 0 ? HB_CLEN :
	        r->body == H1R_BODY_CLOSE ? HB_CLOSE : HB_NONE;
	if (h->head_req || r->status == 204 || r->status == 304)
		h->sb = HB_NONE;
	h->sb_left = r->content_length;
	if (h->sb == HB_CHUNKED)
		http_rechunk_init(&h->rs, h->lim.bufsize);
	if (!http_res_body_check(h)) {
		http_close_server(h);
		atomic_fetch_add(&s->be->eresp, 1);
		int i = s->srv ? backend_srv_index(s->be, s->srv) : -1;
		if (i >= 0)
			atomic_fetch_add(&s->be->sc[i].eresp, 1);
		http_answer(h, 502, 'P', 'H');
		return 1;
	}
	/* the server keeps the connection only if its answer allows it */
	if (r->conn_close || (r->major == 1 && r->minor == 0 &&
	                      !h1r_header(r, "connection", 0)) || h->sb == HB_CLOSE)
		h->srv_ka = false;
	if (h->sb == HB_CLOSE)
		h->cli_ka = false;

	enum http_verdict v = http_res_rules(be, &h->hres, &s->sctx, &h->reply);
	if (v == HTTP_V_CONTINUE && fe != be)
		v = http_res_rules(fe, &h->hres, &s->sctx, &h->reply);
	if (v == HTTP_V_REPLY || v == HTTP_V_FAIL) {
		/* the server's answer is dropped, and its connection */
		h->srv_ka = false;
		http_close_server(h);
		h->have_reply = true;
		if (h->reply.denied)
			ctr_http_event(s->fe, s->be, ctr_srv(s->be, s->srv), CTR_HTTP_DENIED_RESP);
		else if (v == HTTP_V_FAIL)
			ctr_http_event(s->fe, s->be, ctr_srv(s->be, s->srv), CTR_HTTP_FAILED_REWRITE);
		http_answer(h, 0, v == HTTP_V_FAIL ? 'P' : 'P', 'H');
		return 1;
	}
	if (v == HTTP_V_SILENT || v == HTTP_V_REJECT) {
		http_finish(h, 'P', 'H');
		return -1;
	}
	/* after the http-response rules, as HAProxy: persistence cookie */
	if (http_cookie_response(h) < 0) {
		h->srv_ka = false;
		http_close_server(h);
		ctr_http_event(s->fe, s->be, ctr_srv(s->be, s->srv), CTR_HTTP_FAILED_REWRITE);
		http_answer(h, 500, 'P', 'H');
		return 1;
	}
	http_strip_connection(&h->hres);
	if (r->clen_dropped)
		hmsg_del(&h->hres, "content-length", 14);
	else if (r->body == H1R_BODY_CLEN)
		http_one_clen(&h->hres, r->content_length);
	if (!h->cli_ka)
		hmsg_add(&h->hres, "connection", 10, "close", 5);
	else if (h->req.minor == 0 || h->hres.minor == 0)
		/* HTTP/1.0 on either side: persistence has to be said */
		hmsg_add(&h->hres, "connection", 10, "keep-alive", 10);
	http_after_rules(be, &h->hres, &s->sctx);
	if (fe != be)
		http_after_rules(fe, &h->hres, &s->sctx);
	h->log.status = h->hres.status;
	http_count_status(h, h->hres.status);
	hmsg_write(&h->hres, &h->cout);
	/* a small body already here goes with the head: one write */
	size_t avail = h->rin.len - h->rin.off;
	if (h->sb == HB_CLEN && avail && h->sb_left <= SMALL_BODY) {
		size_t n = avail < h->sb_left ? avail : (size_t)h->sb_left;
		sbuf_addn(&h->cout, h->rin.b + h->rin.off, n);
		h->rin.off += n;
		h->sb_left -= n;
	}
	h->res_head_sent = true;
	return 1;
}

static void
tunnel_done(void *arg, enum relay_end why, const struct relay_stats *st)
{
	struct session *s = arg;
	struct http_sess *h = s->http;
	static const char term[][2] = {
		[RELAY_DONE] = "--", [RELAY_CLI_ERROR] = "CD", [RELAY_SRV_ERROR] = "SD",
		[RELAY_CLI_TIMEOUT] = "cD", [RELAY_SRV_TIMEOUT] = "sD", [RELAY_ABORTED] = "KD",
	};
	s->bytes_in += st->c2s;
	s->bytes_out += st->s2c;
	relay_free(s->relay);
	s->relay = NULL;
	if (why == RELAY_DONE)
		s->cli_eof = true;
	http_finish(h, term[why][0], term[why][1]);
}

void
http_start_tunnel(struct http_sess *h)
{
	struct session *s = h->s;
	const struct cfg_proxy *fe = s->fe->px, *be = s->be->px;
	struct relay_opts o = { 0 };
	uint32_t tunnel = http_px_tmo(be, PX_TO_TUNNEL);
	o.cli_timeout = tunnel ? tunnel : http_px_tmo(fe, PX_TO_CLIENT);
	o.srv_timeout = tunnel ? tunnel : http_px_tmo(be, PX_TO_SERVER);
	o.cli_fin_timeout = http_px_tmo(fe, PX_TO_CLIENT_FIN);
	o.srv_fin_timeout = http_px_tmo(be, PX_TO_SERVER_FIN);
	o.bufsize = (uint32_t)h->lim.bufsize;
	o.cli_ssl = s->cli_ssl;
	o.srv_ssl = s->srv_ssl;
	/* the events and timer are the relay's now */
	if (s->cev)
		event_del(s->cev);
	if (s->sev)
		event_del(s->sev);
	event_del(s->tmr);
	h->c_ev = h->s_ev = -1;
	h->watch_fd = -1;
	h->tmr_at = -1;
	sess_set_state(s, SS_FORWARD);
	/* the relay reads on xprt_pending(), blind to records OpenSSL read
	 * ahead (http_sess_start): those go with the first bytes, and no
	 * more are read ahead (a partial record left completes with the
	 * socket's next bytes) */
	xprt_read_ahead(&h->cx, false);
	while (xprt_buffered(&h->cx)) {
		http_buf_alloc(&h->in, h->lim.bufsize);
		http_buf_compact(&h->in);
		size_t n = 0;
		short want;
		if (h->in.len == h->in.cap ||
		    xprt_recv(&h->cx, h->in.b + h->in.len, h->in.cap - h->in.len, &n, &want) != XPRT_OK)
			break;
		h->in.len += n;
		s->bytes_in += n;
	}
	const uint8_t *first = NULL;
	size_t flen = h->in.len - h->in.off;
	if (flen)
		first = (const uint8_t *)h->in.b + h->in.off;
	s->relay = relay_start(s->w->base, s->cfd, s->sfd, first, flen, 0, &o, tunnel_done, s);
	http_buf_free(&h->in);
	http_buf_free(&h->rin);
}
