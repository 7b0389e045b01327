/* Internal to the session module: what session.c (state machine, accept,
 * inspection, end) and session_connect.c (server side: queue, connect,
 * relay start) share. Not for other modules: use session.h. */
#ifndef SLUICE_ENGINE_SESSION_INT_H
#define SLUICE_ENGINE_SESSION_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "engine/session.h"
#include "parser/proxy_kw.h"

/* Room for the PROXY header we send: v2 with every TLV we may add. */
#define PP_HDR_MAX 536

/* Largest request kept while inspecting: a ClientHello of 16 KiB plus its
 * record headers fits; more is considered final (HAProxy: buffer full). */
#define INSPECT_MAX (16384 + 5 * 4 + 2048)

/* ---- session.c ---- */

/* A session for fd, accepted on l but run by worker w (a hand-off's
 * child runs on its parent's thread): registered and counted, nothing
 * started. dst: the local address, NULL to take it from l or fd. */
struct session *sess_new(struct worker *w, struct listener *l, int fd,
                         const struct sockaddr *peer, socklen_t peerlen,
                         const struct sockaddr_storage *dst);
/* tcp-request connection rules, then the PROXY header, the TLS
 * handshake or the session; bytes already in s->req come first. */
void sess_begin(struct session *s);

/* Ends s with termination state c0c1 and logs it; frees s. */
void sess_close(struct session *s, char c0, char c1);
/* The only place that changes a session's state. */
void sess_set_state(struct session *s, enum sess_state st);
/* (Re)programs s's state timer to call cb after ms (0 = no deadline). */
void sess_set_timer(struct session *s, event_callback_fn cb, uint32_t ms);
/* (Re)programs s's client-side read event to call cb. */
void sess_watch_client(struct session *s, event_callback_fn cb);
/* Proxy px's timeout id in ms, 0 when px is NULL or it is unset. */
uint32_t sess_px_timeout(const struct cfg_proxy *px, enum px_timeout_id id);
/* Reads what the client sent into s->req: 1 when bytes came, 0 on EAGAIN,
 * -1 on EOF (s->cli_eof) or error. */
int sess_read_client(struct session *s);
/* Releases s's inspection buffer and parsed hello to the caches. */
void sess_release_inspect(struct session *s);
/* Gives the sample context s's current request, backend and server;
 * final: no more data will come. */
void sess_sync_ctx(struct session *s, bool final);
/* Frees the events of the states before the data phase (client watch,
 * connect, state timer, queue wake-up), those that exist. */
void sess_free_setup_events(struct session *s);
/* Gives s's server slot back (lb, backend queue); no-op without one. */
void sess_release_server(struct session *s);

/* Ends s like sess_close but without the session's log line (a
 * connection refused before it became a stream, e.g. a failed TLS
 * handshake: HAProxy logs only a connection error line for it). */
void sess_close_nolog(struct session *s, char c0, char c1);
/* After the PROXY header and the TLS handshake (if any): tcp-request
 * session rules, then the frontend's content inspection. */
void sess_start_session(struct session *s);

/* ---- session_connect.c ---- */

/* use-server rules, then load balancing, queue and connect. */
void sess_start_server_phase(struct session *s);
/* The server connection failed (timeout: "timeout connect" expired):
 * retry, redispatch or close with "sC"/"SC". */
void sess_connect_failed(struct session *s, bool timeout);
/* The server connection is ready (TCP, then TLS when "ssl"): sent of
 * the first bytes (PROXY header, inspected request) went already;
 * starts the relay. */
void sess_connected(struct session *s, size_t sent);

/* ---- session_handoff.c ---- */

/* try_connect, once s's PROXY header for the server is built: when the
 * server's address is a listener of this process that can take it, the
 * client goes to that frontend in-process and s waits in SS_HANDOFF;
 * returns true then. false: connect as usual. */
bool sess_handoff(struct session *s, const struct sockaddr_storage *sa, socklen_t len);
/* sess_end, once s's counts are final: s is either side of a hand-off
 * (parent: it was in SS_HANDOFF); the other is told (kill_why, so it
 * closes on its own turn) and the parent's byte counts taken. No-op
 * when s is not (or no longer) linked. */
void sess_handoff_end(struct session *s, bool parent);

/* ---- session_tls.c ---- */

/* "bind ... ssl": the handshake with the client (SS_TLS_ACCEPT), then
 * sess_start_session; a failure is logged and closes. Bytes already in
 * s->req (after a PROXY header) are given to OpenSSL first. */
void sess_tls_accept(struct session *s);
/* "server ... ssl": the handshake with the server once connected
 * (SS_TLS_CONNECT; the PROXY header went before it), then
 * sess_connected; a failure is a connection failure. */
void sess_tls_connect(struct session *s);
/* Frees s's SSLs (at the end of a session, after the relay). */
void sess_tls_free(struct session *s);

#endif
