/* Runtime certificate updates: "show ssl cert", "set ssl cert", "commit
 * ssl cert", "abort ssl cert", "new ssl cert", "del ssl cert" (HAProxy
 * 2.6, reference §3.4; texts as observed on 2.6.12).
 *
 * One transaction at a time, as HAProxy: "set" copies the certificate
 * (or the pending copy) and applies the payload to the copy; "commit"
 * checks it (a certificate needs its key, and they must match), builds
 * the final entry from it and has the store replace the old one in every
 * bind and crt-list and rebuild the contexts (tls_store_replace_cert):
 * new handshakes use it, live connections keep the SSL_CTX they started
 * with. Everything runs on the stats socket's thread under st->lock. */
#include "engine/tls_cert.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "engine/tls_int.h"

struct tls_txn {
	char *path;              /* the certificate's name */
	struct tls_cert *old;    /* the store's entry it replaces */
	struct tls_cert *nc;     /* the pending copy, not in the store */
};

static void
txn_free(struct tls_txn *t)
{
	if (t == NULL)
		return;
	tls_cert_free(t->nc);
	free(t->path);
	free(t);
}

void
tls_cert_cleanup(struct tls_store *st)
{
	if (st == NULL)
		return;
	txn_free(st->txn);
	st->txn = NULL;
}

/* ---- certificate parts ---------------------------------------------------- */

enum tls_part
tls_part_of(const char *name, size_t *baselen)
{
	static const struct { const char *ext; enum tls_part part; } exts[] = {
		{ "crt", TLS_PART_PEM }, { "key", TLS_PART_KEY },
		{ "ocsp", TLS_PART_OCSP }, { "issuer", TLS_PART_ISSUER },
		{ "sctl", TLS_PART_SCTL },
	};
	const char *dot = strrchr(name, '.');

	*baselen = strlen(name);
	if (dot == NULL || strchr(dot, '/'))
		return TLS_PART_PEM;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		if (strcmp(dot + 1, exts[i].ext) == 0) {
			*baselen = (size_t)(dot - name);
			return exts[i].part;
		}
	return TLS_PART_PEM;
}

struct tls_cert *
tls_cert_dup(const struct tls_cert *c, const char *path)
{
	struct tls_cert *d = xcalloc(1, sizeof(*d));

	d->path = xstrdup(path);
	d->kind = c->kind;
	if (c->cert && X509_up_ref(c->cert))
		d->cert = c->cert;
	if (c->chain)
		d->chain = X509_chain_up_ref(c->chain);
	if (c->key && EVP_PKEY_up_ref(c->key))
		d->key = c->key;
	if (c->dh && EVP_PKEY_up_ref(c->dh))
		d->dh = c->dh;
	if (c->ocsp) {
		d->ocsp = xmalloc(c->ocsp_len);
		memcpy(d->ocsp, c->ocsp, c->ocsp_len);
		d->ocsp_len = c->ocsp_len;
	}
	return d;
}

/* PEM: HAProxy's ssl_sock_load_pem_into_ckch(): the key is looked for
 * first (anywhere), then the first certificate is the leaf and the
 * following ones the chain. */
