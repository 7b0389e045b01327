/* "show route" and "show sni" building blocks (stats/route_sim.c,
 * engine/sni_stats.c, lb_peek in engine/lb.c): the synthetic ClientHello
 * parses as the one a client sends, arguments are checked, counters are
 * bounded, and peeking at the balancer changes nothing. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/lb.h"
#include "engine/smp_eval.h"
#include "engine/smp_rt.h"
#include "engine/sni_stats.h"
#include "lib/util.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "parser/server.h"
#include "proto/clienthello.h"
#include "stats/route.h"

START_TEST(hello_parses)
{
	uint8_t buf[2048];
	struct ch_info *ci = xmalloc(sizeof(*ci));
	size_t n = route_hello_build(buf, sizeof(buf), "A.Example.Test", "h2,http/1.1");
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(ch_parse(buf, n, ci), CH_OK);
	ck_assert(ci->has_sni);
	ck_assert_str_eq(ci->sni, "A.Example.Test");
	ck_assert_int_eq(ci->nalpn, 2);
	ck_assert(ch_has_alpn(ci, "h2", 2));
	ck_assert(ch_has_alpn(ci, "http/1.1", 8));
	ck_assert(ci->has_versions);
	ck_assert(ci->has_ec_ext);
	ck_assert_uint_eq(ci->consumed, n);
	/* every prefix is "need more", as a client's hello split in segments */
	for (size_t k = 0; k < n; k += 7)
		ck_assert_int_eq(ch_parse(buf, k, ci), CH_NEED_MORE);

	n = route_hello_build(buf, sizeof(buf), "", NULL);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(ch_parse(buf, n, ci), CH_OK);
	ck_assert(!ci->has_sni);
	ck_assert(!ci->has_alpn);

	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_uint_eq(route_hello_build(buf, sizeof(buf), big, NULL), 0);
	ck_assert_uint_eq(route_hello_build(buf, 100, "a.example.test", NULL), 0);
	free(ci);
}
END_TEST

static int
parse(const char *line, struct route_req *r, const char **err)
{
	static char copy[512], *w[16];
	int n = 0;
	snprintf(copy, sizeof(copy), "%s", line);
	for (char *t = strtok(copy, " "); t && n < 16; t = strtok(NULL, " "))
		w[n++] = t;
	return route_parse_args(w, n, r, err);
}

START_TEST(args)
{
	struct route_req r;
	const char *err = NULL;
	char ip[64];

	ck_assert_int_eq(parse("fe sni=a.example.test", &r, &err), 0);
	ck_assert_str_eq(r.fe, "fe");
	ck_assert_str_eq(r.sni, "a.example.test");
	ck_assert(!r.has_src);
	ck_assert_int_eq(parse("fe src=10.1.2.3:4444 alpn=h2 sni=", &r, &err), 0);
	ck_assert_str_eq(r.sni, "");
	ck_assert_str_eq(r.alpn, "h2");
	ck_assert(r.has_src);
	ck_assert_int_eq(r.src.ss_family, AF_INET);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&r.src)->sin_addr, ip, sizeof(ip));
	ck_assert_str_eq(ip, "10.1.2.3");
	ck_assert_int_eq(ntohs(((struct sockaddr_in *)&r.src)->sin_port), 4444);
	ck_assert_int_eq(parse("fe sni=x src=[::1]:80", &r, &err), 0);
	ck_assert_int_eq(r.src.ss_family, AF_INET6);
	ck_assert_int_eq(parse("fe sni=x src=2001:db8::1", &r, &err), 0);
	ck_assert_int_eq(r.src.ss_family, AF_INET6);
	ck_assert_int_eq(parse("fe sni=x src=10.0.0.1", &r, &err), 0);

	ck_assert_int_eq(parse("fe", &r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "Missing sni="));
	ck_assert_int_eq(parse("fe alpn=h2", &r, &err), -1);
	ck_assert_int_eq(parse("fe sni=x src=nope", &r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "Invalid src"));
	ck_assert_int_eq(parse("fe sni=x src=1.2.3.4:99999", &r, &err), -1);
	ck_assert_int_eq(parse("fe sni=x alpn=h2,", &r, &err), -1);
	ck_assert_int_eq(parse("fe sni=x alpn=,h2", &r, &err), -1);
	ck_assert_int_eq(parse("fe sni=x bogus=1", &r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "Unknown argument"));
	ck_assert_int_eq(parse("", &r, &err), -1);
	ck_assert_int_eq(parse("fe sni=a\x01" "b", &r, &err), -1);
}
END_TEST

