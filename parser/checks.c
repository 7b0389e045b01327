/* http-check and tcp-check rules (reference §1.9; texts of 2.6's
 * src/tcpcheck.c). A rule's errors read "'<kw> <verb>' : <text>." as in
 * HAProxy (which sometimes doubles the final dot: kept). */
#include <ctype.h>

#include "px_int.h"
#include "tables.h"

static void
chk_err(struct cfg_ctx *cx, const struct cfg_word *at, const char *kw,
        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void
chk_err(struct cfg_ctx *cx, const struct cfg_word *at, const char *kw,
        const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	cx_error(cx, at, "'%s' : %s.", kw, m);
	free(m);
}

void
px_check_rule_free(struct px_check_rule *r)
{
	if (r == NULL)
		return;
	free(r->comment);
	free(r->c_port_text);
	smp_expr_free(r->c_port_expr);
	free(r->c_addr);
	free(r->c_sni);
	free(r->c_alpn);
	free(r->c_proto);
	free(r->data);
	lf_free(r->data_lf);
	free(r->meth);
	free(r->uri);
	free(r->ver);
	free(r->body);
	lf_free(r->uri_lf);
	lf_free(r->body_lf);
	for (size_t i = 0; i < r->hdrs.n; i++) {
		free(r->hdrs.v[i].name);
		lf_free(r->hdrs.v[i].fmt);
	}
	free(r->hdrs.v);
	free(r->pattern);
	rx_free(r->re);
	free(r->statuses.v);
	lf_free(r->pattern_lf);
	free(r->hdr_value);
	free(r->ok_status);
	free(r->error_status);
	free(r->tout_status);
	lf_free(r->on_success);
	lf_free(r->on_error);
	smp_expr_free(r->status_code);
	free(r->var);
	smp_expr_free(r->expr);
	lf_free(r->fmt);
	free(r);
}

static int
chk_regex(struct cfg_ctx *cx, struct cfg_word *at, const char *kw,
          struct px_check_rule *r)
{
	char *err = NULL;
	r->re = rx_compile(at->s, false, &err);
	if (r->re == NULL) {
		chk_err(cx, at, kw, "%s", err);
		free(err);
		return -1;
	}
	return 0;
}

/* HAProxy's read_uint(): digits until the first other byte (0 when
 * none), saturating here rather than wrapping. */
static int
read_uint(const char **pp)
{
	const char *p = *pp;
	long v = 0;
	for (; isdigit((unsigned char)*p); p++)
		if (v < 100000)
			v = v * 10 + (*p - '0');
	*pp = p;
	return (int)v;
}

/* "200-399,404" as HAProxy reads it: each item is <a>[-<b>], empty
 * numbers read as 0, and a range must not go down. */
static int
parse_statuses(struct cfg_ctx *cx, struct cfg_word *at, const char *kw,
               struct px_check_rule *r)
{
	const char *p = at->s;
	while (*p) {
		struct px_status_range sr;
		sr.lo = sr.hi = read_uint(&p);
		if (*p == '-') {
			p++;
			sr.hi = read_uint(&p);
			if (sr.lo > sr.hi) {
				chk_err(cx, at, kw, "invalid range of status codes '%s'", at->s);
				return -1;
			}
		}
		if (*p == ',')
			p++;
		else if (*p) {
			chk_err(cx, at, kw, "invalid character '%c' in the list of status codes", *p);
			return -1;
		}
		VEC_PUSH(r->statuses, sr);
	}
	return 0;
}

/* connect [default] [port <p>] [addr <ip>] [send-proxy] [via-socks4] [ssl]
 * [sni <s>] [alpn <a>] [linger] [proto <p>] [comment <m>] */
static int
parse_connect(struct cfg_ctx *cx, const char *kw, struct cfg_word *w, int n,
              int i, struct px_check_rule *r)
{
	for (; i < n; i++) {
		const char *a = w[i].s;
		bool val = !strcmp(a, "port") || !strcmp(a, "addr") || !strcmp(a, "sni") ||
		           !strcmp(a, "alpn") || !strcmp(a, "proto") || !strcmp(a, "comment");
		if (val && i + 1 >= n) {
			chk_err(cx, &w[i], kw, !strcmp(a, "port") ? "'%s' expects a port number or a sample expression as argument." :
			        !strcmp(a, "addr") ? "'%s' expects <ipv4|ipv6> as argument" :
			        !strcmp(a, "proto") ? "'%s' expects a MUX protocol as argument" :
			        "'%s' expects a string as argument", a);
			return -1;
		}
		if (!strcmp(a, "default"))
			r->c_default = true;
		else if (!strcmp(a, "send-proxy"))
			r->c_send_proxy = true;
		else if (!strcmp(a, "via-socks4"))
			r->c_via_socks4 = true;
		else if (!strcmp(a, "ssl"))
			r->c_ssl = true;
		else if (!strcmp(a, "linger"))
			r->c_linger = true;
		else if (!strcmp(a, "port")) {
			const char *p = w[++i].s;
			arg_set_str(&r->c_port_text, p);
			/* a word of digits is a port, anything else an
			 * expression (HAProxy: "80x" is an unknown fetch) */
			if (*p && strspn(p, "0123456789") == strlen(p)) {
				bool strict;
				long long v = px_atol(p, &strict);
				if (v < 1 || v > 65535) {
					chk_err(cx, &w[i], kw, "expects a valid TCP port (from range 1 to 65535) or a sample expression, got %s.", p);
					return -1;
				}
				r->c_port = (int)v;
			} else {
				const char *end = NULL;
				char *pfx = xasprintf("'%s' : error detected while parsing port expression : ", kw);
				smp_expr_free(r->c_port_expr);
				r->c_port_expr = smp_expr_parse_pfx(cx, &w[i], 0, &end, SMP_STG_CHECK, pfx);
				free(pfx);
				if (r->c_port_expr == NULL)
					return -1;
			}
		} else if (!strcmp(a, "addr"))
			arg_set_str(&r->c_addr, w[++i].s);
		else if (!strcmp(a, "sni"))
			arg_set_str(&r->c_sni, w[++i].s);
		else if (!strcmp(a, "alpn"))
			arg_set_str(&r->c_alpn, w[++i].s);
		else if (!strcmp(a, "proto")) {
			const char *p = w[++i].s;
			if (strcmp(p, "h1") && strcmp(p, "h2")) {
				chk_err(cx, &w[i], kw, "'%s' : unknown MUX protocol '%s'", a, p);
				return -1;
			}
			arg_set_str(&r->c_proto, p);
		} else if (!strcmp(a, "comment"))
			arg_set_str(&r->comment, w[++i].s);
		else {
			chk_err(cx, &w[i], kw, "expects 'comment', 'port', 'addr', 'send-proxy', 'ssl', 'sni', 'alpn' or 'via-socks4', 'linger', 'default' but got '%s' as argument.", a);
			return -1;
		}
	}
	return 0;
}

/* http-check send [meth <m>] [uri <u>|uri-lf <fmt>] [ver <v>]
 * [hdr <name> <fmt>]* [body <s>|body-lf <fmt>] [comment <m>] */
static int
parse_http_send(struct cfg_ctx *cx, const char *kw, struct cfg_word *w, int n,
                int i, struct px_check_rule *r)
{
	for (; i < n; i++) {
		const char *a = w[i].s;
		if (!strcmp(a, "hdr")) {
			if (i + 2 >= n) {
				chk_err(cx, &w[i], kw, "'%s' expects <name> and <value> as arguments", a);
				return -1;
			}
			struct px_hdr h = { xstrdup(w[i + 1].s), NULL };
			if (px_lf(cx, &w[i + 2], SMP_STG_CHECK, &h.fmt) < 0) {
				free(h.name);
				return -1;
			}
			VEC_PUSH(r->hdrs, h);
			i += 2;
			continue;
		}
		bool known = !strcmp(a, "meth") || !strcmp(a, "uri") || !strcmp(a, "uri-lf") ||
		             !strcmp(a, "ver") || !strcmp(a, "body") || !strcmp(a, "body-lf") ||
		             !strcmp(a, "comment");
		if (!known) {
			chk_err(cx, &w[i], kw, "expects 'comment', 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf' but got '%s' as argument.", a);
			return -1;
		}
		if (i + 1 >= n) {
			chk_err(cx, &w[i], kw, "'%s' expects a %s as argument", a,
			        !strcmp(a, "meth") ? "method" : !strcmp(a, "ver") ? "version" :
			        strstr(a, "-lf") ? "log-format string" : "string");
			return -1;
		}
		struct cfg_word *v = &w[++i];
		if (!strcmp(a, "meth"))
			arg_set_str(&r->meth, v->s);
		else if (!strcmp(a, "uri"))
			arg_set_str(&r->uri, v->s);
		else if (!strcmp(a, "uri-lf")) {
			arg_set_str(&r->uri, v->s);
			if (px_lf(cx, v, SMP_STG_CHECK, &r->uri_lf) < 0)
				return -1;
		} else if (!strcmp(a, "ver"))
			arg_set_str(&r->ver, v->s);
		else if (!strcmp(a, "body"))
			arg_set_str(&r->body, v->s);
		else if (!strcmp(a, "body-lf")) {
			arg_set_str(&r->body, v->s);
			if (px_lf(cx, v, SMP_STG_CHECK, &r->body_lf) < 0)
				return -1;
		} else
			arg_set_str(&r->comment, v->s);
	}
	return 0;
}

/* tcp-check send|send-lf|send-binary|send-binary-lf <data> [comment <m>] */
static int
parse_tcp_send(struct cfg_ctx *cx, const char *kw, struct cfg_word *w, int n,
               int i, struct px_check_rule *r)
{
	if (i >= n) {
		chk_err(cx, px_last(w, n), kw, "expects a %s as argument",
		        r->act == CHK_SEND_BINARY ? "binary string" :
		        r->act == CHK_SEND ? "string" : "log-format string");
		return -1;
	}
	struct cfg_word *d = &w[i];
	if (r->act == CHK_SEND_BINARY) {
		char *err = NULL;
		unsigned char *b;
		if (acl_hex_decode(d->s, &b, &r->data_len, &err) < 0) {
			chk_err(cx, d, kw, "'%s' invalid binary string (%s)", d->s, err);
			free(err);
			return -1;
		}
		r->data = (char *)b;
	} else {
		r->data = xstrdup(d->s);
		r->data_len = d->len;
		if (r->act != CHK_SEND && px_lf(cx, d, SMP_STG_CHECK, &r->data_lf) < 0)
			return -1;
	}
	for (i++; i < n; i++) {
		if (px_eq(&w[i], "comment") && i + 1 < n) {
			arg_set_str(&r->comment, w[++i].s);
			continue;
		}
		chk_err(cx, &w[i], kw, "expects 'comment' but got '%s' as argument.", w[i].s);
		return -1;
	}
	return 0;
}

static const char *const ok_st[] = { "L4OK", "L6OK", "L7OK", "L7OKC" };
static const char *const err_st[] = { "L4CON", "L6RSP", "L7RSP", "L7STS" };
static const char *const tout_st[] = { "L4TOUT", "L6TOUT", "L7TOUT" };

static bool
in_list(const char *s, const char *const *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, l[i]) == 0)
			return true;
	return false;
}

