/* HTTP/1.x request heads as HAProxy 2.6 parses them (see http1_req.h for
 * what is accepted and refused, each case observed on 2.6.12). */
#include "proto/http1_req.h"

#include <string.h>
#include <strings.h>

void
h1q_limits_default(struct h1q_limits *l)
{
	l->bufsize = H1Q_DEF_BUFSIZE;
	l->maxrewrite = H1Q_DEF_MAXREWRITE;
	l->maxhdr = H1Q_DEF_MAXHDR;
}

size_t
h1q_raw_room(const struct h1q_limits *l)
{
	return l->bufsize > H1Q_RAW_RESERVE ? l->bufsize - H1Q_RAW_RESERVE : 0;
}

bool
h1q_head_fits(const struct h1q_limits *l, size_t raw, size_t cost)
{
	return raw <= h1q_raw_room(l) && l->bufsize > l->maxrewrite &&
	       cost <= l->bufsize - l->maxrewrite;
}

static bool
is_tchar(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return true;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
is_sp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static bool
eq_ci(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);
	return an == bn && strncasecmp(a, b, an) == 0;
}

/* Reads the end of a line at buf[*i]: CRLF or LF. 1 consumed, 0 not a
 * line end here, -1 need more, -2 a CR without LF. */
static int
eol(const char *buf, size_t len, size_t *i)
{
	if (*i >= len)
		return -1;
	if (buf[*i] == '\n') {
		(*i)++;
		return 1;
	}
	if (buf[*i] != '\r')
		return 0;
	if (*i + 1 >= len)
		return -1;
	if (buf[*i + 1] != '\n')
		return -2;
	*i += 2;
	return 1;
}

static enum h1q_result
bad(struct h1q_req *r, size_t pos)
{
	r->err_pos = pos;
	return H1Q_BAD;
}

/* The request line from buf[*i]; leaves *i after its line end. */
static enum h1q_result
request_line(const char *buf, size_t len, size_t *pi, struct h1q_req *r)
{
	size_t i = *pi, s;

	/* empty lines before the request are skipped */
	for (;;) {
		size_t k = i;
		int e = eol(buf, len, &k);
		if (e == -1)
			return H1Q_NEED_MORE;
		if (e == -2)
			return bad(r, k);
		if (e == 0)
			break;
		i = k;
	}
	s = i;
	while (i < len && is_tchar((unsigned char)buf[i]))
		i++;
	if (i == len)
		return H1Q_NEED_MORE;
	if (i == s || !is_sp((unsigned char)buf[i]))
		return bad(r, i);
	r->method = buf + s;
	r->method_len = i - s;
	while (i < len && is_sp((unsigned char)buf[i]))
		i++;
	s = i;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c < 0x21 || c > 0x7e || c == '#')
			break;
	}
	if (i == len)
		return H1Q_NEED_MORE;
	if (i == s || !is_sp((unsigned char)buf[i]))
		return bad(r, i); /* control byte, non-ASCII, '#', HTTP/0.9 */
	r->uri = buf + s;
	r->uri_len = i - s;
	while (i < len && is_sp((unsigned char)buf[i]))
		i++;
	static const char v[] = "HTTP/d.d";
	for (size_t k = 0; k < 8; k++, i++) {
		if (i == len)
			return H1Q_NEED_MORE;
		unsigned char c = (unsigned char)buf[i];
		if (v[k] == 'd' ? !(c >= '0' && c <= '9') : c != (unsigned char)v[k])
			return bad(r, i);
	}
	r->major = buf[i - 3] - '0';
	r->minor = buf[i - 1] - '0';
	int e = eol(buf, len, &i);
	if (e == -1)
		return H1Q_NEED_MORE;
	if (e != 1)
		return bad(r, i);
	*pi = i;
	return H1Q_OK;
}

/* Parses a Content-Length value (a comma list of equal numbers). */
static bool
parse_clen(const char *v, size_t n, bool *seen, unsigned long long *out)
{
	size_t i = 0;
	for (;;) {
		while (i < n && is_sp((unsigned char)v[i]))
			i++;
		size_t s = i;
		unsigned long long x = 0;
		while (i < n && v[i] >= '0' && v[i] <= '9') {
			unsigned d = (unsigned)(v[i] - '0');
			/* HAProxy refuses 2^63 and beyond (a signed 64-bit
			 * length); its wrap-around at 2^64 is not copied */
			if (x > (9223372036854775807ULL - d) / 10)
				return false;
			x = x * 10 + d;
			i++;
		}
		if (i == s)
			return false;
		while (i < n && is_sp((unsigned char)v[i]))
			i++;
		if (*seen && x != *out)
			return false;
		*seen = true;
		*out = x;
		if (i == n)
			return true;
		if (v[i] != ',')
			return false;
		i++;
	}
}

