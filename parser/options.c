/* "option <x>" handlers (cfgparse-listen.c, cfg_opts/cfg_opts2 in 2.6).
 * Every option row is KW_NEG so that the options HAProxy cannot negate
 * report HAProxy's own text ("negation/default is not supported for
 * option 'x'.") rather than the generic one. */
#include <arpa/inet.h>

#include "px_int.h"
#include "tables.h"

static const char *const opt_names[PXO__COUNT] = {
	[PXO_ABORTONCLOSE] = "abortonclose",
	[PXO_ALLBACKUPS] = "allbackups",
	[PXO_CHECKCACHE] = "checkcache",
	[PXO_CLITCPKA] = "clitcpka",
	[PXO_CONTSTATS] = "contstats",
	[PXO_DONTLOGNULL] = "dontlognull",
	[PXO_HTTP_BUFFER_REQUEST] = "http-buffer-request",
	[PXO_HTTP_IGNORE_PROBES] = "http-ignore-probes",
	[PXO_IDLE_CLOSE_ON_RESPONSE] = "idle-close-on-response",
	[PXO_PREFER_LAST_SERVER] = "prefer-last-server",
	[PXO_LOGASAP] = "logasap",
	[PXO_NOLINGER] = "nolinger",
	[PXO_PERSIST] = "persist",
	[PXO_SRVTCPKA] = "srvtcpka",
	[PXO_TRANSPARENT] = "transparent",
	[PXO_SPLICE_REQUEST] = "splice-request",
	[PXO_SPLICE_RESPONSE] = "splice-response",
	[PXO_SPLICE_AUTO] = "splice-auto",
	[PXO_ACCEPT_INVALID_HTTP_REQUEST] = "accept-invalid-http-request",
	[PXO_ACCEPT_INVALID_HTTP_RESPONSE] = "accept-invalid-http-response",
	[PXO_DONTLOG_NORMAL] = "dontlog-normal",
	[PXO_LOG_SEPARATE_ERRORS] = "log-separate-errors",
	[PXO_LOG_HEALTH_CHECKS] = "log-health-checks",
	[PXO_SOCKET_STATS] = "socket-stats",
	[PXO_TCP_SMART_ACCEPT] = "tcp-smart-accept",
	[PXO_TCP_SMART_CONNECT] = "tcp-smart-connect",
	[PXO_INDEPENDENT_STREAMS] = "independent-streams",
	[PXO_HTTP_USE_PROXY_HEADER] = "http-use-proxy-header",
	[PXO_HTTP_PRETEND_KEEPALIVE] = "http-pretend-keepalive",
	[PXO_HTTP_NO_DELAY] = "http-no-delay",
	[PXO_H1_CASE_ADJUST_BOGUS_CLIENT] = "h1-case-adjust-bogus-client",
	[PXO_H1_CASE_ADJUST_BOGUS_SERVER] = "h1-case-adjust-bogus-server",
	[PXO_DISABLE_H2_UPGRADE] = "disable-h2-upgrade",
	[PXO_REDISPATCH] = "redispatch",
	[PXO_TCPKA] = "tcpka",
	[PXO_HTTPCLOSE] = "httpclose",
	[PXO_HTTP_SERVER_CLOSE] = "http-server-close",
	[PXO_HTTP_KEEP_ALIVE] = "http-keep-alive",
	[PXO_FORWARDFOR] = "forwardfor",
	[PXO_ORIGINALTO] = "originalto",
	[PXO_HTTPLOG] = "httplog",
	[PXO_TCPLOG] = "tcplog",
	[PXO_HTTPSLOG] = "httpslog",
	[PXO_HTTPCHK] = "httpchk",
	[PXO_SSL_HELLO_CHK] = "ssl-hello-chk",
	[PXO_TCP_CHECK] = "tcp-check",
	[PXO_SMTPCHK] = "smtpchk",
	[PXO_REDIS_CHECK] = "redis-check",
	[PXO_HTTP_RESTRICT_REQ_HDR_NAMES] = "http-restrict-req-hdr-names",
};
_Static_assert(PXO__COUNT <= 64, "px->opts is 64 bits");

int
px_opt_index(const char *name)
{
	if (strncmp(name, "option ", 7) == 0)
		name += 7;
	for (int i = 0; i < PXO__COUNT; i++)
		if (opt_names[i] && strcmp(opt_names[i], name) == 0)
			return i;
	return -1;
}

const char *
px_opt_name(int o)
{
	return o >= 0 && o < PXO__COUNT ? opt_names[o] : "";
}

static const char *
opt_word(const struct cfg_kw *kw)
{
	return kw->h.name + 7; /* after "option " */
}

/* Options that HAProxy refuses to negate. */
static int
no_negate(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w)
{
	if (cx->negate) {
		cx_error(cx, &w[0], "negation/default is not supported for option '%s'.", opt_word(kw));
		return -1;
	}
	return 0;
}

