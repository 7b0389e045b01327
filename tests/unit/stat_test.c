/* Statistics (stats/stat.c, stats/stat_render.c, engine/counters.c):
 * the CSV header byte for byte (reference §3.6), whole rows of a lab
 * configuration compared with what haproxy 2.6.12 printed for the same
 * configuration and server states (timing cells masked), typed and JSON
 * syntax, show info, and the rate / average arithmetic. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/counters.h"
#include "engine/engine.h"
#include "engine/server.h"
#include "lib/util.h"
#include "parser/cfg.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "parser/server.h"
#include "stats/stat.h"

static const char header[] =
    "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out,\n";

/* The lab: haproxy 2.6.12 ran this config (plus "stats socket"), its
 * checks and agents ran about 2 s, no traffic. */
static const char lab_cfg[] =
    "global\n"
    "    stats socket /tmp/sluice-test-stat-unit.sock level admin\n"
    "    maxconn 2000\n"
    "defaults\n"
    "    mode tcp\n"
    "    timeout connect 1s\n"
    "    timeout client 10s\n"
    "    timeout server 10s\n"
    "frontend fe1\n"
    "    bind 127.0.0.1:21010\n"
    "    default_backend be1\n"
    "listen li1\n"
    "    bind 127.0.0.1:21011\n"
    "    balance leastconn\n"
    "    server l1 127.0.0.1:21001\n"
    "backend be1\n"
    "    server s1 127.0.0.1:21001 check inter 500\n"
    "    server s2 127.0.0.1:21009 check inter 500 rise 2 fall 3\n"
    "    server s3 127.0.0.1:21001 backup\n"
    "    server s4 127.0.0.1:21001 track be1/s1\n"
    "    server s5 127.0.0.1:21001 disabled\n"
    "    server s6 127.0.0.1:21001 agent-check agent-port 21002 agent-inter 500 maxconn 10 maxqueue 5 weight 20\n"
    "    server s7 127.0.0.1:21001 check agent-check agent-port 21002 agent-inter 500 slowstart 10s cookie abc\n";

