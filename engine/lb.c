/* Load-balancing algorithms (see lb.h for the contract). Behaviour follows
 * HAProxy 2.6's lb_fwrr / lb_fwlc / lb_fas / lb_map / lb_chash, written
 * anew from their documented behaviour:
 * - roundrobin: weighted fair queueing (WF2Q+: each server has a virtual
 *   start and finish time; among servers whose start time has come, the
 *   earliest finish wins). Two heaps per group (eligible by finish, not yet
 *   eligible by start) make a pick O(log n) and the sequence smooth.
 * - leastconn: a heap keyed like HAProxy's tree, (inflight + 1) / weight,
 *   ties in insertion order, which round-robins among equally loaded.
 * - first: servers in id order, first one not full.
 * - static-rr and map-based hashing: HAProxy's weighted server map (same
 *   construction, so the same key gives the same server as HAProxy).
 * - consistent hashing and random: HAProxy's ring (16 points per weight
 *   unit, point keys from the server id), closest point, bounded loads.
 * Servers are split in two groups, actives and backups; each has its own
 * structures. The lock protects everything in struct lb. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lb.h"
#include "lib/util.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

#define NONE        UINT32_MAX
#define W_SCALE     16u      /* HAProxy's BE_WEIGHT_SCALE: ring points per weight unit */
#define EW_RANGE    4096u    /* SRV_EWGHT_RANGE: 256 weights * 16 */
#define RR_ONE      ((uint64_t)1 << 32) /* virtual time of one full turn */

enum lb_kind { K_RR, K_STATIC_RR, K_LC, K_FIRST, K_RANDOM, K_SOURCE, K_KEY };
enum lb_look { L_NONE, L_MAP, L_RING };

struct lb_heap {
	uint32_t *v;
	size_t n;
	int kind;                 /* H_* */
};
enum { H_ELIG, H_WAIT, H_LC };

struct lb_srv {
	struct srv_state *st;
	uint32_t id;              /* puid */
	bool backup;
	unsigned w;               /* committed weight, 0 = not usable */
	unsigned map_w;           /* configured weight / gcd (map algorithms) */
	unsigned cumw;            /* sum of w of usable servers before it */
	struct lb_heap *heap;     /* the heap holding it, or NULL */
	size_t hpos;
	uint64_t vs, vf;          /* roundrobin virtual start / finish */
	uint32_t lckey;           /* leastconn key */
	uint64_t seq;             /* leastconn insertion order */
};

struct lb_point {
	uint32_t key, srv;
};

struct lb_grp {
	bool backup;
	unsigned n_used, tot_w;
	struct lb_heap elig, wait; /* roundrobin */
	uint64_t vt;               /* roundrobin virtual time */
	struct lb_heap lc;         /* leastconn */
	uint32_t *by_id;           /* first: servers of the group by id */
	size_t n_by_id;
	uint32_t *map;             /* map algorithms: tot_w entries */
	size_t map_n, rr_idx;
	struct lb_point *ring;     /* ring algorithms */
	size_t ring_n, ring_last;  /* ring_last: NONE-like SIZE_MAX */
	bool dirty;                /* map or ring must be rebuilt */
};

struct lb {
	pthread_mutex_t lock;
	enum lb_kind kind;
	enum lb_look look;
	enum px_lb_algo algo;      /* as used (L7 in tcp mode: roundrobin) */
	enum px_hash_fn fn;
	bool avalanche, allbackups;
	unsigned balance_factor, draws;
	long long fullconn;
	struct lb_srv *srv;
	struct srv_state *st;
	uint32_t n;
	uint32_t fbck;             /* first usable backup, or NONE */
	struct lb_grp grp[2];      /* actives, backups */
	uint32_t *tmp;             /* servers skipped during a pick */
	int *wscore;               /* map construction */
	uint64_t seq, rng;
	atomic_uint served;        /* sessions charged in the backend */
};

/* ---- ids ----------------------------------------------------------- */

static bool
id_used(const struct srv_state *st, size_t n, int id)
{
	for (size_t i = 0; i < n; i++)
		if (st[i].id == id)
			return true;
	return false;
}

void
lb_srv_init(struct srv_state *st, const struct cfg_proxy *be)
{
	size_t n = be->servers.n;

	for (size_t i = 0; i < n; i++) {
		const struct cfg_server *c = be->servers.v[i];
		st[i].cfg = c;
		st[i].id = c->id;
		atomic_init(&st[i].op, SRV_OP_UP);
		atomic_init(&st[i].admin, c->disabled || c->unresolved ? SRV_ADMIN_MAINT : SRV_ADMIN_READY);
		atomic_init(&st[i].uweight, c->weight);
		atomic_init(&st[i].cur_sess, 0);
		atomic_init(&st[i].queued, 0);
	}
	/* HAProxy: next_id starts at 1, each server without an id takes the
	 * first free number >= next_id, and next_id moves past every server,
	 * numbered or not. */
	int next = 1;
	for (size_t i = 0; i < n; i++) {
		if (st[i].id == 0) {
			while (id_used(st, n, next))
				next++;
			st[i].id = next;
		}
		next++;
	}
}

