/* engine/tls*.c: contexts built from small configurations with
 * certificates made at setup (a test CA, EC and RSA leaves) in a temp
 * directory, and complete handshakes between the bind's SSL and a
 * client SSL over a socketpair: SNI choice, default, wildcard,
 * strict-sni, crt-list filters and [options], ECDSA vs RSA, client
 * verification, OCSP stapling, session resumption (cache, tickets,
 * ticket keys), server side (verify, verifyhost, reuse), errors. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "engine/tls.h"
#include "engine/tls_int.h"
#include "lib/util.h"
#include "parser/cfg.h"
#include "parser/diag.h"
#include "parser/proxy.h"

Suite *suite_tls(void);

static char dir[64];
static X509 *ca;
static EVP_PKEY *ca_key;

static char *
path(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void
write_pem(const char *name, X509 *x, EVP_PKEY *k, bool key_apart)
{
	char *p = path(name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	PEM_write_X509(f, x);
	if (k && !key_apart)
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	if (k && key_apart) {
		char *kp = xasprintf("%s.key", p);
		f = fopen(kp, "w");
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
		fclose(f);
		free(kp);
	}
	free(p);
}

/* A certificate for cn (+ DNS sans, comma-separated) signed by the test
 * CA (or self-signed), written as name (cert then key). */
static X509 *
make(const char *name, const char *cn, const char *sans, bool rsa, bool self, bool key_apart,
     EVP_PKEY **kout)
{
	static long serial = 2;
	EVP_PKEY *k = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	X509 *x = X509_new();
	ck_assert_ptr_nonnull(k);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME *nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, self || ca == NULL ? nm : X509_get_subject_name(ca));
	X509V3_CTX v3;
	X509V3_set_ctx(&v3, self || ca == NULL ? x : ca, x, NULL, NULL, 0);
	if (sans) {
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, sans);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	if (ca == NULL || self) {
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	ck_assert_int_gt(X509_sign(x, self || ca == NULL ? k : ca_key, EVP_sha256()), 0);
	write_pem(name, x, k, key_apart);
	if (kout)
		*kout = k;
	else
		EVP_PKEY_free(k);
	return x;
}

/* A "good" OCSP response for leaf, signed by the CA, as <name>.ocsp. */
static void
make_ocsp(const char *name, X509 *leaf)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, leaf, ca);
	ASN1_TIME *now = X509_gmtime_adj(NULL, 0), *next = X509_gmtime_adj(NULL, 3600);
	ck_assert_ptr_nonnull(OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, 0, NULL, now, next));
	ck_assert_int_eq(OCSP_basic_sign(bs, ca, ca_key, EVP_sha256(), NULL, 0), 1);
	OCSP_RESPONSE *r = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	char *p = xasprintf("%s/%s.ocsp", dir, name);
	FILE *f = fopen(p, "wb");
	unsigned char *der = NULL;
	int n = i2d_OCSP_RESPONSE(r, &der);
	fwrite(der, 1, (size_t)n, f);
	fclose(f);
	OPENSSL_free(der);
	free(p);
	OCSP_RESPONSE_free(r);
	OCSP_CERTID_free(id);
	OCSP_BASICRESP_free(bs);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
}

/* text with each "@D" replaced by the temp directory (allocated). */
static char *
expand(const char *text)
{
	char *t = xstrdup(text);

	for (char *p; (p = strstr(t, "@D")) != NULL;) {
		*p = '\0';
		char *n = xasprintf("%s%s%s", t, dir, p + 2);
		free(t);
		t = n;
	}
	return t;
}

static void
write_file(const char *name, const char *text)
{
	char *p = path(name), *t = expand(text);
	FILE *f = fopen(p, "w");
	fputs(t, f);
	fclose(f);
	free(p);
	free(t);
}

