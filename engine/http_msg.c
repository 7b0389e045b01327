/* An editable HTTP/1 head (http_msg.h): owned copies of the start line
 * and the header fields, the parsed views rebuilt after every edit, and
 * the serialisation HAProxy 2.6 produces when it forwards a head. */
#include "engine/http_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

/* HAProxy's http_get_reason() table (observed on 2.6.12 with
 * "http-request return status <code>" for every code). */
const char *
hmsg_reason(int code)
{
	switch (code) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 102: return "Processing";
	case 103: return "Early Hints";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 203: return "Non-Authoritative Information";
	case 204: return "No Content";
	case 205: return "Reset Content";
	case 206: return "Partial Content";
	case 207: return "Multi-Status";
	case 210: return "Content Different";
	case 226: return "IM Used";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Moved Temporarily";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 305: return "Use Proxy";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 310: return "Too many Redirects";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Time-out";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Requested range unsatisfiable";
	case 417: return "Expectation failed";
	case 418: return "I'm a teapot";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 423: return "Locked";
	case 424: return "Method failure";
	case 425: return "Too Early";
	case 426: return "Upgrade Required";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 449: return "Retry With";
	case 450: return "Blocked by Windows Parental Controls";
	case 451: return "Unavailable For Legal Reasons";
	case 456: return "Unrecoverable Error";
	case 499: return "client has closed connection";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway or Proxy Error";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Time-out";
	case 505: return "HTTP Version not supported";
	case 506: return "Variant also negotiate";
	case 507: return "Insufficient storage";
	case 508: return "Loop detected";
	case 509: return "Bandwidth Limit Exceeded";
	case 510: return "Not extended";
	case 511: return "Network authentication required";
	case 520: return "Web server is returning an unknown error";
	default: break;
	}
	switch (code / 100) {
	case 1: return "Informational";
	case 2: return "Success";
	case 3: return "Redirection";
	case 4: return "Client Error";
	case 5: return "Server Error";
	default: return "Other";
	}
}

static long authority(const char *u, size_t ul, size_t *alen);

