/* TLS store internals, shared by engine/tls*.c (contexts, A) and
 * engine/tls_cert.c (runtime certificate commands, F). Not for other
 * modules: they use engine/tls.h.
 *
 * Ownership: the store owns every struct tls_cert (st->certs), every
 * struct tls_crtlist (st->crtlists) and every struct tls_bind / tls_srv.
 * Binds and crt-list entries point to certificates; a certificate is
 * freed only by the store (tls_store_free) or by whoever removes it from
 * st->certs once nothing points to it (tls_cert_users() == 0).
 *
 * Threads: the worker threads only read a bind's built contexts
 * (b->cur) under b->lock (read side), in tls_bind_new_ssl() and in the
 * ClientHello callback. Everything else (the certificate list, the
 * crt-lists, b->crts, rebuilding) changes only on the stats socket's
 * thread while holding st->lock; tls_bind_rebuild() then swaps b->cur
 * under b->lock (write side). Live connections keep the SSL_CTX they
 * started with: OpenSSL reference-counts it, and each SSL_CTX owns its
 * struct tls_ctxinfo (freed with it), so nothing a live SSL reads is
 * freed by a swap. */
#ifndef SLUICE_ENGINE_TLS_INT_H
#define SLUICE_ENGINE_TLS_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lib/util.h"
#include "parser/ssl_opts.h"
#include "engine/tls.h"

/* ---- certificates ---- */

enum tls_key_kind { TLS_KEY_OTHER, TLS_KEY_RSA, TLS_KEY_ECDSA };

/* One certificate file as loaded (HAProxy's "ckch store"). */
struct tls_cert {
	char *path;                  /* the name as configured: the store's key */
	X509 *cert;                  /* NULL only for an empty "new ssl cert" entry */
	STACK_OF(X509) *chain;       /* intermediates after the leaf (may be empty) */
	EVP_PKEY *key;
	enum tls_key_kind kind;
	unsigned char *ocsp;         /* "<path>.ocsp" as read (DER), or NULL */
	size_t ocsp_len;
	VEC(char *) names;           /* CN then SAN DNS names, lowercased */
	EVP_PKEY *dh;                /* DH PARAMETERS found in the file, or NULL */
};

/* Loads path: PEM certificate + chain + key (or key in "<path>.key"),
 * and "<path>.ocsp" when present. NULL with *err set (allocated,
 * HAProxy's words) on failure. A directory is not accepted here (see
 * tls_cert_dir_list). */
struct tls_cert *tls_cert_load(const char *path, char **err);
/* The same, with *warn set (allocated) when something is ignored (an
 * unusable .ocsp file), as HAProxy warns. */
struct tls_cert *tls_cert_load_warn(const char *path, char **err, char **warn);
/* Builds a certificate named name from PEM bytes in memory (cert, chain,
 * key, in any order as "set ssl cert" accepts). ocsp is not read. NULL
 * with *err set on failure. */
struct tls_cert *tls_cert_from_pem(const char *name, const char *pem,
                                   size_t len, char **err);
void tls_cert_free(struct tls_cert *c);
/* The certificate files of directory dir in HAProxy's order (name order,
 * without dotfiles and *.key/.ocsp/.issuer/.sctl): a NULL-terminated
 * allocated array of allocated "dir/name" paths, NULL with *err set. */
char **tls_cert_dir_list(const char *dir, char **err);

/* ---- crt-lists ---- */

/* One line of a crt-list, as the runtime sees it. */
struct tls_crtlist_entry {
	struct tls_cert *cert;
	bool has_conf;               /* a [...] block was given */
	struct sslo_bind_conf conf;  /* its settings (owned) */
	VEC(char *) filters;         /* SNI filters as written ("!x", "*.d"), owned */
	int line;                    /* line in the file (0: added at run time) */
};

struct tls_crtlist {
	char *path;
	VEC(struct tls_crtlist_entry *) entries; /* in file order */
	int linecount;               /* lines of the file as loaded (0: unknown,
	                              * tls_crtlist.c counts them); "add ssl
	                              * crt-list" numbers new entries after it */
};

/* ---- bind contexts ---- */

