/* Listening sockets of a worker (see listener.c). */
#ifndef SLUICE_ENGINE_LISTENER_H
#define SLUICE_ENGINE_LISTENER_H

#include <stdbool.h>
#include <sys/socket.h>

struct worker;
struct frontend;
struct listener;
struct cfg_bind;
struct cfg;
struct engine_opts;

int listeners_open(struct worker *w, struct frontend *fe, const struct cfg_bind *b);
void listener_pause(struct listener *l);
void listener_resume(struct listener *l);
void listener_close(struct listener *l);
/* Soft stop, before listener_close(): accepts what waits in the queue. */
void listener_drain(struct listener *l);
/* SIGTTOU / SIGTTIN: stop listening (connections refused) and listen
 * again, on the listener's own thread. */
void listener_suspend(struct listener *l);
void listener_unsuspend(struct listener *l);
/* The master (proc_master.c): opens the sockets the workers of cfg will
 * listen on into the pool of proc.h. -1 after HAProxy's bind alert. */
int listeners_preopen(const struct cfg *cfg, const struct engine_opts *o, int maxconn);
/* The stats socket's "disable|enable|shutdown frontend" (main thread):
 * state is enum fe_state (engine.h). FE_ST_PAUSED: new connections are
 * refused; FE_ST_OPEN: they are accepted again; FE_ST_STOP: the
 * listeners are closed for good. -1 when fe is already in that state or
 * was stopped. Logs nothing (the caller does, in HAProxy's words). */
struct engine;
int listener_set_fe_state(struct engine *eng, struct frontend *fe, int state);
/* In-process hand-off (engine/session_handoff.c, any worker thread): true
 * when l's frontend takes one more connection now (open, under the rate
 * and connection limits), counted as accepted; false when a connect()
 * would have waited or been refused. */
bool listener_take_inproc(struct listener *l);
/* "127.0.0.1:443", "[::1]:443", "/path" (caller frees). */
char *listener_name(const struct sockaddr_storage *ss);

/* engine.c: re-check paused listeners of w after ms (0: now; any thread). */
void worker_wake_later(struct worker *w, int ms);

#endif
