/* The proxy keyword table (defaults/frontend/backend/listen keywords that
 * are not bind/server/acl/log/rules/checks/stats), the freeing of what
 * those keywords store, and the proxies' resolve pass. Handlers live in
 * px_settings.c and options.c. Statuses follow reference §1.7/§1.9 and the
 * 2.6 manual's section 4.1 matrix. */
#include "px_int.h"
#include "resolve.h"
#include "server.h"
#include "bind.h"
#include "tables.h"

#define DFB  (KW_DEF | KW_FE | KW_BE)
#define DF   (KW_DEF | KW_FE)
#define DB   (KW_DEF | KW_BE)
#define FB   (KW_FE | KW_BE)
#define S(name, usage, where, fn) { { name, KW_SUPPORTED, usage, NULL }, where, fn }
#define I(name, usage, where, note) { { name, KW_IGNORED, usage, note }, where, NULL }
#define U(name, usage, where, note) { { name, KW_UNSUPPORTED, usage, note }, where, NULL }
#define OPT(name, where, fn) S("option " name, "", (where) | KW_NEG, fn)
#define OPTI(name, where, note) I("option " name, "", (where) | KW_NEG, note)
#define OPTU(name, where, note) U("option " name, "", (where) | KW_NEG, note)

static const char removed21[] = "not supported anymore since HAProxy 2.1 (use the http-request/http-response rules)";

