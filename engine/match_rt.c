/* Pattern matching (HAProxy's pattern.c pat_match_*) over indexed
 * pattern sets, and ACL conditions (acl.c acl_exec_cond) with the
 * three-valued logic of HAProxy: a fetch that may change with more data
 * makes a term MISS, and MISS propagates as ACL_TEST_MISS does.
 *
 * Indexes: exact strings and prefixes/suffixes are sorted arrays grouped
 * by key length (a lookup is one binary search per distinct length);
 * addresses are sorted arrays grouped by prefix length, searched from the
 * longest prefix. What HAProxy keeps in lists (sub, dir, dom, reg, int,
 * len, bin, non-contiguous IPv4 masks) is scanned in order. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/smp_eval.h"
#include "engine/patref.h"
#include "engine/smp_rt.h"
#include "parser/userlist.h"

/* ---- single patterns -------------------------------------------------------- */

static bool
bytes_eq(const char *a, const char *b, size_t n, bool icase)
{
	return icase ? strncasecmp(a, b, n) == 0 : memcmp(a, b, n) == 0;
}

static bool
is_delim(char c, const char *delims)
{
	return strchr(delims, c) != NULL && c != '\0';
}

/* HAProxy's match_word(): the pattern (trimmed of delimiters) as a whole
 * word of the sample. */
static bool
match_word(const char *s, size_t sl, const char *ps, size_t pl, bool icase,
           const char *delims)
{
	while (pl > 0 && is_delim(*ps, delims))
		pl--, ps++;
	while (pl > 0 && is_delim(ps[pl - 1], delims))
		pl--;
	if (pl > sl)
		return false;
	bool may = true;
	const char *end = s + sl - pl;
	for (const char *c = s; c <= end; c++) {
		if (is_delim(*c, delims)) {
			may = true;
			continue;
		}
		if (!may)
			continue;
		if (pl && bytes_eq(c, ps, pl, icase) &&
		    (c == end || is_delim(c[pl], delims)))
			return true;
		may = false;
	}
	return false;
}

static bool
memmem_case(const char *s, size_t sl, const char *p, size_t pl, bool icase)
{
	if (pl == 0)
		return true;
	for (size_t i = 0; i + pl <= sl; i++)
		if (bytes_eq(s + i, p, pl, icase))
			return true;
	return false;
}

/* IPv4 carried by an IPv6 sample (::ffff:a.b.c.d, ::a.b.c.d, 2002:AABB:CCDD::). */
static bool
v6_embedded_v4(const struct in6_addr *a, uint32_t *v4)
{
	const uint8_t *b = a->s6_addr;
	static const uint8_t z[8];
	if (memcmp(b, z, 8) == 0 &&
	    ((b[8] == 0 && b[9] == 0 && b[10] == 0 && b[11] == 0) ||
	     (b[8] == 0 && b[9] == 0 && b[10] == 0xff && b[11] == 0xff))) {
		memcpy(v4, b + 12, 4);
		return true;
	}
	if (b[0] == 0x20 && b[1] == 0x02) {
		memcpy(v4, b + 2, 4);
		return true;
	}
	return false;
}

static bool
v6_prefix_eq(const uint8_t *a, const uint8_t *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, (size_t)full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - rest));
	return (a[full] & m) == (b[full] & m);
}

static bool
ip_match_one(const struct acl_pattern *p, const struct smp_val *v)
{
	uint32_t a4;
	if (p->af == AF_INET) {
		if (v->type == SMP_T_IPV4)
			a4 = v->v4.s_addr;
		else if (!v6_embedded_v4(&v->v6, &a4))
			return false;
		return ((a4 ^ p->v4.s_addr) & p->m4.s_addr) == 0;
	}
	struct in6_addr s6;
	if (v->type == SMP_T_IPV4) {
		memset(&s6, 0, sizeof(s6));
		s6.s6_addr[10] = s6.s6_addr[11] = 0xff;
		memcpy(&s6.s6_addr[12], &v->v4, 4);
	} else {
		s6 = v->v6;
	}
	return v6_prefix_eq(s6.s6_addr, p->v6.s6_addr, p->plen6);
}