START_TEST(sni_counters)
{
	struct sni_stats *t = sni_stats_new();
	struct sni_ent *a = sni_stats_get(t, SNI_NAME, "A.example.test", 14);
	ck_assert_ptr_eq(a, sni_stats_get(t, SNI_NAME, "a.EXAMPLE.test", 14));
	sni_stats_add(a, 10, 20);
	sni_stats_add(a, 1, 2);
	sni_stats_add(sni_stats_get(t, SNI_NAME, "b.example.test", 14), 5, 5);
	sni_stats_add(sni_stats_get(t, SNI_NONE, NULL, 0), 1, 1);
	/* the cap: names beyond it are counted together */
	char name[32];
	for (int i = 0; i < SNI_STATS_MAX + 50; i++) {
		int l = snprintf(name, sizeof(name), "n%d.example.test", i);
		sni_stats_add(sni_stats_get(t, SNI_NAME, name, (size_t)l), 1, 0);
	}
	ck_assert_uint_eq(sni_stats_names(t), SNI_STATS_MAX);
	struct sni_row *rows;
	size_t n = sni_stats_snapshot(t, &rows);
	ck_assert_uint_eq(n, SNI_STATS_MAX + 2);
	ck_assert_str_eq(rows[0].name, "a.example.test");
	ck_assert_uint_eq(rows[0].conns, 2);
	ck_assert_uint_eq(rows[0].bytes_in, 11);
	ck_assert_uint_eq(rows[0].bytes_out, 22);
	ck_assert_int_eq(rows[n - 2].kind, SNI_NONE);
	ck_assert_int_eq(rows[n - 1].kind, SNI_OTHER);
	/* 2 names + 1024 - 2 new ones fit; 52 go to "(other)" */
	ck_assert_uint_eq(rows[n - 1].conns, SNI_STATS_MAX + 50 - (SNI_STATS_MAX - 2));
	free(rows);
	sni_stats_clear(t);
	n = sni_stats_snapshot(t, &rows);
	ck_assert_uint_eq(n, 0);
	free(rows);
	ck_assert_str_eq(sni_kind_label(SNI_OTHER), "(other)");
	sni_stats_free(t);
}
END_TEST

/* A backend's balancer, from configuration text. */
struct tb {
	struct cfg *cfg;
	struct diag d;
	struct srv_state *st;
	struct lb *lb;
};

static void
tb_load(struct tb *t, const char *body)
{
	struct cfg_opts o = { .check_files = true };
	char *text = xasprintf("defaults\n timeout client 1s\n timeout server 1s\n"
	                       " timeout connect 1s\nbackend b\n%s", body);
	memset(t, 0, sizeof(*t));
	t->cfg = cfg_load_string("t.cfg", text, strlen(text), &o, true, &t->d);
	free(text);
	ck_assert_ptr_nonnull(t->cfg);
	const struct cfg_proxy *be = NULL;
	for (size_t i = 0; i < t->cfg->proxies.n; i++)
		if (strcmp(t->cfg->proxies.v[i]->name, "b") == 0)
			be = t->cfg->proxies.v[i];
	ck_assert_ptr_nonnull(be);
	t->st = xcalloc(be->servers.n, sizeof(*t->st));
	lb_srv_init(t->st, be);
	t->lb = lb_new(be, t->st, be->servers.n);
}

static void
tb_free(struct tb *t)
{
	lb_free(t->lb);
	free(t->st);
	cfg_free(t->cfg);
	diag_free(&t->d);
}

/* Peeking many times, then picking, gives the sequence picking alone
 * gives: the peek changes nothing, and always announces the next pick. */
