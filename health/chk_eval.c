/* Running the pure parts of a check program (chk.h): what a send step
 * puts on the wire, whether an expect step matches, and the status, code
 * and info text of every outcome, worded as HAProxy 2.6's tcpcheck.c and
 * check.c word them (observed against haproxy 2.6.12, see
 * tests/unit/health_test.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "engine/smp_eval.h"
#include "health/chk.h"
#include "lib/regex.h"
#include "parser/acl.h"
#include "proto/http1_resp.h"

static void
res_set(struct chk_result *res, enum chk_status st, int code, const char *info)
{
	res->status = st;
	res->code = code;
	str_copy(res->info, sizeof(res->info), info ? info : "");
}

static const struct chk_step *
step(const struct chk_env *env, size_t i)
{
	return &env->rs->steps.v[i];
}

/* A check has no session: log-format strings see the config, the
 * backend and the server only (env->sctx), or nothing at all. */
static void
render_lf(struct chk_env *env, const struct lf_expr *lf, struct sbuf *out)
{
	if (lf == NULL)
		return;
	if (env->sctx) {
		lf_render(lf, env->sctx, out);
		return;
	}
	union sess_addr src, dst;
	struct smp_ctx c;
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	memset(&c, 0, sizeof(c));
	c.src = &src;
	c.dst = &dst;
	c.fc_src = &src;
	c.fc_dst = &dst;
	c.final = true;
	lf_render(lf, &c, out);
	smp_vars_free(&c);
}

/* res.payload(off,0),[ltrim(' '),]cut_crlf over the received bytes. */
static void
payload_line(const char *buf, size_t len, size_t off, bool ltrim, struct sbuf *out)
{
	if (off >= len)
		return;
	const char *p = buf + off, *e = buf + len;
	if (ltrim)
		while (p < e && *p == ' ')
			p++;
	const char *q = p;
	while (q < e && *q != '\r' && *q != '\n')
		q++;
	sbuf_addn(out, p, (size_t)(q - p));
}

static void
text(struct chk_env *env, enum chk_text t, const char *c, const struct lf_expr *lf,
     const char *buf, size_t len, struct sbuf *out)
{
	switch (t) {
	case CHK_TXT_CONST:
		sbuf_adds(out, c);
		break;
	case CHK_TXT_LF:
		render_lf(env, lf, out);
		break;
	case CHK_TXT_LINE0:
		payload_line(buf, len, 0, false, out);
		break;
	case CHK_TXT_LINE4:
		payload_line(buf, len, 4, true, out);
		break;
	default:
		break;
	}
}

/* status-code res.payload(0,3): the integer those bytes start with. */
static int
payload_code(const char *buf, size_t len)
{
	char t[4] = { 0 };
	memcpy(t, buf, len < 3 ? len : 3);
	return atoi(t);
}

void
chk_hex(const char *p, size_t n, struct sbuf *out)
{
	static const char hx[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		sbuf_addc(out, hx[(unsigned char)p[i] >> 4]);
		sbuf_addc(out, hx[(unsigned char)p[i] & 15]);
	}
}

/* ------------------------------------------------------------------ send */

static bool
ver_11(const char *v)
{
	size_t n = strlen(v);
	return (n == 6 && v[5] == '2') ||
	       (n == 8 && (v[5] > '1' || (v[5] == '1' && v[7] >= '1')));
}

static void
add_lower(struct sbuf *out, const char *s)
{
	for (; *s; s++)
		sbuf_addc(out, (*s >= 'A' && *s <= 'Z') ? (char)(*s + 32) : *s);
}

/* The request HAProxy's h1 mux writes for an http-check send: header
 * names lower-cased, content-length only with a body, "connection: close"
 * only for HTTP/1.1 (observed on haproxy 2.6.12). */
