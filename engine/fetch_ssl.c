/* TLS sample fetches of a terminated connection (HAProxy 2.6's
 * ssl_sample.c): ssl_fc_* (the connection), ssl_c_* (the client's
 * certificate) and ssl_f_* (ours), read from ctx->cli_ssl after the
 * handshake, and ssl_bc_* / ssl_s_* the same on the server connection
 * (the session's srv_ssl). Values as haproxy 2.6.12 gives them: DNs in
 * OpenSSL's old "/K=V/K=V" one-line form (or RFC 2253 on request), serials and digests
 * as binary, dates as the certificate's UTCTime text ("YYMMDDhhmmssZ").
 *
 * Also the record of verification errors behind ssl_c_err, ssl_c_ca_err
 * and ssl_c_ca_err_depth: the bind's verify callback (engine/tls_ctx.c)
 * calls tls_verify_record(). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "engine/session.h"
#include "engine/smp_rt.h"
#include "engine/tls.h"

#define FETCH(name)                                                           \
	static bool name(struct smp_run *run, const struct smp_expr *e,      \
	                 int idx, struct smp_val *v)

static void
set_int(struct smp_val *v, long long i)
{
	v->type = SMP_T_SINT;
	v->sint = i;
}

static void
set_bool(struct smp_val *v, bool b)
{
	v->type = SMP_T_BOOL;
	v->sint = b;
}

static void
set_str(struct smp_val *v, enum smp_type t, const char *p, size_t n)
{
	v->type = t;
	v->ptr = p;
	v->len = n;
}

static bool
set_chunk(struct smp_run *run, struct smp_val *v, enum smp_type t,
          const void *p, size_t n)
{
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	chunk_add(c, p, n);
	smp_val_set_chunk(v, t, c);
	return true;
}

static SSL *
cssl(const struct smp_run *run)
{
	/* OpenSSL's getters take non-const pointers in places; nothing
	 * here changes the connection */
	return (SSL *)(uintptr_t)run->ctx->cli_ssl;
}

/* ---- verification errors -------------------------------------------------- */

/* Packed in one ex_data pointer (no allocation): the first error at
 * depth 0, the first above it and its depth, each field offset by one
 * bit set so that 0 stays "nothing recorded". */
static int verr_idx = -1;
static pthread_once_t verr_once = PTHREAD_ONCE_INIT;

