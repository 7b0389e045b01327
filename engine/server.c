/* Server state changes (server.h), after HAProxy 2.6's srv_update_status,
 * set_server_check_status, the agent reply parser and health_adjust,
 * rewritten from their observed behaviour (reference §1.11, §4.8):
 * - A check's health counts from 0 to rise+fall-1. At or above rise the
 *   server is on the UP side ("UP 2/3" while failing), below it on the
 *   DOWN side ("DOWN 1/2"). A failure that crosses below rise drops it to
 *   0 at once, a success that reaches rise jumps to the top. Servers
 *   start at rise, on the edge: the first failure marks them DOWN.
 * - The agent has its own health (rise = fall = 1); only its explicit
 *   "down"/"fail"/"stopped" (L7STS) count as failures.
 * - Messages are built at the moment of the change and counted after it
 *   ("1 active and 0 backup servers left").
 * One process-wide mutex serialises every change: they are rare, and
 * "track" links servers of different backends.
 * This file holds the state changes and their messages; check and agent
 * reports are in server_chk.c, runtime changes (weights, maxconn, stats
 * socket, overrides) in server_rt.c. */
#include "engine/server.h"

#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/lb.h"
#include "engine/log.h"
#include "engine/server_int.h"
#include "engine/session.h"
#include "lib/util.h"
#include "parser/proxy.h"
#include "parser/proxy_kw.h"
#include "parser/server.h"

pthread_mutex_t srv_g_lock = PTHREAD_MUTEX_INITIALIZER;
static srv_log_fn g_log_hook;
static void *g_log_arg;
srv_resched_fn srv_g_resched;

struct ss_timer {
	struct event *ev;
	struct engine *eng;
	struct backend *be;
	struct srv_state *srv;
};

/* ---- check status table --------------------------------------------- */

static const struct {
	const char *name, *reason;
} chk_tab[] = {
	[CHK_ST_UNKNOWN] = { "UNK", "Unknown" },
	[CHK_ST_INI] = { "INI", "Initializing" },
	[CHK_ST_SOCKERR] = { "SOCKERR", "Socket error" },
	[CHK_ST_L4OK] = { "L4OK", "Layer4 check passed" },
	[CHK_ST_L4TOUT] = { "L4TOUT", "Layer4 timeout" },
	[CHK_ST_L4CON] = { "L4CON", "Layer4 connection problem" },
	[CHK_ST_L6OK] = { "L6OK", "Layer6 check passed" },
	[CHK_ST_L6TOUT] = { "L6TOUT", "Layer6 timeout" },
	[CHK_ST_L6RSP] = { "L6RSP", "Layer6 invalid response" },
	[CHK_ST_L7OK] = { "L7OK", "Layer7 check passed" },
	[CHK_ST_L7OKC] = { "L7OKC", "Layer7 check conditionally passed" },
	[CHK_ST_L7TOUT] = { "L7TOUT", "Layer7 timeout" },
	[CHK_ST_L7RSP] = { "L7RSP", "Layer7 invalid response" },
	[CHK_ST_L7STS] = { "L7STS", "Layer7 wrong status" },
	[CHK_ST_HANA] = { "HANA", "Health analyze" },
	[CHK_ST_CHECKED] = { "CHECKED", "No status change" },
};

const char *
chk_status_name(enum chk_status st)
{
	if ((unsigned)st >= sizeof(chk_tab) / sizeof(chk_tab[0]))
		st = CHK_ST_UNKNOWN;
	return chk_tab[st].name;
}

const char *
chk_status_reason(enum chk_status st)
{
	if ((unsigned)st >= sizeof(chk_tab) / sizeof(chk_tab[0]))
		st = CHK_ST_UNKNOWN;
	return chk_tab[st].reason;
}

bool
chk_status_ok(enum chk_status st)
{
	return st == CHK_ST_L4OK || st == CHK_ST_L6OK || st == CHK_ST_L7OK ||
	       st == CHK_ST_L7OKC;
}

/* HAProxy's "L57DATA" statuses: the layer-7 ones that carry a code, and
 * the only agent results that change the agent's health. */
bool
srv_is_l7data(int st)
{
	return st == CHK_ST_L7OK || st == CHK_ST_L7OKC || st == CHK_ST_L7STS;
}

/* ---- hooks ----------------------------------------------------------- */

void
srv_set_log_hook(srv_log_fn fn, void *arg)
{
	pthread_mutex_lock(&srv_g_lock);
	g_log_hook = fn;
	g_log_arg = arg;
	pthread_mutex_unlock(&srv_g_lock);
}

