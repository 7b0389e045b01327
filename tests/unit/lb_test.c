/* Load-balancing algorithms (engine/lb.c): each test proves one property
 * by measuring it over many picks. Configurations are parsed from text so
 * that the model is the one the engine will see. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lb.h"
#include "lib/util.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "parser/server.h"

struct tb {
	struct cfg *cfg;
	struct diag d;
	struct cfg_proxy *be;
	struct srv_state *st;
	size_t n;
	struct lb *lb;
};

/* Loads "backend b" with body (its lines) and builds its lb. */
static void
tb_load(struct tb *t, const char *body)
{
	struct cfg_opts o = { .check_files = true };
	char *text = xasprintf("defaults\n timeout client 1s\n timeout server 1s\n"
	                       " timeout connect 1s\nbackend b\n%s", body);

	memset(t, 0, sizeof(*t));
	t->cfg = cfg_load_string("t.cfg", text, strlen(text), &o, true, &t->d);
	free(text);
	if (t->cfg == NULL || t->d.nerrors) {
		for (size_t i = 0; i < t->d.n; i++) {
			char *s = diag_format(&t->d.msgs[i]);
			fprintf(stderr, "  %s\n", s);
			free(s);
		}
		ck_abort_msg("config did not load");
	}
	for (size_t i = 0; i < t->cfg->proxies.n; i++)
		if (strcmp(t->cfg->proxies.v[i]->name, "b") == 0)
			t->be = t->cfg->proxies.v[i];
	ck_assert_ptr_nonnull(t->be);
	t->n = t->be->servers.n;
	t->st = xcalloc(t->n ? t->n : 1, sizeof(*t->st));
	lb_srv_init(t->st, t->be);
	t->lb = lb_new(t->be, t->st, t->n);
}

static void
tb_free(struct tb *t)
{
	lb_free(t->lb);
	free(t->st);
	cfg_free(t->cfg);
	diag_free(&t->d);
}

static int
tb_idx(const struct tb *t, const struct srv_state *s)
{
	return s ? (int)(s - t->st) : -1;
}

/* Picks and keeps the session; -1 when none. */
static int
tb_take(struct tb *t, const struct lb_key *k, int avoid, bool *full)
{
	return tb_idx(t, lb_pick(t->lb, k, avoid >= 0 ? &t->st[avoid] : NULL, full));
}

/* Picks and ends the session at once (no load). */
static int
tb_pick(struct tb *t, const struct lb_key *k)
{
	bool full;
	int i = tb_take(t, k, -1, &full);
	if (i >= 0 && !full)
		lb_release(t->lb, &t->st[i]);
	return i;
}

static void
tb_set(struct tb *t, int i, int op, int admin, int weight)
{
	atomic_store(&t->st[i].op, op);
	atomic_store(&t->st[i].admin, admin);
	atomic_store(&t->st[i].uweight, weight);
	lb_update(t->lb, &t->st[i]);
}

static void
tb_down(struct tb *t, int i)
{
	tb_set(t, i, SRV_OP_DOWN, SRV_ADMIN_READY, atomic_load(&t->st[i].uweight));
}

static void
tb_up(struct tb *t, int i)
{
	tb_set(t, i, SRV_OP_UP, SRV_ADMIN_READY, atomic_load(&t->st[i].uweight));
}

static struct lb_key
key_str(const char *s)
{
	return (struct lb_key){ .data = s, .len = strlen(s) };
}

/* Counts picks without load over n rounds into cnt[]. */
static void
tb_count(struct tb *t, int rounds, int *cnt)
{
	for (int r = 0; r < rounds; r++) {
		int i = tb_pick(t, NULL);
		ck_assert_int_ge(i, 0);
		cnt[i]++;
	}
}

/* |got - want| <= tol * want */
static void
near(double got, double want, double tol)
{
	if (got < want * (1 - tol) || got > want * (1 + tol))
		ck_abort_msg("got %.0f, want %.0f +- %.0f%%", got, want, tol * 100);
}

#define SRV3(w1, w2, w3) \
	" server s1 127.0.0.1:1 weight " #w1 "\n" \
	" server s2 127.0.0.1:2 weight " #w2 "\n" \
	" server s3 127.0.0.1:3 weight " #w3 "\n"

/* ---- hash functions ------------------------------------------------ */

