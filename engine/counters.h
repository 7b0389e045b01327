/* Counter types for the statistics (reference §3.6): HAProxy's
 * per-second event rates (freq_ctr), maxima, and the sliding-window
 * averages of the queue/connect/response/total times (swrate). All are
 * lock-free C11 atomics so every worker thread can update them on the
 * data path; readers (the stats socket, page, exporter) take racy
 * snapshots, as HAProxy does.
 *
 * Times given to these functions are the engine's monotonic
 * milliseconds (now_ms()), truncated to 32 bits: the arithmetic is done
 * modulo 2^32, as HAProxy's ticks. */
#ifndef SLUICE_ENGINE_COUNTERS_H
#define SLUICE_ENGINE_COUNTERS_H

#include <stdatomic.h>
#include <stdint.h>

/* Events per second, HAProxy's struct freq_ctr over a 1 s period: the
 * count of the current period and of the previous one. */
struct ctr_freq {
	atomic_uint curr;          /* events in the current period */
	atomic_uint prev;          /* events in the previous period */
	atomic_uint tick;          /* start of the current period, ms */
};

/* Counts inc events at now (ms); returns the count of the current
 * period after the addition (HAProxy's update_freq_ctr(), which feeds
 * the *_max fields). */
unsigned ctr_freq_add(struct ctr_freq *f, unsigned inc, uint32_t now);
/* The rate at now, HAProxy's read_freq_ctr(): the current period's
 * count plus the previous one's weighted by the part of the period
 * still to run. */
unsigned ctr_freq_read(const struct ctr_freq *f, uint32_t now);
void ctr_freq_clear(struct ctr_freq *f);

/* *m = max(*m, v). */
void ctr_max(atomic_uint *m, unsigned v);

/* Sliding-window sum (HAProxy's swrate): with n > 0, sum loses 1/n of
 * itself then gains v; with n == 0 (fewer samples than the window so
 * far) it is a plain sum. ctr_swrate_avg(sum, n) is the average over n
 * samples. */
#define CTR_TIME_SAMPLES 1024  /* HAProxy's TIME_STATS_SAMPLES */
void ctr_swrate_add(atomic_ullong *sum, unsigned n, unsigned v);
unsigned ctr_swrate_avg(unsigned long long sum, unsigned n);

/* The four time averages of a backend or server, with their maxima. */
struct ctr_times {
	atomic_ullong q, c, d, t;  /* queue, connect, data (response), total */
	atomic_uint q_max, c_max, d_max, t_max;
};
/* Adds one session's times (ms). samples: sessions counted before this
 * one (lbtot), which picks the window as HAProxy's
 * stream_update_time_stats() does. */
void ctr_times_add(struct ctr_times *t, unsigned long long samples,
                   unsigned q, unsigned c, unsigned d, unsigned tt);
/* The averages as show stat prints them, over samples sessions. */
unsigned ctr_times_avg(unsigned long long sum, unsigned long long samples);

/* ---- HTTP mode (engine/counters_http.c) ----
 * Called by the HTTP engine once per event of a transaction; fe is the
 * frontend, be the backend the request reached (NULL: none yet), sc the
 * counters of the server (NULL: none). Each updates the show stat /
 * Prometheus counters HAProxy 2.6 updates for that event (reference
 * §3.6, observed on 2.6.12). */
struct frontend;
struct backend;
struct srv_counters;

struct srv_state;
/* The counters of server srv of be (NULL when either is NULL). */
struct srv_counters *ctr_srv(struct backend *be, const struct srv_state *srv);

/* A response head received from the server (its req_tot, hrsp_*),
 * counted before the response rules run, as HAProxy does. */
void ctr_http_srv_response(struct srv_counters *sc, int status);
/* A response sent to the client, from the server or made here (error
 * page, deny, redirect, return): hrsp_* of the frontend and of the
 * backend when the request reached one. */
void ctr_http_status(struct frontend *fe, struct backend *be, int status);

enum ctr_http_ev {
	CTR_HTTP_INTERCEPTED,  /* redirect, return, stats page, service */
	CTR_HTTP_DENIED_RESP,  /* http-response deny (dresp) */
	CTR_HTTP_FAILED_REWRITE, /* wrew */
	CTR_HTTP_INTERNAL_ERR, /* eint */
	CTR_HTTP_REUSE,        /* request sent on a kept server connection */
};
/* intercepted: fe (and be when the rule was the backend's); the others
 * on every object given. */
void ctr_http_event(struct frontend *fe, struct backend *be,
                    struct srv_counters *sc, enum ctr_http_ev ev);

#endif
