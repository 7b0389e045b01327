/* Listening sockets: one per bind address (and port of a range) per
 * worker with SO_REUSEPORT, so the kernel spreads connections over the
 * threads; UNIX sockets and inherited fds are served by worker 0 only.
 * Accepting checks the connection limits first, so maxconn is exact:
 * above it the listener pauses and the kernel's backlog holds clients. */
#include "engine/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "engine/engine.h"
#include "engine/proc.h"
#include "engine/session.h"
#include "lib/log.h"
#include "lib/sockopt.h"
#include "parser/bind.h"
#include "parser/global.h"
#include "parser/proxy.h"

/* How long accepting stays paused when the process is out of fds. */
#define FD_PAUSE_MS 100

static void
set_opt(int fd, int level, int name, int val)
{
	setsockopt(fd, level, name, &val, sizeof(val));
}

static int
addr_len(const struct sockaddr_storage *ss)
{
	switch (ss->ss_family) {
	case AF_INET: return sizeof(struct sockaddr_in);
	case AF_INET6: return sizeof(struct sockaddr_in6);
	default: return sizeof(struct sockaddr_un);
	}
}

char *
listener_name(const struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN] = "";
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		return xasprintf("%s:%u", host, ntohs(in->sin_port));
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in = (const void *)ss;
		inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof(host));
		return xasprintf("[%s]:%u", host, ntohs(in->sin6_port));
	}
	const struct sockaddr_un *un = (const void *)ss;
	if (un->sun_path[0] == '\0')
		return xasprintf("abns@%s", un->sun_path + 1);
	return xasprintf("%s", un->sun_path);
}

/* Creates, binds and listens. Returns the fd or -1 with *why set. */
static int
open_socket(const struct cfg_bind *b, const struct sockaddr_storage *ss,
            int backlog, bool reuseport, const char **why, int *err)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = "cannot create listening socket";
		*err = errno;
		return -1;
	}
	if (ss->ss_family != AF_UNIX) {
		set_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
		/* accepted sockets inherit it: one system call per listener
		 * instead of one per connection */
		set_opt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
#ifdef SO_REUSEPORT
		if (reuseport)
			set_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
#endif
		if (ss->ss_family == AF_INET6 && (b->v6only || b->v4v6))
			set_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, b->v6only ? 1 : 0);
#ifdef TCP_DEFER_ACCEPT
		if (b->defer_accept)
			set_opt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 1);
#endif
#ifdef TCP_FASTOPEN
		if (b->tfo)
			set_opt(fd, IPPROTO_TCP, TCP_FASTOPEN, backlog);
#endif
		if (b->mss)
			set_opt(fd, IPPROTO_TCP, TCP_MAXSEG, b->mss < 0 ? -b->mss : b->mss);
#ifdef SO_BINDTODEVICE
		if (b->interface &&
		    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, b->interface,
		               (socklen_t)strlen(b->interface)) < 0) {
			*why = "cannot bind listener to device";
			*err = errno;
			close(fd);
			return -1;
		}
