/* Cookie, Authorization and capture fetches (HAProxy 2.6's
 * http_fetch.c): cook/req.cook/res.cook/scook (+_cnt, _val), cookie,
 * http_auth_type/user/pass/bearer, capture.req.*, capture.res.*. Shares
 * the header walkers of fetch_http.c (engine/fetch_http_int.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "engine/fetch_http_int.h"
#include "engine/http.h"
#include "parser/logtarget.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/userlist.h"

/* ---- cookies ---------------------------------------------------------------------- */

/* HAProxy's http_find_cookie_value_end(). */
static const char *
cookie_value_end(const char *s, const char *e)
{
	bool quoted = false;
	for (; s < e; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (!quoted && (*s == ';' || *s == ','))
			return s;
	}
	return s;
}

/* HAProxy's http_extract_cookie_value(): in [*pos, end), the next cookie
 * called name (any when nl is 0; names compare exactly); list: a Cookie
 * header (several cookies), else a Set-Cookie (the first pair only). */
static bool
cookie_next(const char **pos, const char *end, const char *name, size_t nl,
            bool list, const char **vp, size_t *vl)
{
	const char *att, *next;
	for (att = *pos; att + nl + 1 < end; att = next + 1) {
		while (att < end && IS_SPHT(*att))
			att++;
		const char *eq = att, *att_end = att, *vb, *ve;
		while (eq < end) {
			if (*eq == '=' || *eq == ';' || (list && *eq == ','))
				break;
			if (IS_SPHT(*eq++))
				continue;
			att_end = eq;
		}
		if (eq < end && *eq == '=') {
			vb = eq + 1;
			while (vb < end && IS_SPHT(*vb))
				vb++;
			next = cookie_value_end(vb, end);
			ve = next;
			while (ve > vb && IS_SPHT(ve[-1]))
				ve--;
		} else {
			vb = ve = next = eq;
		}
		if (att < end && *att == '$')
			continue;
		if (eq == next)
			continue; /* no '=' */
		if (nl == 0 || ((size_t)(att_end - att) == nl && memcmp(att, name, nl) == 0)) {
			*vp = vb;
			*vl = (size_t)(ve - vb);
			*pos = next + 1;
			return true;
		}
		if (!list)
			break;
	}
	return false;
}

struct ck_walk {
	const char *name;
	size_t nl;
	bool list;
	size_t want;        /* the value wanted (from 0), or SIZE_MAX: count */
	size_t seen;
	const char *p;
	size_t n;
};

static bool
ck_cb(void *arg, size_t k, const char *p, size_t n)
{
	struct ck_walk *w = arg;
	const char *pos = p, *end = p + n, *vp;
	size_t vl;
	(void)k;
	/* HAProxy skips header values too short for "name=" */
	if (n < w->nl + 1)
		return false;
	while (pos < end && cookie_next(&pos, end, w->name, w->nl, w->list, &vp, &vl)) {
		/* HAProxy goes on after a match, even in a Set-Cookie */
		if (w->seen++ == w->want) {
			w->p = vp;
			w->n = vl;
			return true;
		}
	}
	return false;
}

/* Cookies of hs: the Cookie header (request) or Set-Cookie (response). */
static size_t
ck_scan(const struct hset *hs, bool res, struct ck_walk *w)
{
	w->list = !res;
	w->seen = 0;
	w->p = NULL;
	fh_walk(hs, res ? "set-cookie" : "cookie", false, ck_cb, w);
	return w->seen;
}

static bool
cook_fetch(struct smp_run *run, const struct smp_expr *e, int idx,
           struct smp_val *v, const struct hset *hs, bool res)
{
	const char *name = arg_str(e, 0);
	struct ck_walk w = { name ? name : "", name ? strlen(name) : 0, false,
	                     SIZE_MAX, 0, NULL, 0 };
	size_t total = ck_scan(hs, res, &w);
	size_t k;
	bool more = false;
	if (run->iterate) {
		k = (size_t)idx;
		more = k + 1 < total;
	} else {
		if (idx > 0 || total == 0)
			return false;
		/* the last one, or the first when no name is given */
		k = w.nl ? total - 1 : 0;
	}
	if (k >= total)
		return false;
	w.want = k;
	ck_scan(hs, res, &w);
	if (!w.p)
		return false;
	set_str(v, SMP_T_STR, w.p, w.n);
	if (more)
		v->flags |= SV_NOT_LAST;
	return true;
}

static bool
cook_cnt(const struct smp_expr *e, struct smp_val *v, const struct hset *hs, bool res)
{
	const char *name = arg_str(e, 0);
	struct ck_walk w = { name ? name : "", name ? strlen(name) : 0, false,
	                     SIZE_MAX, 0, NULL, 0 };
	set_int(v, (long long)ck_scan(hs, res, &w));
	return true;
}