static void
http_request(struct chk_env *env, const struct chk_step *st, struct sbuf *out)
{
	struct sbuf tmp = { 0 };
	const char *ver = st->ver ? st->ver : "HTTP/1.0";
	sbuf_adds(out, st->meth ? st->meth : "OPTIONS");
	sbuf_addc(out, ' ');
	if (st->uri_lf) {
		render_lf(env, st->uri_lf, &tmp);
		sbuf_adds(out, tmp.len ? tmp.s : "/");
		sbuf_reset(&tmp);
	} else
		sbuf_adds(out, st->uri ? st->uri : "/");
	sbuf_addc(out, ' ');
	sbuf_adds(out, ver);
	sbuf_adds(out, "\r\n");
	bool conn_hdr = false;
	for (size_t i = 0; i < st->nlhdrs; i++) {
		if (!strcasecmp(st->lhdrs[i].name, "content-length") ||
		    !strcasecmp(st->lhdrs[i].name, "transfer-encoding"))
			continue;
		conn_hdr |= !strcasecmp(st->lhdrs[i].name, "connection");
		add_lower(out, st->lhdrs[i].name);
		sbuf_addf(out, ": %s\r\n", st->lhdrs[i].value);
	}
	for (size_t i = 0; i < st->nhdrs; i++) {
		const struct px_hdr *h = &st->hdrs[i];
		/* HAProxy's parser drops these two: it frames the body itself */
		if (!strcasecmp(h->name, "content-length") || !strcasecmp(h->name, "transfer-encoding"))
			continue;
		sbuf_reset(&tmp);
		render_lf(env, h->fmt, &tmp);
		if (tmp.len == 0)
			continue;
		conn_hdr |= !strcasecmp(h->name, "connection");
		add_lower(out, h->name);
		sbuf_adds(out, ": ");
		sbuf_addn(out, tmp.s, tmp.len);
		sbuf_adds(out, "\r\n");
	}
	if (env->state_hdr)
		sbuf_addf(out, "x-haproxy-server-state: %s\r\n", env->state_hdr);
	sbuf_reset(&tmp);
	if (st->body_lf)
		render_lf(env, st->body_lf, &tmp);
	else if (st->body)
		sbuf_adds(&tmp, st->body);
	if (tmp.len)
		sbuf_addf(out, "content-length: %zu\r\n", tmp.len);
	if (!conn_hdr && ver_11(ver))
		sbuf_adds(out, "connection: close\r\n");
	sbuf_adds(out, "\r\n");
	if (tmp.len)
		sbuf_addn(out, tmp.s, tmp.len);
	free(tmp.s);
}

int
chk_send_render(struct chk_env *env, size_t i, struct sbuf *out,
                struct chk_result *res)
{
	const struct chk_step *st = step(env, i);
	if (st->http) {
		http_request(env, st, out);
		return 0;
	}
	if (env->rs->proto == CHK_P_SSL3) {
		if (chk_tls_hello(env->hello_sni, out) < 0) {
			char *m = xasprintf("tcp-check send : failed to build log-format string at step %d",
			                    chk_step_id(env->rs, i));
			res_set(res, CHK_ST_L7RSP, 0, m);
			free(m);
			return -1;
		}
		return 0;
	}
	if (!st->data_lf) {
		sbuf_addn(out, st->data, st->data_len);
		return 0;
	}
	struct sbuf tmp = { 0 };
	render_lf(env, st->data_lf, &tmp);
	int rc = 0;
	if (!st->data_hex)
		sbuf_addn(out, tmp.s ? tmp.s : "", tmp.len);
	else if (tmp.len) {
		unsigned char *b = NULL;
		size_t n = 0;
		char *err = NULL;
		if (acl_hex_decode(tmp.s, &b, &n, &err) < 0) {
			char *m = xasprintf("tcp-check send : failed to build log-format string at step %d",
			                    chk_step_id(env->rs, i));
			res_set(res, CHK_ST_L7RSP, 0, m);
			free(m);
			rc = -1;
		} else
			sbuf_addn(out, (const char *)b, n);
		free(b);
		free(err);
	}
	free(tmp.s);
	return rc;
}

/* ---------------------------------------------------------------- expect */

/* tcpcheck_expect_onerror_message(): desc, or the on-error text, or (for
 * tcp-check rulesets only) HAProxy's generic wording; then the comment. */
