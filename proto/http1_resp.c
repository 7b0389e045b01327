/* HTTP/1.x response head parser and body decoder (see http1_resp.h). */
#include "proto/http1_resp.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

/* RFC 7230 tchar */
static bool
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The end of the line starting at p (the index of its '\n'), or -1 when
 * the buffer has no '\n' yet. *content_end gets where its text ends (a
 * CR before the LF excluded). */
static long
line_end(const char *buf, size_t len, size_t p, size_t *content_end)
{
	const char *nl = memchr(buf + p, '\n', len - p);
	if (nl == NULL)
		return -1;
	size_t e = (size_t)(nl - buf);
	*content_end = (e > p && buf[e - 1] == '\r') ? e - 1 : e;
	return (long)e;
}

static bool
ieq(const char *a, size_t alen, const char *b)
{
	return alen == strlen(b) && strncasecmp(a, b, alen) == 0;
}

/* Does the comma-separated list v contain token t (case-insensitive)? */
static bool
list_has(const char *v, size_t vlen, const char *t)
{
	size_t i = 0;
	while (i < vlen) {
		while (i < vlen && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < vlen && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s && ieq(v + s, e - s, t))
			return true;
	}
	return false;
}

static enum h1r_result
parse_status_line(const char *buf, size_t end, struct h1r_resp *r)
{
	/* "HTTP/d.d SSS[ reason]" */
	if (end < 12 || memcmp(buf, "HTTP/", 5) != 0 || !is_digit((unsigned char)buf[5]) ||
	    buf[6] != '.' || !is_digit((unsigned char)buf[7]) || buf[8] != ' ' ||
	    !is_digit((unsigned char)buf[9]) || !is_digit((unsigned char)buf[10]) ||
	    !is_digit((unsigned char)buf[11]))
		return H1R_MALFORMED;
	if (end > 12 && buf[12] != ' ')
		return H1R_MALFORMED;
	r->major = buf[5] - '0';
	r->minor = buf[7] - '0';
	r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if (r->status < 100)
		return H1R_MALFORMED;
	r->reason = buf + (end > 12 ? 13 : 12);
	r->reason_len = end > 12 ? end - 13 : 0;
	for (size_t i = 0; i < r->reason_len; i++) {
		unsigned char c = (unsigned char)r->reason[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return H1R_MALFORMED;
	}
	return H1R_OK;
}

/* Reads a decimal Content-Length value; -1 when invalid. */
static long long
parse_clen(const char *v, size_t n)
{
	if (n == 0)
		return -1;
	long long x = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)v[i]))
			return -1;
		/* up to 2^63 - 1, as HAProxy */
		if (x > (LLONG_MAX - (v[i] - '0')) / 10)
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

static enum h1r_result
parse_header(const char *line, size_t n, struct h1r_resp *r)
{
	if (n && (line[0] == ' ' || line[0] == '\t'))
		return H1R_MALFORMED; /* obsolete folding */
	const char *colon = memchr(line, ':', n);
	if (colon == NULL || colon == line)
		return H1R_MALFORMED;
	for (const char *p = line; p < colon; p++)
		if (!is_tchar((unsigned char)*p))
			return H1R_MALFORMED;
	const char *v = colon + 1, *e = line + n;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (const char *p = v; p < e; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return H1R_MALFORMED;
	}
	if (r->nhdrs >= H1R_MAX_HDRS)
		return H1R_MALFORMED;
	struct h1r_hdr *h = &r->hdrs[r->nhdrs++];
	h->name = line;
	h->name_len = (size_t)(colon - line);
	h->value = v;
	h->value_len = (size_t)(e - v);
	return H1R_OK;
}

/* Body framing from the headers (RFC 7230 §3.3.3, response side). */
static enum h1r_result
set_framing(struct h1r_resp *r)
{
	bool chunked = false, clen_seen = false;
	long long clen = 0;
	for (size_t i = 0; i < r->nhdrs; i++) {
		const struct h1r_hdr *h = &r->hdrs[i];
		if (ieq(h->name, h->name_len, "transfer-encoding")) {
			if (list_has(h->value, h->value_len, "chunked"))
				chunked = true;
		} else if (ieq(h->name, h->name_len, "content-length")) {
			long long v = parse_clen(h->value, h->value_len);
			if (v < 0 || (clen_seen && v != clen))
				return H1R_MALFORMED;
			clen = v;
			clen_seen = true;
		} else if (ieq(h->name, h->name_len, "connection")) {
			if (list_has(h->value, h->value_len, "close"))
				r->conn_close = true;
		}
	}
	/* both: the chunked coding wins and Content-Length is to be dropped
	 * (RFC 9112 §6.3; HAProxy 2.6 does so, observed) */
	if (chunked && clen_seen)
		r->clen_dropped = true;
	if ((r->status >= 100 && r->status < 200) || r->status == 204 || r->status == 304)
		r->body = H1R_BODY_NONE;
	else if (chunked)
		r->body = H1R_BODY_CHUNKED;
	else if (clen_seen) {
		r->body = H1R_BODY_CLEN;
		r->content_length = (unsigned long long)clen;
	} else
		r->body = H1R_BODY_CLOSE;
	return H1R_OK;
}

