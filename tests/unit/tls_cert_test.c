/* Runtime certificate updates (engine/tls_cert.c, engine/tls_crtlist.c):
 * "set ssl cert" payloads (PEM, .key, .ocsp parts), the "show ssl cert"
 * details, crt-list lines as "add ssl crt-list" reads them and "show ssl
 * crt-list" writes them, and the transaction / crt-list commands on a
 * store without binds. Texts are HAProxy 2.6.12's, as observed. The
 * certificates are made here with OpenSSL (EC P-256, self-signed). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "engine/tls_cert.h"
#include "engine/tls_int.h"
#include "lib/util.h"

/* A self-signed certificate for cn (SAN DNS:cn, then IP 127.0.0.1 when
 * ip), serial serial, signed by its own new key (returned in *key). */
static X509 *
mkcert(const char *cn, long serial, bool ip, EVP_PKEY **key)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509V3_CTX v3;
	char san[256];

	ck_assert_ptr_nonnull(k);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"Lab", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	snprintf(san, sizeof(san), "DNS:%s%s", cn, ip ? ",IP:127.0.0.1" : "");
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
	*key = k;
	return x;
}

/* PEM text of x (and chain cert ca when not NULL) and key (when not
 * NULL), key first when key_first. Allocated. */
static char *
pem(X509 *x, X509 *ca, EVP_PKEY *key, bool key_first)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;

	if (key && key_first)
		PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	if (x)
		PEM_write_bio_X509(b, x);
	if (ca)
		PEM_write_bio_X509(b, ca);
	if (key && !key_first)
		PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	long n = BIO_get_mem_data(b, &p);
	char *s = xstrndup(p, (size_t)n);
	BIO_free(b);
	return s;
}

static struct tls_cert *
empty(const char *path)
{
	struct tls_cert *c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	return c;
}

START_TEST(parts_by_extension)
{
	size_t n;

	ck_assert_int_eq(tls_part_of("/x/a.pem", &n), TLS_PART_PEM);
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(tls_part_of("/x/a.pem.key", &n), TLS_PART_KEY);
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(tls_part_of("/x/a.pem.ocsp", &n), TLS_PART_OCSP);
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(tls_part_of("/x/a.pem.issuer", &n), TLS_PART_ISSUER);
	ck_assert_int_eq(tls_part_of("/x/a.pem.sctl", &n), TLS_PART_SCTL);
	ck_assert_int_eq(tls_part_of("/x/a.crt", &n), TLS_PART_PEM);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(tls_part_of("/x/a.pem.foo", &n), TLS_PART_PEM);
	ck_assert_uint_eq(n, 12);
	/* a dot in a directory is no extension */
	ck_assert_int_eq(tls_part_of("/x.key/a", &n), TLS_PART_PEM);
	ck_assert_uint_eq(n, 8);
}
END_TEST

