/* Sample fetches at run time (HAProxy's smp_fetch_* of sample.c,
 * payload.c, backend.c, frontend.c, listener.c, vars.c). A fetch that
 * lacks request data answers "no value, may change" until ctx->final.
 * HTTP fetches are in fetch_http.c, TLS ones (ssl_fc_*, ssl_c_*) in
 * fetch_ssl.c; the keywords no file implements answer "no value". */
#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "engine/log.h"
#include "engine/smp_rt.h"
#include "parser/bind.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

typedef bool (*fetch_fn)(struct smp_run *run, const struct smp_expr *e,
                         int idx, struct smp_val *v);

#define FETCH(name)                                                           \
	static bool name(struct smp_run *run, const struct smp_expr *e,      \
	                 int idx, struct smp_val *v)

/* tune.bufsize default: payload fetches beyond it never match. */
#define SMP_BUFSIZE 16384

static void
set_int(struct smp_val *v, long long i)
{
	v->type = SMP_T_SINT;
	v->sint = i;
}

static void
set_bool(struct smp_val *v, bool b)
{
	v->type = SMP_T_BOOL;
	v->sint = b;
}

static void
set_str(struct smp_val *v, enum smp_type t, const char *p, size_t n)
{
	v->type = t;
	v->ptr = p;
	v->len = n;
}

/* No value yet: more data may bring one (HAProxy's too_short). */
static bool
too_short(struct smp_run *run, struct smp_val *v)
{
	if (!run->final)
		v->flags |= SV_MAY_CHANGE;
	return false;
}

static bool
set_addr(struct smp_val *v, const union sess_addr *a)
{
	if (!a)
		return false;
	if (a->sa.sa_family == AF_INET) {
		v->type = SMP_T_IPV4;
		v->v4 = a->in.sin_addr;
		return true;
	}
	if (a->sa.sa_family == AF_INET6) {
		v->type = SMP_T_IPV6;
		v->v6 = a->in6.sin6_addr;
		return true;
	}
	return false;
}

/* Port 0 (set-src on a unix client) has no answer, as in HAProxy. */
static bool
set_port(struct smp_val *v, const union sess_addr *a)
{
	if (!a)
		return false;
	in_port_t p;
	if (a->sa.sa_family == AF_INET)
		p = a->in.sin_port;
	else if (a->sa.sa_family == AF_INET6)
		p = a->in6.sin6_port;
	else
		return false;
	if (p == 0)
		return false;
	set_int(v, ntohs(p));
	return true;
}

/* HAProxy's addr_is_local(): the address (IPv4 or IPv6) can be bound
 * here. */
static bool
addr_is_local(const union sess_addr *a)
{
	union sess_addr b = *a;
	if (b.sa.sa_family == AF_INET)
		b.in.sin_port = 0;
	else
		b.in6.sin6_port = 0;
	int fd = socket(b.sa.sa_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return false;
	bool ok = bind(fd, &b.sa, sess_addr_len(&b)) == 0;
	close(fd);
	return ok;
}

/* HAProxy answers true for an address that is not IP (a unix socket
 * client: observed on 2.6.12); no address at all (AF_UNSPEC) has no
 * answer. */
static bool
is_local(struct smp_val *v, const union sess_addr *a)
{
	if (!a || a->sa.sa_family == AF_UNSPEC)
		return false;
	bool ip = a->sa.sa_family == AF_INET || a->sa.sa_family == AF_INET6;
	set_bool(v, !ip || addr_is_local(a));
	return true;
}

/* ---- constants and internal state --------------------------------------- */

FETCH(f_absent) { return false; }
FETCH(f_true) { set_bool(v, true); return true; }
FETCH(f_false) { set_bool(v, false); return true; }

FETCH(f_str)
{
	set_str(v, SMP_T_STR, e->args[0].str, strlen(e->args[0].str));
	return true;
}

FETCH(f_bin)
{
	/* the parser checked the hex digits */
	const char *s = e->args[0].str;
	size_t n = strlen(s) / 2;
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		char h[3] = { s[2 * i], s[2 * i + 1], 0 };
		chunk_addc(c, (char)strtoul(h, NULL, 16));
	}
	smp_val_set_chunk(v, SMP_T_BIN, c);
	return true;
}

FETCH(f_int) { set_int(v, e->args[0].sint); return true; }