static int
hdr_match_method(const char *s)
{
	static const char *const m[] = { "str", "beg", "end", "sub", "reg" };
	for (int i = 0; i < 5; i++)
		if (strcmp(s, m[i]) == 0)
			return i;
	return -1;
}

/* One "expect" option and its value v (min-recv, comment, *-status,
 * on-success/on-error, status-code). */
static int
expect_option(struct cfg_ctx *cx, const char *kw, const char *a,
              struct cfg_word *v, struct px_check_rule *r)
{
	if (!strcmp(a, "min-recv")) {
		/* atol() in HAProxy */
		bool strict;
		long long m = px_atol(v->s, &strict);
		if (m < -1 || m > 2147483647) {
			chk_err(cx, v, kw, "'%s' expects -1 or an integer from 0 to INT_MAX", a);
			return -1;
		}
		if (!strict)
			px_warn_lenient(cx, v, a, m);
		r->min_recv = m;
	} else if (!strcmp(a, "comment"))
		arg_set_str(&r->comment, v->s);
	else if (!strcmp(a, "ok-status")) {
		if (!in_list(v->s, ok_st, ARRAY_SIZE(ok_st))) {
			chk_err(cx, v, kw, "'%s' only supports 'L4OK', 'L6OK', 'L7OK' or 'L7OKC' status (got '%s').", a, v->s);
			return -1;
		}
		arg_set_str(&r->ok_status, v->s);
	} else if (!strcmp(a, "error-status")) {
		if (!in_list(v->s, err_st, ARRAY_SIZE(err_st))) {
			chk_err(cx, v, kw, "'%s' only supports 'L4CON', 'L6RSP', 'L7RSP' or 'L7STS' status (got '%s').", a, v->s);
			return -1;
		}
		arg_set_str(&r->error_status, v->s);
	} else if (!strcmp(a, "tout-status")) {
		if (!in_list(v->s, tout_st, ARRAY_SIZE(tout_st))) {
			chk_err(cx, v, kw, "'%s' only supports 'L4TOUT', 'L6TOUT' or 'L7TOUT' status (got '%s').", a, v->s);
			return -1;
		}
		arg_set_str(&r->tout_status, v->s);
	} else if (!strcmp(a, "on-success"))
		return px_lf(cx, v, SMP_STG_CHECK, &r->on_success);
	else if (!strcmp(a, "on-error"))
		return px_lf(cx, v, SMP_STG_CHECK, &r->on_error);
	else {
		const char *end = NULL;
		r->status_code = smp_expr_parse(cx, v, 0, &end, SMP_STG_CHECK);
		if (r->status_code == NULL)
			return -1;
	}
	return 0;
}

