/* Internal to the sample evaluator (smp_eval.c, fetch_rt.c, conv_rt.c,
 * match_rt.c, maps.c, vars.c): typed sample values, per-evaluation
 * scratch space, and the run-time side tables built by smp_runtime_init().
 * Nothing here is used by other modules. */
#ifndef SLUICE_ENGINE_SMP_RT_H
#define SLUICE_ENGINE_SMP_RT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/smp_ctx.h"
#include "lib/regex.h"
#include "parser/acl.h"
#include "parser/sample.h"

/* Flags of a sample value (HAProxy's SMP_F_*). */
#define SV_MAY_CHANGE 0x1u /* more data may change the answer (never set
                              when ctx->final) */
#define SV_NOT_LAST   0x2u /* multi-valued: another value follows */

/* A typed sample. Strings and binaries point either to data that outlives
 * the evaluation (the request buffer, the ClientHello, the config) or to
 * one of the run's chunks. */
struct smp_val {
	enum smp_type type;     /* BOOL SINT IPV4 IPV6 STR BIN METH */
	unsigned flags;         /* SV_* */
	long long sint;         /* BOOL, SINT */
	struct in_addr v4;
	struct in6_addr v6;
	const char *ptr;        /* STR, BIN, METH */
	size_t len;
};

/* Scratch for converters: inline first, heap beyond. */
#define SMP_CHUNK_INL 512
struct smp_chunk {
	char *p;
	size_t len, cap;
	char inl[SMP_CHUNK_INL];
};

struct smp_rt;

/* One evaluation (a sample, a condition or a log-format string). The
 * chunks rotate: a converter reads the value (and maybe a variable's
 * copy) from some and writes into one holding neither. */
struct smp_run {
	struct smp_ctx *ctx;
	const struct smp_rt *rt;  /* side tables of ctx->cfg, or NULL */
	bool final;               /* ctx->final, or forced (actions, logs) */
	bool iterate;             /* an ACL: multi-valued fetches give every
	                             value (idx 0, 1...), where a plain
	                             sample takes one (HAProxy's
	                             SMP_OPT_ITERATE) */
	struct smp_chunk ch[3];
};

void smp_run_init(struct smp_run *run, struct smp_ctx *ctx);
void smp_run_done(struct smp_run *run);
/* A chunk holding neither a nor b (either may be NULL), emptied, to
 * build a converter's output in. */
struct smp_chunk *smp_run_out(struct smp_run *run, const struct smp_val *a,
                              const struct smp_val *b);