START_TEST(pem_payloads)
{
	EVP_PKEY *k1, *k2;
	X509 *x1 = mkcert("a.test", 1, false, &k1), *x2 = mkcert("ca.test", 2, false, &k2);
	struct tls_cert *c = empty("/x/a.pem");
	char *err = NULL, *p;

	/* cert, chain, key */
	p = pem(x1, x2, k1, false);
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_PEM, "/x/a.pem", p, strlen(p), &err), 0);
	ck_assert_int_eq(X509_cmp(c->cert, x1), 0);
	ck_assert_int_eq(sk_X509_num(c->chain), 1);
	ck_assert_int_eq(X509_cmp(sk_X509_value(c->chain, 0), x2), 0);
	ck_assert_int_eq(EVP_PKEY_eq(c->key, k1), 1);
	free(p);
	/* the key may come first; a payload without chain drops the chain */
	p = pem(x2, NULL, k2, true);
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_PEM, "/x/a.pem", p, strlen(p), &err), 0);
	ck_assert_int_eq(X509_cmp(c->cert, x2), 0);
	ck_assert_int_eq(sk_X509_num(c->chain), 0);
	ck_assert_int_eq(EVP_PKEY_eq(c->key, k2), 1);
	free(p);
	/* a certificate alone drops the key (commit then refuses) */
	p = pem(x1, NULL, NULL, false);
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_PEM, "/x/a.pem", p, strlen(p), &err), 0);
	ck_assert_ptr_null(c->key);
	free(p);
	/* .key: only the key */
	p = pem(NULL, NULL, k1, false);
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_KEY, "/x/a.pem", p, strlen(p), &err), 0);
	ck_assert_int_eq(EVP_PKEY_eq(c->key, k1), 1);
	ck_assert_int_eq(X509_cmp(c->cert, x1), 0);
	free(p);
	/* errors leave c as it was */
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_PEM, "/x/a.pem", "garbage\n", 8, &err), -1);
	ck_assert_str_eq(err, "unable to load certificate from file '/x/a.pem'.\n");
	FREE_NULL(err);
	p = pem(NULL, NULL, k2, false);
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_PEM, "/x/a.pem", p, strlen(p), &err), -1);
	ck_assert_str_eq(err, "unable to load certificate from file '/x/a.pem'.\n");
	FREE_NULL(err);
	free(p);
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_KEY, "/x/a.pem", "garbage", 7, &err), -1);
	ck_assert_str_eq(err, "unable to load private key from file '/x/a.pem'.\n");
	FREE_NULL(err);
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_OCSP, "/x/a.pem", "garbage", 7, &err), -1);
	ck_assert_str_eq(err, "Error reading OCSP response in base64 format");
	FREE_NULL(err);
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_OCSP, "/x/a.pem", "Z2FyYmFnZQ==\n", 13, &err), -1);
	FREE_NULL(err);
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_ISSUER, "/x/a.pem", "x", 1, &err), -1);
	FREE_NULL(err);
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_SCTL, "/x/a.pem", "x", 1, &err), -1);
	FREE_NULL(err);
	ck_assert_int_eq(X509_cmp(c->cert, x1), 0);
	ck_assert_int_eq(EVP_PKEY_eq(c->key, k1), 1);

	/* DH parameters in the payload come with it */
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *dh = NULL;
	ck_assert_ptr_nonnull(pc);
	ck_assert_int_eq(EVP_PKEY_paramgen_init(pc), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_group_name(pc, "ffdhe2048"), 1);
	ck_assert_int_eq(EVP_PKEY_paramgen(pc, &dh), 1);
	EVP_PKEY_CTX_free(pc);
	BIO *bb = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(bb, x1);
	PEM_write_bio_Parameters(bb, dh);
	PEM_write_bio_PrivateKey(bb, k1, NULL, NULL, 0, NULL, NULL);
	char *bp;
	long bn = BIO_get_mem_data(bb, &bp);
	ck_assert_ptr_null(c->dh);
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_PEM, "/x/a.pem", bp, (size_t)bn, &err), 0);
	ck_assert_ptr_nonnull(c->dh);
	ck_assert_int_eq(EVP_PKEY_parameters_eq(c->dh, dh), 1);
	ck_assert_int_eq(sk_X509_num(c->chain), 0);
	BIO_free(bb);
	EVP_PKEY_free(dh);

	/* a copy shares the objects and keeps nothing of the names */
	struct tls_cert *d = tls_cert_dup(c, "/x/b.pem");
	ck_assert_str_eq(d->path, "/x/b.pem");
	ck_assert_ptr_eq(d->cert, c->cert);
	ck_assert_ptr_eq(d->key, c->key);
	ck_assert_ptr_eq(d->dh, c->dh);
	tls_cert_free(d);
	tls_cert_free(c);
	X509_free(x1);
	X509_free(x2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}
END_TEST

