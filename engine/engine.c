/* Engine lifecycle: build the runtime from a config, bind, run the
 * worker threads, stop on signals (see engine.h). */
#include "engine/engine.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "engine/backend.h"
#include "engine/http_act.h"
#include "engine/http.h"
#include "engine/http_local.h"
#include "engine/listener.h"
#include "engine/log.h"
#include "engine/proc.h"
#include "engine/relay.h"
#include "engine/smp_eval.h"
#include "engine/sni_stats.h"
#include "engine/server.h"
#include "engine/session.h"
#include "engine/support.h"
#include "engine/tls.h"
#include "health/health.h"
#include "lib/log.h"
#include "parser/acl.h"
#include "parser/bind.h"
#include "parser/global.h"
#include "parser/proxy.h"
#include "stats/cli.h"

long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
cpu_count(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		int n = CPU_COUNT(&set);
		if (n > 0)
			return n > 64 ? 64 : n;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)(n > 64 ? 64 : n) : 1;
}

int
engine_thread_count(const struct cfg *cfg)
{
	return cfg->global->nbthread > 0 ? cfg->global->nbthread : cpu_count();
}

struct frontend *
engine_frontend(struct engine *eng, const struct cfg_proxy *px)
{
	for (size_t i = 0; i < eng->nfrontends; i++)
		if (eng->frontends[i].px == px)
			return &eng->frontends[i];
	return NULL;
}

/* Backends are looked up for every session (and by name for dynamic
 * use_backend): two sorted indexes, searched in O(log n). */
static int
cmp_be_px(const void *a, const void *b)
{
	const struct cfg_proxy *x = (*(struct backend *const *)a)->px;
	const struct cfg_proxy *y = (*(struct backend *const *)b)->px;
	return x < y ? -1 : x > y;
}

static int
cmp_be_name(const void *a, const void *b)
{
	return strcmp((*(struct backend *const *)a)->px->name,
	              (*(struct backend *const *)b)->px->name);
}

struct backend *
engine_backend(struct engine *eng, const struct cfg_proxy *px)
{
	struct backend key = { .px = px }, *kp = &key;
	struct backend **r = bsearch(&kp, eng->be_by_px, eng->nbackends,
	                             sizeof(*eng->be_by_px), cmp_be_px);
	return r ? *r : NULL;
}

struct backend *
engine_backend_by_name(struct engine *eng, const char *name)
{
	struct cfg_proxy kpx = { .name = (char *)name };
	struct backend key = { .px = &kpx }, *kp = &key;
	struct backend **r = bsearch(&kp, eng->be_by_name, eng->nbackends,
	                             sizeof(*eng->be_by_name), cmp_be_name);
	return r ? *r : NULL;
}

/* ---- connection limits --------------------------------------------------- */

/* Takes one of max slots of cur. A compare-and-swap, not an add undone
 * above the limit: a thread refused must not show the count at max + 1
 * for a moment to the others (their %fc, smax and scur read it). */
static bool
slot_take(atomic_int *cur, int max)
{
	int v = atomic_load(cur);
	do {
		if (v >= max)
			return false;
	} while (!atomic_compare_exchange_weak(cur, &v, v + 1));
	return true;
}

bool
engine_conn_acquire(struct engine *eng, struct frontend *fe)
{
	if (eng->stopping)
		return false;
	if (!slot_take(&eng->cur_conn, eng->maxconn))
		return false;
	if (!slot_take(&fe->cur_conn, fe->maxconn)) {
		atomic_fetch_sub(&eng->cur_conn, 1);
		return false;
	}
	return true;
}

bool
engine_conn_pause(struct engine *eng, struct frontend *fe)
{
	/* Raise the flag first, then look again: a release that ran before
	 * the flag was up is seen here, one that runs after it wakes us. */
	atomic_store(&eng->paused, 1);
	return atomic_load(&eng->cur_conn) >= eng->maxconn ||
	       atomic_load(&fe->cur_conn) >= fe->maxconn;
}

