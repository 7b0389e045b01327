/* Stats socket commands on frontends, process limits and sessions
 * (reference §3.3, §3.4): disable/enable/shutdown frontend, set maxconn
 * frontend|global, set rate-limit, show sess, shutdown session. The
 * table is cli_cmds_srv (cmd_srv.c).
 *
 * show sess walks every worker's session registry (engine.h, one mutex
 * per worker, held while one worker's part of a chunk is written): a
 * session cannot be freed while it is listed, and the dump resumes by
 * session id, so a session closed between two chunks is simply gone. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/listener.h"
#include "engine/log.h"
#include "engine/session.h"
#include "engine/srv_state.h"
#include "parser/proxy.h"
#include "parser/server.h"
#include "stats/cli_int.h"
#include "stats/cmd_srv.h"

struct frontend *
cmd_find_frontend(struct cli_ctx *c, const char *arg)
{
	struct engine *eng = c->eng;
	if (!*arg) {
		cli_err(c, "A frontend name is expected.");
		return NULL;
	}
	for (size_t i = 0; i < eng->nfrontends; i++) {
		const struct cfg_proxy *px = eng->frontends[i].px;
		if (arg[0] == '#' ? px->id == atoi(arg + 1) : strcmp(px->name, arg) == 0)
			return &eng->frontends[i];
	}
	cli_err(c, "No such frontend.");
	return NULL;
}

/* HAProxy's proxy_cap_str(). */
static const char *
cap_str(const struct cfg_proxy *px)
{
	return (px->cap & PX_CAP_BE) ? "listener" : "frontend";
}

/* Every worker re-checks its paused listeners (limits changed). */
static void
wake_all(struct engine *eng)
{
	for (int t = 0; t < eng->nthreads; t++)
		worker_wake_later(&eng->workers[t], 0);
}

/* ---- frontends ------------------------------------------------------------ */

enum cli_ret
cmd_disable_frontend(struct cli_ctx *c)
{
	struct frontend *fe = cmd_find_frontend(c, cmd_arg(c, 2));
	if (fe == NULL)
		return CLI_DONE;
	int st = atomic_load(&fe->state);
	if (st == FE_ST_STOP) {
		cli_msg(c, 5, "Frontend was previously shut down, cannot disable.");
		return CLI_DONE;
	}
	if (st == FE_ST_PAUSED) {
		cli_msg(c, 5, "All sockets are already disabled.");
		return CLI_DONE;
	}
	if (listener_set_fe_state(c->eng, fe, FE_ST_PAUSED) == 0)
		log_proxy(c->eng->logs, fe->px, 4, "Paused %s %s.", cap_str(fe->px), fe->px->name);
	return CLI_DONE;
}

enum cli_ret
cmd_enable_frontend(struct cli_ctx *c)
{
	struct frontend *fe = cmd_find_frontend(c, cmd_arg(c, 2));
	if (fe == NULL)
		return CLI_DONE;
	int st = atomic_load(&fe->state);
	if (st == FE_ST_STOP) {
		cli_msg(c, 5, "Frontend was previously shut down, cannot enable.");
		return CLI_DONE;
	}
	if (st == FE_ST_OPEN) {
		cli_msg(c, 5, "All sockets are already enabled.");
		return CLI_DONE;
	}
	if (listener_set_fe_state(c->eng, fe, FE_ST_OPEN) == 0)
		log_proxy(c->eng->logs, fe->px, 4, "Resumed %s %s.", cap_str(fe->px), fe->px->name);
	return CLI_DONE;
}

enum cli_ret
cmd_shutdown_frontend(struct cli_ctx *c)
{
	struct frontend *fe = cmd_find_frontend(c, cmd_arg(c, 2));
	if (fe == NULL)
		return CLI_DONE;
	if (atomic_load(&fe->state) == FE_ST_STOP) {
		cli_msg(c, 5, "Frontend was already shut down.");
		return CLI_DONE;
	}
	struct backend *be = fe->own_be;
	if (listener_set_fe_state(c->eng, fe, FE_ST_STOP) == 0)
		log_proxy(c->eng->logs, fe->px, 4,
		          "Proxy %s stopped (cumulated conns: FE: %llu, BE: %llu).", fe->px->name,
		          (unsigned long long)atomic_load(&fe->cum_conn),
		          be ? (unsigned long long)atomic_load(&be->cum_conn) : 0ULL);
	return CLI_DONE;
}