static void
peek_is_next(const char *algo)
{
	struct tb a, b;
	char *body = xasprintf(" balance %s\n server s1 127.0.0.1:1 weight 3\n"
	                       " server s2 127.0.0.1:2 weight 1\n"
	                       " server s3 127.0.0.1:3 weight 2\n", algo);
	tb_load(&a, body);
	tb_load(&b, body);
	free(body);
	for (int i = 0; i < 60; i++) {
		bool full;
		struct srv_state *p = NULL;
		for (int k = 0; k < 3; k++)
			p = lb_peek(a.lb, NULL, &full);
		struct srv_state *x = lb_pick(a.lb, NULL, NULL, &full);
		struct srv_state *y = lb_pick(b.lb, NULL, NULL, &full);
		ck_assert_ptr_nonnull(x);
		ck_assert_int_eq((int)(p - a.st), (int)(x - a.st));
		if (strcmp(algo, "random") != 0) /* seeds differ per lb */
			ck_assert_int_eq((int)(x - a.st), (int)(y - b.st));
		/* keep some load for leastconn: release every other one */
		if (i % 2) {
			lb_release(a.lb, x);
			lb_release(b.lb, y);
		}
	}
	for (int k = 0; k < 3 && strcmp(algo, "random") != 0; k++)
		ck_assert_uint_eq(atomic_load(&a.st[k].cur_sess), atomic_load(&b.st[k].cur_sess));
	tb_free(&a);
	tb_free(&b);
}

START_TEST(peek_changes_nothing)
{
	peek_is_next("roundrobin");
	peek_is_next("static-rr");
	peek_is_next("leastconn");
	peek_is_next("first");
	peek_is_next("random");
}
END_TEST

START_TEST(peek_hash)
{
	struct tb t;
	tb_load(&t, " balance source\n server s1 127.0.0.1:1\n server s2 127.0.0.1:2\n");
	struct sockaddr_in in = { .sin_family = AF_INET };
	inet_pton(AF_INET, "10.0.0.7", &in.sin_addr);
	struct lb_key k = { .src = (struct sockaddr *)&in };
	bool full;
	struct srv_state *p = lb_peek(t.lb, &k, &full);
	ck_assert_ptr_eq(p, lb_pick(t.lb, &k, NULL, &full));
	ck_assert_uint_eq(atomic_load(&p->cur_sess), 1); /* the pick, not the peek */
	tb_free(&t);
}
END_TEST


/* show route runs actions in dry-run mode: proc-scope variables are read
 * but written only to the context's own copy. */
START_TEST(dry_run_proc_vars)
{
	struct smp_ctx real = { 0 }, dry = { .dry_run = true };
	struct smp_run run;
	struct smp_val v = { .type = SMP_T_SINT, .sint = 7 }, got;

	smp_run_init(&run, &real);
	smp_var_set(&run, "proc.h6_x", 0, &v);
	smp_run_done(&run);

	smp_run_init(&run, &dry);
	memset(&got, 0, sizeof(got));
	ck_assert(smp_var_get(&run, "proc.h6_x", &got, NULL)); /* reads the shared one */
	ck_assert_int_eq(got.sint, 7);
	v.sint = 9;
	smp_var_set(&run, "proc.h6_x", 0, &v);
	smp_var_set(&run, "proc.h6_y", 0, &v);
	ck_assert(smp_var_get(&run, "proc.h6_x", &got, NULL));
	ck_assert_int_eq(got.sint, 9);                          /* its copy */
	smp_var_unset(&run, "proc.h6_y");
	ck_assert(!smp_var_get(&run, "proc.h6_y", &got, NULL));
	smp_var_unset(&run, "proc.h6_x");
	ck_assert(!smp_var_get(&run, "proc.h6_x", &got, NULL)); /* hidden, not removed */
	smp_run_done(&run);
	smp_vars_free(&dry);

	smp_run_init(&run, &real);
	ck_assert(smp_var_get(&run, "proc.h6_x", &got, NULL));
	ck_assert_int_eq(got.sint, 7);                          /* unchanged */
	ck_assert(!smp_var_get(&run, "proc.h6_y", &got, NULL)); /* never created */
	smp_var_unset(&run, "proc.h6_x");
	smp_run_done(&run);
	smp_vars_free(&real);
}
END_TEST

Suite *suite_route(void);

Suite *
suite_route(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("route");
	tcase_add_test(tc, hello_parses);
	tcase_add_test(tc, args);
	tcase_add_test(tc, sni_counters);
	tcase_add_test(tc, peek_changes_nothing);
	tcase_add_test(tc, peek_hash);
	tcase_add_test(tc, dry_run_proc_vars);
	suite_add_tcase(s, tc);
	return s;
}