#endif
		if (b->transparent) {
#ifdef IP_TRANSPARENT
			int lvl = ss->ss_family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
			int opt = ss->ss_family == AF_INET6 ? IPV6_TRANSPARENT : IP_TRANSPARENT;
			if (setsockopt(fd, lvl, opt, &(int){ 1 }, sizeof(int)) < 0) {
				*why = "cannot make listening socket transparent";
				*err = errno;
				close(fd);
				return -1;
			}
#else
			*why = "transparent binding is not supported on this OS";
			*err = ENOTSUP;
			close(fd);
			return -1;
#endif
		}
	} else {
		const struct sockaddr_un *un = (const void *)ss;
		struct stat st;
		/* a stale socket file from a previous run is replaced */
		if (un->sun_path[0] && stat(un->sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(un->sun_path);
	}
	if (bind(fd, (const struct sockaddr *)ss, (socklen_t)addr_len(ss)) < 0) {
		*why = "cannot bind socket";
		*err = errno;
		close(fd);
		return -1;
	}
	if (ss->ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const void *)ss;
		if (un->sun_path[0]) {
			if (b->mode >= 0)
				chmod(un->sun_path, (mode_t)b->mode);
			if (b->uid_set || b->gid_set)
				if (chown(un->sun_path, b->uid_set ? b->uid : (uid_t)-1,
				          b->gid_set ? b->gid : (gid_t)-1) < 0)
					log_warn("cannot change the owner of %s", un->sun_path);
		}
	}
	if (listen(fd, backlog) < 0) {
		*why = "cannot listen to socket";
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

static void on_accept(evutil_socket_t fd, short what, void *arg);

/* ms to wait before accepting again under the global rate limits, 0
 * when a connection may be accepted now. */
static int
rate_wait(struct engine *eng)
{
	int clim = atomic_load(&eng->conn_rate_lim), slim = atomic_load(&eng->sess_rate_lim);
	if (clim <= 0 && slim <= 0)
		return 0;
	uint32_t now = (uint32_t)now_ms();
	int wait = 0;
	if (clim > 0 && ctr_freq_read(&eng->conn_rate, now) >= (unsigned)clim)
		wait = 1000 / clim > 0 ? 1000 / clim : 1;
	if (slim > 0 && ctr_freq_read(&eng->sess_rate, now) >= (unsigned)slim) {
		int sw = 1000 / slim > 0 ? 1000 / slim : 1;
		if (sw > wait)
			wait = sw;
	}
	return wait;
}

/* An accepted connection in the counters (cum_conn, connection rates). */
static void
count_accept(struct listener *l)
{
	struct engine *eng = l->w->eng;
	atomic_fetch_add(&l->fe->cum_conn, 1);
	uint32_t tnow = (uint32_t)now_ms();
	ctr_max(&l->fe->cps_max, ctr_freq_add(&l->fe->conn_rate, 1, tnow));
	ctr_max(&eng->cps_max, ctr_freq_add(&eng->conn_rate, 1, tnow));
}

/* Accepts while the limits allow; pauses the listener otherwise. */
static void
on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct listener *l = arg;
	struct worker *w = l->w;
	struct engine *eng = w->eng;
	(void)what;
	/* "disable frontend" / "shutdown frontend": the socket no longer
	 * listens (listener_set_fe_state), stop polling it */
	if (atomic_load(&l->fe->state) != FE_ST_OPEN) {
		listener_pause(l);
		return;
	}
	for (int burst = 0; burst < 64; burst++) {
		/* global maxconnrate / maxsessrate: above the rate, stop
		 * accepting until about one more is allowed (HAProxy's
		 * limit_global; the backlog keeps the clients) */
		int wait = rate_wait(eng);
		if (wait > 0) {
			listener_pause(l);
			worker_wake_later(w, wait);
			return;
		}
		if (!engine_conn_acquire(eng, l->fe)) {
			if (engine_conn_pause(eng, l->fe)) {
				listener_pause(l);
				return;
			}
			continue;
		}
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
#ifdef HAVE_ACCEPT4
		int fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
		int fd = accept(lfd, (struct sockaddr *)&peer, &plen);
		if (fd >= 0) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			fcntl(fd, F_SETFD, FD_CLOEXEC);
		}
#endif
		if (fd < 0) {
			int e = errno;
			engine_conn_release(eng, l->fe);
			if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
				/* out of resources: stop accepting for a while, the
				 * backlog keeps the clients */
				log_warnx("Proxy %s reached %s limit while accepting; pausing for %d ms",
				          l->fe->px->name, e == EMFILE ? "process fd" : "system", FD_PAUSE_MS);
				listener_pause(l);
				worker_wake_later(w, FD_PAUSE_MS);
			}
			return;
		}
		count_accept(l);
		/* mode http too: the session hands itself to engine/http.c */
		sess_accept(l, fd, (struct sockaddr *)&peer, plen);
	}
}

bool
listener_take_inproc(struct listener *l)
{
	struct engine *eng = l->w->eng;
	if (atomic_load(&l->fe->state) != FE_ST_OPEN || rate_wait(eng) > 0 ||
	    !engine_conn_acquire(eng, l->fe))
		return false;
	count_accept(l);
	return true;
}

void
listener_pause(struct listener *l)
{
	if (l->paused)
		return;
	l->paused = true;
	event_del(l->ev);
}

void
listener_resume(struct listener *l)
{
	int st = atomic_load(&l->fe->state);
	if (st == FE_ST_STOP && l->fd >= 0) {
		/* "shutdown frontend": unbound here, on the listener's thread */
		listener_close(l);
		return;
	}
	if (!l->paused || l->fd < 0 || l->suspended || st != FE_ST_OPEN)
		return;
	l->paused = false;
	event_add(l->ev, NULL);
}

/* Soft stop: takes the connections already waiting in the socket's
 * queue before it is closed. With SO_REUSEPORT (a new process bound the
 * same address, -sf) the kernel resets what is left in a closed
 * socket's queue; what is accepted here is served to its end. */
void
listener_drain(struct listener *l)
{
	struct engine *eng = l->w->eng;
	if (l->fd < 0 || l->suspended)
		return;
	for (int n = 0; n < 1024; n++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd = accept(l->fd, (struct sockaddr *)&peer, &plen);
		if (fd < 0)
			return;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		/* the limits say no while stopping: count it anyway */
		atomic_fetch_add(&eng->cur_conn, 1);
		atomic_fetch_add(&l->fe->cur_conn, 1);
		atomic_fetch_add(&l->fe->cum_conn, 1);
		/* mode http too: the session hands itself to engine/http.c */
		sess_accept(l, fd, (struct sockaddr *)&peer, plen);
	}
}

