/* The data path of an established session: bytes both ways between the
 * client and the server sockets, with half-close propagated, inactivity
 * timeouts with HAProxy's meaning, and as little memory as possible while
 * idle: a direction holds a buffer (or, with splice(2), a pipe) only while
 * data is in flight. Runs on the session's worker thread. */
#ifndef SLUICE_ENGINE_RELAY_H
#define SLUICE_ENGINE_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct relay;
struct ssl_st;

/* Why a relay ended; the session turns it into a termination state. */
enum relay_end {
	RELAY_DONE,          /* both sides closed cleanly */
	RELAY_CLI_ERROR,     /* client reset / error */
	RELAY_SRV_ERROR,     /* server reset / error */
	RELAY_CLI_TIMEOUT,   /* client side inactive too long */
	RELAY_SRV_TIMEOUT,   /* server side inactive too long */
	RELAY_ABORTED,       /* relay_abort() */
};

struct relay_opts {
	uint32_t cli_timeout;     /* ms of inactivity on the client side; 0 none */
	uint32_t srv_timeout;
	uint32_t cli_fin_timeout; /* once the client has shut its side; 0 = cli_timeout */
	uint32_t srv_fin_timeout;
	uint32_t bufsize;         /* tune.bufsize */
	bool splice;              /* use splice(2) (HAVE_SPLICE builds; never
	                             with TLS on a side) */
	/* TLS on a side (engine/xprt.h), or NULL: plain. The relay reads
	 * and writes through them and sends close_notify on half-close;
	 * the caller keeps ownership (frees them after relay_free). */
	struct ssl_st *cli_ssl, *srv_ssl;
};

struct relay_stats {
	uint64_t c2s, s2c;        /* bytes delivered each way */
	bool cli_closed_first;    /* the client closed (or failed) first */
};

typedef void (*relay_done_fn)(void *arg, enum relay_end why,
                              const struct relay_stats *st);

/* Starts relaying; first (may be NULL) are bytes to send to the server
 * before anything read from the client (a PROXY header, the inspected
 * ClientHello...), first_sent how many of them the caller already sent
 * (counted in c2s; first then points past them). done is called once,
 * from the event loop; the relay then closes neither fd: the caller
 * does. */
struct relay *relay_start(struct event_base *base, int cfd, int sfd,
                          const uint8_t *first, size_t first_len,
                          size_t first_sent, const struct relay_opts *o,
                          relay_done_fn done, void *arg);
void relay_abort(struct relay *r);
void relay_free(struct relay *r);
void relay_stats(const struct relay *r, struct relay_stats *st);

/* The thread's cache of empty I/O buffers, shared by the relay and HTTP
 * mode (engine/http_io.c): a buffer of size bytes, and its return. */
void *relay_buf_get(size_t size);
void relay_buf_put(void *b, size_t size);

/* Buffers, pipes for splice and freed relays are kept per thread and
 * reused; frees them at thread exit (after every other user of the
 * buffers, and after the thread's last relay_free). */
void relay_thread_cleanup(void);

#endif
