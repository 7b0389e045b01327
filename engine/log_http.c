/* The HTTP variables of log lines for HTTP mode transactions (reference
 * §4.3-4.6), as HAProxy 2.6's sess_build_logline() writes them, from
 * the transaction's struct http_log_info (engine/http.h) and the session
 * (which holds the transaction's view: t0, bytes, backend, server,
 * termination state). The predefined "option httplog", "httplog clf"
 * and "httpslog" formats, checked against haproxy 2.6.12.
 *
 * Timers: HAProxy keeps t_request (Th + Ti + TR), t_queue, t_connect,
 * t_data (response headers) and t_close relative to the start of the
 * transaction, and prints Tw = t_queue - t_request, Tc = t_connect -
 * t_queue, Tr = t_data - t_connect, Td = t_close - t_data, Ta = t_close -
 * (Th + Ti), Tu = t_close - Ti, Tt = t_close. The request line fields
 * (%r %HM %HU %HP %HPO %HQ %HV) come from the request line as received,
 * cut to 1023 bytes (HAProxy's requri buffer) or tune.http.logurilen
 * (http_req.c cuts it), with the bytes outside
 * 0x20..0x7e, '"' and '#' written "#XX"; captured headers also encode
 * '{', '|' and '}'. */
#include "engine/log_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/ssl.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/http.h"
#include "engine/http_msg.h"
#include "engine/session.h"
#include "engine/tls.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/sample.h"
#include "parser/server.h"

/* ---- the predefined formats ------------------------------------------------ */

#define V(n) { .type = LF_VAR, .text = n }
#define VQ(n) { .type = LF_VAR, .text = n, .opts = LF_OPT_Q }
#define X(t) { .type = LF_TEXT, .text = t }
#define S { .type = LF_SEP, .text = " " }

/* %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc
 * %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r */
#define HTTPLOG_NODES                                                          \
	V("ci"), X(":"), V("cp"), S, X("["), V("tr"), X("]"), S, V("ft"), S,  \
	V("b"), X("/"), V("s"), S, V("TR"), X("/"), V("Tw"), X("/"), V("Tc"), \
	X("/"), V("Tr"), X("/"), V("Ta"), S, V("ST"), S, V("B"), S, V("CC"),  \
	S, V("CS"), S, V("tsc"), S, V("ac"), X("/"), V("fc"), X("/"),          \
	V("bc"), X("/"), V("sc"), X("/"), V("rc"), S, V("sq"), X("/"),         \
	V("bq"), S, V("hr"), S, V("hs"), S, VQ("r")

static struct lf_node httplog_nodes[] = { HTTPLOG_NODES };

/* httplog then " %[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/
 * %[ssl_c_ca_err]/%[ssl_fc_is_resumed] %[ssl_fc_sni]/%sslv/%sslc" */
static struct lf_node httpslog_nodes[] = {
	HTTPLOG_NODES, S, V("@fc_err"), X("/"), V("@ssl_fc_err,hex"), X("/"),
	V("@ssl_c_err"), X("/"), V("@ssl_c_ca_err"), X("/"),
	V("@ssl_fc_is_resumed"), S, V("@ssl_fc_sni"), X("/"), V("sslv"), X("/"),
	V("sslc"),
};

/* %{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw
 * %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl */
static struct lf_node clf_nodes[] = {
	V("ci"), S, X("-"), S, X("-"), S, X("["), V("trg"), X("]"), S, VQ("r"),
	S, V("ST"), S, V("B"), S, X("\"\""), S, X("\"\""), S, V("cp"), S,
	V("ms"), S, VQ("ft"), S, VQ("b"), S, VQ("s"), S, V("TR"), S, V("Tw"),
	S, V("Tc"), S, V("Tr"), S, V("Ta"), S, V("tsc"), S, V("ac"), S,
	V("fc"), S, V("bc"), S, V("sc"), S, V("rc"), S, V("sq"), S, V("bq"),
	S, VQ("CC"), S, VQ("CS"), S, VQ("hrl"), S, VQ("hsl"),
};
#undef V
#undef VQ
#undef X
#undef S

const struct lf_expr log_httplog_lf = {
	.nodes = { httplog_nodes, ARRAY_SIZE(httplog_nodes), 0 },
};
const struct lf_expr log_httpslog_lf = {
	.nodes = { httpslog_nodes, ARRAY_SIZE(httpslog_nodes), 0 },
};
const struct lf_expr log_clf_lf = {
	.nodes = { clf_nodes, ARRAY_SIZE(clf_nodes), 0 },
};