static void
error_info(struct chk_env *env, size_t i, bool match, const char *desc,
           const char *buf, size_t len, struct chk_result *res)
{
	const struct chk_step *st = step(env, i);
	struct sbuf m = { 0 };
	if (desc && *desc)
		sbuf_adds(&m, desc);
	else if (st->on_err != CHK_TXT_NONE)
		text(env, st->on_err, st->err_text, st->err_lf, buf, len, &m);
	else if (env->rs->proto == CHK_P_TCPCHK) {
		int id = chk_step_id(env->rs, i);
		sbuf_adds(&m, match ? "TCPCHK matched unwanted content" : "TCPCHK did not match content");
		switch (st->match) {
		case CHK_M_STRING:
			sbuf_addf(&m, " '%.*s' at step %d", (int)st->pat_len, st->pat, id);
			break;
		case CHK_M_BINARY:
			sbuf_addf(&m, " (binary) at step %d", id);
			break;
		case CHK_M_RSTRING:
			sbuf_addf(&m, " (regex) at step %d", id);
			break;
		case CHK_M_RBINARY:
			sbuf_addf(&m, " (binary regex) at step %d", id);
			break;
		case CHK_M_STRING_LF:
			sbuf_addf(&m, " (log-format string) at step %d", id);
			break;
		case CHK_M_BINARY_LF:
			sbuf_addf(&m, " (log-format binary) at step %d", id);
			break;
		default:
			break;
		}
	}
	if (st->comment)
		sbuf_addf(&m, " comment: %s", st->comment);
	if (st->code_from_payload)
		res->code = payload_code(buf, len);
	str_copy(res->info, sizeof(res->info), m.s ? m.s : "");
	free(m.s);
}

static enum chk_eval
fail(struct chk_env *env, size_t i, enum chk_status dflt, bool match,
     const char *desc, const char *buf, size_t len, struct chk_result *res)
{
	const struct chk_step *st = step(env, i);
	res->status = st->err_st != CHK_ST_UNKNOWN ? st->err_st : dflt;
	res->code = env->code;
	error_info(env, i, match, desc, buf, len, res);
	return CHK_EVAL_STOP;
}

static bool
mem_has(const char *h, size_t hl, const char *n, size_t nl)
{
	if (nl == 0)
		return true;
	return hl >= nl && memmem(h, hl, n, nl) != NULL;
}

static enum chk_eval
expect_agent(const char *buf, size_t len, bool last_read, struct chk_result *res)
{
	size_t n = 0;
	while (n < len && buf[n] != '\r' && buf[n] != '\n' && buf[n] != 0)
		n++;
	if (n == len) {
		if (!last_read)
			return CHK_EVAL_WAIT;
		res_set(res, CHK_ST_UNKNOWN, 0, "Ignoring incomplete line from agent");
		return CHK_EVAL_STOP;
	}
	res->status = CHK_ST_L7OK;
	res->code = 0;
	if (n >= sizeof(res->info))
		n = sizeof(res->info) - 1;
	memcpy(res->info, buf, n);
	res->info[n] = 0;
	return CHK_EVAL_CONT;
}