bool
pattern_match_one(enum acl_match m, const struct acl_pattern *p,
                  const struct rx *rx, const struct smp_val *v)
{
	switch (m) {
	case ACL_M_FOUND:
		return true;
	case ACL_M_BOOL:
		return v->sint != 0;
	case ACL_M_INT:
		return (!p->has_min || p->min <= v->sint) &&
		       (!p->has_max || v->sint <= p->max);
	case ACL_M_LEN:
		return (!p->has_min || p->min <= (long long)v->len) &&
		       (!p->has_max || (long long)v->len <= p->max);
	case ACL_M_IP:
		return ip_match_one(p, v);
	case ACL_M_BIN:
		return p->binlen == v->len && memcmp(p->bin, v->ptr, v->len) == 0;
	case ACL_M_STR:
	case ACL_M_METH:
		return p->len == v->len && bytes_eq(v->ptr, p->str, v->len,
		                                    p->icase || m == ACL_M_METH);
	case ACL_M_SUB:
		return memmem_case(v->ptr, v->len, p->str, p->len, p->icase);
	case ACL_M_BEG:
		return p->len <= v->len && bytes_eq(v->ptr, p->str, p->len, p->icase);
	case ACL_M_END:
		return p->len <= v->len &&
		       bytes_eq(v->ptr + v->len - p->len, p->str, p->len, p->icase);
	case ACL_M_DIR:
		return match_word(v->ptr, v->len, p->str, p->len, p->icase, "/?");
	case ACL_M_DOM:
		return match_word(v->ptr, v->len, p->str, p->len, p->icase, "/?.:");
	case ACL_M_REG:
		if (rx)
			return rx_match(rx, v->ptr, v->len);
		else {
			char *err = NULL;
			struct rx *r = rx_compile(p->str, p->icase, &err);
			bool ok = r && rx_match(r, v->ptr, v->len);
			free(err);
			rx_free(r);
			return ok;
		}
	default:
		return false;
	}
}

/* ---- keyed tables -------------------------------------------------------------- */

struct kent {
	const char *key;
	size_t len;
	long idx;
	char *own;                  /* lowered copy, or NULL */
};
struct kgroup {
	size_t klen;
	struct kent *v;
	size_t n;
};
struct ktab {
	struct kgroup *g;           /* by klen, longest first */
	size_t ng;
	struct kent *all;
	size_t n;
};

static int
kent_cmp(const void *a, const void *b)
{
	const struct kent *x = a, *y = b;
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	int c = memcmp(x->key, y->key, x->len);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void
ktab_build(struct ktab *t)
{
	if (!t->n)
		return;
	qsort(t->all, t->n, sizeof(*t->all), kent_cmp);
	/* duplicates: the first in file order wins (HAProxy's unique tree) */
	size_t w = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (w && t->all[w - 1].len == t->all[i].len &&
		    memcmp(t->all[w - 1].key, t->all[i].key, t->all[i].len) == 0) {
			free(t->all[i].own);
			continue;
		}
		t->all[w++] = t->all[i];
	}
	t->n = w;
	for (size_t i = 0; i < t->n; i++) {
		if (!t->ng || t->g[t->ng - 1].klen != t->all[i].len) {
			t->g = xrealloc(t->g, (t->ng + 1) * sizeof(*t->g));
			t->g[t->ng++] = (struct kgroup){ t->all[i].len, &t->all[i], 0 };
		}
		t->g[t->ng - 1].n++;
	}
}

static void
ktab_add(struct ktab *t, const char *key, size_t len, long idx, bool lower)
{
	t->all = xrealloc(t->all, (t->n + 1) * sizeof(*t->all));
	struct kent e = { key, len, idx, NULL };
	if (lower) {
		e.own = xmalloc(len + 1);
		for (size_t i = 0; i < len; i++)
			e.own[i] = (char)tolower((unsigned char)key[i]);
		e.own[len] = '\0';
		e.key = e.own;
	}
	t->all[t->n++] = e;
}

static void
ktab_free(struct ktab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->all[i].own);
	free(t->all);
	free(t->g);
}

