/* One terminating SSL_CTX (see tls_int.h): a certificate with the bind
 * line's TLS settings, overridden by a crt-list entry's [options]. What
 * HAProxy 2.6's ssl_sock_prepare_ctx() does, with OpenSSL 3 directly:
 * protocol range (TLSv1.2 minimum by default), cipher lists, curves,
 * ALPN, client certificate verification, OCSP stapling, session cache
 * and ticket keys. */
#include "engine/tls_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "parser/bind.h"
#include "parser/cfg.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "parser/tls_check.h"

static int info_idx = -1;
static pthread_once_t info_once = PTHREAD_ONCE_INIT;

static void
info_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct tls_ctxinfo *i = ptr;

	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	if (i == NULL)
		return;
	free(i->crt_path);
	free(i->ciphers);
	free(i->suites);
	free(i->groups);
	free(i->alpn);
	free(i->npn);
	free(i->ocsp);
	free(i);
}

static void
info_init(void)
{
	info_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, info_free);
}

int
tls_ctxinfo_idx(void)
{
	pthread_once(&info_once, info_init);
	return info_idx;
}

struct tls_ctxinfo *
tls_ctxinfo_of(const SSL_CTX *ctx)
{
	return ctx ? SSL_CTX_get_ex_data(ctx, tls_ctxinfo_idx()) : NULL;
}

int
tls_ossl_ver(enum sslo_ver v)
{
	switch (v) {
	case SSLO_VER_SSLV3: return SSL3_VERSION;
	case SSLO_VER_TLS10: return TLS1_VERSION;
	case SSLO_VER_TLS11: return TLS1_1_VERSION;
	case SSLO_VER_TLS12: return TLS1_2_VERSION;
	case SSLO_VER_TLS13: return TLS1_3_VERSION;
	default: return 0;
	}
}

bool
tls_alpn_has_h2(const char *list)
{
	/* "h2" as a whole word of the comma-separated list */
	for (const char *p = list; p && (p = strstr(p, "h2")) != NULL; p += 2)
		if ((p == list || p[-1] == ',') && (p[2] == 0 || p[2] == ','))
			return true;
	return false;
}

/* The wire form of a mode http bind's ALPN list: without "h2", which
 * this engine does not speak (engine/support.c warns). */
static unsigned char *
alpn_wire_http1(const char *list, size_t *len)
{
	unsigned char *w = tls_alpn_wire(list, len);
	size_t o = 0;
	for (size_t k = 0; w && k < *len; k += 1 + w[k]) {
		if (w[k] == 2 && w[k + 1] == 'h' && w[k + 2] == '2')
			continue;
		memmove(w + o, w + k, 1 + (size_t)w[k]);
		o += 1 + (size_t)w[k];
	}
	*len = o;
	if (w && o == 0)
		FREE_NULL(w);
	return w;
}

unsigned char *
tls_alpn_wire(const char *list, size_t *len)
{
	size_t n = strlen(list);
	unsigned char *w = xmalloc(n + 1);
	size_t o = 0;

	/* "h2,http/1.1" -> "\x02h2\x08http/1.1": each comma becomes the
	 * length of the name after it */
	for (const char *p = list; *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l > 0 && l < 256) {
			w[o++] = (unsigned char)l;
			memcpy(w + o, p, l);
			o += l;
		}
		p += l + (c != NULL);
	}
	*len = o;
	if (o == 0) {
		free(w);
		return NULL;
	}
	return w;
}

/* "all" or "10,20": the ids of an ignore-err list. */
static void
parse_ignore(const char *s, unsigned *all, void *vec)
{
	VEC(int) *v = vec;

	if (s == NULL)
		return;
	if (strcmp(s, "all") == 0) {
		*all = 1;
		return;
	}
	for (const char *p = s; *p;) {
		char *end;
		long id = strtol(p, &end, 10);
		if (end != p)
			VEC_PUSH(*v, (int)id);
		p = *end ? end + 1 : end;
	}
}

void
tls_bind_ignore_init(struct tls_bind *b)
{
	unsigned all = 0;

	parse_ignore(b->cfg->ca_ignore_err, &all, &b->ca_ignore);
	b->ca_ignore_all = all;
	all = 0;
	parse_ignore(b->cfg->crt_ignore_err, &all, &b->crt_ignore);
	b->crt_ignore_all = all;
}

