/* Sample evaluation core: per-evaluation scratch, HAProxy's type casts
 * (sample.c sample_casts), fetch + converter chains, smp_eval_str() and
 * log-format rendering (log.c build_logline, for the fields known at
 * routing time). Fetches live in fetch_rt.c, converters in conv_rt.c,
 * ACL matching in match_rt.c. */
#include "engine/smp_eval.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "engine/smp_rt.h"
#include "parser/bind.h"
#include "parser/proxy.h"
#include "parser/server.h"

/* ---- scratch ------------------------------------------------------------ */

const struct smp_rt *smp_rt_find(const struct cfg *cfg);

void
smp_run_init(struct smp_run *run, struct smp_ctx *ctx)
{
	run->ctx = ctx;
	run->rt = smp_rt_find(ctx->cfg);
	run->final = ctx->final;
	run->iterate = false;
	for (int i = 0; i < 3; i++) {
		run->ch[i].p = run->ch[i].inl;
		run->ch[i].len = 0;
		run->ch[i].cap = SMP_CHUNK_INL;
	}
}

void
smp_run_done(struct smp_run *run)
{
	for (int i = 0; i < 3; i++)
		if (run->ch[i].p != run->ch[i].inl)
			free(run->ch[i].p);
}

static bool
in_chunk(const struct smp_chunk *c, const char *p)
{
	return p && p >= c->p && p <= c->p + c->cap;
}

static bool
holds(const struct smp_chunk *c, const struct smp_val *v)
{
	return v && (v->type == SMP_T_STR || v->type == SMP_T_BIN ||
	             v->type == SMP_T_METH) && in_chunk(c, v->ptr);
}

struct smp_chunk *
smp_run_out(struct smp_run *run, const struct smp_val *a,
            const struct smp_val *b)
{
	struct smp_chunk *c = &run->ch[0];
	for (int i = 0; i < 3; i++) {
		c = &run->ch[i];
		if (!holds(c, a) && !holds(c, b))
			break;
	}
	c->len = 0;
	return c;
}

static void
chunk_reserve(struct smp_chunk *c, size_t more)
{
	if (c->len + more + 1 <= c->cap)
		return;
	size_t cap = c->cap * 2;
	while (cap < c->len + more + 1)
		cap *= 2;
	if (c->p == c->inl) {
		char *p = xmalloc(cap);
		memcpy(p, c->inl, c->len);
		c->p = p;
	} else {
		c->p = xrealloc(c->p, cap);
	}
	c->cap = cap;
}

void
chunk_add(struct smp_chunk *c, const void *p, size_t n)
{
	chunk_reserve(c, n);
	if (n)
		memcpy(c->p + c->len, p, n);
	c->len += n;
	c->p[c->len] = '\0';
}

void
chunk_addc(struct smp_chunk *c, char ch)
{
	chunk_add(c, &ch, 1);
}

void
chunk_addf(struct smp_chunk *c, const char *fmt, ...)
{
	va_list ap;
	char small[64];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		chunk_add(c, small, (size_t)n);
		return;
	}
	chunk_reserve(c, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(c->p + c->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	c->len += (size_t)n;
}

void
smp_val_set_chunk(struct smp_val *v, enum smp_type t, const struct smp_chunk *c)
{
	v->type = t;
	v->ptr = c->p;
	v->len = c->len;
}

/* ---- casts -------------------------------------------------------------- */

/* HAProxy's read_int64(): optional sign then digits, stops at the first
 * other byte. */
static long long
read_int64(const char *s, size_t len)
{
	size_t i = 0;
	bool neg = false;
	unsigned long long v = 0;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (unsigned long long)(s[i] - '0');
	return neg ? -(long long)v : (long long)v;
}

static bool
str_to_ip(const char *p, size_t len, int af, void *out)
{
	char buf[INET6_ADDRSTRLEN + 1];
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return inet_pton(af, buf, out) == 1;
}

static void
v4_to_v6(struct in_addr a, struct in6_addr *o)
{
	memset(o, 0, sizeof(*o));
	o->s6_addr[10] = o->s6_addr[11] = 0xff;
	memcpy(&o->s6_addr[12], &a, 4);
}

static bool
v6_to_v4(const struct in6_addr *a, struct in_addr *o)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(a->s6_addr, pfx, 12) != 0)
		return false;
	memcpy(o, &a->s6_addr[12], 4);
	return true;
}

