/* Statistics rows from the engine's runtime state (stat.h): which cells
 * each object fills and which it leaves empty, as HAProxy 2.6.12's
 * stats_fill_fe_stats / stats_fill_sv_stats / stats_fill_be_stats
 * (observed whole lines, reference §3.6). Reads are racy snapshots of
 * atomics: no lock is taken but the rows stay consistent enough for
 * monitoring, as HAProxy's. */
#include "stats/stat.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/sni_stats.h"
#include "engine/lb.h"
#include "engine/listener.h"
#include "engine/server.h"
#include "engine/srv_cookie.h"
#include "engine/srv_state.h"
#include "parser/bind.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

void
st_set_num(struct st_row *row, enum st_field f, uint64_t v)
{
	struct st_val *x = &row->f[f];
	x->t = st_field_type(f);
	if (x->t == ST_V_S32 || x->t == ST_V_S64)
		x->s = (int64_t)v;
	else
		x->u = v;
}

void
st_set_str(struct st_row *row, enum st_field f, const char *s)
{
	size_t n = strlen(s) + 1;
	struct st_val *x = &row->f[f];
	x->t = ST_V_STR;
	if (row->strlen + n > sizeof(row->strbuf)) {
		x->str = "";
		return;
	}
	memcpy(row->strbuf + row->strlen, s, n);
	x->str = row->strbuf + row->strlen;
	row->strlen += n;
}

static void
row_init(struct st_row *row, enum st_obj obj, int iid, int sid)
{
	memset(row->f, 0, sizeof(row->f));
	row->strlen = 0;
	row->obj = obj;
	row->iid = iid;
	row->sid = sid;
}

/* Seconds since a monotonic stamp. */
static uint64_t
age_s(long long since, long long now)
{
	return since > 0 && now > since ? (uint64_t)((now - since) / 1000) : 0;
}

static void
set_common(struct st_row *row, const struct cfg_proxy *px, const char *svname,
           int type)
{
	st_set_str(row, ST_F_PXNAME, px->name);
	st_set_str(row, ST_F_SVNAME, svname);
	st_set_num(row, ST_F_PID, 1);
	st_set_num(row, ST_F_IID, (uint64_t)px->id);
	st_set_num(row, ST_F_SID, (uint64_t)row->sid);
	st_set_num(row, ST_F_TYPE, (uint64_t)type);
	st_set_str(row, ST_F_MODE, px->mode == PX_MODE_HTTP ? "http" : "tcp");
	st_set_num(row, ST_F_WREW, 0);
	st_set_num(row, ST_F_EINT, 0);
}

/* The ssl/h2/h1 module columns: FRONTEND and BACKEND rows fill all of
 * them (with zeros here: sluice has no TLS termination nor HTTP mux
 * yet), servers only the ssl ones. */
static void
set_modules(struct st_row *row, bool proxy_row)
{
	for (int f = ST_F_SSL_SESS; f < ST_F_COUNT; f++)
		if (proxy_row || f <= ST_F_SSL_FAILED_HANDSHAKE)
			st_set_num(row, (enum st_field)f, 0);
}

/* ---- frontend -------------------------------------------------------------- */

static void
fill_fe(struct engine *eng, struct frontend *fe, struct st_row *row)
{
	const struct cfg_proxy *px = fe->px;
	bool http = px->mode == PX_MODE_HTTP;
	uint32_t now = (uint32_t)now_ms();
	static const char *const state[] = { "OPEN", "PAUSED", "STOP" };
	int stt = atomic_load(&fe->state);

	row_init(row, ST_OBJ_FE, px->id, 0);
	set_common(row, px, "FRONTEND", ST_OBJ_FE);
	st_set_num(row, ST_F_SCUR, (uint64_t)atomic_load(&fe->cur_conn));
	st_set_num(row, ST_F_SMAX, atomic_load(&fe->conn_max));
	st_set_num(row, ST_F_SLIM, (uint64_t)fe->maxconn);
	st_set_num(row, ST_F_STOT, atomic_load(&fe->cum_sess));
	st_set_num(row, ST_F_BIN, atomic_load(&fe->bytes_in));
	st_set_num(row, ST_F_BOUT, atomic_load(&fe->bytes_out));
	st_set_num(row, ST_F_DREQ, atomic_load(&fe->denied_req));
	st_set_num(row, ST_F_DRESP, atomic_load(&fe->denied_resp));
	st_set_num(row, ST_F_EREQ, atomic_load(&fe->failed_req));
	st_set_num(row, ST_F_WREW, atomic_load(&fe->failed_rewrites));
	st_set_num(row, ST_F_EINT, atomic_load(&fe->internal_errors));
	st_set_str(row, ST_F_STATUS, state[stt >= 0 && stt <= 2 ? stt : 0]);
	st_set_num(row, ST_F_RATE, ctr_freq_read(&fe->sess_rate, now));
	st_set_num(row, ST_F_RATE_LIM, (uint64_t)px->rate_limit_sessions);
	st_set_num(row, ST_F_RATE_MAX, atomic_load(&fe->sps_max));
	if (http) {
		for (int i = 0; i < 6; i++)
			st_set_num(row, (enum st_field)(ST_F_HRSP_1XX + i),
			           atomic_load(&fe->http_rsp[i]));
		st_set_num(row, ST_F_INTERCEPTED, atomic_load(&fe->intercepted));
		st_set_num(row, ST_F_CACHE_LOOKUPS, 0);
		st_set_num(row, ST_F_CACHE_HITS, 0);
	}
	st_set_num(row, ST_F_REQ_RATE, http ? ctr_freq_read(&fe->req_rate, now) : 0);
	st_set_num(row, ST_F_REQ_RATE_MAX, http ? atomic_load(&fe->rps_max) : 0);
	st_set_num(row, ST_F_REQ_TOT, http ? atomic_load(&fe->http_req) : 0);
	for (int f = ST_F_COMP_IN; f <= ST_F_COMP_RSP; f++)
		st_set_num(row, (enum st_field)f, 0);
	st_set_num(row, ST_F_CONN_RATE, ctr_freq_read(&fe->conn_rate, now));
	st_set_num(row, ST_F_CONN_RATE_MAX, atomic_load(&fe->cps_max));
	st_set_num(row, ST_F_CONN_TOT, atomic_load(&fe->cum_conn));
	st_set_num(row, ST_F_DCON, atomic_load(&fe->denied_conn));
	st_set_num(row, ST_F_DSES, atomic_load(&fe->denied_sess));
	set_modules(row, true);
	/* TLS termination (engine/session_tls.c) */
	st_set_num(row, ST_F_SSL_SESS, atomic_load(&fe->ssl_sess));
	st_set_num(row, ST_F_SSL_REUSED_SESS, atomic_load(&fe->ssl_reused_sess));
	st_set_num(row, ST_F_SSL_FAILED_HANDSHAKE, atomic_load(&fe->ssl_failed_hs));
	if (http) {
		/* the HTTP/1 mux's totals: client connections, requests */
		st_set_num(row, ST_F_H1_OPEN_CONNECTIONS, (uint64_t)atomic_load(&fe->cur_conn));
		st_set_num(row, ST_F_H1_TOTAL_CONNECTIONS, atomic_load(&fe->cum_conn));
		st_set_num(row, ST_F_H1_TOTAL_STREAMS, atomic_load(&fe->http_req));
	}
	(void)eng;
}

