/* The stats sockets (reference §3.1): every "stats socket" of the global
 * section, served on the main thread's event base. Bytes move between a
 * bufferevent and the framing core of cli_conn.c; output is bounded
 * (cli_conn_run stops once CLI_CHUNK is pending, the write callback
 * resumes it), input is bounded (CLI_LINE_MAX), idle connections close
 * after "stats timeout", and at most "stats maxconn" are served at once
 * (the others wait in the listen backlog, as with HAProxy). */
#include "stats/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "engine/engine.h"
#include "engine/proc.h"
#include "parser/addr.h"
#include "parser/bind.h"
#include "parser/global.h"
#include "stats/cli_int.h"

const struct cli_cmd *const cli_tables[] = {
	cli_cmds_core, cli_cmds_stat, cli_cmds_srv, cli_cmds_map, cli_cmds_beyond, cli_cmds_proc, cli_cmds_ssl, cli_cmds_cookie, NULL,
};

struct cli_activity cli_activity;

void
cli_loop_turn(void)
{
	cli_activity.loops++;
}

struct cli_listener {
	struct cli_state *st;
	const struct cfg_bind *b;
	char *name;                 /* "unix@/path", "ipv4@1.2.3.4:9999" */
	int fd;
	int luid;                   /* 1, 2...: order in the configuration */
	struct event *ev;
	bool active;
};

struct cli_state {
	struct engine *eng;
	struct event_base *base;
	int master_fd;              /* a worker's channel from its master, or -1 */
	struct event *master_ev;
	VEC(struct cli_listener *) ls;
	struct cli_conn *conns;
	int nconns, maxconn;
	long timeout_ms;
	bool paused;
};

/* ---- connections ----------------------------------------------------------- */

static void conn_kick(struct cli_conn *c);

static void
conn_free(struct cli_conn *c)
{
	struct cli_state *st = c->st;
	if (c->prev)
		c->prev->next = c->next;
	else
		st->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	st->nconns--;
	cli_activity.cur--;
	if (c->bev)
		bufferevent_free(c->bev);
	cli_conn_free(c);
	if (st->paused && st->nconns < st->maxconn) {
		st->paused = false;
		for (size_t i = 0; i < st->ls.n; i++)
			if (st->ls.v[i]->ev)
				event_add(st->ls.v[i]->ev, NULL);
	}
}

static void
set_timeouts(struct cli_conn *c)
{
	struct timeval tv = { c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000 };
	bufferevent_set_timeouts(c->bev, &tv, &tv);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_kick(arg);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct cli_conn *c = arg;
	if (c->quit) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			conn_free(c);
		return;
	}
	conn_kick(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct cli_conn *c = arg;
	(void)bev;
	if (what & BEV_EVENT_EOF) {
		/* the client shut its side: answer what is complete */
		c->sock_eof = true;
		if (!c->quit) {
			conn_kick(c);
			return;
		}
	}
	/* errors, timeouts (idle, or a reader that stopped reading) */
	conn_free(c);
}

/* Moves input to the core, runs it, queues its output; closes when the
 * core is done and the output is sent. May free c. */
static void
conn_kick(struct cli_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (c->quit)
		return;
	bool done;
	for (;;) {
		/* c->in holds one line's worth: feed it as it empties */
		size_t n = evbuffer_get_length(in);
		if (n > 0) {
			size_t take = n > CLI_LINE_MAX ? CLI_LINE_MAX : n;
			unsigned char *p = evbuffer_pullup(in, (ev_ssize_t)take);
			size_t used = cli_conn_input(c, (const char *)p, take);
			evbuffer_drain(in, used);
		}
		c->eof = c->sock_eof && evbuffer_get_length(in) == 0;
		c->ext_pending = evbuffer_get_length(out);
		size_t before = c->in.len + evbuffer_get_length(in);
		done = cli_conn_run(c);
		if (c->out.len) {
			evbuffer_add(out, c->out.s, c->out.len);
			sbuf_reset(&c->out);
		}
		if (done || c->stalled || c->busy || evbuffer_get_length(out) > CLI_CHUNK ||
		    evbuffer_get_length(in) == 0 || c->in.len + evbuffer_get_length(in) == before)
			break;
	}
	if (c->stalled) {
		/* HAProxy 2.6 keeps such a connection open forever, holding a
		 * CLI slot; we close it (documented in doc/runtime-api.md) */
		done = true;
	}
	if (done) {
		c->quit = true;
		bufferevent_disable(c->bev, EV_READ);
		if (evbuffer_get_length(out) == 0) {
			conn_free(c);
			return;
		}
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	}
}