/* What a built SSL_CTX carries (ex_data, freed with the SSL_CTX): the
 * settings the ClientHello callback applies to an SSL switched to this
 * context (SSL_set_SSL_CTX copies only the certificate). */
struct tls_ctxinfo {
	char *crt_path;              /* tls_served_crt() */
	enum tls_key_kind kind;
	int min_ver, max_ver;        /* TLS1_2_VERSION...; 0: none */
	int verify_mode;             /* SSL_VERIFY_* */
	char *ciphers, *suites, *groups; /* NULL: the default context's */
	unsigned char *alpn;         /* wire format (length-prefixed), or NULL */
	size_t alpn_len;
	unsigned char *ocsp;         /* the certificate's staple (copy), or NULL */
	size_t ocsp_len;
	unsigned char *npn;          /* wire format, or NULL */
	size_t npn_len;
	struct tls_bind *bind;       /* for the ignore-err lists; never freed before the store */
};

/* One SNI name of a built context set: an exact name or a wildcard
 * suffix ("*.example.com" is stored as ".example.com"). */
struct tls_sni {
	char *name;                  /* lowercased */
	bool neg;                    /* a "!name" crt-list exclusion */
	SSL_CTX *ctx;                /* one reference held */
	enum tls_key_kind kind;
	size_t order;                /* configuration order, for ties */
};

/* A bind's built contexts: immutable once made; replaced whole. */
struct tls_ctxset {
	SSL_CTX *dflt;               /* first crt (or first crt-list line) */
	VEC(struct tls_sni) exact;   /* sorted by name, then order */
	VEC(struct tls_sni) wild;    /* sorted by name, then order */
};

struct tls_bind {
	const struct cfg_bind *cfg;
	struct tls_store *st;
	VEC(struct tls_cert *) crts; /* "crt" words, directories expanded, in order */
	VEC(struct tls_crtlist *) lists; /* "crt-list" words, in order */
	/* ticket keys (tls-ticket-keys), shared by every context of the bind
	 * so tickets survive a rebuild */
	unsigned char (*tkeys)[80];  /* name(16) aes(16|32) hmac(16|32) */
	size_t ntkeys;
	size_t tkey_aes_len;         /* 16 or 32 */
	unsigned ca_ignore_all : 1, crt_ignore_all : 1;
	VEC(int) ca_ignore, crt_ignore; /* X509_V_ERR_* ids */
	pthread_rwlock_t lock;       /* guards cur */
	struct tls_ctxset *cur;
};

/* ---- servers ---- */

struct tls_srv {
	const struct cfg_server *cfg;
	SSL_CTX *ctx;
	bool verify;                 /* verify required */
	unsigned char *alpn;         /* wire format, or NULL */
	size_t alpn_len;
	unsigned char *npn;          /* wire format, or NULL */
	size_t npn_len;
	pthread_mutex_t lock;        /* guards sess, sess_sni */
	SSL_SESSION *sess;           /* last session for reuse, or NULL */
	char *sess_sni;              /* the SNI it was made with, or NULL */
};

/* ---- the store ---- */

struct tls_store {
	const struct cfg *cfg;
	pthread_mutex_t lock;        /* runtime changes (stats socket) */
	VEC(struct tls_cert *) certs;      /* by path, in load order */
	VEC(struct tls_crtlist *) crtlists;
	VEC(struct tls_bind *) binds;
	VEC(struct tls_srv *) srvs;
	VEC(char *) warnings;        /* loading warnings not yet reported (tls.c) */
	struct tls_txn *txn;         /* the "set ssl cert" transaction
	                              * (tls_cert.c), or NULL */
};

/* Frees what engine/tls_cert.c keeps in st (the pending "set ssl cert"
 * transaction). tls_store_free() calls it first. */
void tls_cert_cleanup(struct tls_store *st);

/* The certificate named path in st, or NULL. */
struct tls_cert *tls_store_cert(struct tls_store *st, const char *path);
/* The crt-list named path in st, or NULL. */
struct tls_crtlist *tls_store_crtlist(struct tls_store *st, const char *path);
/* How many bind "crt" words and crt-list entries point to c. */
size_t tls_cert_users(struct tls_store *st, const struct tls_cert *c);
/* True when bind b uses c (directly or through one of its crt-lists). */
bool tls_bind_uses(const struct tls_bind *b, const struct tls_cert *c);
/* True when bind b uses crt-list l. */
bool tls_bind_uses_list(const struct tls_bind *b, const struct tls_crtlist *l);

