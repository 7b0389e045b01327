/* The daemon: worker threads, each with its own libevent base and its own
 * listening sockets; a session lives and dies on the thread that accepted
 * it. Shared between threads: the immutable config, backend runtime state
 * (servers, lb, queues: engine/backend.h) and counters (atomics). */
#ifndef SLUICE_ENGINE_ENGINE_H
#define SLUICE_ENGINE_ENGINE_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "engine/counters.h"
#include "lib/util.h"

struct cfg;
struct cfg_bind;
struct cfg_proxy;
struct event;
struct event_base;
struct backend;
struct worker;
struct log_sink;
struct cli_state;
struct tls_store;
struct session;
struct sni_stats;

enum fe_state { FE_ST_OPEN, FE_ST_PAUSED, FE_ST_STOP };

/* Per-proxy runtime of a frontend (or the frontend half of a listen). */
struct frontend {
	const struct cfg_proxy *px;
	atomic_int cur_conn;          /* current sessions */
	atomic_ullong cum_conn;       /* accepted connections */
	atomic_ullong denied_conn;    /* rejected by tcp-request rules */
	atomic_ullong bytes_in, bytes_out;
	/* stats counters (engine/counters.h, stats/stat.c) */
	atomic_ullong cum_sess;       /* stot: sessions past tcp-request session rules */
	atomic_ullong denied_req;     /* dreq: tcp-request content reject */
	atomic_ullong denied_sess;    /* dses: tcp-request session reject */
	atomic_ullong failed_req;     /* ereq: bad PROXY header, client gone while inspected */
	atomic_uint conn_max;         /* smax */
	atomic_uint sps_max, cps_max; /* rate_max, conn_rate_max */
	struct ctr_freq sess_rate, conn_rate;
	/* show stat "status": set by the stats socket's "disable frontend"
	 * (FE_ST_PAUSED) and "shutdown frontend" (FE_ST_STOP) */
	atomic_int state;             /* enum fe_state */
	/* HTTP (engine/http.c: mode http transactions) */
	atomic_ullong http_req;       /* req_tot */
	atomic_ullong http_rsp[6];    /* hrsp_1xx..hrsp_5xx, hrsp_other */
	atomic_ullong intercepted;    /* requests answered by the stats page or a service */
	/* HTTP mode (engine/counters.h ctr_http_*) */
	atomic_ullong denied_resp;    /* dresp: http-response deny */
	atomic_ullong failed_rewrites;/* wrew: a rule could not edit a head */
	atomic_ullong internal_errors;/* eint */
	atomic_uint rps_max;          /* req_rate_max */
	/* TLS termination (engine/session_tls.c): the SSL module columns
	 * ssl_sess, ssl_reused_sess, ssl_failed_handshake */
	atomic_ullong ssl_sess, ssl_reused_sess, ssl_failed_hs;
	struct ctr_freq req_rate;     /* req_rate */
	atomic_int maxconn;           /* effective (px maxconn or global); "set maxconn frontend" */
	struct backend *own_be;       /* listen: its own servers */
	struct sni_stats *sni;        /* per-SNI counters (engine/sni_stats.h) */
	bool log_backend_addr;        /* the log format shows %bi/%bp */
};

struct listener {
	struct worker *w;
	struct frontend *fe;
	const struct cfg_bind *bind;
	struct sockaddr_storage addr;
	int fd;
	struct event *ev;
	bool paused;
	bool suspended;               /* SIGTTOU: not listening until SIGTTIN */
	int backlog;
	bool specific;                /* bound to one address: it is the local address */
	/* "option socket-stats": this listener's show stat row (session.c
	 * counts, stats/stat.c sums the threads' listeners of an address) */
	atomic_int cur_conn;
	atomic_uint conn_max;
	atomic_ullong cum_sess, bytes_in, bytes_out;
	atomic_ullong denied_conn, denied_sess, denied_req, failed_req;
};

