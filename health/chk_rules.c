/* Compiling a backend's check configuration into a check program
 * (chk.h), the way HAProxy 2.6 builds its tcp-check rulesets
 * (src/tcpcheck.c): protocol checks are fixed rulesets, option httpchk is
 * merged with the first "http-check send", an implicit "expect status
 * 200-399" ends an HTTP ruleset whose last rule is a send, an implicit
 * connect starts any ruleset that does not start with one, and comment
 * rules give their text to the rules that follow. */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "health/chk.h"
#include "lib/regex.h"
#include "parser/acl.h"
#include "parser/addr.h"
#include "parser/server.h"

static char *
own(struct chk_ruleset *rs, char *p)
{
	VEC_PUSH(rs->owned, (void *)p);
	return p;
}

static const struct rx *
own_rx(struct chk_ruleset *rs, const char *pat, bool icase, char **err)
{
	struct rx *re = rx_compile(pat, icase, err);
	if (re)
		VEC_PUSH(rs->regexes, re);
	return re;
}

static struct chk_step *
add_step(struct chk_ruleset *rs, enum px_chk_act act, int index)
{
	struct chk_step st;
	memset(&st, 0, sizeof(st));
	st.act = act;
	st.index = index;
	st.min_recv = -1;
	VEC_PUSH(rs->steps, st);
	return &rs->steps.v[rs->steps.n - 1];
}

static enum chk_status
status_of(const char *s)
{
	static const struct { const char *n; enum chk_status st; } t[] = {
		{ "L4OK", CHK_ST_L4OK }, { "L6OK", CHK_ST_L6OK }, { "L7OK", CHK_ST_L7OK },
		{ "L7OKC", CHK_ST_L7OKC }, { "L4CON", CHK_ST_L4CON }, { "L6RSP", CHK_ST_L6RSP },
		{ "L7RSP", CHK_ST_L7RSP }, { "L7STS", CHK_ST_L7STS }, { "L4TOUT", CHK_ST_L4TOUT },
		{ "L6TOUT", CHK_ST_L6TOUT }, { "L7TOUT", CHK_ST_L7TOUT },
	};
	for (size_t i = 0; s && i < ARRAY_SIZE(t); i++)
		if (strcasecmp(s, t[i].n) == 0)
			return t[i].st;
	return CHK_ST_UNKNOWN;
}

/* A connect rule's "addr": numeric, or resolved once now. */
static int
connect_addr(const char *text, struct sockaddr_storage *ss, char **err)
{
	char *host = xstrdup(text), *port = NULL;
	int rc = -1;
	/* "[v6]:p", "v4:p", "v6" or "v4" */
	if (host[0] == '[') {
		char *e = strchr(host, ']');
		if (e) {
			*e = 0;
			if (e[1] == ':')
				port = e + 2;
			memmove(host, host + 1, strlen(host + 1) + 1);
		}
	} else {
		char *c = strchr(host, ':');
		if (c && strchr(c + 1, ':') == NULL) {
			*c = 0;
			port = c + 1;
		}
	}
	struct addrinfo *ai = NULL;
	if (addr_lookup(host, AF_UNSPEC, &ai) != 0 || ai == NULL) {
		*err = xasprintf("tcp-check connect: could not resolve address '%s'", text);
		goto out;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	int p = port ? atoi(port) : 0;
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)p);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)p);
	rc = 0;
out:
	if (ai)
		freeaddrinfo(ai);
	free(host);
	return rc;
}