/* ---- listeners ("option socket-stats") ------------------------------------ */

static bool
same_listener(const struct listener *a, const struct listener *b)
{
	return a->fe == b->fe && a->bind == b->bind &&
	       memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

/* The row of listener l (worker 0's) with the counters of its siblings
 * on the other threads; luid: its number in the frontend. */
static void
fill_li(struct engine *eng, struct listener *l, int luid, struct st_row *row, bool hide)
{
	const struct cfg_proxy *px = l->fe->px;
	unsigned long long cum = 0, bin = 0, bout = 0, dcon = 0, dses = 0, dreq = 0, ereq = 0;
	long long cur = 0;
	unsigned max = 0;
	bool waiting = false;
	char buf[300];

	for (int t = 0; t < eng->nthreads; t++) {
		struct worker *w = &eng->workers[t];
		for (size_t i = 0; i < w->listeners.n; i++) {
			struct listener *x = w->listeners.v[i];
			if (!same_listener(x, l))
				continue;
			cur += atomic_load(&x->cur_conn);
			max += atomic_load(&x->conn_max);
			cum += atomic_load(&x->cum_sess);
			bin += atomic_load(&x->bytes_in);
			bout += atomic_load(&x->bytes_out);
			dcon += atomic_load(&x->denied_conn);
			dses += atomic_load(&x->denied_sess);
			dreq += atomic_load(&x->denied_req);
			ereq += atomic_load(&x->failed_req);
			waiting |= x->paused;
		}
	}
	int id = l->bind->id > 0 ? l->bind->id : luid;
	row_init(row, ST_OBJ_LI, px->id, id);
	if (l->bind->name)
		snprintf(buf, sizeof(buf), "%s", l->bind->name);
	else
		snprintf(buf, sizeof(buf), "sock-%d", id);
	set_common(row, px, buf, ST_OBJ_LI);
	st_set_num(row, ST_F_SCUR, (uint64_t)(cur < 0 ? 0 : cur));
	st_set_num(row, ST_F_SMAX, max);
	st_set_num(row, ST_F_SLIM, (uint64_t)(l->bind->maxconn > 0 ? l->bind->maxconn : 0));
	st_set_num(row, ST_F_STOT, cum);
	st_set_num(row, ST_F_BIN, bin);
	st_set_num(row, ST_F_BOUT, bout);
	st_set_num(row, ST_F_DREQ, dreq);
	st_set_num(row, ST_F_DRESP, 0);
	st_set_num(row, ST_F_EREQ, ereq);
	st_set_str(row, ST_F_STATUS, waiting ? "WAITING" : "OPEN");
	st_set_num(row, ST_F_DCON, dcon);
	st_set_num(row, ST_F_DSES, dses);
	if (!hide) {
		char *name = listener_name(&l->addr);
		st_set_str(row, ST_F_ADDR, name);
		free(name);
	}
	for (int f = ST_F_SSL_SESS; f <= ST_F_SSL_FAILED_HANDSHAKE; f++)
		st_set_num(row, (enum st_field)f, 0);
}

/* ---- servers --------------------------------------------------------------- */

/* The server whose checks decide srv's state: the end of its "track"
 * chain (HAProxy's "ref"). */
static const struct srv_state *
track_ref(const struct srv_state *srv)
{
	const struct srv_state *ref = srv;
	for (int i = 0; ref->tracked && i < 64; i++)
		ref = ref->tracked;
	return ref;
}

/* Checks that run: configured and not stopped by "disable health" /
 * "disable agent" (stats/cmd_srv.c; HAProxy's CHK_ST_ENABLED): the
 * others show as not configured. */
static bool
chk_on(const struct srv_state *s)
{
	return s->checked && !atomic_load(&s->chk_disabled);
}

static bool
agt_on(const struct srv_state *s)
{
	return s->agent && !atomic_load(&s->agt_disabled);
}

/* HAProxy's stats status of a server (srv_hlt_st[] and the MAINT forms). */
static void
srv_status(const struct srv_state *srv, char *buf, size_t n)
{
	const struct srv_state *ref = track_ref(srv);
	int op = atomic_load(&srv->op);
	int rop = atomic_load(&ref->op);
	bool chk = chk_on(ref), agt = agt_on(ref);
	const struct srv_chk_state *c = &ref->chk;
	int a = rop != SRV_OP_DOWN ? c->health - c->rise + 1 : c->health;
	int b = rop != SRV_OP_DOWN ? c->fall : c->rise;

	if (srv->admf & SRV_ADMF_RMAINT) {
		snprintf(buf, n, "MAINT (resolution)");
	} else if ((srv->admf & SRV_ADMF_IMAINT) && srv->tracked) {
		const struct srv_state *v = srv->tracked;
		snprintf(buf, n, "MAINT (via %s/%s)", v->cfg->px->name, v->cfg->name);
	} else if (srv->admf & SRV_ADMF_MAINT) {
		snprintf(buf, n, "MAINT");
	} else if (op == SRV_OP_UP) {
		bool going_down = chk && c->health < c->rise + c->fall - 1;
		if (srv->admf & SRV_ADMF_DRAIN) {
			if (agt)
				snprintf(buf, n, "DRAIN (agent)");
			else if (going_down)
				snprintf(buf, n, "DRAIN %d/%d", a, b);
			else
				snprintf(buf, n, "DRAIN");
		} else if (going_down) {
			snprintf(buf, n, "UP %d/%d", a, b);
		} else {
			snprintf(buf, n, chk ? "UP" : "no check");
		}
	} else if (op == SRV_OP_STOPPING) {
		if ((!chk_on(srv) && !srv->tracked) || c->health == c->rise + c->fall - 1)
			snprintf(buf, n, "NOLB");
		else
			snprintf(buf, n, "NOLB %d/%d", a, b);
	} else {
		if (agt && ref->agt.health == 0)
			snprintf(buf, n, "DOWN (agent)");
		else if (chk && c->health == 0)
			snprintf(buf, n, "DOWN");
		else if (agt || chk)
			snprintf(buf, n, "DOWN %d/%d", a, b);
		else
			snprintf(buf, n, "DOWN");
	}
}

/* "127.0.0.1:80", "[::1]:80", "unix", as HAProxy's stats (no port when
 * the server has none). */
static void
addr_text(const struct cfg_addr *a, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN] = "";
	buf[0] = 0;
	if (a->kind == ADDR_UNIX || a->kind == ADDR_ABNS) {
		snprintf(buf, n, "unix");
		return;
	}
	if (a->kind != ADDR_INET)
		return;
	if (a->host && a->ss.ss_family != AF_INET && a->ss.ss_family != AF_INET6) {
		snprintf(buf, n, "%s", a->host);
		return;
	}
	bool v6 = a->ss.ss_family == AF_INET6;
	if (v6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, ip, sizeof(ip));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, ip, sizeof(ip));
	if (a->port_mode == ADDR_PORT_FIXED)
		snprintf(buf, n, v6 ? "[%s]:%u" : "%s:%u", ip, a->port_lo);
	else if (a->port_mode == ADDR_PORT_OFFSET)
		snprintf(buf, n, v6 ? "[%s]:%+d" : "%s:%+d", ip, a->port_off);
	else
		snprintf(buf, n, v6 ? "[%s]" : "%s", ip);
}