/* ---- encoding ---------------------------------------------------------------- */

static bool
in_map(unsigned char c, bool hdr)
{
	return c < 32 || c >= 127 || c == '"' || c == '#' ||
	       (hdr && (c == '{' || c == '|' || c == '}'));
}

/* HAProxy's lf_encode_chunk(): bytes of the map as "#XX"; with +E the
 * others among '"', '\' and ']' get a backslash. No "-" for nothing. */
static void
put_enc(struct sbuf *o, unsigned opts, const char *s, size_t n, bool hdr)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (in_map(c, hdr))
			sbuf_addf(o, "#%02X", c);
		else if ((opts & LF_OPT_E) && (c == '\\' || c == ']'))
			sbuf_addc(o, '\\'), sbuf_addc(o, (char)c);
		else
			sbuf_addc(o, (char)c);
	}
}

static void
put_enc_q(struct sbuf *o, unsigned opts, const char *s, size_t n, bool hdr)
{
	if (opts & LF_OPT_Q)
		sbuf_addc(o, '"');
	put_enc(o, opts, s, n, hdr);
	if (opts & LF_OPT_Q)
		sbuf_addc(o, '"');
}

/* ---- request line ---------------------------------------------------------- */

static bool
sp(char c)
{
	return c == ' ' || c == '\t';
}

/* The words of the request line: method [m0,m1), URI [u0,u1), version
 * [v0,end); spaces is false when the line has no blank at all. */
struct rline {
	const char *p, *end;
	const char *m1, *u0, *u1, *v0;
	bool spaces;
};

static bool
rline_of(const struct http_log_info *hi, struct rline *l)
{
	if (!hi->req_line)
		return false;
	l->p = hi->req_line;
	l->end = l->p + hi->req_line_len;
	const char *q = l->p;
	while (q < l->end && !sp(*q))
		q++;
	l->m1 = q;
	l->spaces = q < l->end;
	while (q < l->end && sp(*q))
		q++;
	l->u0 = q;
	while (q < l->end && !sp(*q))
		q++;
	l->u1 = q;
	while (q < l->end && sp(*q))
		q++;
	l->v0 = q;
	return true;
}

/* HAProxy's http_parse_path() for %HPO: the path of an absolute URI
 * (after scheme://authority) or of an origin-form one, without query. */
static void
path_only(const char *u, const char *e, const char **p0, const char **p1)
{
	const char *p = u;
	if (p < e && *p != '/' && *p != '*') {
		const char *s = memchr(u, ':', (size_t)(e - u));
		if (s && s + 2 < e && s[1] == '/' && s[2] == '/') {
			p = s + 3;
			while (p < e && *p != '/')
				p++;
		}
	}
	const char *q = p;
	while (q < e && *q != '?')
		q++;
	*p0 = p;
	*p1 = q;
}

static void
put_badreq(struct sbuf *o, unsigned opts)
{
	put_enc_q(o, opts, "<BADREQ>", 8, false);
}

static void
render_line_var(const struct http_log_info *hi, enum lv id, unsigned opts,
                struct sbuf *o)
{
	struct rline l;
	bool ok = rline_of(hi, &l);
	switch (id) {
	case LV_r:
		if (!ok)
			put_badreq(o, opts);
		else
			put_enc_q(o, opts, l.p, (size_t)(l.end - l.p), false);
		return;
	case LV_HM:
		if (!ok || !l.spaces)
			put_badreq(o, opts);
		else
			put_enc_q(o, opts, l.p, (size_t)(l.m1 - l.p), false);
		return;
	case LV_HU:
		if (!ok || !l.spaces)
			put_badreq(o, opts);
		else
			put_enc_q(o, opts, l.u0, (size_t)(l.u1 - l.u0), false);
		return;
	case LV_HP: {
		if (!ok || !l.spaces) {
			put_badreq(o, opts);
			return;
		}
		const char *q = l.u0;
		while (q < l.u1 && *q != '?')
			q++;
		put_enc_q(o, opts, l.u0, (size_t)(q - l.u0), false);
		return;
	}
	case LV_HPO: {
		if (!ok || !l.spaces) {
			put_badreq(o, opts);
			return;
		}
		const char *p0, *p1;
		path_only(l.u0, l.u1, &p0, &p1);
		put_enc_q(o, opts, p0, (size_t)(p1 - p0), false);
		return;
	}
	case LV_HQ: {
		if (!ok) {
			put_badreq(o, opts);
			return;
		}
		/* from the first '?' of the line to the next blank */
		const char *q = l.p;
		while (q < l.end && *q != '?')
			q++;
		const char *e = q;
		while (e < l.end && !sp(*e))
			e++;
		put_enc_q(o, opts, q, (size_t)(e - q), false);
		return;
	}
	case LV_HV:
		if (!ok || !l.spaces)
			put_badreq(o, opts);
		else if (l.v0 == l.end)
			put_enc_q(o, opts, "HTTP/0.9", 8, false);
		else
			put_enc_q(o, opts, l.v0, (size_t)(l.end - l.v0), false);
		return;
	default:
		return;
	}
}

