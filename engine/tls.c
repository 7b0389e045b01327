/* The TLS store (see tls.h, tls_int.h): the certificates loaded, the
 * crt-lists, each "bind ... ssl" line's contexts and the choice of a
 * certificate by SNI in the ClientHello callback, as HAProxy 2.6's
 * ssl_sock_switchctx_cbk(): exact names first, then wildcards, ECDSA or
 * RSA by what the client's hello supports, the first certificate as the
 * default, strict-sni refusing what matches nothing. */
#include "engine/tls_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/tls1.h>

#include "parser/bind.h"
#include "parser/cfg.h"
#include "parser/diag.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "parser/server.h"
#include "parser/tls_check.h"

/* ---- lookups ---- */

struct tls_cert *
tls_store_cert(struct tls_store *st, const char *path)
{
	for (size_t i = 0; i < st->certs.n; i++)
		if (strcmp(st->certs.v[i]->path, path) == 0)
			return st->certs.v[i];
	return NULL;
}

struct tls_crtlist *
tls_store_crtlist(struct tls_store *st, const char *path)
{
	for (size_t i = 0; i < st->crtlists.n; i++)
		if (strcmp(st->crtlists.v[i]->path, path) == 0)
			return st->crtlists.v[i];
	return NULL;
}

bool
tls_bind_uses_list(const struct tls_bind *b, const struct tls_crtlist *l)
{
	for (size_t i = 0; i < b->lists.n; i++)
		if (b->lists.v[i] == l)
			return true;
	return false;
}

static bool
list_uses(const struct tls_crtlist *l, const struct tls_cert *c)
{
	for (size_t i = 0; i < l->entries.n; i++)
		if (l->entries.v[i]->cert == c)
			return true;
	return false;
}

bool
tls_bind_uses(const struct tls_bind *b, const struct tls_cert *c)
{
	for (size_t i = 0; i < b->crts.n; i++)
		if (b->crts.v[i] == c)
			return true;
	for (size_t i = 0; i < b->lists.n; i++)
		if (list_uses(b->lists.v[i], c))
			return true;
	return false;
}

size_t
tls_cert_users(struct tls_store *st, const struct tls_cert *c)
{
	size_t n = 0;

	for (size_t i = 0; i < st->binds.n; i++)
		for (size_t j = 0; j < st->binds.v[i]->crts.n; j++)
			n += st->binds.v[i]->crts.v[j] == c;
	for (size_t i = 0; i < st->crtlists.n; i++)
		for (size_t j = 0; j < st->crtlists.v[i]->entries.n; j++)
			n += st->crtlists.v[i]->entries.v[j]->cert == c;
	return n;
}

/* ---- built context sets ---- */

static void
set_free(struct tls_ctxset *s)
{
	if (s == NULL)
		return;
	SSL_CTX_free(s->dflt);
	for (size_t i = 0; i < s->exact.n; i++) {
		free(s->exact.v[i].name);
		SSL_CTX_free(s->exact.v[i].ctx);
	}
	for (size_t i = 0; i < s->wild.n; i++) {
		free(s->wild.v[i].name);
		SSL_CTX_free(s->wild.v[i].ctx);
	}
	free(s->exact.v);
	free(s->wild.v);
	free(s);
}