static void
verr_init(void)
{
	verr_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

void
tls_verify_record(SSL *ssl, int err, int depth)
{
	pthread_once(&verr_once, verr_init);
	if (!ssl || verr_idx < 0 || err <= 0)
		return;
	uintptr_t w = (uintptr_t)SSL_get_ex_data(ssl, verr_idx);
	unsigned crt = w & 0x3ffu, ca = (w >> 10) & 0x3ffu;
	unsigned dep = (w >> 20) & 0xffu;
	if (depth == 0 && crt == 0)
		crt = (unsigned)err & 0x3ffu;
	else if (depth > 0 && ca == 0) {
		ca = (unsigned)err & 0x3ffu;
		dep = (unsigned)depth & 0xffu;
	}
	w = crt | (uintptr_t)ca << 10 | (uintptr_t)dep << 20;
	SSL_set_ex_data(ssl, verr_idx, (void *)w);
}

void
tls_verify_errors(const SSL *ssl, int *crt_err, int *ca_err, int *ca_depth)
{
	pthread_once(&verr_once, verr_init);
	uintptr_t w = ssl && verr_idx >= 0 ? (uintptr_t)SSL_get_ex_data(ssl, verr_idx) : 0;
	*crt_err = (int)(w & 0x3ffu);
	*ca_err = (int)((w >> 10) & 0x3ffu);
	*ca_depth = (int)((w >> 20) & 0xffu);
}

/* ---- the connection ---------------------------------------------------------- */

FETCH(f_ssl_fc)
{
	(void)e, (void)idx;
	set_bool(v, run->ctx->cli_ssl != NULL);
	return true;
}

FETCH(f_ssl_fc_sni)
{
	SSL *s = cssl(run);
	(void)e, (void)idx;
	const char *n = s ? SSL_get_servername(s, TLSEXT_NAMETYPE_host_name) : NULL;
	if (!n)
		return false;
	set_str(v, SMP_T_STR, n, strlen(n));
	return true;
}

/* ssl_fc_has_sni, ssl_fc_is_resumed: false (not absent) without TLS,
 * as httpslog's "%[ssl_fc_is_resumed]" shows on a plain connection. */
FETCH(f_ssl_fc_has_sni)
{
	SSL *s = cssl(run);
	(void)e, (void)idx;
	set_bool(v, s && SSL_get_servername(s, TLSEXT_NAMETYPE_host_name) != NULL);
	return true;
}

FETCH(f_ssl_fc_protocol)
{
	SSL *s = cssl(run);
	(void)e, (void)idx;
	const char *p = s ? SSL_get_version(s) : NULL;
	if (!p)
		return false;
	set_str(v, SMP_T_STR, p, strlen(p));
	return true;
}

FETCH(f_ssl_fc_cipher)
{
	SSL *s = cssl(run);
	(void)e, (void)idx;
	const SSL_CIPHER *c = s ? SSL_get_current_cipher(s) : NULL;
	const char *n = c ? SSL_CIPHER_get_name(c) : NULL;
	if (!n)
		return false;
	set_str(v, SMP_T_STR, n, strlen(n));
	return true;
}

static bool
keysize(struct smp_run *run, struct smp_val *v, bool alg)
{
	SSL *s = cssl(run);
	const SSL_CIPHER *c = s ? SSL_get_current_cipher(s) : NULL;
	int a = 0;
	if (!c)
		return false;
	int u = SSL_CIPHER_get_bits(c, &a);
	set_int(v, alg ? a : u);
	return true;
}

FETCH(f_ssl_fc_alg_keysize) { (void)e, (void)idx; return keysize(run, v, true); }
FETCH(f_ssl_fc_use_keysize) { (void)e, (void)idx; return keysize(run, v, false); }

FETCH(f_ssl_fc_alpn)
{
	SSL *s = cssl(run);
	const unsigned char *p = NULL;
	unsigned n = 0;
	(void)e, (void)idx;
	if (!s)
		return false;
	SSL_get0_alpn_selected(s, &p, &n);
	if (!p || !n)
		return false;
	set_str(v, SMP_T_STR, (const char *)p, n);
	return true;
}

FETCH(f_ssl_fc_is_resumed)
{
	SSL *s = cssl(run);
	(void)e, (void)idx;
	set_bool(v, s && SSL_session_reused(s));
	return true;
}

FETCH(f_ssl_fc_has_crt)
{
	SSL *s = cssl(run);
	(void)e, (void)idx;
	if (!s)
		return false;
	set_bool(v, SSL_get0_peer_certificate(s) != NULL);
	return true;
}

FETCH(f_ssl_fc_session_id)
{
	SSL *s = cssl(run);
	SSL_SESSION *ss = s ? SSL_get_session(s) : NULL;
	unsigned n = 0;
	(void)e, (void)idx;
	if (!ss)
		return false;
	const unsigned char *id = SSL_SESSION_get_id(ss, &n);
	if (!id || !n)
		return false;
	return set_chunk(run, v, SMP_T_BIN, id, n);
}

static bool
randoms(struct smp_run *run, struct smp_val *v, bool client)
{
	SSL *s = cssl(run);
	unsigned char buf[SSL3_RANDOM_SIZE];
	if (!s)
		return false;
	size_t n = client ? SSL_get_client_random(s, buf, sizeof(buf))
	                  : SSL_get_server_random(s, buf, sizeof(buf));
	if (!n)
		return false;
	return set_chunk(run, v, SMP_T_BIN, buf, n);
}

FETCH(f_ssl_fc_client_random) { (void)e, (void)idx; return randoms(run, v, true); }
FETCH(f_ssl_fc_server_random) { (void)e, (void)idx; return randoms(run, v, false); }

/* fc_err / ssl_fc_err: the connection was established, so no error. */
FETCH(f_ssl_fc_err)
{
	(void)e, (void)idx;
	if (!run->ctx->cli_ssl)
		return false;
	set_int(v, 0);
	return true;
}

/* No early data is accepted (0-RTT is not enabled): false over TLS. */
FETCH(f_ssl_fc_has_early)
{
	(void)e, (void)idx;
	if (!run->ctx->cli_ssl)
		return false;
	set_bool(v, false);
	return true;
}

/* NPN is never negotiated: no value, as HAProxy without "npn". */
FETCH(f_ssl_fc_npn)
{
	(void)run, (void)e, (void)idx, (void)v;
	return false;
}

/* tls-unique (RFC 5929): the first Finished message of the handshake,
 * the client's on a full handshake, ours on a resumed one; back is the
 * server side, where the roles swap (HAProxy's choice). */
static bool
unique_id(struct smp_run *run, struct smp_val *v, bool back)
{
	SSL *s = cssl(run);
	unsigned char buf[64];
	if (!s)
		return false;
	size_t n = (!SSL_session_reused(s) == back) ? SSL_get_finished(s, buf, sizeof(buf))
	                                            : SSL_get_peer_finished(s, buf, sizeof(buf));
	if (n == 0 || n > sizeof(buf))
		return false;
	return set_chunk(run, v, SMP_T_BIN, buf, n);
}

FETCH(f_ssl_fc_unique_id) { (void)e, (void)idx; return unique_id(run, v, false); }
FETCH(f_ssl_bc_unique_id_raw) { (void)e, (void)idx; return unique_id(run, v, true); }

/* The peer's chain as DER certificates one after the other (OpenSSL
 * leaves the leaf out of it on the server side, keeps it on the client
 * side, as HAProxy shows). */
FETCH(f_ssl_c_chain_der)
{
	SSL *s = cssl(run);
	(void)e, (void)idx;
	STACK_OF(X509) *ch = s ? SSL_get_peer_cert_chain(s) : NULL;
	if (!ch)
		return false;
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	for (int i = 0; i < sk_X509_num(ch); i++) {
		unsigned char *der = NULL;
		int n = i2d_X509(sk_X509_value(ch, i), &der);
		if (n > 0)
			chunk_add(c, der, (size_t)n);
		OPENSSL_free(der);
	}
	smp_val_set_chunk(v, SMP_T_BIN, c);
	return true;
}

/* fc_err: a connection being evaluated was established without error. */
FETCH(f_fc_err)
{
	(void)run, (void)e, (void)idx;
	set_int(v, 0);
	return true;
}

/* ---- certificates ------------------------------------------------------------ */

/* The client's certificate (peer) or ours (frontend). */
static X509 *
cert_of(struct smp_run *run, bool peer)
{
	SSL *s = cssl(run);
	if (!s)
		return NULL;
	return peer ? SSL_get0_peer_certificate(s) : SSL_get_certificate(s);
}

FETCH(f_ssl_c_used)
{
	(void)e, (void)idx;
	if (!run->ctx->cli_ssl)
		return false;
	set_bool(v, cert_of(run, true) != NULL);
	return true;
}

FETCH(f_ssl_c_verify)
{
	SSL *s = cssl(run);
	(void)e, (void)idx;
	if (!s)
		return false;
	set_int(v, SSL_get_verify_result(s));
	return true;
}

static bool
verr(struct smp_run *run, struct smp_val *v, int which)
{
	int crt, ca, depth;
	if (!run->ctx->cli_ssl)
		return false;
	tls_verify_errors(run->ctx->cli_ssl, &crt, &ca, &depth);
	set_int(v, which == 0 ? crt : which == 1 ? ca : depth);
	return true;
}

FETCH(f_ssl_c_err) { (void)e, (void)idx; return verr(run, v, 0); }
FETCH(f_ssl_c_ca_err) { (void)e, (void)idx; return verr(run, v, 1); }
FETCH(f_ssl_c_ca_err_depth) { (void)e, (void)idx; return verr(run, v, 2); }

/* HAProxy's ssl_sock_get_dn_oneline(): "/SN=value" per entry. */
static void
dn_oneline(struct smp_chunk *c, const X509_NAME *nm)
{
	int n = X509_NAME_entry_count(nm);
	for (int i = 0; i < n; i++) {
		const X509_NAME_ENTRY *ne = X509_NAME_get_entry(nm, i);
		const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(ne);
		const ASN1_STRING *d = X509_NAME_ENTRY_get_data(ne);
		char tmp[128];
		int nid = OBJ_obj2nid(obj);
		const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
		if (!sn) {
			OBJ_obj2txt(tmp, sizeof(tmp), obj, 0);
			sn = tmp;
		}
		chunk_addc(c, '/');
		chunk_add(c, sn, strlen(sn));
		chunk_addc(c, '=');
		chunk_add(c, ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d));
	}
}

