/* The engine's side of health checks: one chk_runner (chk_run.h) whose
 * hooks are the server-state functions of engine/server.h. */
#include <stdlib.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/server.h"
#include "health/chk_run.h"
#include "health/health.h"
#include "lib/log.h"
#include "parser/proxy.h"
#include "parser/server.h"

struct hc_srv {
	struct backend *be;
	struct srv_state *srv;
	bool agent;             /* the agent check of the server */
};

static struct {
	struct chk_runner *run;
	struct engine *eng;
	VEC(struct hc_srv *) srvs;
} hc;

static void
on_report(void *arg, struct chk_target *t, const struct chk_result *r)
{
	struct hc_srv *s = chk_target_user(t);
	srv_check_report(hc.eng, s->be, s->srv, r);
}

static void
on_agent(void *arg, struct chk_target *t, const char *reply,
         const struct chk_result *r)
{
	struct hc_srv *s = chk_target_user(t);
	srv_agent_report(hc.eng, s->be, s->srv, reply, r);
}

/* The state function knows the health counter (agent and observe
 * results change it too): it picks inter / fastinter / downinter. */
static uint32_t
on_interval(void *arg, struct chk_target *t)
{
	struct hc_srv *s = chk_target_user(t);
	long ms = s->agent ? srv_next_agent_interval(s->srv) : srv_next_check_interval(s->srv);
	return ms > 0 ? (uint32_t)ms : 1;
}

/* send-state: what the runner cannot know (sessions, queue, weights). */
static void
on_view(void *arg, struct chk_target *t, struct chk_srv_view *v)
{
	struct hc_srv *s = chk_target_user(t);
	v->up = atomic_load(&s->srv->op) != SRV_OP_DOWN;
	v->draining = atomic_load(&s->srv->admin) == SRV_ADMIN_DRAIN;
	v->weight = srv_eff_weight(s->srv);
	v->tot_weight = 0;
	for (size_t i = 0; i < s->be->nsrv; i++)
		if (!s->be->srvs[i].cfg->backup && atomic_load(&s->be->srvs[i].op) != SRV_OP_DOWN)
			v->tot_weight += srv_eff_weight(&s->be->srvs[i]);
	v->scur = (int)atomic_load(&s->srv->cur_sess);
	v->be_conn = atomic_load(&s->be->cur_conn) - atomic_load(&s->be->qcur);
	v->qcur = (int)atomic_load(&s->srv->queued);
}

/* The stats socket's runtime changes (engine/server.h srv_rt). */
static void
on_override(void *arg, struct chk_target *t, struct chk_override *o)
{
	struct hc_srv *s = chk_target_user(t);
	o->disabled = atomic_load(s->agent ? &s->srv->agt_disabled : &s->srv->chk_disabled);
	if (atomic_load(&s->srv->rt_gen) == 0)
		return;
	struct srv_rt rt;
	srv_rt_get(s->srv, &rt);
	o->addr_set = rt.addr_set;
	o->port_set = rt.port_set;
	o->addr = rt.addr;
	o->chk_addr_set = s->agent ? rt.agent_addr_set : rt.check_addr_set;
	o->chk_addr = s->agent ? rt.agent_addr : rt.check_addr;
	o->chk_port = s->agent ? rt.agent_port : rt.check_port;
	o->agent_send = s->agent ? rt.agent_send : NULL;
	if (!s->agent)
		free(rt.agent_send);
}

/* For show stat's "* " prefix: a plain store, no lock on any path. */
static void
on_running(void *arg, struct chk_target *t, bool on)
{
	struct hc_srv *s = chk_target_user(t);
	atomic_store(s->agent ? &s->srv->agt_running : &s->srv->chk_running, on);
}

static void
add(struct backend *be, struct srv_state *srv, bool agent)
{
	struct hc_srv *s = xcalloc(1, sizeof(*s));
	s->be = be;
	s->srv = srv;
	s->agent = agent;
	VEC_PUSH(hc.srvs, s);
	char *err = NULL;
	if (chk_runner_add(hc.run, be->px, srv->cfg, agent, s, &err) == NULL) {
		log_warnx("%s of server %s/%s disabled: %s", agent ? "agent check" : "health check",
		          be->px->name, srv->cfg->name, err ? err : "cannot run");
		free(err);
	}
}

int
health_start(struct engine *eng)
{
	static const struct chk_hooks hooks = { on_report, on_agent, on_interval, on_view,
	                                        on_override, on_running };
	health_stop();
	hc.eng = eng;
	hc.run = chk_runner_new(eng->cfg, &hooks, NULL);
	if (hc.run == NULL)
		return -1;
	for (size_t b = 0; b < eng->nbackends; b++) {
		struct backend *be = eng->backends[b];
		for (size_t i = 0; i < be->nsrv; i++) {
			const struct cfg_server *cs = be->srvs[i].cfg;
			if (cs->track)
				continue;
			if (cs->check)
				add(be, &be->srvs[i], false);
			if (cs->agent_check)
				add(be, &be->srvs[i], true);
		}
	}
	return chk_runner_start(hc.run);
}

void
health_stop(void)
{
	chk_runner_free(hc.run);
	hc.run = NULL;
	for (size_t i = 0; i < hc.srvs.n; i++)
		free(hc.srvs.v[i]);
	free(hc.srvs.v);
	hc.srvs.v = NULL;
	hc.srvs.n = hc.srvs.cap = 0;
	hc.eng = NULL;
}