static void
setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/sluice-tls-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ca = make("ca.pem", "Test CA", NULL, false, true, false, &ca_key);
	X509_free(make("a.pem", "a.test", "DNS:a.test", false, false, false, NULL));
	X509_free(make("b.pem", "b.test", "DNS:b.test,DNS:bb.test", false, false, true, NULL));
	X509_free(make("w.pem", "*.w.test", "DNS:*.w.test", false, false, false, NULL));
	X509_free(make("e.pem", "ea.test", "DNS:ea.test", false, false, false, NULL));
	X509_free(make("r.pem", "ea.test", "DNS:ea.test", true, false, false, NULL));
	X509 *o = make("o.pem", "o.test", "DNS:o.test", false, false, false, NULL);
	make_ocsp("o.pem", o);
	X509_free(o);
	write_pem("o.pem.issuer", ca, NULL, false);
	X509_free(make("g.pem", "g.test", "DNS:g.test", false, false, false, NULL));
	write_file("g.pem.ocsp", "garbage\n");
	write_pem("g.pem.issuer", ca, NULL, false);
	X509_free(make("n.pem", "n.test", "DNS:n.test", false, false, false, NULL));
	write_file("n.pem.ocsp", "garbage\n");
	X509_free(make("client.pem", "client", NULL, false, false, false, NULL));
	X509_free(make("rogue.pem", "rogue", NULL, false, true, false, NULL));
	char *d = path("d");
	mkdir(d, 0700);
	free(d);
	X509_free(make("d/2.pem", "d2.test", "DNS:d2.test", false, false, false, NULL));
	X509_free(make("d/1.pem", "d1.test", "DNS:d1.test", false, false, false, NULL));
	write_file("d/1.pem.ocsp.sctl", "ignored\n");
	/* ticket keys: three AES-128 keys */
	char *tk = path("tk");
	FILE *f = fopen(tk, "w");
	for (int i = 0; i < 3; i++) {
		unsigned char raw[48], b64[80];
		RAND_bytes(raw, sizeof(raw));
		EVP_EncodeBlock(b64, raw, sizeof(raw));
		fprintf(f, "%s\n", b64);
	}
	fclose(f);
	free(tk);
}

static void
teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
}

/* ---- helpers ---- */

static struct diag d;
static struct cfg *cfg;
static struct tls_store *st;

/* Loads config text ("@D" = the temp directory) and builds the store. */
static struct tls_store *
load(const char *text, bool check_files)
{
	struct cfg_opts o = { .check_files = check_files };
	char *t = expand(text);
	memset(&d, 0, sizeof(d));
	cfg = cfg_load_string("t.cfg", t, strlen(t), &o, true, &d);
	free(t);
	if (cfg == NULL) {
		diag_print(&d, stderr);
		return NULL;
	}
	st = tls_store_new(cfg, &d);
	return st;
}

static void
unload(void)
{
	tls_store_free(st);
	cfg_free(cfg);
	diag_free(&d);
	st = NULL;
	cfg = NULL;
}

#define FE "defaults\n mode tcp\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n" \
           "frontend f\n"

static struct tls_bind *
bind0(void)
{
	ck_assert_ptr_nonnull(st);
	struct tls_bind *b = tls_store_bind(st, cfg->proxies.v[0]->binds.v[0]);
	ck_assert_ptr_nonnull(b);
	return b;
}

static SSL_CTX *
client_ctx(void)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
	return c;
}

/* Runs both handshakes to the end over a socketpair. True when both
 * sides succeeded. */
static bool
shake(SSL *s, SSL *c)
{
	bool sd = false, cd = false;

	for (int i = 0; i < 200 && !(sd && cd); i++) {
		if (!sd) {
			int r = SSL_do_handshake(s);
			if (r == 1)
				sd = true;
			else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ &&
			         SSL_get_error(s, r) != SSL_ERROR_WANT_WRITE)
				break;
		}
		if (!cd) {
			int r = SSL_do_handshake(c);
			if (r == 1)
				cd = true;
			else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ &&
			         SSL_get_error(c, r) != SSL_ERROR_WANT_WRITE)
				break;
		}
	}
	ERR_clear_error();
	return sd && cd;
}

struct conn {
	SSL *s, *c;
	int fd[2];
	bool ok;
};

static void
conn_open(struct conn *k, struct tls_bind *b, SSL_CTX *cctx, const char *sni)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, k->fd), 0);
	fcntl(k->fd[0], F_SETFL, O_NONBLOCK);
	fcntl(k->fd[1], F_SETFL, O_NONBLOCK);
	k->s = tls_bind_new_ssl(b, k->fd[0]);
	ck_assert_ptr_nonnull(k->s);
	k->c = SSL_new(cctx);
	SSL_set_fd(k->c, k->fd[1]);
	SSL_set_connect_state(k->c);
	if (sni)
		SSL_set_tlsext_host_name(k->c, sni);
}

static void
conn_close(struct conn *k)
{
	/* a clean close: OpenSSL forgets sessions of connections freed
	 * without a close_notify */
	if (SSL_is_init_finished(k->s))
		SSL_shutdown(k->s);
	if (SSL_is_init_finished(k->c))
		SSL_shutdown(k->c);
	ERR_clear_error();
	SSL_free(k->s);
	SSL_free(k->c);
	close(k->fd[0]);
	close(k->fd[1]);
}