static void
opt_apply(struct cfg_ctx *cx, int o, const struct cfg_loc *loc)
{
	uint64_t bit = 1ull << o;
	struct cfg_proxy *px = cx->px;
	px->opts &= ~bit;
	px->no_opts &= ~bit;
	if (cx->negate == 0)
		px->opts |= bit;
	else if (cx->negate == KW_PFX_NO)
		px->no_opts |= bit;
	px->opt_loc[o] = *loc;
}

/* Plain on/off options of cfg_opts/cfg_opts2. */
PX_HANDLER(px_opt_flag)
{
	int o = px_opt_index(kw->h.name);
	if (o < 0)
		return -1;
	if (px_too_many(cx, kw->h.name, w, n, argi, 0) < 0)
		return -1;
	opt_apply(cx, o, &w[0].loc);
	return 0;
}

/* "option" alone or followed by an unknown name. */
PX_HANDLER(px_opt_bare)
{
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'option' expects an option name.");
		return -1;
	}
	static const char *const removed[][2] = {
		{ "forceclose", "option 'forceclose' is not supported any more since HAProxy 2.0, please just remove it, or use 'option httpclose' if absolutely needed." },
		{ "http-tunnel", "option 'http-tunnel' is not supported any more since HAProxy 2.1, please just remove it, it shouldn't be needed." },
		{ "http_proxy", "option 'http_proxy' is not supported any more since HAProxy 2.5. This option stopped working in HAProxy 1.9 and usually had nasty side effects. It can be more reliably implemented with combinations of 'http-request set-dst' and 'http-request set-uri', and even 'http-request do-resolve' if DNS resolution is desired." },
	};
	for (size_t i = 0; i < ARRAY_SIZE(removed); i++) {
		if (px_eq(&w[argi], removed[i][0])) {
			cx_error(cx, &w[argi], "%s", removed[i][1]);
			return -1;
		}
	}
	const char *best = kw_suggest(proxy_kws, sizeof(struct cfg_kw), w[argi].s, "option ");
	if (best)
		cx_error(cx, &w[argi], "unknown option '%s'; did you mean '%s' maybe ?",
		         w[argi].s, strncmp(best, "option ", 7) == 0 ? best + 7 : best);
	else
		cx_error(cx, &w[argi], "unknown option '%s'.", w[argi].s);
	return -1;
}

/* option redispatch [<interval>] */
PX_HANDLER(px_opt_redispatch)
{
	struct cfg_proxy *px = cx->px;
	opt_apply(cx, PXO_REDISPATCH, &w[0].loc);
	if (cx->negate == KW_PFX_NO)
		px->redispatch_after = 0;
	else if (cx->negate == 0) {
		px->redispatch_after = -1;
		if (argi < n) {
			/* atoi() in HAProxy: 0 disables redispatching */
			long long v = px_atol_warn(cx, &w[argi], kw->h.name);
			px->redispatch_after = v < -2147483647 ? -2147483647 :
			                       v > 2147483647 ? 2147483647 : (int)v;
			if (px->redispatch_after == 0)
				px->opts &= ~(1ull << PXO_REDISPATCH);
		}
	}
	return 0;
}

/* httpclose / http-server-close / http-keep-alive override each other;
 * "no" only cancels the same one; "default" is refused by HAProxy. */
PX_HANDLER(px_opt_http_conn)
{
	struct cfg_proxy *px = cx->px;
	int o = px_opt_index(kw->h.name);
	enum px_http_conn m = o == PXO_HTTPCLOSE ? PX_HTTP_CLO :
	                      o == PXO_HTTP_SERVER_CLOSE ? PX_HTTP_SCL : PX_HTTP_KAL;
	if (px_too_many(cx, kw->h.name, w, n, argi, 0) < 0)
		return -1;
	if (cx->negate == KW_PFX_DEFAULT) {
		cx_error(cx, &w[0], "negation/default is not supported for option '%s'.", opt_word(kw));
		return -1;
	}
	if (cx->negate == 0) {
		px->http_conn = m;
		px->http_conn_set = true;
	} else if (px->http_conn == m) {
		px->http_conn = PX_HTTP_KAL;
		px->http_conn_set = false;
	}
	px->opt_loc[o] = w[0].loc;
	return 0;
}