/* "-m <meth>" of hdr/fhdr at w[i]: returns the words it took (0 or 2). */
static int
expect_hdr_meth(struct cfg_ctx *cx, const char *kw, const char *a,
                struct cfg_word *w, int n, int i, int *meth)
{
	if (i >= n || !px_eq(&w[i], "-m"))
		return 0;
	if (i + 1 >= n || (*meth = hdr_match_method(w[i + 1].s)) < 0) {
		chk_err(cx, &w[i], kw, "'%s' : '%s' only supports 'str', 'beg', 'end', 'sub' or 'reg' (got '%s')", a, "-m", i + 1 < n ? w[i + 1].s : "");
		return -1;
	}
	return 2;
}

/* hdr|fhdr name [-m meth] <name> [value [-m meth] <value>], w[i] being
 * the match word; returns the index of its last word or -1. */
static int
expect_hdr(struct cfg_ctx *cx, const char *kw, const char *a,
           struct cfg_word *w, int n, int i, struct px_check_rule *r)
{
	int k;
	i++;
	if (i >= n || (!px_eq(&w[i], "name") && !px_eq(&w[i], "name-lf"))) {
		chk_err(cx, i < n ? &w[i] : px_last(w, n), kw, "'%s' expects at the name keyword as first argument followed by a pattern", a);
		return -1;
	}
	i++;
	if ((k = expect_hdr_meth(cx, kw, a, w, n, i, &r->hdr_name_match)) < 0)
		return -1;
	i += k;
	if (i >= n) {
		chk_err(cx, px_last(w, n), kw, "'%s' expects a <pattern> as argument", a);
		return -1;
	}
	r->pattern = xstrdup(w[i].s);
	if (i + 1 < n && (px_eq(&w[i + 1], "value") || px_eq(&w[i + 1], "value-lf"))) {
		i += 2;
		if ((k = expect_hdr_meth(cx, kw, a, w, n, i, &r->hdr_value_match)) < 0)
			return -1;
		i += k;
		if (i >= n) {
			chk_err(cx, px_last(w, n), kw, "'%s' expect a pattern with the value keyword", a);
			return -1;
		}
		r->hdr_value = xstrdup(w[i].s);
	}
	return i;
}

