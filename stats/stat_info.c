/* "show info" values (reference §3.5): HAProxy's fields in HAProxy's
 * positions, with sluice's own name, version and numbers. Fields that
 * only exist in some HAProxy builds (ZlibMemUsage) or that are unset
 * (description) stay empty and are omitted, as HAProxy does. Pool,
 * SSL, compression and peer fields are 0: sluice has none of these
 * (doc/compatibility.md). */
#include "stats/stat.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/proc.h"
#include "parser/cfg.h"
#include "parser/global.h"
#include "stats/cli_int.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0.0.0"
#endif
/* HAProxy prints the date of its sources; ours, set at release time. */
#ifndef SLUICE_RELEASE_DATE
#define SLUICE_RELEASE_DATE "2026/11/27"
#endif

enum {
	I_NAME, I_VERSION, I_RELEASE_DATE, I_NBTHREAD, I_NBPROC, I_PROCESS_NUM,
	I_PID, I_UPTIME, I_UPTIME_SEC, I_MEMMAX_MB, I_POOL_ALLOC_MB, I_POOL_USED_MB,
	I_POOL_FAILED, I_ULIMIT_N, I_MAXSOCK, I_MAXCONN, I_HARD_MAXCONN, I_CURR_CONN,
	I_CUM_CONN, I_CUM_REQ, I_MAX_SSL_CONNS, I_CURR_SSL_CONNS, I_CUM_SSL_CONNS,
	I_MAXPIPES, I_PIPES_USED, I_PIPES_FREE, I_CONN_RATE, I_CONN_RATE_LIMIT,
	I_MAX_CONN_RATE, I_SESS_RATE, I_SESS_RATE_LIMIT, I_MAX_SESS_RATE, I_SSL_RATE,
	I_SSL_RATE_LIMIT, I_MAX_SSL_RATE, I_SSL_FRONTEND_KEY_RATE,
	I_SSL_FRONTEND_MAX_KEY_RATE, I_SSL_FRONTEND_SESSION_REUSE_PCT,
	I_SSL_BACKEND_KEY_RATE, I_SSL_BACKEND_MAX_KEY_RATE, I_SSL_CACHE_LOOKUPS,
	I_SSL_CACHE_MISSES, I_COMPRESS_BPS_IN, I_COMPRESS_BPS_OUT,
	I_COMPRESS_BPS_RATE_LIM, I_ZLIB_MEM_USAGE, I_MAX_ZLIB_MEM_USAGE, I_TASKS,
	I_RUN_QUEUE, I_IDLE_PCT, I_NODE, I_DESCRIPTION, I_STOPPING, I_JOBS,
	I_UNSTOPPABLE_JOBS, I_LISTENERS, I_ACTIVE_PEERS, I_CONNECTED_PEERS,
	I_DROPPED_LOGS, I_BUSY_POLLING, I_FAILED_RESOLUTIONS, I_TOTAL_BYTES_OUT,
	I_TOTAL_SPLICED_BYTES_OUT, I_BYTES_OUT_RATE, I_DEBUG_COMMANDS_ISSUED,
	I_CUM_RECV_LOGS, I_BUILD_INFO, I_MEMMAX_BYTES, I_POOL_ALLOC_BYTES,
	I_POOL_USED_BYTES, I_START_TIME_SEC, I_TAINTED, I_COUNT
};

_Static_assert(I_COUNT == ST_INFO_COUNT, "show info fields");

static void
set_u(struct st_info_row *r, int i, enum st_vtype t, uint64_t v)
{
	r->f[i].t = t;
	r->f[i].u = v;
}

static void
set_s(struct st_info_row *r, int i, const char *s)
{
	size_t n = strlen(s) + 1;
	r->f[i].t = ST_V_STR;
	if (r->strlen + n > sizeof(r->strbuf)) {
		r->f[i].str = "";
		return;
	}
	memcpy(r->strbuf + r->strlen, s, n);
	r->f[i].str = r->strbuf + r->strlen;
	r->strlen += n;
}

