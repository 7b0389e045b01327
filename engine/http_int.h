/* Internal to HTTP mode (engine/http.h): what http.c (the transaction
 * state machine), http_req.c / http_res.c (a request, a response),
 * http_conn.c (server connections kept and reused), http_io.c (buffers,
 * socket I/O, body forwarding) and http_txn.c (local answers, logs,
 * counters, the end of a transaction) share. Not for other modules. */
#ifndef SLUICE_ENGINE_HTTP_INT_H
#define SLUICE_ENGINE_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/http.h"
#include "engine/http_act.h"
#include "engine/http_msg.h"
#include "engine/xprt.h"
#include "lib/util.h"
#include "proto/http1_chunk.h"
#include "proto/http1_req.h"
#include "proto/http1_resp.h"
#include "parser/proxy_kw.h"

struct backend;
struct cfg_proxy;
struct srv_state;

/* Where a transaction is. */
enum http_phase {
	HP_REQ,      /* waiting for / reading a request head */
	HP_BODY,     /* reading a request body for the stats page */
	HP_SRV,      /* server phase (lb, queue, connect): session_connect.c */
	HP_XFER,     /* forwarding the request and the response */
	HP_LOCAL,    /* sending an answer made here (error, rule, service) */
	HP_TARPIT,   /* holding a tarpitted request */
	HP_TUNNEL,   /* after 101 Switching Protocols: the relay runs */
	HP_DONE,     /* closing */
};

/* Body framing being forwarded in one direction. */
enum http_body {
	HB_NONE,     /* no body (or all of it forwarded) */
	HB_CLEN,     /* left bytes */
	HB_CHUNKED,  /* walked by chunk */
	HB_CLOSE,    /* until the server closes (responses only) */
};

/* An idle connection to a server kept by the session for its next
 * requests (http-reuse safe: private to this client connection). */
#define HTTP_IDLE_MAX 4
struct http_idle {
	int fd;
	SSL *ssl;
	struct srv_state *srv;
	unsigned uses;                  /* requests it carried */
};

/* A chunked body re-framed on its way, as HAProxy sends one: a chunk
 * per run of data received ("<hex>\r\n<data>\r\n"), no extensions,
 * trailer names in lower case. */
struct http_rechunk {
	struct h1c ck;
	struct sbuf out;                /* re-framed bytes not yet sent */
	size_t out_off;
	struct sbuf trl;                /* trailer section being collected */
	bool in_trl;
	bool done;                      /* the whole body is in out */
};

/* A body at most this large that is already buffered with its head is
 * copied behind the head to leave in one write. */
#define SMALL_BODY 4096

/* One direction's input buffer: bytes [off, len) are unconsumed. */
struct http_buf {
	char *b;
	size_t off, len, cap;
};

struct http_sess {
	struct session *s;
	enum http_phase ph;
	struct xprt cx, sx;             /* client, server (sx.fd -1: none) */
	struct h1q_limits lim;
	size_t max_head;                /* bufsize - maxrewrite: rewrite room */

	/* readiness, tracked edge-style: set by the events, cleared when
	 * an operation answers AGAIN; want_* say which event the next
	 * read/write of a TLS side waits for */
	bool c_rd, c_wr, s_rd, s_wr;
	short c_rwant, c_wwant, s_rwant, s_wwant;
	short c_ev, s_ev;               /* events currently armed */
	int watch_fd;                   /* idle connection s->sev watches, or -1 */
	bool busy, again;               /* re-entrance guard of run() */

	/* client -> server */
	struct http_buf in;
	struct h1q_req req;
	struct h1q_hdr *qhdrs;          /* the thread's (parsed, then copied) */
	struct hmsg hreq;
	bool have_req;
	enum http_body rb;
	unsigned long long rb_left;
	struct http_rechunk rq;         /* chunked request body */
	struct sbuf sout;               /* PROXY header rest + request head */
	size_t sout_off;
	bool req_sent;                  /* the whole request is at the server */
	bool cli_eof;

	/* server -> client */
	struct http_buf rin;
	struct h1r_resp *resp;          /* the thread's, as qhdrs */
	struct hmsg hres;
	bool have_res;
	enum http_body sb;
	unsigned long long sb_left;
	struct http_rechunk rs;         /* chunked response body */
	struct sbuf cout;               /* response head, or a local answer */
	size_t cout_off;
	bool res_head_sent;             /* the final response head went out */
	bool res_done;                  /* the whole response is out */
	bool srv_eof;
	bool upgrade;                   /* 101: switch to a tunnel */

	/* this transaction */
	bool head_req;                  /* HEAD: no response body */
	bool cli_ka;                    /* the client connection may stay */
	bool srv_ka;                    /* the server connection may stay */
	bool reused;                    /* its server connection was idle */
	unsigned uses;                  /* requests its server connection carried */
	bool logged;                    /* its log line went out */
	bool raw_err;                   /* answered by http_raw_error() */
	bool txn_open;                  /* a transaction is in progress */
	int nreq;                       /* transactions begun */
	struct http_reply reply;
	bool have_reply;
	struct http_log_info log;
	char *req_line;
	long long t_req_head;           /* head received (monotonic) */
	long long t_res_head;           /* final response head received */
	long long cli_exp, srv_exp;     /* inactivity deadlines, 0: none */
	long long tarpit_end;
	long long tmr_at;               /* deadline the timer is armed for */

	/* cookie persistence (engine/http_cookie.c): the server index the
	 * request's cookie chose (-1 none), the dates it carried */
	int ck_srv;
	uint32_t ck_last, ck_first;

