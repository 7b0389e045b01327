/* HTTP rule sets (http_act.h): http-request (then "redirect" lines),
 * http-response and http-after-response, run on an editable head
 * (engine/http_msg.h), with HAProxy 2.6's semantics for each action
 * (observed on 2.6.12 where the manual is vague). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/http_act_int.h"
#include "engine/http_msg.h"
#include "engine/patref.h"
#include "engine/smp_eval.h"
#include "lib/regex.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"

/* The views of the head being edited become what fetches see. */
static void
bind_views(struct hmsg *m, struct smp_ctx *ctx)
{
	if (m->is_req)
		ctx->http = hmsg_req_view(m);
	else
		ctx->http_res = hmsg_resp_view(m);
}

/* Renders lf into a fresh string (never NULL); *len set. */
static char *
render(const struct lf_expr *lf, struct smp_ctx *ctx, size_t *len)
{
	struct sbuf b = { 0 };
	if (lf)
		lf_render(lf, ctx, &b);
	*len = b.len;
	return b.s ? b.s : xstrdup("");
}

/* HAProxy's exp_replace(): fmt with "\<digit>" replaced by the group of
 * the match in s, "\xHH" by that byte, "\<c>" by c. */
static void
exp_replace(struct sbuf *out, const char *fmt, size_t flen, const char *s,
            const size_t *ovec, int nvec)
{
	for (size_t i = 0; i < flen; i++) {
		char c = fmt[i];
		if (c != '\\' || i + 1 >= flen) {
			sbuf_addc(out, c);
			continue;
		}
		c = fmt[++i];
		if (c >= '0' && c <= '9') {
			int g = c - '0';
			if (g < nvec && ovec[2 * g] != RX_UNSET)
				sbuf_addn(out, s + ovec[2 * g], ovec[2 * g + 1] - ovec[2 * g]);
		} else if (c == 'x' && i + 2 < flen) {
			char hex[3] = { fmt[i + 1], fmt[i + 2], 0 };
			sbuf_addc(out, (char)strtol(hex, NULL, 16));
			i += 2;
		} else {
			sbuf_addc(out, c);
		}
	}
}

/* Applies the regex of r to s[0..len): on a match, *out gets the
 * rendered replacement with its back-references (the whole value is
 * replaced, as HAProxy). false when it does not match. */
static bool
regex_subst(const struct px_rule *r, const char *rep, size_t rlen, const char *s,
            size_t len, struct sbuf *out)
{
	size_t ovec[20];
	int n = r->re ? rx_exec(r->re, s, len, 0, false, ovec, 10) : -1;
	if (n < 0)
		return false;
	exp_replace(out, rep, rlen, s, ovec, n);
	return true;
}

/* del-header -m: does field h match r's name? */
static bool
name_matches(const struct px_rule *r, const struct hmsg_hdr *h)
{
	size_t nl = strlen(r->arg);
	switch (r->match) {
	case 1: /* beg */
		return h->name_len >= nl && strncasecmp(h->name, r->arg, nl) == 0;
	case 2: /* end */
		return h->name_len >= nl &&
		       strncasecmp(h->name + h->name_len - nl, r->arg, nl) == 0;
	case 3: /* sub */
		for (size_t i = 0; i + nl <= h->name_len; i++)
			if (strncasecmp(h->name + i, r->arg, nl) == 0)
				return true;
		return false;
	case 4: /* reg */
		return r->re && rx_match(r->re, h->name, h->name_len);
	default:
		return h->name_len == nl && strncasecmp(h->name, r->arg, nl) == 0;
	}
}

static bool
is_host(const char *name)
{
	return strcasecmp(name, "host") == 0;
}