FETCH(f_boolc)
{
	/* bool(<string>): "true"/"1"... HAProxy: smp_fetch_const_bool */
	const char *s = e->args[0].str;
	set_bool(v, strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0);
	return true;
}

FETCH(f_ipv4) { v->type = SMP_T_IPV4; v->v4 = e->args[0].ipv4; return true; }
FETCH(f_ipv6) { v->type = SMP_T_IPV6; v->v6 = e->args[0].ipv6; return true; }

FETCH(f_env)
{
	const char *s = getenv(e->args[0].str);
	if (!s)
		return false;
	set_str(v, SMP_T_STR, s, strlen(s));
	return true;
}

static char host_name[256];

static void
host_init(void)
{
	if (gethostname(host_name, sizeof(host_name) - 1) < 0)
		host_name[0] = '\0';
}

const char *
smp_hostname(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, host_init);
	return host_name;
}

FETCH(f_hostname)
{
	const char *h = smp_hostname();
	set_str(v, SMP_T_STR, h, strlen(h));
	return true;
}

FETCH(f_date)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	long long t = tv.tv_sec;
	if (e->nargs >= 1)
		t += e->args[0].sint;
	/* unit: s (default), ms, us */
	if (e->nargs >= 2 && e->args[1].str) {
		if (!strcmp(e->args[1].str, "ms"))
			t = t * 1000 + tv.tv_usec / 1000;
		else if (!strcmp(e->args[1].str, "us"))
			t = t * 1000000 + tv.tv_usec;
	}
	set_int(v, t);
	return true;
}

FETCH(f_date_us)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	set_int(v, tv.tv_usec);
	return true;
}

FETCH(f_rand)
{
	static _Thread_local unsigned seed;
	if (!seed)
		seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&seed;
	unsigned long long r = (unsigned long long)rand_r(&seed) << 16 ^
	                       (unsigned long long)rand_r(&seed);
	r &= 0xffffffffu;
	if (e->nargs >= 1 && e->args[0].sint > 0)
		r = (r * (unsigned long long)e->args[0].sint) >> 32;
	set_int(v, (long long)r);
	return true;
}

FETCH(f_uuid)
{
	static _Thread_local unsigned seed;
	unsigned char b[16];
	if (!seed)
		seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&seed;
	for (int i = 0; i < 16; i++)
		b[i] = (unsigned char)(rand_r(&seed) >> 7);
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	chunk_addf(c, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	           "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
	           b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
	           b[14], b[15]);
	smp_val_set_chunk(v, SMP_T_STR, c);
	return true;
}

FETCH(f_one) { set_int(v, 1); return true; }
FETCH(f_zero) { set_int(v, 0); return true; }
FETCH(f_thread) { set_int(v, run->ctx->thread); return true; }

FETCH(f_var)
{
	if (smp_var_get(run, e->args[0].str, v, NULL))
		return true;
	if (e->nargs >= 2 && e->args[1].str) {
		set_str(v, SMP_T_STR, e->args[1].str, strlen(e->args[1].str));
		return true;
	}
	return false;
}

FETCH(f_wait_end)
{
	if (!run->final) {
		v->flags |= SV_MAY_CHANGE;
		return false;
	}
	set_bool(v, true);
	return true;
}

/* ---- addresses -------------------------------------------------------------- */

FETCH(f_src) { return set_addr(v, run->ctx->src); }
FETCH(f_src_port) { return set_port(v, run->ctx->src); }
FETCH(f_dst) { return set_addr(v, run->ctx->dst); }
FETCH(f_dst_port) { return set_port(v, run->ctx->dst); }
FETCH(f_fc_src) { return set_addr(v, run->ctx->fc_src); }
FETCH(f_fc_src_port) { return set_port(v, run->ctx->fc_src); }
FETCH(f_src_is_local) { return is_local(v, run->ctx->src); }
FETCH(f_dst_is_local) { return is_local(v, run->ctx->dst); }
FETCH(f_fc_src_is_local) { return is_local(v, run->ctx->fc_src); }
FETCH(f_fc_dst) { return set_addr(v, run->ctx->fc_dst); }
FETCH(f_fc_dst_port) { return set_port(v, run->ctx->fc_dst); }
FETCH(f_fc_dst_is_local) { return is_local(v, run->ctx->fc_dst); }

FETCH(f_fc_rcvd_proxy)
{
	const struct smp_ctx *c = run->ctx;
	if (!c->src || !c->fc_src)
		return false;
	set_bool(v, c->bind && c->bind->accept_proxy);
	return true;
}

