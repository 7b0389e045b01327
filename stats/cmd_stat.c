/* Stats socket commands of the statistics (reference §3.4-§3.7): show
 * info, show stat, show schema json, clear counters, show servers
 * state|conn, show backend. Large dumps are streamed through io(). */
#include "stats/cli.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/server.h"
#include "engine/srv_state.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "parser/server.h"
#include "stats/stat.h"

/* ---- show stat --------------------------------------------------------- */

enum stat_fmt { FMT_CSV, FMT_TYPED, FMT_JSON };

struct stat_dump {
	struct st_filter flt;
	struct st_cursor cur;
	enum stat_fmt fmt;
	bool desc;
	bool started;           /* header or '[' written */
	bool any;               /* a JSON row written */
	struct st_row row;
};

static void
stat_release(struct cli_ctx *c)
{
	FREE_NULL(c->priv);
}

/* A dump is over: its cursor is freed here, whether or not cli.c would
 * call release() after the last io(). */
static enum cli_ret
dump_done(struct cli_ctx *c)
{
	FREE_NULL(c->priv);
	c->release = NULL;
	return CLI_DONE;
}

static bool
is_number(const char *s)
{
	return *s == '-' || isdigit((unsigned char)*s);
}

/* "show stat [domain proxy|dns] [{<iid>|<name>} <type> <sid>] [typed|json]
 * [desc] [up|no-maint]": as HAProxy, the filter needs its three words,
 * unknown words are ignored and the last format word wins. */
static enum cli_ret
show_stat_parse(struct cli_ctx *c)
{
	struct stat_dump *d = xcalloc(1, sizeof(*d));
	int a = 2;

	d->flt.iid = -1;
	d->flt.types = -1;
	d->flt.sid = -1;
	d->flt.hide_priv = c->level == CLI_LEVEL_USER;
	if (a < c->nargs && strcmp(c->args[a], "domain") == 0) {
		if (a + 1 >= c->nargs || strcmp(c->args[a + 1], "proxy") != 0) {
			free(d);
			cli_err(c, "Invalid statistics domain.");
			return CLI_DONE;
		}
		a += 2;
	}
	if (a + 2 < c->nargs && *c->args[a] && *c->args[a + 1] && *c->args[a + 2]) {
		if (is_number(c->args[a])) {
			d->flt.iid = atoi(c->args[a]);
		} else {
			const struct cfg_proxy *px = proxy_find(c->eng->cfg, c->args[a],
			                                        PX_CAP_FE | PX_CAP_BE);
			if (px == NULL) {
				free(d);
				cli_err(c, "No such proxy.");
				return CLI_DONE;
			}
			d->flt.iid = px->id;
		}
		d->flt.types = atoi(c->args[a + 1]);
		d->flt.sid = atoi(c->args[a + 2]);
		a += 3;
	}
	for (; a < c->nargs; a++) {
		const char *w = c->args[a];
		if (strcmp(w, "typed") == 0)
			d->fmt = FMT_TYPED;
		else if (strcmp(w, "json") == 0)
			d->fmt = FMT_JSON;
		else if (strcmp(w, "desc") == 0)
			d->desc = true;
		else if (strcmp(w, "up") == 0)
			d->flt.up = true;
		else if (strcmp(w, "no-maint") == 0)
			d->flt.no_maint = true;
	}
	c->priv = d;
	c->release = stat_release;
	return CLI_MORE;
}

static enum cli_ret
show_stat_io(struct cli_ctx *c)
{
	struct stat_dump *d = c->priv;
	if (!d->started) {
		d->started = true;
		if (d->fmt == FMT_CSV)
			st_csv_header(c->out);
		else if (d->fmt == FMT_JSON)
			sbuf_addc(c->out, '[');
	}
	while (c->out->len < CLI_CHUNK) {
		if (!st_next(c->eng, &d->cur, &d->flt, &d->row)) {
			if (d->fmt == FMT_JSON)
				sbuf_adds(c->out, "]\n");
			return dump_done(c);
		}
		switch (d->fmt) {
		case FMT_CSV:
			st_csv_row(c->out, &d->row);
			break;
		case FMT_TYPED:
			st_typed_row(c->out, &d->row, d->desc);
			break;
		case FMT_JSON:
			st_json_row(c->out, &d->row, !d->any);
			d->any = true;
			break;
		}
	}
	return CLI_MORE;
}

/* ---- show info, show schema json --------------------------------------- */

