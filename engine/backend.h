/* Runtime of a backend-capable proxy: its servers' state, the lb
 * structure, the queue of sessions waiting for a server slot, counters.
 * Shared by all worker threads; owned by the engine. */
#ifndef SLUICE_ENGINE_BACKEND_H
#define SLUICE_ENGINE_BACKEND_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "engine/counters.h"
#include "engine/srv_state.h"

struct cfg_proxy;
struct engine;
struct lb;
struct session;

struct srv_counters {
	atomic_ullong cum_sess;   /* stot */
	atomic_ullong econ;       /* connection errors */
	atomic_ullong retries;    /* wretr */
	atomic_ullong redisp;     /* wredis */
	atomic_ullong bytes_in, bytes_out;
	atomic_int queued;        /* waiting for this server (none yet) */
	/* stats (engine/counters.h, stats/stat.c) */
	atomic_ullong lbtot;      /* picked by the load balancer */
	atomic_ullong connect;    /* connection attempts */
	atomic_ullong cli_abrt, srv_abrt; /* data phase ended by C / S */
	atomic_ullong eresp;      /* response errors (srv_abrt included) */
	/* "server ... ssl" handshakes done / resumed (engine/session_tls.c):
	 * the SSL module columns ssl_sess, ssl_reused_sess */
	atomic_ullong ssl_sess, ssl_reused_sess, ssl_failed_hs;
	atomic_uint conn_max, qmax, sps_max;
	struct ctr_freq sess_rate;
	atomic_llong last_sess_ms;/* monotonic ms of the last session, 0 never */
	struct ctr_times times;
	/* HTTP mode (engine/counters.h ctr_http_*) */
	atomic_ullong http_req;   /* req_tot: responses received from it */
	atomic_ullong http_rsp[6];/* hrsp_1xx..5xx, other */
	atomic_ullong denied_resp, failed_rewrites, internal_errors;
	atomic_ullong reuse;      /* requests sent on a kept connection */
};

struct backend {
	const struct cfg_proxy *px;
	struct engine *eng;
	struct srv_state *srvs;   /* one per server line, in order */
	struct srv_counters *sc;
	size_t nsrv;
	struct lb *lb;

	pthread_mutex_t qlock;    /* queue of sessions waiting for a slot */
	struct session *qhead, *qtail;
	atomic_int qcur;
	int qmax;

	atomic_int cur_conn;
	atomic_ullong cum_conn, bytes_in, bytes_out, econ, retries, redisp;
	atomic_ullong denied;     /* no server available */
	/* stats (engine/counters.h, stats/stat.c) */
	atomic_ullong denied_req; /* dreq: the backend's tcp-request content reject */
	atomic_ullong lbtot, connect, cli_abrt, srv_abrt, eresp;
	atomic_uint conn_max, sps_max;
	struct ctr_freq sess_rate;
	atomic_llong last_sess_ms;/* monotonic ms of the last session, 0 never */
	struct ctr_times times;
	/* HTTP mode (engine/counters.h ctr_http_*) */
	atomic_ullong http_rsp[6];/* hrsp_1xx..5xx, other */
	atomic_ullong intercepted, denied_resp, failed_rewrites, internal_errors;
	atomic_ullong reuse;
	/* whole-backend state history, engine/server.c (chkdown, lastchg,
	 * downtime): DOWN = no usable server */
	long long last_change_ms, down_ms;
	unsigned down_trans;
	bool st_down;
	/* dynamic cookies at run time (engine/srv_cookie.c; main thread
	 * only): enabled (PR_CK_DYNAMIC), the key (NULL: the configured
	 * one), every value ever published (kept until backend_free) */
	bool ck_dyn;
	char *ck_key;
	struct srv_ck_kept *ck_kept;
};

struct backend *backend_new(struct engine *eng, const struct cfg_proxy *px);
void backend_free(struct backend *be);

/* Index of srv in be->srvs, or -1. */
int backend_srv_index(const struct backend *be, const struct srv_state *srv);

/* Queue handling (thread-safe). A queued session is woken on its own
 * thread (event_active) when a slot frees. */
void backend_enqueue(struct backend *be, struct session *s);
/* Removes s if still queued; returns true when it was. */
bool backend_dequeue(struct backend *be, struct session *s);
/* A session released a server slot: wake the first waiting session. */
void backend_slot_freed(struct backend *be);

#endif
