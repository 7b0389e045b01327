/* Runtime certificate updates (HAProxy 2.6's "set/commit ssl cert",
 * "add/del ssl crt-list"...): the pieces of engine/tls_cert.c and
 * engine/tls_crtlist.c that are pure enough to unit-test without a
 * running store (PEM payloads, the "show ssl cert" details, crt-list
 * lines). The commands themselves are the tls_cert_* / tls_crtlist_*
 * functions of engine/tls.h; stats/cmd_ssl.c calls them. */
#ifndef SLUICE_ENGINE_TLS_CERT_H
#define SLUICE_ENGINE_TLS_CERT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

#include "lib/util.h"

struct tls_cert;
struct tls_crtlist_entry;

/* Which part of a certificate a "set ssl cert <name>[.ext]" replaces. */
enum tls_part {
	TLS_PART_PEM,     /* <name> or <name>.crt: certificate, chain, key */
	TLS_PART_KEY,     /* <name>.key: the private key only */
	TLS_PART_OCSP,    /* <name>.ocsp: the OCSP response, base64 DER */
	TLS_PART_ISSUER,  /* <name>.issuer: not used by sluice */
	TLS_PART_SCTL,    /* <name>.sctl: not used by sluice */
};

/* The part named by name's extension, and in *baselen the length of the
 * name without it (strlen(name) for TLS_PART_PEM without extension). */
enum tls_part tls_part_of(const char *name, size_t *baselen);

/* Applies a "set ssl cert" payload of kind part to c (an unstored copy:
 * cert, chain, key, ocsp may be NULL), as HAProxy 2.6 loads it: PEM:
 * the first certificate is the leaf, the next ones the chain, the first
 * private key anywhere is the key (or none: the key is dropped); KEY:
 * the first private key; OCSP: base64 of a DER OCSP response. file is
 * the name the error texts show. 0, or -1 with *err set (allocated,
 * HAProxy's text, ending in '\n' as HAProxy's do). */
int tls_cert_apply(struct tls_cert *c, enum tls_part part, const char *file,
                   const char *payload, size_t len, char **err);

/* A copy of c sharing its OpenSSL objects (reference counts), named
 * path, without its SNI names (they are derived again on commit). */
struct tls_cert *tls_cert_dup(const struct tls_cert *c, const char *path);

/* "show ssl cert <name>" details of c: shown is the name as displayed
 * ("*" prefix for a transaction), used whether a context uses it. */
void tls_cert_details(const struct tls_cert *c, const char *shown, bool used,
                      struct sbuf *out);

/* "show ssl cert <name>.ocsp": the OCSP response (DER) as OpenSSL prints
 * it; nothing without one. */
void tls_ocsp_text(const unsigned char *der, size_t len, struct sbuf *out);

/* One crt-list line as "add ssl crt-list" reads it:
 * <crt> [[<option> ...]] [<sni filter> ...]. Fills e (has_conf, conf,
 * filters; not cert nor line) and *crt (allocated, as written; NULL for
 * an empty line). ca_base (or NULL) prefixes relative ca-file,
 * ca-verify-file and crl-file paths. 0, or -1 with *err set (allocated,
 * HAProxy's text without its "Can't edit the crt-list: " prefix). */
int tls_crtlist_parse_line(const char *line, const char *ca_base, char **crt,
                           struct tls_crtlist_entry *e, char **err);
/* Appends e as "show ssl crt-list" shows it (with ":<line>" when
 * numbered), with its trailing '\n'. */
void tls_crtlist_format(const struct tls_crtlist_entry *e, bool numbered,
                        struct sbuf *out);

#endif
