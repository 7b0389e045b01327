/* Runtime changes to servers (server.h): weights, maxconn, the stats
 * socket's kills and "clear" of a resolver maintenance, and the runtime
 * overrides (address, ports, agent-send). The state machine itself, and
 * the states forced from the stats socket, are in server.c; what both
 * share is declared in server_int.h. */
#include "engine/server.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backend.h"
#include "engine/lb.h"
#include "engine/server_int.h"
#include "lib/util.h"
#include "parser/server.h"

/* ---- weights ----------------------------------------------------------------- */

/* HAProxy's server_parse_weight_change_request: "N" (0..256) or "N%" of
 * the configured weight; NULL or the error text. */
const char *
srv_weight_change(struct backend *be, struct srv_state *srv, const char *text)
{
	char *end;
	long w = strtol(text, &end, 10);
	if (end == text)
		return "Empty weight string empty or preceded by garbage";
	if (end[0] == '%' && end[1] == '\0') {
		if (w < 0)
			return "Relative weight must be positive.\n";
		if (w > 25600)
			w = 25600;
		w = srv->cfg->weight * w / 100;
		if (w > 256)
			w = 256;
	} else if (w < 0 || w > 256) {
		return "Absolute weight can only be between 0 and 256 inclusive.\n";
	} else if (end[0] != '\0') {
		return "Trailing garbage in weight string";
	}
	if (w && w != srv->cfg->weight && !lb_is_dynamic(be->lb))
		return "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n";
	atomic_store(&srv->uweight, (int)w);
	lb_update(be->lb, srv);
	return NULL;
}

int
srv_set_weight_str(struct engine *eng, struct backend *be, struct srv_state *srv,
                   const char *text, const char **err)
{
	pthread_mutex_lock(&srv_g_lock);
	srv_setup_locked(eng, be);
	const char *e = srv_weight_change(be, srv, text);
	pthread_mutex_unlock(&srv_g_lock);
	if (err)
		*err = e;
	return e ? -1 : 0;
}

int
srv_set_weight(struct engine *eng, struct backend *be, struct srv_state *srv,
               int weight, const char **err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", weight);
	return srv_set_weight_str(eng, be, srv, buf, err);
}

/* HAProxy's server_parse_maxconn_change_request. */
const char *
srv_maxconn_change(struct srv_state *srv, const char *text)
{
	char *end;
	long v = strtol(text, &end, 10);
	if (end == text)
		return "maxconn string empty";
	if (*end)
		return "Trailing garbage in maxconn string";
	if (v < 0 || v > INT_MAX)
		return "Value out of range";
	atomic_store(&srv->maxconn_rt, v == 0 ? -1 : (int)v);
	return NULL;
}

/* ---- stats socket ---------------------------------------------------------- */

void
srv_kill_all(struct srv_state *srv, char why)
{
	srv_kill_sessions(srv, why);
}

void
srv_set_maxconn(struct backend *be, struct srv_state *srv, int maxconn)
{
	pthread_mutex_lock(&srv_g_lock);
	atomic_store(&srv->maxconn_rt, maxconn <= 0 ? -1 : maxconn);
	/* more room: the queued sessions pick again (HAProxy's
	 * process_srv_queue after may_dequeue_tasks) */
	srv_wake_queue(be, srv);
	pthread_mutex_unlock(&srv_g_lock);
}

void
srv_clear_rmaint(struct engine *eng, struct backend *be, struct srv_state *srv)
{
	pthread_mutex_lock(&srv_g_lock);
	srv_setup_locked(eng, be);
	srv_change_admin(eng, be, srv, 0, SRV_ADMF_RMAINT, NULL);
	pthread_mutex_unlock(&srv_g_lock);
}

static void
rt_lock(const struct srv_state *srv)
{
	struct srv_state *w = (struct srv_state *)srv; /* the lock only */
	while (atomic_flag_test_and_set_explicit(&w->rt_lock, memory_order_acquire))
		sched_yield();
}

static void
rt_unlock(const struct srv_state *srv)
{
	struct srv_state *w = (struct srv_state *)srv;
	atomic_flag_clear_explicit(&w->rt_lock, memory_order_release);
}

bool
srv_rt_addr(const struct srv_state *srv, struct sockaddr_storage *out, bool *port_set)
{
	if (atomic_load_explicit(&srv->rt_gen, memory_order_acquire) == 0)
		return false;
	rt_lock(srv);
	bool set = srv->rt.addr_set;
	if (set) {
		*out = srv->rt.addr;
		if (port_set)
			*port_set = srv->rt.port_set;
	}
	rt_unlock(srv);
	return set;
}

void
srv_rt_get(const struct srv_state *srv, struct srv_rt *out)
{
	memset(out, 0, sizeof(*out));
	if (atomic_load_explicit(&srv->rt_gen, memory_order_acquire) == 0)
		return;
	rt_lock(srv);
	*out = srv->rt;
	out->agent_send = srv->rt.agent_send ? xstrdup(srv->rt.agent_send) : NULL;
	rt_unlock(srv);
}

void
srv_rt_set(struct srv_state *srv, const struct srv_rt *in)
{
	rt_lock(srv);
	char *old = srv->rt.agent_send;
	srv->rt = *in;
	srv->rt.agent_send = in->agent_send ? xstrdup(in->agent_send) : NULL;
	atomic_fetch_add_explicit(&srv->rt_gen, 1, memory_order_release);
	rt_unlock(srv);
	free(old);
}