const struct cfg_kw proxy_kws[] = {
	S("mode", "tcp|http", DFB, px_kw_mode),
	S("balance", "<algorithm> [<arguments>]", DB, px_kw_balance),
	S("hash-type", "map-based|consistent [<function>] [avalanche]", DB, px_kw_hash_type),
	S("hash-balance-factor", "<factor>", DB, px_kw_hash_balance_factor),
	S("timeout", "<name> <time>", DFB, px_kw_timeout_bare),
	S("timeout client", "<time>", DF, px_kw_timeout),
	S("timeout client-fin", "<time>", DF, px_kw_timeout),
	S("timeout connect", "<time>", DB, px_kw_timeout),
	S("timeout server", "<time>", DB, px_kw_timeout),
	S("timeout server-fin", "<time>", DB, px_kw_timeout),
	S("timeout queue", "<time>", DB, px_kw_timeout),
	S("timeout tunnel", "<time>", DB, px_kw_timeout),
	S("timeout check", "<time>", DB, px_kw_timeout),
	S("timeout http-request", "<time>", DFB, px_kw_timeout),
	S("timeout http-keep-alive", "<time>", DFB, px_kw_timeout),
	S("timeout tarpit", "<time>", DFB, px_kw_timeout),
	U("clitimeout", "<time>", DFB, "the 'clitimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout client'."),
	U("contimeout", "<time>", DFB, "the 'contimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout connect'."),
	U("srvtimeout", "<time>", DFB, "the 'srvtimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout server'."),
	S("maxconn", "<conns>", DF, px_kw_int),
	S("backlog", "<conns>", DF, px_kw_int),
	S("fullconn", "<conns>", DB, px_kw_int),
	S("retries", "<value>", DB, px_kw_int),
	S("retry-on", "<keyword>|<status> ...", DB, px_kw_retry_on),
	S("http-reuse", "never|safe|aggressive|always", DB, px_kw_http_reuse),
	S("rate-limit", "sessions <rate>", DF, px_kw_rate_limit_bare),
	S("rate-limit sessions", "<rate>", DF, px_kw_rate_limit),
	S("default_backend", "<backend>", DF, px_kw_default_backend),
	S("log-format", "<fmt>", DFB, px_kw_logformat),
	S("log-format-sd", "<fmt>", DFB, px_kw_logformat),
	S("error-log-format", "<fmt>", DFB, px_kw_logformat),
	S("unique-id-format", "<fmt>", DF, px_kw_logformat),
	S("unique-id-header", "<name>", DF, px_kw_string),
	S("log-tag", "<tag>", DFB, px_kw_string),
	S("http-send-name-header", "<header>", DB, px_kw_string),
	S("dynamic-cookie-key", "<key>", DB, px_kw_string),
	S("errorfile", "<code> <file>", DFB, px_kw_errorfile),
	S("errorfiles", "<name> [<code> ...]", DFB, px_kw_errorfiles),
	S("errorloc", "<code> <url>", DFB, px_kw_errorloc),
	S("errorloc302", "<code> <url>", DFB, px_kw_errorloc),
	S("errorloc303", "<code> <url>", DFB, px_kw_errorloc),
	S("http-error", "status <code> [content-type <t>] [<payload>] [hdr <n> <fmt>]*", DFB, px_kw_http_error),
	S("capture", "cookie|request header|response header ...", KW_FE, px_kw_capture_bare),
	S("capture cookie", "<name> len <length>", KW_FE, px_kw_capture),
	S("capture request header", "<name> len <length>", KW_FE, px_kw_capture),
	S("capture response header", "<name> len <length>", KW_FE, px_kw_capture),
	S("declare capture", "request|response len <length>", KW_FE, px_kw_declare_capture),
	S("cookie", "<name> [options...]", DB, px_kw_cookie),
	S("description", "<text>", FB, px_kw_description),
	S("id", "<number>", FB, px_kw_id),
	S("disabled", "", DFB, px_kw_disabled),
	S("enabled", "", DFB, px_kw_disabled),
	S("monitor-uri", "<uri>", DF, px_kw_monitor_uri),
	S("monitor", "fail if|unless <cond>", KW_FE, px_kw_monitor_bare),
	S("monitor fail", "if|unless <cond>", KW_FE, px_kw_monitor_fail),
	S("load-server-state-from-file", "global|local|none", DB, px_kw_load_state),
	S("server-state-file-name", "[<file>|use-backend-name]", DB, px_kw_state_file_name),
	I("bind-process", "[all|odd|even|<n>...]", DFB, "has no effect, is deprecated, and will be removed in version 2.7"),
	I("max-keep-alive-queue", "<value>", DB, "tunes HAProxy's connection reuse queue"),
	I("max-session-srv-conns", "<nb>", DF, "tunes HAProxy's per-session server connections"),
	I("clitcpka-cnt", "<count>", DF, "TCP keep-alive probes tuning is not implemented: system defaults apply"),
	I("clitcpka-idle", "<timeout>", DF, "TCP keep-alive probes tuning is not implemented: system defaults apply"),
	I("clitcpka-intvl", "<timeout>", DF, "TCP keep-alive probes tuning is not implemented: system defaults apply"),
	I("srvtcpka-cnt", "<count>", DB, "TCP keep-alive probes tuning is not implemented: system defaults apply"),
	I("srvtcpka-idle", "<timeout>", DB, "TCP keep-alive probes tuning is not implemented: system defaults apply"),
	I("srvtcpka-intvl", "<timeout>", DB, "TCP keep-alive probes tuning is not implemented: system defaults apply"),
	I("compression", "algo|type|offload ...", DFB, "HTTP compression is not implemented: responses are forwarded uncompressed"),
	U("dispatch", "<address>:<port>", KW_BE, "dispatch is not supported: declare a server instead"),
	U("email-alert", "from|level|mailers|myhostname|to <value>", DFB, "email alerts are not supported"),
	U("email-alert from", "<emailaddr>", DFB, "email alerts are not supported"),
	U("email-alert level", "<level>", DFB, "email alerts are not supported"),
	U("email-alert mailers", "<mailersect>", DFB, "email alerts are not supported"),
	U("email-alert myhostname", "<hostname>", DFB, "email alerts are not supported"),
	U("email-alert to", "<emailaddr>", DFB, "email alerts are not supported"),
	U("filter", "<name> [<args>]", FB, "filters (compression, cache, spoe, trace, bwlim) are not supported"),
	U("force-persist", "if|unless <cond>", KW_BE, "persistence overrides are not supported yet"),
	U("ignore-persist", "if|unless <cond>", KW_BE, "persistence overrides are not supported yet"),
	U("persist", "rdp-cookie[(<name>)]", DB, "RDP cookie persistence is not supported"),
	U("stick-table", "type <type> size <size> [...]", FB, "stick tables not supported yet"),
	U("stick", "on|match|store-request|store-response <pattern> ...", KW_BE, "stick tables not supported yet"),
	U("stick on", "<pattern> [table <t>] [if|unless <cond>]", KW_BE, "stick tables not supported yet"),
	U("stick match", "<pattern> [table <t>] [if|unless <cond>]", KW_BE, "stick tables not supported yet"),
	U("stick store-request", "<pattern> [table <t>] [if|unless <cond>]", KW_BE, "stick tables not supported yet"),
	U("stick store-response", "<pattern> [table <t>] [if|unless <cond>]", KW_BE, "stick tables not supported yet"),
	U("source", "<addr>[:<port>] [usesrc ...] [interface <name>]", DB, "source address selection is not supported yet"),
	U("transparent", "", DB, "transparent proxying is not supported"),
	U("use-fcgi-app", "<name>", KW_BE, "FastCGI applications are not supported"),
	U("external-check command", "<command>", DB, "external checks are not supported"),
	U("external-check path", "<path>", DB, "external checks are not supported"),
	U("monitor-net", "<source>", DF, "'monitor-net' doesn't exist anymore. Please use 'http-request return status 200 if { src <net> }' instead."),
	U("block", "if|unless <cond>", FB, "The 'block' directive is not supported anymore since HAProxy 2.1. Use 'http-request deny' which uses the exact same syntax."),
	U("redispatch", "", DB, "keyword 'redispatch' directive is not supported anymore since HAProxy 2.1. Use 'option redispatch'."),
	U("grace", "<time>", DFB, "the 'grace' keyword is not supported any more since HAProxy version 2.5."),
	U("appsession", "...", DB, "'appsession' is not supported anymore since HAProxy 1.6."),
	U("reqadd", "<string>", FB, removed21), U("reqallow", "<search>", FB, removed21),
	U("reqdel", "<search>", FB, removed21), U("reqdeny", "<search>", FB, removed21),
	U("reqiallow", "<search>", FB, removed21), U("reqidel", "<search>", FB, removed21),
	U("reqideny", "<search>", FB, removed21), U("reqipass", "<search>", FB, removed21),
	U("reqirep", "<search> <string>", FB, removed21), U("reqitarpit", "<search>", FB, removed21),
	U("reqpass", "<search>", FB, removed21), U("reqrep", "<search> <string>", FB, removed21),
	U("reqtarpit", "<search>", FB, removed21), U("rspadd", "<string>", FB, removed21),
	U("rspdel", "<search>", FB, removed21), U("rspdeny", "<search>", FB, removed21),
	U("rspidel", "<search>", FB, removed21), U("rspideny", "<search>", FB, removed21),
	U("rspirep", "<search> <string>", FB, removed21), U("rsprep", "<search> <string>", FB, removed21),
	U("cliexp", "<search> <string>", FB, removed21), U("srvexp", "<search> <string>", FB, removed21),

	/* options (cfg_opts, cfg_opts2 and the ones cfgparse-listen.c parses) */
	S("option", "<name> [<args>]", DFB | KW_NEG, px_opt_bare),
	OPT("abortonclose", DB, px_opt_flag),
	OPTU("accept-invalid-http-request", DF, "invalid HTTP requests are always rejected"),
	OPTU("accept-invalid-http-response", DB, "invalid HTTP responses are always rejected"),
	OPT("allbackups", DB, px_opt_flag),
	OPTU("checkcache", DB, "cacheable responses carrying cookies are not checked or blocked"),
	OPT("clitcpka", DF, px_opt_flag),
	OPTI("contstats", DF, "counters are always updated continuously"),
	OPT("disable-h2-upgrade", DF, px_opt_flag),
	OPT("dontlog-normal", DF, px_opt_flag),
	OPT("dontlognull", DF, px_opt_flag),
	OPT("forwardfor", DFB, px_opt_forwardfor),
	OPTI("h1-case-adjust-bogus-client", DF, "header names are always sent in lower case: case adjustment is not implemented"),
	OPTI("h1-case-adjust-bogus-server", DB, "header names are always sent in lower case: case adjustment is not implemented"),
	OPT("http-buffer-request", DFB, px_opt_flag),
	OPTU("http-ignore-probes", DF, "connections closed before a request are logged and answered as HAProxy's default does"),
	OPT("http-keep-alive", DFB, px_opt_http_conn),
	OPTI("http-no-delay", DFB, "tunes HAProxy's buffering of HTTP messages"),
	OPTU("http-pretend-keepalive", DB, "requests sent with 'Connection: close' are not rewritten to look kept alive"),
	OPTU("http-restrict-req-hdr-names", DFB, "header names are forwarded as received (HAProxy's default 'preserve')"),
	OPT("http-server-close", DFB, px_opt_http_conn),
	OPTU("http-use-proxy-header", DF, "the Proxy-Connection header is not used in place of Connection"),
	OPT("httpchk", DB, px_opt_httpchk),
	OPT("httpclose", DFB, px_opt_http_conn),
	OPT("httplog", DFB, px_opt_log),
	OPT("httpslog", DFB, px_opt_log),
	OPTU("idle-close-on-response", DF, "idle keep-alive connections are closed at once on a soft stop"),
	OPTU("independent-streams", DFB, "a read or a write on either side refreshes both timeouts"),
	OPTU("ldap-check", DB, "LDAP health checks are not supported: use 'option tcp-check' with tcp-check rules"),
	OPTU("external-check", DB, "external checks are not supported"),
	OPT("log-health-checks", DB, px_opt_flag),
	OPT("log-separate-errors", DF, px_opt_flag),
	OPT("logasap", DF, px_opt_flag),
	OPTU("mysql-check", DB, "MySQL health checks are not supported: use 'option tcp-check' with tcp-check rules"),
	OPT("nolinger", DFB, px_opt_flag),
	OPT("originalto", DFB, px_opt_originalto),
	OPTU("persist", DB, "a request is never sent to a server that is down, even with a persistence cookie"),
	OPTU("pgsql-check", DB, "PostgreSQL health checks are not supported: use 'option tcp-check' with tcp-check rules"),
	OPTI("prefer-last-server", DB, "each request picks a server through the load-balancing algorithm"),
	OPT("redispatch", DB, px_opt_redispatch),
	OPT("redis-check", DB, px_opt_check),
	OPT("smtpchk", DB, px_opt_check),
	OPT("socket-stats", DF, px_opt_flag),
	OPT("splice-auto", DFB, px_opt_flag),
	OPT("splice-request", DFB, px_opt_flag),
	OPT("splice-response", DFB, px_opt_flag),
	OPTU("spop-check", DB, "SPOP health checks are not supported (no SPOE)"),
	OPT("srvtcpka", DB, px_opt_flag),
	OPT("ssl-hello-chk", DB, px_opt_check),
	OPT("tcp-check", DB, px_opt_check),
	OPTI("tcp-smart-accept", DF, "tunes TCP quick-ack behaviour of HAProxy's listeners"),
	OPTI("tcp-smart-connect", DB, "tunes TCP quick-ack behaviour of HAProxy's connections"),
	OPT("tcpka", DFB, px_opt_tcpka),
	OPT("tcplog", DFB, px_opt_log),
	OPTU("transparent", DB, "transparent proxying is not supported"),
	{ { NULL, 0, NULL, NULL }, 0, NULL },
};