static enum cli_ret
show_info_parse(struct cli_ctx *c)
{
	enum st_info_fmt fmt = ST_INFO_TEXT;
	bool desc = false;
	for (int a = 2; a < c->nargs; a++) {
		if (strcmp(c->args[a], "typed") == 0)
			fmt = ST_INFO_TYPED;
		else if (strcmp(c->args[a], "json") == 0)
			fmt = ST_INFO_JSON;
		else if (strcmp(c->args[a], "desc") == 0)
			desc = true;
		/* "float" only changes how HAProxy prints floating-point
		 * values: sluice's are all integers */
	}
	st_info(c->eng, c->out, fmt, desc);
	return CLI_DONE;
}

static enum cli_ret
show_schema_parse(struct cli_ctx *c)
{
	st_json_schema(c->out);
	return CLI_DONE;
}

/* ---- clear counters ------------------------------------------------------ */

static enum cli_ret
clear_counters_parse(struct cli_ctx *c)
{
	bool all = c->nargs > 2 && strcmp(c->args[2], "all") == 0;
	if (all && !cli_has_level(c, CLI_LEVEL_ADMIN))
		return CLI_DONE;
	st_clear_counters(c->eng, all);
	return CLI_DONE;
}

/* ---- show servers state|conn, show backend -------------------------------- */

/* The backend named by args[3] for "show servers ...", or all (NULL
 * and true); false after "Can't find backend." */
static bool
servers_target(struct cli_ctx *c, struct backend **be)
{
	*be = NULL;
	if (c->nargs <= 3 || !*c->args[3])
		return true;
	*be = engine_backend_by_name(c->eng, c->args[3]);
	if (*be == NULL) {
		cli_err(c, "Can't find backend.");
		return false;
	}
	return true;
}

struct srv_dump {
	size_t be, srv;
	bool one;               /* a single backend (be is its index) */
	bool header;
};

static enum cli_ret
servers_parse(struct cli_ctx *c)
{
	struct backend *be;
	if (!servers_target(c, &be))
		return CLI_DONE;
	struct srv_dump *d = xcalloc(1, sizeof(*d));
	if (be) {
		for (size_t i = 0; i < c->eng->nbackends; i++)
			if (c->eng->backends[i] == be)
				d->be = i;
		d->one = true;
	}
	c->priv = d;
	c->release = stat_release;
	return CLI_MORE;
}

/* HAProxy's HCHK_STATUS_* index of a check status. */
static int
hchk_index(int st)
{
	switch (st) {
	case CHK_ST_UNKNOWN: return 0;
	case CHK_ST_INI: return 1;
	case CHK_ST_CHECKED: return 3;
	case CHK_ST_HANA: return 4;
	case CHK_ST_SOCKERR: return 5;
	case CHK_ST_L4OK: return 6;
	case CHK_ST_L4TOUT: return 7;
	case CHK_ST_L4CON: return 8;
	case CHK_ST_L6OK: return 9;
	case CHK_ST_L6TOUT: return 10;
	case CHK_ST_L6RSP: return 11;
	case CHK_ST_L7TOUT: return 12;
	case CHK_ST_L7RSP: return 13;
	case CHK_ST_L7OK: return 15;
	case CHK_ST_L7OKC: return 16;
	case CHK_ST_L7STS: return 17;
	default: return 0;
	}
}

/* HAProxy's CHK_RES_*: 0 unknown, 1 neutral, 2 failed, 3 passed, 4
 * passed conditionally. */
static int
hchk_result(int st)
{
	switch (st) {
	case CHK_ST_UNKNOWN:
	case CHK_ST_INI: return 0;
	case CHK_ST_CHECKED: return 1;
	case CHK_ST_L4OK:
	case CHK_ST_L6OK:
	case CHK_ST_L7OK: return 3;
	case CHK_ST_L7OKC: return 4;
	default: return 2;
	}
}

/* Our SRV_ADMF_* bits as HAProxy numbers them in the state file. */
static int
hap_admin(int admf)
{
	int r = 0;
	r |= (admf & SRV_ADMF_FMAINT) ? 0x01 : 0;
	r |= (admf & SRV_ADMF_IMAINT) ? 0x02 : 0;
	r |= (admf & SRV_ADMF_CMAINT) ? 0x04 : 0;
	r |= (admf & SRV_ADMF_FDRAIN) ? 0x08 : 0;
	r |= (admf & SRV_ADMF_IDRAIN) ? 0x10 : 0;
	r |= (admf & SRV_ADMF_RMAINT) ? 0x20 : 0;
	return r;
}

