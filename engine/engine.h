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

#include "lib/util.h"

struct cfg;
struct cfg_bind;
struct cfg_proxy;
struct event;
struct event_base;
struct backend;
struct worker;
struct log_sink;

/* Per-proxy runtime of a frontend (or the frontend half of a listen). */
struct frontend {
	const struct cfg_proxy *px;
	atomic_int cur_conn;          /* current sessions */
	atomic_ullong cum_conn;       /* accepted connections */
	atomic_ullong denied_conn;    /* rejected by tcp-request rules */
	atomic_ullong bytes_in, bytes_out;
	int maxconn;                  /* effective (px maxconn or global) */
	struct backend *own_be;       /* listen: its own servers */
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
	bool specific;                /* bound to one address: it is the local address */
};

struct worker {
	int id;
	struct engine *eng;
	pthread_t thr;
	struct event_base *base;
	VEC(struct listener *) listeners;
	struct event *wake;           /* resume accepting (fd exhaustion, maxconn) */
	int nsess;                    /* sessions alive on this thread */
	/* pipes kept for splice(), reused between sessions */
	VEC(int) spare_pipes;         /* pairs: [2k] read end, [2k+1] write end */
};

#define ENGINE_MAX_AVOID 4

struct engine_opts {
	bool no_splice;               /* -dS / global nosplice */
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
	int maxconn;                  /* global */
	atomic_int cur_conn;
	atomic_int paused;            /* listeners paused for maxconn */
	volatile sig_atomic_t stopping;
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

/* Monotonic milliseconds. */
long long now_ms(void);

#endif
