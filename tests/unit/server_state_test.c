/* Server state changes (engine/server.c): rise/fall counting, the exact
 * lines HAProxy 2.6.12 logs (observed with the installed haproxy, see
 * reference §4.8), agent replies, passive observation, slowstart and
 * track. Lines are captured with the log hook. */
#include <check.h>
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

struct line {
	int level;
	bool alert;
	char *msg, *err;
};

struct ts {
	struct cfg *cfg;
	struct diag d;
	struct engine eng;            /* only backends: for "track" */
	struct backend *be;           /* backend "b" */
	VEC(struct line) lines;
	size_t seen;                  /* lines already checked */
};

static void
hook(void *arg, const struct cfg_proxy *px, int level, const char *msg,
     const char *err, bool alert)
{
	struct ts *t = arg;
	struct line l = { level, alert, xstrdup(msg), xstrdup(err) };
	(void)px;
	VEC_PUSH(t->lines, l);
}

static void
ts_load(struct ts *t, const char *body)
{
	struct cfg_opts o = { .check_files = true };
	char *text = xasprintf("defaults\n mode tcp\n timeout client 1s\n timeout server 1s\n"
	                       " timeout connect 1s\n%s", body);
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
	size_t n = 0;
	for (size_t i = 0; i < t->cfg->proxies.n; i++)
		if (t->cfg->proxies.v[i]->cap & PX_CAP_BE)
			n++;
	t->eng.backends = xcalloc(n + 1, sizeof(*t->eng.backends));
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
	srv_set_log_hook(hook, t);
	srv_states_setup(&t->eng, t->be);
}

static void
ts_free(struct ts *t)
{
	srv_set_log_hook(NULL, NULL);
	for (size_t i = 0; i < t->lines.n; i++) {
		free(t->lines.v[i].msg);
		free(t->lines.v[i].err);
	}
	free(t->lines.v);
	for (size_t i = 0; i < t->eng.nbackends; i++)
		backend_free(t->eng.backends[i]);
	free(t->eng.backends);
	cfg_free(t->cfg);
	diag_free(&t->d);
}

static struct srv_state *
S(struct ts *t, const char *name)
{
	for (size_t i = 0; i < t->eng.nbackends; i++) {
		struct backend *be = t->eng.backends[i];
		for (size_t k = 0; k < be->nsrv; k++)
			if (strcmp(be->srvs[k].cfg->name, name) == 0)
				return &be->srvs[k];
	}
	ck_abort_msg("no server %s", name);
	return NULL;
}

/* The next unchecked line must be msg at level. */
#define expect_line(t, lvl, text)                                                   \
	do {                                                                            \
		ck_assert_msg((t)->seen < (t)->lines.n, "missing line: %s", (text));     \
		struct line *l_ = &(t)->lines.v[(t)->seen++];                           \
		ck_assert_str_eq(l_->msg, (text));                                      \
		ck_assert_int_eq(l_->level, (lvl));                                     \
	} while (0)
#define expect_no_line(t)                                                           \
	ck_assert_msg((t)->seen == (t)->lines.n, "unexpected line: %s",              \
	              (t)->lines.v[(t)->seen].msg)

static void
check(struct ts *t, const char *srv, enum chk_status st, int code, long dur,
      const char *info)
{
	struct chk_result r = { st, code, dur, "" };
	str_copy(r.info, sizeof(r.info), info ? info : "");
	srv_check_report(&t->eng, t->be, S(t, srv), &r);
}

#define REFUSED(t, s) check(t, s, CHK_ST_L4CON, 0, 0, "Connection refused")
#define L4OK(t, s) check(t, s, CHK_ST_L4OK, 0, 0, NULL)

static const char *
status(struct ts *t, const char *srv)
{
	static char buf[64];
	return srv_status_text(S(t, srv), buf, sizeof(buf));
}