bool
tls_ignore_err(const struct tls_bind *b, int err, int depth)
{
	if (b == NULL)
		return false;
	if (depth == 0) {
		if (b->crt_ignore_all)
			return true;
		for (size_t i = 0; i < b->crt_ignore.n; i++)
			if (b->crt_ignore.v[i] == err)
				return true;
		return false;
	}
	if (b->ca_ignore_all)
		return true;
	for (size_t i = 0; i < b->ca_ignore.n; i++)
		if (b->ca_ignore.v[i] == err)
			return true;
	return false;
}

/* Client certificate verification: an error is forgiven when the bind's
 * ca-ignore-err / crt-ignore-err lists it, as HAProxy does. */
int
tls_verify_cb(int ok, X509_STORE_CTX *xs)
{
	if (ok)
		return 1;
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_ctxinfo *i = ssl ? tls_ctxinfo_of(SSL_get_SSL_CTX(ssl)) : NULL;
	tls_verify_record(ssl, X509_STORE_CTX_get_error(xs), X509_STORE_CTX_get_error_depth(xs));
	if (i && tls_ignore_err(i->bind, X509_STORE_CTX_get_error(xs),
	                        X509_STORE_CTX_get_error_depth(xs))) {
		ERR_clear_error();
		return 1;
	}
	return 0;
}

/* Once the handshake is done, a FIN without close_notify is an end of
 * stream rather than a fatal error that would also drop the session
 * from the cache (HTTP clients close that way, and HAProxy keeps their
 * sessions). During the handshake it stays an error, which the logs
 * tell apart ("Connection closed during SSL handshake"). */
