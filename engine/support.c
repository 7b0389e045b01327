/* What this version of the engine runs. The configuration language is
 * complete (sluice -c checks everything); the engine grows issue by issue.
 * Rather than starting and silently doing something else than HAProxy,
 * it refuses a configuration that needs what it cannot do yet, naming
 * the line, and warns about what it only skips. */
#include "engine/support.h"

#include <string.h>

#include "engine/http_act.h"
#include "engine/tls.h"
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

/* Mode http (engine/http.c): what the HTTP engine does not do yet is
 * refused by name; the rule actions are http_act.c's to say. */
static void
check_http(const struct cfg_proxy *px, struct diag *d)
{
	http_act_check_support(px, d);
	for (size_t i = 0; i < px->http_req.n; i++) {
		const struct px_rule *r = px->http_req.v[i];
		if (r->act == PX_ACT_USE_SERVICE && (r->arg == NULL || strcmp(r->arg, "prometheus-exporter")))
			diag_error(d, &r->loc, "'http-request use-service %s': this version of the sluice engine has only the 'prometheus-exporter' service",
			           r->arg ? r->arg : "");
		else if (r->act == PX_ACT_WAIT_FOR_BODY)
			diag_error(d, &r->loc, "'http-request wait-for-body' is not run by this version of the sluice engine yet");
	}
	for (size_t i = 0; i < px->binds.n; i++) {
		const struct cfg_bind *b = px->binds.v[i];
		if (b->proto == BIND_PROTO_H2)
			diag_error(d, &b->loc, "HTTP/2 on a bind ('proto h2') is not run by this version of the sluice engine yet");
		else if (tls_alpn_has_h2(b->ssl_conf.alpn))
			/* engine/tls_ctx.c leaves it out of what a mode http
			 * bind offers: clients that can speak HTTP/1.1 do */
			diag_warn(d, &b->loc, "'alpn %s': HTTP/2 is not run by this version of the sluice engine: 'h2' is not offered, clients use HTTP/1.1",
			          b->ssl_conf.alpn);
	}
	for (size_t i = 0; i < px->servers.n; i++) {
		const struct cfg_server *sv = px->servers.v[i];
		if (sv->pool_max_conn != -1 || sv->pool_low_conn != 0 || sv->pool_purge_delay != 5000)
			diag_warn(d, &sv->loc, "'pool-max-conn', 'pool-low-conn' and 'pool-purge-delay' are ignored by this version of the sluice engine: idle server connections are kept per client connection (per thread with 'http-reuse aggressive|always')");
	}
	if (px->monitor_uri)
		diag_error(d, &px->monitor_uri_loc, "'monitor-uri' is not run by this version of the sluice engine yet");
	if (px->http_send_name_header)
		diag_error(d, &px->loc, "'http-send-name-header' (%s '%s') is not run by this version of the sluice engine yet",
		           proxy_type_name(px), px->name);
	if (px->unique_id_header)
		diag_error(d, &px->loc, "'unique-id-header' (%s '%s') is not run by this version of the sluice engine yet",
		           proxy_type_name(px), px->name);
	if (px->originalto)
		diag_error(d, &px->opt_loc[PXO_ORIGINALTO], "'option originalto' is not run by this version of the sluice engine yet");
	if (PX_OPT(px, PXO_HTTP_BUFFER_REQUEST))
		diag_error(d, &px->opt_loc[PXO_HTTP_BUFFER_REQUEST], "'option http-buffer-request' is not run by this version of the sluice engine yet");
	if (PX_OPT(px, PXO_ABORTONCLOSE))
		diag_warn(d, &px->opt_loc[PXO_ABORTONCLOSE], "'option abortonclose' is ignored in mode http by this version of the sluice engine: a request waiting for a server is not aborted when its client closes");
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
			check_http(px, d);
		/* ssl binds and servers: engine/session_tls.c, in mode tcp
		 * and (engine/http.c) mode http */
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