/* "show stat" of haproxy for lab_cfg at level admin, then user. */
static const char *const lab_rows[] = {
	"fe1,FRONTEND,,,0,0,2000,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,0,,,,,,,,,,,0,0,0,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,tcp,,0,0,0,,0,0,0,,,,,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,",
	"li1,FRONTEND,,,0,0,2000,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,3,0,,,,0,0,0,0,,,,,,,,,,,0,0,0,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,tcp,,0,0,0,,0,0,0,,,,,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,",
	"li1,l1,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,1,1,0,,,2,,,1,3,1,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,127.0.0.1:21001,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"li1,BACKEND,0,0,0,0,200,0,0,0,0,0,,0,0,0,0,UP,1,1,0,,0,2,0,,1,3,0,,0,,1,0,,0,,,,,,,,,,,,,,0,0,0,0,0,0,-1,,,0,0,0,0,,,,,,,,,,,,,,tcp,leastconn,,,,,,,0,0,0,,,,,0,0,0,0,0,,,,,1,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,",
	"be1,s1,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1,1,0,0,0,2,0,,1,4,1,,0,,2,0,,0,L4OK,,0,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,Layer4 check passed,,2,3,4,,,,127.0.0.1:21001,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,s2,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1,1,0,1,1,2,2,,1,4,2,,0,,2,0,,0,L4CON,,0,,,,,,,,,,,0,0,,,,,-1,Connection refused,,0,0,0,0,,,,Layer4 connection problem,,2,3,0,,,,127.0.0.1:21009,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,s3,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,1,0,1,,,2,,,1,4,3,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,127.0.0.1:21001,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,s4,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1,1,0,,,2,,,1,4,4,,0,be1/s1,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,127.0.0.1:21001,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,s5,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,1,1,0,,,2,,,1,4,5,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,127.0.0.1:21001,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,s6,0,0,0,0,10,0,0,0,,0,,0,0,0,0,no check,15,1,0,,,2,,5,1,4,6,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,via agent : up,0,0,0,0,L7OK,0,0,,Layer7 check passed,,,,1,1,1,127.0.0.1:21001,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,15,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,s7,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,0,1,0,0,0,2,0,,1,4,7,,0,,2,0,,0,L4OK,,0,,,,,,,,,,,0,0,,,,,-1,,via agent : up,0,0,0,0,L7OK,0,0,Layer4 check passed,Layer7 check passed,2,3,4,1,1,1,127.0.0.1:21001,abc,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,0,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,BACKEND,0,0,0,0,200,0,0,0,0,0,,0,0,0,0,UP,17,3,1,,0,2,0,,1,4,0,,0,,1,0,,0,,,,,,,,,,,,,,0,0,0,0,0,0,-1,,,0,0,0,0,,,,,,,,,,,,,,tcp,roundrobin,,,,,,,0,0,0,,,,,0,0,0,0,0,,,,,17,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,",
	NULL,
};
static const char *const lab_rows_user[] = {
	"fe1,FRONTEND,,,0,0,2000,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,0,,,,,,,,,,,0,0,0,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,tcp,,0,0,0,,0,0,0,,,,,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,",
	"li1,FRONTEND,,,0,0,2000,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,3,0,,,,0,0,0,0,,,,,,,,,,,0,0,0,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,tcp,,0,0,0,,0,0,0,,,,,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,",
	"li1,l1,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,1,1,0,,,2,,,1,3,1,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"li1,BACKEND,0,0,0,0,200,0,0,0,0,0,,0,0,0,0,UP,1,1,0,,0,2,0,,1,3,0,,0,,1,0,,0,,,,,,,,,,,,,,0,0,0,0,0,0,-1,,,0,0,0,0,,,,,,,,,,,,,,tcp,,,,,,,,0,0,0,,,,,0,0,0,0,0,,,,,1,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,",
	"be1,s1,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1,1,0,0,0,2,0,,1,4,1,,0,,2,0,,0,L4OK,,0,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,Layer4 check passed,,2,3,4,,,,,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,s2,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1,1,0,1,1,2,2,,1,4,2,,0,,2,0,,0,L4CON,,0,,,,,,,,,,,0,0,,,,,-1,Connection refused,,0,0,0,0,,,,Layer4 connection problem,,2,3,0,,,,,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,s3,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,1,0,1,,,2,,,1,4,3,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,s4,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1,1,0,,,2,,,1,4,4,,0,be1/s1,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,s5,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,1,1,0,,,2,,,1,4,5,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,s6,0,0,0,0,10,0,0,0,,0,,0,0,0,0,no check,15,1,0,,,2,,5,1,4,6,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,via agent : up,0,0,0,0,L7OK,0,0,,Layer7 check passed,,,,1,1,1,,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,15,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,s7,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,0,1,0,0,0,2,0,,1,4,7,,0,,2,0,,0,L4OK,,0,,,,,,,,,,,0,0,,,,,-1,,via agent : up,0,0,0,0,L7OK,0,0,Layer4 check passed,Layer7 check passed,2,3,4,1,1,1,,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,0,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,",
	"be1,BACKEND,0,0,0,0,200,0,0,0,0,0,,0,0,0,0,UP,17,3,1,,0,2,0,,1,4,0,,0,,1,0,,0,,,,,,,,,,,,,,0,0,0,0,0,0,-1,,,0,0,0,0,,,,,,,,,,,,,,tcp,,,,,,,,0,0,0,,,,,0,0,0,0,0,,,,,17,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,",
	NULL,
};

struct lab {
	struct cfg *cfg;
	struct diag d;
	struct engine eng;
};

static int
cmp_px(const void *a, const void *b)
{
	const struct cfg_proxy *x = (*(struct backend *const *)a)->px;
	const struct cfg_proxy *y = (*(struct backend *const *)b)->px;
	return x < y ? -1 : x > y;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp((*(struct backend *const *)a)->px->name,
	              (*(struct backend *const *)b)->px->name);
}

static void
quiet(void *arg, const struct cfg_proxy *px, int level, const char *msg,
      const char *err, bool alert)
{
	(void)arg, (void)px, (void)level, (void)msg, (void)err, (void)alert;
}