void
st_srv_addr(const struct srv_state *srv, char *text, size_t n, char *ip, size_t ipn,
            unsigned *port)
{
	const struct cfg_addr *a = &srv->cfg->addr;
	struct sockaddr_storage ss;
	bool port_set = false;
	char h[INET6_ADDRSTRLEN] = "";
	unsigned p = a->port_mode == ADDR_PORT_FIXED ? a->port_lo : 0;

	if (!srv_rt_addr(srv, &ss, &port_set)) {
		addr_text(a, text, n);
		if (ip) {
			str_copy(ip, ipn, "-");
			if (a->kind == ADDR_INET && a->ss.ss_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
				          ip, (socklen_t)ipn);
			else if (a->kind == ADDR_INET && a->ss.ss_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr,
				          ip, (socklen_t)ipn);
		}
		if (port)
			*port = p;
		return;
	}
	/* "set server ... addr": the new address, with the new port if one
	 * was given */
	bool v6 = ss.ss_family == AF_INET6;
	if (v6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, h, sizeof(h));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, h, sizeof(h));
	if (port_set)
		p = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
		             : ((struct sockaddr_in *)&ss)->sin_port);
	if (p || port_set)
		snprintf(text, n, v6 ? "[%s]:%u" : "%s:%u", h, p);
	else
		snprintf(text, n, v6 ? "[%s]" : "%s", h);
	if (ip)
		str_copy(ip, ipn, h);
	if (port)
		*port = p;
}

static bool
is_l7data(int st)
{
	return st == CHK_ST_L7OK || st == CHK_ST_L7OKC || st == CHK_ST_L7STS;
}

/* check_* or agent_* columns of one check (c): status, code, duration,
 * description. */
