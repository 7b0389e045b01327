/* The resolve pass for servers (reference §1.11): addresses, track,
 * mode-dependent options, and the TLS context checks HAProxy makes at
 * -c time (ssl_sock_prepare_srv_ctx), and the dynamic cookies. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "global.h"
#include "optutil.h"
#include "proxy.h"
#include "proxy_kw.h"
#include "resolve.h"
#include "server.h"
#include "tls_check.h"
#include "lib/util.h"
#include "lib/xxhash.h"

/* ---- resolve ------------------------------------------------------------ */

static void __attribute__((format(printf, 3, 4)))
rerr(struct diag *d, const struct cfg_server *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_error(d, &s->loc, "'server %s/%s' : %s", s->px->name, s->name, msg);
	free(msg);
}

static bool
has_init(const struct cfg_server *s, enum srv_init_addr m)
{
	for (int i = 0; i < s->n_init_addr; i++)
		if (s->init_addr[i] == m)
			return true;
	return false;
}

/* Hostname: libc (HAProxy's "last" needs a state file: skipped), then
 * an init-addr IP, then "none". */
static int
resolve_addr(struct cfg *cfg, struct diag *d, struct cfg_server *s, bool *failed)
{
	if (s->addr.kind != ADDR_INET || s->addr.host == NULL)
		return 0;
	bool libc = s->n_init_addr == 0 || has_init(s, SRV_IA_LIBC);
	char *host = xstrdup(s->addr.host);
	int ret = 0;
	if (libc && addr_resolve(&s->addr) == 0)
		goto out;
	if (has_init(s, SRV_IA_IP)) {
		uint16_t plo = s->addr.port_lo, phi = s->addr.port_hi;
		enum addr_port pm = s->addr.port_mode;
		int off = s->addr.port_off;
		char *text = xstrdup(s->addr.text);
		addr_clear(&s->addr);
		addr_copy(&s->addr, &s->init_addr_ip);
		free(s->addr.text);
		s->addr.text = text;
		s->addr.port_mode = pm, s->addr.port_lo = plo, s->addr.port_hi = phi;
		s->addr.port_off = off;
		if (s->addr.family == AF_INET)
			((struct sockaddr_in *)&s->addr.ss)->sin_port = htons(pm == ADDR_PORT_FIXED ? plo : 0);
		else if (s->addr.family == AF_INET6)
			((struct sockaddr_in6 *)&s->addr.ss)->sin6_port = htons(pm == ADDR_PORT_FIXED ? plo : 0);
		goto out;
	}
	if (has_init(s, SRV_IA_NONE) || cfg->opts.no_resolve_fail) {
		diag_warn(d, &s->loc, "'server %s/%s' : could not resolve address '%s', disabling server.",
		          s->px->name, s->name, host);
		s->unresolved = true;
		goto out;
	}
	rerr(d, s, "could not resolve address '%s'.", host);
	*failed = true;
	ret = -1;
out:
	free(host);
	return ret;
}

static int
resolve_track(struct cfg *cfg, struct diag *d, struct cfg_server *s)
{
	const char *slash = strchr(s->track, '/');
	struct cfg_proxy *px = s->px;
	const char *sv = s->track;

	if (slash) {
		char *pxname = xstrndup(s->track, (size_t)(slash - s->track));
		px = proxy_find(cfg, pxname, PX_CAP_BE);
		if (px == NULL) {
			rerr(d, s, "unable to find required proxy '%s' for tracking.", pxname);
			free(pxname);
			return -1;
		}
		free(pxname);
		sv = slash + 1;
	}
	struct cfg_server *t = server_find(px, sv);
	if (t == NULL) {
		rerr(d, s, "unable to find required server '%s' for tracking.", sv);
		return -1;
	}
	/* follow the chain: a loop back to s is an error */
	for (struct cfg_server *c = t; c; ) {
		if (c == s) {
			rerr(d, s, "unable to track %s/%s as it belongs to a tracking chain looping back to %s/%s.",
			     px->name, t->name, s->px->name, s->name);
			return -1;
		}
		if (c->track == NULL)
			break;
		/* c's own target, looked up without reporting */
		const char *cs = strchr(c->track, '/');
		struct cfg_proxy *cp = c->px;
		const char *cn = c->track;
		if (cs) {
			char *pn = xstrndup(c->track, (size_t)(cs - c->track));
			cp = proxy_find(cfg, pn, PX_CAP_BE);
			free(pn);
			cn = cs + 1;
		}
		c = cp ? server_find(cp, cn) : NULL;
	}
	if (!t->check && !t->agent_check && t->track == NULL) {
		rerr(d, s, "unable to use %s/%s for tracking as it does not have any check nor agent enabled.",
		     px->name, t->name);
		return -1;
	}
	s->tracked = t;
	return 0;
}