static char *
dupn(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* HAProxy's internal (HTX) size of the head, as the parsers measure it
 * (proto/http1_req.h). Measured on 2.6.12: a rewrite fails once this
 * exceeds tune.bufsize. */
size_t
hmsg_cost(const struct hmsg *m)
{
	/* the version is "HTTP/x.y", a status three digits */
	size_t c = h1q_cost_line(8 + (m->is_req ? m->method_len + m->uri_len
	                                        : 3 + m->reason_len));
	for (size_t i = 0; i < m->nhdrs; i++)
		c += h1q_cost_field(m->hdrs[i].name_len, m->hdrs[i].value_len);
	return c;
}

/* Bytes hmsg_write() appends. */
static size_t
ser_len(const struct hmsg *m)
{
	size_t l;
	if (m->is_req)
		l = m->method_len + 1 + m->uri_len + 1 + 8 + 2;
	else
		l = 8 + 1 + 3 + 1 + m->reason_len + 2;
	for (size_t i = 0; i < m->nhdrs; i++)
		l += m->hdrs[i].name_len + 2 + m->hdrs[i].value_len + 2;
	return l + 2;
}

/* Rebuilds the parsed view after an edit; the framing facts the engine
 * read at parse time (body kind, length, connection flags) are kept. */
static void
refresh(struct hmsg *m)
{
	if (m->is_req) {
		struct h1q_req *q = &m->qview;
		if (m->nhdrs > 0 && q->hdrs_cap < m->nhdrs) {
			m->qview_hdrs = xrealloc(m->qview_hdrs, m->hdrs_cap * sizeof(*m->qview_hdrs));
			q->hdrs_cap = m->hdrs_cap;
		}
		q->hdrs = m->qview_hdrs;
		q->method = m->method;
		q->method_len = m->method_len;
		q->uri = m->uri;
		q->uri_len = m->uri_len;
		q->major = m->major;
		q->minor = m->minor;
		q->nhdrs = m->nhdrs;
		for (size_t i = 0; i < m->nhdrs; i++) {
			m->qview_hdrs[i].name = m->hdrs[i].name;
			m->qview_hdrs[i].name_len = m->hdrs[i].name_len;
			m->qview_hdrs[i].value = m->hdrs[i].value;
			m->qview_hdrs[i].value_len = m->hdrs[i].value_len;
		}
		q->head_len = ser_len(m);
		return;
	}
	struct h1r_resp *r = m->rview;
	r->major = m->major;
	r->minor = m->minor;
	r->status = m->status;
	r->reason = m->reason;
	r->reason_len = m->reason_len;
	/* the response view holds at most H1R_MAX_HDRS fields (the
	 * parser's own limit), the head itself keeps them all */
	r->nhdrs = m->nhdrs < H1R_MAX_HDRS ? m->nhdrs : H1R_MAX_HDRS;
	for (size_t i = 0; i < r->nhdrs; i++) {
		r->hdrs[i].name = m->hdrs[i].name;
		r->hdrs[i].name_len = m->hdrs[i].name_len;
		r->hdrs[i].value = m->hdrs[i].value;
		r->hdrs[i].value_len = m->hdrs[i].value_len;
	}
	r->head_len = ser_len(m);
}

static void
hdrs_reserve(struct hmsg *m, size_t want)
{
	if (want <= m->hdrs_cap)
		return;
	size_t cap = m->hdrs_cap ? m->hdrs_cap : 16;
	while (cap < want)
		cap *= 2;
	m->hdrs = xrealloc(m->hdrs, cap * sizeof(*m->hdrs));
	m->hdrs_cap = cap;
}

static void
push_hdr(struct hmsg *m, const char *n, size_t nl, const char *v, size_t vl)
{
	hdrs_reserve(m, m->nhdrs + 1);
	struct hmsg_hdr *h = &m->hdrs[m->nhdrs++];
	/* one allocation for both (this runs for every field of every
	 * message: malloc was a fifth of a keep-alive request's cost) */
	h->name = xmalloc(nl + 1 + vl + 1);
	if (nl)
		memcpy(h->name, n, nl);
	h->name[nl] = '\0';
	h->name_len = nl;
	h->value = h->name + nl + 1;
	if (vl)
		memcpy(h->value, v, vl);
	h->value[vl] = '\0';
	h->value_len = vl;
	h->joint = true;
}

/* Drops the ":port" of every Host field whose port is a default one for
 * scheme (NULL: CONNECT, 80 or 443), or empty unless keep_empty. */
static void
host_default_port(struct hmsg *m, const char *scheme, size_t sl, bool keep_empty)
{
	for (long h = hmsg_find(m, "host", 4, 0), n = 0; h >= 0; h = hmsg_find(m, "host", 4, (size_t)++n)) {
		char *v = m->hdrs[h].value;
		size_t vl = m->hdrs[h].value_len, p = vl;
		while (p > 0 && v[p - 1] >= '0' && v[p - 1] <= '9')
			p--;
		if (p < 2 || v[p - 1] != ':' || (keep_empty && p == vl) ||
		    !h1q_default_port(scheme, sl, v + p, vl - p))
			continue;
		m->hdrs[h].value_len = p - 1;
		v[p - 1] = '\0';
	}
}

/* HAProxy 2.6's http_scheme_based_normalize(), applied as it parses a
 * request (so rules and fetches see the result): an absolute "http://"
 * URI on port 80 or "https://" on 443, or with an empty port, loses the
 * port, and so does a Host field with a default or empty port (observed:
 * "GET http://a:80/p" + "Host: a:80" is sent as "GET http://a/p" +
 * "host: a"; "GET http://a/p" + "Host: a:80" is left alone). A CONNECT's
 * Host loses the port 80 or 443 the parser found equal to the target's. */
static void
normalize_port(struct hmsg *m)
{
	if (m->method_len == 7 && memcmp(m->method, "CONNECT", 7) == 0) {
		host_default_port(m, NULL, 0, true);
		return;
	}
	size_t alen;
	long a = authority(m->uri, m->uri_len, &alen);
	if (a < 0 || alen == 0)
		return;
	const char *u = m->uri, *auth = u + a, *end = auth + alen;
	const char *p = end;
	while (p > auth && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (p == auth || p[-1] != ':' || !h1q_default_port(u, (size_t)a, p, (size_t)(end - p)))
		return;
	host_default_port(m, u, (size_t)a, false);
	size_t hlen = (size_t)(p - 1 - auth);   /* authority without ":port" */
	memmove(m->uri + a + hlen, end, m->uri_len - (size_t)(end - u) + 1);
	m->uri_len -= alen - hlen;
}

int
hmsg_from_req(struct hmsg *m, const struct h1q_req *r, size_t max_head)
{
	memset(m, 0, sizeof(*m));
	m->is_req = true;
	m->max_head = max_head;
	m->method = dupn(r->method, r->method_len);
	m->method_len = r->method_len;
	m->uri = dupn(r->uri, r->uri_len);
	m->uri_len = r->uri_len;
	m->major = r->major;
	m->minor = r->minor;
	size_t n = r->nhdrs < r->hdrs_cap ? r->nhdrs : r->hdrs_cap;
	hdrs_reserve(m, n ? n : 1);
	for (size_t i = 0; i < n; i++)
		push_hdr(m, r->hdrs[i].name, r->hdrs[i].name_len, r->hdrs[i].value,
		         r->hdrs[i].value_len);
	normalize_port(m);
	m->qview = *r;
	m->qview.hdrs = NULL;
	m->qview.hdrs_cap = 0;
	m->qview_hdrs = xcalloc(m->hdrs_cap, sizeof(*m->qview_hdrs));
	m->qview.hdrs_cap = m->hdrs_cap;
	refresh(m);
	return 0;
}

int
hmsg_from_resp(struct hmsg *m, const struct h1r_resp *r, size_t max_head)
{
	memset(m, 0, sizeof(*m));
	m->is_req = false;
	m->max_head = max_head;
	m->major = r->major;
	m->minor = r->minor;
	m->status = r->status;
	m->reason = dupn(r->reason ? r->reason : "", r->reason_len);
	m->reason_len = r->reason_len;
	size_t n = r->nhdrs < H1R_MAX_HDRS ? r->nhdrs : H1R_MAX_HDRS;
	hdrs_reserve(m, n ? n : 1);
	for (size_t i = 0; i < n; i++)
		push_hdr(m, r->hdrs[i].name, r->hdrs[i].name_len, r->hdrs[i].value,
		         r->hdrs[i].value_len);
	m->rview = xmalloc(sizeof(*m->rview));
	*m->rview = *r;
	refresh(m);
	return 0;
}

void
hmsg_free(struct hmsg *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nhdrs; i++) {
		if (!m->hdrs[i].joint)
			free(m->hdrs[i].value);
		free(m->hdrs[i].name);
	}
	free(m->hdrs);
	free(m->method);
	free(m->uri);
	free(m->reason);
	free(m->qview_hdrs);
	free(m->rview);
	memset(m, 0, sizeof(*m));
}

const struct h1q_req *
hmsg_req_view(const struct hmsg *m)
{
	return m->is_req ? &m->qview : NULL;
}

const struct h1r_resp *
hmsg_resp_view(const struct hmsg *m)
{
	return m->is_req ? NULL : m->rview;
}

/* Would the head still fit after growing by add bytes (and shrinking by
 * sub)? */
static bool
fits(const struct hmsg *m, size_t add, size_t sub)
{
	if (m->max_head == 0)
		return true;
	size_t c = hmsg_cost(m);
	c = c > sub ? c - sub : 0;
	return c + add <= m->max_head;
}

long
hmsg_find(const struct hmsg *m, const char *name, size_t nlen, size_t n)
{
	for (size_t i = 0; i < m->nhdrs; i++) {
		if (m->hdrs[i].name_len == nlen &&
		    strncasecmp(m->hdrs[i].name, name, nlen) == 0) {
			if (n == 0)
				return (long)i;
			n--;
		}
	}
	return -1;
}

int
hmsg_add(struct hmsg *m, const char *name, size_t nlen, const char *val,
         size_t vlen)
{
	if (!fits(m, nlen + vlen + 8, 0))
		return -1;
	push_hdr(m, name, nlen, val, vlen);
	refresh(m);
	return 0;
}

int
hmsg_set(struct hmsg *m, const char *name, size_t nlen, const char *val,
         size_t vlen)
{
	size_t freed = 0;
	for (size_t i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].name_len == nlen &&
		    strncasecmp(m->hdrs[i].name, name, nlen) == 0)
			freed += nlen + m->hdrs[i].value_len + 8;
	if (!fits(m, nlen + vlen + 8, freed))
		return -1;
	/* the value may point into a field about to go */
	char *v = dupn(val, vlen);
	hmsg_del(m, name, nlen);
	push_hdr(m, name, nlen, v, vlen);
	free(v);
	refresh(m);
	return 0;
}

