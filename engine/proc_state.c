/* Server states across reloads: reading a "show servers state" dump back
 * at start-up (HAProxy's server-state-file, reference §3.7) and applying
 * it as HAProxy 2.6 does (srv_state_srv_update): the configuration wins
 * where it changed, the running state wins where it did not. */
#include "engine/proc_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/proc.h"
#include "engine/server.h"
#include "engine/srv_state.h"
#include "lib/util.h"
#include "parser/cfg.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "parser/server.h"

/* Fields of a line (reference §3.7) that sluice reads. */
enum {
	F_BE_ID, F_BE_NAME, F_SRV_ID, F_SRV_NAME, F_SRV_ADDR, F_OP, F_ADMIN,
	F_UWEIGHT, F_IWEIGHT, F_LASTCHG, F_CHK_STATUS, F_CHK_RESULT, F_CHK_HEALTH,
	F_CHK_STATE, F_AGT_STATE, F_BK_FORCED, F_SRV_FORCED, F_FQDN, F_PORT,
	F_SRVRECORD,
	F_MIN            /* 2.6 rejects a line with fewer fields */
};

/* HAProxy's admin bits as the file numbers them. */
#define HAP_FMAINT 0x01
#define HAP_CMAINT 0x04
#define HAP_FDRAIN 0x08
/* check/agent state bits */
#define HAP_CHK_CONFIGURED 0x02
#define HAP_CHK_ENABLED    0x04

void
proc_state_free(struct proc_state_file *f)
{
	free(f->text);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/* Cuts line (NUL-terminated) into at most max words in place; blanks
 * are spaces, tabs and the CR of a CRLF line end. */
static size_t
split_words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p == '\0' || n == max)
			return n;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

