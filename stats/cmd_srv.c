/* Stats socket commands that change servers (reference §3.3, §3.4):
 * set server, get/set weight, enable/disable server|health|agent, set
 * maxconn server, shutdown sessions server; the table cli_cmds_srv also
 * lists the frontend and session commands of cmd_sess.c.
 *
 * Answers are HAProxy 2.6.12's, byte for byte, including its quirks:
 * some of its messages have no trailing newline, so the answer ends with
 * a single '\n' instead of the usual empty line; those are written raw
 * (raw()) rather than with cli_err(). Changes go through engine/server.h
 * (thread-safe), never into the state directly. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/server.h"
#include "engine/srv_cookie.h"
#include "engine/srv_state.h"
#include "parser/proxy.h"
#include "parser/server.h"
#include "stats/cmd_srv.h"

const char *
cmd_arg(const struct cli_ctx *c, int i)
{
	return i < c->nargs && c->args[i] ? c->args[i] : "";
}

/* A message HAProxy writes without its newline: cli.c's end of answer
 * supplies the only '\n'. */
static void
raw(struct cli_ctx *c, int sev, const char *text)
{
	cli_msg_raw(c, sev, text);
}

static struct backend *
find_backend(struct engine *eng, const char *name)
{
	if (name[0] == '#') {
		char *end;
		long id = strtol(name + 1, &end, 10);
		for (size_t i = 0; *end == '\0' && i < eng->nbackends; i++)
			if (eng->backends[i]->px->id == id)
				return eng->backends[i];
		return NULL;
	}
	return engine_backend_by_name(eng, name);
}

int
cmd_find_server(struct cli_ctx *c, const char *arg, struct backend **bep,
                struct srv_state **srvp)
{
	const char *slash = strchr(arg, '/');
	if (slash == NULL) {
		cli_err(c, "Require 'backend/server'.");
		return -1;
	}
	char *bname = xstrndup(arg, (size_t)(slash - arg));
	const char *sname = slash + 1;
	struct backend *be = find_backend(c->eng, bname);
	free(bname);
	if (be == NULL) {
		cli_err(c, "No such backend.");
		return -1;
	}
	struct srv_state *srv = NULL;
	for (size_t i = 0; i < be->nsrv && srv == NULL; i++) {
		struct srv_state *st = &be->srvs[i];
		if (sname[0] == '#' ? st->id == atoi(sname + 1)
		                    : st->cfg->name && strcmp(st->cfg->name, sname) == 0)
			srv = st;
	}
	if (srv == NULL) {
		cli_err(c, "No such server.");
		return -1;
	}
	*bep = be;
	*srvp = srv;
	return 0;
}

/* ---- addresses ---------------------------------------------------------- */

static int
ss_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

static void
ss_set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

static void
ss_ip(const struct sockaddr_storage *ss, char *buf, size_t n)
{
	buf[0] = '\0';
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, (socklen_t)n);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, (socklen_t)n);
}

/* An IPv4 or IPv6 address (no name resolution, as HAProxy's str2ip2
 * without resolve); port 0. */
static bool
parse_ip(const char *text, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		return true;
	}
	return false;
}

/* The server's address and port now (runtime or configured). */
static void
cur_addr(const struct srv_state *srv, const struct srv_rt *rt, struct sockaddr_storage *ss,
         int *port)
{
	const struct cfg_addr *a = &srv->cfg->addr;
	if (rt->addr_set) {
		*ss = rt->addr;
		*port = rt->port_set ? ss_port(&rt->addr)
		                     : a->port_mode == ADDR_PORT_FIXED ? a->port_lo : 0;
	} else {
		*ss = a->ss;
		*port = a->port_mode == ADDR_PORT_FIXED ? a->port_lo : 0;
	}
}

/* A port word: 0 with *port, or -1 after HAProxy's message. */
static int
parse_port(struct cli_ctx *c, const char *text, int *port)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (end == text || *end || errno) {
		raw(c, 4, "provided port is not an integer");
		return -1;
	}
	if (v < 1 || v > 65535) {
		raw(c, 4, "provided port is invalid");
		return -1;
	}
	*port = (int)v;
	return 0;
}