/* All "option x" rows are in proxy_kws (kw_lookup handles multi-word
 * names); this class stays empty. */
const struct cfg_kw option_kws[] = { { { NULL, 0, NULL, NULL }, 0, NULL } };

void
px_switch_free(struct px_switch *s)
{
	if (s == NULL)
		return;
	free(s->name);
	lf_free(s->dyn);
	acl_cond_free(s->cond);
	free(s);
}

void px_httpchk_free(struct px_httpchk *h); /* options.c */

#define FREE_VEC(vec, fn)                                   \
	do {                                                \
		for (size_t i_ = 0; i_ < (vec).n; i_++)     \
			fn((vec).v[i_]);                    \
		free((vec).v);                              \
		(vec).v = NULL;                             \
		(vec).n = (vec).cap = 0;                    \
	} while (0)

static void
errmsg_free(struct px_errmsg *m)
{
	free(m->arg);
	free(m);
}

static void
errfiles_free(struct px_errfiles *e)
{
	free(e->name);
	free(e->codes.v);
	free(e);
}

static void
capture_free(struct px_capture *c)
{
	free(c->header);
	free(c);
}

void
proxy_fields_free(struct cfg_proxy *px)
{
	if (px->lb) {
		free(px->lb->param);
		free(px->lb->hdr);
		free(px->lb->rdp_cookie);
		free(px->lb->hash_text);
		smp_expr_free(px->lb->hash_expr);
		free(px->lb);
	}
	free(px->retry_on_status.v);
	free(px->server_state_file_name);
	px_hdr_opt_free(px->forwardfor);
	px_hdr_opt_free(px->originalto);
	free(px->log_format_str);
	lf_free(px->log_format);
	free(px->log_format_sd_str);
	lf_free(px->log_format_sd);
	free(px->error_log_format_str);
	lf_free(px->error_log_format);
	free(px->log_tag);
	free(px->unique_id_format_str);
	lf_free(px->unique_id_format);
	free(px->unique_id_header);
	FREE_VEC(px->errmsgs, errmsg_free);
	FREE_VEC(px->errorfiles, errfiles_free);
	FREE_VEC(px->http_errors, px_rule_free);
	FREE_VEC(px->req_caps, capture_free);
	FREE_VEC(px->res_caps, capture_free);
	free(px->capture_cookie);
	px_cookie_free(px->cookie);
	free(px->dyncookie_key);
	free(px->description);
	free(px->monitor_uri);
	FREE_VEC(px->monitor_fail, acl_cond_free);
	free(px->default_backend);
	free(px->http_send_name_header);
	FREE_VEC(px->tcp_req_conn, px_rule_free);
	FREE_VEC(px->tcp_req_sess, px_rule_free);
	FREE_VEC(px->tcp_req_cont, px_rule_free);
	FREE_VEC(px->tcp_res_cont, px_rule_free);
	FREE_VEC(px->http_req, px_rule_free);
	FREE_VEC(px->http_res, px_rule_free);
	FREE_VEC(px->http_after, px_rule_free);
	FREE_VEC(px->redirects, px_rule_free);
	FREE_VEC(px->use_backends, px_switch_free);
	FREE_VEC(px->use_servers, px_switch_free);
	px_httpchk_free(px->httpchk);
	free(px->smtpchk_helo);
	free(px->smtpchk_domain);
	FREE_VEC(px->http_checks, px_check_rule_free);
	FREE_VEC(px->tcp_checks, px_check_rule_free);
	px_stats_free(px->stats);
	px->stats = NULL;
}