static int
apply_pem(struct tls_cert *c, const char *file, const char *pem, size_t len,
          char **err)
{
	BIO *in = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *key = NULL, *dh = NULL;
	X509 *cert = NULL, *ca;
	STACK_OF(X509) *chain = NULL;
	int ret = -1;

	if (in == NULL || len > (size_t)INT32_MAX) {
		*err = xasprintf("unable to load certificate from file '%s'.\n", file);
		goto out;
	}
	key = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
	ERR_clear_error();
	/* DH parameters in the payload replace the certificate's, as in a
	 * file (HAProxy's ckch "dh") */
	if (BIO_reset(in) == 1) {
		dh = PEM_read_bio_Parameters(in, NULL);
		if (dh && EVP_PKEY_get_base_id(dh) != EVP_PKEY_DH) {
			EVP_PKEY_free(dh);
			dh = NULL;
		}
		ERR_clear_error();
	}
	if (BIO_reset(in) != 1) {
		*err = xasprintf("unable to load certificate from file '%s'.\n", file);
		goto out;
	}
	cert = PEM_read_bio_X509_AUX(in, NULL, NULL, NULL);
	if (cert == NULL) {
		*err = xasprintf("unable to load certificate from file '%s'.\n", file);
		goto out;
	}
	chain = sk_X509_new_null();
	if (chain == NULL) {
		*err = xasprintf("unable to load certificate chain from file '%s'.\n", file);
		goto out;
	}
	while ((ca = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(chain, ca)) {
			X509_free(ca);
			*err = xasprintf("unable to load certificate chain from file '%s'.\n", file);
			goto out;
		}
	}
	/* the end of the data is the expected way out of the loop */
	unsigned long e = ERR_peek_last_error();
	if (e && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		*err = xasprintf("unable to load certificate chain from file '%s'.\n", file);
		goto out;
	}
	X509_free(c->cert);
	c->cert = cert;
	cert = NULL;
	sk_X509_pop_free(c->chain, X509_free);
	c->chain = chain;
	chain = NULL;
	EVP_PKEY_free(c->key);
	c->key = key;
	key = NULL;
	EVP_PKEY_free(c->dh);
	c->dh = dh;
	dh = NULL;
	/* as HAProxy 2.6: a new PEM drops the OCSP response (set one with
	 * "<name>.ocsp" in the same transaction) */
	FREE_NULL(c->ocsp);
	c->ocsp_len = 0;
	ret = 0;
out:
	ERR_clear_error();
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	EVP_PKEY_free(key);
	EVP_PKEY_free(dh);
	BIO_free(in);
	return ret;
}

static int
apply_key(struct tls_cert *c, const char *file, const char *pem, size_t len,
          char **err)
{
	BIO *in = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *key = in ? PEM_read_bio_PrivateKey(in, NULL, NULL, NULL) : NULL;

	ERR_clear_error();
	BIO_free(in);
	if (key == NULL) {
		*err = xasprintf("unable to load private key from file '%s'.\n", file);
		return -1;
	}
	EVP_PKEY_free(c->key);
	c->key = key;
	return 0;
}

/* base64 (blanks and line breaks allowed) of a DER OCSP response. */
static int
apply_ocsp(struct tls_cert *c, const char *b64, size_t len, char **err)
{
	char *clean = xmalloc(len + 1);
	size_t n = 0;
	unsigned char *der = NULL;
	const unsigned char *p;
	OCSP_RESPONSE *resp = NULL;
	int dlen, ret = -1;

	for (size_t i = 0; i < len; i++)
		if (b64[i] != '\n' && b64[i] != '\r' && b64[i] != ' ' && b64[i] != '\t')
			clean[n++] = b64[i];
	clean[n] = 0;
	if (n == 0 || n % 4 != 0 || n > (size_t)INT32_MAX)
		goto bad;
	der = xmalloc(n / 4 * 3 + 1);
	dlen = EVP_DecodeBlock(der, (const unsigned char *)clean, (int)n);
	if (dlen < 0)
		goto bad;
	/* EVP_DecodeBlock counts the '=' padding as zero bytes */
	if (clean[n - 1] == '=')
		dlen--;
	if (clean[n - 2] == '=')
		dlen--;
	p = der;
	resp = d2i_OCSP_RESPONSE(NULL, &p, dlen);
	if (resp == NULL)
		goto bad;
	free(c->ocsp);
	c->ocsp = der;
	c->ocsp_len = (size_t)dlen;
	der = NULL;
	ret = 0;
	goto out;
bad:
	/* sic: HAProxy's text has no line break of its own */
	*err = xstrdup("Error reading OCSP response in base64 format");
out:
	ERR_clear_error();
	OCSP_RESPONSE_free(resp);
	free(der);
	free(clean);
	return ret;
}

int
tls_cert_apply(struct tls_cert *c, enum tls_part part, const char *file,
               const char *payload, size_t len, char **err)
{
	switch (part) {
	case TLS_PART_PEM:
		return apply_pem(c, file, payload, len, err);
	case TLS_PART_KEY:
		return apply_key(c, file, payload, len, err);
	case TLS_PART_OCSP:
		return apply_ocsp(c, payload, len, err);
	case TLS_PART_ISSUER:
		*err = xasprintf("sluice does not use '.issuer' files (the chain comes from '%s').\n", file);
		return -1;
	case TLS_PART_SCTL:
		*err = xstrdup("sluice does not send SCT lists ('.sctl' files).\n");
		return -1;
	}
	return -1;
}

/* ---- show ssl cert ---------------------------------------------------------- */