/* "127.0.0.1" and the port of an address, "-" / 0 when none. */
static void
ip_port(const struct cfg_addr *a, char *ip, size_t n, unsigned *port)
{
	*port = 0;
	str_copy(ip, n, "-");
	if (a->kind != ADDR_INET)
		return;
	if (a->ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, ip, (socklen_t)n);
	else if (a->ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, ip, (socklen_t)n);
	if (a->port_mode == ADDR_PORT_FIXED)
		*port = a->port_lo;
}

/* An address set at run time ("set server ... check-addr"), or "-". */
static void
rt_ip(bool set, const struct sockaddr_storage *ss, char *ip, size_t n, const char *dflt)
{
	if (!set) {
		str_copy(ip, n, dflt);
		return;
	}
	if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip, (socklen_t)n);
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip, (socklen_t)n);
}

static void
state_line(struct cli_ctx *c, struct backend *be, struct srv_state *st)
{
	const struct cfg_server *s = st->cfg;
	char text[300], ip[64], caddr[64], aaddr[64];
	unsigned port, cport, aport;
	long long now = now_ms();
	bool maint = (st->admf & SRV_ADMF_MAINT) != 0;
	int op = atomic_load(&st->op);
	int hop = op == SRV_OP_DOWN ? 0 : op == SRV_OP_STOPPING ? 3
	          : atomic_load(&st->ramp_pm) > 0 && atomic_load(&st->ramp_pm) < 1000 ? 1 : 2;
	/* HAProxy's CHK_ST_*: 0x02 configured, 0x04 enabled ("disable
	 * health" clears it), 0x08 paused (maintenance), 0x10 agent */
	int chk_state = (st->checked ? 0x02 : 0) |
	                (st->checked && !atomic_load(&st->chk_disabled) ? 0x04 : 0) |
	                (maint ? 0x08 : 0);
	int agt_state = st->agent ? 0x12 | (!atomic_load(&st->agt_disabled) ? 0x04 : 0) |
	                            (maint ? 0x08 : 0) : 0;
	struct srv_rt rt;

	srv_rt_get(st, &rt);
	st_srv_addr(st, text, sizeof(text), ip, sizeof(ip), &port);
	ip_port(&s->check_addr, caddr, sizeof(caddr), &cport);
	ip_port(&s->agent_addr, aaddr, sizeof(aaddr), &aport);
	rt_ip(rt.check_addr_set, &rt.check_addr, caddr, sizeof(caddr), caddr);
	rt_ip(rt.agent_addr_set, &rt.agent_addr, aaddr, sizeof(aaddr), aaddr);
	int check_port = rt.check_port > 0 ? rt.check_port : s->check_port;
	int agent_port = rt.agent_port > 0 ? rt.agent_port : s->agent_port;
	free(rt.agent_send);
	sbuf_addf(c->out, "%d %s %d %s %s %d %d %d %d %lld %d %d %d %d %d %d %d %s %u - %d %d %s %s %d\n",
	          be->px->id, be->px->name, be->px->disabled ? 0 : st->id, s->name, ip, hop,
	          hap_admin(st->admf),
	          atomic_load(&st->uweight), s->weight,
	          st->last_change_ms > 0 && now > st->last_change_ms ? (now - st->last_change_ms) / 1000 : 0,
	          hchk_index(st->chk.status), hchk_result(st->chk.status), st->chk.health,
	          chk_state, agt_state, be->px->id_forced ? 1 : 0, s->id > 0 ? 1 : 0,
	          s->addr.host ? s->addr.host : "-", port, s->ssl ? 1 : 0,
	          check_port, caddr, aaddr, st->agent ? agent_port : 0);
}

static void
conn_line(struct cli_ctx *c, struct backend *be, struct srv_state *st, size_t i)
{
	const struct cfg_server *s = st->cfg;
	char text[300], ip[64];
	unsigned port;
	struct srv_counters *sc = &be->sc[i];
	unsigned used_max = atomic_load(&sc->conn_max);
	if (used_max == 0 && (st->checked || st->agent) && !(st->admf & SRV_ADMF_MAINT))
		used_max = 1; /* health checks count, as HAProxy's */
	st_srv_addr(st, text, sizeof(text), ip, sizeof(ip), &port);
	sbuf_addf(c->out, "%s/%s %d/%d %s %u - %u %u %u %u 0 0 %d 0", be->px->name, s->name,
	          be->px->id, st->id, ip, port, s->pool_purge_delay, atomic_load(&st->cur_sess),
	          used_max, used_max, s->pool_max_conn);
	for (int t = 0; t < c->eng->nthreads; t++)
		sbuf_adds(c->out, " 0");
	sbuf_addc(c->out, '\n');
}