/* ---- resolve pass ------------------------------------------------------ */

static const char *
mode_name(const struct cfg_proxy *px)
{
	return px->mode == PX_MODE_HTTP ? "http" : "tcp";
}

/* Finds the backend a static default_backend/use_backend names and checks
 * modes (cfgparse.c check_config_validity() in 2.6). */
static struct cfg_proxy *
resolve_be(struct cfg *cfg, struct diag *d, struct cfg_proxy *px,
           const char *name, const struct cfg_loc *at, const char *what,
           const char *as)
{
	struct cfg_proxy *be = proxy_find(cfg, name, PX_CAP_BE);
	if (be == NULL) {
		diag_error(d, at, "Proxy '%s': unable to find required %s: '%s'.",
		           px_name(px), what, name);
		return NULL;
	}
	if (be == px) {
		diag_error(d, at, "Proxy '%s': loop detected for %s: '%s'.",
		           px_name(px), what, name);
		return NULL;
	}
	/* a tcp frontend may hand over to an http backend (HTTP upgrade) */
	if (px->mode == PX_MODE_HTTP && be->mode != PX_MODE_HTTP) {
		diag_error(d, at, "%s %s '%s' (%s:%d) tries to use incompatible %s %s '%s' (%s:%d) %s (see 'mode').",
		           mode_name(px), px_type(px), px_name(px), px->loc.file, px->loc.line,
		           mode_name(be), px_type(be), px_name(be), be->loc.file, be->loc.line, as);
		return NULL;
	}
	return be;
}

