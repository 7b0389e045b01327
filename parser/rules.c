/* Rule keywords (use_backend, use-server, redirect, tcp-request,
 * tcp-response, http-request, http-response, http-after-response) and
 * the action tables they look their actions up in (reference §1.9).
 * Argument parsing of each action is in actions.c. */
#include "actions.h"
#include "tables.h"

#define DEFN (KW_DEF | KW_NAMED_DEF)
#define A(name, fn) { { name, KW_SUPPORTED, NULL, NULL }, 0, fn }
#define AU(name, note) { { name, KW_UNSUPPORTED, NULL, note }, 0, NULL }
/* parsed and checked, but without effect in sluice: a warning says so */
#define AI(name, fn, note) { { name, KW_IGNORED, NULL, note }, 0, fn }
#define AEND { { NULL, 0, NULL, NULL }, 0, NULL }

static const char no_track[] = "stick tables not supported yet";
static const char no_spoe[] = "SPOE is not supported";
static const char no_resolve[] = "run-time DNS resolution is not supported";
static const char no_cache[] = "the HTTP cache is not supported";
static const char no_lua[] = "Lua is not supported";
static const char no_ot[] = "OpenTracing is not supported";
static const char no_nice[] = "sluice has no task scheduler whose priorities it would change";
static const char no_prio[] = "queued sessions are served in arrival order";

#define TRACK_ROWS \
	AU("track-sc0", no_track), AU("track-sc1", no_track), AU("track-sc2", no_track), \
	AU("sc-inc-gpc", no_track), AU("sc-inc-gpc0", no_track), AU("sc-inc-gpc1", no_track), \
	AU("sc-set-gpt", no_track), AU("sc-set-gpt0", no_track)
#define VAR_ROWS \
	A("set-var", act_var), A("set-var-fmt", act_var), A("unset-var", act_var)
#define L4_ROWS \
	A("set-src", act_expr), A("set-src-port", act_expr), A("set-dst", act_expr), \
	A("set-dst-port", act_expr), A("set-mark", act_int), A("set-tos", act_int), \
	A("silent-drop", act_none)

const struct cfg_kw http_req_action_kws[] = {
	A("add-acl", act_map), A("add-header", act_hdr_fmt), A("allow", act_none),
	A("auth", act_auth), AU("cache-use", no_cache), A("capture", act_capture),
	A("del-acl", act_map), A("del-header", act_del_header), A("del-map", act_map),
	A("deny", act_reply), A("disable-l7-retry", act_none),
	AU("do-resolve", no_resolve), A("early-hint", act_hdr_fmt),
	A("normalize-uri", act_normalize_uri), A("redirect", act_redirect),
	A("reject", act_none), A("replace-header", act_replace_hdr),
	A("replace-path", act_replace_path), A("replace-pathq", act_replace_path),
	A("replace-uri", act_replace_path), A("replace-value", act_replace_hdr),
	A("return", act_reply), AU("send-spoe-group", no_spoe),
	A("set-header", act_hdr_fmt), A("set-log-level", act_int),
	A("set-map", act_map), A("set-method", act_fmt1), AI("set-nice", act_int, no_nice),
	A("set-path", act_fmt1), A("set-pathq", act_fmt1),
	AI("set-priority-class", act_expr, no_prio), AI("set-priority-offset", act_expr, no_prio),
	A("set-query", act_fmt1), A("set-timeout", act_set_timeout),
	A("set-uri", act_fmt1), A("strict-mode", act_strict_mode),
	A("tarpit", act_reply), A("use-service", act_use_service),
	A("wait-for-body", act_wait_for_body),
	A("wait-for-handshake", act_none), AU("ot-group", no_ot), AU("lua.*", no_lua),
	TRACK_ROWS, VAR_ROWS, L4_ROWS,
	AEND,
};