void
hmsg_remove(struct hmsg *m, size_t i)
{
	if (i >= m->nhdrs)
		return;
	if (!m->hdrs[i].joint)
		free(m->hdrs[i].value);
	free(m->hdrs[i].name);
	memmove(&m->hdrs[i], &m->hdrs[i + 1], (m->nhdrs - i - 1) * sizeof(*m->hdrs));
	m->nhdrs--;
	refresh(m);
}

size_t
hmsg_del(struct hmsg *m, const char *name, size_t nlen)
{
	size_t n = 0;
	long i;
	while ((i = hmsg_find(m, name, nlen, 0)) >= 0) {
		hmsg_remove(m, (size_t)i);
		n++;
	}
	return n;
}

int
hmsg_set_value(struct hmsg *m, size_t i, const char *val, size_t vlen)
{
	if (i >= m->nhdrs)
		return -1;
	if (!fits(m, vlen, m->hdrs[i].value_len))
		return -1;
	char *v = dupn(val, vlen);
	if (!m->hdrs[i].joint)
		free(m->hdrs[i].value);
	m->hdrs[i].value = v;
	m->hdrs[i].joint = false;
	m->hdrs[i].value_len = vlen;
	refresh(m);
	return 0;
}

/* Replaces *field (of *flen bytes) by v. */
static int
set_str(struct hmsg *m, char **field, size_t *flen, const char *v, size_t len)
{
	if (!fits(m, len, *flen))
		return -1;
	char *s = dupn(v, len);
	free(*field);
	*field = s;
	*flen = len;
	refresh(m);
	return 0;
}

