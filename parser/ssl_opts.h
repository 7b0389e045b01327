/* TLS settings shared by bind lines, crt-list entries, server lines and
 * the global ssl-default-* keywords. Embedded in their owners;
 * sslo_bind_conf_clear() frees the strings. */
#ifndef SLUICE_PARSER_SSL_OPTS_H
#define SLUICE_PARSER_SSL_OPTS_H

#include <stdbool.h>

enum sslo_ver {
	SSLO_VER_UNSET = 0,
	SSLO_VER_SSLV3,
	SSLO_VER_TLS10,
	SSLO_VER_TLS11,
	SSLO_VER_TLS12,
	SSLO_VER_TLS13,
};
#define SSLO_VER_NOBIT(v) (1u << (v)) /* ssl_opts.no_vers */

enum sslo_verify {
	SSLO_VERIFY_UNSET = 0, /* bind: none; server: required unless ssl-server-verify none */
	SSLO_VERIFY_NONE,
	SSLO_VERIFY_OPTIONAL,  /* bind only */
	SSLO_VERIFY_REQUIRED,
};

/* The words of ssl-default-{bind,server}-options, also valid on bind and
 * server lines. Protocol bounds: min/max if set; force_ver pins both;
 * no_vers disables single versions (deprecated forms). */
struct sslo_opts {
	enum sslo_ver min_ver, max_ver, force_ver;
	unsigned no_vers;
	bool no_tls_tickets;
	bool prefer_client_ciphers; /* bind side only */
};

/* What a bind line (or a crt-list entry) sets for its TLS context. */
struct sslo_bind_conf {
	char *alpn, *npn, *ciphers, *ciphersuites, *curves, *ecdhe;
	char *ca_file, *ca_verify_file, *crl_file;
	enum sslo_verify verify;
	bool no_ca_names;
	bool allow_0rtt;
	enum sslo_ver min_ver, max_ver; /* crt-list may set them per entry */
};

/* "SSLv3", "TLSv1.0" .. "TLSv1.3"; SSLO_VER_UNSET when unknown. */
enum sslo_ver sslo_ver_parse(const char *s);
const char *sslo_ver_name(enum sslo_ver v);

/* What sslo_opts_word() did with a word. */
enum sslo_word_rc {
	SSLO_WORD_OK,          /* applied, no argument used */
	SSLO_WORD_OK_ARG,      /* applied, the argument (version) used too */
	SSLO_WORD_UNKNOWN,     /* not an option of this list */
	SSLO_WORD_NO_VERSION,  /* ssl-min-ver/ssl-max-ver without argument */
	SSLO_WORD_BAD_VERSION, /* ... with an unknown version */
};

/* Applies one option word of ssl-default-*-options (bind=true allows
 * prefer-client-ciphers). arg is the next word (for ssl-min/max-ver) or
 * NULL. */
enum sslo_word_rc sslo_opts_word(struct sslo_opts *o, const char *word,
                                 const char *arg, bool bind);
/* dst gets src's settings where dst has none (flags are OR-ed). */
void sslo_opts_merge(struct sslo_opts *dst, const struct sslo_opts *src);

void sslo_bind_conf_clear(struct sslo_bind_conf *c);
void sslo_bind_conf_copy(struct sslo_bind_conf *dst, const struct sslo_bind_conf *src);

#endif