const struct cfg_kw http_res_action_kws[] = {
	A("add-acl", act_map), A("add-header", act_hdr_fmt), A("allow", act_none),
	AU("cache-store", no_cache), A("capture", act_capture),
	A("del-acl", act_map), A("del-header", act_del_header), A("del-map", act_map),
	A("deny", act_reply), A("redirect", act_redirect),
	A("replace-header", act_replace_hdr), A("replace-value", act_replace_hdr),
	A("return", act_reply), AU("send-spoe-group", no_spoe),
	A("set-header", act_hdr_fmt), A("set-log-level", act_int),
	A("set-map", act_map), A("set-mark", act_int), AI("set-nice", act_int, no_nice),
	A("set-status", act_set_status), A("set-tos", act_int),
	A("silent-drop", act_none), A("strict-mode", act_strict_mode),
	A("wait-for-body", act_wait_for_body), AU("ot-group", no_ot), AU("lua.*", no_lua),
	TRACK_ROWS, VAR_ROWS,
	AEND,
};

const struct cfg_kw http_after_action_kws[] = {
	A("add-header", act_hdr_fmt), A("allow", act_none), A("capture", act_capture),
	A("del-header", act_del_header), A("replace-header", act_replace_hdr),
	A("replace-value", act_replace_hdr), A("set-header", act_hdr_fmt),
	A("set-status", act_set_status), A("strict-mode", act_strict_mode),
	AU("ot-group", no_ot), AU("lua.*", no_lua),
	VAR_ROWS,
	AEND,
};

/* tcp-request connection/session/content share a table: HAProxy lists the
 * same actions and refuses some per rule set (tcp_ok() below). */
const struct cfg_kw tcp_req_action_kws[] = {
	A("accept", act_none), A("reject", act_none), A("capture", act_capture),
	A("expect-proxy", act_expect_l4), A("expect-netscaler-cip", act_expect_l4),
	A("set-log-level", act_int), AI("set-nice", act_int, no_nice),
	A("switch-mode", act_switch_mode), A("use-service", act_use_service),
	AU("send-spoe-group", no_spoe), AU("do-resolve", no_resolve),
	AI("set-priority-class", act_expr, no_prio), AI("set-priority-offset", act_expr, no_prio),
	AU("ot-group", no_ot), AU("lua.*", no_lua),
	TRACK_ROWS, VAR_ROWS, L4_ROWS,
	AEND,
};

const struct cfg_kw tcp_res_action_kws[] = {
	A("accept", act_none), A("reject", act_none), A("close", act_none),
	A("set-log-level", act_int), AI("set-nice", act_int, no_nice),
	AU("send-spoe-group", no_spoe), AU("ot-group", no_ot), AU("lua.*", no_lua),
	A("set-mark", act_int), A("set-tos", act_int), A("silent-drop", act_none),
	TRACK_ROWS, VAR_ROWS,
	AEND,
};