static void
add_name(struct tls_ctxset *s, const char *name, SSL_CTX *ctx, enum tls_key_kind kind,
         size_t order)
{
	bool neg = name[0] == '!';
	const char *n = name + neg;
	struct tls_sni e = { 0 };

	if (n[0] == '\0')
		return;
	e.neg = neg;
	e.ctx = ctx;
	e.kind = kind;
	e.order = order;
	SSL_CTX_up_ref(ctx);
	if (n[0] == '*' && n[1] == '.') {
		e.name = xstrdup(n + 1); /* ".example.com" */
		for (char *p = e.name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		VEC_PUSH(s->wild, e);
	} else {
		e.name = xstrdup(n);
		for (char *p = e.name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		VEC_PUSH(s->exact, e);
	}
}

/* One certificate of the bind: its context, and its names (the crt-list
 * filters when there are some, else the certificate's CN and SANs). */
static int
add_entry(struct tls_bind *b, struct tls_ctxset *s, const struct tls_cert *c,
          const struct sslo_bind_conf *conf, const char *const *filters, size_t nfilters,
          size_t order, char **err)
{
	if (c == NULL || c->cert == NULL)
		return 0; /* an empty "new ssl cert" entry */
	SSL_CTX *ctx = tls_bind_ctx_new(b, c, conf, err);
	if (ctx == NULL)
		return -1;
	if (s->dflt == NULL) {
		SSL_CTX_up_ref(ctx);
		s->dflt = ctx;
	}
	if (nfilters) {
		for (size_t i = 0; i < nfilters; i++)
			add_name(s, filters[i], ctx, c->kind, order);
	} else {
		for (size_t i = 0; i < c->names.n; i++)
			add_name(s, c->names.v[i], ctx, c->kind, order);
	}
	SSL_CTX_free(ctx); /* the set's references remain */
	return 0;
}

static int
sni_cmp(const void *a, const void *b)
{
	const struct tls_sni *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* OpenSSL's servername step, after hello_cb: the name is accepted. */
static int
sni_accept_cb(SSL *ssl, int *al, void *arg)
{
	(void)ssl, (void)al, (void)arg;
	return SSL_TLSEXT_ERR_OK;
}

static int hello_cb(SSL *ssl, int *al, void *arg);

static struct tls_ctxset *
set_build(struct tls_bind *b, char **err)
{
	struct tls_ctxset *s = xcalloc(1, sizeof(*s));
	size_t order = 0;

	for (size_t i = 0; i < b->crts.n; i++)
		if (add_entry(b, s, b->crts.v[i], NULL, NULL, 0, order++, err) < 0)
			goto fail;
	for (size_t i = 0; i < b->lists.n; i++)
		for (size_t j = 0; j < b->lists.v[i]->entries.n; j++) {
			struct tls_crtlist_entry *e = b->lists.v[i]->entries.v[j];
			if (add_entry(b, s, e->cert, e->has_conf ? &e->conf : NULL,
			              (const char *const *)e->filters.v, e->filters.n, order++, err) < 0)
				goto fail;
		}
	if (s->dflt == NULL) {
		*err = xasprintf("no SSL certificate specified for bind '%s' at [%s:%d]",
		                 b->cfg->text, b->cfg->loc.file ? b->cfg->loc.file : "", b->cfg->loc.line);
		goto fail;
	}
	SSL_CTX_set_client_hello_cb(s->dflt, hello_cb, b);
	/* accepting the name in OpenSSL's servername step stores it in the
	 * session: a resumed TLS 1.2 session still reports it (ssl_fc_sni,
	 * httpslog), as with HAProxy; hello_cb chose the certificate */
	SSL_CTX_set_tlsext_servername_callback(s->dflt, sni_accept_cb);
	if (s->exact.n)
		qsort(s->exact.v, s->exact.n, sizeof(*s->exact.v), sni_cmp);
	if (s->wild.n)
		qsort(s->wild.v, s->wild.n, sizeof(*s->wild.v), sni_cmp);
	return s;
fail:
	set_free(s);
	return NULL;
}

int
tls_bind_rebuild(struct tls_bind *b, char **err)
{
	struct tls_ctxset *s = set_build(b, err), *old;

	if (s == NULL)
		return -1;
	pthread_rwlock_wrlock(&b->lock);
	old = b->cur;
	b->cur = s;
	pthread_rwlock_unlock(&b->lock);
	set_free(old); /* live SSLs hold their own SSL_CTX references */
	return 0;
}

/* ---- the ClientHello callback ---- */

/* The first entry named name in v (sorted), or v->n. */
static size_t
lower_bound(const struct tls_sni *v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Puts ssl on ctx with ctx's settings: SSL_set_SSL_CTX() only swaps the
 * certificate, so the verification, CA names, protocol range and lists
 * are copied as HAProxy's ssl_sock_switchctx_set() does. */
static void
switch_ctx(SSL *ssl, SSL_CTX *ctx)
{
	/* the context the SSL was made with (the usual case: no SNI, or
	 * the default certificate's name): SSL_new() copied all of it
	 * already, and re-parsing the cipher lists costs ~5% of a full
	 * handshake */
	if (SSL_get_SSL_CTX(ssl) == ctx)
		return;
	struct tls_ctxinfo *i = tls_ctxinfo_of(ctx);
	STACK_OF(X509_NAME) *names = SSL_CTX_get_client_CA_list(ctx);

	SSL_set_verify(ssl, i->verify_mode, tls_verify_cb);
	SSL_set_client_CA_list(ssl, names ? SSL_dup_CA_list(names) : NULL);
	SSL_set_SSL_CTX(ssl, ctx);
	SSL_set_min_proto_version(ssl, i->min_ver);
	SSL_set_max_proto_version(ssl, i->max_ver);
	if (i->ciphers)
		SSL_set_cipher_list(ssl, i->ciphers);
	if (i->suites)
		SSL_set_ciphersuites(ssl, i->suites);
	if (i->groups)
		SSL_set1_groups_list(ssl, i->groups);
	ERR_clear_error();
}

/* The host_name of a server_name extension, lowercased into buf. */
static bool
hello_sni(SSL *ssl, char *buf, size_t size)
{
	const unsigned char *p;
	size_t len;

	if (!SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) || len < 2)
		return false;
	size_t l = (size_t)p[0] << 8 | p[1];
	if (l + 2 > len)
		return false;
	p += 2;
	while (l >= 3) {
		size_t nl = (size_t)p[1] << 8 | p[2];
		if (nl + 3 > l)
			return false;
		if (p[0] == TLSEXT_NAMETYPE_host_name) {
			if (nl == 0 || nl >= size)
				return false;
			for (size_t k = 0; k < nl; k++)
				buf[k] = (char)tolower(p[3 + k]);
			buf[nl] = '\0';
			return true;
		}
		p += 3 + nl;
		l -= 3 + nl;
	}
	return false;
}

/* Which signatures the client can check (HAProxy's reading of the hello:
 * the signature_algorithms extension, ECDSA only with a cipher that
 * allows it; no extension means an old client: RSA). -1: malformed. */
static int
hello_sigs(SSL *ssl, bool *rsa, bool *ecdsa)
{
	const unsigned char *p;
	size_t len;

	*rsa = *ecdsa = false;
	if (!SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_signature_algorithms, &p, &len)) {
		*rsa = true;
		return 0;
	}
	if (len < 2)
		return -1;
	size_t l = (size_t)p[0] << 8 | p[1];
	if (l + 2 != len || l % 2)
		return -1;
	for (size_t k = 2; k < len; k += 2) {
		if (p[k + 1] == TLSEXT_signature_rsa)
			*rsa = true;
		else if (p[k + 1] == TLSEXT_signature_ecdsa)
			*ecdsa = true;
	}
	if (*ecdsa) {
		const unsigned char *cs;
		size_t cl = SSL_client_hello_get0_ciphers(ssl, &cs);
		*ecdsa = false;
		for (size_t k = 0; k + 1 < cl; k += 2) {
			const SSL_CIPHER *c = SSL_CIPHER_find(ssl, cs + k);
			/* only a TLSv1.2 ECDSA suite counts: HAProxy 2.6 serves RSA
			 * to a client that offers TLSv1.3 suites alone */
			if (c && SSL_CIPHER_get_auth_nid(c) == NID_auth_ecdsa) {
				*ecdsa = true;
				break;
			}
		}
	}
	return 0;
}

/* A "!name" of the same crt-list line excludes name from its wildcard. */
static bool
excluded(const struct tls_ctxset *s, const char *name, size_t order)
{
	for (size_t k = lower_bound(s->exact.v, s->exact.n, name);
	     k < s->exact.n && strcmp(s->exact.v[k].name, name) == 0; k++)
		if (s->exact.v[k].neg && s->exact.v[k].order == order)
			return true;
	return false;
}

static SSL_CTX *
choose(const struct tls_ctxset *s, const char *name, bool rsa, bool ecdsa)
{
	const char *wild = strchr(name, '.');

	for (int pass = 0; pass < 2; pass++) {
		const struct tls_sni *v = pass ? s->wild.v : s->exact.v;
		size_t n = pass ? s->wild.n : s->exact.n;
		const char *key = pass ? wild : name;
		const struct tls_sni *r = NULL, *e = NULL, *o = NULL;

		if (key == NULL)
			break;
		for (size_t k = lower_bound(v, n, key); k < n && strcmp(v[k].name, key) == 0; k++) {
			if (v[k].neg || (pass && excluded(s, name, v[k].order)))
				continue;
			const struct tls_sni **slot = v[k].kind == TLS_KEY_ECDSA ? &e :
			                              v[k].kind == TLS_KEY_RSA ? &r : &o;
			if (*slot == NULL)
				*slot = &v[k];
		}
		const struct tls_sni *pick = ecdsa && e ? e : rsa && r ? r : o ? o : e ? e : r;
		if (pick)
			return pick->ctx;
	}
	return NULL;
}

static int
hello_cb(SSL *ssl, int *al, void *arg)
{
	struct tls_bind *b = arg;
	char name[256];
	bool rsa, ecdsa;
	SSL_CTX *ctx = NULL;

	if (!hello_sni(ssl, name, sizeof(name))) {
		if (b->cfg->strict_sni)
			goto abort;
		pthread_rwlock_rdlock(&b->lock);
		switch_ctx(ssl, b->cur->dflt);
		pthread_rwlock_unlock(&b->lock);
		return SSL_CLIENT_HELLO_SUCCESS;
	}
	if (hello_sigs(ssl, &rsa, &ecdsa) < 0)
		goto abort;
	pthread_rwlock_rdlock(&b->lock);
	ctx = choose(b->cur, name, rsa, ecdsa);
	if (ctx == NULL && !b->cfg->strict_sni)
		ctx = b->cur->dflt;
	if (ctx)
		switch_ctx(ssl, ctx);
	pthread_rwlock_unlock(&b->lock);
	if (ctx)
		return SSL_CLIENT_HELLO_SUCCESS;
abort:
	*al = SSL_AD_UNRECOGNIZED_NAME;
	return SSL_CLIENT_HELLO_ERROR;
}

/* ---- per bind ---- */

SSL *
tls_bind_new_ssl(struct tls_bind *b, int fd)
{
	SSL *ssl;

	pthread_rwlock_rdlock(&b->lock);
	ssl = SSL_new(b->cur->dflt);
	pthread_rwlock_unlock(&b->lock);
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		ERR_clear_error();
		return NULL;
	}
	SSL_set_accept_state(ssl);
	return ssl;
}

const char *
tls_served_crt(const SSL *ssl)
{
	struct tls_ctxinfo *i = ssl ? tls_ctxinfo_of(SSL_get_SSL_CTX(ssl)) : NULL;

	return i ? i->crt_path : NULL;
}

/* ---- loading ---- */

/* The certificate path of the store, loaded on first use. */
static struct tls_cert *
get_cert(struct tls_store *st, const char *path, char **err)
{
	struct tls_cert *c = tls_store_cert(st, path);
	char *warn = NULL;

	if (c == NULL && (c = tls_cert_load_warn(path, err, &warn)) != NULL)
		VEC_PUSH(st->certs, c);
	if (warn)
		VEC_PUSH(st->warnings, warn);
	return c;
}

/* path's certificates: the file, or each file of a directory. */
static int
get_certs(struct tls_store *st, const char *path, void *out, char **err)
{
	VEC(struct tls_cert *) *v = out;
	struct stat sb;

	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		char **files = tls_cert_dir_list(path, err);
		int ret = 0;
		if (files == NULL)
			return -1;
		for (size_t i = 0; files[i]; i++) {
			struct tls_cert *c = ret == 0 ? get_cert(st, files[i], err) : NULL;
			if (c)
				VEC_PUSH(*v, c);
			else
				ret = -1;
			free(files[i]);
		}
		free(files);
		return ret;
	}
	char **bundle = NULL;
	if (stat(path, &sb) != 0 && tlsc_bundle_files(path, &bundle) > 0) {
		/* HAProxy's "<path>.ecdsa" / ".rsa" naming: separate certificates */
		int ret = 0;
		for (size_t i = 0; bundle[i]; i++) {
			struct tls_cert *c = ret == 0 ? get_cert(st, bundle[i], err) : NULL;
			if (c)
				VEC_PUSH(*v, c);
			else
				ret = -1;
			free(bundle[i]);
		}
		free(bundle);
		return ret;
	}
	free(bundle);
	struct tls_cert *c = get_cert(st, path, err);
	if (c == NULL)
		return -1;
	VEC_PUSH(*v, c);
	return 0;
}

