/* TLS contexts (OpenSSL directly): one per bind line ("bind ... ssl"), one
 * per server line ("server ... ssl"), and the process's certificate store
 * that the stats socket's "set/commit ssl cert" changes at run time.
 *
 * Built once at start-up from the parsed configuration (and for
 * "sluice -c", which loads every certificate as haproxy -c does); read by
 * every worker thread. A certificate update builds new SSL_CTXs and swaps
 * them in under a lock: new handshakes use them, live connections keep
 * the SSL_CTX they started with (OpenSSL reference-counts it).
 *
 * Errors are reported through a struct diag with the bind or server
 * line's file:line:col and HAProxy's wording where it has one. */
#ifndef SLUICE_ENGINE_TLS_H
#define SLUICE_ENGINE_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

struct cfg;
struct cfg_bind;
struct cfg_server;
struct diag;
struct sbuf;

struct tls_bind;   /* a bind line's contexts: default + by SNI */
struct tls_srv;    /* a server line's client context + session cache */
struct tls_store;  /* the certificates loaded (by file name) */

/* ---- process-wide ---- */

/* Loads every certificate named by cfg's "bind ... ssl" lines (crt,
 * crt-list) and builds every bind and server context. NULL after
 * reporting to d. Also used by "sluice -c". */
struct tls_store *tls_store_new(const struct cfg *cfg, struct diag *d);
void tls_store_free(struct tls_store *st);

/* The contexts of bind line b (one with "ssl"), or NULL when b has none. */
struct tls_bind *tls_store_bind(struct tls_store *st, const struct cfg_bind *b);
/* The context of server line sv (one with "ssl"), or NULL. */
struct tls_srv *tls_store_srv(struct tls_store *st, const struct cfg_server *sv);

/* ---- terminating side ---- */

/* A new SSL for an accepted socket fd, in accept state, on b's default
 * context (the SNI callback switches it). NULL on allocation failure. */
SSL *tls_bind_new_ssl(struct tls_bind *b, int fd);

/* ---- server side (bridging, check-ssl) ---- */

/* A new SSL for a connected socket fd towards the server, in connect
 * state: SNI sni (NULL: none; the "sni" expression is evaluated by the
 * caller), ALPN and verification as configured (with verify required
 * the name checked is the SNI when one is sent, else verifyhost, as
 * HAProxy 2.6 does), and the last
 * session to this server offered for resumption. */
SSL *tls_srv_new_ssl(struct tls_srv *s, int fd, const char *sni);
/* Keeps ssl's session for the next connection to the server (call after
 * a successful handshake; no-op with "no-ssl-reuse"). Thread-safe. */
void tls_srv_save_session(struct tls_srv *s, SSL *ssl);

/* ---- facts for sample fetches (ssl_fc_*, ssl_c_*) ---- */

/* The certificate file name that served ssl (its crt path as
 * configured), or NULL. */
const char *tls_served_crt(const SSL *ssl);
/* True when the comma-separated ALPN list names "h2" (HTTP/2, which a
 * mode http bind leaves out of what it offers). */
bool tls_alpn_has_h2(const char *list);

/* Verification errors of the client's chain (ssl_c_err, ssl_c_ca_err,
 * ssl_c_ca_err_depth): the bind's verify callback records each error
 * it sees (kept even when ca-ignore-err/crt-ignore-err forgive it);
 * the first one at depth 0 and the first one above it are kept, 0 when
 * none. Implemented in engine/fetch_ssl.c. */
void tls_verify_record(SSL *ssl, int err, int depth);
void tls_verify_errors(const SSL *ssl, int *crt_err, int *ca_err, int *ca_depth);

/* ---- runtime certificate updates (stats/cmd_ssl.c) ----
 * All of these run on the stats socket's thread. Messages and answers
 * are HAProxy 2.6's (reference §3); each appends its answer text to out
 * (ending in '\n') and returns 0, or -1 after appending the error text.
 * commit and crt-list add stream their answer in HAProxy ("Committing
 * <f>..." / "Inserting ..." then "Success!" or "<error>Failed!"): that
 * answer is data, returned with 0 even when it ends in "Failed!". */

/* "show ssl cert": the list; with a name: its details (Filename, Status,
 * Serial, notBefore, notAfter, Subject Alternative Name, Algorithm,
 * SHA1 FingerPrint, Subject, Issuer, Chain Subject/Issuer). */
int tls_cert_show(struct tls_store *st, const char *name, struct sbuf *out);
/* "set ssl cert <name> <payload>": PEM (cert, key, chain) into a
 * transaction for name (created by "new ssl cert" or existing). */
int tls_cert_set(struct tls_store *st, const char *name, const char *pem,
                 size_t len, struct sbuf *out);
/* "commit ssl cert <name>": rebuilds the contexts using it and swaps
 * them in; "abort ssl cert <name>": drops the transaction. */
int tls_cert_commit(struct tls_store *st, const char *name, struct sbuf *out);
int tls_cert_abort(struct tls_store *st, const char *name, struct sbuf *out);
/* "new ssl cert <name>": an empty entry to fill with set + commit. */
int tls_cert_new(struct tls_store *st, const char *name, struct sbuf *out);
/* "del ssl cert <name>": only when no context uses it. */
int tls_cert_del(struct tls_store *st, const char *name, struct sbuf *out);
/* "show ssl crt-list [-n] [<file>]", "add ssl crt-list <file> <line>"
 * (line: the payload, one crt-list line, or the certificate alone),
 * "del ssl crt-list <file> <crt[:line]>". */
int tls_crtlist_show(struct tls_store *st, const char *file, bool numbered,
                     struct sbuf *out);
int tls_crtlist_add(struct tls_store *st, const char *file, const char *line,
                    struct sbuf *out);
int tls_crtlist_del(struct tls_store *st, const char *file, const char *entry,
                    struct sbuf *out);

#endif