/* A user connect / send / expect rule. */
static int
add_rule(struct chk_ruleset *rs, const struct px_check_rule *r, int index,
         char **err)
{
	struct chk_step *st;
	switch (r->act) {
	case CHK_COMMENT:
		st = add_step(rs, CHK_COMMENT, index);
		st->comment = r->comment;
		return 0;
	case CHK_CONNECT:
		st = add_step(rs, CHK_CONNECT, index);
		st->comment = r->comment;
		st->c_default = r->c_default;
		st->c_ssl = r->c_ssl;
		st->c_send_proxy = r->c_send_proxy;
		st->c_linger = r->c_linger;
		st->c_port = r->c_port;
		st->c_port_expr = r->c_port_expr;
		st->c_sni = r->c_sni;
		st->c_alpn = r->c_alpn;
		if (r->c_addr && connect_addr(r->c_addr, &st->c_addr, err) < 0)
			return -1;
		return 0;
	case CHK_SEND:
	case CHK_SEND_LF:
	case CHK_SEND_BINARY:
	case CHK_SEND_BINARY_LF:
		st = add_step(rs, CHK_SEND, index);
		st->comment = r->comment;
		if (r->http) {
			st->http = true;
			st->meth = r->meth;
			st->uri = r->uri;
			st->uri_lf = r->uri_lf;
			st->ver = r->ver;
			st->body = r->body;
			st->body_lf = r->body_lf;
			st->hdrs = r->hdrs.v;
			st->nhdrs = r->hdrs.n;
		} else {
			st->data = r->data;
			st->data_len = r->data_len;
			st->data_lf = r->data_lf;
			st->data_hex = r->act == CHK_SEND_BINARY_LF;
		}
		return 0;
	case CHK_EXPECT:
		st = add_step(rs, CHK_EXPECT, index);
		st->comment = r->comment;
		st->match = r->match;
		st->inverse = r->inverse;
		st->min_recv = r->min_recv;
		st->ok_st = status_of(r->ok_status);
		st->err_st = status_of(r->error_status);
		st->tout_st = status_of(r->tout_status);
		if (r->on_success) {
			st->on_ok = CHK_TXT_LF;
			st->ok_lf = r->on_success;
		}
		if (r->on_error) {
			st->on_err = CHK_TXT_LF;
			st->err_lf = r->on_error;
		}
		st->pat = r->pattern;
		st->pat_len = r->pattern ? strlen(r->pattern) : 0;
		st->re = r->re;
		st->st = r->statuses.v;
		st->nst = r->statuses.n;
		st->pat_lf = r->pattern_lf;
		st->hdr_full = r->match == CHK_M_FHDR;
		st->hdr_name_match = r->hdr_name_match;
		st->hdr_value_match = r->hdr_value_match;
		st->hdr_value = r->hdr_value;
		if (r->match == CHK_M_BINARY && r->pattern) {
			unsigned char *b = NULL;
			size_t n = 0;
			if (acl_hex_decode(r->pattern, &b, &n, err) < 0)
				return -1;
			st->pat = own(rs, (char *)b);
			st->pat_len = n;
		}
		if ((r->match == CHK_M_HDR || r->match == CHK_M_FHDR) && r->pattern) {
			/* names match case-insensitively, values exactly (HAProxy) */
			if (r->hdr_name_match == 4 && !(st->re = own_rx(rs, r->pattern, true, err)))
				return -1;
			if (r->hdr_value && r->hdr_value_match == 4 &&
			    !(st->hdr_value_re = own_rx(rs, r->hdr_value, false, err)))
				return -1;
		}
		return 0;
	default:
		/* set-var, set-var-fmt, unset-var: need check-scoped variables */
		VEC_PUSH(rs->ignored, r->http ? "http-check set-var/unset-var" : "tcp-check set-var/unset-var");
		return 0;
	}
}

static struct chk_step *
insert_step(struct chk_ruleset *rs, size_t at)
{
	struct chk_step st;
	memset(&st, 0, sizeof(st));
	st.min_recv = -1;
	VEC_PUSH(rs->steps, st);
	memmove(&rs->steps.v[at + 1], &rs->steps.v[at],
	        (rs->steps.n - 1 - at) * sizeof(st));
	memset(&rs->steps.v[at], 0, sizeof(st));
	rs->steps.v[at].min_recv = -1;
	return &rs->steps.v[at];
}

/* The first / next step that is not a comment, or rs->steps.n. */
static size_t
next_real(const struct chk_ruleset *rs, size_t from)
{
	while (from < rs->steps.n && rs->steps.v[from].act == CHK_COMMENT)
		from++;
	return from;
}

/* "option httpchk <m> <u> HTTP/1.1\r\nHost: x" (deprecated): the version
 * word hides headers and a body. Splits them off into st. */