/* Transfer-Encoding: walks the comma list. 0 ok, -1 400, -2 422. */
static int
parse_te(const char *v, size_t n, bool *chunked_last, bool *chunked_seen,
         bool *other)
{
	size_t i = 0;
	bool any = false;
	while (i <= n) {
		while (i < n && is_sp((unsigned char)v[i]))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && is_sp((unsigned char)v[e - 1]))
			e--;
		if (e > s) {
			any = true;
			if (eq_ci(v + s, e - s, "chunked")) {
				if (*chunked_seen)
					return -1;
				*chunked_seen = true;
				*chunked_last = true;
			} else {
				if (*chunked_last)
					return -1; /* a coding after chunked */
				*other = true;
			}
		}
		i++;
	}
	return any ? 0 : -1;
}

/* The authority of an absolute URI ("http://user@host:port/..."), without
 * its userinfo, or NULL; *slen is the length of the scheme with its "://". */
static const char *
uri_authority(const struct h1q_req *r, size_t *len, size_t *slen)
{
	const char *u = r->uri, *end = r->uri + r->uri_len;
	const char *p = memchr(u, ':', r->uri_len);
	if (u[0] == '/' || p == NULL || end - p < 3 || p[1] != '/' || p[2] != '/')
		return NULL;
	const char *a = p + 3, *q = a;
	while (q < end && *q != '/' && *q != '?')
		q++;
	for (const char *at = q; at > a; at--)
		if (at[-1] == '@') {
			a = at;
			break;
		}
	*len = (size_t)(q - a);
	*slen = (size_t)(p + 3 - u);
	return a;
}

/* Splits "host[:port]" as HAProxy's http_get_host_port() does: the port is
 * the digits after a final ':' (possibly none: "a:" has an empty port);
 * false when there is no such ':'. *hlen is the length of the host part. */
static bool
host_port(const char *v, size_t n, size_t *hlen, const char **port, size_t *plen)
{
	size_t i = n;
	while (i > 0 && v[i - 1] >= '0' && v[i - 1] <= '9')
		i--;
	if (i < 2 || v[i - 1] != ':')
		return false;
	*hlen = i - 1;
	*port = v + i;
	*plen = n - i;
	return true;
}

bool
h1q_default_port(const char *scheme, size_t sl, const char *port, size_t pl)
{
	if (pl == 0)
		return true;
	bool p80 = pl == 2 && memcmp(port, "80", 2) == 0;
	bool p443 = pl == 3 && memcmp(port, "443", 3) == 0;
	if (!scheme)
		return p80 || p443;
	return (p80 && eq_ci(scheme, sl, "http://")) || (p443 && eq_ci(scheme, sl, "https://"));
}

/* A Host field next to an authority-form (CONNECT) target, as HAProxy 2.6
 * checks it: the target needs a port; a Host with a port must name the same
 * host and port; a Host without one, the same host with the target on port
 * 80 or 443. False: 400. */
static bool
connect_host_ok(const struct h1q_req *r, const char *host, size_t hn)
{
	size_t uh, hh, up, hp;
	const char *uport, *hport;
	if (!host_port(r->uri, r->uri_len, &uh, &uport, &up) || up == 0)
		return false;
	if (!host)
		return true;
	if (host_port(host, hn, &hh, &hport, &hp) && hp > 0)
		return hh == uh && strncasecmp(host, r->uri, uh) == 0 &&
		       hp == up && memcmp(hport, uport, up) == 0;
	if (hn > 0 && host[hn - 1] == ':')
		hn--;
	return h1q_default_port(NULL, 0, uport, up) && hn == uh &&
	       strncasecmp(host, r->uri, uh) == 0;
}

/* An absolute URI's authority differing from the Host field is accepted
 * only when the two differ by a default port of the URI's scheme (80 for
 * http://, 443 for https://, or an empty port) on one side (HAProxy 2.6's
 * h1_validate_mismatch_authority()); without a scheme (scheme NULL), not
 * at all. */
static bool
authority_matches(const char *scheme, size_t sl, const char *a, size_t al,
                  const char *host, size_t hn)
{
	if (al == hn && strncasecmp(a, host, al) == 0)
		return true;
	if (!scheme)
		return false;
	size_t ah = al, hh = hn, ap = 0, hp = 0;
	const char *aport = NULL, *hport = NULL;
	bool has_a = host_port(a, al, &ah, &aport, &ap);
	bool has_h = host_port(host, hn, &hh, &hport, &hp);
	if (!has_a && !has_h)
		return false;
	if (has_a && !h1q_default_port(scheme, sl, aport, ap))
		return false;
	if (has_h && !h1q_default_port(scheme, sl, hport, hp))
		return false;
	return ah == hh && strncasecmp(a, host, ah) == 0;
}