/* ---- proxies and servers ------------------------------------------------- */

static int
px_id(const struct cfg_proxy *px)
{
	return px->id;
}

static int
srv_id(const struct cfg_server *s)
{
	if (s->id)
		return s->id;
	for (size_t i = 0; s->px && i < s->px->servers.n; i++)
		if (s->px->servers.v[i] == s)
			return (int)i + 1;
	return 0;
}

/* The backend named by argument 0, or the current one (a listen section
 * is its own backend before one is chosen). NULL when unknown. */
static const struct cfg_proxy *
arg_backend(struct smp_run *run, const struct smp_expr *e)
{
	const struct smp_ctx *c = run->ctx;
	if (e->nargs >= 1 && e->args[0].str && *e->args[0].str)
		return smp_find_backend(c, e->args[0].str);
	if (c->be)
		return c->be;
	if (c->fe && (c->fe->cap & PX_CAP_BE))
		return c->fe;
	return NULL;
}

static const struct cfg_server *
arg_server(struct smp_run *run, const struct smp_expr *e)
{
	if (e->nargs < 1 || !e->args[0].str)
		return NULL;
	return smp_find_server(run->ctx, e->args[0].str);
}

FETCH(f_fe_name)
{
	const struct cfg_proxy *fe = run->ctx->fe;
	if (!fe || !fe->name)
		return false;
	set_str(v, SMP_T_STR, fe->name, strlen(fe->name));
	return true;
}

FETCH(f_fe_id)
{
	if (!run->ctx->fe)
		return false;
	set_int(v, px_id(run->ctx->fe));
	return true;
}

FETCH(f_fe_defbe)
{
	const struct cfg_proxy *fe = run->ctx->fe;
	if (!fe || !fe->default_be || !fe->default_be->name)
		return false;
	set_str(v, SMP_T_STR, fe->default_be->name, strlen(fe->default_be->name));
	return true;
}

FETCH(f_be_name)
{
	const struct cfg_proxy *be = run->ctx->be;
	if (!be || !be->name)
		return false;
	set_str(v, SMP_T_STR, be->name, strlen(be->name));
	return true;
}

FETCH(f_be_id)
{
	if (!run->ctx->be)
		return false;
	set_int(v, px_id(run->ctx->be));
	return true;
}

FETCH(f_srv_name)
{
	const struct cfg_server *s = run->ctx->srv;
	if (!s || !s->name)
		return false;
	set_str(v, SMP_T_STR, s->name, strlen(s->name));
	return true;
}

FETCH(f_srv_id)
{
	if (!run->ctx->srv)
		return false;
	set_int(v, srv_id(run->ctx->srv));
	return true;
}

/* The listener's id as the logs show it: without an "id" on the bind
 * line HAProxy numbers the listeners of a frontend from 1. */
FETCH(f_so_id)
{
	int id = run->ctx->sess ? log_luid(run->ctx->sess) : 0;
	if (id > 0) {
		set_int(v, id);
		return true;
	}
	if (!run->ctx->bind)
		return false;
	set_int(v, run->ctx->bind->id);
	return true;
}

FETCH(f_so_name)
{
	const struct cfg_bind *b = run->ctx->bind;
	if (!b || !b->name)
		return false;
	set_str(v, SMP_T_STR, b->name, strlen(b->name));
	return true;
}

FETCH(f_nbsrv)
{
	const struct cfg_proxy *be = arg_backend(run, e);
	if (!be)
		return false;
	set_int(v, sctx_nbsrv(run->ctx, be));
	return true;
}

FETCH(f_be_conn)
{
	const struct cfg_proxy *be = arg_backend(run, e);
	if (!be)
		return false;
	set_int(v, sctx_be_conn(run->ctx, be));
	return true;
}

FETCH(f_queue)
{
	const struct cfg_proxy *be = arg_backend(run, e);
	if (!be)
		return false;
	set_int(v, sctx_be_queue(run->ctx, be));
	return true;
}

FETCH(f_avg_queue)
{
	/* queue length divided by the usable servers, as HAProxy */
	const struct cfg_proxy *be = arg_backend(run, e);
	if (!be)
		return false;
	int q = sctx_be_queue(run->ctx, be), n = sctx_nbsrv(run->ctx, be);
	set_int(v, n > 0 ? (q + n - 1) / n : q);
	return true;
}