void
srv_set_resched_hook(srv_resched_fn fn)
{
	pthread_mutex_lock(&srv_g_lock);
	srv_g_resched = fn;
	pthread_mutex_unlock(&srv_g_lock);
}

/* msg: the log text; err: the stderr text (NULL: same as msg). */
static void
emit(struct engine *eng, const struct backend *be, int level, const char *msg,
     const char *err, bool alert)
{
	if (err == NULL)
		err = msg;
	if (g_log_hook) {
		g_log_hook(g_log_arg, be->px, level, msg, err, alert);
		return;
	}
	if (eng && eng->logs)
		log_proxy_text(eng->logs, be->px, level, msg, err, alert);
}

/* ---- setup ----------------------------------------------------------- */

static struct srv_state *
find_state(struct engine *eng, const struct cfg_server *c, struct backend **bep)
{
	for (size_t i = 0; eng && i < eng->nbackends; i++) {
		struct backend *be = eng->backends[i];
		for (size_t k = 0; k < be->nsrv; k++)
			if (be->srvs[k].cfg == c) {
				if (bep)
					*bep = be;
				return &be->srvs[k];
			}
	}
	return NULL;
}

static void
setup_one(struct srv_state *st)
{
	const struct cfg_server *c = st->cfg;
	if (st->setup)
		return;
	st->setup = true;
	st->checked = c->check;
	st->agent = c->agent_check;
	st->chk.rise = c->rise > 0 ? c->rise : 1;
	st->chk.fall = c->fall > 0 ? c->fall : 1;
	st->chk.health = st->chk.rise;   /* on the edge (reference §0 #17) */
	st->chk.status = CHK_ST_INI;
	st->chk.duration_ms = -1;
	st->agt.rise = st->agt.fall = 1;
	st->agt.health = 1;
	st->agt.status = CHK_ST_INI;
	st->agt.duration_ms = -1;
	st->last_change_ms = now_ms();
	if (c->disabled)
		st->admf |= SRV_ADMF_CMAINT | SRV_ADMF_FMAINT;
	if (c->unresolved)
		st->admf |= SRV_ADMF_RMAINT;
	if (st->admf & SRV_ADMF_MAINT) {
		atomic_store(&st->op, SRV_OP_DOWN);
		atomic_store(&st->admin, SRV_ADMIN_MAINT);
		st->chk.health = 0;
	}
}

static int n_usable(const struct backend *be);

void
srv_setup_locked(struct engine *eng, struct backend *be)
{
	if (be->nsrv == 0 || be->srvs[0].setup)
		return;
	for (size_t k = 0; k < be->nsrv; k++)
		setup_one(&be->srvs[k]);
	if (eng == NULL)
		return;
	/* the whole engine at once: "track" crosses backends */
	for (size_t i = 0; i < eng->nbackends; i++)
		for (size_t k = 0; k < eng->backends[i]->nsrv; k++)
			setup_one(&eng->backends[i]->srvs[k]);
	for (size_t i = 0; i < eng->nbackends; i++) {
		struct backend *b = eng->backends[i];
		for (size_t k = 0; k < b->nsrv; k++) {
			struct srv_state *st = &b->srvs[k];
			if (st->cfg->tracked == NULL)
				continue;
			st->tracked = find_state(eng, st->cfg->tracked, NULL);
			if (st->tracked && (st->tracked->admf & SRV_ADMF_MAINT)) {
				st->admf |= SRV_ADMF_IMAINT;
				atomic_store(&st->op, SRV_OP_DOWN);
				atomic_store(&st->admin, SRV_ADMIN_MAINT);
			}
		}
	}
	for (size_t i = 0; i < eng->nbackends; i++) {
		struct backend *b = eng->backends[i];
		for (size_t k = 0; k < b->nsrv; k++)
			lb_update(b->lb, &b->srvs[k]);
		/* the state at start is no transition (stats) */
		b->st_down = b->nsrv > 0 && n_usable(b) == 0;
	}
}

void
srv_states_setup(struct engine *eng, struct backend *be)
{
	pthread_mutex_lock(&srv_g_lock);
	srv_setup_locked(eng, be);
	pthread_mutex_unlock(&srv_g_lock);
}

void
srv_engine_stop(struct engine *eng)
{
	if (eng == NULL)
		return;
	pthread_mutex_lock(&srv_g_lock);
	for (size_t i = 0; i < eng->nbackends; i++) {
		struct backend *be = eng->backends[i];
		for (size_t k = 0; k < be->nsrv; k++) {
			FREE_NULL(be->srvs[k].rt.agent_send); /* "set server ... agent-send" */
			struct ss_timer *t = be->srvs[k].ss_timer;
			if (t == NULL)
				continue;
			event_free(t->ev);
			free(t);
			be->srvs[k].ss_timer = NULL;
		}
	}
	pthread_mutex_unlock(&srv_g_lock);
}

