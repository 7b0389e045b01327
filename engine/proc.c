/* The process around the engine: daemon, pidfile, limits, privileges,
 * sd_notify, the pool of listening sockets kept across reloads, and the
 * SIGHUP state dump (see proc.h). */
#include "engine/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/listener.h"
#include "engine/log.h"
#include "lib/compat_proc.h"
#include "lib/util.h"
#include "parser/bind.h"
#include "parser/cfg.h"
#include "parser/global.h"
#include "parser/logtarget.h"
#include "parser/proxy.h"
#include "parser/server.h"

void
proc_msg(const char *level, const char *fmt, ...)
{
	char lvl[16];
	va_list ap;

	snprintf(lvl, sizeof(lvl), "[%s]", level);
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "%-10s (%d) : %s\n", lvl, (int)getpid(), msg);
	fflush(stderr);
	free(msg);
}

/* ---- limits ------------------------------------------------------------- */

int
proc_fd_overhead(const struct cfg *cfg)
{
	/* observed on 2.6: 17 with one bind, 28 with one bind and one stats
	 * socket (which counts its own maxconn, 10 by default) */
	const struct cfg_global *g = cfg->global;
	int stats_max = g->stats_maxconn > 0 ? g->stats_maxconn : 10;
	int n = 16 + (int)g->stats_sockets.n * (1 + stats_max);
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		if (!(px->cap & PX_CAP_FE) || px->disabled)
			continue;
		for (size_t b = 0; b < px->binds.n; b++)
			n += (int)px->binds.v[b]->naddrs;
	}
	return n;
}

int
proc_set_limits(const struct cfg *cfg, int maxconn_opt)
{
	const struct cfg_global *g = cfg->global;
	int overhead = proc_fd_overhead(cfg);
	int maxconn = maxconn_opt > 0 ? maxconn_opt : g->maxconn;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return maxconn > 0 ? maxconn : 1024;
	/* what maxconn needs, as HAProxy's maxsock; not what 'ulimit-n'
	 * asks for */
	long long maxsock = maxconn > 0 ? (long long)maxconn * 2 + overhead : 0;
	rlim_t want;
	if (g->ulimit_n > 0)
		want = (rlim_t)g->ulimit_n;
	else if (maxconn > 0)
		want = (rlim_t)maxsock;
	else if (g->fd_hard_limit > 0 && (rlim_t)g->fd_hard_limit < rl.rlim_max)
		want = (rlim_t)g->fd_hard_limit; /* the cap of an automatic limit */
	else
		want = rl.rlim_max;  /* as much as allowed, maxconn follows */
	/* as HAProxy, the limit is raised when too low, never lowered */
	if (want > rl.rlim_cur) {
		struct rlimit nl = { want, rl.rlim_max };
		if (want > rl.rlim_max) {
			/* root may raise the hard limit too */
			nl.rlim_max = want;
		}
		if (setrlimit(RLIMIT_NOFILE, &nl) < 0) {
			/* strict-limits (on by default in HAProxy 2.6) makes this
			 * fatal; "no strict-limits" only warns and, as HAProxy,
			 * runs with the soft limit raised to the hard one */
			if (g->strict_limits) {
				proc_msg("ALERT", "[sluice.main()] Cannot raise FD limit to %llu, limit is %llu.",
				         (unsigned long long)want, (unsigned long long)rl.rlim_cur);
				return -1;
			}
			nl = rl;
			nl.rlim_cur = rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &nl) == 0)
				rl = nl;
			proc_msg("WARNING", "[sluice.main()] Cannot raise FD limit to %llu, limit is %llu.",
			         (unsigned long long)want, (unsigned long long)rl.rlim_cur);
		} else {
			rl = nl;
		}
	}
	/* a limit below what maxconn needs (hard limit too low, or a small
	 * 'ulimit-n'): HAProxy 2.6 alerts, and stops under strict-limits */
	if (maxconn > 0 && rl.rlim_cur != RLIM_INFINITY && (long long)rl.rlim_cur < maxsock) {
		proc_msg("ALERT", "[sluice.main()] FD limit (%llu) too low for maxconn=%d/maxsock=%lld. Please raise 'ulimit-n' to %lld or more to avoid any trouble.",
		         (unsigned long long)rl.rlim_cur, maxconn, maxsock, maxsock);
		if (g->strict_limits)
			return -1;
	}
	if (maxconn <= 0) {
		rlim_t lim = rl.rlim_cur;
		if (g->fd_hard_limit > 0 && (rlim_t)g->fd_hard_limit < lim)
			lim = (rlim_t)g->fd_hard_limit;
		long long m = lim == RLIM_INFINITY ? 1000000 : ((long long)lim - overhead) / 2;
		/* HAProxy's ceiling for an automatic maxconn */
		if (m > 1000000)
			m = 1000000;
		maxconn = m > 0 ? (int)m : 1;
	}
	return maxconn;
}