static void
set_check(struct st_row *row, const struct srv_chk_state *c, enum st_field status,
          enum st_field code, enum st_field dur, enum st_field desc, bool agent, bool running)
{
	char buf[64];
	const char *name = chk_status_name(c->status);
	/* HAProxy's "* " while a check of the server is running */
	snprintf(buf, sizeof(buf), "%s%s", running ? "* " : "", name);
	st_set_str(row, status, buf);
	/* HAProxy shows a code for the L5-7 statuses (an agent: its L7
	 * ones always, with 0) and a duration once a check ended */
	if (is_l7data(c->status))
		st_set_num(row, code, (uint64_t)(c->code < 0 ? 0 : c->code));
	if (c->status != CHK_ST_UNKNOWN && c->status != CHK_ST_INI)
		st_set_num(row, dur, (uint64_t)(c->duration_ms < 0 ? 0 : c->duration_ms));
	st_set_str(row, desc, chk_status_reason(c->status));
	(void)agent;
}

/* Sessions as the samples count of the time averages (HAProxy: lbtot
 * in TCP mode). */
static void
set_times(struct st_row *row, const struct ctr_times *t, unsigned long long n)
{
	st_set_num(row, ST_F_QTIME, ctr_times_avg(atomic_load(&t->q), n));
	st_set_num(row, ST_F_CTIME, ctr_times_avg(atomic_load(&t->c), n));
	st_set_num(row, ST_F_RTIME, ctr_times_avg(atomic_load(&t->d), n));
	st_set_num(row, ST_F_TTIME, ctr_times_avg(atomic_load(&t->t), n));
	st_set_num(row, ST_F_QTIME_MAX, atomic_load(&t->q_max));
	st_set_num(row, ST_F_CTIME_MAX, atomic_load(&t->c_max));
	st_set_num(row, ST_F_RTIME_MAX, atomic_load(&t->d_max));
	st_set_num(row, ST_F_TTIME_MAX, atomic_load(&t->t_max));
}

