/* TLS checks of the config pass with OpenSSL (see tls_check.h). The
 * message texts are HAProxy 2.6's (ssl_ckch.c, ssl_sock.c). */
#include "tls_check.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "../lib/util.h"

/* Encrypted keys would make OpenSSL prompt on the terminal: refuse. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return 0;
}

static EVP_PKEY *
read_key(const char *path)
{
	BIO *in = BIO_new_file(path, "r");
	EVP_PKEY *key = NULL;

	if (in) {
		key = PEM_read_bio_PrivateKey(in, NULL, no_passphrase, NULL);
		BIO_free(in);
	}
	ERR_clear_error();
	return key;
}

/* One PEM file: certificate, optional chain, key here or in <path>.key. */
static char *
load_file(const char *path)
{
	BIO *in = BIO_new_file(path, "r");
	EVP_PKEY *key = NULL;
	X509 *cert = NULL, *ca;
	char *msg = NULL, *kpath = NULL;
	struct stat st;

	if (in == NULL) {
		ERR_clear_error();
		return xasprintf("unable to load certificate from file '%s'.", path);
	}
	key = PEM_read_bio_PrivateKey(in, NULL, no_passphrase, NULL);
	ERR_clear_error();
	if (BIO_reset(in) < 0 ||
	    (cert = PEM_read_bio_X509_AUX(in, NULL, no_passphrase, NULL)) == NULL) {
		msg = xasprintf("unable to load certificate from file '%s'.", path);
		goto out;
	}
	ERR_clear_error();
	while ((ca = PEM_read_bio_X509(in, NULL, no_passphrase, NULL)) != NULL)
		X509_free(ca);
	unsigned long e = ERR_peek_error();
	if (e && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		msg = xasprintf("unable to load certificate chain from file '%s'.", path);
		goto out;
	}
	if (key == NULL) {
		kpath = xasprintf("%s.key", path);
		if (stat(kpath, &st) == 0) {
			key = read_key(kpath);
			if (key == NULL) {
				msg = xasprintf("unable to load private key from file '%s'.\n '%s' is present but cannot be read or parsed'.",
				                kpath, kpath);
				goto out;
			}
		}
	}
	if (key == NULL) {
		msg = xasprintf("No Private Key found in '%s.key'.", path);
		goto out;
	}
	if (X509_check_private_key(cert, key) != 1)
		msg = xasprintf("inconsistencies between private key and certificate loaded '%s'.", path);
out:
	ERR_clear_error();
	free(kpath);
	X509_free(cert);
	EVP_PKEY_free(key);
	BIO_free(in);
	return msg;
}

/* HAProxy skips these when it loads a directory: companions of a
 * certificate, and dotfiles. */
static bool
skipped_in_dir(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		return false;
	return name[0] == '.' || strcmp(dot, ".key") == 0 || strcmp(dot, ".ocsp") == 0 ||
	       strcmp(dot, ".issuer") == 0 || strcmp(dot, ".sctl") == 0;
}

static char *
load_dir(const char *path)
{
	struct dirent **list = NULL;
	char *msg = NULL;
	int n = scandir(path, &list, NULL, alphasort);

	if (n < 0)
		return xasprintf("unable to scan directory '%s' : %s.", path, strerror(errno));
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (msg || skipped_in_dir(list[i]->d_name)) {
			free(list[i]);
			continue;
		}
		char *fp = xasprintf("%s/%s", path, list[i]->d_name);
		if (stat(fp, &st) != 0)
			msg = xasprintf("unable to stat SSL certificate from file '%s' : %s.",
			                fp, strerror(errno));
		else if (S_ISREG(st.st_mode))
			msg = load_file(fp);
		free(fp);
		free(list[i]);
	}
	free(list);
	return msg;
}

int
tlsc_bundle_files(const char *path, char ***out)
{
	static const char *const ext[] = { "dsa", "ecdsa", "rsa" };
	char **v = out ? xcalloc(4, sizeof(*v)) : NULL;
	int n = 0;

	for (size_t i = 0; i < 3; i++) {
		struct stat st;
		char *p = xasprintf("%s.%s", path, ext[i]);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && v)
			v[n++] = p;
		else if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			n++, free(p);
		else
			free(p);
	}
	if (out)
		*out = v;
	return n;
}

char *
tlsc_load_crt(const char *path, bool dir_ok)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		char **files = NULL;
		int err = errno;
		if (dir_ok && tlsc_bundle_files(path, &files) > 0) {
			/* a bundle: "<path>.ecdsa", "<path>.rsa"... */
			char *msg = NULL;
			for (size_t i = 0; files[i]; i++) {
				if (msg == NULL)
					msg = load_file(files[i]);
				free(files[i]);
			}
			free(files);
			return msg;
		}
		free(files);
		return xasprintf("unable to stat SSL certificate from file '%s' : %s.",
		                 path, strerror(err));
	}
	if (S_ISDIR(st.st_mode) && dir_ok)
		return load_dir(path);
	if (!S_ISREG(st.st_mode)) /* HAProxy's words, errno being 0 */
		return xasprintf("unable to stat SSL certificate from file '%s' : Success.", path);
	return load_file(path);
}

static bool
available(enum sslo_ver v)
{
#ifdef OPENSSL_NO_SSL3
	if (v == SSLO_VER_SSLV3)
		return false;
#endif
	return v >= SSLO_VER_SSLV3 && v <= SSLO_VER_TLS13;
}