static const struct cfg_loc *
opt_loc(const struct cfg_proxy *px, int o)
{
	return px->opt_loc[o].line ? &px->opt_loc[o] : &px->loc;
}

/* HAProxy's post-parse warnings for HTTP-only settings of a tcp proxy. */
static void
warn_tcp_mode(struct diag *d, struct cfg_proxy *px)
{
	static const int http_opts[] = {
		PXO_CHECKCACHE, PXO_HTTP_BUFFER_REQUEST, PXO_HTTP_IGNORE_PROBES,
		PXO_IDLE_CLOSE_ON_RESPONSE, PXO_PREFER_LAST_SERVER,
		PXO_ACCEPT_INVALID_HTTP_REQUEST, PXO_ACCEPT_INVALID_HTTP_RESPONSE,
		PXO_HTTP_USE_PROXY_HEADER, PXO_HTTP_PRETEND_KEEPALIVE,
		PXO_DISABLE_H2_UPGRADE,
	};
	const char *t = px_type(px), *nm = px_name(px);
	if (px->monitor_uri && (px->cap & PX_CAP_FE))
		diag_warn(d, &px->monitor_uri_loc, "monitor-uri will be ignored for %s '%s' (needs 'mode http').", t, nm);
	if (px->log_kind == PX_LOG_HTTP || px->log_kind == PX_LOG_HTTP_CLF ||
	    px->log_kind == PX_LOG_HTTPS) {
		diag_warn(d, &px->log_kind_loc, "'option %s' not usable with %s '%s' (needs 'mode http'). Falling back to 'option tcplog'.",
		          px->log_kind == PX_LOG_HTTPS ? "httpslog" : "httplog", t, nm);
		px->log_kind = PX_LOG_TCP;
	}
	if (px->stats)
		diag_warn(d, &px->stats->loc, "'stats' statement ignored for %s '%s' as it requires HTTP mode.", t, nm);
	const struct {
		const char *kw;
		size_t n;
		struct px_rule *const *v;
	} sets[] = {
		{ "http-request", px->http_req.n, px->http_req.v },
		{ "http-response", px->http_res.n, px->http_res.v },
		{ "http-after-response", px->http_after.n, px->http_after.v },
		{ "redirect", px->redirects.n, px->redirects.v },
	};
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		if (sets[i].n)
			diag_warn(d, &sets[i].v[0]->loc, "'%s' rules ignored for %s '%s' as they require HTTP mode.",
			          sets[i].kw, t, nm);
	if (px->forwardfor)
		diag_warn(d, opt_loc(px, PXO_FORWARDFOR), "'option forwardfor' ignored for %s '%s' as it requires HTTP mode.", t, nm);
	if (px->originalto)
		diag_warn(d, opt_loc(px, PXO_ORIGINALTO), "'option originalto' ignored for %s '%s' as it requires HTTP mode.", t, nm);
	for (size_t i = 0; i < ARRAY_SIZE(http_opts); i++)
		if (PX_OPT(px, http_opts[i]))
			diag_warn(d, opt_loc(px, http_opts[i]), "'option %s' ignored for %s '%s' as it requires HTTP mode.",
			          px_opt_name(http_opts[i]), t, nm);
	if ((px->cap & PX_CAP_BE) && px->cookie)
		diag_warn(d, &px->cookie->loc, "cookie will be ignored for %s '%s' (needs 'mode http').", t, nm);
	if ((px->cap & PX_CAP_BE) && px_lb_is_l7(px->lb))
		diag_warn(d, &px->lb->loc, "Layer 7 hash not possible for %s '%s' (needs 'mode http'). Falling back to round robin.", t, nm);
}