/* The engine's runtime without threads nor sockets. */
static void
lab_load(struct lab *t, const char *text)
{
	struct cfg_opts o = { .check_files = true };
	memset(t, 0, sizeof(*t));
	t->cfg = cfg_load_string("lab.cfg", text, strlen(text), &o, true, &t->d);
	ck_assert_msg(t->cfg != NULL && t->d.nerrors == 0, "lab config did not load");
	struct engine *e = &t->eng;
	e->cfg = t->cfg;
	e->nthreads = 1;
	e->maxconn = 2000;
	e->hard_maxconn = 2000;
	e->start_ms = now_ms();
	size_t n = t->cfg->proxies.n;
	e->frontends = xcalloc(n + 1, sizeof(*e->frontends));
	e->backends = xcalloc(n + 1, sizeof(*e->backends));
	for (size_t i = 0; i < n; i++) {
		const struct cfg_proxy *px = t->cfg->proxies.v[i];
		if (px->cap & PX_CAP_FE) {
			e->frontends[e->nfrontends].px = px;
			e->frontends[e->nfrontends++].maxconn = 2000;
		}
		if (px->cap & PX_CAP_BE)
			e->backends[e->nbackends++] = backend_new(e, px);
	}
	e->be_by_px = xcalloc(e->nbackends + 1, sizeof(*e->be_by_px));
	e->be_by_name = xcalloc(e->nbackends + 1, sizeof(*e->be_by_name));
	memcpy(e->be_by_px, e->backends, e->nbackends * sizeof(*e->backends));
	memcpy(e->be_by_name, e->backends, e->nbackends * sizeof(*e->backends));
	qsort(e->be_by_px, e->nbackends, sizeof(*e->be_by_px), cmp_px);
	qsort(e->be_by_name, e->nbackends, sizeof(*e->be_by_name), cmp_name);
	srv_set_log_hook(quiet, NULL);
	for (size_t i = 0; i < e->nbackends; i++)
		srv_states_setup(e, e->backends[i]);
}

static void
lab_free(struct lab *t)
{
	srv_set_log_hook(NULL, NULL);
	for (size_t i = 0; i < t->eng.nbackends; i++)
		backend_free(t->eng.backends[i]);
	free(t->eng.backends);
	free(t->eng.be_by_px);
	free(t->eng.be_by_name);
	free(t->eng.frontends);
	cfg_free(t->cfg);
	diag_free(&t->d);
}

static struct srv_state *
srv(struct lab *t, const char *be, const char *name, struct backend **bep)
{
	struct backend *b = engine_backend_by_name(&t->eng, be);
	ck_assert_ptr_nonnull(b);
	for (size_t k = 0; k < b->nsrv; k++)
		if (strcmp(b->srvs[k].cfg->name, name) == 0) {
			*bep = b;
			return &b->srvs[k];
		}
	ck_abort_msg("no server %s", name);
	return NULL;
}

static void
check(struct lab *t, const char *name, enum chk_status st, const char *info)
{
	struct backend *b;
	struct srv_state *s = srv(t, "be1", name, &b);
	struct chk_result r = { .status = st, .code = -1, .duration_ms = 0 };
	str_copy(r.info, sizeof(r.info), info);
	srv_check_report(&t->eng, b, s, &r);
}

static void
agent(struct lab *t, const char *name, const char *reply)
{
	struct backend *b;
	struct srv_state *s = srv(t, "be1", name, &b);
	struct chk_result r = { .status = CHK_ST_L7OK, .code = -1, .duration_ms = 0 };
	srv_agent_report(&t->eng, b, s, reply, &r);
}

/* The lab's server states as haproxy had them. */
static void
lab_run_checks(struct lab *t)
{
	for (int i = 0; i < 3; i++) {
		check(t, "s1", CHK_ST_L4OK, "");
		check(t, "s7", CHK_ST_L4OK, "");
		check(t, "s2", CHK_ST_L4CON, "Connection refused");
		agent(t, "s6", "up 75%\n");
		agent(t, "s7", "up 75%\n");
	}
	/* the slowstart ramp of s7 is over in the lab (checks started UP) */
	struct backend *b;
	struct srv_state *s7 = srv(t, "be1", "s7", &b);
	srv_slowstart_step(b, s7, now_ms() + 60000);
}

/* Splits a CSV line on commas (no quoted cells in these rows). */
static int
cells(const char *line, char out[][128], int max)
{
	int n = 0;
	const char *p = line;
	while (*p && *p != '\n' && n < max) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len >= 128)
			len = 127;
		memcpy(out[n], p, len);
		out[n][len] = 0;
		n++;
		if (!c)
			break;
		p = c + 1;
	}
	return n;
}

/* Compares whole rows, cell by cell, but for the cells that depend on
 * time (lastchg, downtime). */