/* HAProxy's srv_update_addr_port() with updater "stats socket command". */
static void
set_addr(struct cli_ctx *c, struct backend *be, struct srv_state *srv, const char *addr,
         const char *port)
{
	struct srv_rt rt;
	struct sockaddr_storage cur, ns;
	int cport;
	char ip[INET6_ADDRSTRLEN];
	struct sbuf msg = { 0 };
	bool changed = false;

	srv_rt_get(srv, &rt);
	cur_addr(srv, &rt, &cur, &cport);
	if (!parse_ip(addr, &ns)) {
		sbuf_addf(&msg, "Invalid addr '%s'", addr);
		goto out;
	}
	bool same = ns.ss_family == cur.ss_family &&
	            (ns.ss_family == AF_INET
	                 ? memcmp(&((struct sockaddr_in *)&ns)->sin_addr,
	                          &((struct sockaddr_in *)&cur)->sin_addr, 4) == 0
	                 : memcmp(&((struct sockaddr_in6 *)&ns)->sin6_addr,
	                          &((struct sockaddr_in6 *)&cur)->sin6_addr, 16) == 0);
	if (same) {
		sbuf_adds(&msg, "no need to change the addr");
	} else {
		ss_ip(&cur, ip, sizeof(ip));
		sbuf_addf(&msg, "IP changed from '%s' to '%s'", ip, addr);
		bool port_set = rt.port_set;
		ss_set_port(&ns, cport);
		rt.addr = ns;
		rt.addr_set = true;
		rt.port_set = port_set;
		changed = true;
	}
	if (port) {
		char *end;
		errno = 0;
		long p = strtol(port, &end, 10);
		if (end == port || *end || errno || p < 0 || p > 65535) {
			sbuf_addf(&msg, ", problem converting port '%s' to an int", port);
		} else if (p == cport) {
			sbuf_adds(&msg, ", no need to change the port");
		} else {
			sbuf_addf(&msg, ", port changed from '%d' to '%d'", cport, (int)p);
			if (!rt.addr_set) {
				rt.addr = cur;
				rt.addr_set = true;
			}
			ss_set_port(&rt.addr, (int)p);
			rt.port_set = true;
			changed = true;
		}
	}
	if (changed) {
		srv_rt_set(srv, &rt);
		/* as HAProxy's srv_update_addr_port(): a new dynamic cookie */
		srv_cookie_update(be, srv);
	}
out:
	sbuf_adds(&msg, " by 'stats socket command'");
	cli_msg(c, 4, "%s", msg.s);
	free(msg.s);
	free(rt.agent_send);
	/* HAProxy clears a failed-resolution maintenance whatever happened */
	if (srv->admf & SRV_ADMF_RMAINT)
		srv_clear_rmaint(c->eng, be, srv);
}

/* HAProxy's CHK_ST_ENABLED: configured and not "disable health|agent". */
static bool
check_enabled(const struct srv_state *srv, bool agent)
{
	return agent ? srv->agent && !atomic_load(&srv->agt_disabled)
	             : srv->checked && !atomic_load(&srv->chk_disabled);
}

/* check-addr / agent-addr <ip> [port <p>]. */
static void
set_chk_addr(struct cli_ctx *c, struct srv_state *srv, bool agent)
{
	const char *what = agent ? "agent-addr" : "check-addr";
	const char *addr = cmd_arg(c, 4);
	if (!*addr) {
		cli_err(c, "set server <b>/<s> %s requires an address and optionally a port.", what);
		return;
	}
	if (!check_enabled(srv, agent)) {
		raw(c, 4, agent ? "agent checks are not enabled on this server"
		             : "health checks are not enabled on this server");
		return;
	}
	struct sockaddr_storage ss;
	if (!parse_ip(addr, &ss)) {
		char *m = xasprintf("invalid addr '%s'", addr);
		raw(c, 4, m);
		free(m);
		return;
	}
	int port = 0;
	if (strcmp(cmd_arg(c, 5), "port") == 0 && parse_port(c, cmd_arg(c, 6), &port) < 0)
		return;
	struct srv_rt rt;
	srv_rt_get(srv, &rt);
	if (agent) {
		rt.agent_addr = ss;
		rt.agent_addr_set = true;
		if (port)
			rt.agent_port = port;
	} else {
		rt.check_addr = ss;
		rt.check_addr_set = true;
		if (port)
			rt.check_port = port;
	}
	srv_rt_set(srv, &rt);
	free(rt.agent_send);
}