static unsigned
rule_uses(const struct px_rule *r)
{
	return (r->cond ? acl_cond_uses(r->cond) : 0) |
	       (r->expr ? smp_expr_uses(r->expr) : 0) |
	       (r->fmt ? lf_uses(r->fmt) : 0) | (r->fmt2 ? lf_uses(r->fmt2) : 0);
}

/* SMP_USES_* of the frontend-side rules: the content-inspection path
 * (tcp-request content, use_backend) when all is false, else every rule
 * set. *first gets the first rule using any of want. */
static unsigned
fe_rules_uses(const struct cfg_proxy *px, bool all, unsigned want,
              const struct cfg_loc **first)
{
	const struct px_rule *const *sets[] = {
		(const struct px_rule *const *)px->tcp_req_cont.v,
		(const struct px_rule *const *)px->tcp_req_sess.v,
		(const struct px_rule *const *)px->http_req.v,
		(const struct px_rule *const *)px->http_res.v,
		(const struct px_rule *const *)px->http_after.v,
		(const struct px_rule *const *)px->redirects.v,
	};
	const size_t counts[] = {
		px->tcp_req_cont.n, px->tcp_req_sess.n, px->http_req.n,
		px->http_res.n, px->http_after.n, px->redirects.n,
	};
	unsigned u = 0;
	*first = NULL;
	for (size_t k = 0; k < (all ? ARRAY_SIZE(sets) : 1); k++)
		for (size_t i = 0; i < counts[k]; i++) {
			unsigned ru = rule_uses(sets[k][i]);
			if ((ru & want) && *first == NULL)
				*first = &sets[k][i]->loc;
			u |= ru;
		}
	for (size_t i = 0; i < px->use_backends.n; i++) {
		const struct px_switch *sw = px->use_backends.v[i];
		unsigned su = (sw->cond ? acl_cond_uses(sw->cond) : 0) |
		              (sw->dyn ? lf_uses(sw->dyn) : 0);
		if ((su & want) && *first == NULL)
			*first = &sw->loc;
		u |= su;
	}
	return u;
}