/* HAProxy sets up a server's TLS context when the server line says ssl
 * or check-ssl, or when a tcp-check/http-check connect rule of its proxy
 * does (even a rule that "option" never runs). */
static bool
px_checks_ssl(const struct cfg_proxy *px)
{
	for (size_t i = 0; i < px->tcp_checks.n; i++)
		if (px->tcp_checks.v[i]->act == CHK_CONNECT && px->tcp_checks.v[i]->c_ssl)
			return true;
	for (size_t i = 0; i < px->http_checks.n; i++)
		if (px->http_checks.v[i]->act == CHK_CONNECT && px->http_checks.v[i]->c_ssl)
			return true;
	return false;
}

/* "backend 'b'" as HAProxy's proxy_type_str() names it. */
static const char *
px_type(const struct cfg_proxy *px)
{
	const char *t = proxy_type_name(px);
	return strcmp(t, "listen") == 0 ? "proxy" : t;
}

/* The checks of HAProxy's ssl_sock_prepare_srv_ctx(), in its order:
 * client certificate, protocol versions, CA for verify, cipher lists. */
static int
check_tls(struct cfg *cfg, struct diag *d, struct cfg_server *s)
{
	int ret = 0;

	if (s->crt && cfg->opts.check_files) {
		char *msg = tlsc_load_crt(s->crt, false);
		if (msg) {
			rerr(d, s, "%s", msg);
			free(msg);
			ret = -1;
		}
	}
	struct tlsc_vers v;
	tlsc_versions(&s->ssl_opts, SSLO_VER_UNSET, SSLO_VER_UNSET, false, &v);
	if (v.flags_ignored)
		diag_warn(d, &s->loc, "'server %s/%s' : no-sslv3/no-tlsv1x are ignored for this server. Use only 'ssl-min-ver' and 'ssl-max-ver' to fix.",
		          s->px->name, s->name);
	if (v.hole != SSLO_VER_UNSET)
		diag_warn(d, &s->loc, "'server %s/%s' : %s '%s': SSL/TLS versions range not contiguous for server '%s'. Hole find for %s. Use only 'ssl-min-ver' and 'ssl-max-ver' to fix.",
		          s->px->name, s->name, px_type(s->px), s->px->name, s->name,
		          sslo_ver_name(v.hole));
	/* legal (HAProxy is silent) but should never be an accident */
	if (v.below12)
		diag_advise(d, &s->loc, "server '%s/%s' allows %s, a protocol version below TLSv1.2 (set by ssl-min-ver, ssl-max-ver, force-* or no-tlsv1x on this line or in ssl-default-server-options): TLSv1.0 and TLSv1.1 are deprecated (RFC 8996); use 'ssl-min-ver TLSv1.2' unless the server really needs it",
		            s->px->name, s->name, sslo_ver_name(v.min));
	if (v.none) {
		rerr(d, s, "%s '%s': all SSL/TLS versions are disabled for server '%s'.",
		     px_type(s->px), s->px->name, s->name);
		ret = -1;
	}
	if (s->verify == SSLO_VERIFY_REQUIRED && s->ca_file == NULL) {
		rerr(d, s, "verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.");
		ret = -1;
	}
	unsigned bad = tlsc_check_lists(true, s->ciphers, s->ciphersuites, NULL, NULL);
	if (bad & TLSC_BAD_CIPHERS) {
		rerr(d, s, "unable to set SSL cipher list to '%s'.", s->ciphers);
		ret = -1;
	}
	if (bad & TLSC_BAD_SUITES) {
		rerr(d, s, "unable to set TLS 1.3 cipher suites to '%s'.", s->ciphersuites);
		ret = -1;
	}
	return ret;
}

/* HAProxy's dynamic cookie of a server ("cookie ... dynamic" with
 * dynamic-cookie-key): the XXH64 of the key, the address (4 or 16
 * bytes, network order) and the port (4 bytes, network order), in 16
 * hex digits. NULL without an IP address. */
static char *
dyncookie(const char *key, const struct cfg_addr *a)
{
	char v[17];
	if (a->kind != ADDR_INET || cfg_dyncookie(key, &a->ss, cfg_dyncookie_port(a), v) < 0)
		return NULL;
	return xstrdup(v);
}

uint32_t
cfg_dyncookie_port(const struct cfg_addr *a)
{
	return a->port_mode == ADDR_PORT_FIXED ? a->port_lo :
	       a->port_mode == ADDR_PORT_OFFSET ? (uint32_t)a->port_off : 0;
}