void
tls_crtlist_entry_free(struct tls_crtlist_entry *e)
{
	if (e == NULL)
		return;
	sslo_bind_conf_clear(&e->conf);
	for (size_t i = 0; i < e->filters.n; i++)
		free(e->filters.v[i]);
	free(e->filters.v);
	free(e);
}

static void
crtlist_free(struct tls_crtlist *l)
{
	for (size_t i = 0; i < l->entries.n; i++)
		tls_crtlist_entry_free(l->entries.v[i]);
	free(l->entries.v);
	free(l->path);
	free(l);
}

static struct tls_crtlist *
get_crtlist(struct tls_store *st, const struct cfg_crtlist *cl, char **err)
{
	struct tls_crtlist *l = tls_store_crtlist(st, cl->path);

	if (l)
		return l;
	l = xcalloc(1, sizeof(*l));
	l->path = xstrdup(cl->path);
	for (size_t i = 0; i < cl->entries.n; i++) {
		const struct cfg_crtlist_entry *ce = &cl->entries.v[i];
		VEC(struct tls_cert *) certs = { 0 };
		if (get_certs(st, ce->crt, &certs, err) < 0) {
			free(certs.v);
			crtlist_free(l);
			return NULL;
		}
		for (size_t k = 0; k < certs.n; k++) {
			struct tls_crtlist_entry *e = xcalloc(1, sizeof(*e));
			e->cert = certs.v[k];
			e->has_conf = ce->has_conf;
			if (ce->has_conf)
				sslo_bind_conf_copy(&e->conf, &ce->conf);
			for (size_t f = 0; f < ce->filters.n; f++)
				VEC_PUSH(e->filters, xstrdup(ce->filters.v[f]));
			e->line = ce->loc.line;
			VEC_PUSH(l->entries, e);
		}
		free(certs.v);
	}
	VEC_PUSH(st->crtlists, l);
	return l;
}