/* HAProxy's ssl_sock_get_dn_entry(): the pos-th (from 1, negative from
 * the end) entry named entry (short or long name, or OID). */
static bool
dn_entry(struct smp_chunk *c, const X509_NAME *nm, const char *entry, long long pos)
{
	int n = X509_NAME_entry_count(nm), cur = 0;
	if (pos == 0)
		return false;
	for (int k = 0; k < n; k++) {
		int i = pos < 0 ? n - 1 - k : k;
		const X509_NAME_ENTRY *ne = X509_NAME_get_entry(nm, i);
		const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(ne);
		char tmp[128];
		int nid = OBJ_obj2nid(obj);
		const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
		if (!sn) {
			OBJ_obj2txt(tmp, sizeof(tmp), obj, 0);
			sn = tmp;
		}
		if (strcasecmp(sn, entry) != 0)
			continue;
		if (++cur != (pos < 0 ? -pos : pos))
			continue;
		const ASN1_STRING *d = X509_NAME_ENTRY_get_data(ne);
		chunk_add(c, ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d));
		return true;
	}
	return false;
}

static bool
dn_fetch(struct smp_run *run, const struct smp_expr *e, struct smp_val *v,
         bool peer, bool subject)
{
	X509 *x = cert_of(run, peer);
	if (!x)
		return false;
	const X509_NAME *nm = subject ? X509_get_subject_name(x) : X509_get_issuer_name(x);
	struct smp_chunk *c = smp_run_out(run, NULL, NULL);
	const char *entry = e->nargs >= 1 ? e->args[0].str : NULL;
	const char *fmt = e->nargs >= 3 ? e->args[2].str : NULL;
	if (entry && *entry) {
		long long pos = e->nargs >= 2 && e->args[1].type == SMP_ARG_SINT
		                    ? e->args[1].sint : 1;
		if (!dn_entry(c, nm, entry, pos))
			return false;
	} else if (fmt && strcmp(fmt, "rfc2253") == 0) {
		BIO *b = BIO_new(BIO_s_mem());
		char *p;
		if (!b)
			return false;
		X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253);
		long n = BIO_get_mem_data(b, &p);
		chunk_add(c, p, n > 0 ? (size_t)n : 0);
		BIO_free(b);
	} else {
		dn_oneline(c, nm);
	}
	if (c->len == 0)
		return false;
	smp_val_set_chunk(v, SMP_T_STR, c);
	return true;
}