/* HAProxy's warning for tcp-request content rules reading the raw request
 * (req.ssl_*, req.payload, req.len) in an HTTP proxy, where the buffer
 * holds parsed HTTP. */
static void
warn_l6_in_http(struct diag *d, const struct cfg_proxy *px)
{
	if (px->mode != PX_MODE_HTTP)
		return;
	for (size_t i = 0; i < px->tcp_req_cont.n; i++) {
		const struct px_rule *r = px->tcp_req_cont.v[i];
		if (rule_uses(r) & (SMP_USES_REQ_SSL | SMP_USES_REQ_DATA)) {
			diag_warn(d, &r->loc, "Proxy '%s': L6 sample fetches ignored on HTTP proxies (declared at %s:%d).",
			          px_name(px), r->loc.file, r->loc.line);
			return;
		}
	}
}

/* Footguns sluice reports beyond HAProxy (DESIGN.md, issue "Foundation"). */
static void
warn_footguns(struct diag *d, struct cfg_proxy *px)
{
	const char *t = px_type(px), *nm = px_name(px);
	if (px->cap & PX_CAP_FE) {
		const struct cfg_loc *first, *ssl_first;
		unsigned u = fe_rules_uses(px, false, SMP_USES_REQ_SSL | SMP_USES_REQ_DATA, &first);
		unsigned all = fe_rules_uses(px, true, SMP_USES_SSL_FC, &ssl_first);
		size_t nssl = 0;
		for (size_t i = 0; i < px->binds.n; i++)
			nssl += px->binds.v[i]->ssl;
		bool delay = px->tcp_req_inspect_delay_set && px->tcp_req_inspect_delay > 0;
		if ((u & (SMP_USES_REQ_SSL | SMP_USES_REQ_DATA)) && !delay)
			diag_advise(d, first, "%s '%s' inspects the request payload (req.ssl_*, req.payload, req.len) without 'tcp-request inspect-delay': rules only see what is already received when the connection is accepted, usually nothing, so they will not match.", t, nm);
		if (delay && px->tcp_req_cont.n == 0 && px->mode == PX_MODE_TCP)
			diag_advise(d, &px->tcp_req_inspect_delay_loc, "'tcp-request inspect-delay' in %s '%s' has no 'tcp-request content' rule: without e.g. 'tcp-request content accept if { req.ssl_hello_type 1 }' HAProxy does not wait and only routes correctly while the ClientHello fits in the first packet.", t, nm);
		if ((all & SMP_USES_SSL_FC) && nssl == 0 && px->binds.n > 0)
			diag_advise(d, ssl_first, "%s '%s' uses ssl_fc_*/ssl_c_* fetches but has no 'ssl' bind: TLS is not terminated here, so they never match (use req.ssl_* fetches for passthrough).", t, nm);
		if (px->tcp_req_inspect_delay_set && px->binds.n > 0 && nssl == px->binds.n)
			diag_advise(d, &px->tcp_req_inspect_delay_loc, "'tcp-request inspect-delay' in %s '%s' whose binds all terminate TLS: content is inspected after decryption, req.ssl_* fetches do not apply.", t, nm);
	}
	if ((px->cap & PX_CAP_BE) && px->chk_kind == PX_CHK_SSL_HELLO)
		diag_advise(d, &px->chk_loc, "'option ssl-hello-chk': HAProxy sends a forged SSLv3 ClientHello that current TLS servers reject; sluice sends a real TLS ClientHello and only checks that a ServerHello comes back; prefer 'check-ssl' (a full handshake, with 'check-sni') on the servers.");
}

