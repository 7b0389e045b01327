/* TLS towards servers ("server ... ssl", bridging): one client SSL_CTX
 * per server line as HAProxy 2.6's ssl_sock_prepare_srv_ctx(), and the
 * last session kept for resumption ("no-ssl-reuse" turns it off). */
#include "engine/tls_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "parser/cfg.h"
#include "parser/global.h"
#include "parser/server.h"

static int srv_idx = -1;
static pthread_once_t srv_once = PTHREAD_ONCE_INIT;

static void
srv_idx_init(void)
{
	srv_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* Keeps sess (a reference we own) with the SNI of ssl's connection. */
static void
keep_session(struct tls_srv *s, SSL *ssl, SSL_SESSION *sess)
{
	const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	char *copy = sni ? xstrdup(sni) : NULL;

	pthread_mutex_lock(&s->lock);
	SSL_SESSION *old = s->sess;
	char *old_sni = s->sess_sni;
	s->sess = sess;
	s->sess_sni = copy;
	pthread_mutex_unlock(&s->lock);
	SSL_SESSION_free(old);
	free(old_sni);
}

/* Sessions arrive here when OpenSSL makes them, which with TLSv1.3 is
 * after the handshake (NewSessionTicket): the engine need not ask. */
static int
new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_srv *s = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), srv_idx);

	if (s == NULL || !s->cfg->ssl_reuse || !SSL_SESSION_is_resumable(sess))
		return 0;
	/* a copy: OpenSSL marks the session itself not resumable when its
	 * connection is freed without a close_notify */
	SSL_SESSION *copy = SSL_SESSION_dup(sess);
	if (copy)
		keep_session(s, ssl, copy);
	return 0;
}

/* NPN towards the server: our first protocol it offers, else our first
 * (OpenSSL's rule). */
static int
npn_select_cb(SSL *ssl, unsigned char **out, unsigned char *outlen, const unsigned char *in,
              unsigned inlen, void *arg)
{
	struct tls_srv *s = arg;

	(void)ssl;
	SSL_select_next_proto(out, outlen, in, inlen, s->npn, (unsigned)s->npn_len);
	return SSL_TLSEXT_ERR_OK;
}

