/* Run-time server changes made by the stats socket (engine/server.c):
 * forced health/agent results and their "changed from CLI" lines
 * (observed with haproxy 2.6.12), maxconn set at run time as the load
 * balancer sees it, the runtime address overrides, and the status text
 * of a server whose checks were disabled. */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/lb.h"
#include "engine/server.h"
#include "lib/util.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "parser/server.h"

struct rt_ts {
	struct cfg *cfg;
	struct diag d;
	struct engine eng;
	struct backend *be;
	VEC(char *) lines;
};

static void
rt_hook(void *arg, const struct cfg_proxy *px, int level, const char *msg,
        const char *err, bool alert)
{
	struct rt_ts *t = arg;
	(void)px;
	(void)level;
	(void)err;
	(void)alert;
	VEC_PUSH(t->lines, xstrdup(msg));
}

static void
rt_load(struct rt_ts *t, const char *body)
{
	struct cfg_opts o = { .check_files = true };
	char *text = xasprintf("defaults\n mode tcp\n timeout client 1s\n timeout server 1s\n"
	                       " timeout connect 1s\n%s", body);
	memset(t, 0, sizeof(*t));
	t->cfg = cfg_load_string("t.cfg", text, strlen(text), &o, true, &t->d);
	free(text);
	ck_assert_ptr_nonnull(t->cfg);
	ck_assert_int_eq((int)t->d.nerrors, 0);
	t->eng.backends = xcalloc(t->cfg->proxies.n + 1, sizeof(*t->eng.backends));
	for (size_t i = 0; i < t->cfg->proxies.n; i++) {
		const struct cfg_proxy *px = t->cfg->proxies.v[i];
		if (!(px->cap & PX_CAP_BE))
			continue;
		struct backend *be = backend_new(&t->eng, px);
		t->eng.backends[t->eng.nbackends++] = be;
		if (strcmp(px->name, "b") == 0)
			t->be = be;
	}
	ck_assert_ptr_nonnull(t->be);
	srv_set_log_hook(rt_hook, t);
	srv_states_setup(&t->eng, t->be);
}

static void
rt_free(struct rt_ts *t)
{
	srv_set_log_hook(NULL, NULL);
	srv_engine_stop(&t->eng);
	for (size_t i = 0; i < t->lines.n; i++)
		free(t->lines.v[i]);
	free(t->lines.v);
	for (size_t i = 0; i < t->eng.nbackends; i++)
		backend_free(t->eng.backends[i]);
	free(t->eng.backends);
	cfg_free(t->cfg);
	diag_free(&t->d);
}

static const char *
last(struct rt_ts *t)
{
	ck_assert_uint_gt(t->lines.n, 0);
	return t->lines.v[t->lines.n - 1];
}

START_TEST(forced_health)
{
	struct rt_ts t;
	rt_load(&t, "backend b\n server s1 127.0.0.1:1\n server s2 127.0.0.1:2 check\n"
	            "backend c\n server t1 127.0.0.1:3 track b/s2\n");
	struct srv_state *s2 = &t.be->srvs[1];
	srv_force_op(&t.eng, t.be, s2, SRV_OP_DOWN, false);
	ck_assert_int_eq(atomic_load(&s2->op), SRV_OP_DOWN);
	/* the tracker's line comes last and says "via", not the reason */
	ck_assert_uint_eq(t.lines.n, 3);
	ck_assert_str_eq(t.lines.v[0], "Server b/s2 is DOWN, changed from CLI. 1 active and 0 backup "
	                               "servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	ck_assert_str_eq(t.lines.v[1], "Server c/t1 is DOWN via b/s2. 0 active and 0 backup servers left. "
	                               "0 sessions active, 0 requeued, 0 remaining in queue.");
	srv_force_op(&t.eng, t.be, s2, SRV_OP_UP, false);
	ck_assert_int_eq(atomic_load(&s2->op), SRV_OP_UP);
	ck_assert_str_eq(last(&t), "Server c/t1 is UP via b/s2. 1 active and 0 backup servers online. "
	                           "0 sessions requeued, 0 total in queue.");
	ck_assert_str_eq(t.lines.v[t.lines.n - 2], "Server b/s2 is UP, changed from CLI. 2 active and 0 "
	                                          "backup servers online. 0 sessions requeued, 0 total in queue.");
	size_t n = t.lines.n;
	srv_force_op(&t.eng, t.be, s2, SRV_OP_UP, false); /* already UP: nothing */
	ck_assert_uint_eq(t.lines.n, n);
	srv_force_op(&t.eng, t.be, s2, SRV_OP_STOPPING, false);
	ck_assert_int_eq(atomic_load(&s2->op), SRV_OP_STOPPING);
	rt_free(&t);
}
END_TEST