FETCH(f_connslots)
{
	const struct cfg_proxy *be = arg_backend(run, e);
	if (!be)
		return false;
	set_int(v, sctx_connslots(run->ctx, be));
	return true;
}

FETCH(f_fe_conn)
{
	const struct cfg_proxy *fe = run->ctx->fe;
	if (e->nargs >= 1 && e->args[0].str && *e->args[0].str)
		fe = proxy_find(run->ctx->cfg, e->args[0].str, PX_CAP_FE);
	if (!fe)
		return false;
	set_int(v, sctx_fe_conn(run->ctx, fe));
	return true;
}

FETCH(f_srv_is_up)
{
	const struct cfg_server *s = arg_server(run, e);
	if (!s)
		return false;
	set_bool(v, sctx_srv_is_up(run->ctx, s));
	return true;
}

FETCH(f_srv_conn)
{
	const struct cfg_server *s = arg_server(run, e);
	if (!s)
		return false;
	set_int(v, sctx_srv_conn(run->ctx, s));
	return true;
}

FETCH(f_srv_conn_free)
{
	const struct cfg_server *s = arg_server(run, e);
	if (!s)
		return false;
	/* -1: unlimited, as HAProxy */
	set_int(v, s->maxconn ? s->maxconn - sctx_srv_conn(run->ctx, s) : -1);
	return true;
}

FETCH(f_srv_weight)
{
	const struct cfg_server *s = arg_server(run, e);
	if (!s)
		return false;
	set_int(v, s->weight);
	return true;
}

FETCH(f_be_timeout)
{
	const struct cfg_proxy *be = run->ctx->be;
	if (!be)
		return false;
	bool tunnel = strstr(e->fetch->h.name, "tunnel") != NULL;
	set_int(v, be->timeout[tunnel ? PX_TO_TUNNEL : PX_TO_SERVER]);
	return true;
}

FETCH(f_fe_client_timeout)
{
	if (!run->ctx->fe)
		return false;
	set_int(v, run->ctx->fe->timeout[PX_TO_CLIENT]);
	return true;
}

/* ---- request buffer ------------------------------------------------------- */

FETCH(f_req_len)
{
	set_int(v, (long long)run->ctx->req_len);
	/* HAProxy keeps re-evaluating it while data may still come */
	if (!run->final)
		v->flags |= SV_MAY_CHANGE;
	return true;
}

FETCH(f_payload)
{
	const struct smp_ctx *c = run->ctx;
	long long off = e->args[0].sint, len = e->args[1].sint;
	if (off < 0 || len < 0 || len > SMP_BUFSIZE || off + len > SMP_BUFSIZE)
		return false; /* will never match */
	if (len == 0) {
		if ((size_t)off > c->req_len)
			return too_short(run, v);
		set_str(v, SMP_T_BIN, (const char *)c->req + off,
		        c->req_len - (size_t)off);
		if (c->req_len < SMP_BUFSIZE && !run->final)
			v->flags |= SV_MAY_CHANGE;
		return true;
	}
	if ((size_t)(off + len) > c->req_len)
		return too_short(run, v);
	set_str(v, SMP_T_BIN, (const char *)c->req + off, (size_t)len);
	return true;
}

FETCH(f_payload_lv)
{
	const struct smp_ctx *c = run->ctx;
	long long loff = e->args[0].sint, lsz = e->args[1].sint;
	long long boff, bsz = 0;
	if (loff < 0 || lsz < 0 || lsz > 8)
		return false;
	if ((size_t)(loff + lsz) > c->req_len)
		return too_short(run, v);
	for (long long i = 0; i < lsz; i++)
		bsz = (bsz << 8) + c->req[loff + i];
	boff = loff + lsz;
	if (e->nargs >= 3 && e->args[2].str && *e->args[2].str) {
		/* "+N"/"-N": relative to the end of the length field */
		const char *s = e->args[2].str;
		long long o = strtoll(s, NULL, 10);
		boff = (*s == '+' || *s == '-') ? boff + o : o;
	}
	if (!bsz || bsz > SMP_BUFSIZE || boff < 0 || boff + bsz > SMP_BUFSIZE)
		return false; /* will never match */
	if ((size_t)(boff + bsz) > c->req_len)
		return too_short(run, v);
	set_str(v, SMP_T_BIN, (const char *)c->req + boff, (size_t)bsz);
	return true;
}