void
tlsc_versions(const struct sslo_opts *o, enum sslo_ver min, enum sslo_ver max,
              bool bind, struct tlsc_vers *r)
{
	enum sslo_ver lo = o->min_ver, hi = o->max_ver;
	unsigned off = 0; /* SSLO_VER_NOBIT()s disabled by no-* words */

	memset(r, 0, sizeof(*r));
	if (o->force_ver != SSLO_VER_UNSET)
		lo = hi = o->force_ver;
	if (min != SSLO_VER_UNSET)
		lo = min;
	if (max != SSLO_VER_UNSET)
		hi = max;
	/* min/max win over the deprecated no-* words */
	if (o->no_vers && (lo != SSLO_VER_UNSET || hi != SSLO_VER_UNSET))
		r->flags_ignored = true;
	else
		off = o->no_vers;
	bool explicit_lo = lo != SSLO_VER_UNSET;
	if (bind && lo == SSLO_VER_UNSET) {
		if (hi == SSLO_VER_UNSET || hi >= SSLO_VER_TLS12) {
			lo = SSLO_VER_TLS12;
		} else {
			r->ambiguous = true;
			lo = hi;
		}
	}
	enum sslo_ver first = SSLO_VER_UNSET, last = SSLO_VER_UNSET, hole = SSLO_VER_UNSET;
	for (int v = SSLO_VER_SSLV3; v <= SSLO_VER_TLS13; v++) {
		bool on = available((enum sslo_ver)v) && !(off & SSLO_VER_NOBIT(v)) &&
		          (lo == SSLO_VER_UNSET || v >= (int)lo) &&
		          (hi == SSLO_VER_UNSET || v <= (int)hi);
		if (!on) {
			if (first != SSLO_VER_UNSET)
				hole = (enum sslo_ver)v;
			continue;
		}
		if (first == SSLO_VER_UNSET)
			first = (enum sslo_ver)v;
		else if (hole != SSLO_VER_UNSET)
			r->hole = hole, hole = SSLO_VER_UNSET;
		last = (enum sslo_ver)v;
	}
	r->none = first == SSLO_VER_UNSET;
	r->min = first;
	r->max = last;
	/* a server without settings starts at the oldest version OpenSSL
	 * has, as HAProxy: only what the operator wrote is a downgrade */
	r->below12 = !r->none && first < SSLO_VER_TLS12 &&
	             (bind || explicit_lo || last < SSLO_VER_TLS12);
}

unsigned
tlsc_check_lists(bool client, const char *ciphers, const char *suites,
                 const char *curves, const char *ecdhe)
{
	unsigned bad = 0;

	if (!ciphers && !suites && !curves && !ecdhe)
		return 0;
	SSL_CTX *ctx = SSL_CTX_new(client ? TLS_client_method() : TLS_server_method());
	if (ctx == NULL) {
		ERR_clear_error();
		return 0; /* out of memory: nothing we can say about the lists */
	}
	if (ciphers && SSL_CTX_set_cipher_list(ctx, ciphers) != 1)
		bad |= TLSC_BAD_CIPHERS;
	if (suites && SSL_CTX_set_ciphersuites(ctx, suites) != 1)
		bad |= TLSC_BAD_SUITES;
	if (curves && SSL_CTX_set1_curves_list(ctx, curves) != 1)
		bad |= TLSC_BAD_CURVES;
	if (!curves && ecdhe && SSL_CTX_set1_curves_list(ctx, ecdhe) != 1)
		bad |= TLSC_BAD_ECDHE;
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return bad;
}

char *
tlsc_ticket_keys(const char *path, unsigned char keys[TLSC_TICKET_KEYS][80],
                 unsigned *aes_len)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned char ring[TLSC_TICKET_KEYS][80];
	unsigned aes = 0;
	size_t n = 0;
	int lineno = 0;
	char *msg = NULL;

	if (f == NULL)
		return xasprintf("'%s' : unable to load ssl tickets keys file", path);
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		unsigned char dec[512];
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		int dl = EVP_DecodeBlock(dec, (const unsigned char *)line, (int)len);
		if (dl < 0 || len % 4) {
			msg = xasprintf("'%s' : unable to decode base64 key on line %d", path, lineno);
			break;
		}
		for (size_t p = len; p > 0 && line[p - 1] == '='; p--)
			dl--;
		unsigned a = dl == 48 ? 16 : dl == 80 ? 32 : 0;
		if (a == 0 || (aes && a != aes)) {
			msg = xasprintf("'%s' : wrong sized key on line %d", path, lineno);
			break;
		}
		aes = a;
		memcpy(ring[n % TLSC_TICKET_KEYS], dec, 80);
		n++;
		OPENSSL_cleanse(dec, sizeof(dec));
	}
	fclose(f);
	if (msg == NULL && n < TLSC_TICKET_KEYS)
		msg = xasprintf("'%s' : please supply at least %d keys in the tls-tickets-file",
		                path, TLSC_TICKET_KEYS);
	if (msg == NULL && keys) {
		/* the last keys in file order */
		for (size_t i = 0; i < TLSC_TICKET_KEYS; i++)
			memcpy(keys[i], ring[(n + i) % TLSC_TICKET_KEYS], 80);
	}
	if (aes_len)
		*aes_len = aes;
	OPENSSL_cleanse(ring, sizeof(ring));
	return msg;
}