/* check-port / agent-port <p>. */
static void
set_chk_port(struct cli_ctx *c, struct srv_state *srv, bool agent)
{
	const char *text = cmd_arg(c, 4);
	if (!*text) {
		cli_err(c, "set server <b>/<s> %s requires a port.", agent ? "agent-port" : "check-port");
		return;
	}
	if (!check_enabled(srv, agent)) {
		raw(c, 4, agent ? "agent checks are not enabled on this server"
		             : "health checks are not enabled on this server");
		return;
	}
	int port;
	if (parse_port(c, text, &port) < 0)
		return;
	struct srv_rt rt;
	srv_rt_get(srv, &rt);
	if (agent)
		rt.agent_port = port;
	else
		rt.check_port = port;
	srv_rt_set(srv, &rt);
	free(rt.agent_send);
}

static void
set_agent_send(struct cli_ctx *c, struct srv_state *srv)
{
	if (!check_enabled(srv, true)) {
		cli_err(c, "agent checks are not enabled on this server.");
		return;
	}
	struct srv_rt rt;
	srv_rt_get(srv, &rt);
	free(rt.agent_send);
	rt.agent_send = (char *)cmd_arg(c, 4); /* copied by srv_rt_set */
	srv_rt_set(srv, &rt);
}

/* ---- set server ------------------------------------------------------------- */

static enum cli_ret
set_server(struct cli_ctx *c)
{
	struct backend *be;
	struct srv_state *srv;
	if (cmd_find_server(c, cmd_arg(c, 2), &be, &srv) < 0)
		return CLI_DONE;
	srv_states_setup(c->eng, be);
	const char *what = cmd_arg(c, 3), *v = cmd_arg(c, 4);
	const char *err = NULL;

	if (strcmp(what, "weight") == 0) {
		if (!*v)
			cli_err(c, "Require <weight> or <weight%%>.");
		else if (srv_set_weight_str(c->eng, be, srv, v, &err) < 0)
			raw(c, 3, err);
	} else if (strcmp(what, "state") == 0) {
		if (strcmp(v, "ready") == 0)
			srv_set_admin(c->eng, be, srv, SRV_ADMIN_READY, NULL);
		else if (strcmp(v, "drain") == 0)
			srv_set_admin(c->eng, be, srv, SRV_ADMIN_DRAIN, NULL);
		else if (strcmp(v, "maint") == 0)
			srv_set_admin(c->eng, be, srv, SRV_ADMIN_MAINT, NULL);
		else
			cli_err(c, "'set server <srv> state' expects 'ready', 'drain' and 'maint'.");
	} else if (strcmp(what, "health") == 0) {
		if (srv->tracked)
			cli_err(c, "cannot change health on a tracking server.");
		else if (strcmp(v, "up") == 0)
			srv_force_op(c->eng, be, srv, SRV_OP_UP, false);
		else if (strcmp(v, "stopping") == 0)
			srv_force_op(c->eng, be, srv, SRV_OP_STOPPING, false);
		else if (strcmp(v, "down") == 0)
			srv_force_op(c->eng, be, srv, SRV_OP_DOWN, false);
		else
			cli_err(c, "'set server <srv> health' expects 'up', 'stopping', or 'down'.");
	} else if (strcmp(what, "agent") == 0) {
		if (!check_enabled(srv, true))
			cli_err(c, "agent checks are not enabled on this server.");
		else if (strcmp(v, "up") == 0)
			srv_force_op(c->eng, be, srv, SRV_OP_UP, true);
		else if (strcmp(v, "down") == 0)
			srv_force_op(c->eng, be, srv, SRV_OP_DOWN, true);
		else
			cli_err(c, "'set server <srv> agent' expects 'up' or 'down'.");
	} else if (strcmp(what, "addr") == 0) {
		if (!*v)
			cli_err(c, "set server <b>/<s> addr requires an address and optionally a port.");
		else
			set_addr(c, be, srv, v, strcmp(cmd_arg(c, 5), "port") == 0 ? cmd_arg(c, 6) : NULL);
	} else if (strcmp(what, "check-addr") == 0) {
		set_chk_addr(c, srv, false);
	} else if (strcmp(what, "agent-addr") == 0) {
		set_chk_addr(c, srv, true);
	} else if (strcmp(what, "check-port") == 0) {
		set_chk_port(c, srv, false);
	} else if (strcmp(what, "agent-port") == 0) {
		set_chk_port(c, srv, true);
	} else if (strcmp(what, "agent-send") == 0) {
		set_agent_send(c, srv);
	} else if (strcmp(what, "fqdn") == 0) {
		/* sluice has no resolvers at run time: HAProxy's answer for a
		 * server without a resolvers section */
		if (!*v)
			cli_err(c, "set server <b>/<s> fqdn requires a FQDN.");
		else
			cli_err(c, "set server <b>/<s> fqdn failed because no resolution is configured.");
	} else if (strcmp(what, "ssl") == 0) {
		/* sluice does not speak TLS to servers: as HAProxy for a
		 * server without TLS settings */
		cli_err(c, "'set server <srv> ssl' cannot be set.  default-server should define ssl settings");
	} else {
		cli_err(c, "usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | agent-send | check-addr | check-port | fqdn | health | ssl | state | weight");
	}
	return CLI_DONE;
}

