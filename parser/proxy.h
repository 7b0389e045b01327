/* A proxy: frontend, backend, listen, or a defaults section. Owned by
 * struct cfg (proxies or defaults vectors); proxy_free() releases it.
 *
 * A defaults section is kept twice: as a proxy (so its lines are checked
 * and -c reports their errors once) and as the recorded lines themselves.
 * A proxy created from it first replays those lines, then its own: this
 * gives HAProxy's inheritance, including "no option x" and rules from
 * defaults running before the proxy's own. */
#ifndef SLUICE_PARSER_PROXY_H
#define SLUICE_PARSER_PROXY_H

#include <stdint.h>

#include "cfg.h"

#define PX_CAP_FE  0x1u
#define PX_CAP_BE  0x2u
#define PX_CAP_DEF 0x4u

enum px_mode { PX_MODE_TCP, PX_MODE_HTTP };

struct cfg_bind;   /* bind.h */
struct cfg_server; /* server.h */
struct acl;        /* acl.h */

struct cfg_proxy {
	char *name;           /* NULL for an anonymous defaults */
	unsigned cap;         /* PX_CAP_* */
	struct cfg_loc loc;   /* the section line */
	struct cfg_proxy *from; /* defaults it inherits from, or NULL */
	int id;               /* "id" keyword, or assigned at resolve */
	bool id_forced;
	enum px_mode mode;
	bool mode_set;        /* an explicit "mode" line (own or inherited) */
	bool disabled;

	VEC(struct cfg_line) lines; /* defaults only: lines to replay */
	bool ref_explicit;    /* defaults only: named by some "from" */
	bool ref_implicit;    /* defaults only: used as the last defaults */

	/* bind.c / server.c */
	VEC(struct cfg_bind *) binds;
	VEC(struct cfg_server *) servers;
	struct cfg_server *defsrv; /* "default-server" settings, never NULL */

	/* acl.c: named ACLs, several lines of one name are OR-ed */
	VEC(struct acl *) acls;

	/* Further fields are owned by the proxy keyword modules (below). */
#include "proxy_fields.h"
};

/* Creates a proxy (or defaults when cap is PX_CAP_DEF). */
struct cfg_proxy *proxy_new(const char *name, unsigned cap,
                            const struct cfg_loc *loc);
void proxy_free(struct cfg_proxy *px);
/* "frontend", "backend", "listen" or "defaults". */
const char *proxy_type_name(const struct cfg_proxy *px);
/* Finds a frontend/backend/listen by name having any capability of cap. */
struct cfg_proxy *proxy_find(const struct cfg *cfg, const char *name,
                             unsigned cap);

#endif