void
engine_conn_release(struct engine *eng, struct frontend *fe)
{
	atomic_fetch_sub(&fe->cur_conn, 1);
	atomic_fetch_sub(&eng->cur_conn, 1);
	/* a slot freed: let paused listeners try again, on their threads */
	if (atomic_exchange(&eng->paused, 0)) {
		for (int i = 0; i < eng->nthreads; i++)
			worker_wake_later(&eng->workers[i], 0);
	}
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	if (w->eng->stopping)
		return;
	for (size_t i = 0; i < w->listeners.n; i++)
		listener_resume(w->listeners.v[i]);
}

void
worker_wake_later(struct worker *w, int ms)
{
	if (ms == 0) {
		event_active(w->wake, EV_TIMEOUT, 0);
		return;
	}
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	event_add(w->wake, &tv);
}

/* ---- building ------------------------------------------------------------ */

static int
default_maxconn(void)
{
	/* as HAProxy: from the fd limit, keeping room for the server side */
	long n = sysconf(_SC_OPEN_MAX);
	if (n <= 0)
		n = 1024;
	long m = (n - 16) / 2;
	return m > 0 ? (int)m : 1;
}

struct engine *
engine_new(const struct cfg *cfg, const struct engine_opts *o)
{
	struct engine *eng = xcalloc(1, sizeof(*eng));
	struct diag d = { 0 };

	evthread_use_pthreads();
	eng->cfg = cfg;
	eng->opts = *o;
	eng->start_ms = now_ms();
	eng->nthreads = engine_thread_count(cfg);
	eng->maxconn = o->maxconn > 0 ? o->maxconn :
	               cfg->global->maxconn > 0 ? cfg->global->maxconn : default_maxconn();
	eng->hard_maxconn = eng->maxconn;
	atomic_store(&eng->conn_rate_lim, cfg->global->maxconnrate);
	atomic_store(&eng->sess_rate_lim, cfg->global->maxsessrate);

	if (engine_check_support(cfg, &d) < 0 || smp_runtime_init(cfg, &d) < 0 ||
	    http_act_init(cfg, &d) < 0 ||
	    (eng->tls = tls_store_new(cfg, &d)) == NULL ||
	    (eng->logs = log_open(cfg, &d)) == NULL) {
		diag_print(&d, stderr);
		diag_free(&d);
		engine_free(eng);
		return NULL;
	}
	diag_print(&d, stderr);
	diag_free(&d);
	log_set_stderr(eng->logs, o->foreground);

	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		if (px->cap & PX_CAP_FE)
			eng->nfrontends++;
		if (px->cap & PX_CAP_BE)
			eng->nbackends++;
	}
	eng->frontends = xcalloc(eng->nfrontends + 1, sizeof(*eng->frontends));
	eng->backends = xcalloc(eng->nbackends + 1, sizeof(*eng->backends));
	size_t nf = 0, nb = 0;
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		if (px->cap & PX_CAP_BE)
			eng->backends[nb++] = backend_new(eng, px);
		if (px->cap & PX_CAP_FE) {
			struct frontend *fe = &eng->frontends[nf++];
			fe->px = px;
			fe->sni = sni_stats_new();
			fe->log_backend_addr = px->log_format_str &&
			                       (strstr(px->log_format_str, "%bi") || strstr(px->log_format_str, "%bp") ||
			                        strstr(px->log_format_str, "}bi") || strstr(px->log_format_str, "}bp"));
			fe->maxconn = px->maxconn > 0 ? (int)px->maxconn :
			              o->default_proxy_maxconn > 0 ? o->default_proxy_maxconn : eng->maxconn;
		}
	}
	eng->be_by_px = xcalloc(nb + 1, sizeof(*eng->be_by_px));
	eng->be_by_name = xcalloc(nb + 1, sizeof(*eng->be_by_name));
	memcpy(eng->be_by_px, eng->backends, nb * sizeof(*eng->backends));
	memcpy(eng->be_by_name, eng->backends, nb * sizeof(*eng->backends));
	qsort(eng->be_by_px, nb, sizeof(*eng->be_by_px), cmp_be_px);
	qsort(eng->be_by_name, nb, sizeof(*eng->be_by_name), cmp_be_name);
	for (size_t i = 0; i < eng->nfrontends; i++)
		if (eng->frontends[i].px->cap & PX_CAP_BE)
			eng->frontends[i].own_be = engine_backend(eng, eng->frontends[i].px);

	eng->workers = xcalloc((size_t)eng->nthreads, sizeof(*eng->workers));
	bool failed = false;
	for (int t = 0; t < eng->nthreads; t++) {
		struct worker *w = &eng->workers[t];
		w->id = t;
		w->eng = eng;
		pthread_mutex_init(&w->sess_lock, NULL);
		struct event_config *ec = event_config_new();
		for (int a = 0; a < o->navoid; a++)
			event_config_avoid_method(ec, o->avoid[a]);
		/* batch epoll_ctl() changes per loop turn (bench: 10 -> 6 per
		 * connection); safe because events are deleted before close() */
		event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
		w->base = event_base_new_with_config(ec);
		event_config_free(ec);
		if (w->base == NULL) {
			fprintf(stderr, "[ALERT] cannot create an event loop\n");
			failed = true;
			break;
		}
		w->wake = evtimer_new(w->base, on_wake, w);
		w->kill_ev = event_new(w->base, -1, 0, sess_on_kill_requests, w);
		for (size_t i = 0; i < eng->nfrontends && !failed; i++) {
			struct frontend *fe = &eng->frontends[i];
			if (fe->px->disabled)
				continue;
			for (size_t b = 0; b < fe->px->binds.n && !failed; b++)
				if (listeners_open(w, fe, fe->px->binds.v[b]) < 0)
					failed = true;
		}
	}
	if (failed) {
		fprintf(stderr, "[ALERT] [sluice.main()] Some protocols failed to start their listeners! Exiting.\n");
		engine_free(eng);
		return NULL;
	}
	sess_handoff_setup(eng);
	if (cli_open(eng) < 0) {
		engine_free(eng);
		return NULL;
	}
	return eng;
}

