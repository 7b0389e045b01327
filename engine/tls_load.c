/* Loading certificate files for the TLS store (see tls_int.h): PEM
 * certificate + chain + key (key possibly in "<file>.key"), the OCSP
 * response in "<file>.ocsp", the names a certificate answers to, and
 * the certificate files of a directory. Messages are HAProxy 2.6's
 * (ssl_ckch.c) where it has one. */
#include "engine/tls_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* Encrypted keys would make OpenSSL prompt on the terminal: refuse. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return 0;
}

static char *
lower_dup(const char *s, size_t n)
{
	char *r = xstrndup(s, n);

	for (char *p = r; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

/* The CN entries of the subject, then the SAN DNS names (HAProxy inserts
 * both into the SNI tree). */
static void
collect_names(struct tls_cert *c)
{
	X509_NAME *subj = X509_get_subject_name(c->cert);
	int i = -1;

	while ((i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0) {
		ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
		unsigned char *u = NULL;
		int n = ASN1_STRING_to_UTF8(&u, d);
		if (n > 0)
			VEC_PUSH(c->names, lower_dup((const char *)u, (size_t)n));
		OPENSSL_free(u);
	}
	GENERAL_NAMES *sans = X509_get_ext_d2i(c->cert, NID_subject_alt_name, NULL, NULL);
	for (int k = 0; sans && k < sk_GENERAL_NAME_num(sans); k++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, k);
		if (g->type != GEN_DNS)
			continue;
		const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
		int n = ASN1_STRING_length(g->d.dNSName);
		if (n > 0)
			VEC_PUSH(c->names, lower_dup((const char *)s, (size_t)n));
	}
	GENERAL_NAMES_free(sans);
}

static enum tls_key_kind
key_kind(EVP_PKEY *k)
{
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		return TLS_KEY_RSA;
	case EVP_PKEY_EC:
		return TLS_KEY_ECDSA;
	default:
		return TLS_KEY_OTHER;
	}
}

/* Reads cert, chain and maybe key from in into c. name is for messages.
 * 0, or -1 with *err. */
static int
read_pem(BIO *in, struct tls_cert *c, const char *name, char **err)
{
	X509 *ca;

	c->key = PEM_read_bio_PrivateKey(in, NULL, no_passphrase, NULL);
	ERR_clear_error();
	if (BIO_reset(in) < 0 ||
	    (c->cert = PEM_read_bio_X509_AUX(in, NULL, no_passphrase, NULL)) == NULL) {
		*err = xasprintf("unable to load certificate from file '%s'.", name);
		return -1;
	}
	ERR_clear_error();
	/* DH parameters in the PEM: HAProxy uses them for DHE on this
	 * certificate's contexts */
	/* 0 (file BIO) or 1 (memory BIO) both mean done: the reset happened */
	if (BIO_reset(in) >= 0) {
		EVP_PKEY *p = PEM_read_bio_Parameters(in, NULL);
		if (p && EVP_PKEY_get_base_id(p) == EVP_PKEY_DH)
			c->dh = p;
		else
			EVP_PKEY_free(p);
		ERR_clear_error();
		/* back to just after the leaf certificate */
		X509 *leaf = NULL;
		if (BIO_reset(in) < 0 ||
		    (leaf = PEM_read_bio_X509_AUX(in, NULL, no_passphrase, NULL)) == NULL) {
			*err = xasprintf("unable to load certificate from file '%s'.", name);
			return -1;
		}
		X509_free(leaf);
		ERR_clear_error();
	}
	c->chain = sk_X509_new_null();
	while ((ca = PEM_read_bio_X509(in, NULL, no_passphrase, NULL)) != NULL)
		if (sk_X509_push(c->chain, ca) <= 0)
			X509_free(ca);
	unsigned long e = ERR_peek_last_error();
	if (e && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		*err = xasprintf("unable to load certificate chain from file '%s'.", name);
		return -1;
	}
	ERR_clear_error();
	return 0;
}

/* Checks the key and fills the derived facts. */
static int
finish(struct tls_cert *c, const char *name, char **err)
{
	if (X509_check_private_key(c->cert, c->key) != 1) {
		ERR_clear_error();
		*err = xasprintf("inconsistencies between private key and certificate loaded '%s'.", name);
		return -1;
	}
	c->kind = key_kind(c->key);
	collect_names(c);
	return 0;
}

/* The certificate that issued c's leaf: in its chain, else in
 * "<path>.issuer" (HAProxy needs it to compute the OCSP certificate ID). */
static X509 *
find_issuer(const struct tls_cert *c, const char *path)
{
	for (int i = 0; c->chain && i < sk_X509_num(c->chain); i++) {
		X509 *x = sk_X509_value(c->chain, i);
		if (X509_check_issued(x, c->cert) == X509_V_OK && X509_up_ref(x) == 1)
			return x;
	}
	char *ip = xasprintf("%s.issuer", path);
	BIO *in = BIO_new_file(ip, "r");
	X509 *x = in ? PEM_read_bio_X509(in, NULL, no_passphrase, NULL) : NULL;
	BIO_free(in);
	free(ip);
	ERR_clear_error();
	return x;
}

/* "<path>.ocsp": a DER OCSP response stapled as it is. As HAProxy 2.6: no
 * issuer to compute the certificate ID is an error; a response that does
 * not parse or is for another certificate is ignored with a warning. */
static int
load_ocsp(struct tls_cert *c, const char *path, char **err, char **warn)
{
	char *op = xasprintf("%s.ocsp", path);
	FILE *f = fopen(op, "rb");
	struct sbuf b = { 0 };
	X509 *issuer = NULL;
	OCSP_RESPONSE *r = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	const char *ignored = NULL;
	int ret = 0;

	if (f == NULL)
		goto out; /* no staple: fine */
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_addn(&b, buf, n);
	fclose(f);
	if ((issuer = find_issuer(c, path)) == NULL ||
	    (id = OCSP_cert_to_id(NULL, c->cert, issuer)) == NULL) {
		*err = xasprintf(" '%s' is present and activates OCSP but it is impossible to compute the OCSP certificate ID (maybe the issuer could not be found)'.",
		                 op);
		ret = -1;
		goto out;
	}
	const unsigned char *p = (const unsigned char *)b.s;
	if (b.len == 0 || (r = d2i_OCSP_RESPONSE(NULL, &p, (long)b.len)) == NULL)
		ignored = "Unable to parse OCSP response";
	else if (OCSP_response_status(r) != OCSP_RESPONSE_STATUS_SUCCESSFUL)
		ignored = "OCSP response status not successful";
	else if ((bs = OCSP_response_get1_basic(r)) == NULL)
		ignored = "Failed to get basic response from OCSP Response";
	else if (OCSP_resp_find(bs, id, -1) < 0)
		ignored = "OCSP single response: Certificate ID does not match certificate and issuer";
	if (ignored) {
		if (warn)
			*warn = xasprintf("Loading: %s. Content will be ignored.", ignored);
	} else {
		c->ocsp_len = b.len;
		c->ocsp = (unsigned char *)sbuf_take(&b);
	}
out:
	free(sbuf_take(&b));
	OCSP_CERTID_free(id);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(r);
	X509_free(issuer);
	ERR_clear_error();
	free(op);
	return ret;
}

struct tls_cert *
tls_cert_load(const char *path, char **err)
{
	return tls_cert_load_warn(path, err, NULL);
}

struct tls_cert *
tls_cert_load_warn(const char *path, char **err, char **warn)
{
	struct tls_cert *c = xcalloc(1, sizeof(*c));
	struct stat st;
	BIO *in = NULL;
	char *kpath = NULL;

	c->path = xstrdup(path);
	if (stat(path, &st) != 0) {
		*err = xasprintf("unable to stat SSL certificate from file '%s' : %s.", path, strerror(errno));
		goto fail;
	}
	if ((in = BIO_new_file(path, "r")) == NULL) {
		ERR_clear_error();
		*err = xasprintf("unable to load certificate from file '%s'.", path);
		goto fail;
	}
	if (read_pem(in, c, path, err) < 0)
		goto fail;
	if (c->key == NULL) {
		kpath = xasprintf("%s.key", path);
		BIO *kin = stat(kpath, &st) == 0 ? BIO_new_file(kpath, "r") : NULL;
		if (kin) {
			c->key = PEM_read_bio_PrivateKey(kin, NULL, no_passphrase, NULL);
			BIO_free(kin);
			ERR_clear_error();
			if (c->key == NULL) {
				*err = xasprintf("unable to load private key from file '%s'.\n '%s' is present but cannot be read or parsed'.",
				                 kpath, kpath);
				goto fail;
			}
		}
	}
	if (c->key == NULL) {
		*err = xasprintf("No Private Key found in '%s.key'.", path);
		goto fail;
	}
	if (finish(c, path, err) < 0 || load_ocsp(c, path, err, warn) < 0)
		goto fail;
	BIO_free(in);
	free(kpath);
	return c;
fail:
	ERR_clear_error();
	BIO_free(in);
	free(kpath);
	tls_cert_free(c);
	return NULL;
}

struct tls_cert *
tls_cert_from_pem(const char *name, const char *pem, size_t len, char **err)
{
	struct tls_cert *c = xcalloc(1, sizeof(*c));
	BIO *in = BIO_new_mem_buf(pem, (int)len);

	c->path = xstrdup(name);
	if (in == NULL || read_pem(in, c, name, err) < 0)
		goto fail;
	if (c->key == NULL) {
		*err = xasprintf("No Private Key found in '%s.key'.", name);
		goto fail;
	}
	if (finish(c, name, err) < 0)
		goto fail;
	BIO_free(in);
	return c;
fail:
	if (in && *err == NULL)
		*err = xasprintf("unable to load certificate from file '%s'.", name);
	ERR_clear_error();
	BIO_free(in);
	tls_cert_free(c);
	return NULL;
}

void
tls_cert_free(struct tls_cert *c)
{
	if (c == NULL)
		return;
	free(c->path);
	X509_free(c->cert);
	sk_X509_pop_free(c->chain, X509_free);
	EVP_PKEY_free(c->key);
	EVP_PKEY_free(c->dh);
	free(c->ocsp);
	for (size_t i = 0; i < c->names.n; i++)
		free(c->names.v[i]);
	free(c->names.v);
	free(c);
}

/* HAProxy skips these when it loads a directory: companions of a
 * certificate, and dotfiles. */
static bool
skipped_in_dir(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (name[0] == '.')
		return true;
	return dot && (strcmp(dot, ".key") == 0 || strcmp(dot, ".ocsp") == 0 ||
	               strcmp(dot, ".issuer") == 0 || strcmp(dot, ".sctl") == 0);
}

char **
tls_cert_dir_list(const char *dir, char **err)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort);
	VEC(char *) out = { 0 };

	if (n < 0) {
		*err = xasprintf("unable to scan directory '%s' : %s.", dir, strerror(errno));
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (!skipped_in_dir(list[i]->d_name)) {
			char *fp = xasprintf("%s/%s", dir, list[i]->d_name);
			if (stat(fp, &st) == 0 && S_ISREG(st.st_mode))
				VEC_PUSH(out, fp);
			else
				free(fp);
		}
		free(list[i]);
	}
	free(list);
	VEC_PUSH(out, NULL);
	return out.v;
}
