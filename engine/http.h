/* HTTP mode (engine/http.c): a "mode http" frontend's session is a loop
 * of transactions on one client connection (plain or TLS, through
 * engine/xprt.h): read a request head (proto/http1_req), run the rules
 * (engine/http_act.h), choose a backend, get a server connection (the
 * session's server phase: lb, queue, connect, retries, or the
 * connection kept from the previous transaction), forward the head and
 * the body, read the response head (proto/http1_resp), run the
 * response rules, forward it with its body, log the transaction, then
 * wait for the next request (keep-alive) or close.
 *
 * The session module calls in at these points; the HTTP engine owns the
 * session's client and server I/O (s->cev, s->sev, s->tmr) in between.
 *
 *   session.c          after accept, PROXY header, tcp-request session
 *                      rules and the TLS handshake (bind ... ssl):
 *                      http_sess_start() instead of the TCP inspection.
 *   session_connect.c  try_connect(): http_try_reuse() first;
 *                      once connected (and TLS-handshaken with a
 *                      "server ... ssl"): http_on_server_ready()
 *                      instead of starting the relay.
 *   session.c          sess_close(): http_on_close() first (a server
 *                      phase failure becomes a 503/504 answer and the
 *                      session goes on); sess_end(): http_sess_end()
 *                      first (logs the transaction in progress, frees
 *                      the HTTP state), and no session line after it. */
#ifndef SLUICE_ENGINE_HTTP_H
#define SLUICE_ENGINE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct session;
struct hmsg;

/* What the log line of one transaction shows beyond struct session's
 * fields (engine/log_fmt.c reads it through http_log_info()). When a
 * transaction is logged, struct session holds that transaction's view:
 * t0 / t_accept_wall_ms = when the transaction began (the accept for
 * the first one, the end of the previous one after), t_connect /
 * t_established (-1 unless this transaction connected or reused a
 * connection: t_connect when a server was assigned), bytes_in /
 * bytes_out (this transaction's, heads included), be, srv, term[0..1]
 * (the first two letters of %tsc). Times are monotonic ms; a timer
 * field is -1 when HAProxy would print -1. */
struct http_log_info {
	/* The request line as received ("GET / HTTP/1.1", before any
	 * rewrite, as HAProxy's %r), NULL for "<BADREQ>" */
	const char *req_line;
	size_t req_line_len;
	/* the request as it is now (after the rules): %HM %HU %HP %HQ %HV */
	const struct hmsg *req;
	int status;             /* %ST: the status sent to the client, -1 none */
	/* server shown instead of s->srv's name: "<NOSRV>", "<STATS>",
	 * "<PROMEX>"; NULL: s->srv's name (or <NOSRV> without one) */
	const char *srv_name;
	/* %Th %Ti %TR: handshake (first transaction only, else 0), idle
	 * before the first byte of the request, head receive time */
	long th, ti, tr;
	/* %Tw %Tc %Tr: queue, connect, server response head; -1: none */
	long tw, tc, tres;
	/* monotonic ms when the request's first byte came (t0 + th + ti);
	 * %Ta = end - t_req; %tr is t_accept_wall_ms + th + ti */
	long long t_req;
	char cookie[2];         /* %tsc 3rd and 4th letters ('-' when n/a) */
	/* capture request|response header values, indexed like the
	 * proxy's req_caps / res_caps (frontend's); NULL entries: absent */
	char **req_caps, **res_caps;
	size_t n_req_caps, n_res_caps;
	long retries;           /* %rc for this transaction */
	bool first_req;         /* the first request of the connection
	                           (http_first_req) */
	/* "capture cookie": %CC, %CS (malloc'd by log_capture_cookie(), or
	 * NULL) */
	char *cli_cookie, *srv_cookie;
};

/* The transaction being logged for s, or NULL (not an HTTP session). */
const struct http_log_info *http_log_info(const struct session *s);

/* A mode http frontend's session, after accept, PROXY header,
 * tcp-request session rules and the TLS handshake (s->cli_ssl set for
 * "bind ... ssl"): the HTTP engine owns s from now on (state SS_HTTP).
 * Bytes already read from the client (s->req after a PROXY header, plain
 * connections only) are the start of the first request. */
void http_sess_start(struct session *s);

/* session_connect.c: the server connection s->sfd (s->srv_ssl with
 * "server ... ssl") is established (and TLS-handshaken); pp_sent bytes
 * of the PROXY header (s->pp_hdr, s->pp_len) are already sent, the
 * engine sends the rest before the request. s->t_established is set by
 * the caller. */
void http_on_server_ready(struct session *s, size_t pp_sent);

/* session_connect.c, at the top of try_connect() (s->srv chosen): when
 * the session keeps an idle connection to that very server from its
 * previous transaction, takes it (s->sfd, s->srv_ssl), counts a reuse
 * and goes on as http_on_server_ready(); true then. False: connect as
 * usual (an idle connection to another server is closed first). */
bool http_try_reuse(struct session *s);

/* session.c, first thing in sess_close(): true when the HTTP engine
 * turned the close into an answer to the client and keeps s (a server
 * phase failure: no server 503, queue timeout 503, connect failure 503
 * after the retries, connect timeout 503); false: close as usual. */
bool http_on_close(struct session *s, char c0, char c1);

/* session.c, first thing in sess_end() when s->http is set: logs the
 * transaction in progress (if any) with termination state c0c1, does
 * its accounting, releases the backend (s->be NULL after) and the idle
 * server connection, frees s->http (NULL after). sess_end() then writes
 * no session line. */
void http_sess_end(struct session *s, char c0, char c1);

/* Closes the calling worker thread's shared idle server connections
 * ("http-reuse aggressive|always"); at thread exit. */
void http_thread_cleanup(void);

#endif