static void
on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct cli_listener *l = arg;
	struct cli_state *st = l->st;
	(void)what;

	for (int burst = 0; burst < 16 && st->nconns < st->maxconn; burst++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		memset(&peer, 0, sizeof(peer));
		int fd = accept(lfd, (struct sockaddr *)&peer, &plen);
		if (fd < 0)
			return;
		evutil_make_socket_nonblocking(fd);
		evutil_make_socket_closeonexec(fd);
		cli_activity.accepted++;
		cli_activity.cur++;
		struct cli_conn *c = cli_conn_new(st->eng, NULL, l->b->level);
		c->st = st;
		c->l = l;
		c->fd = fd;
		c->peer = peer;
		c->luid = l->luid;
		c->sev = l->b->severity_output;
		c->timeout_ms = st->timeout_ms;
		c->bev = bufferevent_socket_new(st->base, fd, BEV_OPT_CLOSE_ON_FREE);
		c->next = st->conns;
		if (st->conns)
			st->conns->prev = c;
		st->conns = c;
		st->nconns++;
		bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
		/* reading pauses once a line's worth is waiting; output
		 * below CLI_CHUNK wakes a paused dump */
		bufferevent_setwatermark(c->bev, EV_READ, 0, CLI_LINE_MAX);
		bufferevent_setwatermark(c->bev, EV_WRITE, CLI_CHUNK, 0);
		set_timeouts(c);
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	}
	if (st->nconns >= st->maxconn && !st->paused) {
		/* the others wait in the kernel's backlog */
		st->paused = true;
		for (size_t i = 0; i < st->ls.n; i++)
			if (st->ls.v[i]->ev)
				event_del(st->ls.v[i]->ev);
	}
}

/* The master passed a connection (engine/proc_ipc.c): level admin, as
 * HAProxy's master gives its workers, beside "stats maxconn" (the
 * master's CLI bounds its own clients). */
static void
on_master(evutil_socket_t mfd, short what, void *arg)
{
	struct cli_state *st = arg;
	(void)what;
	for (int burst = 0; burst < 16; burst++) {
		int fd = proc_ipc_recv_fd(mfd);
		if (fd == -2) {
			/* the master is gone: the channel is closed for good */
			event_del(st->master_ev);
			cli_activity.master = false;
			return;
		}
		if (fd < 0)
			return;
		evutil_make_socket_nonblocking(fd);
		cli_activity.accepted++;
		cli_activity.cur++;
		struct cli_conn *c = cli_conn_new(st->eng, NULL, CLI_LEVEL_ADMIN);
		c->st = st;
		c->fd = fd;
		c->timeout_ms = st->timeout_ms;
		c->bev = bufferevent_socket_new(st->base, fd, BEV_OPT_CLOSE_ON_FREE);
		c->next = st->conns;
		if (st->conns)
			st->conns->prev = c;
		st->conns = c;
		st->nconns++;
		bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
		bufferevent_setwatermark(c->bev, EV_READ, 0, CLI_LINE_MAX);
		bufferevent_setwatermark(c->bev, EV_WRITE, CLI_CHUNK, 0);
		set_timeouts(c);
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	}
}

static int g_master_fd = -1;