/* The pattern p of a match other than hdr/fhdr, checked for its kind. */
static int
expect_pattern(struct cfg_ctx *cx, const char *kw, struct cfg_word *p,
               struct px_check_rule *r)
{
	r->pattern = xstrdup(p->s);
	switch (r->match) {
	case CHK_M_STATUS:
		return parse_statuses(cx, p, kw, r);
	case CHK_M_RSTATUS:
	case CHK_M_RSTRING:
	case CHK_M_RBINARY:
		return chk_regex(cx, p, kw, r);
	case CHK_M_STRING_LF:
	case CHK_M_BINARY_LF:
		return px_lf(cx, p, SMP_STG_CHECK, &r->pattern_lf);
	case CHK_M_BINARY: {
		char *err = NULL;
		unsigned char *b;
		size_t len;
		if (acl_hex_decode(p->s, &b, &len, &err) < 0) {
			chk_err(cx, p, kw, "invalid binary string (%s)", err);
			free(err);
			return -1;
		}
		free(b);
		return 0;
	}
	default:
		return 0;
	}
}

static bool
is_expect_option(const char *a)
{
	return !strcmp(a, "min-recv") || !strcmp(a, "comment") ||
	       !strcmp(a, "ok-status") || !strcmp(a, "error-status") ||
	       !strcmp(a, "tout-status") || !strcmp(a, "on-success") ||
	       !strcmp(a, "on-error") || !strcmp(a, "status-code");
}