static void
hidden_headers(struct chk_ruleset *rs, struct chk_step *st, const char *ver)
{
	const char *crlf = strstr(ver, "\r\n");
	if (crlf == NULL)
		return;
	char *v = own(rs, xstrdup(ver));
	char *body = strstr(v, "\r\n\r\n");
	char *hdrs = strstr(v, "\r\n");
	if (hdrs == body)
		hdrs = NULL;
	if (hdrs) {
		*hdrs = 0;
		hdrs += 2;
	}
	if (body) {
		*body = 0;
		body += 4;
	}
	st->ver = v;
	if (body && *body)
		st->body = body;
	VEC(struct chk_hdr) hv = { 0 };
	while (hdrs && *hdrs) {
		char *e = strstr(hdrs, "\r\n");
		if (e)
			*e = 0;
		char *c = strchr(hdrs, ':');
		if (c) {
			*c++ = 0;
			while (*c == ' ' || *c == '\t')
				c++;
			struct chk_hdr h = { hdrs, c };
			VEC_PUSH(hv, h);
		}
		hdrs = e ? e + 2 : NULL;
	}
	if (hv.n) {
		own(rs, (char *)hv.v);
		st->lhdrs = hv.v;
		st->nlhdrs = hv.n;
	}
}

/* option httpchk's request merged into the ruleset (tcpcheck_add_http_rule
 * and check_proxy_tcpcheck). */
static void
merge_httpchk(struct chk_ruleset *rs, const struct cfg_proxy *px)
{
	const struct px_httpchk *o = px->httpchk;
	size_t first = next_real(rs, 0), r = first;
	if (r < rs->steps.n && rs->steps.v[r].act == CHK_CONNECT)
		r = next_real(rs, r + 1);
	if (o == NULL)
		return;
	if (r < rs->steps.n && rs->steps.v[r].act == CHK_SEND) {
		struct chk_step *s = &rs->steps.v[r];
		/* Which line came last decides who overrides (HAProxy merges
		 * in declaration order); lines of a defaults section come
		 * before the proxy's own. */
		const struct cfg_loc *ol = &px->chk_loc;
		const struct px_check_rule *pr = NULL;
		for (size_t k = 0; k < px->http_checks.n && !pr; k++)
			if (px->http_checks.v[k]->act == CHK_SEND)
				pr = px->http_checks.v[k];
		bool opt_last = pr && ol->file == pr->loc.file && ol->line > pr->loc.line;
		if (opt_last) {
			s->meth = o->meth;
			s->uri = o->uri;
			s->uri_lf = NULL;
			s->ver = o->ver;
			s->hdrs = NULL;
			s->nhdrs = 0;
			hidden_headers(rs, s, o->ver);
		} else {
			if (!s->meth)
				s->meth = o->meth;
			if (!s->uri) {
				s->uri = o->uri;
				s->uri_lf = NULL;
			}
			if (!s->ver) {
				s->ver = o->ver;
				hidden_headers(rs, s, o->ver);
				s->lhdrs = NULL;
				s->nlhdrs = 0;
			}
		}
		return;
	}
	size_t at = 0;
	int index = 0;
	if (first < rs->steps.n && rs->steps.v[first].act == CHK_CONNECT) {
		at = first + 1;
		index = rs->steps.v[first].index;
	}
	struct chk_step *s = insert_step(rs, at);
	s->act = CHK_SEND;
	s->index = index;
	s->http = true;
	s->meth = o->meth;
	s->uri = o->uri;
	s->ver = o->ver;
	hidden_headers(rs, s, o->ver);
}

static void
add_expect_re(struct chk_ruleset *rs, int index, const char *re,
              long long min_recv, enum chk_status err_st, enum chk_text on_err,
              enum chk_text on_ok, const char *ok_text, bool code)
{
	char *e = NULL;
	struct chk_step *st = add_step(rs, CHK_EXPECT, index);
	st->match = CHK_M_RSTRING;
	st->re = own_rx(rs, re, false, &e);
	free(e);
	st->min_recv = min_recv;
	st->err_st = err_st;
	st->on_err = on_err;
	st->on_ok = on_ok;
	st->ok_text = ok_text;
	st->code_from_payload = code;
}