/* ---- captures -------------------------------------------------------------- */

/* The value of request capture slot i of the frontend (HAProxy's
 * req_cap numbering: header captures and "capture ... len" rules in
 * declaration order), or NULL. */
static const char *
req_cap(const struct log_run *r, size_t slot, size_t *nslots)
{
	const struct cfg_proxy *px = r->fe;
	const struct http_log_info *hi = r->hi;
	/* entries of req_caps, and the capture rules that add a slot,
	 * merged by line */
	size_t n = 0, k = 0;
	const char *found = NULL;
	size_t ri = 0;
	const struct px_rule *const *rules = (const struct px_rule *const *)px->http_req.v;
	size_t nr = px->http_req.n;
	for (;;) {
		while (ri < nr && !(rules[ri]->act == PX_ACT_CAPTURE && rules[ri]->arg &&
		                    strcmp(rules[ri]->arg, "len") == 0))
			ri++;
		bool have_cap = k < px->req_caps.n, have_rule = ri < nr;
		if (!have_cap && !have_rule)
			break;
		bool take_cap = have_cap && (!have_rule ||
		                             px->req_caps.v[k]->loc.line < rules[ri]->loc.line);
		if (n == slot) {
			if (take_cap && px->req_caps.v[k]->header)
				found = k < hi->n_req_caps && hi->req_caps ? hi->req_caps[k] : NULL;
			else if (slot < SMP_CTX_CAPTURES)
				found = smp_cap_get(&r->s->sctx, slot);
		}
		if (take_cap)
			k++;
		else
			ri++;
		n++;
	}
	*nslots = n;
	return found;
}

static void
render_caps(const struct log_run *r, bool req, bool list, unsigned opts,
            struct sbuf *o)
{
	const struct http_log_info *hi = r->hi;
	size_t n = req ? 0 : r->fe->res_caps.n;
	if (req)
		req_cap(r, 0, &n);
	if (n == 0)
		return; /* nothing at all, not even "-" */
	if (!list) {
		if (opts & LF_OPT_Q)
			sbuf_addc(o, '"');
		sbuf_addc(o, '{');
	}
	for (size_t i = 0; i < n; i++) {
		size_t dummy;
		const char *v = req ? req_cap(r, i, &dummy)
		                    : (i < hi->n_res_caps && hi->res_caps ? hi->res_caps[i] : NULL);
		if (i)
			sbuf_addc(o, list ? ' ' : '|');
		if (list && (opts & LF_OPT_Q))
			sbuf_addc(o, '"');
		if (v)
			put_enc(o, opts, v, strlen(v), true);
		else if (list && !(opts & LF_OPT_Q))
			sbuf_addc(o, '-');
		if (list && (opts & LF_OPT_Q))
			sbuf_addc(o, '"');
	}
	if (!list) {
		sbuf_addc(o, '}');
		if (opts & LF_OPT_Q)
			sbuf_addc(o, '"');
	}
}

/* ---- dates --------------------------------------------------------------------- */