START_TEST(hash_functions)
{
	ck_assert_uint_eq(lb_hash_crc32("123456789", 9), 0xcbf43926u);
	ck_assert_uint_eq(lb_hash_crc32("", 0), 0);
	ck_assert_uint_eq(lb_hash_djb2("", 0), 5381);
	ck_assert_uint_eq(lb_hash_djb2("a", 1), 5381 * 33 + 'a');
	ck_assert_uint_eq(lb_hash_sdbm("", 0), 0);
	ck_assert_uint_eq(lb_hash_sdbm("a", 1), 'a');
	ck_assert_uint_eq(lb_hash_sdbm("ab", 2), 'b' + ('a' << 6) + ('a' << 16) - 'a');
	/* bytes are unsigned */
	ck_assert_uint_eq(lb_hash_sdbm("\xff", 1), 255);
	ck_assert_uint_eq(lb_hash_wt6("", 0), 0xa53c965au ^ 0x5ca6953au);
	ck_assert_uint_ne(lb_hash_wt6("a", 1), lb_hash_wt6("b", 1));
	ck_assert_uint_eq(lb_full_hash(0), lb_full_hash(0));
	ck_assert_uint_ne(lb_full_hash(1), lb_full_hash(2));
}
END_TEST

/* ---- roundrobin ---------------------------------------------------- */

START_TEST(rr_weighted)
{
	struct tb t;
	int cnt[3] = { 0 };

	tb_load(&t, SRV3(1, 2, 3));
	ck_assert_str_eq(lb_algo_name(t.lb), "roundrobin");
	ck_assert(lb_is_dynamic(t.lb));
	tb_count(&t, 120000, cnt);
	near(cnt[0], 20000, 0.01);
	near(cnt[1], 40000, 0.01);
	near(cnt[2], 60000, 0.01);
	tb_free(&t);
}
END_TEST

/* Weights 5,1,1: s1 never runs more than 3 times in a row (the best any
 * order can do: 5 picks in 2 gaps), and every window of 7 picks holds
 * each server its weight +-1 times. */
START_TEST(rr_smooth)
{
	struct tb t;
	int seq[7000], run = 0, maxrun = 0;

	tb_load(&t, SRV3(5, 1, 1));
	for (int k = 0; k < 7000; k++) {
		seq[k] = tb_pick(&t, NULL);
		run = seq[k] == 0 ? run + 1 : 0;
		if (run > maxrun)
			maxrun = run;
	}
	ck_assert_int_le(maxrun, 3);
	for (int k = 0; k + 7 <= 7000; k++) {
		int c[3] = { 0 };
		for (int j = 0; j < 7; j++)
			c[seq[k + j]]++;
		ck_assert_int_ge(c[0], 4);
		ck_assert_int_le(c[0], 6);
		ck_assert_int_le(c[1], 2);
		ck_assert_int_le(c[2], 2);
	}
	tb_free(&t);
}
END_TEST

START_TEST(rr_runtime_weight)
{
	struct tb t;
	int cnt[3] = { 0 };

	tb_load(&t, SRV3(1, 1, 1));
	tb_count(&t, 3000, cnt);
	near(cnt[0], 1000, 0.01);
	/* weight 0: no new sessions; weight 4 on s2: 4x s1's share */
	tb_set(&t, 2, SRV_OP_UP, SRV_ADMIN_READY, 0);
	tb_set(&t, 1, SRV_OP_UP, SRV_ADMIN_READY, 4);
	memset(cnt, 0, sizeof(cnt));
	tb_count(&t, 5000, cnt);
	ck_assert_int_eq(cnt[2], 0);
	near(cnt[0], 1000, 0.01);
	near(cnt[1], 4000, 0.01);
	/* back to 1: shares even again, without a burst for s3 */
	tb_set(&t, 2, SRV_OP_UP, SRV_ADMIN_READY, 1);
	tb_set(&t, 1, SRV_OP_UP, SRV_ADMIN_READY, 1);
	memset(cnt, 0, sizeof(cnt));
	tb_count(&t, 30, cnt);
	ck_assert_int_eq(cnt[0], 10);
	ck_assert_int_eq(cnt[1], 10);
	ck_assert_int_eq(cnt[2], 10);
	tb_free(&t);
}
END_TEST