/* ---- counting and message pieces ---------------------------------------- */

const char *
srv_name(const struct srv_state *st)
{
	return st->cfg->name ? st->cfg->name : "";
}

bool
srv_is_backup(const struct srv_state *st)
{
	return st->cfg->backup;
}

/* HAProxy's srv_currently_usable: takes new sessions. */
static bool
usable(const struct srv_state *st)
{
	return atomic_load(&st->op) == SRV_OP_UP &&
	       atomic_load(&st->admin) == SRV_ADMIN_READY &&
	       atomic_load(&st->uweight) > 0;
}

static void
count_usable(const struct backend *be, int *act, int *bck)
{
	*act = *bck = 0;
	for (size_t i = 0; i < be->nsrv; i++)
		if (usable(&be->srvs[i]))
			(*(srv_is_backup(&be->srvs[i]) ? bck : act))++;
}

static int
n_usable(const struct backend *be)
{
	int a, b;
	count_usable(be, &a, &b);
	return a + b;
}

/* HAProxy's chunk_asciiencode with '"' as the quote: non-printable
 * bytes and the quote become \xNN. */
static void
add_encoded(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f || c == '"')
			sbuf_addf(b, "\\x%02x", c);
		else
			sbuf_addc(b, (char)c);
	}
}

/* The reason of a change forced from the stats socket ("changed from
 * CLI"), shown instead of a check's for that server only (its trackers
 * say "via"); set and cleared under srv_g_lock (srv_force_op). */
static const char *g_reason;
static const struct srv_state *g_reason_srv;

/* HAProxy's srv_append_status. chk: the check that caused the change
 * (its reason is shown), or NULL; xferred < 0: no counts; down: the
 * "left" form (the server ends up stopped) rather than "online". */
void
srv_append_status(struct sbuf *b, const struct backend *be, const struct srv_state *st,
                  const struct srv_chk_state *chk, int xferred, bool forced, bool down)
{
	if (chk) {
		sbuf_addf(b, ", reason: %s", chk_status_reason((enum chk_status)chk->status));
		if (srv_is_l7data(chk->status))
			sbuf_addf(b, ", code: %d", chk->code);
		if (chk->desc[0]) {
			sbuf_adds(b, ", info: \"");
			add_encoded(b, chk->desc);
			sbuf_addc(b, '"');
		}
		if (chk->duration_ms >= 0)
			sbuf_addf(b, ", check duration: %ldms", chk->duration_ms);
	} else if (g_reason && g_reason_srv == st) {
		sbuf_addf(b, ", %s", g_reason);
	} else if (!forced && st->tracked) {
		sbuf_addf(b, " via %s/%s", st->tracked->cfg->px->name, srv_name(st->tracked));
	}
	if (xferred < 0)
		return;
	int act, bck;
	count_usable(be, &act, &bck);
	const char *onbck = bck && !act ? " Running on backup." : "";
	if (down)
		sbuf_addf(b, ". %d active and %d backup servers left.%s %u sessions active, %d requeued, %u remaining in queue",
		          act, bck, onbck, atomic_load(&st->cur_sess), xferred,
		          atomic_load(&st->queued));
	else
		sbuf_addf(b, ". %d active and %d backup servers online.%s %d sessions requeued, %u total in queue",
		          act, bck, onbck, xferred, atomic_load(&st->queued));
}

static const char *
bk(const struct srv_state *st)
{
	return srv_is_backup(st) ? "Backup " : "";
}