static void
tbind_free(struct tls_bind *b)
{
	set_free(b->cur);
	pthread_rwlock_destroy(&b->lock);
	free(b->crts.v);
	free(b->lists.v);
	if (b->tkeys)
		OPENSSL_cleanse(b->tkeys, b->ntkeys * sizeof(*b->tkeys));
	free(b->tkeys);
	free(b->ca_ignore.v);
	free(b->crt_ignore.v);
	free(b);
}

static struct tls_bind *
tbind_new(struct tls_store *st, const struct cfg_bind *cb, char **err)
{
	struct tls_bind *b = xcalloc(1, sizeof(*b));

	b->cfg = cb;
	b->st = st;
	pthread_rwlock_init(&b->lock, NULL);
	tls_bind_ignore_init(b);
	if (cb->tls_ticket_keys && tls_tkeys_load(b, cb->tls_ticket_keys, err) < 0)
		goto fail;
	for (size_t i = 0; i < cb->crts.n; i++)
		if (get_certs(st, cb->crts.v[i], &b->crts, err) < 0)
			goto fail;
	for (size_t i = 0; i < cb->crtlists.n; i++) {
		struct tls_crtlist *l = get_crtlist(st, cb->crtlists.v[i], err);
		if (l == NULL)
			goto fail;
		VEC_PUSH(b->lists, l);
	}
	if (tls_bind_rebuild(b, err) < 0)
		goto fail;
	return b;
fail:
	tbind_free(b);
	return NULL;
}