/* ---- limits ---------------------------------------------------------------- */

enum cli_ret
cmd_set_maxconn_frontend(struct cli_ctx *c)
{
	struct frontend *fe = cmd_find_frontend(c, cmd_arg(c, 3));
	if (fe == NULL)
		return CLI_DONE;
	const char *v = cmd_arg(c, 4);
	if (!*v) {
		cli_err(c, "Integer value expected.");
		return CLI_DONE;
	}
	int n = atoi(v); /* as HAProxy: "abc" is 0 */
	if (n < 0) {
		cli_err(c, "Value out of range.");
		return CLI_DONE;
	}
	atomic_store(&fe->maxconn, n);
	wake_all(c->eng);
	return CLI_DONE;
}

enum cli_ret
cmd_set_maxconn_global(struct cli_ctx *c)
{
	struct engine *eng = c->eng;
	const char *v = cmd_arg(c, 3);
	if (!*v) {
		cli_err(c, "Expects an integer value.");
		return CLI_DONE;
	}
	int n = atoi(v);
	if (n > eng->hard_maxconn) {
		cli_err(c, "Value out of range.");
		return CLI_DONE;
	}
	atomic_store(&eng->maxconn, n <= 0 ? eng->hard_maxconn : n);
	wake_all(eng);
	return CLI_DONE;
}

enum cli_ret
cmd_set_rate_limit(struct cli_ctx *c)
{
	struct engine *eng = c->eng;
	const char *what = cmd_arg(c, 2);
	atomic_int *lim = NULL;
	if (strcmp(cmd_arg(c, 3), "global") == 0) {
		if (strcmp(what, "connections") == 0)
			lim = &eng->conn_rate_lim;
		else if (strcmp(what, "sessions") == 0)
			lim = &eng->sess_rate_lim;
		else if (strcmp(what, "ssl-sessions") == 0 || strcmp(what, "http-compression") == 0) {
			/* accepted by HAProxy; sluice has neither TLS termination
			 * nor compression yet, so it says so instead of ignoring */
			cli_err(c, "'set rate-limit %s' is not supported by sluice (no %s).", what,
			        what[0] == 's' ? "TLS termination" : "HTTP compression");
			return CLI_DONE;
		}
	}
	if (lim == NULL) {
		cli_err(c, "'set rate-limit' only supports :\n"
		           "   - 'connections global' to set the per-process maximum connection rate\n"
		           "   - 'sessions global' to set the per-process maximum session rate\n"
		           "   - 'ssl-sessions global' to set the per-process maximum SSL session rate\n"
		           "   - 'http-compression global' to set the per-process maximum compression speed in kB/s");
		return CLI_DONE;
	}
	const char *v = cmd_arg(c, 4);
	if (!*v) {
		cli_err(c, "Expects an integer value.");
		return CLI_DONE;
	}
	int n = atoi(v);
	if (n < 0) {
		cli_err(c, "Value out of range.");
		return CLI_DONE;
	}
	atomic_store(lim, n);
	wake_all(eng);
	return CLI_DONE;
}

/* ---- sessions ------------------------------------------------------------------ */

/* HAProxy's human_time(): at most 3 units, "0s", "59s", "1m5s", "2h3m". */
static void
add_age(struct sbuf *b, long long t)
{
	int cpt = 3;
	bool any = false;
	if (t < 0)
		t = 0;
	if (t >= 86400) {
		sbuf_addf(b, "%lldd", t / 86400);
		cpt--;
		any = true;
	}
	if (cpt && t % 86400 / 3600) {
		sbuf_addf(b, "%lldh", t % 86400 / 3600);
		cpt--;
		any = true;
	}
	if (cpt && t % 3600 / 60) {
		sbuf_addf(b, "%lldm", t % 3600 / 60);
		cpt--;
		any = true;
	}
	if ((cpt && t % 60) || !any)
		sbuf_addf(b, "%llds", t % 60);
}

/* proto_of, add_addr: sa is a session's compact address
 * (lib/sess_addr.h) or a whole one; read by family, never past an IP
 * sockaddr. */
static const char *
proto_of(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? "tcpv6" : sa->sa_family == AF_UNIX ? "unix_stream" : "tcpv4";
}