/* Ends a message: "." then log (and stderr). */
void
srv_finish(struct engine *eng, const struct backend *be, struct sbuf *b, int level)
{
	sbuf_addc(b, '.');
	emit(eng, be, level, b->s, NULL, false);
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* Stats history (chkdown, lastchg, downtime of the BACKEND row): the
 * backend is DOWN while it has servers and none usable. Idempotent:
 * call it after any change. */
static void
be_account(struct backend *be)
{
	bool down = be->nsrv > 0 && n_usable(be) == 0;
	if (down == be->st_down)
		return;
	long long now = now_ms();
	if (down)
		be->down_trans++;
	else
		be->down_ms += now - be->last_change_ms;
	be->last_change_ms = now;
	be->st_down = down;
}

void
srv_clear_counters(struct backend *be)
{
	pthread_mutex_lock(&srv_g_lock);
	for (size_t i = 0; i < be->nsrv; i++) {
		struct srv_state *st = &be->srvs[i];
		st->chk.failed = st->agt.failed = 0;
		st->down_trans = 0;
		st->failed_hana = 0;
	}
	be->down_trans = 0;
	pthread_mutex_unlock(&srv_g_lock);
}

/* A server leaves DOWN: its downtime grows by the time spent there. */
static void
account_down(struct srv_state *srv)
{
	if (atomic_load(&srv->op) == SRV_OP_DOWN)
		srv->down_ms += now_ms() - srv->last_change_ms;
}

/* "backend be has no server available!" when the last usable server of
 * be went away (prev: usable servers before the change). */
static void
check_backend_down(struct engine *eng, struct backend *be, int prev)
{
	be_account(be);
	if (prev == 0 || n_usable(be) != 0)
		return;
	const struct cfg_proxy *px = be->px;
	const char *kind = (px->cap & PX_CAP_FE) ? "proxy" : "backend";
	char *msg = xasprintf("%s %s has no server available!", kind, px->name);
	char *err = xasprintf("%s '%s' has no server available!", kind, px->name);
	emit(eng, be, LVL_EMERG, msg, err, true);
	free(msg);
	free(err);
}

/* ---- acting on traffic --------------------------------------------------- */

static void
sess_lock(struct srv_state *st)
{
	while (atomic_flag_test_and_set_explicit(&st->sess_lock, memory_order_acquire))
		sched_yield();
}

static void
sess_unlock(struct srv_state *st)
{
	atomic_flag_clear_explicit(&st->sess_lock, memory_order_release);
}

void
srv_sess_attach(struct srv_state *srv, struct session *s)
{
	sess_lock(srv);
	s->sprev = NULL;
	s->snext = srv->sess_head;
	if (srv->sess_head)
		srv->sess_head->sprev = s;
	srv->sess_head = s;
	s->slinked = true;
	sess_unlock(srv);
}

void
srv_sess_detach(struct srv_state *srv, struct session *s)
{
	sess_lock(srv);
	if (s->slinked) {
		if (s->sprev)
			s->sprev->snext = s->snext;
		else
			srv->sess_head = s->snext;
		if (s->snext)
			s->snext->sprev = s->sprev;
		s->snext = s->sprev = NULL;
		s->slinked = false;
	}
	sess_unlock(srv);
}

/* Asks every session on srv to close with termination cause why ('D':
 * server went down, 'U': an active server came up); each closes on its
 * own thread (session.c). */
void
srv_kill_sessions(struct srv_state *srv, char why)
{
	sess_lock(srv);
	for (struct session *s = srv->sess_head; s; s = s->snext) {
		sess_request_kill(s, why);
	}
	sess_unlock(srv);
}

/* Sessions queued in the backend pick again: a dead server's hash slot
 * moved, or a new server has room. Returns how many may go to srv (the
 * "requeued" count of an UP line). */
int
srv_wake_queue(struct backend *be, const struct srv_state *srv)
{
	int q = atomic_load(&be->qcur);
	if (q <= 0)
		return 0;
	backend_slot_freed(be);
	if (srv == NULL || !usable(srv))
		return 0;
	int mc = srv->cfg->maxconn;
	int rt = atomic_load(&srv->maxconn_rt);
	if (rt)
		mc = rt < 0 ? 0 : rt;
	if (mc > 0) {
		int room = mc - (int)atomic_load(&srv->cur_sess);
		if (room < q)
			q = room > 0 ? room : 0;
	}
	return q;
}

/* ---- slowstart ------------------------------------------------------------- */

static long
ss_step_ms(const struct srv_state *st)
{
	long ss = (long)st->cfg->slowstart;
	return ss / 20 > 1000 ? ss / 20 : 1000;
}

/* HAProxy's ramp: (16 * elapsed + slowstart) / slowstart sixteenths of
 * the weight, so about 6% at once and full after slowstart. */
static int
ramp_pm(const struct srv_state *st, long long now)
{
	long long ss = st->cfg->slowstart;
	long long el = now - st->ss_start_ms;
	if (ss <= 0 || st->ss_start_ms == 0 || el >= ss)
		return 0;
	if (el < 0)
		el = 0;
	long long w = (16 * el + ss) / ss;
	int pm = (int)(w * 1000 / 16);
	return pm >= 1000 ? 0 : (pm < 1 ? 1 : pm);
}

int
srv_eff_weight(const struct srv_state *srv)
{
	int uw = atomic_load(&srv->uweight);
	int pm = atomic_load(&srv->ramp_pm);
	if (uw <= 0 || pm <= 0 || pm >= 1000)
		return uw < 0 ? 0 : uw;
	int w = (uw * pm + 999) / 1000;
	return w < 1 ? 1 : w;
}

static long
ss_step_locked(struct backend *be, struct srv_state *srv, long long now)
{
	if (srv->ss_start_ms == 0)
		return 0;
	int pm = ramp_pm(srv, now);
	if (pm != atomic_load(&srv->ramp_pm)) {
		atomic_store(&srv->ramp_pm, pm);
		lb_update(be->lb, srv);
	}
	if (pm == 0) {
		srv->ss_start_ms = 0;
		return 0;
	}
	return ss_step_ms(srv);
}

long
srv_slowstart_step(struct backend *be, struct srv_state *srv, long long now)
{
	pthread_mutex_lock(&srv_g_lock);
	long r = ss_step_locked(be, srv, now);
	pthread_mutex_unlock(&srv_g_lock);
	return r;
}

static void
ms_tv(struct timeval *tv, long ms)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

static void
on_ss_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ss_timer *t = arg;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&srv_g_lock);
	long next = ss_step_locked(t->be, t->srv, now_ms());
	if (next > 0) {
		struct timeval tv;
		ms_tv(&tv, next);
		event_add(t->ev, &tv);
	}
	pthread_mutex_unlock(&srv_g_lock);
}