START_TEST(maxconn_at_run_time)
{
	struct rt_ts t;
	rt_load(&t, "backend b\n server s1 127.0.0.1:1\n");
	struct srv_state *s1 = &t.be->srvs[0];
	ck_assert(!lb_srv_full(t.be->lb, s1));
	srv_set_maxconn(t.be, s1, 1);
	atomic_store(&s1->cur_sess, 1);
	ck_assert(lb_srv_full(t.be->lb, s1));
	srv_set_maxconn(t.be, s1, 2);
	ck_assert(!lb_srv_full(t.be->lb, s1));
	srv_set_maxconn(t.be, s1, 0); /* no limit */
	atomic_store(&s1->cur_sess, 1000);
	ck_assert(!lb_srv_full(t.be->lb, s1));
	atomic_store(&s1->cur_sess, 0);
	rt_free(&t);
}
END_TEST

START_TEST(runtime_addresses)
{
	struct rt_ts t;
	rt_load(&t, "backend b\n server s1 127.0.0.1:1\n");
	struct srv_state *s1 = &t.be->srvs[0];
	struct sockaddr_storage ss;
	bool port_set = true;
	ck_assert(!srv_rt_addr(s1, &ss, &port_set));
	struct srv_rt rt;
	srv_rt_get(s1, &rt);
	ck_assert(!rt.addr_set);
	ck_assert_ptr_null(rt.agent_send);
	struct sockaddr_in *in = (struct sockaddr_in *)&rt.addr;
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(0x7f000002);
	in->sin_port = htons(99);
	rt.addr_set = rt.port_set = true;
	rt.check_port = 81;
	rt.agent_send = (char *)"ping\n";
	srv_rt_set(s1, &rt);
	ck_assert(srv_rt_addr(s1, &ss, &port_set));
	ck_assert(port_set);
	ck_assert_int_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 99);
	struct srv_rt back;
	srv_rt_get(s1, &back);
	ck_assert_int_eq(back.check_port, 81);
	ck_assert_str_eq(back.agent_send, "ping\n");
	ck_assert_ptr_ne(back.agent_send, rt.agent_send);
	back.agent_send[0] = 'P'; /* a copy */
	srv_rt_set(s1, &back);    /* replaces (and frees) the previous copy */
	free(back.agent_send);
	srv_rt_get(s1, &back);
	ck_assert_str_eq(back.agent_send, "Ping\n");
	free(back.agent_send);
	rt_free(&t);
}
END_TEST

START_TEST(disabled_checks_status)
{
	struct rt_ts t;
	rt_load(&t, "backend b\n server s1 127.0.0.1:1 check rise 1 fall 1\n server s2 127.0.0.1:2 check rise 1 fall 1 agent-check agent-port 3\n");
	char buf[64];
	ck_assert_str_eq(srv_status_text(&t.be->srvs[0], buf, sizeof(buf)), "UP");
	atomic_store(&t.be->srvs[0].chk_disabled, true);
	ck_assert_str_eq(srv_status_text(&t.be->srvs[0], buf, sizeof(buf)), "no check");
	ck_assert_str_eq(srv_status_text(&t.be->srvs[1], buf, sizeof(buf)), "UP");
	atomic_store(&t.be->srvs[1].chk_disabled, true); /* the agent does not count */
	ck_assert_str_eq(srv_status_text(&t.be->srvs[1], buf, sizeof(buf)), "no check");
	rt_free(&t);
}
END_TEST

Suite *suite_srv_runtime(void);

Suite *
suite_srv_runtime(void)
{
	Suite *s = suite_create("srv_runtime");
	TCase *tc = tcase_create("srv_runtime");

	tcase_add_test(tc, forced_health);
	tcase_add_test(tc, maxconn_at_run_time);
	tcase_add_test(tc, runtime_addresses);
	tcase_add_test(tc, disabled_checks_status);
	suite_add_tcase(s, tc);
	return s;
}