/* replace-header / replace-value on every field named r->arg. */
static int
replace_hdr(const struct px_rule *r, struct hmsg *m, struct smp_ctx *ctx)
{
	size_t rlen;
	char *rep = render(r->fmt, ctx, &rlen);
	int rc = 0;
	size_t nl = strlen(r->arg);
	for (size_t i = 0; i < m->nhdrs && rc == 0; i++) {
		struct hmsg_hdr *h = &m->hdrs[i];
		if (h->name_len != nl || strncasecmp(h->name, r->arg, nl) != 0)
			continue;
		struct sbuf nv = { 0 };
		bool changed = false;
		if (r->act == PX_ACT_REPLACE_HEADER) {
			changed = regex_subst(r, rep, rlen, h->value, h->value_len, &nv);
		} else {
			/* each comma-separated value */
			const char *v = h->value, *end = v + h->value_len;
			while (v <= end) {
				const char *c = memchr(v, ',', (size_t)(end - v));
				const char *e = c ? c : end;
				const char *b = v, *t = e;
				while (b < t && (*b == ' ' || *b == '\t'))
					b++;
				while (t > b && (t[-1] == ' ' || t[-1] == '\t'))
					t--;
				/* a replaced value loses the blanks around it,
				 * the others keep them (observed) */
				if (regex_subst(r, rep, rlen, b, (size_t)(t - b), &nv))
					changed = true;
				else
					sbuf_addn(&nv, v, (size_t)(e - v));
				if (c == NULL)
					break;
				sbuf_addc(&nv, ',');
				v = c + 1;
			}
		}
		if (changed)
			rc = hmsg_set_value(m, i, nv.s ? nv.s : "", nv.len);
		free(nv.s);
	}
	free(rep);
	if (rc == 0 && is_host(r->arg))
		rc = hmsg_host_changed(m);
	return rc;
}

/* replace-path / replace-pathq / replace-uri */
static int
replace_line(const struct px_rule *r, struct hmsg *m, struct smp_ctx *ctx)
{
	const struct h1q_req *q = hmsg_req_view(m);
	const char *s = m->uri;
	size_t len = m->uri_len;
	if (r->act != PX_ACT_REPLACE_URI) {
		s = h1q_path(q, &len);
		if (s && r->act == PX_ACT_REPLACE_PATHQ) {
			size_t ql;
			const char *qs = h1q_query(q, &ql);
			if (qs)
				len = (size_t)(qs + ql - s);
		}
		if (s == NULL)
			return 0;
	}
	size_t rlen;
	char *rep = render(r->fmt, ctx, &rlen);
	/* s points into m, which the edit replaces */
	char *copy = xstrndup(s, len);
	struct sbuf nv = { 0 };
	int rc = 0;
	if (regex_subst(r, rep, rlen, copy, len, &nv)) {
		const char *v = nv.s ? nv.s : "";
		rc = r->act == PX_ACT_REPLACE_URI ? hmsg_set_uri(m, v, nv.len) :
		     r->act == PX_ACT_REPLACE_PATH ? hmsg_set_path(m, v, nv.len) :
		     hmsg_set_pathq(m, v, nv.len);
	}
	free(nv.s);
	free(copy);
	free(rep);
	return rc;
}

/* add-acl / del-acl / set-map / del-map: the reference of r->arg, edited
 * as the stats socket edits it. The CLI runs on the main thread and
 * patref edits are main-thread operations: workers serialise theirs on
 * one lock (see the report: a rule edit racing a CLI edit of the same
 * file is not excluded). */
static pthread_mutex_t ref_lock = PTHREAD_MUTEX_INITIALIZER;

static void
ref_edit(const struct px_rule *r, struct smp_ctx *ctx)
{
	struct patref_reg *reg = smp_rt_patrefs(ctx->cfg);
	if (reg == NULL || r->arg == NULL || ctx->dry_run)
		return;
	bool acl = r->act == PX_ACT_ADD_ACL || r->act == PX_ACT_DEL_ACL;
	size_t kl, vl = 0;
	char *key = render(r->fmt, ctx, &kl);
	char *val = r->act == PX_ACT_SET_MAP ? render(r->fmt2, ctx, &vl) : NULL;
	pthread_mutex_lock(&ref_lock);
	struct patref *ref = patref_find(reg, r->arg, acl ? PATREF_ACL : PATREF_MAP);
	if (ref == NULL)
		goto out;
	char *err = NULL;
	switch (r->act) {
	case PX_ACT_ADD_ACL: {
		/* added only when absent */
		bool have = false;
		for (size_t i = 0; i < ref->elts.n && !have; i++)
			have = ref->elts.v[i]->gen == ref->curr_ver && !strcmp(ref->elts.v[i]->key, key);
		if (have || patref_check(ref, key, NULL, &err) < 0)
			break;
		patref_add(ref, ref->curr_ver, key, ref->two_cols ? "" : NULL);
		patref_publish(ref, &err);
		break;
	}
	case PX_ACT_DEL_ACL:
	case PX_ACT_DEL_MAP:
		if (patref_del(ref, NULL, key))
			patref_publish(ref, &err);
		break;
	case PX_ACT_SET_MAP:
		if (patref_check(ref, key, val, &err) < 0)
			break;
		if (patref_set(ref, NULL, key, val) == 0)
			patref_add(ref, ref->curr_ver, key, val);
		patref_publish(ref, &err);
		break;
	default:
		break;
	}
	free(err);
out:
	pthread_mutex_unlock(&ref_lock);
	free(key);
	free(val);
}

