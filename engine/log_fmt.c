/* Rendering of session lines: "option tcplog" and "log-format" strings
 * with their variables (reference §4.2, §4.4, §4.5), byte for byte as
 * HAProxy 2.6 writes them in TCP mode (checked against haproxy 2.6.12).
 *
 * Rules HAProxy applies and we follow: a run of blanks renders as one
 * space, and not at all at the start or right after another separator;
 * an absent or empty text renders "-" ("" with +Q); +Q quotes texts
 * (names, addresses, samples) but not numbers, dates or the termination
 * state; +E escapes '"', '\' and ']' with a backslash; +X writes
 * addresses, ports, %pid, %Ts, %ms and %rt in upper-case hexadecimal and
 * leaves timers and byte counts in decimal. */
#include "engine/log_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ssl.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/http.h"
#include "engine/session.h"
#include "engine/smp_eval.h"
#include "parser/bind.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/sample.h"
#include "parser/server.h"


static const struct {
	const char *name;
	enum lv id;
} lv_names[] = {
	{ "B", LV_B }, { "CC", LV_CC }, { "CS", LV_CS }, { "H", LV_H },
	{ "HM", LV_HM }, { "HP", LV_HP }, { "HPO", LV_HPO }, { "HQ", LV_HQ },
	{ "HU", LV_HU }, { "HV", LV_HV }, { "ID", LV_ID }, { "ST", LV_ST },
	{ "T", LV_T }, { "Ta", LV_Ta }, { "Tc", LV_Tc }, { "Td", LV_Td },
	{ "Th", LV_Th }, { "Ti", LV_Ti }, { "Tl", LV_Tl }, { "Tq", LV_Tq },
	{ "TR", LV_TR }, { "Tr", LV_Tr }, { "Ts", LV_Ts }, { "Tt", LV_Tt },
	{ "Tu", LV_Tu }, { "Tw", LV_Tw }, { "U", LV_U }, { "ac", LV_ac },
	{ "b", LV_b }, { "bc", LV_bc }, { "bi", LV_bi }, { "bp", LV_bp },
	{ "bq", LV_bq }, { "ci", LV_ci }, { "cp", LV_cp }, { "f", LV_f },
	{ "fc", LV_fc }, { "fi", LV_fi }, { "fp", LV_fp }, { "ft", LV_ft },
	{ "hr", LV_hr }, { "hrl", LV_hrl }, { "hs", LV_hs }, { "hsl", LV_hsl },
	{ "lc", LV_lc }, { "ms", LV_ms }, { "pid", LV_pid }, { "r", LV_r },
	{ "rc", LV_rc }, { "rt", LV_rt }, { "s", LV_s }, { "sc", LV_sc },
	{ "si", LV_si }, { "sp", LV_sp }, { "sq", LV_sq }, { "sslc", LV_sslc },
	{ "sslv", LV_sslv }, { "t", LV_t }, { "tr", LV_tr }, { "trg", LV_trg },
	{ "trl", LV_trl }, { "ts", LV_ts }, { "tsc", LV_tsc },
	{ "@fc_err", LV_X_FC_ERR }, { "@ssl_fc_err,hex", LV_X_SSL_FC_ERR_HEX },
	{ "@ssl_c_err", LV_X_SSL_C_ERR }, { "@ssl_c_ca_err", LV_X_SSL_C_CA_ERR },
	{ "@ssl_fc_is_resumed", LV_X_SSL_RESUMED }, { "@ssl_fc_sni", LV_X_SSL_SNI },
};

static enum lv
lv_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(lv_names); i++)
		if (strcmp(lv_names[i].name, name) == 0)
			return lv_names[i].id;
	return LV_NONE;
}

/* log.c default_tcp_log_format, pre-parsed:
 * "%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq" */
#define V(n) { .type = LF_VAR, .text = n }
#define X(t) { .type = LF_TEXT, .text = t }
#define S { .type = LF_SEP, .text = " " }
static struct lf_node tcplog_nodes[] = {
	V("ci"), X(":"), V("cp"), S, X("["), V("t"), X("]"), S, V("ft"), S,
	V("b"), X("/"), V("s"), S, V("Tw"), X("/"), V("Tc"), X("/"), V("Tt"), S,
	V("B"), S, V("ts"), S, V("ac"), X("/"), V("fc"), X("/"), V("bc"),
	X("/"), V("sc"), X("/"), V("rc"), S, V("sq"), X("/"), V("bq"),
};
#undef V
#undef X
#undef S
static const struct lf_expr tcplog_lf = {
	.nodes = { tcplog_nodes, ARRAY_SIZE(tcplog_nodes), 0 },
};