FETCH(f_ssl_c_s_dn) { (void)idx; return dn_fetch(run, e, v, true, true); }
FETCH(f_ssl_c_i_dn) { (void)idx; return dn_fetch(run, e, v, true, false); }
FETCH(f_ssl_f_s_dn) { (void)idx; return dn_fetch(run, e, v, false, true); }
FETCH(f_ssl_f_i_dn) { (void)idx; return dn_fetch(run, e, v, false, false); }

static bool
serial_fetch(struct smp_run *run, struct smp_val *v, bool peer)
{
	X509 *x = cert_of(run, peer);
	const ASN1_INTEGER *sn = x ? X509_get0_serialNumber(x) : NULL;
	if (!sn)
		return false;
	return set_chunk(run, v, SMP_T_BIN, ASN1_STRING_get0_data(sn),
	                 (size_t)ASN1_STRING_length(sn));
}

FETCH(f_ssl_c_serial) { (void)e, (void)idx; return serial_fetch(run, v, true); }
FETCH(f_ssl_f_serial) { (void)e, (void)idx; return serial_fetch(run, v, false); }

static bool
sha1_fetch(struct smp_run *run, struct smp_val *v, bool peer)
{
	X509 *x = cert_of(run, peer);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (!x || !X509_digest(x, EVP_sha1(), md, &n))
		return false;
	return set_chunk(run, v, SMP_T_BIN, md, n);
}