#define COOK_FETCHES(pfx, get, res)                                            \
	FETCH(pfx##_cook)                                                      \
	{                                                                      \
		struct hset hs;                                                \
		return get(run->ctx, &hs) && cook_fetch(run, e, idx, v, &hs, res); \
	}                                                                      \
	FETCH(pfx##_cook_cnt)                                                  \
	{                                                                      \
		struct hset hs;                                                \
		(void)idx;                                                     \
		return get(run->ctx, &hs) && cook_cnt(e, v, &hs, res);         \
	}                                                                      \
	FETCH(pfx##_cook_val)                                                  \
	{                                                                      \
		struct hset hs;                                                \
		return get(run->ctx, &hs) && cook_fetch(run, e, idx, v, &hs, res) && \
		       fh_to_int(v);                                              \
	}

COOK_FETCHES(q, fh_req, false)
COOK_FETCHES(r, fh_res, true)

/* cookie(): the request's, or the response's in response rules. */
FETCH(d_cookie)
{
	struct hset hs;
	bool res = fh_dir_res(run->ctx);
	if (!(res ? fh_res(run->ctx, &hs) : fh_req(run->ctx, &hs)))
		return false;
	return cook_fetch(run, e, idx, v, &hs, res);
}

/* ---- Authorization --------------------------------------------------------------- */

enum auth_kind { AUTH_NONE, AUTH_BASIC, AUTH_DIGEST, AUTH_BEARER };

/* The Authorization header's scheme and the credentials after it. */
static enum auth_kind
auth_parse(const struct smp_ctx *c, const char *hdr, const char **cred, size_t *cl)
{
	struct hset hs;
	const char *p;
	size_t n;
	if (!fh_req(c, &hs) || !fh_nth(&hs, hdr ? hdr : "authorization", true, 0, &p, &n))
		return AUTH_NONE;
	size_t i = 0;
	while (i < n && !IS_SPHT(p[i]))
		i++;
	size_t sl = i;
	while (i < n && IS_SPHT(p[i]))
		i++;
	*cred = p + i;
	*cl = n - i;
	if (sl == 5 && strncasecmp(p, "basic", 5) == 0)
		return AUTH_BASIC;
	if (sl == 6 && strncasecmp(p, "digest", 6) == 0)
		return AUTH_DIGEST;
	if (sl == 6 && strncasecmp(p, "bearer", 6) == 0)
		return AUTH_BEARER;
	return AUTH_NONE;
}

FETCH(f_auth_type)
{
	static const char *const names[] = { NULL, "Basic", "Digest", "Bearer" };
	const char *cr;
	size_t cl;
	(void)e, (void)idx;
	enum auth_kind k = auth_parse(run->ctx, NULL, &cr, &cl);
	if (k == AUTH_NONE)
		return false;
	set_str(v, SMP_T_STR, names[k], strlen(names[k]));
	return true;
}

/* Basic credentials decoded: user in [0, colon), password after. */
static bool
basic_creds(struct smp_run *run, struct smp_chunk **out, size_t *colon)
{
	const char *cr;
	size_t cl;
	if (auth_parse(run->ctx, NULL, &cr, &cl) != AUTH_BASIC || cl == 0 || cl % 4)
		return false;
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	unsigned char *buf = malloc(cl / 4 * 3 + 1);
	if (!buf)
		return false;
	int n = EVP_DecodeBlock(buf, (const unsigned char *)cr, (int)cl);
	if (n < 0) {
		free(buf);
		return false;
	}
	/* EVP_DecodeBlock counts the '=' padding as zero bytes */
	for (size_t i = cl; i > 0 && cr[i - 1] == '='; i--)
		n--;
	chunk_add(c, buf, (size_t)n);
	free(buf);
	const char *sep = memchr(c->p, ':', c->len);
	if (!sep)
		return false;
	*colon = (size_t)(sep - c->p);
	*out = c;
	return true;
}

FETCH(f_auth_user)
{
	struct smp_chunk *c;
	size_t colon;
	(void)e, (void)idx;
	if (!basic_creds(run, &c, &colon))
		return false;
	set_str(v, SMP_T_STR, c->p, colon);
	return true;
}

FETCH(f_auth_pass)
{
	struct smp_chunk *c;
	size_t colon;
	(void)e, (void)idx;
	if (!basic_creds(run, &c, &colon))
		return false;
	set_str(v, SMP_T_STR, c->p + colon + 1, c->len - colon - 1);
	return true;
}

/* HAProxy's check_user() on the Basic credentials against the userlist
 * named by the fetch's argument. false when there are no Basic
 * credentials (the fetch finds nothing); else *ok tells whether they
 * match, and *user (*ulen bytes) is the user name. User and password are C
 * strings to HAProxy: an embedded NUL ends them. crypt runs inline. */
static bool
auth_check(struct smp_run *run, const struct smp_expr *e, bool *ok,
           const char **user, size_t *ulen)
{
	struct smp_chunk *c;
	size_t colon;
	if (!basic_creds(run, &c, &colon))
		return false;
	const struct cfg_userlist *ul = ulist_find(run->ctx->cfg, arg_str(e, 0));
	char *u = xstrndup(c->p, colon);
	char *p = xstrndup(c->p + colon + 1, c->len - colon - 1);
	*ok = ul && ulist_check(ul, u, p);
	explicit_bzero(p, strlen(p));
	free(u);
	free(p);
	*user = c->p;
	*ulen = colon;
	return true;
}

FETCH(f_auth)
{
	bool ok;
	const char *u;
	size_t ul;
	(void)idx;
	if (!auth_check(run, e, &ok, &u, &ul))
		return false;
	set_bool(v, ok);
	return true;
}

/* The user name when the credentials are good (the ACL http_auth_group
 * then matches the user's groups, engine/match_rt.c). */
FETCH(f_auth_group)
{
	bool ok;
	const char *u;
	size_t ul;
	(void)idx;
	if (!auth_check(run, e, &ok, &u, &ul) || !ok)
		return false;
	set_str(v, SMP_T_STR, u, ul);
	return true;
}

FETCH(f_auth_bearer)
{
	const char *cr;
	size_t cl;
	const char *h = arg_str(e, 0);
	(void)idx;
	if (auth_parse(run->ctx, h && *h ? h : NULL, &cr, &cl) != AUTH_BEARER)
		return false;
	set_str(v, SMP_T_STR, cr, cl);
	return true;
}

/* ---- captures ------------------------------------------------------------------------ */

/* HAProxy keeps the request line (txn->uri) only for a frontend that
 * logs it: log targets and a format showing %r, %HM, %HU, %HP, %HPO,
 * %HQ or %HV ("option httplog" does). */
static bool
lf_http(const struct lf_expr *lf)
{
	return lf && (lf->uses & SMP_USES_HTTP);
}

/* Whether a log-format string of px's HTTP rules uses an HTTP fetch:
 * HAProxy then keeps the request line for the log whatever the log
 * settings (its to_log |= LW_REQ workaround). */
static bool
rules_use_http(const struct cfg_proxy *px)
{
	const struct px_rule *const *sets[3] = {
		(const struct px_rule *const *)px->http_req.v,
		(const struct px_rule *const *)px->http_res.v,
		(const struct px_rule *const *)px->http_after.v };
	size_t ns[3] = { px->http_req.n, px->http_res.n, px->http_after.n };
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < ns[k]; i++) {
			const struct px_rule *r = sets[k][i];
			if (lf_http(r->fmt) || lf_http(r->fmt2) ||
			    (r->redir && lf_http(r->redir->fmt)))
				return true;
			if (!r->reply)
				continue;
			if (lf_http(r->reply->lf))
				return true;
			for (size_t h = 0; h < r->reply->hdrs.n; h++)
				if (lf_http(r->reply->hdrs.v[h].fmt))
					return true;
		}
	return false;
}

static bool
keeps_req_line(const struct cfg_proxy *px)
{
	if (!px)
		return false;
	if (rules_use_http(px))
		return true;
	if (!px->logs || (px->logs->v.n == 0 && !px->logs->global))
		return false;
	switch (px->log_kind) {
	case PX_LOG_HTTP:
	case PX_LOG_HTTP_CLF:
	case PX_LOG_HTTPS:
		return true;
	case PX_LOG_FORMAT:
		break;
	default:
		return false;
	}
	static const char *const vars[] = { "r", "HM", "HU", "HP", "HPO", "HQ", "HV" };
	const struct lf_expr *lf = px->log_format;
	for (size_t i = 0; lf && i < lf->nodes.n; i++)
		for (size_t k = 0; lf->nodes.v[i].type == LF_VAR && k < ARRAY_SIZE(vars); k++)
			if (strcmp(lf->nodes.v[i].text, vars[k]) == 0)
				return true;
	return false;
}

/* The request line as received, from the transaction's log info, else
 * rebuilt from the current request; only when the frontend keeps it. */
static bool
req_line(struct smp_run *run, const char **p, size_t *n)
{
	const struct smp_ctx *c = run->ctx;
	if (!keeps_req_line(c->fe))
		return false;
	const struct http_log_info *li = c->sess ? http_log_info(c->sess) : NULL;
	if (li && li->req_line) {
		*p = li->req_line;
		*n = li->req_line_len;
		return true;
	}
	const struct h1q_req *r = c->http;
	if (!r)
		return false;
	struct smp_chunk *ch = smp_run_out(run, NULL, NULL);
	chunk_addf(ch, "%.*s %.*s HTTP/%d.%d", (int)r->method_len, r->method,
	           (int)r->uri_len, r->uri, r->major, r->minor);
	*p = ch->p;
	*n = ch->len;
	return true;
}

/* Word w (0 method, 1 URI, 2 version) of the request line. */
static bool
line_word(struct smp_run *run, struct smp_val *v, int w)
{
	const char *p, *end;
	size_t n;
	if (!req_line(run, &p, &n))
		return false;
	end = p + n;
	for (int i = 0; i < w; i++) {
		while (p < end && !IS_SPHT(*p))
			p++;
		while (p < end && IS_SPHT(*p))
			p++;
	}
	const char *q = p;
	while (q < end && !IS_SPHT(*q))
		q++;
	if (q == p)
		return false;
	set_str(v, SMP_T_STR, p, (size_t)(q - p));
	return true;
}

FETCH(f_cap_method) { (void)e, (void)idx; return line_word(run, v, 0); }
FETCH(f_cap_uri) { (void)e, (void)idx; return line_word(run, v, 1); }
FETCH(f_cap_ver) { (void)e, (void)idx; return line_word(run, v, 2); }

FETCH(f_cap_res_ver)
{
	const struct h1r_resp *r = run->ctx->http_res;
	(void)e, (void)idx;
	if (!r)
		return false;
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	chunk_addf(c, "HTTP/%d.%d", r->major, r->minor);
	smp_val_set_chunk(v, SMP_T_STR, c);
	return true;
}

static bool
cap_value(const char *s, struct smp_val *v)
{
	if (!s)
		return false;
	set_str(v, SMP_T_STR, s, strlen(s));
	return true;
}

FETCH(f_cap_req_hdr)
{
	const struct smp_ctx *c = run->ctx;
	long long i = arg_int(e, 0);
	(void)idx;
	if (i < 0)
		return false;
	const char *s = NULL;
	/* the slots are numbered as HAProxy's req_cap: the header captures
	 * and the "capture ... len" rules in declaration order */
	const struct http_log_info *li = c->sess ? http_log_info(c->sess) : NULL;
	if (li && (size_t)i < li->n_req_caps && li->req_caps)
		s = li->req_caps[i];
	if (!s && i < SMP_CTX_CAPTURES)
		s = smp_cap_get(c, i);
	return cap_value(s, v);
}

FETCH(f_cap_res_hdr)
{
	const struct smp_ctx *c = run->ctx;
	long long i = arg_int(e, 0);
	(void)idx;
	const struct http_log_info *li = c->sess ? http_log_info(c->sess) : NULL;
	if (i < 0 || !li || (size_t)i >= li->n_res_caps || !li->res_caps)
		return false;
	return cap_value(li->res_caps[i], v);
}

FETCH(f_first_req)
{
	const struct smp_ctx *c = run->ctx;
	const struct http_log_info *li = c->sess ? http_log_info(c->sess) : NULL;
	(void)e, (void)idx;
	if (!li || !c->http)
		return false;
	set_bool(v, li->first_req);
	return true;
}

const struct smp_fetch_impl smp_fetch_cook[] = {
	{ "http_first_req", f_first_req },
	{ "capture.req.hdr", f_cap_req_hdr }, { "capture.req.method", f_cap_method },
	{ "capture.req.uri", f_cap_uri }, { "capture.req.ver", f_cap_ver },
	{ "capture.res.hdr", f_cap_res_hdr }, { "capture.res.ver", f_cap_res_ver },
	{ "cook", q_cook }, { "cook_cnt", q_cook_cnt }, { "cook_val", q_cook_val },
	{ "cookie", d_cookie },
	{ "http_auth", f_auth }, { "http_auth_group", f_auth_group },
	{ "http_auth_bearer", f_auth_bearer }, { "http_auth_pass", f_auth_pass },
	{ "http_auth_type", f_auth_type }, { "http_auth_user", f_auth_user },
	{ "req.cook", q_cook }, { "req.cook_cnt", q_cook_cnt },
	{ "req.cook_val", q_cook_val },
	{ "res.cook", r_cook }, { "res.cook_cnt", r_cook_cnt },
	{ "res.cook_val", r_cook_val },
	{ "scook", r_cook }, { "scook_cnt", r_cook_cnt }, { "scook_val", r_cook_val },
	{ NULL, NULL },
};