/* Starts the ramp of a server coming back UP. The timer lives on the
 * first worker's event base and is never freed before srv_engine_stop
 * (freeing it from another thread could wait on its running callback,
 * which waits on our lock): a cancelled ramp just leaves it idle. */
static void
ss_start(struct engine *eng, struct backend *be, struct srv_state *srv)
{
	if (srv->cfg->slowstart == 0)
		return;
	srv->ss_start_ms = now_ms();
	atomic_store(&srv->ramp_pm, ramp_pm(srv, srv->ss_start_ms));
	if (eng == NULL || eng->workers == NULL || eng->nthreads <= 0 ||
	    eng->workers[0].base == NULL)
		return;
	struct ss_timer *t = srv->ss_timer;
	if (t == NULL) {
		t = xcalloc(1, sizeof(*t));
		t->eng = eng;
		t->be = be;
		t->srv = srv;
		t->ev = evtimer_new(eng->workers[0].base, on_ss_timer, t);
		srv->ss_timer = t;
	}
	struct timeval tv;
	ms_tv(&tv, ss_step_ms(srv));
	event_add(t->ev, &tv);
}

static void
ss_stop(struct srv_state *srv)
{
	srv->ss_start_ms = 0;
	atomic_store(&srv->ramp_pm, 0);
}

/* ---- operational state ------------------------------------------------------ */

static void propagate_op(struct engine *eng, struct srv_state *srv);

bool
srv_log_hc(const struct backend *be)
{
	return PX_OPT(be->px, PXO_LOG_HEALTH_CHECKS) != 0;
}

/* The check to cite in a state line: none when tracking (the line says
 * "via") or when log-health-checks already logged the check. */
const struct srv_chk_state *
srv_cite(const struct backend *be, const struct srv_state *srv, const struct srv_chk_state *c)
{
	if (c == NULL || srv->tracked || srv_log_hc(be))
		return NULL;
	return c;
}

void
srv_set_stopped(struct engine *eng, struct backend *be, struct srv_state *srv,
                const struct srv_chk_state *why)
{
	if ((srv->admf & SRV_ADMF_MAINT) || atomic_load(&srv->op) == SRV_OP_DOWN)
		return;
	int prev = n_usable(be);
	bool was_stopping = atomic_load(&srv->op) == SRV_OP_STOPPING ||
	                    (srv->admf & SRV_ADMF_DRAIN);
	atomic_store(&srv->op, SRV_OP_DOWN);
	srv->last_change_ms = now_ms();
	srv->down_trans++;
	ss_stop(srv);
	lb_update(be->lb, srv);

	/* the line counts the sessions the server had when it went down, so
	 * it is written before they are shut down on their threads */
	struct sbuf b = { 0 };
	sbuf_addf(&b, "%sServer %s/%s is DOWN", bk(srv), be->px->name, srv_name(srv));
	srv_append_status(&b, be, srv, why, 0, false, true);
	if (srv->cfg->on_marked_down_shutdown)
		srv_kill_sessions(srv, 'D');
	srv_wake_queue(be, NULL);
	srv_finish(eng, be, &b, was_stopping ? LVL_NOTICE : LVL_ALERT);
	check_backend_down(eng, be, prev);
	propagate_op(eng, srv);
}

/* After UP: "on-marked-up shutdown-backup-sessions" closes the sessions
 * of the backups when an active server with a weight can take them. */