static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static void
put_req_date(struct sbuf *o, long long wall_ms, enum lv id)
{
	time_t sec = (time_t)(wall_ms / 1000);
	struct tm tm;
	if (id == LV_trg)
		gmtime_r(&sec, &tm);
	else
		localtime_r(&sec, &tm);
	sbuf_addf(o, "%02d/%s/%04d:%02d:%02d:%02d", tm.tm_mday, months[tm.tm_mon],
	          tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (id == LV_tr) {
		sbuf_addf(o, ".%03d", (int)(wall_ms % 1000));
	} else if (id == LV_trg) {
		sbuf_adds(o, " +0000");
	} else {
		long off = tm.tm_gmtoff;
		char sign = off < 0 ? '-' : '+';
		if (off < 0)
			off = -off;
		sbuf_addf(o, " %c%02ld%02ld", sign, off / 3600, (off / 60) % 60);
	}
}

/* ---- the variables --------------------------------------------------------------- */

static int
cur_minus(atomic_int *v, int minus)
{
	int n = atomic_load(v) - minus;
	return n < 0 ? 0 : n;
}

bool
log_http_var(struct log_run *r, const struct lf_node *n, enum lv id, struct sbuf *o)
{
	const struct http_log_info *hi = r->hi;
	const struct session *s = r->s;
	unsigned opts = n->opts;
	long long t_close = r->now - s->t0;
	if (t_close < 0)
		t_close = 0;
	long th = hi->th > 0 ? hi->th : 0;
	long long t_request = hi->tr >= 0 && hi->ti >= 0 ? th + hi->ti + hi->tr : -1;
	long long t_data = -1;
	if (t_request >= 0 && hi->tw >= 0 && hi->tc >= 0 && hi->tres >= 0)
		t_data = t_request + hi->tw + hi->tc + hi->tres;
	long long idle = hi->ti >= 0 ? hi->ti : 0;
	const SSL *ssl = s->cli_ssl;

	switch (id) {
	case LV_s: {
		const char *sn = hi->srv_name;
		if (!sn)
			sn = r->srv && r->srv->cfg ? r->srv->cfg->name : "<NOSRV>";
		log_put_text(o, opts, sn, strlen(sn));
		return true;
	}
	case LV_ST:
		sbuf_addf(o, "%d", hi->status);
		return true;
	case LV_TR:
		sbuf_addf(o, "%ld", hi->tr >= 0 ? hi->tr : -1L);
		return true;
	case LV_Tq:
		sbuf_addf(o, "%lld", t_request);
		return true;
	case LV_Th:
		sbuf_addf(o, "%ld", th);
		return true;
	case LV_Ti:
		sbuf_addf(o, "%ld", hi->ti);
		return true;
	case LV_Tw:
		sbuf_addf(o, "%ld", hi->tw);
		return true;
	case LV_Tc:
		sbuf_addf(o, "%ld", hi->tc);
		return true;
	case LV_Tr:
		sbuf_addf(o, "%ld", hi->tres);
		return true;
	case LV_Td:
		sbuf_addf(o, "%lld", t_data >= 0 ? t_close - t_data : -1);
		return true;
	case LV_Ta:
		sbuf_addf(o, "%lld", t_close - (hi->ti >= 0 ? hi->ti + th : 0));
		return true;
	case LV_Tu:
		sbuf_addf(o, "%lld", t_close - idle);
		return true;
	case LV_Tt:
		sbuf_addf(o, "%lld", t_close);
		return true;
	case LV_tr:
	case LV_trg:
	case LV_trl:
		put_req_date(o, s->t_accept_wall_ms + (hi->ti >= 0 ? idle + th : 0), id);
		return true;
	case LV_r:
	case LV_HM:
	case LV_HU:
	case LV_HP:
	case LV_HPO:
	case LV_HQ:
	case LV_HV:
		render_line_var(hi, id, opts, o);
		return true;
	case LV_hr:
	case LV_hrl:
		render_caps(r, true, id == LV_hrl, opts, o);
		return true;
	case LV_hs:
	case LV_hsl:
		render_caps(r, false, id == LV_hsl, opts, o);
		return true;
	case LV_tsc:
		sbuf_addc(o, s->term[0] ? s->term[0] : '-');
		sbuf_addc(o, s->term[1] ? s->term[1] : '-');
		sbuf_addc(o, hi->cookie[0] ? hi->cookie[0] : '-');
		sbuf_addc(o, hi->cookie[1] ? hi->cookie[1] : '-');
		return true;
	case LV_rc:
		if (s->prev_srv)
			sbuf_addc(o, '+'); /* redispatched */
		sbuf_addf(o, "%ld", hi->retries);
		return true;
	case LV_bc:
		/* HAProxy releases the backend and the server before it logs
		 * a transaction; the engine logs first */
		sbuf_addf(o, "%d", s->be ? cur_minus(&s->be->cur_conn, 1) : 0);
		return true;
	case LV_sc: {
		int sc = s->srv ? (int)atomic_load(&s->srv->cur_sess) - 1 : 0;
		sbuf_addf(o, "%d", sc < 0 ? 0 : sc);
		return true;
	}
	case LV_CC:
	case LV_CS: {
		const char *ck = id == LV_CC ? hi->cli_cookie : hi->srv_cookie;
		log_put_text(o, opts, ck, ck ? strlen(ck) : 0);
		return true;
	}
	case LV_sslv:
	case LV_sslc: {
		const char *t = NULL;
		if (ssl && id == LV_sslv)
			t = SSL_get_version(ssl);
		else if (ssl)
			t = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
		log_put_text(o, opts, t, t ? strlen(t) : 0);
		return true;
	}
	case LV_X_FC_ERR:
		sbuf_adds(o, "0");
		return true;
	case LV_X_SSL_FC_ERR_HEX:
		/* an integer converted to binary is 8 bytes wide */
		log_put_text(o, opts, ssl ? "0000000000000000" : NULL, ssl ? 16 : 0);
		return true;
	case LV_X_SSL_C_ERR:
	case LV_X_SSL_C_CA_ERR:
		if (!ssl) {
			log_put_text(o, opts, NULL, 0);
		} else {
			int crt, ca, depth;
			tls_verify_errors(ssl, &crt, &ca, &depth);
			sbuf_addf(o, "%d", id == LV_X_SSL_C_ERR ? crt : ca);
		}
		return true;
	case LV_X_SSL_RESUMED:
		sbuf_adds(o, ssl && SSL_session_reused(ssl) ? "1" : "0");
		return true;
	case LV_X_SSL_SNI: {
		const char *sni = ssl ? SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) : NULL;
		log_put_text(o, opts, sni, sni ? strlen(sni) : 0);
		return true;
	}
	default:
		return false;
	}
}