/* ---- server state helpers ------------------------------------------ */

static unsigned
inflight(const struct lb_srv *s)
{
	return atomic_load(&s->st->cur_sess) + atomic_load(&s->st->queued);
}

/* HAProxy's srv_dynamic_maxconn() without slowstart: between minconn and
 * maxconn in proportion of the backend's load to fullconn. */
static unsigned
dyn_maxconn(const struct lb *lb, const struct cfg_server *c, int maxconn)
{
	unsigned max = (unsigned)maxconn;
	unsigned beconn = atomic_load(&lb->served);

	if (c->minconn > 0 && c->minconn < maxconn && lb->fullconn > 0 &&
	    beconn < (unsigned long long)lb->fullconn) {
		unsigned long long d = (unsigned long long)beconn * (unsigned)maxconn /
		                       (unsigned long long)lb->fullconn;
		max = d > (unsigned)c->minconn ? (unsigned)d : (unsigned)c->minconn;
	}
	return max;
}

bool
lb_srv_full(struct lb *lb, const struct srv_state *st)
{
	if (st->cfg == NULL)
		return false;
	/* a maxconn set at run time (agent "maxconn:N", stats socket "set
	 * maxconn server") replaces the configured one; -1: no limit */
	int rt = atomic_load(&st->maxconn_rt);
	int mc = rt ? (rt < 0 ? 0 : rt) : st->cfg->maxconn;
	if (mc <= 0)
		return false;
	return atomic_load(&st->queued) > 0 ||
	       atomic_load(&st->cur_sess) >= dyn_maxconn(lb, st->cfg, mc);
}

static bool
full_i(struct lb *lb, uint32_t i)
{
	return lb_srv_full(lb, lb->srv[i].st);
}

/* Weight the server should have in the structures now: 0 when unusable.
 * Dynamic algorithms get HAProxy's effective weight, uweight * 16
 * (BE_WEIGHT_SCALE), so that a slowstart ramp (engine/server.c) can give
 * a server of weight 1 a sixteenth of its share; map algorithms get the
 * configured weight. */
static unsigned
eff_weight(const struct lb *lb, const struct lb_srv *s)
{
	int uw = atomic_load(&s->st->uweight);

	if (atomic_load(&s->st->op) != SRV_OP_UP ||
	    atomic_load(&s->st->admin) != SRV_ADMIN_READY || uw <= 0)
		return 0;
	if (lb->look == L_MAP)
		return s->map_w;  /* static: configured weight only */
	unsigned ew = (uw > 256 ? 256u : (unsigned)uw) * W_SCALE;
	/* slowstart: a per-mille share while the server ramps up, at least 1 */
	int pm = atomic_load(&s->st->ramp_pm);
	if (pm > 0 && pm < 1000) {
		ew = (ew * (unsigned)pm + 999) / 1000;
		if (ew < 1)
			ew = 1;
	}
	return ew;
}

/* ---- indexed binary heap ------------------------------------------- */

static inline bool
vt_lt(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;  /* wrap-safe */
}

static bool
h_less(const struct lb *lb, int kind, uint32_t a, uint32_t b)
{
	const struct lb_srv *x = &lb->srv[a], *y = &lb->srv[b];

	switch (kind) {
	case H_ELIG:
		if (x->vf != y->vf)
			return vt_lt(x->vf, y->vf);
		return x->id < y->id;
	case H_WAIT:
		if (x->vs != y->vs)
			return vt_lt(x->vs, y->vs);
		return x->id < y->id;
	default:
		if (x->lckey != y->lckey)
			return x->lckey < y->lckey;
		return x->seq < y->seq;
	}
}

static void
h_set(struct lb *lb, struct lb_heap *h, size_t pos, uint32_t i)
{
	h->v[pos] = i;
	lb->srv[i].hpos = pos;
}

static void
h_up(struct lb *lb, struct lb_heap *h, size_t pos)
{
	uint32_t i = h->v[pos];

	while (pos > 0) {
		size_t parent = (pos - 1) / 2;
		if (!h_less(lb, h->kind, i, h->v[parent]))
			break;
		h_set(lb, h, pos, h->v[parent]);
		pos = parent;
	}
	h_set(lb, h, pos, i);
}

static void
h_down(struct lb *lb, struct lb_heap *h, size_t pos)
{
	uint32_t i = h->v[pos];

	for (;;) {
		size_t c = 2 * pos + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h_less(lb, h->kind, h->v[c + 1], h->v[c]))
			c++;
		if (!h_less(lb, h->kind, h->v[c], i))
			break;
		h_set(lb, h, pos, h->v[c]);
		pos = c;
	}
	h_set(lb, h, pos, i);
}

static void
h_push(struct lb *lb, struct lb_heap *h, uint32_t i)
{
	lb->srv[i].heap = h;
	h->v[h->n++] = i;
	h_up(lb, h, h->n - 1);
}