enum h1q_result
h1q_parse(char *buf, size_t len, const struct h1q_limits *l, struct h1q_req *r)
{
	struct h1q_hdr *hdrs = r->hdrs;
	size_t cap = r->hdrs_cap, i = 0;
	memset(r, 0, sizeof(*r));
	r->hdrs = hdrs;
	r->hdrs_cap = cap;

	enum h1q_result rc = request_line(buf, len, &i, r);
	if (rc != H1Q_OK)
		goto need;

	size_t htx = h1q_cost_line(r->method_len + r->uri_len + 8);
	size_t count = 0;
	bool first = true, clen_seen = false, te = false, te_chunked_last = false,
	     te_chunked = false, te_other = false;
	const char *host = NULL;
	size_t host_len = 0;
	struct h1q_hdr last = { 0 };
	bool have_last = false;

	for (;;) {
		int e = eol(buf, len, &i);
		if (e == -1) {
			rc = H1Q_NEED_MORE;
			goto need;
		}
		if (e == -2)
			return bad(r, i);
		if (e == 1)
			break;
		if (is_sp((unsigned char)buf[i])) {
			/* obsolete line folding: continues the previous value */
			if (first || !have_last)
				return bad(r, i);
		}
		first = false;
		size_t s = i;
		while (i < len && is_tchar((unsigned char)buf[i]))
			i++;
		if (i == len) {
			rc = H1Q_NEED_MORE;
			goto need;
		}
		if (i == s || buf[i] != ':')
			return bad(r, i);
		struct h1q_hdr h = { buf + s, i - s, NULL, 0 };
		i++;
		while (i < len && is_sp((unsigned char)buf[i]))
			i++;
		size_t vs = i;
		for (;;) {
			while (i < len && buf[i] != '\r' && buf[i] != '\n')
				i++;
			size_t k = i;
			int le = eol(buf, len, &k);
			if (le == -1) {
				rc = H1Q_NEED_MORE;
				goto need;
			}
			if (le == -2)
				return bad(r, k);
			/* a folded line: blank out the line end, keep going */
			if (k < len && is_sp((unsigned char)buf[k])) {
				for (size_t z = i; z < k; z++)
					buf[z] = ' ';
				i = k;
				continue;
			}
			if (k == len) {
				rc = H1Q_NEED_MORE;
				goto need;
			}
			break;
		}
		size_t ve = i;
		while (ve > vs && is_sp((unsigned char)buf[ve - 1]))
			ve--;
		/* a fold right after the colon ("Host:\n a") was blanked after
		 * the leading blanks were skipped: skip what it left too, so a
		 * second parse of the same bytes reads the same value */
		while (vs < ve && is_sp((unsigned char)buf[vs]))
			vs++;
		h.value = buf + vs;
		h.value_len = ve - vs;
		eol(buf, len, &i);

		if (++count > l->maxhdr - 1)
			return bad(r, s);
		htx += h1q_cost_field(h.name_len, h.value_len);
		/* a repeated Host field: a different value is refused, the same
		 * one (any case) is dropped, the first kept (HAProxy 2.6) */
		bool dup_host = false;
		if (eq_ci(h.name, h.name_len, "host")) {
			if (host && (host_len != h.value_len ||
			             strncasecmp(host, h.value, host_len) != 0))
				return bad(r, s);
			dup_host = host != NULL;
			if (!host) {
				host = h.value;
				host_len = h.value_len;
			}
		}
		if (!dup_host && count <= r->hdrs_cap)
			r->hdrs[r->nhdrs++] = h;
		last = h;
		have_last = true;

		if (eq_ci(h.name, h.name_len, "content-length")) {
			if (!parse_clen(h.value, h.value_len, &clen_seen, &r->content_length))
				return bad(r, s);
		} else if (eq_ci(h.name, h.name_len, "transfer-encoding")) {
			te = true;
			if (parse_te(h.value, h.value_len, &te_chunked_last, &te_chunked, &te_other) < 0)
				return bad(r, s);
		} else if (eq_ci(h.name, h.name_len, "connection")) {
			const char *v = h.value, *end = h.value + h.value_len;
			while (v < end) {
				while (v < end && (is_sp((unsigned char)*v) || *v == ','))
					v++;
				const char *t = v;
				while (v < end && *v != ',' && !is_sp((unsigned char)*v))
					v++;
				if (eq_ci(t, (size_t)(v - t), "close"))
					r->conn_close = true;
				else if (eq_ci(t, (size_t)(v - t), "keep-alive"))
					r->conn_keep_alive = true;
			}
		}
	}
	(void)last;
	r->head_len = i;
	if (!h1q_head_fits(l, i, htx))
		return bad(r, i);
	if (te) {
		if (!te_chunked_last)
			return bad(r, i);
		if (te_other) {
			r->err_pos = i;
			return H1Q_UNPROCESSABLE;
		}
		r->body = H1Q_BODY_CHUNKED;
	} else if (clen_seen) {
		r->body = H1Q_BODY_CLEN;
	}
	if (r->method_len == 7 && memcmp(r->method, "CONNECT", 7) == 0) {
		if (!connect_host_ok(r, host, host_len))
			return bad(r, 0);
	} else if (host && r->uri_len > 0) {
		size_t al, sl;
		const char *scheme = r->uri, *a = uri_authority(r, &al, &sl);
		if (!a && r->uri[0] != '/' && r->uri[0] != '*') {
			/* an authority-form target with another method than
			 * CONNECT: it must equal Host exactly */
			a = r->uri;
			for (al = 0; al < r->uri_len && a[al] != '/' && a[al] != '?'; al++)
				;
			scheme = NULL;
			sl = 0;
		}
		if (a && !authority_matches(scheme, sl, a, al, host, host_len))
			return bad(r, 0);
	}
	if (r->major > 1 || (r->major == 1 && r->minor >= 1))
		r->keep_alive = !r->conn_close;
	else
		r->keep_alive = r->conn_keep_alive && !r->conn_close;
	return H1Q_OK;

need:
	if (rc == H1Q_NEED_MORE && len >= h1q_raw_room(l))
		return bad(r, len);
	return rc;
}

