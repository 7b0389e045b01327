/* Proxy objects: creation, lookup, release. What keywords put inside is
 * freed by the modules that own those fields. */
#include "proxy.h"

#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "bind.h"
#include "logtarget.h"
#include "proxy_kw.h"
#include "server.h"

struct cfg_proxy *
proxy_new(const char *name, unsigned cap, const struct cfg_loc *loc)
{
	struct cfg_proxy *px = xcalloc(1, sizeof(*px));
	px->name = name ? xstrdup(name) : NULL;
	px->cap = cap;
	px->loc = *loc;
	px->mode = PX_MODE_TCP;
	px->defsrv = server_new_default();
	return px;
}

void
proxy_free(struct cfg_proxy *px)
{
	if (px == NULL)
		return;
	proxy_fields_free(px);
	logt_list_free(px->logs);
	for (size_t i = 0; i < px->binds.n; i++)
		bind_free(px->binds.v[i]);
	free(px->binds.v);
	for (size_t i = 0; i < px->servers.n; i++)
		server_free(px->servers.v[i]);
	free(px->servers.v);
	server_free(px->defsrv);
	for (size_t i = 0; i < px->acls.n; i++)
		acl_free(px->acls.v[i]);
	free(px->acls.v);
	for (size_t i = 0; i < px->lines.n; i++)
		cfg_line_free(&px->lines.v[i]);
	free(px->lines.v);
	free(px->name);
	free(px);
}

const char *
proxy_type_name(const struct cfg_proxy *px)
{
	if (px->cap & PX_CAP_DEF)
		return "defaults";
	if ((px->cap & (PX_CAP_FE | PX_CAP_BE)) == (PX_CAP_FE | PX_CAP_BE))
		return "listen";
	return (px->cap & PX_CAP_FE) ? "frontend" : "backend";
}

struct cfg_proxy *
proxy_find(const struct cfg *cfg, const char *name, unsigned cap)
{
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		struct cfg_proxy *px = cfg->proxies.v[i];
		if ((px->cap & cap) && strcmp(px->name, name) == 0)
			return px;
	}
	return NULL;
}