/* HAProxy 2.6's *smtp-check ruleset. */
static void
build_smtp(struct chk_ruleset *rs, const struct cfg_proxy *px)
{
	struct chk_step *st = add_step(rs, CHK_CONNECT, 0);
	st->c_default = st->c_linger = true;
	add_expect_re(rs, 1, "^[0-9]{3}[ \r]", 4, CHK_ST_L7RSP, CHK_TXT_LINE0, CHK_TXT_NONE, NULL, false);
	add_expect_re(rs, 2, "^2[0-9]{2}[ \r]", 4, CHK_ST_L7STS, CHK_TXT_LINE4, CHK_TXT_NONE, NULL, true);
	st = add_step(rs, CHK_SEND, 3);
	char *cmd = own(rs, xasprintf("%s %s\r\n", px->smtpchk_helo ? px->smtpchk_helo : "HELO",
	                              px->smtpchk_domain ? px->smtpchk_domain : "localhost"));
	st->data = cmd;
	st->data_len = strlen(cmd);
	add_expect_re(rs, 4, "^2[0-9]{2}[- \r]", 4, CHK_ST_L7STS, CHK_TXT_LINE4, CHK_TXT_NONE, NULL, true);
	st = add_step(rs, CHK_SEND, 5);
	st->data = "QUIT\r\n";
	st->data_len = 6;
	add_expect_re(rs, 6, "^2[0-9]{2}[- \r]", 4, CHK_ST_L7STS, CHK_TXT_LINE4, CHK_TXT_LINE4, NULL, true);
}

static void
build_redis(struct chk_ruleset *rs)
{
	struct chk_step *st = add_step(rs, CHK_SEND, 0);
	st->data = "*1\r\n$4\r\nPING\r\n";
	st->data_len = strlen(st->data);
	st = add_step(rs, CHK_EXPECT, 1);
	st->match = CHK_M_STRING;
	st->pat = "+PONG\r\n";
	st->pat_len = 7;
	st->err_st = CHK_ST_L7STS;
	st->on_err = CHK_TXT_LINE0;
	st->on_ok = CHK_TXT_CONST;
	st->ok_text = "Redis server is ok";
}

/* Our ssl-hello-chk: a real ClientHello (built when the check runs, see
 * chk_tls_hello) and a ServerHello expected back; HAProxy's statuses. */
static void
build_ssl3(struct chk_ruleset *rs)
{
	add_step(rs, CHK_SEND, 0)->data_hex = false;
	struct chk_step *st = add_step(rs, CHK_EXPECT, 1);
	st->match = CHK_M_RBINARY;
	char *e = NULL;
	/* handshake record (16), any version, length, then ServerHello (02) */
	st->re = own_rx(rs, "^1603.{6}02", false, &e);
	free(e);
	st->min_recv = 6;
	st->ok_st = CHK_ST_L6OK;
	st->err_st = CHK_ST_L6RSP;
	st->tout_st = CHK_ST_L6TOUT;
}

static void
build_agent(struct chk_ruleset *rs, const struct cfg_server *srv)
{
	struct chk_step *st = add_step(rs, CHK_CONNECT, 0);
	st->c_default = true;
	st->implicit = true;
	int idx = 0;
	if (srv && srv->agent_send && *srv->agent_send) {
		st = add_step(rs, CHK_SEND, idx++);
		st->data = srv->agent_send;
		st->data_len = strlen(srv->agent_send);
	}
	st = add_step(rs, CHK_EXPECT, idx);
	st->agent_reply = true;
}

/* Comments go to the rules that follow them (check_proxy_tcpcheck). */
static void
apply_comments(struct chk_ruleset *rs)
{
	const char *comment = NULL;
	enum px_chk_act prev = CHK_COMMENT;
	size_t o = 0;
	for (size_t i = 0; i < rs->steps.n; i++) {
		struct chk_step st = rs->steps.v[i];
		if (st.act != prev && prev != CHK_COMMENT)
			comment = NULL;
		prev = st.act;
		if (st.act == CHK_COMMENT) {
			comment = st.comment;
			continue;
		}
		if (!st.comment && comment)
			st.comment = comment;
		if (st.act == CHK_CONNECT)
			comment = NULL;
		rs->steps.v[o++] = st;
	}
	rs->steps.n = o;
}