/* The CN of the certificate the client got for sni ("" on failure). */
static const char *
served(struct tls_bind *b, SSL_CTX *cctx, const char *sni)
{
	static char cn[128];
	struct conn k;

	cn[0] = '\0';
	conn_open(&k, b, cctx, sni);
	if (shake(k.s, k.c)) {
		X509 *x = SSL_get0_peer_certificate(k.c);
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	}
	conn_close(&k);
	return cn;
}

/* ---- tests ---- */

START_TEST(sni_picks_each_cert)
{
	load(FE " bind 127.0.0.1:1 ssl crt @D/a.pem crt @D/b.pem crt @D/w.pem\n", true);
	struct tls_bind *b = bind0();
	SSL_CTX *c = client_ctx();
	ck_assert_str_eq(served(b, c, "a.test"), "a.test");
	ck_assert_str_eq(served(b, c, "b.test"), "b.test");
	ck_assert_str_eq(served(b, c, "BB.test"), "b.test"); /* SAN, any case */
	ck_assert_str_eq(served(b, c, NULL), "a.test");      /* the first is the default */
	ck_assert_str_eq(served(b, c, "none.test"), "a.test");
	ck_assert_str_eq(served(b, c, "x.w.test"), "*.w.test");
	ck_assert_str_eq(served(b, c, "y.x.w.test"), "a.test"); /* one label only */
	ck_assert_str_eq(served(b, c, "w.test"), "a.test");
	SSL_CTX_free(c);
	unload();
}
END_TEST

START_TEST(served_crt_name)
{
	load(FE " bind 127.0.0.1:1 ssl crt @D/a.pem crt @D/b.pem\n", true);
	struct tls_bind *b = bind0();
	SSL_CTX *c = client_ctx();
	struct conn k;
	conn_open(&k, b, c, "bb.test");
	ck_assert(shake(k.s, k.c));
	char *want = path("b.pem");
	ck_assert_str_eq(tls_served_crt(k.s), want);
	free(want);
	conn_close(&k);
	SSL_CTX_free(c);
	unload();
}
END_TEST

START_TEST(strict_sni_refuses)
{
	load(FE " bind 127.0.0.1:1 ssl crt @D/a.pem crt @D/b.pem strict-sni\n", true);
	struct tls_bind *b = bind0();
	SSL_CTX *c = client_ctx();
	ck_assert_str_eq(served(b, c, "b.test"), "b.test");
	ck_assert_str_eq(served(b, c, "none.test"), "");
	ck_assert_str_eq(served(b, c, NULL), "");
	SSL_CTX_free(c);
	unload();
}
END_TEST

START_TEST(crtlist_filters_and_options)
{
	write_file("l1", "@D/a.pem [alpn h2 ssl-min-ver TLSv1.3] a.test foo.test\n"
	                 "@D/b.pem *.b.test !x.b.test\n"
	                 "@D/w.pem\n");
	load(FE " bind 127.0.0.1:1 ssl crt-list @D/l1 alpn http/1.1\n", true);
	struct tls_bind *b = bind0();
	SSL_CTX *c = client_ctx();
	ck_assert_str_eq(served(b, c, "foo.test"), "a.test");   /* a filter */
	ck_assert_str_eq(served(b, c, "y.b.test"), "b.test");   /* wildcard filter */
	ck_assert_str_eq(served(b, c, "x.b.test"), "a.test");   /* excluded: default */
	ck_assert_str_eq(served(b, c, "b.test"), "a.test");     /* filters replace the names */
	ck_assert_str_eq(served(b, c, "q.w.test"), "*.w.test"); /* no filter: its names */

	/* per-line options: ALPN h2 and TLSv1.3 for foo.test only */
	static const unsigned char protos[] = "\x02h2\x08http/1.1";
	SSL_CTX_set_alpn_protos(c, protos, sizeof(protos) - 1);
	struct conn k;
	const unsigned char *sel;
	unsigned sl;
	conn_open(&k, b, c, "foo.test");
	ck_assert(shake(k.s, k.c));
	SSL_get0_alpn_selected(k.c, &sel, &sl);
	ck_assert_uint_eq(sl, 2);
	ck_assert_int_eq(memcmp(sel, "h2", 2), 0);
	ck_assert_int_eq(SSL_version(k.c), TLS1_3_VERSION);
	conn_close(&k);
	conn_open(&k, b, c, "y.b.test"); /* the bind's alpn */
	ck_assert(shake(k.s, k.c));
	SSL_get0_alpn_selected(k.c, &sel, &sl);
	ck_assert_uint_eq(sl, 8);
	ck_assert_int_eq(memcmp(sel, "http/1.1", 8), 0);
	conn_close(&k);
	SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
	ck_assert_str_eq(served(b, c, "foo.test"), "");        /* ssl-min-ver TLSv1.3 */
	ck_assert_str_eq(served(b, c, "y.b.test"), "b.test");
	SSL_CTX_free(c);
	unload();
}
END_TEST