START_TEST(static_rr)
{
	struct tb t;
	int cnt[3] = { 0 };

	tb_load(&t, " balance static-rr\n" SRV3(1, 2, 3));
	ck_assert(!lb_is_dynamic(t.lb));
	tb_count(&t, 120000, cnt);
	near(cnt[0], 20000, 0.01);
	near(cnt[1], 40000, 0.01);
	near(cnt[2], 60000, 0.01);
	/* a weight change is ignored (static), 0 removes the server */
	tb_set(&t, 0, SRV_OP_UP, SRV_ADMIN_READY, 100);
	tb_set(&t, 1, SRV_OP_UP, SRV_ADMIN_READY, 0);
	memset(cnt, 0, sizeof(cnt));
	tb_count(&t, 4000, cnt);
	ck_assert_int_eq(cnt[1], 0);
	near(cnt[0], 1000, 0.01);
	near(cnt[2], 3000, 0.01);
	tb_free(&t);
}
END_TEST

/* ---- leastconn ----------------------------------------------------- */

START_TEST(leastconn)
{
	struct tb t;
	bool full;
	int cnt[3] = { 0 };

	tb_load(&t, " balance leastconn\n" SRV3(1, 1, 1));
	/* idle servers: round robin among equals */
	tb_count(&t, 300, cnt);
	ck_assert_int_eq(cnt[0], 100);
	ck_assert_int_eq(cnt[1], 100);
	ck_assert_int_eq(cnt[2], 100);
	/* load s1 with 5 and s2 with 3 sessions: the next ones go to s3
	 * until it has 3, then alternate s2/s3 */
	for (int k = 0; k < 5; k++)
		lb_take(t.lb, &t.st[0]);
	for (int k = 0; k < 3; k++)
		lb_take(t.lb, &t.st[1]);
	lb_update(t.lb, &t.st[0]);
	for (int k = 0; k < 3; k++)
		ck_assert_int_eq(tb_take(&t, NULL, -1, &full), 2);
	memset(cnt, 0, sizeof(cnt));
	for (int k = 0; k < 4; k++)
		cnt[tb_take(&t, NULL, -1, &full)]++;
	ck_assert_int_eq(cnt[0], 0);
	ck_assert_int_eq(cnt[1], 2);
	ck_assert_int_eq(cnt[2], 2);
	/* releases make s1 the least loaded */
	for (int k = 0; k < 5; k++)
		lb_release(t.lb, &t.st[0]);
	ck_assert_int_eq(tb_take(&t, NULL, -1, &full), 0);
	tb_free(&t);

	/* weights 1 and 3, sessions held: loads end up 1:3 */
	tb_load(&t, " balance leastconn\n server a 127.0.0.1:1 weight 1\n"
	            " server b 127.0.0.1:2 weight 3\n");
	for (int k = 0; k < 400; k++)
		tb_take(&t, NULL, -1, &full);
	ck_assert_uint_eq(atomic_load(&t.st[0].cur_sess), 100);
	ck_assert_uint_eq(atomic_load(&t.st[1].cur_sess), 300);
	tb_free(&t);
}
END_TEST

/* ---- first --------------------------------------------------------- */

START_TEST(first)
{
	struct tb t;
	bool full;

	/* ids decide the order, not declaration */
	tb_load(&t, " balance first\n"
	            " server a 127.0.0.1:1 maxconn 2 id 3\n"
	            " server b 127.0.0.1:2 maxconn 2 id 1\n"
	            " server c 127.0.0.1:3 maxconn 2 id 2\n");
	int want[] = { 1, 1, 2, 2, 0, 0 };
	for (int k = 0; k < 6; k++) {
		ck_assert_int_eq(tb_take(&t, NULL, -1, &full), want[k]);
		ck_assert(!full);
	}
	ck_assert_int_eq(tb_take(&t, NULL, -1, &full), -1);
	ck_assert(full);
	lb_release(t.lb, &t.st[2]);
	ck_assert_int_eq(tb_take(&t, NULL, -1, &full), 2);
	lb_release(t.lb, &t.st[1]);
	ck_assert_int_eq(tb_take(&t, NULL, -1, &full), 1);
	tb_free(&t);
}
END_TEST

/* ---- source -------------------------------------------------------- */

static struct sockaddr_in
v4(uint32_t a)
{
	struct sockaddr_in s = { .sin_family = AF_INET };
	s.sin_addr.s_addr = htonl(a);
	return s;
}