const struct h1q_hdr *
h1q_header(const struct h1q_req *r, const char *name, size_t n)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < r->nhdrs; i++)
		if (r->hdrs[i].name_len == nl && strncasecmp(r->hdrs[i].name, name, nl) == 0) {
			if (n == 0)
				return &r->hdrs[i];
			n--;
		}
	return NULL;
}

const char *
h1q_path(const struct h1q_req *r, size_t *len)
{
	const char *u = r->uri, *end = r->uri + r->uri_len;
	size_t al, sl;
	const char *a = uri_authority(r, &al, &sl);
	if (a)
		u = a + al;
	const char *q = memchr(u, '?', (size_t)(end - u));
	*len = (size_t)((q ? q : end) - u);
	return u;
}

const char *
h1q_query(const struct h1q_req *r, size_t *len)
{
	const char *q = memchr(r->uri, '?', r->uri_len);
	if (q == NULL)
		return NULL;
	*len = (size_t)(r->uri + r->uri_len - q - 1);
	return q + 1;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

enum h1q_result
h1q_chunked(const char *buf, size_t len, char *out, size_t outsz,
            size_t *outlen, size_t *consumed)
{
	size_t i = 0, o = 0;
	*outlen = 0;
	for (;;) {
		size_t sz = 0, s = i;
		int d;
		while (i < len && (d = hexval(buf[i])) >= 0) {
			if (sz > (size_t)-1 / 16 - 1)
				return H1Q_BAD;
			sz = sz * 16 + (size_t)d;
			i++;
		}
		if (i == len)
			return H1Q_NEED_MORE;
		if (i == s)
			return H1Q_BAD;
		/* chunk extensions are ignored, as HAProxy does */
		while (i < len && is_sp((unsigned char)buf[i]))
			i++;
		if (i < len && buf[i] == ';')
			while (i < len && buf[i] != '\r' && buf[i] != '\n')
				i++;
		int e = eol(buf, len, &i);
		if (e == -1)
			return H1Q_NEED_MORE;
		if (e != 1)
			return H1Q_BAD;
		if (sz == 0)
			break;
		if (sz > outsz - o)
			return H1Q_BAD;
		if (len - i < sz)
			return H1Q_NEED_MORE;
		memcpy(out + o, buf + i, sz);
		o += sz;
		i += sz;
		e = eol(buf, len, &i);
		if (e == -1)
			return H1Q_NEED_MORE;
		if (e != 1)
			return H1Q_BAD;
	}
	/* trailers up to the empty line */
	for (;;) {
		int e = eol(buf, len, &i);
		if (e == -1)
			return H1Q_NEED_MORE;
		if (e == -2)
			return H1Q_BAD;
		if (e == 1)
			break;
		while (i < len && buf[i] != '\r' && buf[i] != '\n')
			i++;
		e = eol(buf, len, &i);
		if (e == -1)
			return H1Q_NEED_MORE;
		if (e != 1)
			return H1Q_BAD;
	}
	*outlen = o;
	*consumed = i;
	return H1Q_OK;
}