static void
add_addr(struct sbuf *b, const struct sockaddr *ss)
{
	char ip[INET6_ADDRSTRLEN] = "";
	if (ss->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		sbuf_addf(b, "%s:%u", ip, ntohs(in->sin_port));
	} else if (ss->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		sbuf_addf(b, "%s:%u", ip, ntohs(in6->sin6_port));
	} else if (ss->sa_family == AF_UNIX) {
		sbuf_adds(b, "unix:1");
	} else {
		sbuf_adds(b, "?");
	}
}

/* What HAProxy 2.6.12 lists: a session once it has a stream. None
 * while a PROXY header or a TLS handshake is awaited, nor in mode http
 * outside a request (a head not yet whole, between keep-alive
 * requests): there HAProxy has a connection and no stream. */
static bool
sess_listed(const struct session *s)
{
	switch (s->st) {
	case SS_PROXY_HDR:
	case SS_TLS_ACCEPT:
		return false;
	case SS_HTTP:
		return atomic_load_explicit(&s->http_stream, memory_order_relaxed);
	default:
		return true;
	}
}

/* One line of "show sess": HAProxy's leading fields (pointer, proto,
 * src, fe, be, srv, ts, age), then what sluice has instead of HAProxy's
 * stream internals (doc/runtime-api.md). s is locked in the registry. */
static void
sess_line(struct sbuf *b, const struct session *s, long long now)
{
	struct backend *be = s->be;
	struct srv_state *srv = s->srv;
	sbuf_addf(b, "%p: proto=%s src=", (const void *)s, proto_of(&s->cli.sa));
	add_addr(b, &s->src.sa);
	sbuf_addf(b, " fe=%s be=%s srv=%s ts=00 age=", s->fe->px->name,
	          be ? be->px->name : s->fe->px->name,
	          srv && srv->cfg->name ? srv->cfg->name : "<none>");
	add_age(b, (now - s->t0) / 1000);
	sbuf_addf(b, " state=%s scf=[fd=%d] scb=[fd=%d]\n", sess_state_name(s->st), s->cfd, s->sfd);
}

/* "show sess <id>": HAProxy's first lines of the detailed dump, with
 * sluice's own state line instead of its buffers and flags. */
static void
sess_detail(struct sbuf *b, const struct session *s, long long now)
{
	char date[64] = "";
	time_t sec = (time_t)(s->t_accept_wall_ms / 1000);
	struct tm tm;
	if (localtime_r(&sec, &tm))
		strftime(date, sizeof(date), "%d/%b/%Y:%H:%M:%S", &tm);
	struct backend *be = s->be;
	struct srv_state *srv = s->srv;
	sbuf_addf(b, "%p: [%s.%06d] id=%llu proto=%s source=", (const void *)s, date,
	          (int)(s->t_accept_wall_ms % 1000) * 1000, s->uid, proto_of(&s->cli.sa));
	add_addr(b, &s->src.sa);
	sbuf_addf(b, "\n  frontend=%s (id=%d mode=tcp), listener=? (id=%d) addr=", s->fe->px->name,
	          s->fe->px->id, 1);
	add_addr(b, &s->dst.sa);
	if (be) {
		sbuf_addf(b, "\n  backend=%s (id=%d mode=tcp) addr=", be->px->name, be->px->id);
		struct sockaddr_storage local = { 0 };
		if (s->srv_local)
			local = *s->srv_local;
		socklen_t ll = sizeof(local);
		/* established: the fd is the session's until it closes, and
		 * the session cannot close while it is listed */
		if (!local.ss_family && s->st == SS_FORWARD && s->sfd >= 0 &&
		    getsockname(s->sfd, (struct sockaddr *)&local, &ll) < 0)
			local.ss_family = 0;
		if (local.ss_family)
			add_addr(b, (const struct sockaddr *)&local);
		else
			sbuf_adds(b, "<NONE>");
	} else {
		sbuf_adds(b, "\n  backend=<NONE> (id=-1 mode=-) addr=<NONE>");
	}
	if (srv) {
		sbuf_addf(b, "\n  server=%s (id=%d) addr=", srv->cfg->name ? srv->cfg->name : "", srv->id);
		struct sockaddr_storage none = { 0 };
		add_addr(b, (const struct sockaddr *)(s->srv_addr ? s->srv_addr : &none));
	} else {
		sbuf_adds(b, "\n  server=<NONE> (id=-1) addr=<NONE>");
	}
	sbuf_adds(b, "\n  age=");
	add_age(b, (now - s->t0) / 1000);
	sbuf_addf(b, " state=%s conn_tries=%d retries=%d queued=%d cli_fd=%d srv_fd=%d\n",
	          sess_state_name(s->st), s->conn_tries, s->retries_done, s->queued ? 1 : 0,
	          s->cfd, s->sfd);
}