bool
cli_conn_exposes_fds(const struct cli_conn *c)
{
	return c->l != NULL && c->l->b->expose_fd_listeners;
}

void
cli_set_master_fd(int fd)
{
	g_master_fd = fd;
}

/* "set timeout cli" (cli_core.c) */
void cli_conn_set_timeout(struct cli_conn *c, long ms);
void
cli_conn_set_timeout(struct cli_conn *c, long ms)
{
	c->timeout_ms = ms;
	if (c->bev)
		set_timeouts(c);
}

void
cli_sockets_dump(struct cli_ctx *c)
{
	static const char *const lv[] = { "user", "operator", "admin" };
	struct cli_state *st = c->eng ? c->eng->cli : NULL;
	sbuf_adds(c->out, "# socket lvl processes\n");
	for (size_t i = 0; st && i < st->ls.n; i++)
		sbuf_addf(c->out, "%s %s all\n", st->ls.v[i]->name, lv[st->ls.v[i]->b->level]);
}

/* ---- listeners ------------------------------------------------------------- */

/* HAProxy's way of replacing a UNIX socket: bind a temporary name, set
 * its rights, then rename it over the path, so clients never see a
 * missing socket. */
static int
open_unix(const struct cfg_bind *b, const struct cfg_addr *a, const char **why, int *err)
{
	struct sockaddr_un sun;
	char *tmp = xasprintf("%s.%d.tmp", a->path, (int)getpid());
	int fd = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (str_copy(sun.sun_path, sizeof(sun.sun_path), tmp) < 0) {
		*why = "cannot bind UNIX socket";
		*err = ENAMETOOLONG;
		goto fail;
	}
	unlink(tmp);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		*why = "cannot create receiving socket";
		*err = errno;
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		*why = "cannot bind UNIX socket";
		*err = errno;
		goto fail;
	}
	if (((b->uid_set || b->gid_set) &&
	     chown(tmp, b->uid_set ? b->uid : (uid_t)-1, b->gid_set ? b->gid : (gid_t)-1) < 0) ||
	    (b->mode >= 0 && chmod(tmp, (mode_t)b->mode) < 0)) {
		*why = "cannot change UNIX socket ownership";
		*err = errno;
		goto fail_unlink;
	}
	if (listen(fd, 1024) < 0) {
		*why = "cannot listen to UNIX socket";
		*err = errno;
		goto fail_unlink;
	}
	if (rename(tmp, a->path) < 0) {
		*why = "cannot switch final and temporary UNIX sockets";
		*err = errno;
		goto fail_unlink;
	}
	free(tmp);
	return fd;
fail_unlink:
	unlink(tmp);
fail:
	if (fd >= 0)
		close(fd);
	free(tmp);
	return -1;
}