void
tls_srv_free(struct tls_srv *s)
{
	if (s == NULL)
		return;
	SSL_CTX_free(s->ctx);
	SSL_SESSION_free(s->sess);
	free(s->sess_sni);
	free(s->alpn);
	free(s->npn);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct tls_srv *
tls_srv_new(struct tls_store *st, const struct cfg_server *sv, char **err)
{
	const struct cfg_global *g = st->cfg ? st->cfg->global : NULL;
	struct tls_srv *s = xcalloc(1, sizeof(*s));
	struct tls_cert *crt = NULL;
	int mn, mx;

	pthread_once(&srv_once, srv_idx_init);
	s->cfg = sv;
	pthread_mutex_init(&s->lock, NULL);
	if ((s->ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		*err = xstrdup("unable to allocate SSL context.");
		goto fail;
	}
	SSL_CTX_set_ex_data(s->ctx, srv_idx, s);
	uint64_t ops = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
	if (sv->ssl_opts.no_tls_tickets)
		ops |= SSL_OP_NO_TICKET;
	SSL_CTX_set_options(s->ctx, ops);
	SSL_CTX_set_info_callback(s->ctx, tls_info_cb);
	SSL_CTX_set_mode(s->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                         SSL_MODE_RELEASE_BUFFERS);
	if (tls_apply_versions(s->ctx, &sv->ssl_opts, SSLO_VER_UNSET, SSLO_VER_UNSET, false,
	                       &mn, &mx) < 0) {
		*err = xstrdup("all SSL/TLS versions are disabled");
		goto fail;
	}
	if (sv->ciphers && SSL_CTX_set_cipher_list(s->ctx, sv->ciphers) != 1) {
		*err = xasprintf("unable to set SSL cipher list to '%s'", sv->ciphers);
		goto fail;
	}
	if (sv->ciphersuites && SSL_CTX_set_ciphersuites(s->ctx, sv->ciphersuites) != 1) {
		*err = xasprintf("unable to set TLS 1.3 cipher suites to '%s'", sv->ciphersuites);
		goto fail;
	}
	enum sslo_verify v = sv->verify;
	if (v == SSLO_VERIFY_UNSET)
		v = g && g->ssl_server_verify_none ? SSLO_VERIFY_NONE : SSLO_VERIFY_REQUIRED;
	s->verify = v == SSLO_VERIFY_REQUIRED;
	if (s->verify) {
		if (sv->ca_file == NULL) {
			*err = xstrdup("verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.");
			goto fail;
		}
		if (SSL_CTX_load_verify_locations(s->ctx, sv->ca_file, NULL) != 1) {
			*err = xasprintf("unable to load CA file '%s'", sv->ca_file);
			goto fail;
		}
		if (sv->crl_file) {
			X509_STORE *xs = SSL_CTX_get_cert_store(s->ctx);
			X509_LOOKUP *lk = X509_STORE_add_lookup(xs, X509_LOOKUP_file());
			if (lk == NULL || X509_load_crl_file(lk, sv->crl_file, X509_FILETYPE_PEM) <= 0) {
				*err = xasprintf("unable to configure CRL file '%s'", sv->crl_file);
				goto fail;
			}
			X509_STORE_set_flags(xs, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
		}
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_NONE, NULL);
	}
	if (sv->crt) {
		if ((crt = tls_cert_load(sv->crt, err)) == NULL)
			goto fail;
		if (SSL_CTX_use_certificate(s->ctx, crt->cert) != 1 ||
		    SSL_CTX_use_PrivateKey(s->ctx, crt->key) != 1 ||
		    tls_ctx_chain(s->ctx, st->cfg, crt->chain) < 0) {
			*err = xasprintf("unable to load SSL certificate into SSL Context '%s'.", sv->crt);
			goto fail;
		}
		tls_cert_free(crt);
		crt = NULL;
	}
	tls_ctx_common(s->ctx, st->cfg, NULL);
	if (sv->alpn)
		s->alpn = tls_alpn_wire(sv->alpn, &s->alpn_len);
	if (sv->npn && (s->npn = tls_alpn_wire(sv->npn, &s->npn_len)) != NULL)
		SSL_CTX_set_next_proto_select_cb(s->ctx, npn_select_cb, s);
	if (sv->ssl_reuse) {
		SSL_CTX_set_session_cache_mode(s->ctx, SSL_SESS_CACHE_CLIENT |
		                                       SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(s->ctx, new_session_cb);
	} else {
		SSL_CTX_set_session_cache_mode(s->ctx, SSL_SESS_CACHE_OFF);
	}
	ERR_clear_error();
	return s;
fail:
	ERR_clear_error();
	tls_cert_free(crt);
	tls_srv_free(s);
	return NULL;
}

SSL *
tls_srv_new_ssl(struct tls_srv *s, int fd, const char *sni)
{
	SSL *ssl = SSL_new(s->ctx);

	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1)
		goto fail;
	SSL_set_connect_state(ssl);
	if (sni && *sni && SSL_set_tlsext_host_name(ssl, sni) != 1)
		goto fail;
	if (s->alpn && SSL_set_alpn_protos(ssl, s->alpn, (unsigned)s->alpn_len) != 0)
		goto fail;
	if (s->verify) {
		/* the name to check: the SNI sent, else verifyhost (observed
		 * on HAProxy 2.6: an SNI wins over verifyhost) */
		const char *host = sni && *sni ? sni : s->cfg->verifyhost;
		if (host && *host) {
			SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (SSL_set1_host(ssl, host) != 1)
				goto fail;
		}
	}
	if (s->cfg->ssl_reuse) {
		pthread_mutex_lock(&s->lock);
		/* only with the same SNI: a resumed session skips the check
		 * of the certificate against the name (HAProxy forgets the
		 * session when the SNI changes) */
		bool same = sni && *sni ? s->sess_sni && strcmp(s->sess_sni, sni) == 0
		                        : s->sess_sni == NULL;
		if (s->sess && same)
			SSL_set_session(ssl, s->sess); /* takes its own reference */
		pthread_mutex_unlock(&s->lock);
	}
	return ssl;
fail:
	SSL_free(ssl);
	ERR_clear_error();
	return NULL;
}

void
tls_srv_save_session(struct tls_srv *s, SSL *ssl)
{
	if (s == NULL || ssl == NULL || !s->cfg->ssl_reuse)
		return;
	SSL_SESSION *sess = SSL_get0_session(ssl);
	if (sess == NULL || !SSL_SESSION_is_resumable(sess))
		return;
	SSL_SESSION *copy = SSL_SESSION_dup(sess); /* see new_session_cb() */
	if (copy)
		keep_session(s, ssl, copy);
}
