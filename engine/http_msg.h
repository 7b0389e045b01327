/* An HTTP/1 message head that rules can edit: the request line or status
 * line and the header fields, owned (copied out of the connection's
 * buffer), with a parsed view kept current after every edit so sample
 * fetches (path, hdr(), status, res.hdr()...) see what the rules made.
 *
 * Serialised the way HAProxy 2.6 sends a head it has parsed (it
 * rebuilds it from its internal form): request line "<meth> <uri>
 * HTTP/1.x", status line "HTTP/1.x <code> <reason>", header names in
 * lower case, values without surrounding blanks, folded lines unfolded,
 * CRLF line ends. Body framing headers are the engine's business
 * (engine/http.c), not the rules'.
 *
 * Edits fail (-1) only when the head would outgrow the rewrite room
 * (tune.bufsize - tune.maxrewrite, as HAProxy) or memory; HAProxy then
 * answers 500 and counts a failed rewrite (wrew). */
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
	char *value;            /* owned */
	size_t value_len;
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
 * above. 0, or -1 on allocation failure. */
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

/* Request line. set_path keeps the query, set_query ("" removes it, a
 * value without '?' adds one) keeps the path, as HAProxy. */
int hmsg_set_method(struct hmsg *m, const char *v, size_t len);
int hmsg_set_uri(struct hmsg *m, const char *v, size_t len);
int hmsg_set_path(struct hmsg *m, const char *v, size_t len);
int hmsg_set_query(struct hmsg *m, const char *v, size_t len);
/* Status line: reason NULL takes HAProxy's standard reason for code. */
int hmsg_set_status(struct hmsg *m, int code, const char *reason, size_t rlen);

/* Appends the serialised head (with its final empty line) to out. */
void hmsg_write(const struct hmsg *m, struct sbuf *out);

#endif