static void
compare_rows(struct lab *t, const char *const *expect, bool user)
{
	struct st_filter flt = { .iid = -1, .types = -1, .sid = -1, .hide_priv = user };
	struct st_cursor cur = { 0 };
	struct st_row *row = xmalloc(sizeof(*row));
	static char a[ST_F_COUNT + 2][128], b[ST_F_COUNT + 2][128];
	int k = 0;
	while (st_next(&t->eng, &cur, &flt, row)) {
		struct sbuf out = { 0 };
		st_csv_row(&out, row);
		ck_assert_msg(expect[k] != NULL, "extra row %s", out.s);
		ck_assert_msg(out.len > 0 && out.s[out.len - 1] == '\n', "row ends with LF");
		int na = cells(out.s, a, ST_F_COUNT + 2);
		int nb = cells(expect[k], b, ST_F_COUNT + 2);
		ck_assert_int_eq(na, nb);
		for (int i = 0; i < na; i++) {
			if (i == ST_F_LASTCHG || i == ST_F_DOWNTIME)
				continue;
			ck_assert_msg(strcmp(a[i], b[i]) == 0, "row %d (%s,%s) column %d (%s): got '%s', haproxy '%s'",
			              k, b[0], b[1], i, st_field_name((enum st_field)i), a[i], b[i]);
		}
		free(out.s);
		k++;
	}
	ck_assert_msg(expect[k] == NULL, "missing row %s", expect[k]);
	free(row);
}

START_TEST(csv_header_exact)
{
	struct sbuf out = { 0 };
	st_csv_header(&out);
	ck_assert_str_eq(out.s, header);
	free(out.s);
	ck_assert_int_eq(ST_F_COUNT, 128);
	ck_assert_str_eq(st_field_name(ST_F_SRC_ILIM), "src_ilim");
	ck_assert_int_eq(st_field_pos(ST_F_SSL_SESS), 103);
	ck_assert_int_eq(st_field_pos(ST_F_AGG_CHECK_STATUS), 102);
}
END_TEST

START_TEST(lab_rows_match_haproxy)
{
	struct lab t;
	lab_load(&t, lab_cfg);
	lab_run_checks(&t);
	compare_rows(&t, lab_rows, false);
	compare_rows(&t, lab_rows_user, true);
	lab_free(&t);
}
END_TEST

START_TEST(filters)
{
	struct lab t;
	lab_load(&t, lab_cfg);
	lab_run_checks(&t);
	struct st_row *row = xmalloc(sizeof(*row));
	struct st_cursor cur = { 0 };
	/* be1's servers only (iid 4: the stats socket's GLOBAL has 1) */
	struct st_filter flt = { .iid = 4, .types = 4, .sid = -1 };
	int n = 0;
	while (st_next(&t.eng, &cur, &flt, row)) {
		ck_assert_int_eq(row->obj, ST_OBJ_SRV);
		ck_assert_str_eq(row->f[ST_F_PXNAME].str, "be1");
		n++;
	}
	ck_assert_int_eq(n, 7);
	/* up: s2 (DOWN) and s5 (MAINT) go; no-maint: only s5 */
	memset(&cur, 0, sizeof(cur));
	flt.up = true;
	n = 0;
	while (st_next(&t.eng, &cur, &flt, row))
		n++;
	ck_assert_int_eq(n, 5);
	memset(&cur, 0, sizeof(cur));
	flt.up = false;
	flt.no_maint = true;
	n = 0;
	while (st_next(&t.eng, &cur, &flt, row))
		n++;
	ck_assert_int_eq(n, 6);
	/* one server by id */
	memset(&cur, 0, sizeof(cur));
	struct st_filter one = { .iid = 4, .types = 4, .sid = 6 };
	ck_assert(st_next(&t.eng, &cur, &one, row));
	ck_assert_str_eq(row->f[ST_F_SVNAME].str, "s6");
	ck_assert(!st_next(&t.eng, &cur, &one, row));
	/* all backends */
	memset(&cur, 0, sizeof(cur));
	struct st_filter bes = { .iid = -1, .types = 2, .sid = -1 };
	ck_assert(st_next(&t.eng, &cur, &bes, row));
	ck_assert_str_eq(row->f[ST_F_PXNAME].str, "li1");
	ck_assert(st_next(&t.eng, &cur, &bes, row));
	ck_assert_str_eq(row->f[ST_F_PXNAME].str, "be1");
	ck_assert(!st_next(&t.eng, &cur, &bes, row));
	free(row);
	lab_free(&t);
}
END_TEST

/* Typed lines: T.iid.sid.pos.name.1:tags:type:value, empty cells left
 * out, "-" not counted in positions; JSON: balanced, quoted. */