void
tls_info_cb(const SSL *ssl, int where, int ret)
{
	(void)ret;
	if (where & SSL_CB_HANDSHAKE_DONE)
		SSL_set_options((SSL *)ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
}

/* ALPN: the first of our protocols the client offers; no common one:
 * go on without ALPN (HAProxy's answer). */
static int
alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
        const unsigned char *in, unsigned inlen, void *arg)
{
	struct tls_ctxinfo *i = tls_ctxinfo_of(SSL_get_SSL_CTX(ssl));

	(void)arg;
	if (i == NULL || i->alpn == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	if (SSL_select_next_proto((unsigned char **)out, outlen, i->alpn, (unsigned)i->alpn_len,
	                          in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	return SSL_TLSEXT_ERR_OK;
}

/* OCSP stapling: the ".ocsp" file of the certificate that serves. */
static int
ocsp_cb(SSL *ssl, void *arg)
{
	struct tls_ctxinfo *i = tls_ctxinfo_of(SSL_get_SSL_CTX(ssl));

	(void)arg;
	if (i == NULL || i->ocsp == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	unsigned char *copy = OPENSSL_malloc(i->ocsp_len);
	if (copy == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	memcpy(copy, i->ocsp, i->ocsp_len);
	if (SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)i->ocsp_len) != 1) {
		OPENSSL_free(copy);
		return SSL_TLSEXT_ERR_NOACK;
	}
	return SSL_TLSEXT_ERR_OK;
}

/* tls-ticket-keys: encrypt with the penultimate key, decrypt with any
 * (HAProxy's rotation: append a key to the file and reload). */
static int
ticket_cb(SSL *ssl, unsigned char name[16], unsigned char iv[16], EVP_CIPHER_CTX *ectx,
          EVP_MAC_CTX *hctx, int enc)
{
	struct tls_ctxinfo *i = tls_ctxinfo_of(SSL_get_SSL_CTX(ssl));
	struct tls_bind *b = i ? i->bind : NULL;
	const EVP_CIPHER *ciph;
	size_t k, kl;
	int ret = 1;

	if (b == NULL || b->ntkeys == 0)
		return -1;
	kl = b->tkey_aes_len;
	ciph = kl == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();
	if (enc) {
		k = b->ntkeys >= 2 ? b->ntkeys - 2 : 0;
		if (RAND_bytes(iv, 16) != 1)
			return -1;
		memcpy(name, b->tkeys[k], 16);
	} else {
		for (k = 0; k < b->ntkeys; k++)
			if (memcmp(name, b->tkeys[k], 16) == 0)
				break;
		if (k == b->ntkeys)
			return 0; /* unknown key: a full handshake */
		if (k != (b->ntkeys >= 2 ? b->ntkeys - 2 : 0))
			ret = 2; /* valid, but renew with the current key */
	}
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, b->tkeys[k] + 16 + kl, kl),
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	if (EVP_MAC_CTX_set_params(hctx, params) != 1)
		return -1;
	if (enc ? EVP_EncryptInit_ex(ectx, ciph, NULL, b->tkeys[k] + 16, iv) != 1
	        : EVP_DecryptInit_ex(ectx, ciph, NULL, b->tkeys[k] + 16, iv) != 1)
		return -1;
	return ret;
}

int
tls_tkeys_load(struct tls_bind *b, const char *path, char **err)
{
	unsigned char (*keys)[80] = xcalloc(TLSC_TICKET_KEYS, sizeof(*keys));
	unsigned aes = 0;

	if ((*err = tlsc_ticket_keys(path, keys, &aes)) != NULL) {
		free(keys);
		return -1;
	}
	b->tkeys = keys;
	b->ntkeys = TLSC_TICKET_KEYS;
	b->tkey_aes_len = aes;
	return 0;
}

/* DH parameters from ssl-dh-param-file, or NULL. */
static EVP_PKEY *
dh_from_file(const char *path)
{
	BIO *in = BIO_new_file(path, "r");
	EVP_PKEY *p = in ? PEM_read_bio_Parameters(in, NULL) : NULL;

	BIO_free(in);
	if (p && EVP_PKEY_get_base_id(p) != EVP_PKEY_DH) {
		EVP_PKEY_free(p);
		p = NULL;
	}
	ERR_clear_error();
	return p;
}

/* tune.ssl.default-dh-param: HAProxy's built-in groups of that size
 * (the RFC 7919 ones with OpenSSL 3). */
static EVP_PKEY *
dh_builtin(int bits)
{
	const char *group = bits >= 4096 ? "ffdhe4096" : bits >= 3072 ? "ffdhe3072" :
	                    bits >= 2048 ? "ffdhe2048" : "dh_1024_160";
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *p = NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
		OSSL_PARAM_construct_end(),
	};

	if (pc == NULL || EVP_PKEY_paramgen_init(pc) <= 0 || EVP_PKEY_CTX_set_params(pc, params) <= 0 ||
	    EVP_PKEY_paramgen(pc, &p) <= 0)
		p = NULL;
	EVP_PKEY_CTX_free(pc);
	ERR_clear_error();
	return p;
}

void
tls_ctx_common(SSL_CTX *ctx, const struct cfg *cfg, const struct tls_cert *cert)
{
	const struct cfg_global *g = cfg ? cfg->global : NULL;
	EVP_PKEY *dh = NULL;

	/* DHE only with parameters, as HAProxy 2.6: the certificate's, the
	 * global file's, or a built-in group when tune.ssl.default-dh-param
	 * asks for one */
	if (cert && cert->dh && EVP_PKEY_up_ref(cert->dh) == 1)
		dh = cert->dh;
	else if (g && g->ssl_dh_param_file)
		dh = dh_from_file(g->ssl_dh_param_file);
	if (dh == NULL && g && g->tune_ssl_default_dh_param > 0)
		dh = dh_builtin(g->tune_ssl_default_dh_param);
	if (dh && SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1)
		EVP_PKEY_free(dh);
	int rec = 0;
	if (g && g->tune_ssl_maxrecord > 0)
		rec = g->tune_ssl_maxrecord;
	if (g && g->tune_ssl_hard_maxrecord > 0 && (rec == 0 || g->tune_ssl_hard_maxrecord < rec))
		rec = g->tune_ssl_hard_maxrecord;
	if (rec > 0)
		SSL_CTX_set_max_send_fragment(ctx, rec < 512 ? 512 : rec > 16384 ? 16384 : rec);
	ERR_clear_error();
}

/* The chain to send: ssl-skip-self-issued-ca leaves out self-issued CAs
 * (the client has them or does not trust them). */
int
tls_ctx_chain(SSL_CTX *ctx, const struct cfg *cfg, STACK_OF(X509) *chain)
{
	const struct cfg_global *g = cfg ? cfg->global : NULL;

	if (chain == NULL || sk_X509_num(chain) == 0)
		return 0;
	if (!(g && g->ssl_skip_self_issued_ca))
		return SSL_CTX_set1_chain(ctx, chain) == 1 ? 0 : -1;
	STACK_OF(X509) *keep = sk_X509_new_null();
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);
		if (X509_check_issued(x, x) != X509_V_OK)
			sk_X509_push(keep, x);
	}
	int ret = sk_X509_num(keep) == 0 || SSL_CTX_set1_chain(ctx, keep) == 1 ? 0 : -1;
	sk_X509_free(keep);
	return ret;
}