START_TEST(source)
{
	struct tb t;
	int cnt[4] = { 0 };
	const char *body = " balance source\n server s1 127.0.0.1:1\n server s2 127.0.0.1:2\n"
	                   " server s3 127.0.0.1:3\n server s4 127.0.0.1:4\n";

	for (int consistent = 0; consistent < 2; consistent++) {
		char *b = xasprintf("%s%s", body, consistent ? " hash-type consistent\n" : "");
		tb_load(&t, b);
		free(b);
		ck_assert_uint_eq(lb_needs(t.lb), LB_NEED_SRC);
		memset(cnt, 0, sizeof(cnt));
		for (uint32_t ip = 0; ip < 10000; ip++) {
			struct sockaddr_in sa = v4(0x0a000000u + ip * 7919u);
			struct lb_key k = { .src = (struct sockaddr *)&sa };
			int i = tb_pick(&t, &k);
			ck_assert_int_eq(tb_pick(&t, &k), i);  /* stable */
			ck_assert_int_eq(tb_pick(&t, &k), i);
			cnt[i]++;
		}
		for (int i = 0; i < 4; i++)
			near(cnt[i], 2500, consistent ? 0.35 : 0.05);
		/* IPv6 hashes the 16 bytes */
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
		inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
		struct lb_key k6 = { .src = (struct sockaddr *)&s6 };
		int i6 = tb_pick(&t, &k6);
		ck_assert_int_ge(i6, 0);
		ck_assert_int_eq(tb_pick(&t, &k6), i6);
		/* no address (unix socket client): round robin */
		struct lb_key none = { 0 };
		memset(cnt, 0, sizeof(cnt));
		for (int r = 0; r < 640; r++)  /* whole turns of the ring: 64 points */
			cnt[tb_pick(&t, &none)]++;
		for (int i = 0; i < 4; i++)
			ck_assert_int_eq(cnt[i], 160);
		tb_free(&t);
	}
}
END_TEST

/* ---- random -------------------------------------------------------- */

/* Max load over 10 servers after 2000 held sessions. */
static unsigned
random_maxload(const char *algo)
{
	struct tb t;
	bool full;
	unsigned max = 0;
	struct sbuf b = { 0 };

	sbuf_addf(&b, " balance %s\n", algo);
	for (int i = 0; i < 10; i++)
		sbuf_addf(&b, " server s%d 127.0.0.1:%d\n", i, i + 1);
	tb_load(&t, b.s);
	free(b.s);
	for (int k = 0; k < 2000; k++)
		ck_assert_int_ge(tb_take(&t, NULL, -1, &full), 0);
	for (size_t i = 0; i < t.n; i++)
		if (atomic_load(&t.st[i].cur_sess) > max)
			max = atomic_load(&t.st[i].cur_sess);
	tb_free(&t);
	return max;
}

START_TEST(random_draws)
{
	unsigned one = random_maxload("random(1)");
	unsigned two = random_maxload("random");

	/* average is 200: one draw suffers the ring's unevenness and chance,
	 * two draws stay close to the average */
	ck_assert_uint_gt(one, two);
	ck_assert_uint_le(two, 215);
	ck_assert_uint_ge(one, 220);
}
END_TEST

START_TEST(random_weighted)
{
	struct tb t;
	int cnt[3] = { 0 };

	tb_load(&t, " balance random\n" SRV3(1, 2, 3));
	tb_count(&t, 60000, cnt);
	/* no load: each pick is weighted by ring points (16 per weight unit,
	 * so the shares are only roughly the weights, as in HAProxy) */
	near(cnt[0], 10000, 0.35);
	near(cnt[1], 20000, 0.35);
	near(cnt[2], 30000, 0.35);
	ck_assert_int_lt(cnt[0], cnt[1]);
	ck_assert_int_lt(cnt[1], cnt[2]);
	tb_free(&t);
}
END_TEST

/* ---- hashing: consistent vs map-based ------------------------------ */

/* Maps 10000 keys to servers of a 10-server backend; kill server 3;
 * returns how many keys moved, checks the others stayed put. */
