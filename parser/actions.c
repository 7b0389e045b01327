/* Actions of tcp-request/tcp-response/http-request/http-response/
 * http-after-response rules (reference §1.9): one row per action in the
 * tables of rules.c, whose handler fills the struct px_rule that cx->user
 * points to. Action handlers get argi = the first word after the action
 * word and return the index of the first word they did not consume (the
 * condition, if any), or -1 after reporting. */
#include <ctype.h>

#include "px_int.h"
#include "actions.h"
#include "global.h"

/* Errors inside an action: HAProxy's "error detected in <type> '<name>'
 * while parsing '<kw> <action>' rule : <text>." */
/* The action word being parsed ("set-var(txn.x)"), for act_err(). */
const char *act_cur_word;

void
act_err(struct cfg_ctx *cx, const struct cfg_word *at, const char *fmt, ...)
{
	struct px_rule *r = cx->user;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	cx_error(cx, at, "error detected in %s '%s' while parsing '%s %s' rule : %s.",
	         px_type(cx->px), px_name(cx->px), act_set_name(r->set),
	         act_cur_word ? act_cur_word : r->name, msg);
	free(msg);
}

const char *
act_set_name(enum px_ruleset rs)
{
	switch (rs) {
	case RS_TCP_REQ_CONN: return "tcp-request connection";
	case RS_TCP_REQ_SESS: return "tcp-request session";
	case RS_TCP_REQ_CONT: return "tcp-request content";
	case RS_TCP_RES_CONT: return "tcp-response content";
	case RS_HTTP_REQ: return "http-request";
	case RS_HTTP_RES: return "http-response";
	case RS_HTTP_AFTER: return "http-after-response";
	case RS_REDIRECT: return "redirect";
	case RS_STATS_HTTP_REQ: return "stats http-request";
	case RS_HTTP_ERROR: return "http-error";
	}
	return "";
}

static struct px_rule *
R(struct cfg_ctx *cx)
{
	return cx->user;
}

static unsigned
stg(struct cfg_ctx *cx)
{
	return px_stages(cx->px, R(cx)->set);
}

/* Exactly k arguments before an optional condition. */
static int
need_exact(struct cfg_ctx *cx, struct cfg_word *w, int n, int argi, int k)
{
	int have = 0;
	for (int i = argi; i < n && !px_eq(&w[i], "if") && !px_eq(&w[i], "unless"); i++)
		have++;
	if (have != k) {
		act_err(cx, have < k ? px_last(w, n) : &w[argi + k],
		        "expects exactly %d argument%s", k, k > 1 ? "s" : "");
		return -1;
	}
	return 0;
}

/* The parenthesised argument of "set-var(x)" style action words. */
static char *
paren_arg(struct cfg_ctx *cx, struct cfg_word *aw)
{
	const char *p = strchr(aw->s, '(');
	const char *e = p ? strrchr(p, ')') : NULL;
	if (p == NULL || e == NULL || e == p + 1 || e[1]) {
		act_err(cx, aw, "missing or invalid argument in '%s'", aw->s);
		return NULL;
	}
	return xstrndup(p + 1, (size_t)(e - p - 1));
}

int
act_regex(struct cfg_ctx *cx, struct cfg_word *at, struct px_rule *r)
{
	char *err = NULL;
	r->re = rx_compile(at->s, false, &err);
	if (r->re == NULL) {
		act_err(cx, at, "failed to parse the regex : %s", err);
		free(err);
		return -1;
	}
	r->re_text = xstrdup(at->s);
	return 0;
}

/* accept, reject, allow, silent-drop, ...: no argument */
ACT_HANDLER(act_none)
{
	return argi;
}

/* add-header/set-header/early-hint <name> <fmt> */
ACT_HANDLER(act_hdr_fmt)
{
	struct px_rule *r = R(cx);
	if (need_exact(cx, w, n, argi, 2) < 0)
		return -1;
	r->arg = xstrdup(w[argi].s);
	if (px_lf(cx, &w[argi + 1], stg(cx), &r->fmt) < 0)
		return -1;
	return argi + 2;
}