/* ---- redirects ------------------------------------------------------------ */

static const char *
redir_reason(int code)
{
	switch (code) {
	case 301: return "Moved Permanently";
	case 303: return "See Other";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	default: return "Found";
	}
}

/* The answer of a redirect rule, as HAProxy 2.6 writes it (observed):
 * content-length, location, cache-control (not for 301/308), set-cookie.
 * false when there is nothing to redirect to (an empty location). */
static bool
redirect(const struct px_redirect *rd, const struct h1q_req *q, struct smp_ctx *ctx,
         struct http_reply *out)
{
	struct sbuf loc = { 0 };
	size_t tl;
	char *target = rd->fmt ? render(rd->fmt, ctx, &tl) : xstrdup(rd->target ? rd->target : "");
	tl = strlen(target);
	if (rd->type == PX_REDIR_LOCATION) {
		sbuf_addn(&loc, target, tl);
	} else {
		/* the path and query of the request */
		size_t pl = 0;
		const char *p = q ? h1q_path(q, &pl) : NULL;
		if (p && q) {
			size_t ql;
			const char *qs = h1q_query(q, &ql);
			if (qs && !(rd->flags & PX_REDIR_DROP_QUERY))
				pl = (size_t)(qs + ql - p);
		}
		if (rd->type == PX_REDIR_SCHEME) {
			const struct h1q_hdr *h = q ? h1q_header(q, "host", 0) : NULL;
			sbuf_addn(&loc, target, tl);
			sbuf_adds(&loc, "://");
			if (h)
				sbuf_addn(&loc, h->value, h->value_len);
		} else if (!(tl == 1 && target[0] == '/')) {
			/* prefix "/" means the path alone */
			sbuf_addn(&loc, target, tl);
		}
		if (p)
			sbuf_addn(&loc, p, pl);
		if ((rd->flags & PX_REDIR_APPEND_SLASH) && (pl == 0 || p[pl - 1] != '/'))
			sbuf_addc(&loc, '/');
	}
	free(target);
	http_reply_start(out, rd->code, redir_reason(rd->code));
	sbuf_adds(&out->head, "content-length: 0\r\n");
	http_reply_hdr(out, "location", loc.s ? loc.s : "", loc.len);
	if (rd->code != 301 && rd->code != 308)
		sbuf_adds(&out->head, "cache-control: no-cache\r\n");
	if (rd->set_cookie)
		sbuf_addf(&out->head, "set-cookie: %s; path=/;\r\n", rd->set_cookie);
	else if (rd->clear_cookie)
		sbuf_addf(&out->head, "set-cookie: %s; path=/; Max-Age=0;\r\n", rd->clear_cookie);
	sbuf_adds(&out->head, "\r\n");
	out->redirect = true;
	free(loc.s);
	return true;
}

/* ---- the rule loop -------------------------------------------------------- */

static void
fail_reply(const struct cfg_proxy *px, struct smp_ctx *ctx, struct http_reply *reply)
{
	http_error_reply(ctx->be ? ctx->be : px, 500, ctx, reply);
}

