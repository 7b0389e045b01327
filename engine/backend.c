/* Backend runtime (backend.h) and the runtime facts sample fetches ask
 * the engine (smp_ctx.h: nbsrv, be_conn, srv_is_up...). */
#include "engine/backend.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "engine/engine.h"
#include "engine/lb.h"
#include "engine/session.h"
#include "engine/smp_ctx.h"
#include "engine/srv_cookie.h"
#include "lib/util.h"
#include "parser/proxy.h"
#include "parser/server.h"

struct backend *
backend_new(struct engine *eng, const struct cfg_proxy *px)
{
	struct backend *be = xcalloc(1, sizeof(*be));
	be->px = px;
	be->eng = eng;
	be->nsrv = px->servers.n;
	be->srvs = xcalloc(be->nsrv + 1, sizeof(*be->srvs));
	be->sc = xcalloc(be->nsrv + 1, sizeof(*be->sc));
	lb_srv_init(be->srvs, px);
	be->lb = lb_new(px, be->srvs, be->nsrv);
	srv_cookie_init(be);
	pthread_mutex_init(&be->qlock, NULL);
	be->last_change_ms = now_ms();
	return be;
}

void
backend_free(struct backend *be)
{
	if (be == NULL)
		return;
	lb_free(be->lb);
	srv_cookie_free(be);
	pthread_mutex_destroy(&be->qlock);
	free(be->srvs);
	free(be->sc);
	free(be);
}

int
backend_srv_index(const struct backend *be, const struct srv_state *srv)
{
	if (srv == NULL || srv < be->srvs || srv >= be->srvs + be->nsrv)
		return -1;
	return (int)(srv - be->srvs);
}

void
backend_enqueue(struct backend *be, struct session *s)
{
	pthread_mutex_lock(&be->qlock);
	s->qnext = NULL;
	s->qprev = be->qtail;
	if (be->qtail)
		be->qtail->qnext = s;
	else
		be->qhead = s;
	be->qtail = s;
	s->queued = true;
	int n = atomic_fetch_add(&be->qcur, 1) + 1;
	if (n > be->qmax)
		be->qmax = n;
	s->be_qpos = n;
	pthread_mutex_unlock(&be->qlock);
}

static void
unlink_locked(struct backend *be, struct session *s)
{
	if (s->qprev)
		s->qprev->qnext = s->qnext;
	else
		be->qhead = s->qnext;
	if (s->qnext)
		s->qnext->qprev = s->qprev;
	else
		be->qtail = s->qprev;
	s->qnext = s->qprev = NULL;
	s->queued = false;
	atomic_fetch_sub(&be->qcur, 1);
}

bool
backend_dequeue(struct backend *be, struct session *s)
{
	bool was;
	pthread_mutex_lock(&be->qlock);
	was = s->queued;
	if (was)
		unlink_locked(be, s);
	pthread_mutex_unlock(&be->qlock);
	return was;
}

void
backend_slot_freed(struct backend *be)
{
	/* Every waiting session retries lb_pick on its own thread and stays
	 * queued until it gets a slot. Waking only the head would block the
	 * queue behind a session waiting for another server (hashing,
	 * redispatch); queues are short, so the extra wake-ups are cheap. */
	pthread_mutex_lock(&be->qlock);
	for (struct session *s = be->qhead; s; s = s->qnext)
		event_active(s->qwake, EV_READ, 0);
	pthread_mutex_unlock(&be->qlock);
}

/* ---- runtime facts for sample fetches ---------------------------------- */

static struct backend *
ctx_backend(struct smp_ctx *ctx, const struct cfg_proxy *be)
{
	if (be == NULL)
		be = ctx->be;
	if (be == NULL || ctx->eng == NULL)
		return NULL;
	return engine_backend(ctx->eng, be);
}

static bool
usable(const struct srv_state *s)
{
	return atomic_load(&s->op) == SRV_OP_UP && atomic_load(&s->admin) == SRV_ADMIN_READY;
}

int
sctx_nbsrv(struct smp_ctx *ctx, const struct cfg_proxy *px)
{
	struct backend *be = ctx_backend(ctx, px);
	int n = 0;
	for (size_t i = 0; be && i < be->nsrv; i++)
		if (usable(&be->srvs[i]) && !be->srvs[i].cfg->backup)
			n++;
	return n;
}

int
sctx_be_conn(struct smp_ctx *ctx, const struct cfg_proxy *px)
{
	struct backend *be = ctx_backend(ctx, px);
	return be ? atomic_load(&be->cur_conn) : 0;
}

int
sctx_be_queue(struct smp_ctx *ctx, const struct cfg_proxy *px)
{
	struct backend *be = ctx_backend(ctx, px);
	return be ? atomic_load(&be->qcur) : 0;
}

int
sctx_connslots(struct smp_ctx *ctx, const struct cfg_proxy *px)
{
	struct backend *be = ctx_backend(ctx, px);
	long long slots = 0;
	for (size_t i = 0; be && i < be->nsrv; i++) {
		const struct srv_state *s = &be->srvs[i];
		if (!usable(s))
			continue;
		if (s->cfg->maxconn <= 0)
			return -1; /* unlimited */
		slots += s->cfg->maxconn - (long long)atomic_load(&s->cur_sess);
		if (s->cfg->maxqueue > 0)
			slots += s->cfg->maxqueue - (long long)atomic_load(&s->queued);
	}
	return slots > 0x7fffffff ? 0x7fffffff : (int)slots;
}

static const struct srv_state *
find_srv(struct smp_ctx *ctx, const struct cfg_server *srv)
{
	if (ctx->eng == NULL || srv == NULL)
		return NULL;
	struct backend *be = engine_backend(ctx->eng, srv->px);
	for (size_t i = 0; be && i < be->nsrv; i++)
		if (be->srvs[i].cfg == srv)
			return &be->srvs[i];
	return NULL;
}

bool
sctx_srv_is_up(struct smp_ctx *ctx, const struct cfg_server *srv)
{
	const struct srv_state *s = find_srv(ctx, srv);
	return s && usable(s);
}

int
sctx_srv_conn(struct smp_ctx *ctx, const struct cfg_server *srv)
{
	const struct srv_state *s = find_srv(ctx, srv);
	return s ? (int)atomic_load(&s->cur_sess) : 0;
}

int
sctx_fe_conn(struct smp_ctx *ctx, const struct cfg_proxy *px)
{
	if (ctx->eng == NULL)
		return 0;
	struct frontend *fe = engine_frontend(ctx->eng, px ? px : ctx->fe);
	return fe ? atomic_load(&fe->cur_conn) : 0;
}