/* ---- weights ------------------------------------------------------------------ */

static enum cli_ret
get_weight(struct cli_ctx *c)
{
	struct backend *be;
	struct srv_state *srv;
	if (cmd_find_server(c, cmd_arg(c, 2), &be, &srv) < 0)
		return CLI_DONE;
	sbuf_addf(c->out, "%d (initial %d)\n", atomic_load(&srv->uweight), srv->cfg->weight);
	return CLI_DONE;
}

static enum cli_ret
set_weight(struct cli_ctx *c)
{
	struct backend *be;
	struct srv_state *srv;
	const char *err = NULL;
	if (cmd_find_server(c, cmd_arg(c, 2), &be, &srv) < 0)
		return CLI_DONE;
	if (!*cmd_arg(c, 3))
		cli_err(c, "Require <weight> or <weight%%>.");
	else if (srv_set_weight_str(c->eng, be, srv, cmd_arg(c, 3), &err) < 0)
		raw(c, 3, err);
	return CLI_DONE;
}

/* ---- enable / disable ---------------------------------------------------------- */

static enum cli_ret
admin_server(struct cli_ctx *c, int admin)
{
	struct backend *be;
	struct srv_state *srv;
	if (cmd_find_server(c, cmd_arg(c, 2), &be, &srv) == 0)
		srv_set_admin(c->eng, be, srv, admin, NULL);
	return CLI_DONE;
}

static enum cli_ret
disable_server(struct cli_ctx *c)
{
	return admin_server(c, SRV_ADMIN_MAINT);
}

static enum cli_ret
enable_server(struct cli_ctx *c)
{
	return admin_server(c, SRV_ADMIN_READY);
}

static enum cli_ret
toggle_check(struct cli_ctx *c, bool agent, bool enable)
{
	struct backend *be;
	struct srv_state *srv;
	if (cmd_find_server(c, cmd_arg(c, 2), &be, &srv) < 0)
		return CLI_DONE;
	srv_states_setup(c->eng, be);
	if (enable && !(agent ? srv->agent : srv->checked)) {
		cli_err(c, agent ? "Agent was not configured on this server, cannot enable."
		                 : "Health check was not configured on this server, cannot enable.");
		return CLI_DONE;
	}
	atomic_store(agent ? &srv->agt_disabled : &srv->chk_disabled, !enable);
	return CLI_DONE;
}

static enum cli_ret
disable_health(struct cli_ctx *c)
{
	return toggle_check(c, false, false);
}

static enum cli_ret
enable_health(struct cli_ctx *c)
{
	return toggle_check(c, false, true);
}

static enum cli_ret
disable_agent(struct cli_ctx *c)
{
	return toggle_check(c, true, false);
}

static enum cli_ret
enable_agent(struct cli_ctx *c)
{
	return toggle_check(c, true, true);
}

/* ---- maxconn, sessions --------------------------------------------------------- */