/* What the configuration asks of TLS that sluice does not do: said here
 * because the store is built both by "sluice -c" and at start. */
static void
check_unsupported(const struct cfg *cfg, struct diag *d, bool *failed)
{
	static const char no_0rtt[] = "'allow-0rtt' is ignored by this version of sluice: TLSv1.3 early data is refused, clients send their request after the handshake";

	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		for (size_t j = 0; j < px->binds.n; j++) {
			const struct cfg_bind *cb = px->binds.v[j];
			bool zrtt = cb->ssl && cb->ssl_conf.allow_0rtt;
			for (size_t k = 0; cb->ssl && k < cb->crtlists.n; k++)
				for (size_t e = 0; e < cb->crtlists.v[k]->entries.n; e++)
					zrtt |= cb->crtlists.v[k]->entries.v[e].conf.allow_0rtt;
			if (zrtt)
				diag_warn(d, &cb->loc, "%s", no_0rtt);
		}
		for (size_t j = 0; j < px->servers.n; j++)
			if (px->servers.v[j]->ssl && px->servers.v[j]->allow_0rtt)
				diag_warn(d, &px->servers.v[j]->loc, "%s", no_0rtt);
	}
	for (size_t j = 0; cfg->global && j < cfg->global->stats_sockets.n; j++) {
		const struct cfg_bind *cb = cfg->global->stats_sockets.v[j];
		if (cb->ssl) {
			diag_error(d, &cb->loc, "'stats socket %s' : TLS on the stats socket ('ssl') is not run by this version of sluice",
			           cb->text);
			*failed = true;
		}
	}
}