START_TEST(ecdsa_or_rsa)
{
	load(FE " bind 127.0.0.1:1 ssl crt @D/a.pem crt @D/r.pem crt @D/e.pem\n", true);
	struct tls_bind *b = bind0();
	SSL_CTX *c = client_ctx();
	struct conn k;
	conn_open(&k, b, c, "ea.test");
	ck_assert(shake(k.s, k.c));
	ck_assert_int_eq(EVP_PKEY_get_base_id(X509_get0_pubkey(SSL_get0_peer_certificate(k.c))), EVP_PKEY_EC);
	conn_close(&k);
	ck_assert_int_eq(SSL_CTX_set1_sigalgs_list(c, "rsa_pss_rsae_sha256:RSA+SHA256"), 1);
	conn_open(&k, b, c, "ea.test");
	ck_assert(shake(k.s, k.c));
	ck_assert_int_eq(EVP_PKEY_get_base_id(X509_get0_pubkey(SSL_get0_peer_certificate(k.c))), EVP_PKEY_RSA);
	conn_close(&k);
	SSL_CTX_free(c);
	/* HAProxy 2.6 wants an ECDSA TLSv1.2 suite in the hello: a client
	 * offering TLSv1.3 alone gets RSA */
	c = client_ctx();
	SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
	conn_open(&k, b, c, "ea.test");
	ck_assert(shake(k.s, k.c));
	ck_assert_int_eq(EVP_PKEY_get_base_id(X509_get0_pubkey(SSL_get0_peer_certificate(k.c))), EVP_PKEY_RSA);
	conn_close(&k);
	SSL_CTX_free(c);
	unload();
}
END_TEST

