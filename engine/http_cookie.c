/* Cookie-based persistence in mode http (engine/http_cookie.h). */
#include "engine/http_cookie.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "engine/backend.h"
#include "engine/http_int.h"
#include "engine/session.h"
#include "engine/srv_cookie.h"
#include "engine/srv_state.h"
#include "lib/util.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The end of a cookie value starting at p: the first ';' or ',' outside
 * a quoted string (a backslash escapes inside one), or end. */
static char *
value_end(char *p, const char *end)
{
	bool quoted = false, escaped = false;
	for (; p < end; p++) {
		if (escaped)
			escaped = false;
		else if (quoted) {
			if (*p == '\\')
				escaped = true;
			else if (*p == '"')
				quoted = false;
		} else if (*p == '"')
			quoted = true;
		else if (*p == ';' || *p == ',')
			return p;
	}
	return p;
}

/* Removes the cookie between *from (a delimiter, or beg for the first
 * one) and next (the following delimiter, or end) from [beg, end) the
 * way HAProxy does, so that the bytes left are the ones it sends: the
 * delimiter before it is kept with one space after it when room allows,
 * blanks before it and after next are dropped; the first cookie goes
 * with the delimiter after it. Returns how far the bytes after next
 * moved (<= 0); *from is where the removal began. */
static long
del_value(char *beg, char *end, char **from, char *next)
{
	char *dst = *from;
	if (dst == beg) {
		if (next < end)
			next++;
		while (next < end && blank(*next))
			next++;
	} else {
		while (dst > beg && blank(dst[-1]))
			dst--;
		*from = dst;
		if (next < end) {
			*dst++ = *next++;
			if (dst + 1 < next)
				*dst++ = ' ';
			while (next < end && blank(*next))
				next++;
		}
	}
	memmove(dst, next, (size_t)(end - next));
	return dst - next;
}

int
ck_b64tos30(const char *in)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int out = 0;
	for (int i = 0; i < 5; i++) {
		const char *p = in[i] ? strchr(set, in[i]) : NULL;
		if (p == NULL)
			return -1;
		out = (out << 6) + (int)(p - set);
	}
	return out;
}

void
ck_s30tob64(uint32_t v, char *out)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (int i = 4; i >= 0; i--) {
		out[i] = set[v & 63];
		v >>= 6;
	}
}

void
ck_dates(uint32_t now, uint32_t maxidle, uint32_t maxlife, uint32_t first,
         char out[CK_DATES_MAX])
{
	size_t n = 0;
	if (maxidle || maxlife) {
		/* +3: a date is never before the instant it stands for */
		out[n++] = '|';
		ck_s30tob64((now + 3) >> 2, out + n);
		n += 5;
		if (maxlife) {
			out[n++] = '|';
			ck_s30tob64(first ? first >> 2 : (now + 3) >> 2, out + n);
			n += 5;
		}
	}
	out[n] = 0;
}

bool
ck_refresh(bool direct, uint32_t maxidle, uint32_t maxlife,
           uint32_t last, uint32_t first, uint32_t now)
{
	if (!direct)
		return true;
	if ((maxidle || last) && (!last || (int32_t)(last - now) < 0))
		return true;
	return (maxlife && !first) || (!maxlife && first);
}

/* A date farther than this ahead of now is as bad as an expired one:
 * HAProxy's allowance for clocks set in different time zones. */
#define CK_FUTURE_MAX 86400

/* The dates just read say the cookie is too old (maxlife: 'O') or idle
 * for too long (maxidle: 'E'); then it counts as absent, its dates are
 * forgotten and the letter says why. */
static bool
expired(struct ck_req *c)
{
	char why = 0;
	if (c->first_date && c->maxlife &&
	    ((int32_t)(c->now - c->first_date) > (int32_t)c->maxlife ||
	     (int32_t)(c->first_date - c->now) > CK_FUTURE_MAX))
		why = 'O';
	else if (c->last_date && c->maxidle &&
	         ((int32_t)(c->now - c->last_date) > (int32_t)c->maxidle ||
	          (int32_t)(c->last_date - c->now) > CK_FUTURE_MAX))
		why = 'E';
	if (!why)
		return false;
	c->cli = why;
	c->first_date = c->last_date = 0;
	return true;
}