enum proc_state_res
proc_state_parse(const char *text, size_t len, struct proc_state_file *f, int *bad_line)
{
	memset(f, 0, sizeof(*f));
	*bad_line = 0;
	f->text = xcalloc(1, len + 1);
	memcpy(f->text, text, len);

	char *save = NULL;
	char *line = f->text;
	/* the version line; a NUL in the text ends it as HAProxy's fgets
	 * line would be cut */
	char *nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	char *vw[2];
	size_t nv = split_words(line, vw, 2);
	if (nv != 1 || strcmp(vw[0], "1") != 0)
		return PROC_STATE_NO_VERSION;
	if (nl == NULL)
		return PROC_STATE_OK;
	int no = 0;
	for (char *l = strtok_r(nl + 1, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *p = l;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\0')
			continue;
		no++;
		char *w[F_MIN];
		if (split_words(p, w, F_MIN) < F_MIN) {
			*bad_line = no;
			return PROC_STATE_CORRUPT;
		}
		struct proc_state_line s = {
			.line = no,
			.be_name = w[F_BE_NAME], .srv_name = w[F_SRV_NAME], .srv_addr = w[F_SRV_ADDR],
			.op = w[F_OP], .admin = w[F_ADMIN], .uweight = w[F_UWEIGHT], .iweight = w[F_IWEIGHT],
			.check_state = w[F_CHK_STATE], .agent_state = w[F_AGT_STATE], .port = w[F_PORT],
		};
		if (f->n == f->cap) {
			f->cap = f->cap ? 2 * f->cap : 16;
			f->v = xrealloc(f->v, f->cap * sizeof(*f->v));
		}
		f->v[f->n++] = s;
	}
	return PROC_STATE_OK;
}

/* A whole-string decimal in [lo, hi], or false. */
static bool
num(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static struct srv_state *
find_server(struct backend *be, const char *name)
{
	for (size_t i = 0; i < be->nsrv; i++)
		if (be->srvs[i].cfg->name && strcmp(be->srvs[i].cfg->name, name) == 0)
			return &be->srvs[i];
	return NULL;
}

/* The configured port of a server with a fixed port, else 0. */
static int
cfg_port(const struct cfg_server *cs)
{
	if (cs->addr.kind != ADDR_INET || cs->addr.port_mode != ADDR_PORT_FIXED)
		return 0;
	return cs->addr.port_lo;
}

/* Applies one line to srv of be, as HAProxy's srv_state_srv_update. */
static void
apply_line(struct engine *eng, struct backend *be, struct srv_state *srv,
           const struct proc_state_line *l)
{
	static const char *const why = "changed from server-state after a reload";
	const char *pxn = be->px->name, *sn = srv->cfg->name;
	long op, admin, uw, iw, cst, ast, port;
	const char *bad = NULL, *val = NULL;

	if (!num(l->op, 0, 3, &op))
		bad = "srv_op_state", val = l->op;
	else if (!num(l->admin, 0, 0xff, &admin))
		bad = "srv_admin_state", val = l->admin;
	else if (!num(l->uweight, 0, 256, &uw))
		bad = "srv_uweight", val = l->uweight;
	else if (!num(l->iweight, 0, 256, &iw))
		bad = "srv_iweight", val = l->iweight;
	else if (!num(l->check_state, 0, 0xff, &cst))
		bad = "srv_check_state", val = l->check_state;
	else if (!num(l->agent_state, 0, 0xff, &ast))
		bad = "srv_agent_state", val = l->agent_state;
	else if (!num(l->port, 0, 65535, &port))
		bad = "srv_port", val = l->port;
	if (bad) {
		proc_msg("WARNING", "config : server-state application failed for server '%s/%s', invalid %s value '%s'",
		         pxn, sn, bad, val);
		return;
	}

	/* the operational state (every server starts UP) */
	if (op == 0)
		srv_force_op_why(eng, be, srv, SRV_OP_DOWN, false, why);
	else if (op == 3)
		srv_force_op_why(eng, be, srv, SRV_OP_STOPPING, false, why);

	/* administrative state: "disabled" added or removed in the
	 * configuration wins; otherwise forced maintenance carries over */
	bool cfg_cmaint = (srv->admf & SRV_ADMF_CMAINT) != 0;
	bool file_cmaint = (admin & HAP_CMAINT) != 0;
	if (file_cmaint != cfg_cmaint) {
		if (cfg_cmaint)
			srv_set_admin(eng, be, srv, SRV_ADMIN_MAINT, NULL);
		else
			srv_set_admin(eng, be, srv, SRV_ADMIN_READY, NULL);
	} else if ((admin & HAP_FMAINT) && !cfg_cmaint) {
		srv_set_admin(eng, be, srv, SRV_ADMIN_MAINT, NULL);
	} else if (!(admin & HAP_FMAINT) && cfg_cmaint) {
		srv_set_admin(eng, be, srv, SRV_ADMIN_READY, NULL);
	}
	/* drain: kept unless it only came from a configured weight of 0
	 * that is no longer 0 */
	if (!(srv->admf & SRV_ADMF_FMAINT) && (admin & HAP_FDRAIN) &&
	    (iw > 0 || srv->cfg->weight == 0))
		srv_set_admin(eng, be, srv, SRV_ADMIN_DRAIN, NULL);

	/* "disable health" / "disable agent" carry over */
	if (srv->cfg->check && (cst & HAP_CHK_CONFIGURED) && !(cst & HAP_CHK_ENABLED))
		atomic_store(&srv->chk_disabled, true);
	if (srv->cfg->agent_check && (ast & HAP_CHK_CONFIGURED) && !(ast & HAP_CHK_ENABLED))
		atomic_store(&srv->agt_disabled, true);

	/* the weight set at run time, unless the configured one changed */
	if (iw == srv->cfg->weight) {
		const char *err = NULL;
		srv_set_weight(eng, be, srv, (int)uw, &err);
	}

	/* the port ("set server ... addr <ip> port <n>"); the address
	 * itself is only HAProxy's "init-addr last" hint for servers named
	 * by a host name, which sluice resolves at start-up anyway */
	int cp = cfg_port(srv->cfg);
	if (port > 0 && cp > 0 && port != cp) {
		struct srv_rt rt;
		srv_rt_get(srv, &rt);
		if (!rt.addr_set) {
			rt.addr = srv->cfg->addr.ss;
			rt.addr_set = true;
		}
		if (rt.addr.ss_family == AF_INET)
			((struct sockaddr_in *)&rt.addr)->sin_port = htons((uint16_t)port);
		else if (rt.addr.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&rt.addr)->sin6_port = htons((uint16_t)port);
		rt.port_set = true;
		srv_rt_set(srv, &rt);
		free(rt.agent_send);
	}
}

/* Applies the lines of f naming be (the others are ignored). */
static void
apply_backend(struct engine *eng, struct backend *be, const struct proc_state_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->v[i].be_name, be->px->name) != 0)
			continue;
		struct srv_state *srv = find_server(be, f->v[i].srv_name);
		if (srv)
			apply_line(eng, be, srv, &f->v[i]);
	}
}

