/* Run-time side tables of a config, built once by smp_runtime_init()
 * before the engine starts and read-only afterwards: pattern sets of ACL
 * expressions, loaded map files and compiled regsub regexes per converter
 * call, capture slots of capture rules. They are keyed by the address of
 * the parsed object, so the parser's model stays untouched.
 *
 * Several configs may be live at once (a reload): each has its own
 * tables, found through a small registry that readers scan without a lock
 * (slots are published with release stores). */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/patref.h"
#include "engine/smp_eval.h"
#include "engine/smp_rt.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

/* ---- pointer hash ------------------------------------------------------------- */

struct ptrmap_ent {
	const void *k;
	void *v;
};
struct ptrmap {
	struct ptrmap_ent *t;
	size_t cap, n;
};

static size_t
ptr_hash(const void *k, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)k;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

static void ptrmap_put(struct ptrmap *m, const void *k, void *v);

static void
ptrmap_grow(struct ptrmap *m)
{
	struct ptrmap old = *m;
	m->cap = old.cap ? old.cap * 2 : 64;
	m->t = xcalloc(m->cap, sizeof(*m->t));
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.t[i].k)
			ptrmap_put(m, old.t[i].k, old.t[i].v);
	free(old.t);
}

static void
ptrmap_put(struct ptrmap *m, const void *k, void *v)
{
	if ((m->n + 1) * 2 > m->cap)
		ptrmap_grow(m);
	size_t i = ptr_hash(k, m->cap);
	while (m->t[i].k && m->t[i].k != k)
		i = (i + 1) & (m->cap - 1);
	if (!m->t[i].k)
		m->n++;
	m->t[i].k = k;
	m->t[i].v = v;
}