struct tls_store *
tls_store_new(const struct cfg *cfg, struct diag *d)
{
	struct tls_store *st = xcalloc(1, sizeof(*st));
	bool failed = false;

	st->cfg = cfg;
	pthread_mutex_init(&st->lock, NULL);
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		for (size_t j = 0; j < px->binds.n; j++) {
			const struct cfg_bind *cb = px->binds.v[j];
			char *err = NULL;
			if (!cb->ssl)
				continue;
			struct tls_bind *b = tbind_new(st, cb, &err);
			for (size_t k = 0; k < st->warnings.n; k++) {
				diag_warn(d, &cb->loc, "%s", st->warnings.v[k]);
				free(st->warnings.v[k]);
			}
			st->warnings.n = 0;
			if (b == NULL) {
				/* HAProxy's words: "'bind <addr>' in section '<type>' : <why>" */
				diag_error(d, &cb->loc, "'bind %s' in section '%s' : %s", cb->text,
				           proxy_type_name(px), err ? err : "unable to set up TLS");
				failed = true;
			} else {
				VEC_PUSH(st->binds, b);
			}
			free(err);
		}
		for (size_t j = 0; j < px->servers.n; j++) {
			const struct cfg_server *sv = px->servers.v[j];
			char *err = NULL;
			if (!sv->ssl)
				continue;
			struct tls_srv *s = tls_srv_new(st, sv, &err);
			if (s == NULL) {
				diag_error(d, &sv->loc, "'server %s/%s' : %s", px->name, sv->name,
				           err ? err : "unable to set up TLS");
				failed = true;
			} else {
				VEC_PUSH(st->srvs, s);
			}
			free(err);
		}
	}
	check_unsupported(cfg, d, &failed);
	if (failed) {
		tls_store_free(st);
		return NULL;
	}
	return st;
}