int
hmsg_set_method(struct hmsg *m, const char *v, size_t len)
{
	if (!m->is_req)
		return -1;
	return set_str(m, &m->method, &m->method_len, v, len);
}

/* Start of the authority of an absolute URI ("scheme://"), its length
 * in *alen; or -1 for another form. */
static long
authority(const char *u, size_t ul, size_t *alen)
{
	if (ul == 0 || u[0] == '/')
		return -1;
	const char *end = u + ul;
	const char *p = memchr(u, ':', ul);
	if (p == NULL || end - p < 3 || p[1] != '/' || p[2] != '/')
		return -1;
	const char *h = p + 3, *q = h;
	while (q < end && *q != '/' && *q != '?')
		q++;
	*alen = (size_t)(q - h);
	return h - u;
}

static int
set_uri_only(struct hmsg *m, const char *v, size_t len)
{
	return set_str(m, &m->uri, &m->uri_len, v, len);
}

int
hmsg_set_uri(struct hmsg *m, const char *v, size_t len)
{
	if (!m->is_req)
		return -1;
	if (set_uri_only(m, v, len) < 0)
		return -1;
	size_t alen;
	long a = authority(m->uri, m->uri_len, &alen);
	long h = hmsg_find(m, "host", 4, 0);
	if (a < 0 || h < 0)
		return 0;
	char *auth = dupn(m->uri + a, alen);
	int rc = hmsg_set_value(m, (size_t)h, auth, alen);
	free(auth);
	return rc;
}

int
hmsg_host_changed(struct hmsg *m)
{
	if (!m->is_req)
		return 0;
	size_t alen;
	long a = authority(m->uri, m->uri_len, &alen);
	long h = hmsg_find(m, "host", 4, 0);
	if (a < 0 || h < 0)
		return 0;
	struct sbuf b = { 0 };
	sbuf_addn(&b, m->uri, (size_t)a);
	sbuf_addn(&b, m->hdrs[h].value, m->hdrs[h].value_len);
	sbuf_addn(&b, m->uri + a + alen, m->uri_len - (size_t)a - alen);
	int rc = set_uri_only(m, b.s, b.len);
	free(b.s);
	return rc;
}

/* Where the path of the URI starts, as proto/http1_req's h1q_path()
 * finds it (so that fetches agree): after the authority of an absolute
 * URI (its first ':' followed by "//"), else at 0. An absolute URI
 * without a path gives its end. */
static size_t
path_start(const char *u, size_t ul)
{
	size_t al;
	long a = authority(u, ul, &al);
	return a < 0 ? 0 : (size_t)a + al;
}