/* ---- daemon ------------------------------------------------------------- */

static int daemon_pipe = -1; /* write end, in the daemon child */
static bool daemonized;

int
proc_daemon_start(void)
{
	int p[2];
	if (pipe(p) < 0) {
		proc_msg("ALERT", "[sluice.main()] Cannot create a pipe to fork into the background: %s",
		         strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		proc_msg("ALERT", "[sluice.main()] Cannot fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid > 0) {
		/* the caller's process: the child's startup decides the status */
		close(p[1]);
		char c = 0;
		ssize_t r;
		do
			r = read(p[0], &c, 1);
		while (r < 0 && errno == EINTR);
		_exit(r == 1 && c == '0' ? 0 : 1);
	}
	close(p[0]);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	daemon_pipe = p[1];
	daemonized = true;
	setsid();
	return 0;
}

bool
proc_is_daemon(void)
{
	return daemonized;
}

void
proc_daemon_forget_parent(void)
{
	if (daemon_pipe >= 0)
		close(daemon_pipe);
	daemon_pipe = -1;
}

void
proc_daemon_ready(void)
{
	if (!daemonized)
		return;
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		fflush(stdout);
		fflush(stderr);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (daemon_pipe < 0)
		return;
	ssize_t r;
	do
		r = write(daemon_pipe, "0", 1);
	while (r < 0 && errno == EINTR);
	close(daemon_pipe);
	daemon_pipe = -1;
}

int
proc_write_pidfile(const char *path, pid_t pid)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		proc_msg("ALERT", "[sluice.main()] Cannot create pidfile %s", path);
		return -1;
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	int rc = write(fd, buf, (size_t)n) == n ? 0 : -1;
	if (close(fd) < 0)
		rc = -1;
	if (rc < 0)
		proc_msg("ALERT", "[sluice.main()] Cannot write pidfile %s: %s", path, strerror(errno));
	return rc;
}

/* ---- privileges ---------------------------------------------------------- */

static void
unix_log_paths(const struct cfg_log_list *l, const char ***v, size_t *n)
{
	for (size_t i = 0; l && i < l->v.n; i++) {
		const struct cfg_log *lg = l->v.v[i];
		if (lg->addr.kind == ADDR_UNIX && lg->addr.path) {
			*v = xrealloc(*v, (*n + 1) * sizeof(**v));
			(*v)[(*n)++] = lg->addr.path;
		}
	}
}

int
proc_sandbox(const struct cfg *cfg)
{
	const char **w = NULL;
	size_t nw = 0;
	unix_log_paths(cfg->global->logs, &w, &nw);
	for (size_t i = 0; i < cfg->proxies.n; i++)
		unix_log_paths(cfg->proxies.v[i]->logs, &w, &nw);
	int rc = compat_sandbox((const char *const *)cfg->files.v, cfg->files.n, w, nw);
	free(w);
	if (rc < 0)
		proc_msg("ALERT", "[sluice.main()] Cannot restrict the process (pledge/unveil): %s",
		         strerror(errno));
	return rc;
}

int
proc_drop_privileges(const struct cfg_global *g)
{
	if (g->chroot) {
		if (chroot(g->chroot) < 0 || chdir("/") < 0) {
			proc_msg("ALERT", "[sluice.main()] Cannot chroot(%s): %s", g->chroot, strerror(errno));
			return -1;
		}
	}
	if (g->gid_set) {
		/* the supplementary groups of root must go too */
		if (geteuid() == 0 && setgroups(0, NULL) < 0) {
			proc_msg("ALERT", "[sluice.main()] Failed to drop supplementary groups: %s", strerror(errno));
			return -1;
		}
		if (setgid(g->gid) < 0) {
			proc_msg("ALERT", "[sluice.main()] Cannot set gid %d: %s", (int)g->gid, strerror(errno));
			return -1;
		}
	} else if (g->uid_set && geteuid() == 0) {
		if (setgroups(0, NULL) < 0) {
			proc_msg("ALERT", "[sluice.main()] Failed to drop supplementary groups: %s", strerror(errno));
			return -1;
		}
	}
	if (g->uid_set) {
		if (setuid(g->uid) < 0) {
			proc_msg("ALERT", "[sluice.main()] Cannot set uid %d: %s", (int)g->uid, strerror(errno));
			return -1;
		}
		/* a drop that can be undone is no drop */
		if (g->uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
			proc_msg("ALERT", "[sluice.main()] Privileges could be regained after setuid(%d); refusing to run",
			         (int)g->uid);
			return -1;
		}
	}
	/* setuid() clears the dumpable flag; set-dumpable asks for cores */
	if (g->set_dumpable && compat_set_dumpable() < 0)
		proc_msg("WARNING", "[sluice.main()] Failed to set the dumpable flag: %s", strerror(errno));
	if (g->set_dumpable) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
		if (setrlimit(RLIMIT_CORE, &rl) < 0) {
			getrlimit(RLIMIT_CORE, &rl);
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_CORE, &rl);
		}
	}
	return 0;
}