static void *
ptrmap_get(const struct ptrmap *m, const void *k)
{
	if (!m->cap)
		return NULL;
	size_t i = ptr_hash(k, m->cap);
	while (m->t[i].k) {
		if (m->t[i].k == k)
			return m->t[i].v;
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

/* ---- tables ----------------------------------------------------------------------- */

/* A use of a pattern reference met by the walk: references are created
 * once the walk is over, in HAProxy's order (see pr_use_cmp). */
enum pr_kind { PR_MAP, PR_ACL_FILE, PR_ACL_INLINE };
struct pr_use {
	enum pr_kind kind;
	int phase;                  /* 0: parse time, 1: post-parse */
	int fileidx;                /* config file, in order of appearance */
	struct cfg_loc loc;
	size_t seq;                 /* walk order */
	const char *file;           /* PR_MAP, PR_ACL_FILE */
	struct smp_conv_rt *cr;     /* PR_MAP */
	const struct acl_expr *e;   /* PR_ACL_* */
	struct patref_user **slot;  /* PR_ACL_*: where the user goes */
	size_t fi;                  /* PR_ACL_FILE: index in e->files */
};

struct smp_rt {
	const struct cfg *cfg;
	struct ptrmap patsets;      /* acl_expr -> patset (unused: see aclrefs) */
	struct ptrmap aclrefs;      /* acl_expr -> NULL-terminated users */
	struct ptrmap convs;        /* smp_conv_call -> smp_conv_rt */
	struct ptrmap caps;         /* px_rule -> slot + 1 */
	struct patref_reg *refs;
	VEC(struct pr_use) uses;
	VEC(const char *) cfgfiles;
	size_t seq;
	int phase;
	struct diag *d;
	int errors;
};

struct patref_user *const *
smp_rt_acl_refs(const struct smp_rt *rt, const struct acl_expr *e)
{
	return rt ? ptrmap_get(&rt->aclrefs, e) : NULL;
}

const struct patset *
smp_rt_patset(const struct smp_rt *rt, const struct acl_expr *e)
{
	return rt ? ptrmap_get(&rt->patsets, e) : NULL;
}

const struct smp_conv_rt *
smp_rt_conv(const struct smp_rt *rt, const struct smp_conv_call *c)
{
	return rt ? ptrmap_get(&rt->convs, c) : NULL;
}

int
smp_rt_capture_slot(const struct smp_rt *rt, const void *rule)
{
	return rt ? (int)(intptr_t)ptrmap_get(&rt->caps, rule) - 1 : -1;
}

/* ---- registry ----------------------------------------------------------------------- */

#define RT_SLOTS 16
static _Atomic(const struct cfg *) rt_cfg[RT_SLOTS];
static struct smp_rt *rt_state[RT_SLOTS];
static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;

const struct smp_rt *smp_rt_find(const struct cfg *cfg);
const struct smp_rt *
smp_rt_find(const struct cfg *cfg)
{
	if (!cfg)
		return NULL;
	for (int i = 0; i < RT_SLOTS; i++)
		if (atomic_load_explicit(&rt_cfg[i], memory_order_acquire) == cfg)
			return rt_state[i];
	return NULL;
}

/* ---- building ------------------------------------------------------------------------- */

static void
rt_error(struct smp_rt *rt, const struct cfg_loc *loc, const char *msg)
{
	diag_error(rt->d, loc, "%s.", msg);
	rt->errors++;
}

static void
add_use(struct smp_rt *rt, struct pr_use u, const struct cfg_loc *loc)
{
	u.phase = rt->phase;
	u.loc = *loc;
	u.seq = rt->seq++;
	u.fileidx = -1;
	for (size_t i = 0; i < rt->cfgfiles.n && loc->file; i++)
		if (!strcmp(rt->cfgfiles.v[i], loc->file))
			u.fileidx = (int)i;
	if (u.fileidx < 0 && loc->file) {
		u.fileidx = (int)rt->cfgfiles.n;
		VEC_PUSH(rt->cfgfiles, loc->file);
	}
	VEC_PUSH(rt->uses, u);
}

static void
conv_rt_free(struct smp_conv_rt *c)
{
	if (!c)
		return;
	rx_free(c->rx);
	free(c->def.value);
	free(c);
}

/* "map_beg_int" -> method, output. */
static void
map_kind(const char *name, enum acl_match *m, bool *regm, enum map_out *out)
{
	const char *p = name[3] == '_' ? name + 4 : "str";
	size_t ml = strcspn(p, "_");
	*regm = ml == 4 && !strncmp(p, "regm", 4);
	int mm = acl_match_by_name(p, ml);
	*m = *regm ? ACL_M_REG : mm < 0 ? ACL_M_STR : (enum acl_match)mm;
	const char *o = p + ml;
	*out = !strcmp(o, "_int") ? MAP_OUT_INT : !strcmp(o, "_ip") ? MAP_OUT_IP
	                                                             : MAP_OUT_STR;
}

static void
walk_conv(struct smp_rt *rt, const struct smp_conv_call *c,
          const struct cfg_loc *loc)
{
	const char *name = c->kw->h.name;
	if (ptrmap_get(&rt->convs, c))
		return;
	if (!strncmp(name, "map", 3) && (!name[3] || name[3] == '_')) {
		struct smp_conv_rt *cr = xcalloc(1, sizeof(*cr));
		map_kind(name, &cr->m, &cr->regm, &cr->out);
		if (c->nargs >= 1 && c->args[0].str)
			add_use(rt, (struct pr_use){ .kind = PR_MAP,
			                             .file = c->args[0].str,
			                             .cr = cr }, loc);
		if (c->nargs >= 2) {
			cr->has_def = true;
			const struct smp_arg *a = &c->args[1];
			if (cr->out == MAP_OUT_INT) {
				cr->def.ival = a->type == SMP_ARG_SINT ? a->sint
				               : strtoll(a->str ? a->str : "0", NULL, 10);
			} else {
				cr->def.value = xstrdup(a->str ? a->str : "");
				if (cr->out == MAP_OUT_IP) {
					if (inet_pton(AF_INET, cr->def.value, &cr->def.v4) == 1)
						cr->def.af = AF_INET;
					else if (inet_pton(AF_INET6, cr->def.value, &cr->def.v6) == 1)
						cr->def.af = AF_INET6;
					else
						cr->has_def = false;
				}
			}
		}
		ptrmap_put(&rt->convs, c, cr);
	} else if (!strcmp(name, "regsub")) {
		struct smp_conv_rt *cr = xcalloc(1, sizeof(*cr));
		const char *fl = c->nargs >= 3 ? c->args[2].str : NULL;
		char *err = NULL;
		cr->global = fl && strchr(fl, 'g');
		cr->rx = rx_compile(c->args[0].str ? c->args[0].str : "",
		                    fl && strchr(fl, 'i'), &err);
		if (!cr->rx) {
			rt_error(rt, loc, err);
			free(err);
		}
		ptrmap_put(&rt->convs, c, cr);
	}
}

static void
walk_expr(struct smp_rt *rt, const struct smp_expr *e)
{
	if (!e)
		return;
	if (smp_fetch_not_run(e->fetch)) {
		char *m = xasprintf("fetch method '%s' is not run by this version of the sluice engine yet",
		                    e->fetch->h.name);
		rt_error(rt, &e->loc, m);
		free(m);
	}
	for (size_t i = 0; i < e->convs.n; i++)
		walk_conv(rt, &e->convs.v[i], &e->loc);
}

static void
walk_lf(struct smp_rt *rt, const struct lf_expr *lf)
{
	for (size_t i = 0; lf && i < lf->nodes.n; i++)
		walk_expr(rt, lf->nodes.v[i].expr);
}

/* An ACL expression matches against one reference per -f file and one
 * for its inline patterns (HAProxy creates that one even when empty). */
static void
walk_acl_expr(struct smp_rt *rt, const struct acl_expr *e)
{
	if (ptrmap_get(&rt->aclrefs, e))
		return;
	walk_expr(rt, e->smp);
	struct patref_user **users = xcalloc(e->files.n + 2, sizeof(*users));
	ptrmap_put(&rt->aclrefs, e, users);
	for (size_t f = 0; f < e->files.n; f++)
		add_use(rt, (struct pr_use){ .kind = PR_ACL_FILE, .e = e,
		                             .file = e->files.v[f],
		                             .slot = &users[f], .fi = f }, &e->loc);
	add_use(rt, (struct pr_use){ .kind = PR_ACL_INLINE, .e = e,
	                             .slot = &users[e->files.n] }, &e->loc);
}

static void
walk_acl(struct smp_rt *rt, const struct acl *a)
{
	for (size_t i = 0; a && i < a->exprs.n; i++)
		walk_acl_expr(rt, a->exprs.v[i]);
}

static void
walk_cond(struct smp_rt *rt, const struct acl_cond *c)
{
	for (size_t s = 0; c && s < c->suites.n; s++)
		for (size_t t = 0; t < c->suites.v[s].terms.n; t++)
			walk_acl(rt, c->suites.v[s].terms.v[t].acl);
}

static void
walk_reply(struct smp_rt *rt, const struct px_reply *r)
{
	if (!r)
		return;
	walk_lf(rt, r->lf);
	for (size_t i = 0; i < r->hdrs.n; i++)
		walk_lf(rt, r->hdrs.v[i].fmt);
}

/* The condition last: HAProxy parses a rule's action before its
 * condition, which numbers their pattern references. */
static void
walk_rule(struct smp_rt *rt, const struct px_rule *r)
{
	walk_expr(rt, r->expr);
	walk_lf(rt, r->fmt);
	walk_lf(rt, r->fmt2);
	walk_reply(rt, r->reply);
	if (r->redir)
		walk_lf(rt, r->redir->fmt);
	walk_cond(rt, r->cond);
}

#define WALK_RULES(rt, vec)                                                   \
	for (size_t i_ = 0; i_ < (vec).n; i_++)                               \
		walk_rule((rt), (vec).v[i_])

static void
walk_check(struct smp_rt *rt, const struct px_check_rule *c)
{
	walk_expr(rt, c->c_port_expr);
	walk_lf(rt, c->data_lf);
	walk_lf(rt, c->uri_lf);
	walk_lf(rt, c->body_lf);
	for (size_t i = 0; i < c->hdrs.n; i++)
		walk_lf(rt, c->hdrs.v[i].fmt);
	walk_lf(rt, c->pattern_lf);
	walk_lf(rt, c->on_success);
	walk_lf(rt, c->on_error);
	walk_expr(rt, c->status_code);
	walk_expr(rt, c->expr);
	walk_lf(rt, c->fmt);
}

/* Capture slots in declaration order: "capture request header",
 * "declare capture request" and "capture <expr> len <n>" rules share
 * them, as HAProxy numbers px->req_cap. */
static void
capture_slots(struct smp_rt *rt, const struct cfg_proxy *px)
{
	const struct px_rule *const *sets[2] = {
		(const struct px_rule *const *)px->tcp_req_cont.v,
		(const struct px_rule *const *)px->http_req.v };
	size_t ns[2] = { px->tcp_req_cont.n, px->http_req.n };
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < ns[s]; i++) {
			const struct px_rule *r = sets[s][i];
			if (r->act != PX_ACT_CAPTURE || !r->arg || strcmp(r->arg, "len"))
				continue;
			int slot = 0;
			for (size_t k = 0; k < px->req_caps.n; k++)
				if (px->req_caps.v[k]->loc.line < r->loc.line)
					slot++;
			for (int s2 = 0; s2 < 2; s2++)
				for (size_t k = 0; k < ns[s2]; k++) {
					const struct px_rule *o = sets[s2][k];
					if (o != r && o->act == PX_ACT_CAPTURE && o->arg &&
					    !strcmp(o->arg, "len") &&
					    o->loc.line < r->loc.line)
						slot++;
				}
			ptrmap_put(&rt->caps, r, (void *)(intptr_t)(slot + 1));
		}
	}
}