static void
after_up(struct backend *be, struct srv_state *srv)
{
	if (!srv->cfg->on_marked_up_shutdown_backup || srv_is_backup(srv) ||
	    srv_eff_weight(srv) <= 0)
		return;
	for (size_t i = 0; i < be->nsrv; i++)
		if (srv_is_backup(&be->srvs[i]))
			srv_kill_sessions(&be->srvs[i], 'U');
}

void
srv_set_running(struct engine *eng, struct backend *be, struct srv_state *srv,
                const struct srv_chk_state *why)
{
	int op = atomic_load(&srv->op);
	if ((srv->admf & SRV_ADMF_MAINT) || op == SRV_OP_UP)
		return;
	int prev = n_usable(be);
	account_down(srv);
	atomic_store(&srv->op, SRV_OP_UP);
	srv->last_change_ms = now_ms();
	if (op == SRV_OP_DOWN)
		ss_start(eng, be, srv);
	lb_update(be->lb, srv);
	after_up(be, srv);
	int xferred = srv_wake_queue(be, srv);

	struct sbuf b = { 0 };
	sbuf_addf(&b, "%sServer %s/%s is UP", bk(srv), be->px->name, srv_name(srv));
	srv_append_status(&b, be, srv, why, xferred, false, false);
	srv_finish(eng, be, &b, LVL_NOTICE);
	check_backend_down(eng, be, prev);
	propagate_op(eng, srv);
}

/* A check passed "conditionally" (disable-on-404): HAProxy's STOPPING,
 * shown as NOLB: no new sessions, existing ones go on. */
void
srv_set_stopping(struct engine *eng, struct backend *be, struct srv_state *srv,
                 const struct srv_chk_state *why)
{
	if ((srv->admf & SRV_ADMF_MAINT) || atomic_load(&srv->op) == SRV_OP_STOPPING)
		return;
	int prev = n_usable(be);
	account_down(srv);
	atomic_store(&srv->op, SRV_OP_STOPPING);
	srv->last_change_ms = now_ms();
	ss_stop(srv);
	lb_update(be->lb, srv);
	srv_wake_queue(be, NULL);

	struct sbuf b = { 0 };
	sbuf_addf(&b, "%sServer %s/%s is stopping", bk(srv), be->px->name, srv_name(srv));
	srv_append_status(&b, be, srv, why, 0, false, false);
	srv_finish(eng, be, &b, LVL_NOTICE);
	check_backend_down(eng, be, prev);
	propagate_op(eng, srv);
}

/* Servers tracking srv follow its operational state (no reason: their
 * lines say "via be/srv"). */
static void
propagate_op(struct engine *eng, struct srv_state *srv)
{
	for (size_t i = 0; eng && i < eng->nbackends; i++) {
		struct backend *b = eng->backends[i];
		for (size_t k = 0; k < b->nsrv; k++) {
			struct srv_state *t = &b->srvs[k];
			if (t->tracked != srv)
				continue;
			switch (atomic_load(&srv->op)) {
			case SRV_OP_DOWN:
				srv_set_stopped(eng, b, t, NULL);
				break;
			case SRV_OP_UP:
				srv_set_running(eng, b, t, NULL);
				break;
			default:
				srv_set_stopping(eng, b, t, NULL);
				break;
			}
		}
	}
}

/* ---- administrative state ------------------------------------------------------ */

static void
sync_admin(struct srv_state *srv)
{
	atomic_store(&srv->admin, (srv->admf & SRV_ADMF_MAINT) ? SRV_ADMIN_MAINT
	                          : (srv->admf & SRV_ADMF_DRAIN) ? SRV_ADMIN_DRAIN
	                                                         : SRV_ADMIN_READY);
}

/* The whole admin transition from flags prev to srv->admf, as HAProxy's
 * srv_update_status does it: maintenance first, then drain. */