/* One header-editing action; 0 or -1 (a rewrite failed). */
static int
edit(const struct px_rule *r, struct hmsg *m, struct smp_ctx *ctx)
{
	size_t len;
	char *v;
	int rc = 0;
	switch (r->act) {
	case PX_ACT_ADD_HEADER:
	case PX_ACT_SET_HEADER:
		v = render(r->fmt, ctx, &len);
		rc = r->act == PX_ACT_ADD_HEADER ? hmsg_add(m, r->arg, strlen(r->arg), v, len) :
		     hmsg_set(m, r->arg, strlen(r->arg), v, len);
		free(v);
		if (rc == 0 && is_host(r->arg))
			rc = hmsg_host_changed(m);
		return rc;
	case PX_ACT_DEL_HEADER:
		for (size_t i = m->nhdrs; i-- > 0;)
			if (name_matches(r, &m->hdrs[i]))
				hmsg_remove(m, i);
		return 0;
	case PX_ACT_REPLACE_HEADER:
	case PX_ACT_REPLACE_VALUE:
		return replace_hdr(r, m, ctx);
	case PX_ACT_REPLACE_PATH:
	case PX_ACT_REPLACE_PATHQ:
	case PX_ACT_REPLACE_URI:
		return m->is_req ? replace_line(r, m, ctx) : 0;
	case PX_ACT_SET_PATH:
	case PX_ACT_SET_PATHQ:
	case PX_ACT_SET_QUERY:
	case PX_ACT_SET_URI:
	case PX_ACT_SET_METHOD:
		if (!m->is_req)
			return 0;
		v = render(r->fmt, ctx, &len);
		rc = r->act == PX_ACT_SET_PATH ? hmsg_set_path(m, v, len) :
		     r->act == PX_ACT_SET_PATHQ ? hmsg_set_pathq(m, v, len) :
		     r->act == PX_ACT_SET_QUERY ? hmsg_set_query(m, v, len) :
		     r->act == PX_ACT_SET_URI ? hmsg_set_uri(m, v, len) :
		     hmsg_set_method(m, v, len);
		free(v);
		return rc;
	case PX_ACT_SET_STATUS:
		if (m->is_req)
			return 0;
		return hmsg_set_status(m, r->status, r->reason,
		                       r->reason ? strlen(r->reason) : 0);
	default:
		return 0;
	}
}

/* "early-hint <name> <fmt>": one field of a 103 Early Hints answer.
 * As HAProxy: adjacent early-hint rules make one answer, ended after a
 * rule whose next one is not an unconditional early-hint; nothing for an
 * HTTP/1.0 client (it cannot take an interim answer). */
static void
early_hint(const struct px_rule *r, const struct px_rule *next, struct hmsg *m,
           struct smp_ctx *ctx, struct http_reply *reply)
{
	if (m->major < 1 || (m->major == 1 && m->minor == 0))
		return;
	struct sbuf *b = &reply->interim;
	bool open = b->len >= 4 && memcmp(b->s + b->len - 4, "\r\n\r\n", 4) != 0;
	if (!open)
		sbuf_adds(b, "HTTP/1.1 103 Early Hints\r\n");
	size_t len;
	char *v = render(r->fmt, ctx, &len);
	for (const char *c = r->arg; *c; c++)
		sbuf_addc(b, *c >= 'A' && *c <= 'Z' ? (char)(*c - 'A' + 'a') : *c);
	sbuf_adds(b, ": ");
	sbuf_addn(b, v, len);
	sbuf_adds(b, "\r\n");
	free(v);
	if (next == NULL || next->act != PX_ACT_EARLY_HINT || next->cond)
		sbuf_adds(b, "\r\n");
}