static void
walk_proxy(struct smp_rt *rt, const struct cfg_proxy *px)
{
	for (size_t i = 0; i < px->acls.n; i++)
		walk_acl(rt, px->acls.v[i]);
	if (px->lb)
		walk_expr(rt, px->lb->hash_expr);
	/* HAProxy parses log-format strings and dynamic use_backend rules
	 * after the whole configuration: their references come last */
	rt->phase = 1;
	walk_lf(rt, px->log_format);
	walk_lf(rt, px->log_format_sd);
	walk_lf(rt, px->error_log_format);
	walk_lf(rt, px->unique_id_format);
	rt->phase = 0;
	WALK_RULES(rt, px->http_errors);
	WALK_RULES(rt, px->tcp_req_conn);
	WALK_RULES(rt, px->tcp_req_sess);
	WALK_RULES(rt, px->tcp_req_cont);
	WALK_RULES(rt, px->tcp_res_cont);
	WALK_RULES(rt, px->http_req);
	WALK_RULES(rt, px->http_res);
	WALK_RULES(rt, px->http_after);
	WALK_RULES(rt, px->redirects);
	for (size_t i = 0; i < px->use_backends.n; i++) {
		walk_cond(rt, px->use_backends.v[i]->cond);
		rt->phase = 1;
		walk_lf(rt, px->use_backends.v[i]->dyn);
		rt->phase = 0;
	}
	for (size_t i = 0; i < px->use_servers.n; i++) {
		walk_cond(rt, px->use_servers.v[i]->cond);
		walk_lf(rt, px->use_servers.v[i]->dyn);
	}
	for (size_t i = 0; i < px->monitor_fail.n; i++)
		walk_cond(rt, px->monitor_fail.v[i]);
	for (size_t i = 0; i < px->http_checks.n; i++)
		walk_check(rt, px->http_checks.v[i]);
	for (size_t i = 0; i < px->tcp_checks.n; i++)
		walk_check(rt, px->tcp_checks.v[i]);
	if (px->stats) {
		for (size_t i = 0; i < px->stats->admin.n; i++)
			walk_cond(rt, px->stats->admin.v[i]);
		WALK_RULES(rt, px->stats->http_req);
	}
	for (size_t i = 0; i < px->servers.n; i++)
		walk_expr(rt, px->servers.v[i]->sni);
	capture_slots(rt, px);
}

