/* The master of the master-worker mode (-W, -Ws, "master-worker";
 * reference §2.2). It parses the configuration, opens the listening
 * sockets and keeps them, forks the worker that serves them, and
 * supervises it. A reload (SIGUSR2 or SIGHUP) re-executes the master
 * itself: the fresh image reads the new configuration; when it is valid
 * it forks a new worker that adopts the same sockets, and only once that
 * worker is ready sends the old ones SIGUSR1 (they finish their sessions
 * and exit, within hard-stop-after). When it is not, the errors are
 * printed with file:line and the old worker keeps serving. What crosses
 * the exec: the worker pids (SLUICE_MASTER_STATE) and the listening
 * sockets (SLUICE_LISTEN_FDS, proc.c). */
#include "engine/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "engine/listener.h"
#include "lib/compat_proc.h"
#include "lib/util.h"
#include "parser/cfg.h"

#define STATE_ENV "SLUICE_MASTER_STATE"

enum wk_state { WK_STARTING, WK_CURRENT, WK_OLD };

struct wk {
	pid_t pid;
	int ready_fd;          /* read end, while starting */
	enum wk_state st;
	long long start;       /* wall-clock seconds, for show proc */
	int reloads_at_start;  /* nreloads when it was forked */
	int cli_fd;            /* the master's end of its CLI channel, or -1 */
};

static VEC(struct wk) workers;
static int sig_pipe[2] = { -1, -1 };
static int worker_ready_fd = -1;   /* in a worker: write end */
static int worker_cli_fd = -1;     /* in a worker: its CLI channel */
/* the previous worker's server states, carried across the exec
 * (STATE_FD_ENV) to the next worker */
static int carried_state_fd = -1;
#define STATE_FD_ENV "SLUICE_SERVER_STATE_FD"
static bool in_worker;

static void mcli_close_all(bool unlink_path);
static int nreloads, nfailed;
static long long master_start;

static const int master_sigs[] = {
	SIGCHLD, SIGUSR1, SIGUSR2, SIGHUP, SIGTERM, SIGINT, SIGTTOU, SIGTTIN,
};

bool
proc_master_reloading(void)
{
	return getenv(STATE_ENV) != NULL;
}

bool
proc_is_worker(void)
{
	return in_worker;
}

static void
on_master_signal(int sig)
{
	int e = errno;
	unsigned char c = (unsigned char)sig;
	if (write(sig_pipe[1], &c, 1) < 0) {
		/* full pipe: the same signals are already waiting */
	}
	errno = e;
}

static void
set_handlers(void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(master_sigs); i++)
		sigaction(master_sigs[i], &sa, NULL);
}

static void
block_signals(bool block)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(master_sigs); i++)
		sigaddset(&set, master_sigs[i]);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* "<reloads> <failed> <master start> <pid>:<c|o>:<start>:<reloads> ..."
 * from the image before the exec. */
static void
state_import(void)
{
	const char *env = getenv(STATE_ENV);
	if (env == NULL)
		return;
	char *copy = xstrdup(env), *save = NULL;
	int i = 0;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save), i++) {
		if (i == 0) {
			nreloads = atoi(w);
		} else if (i == 1) {
			nfailed = atoi(w);
		} else if (i == 2) {
			master_start = atoll(w);
		} else {
			char *end;
			long pid = strtol(w, &end, 10);
			if (pid <= 0 || *end != ':' || !end[1])
				continue;
			/* a worker still starting when the reload came is
			 * treated as old: its readiness pipe did not cross */
			struct wk k = { (pid_t)pid, -1, end[1] == 'c' ? WK_CURRENT : WK_OLD, 0, 0, -1 };
			if (end[2] == ':')
				sscanf(end + 3, "%lld:%d:%d", &k.start, &k.reloads_at_start, &k.cli_fd);
			if (k.cli_fd >= 0)
				fcntl(k.cli_fd, F_SETFD, FD_CLOEXEC);
			VEC_PUSH(workers, k);
		}
	}
	free(copy);
	unsetenv(STATE_ENV);
	const char *sfd = getenv(STATE_FD_ENV);
	if (sfd) {
		carried_state_fd = atoi(sfd);
		if (carried_state_fd <= 2 || fcntl(carried_state_fd, F_SETFD, FD_CLOEXEC) < 0)
			carried_state_fd = -1;
		unsetenv(STATE_FD_ENV);
	}
}