/* ---- "capture request|response header" ------------------------------------------ */

void
log_capture_headers(const struct cfg_proxy *px, bool req, const struct hmsg *m,
                    char ***caps, size_t *n)
{
	size_t nc = req ? px->req_caps.n : px->res_caps.n;
	struct px_capture *const *cv = req ? px->req_caps.v : px->res_caps.v;
	for (size_t i = 0; *caps && i < *n; i++)
		free((*caps)[i]);
	free(*caps);
	*caps = NULL;
	*n = 0;
	if (nc == 0 || m == NULL)
		return;
	*caps = xcalloc(nc, sizeof(**caps));
	*n = nc;
	/* HAProxy's http_capture_headers(): every field in order, so the
	 * last one of a name wins, cut to the capture's length */
	for (size_t h = 0; h < m->nhdrs; h++) {
		const struct hmsg_hdr *f = &m->hdrs[h];
		for (size_t k = 0; k < nc; k++) {
			const char *name = cv[k]->header;
			if (!name || strlen(name) != f->name_len ||
			    strncasecmp(name, f->name, f->name_len) != 0)
				continue;
			size_t len = f->value_len;
			if (cv[k]->len >= 0 && (size_t)cv[k]->len < len)
				len = (size_t)cv[k]->len;
			free((*caps)[k]);
			(*caps)[k] = xstrndup(f->value, len);
		}
	}
}

/* ---- "capture cookie" ------------------------------------------------------------ */

void
log_capture_cookie(const struct cfg_proxy *px, bool req, const struct hmsg *m,
                   char **out)
{
	free(*out);
	*out = NULL;
	if (!px->capture_cookie || !m)
		return;
	size_t nl = strlen(px->capture_cookie);
	const char *hname = req ? "cookie" : "set-cookie";
	for (size_t h = 0; h < m->nhdrs; h++) {
		const struct hmsg_hdr *f = &m->hdrs[h];
		if (f->name_len != strlen(hname) || strncasecmp(f->name, hname, f->name_len) != 0)
			continue;
		const char *p = f->value, *end = f->value + f->value_len;
		while (p < end) {
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			/* name=value up to the next delimiter, quotes kept */
			const char *q = p;
			bool quoted = false;
			for (; q < end; q++) {
				if (*q == '"')
					quoted = !quoted;
				else if (!quoted && (*q == ';' || (req && *q == ',')))
					break;
			}
			const char *e = q;
			while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			/* HAProxy: a cookie whose name starts with the capture
			 * name, "name=value" as a whole, cut to len */
			if ((size_t)(e - p) >= nl && memcmp(p, px->capture_cookie, nl) == 0 &&
			    memchr(p, '=', (size_t)(e - p))) {
				size_t len = (size_t)(e - p);
				if (px->capture_cookie_len >= 0 && (size_t)px->capture_cookie_len < len)
					len = (size_t)px->capture_cookie_len;
				*out = xstrndup(p, len);
				return;
			}
			if (!req)
				break; /* Set-Cookie: only its first pair names a cookie */
			p = q + 1;
		}
	}
}