/* del-header <name> [-m str|beg|end|sub|reg] */
ACT_HANDLER(act_del_header)
{
	static const char *const m[] = { "str", "beg", "end", "sub", "reg" };
	struct px_rule *r = R(cx);
	if (argi >= n || px_eq(&w[argi], "if") || px_eq(&w[argi], "unless")) {
		act_err(cx, px_last(w, n), "expects at least 1 argument");
		return -1;
	}
	r->arg = xstrdup(w[argi].s);
	int i = argi + 1;
	if (i < n && px_eq(&w[i], "-m")) {
		size_t k = ARRAY_SIZE(m);
		if (i + 1 < n)
			for (k = 0; k < ARRAY_SIZE(m); k++)
				if (px_eq(&w[i + 1], m[k]))
					break;
		if (k == ARRAY_SIZE(m)) {
			act_err(cx, i + 1 < n ? &w[i + 1] : &w[i], "-m flag expects exactly 1 argument");
			return -1;
		}
		r->match = (int)k;
		if (k == 4 && act_regex(cx, &w[argi], r) < 0)
			return -1;
		i += 2;
	}
	return i;
}

/* replace-header/replace-value <name> <regex> <fmt> */
ACT_HANDLER(act_replace_hdr)
{
	struct px_rule *r = R(cx);
	if (need_exact(cx, w, n, argi, 3) < 0)
		return -1;
	r->arg = xstrdup(w[argi].s);
	if (act_regex(cx, &w[argi + 1], r) < 0 ||
	    px_lf(cx, &w[argi + 2], stg(cx), &r->fmt) < 0)
		return -1;
	return argi + 3;
}

/* replace-path/replace-pathq/replace-uri <regex> <fmt> */
ACT_HANDLER(act_replace_path)
{
	struct px_rule *r = R(cx);
	if (need_exact(cx, w, n, argi, 2) < 0)
		return -1;
	if (act_regex(cx, &w[argi], r) < 0 ||
	    px_lf(cx, &w[argi + 1], stg(cx), &r->fmt) < 0)
		return -1;
	return argi + 2;
}

/* set-path/set-pathq/set-query/set-uri/set-method <fmt> */
ACT_HANDLER(act_fmt1)
{
	struct px_rule *r = R(cx);
	if (need_exact(cx, w, n, argi, 1) < 0)
		return -1;
	if (px_lf(cx, &w[argi], stg(cx), &r->fmt) < 0)
		return -1;
	return argi + 1;
}

/* add-acl(<file>)/del-acl(<file>)/del-map(<file>) <fmt>;
 * set-map(<file>) <key fmt> <value fmt> */
ACT_HANDLER(act_map)
{
	struct px_rule *r = R(cx);
	struct cfg_word *aw = &w[argi - 1];
	r->arg = paren_arg(cx, aw);
	if (r->arg == NULL)
		return -1;
	int k = r->act == PX_ACT_SET_MAP ? 2 : 1;
	if (need_exact(cx, w, n, argi, k) < 0)
		return -1;
	if (px_lf(cx, &w[argi], stg(cx), &r->fmt) < 0)
		return -1;
	if (k == 2 && px_lf(cx, &w[argi + 1], stg(cx), &r->fmt2) < 0)
		return -1;
	return argi + k;
}

static bool
var_name_ok(const char *v)
{
	static const char *const scopes[] = { "proc.", "sess.", "txn.", "req.", "res.", "check." };
	for (size_t i = 0; i < ARRAY_SIZE(scopes); i++) {
		size_t l = strlen(scopes[i]);
		if (strncmp(v, scopes[i], l) == 0 && v[l]) {
			for (const char *p = v + l; *p; p++)
				if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
					return false;
			return true;
		}
	}
	return false;
}

/* set-var(<name>[,<cond>...]) <expr> / set-var-fmt(<name>) <fmt> /
 * unset-var(<name>) */
ACT_HANDLER(act_var)
{
	struct px_rule *r = R(cx);
	struct cfg_word *aw = &w[argi - 1];
	char *inside = paren_arg(cx, aw);
	if (inside == NULL)
		return -1;
	char *comma = strchr(inside, ',');
	if (comma) {
		r->arg2 = xstrdup(comma + 1);
		*comma = '\0';
	}
	r->arg = inside;
	if (!var_name_ok(r->arg)) {
		act_err(cx, aw, "invalid variable name '%s'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'", r->arg);
		return -1;
	}
	if (r->act == PX_ACT_UNSET_VAR)
		return argi;
	if (argi >= n || px_eq(&w[argi], "if") || px_eq(&w[argi], "unless")) {
		act_err(cx, px_last(w, n), r->act == PX_ACT_SET_VAR ? "missing fetch method" : "missing format");
		return -1;
	}
	if (r->act == PX_ACT_SET_VAR_FMT) {
		if (px_lf(cx, &w[argi], stg(cx), &r->fmt) < 0)
			return -1;
		return argi + 1;
	}
	const char *end = NULL;
	r->expr = smp_expr_parse(cx, &w[argi], 0, &end, stg(cx));
	return r->expr ? argi + 1 : -1;
}