static bool
is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Whether req looks like an HTTP/1 request line: 1 yes, 0 no, -1 a
 * prefix of one. */
static int
http1_request_line(const uint8_t *p, size_t n)
{
	size_t i = 0, s;
	while (i < n && is_tchar(p[i]))
		i++;
	if (i == n)
		return -1;
	if (i == 0 || p[i] != ' ')
		return 0;
	s = ++i;
	while (i < n && p[i] > ' ' && p[i] != 0x7f)
		i++;
	if (i == n)
		return -1;
	if (i == s || p[i] != ' ')
		return 0;
	i++;
	static const char v[] = "HTTP/d.d";
	for (size_t k = 0; k < 8; k++, i++) {
		if (i == n)
			return -1;
		if (v[k] == 'd' ? !isdigit(p[i]) : p[i] != (uint8_t)v[k])
			return 0;
	}
	if (i == n)
		return -1;
	if (p[i] == '\n')
		return 1;
	if (p[i] != '\r')
		return 0;
	if (++i == n)
		return -1;
	return p[i] == '\n';
}

FETCH(f_proto_http)
{
	int r = http1_request_line(run->ctx->req, run->ctx->req_len);
	if (r < 0)
		return too_short(run, v);
	if (r == 0)
		return false;
	set_bool(v, true);
	return true;
}

/* HAProxy's fetch_rdp_cookie_name(): "Cookie: name=value\r\n" after the
 * 11-byte TPKT + X.224 header. */
static bool
rdp_cookie(struct smp_run *run, const struct smp_expr *e, struct smp_val *v)
{
	const struct smp_ctx *c = run->ctx;
	const char *name = e->nargs >= 1 && e->args[0].str && *e->args[0].str
	                       ? e->args[0].str : NULL;
	const uint8_t *d = c->req;
	size_t left = c->req_len;

	if (left <= 11)
		return too_short(run, v);
	d += 11;
	left -= 11;
	if (left <= 7)
		return too_short(run, v);
	if (strncasecmp((const char *)d, "Cookie:", 7) != 0)
		return false;
	d += 7;
	left -= 7;
	while (left > 0 && *d == ' ')
		d++, left--;
	if (name) {
		size_t nl = strlen(name);
		if (left <= nl)
			return too_short(run, v);
		if (strncasecmp(name, (const char *)d, nl) != 0)
			return false;
		d += nl;
		left -= nl;
		if (*d != '=')
			return false;
	} else {
		while (left > 0 && *d != '=') {
			if (*d == '\r' || *d == '\n')
				return false;
			d++, left--;
		}
		if (left < 1)
			return too_short(run, v);
	}
	d++, left--;
	const uint8_t *val = d;
	while (left > 0 && *d != '\r')
		d++, left--;
	if (left < 2)
		return too_short(run, v);
	if (d[0] != '\r' || d[1] != '\n')
		return false;
	set_str(v, SMP_T_STR, (const char *)val, (size_t)(d - val));
	return true;
}

FETCH(f_rdp_cookie) { return rdp_cookie(run, e, v); }

FETCH(f_rdp_cookie_cnt)
{
	bool ok = rdp_cookie(run, e, v);
	if (!ok && (v->flags & SV_MAY_CHANGE))
		return false;
	v->flags = 0;
	set_int(v, ok);
	return true;
}

/* ---- ClientHello ----------------------------------------------------------- */

/* The parsed hello, or NULL after setting "wait" when it is incomplete. */
static const struct ch_info *
hello(struct smp_run *run, struct smp_val *v, enum ch_result *rc)
{
	const struct ch_info *ch = sctx_hello(run->ctx, rc);
	if (*rc == CH_NEED_MORE)
		too_short(run, v);
	return ch;
}

FETCH(f_ssl_sni)
{
	enum ch_result rc;
	const struct ch_info *ch = hello(run, v, &rc);
	if (!ch || !ch->has_sni)
		return false;
	set_str(v, SMP_T_STR, ch->sni, ch->sni_len);
	return true;
}

FETCH(f_ssl_alpn)
{
	enum ch_result rc;
	const struct ch_info *ch = hello(run, v, &rc);
	if (!ch || !ch->has_alpn || ch->nalpn == 0 || idx >= ch->nalpn)
		return false;
	set_str(v, SMP_T_STR, (const char *)ch->alpn_buf + ch->alpn_off[idx],
	        ch->alpn_len[idx]);
	if (idx + 1 < ch->nalpn)
		v->flags |= SV_NOT_LAST;
	return true;
}