START_TEST(details_as_haproxy)
{
	EVP_PKEY *k1, *k2;
	X509 *x = mkcert("l.test", 0x0102, true, &k1), *ca = mkcert("ca.test", 7, false, &k2);
	struct tls_cert *c = empty("/x/l.pem");
	struct sbuf out = { 0 };
	char *err = NULL, *p = pem(x, ca, k1, false);

	tls_cert_details(c, "/x/l.pem", false, &out);
	ck_assert_str_eq(out.s, "Filename: /x/l.pem\nStatus: Empty\nOCSP Response Key: \n");
	sbuf_reset(&out);
	/* no response, or one that does not parse: nothing */
	tls_ocsp_text(NULL, 0, &out);
	tls_ocsp_text((const unsigned char *)"\x30\x03\x02\x01\x00", 5, &out);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(tls_cert_apply(c, TLS_PART_PEM, "/x/l.pem", p, strlen(p), &err), 0);
	tls_cert_details(c, "*/x/l.pem", true, &out);
	/* the lines HAProxy prints, dates and fingerprint aside */
	ck_assert_msg(strncmp(out.s, "Filename: */x/l.pem\nStatus: Used\nSerial: 0102\nnotBefore: ", 56) == 0, "%s", out.s);
	ck_assert_ptr_nonnull(strstr(out.s, " GMT\nnotAfter: "));
	/* an IP entry keeps its separator */
	ck_assert_ptr_nonnull(strstr(out.s, "\nSubject Alternative Name: DNS:l.test, \nAlgorithm: EC256\nSHA1 FingerPrint: "));
	ck_assert_ptr_nonnull(strstr(out.s, "\nSubject: /O=Lab/CN=l.test\nIssuer: /O=Lab/CN=l.test\n"
	                                    "Chain Subject: /O=Lab/CN=ca.test\nChain Issuer: /O=Lab/CN=ca.test\n"
	                                    "OCSP Response Key: \n"));
	unsigned char md[20];
	unsigned int mdlen;
	char hex[41];
	X509_digest(x, EVP_sha1(), md, &mdlen);
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02X", md[i]);
	ck_assert_ptr_nonnull(strstr(out.s, hex));
	free(out.s);
	free(p);
	tls_cert_free(c);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}
END_TEST

static void
entry_clear(struct tls_crtlist_entry *e)
{
	sslo_bind_conf_clear(&e->conf);
	for (size_t i = 0; i < e->filters.n; i++)
		free(e->filters.v[i]);
	free(e->filters.v);
	memset(e, 0, sizeof(*e));
}

/* Parses line and formats it back (the certificate named as written). */
static char *
round_trip(const char *line, bool numbered)
{
	struct tls_crtlist_entry e = { 0 };
	struct sbuf out = { 0 };
	char *crt = NULL, *err = NULL;

	ck_assert_msg(tls_crtlist_parse_line(line, "/ca", &crt, &e, &err) == 0, "%s: %s", line, err);
	struct tls_cert *c = empty(crt);
	e.cert = c;
	e.line = 7;
	tls_crtlist_format(&e, numbered, &out);
	tls_cert_free(c);
	free(crt);
	entry_clear(&e);
	return out.s;
}

static char *
parse_err(const char *line)
{
	struct tls_crtlist_entry e = { 0 };
	char *crt = NULL, *err = NULL;

	ck_assert_int_eq(tls_crtlist_parse_line(line, NULL, &crt, &e, &err), -1);
	ck_assert_ptr_null(crt);
	entry_clear(&e);
	return err;
}