static void
add_hex(struct sbuf *out, const unsigned char *p, size_t n, bool upper)
{
	for (size_t i = 0; i < n; i++)
		sbuf_addf(out, upper ? "%02X" : "%02x", p[i]);
}

static void
add_time(struct sbuf *out, const ASN1_TIME *t)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (b && ASN1_TIME_print(b, t) && (n = BIO_get_mem_data(b, &p)) > 0)
		sbuf_addn(out, p, (size_t)n);
	BIO_free(b);
}

/* HAProxy's ssl_sock_get_dn_oneline(): "/SN=value" per entry, raw. */
static void
add_dn(struct sbuf *out, const X509_NAME *name)
{
	for (int i = 0; name && i < X509_NAME_entry_count(name); i++) {
		const X509_NAME_ENTRY *ne = X509_NAME_get_entry(name, i);
		const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(ne);
		const ASN1_STRING *d = X509_NAME_ENTRY_get_data(ne);
		int nid = OBJ_obj2nid(obj);
		const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
		char tmp[128];

		if (sn == NULL) {
			OBJ_obj2txt(tmp, sizeof(tmp), obj, 0);
			sn = tmp;
		}
		sbuf_addf(out, "/%s=", sn);
		sbuf_addn(out, (const char *)ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d));
	}
}

/* Every SAN entry is separated by ", " but only DNS names are written
 * (an IP entry leaves its separator: "DNS:a, "), as HAProxy. */
static void
add_san(struct sbuf *out, X509 *cert)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);

	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		unsigned char *s;

		if (i > 0)
			sbuf_adds(out, ", ");
		if (gn->type == GEN_DNS && ASN1_STRING_to_UTF8(&s, gn->d.dNSName) >= 0) {
			sbuf_addf(out, "DNS:%s", (char *)s);
			OPENSSL_free(s);
		}
	}
	GENERAL_NAMES_free(names);
}

/* "RSA2048", "EC256", "DSA1024"; false for other key types. */
static bool
add_algo(struct sbuf *out, X509 *cert)
{
	EVP_PKEY *pk = X509_get0_pubkey(cert);

	if (pk == NULL)
		return false;
	switch (EVP_PKEY_base_id(pk)) {
	case EVP_PKEY_RSA:
		sbuf_addf(out, "RSA%d", EVP_PKEY_bits(pk));
		return true;
	case EVP_PKEY_EC:
		sbuf_addf(out, "EC%d", EVP_PKEY_bits(pk));
		return true;
	case EVP_PKEY_DSA:
		sbuf_addf(out, "DSA%d", EVP_PKEY_bits(pk));
		return true;
	}
	return false;
}

/* The DER of the first CERTID of an OCSP response, in hex, as HAProxy's
 * "OCSP Response Key". */
static void
add_ocsp_key(struct sbuf *out, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = der ? d2i_OCSP_RESPONSE(NULL, &p, (long)len) : NULL;
	OCSP_BASICRESP *bs = resp ? OCSP_response_get1_basic(resp) : NULL;
	OCSP_SINGLERESP *sr = bs ? OCSP_resp_get0(bs, 0) : NULL;
	const OCSP_CERTID *id = sr ? OCSP_SINGLERESP_get0_id(sr) : NULL;
	unsigned char *k = NULL;
	int n = id ? i2d_OCSP_CERTID((OCSP_CERTID *)id, &k) : 0;

	if (n > 0)
		add_hex(out, k, (size_t)n, false);
	OPENSSL_free(k);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
}