FETCH(f_ssl_ver)
{
	enum ch_result rc;
	const struct ch_info *ch = hello(run, v, &rc);
	if (!ch)
		return false;
	set_int(v, ((long long)(ch->hello_version >> 8) << 16) |
	           (ch->hello_version & 0xff));
	return true;
}

FETCH(f_ssl_hello_type)
{
	enum ch_result rc;
	struct ch_info *ch = NULL;
	const struct ch_info *ok = hello(run, v, &rc);
	if (ok) {
		set_int(v, ok->hs_type);
		return true;
	}
	/* a complete non-ClientHello handshake (ServerHello...) still has
	 * a type, as HAProxy reports it */
	ch = run->ctx->ch;
	if (rc == CH_MALFORMED && ch && run->ctx->ch_parsed && ch->hs_type > 1) {
		set_int(v, ch->hs_type);
		return true;
	}
	return false;
}

FETCH(f_ssl_ec_ext)
{
	enum ch_result rc;
	const struct ch_info *ch = hello(run, v, &rc);
	if (!ch)
		return false;
	set_bool(v, ch->has_ec_ext);
	return true;
}

FETCH(f_ssl_st_ext)
{
	enum ch_result rc;
	const struct ch_info *ch = hello(run, v, &rc);
	if (!ch)
		return false;
	set_int(v, ch->session_ticket);
	return true;
}

FETCH(f_ssl_ech)
{
	enum ch_result rc;
	const struct ch_info *ch = hello(run, v, &rc);
	if (!ch)
		return false;
	set_bool(v, ch->has_ech);
	return true;
}

/* ---- dispatch ----------------------------------------------------------------- */

static const struct {
	const char *name;
	fetch_fn fn;
} fetch_impl[] = {
	{ "always_false", f_false }, { "always_true", f_true },
	{ "avg_queue", f_avg_queue }, { "be_conn", f_be_conn },
	{ "be_id", f_be_id }, { "be_name", f_be_name },
	{ "be_server_timeout", f_be_timeout },
	{ "be_tunnel_timeout", f_be_timeout }, { "bin", f_bin },
	{ "bool", f_boolc }, { "connslots", f_connslots },
	{ "cur_server_timeout", f_be_timeout },
	{ "cur_tunnel_timeout", f_be_timeout }, { "date", f_date },
	{ "date_us", f_date_us }, { "dst", f_dst },
	{ "dst_is_local", f_dst_is_local }, { "dst_port", f_dst_port },
	{ "env", f_env }, { "fc_dst", f_fc_dst }, { "fc_dst_is_local", f_fc_dst_is_local },
	{ "fc_dst_port", f_fc_dst_port }, { "fc_rcvd_proxy", f_fc_rcvd_proxy },
	{ "fc_src", f_fc_src }, { "fc_src_is_local", f_fc_src_is_local },
	{ "fc_src_port", f_fc_src_port }, { "fe_client_timeout", f_fe_client_timeout },
	{ "fe_conn", f_fe_conn }, { "fe_defbe", f_fe_defbe },
	{ "fe_id", f_fe_id }, { "fe_name", f_fe_name },
	{ "hostname", f_hostname }, { "int", f_int }, { "ipv4", f_ipv4 },
	{ "ipv6", f_ipv6 }, { "nbproc", f_one }, { "nbsrv", f_nbsrv },
	{ "payload", f_payload }, { "payload_lv", f_payload_lv },
	{ "proc", f_one }, { "queue", f_queue }, { "rand", f_rand },
	{ "rdp_cookie", f_rdp_cookie }, { "rdp_cookie_cnt", f_rdp_cookie_cnt },
	{ "req.len", f_req_len }, { "req.payload", f_payload },
	{ "req.payload_lv", f_payload_lv }, { "req.proto_http", f_proto_http },
	{ "req.rdp_cookie", f_rdp_cookie },
	{ "req.rdp_cookie_cnt", f_rdp_cookie_cnt },
	{ "req.ssl_alpn", f_ssl_alpn }, { "req.ssl_ec_ext", f_ssl_ec_ext },
	{ "req.ssl_ech", f_ssl_ech }, { "req.ssl_hello_type", f_ssl_hello_type },
	{ "req.ssl_sni", f_ssl_sni }, { "req.ssl_st_ext", f_ssl_st_ext },
	{ "req.ssl_ver", f_ssl_ver }, { "req_len", f_req_len },
	{ "req_proto_http", f_proto_http },
	{ "req_ssl_hello_type", f_ssl_hello_type }, { "req_ssl_sni", f_ssl_sni },
	{ "req_ssl_ver", f_ssl_ver }, { "so_id", f_so_id },
	{ "so_name", f_so_name }, { "src", f_src },
	{ "src_is_local", f_src_is_local }, { "src_port", f_src_port },
	{ "srv_conn", f_srv_conn }, { "srv_conn_free", f_srv_conn_free },
	{ "srv_id", f_srv_id }, { "srv_is_up", f_srv_is_up },
	{ "srv_iweight", f_srv_weight }, { "srv_name", f_srv_name },
	{ "srv_uweight", f_srv_weight }, { "srv_weight", f_srv_weight },
	{ "stopping", f_zero }, { "str", f_str }, { "thread", f_thread },
	{ "uuid", f_uuid }, { "var", f_var }, { "wait_end", f_wait_end },
};

