/* Servers' cookie values at run time (engine/srv_cookie.h).
 *
 * Why a published pointer and not a buffer per server: the request path
 * compares every server's value and the response path copies one into
 * Set-Cookie, possibly long after the choice; with an immutable string
 * behind an atomic pointer a reader needs one acquire load and can keep
 * the pointer, where a seqlocked buffer would need a copy and a retry
 * loop at every read. The price is that a replaced value cannot be freed
 * while workers may hold it: every value published is kept on the
 * backend's list until backend_free, and a value already on the list is
 * reused, so toggling enable/disable or going back to an address costs
 * nothing; only new keys or addresses add 17 bytes each. */
#include "engine/srv_cookie.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "engine/backend.h"
#include "engine/server.h"
#include "lib/util.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

struct srv_ck_kept {
	struct srv_ck_kept *next;
	char v[17];
};

void
srv_cookie_init(struct backend *be)
{
	const struct cfg_proxy *px = be->px;
	be->ck_dyn = px->cookie && (px->cookie->opts & PX_CK_DYNAMIC);
	for (size_t i = 0; i < be->nsrv; i++)
		atomic_init(&be->srvs[i].cookie, (const char *)be->srvs[i].cfg->cookie);
}

void
srv_cookie_free(struct backend *be)
{
	struct srv_ck_kept *k = be->ck_kept;
	while (k) {
		struct srv_ck_kept *next = k->next;
		free(k);
		k = next;
	}
	be->ck_kept = NULL;
	free(be->ck_key);
	be->ck_key = NULL;
}

/* A configured cookie of srv's own: never changed at run time (HAProxy's
 * SRV_F_COOKIESET). */
static bool
own_cookie(const struct srv_state *srv)
{
	return srv->cfg->cookie && !srv->cfg->cookie_dyn;
}

/* Publishes v (or NULL) as srv's cookie, as a string that lives until
 * srv_cookie_free: the configured one or a kept one when equal. */
static void
publish(struct backend *be, struct srv_state *srv, const char *v)
{
	const char *p = NULL;
	if (v && srv->cfg->cookie && strcmp(srv->cfg->cookie, v) == 0)
		p = srv->cfg->cookie;
	for (struct srv_ck_kept *k = be->ck_kept; v && !p && k; k = k->next)
		if (strcmp(k->v, v) == 0)
			p = k->v;
	if (v && !p) {
		struct srv_ck_kept *k = xcalloc(1, sizeof(*k));
		snprintf(k->v, sizeof(k->v), "%s", v);
		k->next = be->ck_kept;
		be->ck_kept = k;
		p = k->v;
	}
	atomic_store_explicit(&srv->cookie, p, memory_order_release);
}

static bool
forced_maint(const struct srv_state *srv)
{
	return (srv->admf & SRV_ADMF_FMAINT) != 0 ||
	       (!srv->setup && srv->cfg->disabled);
}

void
srv_cookie_update(struct backend *be, struct srv_state *srv)
{
	const char *key = be->ck_key ? be->ck_key : be->px->dyncookie_key;
	if (own_cookie(srv) || !be->ck_dyn || key == NULL)
		return;
	struct sockaddr_storage ss;
	bool port_set = false;
	const struct cfg_addr *a = &srv->cfg->addr;
	uint32_t port = cfg_dyncookie_port(a);
	if (srv_rt_addr(srv, &ss, &port_set)) {
		if (port_set)
			port = ss.ss_family == AF_INET6
			           ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
			           : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else if (a->kind == ADDR_INET) {
		ss = a->ss;
	} else {
		return;
	}
	char v[17];
	if (cfg_dyncookie(key, &ss, port, v) < 0)
		return;
	publish(be, srv, v);
	/* HAProxy does not compare a server in forced maintenance: it may
	 * not have its real address yet */
	if (forced_maint(srv))
		return;
	for (size_t i = 0; i < be->nsrv; i++) {
		struct srv_state *o = &be->srvs[i];
		const char *ov = srv_cookie_get(o);
		if (o == srv || forced_maint(o) || ov == NULL || strcmp(ov, v) != 0)
			continue;
		/* HAProxy's ha_warning(): stderr only, not the logs */
		fprintf(stderr, "[WARNING]  (%d) : We generated two equal cookies for two different servers.\n"
		        "Please change the secret key for '%s'.\n", (int)getpid(), be->px->name);
	}
}

void
srv_cookie_enable(struct backend *be, bool on)
{
	be->ck_dyn = on;
	for (size_t i = 0; i < be->nsrv; i++) {
		if (on)
			srv_cookie_update(be, &be->srvs[i]);
		else if (!own_cookie(&be->srvs[i]))
			publish(be, &be->srvs[i], NULL);
	}
}

void
srv_cookie_set_key(struct backend *be, const char *key)
{
	free(be->ck_key);
	be->ck_key = xstrdup(key);
	for (size_t i = 0; i < be->nsrv; i++)
		srv_cookie_update(be, &be->srvs[i]);
}