/* expect [min-recv <n>] [comment <m>] [ok-status|error-status|tout-status <st>]
 * [on-success|on-error <fmt>] [status-code <expr>] [!] <match> <pattern> */
static int
parse_expect(struct cfg_ctx *cx, const char *kw, struct cfg_word *w, int n,
             int i, struct px_check_rule *r)
{
	static const struct { const char *s; enum px_chk_match m; bool http, tcp; } ms[] = {
		{ "status", CHK_M_STATUS, true, false }, { "rstatus", CHK_M_RSTATUS, true, false },
		{ "hdr", CHK_M_HDR, true, false }, { "fhdr", CHK_M_FHDR, true, false },
		{ "string", CHK_M_STRING, true, true }, { "rstring", CHK_M_RSTRING, true, true },
		{ "string-lf", CHK_M_STRING_LF, true, true }, { "binary", CHK_M_BINARY, false, true },
		{ "rbinary", CHK_M_RBINARY, false, true }, { "binary-lf", CHK_M_BINARY_LF, false, true },
	};
	bool http = r->http;
	r->min_recv = -1;
	if (i >= n) {
		chk_err(cx, px_last(w, n), kw, "expects at least a matching pattern as arguments");
		return -1;
	}
	for (; i < n; i++) {
		const char *a = w[i].s;
		if (is_expect_option(a)) {
			if (i + 1 >= n) {
				chk_err(cx, &w[i], kw, "'%s' expects a %s as argument", a,
				        !strcmp(a, "min-recv") ? "integer" : "string");
				return -1;
			}
			if (expect_option(cx, kw, a, &w[++i], r) < 0)
				return -1;
			continue;
		}
		if (!strcmp(a, "!")) {
			r->inverse = true;
			continue;
		}
		if (*a == '!') {
			r->inverse = true;
			a++;
		}
		size_t k;
		for (k = 0; k < ARRAY_SIZE(ms); k++)
			if (!strcmp(a, ms[k].s) && (http ? ms[k].http : ms[k].tcp))
				break;
		if (k == ARRAY_SIZE(ms)) {
			if (http)
				chk_err(cx, &w[i], kw, "'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, [!]fhdr or comment but got '%s' as argument.", w[i].s);
			else
				chk_err(cx, &w[i], kw, "'only supports min-recv, '[!]binary', '[!]string', '[!]rstring', '[!]string-lf''[!]rbinary', '[!]binary-lf' or comment but got '%s' as argument.", w[i].s);
			return -1;
		}
		r->match = ms[k].m;
		if (r->match == CHK_M_HDR || r->match == CHK_M_FHDR) {
			if ((i = expect_hdr(cx, kw, a, w, n, i, r)) < 0)
				return -1;
			continue;
		}
		if (i + 1 >= n) {
			chk_err(cx, &w[i], kw, "'%s' expects a <pattern> as argument", a);
			return -1;
		}
		if (expect_pattern(cx, kw, &w[++i], r) < 0)
			return -1;
	}
	if (r->match == CHK_M_NONE) {
		chk_err(cx, px_last(w, n), kw, "expects at least a matching pattern as arguments");
		return -1;
	}
	return 0;
}

