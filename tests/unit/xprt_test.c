/* engine/xprt: plain and TLS I/O over socketpairs, with a throw-away
 * self-signed P-256 certificate made in memory: handshake steps, reads
 * and writes with want-read/want-write, pending decrypted bytes, end of
 * stream (close_notify and a bare FIN), errors (garbage instead of a
 * ClientHello, a peer gone mid-handshake) and half-close. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "engine/xprt.h"

static SSL_CTX *srv_ctx, *cli_ctx;

/* OpenSSL writes with write(2): a closed peer must not kill the test
 * runner (the engine ignores SIGPIPE the same way) */
static void
make_ctxs(void)
{
	signal(SIGPIPE, SIG_IGN);
	EVP_PKEY *key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(key);
	X509 *x = X509_new();
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"xprt.test", -1, -1, 0);
	X509_set_issuer_name(x, n);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	srv_ctx = SSL_CTX_new(TLS_server_method());
	ck_assert_int_eq(SSL_CTX_use_certificate(srv_ctx, x), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(srv_ctx, key), 1);
	cli_ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_verify(cli_ctx, SSL_VERIFY_NONE, NULL);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void
free_ctxs(void)
{
	SSL_CTX_free(srv_ctx);
	SSL_CTX_free(cli_ctx);
	srv_ctx = cli_ctx = NULL;
}

static void
pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (int i = 0; i < 2; i++)
		fcntl(sv[i], F_SETFL, fcntl(sv[i], F_GETFL) | O_NONBLOCK);
}

static SSL *
new_ssl(SSL_CTX *ctx, int fd, bool server)
{
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (server)
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	xprt_tls_modes(ssl);
	return ssl;
}

/* Steps both handshakes until both are done (socketpair: no real
 * waiting needed, AGAIN means the other side must speak). */
static void
handshake_both(struct xprt *a, struct xprt *b)
{
	bool da = false, db = false;
	for (int i = 0; i < 100 && !(da && db); i++) {
		short want;
		const char *why;
		if (!da) {
			enum xprt_rc r = xprt_handshake(a, &want, &why);
			ck_assert_int_ne(r, XPRT_ERROR);
			da = r == XPRT_OK;
		}
		if (!db) {
			enum xprt_rc r = xprt_handshake(b, &want, &why);
			ck_assert_int_ne(r, XPRT_ERROR);
			db = r == XPRT_OK;
		}
	}
	ck_assert(da && db);
}