static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* ---- primitives ---------------------------------------------------------- */

void
log_put_text(struct sbuf *o, unsigned opts, const char *s, size_t n)
{
	if (s == NULL || n == 0) {
		sbuf_adds(o, (opts & LF_OPT_Q) ? "\"\"" : "-");
		return;
	}
	if (opts & LF_OPT_Q)
		sbuf_addc(o, '"');
	if (opts & LF_OPT_E) {
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\' || s[i] == ']')
				sbuf_addc(o, '\\');
			sbuf_addc(o, s[i]);
		}
	} else {
		sbuf_addn(o, s, n);
	}
	if (opts & LF_OPT_Q)
		sbuf_addc(o, '"');
}

static void
put_str(struct sbuf *o, unsigned opts, const char *s)
{
	log_put_text(o, opts, s, s ? strlen(s) : 0);
}

/* put_ip/put_port read a session's compact address (lib/sess_addr.h)
 * or a server's: by family, never past an IP sockaddr. */
static void
put_ip(struct sbuf *o, unsigned opts, const struct sockaddr *ss)
{
	char buf[INET6_ADDRSTRLEN];
	const unsigned char *b = NULL;
	size_t nb = 0;

	if (ss == NULL)
		goto absent;
	if (ss->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		b = (const unsigned char *)&in->sin_addr;
		nb = 4;
		inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
	} else if (ss->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		b = (const unsigned char *)&in6->sin6_addr;
		nb = 16;
		inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
	} else if (ss->sa_family == AF_UNIX) {
		put_str(o, opts, "unix");
		return;
	} else {
		goto absent;
	}
	if (opts & LF_OPT_X) {
		for (size_t i = 0; i < nb; i++)
			sbuf_addf(o, "%02X", b[i]);
		return;
	}
	put_str(o, opts, buf);
	return;
absent:
	log_put_text(o, opts, NULL, 0);
}

/* The port of an address; for a UNIX socket HAProxy writes the
 * listener's id instead. */
static void
put_port(struct sbuf *o, unsigned opts, const struct sockaddr *ss,
         int luid)
{
	int port = -1;
	if (ss && ss->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
	else if (ss && ss->sa_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)(const void *)ss)->sin6_port);
	else if (ss && ss->sa_family == AF_UNIX) {
		sbuf_addf(o, "%d", luid);
		return;
	}
	if (port < 0)
		log_put_text(o, opts, NULL, 0);
	else if (opts & LF_OPT_X)
		sbuf_addf(o, "%04X", (unsigned)port);
	else
		sbuf_addf(o, "%d", port);
}

enum date_kind {
	DATE_LOCAL_MS,   /* 27/Nov/2026:11:49:08.628 (%t, %tr) */
	DATE_GMT,        /* 27/Nov/2026:11:49:08 +0000 (%T, %trg) */
	DATE_LOCAL_TZ,   /* 27/Nov/2026:11:49:08 +0100 (%Tl, %trl) */
};

static void
put_date(struct sbuf *o, long long wall_ms, enum date_kind k)
{
	time_t sec = (time_t)(wall_ms / 1000);
	int ms = (int)(wall_ms % 1000);
	struct tm tm;

	if (k == DATE_GMT)
		gmtime_r(&sec, &tm);
	else
		localtime_r(&sec, &tm);
	sbuf_addf(o, "%02d/%s/%04d:%02d:%02d:%02d", tm.tm_mday,
	          months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	          tm.tm_sec);
	if (k == DATE_LOCAL_MS) {
		sbuf_addf(o, ".%03d", ms);
	} else if (k == DATE_GMT) {
		sbuf_adds(o, " +0000");
	} else {
		long off = tm.tm_gmtoff;
		char sign = off < 0 ? '-' : '+';
		if (off < 0)
			off = -off;
		sbuf_addf(o, " %c%02ld%02ld", sign, off / 3600, (off / 60) % 60);
	}
}