/* cursor: pos[0] worker, pos[1] next session id, pos[2] 1 = detailed
 * ("all"), pos[3] 1 = sessions done (the CLI's own line next). */
enum cli_ret
cmd_show_sess_io(struct cli_ctx *c)
{
	struct engine *eng = c->eng;
	long long now = now_ms();
	while (c->pos[3] == 0 && c->pos[0] < eng->nthreads) {
		struct worker *w = &eng->workers[c->pos[0]];
		bool full = false;
		pthread_mutex_lock(&w->sess_lock);
		for (struct session *s = w->sess_head; s; s = s->wnext) {
			if (s->uid < (unsigned long long)c->pos[1] || !sess_listed(s))
				continue;
			if (c->pos[2])
				sess_detail(c->out, s, now);
			else
				sess_line(c->out, s, now);
			c->pos[1] = (long)(s->uid + 1);
			if (c->out->len > CLI_CHUNK) {
				full = true;
				break;
			}
		}
		pthread_mutex_unlock(&w->sess_lock);
		if (full)
			return CLI_MORE;
		c->pos[0]++;
		c->pos[1] = 0;
	}
	if (c->pos[3] == 0 && !c->pos[2]) {
		/* the stats socket's own stream, as HAProxy lists it: the
		 * client's address on a TCP socket, unix:<socket number> on a
		 * unix one (observed on 2.6.12). Stats page connections are
		 * not listed: HAProxy has no stream for an idle HTTP/1
		 * connection and answers the page at once. */
		const struct cli_conn *cc = c->conn;
		int fam = cc ? cc->peer.ss_family : AF_UNIX;
		sbuf_addf(c->out, "%p: proto=%s src=", (void *)c->conn,
		          fam == AF_INET || fam == AF_INET6 ? proto_of((const struct sockaddr *)&cc->peer) : "unix_stream");
		if (fam == AF_INET || fam == AF_INET6)
			add_addr(c->out, (const struct sockaddr *)&cc->peer);
		else
			sbuf_addf(c->out, "unix:%d", cc && cc->luid > 0 ? cc->luid : 1);
		sbuf_adds(c->out, " fe=GLOBAL be=<NONE> srv=<none> ts=00 age=0s state=cli\n");
	}
	c->pos[3] = 1;
	return CLI_DONE;
}

enum cli_ret
cmd_show_sess(struct cli_ctx *c)
{
	struct engine *eng = c->eng;
	const char *arg = cmd_arg(c, 2);
	if (strcmp(arg, "all") == 0) {
		c->pos[2] = 1;
		return CLI_MORE;
	}
	uintptr_t ptr = (uintptr_t)strtoull(arg, NULL, 0);
	if (ptr == 0)
		return CLI_MORE;
	long long now = now_ms();
	for (int t = 0; t < eng->nthreads; t++) {
		struct worker *w = &eng->workers[t];
		bool found = false;
		pthread_mutex_lock(&w->sess_lock);
		for (struct session *s = w->sess_head; s; s = s->wnext)
			if ((uintptr_t)s == ptr) {
				found = sess_listed(s);
				if (found)
					sess_detail(c->out, s, now);
				break;
			}
		pthread_mutex_unlock(&w->sess_lock);
		if (found)
			return CLI_DONE;
	}
	/* data, not a message: no severity prefix (observed) */
	sbuf_adds(c->out, "Session not found.\n");
	return CLI_DONE;
}

enum cli_ret
cmd_shutdown_session(struct cli_ctx *c)
{
	struct engine *eng = c->eng;
	uintptr_t ptr = (uintptr_t)strtoull(cmd_arg(c, 2), NULL, 0);
	if (ptr == 0) {
		cli_err(c, "Session pointer expected (use 'show sess').");
		return CLI_DONE;
	}
	for (int t = 0; t < eng->nthreads; t++)
		if (sess_kill(&eng->workers[t], (const struct session *)ptr))
			return CLI_DONE;
	cli_err(c, "No such session (use 'show sess').");
	return CLI_DONE;
}