/* Runs the rules v[0..n) on m. */
static enum http_verdict
run(const struct cfg_proxy *px, struct px_rule *const *v, size_t n,
    struct hmsg *m, struct smp_ctx *ctx, struct http_reply *reply,
    const char **service)
{
	bool strict = true;
	for (size_t i = 0; i < n; i++) {
		const struct px_rule *r = v[i];
		bind_views(m, ctx);
		switch (acl_cond_eval(r->cond, ctx)) {
		case ACL_PASS:
			break;
		case ACL_MISS:
			return HTTP_V_WAIT;
		default:
			continue;
		}
		bind_views(m, ctx);
		switch (r->act) {
		case PX_ACT_ALLOW:
			return HTTP_V_ALLOW;
		case PX_ACT_DENY:
		case PX_ACT_TARPIT:
		case PX_ACT_RETURN:
			if (reply) {
				int st = r->reply ? r->reply->status :
				         r->act == PX_ACT_TARPIT ? 500 : m->is_req ? 403 : 502;
				if (r->reply)
					http_reply_build(px, r->reply, st, ctx, reply);
				else
					http_error_reply(ctx->be ? ctx->be : px, st, ctx, reply);
				reply->denied = r->act != PX_ACT_RETURN;
			}
			return r->act == PX_ACT_TARPIT ? HTTP_V_TARPIT : HTTP_V_REPLY;
		case PX_ACT_AUTH: {
			if (reply == NULL)
				return HTTP_V_REPLY;
			http_error_reply(ctx->be ? ctx->be : px, 401, ctx, reply);
			const char *realm = r->arg ? r->arg : px->name ? px->name : "";
			/* the challenge goes last, before the empty line (an
			 * empty errorfile stays empty: no answer) */
			if (reply->head.len >= 2) {
				reply->head.len -= 2;
				reply->head.s[reply->head.len] = '\0';
				sbuf_addf(&reply->head, "www-authenticate: Basic realm=\"%s\"\r\n\r\n", realm);
			}
			reply->denied = false;
			return HTTP_V_REPLY;
		}
		case PX_ACT_REDIRECT:
			if (r->redir && reply &&
			    redirect(r->redir, m->is_req ? hmsg_req_view(m) : ctx->http, ctx, reply))
				return HTTP_V_REPLY;
			continue;
		case PX_ACT_REJECT:
			return HTTP_V_REJECT;
		case PX_ACT_SILENT_DROP:
			return HTTP_V_SILENT;
		case PX_ACT_USE_SERVICE:
			if (service)
				*service = r->arg;
			return HTTP_V_SERVICE;
		case PX_ACT_STRICT_MODE:
			strict = r->ival != 0;
			continue;
		case PX_ACT_EARLY_HINT:
			if (reply && m->is_req)
				early_hint(r, i + 1 < n ? v[i + 1] : NULL, m, ctx, reply);
			continue;
		case PX_ACT_ADD_ACL:
		case PX_ACT_DEL_ACL:
		case PX_ACT_SET_MAP:
		case PX_ACT_DEL_MAP:
			ref_edit(r, ctx);
			continue;
		case PX_ACT_SET_VAR:
		case PX_ACT_SET_VAR_FMT:
		case PX_ACT_UNSET_VAR:
		case PX_ACT_SET_SRC:
		case PX_ACT_SET_SRC_PORT:
		case PX_ACT_SET_DST:
		case PX_ACT_SET_DST_PORT:
		case PX_ACT_SET_MARK:
		case PX_ACT_SET_TOS:
		case PX_ACT_CAPTURE:
		case PX_ACT_SET_LOG_LEVEL:
			if (r->act == PX_ACT_CAPTURE && !m->is_req)
				continue; /* refused at start-up */
			if (smp_action_exec(r, ctx) == SMP_ACT_WAIT)
				return HTTP_V_WAIT;
			continue;
		default:
			break;
		}
		if (edit(r, m, ctx) < 0 && strict) {
			bind_views(m, ctx);
			if (reply)
				fail_reply(px, ctx, reply);
			return HTTP_V_FAIL;
		}
		bind_views(m, ctx);
	}
	return HTTP_V_CONTINUE;
}

enum http_verdict
http_req_rules(const struct cfg_proxy *px, struct hmsg *req, struct smp_ctx *ctx,
               struct http_reply *reply, const char **service)
{
	enum http_verdict v = run(px, px->http_req.v, px->http_req.n, req, ctx, reply, service);
	if (v != HTTP_V_CONTINUE && v != HTTP_V_ALLOW)
		return v;
	/* HAProxy evaluates the "redirect" lines after the http-request
	 * rules, even after an "allow" */
	enum http_verdict rv = run(px, px->redirects.v, px->redirects.n, req, ctx, reply, service);
	return rv == HTTP_V_CONTINUE ? v : rv;
}

enum http_verdict
http_res_rules(const struct cfg_proxy *px, struct hmsg *res, struct smp_ctx *ctx,
               struct http_reply *reply)
{
	return run(px, px->http_res.v, px->http_res.n, res, ctx, reply, NULL);
}

enum http_verdict
http_after_rules(const struct cfg_proxy *px, struct hmsg *res, struct smp_ctx *ctx)
{
	return run(px, px->http_after.v, px->http_after.n, res, ctx, NULL, NULL);
}

/* ---- option forwardfor ---------------------------------------------------- */