void chunk_add(struct smp_chunk *c, const void *p, size_t n);
void chunk_addc(struct smp_chunk *c, char ch);
void chunk_addf(struct smp_chunk *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Makes v a STR/BIN of the chunk's contents. */
void smp_val_set_chunk(struct smp_val *v, enum smp_type t,
                       const struct smp_chunk *c);

/* Casts v to type t in place (ADDR: IPv4 or IPv6). false when HAProxy's
 * cast fails or is not allowed. */
bool smp_cast(struct smp_run *run, struct smp_val *v, enum smp_type t);
/* Same, never writing into the chunk holding keep. */
bool smp_cast_keep(struct smp_run *run, struct smp_val *v, enum smp_type t,
                   const struct smp_val *keep);

/* Fetch value number idx of e's fetch (0 first; multi-valued fetches set
 * SV_NOT_LAST while more follow), then its converters. false: no value,
 * with SV_MAY_CHANGE in v->flags when the answer may come later. */
bool smp_process(struct smp_run *run, const struct smp_expr *e, int idx,
                 struct smp_val *v);
/* Fetch implementations by keyword name, NULL-terminated: HTTP
 * (fetch_http.c, fetch_cook.c) and TLS (fetch_ssl.c) ones; fetch_rt.c
 * has the rest. */
typedef bool (*smp_fetch_fn)(struct smp_run *run, const struct smp_expr *e,
                             int idx, struct smp_val *v);
struct smp_fetch_impl {
	const char *name;
	smp_fetch_fn fn;
};
extern const struct smp_fetch_impl smp_fetch_http[];
extern const struct smp_fetch_impl smp_fetch_ssl[];
extern const struct smp_fetch_impl smp_fetch_cook[];
/* Whether the engine refuses fetch kw (HTTP/TLS fetches it cannot
 * serve; fetch_rt.c). */
bool smp_fetch_not_run(const struct smp_fetch_kw *kw);
/* The fetch alone (fetch_rt.c). */
bool smp_fetch_run(struct smp_run *run, const struct smp_expr *e, int idx,
                   struct smp_val *v);
/* Converter implementations by name (conv_codec.c; NULL-terminated). */
typedef bool (*smp_conv_fn)(struct smp_run *run, const struct smp_conv_call *c,
                            struct smp_val *v);
struct smp_conv_impl {
	const char *name;
	smp_conv_fn fn;
};
extern const struct smp_conv_impl smp_conv_codec[];
/* One converter (conv_rt.c). */
bool smp_conv_run(struct smp_run *run, const struct smp_conv_call *c,
                  struct smp_val *v);

/* gethostname(), once per process. */
const char *smp_hostname(void);

/* Proxies and servers named by fetch/converter arguments. */
const struct cfg_proxy *smp_find_backend(const struct smp_ctx *ctx,
                                         const char *name);
const struct cfg_server *smp_find_server(const struct smp_ctx *ctx,
                                         const char *spec);

/* Variables (vars.c). scope.name as written. get: false when unset;
 * strings are copied into a run chunk not holding keep (the value being
 * converted, or NULL), so later changes to the variable cannot touch
 * them. */
bool smp_var_get(struct smp_run *run, const char *name, struct smp_val *v,
                 const struct smp_val *keep);
/* set-var conditions (HAProxy 2.6 VF_COND_*) by name, OR-ed; names
 * separated by commas. Unknown names are ignored (the parser checked). */
#define SMP_VC_IFEXISTS    0x01u
#define SMP_VC_IFNOTEXISTS 0x02u
#define SMP_VC_IFEMPTY     0x04u
#define SMP_VC_IFNOTEMPTY  0x08u
#define SMP_VC_IFSET       0x10u
#define SMP_VC_IFNOTSET    0x20u
#define SMP_VC_IFGT        0x40u
#define SMP_VC_IFLT        0x80u
unsigned smp_var_conds(const char *csv);
void smp_var_set(struct smp_run *run, const char *name, unsigned conds,
                 const struct smp_val *v);
void smp_var_unset(struct smp_run *run, const char *name);
void smp_vars_proc_free(void);

/* Pattern sets (match_rt.c): the patterns of an ACL expression or the
 * keys of a map, indexed for their method. */
struct patset;
/* Builds a set over pats[0..n) (kept by reference: they must outlive the
 * set), compiling the regexes of REG patterns. NULL with *err when one
 * does not compile. */
struct patset *patset_build(enum acl_match m, const struct acl_pattern *pats,
                            size_t n, char **err);
void patset_free(struct patset *ps);
/* Index of the matching pattern (HAProxy's choice for maps: tree lookups
 * for exact strings, prefixes and addresses, file order otherwise), or
 * -1. v must already have the method's input type. caps/ncaps receive the
 * capture offsets of a regex match (map_regm), when non-NULL. */
long patset_lookup(const struct patset *ps, struct smp_run *run,
                   const struct smp_val *v, size_t *caps, int ncaps);
/* Linear match of one pattern (fallback without side tables). */
bool pattern_match_one(enum acl_match m, const struct acl_pattern *p,
                       const struct rx *rx, const struct smp_val *v);
/* The input type a method works on (HAProxy's pat_match_types). */

/* Maps (maps.c). */
struct smp_map;
enum map_out { MAP_OUT_STR, MAP_OUT_INT, MAP_OUT_IP };
struct smp_map_entry {
	char *key, *value;
	long long ival;         /* MAP_OUT_INT */
	int af;                 /* MAP_OUT_IP: AF_INET or AF_INET6 */
	struct in_addr v4;
	struct in6_addr v6;
};
/* Loads a map file for match method m (regm: REG with substitution) and
 * output out. NULL with *err on failure. */
struct smp_map *smp_map_load(const char *file, enum acl_match m, bool regm,
                             enum map_out out, char **err);
/* Same from text in memory (fuzzing). */
struct smp_map *smp_map_parse(const char *name, const char *text, size_t len,
                              enum acl_match m, bool regm, enum map_out out,
                              char **err);
void smp_map_free(struct smp_map *map);
/* Looks key v up (already cast to the map's input type); the entry or
 * NULL. caps receive regex captures when non-NULL. */
const struct smp_map_entry *smp_map_lookup(const struct smp_map *map,
                                           struct smp_run *run,
                                           const struct smp_val *v,
                                           size_t *caps, int ncaps);
size_t smp_map_size(const struct smp_map *map);
const struct smp_map_entry *smp_map_entry_at(const struct smp_map *map,
                                             size_t i);
/* How a map or an ACL's patterns are compiled: the method (regm: REG
 * with substitution), -i and dotted numbers for ACLs, and for maps
 * (values) the output type the values are parsed for. */
struct smp_map_kind {
	enum acl_match m;
	bool regm, icase, dotted;
	bool no_dns;            /* ACL flag -n */
	bool values;
	enum map_out out;
};
/* Compiles n entries (vals NULL without values). lines[i] > 0 names the
 * line of file in errors. NULL with *err when one does not parse. */
struct smp_map *smp_map_compile(const struct smp_map_kind *k,
                                const char *const *keys,
                                const char *const *vals, const int *lines,
                                size_t n, const char *file, char **err);
/* Whether key (and val), added at run time, would compile for k: 0, or
 * -1 with *err in HAProxy's words, without the final period. A host name
 * is refused where k wants an address. */
int smp_map_entry_check(const struct smp_map_kind *k, const char *key,
                        const char *val, char **err);
/* The parsed pattern of entry i (its index kind for "get map"). */
const struct acl_pattern *smp_map_pattern_at(const struct smp_map *map,
                                             size_t i);

/* Side tables of one config (smp_eval.c): read-only after init. */
struct patref_user;
struct smp_conv_rt {            /* per map / regsub converter call */
	struct patref_user *pu;     /* the map's compiled reference (patref.h) */
	enum acl_match m;
	bool regm;
	enum map_out out;
	bool has_def;
	struct smp_map_entry def;   /* default value, parsed for out */
	struct rx *rx;              /* regsub */
	bool global;                /* regsub 'g' */
};
const struct patset *smp_rt_patset(const struct smp_rt *rt,
                                   const struct acl_expr *e);
/* The pattern references an ACL expression matches against (its -f
 * files, then its inline patterns), NULL-terminated, or NULL. */
struct patref_user *const *smp_rt_acl_refs(const struct smp_rt *rt,
                                           const struct acl_expr *e);
const struct smp_conv_rt *smp_rt_conv(const struct smp_rt *rt,
                                      const struct smp_conv_call *c);
/* Capture slot of a "capture <expr> len <n>" rule, or -1. */
int smp_rt_capture_slot(const struct smp_rt *rt, const void *rule);

/* Shared by the converter files (conv_rt.c, conv_codec.c). */
#define CONV(name)                                                            \
	static bool name(struct smp_run *run, const struct smp_conv_call *c, \
	                 struct smp_val *v)

static inline const char *
cv_arg_str(const struct smp_conv_call *c, int i)
{
	return i < c->nargs && c->args[i].str ? c->args[i].str : NULL;
}

static inline long long
cv_arg_int(const struct smp_conv_call *c, int i, long long def)
{
	return i < c->nargs && c->args[i].type == SMP_ARG_SINT ? c->args[i].sint
	                                                       : def;
}

static inline void
cv_out_chunk(struct smp_val *v, enum smp_type t, const struct smp_chunk *ch)
{
	smp_val_set_chunk(v, t, ch);
}

#endif