static void
h_remove(struct lb *lb, uint32_t i)
{
	struct lb_srv *s = &lb->srv[i];
	struct lb_heap *h = s->heap;

	if (h == NULL)
		return;
	size_t pos = s->hpos;
	s->heap = NULL;
	h->n--;
	if (pos == h->n)
		return;
	/* the last element fills the hole, then moves up or down */
	uint32_t moved = h->v[h->n];
	h_set(lb, h, pos, moved);
	h_up(lb, h, pos);
	h_down(lb, h, lb->srv[moved].hpos);
}

static uint32_t
h_pop(struct lb *lb, struct lb_heap *h)
{
	if (h->n == 0)
		return NONE;
	uint32_t i = h->v[0];
	h_remove(lb, i);
	return i;
}

/* ---- roundrobin (WF2Q+) -------------------------------------------- */

static void
rr_queue(struct lb *lb, struct lb_grp *g, uint32_t i)
{
	h_push(lb, vt_lt(g->vt, lb->srv[i].vs) ? &g->wait : &g->elig, i);
}

/* A server enters the group (or changes weight) at the current virtual
 * time: it neither catches up nor waits a whole turn. */
static void
rr_join(struct lb *lb, struct lb_grp *g, uint32_t i)
{
	struct lb_srv *s = &lb->srv[i];

	if (vt_lt(s->vs, g->vt))
		s->vs = g->vt;
	s->vf = s->vs + RR_ONE / s->w;
	rr_queue(lb, g, i);
}

static uint32_t
rr_pick(struct lb *lb, struct lb_grp *g, uint32_t avoid)
{
	size_t ntmp = 0;
	uint32_t chosen = NONE, avoided = NONE;

	/* Virtual time never lags behind every server (WF2Q+). */
	if (g->elig.n == 0 && g->wait.n > 0 && vt_lt(g->vt, lb->srv[g->wait.v[0]].vs))
		g->vt = lb->srv[g->wait.v[0]].vs;
	while (g->wait.n > 0 && !vt_lt(g->vt, lb->srv[g->wait.v[0]].vs)) {
		uint32_t i = h_pop(lb, &g->wait);
		h_push(lb, &g->elig, i);
	}
	for (;;) {
		uint32_t i = h_pop(lb, g->elig.n ? &g->elig : &g->wait);
		if (i == NONE)
			break;
		if (!full_i(lb, i) && i != avoid) {
			chosen = i;
			break;
		}
		if (i == avoid && !full_i(lb, i))
			avoided = i;
		lb->tmp[ntmp++] = i;
	}
	if (chosen == NONE)
		chosen = avoided;
	for (size_t k = 0; k < ntmp; k++) {
		uint32_t i = lb->tmp[k];
		if (i == chosen)
			continue;
		/* A full server loses its turn rather than bursting later. */
		if (i != avoid)
			rr_join(lb, g, i);
		else
			rr_queue(lb, g, i);
	}
	if (chosen != NONE) {
		struct lb_srv *s = &lb->srv[chosen];
		s->vs = s->vf;
		s->vf = s->vs + RR_ONE / s->w;
		g->vt += RR_ONE / g->tot_w;
		rr_queue(lb, g, chosen);
	}
	return chosen;
}

/* ---- leastconn ----------------------------------------------------- */

static void
lc_queue(struct lb *lb, struct lb_grp *g, uint32_t i)
{
	struct lb_srv *s = &lb->srv[i];
	unsigned infl = inflight(s);

	s->lckey = infl ? (uint32_t)(((uint64_t)infl + 1) * EW_RANGE / s->w) : 0;
	s->seq = ++lb->seq;
	h_push(lb, &g->lc, i);
}

/* After a change of load: moves behind servers of equal load only when
 * the key changed, as HAProxy does. */
static void
lc_reposition(struct lb *lb, uint32_t i)
{
	struct lb_srv *s = &lb->srv[i];
	unsigned infl = inflight(s);

	if (s->heap == NULL || s->w == 0)
		return;
	uint32_t key = infl ? (uint32_t)(((uint64_t)infl + 1) * EW_RANGE / s->w) : 0;
	if (key == s->lckey)
		return;
	h_remove(lb, i);
	lc_queue(lb, &lb->grp[s->backup], i);
}

static uint32_t
lc_pick(struct lb *lb, struct lb_grp *g, uint32_t avoid)
{
	size_t ntmp = 0;
	uint32_t chosen = NONE, avoided = NONE;

	for (;;) {
		uint32_t i = h_pop(lb, &g->lc);
		if (i == NONE)
			break;
		lb->tmp[ntmp++] = i;
		if (full_i(lb, i))
			continue;
		if (i != avoid) {
			chosen = i;
			break;
		}
		avoided = i;
	}
	if (chosen == NONE)
		chosen = avoided;
	/* put back unchanged (same key and order); the caller repositions
	 * the chosen one once charged */
	for (size_t k = 0; k < ntmp; k++)
		h_push(lb, &g->lc, lb->tmp[k]);
	return chosen;
}