/* Action name -> enum px_act and whether it ends evaluation. */
static const struct {
	const char *name;
	enum px_act act;
	bool final;
} act_info[] = {
	{ "accept", PX_ACT_ACCEPT, true }, { "reject", PX_ACT_REJECT, true },
	{ "close", PX_ACT_CLOSE, true }, { "allow", PX_ACT_ALLOW, true },
	{ "deny", PX_ACT_DENY, true }, { "tarpit", PX_ACT_TARPIT, true },
	{ "return", PX_ACT_RETURN, true }, { "auth", PX_ACT_AUTH, true },
	{ "redirect", PX_ACT_REDIRECT, true }, { "silent-drop", PX_ACT_SILENT_DROP, true },
	{ "use-service", PX_ACT_USE_SERVICE, true },
	{ "switch-mode", PX_ACT_SWITCH_MODE, true },
	{ "expect-proxy", PX_ACT_EXPECT_PROXY, false },
	{ "expect-netscaler-cip", PX_ACT_EXPECT_NETSCALER, false },
	{ "capture", PX_ACT_CAPTURE, false }, { "add-header", PX_ACT_ADD_HEADER, false },
	{ "set-header", PX_ACT_SET_HEADER, false }, { "early-hint", PX_ACT_EARLY_HINT, false },
	{ "del-header", PX_ACT_DEL_HEADER, false },
	{ "replace-header", PX_ACT_REPLACE_HEADER, false },
	{ "replace-value", PX_ACT_REPLACE_VALUE, false },
	{ "replace-path", PX_ACT_REPLACE_PATH, false },
	{ "replace-pathq", PX_ACT_REPLACE_PATHQ, false },
	{ "replace-uri", PX_ACT_REPLACE_URI, false }, { "set-path", PX_ACT_SET_PATH, false },
	{ "set-pathq", PX_ACT_SET_PATHQ, false }, { "set-query", PX_ACT_SET_QUERY, false },
	{ "set-uri", PX_ACT_SET_URI, false }, { "set-method", PX_ACT_SET_METHOD, false },
	{ "set-status", PX_ACT_SET_STATUS, false }, { "add-acl", PX_ACT_ADD_ACL, false },
	{ "del-acl", PX_ACT_DEL_ACL, false }, { "del-map", PX_ACT_DEL_MAP, false },
	{ "set-map", PX_ACT_SET_MAP, false }, { "set-var", PX_ACT_SET_VAR, false },
	{ "set-var-fmt", PX_ACT_SET_VAR_FMT, false }, { "unset-var", PX_ACT_UNSET_VAR, false },
	{ "set-src", PX_ACT_SET_SRC, false }, { "set-src-port", PX_ACT_SET_SRC_PORT, false },
	{ "set-dst", PX_ACT_SET_DST, false }, { "set-dst-port", PX_ACT_SET_DST_PORT, false },
	{ "set-priority-class", PX_ACT_SET_PRIORITY_CLASS, false },
	{ "set-priority-offset", PX_ACT_SET_PRIORITY_OFFSET, false },
	{ "set-log-level", PX_ACT_SET_LOG_LEVEL, false }, { "set-mark", PX_ACT_SET_MARK, false },
	{ "set-nice", PX_ACT_SET_NICE, false }, { "set-tos", PX_ACT_SET_TOS, false },
	{ "set-timeout", PX_ACT_SET_TIMEOUT, false }, { "strict-mode", PX_ACT_STRICT_MODE, false },
	{ "disable-l7-retry", PX_ACT_DISABLE_L7_RETRY, false },
	{ "wait-for-handshake", PX_ACT_WAIT_FOR_HANDSHAKE, false },
	{ "wait-for-body", PX_ACT_WAIT_FOR_BODY, false },
	{ "normalize-uri", PX_ACT_NORMALIZE_URI, false },
};

/* HAProxy's lists of valid actions, in its registration order, for the
 * "unknown action" errors (observed on 2.6.12). */
static const char http_req_list[] = "'wait-for-handshake', 'ot-group', 'set-log-level', 'set-nice', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'cache-use', 'add-acl(*)', 'add-header', 'allow', 'auth', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'disable-l7-retry', 'early-hint', 'normalize-uri', 'redirect', 'reject', 'replace-header', 'replace-path', 'replace-pathq', 'replace-uri', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-method', 'set-path', 'set-pathq', 'set-query', 'set-uri', 'strict-mode', 'tarpit', 'track-sc(*)', 'set-timeout', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset'";
static const char http_res_list[] = "'ot-group', 'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'cache-store', 'add-acl(*)', 'add-header', 'allow', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'redirect', 'replace-header', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-status', 'strict-mode', 'track-sc(*)', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-mark', 'set-tos', 'silent-drop'";
static const char http_after_list[] = "'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header', 'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'";
static const char tcp_l4_list[] = "'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop'";
static const char tcp_cont_list[] = "'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', 'ot-group', 'set-log-level', 'set-nice', 'switch-mode', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-src', 'set-src-port', 'set-dst', 'set-dst-port', 'set-mark', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset'";
static const char tcp_res_list[] = "'accept', 'reject', 'close', 'track-sc0' ... 'track-sc2', 'ot-group', 'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-mark', 'set-tos', 'silent-drop'";

unsigned
px_stages(const struct cfg_proxy *px, enum px_ruleset rs)
{
	bool fe = px->cap & (PX_CAP_FE | PX_CAP_DEF);
	bool be = px->cap & (PX_CAP_BE | PX_CAP_DEF);
	switch (rs) {
	case RS_TCP_REQ_CONN: return SMP_STG_TCP_CONN;
	case RS_TCP_REQ_SESS: return SMP_STG_TCP_SESS;
	case RS_TCP_REQ_CONT:
		return (fe ? SMP_STG_FE_TCP_REQ : 0) | (be ? SMP_STG_BE_TCP_REQ : 0);
	case RS_TCP_RES_CONT: return SMP_STG_BE_TCP_RES;
	case RS_HTTP_REQ:
	case RS_REDIRECT:
	case RS_STATS_HTTP_REQ:
		return (fe ? SMP_STG_FE_HTTP_REQ : 0) | (be ? SMP_STG_BE_HTTP_REQ : 0);
	case RS_HTTP_RES:
	case RS_HTTP_ERROR:
		return (fe ? SMP_STG_FE_HTTP_RES : 0) | (be ? SMP_STG_BE_HTTP_RES : 0);
	case RS_HTTP_AFTER: return SMP_STG_HTTP_AFTER;
	}
	return 0;
}