static void
apply_admin(struct engine *eng, struct backend *be, struct srv_state *srv, int prev,
            const char *why)
{
	int now = srv->admf;
	bool pm = prev & SRV_ADMF_MAINT, nm = now & SRV_ADMF_MAINT;
	bool pd = prev & SRV_ADMF_DRAIN, nd = now & SRV_ADMF_DRAIN;
	int prevn = n_usable(be);
	bool was_stopping = atomic_load(&srv->op) == SRV_OP_STOPPING || pd;
	char cause[300] = "";
	if (why && *why)
		snprintf(cause, sizeof(cause), " (%s)", why);
	struct sbuf b = { 0 };

	sync_admin(srv);
	if (!pm && nm) {
		bool forced = now & SRV_ADMF_FMAINT;
		if (srv->checked)
			srv->chk.health = 0; /* checks pause */
		if (atomic_load(&srv->op) == SRV_OP_DOWN) {
			lb_update(be->lb, srv);
			sbuf_addf(&b, "%sServer %s/%s was DOWN and now enters maintenance%s",
			          bk(srv), be->px->name, srv_name(srv), cause);
			srv_append_status(&b, be, srv, NULL, -1, forced, true);
			srv_finish(eng, be, &b, LVL_NOTICE);
		} else {
			atomic_store(&srv->op, SRV_OP_DOWN);
			srv->last_change_ms = now_ms();
			srv->down_trans++;
			ss_stop(srv);
			lb_update(be->lb, srv);
			sbuf_addf(&b, "%sServer %s/%s is going DOWN for maintenance%s",
			          bk(srv), be->px->name, srv_name(srv), cause);
			srv_append_status(&b, be, srv, NULL, 0, forced, true);
			if (srv->cfg->on_marked_down_shutdown)
				srv_kill_sessions(srv, 'D');
			srv_wake_queue(be, NULL);
			srv_finish(eng, be, &b, was_stopping ? LVL_NOTICE : LVL_ALERT);
			check_backend_down(eng, be, prevn);
		}
	} else if (pm && !nm) {
		if (srv->checked)
			srv->chk.health = srv->chk.rise; /* on the edge, checked soon */
		const struct srv_state *tr = srv->tracked;
		if ((tr == NULL || atomic_load(&tr->op) != SRV_OP_DOWN) &&
		    (!srv->agent || srv->agt.health >= srv->agt.rise) &&
		    (!srv->checked || srv->chk.health >= srv->chk.rise)) {
			account_down(srv);
			if (tr && atomic_load(&tr->op) == SRV_OP_STOPPING) {
				atomic_store(&srv->op, SRV_OP_STOPPING);
			} else {
				atomic_store(&srv->op, SRV_OP_UP);
				ss_start(eng, be, srv);
			}
			srv->last_change_ms = now_ms();
		}
		const char *st = atomic_load(&srv->op) == SRV_OP_DOWN ? "DOWN" : "UP";
		const char *ad = nd ? "DRAIN" : "READY";
		if (prev & SRV_ADMF_IMAINT)
			sbuf_addf(&b, "%sServer %s/%s is %s/%s (leaving maintenance)", bk(srv),
			          be->px->name, srv_name(srv), st, ad);
		else
			sbuf_addf(&b, "%sServer %s/%s is %s/%s (leaving forced maintenance)",
			          bk(srv), be->px->name, srv_name(srv), st, ad);
		srv_finish(eng, be, &b, LVL_NOTICE);
		lb_update(be->lb, srv);
		if (usable(srv)) {
			after_up(be, srv);
			srv_wake_queue(be, srv);
		}
	} else if (nm) {
		if ((prev & SRV_ADMF_FMAINT) && !(now & SRV_ADMF_FMAINT)) {
			sbuf_addf(&b, "%sServer %s/%s is leaving forced maintenance but remains in maintenance",
			          bk(srv), be->px->name, srv_name(srv));
			srv_append_status(&b, be, srv, NULL, -1, false, true);
			srv_finish(eng, be, &b, LVL_NOTICE);
		} else if ((prev & SRV_ADMF_IMAINT) && !(now & SRV_ADMF_IMAINT)) {
			sbuf_addf(&b, "%sServer %s/%s remains in forced maintenance",
			          bk(srv), be->px->name, srv_name(srv));
			srv_finish(eng, be, &b, LVL_NOTICE);
		}
	}

	/* drain applies only outside maintenance */
	if (!pm && !nm && !pd && nd) {
		bool down = atomic_load(&srv->op) == SRV_OP_DOWN;
		srv->last_change_ms = now_ms();
		lb_update(be->lb, srv);
		srv_wake_queue(be, NULL);
		sbuf_addf(&b, "%sServer %s/%s enters drain state%s", bk(srv), be->px->name,
		          srv_name(srv), cause);
		srv_append_status(&b, be, srv, NULL, 0, (now & SRV_ADMF_FDRAIN) != 0, down);
		srv_finish(eng, be, &b, LVL_NOTICE);
		check_backend_down(eng, be, prevn);
	} else if (!pm && !nm && pd && !nd) {
		srv->last_change_ms = now_ms();
		lb_update(be->lb, srv);
		/* "forced" even for a tracker's inherited drain (observed) */
		sbuf_addf(&b, "%sServer %s/%s is %s (leaving forced drain)", bk(srv), be->px->name,
		          srv_name(srv), atomic_load(&srv->op) == SRV_OP_DOWN ? "DOWN" : "UP");
		srv_finish(eng, be, &b, LVL_NOTICE);
		if (usable(srv)) {
			after_up(be, srv);
			srv_wake_queue(be, srv);
		}
	} else if (!nm && nd && (pm || (prev & SRV_ADMF_DRAIN) != (now & SRV_ADMF_DRAIN))) {
		/* still draining, after maintenance or with other drain flags:
		 * HAProxy's wording, as observed (leaving maintenance into
		 * drain says "remains in forced drain mode" when forced) */
		bool lost_forced = (prev & SRV_ADMF_FDRAIN) && !(now & SRV_ADMF_FDRAIN);
		if (pm ? !(now & SRV_ADMF_FDRAIN) : lost_forced) {
			sbuf_addf(&b, "%sServer %s/%s is leaving forced drain but remains in drain mode",
			          bk(srv), be->px->name, srv_name(srv));
			srv_append_status(&b, be, srv, NULL, -1, false, false);
		} else {
			sbuf_addf(&b, "%sServer %s/%s remains in forced drain mode", bk(srv),
			          be->px->name, srv_name(srv));
		}
		srv_finish(eng, be, &b, LVL_NOTICE);
	}
	free(b.s);
	be_account(be);

	/* trackers inherit maintenance and drain */
	for (size_t i = 0; eng && i < eng->nbackends; i++) {
		struct backend *tb = eng->backends[i];
		for (size_t k = 0; k < tb->nsrv; k++) {
			struct srv_state *t = &tb->srvs[k];
			if (t->tracked != srv)
				continue;
			int set = 0, clr = 0;
			if (nm && !(t->admf & SRV_ADMF_IMAINT))
				set |= SRV_ADMF_IMAINT;
			if (!nm && (t->admf & SRV_ADMF_IMAINT))
				clr |= SRV_ADMF_IMAINT;
			if (nd && !(t->admf & SRV_ADMF_IDRAIN))
				set |= SRV_ADMF_IDRAIN;
			if (!nd && (t->admf & SRV_ADMF_IDRAIN))
				clr |= SRV_ADMF_IDRAIN;
			if (set | clr)
				srv_change_admin(eng, tb, t, set, clr, why);
		}
	}
}