/* ---- first ---------------------------------------------------------- */

static uint32_t
first_pick(struct lb *lb, struct lb_grp *g, uint32_t avoid)
{
	uint32_t avoided = NONE;

	for (size_t k = 0; k < g->n_by_id; k++) {
		uint32_t i = g->by_id[k];
		if (lb->srv[i].w == 0 || full_i(lb, i))
			continue;
		if (i != avoid)
			return i;
		avoided = i;
	}
	return avoided;
}

/* ---- map (static-rr, map-based hashing) ----------------------------- */

/* HAProxy's recalc_server_map(): each slot goes to the server whose
 * accumulated weight is the highest in units of the total, the first
 * declared winning ties, which interleaves servers smoothly. */
static void
map_build(struct lb *lb, struct lb_grp *g)
{
	unsigned tot = g->tot_w;

	g->map_n = tot;
	g->dirty = false;
	if (tot == 0)
		return;
	g->map = xrealloc(g->map, tot * sizeof(*g->map));
	for (uint32_t i = 0; i < lb->n; i++)
		lb->wscore[i] = 0;
	for (unsigned o = 0; o < tot; o++) {
		uint32_t best = NONE;
		int max = 0;
		for (uint32_t i = 0; i < lb->n; i++) {
			struct lb_srv *s = &lb->srv[i];
			if (s->backup != g->backup || s->w == 0)
				continue;
			if (tot == 1) {
				best = i;
				break;
			}
			lb->wscore[i] += (int)s->w;
			int v = (lb->wscore[i] + (int)tot) / (int)tot;
			if (best == NONE || v > max) {
				max = v;
				best = i;
			}
		}
		g->map[o] = best;
		lb->wscore[best] -= (int)tot;
	}
	if (g->rr_idx >= tot)
		g->rr_idx = 0;
}

/* HAProxy's map_get_server_rr(): walk the map from the last position. */
static uint32_t
map_rr(struct lb *lb, struct lb_grp *g, uint32_t avoid)
{
	size_t n = g->map_n, idx, start;
	uint32_t avoided = NONE;
	size_t avoided_idx = 0;

	if (n == 0)
		return NONE;
	if (g->rr_idx >= n)
		g->rr_idx = 0;
	idx = start = g->rr_idx;
	do {
		uint32_t i = g->map[idx++];
		if (!full_i(lb, i)) {
			if (i != avoid) {
				g->rr_idx = idx % n;
				return i;
			}
			avoided = i;
			avoided_idx = idx;
		}
		if (idx == n)
			idx = 0;
	} while (idx != start);
	if (avoided != NONE)
		g->rr_idx = avoided_idx % n;
	return avoided;
}

/* ---- consistent-hash ring (consistent hashing, random) -------------- */

static int
point_cmp(const void *a, const void *b)
{
	const struct lb_point *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->srv < y->srv ? -1 : x->srv > y->srv;
}

/* Each usable server has weight * 16 points (its s->w); point k of the server with
 * id p is at full_hash(p * 4096 + k), as in HAProxy, so that keys land on
 * the same servers as there. */
static void
ring_build(struct lb *lb, struct lb_grp *g)
{
	size_t n = 0;

	for (uint32_t i = 0; i < lb->n; i++)
		if (lb->srv[i].backup == g->backup)
			n += (size_t)lb->srv[i].w;
	g->ring = xrealloc(g->ring, (n ? n : 1) * sizeof(*g->ring));
	g->ring_n = 0;
	for (uint32_t i = 0; i < lb->n; i++) {
		struct lb_srv *s = &lb->srv[i];
		if (s->backup != g->backup)
			continue;
		for (uint32_t k = 0; k < s->w; k++) {
			g->ring[g->ring_n].key = lb_full_hash(s->id * EW_RANGE + k);
			g->ring[g->ring_n++].srv = i;
		}
	}
	qsort(g->ring, g->ring_n, sizeof(*g->ring), point_cmp);
	g->ring_last = SIZE_MAX;
	g->dirty = false;
}

/* HAProxy's chash_server_is_eligible(): bounded loads. Slots are the
 * backend's sessions (+1 for this one) times the factor, shared by
 * weight; a server is eligible below its share (never less than 1). */
static bool
ring_eligible(struct lb *lb, struct lb_grp *g, uint32_t i)
{
	const struct lb_srv *s = &lb->srv[i];
	unsigned long long tot = g->tot_w;
	unsigned long long slots_tot = (((unsigned long long)atomic_load(&lb->served) + 1) *
	                                lb->balance_factor + 99) / 100;
	unsigned long long per_w = slots_tot / tot, rem = slots_tot % tot;
	unsigned long long slots = s->w * per_w +
	                           (s->cumw + s->w) * rem / tot - s->cumw * rem / tot;

	if (slots == 0)
		slots = 1;
	return atomic_load(&s->st->cur_sess) < slots;
}