void
px_rule_free(struct px_rule *r)
{
	if (r == NULL)
		return;
	acl_cond_free(r->cond);
	free(r->arg);
	free(r->arg2);
	lf_free(r->fmt);
	lf_free(r->fmt2);
	smp_expr_free(r->expr);
	if (r->re_text) {
		rx_free(r->re);
		free(r->re_text);
	}
	free(r->reason);
	px_reply_free(r->reply);
	if (r->redir) {
		free(r->redir->target);
		lf_free(r->redir->fmt);
		free(r->redir->set_cookie);
		free(r->redir->clear_cookie);
		free(r->redir);
	}
	free(r);
}

/* Finds the row of an action word: "set-var(txn.x)" matches "set-var",
 * "lua.foo" matches "lua.*". */
static const struct cfg_kw *
find_action(const struct cfg_kw *tab, const char *word)
{
	size_t len = strcspn(word, "(");
	for (const struct cfg_kw *r = tab; r->h.name; r++) {
		if (strcmp(r->h.name, "lua.*") == 0) {
			if (strncmp(word, "lua.", 4) == 0)
				return r;
			continue;
		}
		if (strlen(r->h.name) == len && strncmp(r->h.name, word, len) == 0)
			return r;
	}
	return NULL;
}

static const struct cfg_kw *
set_table(enum px_ruleset rs, const char **list)
{
	switch (rs) {
	case RS_HTTP_REQ:
	case RS_STATS_HTTP_REQ:
		*list = http_req_list;
		return http_req_action_kws;
	case RS_HTTP_RES:
		*list = http_res_list;
		return http_res_action_kws;
	case RS_HTTP_AFTER:
		*list = http_after_list;
		return http_after_action_kws;
	case RS_TCP_REQ_CONN:
	case RS_TCP_REQ_SESS:
		*list = tcp_l4_list;
		return tcp_req_action_kws;
	case RS_TCP_REQ_CONT:
		*list = tcp_cont_list;
		return tcp_req_action_kws;
	default:
		*list = tcp_res_list;
		return tcp_res_action_kws;
	}
}

/* Actions of tcp_req_action_kws refused by a given tcp-request set. */
static bool
tcp_ok(enum px_ruleset rs, const char *name)
{
	static const char *const cont_only[] = {
		"capture", "set-log-level", "set-nice", "switch-mode", "use-service",
		"send-spoe-group", "do-resolve", "set-priority-class",
		"set-priority-offset", "ot-group",
	};
	if (rs == RS_TCP_REQ_CONT)
		return strcmp(name, "expect-proxy") != 0 && strcmp(name, "expect-netscaler-cip") != 0;
	if (rs == RS_TCP_REQ_SESS && (strcmp(name, "expect-proxy") == 0 ||
	                              strcmp(name, "expect-netscaler-cip") == 0))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(cont_only); i++)
		if (strcmp(name, cont_only[i]) == 0)
			return false;
	return true;
}

static bool
is_http_set(enum px_ruleset rs)
{
	return rs == RS_HTTP_REQ || rs == RS_HTTP_RES || rs == RS_HTTP_AFTER ||
	       rs == RS_STATS_HTTP_REQ;
}