FETCH(f_ssl_c_sha1) { (void)e, (void)idx; return sha1_fetch(run, v, true); }
FETCH(f_ssl_f_sha1) { (void)e, (void)idx; return sha1_fetch(run, v, false); }

static bool
der_fetch(struct smp_run *run, struct smp_val *v, bool peer)
{
	X509 *x = cert_of(run, peer);
	unsigned char *der = NULL;
	if (!x)
		return false;
	int n = i2d_X509(x, &der);
	if (n <= 0)
		return false;
	set_chunk(run, v, SMP_T_BIN, der, (size_t)n);
	OPENSSL_free(der);
	return true;
}

FETCH(f_ssl_c_der) { (void)e, (void)idx; return der_fetch(run, v, true); }
FETCH(f_ssl_f_der) { (void)e, (void)idx; return der_fetch(run, v, false); }

/* HAProxy's ssl_sock_get_time(): a UTCTime as written, a
 * GeneralizedTime of the 2000s without its century. */
static bool
time_fetch(struct smp_run *run, struct smp_val *v, bool peer, bool after)
{
	X509 *x = cert_of(run, peer);
	const ASN1_TIME *t = x ? (after ? X509_get0_notAfter(x) : X509_get0_notBefore(x)) : NULL;
	if (!t)
		return false;
	const unsigned char *d = ASN1_STRING_get0_data(t);
	int n = ASN1_STRING_length(t);
	if (ASN1_STRING_type(t) == V_ASN1_GENERALIZEDTIME) {
		if (n < 12 || d[0] != '2' || d[1] != '0')
			return false;
		return set_chunk(run, v, SMP_T_STR, d + 2, (size_t)n - 2);
	}
	if (n < 10 || d[0] >= '5')
		return false;
	return set_chunk(run, v, SMP_T_STR, d, (size_t)n);
}

FETCH(f_ssl_c_notafter) { (void)e, (void)idx; return time_fetch(run, v, true, true); }
FETCH(f_ssl_c_notbefore) { (void)e, (void)idx; return time_fetch(run, v, true, false); }
FETCH(f_ssl_f_notafter) { (void)e, (void)idx; return time_fetch(run, v, false, true); }
FETCH(f_ssl_f_notbefore) { (void)e, (void)idx; return time_fetch(run, v, false, false); }

static bool
version_fetch(struct smp_run *run, struct smp_val *v, bool peer)
{
	X509 *x = cert_of(run, peer);
	if (!x)
		return false;
	set_int(v, X509_get_version(x) + 1);
	return true;
}

FETCH(f_ssl_c_version) { (void)e, (void)idx; return version_fetch(run, v, true); }
FETCH(f_ssl_f_version) { (void)e, (void)idx; return version_fetch(run, v, false); }