static void
state_export(void)
{
	struct sbuf b = { 0 };
	sbuf_addf(&b, "%d %d %lld", nreloads, nfailed, master_start);
	for (size_t i = 0; i < workers.n; i++)
	{
		sbuf_addf(&b, " %d:%c:%lld:%d:%d", (int)workers.v[i].pid,
		          workers.v[i].st == WK_CURRENT ? 'c' : 'o', workers.v[i].start,
		          workers.v[i].reloads_at_start, workers.v[i].cli_fd);
		/* the channel crosses the exec */
		if (workers.v[i].cli_fd >= 0)
			fcntl(workers.v[i].cli_fd, F_SETFD, 0);
	}
	setenv(STATE_ENV, b.s, 1);
	free(b.s);
}

static void
notify(const struct proc_master_opts *mo, const char *state)
{
	if (mo->systemd)
		proc_sd_notify(state);
}

/* Forks a worker. Returns 0 in the worker, 1 in the master, -1. */
static int
fork_worker(void)
{
	int rp[2];
	if (pipe(rp) < 0) {
		proc_msg("ALERT", "[sluice.main()] Cannot create a pipe for a new worker: %s", strerror(errno));
		return -1;
	}
	fcntl(rp[0], F_SETFD, FD_CLOEXEC);
	fcntl(rp[1], F_SETFD, FD_CLOEXEC);
	int cp[2] = { -1, -1 };
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cp) < 0)
		proc_msg("WARNING", "Cannot create the CLI channel of a new worker: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	block_signals(true);
	pid_t master = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		proc_msg("ALERT", "[sluice.main()] Cannot fork a new worker: %s", strerror(errno));
		close(rp[0]);
		close(rp[1]);
		for (int i = 0; i < 2; i++)
			if (cp[i] >= 0)
				close(cp[i]);
		block_signals(false);
		return -1;
	}
	if (pid == 0) {
		in_worker = true;
		proc_daemon_forget_parent();
		close(rp[0]);
		worker_ready_fd = rp[1];
		if (cp[0] >= 0)
			close(cp[0]);
		worker_cli_fd = cp[1];
		/* the master's ways are not the worker's */
		set_handlers(SIG_DFL);
		/* until engine_run() handles them: SIGTTOU would stop the
		 * process, SIGHUP end it */
		signal(SIGUSR2, SIG_IGN);
		signal(SIGTTOU, SIG_IGN);
		signal(SIGTTIN, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		close(sig_pipe[0]);
		close(sig_pipe[1]);
		sig_pipe[0] = sig_pipe[1] = -1;
		mcli_close_all(false);
		for (size_t i = 0; i < workers.n; i++) {
			if (workers.v[i].ready_fd >= 0)
				close(workers.v[i].ready_fd);
			if (workers.v[i].cli_fd >= 0)
				close(workers.v[i].cli_fd);
		}
		free(workers.v);
		memset(&workers, 0, sizeof(workers));
		/* a worker does not outlive its master (where the OS can); a
		 * master gone before the signal was asked for sends none:
		 * SIGTERM (default action, pending until signals unblock) */
		if (compat_parent_death_signal(SIGTERM) == 0 && getppid() != master)
			raise(SIGTERM);
		block_signals(false);
		proc_fds_reset();
		return 0;
	}
	close(rp[1]);
	if (cp[1] >= 0)
		close(cp[1]);
	/* the new worker has read (or will read) its own copy */
	if (carried_state_fd >= 0) {
		close(carried_state_fd);
		carried_state_fd = -1;
	}
	struct wk k = { pid, rp[0], WK_STARTING, (long long)time(NULL), nreloads, cp[0] };
	VEC_PUSH(workers, k);
	block_signals(false);
	proc_msg("NOTICE", "New worker (%d) forked", (int)pid);
	return 1;
}