static enum cli_ret
set_maxconn_server(struct cli_ctx *c)
{
	struct backend *be;
	struct srv_state *srv;
	if (cmd_find_server(c, cmd_arg(c, 3), &be, &srv) < 0)
		return CLI_DONE;
	const char *v = cmd_arg(c, 4);
	if (!*v) {
		cli_err(c, "Require <maxconn>.");
		return CLI_DONE;
	}
	/* HAProxy's server_parse_maxconn_change_request */
	char *end;
	long n = strtol(v, &end, 10);
	if (end == v) {
		raw(c, 3, "maxconn string empty or preceded by garbage");
		return CLI_DONE;
	}
	if (*end) {
		raw(c, 3, "Trailing garbage in maxconn string");
		return CLI_DONE;
	}
	srv_set_maxconn(be, srv, n > INT_MAX ? INT_MAX : n < 0 ? 0 : (int)n);
	return CLI_DONE;
}

static enum cli_ret
shutdown_sessions_server(struct cli_ctx *c)
{
	struct backend *be;
	struct srv_state *srv;
	if (cmd_find_server(c, cmd_arg(c, 3), &be, &srv) == 0)
		srv_kill_all(srv, 'K');
	return CLI_DONE;
}

#define A CLI_LEVEL_ADMIN
const struct cli_cmd cli_cmds_srv[] = {
	{ { "set", "server", NULL }, "set server <bk>/<srv> [opts]",
	  "change a server's state, weight, address or ssl", A, set_server, NULL },
	{ { "get", "weight", NULL }, "get weight <bk>/<srv>",
	  "report a server's current weight", CLI_LEVEL_USER, get_weight, NULL },
	{ { "set", "weight", NULL }, "set weight <bk>/<srv>  (DEPRECATED)",
	  "change a server's weight (use 'set server' instead)", A, set_weight, NULL },
	{ { "disable", "server", NULL }, "disable server (DEPRECATED)",
	  "put a server in maintenance (use 'set server' instead)", A, disable_server, NULL },
	{ { "enable", "server", NULL }, "enable server  (DEPRECATED)",
	  "take a server out of maintenance (use 'set server' instead)", A, enable_server, NULL },
	{ { "disable", "health", NULL }, "disable health", "stop a server's health checks", A,
	  disable_health, NULL },
	{ { "enable", "health", NULL }, "enable health", "restart a server's health checks", A,
	  enable_health, NULL },
	{ { "disable", "agent", NULL }, "disable agent", "stop a server's agent checks", A,
	  disable_agent, NULL },
	{ { "enable", "agent", NULL }, "enable agent", "restart a server's agent checks", A,
	  enable_agent, NULL },
	{ { "disable", "frontend", NULL }, "disable frontend <frontend>",
	  "stop accepting connections on a frontend for now", A, cmd_disable_frontend, NULL },
	{ { "enable", "frontend", NULL }, "enable frontend <frontend>",
	  "accept connections again on a disabled frontend", A, cmd_enable_frontend, NULL },
	{ { "shutdown", "frontend", NULL }, "shutdown frontend <frontend>",
	  "close a frontend's listeners for good", A, cmd_shutdown_frontend, NULL },
	{ { "set", "maxconn", "frontend", NULL }, "set maxconn frontend <frontend> <value>",
	  "change a frontend's connection limit", A, cmd_set_maxconn_frontend, NULL },
	{ { "set", "maxconn", "global", NULL }, "set maxconn global <value>",
	  "change the process's connection limit", A, cmd_set_maxconn_global, NULL },
	{ { "set", "maxconn", "server", NULL }, "set maxconn server <bk>/<srv>",
	  "change a server's connection limit", A, set_maxconn_server, NULL },
	{ { "set", "rate-limit", NULL }, "set rate-limit <setting> <value>",
	  "change the process's connection or session rate limit", A, cmd_set_rate_limit, NULL },
	{ { "show", "sess", NULL }, "show sess [id]",
	  "list the live sessions, or describe one", CLI_LEVEL_OPERATOR, cmd_show_sess,
	  cmd_show_sess_io },
	{ { "shutdown", "session", NULL }, "shutdown session [id]", "close one session", A,
	  cmd_shutdown_session, NULL },
	{ { "shutdown", "sessions", "server", NULL }, "shutdown sessions server <bk>/<srv>",
	  "close every session of a server", A, shutdown_sessions_server, NULL },
	{ .kw = { NULL } },
};