START_TEST(first_failure_marks_down)
{
	struct ts t;
	ts_load(&t, "backend b\n server s1 127.0.0.1:1 check\n server s2 127.0.0.1:2 check\n");
	ck_assert_str_eq(status(&t, "s1"), "UP 1/3");
	REFUSED(&t, "s1");
	expect_line(&t, 1, "Server b/s1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	expect_no_line(&t);
	ck_assert_int_eq(atomic_load(&S(&t, "s1")->op), SRV_OP_DOWN);
	ck_assert_str_eq(status(&t, "s1"), "DOWN");
	/* rise 2: one success is "DOWN 1/2", the second brings it UP */
	L4OK(&t, "s1");
	expect_no_line(&t);
	ck_assert_str_eq(status(&t, "s1"), "DOWN 1/2");
	check(&t, "s1", CHK_ST_L7OK, 200, 1, "OK");
	expect_line(&t, 5, "Server b/s1 is UP, reason: Layer7 check passed, code: 200, info: \"OK\", check duration: 1ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.");
	ck_assert_str_eq(status(&t, "s1"), "UP");
	/* from the top, fall 3 failures are needed */
	REFUSED(&t, "s1");
	ck_assert_str_eq(status(&t, "s1"), "UP 2/3");
	REFUSED(&t, "s1");
	ck_assert_str_eq(status(&t, "s1"), "UP 1/3");
	expect_no_line(&t);
	REFUSED(&t, "s1");
	expect_line(&t, 1, "Server b/s1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	ts_free(&t);
}
END_TEST

START_TEST(no_server_available)
{
	struct ts t;
	ts_load(&t, "backend b\n server s1 127.0.0.1:1 check\n"
	            "listen li\n bind 127.0.0.1:17999\n server u1 127.0.0.1:1 check\n");
	REFUSED(&t, "s1");
	expect_line(&t, 1, "Server b/s1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	ck_assert_str_eq(t.lines.v[t.seen].err, "backend 'b' has no server available!");
	ck_assert(t.lines.v[t.seen].alert);
	expect_line(&t, 0, "backend b has no server available!");
	/* a listen section is a "proxy" */
	struct backend *li = t.eng.backends[1];
	struct chk_result r = { CHK_ST_L4CON, 0, 0, "Connection refused" };
	srv_check_report(&t.eng, li, &li->srvs[0], &r);
	expect_line(&t, 1, "Server li/u1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	ck_assert_str_eq(t.lines.v[t.seen].err, "proxy 'li' has no server available!");
	expect_line(&t, 0, "proxy li has no server available!");
	ts_free(&t);
}
END_TEST

START_TEST(backups)
{
	struct ts t;
	ts_load(&t, "backend b\n server s1 127.0.0.1:1 check\n server s2 127.0.0.1:2 check\n"
	            " server s3 127.0.0.1:3 check backup\n");
	REFUSED(&t, "s1");
	expect_line(&t, 1, "Server b/s1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	REFUSED(&t, "s2");
	expect_line(&t, 1, "Server b/s2 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.");
	REFUSED(&t, "s3");
	expect_line(&t, 1, "Backup Server b/s3 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	expect_line(&t, 0, "backend b has no server available!");
	ts_free(&t);
}
END_TEST

START_TEST(log_health_checks)
{
	struct ts t;
	ts_load(&t, "backend b\n option log-health-checks\n"
	            " server t1 127.0.0.1:1 check rise 2 fall 3\n"
	            " server t2 127.0.0.1:2 check rise 2 fall 3\n"
	            " server t3 127.0.0.1:2 check weight 0 backup\n");
	REFUSED(&t, "t1");
	expect_line(&t, 5, "Health check for server b/t1 failed, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms, status: 0/2 DOWN.");
	expect_line(&t, 1, "Server b/t1 is DOWN. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	L4OK(&t, "t2");
	expect_line(&t, 5, "Health check for server b/t2 succeeded, reason: Layer4 check passed, check duration: 0ms, status: 3/3 UP.");
	L4OK(&t, "t2"); /* same status, no health change: nothing */
	expect_no_line(&t);
	REFUSED(&t, "t2");
	expect_line(&t, 5, "Health check for server b/t2 failed, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms, status: 2/3 UP.");
	/* weight 0 shows DRAIN */
	L4OK(&t, "t3");
	expect_line(&t, 5, "Health check for backup server b/t3 succeeded, reason: Layer4 check passed, check duration: 0ms, status: 3/3 DRAIN.");
	L4OK(&t, "t1");
	expect_line(&t, 5, "Health check for server b/t1 succeeded, reason: Layer4 check passed, check duration: 0ms, status: 1/2 DOWN.");
	L4OK(&t, "t1");
	expect_line(&t, 5, "Health check for server b/t1 succeeded, reason: Layer4 check passed, check duration: 0ms, status: 3/3 UP.");
	expect_line(&t, 5, "Server b/t1 is UP. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.");
	check(&t, "t1", CHK_ST_L7STS, 404, 2, "File not found");
	expect_line(&t, 5, "Health check for server b/t1 failed, reason: Layer7 wrong status, code: 404, info: \"File not found\", check duration: 2ms, status: 2/3 UP.");
	expect_no_line(&t);
	ts_free(&t);
}
END_TEST

START_TEST(admin_states)
{
	struct ts t;
	ts_load(&t, "backend b\n server s1 127.0.0.1:1 check\n server s3 127.0.0.1:3 check backup\n"
	            " server tr 127.0.0.1:1 track s1\n");
	struct srv_state *s1 = S(&t, "s1");
	srv_set_admin(&t.eng, t.be, s1, SRV_ADMIN_DRAIN, NULL);
	expect_line(&t, 5, "Server b/s1 enters drain state. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.");
	expect_line(&t, 5, "Server b/tr enters drain state via b/s1. 0 active and 1 backup servers online. Running on backup. 0 sessions requeued, 0 total in queue.");
	ck_assert_int_eq(atomic_load(&s1->admin), SRV_ADMIN_DRAIN);
	ck_assert_str_eq(status(&t, "s1"), "DRAIN 1/3");
	srv_set_admin(&t.eng, t.be, s1, SRV_ADMIN_MAINT, NULL);
	/* it was draining: notice, not alert */
	expect_line(&t, 5, "Server b/s1 is going DOWN for maintenance. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.");
	expect_line(&t, 5, "Server b/tr is going DOWN for maintenance via b/s1. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.");
	ck_assert_str_eq(status(&t, "tr"), "MAINT (via b/s1)");
	REFUSED(&t, "s1"); /* checks are paused in maintenance */
	expect_no_line(&t);
	srv_set_admin(&t.eng, t.be, s1, SRV_ADMIN_READY, NULL);
	expect_line(&t, 5, "Server b/s1 is UP/READY (leaving forced maintenance).");
	expect_line(&t, 5, "Server b/tr is UP/READY (leaving maintenance).");
	ck_assert_int_eq(atomic_load(&s1->op), SRV_OP_UP);
	srv_set_admin(&t.eng, t.be, s1, SRV_ADMIN_MAINT, "cause");
	expect_line(&t, 1, "Server b/s1 is going DOWN for maintenance (cause). 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	t.seen = t.lines.n;
	srv_set_admin(&t.eng, t.be, s1, SRV_ADMIN_READY, NULL);
	t.seen = t.lines.n;
	srv_set_admin(&t.eng, t.be, s1, SRV_ADMIN_DRAIN, NULL);
	t.seen = t.lines.n;
	srv_set_admin(&t.eng, t.be, s1, SRV_ADMIN_READY, NULL);
	expect_line(&t, 5, "Server b/s1 is UP (leaving forced drain).");
	expect_line(&t, 5, "Server b/tr is UP (leaving forced drain).");
	/* maintenance to drain (observed with haproxy 2.6.12) */
	srv_set_admin(&t.eng, t.be, s1, SRV_ADMIN_MAINT, NULL);
	t.seen = t.lines.n;
	srv_set_admin(&t.eng, t.be, s1, SRV_ADMIN_DRAIN, NULL);
	expect_line(&t, 5, "Server b/s1 is UP/DRAIN (leaving forced maintenance).");
	expect_line(&t, 5, "Server b/s1 remains in forced drain mode.");
	expect_line(&t, 5, "Server b/tr is UP/DRAIN (leaving maintenance).");
	expect_line(&t, 5, "Server b/tr is leaving forced drain but remains in drain mode via b/s1.");
	srv_set_admin(&t.eng, t.be, s1, SRV_ADMIN_READY, NULL);
	t.seen = t.lines.n;
	/* the tracked server goes down: so does the tracker */
	REFUSED(&t, "s1");
	expect_line(&t, 1, "Server b/s1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	expect_line(&t, 1, "Server b/tr is DOWN via b/s1. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.");
	expect_no_line(&t);
	srv_set_admin(&t.eng, t.be, s1, SRV_ADMIN_MAINT, NULL);
	expect_line(&t, 5, "Server b/s1 was DOWN and now enters maintenance.");
	ts_free(&t);
}
END_TEST

static void
agent(struct ts *t, const char *srv, const char *reply)
{
	struct chk_result r = { CHK_ST_L7OK, 0, 0, "" };
	srv_agent_report(&t->eng, t->be, S(t, srv), reply, &r);
}

START_TEST(agent_replies)
{
	struct ts t;
	ts_load(&t, "backend b\n server a1 127.0.0.1:1 check agent-check agent-port 2 weight 10\n"
	            " server a2 127.0.0.1:1 check weight 10\n");
	struct srv_state *a1 = S(&t, "a1");
	L4OK(&t, "a1");
	agent(&t, "a1", "50%\n");
	expect_no_line(&t);
	ck_assert_int_eq(atomic_load(&a1->uweight), 5);
	agent(&t, "a1", "drain\n");
	expect_line(&t, 5, "Server b/a1 enters drain state. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.");
	agent(&t, "a1", "ready\n");
	expect_line(&t, 5, "Server b/a1 is UP (leaving forced drain).");
	agent(&t, "a1", "down\r\n");
	expect_line(&t, 1, "Server b/a1 is DOWN, reason: Layer7 wrong status, code: 0, info: \"via agent : down\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	/* the health check alone cannot bring it back */
	L4OK(&t, "a1");
	L4OK(&t, "a1");
	expect_no_line(&t);
	agent(&t, "a1", "up"); /* the line end is optional */
	expect_line(&t, 5, "Server b/a1 is UP, reason: Layer7 check passed, code: 0, info: \"via agent : up\", check duration: 0ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.");
	agent(&t, "a1", "maint\n");
	expect_line(&t, 1, "Server b/a1 is going DOWN for maintenance. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	agent(&t, "a1", "ready\n");
	expect_line(&t, 5, "Server b/a1 is UP/READY (leaving forced maintenance).");
	agent(&t, "a1", "fail # broken disk\n");
	expect_line(&t, 1, "Server b/a1 is DOWN, reason: Layer7 wrong status, code: 0, info: \"via agent : fail (broken disk)\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	agent(&t, "a1", "up 75% foo maxconn:30\n");
	expect_line(&t, 5, "Server b/a1 is UP, reason: Layer7 check passed, code: 0, info: \"via agent : up (foo)\", check duration: 0ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.");
	ck_assert_int_eq(atomic_load(&a1->uweight), 7);
	ck_assert_int_eq(atomic_load(&a1->maxconn_rt), 30);
	agent(&t, "a1", "stopped,150%\n");
	expect_line(&t, 1, "Server b/a1 is DOWN, reason: Layer7 wrong status, code: 0, info: \"via agent : stopped\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	ck_assert_int_eq(atomic_load(&a1->uweight), 15);
	agent(&t, "a1", "bogus\n");
	expect_no_line(&t);
	ck_assert_int_eq(a1->agt.status, CHK_ST_CHECKED);
	ck_assert_str_eq(a1->agt.desc, "agent reports an error : bogus");
	/* no connection to the agent: no state change */
	struct chk_result r = { CHK_ST_L4CON, 0, 0, "Connection refused" };
	srv_agent_report(&t.eng, t.be, a1, NULL, &r);
	expect_no_line(&t);
	ck_assert_int_eq(a1->agt.health, 0);
	ts_free(&t);
}
END_TEST

START_TEST(agent_log_health_checks)
{
	struct ts t;
	ts_load(&t, "backend b\n option log-health-checks\n"
	            " server a1 127.0.0.1:1 check agent-check agent-port 2\n");
	agent(&t, "a1", "stopped\n");
	expect_line(&t, 5, "Agent check for server b/a1 failed, reason: Layer7 wrong status, code: 0, info: \"via agent : stopped\", check duration: 0ms, status: 0/1 DOWN.");
	expect_line(&t, 1, "Server b/a1 is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	expect_line(&t, 0, "backend b has no server available!");
	agent(&t, "a1", "up\n");
	expect_line(&t, 5, "Agent check for server b/a1 succeeded, reason: Layer7 check passed, code: 0, info: \"via agent : up\", check duration: 0ms, status: 1/1 UP.");
	expect_line(&t, 5, "Server b/a1 is UP. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.");
	struct chk_result r = { CHK_ST_L4CON, 0, 0, "Connection refused" };
	srv_agent_report(&t.eng, t.be, S(&t, "a1"), NULL, &r);
	expect_line(&t, 5, "Agent check for server b/a1 failed, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms, status: 1/1 UP.");
	expect_no_line(&t);
	ts_free(&t);
}
END_TEST

START_TEST(observe_layer4)
{
	struct ts t;
	ts_load(&t, "backend b\n server o1 127.0.0.1:1 check observe layer4 error-limit 2 on-error mark-down\n"
	            " server o2 127.0.0.1:2 check\n"
	            " server o3 127.0.0.1:3 check observe layer4 error-limit 2 on-error fail-check\n");
	struct srv_state *o1 = S(&t, "o1");
	srv_observe(&t.eng, t.be, o1, true, NULL);
	srv_observe(&t.eng, t.be, o1, false, NULL); /* a success resets */
	srv_observe(&t.eng, t.be, o1, true, NULL);
	expect_no_line(&t);
	srv_observe(&t.eng, t.be, o1, true, NULL);
	expect_line(&t, 1, "Server b/o1 is DOWN, reason: Health analyze, info: \"Detected 2 consecutive errors, last one was: L4 unsuccessful connection\". 2 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.");
	ck_assert_str_eq(chk_status_name((enum chk_status)o1->chk.status), "HANA");
	/* fail-check: one failed check; from the top (after a success) it
	 * only steps down */
	L4OK(&t, "o3");
	for (int i = 0; i < 2; i++)
		srv_observe(&t.eng, t.be, S(&t, "o3"), true, NULL);
	expect_no_line(&t);
	ck_assert_str_eq(status(&t, "o3"), "UP 2/3");
	ts_free(&t);
}
END_TEST

START_TEST(intervals)
{
	struct ts t;
	ts_load(&t, "backend b\n server s1 127.0.0.1:1 check inter 2s fastinter 500 downinter 7s\n"
	            " server s2 127.0.0.1:1 check inter 3s agent-check agent-port 2 agent-inter 4s\n");
	struct srv_state *s1 = S(&t, "s1");
	ck_assert_int_eq(srv_next_check_interval(s1), 500); /* before the first result */
	L4OK(&t, "s1");
	ck_assert_int_eq(srv_next_check_interval(s1), 2000);
	REFUSED(&t, "s1");
	ck_assert_int_eq(srv_next_check_interval(s1), 500); /* UP 2/3 */
	REFUSED(&t, "s1");
	REFUSED(&t, "s1");
	ck_assert_int_eq(srv_next_check_interval(s1), 7000);
	L4OK(&t, "s1");
	ck_assert_int_eq(srv_next_check_interval(s1), 500); /* DOWN 1/2 */
	ck_assert_int_eq(srv_next_check_interval(S(&t, "s2")), 3000);
	ck_assert_int_eq(srv_next_agent_interval(S(&t, "s2")), 4000);
	ts_free(&t);
}
END_TEST

START_TEST(slowstart)
{
	struct ts t;
	ts_load(&t, "backend b\n server s1 127.0.0.1:1 check weight 100 slowstart 10s\n"
	            " server s2 127.0.0.1:1 check weight 100\n");
	struct srv_state *s1 = S(&t, "s1");
	/* not at process start */
	ck_assert_int_eq(srv_eff_weight(s1), 100);
	REFUSED(&t, "s1");
	L4OK(&t, "s1");
	L4OK(&t, "s1");
	ck_assert_int_eq(atomic_load(&s1->op), SRV_OP_UP);
	long long t0 = s1->ss_start_ms;
	ck_assert(t0 > 0);
	ck_assert_int_eq(srv_eff_weight(s1), 7); /* 1/16 */
	ck_assert_int_eq(srv_slowstart_step(t.be, s1, t0 + 5000), 1000);
	ck_assert_int_eq(srv_eff_weight(s1), 57); /* 9/16 */
	ck_assert_int_eq(srv_slowstart_step(t.be, s1, t0 + 10000), 0);
	ck_assert_int_eq(srv_eff_weight(s1), 100);
	ts_free(&t);
}
END_TEST

START_TEST(condpass_stopping)
{
	struct ts t;
	ts_load(&t, "backend b\n server s1 127.0.0.1:1 check\n server s2 127.0.0.1:1 check\n");
	check(&t, "s1", CHK_ST_L7OKC, 404, 1, "Not Found");
	expect_line(&t, 5, "Server b/s1 is stopping, reason: Layer7 check conditionally passed, code: 404, info: \"Not Found\", check duration: 1ms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.");
	ck_assert_str_eq(status(&t, "s1"), "NOLB");
	check(&t, "s1", CHK_ST_L7OK, 200, 1, "OK");
	expect_line(&t, 5, "Server b/s1 is UP, reason: Layer7 check passed, code: 200, info: \"OK\", check duration: 1ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.");
	ts_free(&t);
}
END_TEST

START_TEST(weights)
{
	struct ts t;
	ts_load(&t, "backend b\n server s1 127.0.0.1:1 weight 10\n"
	            "backend c\n balance static-rr\n server s2 127.0.0.1:1 weight 10\n");
	const char *err = NULL;
	ck_assert_int_eq(srv_set_weight(&t.eng, t.be, S(&t, "s1"), 30, &err), 0);
	ck_assert_int_eq(atomic_load(&S(&t, "s1")->uweight), 30);
	ck_assert_int_eq(srv_set_weight(&t.eng, t.be, S(&t, "s1"), 300, &err), -1);
	ck_assert_str_eq(err, "Absolute weight can only be between 0 and 256 inclusive.\n");
	ck_assert_int_eq(srv_set_weight_str(&t.eng, t.be, S(&t, "s1"), "50%", &err), 0);
	ck_assert_int_eq(atomic_load(&S(&t, "s1")->uweight), 5);
	struct backend *c = t.eng.backends[1];
	ck_assert_int_eq(srv_set_weight(&t.eng, c, &c->srvs[0], 5, &err), -1);
	ck_assert_str_eq(err, "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n");
	ck_assert_int_eq(srv_set_weight(&t.eng, c, &c->srvs[0], 0, &err), 0);
	ck_assert_str_eq(status(&t, "s1"), "no check");
	ts_free(&t);
}
END_TEST

Suite *suite_server_state(void);

Suite *
suite_server_state(void)
{
	Suite *s = suite_create("server_state");
	TCase *tc = tcase_create("server_state");

	tcase_add_test(tc, first_failure_marks_down);
	tcase_add_test(tc, no_server_available);
	tcase_add_test(tc, backups);
	tcase_add_test(tc, log_health_checks);
	tcase_add_test(tc, admin_states);
	tcase_add_test(tc, agent_replies);
	tcase_add_test(tc, agent_log_health_checks);
	tcase_add_test(tc, observe_layer4);
	tcase_add_test(tc, intervals);
	tcase_add_test(tc, slowstart);
	tcase_add_test(tc, condpass_stopping);
	tcase_add_test(tc, weights);
	suite_add_tcase(s, tc);
	return s;
}