/* tcpcheck_eval_expect() */
static enum chk_eval
expect_tcp(struct chk_env *env, size_t i, const char *buf, size_t len,
           bool last_read, struct chk_result *res)
{
	const struct chk_step *st = step(env, i);
	last_read |= len >= CHK_BUFSIZE;
	if (!last_read) {
		if ((st->match == CHK_M_STRING || st->match == CHK_M_BINARY) && len < st->pat_len)
			return CHK_EVAL_WAIT;
		if (st->min_recv > 0 && (long long)len < st->min_recv)
			return CHK_EVAL_WAIT;
	}
	bool match = false;
	struct sbuf tmp = { 0 };
	enum chk_eval rc;
	switch (st->match) {
	case CHK_M_STRING:
	case CHK_M_BINARY:
		match = mem_has(buf, len, st->pat, st->pat_len);
		break;
	case CHK_M_RSTRING:
		match = st->re && rx_match(st->re, buf, len);
		break;
	case CHK_M_RBINARY:
		chk_hex(buf, len, &tmp);
		match = st->re && rx_match(st->re, tmp.s ? tmp.s : "", tmp.len);
		break;
	case CHK_M_STRING_LF:
	case CHK_M_BINARY_LF:
		render_lf(env, st->pat_lf, &tmp);
		if (tmp.len == 0) {
			rc = fail(env, i, CHK_ST_L7RSP, false, "log-format string evaluated to an empty string", buf, len, res);
			res->status = CHK_ST_L7RSP;
			goto out;
		}
		if (st->match == CHK_M_BINARY_LF) {
			unsigned char *b = NULL;
			size_t n = 0;
			char *err = NULL;
			int hrc = acl_hex_decode(tmp.s, &b, &n, &err);
			free(err);
			if (hrc < 0) {
				free(b);
				rc = fail(env, i, CHK_ST_L7RSP, false, "Failed to parse hexastring resulting of eval of a log-format string", buf, len, res);
				res->status = CHK_ST_L7RSP;
				goto out;
			}
			sbuf_reset(&tmp);
			sbuf_addn(&tmp, (const char *)b, n);
			free(b);
		}
		if (len < tmp.len) {
			if (!last_read) {
				rc = CHK_EVAL_WAIT;
				goto out;
			}
			break;
		}
		match = mem_has(buf, len, tmp.s, tmp.len);
		break;
	default:
		rc = CHK_EVAL_STOP;
		res_set(res, CHK_ST_L7RSP, 0, NULL);
		goto out;
	}
	if (!match && !last_read && st->min_recv == -1)
		rc = CHK_EVAL_WAIT;
	else if (match != st->inverse)
		rc = CHK_EVAL_CONT;
	else
		rc = fail(env, i, CHK_ST_L7RSP, match, NULL, buf, len, res);
out:
	free(tmp.s);
	return rc;
}

static bool
hdr_cmp(const char *v, size_t vl, const char *p, int how)
{
	size_t pl = strlen(p);
	switch (how) {
	case 1:
		return vl >= pl && strncasecmp(v, p, pl) == 0;
	case 2:
		return vl >= pl && strncasecmp(v + vl - pl, p, pl) == 0;
	case 3:
		for (size_t k = 0; k + pl <= vl; k++)
			if (strncasecmp(v + k, p, pl) == 0)
				return true;
		return false;
	default:
		return vl == pl && strncasecmp(v, p, pl) == 0;
	}
}

static bool
val_match(const struct chk_step *st, const char *v, size_t vl)
{
	const char *p = st->hdr_value;
	size_t pl = strlen(p);
	switch (st->hdr_value_match) {
	case 1:
		return vl >= pl && memcmp(v, p, pl) == 0;
	case 2:
		return vl >= pl && memcmp(v + vl - pl, p, pl) == 0;
	case 3:
		return mem_has(v, vl, p, pl);
	case 4:
		return st->hdr_value_re && rx_match(st->hdr_value_re, v, vl);
	default:
		return vl == pl && memcmp(v, p, pl) == 0;
	}
}

/* hdr name <n> [value <v>]: "hdr" looks at each comma-separated value,
 * "fhdr" at the whole line (http_find_header's "full"). */
static bool
hdr_matches(const struct chk_step *st, const struct h1r_resp *r)
{
	for (size_t k = 0; k < r->nhdrs; k++) {
		const struct h1r_hdr *h = &r->hdrs[k];
		bool nm = st->hdr_name_match == 4 ? (st->re && rx_match(st->re, h->name, h->name_len))
		                                  : hdr_cmp(h->name, h->name_len, st->pat, st->hdr_name_match);
		if (!nm)
			continue;
		if (st->hdr_value == NULL)
			return true;
		if (st->hdr_full) {
			if (val_match(st, h->value, h->value_len))
				return true;
			continue;
		}
		const char *v = h->value, *e = v + h->value_len;
		while (v <= e) {
			const char *c = memchr(v, ',', (size_t)(e - v));
			const char *ve = c ? c : e, *vs = v;
			while (vs < ve && (*vs == ' ' || *vs == '\t'))
				vs++;
			const char *vt = ve;
			while (vt > vs && (vt[-1] == ' ' || vt[-1] == '\t'))
				vt--;
			if (val_match(st, vs, (size_t)(vt - vs)))
				return true;
			if (!c)
				break;
			v = c + 1;
		}
	}
	return false;
}