START_TEST(crtlist_lines)
{
	char *s;

	s = round_trip("/x/a.pem", false);
	ck_assert_str_eq(s, "/x/a.pem\n");
	free(s);
	s = round_trip("  /x/a.pem    *.a.test  ", true);
	ck_assert_str_eq(s, "/x/a.pem:7 *.a.test\n");
	free(s);
	/* HAProxy's order, whatever the order written; no NUL after alpn */
	s = round_trip("/x/a.pem [ssl-max-ver TLSv1.3 ssl-min-ver TLSv1.2 curves P-256 ciphersuites "
	               "TLS_AES_128_GCM_SHA256 ciphers ECDHE-ECDSA-AES128-GCM-SHA256 allow-0rtt no-ca-names "
	               "verify optional alpn h2,http/1.1 npn h2 ecdhe prime256v1] a.test !b.a.test", false);
	ck_assert_str_eq(s, "/x/a.pem [npn h2 alpn h2,http/1.1 verify optional no-ca-names allow-0rtt "
	                    "ciphers ECDHE-ECDSA-AES128-GCM-SHA256 ciphersuites TLS_AES_128_GCM_SHA256 curves P-256 "
	                    "ecdhe prime256v1 ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.3] a.test !b.a.test\n");
	free(s);
	s = round_trip("/x/a.pem []", false);
	ck_assert_str_eq(s, "/x/a.pem []\n");
	free(s);
	s = round_trip("/x/a.pem[verify none]x.test", false);
	ck_assert_str_eq(s, "/x/a.pem [verify none] x.test\n");
	free(s);

	s = parse_err("/x/a.pem [bogus 1] z.test");
	ck_assert_str_eq(s, "parsing [CLI:1]: unknown ssl keyword bogus");
	free(s);
	s = parse_err("/x/a.pem [strict-sni]");
	ck_assert_str_eq(s, "parsing [CLI:1]: unknown ssl keyword strict-sni");
	free(s);
	s = parse_err("/x/a.pem [alpn]");
	ck_assert_str_eq(s, "parsing [CLI:1]: ssl args out of '[]' for alpn");
	free(s);
	s = parse_err("/x/a.pem [ciphers");
	ck_assert_str_eq(s, "parsing [CLI:1]: ssl args out of '[]' for ciphers");
	free(s);
	s = parse_err("/x/a.pem [verify bogus]");
	ck_assert_str_eq(s, "'verify' : unknown verify method 'bogus', only 'none', 'optional', and 'required' are supported\n");
	free(s);
	s = parse_err("/x/a.pem [ssl-min-ver TLSv9]");
	ck_assert_str_eq(s, "'TLSv9' : unknown ssl/tls version");
	free(s);
	s = parse_err("/x/a.pem [alpn h2] x.test ] y");
	ck_assert_str_eq(s, "parsing [CLI:1]: too many ']'");
	free(s);
	s = parse_err("/x/a.pem [alpn h2");
	ck_assert_str_eq(s, "parsing [CLI:1]: missing ']'");
	free(s);
	s = parse_err("/x/a.pem [ca-file /nonexistent/ca.pem]");
	ck_assert_str_eq(s, "'ca-file' : unable to load /nonexistent/ca.pem");
	free(s);

	/* ca-base applies to relative files */
	struct tls_crtlist_entry e = { 0 };
	char *crt = NULL, *err = NULL;
	ck_assert_int_eq(tls_crtlist_parse_line("a.pem [crl-file null]", "/dev", &crt, &e, &err), 0);
	ck_assert_str_eq(e.conf.crl_file, "/dev/null");
	ck_assert_str_eq(crt, "a.pem");
	free(crt);
	entry_clear(&e);
	/* an empty line names nothing */
	ck_assert_int_eq(tls_crtlist_parse_line("   ", NULL, &crt, &e, &err), 0);
	ck_assert_ptr_null(crt);
}
END_TEST

/* A store with certificates a.pem, b.pem and crt-list l.txt (b.pem on
 * line 1), used by no bind: the commands' texts and bookkeeping. */
