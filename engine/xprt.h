/* One side of a connection as the data paths see it: a non-blocking
 * socket, plain or under TLS (an OpenSSL SSL on that socket). The relay
 * (engine/relay.c), the inspection of a terminated connection
 * (session.c) and HTTP mode (engine/http.c) read and write through these
 * calls and never call recv/send/SSL_read/SSL_write themselves, so every
 * data path works over TLS the same way.
 *
 * Readiness: with TLS a read may need the socket writable (and a write
 * readable); each call says which event to wait for in *want
 * (EV_READ/EV_WRITE from libevent). Bytes OpenSSL already decrypted are
 * not signalled by the socket: xprt_pending() tells the caller to read
 * again without waiting. */
#ifndef SLUICE_ENGINE_XPRT_H
#define SLUICE_ENGINE_XPRT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

enum xprt_rc {
	XPRT_OK,        /* *n bytes moved (> 0) */
	XPRT_AGAIN,     /* nothing now: wait for *want */
	XPRT_EOF,       /* the peer closed its side (read only) */
	XPRT_ERROR,     /* reset, TLS alert, protocol error */
};

struct xprt {
	int fd;
	SSL *ssl;       /* NULL: plain */
};

/* Reads at most len bytes into buf. */
enum xprt_rc xprt_recv(struct xprt *x, void *buf, size_t len, size_t *n,
                       short *want);
/* Writes at most len bytes of buf (MSG_NOSIGNAL on plain sockets). */
enum xprt_rc xprt_send(struct xprt *x, const void *buf, size_t len,
                       size_t *n, short *want);
/* True when TLS holds decrypted bytes not yet read. */
bool xprt_pending(const struct xprt *x);
/* True when TLS holds any bytes not yet read: decrypted ones, or records
 * read ahead from the socket (whole or not). A reader that stops on
 * !xprt_buffered() waits for the socket only when it must; one that
 * loops on it must stop on XPRT_AGAIN (a partial record stays). */
bool xprt_buffered(const struct xprt *x);
/* Read-ahead on a TLS side (no-op on plain): one read(2) per record, or
 * for several, instead of a header read and a body read. Only for a
 * reader that looks at xprt_buffered() (the HTTP engine), not
 * xprt_pending() (the relay): turned off, bytes already read ahead stay
 * and must be drained first (http_start_tunnel). */
void xprt_read_ahead(struct xprt *x, bool on);
/* Shuts the write side: TLS close_notify (best effort, non-blocking)
 * then shutdown(SHUT_WR). */
void xprt_shutw(struct xprt *x);

/* Sets on ssl the modes the data paths rely on (added by B): partial
 * writes with a buffer that may move between retries (the relay writes
 * from an offset), and buffers released while idle (an idle terminated
 * connection keeps no 34 KiB of record buffers). Call once per SSL,
 * before the handshake; harmless when the context set them already. */
void xprt_tls_modes(SSL *ssl);

/* One step of a TLS handshake (accept or connect state, as the SSL was
 * made): XPRT_OK when done, XPRT_AGAIN with *want, XPRT_ERROR (the
 * OpenSSL error queue is cleared; *why gets a short reason for logs,
 * e.g. "SSL handshake failure"). */
enum xprt_rc xprt_handshake(struct xprt *x, short *want, const char **why);

#endif