struct px_rule *
px_action_parse(struct cfg_ctx *cx, enum px_ruleset rs, const char *kwname,
                struct cfg_word *w, int n, int argi, unsigned stages)
{
	const char *list;
	const struct cfg_kw *tab = set_table(rs, &list);
	const struct cfg_kw *row = argi < n ? find_action(tab, w[argi].s) : NULL;
	if (row == NULL) {
		struct cfg_word *at = argi < n ? &w[argi] : px_last(w, n);
		if (is_http_set(rs))
			cx_error(cx, at, "'%s' expects %s, but got '%s'%s.", kwname, list,
			         argi < n ? w[argi].s : "", argi < n ? "" : " (missing argument)");
		else
			cx_error(cx, at, "'%s' expects %s in %s '%s' (got '%s').", kwname, list,
			         px_type(cx->px), px_name(cx->px), argi < n ? w[argi].s : "");
		return NULL;
	}
	if (row->h.status == KW_UNSUPPORTED) {
		cx_error(cx, &w[argi], "'%s %s' is not supported by sluice: %s", kwname,
		         w[argi].s, row->h.note);
		return NULL;
	}
	if (row->h.status == KW_IGNORED)
		cx_warn(cx, &w[argi], "'%s %s' is ignored by sluice: %s", kwname, w[argi].s,
		        row->h.note);
	if (!is_http_set(rs) && tab == tcp_req_action_kws && !tcp_ok(rs, row->h.name)) {
		cx_error(cx, &w[argi], "'%s %s' is not allowed in '%s' rules in %s '%s'",
		         row->h.name, argi + 1 < n ? w[argi + 1].s : "", kwname,
		         px_type(cx->px), px_name(cx->px));
		return NULL;
	}
	struct px_rule *r = xcalloc(1, sizeof(*r));
	r->set = rs;
	r->name = row->h.name;
	r->loc = w[0].loc;
	for (size_t i = 0; i < ARRAY_SIZE(act_info); i++)
		if (strcmp(act_info[i].name, row->h.name) == 0) {
			r->act = act_info[i].act;
			r->final = act_info[i].final;
		}
	void *saved = cx->user;
	cx->user = r;
	act_cur_word = w[argi].s;
	int next = row->parse(cx, row, w, n, argi + 1);
	act_cur_word = NULL;
	cx->user = saved;
	if (next < 0)
		goto fail;
	char *kwact = xasprintf("%s %s", kwname, row->h.name);
	int rc = acl_cond_parse(cx, w, n, next, stages, kwact, &r->cond);
	free(kwact);
	if (rc < 0)
		goto fail;
	return r;
fail:
	px_rule_free(r);
	return NULL;
}

/* HAProxy's warnif_misplaced_* chain: rules placed after a later stage. */
static bool
warn_after(struct cfg_ctx *cx, struct cfg_word *w, const char *what,
           const char *after, bool cond)
{
	if (cond)
		cx_warn(cx, &w[0], "a '%s' rule placed after %s rule will still be processed before.", what, after);
	return cond;
}

static void
warn_misplaced(struct cfg_ctx *cx, struct cfg_word *w, const char *what,
               enum px_ruleset rs)
{
	struct cfg_proxy *px = cx->px;
	/* from the latest stage back, stop at the first warning */
	if (rs == RS_TCP_REQ_CONN &&
	    warn_after(cx, w, what, "a 'tcp-request session'", px->tcp_req_sess.n))
		return;
	if ((rs == RS_TCP_REQ_CONN || rs == RS_TCP_REQ_SESS) &&
	    warn_after(cx, w, what, "a 'tcp-request content'", px->tcp_req_cont.n))
		return;
	if ((rs == RS_TCP_REQ_CONN || rs == RS_TCP_REQ_SESS || rs == RS_TCP_REQ_CONT) &&
	    warn_after(cx, w, what, "a 'monitor fail'", px->monitor_fail.n))
		return;
	if (rs != RS_HTTP_REQ && rs != RS_REDIRECT &&
	    warn_after(cx, w, what, "an 'http-request'", px->http_req.n))
		return;
	if (rs != RS_REDIRECT &&
	    warn_after(cx, w, what, "a 'redirect'", px->redirects.n))
		return;
	if (warn_after(cx, w, what, "a 'use_backend'", px->use_backends.n))
		return;
	warn_after(cx, w, what, "a 'use-server'", px->use_servers.n);
}