/* Reads path whole; NULL (errno set) when it cannot. */
static char *
read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return NULL;
	struct sbuf b = { 0 };
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		sbuf_addn(&b, chunk, n);
	fclose(fp);
	*len = b.len;
	if (b.s == NULL)
		return xstrdup("");
	return sbuf_take(&b);
}

/* The path of a state file: relative ones live under server-state-base. */
static char *
state_path(const struct cfg_global *g, const char *file)
{
	if (file[0] != '/' && g->server_state_base && *g->server_state_base) {
		size_t bl = strlen(g->server_state_base);
		bool slash = g->server_state_base[bl - 1] == '/';
		return xasprintf("%s%s%s", g->server_state_base, slash ? "" : "/", file);
	}
	return xstrdup(file);
}

/* Loads path into f. what: "global " or "" (a backend's own file),
 * px: "Proxy 'be': " or "". false after HAProxy's warning. */
static bool
load_file(const char *path, const char *px, const char *what, struct proc_state_file *f)
{
	size_t len = 0;
	char *text = read_all(path, &len);
	if (text == NULL) {
		proc_msg("WARNING", "config : %sCan't open %sserver state file '%s': %s", px, what, path,
		         strerror(errno));
		return false;
	}
	int bad = 0;
	enum proc_state_res r = proc_state_parse(text, len, f, &bad);
	free(text);
	if (r == PROC_STATE_NO_VERSION)
		proc_msg("WARNING", "config : %sCan't get version of the %sserver state file '%s'.", px, what, path);
	else if (r == PROC_STATE_CORRUPT)
		proc_msg("WARNING", "config : %scorrupted %sserver state file '%s' at line %d.", px, what, path, bad);
	if (r != PROC_STATE_OK) {
		proc_state_free(f);
		return false;
	}
	return true;
}

void
proc_state_load(struct engine *eng, const char *carried, size_t carried_len)
{
	const struct cfg_global *g = eng->cfg->global;
	struct proc_state_file global = { 0 }, carry = { 0 };
	bool have_global = false, global_tried = false, have_carry = false;

	if (carried && carried_len) {
		int bad;
		have_carry = proc_state_parse(carried, carried_len, &carry, &bad) == PROC_STATE_OK;
	}
	for (size_t i = 0; i < eng->nbackends; i++) {
		struct backend *be = eng->backends[i];
		const struct cfg_proxy *px = be->px;
		if (px->name == NULL)
			continue;
		srv_states_setup(eng, be);
		switch (px->load_server_state) {
		case PX_SSL_GLOBAL:
			if (g->server_state_file == NULL || !*g->server_state_file)
				break;
			if (!global_tried) {
				char *path = state_path(g, g->server_state_file);
				have_global = load_file(path, "config: ", "global ", &global);
				free(path);
				global_tried = true;
			}
			if (have_global)
				apply_backend(eng, be, &global);
			break;
		case PX_SSL_LOCAL: {
			const char *name = px->server_state_file_name ? px->server_state_file_name : px->name;
			char *path = state_path(g, name);
			char *pfx = xasprintf("Proxy '%s': ", px->name);
			struct proc_state_file local = { 0 };
			if (load_file(path, pfx, "", &local))
				apply_backend(eng, be, &local);
			proc_state_free(&local);
			free(pfx);
			free(path);
			break;
		}
		case PX_SSL_UNSET:
			/* sluice's default: the previous worker's state */
			if (have_carry)
				apply_backend(eng, be, &carry);
			break;
		case PX_SSL_NONE:
			break;
		}
	}
	proc_state_free(&global);
	proc_state_free(&carry);
}