static int
keys_moved(const char *hash_type)
{
	struct tb t;
	struct sbuf b = { 0 };
	static int before[10000];
	int moved = 0;
	char key[32];

	sbuf_addf(&b, " balance hash req.hdr(x)\n mode http\n%s", hash_type);
	for (int i = 0; i < 10; i++)
		sbuf_addf(&b, " server s%d 127.0.0.1:%d\n", i, i + 1);
	tb_load(&t, b.s);
	free(b.s);
	ck_assert_uint_eq(lb_needs(t.lb), LB_NEED_DATA);
	for (int k = 0; k < 10000; k++) {
		snprintf(key, sizeof(key), "user-%d", k);
		struct lb_key lk = key_str(key);
		before[k] = tb_pick(&t, &lk);
	}
	tb_down(&t, 3);
	for (int k = 0; k < 10000; k++) {
		snprintf(key, sizeof(key), "user-%d", k);
		struct lb_key lk = key_str(key);
		int i = tb_pick(&t, &lk);
		ck_assert_int_ne(i, 3);
		if (i != before[k])
			moved++;
		/* consistent: only the dead server's keys move */
		if (hash_type[0] && before[k] != 3)
			ck_assert_int_eq(i, before[k]);
	}
	/* back up: every key returns to its first server */
	tb_up(&t, 3);
	for (int k = 0; k < 10000; k++) {
		snprintf(key, sizeof(key), "user-%d", k);
		struct lb_key lk = key_str(key);
		ck_assert_int_eq(tb_pick(&t, &lk), before[k]);
	}
	tb_free(&t);
	return moved;
}

START_TEST(consistent_moves)
{
	int moved = keys_moved(" hash-type consistent\n");

	/* about 1/10 of the keys, those of the removed server */
	ck_assert_int_ge(moved, 500);
	ck_assert_int_le(moved, 1700);
}
END_TEST

START_TEST(map_based_moves)
{
	int moved = keys_moved("");

	ck_assert_int_ge(moved, 7000);
}
END_TEST

START_TEST(hash_no_key_is_rr)
{
	struct tb t;
	int cnt[3] = { 0 };

	for (int c = 0; c < 2; c++) {
		tb_load(&t, c ? " balance hash src\n hash-type consistent\n" SRV3(1, 2, 3)
		              : " balance hash src\n" SRV3(1, 2, 3));
		memset(cnt, 0, sizeof(cnt));
		tb_count(&t, 960, cnt);  /* whole turns of map (6) and ring (96) */
		ck_assert_int_eq(cnt[0], 160);
		ck_assert_int_eq(cnt[1], 320);
		ck_assert_int_eq(cnt[2], 480);
		tb_free(&t);
	}
}
END_TEST

/* A single hot key with hash-balance-factor 150: no server goes above
 * 1.5 times the average load (+1 for rounding). */
START_TEST(balance_factor)
{
	struct tb t;
	bool full;
	struct lb_key k = key_str("hot");
	unsigned max = 0;
	struct sbuf b = { 0 };

	sbuf_addf(&b, " mode http\n balance hdr(host)\n hash-type consistent\n");
	for (int i = 0; i < 4; i++)
		sbuf_addf(&b, " server s%d 127.0.0.1:%d\n", i, i + 1);
	tb_load(&t, b.s);
	for (int r = 0; r < 400; r++)
		ck_assert_int_ge(tb_take(&t, &k, -1, &full), 0);
	for (size_t i = 0; i < t.n; i++)
		max = atomic_load(&t.st[i].cur_sess) > max ? atomic_load(&t.st[i].cur_sess) : max;
	ck_assert_uint_eq(max, 400);  /* all on one server without the factor */
	tb_free(&t);

	sbuf_addf(&b, " hash-balance-factor 150\n");
	tb_load(&t, b.s);
	free(b.s);
	max = 0;
	for (int r = 0; r < 400; r++)
		ck_assert_int_ge(tb_take(&t, &k, -1, &full), 0);
	for (size_t i = 0; i < t.n; i++)
		max = atomic_load(&t.st[i].cur_sess) > max ? atomic_load(&t.st[i].cur_sess) : max;
	ck_assert_uint_le(max, 150 + 1);
	tb_free(&t);
}
END_TEST

/* ---- same servers as HAProxy --------------------------------------- */

/* Recorded from haproxy 2.6.12 (listen sections with these lines, servers
 * answering their names, "x: <key>" request headers or client addresses
 * 127.0.0.3 to .26): sluice must pick the same server for every key. */
