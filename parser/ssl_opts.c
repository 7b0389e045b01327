/* TLS option words shared by bind, server and global. */
#include "ssl_opts.h"

#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"

static const char *const ver_names[] = {
	[SSLO_VER_SSLV3] = "SSLv3", [SSLO_VER_TLS10] = "TLSv1.0",
	[SSLO_VER_TLS11] = "TLSv1.1", [SSLO_VER_TLS12] = "TLSv1.2",
	[SSLO_VER_TLS13] = "TLSv1.3",
};

enum sslo_ver
sslo_ver_parse(const char *s)
{
	for (int v = SSLO_VER_SSLV3; v <= SSLO_VER_TLS13; v++)
		if (strcmp(s, ver_names[v]) == 0)
			return (enum sslo_ver)v;
	return SSLO_VER_UNSET;
}

const char *
sslo_ver_name(enum sslo_ver v)
{
	return v >= SSLO_VER_SSLV3 && v <= SSLO_VER_TLS13 ? ver_names[v] : "";
}

static const struct {
	const char *name;
	enum sslo_ver v;
	bool force;
} ver_flags[] = {
	{ "no-sslv3", SSLO_VER_SSLV3, false }, { "no-tlsv10", SSLO_VER_TLS10, false },
	{ "no-tlsv11", SSLO_VER_TLS11, false }, { "no-tlsv12", SSLO_VER_TLS12, false },
	{ "no-tlsv13", SSLO_VER_TLS13, false },
	{ "force-sslv3", SSLO_VER_SSLV3, true }, { "force-tlsv10", SSLO_VER_TLS10, true },
	{ "force-tlsv11", SSLO_VER_TLS11, true }, { "force-tlsv12", SSLO_VER_TLS12, true },
	{ "force-tlsv13", SSLO_VER_TLS13, true },
};

enum sslo_word_rc
sslo_opts_word(struct sslo_opts *o, const char *word, const char *arg, bool bind)
{
	for (size_t i = 0; i < ARRAY_SIZE(ver_flags); i++) {
		if (strcmp(word, ver_flags[i].name) != 0)
			continue;
		if (ver_flags[i].force)
			o->force_ver = ver_flags[i].v;
		else
			o->no_vers |= SSLO_VER_NOBIT(ver_flags[i].v);
		return SSLO_WORD_OK;
	}
	if (strcmp(word, "ssl-min-ver") == 0 || strcmp(word, "ssl-max-ver") == 0) {
		if (arg == NULL || *arg == '\0')
			return SSLO_WORD_NO_VERSION;
		enum sslo_ver v = sslo_ver_parse(arg);
		if (v == SSLO_VER_UNSET)
			return SSLO_WORD_BAD_VERSION;
		if (word[4] == 'm' && word[5] == 'i')
			o->min_ver = v;
		else
			o->max_ver = v;
		return SSLO_WORD_OK_ARG;
	}
	if (strcmp(word, "no-tls-tickets") == 0) {
		o->no_tls_tickets = true;
		return SSLO_WORD_OK;
	}
	if (bind && strcmp(word, "prefer-client-ciphers") == 0) {
		o->prefer_client_ciphers = true;
		return SSLO_WORD_OK;
	}
	return SSLO_WORD_UNKNOWN;
}

void
sslo_opts_merge(struct sslo_opts *dst, const struct sslo_opts *src)
{
	if (dst->min_ver == SSLO_VER_UNSET)
		dst->min_ver = src->min_ver;
	if (dst->max_ver == SSLO_VER_UNSET)
		dst->max_ver = src->max_ver;
	if (dst->force_ver == SSLO_VER_UNSET)
		dst->force_ver = src->force_ver;
	dst->no_vers |= src->no_vers;
	dst->no_tls_tickets |= src->no_tls_tickets;
	dst->prefer_client_ciphers |= src->prefer_client_ciphers;
}

void
sslo_bind_conf_clear(struct sslo_bind_conf *c)
{
	free(c->alpn);
	free(c->npn);
	free(c->ciphers);
	free(c->ciphersuites);
	free(c->curves);
	free(c->ecdhe);
	free(c->ca_file);
	free(c->ca_verify_file);
	free(c->crl_file);
	memset(c, 0, sizeof(*c));
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
sslo_bind_conf_copy(struct sslo_bind_conf *dst, const struct sslo_bind_conf *src)
{
	*dst = *src;
	dst->alpn = dup_or_null(src->alpn);
	dst->npn = dup_or_null(src->npn);
	dst->ciphers = dup_or_null(src->ciphers);
	dst->ciphersuites = dup_or_null(src->ciphersuites);
	dst->curves = dup_or_null(src->curves);
	dst->ecdhe = dup_or_null(src->ecdhe);
	dst->ca_file = dup_or_null(src->ca_file);
	dst->ca_verify_file = dup_or_null(src->ca_verify_file);
	dst->crl_file = dup_or_null(src->crl_file);
}