void
proc_worker_ready(void)
{
	if (worker_ready_fd < 0)
		return;
	ssize_t r;
	do
		r = write(worker_ready_fd, "1", 1);
	while (r < 0 && errno == EINTR);
	close(worker_ready_fd);
	worker_ready_fd = -1;
}

char *
proc_master_take_state(size_t *len)
{
	*len = 0;
	if (!in_worker || carried_state_fd < 0)
		return NULL;
	char *s = proc_ipc_read_fd(carried_state_fd, len);
	close(carried_state_fd);
	carried_state_fd = -1;
	return s;
}

int
proc_worker_cli_fd(void)
{
	return in_worker ? worker_cli_fd : -1;
}

/* The current worker, or NULL. */
static struct wk *
current_worker(void)
{
	for (size_t i = 0; i < workers.n; i++)
		if (workers.v[i].st == WK_CURRENT)
			return &workers.v[i];
	return NULL;
}

/* Before a reload: the current worker's server states, kept in an
 * unlinked file that crosses the exec, for the next worker (sluice's
 * default; a backend with "load-server-state-from-file" uses its file). */
static void
carry_states(void)
{
	struct wk *w = current_worker();
	if (carried_state_fd >= 0) {
		close(carried_state_fd);
		carried_state_fd = -1;
	}
	if (w == NULL || w->cli_fd < 0)
		return;
	struct sbuf b = { 0 };
	if (proc_ipc_query(w->cli_fd, "show servers state", &b, 2000) == 0 && b.len > 0)
		carried_state_fd = proc_ipc_stash(b.s, b.len);
	else
		proc_msg("WARNING", "Could not read the server states of worker (%d); the new worker starts from the configuration",
		         (int)w->pid);
	free(b.s);
	if (carried_state_fd >= 0) {
		char num[16];
		snprintf(num, sizeof(num), "%d", carried_state_fd);
		setenv(STATE_FD_ENV, num, 1);
	}
}

static void
signal_workers(int sig)
{
	for (size_t i = 0; i < workers.n; i++)
		kill(workers.v[i].pid, sig);
}

static void
reexec(const struct proc_master_opts *mo)
{
	proc_msg("NOTICE", "Reloading sluice");
	notify(mo, "RELOADING=1");
	nreloads++;
	carry_states();
	state_export();
	proc_fds_export();
	/* signals wait, blocked, until the new image has its handlers */
	block_signals(true);
	fflush(stdout);
	fflush(stderr);
	execv(mo->exe, mo->argv);
	proc_msg("ALERT", "[sluice.main()] Cannot re-execute %s: %s; the current worker keeps serving",
	         mo->exe, strerror(errno));
	unsetenv(STATE_ENV);
	unsetenv("SLUICE_LISTEN_FDS");
	unsetenv(STATE_FD_ENV);
	for (size_t i = 0; i < workers.n; i++)
		if (workers.v[i].cli_fd >= 0)
			fcntl(workers.v[i].cli_fd, F_SETFD, FD_CLOEXEC);
	nreloads--;
	block_signals(false);
	notify(mo, "READY=1");
}

/* "exited with code 143 (Terminated)", as HAProxy describes a status. */
static void
describe_status(int status, int *code, char *why, size_t n)
{
	if (WIFEXITED(status)) {
		*code = WEXITSTATUS(status);
		str_copy(why, n, "Exit");
	} else if (WIFSIGNALED(status)) {
		*code = 128 + WTERMSIG(status);
		const char *s = strsignal(WTERMSIG(status));
		str_copy(why, n, s ? s : "Signal");
	} else {
		*code = 255;
		str_copy(why, n, "Unknown");
	}
}

static struct wk *
find_worker(pid_t pid)
{
	for (size_t i = 0; i < workers.n; i++)
		if (workers.v[i].pid == pid)
			return &workers.v[i];
	return NULL;
}

static void
remove_worker(struct wk *w)
{
	if (w->ready_fd >= 0)
		close(w->ready_fd);
	if (w->cli_fd >= 0)
		close(w->cli_fd);
	size_t i = (size_t)(w - workers.v);
	memmove(&workers.v[i], &workers.v[i + 1], (workers.n - i - 1) * sizeof(*w));
	workers.n--;
}