static bool
alg_fetch(struct smp_run *run, struct smp_val *v, bool peer, bool key)
{
	X509 *x = cert_of(run, peer);
	int nid;
	if (!x)
		return false;
	if (key) {
		const ASN1_OBJECT *o = NULL;
		X509_PUBKEY *pk = X509_get_X509_PUBKEY(x);
		if (!pk || !X509_PUBKEY_get0_param((ASN1_OBJECT **)&o, NULL, NULL, NULL, pk))
			return false;
		nid = OBJ_obj2nid(o);
	} else {
		nid = X509_get_signature_nid(x);
	}
	const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
	if (!sn)
		return false;
	set_str(v, SMP_T_STR, sn, strlen(sn));
	return true;
}

FETCH(f_ssl_c_sig_alg) { (void)e, (void)idx; return alg_fetch(run, v, true, false); }
FETCH(f_ssl_c_key_alg) { (void)e, (void)idx; return alg_fetch(run, v, true, true); }
FETCH(f_ssl_f_sig_alg) { (void)e, (void)idx; return alg_fetch(run, v, false, false); }
FETCH(f_ssl_f_key_alg) { (void)e, (void)idx; return alg_fetch(run, v, false, true); }

/* ---- the server side (ssl_bc_*, ssl_s_*) ----------------------------------- */

/* Runs a client-side fetch on the server connection's TLS (the
 * session's srv_ssl): ssl_bc_* are ssl_fc_*, ssl_s_* are ssl_c_* (the
 * peer's certificate) there. */
static bool
on_server(struct smp_run *run, const struct smp_expr *e, int idx,
          struct smp_val *v, smp_fetch_fn fn)
{
	struct smp_ctx *c = run->ctx;
	const struct ssl_st *keep = c->cli_ssl;
	c->cli_ssl = c->sess ? c->sess->srv_ssl : NULL;
	bool ok = fn(run, e, idx, v);
	c->cli_ssl = keep;
	return ok;
}

#define BC(name, fn)                                                          \
	FETCH(name) { return on_server(run, e, idx, v, fn); }
BC(b_ssl, f_ssl_fc)
BC(b_alg_keysize, f_ssl_fc_alg_keysize)
BC(b_alpn, f_ssl_fc_alpn)
BC(b_cipher, f_ssl_fc_cipher)
BC(b_client_random, f_ssl_fc_client_random)
BC(b_err, f_ssl_fc_err)
BC(b_is_resumed, f_ssl_fc_is_resumed)
BC(b_protocol, f_ssl_fc_protocol)
BC(b_server_random, f_ssl_fc_server_random)
BC(b_session_id, f_ssl_fc_session_id)
BC(b_use_keysize, f_ssl_fc_use_keysize)
BC(s_der, f_ssl_c_der)
BC(s_i_dn, f_ssl_c_i_dn)
BC(s_key_alg, f_ssl_c_key_alg)
BC(s_notafter, f_ssl_c_notafter)
BC(s_notbefore, f_ssl_c_notbefore)
BC(s_s_dn, f_ssl_c_s_dn)
BC(s_serial, f_ssl_c_serial)
BC(s_sha1, f_ssl_c_sha1)
BC(s_sig_alg, f_ssl_c_sig_alg)
BC(s_version, f_ssl_c_version)
BC(s_chain_der, f_ssl_c_chain_der)
BC(b_unique_id, f_ssl_bc_unique_id_raw)
BC(b_npn, f_ssl_fc_npn)
#undef BC