static void
push_rule(struct cfg_proxy *px, struct px_rule *r)
{
	switch (r->set) {
	case RS_TCP_REQ_CONN: VEC_PUSH(px->tcp_req_conn, r); break;
	case RS_TCP_REQ_SESS: VEC_PUSH(px->tcp_req_sess, r); break;
	case RS_TCP_REQ_CONT: VEC_PUSH(px->tcp_req_cont, r); break;
	case RS_TCP_RES_CONT: VEC_PUSH(px->tcp_res_cont, r); break;
	case RS_HTTP_REQ: VEC_PUSH(px->http_req, r); break;
	case RS_HTTP_RES: VEC_PUSH(px->http_res, r); break;
	case RS_HTTP_AFTER: VEC_PUSH(px->http_after, r); break;
	case RS_REDIRECT: VEC_PUSH(px->redirects, r); break;
	default: px_rule_free(r); break;
	}
}

/* http-request / http-response / http-after-response <action> ... */
static PX_HANDLER(kw_http_rule)
{
	struct cfg_proxy *px = cx->px;
	enum px_ruleset rs = strcmp(kw->h.name, "http-request") == 0 ? RS_HTTP_REQ :
	                     strcmp(kw->h.name, "http-response") == 0 ? RS_HTTP_RES : RS_HTTP_AFTER;
	struct px_rule *prev = NULL;
	if (rs == RS_HTTP_REQ && px->http_req.n)
		prev = px->http_req.v[px->http_req.n - 1];
	else if (rs == RS_HTTP_RES && px->http_res.n)
		prev = px->http_res.v[px->http_res.n - 1];
	else if (rs == RS_HTTP_AFTER && px->http_after.n)
		prev = px->http_after.v[px->http_after.n - 1];
	if (prev && prev->cond == NULL && prev->final)
		cx_warn(cx, &w[0], "previous '%s' action is final and has no condition attached, further entries are NOOP.", kw->h.name);
	struct px_rule *r = px_action_parse(cx, rs, kw->h.name, w, n, argi, px_stages(px, rs));
	if (r == NULL)
		return -1;
	if (rs == RS_HTTP_REQ)
		warn_misplaced(cx, w, kw->h.name, rs);
	push_rule(px, r);
	return 0;
}

/* tcp-request connection|session|content <action> ... and
 * tcp-response content <action> ... */
static PX_HANDLER(kw_tcp_rule)
{
	struct cfg_proxy *px = cx->px;
	enum px_ruleset rs = strcmp(kw->h.name, "tcp-request connection") == 0 ? RS_TCP_REQ_CONN :
	                     strcmp(kw->h.name, "tcp-request session") == 0 ? RS_TCP_REQ_SESS :
	                     strcmp(kw->h.name, "tcp-request content") == 0 ? RS_TCP_REQ_CONT :
	                     RS_TCP_RES_CONT;
	if (rs == RS_TCP_RES_CONT && (px->cap & PX_CAP_FE) && !(px->cap & PX_CAP_BE)) {
		cx_error(cx, &w[0], "tcp-response content is only allowed in 'backend' sections or 'defaults' section with a name");
		return -1;
	}
	struct px_rule *r = px_action_parse(cx, rs, kw->h.name, w, n, argi, px_stages(px, rs));
	if (r == NULL)
		return -1;
	if (rs != RS_TCP_RES_CONT) /* HAProxy names the rule by its first word */
		warn_misplaced(cx, w, w[0].s, rs);
	push_rule(px, r);
	return 0;
}

/* tcp-request inspect-delay <time> / tcp-response inspect-delay <time> */
static PX_HANDLER(kw_inspect_delay)
{
	struct cfg_proxy *px = cx->px;
	bool req = strncmp(kw->h.name, "tcp-request", 11) == 0;
	if (!req && (px->cap & PX_CAP_FE) && !(px->cap & PX_CAP_BE)) {
		cx_error(cx, &w[0], "tcp-response inspect-delay is only allowed in 'backend' sections or 'defaults' section with a name");
		return -1;
	}
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'%s' expects a positive delay in milliseconds, in %s '%s'",
		         kw->h.name, px_type(px), px_name(px));
		return -1;
	}
	uint32_t ms;
	const char *end;
	switch (px_time_ms(cx, &w[argi], &ms, &end)) {
	case ARG_TIME_OK:
		break;
	case ARG_TIME_OVERFLOW:
		cx_error(cx, &w[argi], "'%s' expects a positive delay in milliseconds, in %s '%s' (timer overflow in '%s', maximum value is 2147483647 ms or ~24.8 days)",
		         kw->h.name, px_type(px), px_name(px), w[argi].s);
		return -1;
	default:
		cx_error_at(cx, &w[argi], (size_t)(end - w[argi].s),
		            "'%s' expects a positive delay in milliseconds, in %s '%s' (unexpected character '%c')",
		            kw->h.name, px_type(px), px_name(px), *end);
		return -1;
	}
	if (req) {
		px->tcp_req_inspect_delay = ms;
		px->tcp_req_inspect_delay_set = true;
		px->tcp_req_inspect_delay_loc = w[0].loc;
	} else {
		px->tcp_res_inspect_delay = ms;
		px->tcp_res_inspect_delay_set = true;
	}
	return 0;
}