/* The "|last[|first]" dates after the server part of a value. */
static void
parse_dates(struct ck_req *c, char *bar, char *val_end)
{
	bar++;
	if (val_end - bar >= 5) {
		int v = ck_b64tos30(bar);
		if (v > 0)
			c->last_date = (uint32_t)v << 2;
	}
	char *bar2 = memchr(bar, '|', (size_t)(val_end - bar));
	if (bar2 && val_end - bar2 > 5) {
		int v = ck_b64tos30(bar2 + 1);
		if (v > 0)
			c->first_date = (uint32_t)v << 2;
	}
}

/* Our cookie, value [val_beg, delim) naming a server: the choice and
 * the letter, as HAProxy: the first usable one wins, later ones are
 * not looked at; a stopped one says D, which an unknown one after it
 * does not undo. */
static void
choose(struct ck_req *c, const char *val, size_t n)
{
	if (c->srv >= 0)
		return;
	bool down = false;
	int i = n ? c->lookup(c->arg, val, n, &down) : -1;
	if (i >= 0) {
		c->srv = i;
		c->cli = 'V';
	} else if (down)
		c->cli = 'D';
	else if (c->cli != 'D' && c->cli != 'E' && c->cli != 'O')
		c->cli = 'I';
}

/* Removes the blanks between a cookie's name (ending at att_end) and
 * '=' and between '=' and its value, moving the rest of [.., end) left;
 * *equal and *val_beg follow. Returns the (negative or zero) shift of
 * everything after the value. */
static long
squeeze_equal(char *att_end, char **equal, char **val_beg, char *end)
{
	long shift = 0;
	if (att_end != *equal) {
		memmove(att_end, *equal, (size_t)(end - *equal));
		shift = att_end - *equal;
		*equal += shift;
		*val_beg += shift;
	}
	if (*val_beg > *equal + 1) {
		memmove(*equal + 1, *val_beg, (size_t)(end + shift - *val_beg));
		long s2 = (*equal + 1) - *val_beg;
		*val_beg += s2;
		shift += s2;
	}
	return shift;
}

size_t
ck_req_field(struct ck_req *c, char *v, size_t len, bool *drop)
{
	char *beg = v, *end = v + len, *del_from = NULL, *next;
	bool keep = false; /* a cookie that stays: the field cannot go */
	bool first = true; /* after a removal prev may be beg again: not first */

	*drop = false;
	for (char *prev = beg; prev < end; prev = next) {
		char *att_beg = first ? prev : prev + 1;
		first = false;
		while (att_beg < end && blank(*att_beg))
			att_beg++;
		/* the name ends at its last non-blank before '=' or a delimiter */
		char *equal = att_beg, *att_end = att_beg;
		while (equal < end && *equal != '=' && *equal != ';' && *equal != ',') {
			if (!blank(*equal++))
				att_end = equal;
		}
		char *val_beg, *val_end;
		if (equal < end && *equal == '=') {
			val_beg = equal + 1;
			while (val_beg < end && blank(*val_beg))
				val_beg++;
			next = value_end(val_beg, end);
			val_end = next;
			while (val_end > val_beg && blank(val_end[-1]))
				val_end--;
		} else {
			val_beg = val_end = next = equal;
		}
		if (att_beg < end && *att_beg == '$')
			continue; /* attributes follow their cookie */
		if (equal == next) {
			/* no '=': not ours, kept; a removal pending before it is done */
			keep = true;
			if (del_from) {
				long d = del_value(beg, end, &del_from, prev);
				next += d;
				end += d;
				del_from = NULL;
			}
			continue;
		}
		if (att_end != equal || val_beg > equal + 1) {
			/* blanks around '=' go */
			long shift = squeeze_equal(att_end, &equal, &val_beg, end);
			val_end += shift;
			next += shift;
			end += shift;
		}
		if ((size_t)(att_end - att_beg) == c->name_len &&
		    memcmp(att_beg, c->name, c->name_len) == 0) {
			char *delim = val_end;
			if (c->opts & PX_CK_PREFIX) {
				char *t = memchr(val_beg, '~', (size_t)(val_end - val_beg));
				if (t)
					delim = t;
			} else {
				char *bar = memchr(val_beg, '|', (size_t)(val_end - val_beg));
				if (bar) {
					delim = bar;
					parse_dates(c, bar, val_end);
				}
			}
			/* an expired cookie names no server, and is still
			 * removed below as any of ours */
			if (!expired(c))
				choose(c, val_beg, (size_t)(delim - val_beg));
			if ((c->opts & PX_CK_PREFIX) && delim != val_end) {
				/* the server sees its own value */
				memmove(val_beg, delim + 1, (size_t)(end - (delim + 1)));
				long d = val_beg - (delim + 1);
				next += d;
				end += d;
				del_from = NULL;
				keep = true;
			} else if (del_from == NULL &&
			           (c->opts & (PX_CK_INSERT | PX_CK_INDIRECT)) ==
			           (PX_CK_INSERT | PX_CK_INDIRECT)) {
				del_from = prev;
			}
		} else {
			keep = true;
			if (del_from) {
				long d = del_value(beg, end, &del_from, prev);
				next += d;
				end += d;
				del_from = NULL;
			}
		}
	}
	if (del_from)
		end = keep ? del_from : beg;
	if (end == beg && len > 0)
		*drop = true;
	return (size_t)(end - beg);
}

