/* "stats" keywords inside proxies (the stats page; reference §1.9, §5.1).
 * Texts from 2.6's cfgparse-listen.c. Any stats keyword creates px->stats
 * (HAProxy's uri_auth) which enables the page. */
#include <ctype.h>

#include "px_int.h"
#include "tables.h"

void
px_stats_free(struct px_stats *s)
{
	if (s == NULL)
		return;
	free(s->uri);
	free(s->realm);
	for (size_t i = 0; i < s->auth.n; i++)
		free(s->auth.v[i]);
	free(s->auth.v);
	for (size_t i = 0; i < s->scope.n; i++)
		free(s->scope.v[i]);
	free(s->scope.v);
	free(s->node);
	free(s->desc);
	for (size_t i = 0; i < s->admin.n; i++)
		acl_cond_free(s->admin.v[i]);
	free(s->admin.v);
	for (size_t i = 0; i < s->http_req.n; i++)
		px_rule_free(s->http_req.v[i]);
	free(s->http_req.v);
	free(s);
}

static struct px_stats *
stats_get(struct cfg_ctx *cx, struct cfg_word *w)
{
	struct cfg_proxy *px = cx->px;
	if (px->stats == NULL) {
		px->stats = xcalloc(1, sizeof(*px->stats));
		px->stats->uri = xstrdup("/haproxy?stats");
		px->stats->realm = xstrdup("HAProxy Statistics");
		px->stats->loc = w[0].loc;
	}
	px->stats->enabled = true;
	return px->stats;
}

static const char expects[] = "expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.";

static PX_HANDLER(kw_stats_bare)
{
	if (argi >= n)
		cx_error(cx, px_last(w, n), "missing keyword in 'stats', %s", expects);
	else
		cx_error(cx, &w[argi], "unknown stats parameter '%s', %s", w[argi].s, expects);
	return -1;
}

