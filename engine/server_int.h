/* Internal to the server module: what server.c (state changes, logs),
 * server_chk.c (check and agent reports, observation, scheduling) and
 * server_rt.c (weights, maxconn, stats socket, runtime overrides) share.
 * Not for other modules: use server.h. Unless said otherwise, the
 * functions below are called with srv_g_lock held. */
#ifndef SLUICE_ENGINE_SERVER_INT_H
#define SLUICE_ENGINE_SERVER_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "engine/server.h"

struct engine;
struct backend;
struct sbuf;

/* syslog levels of the state-change messages */
#define LVL_EMERG  0
#define LVL_ALERT  1
#define LVL_NOTICE 5

/* One process-wide mutex serialises every change (server.c). */
extern pthread_mutex_t srv_g_lock;
/* Reschedules a server's checks after a change (srv_set_resched_hook). */
extern srv_resched_fn srv_g_resched;

/* ---- server.c ---- */

/* The server's name, "" when unnamed. */
const char *srv_name(const struct srv_state *st);
/* Whether st is a backup server. */
bool srv_is_backup(const struct srv_state *st);
/* HAProxy's "L57DATA" statuses: the layer-7 ones that carry a code, and
 * the only agent results that change the agent's health. */
bool srv_is_l7data(int st);
/* Whether be logs health checks (option log-health-checks). */
bool srv_log_hc(const struct backend *be);
/* The check to cite in a state line: none when tracking (the line says
 * "via") or when log-health-checks already logged the check. */
const struct srv_chk_state *srv_cite(const struct backend *be, const struct srv_state *srv,
                                     const struct srv_chk_state *c);
/* HAProxy's srv_append_status. chk: the check that caused the change
 * (its reason is shown), or NULL; xferred < 0: no counts; down: the
 * "left" form (the server ends up stopped) rather than "online". */
void srv_append_status(struct sbuf *b, const struct backend *be, const struct srv_state *st,
                       const struct srv_chk_state *chk, int xferred, bool forced, bool down);
/* Ends a message: "." then log (and stderr). */
void srv_finish(struct engine *eng, const struct backend *be, struct sbuf *b, int level);
/* Sets up the server states of be (with eng, of every backend: "track"
 * crosses them) on first use. */
void srv_setup_locked(struct engine *eng, struct backend *be);
/* Operational transitions: UP, DOWN, NOLB (why: the check that caused it,
 * or NULL); each logs and propagates to the trackers. */
void srv_set_running(struct engine *eng, struct backend *be, struct srv_state *srv,
                     const struct srv_chk_state *why);
void srv_set_stopped(struct engine *eng, struct backend *be, struct srv_state *srv,
                     const struct srv_chk_state *why);
void srv_set_stopping(struct engine *eng, struct backend *be, struct srv_state *srv,
                      const struct srv_chk_state *why);
/* Sets flags set and clears clr in srv's admin flags, then applies the
 * transition (logs, trackers); why: the reason logged, or NULL. */
void srv_change_admin(struct engine *eng, struct backend *be, struct srv_state *srv, int set,
                      int clr, const char *why);
/* Asks every session on srv to close with termination cause why. */
void srv_kill_sessions(struct srv_state *srv, char why);
/* Sessions queued in be pick again; returns how many may go to srv. */
int srv_wake_queue(struct backend *be, const struct srv_state *srv);

/* ---- server_rt.c ---- */

/* HAProxy's server_parse_weight_change_request: "N" (0..256) or "N%" of
 * the configured weight; NULL or the error text. */
const char *srv_weight_change(struct backend *be, struct srv_state *srv, const char *text);
/* HAProxy's server_parse_maxconn_change_request: NULL or the error text. */
const char *srv_maxconn_change(struct srv_state *srv, const char *text);

#endif