/* The step to go back to when an expect needs more data: the earliest
 * inverted expect of the chain of expects it ends (an inverted match may
 * turn into a failure with more data). */
static void
set_heads(struct chk_ruleset *rs)
{
	for (size_t i = 0; i < rs->steps.n; i++) {
		struct chk_step *st = &rs->steps.v[i];
		st->head = i;
		if (st->act != CHK_EXPECT)
			continue;
		for (size_t k = i; k-- > 0 && rs->steps.v[k].act == CHK_EXPECT;)
			if (rs->steps.v[k].inverse)
				st->head = k;
	}
}

int
chk_ruleset_build(const struct cfg_proxy *px, const struct cfg_server *srv,
                  bool agent, struct chk_ruleset *rs, char **err)
{
	memset(rs, 0, sizeof(*rs));
	*err = NULL;
	if (agent) {
		rs->proto = CHK_P_AGENT;
		build_agent(rs, srv);
		set_heads(rs);
		return 0;
	}
	const VEC(struct px_check_rule *) *rules = NULL;
	switch (px->chk_kind) {
	case PX_CHK_HTTP:
		rs->proto = CHK_P_HTTP;
		rules = (const void *)&px->http_checks;
		break;
	case PX_CHK_TCPCHK:
		rs->proto = CHK_P_TCPCHK;
		rules = (const void *)&px->tcp_checks;
		break;
	case PX_CHK_SSL_HELLO:
		rs->proto = CHK_P_SSL3;
		build_ssl3(rs);
		break;
	case PX_CHK_REDIS:
		rs->proto = CHK_P_REDIS;
		build_redis(rs);
		break;
	case PX_CHK_SMTP:
		rs->proto = CHK_P_SMTP;
		build_smtp(rs, px);
		break;
	default:
		rs->proto = CHK_P_CONNECT;
		break;
	}
	for (size_t i = 0; rules && i < rules->n; i++)
		if (add_rule(rs, rules->v[i], (int)i, err) < 0)
			goto fail;
	if (rs->proto == CHK_P_HTTP) {
		merge_httpchk(rs, px);
		/* implicit "http-check expect status 200-399" */
		size_t last = rs->steps.n;
		for (size_t i = 0; i < rs->steps.n; i++)
			if (rs->steps.v[i].act != CHK_COMMENT)
				last = i;
		if (last < rs->steps.n && rs->steps.v[last].act == CHK_SEND) {
			rs->dflt_status.lo = 200;
			rs->dflt_status.hi = 399;
			struct chk_step *st = add_step(rs, CHK_EXPECT, rs->steps.v[last].index);
			st->match = CHK_M_STATUS;
			st->st = &rs->dflt_status;
			st->nst = 1;
		}
	}
	size_t first = next_real(rs, 0);
	if (first >= rs->steps.n || rs->steps.v[first].act != CHK_CONNECT) {
		struct chk_step *st = insert_step(rs, 0);
		st->act = CHK_CONNECT;
		st->c_default = true;
		st->implicit = true;
	}
	apply_comments(rs);
	set_heads(rs);
	return 0;
fail:
	chk_ruleset_free(rs);
	return -1;
}

void
chk_ruleset_free(struct chk_ruleset *rs)
{
	if (rs == NULL)
		return;
	for (size_t i = 0; i < rs->owned.n; i++)
		free(rs->owned.v[i]);
	for (size_t i = 0; i < rs->regexes.n; i++)
		rx_free(rs->regexes.v[i]);
	free(rs->owned.v);
	free(rs->regexes.v);
	free(rs->steps.v);
	free(rs->ignored.v);
	memset(rs, 0, sizeof(*rs));
}

int
chk_step_id(const struct chk_ruleset *rs, size_t i)
{
	if (i >= rs->steps.n)
		return 1;
	const struct chk_step *st = &rs->steps.v[i];
	if (st->implicit && st->act == CHK_CONNECT && st->index == 0)
		return 0;
	return st->index + 1;
}