/* ---- running --------------------------------------------------------------- */

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	/* A worker whose listeners are all paused (maxconn) and which holds
	 * no session has no event left: it must keep running to be woken. */
	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	sess_close_all(w);
	http_thread_cleanup(); /* engine/http.h: shared idle server connections */
	relay_thread_cleanup(); /* last: the I/O buffer cache */
	atomic_fetch_sub(&w->eng->nrunning, 1);
	return NULL;
}

static void
on_stop_check(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	/* soft stop: listeners closed; leave when the last session ends */
	for (size_t i = 0; i < w->listeners.n; i++) {
		listener_drain(w->listeners.v[i]);
		listener_close(w->listeners.v[i]);
	}
	if (w->nsess == 0)
		event_base_loopexit(w->base, NULL);
}

static void
hard_stop(struct engine *eng)
{
	eng->stopping = 2;
	/* loopbreak() is lost on a thread that has not entered its loop yet
	 * (a SIGTERM right after start); loopexit() waits for it */
	for (int t = 0; t < eng->nthreads; t++) {
		event_base_loopbreak(eng->workers[t].base);
		event_base_loopexit(eng->workers[t].base, NULL);
	}
}

static void
on_hard_stop_after(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	proc_msg("WARNING", "soft-stop running for too long, performing a hard-stop.");
	hard_stop(arg);
}

/* End of the global "grace" delay on a worker: now it closes its
 * listeners and leaves when its sessions are done. */