/* set-var(<name>) <expr> / set-var-fmt(<name>) <fmt> / unset-var(<name>) */
static int
parse_var(struct cfg_ctx *cx, const char *kw, struct cfg_word *w, int n,
          int i, struct px_check_rule *r)
{
	const char *p = strchr(w[i].s, '('), *e = p ? strrchr(p, ')') : NULL;
	if (p == NULL || e == NULL || e == p + 1 || e[1]) {
		chk_err(cx, &w[i], kw, "missing or invalid variable name in '%s'", w[i].s);
		return -1;
	}
	r->var = xstrndup(p + 1, (size_t)(e - p - 1));
	if (r->act == CHK_UNSET_VAR)
		return 0;
	if (i + 1 >= n) {
		chk_err(cx, &w[i], kw, "'%s' expects an expression as argument", w[i].s);
		return -1;
	}
	if (r->act == CHK_SET_VAR_FMT)
		return px_lf(cx, &w[i + 1], SMP_STG_CHECK, &r->fmt);
	const char *end = NULL;
	r->expr = smp_expr_parse(cx, &w[i + 1], 0, &end, SMP_STG_CHECK);
	return r->expr ? 0 : -1;
}

static void
push_check(struct cfg_proxy *px, struct px_check_rule *r)
{
	if (r->http)
		VEC_PUSH(px->http_checks, r);
	else
		VEC_PUSH(px->tcp_checks, r);
}

/* All "http-check <verb>" and "tcp-check <verb>" rows, and the bare
 * keywords (set-var(x) and unknown verbs land there). */