int
proxies_resolve(struct cfg *cfg, struct diag *d)
{
	int rc = 0;
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		struct cfg_proxy *px = cfg->proxies.v[i];
		const char *t = px_type(px), *nm = px_name(px);

		/* no log-format here in 2.6: "%[...]" is a (missing) name */
		if ((px->cap & PX_CAP_FE) && px->default_backend) {
			px->default_be = resolve_be(cfg, d, px, px->default_backend,
			                            &px->default_backend_loc, "default_backend",
			                            "as its default backend");
			if (px->default_be == NULL)
				rc = -1;
			else if ((px->cap & PX_CAP_BE) && px->servers.n)
				diag_warn(d, &px->default_backend_loc, "In proxy '%s', the 'default_backend' rule always has precedence over the servers, which will never be used.", nm);
		}
		for (size_t k = 0; (px->cap & PX_CAP_FE) && k < px->use_backends.n; k++) {
			struct px_switch *s = px->use_backends.v[k];
			if (s->dyn)
				continue;
			s->be = resolve_be(cfg, d, px, s->name, &s->name_loc, "use_backend",
			                   "in a 'use_backend' rule");
			if (s->be == NULL)
				rc = -1;
		}
		for (size_t k = 0; (px->cap & PX_CAP_BE) && k < px->use_servers.n; k++) {
			struct px_switch *s = px->use_servers.v[k];
			for (size_t j = 0; j < px->servers.n; j++)
				if (px->servers.v[j]->name && strcmp(px->servers.v[j]->name, s->name) == 0)
					s->srv = px->servers.v[j];
			if (s->srv == NULL) {
				diag_error(d, &s->name_loc, "%s '%s' : unable to find server '%s' referenced in a 'use-server' rule.",
				           t, nm, s->name);
				rc = -1;
			}
		}

		if (px->disabled)
			continue;
		const uint32_t *to = px->timeout;
		if (((px->cap & PX_CAP_FE) && !to[PX_TO_CLIENT]) ||
		    ((px->cap & PX_CAP_BE) && px->servers.n &&
		     (!to[PX_TO_CONNECT] ||
		      (!to[PX_TO_SERVER] && (px->mode == PX_MODE_HTTP || !to[PX_TO_TUNNEL])))))
			diag_warn(d, &px->loc, "missing timeouts for %s '%s'. While not properly invalid, you will certainly encounter various problems with such a configuration. To fix this, please ensure that all following timeouts are set to a non-zero value: 'client', 'connect', 'server'.", t, nm);

		if (px->mode == PX_MODE_TCP)
			warn_tcp_mode(d, px);
		if ((px->cap & PX_CAP_BE) && px->http_checks.n && px->chk_kind != PX_CHK_HTTP)
			diag_warn(d, &px->http_checks.v[0]->loc, "%s '%s' uses http-check rules without 'option httpchk', so the rules are ignored.", t, nm);
		if ((px->cap & PX_CAP_BE) && px->tcp_checks.n && px->chk_kind != PX_CHK_TCPCHK)
			diag_warn(d, &px->tcp_checks.v[0]->loc, "%s '%s' uses tcp-check rules without 'option tcp-check', so the rules are ignored.", t, nm);
		warn_footguns(d, px);
		warn_l6_in_http(d, px);
	}
	if (px_refs_resolve(cfg, d) < 0)
		rc = -1;
	return rc;
}