static bool
cast_to_str(struct smp_run *run, struct smp_val *v, enum smp_type to,
            const struct smp_val *keep)
{
	struct smp_chunk *c;
	char buf[INET6_ADDRSTRLEN];
	switch (v->type) {
	case SMP_T_BOOL:
	case SMP_T_SINT:
		c = smp_run_out(run, v, keep);
		chunk_addf(c, "%lld", v->sint);
		smp_val_set_chunk(v, to, c);
		return true;
	case SMP_T_IPV4:
		if (to == SMP_T_BIN) {
			c = smp_run_out(run, v, keep);
			chunk_add(c, &v->v4, 4);
		} else {
			inet_ntop(AF_INET, &v->v4, buf, sizeof(buf));
			c = smp_run_out(run, v, keep);
			chunk_add(c, buf, strlen(buf));
		}
		smp_val_set_chunk(v, to, c);
		return true;
	case SMP_T_IPV6:
		if (to == SMP_T_BIN) {
			c = smp_run_out(run, v, keep);
			chunk_add(c, &v->v6, 16);
		} else {
			inet_ntop(AF_INET6, &v->v6, buf, sizeof(buf));
			c = smp_run_out(run, v, keep);
			chunk_add(c, buf, strlen(buf));
		}
		smp_val_set_chunk(v, to, c);
		return true;
	case SMP_T_BIN:
		if (to == SMP_T_STR) {
			/* c_bin2str: the string stops at the first NUL */
			const char *z = memchr(v->ptr, '\0', v->len);
			if (z)
				v->len = (size_t)(z - v->ptr);
		}
		v->type = to;
		return true;
	case SMP_T_STR:
	case SMP_T_METH:
		v->type = to;
		return true;
	default:
		return false;
	}
}

bool
smp_cast(struct smp_run *run, struct smp_val *v, enum smp_type to)
{
	return smp_cast_keep(run, v, to, NULL);
}

bool
smp_cast_keep(struct smp_run *run, struct smp_val *v, enum smp_type to,
              const struct smp_val *keep)
{
	if (to == SMP_T_ANY || v->type == to)
		return true;
	if (!smp_can_cast(v->type, to))
		return false;
	switch (to) {
	case SMP_T_STR:
	case SMP_T_BIN:
		if ((v->type == SMP_T_SINT || v->type == SMP_T_BOOL) &&
		    to == SMP_T_BIN) {
			/* c_int2bin: 8 bytes, network order */
			struct smp_chunk *c = smp_run_out(run, v, keep);
			unsigned long long u = (unsigned long long)v->sint;
			for (int i = 7; i >= 0; i--)
				chunk_addc(c, (char)(u >> (8 * i)));
			smp_val_set_chunk(v, to, c);
			return true;
		}
		return cast_to_str(run, v, to, keep);
	case SMP_T_METH:
		v->type = SMP_T_METH;
		return true;
	case SMP_T_BOOL:
	case SMP_T_SINT:
		if (v->type == SMP_T_STR) {
			if (v->len == 0)
				return false;
			v->sint = read_int64(v->ptr, v->len);
		} else if (v->type == SMP_T_IPV4) {
			v->sint = (long long)ntohl(v->v4.s_addr);
		}
		if (to == SMP_T_BOOL && v->type != SMP_T_STR)
			v->sint = v->sint != 0;
		v->type = to;
		return true;
	case SMP_T_ADDR:
		if (v->type == SMP_T_IPV4 || v->type == SMP_T_IPV6)
			return true;
		if (v->type == SMP_T_SINT) {
			v->v4.s_addr = htonl((uint32_t)v->sint);
			v->type = SMP_T_IPV4;
			return true;
		}
		if (str_to_ip(v->ptr, v->len, AF_INET, &v->v4)) {
			v->type = SMP_T_IPV4;
			return true;
		}
		if (str_to_ip(v->ptr, v->len, AF_INET6, &v->v6)) {
			v->type = SMP_T_IPV6;
			return true;
		}
		return false;
	case SMP_T_IPV4:
		if (v->type == SMP_T_SINT)
			v->v4.s_addr = htonl((uint32_t)v->sint);
		else if (v->type == SMP_T_IPV6) {
			if (!v6_to_v4(&v->v6, &v->v4))
				return false;
		} else if (!str_to_ip(v->ptr, v->len, AF_INET, &v->v4))
			return false;
		v->type = SMP_T_IPV4;
		return true;
	case SMP_T_IPV6:
		if (v->type == SMP_T_SINT) {
			struct in_addr a = { htonl((uint32_t)v->sint) };
			v4_to_v6(a, &v->v6);
		} else if (v->type == SMP_T_IPV4) {
			v4_to_v6(v->v4, &v->v6);
		} else if (!str_to_ip(v->ptr, v->len, AF_INET6, &v->v6))
			return false;
		v->type = SMP_T_IPV6;
		return true;
	default:
		return false;
	}
}

