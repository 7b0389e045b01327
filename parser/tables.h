/* The keyword tables of every module, as the driver and the listing see
 * them. Each is terminated by a row whose h.name is NULL. */
#ifndef SLUICE_PARSER_TABLES_H
#define SLUICE_PARSER_TABLES_H

#include "kw.h"

/* Section keywords, searched in this order by the driver (cfgparse.c). */
extern const struct cfg_kw global_kws[];         /* global.c */
extern const struct cfg_kw bind_section_kws[];   /* bind.c: bind */
extern const struct cfg_kw server_section_kws[]; /* server.c: server, default-server, ... */
extern const struct cfg_kw acl_section_kws[];    /* acl.c: acl */
extern const struct cfg_kw proxy_kws[];          /* kw_proxy.c */
extern const struct cfg_kw rule_kws[];           /* rules.c: tcp-/http-request, use_backend, ... */
extern const struct cfg_kw check_kws[];          /* checks.c: http-check, tcp-check */
extern const struct cfg_kw stats_kws[];          /* kw_stats.c: stats * in proxies */
extern const struct cfg_kw log_kws[];            /* logtarget.c: log in global and proxies */

/* Sub-keywords (only listed by -dK; their modules look them up). */
extern const struct cfg_kw bind_opt_kws[];       /* bind.c */
extern const struct cfg_kw server_opt_kws[];     /* server.c */
extern const struct cfg_kw option_kws[];         /* kw_proxy.c: "option x" rows live in proxy_kws; this is empty or extra */
extern const struct cfg_kw http_req_action_kws[];/* rules.c */
extern const struct cfg_kw http_res_action_kws[];/* rules.c */
extern const struct cfg_kw http_after_action_kws[];/* rules.c */
extern const struct cfg_kw tcp_req_action_kws[]; /* rules.c */
extern const struct cfg_kw tcp_res_action_kws[]; /* rules.c */
/* sample.c: fetch and converter tables start with struct kw_head too */
extern const struct kw_class smp_fetch_class;
extern const struct kw_class smp_conv_class;
extern const struct kw_class acl_kw_class;       /* ACL keyword shortcuts */

#endif