void
listener_close(struct listener *l)
{
	if (l->ev) {
		event_free(l->ev);
		l->ev = NULL;
	}
	if (l->fd >= 0) {
		close(l->fd);
		l->fd = -1;
	}
}

/* Opens the listeners of one bind line for worker w. Errors are printed
 * as HAProxy does; returns -1 on failure. */
int
listeners_open(struct worker *w, struct frontend *fe, const struct cfg_bind *b)
{
	struct engine *eng = w->eng;
	const struct cfg_proxy *px = fe->px;
	int backlog = b->backlog ? b->backlog : px->backlog ? (int)px->backlog :
	              b->maxconn ? b->maxconn : fe->maxconn;
	if (backlog <= 0 || backlog > 65535)
		backlog = 1024;
	bool reuseport = !eng->opts.no_reuseport && !eng->cfg->global->noreuseport;

	for (size_t i = 0; i < b->naddrs; i++) {
		const struct cfg_addr *a = &b->addrs[i];
		bool per_thread = a->kind == ADDR_INET && reuseport;
		if (!per_thread && w->id != 0)
			continue;
		if (a->kind != ADDR_INET && a->kind != ADDR_UNIX && a->kind != ADDR_ABNS &&
		    a->kind != ADDR_FD) {
			fprintf(stderr, "[ALERT] Binding [%s:%d] for frontend %s: unsupported address kind '%s'\n",
			        b->loc.file, b->loc.line, px->name, a->text);
			return -1;
		}
		int lo = a->port_lo, hi = a->port_hi ? a->port_hi : a->port_lo;
		if (a->kind != ADDR_INET)
			lo = hi = 0;
		for (int port = lo; port <= hi; port++) {
			struct listener *l = xcalloc(1, sizeof(*l));
			l->w = w;
			l->fe = fe;
			l->bind = b;
			l->fd = -1;
			memcpy(&l->addr, &a->ss, sizeof(l->addr));
			if (a->kind == ADDR_INET) {
				if (l->addr.ss_family == AF_INET)
					((struct sockaddr_in *)&l->addr)->sin_port = htons((uint16_t)port);
				else
					((struct sockaddr_in6 *)&l->addr)->sin6_port = htons((uint16_t)port);
			}
			const char *why = NULL;
			int err = 0;
			l->backlog = backlog;
			if (a->kind == ADDR_FD) {
				l->fd = a->fd;
				fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
			} else if ((l->fd = proc_fd_take(&l->addr)) >= 0) {
				/* kept open by the master across a reload (proc.h) */
				fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
			} else {
				l->fd = open_socket(b, &l->addr, backlog, per_thread, &why, &err);
			}
			if (l->fd < 0) {
				char *name = listener_name(&l->addr);
				fprintf(stderr, "[ALERT] Binding [%s:%d] for frontend %s: %s (%s) for [%s]\n",
				        b->loc.file, b->loc.line, px->name, why, strerror(err), name);
				free(name);
				free(l);
				return -1;
			}
			if (a->kind == ADDR_INET) {
				/* set on the listener, inherited by the accepted
				 * sockets (as HAProxy); hints, so a refusal is harmless */
				const struct cfg_global *g = eng->cfg->global;
				(void)sockopt_bufsizes(l->fd, g->tune_rcvbuf_client, g->tune_sndbuf_client);
				(void)sockopt_user_timeout(l->fd, b->tcp_ut);
			}
			l->specific = a->kind == ADDR_INET && !a->any;
			l->ev = event_new(w->base, l->fd, EV_READ | EV_PERSIST, on_accept, l);
			event_add(l->ev, NULL);
			VEC_PUSH(w->listeners, l);
		}
	}
	return 0;
}

/* SIGTTOU: the socket stops listening (new connections are refused, as
 * HAProxy's pause), without being closed, so SIGTTIN can listen again. */
void
listener_suspend(struct listener *l)
{
	if (l->suspended || l->fd < 0)
		return;
	l->suspended = true;
	listener_pause(l);
	/* HAProxy's sequence: on Linux the last shutdown() leaves the
	 * socket bound but no longer listening */
	if (l->addr.ss_family != AF_UNIX) {
		shutdown(l->fd, SHUT_WR);
		listen(l->fd, l->backlog);
		shutdown(l->fd, SHUT_RD);
	}
}

void
listener_unsuspend(struct listener *l)
{
	if (!l->suspended || l->fd < 0)
		return;
	if (l->addr.ss_family != AF_UNIX && listen(l->fd, l->backlog) < 0) {
		char *name = listener_name(&l->addr);
		log_warn("cannot resume listening on %s", name);
		free(name);
		return;
	}
	l->suspended = false;
	listener_resume(l);
}

