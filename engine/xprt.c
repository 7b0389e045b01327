/* Plain-or-TLS socket I/O (xprt.h). The TLS side maps OpenSSL's answers
 * onto the four results every data path handles: bytes moved, wait for
 * an event, end of stream, error. The OpenSSL error queue is per thread
 * and must be empty before each call (SSL_get_error reads it), so every
 * failure path clears it. */
#include "engine/xprt.h"

#include <errno.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <openssl/err.h>

/* Maps a failed SSL call's answer (rc <= 0). */
static enum xprt_rc
ssl_fail(SSL *ssl, int rc, short *want, short dflt)
{
	int e = SSL_get_error(ssl, rc);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		*want = EV_READ;
		return XPRT_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		*want = EV_WRITE;
		return XPRT_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		/* close_notify received */
		ERR_clear_error();
		return XPRT_EOF;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		/* OpenSSL 1.1: a TCP FIN without close_notify comes as
		 * SYSCALL with errno 0; it is the peer's end of stream as
		 * HAProxy sees it (the relay turns it into a FIN anyway). */
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			*want = dflt;
			return XPRT_AGAIN;
		}
		return errno == 0 ? XPRT_EOF : XPRT_ERROR;
	case SSL_ERROR_SSL: {
		unsigned long err = ERR_peek_error();
		ERR_clear_error();
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
		/* OpenSSL 3: the same truncated close */
		if (ERR_GET_LIB(err) == ERR_LIB_SSL &&
		    ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
			return XPRT_EOF;
#else
		(void)err;
#endif
		return XPRT_ERROR;
	}
	default:
		ERR_clear_error();
		return XPRT_ERROR;
	}
}

/* A stale error left in this thread's queue by unrelated code (a
 * callback, a sample fetch) would make SSL_get_error() report a fatal
 * error for a mere "try again": the queue must be empty before each
 * SSL call. Peeking is cheap compared to the record crypto. */
static inline void
clear_stale(void)
{
	if (ERR_peek_error() != 0)
		ERR_clear_error();
}

enum xprt_rc
xprt_recv(struct xprt *x, void *buf, size_t len, size_t *n, short *want)
{
	*n = 0;
	if (x->ssl == NULL) {
		for (;;) {
			ssize_t r = recv(x->fd, buf, len, 0);
			if (r > 0) {
				*n = (size_t)r;
				return XPRT_OK;
			}
			if (r == 0)
				return XPRT_EOF;
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				*want = EV_READ;
				return XPRT_AGAIN;
			}
			return XPRT_ERROR;
		}
	}
	clear_stale();
	errno = 0;
	int rc = SSL_read_ex(x->ssl, buf, len, n);
	if (rc == 1)
		return XPRT_OK;
	*n = 0;
	return ssl_fail(x->ssl, rc, want, EV_READ);
}

enum xprt_rc
xprt_send(struct xprt *x, const void *buf, size_t len, size_t *n, short *want)
{
	*n = 0;
	if (len == 0)
		return XPRT_OK;
	if (x->ssl == NULL) {
		for (;;) {
			ssize_t r = send(x->fd, buf, len, MSG_NOSIGNAL);
			if (r >= 0) {
				*n = (size_t)r;
				if (r > 0)
					return XPRT_OK;
				*want = EV_WRITE;
				return XPRT_AGAIN;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				*want = EV_WRITE;
				return XPRT_AGAIN;
			}
			return XPRT_ERROR;
		}
	}
	clear_stale();
	errno = 0;
	int rc = SSL_write_ex(x->ssl, buf, len, n);
	if (rc == 1)
		return XPRT_OK;
	*n = 0;
	enum xprt_rc r = ssl_fail(x->ssl, rc, want, EV_WRITE);
	/* no end of stream on the write side: a peer that closed its
	 * reading side is an error for the writer */
	return r == XPRT_EOF ? XPRT_ERROR : r;
}

bool
xprt_pending(const struct xprt *x)
{
	return x->ssl != NULL && SSL_pending(x->ssl) > 0;
}

bool
xprt_buffered(const struct xprt *x)
{
	return x->ssl != NULL && SSL_has_pending(x->ssl);
}

void
xprt_read_ahead(struct xprt *x, bool on)
{
	if (x->ssl)
		SSL_set_read_ahead(x->ssl, on ? 1 : 0);
}

void
xprt_shutw(struct xprt *x)
{
	if (x->ssl && SSL_is_init_finished(x->ssl)) {
		/* one non-blocking try: close_notify goes out if the socket
		 * has room; the peer's close_notify is not waited for */
		clear_stale();
		if (SSL_shutdown(x->ssl) < 0)
			ERR_clear_error();
	}
	shutdown(x->fd, SHUT_WR);
}

void
xprt_tls_modes(SSL *ssl)
{
	SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
	             SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
}

enum xprt_rc
xprt_handshake(struct xprt *x, short *want, const char **why)
{
	*why = NULL;
	if (x->ssl == NULL)
		return XPRT_OK;
	clear_stale();
	errno = 0;
	int rc = SSL_do_handshake(x->ssl);
	if (rc == 1)
		return XPRT_OK;
	int e = SSL_get_error(x->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*want = e == SSL_ERROR_WANT_READ ? EV_READ : EV_WRITE;
		return XPRT_AGAIN;
	}
	int err = errno;
	bool eof = false;
	if (e == SSL_ERROR_SYSCALL) {
		if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) {
			ERR_clear_error();
			*want = EV_READ;
			return XPRT_AGAIN;
		}
		eof = ERR_peek_error() == 0 && err == 0;
	}
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
	unsigned long ee = ERR_peek_error();
	if (e == SSL_ERROR_SSL && ERR_GET_LIB(ee) == ERR_LIB_SSL &&
	    ERR_GET_REASON(ee) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
		eof = true;
#endif
	ERR_clear_error();
	/* HAProxy's connection error messages (reference §4.7): a close or
	 * a reset before a whole hello was processed is "closed during" /
	 * "error during"; after it, a handshake failure (HAProxy checks
	 * TLS_ST_BEFORE) */
	bool before = SSL_get_state(x->ssl) == TLS_ST_BEFORE;
	if (eof && before)
		*why = "Connection closed during SSL handshake";
	else if (e == SSL_ERROR_SYSCALL && !eof && before)
		*why = "Connection error during SSL handshake";
	else
		*why = "SSL handshake failure";
	return XPRT_ERROR;
}