/* ---- expressions ---------------------------------------------------------- */

bool
smp_process(struct smp_run *run, const struct smp_expr *e, int idx,
            struct smp_val *v)
{
	memset(v, 0, sizeof(*v));
	if (!smp_fetch_run(run, e, idx, v))
		return false;
	for (size_t i = 0; i < e->convs.n; i++) {
		const struct smp_conv_call *c = &e->convs.v[i];
		if (!smp_cast(run, v, c->kw->in) || !smp_conv_run(run, c, v))
			return false;
	}
	return true;
}

static enum smp_result
eval_one(struct smp_run *run, const struct smp_expr *e, struct smp_val *v)
{
	if (e == NULL)
		return SMP_RES_ABSENT;
	if (smp_process(run, e, 0, v))
		return SMP_RES_OK;
	return (v->flags & SV_MAY_CHANGE) && !run->final ? SMP_RES_WAIT
	                                                 : SMP_RES_ABSENT;
}

enum smp_result
smp_eval_str(const struct smp_expr *e, struct smp_ctx *ctx, struct sbuf *out)
{
	struct smp_run run;
	struct smp_val v;
	smp_run_init(&run, ctx);
	enum smp_result r = eval_one(&run, e, &v);
	if (r == SMP_RES_OK) {
		if (v.type != SMP_T_BIN && !smp_cast(&run, &v, SMP_T_STR))
			r = SMP_RES_ABSENT;
		else
			sbuf_addn(out, v.ptr, v.len);
	}
	smp_run_done(&run);
	return r;
}

/* ---- proxies and servers by name ---------------------------------------- */

const struct cfg_proxy *
smp_find_backend(const struct smp_ctx *ctx, const char *name)
{
	if (!ctx->cfg || !name)
		return NULL;
	return proxy_find(ctx->cfg, name, PX_CAP_BE);
}

const struct cfg_server *
smp_find_server(const struct smp_ctx *ctx, const char *spec)
{
	const struct cfg_proxy *px = ctx->be;
	const char *slash = strchr(spec, '/');
	const char *sname = spec;
	if (slash) {
		char name[256];
		if (str_copy(name, sizeof(name), spec) < 0 ||
		    (size_t)(slash - spec) >= sizeof(name))
			return NULL;
		name[slash - spec] = '\0';
		px = smp_find_backend(ctx, name);
		sname = slash + 1;
	}
	if (!px)
		return NULL;
	for (size_t i = 0; i < px->servers.n; i++)
		if (px->servers.v[i]->name &&
		    strcmp(px->servers.v[i]->name, sname) == 0)
			return px->servers.v[i];
	return NULL;
}

