/* Private helpers shared by the proxy keyword modules (kw_proxy.c,
 * px_settings.c, options.c, rules.c, actions.c, checks.c, kw_stats.c).
 * Not an API for other modules. */
#ifndef SLUICE_PARSER_PX_INT_H
#define SLUICE_PARSER_PX_INT_H

#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "args.h"
#include "proxy_kw.h"
#include "sample.h"

#define PX_HANDLER(fn) \
	int fn(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, \
	       int n, int argi)

/* The last word of a line: where "missing argument" errors point. */
static inline struct cfg_word *
px_last(struct cfg_word *w, int n)
{
	return &w[n > 0 ? n - 1 : 0];
}

static inline bool
px_eq(const struct cfg_word *w, const char *s)
{
	return strcmp(w->s, s) == 0;
}

/* atol() as HAProxy reads many numbers: leading blanks, a sign and
 * digits, stopping at the first other byte (0 when none). *strict tells
 * whether the whole string was a number. */
long long px_atol(const char *s, bool *strict);
/* "'<kw>' : '<s>' is not a number: read as <v>, as HAProxy does" at w. */
void px_warn_lenient(struct cfg_ctx *cx, const struct cfg_word *w,
                     const char *kwname, long long v);
/* px_atol() of w->s with the warning when it was not strictly a number. */
long long px_atol_warn(struct cfg_ctx *cx, const struct cfg_word *w,
                       const char *kwname);
/* arg_time_parse() of w in milliseconds; junk after a valid unit is
 * HAProxy's warning and ARG_TIME_OK. Other results are for the caller to
 * report, in the keyword's own words. */
enum arg_time_rc px_time_ms(struct cfg_ctx *cx, const struct cfg_word *w,
                            uint32_t *ms, const char **end);
/* A time in seconds (a bare number is in seconds) up to 2147483647 s, as
 * HAProxy's parse_time_err(TIME_UNIT_S): sub-second values round up.
 * Same return values as arg_time_parse(); *end as there. */
enum arg_time_rc px_time_s(const char *s, uint32_t *sec, const char **end);

/* HAProxy's alertif_too_many_args(): words after the max-th argument. */
int px_too_many(struct cfg_ctx *cx, const char *kwname, struct cfg_word *w,
                int n, int argi, int max);
/* Joins w[from..n-1] with single spaces (description, show-desc). */
char *px_join(struct cfg_word *w, int n, int from);
/* Sets *dst to a new lf_expr parsed from word at (freeing the old one). */
int px_lf(struct cfg_ctx *cx, struct cfg_word *at, unsigned stages,
          struct lf_expr **dst);
/* "frontend"/"backend"/"defaults", or "proxy" for a listen, as HAProxy
 * names proxies in messages. */
const char *px_type(const struct cfg_proxy *px);
/* Parses "if|unless <cond>" at w[i] for a rule set of px. */
unsigned px_stages_fe_be(const struct cfg_proxy *px, unsigned fe, unsigned be);
/* Is px an anonymous defaults section? */
static inline bool
px_anon_defaults(const struct cfg_proxy *px)
{
	return (px->cap & PX_CAP_DEF) && (px->name == NULL || !*px->name);
}

void px_hdr_opt_free(struct px_hdr_opt *o);
void px_cookie_free(struct px_cookie *c);
int px_check_errorfile(struct cfg_ctx *cx, struct cfg_word *at,
                       const char *kwname, const char *path);
void px_switch_free(struct px_switch *s);
/* px_refs.c: names inside expressions and capture ids, once all proxies
 * exist (part of proxies_resolve()). */
int px_refs_resolve(struct cfg *cfg, struct diag *d);

/* options.c */
PX_HANDLER(px_opt_flag);
PX_HANDLER(px_opt_bare);
PX_HANDLER(px_opt_redispatch);
PX_HANDLER(px_opt_http_conn);
PX_HANDLER(px_opt_log);
PX_HANDLER(px_opt_tcpka);
PX_HANDLER(px_opt_forwardfor);
PX_HANDLER(px_opt_originalto);
PX_HANDLER(px_opt_restrict_hdr);
PX_HANDLER(px_opt_httpchk);
PX_HANDLER(px_opt_check);
int px_opt_index(const char *name);
const char *px_opt_name(int o);

/* px_settings.c */
PX_HANDLER(px_kw_mode);
PX_HANDLER(px_kw_balance);
PX_HANDLER(px_kw_hash_type);
PX_HANDLER(px_kw_hash_balance_factor);
PX_HANDLER(px_kw_timeout);
PX_HANDLER(px_kw_timeout_bare);
PX_HANDLER(px_kw_int);
PX_HANDLER(px_kw_retry_on);
PX_HANDLER(px_kw_http_reuse);
PX_HANDLER(px_kw_rate_limit);
PX_HANDLER(px_kw_rate_limit_bare);
PX_HANDLER(px_kw_default_backend);
PX_HANDLER(px_kw_logformat);
PX_HANDLER(px_kw_string);
PX_HANDLER(px_kw_errorfile);
PX_HANDLER(px_kw_errorloc);
PX_HANDLER(px_kw_errorfiles);
PX_HANDLER(px_kw_capture);
PX_HANDLER(px_kw_capture_bare);
PX_HANDLER(px_kw_declare_capture);
PX_HANDLER(px_kw_cookie);
PX_HANDLER(px_kw_description);
PX_HANDLER(px_kw_id);
PX_HANDLER(px_kw_disabled);
PX_HANDLER(px_kw_monitor_uri);
PX_HANDLER(px_kw_monitor_fail);
PX_HANDLER(px_kw_monitor_bare);
PX_HANDLER(px_kw_load_state);
PX_HANDLER(px_kw_state_file_name);
PX_HANDLER(px_kw_http_error);

#endif