/* ---- reloads -------------------------------------------------------------- */

void
proc_signal_pids(const pid_t *pids, size_t n, int sig)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], sig);
}

void
proc_sd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (path == NULL || *path == '\0')
		return;
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	if (len >= sizeof(un.sun_path))
		return;
	memcpy(un.sun_path, path, len);
	if (un.sun_path[0] == '@')
		un.sun_path[0] = '\0'; /* abstract namespace */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if (sendto(fd, state, strlen(state), 0, (struct sockaddr *)&un, sl) < 0)
		proc_msg("WARNING", "cannot notify systemd (%s): %s", path, strerror(errno));
	close(fd);
}

/* ---- the pool of listening sockets ------------------------------------------ */

struct pooled {
	int fd;
	char *name;       /* listener_name() of its address */
	bool used, inherited;
};

static VEC(struct pooled) pool;

void
proc_fd_add(int fd, const struct sockaddr_storage *ss, bool inherited)
{
	struct pooled p = { fd, listener_name(ss), false, inherited };
	VEC_PUSH(pool, p);
}

static int
take_name(const char *name)
{
	for (size_t i = 0; i < pool.n; i++) {
		if (!pool.v[i].used && strcmp(pool.v[i].name, name) == 0) {
			pool.v[i].used = true;
			return pool.v[i].fd;
		}
	}
	return -1;
}

int
proc_fd_take(const struct sockaddr_storage *ss)
{
	if (pool.n == 0)
		return -1;
	char *name = listener_name(ss);
	int fd = take_name(name);
	free(name);
	return fd;
}

static void
pool_filter(bool (*drop)(const struct pooled *p), bool close_it)
{
	size_t k = 0;
	for (size_t i = 0; i < pool.n; i++) {
		if (drop(&pool.v[i])) {
			if (close_it)
				close(pool.v[i].fd);
			free(pool.v[i].name);
		} else {
			pool.v[k++] = pool.v[i];
		}
	}
	pool.n = k;
	if (k == 0) {
		free(pool.v);
		memset(&pool, 0, sizeof(pool));
	}
}

static bool p_unused(const struct pooled *p) { return !p->used; }
static bool p_new_unused(const struct pooled *p) { return !p->inherited && !p->used; }
static bool p_all(const struct pooled *p) { (void)p; return true; }

void proc_fds_close_unused(void) { pool_filter(p_unused, true); }
void proc_fds_forget(void) { pool_filter(p_all, false); }
void proc_fds_free(void) { pool_filter(p_all, true); }
size_t proc_fds_count(void) { return pool.n; }

void
proc_fds_close_new(void)
{
	/* a failed reload: what this image opened serves nobody */
	proc_fds_reset();
	pool_filter(p_new_unused, true);
}

void
proc_fds_reset(void)
{
	for (size_t i = 0; i < pool.n; i++)
		pool.v[i].used = false;
}

#define LISTEN_ENV "SLUICE_LISTEN_FDS"

void
proc_fds_import(void)
{
	const char *env = getenv(LISTEN_ENV);
	if (env == NULL)
		return;
	/* "<fd> <name>\n" per socket */
	char *copy = xstrdup(env), *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *end;
		long fd = strtol(line, &end, 10);
		if (*end != ' ' || fd < 3 || fd > 1 << 24)
			continue;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int type = 0;
		socklen_t tl = sizeof(type);
		/* only what is really a listening stream socket */
		if (getsockname((int)fd, (struct sockaddr *)&ss, &sl) < 0 ||
		    getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_STREAM)
			continue;
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		struct pooled p = { (int)fd, xstrdup(end + 1), false, true };
		VEC_PUSH(pool, p);
	}
	free(copy);
	unsetenv(LISTEN_ENV);
}

