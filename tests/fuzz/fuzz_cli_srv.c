/* libFuzzer target for the stats socket commands that change servers,
 * frontends and sessions (stats/cmd_srv.c, stats/cmd_sess.c): the input
 * is fed as command lines to a connection serving cli_cmds_srv at level
 * admin, on an engine built once from a small configuration (backends
 * with checks, an agent and a tracking server, one frontend; no worker
 * threads, no sockets). State changes persist across inputs, as on a
 * live socket. Checks that no command crashes, leaks or loops, and that
 * the servers' weights stay in HAProxy's range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/server.h"
#include "parser/cfg.h"
#include "parser/proxy.h"
#include "stats/cli_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char conf[] =
	"defaults\n mode tcp\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n"
	"frontend fe\n bind 127.0.0.1:1\n default_backend be\n"
	"backend be\n server s1 127.0.0.1:2 check agent-check agent-port 3 maxconn 2\n"
	" server s2 127.0.0.1:4 check\n"
	"backend be2\n balance static-rr\n server t1 127.0.0.1:5 track be/s2\n";

static struct engine eng;

static void
quiet(void *arg, const struct cfg_proxy *px, int level, const char *msg, const char *err,
      bool alert)
{
	(void)arg;
	(void)px;
	(void)level;
	(void)msg;
	(void)err;
	(void)alert;
}

static void
setup(void)
{
	static struct diag d;
	struct cfg_opts o = { .check_files = false };
	struct cfg *cfg = cfg_load_string("fuzz.cfg", conf, strlen(conf), &o, true, &d);
	if (cfg == NULL)
		abort();
	eng.cfg = cfg;
	eng.maxconn = eng.hard_maxconn = 100;
	eng.backends = calloc(cfg->proxies.n + 1, sizeof(*eng.backends));
	eng.frontends = calloc(cfg->proxies.n + 1, sizeof(*eng.frontends));
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		if (px->cap & PX_CAP_BE)
			eng.backends[eng.nbackends++] = backend_new(&eng, px);
		if (px->cap & PX_CAP_FE) {
			struct frontend *fe = &eng.frontends[eng.nfrontends++];
			fe->px = px;
			fe->maxconn = 100;
		}
	}
	eng.be_by_name = calloc(eng.nbackends + 1, sizeof(*eng.be_by_name));
	eng.be_by_px = calloc(eng.nbackends + 1, sizeof(*eng.be_by_px));
	/* in declaration order, which is also name order here */
	memcpy(eng.be_by_name, eng.backends, eng.nbackends * sizeof(*eng.backends));
	memcpy(eng.be_by_px, eng.backends, eng.nbackends * sizeof(*eng.backends));
	srv_set_log_hook(quiet, NULL);
	for (size_t i = 0; i < eng.nbackends; i++)
		srv_states_setup(&eng, eng.backends[i]);
}

static const struct cli_cmd *const f_tables[] = { cli_cmds_srv, NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (eng.cfg == NULL)
		setup();
	if (size > 20000)
		return 0;
	struct cli_conn *c = cli_conn_new(&eng, f_tables, CLI_LEVEL_ADMIN);
	size_t off = 0;
	bool done = false;
	for (int guard = 0; !done && guard < 100000; guard++) {
		off += cli_conn_input(c, (const char *)data + off, size - off);
		c->eof = off == size;
		done = cli_conn_run(c);
		sbuf_reset(&c->out);
		if (c->stalled || (!done && off == size && !c->busy))
			break;
	}
	cli_conn_free(c);
	for (size_t i = 0; i < eng.nbackends; i++)
		for (size_t k = 0; k < eng.backends[i]->nsrv; k++) {
			int w = atomic_load(&eng.backends[i]->srvs[k].uweight);
			if (w < 0 || w > 256)
				abort();
		}
	return 0;
}