static bool
has_current(void)
{
	for (size_t i = 0; i < workers.n; i++)
		if (workers.v[i].st == WK_CURRENT)
			return true;
	return false;
}

struct master {
	const struct proc_master_opts *mo;
	bool stopping;
	bool first;        /* no worker has been ready yet in this master */
	int exit_code;
};

/* A starting worker said it is ready (ok) or died trying. */
static void
worker_started(struct master *m, struct wk *w, bool ok)
{
	close(w->ready_fd);
	w->ready_fd = -1;
	if (!ok) {
		/* reaped by SIGCHLD; the old workers keep serving */
		w->st = WK_OLD;
		nfailed++;
		proc_msg("WARNING", "Loading failure!");
		proc_fds_close_new();
		notify(m->mo, "READY=1");
		if (!has_current()) {
			m->stopping = true;
			m->exit_code = 1;
		}
		return;
	}
	/* every other worker stops, the old ones again: one that was still
	 * starting when a reload came was never told (a second SIGUSR1 does
	 * nothing) */
	for (size_t i = 0; i < workers.n; i++) {
		if (&workers.v[i] != w) {
			workers.v[i].st = WK_OLD;
			kill(workers.v[i].pid, SIGUSR1);
		}
	}
	w->st = WK_CURRENT;
	proc_msg("NOTICE", "Loading success.");
	notify(m->mo, "READY=1");
	if (m->first)
		proc_daemon_ready();
	m->first = false;
}

static void
reap(struct master *m)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct wk *w = find_worker(pid);
		if (w == NULL)
			continue;
		int code;
		char why[64];
		describe_status(status, &code, why, sizeof(why));
		if (w->st == WK_STARTING) {
			proc_msg("ALERT", "New worker (%d) exited with code %d (%s) while starting", (int)pid, code, why);
			worker_started(m, w, false);
		} else if (w->st == WK_CURRENT && !m->stopping) {
			proc_msg("ALERT", "Current worker (%d) exited with code %d (%s)", (int)pid, code, why);
			if (!m->mo->no_exit_on_failure) {
				proc_msg("ALERT", "exit-on-failure: killing every processes with SIGTERM");
				m->stopping = true;
				m->exit_code = code;
				for (size_t i = 0; i < workers.n; i++)
					if (workers.v[i].pid != pid)
						kill(workers.v[i].pid, SIGTERM);
			}
		} else if (w->st == WK_CURRENT) {
			proc_msg("ALERT", "Current worker (%d) exited with code %d (%s)", (int)pid, code, why);
		} else {
			proc_msg("WARNING", "Former worker (%d) exited with code %d (%s)", (int)pid, code, why);
		}
		w = find_worker(pid);
		if (w)
			remove_worker(w);
	}
}

static void
handle_signal(struct master *m, int sig)
{
	switch (sig) {
	case SIGCHLD:
		reap(m);
		break;
	case SIGUSR2:
	case SIGHUP:
		if (!m->stopping)
			reexec(m->mo);
		break;
	case SIGTERM:
	case SIGINT:
	case SIGUSR1:
		if (!m->stopping)
			proc_msg("WARNING", "Exiting Master process...");
		notify(m->mo, "STOPPING=1");
		m->stopping = true;
		signal_workers(sig == SIGUSR1 ? SIGUSR1 : SIGTERM);
		break;
	case SIGTTOU:
	case SIGTTIN:
		signal_workers(sig);
		break;
	default:
		break;
	}
}

/* ---- master CLI (-S) ---------------------------------------------------
 * HAProxy's commands that concern the master: help, show proc, show
 * version, reload, quit, and the @master prefix. One command line per
 * connection (no prompt mode); forwarding to a worker (@1, @!<pid>) is
 * refused with a message. */

#define MCLI_MAX 16
#define MCLI_LINE 1024