/* Closest point to hash (either side), then forward past avoid and, with
 * hash-balance-factor, past overloaded servers (HAProxy's
 * chash_get_server_hash()). */
static uint32_t
ring_lookup(struct lb *lb, struct lb_grp *g, uint32_t hash, uint32_t avoid)
{
	size_t n = g->ring_n, lo = 0, hi = n, next, prev, cur;
	int loop = 0;

	if (n == 0)
		return NONE;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->ring[mid].key < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	next = lo == n ? 0 : lo;
	prev = next == 0 ? n - 1 : next - 1;
	cur = (uint32_t)(hash - g->ring[prev].key) <= (uint32_t)(g->ring[next].key - hash) ? prev : next;
	while (g->ring[cur].srv == avoid ||
	       (lb->balance_factor && !ring_eligible(lb, g, g->ring[cur].srv))) {
		if (++cur == n) {
			cur = 0;
			if (++loop > 1)
				break;
		}
	}
	return g->ring[cur].srv;
}

/* Round robin over the ring's points (weighted): the fallback of
 * consistent hashing when there is no key (chash_get_next_server()). */
static uint32_t
ring_next(struct lb *lb, struct lb_grp *g, uint32_t avoid)
{
	size_t n = g->ring_n, node = g->ring_last;
	uint32_t avoided = NONE;
	size_t avoided_node = 0;

	for (size_t k = 0; k < n; k++) {
		node = node >= n - 1 ? 0 : node + 1;  /* SIZE_MAX: start */
		uint32_t i = g->ring[node].srv;
		g->ring_last = node;
		if (full_i(lb, i))
			continue;
		if (i != avoid)
			return i;
		if (avoided == NONE) {
			avoided = i;
			avoided_node = node;
		}
	}
	if (avoided != NONE)
		g->ring_last = avoided_node;
	return avoided;
}

static uint64_t
rng_next(struct lb *lb)
{
	/* xorshift64*: statistical quality is all random balancing needs */
	uint64_t x = lb->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	lb->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* HAProxy's get_server_rnd(): <draws> random points on the ring, keep the
 * least loaded relative to weight; full means "queue in the backend". */
static uint32_t
random_pick(struct lb *lb, struct lb_grp *g, uint32_t avoid)
{
	uint32_t cur = NONE, prev;
	unsigned draws = lb->draws ? lb->draws : 2;

	do {
		prev = cur;
		cur = ring_lookup(lb, g, (uint32_t)(rng_next(lb) >> 32), avoid);
		if (cur == NONE)
			break;
		if (prev != NONE && prev != cur &&
		    (unsigned long long)atomic_load(&lb->srv[cur].st->cur_sess) * lb->srv[prev].w >
		    (unsigned long long)atomic_load(&lb->srv[prev].st->cur_sess) * lb->srv[cur].w)
			cur = prev;
	} while (--draws > 0);
	if (cur != NONE && full_i(lb, cur))
		return NONE;
	return cur;
}

/* ---- hashing ------------------------------------------------------- */

/* HAProxy's read_int64(): optional sign, decimal digits up to the first
 * other byte, saturated; "hash-type ... none" uses the key as the hash. */
static uint32_t
hash_none(const unsigned char *p, size_t len)
{
	size_t k = 0;
	bool neg = false;
	unsigned long long v = 0;

	if (k < len && (p[k] == '-' || p[k] == '+'))
		neg = p[k++] == '-';
	for (; k < len && p[k] >= '0' && p[k] <= '9'; k++) {
		unsigned d = p[k] - '0';
		if (v > (0x7fffffffffffffffULL - d) / 10) {
			v = 0x7fffffffffffffffULL + (neg ? 1 : 0);
			break;
		}
		v = v * 10 + d;
	}
	return (uint32_t)(neg ? 0 - v : v);
}

static uint32_t
key_hash(const struct lb *lb, const void *p, size_t len)
{
	uint32_t h;

	switch (lb->fn) {
	case PX_HASH_DJB2:  h = lb_hash_djb2(p, len); break;
	case PX_HASH_WT6:   h = lb_hash_wt6(p, len); break;
	case PX_HASH_CRC32: h = lb_hash_crc32(p, len); break;
	case PX_HASH_NONE:  h = hash_none(p, len); break;
	default:            h = lb_hash_sdbm(p, len); break;
	}
	return lb->avalanche ? lb_full_hash(h) : h;
}

/* "balance source": the address's 32-bit words XOR-ed (network order
 * read as numbers), mixed for the ring only (HAProxy's get_server_sh()). */
static bool
source_hash(const struct lb *lb, const struct sockaddr *sa, uint32_t *out)
{
	const unsigned char *a;
	size_t len;
	uint32_t h = 0;

	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		a = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		len = 4;
	} else if (sa->sa_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		len = 16;
	} else {
		return false;
	}
	for (size_t l = 0; l + 4 <= len; l += 4)
		h ^= (uint32_t)a[l] << 24 | (uint32_t)a[l + 1] << 16 |
		     (uint32_t)a[l + 2] << 8 | a[l + 3];
	*out = lb->look == L_RING ? lb_full_hash(h) : h;
	return true;
}