static void
on_grace_end(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval tv = { 0, 100000 };
	(void)fd;
	(void)what;
	event_add(w->stop_ev, &tv);
	event_active(w->stop_ev, EV_TIMEOUT, 0);
}

static void
soft_stop(struct engine *eng, struct event_base *mb, struct event *tick)
{
	if (eng->stopping)
		return;
	eng->stopping = 1;
	/* the main thread notices when the workers are done */
	struct timeval tick_tv = { 0, 50000 };
	event_add(tick, &tick_tv);
	const struct cfg_global *g = eng->cfg->global;
	for (int t = 0; t < eng->nthreads; t++) {
		struct worker *w = &eng->workers[t];
		w->stop_ev = event_new(w->base, -1, EV_PERSIST, on_stop_check, w);
		if (g->grace > 0) {
			/* "grace": the listeners keep accepting for this long
			 * (freed with the worker's base if it never fires) */
			struct timeval gtv = { g->grace / 1000, (g->grace % 1000) * 1000 };
			event_base_once(w->base, -1, EV_TIMEOUT, on_grace_end, w, &gtv);
			continue;
		}
		struct timeval tv = { 0, 100000 };
		event_add(w->stop_ev, &tv);
		event_active(w->stop_ev, EV_TIMEOUT, 0);
	}
	if (g->hard_stop_after_set) {
		/* freed with mb (event_base_once) */
		struct timeval tv = { g->hard_stop_after / 1000, (g->hard_stop_after % 1000) * 1000 };
		event_base_once(mb, -1, EV_TIMEOUT, on_hard_stop_after, eng, &tv);
	}
}

/* SIGTTOU/SIGTTIN: each worker suspends or resumes its own listeners. */
static void
on_suspend(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	for (size_t i = 0; i < w->listeners.n; i++)
		listener_suspend(w->listeners.v[i]);
}

static void
on_unsuspend(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	for (size_t i = 0; i < w->listeners.n; i++)
		listener_unsuspend(w->listeners.v[i]);
}