static struct tls_store *
mkstore(X509 **xa, EVP_PKEY **ka, X509 **xb, EVP_PKEY **kb)
{
	struct tls_store *st = xcalloc(1, sizeof(*st));
	char *err = NULL, *p;

	pthread_mutex_init(&st->lock, NULL);
	*xa = mkcert("a.test", 10, false, ka);
	*xb = mkcert("b.test", 11, false, kb);
	p = pem(*xa, NULL, *ka, false);
	struct tls_cert *a = tls_cert_from_pem("/x/a.pem", p, strlen(p), &err);
	ck_assert_msg(a != NULL, "%s", err);
	free(p);
	p = pem(*xb, NULL, *kb, false);
	struct tls_cert *b = tls_cert_from_pem("/x/b.pem", p, strlen(p), &err);
	ck_assert_msg(b != NULL, "%s", err);
	free(p);
	VEC_PUSH(st->certs, b);
	VEC_PUSH(st->certs, a);
	struct tls_crtlist *l = xcalloc(1, sizeof(*l));
	l->path = xstrdup("/x/l.txt");
	l->linecount = 3;
	struct tls_crtlist_entry *e = xcalloc(1, sizeof(*e));
	e->cert = b;
	e->line = 1;
	VEC_PUSH(l->entries, e);
	VEC_PUSH(st->crtlists, l);
	return st;
}

static void
expect(int rc_want, const char *want, int rc, char *got)
{
	ck_assert_msg(strcmp(got, want) == 0, "got [%s] want [%s]", got, want);
	ck_assert_int_eq(rc, rc_want);
	free(got);
}

START_TEST(transactions)
{
	X509 *xa, *xb, *xn;
	EVP_PKEY *ka, *kb, *kn;
	struct tls_store *st = mkstore(&xa, &ka, &xb, &kb);
	xn = mkcert("a.test", 12, false, &kn);
	char *pn = pem(xn, NULL, kn, false), *pk = pem(NULL, NULL, kb, false);
	struct sbuf o = { 0 };

#define CHECK(rcw, want, call) do { sbuf_reset(&o); sbuf_adds(&o, ""); int rc_ = (call); expect(rcw, want, rc_, xstrdup(o.s)); } while (0)
	CHECK(0, "# filename\n/x/a.pem\n/x/b.pem\n", tls_cert_show(st, NULL, &o));
	CHECK(-1, "No ongoing transaction! !\nCan't commit /x/a.pem!\n", tls_cert_commit(st, "/x/a.pem", &o));
	CHECK(-1, "Can't replace a certificate which is not referenced by the configuration!\nCan't update /x/z.pem!\n",
	       tls_cert_set(st, "/x/z.pem", pn, strlen(pn), &o));
	CHECK(0, "Transaction created for certificate /x/a.pem!\n", tls_cert_set(st, "/x/a.pem", pn, strlen(pn), &o));
	CHECK(0, "# transaction\n*/x/a.pem\n# filename\n/x/a.pem\n/x/b.pem\n", tls_cert_show(st, NULL, &o));
	/* sluice refuses a second certificate while one is pending (HAProxy
	 * 2.6 would silently update the pending one) */
	CHECK(-1, "The ongoing transaction is about '/x/a.pem' but you are trying to set '/x/b.pem'\nCan't update /x/b.pem!\n",
	       tls_cert_set(st, "/x/b.pem", pn, strlen(pn), &o));
	CHECK(0, "Transaction updated for certificate /x/a.pem!\n", tls_cert_set(st, "/x/a.pem.key", pk, strlen(pk), &o));
	CHECK(-1, "inconsistencies between private key and certificate loaded '/x/a.pem'.\nCan't commit /x/a.pem!\n",
	       tls_cert_commit(st, "/x/a.pem", &o));
	CHECK(-1, "Can't remove the certificate: ongoing transaction for the certificate '/x/a.pem'\n",
	       tls_cert_del(st, "/x/a.pem", &o));
	CHECK(0, "Transaction updated for certificate /x/a.pem!\n", tls_cert_set(st, "/x/a.pem", pn, strlen(pn), &o));
	/* no bind uses it: no dot */
	CHECK(0, "Committing /x/a.pem\nSuccess!\n", tls_cert_commit(st, "/x/a.pem", &o));
	struct tls_cert *a = tls_store_cert(st, "/x/a.pem");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(X509_cmp(a->cert, xn), 0);
	ck_assert_int_eq(sk_X509_num(a->chain), 0);
	ck_assert_int_eq(a->names.n > 0, 1);
	ck_assert_str_eq(a->names.v[0], "a.test");
	ck_assert_ptr_null(st->txn);
	CHECK(-1, "No ongoing transaction!\n", tls_cert_abort(st, "/x/a.pem", &o));

	/* new / del */
	CHECK(-1, "Certificate '/x/a.pem' already exists!\n", tls_cert_new(st, "/x/a.pem", &o));
	CHECK(0, "New empty certificate store '/x/n.pem'!\n", tls_cert_new(st, "/x/n.pem", &o));
	CHECK(0, "Filename: /x/n.pem\nStatus: Empty\nOCSP Response Key: \n", tls_cert_show(st, "/x/n.pem", &o));
	CHECK(-1, "Can't remove the certificate: certificate '/x/b.pem' in use, can't be deleted!\n\n",
	       tls_cert_del(st, "/x/b.pem", &o));
	CHECK(-1, "Can't remove the certificate: certificate '/x/q.pem' doesn't exist!\n\n",
	       tls_cert_del(st, "/x/q.pem", &o));
	CHECK(0, "Certificate '/x/a.pem' deleted!\n", tls_cert_del(st, "/x/a.pem", &o));
	/* a pending transaction is freed with the store */
	CHECK(0, "Transaction created for certificate /x/n.pem!\n", tls_cert_set(st, "/x/n.pem", pn, strlen(pn), &o));
	CHECK(-1, "Can't display the certificate: Not found or the certificate is a bundle!\n",
	       tls_cert_show(st, "*/x/a.pem", &o));
#undef CHECK
	free(o.s);
	free(pn);
	free(pk);
	tls_store_free(st);
	X509_free(xa);
	X509_free(xb);
	X509_free(xn);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	EVP_PKEY_free(kn);
}
END_TEST