static const char *const hx_keys[24] = {
	"0", "key1", "key2", "23757", "key4", "key5", "47514", "key7", "key8",
	"71271", "key10", "key11", "95028", "key13", "key14", "118785", "key16",
	"key17", "142542", "key19", "key20", "166299", "key22", "key23",
};
static const struct {
	const char *body;
	const char *want;   /* server number per key */
} hx_cases[] = {
	{ " balance hdr(x)\n" SRV3(1, 2, 3), "123232323113232213233332" },
	{ " balance hdr(x)\n" SRV3(2, 4, 6), "123232323113232213233332" },
	{ " balance hdr(x)\n hash-type consistent\n" SRV3(1, 2, 3), "313123323323223122323213" },
	{ " balance hdr(x)\n hash-type map-based djb2\n" SRV3(1, 1, 1) " server s4 127.0.0.1:4\n",
	  "241234323441234423411334" },
	{ " balance hdr(x)\n hash-type map-based wt6\n" SRV3(1, 1, 1) " server s4 127.0.0.1:4\n",
	  "244344444222121411342322" },
	{ " balance hdr(x)\n hash-type map-based crc32 avalanche\n" SRV3(1, 1, 1) " server s4 127.0.0.1:4\n",
	  "131311223224341223244213" },
	{ " balance hdr(x)\n hash-type consistent wt6\n" SRV3(3, 1, 2) " server s4 127.0.0.1:4 weight 5\n",
	  "444244244423442334133434" },
	{ " balance source\n" SRV3(1, 1, 1), "231231231231231231231231" },
	{ " balance source\n hash-type consistent\n" SRV3(1, 2, 1) " server s4 127.0.0.1:4 weight 3\n",
	  "212131422443411414142411" },
};

START_TEST(haproxy_vectors)
{
	for (size_t c = 0; c < ARRAY_SIZE(hx_cases); c++) {
		struct tb t;
		char *b = xasprintf(" mode http\n%s", hx_cases[c].body);
		tb_load(&t, b);
		free(b);
		for (int k = 0; k < 24; k++) {
			struct lb_key lk = key_str(hx_keys[k]);
			struct sockaddr_in sa = v4(0x7f000003u + (uint32_t)k);
			if (lb_needs(t.lb) == LB_NEED_SRC)
				lk = (struct lb_key){ .src = (struct sockaddr *)&sa };
			int i = tb_pick(&t, &lk);
			ck_assert_msg(i == hx_cases[c].want[k] - '1', "case %zu key %d: got s%d, haproxy s%c",
			              c, k, i + 1, hx_cases[c].want[k]);
		}
		tb_free(&t);
	}
}
END_TEST

/* ---- backups, states, avoid, full ---------------------------------- */

static const char *const bk_body =
	" server a1 127.0.0.1:1\n server a2 127.0.0.1:2\n"
	" server b1 127.0.0.1:3 backup\n server b2 127.0.0.1:4 backup\n";

START_TEST(backups)
{
	struct tb t;
	int cnt[4] = { 0 };

	tb_load(&t, bk_body);
	tb_count(&t, 100, cnt);
	ck_assert_int_eq(cnt[0], 50);
	ck_assert_int_eq(cnt[2] + cnt[3], 0);
	tb_down(&t, 0);
	tb_down(&t, 1);
	memset(cnt, 0, sizeof(cnt));
	tb_count(&t, 100, cnt);
	ck_assert_int_eq(cnt[2], 100);  /* first backup only */
	tb_down(&t, 2);
	memset(cnt, 0, sizeof(cnt));
	tb_count(&t, 100, cnt);
	ck_assert_int_eq(cnt[3], 100);
	tb_up(&t, 2);
	tb_up(&t, 1);
	memset(cnt, 0, sizeof(cnt));
	tb_count(&t, 100, cnt);
	ck_assert_int_eq(cnt[1], 100);  /* an active is back */
	tb_free(&t);

	char *b = xasprintf(" option allbackups\n%s", bk_body);
	tb_load(&t, b);
	free(b);
	tb_down(&t, 0);
	tb_down(&t, 1);
	memset(cnt, 0, sizeof(cnt));
	tb_count(&t, 100, cnt);
	ck_assert_int_eq(cnt[2], 50);
	ck_assert_int_eq(cnt[3], 50);
	tb_free(&t);
}
END_TEST

