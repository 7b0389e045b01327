/* HTTP sample fetches (HAProxy 2.6's http_fetch.c): the request head
 * (ctx->http, kept current by the rules' edits), the response head
 * (ctx->http_res), the buffered request body (ctx->http_body) and the
 * transaction's captures (cookies, Authorization and captures are in
 * fetch_cook.c). Semantics checked against haproxy 2.6.12:
 *
 * - hdr() splits values on commas outside double quotes (fhdr() does
 *   not); blanks around a value are dropped; empty values count.
 * - A plain fetch without an occurrence returns the last value (hdr,
 *   fhdr, cook, shdr...) but url_param the first; an ACL (run->iterate)
 *   sees every value. Occurrence n > 0 is the n-th, n < 0 from the end.
 * - hdr()/fhdr() with no name answer nothing; hdr_cnt() with no name
 *   counts every value; cook() with no name is the first cookie.
 * - hdr() is direction-dependent: the response once ctx->http_res is
 *   set (http-response rules), except in log lines (ctx->log_eval).
 * - Header names are shown lower case (hdr_names, req.hdrs), as
 *   HAProxy's internal form keeps them. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "engine/http.h"
#include "engine/lb.h"
#include "engine/fetch_http_int.h"
#include "parser/logtarget.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "proto/http1_req.h"
#include "proto/http1_resp.h"


/* ---- header sets ------------------------------------------------------------ */

static void
hs_get(const struct hset *hs, size_t i, const char **name, size_t *nl,
       const char **val, size_t *vl)
{
	if (hs->q) {
		*name = hs->q[i].name, *nl = hs->q[i].name_len;
		*val = hs->q[i].value, *vl = hs->q[i].value_len;
	} else {
		*name = hs->r[i].name, *nl = hs->r[i].name_len;
		*val = hs->r[i].value, *vl = hs->r[i].value_len;
	}
}

bool
fh_req(const struct smp_ctx *c, struct hset *hs)
{
	if (!c->http)
		return false;
	hs->q = c->http->hdrs;
	hs->r = NULL;
	hs->n = c->http->nhdrs;
	return true;
}

bool
fh_res(const struct smp_ctx *c, struct hset *hs)
{
	if (!c->http_res)
		return false;
	hs->q = NULL;
	hs->r = c->http_res->hdrs;
	hs->n = c->http_res->nhdrs;
	return true;
}

/* Whether direction-dependent fetches (hdr, cookie...) read the response. */
bool
fh_dir_res(const struct smp_ctx *c)
{
	return c->http_res && !c->log_eval;
}

/* HAProxy's http_find_hdr_value_end(): the comma ending a value, quoted
 * strings (with backslash pairs) skipped. */
static const char *
value_end(const char *s, const char *e)
{
	bool quoted = false, qdpair = false;
	for (; s < e; s++) {
		if (qdpair)
			qdpair = false;
		else if (quoted) {
			if (*s == '\\')
				qdpair = true;
			else if (*s == '"')
				quoted = false;
		} else if (*s == '"')
			quoted = true;
		else if (*s == ',')
			return s;
	}
	return s;
}

/* Calls cb for each value of the fields named name (every field when
 * name is NULL), split on commas unless full; stops when cb returns
 * true. Returns the number of values seen. */

size_t
fh_walk(const struct hset *hs, const char *name, bool full, hval_cb cb, void *arg)
{
	size_t nl = name ? strlen(name) : 0, k = 0;
	for (size_t i = 0; i < hs->n; i++) {
		const char *hn, *hv;
		size_t hnl, hvl;
		hs_get(hs, i, &hn, &hnl, &hv, &hvl);
		if (name && (hnl != nl || strncasecmp(hn, name, nl) != 0))
			continue;
		const char *p = hv, *end = hv + hvl;
		for (;;) {
			while (p < end && IS_SPHT(*p))
				p++;
			const char *q = full ? end : value_end(p, end);
			const char *b = q;
			while (b > p && IS_SPHT(b[-1]))
				b--;
			if (cb && cb(arg, k, p, (size_t)(b - p)))
				return k + 1;
			k++;
			if (q >= end)
				break;
			p = q + 1;
		}
	}
	return k;
}