START_TEST(crtlist_commands)
{
	X509 *xa, *xb;
	EVP_PKEY *ka, *kb;
	struct tls_store *st = mkstore(&xa, &ka, &xb, &kb);
	struct sbuf o = { 0 };

#define CHECK(rcw, want, call) do { sbuf_reset(&o); sbuf_adds(&o, ""); int rc_ = (call); expect(rcw, want, rc_, xstrdup(o.s)); } while (0)
	CHECK(0, "/x/l.txt\n", tls_crtlist_show(st, NULL, false, &o));
	CHECK(0, "# /x/l.txt\n/x/b.pem:1\n", tls_crtlist_show(st, "/x/l.txt//", true, &o));
	CHECK(-1, "didn't find the specified filename\n", tls_crtlist_show(st, "/x/m.txt", true, &o));
	/* numbered after the lines of the file as loaded */
	CHECK(0, "Inserting certificate '/x/a.pem' in crt-list '/x/l.txt'\nSuccess!\n",
	       tls_crtlist_add(st, "/x/l.txt", "/x/a.pem [alpn h2] a.test\n", &o));
	CHECK(0, "Inserting certificate '/x/b.pem' in crt-list '/x/l.txt'\nSuccess!\n",
	       tls_crtlist_add(st, "/x/l.txt", "/x/b.pem", &o));
	CHECK(0, "# /x/l.txt\n/x/b.pem:1\n/x/a.pem:4 [alpn h2] a.test\n/x/b.pem:5\n",
	       tls_crtlist_show(st, "/x/l.txt", true, &o));
	CHECK(-1, "Can't edit the crt-list: only one line of payload is supported!\n",
	       tls_crtlist_add(st, "/x/l.txt", "/x/a.pem\n/x/b.pem\n", &o));
	CHECK(-1, "Can't edit the crt-list: only one line of payload is supported!\n",
	       tls_crtlist_add(st, "/x/l.txt", "", &o));
	CHECK(-1, "Can't edit the crt-list: crt-list '/x/m.txt' does not exist!\n",
	       tls_crtlist_add(st, "/x/m.txt", "/x/a.pem", &o));
	CHECK(-1, "Can't edit the crt-list: certificate '/x/z.pem' does not exist!\n",
	       tls_crtlist_add(st, "/x/l.txt", "/x/z.pem", &o));
	CHECK(-1, "Can't edit the crt-list: parsing [CLI:1]: unknown ssl keyword x\n",
	       tls_crtlist_add(st, "/x/l.txt", "/x/a.pem [x]", &o));
	VEC_PUSH(st->certs, empty("/x/e.pem"));
	CHECK(-1, "Can't edit the crt-list: certificate '/x/e.pem' is empty!\n",
	       tls_crtlist_add(st, "/x/l.txt", "/x/e.pem", &o));
	CHECK(-1, "Can't delete the entry: certificate '/x/e.pem' is empty!\n",
	       tls_crtlist_del(st, "/x/l.txt", "/x/e.pem", &o));
	CHECK(-1, "Can't delete the entry: found the certificate '/x/b.pem' in several entries, please specify a line number preceded by colons (1, 5)!\n",
	       tls_crtlist_del(st, "/x/l.txt", "/x/b.pem", &o));
	CHECK(-1, "Can't delete the entry: found a certificate '/x/b.pem' but the line number is incorrect, please specify a correct line number preceded by colons (1, 5)!\n",
	       tls_crtlist_del(st, "/x/l.txt", "/x/b.pem:4", &o));
	CHECK(-1, "Can't delete the entry: wrong line number after colons in '/x/b.pem:'!\n",
	       tls_crtlist_del(st, "/x/l.txt", "/x/b.pem:", &o));
	CHECK(0, "Entry '/x/b.pem' deleted in crtlist '/x/l.txt'!\n", tls_crtlist_del(st, "/x/l.txt/", "/x/b.pem:5", &o));
	CHECK(0, "Entry '/x/a.pem' deleted in crtlist '/x/l.txt'!\n", tls_crtlist_del(st, "/x/l.txt", "/x/a.pem:0", &o));
	CHECK(-1, "Can't delete the entry: certificate '/x/a.pem' can't be found in crt-list '/x/l.txt'!\n",
	       tls_crtlist_del(st, "/x/l.txt", "/x/a.pem", &o));
	/* numbers are not given again */
	CHECK(0, "Inserting certificate '/x/a.pem' in crt-list '/x/l.txt'\nSuccess!\n",
	       tls_crtlist_add(st, "/x/l.txt", "/x/a.pem", &o));
	CHECK(0, "# /x/l.txt\n/x/b.pem\n/x/a.pem\n", tls_crtlist_show(st, "/x/l.txt", false, &o));
	CHECK(0, "# /x/l.txt\n/x/b.pem:1\n/x/a.pem:6\n", tls_crtlist_show(st, "/x/l.txt", true, &o));
#undef CHECK
	free(o.s);
	tls_store_free(st);
	X509_free(xa);
	X509_free(xb);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
}
END_TEST

Suite *suite_tls_cert(void);

Suite *
suite_tls_cert(void)
{
	Suite *s = suite_create("tls_cert");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parts_by_extension);
	tcase_add_test(tc, pem_payloads);
	tcase_add_test(tc, details_as_haproxy);
	tcase_add_test(tc, crtlist_lines);
	tcase_add_test(tc, transactions);
	tcase_add_test(tc, crtlist_commands);
	suite_add_tcase(s, tc);
	return s;
}
