/* Advice beyond HAProxy: a TLS health check (check-ssl) without
 * check-sni sends a ClientHello without SNI. In front of passthrough
 * backends, whose servers pick their certificate by SNI, that checks the
 * wrong thing (or fails). When a frontend routes an exact SNI to the
 * backend, the advice names it. */
#include <string.h>

#include "acl.h"
#include "proxy.h"
#include "proxy_kw.h"
#include "resolve.h"
#include "sample.h"
#include "server.h"

/* An exact req.ssl_sni pattern of a non-negated term of c, or NULL. */
static const char *
exact_sni(const struct acl_cond *c)
{
	if (c == NULL || c->unless)
		return NULL;
	for (size_t s = 0; s < c->suites.n; s++)
		for (size_t t = 0; t < c->suites.v[s].terms.n; t++) {
			const struct acl_term *term = &c->suites.v[s].terms.v[t];
			if (term->neg)
				continue;
			for (size_t e = 0; e < term->acl->exprs.n; e++) {
				const struct acl_expr *x = term->acl->exprs.v[e];
				const char *f = x->smp && x->smp->fetch ? x->smp->fetch->h.name : "";
				if ((strcmp(f, "req.ssl_sni") == 0 || strcmp(f, "req_ssl_sni") == 0) &&
				    x->smp->convs.n == 0 && x->match == ACL_M_STR && x->pats.n > 0 &&
				    x->pats.v[0].str && x->pats.v[0].str[0])
					return x->pats.v[0].str;
			}
		}
	return NULL;
}

/* The first SNI some frontend routes to be with use_backend. */
static const char *
sni_routed_to(const struct cfg *cfg, const struct cfg_proxy *be, const char **fe_name)
{
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *fe = cfg->proxies.v[i];
		if (!(fe->cap & PX_CAP_FE))
			continue;
		for (size_t k = 0; k < fe->use_backends.n; k++) {
			const struct px_switch *sw = fe->use_backends.v[k];
			const char *sni = sw->be == be ? exact_sni(sw->cond) : NULL;
			if (sni) {
				*fe_name = fe->name;
				return sni;
			}
		}
	}
	return NULL;
}

int
sni_hints_resolve(struct cfg *cfg, struct diag *d)
{
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		if (!(px->cap & PX_CAP_BE))
			continue;
		for (size_t k = 0; k < px->servers.n; k++) {
			const struct cfg_server *s = px->servers.v[k];
			bool tls_check = s->check_ssl ||
			                 (s->ssl && s->check_port == 0 && s->check_addr.kind == ADDR_NONE);
			if (!s->check || !tls_check || s->check_sni)
				continue;
			const char *fe = NULL;
			const char *sni = sni_routed_to(cfg, px, &fe);
			if (sni)
				diag_advise(d, &s->loc, "server '%s/%s' checks TLS without 'check-sni': the check's ClientHello carries no SNI, but frontend '%s' routes SNI '%s' here; add 'check-sni %s' so the check sees the certificate clients get.",
				            px->name, s->name, fe, sni, sni);
			else
				diag_advise(d, &s->loc, "server '%s/%s' checks TLS without 'check-sni': the check's ClientHello carries no SNI, so a server that picks its certificate by SNI is checked with another one (add 'check-sni <name>').",
				            px->name, s->name);
		}
	}
	return 0;
}