/* NPN (TLS <= 1.2): the bind's list as it is. */
static int
npn_cb(SSL *ssl, const unsigned char **out, unsigned *outlen, void *arg)
{
	struct tls_ctxinfo *i = tls_ctxinfo_of(SSL_get_SSL_CTX(ssl));

	(void)arg;
	if (i == NULL || i->npn == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	*out = i->npn;
	*outlen = (unsigned)i->npn_len;
	return SSL_TLSEXT_ERR_OK;
}

#define PICK(field) (e && e->field ? e->field : c->field)

static int
load_verify(SSL_CTX *ctx, const char *ca, const char *cav, const char *crl,
            bool no_ca_names, char **err)
{
	if (ca) {
		if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
			*err = xasprintf("unable to load CA file '%s'", ca);
			return -1;
		}
		if (!no_ca_names) {
			STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);
			if (names)
				SSL_CTX_set_client_CA_list(ctx, names);
		}
	}
	if (cav && SSL_CTX_load_verify_locations(ctx, cav, NULL) != 1) {
		*err = xasprintf("unable to load CA file '%s'", cav);
		return -1;
	}
	if (crl) {
		X509_STORE *store = SSL_CTX_get_cert_store(ctx);
		X509_LOOKUP *lk = X509_STORE_add_lookup(store, X509_LOOKUP_file());
		if (lk == NULL || X509_load_crl_file(lk, crl, X509_FILETYPE_PEM) <= 0) {
			*err = xasprintf("unable to configure CRL file '%s'", crl);
			return -1;
		}
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	}
	return 0;
}

/* Applies the protocol range of o (min/max override, crt-list) to ctx
 * and returns it in *min, *max; 0, or -1 when every version is off. */
int
tls_apply_versions(SSL_CTX *ctx, const struct sslo_opts *o, enum sslo_ver min,
                   enum sslo_ver max, bool bind, int *omin, int *omax)
{
	struct tlsc_vers v;

	tlsc_versions(o, min, max, bind, &v);
	if (v.none)
		return -1;
	*omin = tls_ossl_ver(v.min);
	*omax = tls_ossl_ver(v.max);
	SSL_CTX_set_min_proto_version(ctx, *omin);
	SSL_CTX_set_max_proto_version(ctx, *omax);
	if (!v.flags_ignored) {
		/* no-tlsv1x inside the range: disable that one version */
		static const struct { enum sslo_ver v; uint64_t op; } nos[] = {
			{ SSLO_VER_SSLV3, SSL_OP_NO_SSLv3 }, { SSLO_VER_TLS10, SSL_OP_NO_TLSv1 },
			{ SSLO_VER_TLS11, SSL_OP_NO_TLSv1_1 }, { SSLO_VER_TLS12, SSL_OP_NO_TLSv1_2 },
			{ SSLO_VER_TLS13, SSL_OP_NO_TLSv1_3 },
		};
		for (size_t i = 0; i < sizeof(nos) / sizeof(nos[0]); i++)
			if (o->no_vers & SSLO_VER_NOBIT(nos[i].v))
				SSL_CTX_set_options(ctx, nos[i].op);
	}
	return 0;
}

