/* Shared helpers of the global/bind/server/addr unit tests: load a
 * config string and look for an exact diagnostic. */
#ifndef SLUICE_TESTS_B_COMMON_H
#define SLUICE_TESTS_B_COMMON_H

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "parser/cfg.h"

static struct diag bd;

static inline struct cfg *
bload(const char *text, bool resolve)
{
	struct cfg_opts o = { .check_files = true };
	diag_free(&bd);
	memset(&bd, 0, sizeof(bd));
	return cfg_load_string("t.cfg", text, strlen(text), &o, resolve, &bd);
}

static inline void
bdump(void)
{
	for (size_t i = 0; i < bd.n; i++) {
		char *s = diag_format(&bd.msgs[i]);
		fprintf(stderr, "  have: %s\n", s);
		free(s);
	}
}

/* A message of level lvl at line:col whose text is exactly text. */
static inline void
bexpect(enum diag_level lvl, int line, int col, const char *text)
{
	for (size_t i = 0; i < bd.n; i++) {
		const struct diag_msg *m = &bd.msgs[i];
		if (m->level == lvl && m->loc.line == line && m->loc.col == col &&
		    strcmp(m->text, text) == 0)
			return;
	}
	bdump();
	ck_abort_msg("no %s at %d:%d: \"%s\"", lvl == DIAG_ERROR ? "error" : "warning",
	             line, col, text);
}

/* No error and no warning. */
static inline void
bclean(struct cfg *c)
{
	if (c == NULL || bd.nerrors || bd.nwarnings) {
		bdump();
		ck_abort_msg("expected a clean load");
	}
}

/* Writes a self-signed certificate to cert_path and its private key
 * after it (key_path NULL), into key_path, or nowhere (with_key false).
 * key_from, if not NULL, is the key to write instead of the cert's own
 * (a mismatch). */
static inline void
bmake_cert(const char *cert_path, bool with_key, const char *key_path, EVP_PKEY *key_from)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	ck_assert_ptr_nonnull(k);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME *nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"t.test", -1, -1, 0);
	X509_set_issuer_name(x, nm);
	ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
	FILE *f = fopen(cert_path, "w");
	ck_assert_ptr_nonnull(f);
	PEM_write_X509(f, x);
	if (with_key) {
		if (key_path) {
			fclose(f);
			f = fopen(key_path, "w");
			ck_assert_ptr_nonnull(f);
		}
		PEM_write_PrivateKey(f, key_from ? key_from : k, NULL, NULL, 0, NULL, NULL);
	}
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
}

#define BFE "defaults\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nfrontend f\n"
#define BBE "defaults\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nbackend b\n"

#endif
