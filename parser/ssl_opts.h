/* TLS settings shared by bind lines, crt-list entries, server lines and
 * the global ssl-default-* keywords. Embedded in their owners;
 * ssl_opts_clear()/ssl_bind_conf_clear() free the strings. */
#ifndef SLUICE_PARSER_SSL_OPTS_H
#define SLUICE_PARSER_SSL_OPTS_H

#include <stdbool.h>

enum ssl_ver {
	SSL_VER_UNSET = 0,
	SSL_VER_SSLV3,
	SSL_VER_TLS10,
	SSL_VER_TLS11,
	SSL_VER_TLS12,
	SSL_VER_TLS13,
};
#define SSL_VER_NOBIT(v) (1u << (v)) /* ssl_opts.no_vers */

enum ssl_verify {
	SSL_VERIFY_UNSET = 0, /* bind: none; server: required unless ssl-server-verify none */
	SSL_VERIFY_NONE,
	SSL_VERIFY_OPTIONAL,  /* bind only */
	SSL_VERIFY_REQUIRED,
};

/* The words of ssl-default-{bind,server}-options, also valid on bind and
 * server lines. Protocol bounds: min/max if set; force_ver pins both;
 * no_vers disables single versions (deprecated forms). */
struct ssl_opts {
	enum ssl_ver min_ver, max_ver, force_ver;
	unsigned no_vers;
	bool no_tls_tickets;
	bool prefer_client_ciphers; /* bind side only */
};

/* What a bind line (or a crt-list entry) sets for its TLS context. */
struct ssl_bind_conf {
	char *alpn, *npn, *ciphers, *ciphersuites, *curves, *ecdhe;
	char *ca_file, *ca_verify_file, *crl_file;
	enum ssl_verify verify;
	bool no_ca_names;
	bool allow_0rtt;
	enum ssl_ver min_ver, max_ver; /* crt-list may set them per entry */
};

/* "SSLv3", "TLSv1.0" .. "TLSv1.3"; SSL_VER_UNSET when unknown. */
enum ssl_ver ssl_ver_parse(const char *s);
const char *ssl_ver_name(enum ssl_ver v);

/* Applies one option word of ssl-default-*-options (bind=true allows
 * prefer-client-ciphers). arg is the next word (for ssl-min/max-ver) or
 * NULL. Returns how many extra words were used (0 or 1), -1 for an
 * unknown word, -2 for a missing version, -3 for a bad version. */
int ssl_opts_word(struct ssl_opts *o, const char *word, const char *arg,
                  bool bind);
/* dst gets src's settings where dst has none (flags are OR-ed). */
void ssl_opts_merge(struct ssl_opts *dst, const struct ssl_opts *src);

void ssl_bind_conf_clear(struct ssl_bind_conf *c);
void ssl_bind_conf_copy(struct ssl_bind_conf *dst, const struct ssl_bind_conf *src);

#endif