/* set-src/set-dst[-port], set-priority-class/offset <expr> */
ACT_HANDLER(act_expr)
{
	struct px_rule *r = R(cx);
	if (argi >= n || px_eq(&w[argi], "if") || px_eq(&w[argi], "unless")) {
		act_err(cx, px_last(w, n), "expects exactly 1 argument <expr>");
		return -1;
	}
	const char *end = NULL;
	r->expr = smp_expr_parse(cx, &w[argi], 0, &end, stg(cx));
	return r->expr ? argi + 1 : -1;
}

/* capture <sample> [len <n> | id <n>] */
ACT_HANDLER(act_capture)
{
	struct px_rule *r = R(cx);
	bool tcp = r->set == RS_TCP_REQ_CONT;
	const char *usage = tcp ? "expects <expression> 'len' <length>" :
	                    "expects <expression> [ 'len' <length> | id <idx> ]";
	if (argi >= n) {
		act_err(cx, px_last(w, n), "%s", usage);
		return -1;
	}
	const char *end = NULL;
	r->expr = smp_expr_parse(cx, &w[argi], 0, &end, stg(cx));
	if (r->expr == NULL)
		return -1;
	int i = argi + 1;
	bool len = i < n && px_eq(&w[i], "len");
	bool id = !tcp && i < n && px_eq(&w[i], "id");
	if ((!len && !id && (r->set == RS_HTTP_REQ || tcp)) ||
	    (r->set != RS_HTTP_REQ && !tcp && !id) || ((len || id) && i + 1 >= n)) {
		act_err(cx, i < n ? &w[i] : px_last(w, n), "%s", r->set == RS_HTTP_REQ || tcp ? usage : "expects <expression> id <idx>");
		return -1;
	}
	long long v;
	if (len) {
		/* atoi() in HAProxy */
		bool strict;
		v = px_atol(w[i + 1].s, &strict);
		if (v <= 0 || v > 2147483647) {
			act_err(cx, &w[i + 1], "length must be > 0");
			return -1;
		}
		if (!strict)
			px_warn_lenient(cx, &w[i + 1], "capture len", v);
	} else {
		char *idend;
		v = strtoll(w[i + 1].s, &idend, 10);
		if (*idend) {
			act_err(cx, &w[i + 1], "cannot parse id '%s'", w[i + 1].s);
			return -1;
		}
		/* HAProxy accepts it; no capture slot ever has that id */
		if (v < 0)
			cx_warn(cx, &w[i + 1], "capture id '%s' matches no capture slot: this rule never captures anything.", w[i + 1].s);
	}
	r->arg = xstrdup(len ? "len" : "id");
	r->ival = v;
	return i + 2;
}

static bool
reply_code_ok(int c, bool errfile)
{
	static const int codes[] = { 200, 400, 403, 404, 405, 408, 410, 413,
	                             425, 429, 500, 501, 502, 503, 504 };
	if (!errfile)
		return c >= 200 && c <= 599;
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (codes[i] == c)
			return true;
	return false;
}

void
px_reply_free(struct px_reply *r)
{
	if (r == NULL)
		return;
	free(r->content_type);
	free(r->arg);
	lf_free(r->lf);
	for (size_t i = 0; i < r->hdrs.n; i++) {
		free(r->hdrs.v[i].name);
		lf_free(r->hdrs.v[i].fmt);
	}
	free(r->hdrs.v);
	free(r);
}

/* Errors of http_parse_http_reply(): an action wraps them as any
 * action (period added), "http-error" prints them after "http-error : ". */