void
proc_fds_export(void)
{
	struct sbuf b = { 0 };
	for (size_t i = 0; i < pool.n; i++) {
		if (strchr(pool.v[i].name, '\n'))
			continue;
		fcntl(pool.v[i].fd, F_SETFD, 0);
		sbuf_addf(&b, "%d %s\n", pool.v[i].fd, pool.v[i].name);
	}
	if (b.len)
		setenv(LISTEN_ENV, b.s, 1);
	free(b.s);
}

/* ---- SIGHUP --------------------------------------------------------------- */

static void
dump_line(struct engine *eng, const struct cfg_proxy *px, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
dump_line(struct engine *eng, const struct cfg_proxy *px, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	/* HAProxy: ha_warning() and send_log(p, LOG_NOTICE) */
	log_proxy_text(eng->logs, px, LOG_NOTICE, msg, msg, false);
	free(msg);
}

static bool
srv_usable(const struct srv_state *s)
{
	return atomic_load(&s->op) == SRV_OP_UP && atomic_load(&s->admin) == SRV_ADMIN_READY &&
	       atomic_load(&s->uweight) > 0;
}

void
proc_dump_states(struct engine *eng)
{
	const struct cfg *cfg = eng->cfg;

	proc_msg("WARNING", "SIGHUP received, dumping servers states.");
	if (cfg->global->stats_sockets.n)
		proc_msg("WARNING", "SIGHUP: Proxy GLOBAL has no servers. Conn: act(FE+BE): 0+0, 0 pend (0 unass), tot(FE+BE): 0+0.");
	for (size_t i = 0; i < cfg->proxies.n; i++) {
		const struct cfg_proxy *px = cfg->proxies.v[i];
		struct frontend *fe = (px->cap & PX_CAP_FE) ? engine_frontend(eng, px) : NULL;
		struct backend *be = (px->cap & PX_CAP_BE) ? engine_backend(eng, px) : NULL;
		int fe_cur = fe ? atomic_load(&fe->cur_conn) : 0;
		unsigned long long fe_tot = fe ? atomic_load(&fe->cum_conn) : 0;
		int be_cur = be ? atomic_load(&be->cur_conn) : 0;
		unsigned long long be_tot = be ? atomic_load(&be->cum_conn) : 0;
		int unass = be ? atomic_load(&be->qcur) : 0, pend = unass;
		int act = 0, bck = 0;

		char *head = xasprintf("SIGHUP received, dumping servers states for proxy %s.", px->name);
		log_proxy_text(eng->logs, px, LOG_NOTICE, head, NULL, false);
		free(head);
		for (size_t s = 0; be && s < be->nsrv; s++) {
			struct srv_state *st = &be->srvs[s];
			unsigned q = atomic_load(&st->queued);
			pend += (int)q;
			if (srv_usable(st)) {
				if (st->cfg->backup)
					bck++;
				else
					act++;
			}
			dump_line(eng, px, "SIGHUP: Server %s/%s is %s. Conn: %u act, %u pend, %llu tot.",
			          px->name, st->cfg->name,
			          atomic_load(&st->op) != SRV_OP_DOWN &&
			                  atomic_load(&st->admin) != SRV_ADMIN_MAINT ? "UP" : "DOWN",
			          atomic_load(&st->cur_sess), q,
			          (unsigned long long)atomic_load(&be->sc[s].cum_sess));
		}
		const char *tail = "Conn: act(FE+BE): %d+%d, %d pend (%d unass), tot(FE+BE): %llu+%llu.";
		char *conn = xasprintf(tail, fe_cur, be_cur, pend, unass, fe_tot, be_tot);
		if (be == NULL || be->nsrv == 0)
			dump_line(eng, px, "SIGHUP: Proxy %s has no servers. %s", px->name, conn);
		else if (act == 0)
			dump_line(eng, px, "SIGHUP: Proxy %s %s ! %s", px->name,
			          bck ? "is running on backup servers" : "has no server available", conn);
		else
			dump_line(eng, px, "SIGHUP: Proxy %s has %d active servers and %d backup servers available. %s",
			          px->name, act, bck, conn);
		free(conn);
	}
}