/* ---- groups and updates -------------------------------------------- */

static void
grp_rebuild(struct lb *lb, struct lb_grp *g)
{
	if (lb->look == L_MAP)
		map_build(lb, g);
	else if (lb->look == L_RING)
		ring_build(lb, g);
}

/* Cumulative weights (bounded loads) and the first usable backup, both
 * in declaration order as HAProxy's recount_servers(). */
static void
recount(struct lb *lb)
{
	unsigned cum[2] = { 0, 0 };

	lb->fbck = NONE;
	for (uint32_t i = 0; i < lb->n; i++) {
		struct lb_srv *s = &lb->srv[i];
		if (s->w == 0)
			continue;
		s->cumw = cum[s->backup];
		cum[s->backup] += s->w;
		if (s->backup && lb->fbck == NONE && !lb->allbackups)
			lb->fbck = i;
	}
}

static void
update_locked(struct lb *lb, uint32_t i)
{
	struct lb_srv *s = &lb->srv[i];
	struct lb_grp *g = &lb->grp[s->backup];
	unsigned old = s->w, nw = eff_weight(lb, s);

	if (old == nw) {
		if (lb->kind == K_LC)
			lc_reposition(lb, i);  /* queued may have changed */
		return;
	}
	if (old) {
		g->n_used--;
		g->tot_w -= old;
	}
	if (nw) {
		g->n_used++;
		g->tot_w += nw;
	}
	s->w = nw;
	switch (lb->kind) {
	case K_RR:
		h_remove(lb, i);
		if (nw)
			rr_join(lb, g, i);
		break;
	case K_LC:
		h_remove(lb, i);
		if (nw)
			lc_queue(lb, g, i);
		break;
	case K_FIRST:
		break;
	default:
		g->dirty = true;
		break;
	}
	recount(lb);
}

void
lb_update(struct lb *lb, struct srv_state *srv)
{
	if (srv < lb->st || srv >= lb->st + lb->n)
		return;
	pthread_mutex_lock(&lb->lock);
	update_locked(lb, (uint32_t)(srv - lb->st));
	pthread_mutex_unlock(&lb->lock);
}