/* option httplog [clf] / tcplog / httpslog */
PX_HANDLER(px_opt_log)
{
	struct cfg_proxy *px = cx->px;
	if (no_negate(cx, kw, w) < 0)
		return -1;
	int o = px_opt_index(kw->h.name);
	enum px_log_kind k = o == PXO_TCPLOG ? PX_LOG_TCP :
	                     o == PXO_HTTPSLOG ? PX_LOG_HTTPS : PX_LOG_HTTP;
	if (o == PXO_HTTPLOG && argi < n) {
		if (!px_eq(&w[argi], "clf")) {
			cx_error(cx, &w[argi], "keyword 'httplog' only supports option 'clf'.");
			return -1;
		}
		if (px_too_many(cx, kw->h.name, w, n, argi, 1) < 0)
			return -1;
		k = PX_LOG_HTTP_CLF;
	} else if (px_too_many(cx, kw->h.name, w, n, argi, 0) < 0)
		return -1;
	if ((px->cap & PX_CAP_DEF) && px->log_kind != PX_LOG_NONE) {
		static const char *const old[] = { "", "option tcplog", "option httplog", "option httplog clf", "option httpslog", "log-format" };
		cx_warn(cx, &w[0], "'%s%s' overrides previous '%s' in 'defaults' section.",
		        kw->h.name, k == PX_LOG_HTTP_CLF ? " clf" : "", old[px->log_kind]);
	}
	px->log_kind = k;
	px->log_kind_loc = w[0].loc;
	FREE_NULL(px->log_format_str);
	lf_free(px->log_format);
	px->log_format = NULL;
	opt_apply(cx, o, &w[0].loc);
	if (!(px->cap & (PX_CAP_DEF | PX_CAP_FE)))
		cx_warn(cx, &w[0], "backend '%s' : '%s' directive is ignored in backends.",
		        px_name(px), kw->h.name);
	return 0;
}

/* option tcpka: client and/or server keep-alive by capability */
PX_HANDLER(px_opt_tcpka)
{
	if (no_negate(cx, kw, w) < 0 || px_too_many(cx, kw->h.name, w, n, argi, 0) < 0)
		return -1;
	opt_apply(cx, PXO_TCPKA, &w[0].loc);
	if (cx->px->cap & (PX_CAP_FE | PX_CAP_DEF))
		opt_apply(cx, PXO_CLITCPKA, &w[0].loc);
	if (cx->px->cap & (PX_CAP_BE | PX_CAP_DEF))
		opt_apply(cx, PXO_SRVTCPKA, &w[0].loc);
	return 0;
}

void
px_hdr_opt_free(struct px_hdr_opt *o)
{
	if (o == NULL)
		return;
	free(o->header);
	free(o->except);
	free(o);
}

/* str2net()/str62net(): address with optional /mask (bits or dotted). */
static bool
net_ok(const char *s)
{
	char buf[128];
	if (str_copy(buf, sizeof(buf), s) < 0)
		return false;
	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	unsigned char a[16];
	bool v4 = inet_pton(AF_INET, buf, a) == 1;
	bool v6 = !v4 && inet_pton(AF_INET6, buf, a) == 1;
	if (!v4 && !v6)
		return false;
	if (slash == NULL)
		return true;
	if (v4 && strchr(slash, '.'))
		return inet_pton(AF_INET, slash, a) == 1;
	char *end;
	long bits = strtol(slash, &end, 10);
	return *slash && !*end && bits >= 0 && bits <= (v4 ? 32 : 128);
}

static int
hdr_opt(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w,
        int n, int argi, bool ff)
{
	if (no_negate(cx, kw, w) < 0)
		return -1;
	struct px_hdr_opt *o = xcalloc(1, sizeof(*o));
	o->header = xstrdup(ff ? "X-Forwarded-For" : "X-Original-To");
	for (int i = argi; i < n;) {
		if (px_eq(&w[i], "except")) {
			if (i + 1 >= n || !net_ok(w[i + 1].s)) {
				cx_error(cx, i + 1 < n ? &w[i + 1] : &w[i],
				         "'%s except' expects <address>[/mask] as argument.", kw->h.name);
				goto fail;
			}
			arg_set_str(&o->except, w[i + 1].s);
			i += 2;
		} else if (px_eq(&w[i], "header")) {
			if (i + 1 >= n) {
				cx_error(cx, &w[i], "'%s header' expects <header_name> as argument.", kw->h.name);
				goto fail;
			}
			arg_set_str(&o->header, w[i + 1].s);
			i += 2;
		} else if (ff && px_eq(&w[i], "if-none")) {
			o->if_none = true;
			i++;
		} else {
			cx_error(cx, &w[i], ff ?
			         "'%s' only supports optional values: 'except', 'header' and 'if-none'." :
			         "'%s' only supports optional values: 'except' and 'header'.", kw->h.name);
			goto fail;
		}
	}
	struct px_hdr_opt **dst = ff ? &cx->px->forwardfor : &cx->px->originalto;
	px_hdr_opt_free(*dst);
	*dst = o;
	opt_apply(cx, ff ? PXO_FORWARDFOR : PXO_ORIGINALTO, &w[0].loc);
	return 0;
fail:
	px_hdr_opt_free(o);
	return -1;
}