START_TEST(bundle_naming)
{
	char *cmd = xasprintf("cp %s/e.pem %s/x.pem.ecdsa && cp %s/r.pem %s/x.pem.rsa", dir, dir, dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	load(FE " bind 127.0.0.1:1 ssl crt @D/x.pem\n", true);
	struct tls_bind *b = bind0();
	ck_assert_uint_eq(b->crts.n, 2);
	SSL_CTX *c = client_ctx();
	SSL_CTX_set1_sigalgs_list(c, "rsa_pss_rsae_sha256:RSA+SHA256");
	ck_assert_str_eq(served(b, c, "ea.test"), "ea.test");
	struct conn k;
	conn_open(&k, b, c, "ea.test");
	ck_assert(shake(k.s, k.c));
	ck_assert_int_eq(EVP_PKEY_get_base_id(X509_get0_pubkey(SSL_get0_peer_certificate(k.c))), EVP_PKEY_RSA);
	conn_close(&k);
	SSL_CTX_free(c);
	unload();
}
END_TEST

START_TEST(directory_in_name_order)
{
	load(FE " bind 127.0.0.1:1 ssl crt @D/d\n", true);
	struct tls_bind *b = bind0();
	ck_assert_uint_eq(b->crts.n, 2);
	SSL_CTX *c = client_ctx();
	ck_assert_str_eq(served(b, c, NULL), "d1.test");
	ck_assert_str_eq(served(b, c, "d2.test"), "d2.test");
	SSL_CTX_free(c);
	unload();
}
END_TEST

START_TEST(client_verification)
{
	load(FE " bind 127.0.0.1:1 ssl crt @D/a.pem verify required ca-file @D/ca.pem\n"
	        " bind 127.0.0.1:1 ssl crt @D/a.pem verify optional ca-file @D/ca.pem\n"
	        " bind 127.0.0.1:1 ssl crt @D/a.pem verify required ca-file @D/ca.pem crt-ignore-err all\n", true);
	struct tls_bind *req = bind0();
	struct tls_bind *opt = tls_store_bind(st, cfg->proxies.v[0]->binds.v[1]);
	struct tls_bind *ign = tls_store_bind(st, cfg->proxies.v[0]->binds.v[2]);
	SSL_CTX *anon = client_ctx(), *good = client_ctx(), *rogue = client_ctx();
	char *gp = path("client.pem"), *rp = path("rogue.pem");
	ck_assert_int_eq(SSL_CTX_use_certificate_chain_file(good, gp), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(good, gp, SSL_FILETYPE_PEM), 1);
	ck_assert_int_eq(SSL_CTX_use_certificate_chain_file(rogue, rp), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(rogue, rp, SSL_FILETYPE_PEM), 1);
	free(gp);
	free(rp);
	/* TLSv1.3 reports the client's certificate after the handshake:
	 * TLSv1.2 makes the refusal part of it */
	SSL_CTX_set_max_proto_version(anon, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(rogue, TLS1_2_VERSION);
	ck_assert_str_eq(served(req, anon, "a.test"), "");
	ck_assert_str_eq(served(req, rogue, "a.test"), "");
	ck_assert_str_eq(served(req, good, "a.test"), "a.test");
	ck_assert_str_eq(served(opt, anon, "a.test"), "a.test");
	ck_assert_str_eq(served(opt, rogue, "a.test"), "");
	ck_assert_str_eq(served(ign, rogue, "a.test"), "a.test");

	struct conn k;
	conn_open(&k, req, good, NULL);
	ck_assert(shake(k.s, k.c));
	ck_assert_ptr_nonnull(SSL_get0_peer_certificate(k.s));
	ck_assert_int_eq(SSL_get_verify_result(k.s), X509_V_OK);
	conn_close(&k);
	SSL_CTX_free(anon);
	SSL_CTX_free(good);
	SSL_CTX_free(rogue);
	unload();
}
END_TEST

START_TEST(ocsp_stapled)
{
	load(FE " bind 127.0.0.1:1 ssl crt @D/a.pem crt @D/o.pem\n", true);
	struct tls_bind *b = bind0();
	SSL_CTX *c = client_ctx();
	struct conn k;
	const unsigned char *resp;
	conn_open(&k, b, c, "o.test");
	SSL_set_tlsext_status_type(k.c, TLSEXT_STATUSTYPE_ocsp);
	ck_assert(shake(k.s, k.c));
	long n = SSL_get_tlsext_status_ocsp_resp(k.c, &resp);
	ck_assert_int_gt(n, 0);
	OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &resp, n);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(OCSP_response_status(r), OCSP_RESPONSE_STATUS_SUCCESSFUL);
	OCSP_RESPONSE_free(r);
	conn_close(&k);
	conn_open(&k, b, c, "a.test"); /* no .ocsp beside a.pem */
	SSL_set_tlsext_status_type(k.c, TLSEXT_STATUSTYPE_ocsp);
	ck_assert(shake(k.s, k.c));
	ck_assert_int_le(SSL_get_tlsext_status_ocsp_resp(k.c, &resp), 0);
	conn_close(&k);
	unload();

	/* a response that does not parse: ignored with HAProxy's warning */
	load(FE " bind 127.0.0.1:1 ssl crt @D/g.pem\n", true);
	const struct diag_msg *m = diag_find(&d, "Loading: Unable to parse OCSP response. Content will be ignored.");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->level, DIAG_WARNING);
	conn_open(&k, bind0(), c, "g.test");
	SSL_set_tlsext_status_type(k.c, TLSEXT_STATUSTYPE_ocsp);
	ck_assert(shake(k.s, k.c));
	ck_assert_int_le(SSL_get_tlsext_status_ocsp_resp(k.c, &resp), 0);
	conn_close(&k);
	unload();
	/* no issuer (chain or .issuer) to check it against: an error */
	ck_assert_ptr_null(load(FE " bind 127.0.0.1:1 ssl crt @D/n.pem\n", true));
	ck_assert_ptr_nonnull(diag_find(&d, "n.pem.ocsp' is present and activates OCSP but it is impossible to compute the OCSP certificate ID (maybe the issuer could not be found)'."));
	unload();
	SSL_CTX_free(c);
}
END_TEST