/* ---- log-format ------------------------------------------------------------ */

/* Appends s[0..n) with the node's +Q/+E options; empty or missing text
 * is "-" (or "" quoted), as lf_text_len(). */
static void
lf_text(struct sbuf *out, const char *s, size_t n, unsigned opts)
{
	if (!s || !n) {
		sbuf_adds(out, (opts & LF_OPT_Q) ? "\"\"" : "-");
		return;
	}
	if (opts & LF_OPT_Q)
		sbuf_addc(out, '"');
	if (opts & LF_OPT_E) {
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\' || s[i] == ']')
				sbuf_addc(out, '\\');
			sbuf_addc(out, s[i]);
		}
	} else {
		sbuf_addn(out, s, n);
	}
	if (opts & LF_OPT_Q)
		sbuf_addc(out, '"');
}

static void
lf_int(struct sbuf *out, long long v, unsigned opts)
{
	if (opts & LF_OPT_X)
		sbuf_addf(out, "%llX", v);
	else
		sbuf_addf(out, "%lld", v);
}

/* lf_addr/lf_port read a session's compact address (lib/sess_addr.h)
 * or a server's configured one: by family, never past an IP sockaddr. */
static void
lf_addr(struct sbuf *out, const struct sockaddr *sa, unsigned opts)
{
	char buf[INET6_ADDRSTRLEN];
	if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
		/* unix sockets log "unix" in HAProxy */
		lf_text(out, sa && sa->sa_family == AF_UNIX ? "unix" : NULL,
		        sa && sa->sa_family == AF_UNIX ? 4 : 0, opts);
		return;
	}
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		if (opts & LF_OPT_X) {
			sbuf_addf(out, "%08X", ntohl(in->sin_addr.s_addr));
			return;
		}
		inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
	} else {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
	}
	lf_text(out, buf, strlen(buf), opts);
}

static void
lf_port(struct sbuf *out, const struct sockaddr *sa, unsigned opts)
{
	int port;
	if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
		lf_text(out, NULL, 0, opts);
		return;
	}
	port = sa->sa_family == AF_INET
	           ? ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port)
	           : ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	if (opts & LF_OPT_X)
		sbuf_addf(out, "%04X", port);
	else
		sbuf_addf(out, "%d", port);
}

static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static long long
now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* %t, %T, %Tl: HAProxy's date formats. */
static void
lf_date(struct sbuf *out, long long ms, char kind)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (kind == 'T')
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	sbuf_addf(out, "%02d/%s/%04d:%02d:%02d:%02d", tm.tm_mday,
	          months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	          tm.tm_sec);
	if (kind == 't') {
		sbuf_addf(out, ".%03d", (int)(ms % 1000));
	} else {
		long off = kind == 'T' ? 0 : tm.tm_gmtoff;
		char sign = off < 0 ? '-' : '+';
		if (off < 0)
			off = -off;
		sbuf_addf(out, " %c%02ld%02ld", sign, off / 3600, (off / 60) % 60);
	}
}

static const struct sockaddr *
srv_addr(const struct smp_ctx *ctx)
{
	if (!ctx->srv || ctx->srv->addr.family == AF_UNSPEC)
		return NULL;
	return (const struct sockaddr *)&ctx->srv->addr.ss;
}

/* A session address as lf_addr/lf_port take it (NULL stays NULL). */
static const struct sockaddr *
sess_sa(const union sess_addr *a)
{
	return a ? &a->sa : NULL;
}

/* One %xx variable. Fields the engine only knows at the end of the
 * session (timers, bytes, termination state) are the logging module's;
 * here they render as "-". */