static PX_HANDLER(kw_tcp_bare)
{
	bool req = strcmp(kw->h.name, "tcp-request") == 0;
	cx_error(cx, argi < n ? &w[argi] : px_last(w, n),
	         req ? "'%s' expects 'inspect-delay', 'connection', or 'content' in %s '%s' (got '%s')" :
	               "'%s' expects 'inspect-delay' or 'content' in %s '%s' (got '%s')",
	         kw->h.name, px_type(cx->px), px_name(cx->px), argi < n ? w[argi].s : "");
	return -1;
}

/* use_backend <name|fmt> [if|unless <cond>] */
static PX_HANDLER(kw_use_backend)
{
	struct cfg_proxy *px = cx->px;
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'%s' expects a backend name.", kw->h.name);
		return -1;
	}
	if (argi + 1 < n && !px_eq(&w[argi + 1], "if") && !px_eq(&w[argi + 1], "unless")) {
		cx_error(cx, &w[argi + 1], "unexpected keyword '%s' after switching rule, only 'if' and 'unless' are allowed.", w[argi + 1].s);
		return -1;
	}
	struct px_switch *s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(w[argi].s);
	s->loc = w[0].loc;
	s->name_loc = w[argi].loc;
	if (strchr(s->name, '%') && px_lf(cx, &w[argi], SMP_STG_SWITCH, &s->dyn) < 0)
		goto fail;
	if (acl_cond_parse(cx, w, n, argi + 1, SMP_STG_SWITCH, "use_backend", &s->cond) < 0)
		goto fail;
	VEC_PUSH(px->use_backends, s);
	return 0;
fail:
	px_switch_free(s);
	return -1;
}

/* use-server <server> if|unless <cond> */
static PX_HANDLER(kw_use_server)
{
	struct cfg_proxy *px = cx->px;
	if (argi >= n) {
		cx_error(cx, px_last(w, n), "'%s' expects a server name.", kw->h.name);
		return -1;
	}
	if (argi + 1 >= n || (!px_eq(&w[argi + 1], "if") && !px_eq(&w[argi + 1], "unless"))) {
		cx_error(cx, argi + 1 < n ? &w[argi + 1] : px_last(w, n),
		         "'%s' requires either 'if' or 'unless' followed by a condition.", kw->h.name);
		return -1;
	}
	struct px_switch *s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(w[argi].s);
	s->loc = w[0].loc;
	s->name_loc = w[argi].loc;
	if (acl_cond_parse(cx, w, n, argi + 1, SMP_STG_USE_SERVER, "use-server", &s->cond) < 0) {
		px_switch_free(s);
		return -1;
	}
	VEC_PUSH(px->use_servers, s);
	return 0;
}

/* redirect location|prefix|scheme ... [if|unless <cond>] */
static PX_HANDLER(kw_redirect)
{
	struct cfg_proxy *px = cx->px;
	struct px_rule *r = xcalloc(1, sizeof(*r));
	r->set = RS_REDIRECT;
	r->act = PX_ACT_REDIRECT;
	r->name = "redirect";
	r->final = true;
	r->loc = w[0].loc;
	void *saved = cx->user;
	cx->user = r;
	int next = act_redirect_args(cx, w, n, argi, &r->redir, false);
	cx->user = saved;
	if (next < 0 ||
	    acl_cond_parse(cx, w, n, next, px_stages(px, RS_REDIRECT), "redirect", &r->cond) < 0) {
		px_rule_free(r);
		return -1;
	}
	VEC_PUSH(px->redirects, r);
	warn_misplaced(cx, w, "redirect", RS_REDIRECT);
	return 0;
}