START_TEST(states)
{
	struct tb t;
	int cnt[4] = { 0 };
	bool full;

	tb_load(&t, " server a 127.0.0.1:1\n server b 127.0.0.1:2 disabled\n"
	            " server c 127.0.0.1:3 weight 0\n server d 127.0.0.1:4\n");
	ck_assert_int_eq(atomic_load(&t.st[1].admin), SRV_ADMIN_MAINT);
	tb_count(&t, 100, cnt);
	ck_assert_int_eq(cnt[0], 50);
	ck_assert_int_eq(cnt[3], 50);
	tb_set(&t, 0, SRV_OP_UP, SRV_ADMIN_DRAIN, 1);
	tb_set(&t, 1, SRV_OP_UP, SRV_ADMIN_READY, 1);
	tb_set(&t, 3, SRV_OP_UP, SRV_ADMIN_MAINT, 1);
	memset(cnt, 0, sizeof(cnt));
	tb_count(&t, 100, cnt);
	ck_assert_int_eq(cnt[1], 100);
	tb_down(&t, 1);
	ck_assert_int_eq(tb_take(&t, NULL, -1, &full), -1);
	ck_assert(!full);  /* nothing usable: not a queueing case */
	tb_free(&t);
}
END_TEST

START_TEST(avoid)
{
	struct tb t;
	bool full;

	const char *algos[] = { "roundrobin", "static-rr", "leastconn", "first", "random",
	                        "source", "hash src\n hash-type consistent" };
	for (size_t a = 0; a < ARRAY_SIZE(algos); a++) {
		char *b = xasprintf(" balance %s\n server a 127.0.0.1:1\n server b 127.0.0.1:2\n", algos[a]);
		tb_load(&t, b);
		free(b);
		for (int r = 0; r < 20; r++) {
			int i = tb_take(&t, NULL, 0, &full);
			ck_assert_msg(i == 1, "%s: avoid ignored", algos[a]);
			lb_release(t.lb, &t.st[i]);
		}
		tb_down(&t, 1);
		/* avoid is returned when it is the only one */
		ck_assert_int_eq(tb_take(&t, NULL, 0, &full), 0);
		tb_free(&t);
	}
}
END_TEST

START_TEST(maxconn_full)
{
	struct tb t;
	bool full;

	tb_load(&t, " server a 127.0.0.1:1 maxconn 1\n server b 127.0.0.1:2 maxconn 2\n");
	int c[2] = { 0 };
	for (int k = 0; k < 3; k++) {
		int i = tb_take(&t, NULL, -1, &full);
		ck_assert(!full);
		c[i]++;
	}
	ck_assert_int_eq(c[0], 1);
	ck_assert_int_eq(c[1], 2);
	ck_assert_int_eq(tb_take(&t, NULL, -1, &full), -1);
	ck_assert(full);  /* queue in the backend */
	/* a queue on a server makes it full for others */
	lb_release(t.lb, &t.st[0]);
	atomic_store(&t.st[0].queued, 1);
	ck_assert_int_eq(tb_take(&t, NULL, -1, &full), -1);
	atomic_store(&t.st[0].queued, 0);
	ck_assert_int_eq(tb_take(&t, NULL, -1, &full), 0);
	tb_free(&t);

	/* hashing: a key whose server is full waits for it (full), even when
	 * another server has room; it gets the same server once freed */
	tb_load(&t, " balance hash src\n server a 127.0.0.1:1 maxconn 1\n"
	            " server b 127.0.0.1:2 maxconn 1\n");
	struct lb_key k = key_str("x");
	int f0 = tb_take(&t, &k, -1, &full);
	ck_assert_int_ge(f0, 0);
	ck_assert(!full);
	ck_assert_int_eq(tb_take(&t, &k, -1, &full), -1);
	ck_assert(full);
	ck_assert_uint_eq(atomic_load(&t.st[f0].cur_sess), 1);  /* not charged */
	ck_assert_uint_eq(atomic_load(&t.st[1 - f0].cur_sess), 0);
	ck_assert(lb_srv_full(t.lb, &t.st[f0]));
	lb_release(t.lb, &t.st[f0]);
	ck_assert_int_eq(tb_take(&t, &k, -1, &full), f0);
	tb_free(&t);
}
END_TEST