struct mcli_conn {
	int fd;                 /* -1: free slot */
	size_t len;
	char buf[MCLI_LINE];
	bool prompt;            /* interactive: stays open, prompts */
	bool quit;
	pid_t target;           /* prompt mode after "@1": that worker; 0 master */
};

static int mcli_fd = -1;
static char *mcli_path;     /* unix socket to unlink at exit */
static struct mcli_conn mcli_conns[MCLI_MAX];

static const char mcli_help[] =
	"The following commands are valid at this level:\n"
	"  @!<pid>                                 : send a command to the <pid> process\n"
	"  @<relative pid>                         : send a command to the <relative pid> process\n"
	"  @master                                 : send a command to the master process\n"
	"  reload                                  : reload sluice\n"
	"  show proc                               : show processes status\n"
	"  show version                            : show version of the current process\n"
	"  help [<command>]                        : list matching or all commands\n"
	"  prompt                                  : toggle interactive mode with prompt\n"
	"  quit                                    : disconnect\n";

/* "-S <path>" or "-S [unix@]<path>" or "-S [ipv4@]<addr>:<port>". */
static int
mcli_open(const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	if (strchr(spec, ',')) {
		proc_msg("ALERT", "-S '%s': bind options are not supported by sluice's master CLI", spec);
		return -1;
	}
	const char *a = spec;
	bool unix_sock = false;
	if (strncmp(a, "unix@", 5) == 0) {
		a += 5;
		unix_sock = true;
	} else if (strncmp(a, "ipv4@", 5) == 0) {
		a += 5;
	} else if (a[0] == '/' || a[0] == '.') {
		unix_sock = true;
	}
	if (unix_sock) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		un->sun_family = AF_UNIX;
		if (str_copy(un->sun_path, sizeof(un->sun_path), a) < 0) {
			proc_msg("ALERT", "-S '%s': path too long", spec);
			return -1;
		}
		sl = sizeof(*un);
		struct stat st;
		if (stat(a, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(a);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		const char *colon = strrchr(a, ':');
		char host[64];
		if (colon == NULL || (size_t)(colon - a) >= sizeof(host)) {
			proc_msg("ALERT", "-S '%s': expects a unix socket path or <ipv4>:<port>", spec);
			return -1;
		}
		memcpy(host, a, (size_t)(colon - a));
		host[colon - a] = '\0';
		char *end;
		long port = strtol(colon + 1, &end, 10);
		in->sin_family = AF_INET;
		if (*end || port <= 0 || port > 65535 ||
		    inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &in->sin_addr) != 1) {
			proc_msg("ALERT", "-S '%s': expects a unix socket path or <ipv4>:<port>", spec);
			return -1;
		}
		in->sin_port = htons((uint16_t)port);
		sl = sizeof(*in);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && ss.ss_family == AF_INET)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 10) < 0) {
		proc_msg("ALERT", "Cannot create the master CLI socket '%s': %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (unix_sock)
		mcli_path = xstrdup(a);
	for (int i = 0; i < MCLI_MAX; i++)
		mcli_conns[i].fd = -1;
	mcli_fd = fd;
	return 0;
}

static void
mcli_close_all(bool unlink_path)
{
	/* the slots are set up (fd -1) only by mcli_open() */
	for (int i = 0; mcli_fd >= 0 && i < MCLI_MAX; i++) {
		if (mcli_conns[i].fd >= 0)
			close(mcli_conns[i].fd);
		mcli_conns[i].fd = -1;
	}
	if (mcli_fd >= 0)
		close(mcli_fd);
	mcli_fd = -1;
	if (unlink_path && mcli_path)
		unlink(mcli_path);
	FREE_NULL(mcli_path);
}

static void
uptime(struct sbuf *b, long long since)
{
	long long t = (long long)time(NULL) - since;
	if (t < 0)
		t = 0;
	char buf[32];
	snprintf(buf, sizeof(buf), "%lldd%02lldh%02lldm%02llds", t / 86400, t / 3600 % 24, t / 60 % 60, t % 60);
	sbuf_addf(b, "%-15s ", buf);
}

static void
show_proc(struct sbuf *b)
{
	char rel[48];
	sbuf_addf(b, "#%-14s %-15s %-15s %-15s %-15s\n", "<PID>", "<type>", "<reloads>", "<uptime>", "<version>");
	snprintf(rel, sizeof(rel), "%d [failed: %d]", nreloads, nfailed);
	sbuf_addf(b, "%-15d %-15s %-15s ", (int)getpid(), "master", rel);
	uptime(b, master_start);
	sbuf_addf(b, "%-15s\n# workers\n", SLUICE_VERSION);
	/* the current worker first, then the old ones */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < workers.n; i++) {
			const struct wk *w = &workers.v[i];
			if ((w->st == WK_CURRENT) != (pass == 0))
				continue;
			sbuf_addf(b, "%-15d %-15s %-15d ", (int)w->pid, "worker", nreloads - w->reloads_at_start);
			uptime(b, w->start);
			sbuf_addf(b, "%-15s\n", SLUICE_VERSION);
		}
	}
	sbuf_adds(b, "# programs\n\n");
}