static void
fill_srv(struct engine *eng, struct backend *be, size_t i, struct st_row *row,
         bool hide)
{
	const struct cfg_proxy *px = be->px;
	struct srv_state *st = &be->srvs[i];
	struct srv_counters *sc = &be->sc[i];
	const struct cfg_server *c = st->cfg;
	bool http = px->mode == PX_MODE_HTTP;
	long long nowl = now_ms();
	uint32_t now = (uint32_t)nowl;
	char buf[300];

	srv_states_setup(eng, be);
	row_init(row, ST_OBJ_SRV, px->id, st->id);
	set_common(row, px, c->name, ST_OBJ_SRV);
	st_set_num(row, ST_F_QCUR, atomic_load(&st->queued));
	st_set_num(row, ST_F_QMAX, atomic_load(&sc->qmax));
	st_set_num(row, ST_F_SCUR, atomic_load(&st->cur_sess));
	st_set_num(row, ST_F_SMAX, atomic_load(&sc->conn_max));
	int maxconn = atomic_load(&st->maxconn_rt);
	maxconn = maxconn > 0 ? maxconn : maxconn < 0 ? 0 : c->maxconn;
	if (maxconn > 0)
		st_set_num(row, ST_F_SLIM, (uint64_t)maxconn);
	st_set_num(row, ST_F_STOT, atomic_load(&sc->cum_sess));
	st_set_num(row, ST_F_BIN, atomic_load(&sc->bytes_in));
	st_set_num(row, ST_F_BOUT, atomic_load(&sc->bytes_out));
	st_set_num(row, ST_F_DRESP, atomic_load(&sc->denied_resp));
	st_set_num(row, ST_F_WREW, atomic_load(&sc->failed_rewrites));
	st_set_num(row, ST_F_EINT, atomic_load(&sc->internal_errors));
	st_set_num(row, ST_F_ECON, atomic_load(&sc->econ));
	st_set_num(row, ST_F_ERESP, atomic_load(&sc->eresp));
	st_set_num(row, ST_F_WRETR, atomic_load(&sc->retries));
	st_set_num(row, ST_F_WREDIS, atomic_load(&sc->redisp));
	srv_status(st, buf, sizeof(buf));
	st_set_str(row, ST_F_STATUS, buf);
	int ew = srv_eff_weight(st), uw = atomic_load(&st->uweight);
	st_set_num(row, ST_F_WEIGHT, (uint64_t)ew);
	st_set_num(row, ST_F_UWEIGHT, (uint64_t)(uw < 0 ? 0 : uw));
	st_set_num(row, ST_F_ACT, c->backup ? 0 : 1);
	st_set_num(row, ST_F_BCK, c->backup ? 1 : 0);
	bool chk = chk_on(st), agt = agt_on(st);
	if (chk) {
		st_set_num(row, ST_F_CHKFAIL, st->chk.failed);
		st_set_num(row, ST_F_CHKDOWN, st->down_trans);
	}
	st_set_num(row, ST_F_LASTCHG, age_s(st->last_change_ms, nowl));
	if (chk) {
		long long down = st->down_ms;
		if (atomic_load(&st->op) == SRV_OP_DOWN && st->last_change_ms > 0)
			down += nowl - st->last_change_ms;
		st_set_num(row, ST_F_DOWNTIME, (uint64_t)(down / 1000));
	}
	if (c->maxqueue > 0)
		st_set_num(row, ST_F_QLIMIT, (uint64_t)c->maxqueue);
	int pm = atomic_load(&st->ramp_pm);
	/* HAProxy: while starting and not draining (a zero user weight
	 * counts as draining) */
	if (pm > 0 && pm < 1000 && atomic_load(&st->op) == SRV_OP_UP &&
	    !(st->admf & SRV_ADMF_DRAIN) && uw > 0)
		st_set_num(row, ST_F_THROTTLE, (uint64_t)((100 * ew + uw - 1) / uw));
	st_set_num(row, ST_F_LBTOT, atomic_load(&sc->lbtot));
	if (st->tracked) {
		snprintf(buf, sizeof(buf), "%s/%s", st->tracked->cfg->px->name,
		         st->tracked->cfg->name);
		st_set_str(row, ST_F_TRACKED, buf);
	}
	st_set_num(row, ST_F_RATE, ctr_freq_read(&sc->sess_rate, now));
	st_set_num(row, ST_F_RATE_MAX, atomic_load(&sc->sps_max));
	/* checks: shown while enabled, not in maintenance */
	bool maint = (st->admf & SRV_ADMF_MAINT) != 0;
	if (chk && !maint) {
		set_check(row, &st->chk, ST_F_CHECK_STATUS, ST_F_CHECK_CODE,
		          ST_F_CHECK_DURATION, ST_F_CHECK_DESC, false, atomic_load(&st->chk_running));
		if (st->chk.desc[0])
			st_set_str(row, ST_F_LAST_CHK, st->chk.desc);
	}
	if (chk) {
		st_set_num(row, ST_F_CHECK_RISE, (uint64_t)st->chk.rise);
		st_set_num(row, ST_F_CHECK_FALL, (uint64_t)st->chk.fall);
		st_set_num(row, ST_F_CHECK_HEALTH, (uint64_t)st->chk.health);
	}
	if (agt && !maint) {
		set_check(row, &st->agt, ST_F_AGENT_STATUS, ST_F_AGENT_CODE,
		          ST_F_AGENT_DURATION, ST_F_AGENT_DESC, true, atomic_load(&st->agt_running));
		if (st->agt.desc[0])
			st_set_str(row, ST_F_LAST_AGT, st->agt.desc);
	}
	if (agt) {
		st_set_num(row, ST_F_AGENT_RISE, (uint64_t)st->agt.rise);
		st_set_num(row, ST_F_AGENT_FALL, (uint64_t)st->agt.fall);
		st_set_num(row, ST_F_AGENT_HEALTH, (uint64_t)st->agt.health);
	}
	if (http) {
		/* the responses the server sent (ctr_http_srv_response) */
		for (int f = ST_F_HRSP_1XX; f <= ST_F_HRSP_OTHER; f++)
			st_set_num(row, (enum st_field)f,
			           atomic_load(&sc->http_rsp[f - ST_F_HRSP_1XX]));
		st_set_num(row, ST_F_REQ_TOT, atomic_load(&sc->http_req));
	}
	if (c->observe != SRV_OBS_NONE)
		st_set_num(row, ST_F_HANAFAIL, st->failed_hana);
	st_set_num(row, ST_F_CLI_ABRT, atomic_load(&sc->cli_abrt));
	st_set_num(row, ST_F_SRV_ABRT, atomic_load(&sc->srv_abrt));
	long long ls = atomic_load(&sc->last_sess_ms);
	st_set_num(row, ST_F_LASTSESS, ls > 0 ? (uint64_t)((nowl - ls) / 1000) : (uint64_t)-1);
	set_times(row, &sc->times, atomic_load(&sc->lbtot));
	if (!hide) {
		st_srv_addr(st, buf, sizeof(buf), NULL, 0, NULL);
		st_set_str(row, ST_F_ADDR, buf);
		const char *ck = srv_cookie_get(st);
		if (ck)
			st_set_str(row, ST_F_COOKIE, ck);
	}
	st_set_num(row, ST_F_CONNECT, atomic_load(&sc->connect));
	st_set_num(row, ST_F_REUSE, atomic_load(&sc->reuse));
	st_set_num(row, ST_F_SRV_ICUR, 0);
	if (c->pool_max_conn >= 0)
		st_set_num(row, ST_F_SRC_ILIM, (uint64_t)c->pool_max_conn);
	st_set_num(row, ST_F_IDLE_CONN_CUR, 0);
	st_set_num(row, ST_F_SAFE_CONN_CUR, 0);
	st_set_num(row, ST_F_USED_CONN_CUR, atomic_load(&st->cur_sess));
	/* HAProxy's estimate follows the connections used, health checks
	 * included (observed: 1 for any checked server) */
	unsigned need = atomic_load(&sc->conn_max);
	if (need == 0 && (st->checked || st->agent) && !maint)
		need = 1;
	st_set_num(row, ST_F_NEED_CONN_EST, need);
	set_modules(row, false);
	/* "server ... ssl" (engine/session_tls.c) */
	st_set_num(row, ST_F_SSL_SESS, atomic_load(&sc->ssl_sess));
	st_set_num(row, ST_F_SSL_REUSED_SESS, atomic_load(&sc->ssl_reused_sess));
	st_set_num(row, ST_F_SSL_FAILED_HANDSHAKE, atomic_load(&sc->ssl_failed_hs));
}

/* ---- backend --------------------------------------------------------------- */

/* HAProxy's default fullconn: a tenth of the maxconn of the frontends
 * that can reach the backend (rounded up). */
static long long
be_fullconn(struct engine *eng, const struct cfg_proxy *px)
{
	if (px->fullconn > 0)
		return px->fullconn;
	long long sum = 0;
	for (size_t i = 0; i < eng->nfrontends; i++) {
		const struct frontend *fe = &eng->frontends[i];
		const struct cfg_proxy *f = fe->px;
		bool uses = f == px || f->default_be == px;
		for (size_t k = 0; !uses && k < f->use_backends.n; k++)
			uses = f->use_backends.v[k]->be == px;
		if (uses)
			sum += fe->maxconn;
	}
	return (sum + 9) / 10;
}