/* tcpcheck_eval_expect_http() on the raw response. */
static enum chk_eval
expect_http(struct chk_env *env, size_t i, const char *buf, size_t len,
            bool last_read, struct chk_result *res)
{
	const struct chk_step *st = step(env, i);
	struct h1r_resp *r = xmalloc(sizeof(*r));
	char *body = NULL;
	size_t blen = 0;
	char reason[128] = "";
	enum chk_eval rc;
	last_read |= len >= CHK_BUFSIZE;
	enum h1r_result hr = h1r_parse(buf, len, r);
	if (hr == H1R_NEED_MORE && !last_read) {
		rc = CHK_EVAL_WAIT;
		goto out;
	}
	if (hr != H1R_OK) {
		/* not HTTP, or cut: L7RSP without a text (HAProxy) */
		res->status = CHK_ST_L7RSP;
		res->code = 0;
		error_info(env, i, false, NULL, buf, len, res);
		rc = CHK_EVAL_STOP;
		goto out;
	}
	body = xmalloc(CHK_BUFSIZE);
	enum h1r_result br = h1r_body(buf, len, r, last_read, body, CHK_BUFSIZE, &blen);
	last_read |= br != H1R_NEED_MORE;
	env->code = r->status;
	size_t rl = r->reason_len < sizeof(reason) - 1 ? r->reason_len : sizeof(reason) - 1;
	memcpy(reason, r->reason, rl);
	reason[rl] = 0;
	const char *desc = st->on_err == CHK_TXT_NONE ? reason : NULL;
	if (env->disable_on_404 && env->srv_up && env->code == 404) {
		rc = CHK_EVAL_CONT;
		goto out;
	}
	bool match = false;
	enum chk_status dflt = CHK_ST_L7STS;
	switch (st->match) {
	case CHK_M_STATUS:
		for (size_t k = 0; k < st->nst; k++)
			if (env->code >= st->st[k].lo && env->code <= st->st[k].hi)
				match = true;
		break;
	case CHK_M_RSTATUS: {
		char code[8];
		snprintf(code, sizeof(code), "%03d", env->code);
		match = st->re && rx_match(st->re, code, strlen(code));
		break;
	}
	case CHK_M_HDR:
	case CHK_M_FHDR:
		match = hdr_matches(st, r);
		break;
	case CHK_M_STRING:
	case CHK_M_RSTRING:
	case CHK_M_STRING_LF: {
		dflt = CHK_ST_L7RSP;
		if (blen == 0) {
			if (!last_read) {
				rc = CHK_EVAL_WAIT;
				goto out;
			}
			rc = fail(env, i, dflt, false, st->on_err == CHK_TXT_NONE ?
			          "HTTP content check could not find a response body" : NULL, buf, len, res);
			goto out;
		}
		struct sbuf pat = { 0 };
		if (st->match == CHK_M_STRING_LF) {
			render_lf(env, st->pat_lf, &pat);
			if (pat.len == 0) {
				free(pat.s);
				rc = fail(env, i, CHK_ST_L7RSP, false, "log-format string evaluated to an empty string", buf, len, res);
				res->status = CHK_ST_L7RSP;
				goto out;
			}
		}
		if (!last_read && ((st->match == CHK_M_STRING && blen < st->pat_len) ||
		                   (st->match == CHK_M_STRING_LF && blen < pat.len) ||
		                   (st->min_recv > 0 && (long long)blen < st->min_recv))) {
			free(pat.s);
			rc = CHK_EVAL_WAIT;
			goto out;
		}
		if (st->match == CHK_M_STRING)
			match = mem_has(body, blen, st->pat, st->pat_len);
		else if (st->match == CHK_M_STRING_LF)
			match = mem_has(body, blen, pat.s, pat.len);
		else
			match = st->re && rx_match(st->re, body, blen);
		free(pat.s);
		if (!match && !last_read && st->min_recv == -1) {
			rc = CHK_EVAL_WAIT;
			goto out;
		}
		desc = st->on_err != CHK_TXT_NONE ? NULL : st->inverse ?
		       "HTTP check matched unwanted content" : "HTTP content check did not match";
		break;
	}
	default:
		rc = fail(env, i, CHK_ST_L7RSP, false, NULL, buf, len, res);
		goto out;
	}
	if (match != st->inverse)
		rc = CHK_EVAL_CONT;
	else
		rc = fail(env, i, dflt, match, desc, buf, len, res);
out:
	free(body);
	free(r);
	return rc;
}