int
cfg_dyncookie(const char *key, const struct sockaddr_storage *ss, uint32_t port, char out[17])
{
	const void *ip;
	size_t iplen;
	if (ss->ss_family == AF_INET) {
		ip = &((const struct sockaddr_in *)ss)->sin_addr;
		iplen = 4;
	} else if (ss->ss_family == AF_INET6) {
		ip = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		iplen = 16;
	} else {
		return -1;
	}
	size_t klen = strlen(key);
	unsigned char *buf = xmalloc(klen + iplen + 4);
	memcpy(buf, key, klen);
	memcpy(buf + klen, ip, iplen);
	port = htonl(port);
	memcpy(buf + klen + iplen, &port, 4);
	uint64_t h = hash_xxh64(buf, klen + iplen + 4, 0);
	free(buf);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
	return 0;
}

int
servers_resolve(struct cfg *cfg, struct diag *d)
{
	const struct cfg_global *g = cfg->global;
	bool addr_failed = false;
	int ret = 0;

	for (size_t i = 0; i < cfg->proxies.n; i++) {
		struct cfg_proxy *px = cfg->proxies.v[i];
		for (size_t j = 0; j < px->servers.n; j++) {
			struct cfg_server *s = px->servers.v[j];
			if (resolve_addr(cfg, d, s, &addr_failed) < 0)
				ret = -1;
			if (s->track && resolve_track(cfg, d, s) < 0)
				ret = -1;
			/* a server's own cookie wins over the dynamic one */
			/* in mode tcp too: HAProxy computes it (show stat shows
			 * it) and then warns that it is ignored */
			if (px->cookie && !s->cookie &&
			    (px->cookie->opts & PX_CK_DYNAMIC) && px->dyncookie_key && !s->unresolved) {
				s->cookie = dyncookie(px->dyncookie_key, &s->addr);
				s->cookie_dyn = s->cookie != NULL;
				for (size_t k = 0; s->cookie && k < j; k++) {
					const char *o = ((struct cfg_server *)px->servers.v[k])->cookie;
					if (o && strcmp(o, s->cookie) == 0) {
						diag_warn(d, &s->loc, "'server %s/%s' : We generated two equal cookies for two different servers. Please change the secret key for '%s'.",
						          px->name, s->name, px->name);
						break;
					}
				}
			}
			if (s->agent_check && s->agent_port == 0) {
				rerr(d, s, "server %s does not have agent port. Agent check has been disabled.",
				     s->name);
				ret = -1;
			}
			if (px->mode != PX_MODE_HTTP && s->redir) {
				diag_error(d, &s->loc, "%s '%s' : server cannot have cookie or redirect prefix in non-HTTP mode.",
				           proxy_type_name(px), px->name);
				ret = -1;
			} else if (px->mode != PX_MODE_HTTP && s->cookie) {
				diag_warn(d, &s->loc, "%s '%s' : ignoring cookie for server '%s' as HTTP mode is disabled.",
				          proxy_type_name(px), px->name, s->name);
			}
			if (s->proto == SRV_PROTO_FCGI) {
				/* no fcgi-app sections in sluice: never usable */
				if (px->mode != PX_MODE_HTTP)
					diag_error(d, &s->loc, "%s '%s' : MUX protocol 'fcgi' is not usable for server '%s' at [%s:%d].",
					           proxy_type_name(px), px->name, s->name,
					           s->loc.file ? s->loc.file : "", s->loc.line);
				else
					diag_error(d, &s->loc, "proxy '%s': FCGI server '%s' has no FCGI app configured.",
					           px->name, s->name);
				ret = -1;
			}
			if (!s->ssl && !s->check_ssl && !px_checks_ssl(px))
				continue;
			if (g) {
				sslo_opts_merge(&s->ssl_opts, &g->ssl_server_opts);
				ou_merge_str(&s->ciphers, g->ssl_server_ciphers);
				ou_merge_str(&s->ciphersuites, g->ssl_server_ciphersuites);
			}
			if (s->verify == SSLO_VERIFY_UNSET)
				s->verify = g && g->ssl_server_verify_none ? SSLO_VERIFY_NONE
				                                           : SSLO_VERIFY_REQUIRED;
			if (check_tls(cfg, d, s) < 0)
				ret = -1;
		}
	}
	if (addr_failed) {
		struct cfg_loc none = { NULL, 0, 0 };
		diag_error(d, &none, "Failed to initialize server(s) addr.");
	}
	return ret;
}