static void
pause_listeners(struct engine *eng, bool pause)
{
	/* not zero: an immediate once-event does not wake another thread's
	 * loop in libevent 2.1, a timer does */
	struct timeval now = { 0, 1 };
	for (int t = 0; t < eng->nthreads; t++)
		event_base_once(eng->workers[t].base, -1, EV_TIMEOUT,
		                pause ? on_suspend : on_unsuspend, &eng->workers[t], &now);
	for (size_t i = 0; i < eng->nfrontends; i++) {
		const struct cfg_proxy *px = eng->frontends[i].px;
		if (px->disabled)
			continue;
		log_proxy(eng->logs, px, 4, "%s %s %s.", pause ? "Paused" : "Resumed",
		          (px->cap & PX_CAP_BE) ? "listener" : "frontend", px->name);
	}
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct engine *eng = ((void **)arg)[0];
	struct event_base *mb = ((void **)arg)[1];
	struct event *tick = ((void **)arg)[2];
	(void)what;
	if (eng->stopping == 2)
		return;
	switch (sig) {
	case SIGUSR1:
		if (eng->stopping)
			return;
		for (size_t i = 0; i < eng->cfg->proxies.n; i++) {
			const struct cfg_proxy *px = eng->cfg->proxies.v[i];
			struct frontend *fe = (px->cap & PX_CAP_FE) ? engine_frontend(eng, px) : NULL;
			struct backend *be = (px->cap & PX_CAP_BE) ? engine_backend(eng, px) : NULL;
			proc_msg("WARNING", "Proxy %s stopped (cumulated conns: FE: %llu, BE: %llu).", px->name,
			          fe ? (unsigned long long)atomic_load(&fe->cum_conn) : 0ULL,
			          be ? (unsigned long long)atomic_load(&be->cum_conn) : 0ULL);
		}
		soft_stop(eng, mb, tick);
		return;
	case SIGHUP:
		proc_dump_states(eng);
		return;
	case SIGTTOU:
	case SIGTTIN:
		if (!eng->stopping)
			pause_listeners(eng, sig == SIGTTOU);
		return;
	default:
		/* SIGTERM, SIGINT: hard stop */
		hard_stop(eng);
		return;
	}
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

int
engine_run(struct engine *eng)
{
	struct event_base *mb = event_base_new();
	int signos[] = { SIGTERM, SIGINT, SIGUSR1, SIGHUP, SIGTTOU, SIGTTIN };
	struct event *sigs[ARRAY_SIZE(signos)];
	/* during a soft stop the main thread still serves signals (a SIGTERM
	 * cuts it short) and polls for the end of the workers */
	struct event *tick = event_new(mb, -1, EV_PERSIST, on_tick, NULL);
	void *sigarg[3] = { eng, mb, tick };

	signal(SIGPIPE, SIG_IGN);
	/* as HAProxy once started: no name in an IP pattern is resolved any
	 * more (a CLI "add acl", an add-acl action, a set rebuilt) */
	acl_pattern_freeze_names();
	/* SIGUSR2 reloads a master; a worker or a standalone process ignores it */
	signal(SIGUSR2, SIG_IGN);
	for (size_t i = 0; i < ARRAY_SIZE(signos); i++) {
		sigs[i] = evsignal_new(mb, signos[i], on_signal, sigarg);
		evsignal_add(sigs[i], NULL);
	}
	atomic_store(&eng->nrunning, eng->nthreads);
	/* checks run on their own thread; they report through server.c */
	for (size_t i = 0; i < eng->nbackends; i++)
		srv_states_setup(eng, eng->backends[i]);
	if (health_start(eng) < 0)
		log_warnx("health checks could not start");
	for (int t = 0; t < eng->nthreads; t++)
		pthread_create(&eng->workers[t].thr, NULL, worker_main, &eng->workers[t]);

	/* the main thread serves signals and the stats sockets (stats/cli.c)
	 * until every worker has returned */
	cli_start(eng, mb);
	while (!eng->stopping || (eng->stopping == 1 && atomic_load(&eng->nrunning) > 0)) {
		event_base_loop(mb, EVLOOP_ONCE);
		cli_loop_turn();
	}
	cli_close(eng);
	for (int t = 0; t < eng->nthreads; t++)
		pthread_join(eng->workers[t].thr, NULL);
	health_stop();
	for (size_t i = 0; i < ARRAY_SIZE(signos); i++)
		event_free(sigs[i]);
	event_free(tick);
	event_base_free(mb);
	return 0;
}

void
engine_free(struct engine *eng)
{
	if (eng == NULL)
		return;
	srv_engine_stop(eng);
	cli_close(eng);
	for (int t = 0; eng->workers && t < eng->nthreads; t++) {
		struct worker *w = &eng->workers[t];
		for (size_t i = 0; i < w->listeners.n; i++) {
			listener_close(w->listeners.v[i]);
			free(w->listeners.v[i]);
		}
		free(w->listeners.v);
		if (w->wake)
			event_free(w->wake);
		if (w->stop_ev)
			event_free(w->stop_ev);
		if (w->kill_ev)
			event_free(w->kill_ev);
		if (w->base)
			event_base_free(w->base);
		pthread_mutex_destroy(&w->sess_lock);
	}
	free(eng->workers);
	for (size_t i = 0; i < eng->nbackends; i++)
		backend_free(eng->backends[i]);
	free(eng->backends);
	free(eng->be_by_px);
	free(eng->be_by_name);
	for (size_t i = 0; eng->frontends && i < eng->nfrontends; i++)
		sni_stats_free(eng->frontends[i].sni);
	free(eng->frontends);
	log_close(eng->logs);
	/* after the workers: live SSLs point into the store's binds */
	tls_store_free(eng->tls);
	smp_runtime_free(eng->cfg);
	http_act_free(eng->cfg);
	free(eng);
}