static PX_HANDLER(kw_stats)
{
	const char *sub = kw->h.name + 6;
	struct px_stats *s;

	if (!strcmp(sub, "admin")) {
		if (argi >= n || (!px_eq(&w[argi], "if") && !px_eq(&w[argi], "unless"))) {
			cx_error(cx, argi < n ? &w[argi] : px_last(w, n),
			         "'stats admin' requires either 'if' or 'unless' followed by a condition.");
			return -1;
		}
		struct acl_cond *c = NULL;
		if (acl_cond_parse(cx, w, n, argi, px_stages(cx->px, RS_STATS_HTTP_REQ), "stats admin", &c) < 0)
			return -1;
		s = stats_get(cx, w);
		VEC_PUSH(s->admin, c);
		return 0;
	}
	if (!strcmp(sub, "http-request")) {
		s = stats_get(cx, w);
		if (s->http_req.n && s->http_req.v[s->http_req.n - 1]->cond == NULL)
			cx_warn(cx, &w[0], "previous 'stats' action has no condition attached, further entries are NOOP.");
		/* only allow, deny and auth exist for stats http-request */
		if (argi < n && !px_eq(&w[argi], "allow") && !px_eq(&w[argi], "deny") &&
		    !px_eq(&w[argi], "auth")) {
			cx_error(cx, &w[argi], "'stats http-request' expects 'allow', 'deny', 'auth', but got '%s'.", w[argi].s);
			return -1;
		}
		struct px_rule *r = px_action_parse(cx, RS_STATS_HTTP_REQ, "stats http-request", w, n, argi,
		                                    px_stages(cx->px, RS_STATS_HTTP_REQ));
		if (r == NULL)
			return -1;
		VEC_PUSH(s->http_req, r);
		return 0;
	}
	if (!strcmp(sub, "uri") || !strcmp(sub, "realm") || !strcmp(sub, "auth") ||
	    !strcmp(sub, "scope")) {
		if (argi >= n) {
			cx_error(cx, px_last(w, n), "'%s' needs %s.", sub,
			         !strcmp(sub, "uri") ? "an URI prefix" : !strcmp(sub, "realm") ? "an realm name" :
			         !strcmp(sub, "auth") ? "a user:password account" : "a proxy name");
			return -1;
		}
		s = stats_get(cx, w);
		if (!strcmp(sub, "uri"))
			arg_set_str(&s->uri, w[argi].s);
		else if (!strcmp(sub, "realm"))
			arg_set_str(&s->realm, w[argi].s);
		else if (!strcmp(sub, "auth")) {
			if (!strchr(w[argi].s, ':')) {
				/* HAProxy accepts it and the account never matches */
				cx_warn(cx, &w[argi], "'stats auth' account '%s' has no ':' and will never match.", w[argi].s);
			}
			VEC_PUSH(s->auth, xstrdup(w[argi].s));
		} else
			VEC_PUSH(s->scope, xstrdup(w[argi].s));
		return 0;
	}
	if (!strcmp(sub, "refresh")) {
		uint32_t sec;
		if (argi >= n) {
			cx_error(cx, px_last(w, n), "unexpected character '' in argument to stats refresh interval.");
			return -1;
		}
		const char *end;
		switch (px_time_s(w[argi].s, &sec, &end)) {
		case ARG_TIME_OK:
			break;
		case ARG_TIME_TRAILING:
			arg_time_warn_trailing(cx, &w[argi], end);
			break;
		case ARG_TIME_OVERFLOW:
			cx_error(cx, &w[argi], "timer overflow in argument <%s> to stats refresh interval, maximum value is 2147483647 s (~68 years).",
			         w[argi].s);
			return -1;
		default:
			cx_error_at(cx, &w[argi], (size_t)(end - w[argi].s),
			            "unexpected character '%c' in argument to stats refresh interval.", *end);
			return -1;
		}
		s = stats_get(cx, w);
		s->refresh = sec;
		return 0;
	}
	if (!strcmp(sub, "show-node")) {
		if (argi < n) {
			const char *p = w[argi].s;
			for (; *p; p++)
				if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
					break;
			if (*p || !*w[argi].s) {
				cx_error(cx, &w[argi], "'stats show-node' invalid node name - should be a stringwith digits(0-9), letters(A-Z, a-z), hyphen(-) or underscode(_).");
				return -1;
			}
		}
		s = stats_get(cx, w);
		s->flags |= PX_STATS_SHNODE;
		if (argi < n)
			arg_set_str(&s->node, w[argi].s);
		return 0;
	}
	if (!strcmp(sub, "show-desc")) {
		s = stats_get(cx, w);
		s->flags |= PX_STATS_SHDESC;
		if (argi < n) {
			free(s->desc);
			s->desc = px_join(w, n, argi);
		}
		return 0;
	}
	s = stats_get(cx, w);
	if (!strcmp(sub, "hide-version"))
		s->flags |= PX_STATS_HIDEVER;
	else if (!strcmp(sub, "show-legends"))
		s->flags |= PX_STATS_SHLGNDS;
	else if (!strcmp(sub, "show-modules"))
		s->flags |= PX_STATS_SHMODULES;
	/* "stats enable": stats_get() did it */
	return 0;
}

#define T(name, usage, where) { { name, KW_SUPPORTED, usage, NULL }, where, kw_stats }
#define DFB (KW_DEF | KW_FE | KW_BE)
const struct cfg_kw stats_kws[] = {
	{ { "stats", KW_SUPPORTED, "<keyword> [<args>]", NULL }, DFB, kw_stats_bare },
	T("stats enable", "", DFB),
	T("stats uri", "<prefix>", DFB),
	T("stats realm", "<realm>", DFB),
	T("stats auth", "<user>:<passwd>", DFB),
	T("stats refresh", "<delay>", DFB),
	T("stats scope", "<name>|.", DFB),
	T("stats hide-version", "", DFB),
	T("stats show-legends", "", DFB),
	T("stats show-modules", "", DFB),
	T("stats show-node", "[<name>]", DFB),
	T("stats show-desc", "[<description>]", DFB),
	T("stats admin", "if|unless <cond>", KW_FE | KW_BE),
	T("stats http-request", "allow|deny|auth [realm <realm>] [if|unless <cond>]", KW_FE | KW_BE),
	{ { NULL, 0, NULL, NULL }, 0, NULL },
};
