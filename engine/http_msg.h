/* An HTTP/1 message head that rules can edit: the request line or status
 * line and the header fields, owned (copied out of the connection's
 * buffer), with a parsed view kept current after every edit so sample
 * fetches (path, hdr(), status, res.hdr()...) see what the rules made.
 *
 * Serialised the way HAProxy 2.6 sends a head it has parsed (it
 * rebuilds it from its internal form; observed on 2.6.12): request line
 * "<meth> <uri> HTTP/x.y" with method and URI as received (case kept,
 * absolute form kept), status line "HTTP/x.y <code> <reason>" (an empty
 * reason leaves the space: "HTTP/1.0 299 \r\n"), header names in lower
 * case, in their order, duplicates kept, values without surrounding
 * blanks, an empty value as "name: \r\n", folded lines already unfolded
 * by the parser (each CR/LF became a space), CRLF line ends. Body framing
 * and connection headers ("connection: keep-alive" that HAProxy adds to
 * an HTTP/1.0 request, a Connection: close it drops...) are the engine's
 * business (engine/http.c), not this module's.
 *
 * Edits fail (-1) only when the head would outgrow max_head as measured
 * by hmsg_cost() (HAProxy's internal size; measured: a rewrite fails once
 * it exceeds tune.bufsize, so the engine passes tune.bufsize); HAProxy
 * then answers 500 and counts a failed rewrite (wrew). Memory exhaustion
 * aborts (xmalloc). */
#ifndef SLUICE_ENGINE_HTTP_MSG_H
#define SLUICE_ENGINE_HTTP_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/http1_req.h"
#include "proto/http1_resp.h"

struct sbuf;

struct hmsg_hdr {
	char *name;             /* owned, as received (case kept for matching) */
	size_t name_len;
	char *value;            /* owned, or in name's block (joint) */
	size_t value_len;
	bool joint;             /* value is in name's allocation: freed with it */
};

struct hmsg {
	bool is_req;
	/* request line, or status line (status/reason) */
	char *method, *uri;     /* owned (requests) */
	size_t method_len, uri_len;
	int major, minor;
	int status;             /* responses */
	char *reason;           /* owned (responses) */
	size_t reason_len;
	struct hmsg_hdr *hdrs;
	size_t nhdrs, hdrs_cap;
	size_t max_head;        /* serialised size limit; 0 = none */
	/* The views for sample fetches, rebuilt after each edit: the
	 * request as proto/http1_req parses it (hdrs point into the
	 * fields above), or the response as proto/http1_resp does. */
	struct h1q_req qview;
	struct h1q_hdr *qview_hdrs;
	struct h1r_resp *rview;
};

/* From a parsed request head (its strings are copied). max_head: see
 * above. As HAProxy's parser, an absolute "http://" URI on port 80 or
 * "https://" on 443 (or an empty port) loses the port, and so does a
 * Host field with such a port; a CONNECT's Host loses a port 80 or 443.
 * Always 0 (kept for callers). */
int hmsg_from_req(struct hmsg *m, const struct h1q_req *r, size_t max_head);
int hmsg_from_resp(struct hmsg *m, const struct h1r_resp *r, size_t max_head);
void hmsg_free(struct hmsg *m);

const struct h1q_req *hmsg_req_view(const struct hmsg *m);
const struct h1r_resp *hmsg_resp_view(const struct hmsg *m);

/* Header fields. Names compare case-insensitively. */
/* Index of the n-th (from 0) field named name, or -1. */
long hmsg_find(const struct hmsg *m, const char *name, size_t nlen, size_t n);
int hmsg_add(struct hmsg *m, const char *name, size_t nlen, const char *val,
             size_t vlen);
/* Removes every field named name, then adds one (set-header). */
int hmsg_set(struct hmsg *m, const char *name, size_t nlen, const char *val,
             size_t vlen);
/* Removes field i; the fields after it move down. */
void hmsg_remove(struct hmsg *m, size_t i);
/* Removes every field named name; the number removed. */
size_t hmsg_del(struct hmsg *m, const char *name, size_t nlen);
/* Replaces the value of field i. */
int hmsg_set_value(struct hmsg *m, size_t i, const char *val, size_t vlen);

/* Request line, as HAProxy 2.6 (observed):
 * - set_uri replaces the URI; when the new one is absolute
 *   ("scheme://auth..."), an existing Host field takes its authority
 *   (none is added);
 * - set_path replaces the path (the part after the authority of an
 *   absolute URI) and keeps the query; an absolute URI without a path
 *   ("http://h") or "*" is replaced whole;
 * - set_pathq replaces path and query (same rule for "http://h");
 * - set_query replaces what follows the '?' (v without the '?'): "" on
 *   "/a?b" leaves "/a?"; on a URI without '?', "" changes nothing and a
 *   non-empty v appends "?v". */
int hmsg_set_method(struct hmsg *m, const char *v, size_t len);
int hmsg_set_uri(struct hmsg *m, const char *v, size_t len);
int hmsg_set_path(struct hmsg *m, const char *v, size_t len);
int hmsg_set_pathq(struct hmsg *m, const char *v, size_t len);
int hmsg_set_query(struct hmsg *m, const char *v, size_t len);
/* After a rule changed the Host field: an absolute URI takes the first
 * Host value as its authority, as HAProxy does. 0 or -1 (too large). */
int hmsg_host_changed(struct hmsg *m);
/* Status line: reason NULL takes HAProxy's standard reason for code. */
int hmsg_set_status(struct hmsg *m, int code, const char *reason, size_t rlen);
/* HAProxy's standard reason phrase for code (http_get_reason(): "OK",
 * "Moved Temporarily", "Bad Request"...; by class for unknown codes).
 * Its built-in error pages use other words (http_act.h). */
const char *hmsg_reason(int code);
/* HAProxy's internal (HTX) size of the head, compared to max_head. */
size_t hmsg_cost(const struct hmsg *m);

/* Appends the serialised head (with its final empty line) to out. */
void hmsg_write(const struct hmsg *m, struct sbuf *out);

#endif