static PX_HANDLER(kw_check)
{
	struct cfg_proxy *px = cx->px;
	bool http = strncmp(kw->h.name, "http-check", 10) == 0;
	const char *kwb = http ? "http-check" : "tcp-check";
	const char *verb = kw->h.name[http ? 10 : 9] ? kw->h.name + (http ? 11 : 10) : NULL;
	int i = argi;
	if (verb == NULL) {
		/* bare keyword: the verb is w[argi] */
		if (argi < n && (!strncmp(w[argi].s, "set-var(", 8) || !strncmp(w[argi].s, "set-var-fmt(", 12) ||
		                 !strncmp(w[argi].s, "unset-var(", 10))) {
			struct px_check_rule *r = xcalloc(1, sizeof(*r));
			r->http = http;
			r->loc = w[0].loc;
			r->act = w[argi].s[0] == 'u' ? CHK_UNSET_VAR :
			         !strncmp(w[argi].s, "set-var-fmt(", 12) ? CHK_SET_VAR_FMT : CHK_SET_VAR;
			char *k = xasprintf("%s %.*s", kwb, (int)strcspn(w[argi].s, "("), w[argi].s);
			int rc = parse_var(cx, k, w, n, argi, r);
			free(k);
			if (rc < 0) {
				px_check_rule_free(r);
				return -1;
			}
			cx_warn(cx, &w[argi], "'%s %.*s' is ignored by sluice: health checks do not run variable rules yet",
			        kwb, (int)strcspn(w[argi].s, "("), w[argi].s);
			push_check(px, r);
			return 0;
		}
		cx_error(cx, argi < n ? &w[argi] : px_last(w, n), http ?
		         "'%s' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got '%s'" :
		         "'%s' only supports 'comment', 'connect', 'send', 'send-binary', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'. but got '%s'",
		         kwb, argi < n ? w[argi].s : "");
		return -1;
	}
	if (!strcmp(verb, "disable-on-404") || !strcmp(verb, "send-state")) {
		if (px_too_many(cx, kw->h.name, w, n, argi, 0) < 0)
			return -1;
		if (verb[0] == 'd')
			px->http_check_disable_on_404 = true;
		else
			px->http_check_send_state = true;
		return 0;
	}
	struct px_check_rule *r = xcalloc(1, sizeof(*r));
	r->http = http;
	r->loc = w[0].loc;
	int rc;
	if (!strcmp(verb, "connect")) {
		r->act = CHK_CONNECT;
		rc = parse_connect(cx, kw->h.name, w, n, i, r);
	} else if (!strcmp(verb, "send") && http) {
		r->act = CHK_SEND;
		rc = parse_http_send(cx, kw->h.name, w, n, i, r);
	} else if (!strncmp(verb, "send", 4)) {
		r->act = !strcmp(verb, "send") ? CHK_SEND : !strcmp(verb, "send-lf") ? CHK_SEND_LF :
		         !strcmp(verb, "send-binary") ? CHK_SEND_BINARY : CHK_SEND_BINARY_LF;
		rc = parse_tcp_send(cx, kw->h.name, w, n, i, r);
	} else if (!strcmp(verb, "expect")) {
		r->act = CHK_EXPECT;
		rc = parse_expect(cx, kw->h.name, w, n, i, r);
	} else if (!strcmp(verb, "comment")) {
		r->act = CHK_COMMENT;
		rc = 0;
		if (i >= n) {
			chk_err(cx, px_last(w, n), kw->h.name, "expects a string as argument");
			rc = -1;
		} else {
			r->comment = xstrdup(w[i].s);
			rc = px_too_many(cx, kw->h.name, w, n, i, 1);
		}
	} else {
		r->act = CHK_ACTION;
		rc = 0;
		if (i >= n) {
			chk_err(cx, px_last(w, n), kw->h.name, "expects an action name");
			rc = -1;
		} else
			r->var = xstrdup(w[i].s);
	}
	if (rc < 0) {
		px_check_rule_free(r);
		return -1;
	}
	push_check(px, r);
	return 0;
}

#define C(name, usage) { { name, KW_SUPPORTED, usage, NULL }, KW_DEF | KW_BE, kw_check }
const struct cfg_kw check_kws[] = {
	C("http-check", "<verb> [<args>]"),
	C("http-check connect", "[default] [port <expr>] [addr <ip>] [send-proxy] [via-socks4] [ssl] [sni <s>] [alpn <a>] [linger] [proto <p>] [comment <m>]"),
	C("http-check send", "[meth <m>] [uri <u>|uri-lf <fmt>] [ver <v>] [hdr <name> <fmt>]* [body <s>|body-lf <fmt>] [comment <m>]"),
	C("http-check expect", "[min-recv <n>] [comment <m>] [ok-status|error-status|tout-status <st>] [on-success|on-error <fmt>] [status-code <expr>] [!] <match> <pattern>"),
	C("http-check disable-on-404", ""),
	C("http-check send-state", ""),
	C("http-check comment", "<msg>"),
	C("tcp-check", "<verb> [<args>]"),
	C("tcp-check connect", "[default] [port <expr>] [addr <ip>] [send-proxy] [via-socks4] [ssl] [sni <s>] [alpn <a>] [linger] [proto <p>] [comment <m>]"),
	C("tcp-check send", "<data> [comment <m>]"),
	C("tcp-check send-lf", "<fmt> [comment <m>]"),
	C("tcp-check send-binary", "<hexstring> [comment <m>]"),
	C("tcp-check send-binary-lf", "<hexfmt> [comment <m>]"),
	C("tcp-check expect", "[min-recv <n>] [comment <m>] [ok-status|error-status|tout-status <st>] [on-success|on-error <fmt>] [status-code <expr>] [!] <match> <pattern>"),
	C("tcp-check comment", "<msg>"),
	{ { "tcp-check action", KW_UNSUPPORTED, "<action>", "Lua check actions are not supported" }, KW_DEF | KW_BE, NULL },
	{ { NULL, 0, NULL, NULL }, 0, NULL },
};
