/* What this version of the engine runs. The configuration language is
 * complete (sluice -c checks everything); the engine grows issue by issue.
 * Rather than starting and silently doing something else than HAProxy,
 * it refuses a configuration that needs what it cannot do yet, naming
 * the line, and warns about what it only skips. */
#include "engine/support.h"

#include <string.h>

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

/* A mode http proxy runs only when it answers everything locally
 * (engine/http_local.c): the stats page and/or the Prometheus exporter,
 * with http-request allow/deny/auth rules. */
static void
check_http_local(const struct cfg_proxy *px, struct diag *d)
{
	static const char why[] = "which this version of the sluice engine runs only for the stats page and the Prometheus exporter (HTTP proxying comes later; 'sluice -c' checks it fully)";
	bool service = false;

	if (!(px->cap & PX_CAP_FE) || px->servers.n || px->default_backend || px->use_backends.n) {
		diag_error(d, &px->loc, "%s '%s' is in 'mode http'%s, %s",
		           proxy_type_name(px), px->name,
		           !(px->cap & PX_CAP_FE) ? "" : px->servers.n ? " and has servers" : " and forwards to a backend",
		           why);
		return;
	}
	for (size_t i = 0; i < px->http_req.n; i++) {
		const struct px_rule *r = px->http_req.v[i];
		if (r->act == PX_ACT_USE_SERVICE && r->arg && !strcmp(r->arg, "prometheus-exporter"))
			service = true;
		else if (r->act != PX_ACT_ALLOW && r->act != PX_ACT_DENY && r->act != PX_ACT_AUTH)
			diag_error(d, &r->loc, "'http-request %s' is not run by this version of the sluice engine: it runs 'mode http' %s '%s' only for the stats page and the Prometheus exporter, with http-request allow, deny, auth and use-service prometheus-exporter",
			           r->name, proxy_type_name(px), px->name);
	}
	const struct cfg_loc *bad = px->http_res.n ? &px->http_res.v[0]->loc :
	                            px->http_after.n ? &px->http_after.v[0]->loc :
	                            px->redirects.n ? &px->redirects.v[0]->loc : NULL;
	if (bad)
		diag_error(d, bad, "HTTP response rules and redirects are not run by this version of the sluice engine yet (%s '%s' is in 'mode http')",
		           proxy_type_name(px), px->name);
	if (!service && !(px->stats && px->stats->enabled))
		diag_error(d, &px->loc, "%s '%s' is in 'mode http' and serves neither the stats page nor the Prometheus exporter, %s",
		           proxy_type_name(px), px->name, why);
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
			check_http_local(px, d);
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
	/* daemon, master-worker, user/group, chroot, ulimit-n, pidfile,
	 * set-dumpable and hard-stop-after are applied by main.c and
	 * engine/proc.c. */
	const struct cfg_global *g = cfg->global;
	if (g->mworker_max_reloads > 0)
		diag_warn(d, NULL, "'mworker-max-reloads' is not applied by this version of sluice: old workers stop when their sessions end or after 'hard-stop-after'");
	return d->nerrors > before ? -1 : 0;
}