int
log_luid(const struct session *s)
{
	const struct listener *l = s ? s->l : NULL;
	if (l == NULL || l->bind == NULL)
		return 0;
	const struct cfg_bind *b = l->bind;
	size_t k = 0;
	for (size_t i = 0; i < b->naddrs; i++) {
		if (b->addrs[i].ss.ss_family == l->addr.ss_family &&
		    memcmp(&b->addrs[i].ss, &l->addr, b->addrs[i].sslen) == 0) {
			k = i;
			break;
		}
	}
	if (b->id > 0)
		return b->id + (int)k;
	/* HAProxy numbers listeners from 1 in declaration order */
	int n = 0;
	const struct cfg_proxy *px = b->px;
	for (size_t i = 0; px && i < px->binds.n; i++) {
		if (px->binds.v[i] == b)
			return n + (int)k + 1;
		n += (int)px->binds.v[i]->naddrs;
	}
	return (int)k + 1;
}

/* ---- timers (reference §4.5, HAProxy's sess_build_logline) --------------- *
 * HAProxy keeps t_queue (a server was assigned: the connection attempt
 * starts), t_connect (established) and t_close relative to the accept; in
 * TCP mode it has no request date (t_request = -1), so %Tw = t_queue + 1. */

struct timers {
	long long t_queue, t_connect, t_close;
};

static struct timers
timers_of(const struct log_run *r)
{
	const struct session *s = r->s;
	struct timers t;
	t.t_queue = s->t_connect >= 0 ? s->t_connect - s->t0 : -1;
	t.t_connect = s->t_established >= 0 ? s->t_established - s->t0 : -1;
	if (t.t_queue < 0 && t.t_connect >= 0)
		t.t_queue = t.t_connect;
	t.t_close = r->now - s->t0;
	if (t.t_close < 0)
		t.t_close = 0;
	return t;
}

/* ---- variables ----------------------------------------------------------- */

static int
cur_of(atomic_int *v, int minus)
{
	int n = atomic_load(v) - minus;
	return n < 0 ? 0 : n;
}

static void render_nodes(struct log_run *r, const struct lf_expr *lf, struct sbuf *o);

/* The variables a locally answered request (r->http) gives its own
 * value, as HAProxy 2.6 logs the stats page, the exporter and its own
 * errors (observed); false for the others (rendered from the session). */
static bool
render_http(struct log_run *r, const struct lf_node *n, struct sbuf *o)
{
	const struct log_http *h = r->http;
	unsigned opts = n->opts;
	long long ta = r->now - r->s->t0;
	if (ta < 0)
		ta = 0;
	bool bad = h->method == NULL;
	const char *u = h->uri;
	size_t ul = h->uri_len;
	/* path and query of the URI, as HAProxy's %HP/%HPO/%HQ */
	size_t q = 0;
	while (!bad && q < ul && u[q] != '?')
		q++;
	char ver[16];
	snprintf(ver, sizeof(ver), "HTTP/%d.%d", h->major, h->minor);

	switch (lv_find(n->text)) {
	case LV_s:
		put_str(o, opts, h->srv);
		return true;
	case LV_ST:
		sbuf_addf(o, "%d", h->status);
		return true;
	case LV_TR:
	case LV_Tq:
		sbuf_addf(o, "%d", h->tr);
		return true;
	case LV_Tw:
	case LV_Tc:
	case LV_Tr:
		sbuf_addf(o, "%d", h->tw);
		return true;
	case LV_Td:
		sbuf_addf(o, "%lld", h->tw < 0 ? -1 : ta);
		return true;
	case LV_Th:
	case LV_Ti:
		sbuf_adds(o, "0");
		return true;
	case LV_Ta:
	case LV_Tt:
	case LV_Tu:
		sbuf_addf(o, "%lld", ta);
		return true;
	case LV_tsc:
		sbuf_addc(o, r->s->term[0] ? r->s->term[0] : '-');
		sbuf_addc(o, r->s->term[1] ? r->s->term[1] : '-');
		sbuf_adds(o, "--");
		return true;
	case LV_r:
		if (bad) {
			put_str(o, opts, "<BADREQ>");
		} else {
			char *line = xasprintf("%.*s %.*s %s", (int)h->method_len, h->method,
			                       (int)ul, u, ver);
			put_str(o, opts, line);
			free(line);
		}
		return true;
	case LV_HM:
		log_put_text(o, opts, bad ? "<BADREQ>" : h->method, bad ? 8 : h->method_len);
		return true;
	case LV_HU:
		log_put_text(o, opts, bad ? "<BADREQ>" : u, bad ? 8 : ul);
		return true;
	case LV_HV:
		put_str(o, opts, bad ? "<BADREQ>" : ver);
		return true;
	case LV_HP:
	case LV_HPO:
		log_put_text(o, opts, bad ? "<BADREQ>" : u, bad ? 8 : q);
		return true;
	case LV_HQ:
		if (bad)
			put_str(o, opts, "<BADREQ>");
		else if (q < ul)
			log_put_text(o, opts, u + q, ul - q);
		else if (opts & LF_OPT_Q)
			sbuf_adds(o, "\"\""); /* no query: empty, not "-" (observed) */
		return true;
	default:
		return false;
	}
}

