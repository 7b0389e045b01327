/* The process around the engine (reference §2): daemon mode, pidfile,
 * file-descriptor limits, privileges, systemd notification, listening
 * sockets inherited across a reload, and the master process of the
 * master-worker mode (proc_master.c). main.c drives them in this order:
 *
 *   standalone: limits, [daemon fork], engine_new (binds), pidfile,
 *               chroot + drop privileges, -sf/-st, ready, engine_run
 *   master:     limits, [daemon fork], open listeners, pidfile, fork a
 *               worker; the worker does engine_new (adopting the
 *               master's sockets), drops privileges, says ready, runs.
 *
 * Messages go to stderr in HAProxy's "[ALERT]    (pid) : text" form. */
#ifndef SLUICE_ENGINE_PROC_H
#define SLUICE_ENGINE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

struct cfg;
struct cfg_global;
struct engine;
struct engine_opts;

/* "[NOTICE]   (pid) : text" and the other levels on stderr. */
void proc_msg(const char *level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- limits ---------------------------------------------------------- */

/* The file descriptors one process needs beside two per connection
 * (HAProxy's overhead: 16, one per listening address, and 1 + stats
 * maxconn per stats socket). */
int proc_fd_overhead(const struct cfg *cfg);

/* Sets RLIMIT_NOFILE and picks the global maxconn as HAProxy does:
 * with maxconn known (maxconn_opt from -n, else the global keyword) the
 * soft limit is raised to ulimit-n or 2 * maxconn + overhead; without it
 * to ulimit-n or the hard limit, and maxconn is derived from the limit.
 * A limit is never lowered. A limit below 2 * maxconn + overhead is
 * alerted ("FD limit (N) too low for maxconn=M/maxsock=S..."). Returns
 * maxconn, or -1 after an alert under strict-limits when the limit cannot
 * be raised ("Cannot raise FD limit to N, limit is M.") or is too low. */
int proc_set_limits(const struct cfg *cfg, int maxconn_opt);

/* ---- daemon ------------------------------------------------------------ */

/* Forks into the background (setsid). The caller's process waits until
 * the child calls proc_daemon_ready() and exits 0, or exits 1 when the
 * child dies first; so startup errors still reach the terminal with a
 * failing status. Returns 0 in the child, -1 when fork fails. */
int proc_daemon_start(void);
/* In the daemon child, once bound: releases the waiting parent and
 * points stdin/stdout/stderr at /dev/null. No-op when not daemonized. */
void proc_daemon_ready(void);
bool proc_is_daemon(void);
/* In a worker forked by a daemonized master: the master releases the
 * parent, the worker only detaches its stdio when ready. */
void proc_daemon_forget_parent(void);

/* Writes "<pid>\n" to path (truncating it). -1 after an alert. */
int proc_write_pidfile(const char *path, pid_t pid);

/* ---- privileges -------------------------------------------------------- */

/* After binding: chroot (global chroot), then setgroups/setgid/setuid
 * (global user/group/uid/gid) and set-dumpable. Every failure is fatal
 * (-1 after an alert): a process must not serve with privileges its
 * configuration asked to drop. */
int proc_drop_privileges(const struct cfg_global *g);
/* Once serving (privileges dropped, old processes signalled): restricts
 * the process to what serving needs (lib/compat_proc.h compat_sandbox:
 * pledge/unveil on OpenBSD; nothing elsewhere). Readable: the
 * configuration files; writable: the UNIX log sockets. -1 after an
 * alert. */
int proc_sandbox(const struct cfg *cfg);

/* ---- reloads ------------------------------------------------------------- */

/* -sf/-st: sends sig to every pid (errors ignored, as HAProxy). */
void proc_signal_pids(const pid_t *pids, size_t n, int sig);

/* systemd's sd_notify(): sends state ("READY=1", "RELOADING=1",
 * "STOPPING=1", "MAINPID=n") to $NOTIFY_SOCKET if set. */
void proc_sd_notify(const char *state);

/* ---- listening sockets kept across reloads ------------------------------- */

/* A pool of listening sockets by address. The master fills it (opening
 * what the configuration needs, or taking what a previous master image
 * left in the environment); the engine takes from it instead of binding
 * (listener.c), so a socket is never closed during a reload and no
 * connection waiting in its queue is lost. */

/* Adds fd, listening on ss, to the pool (it owns fd). */
void proc_fd_add(int fd, const struct sockaddr_storage *ss, bool inherited);
/* An unused pooled socket listening on ss, marked used, or -1. */
int proc_fd_take(const struct sockaddr_storage *ss);
/* Closes the pooled sockets nobody took and forgets them. */
void proc_fds_close_unused(void);
/* Closes the sockets opened by this image (not inherited) that are not
 * used; for a reload that failed. */
void proc_fds_close_new(void);
/* Marks every pooled socket unused again (the master, before the next
 * worker adopts them). */
void proc_fds_reset(void);
/* Forgets the pool without closing (a worker whose engine now owns the
 * sockets it took closes the rest first). */
void proc_fds_forget(void);
/* Closes everything in the pool and frees it. */
void proc_fds_free(void);
/* Reads the pool a previous image passed in SLUICE_LISTEN_FDS (and
 * removes the variable). */
void proc_fds_import(void);
/* Makes the pool survive exec: clears close-on-exec and sets
 * SLUICE_LISTEN_FDS. */
void proc_fds_export(void);
size_t proc_fds_count(void);

/* ---- signals in the engine ------------------------------------------------ */

/* SIGHUP: the server states of every proxy, in HAProxy's words, on
 * stderr (foreground) and to the proxies' logs. */
void proc_dump_states(struct engine *eng);

/* ---- master-worker (proc_master.c) ----------------------------------------- */

struct proc_master_opts {
	char **argv;            /* the command line, for the re-exec */
	const char *exe;        /* absolute path of the binary */
	const char *pidfile;
	bool daemon;
	bool systemd;           /* -Ws: sd_notify */
	bool no_exit_on_failure;
	const struct engine_opts *eo; /* -dR..., for the listening sockets */
	int maxconn;
	const char *mcli;       /* -S: master CLI address, or NULL */
};

/* Whether this process is a master re-executed for a reload. */
bool proc_master_reloading(void);

/* Runs the master. cfg is the parsed configuration, or NULL when it
 * failed to load (only on a reload: the old workers keep serving).
 * Returns PROC_WORKER in a freshly forked worker, which must then build
 * the engine (adopting the pooled sockets), drop privileges and call
 * proc_worker_ready(); in the master it returns the exit status when the
 * last worker is gone. */
#define PROC_WORKER (-2)
int proc_master_run(const struct proc_master_opts *mo, const struct cfg *cfg);
/* In a worker: the engine is bound and running soon; tells the master. */
void proc_worker_ready(void);
/* In a worker: the previous worker's "show servers state" that the
 * master carried across a reload (sluice's default, proc_state.h), or
 * NULL; the caller frees it. Closes the carried descriptor. */
char *proc_master_take_state(size_t *len);
/* In a worker: its end of the master's CLI channel (stats/cli.c serves
 * the connections passed over it), or -1. */
int proc_worker_cli_fd(void);

/* ---- the master's channel to a worker's CLI (proc_ipc.c) -------------------- */

struct sbuf;
/* Passes fd over the unix socket chan (SCM_RIGHTS). 0 / -1. */
int proc_ipc_send_fd(int chan, int fd);
/* Receives one descriptor passed over chan: the fd, -1 when nothing is
 * waiting, -2 when chan is closed or failed. */
int proc_ipc_recv_fd(int chan);
/* Opens a connection to the worker's CLI through chan, sends cmd (one
 * line) and appends the whole answer to out, within timeout_ms. 0 / -1. */
int proc_ipc_query(int chan, const char *cmd, struct sbuf *out, int timeout_ms);
/* An unlinked file (memfd on Linux) holding data, or -1. */
int proc_ipc_stash(const char *data, size_t len);
/* The whole content of fd from offset 0 (NULL when empty). */
char *proc_ipc_read_fd(int fd, size_t *len);

/* "_getsocks" on a stats socket with "expose-fd listeners": passes fds
 * (the listening sockets) over the client connection conn, as HAProxy
 * 2.6 does; blocks up to a few seconds per step. 0 / -1. */
int proc_getsocks_send(int conn, const int *fds, size_t nfds);
/* -x <path>: asks the old process's stats socket for its listening
 * sockets and adds the TCP ones to the pool (proc_fd_add), so the engine
 * adopts them instead of binding. -1 after HAProxy's alert. */
int proc_getsocks_fetch(const char *path);

/* In a worker: the master's SIGTTOU/SIGTTIN, SIGHUP... are the engine's;
 * undoes what the master set up (signal handlers, its pipes). */
bool proc_is_worker(void);

#endif
