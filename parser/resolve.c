/* The resolve pass: runs each module's checks once every file is read. */
#include "resolve.h"

#include "global.h"
#include "proxy.h"

/* Proxy ids: forced ones first, then the first free number in declaration
 * order (reference §1.6). The stats socket's GLOBAL proxy takes id 1 when
 * a stats socket exists; the engine accounts for that when it numbers. */
static void
assign_ids(struct cfg *cfg, struct diag *d)
{
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		struct cfg_proxy *a = cfg->proxies.v[i];
		if (!a->id_forced)
			continue;
		for (size_t j = 0; j < i; j++) {
			struct cfg_proxy *b = cfg->proxies.v[j];
			if (b->id_forced && b->id == a->id)
				diag_error(d, &a->loc, "%s '%s' has the same ID (%d) as %s '%s' declared at %s:%d.",
				           proxy_type_name(a), a->name, a->id, proxy_type_name(b),
				           b->name, b->loc.file, b->loc.line);
		}
	}
	/* As HAProxy 2.6 (observed, reference §0 #19): the stats socket's
	 * GLOBAL proxy comes first and takes 1; the counter moves on at
	 * every proxy, one with a forced id included, so "id" on a proxy
	 * shifts the automatic ids of the ones after it. */
	int next = cfg->global && cfg->global->stats_sockets.n ? 2 : 1;
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		struct cfg_proxy *a = cfg->proxies.v[i];
		if (a->id_forced) {
			next++;
			continue;
		}
		for (;;) {
			bool used = false;
			for (size_t j = 0; j < cfg->proxies.n; j++)
				if (cfg->proxies.v[j]->id_forced && cfg->proxies.v[j]->id == next)
					used = true;
			if (!used)
				break;
			next++;
		}
		a->id = next++;
	}
}

int
cfg_resolve(struct cfg *cfg, struct diag *d)
{
	int rc = 0;
	assign_ids(cfg, d);
	rc |= global_resolve(cfg, d);
	rc |= ulists_resolve(cfg, d);
	rc |= binds_resolve(cfg, d);
	rc |= servers_resolve(cfg, d);
	rc |= proxies_resolve(cfg, d);
	if (d->nerrors == 0)
		rc |= sni_hints_resolve(cfg, d);
	if (cfg->opts.zero_warning && d->nwarnings > d->nadvice && d->nerrors == 0)
		diag_error(d, NULL, "Some warnings were found and 'zero-warning' is set. Aborting.");
	return rc || d->nerrors ? -1 : 0;
}