static void
render_var(struct log_run *r, const struct lf_node *n, struct sbuf *o)
{
	const struct session *s = r->s;
	unsigned opts = n->opts;
	struct timers t = timers_of(r);

	enum lv id = lv_find(n->text);
	if (r->http && render_http(r, n, o))
		return;
	if (r->hi && log_http_var(r, n, id, o))
		return;
	switch (id) {
	case LV_ci:
		put_ip(o, opts, &s->src.sa);
		break;
	case LV_cp:
		put_port(o, opts, &s->src.sa, log_luid(s));
		break;
	case LV_fi:
		put_ip(o, opts, &s->dst.sa);
		break;
	case LV_fp:
		put_port(o, opts, &s->dst.sa, log_luid(s));
		break;
	case LV_bi:
	case LV_bp: {
		const struct sockaddr *p = (const struct sockaddr *)s->srv_local;
		if (lv_find(n->text) == LV_bi)
			put_ip(o, opts, p);
		else
			put_port(o, opts, p, log_luid(s));
		break;
	}
	case LV_si:
		put_ip(o, opts, (const struct sockaddr *)s->srv_addr);
		break;
	case LV_sp:
		put_port(o, opts, (const struct sockaddr *)s->srv_addr, log_luid(s));
		break;
	case LV_t:
	case LV_tr:
		put_date(o, s->t_accept_wall_ms, DATE_LOCAL_MS);
		break;
	case LV_T:
	case LV_trg:
		put_date(o, s->t_accept_wall_ms, DATE_GMT);
		break;
	case LV_Tl:
	case LV_trl:
		put_date(o, s->t_accept_wall_ms, DATE_LOCAL_TZ);
		break;
	case LV_Ts:
		if (opts & LF_OPT_X)
			sbuf_addf(o, "%04llX", (unsigned long long)(s->t_accept_wall_ms / 1000));
		else
			sbuf_addf(o, "%lld", s->t_accept_wall_ms / 1000);
		break;
	case LV_ms:
		if (opts & LF_OPT_X)
			sbuf_addf(o, "%02X", (unsigned)(s->t_accept_wall_ms % 1000));
		else
			sbuf_addf(o, "%03d", (int)(s->t_accept_wall_ms % 1000));
		break;
	case LV_f:
		put_str(o, opts, r->fe ? r->fe->name : NULL);
		break;
	case LV_ft: {
		bool ssl = s->l && s->l->bind && s->l->bind->ssl;
		char *ft = xasprintf("%s%s", r->fe && r->fe->name ? r->fe->name : "",
		                     ssl ? "~" : "");
		put_str(o, opts, ft);
		free(ft);
		break;
	}
	case LV_b:
		put_str(o, opts, r->be ? r->be->name : r->fe ? r->fe->name : NULL);
		break;
	case LV_s:
		put_str(o, opts, r->srv && r->srv->cfg ? r->srv->cfg->name : "<NOSRV>");
		break;
	case LV_pid: {
		int pid = r->ls ? r->ls->pid : 0;
		sbuf_addf(o, (opts & LF_OPT_X) ? "%04X" : "%d", pid);
		break;
	}
	case LV_H:
		put_str(o, opts, r->ls ? r->ls->hostname : NULL);
		break;
	case LV_ID:
		if (r->fe && r->fe->unique_id_format && !r->in_id) {
			struct sbuf uid = { 0 };
			r->in_id = true;
			render_nodes(r, r->fe->unique_id_format, &uid);
			r->in_id = false;
			log_put_text(o, opts, uid.s, uid.len);
			free(uid.s);
		} else {
			log_put_text(o, opts, NULL, 0);
		}
		break;
	case LV_B:
		sbuf_addf(o, "%llu", (unsigned long long)s->bytes_out);
		break;
	case LV_U:
		sbuf_addf(o, "%llu", (unsigned long long)s->bytes_in);
		break;
	case LV_ts:
	case LV_tsc:
		sbuf_addc(o, s->term[0] ? s->term[0] : '-');
		sbuf_addc(o, s->term[1] ? s->term[1] : '-');
		if (lv_find(n->text) == LV_tsc)
			sbuf_adds(o, "--"); /* no persistence cookie in TCP */
		break;
	case LV_Th:
		sbuf_adds(o, "0");
		break;
	case LV_Ti:
	case LV_Tq:
	case LV_TR:
	case LV_Tr:
		sbuf_adds(o, "-1"); /* HTTP request/response timers */
		break;
	case LV_Tw:
		sbuf_addf(o, "%lld", t.t_queue >= 0 ? t.t_queue + 1 : -1);
		break;
	case LV_Tc:
		sbuf_addf(o, "%lld", t.t_connect >= 0 ? t.t_connect - t.t_queue : -1);
		break;
	case LV_Td:
		sbuf_addf(o, "%lld", t.t_connect >= 0 ? t.t_close - t.t_connect : -1);
		break;
	case LV_Tt:
	case LV_Tu:
	case LV_Ta:
		sbuf_addf(o, "%lld", t.t_close);
		break;
	case LV_ac: {
		int ac;
		if (s->w && s->w->eng)
			ac = cur_of(&s->w->eng->cur_conn, 0);
		else
			ac = s->fe ? cur_of(&s->fe->cur_conn, 0) : 0;
		sbuf_addf(o, "%d", ac);
		break;
	}
	case LV_fc:
		sbuf_addf(o, "%d", s->fe ? cur_of(&s->fe->cur_conn, 0) : 0);
		break;
	case LV_bc:
		/* HAProxy has already released the backend and the server
		 * when it logs (so has the engine): this session is not
		 * counted */
		sbuf_addf(o, "%d", s->be ? cur_of(&s->be->cur_conn, 0) : 0);
		break;
	case LV_sc: {
		int sc = 0;
		if (s->srv) {
			sc = (int)atomic_load(&s->srv->cur_sess);
		}
		sbuf_addf(o, "%d", sc);
		break;
	}
	case LV_rc:
		if (s->prev_srv)
			sbuf_addc(o, '+'); /* redispatched */
		sbuf_addf(o, "%d", s->retries_done);
		break;
	case LV_sq:
		/* sessions queue per backend only: none waits for one server */
		sbuf_adds(o, "0");
		break;
	case LV_bq:
		sbuf_addf(o, "%d", s->be_qpos);
		break;
	case LV_lc:
		sbuf_addf(o, "%u", r->lc);
		break;
	case LV_rt:
		sbuf_addf(o, (opts & LF_OPT_X) ? "%04llX" : "%llu", r->rt);
		break;
	case LV_hr:
	case LV_hrl:
	case LV_hs:
	case LV_hsl:
		break; /* no captures in TCP: nothing at all */
	case LV_ST:
		sbuf_adds(o, "-1");
		break;
	case LV_CC:
	case LV_CS:
	case LV_HM:
	case LV_HP:
	case LV_HPO:
	case LV_HQ:
	case LV_HU:
	case LV_HV:
	case LV_r:
		log_put_text(o, opts, NULL, 0);
		break;
	case LV_sslc:
	case LV_sslv: {
		/* a TLS-terminated TCP session */
		const char *txt = NULL;
		if (s->cli_ssl && id == LV_sslv)
			txt = SSL_get_version(s->cli_ssl);
		else if (s->cli_ssl)
			txt = SSL_CIPHER_get_name(SSL_get_current_cipher(s->cli_ssl));
		log_put_text(o, opts, txt, txt ? strlen(txt) : 0);
		break;
	}
	case LV_X_FC_ERR:
	case LV_X_SSL_FC_ERR_HEX:
	case LV_X_SSL_C_ERR:
	case LV_X_SSL_C_CA_ERR:
	case LV_X_SSL_RESUMED:
	case LV_X_SSL_SNI:
	case LV_NONE:
		log_put_text(o, opts, NULL, 0);
		break;
	}
}