/* One full handshake, then one offering its session: reused? */
static bool
resumes(struct tls_bind *b, int maxver, const char *sni)
{
	SSL_CTX *c = client_ctx();
	struct conn k;
	char x;
	SSL_CTX_set_max_proto_version(c, maxver);
	conn_open(&k, b, c, sni);
	ck_assert(shake(k.s, k.c));
	/* TLSv1.3 tickets come after the handshake */
	ck_assert_int_eq(SSL_write(k.s, "x", 1), 1);
	for (int i = 0; i < 50 && SSL_read(k.c, &x, 1) <= 0; i++)
		;
	SSL_SESSION *sess = SSL_get1_session(k.c);
	conn_close(&k);
	conn_open(&k, b, c, sni);
	SSL_set_session(k.c, sess);
	ck_assert(shake(k.s, k.c));
	bool r = SSL_session_reused(k.s) && SSL_session_reused(k.c);
	conn_close(&k);
	SSL_SESSION_free(sess);
	SSL_CTX_free(c);
	return r;
}

START_TEST(session_resumption)
{
	load("global\n tune.ssl.cachesize 100\n" FE
	     " bind 127.0.0.1:1 ssl crt @D/a.pem crt @D/b.pem\n"
	     " bind 127.0.0.1:1 ssl crt @D/a.pem no-tls-tickets\n"
	     " bind 127.0.0.1:1 ssl crt @D/a.pem tls-ticket-keys @D/tk\n", true);
	for (size_t i = 0; i < 3; i++) {
		struct tls_bind *b = tls_store_bind(st, cfg->proxies.v[0]->binds.v[i]);
		bool r2 = resumes(b, TLS1_2_VERSION, "a.test"), r3 = resumes(b, TLS1_3_VERSION, "a.test");
		bool n2 = resumes(b, TLS1_2_VERSION, NULL), n3 = resumes(b, TLS1_3_VERSION, NULL);
		ck_assert_msg(r2 && r3 && n2 && n3, "bind %zu: TLSv1.2 %d TLSv1.3 %d, without SNI %d %d",
		              i, r2, r3, n2, n3);
	}
	/* switched by SNI to another context: still resumed */
	ck_assert(resumes(tls_store_bind(st, cfg->proxies.v[0]->binds.v[0]), TLS1_2_VERSION, "b.test"));
	unload();
	load("global\n tune.ssl.cachesize 0\n" FE " bind 127.0.0.1:1 ssl crt @D/a.pem no-tls-tickets\n", true);
	ck_assert(!resumes(bind0(), TLS1_2_VERSION, "a.test"));
	unload();
}
END_TEST

START_TEST(default_versions)
{
	load(FE " bind 127.0.0.1:1 ssl crt @D/a.pem\n"
	        " bind 127.0.0.1:1 ssl crt @D/a.pem ssl-max-ver TLSv1.2\n", true);
	SSL_CTX *c = client_ctx();
	SSL_CTX_set_min_proto_version(c, TLS1_VERSION);
	SSL_CTX_set_max_proto_version(c, TLS1_1_VERSION);
	SSL_CTX_set_cipher_list(c, "DEFAULT@SECLEVEL=0");
	ck_assert_str_eq(served(bind0(), c, NULL), ""); /* TLSv1.2 minimum */
	SSL_CTX_free(c);
	c = client_ctx();
	struct conn k;
	conn_open(&k, tls_store_bind(st, cfg->proxies.v[0]->binds.v[1]), c, NULL);
	ck_assert(shake(k.s, k.c));
	ck_assert_int_eq(SSL_version(k.c), TLS1_2_VERSION);
	conn_close(&k);
	SSL_CTX_free(c);
	unload();
}
END_TEST

static int
npn_pick(SSL *ssl, unsigned char **out, unsigned char *outlen, const unsigned char *in,
         unsigned inlen, void *arg)
{
	static const unsigned char mine[] = "\x08http/1.1";
	(void)ssl, (void)arg;
	SSL_select_next_proto(out, outlen, in, inlen, mine, sizeof(mine) - 1);
	return SSL_TLSEXT_ERR_OK;
}

