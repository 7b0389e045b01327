/* engine/relay over TLS: a relay between a TLS client side and a plain
 * server side (socketpairs, tiny socket buffers and a 4 KiB relay buffer
 * so that every write is partial and OpenSSL keeps decrypted bytes
 * pending), 256 KiB each way at once, then half-closes both ways: the
 * client's close_notify becomes the server's EOF, the server's FIN the
 * client's close_notify, and the relay ends as RELAY_DONE. */
#include <check.h>
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

#include "engine/relay.h"
#include "engine/xprt.h"

#define AMOUNT (256 * 1024)

static SSL_CTX *
server_ctx(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"relay.test", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_sign(x, key, EVP_sha256());
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_use_certificate(ctx, x);
	SSL_CTX_use_PrivateKey(ctx, key);
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

static void
small_pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	int sz = 4096;
	for (int i = 0; i < 2; i++) {
		fcntl(sv[i], F_SETFL, fcntl(sv[i], F_GETFL) | O_NONBLOCK);
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
}

static int ended = -1;

static void
on_done(void *arg, enum relay_end why, const struct relay_stats *st)
{
	(void)arg;
	(void)st;
	ended = (int)why;
}

START_TEST(tls_client_side_both_ways_and_half_closes)
{
	signal(SIGPIPE, SIG_IGN);
	SSL_CTX *sctx = server_ctx(), *cctx = SSL_CTX_new(TLS_client_method());
	int a[2], b[2];
	small_pair(a); /* a[0]: the test's TLS client, a[1]: relay's client side */
	small_pair(b); /* b[0]: relay's server side, b[1]: the test's server */
	SSL *rs = SSL_new(sctx), *cs = SSL_new(cctx);
	SSL_set_fd(rs, a[1]);
	SSL_set_accept_state(rs);
	SSL_set_fd(cs, a[0]);
	SSL_set_connect_state(cs);
	xprt_tls_modes(rs);
	xprt_tls_modes(cs);
	struct xprt rx = { a[1], rs }, cx = { a[0], cs };
	short want;
	const char *why;
	bool d1 = false, d2 = false;
	for (int i = 0; i < 100 && !(d1 && d2); i++) {
		d1 = d1 || xprt_handshake(&rx, &want, &why) == XPRT_OK;
		d2 = d2 || xprt_handshake(&cx, &want, &why) == XPRT_OK;
	}
	ck_assert(d1 && d2);

	struct event_base *base = event_base_new();
	struct relay_opts o = { 0 };
	o.bufsize = 4096;
	o.cli_ssl = rs;
	struct relay *r = relay_start(base, a[1], b[0], NULL, 0, 0, &o, on_done, NULL);

	static uint8_t up[AMOUNT], down[AMOUNT], got_up[AMOUNT], got_down[AMOUNT];
	for (size_t i = 0; i < AMOUNT; i++) {
		up[i] = (uint8_t)(i * 7);
		down[i] = (uint8_t)(i * 13 + 1);
	}
	size_t sent_up = 0, sent_down = 0, n_up = 0, n_down = 0;
	bool cli_shut = false, srv_shut = false, srv_eof = false, cli_eof = false;
	for (int it = 0; it < 200000 && !(srv_eof && cli_eof && ended >= 0); it++) {
		size_t n;
		if (sent_up < AMOUNT &&
		    xprt_send(&cx, up + sent_up, AMOUNT - sent_up, &n, &want) == XPRT_OK)
			sent_up += n;
		if (sent_up == AMOUNT && !cli_shut) {
			xprt_shutw(&cx); /* close_notify + FIN */
			cli_shut = true;
		}
		ssize_t k;
		if (sent_down < AMOUNT &&
		    (k = send(b[1], down + sent_down, AMOUNT - sent_down, MSG_NOSIGNAL)) > 0)
			sent_down += (size_t)k;
		if (sent_down == AMOUNT && !srv_shut) {
			shutdown(b[1], SHUT_WR);
			srv_shut = true;
		}
		if (!srv_eof && (k = recv(b[1], got_up + n_up, AMOUNT - n_up, 0)) >= 0) {
			if (k == 0 && n_up == AMOUNT)
				srv_eof = true;
			n_up += (size_t)k;
		}
		if (!cli_eof) {
			enum xprt_rc rc = xprt_recv(&cx, got_down + n_down, AMOUNT - n_down, &n, &want);
			if (rc == XPRT_OK)
				n_down += n;
			else if (rc == XPRT_EOF)
				cli_eof = true;
			else
				ck_assert_int_eq(rc, XPRT_AGAIN);
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	ck_assert_uint_eq(n_up, AMOUNT);
	ck_assert_uint_eq(n_down, AMOUNT);
	ck_assert(memcmp(up, got_up, AMOUNT) == 0);
	ck_assert(memcmp(down, got_down, AMOUNT) == 0);
	ck_assert(srv_eof);
	ck_assert(cli_eof); /* the relay's close_notify */
	ck_assert_int_eq(SSL_get_shutdown(cs) & SSL_RECEIVED_SHUTDOWN, SSL_RECEIVED_SHUTDOWN);
	ck_assert_int_eq(ended, RELAY_DONE);
	struct relay_stats st;
	relay_stats(r, &st);
	ck_assert_uint_eq(st.c2s, AMOUNT);
	ck_assert_uint_eq(st.s2c, AMOUNT);
	relay_free(r);
	relay_thread_cleanup();
	event_base_free(base);
	SSL_free(rs);
	SSL_free(cs);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
	ERR_clear_error();
}
END_TEST

Suite *suite_relay_tls(void);

Suite *
suite_relay_tls(void)
{
	Suite *s = suite_create("relay_tls");
	TCase *t = tcase_create("relay_tls");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, tls_client_side_both_ways_and_half_closes);
	suite_add_tcase(s, t);
	return s;
}