void
tls_cert_details(const struct tls_cert *c, const char *shown, bool used,
                 struct sbuf *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	sbuf_addf(out, "Filename: %s\n", shown);
	sbuf_addf(out, "Status: %s\n", c->cert == NULL ? "Empty" : used ? "Used" : "Unused");
	if (c->cert) {
		const ASN1_INTEGER *serial = X509_get0_serialNumber(c->cert);
		sbuf_adds(out, "Serial: ");
		add_hex(out, ASN1_STRING_get0_data(serial), (size_t)ASN1_STRING_length(serial), true);
		sbuf_adds(out, "\nnotBefore: ");
		add_time(out, X509_get0_notBefore(c->cert));
		sbuf_adds(out, "\nnotAfter: ");
		add_time(out, X509_get0_notAfter(c->cert));
		sbuf_adds(out, "\nSubject Alternative Name: ");
		add_san(out, c->cert);
		sbuf_adds(out, "\nAlgorithm: ");
		/* HAProxy stops the details here for other key types (the
		 * OCSP line then follows "Algorithm: " on the same line) */
		if (add_algo(out, c->cert)) {
			sbuf_adds(out, "\nSHA1 FingerPrint: ");
			if (X509_digest(c->cert, EVP_sha1(), md, &mdlen))
				add_hex(out, md, mdlen, true);
			sbuf_adds(out, "\nSubject: ");
			add_dn(out, X509_get_subject_name(c->cert));
			sbuf_adds(out, "\nIssuer: ");
			add_dn(out, X509_get_issuer_name(c->cert));
			sbuf_addc(out, '\n');
			for (int i = 0; c->chain && i < sk_X509_num(c->chain); i++) {
				X509 *ca = sk_X509_value(c->chain, i);
				sbuf_adds(out, "Chain Subject: ");
				add_dn(out, X509_get_subject_name(ca));
				sbuf_adds(out, "\nChain Issuer: ");
				add_dn(out, X509_get_issuer_name(ca));
				sbuf_addc(out, '\n');
			}
		}
	}
	sbuf_adds(out, "OCSP Response Key: ");
	add_ocsp_key(out, c->ocsp, c->ocsp_len);
	sbuf_addc(out, '\n');
}

void
tls_ocsp_text(const unsigned char *der, size_t len, struct sbuf *out)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = der ? d2i_OCSP_RESPONSE(NULL, &p, (long)len) : NULL;
	BIO *b = resp ? BIO_new(BIO_s_mem()) : NULL;
	char *text;
	long n;

	/* an empty line would end the CLI answer: HAProxy writes " " there */
	if (b && OCSP_RESPONSE_print(b, resp, 0) && (n = BIO_get_mem_data(b, &text)) > 0)
		for (long i = 0; i < n; i++) {
			if (text[i] == '\n' && i > 0 && text[i - 1] == '\n')
				sbuf_addc(out, ' ');
			sbuf_addc(out, text[i]);
		}
	BIO_free(b);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
}

/* ---- the store -------------------------------------------------------------- */

static int
cmp_cert_path(const void *a, const void *b)
{
	return strcmp((*(struct tls_cert *const *)a)->path, (*(struct tls_cert *const *)b)->path);
}

/* How many contexts (HAProxy's "instances") use c: one per bind "crt"
 * and one per bind for each crt-list line naming it. */
static size_t
instances(struct tls_store *st, const struct tls_cert *c)
{
	size_t n = 0;

	for (size_t i = 0; i < st->binds.n; i++) {
		const struct tls_bind *b = st->binds.v[i];
		for (size_t j = 0; j < b->crts.n; j++)
			n += b->crts.v[j] == c;
		for (size_t j = 0; j < b->lists.n; j++)
			for (size_t k = 0; k < b->lists.v[j]->entries.n; k++)
				n += b->lists.v[j]->entries.v[k]->cert == c;
	}
	return n;
}