/* The worker a prefix names: "@1" (relative pid: the current worker, or
 * the starting one when there is none yet; nbproc is gone) or "@!<pid>";
 * NULL when none. */
static struct wk *
mcli_target(const char *target)
{
	char *end;
	if (target[1] == '!') {
		long pid = strtol(target + 2, &end, 10);
		if (end != target + 2 && *end == '\0' && pid > 0)
			return find_worker((pid_t)pid);
		return NULL;
	}
	long rel = strtol(target + 1, &end, 10);
	if (end == target + 1 || *end != '\0' || rel != 1)
		return NULL;
	struct wk *w = current_worker();
	/* right after start, before it said it is ready, the worker HAProxy
	 * would already forward to (its answer comes once it runs) */
	for (size_t i = workers.n; w == NULL && i-- > 0;)
		if (workers.v[i].st == WK_STARTING)
			w = &workers.v[i];
	return w;
}

/* Passes cmd to w's CLI (HAProxy's forwarding) and appends its answer. */
static void
mcli_forward(struct wk *w, const char *cmd, struct sbuf *out)
{
	if (w->cli_fd < 0 || proc_ipc_query(w->cli_fd, cmd, out, 10000) < 0)
		sbuf_addf(out, "Worker (%d) did not answer.\n", (int)w->pid);
}

/* Runs one command of c; returns true when it asks for a reload. In
 * prompt mode "@1" / "@!<pid>" alone make the following commands go to
 * that worker, "@master" back to the master (HAProxy's modes). */
static bool
mcli_command(struct mcli_conn *c, char *cmd, struct sbuf *out)
{
	cmd += strspn(cmd, " \t");
	size_t tl = strcspn(cmd, " \t");
	char *rest = cmd + tl + strspn(cmd + tl, " \t");
	bool master = (tl == 7 && strncmp(cmd, "@master", 7) == 0) || (tl == 2 && strncmp(cmd, "@0", 2) == 0);
	if (cmd[0] == '@' && !master) {
		char *target = xasprintf("%.*s", (int)tl, cmd);
		struct wk *w = mcli_target(target);
		if (w == NULL)
			sbuf_addf(out, "Can't find the target PID matching the prefix '%s'\n", target);
		else if (*rest)
			mcli_forward(w, rest, out);
		else if (c->prompt)
			c->target = w->pid;
		free(target);
		return false;
	}
	if (master && !*rest && c->prompt)
		c->target = 0;
	if (!master && c->target) {
		struct wk *w = find_worker(c->target);
		if (w == NULL) {
			sbuf_addf(out, "Can't find the target PID matching the prefix '@!%d'\n", (int)c->target);
			c->target = 0;
		} else if (*cmd) {
			mcli_forward(w, cmd, out);
		}
		return false;
	}
	char *w[8];
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(master ? rest : cmd, " \t", &save); t && n < 8; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (n == 0)
		return false;
	if (strcmp(w[0], "show") == 0 && n > 1 && strcmp(w[1], "proc") == 0) {
		show_proc(out);
	} else if (strcmp(w[0], "show") == 0 && n > 1 && strcmp(w[1], "version") == 0) {
		sbuf_addf(out, "%s\n\n", SLUICE_VERSION);
	} else if (strcmp(w[0], "reload") == 0) {
		return true;
	} else if (strcmp(w[0], "prompt") == 0) {
		c->prompt = !c->prompt;
	} else if (strcmp(w[0], "quit") == 0) {
		c->quit = true;
	} else if (strcmp(w[0], "help") == 0) {
		sbuf_adds(out, mcli_help);
		sbuf_adds(out, "\n");
	} else {
		sbuf_adds(out, "Unknown command, but maybe one of the following ones is a better match:\n");
		sbuf_adds(out, strchr(mcli_help, '\n') + 1);
		sbuf_adds(out, "\n");
	}
	return false;
}

