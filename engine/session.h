/* A client connection from accept to close: one explicit state machine
 * (DESIGN.md). sess_set_state() is the only place that changes state;
 * sess_close() is the only place that frees. A session never leaves the
 * worker thread that accepted it. */
#ifndef SLUICE_ENGINE_SESSION_H
#define SLUICE_ENGINE_SESSION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/smp_ctx.h"
#include "lib/sess_addr.h"

struct worker;
struct listener;
struct frontend;
struct backend;
struct srv_state;
struct relay;
struct sni_ent;
struct event;
struct http_sess;
typedef struct ssl_st SSL;

enum sess_state {
	SS_PROXY_HDR,   /* accept-proxy: reading the PROXY header */
	SS_TLS_ACCEPT,  /* bind ... ssl: TLS handshake with the client */
	SS_INSPECT,     /* tcp-request content rules, waiting for data */
	SS_QUEUED,      /* waiting for a server slot (maxconn) */
	SS_TURNAROUND,  /* pause before a connection retry */
	SS_CONNECTING,  /* connect() to the server in progress */
	SS_TLS_CONNECT, /* server ... ssl: TLS handshake with the server */
	SS_HTTP,        /* mode http: engine/http.c drives the I/O */
	SS_FORWARD,     /* relaying bytes */
	SS_HANDOFF,     /* handed to a frontend of this process (its child
	                 * session holds the client; session_handoff.c) */
	SS_CLOSED,
};

struct session {
	struct worker *w;
	struct listener *l;
	struct frontend *fe;
	struct backend *be;
	struct srv_state *srv;         /* server holding a slot, or NULL */
	struct srv_state *prev_srv;    /* last one tried (redispatch avoids it) */
	struct srv_state *persist_srv; /* chosen by a persistence cookie (mode
	                                * http), taken by the server phase */
	struct sni_ent *sni_ent;       /* its per-SNI counters (engine/sni_stats.h) */
	const struct cfg_proxy *inspect_px; /* whose content rules run (SS_INSPECT) */
	enum sess_state st;
	int cfd, sfd;
	atomic_int kill_why;           /* asked to close ('D', 'U', 'K'), or 0 */
	/* compact (lib/sess_addr.h: IP in full, unix by family only); the
	 * connection's ends (fc_src, fc_dst): the socket's, changed only
	 * by tcp-request connection set-src/set-dst (as HAProxy) */
	union sess_addr cli;           /* the peer */
	union sess_addr fc_dst;        /* where it connected */
	/* the session's view (src, dst, %ci, %fi, PROXY headers sent):
	 * these, then a PROXY header and content rules change them */
	union sess_addr src;           /* the client */
	union sess_addr dst;           /* where the client connected */
	int be_qpos;                   /* %bq: the backend queue's length with
	                                * it when it entered (HAProxy's
	                                * count), 0 when it did not queue;
	                                * here to fill the hole after dst */
	atomic_bool http_stream;       /* mode http: a request head is in and
	                                * not yet answered, when HAProxy has
	                                * a stream (show sess lists it);
	                                * read by the stats socket's thread */
	/* the server we connect to: its configured address or an owned
	 * copy (srv_addr_owned); NULL before the first connect */
	const struct sockaddr_storage *srv_addr;
	struct sockaddr_storage *srv_local; /* our end of it (%bi:%bp), once
	                                     * connected, when the log format
	                                     * shows it; else NULL */

	uint8_t *req;                  /* inspected bytes, sent first */
	size_t req_len, req_cap;
	bool cli_eof;                  /* the client shut its side while inspected */
	bool cli_err;                  /* ... with an error (a reset): see start_forward */
	bool dropped;                  /* silent-drop: close with a reset */
	bool srv_addr_owned;
	/* here to pack the struct (an idle tunnel keeps it): */
	bool queued;                   /* in its backend's queue */
	bool slinked;                  /* linked on its server */
	char term[2];                  /* HAProxy termination state */
	uint8_t *pp_hdr;               /* PROXY header for the server, until sent */
	size_t pp_len;

	struct event *cev;             /* client readable (PROXY_HDR, INSPECT) */
	struct event *sev;             /* server writable (CONNECTING) */
	struct event *tmr;             /* state deadline */
	struct relay *relay;
	struct smp_ctx sctx;
	SSL *cli_ssl;                  /* TLS termination (engine/tls.h), or NULL */
	SSL *srv_ssl;                  /* TLS to the server, or NULL */
	struct http_sess *http;        /* mode http (engine/http.h), or NULL */
	/* in-process hand-off (engine/session_handoff.c): a session in
	 * SS_HANDOFF points to the child that took its client, the child
	 * back to it; NULL otherwise or once the other has ended */
	struct session *handoff;

	int conn_tries;                /* connect attempts made */
	int retries_left;

	/* queue links (backend queue, under its lock) */
	struct session *qnext, *qprev;
	struct event *qwake;           /* activated from any thread */

	/* server links (engine/server.c, under the server's lock): the
	 * sessions on a server, closed with on-marked-down/up */
	struct session *snext, *sprev;

	/* the worker's registry (w->sess_lock): show sess, shutdown session */
	struct session *wnext, *wprev;
	unsigned long long uid;        /* HAProxy's stream id ("id=" in show sess) */

	/* timing and log data */
	long long t_accept_wall_ms;    /* wall clock, for the log date */
	long long t0;                  /* monotonic accept time */
	long long t_queue, t_connect, t_established; /* -1 until known */
	uint64_t bytes_in, bytes_out;  /* from client / to client */
	int fe_conn_at_accept, be_conn, srv_conn, retries_done;
};

/* The stats socket (any thread): asks session s of worker w to close
 * with termination cause 'K' (killed by the admin). Returns false when s
 * is no longer alive there. */
bool sess_kill(struct worker *w, const struct session *s);
/* Hard stop: frees the sessions still alive on w once its loop has
 * ended, without logging them (HAProxy exits without a line for them).
 * Runs on w's thread. */
void sess_close_all(struct worker *w);
/* Any thread: asks session s (alive: listed on its worker or on a
 * server, under that lock) to close with termination cause why ('D',
 * 'U', 'K'); it closes on its own thread. */
void sess_request_kill(struct session *s, char why);
/* The worker's kill_ev callback (arg: the worker). */
void sess_on_kill_requests(int fd, short what, void *arg);
/* HAProxy's name of the session's state for show sess. */
const char *sess_state_name(enum sess_state st);

/* After the listeners are open: finds the servers whose unix@/abns@
 * address is a bind of this process (srv_state.inproc). */
struct engine;
void sess_handoff_setup(struct engine *eng);
/* Takes an accepted socket (non-blocking). */
void sess_accept(struct listener *l, int fd, const struct sockaddr *peer,
                 socklen_t peerlen);

#endif