struct worker {
	int id;
	struct engine *eng;
	pthread_t thr;
	struct event_base *base;
	VEC(struct listener *) listeners;
	struct event *wake;           /* resume accepting (fd exhaustion, maxconn) */
	struct event *stop_ev;        /* soft stop: waits for the last session */
	struct event *kill_ev;        /* sessions asked to close from another
	                                 thread (sess_request_kill) */
	int nsess;                    /* sessions alive on this thread */
	/* its live sessions, oldest first, for the stats socket (show sess,
	 * shutdown session); linked and unlinked by session.c */
	pthread_mutex_t sess_lock;
	struct session *sess_head, *sess_tail;
	/* pipes kept for splice(), reused between sessions */
	VEC(int) spare_pipes;         /* pairs: [2k] read end, [2k+1] write end */
};

#define ENGINE_MAX_AVOID 4

struct engine_opts {
	bool no_splice;               /* -dS / global nosplice */
	bool no_handoff;              /* -dH: no in-process hand-off */
	bool no_reuseport;            /* -dR / global noreuseport */
	int maxconn;                  /* -n: global maxconn, 0 = config/auto */
	int default_proxy_maxconn;    /* -N: proxies without maxconn, 0 = global */
	const char *avoid[ENGINE_MAX_AVOID]; /* -de/-dp/-dk: event methods not to use */
	int navoid;
	bool foreground;
	bool debug;
};

struct engine {
	const struct cfg *cfg;
	struct engine_opts opts;
	int nthreads;
	struct worker *workers;
	struct frontend *frontends;   /* one per frontend-capable proxy */
	size_t nfrontends;
	struct backend **backends;    /* one per backend-capable proxy */
	size_t nbackends;
	struct backend **be_by_px;    /* the same, sorted by proxy address */
	struct backend **be_by_name;  /* the same, sorted by name */
	struct log_sink *logs;        /* engine/log.h */
	struct cli_state *cli;        /* stats sockets (stats/cli.c) */
	struct tls_store *tls;        /* TLS contexts and certificates (engine/tls.h) */
	atomic_int maxconn;           /* global; "set maxconn global" changes it */
	int hard_maxconn;             /* show info Hard_maxconn: the one at start */
	atomic_int cur_conn;
	atomic_int paused;            /* listeners paused for maxconn */
	/* show info: process-wide rates (engine/counters.h) */
	struct ctr_freq conn_rate, sess_rate;
	atomic_uint cps_max, sps_max;
	volatile sig_atomic_t stopping; /* 1: soft stop (SIGUSR1), 2: hard stop */
	atomic_int nrunning;          /* worker threads still running */
	atomic_ullong sess_uid;       /* last session id given (show sess "id=") */
	/* global maxconnrate / maxsessrate, changed by the stats socket's
	 * "set rate-limit connections|sessions global"; 0 = none */
	atomic_int conn_rate_lim, sess_rate_lim;
	long long start_ms;
};

/* Builds the runtime for cfg and binds every listener (errors on stderr in
 * HAProxy's wording). NULL on failure. */
struct engine *engine_new(const struct cfg *cfg, const struct engine_opts *o);
/* Runs the worker threads until SIGTERM/SIGINT (immediate stop) or
 * SIGUSR1 (soft stop: unbind, finish sessions). Returns the exit code. */
int engine_run(struct engine *eng);
void engine_free(struct engine *eng);

struct frontend *engine_frontend(struct engine *eng, const struct cfg_proxy *px);
struct backend *engine_backend(struct engine *eng, const struct cfg_proxy *px);
/* The backend-capable proxy of that name (dynamic use_backend), or NULL. */
struct backend *engine_backend_by_name(struct engine *eng, const char *name);

/* Global and per-frontend connection accounting; pauses and resumes the
 * listeners at the limits. */
bool engine_conn_acquire(struct engine *eng, struct frontend *fe);
void engine_conn_release(struct engine *eng, struct frontend *fe);
/* After a failed acquire: marks listeners as waiting for a release and
 * returns true when the limit still holds (pause), false when a slot
 * freed meanwhile (accept again). */
bool engine_conn_pause(struct engine *eng, struct frontend *fe);

/* Worker threads for cfg: nbthread, else the CPUs the process may use. */
int engine_thread_count(const struct cfg *cfg);

/* Monotonic milliseconds. */
long long now_ms(void);

#endif