PX_HANDLER(px_opt_forwardfor)
{
	return hdr_opt(cx, kw, w, n, argi, true);
}

PX_HANDLER(px_opt_originalto)
{
	return hdr_opt(cx, kw, w, n, argi, false);
}

/* option http-restrict-req-hdr-names preserve|reject|delete */
PX_HANDLER(px_opt_restrict_hdr)
{
	if (no_negate(cx, kw, w) < 0 || px_too_many(cx, kw->h.name, w, n, argi, 1) < 0)
		return -1;
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "missing parameter. option '%s' expects 'preserve', 'reject' or 'delete' option.", opt_word(kw));
		return -1;
	}
	if (px_eq(&w[argi], "preserve"))
		cx->px->restrict_req_hdr_names = PX_RHN_PRESERVE;
	else if (px_eq(&w[argi], "reject"))
		cx->px->restrict_req_hdr_names = PX_RHN_REJECT;
	else if (px_eq(&w[argi], "delete"))
		cx->px->restrict_req_hdr_names = PX_RHN_DELETE;
	else {
		cx_error(cx, &w[argi], "invalid parameter '%s'. option '%s' expects 'preserve', 'reject' or 'delete' option.", w[argi].s, opt_word(kw));
		return -1;
	}
	opt_apply(cx, PXO_HTTP_RESTRICT_REQ_HDR_NAMES, &w[0].loc);
	return 0;
}

static void
httpchk_free(struct px_httpchk *h)
{
	if (h == NULL)
		return;
	free(h->meth);
	free(h->uri);
	free(h->ver);
	free(h);
}

void px_httpchk_free(struct px_httpchk *h);
void
px_httpchk_free(struct px_httpchk *h)
{
	httpchk_free(h);
}

static void
set_check(struct cfg_ctx *cx, enum px_chk_kind k, int o, struct cfg_word *w)
{
	struct cfg_proxy *px = cx->px;
	static const int chk_opts[] = { PXO_HTTPCHK, PXO_SSL_HELLO_CHK,
	                                PXO_TCP_CHECK, PXO_SMTPCHK, PXO_REDIS_CHECK };
	/* the check options replace each other */
	for (size_t i = 0; i < ARRAY_SIZE(chk_opts); i++)
		px->opts &= ~(1ull << chk_opts[i]);
	px->chk_kind = k;
	px->chk_loc = w[0].loc;
	opt_apply(cx, o, &w[0].loc);
}

/* option httpchk [<uri>] | <meth> <uri> [<version>] */
PX_HANDLER(px_opt_httpchk)
{
	if (no_negate(cx, kw, w) < 0 || px_too_many(cx, kw->h.name, w, n, argi, 3) < 0)
		return -1;
	struct px_httpchk *h = xcalloc(1, sizeof(*h));
	int na = n - argi;
	h->meth = xstrdup(na >= 2 ? w[argi].s : "OPTIONS");
	h->uri = xstrdup(na == 1 ? w[argi].s : na >= 2 ? w[argi + 1].s : "/");
	h->ver = xstrdup(na == 3 ? w[argi + 2].s : "HTTP/1.0");
	if (strpbrk(h->ver, " \r\n"))
		cx_warn(cx, &w[argi + 2], "hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead.");
	httpchk_free(cx->px->httpchk);
	cx->px->httpchk = h;
	set_check(cx, PX_CHK_HTTP, PXO_HTTPCHK, w);
	return 0;
}

/* ssl-hello-chk, tcp-check, redis-check, smtpchk [HELO|EHLO <domain>] */
PX_HANDLER(px_opt_check)
{
	struct cfg_proxy *px = cx->px;
	if (no_negate(cx, kw, w) < 0)
		return -1;
	int o = px_opt_index(kw->h.name);
	if (o == PXO_SMTPCHK) {
		free(px->smtpchk_helo);
		free(px->smtpchk_domain);
		/* HAProxy silently uses "HELO localhost" unless both are right */
		if (argi + 1 < n && (px_eq(&w[argi], "HELO") || px_eq(&w[argi], "EHLO"))) {
			px->smtpchk_helo = xstrdup(w[argi].s);
			px->smtpchk_domain = xstrdup(w[argi + 1].s);
		} else {
			px->smtpchk_helo = xstrdup("HELO");
			px->smtpchk_domain = xstrdup("localhost");
		}
		set_check(cx, PX_CHK_SMTP, o, w);
		return 0;
	}
	if (px_too_many(cx, kw->h.name, w, n, argi, 0) < 0)
		return -1;
	set_check(cx, o == PXO_SSL_HELLO_CHK ? PX_CHK_SSL_HELLO :
	              o == PXO_TCP_CHECK ? PX_CHK_TCPCHK : PX_CHK_REDIS, o, w);
	return 0;
}
