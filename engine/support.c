/* What this version of the engine runs. The configuration language is
 * complete (sluice -c checks everything); the engine grows issue by issue.
 * Rather than starting and silently doing something else than HAProxy,
 * it refuses a configuration that needs what it cannot do yet, naming
 * the line, and warns about what it only skips. */
#include "engine/support.h"

#include "parser/bind.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

static void
check_rules(const struct cfg_proxy *px, struct diag *d)
{
	for (size_t i = 0; i < px->tcp_req_cont.n; i++) {
		const struct px_rule *r = px->tcp_req_cont.v[i];
		if (r->act == PX_ACT_SWITCH_MODE || r->act == PX_ACT_USE_SERVICE)
			diag_error(d, &r->loc, "'tcp-request content %s' needs HTTP processing, which this version of the sluice engine does not have yet",
			           r->name);
	}
	if (px->tcp_res_cont.n)
		diag_error(d, &px->tcp_res_cont.v[0]->loc,
		           "'tcp-response content' rules are not run by this version of the sluice engine yet");
}

int
engine_check_support(const struct cfg *cfg, struct diag *d)
{
	int before = d->nerrors;

	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		if (px->disabled)
			continue;
		if (px->mode == PX_MODE_HTTP)
			diag_error(d, &px->loc, "%s '%s' is in 'mode http', which this version of the sluice engine does not run yet (TCP mode only; 'sluice -c' checks it fully)",
			           proxy_type_name(px), px->name);
		for (size_t b = 0; b < px->binds.n; b++)
			if (px->binds.v[b]->ssl)
				diag_error(d, &px->binds.v[b]->loc, "TLS termination ('bind ... ssl') is not run by this version of the sluice engine yet");
		for (size_t s = 0; s < px->servers.n; s++) {
			const struct cfg_server *sv = px->servers.v[s];
			if (sv->ssl)
				diag_error(d, &sv->loc, "TLS to servers ('server ... ssl') is not run by this version of the sluice engine yet");
		}
		if (PX_OPT(px, PXO_LOGASAP))
			diag_warn(d, &px->opt_loc[PXO_LOGASAP], "'option logasap' is ignored: sessions are logged when they end");
		check_rules(px, d);
	}
	const struct cfg_global *g = cfg->global;
	if (g->daemon || g->master_worker)
		diag_warn(d, NULL, "'%s' in the global section is not implemented by this version of sluice yet: it runs in the foreground",
		          g->daemon ? "daemon" : "master-worker");
	/* Running with privileges the configuration asked to drop would be
	 * worse than not running. */
	if (g->uid_set || g->gid_set || g->chroot)
		diag_error(d, NULL, "'%s' in the global section is not applied by this version of sluice yet; refusing to run with privileges the configuration asks to drop",
		           g->chroot ? "chroot" : g->uid_set ? "user/uid" : "group/gid");
	if (cfg->global->stats_sockets.n)
		diag_warn(d, &cfg->global->stats_sockets.v[0]->loc,
		          "the stats socket is not served by this version of the sluice engine yet");
	return d->nerrors > before ? -1 : 0;
}