static void
sort_by_id(struct lb *lb, uint32_t *v, size_t n)
{
	/* insertion sort: run once at start, n is small, and it avoids
	 * qsort_r's portability trouble */
	for (size_t k = 1; k < n; k++) {
		uint32_t x = v[k];
		size_t j = k;
		while (j > 0 && lb->srv[v[j - 1]].id > lb->srv[x].id) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static unsigned
gcd(unsigned a, unsigned b)
{
	while (b) {
		unsigned t = a % b;
		a = b;
		b = t;
	}
	return a;
}

struct lb *
lb_new(const struct cfg_proxy *be, struct srv_state *servers, size_t n)
{
	struct lb *lb = xcalloc(1, sizeof(*lb));
	const struct px_balance *bal = be->lb;

	pthread_mutex_init(&lb->lock, NULL);
	lb->algo = bal ? bal->algo : PX_LB_ROUNDROBIN;
	if (be->mode != PX_MODE_HTTP &&
	    (lb->algo == PX_LB_URI || lb->algo == PX_LB_URL_PARAM || lb->algo == PX_LB_HDR))
		lb->algo = PX_LB_ROUNDROBIN;
	switch (lb->algo) {
	case PX_LB_ROUNDROBIN: lb->kind = K_RR; break;
	case PX_LB_STATIC_RR:  lb->kind = K_STATIC_RR; lb->look = L_MAP; break;
	case PX_LB_LEASTCONN:  lb->kind = K_LC; break;
	case PX_LB_FIRST:      lb->kind = K_FIRST; break;
	case PX_LB_RANDOM:     lb->kind = K_RANDOM; lb->look = L_RING; break;
	case PX_LB_SOURCE:     lb->kind = K_SOURCE; break;
	default:               lb->kind = K_KEY; break;
	}
	if (lb->kind == K_SOURCE || lb->kind == K_KEY)
		lb->look = be->hash_type == PX_HASH_CONSISTENT ? L_RING : L_MAP;
	lb->fn = be->hash_fn;
	lb->avalanche = be->hash_avalanche;
	lb->balance_factor = be->hash_balance_factor > 0 ? (unsigned)be->hash_balance_factor : 0;
	lb->draws = bal && bal->algo == PX_LB_RANDOM && bal->draws > 0 ? (unsigned)bal->draws : 2;
	lb->allbackups = PX_OPT(be, PXO_ALLBACKUPS);
	lb->fullconn = be->fullconn;
	lb->st = servers;
	lb->n = (uint32_t)n;
	lb->fbck = NONE;
	lb->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)lb;
	if (lb->rng == 0)
		lb->rng = 1;
	lb->srv = xcalloc(n ? n : 1, sizeof(*lb->srv));
	lb->tmp = xcalloc(n ? n : 1, sizeof(*lb->tmp));
	lb->wscore = xcalloc(n ? n : 1, sizeof(*lb->wscore));

	/* map algorithms divide weights by their GCD, as HAProxy does to
	 * keep the map small; it also decides which key goes where */
	unsigned g = 0;
	for (size_t i = 0; i < n; i++) {
		int uw = atomic_load(&servers[i].uweight);
		if (uw > 0)
			g = gcd((unsigned)uw, g);
	}
	for (int k = 0; k < 2; k++) {
		struct lb_grp *gr = &lb->grp[k];
		gr->backup = k == 1;
		gr->elig.kind = H_ELIG;
		gr->wait.kind = H_WAIT;
		gr->lc.kind = H_LC;
		gr->elig.v = xcalloc(n ? n : 1, sizeof(uint32_t));
		gr->wait.v = xcalloc(n ? n : 1, sizeof(uint32_t));
		gr->lc.v = xcalloc(n ? n : 1, sizeof(uint32_t));
		gr->by_id = xcalloc(n ? n : 1, sizeof(uint32_t));
		gr->ring_last = SIZE_MAX;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct lb_srv *s = &lb->srv[i];
		int uw = atomic_load(&servers[i].uweight);
		s->st = &servers[i];
		s->id = (uint32_t)servers[i].id;
		s->backup = servers[i].cfg && servers[i].cfg->backup;
		s->map_w = uw > 0 && g ? ((unsigned)uw + g - 1) / g : 0;
		lb->grp[s->backup].by_id[lb->grp[s->backup].n_by_id++] = i;
	}
	for (int k = 0; k < 2; k++)
		sort_by_id(lb, lb->grp[k].by_id, lb->grp[k].n_by_id);
	for (uint32_t i = 0; i < n; i++)
		update_locked(lb, i);
	for (int k = 0; k < 2; k++)
		grp_rebuild(lb, &lb->grp[k]);
	return lb;
}

void
lb_free(struct lb *lb)
{
	if (lb == NULL)
		return;
	for (int k = 0; k < 2; k++) {
		struct lb_grp *g = &lb->grp[k];
		free(g->elig.v);
		free(g->wait.v);
		free(g->lc.v);
		free(g->by_id);
		free(g->map);
		free(g->ring);
	}
	free(lb->srv);
	free(lb->tmp);
	free(lb->wscore);
	pthread_mutex_destroy(&lb->lock);
	free(lb);
}

/* ---- picking ------------------------------------------------------- */

static void
charge(struct lb *lb, uint32_t i)
{
	atomic_fetch_add(&lb->srv[i].st->cur_sess, 1);
	atomic_fetch_add(&lb->served, 1);
	if (lb->kind == K_LC)
		lc_reposition(lb, i);
}

/* A free choice (round robin of some kind) in group g. */
static uint32_t
pick_free(struct lb *lb, struct lb_grp *g, uint32_t avoid)
{
	switch (lb->kind) {
	case K_RR:     return rr_pick(lb, g, avoid);
	case K_LC:     return lc_pick(lb, g, avoid);
	case K_FIRST:  return first_pick(lb, g, avoid);
	case K_RANDOM: return random_pick(lb, g, avoid);
	default:       return lb->look == L_MAP ? map_rr(lb, g, avoid) : ring_next(lb, g, avoid);
	}
}

/* The choice of lb_pick, under the lock, without charging it. */
static uint32_t
pick_locked(struct lb *lb, const struct lb_key *key, uint32_t av, bool *full)
{
	uint32_t i = NONE, hash = 0;
	bool isfull = false, have_hash = false;
	struct lb_grp *g = NULL;

	if (lb->grp[0].n_used)
		g = &lb->grp[0];
	else if (lb->fbck != NONE)
		i = lb->fbck;         /* the first backup takes everything */
	else if (lb->grp[1].n_used)
		g = &lb->grp[1];
	if (g && g->dirty)
		grp_rebuild(lb, g);

	if (g && key && lb->kind == K_SOURCE)
		have_hash = source_hash(lb, key->src, &hash);
	else if (g && key && lb->kind == K_KEY && key->data)
		have_hash = (hash = key_hash(lb, key->data, key->len), true);

	if (have_hash) {
		/* deterministic: a full server is waited for, not skipped */
		i = lb->look == L_MAP ? g->map[hash % g->map_n] : ring_lookup(lb, g, hash, av);
		isfull = i != NONE && full_i(lb, i);
	} else if (g) {
		i = pick_free(lb, g, av);
		isfull = i == NONE;
	} else if (i != NONE) {
		isfull = full_i(lb, i);
	}
	*full = isfull;
	return isfull ? NONE : i;   /* full: the engine queues (see lb.h) */
}

struct srv_state *
lb_pick(struct lb *lb, const struct lb_key *key, const struct srv_state *avoid, bool *full)
{
	uint32_t av = NONE, i;
	bool isfull;

	if (avoid >= lb->st && avoid < lb->st + lb->n)
		av = (uint32_t)(avoid - lb->st);
	pthread_mutex_lock(&lb->lock);
	i = pick_locked(lb, key, av, &isfull);
	if (i != NONE)
		charge(lb, i);
	pthread_mutex_unlock(&lb->lock);
	if (full)
		*full = isfull;
	return i == NONE ? NULL : &lb->st[i];
}

/* lb_peek: the pick runs on the real structures, then every field a pick
 * may move (heaps, virtual times, map and ring cursors, the random
 * state) is put back as it was, so the next real pick is unchanged. */
struct srv_state *
lb_peek(struct lb *lb, const struct lb_key *key, bool *full)
{
	size_t n = lb->n ? lb->n : 1;
	struct lb_srv *srv = xmalloc(n * sizeof(*srv));
	uint32_t *hv = xmalloc(6 * n * sizeof(*hv));
	struct lb_grp grp[2];
	uint64_t rng, seq;
	uint32_t i;
	bool isfull;

	pthread_mutex_lock(&lb->lock);
	for (int k = 0; k < 2; k++)
		if (lb->grp[k].dirty)
			grp_rebuild(lb, &lb->grp[k]);
	memcpy(srv, lb->srv, lb->n * sizeof(*srv));
	memcpy(grp, lb->grp, sizeof(grp));
	for (int k = 0; k < 2; k++) {
		memcpy(hv + (3 * k) * n, lb->grp[k].elig.v, n * sizeof(*hv));
		memcpy(hv + (3 * k + 1) * n, lb->grp[k].wait.v, n * sizeof(*hv));
		memcpy(hv + (3 * k + 2) * n, lb->grp[k].lc.v, n * sizeof(*hv));
	}
	rng = lb->rng;
	seq = lb->seq;
	i = pick_locked(lb, key, NONE, &isfull);
	memcpy(lb->srv, srv, lb->n * sizeof(*srv));
	memcpy(lb->grp, grp, sizeof(grp));
	for (int k = 0; k < 2; k++) {
		memcpy(lb->grp[k].elig.v, hv + (3 * k) * n, n * sizeof(*hv));
		memcpy(lb->grp[k].wait.v, hv + (3 * k + 1) * n, n * sizeof(*hv));
		memcpy(lb->grp[k].lc.v, hv + (3 * k + 2) * n, n * sizeof(*hv));
	}
	lb->rng = rng;
	lb->seq = seq;
	pthread_mutex_unlock(&lb->lock);
	free(srv);
	free(hv);
	if (full)
		*full = isfull;
	return i == NONE ? NULL : &lb->st[i];
}

void
lb_take(struct lb *lb, struct srv_state *srv)
{
	if (srv < lb->st || srv >= lb->st + lb->n)
		return;
	pthread_mutex_lock(&lb->lock);
	charge(lb, (uint32_t)(srv - lb->st));
	pthread_mutex_unlock(&lb->lock);
}

void
lb_release(struct lb *lb, struct srv_state *srv)
{
	if (srv < lb->st || srv >= lb->st + lb->n)
		return;
	pthread_mutex_lock(&lb->lock);
	unsigned c = atomic_load(&srv->cur_sess);
	if (c > 0) {
		atomic_store(&srv->cur_sess, c - 1);
		atomic_fetch_sub(&lb->served, 1);
	}
	if (lb->kind == K_LC)
		lc_reposition(lb, (uint32_t)(srv - lb->st));
	pthread_mutex_unlock(&lb->lock);
}

bool
lb_is_hash(const struct lb *lb)
{
	/* HAProxy's BE_LB_KIND_HI: source, the key hashes and random */
	return lb->kind == K_SOURCE || lb->kind == K_KEY || lb->kind == K_RANDOM;
}

bool
lb_is_dynamic(const struct lb *lb)
{
	return lb->look != L_MAP;
}

const char *
lb_algo_name(const struct lb *lb)
{
	static const char *const names[] = {
		[PX_LB_ROUNDROBIN] = "roundrobin", [PX_LB_STATIC_RR] = "static-rr",
		[PX_LB_LEASTCONN] = "leastconn", [PX_LB_FIRST] = "first",
		[PX_LB_SOURCE] = "source", [PX_LB_URI] = "uri",
		[PX_LB_URL_PARAM] = "url_param", [PX_LB_HDR] = "hdr",
		[PX_LB_RANDOM] = "random", [PX_LB_RDP_COOKIE] = "rdp-cookie",
		[PX_LB_HASH] = "hash",
	};
	return names[lb->algo];
}

unsigned
lb_needs(const struct lb *lb)
{
	return lb->kind == K_SOURCE ? LB_NEED_SRC : lb->kind == K_KEY ? LB_NEED_DATA : 0;
}