START_TEST(dh_npn_maxrecord)
{
	load("global\n tune.ssl.default-dh-param 2048\n tune.ssl.maxrecord 1024\n" FE
	     " bind 127.0.0.1:1 ssl crt @D/r.pem npn spdy/2,http/1.1\n"
	     " bind 127.0.0.1:1 ssl crt @D/r.pem\n", true);
	SSL_CTX *c = client_ctx();
	SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
	ck_assert_int_eq(SSL_CTX_set_cipher_list(c, "DHE-RSA-AES128-GCM-SHA256"), 1);
	SSL_CTX_set_next_proto_select_cb(c, npn_pick, NULL);
	struct conn k;
	const unsigned char *proto;
	unsigned plen;
	conn_open(&k, bind0(), c, NULL);
	ck_assert(shake(k.s, k.c)); /* DHE: parameters from default-dh-param */
	ck_assert_str_eq(SSL_get_cipher_name(k.c), "DHE-RSA-AES128-GCM-SHA256");
	SSL_get0_next_proto_negotiated(k.c, &proto, &plen);
	ck_assert_uint_eq(plen, 8);
	ck_assert_int_eq(memcmp(proto, "http/1.1", 8), 0);
	/* records of at most tune.ssl.maxrecord bytes */
	static char big[4000];
	/* partial writes: one record's worth taken at a time */
	ck_assert_int_eq(SSL_write(k.s, big, sizeof(big)), 1024);
	unsigned char hdr[5];
	ck_assert_int_eq(recv(k.fd[1], hdr, sizeof(hdr), MSG_PEEK), 5);
	ck_assert_int_le((hdr[3] << 8 | hdr[4]), 1024 + 256);
	conn_close(&k);
	SSL_CTX_free(c);
	unload();
	/* without DH parameters, no DHE suite (HAProxy 2.6 with OpenSSL 3) */
	load(FE " bind 127.0.0.1:1 ssl crt @D/r.pem\n", true);
	c = client_ctx();
	SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_cipher_list(c, "DHE-RSA-AES128-GCM-SHA256");
	ck_assert_str_eq(served(bind0(), c, NULL), "");
	SSL_CTX_free(c);
	unload();
}
END_TEST

START_TEST(store_errors)
{
	/* without the parser's file checks, the store reports the missing
	 * certificate itself at the bind line */
	ck_assert_ptr_null(load(FE " bind 127.0.0.1:1 ssl crt @D/missing.pem\n", false));
	const struct diag_msg *m = diag_find(&d, "unable to stat SSL certificate from file");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->level, DIAG_ERROR);
	ck_assert_int_eq(m->loc.line, 7);
	ck_assert_int_eq(m->loc.col, 7);
	ck_assert_ptr_nonnull(strstr(m->text, "No such file or directory."));
	unload();
	/* the parser's words for a bad ticket keys file, at its column */
	write_file("tk2", "abc\n");
	ck_assert_ptr_null(load(FE " bind 127.0.0.1:1 ssl crt @D/a.pem tls-ticket-keys @D/tk2\n", true));
	m = diag_find(&d, "unable to decode base64 key on line 1");
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->loc.line, 7);
	ck_assert_int_gt(m->loc.col, 40);
	unload();
}
END_TEST