int
tls_cert_show(struct tls_store *st, const char *name, struct sbuf *out)
{
	int ret = 0;

	pthread_mutex_lock(&st->lock);
	if (name == NULL || *name == 0) {
		struct tls_cert **v = xcalloc(st->certs.n + 1, sizeof(*v));
		memcpy(v, st->certs.v, st->certs.n * sizeof(*v));
		qsort(v, st->certs.n, sizeof(*v), cmp_cert_path);
		if (st->txn)
			sbuf_addf(out, "# transaction\n*%s\n", st->txn->path);
		sbuf_adds(out, "# filename\n");
		for (size_t i = 0; i < st->certs.n; i++)
			sbuf_addf(out, "%s\n", v[i]->path);
		free(v);
		goto done;
	}
	/* "<name>.ocsp": the OCSP response of <name>, as HAProxy (which
	 * strips the extension even from a certificate named so) */
	const char *dot = strrchr(name, '.');
	size_t n = dot && strcmp(dot, ".ocsp") == 0 ? (size_t)(dot - name) : strlen(name);
	const struct tls_cert *c;
	if (*name == '*') {
		if (st->txn == NULL || strlen(st->txn->path) != n - 1 ||
		    strncmp(name + 1, st->txn->path, n - 1) != 0)
			goto notfound;
		c = st->txn->nc;
	} else {
		char *base = xstrndup(name, n);
		c = tls_store_cert(st, base);
		free(base);
		if (c == NULL)
			goto notfound;
	}
	if (n < strlen(name))
		tls_ocsp_text(c->ocsp, c->ocsp_len, out);
	else
		tls_cert_details(c, name, *name != '*' && tls_cert_users(st, (struct tls_cert *)c) > 0, out);
	goto done;
notfound:
	sbuf_adds(out, "Can't display the certificate: Not found or the certificate is a bundle!\n");
	ret = -1;
done:
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int
tls_cert_set(struct tls_store *st, const char *name, const char *pem,
             size_t len, struct sbuf *out)
{
	char *err = NULL, *base = NULL;
	struct tls_cert *old, *nc = NULL;
	enum tls_part part = TLS_PART_PEM;
	size_t baselen = strlen(name);
	int ret = -1;

	pthread_mutex_lock(&st->lock);
	/* "<name>.key" and the like name a part of <name>, unless a
	 * certificate is itself named so (HAProxy 2.6 strips the extension
	 * even then, which makes "x.crt" impossible to update) */
	if (tls_store_cert(st, name) == NULL && !(st->txn && strcmp(st->txn->path, name) == 0))
		part = tls_part_of(name, &baselen);
	base = xstrndup(name, baselen);
	if (st->txn) {
		if (strcmp(st->txn->path, base) != 0) {
			err = xasprintf("The ongoing transaction is about '%s' but you are trying to set '%s'\n",
			                st->txn->path, base);
			goto fail;
		}
		old = st->txn->nc;
	} else if ((old = tls_store_cert(st, base)) == NULL) {
		err = xstrdup("Can't replace a certificate which is not referenced by the configuration!\n");
		goto fail;
	}
	nc = tls_cert_dup(old, base);
	if (tls_cert_apply(nc, part, base, pem, len, &err) < 0) {
		char *e = xasprintf("%sCan't load the payload\n", err ? err : "");
		free(err);
		err = e;
		goto fail;
	}
	if (st->txn) {
		tls_cert_free(st->txn->nc);
		st->txn->nc = nc;
		sbuf_addf(out, "Transaction updated for certificate %s!\n", st->txn->path);
	} else {
		struct tls_txn *t = xcalloc(1, sizeof(*t));
		t->path = xstrdup(base);
		t->old = old;
		t->nc = nc;
		st->txn = t;
		sbuf_addf(out, "Transaction created for certificate %s!\n", t->path);
	}
	nc = NULL;
	ret = 0;
	goto done;
fail:
	sbuf_addf(out, "%sCan't update %s!\n", err ? err : "", name);
done:
	tls_cert_free(nc);
	free(err);
	free(base);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

/* The entry to store for the transaction's copy: built again from PEM
 * by tls_cert_from_pem() so that its names and key kind are derived as
 * at start-up, with the transaction's OCSP response (a new PEM dropped
 * the old one). */
static struct tls_cert *
final_cert(const struct tls_cert *t, char **err)
{
	/* a secure memory BIO: the key's PEM is wiped when freed */
	BIO *b = BIO_new(BIO_s_secmem());
	struct tls_cert *nc = NULL;
	char *p;
	long n;
	bool ok = b != NULL && PEM_write_bio_X509(b, t->cert);

	/* the usual order: leaf, chain, key */
	for (int i = 0; ok && t->chain && i < sk_X509_num(t->chain); i++)
		ok = PEM_write_bio_X509(b, sk_X509_value(t->chain, i));
	ok = ok && PEM_write_bio_PrivateKey(b, t->key, NULL, NULL, 0, NULL, NULL);
	ok = ok && (t->dh == NULL || PEM_write_bio_Parameters(b, t->dh));
	if (!ok || (n = BIO_get_mem_data(b, &p)) <= 0) {
		*err = xstrdup("Cannot allocate memory!\n");
		goto out;
	}
	nc = tls_cert_from_pem(t->path, p, (size_t)n, err);
	if (nc == NULL)
		goto out;
	if (t->ocsp) {
		free(nc->ocsp);
		nc->ocsp = xmalloc(t->ocsp_len);
		memcpy(nc->ocsp, t->ocsp, t->ocsp_len);
		nc->ocsp_len = t->ocsp_len;
	}
out:
	ERR_clear_error();
	BIO_free(b);
	return nc;
}

int
tls_cert_commit(struct tls_store *st, const char *name, struct sbuf *out)
{
	char *err = NULL;
	struct tls_cert *nc = NULL;
	int ret = -1;

	pthread_mutex_lock(&st->lock);
	struct tls_txn *t = st->txn;
	if (t == NULL) {
		err = xstrdup("No ongoing transaction! !\n");
		goto fail;
	}
	if (strcmp(t->path, name) != 0) {
		err = xasprintf("The ongoing transaction is about '%s' but you are trying to set '%s'\n",
		                t->path, name);
		goto fail;
	}
	if (t->nc->cert == NULL || t->nc->key == NULL) {
		err = xstrdup("The transaction must contain at least a certificate and a private key!\n");
		goto fail;
	}
	if (!X509_check_private_key(t->nc->cert, t->nc->key)) {
		ERR_clear_error();
		err = xasprintf("inconsistencies between private key and certificate loaded '%s'.\n", t->path);
		goto fail;
	}
	/* from here on HAProxy streams its answer: no more "Can't commit" */
	size_t dots = instances(st, t->old);
	sbuf_addf(out, "Committing %s", t->path);
	if ((nc = final_cert(t->nc, &err)) == NULL ||
	    tls_store_replace_cert(st, t->old, nc, &err) < 0) {
		size_t l = err ? strlen(err) : 0;
		sbuf_addf(out, "\n%s%sFailed!\n", err ? err : "", l && err[l - 1] != '\n' ? "\n" : "");
		tls_cert_free(nc);
		free(err);
		/* the transaction stays, as HAProxy's */
		pthread_mutex_unlock(&st->lock);
		return 0;
	}
	for (size_t i = 0; i < dots; i++)
		sbuf_addc(out, '.');
	sbuf_adds(out, "\nSuccess!\n");
	txn_free(st->txn);
	st->txn = NULL;
	ret = 0;
	goto done;
fail:
	sbuf_addf(out, "%sCan't commit %s!\n", err ? err : "", name);
done:
	free(err);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int
tls_cert_abort(struct tls_store *st, const char *name, struct sbuf *out)
{
	int ret = -1;

	pthread_mutex_lock(&st->lock);
	if (st->txn == NULL) {
		sbuf_adds(out, "No ongoing transaction!\n");
	} else if (strcmp(st->txn->path, name) != 0) {
		sbuf_addf(out, "The ongoing transaction is about '%s' but you are trying to abort a transaction for '%s'\n",
		          st->txn->path, name);
	} else {
		txn_free(st->txn);
		st->txn = NULL;
		sbuf_addf(out, "Transaction aborted for certificate '%s'!\n", name);
		ret = 0;
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int
tls_cert_new(struct tls_store *st, const char *name, struct sbuf *out)
{
	int ret = -1;

	pthread_mutex_lock(&st->lock);
	if (tls_store_cert(st, name) != NULL) {
		sbuf_addf(out, "Certificate '%s' already exists!\n", name);
	} else {
		struct tls_cert *c = xcalloc(1, sizeof(*c));
		c->path = xstrdup(name);
		VEC_PUSH(st->certs, c);
		sbuf_addf(out, "New empty certificate store '%s'!\n", name);
		ret = 0;
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}

int
tls_cert_del(struct tls_store *st, const char *name, struct sbuf *out)
{
	struct tls_cert *c;
	int ret = -1;

	pthread_mutex_lock(&st->lock);
	if (st->txn && strcmp(st->txn->path, name) == 0) {
		sbuf_addf(out, "Can't remove the certificate: ongoing transaction for the certificate '%s'\n", name);
	} else if ((c = tls_store_cert(st, name)) == NULL) {
		/* sic: HAProxy's text ends with two line breaks */
		sbuf_addf(out, "Can't remove the certificate: certificate '%s' doesn't exist!\n\n", name);
	} else if (tls_cert_users(st, c) > 0) {
		sbuf_addf(out, "Can't remove the certificate: certificate '%s' in use, can't be deleted!\n\n", name);
	} else {
		size_t i = 0;
		while (i < st->certs.n && st->certs.v[i] != c)
			i++;
		memmove(&st->certs.v[i], &st->certs.v[i + 1], (st->certs.n - i - 1) * sizeof(st->certs.v[0]));
		st->certs.n--;
		tls_cert_free(c);
		sbuf_addf(out, "Certificate '%s' deleted!\n", name);
		ret = 0;
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}