void
tls_store_free(struct tls_store *st)
{
	if (st == NULL)
		return;
	tls_cert_cleanup(st);
	for (size_t i = 0; i < st->binds.n; i++)
		tbind_free(st->binds.v[i]);
	free(st->binds.v);
	for (size_t i = 0; i < st->srvs.n; i++)
		tls_srv_free(st->srvs.v[i]);
	free(st->srvs.v);
	for (size_t i = 0; i < st->crtlists.n; i++)
		crtlist_free(st->crtlists.v[i]);
	free(st->crtlists.v);
	for (size_t i = 0; i < st->certs.n; i++)
		tls_cert_free(st->certs.v[i]);
	free(st->certs.v);
	for (size_t i = 0; i < st->warnings.n; i++)
		free(st->warnings.v[i]);
	free(st->warnings.v);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

struct tls_bind *
tls_store_bind(struct tls_store *st, const struct cfg_bind *b)
{
	for (size_t i = 0; st && i < st->binds.n; i++)
		if (st->binds.v[i]->cfg == b)
			return st->binds.v[i];
	return NULL;
}

struct tls_srv *
tls_store_srv(struct tls_store *st, const struct cfg_server *sv)
{
	for (size_t i = 0; st && i < st->srvs.n; i++)
		if (st->srvs.v[i]->cfg == sv)
			return st->srvs.v[i];
	return NULL;
}

/* ---- runtime replacement ---- */

int
tls_store_replace_cert(struct tls_store *st, struct tls_cert *old, struct tls_cert *nc,
                       char **err)
{
	VEC(struct tls_ctxset *) built = { 0 };
	VEC(struct tls_bind *) users = { 0 };
	size_t ci;
	int ret = -1;

	for (ci = 0; ci < st->certs.n && st->certs.v[ci] != old; ci++)
		;
	if (ci == st->certs.n) {
		*err = xasprintf("certificate '%s' is not in the store", old->path);
		return -1;
	}
	for (size_t i = 0; i < st->binds.n; i++)
		if (tls_bind_uses(st->binds.v[i], old))
			VEC_PUSH(users, st->binds.v[i]);
	/* swap the pointers, build every set, and only then publish: a
	 * failure puts the old pointers back and changes nothing */
#define SWAP_ALL(from, to)                                                    \
	do {                                                                  \
		st->certs.v[ci] = (to);                                       \
		for (size_t bi = 0; bi < st->binds.n; bi++)                   \
			for (size_t j = 0; j < st->binds.v[bi]->crts.n; j++)  \
				if (st->binds.v[bi]->crts.v[j] == (from))     \
					st->binds.v[bi]->crts.v[j] = (to);    \
		for (size_t li = 0; li < st->crtlists.n; li++)                \
			for (size_t j = 0; j < st->crtlists.v[li]->entries.n; j++) \
				if (st->crtlists.v[li]->entries.v[j]->cert == (from)) \
					st->crtlists.v[li]->entries.v[j]->cert = (to); \
	} while (0)
	SWAP_ALL(old, nc);
	for (size_t i = 0; i < users.n; i++) {
		struct tls_ctxset *s = set_build(users.v[i], err);
		if (s == NULL) {
			SWAP_ALL(nc, old);
			goto out;
		}
		VEC_PUSH(built, s);
	}
#undef SWAP_ALL
	for (size_t i = 0; i < users.n; i++) {
		struct tls_bind *b = users.v[i];
		pthread_rwlock_wrlock(&b->lock);
		struct tls_ctxset *prev = b->cur;
		b->cur = built.v[i];
		pthread_rwlock_unlock(&b->lock);
		built.v[i] = prev;
	}
	tls_cert_free(old);
	ret = 0;
out:
	for (size_t i = 0; i < built.n; i++)
		set_free(built.v[i]);
	free(built.v);
	free(users.v);
	return ret;
}