/* Builds b's contexts from its current certificates and crt-lists and
 * swaps them in (new handshakes use them; live ones keep theirs).
 * 0, or -1 with *err set (allocated) and the old contexts kept. Caller
 * holds st->lock. */
int tls_bind_rebuild(struct tls_bind *b, char **err);

/* Replaces certificate old by nc everywhere (st->certs, every bind's
 * crts, every crt-list entry), rebuilds every bind using it, and frees
 * old. On failure (-1, *err set) nothing is changed and nc is still the
 * caller's. Caller holds st->lock. */
int tls_store_replace_cert(struct tls_store *st, struct tls_cert *old,
                           struct tls_cert *nc, char **err);

/* Frees a crt-list entry (not its certificate). */
void tls_crtlist_entry_free(struct tls_crtlist_entry *e);

/* X509 verification callback helper: true when error err at depth
 * (0 = the peer's certificate) is listed by the bind's crt-ignore-err
 * (depth 0) or ca-ignore-err (depth > 0). */
bool tls_ignore_err(const struct tls_bind *b, int err, int depth);

/* ---- helpers of engine/tls*.c (A's files) ---- */

int tls_ctxinfo_idx(void);
struct tls_ctxinfo *tls_ctxinfo_of(const SSL_CTX *ctx);
/* SSLO_VER_* -> TLS1_2_VERSION...; 0 for UNSET. */
int tls_ossl_ver(enum sslo_ver v);
/* "h2,http/1.1" in ALPN wire format (allocated), NULL when empty. */
unsigned char *tls_alpn_wire(const char *list, size_t *len);
/* Sets ctx's protocol range from o (min/max: crt-list overrides) as
 * HAProxy does (bind: TLSv1.2 minimum by default); -1 when none left. */
int tls_apply_versions(SSL_CTX *ctx, const struct sslo_opts *o, enum sslo_ver min,
                       enum sslo_ver max, bool bind, int *omin, int *omax);
/* The TLS <= 1.2 cipher list of a bind (and crt-list entry) whose own
 * line, crt-list and ssl-default-bind-ciphers set none, when its minimum
 * is TLSv1.2 or more: OpenSSL 3's DEFAULT, same order, only the AEAD
 * suites with forward secrecy (doc/security.md says why). */
#define TLS_DEFAULT_BIND_CIPHERS \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-CHACHA20-POLY1305:" \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256"
/* Fills b's ca-ignore-err / crt-ignore-err lists from its cfg. */
void tls_bind_ignore_init(struct tls_bind *b);
/* The info callback of every context (see tls_ctx.c). */
void tls_info_cb(const SSL *ssl, int where, int ret);
/* The X509 verification callback of terminating contexts. */
int tls_verify_cb(int ok, X509_STORE_CTX *xs);
/* Loads the tls-ticket-keys file path into b. 0, or -1 with *err. */
int tls_tkeys_load(struct tls_bind *b, const char *path, char **err);
/* A terminating SSL_CTX for cert with b's settings overridden by e (a
 * crt-list entry's [options], or NULL). NULL with *err set. */
SSL_CTX *tls_bind_ctx_new(struct tls_bind *b, const struct tls_cert *cert,
                          const struct sslo_bind_conf *e, char **err);
/* What every context of the process shares from the global section:
 * DH parameters (ssl-dh-param-file, tune.ssl.default-dh-param), the
 * record size (tune.ssl.maxrecord), ssl-skip-self-issued-ca. */
void tls_ctx_common(SSL_CTX *ctx, const struct cfg *cfg, const struct tls_cert *cert);
/* Sets ctx's chain (ssl-skip-self-issued-ca applied). 0 or -1. */
int tls_ctx_chain(SSL_CTX *ctx, const struct cfg *cfg, STACK_OF(X509) *chain);
/* Server side (engine/tls_srv.c). */
struct tls_srv *tls_srv_new(struct tls_store *st, const struct cfg_server *sv, char **err);
void tls_srv_free(struct tls_srv *s);

#endif