static void
rt_free(struct smp_rt *rt)
{
	if (!rt)
		return;
	for (size_t i = 0; i < rt->patsets.cap; i++)
		if (rt->patsets.t[i].k)
			patset_free(rt->patsets.t[i].v);
	free(rt->patsets.t);
	for (size_t i = 0; i < rt->aclrefs.cap; i++)
		if (rt->aclrefs.t[i].k)
			free(rt->aclrefs.t[i].v);
	free(rt->aclrefs.t);
	patref_reg_free(rt->refs);
	free(rt->uses.v);
	free(rt->cfgfiles.v);
	for (size_t i = 0; i < rt->convs.cap; i++)
		if (rt->convs.t[i].k)
			conv_rt_free(rt->convs.t[i].v);
	free(rt->convs.t);
	free(rt->caps.t);
	free(rt);
}

/* HAProxy's creation order: what it parses at once (ACLs, rules, their
 * converters) in file order, then what it parses after the whole file
 * (log-format strings, dynamic use_backend), in proxy order. */
static int
pr_use_cmp(const void *a, const void *b)
{
	const struct pr_use *x = a, *y = b;
	if (x->phase != y->phase)
		return x->phase - y->phase;
	if (x->phase == 0) {
		if (x->fileidx != y->fileidx)
			return x->fileidx - y->fileidx;
		if (x->loc.line != y->loc.line)
			return x->loc.line - y->loc.line;
	}
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Patterns of e the parser read from its files (they come first in
 * e->pats): the entries of its file references, once per -f. */
static size_t
file_pats(const struct smp_rt *rt, const struct acl_expr *e, size_t upto)
{
	size_t n = 0;
	if (!rt->cfg->opts.check_files)
		return 0;
	for (size_t f = 0; f < upto && f < e->files.n; f++) {
		const struct patref *r = patref_find(rt->refs, e->files.v[f],
		                                     PATREF_ACL | PATREF_MAP);
		n += r ? r->elts.n : 0;
	}
	return n;
}

/* -i of the patterns from file f on: the parser marks each pattern. */
static bool
acl_icase(const struct smp_rt *rt, const struct acl_expr *e, size_t f)
{
	size_t off = file_pats(rt, e, f);
	return off < e->pats.n ? e->pats.v[off].icase : false;
}

/* The text of an inline pattern that parses back to it: an operator
 * ("gt 41") was folded into a range, written "42:" here. */
static char *
pattern_text(const struct acl_expr *e, const struct acl_pattern *p)
{
	if ((e->match != ACL_M_INT && e->match != ACL_M_LEN) || e->dotted)
		return xstrdup(p->str ? p->str : "");
	if (p->has_min && p->has_max && p->min == p->max)
		return xasprintf("%lld", p->min);
	if (p->has_min && p->has_max)
		return xasprintf("%lld:%lld", p->min, p->max);
	if (p->has_min)
		return xasprintf("%lld:", p->min);
	if (p->has_max)
		return xasprintf(":%lld", p->max);
	return xstrdup(p->str ? p->str : "");
}

static void
make_ref_use(struct smp_rt *rt, struct pr_use *u)
{
	char *err = NULL;
	struct patref *ref = NULL;
	struct smp_map_kind k = { 0 };
	const struct acl_expr *e = u->e;

	switch (u->kind) {
	case PR_MAP:
		ref = patref_file(rt->refs, u->file, true, -1, &err);
		if (!ref)
			break;
		patref_describe(ref, PATREF_MAP, NULL, u->loc.file, u->loc.line);
		k = (struct smp_map_kind){ .m = u->cr->m, .regm = u->cr->regm,
		                           .values = true, .out = u->cr->out };
		u->cr->pu = patref_user_get(ref, &k, &err);
		break;
	case PR_ACL_FILE:
		ref = patref_file(rt->refs, u->file, e->map,
		                  u->fi == 0 ? (int)e->unique_id : -1, &err);
		if (!ref)
			break;
		patref_describe(ref, PATREF_ACL, e->kw, u->loc.file, u->loc.line);
		k = (struct smp_map_kind){ .m = e->match, .dotted = e->dotted,
		                           .icase = acl_icase(rt, e, u->fi),
		                           .no_dns = e->no_dns };
		*u->slot = patref_user_get(ref, &k, &err);
		break;
	case PR_ACL_INLINE: {
		/* an expression of a defaults section is replayed into each
		 * proxy: HAProxy parsed it once, so one reference */
		for (size_t i = 0; i < rt->uses.n && !ref; i++) {
			const struct pr_use *o = &rt->uses.v[i];
			if (o == u)
				break;
			if (o->kind == PR_ACL_INLINE && *o->slot &&
			    o->loc.line == u->loc.line && o->loc.col == u->loc.col &&
			    o->fileidx == u->fileidx && !strcmp(o->e->kw, e->kw))
				ref = (*o->slot)->ref;
		}
		size_t nf = file_pats(rt, e, e->files.n);
		if (!ref) {
			ref = patref_inline(rt->refs, e->files.n ? -1 : (int)e->unique_id);
			for (size_t i = nf; i < e->pats.n; i++) {
				char *txt = pattern_text(e, &e->pats.v[i]);
				patref_push(ref, txt, NULL, 0);
				free(txt);
			}
			patref_describe(ref, PATREF_ACL, e->kw, u->loc.file,
			                u->loc.line);
		}
		k = (struct smp_map_kind){ .m = e->match, .dotted = e->dotted,
		                           .icase = nf < e->pats.n && e->pats.v[nf].icase,
		                           .no_dns = e->no_dns };
		*u->slot = patref_user_get(ref, &k, &err);
		break;
	}
	}
	if (err) {
		rt_error(rt, &u->loc, err);
		free(err);
	}
}

static void
make_refs(struct smp_rt *rt)
{
	if (rt->uses.n)
		qsort(rt->uses.v, rt->uses.n, sizeof(*rt->uses.v), pr_use_cmp);
	for (size_t i = 0; i < rt->uses.n; i++)
		make_ref_use(rt, &rt->uses.v[i]);
}

struct patref_reg *
smp_rt_patrefs(const struct cfg *cfg)
{
	const struct smp_rt *rt = smp_rt_find(cfg);
	return rt ? rt->refs : NULL;
}

int
smp_runtime_init(const struct cfg *cfg, struct diag *d)
{
	struct smp_rt *rt = xcalloc(1, sizeof(*rt));
	rt->cfg = cfg;
	rt->d = d;
	rt->refs = xcalloc(1, sizeof(*rt->refs));
	for (size_t i = 0; i < cfg->proxies.n; i++)
		walk_proxy(rt, cfg->proxies.v[i]);
	make_refs(rt);
	rt->d = NULL;
	if (rt->errors) {
		rt_free(rt);
		return -1;
	}
	pthread_mutex_lock(&rt_lock);
	int slot = -1;
	for (int i = 0; i < RT_SLOTS && slot < 0; i++)
		if (atomic_load_explicit(&rt_cfg[i], memory_order_relaxed) == NULL)
			slot = i;
	if (slot >= 0) {
		rt_state[slot] = rt;
		atomic_store_explicit(&rt_cfg[slot], cfg, memory_order_release);
	}
	pthread_mutex_unlock(&rt_lock);
	if (slot < 0) {
		diag_error(d, NULL, "too many configurations loaded at once.");
		rt_free(rt);
		return -1;
	}
	return 0;
}

void
smp_runtime_free(const struct cfg *cfg)
{
	struct smp_rt *rt = NULL;
	bool last = true;
	pthread_mutex_lock(&rt_lock);
	for (int i = 0; i < RT_SLOTS; i++) {
		const struct cfg *c = atomic_load_explicit(&rt_cfg[i], memory_order_relaxed);
		if (c == cfg && !rt) {
			atomic_store_explicit(&rt_cfg[i], NULL, memory_order_release);
			rt = rt_state[i];
			rt_state[i] = NULL;
		} else if (c) {
			last = false;
		}
	}
	pthread_mutex_unlock(&rt_lock);
	rt_free(rt);
	/* proc variables outlive a reload, not the last config */
	if (last)
		smp_vars_proc_free();
}