int
ck_res_field(const struct ck_res *c, const char *v, size_t len,
             struct sbuf *out, char *sck)
{
	int ret = 0;
	char *buf = xmalloc(len + 1);
	memcpy(buf, v, len);
	char *beg = buf, *end = buf + len;

	/* one cookie per Set-Cookie field: the first */
	char *att_beg = beg;
	while (att_beg < end && blank(*att_beg))
		att_beg++;
	char *equal = att_beg, *att_end = att_beg;
	while (equal < end && *equal != '=' && *equal != ';') {
		if (!blank(*equal++))
			att_end = equal;
	}
	char *val_beg, *val_end;
	if (equal < end && *equal == '=') {
		val_beg = equal + 1;
		while (val_beg < end && blank(*val_beg))
			val_beg++;
		val_end = value_end(val_beg, end);
		while (val_end > val_beg && blank(val_end[-1]))
			val_end--;
	} else {
		val_beg = val_end = equal;
	}
	if (equal == val_end)
		goto out; /* no '=' */
	if (att_end != equal || val_beg > equal + 1) {
		/* blanks around '=' go (HAProxy edits any Set-Cookie so) */
		long shift = squeeze_equal(att_end, &equal, &val_beg, end);
		val_end += shift;
		end += shift;
		ret = 1;
	}
	if ((size_t)(att_end - att_beg) != c->name_len ||
	    memcmp(att_beg, c->name, c->name_len) != 0)
		goto out;
	*sck = 'P';
	if (c->opts & PX_CK_PRESERVE)
		goto out;
	if ((c->opts & PX_CK_INSERT) || (c->direct && (c->opts & PX_CK_INDIRECT))) {
		*sck = 'D';
		ret = 2;
		goto out;
	}
	if (c->srv_cookie && (c->opts & (PX_CK_REWRITE | PX_CK_PREFIX))) {
		sbuf_addn(out, beg, (size_t)(val_beg - beg));
		sbuf_adds(out, c->srv_cookie);
		if (c->opts & PX_CK_PREFIX)
			sbuf_addc(out, '~');
		sbuf_addn(out, (c->opts & PX_CK_PREFIX) ? val_beg : val_end,
		          (size_t)(end - ((c->opts & PX_CK_PREFIX) ? val_beg : val_end)));
		*sck = 'R';
		free(buf);
		return 1;
	}
out:
	if (ret == 1)
		sbuf_addn(out, beg, (size_t)(end - beg));
	free(buf);
	return ret;
}

void
ck_insert_value(const char *name, const char *cookie, const char *dates,
                const char *domain, unsigned opts, const char *attrs,
                struct sbuf *out)
{
	sbuf_adds(out, name);
	if (cookie) {
		sbuf_addc(out, '=');
		sbuf_adds(out, cookie);
		if (dates)
			sbuf_adds(out, dates);
		sbuf_adds(out, "; path=/");
	} else {
		/* a server without a cookie: the client's is removed */
		sbuf_adds(out, "=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/");
	}
	if (domain) {
		sbuf_adds(out, "; domain=");
		sbuf_adds(out, domain);
	}
	if (opts & PX_CK_HTTPONLY)
		sbuf_adds(out, "; HttpOnly");
	if (opts & PX_CK_SECURE)
		sbuf_adds(out, "; Secure");
	if (attrs) {
		sbuf_adds(out, "; ");
		sbuf_adds(out, attrs);
	}
}

/* ---- the engine's side ---- */

#define PX_CK_ANY (PX_CK_REWRITE | PX_CK_INSERT | PX_CK_PREFIX | PX_CK_INDIRECT)

/* ck_req's lookup on a backend: declaration order, a server that is not
 * stopped (UP or stopping, not in maintenance: a draining one still
 * takes its clients, as HAProxy). */