SSL_CTX *
tls_bind_ctx_new(struct tls_bind *b, const struct tls_cert *cert,
                 const struct sslo_bind_conf *e, char **err)
{
	const struct cfg_bind *cb = b->cfg;
	const struct sslo_bind_conf *c = &cb->ssl_conf;
	const struct cfg_global *g = b->st->cfg ? b->st->cfg->global : NULL;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	struct tls_ctxinfo *i = xcalloc(1, sizeof(*i));

	if (ctx == NULL) {
		free(i);
		*err = xstrdup("unable to allocate SSL context.");
		return NULL;
	}
	SSL_CTX_set_ex_data(ctx, tls_ctxinfo_idx(), i); /* freed with ctx from here on */
	i->bind = b;
	i->crt_path = xstrdup(cert->path);
	i->kind = cert->kind;

	uint64_t ops = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	               SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION;
	if (!cb->ssl_opts.prefer_client_ciphers)
		ops |= SSL_OP_CIPHER_SERVER_PREFERENCE;
	if (cb->ssl_opts.no_tls_tickets)
		ops |= SSL_OP_NO_TICKET;
	SSL_CTX_set_options(ctx, ops);
	SSL_CTX_set_info_callback(ctx, tls_info_cb);
	/* partial writes and moving buffers: the data paths (xprt.c) retry
	 * with what is left; idle connections give their buffers back */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                      SSL_MODE_RELEASE_BUFFERS);

	if (tls_apply_versions(ctx, &cb->ssl_opts, e ? e->min_ver : SSLO_VER_UNSET,
	                       e ? e->max_ver : SSLO_VER_UNSET, true, &i->min_ver, &i->max_ver) < 0) {
		*err = xstrdup("all SSL/TLS versions are disabled");
		goto fail;
	}
	const char *ciphers = PICK(ciphers), *suites = PICK(ciphersuites);
	const char *curves = PICK(curves), *ecdhe = PICK(ecdhe);
	/* sluice's default TLS 1.2 list where nothing sets one: OpenSSL's
	 * DEFAULT in its order without the CBC (LUCKY13) and static RSA (no
	 * forward secrecy) suites that testssl.sh flags; a bind allowing
	 * older versions keeps OpenSSL's list, which they need
	 * (doc/security.md) */
	if (ciphers == NULL && i->min_ver >= TLS1_2_VERSION)
		ciphers = TLS_DEFAULT_BIND_CIPHERS;
	if (ciphers && SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
		*err = xasprintf("unable to set SSL cipher list to '%s'", ciphers);
		goto fail;
	}
	if (suites && SSL_CTX_set_ciphersuites(ctx, suites) != 1) {
		*err = xasprintf("unable to set TLS 1.3 cipher suites to '%s'", suites);
		goto fail;
	}
	const char *groups = curves ? curves : ecdhe;
	if (groups && SSL_CTX_set1_groups_list(ctx, groups) != 1) {
		*err = xasprintf(curves ? "unable to set SSL curves list to '%s'"
		                        : "unable to set elliptic named curve to '%s'", groups);
		goto fail;
	}
	i->ciphers = ciphers ? xstrdup(ciphers) : NULL;
	i->suites = suites ? xstrdup(suites) : NULL;
	i->groups = groups ? xstrdup(groups) : NULL;

	if (SSL_CTX_use_certificate(ctx, cert->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, cert->key) != 1 ||
	    tls_ctx_chain(ctx, b->st->cfg, cert->chain) < 0) {
		*err = xasprintf("unable to load SSL certificate into SSL Context '%s'.", cert->path);
		goto fail;
	}

	enum sslo_verify verify = PICK(verify);
	i->verify_mode = verify == SSLO_VERIFY_REQUIRED ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT :
	                 verify == SSLO_VERIFY_OPTIONAL ? SSL_VERIFY_PEER : SSL_VERIFY_NONE;
	SSL_CTX_set_verify(ctx, i->verify_mode, tls_verify_cb);
	if (i->verify_mode != SSL_VERIFY_NONE &&
	    load_verify(ctx, PICK(ca_file), PICK(ca_verify_file), PICK(crl_file),
	                e && e->no_ca_names ? true : c->no_ca_names, err) < 0)
		goto fail;

	tls_ctx_common(ctx, b->st->cfg, cert);
	const char *npn = PICK(npn);
	if (npn && (i->npn = tls_alpn_wire(npn, &i->npn_len)) != NULL)
		SSL_CTX_set_next_protos_advertised_cb(ctx, npn_cb, NULL);
	const char *alpn = PICK(alpn);
	bool http = b->cfg->px && b->cfg->px->mode == PX_MODE_HTTP;
	if (alpn && (i->alpn = http ? alpn_wire_http1(alpn, &i->alpn_len)
	                            : tls_alpn_wire(alpn, &i->alpn_len)) != NULL)
		SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
	if (cert->ocsp) {
		i->ocsp = xmalloc(cert->ocsp_len);
		memcpy(i->ocsp, cert->ocsp, cert->ocsp_len);
		i->ocsp_len = cert->ocsp_len;
		SSL_CTX_set_tlsext_status_cb(ctx, ocsp_cb);
	}

	/* session cache (tune.ssl.cachesize sessions, tune.ssl.lifetime
	 * seconds) and tickets: only the bind's first context keeps them,
	 * OpenSSL using the context an SSL was made with */
	static const unsigned char sid_ctx[] = "sluice";
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	int cache = g && g->tune_ssl_cachesize >= 0 ? g->tune_ssl_cachesize : 20000;
	if (cache == 0) {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	} else {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
		SSL_CTX_sess_set_cache_size(ctx, cache);
	}
	/* the cache's lifetime is the tickets' lifetime hint too; unset,
	 * OpenSSL's 7200 s stays for both, as in HAProxy */
	if (g && g->tune_ssl_lifetime)
		SSL_CTX_set_timeout(ctx, (long)g->tune_ssl_lifetime);
	if (b->ntkeys)
		SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb);
	ERR_clear_error();
	return ctx;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}