/* Index in g of key s[0..g->klen), or -1. */
static long
kgroup_find(const struct kgroup *g, const char *s)
{
	size_t lo = 0, hi = g->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(g->v[mid].key, s, g->klen);
		if (c == 0)
			return g->v[mid].idx;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static long
ktab_exact(const struct ktab *t, const char *s, size_t n)
{
	for (size_t i = 0; i < t->ng; i++)
		if (t->g[i].klen == n)
			return kgroup_find(&t->g[i], s);
	return -1;
}

/* Longest key that prefixes s (longest: true), or the first one in file
 * order (longest: false). suffix: keys that end s instead. */
static long
ktab_affix(const struct ktab *t, const char *s, size_t n, bool suffix,
           bool longest)
{
	long best = -1;
	for (size_t i = 0; i < t->ng; i++) {
		const struct kgroup *g = &t->g[i];
		if (g->klen > n)
			continue;
		long r = kgroup_find(g, suffix ? s + n - g->klen : s);
		if (r < 0)
			continue;
		if (longest)
			return r;
		if (best < 0 || r < best)
			best = r;
	}
	return best;
}

/* Addresses by prefix length, longest first. */
struct ipent {
	uint8_t a[16];
	long idx;
};
struct ipgroup {
	int bits;
	struct ipent *v;
	size_t n;
};
struct iptab {
	size_t alen;                /* 4 or 16 */
	struct ipgroup *g;
	size_t ng;
	struct ipent *all;
	int *bits;                  /* per entry of all, while building */
	size_t n;
};

static size_t ipcmp_len;

static int
ipent_cmp(const void *a, const void *b)
{
	const struct ipent *x = a, *y = b;
	int c = memcmp(x->a, y->a, ipcmp_len);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void
mask_bits(uint8_t *a, size_t alen, int bits)
{
	for (size_t i = 0; i < alen; i++) {
		int b = bits - (int)i * 8;
		if (b >= 8)
			continue;
		a[i] &= b <= 0 ? 0 : (uint8_t)(0xff << (8 - b));
	}
}

static void
iptab_add(struct iptab *t, const uint8_t *a, int bits, long idx)
{
	t->all = xrealloc(t->all, (t->n + 1) * sizeof(*t->all));
	t->bits = xrealloc(t->bits, (t->n + 1) * sizeof(*t->bits));
	memset(&t->all[t->n], 0, sizeof(t->all[t->n]));
	memcpy(t->all[t->n].a, a, t->alen);
	mask_bits(t->all[t->n].a, t->alen, bits);
	t->all[t->n].idx = idx;
	t->bits[t->n] = bits;
	t->n++;
}

/* Sorts entries into groups (not thread-safe: init time only). */
static void
iptab_build(struct iptab *t)
{
	if (!t->n)
		return;
	struct ipent *sorted = xmalloc(t->n * sizeof(*sorted));
	size_t w = 0;
	for (int bits = (int)t->alen * 8; bits >= 0; bits--) {
		size_t from = w;
		for (size_t i = 0; i < t->n; i++)
			if (t->bits[i] == bits)
				sorted[w++] = t->all[i];
		if (w == from)
			continue;
		ipcmp_len = t->alen;
		qsort(sorted + from, w - from, sizeof(*sorted), ipent_cmp);
		size_t k = from;
		for (size_t i = from; i < w; i++)
			if (k == from || memcmp(sorted[k - 1].a, sorted[i].a, t->alen))
				sorted[k++] = sorted[i];
		w = k;
		t->g = xrealloc(t->g, (t->ng + 1) * sizeof(*t->g));
		t->g[t->ng++] = (struct ipgroup){ bits, NULL, k - from };
		/* v is fixed below, once sorted stops moving */
		t->g[t->ng - 1].v = (struct ipent *)(uintptr_t)from;
	}
	free(t->all);
	t->all = sorted;
	for (size_t i = 0; i < t->ng; i++)
		t->g[i].v = sorted + (uintptr_t)t->g[i].v;
	free(t->bits);
	t->bits = NULL;
}

static long
iptab_longest(const struct iptab *t, const uint8_t *a)
{
	uint8_t m[16];
	for (size_t i = 0; i < t->ng; i++) {
		const struct ipgroup *g = &t->g[i];
		memcpy(m, a, t->alen);
		mask_bits(m, t->alen, g->bits);
		size_t lo = 0, hi = g->n;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int c = memcmp(g->v[mid].a, m, t->alen);
			if (c == 0)
				return g->v[mid].idx;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return -1;
}

static void
iptab_free(struct iptab *t)
{
	free(t->all);
	free(t->bits);
	free(t->g);
}

/* ---- pattern sets ---------------------------------------------------------------- */

struct patset {
	enum acl_match m;
	const struct acl_pattern *pats;
	size_t n;
	struct rx **rx;             /* REG: per pattern */
	struct ktab exact;          /* STR/BEG/END, case-sensitive */
	struct ktab lower;          /* STR/BEG/END with -i, lowered keys */
	struct iptab ip4, ip6;      /* IP */
	long *list;                 /* pattern indexes scanned in order */
	size_t nlist;
	bool has_long_icase;        /* an -i key too long for a lowered sample */
};

#define LOWER_MAX 256

static bool
v4_contiguous(struct in_addr m)
{
	uint32_t inv = ~ntohl(m.s_addr);
	return (inv & (inv + 1)) == 0;
}

struct patset *
patset_build(enum acl_match m, const struct acl_pattern *pats, size_t n,
             char **err)
{
	struct patset *ps = xcalloc(1, sizeof(*ps));
	ps->m = m;
	ps->pats = pats;
	ps->n = n;
	ps->ip4.alen = 4;
	ps->ip6.alen = 16;
	ps->list = xcalloc(n ? n : 1, sizeof(*ps->list));
	if (m == ACL_M_REG) {
		ps->rx = xcalloc(n ? n : 1, sizeof(*ps->rx));
		for (size_t i = 0; i < n; i++) {
			ps->rx[i] = rx_compile(pats[i].str, pats[i].icase, err);
			if (!ps->rx[i]) {
				patset_free(ps);
				return NULL;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct acl_pattern *p = &pats[i];
		bool keyed = m == ACL_M_STR || m == ACL_M_BEG || m == ACL_M_END;
		if (keyed && !p->icase) {
			ktab_add(&ps->exact, p->str, p->len, (long)i, false);
		} else if (keyed && p->len <= LOWER_MAX) {
			ktab_add(&ps->lower, p->str, p->len, (long)i, true);
		} else if (m == ACL_M_IP && p->af == AF_INET && v4_contiguous(p->m4)) {
			int bits = __builtin_popcount(p->m4.s_addr);
			iptab_add(&ps->ip4, (const uint8_t *)&p->v4, bits, (long)i);
		} else if (m == ACL_M_IP && p->af == AF_INET6) {
			iptab_add(&ps->ip6, p->v6.s6_addr, p->plen6, (long)i);
		} else {
			if (keyed)
				ps->has_long_icase = true;
			ps->list[ps->nlist++] = (long)i;
		}
	}
	ktab_build(&ps->exact);
	ktab_build(&ps->lower);
	iptab_build(&ps->ip4);
	iptab_build(&ps->ip6);
	return ps;
}

void
patset_free(struct patset *ps)
{
	if (!ps)
		return;
	if (ps->rx)
		for (size_t i = 0; i < ps->n; i++)
			rx_free(ps->rx[i]);
	free(ps->rx);
	ktab_free(&ps->exact);
	ktab_free(&ps->lower);
	iptab_free(&ps->ip4);
	iptab_free(&ps->ip6);
	free(ps->list);
	free(ps);
}

static long
min_idx(long a, long b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static long
ip_lookup(const struct patset *ps, const struct smp_val *v)
{
	long r;
	uint32_t a4;
	if (v->type == SMP_T_IPV4) {
		if ((r = iptab_longest(&ps->ip4, (const uint8_t *)&v->v4)) >= 0)
			return r;
		struct in6_addr m;
		memset(&m, 0, sizeof(m));
		m.s6_addr[10] = m.s6_addr[11] = 0xff;
		memcpy(&m.s6_addr[12], &v->v4, 4);
		if ((r = iptab_longest(&ps->ip6, m.s6_addr)) >= 0)
			return r;
	} else {
		if ((r = iptab_longest(&ps->ip6, v->v6.s6_addr)) >= 0)
			return r;
		if (v6_embedded_v4(&v->v6, &a4) &&
		    (r = iptab_longest(&ps->ip4, (const uint8_t *)&a4)) >= 0)
			return r;
	}
	return -1;
}

long
patset_lookup(const struct patset *ps, struct smp_run *run,
              const struct smp_val *v, size_t *caps, int ncaps)
{
	long r = -1;
	(void)run;
	switch (ps->m) {
	case ACL_M_STR:
		if ((r = ktab_exact(&ps->exact, v->ptr, v->len)) >= 0)
			return r;
		break;
	case ACL_M_BEG:
		if ((r = ktab_affix(&ps->exact, v->ptr, v->len, false, true)) >= 0)
			return r;
		break;
	case ACL_M_END:
		r = ktab_affix(&ps->exact, v->ptr, v->len, true, false);
		break;
	case ACL_M_IP:
		if ((r = ip_lookup(ps, v)) >= 0)
			return r;
		break;
	default:
		break;
	}
	if (ps->lower.n) {
		char low[LOWER_MAX];
		if (v->len <= LOWER_MAX) {
			for (size_t i = 0; i < v->len; i++)
				low[i] = (char)tolower((unsigned char)v->ptr[i]);
			long l = ps->m == ACL_M_STR
			             ? ktab_exact(&ps->lower, low, v->len)
			             : ktab_affix(&ps->lower, low, v->len,
			                          ps->m == ACL_M_END, false);
			r = min_idx(r, l);
		} else {
			/* sample too long to lower on the stack: scan */
			for (size_t i = 0; i < ps->lower.n; i++) {
				long k = ps->lower.all[i].idx;
				if (pattern_match_one(ps->m, &ps->pats[k], NULL, v))
					r = min_idx(r, k);
			}
		}
	}
	for (size_t i = 0; i < ps->nlist; i++) {
		long k = ps->list[i];
		if (r >= 0 && k > r)
			break;
		const struct rx *rx = ps->rx ? ps->rx[k] : NULL;
		if (ps->m == ACL_M_REG && caps) {
			if (rx && rx_exec(rx, v->ptr, v->len, 0, false, caps, ncaps) >= 0)
				return k;
			continue;
		}
		if (pattern_match_one(ps->m, &ps->pats[k], rx, v))
			return k;
	}
	return r;
}

/* ---- ACLs -------------------------------------------------------------------- */

enum { T_FAIL = 0, T_MISS = 1, T_PASS = 3 };

const struct patset *smp_rt_patset(const struct smp_rt *rt,
                                   const struct acl_expr *e);

/* ACL http_auth_group(<userlist>) <groups>: v is the user name the fetch
 * found good; does the user belong to one of the groups (HAProxy's
 * pat_match_auth())? */
static bool
auth_group_match(struct smp_run *run, const struct acl_expr *e,
                 const struct smp_val *v)
{
	if (e->smp->nargs < 1 || !e->smp->args[0].str)
		return false;
	const struct cfg_userlist *ul = ulist_find(run->ctx->cfg, e->smp->args[0].str);
	char *user = xstrndup(v->ptr, v->len);
	bool in = false;
	for (size_t i = 0; ul && !in && i < e->pats.n; i++)
		in = ulist_in_group(ul, user, e->pats.v[i].str);
	free(user);
	return in;
}

static bool
expr_match(struct smp_run *run, const struct acl_expr *e, struct smp_val *v)
{
	if (e->match == ACL_M_FOUND)
		return true;
	if (!smp_cast(run, v, acl_match_input(e->match)))
		return false;
	if (e->match == ACL_M_BOOL)
		return v->sint != 0;
	if (e->match == ACL_M_AUTH)
		return auth_group_match(run, e, v);
	struct patref_user *const *refs = smp_rt_acl_refs(run->rt, e);
	if (refs) {
		for (; *refs; refs++)
			if (patref_acl_match(*refs, run, v))
				return true;
		return false;
	}
	const struct patset *ps = smp_rt_patset(run->rt, e);
	if (ps)
		return patset_lookup(ps, run, v, NULL, 0) >= 0;
	for (size_t i = 0; i < e->pats.n; i++)
		if (pattern_match_one(e->match, &e->pats.v[i], NULL, v))
			return true;
	return false;
}

/* One ACL: OR of its expressions, each over every value of its fetch. */
static int
acl_exec(struct smp_run *run, const struct acl *a)
{
	int res = T_FAIL;
	for (size_t x = 0; x < a->exprs.n; x++) {
		const struct acl_expr *e = a->exprs.v[x];
		struct smp_val v;
		for (int idx = 0;; idx++) {
			if (!smp_process(run, e->smp, idx, &v)) {
				if ((v.flags & SV_MAY_CHANGE) && !run->final)
					res |= T_MISS;
				break;
			}
			unsigned flags = v.flags;
			res |= expr_match(run, e, &v) ? T_PASS : T_FAIL;
			if (res == T_PASS)
				return res;
			if (flags & SV_NOT_LAST)
				continue;
			if ((flags & SV_MAY_CHANGE) && !run->final)
				res |= T_MISS;
			break;
		}
	}
	return res;
}

enum acl_result
acl_cond_eval(const struct acl_cond *c, struct smp_ctx *ctx)
{
	struct smp_run run;
	int suites = T_FAIL;

	if (!c)
		return ACL_PASS;
	smp_run_init(&run, ctx);
	run.iterate = true;
	for (size_t s = 0; s < c->suites.n; s++) {
		const struct acl_suite *su = &c->suites.v[s];
		int cond = T_PASS;
		for (size_t t = 0; t < su->terms.n; t++) {
			int r = acl_exec(&run, su->terms.v[t].acl);
			if (su->terms.v[t].neg)
				r = r == T_PASS ? T_FAIL : r == T_FAIL ? T_PASS : T_MISS;
			cond &= r;
			/* AND: a single FAIL or MISS is enough */
			if (cond != T_PASS)
				break;
		}
		suites |= cond;
		/* OR: a single PASS is enough */
		if (suites == T_PASS)
			break;
	}
	smp_run_done(&run);
	if (suites == T_MISS)
		return ACL_MISS;
	bool pass = suites == T_PASS;
	if (c->unless)
		pass = !pass;
	return pass ? ACL_PASS : ACL_FAIL;
}