static int
be_lookup(void *arg, const char *val, size_t n, bool *down)
{
	struct backend *be = arg;
	for (size_t i = 0; i < be->nsrv; i++) {
		const char *ck = srv_cookie_get(&be->srvs[i]);
		if (ck == NULL || strlen(ck) != n || memcmp(ck, val, n) != 0)
			continue;
		if (atomic_load(&be->srvs[i].op) != SRV_OP_DOWN &&
		    atomic_load(&be->srvs[i].admin) != SRV_ADMIN_MAINT)
			return (int)i;
		*down = true;
	}
	return -1;
}

/*
 * The wall clock in seconds, as the logs read it. Not time(NULL): glibc's
 * vDSO time() returns the second of the last timer tick, up to a tick
 * behind gettimeofday(), so a cookie date due "now" would be seen as not
 * yet due for a few milliseconds after each second starts.
 */
static uint32_t
ck_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint32_t)tv.tv_sec;
}

void
http_cookie_request(struct http_sess *h)
{
	struct session *s = h->s;
	const struct px_cookie *ck = s->be->px->cookie;

	s->persist_srv = NULL;
	h->ck_srv = -1;
	h->ck_last = h->ck_first = 0;
	if (ck == NULL || ck->name == NULL)
		return;
	struct ck_req c = {
		.name = ck->name, .name_len = strlen(ck->name), .opts = ck->opts,
		.lookup = be_lookup, .arg = s->be, .srv = -1, .cli = 'N',
		.maxidle = ck->maxidle, .maxlife = ck->maxlife,
		.now = ck_now(),
	};
	long i;
	for (size_t n = 0; (i = hmsg_find(&h->hreq, "cookie", 6, n)) >= 0;) {
		struct hmsg_hdr *f = &h->hreq.hdrs[i];
		char *v = xmalloc(f->value_len + 1);
		memcpy(v, f->value, f->value_len);
		bool drop;
		size_t nl = ck_req_field(&c, v, f->value_len, &drop);
		if (drop) {
			hmsg_remove(&h->hreq, (size_t)i);
		} else {
			/* it only shrinks: cannot outgrow the head */
			if (nl != f->value_len)
				hmsg_set_value(&h->hreq, (size_t)i, v, nl);
			n++;
		}
		free(v);
	}
	h->ck_srv = c.srv;
	h->ck_last = c.last_date;
	h->ck_first = c.first_date;
	if (c.srv >= 0)
		s->persist_srv = &s->be->srvs[c.srv];
	if (ck->opts & PX_CK_ANY) {
		h->log.cookie[0] = c.cli;
		h->log.cookie[1] = 'N';
	}
}

/* One comma-separated element of a header value, trimmed; false at the
 * end. *p walks the value. */
static bool
next_elem(const char **p, const char *end, const char **eb, size_t *el)
{
	const char *q = *p;
	if (q >= end)
		return false;
	bool quoted = false;
	const char *e = q;
	while (e < end && (quoted || *e != ',')) {
		if (*e == '"')
			quoted = !quoted;
		e++;
	}
	*p = e < end ? e + 1 : e;
	while (q < e && blank(*q))
		q++;
	while (e > q && blank(e[-1]))
		e--;
	*eb = q;
	*el = (size_t)(e - q);
	return true;
}

static bool
elem_is(const char *e, size_t n, const char *w)
{
	return n == strlen(w) && strncasecmp(e, w, n) == 0;
}

static bool
elem_starts(const char *e, size_t n, const char *w)
{
	return n >= strlen(w) && strncasecmp(e, w, strlen(w)) == 0;
}

/* HAProxy's view of whether the response may be stored by a shared
 * cache (TX_CACHEABLE): a safe method, a cacheable status, then its
 * Pragma / Cache-Control / Expires / validators (2.6.12, observed:
 * "public" alone is not enough, an Expires, max-age or ETag is). */