struct pick {
	size_t want;
	const char *p;
	size_t n;
};

static bool
pick_cb(void *arg, size_t k, const char *p, size_t n)
{
	struct pick *pk = arg;
	if (k != pk->want)
		return false;
	pk->p = p;
	pk->n = n;
	return true;
}

bool
fh_nth(const struct hset *hs, const char *name, bool full, size_t k,
       const char **p, size_t *n)
{
	struct pick pk = { k, NULL, 0 };
	fh_walk(hs, name, full, pick_cb, &pk);
	if (!pk.p)
		return false;
	*p = pk.p;
	*n = pk.n;
	return true;
}

/* Which value of total an occurrence designates (HAProxy's occ):
 * -1 when none. */
static long long
occ_index(long long occ, size_t total)
{
	if (occ > 0)
		return (size_t)occ <= total ? occ - 1 : -1;
	if (occ < 0)
		return (size_t)-occ <= total ? (long long)total + occ : -1;
	return -1;
}

/* hdr()/fhdr() over hs: the name in argument 0 (none: no value), the
 * occurrence in argument 1. */
static bool
hdr_fetch(struct smp_run *run, const struct smp_expr *e, int idx,
          struct smp_val *v, const struct hset *hs, bool full)
{
	const char *name = arg_str(e, 0);
	if (!name)
		return false;
	if (!*name)
		name = NULL; /* "": every field */
	long long occ = arg_int(e, 1);
	size_t total = fh_walk(hs, name, full, NULL, NULL);
	long long k;
	bool more = false;
	if (occ == 0 && run->iterate) {
		k = idx;
		more = (size_t)idx + 1 < total;
	} else {
		if (idx > 0)
			return false;
		k = occ_index(occ == 0 ? -1 : occ, total);
	}
	const char *p;
	size_t n;
	if (k < 0 || !fh_nth(hs, name, full, (size_t)k, &p, &n))
		return false;
	set_str(v, SMP_T_STR, p, n);
	if (more)
		v->flags |= SV_NOT_LAST;
	return true;
}

static bool
cnt_fetch(const struct smp_expr *e, struct smp_val *v, const struct hset *hs,
          bool full)
{
	const char *name = arg_str(e, 0);
	set_int(v, (long long)fh_walk(hs, name && *name ? name : NULL, full, NULL, NULL));
	return true;
}

/* HAProxy's strl2ic(): optional sign then digits, stops at anything else. */
long long
fh_str_to_int(const char *p, size_t n)
{
	size_t i = 0;
	bool neg = false;
	long long r = 0;
	if (i < n && (p[i] == '-' || p[i] == '+'))
		neg = p[i++] == '-';
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		r = r * 10 + (p[i] - '0');
	return neg ? -r : r;
}

bool
fh_to_int(struct smp_val *v)
{
	set_int(v, fh_str_to_int(v->ptr, v->len));
	return true;
}

/* The value as an address: a dotted IPv4 at its start (a port may
 * follow, as url2ipv4), else a whole IPv6. */
static bool
to_ip(struct smp_val *v)
{
	char buf[64];
	const char *p = v->ptr;
	size_t n = v->len, i = 0;
	while (i < n && (isdigit((unsigned char)p[i]) || p[i] == '.'))
		i++;
	if (i > 0 && i < sizeof(buf)) {
		memcpy(buf, p, i);
		buf[i] = '\0';
		if (inet_pton(AF_INET, buf, &v->v4) == 1) {
			v->type = SMP_T_IPV4;
			return true;
		}
	}
	if (n < sizeof(buf)) {
		memcpy(buf, p, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET6, buf, &v->v6) == 1) {
			v->type = SMP_T_IPV6;
			return true;
		}
	}
	return false;
}

/* hdr_ip(): the first value (in the order hdr() gives them) that is an
 * address. */
static bool
hdr_ip_fetch(struct smp_run *run, const struct smp_expr *e, int idx,
             struct smp_val *v, const struct hset *hs)
{
	for (int i = idx;; i++) {
		unsigned fl = v->flags;
		if (!hdr_fetch(run, e, i, v, hs, false))
			return false;
		bool more = v->flags & SV_NOT_LAST;
		v->flags = fl;
		if (to_ip(v)) {
			if (more)
				v->flags |= SV_NOT_LAST;
			return true;
		}
		if (!more)
			return false;
		/* an ACL moves on to the next value itself */
		if (run->iterate)
			return false;
	}
}

