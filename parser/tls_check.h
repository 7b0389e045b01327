/* TLS checks HAProxy 2.6 makes at -c time, done with OpenSSL: do the
 * certificate files load, which protocol versions remain, do OpenSSL
 * accept the cipher/curve lists. Pure functions: the callers (bind.c,
 * server.c) word the diagnostics. Nothing here keeps OpenSSL state. */
#ifndef SLUICE_PARSER_TLS_CHECK_H
#define SLUICE_PARSER_TLS_CHECK_H

#include <stdbool.h>

#include "ssl_opts.h"

/* Loads a certificate chain with its private key (in the same PEM or in
 * <path>.key), as HAProxy does for "crt". A directory loads every regular
 * file in it but dotfiles and *.key, *.ocsp, *.issuer, *.sctl (only when
 * dir_ok; a server's crt must be a file). Returns NULL when it loads, or
 * an allocated message with HAProxy's text. */
char *tlsc_load_crt(const char *path, bool dir_ok);

/* HAProxy's multi-certificate bundle naming: when path itself does not
 * exist, the existing "<path>.dsa", "<path>.ecdsa", "<path>.rsa" (in
 * that order), each a certificate of its own. Returns how many were
 * found (0: none, path is a plain name) and, when out is not NULL, an
 * allocated NULL-terminated array of allocated paths in *out. */
int tlsc_bundle_files(const char *path, char ***out);

/* Reads a tls-ticket-keys file: base64 lines of 48 (AES-128) or 80
 * (AES-256) bytes, at least TLSC_TICKET_KEYS of them; keeps the last
 * TLSC_TICKET_KEYS as name(16) aes(16|32) hmac(16|32) in keys (when not
 * NULL) and the AES key length in *aes_len. Returns NULL, or an
 * allocated message with HAProxy's text ("'<path>' : ..."). */
#define TLSC_TICKET_KEYS 3
char *tlsc_ticket_keys(const char *path, unsigned char keys[TLSC_TICKET_KEYS][80],
                       unsigned *aes_len);

/* The protocol versions one TLS context ends up with. */
struct tlsc_vers {
	bool flags_ignored;   /* no-sslv3/no-tlsv1x given with min/max: warning */
	bool ambiguous;       /* bind: only a max below the default min (TLSv1.2) */
	enum sslo_ver hole;   /* server: a disabled version inside the range */
	bool none;            /* every version disabled: an error */
	bool below12;         /* the settings allow a version below TLSv1.2
	                       * (bind: any; server: an explicit lower bound
	                       * or a maximum below TLSv1.2): sluice warns */
	enum sslo_ver min, max; /* the range in use when !none */
};

/* HAProxy's ssl_sock_prepare_ctx() / _srv_ctx() version logic. o holds
 * the merged options; min/max (SSLO_VER_UNSET: none) override o's, for
 * crt-list entries. bind selects the default minimum of TLSv1.2. */
void tlsc_versions(const struct sslo_opts *o, enum sslo_ver min,
                   enum sslo_ver max, bool bind, struct tlsc_vers *r);

/* Lists OpenSSL rejects, as bits. */
#define TLSC_BAD_CIPHERS 0x1u /* "ciphers": TLS <= 1.2 cipher list */
#define TLSC_BAD_SUITES  0x2u /* "ciphersuites": TLS 1.3 */
#define TLSC_BAD_CURVES  0x4u
#define TLSC_BAD_ECDHE   0x8u /* only tried when curves is NULL, as HAProxy */

/* Tries each non-NULL list on a scratch SSL_CTX (server or client side)
 * and returns the TLSC_BAD_* bits of those OpenSSL refuses. */
unsigned tlsc_check_lists(bool server_side, const char *ciphers,
                          const char *suites, const char *curves,
                          const char *ecdhe);

#endif