void
srv_change_admin(struct engine *eng, struct backend *be, struct srv_state *srv, int set,
                 int clr, const char *why)
{
	int prev = srv->admf;
	srv->admf = (prev | set) & ~clr;
	if (srv->admf != prev)
		apply_admin(eng, be, srv, prev, why);
}

void
srv_set_admin(struct engine *eng, struct backend *be, struct srv_state *srv,
              int admin, const char *why)
{
	pthread_mutex_lock(&srv_g_lock);
	srv_setup_locked(eng, be);
	switch (admin) {
	case SRV_ADMIN_READY:
		srv_change_admin(eng, be, srv, 0, SRV_ADMF_FMAINT | SRV_ADMF_CMAINT | SRV_ADMF_FDRAIN, why);
		break;
	case SRV_ADMIN_DRAIN:
		srv_change_admin(eng, be, srv, SRV_ADMF_FDRAIN, SRV_ADMF_FMAINT | SRV_ADMF_CMAINT, why);
		break;
	case SRV_ADMIN_MAINT:
		srv_change_admin(eng, be, srv, SRV_ADMF_FMAINT, SRV_ADMF_FDRAIN, why);
		break;
	}
	pthread_mutex_unlock(&srv_g_lock);
}

/* ---- forced from the stats socket ------------------------------------------ */

void
srv_force_op(struct engine *eng, struct backend *be, struct srv_state *srv, int op,
             bool agent)
{
	srv_force_op_why(eng, be, srv, op, agent, "changed from CLI");
}

void
srv_force_op_why(struct engine *eng, struct backend *be, struct srv_state *srv, int op,
                 bool agent, const char *reason)
{
	pthread_mutex_lock(&srv_g_lock);
	srv_setup_locked(eng, be);
	struct srv_chk_state *c = agent ? &srv->agt : &srv->chk;
	c->health = op == SRV_OP_DOWN ? 0 : c->rise + c->fall - 1;
	g_reason = reason;
	g_reason_srv = srv;
	if (op == SRV_OP_UP)
		srv_set_running(eng, be, srv, NULL);
	else if (op == SRV_OP_STOPPING)
		srv_set_stopping(eng, be, srv, NULL);
	else
		srv_set_stopped(eng, be, srv, NULL);
	g_reason = NULL;
	g_reason_srv = NULL;
	pthread_mutex_unlock(&srv_g_lock);
}