static void
lf_var(struct sbuf *out, const struct lf_node *n, struct smp_ctx *ctx)
{
	const char *v = n->text;
	unsigned o = n->opts;
	long long ms = ctx->accept_ms ? ctx->accept_ms : now_ms();
	const struct cfg_proxy *be = ctx->be ? ctx->be : ctx->fe;

	if (!strcmp(v, "ci"))
		lf_addr(out, sess_sa(ctx->src), o);
	else if (!strcmp(v, "cp"))
		lf_port(out, sess_sa(ctx->src), o);
	else if (!strcmp(v, "fi"))
		lf_addr(out, sess_sa(ctx->dst), o);
	else if (!strcmp(v, "fp"))
		lf_port(out, sess_sa(ctx->dst), o);
	else if (!strcmp(v, "si"))
		lf_addr(out, srv_addr(ctx), o);
	else if (!strcmp(v, "sp"))
		lf_port(out, srv_addr(ctx), o);
	else if (!strcmp(v, "f") || !strcmp(v, "ft")) {
		const char *name = ctx->fe && ctx->fe->name ? ctx->fe->name : NULL;
		if (v[1] == 't' && name && ctx->bind && ctx->bind->ssl) {
			char *s = xasprintf("%s~", name);
			lf_text(out, s, strlen(s), o);
			free(s);
		} else {
			lf_text(out, name, name ? strlen(name) : 0, o);
		}
	} else if (!strcmp(v, "b")) {
		const char *name = be && be->name ? be->name : NULL;
		lf_text(out, name, name ? strlen(name) : 0, o);
	} else if (!strcmp(v, "s")) {
		const char *name = ctx->srv && ctx->srv->name ? ctx->srv->name
		                                              : "<NOSRV>";
		lf_text(out, name, strlen(name), o);
	} else if (!strcmp(v, "H")) {
		const char *h = smp_hostname();
		lf_text(out, h, strlen(h), o);
	} else if (!strcmp(v, "pid"))
		lf_int(out, (long long)getpid(), o);
	else if (!strcmp(v, "t") || !strcmp(v, "T") || !strcmp(v, "Tl"))
		lf_date(out, ms, v[0] == 't' ? 't' : v[1] ? 'l' : 'T');
	else if (!strcmp(v, "Ts"))
		lf_int(out, ms / 1000, o);
	else if (!strcmp(v, "ms"))
		sbuf_addf(out, (o & LF_OPT_X) ? "%02X" : "%03d", (int)(ms % 1000));
	else if (!strcmp(v, "fc"))
		lf_int(out, ctx->fe ? sctx_fe_conn(ctx, ctx->fe) : 0, o);
	else if (!strcmp(v, "bc"))
		lf_int(out, ctx->be ? sctx_be_conn(ctx, ctx->be) : 0, o);
	else if (!strcmp(v, "sc"))
		lf_int(out, ctx->srv ? sctx_srv_conn(ctx, ctx->srv) : 0, o);
	else
		lf_text(out, NULL, 0, o);
}

/* Routing-time formats (use_backend %[...], set-var-fmt, sni...) are
 * HAProxy's non-mandatory log-format strings: blanks are kept as written
 * and a sample without a value adds nothing (checked against HAProxy
 * 2.6.12). Full log lines (blanks collapsed, "-" for missing values) are
 * the logging module's. */
int
lf_render(const struct lf_expr *lf, struct smp_ctx *ctx, struct sbuf *out)
{
	size_t start = out->len;
	struct smp_run run;

	if (!lf)
		return -1;
	smp_run_init(&run, ctx);
	/* log-format samples are fetched with SMP_OPT_FINAL */
	run.final = true;
	for (size_t i = 0; i < lf->nodes.n; i++) {
		const struct lf_node *n = &lf->nodes.v[i];
		struct smp_val v;
		switch (n->type) {
		case LF_SEP:
		case LF_TEXT:
			sbuf_adds(out, n->text);
			break;
		case LF_VAR:
			lf_var(out, n, ctx);
			break;
		case LF_EXPR:
			if (eval_one(&run, n->expr, &v) == SMP_RES_OK &&
			    smp_cast(&run, &v, SMP_T_STR) && v.len)
				lf_text(out, v.ptr, v.len, n->opts);
			break;
		}
	}
	smp_run_done(&run);
	return out->len > start ? 0 : -1;
}
