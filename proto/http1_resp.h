/* proto/http1_resp: the head of an HTTP/1.x response (status line and
 * header fields) and its body framing, for HTTP health checks.
 *
 * Pure functions: no I/O, no allocation. The parser is incremental in the
 * same way as proto/proxyproto: the caller passes the whole buffered
 * prefix of the response each time bytes arrive; every prefix of a valid
 * head answers H1R_NEED_MORE. Names and values point into the caller's
 * buffer and stay valid while it keeps those bytes.
 *
 * What is accepted (as HAProxy's h1 parser for responses): "HTTP/<d>.<d>"
 * then one space, a 3-digit status, then an optional reason phrase; lines
 * end with CRLF or a bare LF; header names are RFC 7230 tokens; values
 * lose their surrounding spaces and tabs. Refused (MALFORMED): obsolete
 * line folding, a header without a colon, control bytes in a value, more
 * than H1R_MAX_HDRS headers, differing Content-Length values. Both
 * Content-Length and chunked coding: chunked, the length to be dropped
 * (clen_dropped), as HAProxy 2.6. */
#ifndef SLUICE_PROTO_HTTP1_RESP_H
#define SLUICE_PROTO_HTTP1_RESP_H

#include <stdbool.h>
#include <stddef.h>

#define H1R_MAX_HDRS 101	/* HAProxy's tune.http.maxhdr default */

enum h1r_result {
	H1R_NEED_MORE,	/* a prefix of something that may still be valid */
	H1R_OK,		/* complete */
	H1R_MALFORMED,	/* not an HTTP/1.x response (head) or bad framing */
};

struct h1r_hdr {
	const char *name;
	size_t name_len;
	const char *value;	/* spaces and tabs around it removed */
	size_t value_len;
};

/* Filled by h1r_parse(); meaningful on H1R_OK only. */
struct h1r_resp {
	int major, minor;	/* HTTP version */
	int status;		/* 100..999 */
	const char *reason;	/* may be empty (len 0) */
	size_t reason_len;
	struct h1r_hdr hdrs[H1R_MAX_HDRS];
	size_t nhdrs;
	size_t head_len;	/* bytes up to and including the empty line */
	/* body framing, from the status and the headers */
	enum h1r_body {
		H1R_BODY_NONE,	/* 1xx, 204, 304: no body */
		H1R_BODY_CLEN,	/* content_length bytes */
		H1R_BODY_CHUNKED,
		H1R_BODY_CLOSE,	/* until the server closes */
	} body;
	unsigned long long content_length;
	bool conn_close;	/* "Connection: close" seen */
	bool clen_dropped;	/* Content-Length beside chunked: to drop */
};

/* Parses the response head at buf[0..len). */
enum h1r_result h1r_parse(const char *buf, size_t len, struct h1r_resp *r);

/* Finds the n-th (from 0) header named name (case-insensitive); NULL when
 * there are fewer. */
const struct h1r_hdr *h1r_header(const struct h1r_resp *r, const char *name,
                                 size_t n);

/* Decodes the body that follows a parsed head: buf[0..len) is the whole
 * buffered response (head included), eof says the server closed. Up to
 * outsz body bytes are copied to out (*outlen set; a longer body is cut
 * there, which is what a check's buffer does). Answers H1R_OK when the
 * body is complete (for H1R_BODY_CLOSE: at eof), H1R_NEED_MORE while it
 * may grow, H1R_MALFORMED on a bad chunk. A response cut by eof before
 * its announced end answers MALFORMED. */
enum h1r_result h1r_body(const char *buf, size_t len, const struct h1r_resp *r,
                         bool eof, char *out, size_t outsz, size_t *outlen);

#endif