static void
render_expr(struct log_run *r, const struct lf_node *n, struct sbuf *o)
{
	const struct session *s = r->s;
	struct smp_ctx c = s->sctx;
	struct sbuf v = { 0 };

	c.final = true;
	c.log_eval = true;
	c.fe = r->fe;
	c.be = r->be;
	c.srv = r->srv ? r->srv->cfg : NULL;
	if (smp_eval_str(n->expr, &c, &v) == SMP_RES_OK)
		log_put_text(o, n->opts, v.s, v.len);
	else
		log_put_text(o, n->opts, NULL, 0);
	/* a ClientHello parsed for this evaluation belongs to the copy */
	if (c.ch != s->sctx.ch)
		free(c.ch);
	free(v.s);
}

static void
render_nodes(struct log_run *r, const struct lf_expr *lf, struct sbuf *o)
{
	bool last_space = true; /* no separator at the start */

	for (size_t i = 0; i < lf->nodes.n; i++) {
		const struct lf_node *n = &lf->nodes.v[i];
		size_t before = o->len;
		switch (n->type) {
		case LF_SEP:
			if (!last_space) {
				sbuf_addc(o, ' ');
				last_space = true;
			}
			continue;
		case LF_TEXT:
			sbuf_adds(o, n->text);
			break;
		case LF_VAR:
			render_var(r, n, o);
			break;
		case LF_EXPR:
			render_expr(r, n, o);
			break;
		}
		if (o->len != before)
			last_space = false;
	}
}