static int
open_inet(const struct cfg_addr *a, int family, bool reuseport, const char **why, int *err)
{
	int one = 1;
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0) {
		*why = "cannot create listening socket";
		*err = errno;
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
#ifdef SO_REUSEPORT
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
#endif
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	if (family == AF_UNIX) {
		len = a->sslen;
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, len) < 0) {
		*why = "cannot bind socket";
		*err = errno;
		close(fd);
		return -1;
	}
	if (listen(fd, 1024) < 0) {
		*why = "cannot listen to socket";
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

static char *
sock_name(const struct cfg_addr *a)
{
	if (a->kind == ADDR_UNIX)
		return xasprintf("unix@%s", a->path);
	if (a->kind == ADDR_ABNS)
		return xasprintf("abns@%s", a->path);
	char *s = addr_str(a);
	char *r = xasprintf("%s@%s", a->ss.ss_family == AF_INET6 ? "ipv6" : "ipv4", s);
	free(s);
	return r;
}

int
cli_open(struct engine *eng)
{
	const struct cfg_global *g = eng->cfg->global;
	if (g->stats_sockets.n == 0 && g_master_fd < 0)
		return 0;
	struct cli_state *st = xcalloc(1, sizeof(*st));
	eng->cli = st;
	st->eng = eng;
	st->master_fd = g_master_fd;
	g_master_fd = -1;
	st->maxconn = g->stats_maxconn > 0 ? g->stats_maxconn : 10;
	st->timeout_ms = g->stats_timeout > 0 ? (long)g->stats_timeout : 10000;
	bool reuseport = !eng->opts.no_reuseport && !g->noreuseport;

	for (size_t i = 0; i < g->stats_sockets.n; i++) {
		const struct cfg_bind *b = g->stats_sockets.v[i];
		for (size_t j = 0; j < b->naddrs; j++) {
			const struct cfg_addr *a = &b->addrs[j];
			const char *why = NULL;
			int err = 0, fd = -1;
			if (a->kind == ADDR_UNIX) {
				fd = open_unix(b, a, &why, &err);
			} else if (a->kind == ADDR_ABNS || a->kind == ADDR_INET) {
				fd = open_inet(a, a->ss.ss_family, reuseport && a->kind == ADDR_INET, &why, &err);
			} else {
				fprintf(stderr, "[ALERT]    (%d) : Binding [%s:%d] for frontend GLOBAL: address '%s' is not supported by sluice for a stats socket\n",
				        (int)getpid(), b->loc.file, b->loc.line, a->text);
				goto fail;
			}
			if (fd < 0) {
				if (a->kind == ADDR_UNIX) {
					fprintf(stderr, "[ALERT]    (%d) : Binding [%s:%d] for frontend GLOBAL: %s (%s) [%s]\n",
					        (int)getpid(), b->loc.file, b->loc.line, why, strerror(err), a->path);
				} else {
					char *s = addr_str(a);
					fprintf(stderr, "[ALERT]    (%d) : Binding [%s:%d] for frontend GLOBAL: %s (%s) for [%s]\n",
					        (int)getpid(), b->loc.file, b->loc.line, why, strerror(err), s);
					free(s);
				}
				goto fail;
			}
			evutil_make_socket_nonblocking(fd);
			evutil_make_socket_closeonexec(fd);
			struct cli_listener *l = xcalloc(1, sizeof(*l));
			l->st = st;
			l->b = b;
			l->fd = fd;
			l->name = sock_name(a);
			l->luid = (int)st->ls.n + 1;
			VEC_PUSH(st->ls, l);
		}
	}
	return 0;
fail:
	fprintf(stderr, "[ALERT]    (%d) : [sluice.main()] Some protocols failed to start their listeners! Exiting.\n",
	        (int)getpid());
	cli_close(eng);
	return -1;
}

void
cli_start(struct engine *eng, struct event_base *base)
{
	struct cli_state *st = eng->cli;
	if (st == NULL)
		return;
	st->base = base;
	if (st->master_fd >= 0) {
		evutil_make_socket_nonblocking(st->master_fd);
		st->master_ev = event_new(base, st->master_fd, EV_READ | EV_PERSIST, on_master, st);
		event_add(st->master_ev, NULL);
		cli_activity.master = true;
	}
	for (size_t i = 0; i < st->ls.n; i++) {
		struct cli_listener *l = st->ls.v[i];
		l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST, on_accept, l);
		event_add(l->ev, NULL);
	}
}

void
cli_close(struct engine *eng)
{
	struct cli_state *st = eng->cli;
	if (st == NULL)
		return;
	while (st->conns)
		conn_free(st->conns);
	if (st->master_ev)
		event_free(st->master_ev);
	if (st->master_fd >= 0)
		close(st->master_fd);
	for (size_t i = 0; i < st->ls.n; i++) {
		struct cli_listener *l = st->ls.v[i];
		if (l->ev)
			event_free(l->ev);
		/* the socket file stays, as HAProxy leaves it */
		close(l->fd);
		free(l->name);
		free(l);
	}
	free(st->ls.v);
	free(st);
	eng->cli = NULL;
}