START_TEST(plain_io)
{
	int sv[2];
	pair(sv);
	struct xprt a = { sv[0], NULL }, b = { sv[1], NULL };
	char buf[64];
	size_t n;
	short want = 0;
	ck_assert_int_eq(xprt_recv(&b, buf, sizeof(buf), &n, &want), XPRT_AGAIN);
	ck_assert_int_eq(want, EV_READ);
	ck_assert_int_eq(xprt_send(&a, "hello", 5, &n, &want), XPRT_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(xprt_recv(&b, buf, sizeof(buf), &n, &want), XPRT_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert(!xprt_pending(&b));
	xprt_shutw(&a);
	ck_assert_int_eq(xprt_recv(&b, buf, sizeof(buf), &n, &want), XPRT_EOF);
	const char *why = "x";
	ck_assert_int_eq(xprt_handshake(&a, &want, &why), XPRT_OK);
	ck_assert_ptr_null(why);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(tls_round_trip)
{
	make_ctxs();
	int sv[2];
	pair(sv);
	struct xprt s = { sv[0], new_ssl(srv_ctx, sv[0], true) };
	struct xprt c = { sv[1], new_ssl(cli_ctx, sv[1], false) };
	short want = 0;
	const char *why;
	/* the server waits for a ClientHello */
	ck_assert_int_eq(xprt_handshake(&s, &want, &why), XPRT_AGAIN);
	ck_assert_int_eq(want, EV_READ);
	handshake_both(&s, &c);

	char buf[256];
	size_t n;
	ck_assert_int_eq(xprt_recv(&s, buf, sizeof(buf), &n, &want), XPRT_AGAIN);
	ck_assert_int_eq(want, EV_READ);
	ck_assert_int_eq(xprt_send(&c, "0123456789", 10, &n, &want), XPRT_OK);
	ck_assert_uint_eq(n, 10);
	/* a short read leaves decrypted bytes in OpenSSL: pending */
	ck_assert_int_eq(xprt_recv(&s, buf, 4, &n, &want), XPRT_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert(xprt_pending(&s));
	ck_assert_int_eq(xprt_recv(&s, buf + 4, sizeof(buf) - 4, &n, &want), XPRT_OK);
	ck_assert_uint_eq(n, 6);
	ck_assert(!xprt_pending(&s));
	ck_assert(memcmp(buf, "0123456789", 10) == 0);

	/* the other way, then half-close: close_notify is an end of
	 * stream for the reader, and the writer can still read */
	ck_assert_int_eq(xprt_send(&s, "pong", 4, &n, &want), XPRT_OK);
	xprt_shutw(&s);
	ck_assert_int_eq(xprt_recv(&c, buf, sizeof(buf), &n, &want), XPRT_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(xprt_recv(&c, buf, sizeof(buf), &n, &want), XPRT_EOF);
	ck_assert_int_eq(xprt_send(&c, "late", 4, &n, &want), XPRT_OK);
	ck_assert_int_eq(xprt_recv(&s, buf, sizeof(buf), &n, &want), XPRT_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(ERR_peek_error(), 0);
	SSL_free(s.ssl);
	SSL_free(c.ssl);
	close(sv[0]);
	close(sv[1]);
	free_ctxs();
}
END_TEST

START_TEST(tls_want_write)
{
	make_ctxs();
	int sv[2];
	pair(sv);
	int sz = 4096;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	struct xprt s = { sv[0], new_ssl(srv_ctx, sv[0], true) };
	struct xprt c = { sv[1], new_ssl(cli_ctx, sv[1], false) };
	handshake_both(&s, &c);
	/* fill the socket: the write ends with AGAIN waiting to write,
	 * after a partial write (SSL_MODE_ENABLE_PARTIAL_WRITE) */
	static char big[65536];
	memset(big, 'x', sizeof(big));
	size_t total = 0, n;
	short want = 0;
	enum xprt_rc r;
	while ((r = xprt_send(&s, big, sizeof(big), &n, &want)) == XPRT_OK)
		total += n;
	/* a 16 KiB record does not fit a 4 KiB socket buffer: the first
	 * write may already wait */
	ck_assert_int_eq(r, XPRT_AGAIN);
	ck_assert_int_eq(want, EV_WRITE);
	ck_assert_uint_lt(total, sizeof(big) * 64);
	/* the reader gets it all back, then AGAIN */
	static char in[65536];
	size_t got = 0;
	for (int i = 0; i < 100000; i++) {
		r = xprt_recv(&c, in, sizeof(in), &n, &want);
		if (r == XPRT_OK) {
			got += n;
			continue;
		}
		ck_assert_int_eq(r, XPRT_AGAIN);
		/* the moving buffer: retry the same write from another copy */
		static char moved[65536];
		memcpy(moved, big, sizeof(moved));
		if (total < 4 * sizeof(big) &&
		    xprt_send(&s, moved, sizeof(moved), &n, &want) == XPRT_OK)
			total += n;
		else if (got >= total && total >= 4 * sizeof(big))
			break;
	}
	ck_assert_uint_ge(total, 4 * sizeof(big));
	ck_assert_uint_eq(got, total);
	SSL_free(s.ssl);
	SSL_free(c.ssl);
	close(sv[0]);
	close(sv[1]);
	free_ctxs();
}
END_TEST

START_TEST(tls_bare_fin_is_eof)
{
	make_ctxs();
	int sv[2];
	pair(sv);
	struct xprt s = { sv[0], new_ssl(srv_ctx, sv[0], true) };
	struct xprt c = { sv[1], new_ssl(cli_ctx, sv[1], false) };
	handshake_both(&s, &c);
	shutdown(sv[1], SHUT_WR); /* no close_notify */
	char buf[16];
	size_t n;
	short want;
	ck_assert_int_eq(xprt_recv(&s, buf, sizeof(buf), &n, &want), XPRT_EOF);
	ck_assert_int_eq(ERR_peek_error(), 0);
	SSL_free(s.ssl);
	SSL_free(c.ssl);
	close(sv[0]);
	close(sv[1]);
	free_ctxs();
}
END_TEST

START_TEST(tls_handshake_failures)
{
	make_ctxs();
	short want;
	const char *why;
	/* garbage instead of a ClientHello */
	int sv[2];
	pair(sv);
	struct xprt s = { sv[0], new_ssl(srv_ctx, sv[0], true) };
	ck_assert_int_eq(write(sv[1], "GET / HTTP/1.0\r\n\r\n", 18), 18);
	ck_assert_int_eq(xprt_handshake(&s, &want, &why), XPRT_ERROR);
	ck_assert_str_eq(why, "SSL handshake failure");
	ck_assert_int_eq(ERR_peek_error(), 0);
	SSL_free(s.ssl);
	close(sv[0]);
	close(sv[1]);

	/* the client goes away after part of a hello */
	pair(sv);
	s.fd = sv[0];
	s.ssl = new_ssl(srv_ctx, sv[0], true);
	ck_assert_int_eq(write(sv[1], "\x16\x03\x01\x00\x50\x01", 6), 6);
	ck_assert_int_eq(xprt_handshake(&s, &want, &why), XPRT_AGAIN);
	close(sv[1]);
	ck_assert_int_eq(xprt_handshake(&s, &want, &why), XPRT_ERROR);
	ck_assert_str_eq(why, "Connection closed during SSL handshake");
	ck_assert_int_eq(ERR_peek_error(), 0);
	SSL_free(s.ssl);
	close(sv[0]);

	/* the server side of a client that verifies and refuses */
	pair(sv);
	SSL_CTX *strict = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_verify(strict, SSL_VERIFY_PEER, NULL);
	struct xprt c = { sv[1], new_ssl(strict, sv[1], false) };
	s.fd = sv[0];
	s.ssl = new_ssl(srv_ctx, sv[0], true);
	enum xprt_rc rc = XPRT_AGAIN;
	for (int i = 0; i < 20 && rc == XPRT_AGAIN; i++) {
		xprt_handshake(&s, &want, &why);
		rc = xprt_handshake(&c, &want, &why);
	}
	ck_assert_int_eq(rc, XPRT_ERROR);
	ck_assert_str_eq(why, "SSL handshake failure");
	ck_assert_int_eq(SSL_get_verify_result(c.ssl), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
	ck_assert_int_eq(ERR_peek_error(), 0);
	SSL_free(s.ssl);
	SSL_free(c.ssl);
	SSL_CTX_free(strict);
	close(sv[0]);
	close(sv[1]);
	free_ctxs();
}
END_TEST

Suite *suite_xprt(void);

Suite *
suite_xprt(void)
{
	Suite *s = suite_create("xprt");
	TCase *t = tcase_create("xprt");

	tcase_add_test(t, plain_io);
	tcase_add_test(t, tls_round_trip);
	tcase_add_test(t, tls_want_write);
	tcase_add_test(t, tls_bare_fin_is_eof);
	tcase_add_test(t, tls_handshake_failures);
	suite_add_tcase(s, t);
	return s;
}