static bool
srv_usable(const struct srv_state *s)
{
	return atomic_load(&s->op) == SRV_OP_UP && atomic_load(&s->admin) == SRV_ADMIN_READY;
}

static void
fill_be(struct engine *eng, struct backend *be, struct st_row *row, bool hide)
{
	const struct cfg_proxy *px = be->px;
	bool http = px->mode == PX_MODE_HTTP;
	long long nowl = now_ms();
	uint32_t now = (uint32_t)nowl;

	srv_states_setup(eng, be);
	row_init(row, ST_OBJ_BE, px->id, 0);
	set_common(row, px, "BACKEND", ST_OBJ_BE);
	st_set_num(row, ST_F_QCUR, (uint64_t)atomic_load(&be->qcur));
	st_set_num(row, ST_F_QMAX, (uint64_t)be->qmax);
	st_set_num(row, ST_F_SCUR, (uint64_t)atomic_load(&be->cur_conn));
	st_set_num(row, ST_F_SMAX, atomic_load(&be->conn_max));
	st_set_num(row, ST_F_SLIM, (uint64_t)be_fullconn(eng, px));
	st_set_num(row, ST_F_STOT, atomic_load(&be->cum_conn));
	st_set_num(row, ST_F_BIN, atomic_load(&be->bytes_in));
	st_set_num(row, ST_F_BOUT, atomic_load(&be->bytes_out));
	st_set_num(row, ST_F_DREQ, atomic_load(&be->denied_req));
	st_set_num(row, ST_F_DRESP, atomic_load(&be->denied_resp));
	st_set_num(row, ST_F_WREW, atomic_load(&be->failed_rewrites));
	st_set_num(row, ST_F_EINT, atomic_load(&be->internal_errors));
	st_set_num(row, ST_F_ECON, atomic_load(&be->econ));
	st_set_num(row, ST_F_ERESP, atomic_load(&be->eresp));
	st_set_num(row, ST_F_WRETR, atomic_load(&be->retries));
	st_set_num(row, ST_F_WREDIS, atomic_load(&be->redisp));

	/* HAProxy's lbprm: the active servers' weights, or the backups'
	 * when no active server is usable (the first one only unless
	 * "option allbackups") */
	unsigned long long w_act = 0, w_bck = 0, uw_act = 0, uw_bck = 0, first_bck = 0, first_ubck = 0;
	int act = 0, bck = 0;
	bool have_first = false;
	for (size_t i = 0; i < be->nsrv; i++) {
		const struct srv_state *s = &be->srvs[i];
		int ew = srv_eff_weight(s);
		if (!srv_usable(s) || ew <= 0)
			continue;
		if (s->cfg->backup) {
			bck++;
			w_bck += (unsigned)ew;
			uw_bck += (unsigned)atomic_load(&s->uweight);
			if (!have_first) {
				first_bck = (unsigned)ew;
				first_ubck = (unsigned)atomic_load(&s->uweight);
				have_first = true;
			}
		} else {
			act++;
			w_act += (unsigned)ew;
			uw_act += (unsigned)atomic_load(&s->uweight);
		}
	}
	unsigned long long w = w_act, uw = uw_act;
	if (act == 0) {
		bool all = PX_OPT(px, PXO_ALLBACKUPS);
		w = all ? w_bck : first_bck;
		uw = all ? uw_bck : first_ubck;
	}
	st_set_str(row, ST_F_STATUS, (w > 0 || be->nsrv == 0) ? "UP" : "DOWN");
	st_set_num(row, ST_F_WEIGHT, w);
	st_set_num(row, ST_F_UWEIGHT, uw);
	st_set_num(row, ST_F_ACT, (uint64_t)act);
	st_set_num(row, ST_F_BCK, (uint64_t)bck);
	st_set_num(row, ST_F_CHKDOWN, be->down_trans);
	st_set_num(row, ST_F_LASTCHG, age_s(be->last_change_ms, nowl));
	long long down = be->down_ms;
	if (be->st_down)
		down += nowl - be->last_change_ms;
	st_set_num(row, ST_F_DOWNTIME, (uint64_t)(down / 1000));
	st_set_num(row, ST_F_LBTOT, atomic_load(&be->lbtot));
	st_set_num(row, ST_F_RATE, ctr_freq_read(&be->sess_rate, now));
	st_set_num(row, ST_F_RATE_MAX, atomic_load(&be->sps_max));
	if (http) {
		for (int f = ST_F_HRSP_1XX; f <= ST_F_HRSP_OTHER; f++)
			st_set_num(row, (enum st_field)f,
			           atomic_load(&be->http_rsp[f - ST_F_HRSP_1XX]));
		st_set_num(row, ST_F_REQ_TOT, atomic_load(&be->cum_conn));
		/* HAProxy leaves the backend's "intercepted" cell empty */
		st_set_num(row, ST_F_CACHE_LOOKUPS, 0);
		st_set_num(row, ST_F_CACHE_HITS, 0);
	}
	st_set_num(row, ST_F_CLI_ABRT, atomic_load(&be->cli_abrt));
	st_set_num(row, ST_F_SRV_ABRT, atomic_load(&be->srv_abrt));
	for (int f = ST_F_COMP_IN; f <= ST_F_COMP_RSP; f++)
		st_set_num(row, (enum st_field)f, 0);
	long long ls = atomic_load(&be->last_sess_ms);
	st_set_num(row, ST_F_LASTSESS, ls > 0 ? (uint64_t)((nowl - ls) / 1000) : (uint64_t)-1);
	set_times(row, &be->times, atomic_load(&be->lbtot));
	if (!hide) {
		if (px->cookie && px->cookie->name)
			st_set_str(row, ST_F_COOKIE, px->cookie->name);
		st_set_str(row, ST_F_ALGO, lb_algo_name(be->lb));
	}
	st_set_num(row, ST_F_CONNECT, atomic_load(&be->connect));
	st_set_num(row, ST_F_REUSE, atomic_load(&be->reuse));
	st_set_num(row, ST_F_AGG_SERVER_STATUS, 0);
	st_set_num(row, ST_F_AGG_SERVER_CHECK_STATUS, 0);
	st_set_num(row, ST_F_AGG_CHECK_STATUS, 0);
	set_modules(row, true);
	uint64_t ssl_new = 0, ssl_reused = 0, ssl_failed = 0;
	for (size_t i = 0; i < be->nsrv; i++) {
		ssl_new += atomic_load(&be->sc[i].ssl_sess);
		ssl_reused += atomic_load(&be->sc[i].ssl_reused_sess);
		ssl_failed += atomic_load(&be->sc[i].ssl_failed_hs);
	}
	st_set_num(row, ST_F_SSL_SESS, ssl_new);
	st_set_num(row, ST_F_SSL_REUSED_SESS, ssl_reused);
	st_set_num(row, ST_F_SSL_FAILED_HANDSHAKE, ssl_failed);
	if (http) {
		/* server connections made, requests */
		st_set_num(row, ST_F_H1_TOTAL_CONNECTIONS, atomic_load(&be->connect));
		uint64_t sent = 0;
		for (size_t i = 0; i < be->nsrv; i++)
			sent += atomic_load(&be->sc[i].http_req);
		st_set_num(row, ST_F_H1_TOTAL_STREAMS, sent);
	}
}