enum chk_eval
chk_expect(struct chk_env *env, size_t i, const char *buf, size_t len,
           bool last_read, struct chk_result *res)
{
	const struct chk_step *st = step(env, i);
	env->code = 0;
	if (st->agent_reply)
		return expect_agent(buf, len, last_read, res);
	if (env->rs->proto == CHK_P_HTTP)
		return expect_http(env, i, buf, len, last_read, res);
	return expect_tcp(env, i, buf, len, last_read, res);
}

/* --------------------------------------------------------------- results */

void
chk_success(struct chk_env *env, size_t last, bool ssl, const char *buf,
            size_t len, struct chk_result *res)
{
	const struct chk_step *st = step(env, last);
	res->code = env->code;
	res->info[0] = 0;
	if (st->act == CHK_EXPECT) {
		if (env->rs->proto == CHK_P_HTTP && env->disable_on_404 && env->srv_up &&
		    env->code == 404) {
			res->status = CHK_ST_L7OKC;
			return;
		}
		struct sbuf m = { 0 };
		if (st->on_ok != CHK_TXT_NONE)
			text(env, st->on_ok, st->ok_text, st->ok_lf, buf, len, &m);
		else if (env->rs->proto == CHK_P_TCPCHK)
			sbuf_adds(&m, "(tcp-check)");
		if (st->code_from_payload)
			res->code = payload_code(buf, len);
		str_copy(res->info, sizeof(res->info), m.s ? m.s : "");
		free(m.s);
		res->status = st->ok_st != CHK_ST_UNKNOWN ? st->ok_st : CHK_ST_L7OK;
	} else if (st->act == CHK_CONNECT) {
		res->status = ssl ? CHK_ST_L6OK : CHK_ST_L4OK;
		if (!st->implicit)
			str_copy(res->info, sizeof(res->info), "(tcp-check)");
	} else {
		res->status = CHK_ST_L7OK;
		str_copy(res->info, sizeof(res->info), "(tcp-check)");
	}
}

void
chk_empty_response(struct chk_env *env, size_t i, struct chk_result *res)
{
	const struct chk_step *st = step(env, i);
	res->code = 0;
	if (env->rs->proto == CHK_P_HTTP) {
		/* HAProxy's h1 mux turns it into a parse error: no text */
		res_set(res, CHK_ST_L7RSP, 0, NULL);
		return;
	}
	struct sbuf m = { 0 };
	sbuf_addf(&m, "TCPCHK got an empty response at step %d", chk_step_id(env->rs, i));
	if (st->comment)
		sbuf_addf(&m, " comment: '%s'", st->comment);
	res_set(res, st->err_st != CHK_ST_UNKNOWN ? st->err_st : CHK_ST_L7RSP, 0, m.s);
	free(m.s);
}

/* The " at step N of tcp-check (...)" part of chk_report_conn_err(). */
static void
step_where(struct chk_env *env, size_t cur, struct sbuf *m)
{
	int id = chk_step_id(env->rs, cur);
	if (id == 0) {
		sbuf_adds(m, " at initial connection step of tcp-check");
		return;
	}
	const struct chk_step *st = step(env, cur);
	sbuf_addf(m, " at step %d of tcp-check", id);
	if (st->act == CHK_CONNECT) {
		if (st->c_port)
			sbuf_addf(m, " (connect port %d)", st->c_port);
		else
			sbuf_adds(m, " (connect)");
	} else if (st->act == CHK_EXPECT) {
		switch (st->match) {
		case CHK_M_STRING:
			sbuf_addf(m, " (expect string '%.*s')", (int)st->pat_len, st->pat);
			break;
		case CHK_M_BINARY:
			sbuf_adds(m, " (expect binary '");
			chk_hex(st->pat, st->pat_len, m);
			sbuf_adds(m, "')");
			break;
		case CHK_M_RSTRING:
			sbuf_adds(m, " (expect regex)");
			break;
		case CHK_M_RBINARY:
			sbuf_adds(m, " (expect binary regex)");
			break;
		case CHK_M_STRING_LF:
			sbuf_adds(m, " (expect log-format string)");
			break;
		case CHK_M_BINARY_LF:
			sbuf_adds(m, " (expect log-format binary)");
			break;
		default:
			break;
		}
	} else if (st->act == CHK_SEND)
		sbuf_adds(m, " (send)");
	if (st->comment)
		sbuf_addf(m, " comment: '%s'", st->comment);
}