/* The complete line in c->buf: runs its commands (';'), answers, and
 * closes unless in prompt mode (then the prompt follows the answer). */
static bool
mcli_line(struct mcli_conn *c)
{
	struct sbuf out = { 0 };
	bool reload = false;
	char *save = NULL;
	for (char *cmd = strtok_r(c->buf, ";", &save); cmd && !c->quit; cmd = strtok_r(NULL, ";", &save))
		if (mcli_command(c, cmd, &out))
			reload = true;
	/* HAProxy prompts after "quit" too */
	if (c->prompt) {
		if (c->target)
			sbuf_addf(&out, "%d> ", (int)c->target);
		else
			sbuf_adds(&out, "master> ");
	}
	if (out.len) {
		/* small answers to an admin: a bounded blocking write */
		int fl = fcntl(c->fd, F_GETFL);
		fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
		struct timeval tv = { 1, 0 };
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		size_t off = 0;
		while (off < out.len) {
			ssize_t r = send(c->fd, out.s + off, out.len - off, MSG_NOSIGNAL);
			if (r <= 0)
				break;
			off += (size_t)r;
		}
		fcntl(c->fd, F_SETFL, fl);
	}
	free(out.s);
	if (!c->prompt || c->quit) {
		close(c->fd);
		c->fd = -1;
	}
	return reload;
}

static void
mcli_accept(void)
{
	for (;;) {
		int fd = accept(mcli_fd, NULL, NULL);
		if (fd < 0)
			return;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		fcntl(fd, F_SETFL, O_NONBLOCK);
		int i = 0;
		while (i < MCLI_MAX && mcli_conns[i].fd >= 0)
			i++;
		if (i == MCLI_MAX) {
			close(fd);
			continue;
		}
		mcli_conns[i].fd = fd;
		mcli_conns[i].len = 0;
		mcli_conns[i].prompt = mcli_conns[i].quit = false;
		mcli_conns[i].target = 0;
	}
}

/* Data on c; true when a command asked for a reload. Each complete
 * line is a command line (only the first one unless in prompt mode). */
static bool
mcli_read(struct mcli_conn *c)
{
	ssize_t r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (r <= 0) {
		close(c->fd);
		c->fd = -1;
		return false;
	}
	c->len += (size_t)r;
	c->buf[c->len] = '\0';
	bool reload = false;
	while (c->fd >= 0) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl == NULL && c->len < sizeof(c->buf) - 1)
			break;
		/* a line too long is taken as it is */
		size_t used = nl ? (size_t)(nl - c->buf) + 1 : c->len;
		char rest[MCLI_LINE];
		size_t nrest = c->len - used;
		memcpy(rest, c->buf + used, nrest);
		if (nl) {
			*nl = '\0';
			if (nl > c->buf && nl[-1] == '\r')
				nl[-1] = '\0';
		}
		if (mcli_line(c))
			reload = true;
		memcpy(c->buf, rest, nrest);
		c->len = nrest;
		c->buf[c->len] = '\0';
	}
	return reload;
}