#define HDR_FETCHES(pfx, get)                                                  \
	FETCH(pfx##_hdr)                                                       \
	{                                                                      \
		struct hset hs;                                                \
		return get(run->ctx, &hs) && hdr_fetch(run, e, idx, v, &hs, false); \
	}                                                                      \
	FETCH(pfx##_fhdr)                                                      \
	{                                                                      \
		struct hset hs;                                                \
		return get(run->ctx, &hs) && hdr_fetch(run, e, idx, v, &hs, true); \
	}                                                                      \
	FETCH(pfx##_hdr_cnt)                                                   \
	{                                                                      \
		struct hset hs;                                                \
		(void)idx;                                                     \
		return get(run->ctx, &hs) && cnt_fetch(e, v, &hs, false);      \
	}                                                                      \
	FETCH(pfx##_fhdr_cnt)                                                  \
	{                                                                      \
		struct hset hs;                                                \
		(void)idx;                                                     \
		return get(run->ctx, &hs) && cnt_fetch(e, v, &hs, true);       \
	}                                                                      \
	FETCH(pfx##_hdr_val)                                                   \
	{                                                                      \
		struct hset hs;                                                \
		return get(run->ctx, &hs) && hdr_fetch(run, e, idx, v, &hs, false) && \
		       fh_to_int(v);                                              \
	}                                                                      \
	FETCH(pfx##_hdr_ip)                                                    \
	{                                                                      \
		struct hset hs;                                                \
		return get(run->ctx, &hs) && hdr_ip_fetch(run, e, idx, v, &hs); \
	}

static bool
hs_dir(const struct smp_ctx *c, struct hset *hs)
{
	return fh_dir_res(c) ? fh_res(c, hs) : fh_req(c, hs);
}

HDR_FETCHES(q, fh_req)
HDR_FETCHES(r, fh_res)
HDR_FETCHES(d, hs_dir)

/* hdr_names([delim]): the names, lower case, joined by delim (","). */
static bool
names_fetch(struct smp_run *run, const struct smp_expr *e, struct smp_val *v,
            const struct hset *hs)
{
	const char *d = arg_str(e, 0);
	char delim = d && *d ? *d : ',';
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	for (size_t i = 0; i < hs->n; i++) {
		const char *hn, *hv;
		size_t hnl, hvl;
		hs_get(hs, i, &hn, &hnl, &hv, &hvl);
		if (i)
			chunk_addc(c, delim);
		for (size_t k = 0; k < hnl; k++)
			chunk_addc(c, (char)tolower((unsigned char)hn[k]));
	}
	smp_val_set_chunk(v, SMP_T_STR, c);
	return true;
}

/* req.hdrs / res.hdrs: the fields as HAProxy re-emits them ("name:
 * value" lines, lower-case names, CRLF) and the final empty line. */
static bool
hdrs_fetch(struct smp_run *run, struct smp_val *v, const struct hset *hs)
{
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	for (size_t i = 0; i < hs->n; i++) {
		const char *hn, *hv;
		size_t hnl, hvl;
		hs_get(hs, i, &hn, &hnl, &hv, &hvl);
		for (size_t k = 0; k < hnl; k++)
			chunk_addc(c, (char)tolower((unsigned char)hn[k]));
		chunk_add(c, ": ", 2);
		chunk_add(c, hv, hvl);
		chunk_add(c, "\r\n", 2);
	}
	chunk_add(c, "\r\n", 2);
	smp_val_set_chunk(v, SMP_T_STR, c);
	return true;
}

/* HAProxy's encode_varint(): below 240 one byte, else 240 | low bits
 * then 7-bit groups with the high bit set on all but the last. */
static void
put_varint(struct smp_chunk *c, uint64_t i)
{
	if (i < 240) {
		chunk_addc(c, (char)i);
		return;
	}
	chunk_addc(c, (char)((unsigned char)i | 240));
	i = (i - 240) >> 4;
	while (i >= 128) {
		chunk_addc(c, (char)((unsigned char)i | 128));
		i = (i - 128) >> 7;
	}
	chunk_addc(c, (char)i);
}

/* req.hdrs_bin / res.hdrs_bin: <varint len><name><varint len><value>...
 * then two empty strings, names lower case. */
static bool
hdrs_bin_fetch(struct smp_run *run, struct smp_val *v, const struct hset *hs)
{
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	for (size_t i = 0; i < hs->n; i++) {
		const char *hn, *hv;
		size_t hnl, hvl;
		hs_get(hs, i, &hn, &hnl, &hv, &hvl);
		put_varint(c, hnl);
		for (size_t k = 0; k < hnl; k++)
			chunk_addc(c, (char)tolower((unsigned char)hn[k]));
		put_varint(c, hvl);
		chunk_add(c, hv, hvl);
	}
	chunk_add(c, "\0\0", 2);
	smp_val_set_chunk(v, SMP_T_BIN, c);
	return true;
}

FETCH(q_hdrs_bin) { struct hset hs; (void)idx; (void)e; return fh_req(run->ctx, &hs) && hdrs_bin_fetch(run, v, &hs); }
FETCH(r_hdrs_bin) { struct hset hs; (void)idx; (void)e; return fh_res(run->ctx, &hs) && hdrs_bin_fetch(run, v, &hs); }

FETCH(q_hdr_names) { struct hset hs; (void)idx; return fh_req(run->ctx, &hs) && names_fetch(run, e, v, &hs); }
FETCH(r_hdr_names) { struct hset hs; (void)idx; return fh_res(run->ctx, &hs) && names_fetch(run, e, v, &hs); }
FETCH(q_hdrs) { struct hset hs; (void)idx; (void)e; return fh_req(run->ctx, &hs) && hdrs_fetch(run, v, &hs); }
FETCH(r_hdrs) { struct hset hs; (void)idx; (void)e; return fh_res(run->ctx, &hs) && hdrs_fetch(run, v, &hs); }

/* ---- request line ------------------------------------------------------------- */

FETCH(f_method)
{
	const struct h1q_req *r = run->ctx->http;
	(void)e, (void)idx;
	if (!r)
		return false;
	set_str(v, SMP_T_METH, r->method, r->method_len);
	return true;
}

FETCH(f_url)
{
	const struct h1q_req *r = run->ctx->http;
	(void)e, (void)idx;
	if (!r)
		return false;
	set_str(v, SMP_T_STR, r->uri, r->uri_len);
	return true;
}

/* HAProxy's http_get_path(): from the first '/' after an absolute
 * URI's authority, or of an origin-form URI; NULL for "*", an
 * authority alone, or no '/' at all. */
static const char *
uri_path(const char *u, size_t n, size_t *len)
{
	const char *p = u, *end = u + n;
	if (!n || *p == '*')
		return NULL;
	if (isalpha((unsigned char)*p)) {
		p++;
		while (p < end && (isalnum((unsigned char)*p) || *p == '+' ||
		                   *p == '-' || *p == '.'))
			p++;
		if (p == end || *p++ != ':')
			return NULL;
		if (p == end || *p++ != '/')
			return NULL;
		if (p == end || *p++ != '/')
			return NULL;
	}
	while (p < end && *p != '/')
		p++;
	if (p == end)
		return NULL;
	*len = (size_t)(end - p);
	return p;
}

/* The path of the request, with its query string or without. */
static const char *
req_path(const struct h1q_req *r, bool with_query, size_t *len)
{
	size_t n;
	const char *p = uri_path(r->uri, r->uri_len, &n);
	if (!p)
		return NULL;
	if (!with_query) {
		const char *q = memchr(p, '?', n);
		if (q)
			n = (size_t)(q - p);
	}
	*len = n;
	return p;
}

static bool
path_fetch(struct smp_run *run, struct smp_val *v, bool with_query)
{
	const struct h1q_req *r = run->ctx->http;
	size_t n;
	const char *p = r ? req_path(r, with_query, &n) : NULL;
	if (!p)
		return false;
	set_str(v, SMP_T_STR, p, n);
	return true;
}

FETCH(f_path) { (void)e, (void)idx; return path_fetch(run, v, false); }
FETCH(f_pathq) { (void)e, (void)idx; return path_fetch(run, v, true); }

FETCH(f_query)
{
	const struct h1q_req *r = run->ctx->http;
	(void)e, (void)idx;
	if (!r)
		return false;
	const char *q = memchr(r->uri, '?', r->uri_len);
	if (!q)
		return false;
	q++;
	set_str(v, SMP_T_STR, q, (size_t)(r->uri + r->uri_len - q));
	return true;
}

/* The first Host value (split on commas, as HAProxy's lookup). */
static bool
host_of(const struct h1q_req *r, const char **p, size_t *n)
{
	struct hset hs = { r->hdrs, NULL, r->nhdrs };
	return fh_nth(&hs, "host", false, 0, p, n);
}

static bool
base_fetch(struct smp_run *run, struct smp_val *v, bool with_query)
{
	const struct h1q_req *r = run->ctx->http;
	const char *h, *p;
	size_t hn, pn;
	if (!r)
		return false;
	if (!host_of(r, &h, &hn))
		return path_fetch(run, v, with_query);
	p = req_path(r, with_query, &pn);
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	chunk_add(c, h, hn);
	if (p)
		chunk_add(c, p, pn);
	smp_val_set_chunk(v, SMP_T_STR, c);
	return true;
}

FETCH(f_base) { (void)e, (void)idx; return base_fetch(run, v, false); }
FETCH(f_baseq) { (void)e, (void)idx; return base_fetch(run, v, true); }

/* HAProxy's hash of base32/url32: sdbm over signed chars, then the full
 * avalanche. */
static uint32_t
sdbm_add(uint32_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (uint32_t)(int)(signed char)p[i] + (h << 6) + (h << 16) - h;
	return h;
}

static bool
hash32(const struct smp_ctx *c, bool url, uint32_t *out)
{
	const struct h1q_req *r = c->http;
	const char *h, *p;
	size_t hn, pn;
	uint32_t hash = 0;
	if (!r)
		return false;
	if (host_of(r, &h, &hn))
		hash = sdbm_add(hash, h, hn);
	if (url)
		hash = sdbm_add(hash, r->uri, r->uri_len);
	else if ((p = req_path(r, false, &pn)) != NULL)
		hash = sdbm_add(hash, p, pn);
	*out = lb_full_hash(hash);
	return true;
}

static bool
hash32_fetch(struct smp_run *run, struct smp_val *v, bool url, bool src)
{
	uint32_t h;
	if (!hash32(run->ctx, url, &h))
		return false;
	if (!src) {
		set_int(v, h);
		return true;
	}
	/* the hash in network order, then the client's address */
	const union sess_addr *ss = run->ctx->src;
	if (!ss || (ss->sa.sa_family != AF_INET && ss->sa.sa_family != AF_INET6))
		return false;
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	uint32_t be = htonl(h);
	chunk_add(c, &be, 4);
	if (ss->sa.sa_family == AF_INET)
		chunk_add(c, &ss->in.sin_addr, 4);
	else
		chunk_add(c, &ss->in6.sin6_addr, 16);
	smp_val_set_chunk(v, SMP_T_BIN, c);
	return true;
}

FETCH(f_base32) { (void)e, (void)idx; return hash32_fetch(run, v, false, false); }
FETCH(f_base32_src) { (void)e, (void)idx; return hash32_fetch(run, v, false, true); }
FETCH(f_url32) { (void)e, (void)idx; return hash32_fetch(run, v, true, false); }
FETCH(f_url32_src) { (void)e, (void)idx; return hash32_fetch(run, v, true, true); }

static bool
ver_str(struct smp_run *run, struct smp_val *v, int major, int minor)
{
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	chunk_addf(c, "%d.%d", major, minor);
	smp_val_set_chunk(v, SMP_T_STR, c);
	return true;
}

FETCH(f_req_ver)
{
	const struct h1q_req *r = run->ctx->http;
	(void)e, (void)idx;
	return r && ver_str(run, v, r->major, r->minor);
}

FETCH(f_res_ver)
{
	const struct h1r_resp *r = run->ctx->http_res;
	(void)e, (void)idx;
	return r && ver_str(run, v, r->major, r->minor);
}

FETCH(f_status)
{
	const struct h1r_resp *r = run->ctx->http_res;
	(void)e, (void)idx;
	if (!r)
		return false;
	set_int(v, r->status);
	return true;
}

/* url_ip / url_port: the address of an absolute URI's authority (an IP
 * only, as HAProxy does not resolve names here). */
static bool
url_authority(const struct h1q_req *r, const char **host, size_t *hl, int *port)
{
	const char *u = r->uri, *end = r->uri + r->uri_len;
	if (r->uri_len < 7 || strncasecmp(u, "http://", 7) != 0)
		return false;
	const char *a = u + 7, *p = a;
	while (p < end && *p != '/' && *p != '?')
		p++;
	const char *c = a;
	while (c < p && *c != ':')
		c++;
	*host = a;
	*hl = (size_t)(c - a);
	*port = 80;
	if (c < p) {
		long long pv = fh_str_to_int(c + 1, (size_t)(p - c - 1));
		*port = (int)pv;
	}
	return true;
}

FETCH(f_url_ip)
{
	const char *h;
	size_t hl;
	int port;
	char buf[64];
	(void)e, (void)idx;
	if (!run->ctx->http || !url_authority(run->ctx->http, &h, &hl, &port) ||
	    hl >= sizeof(buf))
		return false;
	memcpy(buf, h, hl);
	buf[hl] = '\0';
	if (inet_pton(AF_INET, buf, &v->v4) != 1)
		return false;
	v->type = SMP_T_IPV4;
	return true;
}

FETCH(f_url_port)
{
	const char *h;
	size_t hl;
	int port;
	(void)e, (void)idx;
	if (!run->ctx->http || !url_authority(run->ctx->http, &h, &hl, &port))
		return false;
	set_int(v, port);
	return true;
}

/* ---- url_param, body_param ------------------------------------------------------ */

static bool
is_param_delim(char c, char delim)
{
	return c == '&' || c == ';' || c == delim;
}

/* HAProxy's http_find_next_url_param() over [*pos, end): the value of
 * the next parameter called name (any parameter's when name is empty;
 * it must be followed by '='). *pos moves past the value. */
static bool
next_param(const char **pos, const char *end, const char *name, size_t nl,
           char delim, bool icase, const char **vp, size_t *vl)
{
	const char *p = *pos, *val;
	if (nl == 0) {
		val = memchr(p, '=', (size_t)(end - p));
		if (!val)
			return false;
		val++;
	} else {
		for (;;) {
			if (p + nl >= end)
				return false;
			if (p[nl] == '=' &&
			    (icase ? strncasecmp(p, name, nl) : memcmp(p, name, nl)) == 0)
				break;
			while (p < end && !is_param_delim(*p, delim))
				p++;
			if (p >= end)
				return false;
			p++;
		}
		val = p + nl + 1;
	}
	const char *ve = val;
	while (ve < end && !is_param_delim(*ve, delim))
		ve++;
	*vp = val;
	*vl = (size_t)(ve - val);
	*pos = ve;
	return true;
}

/* The idx-th value of parameter name in [start, end); the first one for
 * a plain fetch. */
static bool
param_fetch(struct smp_run *run, int idx, struct smp_val *v, const char *start,
            const char *end, const char *name, char delim, bool icase)
{
	size_t nl = name ? strlen(name) : 0;
	const char *pos = start, *vp = NULL;
	size_t vl = 0;
	if (idx > 0 && !run->iterate)
		return false;
	for (int i = 0; i <= idx; i++)
		if (!next_param(&pos, end, name, nl, delim, icase, &vp, &vl))
			return false;
	set_str(v, SMP_T_STR, vp, vl);
	if (run->iterate && pos < end)
		v->flags |= SV_NOT_LAST;
	return true;
}

static bool
urlp(struct smp_run *run, const struct smp_expr *e, int idx, struct smp_val *v)
{
	const struct h1q_req *r = run->ctx->http;
	const char *d = arg_str(e, 1);
	char delim = d && *d ? *d : '?';
	const char *third = arg_str(e, 2);
	if (!r)
		return false;
	/* the list starts after the first delimiter of the URI */
	const char *q = memchr(r->uri, delim, r->uri_len);
	if (!q)
		return false;
	return param_fetch(run, idx, v, q + 1, r->uri + r->uri_len, arg_str(e, 0),
	                   delim, third && *third == 'i');
}

FETCH(f_urlp) { return urlp(run, e, idx, v); }
FETCH(f_urlp_val) { return urlp(run, e, idx, v) && fh_to_int(v); }

/* ---- body ------------------------------------------------------------------------ */

FETCH(f_req_body)
{
	const struct smp_ctx *c = run->ctx;
	(void)e, (void)idx;
	if (!c->http)
		return false;
	set_str(v, SMP_T_BIN, c->http_body ? c->http_body : "", c->http_body_len);
	return true;
}

FETCH(f_req_body_len)
{
	(void)e, (void)idx;
	if (!run->ctx->http)
		return false;
	set_int(v, (long long)run->ctx->http_body_len);
	return true;
}

FETCH(f_req_body_size)
{
	const struct h1q_req *r = run->ctx->http;
	(void)e, (void)idx;
	if (!r)
		return false;
	/* the announced length; what was buffered for a chunked body */
	set_int(v, r->body == H1Q_BODY_CLEN ? (long long)r->content_length
	                                    : (long long)run->ctx->http_body_len);
	return true;
}

FETCH(f_req_body_param)
{
	const struct smp_ctx *c = run->ctx;
	if (!c->http || !c->http_body)
		return false;
	return param_fetch(run, idx, v, c->http_body, c->http_body + c->http_body_len,
	                   arg_str(e, 0), '&', false);
}

/* ---- table ------------------------------------------------------------------------------ */

const struct smp_fetch_impl smp_fetch_http[] = {
	{ "base", f_base }, { "base32", f_base32 }, { "base32+src", f_base32_src },
	{ "baseq", f_baseq },
	{ "hdr", d_hdr }, { "hdr_cnt", d_hdr_cnt }, { "hdr_ip", d_hdr_ip },
	{ "hdr_val", d_hdr_val },
	{ "method", f_method }, { "path", f_path }, { "pathq", f_pathq },
	{ "query", f_query },
	{ "req.body", f_req_body }, { "req.body_len", f_req_body_len },
	{ "req.body_param", f_req_body_param }, { "req.body_size", f_req_body_size },
	{ "req.fhdr", q_fhdr }, { "req.fhdr_cnt", q_fhdr_cnt },
	{ "req.hdr", q_hdr }, { "req.hdr_cnt", q_hdr_cnt }, { "req.hdr_ip", q_hdr_ip },
	{ "req.hdr_names", q_hdr_names }, { "req.hdr_val", q_hdr_val },
	{ "req.hdrs", q_hdrs }, { "req.hdrs_bin", q_hdrs_bin },
	{ "req.ver", f_req_ver }, { "req_ver", f_req_ver },
	{ "res.fhdr", r_fhdr }, { "res.fhdr_cnt", r_fhdr_cnt },
	{ "res.hdr", r_hdr }, { "res.hdr_cnt", r_hdr_cnt }, { "res.hdr_ip", r_hdr_ip },
	{ "res.hdr_names", r_hdr_names }, { "res.hdr_val", r_hdr_val },
	{ "res.hdrs", r_hdrs }, { "res.hdrs_bin", r_hdrs_bin },
	{ "res.ver", f_res_ver }, { "resp_ver", f_res_ver },
	{ "shdr", r_hdr }, { "shdr_cnt", r_hdr_cnt }, { "shdr_ip", r_hdr_ip },
	{ "shdr_val", r_hdr_val },
	{ "status", f_status },
	{ "url", f_url }, { "url32", f_url32 }, { "url32+src", f_url32_src },
	{ "url_ip", f_url_ip }, { "url_param", f_urlp }, { "url_port", f_url_port },
	{ "urlp", f_urlp }, { "urlp_val", f_urlp_val },
	{ NULL, NULL },
};