static enum cli_ret
servers_io(struct cli_ctx *c, bool state)
{
	struct srv_dump *d = c->priv;
	struct engine *eng = c->eng;
	if (!d->header) {
		d->header = true;
		if (state) {
			sbuf_adds(c->out, "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state "
			          "srv_admin_state srv_uweight srv_iweight srv_time_since_last_change "
			          "srv_check_status srv_check_result srv_check_health srv_check_state "
			          "srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port "
			          "srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr "
			          "srv_agent_port\n");
		} else {
			sbuf_addf(c->out, "# bkname/svname bkid/svid addr port - purge_delay used_cur "
			          "used_max need_est unsafe_nb safe_nb idle_lim idle_cur "
			          "idle_per_thr[%d]\n", eng->nthreads);
		}
	}
	while (c->out->len < CLI_CHUNK) {
		if (d->be >= eng->nbackends)
			return dump_done(c);
		struct backend *be = eng->backends[d->be];
		srv_states_setup(eng, be);
		if (d->srv >= be->nsrv) {
			if (d->one)
				return dump_done(c);
			d->be++;
			d->srv = 0;
			continue;
		}
		size_t i = d->srv++;
		if (state)
			state_line(c, be, &be->srvs[i]);
		else
			conn_line(c, be, &be->srvs[i], i);
	}
	return CLI_MORE;
}

static enum cli_ret
servers_state_io(struct cli_ctx *c)
{
	return servers_io(c, true);
}

static enum cli_ret
servers_conn_io(struct cli_ctx *c)
{
	return servers_io(c, false);
}

static enum cli_ret
show_backend_parse(struct cli_ctx *c)
{
	c->pos[0] = 0;
	sbuf_adds(c->out, "# name\n");
	return CLI_MORE;
}

static enum cli_ret
show_backend_io(struct cli_ctx *c)
{
	const struct cfg *cfg = c->eng->cfg;
	while (c->out->len < CLI_CHUNK) {
		if ((size_t)c->pos[0] >= cfg->proxies.n)
			return CLI_DONE;
		const struct cfg_proxy *px = cfg->proxies.v[c->pos[0]++];
		if (px->cap & PX_CAP_BE)
			sbuf_addf(c->out, "%s\n", px->name);
	}
	return CLI_MORE;
}

const struct cli_cmd cli_cmds_stat[] = {
	{ .kw = { "show", "info", NULL }, .usage = "show info [desc|json|typed|float]*",
	  .desc = "report information about the running process", .level = CLI_LEVEL_USER,
	  .parse = show_info_parse },
	{ .kw = { "show", "stat", NULL }, .usage = "show stat [desc|json|no-maint|typed|up]*",
	  .desc = "report counters for each proxy and server", .level = CLI_LEVEL_USER,
	  .parse = show_stat_parse, .io = show_stat_io },
	{ .kw = { "show", "schema", "json", NULL }, .usage = "show schema json",
	  .desc = "report schema used for stats", .level = CLI_LEVEL_USER,
	  .parse = show_schema_parse },
	{ .kw = { "clear", "counters", NULL }, .usage = "clear counters [all]",
	  .desc = "clear max statistics counters (or all counters)",
	  .level = CLI_LEVEL_OPERATOR, .parse = clear_counters_parse },
	{ .kw = { "show", "servers", "state", NULL }, .usage = "show servers state [<backend>]",
	  .desc = "dump volatile server information (all or for a single backend)",
	  .level = CLI_LEVEL_USER, .parse = servers_parse, .io = servers_state_io },
	{ .kw = { "show", "servers", "conn", NULL }, .usage = "show servers conn [<backend>]",
	  .desc = "dump server connections status (all or for a single backend)",
	  .level = CLI_LEVEL_USER, .parse = servers_parse, .io = servers_conn_io },
	{ .kw = { "show", "backend", NULL }, .usage = "show backend",
	  .desc = "list backends in the current running config", .level = CLI_LEVEL_USER,
	  .parse = show_backend_parse, .io = show_backend_io },
	{ .kw = { NULL } },
};