static int
master_loop(struct master *m)
{
	for (;;) {
		if (m->stopping && workers.n == 0) {
			proc_msg("WARNING", "All workers exited. Exiting... (%d)", m->exit_code);
			return m->exit_code;
		}
		struct pollfd pf[1 + 16 + 1 + MCLI_MAX];
		nfds_t n = 0, nready;
		pf[n++] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
		for (size_t i = 0; i < workers.n && n < 1 + 16; i++)
			if (workers.v[i].ready_fd >= 0)
				pf[n++] = (struct pollfd){ .fd = workers.v[i].ready_fd, .events = POLLIN };
		nready = n;
		if (mcli_fd >= 0)
			pf[n++] = (struct pollfd){ .fd = mcli_fd, .events = POLLIN };
		for (int i = 0; i < MCLI_MAX && mcli_fd >= 0; i++)
			if (mcli_conns[i].fd >= 0)
				pf[n++] = (struct pollfd){ .fd = mcli_conns[i].fd, .events = POLLIN };
		if (poll(pf, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			proc_msg("ALERT", "master: poll: %s", strerror(errno));
			return 1;
		}
		bool reload = false;
		for (nfds_t i = nready; i < n; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pf[i].fd == mcli_fd) {
				mcli_accept();
				continue;
			}
			for (int k = 0; k < MCLI_MAX; k++)
				if (mcli_conns[k].fd == pf[i].fd && mcli_read(&mcli_conns[k]))
					reload = true;
		}
		if (reload && !m->stopping)
			reexec(m->mo);
		for (nfds_t i = 1; i < nready; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			for (size_t k = 0; k < workers.n; k++) {
				struct wk *w = &workers.v[k];
				if (w->ready_fd != pf[i].fd)
					continue;
				char c = 0;
				ssize_t r = read(w->ready_fd, &c, 1);
				if (r < 0 && errno == EINTR)
					break;
				worker_started(m, w, r == 1 && c == '1');
				break;
			}
		}
		if (pf[0].revents & POLLIN) {
			unsigned char sigs[64];
			ssize_t r = read(sig_pipe[0], sigs, sizeof(sigs));
			for (ssize_t i = 0; i < r; i++)
				handle_signal(m, sigs[i]);
		}
	}
}

int
proc_master_run(const struct proc_master_opts *mo, const struct cfg *cfg)
{
	struct master m = { .mo = mo, .first = true };
	bool reloading = proc_master_reloading();
	int rc = 1;

	state_import();
	proc_fds_import();
	if (reloading)
		m.first = false;
	else
		master_start = (long long)time(NULL);
	if (mo->mcli && mcli_open(mo->mcli) < 0 && !reloading)
		goto out;
	if (pipe(sig_pipe) < 0) {
		proc_msg("ALERT", "[sluice.main()] Cannot create the master's signal pipe: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
		fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
	}
	set_handlers(on_master_signal);
	signal(SIGPIPE, SIG_IGN);
	block_signals(false);
	/* children that died during the exec are reaped now */
	on_master_signal(SIGCHLD);

	if (cfg != NULL && listeners_preopen(cfg, mo->eo, mo->maxconn) < 0) {
		proc_fds_close_new();
		cfg = NULL;
	}
	if (cfg == NULL) {
		if (!reloading)
			goto out;
		/* a reload that failed: the old workers keep serving */
		nfailed++;
		proc_msg("WARNING", "Loading failure!");
		notify(mo, "READY=1");
	} else {
		proc_fds_close_unused();
		if (!reloading && mo->pidfile && proc_write_pidfile(mo->pidfile, getpid()) < 0)
			goto out;
		int f = fork_worker();
		if (f == 0)
			return PROC_WORKER;
		if (f < 0) {
			if (!reloading)
				goto out;
			proc_fds_close_new();
			nfailed++;
			notify(mo, "READY=1");
		}
	}
	rc = master_loop(&m);
out:
	mcli_close_all(true);
	set_handlers(SIG_DFL);
	for (int i = 0; i < 2; i++)
		if (sig_pipe[i] >= 0)
			close(sig_pipe[i]);
	while (workers.n)
		remove_worker(&workers.v[workers.n - 1]);
	free(workers.v);
	memset(&workers, 0, sizeof(workers));
	proc_fds_free();
	if (carried_state_fd >= 0)
		close(carried_state_fd);
	carried_state_fd = -1;
	return rc;
}