static bool
cacheable(const struct hmsg *req, const struct hmsg *res)
{
	bool ok = false;
	static const char *const safe[] = { "GET", "HEAD", "OPTIONS", "TRACE" };
	for (size_t i = 0; i < ARRAY_SIZE(safe); i++)
		if (req->method_len == strlen(safe[i]) && memcmp(req->method, safe[i], req->method_len) == 0)
			ok = true;
	switch (res->status) {
	case 200: case 203: case 204: case 206: case 300: case 301:
	case 404: case 405: case 410: case 414: case 501:
		break;
	default:
		ok = false;
	}
	long i = hmsg_find(res, "pragma", 6, 0);
	if (i >= 0 && elem_is(res->hdrs[i].value, res->hdrs[i].value_len, "no-cache"))
		return false;
	bool fresh = false, null_maxage = false;
	for (size_t n = 0; (i = hmsg_find(res, "cache-control", 13, n)) >= 0; n++) {
		const char *p = res->hdrs[i].value, *end = p + res->hdrs[i].value_len, *e;
		size_t el;
		while (next_elem(&p, end, &e, &el)) {
			if (elem_is(e, el, "public"))
				ok = true;
			else if (elem_is(e, el, "max-age=0"))
				null_maxage = true;
			else if (elem_is(e, el, "private") || elem_is(e, el, "no-cache") ||
			         elem_is(e, el, "no-store") || elem_is(e, el, "s-maxage=0"))
				ok = false;
			else if (elem_starts(e, el, "no-cache=\"set-cookie"))
				; /* only the cookie is not to be cached */
			else if (elem_starts(e, el, "s-maxage")) {
				fresh = true;
				null_maxage = false;
			} else if (elem_starts(e, el, "max-age"))
				fresh = true;
		}
	}
	if (null_maxage)
		ok = false;
	if (!fresh)
		fresh = hmsg_find(res, "expires", 7, 0) >= 0;
	if (!fresh && hmsg_find(res, "etag", 4, 0) < 0 &&
	    hmsg_find(res, "last-modified", 13, 0) < 0)
		ok = false;
	return ok;
}

int
http_cookie_response(struct http_sess *h)
{
	struct session *s = h->s;
	const struct px_cookie *ck = s->be->px->cookie;
	if (ck == NULL || ck->name == NULL || s->srv == NULL)
		return 0;
	const char *srv_cookie = srv_cookie_get(s->srv);
	bool direct = h->ck_srv >= 0 && s->srv == &s->be->srvs[h->ck_srv];
	struct ck_res c = {
		.name = ck->name, .name_len = strlen(ck->name), .opts = ck->opts,
		.srv_cookie = srv_cookie, .direct = direct,
	};
	char sck = 'N';
	/* the cookie's server failed and another answered (redispatch):
	 * HAProxy then says the cookie's server was down */
	if (h->ck_srv >= 0 && !direct && h->log.cookie[0] == 'V')
		h->log.cookie[0] = 'D';
	long i;
	for (size_t n = 0; (i = hmsg_find(&h->hres, "set-cookie", 10, n)) >= 0;) {
		struct sbuf nv = { 0 };
		const struct hmsg_hdr *f = &h->hres.hdrs[i];
		int r = ck_res_field(&c, f->value, f->value_len, &nv, &sck);
		int rc = 0;
		if (r == 2) {
			hmsg_remove(&h->hres, (size_t)i);
		} else {
			if (r == 1)
				rc = hmsg_set_value(&h->hres, (size_t)i, nv.s ? nv.s : "", nv.len);
			n++;
		}
		free(nv.s);
		if (rc < 0)
			return -1;
	}
	bool post = h->hreq.method_len == 4 && memcmp(h->hreq.method, "POST", 4) == 0;
	uint32_t now = ck_now();
	if ((ck->opts & PX_CK_INSERT) && !(sck == 'P' && (ck->opts & PX_CK_PRESERVE)) &&
	    ck_refresh(direct, ck->maxidle, ck->maxlife, h->ck_last, h->ck_first, now) &&
	    (!(ck->opts & PX_CK_POSTONLY) || post)) {
		struct sbuf v = { 0 };
		char dates[CK_DATES_MAX];
		ck_dates(now, ck->maxidle, ck->maxlife, h->ck_first, dates);
		ck_insert_value(ck->name, srv_cookie, dates, ck->domain, ck->opts, ck->attrs, &v);
		int rc = hmsg_add(&h->hres, "set-cookie", 10, v.s, v.len);
		free(v.s);
		if (rc < 0)
			return -1;
		sck = srv_cookie && direct ? 'U' : 'I';
		if ((ck->opts & PX_CK_NOCACHE) && cacheable(&h->hreq, &h->hres) &&
		    hmsg_add(&h->hres, "cache-control", 13, "private", 7) < 0)
			return -1;
	}
	if (ck->opts & PX_CK_ANY)
		h->log.cookie[1] = sck;
	return 0;
}