/* Opens every socket listeners_open() will look for, as it would: one
 * per thread for an IP address with SO_REUSEPORT, one otherwise; taken
 * from the pool (what a previous master left) when there, else bound.
 * Everything ends up in the pool, marked used. */
int
listeners_preopen(const struct cfg *cfg, const struct engine_opts *o, int maxconn)
{
	bool reuseport = !o->no_reuseport && !cfg->global->noreuseport;
	int nthreads = engine_thread_count(cfg);

	for (size_t p = 0; p < cfg->proxies.n; p++) {
		const struct cfg_proxy *px = cfg->proxies.v[p];
		if (!(px->cap & PX_CAP_FE) || px->disabled)
			continue;
		int fe_maxconn = px->maxconn > 0 ? (int)px->maxconn :
		                 o->default_proxy_maxconn > 0 ? o->default_proxy_maxconn : maxconn;
		for (size_t bi = 0; bi < px->binds.n; bi++) {
			const struct cfg_bind *b = px->binds.v[bi];
			int backlog = b->backlog ? b->backlog : px->backlog ? (int)px->backlog :
			              b->maxconn ? b->maxconn : fe_maxconn;
			if (backlog <= 0 || backlog > 65535)
				backlog = 1024;
			for (size_t i = 0; i < b->naddrs; i++) {
				const struct cfg_addr *a = &b->addrs[i];
				if (a->kind != ADDR_INET && a->kind != ADDR_UNIX && a->kind != ADDR_ABNS)
					continue;
				bool per_thread = a->kind == ADDR_INET && reuseport;
				int lo = a->port_lo, hi = a->port_hi ? a->port_hi : a->port_lo;
				if (a->kind != ADDR_INET)
					lo = hi = 0;
				for (int port = lo; port <= hi; port++) {
					struct sockaddr_storage ss;
					memcpy(&ss, &a->ss, sizeof(ss));
					if (a->kind == ADDR_INET) {
						if (ss.ss_family == AF_INET)
							((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
						else
							((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
					}
					for (int t = 0; t < (per_thread ? nthreads : 1); t++) {
						if (proc_fd_take(&ss) >= 0)
							continue;
						const char *why = NULL;
						int err = 0;
						int fd = open_socket(b, &ss, backlog, per_thread, &why, &err);
						if (fd < 0) {
							char *name = listener_name(&ss);
							fprintf(stderr, "[ALERT]    (%d) : Binding [%s:%d] for frontend %s: %s (%s) for [%s]\n",
							        (int)getpid(), b->loc.file, b->loc.line, px->name, why,
							        strerror(err), name);
							free(name);
							fprintf(stderr, "[ALERT]    (%d) : [sluice.main()] Some protocols failed to start their listeners! Exiting.\n",
							        (int)getpid());
							return -1;
						}
						proc_fd_add(fd, &ss, false);
						proc_fd_take(&ss);
					}
				}
			}
		}
	}
	return 0;
}

/* Stats socket, main thread. The socket stops listening at once (a
 * connection attempt is refused, as HAProxy's pause on Linux; UNIX
 * sockets just stop being accepted from), the workers then stop polling
 * it (on_accept) or close it (listener_resume, STOP). */
static void
stop_listening(struct listener *l)
{
	if (l->fd < 0 || l->suspended || l->addr.ss_family == AF_UNIX)
		return;
	shutdown(l->fd, SHUT_WR);
	listen(l->fd, l->backlog);
	shutdown(l->fd, SHUT_RD);
}

int
listener_set_fe_state(struct engine *eng, struct frontend *fe, int state)
{
	int prev = atomic_load(&fe->state);
	/* during a soft stop the workers close their listeners themselves */
	if (prev == FE_ST_STOP || prev == state || eng->stopping)
		return -1;
	for (int t = 0; t < eng->nthreads; t++) {
		struct worker *w = &eng->workers[t];
		for (size_t i = 0; i < w->listeners.n; i++) {
			struct listener *l = w->listeners.v[i];
			if (l->fe != fe || l->fd < 0)
				continue;
			if (state == FE_ST_OPEN) {
				if (!l->suspended && l->addr.ss_family != AF_UNIX &&
				    listen(l->fd, l->backlog) < 0) {
					char *name = listener_name(&l->addr);
					log_warn("cannot resume listening on %s", name);
					free(name);
				}
			} else if (prev == FE_ST_OPEN) {
				stop_listening(l);
			}
		}
	}
	atomic_store(&fe->state, state);
	/* each worker applies it to its listeners (engine.c on_wake) */
	for (int t = 0; t < eng->nthreads; t++)
		worker_wake_later(&eng->workers[t], 0);
	return 0;
}
