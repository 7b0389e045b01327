/* proto/http1_req: the head of an HTTP/1.x request (request line and
 * header fields) and its body framing, as HAProxy 2.6's h1 parser accepts
 * or refuses it. Used by the local HTTP responder (stats page,
 * Prometheus) and meant for full HTTP mode later.
 *
 * Pure functions: no I/O, no allocation. Incremental like proto/
 * http1_resp: pass the whole buffered prefix each time bytes arrive; a
 * prefix of a valid head answers H1Q_NEED_MORE. Names and values point
 * into the caller's buffer. The only write to the buffer replaces an
 * obsolete line folding (CRLF + SP/HT inside a value) by spaces, as
 * HAProxy does; doing it again on the same bytes changes nothing.
 *
 * What answers H1Q_BAD (HAProxy's 400), each observed on 2.6.12:
 * - a request line not "<token> <uri> HTTP/<d>.<d>" (separators: one or
 *   more spaces or tabs; leading empty lines are skipped, a leading space
 *   is not); no version (HTTP/0.9); "http/1.1"; a space after the version;
 * - a URI byte outside 0x21..0x7e, or '#';
 * - a CR not followed by LF; a header line starting with a space or tab
 *   right after the request line; a header name that is not a token or is
 *   empty; anything between the name and ':';
 * - more than maxhdr - 1 header fields; a head too large for HAProxy's
 *   buffer once converted (see h1q_limits);
 * - Content-Length values that are not digits, are empty, overflow, or
 *   disagree (also inside one comma list); several Host fields with
 *   different values; an absolute URI whose authority is not the Host;
 * - Transfer-Encoding without "chunked" last, with "chunked" twice, or
 *   empty.
 * H1Q_UNPROCESSABLE (HAProxy's 422): Transfer-Encoding with codings
 * before the final "chunked". Accepted as HAProxy does: control bytes
 * (even NUL) in values, bare LF line ends, folded lines, "HTTP/2.0". */
#ifndef SLUICE_PROTO_HTTP1_REQ_H
#define SLUICE_PROTO_HTTP1_REQ_H

#include <stdbool.h>
#include <stddef.h>

#define H1Q_DEF_MAXHDR 101      /* tune.http.maxhdr default */
#define H1Q_DEF_BUFSIZE 16384   /* tune.bufsize default */
/* Measured on HAProxy 2.6.12 with tune.bufsize 8192, 16384 and 32768: a
 * head padded with blanks is taken up to bufsize - 64 bytes, whole or
 * cut, for requests and responses alike. */
#define H1Q_RAW_RESERVE 64
#define H1Q_DEF_MAXREWRITE 1024 /* tune.maxrewrite default */

enum h1q_result {
	H1Q_NEED_MORE,     /* a prefix of something that may still be valid */
	H1Q_OK,            /* complete head */
	H1Q_BAD,           /* 400 Bad request */
	H1Q_UNPROCESSABLE, /* 422 Unprocessable Content */
};

/* HAProxy stores the head in a buffer of bufsize bytes, maxrewrite of
 * which are reserved; in its internal form every field costs 8 bytes
 * beyond its name and value, the request line 8 beyond its three words,
 * the end of headers 8, plus 69 bytes of fixed overhead (measured: a
 * head fits while that sum stays within bufsize - maxrewrite). Of the
 * raw bytes (blanks, which that sum leaves out, included) it reads at
 * most bufsize - H1Q_RAW_RESERVE: a head longer is refused, and so is
 * a head still incomplete when that many bytes came. */
struct h1q_limits {
	size_t bufsize, maxrewrite;
	size_t maxhdr;
};

struct h1q_hdr {
	const char *name;
	size_t name_len;
	const char *value;      /* surrounding spaces and tabs removed */
	size_t value_len;
};

enum h1q_body { H1Q_BODY_NONE, H1Q_BODY_CLEN, H1Q_BODY_CHUNKED };

struct h1q_req {
	const char *method;
	size_t method_len;
	const char *uri;
	size_t uri_len;
	int major, minor;
	struct h1q_hdr *hdrs;   /* caller's array of hdrs_cap entries */
	size_t hdrs_cap;
	size_t nhdrs;
	size_t head_len;        /* bytes up to and including the empty line */
	enum h1q_body body;
	unsigned long long content_length; /* H1Q_BODY_CLEN */
	bool conn_close;        /* Connection: close */
	bool conn_keep_alive;   /* Connection: keep-alive */
	bool keep_alive;        /* the client may send another request */
	size_t err_pos;         /* offset of the fault (H1Q_BAD...) */
};

/* Default limits (tune.* defaults). */
void h1q_limits_default(struct h1q_limits *l);
/* The raw bytes of a head HAProxy reads: bufsize - H1Q_RAW_RESERVE. */
size_t h1q_raw_room(const struct h1q_limits *l);
/* HAProxy's internal (HTX) size of a head (struct h1q_limits): the cost
 * of its start line, from the length of its three words (blocks of the
 * start line and of the end of headers), plus each field's. */
#define H1Q_HTX_BLK 8
#define H1Q_HTX_OVERHEAD 69
static inline size_t
h1q_cost_line(size_t words)
{
	return words + 2 * H1Q_HTX_BLK + H1Q_HTX_OVERHEAD;
}

static inline size_t
h1q_cost_field(size_t name_len, size_t value_len)
{
	return name_len + value_len + H1Q_HTX_BLK;
}

/* Whether a whole head of raw bytes, of that cost, fits HAProxy's buffer
 * (requests and responses alike). */
bool h1q_head_fits(const struct h1q_limits *l, size_t raw, size_t cost);

/* Parses buf[0..len). r->hdrs/r->hdrs_cap must be set by the caller;
 * a cap below l->maxhdr limits the headers kept (the excess still
 * counts against maxhdr, and is refused as HAProxy does only beyond
 * it). */
enum h1q_result h1q_parse(char *buf, size_t len, const struct h1q_limits *l,
                          struct h1q_req *r);

/* The n-th (from 0) header named name (case-insensitive), or NULL. */
/* Whether port[0..pl) is a default port as HAProxy's http_is_default_port()
 * sees it: empty; for scheme "http://" 80, "https://" 443 (any case); with
 * no scheme (scheme NULL: CONNECT), 80 or 443. */
bool h1q_default_port(const char *scheme, size_t sl, const char *port, size_t pl);

const struct h1q_hdr *h1q_header(const struct h1q_req *r, const char *name,
                                 size_t n);

/* The path of the URI: for "http://h/p?q" and "/p?q", "/p?q" without the
 * query ("/p"); "*" for "*"; empty for an authority alone. *len set. */
const char *h1q_path(const struct h1q_req *r, size_t *len);
/* The query string after '?' (without it), or NULL when none. */
const char *h1q_query(const struct h1q_req *r, size_t *len);

/* Chunked body decoding: buf[0..len) holds the body bytes that follow
 * the head. Copies the payload to out (at most outsz bytes, *outlen
 * set) and answers H1Q_OK with *consumed (bytes of buf used, trailers
 * included) once the last chunk and its trailers are in, H1Q_NEED_MORE
 * before, H1Q_BAD on a malformed chunk or a payload beyond outsz. */
enum h1q_result h1q_chunked(const char *buf, size_t len, char *out,
                            size_t outsz, size_t *outlen, size_t *consumed);

#endif