static void
reply_err(struct cfg_ctx *cx, const struct cfg_word *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void
reply_err(struct cfg_ctx *cx, const struct cfg_word *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (R(cx)->set == RS_HTTP_ERROR)
		cx_error(cx, at, "http-error : %s", msg);
	else
		act_err(cx, at, "%s", msg);
	free(msg);
}

/* Whether a "file" payload has content (unknown without check_files:
 * assumed so). */
static bool
file_nonempty(struct cfg_ctx *cx, const char *path)
{
	if (!cx->cfg->opts.check_files)
		return true;
	FILE *f = fopen(path, "r");
	bool nonempty = f && fgetc(f) != EOF;
	if (f)
		fclose(f);
	return nonempty;
}

static bool
is_payload_kw(const char *a)
{
	static const char *const kws[] = { "errorfile", "errorfiles", "file",
	                                   "lf-file", "string", "lf-string",
	                                   "default-errorfiles" };
	for (size_t i = 0; i < ARRAY_SIZE(kws); i++)
		if (strcmp(a, kws[i]) == 0)
			return true;
	return false;
}

/* The payload option a with its value v (NULL for default-errorfiles). */
static int
reply_payload(struct cfg_ctx *cx, const char *a, struct cfg_word *v,
              struct px_reply *rep)
{
	if (v == NULL) {
		rep->kind = PX_PL_DEFAULT_ERRORFILES;
		return 0;
	}
	rep->kind = strcmp(a, "errorfile") == 0 ? PX_PL_ERRORFILE :
	            strcmp(a, "errorfiles") == 0 ? PX_PL_ERRORFILES :
	            strcmp(a, "file") == 0 ? PX_PL_FILE :
	            strcmp(a, "lf-file") == 0 ? PX_PL_LF_FILE :
	            strcmp(a, "string") == 0 ? PX_PL_STRING : PX_PL_LF_STRING;
	arg_set_str(&rep->arg, v->s);
	if (rep->kind == PX_PL_ERRORFILE &&
	    px_check_errorfile(cx, v, "errorfile", v->s) < 0)
		return -1;
	if ((rep->kind == PX_PL_FILE || rep->kind == PX_PL_LF_FILE) &&
	    cx->cfg->opts.check_files) {
		FILE *f = fopen(v->s, "r");
		if (f == NULL) {
			reply_err(cx, v, "failed to open file '%s'", v->s);
			return -1;
		}
		fclose(f);
	}
	if (rep->kind == PX_PL_LF_STRING &&
	    px_lf(cx, v, stg(cx), &rep->lf) < 0)
		return -1;
	return 0;
}

/* deny/tarpit/return/http-error options (http_htx.c http_parse_http_reply) */
int
act_reply_opts(struct cfg_ctx *cx, struct cfg_word *w, int n, int i,
               struct px_reply *rep, bool status_kw_deny)
{
	const char *payload_kw = NULL; /* the payload option given, if any */
	while (i < n && !px_eq(&w[i], "if") && !px_eq(&w[i], "unless")) {
		const char *a = w[i].s;
		if (strcmp(a, "status") == 0 || (status_kw_deny && strcmp(a, "deny_status") == 0)) {
			if (i + 1 >= n) {
				reply_err(cx, &w[i], "'%s' expects <status_code> as argument", a);
				return -1;
			}
			/* atoi() in HAProxy */
			bool strict;
			long long st = px_atol(w[i + 1].s, &strict);
			rep->status = st < 0 || st > 999 ? 0 : (int)st;
			if (rep->status < 200 || rep->status > 599) {
				reply_err(cx, &w[i + 1], "Unexpected status code '%d'", rep->status);
				return -1;
			}
			if (!strict)
				px_warn_lenient(cx, &w[i + 1], a, st);
			i += 2;
		} else if (strcmp(a, "content-type") == 0) {
			if (i + 1 >= n) {
				reply_err(cx, &w[i], "'%s' expects <ctype> as argument", a);
				return -1;
			}
			arg_set_str(&rep->content_type, w[i + 1].s);
			i += 2;
		} else if (is_payload_kw(a)) {
			bool dflt = strcmp(a, "default-errorfiles") == 0;
			if (payload_kw) {
				reply_err(cx, &w[i], "unexpected '%s' argument, '%s' already defined", a, payload_kw);
				return -1;
			}
			if (!dflt && i + 1 >= n) {
				reply_err(cx, &w[i], "'%s' expects <%s> as argument", a,
				          !strcmp(a, "string") ? "str" :
				          !strcmp(a, "errorfiles") ? "name" :
				          !strcmp(a, "file") || !strcmp(a, "lf-file") ? "file" : "fmt");
				return -1;
			}
			payload_kw = a;
			if (reply_payload(cx, a, dflt ? NULL : &w[i + 1], rep) < 0)
				return -1;
			i += dflt ? 1 : 2;
		} else if (strcmp(a, "hdr") == 0) {
			if (i + 2 >= n) {
				reply_err(cx, &w[i], "'%s' expects <name> and <value> as arguments", a);
				return -1;
			}
			struct px_hdr h = { xstrdup(w[i + 1].s), NULL };
			if (px_lf(cx, &w[i + 2], stg(cx), &h.fmt) < 0) {
				free(h.name);
				return -1;
			}
			VEC_PUSH(rep->hdrs, h);
			i += 3;
		} else if (R(cx)->set == RS_HTTP_ERROR) {
			reply_err(cx, &w[i], "unknown keyword '%s'.", a);
			return -1;
		} else {
			act_err(cx, &w[i], "expects 'status', 'content-type', 'errorfile', 'errorfiles', 'file', 'lf-file', 'string', 'lf-string' or 'hdr' but got '%s'", a);
			return -1;
		}
	}
	bool errfile = rep->kind == PX_PL_ERRORFILE || rep->kind == PX_PL_ERRORFILES ||
	               rep->kind == PX_PL_DEFAULT_ERRORFILES;
	if (!reply_code_ok(rep->status, errfile)) {
		reply_err(cx, &w[0], "status code '%d' not handled by default with '%s' payload", rep->status, "errorfile");
		return -1;
	}
	if (!rep->content_type && (rep->kind == PX_PL_LF_STRING || rep->kind == PX_PL_LF_FILE)) {
		reply_err(cx, &w[0], "a content type must be defined with a log-format payload");
		return -1;
	}
	if (!rep->content_type && ((rep->kind == PX_PL_FILE && file_nonempty(cx, rep->arg)) ||
	                           (rep->kind == PX_PL_STRING && rep->arg && *rep->arg))) {
		reply_err(cx, &w[0], "a content type must be defined when non-empty payload is configured");
		return -1;
	}
	if (rep->content_type && (rep->kind == PX_PL_NONE || errfile))
		cx_warn(cx, &w[0], "content-type '%s' ignored by the http reply because neither errorfile nor payload defined.", rep->content_type);
	/* (sic) HAProxy's spelling */
	if (rep->hdrs.n && (rep->kind == PX_PL_ERRORFILE || rep->kind == PX_PL_ERRORFILES))
		cx_warn(cx, &w[0], "hdr parameters ignored by the http reply when used with an erorrfile.");
	return i;
}

/* deny/tarpit/return [status <c>] ... */
ACT_HANDLER(act_reply)
{
	struct px_rule *r = R(cx);
	r->reply = xcalloc(1, sizeof(*r->reply));
	r->reply->status = r->act == PX_ACT_RETURN ? 200 :
	                   r->act == PX_ACT_TARPIT ? 500 :
	                   r->set == RS_HTTP_RES ? 502 : 403;
	if (r->act != PX_ACT_RETURN)
		r->reply->kind = PX_PL_DEFAULT_ERRORFILES;
	return act_reply_opts(cx, w, n, argi, r->reply, r->act != PX_ACT_RETURN);
}

/* auth [realm <realm>] */
ACT_HANDLER(act_auth)
{
	struct px_rule *r = R(cx);
	if (argi < n && px_eq(&w[argi], "realm")) {
		if (argi + 1 >= n) {
			act_err(cx, &w[argi], "missing realm value");
			return -1;
		}
		r->arg = xstrdup(w[argi + 1].s);
		return argi + 2;
	}
	return argi;
}

/* Errors of http_parse_redirect_rule(): the "redirect" keyword wraps
 * them as a redirect rule, the actions as any action (text ends with its
 * own period). */
static void
rd_err(struct cfg_ctx *cx, const struct cfg_word *at, bool action,
       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void
rd_err(struct cfg_ctx *cx, const struct cfg_word *at, bool action,
       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (action) {
		size_t l = strlen(msg);
		if (l && msg[l - 1] == '.')
			msg[l - 1] = '\0'; /* act_err() adds it */
		act_err(cx, at, "%s", msg);
	} else
		cx_error(cx, at, "error detected in %s '%s' while parsing redirect rule : %s",
		         px_type(cx->px), px_name(cx->px), msg);
	free(msg);
}

/* redirect location|prefix|scheme <x> [code <c>] [options] */
int
act_redirect_args(struct cfg_ctx *cx, struct cfg_word *w, int n, int i,
                  struct px_redirect **out, bool lf_target)
{
	struct px_redirect *rd = xcalloc(1, sizeof(*rd));
	rd->code = 302;
	bool have = false;
	while (i < n && !px_eq(&w[i], "if") && !px_eq(&w[i], "unless")) {
		const char *a = w[i].s;
		if (!strcmp(a, "location") || !strcmp(a, "prefix") || !strcmp(a, "scheme")) {
			if (i + 1 >= n)
				goto missing;
			rd->type = !strcmp(a, "location") ? PX_REDIR_LOCATION :
			           !strcmp(a, "prefix") ? PX_REDIR_PREFIX : PX_REDIR_SCHEME;
			arg_set_str(&rd->target, w[i + 1].s);
			if (lf_target && px_lf(cx, &w[i + 1], stg(cx), &rd->fmt) < 0)
				goto fail;
			have = true;
			i += 2;
		} else if (!strcmp(a, "code")) {
			if (i + 1 >= n)
				goto missing;
			/* atoi() in HAProxy */
			bool strict;
			long long c = px_atol(w[i + 1].s, &strict);
			rd->code = c < 0 || c > 999 ? 0 : (int)c;
			if (rd->code != 301 && rd->code != 302 && rd->code != 303 &&
			    rd->code != 307 && rd->code != 308) {
				rd_err(cx, &w[i + 1], lf_target, "'code': unsupported HTTP code '%s' (must be one of 301, 302, 303, 307 or 308).",
				       w[i + 1].s);
				goto fail;
			}
			if (!strict)
				px_warn_lenient(cx, &w[i + 1], "code", c);
			i += 2;
		} else if (!strcmp(a, "set-cookie") || !strcmp(a, "clear-cookie")) {
			if (i + 1 >= n)
				goto missing;
			arg_set_str(a[0] == 's' ? &rd->set_cookie : &rd->clear_cookie, w[i + 1].s);
			i += 2;
		} else if (!strcmp(a, "drop-query")) {
			rd->flags |= PX_REDIR_DROP_QUERY;
			i++;
		} else if (!strcmp(a, "append-slash")) {
			rd->flags |= PX_REDIR_APPEND_SLASH;
			i++;
		} else {
			rd_err(cx, &w[i], lf_target, "'redirect' expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '%s').",
			       a);
			goto fail;
		}
	}
	if (!have) {
		rd_err(cx, px_last(w, n), lf_target, "redirect: missing 'prefix', 'location' or 'scheme' keyword.");
		goto fail;
	}
	*out = rd;
	return i;
missing:
	rd_err(cx, &w[i], lf_target, "'redirect': missing argument after '%s'.", w[i].s);
fail:
	free(rd->target);
	lf_free(rd->fmt);
	free(rd->set_cookie);
	free(rd->clear_cookie);
	free(rd);
	return -1;
}

ACT_HANDLER(act_redirect)
{
	return act_redirect_args(cx, w, n, argi, &R(cx)->redir, true);
}

/* set-mark/set-nice/set-tos <n>; set-log-level <level>|silent */
ACT_HANDLER(act_int)
{
	struct px_rule *r = R(cx);
	if (argi >= n || px_eq(&w[argi], "if") || px_eq(&w[argi], "unless")) {
		act_err(cx, px_last(w, n), r->act == PX_ACT_SET_LOG_LEVEL ?
		        "expects exactly 1 argument (log level name or 'silent')" :
		        "expects exactly 1 argument (integer value)");
		return -1;
	}
	if (r->act == PX_ACT_SET_LOG_LEVEL) {
		static const char *const lv[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", "silent" };
		for (size_t i = 0; i < ARRAY_SIZE(lv); i++) {
			if (px_eq(&w[argi], lv[i])) {
				r->ival = (long long)i;
				r->arg = xstrdup(lv[i]);
				return argi + 1;
			}
		}
		act_err(cx, &w[argi], "expects exactly 1 argument (log level name or 'silent')");
		return -1;
	}
	if (r->act == PX_ACT_SET_NICE) {
		/* atoi() in HAProxy */
		r->ival = px_atol_warn(cx, &w[argi], "set-nice");
		if (r->ival < -1024)
			r->ival = -1024;
		if (r->ival > 1024)
			r->ival = 1024;
		return argi + 1;
	}
	/* set-mark / set-tos: strtoul(, 0) in HAProxy */
	char *end;
	r->ival = strtoll(w[argi].s, &end, 0);
	if (*end) {
		act_err(cx, &w[argi], "invalid character starting at '%s' (integer/hex value expected)", end);
		return -1;
	}
	return argi + 1;
}

/* set-timeout server|tunnel|client <time|expr> */
ACT_HANDLER(act_set_timeout)
{
	struct px_rule *r = R(cx);
	if (!(cx->px->cap & (PX_CAP_BE | PX_CAP_DEF))) {
		act_err(cx, &w[argi - 1], "proxy '%s' has no backend capability", px_name(cx->px));
		return -1;
	}
	if (argi + 1 >= n || (!px_eq(&w[argi], "server") && !px_eq(&w[argi], "tunnel") &&
	                      !px_eq(&w[argi], "client"))) {
		act_err(cx, argi < n ? &w[argi] : px_last(w, n),
		        "'set-timeout' expects 'server'/'tunnel'/'client' and a time or an expression");
		return -1;
	}
	r->arg = xstrdup(w[argi].s);
	/* HAProxy tries a time first, then an expression; when both fail
	 * the time's error is reported */
	struct cfg_word *v = &w[argi + 1];
	const char *end;
	switch (arg_time_parse(v->s, TIME_UNIT_MS, &r->ms, &end)) {
	case ARG_TIME_TRAILING:
		arg_time_warn_trailing(cx, v, end);
		/* fall through */
	case ARG_TIME_OK:
		if (r->ms == 0) {
			act_err(cx, v, "null value is not valid for a 'set-timeout %s' rule", r->arg);
			return -1;
		}
		return argi + 2;
	case ARG_TIME_OVERFLOW:
		act_err(cx, v, "timer overflow in argument '%s' to rule 'set-timeout %s' (maximum value is 2147483647 ms or ~24.8 days)",
		        v->s, r->arg);
		return -1;
	default:
		break;
	}
	char *err = NULL;
	size_t eoff;
	bool conv_err;
	struct smp_expr *e = smp_expr_build(cx, v->s, NULL, NULL, 0, &err, &eoff, &conv_err);
	free(err);
	if (e == NULL) {
		act_err(cx, v, "unexpected character '%c' in rule 'set-timeout %s'", *end, r->arg);
		return -1;
	}
	smp_expr_free(e);
	const char *eend = NULL;
	r->expr = smp_expr_parse(cx, v, 0, &eend, stg(cx));
	return r->expr ? argi + 2 : -1;
}

/* strict-mode on|off */
ACT_HANDLER(act_strict_mode)
{
	struct px_rule *r = R(cx);
	if (argi < n && (px_eq(&w[argi], "on") || px_eq(&w[argi], "off"))) {
		r->ival = px_eq(&w[argi], "on");
		return argi + 1;
	}
	act_err(cx, argi < n ? &w[argi] : px_last(w, n), "'%s' expects 'on' or 'off' as argument", r->name);
	return -1;
}

/* wait-for-body time <time> [at-least <bytes>] */
ACT_HANDLER(act_wait_for_body)
{
	struct px_rule *r = R(cx);
	int i = argi;
	bool have_time = false;
	while (i < n && !px_eq(&w[i], "if") && !px_eq(&w[i], "unless")) {
		if (px_eq(&w[i], "time") && i + 1 < n) {
			const char *end;
			switch (px_time_ms(cx, &w[i + 1], &r->ms, &end)) {
			case ARG_TIME_OK:
				break;
			case ARG_TIME_OVERFLOW:
				act_err(cx, &w[i + 1], "time overflow (maximum value is 2147483647 ms or ~24.8 days)");
				return -1;
			default:
				act_err(cx, &w[i + 1], "unexpected character '%c'", *end);
				return -1;
			}
			have_time = true;
			i += 2;
		} else if (px_eq(&w[i], "at-least") && i + 1 < n) {
			uint64_t sz;
			if (arg_size(cx, &w[i + 1], "wait-for-body", &sz) < 0)
				return -1;
			r->ival = (long long)sz;
			i += 2;
		} else {
			act_err(cx, &w[i], "expects 'time' or 'at-least' but got '%s'", w[i].s);
			return -1;
		}
	}
	if (!have_time) {
		act_err(cx, px_last(w, n), "expects time <time> [ at-least <bytes> ]");
		return -1;
	}
	return i;
}

/* normalize-uri <normalizer> [full|strict] */
ACT_HANDLER(act_normalize_uri)
{
	static const char *const norms[] = {
		"fragment-encode", "fragment-strip", "path-merge-slashes",
		"path-strip-dot", "path-strip-dotdot", "percent-decode-unreserved",
		"percent-to-uppercase", "query-sort-by-name",
	};
	struct px_rule *r = R(cx);
	if (cx->cfg->global == NULL || !cx->cfg->global->expose_experimental_directives) {
		cx_error(cx, &w[argi - 1], "'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'");
		return -1;
	}
	size_t k = ARRAY_SIZE(norms);
	if (argi < n)
		for (k = 0; k < ARRAY_SIZE(norms); k++)
			if (px_eq(&w[argi], norms[k]))
				break;
	if (k == ARRAY_SIZE(norms)) {
		act_err(cx, argi < n ? &w[argi] : px_last(w, n), "unknown normalizer '%s'", argi < n ? w[argi].s : "");
		return -1;
	}
	r->arg = xstrdup(norms[k]);
	int i = argi + 1;
	if (i < n && (px_eq(&w[i], "full") || px_eq(&w[i], "strict"))) {
		r->arg2 = xstrdup(w[i].s);
		i++;
	}
	return i;
}

/* use-service <name>: only the built-in Prometheus exporter exists */
ACT_HANDLER(act_use_service)
{
	struct px_rule *r = R(cx);
	if (argi >= n) {
		act_err(cx, px_last(w, n), "'use-service' expects a service name.");
		return -1;
	}
	if (!px_eq(&w[argi], "prometheus-exporter")) {
		act_err(cx, &w[argi], "'use-service' unknown service name.");
		return -1;
	}
	r->arg = xstrdup(w[argi].s);
	return argi + 1;
}

/* switch-mode http [proto <p>] */
ACT_HANDLER(act_switch_mode)
{
	struct px_rule *r = R(cx);
	if (argi >= n) {
		act_err(cx, px_last(w, n), "'switch-mode http' expects a mode as argument.");
		return -1;
	}
	if (!px_eq(&w[argi], "http")) {
		act_err(cx, &w[argi], "'switch-mode http' expects a valid mode (got '%s').", w[argi].s);
		return -1;
	}
	r->arg = xstrdup("http");
	int i = argi + 1;
	if (i < n && px_eq(&w[i], "proto")) {
		if (i + 1 >= n || (!px_eq(&w[i + 1], "h1") && !px_eq(&w[i + 1], "h2"))) {
			act_err(cx, &w[i], "'switch-mode http': 'proto' expects a valid MUX protocol, if specified (got '%s')", i + 1 < n ? w[i + 1].s : "");
			return -1;
		}
		r->arg2 = xstrdup(w[i + 1].s);
		i += 2;
	}
	return i;
}

/* set-status <code> [reason <str>] */
ACT_HANDLER(act_set_status)
{
	struct px_rule *r = R(cx);
	if (argi >= n) {
		act_err(cx, px_last(w, n), "expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>");
		return -1;
	}
	char *end;
	long long st = strtoll(w[argi].s, &end, 10);
	if (*end || st < 100 || st > 999) {
		act_err(cx, &w[argi], "expects an integer status code between 100 and 999");
		return -1;
	}
	r->status = (int)st;
	int i = argi + 1;
	if (i < n && px_eq(&w[i], "reason")) {
		if (i + 1 >= n) {
			act_err(cx, &w[i], "expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>");
			return -1;
		}
		r->reason = xstrdup(w[i + 1].s);
		i += 2;
	}
	return i;
}

/* expect-proxy layer4 / expect-netscaler-cip layer4 */
ACT_HANDLER(act_expect_l4)
{
	struct px_rule *r = R(cx);
	if (argi >= n || !px_eq(&w[argi], "layer4")) {
		cx_error(cx, argi < n ? &w[argi] : px_last(w, n),
		         "'%s' expects 'layer4' in %s '%s' (got '%s')", r->name,
		         px_type(cx->px), px_name(cx->px), argi < n ? w[argi].s : "");
		return -1;
	}
	return argi + 1;
}