/* Is the address in the network written as "a.b.c.d[/m]" or "v6[/m]"? */
static bool
in_net(const union sess_addr *ss, const char *net)
{
	char buf[64];
	if (net == NULL || str_copy(buf, sizeof(buf), net) < 0)
		return false;
	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	unsigned char a[16], b[16];
	size_t alen;
	int bits;
	if (ss->sa.sa_family == AF_INET) {
		memcpy(a, &ss->in.sin_addr, 4);
		alen = 4;
		if (inet_pton(AF_INET, buf, b) != 1)
			return false;
		bits = 32;
		if (slash) {
			struct in_addr mk;
			if (strchr(slash, '.') && inet_pton(AF_INET, slash, &mk) == 1) {
				uint32_t mm = ntohl(mk.s_addr);
				bits = 0;
				while (bits < 32 && (mm & (0x80000000u >> bits)))
					bits++;
			} else {
				bits = atoi(slash);
			}
		}
	} else if (ss->sa.sa_family == AF_INET6) {
		memcpy(a, &ss->in6.sin6_addr, 16);
		alen = 16;
		if (inet_pton(AF_INET6, buf, b) != 1)
			return false;
		bits = slash ? atoi(slash) : 128;
	} else {
		return false;
	}
	if (bits < 0 || (size_t)bits > alen * 8)
		return false;
	for (int i = 0; i < bits; i++)
		if ((a[i / 8] ^ b[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* HAProxy 2.6 (observed): the header is added when the frontend or the
 * backend has the option, named by the backend's option when it has
 * one; "if-none" only holds when no option without it applies; the
 * client in the "except" network of either skips it. IPv4 and IPv6
 * clients only. */
int
http_forwardfor(const struct cfg_proxy *fe, const struct cfg_proxy *be,
                struct hmsg *req, struct smp_ctx *ctx)
{
	const struct px_hdr_opt *fo = fe ? fe->forwardfor : NULL;
	const struct px_hdr_opt *bo = be && be != fe ? be->forwardfor : NULL;
	if (fo == NULL && bo == NULL)
		return 0;
	const union sess_addr *ss = ctx->src;
	if (ss == NULL || (ss->sa.sa_family != AF_INET && ss->sa.sa_family != AF_INET6))
		return 0;
	if ((fo && in_net(ss, fo->except)) || (bo && in_net(ss, bo->except)))
		return 0;
	const char *name = bo && bo->header ? bo->header :
	                   bo ? "X-Forwarded-For" :
	                   fo->header ? fo->header : "X-Forwarded-For";
	bool always = (fo && !fo->if_none) || (bo && !bo->if_none);
	if (!always && hmsg_find(req, name, strlen(name), 0) >= 0)
		return 0;
	char ip[INET6_ADDRSTRLEN];
	if (ss->sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &ss->in.sin_addr, ip, sizeof(ip));
	else
		inet_ntop(AF_INET6, &ss->in6.sin6_addr, ip, sizeof(ip));
	int rc = hmsg_add(req, name, strlen(name), ip, strlen(ip));
	bind_views(req, ctx);
	return rc;
}

/* ---- what is run ------------------------------------------------------- */

static void
check_set(const struct cfg_proxy *px, struct px_rule *const *v, size_t n, struct diag *d)
{
	for (size_t i = 0; i < n; i++) {
		const struct px_rule *r = v[i];
		const char *set = r->set == RS_HTTP_REQ ? "http-request" :
		                  r->set == RS_HTTP_RES ? "http-response" : "http-after-response";
		switch (r->act) {
		case PX_ACT_CAPTURE:
			/* response slots live in the log record, out of reach
			 * of the rules (smp_ctx has the request's only) */
			if (r->set != RS_HTTP_REQ)
				diag_error(d, &r->loc, "'%s capture' is not run by this version of the sluice engine (only 'http-request capture' is)", set);
			break;
		case PX_ACT_SET_TIMEOUT:
		case PX_ACT_NORMALIZE_URI:
		case PX_ACT_EXPECT_PROXY:
		case PX_ACT_EXPECT_NETSCALER:
		case PX_ACT_SWITCH_MODE:
			diag_error(d, &r->loc, "'%s %s' is not run by this version of the sluice engine", set, r->name);
			break;
		default:
			break;
		}
	}
	(void)px;
	/* wait-for-body is the engine's (engine/support.c); set-nice and
	 * set-priority-* are reported by the parser; wait-for-handshake and
	 * disable-l7-retry do what HAProxy does without 0-RTT and L7
	 * retries: nothing */
}

void
http_act_check_support(const struct cfg_proxy *px, struct diag *d)
{
	check_set(px, px->http_req.v, px->http_req.n, d);
	check_set(px, px->http_res.v, px->http_res.n, d);
	check_set(px, px->http_after.v, px->http_after.n, d);
}