/* Replaces the URI bytes [from, to) by v. */
static int
splice_uri(struct hmsg *m, size_t from, size_t to, const char *v, size_t len)
{
	struct sbuf b = { 0 };
	sbuf_addn(&b, m->uri, from);
	sbuf_addn(&b, v, len);
	sbuf_addn(&b, m->uri + to, m->uri_len - to);
	int rc = set_uri_only(m, b.s ? b.s : "", b.len);
	free(b.s);
	return rc;
}

int
hmsg_set_path(struct hmsg *m, const char *v, size_t len)
{
	if (!m->is_req)
		return -1;
	size_t ps = path_start(m->uri, m->uri_len);
	size_t pe = ps;
	while (pe < m->uri_len && m->uri[pe] != '?')
		pe++;
	/* HAProxy: an absolute URI without a path ("http://h") is replaced
	 * whole, authority included (observed) */
	if (pe == ps)
		ps = 0;
	return splice_uri(m, ps, pe, v, len);
}

int
hmsg_set_pathq(struct hmsg *m, const char *v, size_t len)
{
	if (!m->is_req)
		return -1;
	size_t ps = path_start(m->uri, m->uri_len);
	if (ps == m->uri_len)
		ps = 0;
	return splice_uri(m, ps, m->uri_len, v, len);
}

int
hmsg_set_query(struct hmsg *m, const char *v, size_t len)
{
	if (!m->is_req)
		return -1;
	const char *q = memchr(m->uri, '?', m->uri_len);
	if (q)
		return splice_uri(m, (size_t)(q - m->uri) + 1, m->uri_len, v, len);
	if (len == 0)
		return 0;
	struct sbuf b = { 0 };
	sbuf_addc(&b, '?');
	sbuf_addn(&b, v, len);
	int rc = splice_uri(m, m->uri_len, m->uri_len, b.s, b.len);
	free(b.s);
	return rc;
}

int
hmsg_set_status(struct hmsg *m, int code, const char *reason, size_t rlen)
{
	if (m->is_req || code < 100 || code > 999)
		return -1;
	if (reason == NULL) {
		reason = hmsg_reason(code);
		rlen = strlen(reason);
	}
	if (set_str(m, &m->reason, &m->reason_len, reason, rlen) < 0)
		return -1;
	m->status = code;
	refresh(m);
	return 0;
}

/* "<major>.<minor>": without printf, as hmsg_write runs twice per
 * request (printf was a fifth of a keep-alive request's instructions) */
static void
add_version(struct sbuf *out, int major, int minor)
{
	if (major < 0 || major > 9 || minor < 0 || minor > 9) {
		sbuf_addf(out, "%d.%d", major, minor);
		return;
	}
	char v[3] = { (char)('0' + major), '.', (char)('0' + minor) };
	sbuf_addn(out, v, sizeof(v));
}

void
hmsg_write(const struct hmsg *m, struct sbuf *out)
{
	if (m->is_req) {
		sbuf_addn(out, m->method, m->method_len);
		sbuf_addc(out, ' ');
		sbuf_addn(out, m->uri, m->uri_len);
		sbuf_adds(out, " HTTP/");
		add_version(out, m->major, m->minor);
		sbuf_adds(out, "\r\n");
	} else {
		sbuf_adds(out, "HTTP/");
		add_version(out, m->major, m->minor);
		if (m->status >= 0 && m->status <= 999) {
			char st[5] = { ' ', (char)('0' + m->status / 100), (char)('0' + m->status / 10 % 10),
			               (char)('0' + m->status % 10), ' ' };
			sbuf_addn(out, st, sizeof(st));
		} else {
			sbuf_addf(out, " %03d ", m->status);
		}
		sbuf_addn(out, m->reason, m->reason_len);
		sbuf_adds(out, "\r\n");
	}
	for (size_t i = 0; i < m->nhdrs; i++) {
		const struct hmsg_hdr *h = &m->hdrs[i];
		size_t at = out->len;
		sbuf_addn(out, h->name, h->name_len);
		for (size_t k = 0; k < h->name_len; k++) {
			char c = out->s[at + k];
			if (c >= 'A' && c <= 'Z')
				out->s[at + k] = (char)(c - 'A' + 'a');
		}
		sbuf_adds(out, ": ");
		sbuf_addn(out, h->value, h->value_len);
		sbuf_adds(out, "\r\n");
	}
	sbuf_adds(out, "\r\n");
}