static void
run_init(struct log_run *r, struct log_sink *ls, const struct session *s,
         long long now)
{
	memset(r, 0, sizeof(*r));
	r->ls = ls;
	r->s = s;
	r->fe = s->fe ? s->fe->px : s->sctx.fe;
	r->be = s->be ? s->be->px : NULL;
	r->srv = s->srv;
	r->now = now;
	r->hi = http_log_info(s);
}

void
log_render(struct log_sink *ls, const struct lf_expr *lf,
           const struct session *s, long long now, struct sbuf *out)
{
	struct log_run r;
	run_init(&r, ls, s, now);
	if (ls)
		r.rt = atomic_fetch_add(&ls->rt, 1);
	render_nodes(&r, lf, out);
}

bool
log_format_session(struct log_sink *ls, const struct session *s,
                   long long now, struct sbuf *out, int *level)
{
	return log_format_http(ls, s, NULL, now, out, level);
}

/* The line of s (a local answer http, or an HTTP transaction hi, or
 * neither: a TCP session) in its frontend's format. */
static bool
format_line(struct log_sink *ls, const struct session *s, const struct log_http *http,
            const struct http_log_info *hi, long long now, struct sbuf *out, int *level)
{
	struct log_run r;
	const struct lf_expr *lf = NULL;

	run_init(&r, ls, s, now);
	r.http = http;
	r.hi = hi;
	if (r.fe == NULL)
		return false;
	switch (r.fe->log_kind) {
	case PX_LOG_NONE:
		return false; /* "Connect from" was logged at accept */
	case PX_LOG_FORMAT:
		lf = r.fe->log_format;
		break;
	case PX_LOG_TCP:
		lf = &tcplog_lf;
		break;
	case PX_LOG_HTTP:
	case PX_LOG_HTTP_CLF:
	case PX_LOG_HTTPS:
		/* HTTP formats fall back to tcplog in TCP mode */
		lf = !hi ? &tcplog_lf : r.fe->log_kind == PX_LOG_HTTP ? &log_httplog_lf
		     : r.fe->log_kind == PX_LOG_HTTPS ? &log_httpslog_lf : &log_clf_lf;
		break;
	}
	if (lf == NULL)
		return false;
	if (PX_OPT(r.fe, PXO_DONTLOGNULL) && s->bytes_in == 0)
		return false;
	/* HAProxy's strm_log(): what counts as an error */
	char c0 = s->term[0] ? s->term[0] : '-';
	bool err = s->prev_srv != NULL || (c0 != '-' && c0 != 'L') ||
	           (c0 == '-' && (hi ? hi->retries : s->retries_done) > 0) ||
	           (hi && hi->status >= 500);
	if (!err && PX_OPT(r.fe, PXO_DONTLOG_NORMAL))
		return false;
	if (level)
		*level = err && PX_OPT(r.fe, PXO_LOG_SEPARATE_ERRORS) ? 3 : 6;
	if (ls) {
		struct log_px *lp = log_px_find(ls, r.fe);
		if (lp)
			r.lc = atomic_fetch_add(&lp->lc, 1);
		r.rt = atomic_fetch_add(&ls->rt, 1);
	}
	size_t start = out->len;
	render_nodes(&r, lf, out);
	return out->len > start;
}
bool
log_format_http(struct log_sink *ls, const struct session *s, const struct log_http *http,
                long long now, struct sbuf *out, int *level)
{
	return format_line(ls, s, http, http ? NULL : http_log_info(s), now, out, level);
}

bool
log_format_txn(struct log_sink *ls, const struct session *s,
               const struct http_log_info *hi, long long now, struct sbuf *out,
               int *level)
{
	return format_line(ls, s, NULL, hi ? hi : http_log_info(s), now, out, level);
}