void
chk_conn_error(struct chk_env *env, size_t cur, enum chk_conn_phase ph,
               int err, const char *tls_err, bool expired, struct chk_result *res)
{
	struct sbuf where = { 0 }, m = { 0 };
	if (env->rs->proto == CHK_P_TCPCHK)
		step_where(env, cur, &where);
	if (err == EAGAIN)
		err = 0;
	if (tls_err) {
		if (err)
			sbuf_addf(&m, "%s (%s)", tls_err, strerror(err));
		else
			sbuf_adds(&m, tls_err);
	} else if (err)
		sbuf_adds(&m, strerror(err));
	if (where.len)
		sbuf_adds(&m, where.s);
	enum chk_status st;
	if (ph == CHK_PH_L4)
		st = expired ? CHK_ST_L4TOUT : CHK_ST_L4CON;
	else if (ph == CHK_PH_L6)
		st = expired ? CHK_ST_L6TOUT : CHK_ST_L6RSP;
	else if (!expired)
		st = CHK_ST_SOCKERR;
	else {
		st = CHK_ST_L7TOUT;
		if (cur < env->rs->steps.n && step(env, cur)->act == CHK_EXPECT &&
		    step(env, cur)->tout_st != CHK_ST_UNKNOWN)
			st = step(env, cur)->tout_st;
	}
	res_set(res, st, 0, m.s);
	free(m.s);
	free(where.s);
}

/* httpchk_build_status_header() */
void
chk_state_header(const struct chk_srv_view *v, struct sbuf *out)
{
	static const char *const hlt[] = { "DOWN", "DOWN %d/%d", "UP %d/%d", "UP",
	                                   "NOLB %d/%d", "NOLB", "no check" };
	int s;
	if (v->up) {
		s = v->health == v->rise + v->fall - 1 ? 3 : 2;
		if (v->draining)
			s += 2;
	} else
		s = v->health ? 1 : 0;
	int a = v->up ? v->health - v->rise + 1 : v->health;
	int b = v->up ? v->fall : v->rise;
	switch (s) {
	case 1: case 2: case 4:
		sbuf_addf(out, hlt[s], a, b);
		break;
	default:
		sbuf_adds(out, hlt[s]);
		break;
	}
	sbuf_addf(out, "; address=%s; port=", v->addr ? v->addr : "");
	if (v->port)
		sbuf_addf(out, "%d", v->port);
	sbuf_addf(out, "; name=%s/%s; node=%s; weight=%d/%d; scur=%d/%d; qcur=%d",
	          v->be, v->srv, v->node ? v->node : "", v->weight, v->tot_weight,
	          v->scur, v->be_conn, v->qcur);
}

/* ------------------------------------------------------------ TLS hello */

int
chk_tls_hello(const char *sni, struct sbuf *out)
{
	int rc = -1;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;
	if (ctx == NULL)
		goto out;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	ssl = SSL_new(ctx);
	if (ssl == NULL)
		goto out;
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	if (rb == NULL || wb == NULL) {
		BIO_free(rb);
		BIO_free(wb);
		goto out;
	}
	SSL_set_bio(ssl, rb, wb);
	SSL_set_connect_state(ssl);
	if (sni && *sni)
		SSL_set_tlsext_host_name(ssl, sni);
	SSL_do_handshake(ssl);
	char *p = NULL;
	long n = BIO_get_mem_data(wb, &p);
	if (n > 0 && p) {
		sbuf_addn(out, p, (size_t)n);
		rc = 0;
	}
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}