const struct smp_fetch_impl smp_fetch_ssl[] = {
	{ "ssl_bc", b_ssl }, { "ssl_bc_alg_keysize", b_alg_keysize },
	{ "ssl_bc_alpn", b_alpn }, { "ssl_bc_cipher", b_cipher },
	{ "ssl_bc_client_random", b_client_random }, { "ssl_bc_err", b_err },
	{ "ssl_bc_is_resumed", b_is_resumed }, { "ssl_bc_protocol", b_protocol },
	{ "ssl_bc_server_random", b_server_random },
	{ "ssl_bc_session_id", b_session_id }, { "ssl_bc_use_keysize", b_use_keysize },
	{ "ssl_s_der", s_der }, { "ssl_s_i_dn", s_i_dn }, { "ssl_s_key_alg", s_key_alg },
	{ "ssl_s_notafter", s_notafter }, { "ssl_s_notbefore", s_notbefore },
	{ "ssl_s_s_dn", s_s_dn }, { "ssl_s_serial", s_serial }, { "ssl_s_sha1", s_sha1 },
	{ "ssl_s_sig_alg", s_sig_alg }, { "ssl_s_version", s_version },
	{ "ssl_s_chain_der", s_chain_der }, { "ssl_bc_unique_id", b_unique_id },
	{ "ssl_bc_npn", b_npn }, { "ssl_c_chain_der", f_ssl_c_chain_der },
	{ "ssl_fc_has_early", f_ssl_fc_has_early }, { "ssl_fc_npn", f_ssl_fc_npn },
	{ "ssl_fc_unique_id", f_ssl_fc_unique_id },
	{ "fc_err", f_fc_err },
	{ "ssl_c_ca_err", f_ssl_c_ca_err }, { "ssl_c_ca_err_depth", f_ssl_c_ca_err_depth },
	{ "ssl_c_der", f_ssl_c_der }, { "ssl_c_err", f_ssl_c_err },
	{ "ssl_c_i_dn", f_ssl_c_i_dn }, { "ssl_c_key_alg", f_ssl_c_key_alg },
	{ "ssl_c_notafter", f_ssl_c_notafter }, { "ssl_c_notbefore", f_ssl_c_notbefore },
	{ "ssl_c_s_dn", f_ssl_c_s_dn }, { "ssl_c_serial", f_ssl_c_serial },
	{ "ssl_c_sha1", f_ssl_c_sha1 }, { "ssl_c_sig_alg", f_ssl_c_sig_alg },
	{ "ssl_c_used", f_ssl_c_used }, { "ssl_c_verify", f_ssl_c_verify },
	{ "ssl_c_version", f_ssl_c_version },
	{ "ssl_f_der", f_ssl_f_der }, { "ssl_f_i_dn", f_ssl_f_i_dn },
	{ "ssl_f_key_alg", f_ssl_f_key_alg }, { "ssl_f_notafter", f_ssl_f_notafter },
	{ "ssl_f_notbefore", f_ssl_f_notbefore }, { "ssl_f_s_dn", f_ssl_f_s_dn },
	{ "ssl_f_serial", f_ssl_f_serial }, { "ssl_f_sha1", f_ssl_f_sha1 },
	{ "ssl_f_sig_alg", f_ssl_f_sig_alg }, { "ssl_f_version", f_ssl_f_version },
	{ "ssl_fc", f_ssl_fc }, { "ssl_fc_alg_keysize", f_ssl_fc_alg_keysize },
	{ "ssl_fc_alpn", f_ssl_fc_alpn }, { "ssl_fc_cipher", f_ssl_fc_cipher },
	{ "ssl_fc_client_random", f_ssl_fc_client_random },
	{ "ssl_fc_err", f_ssl_fc_err }, { "ssl_fc_has_crt", f_ssl_fc_has_crt },
	{ "ssl_fc_has_sni", f_ssl_fc_has_sni }, { "ssl_fc_is_resumed", f_ssl_fc_is_resumed },
	{ "ssl_fc_protocol", f_ssl_fc_protocol },
	{ "ssl_fc_server_random", f_ssl_fc_server_random },
	{ "ssl_fc_session_id", f_ssl_fc_session_id }, { "ssl_fc_sni", f_ssl_fc_sni },
	{ "ssl_fc_use_keysize", f_ssl_fc_use_keysize },
	{ NULL, NULL },
};