#define S(name, usage, where, fn) { { name, KW_SUPPORTED, usage, NULL }, where, fn }
const struct cfg_kw rule_kws[] = {
	S("use_backend", "<backend>|<fmt> [if|unless <cond>]", KW_FE, kw_use_backend),
	S("use-server", "<server> if|unless <cond>", KW_BE, kw_use_server),
	S("redirect", "location|prefix|scheme <to> [code <c>] [<option>...] [if|unless <cond>]", KW_FE | KW_BE, kw_redirect),
	S("http-request", "<action> [<args>] [if|unless <cond>]", DEFN | KW_FE | KW_BE, kw_http_rule),
	S("http-response", "<action> [<args>] [if|unless <cond>]", DEFN | KW_FE | KW_BE, kw_http_rule),
	S("http-after-response", "<action> [<args>] [if|unless <cond>]", DEFN | KW_FE | KW_BE, kw_http_rule),
	S("tcp-request", "connection|session|content|inspect-delay ...", DEFN | KW_FE | KW_BE, kw_tcp_bare),
	S("tcp-request connection", "<action> [if|unless <cond>]", DEFN | KW_FE, kw_tcp_rule),
	S("tcp-request session", "<action> [if|unless <cond>]", DEFN | KW_FE, kw_tcp_rule),
	S("tcp-request content", "<action> [if|unless <cond>]", DEFN | KW_FE | KW_BE, kw_tcp_rule),
	S("tcp-request inspect-delay", "<time>", DEFN | KW_FE | KW_BE, kw_inspect_delay),
	S("tcp-response", "content|inspect-delay ...", DEFN | KW_BE, kw_tcp_bare),
	S("tcp-response content", "<action> [if|unless <cond>]", DEFN | KW_BE, kw_tcp_rule),
	S("tcp-response inspect-delay", "<time>", DEFN | KW_BE, kw_inspect_delay),
	{ { NULL, 0, NULL, NULL }, 0, NULL },
};

/* http-error status <code> [content-type <t>] [payload] [hdr <n> <fmt>]* */
PX_HANDLER(px_kw_http_error)
{
	struct cfg_proxy *px = cx->px;
	if (argi >= n || !px_eq(&w[argi], "status")) {
		cx_error(cx, argi < n ? &w[argi] : px_last(w, n), "http-error : expects at least a <status> as arguments.");
		return -1;
	}
	if (argi + 1 >= n) {
		cx_error(cx, &w[argi], "http-error : 'status' expects <status_code> as argument");
		return -1;
	}
	struct px_rule *r = xcalloc(1, sizeof(*r));
	r->set = RS_HTTP_ERROR;
	r->act = PX_ACT_RETURN;
	r->name = "status";
	r->loc = w[0].loc;
	r->reply = xcalloc(1, sizeof(*r->reply));
	/* atoi() in HAProxy, which prints the value it read */
	bool strict;
	long long lv = px_atol(w[argi + 1].s, &strict);
	int code = lv < 0 || lv > 999 ? 0 : (int)lv;
	static const int codes[] = { 200, 400, 401, 403, 404, 405, 407, 408, 410,
	                             413, 425, 429, 500, 501, 502, 503, 504 };
	size_t k;
	for (k = 0; k < ARRAY_SIZE(codes); k++)
		if (codes[k] == code)
			break;
	if (k == ARRAY_SIZE(codes)) {
		cx_error(cx, &w[argi + 1], "http-error : Unexpected status code '%d'", code);
		px_rule_free(r);
		return -1;
	}
	if (!strict)
		px_warn_lenient(cx, &w[argi + 1], "http-error status", lv);
	r->reply->status = code;
	void *saved = cx->user;
	cx->user = r;
	int next = act_reply_opts(cx, w, n, argi + 2, r->reply, false);
	cx->user = saved;
	if (next < 0) {
		px_rule_free(r);
		return -1;
	}
	if (next < n) {
		cx_error(cx, &w[next], "http-error : unexpected argument '%s'.", w[next].s);
		px_rule_free(r);
		return -1;
	}
	VEC_PUSH(px->http_errors, r);
	return 0;
}