enum h1r_result
h1r_parse(const char *buf, size_t len, struct h1r_resp *r)
{
	memset(r, 0, sizeof(*r));
	if (len == 0)
		return H1R_NEED_MORE;
	/* a prefix of "HTTP/" that is not one cannot become valid */
	size_t cmp = len < 5 ? len : 5;
	if (memcmp(buf, "HTTP/", cmp) != 0)
		return H1R_MALFORMED;
	size_t ce;
	long e = line_end(buf, len, 0, &ce);
	/* a status line longer than a check's buffer is refused either way */
	if (e < 0)
		return len > 8192 ? H1R_MALFORMED : H1R_NEED_MORE;
	if (e > 8192)
		return H1R_MALFORMED;
	enum h1r_result rc = parse_status_line(buf, ce, r);
	if (rc != H1R_OK)
		return rc;
	size_t p = (size_t)e + 1;
	for (;;) {
		e = line_end(buf, len, p, &ce);
		if (e < 0)
			return H1R_NEED_MORE;
		if (ce == p) { /* empty line: end of head */
			r->head_len = (size_t)e + 1;
			return set_framing(r);
		}
		if ((rc = parse_header(buf + p, ce - p, r)) != H1R_OK)
			return rc;
		p = (size_t)e + 1;
	}
}

const struct h1r_hdr *
h1r_header(const struct h1r_resp *r, const char *name, size_t n)
{
	for (size_t i = 0; i < r->nhdrs; i++)
		if (ieq(r->hdrs[i].name, r->hdrs[i].name_len, name) && n-- == 0)
			return &r->hdrs[i];
	return NULL;
}

static void
copy_out(char *out, size_t outsz, size_t *outlen, const char *p, size_t n)
{
	if (*outlen >= outsz)
		return;
	if (n > outsz - *outlen)
		n = outsz - *outlen;
	memcpy(out + *outlen, p, n);
	*outlen += n;
}

static int
hexval(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static enum h1r_result
chunked_body(const char *buf, size_t len, size_t p, bool eof, char *out,
             size_t outsz, size_t *outlen)
{
	for (;;) {
		size_t ce;
		long e = line_end(buf, len, p, &ce);
		if (e < 0)
			return eof ? H1R_MALFORMED : H1R_NEED_MORE;
		/* chunk-size [; extensions] */
		unsigned long long sz = 0;
		size_t i = p, ndig = 0;
		for (; i < ce && hexval((unsigned char)buf[i]) >= 0; i++, ndig++) {
			if (sz > (1ull << 40))
				return H1R_MALFORMED;
			sz = sz * 16 + (unsigned)hexval((unsigned char)buf[i]);
		}
		while (i < ce && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		if (ndig == 0 || (i < ce && buf[i] != ';'))
			return H1R_MALFORMED;
		p = (size_t)e + 1;
		if (sz == 0) {
			/* trailers until an empty line */
			for (;;) {
				e = line_end(buf, len, p, &ce);
				if (e < 0)
					return eof ? H1R_MALFORMED : H1R_NEED_MORE;
				if (ce == p)
					return H1R_OK;
				p = (size_t)e + 1;
			}
		}
		size_t avail = len - p;
		copy_out(out, outsz, outlen, buf + p, avail < sz ? avail : (size_t)sz);
		if (avail < sz)
			return eof ? H1R_MALFORMED : H1R_NEED_MORE;
		p += (size_t)sz;
		/* CRLF (or LF) after the data */
		if (p < len && buf[p] == '\r')
			p++;
		if (p >= len)
			return eof ? H1R_MALFORMED : H1R_NEED_MORE;
		if (buf[p] != '\n')
			return H1R_MALFORMED;
		p++;
	}
}

enum h1r_result
h1r_body(const char *buf, size_t len, const struct h1r_resp *r, bool eof,
         char *out, size_t outsz, size_t *outlen)
{
	*outlen = 0;
	if (len < r->head_len)
		return H1R_MALFORMED;
	size_t avail = len - r->head_len;
	const char *b = buf + r->head_len;
	switch (r->body) {
	case H1R_BODY_NONE:
		return H1R_OK;
	case H1R_BODY_CLEN:
		if (avail >= r->content_length) {
			copy_out(out, outsz, outlen, b, (size_t)r->content_length);
			return H1R_OK;
		}
		copy_out(out, outsz, outlen, b, avail);
		return eof ? H1R_MALFORMED : H1R_NEED_MORE;
	case H1R_BODY_CHUNKED:
		return chunked_body(buf, len, r->head_len, eof, out, outsz, outlen);
	case H1R_BODY_CLOSE:
	default:
		copy_out(out, outsz, outlen, b, avail);
		return eof ? H1R_OK : H1R_NEED_MORE;
	}
}