	/* idle server connections (http-reuse safe) */
	struct http_idle idle[HTTP_IDLE_MAX];
	int nidle;
};

/* ---- http.c ---- */

/* The only place that changes h->ph: also says to show sess whether
 * HAProxy would have a stream for the session. */
void http_set_phase(struct http_sess *h, enum http_phase ph);

/* Makes all the progress possible now, then (re)arms events and timer.
 * Returns false when the session is gone (freed). */
bool http_run(struct http_sess *h);
/* Closes the session (c0c1: termination state of the transaction in
 * progress, logged unless already logged). h and s are freed. */
void http_finish(struct http_sess *h, char c0, char c1);

/* ---- http_conn.c ---- */
/* The server connection of the transaction is closed (not kept). */
void http_close_server(struct http_sess *h);
/* Keeps it idle for the next requests (this session's, or the thread's
 * pool with http-reuse aggressive/always). */
void http_park_server(struct http_sess *h);
/* The watched idle connection fd became readable (closed by the
 * server, or bytes nobody asked for): dropped. */
void http_idle_event(struct http_sess *h, int fd);
/* Closes the session's own idle server connections. */
void http_idle_drop_all(struct http_sess *h);
/* The thread's parser arrays (a head is parsed and copied in one step). */
struct h1q_hdr *http_thread_qhdrs(size_t n);
struct h1r_resp *http_thread_resp(void);

/* ---- http.c ---- */
/* px's timeout id in ms, 0: unset (or px NULL). */
uint32_t http_px_tmo(const struct cfg_proxy *px, enum px_timeout_id id);

/* ---- http_req.c ---- */
/* A complete request head is in h->req: checks, rules, backend, up to
 * the server phase (or an answer made here). 1 progress, -1 gone. */
int http_process_request(struct http_sess *h);
/* Leaves one Content-Length field in m, of value len (identical ones
 * merged, as HAProxy). */
void http_one_clen(struct hmsg *m, unsigned long long len);
/* Removes the hop's "close" and "keep-alive" tokens from the Connection
 * fields of m (others kept in place); true when "upgrade" is one. */
bool http_strip_connection(struct hmsg *m);

/* ---- http_res.c ---- */
/* A complete response head is in h->resp (interim or final). 1
 * progress, -1 gone. */
int http_process_response(struct http_sess *h);
/* After the 101 went out: the relay takes both connections. */
void http_start_tunnel(struct http_sess *h);

/* ---- http_io.c ---- */
/* Reads from the client into h->in while there is room; 1 progress,
 * 0 nothing (AGAIN or no room), -1 error (EOF sets cli_eof and returns 1). */
int http_cli_read(struct http_sess *h);
int http_srv_read(struct http_sess *h);
/* Sends h->cout then response body bytes; 1 progress, 0 none, -1 error. */
int http_to_cli(struct http_sess *h);
/* Sends h->sout then request body bytes; 1 progress, 0 none, -1 error. */
int http_to_srv(struct http_sess *h);
/* Sends what it can of h->cout only (local answers). */
int http_cout_flush(struct http_sess *h);
/* Keeps s->sev on idle connection fd, for reading (watch_fd), or
 * stops watching. */
void http_watch_idle(struct http_sess *h, int fd);
void http_unwatch_idle(struct http_sess *h);
/* Re-arms the client and server events for what h waits for. */
void http_update_events(struct http_sess *h);
/* Starts (or frees, with done) a re-framed chunked body. */
void http_rechunk_init(struct http_rechunk *rc, size_t max_line);
void http_rechunk_free(struct http_rechunk *rc);
/* Buffer helpers. */
void http_buf_alloc(struct http_buf *b, size_t cap);
void http_buf_free(struct http_buf *b);
void http_buf_compact(struct http_buf *b);
/* Walks the chunked response body already received: false when it is
 * malformed (the head is then not sent: 502 instead, as HAProxy). */
bool http_res_body_check(struct http_sess *h);
/* Walks the request body left in h->in without a server (a local
 * answer): true when it is all there and was skipped. */
bool http_skip_req_body(struct http_sess *h);

/* ---- http_txn.c ---- */
/* The client answer of a transaction without server: h->reply (or an
 * error page for status when status > 0) goes to h->cout; term says
 * why (HAProxy's termination state). */
void http_answer(struct http_sess *h, int status, char c0, char c1);
/* The built-in error page for status through the frontend's errorfiles. */
void http_error(struct http_sess *h, int status);
/* HAProxy's H1 layer's own answer to a request it cannot parse or
 * that timed out (400, 408, 422): the built-in page in its raw form
 * (capitalised names), whatever the errorfiles say; then close. */
void http_raw_error(struct http_sess *h, int status, char c0, char c1);
/* Stats page or Prometheus exporter on the current request. */
void http_serve_local(struct http_sess *h, bool promex);
/* Accounting and log line of the transaction in progress (c0c1 when
 * it did not end normally); releases its backend and server slot. */
void http_txn_end(struct http_sess *h, char c0, char c1);
/* Frees what a transaction holds, ready for the next one. */
void http_txn_reset(struct http_sess *h);
/* Counts a response status on the frontend (and backend). */
void http_count_status(struct http_sess *h, int status);
/* A request refused before it is whole (HAProxy's H1 mux: a parse error,
 * a head timeout, a client gone in the middle of one or before its first
 * one): counted in req_tot and ereq, as haproxy 2.6.12 does, even when
 * dontlognull keeps it out of the log. The status is counted apart. */
void http_count_bad_req(struct http_sess *h);

#endif