START_TEST(ids_and_tcp_fallback)
{
	struct tb t;

	/* HAProxy's numbering: next id moves past every server */
	tb_load(&t, " server a 127.0.0.1:1 id 2\n server b 127.0.0.1:2\n server c 127.0.0.1:3\n"
	            " server d 127.0.0.1:4 id 1\n");
	ck_assert_int_eq(t.st[0].id, 2);
	ck_assert_int_eq(t.st[1].id, 3);
	ck_assert_int_eq(t.st[2].id, 4);
	ck_assert_int_eq(t.st[3].id, 1);
	tb_free(&t);

	/* uri in tcp mode is roundrobin; rdp-cookie is not L7 */
	tb_load(&t, " mode tcp\n balance uri\n server a 127.0.0.1:1\n");
	ck_assert_str_eq(lb_algo_name(t.lb), "roundrobin");
	ck_assert_uint_eq(lb_needs(t.lb), 0);
	tb_free(&t);
	tb_load(&t, " mode tcp\n balance rdp-cookie\n server a 127.0.0.1:1\n");
	ck_assert_str_eq(lb_algo_name(t.lb), "rdp-cookie");
	ck_assert_uint_eq(lb_needs(t.lb), LB_NEED_DATA);
	tb_free(&t);
}
END_TEST

/* ---- threads ------------------------------------------------------- */

struct thr {
	struct tb *t;
	int cnt[4];
};

static void *
thr_run(void *arg)
{
	struct thr *th = arg;
	bool full;

	for (int k = 0; k < 25000; k++) {
		struct srv_state *s = lb_pick(th->t->lb, NULL, NULL, &full);
		if (s == NULL || full)
			continue;
		th->cnt[s - th->t->st]++;
		lb_release(th->t->lb, s);
	}
	return NULL;
}

START_TEST(threads)
{
	const char *algos[] = { "roundrobin", "leastconn", "random", "static-rr", "first" };

	for (size_t a = 0; a < ARRAY_SIZE(algos); a++) {
		struct tb t;
		struct thr th[4];
		pthread_t id[4];
		int tot[4] = { 0 }, sum = 0;
		char *b = xasprintf(" balance %s\n server a 127.0.0.1:1 weight 1\n"
		                    " server b 127.0.0.1:2 weight 1\n server c 127.0.0.1:3 weight 1\n"
		                    " server d 127.0.0.1:4 weight 1\n", algos[a]);
		tb_load(&t, b);
		free(b);
		memset(th, 0, sizeof(th));
		for (int i = 0; i < 4; i++) {
			th[i].t = &t;
			ck_assert_int_eq(pthread_create(&id[i], NULL, thr_run, &th[i]), 0);
		}
		for (int i = 0; i < 4; i++)
			pthread_join(id[i], NULL);
		for (int i = 0; i < 4; i++)
			for (int s = 0; s < 4; s++)
				tot[s] += th[i].cnt[s];
		for (int s = 0; s < 4; s++) {
			sum += tot[s];
			ck_assert_uint_eq(atomic_load(&t.st[s].cur_sess), 0);
		}
		ck_assert_int_eq(sum, 100000);
		if (a == 0 || a == 3)  /* round robin: exact shares */
			for (int s = 0; s < 4; s++)
				ck_assert_int_eq(tot[s], 25000);
		tb_free(&t);
	}
}
END_TEST

Suite *suite_lb(void);

Suite *
suite_lb(void)
{
	Suite *s = suite_create("lb");
	TCase *tc = tcase_create("lb");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hash_functions);
	tcase_add_test(tc, rr_weighted);
	tcase_add_test(tc, rr_smooth);
	tcase_add_test(tc, rr_runtime_weight);
	tcase_add_test(tc, static_rr);
	tcase_add_test(tc, leastconn);
	tcase_add_test(tc, first);
	tcase_add_test(tc, source);
	tcase_add_test(tc, random_draws);
	tcase_add_test(tc, random_weighted);
	tcase_add_test(tc, consistent_moves);
	tcase_add_test(tc, map_based_moves);
	tcase_add_test(tc, hash_no_key_is_rr);
	tcase_add_test(tc, balance_factor);
	tcase_add_test(tc, haproxy_vectors);
	tcase_add_test(tc, backups);
	tcase_add_test(tc, states);
	tcase_add_test(tc, avoid);
	tcase_add_test(tc, maxconn_full);
	tcase_add_test(tc, ids_and_tcp_fallback);
	tcase_add_test(tc, threads);
	suite_add_tcase(s, tc);
	return s;
}
