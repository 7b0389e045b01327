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
#include "engine/session.h"
#include "lib/log.h"
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

/* Accepts while the limits allow; pauses the listener otherwise. */
static void
on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct listener *l = arg;
	struct worker *w = l->w;
	struct engine *eng = w->eng;
	(void)what;
	for (int burst = 0; burst < 64; burst++) {
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
		atomic_fetch_add(&l->fe->cum_conn, 1);
		sess_accept(l, fd, (struct sockaddr *)&peer, plen);
	}
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
	if (!l->paused || l->fd < 0)
		return;
	l->paused = false;
	event_add(l->ev, NULL);
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
			if (a->kind == ADDR_FD) {
				l->fd = a->fd;
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
			l->specific = a->kind == ADDR_INET && !a->any;
			l->ev = event_new(w->base, l->fd, EV_READ | EV_PERSIST, on_accept, l);
			event_add(l->ev, NULL);
			VEC_PUSH(w->listeners, l);
		}
	}
	return 0;
}