/* ---- the walk ---------------------------------------------------------------- */

/* "up": servers UP, or going up, or without checks; never maintenance
 * (HAProxy's STAT_HIDE_DOWN). */
static bool
srv_hidden(const struct srv_state *st, const struct st_filter *flt)
{
	bool maint = (st->admf & SRV_ADMF_MAINT) != 0;
	if (flt->no_maint && maint)
		return true;
	if (!flt->up)
		return false;
	if (maint)
		return true;
	const struct srv_state *ref = track_ref(st);
	if (atomic_load(&st->op) != SRV_OP_DOWN)
		return false;
	return (!chk_on(ref) && !agt_on(ref)) || (agt_on(ref) && ref->agt.health == 0) ||
	       (chk_on(ref) && ref->chk.health == 0);
}

enum { PH_FE, PH_LI, PH_SRV, PH_BE, PH_NEXT };

bool
st_next(struct engine *eng, struct st_cursor *cur, const struct st_filter *flt,
        struct st_row *row)
{
	const struct cfg *cfg = eng->cfg;
	while (cur->px < cfg->proxies.n) {
		const struct cfg_proxy *px = cfg->proxies.v[cur->px];
		/* HAProxy leaves "disabled" proxies out of the dump */
		bool px_ok = (flt->iid < 0 || flt->iid == px->id) && !px->disabled;
		int types = flt->types;
		switch (cur->phase) {
		case PH_FE:
			cur->phase = PH_LI;
			cur->sub = 0;
			if (px_ok && (px->cap & PX_CAP_FE) && (types & 1)) {
				struct frontend *fe = engine_frontend(eng, px);
				if (fe) {
					fill_fe(eng, fe, row);
					return true;
				}
			}
			break;
		case PH_LI: {
			/* worker 0 has every listener (UNIX ones only there) */
			struct frontend *fe = (px->cap & PX_CAP_FE) ? engine_frontend(eng, px) : NULL;
			struct worker *w0 = eng->workers && eng->nthreads > 0 ? &eng->workers[0] : NULL;
			if (!px_ok || fe == NULL || w0 == NULL || !(types & 8) ||
			    !PX_OPT(px, PXO_SOCKET_STATS) || cur->sub >= w0->listeners.n) {
				cur->phase = PH_SRV;
				cur->sub = 0;
				break;
			}
			size_t i = cur->sub++;
			struct listener *l = w0->listeners.v[i];
			if (l->fe != fe)
				break;
			int luid = 0;
			for (size_t k = 0; k <= i; k++)
				if (w0->listeners.v[k]->fe == fe)
					luid++;
			if (flt->sid >= 0 && (l->bind->id > 0 ? l->bind->id : luid) != flt->sid)
				break;
			fill_li(eng, l, luid, row, flt->hide_priv);
			return true;
		}
		case PH_SRV: {
			struct backend *be = (px->cap & PX_CAP_BE) ? engine_backend(eng, px) : NULL;
			if (!px_ok || be == NULL || !(types & 4) || cur->sub >= be->nsrv) {
				cur->phase = PH_BE;
				break;
			}
			size_t i = cur->sub++;
			srv_states_setup(eng, be);
			if (flt->sid >= 0 && be->srvs[i].id != flt->sid)
				break;
			if (srv_hidden(&be->srvs[i], flt))
				break;
			fill_srv(eng, be, i, row, flt->hide_priv);
			return true;
		}
		case PH_BE:
			cur->phase = PH_NEXT;
			if (px_ok && (px->cap & PX_CAP_BE) && (types & 2)) {
				struct backend *be = engine_backend(eng, px);
				if (be) {
					fill_be(eng, be, row, flt->hide_priv);
					return true;
				}
			}
			break;
		default:
			cur->phase = PH_FE;
			cur->px++;
			break;
		}
	}
	return false;
}