static fetch_fn *fetch_tab;
static size_t fetch_tab_n;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void
fetch_tab_build(void)
{
	size_t n = 0;
	while (smp_fetch_kws[n].h.name)
		n++;
	fetch_fn *t = xcalloc(n ? n : 1, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		const char *name = smp_fetch_kws[i].h.name;
		t[i] = f_absent;
		for (size_t k = 0; k < ARRAY_SIZE(fetch_impl); k++)
			if (!strcmp(fetch_impl[k].name, name))
				t[i] = fetch_impl[k].fn;
		for (const struct smp_fetch_impl *f = smp_fetch_http; f->name; f++)
			if (!strcmp(f->name, name))
				t[i] = f->fn;
		for (const struct smp_fetch_impl *f = smp_fetch_ssl; f->name; f++)
			if (!strcmp(f->name, name))
				t[i] = f->fn;
		for (const struct smp_fetch_impl *f = smp_fetch_cook; f->name; f++)
			if (!strcmp(f->name, name))
				t[i] = f->fn;
	}
	fetch_tab_n = n;
	fetch_tab = t;
}

/* HTTP and TLS fetches the engine cannot serve (no response body
 * buffering, no captured ClientHello, no key log, no unique-id): a
 * configuration using one is refused at start (smp_init.c) rather than
 * run with a fetch that never finds anything. */
static const char *const not_run[] = {
	"meth", "rep_ssl_hello_type", "res.body", "res.body_len", "res.body_size",
	"res.len", "res.payload", "res.payload_lv", "res.ssl_hello_type",
	"ssl_bc_err_str", "ssl_fc_cipherlist_bin", "ssl_fc_cipherlist_hex",
	"ssl_fc_cipherlist_str", "ssl_fc_cipherlist_xxh",
	"ssl_fc_client_traffic_secret_0", "ssl_fc_ecformats_bin", "ssl_fc_eclist_bin",
	"ssl_fc_err_str", "ssl_fc_extlist_bin", "ssl_fc_protocol_hello_id",
	"ssl_fc_server_traffic_secret_0", "unique-id",
};

bool
smp_fetch_not_run(const struct smp_fetch_kw *kw)
{
	for (size_t i = 0; kw && i < ARRAY_SIZE(not_run); i++)
		if (strcmp(kw->h.name, not_run[i]) == 0)
			return true;
	return false;
}

bool
smp_fetch_run(struct smp_run *run, const struct smp_expr *e, int idx,
              struct smp_val *v)
{
	pthread_once(&fetch_once, fetch_tab_build);
	size_t i = (size_t)(e->fetch - smp_fetch_kws);
	if (i >= fetch_tab_n)
		return false;
	/* While a response is processed the request is gone in HAProxy:
	 * a fetch not valid at any response stage (path, url...: only
	 * accepted with a "will never match" warning) finds nothing. */
	const struct smp_ctx *c = run->ctx;
	if (c->http_res && !c->log_eval &&
	    !(e->fetch->val & (SMP_STG_BE_HTTP_RES | SMP_STG_FE_HTTP_RES |
	                       SMP_STG_HTTP_AFTER | SMP_STG_BE_TCP_RES)))
		return false;
	return fetch_tab[i](run, e, idx, v);
}
