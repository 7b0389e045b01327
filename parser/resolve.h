/* The second pass over a parsed config (cfg_load runs it after all files):
 * name resolution, cross-object rules and footgun warnings. Each module
 * resolves what it owns; resolve.c calls them in this order. Each returns
 * 0 or -1 and reports through d (with the file:line:col of the line that
 * uses a name, even where HAProxy gives none). */
#ifndef SLUICE_PARSER_RESOLVE_H
#define SLUICE_PARSER_RESOLVE_H

#include "cfg.h"

int cfg_resolve(struct cfg *cfg, struct diag *d);      /* resolve.c */

int global_resolve(struct cfg *cfg, struct diag *d);   /* global.c */
int servers_resolve(struct cfg *cfg, struct diag *d);  /* server_resolve.c: track, addresses, TLS */
int binds_resolve(struct cfg *cfg, struct diag *d);    /* bind.c: ssl without crt, ... */
int proxies_resolve(struct cfg *cfg, struct diag *d);  /* kw_proxy.c: backends, modes, rules, warnings */
int ulists_resolve(struct cfg *cfg, struct diag *d);  /* userlist.c: groups and users */
int sni_hints_resolve(struct cfg *cfg, struct diag *d); /* sni_hint.c: check-ssl without check-sni */

#endif