void
st_info_fill(struct engine *eng, struct st_info_row *r)
{
	const struct cfg_global *g = eng->cfg->global;
	long long now = now_ms();
	long long up_ms = now - eng->start_ms;
	unsigned up = (unsigned)(up_ms > 0 ? up_ms / 1000 : 0);
	uint32_t t32 = (uint32_t)now;
	char buf[256];

	memset(r->f, 0, sizeof(r->f));
	r->strlen = 0;
	/* most fields are u32 zeros: fill them, then the real values */
	for (int i = 0; i < I_COUNT; i++)
		set_u(r, i, ST_V_U32, 0);
	r->f[I_ZLIB_MEM_USAGE].t = ST_V_EMPTY;
	r->f[I_MAX_ZLIB_MEM_USAGE].t = ST_V_EMPTY;

	set_s(r, I_NAME, "sluice");
	set_s(r, I_VERSION, SLUICE_VERSION);
	set_s(r, I_RELEASE_DATE, SLUICE_RELEASE_DATE);
	set_u(r, I_NBTHREAD, ST_V_U32, (uint64_t)eng->nthreads);
	set_u(r, I_NBPROC, ST_V_U32, 1);
	set_u(r, I_PROCESS_NUM, ST_V_U32, 1);
	set_u(r, I_PID, ST_V_U32, (uint64_t)getpid());
	snprintf(buf, sizeof(buf), "%ud %uh%02um%02us", up / 86400, (up % 86400) / 3600,
	         (up % 3600) / 60, up % 60);
	set_s(r, I_UPTIME, buf);
	set_u(r, I_UPTIME_SEC, ST_V_U32, up);
	/* as HAProxy: Maxsock is what maxconn needs (proc_set_limits), and
	 * Ulimit-n the limit asked for ('ulimit-n', else Maxsock), or the
	 * process's limit when that is lower (it could not be raised) */
	struct rlimit rl;
	uint64_t maxsock = (uint64_t)eng->maxconn * 2 + (uint64_t)proc_fd_overhead(eng->cfg);
	uint64_t nofile = g->ulimit_n > 0 ? (uint64_t)g->ulimit_n : maxsock;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (uint64_t)rl.rlim_cur < nofile)
		nofile = (uint64_t)rl.rlim_cur;
	set_u(r, I_ULIMIT_N, ST_V_U32, nofile);
	set_u(r, I_MAXSOCK, ST_V_U32, maxsock);
	set_u(r, I_MAXCONN, ST_V_U32, (uint64_t)eng->maxconn);
	set_u(r, I_HARD_MAXCONN, ST_V_U32, (uint64_t)(eng->hard_maxconn ? eng->hard_maxconn : eng->maxconn));
	set_u(r, I_CURR_CONN, ST_V_U32, (uint64_t)atomic_load(&eng->cur_conn));

	unsigned long long conns = 0, reqs = 0, out = 0;
	for (size_t i = 0; i < eng->nfrontends; i++) {
		struct frontend *fe = &eng->frontends[i];
		conns += atomic_load(&fe->cum_conn);
		reqs += atomic_load(&fe->cum_sess);
		out += atomic_load(&fe->bytes_out);
	}
	for (size_t i = 0; i < eng->nbackends; i++)
		out += atomic_load(&eng->backends[i]->bytes_in);
	/* HAProxy counts a stats socket connection (one per connection,
	 * whatever the number of commands) in CumConns and CumReq, not in
	 * CurrConns nor the rates */
	unsigned long long cli_conns = atomic_load(&cli_activity.accepted);
	conns += cli_conns;
	reqs += cli_conns;
	set_u(r, I_CUM_CONN, ST_V_U32, conns);
	set_u(r, I_CUM_REQ, ST_V_U32, reqs);
	set_u(r, I_MAXPIPES, ST_V_U32, (uint64_t)(g->maxpipes > 0 ? g->maxpipes : 0));
	set_u(r, I_CONN_RATE, ST_V_U32, ctr_freq_read(&eng->conn_rate, t32));
	set_u(r, I_CONN_RATE_LIMIT, ST_V_U32, (uint64_t)atomic_load(&eng->conn_rate_lim));
	set_u(r, I_MAX_CONN_RATE, ST_V_U32, atomic_load(&eng->cps_max));
	set_u(r, I_SESS_RATE, ST_V_U32, ctr_freq_read(&eng->sess_rate, t32));
	set_u(r, I_SESS_RATE_LIMIT, ST_V_U32, (uint64_t)atomic_load(&eng->sess_rate_lim));
	set_u(r, I_MAX_SESS_RATE, ST_V_U32, atomic_load(&eng->sps_max));
	set_u(r, I_SSL_RATE_LIMIT, ST_V_U32, (uint64_t)(g->maxsslrate > 0 ? g->maxsslrate : 0));
	set_u(r, I_MAX_SSL_CONNS, ST_V_U32, (uint64_t)(g->maxsslconn > 0 ? g->maxsslconn : 0));

	unsigned long long nsess = 0, nlisten = 0;
	for (int t = 0; eng->workers && t < eng->nthreads; t++)
		nsess += (unsigned)eng->workers[t].nsess;
	if (eng->workers)
		nlisten = eng->workers[0].listeners.n;
	nlisten += g->stats_sockets.n;
	bool master = atomic_load(&cli_activity.master);
	if (master)
		nlisten++;
	set_u(r, I_TASKS, ST_V_U32, nsess + nlisten);
	set_u(r, I_IDLE_PCT, ST_V_U32, 100);
	if (g->node && *g->node) {
		set_s(r, I_NODE, g->node);
	} else {
		if (gethostname(buf, sizeof(buf)) != 0)
			buf[0] = 0;
		buf[sizeof(buf) - 1] = 0;
		set_s(r, I_NODE, buf);
	}
	if (g->description && *g->description)
		set_s(r, I_DESCRIPTION, g->description);
	else
		r->f[I_DESCRIPTION].t = ST_V_EMPTY;
	set_u(r, I_STOPPING, ST_V_U32, eng->stopping ? 1 : 0);
	/* Jobs: sessions, listeners and open CLI connections, as HAProxy */
	set_u(r, I_JOBS, ST_V_U32, (uint64_t)atomic_load(&eng->cur_conn) + nlisten +
	      (uint64_t)atomic_load(&cli_activity.cur));
	set_u(r, I_LISTENERS, ST_V_U32, nlisten);
	set_u(r, I_UNSTOPPABLE_JOBS, ST_V_U32, master ? 1 : 0);
	set_u(r, I_TOTAL_BYTES_OUT, ST_V_U64, out);
	set_u(r, I_TOTAL_SPLICED_BYTES_OUT, ST_V_U64, 0);
	set_u(r, I_BYTES_OUT_RATE, ST_V_U64, 0);
	set_s(r, I_BUILD_INFO, SLUICE_VERSION);
	set_u(r, I_POOL_ALLOC_BYTES, ST_V_U64, 0);
	set_u(r, I_POOL_USED_BYTES, ST_V_U64, 0);
	set_u(r, I_START_TIME_SEC, ST_V_U32, (uint64_t)(time(NULL) - (time_t)up));
	set_s(r, I_TAINTED, "0");
}

void
st_info(struct engine *eng, struct sbuf *out, enum st_info_fmt fmt, bool desc)
{
	struct st_info_row r;
	st_info_fill(eng, &r);
	st_info_render(out, &r, fmt, desc);
}

struct st_val
st_info_value(struct engine *eng, const char *name, char *buf, size_t bufsz)
{
	struct st_val v = { .t = ST_V_EMPTY };
	struct st_info_row r;
	int i;
	for (i = 0; i < I_COUNT; i++)
		if (strcmp(st_info_name(i), name) == 0)
			break;
	if (i == I_COUNT)
		return v;
	st_info_fill(eng, &r);
	v = r.f[i];
	if (v.t == ST_V_STR) {
		if (buf == NULL || bufsz == 0)
			return (struct st_val){ .t = ST_V_EMPTY };
		str_copy(buf, bufsz, v.str);
		v.str = buf;
	}
	return v;
}