START_TEST(typed_and_json)
{
	struct lab t;
	lab_load(&t, lab_cfg);
	lab_run_checks(&t);
	struct st_row *row = xmalloc(sizeof(*row));
	struct st_cursor cur = { 0 };
	struct st_filter flt = { .iid = 4, .types = 4, .sid = 1 };
	ck_assert(st_next(&t.eng, &cur, &flt, row));
	struct sbuf out = { 0 };
	st_typed_row(&out, row, false);
	ck_assert_ptr_nonnull(strstr(out.s, "S.4.1.0.pxname.1:KNS:str:be1\nS.4.1.1.svname.1:KNS:str:s1\nS.4.1.2.qcur.1:MGP:u32:0\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "\nS.4.1.17.status.1:SGP:str:UP\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "\nS.4.1.19.act.1:SGP:u32:1\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "\nS.4.1.55.lastsess.1:MAP:s32:-1\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "\nS.4.1.103.ssl_sess.1:MCP:u64:0\n"));
	ck_assert_ptr_null(strstr(out.s, ".qlimit."));   /* empty */
	ck_assert_ptr_null(strstr(out.s, ".-."));
	sbuf_reset(&out);
	st_typed_row(&out, row, true);
	ck_assert_ptr_nonnull(strstr(out.s, "S.4.1.0.pxname.1:KNS:str:be1:\"Proxy name\"\n"));
	sbuf_reset(&out);
	st_json_row(&out, row, true);
	ck_assert_ptr_nonnull(strstr(out.s, "[{\"objType\":\"Server\",\"proxyId\":4,\"id\":1,\"field\":{\"pos\":0,\"name\":\"pxname\"},\"processNum\":1,\"tags\":{\"origin\":\"Key\",\"nature\":\"Name\",\"scope\":\"Service\"},\"value\":{\"type\":\"str\",\"value\":\"be1\"}}"));
	ck_assert_ptr_nonnull(strstr(out.s, "\"value\":{\"type\":\"s32\",\"value\":-1}"));
	int depth = 0;
	bool instr = false;
	for (const char *p = out.s; *p; p++) {
		if (instr) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				instr = false;
			continue;
		}
		if (*p == '"')
			instr = true;
		else if (*p == '[' || *p == '{')
			depth++;
		else if (*p == ']' || *p == '}')
			ck_assert_int_ge(--depth, 0);
	}
	ck_assert_int_eq(depth, 0);
	ck_assert(!instr);
	/* a backend's act/bck/rate are gauges there */
	memset(&cur, 0, sizeof(cur));
	struct st_filter be = { .iid = 4, .types = 2, .sid = -1 };
	ck_assert(st_next(&t.eng, &cur, &be, row));
	sbuf_reset(&out);
	st_typed_row(&out, row, false);
	ck_assert_ptr_nonnull(strstr(out.s, "\nB.4.0.19.act.1:MGP:u32:3\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "\nB.4.0.33.rate.1:MGP:u32:0\n"));
	free(out.s);
	free(row);
	lab_free(&t);
}
END_TEST

START_TEST(csv_quotes)
{
	struct st_row *row = xcalloc(1, sizeof(*row));
	st_set_str(row, ST_F_PXNAME, "a,b");
	st_set_str(row, ST_F_SVNAME, "say \"hi\"");
	struct sbuf out = { 0 };
	st_csv_row(&out, row);
	ck_assert_int_eq(strncmp(out.s, "\"a,b\",\"say \"\"hi\"\"\",", 19), 0);
	free(out.s);
	free(row);
}
END_TEST

START_TEST(info_fields)
{
	struct lab t;
	lab_load(&t, lab_cfg);
	struct sbuf out = { 0 };
	st_info(&t.eng, &out, ST_INFO_TEXT, false);
	ck_assert_int_eq(strncmp(out.s, "Name: sluice\nVersion: ", 22), 0);
	ck_assert_ptr_nonnull(strstr(out.s, "\nNbthread: 1\nNbproc: 1\nProcess_num: 1\nPid: "));
	ck_assert_ptr_nonnull(strstr(out.s, "\nUptime: 0d 0h00m0"));
	ck_assert_ptr_nonnull(strstr(out.s, "\nMaxconn: 2000\nHard_maxconn: 2000\nCurrConns: 0\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "\nCompressBpsRateLim: 0\nTasks: "));  /* no zlib fields */
	ck_assert_ptr_nonnull(strstr(out.s, "\nUnstoppable Jobs: 0\nListeners: "));
	ck_assert_ptr_nonnull(strstr(out.s, "\nTotalSplicdedBytesOut: 0\n"));
	ck_assert_ptr_null(strstr(out.s, "description"));
	ck_assert_ptr_nonnull(strstr(out.s, "\nTainted: 0\n"));
	sbuf_reset(&out);
	st_info(&t.eng, &out, ST_INFO_TYPED, true);
	ck_assert_int_eq(strncmp(out.s, "0.Name.1:POS:str:sluice:\"Product name\"\n", 38), 0);
	ck_assert_ptr_nonnull(strstr(out.s, "\n47.Tasks.1:MGP:u32:"));
	ck_assert_ptr_nonnull(strstr(out.s, "\n61.TotalBytesOut.1:MGP:u64:0:\""));
	sbuf_reset(&out);
	st_info(&t.eng, &out, ST_INFO_JSON, false);
	ck_assert_int_eq(strncmp(out.s, "[{\"field\":{\"pos\":0,\"name\":\"Name\"},\"processNum\":1,\"tags\":{\"origin\":\"Product\",\"nature\":\"Output\",\"scope\":\"Service\"},\"value\":{\"type\":\"str\",\"value\":\"sluice\"}},", 150), 0);
	ck_assert_str_eq(out.s + out.len - 2, "]\n");
	char buf[64];
	struct st_val v = st_info_value(&t.eng, "Maxconn", buf, sizeof(buf));
	ck_assert_int_eq(v.t, ST_V_U32);
	ck_assert_uint_eq(v.u, 2000);
	v = st_info_value(&t.eng, "Name", buf, sizeof(buf));
	ck_assert_str_eq(v.str, "sluice");
	v = st_info_value(&t.eng, "NoSuchField", buf, sizeof(buf));
	ck_assert_int_eq(v.t, ST_V_EMPTY);
	free(out.s);
	lab_free(&t);
}
END_TEST

START_TEST(schema)
{
	struct sbuf out = { 0 };
	st_json_schema(&out);
	ck_assert_int_eq(strncmp(out.s, "{\"$schema\":\"http://json-schema.org/draft-04/schema#\",", 53), 0);
	ck_assert_uint_eq(out.len, 2783);
	ck_assert_str_eq(out.s + out.len - 3, "}}\n");
	free(out.s);
}
END_TEST

/* HAProxy's freq_ctr: the current second's count plus the previous
 * second's weighted by what is left of the current one. */
START_TEST(freq_ctr)
{
	struct ctr_freq f = { 0 };
	atomic_store(&f.tick, 10000);
	ck_assert_uint_eq(ctr_freq_add(&f, 1, 10000), 1);
	ck_assert_uint_eq(ctr_freq_add(&f, 1, 10100), 2);
	ck_assert_uint_eq(ctr_freq_add(&f, 3, 10999), 5);
	ck_assert_uint_eq(ctr_freq_read(&f, 10999), 5);
	/* next period: 5 events before, 2 now, a quarter gone */
	ck_assert_uint_eq(ctr_freq_add(&f, 2, 11250), 2);
	ck_assert_uint_eq(ctr_freq_read(&f, 11250), 2 + 5 * 750 / 1000);
	ck_assert_uint_eq(ctr_freq_read(&f, 11500), 2 + 5 * 500 / 1000);
	/* read in the period after: the last one's 2 events weighted */
	ck_assert_uint_eq(ctr_freq_read(&f, 12500), 2 * 500 / 1000);
	/* two periods later: nothing */
	ck_assert_uint_eq(ctr_freq_read(&f, 13001), 0);
	/* an event after a long silence starts afresh */
	ck_assert_uint_eq(ctr_freq_add(&f, 1, 20000), 1);
	ck_assert_uint_eq(ctr_freq_read(&f, 20000), 1);
	/* wrap-around of the 32-bit clock */
	struct ctr_freq g = { 0 };
	atomic_store(&g.tick, 0xfffffe00u);
	ck_assert_uint_eq(ctr_freq_add(&g, 4, 0xffffff00u), 4);
	ck_assert_uint_eq(ctr_freq_add(&g, 1, 0x00000100u), 5); /* same period */
	ck_assert_uint_eq(ctr_freq_add(&g, 1, 0x00000300u), 1); /* next one */
	ck_assert_uint_eq(ctr_freq_read(&g, 0x00000300u), 1 + 5 * 720 / 1000);
	atomic_uint m = 3;
	ctr_max(&m, 2);
	ck_assert_uint_eq(atomic_load(&m), 3);
	ctr_max(&m, 9);
	ck_assert_uint_eq(atomic_load(&m), 9);
}
END_TEST

/* HAProxy's swrate: a plain sum below the window, then sum - sum/n + v;
 * the average is rounded up. */
START_TEST(swrate)
{
	atomic_ullong s = 0;
	ctr_swrate_add(&s, 0, 10);
	ctr_swrate_add(&s, 0, 20);
	ck_assert_uint_eq(atomic_load(&s), 30);
	ck_assert_uint_eq(ctr_swrate_avg(30, 2), 15);
	ck_assert_uint_eq(ctr_swrate_avg(31, 2), 16);
	ck_assert_uint_eq(ctr_swrate_avg(0, 0), 0);
	atomic_store(&s, 1024 * 100);
	ctr_swrate_add(&s, 1024, 1124);
	ck_assert_uint_eq(atomic_load(&s), 1024 * 100 - 100 + 1124);
	ck_assert_uint_eq(ctr_swrate_avg(atomic_load(&s), 1024), 101);

	struct ctr_times t = { 0 };
	ctr_times_add(&t, 1, 0, 2, 0, 10);
	ctr_times_add(&t, 2, 1, 4, 0, 30);
	ck_assert_uint_eq(ctr_times_avg(atomic_load(&t.c), 2), 3);
	ck_assert_uint_eq(ctr_times_avg(atomic_load(&t.t), 2), 20);
	ck_assert_uint_eq(ctr_times_avg(atomic_load(&t.q), 2), 1);
	ck_assert_uint_eq(atomic_load(&t.t_max), 30);
	ck_assert_uint_eq(atomic_load(&t.c_max), 4);
	ck_assert_uint_eq(ctr_times_avg(0, 0), 0);
	/* a full window: the sum is a window of 1024 samples */
	ck_assert_uint_eq(ctr_times_avg(1024 * 7, 5000), 7);
}
END_TEST

/* Counters in rows, and what "clear counters [all]" keeps. */
START_TEST(clear_counters)
{
	struct lab t;
	lab_load(&t, lab_cfg);
	struct backend *b = engine_backend_by_name(&t.eng, "be1");
	struct frontend *fe = &t.eng.frontends[0];
	atomic_store(&fe->cum_sess, 7);
	atomic_store(&fe->conn_max, 3);
	atomic_store(&b->lbtot, 5);
	atomic_store(&b->conn_max, 2);
	atomic_store(&b->sc[0].lbtot, 5);
	atomic_store(&b->sc[0].conn_max, 2);
	struct st_row *row = xmalloc(sizeof(*row));
	struct st_cursor cur = { 0 };
	struct st_filter flt = { .iid = -1, .types = -1, .sid = -1 };
	ck_assert(st_next(&t.eng, &cur, &flt, row));
	ck_assert_uint_eq(row->f[ST_F_STOT].u, 7);
	ck_assert_uint_eq(row->f[ST_F_SMAX].u, 3);
	st_clear_counters(&t.eng, false);
	ck_assert_uint_eq(atomic_load(&fe->cum_sess), 7);
	ck_assert_uint_eq(atomic_load(&fe->conn_max), 0);
	ck_assert_uint_eq(atomic_load(&b->lbtot), 5);
	ck_assert_uint_eq(atomic_load(&b->sc[0].conn_max), 0);
	st_clear_counters(&t.eng, true);
	ck_assert_uint_eq(atomic_load(&fe->cum_sess), 0);
	ck_assert_uint_eq(atomic_load(&b->lbtot), 0);
	ck_assert_uint_eq(atomic_load(&b->sc[0].lbtot), 0);
	free(row);
	lab_free(&t);
}
END_TEST

/* The HTTP columns: the counter calls the HTTP engine makes for a mix
 * of requests (engine/counters.h), then the cells as haproxy 2.6.12
 * showed them after the same mix (its hrsp_* / req_tot / dresp /
 * intercepted / wrew / eint / reuse columns). */
static const char http_cfg[] =
    "defaults\n"
    "    mode http\n"
    "    timeout connect 1s\n"
    "    timeout client 10s\n"
    "    timeout server 10s\n"
    "frontend fh\n"
    "    bind 127.0.0.1:21020\n"
    "    default_backend be\n"
    "backend be\n"
    "    server s1 127.0.0.1:21001\n"
    "backend bempty\n";

static const char *
cell(struct lab *t, const char *px, const char *sv, enum st_field f)
{
	static char buf[64];
	struct st_filter flt = { .iid = -1, .types = -1, .sid = -1 };
	struct st_cursor cur = { 0 };
	struct st_row *row = xmalloc(sizeof(*row));
	buf[0] = 0;
	while (st_next(&t->eng, &cur, &flt, row)) {
		struct sbuf out = { 0 };
		st_csv_row(&out, row);
		static char c[ST_F_COUNT + 2][128];
		cells(out.s, c, ST_F_COUNT + 2);
		if (!strcmp(c[0], px) && !strcmp(c[1], sv))
			str_copy(buf, sizeof(buf), c[f]);
		free(out.s);
	}
	free(row);
	return buf;
}

START_TEST(http_counters)
{
	struct lab t;
	lab_load(&t, http_cfg);
	struct frontend *fe = &t.eng.frontends[0];
	struct backend *be = engine_backend_by_name(&t.eng, "be");
	struct backend *none = engine_backend_by_name(&t.eng, "bempty");
	struct srv_counters *sc = ctr_srv(be, &be->srvs[0]);
	ck_assert_ptr_nonnull(sc);
	/* GET / twice (the second on a kept connection): 200 from s1 */
	for (int i = 0; i < 2; i++) {
		ctr_http_srv_response(sc, 200);
		ctr_http_status(fe, be, 200);
	}
	ctr_http_event(NULL, be, sc, CTR_HTTP_REUSE);
	/* a redirect and a return made by the frontend's rules */
	ctr_http_event(fe, NULL, NULL, CTR_HTTP_INTERCEPTED);
	ctr_http_status(fe, NULL, 302);
	ctr_http_event(fe, NULL, NULL, CTR_HTTP_INTERCEPTED);
	ctr_http_status(fe, NULL, 201);
	/* no server in bempty: 503 */
	ctr_http_status(fe, none, 503);
	/* http-response deny on s1's 200: 502 */
	ctr_http_srv_response(sc, 200);
	ctr_http_event(fe, be, sc, CTR_HTTP_DENIED_RESP);
	ctr_http_status(fe, be, 502);
	/* a failed rewrite, an internal error */
	ctr_http_event(fe, be, sc, CTR_HTTP_FAILED_REWRITE);
	ctr_http_event(fe, be, sc, CTR_HTTP_INTERNAL_ERR);

	static const struct { const char *px, *sv; enum st_field f; const char *want; } w[] = {
		{ "fh", "FRONTEND", ST_F_HRSP_2XX, "3" }, { "fh", "FRONTEND", ST_F_HRSP_3XX, "1" },
		{ "fh", "FRONTEND", ST_F_HRSP_5XX, "2" }, { "fh", "FRONTEND", ST_F_INTERCEPTED, "2" },
		{ "fh", "FRONTEND", ST_F_DRESP, "1" }, { "fh", "FRONTEND", ST_F_WREW, "1" },
		{ "fh", "FRONTEND", ST_F_EINT, "1" },
		{ "be", "s1", ST_F_HRSP_2XX, "3" }, { "be", "s1", ST_F_HRSP_5XX, "0" },
		{ "be", "s1", ST_F_REQ_TOT, "3" }, { "be", "s1", ST_F_DRESP, "1" },
		{ "be", "s1", ST_F_REUSE, "1" }, { "be", "s1", ST_F_STOT, "1" },
		{ "be", "BACKEND", ST_F_HRSP_2XX, "2" }, { "be", "BACKEND", ST_F_HRSP_5XX, "1" },
		{ "be", "BACKEND", ST_F_INTERCEPTED, "" }, { "be", "BACKEND", ST_F_REUSE, "1" },
		{ "be", "BACKEND", ST_F_DRESP, "1" }, { "be", "BACKEND", ST_F_H1_TOTAL_STREAMS, "3" },
		{ "bempty", "BACKEND", ST_F_HRSP_5XX, "1" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(w); i++) {
		const char *got = cell(&t, w[i].px, w[i].sv, w[i].f);
		ck_assert_msg(strcmp(got, w[i].want) == 0, "%s/%s %s: got '%s', want '%s'", w[i].px,
		              w[i].sv, st_field_name(w[i].f), got, w[i].want);
	}
	st_clear_counters(&t.eng, true);
	ck_assert_str_eq(cell(&t, "be", "s1", ST_F_HRSP_2XX), "0");
	ck_assert_str_eq(cell(&t, "fh", "FRONTEND", ST_F_DRESP), "0");
	ck_assert_str_eq(cell(&t, "be", "BACKEND", ST_F_REUSE), "0");
	lab_free(&t);
}
END_TEST

Suite *suite_stat(void);

Suite *
suite_stat(void)
{
	Suite *s = suite_create("stat");
	TCase *tc = tcase_create("stat");
	tcase_add_test(tc, csv_header_exact);
	tcase_add_test(tc, lab_rows_match_haproxy);
	tcase_add_test(tc, filters);
	tcase_add_test(tc, typed_and_json);
	tcase_add_test(tc, csv_quotes);
	tcase_add_test(tc, info_fields);
	tcase_add_test(tc, schema);
	tcase_add_test(tc, freq_ctr);
	tcase_add_test(tc, swrate);
	tcase_add_test(tc, clear_counters);
	tcase_add_test(tc, http_counters);
	suite_add_tcase(s, tc);
	return s;
}