START_TEST(server_side)
{
	load(FE " bind 127.0.0.1:1 ssl crt @D/a.pem crt @D/b.pem\n"
	     "backend k\n"
	     " server v 127.0.0.1:1 ssl verify required ca-file @D/ca.pem alpn h2\n"
	     " server h 127.0.0.1:1 ssl verify required ca-file @D/ca.pem verifyhost b.test\n"
	     " server n 127.0.0.1:1 ssl verify none no-ssl-reuse\n"
	     " server p 127.0.0.1:1\n", true);
	struct tls_bind *b = bind0();
	const struct cfg_proxy *px = cfg->proxies.v[1];
	struct tls_srv *v = tls_store_srv(st, px->servers.v[0]);
	struct tls_srv *h = tls_store_srv(st, px->servers.v[1]);
	struct tls_srv *n = tls_store_srv(st, px->servers.v[2]);
	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_null(tls_store_srv(st, px->servers.v[3]));
	struct conn k;

	/* verify required: the SNI is the name checked */
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, k.fd), 0);
		fcntl(k.fd[0], F_SETFL, O_NONBLOCK);
		fcntl(k.fd[1], F_SETFL, O_NONBLOCK);
		k.s = tls_bind_new_ssl(b, k.fd[0]);
		k.c = tls_srv_new_ssl(v, k.fd[1], "a.test");
		ck_assert(shake(k.s, k.c));
		ck_assert_int_eq(SSL_session_reused(k.c), round == 1);
		char x;
		SSL_write(k.s, "x", 1);
		for (int i = 0; i < 50 && SSL_read(k.c, &x, 1) <= 0; i++)
			;
		tls_srv_save_session(v, k.c);
		conn_close(&k);
	}
	/* another SNI: a full handshake (a resumed one would skip the
	 * check of the certificate against the name) */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, k.fd), 0);
	fcntl(k.fd[0], F_SETFL, O_NONBLOCK);
	fcntl(k.fd[1], F_SETFL, O_NONBLOCK);
	k.s = tls_bind_new_ssl(b, k.fd[0]);
	k.c = tls_srv_new_ssl(v, k.fd[1], "zz.test");
	ck_assert(!shake(k.s, k.c)); /* a.test served: refused, not resumed */
	conn_close(&k);
	/* wrong name: refused */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, k.fd), 0);
	fcntl(k.fd[0], F_SETFL, O_NONBLOCK);
	fcntl(k.fd[1], F_SETFL, O_NONBLOCK);
	k.s = tls_bind_new_ssl(b, k.fd[0]);
	k.c = tls_srv_new_ssl(h, k.fd[1], NULL); /* serves a.test, verifyhost b.test */
	ck_assert(!shake(k.s, k.c));
	conn_close(&k);
	/* an SNI is the name checked, not verifyhost (HAProxy 2.6) */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, k.fd), 0);
	fcntl(k.fd[0], F_SETFL, O_NONBLOCK);
	fcntl(k.fd[1], F_SETFL, O_NONBLOCK);
	k.s = tls_bind_new_ssl(b, k.fd[0]);
	k.c = tls_srv_new_ssl(h, k.fd[1], "a.test");
	ck_assert(shake(k.s, k.c));
	conn_close(&k);
	/* verify none: anything goes */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, k.fd), 0);
	fcntl(k.fd[0], F_SETFL, O_NONBLOCK);
	fcntl(k.fd[1], F_SETFL, O_NONBLOCK);
	k.s = tls_bind_new_ssl(b, k.fd[0]);
	k.c = tls_srv_new_ssl(n, k.fd[1], "zz.test");
	ck_assert(shake(k.s, k.c));
	conn_close(&k);
	unload();
	/* verify required without ca-file: HAProxy refuses the server */
	ck_assert_ptr_null(load(FE " bind 127.0.0.1:1 ssl crt @D/a.pem\nbackend k\n server v 127.0.0.1:1 ssl\n", true));
	ck_assert_ptr_nonnull(diag_find(&d, "verify is enabled by default but no CA file specified."));
	unload();
}
END_TEST

START_TEST(runtime_replace)
{
	load(FE " bind 127.0.0.1:1 ssl crt @D/a.pem crt @D/b.pem\n", true);
	struct tls_bind *b = bind0();
	SSL_CTX *c = client_ctx();
	char *ap = path("a.pem"), *wp = path("w.pem"), *err = NULL;
	struct tls_cert *old = tls_store_cert(st, ap);
	ck_assert_ptr_nonnull(old);
	ck_assert_uint_eq(tls_cert_users(st, old), 1);
	/* a live connection keeps its context across the swap */
	struct conn k;
	conn_open(&k, b, c, "a.test");
	struct tls_cert *nc = tls_cert_load(wp, &err);
	ck_assert_ptr_nonnull(nc);
	free(nc->path);
	nc->path = xstrdup(ap);
	ck_assert_int_eq(tls_store_replace_cert(st, old, nc, &err), 0);
	ck_assert(shake(k.s, k.c));
	conn_close(&k);
	ck_assert_str_eq(served(b, c, "x.w.test"), "*.w.test");
	ck_assert_str_eq(served(b, c, NULL), "*.w.test");
	ck_assert_str_eq(served(b, c, "a.test"), "*.w.test"); /* a.test is no more: default */
	free(ap);
	free(wp);
	SSL_CTX_free(c);
	unload();
}
END_TEST

Suite *
suite_tls(void)
{
	Suite *s = suite_create("tls");
	TCase *t = tcase_create("tls");

	tcase_set_timeout(t, 60);
	tcase_add_unchecked_fixture(t, setup, teardown);
	tcase_add_test(t, sni_picks_each_cert);
	tcase_add_test(t, served_crt_name);
	tcase_add_test(t, strict_sni_refuses);
	tcase_add_test(t, crtlist_filters_and_options);
	tcase_add_test(t, ecdsa_or_rsa);
	tcase_add_test(t, bundle_naming);
	tcase_add_test(t, directory_in_name_order);
	tcase_add_test(t, client_verification);
	tcase_add_test(t, ocsp_stapled);
	tcase_add_test(t, session_resumption);
	tcase_add_test(t, default_versions);
	tcase_add_test(t, dh_npn_maxrecord);
	tcase_add_test(t, store_errors);
	tcase_add_test(t, server_side);
	tcase_add_test(t, runtime_replace);
	suite_add_tcase(s, t);
	return s;
}