/* ---- clear counters ------------------------------------------------------------ */

static void
clear_times(struct ctr_times *t, bool all)
{
	atomic_store(&t->q_max, 0);
	atomic_store(&t->c_max, 0);
	atomic_store(&t->d_max, 0);
	atomic_store(&t->t_max, 0);
	if (all) {
		atomic_store(&t->q, 0);
		atomic_store(&t->c, 0);
		atomic_store(&t->d, 0);
		atomic_store(&t->t, 0);
	}
}

static void
clear_listener(struct listener *l, bool all)
{
	atomic_store(&l->conn_max, 0);
	if (!all)
		return;
	atomic_store(&l->cum_sess, 0);
	atomic_store(&l->bytes_in, 0);
	atomic_store(&l->bytes_out, 0);
	atomic_store(&l->denied_conn, 0);
	atomic_store(&l->denied_sess, 0);
	atomic_store(&l->denied_req, 0);
	atomic_store(&l->failed_req, 0);
}

/* As HAProxy's "clear counters": maxima of every object and of the
 * process (MaxConnRate, MaxSessRate); "all" also every cumulated
 * counter (current values such as scur stay). */
void
st_clear_counters(struct engine *eng, bool all)
{
	atomic_store(&eng->cps_max, 0);
	atomic_store(&eng->sps_max, 0);
	for (int t = 0; eng->workers && t < eng->nthreads; t++)
		for (size_t i = 0; i < eng->workers[t].listeners.n; i++)
			clear_listener(eng->workers[t].listeners.v[i], all);
	for (size_t i = 0; i < eng->nfrontends; i++) {
		struct frontend *fe = &eng->frontends[i];
		atomic_store(&fe->conn_max, 0);
		atomic_store(&fe->sps_max, 0);
		atomic_store(&fe->cps_max, 0);
		atomic_store(&fe->rps_max, 0);
		if (!all)
			continue;
		atomic_store(&fe->cum_conn, 0);
		atomic_store(&fe->cum_sess, 0);
		atomic_store(&fe->denied_conn, 0);
		atomic_store(&fe->denied_sess, 0);
		atomic_store(&fe->denied_req, 0);
		atomic_store(&fe->failed_req, 0);
		atomic_store(&fe->bytes_in, 0);
		atomic_store(&fe->bytes_out, 0);
		atomic_store(&fe->http_req, 0);
		atomic_store(&fe->intercepted, 0);
		atomic_store(&fe->denied_resp, 0);
		atomic_store(&fe->failed_rewrites, 0);
		atomic_store(&fe->internal_errors, 0);
		for (int k = 0; k < 6; k++)
			atomic_store(&fe->http_rsp[k], 0);
		if (fe->sni)
			sni_stats_clear(fe->sni); /* show sni */
	}
	for (size_t i = 0; i < eng->nbackends; i++) {
		struct backend *be = eng->backends[i];
		atomic_store(&be->conn_max, 0);
		atomic_store(&be->sps_max, 0);
		be->qmax = 0;
		clear_times(&be->times, all);
		if (all) {
			atomic_store(&be->cum_conn, 0);
			atomic_store(&be->bytes_in, 0);
			atomic_store(&be->bytes_out, 0);
			atomic_store(&be->econ, 0);
			atomic_store(&be->retries, 0);
			atomic_store(&be->redisp, 0);
			atomic_store(&be->denied, 0);
			atomic_store(&be->denied_req, 0);
			atomic_store(&be->lbtot, 0);
			atomic_store(&be->connect, 0);
			atomic_store(&be->cli_abrt, 0);
			atomic_store(&be->srv_abrt, 0);
			atomic_store(&be->eresp, 0);
			atomic_store(&be->last_sess_ms, 0);
			atomic_store(&be->intercepted, 0);
			atomic_store(&be->denied_resp, 0);
			atomic_store(&be->failed_rewrites, 0);
			atomic_store(&be->internal_errors, 0);
			atomic_store(&be->reuse, 0);
			for (int k = 0; k < 6; k++)
				atomic_store(&be->http_rsp[k], 0);
			srv_clear_counters(be);
		}
		for (size_t k = 0; k < be->nsrv; k++) {
			struct srv_counters *sc = &be->sc[k];
			atomic_store(&sc->conn_max, 0);
			atomic_store(&sc->qmax, 0);
			atomic_store(&sc->sps_max, 0);
			clear_times(&sc->times, all);
			if (!all)
				continue;
			atomic_store(&sc->cum_sess, 0);
			atomic_store(&sc->econ, 0);
			atomic_store(&sc->retries, 0);
			atomic_store(&sc->redisp, 0);
			atomic_store(&sc->bytes_in, 0);
			atomic_store(&sc->bytes_out, 0);
			atomic_store(&sc->lbtot, 0);
			atomic_store(&sc->connect, 0);
			atomic_store(&sc->cli_abrt, 0);
			atomic_store(&sc->srv_abrt, 0);
			atomic_store(&sc->eresp, 0);
			atomic_store(&sc->last_sess_ms, 0);
			atomic_store(&sc->http_req, 0);
			atomic_store(&sc->denied_resp, 0);
			atomic_store(&sc->failed_rewrites, 0);
			atomic_store(&sc->internal_errors, 0);
			atomic_store(&sc->reuse, 0);
			for (int c = 0; c < 6; c++)
				atomic_store(&sc->http_rsp[c], 0);
		}
	}
}
